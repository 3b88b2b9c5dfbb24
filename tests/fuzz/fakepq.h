/* A stand-in for PostgreSQL behind libpq, so that the dispatcher and every handler can be
 * fuzzed up to the database boundary without a database. fakepq.c defines the libpq calls
 * the server makes (PQconnectdb, PQexec, PQprepare, PQexecPrepared, ...); linked into a
 * program, they take the place of libpq's own for the server's objects, while results are
 * still real PGresults (PQmakeEmptyPGresult, PQsetvalue). It checks what the server sends:
 * every statement runs inside a transaction, none after an error in it, every parameter is
 * valid text. */
#ifndef KURA_FAKEPQ_H
#define KURA_FAKEPQ_H

#include <stdbool.h>
#include <stddef.h>

/*
 * How the fake database answers one request, from one byte:
 *   bits 0-1  the value of every column: "1", "t", "0" or "2611-00001"
 *   bits 2-3  rows of a statement that may return several: 1, 0, 3, or 1 with a stored reply
 *             (a resend)
 *   bit  4    no session for the token
 *   bits 5-7  k > 0: the k-th statement of the request fails, with a SQLSTATE chosen by k
 */
void fakepq_reset(unsigned mode);
/* The op of the request about to run, and the reply a resend of it finds stored (borrowed
 * until the next reset; NULL: none). */
void fakepq_set_request(const char *op, const void *stored_reply, size_t len);

struct fakepq_stats {
	int statements;       /* executed (prepared) statements */
	int commits;          /* transactions committed */
	int audits_committed; /* audit rows in committed transactions */
	int failed;           /* statements failed on purpose */
	bool in_transaction;  /* a transaction is still open */
};
const struct fakepq_stats *fakepq_stats(void);

#endif
