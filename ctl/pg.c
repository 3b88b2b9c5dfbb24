/* libpq for kuractl: connecting as the database owner, and one judge of every PGresult. */
#include "config.h"

#include "pg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "err.h"
#include "util.h"
#include "xmalloc.h"

/* Server notices: warnings matter to an administrator, NOTICE chatter ("already exists,
 * skipping") does not. */
static void
pg_notice(void *arg, const PGresult *res)
{
	const char *sev = PQresultErrorField(res, PG_DIAG_SEVERITY_NONLOCALIZED);
	const char *msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);

	(void)arg;
	if (sev != NULL && strcmp(sev, "WARNING") == 0 && msg != NULL)
		ctl_warnx("database warning: %s", msg);
}

/* Copies libpq's message as one line: its line breaks and indents become one space. */
static void
pg_why(PGconn *conn, char *why, size_t whylen)
{
	const char *msg = conn != NULL ? PQerrorMessage(conn) : "out of memory";
	size_t len = 0;

	for (; *msg != '\0' && len + 1 < whylen; msg++) {
		if (*msg == '\n' || *msg == '\t') {
			if (len > 0 && why[len - 1] != ' ')
				why[len++] = ' ';
			continue;
		}
		why[len++] = *msg;
	}
	while (len > 0 && why[len - 1] == ' ')
		len--;
	why[len] = '\0';
}

int
pg_open(const char *conninfo, PGconn **out, char *why, size_t whylen)
{
	PGconn *conn = PQconnectdb(conninfo);

	if (conn == NULL || PQstatus(conn) != CONNECTION_OK) {
		pg_why(conn, why, whylen);
		PQfinish(conn);
		return ERR_UNAVAILABLE;
	}
	PQsetNoticeReceiver(conn, pg_notice, NULL);
	*out = conn;
	return 0;
}

int
pg_open_owner(const struct ctl *ctl, PGconn **out)
{
	char why[512], *path = NULL, *conninfo = NULL, *opt;
	int rc;

	if (ctl->db != NULL) {
		rc = pg_open(ctl->db, out, why, sizeof why);
		if (rc != 0)
			ctl_warnx("cannot connect to the database: %s", why);
		return rc;
	}
	opt = ctl_dir_opt(ctl);
	path = path_join(ctl->dir, PG_OWNER_CONNINFO);
	rc = file_read_line(path, &conninfo);
	if (rc == ERR_NOT_FOUND) {
		ctl_warnx("there is no kura database in %s (no %s): create one with: kuractl db "
		          "init%s && kuractl db start%s && kuractl db migrate%s",
		          ctl->dir, path, opt, opt, opt);
		goto out;
	}
	if (rc != 0)
		goto out;
	rc = pg_open(conninfo, out, why, sizeof why);
	if (rc != 0) {
		ctl_warnx("cannot connect to the database in %s: is it running? try: kuractl db "
		          "start%s",
		          ctl->dir, opt);
		ctl_warnx("(%s)", why);
	}
out:
	secret_free(conninfo);
	free(path);
	free(opt);
	return rc;
}

const char *
pg_sqlstate(const PGresult *res)
{
	const char *state = res != NULL ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;

	return state != NULL ? state : "";
}

/* One conversion of SQLSTATE classes into kura's errors. */
static int
pg_err_from_state(const char *state)
{
	if (strcmp(state, "23505") == 0 || strcmp(state, "40001") == 0 ||
	    strcmp(state, "40P01") == 0)
		return ERR_CONFLICT;
	if (strncmp(state, "23", 2) == 0 || strncmp(state, "22", 2) == 0)
		return ERR_BAD_REQUEST;
	if (strcmp(state, "42501") == 0)
		return ERR_FORBIDDEN;
	if (strncmp(state, "08", 2) == 0 || strncmp(state, "57", 2) == 0 ||
	    strncmp(state, "53", 2) == 0)
		return ERR_UNAVAILABLE;
	return ERR_INTERNAL;
}

int
pg_check(PGconn *conn, const PGresult *res, ExecStatusType want, const char *what)
{
	const char *msg;
	int rc;

	if (res != NULL && PQresultStatus(res) == want)
		return 0;
	if (res == NULL) {
		rc = ERR_UNAVAILABLE;
		msg = PQerrorMessage(conn);
	} else {
		rc = pg_err_from_state(pg_sqlstate(res));
		msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
		if (msg == NULL)
			msg = PQresultErrorMessage(res);
		if (msg == NULL || msg[0] == '\0')
			msg = PQresStatus(PQresultStatus(res));
	}
	if (what != NULL) {
		int len = (int)strcspn(msg, "\n");
		ctl_warnx("%s: %.*s", what, len, msg);
	}
	return rc != 0 ? rc : ERR_INTERNAL;
}

int
pg_exec(PGconn *conn, const char *sql, const char *what)
{
	PGresult *res = PQexec(conn, sql);
	int rc = pg_check(conn, res, PGRES_COMMAND_OK, what);

	PQclear(res);
	return rc;
}

char *
pg_password_literal(PGconn *conn, const char *role, const char *password)
{
	char *verifier, *lit, *copy;

	verifier = PQencryptPasswordConn(conn, password, role, "scram-sha-256");
	if (verifier == NULL) {
		ctl_warnx("cannot make the password verifier of %s: %s", role,
		          PQerrorMessage(conn));
		return NULL;
	}
	lit = PQescapeLiteral(conn, verifier, strlen(verifier));
	PQfreemem(verifier);
	if (lit == NULL) {
		ctl_warnx("cannot quote the password verifier of %s", role);
		return NULL;
	}
	copy = xstrdup(lit);
	PQfreemem(lit);
	return copy;
}
