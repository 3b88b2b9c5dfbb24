/* auth.*: sign in, sign out, who am I. */
#include "config.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "err.h"
#include "mp.h"
#include "password.h"
#include "session.h"

#define LOGIN_MAX_CHARS   64
#define BAD_LOGIN_MESSAGE "wrong user name or password"

static void
auth_pack_identity(struct request *r, const char *login, const char *name, const char *role,
                   bool temporary, unsigned rights)
{
	mp_packf(r->pk, "s s s s s s s s s b s", "user", login, "name", name, "role", role,
	         "segment", r->segment, "temporary", (int)temporary, "rights");
	rights_pack(r->pk, rights);
}

int
auth_login(struct request *r)
{
	char *login = NULL, *password = NULL;
	char tok[PROTO_TOKEN_CHARS + 1];
	const char *params[2];
	PGresult *res = NULL;
	unsigned rights;
	bool temporary;
	int rc;

	if ((rc = arg_str(r, "user", true, LOGIN_MAX_CHARS, &login)) != 0 ||
	    (rc = arg_str(r, "password", true, PASSWORD_MAX_CHARS, &password)) != 0)
		goto out;
	params[0] = login;
	if ((rc = db_exec(r->db, STMT_USER_BY_LOGIN, params, &res)) != 0)
		goto out;
	/* Unknown and disabled users cost the same time and get the same answer as a wrong
	 * password, so that the answer does not tell which accounts exist. */
	if (PQntuples(res) != 1 || PQgetvalue(res, 0, 6)[0] == 't') {
		password_verify_dummy(password);
		rc = request_fail(r, ERR_UNAUTHENTICATED, BAD_LOGIN_MESSAGE);
		goto out;
	}
	snprintf(r->audit_user_id, sizeof r->audit_user_id, "%s", PQgetvalue(res, 0, 0));
	if (!password_verify(PQgetvalue(res, 0, 5), password)) {
		rc = request_fail(r, ERR_UNAUTHENTICATED, BAD_LOGIN_MESSAGE);
		goto out;
	}
	temporary = PQgetvalue(res, 0, 4)[0] == 't';
	{
		const char *rp[2] = { PQgetvalue(res, 0, 3), r->segment };
		PGresult *rr;
		if ((rc = db_exec(r->db, STMT_RIGHTS, rp, &rr)) != 0)
			goto out;
		rights = rights_parse(PQgetvalue(rr, 0, 0), temporary);
		PQclear(rr);
	}
	if (!(rights & RIGHT_BIT(RIGHT_SESSION_LOGIN))) {
		rc = request_fail(r, ERR_FORBIDDEN,
		                  "this account may not sign in on the %s network", r->segment);
		goto out;
	}
	if ((rc = session_create(r, r->audit_user_id, tok)) != 0)
		goto out;
	msgpack_pack_map(r->pk, 9);
	mp_packf(r->pk, "s s", "tok", tok);
	auth_pack_identity(r, PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 2), PQgetvalue(res, 0, 3),
	                   temporary, rights);
	mp_packf(r->pk, "s i s i", "idle_timeout", (int64_t)r->cfg->session_idle_timeout,
	         "absolute_timeout", (int64_t)r->cfg->session_absolute_timeout);
	sodium_memzero(tok, sizeof tok);
out:
	PQclear(res);
	if (password != NULL) {
		sodium_memzero(password, strlen(password));
		free(password);
	}
	free(login);
	return rc;
}

int
auth_logout(struct request *r)
{
	int rc = session_delete(r);

	if (rc == 0)
		msgpack_pack_map(r->pk, 0);
	return rc;
}

int
auth_whoami(struct request *r)
{
	msgpack_pack_map(r->pk, 6);
	auth_pack_identity(r, r->sess.login, r->sess.name, r->sess.role, r->sess.temporary,
	                   r->sess.rights);
	return 0;
}
