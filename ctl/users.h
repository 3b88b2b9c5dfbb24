/* kura accounts in the database, managed as the owner: create, disable, list; and the
 * audit rows of those administrative acts. */
#ifndef KURA_CTL_USERS_H
#define KURA_CTL_USERS_H

#include <libpq-fe.h>
#include <stdbool.h>

/* A new account. All strings borrowed. */
struct user_new {
	const char *login;
	const char *name; /* display name */
	const char *role;
	bool temporary;
	const char *password; /* checked against the policy, stored only as its argon2id hash */
};

/* How user_create treats an existing login. */
enum user_exists {
	USER_EXISTS_FAIL,  /* ERR_CONFLICT, reported */
	USER_EXISTS_KEEP,  /* leave it as it is */
	USER_EXISTS_RESET, /* reset its name, role, flag and password, and enable it */
};

/* Checks a login's form; returns NULL or a message for the person who chose it. */
const char *user_login_check(const char *login);
/* Creates u in its own transaction, with an audit row. conn: borrowed. Returns 0 or an error
 * (reported). */
int user_create(PGconn *conn, const struct user_new *u, enum user_exists exists);
/* Disables login and ends its sessions in one transaction. *sessions gets how many ended;
 * *already is set when it was disabled before (nothing changed). Returns 0, ERR_NOT_FOUND or
 * another error (reported). */
int user_disable(PGconn *conn, const char *login, long *sessions, bool *already);

#endif
