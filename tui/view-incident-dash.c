/* The manager's incident dashboard: open incidents by category and age, how many are in each
 * status, and the countermeasures past their due date (Enter opens the incident). Live through
 * "incident" events. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "i18n.h"
#include "mp.h"
#include "record.h"
#include "utf8.h"
#include "view-incident.h"
#include "view.h"
#include "xmalloc.h"

struct dash_category {
	char *label; /* owned: "5 機密性及び完全性の侵害" */
	int64_t open, age_7, age_30, age_older;
};

struct dash_overdue {
	int64_t id, cm, days;
	char *title, *owner, *due, *incident; /* owned */
};

struct dash_view {
	struct dash_category *cats; /* owned */
	size_t ncats;
	struct dash_overdue *od; /* owned */
	size_t nod, sel;
	char statuses[512];
	int top, height;
	bool loaded;
	char error[512];
};

static const struct view_hint dash_hints[] = {
	{ ACT_INC_OPEN, N_("open incident") },
	{ ACT_REFRESH, NULL },
	{ ACT_BACK, NULL },
	{ ACT_NONE, NULL },
};

static void
dash_clear(struct dash_view *dv)
{
	for (size_t i = 0; i < dv->ncats; i++)
		free(dv->cats[i].label);
	for (size_t i = 0; i < dv->nod; i++) {
		free(dv->od[i].title), free(dv->od[i].owner), free(dv->od[i].due);
		free(dv->od[i].incident);
	}
	free(dv->cats);
	free(dv->od);
	dv->cats = NULL;
	dv->od = NULL;
	dv->ncats = dv->nod = 0;
}

static int
dash_open(struct view *v, const void *arg)
{
	(void)arg;
	v->priv = xcalloc(1, sizeof(struct dash_view));
	v->keymask = KM_ALWAYS | KM_GLOBAL | KM_MOVE | KM_INCIDENT;
	return 0;
}

static void
dash_close(struct view *v)
{
	dash_clear(v->priv);
	free(v->priv);
}

static void
dash_reply(void *arg, const struct proto_reply *rep)
{
	struct view *v = arg;
	struct dash_view *dv = v->priv;
	const msgpack_object *a;
	uint32_t n;
	size_t len = 0;

	v->app->redraw = true;
	if (!rep->ok) {
		snprintf(dv->error, sizeof dv->error, _("Could not load the dashboard: %s"),
		         rec_msg(rep->err_msg));
		app_message(v->app, MSG_ERROR, "%s", dv->error);
		return;
	}
	dash_clear(dv);
	dv->error[0] = '\0';
	a = rec_array(rep->data, "categories", &n);
	dv->cats = xcalloc(n + 1, sizeof *dv->cats);
	for (uint32_t i = 0; a != NULL && i < n; i++) {
		struct dash_category *c = &dv->cats[dv->ncats++];
		char *code = rec_text(&a[i], "code"), *ja = rec_text(&a[i], "label_ja");

		c->label = xasprintf("%s %s", code, ja);
		c->open = rec_int(&a[i], "open", 0);
		c->age_7 = rec_int(&a[i], "age_7", 0);
		c->age_30 = rec_int(&a[i], "age_30", 0);
		c->age_older = rec_int(&a[i], "age_older", 0);
		free(code), free(ja);
	}
	a = rec_array(rep->data, "statuses", &n);
	dv->statuses[0] = '\0';
	for (uint32_t i = 0; a != NULL && i < n && len < sizeof dv->statuses; i++) {
		char *st = rec_text(&a[i], "status");
		len += (size_t)snprintf(dv->statuses + len, sizeof dv->statuses - len, "%s%s %lld",
		                        i ? "   " : "", incident_status_label(st),
		                        (long long)rec_int(&a[i], "count", 0));
		free(st);
	}
	a = rec_array(rep->data, "overdue", &n);
	dv->od = xcalloc(n + 1, sizeof *dv->od);
	for (uint32_t i = 0; a != NULL && i < n; i++) {
		struct dash_overdue *o = &dv->od[dv->nod++];

		o->id = rec_int(&a[i], "id", 0);
		o->cm = rec_int(&a[i], "cm", 0);
		o->days = rec_int(&a[i], "days_overdue", 0);
		o->title = rec_text(&a[i], "title");
		o->owner = rec_text(&a[i], "owner_name");
		o->due = rec_text(&a[i], "due");
		o->incident = rec_text(&a[i], "incident_title");
	}
	if (dv->sel >= dv->nod)
		dv->sel = dv->nod > 0 ? dv->nod - 1 : 0;
	dv->loaded = true;
}

static void
dash_load(struct view *v, const char *focus)
{
	(void)focus;
	conn_cancel(v->app->conn, v);
	conn_call(v->app->conn, v, dash_reply, v, "incident.dashboard", NULL);
}

static void
dash_event(struct view *v, const char *topic, const char *id)
{
	(void)id;
	if (strcmp(topic, "incident") == 0 || strcmp(topic, "resync") == 0)
		dash_load(v, NULL);
}

static unsigned
dash_key(struct view *v, enum action act, uint32_t key)
{
	struct dash_view *dv = v->priv;
	char id[24];

	(void)key;
	switch (act) {
	case ACT_UP:
		if (dv->sel > 0)
			dv->sel--;
		return VIEW_HANDLED;
	case ACT_DOWN:
		if (dv->sel + 1 < dv->nod)
			dv->sel++;
		return VIEW_HANDLED;
	case ACT_TOP:
		dv->sel = 0;
		return VIEW_HANDLED;
	case ACT_BOTTOM:
		dv->sel = dv->nod > 0 ? dv->nod - 1 : 0;
		return VIEW_HANDLED;
	case ACT_INC_OPEN:
		if (dv->sel < dv->nod) {
			snprintf(id, sizeof id, "%lld", (long long)dv->od[dv->sel].id);
			app_push(v->app, &view_incident_ops, id);
		}
		return VIEW_HANDLED;
	case ACT_REFRESH:
		dash_load(v, NULL);
		return VIEW_HANDLED;
	case ACT_BACK:
		return VIEW_CLOSE;
	default:
		return VIEW_IGNORED;
	}
}

/* A row of the category table. */
static void
dash_row(int y, int x, int lw, enum draw_role role, const char *label, const char *const nums[4])
{
	draw_cell(y, x, lw, role, label);
	x += lw + 2;
	for (int k = 0; k < 4; k++) {
		char cell[16];
		int w = utf8_width(nums[k]);

		snprintf(cell, sizeof cell, "%*s%s", w < 10 ? 10 - w : 0, "", nums[k]);
		draw_cell(y, x, 10, role, cell);
		x += 12;
	}
}

static void
dash_draw(struct view *v, const struct draw_rect *r)
{
	struct dash_view *dv = v->priv;
	int y = r->y + 1, x = r->x + 2, w = r->w - 4, lw = w - 48, bottom = r->y + r->h;
	int64_t tot[4] = { 0 };
	char n[4][24], line[768];
	const char *nums[4] = { n[0], n[1], n[2], n[3] };

	if (lw > 56)
		lw = 56;
	if (lw < 12)
		lw = 12;
	if (!dv->loaded) {
		draw_text(y, x, w, dv->error[0] ? ROLE_ERROR : ROLE_HINT,
		          dv->error[0] ? dv->error : _("Loading the dashboard…"), false);
		return;
	}
	draw_text(y++, x, w, ROLE_SECTION, _("Open incidents by category and age"), false);
	y++;
	{
		const char *head[4] = { _("open"), _("< 7 days"), _("7-30 days"), _("> 30 days") };
		dash_row(y++, x, lw, ROLE_HEADER, _("Category"), head);
	}
	for (size_t i = 0; i < dv->ncats && y < bottom; i++) {
		const struct dash_category *c = &dv->cats[i];
		int64_t vals[4] = { c->open, c->age_7, c->age_30, c->age_older };

		for (int k = 0; k < 4; k++) {
			snprintf(n[k], sizeof n[k], "%lld", (long long)vals[k]);
			tot[k] += vals[k];
		}
		dash_row(y++, x, lw, c->open > 0 ? ROLE_VALUE : ROLE_NORMAL, c->label, nums);
	}
	for (int k = 0; k < 4; k++)
		snprintf(n[k], sizeof n[k], "%lld", (long long)tot[k]);
	if (y < bottom)
		dash_row(y++, x, lw, ROLE_HEADER, _("All categories"), nums);
	y++;
	if (y < bottom) {
		draw_text(y++, x, w, ROLE_SECTION, _("By status"), false);
		draw_text(y++, x + 2, w - 2, ROLE_NORMAL, dv->statuses, false);
	}
	y++;
	if (y >= bottom)
		return;
	snprintf(line, sizeof line, _("Overdue countermeasures (%zu)"), dv->nod);
	draw_text(y++, x, w, dv->nod > 0 ? ROLE_ERROR : ROLE_SECTION, line, false);
	if (dv->nod == 0 && y < bottom)
		draw_text(y + 1, x + 2, w - 2, ROLE_HINT,
		          _("None: every countermeasure is on time."), false);
	dv->height = bottom - y;
	if (dv->height < 1)
		return;
	if ((int)dv->sel < dv->top)
		dv->top = (int)dv->sel;
	if ((int)dv->sel >= dv->top + dv->height)
		dv->top = (int)dv->sel - dv->height + 1;
	for (int i = 0; i < dv->height && (size_t)(dv->top + i) < dv->nod; i++) {
		const struct dash_overdue *o = &dv->od[dv->top + i];
		bool selected = (size_t)(dv->top + i) == dv->sel;

		snprintf(line, sizeof line, _("#%lld-%lld  due %s (%lld days late)  %s  %s  — %s"),
		         (long long)o->id, (long long)o->cm, o->due, (long long)o->days, o->owner,
		         o->title, o->incident);
		if (selected)
			draw_fill(y + i, r->x, r->w, ROLE_CURSOR);
		draw_text(y + i, x + 2, w - 2, selected ? ROLE_CURSOR : ROLE_NORMAL, line, false);
	}
}

const struct view_ops view_incident_dash_ops = {
	.name = "incident-dashboard",
	.title = N_("Incident dashboard"),
	.hints = dash_hints,
	.open = dash_open,
	.load = dash_load,
	.draw = dash_draw,
	.key = dash_key,
	.close = dash_close,
	.event = dash_event,
};
