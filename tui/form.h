/* Small forms behind one view (view-form.c): a stamp, the customer's reply, a shipment, a
 * note, a work-log entry, a document version, a print. Each is a const struct form_def in
 * the file of the view it belongs to; view-form.c lays it out, edits it, sends it (reusing
 * the request id when the same content is sent again) and shows the server's refusal in the
 * form, where it stays until the next try. */
#ifndef KURA_FORM_H
#define KURA_FORM_H

#include <msgpack.h>
#include <stdbool.h>
#include <stddef.h>

#include "proto.h"

struct form;
struct app;

enum form_kind {
	FORM_TEXT,   /* one line */
	FORM_MULTI,  /* several lines: Enter makes a new line */
	FORM_CHOICE, /* one of a few values: Left/Right or Space change it */
};

struct form_choice_def {
	const char *value; /* as sent */
	const char *label; /* untranslated */
};

struct form_item_def {
	const char *key;   /* names the item (and, usually, the argument it is sent as) */
	const char *label; /* untranslated */
	const char *hint;  /* untranslated, under the field; may be NULL */
	enum form_kind kind;
	bool required;
	size_t maxlen;                         /* characters (text) */
	int rows;                              /* FORM_MULTI: rows wanted, 0: what is left */
	const struct form_choice_def *choices; /* FORM_CHOICE: ended by a NULL value */
};

/* What a form is about. Given borrowed to view_form_ops' open, which keeps copies. */
struct form_ctx {
	const char *receipt; /* the case */
	const char *stage;   /* the stage being stamped */
	const char *kind;    /* a document's kind */
	const char *text;    /* a document to print, or the content to start from */
	const char *info;    /* lines shown under the heading (e.g. what a stamp needs first) */
	const char *typed;   /* what was typed to open the form (a scanner's first digits) */
	const char *extra;   /* anything else the form's own functions need */
};

struct form_def {
	const char *title;   /* untranslated: the title bar */
	const char *heading; /* untranslated: the first line; %s is the receipt number */
	const char *submit;  /* untranslated: what F2 does, e.g. "stamp" */
	const char *op;      /* the command sent; NULL: the form is local (print) */
	const struct form_item_def *items;
	size_t nitems;
	/* Optional: a read whose reply fill() uses (device.list for the stamp's choices). */
	const char *source_op;
	void (*fill)(struct form *f, const msgpack_object *data);
	/* Optional: defaults, hidden items, from the context. */
	void (*setup)(struct form *f);
	/* Optional: an item changed (a choice): hide or show others. key: borrowed. */
	void (*changed)(struct form *f, const char *key);
	/* Checks the values and packs the request's args map. Returns 0, or -1 after
	 * form_fail(). NULL: every shown item is packed under its key (text trimmed,
	 * empty optional items left out), plus "receipt". */
	int (*pack)(struct form *f, msgpack_packer *pk);
	/* op == NULL: does the work. Returns 0 with a message for the message line, or -1
	 * after form_fail(). */
	int (*local)(struct form *f, char *msg, size_t msglen);
	/* Optional: the message line after success. data: the reply's (borrowed). */
	void (*done)(struct form *f, const msgpack_object *data, char *msg, size_t msglen);
	/* Optional: the words for a refusal, in msg; "" leaves it to the default. */
	void (*refused)(struct form *f, const struct proto_reply *rep, char *msg, size_t msglen);
};

/* view_form_ops' open argument. */
struct form_open {
	const struct form_def *def; /* static */
	struct form_ctx ctx;        /* borrowed; copied */
	/* After success the view below reloads (it is given the receipt as focus) unless this
	 * is set: the case list would leave a search for it. */
	bool quiet_close;
};

const struct form_ctx *form_ctx(const struct form *f);
struct app *form_app(const struct form *f);
/* The text of item key, trimmed (ideographic spaces too), returned owned; "" when empty. */
char *form_text(const struct form *f, const char *key);
/* The value of choice item key (borrowed), or NULL when it has none. */
const char *form_choice(const struct form *f, const char *key);
void form_set_text(struct form *f, const char *key, const char *text);
/* Adds a choice to item key. value and label: borrowed, copied. */
void form_add_choice(struct form *f, const char *key, const char *value, const char *label);
void form_clear_choices(struct form *f, const char *key);
/* Selects the choice with value (no change when there is none). */
void form_select(struct form *f, const char *key, const char *value);
/* Takes choice value out of item key (lp when there is no lp). */
void form_remove_choice(struct form *f, const char *key, const char *value);
void form_hide(struct form *f, const char *key, bool hidden);
/* Puts the cursor in item key. */
void form_focus(struct form *f, const char *key);
bool form_hidden(const struct form *f, const char *key);
/* True when the person changed item key's text since the form opened. */
bool form_edited(const struct form *f, const char *key);
/* Says why the form cannot go, in the form; key (may be NULL) gets the cursor. Returns -1. */
int form_fail(struct form *f, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Sets the notice shown under the heading (e.g. what a source's reply says). */
void form_notice(struct form *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- forms used by several views ---- */

/* Opens the print form for text (borrowed, copied): to a file (default ~/kura-print/NAME) or
 * to lp when there is one. parts: text is a case sheet, a form feed, then the item labels,
 * and the person may print either part alone. Returns 0 or -1. */
int form_print_open(struct app *app, const char *receipt, const char *text, const char *name,
                    bool parts);
/* Opens the form that adds a note to the case receipt (borrowed). reload: the view below
 * reloads after the note is added. Returns 0 or -1. */
int form_note_open(struct app *app, const char *receipt, bool reload);

#endif
