/* The wire envelope (docs/protocol.md): requests {v, id, op, tok, args} and replies
 * {v, id, ok, data} or {v, id, ok:false, err:{code, msg}}, all msgpack maps. */
#ifndef KURA_PROTO_H
#define KURA_PROTO_H

#include <msgpack.h>
#include <stdbool.h>
#include <stdint.h>

#include "mpcheck.h"

#define PROTO_VERSION     1
#define PROTO_ID_LEN      16
#define PROTO_OP_MAX      64  /* including NUL */
#define PROTO_TOKEN_CHARS 64  /* hex of a 256-bit token */
#define PROTO_ERRMSG_MAX  256 /* including NUL */

struct proto_request {
	uint8_t id[PROTO_ID_LEN];
	bool has_id;
	char op[PROTO_OP_MAX];
	char tok[PROTO_TOKEN_CHARS + 1];
	bool has_tok;
	const msgpack_object *args; /* always a map (an empty one when absent); lives in unp */
	msgpack_unpacked unp;
	msgpack_object empty_args;
};

/* Decodes a request after mpcheck. buf: borrowed, and must outlive req (msgpack-c's strings
 * point into it). On failure, why says what was wrong and
 * req->id/has_id are set if the id could be read, so the error reply can carry it.
 * Returns 0 or ERR_BAD_REQUEST. proto_request_fini must be called either way. */
int proto_request_decode(struct proto_request *req, const void *buf, size_t len,
                         const struct mpcheck_limits *lim, const char **why);
void proto_request_fini(struct proto_request *req);

struct proto_reply {
	uint8_t id[PROTO_ID_LEN];
	bool has_id;
	bool ok;
	const msgpack_object *data; /* when ok; lives in unp (nil object when absent) */
	int err;                    /* when !ok: an enum kura_err */
	char err_msg[PROTO_ERRMSG_MAX];
	msgpack_unpacked unp;
	msgpack_object nil;
	void *copy; /* the reply's bytes: msgpack-c's strings point into them */
};

/* Decodes a reply. buf: borrowed and copied, so rep stays valid after buf is freed.
 * Returns 0 or ERR_BAD_REQUEST (malformed reply). proto_reply_fini must be called either way. */
int proto_reply_decode(struct proto_reply *rep, const void *buf, size_t len);
void proto_reply_fini(struct proto_reply *rep);

/* A growing buffer with a packer on it. */
struct proto_writer {
	msgpack_sbuffer buf;
	msgpack_packer pk;
};
void proto_writer_init(struct proto_writer *w);
void proto_writer_fini(struct proto_writer *w);
void proto_writer_reset(struct proto_writer *w);

/* Packs the request envelope up to "args"; the caller then packs exactly one object, the args
 * map (mp_packf(&w->pk, "{...}", ...)). tok: NULL for none. */
void proto_request_begin(struct proto_writer *w, const uint8_t id[PROTO_ID_LEN], const char *op,
                         const char *tok);
/* Packs the ok-reply envelope up to "data"; the caller then packs exactly one object.
 * id: NULL packs nil (request id unreadable). */
void proto_reply_ok_begin(struct proto_writer *w, const uint8_t *id);
/* Packs a complete error reply. msg: NULL uses err_message(err). */
void proto_reply_err(struct proto_writer *w, const uint8_t *id, int err, const char *msg);

/* Fills id with a fresh request id: the time in milliseconds (6 bytes, big-endian), then
 * random bytes. Ids that grow with time go to the right edge of the server's index of stored
 * replies instead of a random page of it (docs/performance.md, R9); the random part keeps
 * them unique. */
void proto_new_id(uint8_t id[PROTO_ID_LEN]);

#endif
