/* The database layer of the rights matrix: the reads behind case.get and case.list, run again
 * as raw SQL under each acting role exactly as kurad sets it up (kura_app, then in the
 * transaction role kura_<role>, kura.user_id and kura.segment), must agree with rights.tsv
 * and with what the server answered; with no user set every protected table reads as empty;
 * kura_app never reads password hashes or sessions; nobody rewrites the audit log; and the
 * acting role must be the user's own role. */
#include "config.h"

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

static const char *const protected_tables[] = { "cases",          "case_items", "case_notes",
	                                        "case_customers", "audit_log",  "export_requests",
	                                        "request_replies" };
#define NPROTECTED (sizeof protected_tables / sizeof protected_tables[0])

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
		char sql[128];
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
	PQfinish(app);
}
