/* kura_bench: throughput and latency of kura's commands over real nng sockets, and of a bare
 * nng echo server built like kurad (a rep0 socket, workers each with an nng_ctx and an aio),
 * at a given number of concurrent clients. Each client is a thread with its own req0 socket
 * and its own session, as each kura terminal has. One line per measurement on stdout:
 *
 *   RESULT op=OP clients=N requests=R seconds=T rps=X p50_us=P p99_us=Q errors=E
 *
 * bench.sh runs it beside pgbench on the same database and turns the lines into ratios. */
#include "config.h"

#include <errno.h>
#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/protocol/reqrep0/req.h>
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "err.h"
#include "mp.h"
#include "proto.h"
#include "xmalloc.h"

#define BENCH_CLIENTS_MAX 256
#define BENCH_TIMEOUT_MS  10000
#define BENCH_LAT_MAX     (4u << 20) /* latencies kept per client and measurement */

/* The workloads: what one request of each asks. */
enum bench_op {
	OP_WHOAMI,
	OP_GET,
	OP_SHEET,
	OP_LIST_FIRST,
	OP_LIST_DEEP,
	OP_LIST_STAGE,
	OP_LIST_STAGE_DEEP,
	OP_LIST_SEARCH,
	OP_LIST_SEARCH_RARE,
	OP_LIST_SEARCH_MISS,
	OP_STAMP,
	OP_ECHO,
	OP_COUNT
};

static const struct {
	const char *name, *what;
} bench_ops[OP_COUNT] = {
	[OP_WHOAMI] = { "whoami", "auth.whoami" },
	[OP_GET] = { "get", "case.get of a random case" },
	[OP_SHEET] = { "sheet", "case.sheet of a random case" },
	[OP_LIST_FIRST] = { "list.first", "case.list, the first page" },
	[OP_LIST_DEEP] = { "list.deep", "case.list, a page after a random id" },
	[OP_LIST_STAGE] = { "list.stage", "case.list of a random stage, first page" },
	[OP_LIST_STAGE_DEEP] = { "list.stage.deep",
	                         "case.list of a random stage after a random id" },
	[OP_LIST_SEARCH] = { "list.search", "case.list with a common search term" },
	[OP_LIST_SEARCH_RARE] = { "list.search.rare", "case.list with a rare search term" },
	[OP_LIST_SEARCH_MISS] = { "list.search.miss", "case.list with a term found nowhere" },
	[OP_STAMP] = { "stamp", "case.stamp of the intake stage of a fresh case" },
	[OP_ECHO] = { "echo", "a bare nng echo of a request-sized message" },
};

static const char *const bench_stages[] = { "intake",   "analysis", "report",  "reply",
	                                    "recovery", "shipping", "erasure", "closed" };
/* Terms the seeded cases hold often: media, symptoms, notes, customers' family names. */
static const char *const bench_terms[] = { "RAID", "異音", "水濡れ", "家族写真", "中村", "SSD" };
/* Terms few cases hold: a customer's name as a whole, a phrase of a rare note. */
static const char *const bench_rare[] = { "長谷川 千尋", "坂本 陽菜", "暗号化されたファイル" };

struct bench_client {
	nng_socket sock;
	char tok[PROTO_TOKEN_CHARS + 1];
	uint64_t rng;
	uint32_t *lat; /* microseconds */
	size_t nlat;
	long errors, requests;
	struct proto_writer w;
	const struct bench *b;
};

struct bench {
	enum bench_op op;
	int clients;
	double seconds, warmup;
	char **receipts, **intake; /* owned lists */
	size_t nreceipts, nintake;
	atomic_size_t next_intake;
	long long max_id;
	size_t echo_size;
	struct bench_client *c;
	struct timespec start; /* of the measured period */
};

static double
bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t
bench_rand(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Reads a file of one word a line into an owned list. */
static char **
bench_lines(const char *path, size_t *n)
{
	FILE *f = fopen(path, "r");
	char line[256], **list = NULL;
	size_t cap = 0;

	*n = 0;
	if (f == NULL) {
		fprintf(stderr, "kura_bench: cannot read %s: %s\n", path, strerror(errno));
		exit(2);
	}
	while (fgets(line, sizeof line, f) != NULL) {
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '\0')
			continue;
		if (*n == cap) {
			cap = cap ? 2 * cap : 1024;
			list = xrealloc(list, cap * sizeof *list);
		}
		list[(*n)++] = xstrdup(line);
	}
	fclose(f);
	return list;
}

static int
bench_dial(nng_socket *sock, const char *url, bool req)
{
	int rv = req ? nng_req0_open(sock) : nng_rep0_open(sock);

	if (rv != 0)
		return rv;
	if (req) {
		nng_socket_set_ms(*sock, NNG_OPT_RECVTIMEO, BENCH_TIMEOUT_MS);
		nng_socket_set_ms(*sock, NNG_OPT_SENDTIMEO, BENCH_TIMEOUT_MS);
		nng_socket_set_ms(*sock, NNG_OPT_REQ_RESENDTIME, NNG_DURATION_INFINITE);
		nng_socket_set_size(*sock, NNG_OPT_RECVMAXSZ, 64u << 20);
		return nng_dial(*sock, url, NULL, 0);
	}
	return nng_listen(*sock, url, NULL, 0);
}

/* One round trip of w's bytes; decodes the reply into rep. Returns 0 or an error. */
static int
bench_roundtrip(struct bench_client *c, struct proto_reply *rep)
{
	void *buf;
	size_t len;
	int rc;

	if (nng_send(c->sock, c->w.buf.data, c->w.buf.size, 0) != 0 ||
	    nng_recv(c->sock, &buf, &len, NNG_FLAG_ALLOC) != 0) {
		memset(rep, 0, sizeof *rep);
		msgpack_unpacked_init(&rep->unp);
		return ERR_UNAVAILABLE;
	}
	rc = proto_reply_decode(rep, buf, len);
	nng_free(buf, len);
	return rc;
}

static int
bench_login(struct bench_client *c, const char *user, const char *password)
{
	uint8_t id[PROTO_ID_LEN];
	struct proto_reply rep;
	int rc;

	proto_new_id(id);
	proto_writer_reset(&c->w);
	proto_request_begin(&c->w, id, "auth.login", NULL);
	mp_packf(&c->w.pk, "{s s s s}", "user", user, "password", password);
	rc = bench_roundtrip(c, &rep);
	if (rc == 0 && !rep.ok)
		rc = rep.err;
	if (rc == 0 && mp_strcpy(mp_get(rep.data, "tok"), c->tok, sizeof c->tok) != 0)
		rc = ERR_BAD_REQUEST;
	if (rc != 0)
		fprintf(stderr, "kura_bench: cannot sign in as %s: %s (%s)\n", user, err_code(rc),
		        rep.err_msg);
	proto_reply_fini(&rep);
	return rc;
}

static const char *
bench_pick(uint64_t *rng, char **list, size_t n)
{
	return list[bench_rand(rng) % n];
}

/* Packs the next request of the client's workload into its writer. Returns false when
 * there is nothing left to do (no fresh case to stamp). */
static bool
bench_request(struct bench_client *c)
{
	const struct bench *b = c->b;
	uint8_t id[PROTO_ID_LEN];
	msgpack_packer *pk = &c->w.pk;
	int64_t after =
	    b->max_id > 1 ? 1 + (int64_t)(bench_rand(&c->rng) % (uint64_t)b->max_id) : 1;
	const char *stage = bench_stages[bench_rand(&c->rng) % 8];
	const char *receipt;
	size_t k;

	proto_writer_reset(&c->w);
	if (b->op == OP_ECHO) {
		/* Request-sized bytes, the same each time: the server does not look at them. */
		for (size_t i = 0; i < b->echo_size; i++)
			msgpack_sbuffer_write(&c->w.buf, "k", 1);
		return true;
	}
	/* Fresh ids as the client makes them: a kept database holds the stored replies of
	 * earlier runs, whose ids a seeded generator would repeat. */
	proto_new_id(id);
	switch (b->op) {
	case OP_WHOAMI:
		proto_request_begin(&c->w, id, "auth.whoami", c->tok);
		msgpack_pack_map(pk, 0);
		break;
	case OP_GET:
	case OP_SHEET:
		proto_request_begin(&c->w, id, b->op == OP_GET ? "case.get" : "case.sheet", c->tok);
		mp_packf(pk, "{s s}", "receipt", bench_pick(&c->rng, b->receipts, b->nreceipts));
		break;
	case OP_LIST_FIRST:
		proto_request_begin(&c->w, id, "case.list", c->tok);
		msgpack_pack_map(pk, 0);
		break;
	case OP_LIST_DEEP:
		proto_request_begin(&c->w, id, "case.list", c->tok);
		mp_packf(pk, "{s i}", "after", after);
		break;
	case OP_LIST_STAGE:
		proto_request_begin(&c->w, id, "case.list", c->tok);
		mp_packf(pk, "{s s}", "stage", stage);
		break;
	case OP_LIST_STAGE_DEEP:
		proto_request_begin(&c->w, id, "case.list", c->tok);
		mp_packf(pk, "{s s s i}", "stage", stage, "after", after);
		break;
	case OP_LIST_SEARCH:
	case OP_LIST_SEARCH_RARE:
	case OP_LIST_SEARCH_MISS:
		proto_request_begin(&c->w, id, "case.list", c->tok);
		mp_packf(pk, "{s s}", "q",
		         b->op == OP_LIST_SEARCH_MISS ? "該当なしの語"
		         : b->op == OP_LIST_SEARCH
		             ? bench_terms[bench_rand(&c->rng) %
		                           (sizeof bench_terms / sizeof bench_terms[0])]
		             : bench_rare[bench_rand(&c->rng) %
		                          (sizeof bench_rare / sizeof bench_rare[0])]);
		break;
	case OP_STAMP:
		k = atomic_fetch_add(&((struct bench *)b)->next_intake, 1);
		if (k >= b->nintake)
			return false;
		receipt = b->intake[k];
		proto_request_begin(&c->w, id, "case.stamp", c->tok);
		mp_packf(pk, "{s s s s s s}", "receipt", receipt, "verify", receipt, "stage",
		         "intake");
		break;
	case OP_ECHO:
	case OP_COUNT:
		break;
	}
	return true;
}

static void *
bench_client_main(void *arg)
{
	struct bench_client *c = arg;
	const struct bench *b = c->b;
	double start = (double)b->start.tv_sec + (double)b->start.tv_nsec / 1e9;
	double stop = start + b->seconds, t0, t1;

	c->nlat = 0;
	c->errors = c->requests = 0;
	for (;;) {
		struct proto_reply rep;
		bool measured;
		int rc;

		if (!bench_request(c))
			break;
		t0 = bench_now();
		if (t0 >= stop)
			break;
		measured = t0 >= start;
		if (b->op == OP_ECHO) {
			void *buf;
			size_t len;

			rc = nng_send(c->sock, c->w.buf.data, c->w.buf.size, 0) != 0 ||
			             nng_recv(c->sock, &buf, &len, NNG_FLAG_ALLOC) != 0
			         ? ERR_UNAVAILABLE
			         : 0;
			if (rc == 0)
				nng_free(buf, len);
		} else {
			rc = bench_roundtrip(c, &rep);
			if (rc == 0 && !rep.ok) {
				rc = rep.err;
				if (c->errors < 3 && measured)
					fprintf(stderr, "kura_bench: %s: %s: %s\n",
					        bench_ops[b->op].name, err_code(rc), rep.err_msg);
			}
			proto_reply_fini(&rep);
		}
		t1 = bench_now();
		if (!measured)
			continue;
		c->requests++;
		if (rc != 0)
			c->errors++;
		if (c->nlat < BENCH_LAT_MAX)
			c->lat[c->nlat++] = (uint32_t)((t1 - t0) * 1e6);
	}
	return NULL;
}

static int
bench_cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Runs the workload on the first b->clients clients and prints its RESULT line. */
static void
bench_measure(struct bench *b)
{
	pthread_t th[BENCH_CLIENTS_MAX];
	uint32_t *all;
	size_t n = 0;
	long requests = 0, errors = 0;
	double elapsed;

	clock_gettime(CLOCK_MONOTONIC, &b->start);
	b->start.tv_sec += (time_t)b->warmup;
	for (int i = 0; i < b->clients; i++)
		pthread_create(&th[i], NULL, bench_client_main, &b->c[i]);
	for (int i = 0; i < b->clients; i++)
		pthread_join(th[i], NULL);
	elapsed = bench_now() - ((double)b->start.tv_sec + (double)b->start.tv_nsec / 1e9);
	if (elapsed > b->seconds || b->op != OP_STAMP)
		elapsed = b->seconds;
	for (int i = 0; i < b->clients; i++) {
		n += b->c[i].nlat;
		requests += b->c[i].requests;
		errors += b->c[i].errors;
	}
	all = xmalloc((n + 1) * sizeof *all);
	n = 0;
	for (int i = 0; i < b->clients; i++) {
		memcpy(all + n, b->c[i].lat, b->c[i].nlat * sizeof *all);
		n += b->c[i].nlat;
	}
	qsort(all, n, sizeof *all, bench_cmp_u32);
	printf("RESULT op=%s clients=%d requests=%ld seconds=%.1f rps=%.0f p50_us=%u p99_us=%u "
	       "errors=%ld\n",
	       bench_ops[b->op].name, b->clients, requests, elapsed,
	       elapsed > 0 ? (double)requests / elapsed : 0.0, n ? all[n / 2] : 0,
	       n ? all[(size_t)((double)n * 0.99)] : 0, errors);
	fflush(stdout);
	free(all);
}

/* ---- the echo server: kurad's worker loop without the dispatcher ---- */

struct echo_worker {
	nng_ctx ctx;
	nng_aio *aio;
	pthread_t thread;
};

static void *
echo_worker_main(void *arg)
{
	struct echo_worker *w = arg;

	for (;;) {
		nng_msg *msg;

		nng_ctx_recv(w->ctx, w->aio);
		nng_aio_wait(w->aio);
		if (nng_aio_result(w->aio) != 0)
			break;
		msg = nng_aio_get_msg(w->aio);
		nng_aio_set_msg(w->aio, msg);
		nng_ctx_send(w->ctx, w->aio);
		nng_aio_wait(w->aio);
		if (nng_aio_result(w->aio) != 0)
			nng_msg_free(msg);
	}
	return NULL;
}

static void
usage(void)
{
	fprintf(stderr,
	        "usage: kura_bench kura URL USER PASSWORD [options] OP...\n"
	        "       kura_bench echo URL [options]\n"
	        "  --clients N    concurrent clients (default 1)\n"
	        "  --seconds S    measured seconds per workload (default 5)\n"
	        "  --warmup S     unmeasured seconds before (default 1)\n"
	        "  --receipts F   receipt numbers to read, one a line (get, sheet)\n"
	        "  --intake F     receipt numbers of cases at intake, used once each (stamp)\n"
	        "  --max-id N     the highest case id (deep pages)\n"
	        "  --workers W    echo: server workers (default 4, as kurad's demo)\n"
	        "  --size B       echo: message bytes (default 120)\n"
	        "OP: ");
	for (int i = 0; i < OP_COUNT; i++)
		fprintf(stderr, "%s%s", bench_ops[i].name, i + 1 < OP_COUNT ? ", " : "\n");
	for (int i = 0; i < OP_COUNT; i++)
		fprintf(stderr, "  %-17s %s\n", bench_ops[i].name, bench_ops[i].what);
	exit(2);
}

int
main(int argc, char **argv)
{
	struct bench b = { .clients = 1, .seconds = 5, .warmup = 1, .echo_size = 120 };
	const char *url, *user = NULL, *password = NULL;
	enum bench_op ops[OP_COUNT];
	int nops = 0, workers = 4, argi;
	bool echo;
	nng_socket server;
	struct echo_worker *ew = NULL;

	if (argc < 3 || sodium_init() < 0)
		usage();
	echo = strcmp(argv[1], "echo") == 0;
	if (!echo && (strcmp(argv[1], "kura") != 0 || argc < 5))
		usage();
	url = argv[2];
	argi = 3;
	if (!echo) {
		user = argv[3];
		password = argv[4];
		argi = 5;
	}
	for (; argi < argc; argi++) {
		const char *a = argv[argi], *v = argi + 1 < argc ? argv[argi + 1] : NULL;

		if (strncmp(a, "--", 2) == 0 && v == NULL)
			usage();
		if (strcmp(a, "--clients") == 0)
			b.clients = atoi(v), argi++;
		else if (strcmp(a, "--seconds") == 0)
			b.seconds = atof(v), argi++;
		else if (strcmp(a, "--warmup") == 0)
			b.warmup = atof(v), argi++;
		else if (strcmp(a, "--receipts") == 0)
			b.receipts = bench_lines(v, &b.nreceipts), argi++;
		else if (strcmp(a, "--intake") == 0)
			b.intake = bench_lines(v, &b.nintake), argi++;
		else if (strcmp(a, "--max-id") == 0)
			b.max_id = atoll(v), argi++;
		else if (strcmp(a, "--workers") == 0)
			workers = atoi(v), argi++;
		else if (strcmp(a, "--size") == 0)
			b.echo_size = (size_t)atol(v), argi++;
		else {
			int i;
			for (i = 0; i < OP_COUNT && strcmp(a, bench_ops[i].name) != 0; i++)
				;
			if (i == OP_COUNT || echo)
				usage();
			ops[nops++] = (enum bench_op)i;
		}
	}
	if (echo)
		ops[nops++] = OP_ECHO;
	if (b.clients < 1 || b.clients > BENCH_CLIENTS_MAX || b.seconds <= 0 || nops == 0 ||
	    workers < 1 || workers > 256)
		usage();
	for (int i = 0; i < nops; i++)
		if (((ops[i] == OP_GET || ops[i] == OP_SHEET) && b.nreceipts == 0) ||
		    (ops[i] == OP_STAMP && b.nintake == 0)) {
			fprintf(stderr, "kura_bench: %s needs --%s\n", bench_ops[ops[i]].name,
			        ops[i] == OP_STAMP ? "intake" : "receipts");
			return 2;
		}

	if (echo) {
		int rv = bench_dial(&server, url, false);

		if (rv != 0) {
			fprintf(stderr, "kura_bench: cannot listen on %s: %s\n", url,
			        nng_strerror(rv));
			return 1;
		}
		ew = xcalloc((size_t)workers, sizeof *ew);
		for (int i = 0; i < workers; i++) {
			nng_ctx_open(&ew[i].ctx, server);
			nng_aio_alloc(&ew[i].aio, NULL, NULL);
			pthread_create(&ew[i].thread, NULL, echo_worker_main, &ew[i]);
		}
	}
	b.c = xcalloc((size_t)b.clients, sizeof *b.c);
	for (int i = 0; i < b.clients; i++) {
		struct bench_client *c = &b.c[i];
		int rv;

		c->b = &b;
		c->rng = 0x5eed0000ULL + (uint64_t)i * 7919;
		c->lat = xmalloc(BENCH_LAT_MAX * sizeof *c->lat);
		proto_writer_init(&c->w);
		if ((rv = bench_dial(&c->sock, url, true)) != 0) {
			fprintf(stderr, "kura_bench: cannot dial %s: %s\n", url, nng_strerror(rv));
			return 1;
		}
		if (!echo && bench_login(c, user, password) != 0)
			return 1;
	}
	for (int i = 0; i < nops; i++) {
		b.op = ops[i];
		bench_measure(&b);
	}
	for (int i = 0; i < b.clients; i++) {
		nng_close(b.c[i].sock);
		proto_writer_fini(&b.c[i].w);
		free(b.c[i].lat);
	}
	if (echo) {
		nng_close(server);
		for (int i = 0; i < workers; i++) {
			pthread_join(ew[i].thread, NULL);
			nng_aio_free(ew[i].aio);
		}
		free(ew);
	}
	free(b.c);
	return 0;
}
