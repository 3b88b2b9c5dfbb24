/* kuractl audit tail: the latest rows of the audit log, for people. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "err.h"
#include "pg.h"
#include "util.h"
#include "xmalloc.h"

#define CMD_AUDIT_DEFAULT_ROWS 20
#define CMD_AUDIT_COLS         7

static int
cmd_audit_tail_exec(const struct ctl_cmd *self, struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = { CTL_LONGOPT_HELP, CTL_LONGOPT_DIR, CTL_LONGOPT_DB,
		                              CTL_LONGOPT_END };
	static const char *const heading[CMD_AUDIT_COLS] = { "TIME (UTC)", "USER", "SEGMENT",
		                                             "PEER",       "OP",   "OBJECT",
		                                             "OUTCOME" };
	const char *params[1];
	const char **cells = NULL;
	PGresult *res = NULL;
	PGconn *conn = NULL;
	long count = CMD_AUDIT_DEFAULT_ROWS;
	char *end, limit[24];
	int opt, rc, rows;

	while ((opt = getopt_long(argc, argv, ":hn:", opts, NULL)) != -1) {
		rc = ctl_opt_common(self, ctl, opt, argv);
		if (rc == CTL_OPT_NEXT)
			continue;
		if (rc != CTL_OPT_OWN)
			return rc;
		count = strtol(optarg, &end, 10);
		if (end == optarg || *end != '\0' || count < 1 || count > 100000)
			return ctl_usage_error(self, "-n wants a number of rows from 1 to 100000");
	}
	if (optind < argc)
		return ctl_usage_error(self, "unexpected argument '%s'", argv[optind]);
	if ((rc = ctl_opt_target(self, ctl)) != CTL_OPT_NEXT)
		return rc;
	snprintf(limit, sizeof limit, "%ld", count);
	params[0] = limit;
	rc = pg_open_owner(ctl, &conn);
	if (rc != 0)
		goto out;
	/* The newest N, shown oldest first as a log reads. */
	res = PQexecParams(conn,
	                   "SELECT * FROM (SELECT to_char(a.at AT TIME ZONE 'UTC', "
	                   "  'YYYY-MM-DD HH24:MI:SS.MS') AS at, "
	                   " coalesce(u.login, '-'), a.segment, coalesce(a.peer, '-'), a.op, "
	                   " coalesce(a.object, '-'), a.outcome, a.id "
	                   " FROM kura.audit_log a LEFT JOIN kura.users u ON u.id = a.user_id "
	                   " ORDER BY a.id DESC LIMIT $1::int) t ORDER BY t.id",
	                   1, NULL, params, NULL, NULL, 0);
	rc = pg_check(conn, res, PGRES_TUPLES_OK, "reading the audit log");
	if (rc != 0)
		goto out;
	rows = PQntuples(res);
	if (rows == 0) {
		fprintf(ctl->out, "the audit log is empty\n");
		goto out;
	}
	cells = xcalloc((size_t)(rows + 1) * CMD_AUDIT_COLS, sizeof *cells);
	memcpy(cells, heading, sizeof heading);
	for (int r = 0; r < rows; r++)
		for (int c = 0; c < CMD_AUDIT_COLS; c++)
			cells[(r + 1) * CMD_AUDIT_COLS + c] = PQgetvalue(res, r, c);
	table_print(ctl->out, cells, rows + 1, CMD_AUDIT_COLS);
out:
	free(cells);
	PQclear(res);
	PQfinish(conn);
	return rc == 0 ? CTL_EXIT_OK : CTL_EXIT_FAIL;
}

const struct ctl_cmd ctl_cmd_audit_tail = {
	.group = "audit",
	.name = "tail",
	.usage = "[-n N] [--dir DIR | --db CONNINFO]",
	.summary = "Show the last N rows of the audit log (default 20), oldest first.",
	.help =
	    "Each row: time (UTC), the user's login, segment, peer address, operation,\n"
	    "object (a receipt number or an id) and outcome (ok or an error code). Rows of\n"
	    "kuractl's own acts have the segment kuractl and the system user as peer.\n\n"
	    "  -n N           how many rows (1 to 100000)\n"
	    "  --dir DIR      the kura directory of an embedded cluster (default " CTL_DEFAULT_DIR
	    ")\n"
	    "  --db CONNINFO  a database of your own, as its owner\n",
	.exec = cmd_audit_tail_exec,
};
