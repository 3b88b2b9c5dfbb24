/* Printing as text: a growing buffer of lines, files written privately, lp run without a
 * shell and without touching the terminal (its output is read back and shown). */
#include "config.h"

#include "print.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "utf8.h"
#include "xmalloc.h"

#define PRINT_LP_WAIT_MS 10000

extern char **environ;

void
print_init(struct print_doc *d)
{
	memset(d, 0, sizeof *d);
	d->cap = 1024;
	d->text = xmalloc(d->cap);
	d->text[0] = '\0';
}

void
print_fini(struct print_doc *d)
{
	free(d->text);
	memset(d, 0, sizeof *d);
}

static void
print_append(struct print_doc *d, const char *s, size_t n)
{
	if (d->len + n + 1 > d->cap) {
		while (d->len + n + 1 > d->cap)
			d->cap *= 2;
		d->text = xrealloc(d->text, d->cap);
	}
	memcpy(d->text + d->len, s, n);
	d->len += n;
	d->text[d->len] = '\0';
}

void
print_line(struct print_doc *d, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		abort();
	va_end(ap);
	print_append(d, s, strlen(s));
	print_append(d, "\n", 1);
	free(s);
}

const char *
print_cell(const char *s, int width, char *out, size_t size)
{
	bool cut = s != NULL && utf8_width(s) > width && width > 0;
	int used = 0;
	size_t n;

	if (size == 0)
		return out;
	/* As on the screen (draw_cell): a cut text ends with '~' in the cell's last column. */
	n = utf8_fit(s != NULL ? s : "", cut ? width - 1 : width, &used);
	if (n + 2 > size)
		n = size - 2;
	memcpy(out, s != NULL ? s : "", n);
	while (used < (cut ? width - 1 : width) && n + 2 < size) {
		out[n++] = ' ';
		used++;
	}
	if (cut)
		out[n++] = '~';
	out[n] = '\0';
	return out;
}

void
print_cells(struct print_doc *d, size_t n, const int *widths, const char *const *cells)
{
	char cell[1024];

	for (size_t i = 0; i < n; i++) {
		const char *s = cells[i] != NULL && cells[i][0] != '\0' ? cells[i] : "-";

		if (i + 1 < n) {
			print_cell(s, widths[i], cell, sizeof cell);
			print_append(d, cell, strlen(cell));
			print_append(d, "  ", 2);
		} else {
			print_append(d, s, strcspn(s, "\n"));
		}
	}
	/* No trailing spaces on paper or in a diff. */
	while (d->len > 0 && d->text[d->len - 1] == ' ')
		d->text[--d->len] = '\0';
	print_append(d, "\n", 1);
}

void
print_field(struct print_doc *d, int label_w, const char *label, const char *value)
{
	char cell[256];
	const char *p = value != NULL && value[0] != '\0' ? value : "-";
	bool first = true;

	do {
		size_t n = strcspn(p, "\n");

		print_cell(first ? label : "", label_w, cell, sizeof cell);
		print_append(d, cell, strlen(cell));
		print_append(d, "  ", 2);
		print_append(d, p, n);
		while (d->len > 0 && d->text[d->len - 1] == ' ')
			d->text[--d->len] = '\0';
		print_append(d, "\n", 1);
		p += n;
		if (*p == '\n')
			p++;
		first = false;
	} while (*p != '\0');
}

void
print_rule(struct print_doc *d, int width, char c)
{
	for (int i = 0; i < width; i++)
		print_append(d, &c, 1);
	print_append(d, "\n", 1);
}

char *
print_default_path(const char *name)
{
	const char *home = getenv("HOME");

	if (home == NULL || home[0] == '\0')
		return xasprintf("kura-print/%s", name);
	return xasprintf("%s/kura-print/%s", home, name);
}

/* path with a leading "~/" expanded, returned owned. */
static char *
print_expand(const char *path)
{
	const char *home = getenv("HOME");

	if (strncmp(path, "~/", 2) == 0 && home != NULL && home[0] != '\0')
		return xasprintf("%s/%s", home, path + 2);
	return xstrdup(path);
}

/* Makes the directories above the file at path (owned copy edited in place). */
static int
print_mkdirs(char *path)
{
	for (char *p = path + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0700) != 0 && errno != EEXIST) {
			*p = '/';
			return -1;
		}
		*p = '/';
	}
	return 0;
}

int
print_save(const char *text, const char *path, char *done, size_t donelen, char *why, size_t whylen)
{
	char *full = print_expand(path);
	size_t len = strlen(text), off = 0;
	int fd = -1, rc = -1;

	if (full[0] == '\0' || full[strlen(full) - 1] == '/') {
		snprintf(why, whylen, "%s", "name a file, not a directory");
		goto out;
	}
	if (print_mkdirs(full) != 0) {
		snprintf(why, whylen, "%s", strerror(errno));
		goto out;
	}
	fd = open(full, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		snprintf(why, whylen, "%s", strerror(errno));
		goto out;
	}
	while (off < len) {
		ssize_t n = write(fd, text + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			snprintf(why, whylen, "%s", strerror(errno));
			goto out;
		}
		off += (size_t)n;
	}
	if (close(fd) != 0) {
		fd = -1;
		snprintf(why, whylen, "%s", strerror(errno));
		goto out;
	}
	fd = -1;
	if (done != NULL)
		snprintf(done, donelen, "%s", full);
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	free(full);
	return rc;
}

bool
print_have_lp(void)
{
	const char *path = getenv("PATH");
	char *list, *save = NULL;
	bool found = false;

	if (path == NULL)
		path = "/usr/bin:/bin";
	list = xstrdup(path);
	for (char *dir = strtok_r(list, ":", &save); dir != NULL && !found;
	     dir = strtok_r(NULL, ":", &save)) {
		char *cand = xasprintf("%s/lp", dir[0] != '\0' ? dir : ".");

		found = access(cand, X_OK) == 0;
		free(cand);
	}
	free(list);
	return found;
}

/* Milliseconds on the monotonic clock. */
static long long
print_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
print_lp(const char *text, char *msg, size_t msglen)
{
	const char *tmpdir = getenv("TMPDIR");
	char *tmp =
	    xasprintf("%s/kura-print-XXXXXX", tmpdir != NULL && tmpdir[0] ? tmpdir : "/tmp");
	char out[512], why[256];
	size_t outlen = 0;
	posix_spawn_file_actions_t fa;
	int pipefd[2] = { -1, -1 }, fd, status = 0, rc = -1;
	long long deadline;
	pid_t pid = -1;

	msg[0] = '\0';
	fd = mkstemp(tmp);
	if (fd < 0) {
		snprintf(msg, msglen, "cannot make a temporary file: %s", strerror(errno));
		free(tmp);
		return -1;
	}
	close(fd);
	if (print_save(text, tmp, NULL, 0, why, sizeof why) != 0) {
		snprintf(msg, msglen, "cannot write %s: %s", tmp, why);
		goto out;
	}
	if (pipe2(pipefd, O_CLOEXEC) != 0) {
		snprintf(msg, msglen, "%s", strerror(errno));
		goto out;
	}
	/* lp must not write over the screen: its output comes back through the pipe. */
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], 1);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], 2);
	{
		char *argv[] = { "lp", "--", tmp, NULL };

		rc = posix_spawnp(&pid, "lp", &fa, NULL, argv, environ);
	}
	posix_spawn_file_actions_destroy(&fa);
	close(pipefd[1]);
	pipefd[1] = -1;
	if (rc != 0) {
		snprintf(msg, msglen, "cannot run lp: %s", strerror(rc));
		rc = -1;
		goto out;
	}
	rc = -1;
	deadline = print_now_ms() + PRINT_LP_WAIT_MS;
	for (;;) {
		struct pollfd p = { .fd = pipefd[0], .events = POLLIN };
		long long left = deadline - print_now_ms();
		ssize_t n;

		if (left <= 0) {
			kill(pid, SIGTERM);
			snprintf(msg, msglen, "%s", "lp did not finish within 10 seconds");
			break;
		}
		if (poll(&p, 1, (int)left) < 0 && errno != EINTR)
			break;
		n = read(pipefd[0], out + outlen, sizeof out - 1 - outlen);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			break;
		outlen += (size_t)n;
		if (outlen == sizeof out - 1) {
			char drain[256];
			while (read(pipefd[0], drain, sizeof drain) > 0)
				;
			break;
		}
	}
	out[outlen] = '\0';
	while (outlen > 0 && (out[outlen - 1] == '\n' || out[outlen - 1] == ' '))
		out[--outlen] = '\0';
	for (char *p = out; *p != '\0'; p++)
		if (*p == '\n' || *p == '\r' || *p == '\t')
			*p = ' ';
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (msg[0] != '\0')
		goto out;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		snprintf(msg, msglen, "%s", out[0] != '\0' ? out : "sent");
		rc = 0;
	} else {
		snprintf(msg, msglen, "lp failed%s%s", out[0] != '\0' ? ": " : "", out);
	}
out:
	if (pipefd[0] >= 0)
		close(pipefd[0]);
	if (pipefd[1] >= 0)
		close(pipefd[1]);
	unlink(tmp);
	free(tmp);
	return rc;
}
