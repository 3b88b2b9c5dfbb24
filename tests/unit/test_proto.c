/* Envelope encoding and decoding, and the mp_packf packer. */
#include "config.h"

#include <locale.h>
#include <msgpack.h>
#include <string.h>
#include <time.h>

#include "err.h"
#include "mp.h"
#include "password.h"
#include "proto.h"
#include "utf8.h"
#include "../tap.h"

static const struct mpcheck_limits lim = MPCHECK_LIMITS_DEFAULT;

/* Request ids grow with time and differ within the same millisecond. */
static void
test_new_id(void)
{
	uint8_t a[PROTO_ID_LEN], b[PROTO_ID_LEN];
	struct timespec pause = { 0, 3000000 };

	proto_new_id(a);
	proto_new_id(b);
	ok(memcmp(a, b, PROTO_ID_LEN) != 0, "two ids made at once differ");
	nanosleep(&pause, NULL);
	proto_new_id(b);
	ok(memcmp(a, b, 6) < 0, "an id made later sorts after (its first 6 bytes, milliseconds)");
}

static void
test_request_roundtrip(void)
{
	uint8_t id[PROTO_ID_LEN];
	struct proto_writer w;
	struct proto_request req;
	const char *why = NULL;
	char tok[PROTO_TOKEN_CHARS + 1];
	char name[64];

	memset(tok, 'a', PROTO_TOKEN_CHARS);
	tok[PROTO_TOKEN_CHARS] = '\0';
	proto_new_id(id);
	proto_writer_init(&w);
	proto_request_begin(&w, id, "case.create", tok);
	is_int(mp_packf(&w.pk, "{s s, s [{s s}], s i}", "customer_name", "山田 花子", "items",
	                "kind", "medium", "limit", (int64_t)7),
	       0, "mp_packf packs nested maps and arrays");
	is_int(proto_request_decode(&req, w.buf.data, w.buf.size, &lim, &why), 0,
	       "request decodes");
	is_str(req.op, "case.create", "op survives");
	ok(req.has_tok && strcmp(req.tok, tok) == 0, "token survives");
	ok(memcmp(req.id, id, PROTO_ID_LEN) == 0, "id survives");
	is_int(mp_strcpy(mp_get(req.args, "customer_name"), name, sizeof name), 0,
	       "arg is a string");
	is_str(name, "山田 花子", "Japanese argument survives");
	const msgpack_object *items = mp_get(req.args, "items");
	ok(items != NULL && items->type == MSGPACK_OBJECT_ARRAY && items->via.array.size == 1,
	   "array argument survives");
	int64_t limit = 0;
	ok(mp_int(mp_get(req.args, "limit"), &limit) == 0 && limit == 7, "int argument survives");
	proto_request_fini(&req);
	proto_writer_fini(&w);
}

static void
expect_bad(const char *fmt, const char *what)
{
	struct proto_writer w;
	struct proto_request req;
	const char *why = NULL;
	uint8_t id[PROTO_ID_LEN] = { 1 };

	proto_writer_init(&w);
	if (strcmp(fmt, "noid") == 0)
		mp_packf(&w.pk, "{s i s s}", "v", (int64_t)1, "op", "auth.whoami");
	else if (strcmp(fmt, "badop") == 0)
		mp_packf(&w.pk, "{s i s x s i}", "v", (int64_t)1, "id", id, sizeof id, "op",
		         (int64_t)3);
	else if (strcmp(fmt, "badargs") == 0)
		mp_packf(&w.pk, "{s i s x s s s [n]}", "v", (int64_t)1, "id", id, sizeof id, "op",
		         "case.list", "args");
	else if (strcmp(fmt, "badver") == 0)
		mp_packf(&w.pk, "{s i s x s s}", "v", (int64_t)9, "id", id, sizeof id, "op", "x");
	else if (strcmp(fmt, "badtok") == 0)
		mp_packf(&w.pk, "{s i s x s s s s}", "v", (int64_t)1, "id", id, sizeof id, "op",
		         "x", "tok", "short");
	else
		mp_packf(&w.pk, "[s]", "not a map");
	int rc = proto_request_decode(&req, w.buf.data, w.buf.size, &lim, &why);
	is_int(rc, ERR_BAD_REQUEST, "%s is refused (%s)", what, why ? why : "?");
	if (strcmp(fmt, "noid") != 0 && strcmp(fmt, "array") != 0)
		ok(req.has_id, "%s: the id is still read for the error reply", what);
	proto_request_fini(&req);
	proto_writer_fini(&w);
}

static void
test_reply_roundtrip(void)
{
	uint8_t id[PROTO_ID_LEN] = { 9, 8, 7 };
	struct proto_writer w;
	struct proto_reply rep;

	proto_writer_init(&w);
	proto_reply_ok_begin(&w, id);
	mp_packf(&w.pk, "{s s}", "receipt", "2611-00001");
	is_int(proto_reply_decode(&rep, w.buf.data, w.buf.size), 0, "ok reply decodes");
	ok(rep.ok && rep.has_id && memcmp(rep.id, id, sizeof id) == 0, "ok reply: ok and id");
	char receipt[32] = "";
	mp_strcpy(mp_get(rep.data, "receipt"), receipt, sizeof receipt);
	is_str(receipt, "2611-00001", "ok reply: data");
	proto_reply_fini(&rep);

	proto_writer_reset(&w);
	proto_reply_err(&w, NULL, ERR_FORBIDDEN, NULL);
	is_int(proto_reply_decode(&rep, w.buf.data, w.buf.size), 0, "error reply decodes");
	ok(!rep.ok && !rep.has_id, "error reply: not ok, nil id");
	is_int(rep.err, ERR_FORBIDDEN, "error reply: code");
	is_str(rep.err_msg, err_message(ERR_FORBIDDEN), "error reply: default message");
	proto_reply_fini(&rep);
	proto_writer_fini(&w);
}

static void
test_errors(void)
{
	for (int e = 0; e > -ERR_COUNT; e--)
		if (e != 0 && err_from_code(err_code(e)) != e)
			ok(0, "error %d round-trips through its wire code", e);
	ok(1, "every error code round-trips through its wire code");
	is_str(err_code(-1000), "internal", "an unknown error is internal");
}

static void
test_utf8(void)
{
	setlocale(LC_ALL, "C.UTF-8");
	is_int(utf8_width("abc"), 3, "ASCII is one column a character");
	is_int(utf8_width("山田"), 4, "Japanese is two columns a character");
	int used;
	is_int(utf8_fit("山田太郎", 5, &used), 6, "fitting 5 columns takes two whole characters");
	is_int(used, 4, "and they use 4 columns");
}

static void
test_password_policy(void)
{
	ok(password_policy_check("short") != NULL, "an 5-character password is refused");
	ok(password_policy_check("elevenchars") != NULL, "an 11-character password is refused");
	ok(password_policy_check("twelve chars") == NULL, "a 12-character password is accepted");
	ok(password_policy_check("蔵の鍵は三つの錠前で守られる") == NULL,
	   "a Japanese pass phrase of 14 characters is accepted");
	ok(password_policy_check("蔵の鍵") != NULL, "3 Japanese characters (9 bytes) are refused");
	ok(password_policy_check("Password1234") != NULL, "a common password is refused, any case");
	ok(password_policy_check("aaaaaaaaaaaaaaa") != NULL, "a repeated character is refused");
	ok(password_policy_check("3456789012345") != NULL, "a counting sequence is refused");
	char longpw[200];
	memset(longpw, 'x', sizeof longpw - 1);
	longpw[sizeof longpw - 1] = '\0';
	longpw[5] = 'y';
	ok(password_policy_check(longpw) != NULL, "199 characters are refused (at most 128)");
	longpw[128] = '\0';
	ok(password_policy_check(longpw) == NULL, "128 characters are accepted, never truncated");
	char hash[PASSWORD_HASH_MAX];
	is_int(password_hash(hash, longpw), 0, "a 128-character password hashes");
	ok(strncmp(hash, "$argon2id$", 10) == 0, "the hash is argon2id");
	ok(strstr(hash, "m=19456") != NULL && strstr(hash, "t=2") != NULL,
	   "with 19 MiB of memory and 2 passes");
	ok(password_verify(hash, longpw), "the password verifies");
	longpw[127] = 'z';
	ok(!password_verify(hash, longpw), "a change in the 128th character does not verify");
}

int
main(void)
{
	test_new_id();
	test_request_roundtrip();
	expect_bad("noid", "a request without id");
	expect_bad("badop", "a non-string op");
	expect_bad("badargs", "args that are not a map");
	expect_bad("badver", "an unknown version");
	expect_bad("badtok", "a short token");
	expect_bad("array", "a request that is not a map");
	test_reply_roundtrip();
	test_errors();
	test_utf8();
	test_password_policy();
	return tap_done();
}
