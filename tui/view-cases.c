/* The case list: newest first, a page at a time (keyset paging with `next`), with free-text
 * search. Columns are cut and padded by display width so Japanese names line up. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "err.h"
#include "field.h"
#include "form.h"
#include "i18n.h"
#include "mp.h"
#include "rows.h"
#include "text.h"
#include "utf8.h"
#include "view.h"
#include "xmalloc.h"

#define CASES_PAGE 50

/* The columns of a row, as kept in cases_view.rows; stages repeat and are kept once. */
enum cases_col { CASES_RECEIPT, CASES_RECEIVED, CASES_CUSTOMER, CASES_STAGE, CASES_MEDIUM };
#define CASES_NCOLS      5
#define CASES_TAG_MASKED 1u /* the customer is masked ("***") */

struct cases_view {
	struct rows rows; /* a page of rows per reply */
	int64_t next;     /* cursor of the following page, when has_next */
	bool has_next;
	bool loading;     /* a page request is on its way */
	bool replace;     /* ... and its rows replace the list (a reload) */
	bool loaded;      /* a first page has arrived */
	bool want_bottom; /* G: keep loading pages, then select the last row */
	size_t sel;
	int top, height;
	char *query; /* owned; the search in force, NULL for none */
	char *focus; /* owned; receipt to select once the reload arrives */
	bool searching;
	bool stale;        /* changed on the server; not reloaded so as not to lose the place */
	int64_t new_notes; /* cases with notes from the other network not yet seen; -1: unknown */
	struct field search;
	char error[512];
};

static const struct view_hint cases_hints[] = {
	{ ACT_OPEN, NULL },     { ACT_SHEET, NULL },  { ACT_QUEUES, NULL },
	{ ACT_NEW_CASE, NULL }, { ACT_SEARCH, NULL }, { ACT_LEDGER, NULL },
	{ ACT_REFRESH, NULL },  { ACT_HELP, NULL },   { ACT_BACK, N_("sign out and quit") },
	{ ACT_NONE, NULL },
};
/* Without case.create: no "new case". */
static const struct view_hint cases_hints_read[] = {
	{ ACT_OPEN, NULL },   { ACT_SHEET, NULL },
	{ ACT_QUEUES, NULL }, { ACT_SEARCH, NULL },
	{ ACT_LEDGER, NULL }, { ACT_REFRESH, NULL },
	{ ACT_HELP, NULL },   { ACT_BACK, N_("sign out and quit") },
	{ ACT_NONE, NULL },
};
/* The hint line while browsing: only the keys this person may use. */
static const struct view_hint *
cases_browse_hints(const struct view *v)
{
	return app_has_right(v->app, "case.create") ? cases_hints : cases_hints_read;
}

static const struct view_hint cases_search_hints[] = {
	{ ACT_ENTER, N_("search") },
	{ ACT_CANCEL, NULL },
	{ ACT_NONE, NULL },
};

/* Stage names as the server sends them in lists, and their labels (schema: kura.stages). */
static const struct {
	const char *name, *label;
} cases_stages[] = {
	{ "intake", N_("Receipt/intake") },
	{ "analysis", N_("Analysis start") },
	{ "report", N_("Investigation report") },
	{ "reply", N_("Customer reply") },
	{ "recovery", N_("Recovery or cancellation") },
	{ "shipping", N_("Shipping or repair") },
	{ "erasure", N_("Erasure") },
	{ "closed", N_("Closed") },
};

/* The label of a stage name (borrowed: static, or name itself when unknown). */
static const char *
cases_stage_label(const char *name)
{
	for (size_t i = 0; i < sizeof cases_stages / sizeof cases_stages[0]; i++)
		if (strcmp(cases_stages[i].name, name) == 0)
			return _(cases_stages[i].label);
	return name;
}

/* The receipt of row i (borrowed from the view's rows). */
static const char *
cases_receipt(const struct cases_view *cv, size_t i)
{
	return rows_cell(&cv->rows, i, CASES_RECEIPT, NULL);
}

static int
cases_open(struct view *v, const void *arg)
{
	struct cases_view *cv = xcalloc(1, sizeof *cv);

	(void)arg;
	field_init(&cv->search, false, 200);
	rows_init(&cv->rows, CASES_NCOLS, 1u << CASES_STAGE);
	cv->new_notes = -1;
	v->priv = cv;
	v->keymask = KM_ALWAYS | KM_GLOBAL | KM_MOVE | KM_LIST | KM_CASE;
	v->hints = cases_browse_hints(v);
	return 0;
}

static void
cases_close(struct view *v)
{
	struct cases_view *cv = v->priv;

	rows_fini(&cv->rows);
	free(cv->query);
	free(cv->focus);
	field_fini(&cv->search);
	free(cv);
}

/* The string under key in row, returned owned; "" when absent. row: borrowed. */
static char *
cases_str(const msgpack_object *row, const char *key)
{
	char *s = mp_strdup(mp_get(row, key));

	return s != NULL ? s : xstrdup("");
}

static void cases_request(struct view *v, bool replace);

/* case.queue "new-notes" answered (a conn_reply_fn; arg is the view). */
static void
cases_notes_reply(void *arg, const struct proto_reply *rep)
{
	struct view *v = arg;
	struct cases_view *cv = v->priv;
	const msgpack_object *rows = rep->ok ? mp_get(rep->data, "rows") : NULL;

	cv->new_notes =
	    rows != NULL && rows->type == MSGPACK_OBJECT_ARRAY ? (int64_t)rows->via.array.size : -1;
	v->app->redraw = true;
}

/* How many cases have notes from the other network this person has not seen: the list says
 * so above the table. */
static void
cases_count_notes(struct view *v)
{
	if (app_has_right(v->app, "note.write"))
		conn_call(v->app->conn, v, cases_notes_reply, v, "case.queue", "{s s}", "queue",
		          "new-notes");
}

static void
cases_select(struct cases_view *cv, size_t sel)
{
	size_t n = rows_count(&cv->rows);

	cv->sel = n == 0 ? 0 : (sel >= n ? n - 1 : sel);
}

/* case.list answered (a conn_reply_fn; arg is the view). */
static void
cases_reply(void *arg, const struct proto_reply *rep)
{
	struct view *v = arg;
	struct cases_view *cv = v->priv;
	const msgpack_object *rows, *next;
	char *keep = NULL;

	cv->loading = false;
	v->app->redraw = true;
	if (!rep->ok) {
		cv->want_bottom = false;
		if (rep->err == ERR_FORBIDDEN)
			snprintf(cv->error, sizeof cv->error, "%s",
			         _("You may not see cases on this network."));
		else
			snprintf(cv->error, sizeof cv->error, _("Could not load cases: %s"),
			         rep->err_msg);
		app_message(v->app, MSG_ERROR, "%s", cv->error);
		return;
	}
	cv->error[0] = '\0';
	rows = mp_get(rep->data, "rows");
	if (cv->replace) {
		/* Keep the selected case selected across a reload. */
		if (cv->sel < rows_count(&cv->rows))
			keep = xstrdup(cases_receipt(cv, cv->sel));
		rows_clear(&cv->rows);
		cv->top = 0;
	}
	if (rows != NULL && rows->type == MSGPACK_OBJECT_ARRAY) {
		for (uint32_t i = 0; i < rows->via.array.size; i++) {
			const msgpack_object *o = &rows->via.array.ptr[i];
			const char *cell[CASES_NCOLS];
			char when[TEXT_TIME_MAX];
			char *receipt = cases_str(o, "receipt"), *raw = cases_str(o, "received_at");
			char *customer = cases_str(o, "customer_name"),
			     *medium = cases_str(o, "medium");
			/* A label from the server wins; else our copy of the stage table. */
			char *label = mp_strdup(mp_get(o, "stage_label")), *stage = NULL;

			if (label == NULL)
				stage = cases_str(o, "stage");
			cell[CASES_RECEIPT] = receipt;
			cell[CASES_RECEIVED] = text_local_time(raw, when, sizeof when);
			cell[CASES_CUSTOMER] = customer;
			cell[CASES_STAGE] = label != NULL ? label : cases_stage_label(stage);
			cell[CASES_MEDIUM] = medium;
			rows_add(&cv->rows, cell,
			         strcmp(customer, "***") == 0 ? CASES_TAG_MASKED : 0);
			free(receipt);
			free(raw);
			free(customer);
			free(medium);
			free(label);
			free(stage);
		}
	}
	rows_end_page(&cv->rows);
	next = mp_get(rep->data, "next");
	cv->has_next = next != NULL && mp_int(next, &cv->next) == 0;
	if (cv->replace) {
		const char *want = cv->focus != NULL ? cv->focus : keep;
		size_t sel = 0;

		for (size_t i = 0; want != NULL && i < rows_count(&cv->rows); i++)
			if (strcmp(cases_receipt(cv, i), want) == 0)
				sel = i;
		cases_select(cv, sel);
		free(cv->focus);
		cv->focus = NULL;
	}
	free(keep);
	cv->loaded = true;
	cv->replace = false;
	if (cv->want_bottom) {
		if (cv->has_next) {
			cases_request(v, false);
			return;
		}
		cv->want_bottom = false;
		cases_select(cv, rows_count(&cv->rows) - 1);
	}
}

/* Asks for the first page (replace) or the one after the loaded rows. */
static void
cases_request(struct view *v, bool replace)
{
	struct cases_view *cv = v->priv;
	struct conn *c = v->app->conn;
	msgpack_packer *pk;

	if (replace)
		conn_cancel(c, v);
	else if (cv->loading || !cv->has_next)
		return;
	pk = conn_begin(c, "case.list");
	msgpack_pack_map(pk, 1 + (cv->query != NULL) + (!replace));
	mp_packf(pk, "s i", "limit", (int64_t)CASES_PAGE);
	if (cv->query != NULL)
		mp_packf(pk, "s s", "q", cv->query);
	if (!replace)
		mp_packf(pk, "s i", "after", cv->next);
	conn_end(c, v, cases_reply, v);
	cv->loading = true;
	cv->replace = replace;
	if (replace) {
		cv->stale = false;
		cases_count_notes(v);
	}
}

/* A case changed or was added: reload the list, keeping the selected case selected, unless
 * that would throw away pages the user scrolled through or a search being typed. */
static void
cases_event(struct view *v, const char *topic, const char *id)
{
	struct cases_view *cv = v->priv;

	(void)id;
	if (strcmp(topic, "note") == 0) {
		cases_count_notes(v);
		return;
	}
	if (strcmp(topic, "case") != 0 && strcmp(topic, "resync") != 0)
		return;
	if (cv->searching || cv->want_bottom || rows_count(&cv->rows) > CASES_PAGE) {
		cv->stale = true;
		return;
	}
	cases_request(v, true);
}

static void
cases_load(struct view *v, const char *focus)
{
	struct cases_view *cv = v->priv;

	free(cv->focus);
	cv->focus = focus != NULL ? xstrdup(focus) : NULL;
	/* A new case is at the top of the unfiltered list: show that list. */
	if (focus != NULL && cv->query != NULL) {
		free(cv->query);
		cv->query = NULL;
	}
	cv->want_bottom = false;
	cases_request(v, true);
}

/* Loads the next page before the selection reaches the end of the loaded rows. */
static void
cases_prefetch(struct view *v)
{
	struct cases_view *cv = v->priv;

	if (cv->has_next && !cv->loading && cv->sel + (size_t)cv->height >= rows_count(&cv->rows))
		cases_request(v, false);
}

static unsigned
cases_search_key(struct view *v, enum action act, uint32_t key)
{
	struct cases_view *cv = v->priv;
	char *q;

	switch (act) {
	case ACT_ENTER:
	case ACT_SUBMIT:
		q = field_get(&cv->search);
		free(cv->query);
		cv->query = field_empty(&cv->search) ? NULL : q;
		if (cv->query == NULL)
			free(q);
		cv->searching = false;
		v->keymask = KM_ALWAYS | KM_GLOBAL | KM_MOVE | KM_LIST | KM_CASE;
		v->hints = cases_browse_hints(v);
		cv->sel = 0;
		cases_request(v, true);
		return VIEW_HANDLED;
	case ACT_CANCEL:
		cv->searching = false;
		v->keymask = KM_ALWAYS | KM_GLOBAL | KM_MOVE | KM_LIST | KM_CASE;
		v->hints = cases_browse_hints(v);
		return VIEW_HANDLED;
	default:
		return field_edit(&cv->search, act, key) == FIELD_IGNORED ? VIEW_IGNORED
		                                                          : VIEW_HANDLED;
	}
}

static unsigned
cases_key(struct view *v, enum action act, uint32_t key)
{
	struct cases_view *cv = v->priv;
	struct app *app = v->app;
	size_t page = cv->height > 1 ? (size_t)cv->height - 1 : 1;

	if (cv->searching)
		return cases_search_key(v, act, key);
	switch (act) {
	case ACT_UP:
		if (cv->sel > 0)
			cv->sel--;
		break;
	case ACT_DOWN:
		cases_select(cv, cv->sel + 1);
		break;
	case ACT_PAGE_UP:
		cv->sel = cv->sel > page ? cv->sel - page : 0;
		break;
	case ACT_PAGE_DOWN:
		cases_select(cv, cv->sel + page);
		break;
	case ACT_TOP:
		cv->sel = 0;
		break;
	case ACT_BOTTOM:
		if (cv->has_next) {
			cv->want_bottom = true;
			cases_request(v, false);
		}
		cases_select(cv, rows_count(&cv->rows) - 1);
		break;
	case ACT_OPEN:
		if (cv->sel < rows_count(&cv->rows))
			app_push(app, &view_case_ops, cases_receipt(cv, cv->sel));
		return VIEW_HANDLED;
	case ACT_SHEET:
		if (cv->sel < rows_count(&cv->rows))
			app_push(app, &view_casesheet_ops, cases_receipt(cv, cv->sel));
		return VIEW_HANDLED;
	case ACT_NOTE:
		if (cv->sel < rows_count(&cv->rows))
			form_note_open(app, cases_receipt(cv, cv->sel), false);
		return VIEW_HANDLED;
	case ACT_QUEUES:
		app_push(app, &view_queue_ops, NULL);
		return VIEW_HANDLED;
	case ACT_LEDGER:
		app_push(app, &view_custody_ops, NULL);
		return VIEW_HANDLED;
	case ACT_SEARCH:
		cv->searching = true;
		field_set(&cv->search, cv->query != NULL ? cv->query : "");
		v->keymask = KM_ALWAYS | KM_FORM | KM_EDIT;
		v->hints = cases_search_hints;
		return VIEW_HANDLED;
	case ACT_NEW_CASE:
		if (!app_has_right(app, "case.create")) {
			app_message(app, MSG_ERROR, "%s",
			            _("You may not register cases on this network"));
			return VIEW_HANDLED;
		}
		app_push(app, &view_intake_ops, NULL);
		return VIEW_HANDLED;
	case ACT_REFRESH:
		cases_request(v, true);
		return VIEW_HANDLED;
	case ACT_BACK:
		if (key == KC_ESC) {
			/* Esc is pressed freely to back out of things: it never quits. */
			if (cv->query != NULL) {
				free(cv->query);
				cv->query = NULL;
				cases_request(v, true);
			} else {
				app_message(app, MSG_INFO, "%s",
				            _("Press q to sign out and quit."));
			}
			return VIEW_HANDLED;
		}
		app_quit(app);
		return VIEW_HANDLED;
	default:
		return VIEW_IGNORED;
	}
	cases_prefetch(v);
	return VIEW_HANDLED;
}

/* Column widths for w columns: fixed ones first, the rest shared by customer and medium.
 * Narrow terminals (80 columns over SSH) drop the year and shorten the stage. */
struct cases_cols {
	int receipt, received, customer, stage, medium;
	bool short_date;
};

#define CASES_GAP 2

static void
cases_layout(int w, struct cases_cols *c)
{
	int rest;

	c->receipt = 10; /* YYMM-NNNNN */
	c->short_date = w < 110;
	c->received = c->short_date ? 11 : 16; /* MM-DD HH:MM or YYYY-MM-DD HH:MM */
	c->stage = w < 110 ? 14 : 20;
	rest = w - 1 - c->receipt - c->received - c->stage - 4 * CASES_GAP;
	c->customer = rest * 2 / 5;
	if (c->customer > 30)
		c->customer = 30;
	if (c->customer < 6)
		c->customer = 6;
	c->medium = rest - c->customer;
	if (c->medium < 0)
		c->medium = 0;
}

/* One line of the table: cells (cell[CASES_NCOLS], borrowed) of known display widths, cut and
 * padded by display width, never by bytes. */
static void
cases_draw_line(int y, int x, const struct cases_cols *c, enum draw_role base,
                enum draw_role customer_role, const char *const *cell, const int *width)
{
	const int cols[CASES_NCOLS] = { c->receipt, c->received, c->customer, c->stage, c->medium };

	for (int k = 0; k < CASES_NCOLS; k++) {
		draw_cell_known(y, x, cols[k], k == CASES_CUSTOMER ? customer_role : base, cell[k],
		                width[k]);
		if (k + 1 < CASES_NCOLS)
			draw_fill(y, x + cols[k], CASES_GAP, base);
		x += cols[k] + CASES_GAP;
	}
}

static void
cases_draw(struct view *v, const struct draw_rect *r)
{
	struct cases_view *cv = v->priv;
	struct cases_cols c;
	const char *cell[CASES_NCOLS] = { _("Receipt"), _("Received"), _("Customer"), _("Stage"),
		                          _("Medium") };
	int width[CASES_NCOLS];
	size_t nrows = rows_count(&cv->rows);
	char info[512], count[64];
	int y = r->y, x = r->x + 1, w;

	cases_layout(r->w, &c);
	/* The line above the table: the search in force, or the search being typed. */
	if (cv->searching) {
		const char *label = _("Search: ");
		struct draw_rect fr;
		int lw = utf8_width(label);

		draw_text(y, x, lw, ROLE_LABEL, label, false);
		fr = (struct draw_rect){ .y = y, .x = x + lw, .h = 1, .w = r->w - lw - 2 };
		if (fr.w > 50)
			fr.w = 50;
		field_draw(&cv->search, &fr, true);
		draw_text(y, fr.x + fr.w + 2, r->w - (fr.x + fr.w + 2), ROLE_HINT,
		          _("receipt, medium, notes; customer where shown. Empty: all"), false);
	} else {
		if (cv->query != NULL)
			snprintf(info, sizeof info, _("Cases matching \"%s\" (Esc shows all)"),
			         cv->query);
		else
			snprintf(info, sizeof info, "%s", _("All cases, newest first"));
		if (cv->stale)
			snprintf(info + strlen(info), sizeof info - strlen(info), "%s",
			         _("  (cases changed: r shows them)"));
		w = draw_text(y, x, r->w - 20, ROLE_SECTION, info, false);
		if (cv->new_notes > 0) {
			snprintf(info, sizeof info,
			         cv->new_notes == 1 ? _("New notes on %lld case: w shows it")
			                            : _("New notes on %lld cases: w shows them"),
			         (long long)cv->new_notes);
			draw_text(y, x + w + 3, r->w - w - 28, ROLE_INFO, info, false);
		}
	}
	if (nrows > 0) {
		snprintf(count, sizeof count, "%s%zu / %zu%s ",
		         cv->loading && !cv->replace ? _("loading more… ") : "", cv->sel + 1, nrows,
		         cv->has_next ? "+" : "");
		w = utf8_width(count);
		if (!cv->searching)
			draw_text(y, r->x + r->w - w, w, ROLE_HINT, count, false);
	}
	y += 2;
	for (int k = 0; k < CASES_NCOLS; k++)
		width[k] = utf8_width(cell[k]);
	cases_draw_line(y, x, &c, ROLE_HEADER, ROLE_HEADER, cell, width);
	y++;
	cv->height = r->y + r->h - y;
	if (cv->height < 1)
		return;
	if (!cv->loaded) {
		draw_text(y + 1, x, r->w - 2, cv->error[0] ? ROLE_ERROR : ROLE_HINT,
		          cv->error[0] ? cv->error : _("Loading cases…"), false);
		return;
	}
	if (nrows == 0) {
		draw_text(y + 1, x, r->w - 2, ROLE_HINT,
		          cv->query != NULL ? _("No case matches this search.")
		                            : _("No cases yet. Press n to register one."),
		          false);
		return;
	}
	/* Keep the selection in view. */
	if ((int)cv->sel < cv->top)
		cv->top = (int)cv->sel;
	if ((int)cv->sel >= cv->top + cv->height)
		cv->top = (int)cv->sel - cv->height + 1;
	int i;
	for (i = 0; i < cv->height && (size_t)(cv->top + i) < nrows; i++) {
		size_t row = (size_t)(cv->top + i);
		bool selected = row == cv->sel;
		bool masked = rows_tag(&cv->rows, row) & CASES_TAG_MASKED;
		enum draw_role base = selected ? ROLE_CURSOR : ROLE_NORMAL;

		if (selected)
			draw_fill(y + i, r->x, r->w, ROLE_CURSOR);
		for (int k = 0; k < CASES_NCOLS; k++)
			cell[k] = rows_cell(&cv->rows, row, (unsigned)k, &width[k]);
		/* Narrow: the date without its year. */
		if (c.short_date && strlen(cell[CASES_RECEIVED]) == 16) {
			cell[CASES_RECEIVED] += 5;
			width[CASES_RECEIVED] = utf8_width(cell[CASES_RECEIVED]);
		}
		cases_draw_line(y + i, x, &c, base, masked && !selected ? ROLE_MASKED : base, cell,
		                width);
	}
	if (cv->loading && i < cv->height)
		draw_text(y + i, x, r->w - 2, ROLE_HINT, _("Loading more…"), false);
}

const struct view_ops view_cases_ops = {
	.name = "cases",
	.title = N_("Cases"),
	.hints = cases_hints,
	.open = cases_open,
	.load = cases_load,
	.draw = cases_draw,
	.key = cases_key,
	.close = cases_close,
	.event = cases_event,
};
