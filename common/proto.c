/* The wire envelope: decoding requests and replies, packing them. */
#include "config.h"

#include "proto.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "err.h"
#include "mp.h"
#include "xmalloc.h"

static bool
proto_read_id(const msgpack_object *o, uint8_t id[PROTO_ID_LEN])
{
	if (o == NULL || o->type != MSGPACK_OBJECT_BIN || o->via.bin.size != PROTO_ID_LEN)
		return false;
	memcpy(id, o->via.bin.ptr, PROTO_ID_LEN);
	return true;
}

static bool
proto_version_ok(const msgpack_object *v)
{
	return v != NULL && v->type == MSGPACK_OBJECT_POSITIVE_INTEGER &&
	       v->via.u64 == PROTO_VERSION;
}

#define PROTO_FAIL(reason)                                                                         \
	do {                                                                                       \
		if (why != NULL)                                                                   \
			*why = (reason);                                                           \
		return ERR_BAD_REQUEST;                                                            \
	} while (0)

int
proto_request_decode(struct proto_request *req, const void *buf, size_t len,
                     const struct mpcheck_limits *lim, const char **why)
{
	const msgpack_object *root, *o;
	int rc;

	memset(req, 0, sizeof *req);
	msgpack_unpacked_init(&req->unp);
	req->empty_args.type = MSGPACK_OBJECT_MAP;
	req->args = &req->empty_args;

	if ((rc = mpcheck(buf, len, lim, why)) != 0)
		return rc;
	if (msgpack_unpack_next(&req->unp, buf, len, NULL) != MSGPACK_UNPACK_SUCCESS)
		PROTO_FAIL("undecodable message");
	root = &req->unp.data;
	if (root->type != MSGPACK_OBJECT_MAP)
		PROTO_FAIL("request is not a map");
	req->has_id = proto_read_id(mp_get(root, "id"), req->id);
	if (!req->has_id)
		PROTO_FAIL("id must be 16 bytes of bin");
	if (!proto_version_ok(mp_get(root, "v")))
		PROTO_FAIL("unsupported protocol version");
	if (mp_strcpy(mp_get(root, "op"), req->op, sizeof req->op) != 0 || req->op[0] == '\0')
		PROTO_FAIL("op must be a short string");
	if ((o = mp_get(root, "tok")) != NULL && o->type != MSGPACK_OBJECT_NIL) {
		if (mp_strcpy(o, req->tok, sizeof req->tok) != 0 ||
		    strlen(req->tok) != PROTO_TOKEN_CHARS)
			PROTO_FAIL("tok must be 64 hex characters");
		req->has_tok = true;
	}
	if ((o = mp_get(root, "args")) != NULL && o->type != MSGPACK_OBJECT_NIL) {
		if (o->type != MSGPACK_OBJECT_MAP)
			PROTO_FAIL("args must be a map");
		req->args = o;
	}
	return 0;
}

void
proto_request_fini(struct proto_request *req)
{
	msgpack_unpacked_destroy(&req->unp);
}

int
proto_reply_decode(struct proto_reply *rep, const void *buf, size_t len)
{
	static const struct mpcheck_limits lim = { 64u << 20, 32, 1u << 24 };
	const msgpack_object *root, *o, *err;

	memset(rep, 0, sizeof *rep);
	msgpack_unpacked_init(&rep->unp);
	rep->nil.type = MSGPACK_OBJECT_NIL;
	rep->data = &rep->nil;
	rep->err = ERR_INTERNAL;

	if (mpcheck(buf, len, &lim, NULL) != 0)
		return ERR_BAD_REQUEST;
	rep->copy = xmalloc(len);
	memcpy(rep->copy, buf, len);
	if (msgpack_unpack_next(&rep->unp, rep->copy, len, NULL) != MSGPACK_UNPACK_SUCCESS)
		return ERR_BAD_REQUEST;
	root = &rep->unp.data;
	if (root->type != MSGPACK_OBJECT_MAP || !proto_version_ok(mp_get(root, "v")))
		return ERR_BAD_REQUEST;
	rep->has_id = proto_read_id(mp_get(root, "id"), rep->id);
	o = mp_get(root, "ok");
	if (o == NULL || o->type != MSGPACK_OBJECT_BOOLEAN)
		return ERR_BAD_REQUEST;
	rep->ok = o->via.boolean;
	if (rep->ok) {
		rep->err = 0;
		if ((o = mp_get(root, "data")) != NULL)
			rep->data = o;
		return 0;
	}
	err = mp_get(root, "err");
	char code[32];
	if (mp_strcpy(mp_get(err, "code"), code, sizeof code) != 0)
		return ERR_BAD_REQUEST;
	rep->err = err_from_code(code);
	o = mp_get(err, "msg");
	if (mp_is_str(o)) {
		size_t n = o->via.str.size < sizeof rep->err_msg - 1 ? o->via.str.size
		                                                     : sizeof rep->err_msg - 1;
		memcpy(rep->err_msg, o->via.str.ptr, n);
		rep->err_msg[n] = '\0';
	} else {
		snprintf(rep->err_msg, sizeof rep->err_msg, "%s", err_message(rep->err));
	}
	return 0;
}

void
proto_reply_fini(struct proto_reply *rep)
{
	msgpack_unpacked_destroy(&rep->unp);
	free(rep->copy);
	rep->copy = NULL;
}

void
proto_writer_init(struct proto_writer *w)
{
	msgpack_sbuffer_init(&w->buf);
	msgpack_packer_init(&w->pk, &w->buf, msgpack_sbuffer_write);
}

void
proto_writer_fini(struct proto_writer *w)
{
	msgpack_sbuffer_destroy(&w->buf);
}

void
proto_writer_reset(struct proto_writer *w)
{
	msgpack_sbuffer_clear(&w->buf);
}

static void
proto_pack_head(struct proto_writer *w, size_t nkeys, const uint8_t *id)
{
	msgpack_pack_map(&w->pk, nkeys);
	mp_packf(&w->pk, "s i", "v", (int64_t)PROTO_VERSION);
	mp_pack_str(&w->pk, "id");
	if (id != NULL)
		mp_packf(&w->pk, "x", id, (size_t)PROTO_ID_LEN);
	else
		msgpack_pack_nil(&w->pk);
}

void
proto_request_begin(struct proto_writer *w, const uint8_t id[PROTO_ID_LEN], const char *op,
                    const char *tok)
{
	proto_pack_head(w, tok != NULL ? 5 : 4, id);
	mp_packf(&w->pk, "s s", "op", op);
	if (tok != NULL)
		mp_packf(&w->pk, "s s", "tok", tok);
	mp_pack_str(&w->pk, "args");
}

void
proto_reply_ok_begin(struct proto_writer *w, const uint8_t *id)
{
	proto_pack_head(w, 4, id);
	mp_packf(&w->pk, "s b s", "ok", 1, "data");
}

void
proto_reply_err(struct proto_writer *w, const uint8_t *id, int err, const char *msg)
{
	proto_pack_head(w, 4, id);
	mp_packf(&w->pk, "s b s {s s s s}", "ok", 0, "err", "code", err_code(err), "msg",
	         msg != NULL ? msg : err_message(err));
}

void
proto_new_id(uint8_t id[PROTO_ID_LEN])
{
	struct timespec now;
	uint64_t ms;

	clock_gettime(CLOCK_REALTIME, &now);
	ms = (uint64_t)now.tv_sec * 1000 + (uint64_t)now.tv_nsec / 1000000;
	for (int i = 0; i < 6; i++)
		id[i] = (uint8_t)(ms >> (8 * (5 - i)));
	randombytes_buf(id + 6, PROTO_ID_LEN - 6);
}
