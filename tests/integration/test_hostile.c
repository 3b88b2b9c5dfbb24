/* Hostile bytes against a running kurad: malformed messages on a live connection, each answered
 * with bad_request while the connection stays usable; messages at and past the limits; and raw
 * TCP garbage and oversized frames on plain sockets, after which kurad still answers. */
#include "config.h"

#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "err.h"
#include "it.h"
#include "mp.h"
#include "../tap.h"

static struct it_env env;
static struct kclient *op; /* operator, call centre: the connection that must survive */

/* Packs {v, id, op, tok, args: {}} and leaves room for nextra more key/value pairs, which the
 * caller packs. id: NULL leaves the id out (and the map one key shorter). */
static void
pack_envelope(struct proto_writer *w, const uint8_t *id, const char *opname, const char *tok,
              int nextra)
{
	msgpack_pack_map(&w->pk, (size_t)(4 + (id != NULL) + nextra));
	mp_packf(&w->pk, "s i", "v", (int64_t)PROTO_VERSION);
	if (id != NULL)
		mp_packf(&w->pk, "s x", "id", id, (size_t)PROTO_ID_LEN);
	mp_packf(&w->pk, "s s s s s {}", "op", opname, "tok", tok, "args");
}

/* After a hostile message, the same connection must still serve a good request. */
static void
still_serves(const char *what)
{
	struct proto_reply rep;
	int rc = kclient_call(op, &rep, "auth.whoami", NULL);

	is_str(it_code(it_outcome(rc, &rep)), "ok", "%s: the same connection still serves whoami",
	       what);
	proto_reply_fini(&rep);
}

/* Stands for "either a nil id or the request's id" in expect_bad. */
static const uint8_t any_id[PROTO_ID_LEN];

/* Sends buf on the operator's connection, expects bad_request (with the id echoed when
 * echo_id is set, nil when it is NULL, not checked when it is any_id), then a good request. */
static void
expect_bad(const char *what, const void *buf, size_t len, const uint8_t *echo_id)
{
	struct proto_reply rep;
	int rc = kclient_raw(op, &rep, buf, len);

	is_str(it_code(it_outcome(rc, &rep)), "bad_request", "%s gets bad_request", what);
	if (rc == 0 && echo_id != any_id) {
		if (echo_id != NULL)
			ok(rep.has_id && memcmp(rep.id, echo_id, PROTO_ID_LEN) == 0,
			   "%s: the reply echoes the id", what);
		else
			ok(!rep.has_id, "%s: the reply's id is nil", what);
	}
	proto_reply_fini(&rep);
	still_serves(what);
}

static void
test_malformed(void)
{
	const char *tok = kclient_token(op);
	struct proto_writer w;
	uint8_t id[PROTO_ID_LEN];
	uint8_t *buf;

	proto_writer_init(&w);
	proto_new_id(id);

	static const uint8_t garbage[] = "\xc1\xc1 this is not msgpack \x00\xff";
	expect_bad("garbage bytes", garbage, sizeof garbage - 1, NULL);
	expect_bad("a message of one byte", "\xc1", 1, NULL);
	expect_bad("an empty message", "", 0, NULL);

	it_pack_request(&w, id, "auth.whoami", tok, NULL);
	expect_bad("a request truncated to half", w.buf.data, w.buf.size / 2, NULL);
	expect_bad("a request missing its last byte", w.buf.data, w.buf.size - 1, NULL);
	buf = malloc(w.buf.size + 1);
	memcpy(buf, w.buf.data, w.buf.size);
	buf[w.buf.size] = 0xc0;
	expect_bad("a request followed by a trailing byte", buf, w.buf.size + 1, NULL);
	free(buf);
	proto_writer_reset(&w);

	static const uint8_t arr32[] = { 0xdd, 0xff, 0xff, 0xff, 0xff, 0xc0, 0xc0, 0xc0 };
	expect_bad("an array32 claiming 0xFFFFFFFF elements", arr32, sizeof arr32, NULL);
	static const uint8_t map32[] = { 0xdf, 0xff, 0xff, 0xff, 0xff, 0xa1, 'v', 0x01 };
	expect_bad("a map32 claiming 0xFFFFFFFF pairs", map32, sizeof map32, NULL);
	static const uint8_t str32[] = { 0x81, 0xa2, 'o', 'p', 0xdb, 0xff, 0xff, 0xff, 0xff, 'a' };
	expect_bad("a str32 claiming 4 GiB", str32, sizeof str32, NULL);
	static const uint8_t bin32[] = { 0x81, 0xa2, 'i', 'd', 0xc6, 0x7f, 0xff, 0xff, 0xff, 0 };
	expect_bad("a bin32 claiming 2 GiB", bin32, sizeof bin32, NULL);
	static const uint8_t ext[] = { 0x82, 0xa1, 'v', 0x01, 0xa1, 'x', 0xd4, 0x01, 0x00 };
	expect_bad("a map holding an ext value", ext, sizeof ext, NULL);

	/* 100 000 nested arrays: a recursive decoder would overflow its stack. */
	size_t deep = 100000;
	buf = malloc(deep + 1);
	memset(buf, 0x91, deep);
	buf[deep] = 0xc0;
	expect_bad("100 000 nested arrays", buf, deep + 1, NULL);
	free(buf);

	mp_packf(&w.pk, "[s s]", "auth.whoami", tok);
	expect_bad("a request that is an array, not a map", w.buf.data, w.buf.size, NULL);
	proto_writer_reset(&w);
	mp_packf(&w.pk, "s", "auth.whoami");
	expect_bad("a request that is a string", w.buf.data, w.buf.size, NULL);
	proto_writer_reset(&w);

	mp_packf(&w.pk, "{s i s s s s s {}}", "v", (int64_t)1, "op", "auth.whoami", "tok", tok,
	         "args");
	expect_bad("a map without id", w.buf.data, w.buf.size, NULL);
	proto_writer_reset(&w);
	mp_packf(&w.pk, "{s i s x s s s s}", "v", (int64_t)1, "id", id, (size_t)8, "op",
	         "auth.whoami", "tok", tok);
	expect_bad("an id of 8 bytes", w.buf.data, w.buf.size, NULL);
	proto_writer_reset(&w);
	mp_packf(&w.pk, "{s i s s s s s s}", "v", (int64_t)1, "id", "0123456789abcdef", "op",
	         "auth.whoami", "tok", tok);
	expect_bad("an id that is a string", w.buf.data, w.buf.size, NULL);
	proto_writer_reset(&w);

	mp_packf(&w.pk, "{s i s x s s s s}", "v", (int64_t)2, "id", id, (size_t)PROTO_ID_LEN, "op",
	         "auth.whoami", "tok", tok);
	expect_bad("protocol version 2", w.buf.data, w.buf.size, id);
	proto_writer_reset(&w);
	mp_packf(&w.pk, "{s x s s s s}", "id", id, (size_t)PROTO_ID_LEN, "op", "auth.whoami", "tok",
	         tok);
	expect_bad("a request without v", w.buf.data, w.buf.size, id);
	proto_writer_reset(&w);
	mp_packf(&w.pk, "{s i s x s i s s}", "v", (int64_t)1, "id", id, (size_t)PROTO_ID_LEN, "op",
	         (int64_t)7, "tok", tok);
	expect_bad("an op that is an int", w.buf.data, w.buf.size, id);
	proto_writer_reset(&w);
	mp_packf(&w.pk, "{s i s x s s s s}", "v", (int64_t)1, "id", id, (size_t)PROTO_ID_LEN, "op",
	         "", "tok", tok);
	expect_bad("an empty op", w.buf.data, w.buf.size, id);
	proto_writer_reset(&w);
	char longop[80];
	memset(longop, 'a', sizeof longop - 1);
	longop[sizeof longop - 1] = '\0';
	memcpy(longop, "auth.", 5);
	mp_packf(&w.pk, "{s i s x s s s s}", "v", (int64_t)1, "id", id, (size_t)PROTO_ID_LEN, "op",
	         longop, "tok", tok);
	expect_bad("an op of 79 bytes", w.buf.data, w.buf.size, id);
	proto_writer_reset(&w);
	mp_packf(&w.pk, "{s i s x s S s s}", "v", (int64_t)1, "id", id, (size_t)PROTO_ID_LEN, "op",
	         "auth.\xc3\x28", (size_t)7, "tok", tok);
	expect_bad("an op that is not UTF-8", w.buf.data, w.buf.size, any_id);
	proto_writer_reset(&w);
	mp_packf(&w.pk, "{s i s x s s s s s [i]}", "v", (int64_t)1, "id", id, (size_t)PROTO_ID_LEN,
	         "op", "auth.whoami", "tok", tok, "args", (int64_t)1);
	expect_bad("args that are an array", w.buf.data, w.buf.size, id);
	proto_writer_reset(&w);
	mp_packf(&w.pk, "{s i s x s s s s}", "v", (int64_t)1, "id", id, (size_t)PROTO_ID_LEN, "op",
	         "auth.whoami", "tok", "abc");
	expect_bad("a token of 3 characters", w.buf.data, w.buf.size, id);
	proto_writer_reset(&w);
	mp_packf(&w.pk, "{s i s x s s s i}", "v", (int64_t)1, "id", id, (size_t)PROTO_ID_LEN, "op",
	         "auth.whoami", "tok", (int64_t)42);
	expect_bad("a token that is an int", w.buf.data, w.buf.size, id);
	proto_writer_reset(&w);
	proto_writer_fini(&w);
}

/* A whoami with an extra envelope key "pad" whose value is packed by the caller. */
static void
test_limits(void)
{
	const char *tok = kclient_token(op);
	struct proto_writer w;
	struct proto_reply rep;
	uint8_t id[PROTO_ID_LEN];
	int rc;

	proto_writer_init(&w);

	/* Nesting: the envelope map is depth 1, so 15 nested arrays make 16 and 16 make 17. */
	for (int levels = 15; levels <= 16; levels++) {
		proto_new_id(id);
		pack_envelope(&w, id, "auth.whoami", tok, 1);
		mp_pack_str(&w.pk, "pad");
		for (int i = 0; i < levels; i++)
			msgpack_pack_array(&w.pk, 1);
		msgpack_pack_nil(&w.pk);
		rc = kclient_raw(op, &rep, w.buf.data, w.buf.size);
		is_str(it_code(it_outcome(rc, &rep)), levels == 15 ? "ok" : "bad_request",
		       "nesting %d deep is %s", levels + 1, levels == 15 ? "accepted" : "refused");
		proto_reply_fini(&rep);
		proto_writer_reset(&w);
	}
	still_serves("after the nesting limit");

	/* Elements: 60 000 fit within 65 536, 70 000 do not. */
	static const int counts[] = { 60000, 70000 };
	for (int k = 0; k < 2; k++) {
		proto_new_id(id);
		pack_envelope(&w, id, "auth.whoami", tok, 1);
		mp_pack_str(&w.pk, "pad");
		msgpack_pack_array(&w.pk, (size_t)counts[k]);
		for (int i = 0; i < counts[k]; i++)
			msgpack_pack_nil(&w.pk);
		rc = kclient_raw(op, &rep, w.buf.data, w.buf.size);
		is_str(it_code(it_outcome(rc, &rep)), k == 0 ? "ok" : "bad_request",
		       "%d array elements are %s", counts[k], k == 0 ? "accepted" : "refused");
		proto_reply_fini(&rep);
		proto_writer_reset(&w);
	}
	still_serves("after the element limit");

	/* Size: a 1 000 000-byte message is answered; one over 1 MiB gets no answer at all. */
	size_t sizes[] = { 1000000, (1u << 20) + 65536 };
	char *pad = malloc(sizes[1]);
	memset(pad, 'p', sizes[1]);
	for (int k = 0; k < 2; k++) {
		struct kclient *c = k == 0 ? op : it_open(env.call_url, 1500);
		size_t padlen;

		proto_new_id(id);
		pack_envelope(&w, id, "auth.whoami", tok, 1);
		mp_pack_str(&w.pk, "pad");
		padlen = sizes[k] - w.buf.size - 5;
		msgpack_pack_str(&w.pk, padlen);
		msgpack_pack_str_body(&w.pk, pad, padlen);
		rc = kclient_raw(c, &rep, w.buf.data, w.buf.size);
		if (k == 0)
			is_str(it_code(it_outcome(rc, &rep)), "ok",
			       "a message of %zu bytes is answered", w.buf.size);
		else
			is_str(it_code(it_outcome(rc, &rep)), "unavailable",
			       "a message of %zu bytes (over 1 MiB) is dropped unanswered",
			       w.buf.size);
		proto_reply_fini(&rep);
		proto_writer_reset(&w);
		if (c != op)
			kclient_free(c);
	}
	free(pad);
	still_serves("after an oversized message on another connection");
	proto_writer_fini(&w);
}

/* ---- raw TCP ---- */

/* Connects to a tcp:// url; returns the socket or -1. */
static int
raw_connect(const char *url)
{
	struct sockaddr_in sa;
	char host[64];
	unsigned port;
	struct timeval tv = { 2, 0 };
	int fd;

	if (sscanf(url, "tcp://%63[^:]:%u", host, &port) != 2)
		return -1;
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, host, &sa.sin_addr) != 1)
		return -1;
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static bool
raw_send(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len > 0) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
		if (n <= 0)
			return false;
		p += n;
		len -= (size_t)n;
	}
	return true;
}

/* Reads exactly len bytes within ms milliseconds. */
static bool
raw_recv(int fd, void *buf, size_t len, int ms)
{
	uint8_t *p = buf;

	while (len > 0) {
		struct pollfd pfd = { fd, POLLIN, 0 };
		if (poll(&pfd, 1, ms) <= 0)
			return false;
		ssize_t n = recv(fd, p, len, 0);
		if (n <= 0)
			return false;
		p += n;
		len -= (size_t)n;
	}
	return true;
}

/* Waits up to ms for the peer to close; true when it did (EOF or reset). Data is discarded. */
static bool
raw_closed(int fd, int ms)
{
	uint8_t buf[4096];
	struct timespec t0, t;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		struct pollfd pfd = { fd, POLLIN, 0 };
		clock_gettime(CLOCK_MONOTONIC, &t);
		int left =
		    ms - (int)((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000);
		if (left <= 0 || poll(&pfd, 1, left) <= 0)
			return false;
		ssize_t n = recv(fd, buf, sizeof buf, 0);
		if (n <= 0)
			return true;
	}
}

/* The SP-over-TCP handshake as a req0 peer; true when the server answered as rep0. */
static bool
raw_handshake(int fd)
{
	static const uint8_t hello[8] = { 0, 'S', 'P', 0, 0x00, 0x30, 0, 0 };
	uint8_t got[8];

	return raw_send(fd, hello, sizeof hello) && raw_recv(fd, got, sizeof got, 2000) &&
	       got[0] == 0 && got[1] == 'S' && got[2] == 'P' && got[4] == 0x00 && got[5] == 0x31;
}

static void
put_be64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

/* A framed whoami without a token on a raw socket must be answered unauthenticated: proves
 * the raw framing reaches kurad, so the hostile cases below really hit it. */
static void
raw_sanity(const char *seg, const char *url)
{
	struct proto_writer w;
	struct proto_reply rep;
	uint8_t id[PROTO_ID_LEN], hdr[12], rhdr[12];
	int fd = raw_connect(url);
	bool hs = fd >= 0 && raw_handshake(fd);

	ok(hs, "%s: a raw socket completes the SP handshake as req0", seg);
	if (!hs) {
		if (fd >= 0)
			close(fd);
		return;
	}
	proto_new_id(id);
	proto_writer_init(&w);
	it_pack_request(&w, id, "auth.whoami", NULL, NULL);
	put_be64(hdr, 4 + w.buf.size);
	hdr[8] = 0x80, hdr[9] = 0, hdr[10] = 0, hdr[11] = 1; /* req0 request id */
	bool sent = raw_send(fd, hdr, sizeof hdr) && raw_send(fd, w.buf.data, w.buf.size);
	uint64_t len = 0;
	uint8_t *body = NULL;
	int outcome = ERR_UNAVAILABLE;
	if (sent && raw_recv(fd, rhdr, sizeof rhdr, 3000)) {
		for (int i = 0; i < 8; i++)
			len = len << 8 | rhdr[i];
		if (len >= 4 && len < (1u << 20) && memcmp(rhdr + 8, hdr + 8, 4) == 0) {
			body = malloc(len - 4);
			if (raw_recv(fd, body, len - 4, 3000)) {
				if (proto_reply_decode(&rep, body, len - 4) == 0)
					outcome = it_outcome(0, &rep);
				proto_reply_fini(&rep);
			}
		}
	}
	is_str(it_code(outcome), "unauthenticated",
	       "%s: a framed request on a raw socket is answered", seg);
	free(body);
	proto_writer_fini(&w);
	close(fd);
}

static void
raw_hostile(const char *seg, const char *url)
{
	uint8_t frame[8];
	uint8_t *junk;
	size_t junklen = 2u << 20;
	int fd;

	junk = malloc(junklen);
	for (size_t i = 0; i < junklen; i++)
		junk[i] = (uint8_t)(i * 131 + 7);

	/* Garbage instead of a handshake. */
	if ((fd = raw_connect(url)) >= 0) {
		raw_send(fd, junk, 65536);
		tap_diag("%s: 64 KiB of garbage: connection %s", seg,
		         raw_closed(fd, 2000) ? "closed by kurad" : "left open");
		close(fd);
	}
	if ((fd = raw_connect(url)) >= 0) {
		static const char http[] = "GET / HTTP/1.1\r\nHost: kura\r\n\r\n";
		raw_send(fd, http, sizeof http - 1);
		tap_diag("%s: an HTTP request: connection %s", seg,
		         raw_closed(fd, 2000) ? "closed by kurad" : "left open");
		close(fd);
	}
	/* A handshake for the wrong protocol (rep0 talking to rep0). */
	if ((fd = raw_connect(url)) >= 0) {
		static const uint8_t rep0[8] = { 0, 'S', 'P', 0, 0x00, 0x31, 0, 0 };
		raw_send(fd, rep0, sizeof rep0);
		ok(raw_closed(fd, 3000), "%s: a rep0 peer is refused (connection closed)", seg);
		close(fd);
	}
	/* A frame claiming 2^64-1 bytes after a good handshake. */
	if ((fd = raw_connect(url)) >= 0 && raw_handshake(fd)) {
		put_be64(frame, UINT64_MAX);
		raw_send(fd, frame, sizeof frame);
		raw_send(fd, junk, 4096);
		ok(raw_closed(fd, 3000),
		   "%s: a frame claiming 2^64-1 bytes is dropped with its "
		   "connection",
		   seg);
	} else {
		ok(0, "%s: handshake before the 2^64-1 frame", seg);
	}
	if (fd >= 0)
		close(fd);
	/* A real 2 MiB frame after a good handshake. */
	if ((fd = raw_connect(url)) >= 0 && raw_handshake(fd)) {
		put_be64(frame, junklen);
		raw_send(fd, frame, sizeof frame);
		raw_send(fd, junk, junklen); /* may fail half-way once kurad hangs up */
		ok(raw_closed(fd, 3000), "%s: a 2 MiB frame is dropped with its connection", seg);
	} else {
		ok(0, "%s: handshake before the 2 MiB frame", seg);
	}
	if (fd >= 0)
		close(fd);
	free(junk);
}

/* Twenty connections that stall half-way through the handshake must not stop kurad from
 * serving a new client. */
static void
raw_stalled(const char *seg, const char *url, const struct it_account *a)
{
	int fds[20];
	struct kclient *c;
	int rc;

	for (int i = 0; i < 20; i++) {
		fds[i] = raw_connect(url);
		if (fds[i] >= 0)
			raw_send(fds[i], "\0SP", 3);
	}
	c = it_session(url, a, &rc);
	is_str(it_code(rc), "ok", "%s: a new client logs in while 20 handshakes stall", seg);
	kclient_free(c);
	for (int i = 0; i < 20; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

static void
test_raw(void)
{
	const struct it_account *opa = it_account(&env, "operator", false);
	const struct it_account *techa = it_account(&env, "technician", false);
	const char *segs[] = { "call-centre", "tech-centre" };
	const char *urls[] = { env.call_url, env.tech_url };
	const struct it_account *accts[] = { opa, techa };

	for (int i = 0; i < 2; i++) {
		raw_sanity(segs[i], urls[i]);
		raw_hostile(segs[i], urls[i]);
		raw_stalled(segs[i], urls[i], accts[i]);
	}
	/* kurad still answers fresh clients on both listeners. */
	for (int i = 0; i < 2; i++) {
		struct kclient *c;
		struct proto_reply rep;
		int rc;

		c = it_session(urls[i], accts[i], &rc);
		is_str(it_code(rc), "ok", "%s: after the raw attacks a fresh client logs in",
		       segs[i]);
		if (c == NULL)
			continue;
		rc = kclient_call(c, &rep, "case.list", "{s i}", "limit", (int64_t)3);
		is_str(it_code(it_outcome(rc, &rep)), "ok", "%s: and lists cases", segs[i]);
		proto_reply_fini(&rep);
		kclient_free(c);
	}
	still_serves("after the raw attacks");
}

int
main(void)
{
	const char *why = NULL;
	int rc;

	signal(SIGPIPE, SIG_IGN);
	if (it_env_load(&env, &why) != 0)
		tap_bail(why);
	if (strncmp(env.call_url, "tcp://", 6) != 0 || strncmp(env.tech_url, "tcp://", 6) != 0)
		tap_bail("the listeners must be tcp:// for the raw socket tests");
	op = it_session(env.call_url, it_account(&env, "operator", false), &rc);
	if (op == NULL)
		tap_bail("the operator cannot log in on the call centre");
	tap_diag("operator session on %s", env.call_url);

	test_malformed();
	test_limits();
	test_raw();

	kclient_free(op);
	return tap_done();
}
