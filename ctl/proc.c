/* Running PostgreSQL's programs as an unprivileged user (initdb and postgres refuse root),
 * and watching processes kuractl started. */
#include "config.h"

#include "proc.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "err.h"
#include "util.h"
#include "xmalloc.h"

int
runas_init(struct runas *ra, const char *name)
{
	struct passwd *pw;

	memset(ra, 0, sizeof *ra);
	if (name == NULL && geteuid() == 0) {
		name = getenv("KURA_PG_USER");
		if (name == NULL || name[0] == '\0')
			name = "postgres";
	}
	if (name == NULL) {
		pw = getpwuid(geteuid());
		if (pw == NULL) {
			ctl_warnx("the user id %ld has no name", (long)geteuid());
			return ERR_NOT_FOUND;
		}
	} else {
		pw = getpwnam(name);
		if (pw == NULL) {
			ctl_warnx("there is no system user '%s' to run PostgreSQL as (PostgreSQL "
			          "refuses to run as root): install the Debian package postgresql, "
			          "which creates it, or run kuractl as an ordinary user",
			          name);
			return ERR_NOT_FOUND;
		}
	}
	if (pw->pw_uid == 0) {
		ctl_warnx("PostgreSQL refuses to run as root: name another system user in "
		          "KURA_PG_USER, or run kuractl as an ordinary user");
		return ERR_NOT_FOUND;
	}
	ra->uid = pw->pw_uid;
	ra->gid = pw->pw_gid;
	ra->drop = pw->pw_uid != geteuid();
	ra->name = xstrdup(pw->pw_name);
	if (ra->drop && geteuid() != 0) {
		ctl_warnx(
		    "PostgreSQL here runs as the system user %s: run kuractl as %s or as root",
		    ra->name, ra->name);
		free(ra->name);
		ra->name = NULL;
		return ERR_FORBIDDEN;
	}
	return 0;
}

void
runas_fini(struct runas *ra)
{
	free(ra->name);
	ra->name = NULL;
}

/* In a forked child: become ra's user. Only async-signal-safe calls. */
static int
proc_become(const struct runas *ra)
{
	if (!ra->drop)
		return 0;
	if (setgroups(1, &ra->gid) != 0 || setgid(ra->gid) != 0 || setuid(ra->uid) != 0)
		return -1;
	/* Make sure root cannot be regained. */
	if (setuid(0) == 0)
		return -1;
	return 0;
}

int
proc_run(const struct runas *ra, char *const argv[], enum proc_output out)
{
	int status;
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		ctl_warn("cannot start %s", argv[0]);
		return -1;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		if (null < 0)
			_exit(127);
		dup2(null, STDIN_FILENO);
		if (out == PROC_OUT_NULL) {
			dup2(null, STDOUT_FILENO);
			dup2(null, STDERR_FILENO);
		} else {
			/* kuractl's stdout is for results only. */
			dup2(STDERR_FILENO, STDOUT_FILENO);
		}
		close_range(3, ~0u, 0);
		if (proc_become(ra) != 0) {
			static const char msg[] = "kuractl: cannot switch to the PostgreSQL user\n";
			(void)!write(STDERR_FILENO, msg, sizeof msg - 1);
			_exit(127);
		}
		if (chdir("/") != 0)
			_exit(127);
		umask(077);
		execv(argv[0], argv);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			ctl_warn("waiting for %s", argv[0]);
			return -1;
		}
	}
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	if (WEXITSTATUS(status) == 127) {
		ctl_warnx("could not run %s", argv[0]);
		return -1;
	}
	return WEXITSTATUS(status);
}

bool
proc_can_reach(const struct runas *ra, const char *path)
{
	int status;
	pid_t pid;

	if (!ra->drop)
		return access(path, X_OK) == 0;
	pid = fork();
	if (pid < 0)
		return false;
	if (pid == 0) {
		if (proc_become(ra) != 0)
			_exit(2);
		_exit(access(path, X_OK) == 0 ? 0 : 1);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return false;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

bool
proc_alive(pid_t pid)
{
	char path[64], buf[512], *paren;
	ssize_t n;
	int fd;

	if (pid <= 0 || (kill(pid, 0) != 0 && errno == ESRCH))
		return false;
	/* A zombie is dead: "PID (comm) Z ...". Nobody may reap it if PID 1 is no init. */
	snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno != ENOENT;
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return true;
	buf[n] = '\0';
	paren = strrchr(buf, ')');
	return !(paren != NULL && paren[1] == ' ' && (paren[2] == 'Z' || paren[2] == 'X'));
}

bool
proc_has_arg(pid_t pid, const char *arg)
{
	char path[64], buf[8192];
	bool found = false;
	ssize_t n;
	int fd;

	snprintf(path, sizeof path, "/proc/%ld/cmdline", (long)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	for (char *p = buf; p < buf + n; p += strlen(p) + 1)
		if (strcmp(p, arg) == 0)
			found = true;
	return found;
}
