/* libpq for kuractl: connecting as the database owner, and one judge of every PGresult. */
#ifndef KURA_CTL_PG_H
#define KURA_CTL_PG_H

#include <libpq-fe.h>

struct ctl;

/* The file in DIR holding the owner's conninfo. */
#define PG_OWNER_CONNINFO "owner.conninfo"

/* Connects with conninfo (borrowed). Returns 0 with *out owned, or ERR_UNAVAILABLE with
 * libpq's message (one line) in why. */
int pg_open(const char *conninfo, PGconn **out, char *why, size_t whylen);
/* Connects as the database owner: --db, else DIR's owner.conninfo. Failures are reported
 * with what to do about them. Returns 0 with *out owned, or ERR_UNAVAILABLE/ERR_NOT_FOUND. */
int pg_open_owner(const struct ctl *ctl, PGconn **out);

/* Judges res (borrowed, may be NULL): 0 when its status is want, else a kura error mapped
 * from the SQLSTATE, with "kuractl: WHAT: message" on stderr unless what is NULL. */
int pg_check(PGconn *conn, const PGresult *res, ExecStatusType want, const char *what);
/* Runs one fixed statement without parameters and judges it (PGRES_COMMAND_OK). */
int pg_exec(PGconn *conn, const char *sql, const char *what);
/* The SQLSTATE of res, "" when none. */
const char *pg_sqlstate(const PGresult *res);

/* Returns an owned SQL literal of the SCRAM verifier of password for role, so that the
 * password itself is never sent as SQL text (nor logged by the server), or NULL (reported). */
char *pg_password_literal(PGconn *conn, const char *role, const char *password);

#endif
