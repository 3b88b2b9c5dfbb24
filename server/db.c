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
/* The items and notes of the case k of case.get, padded to its width (STMT_CASE_GET). */
#define CASE_GET_PARTS(item_pad, note_pad)                                                         \
	" UNION ALL SELECT 'i', i.seq, i.label, i.kind, i.description" item_pad                    \
	" FROM kura.case_items i JOIN k ON i.case_id = k.id"                                       \
	" UNION ALL SELECT 'n', n.id, n.id::text, " TS_UTC(                                        \
	    "n.at") ", u.display_name, n.segment,"                                                 \
	            " n.body" note_pad " FROM kura.case_notes n JOIN k ON n.case_id = k.id"        \
	            " JOIN kura.users u ON u.id = n.author ORDER BY 1, 2"

/* ============================== statement table ============================== */

/* clang-format off */
/* One statement per entry, SQL as it reads. */
static const struct db_statement {
	const char *name;
	int nparams;
	const char *sql;
	/* Planned anew for its parameters at every run, never with a generic plan: for a
	 * statement whose best plan depends on which filters are given (case.list). */
	bool custom_plan;
} db_statements[STMT_COUNT] = {
	/* Signing in and sessions go through functions (schema/002_access.sql). */
	/* A live session, and from here on the request runs as the user's database role, which
	 * RLS and grants hold to the same scope as kurad: in one round trip. */
	[STMT_SESSION_TOUCH] = { "session_touch", 4,
		"SELECT t.*, set_config('role', 'kura_' || t.role, true),"
		" set_config('kura.user_id', t.user_id::text, true),"
		" set_config('kura.segment', $2, true)"
		" FROM kura.session_touch($1, $2, $3, $4) t" },
	[STMT_SESSION_CREATE] = { "session_create", 4, "SELECT kura.session_open($1, $2, $3, $4)" },
	[STMT_SESSION_DELETE] = { "session_delete", 1, "SELECT kura.session_close($1)" },
	[STMT_USER_BY_LOGIN] = { "user_by_login", 1, "SELECT * FROM kura.login_user($1)" },
	/* Login protection (schema/004_login_guard.sql): $1 account key, $2 peer key. */
	[STMT_LOGIN_WAIT] = { "login_wait", 2, "SELECT kura.login_wait($1, $2)" },
	[STMT_LOGIN_FAILED] = { "login_failed", 2, "SELECT kura.login_failed($1, $2)" },
	[STMT_LOGIN_SUCCEEDED] = { "login_succeeded", 1, "SELECT kura.login_succeeded($1)" },
	/* $1 role, $2 segment, $3 temporary: the employees-only rights are left out for
	 * temporary staff, in the database (schema/002_access.sql). */
	[STMT_RIGHTS] = { "rights", 3, "SELECT kura.rights_of($1, $2, $3)" },
	/* The request's audit row, the last statement before COMMIT; it returns the change
	 * events the transaction collected (schema/014_deferred_events.sql). */
	[STMT_AUDIT_INSERT] = { "audit_insert", 8,
		"WITH a AS (INSERT INTO kura.audit_log (user_id, session_id, segment, peer, op,"
		"  object, outcome, request_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8))"
		" SELECT pg_catalog.current_setting('kura.events', true)" },
	/* The same, and who saw whose personal data (schema/010_pii_reads.sql): $9 the cases. */
	[STMT_AUDIT_INSERT_PII] = { "audit_insert_pii", 9,
		"WITH p AS (INSERT INTO kura.pii_reads (user_id, session_id, segment, op, request_id,"
		"  case_ids) VALUES ($1, $2, $3, $5, $8, $9::bigint[])),"
		" a AS (INSERT INTO kura.audit_log (user_id, session_id, segment, peer, op, object,"
		"  outcome, request_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8))"
		" SELECT pg_catalog.current_setting('kura.events', true)" },
	/* After the commit, outside any transaction: $1 the events, one per line. */
	[STMT_EVENTS_NOTIFY] = { "events_notify", 1,
		"SELECT pg_catalog.pg_notify('kura_events', e)"
		" FROM pg_catalog.unnest(pg_catalog.string_to_array($1, E'\\n')) e WHERE e <> ''" },
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
	/* case.get in one round trip, $1 the receipt: the case (part 'c'), its items ('i', by
	 * seq) and its notes ('n', by id), in that order; values from the third column on. The
	 * case: id, receipt, received_at, stage, stage label, medium, created_by (and name,
	 * phone, email, address); an item: label, kind, description; a note: id, at, author,
	 * segment, body; each padded with NULLs to the case's width. */
	[STMT_CASE_GET] = { "case_get", 1,
		"WITH k AS (SELECT c.id, c.receipt, " TS_UTC("c.received_at") " AS received,"
		"  c.stage, s.label, c.medium, u.login FROM kura.cases c"
		"  JOIN kura.stages s ON s.name = c.stage JOIN kura.users u ON u.id = c.created_by"
		"  WHERE c.receipt = $1)"
		" SELECT 'c', 0::bigint, k.id::text, k.receipt, k.received, k.stage, k.label,"
		" k.medium, k.login FROM k"
		CASE_GET_PARTS(", NULL, NULL, NULL, NULL", ", NULL, NULL") },
	[STMT_CASE_GET_PII] = { "case_get_pii", 1,
		"WITH k AS (SELECT c.id, c.receipt, " TS_UTC("c.received_at") " AS received,"
		"  c.stage, s.label, c.medium, u.login, cu.name, cu.phone, cu.email, cu.address"
		"  FROM kura.cases c JOIN kura.stages s ON s.name = c.stage"
		"  JOIN kura.users u ON u.id = c.created_by"
		"  LEFT JOIN kura.case_customers cu ON cu.case_id = c.id WHERE c.receipt = $1)"
		" SELECT 'c', 0::bigint, k.id::text, k.receipt, k.received, k.stage, k.label,"
		" k.medium, k.login, k.name, k.phone, k.email, k.address FROM k"
		CASE_GET_PARTS(", NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL",
		               ", NULL, NULL, NULL, NULL, NULL, NULL") },
	/* Keyset pages, newest first. $1 stage, $2 after (id), $3 limit.
	 * Planned for the filters given (custom_plan): a generic plan cannot use the stage index
	 * for "$1 IS NULL OR stage = $1" and walks the whole table for a rare stage. */
	[STMT_CASE_LIST] = { "case_list", 3,
		"SELECT c.id, c.receipt, " TS_UTC("c.received_at") ", c.stage, s.label, c.medium"
		" FROM kura.cases c JOIN kura.stages s ON s.name = c.stage"
		" WHERE ($1::text IS NULL OR c.stage = $1) AND ($2::bigint IS NULL OR c.id < $2)"
		" ORDER BY c.id DESC LIMIT $3", true },
	[STMT_CASE_LIST_PII] = { "case_list_pii", 3,
		"SELECT c.id, c.receipt, " TS_UTC("c.received_at") ", c.stage, s.label, c.medium,"
		" cu.name FROM kura.cases c JOIN kura.stages s ON s.name = c.stage"
		" LEFT JOIN kura.case_customers cu ON cu.case_id = c.id"
		" WHERE ($1::text IS NULL OR c.stage = $1) AND ($2::bigint IS NULL OR c.id < $2)"
		" ORDER BY c.id DESC LIMIT $3", true },
	/* The same pages with a search term: kura.case_search() finds the page's ids
	 * (schema/012_search.sql), the cases are read under their policies. In a subquery, so
	 * that it runs once: as an index condition the planner would run it to estimate it too.
	 * $1 stage, $2 after, $3 the term as an ILIKE pattern, $4 limit, $5 the term. */
	[STMT_CASE_SEARCH] = { "case_search", 5,
		"SELECT c.id, c.receipt, " TS_UTC("c.received_at") ", c.stage, s.label, c.medium"
		" FROM kura.cases c JOIN kura.stages s ON s.name = c.stage"
		" WHERE c.id = ANY ((SELECT kura.case_search($5, $3, $1, $2::bigint, $4::int, false))::bigint[])"
		" ORDER BY c.id DESC" },
	[STMT_CASE_SEARCH_PII] = { "case_search_pii", 5,
		"SELECT c.id, c.receipt, " TS_UTC("c.received_at") ", c.stage, s.label, c.medium,"
		" cu.name FROM kura.cases c JOIN kura.stages s ON s.name = c.stage"
		" LEFT JOIN kura.case_customers cu ON cu.case_id = c.id"
		" WHERE c.id = ANY ((SELECT kura.case_search($5, $3, $1, $2::bigint, $4::int, true))::bigint[])"
		" ORDER BY c.id DESC" },
	/* Administration (schema/005_events_admin.sql); the functions check user.admin too. */
	[STMT_ADMIN_USERS] = { "admin_users", 0, "SELECT * FROM kura.admin_users()" },
	[STMT_ADMIN_USER_DISABLE] = { "admin_user_disable", 1,
		"SELECT kura.admin_user_disable($1)" },
	[STMT_ADMIN_USER_SET_ROLE] = { "admin_user_set_role", 2,
		"SELECT kura.admin_user_set_role($1, $2)" },
	[STMT_ADMIN_SESSIONS] = { "admin_sessions", 0,
		"SELECT id, login, role, segment, peer, " TS_UTC("created_at") ","
		" " TS_UTC("last_seen") " FROM kura.admin_sessions()" },
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
		"SELECT c.receipt, " TS_UTC("c.received_at") ", cu.name, coalesce(cu.phone, ''),"
		" coalesce(cu.email, ''), coalesce(cu.address, '')"
		" FROM kura.cases c JOIN kura.case_customers cu ON cu.case_id = c.id"
		" WHERE c.receipt = ANY($1::text[]) ORDER BY c.receipt" },
	[STMT_EXPORT_LIST] = { "export_list", 0,
		"SELECT e.id, u.login, e.reason, cardinality(e.receipts),"
		" " TS_UTC("e.requested_at") ", a.login, " TS_UTC("e.expires_at") ","
		" " TS_UTC("e.used_at") " FROM kura.export_requests e JOIN kura.users u ON u.id = e.requested_by"
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
		" c.ship_carrier, c.ship_tracking, c.ship_repair, su.login, " TS_UTC("c.ship_at") ","
		" " TS_UTC("c.erasure_due") ", c.closed_at"
		" FROM kura.cases c LEFT JOIN kura.users ru ON ru.id = c.reply_by"
		" LEFT JOIN kura.users su ON su.id = c.ship_by WHERE c.receipt = $1" },
	[STMT_CS_SHEET_STAMPS] = { "cs_sheet_stamps", 1,
		"SELECT s.name, s.label, s.label_ja, " TS_UTC("cs.at") ", u.login, u.display_name,"
		" cs.segment, cs.remark, cs.outcome, cs.device"
		" FROM kura.stages s LEFT JOIN kura.case_stamps cs ON cs.stage = s.name AND cs.case_id = $1"
		" LEFT JOIN kura.users u ON u.id = cs.by_user"
		" WHERE s.name <> 'closed' ORDER BY s.position" },
	[STMT_CS_NOTE_ADD] = { "cs_note_add", 4,
		"INSERT INTO kura.case_notes (case_id, author, segment, body)"
		" SELECT id, $2, $3, $4 FROM kura.cases WHERE receipt = $1 RETURNING id" },
	/* $1 user, $2 receipt, $3 up to this note id (NULL: every note the case has now). */
	[STMT_CS_NOTES_SEEN] = { "cs_notes_seen", 3,
		"INSERT INTO kura.note_marks AS m (user_id, case_id, last_note_id)"
		" SELECT $1, c.id, coalesce($3::bigint, (SELECT max(n.id) FROM kura.case_notes n"
		"  WHERE n.case_id = c.id), 0) FROM kura.cases c WHERE c.receipt = $2"
		" ON CONFLICT (user_id, case_id) DO UPDATE"
		" SET last_note_id = GREATEST(m.last_note_id, EXCLUDED.last_note_id)"
		" RETURNING m.last_note_id" },
	/* Queues: $1 queue, $2 the user, $3 the user's segment. */
	[STMT_CS_QUEUE] = { "cs_queue", 3,
		"SELECT c.id, c.receipt, " TS_UTC("c.received_at") ", c.stage, s.label, c.medium"
		" FROM kura.cases c JOIN kura.stages s ON s.name = c.stage"
		" WHERE CASE $1::text"
		"  WHEN 'awaiting-reply' THEN c.stage = 'reply'"
		"  WHEN 'awaiting-shipment' THEN c.stage = 'shipping'"
		"  WHEN 'mine' THEN c.assigned_to = $2::bigint AND c.closed_at IS NULL"
		"  WHEN 'erasure-due' THEN c.stage = 'erasure' AND c.erasure_due <= now()"
		"  WHEN 'new-notes' THEN EXISTS (SELECT FROM kura.case_notes n WHERE n.case_id = c.id"
		"   AND n.segment <> $3::text AND n.id > coalesce((SELECT m.last_note_id"
		"   FROM kura.note_marks m WHERE m.user_id = $2::bigint AND m.case_id = c.id), 0))"
		"  ELSE false END"
		" ORDER BY c.id DESC LIMIT 200" },
	[STMT_CS_QUEUE_PII] = { "cs_queue_pii", 3,
		"SELECT c.id, c.receipt, " TS_UTC("c.received_at") ", c.stage, s.label, c.medium, cu.name"
		" FROM kura.cases c JOIN kura.stages s ON s.name = c.stage"
		" LEFT JOIN kura.case_customers cu ON cu.case_id = c.id"
		" WHERE CASE $1::text"
		"  WHEN 'awaiting-reply' THEN c.stage = 'reply'"
		"  WHEN 'awaiting-shipment' THEN c.stage = 'shipping'"
		"  WHEN 'mine' THEN c.assigned_to = $2::bigint AND c.closed_at IS NULL"
		"  WHEN 'erasure-due' THEN c.stage = 'erasure' AND c.erasure_due <= now()"
		"  WHEN 'new-notes' THEN EXISTS (SELECT FROM kura.case_notes n WHERE n.case_id = c.id"
		"   AND n.segment <> $3::text AND n.id > coalesce((SELECT m.last_note_id"
		"   FROM kura.note_marks m WHERE m.user_id = $2::bigint AND m.case_id = c.id), 0))"
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
		"SELECT i.label, c.receipt, i.kind, i.location, " TS_UTC("i.location_since") ","
		" i.description FROM kura.case_items i JOIN kura.cases c ON c.id = i.case_id"
		" JOIN kura.locations l ON l.name = i.location"
		" WHERE l.held ORDER BY i.location, i.label LIMIT 10000" },
	[STMT_CS_CUSTODY] = { "cs_custody", 1,
		"SELECT e.label, " TS_UTC("e.at") ", u.display_name, e.from_location, e.to_location,"
		" e.reason FROM kura.custody_events e JOIN kura.cases c ON c.id = e.case_id"
		" JOIN kura.users u ON u.id = e.by_user WHERE c.receipt = $1 ORDER BY e.id" },
	[STMT_CS_LOCATIONS] = { "cs_locations", 0,
		"SELECT name, label, label_ja, held FROM kura.locations ORDER BY name" },
	[STMT_CS_LOCATION_ADD] = { "cs_location_add", 3,
		"INSERT INTO kura.locations (name, label, label_ja) VALUES ($1, $2, coalesce($3, ''))" },
	[STMT_CS_DEVICES] = { "cs_devices", 0,
		"SELECT d.id, d.label, d.kind, d.active, c.receipt, " TS_UTC("b.bound_at") " FROM kura.devices d"
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
		"SELECT w.id, " TS_UTC("w.at") ", u.display_name, w.kind, w.minutes, w.body"
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
		"SELECT d.kind, d.version, encode(d.sha256, 'hex'), iu.display_name, " TS_UTC("d.issued_at") ", au.display_name, " TS_UTC("d.approved_at") " FROM kura.documents d JOIN kura.cases c ON c.id = d.case_id"
		" JOIN kura.users iu ON iu.id = d.issued_by LEFT JOIN kura.users au ON au.id = d.approved_by"
		" WHERE c.receipt = $1 ORDER BY d.kind, d.version" },
	[STMT_CS_DOC_GET] = { "cs_doc_get", 3,
		"SELECT d.kind, d.version, d.content, encode(d.sha256, 'hex'), iu.display_name, " TS_UTC("d.issued_at") ", au.display_name, " TS_UTC("d.approved_at") " FROM kura.documents d JOIN kura.cases c ON c.id = d.case_id"
		" JOIN kura.users iu ON iu.id = d.issued_by LEFT JOIN kura.users au ON au.id = d.approved_by"
		" WHERE c.receipt = $1 AND d.kind = $2 AND ($3::int IS NULL OR d.version = $3::int)"
		" ORDER BY d.version DESC LIMIT 1" },
	/* ---- incidents (incidents.c) ---- */
	/* Security incidents (schema/008_incidents.sql). Row-level security decides which
	 * incidents a statement sees; the triggers write the timeline; kura.incident_utc() is
	 * TS_UTC as a function, which keeps these strings whole. */
	[STMT_INCIDENT_CATEGORIES] = { "incident_categories", 0,
		"SELECT code, label, label_ja, active FROM kura.incident_categories"
		" ORDER BY code" },
	[STMT_INCIDENT_CATEGORY_ADD] = { "incident_category_add", 2,
		"INSERT INTO kura.incident_categories (code, label, label_ja)"
		" SELECT coalesce(max(code), 0) + 1, $1, $2 FROM kura.incident_categories"
		" RETURNING code" },
	/* $1 category, $2 severity, $3 title, $4 what happened, $5 found at (NULL: now),
	 * $6 where, $7 segment, $8 reporter. No row: the category is unknown or retired. */
	[STMT_INCIDENT_CREATE] = { "incident_create", 8,
		"INSERT INTO kura.incidents (category, severity, title, description, found_at,"
		" location, segment, reported_by)"
		" SELECT $1::int, $2, $3, $4, coalesce($5::timestamptz, now()), $6, $7, $8"
		" WHERE EXISTS (SELECT FROM kura.incident_categories c"
		"  WHERE c.code = $1::int AND c.active)"
		" RETURNING id, version" },
	/* The first receipt number of $1 that names no case (visible to the user). */
	[STMT_INCIDENT_CASES_MISSING] = { "incident_cases_missing", 1,
		"SELECT x FROM unnest($1::text[]) x WHERE NOT EXISTS"
		" (SELECT FROM kura.cases c WHERE c.receipt = x) LIMIT 1" },
	/* The links a report names: $1 incident, $2 kinds, $3 references. */
	[STMT_INCIDENT_LINKS_ADD] = { "incident_links_add", 3,
		"INSERT INTO kura.incident_links (incident_id, kind, ref, case_id)"
		" SELECT $1::bigint, t.kind, t.ref, c.id"
		" FROM unnest($2::text[], $3::text[]) WITH ORDINALITY AS t(kind, ref, n)"
		" LEFT JOIN kura.cases c ON t.kind = 'case' AND c.receipt = t.ref"
		" ORDER BY t.n ON CONFLICT DO NOTHING" },
	/* Adds a link or changes whether it is affected: $1 incident, $2 kind, $3 ref,
	 * $4 affected. No row: nothing changed. */
	[STMT_INCIDENT_LINK_SET] = { "incident_link_set", 4,
		"INSERT INTO kura.incident_links AS l (incident_id, kind, ref, case_id, affected)"
		" SELECT $1::bigint, $2, $3, (SELECT c.id FROM kura.cases c"
		"  WHERE $2 = 'case' AND c.receipt = $3), $4::boolean"
		" ON CONFLICT (incident_id, kind, ref) DO UPDATE SET affected = EXCLUDED.affected"
		" WHERE l.affected <> EXCLUDED.affected RETURNING 1" },
	[STMT_INCIDENT_UNLINK] = { "incident_unlink", 3,
		"DELETE FROM kura.incident_links WHERE incident_id = $1 AND kind = $2"
		" AND ref = $3 RETURNING 1" },
	/* Takes the incident for a change (the statements after it see every change committed
	 * before): $1 incident, $2 the acting user. */
	[STMT_INCIDENT_LOCK] = { "incident_lock", 2,
		"SELECT status, version, reported_by = $2::bigint, reviewed_by IS NOT NULL"
		" FROM kura.incidents WHERE id = $1 FOR UPDATE" },
	/* Countermeasures still open (planned, in progress) and not yet verified. */
	[STMT_INCIDENT_CM_COUNTS] = { "incident_cm_counts", 1,
		"SELECT count(*) FILTER (WHERE state IN ('planned', 'in_progress')),"
		" count(*) FILTER (WHERE state <> 'verified')"
		" FROM kura.incident_countermeasures WHERE incident_id = $1" },
	[STMT_INCIDENT_CM_STATE] = { "incident_cm_state", 2,
		"SELECT state FROM kura.incident_countermeasures"
		" WHERE incident_id = $1 AND seq = $2" },
	/* A change to a part of the incident: its version moves, and its event goes out. */
	[STMT_INCIDENT_TOUCH] = { "incident_touch", 1,
		"UPDATE kura.incidents SET version = version + 1, updated_at = now()"
		" WHERE id = $1 RETURNING version" },
	/* $1 incident, $2 the names of the fields to set, $3.. their values. No row: the new
	 * category is unknown or retired. */
	[STMT_INCIDENT_UPDATE] = { "incident_update", 13,
		"UPDATE kura.incidents SET"
		" category = CASE WHEN 'category' = ANY($2::text[]) THEN $3::int ELSE category END,"
		" severity = CASE WHEN 'severity' = ANY($2::text[]) THEN $4 ELSE severity END,"
		" title = CASE WHEN 'title' = ANY($2::text[]) THEN $5 ELSE title END,"
		" description = CASE WHEN 'description' = ANY($2::text[]) THEN $6"
		"  ELSE description END,"
		" found_at = CASE WHEN 'found_at' = ANY($2::text[]) THEN $7::timestamptz"
		"  ELSE found_at END,"
		" location = CASE WHEN 'location' = ANY($2::text[]) THEN $8 ELSE location END,"
		" facts = CASE WHEN 'facts' = ANY($2::text[]) THEN $9 ELSE facts END,"
		" cause = CASE WHEN 'cause' = ANY($2::text[]) THEN $10 ELSE cause END,"
		" impact = CASE WHEN 'impact' = ANY($2::text[]) THEN $11 ELSE impact END,"
		" prevention = CASE WHEN 'prevention' = ANY($2::text[]) THEN $12"
		"  ELSE prevention END,"
		" shared = CASE WHEN 'shared' = ANY($2::text[]) THEN $13::boolean ELSE shared END,"
		" updated_at = now(), version = version + 1"
		" WHERE id = $1 AND ('category' <> ALL($2::text[]) OR EXISTS"
		"  (SELECT FROM kura.incident_categories c WHERE c.code = $3::int AND c.active))"
		" RETURNING version" },
	/* $1 incident, $2 new status, $3 reason, $4 the acting user. Reopening (to
	 * investigating) clears the review; closing records who closed. */
	[STMT_INCIDENT_TRANSITION] = { "incident_transition", 4,
		"UPDATE kura.incidents SET status = $2, status_reason = $3,"
		" reviewed_by = CASE WHEN $2 = 'investigating' THEN NULL ELSE reviewed_by END,"
		" reviewed_at = CASE WHEN $2 = 'investigating' THEN NULL ELSE reviewed_at END,"
		" review_result = CASE WHEN $2 = 'investigating' THEN NULL"
		"  ELSE review_result END,"
		" closed_by = CASE WHEN $2 = 'closed' THEN $4::bigint END,"
		" closed_at = CASE WHEN $2 = 'closed' THEN now() END,"
		" updated_at = now(), version = version + 1"
		" WHERE id = $1 RETURNING version" },
	[STMT_INCIDENT_REVIEW] = { "incident_review", 3,
		"UPDATE kura.incidents SET reviewed_by = $3, reviewed_at = now(),"
		" review_result = $2, updated_at = now(), version = version + 1"
		" WHERE id = $1 RETURNING version" },
	[STMT_INCIDENT_USER] = { "incident_user", 1,
		"SELECT id, login, display_name FROM kura.users"
		" WHERE login = $1 AND disabled_at IS NULL" },
	/* $1 incident, $2 title, $3 owner, $4 due, $5 the acting user. */
	[STMT_INCIDENT_CM_ADD] = { "incident_cm_add", 5,
		"INSERT INTO kura.incident_countermeasures (incident_id, seq, title, owner, due,"
		" created_by)"
		" SELECT $1::bigint, coalesce(max(m.seq), 0) + 1, $2, $3::bigint, $4::date,"
		" $5::bigint FROM kura.incident_countermeasures m WHERE m.incident_id = $1::bigint"
		" RETURNING seq" },
	/* $1 incident, $2 countermeasure, $3 the names of the fields to set, $4 title,
	 * $5 owner, $6 due, $7 state, $8 the acting user. */
	[STMT_INCIDENT_CM_UPDATE] = { "incident_cm_update", 8,
		"UPDATE kura.incident_countermeasures SET"
		" title = CASE WHEN 'title' = ANY($3::text[]) THEN $4 ELSE title END,"
		" owner = CASE WHEN 'owner' = ANY($3::text[]) THEN $5::bigint ELSE owner END,"
		" due = CASE WHEN 'due' = ANY($3::text[]) THEN $6::date ELSE due END,"
		" state = CASE WHEN 'state' = ANY($3::text[]) THEN $7 ELSE state END,"
		" done_at = CASE WHEN 'state' <> ALL($3::text[]) THEN done_at"
		"  WHEN $7 IN ('planned', 'in_progress') THEN NULL"
		"  WHEN $7 = 'done' AND state <> 'done' THEN now() ELSE done_at END,"
		" verified_by = CASE WHEN 'state' = ANY($3::text[]) AND $7 = 'verified'"
		"  AND state <> 'verified' THEN $8::bigint ELSE verified_by END,"
		" verified_at = CASE WHEN 'state' = ANY($3::text[]) AND $7 = 'verified'"
		"  AND state <> 'verified' THEN now() ELSE verified_at END"
		" WHERE incident_id = $1 AND seq = $2 RETURNING state" },
	[STMT_INCIDENT_GET] = { "incident_get", 1,
		"SELECT i.id, i.title, i.category, c.label, c.label_ja, i.severity, sv.label,"
		" sv.label_ja, i.status, st.label, st.label_ja, i.description,"
		" kura.incident_utc(i.found_at), i.location, i.segment, i.shared, ru.login,"
		" ru.display_name, kura.incident_utc(i.reported_at), i.facts, i.cause, i.impact,"
		" i.prevention, i.status_reason, vu.login, vu.display_name,"
		" kura.incident_utc(i.reviewed_at), i.review_result, cu.login, cu.display_name,"
		" kura.incident_utc(i.closed_at), kura.incident_utc(i.updated_at), i.version"
		" FROM kura.incidents i"
		" JOIN kura.incident_categories c ON c.code = i.category"
		" JOIN kura.incident_severities sv ON sv.name = i.severity"
		" JOIN kura.incident_statuses st ON st.name = i.status"
		" JOIN kura.users ru ON ru.id = i.reported_by"
		" LEFT JOIN kura.users vu ON vu.id = i.reviewed_by"
		" LEFT JOIN kura.users cu ON cu.id = i.closed_by WHERE i.id = $1" },
	/* Links; the _PII one adds the customer's name of an affected case (pii.read only). */
	[STMT_INCIDENT_LINKS] = { "incident_links", 1,
		"SELECT kind, ref, affected, NULL::text, NULL::bigint FROM kura.incident_links"
		" WHERE incident_id = $1 ORDER BY kind, ref" },
	[STMT_INCIDENT_LINKS_PII] = { "incident_links_pii", 1,
		"SELECT l.kind, l.ref, l.affected, cu.name, cu.case_id FROM kura.incident_links l"
		" LEFT JOIN kura.case_customers cu ON cu.case_id = l.case_id AND l.affected"
		" WHERE l.incident_id = $1 ORDER BY l.kind, l.ref" },
	[STMT_INCIDENT_CMS] = { "incident_cms", 1,
		"SELECT m.seq, m.title, u.login, u.display_name, m.due::text, m.state,"
		" m.state IN ('planned', 'in_progress') AND m.due < current_date,"
		" kura.incident_utc(m.done_at), v.login, kura.incident_utc(m.verified_at)"
		" FROM kura.incident_countermeasures m JOIN kura.users u ON u.id = m.owner"
		" LEFT JOIN kura.users v ON v.id = m.verified_by"
		" WHERE m.incident_id = $1 ORDER BY m.seq" },
	[STMT_INCIDENT_TIMELINE] = { "incident_timeline", 1,
		"SELECT kura.incident_utc(t.at), u.login, u.display_name, t.segment, t.kind,"
		" t.from_status, t.to_status, t.detail FROM kura.incident_timeline t"
		" LEFT JOIN kura.users u ON u.id = t.actor"
		" WHERE t.incident_id = $1 ORDER BY t.id" },
	/* kura.incident_risks() is replaced by the risk register's migration. */
	[STMT_INCIDENT_RISKS] = { "incident_risks", 1,
		"SELECT risk_id, ref, title, level FROM kura.incident_risks($1::bigint)"
		" ORDER BY risk_id" },
	/* $1 status ('open': any not closed or rejected), $2 category, $3 severity, $4 reporter,
	 * $5 at least, $6 less than so many days old, $7 sort, $8 limit, $9 offset. */
	[STMT_INCIDENT_LIST] = { "incident_list", 9,
		"SELECT i.id, i.title, i.category, c.label, c.label_ja, i.severity, i.status,"
		" i.segment, u.login, kura.incident_utc(i.reported_at), kura.incident_utc(i.found_at),"
		" kura.incident_utc(i.updated_at), extract(day FROM now() - i.reported_at)::int,"
		" (SELECT count(*) FROM kura.incident_countermeasures m WHERE m.incident_id = i.id"
		"  AND m.state IN ('planned', 'in_progress')),"
		" (SELECT count(*) FROM kura.incident_countermeasures m WHERE m.incident_id = i.id"
		"  AND m.state IN ('planned', 'in_progress') AND m.due < current_date),"
		" i.version, i.shared"
		" FROM kura.incidents i JOIN kura.incident_categories c ON c.code = i.category"
		" JOIN kura.incident_severities sv ON sv.name = i.severity"
		" JOIN kura.users u ON u.id = i.reported_by"
		" WHERE ($1::text IS NULL OR i.status = $1"
		"  OR ($1 = 'open' AND i.status NOT IN ('closed', 'rejected')))"
		" AND ($2::int IS NULL OR i.category = $2) AND ($3::text IS NULL OR i.severity = $3)"
		" AND ($4::bigint IS NULL OR i.reported_by = $4)"
		" AND ($5::int IS NULL OR i.reported_at <= now() - make_interval(days => $5::int))"
		" AND ($6::int IS NULL OR i.reported_at > now() - make_interval(days => $6::int))"
		" ORDER BY CASE WHEN $7::text = 'severity' THEN sv.rank END DESC NULLS LAST,"
		" CASE WHEN $7::text = 'updated' THEN i.updated_at END DESC NULLS LAST,"
		" CASE WHEN $7::text = 'oldest' THEN i.id END ASC NULLS LAST, i.id DESC"
		" LIMIT $8 OFFSET $9" },
	/* The dashboard: open incidents by category and age, every status, overdue
	 * countermeasures (over what the user may see). */
	[STMT_INCIDENT_DASH_CATEGORIES] = { "incident_dash_categories", 0,
		"SELECT c.code, c.label, c.label_ja, count(i.id),"
		" count(i.id) FILTER (WHERE i.reported_at > now() - interval '7 days'),"
		" count(i.id) FILTER (WHERE i.reported_at <= now() - interval '7 days'"
		"  AND i.reported_at > now() - interval '30 days'),"
		" count(i.id) FILTER (WHERE i.reported_at <= now() - interval '30 days')"
		" FROM kura.incident_categories c LEFT JOIN kura.incidents i"
		"  ON i.category = c.code AND i.status NOT IN ('closed', 'rejected')"
		" GROUP BY c.code HAVING c.active OR count(i.id) > 0 ORDER BY c.code" },
	[STMT_INCIDENT_DASH_STATUSES] = { "incident_dash_statuses", 0,
		"SELECT s.name, s.label, s.label_ja, count(i.id)"
		" FROM kura.incident_statuses s LEFT JOIN kura.incidents i ON i.status = s.name"
		" GROUP BY s.name ORDER BY s.position" },
	[STMT_INCIDENT_OVERDUE] = { "incident_overdue", 0,
		"SELECT m.incident_id, m.seq, m.title, u.login, u.display_name, m.due::text,"
		" current_date - m.due, m.state, i.title, i.severity"
		" FROM kura.incident_countermeasures m"
		" JOIN kura.incidents i ON i.id = m.incident_id"
		" JOIN kura.users u ON u.id = m.owner"
		" WHERE m.state IN ('planned', 'in_progress') AND m.due < current_date"
		" ORDER BY m.due, m.incident_id, m.seq LIMIT 200" },
	/* ---- risk register (risks.c) ---- */
	/* The register (schema/009_risks.sql). Levels and next reviews come from the view
	 * kura.risk_register, which scores through the stored matrix. Dates are YYYY-MM-DD. */
	[STMT_RISK_USER_ID] = { "risk_user_id", 1,
		"SELECT id FROM kura.users WHERE login = $1 AND disabled_at IS NULL" },
	/* Days from today to $1 (negative: in the past). */
	[STMT_RISK_DAYS] = { "risk_days", 1, "SELECT $1::date - current_date" },
	[STMT_RISK_CONTROLS_UNKNOWN] = { "risk_controls_unknown", 1,
		"SELECT string_agg(x, ', ' ORDER BY x) FROM unnest($1::text[]) AS x"
		" WHERE NOT EXISTS (SELECT FROM kura.controls c WHERE c.id = x)" },
	[STMT_ASSET_CREATE] = { "asset_create", 11,
		"INSERT INTO kura.assets (name, type, owner, location, confidentiality,"
		" integrity, availability, personal_data, in_scope, description, created_by)"
		" VALUES ($1, $2, $3, coalesce($4, ''), $5, $6, $7, $8, $9, coalesce($10, ''), $11)"
		" RETURNING id, version" },
	/* $1 id, $2 version (NULL: any), then the fields; NULL keeps a field as it is. */
	[STMT_ASSET_UPDATE] = { "asset_update", 12,
		"UPDATE kura.assets SET name = coalesce($3, name), type = coalesce($4, type),"
		" owner = coalesce($5::bigint, owner), location = coalesce($6, location),"
		" confidentiality = coalesce($7::int, confidentiality),"
		" integrity = coalesce($8::int, integrity),"
		" availability = coalesce($9::int, availability),"
		" personal_data = coalesce($10::boolean, personal_data),"
		" in_scope = coalesce($11::boolean, in_scope),"
		" description = coalesce($12, description), version = version + 1"
		" WHERE id = $1 AND ($2::int IS NULL OR version = $2::int) RETURNING version" },
	[STMT_ASSET_STATE] = { "asset_state", 1, "SELECT version FROM kura.assets WHERE id = $1" },
	[STMT_ASSET_GET] = { "asset_get", 1,
		"SELECT a.id, a.name, a.type, u.login, u.display_name, a.location,"
		" a.confidentiality, a.integrity, a.availability, a.personal_data, a.in_scope,"
		" a.description, to_char(a.created_at AT TIME ZONE 'UTC',"
		" 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), a.version"
		" FROM kura.assets a JOIN kura.users u ON u.id = a.owner WHERE a.id = $1" },
	[STMT_ASSET_RISKS] = { "asset_risks", 1,
		"SELECT g.id, g.threat, g.likelihood, g.impact, g.level, g.residual_level,"
		" g.treatment, to_char(g.next_review, 'YYYY-MM-DD'), g.overdue"
		" FROM kura.risk_register g WHERE g.asset_id = $1"
		" ORDER BY g.level_rank DESC, g.id" },
	/* $1 type, $2 in scope (NULL: either), $3 limit. */
	[STMT_ASSET_LIST] = { "asset_list", 3,
		"SELECT a.id, a.name, a.type, u.login, a.location, a.confidentiality,"
		" a.integrity, a.availability, a.personal_data, a.in_scope,"
		" (SELECT count(*) FROM kura.risks r WHERE r.asset_id = a.id), a.version"
		" FROM kura.assets a JOIN kura.users u ON u.id = a.owner"
		" WHERE ($1::text IS NULL OR a.type = $1)"
		" AND ($2::boolean IS NULL OR a.in_scope = $2::boolean)"
		" ORDER BY a.id LIMIT $3" },
	[STMT_RISK_CREATE] = { "risk_create", 13,
		"INSERT INTO kura.risks (asset_id, threat, vulnerability, description, owner,"
		" likelihood, impact, treatment, treatment_plan, residual_likelihood,"
		" residual_impact, identified_on, created_by)"
		" VALUES ($1, $2, $3, coalesce($4, ''), $5, $6, $7, $8, coalesce($9, ''),"
		" $10, $11, coalesce($12::date, current_date), $13) RETURNING id" },
	/* $1 id, $2 version (NULL: any), then the fields; NULL keeps a field as it is. A
	 * treatment other than accept ends an acceptance. */
	[STMT_RISK_UPDATE] = { "risk_update", 13,
		"UPDATE kura.risks SET asset_id = coalesce($3::bigint, asset_id),"
		" threat = coalesce($4, threat), vulnerability = coalesce($5, vulnerability),"
		" description = coalesce($6, description), owner = coalesce($7::bigint, owner),"
		" likelihood = coalesce($8::int, likelihood), impact = coalesce($9::int, impact),"
		" treatment = coalesce($10::text, treatment),"
		" treatment_plan = coalesce($11, treatment_plan),"
		" residual_likelihood = coalesce($12::int, residual_likelihood),"
		" residual_impact = coalesce($13::int, residual_impact),"
		" accepted_by = CASE WHEN $10::text IS NULL THEN accepted_by END,"
		" accepted_at = CASE WHEN $10::text IS NULL THEN accepted_at END,"
		" accept_reason = CASE WHEN $10::text IS NULL THEN accept_reason END,"
		" accept_expires = CASE WHEN $10::text IS NULL THEN accept_expires END,"
		" version = version + 1"
		" WHERE id = $1 AND ($2::int IS NULL OR version = $2::int) RETURNING version" },
	[STMT_RISK_STATE] = { "risk_state", 1, "SELECT version FROM kura.risks WHERE id = $1" },
	/* Makes the risk's controls exactly $2 (a text[]). */
	[STMT_RISK_CONTROLS_SET] = { "risk_controls_set", 2,
		"WITH d AS (DELETE FROM kura.risk_controls WHERE risk_id = $1::bigint"
		"  AND control_id <> ALL ($2::text[]))"
		" INSERT INTO kura.risk_controls (risk_id, control_id)"
		" SELECT $1::bigint, c FROM unnest($2::text[]) AS c ON CONFLICT DO NOTHING" },
	/* $1 id, $2 the accepting user, $3 reason, $4 expiry date. */
	[STMT_RISK_ACCEPT] = { "risk_accept", 4,
		"UPDATE kura.risks SET treatment = 'accept', accepted_by = $2, accepted_at = now(),"
		" accept_reason = $3, accept_expires = $4::date, version = version + 1"
		" WHERE id = $1 RETURNING version" },
	/* $1 id, $2 date (NULL: today), $3 reviewer, $4 notes: the review keeps the scores as
	 * they are now;
	 * the next review counts from the latest review date. */
	[STMT_RISK_REVIEW] = { "risk_review", 4,
		"WITH rv AS (INSERT INTO kura.risk_reviews (risk_id, reviewed_on, reviewer,"
		"  likelihood, impact, level, residual_likelihood, residual_impact,"
		"  residual_level, notes)"
		"  SELECT g.id, coalesce($2::date, current_date), $3::bigint, g.likelihood, g.impact, g.level,"
		"  g.residual_likelihood, g.residual_impact, g.residual_level, $4::text"
		"  FROM kura.risk_register g WHERE g.id = $1::bigint RETURNING risk_id)"
		" UPDATE kura.risks r"
		" SET last_reviewed_on = GREATEST(r.last_reviewed_on, coalesce($2::date, current_date)),"
		" version = r.version + 1 FROM rv WHERE r.id = rv.risk_id RETURNING r.version" },
	[STMT_RISK_GET] = { "risk_get", 1,
		"SELECT g.id, g.asset_id, a.name, g.threat, g.vulnerability, g.description,"
		" u.login, u.display_name, g.likelihood, g.impact, g.level, g.treatment,"
		" g.treatment_plan, g.residual_likelihood, g.residual_impact, g.residual_level,"
		" ac.login, to_char(g.accepted_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
		" g.accept_reason, to_char(g.accept_expires, 'YYYY-MM-DD'), g.acceptance_expired,"
		" to_char(g.identified_on, 'YYYY-MM-DD'), to_char(g.last_reviewed_on, 'YYYY-MM-DD'),"
		" to_char(g.next_review, 'YYYY-MM-DD'), g.overdue, g.current_level, g.version"
		" FROM kura.risk_register g JOIN kura.assets a ON a.id = g.asset_id"
		" JOIN kura.users u ON u.id = g.owner LEFT JOIN kura.users ac ON ac.id = g.accepted_by"
		" WHERE g.id = $1" },
	[STMT_RISK_GET_CONTROLS] = { "risk_get_controls", 1,
		"SELECT c.id, c.title FROM kura.risk_controls rc"
		" JOIN kura.controls c ON c.id = rc.control_id WHERE rc.risk_id = $1"
		" ORDER BY string_to_array(c.id, '.')::int[]" },
	[STMT_RISK_GET_REVIEWS] = { "risk_get_reviews", 1,
		"SELECT to_char(v.reviewed_on, 'YYYY-MM-DD'), u.login, u.display_name,"
		" v.likelihood, v.impact, v.level, v.residual_likelihood, v.residual_impact,"
		" v.residual_level, v.notes FROM kura.risk_reviews v"
		" JOIN kura.users u ON u.id = v.reviewer WHERE v.risk_id = $1"
		" ORDER BY v.reviewed_on DESC, v.id DESC" },
	[STMT_RISK_GET_SCORES] = { "risk_get_scores", 1,
		"SELECT to_char(s.at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
		" u.login, s.likelihood, s.impact, s.level, s.residual_likelihood,"
		" s.residual_impact, s.residual_level FROM kura.risk_scores s"
		" LEFT JOIN kura.users u ON u.id = s.by_user WHERE s.risk_id = $1"
		" ORDER BY s.id" },
	/* $1 level, $2 owner's login, $3 treatment ('none': not decided), $4 overdue only,
	 * $5 asset, $6 likelihood, $7 impact, $8 whether $1, $6, $7 are residual, $9 limit. */
	[STMT_RISK_LIST] = { "risk_list", 9,
		"SELECT g.id, g.threat, g.asset_id, a.name, u.login, g.likelihood, g.impact,"
		" g.level, g.residual_likelihood, g.residual_impact, g.residual_level,"
		" g.treatment, to_char(g.next_review, 'YYYY-MM-DD'), g.overdue,"
		" g.acceptance_expired, g.version"
		" FROM kura.risk_register g JOIN kura.assets a ON a.id = g.asset_id"
		" JOIN kura.users u ON u.id = g.owner"
		" WHERE ($1::text IS NULL OR"
		"  CASE WHEN $8::boolean THEN g.residual_level ELSE g.level END = $1::text)"
		" AND ($2::text IS NULL OR u.login = $2::text)"
		" AND ($3::text IS NULL OR coalesce(g.treatment, 'none') = $3::text)"
		" AND (NOT $4::boolean OR g.overdue)"
		" AND ($5::bigint IS NULL OR g.asset_id = $5::bigint)"
		" AND ($6::int IS NULL OR"
		"  CASE WHEN $8::boolean THEN g.residual_likelihood ELSE g.likelihood END = $6::int)"
		" AND ($7::int IS NULL OR"
		"  CASE WHEN $8::boolean THEN g.residual_impact ELSE g.impact END = $7::int)"
		" ORDER BY g.level_rank DESC, g.likelihood * g.impact DESC, g.id LIMIT $9" },
	/* Reviews past their date and acceptances past theirs, for managers. */
	[STMT_RISK_DUE] = { "risk_due", 0,
		"SELECT g.id, g.threat, a.name, u.login, g.current_level,"
		" to_char(g.next_review, 'YYYY-MM-DD'), g.overdue,"
		" to_char(g.accept_expires, 'YYYY-MM-DD'), g.acceptance_expired, ac.login"
		" FROM kura.risk_register g JOIN kura.assets a ON a.id = g.asset_id"
		" JOIN kura.users u ON u.id = g.owner LEFT JOIN kura.users ac ON ac.id = g.accepted_by"
		" WHERE g.overdue OR g.acceptance_expired ORDER BY g.next_review, g.id" },
	/* Every cell, impact 5 first, with how many risks score there before and after
	 * treatment. */
	[STMT_RISK_MATRIX] = { "risk_matrix", 0,
		"SELECT m.likelihood, m.impact, m.level,"
		" (SELECT count(*) FROM kura.risks r"
		"  WHERE r.likelihood = m.likelihood AND r.impact = m.impact),"
		" (SELECT count(*) FROM kura.risks r"
		"  WHERE r.residual_likelihood = m.likelihood AND r.residual_impact = m.impact)"
		" FROM kura.risk_matrix m ORDER BY m.impact DESC, m.likelihood" },
	[STMT_RISK_LEVELS] = { "risk_levels", 0,
		"SELECT name, rank, review_days FROM kura.risk_levels ORDER BY rank" },
	[STMT_RISK_MATRIX_SET] = { "risk_matrix_set", 3,
		"UPDATE kura.risk_matrix SET level = $3"
		" WHERE likelihood = $1::int AND impact = $2::int RETURNING level" },
	[STMT_RISK_CADENCE_SET] = { "risk_cadence_set", 2,
		"UPDATE kura.risk_levels SET review_days = $2::int WHERE name = $1"
		" RETURNING review_days" },
	/* The statement of applicability: every control and the risks it is applied to. */
	[STMT_CONTROL_LIST] = { "control_list", 0,
		"SELECT c.id, c.title, array_to_string(ARRAY(SELECT rc.risk_id"
		" FROM kura.risk_controls rc WHERE rc.control_id = c.id ORDER BY rc.risk_id), ',')"
		" FROM kura.controls c ORDER BY string_to_array(c.id, '.')::int[]" },
	/* The register as one CSV row a risk, all text. */
	[STMT_RISK_EXPORT] = { "risk_export", 0,
		"SELECT g.id::text, a.name, a.type, g.threat, g.vulnerability, g.description,"
		" u.login, g.likelihood::text, g.impact::text, g.level, coalesce(g.treatment, ''),"
		" g.treatment_plan, array_to_string(ARRAY(SELECT rc.control_id"
		"  FROM kura.risk_controls rc WHERE rc.risk_id = g.id"
		"  ORDER BY string_to_array(rc.control_id, '.')::int[]), ' '),"
		" coalesce(g.residual_likelihood::text, ''), coalesce(g.residual_impact::text, ''),"
		" coalesce(g.residual_level, ''), coalesce(ac.login, ''),"
		" coalesce(g.accept_reason, ''), coalesce(to_char(g.accept_expires, 'YYYY-MM-DD'), ''),"
		" to_char(g.identified_on, 'YYYY-MM-DD'),"
		" coalesce(to_char(g.last_reviewed_on, 'YYYY-MM-DD'), ''),"
		" to_char(g.next_review, 'YYYY-MM-DD')"
		" FROM kura.risk_register g JOIN kura.assets a ON a.id = g.asset_id"
		" JOIN kura.users u ON u.id = g.owner LEFT JOIN kura.users ac ON ac.id = g.accepted_by"
		" ORDER BY g.id" },
	/* Incidents that revealed risks (schema/008, 009). The version of the risk moves only
	 * when a link is added or removed. */
	[STMT_RISK_INCIDENT_EXISTS] = { "risk_incident_exists", 1,
		"SELECT id FROM kura.incidents WHERE id = $1" },
	[STMT_RISK_INCIDENT_LINK] = { "risk_incident_link", 3,
		"WITH i AS (INSERT INTO kura.risk_incidents (risk_id, incident_id, linked_by)"
		"  VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING 1)"
		" UPDATE kura.risks SET version = version + (SELECT count(*) FROM i)::int"
		" WHERE id = $1 RETURNING version" },
	[STMT_RISK_INCIDENT_UNLINK] = { "risk_incident_unlink", 2,
		"WITH d AS (DELETE FROM kura.risk_incidents"
		"  WHERE risk_id = $1 AND incident_id = $2 RETURNING 1)"
		" UPDATE kura.risks SET version = version + (SELECT count(*) FROM d)::int"
		" WHERE id = $1 RETURNING version, (SELECT count(*) FROM d)" },
	[STMT_RISK_GET_INCIDENTS] = { "risk_get_incidents", 1,
		"SELECT i.id, i.title, i.status, i.severity,"
		" to_char(ri.linked_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
		" FROM kura.risk_incidents ri JOIN kura.incidents i ON i.id = ri.incident_id"
		" WHERE ri.risk_id = $1 ORDER BY i.id" },
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
	/* Change events are collected, not notified, within a transaction (db_begin). Commits
	 * do not wait for their flush unless db_begin says so: a read's audit row or the
	 * notification of events may be lost in a crash, a write never. Random reads cost
	 * little more than sequential ones on the memory and SSDs kura's working set lives on:
	 * at the default of 4, a stage's page after an id walked the primary key through
	 * hundreds of thousands of cases of other stages instead of the (stage, id) index. */
	PGresult *res =
	    PQexec(db->conn, "SET search_path = ''; SET kura.defer_events = on;"
	                     " SET synchronous_commit = off; SET random_page_cost = 1.1");
	int ok = PQresultStatus(res) == PGRES_COMMAND_OK;

	PQclear(res);
	for (int i = 0; ok && i < STMT_COUNT; i++) {
		const struct db_statement *st = &db_statements[i];

		if (st->custom_plan)
			continue;
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
	PGresult *r =
	    st->custom_plan
	        ? PQexecParams(db->conn, st->sql, st->nparams, NULL, params, NULL, NULL, 0)
	        : PQexecPrepared(db->conn, st->name, st->nparams, params, NULL, NULL, 0);
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
	const char *sql = write ? "BEGIN; SET LOCAL synchronous_commit = on" : "BEGIN";
	int rc = db_command(db, sql, NULL);

	/* A connection found lost at the first statement (PostgreSQL restarted while this worker
	 * was idle): nothing ran yet, so connect again and begin once more rather than refuse. */
	if (rc == ERR_UNAVAILABLE && PQstatus(db->conn) != CONNECTION_OK && db_ensure(db) == 0)
		rc = db_command(db, sql, NULL);
	return rc;
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
