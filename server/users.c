/* user.* and session.*: account administration. Disabling a user or changing their role ends
 * their sessions in the same transaction; their clients hear of it by an event at once. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "err.h"
#include "mp.h"

static int
users_list_stmt(struct request *r, enum db_stmt stmt, const char *const *keys, const char *types)
{
	PGresult *res;
	int rc;

	if ((rc = db_exec(r->db, stmt, NULL, &res)) != 0)
		return rc;
	msgpack_pack_map(r->pk, 1);
	mp_pack_str(r->pk, "rows");
	pack_rows(r->pk, res, keys, types);
	PQclear(res);
	return 0;
}

int
user_list(struct request *r)
{
	static const char *const keys[] = { "user",      "name",     "role",
		                            "temporary", "disabled", "sessions" };
	return users_list_stmt(r, STMT_ADMIN_USERS, keys, "sssbbi");
}

int
session_list(struct request *r)
{
	static const char *const keys[] = { "id",   "user",       "role",     "segment",
		                            "peer", "created_at", "last_seen" };
	return users_list_stmt(r, STMT_ADMIN_SESSIONS, keys, "issssss");
}

/* Runs an administrative change on a user named by args.user; replies with the number of
 * sessions it ended. */
static int
users_change(struct request *r, enum db_stmt stmt, const char *role)
{
	char *login = NULL;
	PGresult *res = NULL;
	int rc;

	if ((rc = arg_str(r, "user", true, 64, &login)) != 0)
		goto out;
	snprintf(r->object, sizeof r->object, "user:%s", login);
	if (strcmp(login, r->sess.login) == 0) {
		rc = request_fail(r, ERR_INVALID_STATE, "you cannot change your own account");
		goto out;
	}
	const char *params[2] = { login, role };
	if ((rc = db_exec(r->db, stmt, params, &res)) != 0) {
		if (rc == ERR_BAD_REQUEST)
			rc = request_fail(r, rc, "unknown role");
		goto out;
	}
	if (PQgetisnull(res, 0, 0)) {
		rc = request_fail(r, ERR_NOT_FOUND, "no user %s", login);
		goto out;
	}
	msgpack_pack_map(r->pk, 1);
	mp_packf(r->pk, "s i", "sessions_ended", (int64_t)strtoll(PQgetvalue(res, 0, 0), NULL, 10));
out:
	PQclear(res);
	free(login);
	return rc;
}

int
user_disable(struct request *r)
{
	return users_change(r, STMT_ADMIN_USER_DISABLE, NULL);
}

int
user_set_role(struct request *r)
{
	char *role = NULL;
	int rc;

	if ((rc = arg_str(r, "role", true, 32, &role)) == 0)
		rc = users_change(r, STMT_ADMIN_USER_SET_ROLE, role);
	free(role);
	return rc;
}

int
session_kill(struct request *r)
{
	char id_s[24];
	int64_t id;
	PGresult *res;
	int rc;

	if ((rc = arg_int(r, "id", 1, INT64_MAX, 0, &id)) != 0)
		return rc;
	if (id == 0)
		return request_fail(r, ERR_BAD_REQUEST, "id is required");
	snprintf(id_s, sizeof id_s, "%lld", (long long)id);
	snprintf(r->object, sizeof r->object, "session:%s", id_s);
	const char *params[1] = { id_s };
	if ((rc = db_exec(r->db, STMT_ADMIN_SESSION_KILL, params, &res)) != 0)
		return rc;
	bool found = PQgetvalue(res, 0, 0)[0] == 't';
	PQclear(res);
	if (!found)
		return request_fail(r, ERR_NOT_FOUND, "no session %s", id_s);
	msgpack_pack_map(r->pk, 0);
	return 0;
}
