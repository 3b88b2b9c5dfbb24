/* One risk, everything risk.get returns: asset, threat and vulnerability, the scores and levels
 * before and after treatment, the treatment and its plan, an acceptance (who, why, until when),
 * the controls applied, the next review, the history of scores and the reviews. The review form
 * (v), the acceptance form (A) and the incident link (i) are defined here. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "err.h"
#include "form.h"
#include "i18n.h"
#include "mp.h"
#include "pager.h"
#include "record.h"
#include "text.h"
#include "view.h"
#include "xmalloc.h"

#define RISK_LABEL_W 22

struct risk_view {
	char *id; /* owned: the risk's id, decimal */
	struct pager pager;
	bool loaded;
	/* What the forms start from. */
	int64_t l, i, rl, ri;
	char error[512];
};

static const struct view_hint risk_hints[] = {
	{ ACT_DOWN, N_("scroll") }, { ACT_RISK_REVIEW, NULL }, { ACT_RISK_ACCEPT, NULL },
	{ ACT_RISK_LINK, NULL },    { ACT_REFRESH, NULL },     { ACT_BACK, NULL },
	{ ACT_NONE, NULL },
};

static int
risk_open(struct view *v, const void *arg)
{
	struct risk_view *rv = xcalloc(1, sizeof *rv);

	rv->id = xstrdup(arg);
	pager_init(&rv->pager, RISK_LABEL_W);
	v->priv = rv;
	v->keymask = KM_ALWAYS | KM_GLOBAL | KM_MOVE | KM_RISK;
	return 0;
}

static void
risk_close(struct view *v)
{
	struct risk_view *rv = v->priv;

	pager_fini(&rv->pager);
	free(rv->id);
	free(rv);
}

/* "label  value" from key in d; absent or empty shows "-". */
static void
risk_field(struct pager *p, const char *label, const msgpack_object *d, const char *key)
{
	char *s = rec_str(d, key);
	bool empty = s == NULL || s[0] == '\0';

	pager_add(p, 2, ROLE_LABEL, label, empty ? ROLE_HINT : ROLE_VALUE, empty ? "-" : s);
	free(s);
}

/* "4 x 5 = critical" for the scores and level under the keys, or NULL when not scored. */
static char *
risk_score(const msgpack_object *d, const char *lk, const char *ik, const char *levelk)
{
	int64_t l = rec_int(d, lk, 0), i = rec_int(d, ik, 0);
	char *level = rec_text(d, levelk), *s;

	if (l == 0 || i == 0) {
		free(level);
		return NULL;
	}
	s = xasprintf("%lld x %lld = %s", (long long)l, (long long)i, level);
	free(level);
	return s;
}

static void
risk_score_line(struct pager *p, const char *label, const msgpack_object *d, const char *lk,
                const char *ik, const char *levelk, const char *none)
{
	char *s = risk_score(d, lk, ik, levelk), *level = rec_text(d, levelk);

	pager_add(p, 2, ROLE_LABEL, label, s != NULL ? view_risk_level_role(level) : ROLE_HINT,
	          s != NULL ? s : none);
	free(s);
	free(level);
}

static void
risk_fill(struct risk_view *rv, const msgpack_object *d)
{
	struct pager *p = &rv->pager;
	const msgpack_object *a;
	char line[1024], when[TEXT_TIME_MAX];
	char *s, *t, *u;
	uint32_t n;

	rv->l = rec_int(d, "likelihood", 0);
	rv->i = rec_int(d, "impact", 0);
	rv->rl = rec_int(d, "residual_likelihood", 0);
	rv->ri = rec_int(d, "residual_impact", 0);
	pager_clear(p, true);
	s = rec_text(d, "threat");
	snprintf(line, sizeof line, _("Risk #%s  %s"), rv->id, s);
	free(s);
	pager_add(p, 0, ROLE_NORMAL, NULL, ROLE_BIG, line);
	pager_blank(p);
	s = rec_text(d, "asset_name");
	snprintf(line, sizeof line, "%s (#%lld)", s, (long long)rec_int(d, "asset", 0));
	free(s);
	pager_add(p, 2, ROLE_LABEL, _("Asset"), ROLE_VALUE, line);
	risk_field(p, _("Threat"), d, "threat");
	risk_field(p, _("Vulnerability"), d, "vulnerability");
	risk_field(p, _("Description"), d, "description");
	s = rec_text(d, "owner_name");
	t = rec_text(d, "owner");
	snprintf(line, sizeof line, "%s (%s)", s, t);
	free(s), free(t);
	pager_add(p, 2, ROLE_LABEL, _("Owner"), ROLE_VALUE, line);
	pager_blank(p);

	pager_add(p, 0, ROLE_NORMAL, NULL, ROLE_SECTION, _("Scores (likelihood x impact = level)"));
	risk_score_line(p, _("Inherent"), d, "likelihood", "impact", "level", "-");
	risk_score_line(p, _("Residual"), d, "residual_likelihood", "residual_impact",
	                "residual_level", _("not assessed yet"));
	s = rec_str(d, "treatment");
	pager_add(p, 2, ROLE_LABEL, _("Treatment"), s != NULL ? ROLE_VALUE : ROLE_HINT,
	          s != NULL ? s : _("not decided yet"));
	free(s);
	risk_field(p, _("Plan"), d, "plan");
	if ((s = rec_str(d, "accepted_by")) != NULL) {
		t = rec_text(d, "accept_expires");
		rec_time(d, "accepted_at", when, sizeof when);
		snprintf(line, sizeof line, _("by %s on %s, until %s%s"), s, when, t,
		         rec_bool(d, "acceptance_expired") ? _(" - EXPIRED") : "");
		pager_add(p, 2, ROLE_LABEL, _("Accepted"),
		          rec_bool(d, "acceptance_expired") ? ROLE_REQUIRED : ROLE_VALUE, line);
		risk_field(p, _("Why"), d, "accept_reason");
		free(t);
		free(s);
	}
	pager_blank(p);

	pager_add(p, 0, ROLE_NORMAL, NULL, ROLE_SECTION, _("Review"));
	risk_field(p, _("Identified on"), d, "identified_on");
	risk_field(p, _("Last reviewed on"), d, "last_reviewed_on");
	s = rec_text(d, "next_review");
	t = rec_text(d, "current_level");
	snprintf(line, sizeof line, _("%s (every %s risk's cadence)%s"), s, t,
	         rec_bool(d, "overdue") ? _(" - OVERDUE") : "");
	pager_add(p, 2, ROLE_LABEL, _("Next review"),
	          rec_bool(d, "overdue") ? ROLE_REQUIRED : ROLE_VALUE, line);
	free(s), free(t);
	pager_blank(p);

	a = rec_array(d, "controls", &n);
	snprintf(line, sizeof line, _("Controls applied (%u)"), n);
	pager_add(p, 0, ROLE_NORMAL, NULL, ROLE_SECTION, line);
	if (n == 0)
		pager_add(p, 2, ROLE_NORMAL, NULL, ROLE_HINT, _("None."));
	for (uint32_t k = 0; k < n; k++) {
		s = rec_text(&a[k], "id");
		t = rec_text(&a[k], "title");
		pager_add(p, 2, ROLE_KEY, s, ROLE_NORMAL, t);
		free(s), free(t);
	}
	pager_blank(p);

	a = rec_array(d, "incidents", &n);
	snprintf(line, sizeof line, _("Incidents that revealed it (%u)"), n);
	pager_add(p, 0, ROLE_NORMAL, NULL, ROLE_SECTION, line);
	if (n == 0)
		pager_add(p, 2, ROLE_NORMAL, NULL, ROLE_HINT, _("None linked (i links one)."));
	for (uint32_t k = 0; k < n; k++) {
		char id[24];

		snprintf(id, sizeof id, "#%lld", (long long)rec_int(&a[k], "id", 0));
		s = rec_text(&a[k], "title");
		t = rec_text(&a[k], "status");
		u = rec_text(&a[k], "severity");
		snprintf(line, sizeof line, "%s  (%s, %s)", s, t, u);
		pager_add(p, 2, ROLE_KEY, id, ROLE_NORMAL, line);
		free(s), free(t), free(u);
	}
	pager_blank(p);

	a = rec_array(d, "scores", &n);
	snprintf(line, sizeof line, _("Score history (%u)"), n);
	pager_add(p, 0, ROLE_NORMAL, NULL, ROLE_SECTION, line);
	for (uint32_t k = 0; k < n; k++) {
		char *in = risk_score(&a[k], "likelihood", "impact", "level");
		char *res =
		    risk_score(&a[k], "residual_likelihood", "residual_impact", "residual_level");
		u = rec_text(&a[k], "by");
		rec_time(&a[k], "at", when, sizeof when);
		snprintf(line, sizeof line, _("%s  residual %s  (%s)"), in != NULL ? in : "-",
		         res != NULL ? res : "-", u[0] != '\0' ? u : "-");
		pager_add(p, 2, ROLE_LABEL, when, ROLE_NORMAL, line);
		free(in), free(res), free(u);
	}
	pager_blank(p);

	a = rec_array(d, "reviews", &n);
	snprintf(line, sizeof line, _("Reviews (%u), newest first"), n);
	pager_add(p, 0, ROLE_NORMAL, NULL, ROLE_SECTION, line);
	if (n == 0)
		pager_add(p, 2, ROLE_NORMAL, NULL, ROLE_HINT, _("Not reviewed yet: v reviews it."));
	for (uint32_t k = 0; k < n; k++) {
		char *in = risk_score(&a[k], "likelihood", "impact", "level");
		char *res =
		    risk_score(&a[k], "residual_likelihood", "residual_impact", "residual_level");
		s = rec_text(&a[k], "reviewed_on");
		t = rec_text(&a[k], "reviewer_name");
		u = rec_text(&a[k], "notes");
		snprintf(line, sizeof line, _("by %s: %s, residual %s"), t, in != NULL ? in : "-",
		         res != NULL ? res : "-");
		pager_add(p, 2, ROLE_LABEL, s, ROLE_VALUE, line);
		pager_add(p, 4, ROLE_NORMAL, NULL, ROLE_NORMAL, u);
		free(in), free(res), free(s), free(t), free(u);
	}
}

/* risk.get answered (a conn_reply_fn; arg is the view). */
static void
risk_reply(void *arg, const struct proto_reply *rep)
{
	struct view *v = arg;
	struct risk_view *rv = v->priv;

	v->app->redraw = true;
	if (rep->ok) {
		rv->error[0] = '\0';
		risk_fill(rv, rep->data);
		rv->loaded = true;
		return;
	}
	if (rep->err == ERR_NOT_FOUND)
		snprintf(rv->error, sizeof rv->error, _("There is no risk #%s."), rv->id);
	else
		snprintf(rv->error, sizeof rv->error, _("Could not load risk #%s: %s"), rv->id,
		         rec_msg(rep->err_msg));
	app_message(v->app, MSG_ERROR, "%s", rv->error);
}

static void
risk_load(struct view *v, const char *focus)
{
	struct risk_view *rv = v->priv;
	int64_t id = strtoll(rv->id, NULL, 10);

	(void)focus;
	conn_cancel(v->app->conn, v);
	conn_call(v->app->conn, v, risk_reply, v, "risk.get", "{s i}", "id", id);
}

static void
risk_event(struct view *v, const char *topic, const char *id)
{
	struct risk_view *rv = v->priv;

	if (strcmp(topic, "resync") == 0 || strcmp(topic, "risk_matrix") == 0 ||
	    (strcmp(topic, "risk") == 0 && strcmp(id, rv->id) == 0))
		risk_load(v, NULL);
}

/* ---- the review form ---- */

static const struct form_choice_def risk_scores[] = {
	{ "1", N_("1") }, { "2", N_("2") }, { "3", N_("3") },
	{ "4", N_("4") }, { "5", N_("5") }, { NULL, NULL },
};
static const struct form_choice_def risk_residual_scores[] = {
	{ "-", N_("not assessed") },
	{ "1", N_("1") },
	{ "2", N_("2") },
	{ "3", N_("3") },
	{ "4", N_("4") },
	{ "5", N_("5") },
	{ NULL, NULL },
};

static const struct form_item_def review_items[] = {
	{ "notes", N_("Notes"), N_("what was checked, what changed"), FORM_MULTI, true, 4000, 5,
	  NULL },
	{ "likelihood", N_("Likelihood now"), N_("Left/Right: 1 rare .. 5 almost certain"),
	  FORM_CHOICE, true, 0, 0, risk_scores },
	{ "impact", N_("Impact now"), N_("1 negligible .. 5 severe"), FORM_CHOICE, true, 0, 0,
	  risk_scores },
	{ "residual_likelihood", N_("Residual likelihood"), N_("after treatment"), FORM_CHOICE,
	  false, 0, 0, risk_residual_scores },
	{ "residual_impact", N_("Residual impact"), NULL, FORM_CHOICE, false, 0, 0,
	  risk_residual_scores },
	{ "reviewed_on", N_("Reviewed on"), N_("YYYY-MM-DD; empty: today"), FORM_TEXT, false, 10, 0,
	  NULL },
};

/* The scores as they are, from the context's extra ("L I RL RI"). */
static void
review_setup(struct form *f)
{
	const char *extra = form_ctx(f)->extra;
	char l[8], i[8], rl[8], ri[8];

	if (extra == NULL || sscanf(extra, "%7s %7s %7s %7s", l, i, rl, ri) != 4)
		return;
	form_select(f, "likelihood", l);
	form_select(f, "impact", i);
	form_select(f, "residual_likelihood", strcmp(rl, "0") == 0 ? "-" : rl);
	form_select(f, "residual_impact", strcmp(ri, "0") == 0 ? "-" : ri);
}

static int
review_pack(struct form *f, msgpack_packer *pk)
{
	char *notes = form_text(f, "notes"), *on = form_text(f, "reviewed_on");
	const char *rl = form_choice(f, "residual_likelihood");
	const char *ri = form_choice(f, "residual_impact");
	bool residual = rl != NULL && ri != NULL && strcmp(rl, "-") != 0 && strcmp(ri, "-") != 0;
	int rc = 0;

	if (notes[0] == '\0')
		rc = form_fail(f, "notes", "%s", _("Say what the review found."));
	else if ((rl != NULL && strcmp(rl, "-") != 0) != (ri != NULL && strcmp(ri, "-") != 0))
		rc = form_fail(f, "residual_likelihood", "%s",
		               _("Give both residual scores, or neither."));
	if (rc == 0) {
		msgpack_pack_map(pk, 4 + (on[0] != '\0') + 2 * residual);
		mp_packf(pk, "s i s s s i s i", "id",
		         (int64_t)strtoll(form_ctx(f)->receipt, NULL, 10), "notes", notes,
		         "likelihood", (int64_t)atoi(form_choice(f, "likelihood")), "impact",
		         (int64_t)atoi(form_choice(f, "impact")));
		if (on[0] != '\0')
			mp_packf(pk, "s s", "reviewed_on", on);
		if (residual)
			mp_packf(pk, "s i s i", "residual_likelihood", (int64_t)atoi(rl),
			         "residual_impact", (int64_t)atoi(ri));
	}
	free(notes);
	free(on);
	return rc;
}

static void
review_done(struct form *f, const msgpack_object *data, char *msg, size_t msglen)
{
	char *next = rec_text(data, "next_review"), *level = rec_text(data, "current_level");

	snprintf(msg, msglen, _("Risk #%s reviewed: %s, next review on %s."), form_ctx(f)->receipt,
	         level, next);
	free(next);
	free(level);
}

static const struct form_def review_form = {
	.title = N_("Risk review"),
	.heading = N_("Review of risk #%s"),
	.submit = N_("record the review"),
	.op = "risk.review",
	.items = review_items,
	.nitems = sizeof review_items / sizeof review_items[0],
	.setup = review_setup,
	.pack = review_pack,
	.done = review_done,
};

/* ---- the acceptance form ---- */

static const struct form_item_def accept_items[] = {
	{ "reason", N_("Why it is accepted"), N_("the business reason, for the auditors"),
	  FORM_MULTI, true, 2000, 4, NULL },
	{ "expires", N_("Accepted until"), N_("YYYY-MM-DD, after today, within three years"),
	  FORM_TEXT, true, 10, 0, NULL },
};

static int
accept_pack(struct form *f, msgpack_packer *pk)
{
	char *reason = form_text(f, "reason"), *expires = form_text(f, "expires");
	int rc = 0;

	if (reason[0] == '\0')
		rc = form_fail(f, "reason", "%s", _("Say why the risk is accepted."));
	else if (expires[0] == '\0')
		rc = form_fail(f, "expires", "%s", _("An acceptance needs a date it ends."));
	else
		mp_packf(pk, "{s i s s s s}", "id",
		         (int64_t)strtoll(form_ctx(f)->receipt, NULL, 10), "reason", reason,
		         "expires", expires);
	free(reason);
	free(expires);
	return rc;
}

static void
accept_done(struct form *f, const msgpack_object *data, char *msg, size_t msglen)
{
	char *until = rec_text(data, "accept_expires");

	snprintf(msg, msglen, _("Risk #%s is accepted until %s."), form_ctx(f)->receipt, until);
	free(until);
}

static const struct form_def accept_form = {
	.title = N_("Risk acceptance"),
	.heading = N_("Accept risk #%s (the organisation bears it until a date)"),
	.submit = N_("accept the risk"),
	.op = "risk.accept",
	.items = accept_items,
	.nitems = sizeof accept_items / sizeof accept_items[0],
	.pack = accept_pack,
	.done = accept_done,
};

/* ---- linking an incident ---- */

static const struct form_item_def link_items[] = {
	{ "incident", N_("Incident number"), N_("the incident that revealed this risk"), FORM_TEXT,
	  true, 12, 0, NULL },
};

static int
link_pack(struct form *f, msgpack_packer *pk)
{
	char *incident = form_text(f, "incident"), *end;
	long long n = strtoll(incident, &end, 10);
	int rc = 0;

	if (incident[0] == '\0' || *end != '\0' || n < 1)
		rc = form_fail(f, "incident", "%s", _("Give the incident's number."));
	else
		mp_packf(pk, "{s i s i}", "id", (int64_t)strtoll(form_ctx(f)->receipt, NULL, 10),
		         "incident", (int64_t)n);
	free(incident);
	return rc;
}

static void
link_done(struct form *f, const msgpack_object *data, char *msg, size_t msglen)
{
	snprintf(msg, msglen, _("Risk #%s is linked to incident #%lld."), form_ctx(f)->receipt,
	         (long long)rec_int(data, "incident", 0));
}

static const struct form_def link_form = {
	.title = N_("Link an incident"),
	.heading = N_("Risk #%s was revealed by incident…"),
	.submit = N_("link"),
	.op = "risk.link_incident",
	.items = link_items,
	.nitems = sizeof link_items / sizeof link_items[0],
	.pack = link_pack,
	.done = link_done,
};

static unsigned
risk_key(struct view *v, enum action act, uint32_t key)
{
	struct risk_view *rv = v->priv;
	struct form_open o = { 0 };
	char extra[64];

	(void)key;
	if (pager_key(&rv->pager, act))
		return VIEW_HANDLED;
	switch (act) {
	case ACT_RISK_REVIEW:
		if (!app_has_right(v->app, "risk.manage")) {
			app_message(v->app, MSG_ERROR, "%s",
			            _("Only a manager reviews risks (risk.manage)."));
			return VIEW_HANDLED;
		}
		if (!rv->loaded)
			return VIEW_HANDLED;
		snprintf(extra, sizeof extra, "%lld %lld %lld %lld", (long long)rv->l,
		         (long long)rv->i, (long long)rv->rl, (long long)rv->ri);
		o.def = &review_form;
		o.ctx = (struct form_ctx){ .receipt = rv->id, .extra = extra };
		app_push(v->app, &view_form_ops, &o);
		return VIEW_HANDLED;
	case ACT_RISK_ACCEPT:
		if (!app_has_right(v->app, "risk.accept")) {
			app_message(v->app, MSG_ERROR, "%s",
			            _("Only a manager may accept a risk (risk.accept)."));
			return VIEW_HANDLED;
		}
		o.def = &accept_form;
		o.ctx = (struct form_ctx){ .receipt = rv->id };
		app_push(v->app, &view_form_ops, &o);
		return VIEW_HANDLED;
	case ACT_RISK_LINK:
		if (!app_has_right(v->app, "risk.manage")) {
			app_message(v->app, MSG_ERROR, "%s",
			            _("Only a manager links risks to incidents (risk.manage)."));
			return VIEW_HANDLED;
		}
		o.def = &link_form;
		o.ctx = (struct form_ctx){ .receipt = rv->id };
		app_push(v->app, &view_form_ops, &o);
		return VIEW_HANDLED;
	case ACT_REFRESH:
		risk_load(v, NULL);
		return VIEW_HANDLED;
	case ACT_BACK:
		return VIEW_CLOSE;
	default:
		return VIEW_IGNORED;
	}
}

static void
risk_draw(struct view *v, const struct draw_rect *r)
{
	struct risk_view *rv = v->priv;
	struct draw_rect body = { .y = r->y + 1, .x = r->x + 1, .h = r->h - 1, .w = r->w - 2 };
	char line[128];

	if (!rv->loaded) {
		snprintf(line, sizeof line, _("Loading risk #%s…"), rv->id);
		draw_text(body.y, body.x, body.w, rv->error[0] ? ROLE_ERROR : ROLE_HINT,
		          rv->error[0] ? rv->error : line, false);
		return;
	}
	pager_draw(&rv->pager, &body);
}

const struct view_ops view_risk_ops = {
	.name = "risk",
	.title = N_("Risk"),
	.hints = risk_hints,
	.open = risk_open,
	.load = risk_load,
	.draw = risk_draw,
	.key = risk_key,
	.close = risk_close,
	.event = risk_event,
};
