/* The audit sealer (see sealer.h): a thread with its own connection that chains committed
 * audit rows every SEALER_INTERVAL_MS through kura.audit_seal() (schema/003_audit_chain.sql),
 * and every SEALER_EXPIRE_S seconds removes the stored replies older than SEALER_REPLY_KEEP_DAYS
 * through kura.reply_expire() (schema/015_reply_expiry.sql). Of several kurad instances one
 * does this, elected by a session advisory lock; the others stand by and take over when its
 * connection ends. */
#include "config.h"

#include "sealer.h"

#include <libpq-fe.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "xmalloc.h"

#define SEALER_INTERVAL_MS 200
#define SEALER_STANDBY_MS  2000
/* kura.audit_seal() not there yet: the database awaits kuractl db migrate. */
#define SEALER_MISSING_MS  10000
#define SEALER_BACKOFF_MIN 200
#define SEALER_BACKOFF_MAX 5000
#define SEALER_BATCH       "1000"
#define SEALER_BATCH_ROWS  1000
/* A resend comes within minutes; a week leaves room for a client that was away. */
#define SEALER_REPLY_KEEP_DAYS   "7"
#define SEALER_EXPIRE_S          5
#define SEALER_EXPIRE_BATCH      "10000"
#define SEALER_EXPIRE_BATCH_ROWS 10000
#define SEALER_MISSING           (-2)
/* 'kuraseal' in ASCII: the election lock. kura.audit_seal() takes another key itself. */
#define SEALER_LOCK_KEY "7743220897206853996"

/* Polling, not LISTEN/NOTIFY: a NOTIFY in every request's transaction would take the
 * notification queue's lock at each commit, serializing requests on it, which the sealer
 * exists to avoid. */

enum sealer_stmt { SEALER_STMT_LOCK, SEALER_STMT_SEAL, SEALER_STMT_EXPIRE, SEALER_STMT_COUNT };

static const struct sealer_statement {
	const char *name;
	const char *sql;
} sealer_statements[SEALER_STMT_COUNT] = {
	[SEALER_STMT_LOCK] = { "sealer_lock",
	                       "SELECT pg_catalog.pg_try_advisory_lock(" SEALER_LOCK_KEY ")" },
	[SEALER_STMT_SEAL] = { "sealer_seal", "SELECT kura.audit_seal($1::int)" },
	[SEALER_STMT_EXPIRE] = { "sealer_expire",
	                         "SELECT kura.reply_expire(" SEALER_REPLY_KEEP_DAYS ", $1::int)" },
};

struct sealer {
	char *conninfo;
	PGconn *conn;
	bool prepared[SEALER_STMT_COUNT];
	bool leader;
	bool warned_down;    /* the database is down: said once per outage */
	bool warned_missing; /* kura.audit_seal() missing: said once */
	int backoff_ms;
	time_t next_expire; /* when the stored replies are looked at next (monotonic s) */
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool stopping;
};

static void
sealer_disconnect(struct sealer *s)
{
	if (s->conn != NULL)
		PQfinish(s->conn);
	s->conn = NULL;
	s->leader = false;
	memset(s->prepared, 0, sizeof s->prepared);
}

/* Milliseconds to wait before the next attempt; doubles up to SEALER_BACKOFF_MAX. */
static int
sealer_backoff(struct sealer *s)
{
	s->backoff_ms = s->backoff_ms == 0 ? SEALER_BACKOFF_MIN : s->backoff_ms * 2;
	if (s->backoff_ms > SEALER_BACKOFF_MAX)
		s->backoff_ms = SEALER_BACKOFF_MAX;
	return s->backoff_ms;
}

static const char *
sealer_sqlstate(const PGresult *res)
{
	const char *state = res != NULL ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;

	return state != NULL ? state : "(connection)";
}

static int
sealer_connect(struct sealer *s)
{
	PGresult *res;
	int ok;

	s->conn = PQconnectdb(s->conninfo);
	if (PQstatus(s->conn) != CONNECTION_OK) {
		if (!s->warned_down)
			log_warn("audit sealer: cannot connect: %s", PQerrorMessage(s->conn));
		s->warned_down = true;
		sealer_disconnect(s);
		return -1;
	}
	/* A pass takes milliseconds; one that hangs must not hold the chain forever. */
	res = PQexec(s->conn, "SET search_path = ''; SET application_name = 'kurad audit sealer';"
	                      " SET statement_timeout = '60s'");
	ok = PQresultStatus(res) == PGRES_COMMAND_OK;
	if (!ok)
		log_error("audit sealer: cannot set up its connection: SQLSTATE %s",
		          sealer_sqlstate(res));
	PQclear(res);
	if (!ok) {
		sealer_disconnect(s);
		return -1;
	}
	if (s->warned_down)
		log_info("audit sealer: connected again");
	s->warned_down = false;
	return 0;
}

/* Prepares stmt once per connection. Returns 0, 1 when kura.audit_seal() does not exist
 * (the database is not migrated yet), or -1 (logged). */
static int
sealer_prepare(struct sealer *s, enum sealer_stmt stmt)
{
	const struct sealer_statement *st = &sealer_statements[stmt];
	PGresult *res;
	int rc = 0;

	if (s->prepared[stmt])
		return 0;
	res = PQprepare(s->conn, st->name, st->sql, stmt == SEALER_STMT_LOCK ? 0 : 1, NULL);
	if (PQresultStatus(res) == PGRES_COMMAND_OK) {
		s->prepared[stmt] = true;
	} else if (strcmp(sealer_sqlstate(res), "42883") == 0) {
		rc = 1;
	} else {
		log_error("audit sealer: cannot prepare %s: SQLSTATE %s", st->name,
		          sealer_sqlstate(res));
		rc = -1;
	}
	PQclear(res);
	return rc;
}

/* Runs a prepared one-value statement; *value is its text (owned), or NULL on error. */
static int
sealer_exec(struct sealer *s, enum sealer_stmt stmt, const char *param, char **value)
{
	const char *params[1] = { param };
	PGresult *res;
	int rc = 0;

	*value = NULL;
	res = PQexecPrepared(s->conn, sealer_statements[stmt].name, param != NULL ? 1 : 0, params,
	                     NULL, NULL, 0);
	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1 && PQnfields(res) == 1)
		*value = xstrdup(PQgetvalue(res, 0, 0));
	else {
		log_error("audit sealer: %s failed: SQLSTATE %s", sealer_statements[stmt].name,
		          sealer_sqlstate(res));
		rc = -1;
	}
	PQclear(res);
	return rc;
}

/* Becomes the sealer if no other instance is. Returns 1 when leading, 0 when another
 * instance leads, -1 on error. */
static int
sealer_elect(struct sealer *s)
{
	char *won = NULL;

	if (s->leader)
		return 1;
	if (sealer_prepare(s, SEALER_STMT_LOCK) != 0 ||
	    sealer_exec(s, SEALER_STMT_LOCK, NULL, &won) != 0)
		return -1;
	s->leader = strcmp(won, "t") == 0;
	free(won);
	if (s->leader)
		log_info("audit sealer: active on this instance");
	return s->leader ? 1 : 0;
}

/* One call of kura.audit_seal(). Returns the rows sealed, SEALER_MISSING when the function
 * does not exist yet, or -1 on error (logged). */
static int
sealer_seal(struct sealer *s)
{
	char *sealed = NULL;
	int rc;

	rc = sealer_prepare(s, SEALER_STMT_SEAL);
	if (rc == 1) {
		if (!s->warned_missing)
			log_warn("audit sealer: kura.audit_seal() does not exist: run kuractl db "
			         "migrate; audit rows stay unsealed until then");
		s->warned_missing = true;
		return SEALER_MISSING;
	}
	if (rc != 0 || sealer_exec(s, SEALER_STMT_SEAL, SEALER_BATCH, &sealed) != 0)
		return -1;
	s->warned_missing = false;
	rc = atoi(sealed);
	free(sealed);
	if (rc > 0)
		log_debug("audit sealer: sealed %d rows", rc);
	return rc;
}

/* Removes the expired stored replies when it is time (a batch a step while there are more).
 * A failure is logged and tried again later: it never stops the sealing. */
static void
sealer_expire(struct sealer *s)
{
	struct timespec now;
	char *removed = NULL;
	int n = 0;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (now.tv_sec < s->next_expire)
		return;
	/* Missing (the database awaits kuractl db migrate) or failed: the next time. */
	if (sealer_prepare(s, SEALER_STMT_EXPIRE) == 0 &&
	    sealer_exec(s, SEALER_STMT_EXPIRE, SEALER_EXPIRE_BATCH, &removed) == 0) {
		n = atoi(removed);
		free(removed);
		if (n > 0)
			log_info("stored replies older than " SEALER_REPLY_KEEP_DAYS
			         " days removed: %d",
			         n);
	}
	/* A full batch: there are more, at the next step. */
	s->next_expire = now.tv_sec + (n < SEALER_EXPIRE_BATCH_ROWS ? SEALER_EXPIRE_S : 0);
}

/* One step of the loop. Returns how many milliseconds to wait before the next. */
static int
sealer_step(struct sealer *s)
{
	int n;

	if (s->conn != NULL && PQstatus(s->conn) != CONNECTION_OK) {
		log_warn("audit sealer: connection lost%s", s->leader ? ", sealing paused" : "");
		sealer_disconnect(s);
	}
	if (s->conn == NULL && sealer_connect(s) != 0)
		return sealer_backoff(s);
	switch (sealer_elect(s)) {
	case 0:
		s->backoff_ms = 0;
		return SEALER_STANDBY_MS;
	case 1:
		break;
	default:
		sealer_disconnect(s);
		return sealer_backoff(s);
	}
	n = sealer_seal(s);
	if (n == SEALER_MISSING)
		return SEALER_MISSING_MS;
	if (n < 0) {
		/* Gives up the lead too: another instance may do better. */
		sealer_disconnect(s);
		return sealer_backoff(s);
	}
	s->backoff_ms = 0;
	sealer_expire(s);
	return n >= SEALER_BATCH_ROWS ? 0 : SEALER_INTERVAL_MS;
}

/* Waits ms or until sealer_stop. Returns true when stopping. */
static bool
sealer_wait(struct sealer *s, int ms)
{
	struct timespec until;
	bool stopping;

	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += ms / 1000;
	until.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&s->lock);
	while (!s->stopping && ms > 0 && pthread_cond_timedwait(&s->wake, &s->lock, &until) == 0)
		;
	stopping = s->stopping;
	pthread_mutex_unlock(&s->lock);
	return stopping;
}

static void *
sealer_main(void *arg)
{
	struct sealer *s = arg;
	int n;

	while (!sealer_wait(s, sealer_step(s)))
		;
	/* The last pass: rows of the requests kurad just finished. Only on a live connection:
	 * shutdown does not wait for a database that is down, the next sealer seals them. */
	if (s->conn != NULL && PQstatus(s->conn) == CONNECTION_OK && sealer_elect(s) == 1) {
		do
			n = sealer_seal(s);
		while (n >= SEALER_BATCH_ROWS);
	}
	sealer_disconnect(s);
	return NULL;
}

struct sealer *
sealer_start(const struct server_config *cfg)
{
	struct sealer *s = xcalloc(1, sizeof *s);
	pthread_condattr_t attr;

	s->conninfo = strstr(cfg->conninfo, "connect_timeout") != NULL
	                  ? xstrdup(cfg->conninfo)
	                  : xasprintf("%s connect_timeout=5", cfg->conninfo);
	pthread_mutex_init(&s->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&s->wake, &attr);
	pthread_condattr_destroy(&attr);
	if (pthread_create(&s->thread, NULL, sealer_main, s) != 0) {
		log_error("audit sealer: cannot start its thread: audit rows stay unsealed");
		pthread_cond_destroy(&s->wake);
		pthread_mutex_destroy(&s->lock);
		memset(s->conninfo, 0, strlen(s->conninfo));
		free(s->conninfo);
		free(s);
		return NULL;
	}
	return s;
}

void
sealer_stop(struct sealer *s)
{
	if (s == NULL)
		return;
	pthread_mutex_lock(&s->lock);
	s->stopping = true;
	pthread_cond_signal(&s->wake);
	pthread_mutex_unlock(&s->lock);
	pthread_join(s->thread, NULL);
	pthread_cond_destroy(&s->wake);
	pthread_mutex_destroy(&s->lock);
	/* The conninfo may hold a password. */
	memset(s->conninfo, 0, strlen(s->conninfo));
	free(s->conninfo);
	free(s);
}
