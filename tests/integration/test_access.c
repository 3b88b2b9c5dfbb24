/* Access control under attack, against the real stack: the two-person export of personal
 * data, login throttling, and immediate revocation told to the client by an event. */
#include "config.h"

#include <nng/nng.h>
#include <nng/protocol/pubsub0/sub.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "err.h"
#include "it.h"
#include "mp.h"
#include "xmalloc.h"
#include "../tap.h"

static struct it_env env;
static PGconn *db;

#define CALL(c, rep, op, ...) it_outcome(kclient_call((c), (rep), (op), __VA_ARGS__), (rep))

static char *
new_case(struct kclient *op, const char *name)
{
	struct proto_reply rep;
	char *receipt = NULL;

	if (CALL(op, &rep, "case.create", "{s s s s s s s [{s s s s}]}", "customer_name", name,
	         "phone", "03-9876-5432", "medium", "USB メモリ 64GB", "items", "kind", "medium",
	         "description", "USB") == 0 &&
	    it_str(rep.data, "receipt") != NULL)
		receipt = xstrdup(it_str(rep.data, "receipt"));
	proto_reply_fini(&rep);
	return receipt;
}

/* ---- two-person export ---- */

struct approver {
	struct kclient *c;
	int64_t id;
	int rc;
};

static void *
approve(void *arg)
{
	struct approver *a = arg;
	struct proto_reply rep;

	a->rc = CALL(a->c, &rep, "export.approve", "{s i}", "id", a->id);
	proto_reply_fini(&rep);
	return NULL;
}

/* A second manager, for the race of approvals. */
static const struct it_account *
second_manager(void)
{
	static struct it_account m = { "manager2", "manager", "Second-manager-pw-2026", false };
	const char *p[1] = { m.login };

	if (it_db_int(db, "SELECT count(*) FROM kura.users WHERE login = $1", 1, p) == 0) {
		char cmd[1024];
		snprintf(cmd, sizeof cmd,
		         "printf '%%s\\n' '%s' | %s/kuractl user add %s --role manager --name"
		         " '第二 管理者' --dir %s >/dev/null 2>&1",
		         m.password, getenv("KURA_BUILDDIR") ? getenv("KURA_BUILDDIR") : ".",
		         m.login, env.dir);
		if (system(cmd) != 0)
			return NULL;
	}
	return &m;
}

static void
test_export(void)
{
	int rc;
	struct kclient *op = it_session(env.call_url, it_account(&env, "operator", false), &rc);
	struct kclient *m1 = it_session(env.call_url, it_account(&env, "manager", false), &rc);
	const struct it_account *m2a = second_manager();
	struct kclient *m2 = m2a ? it_session(env.call_url, m2a, &rc) : NULL;
	struct proto_reply rep;
	int64_t id = 0;

	if (!ok(op && m1 && m2, "an operator and two managers sign in on the call centre"))
		return;
	char *receipt = new_case(op, "書出 テスト");
	rc = CALL(op, &rep, "export.request", "{s [s] s s}", "receipts", receipt, "reason",
	          "本人からの開示請求 (受付番号同封)");
	ok(rc == 0 && it_int(rep.data, "id", &id), "the operator requests an export of one case");
	proto_reply_fini(&rep);
	is_str(it_code(CALL(op, &rep, "export.run", "{s i}", "id", id)), "invalid_state",
	       "it cannot run before approval");
	proto_reply_fini(&rep);
	is_str(it_code(CALL(op, &rep, "export.approve", "{s i}", "id", id)), "forbidden",
	       "the requester cannot approve (no right)");
	proto_reply_fini(&rep);

	/* A manager requesting and approving alone: refused as self-approval. */
	int64_t own = 0;
	CALL(m1, &rep, "export.request", "{s [s] s s}", "receipts", receipt, "reason", "監査");
	it_int(rep.data, "id", &own);
	proto_reply_fini(&rep);
	is_str(it_code(CALL(m1, &rep, "export.approve", "{s i}", "id", own)), "forbidden",
	       "a manager cannot approve their own export");
	proto_reply_fini(&rep);

	struct approver a = { m1, id, -99 }, b = { m2, id, -99 };
	pthread_t ta, tb;
	pthread_create(&ta, NULL, approve, &a);
	pthread_create(&tb, NULL, approve, &b);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	ok((a.rc == 0) != (b.rc == 0), "two managers approve at once: exactly one wins");
	ok(a.rc == ERR_CONFLICT || b.rc == ERR_CONFLICT, "  the other gets conflict");
	is_str(it_code(CALL(m1, &rep, "export.run", "{s i}", "id", id)), "forbidden",
	       "only the requester runs the export");
	proto_reply_fini(&rep);
	rc = CALL(op, &rep, "export.run", "{s i}", "id", id);
	const char *csv = it_str(rep.data, "csv");
	ok(rc == 0 && csv != NULL && strstr(csv, "書出 テスト") != NULL &&
	       strstr(csv, "03-9876-5432") != NULL,
	   "the requester runs it once and gets the customer's data as CSV");
	proto_reply_fini(&rep);
	is_str(it_code(CALL(op, &rep, "export.run", "{s i}", "id", id)), "invalid_state",
	       "it cannot run twice");
	proto_reply_fini(&rep);

	/* Expiry: an approval older than its time is refused. */
	int64_t late = 0;
	CALL(op, &rep, "export.request", "{s [s] s s}", "receipts", receipt, "reason", "再送付");
	it_int(rep.data, "id", &late);
	proto_reply_fini(&rep);
	CALL(m2, &rep, "export.approve", "{s i}", "id", late);
	proto_reply_fini(&rep);
	char late_s[24];
	snprintf(late_s, sizeof late_s, "%lld", (long long)late);
	it_db_exec(db,
	           "UPDATE kura.export_requests SET expires_at = now() - interval '1 second'"
	           " WHERE id = $1",
	           1, (const char *[]){ late_s });
	is_str(it_code(CALL(op, &rep, "export.run", "{s i}", "id", late)), "invalid_state",
	       "an expired approval does not run");
	proto_reply_fini(&rep);

	char id_s[24], obj[64];
	snprintf(id_s, sizeof id_s, "%lld", (long long)id);
	snprintf(obj, sizeof obj, "export:%s approved-by:%%", id_s);
	is_int(it_db_int(db,
	                 "SELECT count(*) FROM kura.audit_log a JOIN kura.users u ON u.id ="
	                 " a.user_id WHERE a.op = 'export.run' AND a.outcome = 'ok'"
	                 " AND a.object LIKE $1 AND u.role = 'operator'",
	                 1, (const char *[]){ obj }),
	       1, "the audit row of the run names the requester and the approver");
	free(receipt);
	kclient_free(op), kclient_free(m1), kclient_free(m2);
}

/* ---- login throttling ---- */

static double
now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
test_throttle(void)
{
	const struct it_account *t = it_account(&env, "auditor", false);
	struct kclient *c = it_open(env.call_url, IT_TIMEOUT_MS);
	int rc = 0;

	if (!ok(t && c, "a client for the sign-in throttle"))
		return;
	double t0 = now_s();
	int wrong = kclient_login(c, t->login, "Wrong-password-000");
	double t1 = now_s();
	int unknown = kclient_login(c, "no-such-user-xyz", "Wrong-password-000");
	double t2 = now_s();
	is_int(wrong, ERR_UNAUTHENTICATED, "a wrong password is unauthenticated");
	is_int(unknown, ERR_UNAUTHENTICATED, "an unknown user gets the same answer");
	double a = t1 - t0, b = t2 - t1;
	ok(a / b < 3 && b / a < 3, "  in similar time (%.0f ms and %.0f ms)", a * 1000, b * 1000);
	for (int i = 0; i < 2; i++)
		kclient_login(c, t->login, "Wrong-password-000");
	rc = kclient_login(c, t->login, "Wrong-password-000");
	is_int(rc, ERR_RATE_LIMITED, "after three failures the account must wait");
	is_int(kclient_login(c, t->login, t->password), ERR_RATE_LIMITED,
	       "  even the right password is refused while it waits");
	is_int(it_db_int(db,
	                 "SELECT count(*) FROM kura.audit_log WHERE op = 'auth.login'"
	                 " AND outcome = 'rate_limited' AND at > now() - interval '1 minute'",
	                 0, NULL) >= 2,
	       1, "  and every refused try is audited");
	/* The wait passes (here: the owner clears it, as an hour would). */
	it_db_exec(db, "DELETE FROM kura.login_failures", 0, NULL);
	is_int(kclient_login(c, t->login, t->password), 0,
	       "after the wait, the right password works");
	kclient_free(c);
}

/* ---- revocation told by an event ---- */

static void
test_revocation(void)
{
	const struct it_account *victim = it_account(&env, "shipping", false);
	const struct it_account *admin = it_account(&env, "admin", false);
	struct kclient *v = it_open(env.tech_url, IT_TIMEOUT_MS);
	struct kclient *ad = it_session(env.call_url, admin, &(int){ 0 });
	struct proto_reply rep;
	nng_socket sub;
	int64_t session = 0;
	const char *events;
	char events_url[256] = "";

	if (!ok(victim && v && ad, "a shipping clerk and an administrator"))
		return;
	int rc = CALL(v, &rep, "auth.login", "{s s s s}", "user", victim->login, "password",
	              victim->password);
	ok(rc == 0 && it_int(rep.data, "session", &session) &&
	       (events = it_str(rep.data, "events")) != NULL,
	   "sign-in tells the client its session id and the events URL");
	if (rc == 0 && events != NULL)
		snprintf(events_url, sizeof events_url, "%s", events);
	if (rc == 0)
		kclient_set_token(v, it_str(rep.data, "tok"));
	proto_reply_fini(&rep);
	if (events_url[0] == '\0' || nng_sub0_open(&sub) != 0)
		return;
	nng_socket_set(sub, NNG_OPT_SUB_SUBSCRIBE, "", 0);
	nng_socket_set_ms(sub, NNG_OPT_RECVTIMEO, 3000);
	nng_dial(sub, events_url, NULL, 0);
	struct timespec pause = { 0, 300 * 1000000L }; /* let the subscription settle */
	nanosleep(&pause, NULL);

	is_int(CALL(ad, &rep, "user.disable", "{s s}", "user", "nobody-here"), ERR_NOT_FOUND,
	       "disabling an unknown user: not_found");
	proto_reply_fini(&rep);
	double t0 = now_s();
	rc =
	    CALL(ad, &rep, "user.set_role", "{s s s s}", "user", victim->login, "role", "operator");
	int64_t ended = 0;
	ok(rc == 0 && it_int(rep.data, "sessions_ended", &ended) && ended >= 1,
	   "the administrator changes the clerk's role: their sessions end");
	proto_reply_fini(&rep);

	bool told = false;
	void *buf;
	size_t len;
	while (!told && nng_recv(sub, &buf, &len, NNG_FLAG_ALLOC) == 0) {
		msgpack_unpacked u;
		msgpack_unpacked_init(&u);
		if (msgpack_unpack_next(&u, buf, len, NULL) == MSGPACK_UNPACK_SUCCESS) {
			const char *topic = it_str(&u.data, "topic"), *id = it_str(&u.data, "id");
			told = topic && id && strcmp(topic, "session") == 0 &&
			       strtoll(id, NULL, 10) == session;
		}
		msgpack_unpacked_destroy(&u);
		nng_free(buf, len);
	}
	double dt = now_s() - t0;
	ok(told, "the clerk's client is told by an event naming its session");
	ok(told && dt < 1.5, "  at once (%.0f ms)", dt * 1000);
	is_str(it_code(CALL(v, &rep, "auth.whoami", NULL)), "unauthenticated",
	       "the very next request of the old session is refused");
	proto_reply_fini(&rep);
	/* Put the role back for the other tests. */
	CALL(ad, &rep, "user.set_role", "{s s s s}", "user", victim->login, "role", "shipping");
	proto_reply_fini(&rep);

	/* session.list and session.kill */
	struct kclient *v2 = it_session(env.tech_url, victim, &rc);
	CALL(ad, &rep, "session.list", NULL);
	const msgpack_object *rows = it_array(rep.data, "rows");
	int64_t kill_id = 0;
	for (uint32_t i = 0; rows != NULL && i < rows->via.array.size; i++)
		if (strcmp(it_str(&rows->via.array.ptr[i], "user"), victim->login) == 0)
			it_int(&rows->via.array.ptr[i], "id", &kill_id);
	ok(kill_id > 0, "the administrator lists sessions and finds the clerk's new one");
	proto_reply_fini(&rep);
	is_int(CALL(ad, &rep, "session.kill", "{s i}", "id", kill_id), 0, "and kills it");
	proto_reply_fini(&rep);
	is_str(it_code(CALL(v2, &rep, "auth.whoami", NULL)), "unauthenticated",
	       "  the killed session is refused");
	proto_reply_fini(&rep);
	is_str(it_code(CALL(ad, &rep, "user.disable", "{s s}", "user", admin->login)),
	       "invalid_state", "an administrator cannot disable their own account");
	proto_reply_fini(&rep);
	nng_close(sub);
	kclient_free(v), kclient_free(v2), kclient_free(ad);
}

int
main(void)
{
	const char *why;

	if (it_env_load(&env, &why) != 0)
		tap_bail(why);
	if ((db = it_db_open(&env)) == NULL)
		tap_bail("cannot open the database as its owner");
	test_export();
	test_throttle();
	test_revocation();
	PQfinish(db);
	return tap_done();
}
