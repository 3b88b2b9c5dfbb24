/* kuractl's small helpers: messages, files holding secrets, generated passwords, paths. */
#ifndef KURA_CTL_UTIL_H
#define KURA_CTL_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

/* "kuractl: MSG" on stderr. */
void ctl_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "kuractl: MSG: strerror(errno)" on stderr. */
void ctl_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Reads a whole file (at most max bytes) into an owned NUL-terminated string. Returns 0,
 * ERR_NOT_FOUND (no such file, errno ENOENT) or ERR_INTERNAL (reported). */
int file_read(const char *path, size_t max, char **out);
/* Reads the first line of a file, without its newline; like file_read. */
int file_read_line(const char *path, char **out);
/* Replaces path atomically (temporary file, fsync, rename) with data, mode 0600 or as given,
 * never following a symlink. Returns 0 or ERR_INTERNAL (reported). */
int file_write(const char *path, const char *data, mode_t mode);
bool file_exists(const char *path);
/* The last lines of a text file from byte from on, on stderr, each indented; for a log
 * after a failure. */
void file_print_tail(const char *path, int lines, long from);

/* Creates path and its missing parents (mode for the ones it creates). Returns 0 or
 * ERR_INTERNAL (reported). */
int dir_make(const char *path, mode_t mode);
/* Owned absolute form of an existing path, or NULL (reported). */
char *path_absolute(const char *path);
/* Owned "a/b", without doubling a slash. */
char *path_join(const char *a, const char *b);
/* Owned directory of the running kuractl executable, or NULL. */
char *exe_dir(void);
/* True when s can go into a conninfo and postgresql.conf without quoting: no space, quote,
 * backslash or control character. */
bool path_plain(const char *s);

/* Prints a table: cells holds rows * cols strings, row by row, the first row the heading.
 * Columns are padded by display width (wide characters take two); control characters in a
 * cell are shown as '?', so data cannot drive the terminal. */
void table_print(FILE *f, const char *const *cells, int rows, int cols);

/* Fills buf with len random letters and digits and a NUL (buf has len + 1 bytes). */
void secret_generate(char *buf, size_t len);
/* Frees a string holding a secret after wiping it; NULL is fine. */
void secret_free(char *s);

#endif
