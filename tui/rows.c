/* Compact rows of text cells: a page of rows in one allocation, widths measured once. */
#include "config.h"

#include "rows.h"

#include <stdlib.h>
#include <string.h>

#include "utf8.h"
#include "xmalloc.h"

/* A cell byte: the display width of a cell kept in the text, or the index of a shared value.
 * ROWS_INLINE: a cell kept in the text whose width is measured when asked (a width of 255 or
 * more, or a shared column's value that found no room among the shared ones). */
#define ROWS_INLINE 255
/* Blocks above malloc's mmap threshold: mapped on their own, away from the heap's small
 * allocations, and only the pages written are resident. */
#define ROWS_BLOCK (256u << 10)

/* In a block: this header, then offs[nrows], cells[nrows * (ncols + 1)], then the text. */
struct rows_page {
	size_t first; /* the index of its first row in the list */
	size_t nrows;
	const uint32_t *offs;
	const uint8_t *cells;
	const char *text;
};

void
rows_init(struct rows *r, unsigned ncols, unsigned shared_mask)
{
	memset(r, 0, sizeof *r);
	r->ncols = ncols > ROWS_MAX_COLS ? ROWS_MAX_COLS : ncols;
	r->shared_mask = shared_mask;
}

void
rows_clear(struct rows *r)
{
	for (size_t i = 0; i < r->nblocks; i++)
		free(r->blocks[i]);
	r->nblocks = 0;
	r->block_used = r->block_size = 0;
	r->npages = 0;
	r->nrows = 0;
	r->staged = 0;
	r->text_len = 0;
}

void
rows_fini(struct rows *r)
{
	rows_clear(r);
	free(r->pages);
	free(r->blocks);
	for (size_t i = 0; i < r->nshared; i++)
		free(r->shared[i].text);
	free(r->shared);
	free(r->text);
	free(r->cells);
	free(r->offs);
	memset(r, 0, sizeof *r);
}

/* The index of s among the shared values, added when new; ROWS_INLINE when there is no room. */
static unsigned
rows_share(struct rows *r, const char *s)
{
	for (size_t i = 0; i < r->nshared; i++)
		if (strcmp(r->shared[i].text, s) == 0)
			return (unsigned)i;
	if (r->nshared == ROWS_INLINE)
		return ROWS_INLINE;
	r->shared = xrealloc(r->shared, (r->nshared + 1) * sizeof *r->shared);
	r->shared[r->nshared].text = xstrdup(s);
	r->shared[r->nshared].width = utf8_width(s);
	return (unsigned)r->nshared++;
}

/* Appends s with its terminating NUL to the text of the page being built. */
static void
rows_put_text(struct rows *r, const char *s)
{
	size_t n = strlen(s) + 1;

	if (r->text_len + n > r->text_cap) {
		while (r->text_len + n > r->text_cap)
			r->text_cap = r->text_cap ? r->text_cap * 2 : 4096;
		r->text = xrealloc(r->text, r->text_cap);
	}
	memcpy(r->text + r->text_len, s, n);
	r->text_len += n;
}

void
rows_add(struct rows *r, const char *const *cells, unsigned tag)
{
	unsigned stride = r->ncols + 1;
	uint8_t *cb;

	if (r->staged == r->staged_cap) {
		r->staged_cap = r->staged_cap ? r->staged_cap * 2 : 64;
		r->cells = xrealloc(r->cells, r->staged_cap * stride);
		r->offs = xrealloc(r->offs, r->staged_cap * sizeof *r->offs);
	}
	cb = r->cells + r->staged * stride;
	r->offs[r->staged] = (uint32_t)r->text_len;
	for (unsigned c = 0; c < r->ncols; c++) {
		const char *s = cells[c] != NULL ? cells[c] : "";
		unsigned b;

		if (r->shared_mask & (1u << c)) {
			b = rows_share(r, s);
		} else {
			int w = utf8_width(s);
			b = w < ROWS_INLINE ? (unsigned)w : ROWS_INLINE;
		}
		if (b == ROWS_INLINE || !(r->shared_mask & (1u << c)))
			rows_put_text(r, s);
		cb[c] = (uint8_t)b;
	}
	cb[r->ncols] = (uint8_t)tag;
	r->staged++;
}

void
rows_end_page(struct rows *r)
{
	size_t n = r->staged, stride = r->ncols + 1, offs = n * sizeof(uint32_t);
	/* Rounded up so that the next page's header is aligned. */
	size_t need =
	    (sizeof(struct rows_page) + offs + n * stride + r->text_len + 15) & ~(size_t)15;
	struct rows_page *p;
	char *mem;

	if (n == 0)
		return;
	if (r->nblocks == 0 || r->block_used + need > r->block_size) {
		if (r->nblocks == r->blocks_cap) {
			r->blocks_cap = r->blocks_cap ? r->blocks_cap * 2 : 16;
			r->blocks = xrealloc(r->blocks, r->blocks_cap * sizeof *r->blocks);
		}
		r->block_size = need > ROWS_BLOCK ? need : ROWS_BLOCK;
		r->blocks[r->nblocks++] = xmalloc(r->block_size);
		r->block_used = 0;
	}
	mem = r->blocks[r->nblocks - 1] + r->block_used;
	r->block_used += need;
	p = (struct rows_page *)mem;
	memcpy(mem + sizeof *p, r->offs, offs);
	memcpy(mem + sizeof *p + offs, r->cells, n * stride);
	memcpy(mem + sizeof *p + offs + n * stride, r->text, r->text_len);
	*p = (struct rows_page){
		.first = r->nrows,
		.nrows = n,
		.offs = (const uint32_t *)(mem + sizeof *p),
		.cells = (const uint8_t *)(mem + sizeof *p + offs),
		.text = mem + sizeof *p + offs + n * stride,
	};
	if (r->npages == r->pages_cap) {
		r->pages_cap = r->pages_cap ? r->pages_cap * 2 : 16;
		r->pages = xrealloc(r->pages, r->pages_cap * sizeof *r->pages);
	}
	r->pages[r->npages++] = p;
	r->nrows += n;
	r->staged = 0;
	r->text_len = 0;
}

/* The page holding row i (< nrows), by binary search on the pages' first rows. */
static const struct rows_page *
rows_page_of(const struct rows *r, size_t i)
{
	size_t lo = 0, hi = r->npages;

	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (r->pages[mid]->first <= i)
			lo = mid;
		else
			hi = mid;
	}
	return r->pages[lo];
}

const char *
rows_cell(const struct rows *r, size_t i, unsigned col, int *width)
{
	const struct rows_page *p;
	const uint8_t *cb;
	const char *s;
	size_t k;

	if (i >= r->nrows || col >= r->ncols) {
		if (width != NULL)
			*width = 0;
		return "";
	}
	p = rows_page_of(r, i);
	k = i - p->first;
	cb = p->cells + k * (r->ncols + 1);
	if ((r->shared_mask & (1u << col)) && cb[col] != ROWS_INLINE) {
		if (width != NULL)
			*width = r->shared[cb[col]].width;
		return r->shared[cb[col]].text;
	}
	/* The cells kept in the text follow one another, each with its NUL. */
	s = p->text + p->offs[k];
	for (unsigned c = 0; c < col; c++)
		if (!(r->shared_mask & (1u << c)) || cb[c] == ROWS_INLINE)
			s += strlen(s) + 1;
	if (width != NULL)
		*width = cb[col] != ROWS_INLINE ? cb[col] : utf8_width(s);
	return s;
}

unsigned
rows_tag(const struct rows *r, size_t i)
{
	const struct rows_page *p;

	if (i >= r->nrows)
		return 0;
	p = rows_page_of(r, i);
	return p->cells[(i - p->first) * (r->ncols + 1) + r->ncols];
}
