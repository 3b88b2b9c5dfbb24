/* One asset: what it is, who owns it, where it is, the confidentiality, integrity and
 * availability it needs, personal data and scope, and the risks to it with their levels.
 * Enter lists those risks to open one. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "err.h"
#include "i18n.h"
#include "pager.h"
#include "record.h"
#include "view.h"
#include "xmalloc.h"

#define ASSET_LABEL_W 20

struct asset_view {
	char *id;   /* owned: decimal */
	char *name; /* owned, once loaded */
	struct pager pager;
	bool loaded;
	char error[512];
};

static const struct view_hint asset_hints[] = {
	{ ACT_RISK_OPEN, N_("its risks") },
	{ ACT_DOWN, N_("scroll") },
	{ ACT_REFRESH, NULL },
	{ ACT_BACK, NULL },
	{ ACT_NONE, NULL },
};

static int
asset_open(struct view *v, const void *arg)
{
	struct asset_view *av = xcalloc(1, sizeof *av);

	av->id = xstrdup(arg);
	pager_init(&av->pager, ASSET_LABEL_W);
	v->priv = av;
	v->keymask = KM_ALWAYS | KM_GLOBAL | KM_MOVE | KM_RISK;
	return 0;
}

static void
asset_close(struct view *v)
{
	struct asset_view *av = v->priv;

	pager_fini(&av->pager);
	free(av->id);
	free(av->name);
	free(av);
}

static void
asset_field(struct pager *p, const char *label, const msgpack_object *d, const char *key)
{
	char *s = rec_str(d, key);
	bool empty = s == NULL || s[0] == '\0';

	pager_add(p, 2, ROLE_LABEL, label, empty ? ROLE_HINT : ROLE_VALUE, empty ? "-" : s);
	free(s);
}

static const char *const asset_cia[] = { "-", N_("1 low"), N_("2 medium"), N_("3 high") };

static void
asset_fill(struct asset_view *av, const msgpack_object *d)
{
	struct pager *p = &av->pager;
	const msgpack_object *risks;
	char line[1024];
	char *s, *t;
	uint32_t n;

	free(av->name);
	av->name = rec_text(d, "name");
	pager_clear(p, true);
	snprintf(line, sizeof line, _("Asset #%s  %s"), av->id, av->name);
	pager_add(p, 0, ROLE_NORMAL, NULL, ROLE_BIG, line);
	pager_blank(p);
	asset_field(p, _("Type"), d, "type");
	s = rec_text(d, "owner_name");
	t = rec_text(d, "owner");
	snprintf(line, sizeof line, "%s (%s)", s, t);
	free(s), free(t);
	pager_add(p, 2, ROLE_LABEL, _("Owner"), ROLE_VALUE, line);
	asset_field(p, _("Location"), d, "location");
	asset_field(p, _("Description"), d, "description");
	for (int k = 0; k < 3; k++) {
		static const char *const keys[] = { "confidentiality", "integrity",
			                            "availability" };
		static const char *const labels[] = { N_("Confidentiality"), N_("Integrity"),
			                              N_("Availability") };
		int64_t v = rec_int(d, keys[k], 0);

		pager_add(p, 2, ROLE_LABEL, _(labels[k]), ROLE_VALUE,
		          _(asset_cia[v >= 1 && v <= 3 ? v : 0]));
	}
	pager_add(p, 2, ROLE_LABEL, _("Personal data"), ROLE_VALUE,
	          rec_bool(d, "personal_data") ? _("yes: it holds personal data") : _("no"));
	pager_add(p, 2, ROLE_LABEL, _("Scope"), ROLE_VALUE,
	          rec_bool(d, "in_scope") ? _("in the ISMS's scope") : _("out of scope"));
	pager_blank(p);

	risks = rec_array(d, "risks", &n);
	snprintf(line, sizeof line, _("Risks to it (%u)"), n);
	pager_add(p, 0, ROLE_NORMAL, NULL, ROLE_SECTION, line);
	if (n == 0)
		pager_add(p, 2, ROLE_NORMAL, NULL, ROLE_HINT, _("None recorded."));
	for (uint32_t k = 0; k < n; k++) {
		char id[24];
		char *level = rec_text(&risks[k], "level");
		char *residual = rec_text(&risks[k], "residual_level");
		char *treatment = rec_text(&risks[k], "treatment");
		char *next = rec_text(&risks[k], "next_review");
		char *threat = rec_text(&risks[k], "threat");

		snprintf(id, sizeof id, "#%lld", (long long)rec_int(&risks[k], "id", 0));
		snprintf(line, sizeof line, _("%-8s residual %-8s %-9s next review %s%s  %s"),
		         level, residual[0] != '\0' ? residual : "-",
		         treatment[0] != '\0' ? treatment : "-", next,
		         rec_bool(&risks[k], "overdue") ? "!" : "", threat);
		pager_add(p, 2, ROLE_KEY, id, view_risk_level_role(level), line);
		free(level), free(residual), free(treatment), free(next), free(threat);
	}
}

/* asset.get answered (a conn_reply_fn; arg is the view). */
static void
asset_reply(void *arg, const struct proto_reply *rep)
{
	struct view *v = arg;
	struct asset_view *av = v->priv;

	v->app->redraw = true;
	if (rep->ok) {
		av->error[0] = '\0';
		asset_fill(av, rep->data);
		av->loaded = true;
		return;
	}
	snprintf(av->error, sizeof av->error,
	         rep->err == ERR_NOT_FOUND ? _("There is no asset #%s.%s")
	                                   : _("Could not load asset #%s: %s"),
	         av->id, rep->err == ERR_NOT_FOUND ? "" : rec_msg(rep->err_msg));
	app_message(v->app, MSG_ERROR, "%s", av->error);
}

static void
asset_load(struct view *v, const char *focus)
{
	struct asset_view *av = v->priv;

	(void)focus;
	conn_cancel(v->app->conn, v);
	conn_call(v->app->conn, v, asset_reply, v, "asset.get", "{s i}", "id",
	          (int64_t)strtoll(av->id, NULL, 10));
}

static void
asset_event(struct view *v, const char *topic, const char *id)
{
	struct asset_view *av = v->priv;

	if (strcmp(topic, "resync") == 0 || strcmp(topic, "risk") == 0 ||
	    strcmp(topic, "risk_matrix") == 0 ||
	    (strcmp(topic, "asset") == 0 && strcmp(id, av->id) == 0))
		asset_load(v, NULL);
}

static unsigned
asset_key(struct view *v, enum action act, uint32_t key)
{
	struct asset_view *av = v->priv;
	char *arg;

	(void)key;
	if (pager_key(&av->pager, act))
		return VIEW_HANDLED;
	switch (act) {
	case ACT_RISK_OPEN:
		arg = xasprintf("asset %s %s", av->id, av->name != NULL ? av->name : "");
		app_push(v->app, &view_risks_ops, arg);
		free(arg);
		return VIEW_HANDLED;
	case ACT_REFRESH:
		asset_load(v, NULL);
		return VIEW_HANDLED;
	case ACT_BACK:
		return VIEW_CLOSE;
	default:
		return VIEW_IGNORED;
	}
}

static void
asset_draw(struct view *v, const struct draw_rect *r)
{
	struct asset_view *av = v->priv;
	struct draw_rect body = { .y = r->y + 1, .x = r->x + 1, .h = r->h - 1, .w = r->w - 2 };

	if (!av->loaded) {
		draw_text(body.y, body.x, body.w, av->error[0] ? ROLE_ERROR : ROLE_HINT,
		          av->error[0] ? av->error : _("Loading the asset…"), false);
		return;
	}
	pager_draw(&av->pager, &body);
}

const struct view_ops view_asset_ops = {
	.name = "asset",
	.title = N_("Asset"),
	.hints = asset_hints,
	.open = asset_open,
	.load = asset_load,
	.draw = asset_draw,
	.key = asset_key,
	.close = asset_close,
	.event = asset_event,
};
