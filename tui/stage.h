/* The seven stages of the case sheet (現品票) as the client names them, and the receipt number
 * as a person types or a barcode scanner sends it when a stage is verified. */
#ifndef KURA_STAGE_H
#define KURA_STAGE_H

#include <stdbool.h>
#include <stddef.h>

#define STAGE_COUNT 7  /* stamped stages; "closed" follows the last */
#define RECEIPT_MAX 32 /* bytes of a receipt number and its NUL, with room to spare */

struct stage_def {
	const char *name;     /* as on the wire: "intake" ... "erasure", "closed" */
	const char *label;    /* untranslated English */
	const char *label_ja; /* the case sheet's own words */
	const char *right;    /* the right that stamps it (NULL for "closed") */
	const char *who;      /* untranslated: who stamps it, where */
};

/* The stage named name, or NULL. name: borrowed. */
const struct stage_def *stage_find(const char *name);
/* The stage at index 0..STAGE_COUNT ("closed" last). */
const struct stage_def *stage_at(int index);
/* The index of name, or -1. */
int stage_index(const char *name);

/* Reads a receipt number as typed or scanned (in: borrowed) into out: spaces (ideographic
 * too) and the '*' start and stop marks of a Code 39 barcode removed, full-width digits
 * and dashes (what a Japanese input method types) made ASCII, and an item label
 * (RECEIPT-NN, scanned off the medium) taken as its receipt number. Returns out. */
const char *stage_receipt_typed(const char *in, char *out, size_t size);

#endif
