/* export.*: the two-person export of customer personal data. One person requests (what and
 * why), a different person approves, and the requester runs it once before it expires. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "err.h"
#include "mp.h"
#include "xmalloc.h"

#define EXPORT_MAX_RECEIPTS 1000

/* Reads args.id into a decimal string. */
static int
exports_id(struct request *r, char id[24])
{
	int64_t v;
	int rc;

	if ((rc = arg_int(r, "id", 1, INT64_MAX, 0, &v)) != 0)
		return rc;
	if (v == 0)
		return request_fail(r, ERR_BAD_REQUEST, "id is required");
	snprintf(id, 24, "%lld", (long long)v);
	return 0;
}

int
export_request(struct request *r)
{
	const msgpack_object *list = mp_get(r->msg->args, "receipts");
	char *reason = NULL, *receipts = NULL;
	size_t len = 0;
	PGresult *res = NULL;
	int rc;

	if ((rc = arg_str(r, "reason", true, 500, &reason)) != 0)
		goto out;
	if (list == NULL || list->type != MSGPACK_OBJECT_ARRAY || list->via.array.size == 0 ||
	    list->via.array.size > EXPORT_MAX_RECEIPTS) {
		rc = request_fail(r, ERR_BAD_REQUEST, "receipts must list 1 to %d receipt numbers",
		                  EXPORT_MAX_RECEIPTS);
		goto out;
	}
	for (uint32_t i = 0; i < list->via.array.size; i++) {
		char receipt[32];
		if (mp_strcpy(&list->via.array.ptr[i], receipt, sizeof receipt) != 0 ||
		    receipt[0] == '\0') {
			rc = request_fail(r, ERR_BAD_REQUEST,
			                  "receipts[%u] is not a receipt number", i);
			goto out;
		}
		db_array_add(&receipts, &len, receipt);
	}
	db_array_end(&receipts, &len);
	const char *params[4] = { r->sess.user_id, r->segment, receipts, reason };
	if ((rc = db_exec(r->db, STMT_EXPORT_REQUEST, params, &res)) != 0)
		goto out;
	if (PQntuples(res) != 1) {
		rc = request_fail(r, ERR_NOT_FOUND, "some receipt numbers do not exist");
		goto out;
	}
	snprintf(r->object, sizeof r->object, "export:%s", PQgetvalue(res, 0, 0));
	msgpack_pack_map(r->pk, 1);
	mp_packf(r->pk, "s i", "id", (int64_t)strtoll(PQgetvalue(res, 0, 0), NULL, 10));
out:
	PQclear(res);
	free(reason);
	free(receipts);
	return rc;
}

/* Explains why a request could not be approved or run. */
static int
exports_refusal(struct request *r, const char *id, bool approving)
{
	const char *params[1] = { id };
	PGresult *res;
	int rc;

	if ((rc = db_exec(r->db, STMT_EXPORT_STATE, params, &res)) != 0)
		return rc;
	if (PQntuples(res) != 1)
		rc = request_fail(r, ERR_NOT_FOUND, "no export request %s", id);
	else if (approving && strcmp(PQgetvalue(res, 0, 0), r->sess.user_id) == 0)
		rc = request_fail(r, ERR_FORBIDDEN, "a different person must approve your export");
	else if (approving)
		rc = request_fail(r, ERR_CONFLICT, "export request %s is already approved", id);
	else if (strcmp(PQgetvalue(res, 0, 0), r->sess.user_id) != 0)
		rc = request_fail(r, ERR_FORBIDDEN, "only the requester may run an export");
	else if (PQgetvalue(res, 0, 1)[0] != 't')
		rc = request_fail(r, ERR_INVALID_STATE, "export %s is not approved yet", id);
	else if (PQgetvalue(res, 0, 2)[0] == 't')
		rc = request_fail(r, ERR_INVALID_STATE, "export %s was already run", id);
	else
		rc =
		    request_fail(r, ERR_INVALID_STATE, "the approval of export %s has expired", id);
	PQclear(res);
	return rc;
}

int
export_approve(struct request *r)
{
	char id[24], ttl[16];
	PGresult *res;
	int rc;

	if ((rc = exports_id(r, id)) != 0)
		return rc;
	snprintf(r->object, sizeof r->object, "export:%s", id);
	snprintf(ttl, sizeof ttl, "%d", r->cfg->export_approval_ttl);
	const char *params[3] = { r->sess.user_id, id, ttl };
	if ((rc = db_exec(r->db, STMT_EXPORT_APPROVE, params, &res)) != 0)
		return rc;
	if (PQntuples(res) != 1) {
		PQclear(res);
		return exports_refusal(r, id, true);
	}
	/* The audit row names both people: the approver acts, the requester is named. */
	snprintf(r->object, sizeof r->object, "export:%s requested-by:%s", id,
	         PQgetvalue(res, 0, 0));
	msgpack_pack_map(r->pk, 2);
	mp_packf(r->pk, "s s s s", "requested_by", PQgetvalue(res, 0, 0), "expires_at",
	         PQgetvalue(res, 0, 1));
	PQclear(res);
	return 0;
}

int
export_run(struct request *r)
{
	static const char *const header[] = { "receipt", "received_at", "customer_name",
		                              "phone",   "email",       "address" };
	char id[24], *receipts = NULL;
	msgpack_sbuffer csv;
	PGresult *res = NULL;
	int rc;

	msgpack_sbuffer_init(&csv);
	if ((rc = exports_id(r, id)) != 0)
		goto out;
	snprintf(r->object, sizeof r->object, "export:%s", id);
	const char *params[2] = { id, r->sess.user_id };
	if ((rc = db_exec(r->db, STMT_EXPORT_RUN, params, &res)) != 0)
		goto out;
	if (PQntuples(res) != 1) {
		rc = exports_refusal(r, id, false);
		goto out;
	}
	receipts = xstrdup(PQgetvalue(res, 0, 0));
	snprintf(r->object, sizeof r->object, "export:%s approved-by:%s", id,
	         PQgetvalue(res, 0, 1));
	PQclear(res);
	const char *dparams[1] = { receipts };
	if ((rc = db_exec(r->db, STMT_EXPORT_DATA, dparams, &res)) != 0)
		goto out;
	for (int k = 0; k < 6; k++)
		csv_field(&csv, header[k], k == 5);
	for (int i = 0; i < PQntuples(res); i++)
		for (int k = 0; k < 6; k++)
			csv_field(&csv, PQgetvalue(res, i, k), k == 5);
	msgpack_pack_map(r->pk, 2);
	mp_packf(r->pk, "s i s S", "rows", (int64_t)PQntuples(res), "csv", csv.data, csv.size);
out:
	PQclear(res);
	free(receipts);
	msgpack_sbuffer_destroy(&csv);
	return rc;
}

int
export_list(struct request *r)
{
	static const char *const keys[] = {
		"id",           "requested_by", "reason",     "count",
		"requested_at", "approved_by",  "expires_at", "used_at"
	};
	PGresult *res;
	int rc;

	if ((rc = db_exec(r->db, STMT_EXPORT_LIST, NULL, &res)) != 0)
		return rc;
	msgpack_pack_map(r->pk, 1);
	mp_pack_str(r->pk, "rows");
	msgpack_pack_array(r->pk, (size_t)PQntuples(res));
	for (int i = 0; i < PQntuples(res); i++) {
		msgpack_pack_map(r->pk, 8);
		for (int k = 0; k < 8; k++) {
			const char *v = PQgetisnull(res, i, k) ? NULL : PQgetvalue(res, i, k);
			mp_pack_str(r->pk, keys[k]);
			if (v != NULL && (k == 0 || k == 3))
				msgpack_pack_int64(r->pk, strtoll(v, NULL, 10));
			else
				mp_pack_str(r->pk, v);
		}
	}
	PQclear(res);
	return 0;
}
