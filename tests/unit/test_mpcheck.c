/* The bounded decoder against hostile input: every case must be refused without crashing. */
#include "config.h"

#include <msgpack.h>
#include <stdint.h>

#include "err.h"
#include "mpcheck.h"
#include "../tap.h"

static const struct mpcheck_limits lim = MPCHECK_LIMITS_DEFAULT;

static int
check(const void *buf, size_t len, const char **why)
{
	*why = NULL;
	return mpcheck(buf, len, &lim, why);
}

static void
test_valid(void)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;
	const char *why;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 3);
	msgpack_pack_str_with_body(&pk, "op", 2);
	msgpack_pack_str_with_body(&pk, "case.list", 9);
	msgpack_pack_str_with_body(&pk, "name", 4);
	msgpack_pack_str_with_body(&pk, "山田太郎", strlen("山田太郎"));
	msgpack_pack_str_with_body(&pk, "n", 1);
	msgpack_pack_array(&pk, 4);
	msgpack_pack_int64(&pk, -5);
	msgpack_pack_uint64(&pk, UINT64_MAX);
	msgpack_pack_double(&pk, 1.5);
	msgpack_pack_bin_with_body(&pk, "\0\1\2", 3);
	is_int(check(sb.data, sb.size, &why), 0, "a valid map with Japanese text passes");
	is_int(check(sb.data, sb.size - 1, &why), ERR_BAD_REQUEST,
	       "the same map truncated by one byte is refused");
	for (size_t cut = 1; cut < sb.size; cut++)
		if (check(sb.data, cut, &why) == 0) {
			ok(0, "every truncation is refused (cut at %zu passed)", cut);
			goto out;
		}
	ok(1, "every truncation of a valid message is refused");
out:
	msgpack_sbuffer_destroy(&sb);
}

static void
test_hostile(void)
{
	const char *why;
	/* array32 claiming 0xFFFFFFFF elements, with none present */
	static const uint8_t arr32[] = { 0xdd, 0xff, 0xff, 0xff, 0xff };
	/* map32 claiming 2^32-1 pairs */
	static const uint8_t map32[] = { 0xdf, 0xff, 0xff, 0xff, 0xff, 0xc0 };
	/* str32 claiming 4 GiB */
	static const uint8_t str32[] = { 0xdb, 0xff, 0xff, 0xff, 0xff, 'a' };
	/* bin32 claiming more than remains */
	static const uint8_t bin32[] = { 0xc6, 0x00, 0x00, 0x01, 0x00, 1, 2, 3 };
	/* length header itself cut short */
	static const uint8_t halfhdr[] = { 0xda, 0x01 };
	static const uint8_t never[] = { 0xc1 };
	static const uint8_t ext[] = { 0xd4, 0x01, 0x02 };
	static const uint8_t trailing[] = { 0x80, 0x00 };
	static const uint8_t badutf8[] = { 0xa2, 0xc3, 0x28 };
	static const uint8_t escape[] = { 0xa4, 0x1b, '[', '2', 'J' };
	static const uint8_t overlong[] = { 0xa2, 0xc0, 0xaf };

	is_int(check(arr32, sizeof arr32, &why), ERR_BAD_REQUEST,
	       "array32 of 0xFFFFFFFF elements refused (%s)", why);
	is_int(check(map32, sizeof map32, &why), ERR_BAD_REQUEST,
	       "map32 of 0xFFFFFFFF pairs refused (%s)", why);
	is_int(check(str32, sizeof str32, &why), ERR_BAD_REQUEST,
	       "str32 claiming 4 GiB refused (%s)", why);
	is_int(check(bin32, sizeof bin32, &why), ERR_BAD_REQUEST,
	       "bin32 longer than the message refused (%s)", why);
	is_int(check(halfhdr, sizeof halfhdr, &why), ERR_BAD_REQUEST,
	       "a cut length header refused (%s)", why);
	is_int(check(never, sizeof never, &why), ERR_BAD_REQUEST,
	       "the never-used byte 0xc1 refused (%s)", why);
	is_int(check(ext, sizeof ext, &why), ERR_BAD_REQUEST, "ext types refused (%s)", why);
	is_int(check(trailing, sizeof trailing, &why), ERR_BAD_REQUEST,
	       "trailing bytes refused (%s)", why);
	is_int(check(badutf8, sizeof badutf8, &why), ERR_BAD_REQUEST, "invalid UTF-8 refused (%s)",
	       why);
	is_int(check(escape, sizeof escape, &why), ERR_BAD_REQUEST,
	       "a terminal escape in a string refused (%s)", why);
	is_int(check(overlong, sizeof overlong, &why), ERR_BAD_REQUEST,
	       "overlong UTF-8 refused (%s)", why);
	is_int(check("", 0, &why), ERR_BAD_REQUEST, "an empty message refused (%s)", why);
}

static void
test_depth(void)
{
	uint8_t buf[64];
	const char *why;

	/* 16 nested one-element arrays around nil pass; 17 are refused. */
	memset(buf, 0x91, sizeof buf);
	buf[16] = 0xc0;
	is_int(check(buf, 17, &why), 0, "nesting at the limit (16) passes");
	buf[16] = 0x91;
	buf[17] = 0xc0;
	is_int(check(buf, 18, &why), ERR_BAD_REQUEST, "nesting past the limit refused (%s)", why);
	memset(buf, 0x91, sizeof buf);
	is_int(check(buf, sizeof buf, &why), ERR_BAD_REQUEST,
	       "deep nesting with no end refused (%s)", why);
}

static void
test_size(void)
{
	size_t len = MPCHECK_MAX_SIZE + 1;
	uint8_t *big = calloc(1, len);
	const char *why;

	/* bin32 holding the rest of the buffer: well-formed but over the size limit. */
	big[0] = 0xc6;
	uint32_t n = (uint32_t)(len - 5);
	big[1] = n >> 24, big[2] = n >> 16, big[3] = n >> 8, big[4] = n;
	is_int(check(big, len, &why), ERR_BAD_REQUEST, "a message over 1 MiB refused (%s)", why);
	n = (uint32_t)(MPCHECK_MAX_SIZE - 5);
	big[1] = n >> 24, big[2] = n >> 16, big[3] = n >> 8, big[4] = n;
	is_int(check(big, MPCHECK_MAX_SIZE, &why), 0, "a message of exactly 1 MiB passes");
	free(big);
}

static void
test_items(void)
{
	/* array16 of 65535 nils inside an array of 2: more elements in all than the limit. */
	size_t len = 1 + 2 * (3 + 65535);
	uint8_t *buf = malloc(len), *p = buf;
	const char *why;

	*p++ = 0x92;
	for (int i = 0; i < 2; i++) {
		*p++ = 0xdc, *p++ = 0xff, *p++ = 0xff;
		memset(p, 0xc0, 65535);
		p += 65535;
	}
	is_int(check(buf, len, &why), ERR_BAD_REQUEST,
	       "more than 65536 elements in all refused (%s)", why);
	free(buf);
}

int
main(void)
{
	test_valid();
	test_hostile();
	test_depth();
	test_size();
	test_items();
	return tap_done();
}
