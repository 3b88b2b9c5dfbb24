/* Faults under load: clients sending reads and writes to a real kurad while its database
 * restarts (faults.test restarts it), while its database backends are killed in the middle
 * of their work (a killer thread here), or while kurad itself is killed with SIGKILL and
 * started again (faults.test). A write is resent with the same request id until it gets its
 * answer, as kura does. Afterwards, what a client and an auditor can observe is checked, as
 * TAP:
 *   - every answer was the command's own or `unavailable`; no call went unanswered while
 *     kurad ran (nothing hangs); kurad served again after the fault, by itself;
 *   - each write took effect exactly once: one effect, one stored reply and one audit row
 *     `ok` per request id, and no effect of this run without them;
 *   - a success reply always meant a committed write.
 *
 *   faults MODE URL USER PASSWORD OWNER_CONNINFO SUPER_CONNINFO SECONDS TAG [--intake FILE]
 *          [--kills N]
 * MODE: pg-restart, backend-kill (N kills of backends busy with a request), kurad-kill. */
#include "config.h"

#include <libpq-fe.h>
#include <nng/nng.h>
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
#include <unistd.h>

#include "err.h"
#include "mp.h"
#include "proto.h"
#include "xmalloc.h"
#include "../tap.h"

#define FAULTS_READERS   2
#define FAULTS_WRITERS   4
#define FAULTS_WRITES    20000 /* at most, in all */
#define FAULTS_GIVE_UP_S 90    /* a write without its answer after this long: a failure */

enum faults_mode { MODE_PG_RESTART, MODE_BACKEND_KILL, MODE_KURAD_KILL };

/* One write and what became of it. */
struct faults_write {
	uint8_t id[PROTO_ID_LEN];
	bool stamp;         /* case.stamp of the intake stage; else case.create */
	char receipt[32];   /* of the created case, or the stamped one */
	int attempts;       /* sends of the same request */
	int unavailable;    /* answers `unavailable` before the last */
	int outcome;        /* the last answer: 0 ok, an error, or ERR_UNAVAILABLE for none */
	bool answered;      /* got its own answer (ok or a definite refusal) */
	double first, last; /* when it was first sent, when it was answered */
};

struct faults {
	enum faults_mode mode;
	const char *url, *user, *password, *owner, *super, *tag;
	double seconds, start, stop;
	atomic_int ready; /* clients signed in */
	atomic_bool go;   /* all signed in: the run starts */
	atomic_bool done; /* the run is over: no new requests */
	int kills_wanted;
	atomic_int kills;
	char **intake;
	size_t nintake;
	atomic_size_t next_intake;
	struct faults_write *writes;
	atomic_int nwrites;
	/* Read calls: answered ok, answered unavailable, answered otherwise, unanswered. */
	atomic_long reads_ok, reads_unavailable, reads_other, reads_unanswered;
	atomic_long calls_slow; /* answers that took longer than the hang bound */
	char other_error[512];
	pthread_mutex_t lock;
	double last_ok; /* when a request last succeeded */
	char db_start[64];
};

static double
faults_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
faults_sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* While kurad runs, every request is answered at once (ok or unavailable); a request in
 * flight when kurad is killed is answered by no one, and is resent. */
static int
faults_wait_ms(const struct faults *f)
{
	return f->mode == MODE_KURAD_KILL ? 2000 : 15000;
}

/* One client connection with its own session. */
struct faults_client {
	nng_socket sock;
	char tok[PROTO_TOKEN_CHARS + 1];
	uint64_t rng;
	struct proto_writer w;
};

static uint64_t
faults_rand(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Sends the writer's bytes and waits for an answer. Returns 0 with rep filled, or
 * ERR_UNAVAILABLE when none came in time. */
static int
faults_call(const struct faults *f, struct faults_client *c, struct proto_reply *rep)
{
	void *buf;
	size_t len;

	nng_socket_set_ms(c->sock, NNG_OPT_RECVTIMEO, faults_wait_ms(f));
	if (nng_send(c->sock, c->w.buf.data, c->w.buf.size, 0) != 0 ||
	    nng_recv(c->sock, &buf, &len, NNG_FLAG_ALLOC) != 0) {
		memset(rep, 0, sizeof *rep);
		msgpack_unpacked_init(&rep->unp);
		return ERR_UNAVAILABLE;
	}
	int rc = proto_reply_decode(rep, buf, len);
	nng_free(buf, len);
	return rc;
}

static void
faults_note_ok(struct faults *f)
{
	pthread_mutex_lock(&f->lock);
	f->last_ok = faults_now();
	pthread_mutex_unlock(&f->lock);
}

static void
faults_note_other(struct faults *f, const char *what, const struct proto_reply *rep)
{
	pthread_mutex_lock(&f->lock);
	if (f->other_error[0] == '\0')
		snprintf(f->other_error, sizeof f->other_error, "%s: %s: %s", what,
		         err_code(rep->err), rep->err_msg);
	pthread_mutex_unlock(&f->lock);
}

/* Signs in, resending until kurad answers (it may be starting). */
static int
faults_login(struct faults *f, struct faults_client *c)
{
	double until = faults_now() + 60;

	while (faults_now() < until) {
		uint8_t id[PROTO_ID_LEN];
		struct proto_reply rep;
		int rc;

		proto_new_id(id);
		proto_writer_reset(&c->w);
		proto_request_begin(&c->w, id, "auth.login", NULL);
		mp_packf(&c->w.pk, "{s s s s}", "user", f->user, "password", f->password);
		rc = faults_call(f, c, &rep);
		if (rc == 0 && rep.ok &&
		    mp_strcpy(mp_get(rep.data, "tok"), c->tok, sizeof c->tok) == 0) {
			proto_reply_fini(&rep);
			return 0;
		}
		proto_reply_fini(&rep);
		faults_sleep_ms(200);
	}
	return -1;
}

static int
faults_client_open(struct faults *f, struct faults_client *c, uint64_t seed)
{
	memset(c, 0, sizeof *c);
	c->rng = seed;
	proto_writer_init(&c->w);
	if (nng_req0_open(&c->sock) != 0)
		return -1;
	nng_socket_set_ms(c->sock, NNG_OPT_SENDTIMEO, 2000);
	/* We resend ourselves, with the same id, after each wait. */
	nng_socket_set_ms(c->sock, NNG_OPT_REQ_RESENDTIME, NNG_DURATION_INFINITE);
	nng_socket_set_ms(c->sock, NNG_OPT_RECONNMINT, 50);
	nng_socket_set_ms(c->sock, NNG_OPT_RECONNMAXT, 500);
	if (nng_dial(c->sock, f->url, NULL, NNG_FLAG_NONBLOCK) != 0)
		return -1;
	return faults_login(f, c);
}

static void
faults_client_close(struct faults_client *c)
{
	nng_close(c->sock);
	proto_writer_fini(&c->w);
}

/* Counts the client in and waits for the others: the faults begin when all are signed in. */
static void
faults_ready(struct faults *f)
{
	atomic_fetch_add(&f->ready, 1);
	while (!atomic_load(&f->go))
		faults_sleep_ms(10);
}

/* ---- writers: each write resent with its id until answered ---- */

static void
faults_pack_write(struct faults *f, struct faults_client *c, const struct faults_write *wr, long n)
{
	char medium[128];

	proto_writer_reset(&c->w);
	if (wr->stamp) {
		proto_request_begin(&c->w, wr->id, "case.stamp", c->tok);
		mp_packf(&c->w.pk, "{s s s s s s}", "receipt", wr->receipt, "verify", wr->receipt,
		         "stage", "intake");
		return;
	}
	snprintf(medium, sizeof medium, "faults %s #%ld: 外付けHDD 1TB、異音", f->tag, n);
	proto_request_begin(&c->w, wr->id, "case.create", c->tok);
	mp_packf(&c->w.pk, "{s s s s s [{s s s s}]}", "customer_name", "試験 太郎", "medium",
	         medium, "items", "kind", "medium", "description", "外付けHDD 本体");
}

static void
faults_write_one(struct faults *f, struct faults_client *c, struct faults_write *wr, long n)
{
	wr->first = faults_now();
	for (;;) {
		struct proto_reply rep;
		int rc;

		faults_pack_write(f, c, wr, n);
		wr->attempts++;
		rc = faults_call(f, c, &rep);
		if (rc == 0 && !rep.ok && rep.err == ERR_UNAUTHENTICATED) {
			/* Cannot happen: sessions live in the database and survive every fault. */
			faults_note_other(f, "a write", &rep);
		}
		if (rc == 0 && (rep.ok || rep.err != ERR_UNAVAILABLE)) {
			wr->answered = true;
			wr->outcome = rep.ok ? 0 : rep.err;
			wr->last = faults_now();
			if (rep.ok && !wr->stamp)
				mp_strcpy(mp_get(rep.data, "receipt"), wr->receipt,
				          sizeof wr->receipt);
			if (rep.ok)
				faults_note_ok(f);
			else
				faults_note_other(f, wr->stamp ? "case.stamp" : "case.create",
				                  &rep);
			proto_reply_fini(&rep);
			return;
		}
		if (rc == 0)
			wr->unavailable++;
		else if (f->mode != MODE_KURAD_KILL)
			atomic_fetch_add(&f->calls_slow, 1);
		proto_reply_fini(&rep);
		wr->outcome = ERR_UNAVAILABLE;
		if (faults_now() - wr->first > FAULTS_GIVE_UP_S)
			return;
		faults_sleep_ms(50 + (int)(faults_rand(&c->rng) % 100));
	}
}

static void *
faults_writer(void *arg)
{
	struct faults *f = arg;
	struct faults_client c;
	static atomic_ulong seeds = 1;

	if (faults_client_open(f, &c, 0xfa017000 + atomic_fetch_add(&seeds, 1)) != 0) {
		fprintf(stderr, "faults: a writer cannot sign in\n");
		return NULL;
	}
	faults_ready(f);
	while (!atomic_load(&f->done)) {
		int n = atomic_fetch_add(&f->nwrites, 1);
		struct faults_write *wr;

		if (n >= FAULTS_WRITES)
			break;
		wr = &f->writes[n];
		proto_new_id(wr->id);
		/* Every other write a stamp, while there are cases waiting for one. */
		if (f->nintake > 0 && (n & 1)) {
			size_t k = atomic_fetch_add(&f->next_intake, 1);
			if (k < f->nintake) {
				wr->stamp = true;
				snprintf(wr->receipt, sizeof wr->receipt, "%s", f->intake[k]);
			}
		}
		faults_write_one(f, &c, wr, n);
	}
	faults_client_close(&c);
	return NULL;
}

/* ---- readers ---- */

static void *
faults_reader(void *arg)
{
	struct faults *f = arg;
	struct faults_client c;
	static atomic_ulong seeds = 1;

	if (faults_client_open(f, &c, 0x4ead0000 + atomic_fetch_add(&seeds, 1)) != 0) {
		fprintf(stderr, "faults: a reader cannot sign in\n");
		return NULL;
	}
	faults_ready(f);
	while (!atomic_load(&f->done)) {
		uint8_t id[PROTO_ID_LEN];
		struct proto_reply rep;
		double t0 = faults_now();
		int rc;

		proto_new_id(id);
		proto_writer_reset(&c.w);
		if (faults_rand(&c.rng) % 2) {
			proto_request_begin(&c.w, id, "case.list", c.tok);
			mp_packf(&c.w.pk, "{s i}", "limit", (int64_t)20);
		} else {
			proto_request_begin(&c.w, id, "auth.whoami", c.tok);
			msgpack_pack_map(&c.w.pk, 0);
		}
		rc = faults_call(f, &c, &rep);
		if (rc != 0) {
			atomic_fetch_add(&f->reads_unanswered, 1);
			if (f->mode != MODE_KURAD_KILL)
				atomic_fetch_add(&f->calls_slow, 1);
		} else if (rep.ok) {
			atomic_fetch_add(&f->reads_ok, 1);
			faults_note_ok(f);
		} else if (rep.err == ERR_UNAVAILABLE) {
			atomic_fetch_add(&f->reads_unavailable, 1);
		} else {
			atomic_fetch_add(&f->reads_other, 1);
			faults_note_other(f, "a read", &rep);
		}
		proto_reply_fini(&rep);
		if (faults_now() - t0 > faults_wait_ms(f) / 1000.0)
			atomic_fetch_add(&f->calls_slow, 1);
		faults_sleep_ms(5);
	}
	faults_client_close(&c);
	return NULL;
}

/* ---- the killer: backends of kurad, in the middle of a request ---- */

static void *
faults_killer(void *arg)
{
	struct faults *f = arg;
	PGconn *db = PQconnectdb(f->super);
	uint64_t rng = 0x4b111;

	if (PQstatus(db) != CONNECTION_OK) {
		fprintf(stderr, "faults: the killer cannot connect: %s", PQerrorMessage(db));
		PQfinish(db);
		return NULL;
	}
	/* Until enough kills, for at most a minute past the run's planned end. */
	while (faults_now() < f->stop + 60 && atomic_load(&f->kills) < f->kills_wanted) {
		/* A backend of kurad's workers in the middle of a request's transaction that has
		 * written (it has a transaction id): running a statement, or between two. Not one
		 * preparing its statements after a reconnect, nor the sealer. */
		PGresult *res = PQexec(
		    db,
		    "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid))"
		    " FROM (SELECT pid FROM pg_stat_activity"
		    "  WHERE usename = 'kura_app' AND backend_type = 'client backend'"
		    "  AND state IN ('active', 'idle in transaction')"
		    "  AND backend_xid IS NOT NULL AND query NOT LIKE '%audit_seal%' AND query NOT LIKE 'LISTEN%'"
		    "  ORDER BY random() LIMIT 1) b");

		if (PQresultStatus(res) == PGRES_TUPLES_OK && atoi(PQgetvalue(res, 0, 0)) > 0)
			atomic_fetch_add(&f->kills, 1);
		PQclear(res);
		faults_sleep_ms((int)(faults_rand(&rng) % 15));
	}
	PQfinish(db);
	return NULL;
}

/* ---- the checks ---- */

static PGresult *
faults_query(PGconn *db, const char *sql, int n, const char *const *params)
{
	PGresult *res = PQexecParams(db, sql, n, NULL, params, NULL, NULL, 0);

	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		printf("# query failed: %s", PQresultErrorMessage(res));
		PQclear(res);
		return NULL;
	}
	return res;
}

static long long
faults_count(PGconn *db, const char *sql, int n, const char *const *params)
{
	PGresult *res = faults_query(db, sql, n, params);
	long long v = res != NULL ? atoll(PQgetvalue(res, 0, 0)) : -1;

	PQclear(res);
	return v;
}

/* Checks each write in the database: its effect, stored reply and audit row, once. */
static void
faults_check_writes(struct faults *f, PGconn *db, int n)
{
	int bad_effect = 0, bad_reply = 0, bad_audit = 0, stamps = 0, creates = 0;
	char first_bad[256] = "";

	for (int i = 0; i < n; i++) {
		struct faults_write *wr = &f->writes[i];
		char hex[2 * PROTO_ID_LEN + 1], object[64];
		const char *p[2] = { hex, object };
		long long replies, audits, effect;

		if (!wr->answered || wr->outcome != 0)
			continue;
		sodium_bin2hex(hex, sizeof hex, wr->id, sizeof wr->id);
		snprintf(object, sizeof object, wr->stamp ? "%s intake" : "%s", wr->receipt);
		replies =
		    faults_count(db,
		                 "SELECT count(*) FROM kura.request_replies WHERE request_id ="
		                 " decode($1, 'hex') AND object = $2",
		                 2, p);
		audits = faults_count(db,
		                      "SELECT count(*) FROM kura.audit_log WHERE request_id ="
		                      " decode($1, 'hex') AND outcome = 'ok' AND object = $2",
		                      2, p);
		if (wr->stamp) {
			const char *rp[1] = { wr->receipt };

			stamps++;
			/* One stamp, the case one stage on, each item moved once. */
			effect =
			    faults_count(db,
			                 "SELECT (SELECT count(*) FROM kura.case_stamps s WHERE"
			                 "  s.case_id = c.id AND s.stage = 'intake') * 100"
			                 " + (c.stage = 'analysis')::int * 10"
			                 " + ((SELECT count(*) FROM kura.custody_events e WHERE"
			                 "  e.case_id = c.id AND e.reason = 'intake stamped')"
			                 "  = (SELECT count(*) FROM kura.case_items i WHERE"
			                 "  i.case_id = c.id))::int"
			                 " FROM kura.cases c WHERE c.receipt = $1",
			                 1, rp);
			effect = effect == 111;
		} else {
			const char *rp[1] = { wr->receipt };

			creates++;
			effect =
			    faults_count(db, "SELECT count(*) FROM kura.cases WHERE receipt = $1",
			                 1, rp) == 1;
		}
		bad_effect += !effect;
		bad_reply += replies != 1;
		bad_audit += audits != 1;
		if ((!effect || replies != 1 || audits != 1) && first_bad[0] == '\0')
			snprintf(
			    first_bad, sizeof first_bad,
			    "request %s (%s): effect %s, %lld stored replies, %lld audit rows ok",
			    hex, object, effect ? "once" : "wrong", replies, audits);
	}
	printf("# %d creates and %d stamps answered ok\n", creates, stamps);
	ok(bad_effect == 0, "each write answered ok took effect, once (%d did not)", bad_effect);
	ok(bad_reply == 0, "each has exactly one stored reply (%d have not)", bad_reply);
	ok(bad_audit == 0, "each has exactly one audit row 'ok' (%d have not)", bad_audit);
	if (first_bad[0] != '\0')
		printf("#   first: %s\n", first_bad);
}

/* Nothing of this run took effect without its reply and audit row, nor twice. */
static void
faults_check_db(struct faults *f, PGconn *db, int answered_creates)
{
	char like[128];
	const char *p[1] = { like }, *since[1] = { f->db_start };
	long long cases, orphans;

	snprintf(like, sizeof like, "faults %s #%%", f->tag);
	cases = faults_count(db, "SELECT count(*) FROM kura.cases WHERE medium LIKE $1", 1, p);
	ok(cases == answered_creates,
	   "the run created as many cases as creates were answered ok (%lld, %d)", cases,
	   answered_creates);
	/* Every stored reply of the run has its audit row and the other way round. */
	orphans = faults_count(
	    db,
	    "SELECT (SELECT count(*) FROM kura.request_replies r WHERE r.at >= $1::timestamptz"
	    "  AND NOT EXISTS (SELECT FROM kura.audit_log a WHERE a.request_id = r.request_id"
	    "  AND a.outcome = 'ok'))"
	    " + (SELECT count(*) FROM kura.audit_log a WHERE a.at >= $1::timestamptz"
	    "  AND a.outcome = 'ok' AND a.op IN ('case.create', 'case.stamp')"
	    "  AND NOT EXISTS (SELECT FROM kura.request_replies r WHERE r.request_id = a.request_id))",
	    1, since);
	ok(orphans == 0,
	   "no effect without its audit row, no audit row 'ok' without its effect "
	   "(%lld)",
	   orphans);
}

static void
faults_report(struct faults *f)
{
	PGconn *db = PQconnectdb(f->owner);
	int n = atomic_load(&f->nwrites), unanswered = 0, refused = 0, creates_ok = 0, resent = 0;
	int unavail = 0;
	long reads = f->reads_ok + f->reads_unavailable + f->reads_other + f->reads_unanswered;

	if (n > FAULTS_WRITES)
		n = FAULTS_WRITES;
	for (int i = 0; i < n; i++) {
		const struct faults_write *wr = &f->writes[i];

		unanswered += !wr->answered && wr->first > 0;
		refused += wr->answered && wr->outcome != 0;
		creates_ok += wr->answered && wr->outcome == 0 && !wr->stamp;
		resent += wr->attempts > 1;
		unavail += wr->unavailable;
	}
	printf("# %d writes (%d resent, %d answers unavailable), %ld reads (%ld ok, %ld "
	       "unavailable, %ld unanswered)\n",
	       n, resent, unavail, reads, (long)f->reads_ok, (long)f->reads_unavailable,
	       (long)f->reads_unanswered);
	if (f->mode == MODE_BACKEND_KILL)
		printf("# %d backends killed in the middle of a request\n", atomic_load(&f->kills));
	ok(n > 0 && reads > 0, "%s: clients were sending reads and writes", f->tag);
	if (f->mode == MODE_BACKEND_KILL)
		ok(atomic_load(&f->kills) >= f->kills_wanted,
		   "%d database backends killed mid-request (wanted %d)", atomic_load(&f->kills),
		   f->kills_wanted);
	ok(f->reads_other == 0 && refused == 0,
	   "every answer was the command's own or unavailable%s%s", f->other_error[0] ? ": " : "",
	   f->other_error);
	ok(unanswered == 0, "every write got its answer, resent with its id (%d did not)",
	   unanswered);
	if (f->mode != MODE_KURAD_KILL)
		ok(f->calls_slow == 0, "no request went unanswered while kurad ran (%ld did)",
		   (long)f->calls_slow);
	ok(f->last_ok > f->stop - 4, "kurad served again after the fault, by itself");
	if (PQstatus(db) != CONNECTION_OK) {
		ok(0, "the database can be read as its owner: %s", PQerrorMessage(db));
		PQfinish(db);
		return;
	}
	faults_check_writes(f, db, n);
	faults_check_db(f, db, creates_ok);
	PQfinish(db);
}

static char **
faults_lines(const char *path, size_t *n)
{
	FILE *fp = fopen(path, "r");
	char line[128], **list = NULL;

	*n = 0;
	if (fp == NULL)
		return NULL;
	while (fgets(line, sizeof line, fp) != NULL) {
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '\0')
			continue;
		list = xrealloc(list, (*n + 1) * sizeof *list);
		list[(*n)++] = xstrdup(line);
	}
	fclose(fp);
	return list;
}

int
main(int argc, char **argv)
{
	struct faults f;
	pthread_t readers[FAULTS_READERS], writers[FAULTS_WRITERS], killer;
	PGconn *db;
	PGresult *res;

	if (argc < 9 || sodium_init() < 0) {
		fprintf(stderr,
		        "usage: faults pg-restart|backend-kill|kurad-kill URL USER PASSWORD "
		        "OWNER_CONNINFO SUPER_CONNINFO SECONDS TAG [--intake FILE] "
		        "[--kills N]\n");
		return 2;
	}
	memset(&f, 0, sizeof f);
	pthread_mutex_init(&f.lock, NULL);
	f.mode = strcmp(argv[1], "pg-restart") == 0     ? MODE_PG_RESTART
	         : strcmp(argv[1], "backend-kill") == 0 ? MODE_BACKEND_KILL
	                                                : MODE_KURAD_KILL;
	f.url = argv[2];
	f.user = argv[3];
	f.password = argv[4];
	f.owner = argv[5];
	f.super = argv[6];
	f.seconds = atof(argv[7]);
	f.tag = argv[8];
	f.kills_wanted = 300;
	for (int i = 9; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--intake") == 0)
			f.intake = faults_lines(argv[i + 1], &f.nintake);
		else if (strcmp(argv[i], "--kills") == 0)
			f.kills_wanted = atoi(argv[i + 1]);
	}
	f.writes = xcalloc(FAULTS_WRITES, sizeof *f.writes);
	/* The run's start as the database sees it, for the audit rows of the run. */
	db = PQconnectdb(f.owner);
	res = PQexec(db, "SELECT now()");
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		printf("Bail out! cannot read the database as its owner: %s", PQerrorMessage(db));
		return 1;
	}
	snprintf(f.db_start, sizeof f.db_start, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	PQfinish(db);

	for (int i = 0; i < FAULTS_WRITERS; i++)
		pthread_create(&writers[i], NULL, faults_writer, &f);
	for (int i = 0; i < FAULTS_READERS; i++)
		pthread_create(&readers[i], NULL, faults_reader, &f);
	for (int i = 0; i < 600 && atomic_load(&f.ready) < FAULTS_WRITERS + FAULTS_READERS; i++)
		faults_sleep_ms(100);
	f.start = faults_now();
	f.stop = f.start + f.seconds;
	/* faults.test starts its fault a few seconds after this line. */
	printf("# %d clients signed in: the run starts\n", atomic_load(&f.ready));
	fflush(stdout);
	atomic_store(&f.go, true);
	if (f.mode == MODE_BACKEND_KILL) {
		pthread_create(&killer, NULL, faults_killer, &f);
		pthread_join(killer, NULL);
	}
	while (faults_now() < f.stop)
		faults_sleep_ms(50);
	atomic_store(&f.done, true);
	for (int i = 0; i < FAULTS_WRITERS; i++)
		pthread_join(writers[i], NULL);
	for (int i = 0; i < FAULTS_READERS; i++)
		pthread_join(readers[i], NULL);
	f.stop = faults_now();
	faults_report(&f);
	return tap_done();
}
