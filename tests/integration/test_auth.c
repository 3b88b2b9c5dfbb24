/* Sessions as a client sees them: login, wrong and unknown credentials, whoami, logout,
 * expiry, and the binding of sessions and roles to network segments. */
#include "config.h"

#include <string.h>
#include <sys/wait.h>

#include "err.h"
#include "it.h"
#include "mp.h"
#include "../tap.h"

static struct it_env env;
static PGconn *db;

/* The session row of a token: the server stores only the SHA-256 of the token, of its hex
 * text or of the 32 bytes it spells; either is accepted. */
#define SESSION_OF_TOKEN                                                                           \
	"(token_hash = sha256(convert_to($1, 'UTF8')) OR token_hash = sha256(decode($1, 'hex')))"

/* Rights of role on segment in the database, as a sorted comma-separated list (owned). A
 * temporary user loses every personal-data right (pii.*), whatever the role (DESIGN.md). */
static char *
db_rights(const char *role, const char *segment, bool temporary)
{
	const char *p[] = { role, segment, temporary ? "t" : "f" };

	return it_db_text(db,
	                  "SELECT coalesce(string_agg(permission, ',' ORDER BY permission), '') "
	                  "FROM kura.role_segment_permissions WHERE role = $1 AND segment = $2 "
	                  "AND NOT ($3::boolean AND permission LIKE 'pii.%')",
	                  3, p);
}

/* The str array arr as a sorted comma-separated list (owned), or NULL when not all strings. */
static char *
rights_list(const msgpack_object *arr)
{
	char *items[64];
	uint32_t n = 0;
	size_t total = 1;

	if (arr == NULL || arr->via.array.size > 64)
		return NULL;
	for (uint32_t i = 0; i < arr->via.array.size; i++) {
		const msgpack_object *o = &arr->via.array.ptr[i];
		if (o->type != MSGPACK_OBJECT_STR)
			goto fail;
		items[n++] = mp_strdup(o);
		total += o->via.str.size + 1;
	}
	for (uint32_t i = 1; i < n; i++)
		for (uint32_t j = i; j > 0 && strcmp(items[j - 1], items[j]) > 0; j--) {
			char *t = items[j];
			items[j] = items[j - 1];
			items[j - 1] = t;
		}
	char *out = calloc(1, total);
	for (uint32_t i = 0; i < n; i++) {
		if (i > 0)
			strcat(out, ",");
		strcat(out, items[i]);
		free(items[i]);
	}
	return out;
fail:
	for (uint32_t i = 0; i < n; i++)
		free(items[i]);
	return NULL;
}

/* Checks the identity part of a login or whoami reply. */
static void
check_identity(const char *what, const msgpack_object *data, const struct it_account *a,
               const char *segment)
{
	bool temp = !a->temporary;

	is_str(it_str(data, "user"), a->login, "%s: user is the login", what);
	ok(it_str(data, "name") != NULL && *it_str(data, "name") != '\0', "%s: a display name",
	   what);
	is_str(it_str(data, "role"), a->role, "%s: role", what);
	is_str(it_str(data, "segment"), segment, "%s: segment is the listener's", what);
	ok(it_bool(data, "temporary", &temp) && temp == a->temporary, "%s: temporary flag is %s",
	   what, a->temporary ? "true" : "false");
	/* The reply is read before the database query allocates. */
	char *got = rights_list(it_array(data, "rights"));
	char *want = db_rights(a->role, segment, a->temporary);
	ok(want != NULL && got != NULL && strcmp(want, got) == 0,
	   "%s: rights are those of (%s, %s)%s", what, a->role, segment,
	   a->temporary ? " without pii.*" : "");
	if (want == NULL || got == NULL || strcmp(want, got) != 0)
		tap_diag("  got [%s], expected [%s]", got ? got : "(not a str array)",
		         want ? want : "(db error)");
	free(want);
	free(got);
}

static void
test_login_whoami_logout(void)
{
	const struct it_account *op = it_account(&env, "operator", false);
	struct kclient *c = it_open(env.call_url, IT_TIMEOUT_MS);
	struct proto_reply rep;
	char tok[PROTO_TOKEN_CHARS + 1] = "";
	int64_t idle = 0, absolute = 0;
	int rc;

	rc = kclient_call(c, &rep, "auth.login", "{s s s s}", "user", op->login, "password",
	                  op->password);
	is_str(it_code(it_outcome(rc, &rep)), "ok", "operator logs in on the call centre");
	const char *t = it_str(rep.data, "tok");
	ok(it_is_hex(t, 64), "the token is 64 hex characters");
	if (t != NULL)
		snprintf(tok, sizeof tok, "%s", t);
	check_identity("login", rep.data, op, "call-centre");
	ok(it_int(rep.data, "idle_timeout", &idle) && idle > 0, "login: idle_timeout > 0");
	ok(it_int(rep.data, "absolute_timeout", &absolute) && absolute >= idle,
	   "login: absolute_timeout >= idle_timeout");
	proto_reply_fini(&rep);

	const char *p[] = { tok };
	is_int(it_db_int(db, "SELECT count(*) FROM kura.sessions WHERE " SESSION_OF_TOKEN, 1, p), 1,
	       "the database holds the session under the token's SHA-256");
	is_int(it_db_int(db,
	                 "SELECT count(*) FROM kura.sessions s WHERE strpos(s::text, $1) > 0 "
	                 "OR strpos(encode(s.token_hash, 'hex'), lower($1)) > 0",
	                 1, p),
	       0, "the token itself is not in the sessions table");

	kclient_set_token(c, tok);
	rc = kclient_call(c, &rep, "auth.whoami", NULL);
	is_str(it_code(it_outcome(rc, &rep)), "ok", "whoami with the token");
	check_identity("whoami", rep.data, op, "call-centre");
	proto_reply_fini(&rep);

	/* The token is not bound to the connection: a second client may use it. */
	struct kclient *c2 = it_open(env.call_url, IT_TIMEOUT_MS);
	kclient_set_token(c2, tok);
	rc = kclient_call(c2, &rep, "auth.whoami", NULL);
	is_str(it_code(it_outcome(rc, &rep)), "ok", "the token works from another connection");
	proto_reply_fini(&rep);

	kclient_set_token(c2, NULL);
	rc = kclient_call(c2, &rep, "auth.whoami", NULL);
	is_str(it_code(it_outcome(rc, &rep)), "unauthenticated", "whoami without a token");
	proto_reply_fini(&rep);

	char fake[65];
	it_random_hex(fake, 32);
	kclient_set_token(c2, fake);
	rc = kclient_call(c2, &rep, "auth.whoami", NULL);
	is_str(it_code(it_outcome(rc, &rep)), "unauthenticated", "whoami with a made-up token");
	proto_reply_fini(&rep);

	rc = kclient_call(c, &rep, "auth.logout", NULL);
	is_str(it_code(it_outcome(rc, &rep)), "ok", "logout");
	proto_reply_fini(&rep);
	rc = kclient_call(c, &rep, "auth.whoami", NULL);
	is_str(it_code(it_outcome(rc, &rep)), "unauthenticated",
	       "after logout the token is refused");
	proto_reply_fini(&rep);
	kclient_set_token(c2, tok);
	rc = kclient_call(c2, &rep, "case.list", "{s i}", "limit", (int64_t)1);
	is_str(it_code(it_outcome(rc, &rep)), "unauthenticated",
	       "after logout the token is refused on every connection and command");
	proto_reply_fini(&rep);
	rc = kclient_call(c, &rep, "auth.logout", NULL);
	is_str(it_code(it_outcome(rc, &rep)), "unauthenticated", "a second logout is refused");
	proto_reply_fini(&rep);

	kclient_free(c2);
	kclient_free(c);
}

/* A decoded reply must stay readable until proto_reply_fini, whatever the program allocates
 * meanwhile: msgpack-c's objects point into the received bytes, so the client must keep them. */
static void
test_reply_lifetime(void)
{
	const struct it_account *op = it_account(&env, "operator", false);
	struct kclient *c;
	struct proto_reply rep;
	void *blocks[1024];
	int n = 0, rc;

	c = it_session(env.call_url, op, &rc);
	is_str(it_code(rc), "ok", "operator logs in for the reply lifetime check");
	if (c == NULL)
		return;
	rc = kclient_call(c, &rep, "auth.whoami", NULL);
	/* Take and scribble over blocks of every small size, as any program does between calls. */
	for (size_t sz = 8; sz <= 8192 && n < 1024; sz += 8) {
		blocks[n] = malloc(sz);
		memset(blocks[n++], 0x5a, sz);
	}
	is_str(it_code(it_outcome(rc, &rep)), "ok", "whoami");
	is_str(it_str(rep.data, "user"), op->login,
	       "kclient: a decoded reply stays readable after other allocations");
	is_str(it_str(rep.data, "segment"), "call-centre", "kclient: ... all of it");
	proto_reply_fini(&rep);
	while (n > 0)
		free(blocks[--n]);
	kclient_free(c);
}

/* Writes are idempotent by request id (docs/protocol.md): auth.logout is marked write, so a
 * resend of the same logout gets the stored reply, not a second effect. */
static void
test_logout_resend(void)
{
	const struct it_account *op = it_account(&env, "operator", false);
	struct kclient *c = it_session(env.call_url, op, NULL);
	struct proto_writer w;
	struct proto_reply rep;
	uint8_t id[PROTO_ID_LEN];
	int rc;

	if (c == NULL) {
		ok(0, "operator logs in for the logout resend");
		return;
	}
	proto_new_id(id);
	proto_writer_init(&w);
	it_pack_request(&w, id, "auth.logout", kclient_token(c), NULL);
	rc = kclient_raw(c, &rep, w.buf.data, w.buf.size);
	is_str(it_code(it_outcome(rc, &rep)), "ok", "logout (sent with a fixed request id)");
	proto_reply_fini(&rep);
	rc = kclient_raw(c, &rep, w.buf.data, w.buf.size);
	is_str(it_code(it_outcome(rc, &rep)), "ok",
	       "the same logout resent with the same id gets the stored reply");
	proto_reply_fini(&rep);
	rc = kclient_call(c, &rep, "auth.whoami", NULL);
	is_str(it_code(it_outcome(rc, &rep)), "unauthenticated", "and the session is still ended");
	proto_reply_fini(&rep);
	proto_writer_fini(&w);
	kclient_free(c);
}

/* Stored replies are kept a week (schema/015_reply_expiry.sql): kurad's sealer removes the
 * older ones within seconds and keeps the others. */
static void
test_reply_expiry(void)
{
	static const char insert[] =
	    "INSERT INTO kura.request_replies (request_id, token_hash, user_id, op, reply, at)"
	    " SELECT decode(md5(random()::text), 'hex'), sha256('expiry'::bytea), min(id),"
	    " 'test.expiry', '\\x00', now() - make_interval(days => $1::int) FROM kura.users";
	static const char old_left[] =
	    "SELECT count(*) FROM kura.request_replies"
	    " WHERE op = 'test.expiry' AND at < now() - interval '7 days'";
	const char *eight[1] = { "8" }, *six[1] = { "6" };
	long long left = -1;

	is_int(it_db_exec(db, insert, 1, eight), 1, "a stored reply of 8 days ago is there");
	is_int(it_db_exec(db, insert, 1, six), 1, "and one of 6 days ago");
	for (int i = 0; i < 150 && (left = it_db_int(db, old_left, 0, NULL)) != 0; i++)
		usleep(100 * 1000);
	is_int(left, 0, "kurad removed the reply older than a week within 15 s");
	is_int(it_db_int(db, "SELECT count(*) FROM kura.request_replies WHERE op = 'test.expiry'",
	                 0, NULL),
	       1, "and kept the one of 6 days");
	it_db_exec(db, "DELETE FROM kura.request_replies WHERE op = 'test.expiry'", 0, NULL);
}

/* A session's last use is recorded when the recorded one is a minute old, or half the idle
 * timeout when that is shorter (schema/011_request_speed.sql): reads write no session row,
 * and a session used more often than its timeout never ends. Checked on kura.session_touch()
 * itself, with a timeout of 10 s. */
static void
test_touch_cadence(void)
{
	static const char age[] =
	    "UPDATE kura.sessions SET last_seen = now() - make_interval(secs => $2::int)"
	    " WHERE " SESSION_OF_TOKEN;
	static const char touch[] =
	    "SELECT count(*) FROM kura.session_touch((SELECT token_hash FROM kura.sessions WHERE " SESSION_OF_TOKEN
	    "), 'call-centre', $2::int, 43200)";
	static const char fresh[] = "SELECT count(*) FROM kura.sessions WHERE " SESSION_OF_TOKEN
	                            " AND last_seen > now() - interval '1 second'";
	const struct it_account *op = it_account(&env, "operator", false);
	struct kclient *c = it_session(env.call_url, op, NULL);
	char tok[PROTO_TOKEN_CHARS + 1];

	if (c == NULL) {
		ok(0, "operator logs in for the touch cadence");
		return;
	}
	snprintf(tok, sizeof tok, "%s", kclient_token(c));
	const char *p3[2] = { tok, "3" }, *p6[2] = { tok, "6" }, *p10[2] = { tok, "10" },
	           *p30[2] = { tok, "30" }, *p1800[2] = { tok, "1800" };

	it_db_exec(db, age, 2, p3);
	is_int(it_db_int(db, touch, 2, p10), 1,
	       "touch: a session used 3 s ago lives (timeout 10 s)");
	is_int(it_db_int(db, fresh, 1, p3), 0, "touch: ... and its last use is not written again");
	it_db_exec(db, age, 2, p6);
	is_int(it_db_int(db, touch, 2, p10), 1, "touch: one used 6 s ago lives");
	is_int(it_db_int(db, fresh, 1, p6), 1,
	       "touch: ... and its last use is recorded (over 5 s)");
	it_db_exec(db, age, 2, p30);
	is_int(it_db_int(db, touch, 2, p1800), 1, "touch: with 1800 s, one used 30 s ago lives");
	is_int(it_db_int(db, fresh, 1, p30), 0, "touch: ... its last use not written (under 60 s)");
	kclient_free(c);
}

static void
test_wrong_credentials(void)
{
	const struct it_account *mgr = it_account(&env, "manager", false);
	struct kclient *c = it_open(env.call_url, IT_TIMEOUT_MS);
	struct proto_reply rep;
	char wrong[200], unknown[40], hex[17];
	char msg_wrong[PROTO_ERRMSG_MAX] = "", msg_unknown[PROTO_ERRMSG_MAX] = "";
	int rc;

	it_random_hex(hex, 8);
	snprintf(wrong, sizeof wrong, "%s-not-%s", mgr->password, hex);
	snprintf(unknown, sizeof unknown, "nobody-%s", hex);

	rc =
	    kclient_call(c, &rep, "auth.login", "{s s s s}", "user", mgr->login, "password", wrong);
	is_str(it_code(it_outcome(rc, &rep)), "unauthenticated", "a wrong password is refused");
	ok(mp_get(rep.data, "tok") == NULL, "and no token comes back");
	snprintf(msg_wrong, sizeof msg_wrong, "%s", rep.err_msg);
	proto_reply_fini(&rep);

	rc = kclient_call(c, &rep, "auth.login", "{s s s s}", "user", unknown, "password", wrong);
	is_str(it_code(it_outcome(rc, &rep)), "unauthenticated", "an unknown user is refused");
	snprintf(msg_unknown, sizeof msg_unknown, "%s", rep.err_msg);
	proto_reply_fini(&rep);
	is_str(msg_unknown, msg_wrong, "unknown user and wrong password give the same message");

	rc = kclient_call(c, &rep, "auth.login", "{s s}", "user", mgr->login);
	is_str(it_code(it_outcome(rc, &rep)), "bad_request", "login without a password");
	proto_reply_fini(&rep);
	rc = kclient_call(c, &rep, "auth.login", "{s s s i}", "user", mgr->login, "password",
	                  (int64_t)12345678901234);
	is_str(it_code(it_outcome(rc, &rep)), "bad_request", "login with a non-string password");
	proto_reply_fini(&rep);

	/* The right password still works after the failures. */
	rc = kclient_login(c, mgr->login, mgr->password);
	is_str(it_code(rc), "ok", "the manager's right password still works");
	kclient_free(c);
}

/* Logs in a fresh client on url and returns the token (owned) or NULL; *data_ok gets
 * whether the reply's identity matched. */
static char *
login_token(const char *url, const struct it_account *a, int *outcome)
{
	struct kclient *c = it_open(url, IT_TIMEOUT_MS);
	char *tok = NULL;
	int rc = kclient_login(c, a->login, a->password);

	*outcome = rc;
	if (rc == 0)
		tok = strdup(kclient_token(c));
	kclient_free(c);
	return tok;
}

static void
test_segments(void)
{
	const struct it_account *op = it_account(&env, "operator", false);
	const struct it_account *tech = it_account(&env, "technician", false);
	const struct it_account *ship = it_account(&env, "shipping", false);
	const struct it_account *adm = it_account(&env, "admin", false);
	const struct it_account *mgr = it_account(&env, "manager", false);
	struct kclient *call = it_open(env.call_url, IT_TIMEOUT_MS);
	struct kclient *techc = it_open(env.tech_url, IT_TIMEOUT_MS);
	struct proto_reply rep;
	char *optok, *techtok, *mgrtok;
	int rc, outcome;

	optok = login_token(env.call_url, op, &outcome);
	is_str(it_code(outcome), "ok", "operator logs in on the call centre");
	techtok = login_token(env.tech_url, tech, &outcome);
	is_str(it_code(outcome), "ok", "technician logs in on the tech centre");

	kclient_set_token(techc, optok);
	rc = kclient_call(techc, &rep, "auth.whoami", NULL);
	is_str(it_code(it_outcome(rc, &rep)), "unauthenticated",
	       "a call-centre token presented on the tech-centre listener is refused");
	proto_reply_fini(&rep);
	rc = kclient_call(techc, &rep, "case.list", "{s i}", "limit", (int64_t)1);
	is_str(it_code(it_outcome(rc, &rep)), "unauthenticated",
	       "... also for case.list, where the operator would have the right");
	proto_reply_fini(&rep);

	kclient_set_token(call, techtok);
	rc = kclient_call(call, &rep, "auth.whoami", NULL);
	is_str(it_code(it_outcome(rc, &rep)), "unauthenticated",
	       "a tech-centre token presented on the call-centre listener is refused");
	proto_reply_fini(&rep);

	/* Both tokens still work where they belong. */
	kclient_set_token(call, optok);
	rc = kclient_call(call, &rep, "auth.whoami", NULL);
	is_str(it_code(it_outcome(rc, &rep)), "ok",
	       "the operator's token works on the call centre");
	proto_reply_fini(&rep);
	kclient_set_token(techc, techtok);
	rc = kclient_call(techc, &rep, "auth.whoami", NULL);
	is_str(it_code(it_outcome(rc, &rep)), "ok",
	       "the technician's token works on the tech centre");
	check_identity("technician whoami", rep.data, tech, "tech-centre");
	proto_reply_fini(&rep);

	kclient_set_token(techc, NULL);
	rc = kclient_call(techc, &rep, "auth.login", "{s s s s}", "user", op->login, "password",
	                  op->password);
	is_str(it_code(it_outcome(rc, &rep)), "forbidden",
	       "an operator logging in on the tech centre is forbidden");
	ok(mp_get(rep.data, "tok") == NULL, "and gets no token");
	proto_reply_fini(&rep);
	kclient_set_token(call, NULL);
	rc = kclient_call(call, &rep, "auth.login", "{s s s s}", "user", tech->login, "password",
	                  tech->password);
	is_str(it_code(it_outcome(rc, &rep)), "forbidden",
	       "a technician logging in on the call centre is forbidden");
	proto_reply_fini(&rep);
	if (ship != NULL) {
		rc = kclient_call(call, &rep, "auth.login", "{s s s s}", "user", ship->login,
		                  "password", ship->password);
		is_str(it_code(it_outcome(rc, &rep)), "forbidden",
		       "a shipping clerk logging in on the call centre is forbidden");
		proto_reply_fini(&rep);
	}
	if (adm != NULL) {
		rc = kclient_call(techc, &rep, "auth.login", "{s s s s}", "user", adm->login,
		                  "password", adm->password);
		is_str(it_code(it_outcome(rc, &rep)), "forbidden",
		       "an administrator logging in on the tech centre is forbidden");
		proto_reply_fini(&rep);
	}
	/* A wrong password on the wrong segment must not tell that the account exists. */
	rc = kclient_call(techc, &rep, "auth.login", "{s s s s}", "user", op->login, "password",
	                  "wrong-password-123");
	is_str(it_code(it_outcome(rc, &rep)), "unauthenticated",
	       "a wrong password on a segment the role may not use is unauthenticated");
	proto_reply_fini(&rep);

	/* The manager works on both: rights follow the segment. */
	mgrtok = login_token(env.tech_url, mgr, &outcome);
	is_str(it_code(outcome), "ok", "a manager logs in on the tech centre");
	kclient_set_token(techc, mgrtok);
	rc = kclient_call(techc, &rep, "auth.whoami", NULL);
	is_str(it_code(it_outcome(rc, &rep)), "ok", "manager whoami on the tech centre");
	check_identity("manager on the tech centre", rep.data, mgr, "tech-centre");
	proto_reply_fini(&rep);

	free(optok);
	free(techtok);
	free(mgrtok);
	kclient_free(call);
	kclient_free(techc);
}

static void
test_temporary(void)
{
	const struct it_account *tmp = it_account(&env, "operator", true);
	struct kclient *c;
	struct proto_reply rep;
	int rc;

	if (tmp == NULL) {
		ok(0, "a temporary operator account exists");
		return;
	}
	c = it_session(env.call_url, tmp, &rc);
	is_str(it_code(rc), "ok", "a temporary operator logs in on the call centre");
	if (c == NULL)
		return;
	rc = kclient_call(c, &rep, "auth.whoami", NULL);
	is_str(it_code(it_outcome(rc, &rep)), "ok", "temporary operator whoami");
	check_identity("temporary operator", rep.data, tmp, "call-centre");
	ok(!it_array_has_str(it_array(rep.data, "rights"), "pii.read"),
	   "a temporary operator never holds pii.read");
	proto_reply_fini(&rep);
	kclient_free(c);
}

/* Runs kuractl (KURA_IT_KURACTL) with args and --dir, feeding input on its standard input;
 * its output goes to stderr. Returns its exit status, or -1. */
static int
run_kuractl(const char *args, const char *input)
{
	const char *k = getenv("KURA_IT_KURACTL");
	char cmd[2048];
	FILE *p;
	int st;

	if (k == NULL)
		return -1;
	snprintf(cmd, sizeof cmd, "'%s' %s --dir '%s' >&2", k, args, env.dir);
	if ((p = popen(cmd, "w")) == NULL)
		return -1;
	if (input != NULL)
		fputs(input, p);
	st = pclose(p);
	return st == -1 || !WIFEXITED(st) ? -1 : WEXITSTATUS(st);
}

/* Disabling a user ends their sessions at once (MISSION.md: IDs of people who leave are
 * removed at once). */
static void
test_revocation(void)
{
	const struct it_account *op = it_account(&env, "operator", false);
	struct it_account leaver = { .role = "operator" };
	struct kclient *c, *other;
	struct proto_reply rep;
	char hex[9], args[256], input[200];
	int rc;

	it_random_hex(hex, 4);
	snprintf(leaver.login, sizeof leaver.login, "leaver-%s", hex);
	snprintf(leaver.password, sizeof leaver.password, "Leaver-%s-Kura-9", hex);
	snprintf(args, sizeof args, "user add %s --role operator", leaver.login);
	snprintf(input, sizeof input, "%s\n", leaver.password);
	is_int(run_kuractl(args, input), 0, "kuractl user add %s --role operator", leaver.login);
	c = it_session(env.call_url, &leaver, &rc);
	is_str(it_code(rc), "ok", "the new operator logs in");
	other = it_session(env.call_url, op, &rc);
	is_str(it_code(rc), "ok", "another operator logs in");
	if (c == NULL || other == NULL)
		goto out;
	rc = kclient_call(c, &rep, "case.list", "{s i}", "limit", (int64_t)1);
	is_str(it_code(it_outcome(rc, &rep)), "ok", "the new operator lists cases");
	proto_reply_fini(&rep);

	snprintf(args, sizeof args, "user disable %s", leaver.login);
	is_int(run_kuractl(args, NULL), 0, "kuractl user disable %s", leaver.login);
	rc = kclient_call(c, &rep, "case.list", "{s i}", "limit", (int64_t)1);
	is_str(it_code(it_outcome(rc, &rep)), "unauthenticated",
	       "the disabled user's open session is refused at once");
	proto_reply_fini(&rep);
	rc = kclient_call(c, &rep, "auth.whoami", NULL);
	is_str(it_code(it_outcome(rc, &rep)), "unauthenticated", "... also for whoami");
	proto_reply_fini(&rep);
	kclient_free(c);
	c = it_open(env.call_url, IT_TIMEOUT_MS);
	rc = kclient_login(c, leaver.login, leaver.password);
	is_str(it_code(rc), "unauthenticated", "the disabled user cannot log in again");
	rc = kclient_call(other, &rep, "auth.whoami", NULL);
	is_str(it_code(it_outcome(rc, &rep)), "ok", "another user's session goes on");
	proto_reply_fini(&rep);
out:
	kclient_free(c);
	kclient_free(other);
}

/* Logs in, checks the session works, moves a timestamp into the past as the owner, and
 * expects the session to be refused. */
static void
expire_one(const char *what, const char *column, const char *timeout_key)
{
	const struct it_account *op = it_account(&env, "operator", false);
	struct kclient *c = it_open(env.call_url, IT_TIMEOUT_MS);
	struct proto_reply rep;
	char tok[PROTO_TOKEN_CHARS + 1] = "", secs[32] = "86400";
	int64_t timeout = 0;
	int rc;

	rc = kclient_call(c, &rep, "auth.login", "{s s s s}", "user", op->login, "password",
	                  op->password);
	if (it_outcome(rc, &rep) == 0 && it_str(rep.data, "tok") != NULL) {
		snprintf(tok, sizeof tok, "%s", it_str(rep.data, "tok"));
		if (it_int(rep.data, timeout_key, &timeout))
			snprintf(secs, sizeof secs, "%lld", (long long)timeout + 60);
	}
	proto_reply_fini(&rep);
	kclient_set_token(c, tok);
	rc = kclient_call(c, &rep, "auth.whoami", NULL);
	is_str(it_code(it_outcome(rc, &rep)), "ok", "%s: the fresh session works", what);
	proto_reply_fini(&rep);

	char sql[512];
	const char *p[] = { tok, secs };
	snprintf(sql, sizeof sql,
	         "UPDATE kura.sessions SET %s = now() - make_interval(secs => $2::int) WHERE %s",
	         column, SESSION_OF_TOKEN);
	is_int(it_db_exec(db, sql, 2, p), 1, "%s: its %s is moved %s s into the past", what, column,
	       secs);
	rc = kclient_call(c, &rep, "auth.whoami", NULL);
	is_str(it_code(it_outcome(rc, &rep)), "unauthenticated", "%s: the session is refused",
	       what);
	proto_reply_fini(&rep);
	rc = kclient_call(c, &rep, "case.list", "{s i}", "limit", (int64_t)1);
	is_str(it_code(it_outcome(rc, &rep)), "unauthenticated", "%s: case.list is refused too",
	       what);
	proto_reply_fini(&rep);
	kclient_free(c);
}

int
main(void)
{
	const char *why = NULL;

	if (it_env_load(&env, &why) != 0)
		tap_bail(why);
	if (it_account(&env, "operator", false) == NULL ||
	    it_account(&env, "technician", false) == NULL ||
	    it_account(&env, "manager", false) == NULL)
		tap_bail("the demo needs an operator, a technician and a manager");
	if ((db = it_db_open(&env)) == NULL)
		tap_bail("cannot connect as the database owner");
	tap_diag("call centre %s, tech centre %s", env.call_url, env.tech_url);

	test_reply_lifetime();
	test_login_whoami_logout();
	test_logout_resend();
	test_reply_expiry();
	test_touch_cadence();
	test_wrong_credentials();
	test_segments();
	test_temporary();
	test_revocation();
	expire_one("idle expiry", "last_seen", "idle_timeout");
	expire_one("absolute expiry", "created_at", "absolute_timeout");

	PQfinish(db);
	return tap_done();
}
