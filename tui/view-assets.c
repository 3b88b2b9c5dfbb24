/* The information assets of the risk register: type, owner, the confidentiality, integrity
 * and availability they need (1-3), whether they hold personal data, whether they are in
 * scope, and how many risks they carry. Enter opens one. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "err.h"
#include "i18n.h"
#include "record.h"
#include "utf8.h"
#include "view.h"
#include "xmalloc.h"

struct asset_row {
	int64_t id, c, i, a, risks;
	char *name, *type, *owner, *location; /* owned */
	bool pii, in_scope;
};

struct assets_view {
	struct asset_row *rows; /* owned */
	size_t nrows, sel;
	int top, height;
	bool loaded;
	char error[512];
};

static const struct view_hint assets_hints[] = {
	{ ACT_RISK_OPEN, NULL }, { ACT_REFRESH, NULL }, { ACT_HELP, NULL },
	{ ACT_BACK, NULL },      { ACT_NONE, NULL },
};

static void
assets_rows_free(struct assets_view *av)
{
	for (size_t k = 0; k < av->nrows; k++) {
		free(av->rows[k].name), free(av->rows[k].type);
		free(av->rows[k].owner), free(av->rows[k].location);
	}
	free(av->rows);
	av->rows = NULL;
	av->nrows = 0;
}

static int
assets_open(struct view *v, const void *arg)
{
	(void)arg;
	if (!app_has_right(v->app, "risk.read")) {
		app_message(v->app, MSG_ERROR, "%s",
		            _("Only managers and internal auditors see the risk register."));
		return -1;
	}
	v->priv = xcalloc(1, sizeof(struct assets_view));
	v->keymask = KM_ALWAYS | KM_GLOBAL | KM_MOVE | KM_RISK;
	return 0;
}

static void
assets_close(struct view *v)
{
	struct assets_view *av = v->priv;

	assets_rows_free(av);
	free(av);
}

/* asset.list answered (a conn_reply_fn; arg is the view). */
static void
assets_reply(void *arg, const struct proto_reply *rep)
{
	struct view *v = arg;
	struct assets_view *av = v->priv;
	int64_t keep = av->sel < av->nrows ? av->rows[av->sel].id : 0;
	const msgpack_object *rows;
	uint32_t n;

	v->app->redraw = true;
	if (!rep->ok) {
		snprintf(av->error, sizeof av->error, _("Could not load the assets: %s"),
		         rec_msg(rep->err_msg));
		app_message(v->app, MSG_ERROR, "%s", av->error);
		return;
	}
	av->error[0] = '\0';
	assets_rows_free(av);
	rows = rec_array(rep->data, "rows", &n);
	av->rows = xcalloc(n + 1, sizeof *av->rows);
	for (uint32_t k = 0; k < n; k++) {
		struct asset_row *r = &av->rows[av->nrows++];

		r->id = rec_int(&rows[k], "id", 0);
		r->name = rec_text(&rows[k], "name");
		r->type = rec_text(&rows[k], "type");
		r->owner = rec_text(&rows[k], "owner");
		r->location = rec_text(&rows[k], "location");
		r->c = rec_int(&rows[k], "confidentiality", 0);
		r->i = rec_int(&rows[k], "integrity", 0);
		r->a = rec_int(&rows[k], "availability", 0);
		r->risks = rec_int(&rows[k], "risks", 0);
		r->pii = rec_bool(&rows[k], "personal_data");
		r->in_scope = rec_bool(&rows[k], "in_scope");
	}
	av->sel = 0;
	for (size_t k = 0; k < av->nrows; k++)
		if (av->rows[k].id == keep)
			av->sel = k;
	av->loaded = true;
}

static void
assets_load(struct view *v, const char *focus)
{
	(void)focus;
	conn_cancel(v->app->conn, v);
	conn_call(v->app->conn, v, assets_reply, v, "asset.list", NULL);
}

static void
assets_event(struct view *v, const char *topic, const char *id)
{
	(void)id;
	if (strcmp(topic, "asset") == 0 || strcmp(topic, "risk") == 0 ||
	    strcmp(topic, "resync") == 0)
		assets_load(v, NULL);
}

static unsigned
assets_key(struct view *v, enum action act, uint32_t key)
{
	struct assets_view *av = v->priv;
	long page = av->height > 1 ? av->height - 1 : 1, sel = (long)av->sel;
	char arg[32];

	(void)key;
	switch (act) {
	case ACT_UP:
		sel--;
		break;
	case ACT_DOWN:
		sel++;
		break;
	case ACT_PAGE_UP:
		sel -= page;
		break;
	case ACT_PAGE_DOWN:
		sel += page;
		break;
	case ACT_TOP:
		sel = 0;
		break;
	case ACT_BOTTOM:
		sel = (long)av->nrows - 1;
		break;
	case ACT_RISK_OPEN:
		if (av->sel < av->nrows) {
			snprintf(arg, sizeof arg, "%lld", (long long)av->rows[av->sel].id);
			app_push(v->app, &view_asset_ops, arg);
		}
		return VIEW_HANDLED;
	case ACT_REFRESH:
		assets_load(v, NULL);
		return VIEW_HANDLED;
	case ACT_BACK:
		return VIEW_CLOSE;
	default:
		return VIEW_IGNORED;
	}
	if (sel >= (long)av->nrows)
		sel = (long)av->nrows - 1;
	av->sel = sel < 0 ? 0 : (size_t)sel;
	return VIEW_HANDLED;
}

#define ASSETS_GAP 2

static void
assets_line(int y, int x, int w, enum draw_role role, const char *const cells[8],
            const int widths[8])
{
	for (int k = 0; k < 8 && w > 0; k++) {
		int cw = k == 7 ? w : widths[k];

		draw_cell(y, x, cw < w ? cw : w, role, cells[k]);
		x += cw + ASSETS_GAP;
		w -= cw + ASSETS_GAP;
	}
}

static void
assets_draw(struct view *v, const struct draw_rect *r)
{
	struct assets_view *av = v->priv;
	int widths[8] = { 5, 0, 11, 10, 5, 4, 6, 5 };
	int y = r->y, x = r->x + 1, w = r->w - 2;
	const char *head[8] = { _("Asset"), _("Name"), _("Type"),  _("Owner"),
		                _("C I A"), _("PII"),  _("Scope"), _("Risks / location") };

	widths[1] = w - (5 + 11 + 10 + 5 + 4 + 6 + 18) - 7 * ASSETS_GAP;
	if (widths[1] < 10)
		widths[1] = 10;
	draw_text(y, x, w, ROLE_SECTION,
	          _("Information assets (confidentiality, integrity, availability 1-3)"), false);
	y += 2;
	assets_line(y++, x, w, ROLE_HEADER, head, widths);
	av->height = r->y + r->h - y;
	if (!av->loaded) {
		draw_text(y + 1, x, w, av->error[0] ? ROLE_ERROR : ROLE_HINT,
		          av->error[0] ? av->error : _("Loading assets…"), false);
		return;
	}
	if (av->nrows == 0) {
		draw_text(y + 1, x, w, ROLE_HINT, _("No assets are recorded yet."), false);
		return;
	}
	if ((int)av->sel < av->top)
		av->top = (int)av->sel;
	if ((int)av->sel >= av->top + av->height)
		av->top = (int)av->sel - av->height + 1;
	for (int i = 0; i < av->height && (size_t)(av->top + i) < av->nrows; i++) {
		const struct asset_row *a = &av->rows[av->top + i];
		bool selected = (size_t)(av->top + i) == av->sel;
		char id[24], cia[16], last[256];
		const char *cells[8];

		snprintf(id, sizeof id, "#%lld", (long long)a->id);
		snprintf(cia, sizeof cia, "%lld %lld %lld", (long long)a->c, (long long)a->i,
		         (long long)a->a);
		snprintf(last, sizeof last, "%3lld  %s", (long long)a->risks, a->location);
		cells[0] = id;
		cells[1] = a->name;
		cells[2] = a->type;
		cells[3] = a->owner;
		cells[4] = cia;
		cells[5] = a->pii ? _("yes") : "-";
		cells[6] = a->in_scope ? _("in") : _("out");
		cells[7] = last;
		if (selected)
			draw_fill(y + i, r->x, r->w, ROLE_CURSOR);
		assets_line(y + i, x, w, selected ? ROLE_CURSOR : ROLE_NORMAL, cells, widths);
	}
}

const struct view_ops view_assets_ops = {
	.name = "assets",
	.title = N_("Assets"),
	.hints = assets_hints,
	.open = assets_open,
	.load = assets_load,
	.draw = assets_draw,
	.key = assets_key,
	.close = assets_close,
	.event = assets_event,
};
