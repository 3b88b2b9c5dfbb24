/* The audit log as an auditor would check it: one row per request, allowed or refused,
 * well-formed or not, with the right op, outcome, segment, user and object; and no password,
 * token or customer data in the audit log, the database, or kurad's log. */
#include "config.h"

#include <string.h>

#include "err.h"
#include "it.h"
#include "mp.h"
#include "../tap.h"

static struct it_env env;
static PGconn *db;

struct expect {
	const char *segment;
	const char *op; /* NULL: not checked (a message too broken to name an op) */
	const char *outcome;
	const char *login;  /* the user the row must name, or NULL: not checked */
	const char *object; /* the row's object (a receipt number), or NULL: not checked */
};

#define MAX_EXPECT 64
static struct expect expect[MAX_EXPECT];
static int nexpect;

/* Canary values that must never appear in the audit log or kurad's log. */
#define MAX_CANARY 32
static char canary[MAX_CANARY][256];
static const char *canary_what[MAX_CANARY];
static int ncanary;

static char receipt[32], receipt2[32];

static void
add_canary(const char *what, const char *value)
{
	if (ncanary < MAX_CANARY && value != NULL && *value != '\0') {
		snprintf(canary[ncanary], sizeof canary[0], "%s", value);
		canary_what[ncanary++] = what;
	}
}

/* The outcome of a reply, which is finished. */
static int
outcome_of(int rc, struct proto_reply *rep)
{
	int o = it_outcome(rc, rep);

	proto_reply_fini(rep);
	return o;
}

/* Records the expectation for the request just sent and checks the outcome the client saw. */
static void
sent(const char *segment, const char *op, const char *want, const char *login, const char *object,
     int got)
{
	if (nexpect < MAX_EXPECT)
		expect[nexpect++] = (struct expect){ segment, op, want, login, object };
	is_str(it_code(got), want, "request %d: %s on %s is answered %s", nexpect,
	       op ? op : "(malformed)", segment, want);
}

static void
test_block(void)
{
	const struct it_account *op = it_account(&env, "operator", false);
	const struct it_account *tech = it_account(&env, "technician", false);
	const struct it_account *adm = it_account(&env, "admin", false);
	struct kclient *call = it_open(env.call_url, IT_TIMEOUT_MS);
	struct kclient *techc = it_open(env.tech_url, IT_TIMEOUT_MS);
	struct kclient *admc = it_open(env.call_url, IT_TIMEOUT_MS);
	struct proto_reply rep;
	char hex[17], wrong[96], unknown[48], name[96], phone[32], email[96], address[128];
	char optok[PROTO_TOKEN_CHARS + 1] = "";
	long long start;
	int rc;

	it_random_hex(hex, 8);
	snprintf(wrong, sizeof wrong, "Wrong-%s-パスワード", hex);
	snprintf(unknown, sizeof unknown, "ghost-%s", hex);
	snprintf(name, sizeof name, "監査 カナリア%s", hex);
	snprintf(phone, sizeof phone, "080-%04u-%04u", (unsigned)strtoul(hex + 8, NULL, 16) % 10000,
	         (unsigned)strtoul(hex + 12, NULL, 16) % 10000);
	snprintf(email, sizeof email, "audit.%s@example.jp", hex);
	snprintf(address, sizeof address, "大阪府大阪市北区梅田%s", hex);
	add_canary("the wrong password", wrong);
	add_canary("the customer name", name);
	add_canary("the customer phone", phone);
	add_canary("the customer e-mail", email);
	add_canary("the customer address", address);
	for (int i = 0; i < env.nacct; i++)
		add_canary("an account password", env.acct[i].password);

	start = it_db_int(db, "SELECT coalesce(max(id), 0) FROM kura.audit_log", 0, NULL);
	ok(start >= 0, "the audit log can be read as the owner");

	/* The block: every request below must leave exactly one audit row, in this order. */
	rc = kclient_call(call, &rep, "auth.login", "{s s s s}", "user", op->login, "password",
	                  op->password);
	if (it_outcome(rc, &rep) == 0 && it_str(rep.data, "tok") != NULL)
		snprintf(optok, sizeof optok, "%s", it_str(rep.data, "tok"));
	kclient_set_token(call, optok);
	add_canary("the operator's token", optok);
	sent("call-centre", "auth.login", "ok", op->login, NULL, outcome_of(rc, &rep));

	struct kclient *anon = it_open(env.call_url, IT_TIMEOUT_MS);
	rc = kclient_call(anon, &rep, "auth.login", "{s s s s}", "user", op->login, "password",
	                  wrong);
	sent("call-centre", "auth.login", "unauthenticated", NULL, NULL, outcome_of(rc, &rep));
	rc =
	    kclient_call(anon, &rep, "auth.login", "{s s s s}", "user", unknown, "password", wrong);
	sent("call-centre", "auth.login", "unauthenticated", NULL, NULL, outcome_of(rc, &rep));

	rc = kclient_call(call, &rep, "auth.whoami", NULL);
	sent("call-centre", "auth.whoami", "ok", op->login, NULL, outcome_of(rc, &rep));

	rc = kclient_call(call, &rep, "case.create", "{s s s s s s s s s s s [{s s s s}]}",
	                  "customer_name", name, "phone", phone, "email", email, "address", address,
	                  "medium", "CF 8GB 監査テスト", "items", "kind", "medium", "description",
	                  "CFカード");
	if (it_outcome(rc, &rep) == 0 && it_str(rep.data, "receipt") != NULL)
		snprintf(receipt, sizeof receipt, "%s", it_str(rep.data, "receipt"));
	sent("call-centre", "case.create", "ok", op->login, receipt, outcome_of(rc, &rep));

	/* A resend of the same case.create (same request id) is a request too. */
	struct proto_writer again;
	uint8_t again_id[PROTO_ID_LEN];
	proto_writer_init(&again);
	proto_new_id(again_id);
	it_pack_request(&again, again_id, "case.create", optok, "{s s s s s [{s s s s}]}",
	                "customer_name", name, "medium", "SD 監査再送", "items", "kind", "medium",
	                "description", "SD");
	rc = kclient_raw(call, &rep, again.buf.data, again.buf.size);
	if (it_outcome(rc, &rep) == 0 && it_str(rep.data, "receipt") != NULL)
		snprintf(receipt2, sizeof receipt2, "%s", it_str(rep.data, "receipt"));
	sent("call-centre", "case.create", "ok", op->login, receipt2, outcome_of(rc, &rep));
	rc = kclient_raw(call, &rep, again.buf.data, again.buf.size);
	sent("call-centre", "case.create", "ok", op->login, receipt2, outcome_of(rc, &rep));
	/* Answered from the stored reply: audited as such, naming the same case. */
	expect[nexpect - 1].outcome = "replayed";
	proto_writer_fini(&again);

	rc = kclient_call(call, &rep, "case.get", "{s s}", "receipt", receipt);
	sent("call-centre", "case.get", "ok", op->login, receipt, outcome_of(rc, &rep));
	rc = kclient_call(call, &rep, "case.list", "{s s}", "q", name);
	sent("call-centre", "case.list", "ok", op->login, NULL, outcome_of(rc, &rep));
	rc = kclient_call(call, &rep, "case.get", "{s s}", "receipt", "0001-99998");
	sent("call-centre", "case.get", "not_found", op->login, NULL, outcome_of(rc, &rep));
	rc = kclient_call(call, &rep, "case.create", "{s s s s}", "customer_name", name, "medium",
	                  "HDD");
	sent("call-centre", "case.create", "bad_request", op->login, NULL, outcome_of(rc, &rep));
	rc = kclient_call(call, &rep, "case.frobnicate", NULL);
	sent("call-centre", NULL, "bad_request", NULL, NULL, outcome_of(rc, &rep));

	static const uint8_t garbage[] = { 0xc1, 0xc1, 'k', 'u', 'r', 'a', 0xff, 0x00 };
	rc = kclient_raw(call, &rep, garbage, sizeof garbage);
	sent("call-centre", NULL, "bad_request", NULL, NULL, outcome_of(rc, &rep));
	struct proto_writer w;
	proto_writer_init(&w);
	mp_packf(&w.pk, "{s i s s s s}", "v", (int64_t)1, "op", "auth.whoami", "tok", optok);
	rc = kclient_raw(call, &rep, w.buf.data, w.buf.size);
	sent("call-centre", NULL, "bad_request", NULL, NULL, outcome_of(rc, &rep));
	proto_writer_fini(&w);

	rc = kclient_call(anon, &rep, "auth.whoami", NULL);
	sent("call-centre", "auth.whoami", "unauthenticated", NULL, NULL, outcome_of(rc, &rep));

	if (adm != NULL) {
		rc = kclient_login(admc, adm->login, adm->password);
		sent("call-centre", "auth.login", "ok", adm->login, NULL, rc);
		add_canary("the admin's token", kclient_token(admc));
		rc = kclient_call(admc, &rep, "case.list", NULL);
		sent("call-centre", "case.list", "forbidden", adm->login, NULL,
		     outcome_of(rc, &rep));
	}

	rc = kclient_call(techc, &rep, "auth.login", "{s s s s}", "user", op->login, "password",
	                  op->password);
	sent("tech-centre", "auth.login", "forbidden", NULL, NULL, outcome_of(rc, &rep));
	rc = kclient_login(techc, tech->login, tech->password);
	sent("tech-centre", "auth.login", "ok", tech->login, NULL, rc);
	add_canary("the technician's token", kclient_token(techc));
	rc = kclient_call(techc, &rep, "case.get", "{s s}", "receipt", receipt);
	sent("tech-centre", "case.get", "ok", tech->login, receipt, outcome_of(rc, &rep));
	rc = kclient_call(techc, &rep, "case.create", "{s s s s s [{s s s s}]}", "customer_name",
	                  name, "medium", "HDD", "items", "kind", "medium", "description", "HDD");
	sent("tech-centre", "case.create", "forbidden", tech->login, NULL, outcome_of(rc, &rep));
	rc = kclient_call(techc, &rep, "case.list", "{s s}", "q", phone);
	sent("tech-centre", "case.list", "ok", tech->login, NULL, outcome_of(rc, &rep));
	rc = kclient_raw(techc, &rep, garbage, sizeof garbage);
	sent("tech-centre", NULL, "bad_request", NULL, NULL, outcome_of(rc, &rep));
	struct kclient *cross = it_open(env.tech_url, IT_TIMEOUT_MS);
	kclient_set_token(cross, optok);
	rc = kclient_call(cross, &rep, "auth.whoami", NULL);
	sent("tech-centre", "auth.whoami", "unauthenticated", NULL, NULL, outcome_of(rc, &rep));
	kclient_free(cross);

	rc = kclient_call(call, &rep, "auth.logout", NULL);
	sent("call-centre", "auth.logout", "ok", op->login, NULL, outcome_of(rc, &rep));
	rc = kclient_call(call, &rep, "auth.whoami", NULL);
	sent("call-centre", "auth.whoami", "unauthenticated", NULL, NULL, outcome_of(rc, &rep));

	/* The rows. */
	char startbuf[32];
	snprintf(startbuf, sizeof startbuf, "%lld", start);
	const char *p[] = { startbuf };
	PGresult *res =
	    PQexecParams(db,
	                 "SELECT a.segment, a.op, a.outcome, u.login, coalesce(a.object, ''), "
	                 "a.peer IS NOT NULL AND a.peer <> '', a.at > now() - interval '5 minutes' "
	                 "AND a.at <= clock_timestamp() "
	                 "FROM kura.audit_log a LEFT JOIN kura.users u ON u.id = a.user_id "
	                 "WHERE a.id > $1::bigint ORDER BY a.id",
	                 1, NULL, p, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		ok(0, "the new audit rows can be read: %s", PQresultErrorMessage(res));
		PQclear(res);
		goto out;
	}
	int n = PQntuples(res);
	is_int(n, nexpect, "one new audit row per request sent (%d requests)", nexpect);
	bool peers = true, times = true;
	for (int i = 0; i < n && i < nexpect; i++) {
		const struct expect *x = &expect[i];
		const char *seg = PQgetvalue(res, i, 0), *aop = PQgetvalue(res, i, 1);
		const char *out = PQgetvalue(res, i, 2), *login = PQgetvalue(res, i, 3);
		const char *obj = PQgetvalue(res, i, 4);
		bool good = strcmp(seg, x->segment) == 0 && strcmp(out, x->outcome) == 0 &&
		            (x->op == NULL || strcmp(aop, x->op) == 0) &&
		            (x->login == NULL || strcmp(login, x->login) == 0) &&
		            (x->object == NULL || strcmp(obj, x->object) == 0);
		ok(good, "audit row %d: %s %s %s%s%s%s%s", i + 1, x->segment, x->op ? x->op : "*",
		   x->outcome, x->login ? " by " : "", x->login ? x->login : "",
		   x->object ? " on " : "", x->object ? x->object : "");
		if (!good)
			tap_diag("  row: segment=%s op=%s outcome=%s user=%s object=%s", seg, aop,
			         out, PQgetisnull(res, i, 3) ? "(none)" : login, obj);
		if (strcmp(PQgetvalue(res, i, 5), "t") != 0)
			peers = false;
		if (strcmp(PQgetvalue(res, i, 6), "t") != 0)
			times = false;
	}
	ok(peers, "every new audit row names the peer address");
	ok(times, "every new audit row has a current time");
	PQclear(res);

out:
	kclient_free(anon);
	kclient_free(admc);
	kclient_free(techc);
	kclient_free(call);
}

/* Counts the tables in schema kura with a row that holds value; their names go to buf. */
static int
tables_holding(const char *value, char *buf, size_t size)
{
	PGresult *tabs = PQexec(db, "SELECT c.relname FROM pg_catalog.pg_class c "
	                            "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
	                            "WHERE n.nspname = 'kura' AND c.relkind IN ('r', 'p') "
	                            "ORDER BY 1");
	int hits = 0;

	buf[0] = '\0';
	if (PQresultStatus(tabs) != PGRES_TUPLES_OK) {
		PQclear(tabs);
		return -1;
	}
	for (int i = 0; i < PQntuples(tabs); i++) {
		const char *t = PQgetvalue(tabs, i, 0);
		char *qt = PQescapeIdentifier(db, t, strlen(t));
		char sql[512];
		const char *p[] = { value };
		long long n;

		/* In the row's text; bytea shows there as hex, so also look for the hex of the
		 * value's bytes, and (lower-cased) for a hex token stored as raw bytes. */
		snprintf(
		    sql, sizeof sql,
		    "SELECT count(*) FROM kura.%s t WHERE strpos(lower(t::text), lower($1)) > 0 "
		    "OR strpos(t::text, encode(convert_to($1, 'UTF8'), 'hex')) > 0",
		    qt);
		PQfreemem(qt);
		n = it_db_int(db, sql, 1, p);
		if (n != 0) {
			hits++;
			if (strlen(buf) + strlen(t) + 2 < size) {
				strcat(buf, " ");
				strcat(buf, t);
			}
		}
	}
	PQclear(tabs);
	return hits;
}

static void
test_secrets(void)
{
	char path[600];
	size_t len = 0;
	char *log;

	for (int i = 0; i < ncanary; i++) {
		const char *p[] = { canary[i] };
		long long n = it_db_int(
		    db, "SELECT count(*) FROM kura.audit_log a WHERE strpos(a::text, $1) > 0", 1,
		    p);
		is_int(n, 0, "no audit row holds %s", canary_what[i]);
	}

	/* Tokens and passwords must not be anywhere in the database. */
	for (int i = 0; i < ncanary; i++) {
		char tabs[256];
		if (strstr(canary_what[i], "token") == NULL &&
		    strstr(canary_what[i], "password") == NULL)
			continue;
		int hits = tables_holding(canary[i], tabs, sizeof tabs);
		is_int(hits, 0, "no table in the database holds %s%s%s", canary_what[i],
		       hits > 0 ? ": found in" : "", hits > 0 ? tabs : "");
	}
	/* Stored replies are bytea: a login reply stored verbatim would hold the token. */
	for (int i = 0; i < ncanary; i++) {
		if (strstr(canary_what[i], "token") == NULL)
			continue;
		const char *p[] = { canary[i] };
		is_int(it_db_int(db,
		                 "SELECT count(*) FROM kura.request_replies "
		                 "WHERE position(convert_to($1, 'UTF8') IN reply) > 0 "
		                 "OR position(decode($1, 'hex') IN reply) > 0",
		                 1, p),
		       0, "no stored reply holds %s", canary_what[i]);
	}

	snprintf(path, sizeof path, "%s/kurad.log", env.dir);
	log = it_read_file(path, &len);
	ok(log != NULL && len > 0, "kurad writes a log (%s)", path);
	if (log == NULL)
		return;
	for (int i = 0; i < ncanary; i++) {
		const char *hit = memmem(log, len, canary[i], strlen(canary[i]));
		ok(hit == NULL, "no kurad log line holds %s", canary_what[i]);
		if (hit != NULL) {
			const char *b = hit, *e = hit;
			while (b > log && b[-1] != '\n')
				b--;
			while (*e != '\0' && *e != '\n')
				e++;
			tap_diag("  %.*s", (int)(e - b), b);
		}
	}
	free(log);
}

int
main(void)
{
	const char *why = NULL;

	if (it_env_load(&env, &why) != 0)
		tap_bail(why);
	if (it_account(&env, "operator", false) == NULL ||
	    it_account(&env, "technician", false) == NULL)
		tap_bail("the demo needs an operator and a technician");
	if ((db = it_db_open(&env)) == NULL)
		tap_bail("cannot connect as the database owner");

	test_block();
	test_secrets();

	PQfinish(db);
	return tap_done();
}
