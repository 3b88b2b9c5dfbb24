/* Schema migrations: schema/NNN_name.sql applied in order, each in its own transaction,
 * recorded in public.kura_schema_version. */
#ifndef KURA_CTL_MIGRATE_H
#define KURA_CTL_MIGRATE_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdio.h>

struct ctl;

/* Owned path of the schema directory: --schema, KURA_SCHEMADIR, beside the executable, the
 * source tree of a build tree, the installed one. NULL when none exists (reported). */
char *migrate_schema_dir(const struct ctl *ctl);
/* Applies what is not yet applied, reporting to out. conn: borrowed, connected as the
 * database owner. Returns 0 or an error (reported). */
int migrate_run(PGconn *conn, const char *schema_dir, FILE *out);

/* The role kurad connects as, and the file in DIR keeping its password. */
#define MIGRATE_APP_ROLE          "kura_app"
#define MIGRATE_APP_PASSWORD_FILE "kura_app.password"

/* Gives the application role LOGIN and the password kept in dir (borrowed), generated and
 * stored (0600) when absent. *password, when not NULL, gets an owned copy. Returns 0 or an
 * error (reported). */
int migrate_app_login(PGconn *conn, const char *dir, char **password);
/* Whether the application role may log in (for a hint after migrating a database of one's
 * own). Returns 0 or an error (reported). */
int migrate_app_can_login(PGconn *conn, bool *can);

#endif
