/* A blocking kura client over nng req0, for tests and command-line tools.
 * Every wait has a timeout, after which the same request (same id) is sent again. */
#ifndef KURA_CLIENT_H
#define KURA_CLIENT_H

#include <stddef.h>

#include "proto.h"
#include "tls.h"

struct kclient;

/* Dials url (tcp://, ipc://). timeout_ms bounds each wait for a reply.
 * Returns 0 with *out owned by the caller, or ERR_UNAVAILABLE. */
int kclient_open(struct kclient **out, const char *url, int timeout_ms);
/* The same for tls+tcp:// too: the server is verified against tls->ca (and tls->server_name,
 * by default the URL's host); tls->cert/key are presented as the client certificate.
 * tls: borrowed; NULL for plain URLs. */
int kclient_open_tls(struct kclient **out, const char *url, int timeout_ms,
                     const struct tls_files *tls);
void kclient_free(struct kclient *c);

/* The session token sent with later calls; tok: borrowed, copied. NULL clears it. */
void kclient_set_token(struct kclient *c, const char *tok);
const char *kclient_token(const struct kclient *c);

/* Calls op with args packed by mp_packf(argsfmt, ...) (argsfmt NULL: an empty map).
 * On 0, rep holds the decoded reply (ok or not) and must be finished with proto_reply_fini.
 * Returns ERR_UNAVAILABLE when no reply came after all retries. */
int kclient_call(struct kclient *c, struct proto_reply *rep, const char *op, const char *argsfmt,
                 ...);
/* Sends raw bytes and waits for one reply, which is decoded into rep (0), or
 * ERR_UNAVAILABLE (no reply) or ERR_BAD_REQUEST (reply undecodable). */
int kclient_raw(struct kclient *c, struct proto_reply *rep, const void *buf, size_t len);

/* Convenience: auth.login; on success stores the token. Returns 0 or the reply's error. */
int kclient_login(struct kclient *c, const char *user, const char *password);

#endif
