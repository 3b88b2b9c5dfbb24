/* The only module that calls curses: the terminal, named colour roles, and text drawn by display
 * width so that Japanese text lines up in columns. Views describe; this layer paints. */
#ifndef KURA_DRAW_H
#define KURA_DRAW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <wchar.h>

/* Colour roles: views name what a thing is, draw.c decides how it looks (htop's CRT roles).
 * X(name, foreground, background, attributes with colour, attributes without) */
#define DRAW_ROLES(X)                                                                              \
	X(NORMAL, -1, -1, 0, 0)                                                                    \
	X(LEVEL_LOW, COLOR_BLACK, COLOR_GREEN, 0, 0)                                               \
	X(LEVEL_MEDIUM, COLOR_BLACK, COLOR_YELLOW, 0, A_UNDERLINE)                                 \
	X(LEVEL_HIGH, COLOR_WHITE, COLOR_MAGENTA, A_BOLD, A_BOLD)                                  \
	X(LEVEL_CRITICAL, COLOR_WHITE, COLOR_RED, A_BOLD, A_REVERSE | A_BOLD)                      \
	X(TITLE, COLOR_WHITE, COLOR_BLUE, A_BOLD, A_REVERSE)                                       \
	X(STATUS, COLOR_BLACK, COLOR_CYAN, 0, A_REVERSE)                                           \
	X(STATUS_USER, COLOR_BLACK, COLOR_CYAN, A_BOLD, A_REVERSE | A_BOLD)                        \
	X(STATUS_OK, COLOR_WHITE, COLOR_GREEN, A_BOLD, A_REVERSE)                                  \
	X(STATUS_WAIT, COLOR_BLACK, COLOR_YELLOW, A_BOLD, A_REVERSE | A_BLINK)                     \
	X(STATUS_BAD, COLOR_WHITE, COLOR_RED, A_BOLD, A_REVERSE | A_BOLD)                          \
	X(HEADER, -1, -1, A_BOLD | A_UNDERLINE, A_BOLD | A_UNDERLINE)                              \
	X(CURSOR, COLOR_BLACK, COLOR_CYAN, 0, A_REVERSE)                                           \
	X(SECTION, COLOR_YELLOW, -1, A_BOLD, A_BOLD | A_UNDERLINE)                                 \
	X(LABEL, COLOR_CYAN, -1, 0, 0)                                                             \
	X(REQUIRED, COLOR_RED, -1, A_BOLD, A_BOLD)                                                 \
	X(VALUE, -1, -1, A_BOLD, A_BOLD)                                                           \
	X(FIELD, -1, -1, A_UNDERLINE, A_UNDERLINE)                                                 \
	X(FIELD_ACTIVE, COLOR_WHITE, COLOR_BLUE, 0, A_REVERSE)                                     \
	X(MASKED, COLOR_MAGENTA, -1, 0, A_DIM)                                                     \
	X(HINT, -1, -1, A_DIM, A_DIM)                                                              \
	X(KEY, COLOR_YELLOW, -1, A_BOLD, A_BOLD)                                                   \
	X(INFO, COLOR_GREEN, -1, A_BOLD, A_BOLD)                                                   \
	X(ERROR, COLOR_WHITE, COLOR_RED, A_BOLD, A_REVERSE | A_BOLD)                               \
	X(BIG, COLOR_YELLOW, -1, A_BOLD, A_BOLD | A_UNDERLINE)

enum draw_role {
#define DRAW_ROLE_ENUM(name, fg, bg, attr, mono) ROLE_##name,
	DRAW_ROLES(DRAW_ROLE_ENUM)
#undef DRAW_ROLE_ENUM
	    ROLE_COUNT
};

/* A part of the screen given to a view. */
struct draw_rect {
	int y, x, h, w;
};

/* Sets the terminal up (the locale must already be set). Returns 0 or -1. */
int draw_init(void);
void draw_fini(void);
/* Screen size in lines and columns. */
void draw_size(int *lines, int *cols);

/* A frame: draw_begin clears, views paint, draw_end shows the result in one update. */
void draw_begin(void);
void draw_end(void);
/* Makes the next frame repaint every character (Ctrl-L: the screen was disturbed). */
void draw_invalidate(void);
/* Leaves the terminal cursor at (y, x) after this frame; without a call it is hidden. */
void draw_cursor(int y, int x);

/* Draws s (UTF-8; borrowed) at (y, x) in at most width columns, never splitting a character;
 * when pad, fills the rest of width with spaces in role. Control characters and invalid bytes
 * are shown as '?', so data can never drive the terminal. Returns the columns used. */
int draw_text(int y, int x, int width, enum draw_role role, const char *s, bool pad);
/* A table cell: s in exactly width columns, padded, and cut with a '~' in its last column
 * when it does not fit (an ASCII mark: "…" is two columns on many Japanese terminals). */
void draw_cell(int y, int x, int width, enum draw_role role, const char *s);
/* The same for s whose display width (utf8_width) is known already: swidth. */
void draw_cell_known(int y, int x, int width, enum draw_role role, const char *s, int swidth);
/* The same as draw_text for n wide characters of ws (borrowed). */
int draw_wtext(int y, int x, int width, enum draw_role role, const wchar_t *ws, size_t n, bool pad);
/* Fills width columns at (y, x) with spaces in role. */
void draw_fill(int y, int x, int width, enum draw_role role);

/* Reads one key without waiting: 1 with *key set (see keymap.h for the encoding), 0 when none
 * is pending. A terminal resize is reported as KFN(KEY_RESIZE). */
int draw_read_key(uint32_t *key);

/* The display width of one wide character (control characters count one, as drawn). */
int draw_wcwidth(wchar_t c);

#endif
