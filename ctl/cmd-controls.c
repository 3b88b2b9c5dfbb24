/* kuractl controls import: the controls catalogue of the risk register from a CSV file (id,
 * title), such as data/iso27001-2022-annex-a.csv, as the database owner. */
#include "config.h"

#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"
#include "err.h"
#include "pg.h"
#include "util.h"
#include "xmalloc.h"

#define CMD_CONTROLS_FILE_MAX  (1u << 20)
#define CMD_CONTROLS_ID_MAX    15
#define CMD_CONTROLS_TITLE_MAX 300

struct control_row {
	char *id, *title; /* owned */
	int line;
};

struct control_rows {
	struct control_row *rows; /* owned */
	size_t n, cap;
};

static void
control_rows_fini(struct control_rows *cr)
{
	for (size_t i = 0; i < cr->n; i++) {
		free(cr->rows[i].id);
		free(cr->rows[i].title);
	}
	free(cr->rows);
}

/* Reads one CSV field (RFC 4180: quoted with "" inside, or bare) from *p, returned owned; *p
 * moves past it and its comma. *end_of_record tells whether a line break or the end followed.
 * Returns NULL on a broken quote. */
static char *
cmd_controls_field(const char **p, int *line, bool *end_of_record)
{
	const char *s = *p;
	char *out = xmalloc(strlen(s) + 1), *o = out;

	if (*s == '"') {
		for (s++;; s++) {
			if (*s == '\0') {
				free(out);
				return NULL;
			}
			if (*s == '"' && s[1] == '"') {
				*o++ = '"';
				s++;
			} else if (*s == '"') {
				s++;
				break;
			} else {
				*line += *s == '\n';
				*o++ = *s;
			}
		}
	} else {
		while (*s != '\0' && *s != ',' && *s != '\n' && *s != '\r')
			*o++ = *s++;
	}
	*o = '\0';
	if (*s == ',') {
		*end_of_record = false;
		s++;
	} else {
		*end_of_record = true;
		if (*s == '\r')
			s++;
		if (*s == '\n') {
			s++;
			(*line)++;
		} else if (*s != '\0') {
			free(out);
			return NULL;
		}
	}
	*p = s;
	return out;
}

/* A control id: 1 to 4 dot-separated numbers of 1 to 3 digits ("5.1", "8.34"). */
static bool
cmd_controls_id_ok(const char *id)
{
	int parts = 0, digits = 0;

	if (strlen(id) > CMD_CONTROLS_ID_MAX)
		return false;
	for (const char *c = id;; c++) {
		if (*c >= '0' && *c <= '9') {
			if (++digits > 3)
				return false;
		} else if (*c == '.' || *c == '\0') {
			if (digits == 0)
				return false;
			parts++;
			digits = 0;
			if (*c == '\0')
				break;
		} else {
			return false;
		}
	}
	return parts >= 2 && parts <= 4;
}

static bool
cmd_controls_title_ok(const char *t)
{
	size_t chars = 0;

	for (const unsigned char *c = (const unsigned char *)t; *c; c++) {
		if (*c < 0x20 || *c == 0x7f)
			return false;
		chars += (*c & 0xc0) != 0x80;
	}
	return chars >= 1 && chars <= CMD_CONTROLS_TITLE_MAX;
}

/* Parses the file's text into rows, reporting the first problem with its line. */
static int
cmd_controls_parse(const char *path, const char *text, struct control_rows *cr)
{
	const char *p = text;
	int line = 1;
	bool header = true;

	if (strncmp(p, "\xef\xbb\xbf", 3) == 0) /* a spreadsheet's byte-order mark */
		p += 3;
	while (*p != '\0') {
		int at = line;
		bool end = false;
		char *f[3] = { NULL, NULL, NULL };
		int n = 0;

		if (*p == '\n' || (*p == '\r' && p[1] == '\n')) { /* an empty line */
			p += *p == '\r' ? 2 : 1;
			line++;
			continue;
		}
		while (!end) {
			char *v = cmd_controls_field(&p, &line, &end);
			if (v == NULL || n == 2) {
				free(v);
				for (int k = 0; k < n; k++)
					free(f[k]);
				ctl_warnx("%s:%d: %s", path, at,
				          v == NULL ? "a quote is not closed"
				                    : "more than two fields");
				return ERR_BAD_REQUEST;
			}
			f[n++] = v;
		}
		if (header) {
			header = false;
			bool ok = n == 2 && strcmp(f[0], "id") == 0 && strcmp(f[1], "title") == 0;
			free(f[0]), free(f[1]);
			if (!ok) {
				ctl_warnx("%s:%d: the first line must be the header id,title", path,
				          at);
				return ERR_BAD_REQUEST;
			}
			continue;
		}
		if (n != 2 || !cmd_controls_id_ok(f[0]) || !cmd_controls_title_ok(f[1])) {
			ctl_warnx("%s:%d: want a control id such as 5.1 and a title of 1 to %d "
			          "characters on one line",
			          path, at, CMD_CONTROLS_TITLE_MAX);
			free(f[0]), free(f[1]);
			return ERR_BAD_REQUEST;
		}
		for (size_t i = 0; i < cr->n; i++) {
			if (strcmp(cr->rows[i].id, f[0]) == 0) {
				ctl_warnx("%s:%d: control %s is already on line %d", path, at, f[0],
				          cr->rows[i].line);
				free(f[0]), free(f[1]);
				return ERR_BAD_REQUEST;
			}
		}
		if (cr->n == cr->cap) {
			cr->cap = cr->cap ? 2 * cr->cap : 128;
			cr->rows = xrealloc(cr->rows, cr->cap * sizeof *cr->rows);
		}
		cr->rows[cr->n++] = (struct control_row){ .id = f[0], .title = f[1], .line = at };
	}
	if (cr->n == 0) {
		ctl_warnx("%s: no controls in the file", path);
		return ERR_BAD_REQUEST;
	}
	return 0;
}

/* Who ran kuractl, for the audit row's peer. */
static char *
cmd_controls_peer(void)
{
	struct passwd *pw = getpwuid(getuid());

	if (pw != NULL)
		return xasprintf("local:%s", pw->pw_name);
	return xasprintf("local:uid %ld", (long)getuid());
}

/* Adds or retitles every row in one transaction, with one audit row. */
static int
cmd_controls_store(PGconn *conn, const struct control_rows *cr, FILE *out)
{
	long added = 0, updated = 0;
	char *peer = NULL, *object = NULL;
	PGresult *res = NULL;
	int rc;

	if ((rc = pg_exec(conn, "BEGIN", "starting a transaction")) != 0)
		return rc;
	for (size_t i = 0; i < cr->n; i++) {
		const char *params[2] = { cr->rows[i].id, cr->rows[i].title };

		/* xmax is 0 in a row this statement inserted; no row: the title was the same. */
		res = PQexecParams(conn,
		                   "INSERT INTO kura.controls AS c (id, title) VALUES ($1, $2)"
		                   " ON CONFLICT (id) DO UPDATE SET title = EXCLUDED.title"
		                   " WHERE c.title IS DISTINCT FROM EXCLUDED.title"
		                   " RETURNING c.xmax = 0",
		                   2, NULL, params, NULL, NULL, 0);
		if ((rc = pg_check(conn, res, PGRES_TUPLES_OK, "storing a control")) != 0)
			goto out;
		if (PQntuples(res) == 1 && PQgetvalue(res, 0, 0)[0] == 't')
			added++;
		else if (PQntuples(res) == 1)
			updated++;
		PQclear(res);
		res = NULL;
	}
	peer = cmd_controls_peer();
	object = xasprintf("controls:%zu", cr->n);
	const char *aparams[2] = { peer, object };
	res = PQexecParams(conn,
	                   "INSERT INTO kura.audit_log (segment, peer, op, object, outcome)"
	                   " VALUES ('kuractl', $1, 'controls.import', $2, 'ok')",
	                   2, NULL, aparams, NULL, NULL, 0);
	if ((rc = pg_check(conn, res, PGRES_COMMAND_OK, "writing the audit log")) != 0)
		goto out;
	PQclear(res);
	res = PQexec(conn, "SELECT count(*) FROM kura.controls");
	if ((rc = pg_check(conn, res, PGRES_TUPLES_OK, "counting the controls")) != 0)
		goto out;
	long total = atol(PQgetvalue(res, 0, 0));
	if ((rc = pg_exec(conn, "COMMIT", "committing")) != 0)
		goto out;
	fprintf(out, "controls: %ld added, %ld updated, %ld unchanged; %ld in the catalogue\n",
	        added, updated, (long)cr->n - added - updated, total);
out:
	if (rc != 0)
		(void)pg_exec(conn, "ROLLBACK", NULL);
	PQclear(res);
	free(peer);
	free(object);
	return rc;
}

static int
cmd_controls_import_exec(const struct ctl_cmd *self, struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = { CTL_LONGOPT_HELP, CTL_LONGOPT_DIR, CTL_LONGOPT_DB,
		                              CTL_LONGOPT_END };
	struct control_rows cr = { 0 };
	char *text = NULL;
	PGconn *conn = NULL;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		rc = ctl_opt_common(self, ctl, opt, argv);
		if (rc == CTL_OPT_NEXT)
			continue;
		if (rc != CTL_OPT_OWN)
			return rc;
		return ctl_usage_error(self, "unexpected option %s", argv[optind - 1]);
	}
	if (optind >= argc)
		return ctl_usage_error(self, "name the CSV file to import");
	if (optind + 1 < argc)
		return ctl_usage_error(self, "unexpected argument '%s'", argv[optind + 1]);
	if ((rc = ctl_opt_target(self, ctl)) != CTL_OPT_NEXT)
		return rc;
	rc = file_read(argv[optind], CMD_CONTROLS_FILE_MAX, &text);
	if (rc == ERR_NOT_FOUND)
		ctl_warnx("%s: no such file", argv[optind]);
	if (rc == 0)
		rc = cmd_controls_parse(argv[optind], text, &cr);
	if (rc == 0)
		rc = pg_open_owner(ctl, &conn);
	if (rc == 0)
		rc = cmd_controls_store(conn, &cr, ctl->out);
	PQfinish(conn);
	control_rows_fini(&cr);
	free(text);
	return rc == 0 ? CTL_EXIT_OK : CTL_EXIT_FAIL;
}

const struct ctl_cmd ctl_cmd_controls_import = {
	.group = "controls",
	.name = "import",
	.usage = "FILE [--dir DIR | --db CONNINFO]",
	.summary = "Load the risk register's controls catalogue from a CSV file (id,title).",
	.help =
	    "FILE is CSV (RFC 4180) with the header id,title and one control a line, such as\n"
	    "the ISO/IEC 27001:2022 Annex A catalogue kura ships (data/iso27001-2022-annex-a.csv,\n"
	    "installed under share/kura/data; every new database already holds it). A control\n"
	    "already there gets the file's title; controls not in the file are kept, since\n"
	    "risks may name them. All or nothing, in one transaction, with one audit row.\n\n"
	    "  --dir DIR      the kura directory of an embedded cluster (default " CTL_DEFAULT_DIR
	    ")\n"
	    "  --db CONNINFO  a database of your own, as its owner\n",
	.exec = cmd_controls_import_exec,
};
