/* Fuzz target of the bounded decoder (common/mpcheck.c) and the envelope readers
 * (common/proto.c). Besides "never crash", it checks the decoder against msgpack-c: what
 * mpcheck accepts, msgpack-c unpacks whole, within the limits, with valid text in every
 * string; and packing it again gives bytes that mpcheck accepts too. */
#include "config.h"

#include <msgpack.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "mpcheck.h"
#include "proto.h"
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct mpcheck_limits fuzz_lim = MPCHECK_LIMITS_DEFAULT;

static void
fuzz_fail(const char *what)
{
	fprintf(stderr, "fuzz_mpcheck: %s\n", what);
	abort();
}

/* Walks an unpacked object: depth of containers, elements, strings. */
static void
fuzz_walk(const msgpack_object *o, unsigned depth, uint64_t *items)
{
	switch (o->type) {
	case MSGPACK_OBJECT_STR:
		if (!utf8_valid_text(o->via.str.ptr, o->via.str.size, 1))
			fuzz_fail("mpcheck accepted a string that is not valid text");
		break;
	case MSGPACK_OBJECT_ARRAY:
		if (depth + 1 > fuzz_lim.max_depth)
			fuzz_fail("mpcheck accepted nesting deeper than its limit");
		*items += o->via.array.size;
		for (uint32_t i = 0; i < o->via.array.size; i++)
			fuzz_walk(&o->via.array.ptr[i], depth + 1, items);
		break;
	case MSGPACK_OBJECT_MAP:
		if (depth + 1 > fuzz_lim.max_depth)
			fuzz_fail("mpcheck accepted nesting deeper than its limit");
		*items += 2 * (uint64_t)o->via.map.size;
		for (uint32_t i = 0; i < o->via.map.size; i++) {
			fuzz_walk(&o->via.map.ptr[i].key, depth + 1, items);
			fuzz_walk(&o->via.map.ptr[i].val, depth + 1, items);
		}
		break;
	default:
		break;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *why = NULL;
	int rc = mpcheck(data, size, &fuzz_lim, &why);
	struct proto_request req;
	struct proto_reply rep;

	if (rc != 0 && (rc != ERR_BAD_REQUEST || why == NULL))
		fuzz_fail("a refusal without bad_request and a reason");
	if (rc == 0) {
		msgpack_unpacked unp;
		msgpack_sbuffer sb;
		msgpack_packer pk;
		size_t off = 0;
		uint64_t items = 0;

		msgpack_unpacked_init(&unp);
		if (msgpack_unpack_next(&unp, (const char *)data, size, &off) !=
		        MSGPACK_UNPACK_SUCCESS ||
		    off != size)
			fuzz_fail("mpcheck accepted what msgpack-c does not unpack whole");
		fuzz_walk(&unp.data, 0, &items);
		if (items > fuzz_lim.max_items)
			fuzz_fail("mpcheck accepted more elements than its limit");
		msgpack_sbuffer_init(&sb);
		msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
		msgpack_pack_object(&pk, unp.data);
		if (sb.size <= size && mpcheck(sb.data, sb.size, &fuzz_lim, &why) != 0)
			fuzz_fail("mpcheck refused what msgpack-c packed from what it accepted");
		msgpack_sbuffer_destroy(&sb);
		msgpack_unpacked_destroy(&unp);
	}
	/* The envelope readers take anything. */
	rc = proto_request_decode(&req, data, size, &fuzz_lim, &why);
	if (rc == 0 && (req.args == NULL || req.args->type != MSGPACK_OBJECT_MAP ||
	                req.op[0] == '\0' || !req.has_id))
		fuzz_fail("a decoded request without op, id or args map");
	proto_request_fini(&req);
	rc = proto_reply_decode(&rep, data, size);
	if (rc == 0 && rep.ok && rep.data == NULL)
		fuzz_fail("a decoded reply without data");
	proto_reply_fini(&rep);
	return 0;
}
