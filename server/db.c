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
	/* $1 role, $2 segment, $3 temporary: the employees-only rights are left out for
	 * temporary staff, in the database (schema/002_access.sql). */
	[STMT_RIGHTS] = { "rights", 3, "SELECT kura.rights_of($1, $2, $3)" },
	[STMT_AUDIT_INSERT] = { "audit_insert", 8,
	                        "INSERT INTO kura.audit_log (user_id, session_id, segment, peer, op, object,"
	                        " outcome, request_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)" },
	/* Idempotency: $1 request id, $2 token hash. */
	/* Who saw whose personal data (schema/010_pii_reads.sql). */
	[STMT_PII_READ] = { "pii_read", 6,
	                    "INSERT INTO kura.pii_reads (user_id, session_id, segment, op, request_id, case_ids)"
	                    " VALUES ($1, $2, $3, $4, $5, $6::bigint[])" },
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
	/* The stamp: every check and effect in one function (schema/007_casesheet.sql). */
	[STMT_CS_STAMP] = { "cs_stamp", 8,
	                    "SELECT * FROM kura.case_stamp($1, $2, $3, $4, $5, $6, $7, $8)" },
	[STMT_CS_CASE_STAGE] = { "cs_case_stage", 1,
	                         "SELECT stage FROM kura.cases WHERE receipt = $1" },
	[STMT_CS_SHEET_CASE] = { "cs_sheet_case", 1,
	                         "SELECT c.id, c.receipt, c.stage,"
	                         " (SELECT b.device_id FROM kura.device_bindings b WHERE b.case_id = c.id"
	                         "  AND b.released_at IS NULL),"
	                         " c.reply_decision, c.reply_fax_date, ru.login, c.ship_address_confirmed,"
	                         " c.ship_carrier, c.ship_tracking, c.ship_repair, su.login, " TS_UTC(
	                             "c.ship_at") ","
	                                          " " TS_UTC(
	                                              "c.erasure_due") ", c.closed_at"
	                                                               " FROM kura.cases c LEFT JOIN kura.users ru ON ru.id = c.reply_by"
	                                                               " LEFT JOIN kura.users su ON su.id = c.ship_by WHERE c.receipt = $1" },
	[STMT_CS_SHEET_STAMPS] = { "cs_sheet_stamps", 1,
	                           "SELECT s.name, s.label, s.label_ja, " TS_UTC(
	                               "cs.at") ", u.login, u.display_name,"
	                                        " cs.segment, cs.remark, cs.outcome, cs.device"
	                                        " FROM kura.stages s LEFT JOIN kura.case_stamps cs ON cs.stage = s.name AND cs.case_id = $1"
	                                        " LEFT JOIN kura.users u ON u.id = cs.by_user"
	                                        " WHERE s.name <> 'closed' ORDER BY s.position" },
	[STMT_CS_NOTE_ADD] = { "cs_note_add", 4,
	                       "INSERT INTO kura.case_notes (case_id, author, segment, body)"
	                       " SELECT id, $2, $3, $4 FROM kura.cases WHERE receipt = $1 RETURNING id" },
	[STMT_CS_NOTES_SEEN] = { "cs_notes_seen", 2,
	                         "INSERT INTO kura.note_marks AS m (user_id, last_note_id) VALUES ($1, $2)"
	                         " ON CONFLICT (user_id) DO UPDATE"
	                         " SET last_note_id = GREATEST(m.last_note_id, EXCLUDED.last_note_id)" },
	/* Queues: $1 queue, $2 the user, $3 the user's segment. */
	[STMT_CS_QUEUE] = { "cs_queue", 3,
	                    "SELECT c.id, c.receipt, " TS_UTC(
	                        "c.received_at") ", c.stage, s.label, c.medium"
	                                         " FROM kura.cases c JOIN kura.stages s ON s.name = c.stage"
	                                         " WHERE CASE $1::text"
	                                         "  WHEN 'awaiting-reply' THEN c.stage = 'reply'"
	                                         "  WHEN 'awaiting-shipment' THEN c.stage = 'shipping'"
	                                         "  WHEN 'mine' THEN c.assigned_to = $2::bigint AND c.closed_at IS NULL"
	                                         "  WHEN 'erasure-due' THEN c.stage = 'erasure' AND c.erasure_due <= now()"
	                                         "  WHEN 'new-notes' THEN EXISTS (SELECT FROM kura.case_notes n WHERE n.case_id = c.id"
	                                         "   AND n.segment <> $3::text AND n.id > coalesce((SELECT m.last_note_id"
	                                         "   FROM kura.note_marks m WHERE m.user_id = $2::bigint), 0))"
	                                         "  ELSE false END"
	                                         " ORDER BY c.id DESC LIMIT 200" },
	[STMT_CS_QUEUE_PII] = { "cs_queue_pii", 3,
	                        "SELECT c.id, c.receipt, " TS_UTC(
	                            "c.received_at") ", c.stage, s.label, c.medium, cu.name"
	                                             " FROM kura.cases c JOIN kura.stages s ON s.name = c.stage"
	                                             " LEFT JOIN kura.case_customers cu ON cu.case_id = c.id"
	                                             " WHERE CASE $1::text"
	                                             "  WHEN 'awaiting-reply' THEN c.stage = 'reply'"
	                                             "  WHEN 'awaiting-shipment' THEN c.stage = 'shipping'"
	                                             "  WHEN 'mine' THEN c.assigned_to = $2::bigint AND c.closed_at IS NULL"
	                                             "  WHEN 'erasure-due' THEN c.stage = 'erasure' AND c.erasure_due <= now()"
	                                             "  WHEN 'new-notes' THEN EXISTS (SELECT FROM kura.case_notes n WHERE n.case_id = c.id"
	                                             "   AND n.segment <> $3::text AND n.id > coalesce((SELECT m.last_note_id"
	                                             "   FROM kura.note_marks m WHERE m.user_id = $2::bigint), 0))"
	                                             "  ELSE false END"
	                                             " ORDER BY c.id DESC LIMIT 200" },
	[STMT_CS_REPLY] = { "cs_reply", 4,
	                    "UPDATE kura.cases SET reply_decision = $2, reply_fax_date = $3::date, reply_by = $4,"
	                    " reply_at = now(), version = version + 1"
	                    " WHERE receipt = $1 AND stage = 'reply' RETURNING id" },
	[STMT_CS_SHIP] = { "cs_ship", 6,
	                   "UPDATE kura.cases SET ship_address_confirmed = $2, ship_carrier = $3, ship_tracking = $4,"
	                   " ship_repair = $5, ship_by = $6, ship_at = now(), version = version + 1"
	                   " WHERE receipt = $1 AND stage = 'shipping' RETURNING id" },
	[STMT_CS_CUSTODY_MOVE] = { "cs_custody_move", 3,
	                           "SELECT kura.custody_move(i.case_id, i.label, $2, $3) FROM kura.case_items i"
	                           " WHERE i.label = $1" },
	[STMT_CS_LEDGER_COUNTS] = { "cs_ledger_counts", 0,
	                            "SELECT l.name, l.label, l.label_ja, count(i.label) FROM kura.locations l"
	                            " LEFT JOIN kura.case_items i ON i.location = l.name"
	                            " WHERE l.held GROUP BY l.name, l.label, l.label_ja ORDER BY l.name" },
	[STMT_CS_LEDGER_ITEMS] = { "cs_ledger_items", 0,
	                           "SELECT i.label, c.receipt, i.kind, i.location, " TS_UTC(
	                               "i.location_since") ","
	                                                   " i.description FROM kura.case_items i JOIN kura.cases c ON c.id = i.case_id"
	                                                   " JOIN kura.locations l ON l.name = i.location"
	                                                   " WHERE l.held ORDER BY i.location, i.label LIMIT 10000" },
	[STMT_CS_CUSTODY] = { "cs_custody", 1,
	                      "SELECT e.label, " TS_UTC(
	                          "e.at") ", u.display_name, e.from_location, e.to_location,"
	                                  " e.reason FROM kura.custody_events e JOIN kura.cases c ON c.id = e.case_id"
	                                  " JOIN kura.users u ON u.id = e.by_user WHERE c.receipt = $1 ORDER BY e.id" },
	[STMT_CS_LOCATIONS] = { "cs_locations", 0,
	                        "SELECT name, label, label_ja, held FROM kura.locations ORDER BY name" },
	[STMT_CS_LOCATION_ADD] = { "cs_location_add", 3,
	                           "INSERT INTO kura.locations (name, label, label_ja) VALUES ($1, $2, coalesce($3, ''))" },
	[STMT_CS_DEVICES] = { "cs_devices", 0,
	                      "SELECT d.id, d.label, d.kind, d.active, c.receipt, " TS_UTC(
	                          "b.bound_at") " FROM kura.devices d"
	                                        " LEFT JOIN kura.device_bindings b ON b.device_id = d.id AND b.released_at IS NULL"
	                                        " LEFT JOIN kura.cases c ON c.id = b.case_id ORDER BY d.id" },
	[STMT_CS_DEVICE_ADD] = { "cs_device_add", 3,
	                         "INSERT INTO kura.devices (id, label, kind) VALUES ($1, $2, $3)" },
	/* Occupancy: bound hours per device; man-hours per case from the work logs. */
	[STMT_CS_DEVICE_REPORT_DEVICES] = { "cs_device_report_devices", 0,
	                                    "SELECT d.id, d.label, count(b.id),"
	                                    " round(coalesce(sum(extract(epoch FROM coalesce(b.released_at, now()) - b.bound_at)),"
	                                    " 0) / 3600.0, 1)"
	                                    " FROM kura.devices d LEFT JOIN kura.device_bindings b ON b.device_id = d.id"
	                                    " GROUP BY d.id, d.label ORDER BY d.id" },
	[STMT_CS_DEVICE_REPORT_CASES] = { "cs_device_report_cases", 0,
	                                  "SELECT c.receipt, sum(w.minutes), string_agg(DISTINCT u.display_name, ', ')"
	                                  " FROM kura.work_logs w JOIN kura.cases c ON c.id = w.case_id"
	                                  " JOIN kura.users u ON u.id = w.by_user"
	                                  " GROUP BY c.id, c.receipt ORDER BY c.id DESC LIMIT 500" },
	[STMT_CS_WORKLOG_ADD] = { "cs_worklog_add", 5,
	                          "INSERT INTO kura.work_logs (case_id, by_user, kind, minutes, body)"
	                          " SELECT id, $2, $3, $4, $5 FROM kura.cases WHERE receipt = $1 RETURNING id" },
	[STMT_CS_WORKLOG_LIST] = { "cs_worklog_list", 1,
	                           "SELECT w.id, " TS_UTC(
	                               "w.at") ", u.display_name, w.kind, w.minutes, w.body"
	                                       " FROM kura.work_logs w JOIN kura.cases c ON c.id = w.case_id"
	                                       " JOIN kura.users u ON u.id = w.by_user WHERE c.receipt = $1 ORDER BY w.id" },
	/* A new version of a document; the hash is the database's own (a CHECK holds it). */
	[STMT_CS_DOC_ISSUE] = { "cs_doc_issue", 4,
	                        "INSERT INTO kura.documents (case_id, kind, version, content, sha256, issued_by)"
	                        " SELECT c.id, $2, coalesce((SELECT max(d.version) FROM kura.documents d"
	                        "  WHERE d.case_id = c.id AND d.kind = $2), 0) + 1,"
	                        " $3, sha256(convert_to($3, 'UTF8')), $4 FROM kura.cases c WHERE c.receipt = $1"
	                        " RETURNING version, encode(sha256, 'hex')" },
	[STMT_CS_DOC_APPROVE] = { "cs_doc_approve", 4,
	                          "UPDATE kura.documents d SET approved_by = $4, approved_at = now()"
	                          " FROM kura.cases c WHERE c.id = d.case_id AND c.receipt = $1 AND d.kind = $2"
	                          " AND d.version = $3 AND d.approved_by IS NULL AND d.issued_by <> $4"
	                          " RETURNING d.version" },
	[STMT_CS_DOC_STATE] = { "cs_doc_state", 3,
	                        "SELECT d.issued_by, d.approved_by IS NOT NULL FROM kura.documents d"
	                        " JOIN kura.cases c ON c.id = d.case_id"
	                        " WHERE c.receipt = $1 AND d.kind = $2 AND d.version = $3" },
	[STMT_CS_DOC_LIST] = { "cs_doc_list", 1,
	                       "SELECT d.kind, d.version, encode(d.sha256, 'hex'), iu.display_name, " TS_UTC("d.issued_at") ", au.display_name, " TS_UTC(
	                           "d.approved_at") " FROM kura.documents d JOIN kura.cases c ON c.id = d.case_id"
	                                            " JOIN kura.users iu ON iu.id = d.issued_by LEFT JOIN kura.users au ON au.id = d.approved_by"
	                                            " WHERE c.receipt = $1 ORDER BY d.kind, d.version" },
	[STMT_CS_DOC_GET] = { "cs_doc_get", 3,
	                      "SELECT d.kind, d.version, d.content, encode(d.sha256, 'hex'), iu.display_name, " TS_UTC(
	                          "d.issued_at") ", au.display_name, " TS_UTC("d.approved_at") " FROM kura.documents d JOIN kura.cases c ON c.id = d.case_id"
	                                                                                       " JOIN kura.users iu ON iu.id = d.issued_by LEFT JOIN kura.users au ON au.id = d.approved_by"
	                                                                                       " WHERE c.receipt = $1 AND d.kind = $2 AND ($3::int IS NULL OR d.version = $3::int)"
	                                                                                       " ORDER BY d.version DESC LIMIT 1" },
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
	char message[256];
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

	const char *primary = res != NULL ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;

	snprintf(db->sqlstate, sizeof db->sqlstate, "%s", state != NULL ? state : "");
	/* Only our own raises pass: PostgreSQL's messages may quote values (personal data). */
	snprintf(db->message, sizeof db->message, "%s",
	         primary != NULL && strncmp(primary, "kura: ", 6) == 0 ? primary + 6 : "");
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
	else if (strcmp(state, "55000") == 0) /* object not in prerequisite state */
		err = ERR_INVALID_STATE;
	else if (strcmp(state, "P0002") == 0) /* no data found */
		err = ERR_NOT_FOUND;
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
		db->message[0] = '\0';
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

const char *
db_last_message(const struct db *db)
{
	return db->message;
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
