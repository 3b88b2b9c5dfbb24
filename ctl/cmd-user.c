/* kuractl user add|disable|list: accounts, as the database owner. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "ctl.h"
#include "err.h"
#include "password.h"
#include "pg.h"
#include "users.h"
#include "util.h"
#include "xmalloc.h"

/* Longer than any password the policy accepts (128 characters of at most 4 bytes). */
#define CMD_USER_LINE_MAX 1024

/* Reads one line from fd into buf (NUL-terminated, without its line break). Returns 0, or
 * ERR_NOT_FOUND at end of input with nothing read, or ERR_BAD_REQUEST when too long. */
static int
cmd_user_read_line(int fd, char *buf, size_t size)
{
	size_t len = 0;

	for (;;) {
		char c;
		ssize_t n = read(fd, &c, 1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (len == 0)
				return ERR_NOT_FOUND;
			break;
		}
		if (c == '\n')
			break;
		if (len + 1 >= size) {
			sodium_memzero(buf, size);
			return ERR_BAD_REQUEST;
		}
		buf[len++] = c;
	}
	if (len > 0 && buf[len - 1] == '\r')
		len--;
	buf[len] = '\0';
	return 0;
}

/* Asks on the terminal without echo. */
static int
cmd_user_prompt(int tty, const char *prompt, char *buf, size_t size)
{
	struct termios old, quiet;
	int rc;

	if (tcgetattr(tty, &old) != 0) {
		ctl_warn("cannot read the terminal's settings");
		return ERR_INTERNAL;
	}
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
	quiet.c_lflag |= ICANON;
	(void)!write(tty, prompt, strlen(prompt));
	if (tcsetattr(tty, TCSAFLUSH, &quiet) != 0) {
		ctl_warn("cannot turn off the terminal's echo");
		return ERR_INTERNAL;
	}
	rc = cmd_user_read_line(tty, buf, size);
	(void)tcsetattr(tty, TCSAFLUSH, &old);
	(void)!write(tty, "\n", 1);
	return rc;
}

/* The new user's password: asked twice on the terminal, or one line of standard input when
 * that is no terminal. Returns an owned string, or NULL (reported). */
static char *
cmd_user_password(const char *login)
{
	char first[CMD_USER_LINE_MAX], second[CMD_USER_LINE_MAX], *prompt = NULL, *pw = NULL;
	int rc, tty = -1;

	if (!isatty(STDIN_FILENO)) {
		rc = cmd_user_read_line(STDIN_FILENO, first, sizeof first);
		if (rc == ERR_NOT_FOUND)
			ctl_warnx("no password on standard input");
		else if (rc != 0)
			ctl_warnx("the password must have at most %d characters",
			          PASSWORD_MAX_CHARS);
		else
			pw = xstrdup(first);
		goto out;
	}
	tty = open("/dev/tty", O_RDWR | O_CLOEXEC);
	if (tty < 0) {
		ctl_warn("cannot open the terminal");
		goto out;
	}
	prompt = xasprintf("Password for %s (at least %d characters): ", login, PASSWORD_MIN_CHARS);
	rc = cmd_user_prompt(tty, prompt, first, sizeof first);
	if (rc == 0) {
		/* Say what is wrong before asking a second time. */
		const char *why = password_policy_check(first);
		if (why != NULL) {
			ctl_warnx("%s", why);
			goto out;
		}
		rc = cmd_user_prompt(tty, "The same password again: ", second, sizeof second);
	}
	if (rc == ERR_BAD_REQUEST)
		ctl_warnx("the password must have at most %d characters", PASSWORD_MAX_CHARS);
	else if (rc != 0)
		ctl_warnx("no password given");
	else if (strcmp(first, second) != 0)
		ctl_warnx("the two passwords differ");
	else
		pw = xstrdup(first);
out:
	if (tty >= 0)
		close(tty);
	free(prompt);
	sodium_memzero(first, sizeof first);
	sodium_memzero(second, sizeof second);
	return pw;
}

static int
cmd_user_add_exec(const struct ctl_cmd *self, struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		CTL_LONGOPT_HELP,
		CTL_LONGOPT_DIR,
		CTL_LONGOPT_DB,
		{ "role", required_argument, NULL, CTL_OPT_ROLE },
		{ "name", required_argument, NULL, CTL_OPT_NAME },
		{ "temporary", no_argument, NULL, CTL_OPT_TEMPORARY },
		CTL_LONGOPT_END,
	};
	struct user_new u = { 0 };
	char *password = NULL;
	PGconn *conn = NULL;
	const char *why;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		rc = ctl_opt_common(self, ctl, opt, argv);
		if (rc == CTL_OPT_NEXT)
			continue;
		if (rc != CTL_OPT_OWN)
			return rc;
		if (opt == CTL_OPT_ROLE)
			u.role = optarg;
		else if (opt == CTL_OPT_NAME)
			u.name = optarg;
		else if (opt == CTL_OPT_TEMPORARY)
			u.temporary = true;
	}
	if (optind >= argc)
		return ctl_usage_error(self, "which login?");
	if (optind + 1 < argc)
		return ctl_usage_error(self, "unexpected argument '%s'", argv[optind + 1]);
	u.login = argv[optind];
	if (u.role == NULL)
		return ctl_usage_error(self, "which role? (--role ROLE)");
	if ((rc = ctl_opt_target(self, ctl)) != CTL_OPT_NEXT)
		return rc;
	if (u.name == NULL)
		u.name = u.login;
	if ((why = user_login_check(u.login)) != NULL) {
		ctl_warnx("%s: %s", u.login, why);
		return CTL_EXIT_FAIL;
	}
	/* Connect first: nobody should type a password for a database that is not there. */
	rc = pg_open_owner(ctl, &conn);
	if (rc != 0)
		goto out;
	password = cmd_user_password(u.login);
	if (password == NULL) {
		rc = ERR_BAD_REQUEST;
		goto out;
	}
	u.password = password;
	rc = user_create(conn, &u, USER_EXISTS_FAIL);
	if (rc == 0)
		fprintf(ctl->out, "added user %s (%s%s)\n", u.login, u.role,
		        u.temporary ? ", temporary" : "");
out:
	secret_free(password);
	PQfinish(conn);
	return rc == 0 ? CTL_EXIT_OK : CTL_EXIT_FAIL;
}

static int
cmd_user_disable_exec(const struct ctl_cmd *self, struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = { CTL_LONGOPT_HELP, CTL_LONGOPT_DIR, CTL_LONGOPT_DB,
		                              CTL_LONGOPT_END };
	PGconn *conn = NULL;
	long sessions = 0;
	bool already = false;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		rc = ctl_opt_common(self, ctl, opt, argv);
		if (rc == CTL_OPT_OWN)
			rc = ctl_usage_error(self, "unexpected option");
		if (rc != CTL_OPT_NEXT)
			return rc;
	}
	if (optind >= argc)
		return ctl_usage_error(self, "which login?");
	if (optind + 1 < argc)
		return ctl_usage_error(self, "unexpected argument '%s'", argv[optind + 1]);
	if ((rc = ctl_opt_target(self, ctl)) != CTL_OPT_NEXT)
		return rc;
	rc = pg_open_owner(ctl, &conn);
	if (rc == 0)
		rc = user_disable(conn, argv[optind], &sessions, &already);
	if (rc == 0 && already && sessions == 0)
		fprintf(ctl->out, "user %s was already disabled\n", argv[optind]);
	else if (rc == 0)
		fprintf(ctl->out, "disabled user %s; %ld session%s ended\n", argv[optind], sessions,
		        sessions == 1 ? "" : "s");
	PQfinish(conn);
	return rc == 0 ? CTL_EXIT_OK : CTL_EXIT_FAIL;
}

static int
cmd_user_list_exec(const struct ctl_cmd *self, struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = { CTL_LONGOPT_HELP, CTL_LONGOPT_DIR, CTL_LONGOPT_DB,
		                              CTL_LONGOPT_END };
	static const char *const heading[] = { "LOGIN", "NAME", "ROLE", "TEMPORARY", "DISABLED" };
	const char **cells = NULL;
	PGresult *res = NULL;
	PGconn *conn = NULL;
	int opt, rc, rows;

	while ((opt = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		rc = ctl_opt_common(self, ctl, opt, argv);
		if (rc == CTL_OPT_OWN)
			rc = ctl_usage_error(self, "unexpected option");
		if (rc != CTL_OPT_NEXT)
			return rc;
	}
	if (optind < argc)
		return ctl_usage_error(self, "unexpected argument '%s'", argv[optind]);
	if ((rc = ctl_opt_target(self, ctl)) != CTL_OPT_NEXT)
		return rc;
	rc = pg_open_owner(ctl, &conn);
	if (rc != 0)
		goto out;
	res = PQexecParams(conn,
	                   "SELECT login, display_name, role, "
	                   " CASE WHEN temporary THEN 'yes' ELSE 'no' END, "
	                   " coalesce(to_char(disabled_at AT TIME ZONE 'UTC', "
	                   "  'YYYY-MM-DD HH24:MI:SS\"Z\"'), '-') "
	                   "FROM kura.users ORDER BY login",
	                   0, NULL, NULL, NULL, NULL, 0);
	rc = pg_check(conn, res, PGRES_TUPLES_OK, "listing the users");
	if (rc != 0)
		goto out;
	rows = PQntuples(res);
	cells = xcalloc((size_t)(rows + 1) * 5, sizeof *cells);
	memcpy(cells, heading, sizeof heading);
	for (int r = 0; r < rows; r++)
		for (int c = 0; c < 5; c++)
			cells[(r + 1) * 5 + c] = PQgetvalue(res, r, c);
	table_print(ctl->out, cells, rows + 1, 5);
out:
	free(cells);
	PQclear(res);
	PQfinish(conn);
	return rc == 0 ? CTL_EXIT_OK : CTL_EXIT_FAIL;
}

#define CMD_USER_DB_HELP                                                                           \
	"  --dir DIR      the kura directory of an embedded cluster (default " CTL_DEFAULT_DIR     \
	")\n"                                                                                      \
	"  --db CONNINFO  a database of your own, as its owner\n"

const struct ctl_cmd ctl_cmd_user_add = {
	.group = "user",
	.name = "add",
	.usage = "LOGIN --role ROLE [--name NAME] [--temporary] [--dir DIR | --db CONNINFO]",
	.summary = "Add an account; its password is asked twice (or read from standard input).",
	.help = "The password is asked on the terminal without echo, twice; when standard input\n"
	        "is no terminal, its first line is the password. It must have 12 to 128\n"
	        "characters and is stored only as its argon2id hash.\n\n"
	        "  LOGIN          2 to 32 of a-z 0-9 . _ -, starting with a letter\n"
	        "  --role ROLE    operator, technician, shipping, manager, auditor or admin\n"
	        "  --name NAME    the display name (default: the login)\n"
	        "  --temporary    temporary staff: never sees personal data, whatever the "
	        "role\n" CMD_USER_DB_HELP,
	.exec = cmd_user_add_exec,
};

const struct ctl_cmd ctl_cmd_user_disable = {
	.group = "user",
	.name = "disable",
	.usage = "LOGIN [--dir DIR | --db CONNINFO]",
	.summary = "Disable an account and end its sessions at once.",
	.help =
	    "Sets the account's disabled time and deletes its sessions in the same\n"
	    "transaction: its clients are signed out at their next request.\n\n" CMD_USER_DB_HELP,
	.exec = cmd_user_disable_exec,
};

const struct ctl_cmd ctl_cmd_user_list = {
	.group = "user",
	.name = "list",
	.usage = "[--dir DIR | --db CONNINFO]",
	.summary = "List the accounts: login, name, role, temporary, disabled.",
	.help = CMD_USER_DB_HELP,
	.exec = cmd_user_list_exec,
};
