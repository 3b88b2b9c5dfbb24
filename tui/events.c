/* The change-event subscription: a sub0 socket polled with the rest, and every message
 * checked by the bounded decoder before msgpack-c sees it. */
#include "config.h"

#include "events.h"

#include <msgpack.h>
#include <nng/nng.h>
#include <nng/protocol/pubsub0/sub.h>
#include <stdio.h>
#include <stdlib.h>

#include "conn.h"
#include "mp.h"
#include "mpcheck.h"
#include "xmalloc.h"

#define EVENTS_MAX_SIZE 4096 /* an event is a few dozen bytes */

struct events {
	nng_socket sock;
	int fd;
};

int
events_new(struct events **out, const char *url, const struct tls_files *tls, char *err,
           size_t errlen)
{
	struct events *e = xcalloc(1, sizeof *e);
	int rv;

	if ((rv = nng_sub0_open(&e->sock)) != 0) {
		snprintf(err, errlen, "%s", nng_strerror(rv));
		free(e);
		return -1;
	}
	if ((rv = nng_socket_set(e->sock, NNG_OPT_SUB_SUBSCRIBE, "", 0)) != 0 ||
	    (rv = nng_socket_set_size(e->sock, NNG_OPT_RECVMAXSZ, EVENTS_MAX_SIZE)) != 0 ||
	    (rv = nng_socket_set_ms(e->sock, NNG_OPT_RECONNMINT, 200)) != 0 ||
	    (rv = nng_socket_set_ms(e->sock, NNG_OPT_RECONNMAXT, 2000)) != 0 ||
	    (rv = nng_socket_get_int(e->sock, NNG_OPT_RECVFD, &e->fd)) != 0) {
		snprintf(err, errlen, "%s", nng_strerror(rv));
		goto fail;
	}
	if (conn_dial(e->sock, url, tls, err, errlen) != 0)
		goto fail;
	*out = e;
	return 0;
fail:
	nng_close(e->sock);
	free(e);
	return -1;
}

void
events_free(struct events *e)
{
	if (e == NULL)
		return;
	nng_close(e->sock);
	free(e);
}

void
events_pollfd(struct events *e, struct pollfd *pfd)
{
	*pfd = (struct pollfd){ .fd = e->fd, .events = POLLIN };
}

void
events_process(struct events *e, events_fn *fn, void *arg)
{
	static const struct mpcheck_limits lim = { EVENTS_MAX_SIZE, 4, 16 };
	void *buf;
	size_t len;

	while (nng_recv(e->sock, &buf, &len, NNG_FLAG_NONBLOCK | NNG_FLAG_ALLOC) == 0) {
		msgpack_unpacked unp;
		char topic[32], id[128];

		msgpack_unpacked_init(&unp);
		if (mpcheck(buf, len, &lim, NULL) == 0 &&
		    msgpack_unpack_next(&unp, buf, len, NULL) == MSGPACK_UNPACK_SUCCESS &&
		    mp_strcpy(mp_get(&unp.data, "topic"), topic, sizeof topic) == 0 &&
		    mp_strcpy(mp_get(&unp.data, "id"), id, sizeof id) == 0) {
			int64_t version = 0;

			mp_int(mp_get(&unp.data, "version"), &version);
			fn(arg, topic, id, version);
		}
		msgpack_unpacked_destroy(&unp);
		nng_free(buf, len);
	}
}
