/* The audit log: who, when, from where, what, on which object, with what outcome. Never a
 * secret or a personal-data value: handlers name objects by receipt number or id. */
#include "config.h"

#include "audit.h"

#include <stdlib.h>

#include "err.h"
#include "session.h"
#include "xmalloc.h"

/* The audit row of r; with pii_cases (a bigint[] literal), in the same statement, the record
 * that r's reply held those cases' personal data. */
static int
audit_insert(struct request *r, const char *op, const char *outcome, const char *pii_cases)
{
	char request_id[2 * PROTO_ID_LEN + 3];
	const char *user_id = r->sess.user_id[0]    ? r->sess.user_id
	                      : r->audit_user_id[0] ? r->audit_user_id
	                                            : NULL;
	const char *params[9] = {
		user_id,   r->sess.id[0] ? r->sess.id : NULL, r->segment, r->peer,
		op,        r->object[0] ? r->object : NULL,   outcome,    NULL,
		pii_cases,
	};
	PGresult *res;
	int rc;

	if (r->msg != NULL && r->msg->has_id) {
		session_bytea_param(r->msg->id, PROTO_ID_LEN, request_id);
		params[7] = request_id;
	}
	rc = db_exec(r->db, pii_cases != NULL ? STMT_AUDIT_INSERT_PII : STMT_AUDIT_INSERT, params,
	             &res);
	if (rc == 0) {
		free(r->events);
		r->events = PQntuples(res) == 1 && PQgetlength(res, 0, 0) > 0
		                ? xstrdup(PQgetvalue(res, 0, 0))
		                : NULL;
	}
	PQclear(res);
	return rc;
}

int
audit_write(struct request *r, const char *op, const char *outcome)
{
	return audit_insert(r, op, outcome, NULL);
}

int
audit_ok(struct request *r, const char *op)
{
	return audit_insert(r, op, "ok", r->pii_cases);
}
