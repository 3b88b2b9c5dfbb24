/* One incident, everything incident.get returns: the report, its links, the investigation
 * with the affected cases (customers masked without pii.read), countermeasures, linked
 * risks, the review, and the whole timeline; the keys to take it further open the incident
 * forms, p prints the report. It reloads when the incident changes. */
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
#include "view-incident.h"
#include "view.h"
#include "xmalloc.h"

#define INCIDENT_LABEL_W 22

struct incident_view {
	char *id; /* owned: the incident's id, as text */
	struct pager pager;
	msgpack_unpacked data; /* the last incident.get reply's data, our own copy... */
	msgpack_sbuffer bytes; /* ...whose strings point into these bytes */
	bool loading, loaded;
	char error[512];
};

static const struct view_hint incident_hints[] = {
	{ ACT_DOWN, N_("scroll") }, { ACT_INC_PRINT, NULL }, { ACT_REFRESH, NULL },
	{ ACT_HELP, NULL },         { ACT_BACK, NULL },      { ACT_NONE, NULL },
};
static const struct view_hint incident_manage_hints[] = {
	{ ACT_INC_ACT, NULL },    { ACT_INC_EDIT, NULL },   { ACT_INC_FINDINGS, NULL },
	{ ACT_INC_LINK, NULL },   { ACT_INC_CM_ADD, NULL }, { ACT_INC_CM_SET, NULL },
	{ ACT_INC_REVIEW, NULL }, { ACT_INC_CLOSE, NULL },  { ACT_INC_PRINT, NULL },
	{ ACT_BACK, NULL },       { ACT_NONE, NULL },
};
static const struct view_hint incident_review_hints[] = {
	{ ACT_INC_REVIEW, NULL }, { ACT_INC_CLOSE, NULL }, { ACT_INC_PRINT, NULL },
	{ ACT_REFRESH, NULL },    { ACT_BACK, NULL },      { ACT_NONE, NULL },
};

static int
incident_open(struct view *v, const void *arg)
{
	struct incident_view *iv = xcalloc(1, sizeof *iv);

	iv->id = xstrdup(arg);
	pager_init(&iv->pager, INCIDENT_LABEL_W);
	msgpack_unpacked_init(&iv->data);
	msgpack_sbuffer_init(&iv->bytes);
	v->priv = iv;
	v->keymask = KM_ALWAYS | KM_GLOBAL | KM_MOVE | KM_INCIDENT;
	return 0;
}

static void
incident_close(struct view *v)
{
	struct incident_view *iv = v->priv;

	pager_fini(&iv->pager);
	msgpack_unpacked_destroy(&iv->data);
	msgpack_sbuffer_destroy(&iv->bytes);
	free(iv->id);
	free(iv);
}

/* Keeps a copy of data (borrowed from a reply) in iv->data: msgpack-c's strings point into
 * the bytes they were unpacked from, so the bytes are kept too. */
static void
incident_keep(struct incident_view *iv, const msgpack_object *data)
{
	msgpack_packer pk;

	msgpack_unpacked_destroy(&iv->data);
	msgpack_sbuffer_destroy(&iv->bytes);
	msgpack_sbuffer_init(&iv->bytes);
	msgpack_packer_init(&pk, &iv->bytes, msgpack_sbuffer_write);
	msgpack_pack_object(&pk, *data);
	msgpack_unpacked_init(&iv->data);
	msgpack_unpack_next(&iv->data, iv->bytes.data, iv->bytes.size, NULL);
}

/* "label  value" with the string under key in d; absent or empty shows "-". */
static void
incident_field(struct pager *p, const char *label, const msgpack_object *d, const char *key)
{
	char *s = rec_str(d, key);
	bool empty = s == NULL || s[0] == '\0';

	pager_add(p, 2, ROLE_LABEL, label, empty ? ROLE_HINT : ROLE_VALUE, empty ? "-" : s);
	free(s);
}

/* A heading and a paragraph of free text (what happened, facts...). */
static void
incident_text(struct pager *p, const char *title, const msgpack_object *d, const char *key)
{
	char *s = rec_str(d, key);

	pager_add(p, 2, ROLE_NORMAL, NULL, ROLE_LABEL, title);
	pager_add(p, 4, ROLE_NORMAL, NULL, s != NULL && s[0] ? ROLE_NORMAL : ROLE_HINT,
	          s != NULL && s[0] ? s : _("(not recorded yet)"));
	free(s);
}

static void
incident_fill(struct incident_view *iv, const msgpack_object *d)
{
	struct pager *p = &iv->pager;
	char line[1024], when[32], when2[32];
	char *s, *t, *u;
	const msgpack_object *a;
	uint32_t n;

	pager_clear(p, true);
	s = rec_text(d, "title");
	snprintf(line, sizeof line, _("Incident #%s  %s"), iv->id, s);
	free(s);
	pager_add(p, 0, ROLE_NORMAL, NULL, ROLE_BIG, line);
	pager_blank(p);
	s = rec_text(d, "status");
	t = rec_text(d, "status_reason");
	snprintf(line, sizeof line, "%s%s%s", incident_status_label(s), t[0] ? ": " : "", t);
	pager_add(p, 2, ROLE_LABEL, _("Status"), ROLE_VALUE, line);
	free(s), free(t);
	s = rec_text(d, "category");
	t = rec_text(d, "category_label_ja");
	u = rec_text(d, "category_label");
	snprintf(line, sizeof line, "%s %s (%s)", s, t, u);
	pager_add(p, 2, ROLE_LABEL, _("Category"), ROLE_VALUE, line);
	free(s), free(t), free(u);
	s = rec_text(d, "severity");
	pager_add(p, 2, ROLE_LABEL, _("Severity"),
	          strcmp(s, "critical") == 0 || strcmp(s, "high") == 0 ? ROLE_REQUIRED : ROLE_VALUE,
	          incident_severity_label(s));
	free(s);
	s = rec_text(d, "reported_by_name");
	t = rec_text(d, "reported_by");
	u = rec_text(d, "segment");
	snprintf(line, sizeof line, "%s (%s), %s, %s", s, t, u,
	         rec_time(d, "reported_at", when, sizeof when));
	pager_add(p, 2, ROLE_LABEL, _("Reported by"), ROLE_VALUE, line);
	free(s), free(t), free(u);
	pager_add(p, 2, ROLE_LABEL, _("When found"), ROLE_VALUE,
	          rec_time(d, "found_at", when, sizeof when));
	incident_field(p, _("Where"), d, "location");
	pager_add(p, 2, ROLE_LABEL, _("Shared"), ROLE_VALUE,
	          rec_bool(d, "shared") ? _("with every segment")
	                                : _("no: its segment, managers and auditors"));
	pager_blank(p);
	pager_add(p, 0, ROLE_NORMAL, NULL, ROLE_SECTION, _("What happened"));
	s = rec_text(d, "description");
	pager_add(p, 2, ROLE_NORMAL, NULL, ROLE_NORMAL, s);
	free(s);
	pager_blank(p);

	a = rec_array(d, "links", &n);
	snprintf(line, sizeof line, _("Cases, devices, assets (%u)"), n);
	pager_add(p, 0, ROLE_NORMAL, NULL, ROLE_SECTION, line);
	if (n == 0)
		pager_add(p, 2, ROLE_NORMAL, NULL, ROLE_HINT, _("None linked."));
	for (uint32_t i = 0; a != NULL && i < n; i++) {
		s = rec_text(&a[i], "kind");
		t = rec_text(&a[i], "ref");
		snprintf(line, sizeof line, "%s%s", t,
		         rec_bool(&a[i], "affected") ? _("  (affected)") : "");
		pager_add(p, 2, ROLE_LABEL, s, ROLE_VALUE, line);
		free(s), free(t);
	}
	pager_blank(p);

	pager_add(p, 0, ROLE_NORMAL, NULL, ROLE_SECTION, _("Investigation"));
	incident_text(p, _("Facts"), d, "facts");
	incident_text(p, _("Cause"), d, "cause");
	incident_text(p, _("Scope of impact"), d, "impact");
	a = rec_array(d, "affected", &n);
	for (uint32_t i = 0; a != NULL && i < n; i++) {
		s = rec_text(&a[i], "receipt");
		t = rec_text(&a[i], "customer_name");
		bool masked = strcmp(t, "***") == 0;
		pager_add(p, 4, ROLE_KEY, s, masked ? ROLE_MASKED : ROLE_VALUE,
		          masked ? _("*** (personal data hidden on this network)") : t);
		free(s), free(t);
	}
	incident_text(p, _("Recurrence prevention"), d, "prevention");
	pager_blank(p);

	a = rec_array(d, "countermeasures", &n);
	snprintf(line, sizeof line, _("Countermeasures (%u)"), n);
	pager_add(p, 0, ROLE_NORMAL, NULL, ROLE_SECTION, line);
	if (n == 0)
		pager_add(p, 2, ROLE_NORMAL, NULL, ROLE_HINT, _("None yet."));
	for (uint32_t i = 0; a != NULL && i < n; i++) {
		char num[16];
		bool late = rec_bool(&a[i], "overdue");

		snprintf(num, sizeof num, "%lld", (long long)rec_int(&a[i], "cm", 0));
		s = rec_text(&a[i], "title");
		t = rec_text(&a[i], "owner_name");
		u = rec_text(&a[i], "due");
		char *st = rec_text(&a[i], "state");
		snprintf(line, sizeof line, _("[%s] %s — %s, due %s%s"),
		         incident_cm_state_label(st), s, t, u, late ? _("  OVERDUE") : "");
		pager_add(p, 2, ROLE_KEY, num, late ? ROLE_ERROR : ROLE_NORMAL, line);
		free(s), free(t), free(u), free(st);
	}
	pager_blank(p);

	a = rec_array(d, "risks", &n);
	snprintf(line, sizeof line, _("Linked risks (%u)"), n);
	pager_add(p, 0, ROLE_NORMAL, NULL, ROLE_SECTION, line);
	if (n == 0)
		pager_add(p, 2, ROLE_NORMAL, NULL, ROLE_HINT, _("None."));
	for (uint32_t i = 0; a != NULL && i < n; i++) {
		s = rec_text(&a[i], "ref");
		t = rec_text(&a[i], "title");
		u = rec_text(&a[i], "level");
		snprintf(line, sizeof line, "%s (%s)", t, u);
		pager_add(p, 2, ROLE_KEY, s, ROLE_NORMAL, line);
		free(s), free(t), free(u);
	}
	pager_blank(p);

	pager_add(p, 0, ROLE_NORMAL, NULL, ROLE_SECTION, _("Review"));
	s = rec_str(d, "reviewed_by_name");
	if (s == NULL) {
		pager_add(p, 2, ROLE_NORMAL, NULL, ROLE_HINT, _("Not reviewed yet."));
	} else {
		snprintf(line, sizeof line, "%s, %s", s,
		         rec_time(d, "reviewed_at", when, sizeof when));
		pager_add(p, 2, ROLE_LABEL, _("Reviewed by"), ROLE_VALUE, line);
		incident_field(p, _("Result"), d, "review_result");
	}
	free(s);
	s = rec_str(d, "closed_by_name");
	if (s != NULL) {
		snprintf(line, sizeof line, "%s, %s", s,
		         rec_time(d, "closed_at", when2, sizeof when2));
		pager_add(p, 2, ROLE_LABEL, _("Closed by"), ROLE_VALUE, line);
	}
	free(s);
	pager_blank(p);

	a = rec_array(d, "timeline", &n);
	snprintf(line, sizeof line, _("Timeline (%u)"), n);
	pager_add(p, 0, ROLE_NORMAL, NULL, ROLE_SECTION, line);
	for (uint32_t i = 0; a != NULL && i < n; i++) {
		char *who = rec_str(&a[i], "actor"), *seg = rec_text(&a[i], "segment");
		char *kind = rec_text(&a[i], "kind"), *detail = rec_text(&a[i], "detail");
		char *from = rec_text(&a[i], "from"), *to = rec_text(&a[i], "to"), what[768];

		if (strcmp(kind, "status") == 0)
			snprintf(what, sizeof what, "%s -> %s%s%s", incident_status_label(from),
			         incident_status_label(to), detail[0] ? ": " : "", detail);
		else if (strcmp(kind, "review") == 0)
			snprintf(what, sizeof what, _("reviewed: %s"), detail);
		else if (strcmp(kind, "edit") == 0)
			snprintf(what, sizeof what, _("edited: %s"), detail);
		else if (strcmp(kind, "reported") == 0)
			snprintf(what, sizeof what, _("reported: %s"), detail);
		else if (strcmp(kind, "countermeasure") == 0)
			snprintf(what, sizeof what, _("countermeasure %s"), detail);
		else
			snprintf(what, sizeof what, "%s", detail);
		snprintf(line, sizeof line, "%s  %s (%s)", rec_time(&a[i], "at", when, sizeof when),
		         who != NULL ? who : _("(database)"), seg);
		pager_add(p, 2, ROLE_NORMAL, NULL, ROLE_LABEL, line);
		pager_add(p, 4, ROLE_NORMAL, NULL, ROLE_NORMAL, what);
		free(who), free(seg), free(kind), free(detail), free(from), free(to);
	}
}

/* incident.get answered (a conn_reply_fn; arg is the view). */
static void
incident_reply(void *arg, const struct proto_reply *rep)
{
	struct view *v = arg;
	struct incident_view *iv = v->priv;

	iv->loading = false;
	v->app->redraw = true;
	if (rep->ok) {
		iv->error[0] = '\0';
		incident_keep(iv, rep->data);
		incident_fill(iv, &iv->data.data);
		iv->loaded = true;
		if (incident_can(&iv->data.data, "edit"))
			v->hints = incident_manage_hints;
		else if (incident_can(&iv->data.data, "review") ||
		         incident_can(&iv->data.data, "close"))
			v->hints = incident_review_hints;
		else
			v->hints = incident_hints;
		return;
	}
	if (rep->err == ERR_NOT_FOUND)
		snprintf(iv->error, sizeof iv->error,
		         _("There is no incident #%s (or it is not visible here)."), iv->id);
	else
		snprintf(iv->error, sizeof iv->error, _("Could not load incident #%s: %s"), iv->id,
		         rec_msg(rep->err_msg));
	app_message(v->app, MSG_ERROR, "%s", iv->error);
}

static void
incident_load(struct view *v, const char *focus)
{
	struct incident_view *iv = v->priv;

	(void)focus;
	conn_cancel(v->app->conn, v);
	iv->loading = true;
	conn_call(v->app->conn, v, incident_reply, v, "incident.get", "{s i}", "id",
	          (int64_t)strtoll(iv->id, NULL, 10));
}

static void
incident_event(struct view *v, const char *topic, const char *id)
{
	struct incident_view *iv = v->priv;

	if (strcmp(topic, "resync") == 0 ||
	    (strcmp(topic, "incident") == 0 && strcmp(id, iv->id) == 0))
		incident_load(v, NULL);
}

/* incident.document answered: the print form, to a file or lp. */
static void
incident_document_reply(void *arg, const struct proto_reply *rep)
{
	struct view *v = arg;
	struct incident_view *iv = v->priv;
	char *text, *name, *what;

	v->app->redraw = true;
	if (!rep->ok) {
		app_message(v->app, MSG_ERROR, _("No report: %s"), rec_msg(rep->err_msg));
		return;
	}
	text = rec_text(rep->data, "text");
	name = rec_text(rep->data, "filename");
	what = xasprintf(_("the report of incident #%s"), iv->id);
	form_print_open(v->app, what, text, name, false);
	free(text), free(name), free(what);
}

static unsigned
incident_key(struct view *v, enum action act, uint32_t key)
{
	struct incident_view *iv = v->priv;
	const msgpack_object *d = &iv->data.data;
	enum incident_form form;

	(void)key;
	if (pager_key(&iv->pager, act))
		return VIEW_HANDLED;
	switch (act) {
	case ACT_REFRESH:
		incident_load(v, NULL);
		return VIEW_HANDLED;
	case ACT_BACK:
		return VIEW_CLOSE;
	case ACT_INC_PRINT:
		conn_call(v->app->conn, v, incident_document_reply, v, "incident.document",
		          "{s i s s}", "id", (int64_t)strtoll(iv->id, NULL, 10), "format",
		          "markdown");
		return VIEW_HANDLED;
	case ACT_INC_ACT:
		form = INCIDENT_FORM_STATUS;
		break;
	case ACT_INC_EDIT:
		form = INCIDENT_FORM_EDIT;
		break;
	case ACT_INC_FINDINGS:
		form = INCIDENT_FORM_FINDINGS;
		break;
	case ACT_INC_LINK:
		form = INCIDENT_FORM_LINK;
		break;
	case ACT_INC_CM_ADD:
		form = INCIDENT_FORM_CM_ADD;
		break;
	case ACT_INC_CM_SET:
		form = INCIDENT_FORM_CM_SET;
		break;
	case ACT_INC_REVIEW:
		form = INCIDENT_FORM_REVIEW;
		break;
	case ACT_INC_CLOSE:
		form = INCIDENT_FORM_CLOSE;
		break;
	default:
		return VIEW_IGNORED;
	}
	if (!iv->loaded) {
		app_message(v->app, MSG_INFO, "%s", _("Wait for the incident to load."));
		return VIEW_HANDLED;
	}
	incident_form_open(v->app, form, d);
	return VIEW_HANDLED;
}

static void
incident_draw(struct view *v, const struct draw_rect *r)
{
	struct incident_view *iv = v->priv;
	struct draw_rect body = { .y = r->y + 1, .x = r->x + 1, .h = r->h - 1, .w = r->w - 2 };
	char line[256];

	if (!iv->loaded) {
		if (iv->error[0] != '\0') {
			draw_text(body.y, body.x, body.w, ROLE_ERROR, iv->error, false);
		} else {
			snprintf(line, sizeof line, _("Loading incident #%s…"), iv->id);
			draw_text(body.y, body.x, body.w, ROLE_HINT, line, false);
		}
		return;
	}
	pager_draw(&iv->pager, &body);
}

const struct view_ops view_incident_ops = {
	.name = "incident",
	.title = N_("Security incident"),
	.hints = incident_hints,
	.open = incident_open,
	.load = incident_load,
	.draw = incident_draw,
	.key = incident_key,
	.close = incident_close,
	.event = incident_event,
};
