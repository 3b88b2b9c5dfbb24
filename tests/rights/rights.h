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
#define RT_MAXCMD 128

/* In rt_cell.got: the command was not sent in this cell. */
#define RT_NOT_WALKED (-100000)

enum rt_outcome { RT_NONE = 0, RT_ALLOW, RT_DENY, RT_MASK };

extern const char *const rt_roles[RT_NROLES];
extern const char *const rt_segs[RT_NSEGS];

/* docs/rights.tsv: outcome by command, role, temporary (0/1) and segment. A command is an op,
 * or op:QUALIFIER where the right depends on an argument (case.stamp:STAGE). */
struct rt_matrix {
	int ncmd;
	char cmd[RT_MAXCMD][64];  /* as the tsv names it: "case.get", "case.stamp:intake" */
	char op[RT_MAXCMD][64];   /* the op sent: "case.stamp" */
	char qual[RT_MAXCMD][32]; /* what follows the colon, or "" */
	char right[RT_MAXCMD][64];
	enum rt_outcome out[RT_MAXCMD][RT_NROLES][2][RT_NSEGS];
};

/* One cell: an account of a role (temporary or not) on a segment. */
struct rt_cell {
	int role, temp, seg;
	char label[64];                /* "manager (temporary) @ tech-centre" */
	const struct it_account *acct; /* borrowed from the environment */
	char user_id[24];
	char rights[1024];    /* kura.rights_of(role, segment, temporary), comma-separated */
	struct kclient *c;    /* signed in on seg, or NULL */
	enum rt_outcome want; /* case.get's outcome in the tsv: the cell's case reads */
	enum rt_outcome seen; /* what the server did for case.get (RT_NONE: other answer) */
	int got[RT_MAXCMD];   /* the outcome of each command of the walk, or RT_NOT_WALKED */
};

/* What the database checks need from the walk. */
struct rt_ctx {
	const struct it_env *env;
	PGconn *owner;
	struct rt_cell *cells; /* RT_NCELLS */
	const struct rt_matrix *m;
	const char *receipt; /* the canary case */
	const char *canary_name;
	const char *disabled_id; /* a user id that the walk disabled (or NULL) */
	/* The target of the SQL write checks: a case at intake with one item, no stamp,
	 * binding, work log or note, an unapproved report (version 1) issued by the
	 * technician, and a free analysis device. */
	const char *w_case_id, *w_receipt, *w_label, *w_device;
	/* The target of the risk register's: an asset and a risk with a review and control 5.1
	 * (NULL: no risk register in this database). */
	const char *w_asset_id, *w_risk_id;
	/* Incidents reported on the call centre by the operator (NULL: none in this
	 * database): one reported, one being investigated, one shared with every segment. */
	const char *w_incident_id, *w_investigating_id, *w_shared_id;
};

/* The name of an outcome as the tsv spells it. */
const char *rt_outcome_name(enum rt_outcome o);
/* The index of a tsv command in the matrix, or -1. */
int rt_cmd_index(const char *name);

/* Whether a cell sees an incident of the fixtures, reported on the call centre by the normal
 * operator, shared with every segment or not (docs/incidents.md). */
bool rt_sees_incident(const struct rt_cell *c, bool shared);

/* A TAP result and a diagnostic line, numbered with the rest of the program's. */
__attribute__((format(printf, 2, 3))) int rt_ok(int cond, const char *fmt, ...);
/* A TAP result of a known, reported defect: "# TODO why" follows the description, so a failure
 * is expected (XFAIL) and a pass (XPASS, once fixed) fails the suite until the mark goes. */
__attribute__((format(printf, 3, 4))) int rt_todo(int cond, const char *why, const char *fmt, ...);
__attribute__((format(printf, 1, 2))) void rt_diag(const char *fmt, ...);

/* Runs the database-layer checks (TAP lines). */
void rt_db_checks(const struct rt_ctx *ctx);

#endif
