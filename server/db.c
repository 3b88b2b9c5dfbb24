/* The database layer: connections, the statement table, transactions, result judgement. */
#include "config.h"

#include "db.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "err.h"
#include "log.h"
#include "xmalloc.h"

#define TS_UTC(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

/* ============================== statement table ============================== */

/* clang-format off: one statement per entry, SQL as it reads. */
static const struct db_statement {
	const char *name;
	int nparams;
	const char *sql;
} db_statements[STMT_COUNT] = {
	/* Signing in and sessions go through functions (schema/002_access.sql). */
	[STMT_SESSION_TOUCH] = { "session_touch", 4,
	                         "SELECT * FROM kura.session_touch($1, $2, $3, $4)" },
	[STMT_SESSION_CREATE] = { "session_create", 4, "SELECT kura.session_open($1, $2, $3, $4)" },
	[STMT_SESSION_DELETE] = { "session_delete", 1, "SELECT kura.session_close($1)" },
	[STMT_USER_BY_LOGIN] = { "user_by_login", 1, "SELECT * FROM kura.login_user($1)" },
	/* From here on the request runs as the user's database role, which RLS and grants
	 * hold to the same scope as kurad: $1 role, $2 user id, $3 segment. */
	[STMT_SET_ACTOR] = { "set_actor", 3,
	                     "SELECT set_config('role', 'kura_' || $1, true),"
	                     " set_config('kura.user_id', $2, true), set_config('kura.segment', $3, true)" },
	/* Login protection (schema/004_login_guard.sql): $1 account key, $2 peer key. */
	[STMT_LOGIN_WAIT] = { "login_wait", 2, "SELECT kura.login_wait($1, $2)" },
	[STMT_LOGIN_FAILED] = { "login_failed", 2, "SELECT kura.login_failed($1, $2)" },
	[STMT_LOGIN_SUCCEEDED] = { "login_succeeded", 1, "SELECT kura.login_succeeded($1)" },
	[STMT_RIGHTS] = { "rights", 2,
	                  "SELECT array_to_string(ARRAY(SELECT permission FROM kura.role_segment_permissions"
	                  " WHERE role = $1 AND segment = $2 ORDER BY 1), ',')" },
	[STMT_AUDIT_INSERT] = { "audit_insert", 8,
	                        "INSERT INTO kura.audit_log (user_id, session_id, segment, peer, op, object,"
	                        " outcome, request_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)" },
	/* Idempotency: $1 request id, $2 token hash. */
	[STMT_REPLY_GET] = { "reply_get", 2,
	                     "SELECT user_id, op, object, reply, same_token FROM kura.reply_find($1, $2)" },
	[STMT_REPLY_PUT] = { "reply_put", 6,
	                     "INSERT INTO kura.request_replies (request_id, token_hash, user_id, op, object, reply)"
	                     " VALUES ($1, $2, $3, $4, $5, $6)" },
	/* Intake in one round trip: receipt number, case, customer, items, first note. */
	[STMT_CASE_CREATE] = { "case_create", 10,
	                       "WITH r AS (INSERT INTO kura.receipt_counters AS rc (period, last)"
	                       "  VALUES (to_char(now() AT TIME ZONE 'UTC', 'YYMM'), 1)"
	                       "  ON CONFLICT (period) DO UPDATE SET last = rc.last + 1"
	                       "  RETURNING rc.period || '-' ||"
	                       "  lpad(rc.last::text, greatest(5, length(rc.last::text)), '0') AS receipt),"
	                       " c AS (INSERT INTO kura.cases (receipt, medium, created_by)"
	                       "  SELECT r.receipt, $1, $2 FROM r RETURNING id, receipt),"
	                       " cu AS (INSERT INTO kura.case_customers (case_id, name, phone, email, address)"
	                       "  SELECT c.id, $3, $4, $5, $6 FROM c),"
	                       " it AS (INSERT INTO kura.case_items (case_id, seq, label, kind, description)"
	                       "  SELECT c.id, t.ord, c.receipt || '-' || lpad(t.ord::text, 2, '0'), t.kind, t.descr"
	                       "  FROM c, unnest($7::text[], $8::text[]) WITH ORDINALITY AS t(kind, descr, ord)"
	                       "  RETURNING label),"
	                       " n AS (INSERT INTO kura.case_notes (case_id, author, segment, body)"
	                       "  SELECT c.id, $2, $9, $10 FROM c WHERE $10::text IS NOT NULL)"
	                       " SELECT c.receipt, (SELECT string_agg(it.label, ',' ORDER BY it.label) FROM it)"
	                       " FROM c" },
	[STMT_CASE_GET] = { "case_get", 1,
	                    "SELECT c.id, c.receipt, " TS_UTC(
	                        "c.received_at") ", c.stage, s.label, c.medium,"
	                                         " u.login FROM kura.cases c JOIN kura.stages s ON s.name = c.stage"
	                                         " JOIN kura.users u ON u.id = c.created_by WHERE c.receipt = $1" },
	[STMT_CASE_GET_PII] = { "case_get_pii", 1,
	                        "SELECT c.id, c.receipt, " TS_UTC(
	                            "c.received_at") ", c.stage, s.label, c.medium,"
	                                             " u.login, cu.name, cu.phone, cu.email, cu.address"
	                                             " FROM kura.cases c JOIN kura.stages s ON s.name = c.stage"
	                                             " JOIN kura.users u ON u.id = c.created_by"
	                                             " LEFT JOIN kura.case_customers cu ON cu.case_id = c.id WHERE c.receipt = $1" },
	[STMT_CASE_ITEMS] = { "case_items", 1,
	                      "SELECT label, kind, description FROM kura.case_items WHERE case_id = $1"
	                      " ORDER BY seq" },
	[STMT_CASE_NOTES] = { "case_notes", 1,
	                      "SELECT " TS_UTC(
	                          "n.at") ", u.display_name, n.segment, n.body"
	                                  " FROM kura.case_notes n JOIN kura.users u ON u.id = n.author"
	                                  " WHERE n.case_id = $1 ORDER BY n.id" },
	/* Keyset pages, newest first. $1 stage, $2 after (id), $3 ILIKE pattern, $4 limit. */
	[STMT_CASE_LIST] = { "case_list", 4,
	                     "SELECT c.id, c.receipt, " TS_UTC(
	                         "c.received_at") ", c.stage, s.label, c.medium"
	                                          " FROM kura.cases c JOIN kura.stages s ON s.name = c.stage"
	                                          " WHERE ($1::text IS NULL OR c.stage = $1) AND ($2::bigint IS NULL OR c.id < $2)"
	                                          " AND ($3::text IS NULL OR c.receipt ILIKE $3 OR c.medium ILIKE $3"
	                                          "  OR EXISTS (SELECT FROM kura.case_notes n WHERE n.case_id = c.id"
	                                          "  AND n.body ILIKE $3))"
	                                          " ORDER BY c.id DESC LIMIT $4" },
	[STMT_CASE_LIST_PII] = { "case_list_pii", 4,
	                         "SELECT c.id, c.receipt, " TS_UTC(
	                             "c.received_at") ", c.stage, s.label, c.medium,"
	                                              " cu.name FROM kura.cases c JOIN kura.stages s ON s.name = c.stage"
	                                              " LEFT JOIN kura.case_customers cu ON cu.case_id = c.id"
	                                              " WHERE ($1::text IS NULL OR c.stage = $1) AND ($2::bigint IS NULL OR c.id < $2)"
	                                              " AND ($3::text IS NULL OR c.receipt ILIKE $3 OR c.medium ILIKE $3"
	                                              "  OR cu.name ILIKE $3 OR cu.phone ILIKE $3"
	                                              "  OR EXISTS (SELECT FROM kura.case_notes n WHERE n.case_id = c.id"
	                                              "  AND n.body ILIKE $3))"
	                                              " ORDER BY c.id DESC LIMIT $4" },
	/* Administration (schema/005_events_admin.sql); the functions check user.admin too. */
	[STMT_ADMIN_USERS] = { "admin_users", 0, "SELECT * FROM kura.admin_users()" },
	[STMT_ADMIN_USER_DISABLE] = { "admin_user_disable", 1,
	                              "SELECT kura.admin_user_disable($1)" },
	[STMT_ADMIN_USER_SET_ROLE] = { "admin_user_set_role", 2,
	                               "SELECT kura.admin_user_set_role($1, $2)" },
	[STMT_ADMIN_SESSIONS] = { "admin_sessions", 0,
	                          "SELECT id, login, role, segment, peer, " TS_UTC(
	                              "created_at") ","
	                                            " " TS_UTC(
	                                                "last_seen") " FROM kura.admin_sessions()" },
	[STMT_ADMIN_SESSION_KILL] = { "admin_session_kill", 1,
	                              "SELECT kura.admin_session_kill($1)" },
	/* Two-person export (schema/006_exports.sql). A request is taken only when every
	 * receipt number exists. */
	[STMT_EXPORT_REQUEST] = { "export_request", 4,
	                          "INSERT INTO kura.export_requests (requested_by, segment, receipts, reason)"
	                          " SELECT $1, $2, $3::text[], $4"
	                          " WHERE (SELECT count(DISTINCT c.receipt) FROM kura.cases c"
	                          "  WHERE c.receipt = ANY($3::text[]))"
	                          " = (SELECT count(DISTINCT x) FROM unnest($3::text[]) x)"
	                          " RETURNING id" },
	[STMT_EXPORT_STATE] = { "export_state", 1,
	                        "SELECT requested_by, approved_by IS NOT NULL, used_at IS NOT NULL"
	                        " FROM kura.export_requests WHERE id = $1" },
	/* One approval wins: a parallel one finds approved_by set and gets no row. */
	[STMT_EXPORT_APPROVE] = { "export_approve", 3,
	                          "UPDATE kura.export_requests e SET approved_by = $1, approved_at = now(),"
	                          " expires_at = now() + make_interval(secs => $3)"
	                          " WHERE e.id = $2 AND e.approved_by IS NULL AND e.requested_by <> $1"
	                          " RETURNING (SELECT u.login FROM kura.users u WHERE u.id = e.requested_by),"
	                          " " TS_UTC("e.expires_at") },
	[STMT_EXPORT_RUN] = { "export_run", 2,
	                      "UPDATE kura.export_requests e SET used_at = now()"
	                      " WHERE e.id = $1 AND e.requested_by = $2 AND e.approved_by IS NOT NULL"
	                      " AND e.used_at IS NULL AND e.expires_at > now()"
	                      " RETURNING e.receipts, (SELECT u.login FROM kura.users u WHERE u.id = e.approved_by)" },
	[STMT_EXPORT_DATA] = { "export_data", 1,
	                       "SELECT c.receipt, " TS_UTC(
	                           "c.received_at") ", cu.name, coalesce(cu.phone, ''),"
	                                            " coalesce(cu.email, ''), coalesce(cu.address, '')"
	                                            " FROM kura.cases c JOIN kura.case_customers cu ON cu.case_id = c.id"
	                                            " WHERE c.receipt = ANY($1::text[]) ORDER BY c.receipt" },
	[STMT_EXPORT_LIST] = { "export_list", 0,
	                       "SELECT e.id, u.login, e.reason, cardinality(e.receipts),"
	                       " " TS_UTC("e.requested_at") ", a.login, " TS_UTC(
	                           "e.expires_at") ","
	                                           " " TS_UTC(
	                                               "e.used_at") " FROM kura.export_requests e JOIN kura.users u ON u.id = e.requested_by"
	                                                            " LEFT JOIN kura.users a ON a.id = e.approved_by ORDER BY e.id DESC LIMIT 100" },
	/* ---- case sheet (casesheet.c) ---- */
	/* ---- incidents (incidents.c) ---- */
	/* ---- risk register (risks.c) ---- */
};
/* clang-format on */

/* ============================== connection ============================== */

#define DB_BACKOFF_MIN_MS 100
#define DB_BACKOFF_MAX_MS 5000

struct db {
	char *conninfo;
	PGconn *conn;
	int backoff_ms;
	struct timespec next_attempt;
	char sqlstate[6];
};

struct db *
db_new(const char *conninfo)
{
	struct db *db = xcalloc(1, sizeof *db);

	/* A database host that does not answer must not hold a worker for long. */
	db->conninfo = strstr(conninfo, "connect_timeout") != NULL
	                   ? xstrdup(conninfo)
	                   : xasprintf("%s connect_timeout=5", conninfo);
	return db;
}

void
db_free(struct db *db)
{
	if (db == NULL)
		return;
	if (db->conn != NULL)
		PQfinish(db->conn);
	/* The conninfo may hold a password. */
	memset(db->conninfo, 0, strlen(db->conninfo));
	free(db->conninfo);
	free(db);
}

static int
db_prepare_all(struct db *db)
{
	PGresult *res = PQexec(db->conn, "SET search_path = ''");
	int ok = PQresultStatus(res) == PGRES_COMMAND_OK;

	PQclear(res);
	for (int i = 0; ok && i < STMT_COUNT; i++) {
		const struct db_statement *st = &db_statements[i];

		res = PQprepare(db->conn, st->name, st->sql, st->nparams, NULL);
		if (PQresultStatus(res) != PGRES_COMMAND_OK) {
			log_error("database: cannot prepare %s: %s", st->name,
			          PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY));
			ok = 0;
		}
		PQclear(res);
	}
	return ok ? 0 : ERR_UNAVAILABLE;
}

static bool
db_time_before(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

int
db_ensure(struct db *db)
{
	struct timespec now;

	if (db->conn != NULL && PQstatus(db->conn) == CONNECTION_OK)
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (db->conn != NULL) {
		/* Lost while in use: try again at once, then back off. */
		log_warn("database: connection lost, reconnecting");
		PQfinish(db->conn);
		db->conn = NULL;
		db->next_attempt = now;
	}
	if (db_time_before(&now, &db->next_attempt))
		return ERR_UNAVAILABLE;
	db->conn = PQconnectdb(db->conninfo);
	if (PQstatus(db->conn) == CONNECTION_OK && db_prepare_all(db) == 0) {
		db->backoff_ms = 0;
		return 0;
	}
	if (PQstatus(db->conn) != CONNECTION_OK)
		log_warn("database: cannot connect: %s", PQerrorMessage(db->conn));
	PQfinish(db->conn);
	db->conn = NULL;
	db->backoff_ms = db->backoff_ms == 0 ? DB_BACKOFF_MIN_MS : db->backoff_ms * 2;
	if (db->backoff_ms > DB_BACKOFF_MAX_MS)
		db->backoff_ms = DB_BACKOFF_MAX_MS;
	db->next_attempt = now;
	db->next_attempt.tv_sec += db->backoff_ms / 1000;
	db->next_attempt.tv_nsec += (long)(db->backoff_ms % 1000) * 1000000L;
	if (db->next_attempt.tv_nsec >= 1000000000L) {
		db->next_attempt.tv_sec++;
		db->next_attempt.tv_nsec -= 1000000000L;
	}
	return ERR_UNAVAILABLE;
}

/* ============================== results ============================== */

/* Converts a failed result to an enum kura_err, once, here. */
static int
db_judge(struct db *db, const char *what, PGresult *res)
{
	const char *state = res != NULL ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *constraint =
	    res != NULL ? PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME) : NULL;
	int err;

	snprintf(db->sqlstate, sizeof db->sqlstate, "%s", state != NULL ? state : "");
	if (PQstatus(db->conn) != CONNECTION_OK || state == NULL || strncmp(state, "08", 2) == 0 ||
	    strncmp(state, "57P", 3) == 0)
		err = ERR_UNAVAILABLE;
	else if (strcmp(state, "23505") == 0 || strcmp(state, "40001") == 0 ||
	         strcmp(state, "40P01") == 0 || strcmp(state, "23P01") == 0)
		err = ERR_CONFLICT;
	else if (strncmp(state, "23", 2) == 0 || strncmp(state, "22", 2) == 0)
		err = ERR_BAD_REQUEST;
	else if (strcmp(state, "42501") == 0)
		err = ERR_FORBIDDEN;
	else
		err = ERR_INTERNAL;
	/* Never the message or detail: they can quote the values, which may be personal data. */
	if (err == ERR_INTERNAL || err == ERR_UNAVAILABLE)
		log_error("database: %s failed: SQLSTATE %s%s%s", what,
		          state != NULL ? state : "(connection)", constraint ? " constraint " : "",
		          constraint ? constraint : "");
	else
		log_debug("database: %s refused: SQLSTATE %s%s%s", what, state,
		          constraint ? " constraint " : "", constraint ? constraint : "");
	return err;
}

int
db_exec(struct db *db, enum db_stmt stmt, const char *const *params, PGresult **res)
{
	const struct db_statement *st = &db_statements[stmt];
	PGresult *r = PQexecPrepared(db->conn, st->name, st->nparams, params, NULL, NULL, 0);
	ExecStatusType status = PQresultStatus(r);

	*res = NULL;
	if (status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK) {
		db->sqlstate[0] = '\0';
		*res = r;
		return 0;
	}
	int err = db_judge(db, st->name, r);
	PQclear(r);
	return err;
}

const char *
db_last_sqlstate(const struct db *db)
{
	return db->sqlstate;
}

static int
db_command(struct db *db, const char *sql, const char *expect_status)
{
	PGresult *res = PQexec(db->conn, sql);
	int rc = 0;

	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		rc = db_judge(db, sql, res);
	else if (expect_status != NULL && strcmp(PQcmdStatus(res), expect_status) != 0)
		rc = ERR_CONFLICT; /* COMMIT of a failed transaction answers ROLLBACK */
	PQclear(res);
	return rc;
}

int
db_begin(struct db *db, bool write)
{
	return db_command(db, write ? "BEGIN" : "BEGIN; SET LOCAL synchronous_commit = off", NULL);
}

int
db_commit(struct db *db)
{
	return db_command(db, "COMMIT", "COMMIT");
}

void
db_rollback(struct db *db)
{
	if (PQstatus(db->conn) == CONNECTION_OK && PQtransactionStatus(db->conn) != PQTRANS_IDLE)
		(void)db_command(db, "ROLLBACK", NULL);
}

/* ============================== array literals ============================== */

void
db_array_add(char **buf, size_t *len, const char *s)
{
	size_t need = *len + 2 * strlen(s) + 4;

	*buf = xrealloc(*buf, need + 2);
	char *p = *buf + *len;
	*p++ = *len == 0 ? '{' : ',';
	*p++ = '"';
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			*p++ = '\\';
		*p++ = *s;
	}
	*p++ = '"';
	*len = (size_t)(p - *buf);
}

char *
db_array_end(char **buf, size_t *len)
{
	if (*len == 0) {
		*buf = xrealloc(*buf, 3);
		memcpy(*buf, "{}", 3);
		*len = 2;
		return *buf;
	}
	(*buf)[(*len)++] = '}';
	(*buf)[*len] = '\0';
	return *buf;
}
