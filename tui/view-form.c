/* The view behind every small form (form.h): fields laid out under a heading, edited by whole
 * wide characters, sent once (the same content resent keeps its request id, so a stamp or a
 * note is never made twice), and a refusal shown in the form until the next try. */
#include "config.h"

#include "form.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "app.h"
#include "err.h"
#include "field.h"
#include "i18n.h"
#include "mp.h"
#include "text.h"
#include "utf8.h"
#include "view.h"
#include "xmalloc.h"

#define FORM_LABEL_W 24
#define FORM_FIELD_W 56

struct form_choice {
	char *value, *label; /* owned */
};

struct form_item {
	const struct form_item_def *def;
	struct field field;
	char *initial; /* owned: the text set by the form, to tell an edit */
	struct form_choice *choices;
	size_t nchoices, sel;
	bool hidden;
};

enum form_state {
	FORM_EDITING,
	FORM_SENDING,
	FORM_CONFIRM_CANCEL,
};

struct form {
	const struct form_def *def;
	struct form_ctx ctx;
	struct view *view; /* borrowed: the view this form is */
	struct form_item *items;
	int active;
	enum form_state state;
	char error[768];
	char notice[512];
	bool loading_source;
	bool quiet_close;
	uint8_t req_id[PROTO_ID_LEN];
	void *req_args; /* owned: the last args sent, to resend with the same id */
	size_t req_len;
};

static const struct view_hint form_hints[] = {
	{ ACT_SUBMIT, NULL }, { ACT_NEXT_FIELD, NULL }, { ACT_PREV_FIELD, NULL },
	{ ACT_CANCEL, NULL }, { ACT_NONE, NULL },
};

/* ---- the items ---- */

static struct form_item *
form_item(const struct form *f, const char *key)
{
	for (size_t i = 0; i < f->def->nitems; i++)
		if (strcmp(f->def->items[i].key, key) == 0)
			return &f->items[i];
	return NULL;
}

static int
form_index(const struct form *f, const char *key)
{
	struct form_item *it = key != NULL ? form_item(f, key) : NULL;

	return it != NULL ? (int)(it - f->items) : -1;
}

const struct form_ctx *
form_ctx(const struct form *f)
{
	return &f->ctx;
}

struct app *
form_app(const struct form *f)
{
	return f->view->app;
}

/* Spaces at either end, ASCII or ideographic (U+3000). s: edited in place. */
static char *
form_trim(char *s)
{
	char *end;

	for (;;) {
		if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
			s++;
		else if (strncmp(s, "\xe3\x80\x80", 3) == 0)
			s += 3;
		else
			break;
	}
	end = s + strlen(s);
	for (;;) {
		if (end > s &&
		    (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\n' || end[-1] == '\r'))
			end--;
		else if (end - s >= 3 && strncmp(end - 3, "\xe3\x80\x80", 3) == 0)
			end -= 3;
		else
			break;
	}
	*end = '\0';
	return s;
}

char *
form_text(const struct form *f, const char *key)
{
	struct form_item *it = form_item(f, key);
	char *raw, *out;

	if (it == NULL || it->def->kind == FORM_CHOICE)
		return xstrdup("");
	raw = field_get(&it->field);
	out = xstrdup(form_trim(raw));
	free(raw);
	return out;
}

const char *
form_choice(const struct form *f, const char *key)
{
	struct form_item *it = form_item(f, key);

	if (it == NULL || it->nchoices == 0)
		return NULL;
	return it->choices[it->sel].value;
}

void
form_set_text(struct form *f, const char *key, const char *text)
{
	struct form_item *it = form_item(f, key);

	if (it == NULL || it->def->kind == FORM_CHOICE)
		return;
	field_set(&it->field, text != NULL ? text : "");
	free(it->initial);
	it->initial = field_get(&it->field);
}

bool
form_edited(const struct form *f, const char *key)
{
	struct form_item *it = form_item(f, key);
	char *now;
	bool edited;

	if (it == NULL || it->def->kind == FORM_CHOICE)
		return false;
	now = field_get(&it->field);
	edited = strcmp(now, it->initial != NULL ? it->initial : "") != 0;
	free(now);
	return edited;
}

void
form_add_choice(struct form *f, const char *key, const char *value, const char *label)
{
	struct form_item *it = form_item(f, key);

	if (it == NULL)
		return;
	it->choices = xrealloc(it->choices, (it->nchoices + 1) * sizeof *it->choices);
	it->choices[it->nchoices].value = xstrdup(value);
	it->choices[it->nchoices].label = xstrdup(label != NULL ? label : value);
	it->nchoices++;
}

static void
form_choices_free(struct form_item *it)
{
	for (size_t i = 0; i < it->nchoices; i++) {
		free(it->choices[i].value);
		free(it->choices[i].label);
	}
	free(it->choices);
	it->choices = NULL;
	it->nchoices = it->sel = 0;
}

void
form_clear_choices(struct form *f, const char *key)
{
	struct form_item *it = form_item(f, key);

	if (it != NULL)
		form_choices_free(it);
}

void
form_select(struct form *f, const char *key, const char *value)
{
	struct form_item *it = form_item(f, key);

	for (size_t i = 0; it != NULL && value != NULL && i < it->nchoices; i++)
		if (strcmp(it->choices[i].value, value) == 0)
			it->sel = i;
}

void
form_remove_choice(struct form *f, const char *key, const char *value)
{
	struct form_item *it = form_item(f, key);

	for (size_t i = 0; it != NULL && i < it->nchoices; i++) {
		if (strcmp(it->choices[i].value, value) != 0)
			continue;
		free(it->choices[i].value);
		free(it->choices[i].label);
		memmove(&it->choices[i], &it->choices[i + 1],
		        (it->nchoices - i - 1) * sizeof *it->choices);
		it->nchoices--;
		if (it->sel >= it->nchoices)
			it->sel = it->nchoices > 0 ? it->nchoices - 1 : 0;
		return;
	}
}

void
form_hide(struct form *f, const char *key, bool hidden)
{
	struct form_item *it = form_item(f, key);

	if (it != NULL)
		it->hidden = hidden;
}

void
form_focus(struct form *f, const char *key)
{
	int i = form_index(f, key);

	if (i >= 0 && !f->items[i].hidden)
		f->active = i;
}

bool
form_hidden(const struct form *f, const char *key)
{
	struct form_item *it = form_item(f, key);

	return it == NULL || it->hidden;
}

int
form_fail(struct form *f, const char *key, const char *fmt, ...)
{
	va_list ap;
	int i = form_index(f, key);

	va_start(ap, fmt);
	vsnprintf(f->error, sizeof f->error, fmt, ap);
	va_end(ap);
	if (i >= 0 && !f->items[i].hidden)
		f->active = i;
	f->view->app->redraw = true;
	return -1;
}

void
form_notice(struct form *f, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(f->notice, sizeof f->notice, fmt, ap);
	va_end(ap);
	f->view->app->redraw = true;
}

/* ---- open and close ---- */

static char *
form_dup(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

static void form_source_reply(void *arg, const struct proto_reply *rep);

static int
form_open(struct view *v, const void *arg)
{
	const struct form_open *o = arg;
	struct form *f = xcalloc(1, sizeof *f);

	f->def = o->def;
	f->view = v;
	f->quiet_close = o->quiet_close;
	f->ctx.receipt = form_dup(o->ctx.receipt);
	f->ctx.stage = form_dup(o->ctx.stage);
	f->ctx.kind = form_dup(o->ctx.kind);
	f->ctx.text = form_dup(o->ctx.text);
	f->ctx.info = form_dup(o->ctx.info);
	f->ctx.typed = form_dup(o->ctx.typed);
	f->ctx.extra = form_dup(o->ctx.extra);
	f->items = xcalloc(f->def->nitems, sizeof *f->items);
	for (size_t i = 0; i < f->def->nitems; i++) {
		const struct form_item_def *d = &f->def->items[i];
		struct form_item *it = &f->items[i];

		it->def = d;
		field_init(&it->field, d->kind == FORM_MULTI, d->maxlen > 0 ? d->maxlen : 500);
		for (const struct form_choice_def *c = d->choices; c != NULL && c->value != NULL;
		     c++)
			form_add_choice(f, d->key, c->value, _(c->label));
	}
	v->priv = f;
	v->keymask = KM_ALWAYS | KM_FORM | KM_EDIT;
	v->title = f->def->title;
	if (f->def->setup != NULL)
		f->def->setup(f);
	/* The cursor starts in the first item shown. */
	while ((size_t)f->active + 1 < f->def->nitems && f->items[f->active].hidden)
		f->active++;
	if (f->def->source_op != NULL) {
		f->loading_source = true;
		conn_call(v->app->conn, v, form_source_reply, v, f->def->source_op, NULL);
	}
	return 0;
}

static void
form_close(struct view *v)
{
	struct form *f = v->priv;

	for (size_t i = 0; i < f->def->nitems; i++) {
		field_fini(&f->items[i].field);
		free(f->items[i].initial);
		form_choices_free(&f->items[i]);
	}
	free(f->items);
	/* The context's strings are the form's own copies (form_open). */
	free((char *)f->ctx.receipt);
	free((char *)f->ctx.stage);
	free((char *)f->ctx.kind);
	free((char *)f->ctx.text);
	free((char *)f->ctx.info);
	free((char *)f->ctx.typed);
	free((char *)f->ctx.extra);
	free(f->req_args);
	free(f);
}

/* The source read answered (a conn_reply_fn; arg is the view). */
static void
form_source_reply(void *arg, const struct proto_reply *rep)
{
	struct view *v = arg;
	struct form *f = v->priv;

	f->loading_source = false;
	v->app->redraw = true;
	if (!rep->ok) {
		form_notice(f, _("Could not load the choices (%s): %s"), f->def->source_op,
		            rep->err_msg);
		return;
	}
	if (f->def->fill != NULL)
		f->def->fill(f, rep->data);
}

/* ---- sending ---- */

/* The item a refusal is about: the server's message names an argument first ("tracking is
 * not valid"). -1 when it names none shown. */
static int
form_item_of(const struct form *f, const char *msg)
{
	for (size_t i = 0; i < f->def->nitems; i++) {
		const char *key = f->def->items[i].key;
		size_t n = strlen(key);

		if (!f->items[i].hidden && strncmp(msg, key, n) == 0 && msg[n] != '\0' &&
		    strchr(" :[.", msg[n]) != NULL)
			return (int)i;
	}
	return -1;
}

/* The request answered (a conn_reply_fn; arg is the view). */
static void
form_reply(void *arg, const struct proto_reply *rep)
{
	struct view *v = arg;
	struct form *f = v->priv;
	char msg[768] = "";
	int i;

	v->app->redraw = true;
	if (f->state != FORM_SENDING)
		return;
	f->state = FORM_EDITING;
	if (rep->ok) {
		if (f->def->done != NULL)
			f->def->done(f, rep->data, msg, sizeof msg);
		app_message(v->app, MSG_INFO, "%s", msg[0] != '\0' ? msg : _("Done."));
		app_close_view(v->app, v, f->quiet_close ? NULL : f->ctx.receipt);
		return;
	}
	i = form_item_of(f, rep->err_msg);
	if (i >= 0)
		f->active = i;
	if (f->def->refused != NULL)
		f->def->refused(f, rep, msg, sizeof msg);
	if (msg[0] == '\0') {
		switch (rep->err) {
		case ERR_FORBIDDEN:
			snprintf(msg, sizeof msg,
			         _("Not allowed: your role may not do this on this network (%s)."),
			         rep->err_msg);
			break;
		case ERR_INVALID_STATE:
			snprintf(msg, sizeof msg, _("Not now: %s"), rep->err_msg);
			break;
		case ERR_BAD_REQUEST:
			snprintf(msg, sizeof msg, _("Refused: %s"), rep->err_msg);
			break;
		case ERR_NOT_FOUND:
			snprintf(msg, sizeof msg, _("Not found: %s"), rep->err_msg);
			break;
		case ERR_CONFLICT:
			snprintf(msg, sizeof msg, _("Someone else changed it first: %s"),
			         rep->err_msg);
			break;
		default:
			snprintf(msg, sizeof msg, _("Failed: %s"), rep->err_msg);
			break;
		}
	}
	snprintf(f->error, sizeof f->error, "%s", msg);
}

/* The default pack: every shown item under its key, and the receipt. */
static int
form_pack_items(struct form *f, msgpack_packer *pk)
{
	size_t n = f->ctx.receipt != NULL ? 1 : 0;
	char **vals = xcalloc(f->def->nitems, sizeof *vals);

	for (size_t i = 0; i < f->def->nitems; i++) {
		const struct form_item *it = &f->items[i];

		if (it->hidden)
			continue;
		if (it->def->kind == FORM_CHOICE) {
			if (it->nchoices > 0)
				vals[i] = xstrdup(it->choices[it->sel].value);
		} else {
			vals[i] = form_text(f, it->def->key);
		}
		if (vals[i] != NULL && vals[i][0] == '\0') {
			free(vals[i]);
			vals[i] = NULL;
		}
		if (vals[i] == NULL && it->def->required) {
			for (size_t k = 0; k < f->def->nitems; k++)
				free(vals[k]);
			free(vals);
			return form_fail(f, it->def->key, _("Fill in: %s"), _(it->def->label));
		}
		n += vals[i] != NULL;
	}
	msgpack_pack_map(pk, n);
	if (f->ctx.receipt != NULL)
		mp_packf(pk, "s s", "receipt", f->ctx.receipt);
	for (size_t i = 0; i < f->def->nitems; i++) {
		if (vals[i] != NULL)
			mp_packf(pk, "s s", f->def->items[i].key, vals[i]);
		free(vals[i]);
	}
	free(vals);
	return 0;
}

static void
form_submit(struct view *v)
{
	struct form *f = v->priv;
	msgpack_sbuffer sb;
	msgpack_packer pk, *out;
	char msg[768] = "";
	int rc;

	f->error[0] = '\0';
	if (f->def->op == NULL) {
		if (f->def->local(f, msg, sizeof msg) == 0) {
			app_message(v->app, MSG_INFO, "%s", msg);
			app_close_view(v->app, v, NULL);
		}
		return;
	}
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	rc = f->def->pack != NULL ? f->def->pack(f, &pk) : form_pack_items(f, &pk);
	if (rc != 0) {
		msgpack_sbuffer_destroy(&sb);
		return;
	}
	/* The same content again (after Esc stopped the wait, or a resend) keeps the id:
	 * the server answers with what it did the first time instead of doing it twice. */
	if (f->req_args == NULL || f->req_len != sb.size ||
	    memcmp(f->req_args, sb.data, sb.size) != 0) {
		proto_new_id(f->req_id);
		free(f->req_args);
		f->req_args = xmalloc(sb.size);
		memcpy(f->req_args, sb.data, sb.size);
		f->req_len = sb.size;
	}
	out = conn_begin_id(v->app->conn, f->def->op, f->req_id);
	out->callback(out->data, sb.data, sb.size);
	conn_end(v->app->conn, v, form_reply, v);
	f->state = FORM_SENDING;
	msgpack_sbuffer_destroy(&sb);
}

/* ---- keys ---- */

static bool
form_has_text(const struct form *f)
{
	for (size_t i = 0; i < f->def->nitems; i++)
		if (f->items[i].def->kind == FORM_MULTI && !field_empty(&f->items[i].field))
			return true;
	return false;
}

/* The next item shown after (dir 1) or before (-1) the active one, wrapping around. */
static void
form_move(struct form *f, int dir)
{
	int n = (int)f->def->nitems;

	for (int k = 1; k <= n; k++) {
		int i = ((f->active + dir * k) % n + n) % n;

		if (!f->items[i].hidden) {
			f->active = i;
			return;
		}
	}
}

/* True when the active item is the last one shown. */
static bool
form_at_last(const struct form *f)
{
	for (size_t i = (size_t)f->active + 1; i < f->def->nitems; i++)
		if (!f->items[i].hidden)
			return false;
	return true;
}

static void
form_choice_step(struct form *f, struct form_item *it, int dir)
{
	if (it->nchoices == 0)
		return;
	it->sel = (it->sel + it->nchoices + (size_t)(dir + (int)it->nchoices)) % it->nchoices;
	if (f->def->changed != NULL)
		f->def->changed(f, it->def->key);
}

/* A key on a choice: Left/Right or Space step; a digit picks by number; a letter picks the
 * next choice starting with it. */
static unsigned
form_choice_key(struct form *f, struct form_item *it, enum action act, uint32_t key)
{
	if (act == ACT_EDIT_LEFT) {
		form_choice_step(f, it, -1);
		return VIEW_HANDLED;
	}
	if (act == ACT_EDIT_RIGHT || (act == ACT_NONE && key == ' ')) {
		form_choice_step(f, it, 1);
		return VIEW_HANDLED;
	}
	if (act != ACT_NONE || it->nchoices == 0)
		return VIEW_IGNORED;
	if (key >= '1' && key <= '9' && key - '1' < it->nchoices) {
		it->sel = key - '1';
	} else if (key < 0x80) {
		for (size_t k = 1; k <= it->nchoices; k++) {
			size_t i = (it->sel + k) % it->nchoices;

			if (strncasecmp(it->choices[i].label, (char[]){ (char)key, 0 }, 1) == 0 ||
			    strncasecmp(it->choices[i].value, (char[]){ (char)key, 0 }, 1) == 0) {
				it->sel = i;
				break;
			}
		}
	} else {
		return VIEW_IGNORED;
	}
	if (f->def->changed != NULL)
		f->def->changed(f, it->def->key);
	return VIEW_HANDLED;
}

static unsigned
form_key(struct view *v, enum action act, uint32_t key)
{
	struct form *f = v->priv;
	struct form_item *it = &f->items[f->active];
	enum field_result fr;

	switch (f->state) {
	case FORM_SENDING:
		if (act == ACT_CANCEL) {
			conn_cancel(v->app->conn, v);
			f->state = FORM_EDITING;
			snprintf(f->error, sizeof f->error, "%s",
			         _("Stopped waiting for the server. F2 sends it again; it will not "
			           "be done twice."));
		}
		return VIEW_HANDLED;
	case FORM_CONFIRM_CANCEL:
		if (key == 'y' || key == 'Y')
			return VIEW_CLOSE;
		f->state = FORM_EDITING;
		app_message_clear(v->app);
		return VIEW_HANDLED;
	case FORM_EDITING:
		break;
	}
	switch (act) {
	case ACT_NEXT_FIELD:
		form_move(f, 1);
		return VIEW_HANDLED;
	case ACT_PREV_FIELD:
		form_move(f, -1);
		return VIEW_HANDLED;
	case ACT_SUBMIT:
		form_submit(v);
		return VIEW_HANDLED;
	case ACT_CANCEL:
		if (!form_has_text(f))
			return VIEW_CLOSE;
		f->state = FORM_CONFIRM_CANCEL;
		app_message(v->app, MSG_ERROR, "%s",
		            _("Discard what you typed? y: discard, any other key: keep editing"));
		return VIEW_HANDLED;
	case ACT_ENTER:
		/* A scanner ends the receipt number with Enter: move on; on the last line of
		 * a short form, Enter sends it. */
		if (it->def->kind != FORM_MULTI) {
			if (form_at_last(f))
				form_submit(v);
			else
				form_move(f, 1);
			return VIEW_HANDLED;
		}
		break;
	default:
		break;
	}
	if (it->def->kind == FORM_CHOICE) {
		if (act == ACT_EDIT_UP) {
			form_move(f, -1);
			return VIEW_HANDLED;
		}
		if (act == ACT_EDIT_DOWN) {
			form_move(f, 1);
			return VIEW_HANDLED;
		}
		return form_choice_key(f, it, act, key);
	}
	fr = field_edit(&it->field, act, key);
	if (fr == FIELD_EDGE_UP)
		form_move(f, -1);
	else if (fr == FIELD_EDGE_DOWN)
		form_move(f, 1);
	return fr == FIELD_IGNORED ? VIEW_IGNORED : VIEW_HANDLED;
}

/* After signing in again: a request lost with the session can be sent again. */
static void
form_load(struct view *v, const char *focus)
{
	struct form *f = v->priv;

	(void)focus;
	if (f->state == FORM_SENDING && !conn_busy(v->app->conn, v)) {
		f->state = FORM_EDITING;
		snprintf(f->error, sizeof f->error, "%s",
		         _("Not sent before the session ended: press F2 to send it."));
	}
}

/* ---- drawing ---- */

/* Draws a choice item on one line: every choice when they fit, else the selected one. */
static void
form_draw_choice(const struct form_item *it, int y, int x, int w, bool active)
{
	int need = 0, cursor = x;

	if (it->nchoices == 0) {
		draw_text(y, x, w, ROLE_HINT, _("(none to choose from)"), false);
		return;
	}
	for (size_t i = 0; i < it->nchoices; i++)
		need += utf8_width(it->choices[i].label) + 6;
	if (need <= w) {
		for (size_t i = 0; i < it->nchoices; i++) {
			bool sel = i == it->sel;
			enum draw_role role =
			    sel ? (active ? ROLE_FIELD_ACTIVE : ROLE_VALUE) : ROLE_NORMAL;
			char cell[256];

			snprintf(cell, sizeof cell, "(%s) %s", sel ? "*" : " ",
			         it->choices[i].label);
			if (sel)
				cursor = x + 1;
			x += draw_text(y, x, w, role, cell, false);
			x += draw_text(y, x, 3, ROLE_NORMAL, "   ", false);
		}
	} else {
		char cell[512];

		snprintf(cell, sizeof cell, "< %s >  (%zu/%zu)", it->choices[it->sel].label,
		         it->sel + 1, it->nchoices);
		draw_text(y, x, w, active ? ROLE_FIELD_ACTIVE : ROLE_VALUE, cell, false);
	}
	/* The cursor on the choice made, as a terminal user expects to see the focus. */
	if (active)
		draw_cursor(y, cursor);
}

static void
form_draw(struct view *v, const struct draw_rect *r)
{
	struct form *f = v->priv;
	int x = r->x + 2, y = r->y + 1, bottom = r->y + r->h, fx = x + FORM_LABEL_W;
	int fw = r->w - FORM_LABEL_W - 6, fixed = 0, multi = 0, spare;
	char line[512];

	if (fw > FORM_FIELD_W)
		fw = FORM_FIELD_W;
	snprintf(line, sizeof line, _(f->def->heading),
	         f->ctx.receipt != NULL ? f->ctx.receipt : "");
	draw_text(y, x, r->w - 4, ROLE_SECTION, line, false);
	y += 2;
	/* What the form is about (wrapped), then anything the source said. */
	for (const char *p = f->ctx.info; p != NULL && *p != '\0' && y < bottom;) {
		size_t next, len = text_wrap(p, r->w - 4, &next);
		char *piece = xstrndup(p, len);

		draw_text(y++, x, r->w - 4, ROLE_NORMAL, piece, false);
		free(piece);
		p += next;
	}
	if (f->notice[0] != '\0')
		draw_text(y++, x, r->w - 4, ROLE_INFO, f->notice, false);
	else if (f->loading_source)
		draw_text(y++, x, r->w - 4, ROLE_HINT, _("Loading the choices…"), false);
	if (f->ctx.info != NULL || f->notice[0] != '\0' || f->loading_source)
		y++;

	/* Rows: one a line item and its hint; multi-line items share what is left. */
	for (size_t i = 0; i < f->def->nitems; i++) {
		const struct form_item *it = &f->items[i];

		if (it->hidden)
			continue;
		if (it->def->kind == FORM_MULTI)
			multi++;
		else
			fixed++;
		fixed += it->def->hint != NULL ? 2 : 1;
	}
	spare = bottom - y - fixed - 4;
	for (size_t i = 0; i < f->def->nitems; i++) {
		struct form_item *it = &f->items[i];
		bool active = (int)i == f->active && f->state == FORM_EDITING;
		int rows = 1, lw;

		if (it->hidden)
			continue;
		if (it->def->kind == FORM_MULTI) {
			rows = multi > 0 ? spare / multi : 1;
			if (it->def->rows > 0 && rows > it->def->rows)
				rows = it->def->rows;
			if (rows < 1)
				rows = 1;
		}
		if (y >= bottom)
			break;
		lw = draw_text(y, x, FORM_LABEL_W - 2, active ? ROLE_VALUE : ROLE_LABEL,
		               _(it->def->label), false);
		if (it->def->required)
			draw_text(y, x + lw + 1, 1, ROLE_REQUIRED, "*", false);
		if (it->def->kind == FORM_CHOICE) {
			form_draw_choice(it, y, fx, r->w - FORM_LABEL_W - 4, active);
		} else {
			int w = it->def->kind == FORM_MULTI ? r->w - FORM_LABEL_W - 6 : fw;
			struct draw_rect fr = { .y = y, .x = fx, .h = rows, .w = w };

			if (it->def->kind == FORM_TEXT && it->def->maxlen > 0 &&
			    (int)it->def->maxlen + 2 < w)
				fr.w = (int)it->def->maxlen + 2;
			if (y + rows > bottom)
				fr.h = bottom - y;
			field_draw(&it->field, &fr, active);
		}
		y += rows;
		if (it->def->hint != NULL && y < bottom)
			draw_text(y++, fx, r->w - FORM_LABEL_W - 4, ROLE_HINT, _(it->def->hint),
			          false);
		y++;
	}
	if (y >= bottom)
		return;
	if (f->state == FORM_SENDING) {
		const char *what = _("Sending…");

		if (conn_unavailable(v->app->conn))
			what = _("Sending… the server's database is away; sending again (Esc stops "
			         "waiting)");
		else if (conn_retrying(v->app->conn))
			what = _("Sending… the server has not answered yet; sending again (Esc "
			         "stops waiting)");
		draw_text(y, x, r->w - 4, ROLE_INFO, what, false);
	} else if (f->error[0] != '\0') {
		char shown[800];

		snprintf(shown, sizeof shown, " %s ", f->error);
		/* A long refusal wraps rather than being cut: it is the point of the screen. */
		for (const char *p = shown; *p != '\0' && y < bottom - 1;) {
			size_t next, len = text_wrap(p, r->w - 4, &next);
			char *piece = xstrndup(p, len);

			draw_text(y++, x, r->w - 4, ROLE_ERROR, piece, true);
			free(piece);
			p += next;
		}
		y--;
	}
	y += 2;
	if (y < bottom) {
		if (multi > 0)
			snprintf(line, sizeof line,
			         _("F2 or Ctrl-S: %s.  Tab: next field.  Esc: cancel."),
			         _(f->def->submit));
		else
			snprintf(line, sizeof line,
			         _("F2 or Ctrl-S: %s.  Enter: next field (on the last one: %s).  "
			           "Esc: cancel."),
			         _(f->def->submit), _(f->def->submit));
		draw_text(y, x, r->w - 4, ROLE_HINT, line, false);
	}
}

const struct view_ops view_form_ops = {
	.name = "form",
	.title = N_("Form"),
	.hints = form_hints,
	.open = form_open,
	.load = form_load,
	.draw = form_draw,
	.key = form_key,
	.close = form_close,
};
