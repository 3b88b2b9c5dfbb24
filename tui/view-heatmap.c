/* The heat map: the scoring matrix as it is stored, a grid of likelihood (across) by impact
 * (up), each cell coloured by its level and holding the count of risks scored there, before
 * treatment (inherent) and after (residual) side by side. The cell under the cursor lists its
 * risks below the grids; Enter opens them as a list. */
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

#define HEAT_N      5
#define HEAT_CELL_W 7
#define HEAT_LABEL  4
#define HEAT_GRID_W (HEAT_LABEL + HEAT_N * HEAT_CELL_W)
#define HEAT_GAP    6
#define HEAT_LEVELS 4

struct heat_cell {
	char *level;      /* owned */
	int64_t count[2]; /* inherent, residual */
};

struct heat_risk {
	int64_t id;
	char *threat, *asset; /* owned */
};

struct heat_view {
	struct heat_cell cells[HEAT_N][HEAT_N]; /* [impact - 1][likelihood - 1] */
	struct {
		char *name; /* owned */
		int64_t days;
	} levels[HEAT_LEVELS];
	int nlevels;
	int l, i;      /* the cursor: likelihood and impact, 1-5 */
	bool residual; /* the cursor is in the residual grid */
	bool loaded;
	char error[512];
	/* The cursor's cell's risks, asked for under their own tag so that moving on drops the
	 * answer about the cell left. */
	char cell_tag;
	struct heat_risk *risks; /* owned */
	size_t nrisks;
	bool risks_loaded;
};

static const struct view_hint heat_hints[] = {
	{ ACT_GRID_LEFT, NULL }, { ACT_GRID_RIGHT, NULL }, { ACT_GRID_SWITCH, NULL },
	{ ACT_GRID_OPEN, NULL }, { ACT_REFRESH, NULL },    { ACT_HELP, NULL },
	{ ACT_BACK, NULL },      { ACT_NONE, NULL },
};

enum draw_role
view_risk_level_role(const char *level)
{
	if (level == NULL)
		return ROLE_NORMAL;
	if (strcmp(level, "low") == 0)
		return ROLE_LEVEL_LOW;
	if (strcmp(level, "medium") == 0)
		return ROLE_LEVEL_MEDIUM;
	if (strcmp(level, "high") == 0)
		return ROLE_LEVEL_HIGH;
	if (strcmp(level, "critical") == 0)
		return ROLE_LEVEL_CRITICAL;
	return ROLE_NORMAL;
}

static void
heat_risks_free(struct heat_view *hv)
{
	for (size_t k = 0; k < hv->nrisks; k++) {
		free(hv->risks[k].threat);
		free(hv->risks[k].asset);
	}
	free(hv->risks);
	hv->risks = NULL;
	hv->nrisks = 0;
	hv->risks_loaded = false;
}

static void
heat_matrix_free(struct heat_view *hv)
{
	for (int y = 0; y < HEAT_N; y++)
		for (int x = 0; x < HEAT_N; x++) {
			free(hv->cells[y][x].level);
			hv->cells[y][x].level = NULL;
		}
	for (int k = 0; k < hv->nlevels; k++)
		free(hv->levels[k].name);
	hv->nlevels = 0;
}

static int
heat_open(struct view *v, const void *arg)
{
	struct heat_view *hv;

	(void)arg;
	if (!app_has_right(v->app, "risk.read")) {
		app_message(v->app, MSG_ERROR, "%s",
		            _("Only managers and internal auditors see the risk register."));
		return -1;
	}
	hv = xcalloc(1, sizeof *hv);
	hv->l = HEAT_N;
	hv->i = HEAT_N;
	v->priv = hv;
	v->keymask = KM_ALWAYS | KM_GLOBAL | KM_MOVE | KM_GRID;
	return 0;
}

static void
heat_close(struct view *v)
{
	struct heat_view *hv = v->priv;

	conn_cancel(v->app->conn, &hv->cell_tag);
	heat_matrix_free(hv);
	heat_risks_free(hv);
	free(hv);
}

/* risk.list of the cursor's cell answered (a conn_reply_fn; arg is the view). */
static void
heat_cell_reply(void *arg, const struct proto_reply *rep)
{
	struct view *v = arg;
	struct heat_view *hv = v->priv;
	const msgpack_object *rows;
	uint32_t n;

	v->app->redraw = true;
	heat_risks_free(hv);
	if (!rep->ok)
		return;
	rows = rec_array(rep->data, "rows", &n);
	hv->risks = xcalloc(n + 1, sizeof *hv->risks);
	for (uint32_t k = 0; k < n; k++) {
		struct heat_risk *r = &hv->risks[hv->nrisks++];

		r->id = rec_int(&rows[k], "id", 0);
		r->threat = rec_text(&rows[k], "threat");
		r->asset = rec_text(&rows[k], "asset_name");
	}
	hv->risks_loaded = true;
}

static void
heat_cell_load(struct view *v)
{
	struct heat_view *hv = v->priv;

	conn_cancel(v->app->conn, &hv->cell_tag);
	heat_risks_free(hv);
	conn_call(v->app->conn, &hv->cell_tag, heat_cell_reply, v, "risk.list", "{s i s i s b}",
	          "likelihood", (int64_t)hv->l, "impact", (int64_t)hv->i, "residual",
	          (int)hv->residual);
}

/* risk.matrix answered (a conn_reply_fn; arg is the view). */
static void
heat_reply(void *arg, const struct proto_reply *rep)
{
	struct view *v = arg;
	struct heat_view *hv = v->priv;
	const msgpack_object *cells, *levels;
	uint32_t n;

	v->app->redraw = true;
	if (!rep->ok) {
		snprintf(hv->error, sizeof hv->error, _("Could not load the matrix: %s"),
		         rec_msg(rep->err_msg));
		app_message(v->app, MSG_ERROR, "%s", hv->error);
		return;
	}
	hv->error[0] = '\0';
	heat_matrix_free(hv);
	cells = rec_array(rep->data, "cells", &n);
	for (uint32_t k = 0; k < n; k++) {
		int64_t l = rec_int(&cells[k], "likelihood", 0),
		        i = rec_int(&cells[k], "impact", 0);
		struct heat_cell *c;

		if (l < 1 || l > HEAT_N || i < 1 || i > HEAT_N)
			continue;
		c = &hv->cells[i - 1][l - 1];
		free(c->level);
		c->level = rec_str(&cells[k], "level");
		c->count[0] = rec_int(&cells[k], "inherent", 0);
		c->count[1] = rec_int(&cells[k], "residual", 0);
	}
	levels = rec_array(rep->data, "levels", &n);
	for (uint32_t k = 0; k < n && hv->nlevels < HEAT_LEVELS; k++) {
		hv->levels[hv->nlevels].name = rec_text(&levels[k], "name");
		hv->levels[hv->nlevels].days = rec_int(&levels[k], "review_days", 0);
		hv->nlevels++;
	}
	hv->loaded = true;
	heat_cell_load(v);
}

static void
heat_load(struct view *v, const char *focus)
{
	(void)focus;
	conn_cancel(v->app->conn, v);
	conn_call(v->app->conn, v, heat_reply, v, "risk.matrix", NULL);
}

static void
heat_event(struct view *v, const char *topic, const char *id)
{
	(void)id;
	if (strcmp(topic, "risk") == 0 || strcmp(topic, "risk_matrix") == 0 ||
	    strcmp(topic, "resync") == 0)
		heat_load(v, NULL);
}

static unsigned
heat_key(struct view *v, enum action act, uint32_t key)
{
	struct heat_view *hv = v->priv;
	int l = hv->l, i = hv->i;
	bool residual = hv->residual;
	char arg[64];

	(void)key;
	switch (act) {
	case ACT_UP:
		i++;
		break;
	case ACT_DOWN:
		i--;
		break;
	case ACT_TOP:
		i = HEAT_N;
		break;
	case ACT_BOTTOM:
		i = 1;
		break;
	case ACT_GRID_LEFT:
		l--;
		break;
	case ACT_GRID_RIGHT:
		l++;
		break;
	case ACT_GRID_SWITCH:
		residual = !residual;
		break;
	case ACT_GRID_OPEN:
		snprintf(arg, sizeof arg, "cell %d %d %s", hv->l, hv->i,
		         hv->residual ? "residual" : "inherent");
		app_push(v->app, &view_risks_ops, arg);
		return VIEW_HANDLED;
	case ACT_REFRESH:
		heat_load(v, NULL);
		return VIEW_HANDLED;
	case ACT_BACK:
		return VIEW_CLOSE;
	default:
		return VIEW_IGNORED;
	}
	if (l < 1 || l > HEAT_N || i < 1 || i > HEAT_N)
		return VIEW_HANDLED;
	if (l != hv->l || i != hv->i || residual != hv->residual) {
		hv->l = l;
		hv->i = i;
		hv->residual = residual;
		heat_cell_load(v);
	}
	return VIEW_HANDLED;
}

/* ---- drawing ---- */

/* One grid at (y, x): the column heads, then impact 5 down to 1. */
static void
heat_draw_grid(struct heat_view *hv, int y, int x, int which, bool active)
{
	char text[32];

	draw_text(y, x, HEAT_GRID_W, active ? ROLE_SECTION : ROLE_HINT,
	          which == 0 ? _("Inherent (before treatment)") : _("Residual (after treatment)"),
	          false);
	y++;
	for (int l = 1; l <= HEAT_N; l++) {
		snprintf(text, sizeof text, "L%d", l);
		draw_text(y, x + HEAT_LABEL + (l - 1) * HEAT_CELL_W + 2, 3, ROLE_HEADER, text,
		          false);
	}
	y++;
	for (int i = HEAT_N; i >= 1; i--, y++) {
		snprintf(text, sizeof text, " I%d ", i);
		draw_text(y, x, HEAT_LABEL, ROLE_HEADER, text, false);
		for (int l = 1; l <= HEAT_N; l++) {
			const struct heat_cell *c = &hv->cells[i - 1][l - 1];
			bool cursor = active && l == hv->l && i == hv->i;
			int cx = x + HEAT_LABEL + (l - 1) * HEAT_CELL_W;

			snprintf(text, sizeof text, cursor ? "[%3lld ]" : " %3lld  ",
			         (long long)c->count[which]);
			draw_text(y, cx, HEAT_CELL_W, view_risk_level_role(c->level), text, false);
		}
	}
}

static void
heat_draw(struct view *v, const struct draw_rect *r)
{
	struct heat_view *hv = v->priv;
	int y = r->y, x = r->x + 1, w = r->w - 2;
	bool both = w >= 2 * HEAT_GRID_W + HEAT_GAP;
	const struct heat_cell *cur;
	char line[512];

	draw_text(y, x, w, ROLE_SECTION,
	          _("Heat map: likelihood across, impact up; each cell's count of risks"), false);
	if (!hv->loaded) {
		draw_text(y + 2, x, w, hv->error[0] ? ROLE_ERROR : ROLE_HINT,
		          hv->error[0] ? hv->error : _("Loading the matrix…"), false);
		return;
	}
	y += 2;
	if (both) {
		heat_draw_grid(hv, y, x, 0, !hv->residual);
		heat_draw_grid(hv, y, x + HEAT_GRID_W + HEAT_GAP, 1, hv->residual);
	} else {
		heat_draw_grid(hv, y, x, hv->residual ? 1 : 0, true);
	}
	y += HEAT_N + 3;
	/* The legend: each level in its colour, with its review cadence. */
	for (int k = 0, lx = x; k < hv->nlevels && lx < x + w; k++) {
		snprintf(line, sizeof line, " %s ", hv->levels[k].name);
		lx += draw_text(y, lx, x + w - lx, view_risk_level_role(hv->levels[k].name), line,
		                false);
		snprintf(line, sizeof line, _(" review every %lld days   "),
		         (long long)hv->levels[k].days);
		lx += draw_text(y, lx, x + w - lx, ROLE_HINT, line, false);
	}
	y += 2;
	cur = &hv->cells[hv->i - 1][hv->l - 1];
	snprintf(line, sizeof line, _("Likelihood %d x impact %d = %s, %s: %lld %s"), hv->l, hv->i,
	         cur->level != NULL ? cur->level : "?",
	         hv->residual ? _("after treatment") : _("before treatment"),
	         (long long)cur->count[hv->residual ? 1 : 0],
	         cur->count[hv->residual ? 1 : 0] == 1 ? _("risk") : _("risks"));
	draw_text(y++, x, w, ROLE_LABEL, line, false);
	for (size_t k = 0; k < hv->nrisks && y < r->y + r->h; k++, y++) {
		const struct heat_risk *rk = &hv->risks[k];
		char id[24];

		snprintf(id, sizeof id, "  #%-5lld", (long long)rk->id);
		draw_text(y, x, 9, ROLE_KEY, id, false);
		snprintf(line, sizeof line, "%s (%s)", rk->threat, rk->asset);
		draw_text(y, x + 9, w - 9, ROLE_NORMAL, line, false);
	}
}

const struct view_ops view_heatmap_ops = {
	.name = "heatmap",
	.title = N_("Heat map"),
	.hints = heat_hints,
	.open = heat_open,
	.load = heat_load,
	.draw = heat_draw,
	.key = heat_key,
	.close = heat_close,
	.event = heat_event,
};
