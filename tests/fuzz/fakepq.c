/* The fake database behind libpq (see fakepq.h). Only what kurad's workers call is here;
 * results are made with libpq's own PQmakeEmptyPGresult and PQsetvalue. */
#include "config.h"

#include "fakepq.h"

#include <libpq-fe.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "request.h"
#include "utf8.h"

#define FAKE_COLUMNS 48
#define FAKE_STMTS   512
#define FAKE_RING    16

static int fake_conn_storage;
#define FAKE_CONN ((PGconn *)&fake_conn_storage)

/* The statements run so far: prepared ones by name, unnamed ones by their text (db.c's
 * table, static); whether one always returns exactly one row. */
static struct {
	char name[64];
	const char *text;
	bool one_row;
} fake_stmts[FAKE_STMTS];
static int fake_nstmts;

static unsigned fake_mode;
static const char *fake_op;
static char *fake_reply_hex;
static bool fake_txn, fake_txn_failed;
static int fake_txn_audits;
static struct fakepq_stats fake_stats;
static char fake_rights[2048];

/* Results that carry an error or a command status, newest first by address. */
static struct {
	const PGresult *res;
	const char *sqlstate, *status;
} fake_ring[FAKE_RING];
static unsigned fake_ring_next;

static void
fake_fail(const char *what, const char *detail)
{
	fprintf(stderr, "fakepq: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
	abort();
}

static void
fake_remember(const PGresult *res, const char *sqlstate, const char *status)
{
	fake_ring[fake_ring_next % FAKE_RING].res = res;
	fake_ring[fake_ring_next % FAKE_RING].sqlstate = sqlstate;
	fake_ring[fake_ring_next % FAKE_RING].status = status;
	fake_ring_next++;
}

static int
fake_find(const PGresult *res)
{
	for (unsigned i = 0; i < FAKE_RING; i++) {
		unsigned k = (fake_ring_next - 1 - i) % FAKE_RING;
		if (fake_ring[k].res == res && res != NULL)
			return (int)k;
	}
	return -1;
}

void
fakepq_reset(unsigned mode)
{
	fake_mode = mode;
	fake_op = NULL;
	free(fake_reply_hex);
	fake_reply_hex = NULL;
	memset(&fake_stats, 0, sizeof fake_stats);
	if (fake_rights[0] == '\0')
		for (int i = 0; i < RIGHT_COUNT; i++)
			snprintf(fake_rights + strlen(fake_rights),
			         sizeof fake_rights - strlen(fake_rights), "%s%s", i ? "," : "",
			         right_name((enum right)i));
}

void
fakepq_set_request(const char *op, const void *stored_reply, size_t len)
{
	fake_op = op;
	free(fake_reply_hex);
	fake_reply_hex = NULL;
	if (stored_reply != NULL) {
		fake_reply_hex = malloc(2 * len + 3);
		memcpy(fake_reply_hex, "\\x", 2);
		sodium_bin2hex(fake_reply_hex + 2, 2 * len + 1, stored_reply, len);
	}
}

const struct fakepq_stats *
fakepq_stats(void)
{
	fake_stats.in_transaction = fake_txn;
	return &fake_stats;
}

/* ---- results ---- */

static PGresult *
fake_result(ExecStatusType status)
{
	return PQmakeEmptyPGresult(NULL, status);
}

static PGresult *
fake_error(const char *sqlstate)
{
	PGresult *res = fake_result(PGRES_FATAL_ERROR);

	fake_remember(res, sqlstate, NULL);
	return res;
}

static PGresult *
fake_rows(int nrows, const char *const *special, int nspecial)
{
	PGresult *res = fake_result(PGRES_TUPLES_OK);
	PGresAttDesc attrs[FAKE_COLUMNS];
	/* Values a column can hold whatever its type; not NULL or "": columns that can be
	 * NULL or empty are few, and a statement's SQL says which, which the fake cannot. */
	static const char *const generic[] = { "1", "t", "0", "2611-00001" };
	const char *v = generic[fake_mode & 3];

	memset(attrs, 0, sizeof attrs);
	for (int c = 0; c < FAKE_COLUMNS; c++) {
		attrs[c].name = (char *)"c";
		attrs[c].typid = 25;
		attrs[c].typlen = -1;
		attrs[c].atttypmod = -1;
	}
	PQsetResultAttrs(res, FAKE_COLUMNS, attrs);
	for (int r = 0; r < nrows; r++)
		for (int c = 0; c < FAKE_COLUMNS; c++) {
			const char *s = c < nspecial && special[c] != NULL ? special[c] : v;

			PQsetvalue(res, r, c, (char *)s, s != NULL ? (int)strlen(s) : -1);
		}
	return res;
}

/* ---- the libpq calls kurad makes ---- */

PGconn *
PQconnectdb(const char *conninfo)
{
	(void)conninfo;
	return FAKE_CONN;
}

void
PQfinish(PGconn *conn)
{
	if (conn != FAKE_CONN && conn != NULL)
		fake_fail("PQfinish of a connection it did not open", NULL);
}

ConnStatusType
PQstatus(const PGconn *conn)
{
	return conn == FAKE_CONN ? CONNECTION_OK : CONNECTION_BAD;
}

char *
PQerrorMessage(const PGconn *conn)
{
	(void)conn;
	return (char *)"the fake database";
}

PGTransactionStatusType
PQtransactionStatus(const PGconn *conn)
{
	(void)conn;
	return !fake_txn ? PQTRANS_IDLE : fake_txn_failed ? PQTRANS_INERROR : PQTRANS_INTRANS;
}

char *
PQcmdStatus(PGresult *res)
{
	int k = fake_find(res);

	return (char *)(k >= 0 && fake_ring[k].status != NULL ? fake_ring[k].status : "");
}

char *
PQresultErrorField(const PGresult *res, int field)
{
	int k = fake_find(res);

	if (k < 0 || fake_ring[k].sqlstate == NULL)
		return NULL;
	if (field == PG_DIAG_SQLSTATE)
		return (char *)fake_ring[k].sqlstate;
	if (field == PG_DIAG_MESSAGE_PRIMARY)
		return (char *)"kura: refused by the fake database";
	return NULL;
}

/* Returns the index of a new statement: named, or unnamed with its text. */
static int
fake_register(const char *name, const char *text, const char *query)
{
	if (fake_nstmts == FAKE_STMTS)
		fake_fail("too many statements", name);
	snprintf(fake_stmts[fake_nstmts].name, sizeof fake_stmts[0].name, "%s", name);
	fake_stmts[fake_nstmts].text = text;
	/* A SELECT of values, not of rows of a table, has exactly one row. */
	fake_stmts[fake_nstmts].one_row =
	    (strncmp(query, "SELECT", 6) == 0 && strstr(query, " FROM ") == NULL) ||
	    strncmp(query, "SELECT count(", 13) == 0;
	return fake_nstmts++;
}

PGresult *
PQprepare(PGconn *conn, const char *name, const char *query, int nparams, const Oid *types)
{
	(void)conn, (void)nparams, (void)types;
	for (int i = 0; i < fake_nstmts; i++)
		if (strcmp(fake_stmts[i].name, name) == 0)
			return fake_result(PGRES_COMMAND_OK); /* prepared again after a reconnect */
	fake_register(name, NULL, query);
	return fake_result(PGRES_COMMAND_OK);
}

PGresult *
PQexec(PGconn *conn, const char *query)
{
	PGresult *res;

	(void)conn;
	if (strncmp(query, "BEGIN", 5) == 0) {
		if (fake_txn)
			fake_fail("BEGIN inside a transaction", query);
		fake_txn = true;
		fake_txn_failed = false;
		fake_txn_audits = 0;
		return fake_result(PGRES_COMMAND_OK);
	}
	if (strcmp(query, "COMMIT") == 0) {
		if (!fake_txn)
			fake_fail("COMMIT without a transaction", NULL);
		res = fake_result(PGRES_COMMAND_OK);
		fake_remember(res, NULL, fake_txn_failed ? "ROLLBACK" : "COMMIT");
		if (!fake_txn_failed) {
			fake_stats.commits++;
			fake_stats.audits_committed += fake_txn_audits;
		}
		fake_txn = false;
		return res;
	}
	if (strcmp(query, "ROLLBACK") == 0) {
		fake_txn = false;
		return fake_result(PGRES_COMMAND_OK);
	}
	if (strncmp(query, "SET ", 4) == 0)
		return fake_result(PGRES_COMMAND_OK);
	fake_fail("an unexpected statement", query);
	return NULL;
}

/* Runs statement stmt of fake_stmts (name is its name) with its parameters. */
static PGresult *
fake_exec(int stmt, const char *name, int nparams, const char *const *values)
{
	static const char *const states[8] = { NULL,    "23505", "40001", "22023",
		                               "42501", "P0002", "55000", "08006" };
	unsigned fail_at = (fake_mode >> 5) & 7, rows_mode = (fake_mode >> 2) & 3;
	const char *special[8] = { NULL };
	int nrows, nspecial = 0;

	/* Change events are announced after the commit, everything else within a transaction. */
	if (strcmp(name, "events_notify") == 0) {
		if (fake_txn)
			fake_fail("change events announced before the commit", name);
		fake_stats.statements++;
		return fake_rows(0, NULL, 0);
	}
	if (!fake_txn)
		fake_fail("a statement outside a transaction", name);
	if (fake_txn_failed)
		fake_fail("a statement after an error in the same transaction", name);
	for (int i = 0; i < nparams; i++)
		if (values[i] != NULL && !utf8_valid_text(values[i], strlen(values[i]), 1))
			fake_fail("a parameter that is not valid text", name);
	fake_stats.statements++;
	if (fail_at != 0 && (unsigned)fake_stats.statements == fail_at) {
		fake_stats.failed++;
		fake_txn_failed = true;
		return fake_error(states[fail_at]);
	}
	nrows = fake_stmts[stmt].one_row ? 1 : rows_mode == 1 ? 0 : rows_mode == 2 ? 3 : 1;
	if (strncmp(name, "audit_insert", 12) == 0) { /* with or without its personal-data read */
		fake_txn_audits++;
		special[0] = rows_mode == 1 ? "" : "case 2611-00001 2\nnote 2611-00001 7\n";
		nspecial = 1;
		nrows = 1;
	}
	if (strncmp(name, "case_get", 8) == 0) {
		/* The case's own row first, as case.get's statement gives it. */
		special[0] = "c";
		special[1] = "0";
		nspecial = 2;
	} else if (strcmp(name, "session_touch") == 0) {
		static const char *const row[] = { "7", "3", "sato", "佐藤 美咲", "operator", "f" };
		memcpy(special, row, sizeof row);
		special[6] = fake_rights;
		nspecial = 7;
		nrows = (fake_mode & 0x10) ? 0 : 1;
	} else if (strcmp(name, "rights") == 0) {
		special[0] = fake_rights;
		nspecial = 1;
	} else if (strcmp(name, "login_wait") == 0) {
		special[0] = "0";
		nspecial = 1;
	} else if (strcmp(name, "user_by_login") == 0) {
		/* An account whose hash never verifies: a wrong password, quickly. */
		static const char *const row[] = { "3",        "sato", "佐藤 美咲",
			                           "operator", "f",    "$argon2id$broken",
			                           "f" };
		memcpy(special, row, sizeof row);
		nspecial = 7;
		nrows = 1;
	} else if (strcmp(name, "reply_get") == 0) {
		/* A stored reply only in the resend mode. */
		nrows = rows_mode == 3 && fake_op != NULL && fake_reply_hex != NULL ? 1 : 0;
		special[0] = "3";
		special[1] = fake_op;
		special[2] = "2611-00001";
		special[3] = fake_reply_hex;
		special[4] = "t";
		nspecial = 5;
	}
	return fake_rows(nrows, special, nspecial);
}

PGresult *
PQexecPrepared(PGconn *conn, const char *name, int nparams, const char *const *values,
               const int *lengths, const int *formats, int result_format)
{
	(void)conn, (void)lengths, (void)formats, (void)result_format;
	for (int i = 0; i < fake_nstmts; i++)
		if (fake_stmts[i].text == NULL && strcmp(fake_stmts[i].name, name) == 0)
			return fake_exec(i, name, nparams, values);
	fake_fail("a statement that was not prepared", name);
	return NULL;
}

/* An unnamed statement (planned for its parameters each time): the same fake, found by
 * its text and known under that text from its first run on. */
PGresult *
PQexecParams(PGconn *conn, const char *query, int nparams, const Oid *types,
             const char *const *values, const int *lengths, const int *formats, int result_format)
{
	int stmt = -1;

	(void)conn, (void)types, (void)lengths, (void)formats, (void)result_format;
	for (int i = 0; i < fake_nstmts && stmt < 0; i++)
		if (fake_stmts[i].text == query)
			stmt = i;
	if (stmt < 0)
		stmt = fake_register("(unnamed)", query, query);
	return fake_exec(stmt, "(unnamed)", nparams, values);
}
