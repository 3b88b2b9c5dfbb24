/* Security incidents through the real stack: reported on the call centre, triaged,
 * investigated, treated and closed by a manager after someone else's review; every forbidden
 * step (wrong role, wrong segment, self-review, closing or resolving with open
 * countermeasures, a step the workflow does not have) refused and audited; who sees which
 * incident, on the wire and again as SQL under the database roles; personal data of affected
 * customers only with pii.read; the printed report with its whole timeline; CSV; the
 * dashboard; change events. */
#include "config.h"

#include <nng/nng.h>
#include <nng/protocol/pubsub0/sub.h>
#include <nng/supplemental/util/platform.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "err.h"
#include "../integration/it.h"
#include "mp.h"
#include "xmalloc.h"
#include "../tap.h"

static struct it_env env;
static PGconn *owner;
static char hex[17];

/* The people: sessions by role and segment. */
static struct kclient *op;       /* operator, call centre */
static struct kclient *op_tmp;   /* temporary operator, call centre */
static struct kclient *tech;     /* technician, tech centre */
static struct kclient *mgr_call; /* the manager on the call centre */
static struct kclient *mgr;      /* the same manager on the tech centre */
static struct kclient *mgr2;     /* a second manager, tech centre */
static struct kclient *aud;      /* auditor, tech centre */
static struct kclient *adm;      /* administrator, call centre */
static const struct it_account *a_op, *a_mgr, *a_mgr2, *a_tech;
static char mgr_events[256];

/* Two demo cases and the customer name of the first. */
static char receipt1[32], receipt2[32], customer1[256];

/* ============================== helpers ============================== */

/* Calls op on c; returns the outcome's wire code ("ok", "forbidden", ...). rep must be
 * finished by the caller when the call returned 0. */
static const char *
callv(struct kclient *c, struct proto_reply *rep, const char *opname, const char *fmt, va_list ap)
{
	static char code[32];
	struct proto_writer w;
	uint8_t id[PROTO_ID_LEN];
	int rc;

	memset(rep, 0, sizeof *rep);
	if (c == NULL)
		return "no-session";
	proto_new_id(id);
	proto_writer_init(&w);
	proto_request_begin(&w, id, opname, kclient_token(c));
	if (fmt == NULL)
		msgpack_pack_map(&w.pk, 0);
	else
		mp_vpackf(&w.pk, fmt, ap);
	rc = kclient_raw(c, rep, w.buf.data, w.buf.size);
	proto_writer_fini(&w);
	snprintf(code, sizeof code, "%s", it_code(it_outcome(rc, rep)));
	if (rc != 0)
		memset(rep, 0, sizeof *rep);
	else if (!rep->ok)
		printf("#   %s: %s\n", opname, rep->err_msg);
	return code;
}

static const char *
call(struct kclient *c, struct proto_reply *rep, const char *opname, const char *fmt, ...)
{
	va_list ap;
	const char *code;

	va_start(ap, fmt);
	code = callv(c, rep, opname, fmt, ap);
	va_end(ap);
	return code;
}

/* The same, for calls whose reply only the outcome matters of. */
static const char *
call0(struct kclient *c, const char *opname, const char *fmt, ...)
{
	static char code[32];
	struct proto_reply rep;
	va_list ap;

	va_start(ap, fmt);
	snprintf(code, sizeof code, "%s", callv(c, &rep, opname, fmt, ap));
	va_end(ap);
	proto_reply_fini(&rep);
	return code;
}

/* The version of incident id as its get shows it to c (0 when it cannot). */
static int64_t
version_of(struct kclient *c, int64_t id)
{
	struct proto_reply rep;
	int64_t v = 0;

	if (strcmp(call(c, &rep, "incident.get", "{s i}", "id", id), "ok") == 0)
		it_int(rep.data, "version", &v);
	proto_reply_fini(&rep);
	return v;
}

/* Audit rows of login doing opname with outcome (and object, when not NULL). */
static long long
audited(const char *login, const char *opname, const char *outcome, const char *object)
{
	const char *p[4] = { login, opname, outcome, object };

	return it_db_int(
	    owner,
	    "SELECT count(*) FROM kura.audit_log a JOIN kura.users u ON u.id = a.user_id"
	    " WHERE u.login = $1 AND a.op = $2 AND a.outcome = $3"
	    " AND ($4::text IS NULL OR a.object = $4)",
	    4, p);
}

static long long
incident_count(void)
{
	return it_db_int(owner, "SELECT count(*) FROM kura.incidents", 0, NULL);
}

/* Reports an incident as c; returns its id or 0. */
static int64_t
report(struct kclient *c, const char *title, int64_t category, const char *severity)
{
	struct proto_reply rep;
	int64_t id = 0;

	if (strcmp(call(c, &rep, "incident.report", "{s i s s s s s s}", "category", category,
	                "severity", severity, "title", title, "description",
	                "テスト用の事象です。\n二行目。"),
	           "ok") == 0)
		it_int(rep.data, "id", &id);
	proto_reply_fini(&rep);
	return id;
}

/* Moves incident id through the given statuses as c; returns how many moves succeeded. */
static int
walk(struct kclient *c, int64_t id, const char *const *to, int n)
{
	int done = 0;

	for (int i = 0; i < n; i++)
		if (strcmp(call0(c, "incident.transition", "{s i s s}", "id", id, "to", to[i]),
		           "ok") == 0)
			done++;
	return done;
}

/* True when incident id is in rows (an incident.list reply's). */
static bool
rows_have(const msgpack_object *data, int64_t id)
{
	const msgpack_object *rows = it_array(data, "rows");

	for (uint32_t i = 0; rows != NULL && i < rows->via.array.size; i++) {
		int64_t v;
		if (it_int(&rows->via.array.ptr[i], "id", &v) && v == id)
			return true;
	}
	return false;
}

static bool
listed(struct kclient *c, int64_t id, const char *fmt, ...)
{
	struct proto_reply rep;
	va_list ap;
	bool found;

	va_start(ap, fmt);
	found =
	    strcmp(callv(c, &rep, "incident.list", fmt, ap), "ok") == 0 && rows_have(rep.data, id);
	va_end(ap);
	proto_reply_fini(&rep);
	return found;
}

static void
iso_utc(time_t t, char *buf, size_t size)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void
day(int offset, char *buf, size_t size)
{
	time_t t = time(NULL) + (time_t)offset * 86400;
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(buf, size, "%Y-%m-%d", &tm);
}

/* ============================== set-up ============================== */

static struct kclient *
session(const char *url, const struct it_account *a, const char *what)
{
	int rc;
	struct kclient *c = it_session(url, a, &rc);

	ok(c != NULL, "%s signs in (%s)", what, it_code(rc));
	return c;
}

static void
setup(void)
{
	const struct it_account *a_tmp, *a_aud, *a_adm;
	struct proto_reply rep;
	const char *why;

	if (it_env_load(&env, &why) != 0)
		tap_bail(why);
	if ((owner = it_db_open(&env)) == NULL)
		tap_bail("no owner connection to the database");
	it_random_hex(hex, 8);
	a_op = it_account(&env, "operator", false);
	a_tmp = it_account(&env, "operator", true);
	a_tech = it_account(&env, "technician", false);
	a_mgr = it_account(&env, "manager", false);
	a_aud = it_account(&env, "auditor", false);
	a_adm = it_account(&env, "admin", false);
	a_mgr2 = NULL;
	for (int i = 0; i < env.nacct; i++)
		if (strcmp(env.acct[i].role, "manager") == 0 && !env.acct[i].temporary &&
		    &env.acct[i] != a_mgr)
			a_mgr2 = &env.acct[i];
	if (a_op == NULL || a_tmp == NULL || a_tech == NULL || a_mgr == NULL || a_mgr2 == NULL ||
	    a_aud == NULL || a_adm == NULL)
		tap_bail(
		    "the stack lacks an account (operator, temporary operator, technician, two "
		    "managers, auditor, admin)");
	op = session(env.call_url, a_op, "the operator (call centre)");
	op_tmp = session(env.call_url, a_tmp, "the temporary operator (call centre)");
	tech = session(env.tech_url, a_tech, "the technician (tech centre)");
	mgr_call = session(env.call_url, a_mgr, "the manager on the call centre");
	aud = session(env.tech_url, a_aud, "the auditor (tech centre)");
	adm = session(env.call_url, a_adm, "the administrator (call centre)");
	mgr2 = session(env.tech_url, a_mgr2, "a second manager (tech centre)");
	/* The manager on the tech centre, signed in by hand to keep the events URL. */
	mgr = it_open(env.tech_url, IT_TIMEOUT_MS);
	if (mgr != NULL && strcmp(call(mgr, &rep, "auth.login", "{s s s s}", "user", a_mgr->login,
	                               "password", a_mgr->password),
	                          "ok") == 0) {
		const char *tok = it_str(rep.data, "tok"), *ev = it_str(rep.data, "events");
		kclient_set_token(mgr, tok);
		snprintf(mgr_events, sizeof mgr_events, "%s", ev != NULL ? ev : "");
	}
	proto_reply_fini(&rep);
	ok(mgr != NULL && kclient_token(mgr) != NULL, "the manager signs in on the tech centre");

	/* Two of the demo's cases to link. */
	ok(strcmp(call(op, &rep, "case.list", "{s i}", "limit", (int64_t)2), "ok") == 0,
	   "the operator lists cases");
	const msgpack_object *rows = it_array(rep.data, "rows");
	if (rows == NULL || rows->via.array.size < 2)
		tap_bail("the demo has fewer than two cases");
	snprintf(receipt1, sizeof receipt1, "%s", it_str(&rows->via.array.ptr[0], "receipt"));
	snprintf(receipt2, sizeof receipt2, "%s", it_str(&rows->via.array.ptr[1], "receipt"));
	snprintf(customer1, sizeof customer1, "%s",
	         it_str(&rows->via.array.ptr[0], "customer_name"));
	proto_reply_fini(&rep);
}

/* ============================== the taxonomy ============================== */

static void
test_categories(void)
{
	struct proto_reply rep;

	is_str(call(tech, &rep, "incident.categories", NULL), "ok", "anyone lists the categories");
	const msgpack_object *rows = it_array(rep.data, "rows");
	ok(rows != NULL && rows->via.array.size >= 8, "the eight categories of seed 000 are there");
	bool found = false;
	for (uint32_t i = 0; rows != NULL && i < rows->via.array.size; i++) {
		int64_t code;
		const char *ja = it_str(&rows->via.array.ptr[i], "label_ja");
		if (it_int(&rows->via.array.ptr[i], "code", &code) && code == 5 && ja != NULL &&
		    strcmp(ja, "機密性及び完全性の侵害") == 0)
			found = true;
	}
	ok(found, "category 5 is 機密性及び完全性の侵害 (breach of confidentiality or integrity)");
	proto_reply_fini(&rep);

	char label[64];
	snprintf(label, sizeof label, "Lost paper form %s", hex);
	is_str(call0(op, "incident.category_add", "{s s s s}", "label", label, "label_ja",
	             "紙書類の紛失"),
	       "forbidden", "an operator cannot extend the taxonomy");
	int64_t code = 0;
	is_str(call(mgr, &rep, "incident.category_add", "{s s s s}", "label", label, "label_ja",
	            "紙書類の紛失"),
	       "ok", "a manager adds a category");
	ok(it_int(rep.data, "code", &code) && code >= 9, "it gets the next code (%lld)",
	   (long long)code);
	proto_reply_fini(&rep);
	call(op, &rep, "incident.categories", NULL);
	rows = it_array(rep.data, "rows");
	ok(rows != NULL && rows->via.array.size >= 9, "and everyone sees it");
	proto_reply_fini(&rep);
}

/* ============================== reporting ============================== */

static int64_t inc_a; /* the operator's incident on the call centre */
static char title_a[128];

static void
test_report(void)
{
	struct proto_reply rep;
	char found_at[32], future[32], desc[512];
	long long before = incident_count();

	snprintf(title_a, sizeof title_a, "顧客情報を含むFAXの誤送信 %s", hex);
	snprintf(desc, sizeof desc, "見積書を別のお客様のFAX番号へ送信した。\n送信記録で発覚。%s",
	         hex);
	iso_utc(time(NULL) - 3600, found_at, sizeof found_at);
	iso_utc(time(NULL) + 86400, future, sizeof future);

	is_str(call0(op, "incident.report", "{s i s s s s s s s s s [s]}", "category", (int64_t)5,
	             "severity", "high", "title", title_a, "description", desc, "found_at",
	             found_at, "cases", "9999-99999"),
	       "not_found", "a report naming an unknown receipt number is refused");
	is_str(call0(op, "incident.report", "{s i s s s s s s s s}", "category", (int64_t)5,
	             "severity", "high", "title", title_a, "description", desc, "found_at", future),
	       "bad_request", "a report found tomorrow is refused");
	is_str(call0(op, "incident.report", "{s i s s s s s s}", "category", (int64_t)77,
	             "severity", "high", "title", title_a, "description", desc),
	       "bad_request", "a report of an unknown category is refused");
	is_str(call0(op, "incident.report", "{s i s s s s s s}", "category", (int64_t)5, "severity",
	             "huge", "title", title_a, "description", desc),
	       "bad_request", "a report of an unknown severity is refused");
	is_str(call0(op, "incident.report", "{s i s s s s}", "category", (int64_t)5, "severity",
	             "high", "title", title_a),
	       "bad_request", "a report without what happened is refused");
	is_int(incident_count(), before, "none of them made an incident");

	/* The real report, sent twice with one request id: one incident. */
	struct proto_writer w;
	uint8_t id[PROTO_ID_LEN];
	int64_t first = 0, second = 0;
	proto_new_id(id);
	proto_writer_init(&w);
	it_pack_request(&w, id, "incident.report", kclient_token(op),
	                "{s i s s s s s s s s s s s [s s] s [s] s [s]}", "category", (int64_t)5,
	                "severity", "high", "title", title_a, "description", desc, "found_at",
	                found_at, "location", "コールセンター FAX機", "cases", receipt1, receipt2,
	                "devices", "FAX-01", "assets", "顧客台帳");
	int rc = kclient_raw(op, &rep, w.buf.data, w.buf.size);
	is_str(it_code(it_outcome(rc, &rep)), "ok", "the operator reports an incident");
	if (rc == 0)
		it_int(rep.data, "id", &first);
	proto_reply_fini(&rep);
	rc = kclient_raw(op, &rep, w.buf.data, w.buf.size);
	is_str(it_code(it_outcome(rc, &rep)), "ok", "the same request sent again");
	if (rc == 0)
		it_int(rep.data, "id", &second);
	proto_reply_fini(&rep);
	proto_writer_fini(&w);
	ok(first > 0 && first == second, "gets the same incident (%lld, %lld)", (long long)first,
	   (long long)second);
	is_int(incident_count(), before + 1, "and only one incident was made");
	inc_a = first;

	char object[32];
	snprintf(object, sizeof object, "incident:%lld", (long long)inc_a);
	is_int(audited(a_op->login, "incident.report", "ok", object), 1,
	       "the report is audited as %s", object);

	is_str(call(op, &rep, "incident.get", "{s i}", "id", inc_a), "ok", "the reporter opens it");
	is_str(it_str(rep.data, "title"), title_a, "the title comes back byte-exactly");
	is_str(it_str(rep.data, "description"), desc, "what happened comes back byte-exactly");
	is_str(it_str(rep.data, "status"), "reported", "it is reported");
	is_str(it_str(rep.data, "segment"), "call-centre", "from the call centre");
	is_str(it_str(rep.data, "severity"), "high", "severity high");
	is_str(it_str(rep.data, "category_label_ja"), "機密性及び完全性の侵害",
	       "its category in Japanese");
	is_str(it_str(rep.data, "found_at"), found_at, "when it was found, in UTC");
	is_str(it_str(rep.data, "reported_by"), a_op->login, "who reported it");
	bool mine = false;
	ok(it_bool(rep.data, "mine", &mine) && mine, "it is the reporter's own");
	const msgpack_object *links = it_array(rep.data, "links");
	ok(links != NULL && links->via.array.size == 4, "two cases, a device and an asset linked");
	const msgpack_object *tl = it_array(rep.data, "timeline");
	ok(tl != NULL && tl->via.array.size == 5, "the timeline: the report and four links (%u)",
	   tl != NULL ? tl->via.array.size : 0);
	if (tl != NULL && tl->via.array.size > 0) {
		is_str(it_str(&tl->via.array.ptr[0], "kind"), "reported",
		       "it starts with the report");
		is_str(it_str(&tl->via.array.ptr[0], "actor"), a_op->login, "by the reporter");
		is_str(it_str(&tl->via.array.ptr[0], "segment"), "call-centre",
		       "on the call centre");
	}
	const msgpack_object *acts = it_array(rep.data, "actions");
	ok(acts != NULL && acts->via.array.size == 0, "an operator may do nothing more with it");
	proto_reply_fini(&rep);
}

/* ============================== who sees what ============================== */

static int64_t inc_b; /* the technician's, on the tech centre */

static void
test_visibility(void)
{
	struct proto_reply rep;
	char title[128];

	snprintf(title, sizeof title, "解析室の入退室記録に欠落 %s", hex);
	inc_b = report(tech, title, 7, "medium");
	ok(inc_b > 0, "the technician reports an incident on the tech centre");

	is_str(call0(tech, "incident.get", "{s i}", "id", inc_a), "not_found",
	       "the technician does not see the call centre's incident");
	ok(!listed(tech, inc_a, NULL), "nor finds it in the list");
	is_str(call0(op, "incident.get", "{s i}", "id", inc_b), "not_found",
	       "the operator does not see the tech centre's incident");
	ok(!listed(op, inc_b, NULL), "nor finds it in the list");
	is_str(call0(op_tmp, "incident.get", "{s i}", "id", inc_a), "ok",
	       "a temporary operator sees the call centre's incident");
	is_str(call0(adm, "incident.get", "{s i}", "id", inc_a), "not_found",
	       "the administrator sees only their own reports");
	is_str(call0(mgr_call, "incident.get", "{s i}", "id", inc_b), "ok",
	       "the manager sees the tech centre's incident from the call centre");
	is_str(call0(aud, "incident.get", "{s i}", "id", inc_a), "ok",
	       "the auditor sees the call centre's incident from the tech centre");
	ok(listed(aud, inc_b, NULL) && listed(aud, inc_a, NULL), "and lists both");

	/* Shared with every segment by a manager: now the call centre sees it too. */
	is_str(call0(op, "incident.update", "{s i s b}", "id", inc_b, "shared", 1), "forbidden",
	       "the operator cannot share it");
	is_str(call0(mgr_call, "incident.update", "{s i s b}", "id", inc_b, "shared", 1), "ok",
	       "the manager shares it");
	is_str(call(op, &rep, "incident.get", "{s i}", "id", inc_b), "ok",
	       "the operator sees the shared incident");
	bool shared = false;
	ok(it_bool(rep.data, "shared", &shared) && shared, "marked shared");
	proto_reply_fini(&rep);

	/* The same as SQL under the database roles, as kurad sets them. */
	char path[600], *conf, *conninfo = NULL, *save = NULL;
	snprintf(path, sizeof path, "%s/kurad.conf", env.dir);
	conf = it_read_file(path, NULL);
	for (char *line = conf != NULL ? strtok_r(conf, "\n", &save) : NULL; line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		char *eq = strchr(line, '=');
		while (*line == ' ' || *line == '\t')
			line++;
		if (strncmp(line, "conninfo", 8) == 0 && eq != NULL && conninfo == NULL) {
			for (eq++; *eq == ' ' || *eq == '\t'; eq++)
				;
			conninfo = xstrdup(eq);
		}
	}
	free(conf);
	PGconn *app = conninfo != NULL ? PQconnectdb(conninfo) : NULL;
	free(conninfo);
	ok(app != NULL && PQstatus(app) == CONNECTION_OK, "connect as kura_app");
	char tech_only[128], ids[64];
	snprintf(tech_only, sizeof tech_only, "配線の弱点 %s", hex);
	int64_t inc_t = report(tech, tech_only, 8, "low");
	const char *p[1] = { a_op->login };
	char *op_id = it_db_text(owner, "SELECT id FROM kura.users WHERE login = $1", 1, p);
	snprintf(ids, sizeof ids, "{%lld,%lld}", (long long)inc_a, (long long)inc_t);
	const char *sets[3] = { "kura_operator", op_id, "call-centre" };
	static const char *const sql_set[3] = { "SELECT set_config('role', $1, true)",
		                                "SELECT set_config('kura.user_id', $1, true)",
		                                "SELECT set_config('kura.segment', $1, true)" };
	const char *q[1] = { ids };
	long long n_op = -1, n_app = -1, n_tl = -1;
	if (app != NULL && PQstatus(app) == CONNECTION_OK && op_id != NULL) {
		PGresult *res = PQexecParams(app, "SELECT count(*) FROM kura.incidents", 0, NULL,
		                             NULL, NULL, NULL, 0);
		n_app = PQresultStatus(res) == PGRES_FATAL_ERROR &&
		                strcmp(PQresultErrorField(res, PG_DIAG_SQLSTATE), "42501") == 0
		            ? 0
		            : -1;
		PQclear(res);
		PQclear(PQexec(app, "BEGIN"));
		for (int i = 0; i < 3; i++)
			PQclear(PQexecParams(app, sql_set[i], 1, NULL, &sets[i], NULL, NULL, 0));
		n_op = it_db_int(
		    app, "SELECT count(*) FROM kura.incidents WHERE id = ANY($1::bigint[])", 1, q);
		n_tl = it_db_int(app,
		                 "SELECT count(DISTINCT incident_id) FROM kura.incident_timeline"
		                 " WHERE incident_id = ANY($1::bigint[])",
		                 1, q);
		long long upd = it_db_exec(app,
		                           "UPDATE kura.incidents SET status = 'triaged'"
		                           " WHERE id = ANY($1::bigint[])",
		                           1, q);
		is_int(upd, 0, "as SQL the operator's role changes no incident's status");
		PQclear(PQexec(app, "ROLLBACK"));
		PQclear(PQexec(app, "BEGIN"));
		res = PQexec(app, "DELETE FROM kura.incident_timeline");
		ok(PQresultStatus(res) == PGRES_FATAL_ERROR, "kura_app cannot delete the timeline");
		PQclear(res);
		PQclear(PQexec(app, "ROLLBACK"));
	}
	is_int(n_app, 0, "as SQL kura_app alone may not read incidents at all");
	is_int(n_op, 1, "as SQL the operator's role sees the call centre's, not the tech centre's");
	is_int(n_tl, 1, "and only that one's timeline");
	free(op_id);
	if (app != NULL)
		PQfinish(app);
}

/* ============================== the workflow ============================== */

static void
test_forbidden_role(void)
{
	char object[32];

	is_str(call0(op, "incident.transition", "{s i s s}", "id", inc_a, "to", "triaged"),
	       "forbidden", "the operator cannot triage (wrong role)");
	is_int(audited(a_op->login, "incident.transition", "forbidden", NULL), 1,
	       "the refusal is audited");
	is_str(call0(tech, "incident.cm_add", "{s i s s s s s s}", "id", inc_a, "title", "x",
	             "owner", a_tech->login, "due", "2030-01-01"),
	       "forbidden", "the technician cannot add countermeasures");
	is_str(call0(aud, "incident.transition", "{s i s s}", "id", inc_a, "to", "triaged"),
	       "forbidden", "the auditor reads but does not change");
	is_str(call0(adm, "incident.dashboard", NULL), "forbidden",
	       "the administrator has no dashboard");
	snprintf(object, sizeof object, "incident:%lld", (long long)inc_a);
	is_str(call0(mgr, "incident.transition", "{s i s s}", "id", inc_a, "to", "resolved"),
	       "invalid_state", "reported cannot jump to resolved");
	is_int(audited(a_mgr->login, "incident.transition", "invalid_state", object), 1,
	       "audited as refused, naming %s", object);
	is_str(call0(mgr, "incident.transition", "{s i s s}", "id", inc_a, "to", "closed"),
	       "bad_request", "closing is not a transition");
}

static void
test_investigate(void)
{
	struct proto_reply rep;
	int64_t v = version_of(mgr_call, inc_a);
	char facts[256];

	is_str(call0(mgr_call, "incident.transition", "{s i s s s i}", "id", inc_a, "to", "triaged",
	             "version", v + 7),
	       "conflict", "a triage against an old version is a conflict");
	is_str(call(mgr_call, &rep, "incident.transition", "{s i s s s i s s}", "id", inc_a, "to",
	            "triaged", "version", v, "reason", "個人情報の漏えいの可能性あり"),
	       "ok", "the manager triages it from the call centre");
	is_str(it_str(rep.data, "status"), "triaged", "it is triaged");
	proto_reply_fini(&rep);
	is_str(
	    call0(mgr_call, "incident.transition", "{s i s s}", "id", inc_a, "to", "investigating"),
	    "ok", "and investigates it");

	snprintf(facts, sizeof facts, "FAX送信時の宛先確認を省略。%s", hex);
	is_str(call0(mgr_call, "incident.update", "{s i s s s s s s s s s s}", "id", inc_a, "facts",
	             facts, "cause", "短縮ダイヤルの登録誤り", "impact", "1件の見積書が第三者へ",
	             "prevention", "送信前の二人確認", "severity", "critical"),
	       "ok", "the investigation is recorded, severity raised");
	is_str(call0(mgr_call, "incident.update", "{s i s s}", "id", inc_a, "title", ""),
	       "bad_request", "the title cannot be emptied");
	is_str(call0(mgr_call, "incident.link", "{s i s s s s s b}", "id", inc_a, "kind", "case",
	             "ref", receipt1, "affected", 1),
	       "ok", "the first case is marked affected");
	is_str(call0(mgr_call, "incident.link", "{s i s s s s s b}", "id", inc_a, "kind", "device",
	             "ref", "AN-01", "affected", 1),
	       "bad_request", "a device is not 'affected'");
	is_str(call0(mgr_call, "incident.link", "{s i s s s s s b}", "id", inc_a, "kind", "asset",
	             "ref", "顧客台帳", "remove", 1),
	       "ok", "a link is removed");

	/* Affected customers: names only with pii.read. */
	is_str(call(mgr_call, &rep, "incident.get", "{s i}", "id", inc_a), "ok",
	       "the manager on the call centre (pii.read) opens it");
	const msgpack_object *aff = it_array(rep.data, "affected");
	ok(aff != NULL && aff->via.array.size == 1, "one affected case");
	if (aff != NULL && aff->via.array.size == 1) {
		is_str(it_str(&aff->via.array.ptr[0], "receipt"), receipt1, "the affected receipt");
		is_str(it_str(&aff->via.array.ptr[0], "customer_name"), customer1,
		       "and its customer's name");
	}
	is_str(it_str(rep.data, "facts"), facts, "the facts come back");
	is_str(it_str(rep.data, "severity"), "critical", "severity critical");
	proto_reply_fini(&rep);
	const char *p[1] = { a_mgr->login };
	ok(it_db_int(owner,
	             "SELECT count(*) FROM kura.pii_reads r JOIN kura.users u ON u.id = r.user_id"
	             " WHERE u.login = $1 AND r.op = 'incident.get'",
	             1, p) >= 1,
	   "that read of personal data is recorded");
	struct kclient *masked[2] = { mgr, op_tmp };
	const char *who[2] = { "the manager on the tech centre", "the temporary operator" };
	for (int i = 0; i < 2; i++) {
		bool pm = false;
		is_str(call(masked[i], &rep, "incident.get", "{s i}", "id", inc_a), "ok",
		       "%s opens it", who[i]);
		aff = it_array(rep.data, "affected");
		ok(aff != NULL && aff->via.array.size == 1 &&
		       strcmp(it_str(&aff->via.array.ptr[0], "customer_name"), "***") == 0,
		   "%s sees the affected case, its customer masked", who[i]);
		ok(it_bool(rep.data, "pii_masked", &pm) && pm, "%s: pii_masked", who[i]);
		proto_reply_fini(&rep);
	}
}

static void
test_countermeasures(void)
{
	struct proto_reply rep;
	char past[16], later[16], object[32];
	int64_t cm = 0;

	day(-2, past, sizeof past);
	day(7, later, sizeof later);
	is_str(call(mgr_call, &rep, "incident.cm_add", "{s i s s s s s s}", "id", inc_a, "title",
	            "短縮ダイヤルの全件点検", "owner", a_tech->login, "due", past),
	       "ok", "a countermeasure, due two days ago");
	ok(it_int(rep.data, "cm", &cm) && cm == 1, "is number 1");
	proto_reply_fini(&rep);
	is_str(call0(mgr_call, "incident.cm_add", "{s i s s s s s s}", "id", inc_a, "title",
	             "FAX送信手順の改訂と周知", "owner", a_op->login, "due", later),
	       "ok", "a second one, due next week");
	is_str(call0(mgr_call, "incident.cm_add", "{s i s s s s s s}", "id", inc_a, "title", "x",
	             "owner", "nobody-at-all", "due", later),
	       "not_found", "an owner who is no user is refused");
	is_str(call0(mgr_call, "incident.cm_add", "{s i s s s s s s}", "id", inc_a, "title", "x",
	             "owner", a_op->login, "due", "2026-02-30"),
	       "bad_request", "a day not in the calendar is refused");

	is_str(call(mgr, &rep, "incident.dashboard", NULL), "ok", "the manager's dashboard");
	const msgpack_object *od = it_array(rep.data, "overdue");
	bool seen = false;
	for (uint32_t i = 0; od != NULL && i < od->via.array.size; i++) {
		int64_t id, c;
		int64_t days = 0;
		if (it_int(&od->via.array.ptr[i], "id", &id) && id == inc_a &&
		    it_int(&od->via.array.ptr[i], "cm", &c) && c == 1 &&
		    it_int(&od->via.array.ptr[i], "days_overdue", &days) && days >= 1 &&
		    it_str(&od->via.array.ptr[i], "state") != NULL &&
		    strcmp(it_str(&od->via.array.ptr[i], "state"), "planned") == 0 &&
		    it_str(&od->via.array.ptr[i], "owner") != NULL &&
		    strcmp(it_str(&od->via.array.ptr[i], "owner"), a_tech->login) == 0)
			seen = true;
	}
	ok(seen, "lists countermeasure 1 as overdue: planned, days late, its owner");
	const msgpack_object *cats = it_array(rep.data, "categories");
	int64_t open5 = 0;
	for (uint32_t i = 0; cats != NULL && i < cats->via.array.size; i++) {
		int64_t code;
		if (it_int(&cats->via.array.ptr[i], "code", &code) && code == 5)
			it_int(&cats->via.array.ptr[i], "open", &open5);
	}
	ok(open5 >= 1, "and counts the incident open in category 5");
	proto_reply_fini(&rep);
	is_str(call(mgr, &rep, "incident.get", "{s i}", "id", inc_a), "ok", "the incident");
	const msgpack_object *cms = it_array(rep.data, "countermeasures");
	bool overdue = false;
	ok(cms != NULL && cms->via.array.size == 2 &&
	       it_bool(&cms->via.array.ptr[0], "overdue", &overdue) && overdue,
	   "shows both countermeasures, the first overdue");
	proto_reply_fini(&rep);

	is_str(call0(mgr_call, "incident.transition", "{s i s s}", "id", inc_a, "to",
	             "countermeasures"),
	       "ok", "countermeasures are under way");
	snprintf(object, sizeof object, "incident:%lld", (long long)inc_a);
	is_str(call0(mgr_call, "incident.transition", "{s i s s}", "id", inc_a, "to", "resolved"),
	       "invalid_state", "it cannot be resolved while countermeasures are open");
	is_int(audited(a_mgr->login, "incident.transition", "invalid_state", object), 2,
	       "that refusal is audited too");
	is_str(call0(mgr_call, "incident.cm_update", "{s i s i s s}", "id", inc_a, "cm", (int64_t)2,
	             "state", "verified"),
	       "invalid_state", "a planned countermeasure cannot be verified");
	is_str(call0(mgr_call, "incident.cm_update", "{s i s i s s}", "id", inc_a, "cm", (int64_t)1,
	             "state", "in_progress"),
	       "ok", "countermeasure 1 in progress");
	is_str(call0(mgr_call, "incident.cm_update", "{s i s i s s}", "id", inc_a, "cm", (int64_t)1,
	             "state", "done"),
	       "ok", "and done");
	is_str(call0(mgr_call, "incident.cm_update", "{s i s i s s s s}", "id", inc_a, "cm",
	             (int64_t)2, "state", "done", "owner", a_mgr->login),
	       "ok", "countermeasure 2 done, and its owner changed");
	is_str(call0(mgr_call, "incident.cm_update", "{s i s i s s}", "id", inc_a, "cm", (int64_t)9,
	             "state", "done"),
	       "not_found", "there is no countermeasure 9");
	is_str(call0(mgr_call, "incident.transition", "{s i s s}", "id", inc_a, "to", "resolved"),
	       "ok", "with none open it is resolved");
	is_str(call0(mgr_call, "incident.cm_add", "{s i s s s s s s}", "id", inc_a, "title", "x",
	             "owner", a_op->login, "due", later),
	       "invalid_state", "a resolved incident takes no new countermeasures");
}

static int64_t inc_c; /* reported by the manager */

static void
test_review_close(void)
{
	static const char *const to_resolved[] = { "triaged", "investigating", "countermeasures",
		                                   "resolved" };
	struct proto_reply rep;
	char object[32], title[128];

	snprintf(object, sizeof object, "incident:%lld", (long long)inc_a);
	is_str(call0(mgr, "incident.close", "{s i}", "id", inc_a), "invalid_state",
	       "it cannot be closed before a review");
	is_str(call0(mgr_call, "incident.review", "{s i s s}", "id", inc_a, "result", "x"),
	       "forbidden", "no review from the call centre's network (wrong segment)");
	is_int(audited(a_mgr->login, "incident.review", "forbidden", NULL), 1,
	       "the refusal is audited");
	is_str(call0(mgr_call, "incident.close", "{s i}", "id", inc_a), "forbidden",
	       "nor closing from there");

	/* Self-review: the manager's own report. */
	snprintf(title, sizeof title, "管理端末のスクリーンロック未設定 %s", hex);
	inc_c = report(mgr, title, 7, "low");
	ok(inc_c > 0, "the manager reports an incident");
	is_int(walk(mgr, inc_c, to_resolved, 4), 4, "and takes it to resolved");
	snprintf(object, sizeof object, "incident:%lld", (long long)inc_c);
	is_str(call0(mgr, "incident.review", "{s i s s}", "id", inc_c, "result", "自分で確認した"),
	       "forbidden", "the reporter cannot review their own incident");
	is_int(audited(a_mgr->login, "incident.review", "forbidden", object), 1,
	       "the self-review is audited, naming %s", object);
	is_str(call0(mgr2, "incident.review", "{s i s s}", "id", inc_c, "result",
	             "設定を確認。問題なし。"),
	       "ok", "another manager reviews it");
	is_str(call0(mgr, "incident.close", "{s i}", "id", inc_c), "ok",
	       "then the reporter, a manager, closes it");

	/* The operator's incident: reviewed, then closed only once every countermeasure is
	 * verified. */
	snprintf(object, sizeof object, "incident:%lld", (long long)inc_a);
	is_str(call0(mgr2, "incident.review", "{s i s s}", "id", inc_a, "result",
	             "対策の実施を確認。再発防止策は妥当。"),
	       "ok", "the second manager reviews the operator's incident");
	is_str(call0(mgr2, "incident.review", "{s i s s}", "id", inc_a, "result", "again"),
	       "invalid_state", "once");
	is_str(call0(mgr, "incident.close", "{s i}", "id", inc_a), "invalid_state",
	       "it cannot be closed while countermeasures are not verified");
	is_int(audited(a_mgr->login, "incident.close", "invalid_state", object), 2,
	       "that refusal is audited");
	is_str(call0(mgr, "incident.cm_update", "{s i s i s s s s}", "id", inc_a, "cm", (int64_t)1,
	             "state", "verified", "title", "y"),
	       "invalid_state", "a resolved incident's countermeasure is only verified");
	for (int64_t cm = 1; cm <= 2; cm++)
		is_str(call0(mgr, "incident.cm_update", "{s i s i s s}", "id", inc_a, "cm", cm,
		             "state", "verified"),
		       "ok", "countermeasure %lld verified", (long long)cm);
	is_str(call(mgr, &rep, "incident.close", "{s i}", "id", inc_a), "ok",
	       "the manager closes it");
	is_str(it_str(rep.data, "status"), "closed", "it is closed");
	proto_reply_fini(&rep);
	is_int(audited(a_mgr->login, "incident.close", "ok", object), 1, "the close is audited");
	is_str(call0(mgr, "incident.update", "{s i s s}", "id", inc_a, "title", "changed"),
	       "invalid_state", "a closed incident does not change");
	is_str(call0(mgr, "incident.transition", "{s i s s s s}", "id", inc_a, "to",
	             "investigating", "reason", "x"),
	       "invalid_state", "nor reopens");

	is_str(call(op, &rep, "incident.get", "{s i}", "id", inc_a), "ok",
	       "the reporter opens the closed incident");
	is_str(it_str(rep.data, "status"), "closed", "closed");
	is_str(it_str(rep.data, "reviewed_by"), a_mgr2->login, "reviewed by the second manager");
	is_str(it_str(rep.data, "closed_by"), a_mgr->login, "closed by the manager");
	ok(it_str(rep.data, "review_result") != NULL, "with the review's result");
	proto_reply_fini(&rep);
}

static void
test_reject_reopen(void)
{
	static const char *const to_resolved[] = { "triaged", "investigating", "countermeasures",
		                                   "resolved" };
	struct proto_reply rep;
	char title[128];

	is_str(call0(mgr, "incident.transition", "{s i s s}", "id", inc_b, "to", "rejected"),
	       "bad_request", "rejecting needs a reason");
	is_str(call0(mgr, "incident.transition", "{s i s s s s}", "id", inc_b, "to", "rejected",
	             "reason", "記録は別系統に残っており欠落ではない"),
	       "ok", "the manager rejects the technician's report, with a reason");
	is_str(call(tech, &rep, "incident.get", "{s i}", "id", inc_b), "ok",
	       "the technician sees it");
	is_str(it_str(rep.data, "status"), "rejected", "rejected");
	is_str(it_str(rep.data, "status_reason"), "記録は別系統に残っており欠落ではない",
	       "with the reason");
	proto_reply_fini(&rep);

	snprintf(title, sizeof title, "ウイルス定義の更新停止 %s", hex);
	int64_t d = report(op, title, 2, "medium");
	is_int(walk(mgr, d, to_resolved, 4), 4, "another incident is taken to resolved");
	is_str(call0(mgr, "incident.transition", "{s i s s}", "id", d, "to", "investigating"),
	       "bad_request", "reopening needs a reason");
	is_str(call0(mgr, "incident.transition", "{s i s s s s}", "id", d, "to", "investigating",
	             "reason", "再発を確認"),
	       "ok", "it is reopened");
	is_str(call0(mgr, "incident.transition", "{s i s s s s}", "id", d, "to", "rejected",
	             "reason", "x"),
	       "invalid_state", "an incident under investigation cannot be rejected");
	is_str(call(mgr, &rep, "incident.get", "{s i}", "id", d), "ok", "the reopened incident");
	const msgpack_object *tl = it_array(rep.data, "timeline");
	const msgpack_object *last = tl != NULL && tl->via.array.size > 0
	                                 ? &tl->via.array.ptr[tl->via.array.size - 1]
	                                 : NULL;
	ok(last != NULL && strcmp(it_str(last, "from"), "resolved") == 0 &&
	       strcmp(it_str(last, "to"), "investigating") == 0 &&
	       strcmp(it_str(last, "detail"), "再発を確認") == 0,
	   "its timeline ends with resolved -> investigating and the reason");
	proto_reply_fini(&rep);
}

/* ============================== the report document, lists ============================== */

static int
count_lines_starting(const char *text, const char *prefix)
{
	int n = 0;
	size_t len = strlen(prefix);

	for (const char *p = text; p != NULL && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		n += strncmp(p, prefix, len) == 0;
	return n;
}

static void
test_document(void)
{
	struct proto_reply rep;
	char year[8];
	time_t now = time(NULL);
	struct tm tm;
	int64_t entries = 0;

	is_str(call(mgr, &rep, "incident.get", "{s i}", "id", inc_a), "ok", "the closed incident");
	const msgpack_object *tl = it_array(rep.data, "timeline");
	entries = tl != NULL ? tl->via.array.size : 0;
	proto_reply_fini(&rep);
	ok(entries >= 15, "has a long timeline (%lld entries)", (long long)entries);

	is_str(call(mgr_call, &rep, "incident.document", "{s i s s}", "id", inc_a, "format",
	            "markdown"),
	       "ok", "the report document, in Markdown");
	char *md = xstrdup(it_str(rep.data, "text") != NULL ? it_str(rep.data, "text") : "");
	char fname[48];
	snprintf(fname, sizeof fname, "incident-%lld.md", (long long)inc_a);
	is_str(it_str(rep.data, "filename"), fname, "names a file for it");
	proto_reply_fini(&rep);
	if (getenv("KURA_INC_SHOW") != NULL) /* to look at the document */
		fputs(md, stderr);
	ok(strstr(md, "# 情報セキュリティインシデント報告書") != NULL,
	   "titled 情報セキュリティインシデント報告書");
	ok(strstr(md, title_a) != NULL, "holds the title");
	ok(strstr(md, "機密性及び完全性の侵害") != NULL, "the category");
	ok(strstr(md, "短縮ダイヤルの登録誤り") != NULL, "the cause");
	ok(strstr(md, "送信前の二人確認") != NULL, "the recurrence prevention");
	ok(strstr(md, "短縮ダイヤルの全件点検") != NULL, "the countermeasures");
	ok(strstr(md, "対策の実施を確認。再発防止策は妥当。") != NULL, "the review's result");
	ok(strstr(md, receipt1) != NULL, "the affected case by its receipt number");
	ok(customer1[0] != '\0' && strstr(md, customer1) == NULL,
	   "but never the customer's name, even for a reader with pii.read");
	gmtime_r(&now, &tm);
	strftime(year, sizeof year, "| %Y", &tm);
	const char *tl_head = strstr(md, "## 経緯 Timeline");
	ok(tl_head != NULL, "has a timeline section");
	is_int(count_lines_starting(tl_head, year), entries, "with a row for every timeline entry");
	static const char *const steps[] = {
		"reported: category 5, severity high",
		"status reported -> triaged: 個人情報の漏えいの可能性あり",
		"status triaged -> investigating",
		"edited: severity high -> critical",
		"linked case",
		"unlinked asset 顧客台帳",
		"countermeasure #1 added: 短縮ダイヤルの全件点検",
		"countermeasure #1: planned -> in_progress",
		"countermeasure #2: planned -> done, owner",
		"status investigating -> countermeasures",
		"status countermeasures -> resolved",
		"reviewed: 対策の実施を確認。再発防止策は妥当。",
		"countermeasure #2: done -> verified",
		"status resolved -> closed",
	};
	for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
		ok(tl_head != NULL && strstr(tl_head, steps[i]) != NULL,
		   "the timeline shows \"%s\"", steps[i]);
	free(md);

	is_str(call(op, &rep, "incident.document", "{s i s s}", "id", inc_a, "format", "text"),
	       "ok", "the reporter prints it as plain text");
	const char *txt = it_str(rep.data, "text");
	ok(txt != NULL && strstr(txt, "情報セキュリティインシデント報告書") != NULL &&
	       strstr(txt, "経緯 Timeline") != NULL && strstr(txt, "status resolved -> closed"),
	   "with its heading and timeline");
	ok(txt != NULL && strstr(txt, "| ") == NULL, "and no Markdown tables");
	proto_reply_fini(&rep);
	is_str(call0(tech, "incident.document", "{s i}", "id", inc_a), "not_found",
	       "the technician cannot print the call centre's incident");
}

static void
test_lists(void)
{
	struct proto_reply rep;

	ok(listed(op, inc_a, "{s s}", "status", "closed"), "status=closed lists the closed one");
	ok(!listed(op, inc_a, "{s s}", "status", "open"), "status=open does not");
	ok(listed(op, inc_a, "{s b}", "mine", 1), "mine lists the operator's own report");
	ok(!listed(mgr, inc_a, "{s b}", "mine", 1), "but not in the manager's");
	ok(listed(mgr, inc_a, "{s i s s}", "category", (int64_t)5, "severity", "critical"),
	   "category and severity filters");
	ok(!listed(mgr, inc_a, "{s i}", "category", (int64_t)7), "another category leaves it out");
	ok(listed(mgr, inc_a, "{s i}", "max_age_days", (int64_t)1), "reported within a day");
	ok(!listed(mgr, inc_a, "{s i}", "min_age_days", (int64_t)1), "not older than a day");
	is_str(call0(mgr, "incident.list", "{s s}", "sort", "sideways"), "bad_request",
	       "an unknown sort is refused");
	is_str(call(mgr, &rep, "incident.list", "{s s}", "sort", "severity"), "ok",
	       "sorted by severity");
	const msgpack_object *rows = it_array(rep.data, "rows");
	ok(rows != NULL && rows->via.array.size > 0 &&
	       strcmp(it_str(&rows->via.array.ptr[0], "severity"), "critical") == 0,
	   "the critical one first");
	proto_reply_fini(&rep);

	is_str(call(op, &rep, "incident.csv", "{s s}", "status", "closed"), "ok",
	       "the list as CSV");
	const char *csv = it_str(rep.data, "csv");
	char idq[32];
	snprintf(idq, sizeof idq, "\r\n\"%lld\",", (long long)inc_a);
	ok(csv != NULL && strncmp(csv, "\"id\",\"title\",\"category\"", 22) == 0,
	   "with a header line");
	ok(csv != NULL && strstr(csv, idq) != NULL && strstr(csv, title_a) != NULL,
	   "and the incident's row");
	proto_reply_fini(&rep);
}

/* ============================== change events ============================== */

static void
test_events(void)
{
	nng_socket sub;
	char want[32], title[128];
	bool seen = false;
	int rv;

	if (mgr_events[0] == '\0') {
		ok(0, "the manager's sign-in names an events URL");
		return;
	}
	rv = nng_sub0_open(&sub);
	if (rv == 0)
		rv = nng_socket_set(sub, NNG_OPT_SUB_SUBSCRIBE, "", 0);
	if (rv == 0)
		rv = nng_socket_set_ms(sub, NNG_OPT_RECVTIMEO, 500);
	if (rv == 0)
		rv = nng_dial(sub, mgr_events, NULL, 0);
	ok(rv == 0, "subscribe to the tech centre's events (%s)", rv ? nng_strerror(rv) : "ok");
	if (rv != 0)
		return;
	nng_msleep(300); /* PUB drops what it sends before the subscription is in place */
	snprintf(title, sizeof title, "イベント確認 %s", hex);
	int64_t e = report(op, title, 1, "low");
	snprintf(want, sizeof want, "%lld", (long long)e);
	for (int i = 0; i < 20 && !seen; i++) {
		char *buf = NULL;
		size_t len;
		msgpack_unpacked u;

		if (nng_recv(sub, &buf, &len, NNG_FLAG_ALLOC) != 0)
			continue;
		msgpack_unpacked_init(&u);
		if (msgpack_unpack_next(&u, buf, len, NULL) == MSGPACK_UNPACK_SUCCESS) {
			const char *topic = it_str(&u.data, "topic"), *id = it_str(&u.data, "id");
			seen = topic != NULL && id != NULL && strcmp(topic, "incident") == 0 &&
			       strcmp(id, want) == 0;
		}
		msgpack_unpacked_destroy(&u);
		nng_free(buf, len);
	}
	ok(seen, "a report on the call centre reaches the tech centre's subscribers as an "
	         "incident event");
	nng_close(sub);
}

/* ============================== risks ============================== */

/* A risk of the register to link: the first there is, else one made as the owner (an asset
 * and a risk with the register's required columns). Owned, or NULL. */
static char *
incident_test_risk(void)
{
	const char *p[1] = { a_mgr->login };
	char *risk = it_db_text(owner, "SELECT id FROM kura.risks ORDER BY id LIMIT 1", 0, NULL);

	if (risk != NULL)
		return risk;
	if (it_db_exec(
	        owner,
	        "INSERT INTO kura.assets (name, type, owner, confidentiality, integrity,"
	        " availability, created_by) SELECT 'FAX送信記録 ' || u.id, 'information', u.id,"
	        " 3, 3, 2, u.id FROM kura.users u WHERE u.login = $1",
	        1, p) != 1)
		return NULL;
	if (it_db_exec(
	        owner,
	        "INSERT INTO kura.risks (asset_id, threat, vulnerability, owner, likelihood,"
	        " impact, created_by) SELECT a.id, 'FAXの誤送信', '短縮ダイヤルの誤登録', u.id,"
	        " 3, 4, u.id FROM kura.assets a, kura.users u WHERE u.login = $1"
	        " ORDER BY a.id DESC LIMIT 1",
	        1, p) != 1)
		return NULL;
	return it_db_text(owner, "SELECT id FROM kura.risks ORDER BY id LIMIT 1", 0, NULL);
}

/* Linked risks come from the risk register through kura.incident_risks() (incidents.md):
 * once the register has its link table, a link made there shows in incident.get to those
 * who may read the register, and in no one else's. */
static void
test_risks(void)
{
	struct proto_reply rep;
	char inc[24], *risk = NULL;

	is_str(call(mgr, &rep, "incident.get", "{s i}", "id", inc_a), "ok", "an incident");
	ok(it_array(rep.data, "risks") != NULL, "its reply has the linked risks (an array)");
	proto_reply_fini(&rep);
	snprintf(inc, sizeof inc, "%lld", (long long)inc_a);
	if (it_db_int(owner,
	              "SELECT count(*) FROM pg_catalog.pg_class"
	              " WHERE oid = pg_catalog.to_regclass('kura.risk_incidents')",
	              0, NULL) != 1 ||
	    (risk = incident_test_risk()) == NULL) {
		ok(1, "# SKIP the risk register links no incidents yet");
		return;
	}
	const char *q[3] = { risk, inc, a_mgr->login };
	is_int(
	    it_db_exec(owner,
	               "INSERT INTO kura.risk_incidents (risk_id, incident_id, linked_by)"
	               " SELECT $1::bigint, $2::bigint, u.id FROM kura.users u WHERE u.login = $3",
	               3, q),
	    1, "the register links risk %s to the incident", risk);
	is_str(call(mgr, &rep, "incident.get", "{s i}", "id", inc_a), "ok",
	       "the manager opens the incident");
	const msgpack_object *risks = it_array(rep.data, "risks");
	int64_t rid = 0;
	ok(risks != NULL && risks->via.array.size == 1 &&
	       it_int(&risks->via.array.ptr[0], "id", &rid) && rid == strtoll(risk, NULL, 10),
	   "and sees the linked risk");
	proto_reply_fini(&rep);
	is_str(call(op, &rep, "incident.get", "{s i}", "id", inc_a), "ok", "the operator opens it");
	risks = it_array(rep.data, "risks");
	ok(risks != NULL && risks->via.array.size == 0, "and sees no risk (no risk.read)");
	proto_reply_fini(&rep);
	free(risk);
}

int
main(void)
{
	setup();
	test_categories();
	test_report();
	test_visibility();
	test_forbidden_role();
	test_investigate();
	test_countermeasures();
	test_review_close();
	test_reject_reopen();
	test_document();
	test_lists();
	test_events();
	test_risks();
	kclient_free(op);
	kclient_free(op_tmp);
	kclient_free(tech);
	kclient_free(mgr_call);
	kclient_free(mgr);
	kclient_free(mgr2);
	kclient_free(aud);
	kclient_free(adm);
	PQfinish(owner);
	return tap_done();
}
