/* The case sheet (docs/casesheet.md): stamps, notes, queues, reply, shipment, custody,
 * locations, devices, work logs and documents. The stamp itself is kura.case_stamp() in the
 * database, so its checks and effects are one atomic step. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "err.h"
#include "mp.h"
#include "xmalloc.h"

#define MASK "***"

static const char *const casesheet_stages[] = { "intake",   "analysis", "report", "reply",
	                                        "recovery", "shipping", "erasure" };
static const char *const casesheet_doc_kinds[] = { "report", "estimate", "data_list" };
static const char *const casesheet_queues[] = { "awaiting-reply", "new-notes", "mine",
	                                        "erasure-due", "awaiting-shipment" };

static bool
casesheet_in(const char *s, const char *const *set, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(s, set[i]) == 0)
			return true;
	return false;
}

/* Reads the required receipt argument into buf and names it as the audit object. */
static int
casesheet_receipt(struct request *r, char buf[32])
{
	if (mp_strcpy(mp_get(r->msg->args, "receipt"), buf, 32) != 0 || buf[0] == '\0')
		return request_fail(r, ERR_BAD_REQUEST, "receipt is required");
	snprintf(r->object, sizeof r->object, "%s", buf);
	return 0;
}

/* Explains why a statement on receipt's case touched no row: no such case, or the case is
 * not at the stage where this is done. */
static int
casesheet_not_here(struct request *r, const char *receipt, const char *what, const char *stage)
{
	const char *params[1] = { receipt };
	PGresult *res;
	int rc;

	if ((rc = db_exec(r->db, STMT_CS_CASE_STAGE, params, &res)) != 0)
		return rc;
	if (PQntuples(res) != 1)
		rc = request_fail(r, ERR_NOT_FOUND, "no case with receipt number %s", receipt);
	else
		rc = request_fail(r, ERR_INVALID_STATE, "case %s is at stage %s: %s at stage %s",
		                  receipt, PQgetvalue(res, 0, 0), what, stage);
	PQclear(res);
	return rc;
}

/* ============================== stamps ============================== */

int
case_stamp(struct request *r)
{
	char receipt[32], retention[16];
	char *verify = NULL, *stage = NULL, *remark = NULL, *device = NULL, *eraser = NULL;
	char *method = NULL;
	PGresult *res = NULL;
	int rc;

	if ((rc = casesheet_receipt(r, receipt)) != 0 ||
	    (rc = arg_str(r, "verify", true, 32, &verify)) != 0 ||
	    (rc = arg_str(r, "stage", true, 16, &stage)) != 0 ||
	    (rc = arg_str(r, "remark", false, 500, &remark)) != 0 ||
	    (rc = arg_str(r, "device", false, 16, &device)) != 0 ||
	    (rc = arg_str(r, "eraser", false, 16, &eraser)) != 0 ||
	    (rc = arg_str(r, "method", false, 100, &method)) != 0)
		goto out;
	if (!casesheet_in(stage, casesheet_stages, 7)) {
		rc = request_fail(r, ERR_BAD_REQUEST, "unknown stage");
		goto out;
	}
	snprintf(r->object, sizeof r->object, "%s %s", receipt, stage);
	snprintf(retention, sizeof retention, "%d", r->cfg->image_retention_days);
	const char *params[8] = {
		receipt, verify, stage, remark, device, eraser, method, retention
	};
	if ((rc = db_exec(r->db, STMT_CS_STAMP, params, &res)) != 0)
		goto out;
	msgpack_pack_map(r->pk, 3);
	mp_packf(r->pk, "s s s s s {s s s s s s s s}", "receipt", receipt, "stage",
	         PQgetvalue(res, 0, 0), "stamped", "stage", stage, "at", PQgetvalue(res, 0, 2),
	         "by", r->sess.login, "outcome",
	         PQgetisnull(res, 0, 1) ? NULL : PQgetvalue(res, 0, 1));
out:
	PQclear(res);
	free(verify), free(stage), free(remark), free(device), free(eraser), free(method);
	return rc;
}

/* "…{tracking}…" with the tracking number put in; owned, or NULL without a template. */
static char *
casesheet_tracking_url(const struct request *r, const char *tracking)
{
	const char *tpl = r->cfg->tracking_url_template, *at;

	if (tpl == NULL || tracking == NULL || (at = strstr(tpl, "{tracking}")) == NULL)
		return NULL;
	return xasprintf("%.*s%s%s", (int)(at - tpl), tpl, tracking, at + strlen("{tracking}"));
}

int
case_sheet(struct request *r)
{
	static const char *const stamp_keys[] = { "stage",   "label",   "label_ja", "at",
		                                  "by",      "by_name", "segment",  "remark",
		                                  "outcome", "device" };
	char receipt[32];
	PGresult *c = NULL, *st = NULL;
	int rc;

	if ((rc = casesheet_receipt(r, receipt)) != 0)
		return rc;
	const char *params[1] = { receipt };
	if ((rc = db_exec(r->db, STMT_CS_SHEET_CASE, params, &c)) != 0)
		goto out;
	if (PQntuples(c) != 1) {
		rc = request_fail(r, ERR_NOT_FOUND, "no case with receipt number %s", receipt);
		goto out;
	}
	const char *idp[1] = { PQgetvalue(c, 0, 0) };
	if ((rc = db_exec(r->db, STMT_CS_SHEET_STAMPS, idp, &st)) != 0)
		goto out;
#define V(col) (PQgetisnull(c, 0, (col)) ? NULL : PQgetvalue(c, 0, (col)))
	char *url = casesheet_tracking_url(r, V(9));
	msgpack_pack_map(r->pk, 8);
	mp_packf(r->pk, "s s s s s", "receipt", V(1), "stage", V(2), "stages");
	pack_rows(r->pk, st, stamp_keys, "ssssssssss");
	mp_packf(r->pk, "s s", "device", V(3));
	mp_packf(r->pk, "s {s s s s s s}", "reply", "decision", V(4), "fax_date", V(5), "by", V(6));
	mp_packf(r->pk, "s {s s s s s s s b s b s s s s}", "shipment", "carrier", V(8), "tracking",
	         V(9), "tracking_url", url, "repair", V(10) != NULL && V(10)[0] == 't',
	         "address_confirmed", V(7) != NULL && V(7)[0] == 't', "by", V(11), "at", V(12));
	mp_packf(r->pk, "s s s b", "erasure_due", V(13), "closed", V(14) != NULL);
#undef V
	free(url);
out:
	PQclear(c);
	PQclear(st);
	return rc;
}

/* ============================== notes and queues ============================== */

int
case_note(struct request *r)
{
	char receipt[32], *body = NULL;
	PGresult *res = NULL;
	int rc;

	if ((rc = casesheet_receipt(r, receipt)) != 0 ||
	    (rc = arg_text(r, "body", true, 4000, &body)) != 0)
		goto out;
	const char *params[4] = { receipt, r->sess.user_id, r->segment, body };
	if ((rc = db_exec(r->db, STMT_CS_NOTE_ADD, params, &res)) != 0)
		goto out;
	if (PQntuples(res) != 1) {
		rc = request_fail(r, ERR_NOT_FOUND, "no case with receipt number %s", receipt);
		goto out;
	}
	msgpack_pack_map(r->pk, 1);
	mp_packf(r->pk, "s i", "id", (int64_t)strtoll(PQgetvalue(res, 0, 0), NULL, 10));
out:
	PQclear(res);
	free(body);
	return rc;
}

int
case_notes_seen(struct request *r)
{
	char receipt[32], upto_s[24];
	int64_t upto;
	PGresult *res;
	int rc;

	if ((rc = casesheet_receipt(r, receipt)) != 0 ||
	    (rc = arg_int(r, "upto", 1, INT64_MAX, 0, &upto)) != 0)
		return rc;
	snprintf(upto_s, sizeof upto_s, "%lld", (long long)upto);
	const char *params[3] = { r->sess.user_id, receipt, upto > 0 ? upto_s : NULL };
	if ((rc = db_exec(r->db, STMT_CS_NOTES_SEEN, params, &res)) != 0)
		return rc;
	if (PQntuples(res) != 1) {
		PQclear(res);
		return request_fail(r, ERR_NOT_FOUND, "no case with receipt number %s", receipt);
	}
	PQclear(res);
	msgpack_pack_map(r->pk, 0);
	return 0;
}

int
case_queue(struct request *r)
{
	static const char *const keys[] = { "id",          "receipt", "received_at",  "stage",
		                            "stage_label", "medium",  "customer_name" };
	bool pii = (r->sess.rights & RIGHT_BIT(RIGHT_PII_READ)) != 0;
	char *queue = NULL;
	PGresult *res = NULL;
	int rc;

	if ((rc = arg_str(r, "queue", true, 32, &queue)) != 0)
		goto out;
	if (!casesheet_in(queue, casesheet_queues, 5)) {
		rc = request_fail(
		    r, ERR_BAD_REQUEST,
		    "queue must be one of awaiting-reply, new-notes, mine, erasure-due, "
		    "awaiting-shipment");
		goto out;
	}
	const char *params[3] = { queue, r->sess.user_id, r->segment };
	if ((rc = db_exec(r->db, pii ? STMT_CS_QUEUE_PII : STMT_CS_QUEUE, params, &res)) != 0)
		goto out;
	msgpack_pack_map(r->pk, 2);
	mp_packf(r->pk, "s s s", "queue", queue, "rows");
	msgpack_pack_array(r->pk, (size_t)PQntuples(res));
	for (int i = 0; i < PQntuples(res); i++) {
		if (pii) {
			pack_row(r->pk, res, i, keys, "issssss");
			if (!PQgetisnull(res, i, 6))
				request_pii_case(r, PQgetvalue(res, i, 0));
			continue;
		}
		/* Without pii.read the statement reads no personal data: say so. */
		msgpack_pack_map(r->pk, 7);
		for (int k = 0; k < 6; k++) {
			mp_pack_str(r->pk, keys[k]);
			if (k == 0)
				msgpack_pack_int64(r->pk, strtoll(PQgetvalue(res, i, k), NULL, 10));
			else
				mp_pack_str(r->pk, PQgetvalue(res, i, k));
		}
		mp_packf(r->pk, "s s", "customer_name", MASK);
	}
out:
	PQclear(res);
	free(queue);
	return rc;
}

/* ============================== reply and shipment ============================== */

int
case_reply(struct request *r)
{
	char receipt[32], *decision = NULL, *fax_date = NULL;
	PGresult *res = NULL;
	int rc;

	if ((rc = casesheet_receipt(r, receipt)) != 0 ||
	    (rc = arg_str(r, "decision", true, 16, &decision)) != 0 ||
	    (rc = arg_str(r, "fax_date", true, 10, &fax_date)) != 0)
		goto out;
	if (strcmp(decision, "proceed") != 0 && strcmp(decision, "cancel") != 0) {
		rc = request_fail(r, ERR_BAD_REQUEST, "decision must be proceed or cancel");
		goto out;
	}
	if (strlen(fax_date) != 10 || strspn(fax_date, "0123456789-") != 10) {
		rc = request_fail(r, ERR_BAD_REQUEST, "fax_date must be YYYY-MM-DD");
		goto out;
	}
	const char *params[4] = { receipt, decision, fax_date, r->sess.user_id };
	if ((rc = db_exec(r->db, STMT_CS_REPLY, params, &res)) != 0) {
		if (rc == ERR_BAD_REQUEST)
			rc = request_fail(r, rc, "fax_date is not a valid date");
		goto out;
	}
	if (PQntuples(res) != 1) {
		rc = casesheet_not_here(r, receipt, "the customer's reply is recorded", "reply");
		goto out;
	}
	msgpack_pack_map(r->pk, 0);
out:
	PQclear(res);
	free(decision), free(fax_date);
	return rc;
}

int
case_ship(struct request *r)
{
	const msgpack_object *repair_o = mp_get(r->msg->args, "repair");
	const msgpack_object *confirmed_o = mp_get(r->msg->args, "address_confirmed");
	bool repair =
	    repair_o != NULL && repair_o->type == MSGPACK_OBJECT_BOOLEAN && repair_o->via.boolean;
	bool confirmed = confirmed_o != NULL && confirmed_o->type == MSGPACK_OBJECT_BOOLEAN &&
	                 confirmed_o->via.boolean;
	char receipt[32], *carrier = NULL, *tracking = NULL, *url = NULL;
	PGresult *res = NULL;
	int rc;

	if ((rc = casesheet_receipt(r, receipt)) != 0 ||
	    (rc = arg_str(r, "carrier", !repair, 60, &carrier)) != 0 ||
	    (rc = arg_str(r, "tracking", !repair, 40, &tracking)) != 0)
		goto out;
	if (!repair && !confirmed) {
		rc =
		    request_fail(r, ERR_BAD_REQUEST,
		                 "confirm the return address against the case (address_confirmed)");
		goto out;
	}
	if (tracking != NULL && strspn(tracking, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstu"
	                                         "vwxyz0123456789-") != strlen(tracking)) {
		rc = request_fail(r, ERR_BAD_REQUEST, "tracking may hold letters, digits and -");
		goto out;
	}
	const char *params[6] = { receipt,
		                  confirmed ? "t" : "f",
		                  repair ? NULL : carrier,
		                  repair ? NULL : tracking,
		                  repair ? "t" : "f",
		                  r->sess.user_id };
	if ((rc = db_exec(r->db, STMT_CS_SHIP, params, &res)) != 0)
		goto out;
	if (PQntuples(res) != 1) {
		rc = casesheet_not_here(r, receipt, "the shipment is recorded", "shipping");
		goto out;
	}
	url = casesheet_tracking_url(r, repair ? NULL : tracking);
	msgpack_pack_map(r->pk, 1);
	mp_packf(r->pk, "s s", "tracking_url", url);
out:
	PQclear(res);
	free(carrier), free(tracking), free(url);
	return rc;
}

/* ============================== custody and locations ============================== */

int
custody_move(struct request *r)
{
	char *label = NULL, *to = NULL, *reason = NULL;
	PGresult *res = NULL;
	int rc;

	if ((rc = arg_str(r, "label", true, 40, &label)) != 0 ||
	    (rc = arg_str(r, "to", true, 32, &to)) != 0 ||
	    (rc = arg_str(r, "reason", true, 200, &reason)) != 0)
		goto out;
	snprintf(r->object, sizeof r->object, "%s", label);
	const char *params[3] = { label, to, reason };
	if ((rc = db_exec(r->db, STMT_CS_CUSTODY_MOVE, params, &res)) != 0) {
		if (rc == ERR_BAD_REQUEST)
			rc = request_fail(r, rc, "unknown location %s", to);
		goto out;
	}
	if (PQntuples(res) != 1) {
		rc = request_fail(r, ERR_NOT_FOUND, "no item labelled %s", label);
		goto out;
	}
	if (strcmp(PQgetvalue(res, 0, 0), "0") == 0) {
		rc = request_fail(r, ERR_INVALID_STATE, "%s is already at %s", label, to);
		goto out;
	}
	msgpack_pack_map(r->pk, 0);
out:
	PQclear(res);
	free(label), free(to), free(reason);
	return rc;
}

/* Runs a statement without parameters and packs its rows under key. */
static int
casesheet_list(struct request *r, enum db_stmt stmt, const char *const *params, const char *key,
               const char *const *keys, const char *types)
{
	PGresult *res;
	int rc;

	if ((rc = db_exec(r->db, stmt, params, &res)) != 0)
		return rc;
	msgpack_pack_map(r->pk, 1);
	mp_pack_str(r->pk, key);
	pack_rows(r->pk, res, keys, types);
	PQclear(res);
	return 0;
}

int
custody_ledger(struct request *r)
{
	static const char *const loc_keys[] = { "location", "label", "label_ja", "count" };
	static const char *const item_keys[] = { "label",    "receipt", "kind",
		                                 "location", "since",   "description" };
	PGresult *locs = NULL, *items = NULL;
	int rc;

	if ((rc = db_exec(r->db, STMT_CS_LEDGER_COUNTS, NULL, &locs)) != 0 ||
	    (rc = db_exec(r->db, STMT_CS_LEDGER_ITEMS, NULL, &items)) != 0)
		goto out;
	msgpack_pack_map(r->pk, 2);
	mp_pack_str(r->pk, "locations");
	pack_rows(r->pk, locs, loc_keys, "sssi");
	mp_pack_str(r->pk, "items");
	pack_rows(r->pk, items, item_keys, "ssssss");
out:
	PQclear(locs);
	PQclear(items);
	return rc;
}

int
case_custody(struct request *r)
{
	static const char *const keys[] = { "label", "at", "by", "from", "to", "reason" };
	char receipt[32];
	int rc;

	if ((rc = casesheet_receipt(r, receipt)) != 0)
		return rc;
	const char *params[1] = { receipt };
	return casesheet_list(r, STMT_CS_CUSTODY, params, "events", keys, "ssssss");
}

int
location_list(struct request *r)
{
	static const char *const keys[] = { "name", "label", "label_ja", "held" };
	return casesheet_list(r, STMT_CS_LOCATIONS, NULL, "rows", keys, "sssb");
}

int
location_add(struct request *r)
{
	char *name = NULL, *label = NULL, *label_ja = NULL;
	PGresult *res = NULL;
	int rc;

	if ((rc = arg_str(r, "name", true, 32, &name)) != 0 ||
	    (rc = arg_str(r, "label", true, 60, &label)) != 0 ||
	    (rc = arg_str(r, "label_ja", false, 60, &label_ja)) != 0)
		goto out;
	snprintf(r->object, sizeof r->object, "location:%s", name);
	const char *params[3] = { name, label, label_ja };
	if ((rc = db_exec(r->db, STMT_CS_LOCATION_ADD, params, &res)) != 0) {
		if (rc == ERR_CONFLICT)
			rc = request_fail(r, rc, "location %s exists", name);
		else if (rc == ERR_BAD_REQUEST)
			rc = request_fail(r, rc, "name: lower-case letters, digits and -, 2-32");
		goto out;
	}
	msgpack_pack_map(r->pk, 0);
out:
	PQclear(res);
	free(name), free(label), free(label_ja);
	return rc;
}

/* ============================== devices ============================== */

int
device_list(struct request *r)
{
	static const char *const keys[] = { "id",     "label",    "kind",
		                            "active", "bound_to", "bound_since" };
	return casesheet_list(r, STMT_CS_DEVICES, NULL, "rows", keys, "sssbss");
}

int
device_add(struct request *r)
{
	char *id = NULL, *label = NULL, *kind = NULL;
	PGresult *res = NULL;
	int rc;

	if ((rc = arg_str(r, "id", true, 16, &id)) != 0 ||
	    (rc = arg_str(r, "label", true, 60, &label)) != 0 ||
	    (rc = arg_str(r, "kind", true, 16, &kind)) != 0)
		goto out;
	snprintf(r->object, sizeof r->object, "device:%s", id);
	if (strcmp(kind, "analysis") != 0 && strcmp(kind, "eraser") != 0) {
		rc = request_fail(r, ERR_BAD_REQUEST, "kind must be analysis or eraser");
		goto out;
	}
	const char *params[3] = { id, label, kind };
	if ((rc = db_exec(r->db, STMT_CS_DEVICE_ADD, params, &res)) != 0) {
		if (rc == ERR_CONFLICT)
			rc = request_fail(r, rc, "device %s exists", id);
		else if (rc == ERR_BAD_REQUEST)
			rc = request_fail(r, rc, "id: capital letters, digits and -, up to 16");
		goto out;
	}
	msgpack_pack_map(r->pk, 0);
out:
	PQclear(res);
	free(id), free(label), free(kind);
	return rc;
}

int
device_report(struct request *r)
{
	static const char *const dev_keys[] = { "id", "label", "cases", "hours" };
	static const char *const case_keys[] = { "receipt", "minutes", "technicians" };
	PGresult *devs = NULL, *cases = NULL;
	int rc;

	if ((rc = db_exec(r->db, STMT_CS_DEVICE_REPORT_DEVICES, NULL, &devs)) != 0 ||
	    (rc = db_exec(r->db, STMT_CS_DEVICE_REPORT_CASES, NULL, &cases)) != 0)
		goto out;
	msgpack_pack_map(r->pk, 2);
	mp_pack_str(r->pk, "devices");
	pack_rows(r->pk, devs, dev_keys, "ssif");
	mp_pack_str(r->pk, "cases");
	pack_rows(r->pk, cases, case_keys, "sis");
out:
	PQclear(devs);
	PQclear(cases);
	return rc;
}

/* ============================== work logs ============================== */

int
worklog_add(struct request *r)
{
	char receipt[32], *kind = NULL, *body = NULL, minutes_s[16];
	int64_t minutes;
	PGresult *res = NULL;
	int rc;

	if ((rc = casesheet_receipt(r, receipt)) != 0 ||
	    (rc = arg_str(r, "kind", true, 16, &kind)) != 0 ||
	    (rc = arg_int(r, "minutes", 1, 1440, 0, &minutes)) != 0 ||
	    (rc = arg_text(r, "body", true, 4000, &body)) != 0)
		goto out;
	if (strcmp(kind, "logical") != 0 && strcmp(kind, "physical") != 0) {
		rc = request_fail(r, ERR_BAD_REQUEST, "kind must be logical or physical");
		goto out;
	}
	if (minutes == 0) {
		rc = request_fail(r, ERR_BAD_REQUEST, "minutes is required (1-1440)");
		goto out;
	}
	snprintf(minutes_s, sizeof minutes_s, "%lld", (long long)minutes);
	const char *params[5] = { receipt, r->sess.user_id, kind, minutes_s, body };
	if ((rc = db_exec(r->db, STMT_CS_WORKLOG_ADD, params, &res)) != 0)
		goto out;
	if (PQntuples(res) != 1) {
		rc = request_fail(r, ERR_NOT_FOUND, "no case with receipt number %s", receipt);
		goto out;
	}
	msgpack_pack_map(r->pk, 1);
	mp_packf(r->pk, "s i", "id", (int64_t)strtoll(PQgetvalue(res, 0, 0), NULL, 10));
out:
	PQclear(res);
	free(kind), free(body);
	return rc;
}

int
worklog_list(struct request *r)
{
	static const char *const keys[] = { "id", "at", "by", "kind", "minutes", "body" };
	char receipt[32];
	PGresult *res;
	int64_t total = 0;
	int rc;

	if ((rc = casesheet_receipt(r, receipt)) != 0)
		return rc;
	const char *params[1] = { receipt };
	if ((rc = db_exec(r->db, STMT_CS_WORKLOG_LIST, params, &res)) != 0)
		return rc;
	for (int i = 0; i < PQntuples(res); i++)
		total += strtoll(PQgetvalue(res, i, 4), NULL, 10);
	msgpack_pack_map(r->pk, 2);
	mp_pack_str(r->pk, "rows");
	pack_rows(r->pk, res, keys, "isssis");
	mp_packf(r->pk, "s i", "minutes_total", total);
	PQclear(res);
	return 0;
}

/* ============================== documents ============================== */

static int
casesheet_doc_kind(struct request *r, char **kind)
{
	int rc = arg_str(r, "kind", true, 16, kind);

	if (rc == 0 && !casesheet_in(*kind, casesheet_doc_kinds, 3))
		rc = request_fail(r, ERR_BAD_REQUEST, "kind must be report, estimate or data_list");
	return rc;
}

int
document_issue(struct request *r)
{
	char receipt[32], *kind = NULL, *content = NULL;
	PGresult *res = NULL;
	int rc;

	if ((rc = casesheet_receipt(r, receipt)) != 0 || (rc = casesheet_doc_kind(r, &kind)) != 0 ||
	    (rc = arg_text(r, "content", true, 200000, &content)) != 0)
		goto out;
	const char *params[4] = { receipt, kind, content, r->sess.user_id };
	if ((rc = db_exec(r->db, STMT_CS_DOC_ISSUE, params, &res)) != 0)
		goto out;
	if (PQntuples(res) != 1) {
		rc = request_fail(r, ERR_NOT_FOUND, "no case with receipt number %s", receipt);
		goto out;
	}
	snprintf(r->object, sizeof r->object, "%s %s v%s", receipt, kind, PQgetvalue(res, 0, 0));
	msgpack_pack_map(r->pk, 2);
	mp_packf(r->pk, "s i s s", "version", (int64_t)strtoll(PQgetvalue(res, 0, 0), NULL, 10),
	         "sha256", PQgetvalue(res, 0, 1));
out:
	PQclear(res);
	free(kind), free(content);
	return rc;
}

int
document_approve(struct request *r)
{
	char receipt[32], *kind = NULL, version_s[16];
	int64_t version;
	PGresult *res = NULL;
	int rc;

	if ((rc = casesheet_receipt(r, receipt)) != 0 || (rc = casesheet_doc_kind(r, &kind)) != 0 ||
	    (rc = arg_int(r, "version", 1, 1000000, 0, &version)) != 0)
		goto out;
	if (version == 0) {
		rc = request_fail(r, ERR_BAD_REQUEST, "version is required");
		goto out;
	}
	snprintf(version_s, sizeof version_s, "%lld", (long long)version);
	snprintf(r->object, sizeof r->object, "%s %s v%s", receipt, kind, version_s);
	const char *params[4] = { receipt, kind, version_s, r->sess.user_id };
	if ((rc = db_exec(r->db, STMT_CS_DOC_APPROVE, params, &res)) != 0)
		goto out;
	if (PQntuples(res) == 1) {
		msgpack_pack_map(r->pk, 0);
		goto out;
	}
	PQclear(res);
	res = NULL;
	const char *sp[3] = { receipt, kind, version_s };
	if ((rc = db_exec(r->db, STMT_CS_DOC_STATE, sp, &res)) != 0)
		goto out;
	if (PQntuples(res) != 1)
		rc = request_fail(r, ERR_NOT_FOUND, "no %s version %s for case %s", kind, version_s,
		                  receipt);
	else if (strcmp(PQgetvalue(res, 0, 0), r->sess.user_id) == 0)
		rc = request_fail(r, ERR_FORBIDDEN,
		                  "a document is approved by someone other than its issuer");
	else
		rc = request_fail(r, ERR_CONFLICT, "%s version %s is already approved", kind,
		                  version_s);
out:
	PQclear(res);
	free(kind);
	return rc;
}

int
document_list(struct request *r)
{
	static const char *const keys[] = { "kind",      "version",     "sha256",     "issued_by",
		                            "issued_at", "approved_by", "approved_at" };
	char receipt[32];
	int rc;

	if ((rc = casesheet_receipt(r, receipt)) != 0)
		return rc;
	const char *params[1] = { receipt };
	return casesheet_list(r, STMT_CS_DOC_LIST, params, "rows", keys, "sisssss");
}

int
document_get(struct request *r)
{
	static const char *const keys[] = {
		"kind",      "version",   "content",     "sha256",
		"issued_by", "issued_at", "approved_by", "approved_at"
	};
	char receipt[32], *kind = NULL, version_s[16];
	int64_t version;
	PGresult *res = NULL;
	int rc;

	if ((rc = casesheet_receipt(r, receipt)) != 0 || (rc = casesheet_doc_kind(r, &kind)) != 0 ||
	    (rc = arg_int(r, "version", 1, 1000000, 0, &version)) != 0)
		goto out;
	snprintf(version_s, sizeof version_s, "%lld", (long long)version);
	const char *params[3] = { receipt, kind, version > 0 ? version_s : NULL };
	if ((rc = db_exec(r->db, STMT_CS_DOC_GET, params, &res)) != 0)
		goto out;
	if (PQntuples(res) != 1) {
		rc = request_fail(r, ERR_NOT_FOUND, "no such %s for case %s", kind, receipt);
		goto out;
	}
	pack_row(r->pk, res, 0, keys, "sissssss");
out:
	PQclear(res);
	free(kind);
	return rc;
}
