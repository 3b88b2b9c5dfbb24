/* kuractl db init|start|stop|status|migrate: the embedded cluster and the schema. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cluster.h"
#include "ctl.h"
#include "err.h"
#include "migrate.h"
#include "pg.h"
#include "util.h"
#include "xmalloc.h"

/* Parses [--dir DIR] (and --db/--schema when allowed); no operands. */
static int
cmd_db_options(const struct ctl_cmd *self, struct ctl *ctl, int argc, char **argv, bool migrate)
{
	static const struct option dir_only[] = { CTL_LONGOPT_HELP, CTL_LONGOPT_DIR,
		                                  CTL_LONGOPT_END };
	static const struct option all[] = { CTL_LONGOPT_HELP, CTL_LONGOPT_DIR, CTL_LONGOPT_DB,
		                             CTL_LONGOPT_SCHEMA, CTL_LONGOPT_END };
	int opt, rc;

	while ((opt = getopt_long(argc, argv, ":h", migrate ? all : dir_only, NULL)) != -1) {
		rc = ctl_opt_common(self, ctl, opt, argv);
		if (rc == CTL_OPT_OWN)
			rc = ctl_usage_error(self, "unexpected option");
		if (rc != CTL_OPT_NEXT)
			return rc;
	}
	if (optind < argc)
		return ctl_usage_error(self, "unexpected argument '%s'", argv[optind]);
	return ctl_opt_target(self, ctl);
}

/* Loads DIR's cluster, saying what to do when there is none. */
static int
cmd_db_load(struct ctl *ctl, struct cluster *cl)
{
	int rc = cluster_load(cl, ctl->dir);

	if (rc == ERR_NOT_FOUND) {
		char *opt = ctl_dir_opt(ctl);
		ctl_warnx("there is no database cluster in %s: create one with: kuractl db init%s",
		          ctl->dir, opt);
		free(opt);
	}
	return rc;
}

static int
cmd_db_init_exec(const struct ctl_cmd *self, struct ctl *ctl, int argc, char **argv)
{
	int rc = cmd_db_options(self, ctl, argc, argv, false);

	if (rc != CTL_OPT_NEXT)
		return rc;
	return cluster_init(ctl->dir, ctl->out) == 0 ? CTL_EXIT_OK : CTL_EXIT_FAIL;
}

static int
cmd_db_start_exec(const struct ctl_cmd *self, struct ctl *ctl, int argc, char **argv)
{
	struct cluster cl;
	bool started;
	int rc = cmd_db_options(self, ctl, argc, argv, false);

	if (rc != CTL_OPT_NEXT)
		return rc;
	rc = cmd_db_load(ctl, &cl);
	if (rc == 0)
		rc = cluster_start(&cl, &started);
	if (rc == 0)
		fprintf(ctl->out, "%s (socket in %s)\n",
		        started ? "PostgreSQL started" : "PostgreSQL is already running", cl.sock);
	cluster_fini(&cl);
	return rc == 0 ? CTL_EXIT_OK : CTL_EXIT_FAIL;
}

static int
cmd_db_stop_exec(const struct ctl_cmd *self, struct ctl *ctl, int argc, char **argv)
{
	struct cluster cl;
	bool running = false;
	int rc = cmd_db_options(self, ctl, argc, argv, false);

	if (rc != CTL_OPT_NEXT)
		return rc;
	rc = cmd_db_load(ctl, &cl);
	if (rc == 0)
		rc = cluster_status(&cl, &running);
	if (rc == 0 && running)
		rc = cluster_stop(&cl);
	if (rc == 0)
		fprintf(ctl->out, "%s\n",
		        running ? "PostgreSQL stopped" : "PostgreSQL was not running");
	cluster_fini(&cl);
	return rc == 0 ? CTL_EXIT_OK : CTL_EXIT_FAIL;
}

static int
cmd_db_status_exec(const struct ctl_cmd *self, struct ctl *ctl, int argc, char **argv)
{
	struct cluster cl;
	bool running = false;
	int rc = cmd_db_options(self, ctl, argc, argv, false);

	if (rc != CTL_OPT_NEXT)
		return rc;
	rc = cluster_load(&cl, ctl->dir);
	if (rc == ERR_NOT_FOUND) {
		fprintf(ctl->out, "not running: there is no database cluster in %s\n", ctl->dir);
		cluster_fini(&cl);
		return CTL_EXIT_NOT_RUNNING;
	}
	if (rc == 0)
		rc = cluster_status(&cl, &running);
	if (rc == 0 && running)
		fprintf(ctl->out, "running (data in %s, socket in %s)\n", cl.data, cl.sock);
	else if (rc == 0)
		fprintf(ctl->out, "not running (data in %s)\n", cl.data);
	cluster_fini(&cl);
	if (rc != 0)
		return CTL_EXIT_FAIL;
	return running ? CTL_EXIT_OK : CTL_EXIT_NOT_RUNNING;
}

static int
cmd_db_migrate_exec(const struct ctl_cmd *self, struct ctl *ctl, int argc, char **argv)
{
	char *schema = NULL;
	PGconn *conn = NULL;
	bool can = true;
	int rc = cmd_db_options(self, ctl, argc, argv, true);

	if (rc != CTL_OPT_NEXT)
		return rc;
	schema = migrate_schema_dir(ctl);
	if (schema == NULL) {
		rc = ERR_NOT_FOUND;
		goto out;
	}
	rc = pg_open_owner(ctl, &conn);
	if (rc == 0)
		rc = migrate_run(conn, schema, ctl->out);
	if (rc != 0)
		goto out;
	if (ctl->db == NULL) {
		rc = migrate_app_login(conn, ctl->dir, NULL);
	} else {
		rc = migrate_app_can_login(conn, &can);
		if (rc == 0 && !can)
			ctl_warnx(
			    "the role " MIGRATE_APP_ROLE " that kurad connects as cannot log in "
			    "yet: give it a password (in psql: ALTER ROLE " MIGRATE_APP_ROLE
			    " LOGIN; \\password " MIGRATE_APP_ROLE ") and put it in kurad.conf");
	}
out:
	PQfinish(conn);
	free(schema);
	return rc == 0 ? CTL_EXIT_OK : CTL_EXIT_FAIL;
}

const struct ctl_cmd ctl_cmd_db_init = {
	.group = "db",
	.name = "init",
	.usage = "[--dir DIR]",
	.summary = "Create the private PostgreSQL cluster of DIR, its owner role and database.",
	.help = "Runs initdb for a cluster reached only through a unix socket (no TCP), with\n"
	        "scram-sha-256 passwords generated here and kept in DIR, mode 0600. Creates the\n"
	        "role " CLUSTER_OWNER " and the database " CLUSTER_DBNAME
	        ", and writes DIR/owner.conninfo.\n"
	        "As root, PostgreSQL runs as the system user postgres (or KURA_PG_USER); when\n"
	        "that user cannot reach DIR, the cluster's files go to /var/tmp/kura-pg-HASH,\n"
	        "recorded in DIR/cluster. Safe to run again: it completes what is missing.\n\n"
	        "  --dir DIR   the kura directory (default " CTL_DEFAULT_DIR ")\n",
	.exec = cmd_db_init_exec,
};

const struct ctl_cmd ctl_cmd_db_start = {
	.group = "db",
	.name = "start",
	.usage = "[--dir DIR]",
	.summary = "Start the cluster of DIR (nothing to do when it runs).",
	.help = "  --dir DIR   the kura directory (default " CTL_DEFAULT_DIR ")\n",
	.exec = cmd_db_start_exec,
};

const struct ctl_cmd ctl_cmd_db_stop = {
	.group = "db",
	.name = "stop",
	.usage = "[--dir DIR]",
	.summary = "Stop the cluster of DIR (fast shutdown: sessions are ended).",
	.help = "  --dir DIR   the kura directory (default " CTL_DEFAULT_DIR ")\n",
	.exec = cmd_db_stop_exec,
};

const struct ctl_cmd ctl_cmd_db_status = {
	.group = "db",
	.name = "status",
	.usage = "[--dir DIR]",
	.summary = "Say whether the cluster of DIR runs: exit status 0 when it does, 3 when not.",
	.help = "  --dir DIR   the kura directory (default " CTL_DEFAULT_DIR ")\n",
	.exec = cmd_db_status_exec,
};

const struct ctl_cmd ctl_cmd_db_migrate = {
	.group = "db",
	.name = "migrate",
	.usage = "[--dir DIR | --db CONNINFO] [--schema DIR]",
	.summary = "Apply the schema migrations the database does not have yet.",
	.help =
	    "Applies schema/NNN_*.sql in numeric order as the database owner, each file in\n"
	    "its own transaction, recording it in public.kura_schema_version. A second run\n"
	    "changes nothing. With --dir, then gives the role " MIGRATE_APP_ROLE " (the one kurad\n"
	    "connects as) LOGIN and the password kept in DIR/" MIGRATE_APP_PASSWORD_FILE ".\n\n"
	    "  --dir DIR      the kura directory of an embedded cluster (default " CTL_DEFAULT_DIR
	    ")\n"
	    "  --db CONNINFO  a database of your own, as its owner (a libpq conninfo or URI)\n"
	    "  --schema DIR   the migrations; else KURA_SCHEMADIR, else schema/ beside\n"
	    "                 kuractl, else the installed " KURA_SCHEMADIR "\n",
	.exec = cmd_db_migrate_exec,
};
