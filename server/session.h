/* Sessions: 256-bit random tokens, stored only as SHA-256, bound to their segment. */
#ifndef KURA_SESSION_H
#define KURA_SESSION_H

#include <stddef.h>

#include "proto.h"
#include "request.h"

/* Fills r->sess from the request's token on r->segment, touches it, and makes the rest of
 * the transaction run as the user's database role, user and segment (in one statement).
 * Returns 0 or ERR_UNAUTHENTICATED (unknown, expired, other segment, disabled user). */
int session_resolve(struct request *r);

/* The bytea parameter of the SHA-256 of the request's token, into out.
 * Returns 0 or ERR_UNAUTHENTICATED when the token is not 64 hex characters. */
int session_token_param(struct request *r, char out[2 * 32 + 3]);

/* Opens a session for user_id (borrowed) on r->segment. On 0, tok holds the new token
 * (its only copy: it is not stored) and r->sess.id the session's id. */
int session_create(struct request *r, const char *user_id, char tok[PROTO_TOKEN_CHARS + 1]);

/* Ends the session r->sess. */
int session_delete(struct request *r);

/* Formats bytes as a bytea parameter ("\x" and hex) into out (2 * len + 3 bytes). */
void session_bytea_param(const unsigned char *bytes, size_t len, char *out);

#endif
