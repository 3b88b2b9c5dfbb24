/* The embedded PostgreSQL cluster of a kura directory: a private server reached only
 * through a unix socket in a directory of its own, with scram-sha-256 passwords generated
 * here and kept in DIR, mode 0600. initdb and postgres refuse to run as root, so as root
 * they run as the postgres system user, who must own the data and socket directories. */
#include "config.h"

#include "cluster.h"

#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "err.h"
#include "pg.h"
#include "util.h"
#include "xmalloc.h"

#define CLUSTER_FILE           "cluster"
#define CLUSTER_SUPER_PASSWORD "postgres.password"
#define CLUSTER_SOCKET_NAME    "/.s.PGSQL." CLUSTER_PORT
#define CLUSTER_PASSWORD_CHARS 32

/* The directory of initdb and pg_ctl: KURA_PG_BINDIR from the environment, else the one
 * configure found. Never PATH: Debian keeps them out of it. */
static char *
cluster_bin(const char *prog)
{
	const char *dir = getenv("KURA_PG_BINDIR");

	if (dir == NULL || dir[0] == '\0')
		dir = KURA_PG_BINDIR;
	return path_join(dir, prog);
}

/* ---- DIR/cluster: where the cluster is ---- */

static int
cluster_ini(void *user, const char *section, const char *name, const char *value)
{
	struct cluster *cl = user;
	char **slot = NULL;

	if (section[0] != '\0')
		return 1;
	if (strcmp(name, "data") == 0)
		slot = &cl->data;
	else if (strcmp(name, "socket") == 0)
		slot = &cl->sock;
	else if (strcmp(name, "log") == 0)
		slot = &cl->log;
	else if (strcmp(name, "user") == 0)
		slot = &cl->as.name;
	if (slot != NULL) {
		free(*slot);
		*slot = xstrdup(value);
	}
	return 1;
}

int
cluster_load(struct cluster *cl, const char *dir)
{
	char *path = NULL, *user;
	int rc, line;

	memset(cl, 0, sizeof *cl);
	cl->dir = realpath(dir, NULL);
	if (cl->dir == NULL)
		return ERR_NOT_FOUND;
	path = path_join(cl->dir, CLUSTER_FILE);
	if (!file_exists(path)) {
		rc = ERR_NOT_FOUND;
		goto out;
	}
	line = ini_parse(path, cluster_ini, cl);
	if (line != 0 || cl->data == NULL || cl->sock == NULL || cl->log == NULL ||
	    cl->as.name == NULL) {
		ctl_warnx("%s is damaged (line %d): it should name data, socket, log and user",
		          path, line);
		rc = ERR_INTERNAL;
		goto out;
	}
	user = cl->as.name;
	cl->as.name = NULL;
	rc = runas_init(&cl->as, user);
	free(user);
out:
	free(path);
	return rc;
}

void
cluster_fini(struct cluster *cl)
{
	free(cl->dir);
	free(cl->data);
	free(cl->sock);
	free(cl->log);
	runas_fini(&cl->as);
	memset(cl, 0, sizeof *cl);
}

/* Creates a directory (or accepts one that is a real directory) owned by the cluster's
 * user, mode 0700. */
static int
cluster_mkdir(const struct cluster *cl, const char *path)
{
	struct stat st;

	if (mkdir(path, 0700) != 0 && errno != EEXIST) {
		ctl_warn("cannot create the directory %s", path);
		return ERR_INTERNAL;
	}
	if (lstat(path, &st) != 0 || !S_ISDIR(st.st_mode)) {
		ctl_warnx("%s is not a directory", path);
		return ERR_INTERNAL;
	}
	if (st.st_uid != cl->as.uid && st.st_uid != geteuid()) {
		ctl_warnx("%s belongs to another user (uid %ld): remove it or choose another "
		          "directory",
		          path, (long)st.st_uid);
		return ERR_FORBIDDEN;
	}
	if (cl->as.drop && chown(path, cl->as.uid, cl->as.gid) != 0) {
		ctl_warn("cannot give %s to %s", path, cl->as.name);
		return ERR_INTERNAL;
	}
	return 0;
}

/* Creates the server log (if missing) owned by the cluster's user: pg_ctl opens it as that
 * user, who may not create files in DIR. */
static int
cluster_log_create(const struct cluster *cl)
{
	int fd = open(cl->log, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0600);

	if (fd < 0 || (cl->as.drop && fchown(fd, cl->as.uid, cl->as.gid) != 0)) {
		ctl_warn("cannot create %s", cl->log);
		if (fd >= 0)
			close(fd);
		return ERR_INTERNAL;
	}
	close(fd);
	return 0;
}

/* Decides where a new cluster of cl->dir lives, creates its directories and log, and
 * records it in DIR/cluster. */
static int
cluster_layout(struct cluster *cl)
{
	char *base = NULL, *path = NULL, *text = NULL, *why = NULL;
	size_t socklen;
	int rc;

	rc = runas_init(&cl->as, NULL);
	if (rc != 0)
		goto out;
	base = xstrdup(cl->dir);
	socklen = strlen(base) + strlen("/run") + strlen(CLUSTER_SOCKET_NAME);
	if (socklen >= sizeof(((struct sockaddr_un *)0)->sun_path))
		why = xstrdup("too long a path for a unix socket inside it");
	else if (!proc_can_reach(&cl->as, base))
		why = xasprintf("not reachable by the system user %s", cl->as.name);
	if (why != NULL) {
		unsigned char hash[8];
		char hex[sizeof hash * 2 + 1];

		crypto_generichash(hash, sizeof hash, (const unsigned char *)cl->dir,
		                   strlen(cl->dir), NULL, 0);
		sodium_bin2hex(hex, sizeof hex, hash, sizeof hash);
		free(base);
		base = xasprintf("/var/tmp/kura-pg-%s", hex);
		ctl_warnx("%s is %s: keeping its PostgreSQL cluster in %s instead (recorded in "
		          "%s/%s)",
		          cl->dir, why, base, cl->dir, CLUSTER_FILE);
		rc = cluster_mkdir(cl, base);
		if (rc != 0)
			goto out;
		/* DIR has no record of it: a cluster there was left by an earlier DIR of the
		 * same path, whose passwords are gone. Never remove data on a guess. */
		path = path_join(base, "pgdata/PG_VERSION");
		if (file_exists(path)) {
			ctl_warnx("%s holds the cluster of an earlier %s that was removed: stop it "
			          "(if it runs) and remove it, or choose another directory",
			          base, cl->dir);
			rc = ERR_CONFLICT;
			goto out;
		}
		free(path);
		path = NULL;
	}
	cl->data = path_join(base, "pgdata");
	cl->sock = path_join(base, "run");
	cl->log = path_join(base, "postgresql.log");
	if ((rc = cluster_mkdir(cl, cl->data)) != 0 || (rc = cluster_mkdir(cl, cl->sock)) != 0)
		goto out;
	if ((rc = cluster_log_create(cl)) != 0)
		goto out;
	path = path_join(cl->dir, CLUSTER_FILE);
	text = xasprintf("# The PostgreSQL cluster of this kura directory (kuractl db init).\n"
	                 "user = %s\ndata = %s\nsocket = %s\nlog = %s\n",
	                 cl->as.name, cl->data, cl->sock, cl->log);
	rc = file_write(path, text, 0600);
out:
	free(text);
	free(path);
	free(why);
	free(base);
	return rc;
}

/* ---- initdb ---- */

/* The settings that make the cluster private: no TCP at all, a socket only its user and
 * root can reach, passwords as SCRAM verifiers, times in UTC. */
static int
cluster_configure(const struct cluster *cl)
{
	char *path = path_join(cl->data, "postgresql.conf");
	char *text = xasprintf("\n# kura: a private cluster reached only through its unix socket "
	                       "(kuractl db init).\n"
	                       "listen_addresses = ''\n"
	                       "port = " CLUSTER_PORT "\n"
	                       "unix_socket_directories = '%s'\n"
	                       "unix_socket_permissions = 0700\n"
	                       "password_encryption = 'scram-sha-256'\n"
	                       "timezone = 'UTC'\n"
	                       "log_timezone = 'UTC'\n",
	                       cl->sock);
	size_t len = strlen(text);
	int rc = ERR_INTERNAL, fd;

	fd = open(path, O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		ctl_warn("cannot open %s", path);
		goto out;
	}
	if (write(fd, text, len) != (ssize_t)len || fsync(fd) != 0)
		ctl_warn("cannot write %s", path);
	else
		rc = 0;
	close(fd);
out:
	free(text);
	free(path);
	return rc;
}

/* Reads DIR's superuser password, generating and storing it when absent. */
static int
cluster_super_password(const struct cluster *cl, char **out)
{
	char *path = path_join(cl->dir, CLUSTER_SUPER_PASSWORD);
	char pw[CLUSTER_PASSWORD_CHARS + 1];
	int rc;

	rc = file_read_line(path, out);
	if (rc == ERR_NOT_FOUND) {
		secret_generate(pw, CLUSTER_PASSWORD_CHARS);
		char *line = xasprintf("%s\n", pw);
		rc = file_write(path, line, 0600);
		secret_free(line);
		if (rc == 0)
			*out = xstrdup(pw);
		sodium_memzero(pw, sizeof pw);
	}
	free(path);
	return rc;
}

static int
cluster_initdb(const struct cluster *cl)
{
	char *initdb = cluster_bin("initdb"), *super = NULL, *pwfile, *pwopt, *dataopt, *line;
	int rc, fd, status;

	pwfile = path_join(cl->sock, "initdb.pw");
	pwopt = xasprintf("--pwfile=%s", pwfile);
	dataopt = xasprintf("--pgdata=%s", cl->data);
	rc = cluster_super_password(cl, &super);
	if (rc != 0)
		goto out;
	/* initdb reads the password from a file its user can read: one in the socket
	 * directory, which only that user can enter, removed right after. */
	(void)unlink(pwfile);
	fd = open(pwfile, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		ctl_warn("cannot create %s", pwfile);
		rc = ERR_INTERNAL;
		goto out;
	}
	line = xasprintf("%s\n", super);
	if (write(fd, line, strlen(line)) != (ssize_t)strlen(line) ||
	    (cl->as.drop && fchown(fd, cl->as.uid, cl->as.gid) != 0)) {
		ctl_warn("cannot write %s", pwfile);
		rc = ERR_INTERNAL;
	}
	secret_free(line);
	close(fd);
	if (rc == 0) {
		char *argv[] = { initdb,
			         dataopt,
			         "--username=" CLUSTER_SUPERUSER,
			         pwopt,
			         "--auth=scram-sha-256",
			         "--encoding=UTF8",
			         "--locale=C.UTF-8",
			         "--data-checksums",
			         "--no-instructions",
			         NULL };
		status = proc_run(&cl->as, argv, PROC_OUT_STDERR);
		if (status != 0) {
			if (status > 0)
				ctl_warnx("initdb failed (exit status %d)", status);
			rc = ERR_INTERNAL;
		}
	}
	(void)unlink(pwfile);
	if (rc == 0)
		rc = cluster_configure(cl);
out:
	secret_free(super);
	free(dataopt);
	free(pwopt);
	free(pwfile);
	free(initdb);
	return rc;
}

/* ---- pg_ctl ---- */

int
cluster_status(const struct cluster *cl, bool *running)
{
	char *pg_ctl = cluster_bin("pg_ctl");
	char *argv[] = { pg_ctl, "status", "-D", cl->data, NULL };
	int status, rc = 0;

	status = proc_run(&cl->as, argv, PROC_OUT_NULL);
	/* pg_ctl: 0 running, 3 not running, 4 no accessible data directory. */
	if (status == 0 || status == 3 || status == 4) {
		*running = status == 0;
	} else {
		if (status > 0)
			ctl_warnx("pg_ctl status failed (exit status %d)", status);
		rc = ERR_INTERNAL;
	}
	free(pg_ctl);
	return rc;
}

int
cluster_start(const struct cluster *cl, bool *started)
{
	char *pg_ctl = cluster_bin("pg_ctl");
	char *argv[] = { pg_ctl, "start", "-D", cl->data, "-l", cl->log,
		         "-w",   "-t",    "60", "-s",     NULL };
	struct stat st;
	long logsize;
	bool running;
	int rc, status;

	if (started != NULL)
		*started = false;
	rc = cluster_status(cl, &running);
	if (rc != 0 || running)
		goto out;
	if ((rc = cluster_log_create(cl)) != 0)
		goto out;
	logsize = stat(cl->log, &st) == 0 ? (long)st.st_size : 0;
	status = proc_run(&cl->as, argv, PROC_OUT_STDERR);
	if (status != 0) {
		ctl_warnx("PostgreSQL did not start (pg_ctl exit status %d)", status);
		file_print_tail(cl->log, 20, logsize);
		rc = ERR_UNAVAILABLE;
		goto out;
	}
	if (started != NULL)
		*started = true;
out:
	free(pg_ctl);
	return rc;
}

int
cluster_stop(const struct cluster *cl)
{
	char *pg_ctl = cluster_bin("pg_ctl");
	char *argv[] = {
		pg_ctl, "stop", "-D", cl->data, "-m", "fast", "-w", "-t", "60", "-s", NULL
	};
	bool running;
	int rc, status;

	rc = cluster_status(cl, &running);
	if (rc != 0 || !running)
		goto out;
	status = proc_run(&cl->as, argv, PROC_OUT_STDERR);
	if (status != 0) {
		ctl_warnx("PostgreSQL did not stop (pg_ctl exit status %d)", status);
		rc = ERR_INTERNAL;
	}
out:
	free(pg_ctl);
	return rc;
}

/* ---- the owner role and the database ---- */

/* Whether the one-row query sql (fixed text) returns a row. */
static int
cluster_exists(PGconn *conn, const char *sql, bool *exists)
{
	PGresult *res = PQexecParams(conn, sql, 0, NULL, NULL, NULL, NULL, 0);
	int rc = pg_check(conn, res, PGRES_TUPLES_OK, "looking up the kura database");

	if (rc == 0)
		*exists = PQntuples(res) > 0;
	PQclear(res);
	return rc;
}

/* As the superuser: creates (or resets the password of) the owner role and creates the
 * database, then records the owner's conninfo in DIR. */
static int
cluster_bootstrap(const struct cluster *cl)
{
	char *super = NULL, *conninfo = NULL, *lit = NULL, *sql = NULL, *path = NULL;
	char owner_pw[CLUSTER_PASSWORD_CHARS + 1], why[512];
	PGconn *conn = NULL, *check = NULL;
	bool exists;
	int rc;

	rc = cluster_super_password(cl, &super);
	if (rc != 0)
		goto out;
	conninfo = xasprintf("host=%s port=" CLUSTER_PORT " dbname=postgres user=" CLUSTER_SUPERUSER
	                     " password=%s",
	                     cl->sock, super);
	rc = pg_open(conninfo, &conn, why, sizeof why);
	if (rc != 0) {
		ctl_warnx("cannot connect to the new cluster as its superuser: %s", why);
		goto out;
	}
	secret_generate(owner_pw, CLUSTER_PASSWORD_CHARS);
	lit = pg_password_literal(conn, CLUSTER_OWNER, owner_pw);
	if (lit == NULL) {
		rc = ERR_INTERNAL;
		goto out;
	}
	rc = cluster_exists(
	    conn, "SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = '" CLUSTER_OWNER "'", &exists);
	if (rc != 0)
		goto out;
	/* The owner is no superuser: it may create the application role (CREATEROLE) and owns
	 * the database, which is all the migrations need. */
	sql = xasprintf("%s ROLE " CLUSTER_OWNER " LOGIN CREATEROLE NOSUPERUSER PASSWORD %s",
	                exists ? "ALTER" : "CREATE", lit);
	rc = pg_exec(conn, sql, "creating the role " CLUSTER_OWNER);
	if (rc != 0)
		goto out;
	rc = cluster_exists(
	    conn, "SELECT 1 FROM pg_catalog.pg_database WHERE datname = '" CLUSTER_DBNAME "'",
	    &exists);
	if (rc == 0 && !exists)
		rc = pg_exec(conn, "CREATE DATABASE " CLUSTER_DBNAME " OWNER " CLUSTER_OWNER,
		             "creating the database " CLUSTER_DBNAME);
	if (rc != 0)
		goto out;
	secret_free(conninfo);
	conninfo = xasprintf("host=%s port=" CLUSTER_PORT " dbname=" CLUSTER_DBNAME
	                     " user=" CLUSTER_OWNER " password=%s\n",
	                     cl->sock, owner_pw);
	rc = pg_open(conninfo, &check, why, sizeof why);
	if (rc != 0) {
		ctl_warnx("cannot connect as the new owner role: %s", why);
		goto out;
	}
	path = path_join(cl->dir, PG_OWNER_CONNINFO);
	rc = file_write(path, conninfo, 0600);
out:
	free(path);
	PQfinish(check);
	PQfinish(conn);
	free(sql);
	secret_free(lit);
	secret_free(conninfo);
	secret_free(super);
	sodium_memzero(owner_pw, sizeof owner_pw);
	return rc;
}

int
cluster_init(const char *dir, FILE *out)
{
	struct cluster cl;
	bool started = false, did = false;
	char *path = NULL, *version = NULL;
	int rc;

	if (dir_make(dir, geteuid() == 0 ? 0711 : 0700) != 0)
		return ERR_INTERNAL;
	rc = cluster_load(&cl, dir);
	if (rc == ERR_NOT_FOUND && cl.dir != NULL) {
		if (!path_plain(cl.dir)) {
			ctl_warnx("%s: a kura directory's path may not hold spaces, quotes or "
			          "backslashes",
			          cl.dir);
			rc = ERR_BAD_REQUEST;
			goto out;
		}
		rc = cluster_layout(&cl);
	}
	if (rc != 0)
		goto out;
	version = path_join(cl.data, "PG_VERSION");
	if (!file_exists(version)) {
		rc = cluster_initdb(&cl);
		if (rc != 0)
			goto out;
		fprintf(out, "created a PostgreSQL cluster in %s\n", cl.data);
		did = true;
	}
	path = path_join(cl.dir, PG_OWNER_CONNINFO);
	if (!file_exists(path)) {
		rc = cluster_start(&cl, &started);
		if (rc == 0)
			rc = cluster_bootstrap(&cl);
		if (started && cluster_stop(&cl) != 0 && rc == 0)
			rc = ERR_INTERNAL;
		if (rc != 0)
			goto out;
		fprintf(out,
		        "created the database " CLUSTER_DBNAME " owned by " CLUSTER_OWNER
		        " (conninfo in %s)\n",
		        path);
		did = true;
	}
	if (!did)
		fprintf(out, "the cluster of %s is already initialised\n", dir);
out:
	free(path);
	free(version);
	cluster_fini(&cl);
	return rc;
}
