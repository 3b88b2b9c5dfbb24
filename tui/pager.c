/* The pager: paragraphs laid out into lines for the width at hand, then scrolled. */
#include "config.h"

#include "pager.h"

#include <stdlib.h>
#include <string.h>

#include "text.h"
#include "xmalloc.h"

void
pager_init(struct pager *p, int label_w)
{
	memset(p, 0, sizeof *p);
	p->label_w = label_w;
}

void
pager_clear(struct pager *p, bool keep_top)
{
	for (size_t i = 0; i < p->npara; i++) {
		free(p->paras[i].label);
		free(p->paras[i].text);
	}
	p->npara = 0;
	free(p->lines);
	p->lines = NULL;
	p->nlines = 0;
	p->laid_w = 0;
	if (!keep_top)
		p->top = 0;
}

void
pager_fini(struct pager *p)
{
	pager_clear(p, false);
	free(p->paras);
	p->paras = NULL;
	p->cap = 0;
}

void
pager_add(struct pager *p, int indent, enum draw_role label_role, const char *label,
          enum draw_role role, const char *text)
{
	struct pager_para *pp;

	if (p->npara == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 32;
		p->paras = xrealloc(p->paras, p->cap * sizeof *p->paras);
	}
	pp = &p->paras[p->npara++];
	pp->label = label != NULL ? xstrdup(label) : NULL;
	pp->text = xstrdup(text != NULL ? text : "");
	pp->label_role = label_role;
	pp->role = role;
	pp->indent = indent;
	p->laid_w = 0;
}

void
pager_blank(struct pager *p)
{
	pager_add(p, 0, ROLE_NORMAL, NULL, ROLE_NORMAL, "");
}

static int
pager_text_col(const struct pager *p, const struct pager_para *pp)
{
	return pp->indent + (pp->label != NULL ? p->label_w : 0);
}

/* Splits every paragraph into lines for width columns (the label column included). */
static void
pager_layout(struct pager *p, int width)
{
	size_t cap = p->npara + 16;

	free(p->lines);
	p->lines = xmalloc(cap * sizeof *p->lines);
	p->nlines = 0;
	for (size_t i = 0; i < p->npara; i++) {
		const struct pager_para *pp = &p->paras[i];
		int w = width - pager_text_col(p, pp);
		size_t off = 0, total = strlen(pp->text);
		bool first = true;

		do {
			size_t next, len = text_wrap(pp->text + off, w, &next);

			if (p->nlines == cap) {
				cap *= 2;
				p->lines = xrealloc(p->lines, cap * sizeof *p->lines);
			}
			p->lines[p->nlines++] = (struct pager_line){
				.para = i, .off = off, .len = len, .first = first
			};
			first = false;
			off += next;
		} while (off < total);
	}
	p->laid_w = width;
}

static void
pager_clamp(struct pager *p)
{
	int max = (int)p->nlines - p->height;

	if (p->top > max)
		p->top = max;
	if (p->top < 0)
		p->top = 0;
}

void
pager_draw(struct pager *p, const struct draw_rect *r)
{
	if (p->laid_w != r->w)
		pager_layout(p, r->w);
	p->height = r->h;
	pager_clamp(p);
	for (int y = 0; y < r->h && (size_t)(p->top + y) < p->nlines; y++) {
		const struct pager_line *l = &p->lines[p->top + y];
		const struct pager_para *pp = &p->paras[l->para];
		int col = pager_text_col(p, pp);
		char *piece = xstrndup(pp->text + l->off, l->len);

		if (l->first && pp->label != NULL)
			draw_text(r->y + y, r->x + pp->indent, p->label_w - 1, pp->label_role,
			          pp->label, false);
		draw_text(r->y + y, r->x + col, r->w - col, pp->role, piece, false);
		free(piece);
	}
	if ((int)p->nlines > r->h) {
		char pos[64];
		int w;

		snprintf(pos, sizeof pos, " %d-%d / %zu ", p->top + 1,
		         p->top + r->h < (int)p->nlines ? p->top + r->h : (int)p->nlines,
		         p->nlines);
		w = (int)strlen(pos);
		draw_text(r->y + r->h - 1, r->x + r->w - w, w, ROLE_HINT, pos, false);
	}
}

bool
pager_key(struct pager *p, enum action act)
{
	int page = p->height > 1 ? p->height - 1 : 1;

	switch (act) {
	case ACT_UP:
		p->top--;
		break;
	case ACT_DOWN:
		p->top++;
		break;
	case ACT_PAGE_UP:
		p->top -= page;
		break;
	case ACT_PAGE_DOWN:
		p->top += page;
		break;
	case ACT_TOP:
		p->top = 0;
		break;
	case ACT_BOTTOM:
		p->top = (int)p->nlines;
		break;
	default:
		return false;
	}
	pager_clamp(p);
	return true;
}
