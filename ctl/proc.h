/* Running PostgreSQL's programs, as an unprivileged user when kuractl runs as root, and
 * watching processes kuractl started. */
#ifndef KURA_CTL_PROC_H
#define KURA_CTL_PROC_H

#include <stdbool.h>
#include <sys/types.h>

/* The system user PostgreSQL's programs run as. */
struct runas {
	bool drop; /* switch to uid/gid before exec (kuractl runs as root) */
	uid_t uid;
	gid_t gid;
	char *name; /* owned */
};

/* The user for a cluster: name (borrowed) when given, else KURA_PG_USER or "postgres" when
 * running as root, else the invoking user. Returns 0 or ERR_NOT_FOUND (reported). */
int runas_init(struct runas *ra, const char *name);
void runas_fini(struct runas *ra);

/* Where a program's output goes. */
enum proc_output {
	PROC_OUT_STDERR, /* stdout and stderr both to kuractl's stderr */
	PROC_OUT_NULL,   /* discarded */
};

/* Runs argv[0] (an absolute path) with argv as ra, in "/", and waits for it. Returns its exit
 * status (0-255; 128 + signal when killed), or -1 when it could not be run (reported). */
int proc_run(const struct runas *ra, char *const argv[], enum proc_output out);
/* True when ra may search (reach) path. */
bool proc_can_reach(const struct runas *ra, const char *path);
/* True when pid is a live process (not a zombie). */
bool proc_alive(pid_t pid);
/* True when pid's command line has an argument equal to arg. */
bool proc_has_arg(pid_t pid, const char *arg);

#endif
