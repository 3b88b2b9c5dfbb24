/* The bounded decoder: a single pass over raw msgpack that checks every declared length
 * against the bytes that remain, the nesting depth and the element count, before msgpack-c
 * (which has no such limits) is allowed to unpack the message. */
#include "config.h"

#include "mpcheck.h"

#include <stdbool.h>

#include "err.h"
#include "utf8.h"

static uint64_t
mpcheck_be(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

#define MPCHECK_FAIL(reason)                                                                       \
	do {                                                                                       \
		if (why != NULL)                                                                   \
			*why = (reason);                                                           \
		return ERR_BAD_REQUEST;                                                            \
	} while (0)

int
mpcheck(const void *buf, size_t len, const struct mpcheck_limits *lim, const char **why)
{
	/* remaining[d] counts the objects still expected inside the container open at depth d;
	 * remaining[0] is the single top-level object. */
	uint64_t remaining[64];
	const uint8_t *p = buf;
	size_t pos = 0;
	unsigned depth = 0;
	uint64_t items = 0;

	if (lim->max_depth >= sizeof remaining / sizeof remaining[0])
		MPCHECK_FAIL("depth limit misconfigured");
	if (len == 0)
		MPCHECK_FAIL("empty message");
	if (len > lim->max_size)
		MPCHECK_FAIL("message too large");
	remaining[0] = 1;
	for (;;) {
		uint64_t count = 0; /* elements of a container read now */
		uint64_t skip = 0;  /* payload bytes of a scalar read now */
		bool container = false, is_str = false;
		unsigned hdr;
		uint8_t b;

		while (remaining[depth] == 0) {
			if (depth == 0)
				goto done;
			depth--;
		}
		remaining[depth]--;
		if (pos >= len)
			MPCHECK_FAIL("truncated message");
		b = p[pos];
		hdr = 1;
		if (b <= 0x7f || b >= 0xe0 || b == 0xc0 || b == 0xc2 || b == 0xc3) {
			/* fixint, nil, bool */
		} else if (b <= 0x8f) {
			container = true;
			count = 2u * (b & 0x0f);
		} else if (b <= 0x9f) {
			container = true;
			count = b & 0x0f;
		} else if (b <= 0xbf) {
			is_str = true;
			skip = b & 0x1f;
		} else {
			unsigned lenbytes = 0;

			switch (b) {
			case 0xcc:
			case 0xd0:
				skip = 1;
				break;
			case 0xcd:
			case 0xd1:
				skip = 2;
				break;
			case 0xca:
			case 0xce:
			case 0xd2:
				skip = 4;
				break;
			case 0xcb:
			case 0xcf:
			case 0xd3:
				skip = 8;
				break;
			case 0xc4:
			case 0xd9:
				lenbytes = 1;
				break;
			case 0xc5:
			case 0xda:
				lenbytes = 2;
				break;
			case 0xc6:
			case 0xdb:
				lenbytes = 4;
				break;
			case 0xdc:
			case 0xde:
				lenbytes = 2;
				container = true;
				break;
			case 0xdd:
			case 0xdf:
				lenbytes = 4;
				container = true;
				break;
			default:
				MPCHECK_FAIL("unsupported msgpack type");
			}
			if (lenbytes > 0) {
				if (len - pos - 1 < lenbytes)
					MPCHECK_FAIL("truncated length");
				uint64_t n = mpcheck_be(p + pos + 1, lenbytes);
				hdr += lenbytes;
				if (container)
					count = (b == 0xde || b == 0xdf) ? 2 * n : n;
				else
					skip = n;
				is_str = b >= 0xd9 && b <= 0xdb;
			}
		}
		pos += hdr;
		if (pos > len)
			MPCHECK_FAIL("truncated message");
		if (container) {
			/* Every element takes at least one byte. */
			if (count > len - pos)
				MPCHECK_FAIL("container claims more elements than bytes remain");
			items += count;
			if (items > lim->max_items)
				MPCHECK_FAIL("too many elements");
			if (depth + 1 > lim->max_depth)
				MPCHECK_FAIL("nesting too deep");
			remaining[++depth] = count;
			continue;
		}
		if (skip > len - pos)
			MPCHECK_FAIL("length exceeds message");
		if (is_str && !utf8_valid_text((const char *)p + pos, skip, 1))
			MPCHECK_FAIL("string is not valid UTF-8 text");
		pos += skip;
	}
done:
	if (pos != len)
		MPCHECK_FAIL("trailing bytes after message");
	return 0;
}
