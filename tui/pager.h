/* A scrollable document of labelled paragraphs, wrapped by display width: the case view and
 * the help screen. Views fill it with data; pager_draw lays it out for the current width. */
#ifndef KURA_PAGER_H
#define KURA_PAGER_H

#include <stdbool.h>
#include <stddef.h>

#include "draw.h"
#include "keymap.h"

struct pager_para {
	char *label; /* owned; NULL: the text starts at the indent */
	char *text;  /* owned */
	enum draw_role label_role, role;
	int indent;
};

struct pager_line {
	size_t para;
	size_t off, len; /* bytes of the paragraph's text on this line */
	bool first;      /* the paragraph's first line: it shows the label */
};

struct pager {
	struct pager_para *paras; /* owned */
	size_t npara, cap;
	int label_w;              /* columns of the label column */
	struct pager_line *lines; /* owned; the layout for laid_w columns */
	size_t nlines;
	int laid_w;
	int top;    /* first line shown */
	int height; /* rows at the last draw, for paging */
};

void pager_init(struct pager *p, int label_w);
void pager_fini(struct pager *p);
/* Empties the document; keeps the scroll position when keep_top (a refresh). */
void pager_clear(struct pager *p, bool keep_top);
/* Adds a paragraph. label and text: borrowed, copied; label may be NULL. */
void pager_add(struct pager *p, int indent, enum draw_role label_role, const char *label,
               enum draw_role role, const char *text);
/* Adds an empty line. */
void pager_blank(struct pager *p);
void pager_draw(struct pager *p, const struct draw_rect *r);
/* Scrolls for a KM_MOVE action. Returns true when the action was one. */
bool pager_key(struct pager *p, enum action act);

#endif
