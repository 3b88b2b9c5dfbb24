/* The terminal layer: curses set-up, colour roles, width-aware text, key input. Nothing else in
 * the client calls curses. */
#include "config.h"

#define NCURSES_WIDECHAR 1
#include "draw.h"

#include <curses.h>
#include <langinfo.h>
#include <stdlib.h>
#include <string.h>

#include "keymap.h"
#include "utf8.h"
#include "xmalloc.h"

struct draw_role_def {
	short fg, bg;
	attr_t attr, mono;
};

static const struct draw_role_def draw_roles[ROLE_COUNT] = {
#define DRAW_ROLE_DEF(name, f, b, a, m)                                                            \
	[ROLE_##name] = { .fg = (f), .bg = (b), .attr = (a), .mono = (m) },
	DRAW_ROLES(DRAW_ROLE_DEF)
#undef DRAW_ROLE_DEF
};

/* Terminal state is process-wide in curses itself; these mirror it and are private here. */
static bool draw_has_colour;
/* The locale's encoding is UTF-8, where a byte under 0x80 is always that character. */
static bool draw_utf8;
static int draw_cursor_y = -1, draw_cursor_x = -1;

int
draw_init(void)
{
	if (initscr() == NULL)
		return -1;
	draw_utf8 = strcmp(nl_langinfo(CODESET), "UTF-8") == 0;
	/* raw, not cbreak: Ctrl-S must reach us (submit) rather than stop the terminal. */
	raw();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	/* Esc cancels: wait only briefly for the rest of an escape sequence. */
	set_escdelay(100);
	curs_set(0);
	if (has_colors()) {
		start_color();
		use_default_colors();
		draw_has_colour = true;
		for (int r = 1; r < ROLE_COUNT; r++)
			init_pair((short)r, draw_roles[r].fg, draw_roles[r].bg);
	}
	return 0;
}

void
draw_fini(void)
{
	if (!isendwin())
		endwin();
}

void
draw_size(int *lines, int *cols)
{
	*lines = LINES;
	*cols = COLS;
}

void
draw_begin(void)
{
	draw_cursor_y = draw_cursor_x = -1;
	erase();
}

void
draw_end(void)
{
	if (draw_cursor_y >= 0) {
		move(draw_cursor_y, draw_cursor_x);
		curs_set(1);
	} else {
		curs_set(0);
	}
	refresh();
}

void
draw_invalidate(void)
{
	clearok(curscr, TRUE);
}

void
draw_cursor(int y, int x)
{
	draw_cursor_y = y;
	draw_cursor_x = x;
}

static void
draw_set_role(enum draw_role role)
{
	const struct draw_role_def *d = &draw_roles[role];

	if (draw_has_colour)
		attr_set(d->attr, (short)role, NULL);
	else
		attr_set(d->mono, 0, NULL);
}

int
draw_wcwidth(wchar_t c)
{
	int w = wcwidth(c);

	return w < 0 ? 1 : w;
}

int
draw_wtext(int y, int x, int width, enum draw_role role, const wchar_t *ws, size_t n, bool pad)
{
	wchar_t stackbuf[256], *buf = stackbuf;
	size_t k = 0;
	int used = 0;

	if (width <= 0 || y < 0 || y >= LINES || x < 0 || x >= COLS)
		return 0;
	if (x + width > COLS)
		width = COLS - x;
	if (n > sizeof stackbuf / sizeof stackbuf[0])
		buf = xcalloc(n, sizeof *buf);
	for (size_t i = 0; i < n; i++) {
		wchar_t c = ws[i];
		int w;

		if (c >= 0x20 && c < 0x7f) {
			w = 1; /* printable ASCII: most of what is drawn */
		} else {
			/* Control characters would move the cursor or start an escape
			 * sequence. */
			if (c < 0x20 || (c >= 0x7f && c < 0xa0) || wcwidth(c) < 0)
				c = L'?';
			w = wcwidth(c);
		}
		if (used + w > width)
			break;
		if (w == 0 && used == 0)
			continue; /* a combining mark with nothing to combine with */
		buf[k++] = c;
		used += w;
	}
	draw_set_role(role);
	move(y, x);
	/* One call for the whole text: curses' per-call work is not repeated per character. */
	if (k > 0)
		addnwstr(buf, (int)k);
	if (pad && used < width)
		hline(' ', width - used);
	attr_set(A_NORMAL, 0, NULL);
	if (buf != stackbuf)
		free(buf);
	return pad ? width : used;
}

int
draw_text(int y, int x, int width, enum draw_role role, const char *s, bool pad)
{
	wchar_t stackbuf[256], *buf = stackbuf;
	size_t n = 0, len = s != NULL ? strlen(s) : 0;
	mbstate_t st;
	int used;

	stackbuf[0] = L'\0';
	if (len >= sizeof stackbuf / sizeof stackbuf[0])
		buf = xcalloc(len + 1, sizeof *buf);
	memset(&st, 0, sizeof st);
	while (len > 0) {
		wchar_t wc;
		size_t k;

		if (draw_utf8 && (unsigned char)*s < 0x80) {
			buf[n++] = (wchar_t)(unsigned char)*s++;
			len--;
			continue;
		}
		k = mbrtowc(&wc, s, len, &st);
		/* Invalid bytes become '?' one by one (utf8_width counts them so as well). */
		if (k == (size_t)-1 || k == (size_t)-2 || k == 0) {
			wc = L'?';
			k = 1;
			memset(&st, 0, sizeof st);
		}
		buf[n++] = wc;
		s += k;
		len -= k;
	}
	used = draw_wtext(y, x, width, role, buf, n, pad);
	if (buf != stackbuf)
		free(buf);
	return used;
}

void
draw_cell(int y, int x, int width, enum draw_role role, const char *s)
{
	draw_cell_known(y, x, width, role, s, width > 0 ? utf8_width(s) : 0);
}

void
draw_cell_known(int y, int x, int width, enum draw_role role, const char *s, int swidth)
{
	if (width <= 0)
		return;
	if (swidth <= width) {
		draw_text(y, x, width, role, s, true);
		return;
	}
	draw_text(y, x, width - 1, role, s, true);
	draw_text(y, x + width - 1, 1, role, "~", false);
}

void
draw_fill(int y, int x, int width, enum draw_role role)
{
	if (width <= 0 || y < 0 || y >= LINES || x < 0 || x >= COLS)
		return;
	if (x + width > COLS)
		width = COLS - x;
	draw_set_role(role);
	mvhline(y, x, ' ', width);
	attr_set(A_NORMAL, 0, NULL);
}

/* Keys of an escape sequence curses did not know. The terminal type of an SSH session often
 * does not quite match the terminal (xterm's terminfo inside tmux or screen, say); without
 * this, End would arrive as Esc [ 4 ~ and the Esc alone would cancel a form. */
static uint32_t
draw_csi_key(const char *params, wint_t final)
{
	int n = atoi(params);

	switch (final) {
	case 'A':
		return KFN(KEY_UP);
	case 'B':
		return KFN(KEY_DOWN);
	case 'C':
		return KFN(KEY_RIGHT);
	case 'D':
		return KFN(KEY_LEFT);
	case 'H':
		return KFN(KEY_HOME);
	case 'F':
		return KFN(KEY_END);
	case 'Z':
		return KFN(KEY_BTAB);
	case '~':
		break;
	default:
		return 0;
	}
	switch (n) {
	case 1:
	case 7:
		return KFN(KEY_HOME);
	case 4:
	case 8:
		return KFN(KEY_END);
	case 3:
		return KFN(KEY_DC);
	case 5:
		return KFN(KEY_PPAGE);
	case 6:
		return KFN(KEY_NPAGE);
	}
	if (n >= 11 && n <= 15)
		return KFN(KEY_F(n - 10));
	if (n >= 17 && n <= 21)
		return KFN(KEY_F(n - 11));
	if (n >= 23 && n <= 24)
		return KFN(KEY_F(n - 12));
	return 0;
}

/* After an Esc that curses returned as a plain character: the key of the sequence that
 * follows it at once, 0 for an unknown one (dropped), or KC_ESC when Esc was pressed. */
static uint32_t
draw_escape(void)
{
	char params[16];
	size_t n = 0;
	wint_t ch;

	if (get_wch(&ch) != OK)
		return KC_ESC; /* nothing follows: a real Esc */
	if (ch == 'O') {
		if (get_wch(&ch) != OK)
			return 0;
		switch (ch) {
		case 'P':
		case 'Q':
		case 'R':
		case 'S':
			return KFN(KEY_F(1 + (int)(ch - 'P')));
		case 'M':
			return KC_CR;
		default:
			return draw_csi_key("", ch);
		}
	}
	if (ch != '[') {
		unget_wch((wchar_t)ch); /* Alt+key: the key comes next, after this Esc */
		return KC_ESC;
	}
	while (get_wch(&ch) == OK) {
		if (n == 0 && ch == '[') { /* the Linux console's F1-F5: Esc [ [ A */
			if (get_wch(&ch) == OK && ch >= 'A' && ch <= 'E')
				return KFN(KEY_F(1 + (int)(ch - 'A')));
			return 0;
		}
		if (ch >= 0x40 && ch <= 0x7e) {
			params[n] = '\0';
			return draw_csi_key(params, ch);
		}
		if (n + 1 < sizeof params)
			params[n++] = (char)ch;
	}
	return 0;
}

int
draw_read_key(uint32_t *key)
{
	wint_t ch;
	int rc;

	for (;;) {
		rc = get_wch(&ch);
		if (rc == ERR)
			return 0;
		if (rc == KEY_CODE_YES) {
			*key = KFN(ch);
			return 1;
		}
		if (ch != KC_ESC) {
			*key = (uint32_t)ch;
			return 1;
		}
		if ((*key = draw_escape()) != 0)
			return 1;
	}
}
