/* The connection to kurad without blocking: nng's RECVFD/SENDFD are polled with stdin, a pipe
 * event callback wakes the loop when the connection comes or goes, and a timer resends. */
#include "config.h"

#include "conn.h"

#include <errno.h>
#include <fcntl.h>
#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "mp.h"
#include "xmalloc.h"

/* One queued request; the head of the queue is the one on the wire. */
struct conn_req {
	struct conn_req *next;
	uint8_t id[PROTO_ID_LEN];
	char op[PROTO_OP_MAX];
	void *buf; /* the encoded request, owned: a resend sends these very bytes */
	size_t len;
	const void *owner;
	conn_reply_fn *fn;
	void *arg;
	int64_t sent_at; /* 0: not on the wire (yet, or again) */
	int64_t queued_at;
	int64_t wait_until; /* after "unavailable": not sent again before this */
	int sends;
	bool unavailable; /* the last answer was "unavailable" (the server's database) */
};

struct conn {
	nng_socket sock;
	bool open; /* conn_open has opened sock */
	int recv_fd, send_fd;
	int wake[2]; /* the pipe-event callback writes here to wake poll() */
	atomic_int npipes;
	char *urls;
	char tok[PROTO_TOKEN_CHARS + 1];
	bool has_tok;
	struct proto_writer w;
	uint8_t w_id[PROTO_ID_LEN];
	char w_op[PROTO_OP_MAX];
	struct conn_req *head, *tail;
	int64_t since;         /* when the connection was last lost, or the socket opened */
	enum conn_state shown; /* the state last reported, to tell when it changed */
	unsigned connects;
	conn_filter_fn *filter;
	void *filter_arg;
};

int64_t
conn_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Runs on an nng thread: it only counts and wakes the main loop, never blocks. */
static void
conn_pipe_event(nng_pipe p, nng_pipe_ev ev, void *arg)
{
	struct conn *c = arg;
	ssize_t n;

	(void)p;
	if (ev == NNG_PIPE_EV_ADD_POST)
		atomic_fetch_add(&c->npipes, 1);
	else if (ev == NNG_PIPE_EV_REM_POST)
		atomic_fetch_sub(&c->npipes, 1);
	n = write(c->wake[1], "", 1); /* full pipe: a wake-up is pending anyway */
	(void)n;
}

int
conn_dial(nng_socket sock, const char *url, const struct tls_files *tls, char *err, size_t errlen)
{
	nng_dialer d;
	int rv;

	if ((rv = nng_dialer_create(&d, sock, url)) != 0) {
		snprintf(err, errlen, "%s", nng_strerror(rv));
		return -1;
	}
	if (tls_url(url)) {
		struct tls_files files = tls != NULL ? *tls : (struct tls_files){ 0 };
		nng_tls_config *cfg;
		char host[256];

		/* The server must prove the name we dialled, not just any certificate of
		 * the CA. */
		if (files.server_name == NULL) {
			tls_url_host(url, host, sizeof host);
			files.server_name = host;
		}
		if (tls_config_new(&cfg, false, &files, err, errlen) != 0) {
			nng_dialer_close(d);
			return -1;
		}
		rv = nng_dialer_set_ptr(d, NNG_OPT_TLS_CONFIG, cfg);
		nng_tls_config_free(cfg);
		if (rv != 0) {
			snprintf(err, errlen, "TLS: %s", nng_strerror(rv));
			nng_dialer_close(d);
			return -1;
		}
	}
	/* Non-blocking: the client starts (and says "connecting") while the server is down. */
	if ((rv = nng_dialer_start(d, NNG_FLAG_NONBLOCK)) != 0) {
		snprintf(err, errlen, "%s", nng_strerror(rv));
		nng_dialer_close(d);
		return -1;
	}
	return 0;
}

/* Dials every URL of c->urls. Returns 0, or -1 with a message in err. */
static int
conn_dial_all(struct conn *c, const struct tls_files *tls, char *err, size_t errlen)
{
	char *list = xstrdup(c->urls), *save = NULL, *url;
	int dialled = 0;

	for (url = strtok_r(list, ", \t", &save); url != NULL;
	     url = strtok_r(NULL, ", \t", &save)) {
		if (conn_dial(c->sock, url, tls, err, errlen) != 0) {
			free(list);
			return -1;
		}
		dialled++;
	}
	free(list);
	if (dialled == 0) {
		snprintf(err, errlen, "%s", "no server URL");
		return -1;
	}
	return 0;
}

int
conn_new(struct conn **out, const char *urls, const struct tls_files *tls, char *err, size_t errlen)
{
	char *list = xstrdup(urls), *save = NULL, *url;
	struct conn *c;
	int n = 0, rv;

	/* What can be checked without nng's threads: the URLs' form, a CA for TLS. */
	for (url = strtok_r(list, ", \t", &save); url != NULL;
	     url = strtok_r(NULL, ", \t", &save), n++) {
		nng_url *u;

		if ((rv = nng_url_parse(&u, url)) != 0) {
			snprintf(err, errlen, "%s", nng_strerror(rv));
			free(list);
			return -1;
		}
		nng_url_free(u);
		if (tls_url(url) && (tls == NULL || tls->ca == NULL)) {
			snprintf(err, errlen, "%s", "a CA file is needed to verify the server");
			free(list);
			return -1;
		}
	}
	free(list);
	if (n == 0) {
		snprintf(err, errlen, "%s", "no server URL");
		return -1;
	}
	c = xcalloc(1, sizeof *c);
	c->wake[0] = c->wake[1] = -1;
	if (pipe2(c->wake, O_NONBLOCK | O_CLOEXEC) != 0) {
		snprintf(err, errlen, "%s", strerror(errno));
		free(c);
		return -1;
	}
	c->recv_fd = c->send_fd = -1;
	c->urls = xstrdup(urls);
	proto_writer_init(&c->w);
	c->since = conn_now_ms();
	c->shown = CONN_CONNECTING;
	*out = c;
	return 0;
}

int
conn_open(struct conn *c, const struct tls_files *tls, char *err, size_t errlen)
{
	int rv;

	if ((rv = nng_req0_open(&c->sock)) != 0) {
		snprintf(err, errlen, "%s", nng_strerror(rv));
		return -1;
	}
	/* We resend ourselves, with the same request id, on our own timer. */
	nng_socket_set_ms(c->sock, NNG_OPT_REQ_RESENDTIME, NNG_DURATION_INFINITE);
	nng_socket_set_size(c->sock, NNG_OPT_RECVMAXSZ, 16u << 20);
	nng_socket_set_ms(c->sock, NNG_OPT_RECONNMINT, 200);
	nng_socket_set_ms(c->sock, NNG_OPT_RECONNMAXT, 2000);
	if ((rv = nng_socket_get_int(c->sock, NNG_OPT_RECVFD, &c->recv_fd)) != 0 ||
	    (rv = nng_socket_get_int(c->sock, NNG_OPT_SENDFD, &c->send_fd)) != 0) {
		snprintf(err, errlen, "%s", nng_strerror(rv));
		goto fail;
	}
	nng_pipe_notify(c->sock, NNG_PIPE_EV_ADD_POST, conn_pipe_event, c);
	nng_pipe_notify(c->sock, NNG_PIPE_EV_REM_POST, conn_pipe_event, c);
	c->since = conn_now_ms();
	c->shown = CONN_CONNECTING;
	if (conn_dial_all(c, tls, err, errlen) != 0)
		goto fail;
	c->open = true;
	return 0;

fail:
	nng_close(c->sock);
	c->recv_fd = c->send_fd = -1;
	return -1;
}

/* Frees r (consumed; NULL is fine). */
static void
conn_req_free(struct conn_req *r)
{
	if (r == NULL)
		return;
	/* The request may hold a password (auth.login): do not leave it in freed memory. */
	memset(r->buf, 0, r->len);
	free(r->buf);
	free(r);
}

void
conn_free(struct conn *c)
{
	if (c == NULL)
		return;
	conn_cancel(c, NULL);
	/* Closing joins nng's threads, so no pipe callback runs after this. */
	if (c->open)
		nng_close(c->sock);
	close(c->wake[0]);
	close(c->wake[1]);
	memset(c->tok, 0, sizeof c->tok);
	proto_writer_fini(&c->w);
	free(c->urls);
	free(c);
}

void
conn_set_token(struct conn *c, const char *tok)
{
	c->has_tok = tok != NULL;
	snprintf(c->tok, sizeof c->tok, "%s", tok != NULL ? tok : "");
}

void
conn_set_filter(struct conn *c, conn_filter_fn *fn, void *arg)
{
	c->filter = fn;
	c->filter_arg = arg;
}

unsigned
conn_connects(const struct conn *c)
{
	return c->connects;
}

const char *
conn_url(const struct conn *c)
{
	return c->urls;
}

msgpack_packer *
conn_begin(struct conn *c, const char *op)
{
	uint8_t id[PROTO_ID_LEN];

	proto_new_id(id);
	return conn_begin_id(c, op, id);
}

msgpack_packer *
conn_begin_id(struct conn *c, const char *op, const uint8_t id[PROTO_ID_LEN])
{
	proto_writer_reset(&c->w);
	memcpy(c->w_id, id, PROTO_ID_LEN);
	snprintf(c->w_op, sizeof c->w_op, "%s", op);
	proto_request_begin(&c->w, c->w_id, op, c->has_tok ? c->tok : NULL);
	return &c->w.pk;
}

static void conn_pump(struct conn *c);

void
conn_end(struct conn *c, const void *owner, conn_reply_fn *fn, void *arg)
{
	struct conn_req *r = xcalloc(1, sizeof *r);

	memcpy(r->id, c->w_id, sizeof r->id);
	memcpy(r->op, c->w_op, sizeof r->op);
	r->len = c->w.buf.size;
	r->buf = xmalloc(r->len);
	memcpy(r->buf, c->w.buf.data, r->len);
	memset(c->w.buf.data, 0, c->w.buf.size);
	proto_writer_reset(&c->w);
	r->owner = owner;
	r->fn = fn;
	r->arg = arg;
	r->queued_at = conn_now_ms();
	if (c->tail != NULL)
		c->tail->next = r;
	else
		c->head = r;
	c->tail = r;
	conn_pump(c);
}

void
conn_call(struct conn *c, const void *owner, conn_reply_fn *fn, void *arg, const char *op,
          const char *argsfmt, ...)
{
	msgpack_packer *pk = conn_begin(c, op);
	va_list ap;

	if (argsfmt == NULL) {
		msgpack_pack_map(pk, 0);
	} else {
		va_start(ap, argsfmt);
		mp_vpackf(pk, argsfmt, ap);
		va_end(ap);
	}
	conn_end(c, owner, fn, arg);
}

void
conn_cancel(struct conn *c, const void *owner)
{
	struct conn_req **pp = &c->head, *r;

	c->tail = NULL;
	while ((r = *pp) != NULL) {
		if (owner == NULL || r->owner == owner) {
			/* A dropped head may still be answered: its reply no longer matches the
			 * head's id and is discarded. */
			*pp = r->next;
			conn_req_free(r);
		} else {
			c->tail = r;
			pp = &r->next;
		}
	}
	conn_pump(c);
}

bool
conn_busy(const struct conn *c, const void *owner)
{
	for (const struct conn_req *r = c->head; r != NULL; r = r->next)
		if (owner == NULL || r->owner == owner)
			return true;
	return false;
}

bool
conn_retrying(const struct conn *c)
{
	const struct conn_req *r = c->head;

	return r != NULL && (r->sends > 1 || conn_now_ms() - r->queued_at >= CONN_TIMEOUT_MS);
}

bool
conn_unavailable(const struct conn *c)
{
	return c->head != NULL && c->head->unavailable;
}

enum conn_state
conn_state(const struct conn *c)
{
	if (atomic_load(&c->npipes) > 0)
		return CONN_CONNECTED;
	return conn_now_ms() - c->since < CONN_TIMEOUT_MS ? CONN_CONNECTING : CONN_OFFLINE;
}

/* Puts the head on the wire if it is not there: now, or when a pipe becomes ready. */
static void
conn_pump(struct conn *c)
{
	struct conn_req *r = c->head;
	int rv;

	if (!c->open || r == NULL || r->sent_at != 0 || conn_now_ms() < r->wait_until)
		return;
	/* A new send replaces whatever nng still had in flight, so one request is out. */
	rv = nng_send(c->sock, r->buf, r->len, NNG_FLAG_NONBLOCK);
	if (rv == 0) {
		r->sent_at = conn_now_ms();
		r->wait_until = 0;
		r->sends++;
	}
	/* NNG_EAGAIN: no connection ready; SENDFD turns readable when there is one. */
}

int
conn_pollfds(struct conn *c, struct pollfd *pfd, int n, int *timeout_ms)
{
	int i = 0;

	if (n < 3)
		return 0;
	pfd[i++] = (struct pollfd){ .fd = c->wake[0], .events = POLLIN };
	if (!c->open)
		return i;
	pfd[i++] = (struct pollfd){ .fd = c->recv_fd, .events = POLLIN };
	if (c->head != NULL && c->head->sent_at == 0 && c->head->wait_until == 0)
		pfd[i++] = (struct pollfd){ .fd = c->send_fd, .events = POLLIN };
	if (c->head != NULL && c->head->wait_until != 0) {
		int64_t left = c->head->wait_until - conn_now_ms();
		if (left < 0)
			left = 0;
		if (left < *timeout_ms)
			*timeout_ms = (int)left;
	}
	if (c->head != NULL && c->head->sent_at != 0) {
		int64_t left = c->head->sent_at + CONN_TIMEOUT_MS - conn_now_ms();
		if (left < 0)
			left = 0;
		if (left < *timeout_ms)
			*timeout_ms = (int)left;
	}
	/* Wake when "connecting" turns into "offline", to show it. */
	if (c->shown == CONN_CONNECTING) {
		int64_t left = c->since + CONN_TIMEOUT_MS - conn_now_ms() + 10;
		if (left < 0)
			left = 0;
		if (left < *timeout_ms)
			*timeout_ms = (int)left;
	}
	return i;
}

/* Hands one received message to the head request's callback. msg: borrowed. */
static void
conn_deliver(struct conn *c, const void *msg, size_t len)
{
	struct conn_req *r = c->head;
	struct proto_reply rep;
	int rc = proto_reply_decode(&rep, msg, len);

	if (r == NULL || r->sent_at == 0)
		goto out; /* a late reply to a request that was cancelled */
	if (rc == 0 && rep.has_id && memcmp(rep.id, r->id, PROTO_ID_LEN) != 0)
		goto out; /* an answer to an earlier send of something else */
	if (rc != 0) {
		/* nng matched it to our request, so it is ours, just unreadable. */
		rep.ok = false;
		rep.err = ERR_INTERNAL;
		snprintf(rep.err_msg, sizeof rep.err_msg, "%s",
		         "the server's reply could not be read");
	}
	/* The server is up but its database is not: the same request again a little later
	 * (protocol.md: retry with the same id), instead of an error for every screen. */
	if (rc == 0 && !rep.ok && rep.err == ERR_UNAVAILABLE) {
		r->sent_at = 0;
		r->wait_until = conn_now_ms() + CONN_UNAVAILABLE_MS;
		r->unavailable = true;
		goto out;
	}
	c->head = r->next;
	if (c->head == NULL)
		c->tail = NULL;
	if (c->filter == NULL || c->filter(c->filter_arg, r->op, &rep))
		r->fn(r->arg, &rep);
	conn_req_free(r);
out:
	proto_reply_fini(&rep);
}

bool
conn_process(struct conn *c)
{
	bool changed = false;
	char drain[64];
	enum conn_state st;

	while (read(c->wake[0], drain, sizeof drain) > 0)
		;
	if (!c->open)
		return false;
	for (;;) {
		void *buf;
		size_t len;

		if (nng_recv(c->sock, &buf, &len, NNG_FLAG_NONBLOCK | NNG_FLAG_ALLOC) != 0)
			break;
		conn_deliver(c, buf, len);
		nng_free(buf, len);
		changed = true;
	}
	if (atomic_load(&c->npipes) == 0 && c->shown == CONN_CONNECTED)
		c->since = conn_now_ms();
	st = conn_state(c);
	if (st != c->shown) {
		if (st == CONN_CONNECTED)
			c->connects++;
		c->shown = st;
		changed = true;
	}
	/* Late: send again, with the same id. */
	if (c->head != NULL && c->head->sent_at != 0 &&
	    conn_now_ms() - c->head->sent_at >= CONN_TIMEOUT_MS) {
		c->head->sent_at = 0;
		changed = true;
	}
	conn_pump(c);
	return changed;
}
