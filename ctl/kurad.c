/* Running kurad in the background for the demo. kurad runs in the foreground and writes
 * its pid file once every listener is up; kuractl detaches it (setsid, output to a log, no
 * inherited descriptors) and waits for that file. */
#include "config.h"

#include "kurad.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "proc.h"
#include "util.h"
#include "xmalloc.h"

#define KURAD_POLL_MS 50

static void
kurad_sleep_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* The pid in a pid file, or 0. */
static pid_t
kurad_pidfile(const char *pidfile)
{
	char *line = NULL, *end;
	long pid;

	if (file_read_line(pidfile, &line) != 0)
		return 0;
	pid = strtol(line, &end, 10);
	if (end == line || *end != '\0' || pid <= 0)
		pid = 0;
	free(line);
	return (pid_t)pid;
}

pid_t
kurad_running(const char *pidfile, const char *conf)
{
	pid_t pid = kurad_pidfile(pidfile);

	if (pid > 0 && proc_alive(pid) && proc_has_arg(pid, conf))
		return pid;
	return 0;
}

/* The kurad beside this kuractl (a build tree or an installed bin/), else NULL for PATH. */
static char *
kurad_exe(void)
{
	char *dir = exe_dir(), *path = NULL;

	if (dir != NULL) {
		path = path_join(dir, "kurad");
		if (access(path, X_OK) != 0) {
			free(path);
			path = NULL;
		}
	}
	free(dir);
	return path;
}

int
kurad_start(const char *conf, const char *pidfile, const char *log, int timeout_s, pid_t *pid)
{
	char *exe = kurad_exe();
	int rc = ERR_UNAVAILABLE, status, logfd;
	struct stat st;
	long logsize;
	pid_t child;

	if (unlink(pidfile) != 0 && errno != ENOENT) {
		ctl_warn("cannot remove the stale %s", pidfile);
		free(exe);
		return ERR_INTERNAL;
	}
	logfd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (logfd < 0 || fstat(logfd, &st) != 0) {
		ctl_warn("cannot open %s", log);
		if (logfd >= 0)
			close(logfd);
		free(exe);
		return ERR_INTERNAL;
	}
	logsize = (long)st.st_size;
	fflush(stdout);
	fflush(stderr);
	child = fork();
	if (child < 0) {
		ctl_warn("cannot start kurad");
		close(logfd);
		free(exe);
		return ERR_INTERNAL;
	}
	if (child == 0) {
		char *argv[] = { exe != NULL ? exe : "kurad",
			         "-c",
			         (char *)conf,
			         "--pidfile",
			         (char *)pidfile,
			         NULL };
		int null = open("/dev/null", O_RDONLY);

		/* Its own session: it outlives kuractl and the terminal's signals. Nothing of
		 * ours stays open in it, so whoever reads kuractl's output sees it end. */
		setsid();
		if (null < 0 || dup2(null, STDIN_FILENO) < 0 || dup2(logfd, STDOUT_FILENO) < 0 ||
		    dup2(logfd, STDERR_FILENO) < 0)
			_exit(127);
		close_range(3, ~0u, 0);
		if (chdir("/") != 0)
			_exit(127);
		execvp(argv[0], argv);
		{
			static const char msg[] = "kuractl: cannot run kurad\n";
			(void)!write(STDERR_FILENO, msg, sizeof msg - 1);
		}
		_exit(127);
	}
	close(logfd);
	for (long waited = 0; waited < timeout_s * 1000L; waited += KURAD_POLL_MS) {
		pid_t ready = kurad_pidfile(pidfile);

		if (ready > 0) {
			*pid = ready;
			rc = 0;
			goto out;
		}
		if (waitpid(child, &status, WNOHANG) == child) {
			if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
				ctl_warnx("cannot run %s: build kurad beside kuractl or put it on "
				          "PATH",
				          exe != NULL ? exe : "kurad");
			else if (WIFEXITED(status))
				ctl_warnx("kurad exited at start with status %d",
				          WEXITSTATUS(status));
			else
				ctl_warnx("kurad was killed at start by signal %d",
				          WTERMSIG(status));
			file_print_tail(log, 20, logsize);
			goto out;
		}
		kurad_sleep_ms(KURAD_POLL_MS);
	}
	ctl_warnx("kurad did not get ready within %d seconds: stopping it", timeout_s);
	file_print_tail(log, 20, logsize);
	(void)kurad_stop(child, 5);
	(void)waitpid(child, &status, WNOHANG);
out:
	free(exe);
	return rc;
}

int
kurad_stop(pid_t pid, int timeout_s)
{
	if (kill(pid, SIGTERM) != 0) {
		if (errno == ESRCH)
			return 0;
		ctl_warn("cannot stop kurad (pid %ld)", (long)pid);
		return ERR_INTERNAL;
	}
	for (long waited = 0; waited < timeout_s * 1000L; waited += KURAD_POLL_MS) {
		/* Reap it when it is our child; otherwise its parent does. */
		(void)waitpid(pid, NULL, WNOHANG);
		if (!proc_alive(pid))
			return 0;
		kurad_sleep_ms(KURAD_POLL_MS);
	}
	ctl_warnx("kurad (pid %ld) did not stop within %d seconds of SIGTERM: killing it",
	          (long)pid, timeout_s);
	(void)kill(pid, SIGKILL);
	(void)waitpid(pid, NULL, 0);
	return ERR_INTERNAL;
}
