/* kuractl's shared context, exit codes and command table entries. */
#ifndef KURA_CTL_H
#define KURA_CTL_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

/* Exit codes of kuractl; CTL_EXIT_NOT_RUNNING is db status's, as pg_ctl's. */
enum ctl_exit {
	CTL_EXIT_OK = 0,
	CTL_EXIT_FAIL = 1,
	CTL_EXIT_USAGE = 2,
	CTL_EXIT_NOT_RUNNING = 3,
};

/* The state directory when none is given, relative to the working directory. */
#define CTL_DEFAULT_DIR "var/"

/* What a command works on, filled from its options. */
struct ctl {
	const char *dir;    /* --dir DIR (borrowed from argv); CTL_DEFAULT_DIR when absent */
	const char *db;     /* --db CONNINFO (borrowed), NULL when absent: then DIR's cluster */
	bool dir_given;     /* --dir was given (it and --db exclude each other) */
	const char *schema; /* --schema DIR (borrowed), NULL when absent */
	FILE *out;          /* where a command reports: stdout, or stderr inside demo up */
};

/* One kuractl command, "GROUP NAME". exec gets argv from the command's own name on
 * (argv[0] is NAME), with getopt reset and quiet (its short options must start with ":"),
 * and returns an enum ctl_exit. */
struct ctl_cmd {
	const char *group;
	const char *name;
	const char *usage;   /* the arguments, after "kuractl GROUP NAME " */
	const char *summary; /* one line for kuractl --help */
	const char *help;    /* the text of kuractl GROUP NAME --help, after the usage line */
	int (*exec)(const struct ctl_cmd *self, struct ctl *ctl, int argc, char **argv);
};

/* Long options shared by commands; their values are past any single character. */
enum ctl_opt {
	CTL_OPT_DIR = 0x100,
	CTL_OPT_DB,
	CTL_OPT_SCHEMA,
	CTL_OPT_PORT,
	CTL_OPT_ROLE,
	CTL_OPT_NAME,
	CTL_OPT_TEMPORARY,
};
#define CTL_LONGOPT_HELP                                                                           \
	{                                                                                          \
		"help", no_argument, NULL, 'h'                                                     \
	}
#define CTL_LONGOPT_DIR                                                                            \
	{                                                                                          \
		"dir", required_argument, NULL, CTL_OPT_DIR                                        \
	}
#define CTL_LONGOPT_DB                                                                             \
	{                                                                                          \
		"db", required_argument, NULL, CTL_OPT_DB                                          \
	}
#define CTL_LONGOPT_SCHEMA                                                                         \
	{                                                                                          \
		"schema", required_argument, NULL, CTL_OPT_SCHEMA                                  \
	}
#define CTL_LONGOPT_END                                                                            \
	{                                                                                          \
		NULL, 0, NULL, 0                                                                   \
	}
/* What ctl_opt_common did with an option. */
#define CTL_OPT_NEXT (-1) /* handled: go on parsing */
#define CTL_OPT_OWN  (-2) /* not a shared one: the command handles it */

extern const struct ctl_cmd ctl_cmd_db_init;
extern const struct ctl_cmd ctl_cmd_tls_ca;
extern const struct ctl_cmd ctl_cmd_tls_cert;
extern const struct ctl_cmd ctl_cmd_db_start;
extern const struct ctl_cmd ctl_cmd_db_stop;
extern const struct ctl_cmd ctl_cmd_db_status;
extern const struct ctl_cmd ctl_cmd_db_migrate;
extern const struct ctl_cmd ctl_cmd_user_add;
extern const struct ctl_cmd ctl_cmd_user_disable;
extern const struct ctl_cmd ctl_cmd_user_list;
extern const struct ctl_cmd ctl_cmd_audit_tail;
extern const struct ctl_cmd ctl_cmd_demo_up;
extern const struct ctl_cmd ctl_cmd_demo_down;
extern const struct ctl_cmd ctl_cmd_controls_import;
extern const struct ctl_cmd ctl_cmd_demo_seed;

/* Prints a usage error for cmd ("kuractl: MSG" and where to find help); returns
 * CTL_EXIT_USAGE. */
int ctl_usage_error(const struct ctl_cmd *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Handles what getopt_long returned when it is shared: --dir, --db, --schema, --help, and
 * getopt's errors. Returns CTL_OPT_NEXT, CTL_OPT_OWN, or an exit code to return at once. */
int ctl_opt_common(const struct ctl_cmd *cmd, struct ctl *ctl, int opt, char **argv);

/* After parsing: a usage error when both --dir and --db were given, else CTL_OPT_NEXT. */
int ctl_opt_target(const struct ctl_cmd *cmd, const struct ctl *ctl);

/* Owned " --dir DIR" to repeat in a suggested command, or "" for the default DIR. */
char *ctl_dir_opt(const struct ctl *ctl);
/* Prints cmd's full help to stdout. */
void ctl_cmd_help(const struct ctl_cmd *cmd);

#endif
