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
                   bool temporary, uint64_t rights)
{
	mp_packf(r->pk, "s s s s s s s s s b s", "user", login, "name", name, "role", role,
	         "segment", r->segment, "temporary", (int)temporary, "rights");
	rights_pack(r->pk, rights);
}

/* The throttling keys of a sign-in: SHA-256 of the account name and of the peer's address
 * (without its port), as bytea parameters. */
struct login_keys {
	char user[2 * 32 + 3];
	char peer[2 * 32 + 3];
};

static void
auth_key(const char *kind, const char *value, size_t len, char out[2 * 32 + 3])
{
	unsigned char hash[crypto_hash_sha256_BYTES];
	crypto_hash_sha256_state st;

	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const unsigned char *)kind, strlen(kind) + 1);
	crypto_hash_sha256_update(&st, (const unsigned char *)value, len);
	crypto_hash_sha256_final(&st, hash);
	session_bytea_param(hash, sizeof hash, out);
}

static void
auth_login_keys(const struct request *r, const char *login, struct login_keys *k)
{
	const char *colon = strrchr(r->peer, ':');
	size_t len = colon != NULL ? (size_t)(colon - r->peer) : strlen(r->peer);

	auth_key("user", login, strlen(login), k->user);
	auth_key("peer", r->peer, len, k->peer);
}

/* Refuses while the account or the address must wait after failed sign-ins. */
static int
auth_login_throttle(struct request *r, const struct login_keys *k)
{
	const char *params[2] = { k->user, k->peer };
	PGresult *res;
	int rc, wait;

	if ((rc = db_exec(r->db, STMT_LOGIN_WAIT, params, &res)) != 0)
		return rc;
	wait = atoi(PQgetvalue(res, 0, 0));
	PQclear(res);
	if (wait > 0)
		return request_fail(r, ERR_RATE_LIMITED,
		                    "too many failed sign-ins: try again in %d seconds", wait);
	return 0;
}

int
auth_login_refused(struct request *r, int err)
{
	const msgpack_object *user = mp_get(r->msg->args, "user");
	struct login_keys k;
	char login[LOGIN_MAX_CHARS * 4 + 1];
	PGresult *res;

	/* Only a wrong name or password counts; a refusal of the network or a throttled try
	 * does not. Runs after the rollback, so the count survives it. */
	if (err != ERR_UNAUTHENTICATED || mp_strcpy(user, login, sizeof login) != 0)
		return 0;
	auth_login_keys(r, login, &k);
	const char *params[2] = { k.user, k.peer };
	int rc = db_exec(r->db, STMT_LOGIN_FAILED, params, &res);

	PQclear(res);
	return rc;
}

int
auth_login(struct request *r)
{
	char *login = NULL, *password = NULL;
	char tok[PROTO_TOKEN_CHARS + 1];
	struct login_keys keys;
	const char *params[2];
	PGresult *res = NULL;
	uint64_t rights;
	bool temporary;
	int rc;

	if ((rc = arg_str(r, "user", true, LOGIN_MAX_CHARS, &login)) != 0 ||
	    (rc = arg_str(r, "password", true, PASSWORD_MAX_CHARS, &password)) != 0)
		goto out;
	auth_login_keys(r, login, &keys);
	if ((rc = auth_login_throttle(r, &keys)) != 0)
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
		const char *rp[3] = { PQgetvalue(res, 0, 3), r->segment, temporary ? "t" : "f" };
		PGresult *rr;
		if ((rc = db_exec(r->db, STMT_RIGHTS, rp, &rr)) != 0)
			goto out;
		rights = rights_parse(PQgetvalue(rr, 0, 0));
		PQclear(rr);
	}
	if (!(rights & RIGHT_BIT(RIGHT_SESSION_LOGIN))) {
		rc = request_fail(r, ERR_FORBIDDEN,
		                  "this account may not sign in on the %s network", r->segment);
		goto out;
	}
	if ((rc = session_create(r, r->audit_user_id, tok)) != 0)
		goto out;
	{
		const char *kp[1] = { keys.user };
		PGresult *kr;
		if ((rc = db_exec(r->db, STMT_LOGIN_SUCCEEDED, kp, &kr)) != 0)
			goto out;
		PQclear(kr);
	}
	msgpack_pack_map(r->pk, 11);
	mp_packf(r->pk, "s s s i s s", "tok", tok, "session",
	         (int64_t)strtoll(r->sess.id, NULL, 10), "events", r->events_url);
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
