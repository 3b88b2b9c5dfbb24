/* The incident list: the incidents the user may see, filtered by status, category, severity,
 * age and "mine", sorted, a page at a time; live through "incident" events. Also the keys
 * that reach incidents from anywhere (I, F9). */
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
#include "record.h"
#include "text.h"
#include "utf8.h"
#include "view-incident.h"
#include "view.h"
#include "xmalloc.h"

#define INCIDENTS_PAGE 100
#define INCIDENTS_GAP  2

struct incident_row {
	int64_t id;
	char *title, *category, *severity, *status, *segment, *reported; /* owned */
	int64_t open_cms, overdue_cms;
};

/* The filters' values, in the order a key steps through them. */
static const char *const status_values[] = {
	"open",     "",       "reported", "triaged", "investigating", "countermeasures",
	"resolved", "closed", "rejected"
};
static const char *const severity_values[] = { "", "critical", "high", "medium", "low" };
static const struct {
	int min, max; /* days; -1: no bound */
	const char *label;
} age_values[] = {
	{ -1, -1, N_("any age") },
	{ -1, 7, N_("this week") },
	{ 7, 30, N_("7-30 days") },
	{ 30, -1, N_("over 30 days") },
};
static const struct {
	const char *value, *label;
} sort_values[] = {
	{ "newest", N_("newest first") },
	{ "oldest", N_("oldest first") },
	{ "severity", N_("most severe first") },
	{ "updated", N_("last changed first") },
};
#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

struct incidents_view {
	struct incident_row *rows; /* owned */
	size_t nrows, cap, sel;
	int top, height;
	int64_t next; /* offset of the following page, when has_next */
	bool has_next, loading, replace, loaded, stale;
	int64_t focus; /* id to select when the reload arrives; 0: keep the selection */
	size_t status, severity, age, sort;
	int64_t category;    /* 0: all */
	int64_t *categories; /* owned: the codes, from incident.categories */
	size_t ncategories;
	bool mine;
	char error[512];
};

static const struct view_hint incidents_hints[] = {
	{ ACT_INC_OPEN, NULL },      { ACT_REPORT_INCIDENT, N_("report") },
	{ ACT_INC_STATUS, NULL },    { ACT_INC_CATEGORY, NULL },
	{ ACT_INC_SEVERITY, NULL },  { ACT_INC_AGE, NULL },
	{ ACT_INC_MINE, NULL },      { ACT_INC_SORT, NULL },
	{ ACT_INC_DASHBOARD, NULL }, { ACT_INC_CSV, NULL },
	{ ACT_BACK, NULL },          { ACT_NONE, NULL },
};

static void
incidents_rows_free(struct incidents_view *iv)
{
	for (size_t i = 0; i < iv->nrows; i++) {
		struct incident_row *r = &iv->rows[i];
		free(r->title), free(r->category), free(r->severity), free(r->status);
		free(r->segment), free(r->reported);
	}
	iv->nrows = 0;
}

static void incidents_request(struct view *v, bool replace);

static void
incidents_categories_reply(void *arg, const struct proto_reply *rep)
{
	struct view *v = arg;
	struct incidents_view *iv = v->priv;
	uint32_t n;
	const msgpack_object *rows;

	if (!rep->ok)
		return;
	rows = rec_array(rep->data, "rows", &n);
	free(iv->categories);
	iv->categories = xcalloc(n + 1, sizeof *iv->categories);
	iv->ncategories = 0;
	for (uint32_t i = 0; rows != NULL && i < n; i++)
		iv->categories[iv->ncategories++] = rec_int(&rows[i], "code", 0);
}

static int
incidents_open(struct view *v, const void *arg)
{
	struct incidents_view *iv = xcalloc(1, sizeof *iv);

	(void)arg;
	v->priv = iv;
	v->keymask = KM_ALWAYS | KM_GLOBAL | KM_MOVE | KM_INCIDENT;
	conn_call(v->app->conn, v, incidents_categories_reply, v, "incident.categories", NULL);
	return 0;
}

static void
incidents_close(struct view *v)
{
	struct incidents_view *iv = v->priv;

	incidents_rows_free(iv);
	free(iv->rows);
	free(iv->categories);
	free(iv);
}

static void
incidents_select(struct incidents_view *iv, size_t sel)
{
	iv->sel = iv->nrows == 0 ? 0 : (sel >= iv->nrows ? iv->nrows - 1 : sel);
}

/* incident.list answered (a conn_reply_fn; arg is the view). */
static void
incidents_reply(void *arg, const struct proto_reply *rep)
{
	struct view *v = arg;
	struct incidents_view *iv = v->priv;
	int64_t keep = 0;
	uint32_t n;
	const msgpack_object *rows, *next;

	iv->loading = false;
	v->app->redraw = true;
	if (!rep->ok) {
		snprintf(iv->error, sizeof iv->error, _("Could not load incidents: %s"),
		         rec_msg(rep->err_msg));
		app_message(v->app, MSG_ERROR, "%s", iv->error);
		return;
	}
	iv->error[0] = '\0';
	if (iv->replace) {
		if (iv->sel < iv->nrows)
			keep = iv->rows[iv->sel].id;
		incidents_rows_free(iv);
		iv->top = 0;
	}
	rows = rec_array(rep->data, "rows", &n);
	for (uint32_t i = 0; rows != NULL && i < n; i++) {
		const msgpack_object *o = &rows[i];
		struct incident_row *r;
		char when[TEXT_TIME_MAX], *code = rec_text(o, "category");
		char *ja = rec_text(o, "category_label_ja");

		if (iv->nrows == iv->cap) {
			iv->cap = iv->cap ? iv->cap * 2 : 64;
			iv->rows = xrealloc(iv->rows, iv->cap * sizeof *iv->rows);
		}
		r = &iv->rows[iv->nrows++];
		r->id = rec_int(o, "id", 0);
		r->title = rec_text(o, "title");
		r->category = xasprintf("%s %s", code, ja);
		r->severity = rec_text(o, "severity");
		r->status = rec_text(o, "status");
		r->segment = rec_text(o, "segment");
		r->reported = xstrdup(rec_time(o, "reported_at", when, sizeof when));
		r->open_cms = rec_int(o, "open_countermeasures", 0);
		r->overdue_cms = rec_int(o, "overdue_countermeasures", 0);
		free(code), free(ja);
	}
	next = mp_get(rep->data, "next");
	iv->has_next = next != NULL && mp_int(next, &iv->next) == 0;
	if (iv->replace) {
		int64_t want = iv->focus != 0 ? iv->focus : keep;
		size_t sel = 0;

		for (size_t i = 0; want != 0 && i < iv->nrows; i++)
			if (iv->rows[i].id == want)
				sel = i;
		incidents_select(iv, sel);
		iv->focus = 0;
	}
	iv->loaded = true;
	iv->replace = false;
}

/* The filters as incident.list/csv arguments: packs a map with the given extra keys to
 * come. */
static void
incidents_pack_filters(const struct incidents_view *iv, msgpack_packer *pk, size_t extra)
{
	const char *status = status_values[iv->status], *sev = severity_values[iv->severity];
	int min = age_values[iv->age].min, max = age_values[iv->age].max;
	size_t n = extra + 1 + (status[0] != '\0') + (sev[0] != '\0') + (iv->category > 0) +
	           iv->mine + (min >= 0) + (max >= 0);

	msgpack_pack_map(pk, n);
	mp_packf(pk, "s s", "sort", sort_values[iv->sort].value);
	if (status[0] != '\0')
		mp_packf(pk, "s s", "status", status);
	if (sev[0] != '\0')
		mp_packf(pk, "s s", "severity", sev);
	if (iv->category > 0)
		mp_packf(pk, "s i", "category", iv->category);
	if (iv->mine)
		mp_packf(pk, "s b", "mine", 1);
	if (min >= 0)
		mp_packf(pk, "s i", "min_age_days", (int64_t)min);
	if (max >= 0)
		mp_packf(pk, "s i", "max_age_days", (int64_t)max);
}

static void
incidents_request(struct view *v, bool replace)
{
	struct incidents_view *iv = v->priv;
	struct conn *c = v->app->conn;
	msgpack_packer *pk;

	if (replace)
		conn_cancel(c, v);
	else if (iv->loading || !iv->has_next)
		return;
	pk = conn_begin(c, "incident.list");
	incidents_pack_filters(iv, pk, replace ? 1 : 2);
	mp_packf(pk, "s i", "limit", (int64_t)INCIDENTS_PAGE);
	if (!replace)
		mp_packf(pk, "s i", "offset", iv->next);
	conn_end(c, v, incidents_reply, v);
	iv->loading = true;
	iv->replace = replace;
	if (replace)
		iv->stale = false;
}

static void
incidents_load(struct view *v, const char *focus)
{
	struct incidents_view *iv = v->priv;

	iv->focus = focus != NULL ? strtoll(focus, NULL, 10) : 0;
	incidents_request(v, true);
}

/* An incident was reported or changed: reload, keeping the selection, unless the person has
 * scrolled past the first page. */
static void
incidents_event(struct view *v, const char *topic, const char *id)
{
	struct incidents_view *iv = v->priv;

	(void)id;
	if (strcmp(topic, "incident") != 0 && strcmp(topic, "resync") != 0)
		return;
	if (iv->nrows > INCIDENTS_PAGE) {
		iv->stale = true;
		return;
	}
	incidents_request(v, true);
}

/* incident.csv answered: offer to save it. */
static void
incidents_csv_reply(void *arg, const struct proto_reply *rep)
{
	struct view *v = arg;
	char name[64];
	time_t now = time(NULL);
	struct tm tm;

	v->app->redraw = true;
	if (!rep->ok) {
		app_message(v->app, MSG_ERROR, _("No CSV: %s"), rec_msg(rep->err_msg));
		return;
	}
	char *csv = rec_text(rep->data, "csv");
	localtime_r(&now, &tm);
	strftime(name, sizeof name, "incidents-%Y%m%d-%H%M.csv", &tm);
	form_print_open(v->app, _("the incident list (CSV)"), csv, name, false);
	free(csv);
}

static unsigned
incidents_key(struct view *v, enum action act, uint32_t key)
{
	struct incidents_view *iv = v->priv;
	size_t page = iv->height > 1 ? (size_t)iv->height - 1 : 1;
	char id[24];

	(void)key;
	switch (act) {
	case ACT_UP:
		if (iv->sel > 0)
			iv->sel--;
		break;
	case ACT_DOWN:
		incidents_select(iv, iv->sel + 1);
		break;
	case ACT_PAGE_UP:
		iv->sel = iv->sel > page ? iv->sel - page : 0;
		break;
	case ACT_PAGE_DOWN:
		incidents_select(iv, iv->sel + page);
		break;
	case ACT_TOP:
		iv->sel = 0;
		break;
	case ACT_BOTTOM:
		incidents_select(iv, iv->nrows - 1);
		break;
	case ACT_INC_OPEN:
		if (iv->sel < iv->nrows) {
			snprintf(id, sizeof id, "%lld", (long long)iv->rows[iv->sel].id);
			app_push(v->app, &view_incident_ops, id);
		}
		return VIEW_HANDLED;
	case ACT_INC_STATUS:
		iv->status = (iv->status + 1) % COUNT_OF(status_values);
		incidents_request(v, true);
		return VIEW_HANDLED;
	case ACT_INC_CATEGORY: {
		size_t i = 0;
		while (i < iv->ncategories && iv->categories[i] != iv->category)
			i++;
		/* all -> each code in turn -> all */
		iv->category = iv->category == 0 ? (iv->ncategories > 0 ? iv->categories[0] : 0)
		               : i + 1 < iv->ncategories ? iv->categories[i + 1]
		                                         : 0;
		incidents_request(v, true);
		return VIEW_HANDLED;
	}
	case ACT_INC_SEVERITY:
		iv->severity = (iv->severity + 1) % COUNT_OF(severity_values);
		incidents_request(v, true);
		return VIEW_HANDLED;
	case ACT_INC_AGE:
		iv->age = (iv->age + 1) % COUNT_OF(age_values);
		incidents_request(v, true);
		return VIEW_HANDLED;
	case ACT_INC_MINE:
		iv->mine = !iv->mine;
		incidents_request(v, true);
		return VIEW_HANDLED;
	case ACT_INC_SORT:
		iv->sort = (iv->sort + 1) % COUNT_OF(sort_values);
		incidents_request(v, true);
		return VIEW_HANDLED;
	case ACT_INC_DASHBOARD:
		if (!app_has_right(v->app, "incident.read")) {
			app_message(v->app, MSG_ERROR, "%s",
			            _("The dashboard needs incident.read on this network."));
			return VIEW_HANDLED;
		}
		app_push(v->app, &view_incident_dash_ops, NULL);
		return VIEW_HANDLED;
	case ACT_INC_CSV: {
		msgpack_packer *pk = conn_begin(v->app->conn, "incident.csv");
		incidents_pack_filters(iv, pk, 0);
		conn_end(v->app->conn, v, incidents_csv_reply, v);
		return VIEW_HANDLED;
	}
	case ACT_REFRESH:
		incidents_request(v, true);
		return VIEW_HANDLED;
	case ACT_BACK:
		return VIEW_CLOSE;
	default:
		return VIEW_IGNORED;
	}
	if (iv->has_next && !iv->loading && iv->sel + (size_t)iv->height >= iv->nrows)
		incidents_request(v, false);
	return VIEW_HANDLED;
}

/* ---- drawing ---- */

struct incidents_cols {
	int id, reported, severity, status, category, cms, title;
	bool short_date;
};

static void
incidents_layout(int w, struct incidents_cols *c)
{
	c->id = 5;
	c->short_date = w < 110;
	c->reported = c->short_date ? 11 : 16;
	c->severity = 8;
	c->status = w < 110 ? 12 : 16;
	c->cms = 9;
	c->category = w < 110 ? 12 : (w < 140 ? 14 : 24);
	c->title = w - 1 - c->id - c->reported - c->severity - c->status - c->cms - c->category -
	           6 * INCIDENTS_GAP;
	if (c->title < 8)
		c->title = 8;
}

static int
incidents_cell(int y, int x, int w, enum draw_role role, const char *s)
{
	draw_cell(y, x, w, role, s);
	draw_fill(y, x + w, INCIDENTS_GAP, role);
	return x + w + INCIDENTS_GAP;
}

static enum draw_role
incidents_severity_role(const char *sev, enum draw_role base)
{
	if (base != ROLE_NORMAL)
		return base;
	if (strcmp(sev, "critical") == 0)
		return ROLE_ERROR;
	if (strcmp(sev, "high") == 0)
		return ROLE_REQUIRED;
	return base;
}

static void
incidents_draw(struct view *v, const struct draw_rect *r)
{
	struct incidents_view *iv = v->priv;
	struct incidents_cols c;
	char info[512], cat[32], count[64];
	int y = r->y, x = r->x + 1, i;

	incidents_layout(r->w, &c);
	if (iv->category > 0)
		snprintf(cat, sizeof cat, _("category %lld"), (long long)iv->category);
	else
		snprintf(cat, sizeof cat, "%s", _("all categories"));
	snprintf(info, sizeof info, _("Incidents: %s, %s, %s, %s, %s%s"),
	         status_values[iv->status][0] == '\0'
	             ? _("any status")
	             : (strcmp(status_values[iv->status], "open") == 0
	                    ? _("open")
	                    : incident_status_label(status_values[iv->status])),
	         cat,
	         severity_values[iv->severity][0] == '\0'
	             ? _("any severity")
	             : incident_severity_label(severity_values[iv->severity]),
	         _(age_values[iv->age].label), _(sort_values[iv->sort].label),
	         iv->mine ? _(", reported by you") : "");
	if (iv->stale)
		snprintf(info + strlen(info), sizeof info - strlen(info), "%s",
		         _("  (changed: r shows it)"));
	draw_text(y, x, r->w - 16, ROLE_SECTION, info, false);
	if (iv->nrows > 0) {
		snprintf(count, sizeof count, "%zu / %zu%s ", iv->sel + 1, iv->nrows,
		         iv->has_next ? "+" : "");
		int w = utf8_width(count);
		draw_text(y, r->x + r->w - w, w, ROLE_HINT, count, false);
	}
	y += 2;
	{
		int cx = x;
		cx = incidents_cell(y, cx, c.id, ROLE_HEADER, _("#"));
		cx = incidents_cell(y, cx, c.reported, ROLE_HEADER, _("Reported"));
		cx = incidents_cell(y, cx, c.severity, ROLE_HEADER, _("Severity"));
		cx = incidents_cell(y, cx, c.status, ROLE_HEADER, _("Status"));
		cx = incidents_cell(y, cx, c.category, ROLE_HEADER, _("Category"));
		cx = incidents_cell(y, cx, c.cms, ROLE_HEADER, _("Measures"));
		draw_cell(y, cx, c.title, ROLE_HEADER, _("Title"));
	}
	y++;
	iv->height = r->y + r->h - y;
	if (iv->height < 1)
		return;
	if (!iv->loaded) {
		draw_text(y + 1, x, r->w - 2, iv->error[0] ? ROLE_ERROR : ROLE_HINT,
		          iv->error[0] ? iv->error : _("Loading incidents…"), false);
		return;
	}
	if (iv->nrows == 0) {
		draw_text(
		    y + 1, x, r->w - 2, ROLE_HINT,
		    _("No incident here. F9 reports one; s, c, v, a, m change what is shown."),
		    false);
		return;
	}
	if ((int)iv->sel < iv->top)
		iv->top = (int)iv->sel;
	if ((int)iv->sel >= iv->top + iv->height)
		iv->top = (int)iv->sel - iv->height + 1;
	for (i = 0; i < iv->height && (size_t)(iv->top + i) < iv->nrows; i++) {
		const struct incident_row *row = &iv->rows[iv->top + i];
		bool selected = (size_t)(iv->top + i) == iv->sel;
		enum draw_role base = selected ? ROLE_CURSOR : ROLE_NORMAL;
		char id[24], cms[32];
		int cx = x;

		if (selected)
			draw_fill(y + i, r->x, r->w, ROLE_CURSOR);
		snprintf(id, sizeof id, "%lld", (long long)row->id);
		if (row->overdue_cms > 0)
			snprintf(cms, sizeof cms, _("%lld late"), (long long)row->overdue_cms);
		else if (row->open_cms > 0)
			snprintf(cms, sizeof cms, _("%lld open"), (long long)row->open_cms);
		else
			cms[0] = '\0';
		cx = incidents_cell(y + i, cx, c.id, base, id);
		cx = incidents_cell(y + i, cx, c.reported, base,
		                    c.short_date && strlen(row->reported) == 16 ? row->reported + 5
		                                                                : row->reported);
		cx = incidents_cell(y + i, cx, c.severity,
		                    incidents_severity_role(row->severity, base),
		                    incident_severity_label(row->severity));
		cx = incidents_cell(y + i, cx, c.status, base, incident_status_label(row->status));
		cx = incidents_cell(y + i, cx, c.category, base, row->category);
		cx = incidents_cell(y + i, cx, c.cms,
		                    row->overdue_cms > 0 && !selected ? ROLE_ERROR : base, cms);
		draw_cell(y + i, cx, c.title, base, row->title);
	}
	if (iv->loading && i < iv->height)
		draw_text(y + i, x, r->w - 2, ROLE_HINT, _("Loading more…"), false);
}

const struct view_ops view_incidents_ops = {
	.name = "incidents",
	.title = N_("Security incidents"),
	.hints = incidents_hints,
	.open = incidents_open,
	.load = incidents_load,
	.draw = incidents_draw,
	.key = incidents_key,
	.close = incidents_close,
	.event = incidents_event,
};

/* ---- from anywhere ---- */

void
incident_global_key(struct app *app, enum action act)
{
	struct view *top = app_top(app);

	if (act == ACT_REPORT_INCIDENT) {
		if (!app_has_right(app, "incident.report")) {
			app_message(app, MSG_ERROR, "%s",
			            _("You may not report incidents on this network."));
			return;
		}
		incident_report_open(app);
		return;
	}
	if (top != NULL && top->ops == &view_incidents_ops)
		return;
	app_push(app, &view_incidents_ops, NULL);
}
