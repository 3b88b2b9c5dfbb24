/* kurad: the kura server. Listeners per network segment on one rep0 socket, a pool of
 * workers each with its own nng context and database connection. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "conf.h"
#include "db.h"
#include "dispatch.h"
#include "events.h"
#include "listen.h"
#include "log.h"
#include "sealer.h"
#include "xmalloc.h"

struct server;

struct worker {
	struct server *srv;
	int index;
	nng_ctx ctx;
	nng_aio *aio;
	struct db *db;
	pthread_t thread;
	struct proto_writer out;
};

struct server {
	struct server_config cfg;
	nng_socket sock;
	nng_listener listeners[CONFIG_MAX_LISTENERS];
	struct worker *workers;
	struct sealer *sealer;
	struct events *events;
	/* Shutdown: workers count themselves busy under lock; SIGTERM waits for zero. */
	pthread_mutex_t lock;
	pthread_cond_t idle;
	int busy;
	bool stopping;
};

/* The listener a message came through: the only source of a request's segment. */
static const struct listener_config *
server_listener_of(struct server *srv, nng_msg *msg)
{
	nng_listener l = nng_pipe_listener(nng_msg_get_pipe(msg));
	int id = nng_listener_id(l);

	for (size_t i = 0; i < srv->cfg.nlisteners; i++)
		if (id > 0 && nng_listener_id(srv->listeners[i]) == id)
			return &srv->cfg.listeners[i];
	return NULL;
}

static void
server_peer_of(nng_msg *msg, char *out, size_t size)
{
	nng_sockaddr sa;
	char ip[INET6_ADDRSTRLEN];

	snprintf(out, size, "unknown");
	if (nng_pipe_get_addr(nng_msg_get_pipe(msg), NNG_OPT_REMADDR, &sa) != 0)
		return;
	switch (sa.s_family) {
	case NNG_AF_INET:
		inet_ntop(AF_INET, &sa.s_in.sa_addr, ip, sizeof ip);
		snprintf(out, size, "%s:%u", ip, ntohs(sa.s_in.sa_port));
		break;
	case NNG_AF_INET6:
		inet_ntop(AF_INET6, sa.s_in6.sa_addr, ip, sizeof ip);
		snprintf(out, size, "[%s]:%u", ip, ntohs(sa.s_in6.sa_port));
		break;
	case NNG_AF_IPC:
		snprintf(out, size, "local");
		break;
	default:
		break;
	}
}

/* Marks the worker busy unless the server is stopping; a message that arrives after SIGTERM
 * is dropped unanswered (the client resends it to the next server). */
static bool
worker_begin(struct server *srv)
{
	bool ok;

	pthread_mutex_lock(&srv->lock);
	ok = !srv->stopping;
	if (ok)
		srv->busy++;
	pthread_mutex_unlock(&srv->lock);
	return ok;
}

static void
worker_end(struct server *srv)
{
	pthread_mutex_lock(&srv->lock);
	if (--srv->busy == 0)
		pthread_cond_broadcast(&srv->idle);
	pthread_mutex_unlock(&srv->lock);
}

/* How long a reply may wait for its peer to take the one before it. rep0 sends a pipe's
 * replies one at a time: a peer that sends requests and never reads would otherwise hold
 * this worker, and soon every worker, for as long as it likes. */
#define WORKER_REPLY_TIMEOUT_MS 2000

static void
worker_reply(struct worker *w, nng_msg *msg)
{
	nng_pipe pipe = nng_msg_get_pipe(msg);
	int rv;

	nng_aio_set_msg(w->aio, msg);
	nng_aio_set_timeout(w->aio, WORKER_REPLY_TIMEOUT_MS);
	nng_ctx_send(w->ctx, w->aio);
	nng_aio_wait(w->aio);
	rv = nng_aio_result(w->aio);
	nng_aio_set_timeout(w->aio, NNG_DURATION_INFINITE); /* the next receive waits */
	if (rv == 0)
		return;
	nng_msg_free(msg);
	if (rv == NNG_ETIMEDOUT) {
		log_warn("a peer does not read its replies: connection closed");
		nng_pipe_close(pipe);
	}
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	struct server *srv = w->srv;

	for (;;) {
		nng_msg *msg;
		char peer[64];
		const struct listener_config *listener;

		int rv;

		nng_ctx_recv(w->ctx, w->aio);
		nng_aio_wait(w->aio);
		rv = nng_aio_result(w->aio);
		if (rv == NNG_ECLOSED || rv == NNG_ECANCELED)
			break;
		if (rv != 0)
			continue;
		msg = nng_aio_get_msg(w->aio);
		if (!worker_begin(srv)) {
			nng_msg_free(msg);
			break;
		}
		listener = server_listener_of(srv, msg);
		server_peer_of(msg, peer, sizeof peer);
		if (listener == NULL) {
			/* Cannot happen: every pipe comes through one of our listeners. */
			log_error("message from %s on an unknown listener dropped", peer);
			nng_msg_free(msg);
			worker_end(srv);
			continue;
		}
		dispatch(w->db, &srv->cfg, nng_msg_body(msg), nng_msg_len(msg), listener, peer,
		         &w->out);
		nng_msg_clear(msg);
		if (nng_msg_append(msg, w->out.buf.data, w->out.buf.size) != 0)
			nng_msg_free(msg);
		else
			worker_reply(w, msg);
		worker_end(srv);
	}
	return NULL;
}

static int
server_listen(struct server *srv)
{
	int rv;

	if ((rv = nng_rep0_open(&srv->sock)) != 0) {
		log_error("cannot open socket: %s", nng_strerror(rv));
		return -1;
	}
	/* Larger messages are dropped by nng before anything reads them. */
	nng_socket_set_size(srv->sock, NNG_OPT_RECVMAXSZ, srv->cfg.max_message);
	for (size_t i = 0; i < srv->cfg.nlisteners; i++) {
		const struct listener_config *lc = &srv->cfg.listeners[i];

		if (listen_start(srv->sock, lc, lc->url, srv->cfg.max_message,
		                 &srv->listeners[i]) != 0)
			return -1;
		log_info("listening on %s for segment %s%s", lc->url, lc->segment,
		         lc->tls_client_ca != NULL ? " (client certificates required)" : "");
	}
	return 0;
}

static int
server_start_workers(struct server *srv)
{
	srv->workers = xcalloc((size_t)srv->cfg.workers, sizeof *srv->workers);
	for (int i = 0; i < srv->cfg.workers; i++) {
		struct worker *w = &srv->workers[i];
		int rv;

		w->srv = srv;
		w->index = i;
		w->db = db_new(srv->cfg.conninfo);
		proto_writer_init(&w->out);
		if ((rv = nng_ctx_open(&w->ctx, srv->sock)) != 0 ||
		    (rv = nng_aio_alloc(&w->aio, NULL, NULL)) != 0) {
			log_error("cannot set up worker %d: %s", i, nng_strerror(rv));
			return -1;
		}
		/* Connect now, so that the first requests do not pay for it; a database that is
		 * down is retried per request with backoff. */
		(void)db_ensure(w->db);
		if (pthread_create(&w->thread, NULL, worker_main, w) != 0) {
			log_error("cannot start worker %d", i);
			return -1;
		}
	}
	return 0;
}

static int
write_pidfile(const char *path)
{
	char tmp[4096];
	FILE *f;

	/* Written atomically once the listeners are up: its presence means "ready". */
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	if ((f = fopen(tmp, "w")) == NULL)
		return -1;
	fprintf(f, "%ld\n", (long)getpid());
	if (fclose(f) != 0 || rename(tmp, path) != 0)
		return -1;
	return 0;
}

static void
usage(FILE *f)
{
	fprintf(f, "usage: kurad -c FILE [--pidfile FILE]\n"
	           "  -c, --config FILE   kurad.conf to read (see kurad.conf(5))\n"
	           "  -p, --pidfile FILE  write the process id here once listening\n"
	           "  -t, --check         check the configuration and exit\n"
	           "      --commands      list the commands: name, right needed, read/write\n"
	           "  -h, --help          show this help\n");
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "pidfile", required_argument, NULL, 'p' },
		{ "check", no_argument, NULL, 't' },
		{ "commands", no_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct server srv;
	const char *conf_path = NULL, *pidfile = NULL;
	bool check_only = false;
	char err[512];
	sigset_t sigs;
	int c, sig, status = 1;

	memset(&srv, 0, sizeof srv);
	while ((c = getopt_long(argc, argv, "c:p:thC", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			conf_path = optarg;
			break;
		case 'p':
			pidfile = optarg;
			break;
		case 't':
			check_only = true;
			break;
		case 'C':
			dispatch_print_commands(stdout);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (conf_path == NULL || optind != argc) {
		usage(stderr);
		return 2;
	}
	log_init("kurad", LOG_LEVEL_INFO);
	if (conf_load(&srv.cfg, conf_path, err, sizeof err) != 0) {
		fprintf(stderr, "kurad: %s\n", err);
		return 1;
	}
	if (check_only) {
		printf("kurad: %s is valid\n", conf_path);
		conf_fini(&srv.cfg);
		return 0;
	}
	log_init("kurad", srv.cfg.log_level);
	if (sodium_init() < 0) {
		log_error("cannot initialise libsodium");
		goto out;
	}
	/* Signals are taken by sigwait in this thread only; workers inherit the mask. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	pthread_mutex_init(&srv.lock, NULL);
	pthread_cond_init(&srv.idle, NULL);

	if (server_listen(&srv) != 0 || server_start_workers(&srv) != 0)
		goto out;
	srv.sealer = sealer_start(&srv.cfg);
	if ((srv.events = events_start(&srv.cfg)) == NULL)
		goto out;
	if (pidfile != NULL && write_pidfile(pidfile) != 0) {
		log_error("cannot write %s: %s", pidfile, strerror(errno));
		goto out;
	}
	log_info("ready: %d workers", srv.cfg.workers);
	do {
		if (sigwait(&sigs, &sig) != 0)
			sig = SIGTERM;
		if (sig == SIGHUP)
			log_info("SIGHUP ignored: restart kurad to reload its configuration");
	} while (sig == SIGHUP);
	log_info("%s: finishing requests in flight", sig == SIGINT ? "SIGINT" : "SIGTERM");
	status = 0;
out:
	/* Let requests in flight finish and reply, then close: pending receives end. */
	pthread_mutex_lock(&srv.lock);
	srv.stopping = true;
	while (srv.busy > 0)
		pthread_cond_wait(&srv.idle, &srv.lock);
	pthread_mutex_unlock(&srv.lock);
	nng_close(srv.sock);
	for (int i = 0; srv.workers != NULL && i < srv.cfg.workers; i++) {
		struct worker *w = &srv.workers[i];
		if (w->thread)
			pthread_join(w->thread, NULL);
		nng_aio_free(w->aio);
		db_free(w->db);
		proto_writer_fini(&w->out);
	}
	free(srv.workers);
	sealer_stop(srv.sealer);
	events_stop(srv.events);
	if (pidfile != NULL && status == 0)
		unlink(pidfile);
	log_info("stopped");
	conf_fini(&srv.cfg);
	return status;
}
