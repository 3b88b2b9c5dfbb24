/* Shared helpers of the integration tests (see it.h). */
#include "config.h"

#include "it.h"

#include <ctype.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "mp.h"
#include "xmalloc.h"

static int
it_copy_env(char *buf, size_t size, const char *name)
{
	const char *v = getenv(name);

	if (v == NULL || *v == '\0' || strlen(v) >= size)
		return -1;
	memcpy(buf, v, strlen(v) + 1);
	return 0;
}

int
it_env_load(struct it_env *e, const char **why)
{
	const char *path;
	char line[512];
	FILE *f;

	memset(e, 0, sizeof *e);
	if (it_copy_env(e->dir, sizeof e->dir, "KURA_IT_DIR") != 0 ||
	    it_copy_env(e->call_url, sizeof e->call_url, "KURA_IT_CALL") != 0 ||
	    it_copy_env(e->tech_url, sizeof e->tech_url, "KURA_IT_TECH") != 0) {
		*why = "KURA_IT_DIR, KURA_IT_CALL and KURA_IT_TECH must be set (run api.test)";
		return -1;
	}
	if ((path = getenv("KURA_IT_ACCOUNTS")) == NULL || (f = fopen(path, "r")) == NULL) {
		*why = "KURA_IT_ACCOUNTS must name the file of account lines";
		return -1;
	}
	while (fgets(line, sizeof line, f) != NULL && e->nacct < IT_MAX_ACCOUNTS) {
		struct it_account *a = &e->acct[e->nacct];
		char flag[32] = "";

		if (sscanf(line, "account %63s %31s %159s %31s", a->login, a->role, a->password,
		           flag) < 3)
			continue;
		a->temporary = strcmp(flag, "temporary") == 0;
		e->nacct++;
	}
	fclose(f);
	if (e->nacct == 0) {
		*why = "no account lines in KURA_IT_ACCOUNTS";
		return -1;
	}
	return 0;
}

const struct it_account *
it_account(const struct it_env *e, const char *role, bool temporary)
{
	for (int i = 0; i < e->nacct; i++)
		if (strcmp(e->acct[i].role, role) == 0 && e->acct[i].temporary == temporary)
			return &e->acct[i];
	return NULL;
}

struct kclient *
it_open(const char *url, int timeout_ms)
{
	struct kclient *c;

	if (kclient_open(&c, url, timeout_ms) != 0)
		return NULL;
	return c;
}

struct kclient *
it_session(const char *url, const struct it_account *a, int *rc)
{
	struct kclient *c;
	int r;

	if (a == NULL || (c = it_open(url, IT_TIMEOUT_MS)) == NULL) {
		if (rc != NULL)
			*rc = ERR_UNAVAILABLE;
		return NULL;
	}
	r = kclient_login(c, a->login, a->password);
	if (rc != NULL)
		*rc = r;
	if (r != 0) {
		kclient_free(c);
		return NULL;
	}
	return c;
}

int
it_outcome(int rc, const struct proto_reply *rep)
{
	if (rc != 0)
		return rc;
	return rep->ok ? 0 : rep->err;
}

const char *
it_code(int outcome)
{
	return outcome == 0 ? "ok" : err_code(outcome);
}

int
it_pack_request(struct proto_writer *w, const uint8_t id[PROTO_ID_LEN], const char *op,
                const char *tok, const char *argsfmt, ...)
{
	va_list ap;
	int rc = 0;

	proto_request_begin(w, id, op, tok);
	if (argsfmt == NULL) {
		msgpack_pack_map(&w->pk, 0);
		return 0;
	}
	va_start(ap, argsfmt);
	rc = mp_vpackf(&w->pk, argsfmt, ap);
	va_end(ap);
	return rc;
}

const char *
it_str(const msgpack_object *map, const char *key)
{
	static char pool[16][16384];
	static unsigned next;
	const msgpack_object *o = mp_get(map, key);
	char *buf = pool[next++ % 16];

	if (mp_strcpy(o, buf, sizeof pool[0]) != 0)
		return NULL;
	return buf;
}

bool
it_int(const msgpack_object *map, const char *key, int64_t *out)
{
	return mp_int(mp_get(map, key), out) == 0;
}

bool
it_bool(const msgpack_object *map, const char *key, bool *out)
{
	const msgpack_object *o = mp_get(map, key);

	if (o == NULL || o->type != MSGPACK_OBJECT_BOOLEAN)
		return false;
	*out = o->via.boolean;
	return true;
}

const msgpack_object *
it_array(const msgpack_object *map, const char *key)
{
	const msgpack_object *o = mp_get(map, key);

	return o != NULL && o->type == MSGPACK_OBJECT_ARRAY ? o : NULL;
}

bool
it_array_has_str(const msgpack_object *arr, const char *s)
{
	size_t len = strlen(s);

	if (arr == NULL || arr->type != MSGPACK_OBJECT_ARRAY)
		return false;
	for (uint32_t i = 0; i < arr->via.array.size; i++) {
		const msgpack_object *o = &arr->via.array.ptr[i];

		if (o->type == MSGPACK_OBJECT_STR && o->via.str.size == len &&
		    memcmp(o->via.str.ptr, s, len) == 0)
			return true;
	}
	return false;
}

bool
it_is_hex(const char *s, size_t n)
{
	if (s == NULL || strlen(s) != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]))
			return false;
	return true;
}

PGconn *
it_db_open(const struct it_env *e)
{
	char path[600];
	char *conninfo;
	PGconn *db;
	size_t len;

	snprintf(path, sizeof path, "%s/owner.conninfo", e->dir);
	if ((conninfo = it_read_file(path, &len)) == NULL) {
		printf("# cannot read %s\n", path);
		return NULL;
	}
	while (len > 0 && (conninfo[len - 1] == '\n' || conninfo[len - 1] == '\r'))
		conninfo[--len] = '\0';
	db = PQconnectdb(conninfo);
	free(conninfo);
	if (PQstatus(db) != CONNECTION_OK) {
		printf("# owner connection failed: %s", PQerrorMessage(db));
		PQfinish(db);
		return NULL;
	}
	return db;
}

/* Runs sql and judges the result; returns it when its status is want, else NULL. */
static PGresult *
it_db_run(PGconn *db, const char *sql, int nparams, const char *const *params, ExecStatusType want)
{
	PGresult *res;

	if (db == NULL)
		return NULL;
	res = PQexecParams(db, sql, nparams, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != want) {
		printf("# query failed: %s#   %s\n", PQresultErrorMessage(res), sql);
		PQclear(res);
		return NULL;
	}
	return res;
}

long long
it_db_int(PGconn *db, const char *sql, int nparams, const char *const *params)
{
	PGresult *res = it_db_run(db, sql, nparams, params, PGRES_TUPLES_OK);
	long long v = -1;

	if (res == NULL)
		return -1;
	if (PQntuples(res) > 0 && !PQgetisnull(res, 0, 0))
		v = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return v;
}

char *
it_db_text(PGconn *db, const char *sql, int nparams, const char *const *params)
{
	PGresult *res = it_db_run(db, sql, nparams, params, PGRES_TUPLES_OK);
	char *v = NULL;

	if (res == NULL)
		return NULL;
	if (PQntuples(res) > 0 && !PQgetisnull(res, 0, 0))
		v = xstrdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	return v;
}

long long
it_db_exec(PGconn *db, const char *sql, int nparams, const char *const *params)
{
	PGresult *res = it_db_run(db, sql, nparams, params, PGRES_COMMAND_OK);
	long long v;

	if (res == NULL)
		return -1;
	v = strtoll(PQcmdTuples(res), NULL, 10);
	PQclear(res);
	return v;
}

void
it_random_hex(char *buf, size_t nbytes)
{
	uint8_t raw[64];

	if (nbytes > sizeof raw)
		nbytes = sizeof raw;
	randombytes_buf(raw, nbytes);
	sodium_bin2hex(buf, 2 * nbytes + 1, raw, nbytes);
}

char *
it_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	size_t cap = 4096, n = 0, got;
	char *buf;

	if (f == NULL)
		return NULL;
	buf = xmalloc(cap);
	while ((got = fread(buf + n, 1, cap - n - 1, f)) > 0) {
		n += got;
		if (cap - n - 1 == 0) {
			cap *= 2;
			buf = xrealloc(buf, cap);
		}
	}
	fclose(f);
	buf[n] = '\0';
	if (len != NULL)
		*len = n;
	return buf;
}
