/* The database layer of the rights matrix: the reads behind case.get and case.list, and the
 * case sheet's tables read and written, run again as raw SQL under each acting role exactly as
 * kurad sets it up (kura_app, then in the transaction role kura_<role>, kura.user_id and
 * kura.segment), must agree with rights.tsv and with what the server answered; with no user
 * set every protected table reads as empty; kura_app never reads password hashes or sessions;
 * nobody rewrites the audit log; and the acting role must be the user's own role. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rights.h"

#define DENIED "42501" /* insufficient_privilege */

struct dbres {
	bool error;
	char state[6];
	char msg[200];
	long long n;    /* the first column of the first row as an integer, or rows affected */
	char text[256]; /* the first column of the first row */
	bool has_row;
};

/* Runs sql as kura_app in a transaction of its own after setting the acting role (the full
 * name, e.g. "kura_operator"), kura.user_id and kura.segment (each NULL: left unset), then
 * rolls it back whatever happened. */
static struct dbres
as_actor(PGconn *app, const char *role, const char *uid, const char *seg, const char *sql,
         int nparams, const char *const *params)
{
	static const char *const set[3] = { "SELECT set_config('role', $1, true)",
		                            "SELECT set_config('kura.user_id', $1, true)",
		                            "SELECT set_config('kura.segment', $1, true)" };
	const char *vals[3] = { role, uid, seg };
	struct dbres r;
	PGresult *res;

	memset(&r, 0, sizeof r);
	PQclear(PQexec(app, "BEGIN"));
	for (int i = 0; i < 3; i++) {
		if (vals[i] == NULL)
			continue;
		/* The usual case, all three, in one round trip: the walk runs thousands. */
		if (i == 0 && vals[1] != NULL && vals[2] != NULL)
			res = PQexecParams(app,
			                   "SELECT set_config('role', $1, true),"
			                   " set_config('kura.user_id', $2, true),"
			                   " set_config('kura.segment', $3, true)",
			                   3, NULL, vals, NULL, NULL, 0);
		else
			res = PQexecParams(app, set[i], 1, NULL, &vals[i], NULL, NULL, 0);
		if (PQresultStatus(res) != PGRES_TUPLES_OK) {
			r.error = true;
			snprintf(r.state, sizeof r.state, "%s",
			         PQresultErrorField(res, PG_DIAG_SQLSTATE)
			             ? PQresultErrorField(res, PG_DIAG_SQLSTATE)
			             : "?????");
			snprintf(r.msg, sizeof r.msg, "setting the actor: %s",
			         PQresultErrorMessage(res));
			PQclear(res);
			PQclear(PQexec(app, "ROLLBACK"));
			return r;
		}
		PQclear(res);
		if (i == 0 && vals[1] != NULL && vals[2] != NULL)
			break;
	}
	res = PQexecParams(app, sql, nparams, NULL, params, NULL, NULL, 0);
	switch (PQresultStatus(res)) {
	case PGRES_TUPLES_OK:
		r.has_row = PQntuples(res) > 0;
		if (r.has_row && !PQgetisnull(res, 0, 0)) {
			snprintf(r.text, sizeof r.text, "%s", PQgetvalue(res, 0, 0));
			r.n = strtoll(r.text, NULL, 10);
		}
		break;
	case PGRES_COMMAND_OK:
		r.n = strtoll(PQcmdTuples(res), NULL, 10);
		break;
	default: {
		const char *st = PQresultErrorField(res, PG_DIAG_SQLSTATE);
		r.error = true;
		snprintf(r.state, sizeof r.state, "%s", st != NULL ? st : "?????");
		snprintf(r.msg, sizeof r.msg, "%s", PQresultErrorMessage(res));
		size_t len = strlen(r.msg);
		while (len > 0 && r.msg[len - 1] == '\n')
			r.msg[--len] = '\0';
	}
	}
	PQclear(res);
	PQclear(PQexec(app, "ROLLBACK"));
	return r;
}

/* Empty or refused: a count of zero, or permission denied. */
static bool
empty_or_denied(const struct dbres *r)
{
	return r->error ? strcmp(r->state, DENIED) == 0 : r->n == 0;
}

static const char *
show(const struct dbres *r, char *buf, size_t size)
{
	if (r->error)
		snprintf(buf, size, "error %s (%s)", r->state, r->msg);
	else
		snprintf(buf, size, "%lld", r->n);
	return buf;
}

/* The kura_app conninfo from DIR/kurad.conf (owned), or NULL. */
static char *
app_conninfo(const char *dir)
{
	char path[600], *text, *line, *save = NULL, *out = NULL;

	snprintf(path, sizeof path, "%s/kurad.conf", dir);
	if ((text = it_read_file(path, NULL)) == NULL)
		return NULL;
	for (line = strtok_r(text, "\n", &save); line != NULL && out == NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		while (*line == ' ' || *line == '\t')
			line++;
		if (strncmp(line, "conninfo", 8) != 0)
			continue;
		char *eq = strchr(line, '=');
		if (eq == NULL)
			continue;
		for (eq++; *eq == ' ' || *eq == '\t'; eq++)
			;
		out = strdup(eq);
	}
	memset(text, 0, strlen(text));
	free(text);
	return out;
}

static long long
owner_count(PGconn *owner, const char *table)
{
	char sql[128];

	snprintf(sql, sizeof sql, "SELECT count(*) FROM kura.%s", table);
	return it_db_int(owner, sql, 0, NULL);
}

#define SQL_CANARY                                                                                 \
	"SELECT cu.name FROM kura.cases c JOIN kura.case_customers cu ON cu.case_id = c.id"        \
	" WHERE c.receipt = $1"

/* The case reads of one cell as SQL. Returns what the database showed: RT_DENY (no case),
 * RT_MASK (cases but no customer), RT_ALLOW (customers too), RT_NONE (something else);
 * why says what did not fit want. */
static enum rt_outcome
cell_reads(PGconn *app, const struct rt_ctx *ctx, const struct rt_cell *c, const long long *all,
           char *why, size_t size)
{
	static const char *const tables[4] = { "cases", "case_items", "case_notes",
		                               "case_customers" };
	char role[64], buf[256];
	struct dbres r[4], name;
	const char *p[1] = { ctx->receipt };
	size_t len = 0;

	snprintf(role, sizeof role, "kura_%s", rt_roles[c->role]);
	why[0] = '\0';
	for (int i = 0; i < 4; i++) {
		char sql[128];
		snprintf(sql, sizeof sql, "SELECT count(*) FROM kura.%s", tables[i]);
		r[i] = as_actor(app, role, c->user_id, rt_segs[c->seg], sql, 0, NULL);
	}
	name = as_actor(app, role, c->user_id, rt_segs[c->seg], SQL_CANARY, 1, p);

	for (int i = 0; i < 4; i++) {
		bool fine;
		if (c->want == RT_DENY || (i == 3 && c->want == RT_MASK))
			fine = empty_or_denied(&r[i]);
		else
			fine = !r[i].error && r[i].n == all[i];
		if (!fine && len + 80 < size)
			len += (size_t)snprintf(why + len, size - len, "%s%s: %s (all: %lld)",
			                        len ? "; " : "", tables[i],
			                        show(&r[i], buf, sizeof buf), all[i]);
	}
	bool name_fine = c->want == RT_ALLOW ? !name.error && name.has_row &&
	                                           strcmp(name.text, ctx->canary_name) == 0
	                 : name.error ? strcmp(name.state, DENIED) == 0
	                              : !name.has_row;
	if (!name_fine && len + 80 < size)
		snprintf(why + len, size - len, "%sthe canary's name: %s", len ? "; " : "",
		         name.error     ? name.msg
		         : name.has_row ? name.text
		                        : "(no row)");

	if (r[0].error)
		return RT_NONE;
	if (r[0].n == 0)
		return RT_DENY;
	if (!r[3].error && r[3].n > 0)
		return RT_ALLOW;
	return empty_or_denied(&r[3]) ? RT_MASK : RT_NONE;
}

/* Every table a user without rights must not read; those this database lacks (a domain
 * not migrated yet) are skipped. */
static const char *const protected_tables[] = { "cases",
	                                        "case_items",
	                                        "case_notes",
	                                        "case_customers",
	                                        "audit_log",
	                                        "export_requests",
	                                        "request_replies",
	                                        "case_stamps",
	                                        "custody_events",
	                                        "device_bindings",
	                                        "devices",
	                                        "work_logs",
	                                        "documents",
	                                        "note_marks",
	                                        "assets",
	                                        "risks",
	                                        "risk_reviews",
	                                        "risk_controls",
	                                        "risk_scores",
	                                        "risk_matrix",
	                                        "risk_levels",
	                                        "controls",
	                                        "incidents",
	                                        "incident_links",
	                                        "incident_countermeasures",
	                                        "incident_timeline" };
#define NPROTECTED (sizeof protected_tables / sizeof protected_tables[0])
static bool protected_exists[NPROTECTED];

/* Counts the protected tables that an actor (see as_actor) reads as neither empty nor
 * refused; detail names them. */
static int
protected_visible(PGconn *app, const char *role, const char *uid, const char *seg, char *detail,
                  size_t size)
{
	char buf[256];
	size_t len = strlen(detail);
	int bad = 0;

	for (size_t i = 0; i < NPROTECTED; i++) {
		char sql[128];
		struct dbres r;

		if (!protected_exists[i])
			continue;
		snprintf(sql, sizeof sql, "SELECT count(*) FROM kura.%s", protected_tables[i]);
		r = as_actor(app, role, uid, seg, sql, 0, NULL);
		if (empty_or_denied(&r))
			continue;
		bad++;
		if (len + 80 < size)
			len +=
			    (size_t)snprintf(detail + len, size - len, "%s@ %s: kura.%s gives %s",
			                     len ? "; " : "", seg ? seg : "(no segment)",
			                     protected_tables[i], show(&r, buf, sizeof buf));
	}
	return bad;
}

static const char *
article(const char *noun)
{
	return strchr("aeiou", noun[0]) != NULL ? "an" : "a";
}

/* ============================== the case sheet ============================== */

/* Appends a formatted piece to buf ("; "-separated). */
__attribute__((format(printf, 3, 4))) static void
append(char *buf, size_t size, const char *fmt, ...)
{
	size_t len = strlen(buf);
	va_list ap;

	if (len + 3 >= size)
		return;
	if (len > 0) {
		memcpy(buf + len, "; ", 3);
		len += 2;
	}
	va_start(ap, fmt);
	vsnprintf(buf + len, size - len, fmt, ap);
	va_end(ap);
}

static enum rt_outcome
tsv_out(const struct rt_ctx *ctx, int k, const struct rt_cell *c)
{
	return ctx->m->out[k][c->role][c->temp][c->seg];
}

/* The tables of the case sheet and the risk register, each with the read command that shows
 * it; a command the tsv lacks (a domain not there yet) skips its tables. */
static const struct {
	const char *table, *cmd;
} sheet_reads[] = {
	{ "case_stamps", "case.sheet" },      { "custody_events", "case.custody" },
	{ "device_bindings", "device.list" }, { "devices", "device.list" },
	{ "documents", "document.list" },     { "work_logs", "worklog.list" },
	{ "assets", "asset.list" },           { "risks", "risk.list" },
	{ "risk_reviews", "risk.get" },       { "risk_controls", "risk.get" },
	{ "risk_scores", "risk.get" },        { "risk_matrix", "risk.matrix" },
	{ "risk_levels", "risk.matrix" },     { "controls", "control.list" },
};

/* Each cell reads every row of a case-sheet table where its read command is allowed, and none
 * where it is denied, as the server answered; the read marks are the user's own. */
static void
sheet_read_checks(PGconn *app, const struct rt_ctx *ctx)
{
	char buf[256];

	for (size_t t = 0; t < sizeof sheet_reads / sizeof sheet_reads[0]; t++) {
		const char *table = sheet_reads[t].table, *cmd = sheet_reads[t].cmd;
		long long all = owner_count(ctx->owner, table);
		int k = rt_cmd_index(cmd), bad = 0, disagree = 0, outside = 0;
		char why[1024] = "", dis[1024] = "", out[1024] = "", sql[128];

		if (k < 0)
			continue;
		snprintf(sql, sizeof sql, "SELECT count(*) FROM kura.%s", table);
		for (int i = 0; i < RT_NCELLS; i++) {
			const struct rt_cell *c = &ctx->cells[i];
			enum rt_outcome want = tsv_out(ctx, k, c);
			char role[64];
			snprintf(role, sizeof role, "kura_%s", rt_roles[c->role]);
			struct dbres r =
			    as_actor(app, role, c->user_id, rt_segs[c->seg], sql, 0, NULL);
			bool fine = want == RT_DENY ? empty_or_denied(&r) : !r.error && r.n == all;
			bool db_sees = !r.error && r.n > 0;

			if (!fine) {
				bad++;
				append(why, sizeof why, "%s: %s", c->label,
				       show(&r, buf, sizeof buf));
			}
			if (c->got[k] != RT_NOT_WALKED && db_sees != (c->got[k] == 0)) {
				disagree++;
				append(dis, sizeof dis, "%s: server %s, database %s", c->label,
				       c->got[k] == 0 ? "ok" : "refused",
				       show(&r, buf, sizeof buf));
			}
			if (strcmp(table, "work_logs") == 0 && c->seg != 1 && db_sees) {
				outside++;
				append(out, sizeof out, "%s", c->label);
			}
		}
		if (!rt_ok(all > 0 && bad == 0 && disagree == 0,
		           "SQL: kura.%s reads all %lld rows exactly where %s is allowed, as the "
		           "server answered (%d cells)",
		           table, all, cmd, RT_NCELLS)) {
			if (bad > 0)
				rt_diag("  against rights.tsv: %s", why);
			if (disagree > 0)
				rt_diag("  server and database disagree: %s", dis);
		}
		if (strcmp(table, "work_logs") == 0 &&
		    !rt_ok(outside == 0,
		           "SQL: kura.work_logs reads as empty outside the tech-centre segment "
		           "(docs/casesheet.md)"))
			rt_diag("  read elsewhere by %s", out);
	}

	/* kura.note_marks: a row per user and case (the fixtures make one each), read only by
	 * that user. */
	char why[1024] = "";
	int bad = 0;
	for (int i = 0; i < RT_NCELLS; i++) {
		const struct rt_cell *c = &ctx->cells[i];
		const char *p[1] = { c->user_id };
		char role[64];
		snprintf(role, sizeof role, "kura_%s", rt_roles[c->role]);
		struct dbres all = as_actor(app, role, c->user_id, rt_segs[c->seg],
		                            "SELECT count(*) FROM kura.note_marks", 0, NULL);
		struct dbres own =
		    as_actor(app, role, c->user_id, rt_segs[c->seg],
		             "SELECT count(*) FROM kura.note_marks WHERE user_id = $1", 1, p);
		if (all.error || own.error || own.n < 1 || all.n != own.n) {
			char b2[256];
			bad++;
			append(why, sizeof why, "%s: %s rows, %s own", c->label,
			       show(&all, buf, sizeof buf), show(&own, b2, sizeof b2));
		}
	}
	if (!rt_ok(bad == 0 && owner_count(ctx->owner, "note_marks") > 1,
	           "SQL: every user reads exactly its own rows of kura.note_marks (%d cells)",
	           RT_NCELLS))
		rt_diag("  %s", why);
}

/* Incidents as SQL: each cell sees the shared incident and a call-centre one (with their
 * links, countermeasures and timeline) exactly as docs/incidents.md says, which is also what
 * the walk held the server to; every cell reads the categories. */
static void
incident_read_checks(PGconn *app, const struct rt_ctx *ctx)
{
	static const char *const sql[2] = {
		"SELECT count(*) FROM kura.incidents WHERE id = $1",
		"SELECT (SELECT count(*) FROM kura.incident_links WHERE incident_id = $1)"
		" + (SELECT count(*) FROM kura.incident_timeline WHERE incident_id = $1)",
	};
	char why[1200] = "", buf[256];
	int bad = 0;

	if (ctx->w_shared_id == NULL)
		return;
	for (int i = 0; i < RT_NCELLS; i++) {
		const struct rt_cell *c = &ctx->cells[i];
		char role[64];
		snprintf(role, sizeof role, "kura_%s", rt_roles[c->role]);
		for (int shared = 0; shared < 2; shared++) {
			const char *p[1] = { shared ? ctx->w_shared_id : ctx->w_incident_id };
			bool sees = rt_sees_incident(c, shared);
			for (int q = 0; q < 2; q++) {
				struct dbres r =
				    as_actor(app, role, c->user_id, rt_segs[c->seg], sql[q], 1, p);
				if (sees ? !r.error && r.n > 0 : empty_or_denied(&r))
					continue;
				bad++;
				append(why, sizeof why, "%s, %s incident%s: %s", c->label,
				       shared ? "shared" : "call-centre", q ? " (its parts)" : "",
				       show(&r, buf, sizeof buf));
			}
		}
		struct dbres r = as_actor(app, role, c->user_id, rt_segs[c->seg],
		                          "SELECT count(*) FROM kura.incident_categories", 0, NULL);
		if (r.error || r.n < 8) {
			bad++;
			append(why, sizeof why, "%s, categories: %s", c->label,
			       show(&r, buf, sizeof buf));
		}
	}
	if (!rt_ok(bad == 0,
	           "SQL: every cell sees exactly the incidents docs/incidents.md gives it, their "
	           "links and timeline with them (%d cells)",
	           RT_NCELLS))
		rt_diag("  not so for %s", why);
}

/* A write of the case sheet as SQL: allowed exactly where the command that does it through the
 * server is (cmd), or for every acting user (own: 1) or none (own: 0). $1 is the target case,
 * $2 the acting user, $3 the segment, $4 what extra says. Every attempt is rolled back. */
struct sheet_write {
	const char *what;
	const char *cmd;
	int own;
	enum {
		X_RECEIPT,
		X_LABEL,
		X_DEVICE,
		X_OTHER_USER,
		X_ASSET,
		X_RISK,
		X_INCIDENT,
		X_INVESTIGATING
	} extra;
	const char *sql;
	const char *todo; /* a reported defect, or NULL */
};

#define SHEET_P "WITH p AS (SELECT $1::bigint AS c, $2::bigint AS u, $3::text AS s, $4::text AS x) "
static const struct sheet_write sheet_writes[] = {
	{ "INSERT INTO kura.device_bindings (binds a device)", "case.stamp:analysis", 0, X_DEVICE,
	  SHEET_P "INSERT INTO kura.device_bindings (device_id, case_id, bound_by)"
	          " SELECT p.x, p.c, p.u FROM p",
	  NULL },
	{ "INSERT INTO kura.work_logs", "worklog.add", 0, X_RECEIPT,
	  SHEET_P "INSERT INTO kura.work_logs (case_id, by_user, kind, minutes, body)"
	          " SELECT p.c, p.u, 'logical', 5, 'rights matrix' FROM p",
	  NULL },
	{ "INSERT INTO kura.documents (issues)", "document.issue", 0, X_RECEIPT,
	  SHEET_P "INSERT INTO kura.documents (case_id, kind, version, content, sha256, issued_by)"
	          " SELECT p.c, 'estimate', 99, 'rights matrix',"
	          " sha256(convert_to('rights matrix', 'UTF8')), p.u FROM p",
	  NULL },
	{ "UPDATE kura.documents (approves another's report)", "document.approve", 0, X_RECEIPT,
	  SHEET_P "UPDATE kura.documents d SET approved_by = p.u, approved_at = now() FROM p"
	          " WHERE d.case_id = p.c AND d.kind = 'report' AND d.version = 1",
	  NULL },
	{ "INSERT INTO kura.case_notes", "case.note", 0, X_RECEIPT,
	  SHEET_P "INSERT INTO kura.case_notes (case_id, author, segment, body)"
	          " SELECT p.c, p.u, p.s, 'rights matrix' FROM p",
	  NULL },
	{ "INSERT INTO kura.locations", "location.add", 0, X_RECEIPT,
	  SHEET_P "INSERT INTO kura.locations (name, label) SELECT 'rt-sql-shelf', 'x' FROM p",
	  NULL },
	{ "INSERT INTO kura.devices", "device.add", 0, X_RECEIPT,
	  SHEET_P "INSERT INTO kura.devices (id, label, kind)"
	          " SELECT 'RT-SQL-DEV', 'x', 'analysis' FROM p",
	  NULL },
	{ "kura.custody_move() (moves an item)", "custody.move", 0, X_LABEL,
	  SHEET_P "SELECT kura.custody_move(p.c, p.x, 'backup', 'rights matrix') FROM p", NULL },
	{ "UPDATE kura.cases SET reply_decision", "case.reply", 0, X_RECEIPT,
	  SHEET_P "UPDATE kura.cases c SET reply_decision = 'proceed', reply_by = p.u FROM p"
	          " WHERE c.id = p.c",
	  NULL },
	{ "UPDATE kura.cases SET ship_tracking", "case.ship", 0, X_RECEIPT,
	  SHEET_P
	  "UPDATE kura.cases c SET ship_carrier = 'Rights Carrier', ship_tracking = 'RT-9999',"
	  " ship_by = p.u FROM p WHERE c.id = p.c",
	  NULL },
	{ "INSERT INTO kura.assets", "asset.create", 0, X_RECEIPT,
	  SHEET_P
	  "INSERT INTO kura.assets (name, type, owner, confidentiality, integrity,"
	  " availability, created_by) SELECT 'rt-sql-asset', 'information', p.u, 1, 1, 1, p.u"
	  " FROM p",
	  NULL },
	{ "UPDATE kura.assets", "asset.update", 0, X_ASSET,
	  SHEET_P "UPDATE kura.assets a SET location = 'rights matrix', version = a.version + 1"
	          " FROM p WHERE a.id = p.x::bigint",
	  NULL },
	{ "UPDATE kura.risks (the plan)", "risk.update", 0, X_RISK,
	  SHEET_P
	  "UPDATE kura.risks r SET treatment_plan = 'rights matrix', version = r.version + 1"
	  " FROM p WHERE r.id = p.x::bigint",
	  NULL },
	{ "UPDATE kura.risks (an acceptance in one's name)", "risk.accept", 0, X_RISK,
	  SHEET_P "UPDATE kura.risks r SET treatment = 'accept', accepted_by = p.u,"
	          " accepted_at = now(), accept_reason = 'rights matrix',"
	          " accept_expires = current_date + 30 FROM p WHERE r.id = p.x::bigint",
	  NULL },
	{ "INSERT INTO kura.risk_reviews", "risk.review", 0, X_RISK,
	  SHEET_P "INSERT INTO kura.risk_reviews (risk_id, reviewed_on, reviewer, likelihood,"
	          " impact, level, notes) SELECT p.x::bigint, current_date, p.u, 3, 3, 'medium',"
	          " 'rights matrix' FROM p",
	  NULL },
	{ "INSERT INTO kura.risk_controls", "risk.update", 0, X_RISK,
	  SHEET_P "INSERT INTO kura.risk_controls (risk_id, control_id)"
	          " SELECT p.x::bigint, '5.2' FROM p",
	  NULL },
	{ "UPDATE kura.risk_matrix", "risk.matrix_set", 0, X_RECEIPT,
	  SHEET_P "UPDATE kura.risk_matrix m SET level = m.level FROM p"
	          " WHERE m.likelihood = 1 AND m.impact = 1",
	  NULL },
	{ "UPDATE kura.risk_levels", "risk.cadence_set", 0, X_RECEIPT,
	  SHEET_P "UPDATE kura.risk_levels l SET review_days = l.review_days FROM p"
	          " WHERE l.name = 'low'",
	  NULL },
	{ "INSERT INTO kura.incidents (a report of the segment)", "incident.report", 0, X_RECEIPT,
	  SHEET_P "INSERT INTO kura.incidents (category, severity, title, description, found_at,"
	          " segment, reported_by) SELECT 1, 'low', 'x', 'x', now(), p.s, p.u FROM p",
	  NULL },
	{ "UPDATE kura.incidents", "incident.update", 0, X_INCIDENT,
	  SHEET_P "UPDATE kura.incidents i SET location = 'rights matrix', version = i.version + 1"
	          " FROM p WHERE i.id = p.x::bigint",
	  NULL },
	{ "INSERT INTO kura.incident_links (another's incident)", "incident.link", 0,
	  X_INVESTIGATING,
	  SHEET_P "INSERT INTO kura.incident_links (incident_id, kind, ref)"
	          " SELECT p.x::bigint, 'device', 'RT-SQL-LINK' FROM p",
	  NULL },
	{ "INSERT INTO kura.incident_countermeasures", "incident.cm_add", 0, X_INVESTIGATING,
	  SHEET_P "INSERT INTO kura.incident_countermeasures (incident_id, seq, title, owner, due,"
	          " created_by) SELECT p.x::bigint, 900, 'x', p.u, current_date + 1, p.u FROM p",
	  NULL },
	{ "INSERT INTO kura.incident_categories", "incident.category_add", 0, X_RECEIPT,
	  SHEET_P "INSERT INTO kura.incident_categories (code, label, label_ja)"
	          " SELECT 98, 'x', 'x' FROM p",
	  NULL },
	{ "INSERT INTO kura.note_marks (the user's own)", NULL, 1, X_RECEIPT,
	  SHEET_P "INSERT INTO kura.note_marks (user_id, case_id, last_note_id) SELECT p.u, p.c, 2"
	          " FROM p ON CONFLICT (user_id, case_id) DO UPDATE"
	          " SET last_note_id = EXCLUDED.last_note_id",
	  NULL },
	{ "INSERT INTO kura.note_marks (another user's)", NULL, 0, X_OTHER_USER,
	  SHEET_P
	  "INSERT INTO kura.note_marks (user_id, case_id, last_note_id) SELECT p.x::bigint, p.c, 2"
	  " FROM p ON CONFLICT (user_id, case_id) DO UPDATE SET last_note_id = EXCLUDED.last_note_id",
	  NULL },
};

/* 1 the write took effect, 0 refused (permission denied or no row), -1 another error. */
static int
write_result(const struct dbres *r)
{
	if (!r->error)
		return r->n >= 1 ? 1 : 0;
	return strcmp(r->state, DENIED) == 0 ? 0 : -1;
}

/* One write in every cell against what it should give; a TAP line. */
static void
sheet_write_check(PGconn *app, const struct rt_ctx *ctx, const struct sheet_write *w)
{
	int k = w->cmd != NULL ? rt_cmd_index(w->cmd) : -1, bad = 0;
	char why[1200] = "", buf[256];

	/* A domain not there yet (neither in the tsv nor in the database). */
	if ((w->cmd != NULL && k < 0) ||
	    ((w->extra == X_ASSET || w->extra == X_RISK) &&
	     (ctx->w_asset_id == NULL || ctx->w_risk_id == NULL)) ||
	    ((w->extra == X_INCIDENT || w->extra == X_INVESTIGATING) && ctx->w_incident_id == NULL))
		return;
	for (int i = 0; i < RT_NCELLS; i++) {
		const struct rt_cell *c = &ctx->cells[i];
		const struct rt_cell *other =
		    &ctx->cells[((c->role + 1) % RT_NROLES) * 2 * RT_NSEGS];
		const char *x = w->extra == X_LABEL           ? ctx->w_label
		                : w->extra == X_DEVICE        ? ctx->w_device
		                : w->extra == X_OTHER_USER    ? other->user_id
		                : w->extra == X_ASSET         ? ctx->w_asset_id
		                : w->extra == X_RISK          ? ctx->w_risk_id
		                : w->extra == X_INCIDENT      ? ctx->w_incident_id
		                : w->extra == X_INVESTIGATING ? ctx->w_investigating_id
		                                              : ctx->w_receipt;
		const char *p[4] = { ctx->w_case_id, c->user_id, rt_segs[c->seg], x };
		char role[64];
		snprintf(role, sizeof role, "kura_%s", rt_roles[c->role]);
		struct dbres r = as_actor(app, role, c->user_id, rt_segs[c->seg], w->sql, 4, p);
		int got = write_result(&r);
		int want = k >= 0 ? tsv_out(ctx, k, c) != RT_DENY : w->own;

		if (got != want) {
			bad++;
			append(why, sizeof why, "%s: %s", c->label,
			       got < 0 ? show(&r, buf, sizeof buf)
			       : got   ? "done"
			               : "refused");
		}
	}
	char desc[300];
	if (w->cmd != NULL)
		snprintf(desc, sizeof desc,
		         "SQL: %s succeeds exactly where %s is allowed (%d cells)", w->what, w->cmd,
		         RT_NCELLS);
	else
		snprintf(desc, sizeof desc, "SQL: %s %s for every acting user (%d cells)", w->what,
		         w->own ? "succeeds" : "is refused", RT_NCELLS);
	if (!(w->todo != NULL ? rt_todo(bad == 0, w->todo, "%s", desc)
	                      : rt_ok(bad == 0, "%s", desc)))
		rt_diag("  not so for %s", why);
}

/* Writes of the case sheet as SQL, each in every cell: the stamps of every stage, then the
 * rest of sheet_writes. */
static void
sheet_write_checks(PGconn *app, const struct rt_ctx *ctx)
{
	static const char *const stages[] = { "intake",   "analysis", "report", "reply",
		                              "recovery", "shipping", "erasure" };

	for (size_t s = 0; s < sizeof stages / sizeof stages[0]; s++) {
		char what[80], cmd[64], sql[400];
		snprintf(what, sizeof what, "INSERT INTO kura.case_stamps (stage %s)", stages[s]);
		snprintf(cmd, sizeof cmd, "case.stamp:%s", stages[s]);
		snprintf(sql, sizeof sql,
		         SHEET_P "INSERT INTO kura.case_stamps (case_id, stage, by_user, segment,"
		                 " verified) SELECT p.c, '%s', p.u, p.s, p.x FROM p",
		         stages[s]);
		struct sheet_write w = { what, cmd, 0, X_RECEIPT, sql, NULL };
		sheet_write_check(app, ctx, &w);
	}
	for (size_t i = 0; i < sizeof sheet_writes / sizeof sheet_writes[0]; i++)
		sheet_write_check(app, ctx, &sheet_writes[i]);
}

void
rt_db_checks(const struct rt_ctx *ctx)
{
	char *conninfo = app_conninfo(ctx->env->dir);
	PGconn *app;
	char why[1024], buf[256];
	struct dbres r;

	if (conninfo == NULL) {
		rt_ok(0, "read the kura_app conninfo from %s/kurad.conf", ctx->env->dir);
		return;
	}
	app = PQconnectdb(conninfo);
	memset(conninfo, 0, strlen(conninfo));
	free(conninfo);
	if (PQstatus(app) != CONNECTION_OK) {
		rt_ok(0, "connect as kura_app: %s", PQerrorMessage(app));
		PQfinish(app);
		return;
	}
	r = as_actor(app, NULL, NULL, NULL, "SELECT current_user", 0, NULL);
	if (!rt_ok(!r.error && strcmp(r.text, "kura_app") == 0,
	           "the database layer connects as kura_app (the server's login role)"))
		rt_diag("  current_user: %s", r.error ? r.msg : r.text);

	/* 1. Every cell's case reads, as kurad would run them. */
	long long all[4] = { owner_count(ctx->owner, "cases"),
		             owner_count(ctx->owner, "case_items"),
		             owner_count(ctx->owner, "case_notes"),
		             owner_count(ctx->owner, "case_customers") };
	int disagree = 0;
	for (int i = 0; i < RT_NCELLS; i++) {
		const struct rt_cell *c = &ctx->cells[i];
		enum rt_outcome seen = cell_reads(app, ctx, c, all, why, sizeof why);

		if (!rt_ok(seen == c->want && why[0] == '\0',
		           "SQL as kura_%s for %s: case reads %s (server: %s)", rt_roles[c->role],
		           c->label, rt_outcome_name(c->want), rt_outcome_name(c->seen)))
			rt_diag("  database shows %s; %s", rt_outcome_name(seen), why);
		if (seen != c->seen) {
			disagree++;
			rt_diag("  %s: server %s, database %s", c->label, rt_outcome_name(c->seen),
			        rt_outcome_name(seen));
		}
	}
	rt_ok(disagree == 0,
	      "server and database agree on the case reads of all %d cells (%d "
	      "disagree)",
	      RT_NCELLS, disagree);

	/* 2. kura_app with no user set: every protected table is empty or refused. */
	for (size_t i = 0; i < NPROTECTED; i++) {
		const char *p[1] = { protected_tables[i] };
		protected_exists[i] = it_db_int(ctx->owner,
		                                "SELECT count(*) FROM pg_catalog.pg_class"
		                                " WHERE oid = to_regclass('kura.' || $1)",
		                                1, p) == 1;
	}
	for (size_t i = 0; i < NPROTECTED; i++) {
		char sql[128];

		if (!protected_exists[i])
			continue;
		snprintf(sql, sizeof sql, "SELECT count(*) FROM kura.%s", protected_tables[i]);
		r = as_actor(app, NULL, NULL, NULL, sql, 0, NULL);
		if (!rt_ok(empty_or_denied(&r), "kura_app with no user set reads kura.%s as empty",
		           protected_tables[i]))
			rt_diag("  got %s", show(&r, buf, sizeof buf));
	}
	/* Not even the acting role without a user, nor a user without the acting role. */
	for (int role = 0; role < RT_NROLES; role++) {
		char name[64];
		int bad = 0;
		why[0] = '\0';
		snprintf(name, sizeof name, "kura_%s", rt_roles[role]);
		for (int s = 0; s < RT_NSEGS; s++)
			bad += protected_visible(app, name, NULL, rt_segs[s], why, sizeof why);
		if (!rt_ok(bad == 0, "%s with no user set reads every protected table as empty",
		           name))
			rt_diag("  %s", why);
	}
	{
		const struct rt_cell *c = &ctx->cells[0]; /* operator @ call-centre */
		why[0] = '\0';
		if (!rt_ok(protected_visible(app, NULL, c->user_id, rt_segs[c->seg], why,
		                             sizeof why) == 0,
		           "kura_app with an operator's user id but no acting role reads every "
		           "protected table as empty")) {
			rt_diag("  %s", why);
			rt_diag(
			    "  suspected: kura_app is INHERIT, so it holds every kura_<role>'s "
			    "privileges without SET ROLE, and the policies that match only "
			    "kura.current_user_id() (replies_own, exports_read's own-request part) "
			    "do not check the acting role as kura.has_right() does");
		}
	}

	/* 3. Password hashes and sessions: not for kura_app, not for any acting role. */
	for (int role = -1; role < RT_NROLES; role++) {
		char name[64];
		const struct rt_cell *c = NULL;
		if (role >= 0) {
			snprintf(name, sizeof name, "kura_%s", rt_roles[role]);
			/* The role's own user on a segment where it may sign in, if any. */
			for (int s = 0; s < RT_NSEGS && c == NULL; s++)
				if (ctx->cells[(role * 2) * RT_NSEGS + s].want != RT_DENY)
					c = &ctx->cells[(role * 2) * RT_NSEGS + s];
			if (c == NULL)
				c = &ctx->cells[(role * 2) * RT_NSEGS];
		}
		const char *rn = role >= 0 ? name : NULL;
		const char *uid = c != NULL ? c->user_id : NULL;
		const char *seg = c != NULL ? rt_segs[c->seg] : NULL;
		struct dbres h = as_actor(app, rn, uid, seg,
		                          "SELECT count(password_hash) FROM kura.users", 0, NULL);
		struct dbres s =
		    as_actor(app, rn, uid, seg, "SELECT count(*) FROM kura.sessions", 0, NULL);
		char b2[256];
		if (!rt_ok(h.error && strcmp(h.state, DENIED) == 0 && s.error &&
		               strcmp(s.state, DENIED) == 0,
		           "%s%s cannot read kura.users.password_hash or kura.sessions",
		           role >= 0 ? name : "kura_app", role >= 0 ? " (with its user)" : ""))
			rt_diag("  password_hash: %s; sessions: %s", show(&h, buf, sizeof buf),
			        show(&s, b2, sizeof b2));
	}

	/* 4. The audit log is append-only for everyone. */
	static const char *const rewrites[3] = { "UPDATE kura.audit_log SET outcome = 'x'",
		                                 "DELETE FROM kura.audit_log",
		                                 "TRUNCATE kura.audit_log" };
	static const char *const verbs[3] = { "UPDATE", "DELETE", "TRUNCATE" };
	long long audit_before = owner_count(ctx->owner, "audit_log");
	for (int role = -1; role < RT_NROLES; role++) {
		char name[64];
		const struct rt_cell *c = NULL;
		if (role >= 0) {
			snprintf(name, sizeof name, "kura_%s", rt_roles[role]);
			for (int s = 0; s < RT_NSEGS && c == NULL; s++)
				if (ctx->cells[(role * 2) * RT_NSEGS + s].want != RT_DENY)
					c = &ctx->cells[(role * 2) * RT_NSEGS + s];
			if (c == NULL)
				c = &ctx->cells[(role * 2) * RT_NSEGS];
		}
		for (int k = 0; k < 3; k++) {
			r = as_actor(app, role >= 0 ? name : NULL, c ? c->user_id : NULL,
			             c ? rt_segs[c->seg] : NULL, rewrites[k], 0, NULL);
			if (!rt_ok(r.error && strcmp(r.state, DENIED) == 0,
			           "%s%s: %s on kura.audit_log is permission denied",
			           role >= 0 ? name : "kura_app",
			           role >= 0 ? " (with its user)" : "", verbs[k]))
				rt_diag("  got %s", r.error ? show(&r, buf, sizeof buf)
				                            : "success (rolled back)");
		}
	}
	rt_ok(owner_count(ctx->owner, "audit_log") >= audit_before,
	      "the audit log lost no row to the attempts");

	/* 5. The acting role must be the user's own role. */
	struct {
		int role, as_role, seg;
	} mismatch[] = {
		{ 1, 0, 0 }, /* kura_operator with a technician's id, call-centre */
		{ 1, 0, 1 }, /* ... tech-centre */
		{ 0, 1, 1 }, /* kura_technician with an operator's id, tech-centre */
		{ 0, 3, 0 }, /* kura_manager with an operator's id, call-centre */
		{ 3, 2, 1 }, /* kura_shipping with a manager's id, tech-centre */
		{ 5, 3, 2 }, /* kura_manager with an admin's id, management */
	};
	for (size_t i = 0; i < sizeof mismatch / sizeof mismatch[0]; i++) {
		const struct rt_cell *c = &ctx->cells[(mismatch[i].role * 2) * RT_NSEGS];
		const char *user_role = rt_roles[mismatch[i].role];
		char name[64];
		snprintf(name, sizeof name, "kura_%s", rt_roles[mismatch[i].as_role]);
		why[0] = '\0';
		if (!rt_ok(protected_visible(app, name, c->user_id, rt_segs[mismatch[i].seg], why,
		                             sizeof why) == 0,
		           "%s with %s %s's user id @ %s reads every protected table as empty",
		           name, article(user_role), user_role, rt_segs[mismatch[i].seg])) {
			rt_diag("  %s", why);
			rt_diag("  suspected: policies that match only kura.current_user_id() "
			        "(replies_own, exports_read's own-request part) do not check that "
			        "the acting role is the user's role, as kura.has_right() does");
		}
	}

	/* 6. A disabled user's id opens nothing, whatever its role. */
	if (ctx->disabled_id != NULL) {
		const char *p[1] = { ctx->disabled_id };
		char *state = it_db_text(
		    ctx->owner,
		    "SELECT role || CASE WHEN disabled_at IS NULL THEN ' f' ELSE ' t' END"
		    " FROM kura.users WHERE id = $1",
		    1, p);
		char role[40] = "", disabled[8] = "";
		if (state != NULL)
			sscanf(state, "%39s %7s", role, disabled);
		free(state);
		if (rt_ok(strcmp(disabled, "t") == 0,
		          "the target of the allowed user.disable is disabled")) {
			char name[64];
			int bad = 0;
			snprintf(name, sizeof name, "kura_%s", role);
			for (int s = 0; s < RT_NSEGS; s++) {
				r = as_actor(app, name, ctx->disabled_id, rt_segs[s],
				             "SELECT count(*) FROM kura.cases", 0, NULL);
				bad += !empty_or_denied(&r);
			}
			rt_ok(bad == 0, "a disabled %s's user id reads no case on any segment",
			      role);
		}
	}
	/* 7. The tables of the case sheet, the risk register and the incidents, read and
	 * written under each cell's acting role. */
	sheet_read_checks(app, ctx);
	incident_read_checks(app, ctx);
	sheet_write_checks(app, ctx);
	PQfinish(app);
}
