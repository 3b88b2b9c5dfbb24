/* The command table and the dispatcher (decode -> lookup -> session -> rights -> transaction
 * -> handler -> audit -> commit -> reply). Handlers never repeat these checks. */
#include "config.h"

#include "dispatch.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "commands.h"
#include "err.h"
#include "log.h"
#include "session.h"
#include "xmalloc.h"

/*
 * Command flags:
 *   CMD_NO_SESSION  runs without a session token (only auth.login); its right is checked by
 *                   the handler against the listener's segment once the user is known.
 *   CMD_WRITE       changes data: its transaction commits synchronously.
 *   CMD_IDEMPOTENT  the reply is stored with the effect under the request id; a resend with
 *                   the same id gets the stored reply and causes no second effect.
 */
enum command_flags {
	CMD_NO_SESSION = 1 << 0,
	CMD_WRITE = 1 << 1,
	CMD_IDEMPOTENT = 1 << 2,
};

struct command {
	const char *name;
	command_fn fn;
	command_refused_fn refused; /* optional */
	int right;                  /* enum right, or RIGHT_ANY_SESSION */
	unsigned flags;
};

/* clang-format off */
/* One command per line. */
static const struct command command_table[] = {
	/* auth.c: login's reply holds the session token, which is never stored. */
	{ .name = "auth.login",
	  .fn = auth_login,
	  .refused = auth_login_refused,
	  .right = RIGHT_SESSION_LOGIN,
	  .flags = CMD_NO_SESSION | CMD_WRITE },
	{ .name = "auth.logout",
	  .fn = auth_logout,
	  .right = RIGHT_ANY_SESSION,
	  .flags = CMD_WRITE | CMD_IDEMPOTENT },
	{ .name = "auth.whoami", .fn = auth_whoami, .right = RIGHT_ANY_SESSION },
	/* cases.c */
	{ .name = "case.create",
	  .fn = case_create,
	  .right = RIGHT_CASE_CREATE,
	  .flags = CMD_WRITE | CMD_IDEMPOTENT },
	{ .name = "case.get", .fn = case_get, .right = RIGHT_CASE_READ },
	{ .name = "case.list", .fn = case_list, .right = RIGHT_CASE_READ },
	/* users.c */
	{ .name = "user.list", .fn = user_list, .right = RIGHT_USER_ADMIN },
	{ .name = "user.disable",
	  .fn = user_disable,
	  .right = RIGHT_USER_ADMIN,
	  .flags = CMD_WRITE | CMD_IDEMPOTENT },
	{ .name = "user.set_role",
	  .fn = user_set_role,
	  .right = RIGHT_USER_ADMIN,
	  .flags = CMD_WRITE | CMD_IDEMPOTENT },
	{ .name = "session.list", .fn = session_list, .right = RIGHT_USER_ADMIN },
	{ .name = "session.kill",
	  .fn = session_kill,
	  .right = RIGHT_USER_ADMIN,
	  .flags = CMD_WRITE | CMD_IDEMPOTENT },
	/* exports.c: export.run's reply holds personal data, which is never stored. */
	{ .name = "export.request",
	  .fn = export_request,
	  .right = RIGHT_PII_EXPORT,
	  .flags = CMD_WRITE | CMD_IDEMPOTENT },
	{ .name = "export.approve",
	  .fn = export_approve,
	  .right = RIGHT_EXPORT_APPROVE,
	  .flags = CMD_WRITE | CMD_IDEMPOTENT },
	{ .name = "export.run", .fn = export_run, .right = RIGHT_PII_EXPORT, .flags = CMD_WRITE },
	{ .name = "export.list", .fn = export_list, .right = RIGHT_ANY_SESSION },
	/* ---- case sheet (casesheet.c) ---- */
	{ .name = "case.stamp",
	  .fn = case_stamp,
	  .right = RIGHT_CASE_READ,
	  .flags = CMD_WRITE | CMD_IDEMPOTENT },
	{ .name = "case.sheet", .fn = case_sheet, .right = RIGHT_CASE_READ },
	{ .name = "case.note",
	  .fn = case_note,
	  .right = RIGHT_NOTE_WRITE,
	  .flags = CMD_WRITE | CMD_IDEMPOTENT },
	{ .name = "case.notes_seen",
	  .fn = case_notes_seen,
	  .right = RIGHT_CASE_READ,
	  .flags = CMD_WRITE | CMD_IDEMPOTENT },
	{ .name = "case.queue", .fn = case_queue, .right = RIGHT_CASE_READ },
	{ .name = "case.reply",
	  .fn = case_reply,
	  .right = RIGHT_STAMP_REPLY,
	  .flags = CMD_WRITE | CMD_IDEMPOTENT },
	{ .name = "case.ship",
	  .fn = case_ship,
	  .right = RIGHT_STAMP_SHIPPING,
	  .flags = CMD_WRITE | CMD_IDEMPOTENT },
	{ .name = "case.custody", .fn = case_custody, .right = RIGHT_CASE_READ },
	{ .name = "custody.move",
	  .fn = custody_move,
	  .right = RIGHT_CUSTODY_MOVE,
	  .flags = CMD_WRITE | CMD_IDEMPOTENT },
	{ .name = "custody.ledger", .fn = custody_ledger, .right = RIGHT_CASE_READ },
	{ .name = "location.list", .fn = location_list, .right = RIGHT_CASE_READ },
	{ .name = "location.add",
	  .fn = location_add,
	  .right = RIGHT_DEVICE_ADMIN,
	  .flags = CMD_WRITE | CMD_IDEMPOTENT },
	{ .name = "device.list", .fn = device_list, .right = RIGHT_CASE_READ },
	{ .name = "device.add",
	  .fn = device_add,
	  .right = RIGHT_DEVICE_ADMIN,
	  .flags = CMD_WRITE | CMD_IDEMPOTENT },
	{ .name = "device.report", .fn = device_report, .right = RIGHT_WORKLOG_READ },
	{ .name = "worklog.add",
	  .fn = worklog_add,
	  .right = RIGHT_WORKLOG_WRITE,
	  .flags = CMD_WRITE | CMD_IDEMPOTENT },
	{ .name = "worklog.list", .fn = worklog_list, .right = RIGHT_WORKLOG_READ },
	{ .name = "document.issue",
	  .fn = document_issue,
	  .right = RIGHT_DOCUMENT_ISSUE,
	  .flags = CMD_WRITE | CMD_IDEMPOTENT },
	{ .name = "document.approve",
	  .fn = document_approve,
	  .right = RIGHT_DOCUMENT_APPROVE,
	  .flags = CMD_WRITE | CMD_IDEMPOTENT },
	{ .name = "document.list", .fn = document_list, .right = RIGHT_CASE_READ },
	{ .name = "document.get", .fn = document_get, .right = RIGHT_CASE_READ },
	/* ---- incidents (incidents.c) ---- */
	{ .name = "incident.categories", .fn = incident_categories, .right = RIGHT_ANY_SESSION },
	{ .name = "incident.category_add",
	  .fn = incident_category_add,
	  .right = RIGHT_INCIDENT_MANAGE,
	  .flags = CMD_WRITE | CMD_IDEMPOTENT },
	{ .name = "incident.report",
	  .fn = incident_report,
	  .right = RIGHT_INCIDENT_REPORT,
	  .flags = CMD_WRITE | CMD_IDEMPOTENT },
	{ .name = "incident.list", .fn = incident_list, .right = RIGHT_ANY_SESSION },
	{ .name = "incident.get", .fn = incident_get, .right = RIGHT_ANY_SESSION },
	{ .name = "incident.update",
	  .fn = incident_update,
	  .right = RIGHT_INCIDENT_MANAGE,
	  .flags = CMD_WRITE | CMD_IDEMPOTENT },
	{ .name = "incident.link",
	  .fn = incident_link,
	  .right = RIGHT_INCIDENT_MANAGE,
	  .flags = CMD_WRITE | CMD_IDEMPOTENT },
	{ .name = "incident.transition",
	  .fn = incident_transition,
	  .right = RIGHT_INCIDENT_MANAGE,
	  .flags = CMD_WRITE | CMD_IDEMPOTENT },
	{ .name = "incident.review",
	  .fn = incident_review,
	  .right = RIGHT_INCIDENT_REVIEW,
	  .flags = CMD_WRITE | CMD_IDEMPOTENT },
	{ .name = "incident.close",
	  .fn = incident_close,
	  .right = RIGHT_INCIDENT_REVIEW,
	  .flags = CMD_WRITE | CMD_IDEMPOTENT },
	{ .name = "incident.cm_add",
	  .fn = incident_cm_add,
	  .right = RIGHT_INCIDENT_MANAGE,
	  .flags = CMD_WRITE | CMD_IDEMPOTENT },
	{ .name = "incident.cm_update",
	  .fn = incident_cm_update,
	  .right = RIGHT_INCIDENT_MANAGE,
	  .flags = CMD_WRITE | CMD_IDEMPOTENT },
	{ .name = "incident.dashboard", .fn = incident_dashboard, .right = RIGHT_INCIDENT_READ },
	{ .name = "incident.document", .fn = incident_document, .right = RIGHT_ANY_SESSION },
	{ .name = "incident.csv", .fn = incident_csv, .right = RIGHT_ANY_SESSION },
	/* ---- risk register (risks.c) ---- */
	{ .name = "asset.create",
	  .fn = asset_create,
	  .right = RIGHT_RISK_MANAGE,
	  .flags = CMD_WRITE | CMD_IDEMPOTENT },
	{ .name = "asset.update",
	  .fn = asset_update,
	  .right = RIGHT_RISK_MANAGE,
	  .flags = CMD_WRITE | CMD_IDEMPOTENT },
	{ .name = "asset.get", .fn = asset_get, .right = RIGHT_RISK_READ },
	{ .name = "asset.list", .fn = asset_list, .right = RIGHT_RISK_READ },
	{ .name = "risk.create",
	  .fn = risk_create,
	  .right = RIGHT_RISK_MANAGE,
	  .flags = CMD_WRITE | CMD_IDEMPOTENT },
	{ .name = "risk.update",
	  .fn = risk_update,
	  .right = RIGHT_RISK_MANAGE,
	  .flags = CMD_WRITE | CMD_IDEMPOTENT },
	{ .name = "risk.accept",
	  .fn = risk_accept,
	  .right = RIGHT_RISK_ACCEPT,
	  .flags = CMD_WRITE | CMD_IDEMPOTENT },
	{ .name = "risk.review",
	  .fn = risk_review,
	  .right = RIGHT_RISK_MANAGE,
	  .flags = CMD_WRITE | CMD_IDEMPOTENT },
	{ .name = "risk.get", .fn = risk_get, .right = RIGHT_RISK_READ },
	{ .name = "risk.list", .fn = risk_list, .right = RIGHT_RISK_READ },
	{ .name = "risk.due", .fn = risk_due, .right = RIGHT_RISK_MANAGE },
	{ .name = "risk.matrix", .fn = risk_matrix, .right = RIGHT_RISK_READ },
	{ .name = "risk.matrix_set",
	  .fn = risk_matrix_set,
	  .right = RIGHT_RISK_MANAGE,
	  .flags = CMD_WRITE | CMD_IDEMPOTENT },
	{ .name = "risk.cadence_set",
	  .fn = risk_cadence_set,
	  .right = RIGHT_RISK_MANAGE,
	  .flags = CMD_WRITE | CMD_IDEMPOTENT },
	{ .name = "risk.export", .fn = risk_export, .right = RIGHT_RISK_READ },
	{ .name = "control.list", .fn = control_list, .right = RIGHT_RISK_READ },
	{ .name = "risk.link_incident",
	  .fn = risk_link_incident,
	  .right = RIGHT_RISK_MANAGE,
	  .flags = CMD_WRITE | CMD_IDEMPOTENT },
	{ .name = "risk.unlink_incident",
	  .fn = risk_unlink_incident,
	  .right = RIGHT_RISK_MANAGE,
	  .flags = CMD_WRITE | CMD_IDEMPOTENT },
};
/* clang-format on */
#define COMMAND_COUNT (sizeof command_table / sizeof command_table[0])

void
dispatch_print_commands(FILE *f)
{
	for (size_t i = 0; i < COMMAND_COUNT; i++) {
		const struct command *c = &command_table[i];

		fprintf(f, "%s %s %s\n", c->name,
		        c->right == RIGHT_ANY_SESSION ? "session" : right_name(c->right),
		        c->flags & CMD_WRITE ? "write" : "read");
	}
}

static const struct command *
command_find(const char *op)
{
	for (size_t i = 0; i < COMMAND_COUNT; i++)
		if (strcmp(command_table[i].name, op) == 0)
			return &command_table[i];
	return NULL;
}

/* The op as the audit log names it: an unknown op is recorded only if it looks like a
 * command name, so that a client cannot write arbitrary text into the log. */
static void
dispatch_audit_op(const char *op, char *out, size_t size)
{
	size_t len = strlen(op);
	bool plain = len > 0 && len <= 40;

	for (size_t i = 0; plain && i < len; i++)
		plain = islower((unsigned char)op[i]) || op[i] == '.' || op[i] == '_';
	snprintf(out, size, "%s%s", plain ? "unknown:" : "(invalid op)", plain ? op : "");
}

/* Looks up the stored reply of the request id, before the session is resolved (a resent
 * logout must find its reply although its session has ended). Returns 1 with out filled and
 * the audit fields set, 0 if none, or an error (the id was used by another session or for
 * another op). */
static int
dispatch_replay_find(struct request *r, const struct command *cmd, struct proto_writer *out)
{
	char id[2 * PROTO_ID_LEN + 3], token[2 * 32 + 3];
	const char *params[2] = { id, token };
	PGresult *res;
	int rc;

	if ((rc = session_token_param(r, token)) != 0)
		return rc;
	session_bytea_param(r->msg->id, PROTO_ID_LEN, id);
	if ((rc = db_exec(r->db, STMT_REPLY_GET, params, &res)) != 0)
		return rc;
	if (PQntuples(res) == 0) {
		PQclear(res);
		return 0;
	}
	if (PQgetvalue(res, 0, 4)[0] != 't' || strcmp(PQgetvalue(res, 0, 1), cmd->name) != 0) {
		PQclear(res);
		return request_fail(r, ERR_CONFLICT, "request id already used for another request");
	}
	snprintf(r->audit_user_id, sizeof r->audit_user_id, "%s", PQgetvalue(res, 0, 0));
	snprintf(r->object, sizeof r->object, "%s", PQgetvalue(res, 0, 2));
	size_t len;
	unsigned char *bytes = PQunescapeBytea((const unsigned char *)PQgetvalue(res, 0, 3), &len);
	PQclear(res);
	if (bytes == NULL)
		return ERR_INTERNAL;
	proto_writer_reset(out);
	msgpack_sbuffer_write(&out->buf, (const char *)bytes, len);
	PQfreemem(bytes);
	return 1;
}

static int
dispatch_replay_store(struct request *r, const struct command *cmd, const struct proto_writer *out)
{
	char id[2 * PROTO_ID_LEN + 3], token[2 * 32 + 3];
	char *reply = xmalloc(2 * out->buf.size + 3);
	const char *params[6] = {
		id, token, r->sess.user_id, cmd->name, r->object[0] ? r->object : NULL, reply
	};
	PGresult *res;
	int rc;

	if ((rc = session_token_param(r, token)) == 0) {
		session_bytea_param(r->msg->id, PROTO_ID_LEN, id);
		session_bytea_param((const unsigned char *)out->buf.data, out->buf.size, reply);
		rc = db_exec(r->db, STMT_REPLY_PUT, params, &res);
		PQclear(res);
	}
	free(reply);
	return rc;
}

/* Runs an authenticated, authorised command in the open transaction and leaves its reply in
 * out. Returns 0, or the error to refuse with. */
static int
dispatch_run(struct request *r, const struct command *cmd, struct proto_writer *data,
             struct proto_writer *out)
{
	int rc;

	if (!(cmd->flags & CMD_NO_SESSION) && !r->msg->has_tok)
		return request_fail(r, ERR_UNAUTHENTICATED, "please sign in first");
	if (cmd->flags & CMD_IDEMPOTENT) {
		/* A resend: its stored reply, no second effect. */
		rc = dispatch_replay_find(r, cmd, out);
		if (rc != 0)
			return rc < 0 ? rc : audit_write(r, cmd->name, "replayed");
	}
	if (!(cmd->flags & CMD_NO_SESSION)) {
		if ((rc = session_resolve(r)) != 0)
			return rc;
		if (cmd->right != RIGHT_ANY_SESSION && !(r->sess.rights & RIGHT_BIT(cmd->right)))
			return request_fail(r, ERR_FORBIDDEN,
			                    "your role (%s) may not do %s on the %s network",
			                    r->sess.role, cmd->name, r->segment);
	}
	if ((rc = cmd->fn(r)) != 0) {
		/* A refusal raised by our own schema says best what was wrong. */
		if (r->errmsg == NULL && db_last_message(r->db)[0] != '\0')
			return request_fail(r, rc, "%s", db_last_message(r->db));
		return rc;
	}
	proto_reply_ok_begin(out, r->msg->id);
	msgpack_sbuffer_write(&out->buf, data->buf.data, data->buf.size);
	if ((cmd->flags & CMD_IDEMPOTENT) && (rc = dispatch_replay_store(r, cmd, out)) != 0)
		return rc;
	return audit_ok(r, cmd->name);
}

/* Records a refusal in a transaction of its own: the command's refusal hook and the audit
 * row. Returns 0 or an enum kura_err (nothing recorded). */
static int
dispatch_refusal_record(struct request *r, const struct command *cmd, const char *audit_op, int err)
{
	int rc;

	if ((rc = db_ensure(r->db)) != 0 || (rc = db_begin(r->db, true)) != 0)
		return rc;
	if (cmd != NULL && cmd->refused != NULL && cmd->refused(r, err) != 0) {
		/* Its statement failed and took the transaction with it: the audit row alone. */
		db_rollback(r->db);
		if ((rc = db_begin(r->db, true)) != 0)
			return rc;
	}
	if ((rc = audit_write(r, audit_op, err_code(err))) != 0 || (rc = db_commit(r->db)) != 0)
		db_rollback(r->db);
	return rc;
}

/* Notifies the committed request's change events (schema/014_deferred_events.sql) in a
 * statement of its own, so that commits never queue for NOTIFY's lock. A lost event costs a
 * client a refresh, not data: logged, and the request stays answered ok. */
static void
dispatch_announce(struct request *r)
{
	const char *params[1] = { r->events };
	PGresult *res;

	if (r->events == NULL)
		return;
	if (db_exec(r->db, STMT_EVENTS_NOTIFY, params, &res) != 0)
		log_warn("change events of %s not announced", r->msg->op);
	PQclear(res);
}

void
dispatch(struct db *db, const struct server_config *cfg, const void *buf, size_t len,
         const struct listener_config *listener, const char *peer, struct proto_writer *out)
{
	const struct mpcheck_limits lim = { cfg->max_message, 16, 65536 };
	struct proto_writer data;
	struct proto_request msg;
	struct request r;
	const struct command *cmd = NULL;
	const char *why = NULL;
	char audit_op[PROTO_OP_MAX + 16] = "(malformed)";
	int rc;

	memset(&r, 0, sizeof r);
	proto_writer_init(&data);
	proto_writer_reset(out);
	r.db = db;
	r.cfg = cfg;
	r.segment = listener->segment;
	r.events_url = listener->events;
	r.peer = peer;
	r.msg = &msg;
	r.pk = &data.pk;

	if ((rc = proto_request_decode(&msg, buf, len, &lim, &why)) != 0) {
		rc = request_fail(&r, ERR_BAD_REQUEST, "malformed request: %s", why);
		goto refuse;
	}
	if ((cmd = command_find(msg.op)) == NULL) {
		dispatch_audit_op(msg.op, audit_op, sizeof audit_op);
		rc = request_fail(&r, ERR_BAD_REQUEST, "unknown op");
		goto refuse;
	}
	snprintf(audit_op, sizeof audit_op, "%s", cmd->name);
	if ((rc = db_ensure(db)) != 0)
		goto refuse;
	if ((rc = db_begin(db, cmd->flags & CMD_WRITE)) != 0)
		goto refuse;
	if ((rc = dispatch_run(&r, cmd, &data, out)) != 0 || (rc = db_commit(db)) != 0)
		goto refuse;
	dispatch_announce(&r);
	goto out;

refuse:
	/* Nothing of the refused request's effect survives; its refusal is audited alone. */
	db_rollback(db);
	if (dispatch_refusal_record(&r, cmd, audit_op, rc) != 0)
		log_warn("request not audited (database unavailable): op=%s segment=%s peer=%s "
		         "outcome=%s",
		         audit_op, r.segment, peer, err_code(rc));
	proto_writer_reset(out);
	proto_reply_err(out, msg.has_id ? msg.id : NULL, rc, r.errmsg);
out:
	free(r.pii_cases);
	free(r.events);
	proto_request_fini(&msg);
	proto_writer_fini(&data);
}
