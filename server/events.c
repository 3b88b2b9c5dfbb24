/* Change events: one thread holds a LISTEN connection and publishes what it hears. */
#include "config.h"

#include "events.h"

#include <libpq-fe.h>
#include <nng/nng.h>
#include <nng/protocol/pubsub0/pub.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "listen.h"
#include "log.h"
#include "mp.h"
#include "proto.h"
#include "xmalloc.h"

struct events {
	const struct server_config *cfg;
	nng_socket pub[CONFIG_MAX_LISTENERS];
	size_t npub;
	pthread_t thread;
	atomic_bool stop;
};

static void
events_publish(struct events *ev, const char *topic, const char *id, long long version)
{
	struct proto_writer w;

	proto_writer_init(&w);
	mp_packf(&w.pk, "{s s s s s i}", "topic", topic, "id", id, "version", (int64_t)version);
	for (size_t i = 0; i < ev->npub; i++)
		/* pub0 never blocks: a slow subscriber loses events, then resyncs. */
		(void)nng_send(ev->pub[i], w.buf.data, w.buf.size, 0);
	proto_writer_fini(&w);
}

/* Parses "topic id version" from a NOTIFY payload. */
static void
events_forward(struct events *ev, const char *payload)
{
	char topic[32], id[64];
	long long version;

	if (sscanf(payload, "%31s %63s %lld", topic, id, &version) != 3) {
		log_warn("events: ignored a malformed notification");
		return;
	}
	events_publish(ev, topic, id, version);
}

static PGconn *
events_connect(const struct server_config *cfg)
{
	PGconn *conn = PQconnectdb(cfg->conninfo);
	PGresult *res;

	if (PQstatus(conn) != CONNECTION_OK) {
		PQfinish(conn);
		return NULL;
	}
	res = PQexec(conn, "LISTEN kura_events");
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		PQclear(res);
		PQfinish(conn);
		return NULL;
	}
	PQclear(res);
	return conn;
}

static void *
events_main(void *arg)
{
	struct events *ev = arg;
	PGconn *conn = NULL;
	int backoff_ms = 100;

	while (!atomic_load(&ev->stop)) {
		if (conn == NULL) {
			if ((conn = events_connect(ev->cfg)) == NULL) {
				usleep((useconds_t)backoff_ms * 1000);
				backoff_ms = backoff_ms < 5000 ? backoff_ms * 2 : 5000;
				continue;
			}
			backoff_ms = 100;
			/* Whatever happened while we were not listening: clients refetch. */
			events_publish(ev, "resync", "", 0);
		}
		struct pollfd pfd = { .fd = PQsocket(conn), .events = POLLIN };
		if (poll(&pfd, 1, 250) < 0)
			continue;
		if (!PQconsumeInput(conn) || PQstatus(conn) != CONNECTION_OK) {
			log_warn("events: database connection lost, reconnecting");
			PQfinish(conn);
			conn = NULL;
			continue;
		}
		PGnotify *n;
		while ((n = PQnotifies(conn)) != NULL) {
			events_forward(ev, n->extra);
			PQfreemem(n);
		}
	}
	PQfinish(conn);
	return NULL;
}

struct events *
events_start(const struct server_config *cfg)
{
	struct events *ev = xcalloc(1, sizeof *ev);
	int rv;

	ev->cfg = cfg;
	for (size_t i = 0; i < cfg->nlisteners; i++) {
		const struct listener_config *lc = &cfg->listeners[i];
		nng_socket *s = &ev->pub[ev->npub];

		if (lc->events == NULL)
			continue;
		nng_listener l;
		if ((rv = nng_pub0_open(s)) != 0) {
			log_error("events: %s", nng_strerror(rv));
			goto fail;
		}
		if (listen_start(*s, lc, lc->events, 0, &l) != 0) {
			nng_close(*s);
			goto fail;
		}
		ev->npub++;
		log_info("events on %s for segment %s", lc->events, lc->segment);
	}
	if (pthread_create(&ev->thread, NULL, events_main, ev) != 0) {
		log_error("events: cannot start the thread");
		goto fail;
	}
	return ev;
fail:
	for (size_t i = 0; i < ev->npub; i++)
		nng_close(ev->pub[i]);
	free(ev);
	return NULL;
}

void
events_stop(struct events *ev)
{
	if (ev == NULL)
		return;
	atomic_store(&ev->stop, true);
	pthread_join(ev->thread, NULL);
	for (size_t i = 0; i < ev->npub; i++)
		nng_close(ev->pub[i]);
	free(ev);
}
