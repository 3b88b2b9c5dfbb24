/* The audit log: who, when, from where, what, on which object, with what outcome. Never a
 * secret or a personal-data value: handlers name objects by receipt number or id. */
#include "config.h"

#include "audit.h"

#include "err.h"
#include "session.h"

int
audit_write(struct request *r, const char *op, const char *outcome)
{
	char request_id[2 * PROTO_ID_LEN + 3];
	const char *user_id = r->sess.user_id[0]    ? r->sess.user_id
	                      : r->audit_user_id[0] ? r->audit_user_id
	                                            : NULL;
	const char *params[8] = {
		user_id, r->sess.id[0] ? r->sess.id : NULL, r->segment, r->peer,
		op,      r->object[0] ? r->object : NULL,   outcome,    NULL,
	};
	PGresult *res;
	int rc;

	if (r->msg != NULL && r->msg->has_id) {
		session_bytea_param(r->msg->id, PROTO_ID_LEN, request_id);
		params[7] = request_id;
	}
	rc = db_exec(r->db, STMT_AUDIT_INSERT, params, &res);
	PQclear(res);
	return rc;
}

int
audit_pii_read(struct request *r, const char *op)
{
	char request_id[2 * PROTO_ID_LEN + 3];
	const char *params[6] = { r->sess.user_id, r->sess.id,  r->segment, op,
		                  request_id,      r->pii_cases };
	PGresult *res;
	int rc;

	session_bytea_param(r->msg->id, PROTO_ID_LEN, request_id);
	rc = db_exec(r->db, STMT_PII_READ, params, &res);
	PQclear(res);
	return rc;
}
