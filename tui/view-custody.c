/* Custody of customers' media: the ledger (預かり媒体管理書: how many items each location holds
 * now, and every item held) and one case's history (every move of every item, the
 * receipt-and-return record); both printable. Opened with a receipt number: the history;
 * with NULL: the ledger. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "err.h"
#include "form.h"
#include "i18n.h"
#include "mp.h"
#include "print.h"
#include "record.h"
#include "text.h"
#include "utf8.h"
#include "view.h"
#include "xmalloc.h"

struct custody_loc {
	char *name, *label, *label_ja; /* owned */
	int64_t count;
	bool gone; /* not in the centre's custody (shipped, erased, at the repair centre) */
};

/* One row: an item held (ledger) or one move (history). */
struct custody_row {
	char *label, *receipt, *kind, *desc, *where, *at, *by, *from, *reason; /* owned */
};

struct custody_view {
	char *receipt; /* owned; NULL: the ledger */
	struct custody_loc *locs;
	size_t nlocs;
	struct custody_row *rows;
	size_t nrows, sel;
	int top, height;
	bool loaded;
	char error[512];
	struct view_hint hints[8];
};

static const struct view_hint custody_hints_ledger[] = {
	{ ACT_SHOW, N_("case sheet") },
	{ ACT_PRINT, NULL },
	{ ACT_REFRESH, NULL },
	{ ACT_BACK, NULL },
	{ ACT_NONE, NULL },
};
static const struct view_hint custody_hints_case[] = {
	{ ACT_PRINT, N_("print the record") },
	{ ACT_DOWN, NULL },
	{ ACT_REFRESH, NULL },
	{ ACT_BACK, NULL },
	{ ACT_NONE, NULL },
};

static void
custody_free_data(struct custody_view *cv)
{
	for (size_t i = 0; i < cv->nrows; i++) {
		struct custody_row *r = &cv->rows[i];

		free(r->label);
		free(r->receipt);
		free(r->kind);
		free(r->desc);
		free(r->where);
		free(r->at);
		free(r->by);
		free(r->from);
		free(r->reason);
	}
	free(cv->rows);
	cv->rows = NULL;
	cv->nrows = 0;
}

static void
custody_free_locs(struct custody_view *cv)
{
	for (size_t i = 0; i < cv->nlocs; i++) {
		free(cv->locs[i].name);
		free(cv->locs[i].label);
		free(cv->locs[i].label_ja);
	}
	free(cv->locs);
	cv->locs = NULL;
	cv->nlocs = 0;
}

/* A location's label as people read it: "Before-analysis shelf", with ja also
 * "Before-analysis shelf 初期解析前棚" (on paper, where there is room); the name itself when
 * the label is unknown. Returns buf or name. */
static const char *
custody_where(const struct custody_view *cv, const char *name, bool ja, char *buf, size_t size)
{
	if (name == NULL)
		return "-";
	for (size_t i = 0; i < cv->nlocs; i++)
		if (strcmp(cv->locs[i].name, name) == 0) {
			snprintf(buf, size, "%s%s%s", cv->locs[i].label, ja ? " " : "",
			         ja && cv->locs[i].label_ja ? cv->locs[i].label_ja : "");
			return buf;
		}
	return name;
}

/* Adds or updates a location (from location.list or the ledger's counts). */
static struct custody_loc *
custody_loc(struct custody_view *cv, const msgpack_object *o, const char *namekey)
{
	char *name = rec_str(o, namekey);
	struct custody_loc *l = NULL;

	if (name == NULL)
		return NULL;
	for (size_t i = 0; i < cv->nlocs; i++)
		if (strcmp(cv->locs[i].name, name) == 0)
			l = &cv->locs[i];
	if (l == NULL) {
		cv->locs = xrealloc(cv->locs, (cv->nlocs + 1) * sizeof *cv->locs);
		l = &cv->locs[cv->nlocs++];
		memset(l, 0, sizeof *l);
		l->name = name;
	} else {
		free(name);
	}
	{
		char *label = rec_str(o, "label"), *ja = rec_str(o, "label_ja");

		if (label != NULL) {
			free(l->label);
			l->label = label;
		}
		if (ja != NULL) {
			free(l->label_ja);
			l->label_ja = ja;
		}
		if (l->label == NULL)
			l->label = xstrdup(l->name);
	}
	return l;
}

/* location.list answered: the names of the places (a conn_reply_fn; arg is the view). */
static void
custody_locations_reply(void *arg, const struct proto_reply *rep)
{
	struct view *v = arg;
	struct custody_view *cv = v->priv;
	const msgpack_object *rows;
	uint32_t n;

	v->app->redraw = true;
	if (!rep->ok)
		return; /* names are shown instead */
	rows = rec_array(rep->data, "rows", &n);
	for (uint32_t i = 0; i < n; i++) {
		struct custody_loc *l = custody_loc(cv, &rows[i], "name");

		if (l != NULL && mp_get(&rows[i], "held") != NULL)
			l->gone = !rec_bool(&rows[i], "held");
	}
}

/* custody.ledger or case.custody answered (a conn_reply_fn; arg is the view). */
static void
custody_reply(void *arg, const struct proto_reply *rep)
{
	struct view *v = arg;
	struct custody_view *cv = v->priv;
	const msgpack_object *rows;
	uint32_t n;

	v->app->redraw = true;
	if (!rep->ok) {
		snprintf(cv->error, sizeof cv->error, _("Could not load the custody record: %s"),
		         rec_msg(rep->err_msg));
		return;
	}
	cv->error[0] = '\0';
	custody_free_data(cv);
	if (cv->receipt == NULL) {
		for (size_t i = 0; i < cv->nlocs; i++)
			cv->locs[i].count = 0;
		rows = rec_array(rep->data, "locations", &n);
		for (uint32_t i = 0; i < n; i++) {
			struct custody_loc *l = custody_loc(cv, &rows[i], "location");

			if (l != NULL)
				l->count = rec_int(&rows[i], "count", 0);
		}
		rows = rec_array(rep->data, "items", &n);
	} else {
		rows = rec_array(rep->data, "events", &n);
	}
	cv->rows = xcalloc(n + 1, sizeof *cv->rows);
	for (uint32_t i = 0; i < n; i++) {
		struct custody_row *r = &cv->rows[cv->nrows++];

		r->label = rec_text(&rows[i], "label");
		if (cv->receipt == NULL) {
			r->receipt = rec_text(&rows[i], "receipt");
			r->kind = rec_text(&rows[i], "kind");
			r->desc = rec_text(&rows[i], "description");
			r->where = rec_str(&rows[i], "location");
			r->at = rec_str(&rows[i], "since");
		} else {
			r->at = rec_str(&rows[i], "at");
			r->by = rec_text(&rows[i], "by");
			r->from = rec_str(&rows[i], "from");
			r->where = rec_str(&rows[i], "to");
			r->reason = rec_text(&rows[i], "reason");
		}
	}
	if (cv->sel >= cv->nrows)
		cv->sel = cv->nrows > 0 ? cv->nrows - 1 : 0;
	cv->loaded = true;
}

static void
custody_load(struct view *v, const char *focus)
{
	struct custody_view *cv = v->priv;

	(void)focus;
	conn_cancel(v->app->conn, v);
	conn_call(v->app->conn, v, custody_locations_reply, v, "location.list", NULL);
	if (cv->receipt == NULL)
		conn_call(v->app->conn, v, custody_reply, v, "custody.ledger", NULL);
	else
		conn_call(v->app->conn, v, custody_reply, v, "case.custody", "{s s}", "receipt",
		          cv->receipt);
}

/* Any case moving changes the ledger; only this case its history. */
static void
custody_event(struct view *v, const char *topic, const char *id)
{
	struct custody_view *cv = v->priv;

	if (strcmp(topic, "resync") == 0 ||
	    (strcmp(topic, "case") == 0 && (cv->receipt == NULL || strcmp(id, cv->receipt) == 0)))
		custody_load(v, NULL);
}

static int
custody_open(struct view *v, const void *arg)
{
	struct custody_view *cv = xcalloc(1, sizeof *cv);

	cv->receipt = arg != NULL ? xstrdup(arg) : NULL;
	v->priv = cv;
	v->keymask = KM_ALWAYS | KM_GLOBAL | KM_MOVE | KM_SHEET;
	v->hints = cv->receipt != NULL ? custody_hints_case : custody_hints_ledger;
	return 0;
}

static void
custody_close(struct view *v)
{
	struct custody_view *cv = v->priv;

	custody_free_data(cv);
	custody_free_locs(cv);
	free(cv->receipt);
	free(cv);
}

/* ---- printing ---- */

static char *
custody_print_text(const struct view *v)
{
	const struct custody_view *cv = v->priv;
	const struct session *s = &v->app->sess;
	struct print_doc d;
	char when[TEXT_TIME_MAX], now[TEXT_TIME_MAX], from[160], to[160], *out;
	time_t t = time(NULL);
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(now, sizeof now, "%Y-%m-%d %H:%M", &tm);
	print_init(&d);
	if (cv->receipt != NULL) {
		static const int w[5] = { 16, 14, 24, 24, 1 };
		const char *head[5] = { _("Date/time"), _("Item"), _("From"), _("To"),
			                _("By / reason") };

		print_line(&d, "%s", _("預かり媒体 受領・返却記録  RECEIPT-AND-RETURN RECORD"));
		print_rule(&d, PRINT_WIDTH, '=');
		print_field(&d, 16, _("Receipt number"), cv->receipt);
		print_line(&d, "*%s*", cv->receipt);
		print_line(&d, "%s", "");
		print_cells(&d, 5, w, head);
		print_rule(&d, PRINT_WIDTH, '-');
		for (size_t i = 0; i < cv->nrows; i++) {
			const struct custody_row *r = &cv->rows[i];
			char byr[512];
			const char *cells[5];

			snprintf(byr, sizeof byr, "%s: %s", r->by, r->reason);
			cells[0] = text_local_time(r->at, when, sizeof when);
			cells[1] = r->label;
			cells[2] = r->from != NULL
			               ? custody_where(cv, r->from, false, from, sizeof from)
			               : _("(received)");
			cells[3] = custody_where(cv, r->where, false, to, sizeof to);
			cells[4] = byr;
			print_cells(&d, 5, w, cells);
		}
	} else {
		static const int w[5] = { 14, 10, 12, 26, 1 };
		const char *head[5] = { _("Item"), _("Receipt"), _("Kind"), _("Location"),
			                _("Since") };

		print_line(&d, "%s", _("預かり媒体管理書  CUSTODY LEDGER (media held now)"));
		print_rule(&d, PRINT_WIDTH, '=');
		for (size_t i = 0; i < cv->nlocs; i++) {
			char label[256], count[32];

			if (cv->locs[i].count == 0)
				continue;
			snprintf(label, sizeof label, "%s %s", cv->locs[i].label,
			         cv->locs[i].label_ja ? cv->locs[i].label_ja : "");
			snprintf(count, sizeof count, "%lld", (long long)cv->locs[i].count);
			print_field(&d, 40, label, count);
		}
		print_line(&d, "%s", "");
		print_cells(&d, 5, w, head);
		print_rule(&d, PRINT_WIDTH, '-');
		for (size_t i = 0; i < cv->nrows; i++) {
			const struct custody_row *r = &cv->rows[i];
			const char *cells[5] = { r->label, r->receipt, r->kind,
				                 custody_where(cv, r->where, false, to, sizeof to),
				                 text_local_time(r->at, when, sizeof when) };

			print_cells(&d, 5, w, cells);
		}
	}
	print_rule(&d, PRINT_WIDTH, '=');
	print_line(&d, _("Printed %s by %s (%s), %s"), now, s->name ? s->name : "?",
	           s->user ? s->user : "?", s->segment ? s->segment : "?");
	out = xstrdup(d.text);
	print_fini(&d);
	return out;
}

/* ---- keys and drawing ---- */

static unsigned
custody_key(struct view *v, enum action act, uint32_t key)
{
	struct custody_view *cv = v->priv;
	char name[64], *text;

	(void)key;
	switch (act) {
	case ACT_UP:
		if (cv->sel > 0)
			cv->sel--;
		return VIEW_HANDLED;
	case ACT_DOWN:
		if (cv->sel + 1 < cv->nrows)
			cv->sel++;
		return VIEW_HANDLED;
	case ACT_PAGE_UP:
		cv->sel = cv->sel > (size_t)cv->height ? cv->sel - (size_t)cv->height : 0;
		return VIEW_HANDLED;
	case ACT_PAGE_DOWN:
		cv->sel += (size_t)cv->height;
		if (cv->sel >= cv->nrows)
			cv->sel = cv->nrows > 0 ? cv->nrows - 1 : 0;
		return VIEW_HANDLED;
	case ACT_TOP:
		cv->sel = 0;
		return VIEW_HANDLED;
	case ACT_BOTTOM:
		cv->sel = cv->nrows > 0 ? cv->nrows - 1 : 0;
		return VIEW_HANDLED;
	case ACT_SHOW:
		if (cv->receipt == NULL && cv->sel < cv->nrows)
			app_push(v->app, &view_casesheet_ops, cv->rows[cv->sel].receipt);
		return VIEW_HANDLED;
	case ACT_PRINT:
		if (!cv->loaded)
			return VIEW_HANDLED;
		text = custody_print_text(v);
		if (cv->receipt != NULL) {
			snprintf(name, sizeof name, "%s-custody.txt", cv->receipt);
			form_print_open(v->app, cv->receipt, text, name, false);
		} else {
			time_t t = time(NULL);
			struct tm tm;

			localtime_r(&t, &tm);
			strftime(name, sizeof name, "custody-ledger-%Y%m%d-%H%M.txt", &tm);
			form_print_open(v->app, _("the custody ledger"), text, name, false);
		}
		free(text);
		return VIEW_HANDLED;
	case ACT_REFRESH:
		custody_load(v, NULL);
		return VIEW_HANDLED;
	case ACT_BACK:
		return VIEW_CLOSE;
	default:
		return VIEW_IGNORED;
	}
}

/* The ledger's counts, several to a line. Returns the next free line. */
static int
custody_draw_counts(const struct custody_view *cv, int y, int x, int w)
{
	int cx = x, cellw = 40, total = 0;
	char cell[256];

	for (size_t i = 0; i < cv->nlocs; i++) {
		const struct custody_loc *l = &cv->locs[i];

		snprintf(cell, sizeof cell, "%s %s", l->label, l->label_ja ? l->label_ja : "");
		if (cx + cellw > x + w) {
			cx = x;
			y++;
		}
		draw_cell(y, cx, cellw - 6, l->count ? ROLE_LABEL : ROLE_HINT, cell);
		snprintf(cell, sizeof cell, "%4lld", (long long)l->count);
		draw_text(y, cx + cellw - 6, 5, l->count ? ROLE_VALUE : ROLE_HINT, cell, false);
		cx += cellw + 2;
		if (!l->gone)
			total += (int)l->count;
	}
	snprintf(cell, sizeof cell, _("%d items in the centre's custody"), total);
	draw_text(y + 1, x, w, ROLE_VALUE, cell, false);
	return y + 3;
}

static void
custody_draw(struct view *v, const struct draw_rect *r)
{
	struct custody_view *cv = v->priv;
	int x = r->x + 1, y = r->y, w = r->w - 2, lastw;
	char line[256], when[TEXT_TIME_MAX], a[160], b[160];

	if (cv->receipt != NULL)
		snprintf(line, sizeof line, _("Custody of case %s: receipt-and-return record"),
		         cv->receipt);
	else
		snprintf(line, sizeof line, "%s",
		         _("Custody ledger 預かり媒体管理書: media held now"));
	draw_text(y, x, w, ROLE_BIG, line, false);
	y += 2;
	if (cv->error[0] != '\0') {
		draw_text(y, x, w, ROLE_ERROR, cv->error, false);
		return;
	}
	if (!cv->loaded) {
		draw_text(y, x, w, ROLE_HINT, _("Loading…"), false);
		return;
	}
	if (cv->receipt == NULL)
		y = custody_draw_counts(cv, y, x, w);
	lastw = cv->receipt != NULL ? w - 16 - 14 - 26 - 26 - 8 : w - 14 - 10 - 12 - 24 - 16 - 10;
	{
		int cx = x;

		if (cv->receipt != NULL) {
			draw_cell(y, cx, 16, ROLE_HEADER, _("Date/time"));
			draw_cell(y, cx += 18, 14, ROLE_HEADER, _("Item"));
			draw_cell(y, cx += 16, 26, ROLE_HEADER, _("From"));
			draw_cell(y, cx += 28, 26, ROLE_HEADER, _("To"));
			draw_cell(y, cx += 28, lastw, ROLE_HEADER, _("By / reason"));
		} else {
			draw_cell(y, cx, 14, ROLE_HEADER, _("Item"));
			draw_cell(y, cx += 16, 10, ROLE_HEADER, _("Receipt"));
			draw_cell(y, cx += 12, 12, ROLE_HEADER, _("Kind"));
			draw_cell(y, cx += 14, 24, ROLE_HEADER, _("Location"));
			draw_cell(y, cx += 26, 16, ROLE_HEADER, _("Since"));
			draw_cell(y, cx += 18, lastw, ROLE_HEADER, _("Description"));
		}
	}
	y++;
	if (cv->nrows == 0) {
		draw_text(y + 1, x, w, ROLE_HINT,
		          cv->receipt != NULL ? _("No moves recorded.") : _("No media held."),
		          false);
		return;
	}
	cv->height = r->y + r->h - y;
	if (cv->height < 1)
		cv->height = 1;
	if ((int)cv->sel < cv->top)
		cv->top = (int)cv->sel;
	if ((int)cv->sel >= cv->top + cv->height)
		cv->top = (int)cv->sel - cv->height + 1;
	for (int i = 0; i < cv->height && (size_t)(cv->top + i) < cv->nrows; i++) {
		const struct custody_row *row = &cv->rows[cv->top + i];
		bool sel = (size_t)(cv->top + i) == cv->sel;
		enum draw_role role = sel ? ROLE_CURSOR : ROLE_NORMAL;
		int cx = x;

		if (sel)
			draw_fill(y + i, r->x, r->w, ROLE_CURSOR);
		if (cv->receipt != NULL) {
			char byr[512];

			snprintf(byr, sizeof byr, "%s: %s", row->by, row->reason);
			draw_cell(y + i, cx, 16, role, text_local_time(row->at, when, sizeof when));
			draw_cell(y + i, cx += 18, 14, role, row->label);
			draw_cell(y + i, cx += 16, 26, role,
			          row->from ? custody_where(cv, row->from, false, a, sizeof a)
			                    : _("(received)"));
			draw_cell(y + i, cx += 28, 26, role,
			          custody_where(cv, row->where, false, b, sizeof b));
			draw_cell(y + i, cx += 28, lastw, role, byr);
		} else {
			draw_cell(y + i, cx, 14, role, row->label);
			draw_cell(y + i, cx += 16, 10, role, row->receipt);
			draw_cell(y + i, cx += 12, 12, role, row->kind);
			draw_cell(y + i, cx += 14, 24, role,
			          custody_where(cv, row->where, false, a, sizeof a));
			draw_cell(y + i, cx += 26, 16, role,
			          text_local_time(row->at, when, sizeof when));
			draw_cell(y + i, cx += 18, lastw, role, row->desc);
		}
	}
}

const struct view_ops view_custody_ops = {
	.name = "custody",
	.title = N_("Custody"),
	.hints = NULL,
	.open = custody_open,
	.load = custody_load,
	.draw = custody_draw,
	.key = custody_key,
	.close = custody_close,
	.event = custody_event,
};
