/* An editable text field of wide characters: the sign-in, intake and search inputs. Editing
 * works on whole characters and the cursor sits at the display width before it, so Japanese
 * input (two columns a character) edits and shows correctly. */
#ifndef KURA_FIELD_H
#define KURA_FIELD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <wchar.h>

#include "draw.h"
#include "keymap.h"

struct field {
	wchar_t *text; /* owned; len characters, not NUL-terminated */
	size_t len, cap;
	size_t cur;     /* cursor: index of the character it is before */
	size_t maxlen;  /* characters allowed */
	bool multiline; /* Enter makes a new line; long lines wrap */
	bool secret;    /* shown as one '*' a character */
	int scroll;     /* one line: first column shown; multi-line: first row shown */
	int width;      /* columns at the last draw, for moving up and down */
	int want_col;   /* column that up/down aim for; -1 when unset */
};

enum field_result {
	FIELD_IGNORED, /* not an editing key */
	FIELD_CHANGED, /* the text changed */
	FIELD_MOVED,   /* only the cursor moved */
	FIELD_EDGE_UP, /* up on the first line: the form may go to the previous field */
	FIELD_EDGE_DOWN,
};

void field_init(struct field *f, bool multiline, size_t maxlen);
/* Frees the text, overwriting it first (it may be a password). */
void field_fini(struct field *f);
void field_clear(struct field *f);
bool field_empty(const struct field *f);
/* Replaces the text with s (UTF-8; borrowed); the cursor goes to the end. */
void field_set(struct field *f, const char *s);
/* The text as UTF-8, returned owned (free it; wipe it first if secret). */
char *field_get(const struct field *f);

/* Applies an editing action, or inserts key when act is ACT_NONE and key is a printable
 * character (or Enter in a multi-line field when act is ACT_ENTER). */
enum field_result field_edit(struct field *f, enum action act, uint32_t key);

/* Draws the field in the rectangle (h rows for multi-line, else 1) and, when active, puts the
 * terminal cursor at the field's cursor. */
void field_draw(struct field *f, const struct draw_rect *r, bool active);

#endif
