/* Shared helpers of the integration tests: the stack that api.test brought up (addresses,
 * accounts, directory), clients, reading replies, and queries as the database owner.
 * Nothing here prints TAP results; the test programs do. */
#ifndef KURA_IT_H
#define KURA_IT_H

#include <libpq-fe.h>
#include <msgpack.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "client.h"
#include "proto.h"

#define IT_TIMEOUT_MS   5000
#define IT_MAX_ACCOUNTS 32

struct it_account {
	char login[64];
	char role[32];
	char password[160];
	bool temporary;
};

struct it_env {
	char dir[512];      /* the stack's directory (kurad.log, owner.conninfo) */
	char call_url[256]; /* the call-centre listener */
	char tech_url[256]; /* the tech-centre listener */
	struct it_account acct[IT_MAX_ACCOUNTS];
	int nacct;
};

/* Reads KURA_IT_DIR, KURA_IT_CALL, KURA_IT_TECH and the account lines of the file named by
 * KURA_IT_ACCOUNTS ("account LOGIN ROLE PASSWORD [temporary]"). Returns 0, or -1 with *why
 * set to a static reason. */
int it_env_load(struct it_env *e, const char **why);
/* The first account of role with that temporary flag, or NULL. Borrowed from e. */
const struct it_account *it_account(const struct it_env *e, const char *role, bool temporary);

/* A client dialled to url with timeout_ms per wait, or NULL. Owned by the caller. */
struct kclient *it_open(const char *url, int timeout_ms);
/* A client dialled to url and logged in as a, or NULL (*rc gets the login's outcome). */
struct kclient *it_session(const char *url, const struct it_account *a, int *rc);

/* The outcome of a call: 0 when the reply is ok, else its error (ERR_UNAVAILABLE: no reply,
 * ERR_BAD_REQUEST also when the reply itself could not be decoded). */
int it_outcome(int rc, const struct proto_reply *rep);
/* "ok" or the wire code of an outcome, for comparing with is_str. */
const char *it_code(int outcome);

/* Packs a request envelope with the given id, op and token (NULL: none) and args packed by
 * mp_packf(argsfmt, ...) (NULL: an empty map) into w, which the caller initialised. */
int it_pack_request(struct proto_writer *w, const uint8_t id[PROTO_ID_LEN], const char *op,
                    const char *tok, const char *argsfmt, ...);

/* A str value under key in map, copied into a small rotating pool (valid for the next 15
 * calls), or NULL when absent or not a str. */
const char *it_str(const msgpack_object *map, const char *key);
/* An int value under key; false when absent or not an int. */
bool it_int(const msgpack_object *map, const char *key, int64_t *out);
/* A bool value under key; false when absent or not a bool. */
bool it_bool(const msgpack_object *map, const char *key, bool *out);
/* The array under key, or NULL. Borrowed from map's zone. */
const msgpack_object *it_array(const msgpack_object *map, const char *key);
/* True when arr is an array holding the string s. */
bool it_array_has_str(const msgpack_object *arr, const char *s);
/* True when s is exactly n lower- or upper-case hex digits. */
bool it_is_hex(const char *s, size_t n);

/* The database as its owner (DIR/owner.conninfo), or NULL. */
PGconn *it_db_open(const struct it_env *e);
/* The first column of the first row of a query with text parameters, as an integer; -1 on
 * error or no row (a "# " line says why). */
long long it_db_int(PGconn *db, const char *sql, int nparams, const char *const *params);
/* The same as an owned string (free), or NULL. */
char *it_db_text(PGconn *db, const char *sql, int nparams, const char *const *params);
/* Runs a command; returns the number of rows it affected, or -1. */
long long it_db_exec(PGconn *db, const char *sql, int nparams, const char *const *params);

/* Fills buf with 2*nbytes random lower-case hex digits and a NUL (buf: 2*nbytes+1). */
void it_random_hex(char *buf, size_t nbytes);
/* Reads a whole file into an owned NUL-terminated buffer, or NULL. *len may be NULL. */
char *it_read_file(const char *path, size_t *len);

#endif
