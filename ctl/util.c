/* kuractl's small helpers: messages, files holding secrets, generated passwords, paths. */
#include "config.h"

#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "utf8.h"
#include "xmalloc.h"

void
ctl_warnx(const char *fmt, ...)
{
	va_list ap;

	fputs("kuractl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void
ctl_warn(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	fputs("kuractl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, ": %s\n", strerror(saved));
}

int
file_read(const char *path, size_t max, char **out)
{
	size_t len = 0, cap = 4096;
	char *buf = NULL;
	int fd, rc = ERR_INTERNAL;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return ERR_NOT_FOUND;
		ctl_warn("cannot open %s", path);
		return ERR_INTERNAL;
	}
	buf = xmalloc(cap);
	for (;;) {
		ssize_t n;

		if (len + 1 >= cap)
			buf = xrealloc(buf, cap *= 2);
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ctl_warn("cannot read %s", path);
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > max) {
			ctl_warnx("%s is larger than %zu bytes", path, max);
			goto out;
		}
	}
	buf[len] = '\0';
	*out = buf;
	buf = NULL;
	rc = 0;
out:
	if (buf != NULL) {
		sodium_memzero(buf, cap);
		free(buf);
	}
	close(fd);
	return rc;
}

int
file_read_line(const char *path, char **out)
{
	char *s;
	int rc;

	rc = file_read(path, 64 * 1024, &s);
	if (rc != 0)
		return rc;
	s[strcspn(s, "\r\n")] = '\0';
	*out = s;
	return 0;
}

int
file_write(const char *path, const char *data, mode_t mode)
{
	size_t len = strlen(data), done = 0;
	char *tmp = xasprintf("%s.tmp%ld", path, (long)getpid());
	int fd, rc = ERR_INTERNAL;

	(void)unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0) {
		ctl_warn("cannot create %s", tmp);
		goto out;
	}
	/* The umask must not widen or narrow what the caller asked for. */
	if (fchmod(fd, mode) != 0) {
		ctl_warn("cannot set the mode of %s", tmp);
		goto out_close;
	}
	while (done < len) {
		ssize_t n = write(fd, data + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ctl_warn("cannot write %s", tmp);
			goto out_close;
		}
		done += (size_t)n;
	}
	if (fsync(fd) != 0) {
		ctl_warn("cannot write %s", tmp);
		goto out_close;
	}
	if (rename(tmp, path) != 0) {
		ctl_warn("cannot rename %s to %s", tmp, path);
		goto out_close;
	}
	rc = 0;
out_close:
	close(fd);
	if (rc != 0)
		(void)unlink(tmp);
out:
	free(tmp);
	return rc;
}

bool
file_exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

void
file_print_tail(const char *path, int lines, long from)
{
	char *text = NULL, *begin, *start;
	int seen = 0;

	if (file_read(path, 64u << 20, &text) != 0) {
		fprintf(stderr, "    (cannot read %s)\n", path);
		return;
	}
	begin = text + (from > 0 && (size_t)from <= strlen(text) ? (size_t)from : 0);
	start = text + strlen(text);
	if (start > begin && start[-1] == '\n')
		start--;
	while (start > begin) {
		if (start[-1] == '\n' && ++seen == lines)
			break;
		start--;
	}
	fprintf(stderr, "kuractl: the end of %s:\n", path);
	while (*start != '\0') {
		size_t n = strcspn(start, "\n");

		fprintf(stderr, "    %.*s\n", (int)n, start);
		start += n;
		if (*start == '\n')
			start++;
	}
	free(text);
}

int
dir_make(const char *path, mode_t mode)
{
	char *copy = xstrdup(path);
	int rc = ERR_INTERNAL;

	for (char *p = copy + 1;; p++) {
		bool last = *p == '\0';

		if (*p != '/' && !last)
			continue;
		*p = '\0';
		if (mkdir(copy, mode) != 0 && errno != EEXIST) {
			ctl_warn("cannot create the directory %s", copy);
			goto out;
		}
		if (last)
			break;
		*p = '/';
	}
	rc = 0;
out:
	free(copy);
	return rc;
}

char *
path_absolute(const char *path)
{
	char *abs = realpath(path, NULL);

	if (abs == NULL) {
		ctl_warn("%s", path);
		return NULL;
	}
	/* realpath mallocs; hand back memory from our allocator family all the same. */
	char *copy = xstrdup(abs);
	free(abs);
	return copy;
}

char *
path_join(const char *a, const char *b)
{
	size_t len = strlen(a);

	if (len > 0 && a[len - 1] == '/')
		return xasprintf("%s%s", a, b);
	return xasprintf("%s/%s", a, b);
}

char *
exe_dir(void)
{
	char buf[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
	char *slash;

	if (n <= 0)
		return NULL;
	buf[n] = '\0';
	slash = strrchr(buf, '/');
	if (slash == NULL)
		return NULL;
	*slash = '\0';
	return xstrdup(buf[0] != '\0' ? buf : "/");
}

bool
path_plain(const char *s)
{
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c <= ' ' || c == 0x7f || c == '\'' || c == '"' || c == '\\')
			return false;
	}
	return true;
}

/* Prints s with control characters as '?', then pad spaces. */
static void
table_cell(FILE *f, const char *s, int pad)
{
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		fputc(c < 0x20 || c == 0x7f ? '?' : c, f);
	}
	while (pad-- > 0)
		fputc(' ', f);
}

void
table_print(FILE *f, const char *const *cells, int rows, int cols)
{
	int *width = xcalloc((size_t)cols, sizeof *width);

	for (int r = 0; r < rows; r++)
		for (int c = 0; c < cols; c++) {
			int w = utf8_width(cells[r * cols + c]);
			if (w > width[c])
				width[c] = w;
		}
	for (int r = 0; r < rows; r++) {
		for (int c = 0; c < cols; c++) {
			const char *s = cells[r * cols + c];
			bool last = c == cols - 1;

			table_cell(f, s, last ? 0 : width[c] - utf8_width(s) + 2);
		}
		fputc('\n', f);
	}
	free(width);
}

void
secret_generate(char *buf, size_t len)
{
	static const char alphabet[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

	for (size_t i = 0; i < len; i++)
		buf[i] = alphabet[randombytes_uniform(sizeof alphabet - 1)];
	buf[len] = '\0';
}

void
secret_free(char *s)
{
	if (s == NULL)
		return;
	sodium_memzero(s, strlen(s));
	free(s);
}
