/* Printing as text: the print form (what, where: a file or lp) and the note form, both used
 * from several views. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "form.h"
#include "i18n.h"
#include "print.h"
#include "view.h"
#include "xmalloc.h"

/* ---- print ---- */

static const struct form_choice_def print_parts[] = {
	{ "all", N_("case sheet and item labels") },
	{ "sheet", N_("case sheet") },
	{ "labels", N_("item labels") },
	{ NULL, NULL },
};

static const struct form_choice_def print_dests[] = {
	{ "file", N_("a file") },
	{ "lp", N_("the printer (lp)") },
	{ NULL, NULL },
};

static const struct form_item_def print_items[] = {
	{ .key = "part", .label = N_("Print"), .kind = FORM_CHOICE, .choices = print_parts },
	{ .key = "dest", .label = N_("To"), .kind = FORM_CHOICE, .choices = print_dests },
	{ .key = "path",
	  .label = N_("File"),
	  .hint = N_("written as text, readable by you only; ~/ is your home"),
	  .kind = FORM_TEXT,
	  .required = true,
	  .maxlen = 400 },
};

/* The default file for the part chosen: RECEIPT-sheet.txt, RECEIPT-labels.txt. */
static void
print_default(struct form *f)
{
	const struct form_ctx *c = form_ctx(f);
	const char *part = form_choice(f, "part");
	char *name, *path;

	if (form_edited(f, "path"))
		return;
	if (part != NULL && strcmp(part, "labels") == 0 && c->receipt != NULL)
		name = xasprintf("%s-labels.txt", c->receipt);
	else
		name = xstrdup(c->extra);
	path = print_default_path(name);
	form_set_text(f, "path", path);
	free(path);
	free(name);
}

static void
print_changed(struct form *f, const char *key)
{
	const char *dest = form_choice(f, "dest");

	(void)key;
	form_hide(f, "path", dest != NULL && strcmp(dest, "lp") == 0);
	print_default(f);
}

static void
print_setup(struct form *f)
{
	const struct form_ctx *c = form_ctx(f);

	form_hide(f, "part", c->kind == NULL);
	if (!print_have_lp())
		form_remove_choice(f, "dest", "lp");
	print_changed(f, "dest");
}

/* The part of the text chosen, returned owned. */
static char *
print_part(struct form *f)
{
	const char *text = form_ctx(f)->text, *part = form_choice(f, "part");
	const char *ff = strchr(text, '\f');

	if (form_hidden(f, "part") || ff == NULL || part == NULL || strcmp(part, "all") == 0)
		return xstrdup(text);
	if (strcmp(part, "sheet") == 0)
		return xstrndup(text, (size_t)(ff - text));
	return xstrdup(ff + 1);
}

static int
print_local(struct form *f, char *msg, size_t msglen)
{
	const char *dest = form_choice(f, "dest");
	char *text = print_part(f), *path, done[1024], why[512];
	int rc;

	if (dest != NULL && strcmp(dest, "lp") == 0) {
		rc = print_lp(text, why, sizeof why);
		free(text);
		if (rc != 0)
			return form_fail(f, NULL, _("Not printed: %s"), why);
		snprintf(msg, msglen, _("Sent to the printer: %s"), why);
		return 0;
	}
	path = form_text(f, "path");
	if (path[0] == '\0') {
		free(path);
		free(text);
		return form_fail(f, "path", "%s", _("Name the file to write."));
	}
	rc = print_save(text, path, done, sizeof done, why, sizeof why);
	free(text);
	if (rc != 0) {
		rc = form_fail(f, "path", _("Could not write %s: %s"), path, why);
		free(path);
		return rc;
	}
	free(path);
	snprintf(msg, msglen, _("Written to %s"), done);
	return 0;
}

static const struct form_def print_form = {
	.title = N_("Print"),
	.heading = N_("Print %s"),
	.submit = N_("print"),
	.op = NULL,
	.items = print_items,
	.nitems = sizeof print_items / sizeof print_items[0],
	.setup = print_setup,
	.changed = print_changed,
	.local = print_local,
};

int
form_print_open(struct app *app, const char *receipt, const char *text, const char *name,
                bool parts)
{
	struct form_open o = { .def = &print_form };

	o.ctx = (struct form_ctx){
		.receipt = receipt,
		.text = text,
		.extra = name,
		.kind = parts ? "parts" : NULL,
		.info = print_have_lp()
		            ? _("As text: to a file, or to the printer with lp.")
		            : _("As text, to a file (no lp command here to send it to a printer)."),
	};
	return app_push(app, &view_form_ops, &o);
}

/* ---- a note ---- */

static const struct form_item_def note_items[] = {
	{ .key = "body",
	  .label = N_("Note"),
	  .hint = N_("read at once by the other network (call centre <-> tech centre)"),
	  .kind = FORM_MULTI,
	  .required = true,
	  .maxlen = 4000,
	  .rows = 8 },
};

static void
note_done(struct form *f, const msgpack_object *data, char *msg, size_t msglen)
{
	(void)data;
	snprintf(msg, msglen, _("Note added to %s."), form_ctx(f)->receipt);
}

static const struct form_def note_form = {
	.title = N_("Note"),
	.heading = N_("A note on case %s (連絡事項)"),
	.submit = N_("add the note"),
	.op = "case.note",
	.items = note_items,
	.nitems = sizeof note_items / sizeof note_items[0],
	.done = note_done,
};

int
form_note_open(struct app *app, const char *receipt, bool reload)
{
	struct form_open o = { .def = &note_form, .quiet_close = !reload };

	if (!app_has_right(app, "note.write")) {
		app_message(app, MSG_ERROR, "%s", _("You may not add notes on this network."));
		return -1;
	}
	o.ctx = (struct form_ctx){ .receipt = receipt };
	return app_push(app, &view_form_ops, &o);
}
