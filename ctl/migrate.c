/* Schema migrations: schema/NNN_name.sql applied in numeric order, each file whole in its
 * own transaction (the simple query protocol runs its several statements and DO blocks),
 * recorded in public.kura_schema_version in that same transaction. */
#include "config.h"

#include "migrate.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ctl.h"
#include "err.h"
#include "pg.h"
#include "util.h"
#include "xmalloc.h"

/* Any constant serialises concurrent migrations of one database. */
#define MIGRATE_LOCK_KEY "7021916837425733"
#define MIGRATE_FILE_MAX (16u << 20)

struct migration {
	int version;
	char *name; /* owned file name, "001_core.sql" */
};

static bool
migrate_is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

char *
migrate_schema_dir(const struct ctl *ctl)
{
	const char *env = getenv("KURA_SCHEMADIR");
	char *dir = NULL, *exe = NULL;

	if (ctl->schema != NULL) {
		if (migrate_is_dir(ctl->schema))
			return xstrdup(ctl->schema);
		ctl_warnx("--schema %s: no such directory", ctl->schema);
		return NULL;
	}
	if (env != NULL && env[0] != '\0') {
		if (migrate_is_dir(env))
			return xstrdup(env);
		ctl_warnx("KURA_SCHEMADIR=%s: no such directory", env);
		return NULL;
	}
	exe = exe_dir();
	if (exe != NULL) {
		char *status = path_join(exe, "config.status");

		dir = path_join(exe, "schema");
		if (!migrate_is_dir(dir)) {
			free(dir);
			/* An uninstalled kuractl in an out-of-tree build directory. */
			dir = file_exists(status) ? xstrdup(KURA_ABS_SRCDIR "/schema")
			                          : path_join(exe, "../share/kura/schema");
		}
		free(status);
		if (!migrate_is_dir(dir)) {
			free(dir);
			dir = NULL;
		}
	}
	if (dir == NULL && migrate_is_dir(KURA_SCHEMADIR))
		dir = xstrdup(KURA_SCHEMADIR);
	if (dir == NULL)
		ctl_warnx("cannot find the schema directory (looked beside %s and in %s): name "
		          "it with --schema DIR",
		          exe != NULL ? exe : "kuractl", KURA_SCHEMADIR);
	free(exe);
	return dir;
}

static int
migration_cmp(const void *a, const void *b)
{
	const struct migration *x = a, *y = b;

	return (x->version > y->version) - (x->version < y->version);
}

static void
migrations_free(struct migration *m, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(m[i].name);
	free(m);
}

/* Lists NNN_*.sql in dir, sorted by version. */
static int
migrate_list(const char *dir, struct migration **out, size_t *count)
{
	struct migration *m = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *d;
	int rc = 0;

	d = opendir(dir);
	if (d == NULL) {
		ctl_warn("cannot read the schema directory %s", dir);
		return ERR_INTERNAL;
	}
	while ((de = readdir(d)) != NULL) {
		const char *name = de->d_name;
		size_t len = strlen(name), digits = strspn(name, "0123456789");

		if (digits == 0 || digits > 6 || name[digits] != '_' || len < 5 ||
		    strcmp(name + len - 4, ".sql") != 0)
			continue;
		if (n == cap)
			m = xrealloc(m, (cap = cap ? cap * 2 : 16) * sizeof *m);
		m[n].version = atoi(name);
		m[n].name = xstrdup(name);
		n++;
	}
	closedir(d);
	qsort(m, n, sizeof *m, migration_cmp);
	for (size_t i = 1; i < n; i++) {
		if (m[i].version == m[i - 1].version) {
			ctl_warnx("%s and %s in %s have the same version", m[i - 1].name, m[i].name,
			          dir);
			rc = ERR_CONFLICT;
		}
	}
	if (rc != 0) {
		migrations_free(m, n);
		return rc;
	}
	*out = m;
	*count = n;
	return 0;
}

/* Applies one file in its own transaction. */
static int
migrate_apply(PGconn *conn, const char *dir, const struct migration *m)
{
	char *path = path_join(dir, m->name), *sql = NULL, version[16];
	const char *params[2] = { version, m->name };
	PGresult *res = NULL;
	int rc;

	snprintf(version, sizeof version, "%d", m->version);
	rc = file_read(path, MIGRATE_FILE_MAX, &sql);
	if (rc != 0) {
		if (rc == ERR_NOT_FOUND)
			ctl_warnx("%s vanished", path);
		goto out;
	}
	rc = pg_exec(conn, "BEGIN", "starting a transaction");
	if (rc != 0)
		goto out;
	res = PQexec(conn, sql);
	if (PQresultStatus(res) == PGRES_TUPLES_OK || PQresultStatus(res) == PGRES_EMPTY_QUERY)
		rc = 0;
	else
		rc = pg_check(conn, res, PGRES_COMMAND_OK, path);
	PQclear(res);
	res = NULL;
	if (rc == 0) {
		res = PQexecParams(conn,
		                   "INSERT INTO public.kura_schema_version (version, name) "
		                   "VALUES ($1::int, $2)",
		                   2, NULL, params, NULL, NULL, 0);
		rc = pg_check(conn, res, PGRES_COMMAND_OK, "recording the schema version");
	}
	if (rc == 0)
		rc = pg_exec(conn, "COMMIT", "committing");
	if (rc != 0)
		(void)pg_exec(conn, "ROLLBACK", NULL);
out:
	PQclear(res);
	free(sql);
	free(path);
	return rc;
}

int
migrate_run(PGconn *conn, const char *schema_dir, FILE *out)
{
	struct migration *m = NULL;
	PGresult *res = NULL;
	size_t n = 0, applied = 0;
	int rc, current = 0;
	bool *done = NULL;

	rc = migrate_list(schema_dir, &m, &n);
	if (rc != 0)
		return rc;
	if (n == 0) {
		ctl_warnx("no NNN_*.sql files in %s", schema_dir);
		rc = ERR_NOT_FOUND;
		goto out;
	}
	res = PQexecParams(conn, "SELECT pg_catalog.pg_advisory_lock(" MIGRATE_LOCK_KEY ")", 0,
	                   NULL, NULL, NULL, NULL, 0);
	rc = pg_check(conn, res, PGRES_TUPLES_OK, "locking out other migrations");
	PQclear(res);
	res = NULL;
	if (rc != 0)
		goto out;
	res = PQexecParams(conn, "SELECT pg_catalog.to_regclass('public.kura_schema_version')", 0,
	                   NULL, NULL, NULL, NULL, 0);
	rc = pg_check(conn, res, PGRES_TUPLES_OK, "looking for the schema version table");
	if (rc != 0)
		goto out;
	if (PQgetisnull(res, 0, 0)) {
		rc = pg_exec(conn,
		             "CREATE TABLE public.kura_schema_version ("
		             " version int PRIMARY KEY,"
		             " name text NOT NULL,"
		             " applied_at timestamptz NOT NULL DEFAULT now())",
		             "creating the schema version table");
		if (rc != 0)
			goto out;
	}
	PQclear(res);
	res = PQexecParams(conn, "SELECT version FROM public.kura_schema_version ORDER BY version",
	                   0, NULL, NULL, NULL, NULL, 0);
	rc = pg_check(conn, res, PGRES_TUPLES_OK, "reading the schema versions");
	if (rc != 0)
		goto out;
	done = xcalloc(n, sizeof *done);
	for (int row = 0; row < PQntuples(res); row++) {
		int v = atoi(PQgetvalue(res, row, 0));
		bool known = false;

		for (size_t i = 0; i < n; i++) {
			if (m[i].version == v) {
				done[i] = true;
				known = true;
			}
		}
		if (!known)
			ctl_warnx("the database has schema version %d, which %s does not hold "
			          "(is this kuractl older than the database?)",
			          v, schema_dir);
		if (v > current)
			current = v;
	}
	for (size_t i = 0; i < n; i++) {
		if (done[i])
			continue;
		rc = migrate_apply(conn, schema_dir, &m[i]);
		if (rc != 0) {
			ctl_warnx("stopped at %s: nothing of it was applied", m[i].name);
			goto out;
		}
		fprintf(out, "applied %s\n", m[i].name);
		applied++;
		if (m[i].version > current)
			current = m[i].version;
	}
	if (applied == 0)
		fprintf(out, "the database is up to date (schema version %d): nothing to do\n",
		        current);
	else
		fprintf(out, "the database is at schema version %d (%zu migration%s applied)\n",
		        current, applied, applied == 1 ? "" : "s");
out:
	if (n > 0) {
		PGresult *unlock =
		    PQexecParams(conn, "SELECT pg_catalog.pg_advisory_unlock(" MIGRATE_LOCK_KEY ")",
		                 0, NULL, NULL, NULL, NULL, 0);
		PQclear(unlock);
	}
	PQclear(res);
	free(done);
	migrations_free(m, n);
	return rc;
}

int
migrate_app_login(PGconn *conn, const char *dir, char **password)
{
	char *path = path_join(dir, MIGRATE_APP_PASSWORD_FILE), *pw = NULL, *lit = NULL;
	char *sql = NULL, *line = NULL;
	int rc;

	rc = file_read_line(path, &pw);
	if (rc == ERR_NOT_FOUND) {
		char fresh[33];

		secret_generate(fresh, sizeof fresh - 1);
		line = xasprintf("%s\n", fresh);
		rc = file_write(path, line, 0600);
		if (rc == 0)
			pw = xstrdup(fresh);
		sodium_memzero(fresh, sizeof fresh);
	}
	if (rc != 0)
		goto out;
	lit = pg_password_literal(conn, MIGRATE_APP_ROLE, pw);
	if (lit == NULL) {
		rc = ERR_INTERNAL;
		goto out;
	}
	/* Set every time, so that the role and the file never disagree. */
	sql = xasprintf("ALTER ROLE " MIGRATE_APP_ROLE " LOGIN PASSWORD %s", lit);
	rc = pg_exec(conn, sql, "giving " MIGRATE_APP_ROLE " its password");
	if (rc == 0 && password != NULL) {
		*password = pw;
		pw = NULL;
	}
out:
	free(sql);
	secret_free(lit);
	secret_free(line);
	secret_free(pw);
	free(path);
	return rc;
}

int
migrate_app_can_login(PGconn *conn, bool *can)
{
	PGresult *res;
	int rc;

	res = PQexecParams(conn,
	                   "SELECT rolcanlogin FROM pg_catalog.pg_roles WHERE rolname = "
	                   "'" MIGRATE_APP_ROLE "'",
	                   0, NULL, NULL, NULL, NULL, 0);
	rc = pg_check(conn, res, PGRES_TUPLES_OK, "looking up " MIGRATE_APP_ROLE);
	if (rc == 0)
		*can = PQntuples(res) == 1 && strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	return rc;
}
