/* kura_clientbench: the terminal client's speed as a person feels it, on a pseudo-terminal of
 * 120x40: from start to the sign-in screen, from signing in to the first list, from a key to
 * the repainted screen on a list of many cases (after G has loaded them all), and the
 * client's memory then. One line on stdout:
 *
 *   CLIENT start_ms=S first_list_ms=F bottom_s=B rows=N key_p50_ms=P key_p99_ms=Q
 *          rss_kib=R hwm_kib=H
 *
 *   kura_clientbench KURA URL USER PASSWORD ROWS NEWEST_RECEIPT OLDEST_RECEIPT */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CB_KEYS     400 /* key presses measured */
#define CB_QUIET_MS 25  /* the screen is repainted when output pauses this long */
#define CB_OUT_MAX  (1 << 22)

static int cb_fd = -1;
static pid_t cb_pid;
static char *cb_out; /* everything the client wrote since the last cb_clear */
static size_t cb_len;

static double
cb_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void
cb_die(const char *what)
{
	fprintf(stderr, "kura_clientbench: %s\n", what);
	if (cb_pid > 0)
		kill(cb_pid, SIGKILL);
	exit(1);
}

static void
cb_clear(void)
{
	cb_len = 0;
	cb_out[0] = '\0';
}

/* Reads what the client wrote for up to timeout_ms; returns the time of the last byte read
 * (ms), or 0 when nothing came. */
static double
cb_read(int timeout_ms)
{
	struct pollfd pfd = { .fd = cb_fd, .events = POLLIN };
	double last = 0;
	char buf[65536];

	while (poll(&pfd, 1, timeout_ms) > 0) {
		ssize_t n = read(cb_fd, buf, sizeof buf);

		if (n <= 0)
			break;
		last = cb_now();
		if (cb_len + (size_t)n >= CB_OUT_MAX)
			cb_clear();
		memcpy(cb_out + cb_len, buf, (size_t)n);
		cb_len += (size_t)n;
		cb_out[cb_len] = '\0';
		timeout_ms = CB_QUIET_MS;
	}
	return last;
}

/* Waits up to timeout_s for text to appear in the output; returns when it did (ms). */
static double
cb_wait_for(const char *text, double timeout_s)
{
	double until = cb_now() + timeout_s * 1e3;

	while (cb_now() < until) {
		struct pollfd pfd = { .fd = cb_fd, .events = POLLIN };
		char buf[65536];
		ssize_t n;

		if (memmem(cb_out, cb_len, text, strlen(text)) != NULL)
			return cb_now();
		if (poll(&pfd, 1, 100) <= 0)
			continue;
		if ((n = read(cb_fd, buf, sizeof buf)) <= 0)
			cb_die("the client ended");
		if (cb_len + (size_t)n >= CB_OUT_MAX) {
			/* Keep the tail: the text may straddle the cut. */
			size_t keep = 4096 < cb_len ? 4096 : cb_len;
			memmove(cb_out, cb_out + cb_len - keep, keep);
			cb_len = keep;
		}
		memcpy(cb_out + cb_len, buf, (size_t)n);
		cb_len += (size_t)n;
		cb_out[cb_len] = '\0';
	}
	return 0;
}

static void
cb_send(const char *keys)
{
	if (write(cb_fd, keys, strlen(keys)) != (ssize_t)strlen(keys))
		cb_die("cannot type");
}

static long
cb_status_kib(const char *field)
{
	char path[64], line[256];
	long kib = -1;
	size_t n = strlen(field);
	FILE *f;

	snprintf(path, sizeof path, "/proc/%ld/status", (long)cb_pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof line, f) != NULL)
		if (strncmp(line, field, n) == 0 && line[n] == ':')
			kib = atol(line + n + 1);
	fclose(f);
	return kib;
}

static int
cb_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	struct winsize ws = { .ws_row = 40, .ws_col = 120 };
	static double lat[CB_KEYS];
	/* Down and up, a page down and up: the moves of a person reading a list. */
	static const char *const keys[] = { "k", "k", "j", "\033[6~", "k", "\033[5~", "j", "j" };
	char home[] = "/tmp/kura-clientbench-XXXXXX";
	double t0, t_login, t_sent, t_list, t_bottom;
	int n = 0, status;

	if (argc != 8) {
		fprintf(stderr,
		        "usage: kura_clientbench KURA URL USER PASSWORD ROWS NEWEST OLDEST\n");
		return 2;
	}
	cb_out = malloc(CB_OUT_MAX + 1);
	if (cb_out == NULL || mkdtemp(home) == NULL)
		cb_die("out of memory or no temporary directory");
	cb_clear();
	signal(SIGPIPE, SIG_IGN);

	t0 = cb_now();
	cb_pid = forkpty(&cb_fd, NULL, NULL, &ws);
	if (cb_pid < 0)
		cb_die("forkpty failed");
	if (cb_pid == 0) {
		/* A clean environment: no kura.conf of the one running the benchmark. */
		setenv("HOME", home, 1);
		setenv("XDG_CONFIG_HOME", home, 1);
		setenv("TERM", "xterm-256color", 1);
		setenv("LANG", "C.UTF-8", 1);
		setenv("LC_ALL", "C.UTF-8", 1);
		unsetenv("KURA_SERVER");
		execl(argv[1], argv[1], "--server", argv[2], (char *)NULL);
		_exit(127);
	}
	if ((t_login = cb_wait_for("Sign in to kura", 10)) == 0)
		cb_die("no sign-in screen within 10 s");
	cb_read(200);
	cb_clear();
	cb_send(argv[3]);
	cb_send("\t");
	cb_send(argv[4]);
	t_sent = cb_now();
	cb_send("\r");
	if ((t_list = cb_wait_for(argv[6], 20)) == 0)
		cb_die("no list with the newest case within 20 s of signing in");
	cb_read(300);
	cb_clear();
	/* G loads every page, then selects the last case. The screen is only patched as it
	 * changes: ask for it whole (Ctrl-L) to see whether the oldest case shows. */
	cb_send("G");
	for (t_bottom = 0; t_bottom == 0 && cb_now() - t_list < 600e3;) {
		cb_read(1000);
		cb_clear();
		cb_send("\014");
		cb_read(300);
		if (memmem(cb_out, cb_len, argv[7], strlen(argv[7])) != NULL)
			t_bottom = cb_now();
	}
	if (t_bottom == 0)
		cb_die("the oldest case did not show within 10 minutes of G");
	for (int i = 0; i < CB_KEYS; i++) {
		double sent, last;

		cb_clear();
		sent = cb_now();
		cb_send(keys[i % (sizeof keys / sizeof keys[0])]);
		last = cb_read(1000);
		if (last > 0)
			lat[n++] = last - sent;
	}
	long rss = cb_status_kib("VmRSS"), hwm = cb_status_kib("VmHWM");

	qsort(lat, (size_t)n, sizeof *lat, cb_cmp);
	cb_send("q");
	for (int i = 0; i < 50 && waitpid(cb_pid, &status, WNOHANG) == 0; i++) {
		cb_read(100);
		cb_send("y");
	}
	kill(cb_pid, SIGKILL);
	waitpid(cb_pid, &status, 0);
	rmdir(home);
	if (n < CB_KEYS / 2)
		cb_die("too few keys repainted the screen");
	printf("CLIENT start_ms=%.1f first_list_ms=%.1f bottom_s=%.1f rows=%s key_p50_ms=%.2f "
	       "key_p99_ms=%.2f rss_kib=%ld hwm_kib=%ld\n",
	       t_login - t0, t_list - t_sent, (t_bottom - t_list) / 1e3, argv[5], lat[n / 2],
	       lat[(int)(n * 0.99)], rss, hwm);
	return 0;
}
