/* A blocking kura client for tests and tools: one req0 socket, bounded waits, resends with
 * the same request id (safe because writes are idempotent by id). */
#include "config.h"

#include "client.h"

#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>
#include <stdarg.h>
#include <string.h>

#include "err.h"
#include "mp.h"
#include "xmalloc.h"

#define KCLIENT_TRIES 3

struct kclient {
	nng_socket sock;
	char tok[PROTO_TOKEN_CHARS + 1];
	bool has_tok;
};

int
kclient_open(struct kclient **out, const char *url, int timeout_ms)
{
	return kclient_open_tls(out, url, timeout_ms, NULL);
}

/* Dials without blocking: the socket keeps trying to connect in the background. */
static int
kclient_dial(nng_socket sock, const char *url, const struct tls_files *tls)
{
	nng_dialer d;
	int rv;

	if ((rv = nng_dialer_create(&d, sock, url)) != 0)
		return rv;
	if (tls_url(url)) {
		struct tls_files files = tls != NULL ? *tls : (struct tls_files){ 0 };
		char host[256], err[256];
		nng_tls_config *cfg;

		if (files.server_name == NULL) {
			tls_url_host(url, host, sizeof host);
			files.server_name = host;
		}
		if (tls_config_new(&cfg, false, &files, err, sizeof err) != 0) {
			nng_dialer_close(d);
			return NNG_EINVAL;
		}
		rv = nng_dialer_set_ptr(d, NNG_OPT_TLS_CONFIG, cfg);
		nng_tls_config_free(cfg);
		if (rv != 0)
			return rv;
	}
	return nng_dialer_start(d, NNG_FLAG_NONBLOCK);
}

int
kclient_open_tls(struct kclient **out, const char *url, int timeout_ms, const struct tls_files *tls)
{
	struct kclient *c = xcalloc(1, sizeof *c);

	if (nng_req0_open(&c->sock) != 0) {
		free(c);
		return ERR_UNAVAILABLE;
	}
	nng_socket_set_ms(c->sock, NNG_OPT_RECVTIMEO, timeout_ms);
	nng_socket_set_ms(c->sock, NNG_OPT_SENDTIMEO, timeout_ms);
	/* We resend ourselves after each timeout; nng's own resend would only add noise. */
	nng_socket_set_ms(c->sock, NNG_OPT_REQ_RESENDTIME, NNG_DURATION_INFINITE);
	nng_socket_set_size(c->sock, NNG_OPT_RECVMAXSZ, 64u << 20);
	if (kclient_dial(c->sock, url, tls) != 0) {
		nng_close(c->sock);
		free(c);
		return ERR_UNAVAILABLE;
	}
	*out = c;
	return 0;
}

void
kclient_free(struct kclient *c)
{
	if (c == NULL)
		return;
	nng_close(c->sock);
	memset(c->tok, 0, sizeof c->tok);
	free(c);
}

void
kclient_set_token(struct kclient *c, const char *tok)
{
	c->has_tok = tok != NULL;
	snprintf(c->tok, sizeof c->tok, "%s", tok != NULL ? tok : "");
}

const char *
kclient_token(const struct kclient *c)
{
	return c->has_tok ? c->tok : NULL;
}

/* Sends buf and waits for its reply, resending on timeout. */
static int
kclient_roundtrip(struct kclient *c, struct proto_reply *rep, const void *buf, size_t len,
                  int tries)
{
	for (int i = 0; i < tries; i++) {
		void *rbuf;
		size_t rlen;
		int rc;

		if (nng_send(c->sock, (void *)buf, len, 0) != 0)
			continue;
		if (nng_recv(c->sock, &rbuf, &rlen, NNG_FLAG_ALLOC) != 0)
			continue;
		rc = proto_reply_decode(rep, rbuf, rlen);
		nng_free(rbuf, rlen);
		return rc;
	}
	memset(rep, 0, sizeof *rep);
	msgpack_unpacked_init(&rep->unp);
	return ERR_UNAVAILABLE;
}

int
kclient_call(struct kclient *c, struct proto_reply *rep, const char *op, const char *argsfmt, ...)
{
	uint8_t id[PROTO_ID_LEN];
	struct proto_writer w;
	va_list ap;
	int rc;

	proto_new_id(id);
	proto_writer_init(&w);
	proto_request_begin(&w, id, op, kclient_token(c));
	if (argsfmt == NULL) {
		msgpack_pack_map(&w.pk, 0);
	} else {
		va_start(ap, argsfmt);
		rc = mp_vpackf(&w.pk, argsfmt, ap);
		va_end(ap);
		if (rc != 0) {
			proto_writer_fini(&w);
			memset(rep, 0, sizeof *rep);
			msgpack_unpacked_init(&rep->unp);
			return rc;
		}
	}
	rc = kclient_roundtrip(c, rep, w.buf.data, w.buf.size, KCLIENT_TRIES);
	proto_writer_fini(&w);
	return rc;
}

int
kclient_raw(struct kclient *c, struct proto_reply *rep, const void *buf, size_t len)
{
	return kclient_roundtrip(c, rep, buf, len, 1);
}

int
kclient_login(struct kclient *c, const char *user, const char *password)
{
	struct proto_reply rep;
	int rc;

	kclient_set_token(c, NULL);
	rc = kclient_call(c, &rep, "auth.login", "{s s s s}", "user", user, "password", password);
	if (rc == 0 && !rep.ok)
		rc = rep.err;
	if (rc == 0) {
		const msgpack_object *tok = mp_get(rep.data, "tok");
		if (mp_strcpy(tok, c->tok, sizeof c->tok) == 0)
			c->has_tok = true;
		else
			rc = ERR_BAD_REQUEST;
	}
	proto_reply_fini(&rep);
	return rc;
}
