/* The database layer: one connection per worker, every statement prepared once per
 * connection from one named table, one function that judges every result. */
#ifndef KURA_DB_H
#define KURA_DB_H

#include <libpq-fe.h>
#include <stdbool.h>

/* The statements, named; their SQL is in db.c's table. */
enum db_stmt {
	STMT_SESSION_TOUCH,
	STMT_SESSION_CREATE,
	STMT_SESSION_DELETE,
	STMT_USER_BY_LOGIN,
	STMT_LOGIN_WAIT,
	STMT_LOGIN_FAILED,
	STMT_LOGIN_SUCCEEDED,
	STMT_RIGHTS,
	STMT_AUDIT_INSERT,
	STMT_AUDIT_INSERT_PII,
	STMT_EVENTS_NOTIFY,
	STMT_REPLY_GET,
	STMT_REPLY_PUT,
	STMT_CASE_CREATE,
	STMT_CASE_GET,
	STMT_CASE_GET_PII,
	STMT_CASE_LIST,
	STMT_CASE_LIST_PII,
	STMT_CASE_SEARCH,
	STMT_CASE_SEARCH_PII,
	STMT_ADMIN_USERS,
	STMT_ADMIN_USER_DISABLE,
	STMT_ADMIN_USER_SET_ROLE,
	STMT_ADMIN_SESSIONS,
	STMT_ADMIN_SESSION_KILL,
	STMT_EXPORT_REQUEST,
	STMT_EXPORT_STATE,
	STMT_EXPORT_APPROVE,
	STMT_EXPORT_RUN,
	STMT_EXPORT_DATA,
	STMT_EXPORT_LIST,
	/* ---- case sheet (casesheet.c) ---- */
	STMT_CS_STAMP,
	STMT_CS_CASE_STAGE,
	STMT_CS_SHEET_CASE,
	STMT_CS_SHEET_STAMPS,
	STMT_CS_NOTE_ADD,
	STMT_CS_NOTES_SEEN,
	STMT_CS_QUEUE,
	STMT_CS_QUEUE_PII,
	STMT_CS_REPLY,
	STMT_CS_SHIP,
	STMT_CS_CUSTODY_MOVE,
	STMT_CS_LEDGER_COUNTS,
	STMT_CS_LEDGER_ITEMS,
	STMT_CS_CUSTODY,
	STMT_CS_LOCATIONS,
	STMT_CS_LOCATION_ADD,
	STMT_CS_DEVICES,
	STMT_CS_DEVICE_ADD,
	STMT_CS_DEVICE_REPORT_DEVICES,
	STMT_CS_DEVICE_REPORT_CASES,
	STMT_CS_WORKLOG_ADD,
	STMT_CS_WORKLOG_LIST,
	STMT_CS_DOC_ISSUE,
	STMT_CS_DOC_APPROVE,
	STMT_CS_DOC_STATE,
	STMT_CS_DOC_LIST,
	STMT_CS_DOC_GET,

	/* ---- incidents (incidents.c) ---- */
	STMT_INCIDENT_CATEGORIES,
	STMT_INCIDENT_CATEGORY_ADD,
	STMT_INCIDENT_CREATE,
	STMT_INCIDENT_CASES_MISSING,
	STMT_INCIDENT_LINKS_ADD,
	STMT_INCIDENT_LINK_SET,
	STMT_INCIDENT_UNLINK,
	STMT_INCIDENT_LOCK,
	STMT_INCIDENT_CM_COUNTS,
	STMT_INCIDENT_CM_STATE,
	STMT_INCIDENT_TOUCH,
	STMT_INCIDENT_UPDATE,
	STMT_INCIDENT_TRANSITION,
	STMT_INCIDENT_REVIEW,
	STMT_INCIDENT_USER,
	STMT_INCIDENT_CM_ADD,
	STMT_INCIDENT_CM_UPDATE,
	STMT_INCIDENT_GET,
	STMT_INCIDENT_LINKS,
	STMT_INCIDENT_LINKS_PII,
	STMT_INCIDENT_CMS,
	STMT_INCIDENT_TIMELINE,
	STMT_INCIDENT_RISKS,
	STMT_INCIDENT_LIST,
	STMT_INCIDENT_DASH_CATEGORIES,
	STMT_INCIDENT_DASH_STATUSES,
	STMT_INCIDENT_OVERDUE,
	/* ---- risk register (risks.c) ---- */
	STMT_RISK_USER_ID,
	STMT_RISK_DAYS,
	STMT_RISK_CONTROLS_UNKNOWN,
	STMT_ASSET_CREATE,
	STMT_ASSET_UPDATE,
	STMT_ASSET_STATE,
	STMT_ASSET_GET,
	STMT_ASSET_RISKS,
	STMT_ASSET_LIST,
	STMT_RISK_CREATE,
	STMT_RISK_UPDATE,
	STMT_RISK_STATE,
	STMT_RISK_CONTROLS_SET,
	STMT_RISK_ACCEPT,
	STMT_RISK_REVIEW,
	STMT_RISK_GET,
	STMT_RISK_GET_CONTROLS,
	STMT_RISK_GET_REVIEWS,
	STMT_RISK_GET_SCORES,
	STMT_RISK_LIST,
	STMT_RISK_DUE,
	STMT_RISK_MATRIX,
	STMT_RISK_LEVELS,
	STMT_RISK_MATRIX_SET,
	STMT_RISK_CADENCE_SET,
	STMT_CONTROL_LIST,
	STMT_RISK_EXPORT,
	STMT_RISK_INCIDENT_EXISTS,
	STMT_RISK_INCIDENT_LINK,
	STMT_RISK_INCIDENT_UNLINK,
	STMT_RISK_GET_INCIDENTS,
	STMT_COUNT
};

struct db;

/* conninfo: borrowed, copied. Does not connect yet. */
struct db *db_new(const char *conninfo);
void db_free(struct db *db);

/* Makes sure the connection is up and its statements prepared; reconnects with backoff.
 * Returns 0, or ERR_UNAVAILABLE at once while the database is down (never blocks long). */
int db_ensure(struct db *db);

/* Transactions. A read transaction commits asynchronously (synchronous_commit off): a crash
 * may lose the last moments of read-audit rows, never a write. Statements outside a
 * transaction commit asynchronously too. Return 0 or an enum kura_err. */
int db_begin(struct db *db, bool write);
int db_commit(struct db *db);
void db_rollback(struct db *db);

/* Runs a prepared statement with text parameters (NULL for SQL NULL; as many as the table
 * says). On 0, *res is owned by the caller (PQclear). On error *res is NULL and the error is
 * logged (without parameter values or detail, which may hold personal data). */
int db_exec(struct db *db, enum db_stmt stmt, const char *const *params, PGresult **res);

/* The SQLSTATE of the last failed statement ("" if none), for handlers that map
 * a constraint to a specific answer. */
const char *db_last_sqlstate(const struct db *db);
/* The message of the last failed statement when kura's own schema raised it (it starts with
 * "kura: " and holds no user data), without that prefix; "" otherwise. */
const char *db_last_message(const struct db *db);

/* Appends s to a PostgreSQL text[] literal being built in buf (xmalloc'd, grown as needed). */
void db_array_add(char **buf, size_t *len, const char *s);
/* Closes the literal ("{}" for none). Returns *buf, owned by the caller. */
char *db_array_end(char **buf, size_t *len);

#endif
