/* The risk register's list of risks: the level before and after treatment (coloured), the
 * treatment, the next review, owner and threat; filtered by level, owner, treatment and
 * overdue reviews. The same view shows the managers' due list (overdue reviews, expired
 * acceptances), one heat-map cell's risks and one asset's (its arg says which). */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "app.h"
#include "err.h"
#include "i18n.h"
#include "mp.h"
#include "record.h"
#include "utf8.h"
#include "view.h"
#include "xmalloc.h"

enum risks_mode {
	RISKS_ALL,   /* the register, with the filters */
	RISKS_DUE,   /* risk.due: overdue reviews and expired acceptances */
	RISKS_CELL,  /* one heat-map cell */
	RISKS_ASSET, /* one asset's */
};

struct risk_row {
	int64_t id;
	char *threat, *asset, *owner, *level, *residual, *treatment, *next; /* owned */
	int64_t l, i, rl, ri;
	bool overdue, expired;
};

/* One CSV file to write when its risk.export answers. */
struct risks_export {
	struct view *view; /* borrowed */
	const char *what;  /* risk.export's argument */
	const char *file;  /* the file's name before the date */
};

struct risks_view {
	enum risks_mode mode;
	struct risks_export exports[2];
	int64_t cell_l, cell_i, asset;
	bool cell_residual;
	char *asset_name; /* owned; RISKS_ASSET */
	/* Filters (RISKS_ALL). */
	const char *level, *treatment; /* static; NULL: any */
	char *owner;                   /* owned; NULL: any */
	bool overdue;
	char **owners; /* owned: the owners seen, for o to go through */
	size_t nowners;
	struct risk_row *rows; /* owned */
	size_t nrows;
	size_t sel;
	int top, height;
	bool loading, loaded;
	char error[512];
};

static const char *const risks_levels[] = { NULL, "critical", "high", "medium", "low" };
static const char *const risks_treatments[] = { NULL,       "mitigate", "accept",
	                                        "transfer", "avoid",    "none" };

static const struct view_hint risks_hints[] = {
	{ ACT_RISK_OPEN, NULL },      { ACT_RISK_LEVEL, NULL },   { ACT_RISK_OWNER, NULL },
	{ ACT_RISK_TREATMENT, NULL }, { ACT_RISK_OVERDUE, NULL }, { ACT_RISK_DUE, NULL },
	{ ACT_RISK_HEATMAP, NULL },   { ACT_RISK_ASSETS, NULL },  { ACT_RISK_EXPORT, NULL },
	{ ACT_BACK, NULL },           { ACT_NONE, NULL },
};
static const struct view_hint risks_sub_hints[] = {
	{ ACT_RISK_OPEN, NULL }, { ACT_REFRESH, NULL }, { ACT_HELP, NULL },
	{ ACT_BACK, NULL },      { ACT_NONE, NULL },
};

static void
risks_rows_free(struct risks_view *rv)
{
	for (size_t k = 0; k < rv->nrows; k++) {
		struct risk_row *r = &rv->rows[k];
		free(r->threat), free(r->asset), free(r->owner), free(r->level);
		free(r->residual), free(r->treatment), free(r->next);
	}
	free(rv->rows);
	rv->rows = NULL;
	rv->nrows = 0;
}

/* arg: NULL (the register), "due", "cell L I inherent|residual" or "asset ID NAME". */
static int
risks_open(struct view *v, const void *arg)
{
	const char *a = arg;
	struct risks_view *rv;
	char which[16] = "";
	int name_at = 0;

	if (!app_has_right(v->app, "risk.read")) {
		app_message(v->app, MSG_ERROR, "%s",
		            _("Only managers and internal auditors see the risk register."));
		return -1;
	}
	rv = xcalloc(1, sizeof *rv);
	if (a != NULL && strcmp(a, "due") == 0) {
		rv->mode = RISKS_DUE;
	} else if (a != NULL && sscanf(a, "cell %" SCNd64 " %" SCNd64 " %15s", &rv->cell_l,
	                               &rv->cell_i, which) == 3) {
		rv->mode = RISKS_CELL;
		rv->cell_residual = strcmp(which, "residual") == 0;
	} else if (a != NULL && sscanf(a, "asset %" SCNd64 " %n", &rv->asset, &name_at) == 1) {
		rv->mode = RISKS_ASSET;
		rv->asset_name = xstrdup(name_at > 0 ? a + name_at : "");
	}
	rv->exports[0] = (struct risks_export){ v, "register", "risk-register" };
	rv->exports[1] = (struct risks_export){ v, "soa", "statement-of-applicability" };
	v->priv = rv;
	v->keymask = KM_ALWAYS | KM_GLOBAL | KM_MOVE | KM_RISK;
	v->hints = rv->mode == RISKS_ALL ? risks_hints : risks_sub_hints;
	return 0;
}

static void
risks_close(struct view *v)
{
	struct risks_view *rv = v->priv;

	risks_rows_free(rv);
	for (size_t k = 0; k < rv->nowners; k++)
		free(rv->owners[k]);
	free(rv->owners);
	free(rv->owner);
	free(rv->asset_name);
	free(rv);
}

/* Remembers an owner for o (when the list is not filtered by owner, all of them show). */
static void
risks_owner_seen(struct risks_view *rv, const char *login)
{
	for (size_t k = 0; k < rv->nowners; k++)
		if (strcmp(rv->owners[k], login) == 0)
			return;
	rv->owners = xrealloc(rv->owners, (rv->nowners + 1) * sizeof *rv->owners);
	rv->owners[rv->nowners++] = xstrdup(login);
}

static void
risks_add_rows(struct risks_view *rv, const msgpack_object *rows, uint32_t n, bool due_expired)
{
	rv->rows = xrealloc(rv->rows, (rv->nrows + n + 1) * sizeof *rv->rows);
	for (uint32_t k = 0; k < n; k++) {
		const msgpack_object *o = &rows[k];
		struct risk_row *r = &rv->rows[rv->nrows++];

		r->id = rec_int(o, "id", 0);
		r->threat = rec_text(o, "threat");
		r->asset = rec_text(o, "asset_name");
		r->owner = rec_text(o, "owner");
		r->level = rec_str(o, "level");
		if (r->level == NULL)
			r->level = rec_text(o, "current_level");
		r->residual = rec_text(o, "residual_level");
		r->treatment = due_expired ? xstrdup("accept") : rec_text(o, "treatment");
		r->next = due_expired ? rec_text(o, "accept_expires") : rec_text(o, "next_review");
		r->l = rec_int(o, "likelihood", 0);
		r->i = rec_int(o, "impact", 0);
		r->rl = rec_int(o, "residual_likelihood", 0);
		r->ri = rec_int(o, "residual_impact", 0);
		r->overdue = !due_expired && rec_bool(o, "overdue");
		r->expired = rec_bool(o, "acceptance_expired");
		if (rv->owner == NULL && r->owner[0] != '\0')
			risks_owner_seen(rv, r->owner);
	}
}

/* risk.list or risk.due answered (a conn_reply_fn; arg is the view). */
static void
risks_reply(void *arg, const struct proto_reply *rep)
{
	struct view *v = arg;
	struct risks_view *rv = v->priv;
	int64_t keep = rv->sel < rv->nrows ? rv->rows[rv->sel].id : 0;
	const msgpack_object *rows;
	uint32_t n;

	rv->loading = false;
	v->app->redraw = true;
	if (!rep->ok) {
		snprintf(rv->error, sizeof rv->error,
		         rep->err == ERR_FORBIDDEN ? _("Your role may not see this list on "
		                                       "this network.")
		                                   : _("Could not load the risks: %s"),
		         rec_msg(rep->err_msg));
		app_message(v->app, MSG_ERROR, "%s", rv->error);
		return;
	}
	rv->error[0] = '\0';
	risks_rows_free(rv);
	if (rv->mode == RISKS_DUE) {
		rows = rec_array(rep->data, "overdue", &n);
		risks_add_rows(rv, rows, n, false);
		rows = rec_array(rep->data, "expired", &n);
		risks_add_rows(rv, rows, n, true);
	} else {
		rows = rec_array(rep->data, "rows", &n);
		risks_add_rows(rv, rows, n, false);
	}
	rv->sel = 0;
	for (size_t k = 0; k < rv->nrows; k++)
		if (rv->rows[k].id == keep)
			rv->sel = k;
	rv->loaded = true;
}

static void
risks_load(struct view *v, const char *focus)
{
	struct risks_view *rv = v->priv;
	struct conn *c = v->app->conn;
	msgpack_packer *pk;

	(void)focus;
	conn_cancel(c, v);
	rv->loading = true;
	if (rv->mode == RISKS_DUE) {
		conn_call(c, v, risks_reply, v, "risk.due", NULL);
		return;
	}
	pk = conn_begin(c, "risk.list");
	switch (rv->mode) {
	case RISKS_CELL:
		mp_packf(pk, "{s i s i s b}", "likelihood", rv->cell_l, "impact", rv->cell_i,
		         "residual", (int)rv->cell_residual);
		break;
	case RISKS_ASSET:
		mp_packf(pk, "{s i}", "asset", rv->asset);
		break;
	default:
		msgpack_pack_map(pk, 4);
		mp_packf(pk, "s s s s s s s b", "level", rv->level, "treatment", rv->treatment,
		         "owner", rv->owner, "overdue", (int)rv->overdue);
		break;
	}
	conn_end(c, v, risks_reply, v);
}

static void
risks_event(struct view *v, const char *topic, const char *id)
{
	(void)id;
	if (strcmp(topic, "risk") == 0 || strcmp(topic, "risk_matrix") == 0 ||
	    strcmp(topic, "asset") == 0 || strcmp(topic, "resync") == 0)
		risks_load(v, NULL);
}

/* The next value of a cycle of static strings (NULL first). */
static const char *
risks_cycle(const char *const *set, size_t n, const char *cur)
{
	for (size_t k = 0; k < n; k++)
		if (set[k] == cur || (cur != NULL && set[k] != NULL && strcmp(set[k], cur) == 0))
			return set[(k + 1) % n];
	return set[0];
}

/* ---- export: the register and the statement of applicability as CSV files ---- */

/* The directory exports go to: ~/kura-export (made when missing). Owned, or NULL. */
static char *
risks_export_dir(void)
{
	const char *home = getenv("HOME");
	char *dir = xasprintf("%s/kura-export", home != NULL && home[0] != '\0' ? home : ".");

	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		free(dir);
		return NULL;
	}
	return dir;
}

/* risk.export answered (a conn_reply_fn; arg is the struct risks_export): writes the file. */
static void
risks_export_reply(void *arg, const struct proto_reply *rep)
{
	const struct risks_export *e = arg;
	struct view *v = e->view;
	const msgpack_object *csv = mp_get(rep->data, "csv");
	char *dir = NULL, *path = NULL, day[16];
	time_t now = time(NULL);
	struct tm tm;
	FILE *f;

	v->app->redraw = true;
	if (!rep->ok || csv == NULL || !mp_is_str(csv)) {
		app_message(v->app, MSG_ERROR, _("Could not export: %s"),
		            rep->ok ? "?" : rec_msg(rep->err_msg));
		return;
	}
	localtime_r(&now, &tm);
	strftime(day, sizeof day, "%Y%m%d", &tm);
	if ((dir = risks_export_dir()) == NULL) {
		app_message(v->app, MSG_ERROR, "%s", _("Could not make ~/kura-export"));
		return;
	}
	path = xasprintf("%s/%s-%s.csv", dir, e->file, day);
	if ((f = fopen(path, "w")) == NULL) {
		app_message(v->app, MSG_ERROR, _("Could not write %s"), path);
	} else if (fwrite(csv->via.str.ptr, 1, csv->via.str.size, f) != csv->via.str.size ||
	           fclose(f) != 0) {
		app_message(v->app, MSG_ERROR, _("Could not write %s"), path);
	} else {
		/* Both files: the message names the directory once. */
		app_message(v->app, MSG_INFO,
		            _("Exported the register and the statement of "
		              "applicability as CSV to %s"),
		            dir);
	}
	free(path);
	free(dir);
}

/* ---- keys ---- */

static void
risks_select(struct risks_view *rv, long sel)
{
	if (sel < 0 || rv->nrows == 0)
		sel = 0;
	else if ((size_t)sel >= rv->nrows)
		sel = (long)rv->nrows - 1;
	rv->sel = (size_t)sel;
}

static unsigned
risks_key(struct view *v, enum action act, uint32_t key)
{
	struct risks_view *rv = v->priv;
	struct app *app = v->app;
	long page = rv->height > 1 ? rv->height - 1 : 1;
	char arg[32];

	(void)key;
	if (rv->mode != RISKS_ALL && (act == ACT_RISK_LEVEL || act == ACT_RISK_OWNER ||
	                              act == ACT_RISK_TREATMENT || act == ACT_RISK_OVERDUE)) {
		app_message(app, MSG_INFO, "%s", _("Filters apply to the whole register (R)."));
		return VIEW_HANDLED;
	}
	switch (act) {
	case ACT_UP:
		risks_select(rv, (long)rv->sel - 1);
		return VIEW_HANDLED;
	case ACT_DOWN:
		risks_select(rv, (long)rv->sel + 1);
		return VIEW_HANDLED;
	case ACT_PAGE_UP:
		risks_select(rv, (long)rv->sel - page);
		return VIEW_HANDLED;
	case ACT_PAGE_DOWN:
		risks_select(rv, (long)rv->sel + page);
		return VIEW_HANDLED;
	case ACT_TOP:
		risks_select(rv, 0);
		return VIEW_HANDLED;
	case ACT_BOTTOM:
		risks_select(rv, (long)rv->nrows - 1);
		return VIEW_HANDLED;
	case ACT_RISK_OPEN:
		if (rv->sel < rv->nrows) {
			snprintf(arg, sizeof arg, "%lld", (long long)rv->rows[rv->sel].id);
			app_push(app, &view_risk_ops, arg);
		}
		return VIEW_HANDLED;
	case ACT_RISK_LEVEL:
		rv->level = risks_cycle(risks_levels, 5, rv->level);
		break;
	case ACT_RISK_TREATMENT:
		rv->treatment = risks_cycle(risks_treatments, 6, rv->treatment);
		break;
	case ACT_RISK_OWNER: {
		size_t k = 0;
		char *next = NULL;

		while (rv->owner != NULL && k < rv->nowners &&
		       strcmp(rv->owners[k], rv->owner) != 0)
			k++;
		k = rv->owner == NULL ? 0 : k + 1;
		if (k < rv->nowners)
			next = xstrdup(rv->owners[k]);
		free(rv->owner);
		rv->owner = next;
		break;
	}
	case ACT_RISK_OVERDUE:
		rv->overdue = !rv->overdue;
		break;
	case ACT_RISK_DUE:
		if (!app_has_right(app, "risk.manage"))
			app_message(app, MSG_ERROR, "%s",
			            _("The list of due reviews and expired acceptances is the "
			              "managers'."));
		else
			app_push(app, &view_risks_ops, "due");
		return VIEW_HANDLED;
	case ACT_RISK_HEATMAP:
		app_push(app, &view_heatmap_ops, NULL);
		return VIEW_HANDLED;
	case ACT_RISK_ASSETS:
		app_push(app, &view_assets_ops, NULL);
		return VIEW_HANDLED;
	case ACT_RISK_EXPORT:
		for (int k = 0; k < 2; k++)
			conn_call(app->conn, v, risks_export_reply, &rv->exports[k], "risk.export",
			          "{s s}", "what", rv->exports[k].what);
		app_message(app, MSG_INFO, "%s", _("Exporting…"));
		return VIEW_HANDLED;
	case ACT_REFRESH:
		risks_load(v, NULL);
		return VIEW_HANDLED;
	case ACT_BACK:
		return VIEW_CLOSE;
	default:
		return VIEW_IGNORED;
	}
	/* A filter changed. */
	risks_load(v, NULL);
	return VIEW_HANDLED;
}

/* ---- drawing ---- */

#define RISKS_GAP 2

struct risks_cols {
	int id, level, residual, score, treatment, next, owner, threat;
};

static void
risks_layout(int w, struct risks_cols *c)
{
	c->id = 5;
	c->level = 8;
	c->residual = 8;
	c->score = 3;
	c->treatment = 8;
	c->next = 11;
	c->owner = w < 100 ? 8 : 12;
	c->threat = w - 1 - c->id - c->level - c->residual - c->score - c->treatment - c->next -
	            c->owner - 7 * RISKS_GAP;
	if (c->threat < 10)
		c->threat = 10;
}

/* Draws cell s at *x in width columns with role, then the gap; moves *x on. */
static void
risks_cell(int y, int *x, int width, enum draw_role role, enum draw_role gap, const char *s)
{
	draw_cell(y, *x, width, role, s);
	draw_fill(y, *x + width, RISKS_GAP, gap);
	*x += width + RISKS_GAP;
}

static void
risks_draw_row(struct risks_view *rv, const struct risk_row *r, int y, int x,
               const struct risks_cols *c, bool selected)
{
	enum draw_role base = selected ? ROLE_CURSOR : ROLE_NORMAL;
	char id[24], score[16], what[400];

	snprintf(id, sizeof id, "#%lld", (long long)r->id);
	snprintf(score, sizeof score, "%lldx%lld", (long long)r->l, (long long)r->i);
	if (rv->mode == RISKS_DUE)
		snprintf(score, sizeof score, "%s", "");
	risks_cell(y, &x, c->id, base, base, id);
	risks_cell(y, &x, c->level, view_risk_level_role(r->level), base, r->level);
	risks_cell(y, &x, c->residual,
	           r->residual[0] != '\0' ? view_risk_level_role(r->residual) : ROLE_HINT, base,
	           r->residual[0] != '\0' ? r->residual : "-");
	risks_cell(y, &x, c->score, base, base, score);
	risks_cell(y, &x, c->treatment, r->expired && !selected ? ROLE_REQUIRED : base, base,
	           r->treatment[0] != '\0' ? r->treatment : "-");
	snprintf(what, sizeof what, "%s%s", r->next, r->overdue || r->expired ? "!" : "");
	risks_cell(y, &x, c->next, (r->overdue || r->expired) && !selected ? ROLE_REQUIRED : base,
	           base, what);
	risks_cell(y, &x, c->owner, base, base, r->owner);
	snprintf(what, sizeof what, "%s (%s)", r->threat, r->asset);
	draw_cell(y, x, c->threat, base, what);
}

static void
risks_heading(struct risks_view *rv, char *buf, size_t size)
{
	switch (rv->mode) {
	case RISKS_DUE:
		snprintf(buf, size, "%s",
		         _("Due: reviews past their date (!) and acceptances that have expired"));
		break;
	case RISKS_CELL:
		snprintf(buf, size, _("Risks at likelihood %lld x impact %lld, %s"),
		         (long long)rv->cell_l, (long long)rv->cell_i,
		         rv->cell_residual ? _("after treatment (residual)")
		                           : _("before treatment (inherent)"));
		break;
	case RISKS_ASSET:
		snprintf(buf, size, _("Risks to asset #%lld %s"), (long long)rv->asset,
		         rv->asset_name != NULL ? rv->asset_name : "");
		break;
	default:
		snprintf(buf, size, _("Risks  level: %s  owner: %s  treatment: %s%s"),
		         rv->level != NULL ? rv->level : _("any"),
		         rv->owner != NULL ? rv->owner : _("any"),
		         rv->treatment != NULL ? rv->treatment : _("any"),
		         rv->overdue ? _("  overdue reviews only") : "");
		break;
	}
}

static void
risks_draw(struct view *v, const struct draw_rect *r)
{
	struct risks_view *rv = v->priv;
	struct risks_cols c;
	char line[512];
	int y = r->y, x = r->x + 1, i;

	risks_layout(r->w, &c);
	risks_heading(rv, line, sizeof line);
	draw_text(y, x, r->w - 14, ROLE_SECTION, line, false);
	if (rv->loaded) {
		snprintf(line, sizeof line, "%zu %s ", rv->nrows,
		         rv->nrows == 1 ? _("risk") : _("risks"));
		int w = utf8_width(line);
		draw_text(y, r->x + r->w - w, w, ROLE_HINT, line, false);
	}
	y += 2;
	x = r->x + 1;
	risks_cell(y, &x, c.id, ROLE_HEADER, ROLE_NORMAL, _("Risk"));
	risks_cell(y, &x, c.level, ROLE_HEADER, ROLE_NORMAL, _("Level"));
	risks_cell(y, &x, c.residual, ROLE_HEADER, ROLE_NORMAL, _("Residual"));
	risks_cell(y, &x, c.score, ROLE_HEADER, ROLE_NORMAL, _("LxI"));
	risks_cell(y, &x, c.treatment, ROLE_HEADER, ROLE_NORMAL, _("Treat."));
	risks_cell(y, &x, c.next, ROLE_HEADER, ROLE_NORMAL,
	           rv->mode == RISKS_DUE ? _("Due since") : _("Next review"));
	risks_cell(y, &x, c.owner, ROLE_HEADER, ROLE_NORMAL, _("Owner"));
	draw_cell(y, x, c.threat, ROLE_HEADER, _("Threat (asset)"));
	y++;
	rv->height = r->y + r->h - y;
	if (rv->height < 1)
		return;
	if (!rv->loaded) {
		draw_text(y + 1, r->x + 1, r->w - 2, rv->error[0] ? ROLE_ERROR : ROLE_HINT,
		          rv->error[0] ? rv->error : _("Loading risks…"), false);
		return;
	}
	if (rv->nrows == 0) {
		draw_text(y + 1, r->x + 1, r->w - 2, ROLE_HINT,
		          rv->mode == RISKS_DUE ? _("Nothing is due: every review is in time and "
		                                    "no acceptance has expired.")
		                                : _("No risk matches."),
		          false);
		return;
	}
	if ((int)rv->sel < rv->top)
		rv->top = (int)rv->sel;
	if ((int)rv->sel >= rv->top + rv->height)
		rv->top = (int)rv->sel - rv->height + 1;
	for (i = 0; i < rv->height && (size_t)(rv->top + i) < rv->nrows; i++) {
		bool selected = (size_t)(rv->top + i) == rv->sel;

		if (selected)
			draw_fill(y + i, r->x, r->w, ROLE_CURSOR);
		risks_draw_row(rv, &rv->rows[rv->top + i], y + i, r->x + 1, &c, selected);
	}
}

const struct view_ops view_risks_ops = {
	.name = "risks",
	.title = N_("Risk register"),
	.hints = risks_hints,
	.open = risks_open,
	.load = risks_load,
	.draw = risks_draw,
	.key = risks_key,
	.close = risks_close,
	.event = risks_event,
};
