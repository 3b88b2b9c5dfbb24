/* Rows of text cells kept compactly, for lists of 100 000 rows: each page of rows (as one
 * reply brings them) is one piece of memory holding the rows and their text, pages are packed
 * into large blocks (kept apart from the small allocations that come and go with each reply, so
 * the heap does not fill with holes between pages), a column of few distinct values (a stage)
 * keeps each value once, and every cell's display width is measured once, when it arrives, not
 * at every repaint. No curses here. */
#ifndef KURA_ROWS_H
#define KURA_ROWS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ROWS_MAX_COLS 8

struct rows_page;

/* A distinct value of a shared column, owned by the rows. */
struct rows_shared {
	char *text;
	int width;
};

struct rows {
	unsigned ncols;
	unsigned shared_mask;     /* bit c set: column c has few distinct values, kept once */
	struct rows_page **pages; /* npages of them, in the blocks */
	size_t npages, pages_cap;
	char **blocks; /* owned, nblocks of them; pages are carved from the last */
	size_t nblocks, blocks_cap, block_used, block_size;
	size_t nrows;               /* rows in the pages */
	struct rows_shared *shared; /* owned, nshared of them */
	size_t nshared;
	/* The page being built by rows_add, owned and reused for the next page. */
	char *text;
	size_t text_len, text_cap;
	uint8_t *cells; /* per row: ncols bytes, then the tag */
	uint32_t *offs; /* per row: where its text starts */
	size_t staged, staged_cap;
};

/* ncols text columns (at most ROWS_MAX_COLS); shared_mask: the columns whose values repeat
 * (the first 255 distinct values are kept once; others with their row). */
void rows_init(struct rows *r, unsigned ncols, unsigned shared_mask);
void rows_fini(struct rows *r);
/* Drops every row (and the page being built); the shared values stay. */
void rows_clear(struct rows *r);

/* Adds a row to the page being built: cells, ncols strings (borrowed, copied; NULL is ""),
 * and a tag of the caller's (a flag or a small number, 0 to 255). The row is seen by
 * rows_count and rows_cell once rows_end_page has made a page of it. */
void rows_add(struct rows *r, const char *const *cells, unsigned tag);
/* Makes the rows added since the last call a page, exactly their size, in the last block. */
void rows_end_page(struct rows *r);

static inline size_t
rows_count(const struct rows *r)
{
	return r->nrows;
}
/* The text of column col of row i (borrowed: valid until rows_clear or rows_fini), with its
 * display width in *width when width is not NULL. */
const char *rows_cell(const struct rows *r, size_t i, unsigned col, int *width);
unsigned rows_tag(const struct rows *r, size_t i);

#endif
