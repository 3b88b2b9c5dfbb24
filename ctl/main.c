/* kuractl: the administrator's command line of kura. One table of commands ("GROUP NAME"),
 * each defined in its cmd-GROUP.c with its usage and help; this file dispatches. */
#include "config.h"

#include "ctl.h"

#include <locale.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "util.h"
#include "xmalloc.h"

static const struct ctl_cmd *const ctl_cmds[] = {
	&ctl_cmd_db_init,         &ctl_cmd_db_start,     &ctl_cmd_db_stop,      &ctl_cmd_db_status,
	&ctl_cmd_db_migrate,      &ctl_cmd_user_add,     &ctl_cmd_user_disable, &ctl_cmd_user_list,
	&ctl_cmd_audit_tail,      &ctl_cmd_audit_verify, &ctl_cmd_audit_export, &ctl_cmd_demo_up,
	&ctl_cmd_demo_down,       &ctl_cmd_demo_seed,    &ctl_cmd_tls_ca,       &ctl_cmd_tls_cert,
	&ctl_cmd_controls_import,
};
#define CTL_NCMDS (sizeof ctl_cmds / sizeof ctl_cmds[0])

static void
ctl_help(FILE *f, const char *group)
{
	const char *last = NULL;

	fprintf(f, "usage: kuractl COMMAND [ARGUMENTS]\n\n"
	           "The administrator's command line of kura: the embedded database, accounts,\n"
	           "the audit log and the local demo.\n");
	for (size_t i = 0; i < CTL_NCMDS; i++) {
		const struct ctl_cmd *c = ctl_cmds[i];

		if (group != NULL && strcmp(c->group, group) != 0)
			continue;
		if (last == NULL || strcmp(last, c->group) != 0)
			fputc('\n', f);
		last = c->group;
		fprintf(f, "  kuractl %s %s %s\n      %s\n", c->group, c->name, c->usage,
		        c->summary);
	}
	fprintf(f,
	        "\nCommands that use the database take --dir DIR (the embedded cluster in DIR,\n"
	        "default " CTL_DEFAULT_DIR ") or --db CONNINFO (a PostgreSQL of your own, as "
	        "its owner).\n"
	        "kuractl COMMAND --help tells more of a command. Exit status: 0 done, 1 failed,\n"
	        "2 wrong usage; db status: 3 when not running.\n");
}

void
ctl_cmd_help(const struct ctl_cmd *cmd)
{
	printf("usage: kuractl %s %s %s\n\n%s\n\n%s", cmd->group, cmd->name, cmd->usage,
	       cmd->summary, cmd->help);
}

int
ctl_usage_error(const struct ctl_cmd *cmd, const char *fmt, ...)
{
	va_list ap;

	if (fmt != NULL) {
		fputs("kuractl: ", stderr);
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fputc('\n', stderr);
	}
	fprintf(stderr, "usage: kuractl %s %s %s\nTry 'kuractl %s %s --help'.\n", cmd->group,
	        cmd->name, cmd->usage, cmd->group, cmd->name);
	return CTL_EXIT_USAGE;
}

int
ctl_opt_common(const struct ctl_cmd *cmd, struct ctl *ctl, int opt, char **argv)
{
	switch (opt) {
	case 'h':
		ctl_cmd_help(cmd);
		return CTL_EXIT_OK;
	case CTL_OPT_DIR:
		ctl->dir = optarg;
		ctl->dir_given = true;
		return CTL_OPT_NEXT;
	case CTL_OPT_DB:
		ctl->db = optarg;
		return CTL_OPT_NEXT;
	case CTL_OPT_SCHEMA:
		ctl->schema = optarg;
		return CTL_OPT_NEXT;
	case ':':
		return ctl_usage_error(cmd, "%s needs a value", argv[optind - 1]);
	case '?':
		if (optopt != 0)
			return ctl_usage_error(cmd, "unknown option -%c", optopt);
		return ctl_usage_error(cmd, "unknown option %s", argv[optind - 1]);
	default:
		return CTL_OPT_OWN;
	}
}

int
ctl_opt_target(const struct ctl_cmd *cmd, const struct ctl *ctl)
{
	if (ctl->dir_given && ctl->db != NULL)
		return ctl_usage_error(cmd, "give --dir or --db, not both");
	return CTL_OPT_NEXT;
}

static bool
ctl_is_help(const char *arg)
{
	return strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0 || strcmp(arg, "help") == 0;
}

/* kuractl help GROUP [NAME]. */
static int
ctl_help_topic(const char *group, const char *name)
{
	bool group_known = false;

	for (size_t i = 0; i < CTL_NCMDS; i++) {
		const struct ctl_cmd *c = ctl_cmds[i];

		if (strcmp(c->group, group) != 0)
			continue;
		group_known = true;
		if (name != NULL && strcmp(c->name, name) == 0) {
			ctl_cmd_help(c);
			return CTL_EXIT_OK;
		}
	}
	if (group_known && name == NULL) {
		ctl_help(stdout, group);
		return CTL_EXIT_OK;
	}
	ctl_warnx("no help on '%s%s%s': there is no such command", group, name ? " " : "",
	          name ? name : "");
	fprintf(stderr, "Try 'kuractl --help'.\n");
	return CTL_EXIT_USAGE;
}

char *
ctl_dir_opt(const struct ctl *ctl)
{
	if (strcmp(ctl->dir, CTL_DEFAULT_DIR) == 0)
		return xstrdup("");
	return xasprintf(" --dir %s", ctl->dir);
}

int
main(int argc, char **argv)
{
	struct ctl ctl = { .dir = CTL_DEFAULT_DIR, .out = stdout };
	bool group_known = false;

	setlocale(LC_ALL, "");
	if (sodium_init() < 0) {
		ctl_warnx("cannot initialise libsodium");
		return CTL_EXIT_FAIL;
	}
	if (argc < 2) {
		ctl_help(stderr, NULL);
		return CTL_EXIT_USAGE;
	}
	if (ctl_is_help(argv[1])) {
		if (argc == 2) {
			ctl_help(stdout, NULL);
			return CTL_EXIT_OK;
		}
		return ctl_help_topic(argv[2], argc > 3 ? argv[3] : NULL);
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("kuractl (kura) %s\n", PACKAGE_VERSION);
		return CTL_EXIT_OK;
	}
	for (size_t i = 0; i < CTL_NCMDS; i++) {
		const struct ctl_cmd *c = ctl_cmds[i];

		if (strcmp(c->group, argv[1]) != 0)
			continue;
		group_known = true;
		if (argc < 3 || strcmp(c->name, argv[2]) != 0)
			continue;
		optind = 0;
		opterr = 0;
		return c->exec(c, &ctl, argc - 2, argv + 2);
	}
	if (group_known && argc >= 3 && ctl_is_help(argv[2])) {
		ctl_help(stdout, argv[1]);
		return CTL_EXIT_OK;
	}
	if (group_known && argc < 3) {
		ctl_help(stderr, argv[1]);
		return CTL_EXIT_USAGE;
	}
	if (group_known)
		ctl_warnx("unknown command '%s %s'", argv[1], argv[2]);
	else
		ctl_warnx("unknown command '%s'", argv[1]);
	fprintf(stderr, "Try 'kuractl --help'.\n");
	return CTL_EXIT_USAGE;
}
