/* The work queues, one tab each, those of the person's rights only: awaiting the customer's
 * reply and new notes (operators), my cases and erasure due (technicians), awaiting shipment
 * (shipping clerks). Every tab is counted; any change on the server refetches them at once,
 * so a case another client moves leaves or joins a queue without a key being pressed. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "err.h"
#include "form.h"
#include "i18n.h"
#include "mp.h"
#include "record.h"
#include "stage.h"
#include "text.h"
#include "utf8.h"
#include "view.h"
#include "xmalloc.h"

#define QUEUE_TABS 5

static const struct queue_def {
	const char *name;  /* case.queue's queue */
	const char *label; /* untranslated */
	const char *right; /* shown to holders of this right */
	const char *empty; /* untranslated */
} queue_defs[QUEUE_TABS] = {
	{ "awaiting-reply", N_("Awaiting reply"), "stamp.reply",
	  N_("No case waits for the customer's reply.") },
	{ "new-notes", N_("New notes"), "note.write", N_("No new notes from the other network.") },
	{ "mine", N_("My cases"), "stamp.analysis",
	  N_("No open case whose analysis you started.") },
	{ "erasure-due", N_("Erasure due"), "stamp.erasure",
	  N_("No shipped case is due for erasure.") },
	{ "awaiting-shipment", N_("Awaiting shipment"), "stamp.shipping",
	  N_("No case waits for shipment.") },
};

struct queue_row {
	char *receipt, *received, *customer, *stage, *medium; /* owned */
	const struct stage_def *st;                           /* NULL: an unknown stage */
	int64_t notes_new;
	bool masked;
};

struct queue_tab {
	const struct queue_def *def;
	struct view *view; /* borrowed: the queue view, for the reply callback */
	struct queue_row *rows;
	size_t nrows;
	bool loaded;
	bool counts; /* the rows say how many notes are new (note_count_new) */
	char error[256];
};

struct queue_view {
	struct queue_tab tabs[QUEUE_TABS];
	int ntabs, cur;
	size_t sel;
	int top, height;
	int pending;  /* tab requests on their way */
	bool dirty;   /* changed meanwhile: refetch when they are back */
	char *follow; /* owned: the selected receipt, kept selected across a refetch */
};

static const struct view_hint queue_hints_note[] = {
	{ ACT_OPEN, NULL },    { ACT_SHEET, NULL }, { ACT_NOTE, NULL }, { ACT_NEXT_TAB, NULL },
	{ ACT_REFRESH, NULL }, { ACT_BACK, NULL },  { ACT_NONE, NULL },
};
/* Without note.write: no "add note". */
static const struct view_hint queue_hints[] = {
	{ ACT_OPEN, NULL },    { ACT_SHEET, NULL }, { ACT_NEXT_TAB, NULL },
	{ ACT_REFRESH, NULL }, { ACT_BACK, NULL },  { ACT_NONE, NULL },
};

static void
queue_rows_free(struct queue_tab *t)
{
	for (size_t i = 0; i < t->nrows; i++) {
		free(t->rows[i].receipt);
		free(t->rows[i].received);
		free(t->rows[i].customer);
		free(t->rows[i].stage);
		free(t->rows[i].medium);
	}
	free(t->rows);
	t->rows = NULL;
	t->nrows = 0;
}

static void queue_fetch(struct view *v);

/* case.queue answered for one tab (a conn_reply_fn; arg is the tab). */
static void
queue_reply(void *arg, const struct proto_reply *rep)
{
	struct queue_tab *t = arg;
	struct view *v = t->view;
	struct queue_view *qv = v->priv;
	const msgpack_object *rows;
	uint32_t n;

	qv->pending--;
	v->app->redraw = true;
	if (!rep->ok) {
		snprintf(t->error, sizeof t->error, "%s", rec_msg(rep->err_msg));
	} else {
		t->error[0] = '\0';
		queue_rows_free(t);
		t->counts = false;
		rows = rec_array(rep->data, "rows", &n);
		t->rows = xcalloc(n + 1, sizeof *t->rows);
		for (uint32_t i = 0; i < n; i++) {
			struct queue_row *r = &t->rows[t->nrows++];
			char when[TEXT_TIME_MAX], *raw;
			const struct stage_def *st;

			r->receipt = rec_text(&rows[i], "receipt");
			raw = rec_str(&rows[i], "received_at");
			r->received = xstrdup(text_local_time(raw, when, sizeof when));
			free(raw);
			r->customer = rec_text(&rows[i], "customer_name");
			r->masked = strcmp(r->customer, "***") == 0;
			raw = rec_text(&rows[i], "stage");
			st = stage_find(raw);
			r->st = st;
			r->stage = st != NULL ? xasprintf("%s %s", _(st->label), st->label_ja)
			                      : rec_text(&rows[i], "stage_label");
			free(raw);
			r->medium = rec_text(&rows[i], "medium");
			r->notes_new = rec_int(&rows[i], "note_count_new", -1);
			t->counts |= r->notes_new >= 0;
		}
	}
	t->loaded = true;
	if (t == &qv->tabs[qv->cur]) {
		size_t sel = 0;

		for (size_t i = 0; qv->follow != NULL && i < t->nrows; i++)
			if (strcmp(t->rows[i].receipt, qv->follow) == 0)
				sel = i;
		qv->sel = t->nrows == 0 ? 0 : (sel < t->nrows ? sel : t->nrows - 1);
	}
	if (qv->pending == 0 && qv->dirty)
		queue_fetch(v);
}

/* Asks for every tab, in order. While a round is out, another waits for it to finish. */
static void
queue_fetch(struct view *v)
{
	struct queue_view *qv = v->priv;

	if (qv->pending > 0) {
		qv->dirty = true;
		return;
	}
	qv->dirty = false;
	for (int i = 0; i < qv->ntabs; i++)
		conn_call(v->app->conn, v, queue_reply, &qv->tabs[i], "case.queue", "{s s}",
		          "queue", qv->tabs[i].def->name);
	qv->pending = qv->ntabs;
}

static void
queue_load(struct view *v, const char *focus)
{
	struct queue_view *qv = v->priv;

	(void)focus;
	conn_cancel(v->app->conn, v);
	qv->pending = 0;
	queue_fetch(v);
}

static void
queue_event(struct view *v, const char *topic, const char *id)
{
	(void)id;
	if (strcmp(topic, "case") == 0 || strcmp(topic, "note") == 0 ||
	    strcmp(topic, "resync") == 0)
		queue_fetch(v);
}

static int
queue_open(struct view *v, const void *arg)
{
	struct queue_view *qv = xcalloc(1, sizeof *qv);

	(void)arg;
	for (int i = 0; i < QUEUE_TABS; i++)
		if (app_has_right(v->app, queue_defs[i].right)) {
			qv->tabs[qv->ntabs].view = v;
			qv->tabs[qv->ntabs++].def = &queue_defs[i];
		}
	if (qv->ntabs == 0) {
		app_message(v->app, MSG_INFO, "%s",
		            _("No work queues for your role on this network."));
		free(qv);
		return -1;
	}
	v->priv = qv;
	v->keymask = KM_ALWAYS | KM_GLOBAL | KM_MOVE | KM_LIST | KM_CASE | KM_TABS;
	v->hints = app_has_right(v->app, "note.write") ? queue_hints_note : queue_hints;
	return 0;
}

static void
queue_close(struct view *v)
{
	struct queue_view *qv = v->priv;

	for (int i = 0; i < qv->ntabs; i++)
		queue_rows_free(&qv->tabs[i]);
	free(qv->follow);
	free(qv);
}

static void
queue_follow(struct queue_view *qv)
{
	struct queue_tab *t = &qv->tabs[qv->cur];

	free(qv->follow);
	qv->follow = qv->sel < t->nrows ? xstrdup(t->rows[qv->sel].receipt) : NULL;
}

static unsigned
queue_key(struct view *v, enum action act, uint32_t key)
{
	struct queue_view *qv = v->priv;
	struct queue_tab *t = &qv->tabs[qv->cur];
	const char *receipt = qv->sel < t->nrows ? t->rows[qv->sel].receipt : NULL;
	size_t page = qv->height > 1 ? (size_t)qv->height - 1 : 1;

	switch (act) {
	case ACT_UP:
		if (qv->sel > 0)
			qv->sel--;
		break;
	case ACT_DOWN:
		if (qv->sel + 1 < t->nrows)
			qv->sel++;
		break;
	case ACT_PAGE_UP:
		qv->sel = qv->sel > page ? qv->sel - page : 0;
		break;
	case ACT_PAGE_DOWN:
		qv->sel =
		    t->nrows == 0 ? 0 : (qv->sel + page < t->nrows ? qv->sel + page : t->nrows - 1);
		break;
	case ACT_TOP:
		qv->sel = 0;
		break;
	case ACT_BOTTOM:
		qv->sel = t->nrows > 0 ? t->nrows - 1 : 0;
		break;
	case ACT_NEXT_TAB:
	case ACT_PREV_TAB:
		qv->cur = (qv->cur + (act == ACT_NEXT_TAB ? 1 : qv->ntabs - 1)) % qv->ntabs;
		qv->sel = 0;
		qv->top = 0;
		break;
	case ACT_OPEN:
		if (receipt != NULL)
			app_push(v->app, &view_case_ops, receipt);
		break;
	case ACT_SHEET:
		if (receipt != NULL)
			app_push(v->app, &view_casesheet_ops, receipt);
		break;
	case ACT_NOTE:
		if (receipt != NULL)
			form_note_open(v->app, receipt, false);
		break;
	case ACT_REFRESH:
		queue_load(v, NULL);
		break;
	case ACT_BACK:
		return VIEW_CLOSE;
	default:
		/* 1-5 pick a tab. */
		if (act == ACT_NONE && key >= '1' && key < '1' + (uint32_t)qv->ntabs) {
			qv->cur = (int)(key - '1');
			qv->sel = 0;
			qv->top = 0;
			break;
		}
		return VIEW_IGNORED;
	}
	queue_follow(qv);
	return VIEW_HANDLED;
}

static void
queue_draw(struct view *v, const struct draw_rect *r)
{
	struct queue_view *qv = v->priv;
	struct queue_tab *t = &qv->tabs[qv->cur];
	int x = r->x + 1, y = r->y, w = r->w - 2;
	int cw_receipt = 10, cw_recv = w < 110 ? 11 : 16, cw_stage = w < 110 ? 10 : 28;
	int cw_notes = t->counts ? 4 : 0, cw_cust, cw_med, rest;
	char cell[256];

	/* The tabs: "1 Awaiting reply (3)" ... */
	for (int i = 0; i < qv->ntabs && x < r->x + r->w; i++) {
		const struct queue_tab *ti = &qv->tabs[i];

		if (ti->loaded)
			snprintf(cell, sizeof cell, " %d %s (%zu) ", i + 1, _(ti->def->label),
			         ti->nrows);
		else
			snprintf(cell, sizeof cell, " %d %s (…) ", i + 1, _(ti->def->label));
		x += draw_text(y, x, r->x + r->w - x,
		               i == qv->cur ? ROLE_FIELD_ACTIVE
		                            : (ti->nrows > 0 ? ROLE_VALUE : ROLE_HINT),
		               cell, false);
		x += draw_text(y, x, 2, ROLE_NORMAL, "  ", false);
	}
	x = r->x + 1;
	y += 2;
	rest = w - cw_receipt - cw_recv - cw_stage - cw_notes - 5 * 2;
	cw_cust = rest * 2 / 5 > 30 ? 30 : rest * 2 / 5;
	cw_med = rest - cw_cust;
	{
		int cx = x;

		draw_cell(y, cx, cw_receipt, ROLE_HEADER, _("Receipt"));
		draw_cell(y, cx += cw_receipt + 2, cw_recv, ROLE_HEADER, _("Received"));
		draw_cell(y, cx += cw_recv + 2, cw_cust, ROLE_HEADER, _("Customer"));
		draw_cell(y, cx += cw_cust + 2, cw_stage, ROLE_HEADER, _("Stage"));
		cx += cw_stage + 2;
		if (cw_notes > 0) {
			draw_cell(y, cx, cw_notes, ROLE_HEADER, _("New"));
			cx += cw_notes + 2;
		}
		draw_cell(y, cx, cw_med, ROLE_HEADER, _("Medium"));
	}
	y++;
	if (!t->loaded) {
		draw_text(y + 1, x, w, ROLE_HINT, _("Loading…"), false);
		return;
	}
	if (t->error[0] != '\0') {
		snprintf(cell, sizeof cell, _("Could not load this queue: %s"), t->error);
		draw_text(y + 1, x, w, ROLE_ERROR, cell, false);
		return;
	}
	if (t->nrows == 0) {
		draw_text(y + 1, x, w, ROLE_HINT, _(t->def->empty), false);
		return;
	}
	qv->height = r->y + r->h - y;
	if ((int)qv->sel < qv->top)
		qv->top = (int)qv->sel;
	if ((int)qv->sel >= qv->top + qv->height)
		qv->top = (int)qv->sel - qv->height + 1;
	for (int i = 0; i < qv->height && (size_t)(qv->top + i) < t->nrows; i++) {
		const struct queue_row *row = &t->rows[qv->top + i];
		bool sel = (size_t)(qv->top + i) == qv->sel;
		enum draw_role role = sel ? ROLE_CURSOR : ROLE_NORMAL;
		const char *when =
		    w < 110 && strlen(row->received) == 16 ? row->received + 5 : row->received;
		int cx = x;

		if (sel)
			draw_fill(y + i, r->x, r->w, ROLE_CURSOR);
		draw_cell(y + i, cx, cw_receipt, role, row->receipt);
		draw_cell(y + i, cx += cw_receipt + 2, cw_recv, role, when);
		draw_cell(y + i, cx += cw_recv + 2, cw_cust,
		          row->masked && !sel ? ROLE_MASKED : role, row->customer);
		/* Narrow: the stage in the case sheet's own words only. */
		draw_cell(y + i, cx += cw_cust + 2, cw_stage, role,
		          w < 110 && row->st != NULL ? row->st->label_ja : row->stage);
		cx += cw_stage + 2;
		if (cw_notes > 0) {
			snprintf(cell, sizeof cell, "%lld", (long long)row->notes_new);
			draw_cell(y + i, cx, cw_notes, sel ? role : ROLE_INFO, cell);
			cx += cw_notes + 2;
		}
		draw_cell(y + i, cx, cw_med, role, row->medium);
	}
}

const struct view_ops view_queue_ops = {
	.name = "queues",
	.title = N_("My queues"),
	.hints = queue_hints,
	.open = queue_open,
	.load = queue_load,
	.draw = queue_draw,
	.key = queue_key,
	.close = queue_close,
	.event = queue_event,
};
