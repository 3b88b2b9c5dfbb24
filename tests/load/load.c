/* Load with hostile peers: honest clients (each a kura terminal: its own req0 socket and
 * session) read and write for a while, mixed with peers that send oversized frames, half
 * frames and then stall, garbage bytes, garbage requests, and requests whose replies they
 * never read. What must hold, as TAP:
 *   - the honest clients see no error at all: every request answered, ok, in time;
 *   - kurad's memory stays bounded (sampled every second: no growth to speak of);
 *   - no worker is stuck: with the hostile peers still connected, as many requests at once
 *     as kurad has workers, and twice that, are all answered at once.
 *
 *   load URL USER PASSWORD KURAD_PID WORKERS SECONDS [HONEST] */
#include "config.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "err.h"
#include "mp.h"
#include "proto.h"
#include "xmalloc.h"
#include "../tap.h"

#define LOAD_TIMEOUT_MS   10000 /* an honest request unanswered this long is an error */
#define LOAD_OVERSIZE     4     /* peers sending frames larger than kurad takes */
#define LOAD_STALLERS     16    /* peers sending half a frame, then nothing */
#define LOAD_GARBAGE      4     /* peers sending random bytes, and random requests */
#define LOAD_DEAF         4     /* peers sending requests and never reading a reply */
#define LOAD_SP_REQ0      0x30  /* the SP protocol number of req0 */
#define LOAD_DEAF_HONEST  8
#define LOAD_DEAF_SECONDS 10

struct load {
	const char *url, *user, *password;
	char host[256];
	int port;
	pid_t kurad;
	int workers, honest;
	double seconds, stop;
	atomic_bool go, done, honest_done;
	atomic_int ready;
	/* The honest clients. */
	atomic_long requests, errors, slow;
	double max_latency;
	char first_error[512];
	pthread_mutex_t lock;
	/* The hostile peers. */
	atomic_long frames_oversized, frames_half, garbage_sent, deaf_sent, connects;
	char deaf_tok[PROTO_TOKEN_CHARS + 1]; /* an insider's session: replies of a full page */
};

static double
load_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
load_sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static uint64_t
load_rand(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static long
load_rss_kib(pid_t pid)
{
	char path[64], line[256];
	long kib = -1;
	FILE *f;

	snprintf(path, sizeof path, "/proc/%ld/status", (long)pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof line, f) != NULL)
		if (sscanf(line, "VmRSS: %ld", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

/* ---- honest clients ---- */

struct load_client {
	nng_socket sock;
	char tok[PROTO_TOKEN_CHARS + 1];
	struct proto_writer w;
	uint64_t rng;
	char receipts[8][32];
	int nreceipts;
};

static int
load_call(struct load_client *c, struct proto_reply *rep)
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
load_client_open(struct load *l, struct load_client *c, uint64_t seed)
{
	uint8_t id[PROTO_ID_LEN];
	struct proto_reply rep;
	int rc;

	memset(c, 0, sizeof *c);
	c->rng = seed;
	proto_writer_init(&c->w);
	if (nng_req0_open(&c->sock) != 0)
		return -1;
	nng_socket_set_ms(c->sock, NNG_OPT_RECVTIMEO, LOAD_TIMEOUT_MS);
	nng_socket_set_ms(c->sock, NNG_OPT_SENDTIMEO, LOAD_TIMEOUT_MS);
	nng_socket_set_ms(c->sock, NNG_OPT_REQ_RESENDTIME, NNG_DURATION_INFINITE);
	if (nng_dial(c->sock, l->url, NULL, 0) != 0)
		return -1;
	proto_new_id(id);
	proto_request_begin(&c->w, id, "auth.login", NULL);
	mp_packf(&c->w.pk, "{s s s s}", "user", l->user, "password", l->password);
	rc = load_call(c, &rep);
	if (rc == 0 && (!rep.ok || mp_strcpy(mp_get(rep.data, "tok"), c->tok, sizeof c->tok) != 0))
		rc = rep.ok ? ERR_BAD_REQUEST : rep.err;
	proto_reply_fini(&rep);
	return rc;
}

static void
load_error(struct load *l, const char *op, int rc, const struct proto_reply *rep)
{
	atomic_fetch_add(&l->errors, 1);
	pthread_mutex_lock(&l->lock);
	if (l->first_error[0] == '\0')
		snprintf(l->first_error, sizeof l->first_error, "%s: %s%s%s", op,
		         rc != 0 ? "no answer" : err_code(rep->err), rc != 0 ? "" : ": ",
		         rc != 0 ? "" : rep->err_msg);
	pthread_mutex_unlock(&l->lock);
}

/* One request of a terminal's day: mostly lists and cases, sometimes an intake. */
static void
load_honest_one(struct load *l, struct load_client *c)
{
	uint8_t id[PROTO_ID_LEN];
	struct proto_reply rep;
	unsigned what = (unsigned)(load_rand(&c->rng) % 100);
	const char *op;
	double t0, dt;
	int rc;

	proto_new_id(id);
	proto_writer_reset(&c->w);
	if (what < 35) {
		op = "case.list";
		proto_request_begin(&c->w, id, op, c->tok);
		mp_packf(&c->w.pk, "{s i}", "limit", (int64_t)20);
	} else if (what < 75 && c->nreceipts > 0) {
		op = "case.get";
		proto_request_begin(&c->w, id, op, c->tok);
		mp_packf(&c->w.pk, "{s s}", "receipt",
		         c->receipts[load_rand(&c->rng) % (uint64_t)c->nreceipts]);
	} else if (what < 80) {
		op = "case.create";
		proto_request_begin(&c->w, id, op, c->tok);
		mp_packf(&c->w.pk, "{s s s s s [{s s s s}]}", "customer_name", "負荷 試験",
		         "medium", "USBメモリ 32GB、認識しない", "items", "kind", "medium",
		         "description", "USBメモリ");
	} else {
		op = "auth.whoami";
		proto_request_begin(&c->w, id, op, c->tok);
		msgpack_pack_map(&c->w.pk, 0);
	}
	t0 = load_now();
	rc = load_call(c, &rep);
	dt = load_now() - t0;
	atomic_fetch_add(&l->requests, 1);
	if (rc != 0 || !rep.ok) {
		load_error(l, op, rc, &rep);
	} else if (strcmp(op, "case.list") == 0) {
		const msgpack_object *rows = mp_get(rep.data, "rows");

		c->nreceipts = 0;
		for (uint32_t i = 0; rows != NULL && rows->type == MSGPACK_OBJECT_ARRAY &&
		                     i < rows->via.array.size && c->nreceipts < 8;
		     i++)
			if (mp_strcpy(mp_get(&rows->via.array.ptr[i], "receipt"),
			              c->receipts[c->nreceipts], sizeof c->receipts[0]) == 0)
				c->nreceipts++;
	}
	proto_reply_fini(&rep);
	pthread_mutex_lock(&l->lock);
	if (dt > l->max_latency)
		l->max_latency = dt;
	pthread_mutex_unlock(&l->lock);
	if (dt > 5.0)
		atomic_fetch_add(&l->slow, 1);
}

static void *
load_honest(void *arg)
{
	struct load *l = arg;
	struct load_client c;
	static atomic_ulong seeds = 1;

	if (load_client_open(l, &c, 0x1000 + atomic_fetch_add(&seeds, 1)) != 0) {
		load_error(l, "auth.login", ERR_UNAVAILABLE, NULL);
		atomic_fetch_add(&l->ready, 1);
		return NULL;
	}
	atomic_fetch_add(&l->ready, 1);
	while (!atomic_load(&l->go))
		load_sleep_ms(10);
	while (!atomic_load(&l->honest_done)) {
		load_honest_one(l, &c);
		/* A person at a terminal: a moment between two keys. */
		load_sleep_ms((int)(load_rand(&c.rng) % 50));
	}
	nng_close(c.sock);
	proto_writer_fini(&c.w);
	return NULL;
}

/* ---- hostile peers, on raw TCP ---- */

static int
load_connect(struct load *l)
{
	struct sockaddr_in sa;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0)
		return -1;
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)l->port);
	inet_pton(AF_INET, l->host, &sa.sin_addr);
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
		close(fd);
		return -1;
	}
	atomic_fetch_add(&l->connects, 1);
	return fd;
}

static bool
load_write(int fd, const void *buf, size_t len)
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

/* The SP handshake of a req0 peer; the server's half is read (or not, by a deaf peer). */
static bool
load_handshake(int fd, bool read_reply)
{
	const uint8_t hello[8] = { 0, 'S', 'P', 0, 0, LOAD_SP_REQ0, 0, 0 };
	uint8_t back[8];

	if (!load_write(fd, hello, sizeof hello))
		return false;
	return !read_reply || recv(fd, back, sizeof back, MSG_WAITALL) == sizeof back;
}

static void
load_be64(uint8_t out[8], uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		out[i] = (uint8_t)v;
}

/* Frames larger than kurad takes: 2 MiB of real bytes, and a length of 2^62 with none. */
static void *
load_oversize(void *arg)
{
	struct load *l = arg;
	uint8_t *big = xcalloc(1, 2u << 20), len[8];
	uint64_t n = 0;

	while (!atomic_load(&l->done)) {
		int fd = load_connect(l);

		if (fd < 0 || !load_handshake(fd, true)) {
			if (fd >= 0)
				close(fd);
			load_sleep_ms(50);
			continue;
		}
		load_be64(len, (n++ & 1) ? (1ULL << 62) : (2u << 20));
		if (load_write(fd, len, sizeof len) && (n & 1) == 0)
			load_write(fd, big, 2u << 20);
		atomic_fetch_add(&l->frames_oversized, 1);
		close(fd);
		load_sleep_ms(20);
	}
	free(big);
	return NULL;
}

/* Half a frame, then silence until kurad gives up on it or the run ends. */
static void *
load_staller(void *arg)
{
	struct load *l = arg;
	uint8_t frame[8 + 16];

	while (!atomic_load(&l->done)) {
		int fd = load_connect(l);
		struct pollfd pfd;

		if (fd < 0) {
			load_sleep_ms(100);
			continue;
		}
		/* Every other one stalls before the handshake is even complete. */
		if (atomic_load(&l->frames_half) % 2 == 0 && load_handshake(fd, true)) {
			load_be64(frame, 1000);
			memset(frame + 8, 0x80, 16);
			load_write(fd, frame, sizeof frame);
		} else {
			load_write(fd, "\0SP", 3);
		}
		atomic_fetch_add(&l->frames_half, 1);
		pfd = (struct pollfd){ .fd = fd, .events = POLLIN };
		while (!atomic_load(&l->done) && poll(&pfd, 1, 200) == 0)
			;
		close(fd);
	}
	return NULL;
}

/* Random bytes without a handshake, and random requests in proper frames. */
static void *
load_garbage(void *arg)
{
	struct load *l = arg;
	uint8_t buf[8 + 4 + 512], back[8];
	uint64_t rng = 0x9a4ba9e ^ (uint64_t)(uintptr_t)&buf;

	while (!atomic_load(&l->done)) {
		int fd = load_connect(l);
		size_t len = 16 + load_rand(&rng) % 500;

		if (fd < 0) {
			load_sleep_ms(50);
			continue;
		}
		randombytes_buf(buf, sizeof buf);
		if (load_rand(&rng) % 2) {
			load_write(fd, buf, len); /* not even a handshake */
		} else if (load_handshake(fd, true)) {
			for (int k = 0; k < 20; k++) {
				randombytes_buf(buf + 12, len);
				load_be64(buf, 4 + len);
				buf[8] |= 0x80; /* the request id's top bit, as req0 sends it */
				if (!load_write(fd, buf, 8 + 4 + len))
					break;
				/* Read the answer's length and skip it, when one comes. */
				if (recv(fd, back, 8, MSG_WAITALL) == 8) {
					uint64_t n = 0;
					uint8_t skip[512];
					for (int i = 0; i < 8; i++)
						n = n << 8 | back[i];
					while (n > 0) {
						ssize_t got = recv(
						    fd, skip, n < sizeof skip ? n : sizeof skip, 0);
						if (got <= 0)
							break;
						n -= (uint64_t)got;
					}
				}
			}
		}
		atomic_fetch_add(&l->garbage_sent, 1);
		close(fd);
		load_sleep_ms(10);
	}
	return NULL;
}

/* Requests for a full page of cases, under a valid session, as fast as the socket takes
 * them, and never a reply read: kurad's replies back up in the connection. */
static void *
load_deaf(void *arg)
{
	struct load *l = arg;
	struct proto_writer w;
	uint8_t id[PROTO_ID_LEN], hdr[12];
	uint32_t rid = 1;
	int fd;

	proto_writer_init(&w);
	while (!atomic_load(&l->done)) {
		if ((fd = load_connect(l)) < 0 || !load_handshake(fd, false)) {
			if (fd >= 0)
				close(fd);
			load_sleep_ms(100);
			continue;
		}
		/* Non-blocking: when the connection is full, the peer waits and does not read. */
		while (!atomic_load(&l->done)) {
			struct pollfd pfd = { .fd = fd, .events = POLLOUT };

			proto_writer_reset(&w);
			proto_new_id(id);
			proto_request_begin(&w, id, "case.list",
			                    l->deaf_tok[0] ? l->deaf_tok : NULL);
			mp_packf(&w.pk, "{s i}", "limit", (int64_t)200);
			load_be64(hdr, 4 + w.buf.size);
			hdr[8] = (uint8_t)(0x80 | (rid >> 24));
			hdr[9] = (uint8_t)(rid >> 16);
			hdr[10] = (uint8_t)(rid >> 8);
			hdr[11] = (uint8_t)rid;
			rid = (rid + 1) & 0x7fffffff;
			if (poll(&pfd, 1, 200) <= 0)
				continue;
			if (!load_write(fd, hdr, sizeof hdr) ||
			    !load_write(fd, w.buf.data, w.buf.size))
				break;
			atomic_fetch_add(&l->deaf_sent, 1);
		}
		close(fd);
	}
	proto_writer_fini(&w);
	return NULL;
}

/* A new phase: counters at zero, n honest clients to start. */
static void
load_phase_reset(struct load *l, int n)
{
	atomic_store(&l->go, false);
	atomic_store(&l->honest_done, false);
	atomic_store(&l->ready, 0);
	atomic_store(&l->requests, 0);
	atomic_store(&l->errors, 0);
	atomic_store(&l->slow, 0);
	l->first_error[0] = '\0';
	l->max_latency = 0;
	l->honest = n;
}

/* ---- the end: every worker answers, with the hostile peers still there ---- */

struct load_probe {
	struct load *l;
	int rc;
	double latency;
};

static void *
load_probe_one(void *arg)
{
	struct load_probe *p = arg;
	struct load_client c;
	uint8_t id[PROTO_ID_LEN];
	struct proto_reply rep;
	double t0;

	p->rc = ERR_UNAVAILABLE;
	if (load_client_open(p->l, &c, 0x9000 + (uint64_t)(uintptr_t)p) != 0)
		return NULL;
	proto_new_id(id);
	proto_writer_reset(&c.w);
	/* A list, the heaviest common read: a worker stays busy while it runs. */
	proto_request_begin(&c.w, id, "case.list", c.tok);
	mp_packf(&c.w.pk, "{s i}", "limit", (int64_t)200);
	t0 = load_now();
	p->rc = load_call(&c, &rep);
	p->latency = load_now() - t0;
	if (p->rc == 0 && !rep.ok)
		p->rc = rep.err;
	proto_reply_fini(&rep);
	nng_close(c.sock);
	proto_writer_fini(&c.w);
	return NULL;
}

static void
load_probe_all(struct load *l, int n)
{
	pthread_t th[512];
	struct load_probe probes[512];
	int answered = 0;
	double worst = 0;

	for (int i = 0; i < n; i++) {
		probes[i] = (struct load_probe){ .l = l };
		pthread_create(&th[i], NULL, load_probe_one, &probes[i]);
	}
	for (int i = 0; i < n; i++) {
		pthread_join(th[i], NULL);
		answered += probes[i].rc == 0;
		if (probes[i].latency > worst)
			worst = probes[i].latency;
	}
	ok(answered == n,
	   "%d clients at once, hostile peers still connected: %d answered ok (slowest %.2f s)", n,
	   answered, worst);
}

int
main(int argc, char **argv)
{
	struct load l;
	pthread_t *honest, hostile[LOAD_OVERSIZE + LOAD_STALLERS + LOAD_GARBAGE + LOAD_DEAF];
	long rss0, rss_max = 0, rss_mid = 0, rss_end;
	int nh = 0, samples = 0;
	const char *colon;

	if (argc < 7 || sodium_init() < 0) {
		fprintf(stderr,
		        "usage: load URL USER PASSWORD KURAD_PID WORKERS SECONDS [HONEST]\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	memset(&l, 0, sizeof l);
	pthread_mutex_init(&l.lock, NULL);
	l.url = argv[1];
	l.user = argv[2];
	l.password = argv[3];
	l.kurad = (pid_t)atol(argv[4]);
	l.workers = atoi(argv[5]);
	l.seconds = atof(argv[6]);
	l.honest = argc > 7 ? atoi(argv[7]) : 64;
	if (strncmp(l.url, "tcp://", 6) != 0 || (colon = strrchr(l.url, ':')) == NULL) {
		printf("Bail out! load needs a tcp:// URL\n");
		return 1;
	}
	snprintf(l.host, sizeof l.host, "%.*s", (int)(colon - l.url - 6), l.url + 6);
	l.port = atoi(colon + 1);

	honest = xcalloc((size_t)l.honest, sizeof *honest);
	for (int i = 0; i < l.honest; i++)
		pthread_create(&honest[i], NULL, load_honest, &l);
	for (int i = 0; i < 1200 && atomic_load(&l.ready) < l.honest; i++)
		load_sleep_ms(100);
	rss0 = load_rss_kib(l.kurad);
	printf("# %d honest clients signed in; kurad's memory %ld KiB\n", atomic_load(&l.ready),
	       rss0);
	{
		struct load_client insider;

		if (load_client_open(&l, &insider, 0xdeaf) == 0)
			memcpy(l.deaf_tok, insider.tok, sizeof l.deaf_tok);
		nng_close(insider.sock);
		proto_writer_fini(&insider.w);
	}
	for (int i = 0; i < LOAD_OVERSIZE; i++)
		pthread_create(&hostile[nh++], NULL, load_oversize, &l);
	for (int i = 0; i < LOAD_STALLERS; i++)
		pthread_create(&hostile[nh++], NULL, load_staller, &l);
	for (int i = 0; i < LOAD_GARBAGE; i++)
		pthread_create(&hostile[nh++], NULL, load_garbage, &l);
	atomic_store(&l.go, true);
	l.stop = load_now() + l.seconds;
	while (load_now() < l.stop) {
		long rss = load_rss_kib(l.kurad);

		load_sleep_ms(1000);
		if (rss > rss_max)
			rss_max = rss;
		if (++samples == (int)(l.seconds / 2))
			rss_mid = rss;
	}
	/* The honest clients stop; the hostile peers stay while every worker is asked. */
	atomic_store(&l.honest_done, true);
	for (int i = 0; i < l.honest; i++)
		pthread_join(honest[i], NULL);
	rss_end = load_rss_kib(l.kurad);

	printf("# %ld honest requests (max latency %.2f s); hostile: %ld connections, %ld "
	       "oversized frames, %ld half frames, %ld garbage\n",
	       (long)l.requests, l.max_latency, (long)l.connects, (long)l.frames_oversized,
	       (long)l.frames_half, (long)l.garbage_sent);
	printf("# kurad's memory: %ld KiB before, %ld KiB at half time, %ld KiB at most, %ld KiB "
	       "at the end\n",
	       rss0, rss_mid, rss_max, rss_end);
	ok(atomic_load(&l.ready) == l.honest, "%d honest clients signed in", l.honest);
	ok(l.requests > 0 && l.errors == 0,
	   "the honest clients saw no error in %ld requests (%ld errors%s%s)", (long)l.requests,
	   (long)l.errors, l.first_error[0] ? ", the first: " : "", l.first_error);
	/* The limit for an answer is LOAD_TIMEOUT_MS (an error above); on two shared cores a
	 * slow answer is no failure, but it is worth seeing. */
	printf("# %ld honest requests took more than 5 s\n", (long)l.slow);
	ok(l.frames_oversized > 0 && l.frames_half > 0 && l.garbage_sent > 0,
	   "the hostile peers were at work");
	ok(rss_max > 0 && rss_max < rss0 + 256 * 1024,
	   "kurad's memory stayed bounded: at most %ld MiB over its %ld MiB before",
	   (rss_max - rss0) / 1024, rss0 / 1024);
	ok(rss_mid > 0 && rss_end < rss_mid + rss_mid / 4 + 16 * 1024,
	   "kurad's memory did not keep growing: %ld KiB at half time, %ld KiB at the end", rss_mid,
	   rss_end);
	load_probe_all(&l, l.workers);
	load_probe_all(&l, 2 * l.workers);

	/* Then peers that never read: an insider's full pages, with fewer honest clients. */
	load_phase_reset(&l, LOAD_DEAF_HONEST);
	for (int i = 0; i < l.honest; i++)
		pthread_create(&honest[i], NULL, load_honest, &l);
	for (int i = 0; i < LOAD_DEAF; i++)
		pthread_create(&hostile[nh++], NULL, load_deaf, &l);
	atomic_store(&l.go, true);
	load_sleep_ms(LOAD_DEAF_SECONDS * 1000);
	atomic_store(&l.honest_done, true);
	for (int i = 0; i < l.honest; i++)
		pthread_join(honest[i], NULL);
	printf("# peers that never read: %ld requests sent; %ld honest requests beside them\n",
	       (long)l.deaf_sent, (long)l.requests);
	ok(l.deaf_sent > 0, "the peers that never read were at work");
	ok(l.requests > 0 && l.errors == 0,
	   "beside them, the honest clients saw no error in %ld requests (%ld errors%s%s)",
	   (long)l.requests, (long)l.errors, l.first_error[0] ? ", the first: " : "",
	   l.first_error);
	load_probe_all(&l, l.workers);
	atomic_store(&l.done, true);
	for (int i = 0; i < nh; i++)
		pthread_join(hostile[i], NULL);
	free(honest);
	return tap_done();
}
