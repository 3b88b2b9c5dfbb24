/* Text fields: editing by whole wide characters, wrapping and scrolling by display width. */
#include "config.h"

#include "field.h"

#include <stdlib.h>
#include <string.h>

#include "xmalloc.h"

void
field_init(struct field *f, bool multiline, size_t maxlen)
{
	memset(f, 0, sizeof *f);
	f->multiline = multiline;
	f->maxlen = maxlen;
	f->want_col = -1;
}

void
field_fini(struct field *f)
{
	if (f->text != NULL)
		memset(f->text, 0, f->cap * sizeof *f->text);
	free(f->text);
	f->text = NULL;
	f->len = f->cap = f->cur = 0;
}

void
field_clear(struct field *f)
{
	if (f->text != NULL)
		memset(f->text, 0, f->cap * sizeof *f->text);
	f->len = f->cur = 0;
	f->scroll = 0;
	f->want_col = -1;
}

bool
field_empty(const struct field *f)
{
	for (size_t i = 0; i < f->len; i++)
		if (f->text[i] != L' ' && f->text[i] != L'\n' && f->text[i] != L'\t' &&
		    f->text[i] != 0x3000 /* ideographic space */)
			return false;
	return true;
}

static bool
field_insert(struct field *f, wchar_t c)
{
	if (f->len >= f->maxlen)
		return false;
	if (f->len == f->cap) {
		size_t ncap = f->cap ? f->cap * 2 : 32;
		wchar_t *n = xcalloc(ncap, sizeof *n);

		/* Grown by copying, not realloc, so a password never lingers in freed memory. */
		if (f->text != NULL) {
			memcpy(n, f->text, f->len * sizeof *n);
			memset(f->text, 0, f->cap * sizeof *f->text);
			free(f->text);
		}
		f->text = n;
		f->cap = ncap;
	}
	memmove(f->text + f->cur + 1, f->text + f->cur, (f->len - f->cur) * sizeof *f->text);
	f->text[f->cur++] = c;
	f->len++;
	return true;
}

static void
field_delete(struct field *f, size_t at, size_t n)
{
	memmove(f->text + at, f->text + at + n, (f->len - at - n) * sizeof *f->text);
	f->len -= n;
	memset(f->text + f->len, 0, n * sizeof *f->text);
}

void
field_set(struct field *f, const char *s)
{
	mbstate_t st;
	size_t len = strlen(s);

	field_clear(f);
	memset(&st, 0, sizeof st);
	while (len > 0) {
		wchar_t wc;
		size_t k = mbrtowc(&wc, s, len, &st);

		if (k == (size_t)-1 || k == (size_t)-2 || k == 0) {
			wc = L'?';
			k = 1;
			memset(&st, 0, sizeof st);
		}
		if (wc == L'\n' && !f->multiline)
			wc = L' ';
		field_insert(f, wc);
		s += k;
		len -= k;
	}
}

char *
field_get(const struct field *f)
{
	char *out = xmalloc(f->len * MB_CUR_MAX + 1), *p = out;
	mbstate_t st;

	memset(&st, 0, sizeof st);
	for (size_t i = 0; i < f->len; i++) {
		size_t k = wcrtomb(p, f->text[i], &st);
		if (k != (size_t)-1)
			p += k;
	}
	*p = '\0';
	return out;
}

static int
field_cw(const struct field *f, wchar_t c)
{
	return f->secret ? 1 : draw_wcwidth(c);
}

/* Where each character (and the end, index len) sits when lines wrap at width columns:
 * rows and cols hold len + 1 entries. One pass, so long notes stay cheap. */
static void
field_layout(const struct field *f, int width, int *rows, int *cols)
{
	int r = 0, c = 0;

	for (size_t i = 0; i < f->len; i++) {
		wchar_t ch = f->text[i];
		int w = ch == L'\n' ? 0 : field_cw(f, ch);

		if (ch != L'\n' && c + w > width && c > 0) {
			r++;
			c = 0;
		}
		rows[i] = r;
		cols[i] = c;
		if (ch == L'\n') {
			r++;
			c = 0;
		} else {
			c += w;
		}
	}
	if (c >= width) {
		r++;
		c = 0;
	}
	rows[f->len] = r;
	cols[f->len] = c;
}

/* Moves the cursor one visual row up or down in a multi-line field. */
static enum field_result
field_vertical(struct field *f, int dir)
{
	int width = f->width > 0 ? f->width : 80, target;
	int *rows = xcalloc(f->len + 1, sizeof *rows), *cols = xcalloc(f->len + 1, sizeof *cols);
	enum field_result res = FIELD_MOVED;
	size_t best = (size_t)-1;

	field_layout(f, width, rows, cols);
	if (f->want_col < 0)
		f->want_col = cols[f->cur];
	target = rows[f->cur] + dir;
	for (size_t i = 0; i <= f->len && target >= 0; i++) {
		if (rows[i] == target && (cols[i] <= f->want_col || best == (size_t)-1))
			best = i;
		if (rows[i] > target)
			break;
	}
	if (best == (size_t)-1)
		res = dir < 0 ? FIELD_EDGE_UP : FIELD_EDGE_DOWN;
	else
		f->cur = best;
	free(rows);
	free(cols);
	return res;
}

enum field_result
field_edit(struct field *f, enum action act, uint32_t key)
{
	size_t start;

	if (act != ACT_EDIT_UP && act != ACT_EDIT_DOWN)
		f->want_col = -1;
	switch (act) {
	case ACT_EDIT_LEFT:
		if (f->cur > 0)
			f->cur--;
		return FIELD_MOVED;
	case ACT_EDIT_RIGHT:
		if (f->cur < f->len)
			f->cur++;
		return FIELD_MOVED;
	case ACT_EDIT_HOME:
		while (f->cur > 0 && f->text[f->cur - 1] != L'\n')
			f->cur--;
		return FIELD_MOVED;
	case ACT_EDIT_END:
		while (f->cur < f->len && f->text[f->cur] != L'\n')
			f->cur++;
		return FIELD_MOVED;
	case ACT_EDIT_UP:
		return f->multiline ? field_vertical(f, -1) : FIELD_EDGE_UP;
	case ACT_EDIT_DOWN:
		return f->multiline ? field_vertical(f, 1) : FIELD_EDGE_DOWN;
	case ACT_EDIT_BACKSPACE:
		if (f->cur == 0)
			return FIELD_MOVED;
		f->cur--;
		field_delete(f, f->cur, 1);
		return FIELD_CHANGED;
	case ACT_EDIT_DELETE:
		if (f->cur == f->len)
			return FIELD_MOVED;
		field_delete(f, f->cur, 1);
		return FIELD_CHANGED;
	case ACT_EDIT_KILL:
		start = f->cur;
		while (start > 0 && f->text[start - 1] != L'\n')
			start--;
		field_delete(f, start, f->cur - start);
		f->cur = start;
		return FIELD_CHANGED;
	case ACT_ENTER:
		if (!f->multiline)
			return FIELD_IGNORED;
		return field_insert(f, L'\n') ? FIELD_CHANGED : FIELD_MOVED;
	case ACT_NONE:
		/* Printable characters only: control codes and curses keys are not text. */
		if ((key & KM_FN) != 0 || key < 0x20 || (key >= 0x7f && key < 0xa0) ||
		    key > 0x10ffff || (key == L'\t' && !f->multiline))
			return FIELD_IGNORED;
		return field_insert(f, (wchar_t)key) ? FIELD_CHANGED : FIELD_MOVED;
	default:
		return FIELD_IGNORED;
	}
}

/* One line: scrolls sideways so that the cursor stays visible. */
static void
field_draw_line(struct field *f, const struct draw_rect *r, enum draw_role role, bool active)
{
	int curcol = 0, col = 0, x = 0;

	for (size_t i = 0; i < f->cur; i++)
		curcol += field_cw(f, f->text[i]);
	if (curcol < f->scroll)
		f->scroll = curcol;
	if (curcol >= f->scroll + r->w)
		f->scroll = curcol - r->w + 1;
	draw_fill(r->y, r->x, r->w, role);
	for (size_t i = 0; i < f->len; i++) {
		wchar_t ch = f->secret ? L'*' : f->text[i];
		int w = field_cw(f, f->text[i]);

		if (col >= f->scroll && col + w <= f->scroll + r->w) {
			x = col - f->scroll;
			draw_wtext(r->y, r->x + x, w, role, &ch, 1, false);
		}
		col += w;
		if (col >= f->scroll + r->w)
			break;
	}
	if (active)
		draw_cursor(r->y, r->x + curcol - f->scroll);
}

void
field_draw(struct field *f, const struct draw_rect *r, bool active)
{
	enum draw_role role = active ? ROLE_FIELD_ACTIVE : ROLE_FIELD;
	int *rows, *cols, currow;

	f->width = r->w;
	if (!f->multiline || r->h <= 1) {
		field_draw_line(f, r, role, active);
		return;
	}
	rows = xcalloc(f->len + 1, sizeof *rows);
	cols = xcalloc(f->len + 1, sizeof *cols);
	field_layout(f, r->w, rows, cols);
	currow = rows[f->cur];
	if (currow < f->scroll)
		f->scroll = currow;
	if (currow >= f->scroll + r->h)
		f->scroll = currow - r->h + 1;
	for (int y = 0; y < r->h; y++)
		draw_fill(r->y + y, r->x, r->w, role);
	for (size_t i = 0; i < f->len; i++) {
		wchar_t ch = f->text[i];

		if (ch == L'\n' || rows[i] < f->scroll)
			continue;
		if (rows[i] >= f->scroll + r->h)
			break;
		draw_wtext(r->y + rows[i] - f->scroll, r->x + cols[i], r->w - cols[i], role, &ch, 1,
		           false);
	}
	if (active)
		draw_cursor(r->y + currow - f->scroll, r->x + cols[f->cur]);
	free(rows);
	free(cols);
}
