/* A case's analysis work log (tech centre only): logical and physical work with its minutes,
 * newest last, the total, and a form to add an entry. */
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
#include "text.h"
#include "utf8.h"
#include "view.h"
#include "xmalloc.h"

struct worklog_row {
	char *at, *by, *kind, *body; /* owned */
	int64_t minutes;
};

struct worklog_view {
	char *receipt; /* owned */
	struct worklog_row *rows;
	size_t nrows, sel;
	int64_t total;
	int top, height;
	bool loaded;
	char error[512];
	struct view_hint hints[8];
};

/* ---- the entry form ---- */

static const struct form_choice_def worklog_kinds[] = {
	{ "logical", N_("logical analysis") },
	{ "physical", N_("physical analysis") },
	{ NULL, NULL },
};

static const struct form_item_def worklog_items[] = {
	{ .key = "kind",
	  .label = N_("Work"),
	  .kind = FORM_CHOICE,
	  .required = true,
	  .choices = worklog_kinds },
	{ .key = "minutes",
	  .label = N_("Minutes"),
	  .hint = N_("1 to 1440; 1h30 or 1:30 are read as 90"),
	  .kind = FORM_TEXT,
	  .required = true,
	  .maxlen = 8 },
	{ .key = "body",
	  .label = N_("What was done"),
	  .kind = FORM_MULTI,
	  .required = true,
	  .maxlen = 4000,
	  .rows = 10 },
};

/* Minutes as typed: "90", "1h30", "1:30", "2h". -1 when it does not read. */
static long
worklog_minutes(const char *s)
{
	long h = 0, m = 0;
	int n = 0;

	if (sscanf(s, "%ld%n", &m, &n) == 1 && s[n] == '\0')
		return m;
	if (sscanf(s, "%ld:%ld%n", &h, &m, &n) == 2 && s[n] == '\0')
		return h * 60 + m;
	if (sscanf(s, "%ldh%ld%n", &h, &m, &n) == 2 && (s[n] == '\0' || !strcmp(s + n, "m")))
		return h * 60 + m;
	if (sscanf(s, "%ldh%n", &h, &n) == 1 && s[n] == '\0')
		return h * 60;
	return -1;
}

static int
worklog_pack(struct form *f, msgpack_packer *pk)
{
	char *min = form_text(f, "minutes"), *body = form_text(f, "body");
	long m = worklog_minutes(min);
	int rc = 0;

	if (m < 1 || m > 1440)
		rc = form_fail(f, "minutes", "%s", _("Minutes: a number from 1 to 1440."));
	else if (body[0] == '\0')
		rc = form_fail(f, "body", "%s", _("Say what was done."));
	else
		mp_packf(pk, "{s s s s s i s s}", "receipt", form_ctx(f)->receipt, "kind",
		         form_choice(f, "kind"), "minutes", (int64_t)m, "body", body);
	free(min);
	free(body);
	return rc;
}

static void
worklog_done(struct form *f, const msgpack_object *data, char *msg, size_t msglen)
{
	(void)data;
	snprintf(msg, msglen, _("Work-log entry added to %s."), form_ctx(f)->receipt);
}

static const struct form_def worklog_form = {
	.title = N_("Work log"),
	.heading = N_("A work-log entry for case %s"),
	.submit = N_("add the entry"),
	.op = "worklog.add",
	.items = worklog_items,
	.nitems = sizeof worklog_items / sizeof worklog_items[0],
	.pack = worklog_pack,
	.done = worklog_done,
};

/* ---- the list ---- */

static void
worklog_rows_free(struct worklog_view *wv)
{
	for (size_t i = 0; i < wv->nrows; i++) {
		free(wv->rows[i].at);
		free(wv->rows[i].by);
		free(wv->rows[i].kind);
		free(wv->rows[i].body);
	}
	free(wv->rows);
	wv->rows = NULL;
	wv->nrows = 0;
}

static void
worklog_hints(struct view *v)
{
	struct worklog_view *wv = v->priv;
	int n = 0;

	if (app_has_right(v->app, "worklog.write"))
		wv->hints[n++] = (struct view_hint){ ACT_ADD, N_("add an entry") };
	wv->hints[n++] = (struct view_hint){ ACT_DOWN, NULL };
	wv->hints[n++] = (struct view_hint){ ACT_REFRESH, NULL };
	wv->hints[n++] = (struct view_hint){ ACT_BACK, NULL };
	wv->hints[n] = (struct view_hint){ ACT_NONE, NULL };
	v->hints = wv->hints;
}

/* worklog.list answered (a conn_reply_fn; arg is the view). */
static void
worklog_reply(void *arg, const struct proto_reply *rep)
{
	struct view *v = arg;
	struct worklog_view *wv = v->priv;
	const msgpack_object *rows;
	uint32_t n;
	bool at_end = wv->nrows == 0 || wv->sel + 1 >= wv->nrows;

	v->app->redraw = true;
	if (!rep->ok) {
		if (rep->err == ERR_FORBIDDEN)
			snprintf(wv->error, sizeof wv->error, "%s",
			         _("Work logs are kept in the tech centre: not on this network."));
		else
			snprintf(wv->error, sizeof wv->error, _("Could not load the work log: %s"),
			         rec_msg(rep->err_msg));
		return;
	}
	wv->error[0] = '\0';
	worklog_rows_free(wv);
	rows = rec_array(rep->data, "rows", &n);
	wv->rows = xcalloc(n + 1, sizeof *wv->rows);
	wv->total = 0;
	for (uint32_t i = 0; i < n; i++) {
		struct worklog_row *r = &wv->rows[wv->nrows++];

		r->at = rec_text(&rows[i], "at");
		r->by = rec_text(&rows[i], "by");
		r->kind = rec_text(&rows[i], "kind");
		r->body = rec_text(&rows[i], "body");
		r->minutes = rec_int(&rows[i], "minutes", 0);
		wv->total += r->minutes;
	}
	wv->total = rec_int(rep->data, "minutes_total", wv->total);
	/* The newest entry is the one just added: follow it when the end was selected. */
	if (at_end || wv->sel >= wv->nrows)
		wv->sel = wv->nrows > 0 ? wv->nrows - 1 : 0;
	wv->loaded = true;
}

static void
worklog_load(struct view *v, const char *focus)
{
	struct worklog_view *wv = v->priv;

	(void)focus;
	conn_cancel(v->app->conn, v);
	conn_call(v->app->conn, v, worklog_reply, v, "worklog.list", "{s s}", "receipt",
	          wv->receipt);
}

static void
worklog_event(struct view *v, const char *topic, const char *id)
{
	struct worklog_view *wv = v->priv;

	if (strcmp(topic, "resync") == 0 ||
	    (strcmp(topic, "case") == 0 && strcmp(id, wv->receipt) == 0))
		worklog_load(v, NULL);
}

static int
worklog_open(struct view *v, const void *arg)
{
	struct worklog_view *wv = xcalloc(1, sizeof *wv);

	wv->receipt = xstrdup(arg);
	v->priv = wv;
	v->keymask = KM_ALWAYS | KM_GLOBAL | KM_MOVE | KM_SHEET;
	worklog_hints(v);
	return 0;
}

static void
worklog_close(struct view *v)
{
	struct worklog_view *wv = v->priv;

	worklog_rows_free(wv);
	free(wv->receipt);
	free(wv);
}

static unsigned
worklog_key(struct view *v, enum action act, uint32_t key)
{
	struct worklog_view *wv = v->priv;
	struct form_open o = { .def = &worklog_form };

	(void)key;
	switch (act) {
	case ACT_UP:
		if (wv->sel > 0)
			wv->sel--;
		return VIEW_HANDLED;
	case ACT_DOWN:
		if (wv->sel + 1 < wv->nrows)
			wv->sel++;
		return VIEW_HANDLED;
	case ACT_TOP:
	case ACT_PAGE_UP:
		wv->sel = 0;
		return VIEW_HANDLED;
	case ACT_BOTTOM:
	case ACT_PAGE_DOWN:
		wv->sel = wv->nrows > 0 ? wv->nrows - 1 : 0;
		return VIEW_HANDLED;
	case ACT_ADD:
		if (!app_has_right(v->app, "worklog.write")) {
			app_message(v->app, MSG_ERROR, "%s",
			            _("Your role may not write work logs on this network."));
			return VIEW_HANDLED;
		}
		o.ctx = (struct form_ctx){ .receipt = wv->receipt };
		app_push(v->app, &view_form_ops, &o);
		return VIEW_HANDLED;
	case ACT_REFRESH:
		worklog_load(v, NULL);
		return VIEW_HANDLED;
	case ACT_BACK:
		return VIEW_CLOSE;
	default:
		return VIEW_IGNORED;
	}
}

static void
worklog_draw(struct view *v, const struct draw_rect *r)
{
	struct worklog_view *wv = v->priv;
	int x = r->x + 1, y = r->y, w = r->w - 2, bodyw, detail;
	char line[512], when[TEXT_TIME_MAX], min[16];

	snprintf(line, sizeof line, _("Work log of case %s"), wv->receipt);
	x += draw_text(y, x, w, ROLE_BIG, line, false);
	if (wv->loaded) {
		char count[64];

		snprintf(count, sizeof count, wv->nrows == 1 ? _("%zu entry") : _("%zu entries"),
		         wv->nrows);
		snprintf(line, sizeof line, _("   %s, %lld min (%lld h %02lld min) in all"), count,
		         (long long)wv->total, (long long)wv->total / 60,
		         (long long)wv->total % 60);
		draw_text(y, x, r->x + r->w - x - 1, ROLE_VALUE, line, false);
	}
	x = r->x + 1;
	y += 2;
	if (wv->error[0] != '\0') {
		draw_text(y, x, w, ROLE_ERROR, wv->error, false);
		return;
	}
	if (!wv->loaded) {
		draw_text(y, x, w, ROLE_HINT, _("Loading…"), false);
		return;
	}
	if (wv->nrows == 0) {
		draw_text(y, x, w, ROLE_HINT, _("No work logged yet."), false);
		return;
	}
	bodyw = w - 16 - 14 - 10 - 6 - 8;
	{
		int cx = x;
		draw_cell(y, cx, 16, ROLE_HEADER, _("Date/time"));
		draw_cell(y, cx += 18, 14, ROLE_HEADER, _("By"));
		draw_cell(y, cx += 16, 10, ROLE_HEADER, _("Work"));
		draw_cell(y, cx += 12, 6, ROLE_HEADER, _("Min"));
		draw_cell(y, cx += 8, bodyw, ROLE_HEADER, _("What was done"));
	}
	y++;
	/* The selected entry in full under the table. */
	detail = (r->y + r->h - y) / 3;
	wv->height = r->y + r->h - y - detail - 1;
	if (wv->height < 1)
		wv->height = 1;
	if ((int)wv->sel < wv->top)
		wv->top = (int)wv->sel;
	if ((int)wv->sel >= wv->top + wv->height)
		wv->top = (int)wv->sel - wv->height + 1;
	for (int i = 0; i < wv->height && (size_t)(wv->top + i) < wv->nrows; i++) {
		const struct worklog_row *row = &wv->rows[wv->top + i];
		bool sel = (size_t)(wv->top + i) == wv->sel;
		enum draw_role role = sel ? ROLE_CURSOR : ROLE_NORMAL;
		char first[512];
		int cx = x;

		if (sel)
			draw_fill(y + i, r->x, r->w, ROLE_CURSOR);
		snprintf(min, sizeof min, "%lld", (long long)row->minutes);
		snprintf(first, sizeof first, "%.*s", (int)strcspn(row->body, "\n"), row->body);
		draw_cell(y + i, cx, 16, role, text_local_time(row->at, when, sizeof when));
		draw_cell(y + i, cx += 18, 14, role, row->by);
		draw_cell(y + i, cx += 16, 10, role, row->kind);
		draw_cell(y + i, cx += 12, 6, role, min);
		draw_cell(y + i, cx += 8, bodyw, role, first);
	}
	y += wv->height + 1;
	if (wv->sel < wv->nrows) {
		const char *p = wv->rows[wv->sel].body;

		for (; *p != '\0' && y < r->y + r->h;) {
			size_t next, len = text_wrap(p, w - 2, &next);
			char *piece = xstrndup(p, len);

			draw_text(y++, x + 2, w - 2, ROLE_NORMAL, piece, false);
			free(piece);
			p += next;
		}
	}
}

const struct view_ops view_worklog_ops = {
	.name = "worklog",
	.title = N_("Work log"),
	.hints = NULL,
	.open = worklog_open,
	.load = worklog_load,
	.draw = worklog_draw,
	.key = worklog_key,
	.close = worklog_close,
	.event = worklog_event,
};
