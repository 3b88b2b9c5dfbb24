/* The rights matrix test: docs/rights.tsv loaded, the cells (role x temporary x segment) with
 * their accounts and sessions, and the database-layer checks (rights_db.c). */
#ifndef KURA_RIGHTS_H
#define KURA_RIGHTS_H

#include <libpq-fe.h>
#include <stdbool.h>

#include "../integration/it.h"

#define RT_NROLES 6
#define RT_NSEGS  3
#define RT_NCELLS (RT_NROLES * 2 * RT_NSEGS)
#define RT_MAXCMD 64

enum rt_outcome { RT_NONE = 0, RT_ALLOW, RT_DENY, RT_MASK };

extern const char *const rt_roles[RT_NROLES];
extern const char *const rt_segs[RT_NSEGS];

/* docs/rights.tsv: outcome by command, role, temporary (0/1) and segment. */
struct rt_matrix {
	int ncmd;
	char cmd[RT_MAXCMD][64];
	char right[RT_MAXCMD][32];
	enum rt_outcome out[RT_MAXCMD][RT_NROLES][2][RT_NSEGS];
};

/* One cell: an account of a role (temporary or not) on a segment. */
struct rt_cell {
	int role, temp, seg;
	char label[64];                /* "manager (temporary) @ tech-centre" */
	const struct it_account *acct; /* borrowed from the environment */
	char user_id[24];
	struct kclient *c;    /* signed in on seg, or NULL */
	enum rt_outcome want; /* case.get's outcome in the tsv: the cell's case reads */
	enum rt_outcome seen; /* what the server did for case.get (RT_NONE: other answer) */
};

/* What the database checks need from the walk. */
struct rt_ctx {
	const struct it_env *env;
	PGconn *owner;
	struct rt_cell *cells; /* RT_NCELLS */
	const char *receipt;   /* the canary case */
	const char *canary_name;
	const char *disabled_id; /* a user id that the walk disabled (or NULL) */
};

/* The name of an outcome as the tsv spells it. */
const char *rt_outcome_name(enum rt_outcome o);

/* A TAP result and a diagnostic line, numbered with the rest of the program's. */
__attribute__((format(printf, 2, 3))) int rt_ok(int cond, const char *fmt, ...);
__attribute__((format(printf, 1, 2))) void rt_diag(const char *fmt, ...);

/* Runs the database-layer checks (TAP lines). */
void rt_db_checks(const struct rt_ctx *ctx);

#endif
