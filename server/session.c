/* Sessions: tokens are random, shown once to the client, and stored only as their SHA-256. */
#include "config.h"

#include "session.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"

#define TOKEN_BYTES 32

void
session_bytea_param(const unsigned char *bytes, size_t len, char *out)
{
	out[0] = '\\';
	out[1] = 'x';
	sodium_bin2hex(out + 2, 2 * len + 1, bytes, len);
}

/* The bytea parameter of a token's hash. */
static void
session_token_hash(const unsigned char token[TOKEN_BYTES], char param[2 * 32 + 3])
{
	unsigned char hash[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(hash, token, TOKEN_BYTES);
	session_bytea_param(hash, sizeof hash, param);
}

static void
session_copy(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src);
}

int
session_token_param(struct request *r, char out[2 * 32 + 3])
{
	unsigned char token[TOKEN_BYTES];
	size_t bin_len;

	if (!r->msg->has_tok ||
	    sodium_hex2bin(token, sizeof token, r->msg->tok, PROTO_TOKEN_CHARS, NULL, &bin_len,
	                   NULL) != 0 ||
	    bin_len != TOKEN_BYTES)
		return request_fail(r, ERR_UNAUTHENTICATED, "invalid session token");
	session_token_hash(token, out);
	return 0;
}

int
session_resolve(struct request *r)
{
	char hash[2 * 32 + 3], idle[16], absolute[16];
	const char *params[4] = { hash, r->segment, idle, absolute };
	PGresult *res;
	int rc;

	if ((rc = session_token_param(r, hash)) != 0)
		return rc;
	snprintf(idle, sizeof idle, "%d", r->cfg->session_idle_timeout);
	snprintf(absolute, sizeof absolute, "%d", r->cfg->session_absolute_timeout);
	if ((rc = db_exec(r->db, STMT_SESSION_TOUCH, params, &res)) != 0)
		return rc;
	if (PQntuples(res) != 1) {
		PQclear(res);
		return request_fail(r, ERR_UNAUTHENTICATED,
		                    "the session has ended: please sign in again");
	}
	struct session *s = &r->sess;
	session_copy(s->id, sizeof s->id, PQgetvalue(res, 0, 0));
	session_copy(s->user_id, sizeof s->user_id, PQgetvalue(res, 0, 1));
	session_copy(s->login, sizeof s->login, PQgetvalue(res, 0, 2));
	session_copy(s->name, sizeof s->name, PQgetvalue(res, 0, 3));
	session_copy(s->role, sizeof s->role, PQgetvalue(res, 0, 4));
	s->temporary = PQgetvalue(res, 0, 5)[0] == 't';
	s->rights = rights_parse(PQgetvalue(res, 0, 6));
	s->valid = true;
	PQclear(res);
	return 0;
}

int
session_create(struct request *r, const char *user_id, char tok[PROTO_TOKEN_CHARS + 1])
{
	unsigned char token[TOKEN_BYTES];
	char hash[2 * 32 + 3];
	const char *params[4] = { hash, user_id, r->segment, r->peer };
	PGresult *res;
	int rc;

	randombytes_buf(token, sizeof token);
	session_token_hash(token, hash);
	if ((rc = db_exec(r->db, STMT_SESSION_CREATE, params, &res)) == 0 &&
	    PQgetisnull(res, 0, 0)) {
		rc = request_fail(r, ERR_UNAUTHENTICATED, "the account is disabled");
	} else if (rc == 0) {
		session_copy(r->sess.id, sizeof r->sess.id, PQgetvalue(res, 0, 0));
		sodium_bin2hex(tok, PROTO_TOKEN_CHARS + 1, token, sizeof token);
	}
	PQclear(res);
	sodium_memzero(token, sizeof token);
	return rc;
}

int
session_delete(struct request *r)
{
	const char *params[1] = { r->sess.id };
	PGresult *res;
	int rc = db_exec(r->db, STMT_SESSION_DELETE, params, &res);

	PQclear(res);
	return rc;
}
