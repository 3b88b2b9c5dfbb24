/* Text for printing: documents built line by line with columns padded by display width (so
 * Japanese lines up on paper too), saved to a file or handed to lp. No curses here. */
#ifndef KURA_PRINT_H
#define KURA_PRINT_H

#include <stdbool.h>
#include <stddef.h>

#define PRINT_WIDTH 78 /* columns of a printed line: fits A4 portrait in a 10-pitch font */

struct print_doc {
	char *text; /* owned; NUL-terminated */
	size_t len, cap;
};

void print_init(struct print_doc *d);
void print_fini(struct print_doc *d);
/* Appends one line (printf format; a newline is added). */
void print_line(struct print_doc *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends a line of n cells, each padded or cut (with '~') to widths[i] display columns and
 * separated by two spaces; the last cell is neither padded nor cut. cells: borrowed, NULL
 * prints "-". */
void print_cells(struct print_doc *d, size_t n, const int *widths, const char *const *cells);
/* Appends "label  value" with the label padded to label_w columns; a value with several
 * lines continues under the first. */
void print_field(struct print_doc *d, int label_w, const char *label, const char *value);
/* Appends a line of width copies of c. */
void print_rule(struct print_doc *d, int width, char c);

/* s in exactly width display columns into out (padded with spaces; cut with '~' when it does
 * not fit). s: borrowed. Returns out. */
const char *print_cell(const char *s, int width, char *out, size_t size);

/* ~/kura-print/NAME, returned owned (NAME: borrowed, e.g. "2611-00042-sheet.txt"). */
char *print_default_path(const char *name);
/* Writes text to path ("~/" is the home directory), making missing directories (0700) and
 * the file 0600: printed records hold personal data. Returns 0, or -1 with a reason in
 * why. The full path written goes to done (may be NULL). */
int print_save(const char *text, const char *path, char *done, size_t donelen, char *why,
               size_t whylen);
/* True when an lp command is on PATH. */
bool print_have_lp(void);
/* Hands text to lp (through a private temporary file, removed afterwards). Returns 0 with
 * lp's answer (its request id) in msg, or -1 with the reason. */
int print_lp(const char *text, char *msg, size_t msglen);

#endif
