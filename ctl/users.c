/* kura accounts in the database, managed as the owner. User data travels only as
 * parameters of PQexecParams, never as SQL text; passwords only as argon2id hashes. Every
 * change writes its audit row in its own transaction. */
#include "config.h"

#include "users.h"

#include <pwd.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "password.h"
#include "pg.h"
#include "utf8.h"
#include "util.h"
#include "xmalloc.h"

/* The segment kuractl's audit rows name: not a network, the administrator's console. */
#define USERS_AUDIT_SEGMENT "kuractl"

const char *
user_login_check(const char *login)
{
	size_t len = strlen(login);

	if (len < 2 || len > 32)
		return "a login has 2 to 32 characters";
	if (login[0] < 'a' || login[0] > 'z')
		return "a login starts with a lower-case letter";
	if (strspn(login, "abcdefghijklmnopqrstuvwxyz0123456789._-") != len)
		return "a login has only lower-case letters, digits, '.', '_' and '-'";
	return NULL;
}

/* Who ran kuractl, for the audit row's peer: the system user (and sudo's caller). */
static char *
users_peer(void)
{
	struct passwd *pw = getpwuid(getuid());
	const char *sudo = getenv("SUDO_USER");
	char uid[32];

	snprintf(uid, sizeof uid, "uid %ld", (long)getuid());
	if (getuid() == 0 && sudo != NULL && sudo[0] != '\0')
		return xasprintf("local:%s (sudo by %s)", pw != NULL ? pw->pw_name : uid, sudo);
	return xasprintf("local:%s", pw != NULL ? pw->pw_name : uid);
}

/* Writes the audit row of an administrative act on login; inside the act's transaction.
 * The object is named as kurad names users: "user:LOGIN". */
static int
users_audit(PGconn *conn, const char *op, const char *login)
{
	char *peer = users_peer(), *object = xasprintf("user:%s", login);
	const char *params[3] = { peer, op, object };
	PGresult *res;
	int rc;

	res = PQexecParams(conn,
	                   "INSERT INTO kura.audit_log (segment, peer, op, object, outcome) "
	                   "VALUES ('" USERS_AUDIT_SEGMENT "', $1, $2, $3, 'ok')",
	                   3, NULL, params, NULL, NULL, 0);
	rc = pg_check(conn, res, PGRES_COMMAND_OK, "writing the audit log");
	PQclear(res);
	free(object);
	free(peer);
	return rc;
}

/* Checks that role exists; otherwise names the roles there are. */
static int
users_role_check(PGconn *conn, const char *role)
{
	PGresult *res;
	char *list = NULL;
	bool found = false;
	int rc;

	res = PQexecParams(conn, "SELECT name FROM kura.roles ORDER BY name", 0, NULL, NULL, NULL,
	                   NULL, 0);
	rc = pg_check(conn, res, PGRES_TUPLES_OK, "reading the roles");
	if (rc != 0)
		goto out;
	for (int i = 0; i < PQntuples(res); i++) {
		const char *name = PQgetvalue(res, i, 0);
		char *more;

		if (strcmp(name, role) == 0)
			found = true;
		more =
		    xasprintf("%s%s%s", list != NULL ? list : "", list != NULL ? ", " : "", name);
		free(list);
		list = more;
	}
	if (!found) {
		ctl_warnx("there is no role '%s': the roles are %s", role,
		          list != NULL ? list : "(none: has the database been migrated?)");
		rc = ERR_BAD_REQUEST;
	}
out:
	free(list);
	PQclear(res);
	return rc;
}

static int
users_name_check(const char *name)
{
	int chars = 0;

	if (!utf8_valid_text(name, strlen(name), 0)) {
		ctl_warnx("a display name is text without control characters");
		return ERR_BAD_REQUEST;
	}
	for (const char *p = name; *p != '\0'; p++)
		if (((unsigned char)*p & 0xc0) != 0x80)
			chars++;
	if (chars < 1 || chars > 100) {
		ctl_warnx("a display name has 1 to 100 characters");
		return ERR_BAD_REQUEST;
	}
	return 0;
}

int
user_create(PGconn *conn, const struct user_new *u, enum user_exists exists)
{
	static const char *const sql[] = {
		[USER_EXISTS_FAIL] = "INSERT INTO kura.users (login, display_name, role, "
		                     "temporary, password_hash) VALUES ($1, $2, $3, $4, $5) "
		                     "RETURNING id",
		[USER_EXISTS_KEEP] = "INSERT INTO kura.users (login, display_name, role, "
		                     "temporary, password_hash) VALUES ($1, $2, $3, $4, $5) "
		                     "ON CONFLICT (login) DO NOTHING RETURNING id",
		[USER_EXISTS_RESET] = "INSERT INTO kura.users (login, display_name, role, "
		                      "temporary, password_hash) VALUES ($1, $2, $3, $4, $5) "
		                      "ON CONFLICT (login) DO UPDATE SET display_name = "
		                      "EXCLUDED.display_name, role = EXCLUDED.role, temporary = "
		                      "EXCLUDED.temporary, password_hash = EXCLUDED.password_hash, "
		                      "disabled_at = NULL RETURNING id",
	};
	char hash[PASSWORD_HASH_MAX];
	const char *params[5], *why;
	PGresult *res = NULL;
	bool begun = false;
	int rc;

	if ((why = user_login_check(u->login)) != NULL) {
		ctl_warnx("%s: %s", u->login, why);
		return ERR_BAD_REQUEST;
	}
	if ((rc = users_name_check(u->name)) != 0)
		return rc;
	if ((why = password_policy_check(u->password)) != NULL) {
		ctl_warnx("%s", why);
		return ERR_BAD_REQUEST;
	}
	if ((rc = users_role_check(conn, u->role)) != 0)
		return rc;
	if (password_hash(hash, u->password) != 0) {
		ctl_warnx("cannot hash the password");
		return ERR_INTERNAL;
	}
	params[0] = u->login;
	params[1] = u->name;
	params[2] = u->role;
	params[3] = u->temporary ? "true" : "false";
	params[4] = hash;
	rc = pg_exec(conn, "BEGIN", "starting a transaction");
	if (rc != 0)
		goto out;
	begun = true;
	res = PQexecParams(conn, sql[exists], 5, NULL, params, NULL, NULL, 0);
	if (exists == USER_EXISTS_FAIL && strcmp(pg_sqlstate(res), "23505") == 0) {
		ctl_warnx("there is already a user %s", u->login);
		rc = ERR_CONFLICT;
		goto out;
	}
	rc = pg_check(conn, res, PGRES_TUPLES_OK, "adding the user");
	if (rc != 0)
		goto out;
	if (PQntuples(res) == 1)
		rc = users_audit(conn, "user.add", u->login);
	if (rc == 0)
		rc = pg_exec(conn, "COMMIT", "committing");
	begun = rc != 0;
out:
	if (begun)
		(void)pg_exec(conn, "ROLLBACK", NULL);
	PQclear(res);
	sodium_memzero(hash, sizeof hash);
	return rc;
}

int
user_disable(PGconn *conn, const char *login, long *sessions, bool *already)
{
	const char *params[1] = { login };
	PGresult *res = NULL;
	bool begun = false;
	char *id = NULL;
	int rc;

	rc = pg_exec(conn, "BEGIN", "starting a transaction");
	if (rc != 0)
		return rc;
	begun = true;
	res = PQexecParams(conn,
	                   "SELECT id, disabled_at IS NOT NULL FROM kura.users WHERE login = $1 "
	                   "FOR UPDATE",
	                   1, NULL, params, NULL, NULL, 0);
	rc = pg_check(conn, res, PGRES_TUPLES_OK, "looking up the user");
	if (rc != 0)
		goto out;
	if (PQntuples(res) == 0) {
		ctl_warnx("there is no user %s", login);
		rc = ERR_NOT_FOUND;
		goto out;
	}
	id = xstrdup(PQgetvalue(res, 0, 0));
	*already = strcmp(PQgetvalue(res, 0, 1), "t") == 0;
	PQclear(res);
	params[0] = id;
	res = PQexecParams(conn,
	                   "UPDATE kura.users SET disabled_at = coalesce(disabled_at, now()) "
	                   "WHERE id = $1",
	                   1, NULL, params, NULL, NULL, 0);
	rc = pg_check(conn, res, PGRES_COMMAND_OK, "disabling the user");
	if (rc != 0)
		goto out;
	PQclear(res);
	/* Revocation is immediate: the sessions go in the same transaction. */
	res = PQexecParams(conn, "DELETE FROM kura.sessions WHERE user_id = $1", 1, NULL, params,
	                   NULL, NULL, 0);
	rc = pg_check(conn, res, PGRES_COMMAND_OK, "ending the user's sessions");
	if (rc != 0)
		goto out;
	*sessions = atol(PQcmdTuples(res));
	if (!*already || *sessions > 0)
		rc = users_audit(conn, "user.disable", login);
	if (rc == 0)
		rc = pg_exec(conn, "COMMIT", "committing");
	begun = rc != 0;
out:
	if (begun)
		(void)pg_exec(conn, "ROLLBACK", NULL);
	PQclear(res);
	free(id);
	return rc;
}
