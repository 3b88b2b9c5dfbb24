/* One case, everything case.get returns: the case sheet's data, the customer (or a notice that
 * it is hidden on this network), the received items with their labels, the notes thread. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "err.h"
#include "form.h"
#include "i18n.h"
#include "mp.h"
#include "pager.h"
#include "text.h"
#include "view.h"
#include "xmalloc.h"

#define CASE_LABEL_W 20

struct case_view {
	char *receipt; /* owned */
	struct pager pager;
	bool loading, loaded;
	char error[512];
	/* Notes: how many were shown before, to mark those that arrive while the case is
	 * open; the id of the newest note known (from notes' ids or note events), marked
	 * seen once shown. */
	size_t notes_shown, notes_old, notes_fresh;
	int64_t note_seen, note_latest;
	struct view_hint hints[8];
};

static const struct view_hint case_hints[] = {
	{ ACT_SHEET, NULL }, { ACT_DOWN, N_("scroll") },           { ACT_REFRESH, NULL },
	{ ACT_HELP, NULL },  { ACT_BACK, N_("back to the list") }, { ACT_NONE, NULL },
};
static const struct view_hint case_hints_note[] = {
	{ ACT_SHEET, NULL },   { ACT_NOTE, NULL }, { ACT_DOWN, N_("scroll") },
	{ ACT_REFRESH, NULL }, { ACT_HELP, NULL }, { ACT_BACK, N_("back to the list") },
	{ ACT_NONE, NULL },
};

static int
case_open(struct view *v, const void *arg)
{
	struct case_view *cv = xcalloc(1, sizeof *cv);

	cv->receipt = xstrdup(arg);
	pager_init(&cv->pager, CASE_LABEL_W);
	cv->notes_old = (size_t)-1;
	v->priv = cv;
	v->keymask = KM_ALWAYS | KM_GLOBAL | KM_MOVE | KM_CASE;
	v->hints = app_has_right(v->app, "note.write") ? case_hints_note : case_hints;
	return 0;
}

static void
case_close(struct view *v)
{
	struct case_view *cv = v->priv;

	pager_fini(&cv->pager);
	free(cv->receipt);
	free(cv);
}

/* Adds "label  value" with the value of key in data; absent or empty shows "-". */
static void
case_field(struct pager *p, int indent, const char *label, const msgpack_object *data,
           const char *key)
{
	char *s = mp_strdup(mp_get(data, key));
	bool empty = s == NULL || s[0] == '\0';

	pager_add(p, indent, ROLE_LABEL, label, empty ? ROLE_HINT : ROLE_VALUE, empty ? "-" : s);
	free(s);
}

/* Lays case.get's data out as the pager's paragraphs. d: borrowed (the reply's); me: the
 * name of the person signed in (their own notes are never "new" to them). */
static void
case_fill(struct case_view *cv, const msgpack_object *d, const char *me)
{
	struct pager *p = &cv->pager;
	const msgpack_object *o, *items, *notes;
	char when[TEXT_TIME_MAX], line[512];
	char *s, *receipt = mp_strdup(mp_get(d, "receipt"));
	bool masked;

	pager_clear(p, true);
	snprintf(line, sizeof line, _("Case %s"), receipt != NULL ? receipt : cv->receipt);
	free(receipt);
	pager_add(p, 0, ROLE_NORMAL, NULL, ROLE_BIG, line);
	pager_blank(p);
	case_field(p, 2, _("Receipt number"), d, "receipt");
	s = mp_strdup(mp_get(d, "received_at"));
	pager_add(p, 2, ROLE_LABEL, _("Received"), ROLE_VALUE,
	          text_local_time(s, when, sizeof when));
	free(s);
	o = mp_get(d, "stage_label");
	case_field(p, 2, _("Stage"), d, mp_is_str(o) ? "stage_label" : "stage");
	case_field(p, 2, _("Medium"), d, "medium");
	case_field(p, 2, _("Registered by"), d, "created_by");
	pager_blank(p);

	pager_add(p, 0, ROLE_NORMAL, NULL, ROLE_SECTION, _("Customer"));
	o = mp_get(d, "pii_masked");
	masked = o != NULL && o->type == MSGPACK_OBJECT_BOOLEAN && o->via.boolean;
	if (masked) {
		pager_add(p, 2, ROLE_LABEL, _("Personal data"), ROLE_MASKED,
		          _("*** (personal data hidden on this network)"));
	} else {
		case_field(p, 2, _("Name"), d, "customer_name");
		case_field(p, 2, _("Phone"), d, "phone");
		case_field(p, 2, _("E-mail"), d, "email");
		case_field(p, 2, _("Postal address"), d, "address");
	}
	pager_blank(p);

	items = mp_get(d, "items");
	snprintf(line, sizeof line, _("Received items (%u)"),
	         items != NULL && items->type == MSGPACK_OBJECT_ARRAY ? items->via.array.size : 0);
	pager_add(p, 0, ROLE_NORMAL, NULL, ROLE_SECTION, line);
	for (uint32_t i = 0;
	     items != NULL && items->type == MSGPACK_OBJECT_ARRAY && i < items->via.array.size;
	     i++) {
		const msgpack_object *it = &items->via.array.ptr[i];
		char *label = mp_strdup(mp_get(it, "label"));
		char *kind = mp_strdup(mp_get(it, "kind"));
		char *desc = mp_strdup(mp_get(it, "description"));

		snprintf(line, sizeof line, "%-13s %s", kind != NULL ? kind : "?",
		         desc != NULL ? desc : "");
		pager_add(p, 2, ROLE_KEY, label != NULL ? label : "?", ROLE_NORMAL, line);
		free(label);
		free(kind);
		free(desc);
	}
	pager_blank(p);

	notes = mp_get(d, "notes");
	cv->notes_shown =
	    notes != NULL && notes->type == MSGPACK_OBJECT_ARRAY ? notes->via.array.size : 0;
	if (cv->notes_old == (size_t)-1)
		cv->notes_old = cv->notes_shown;
	cv->notes_fresh = 0;
	for (uint32_t i = (uint32_t)cv->notes_old; i < cv->notes_shown; i++) {
		char *author = mp_strdup(mp_get(&notes->via.array.ptr[i], "author"));

		if (author == NULL || me == NULL || strcmp(author, me) != 0)
			cv->notes_fresh++;
		free(author);
	}
	if (cv->notes_fresh > 0)
		snprintf(line, sizeof line, _("Notes 連絡事項 (%zu, %zu new)"), cv->notes_shown,
		         cv->notes_fresh);
	else
		snprintf(line, sizeof line, _("Notes 連絡事項 (%zu)"), cv->notes_shown);
	pager_add(p, 0, ROLE_NORMAL, NULL, ROLE_SECTION, line);
	if (notes == NULL || notes->type != MSGPACK_OBJECT_ARRAY || notes->via.array.size == 0)
		pager_add(p, 2, ROLE_NORMAL, NULL, ROLE_HINT, _("No notes."));
	for (uint32_t i = 0;
	     notes != NULL && notes->type == MSGPACK_OBJECT_ARRAY && i < notes->via.array.size;
	     i++) {
		const msgpack_object *n = &notes->via.array.ptr[i];
		char *at = mp_strdup(mp_get(n, "at"));
		char *author = mp_strdup(mp_get(n, "author"));
		char *seg = mp_strdup(mp_get(n, "segment"));
		char *body = mp_strdup(mp_get(n, "body"));
		int64_t id;
		bool fresh =
		    i >= cv->notes_old && (author == NULL || me == NULL || strcmp(author, me) != 0);

		/* Notes with ids (newer servers) are marked seen once shown. */
		if (mp_int(mp_get(n, "id"), &id) == 0 && id > cv->note_latest)
			cv->note_latest = id;
		snprintf(line, sizeof line, "%s%s  %s (%s)", fresh ? _("NEW  ") : "",
		         text_local_time(at, when, sizeof when), author != NULL ? author : "?",
		         seg != NULL ? seg : "?");
		pager_add(p, 2, ROLE_NORMAL, NULL, fresh ? ROLE_INFO : ROLE_LABEL, line);
		pager_add(p, 4, ROLE_NORMAL, NULL, ROLE_NORMAL, body != NULL ? body : "");
		free(at);
		free(author);
		free(seg);
		free(body);
	}
}

/* case.notes_seen answered: nothing to show either way (a conn_reply_fn). */
static void
case_seen_reply(void *arg, const struct proto_reply *rep)
{
	(void)arg;
	(void)rep;
}

/* case.get answered (a conn_reply_fn; arg is the view). */
static void
case_reply(void *arg, const struct proto_reply *rep)
{
	struct view *v = arg;
	struct case_view *cv = v->priv;

	cv->loading = false;
	v->app->redraw = true;
	if (rep->ok) {
		size_t before = cv->notes_fresh;

		cv->error[0] = '\0';
		case_fill(cv, rep->data, v->app->sess.name);
		if (cv->loaded && cv->notes_fresh > before)
			app_message(
			    v->app, MSG_INFO, "%s",
			    _("A new note on this case from the other side: marked NEW below."));
		cv->loaded = true;
		/* What is on the screen has been read: it leaves the "new notes" queue. */
		if (cv->note_latest > cv->note_seen) {
			cv->note_seen = cv->note_latest;
			conn_call(v->app->conn, v, case_seen_reply, v, "case.notes_seen",
			          "{s s s i}", "receipt", cv->receipt, "upto", cv->note_latest);
		}
		return;
	}
	if (rep->err == ERR_NOT_FOUND)
		snprintf(cv->error, sizeof cv->error,
		         _("There is no case %s (or it is not visible here)."), cv->receipt);
	else if (rep->err == ERR_FORBIDDEN)
		snprintf(cv->error, sizeof cv->error, "%s",
		         _("You may not open cases on this network."));
	else
		snprintf(cv->error, sizeof cv->error, _("Could not load case %s: %s"), cv->receipt,
		         rep->err_msg);
	app_message(v->app, MSG_ERROR, "%s", cv->error);
}

static void
case_load(struct view *v, const char *focus)
{
	struct case_view *cv = v->priv;

	(void)focus;
	conn_cancel(v->app->conn, v);
	cv->loading = true;
	conn_call(v->app->conn, v, case_reply, v, "case.get", "{s s}", "receipt", cv->receipt);
}

/* This case changed (or anything may have): show it as it is now. */
static void
case_event(struct view *v, const char *topic, const char *id)
{
	struct case_view *cv = v->priv;

	if (strcmp(topic, "note") == 0 && strcmp(id, cv->receipt) == 0 &&
	    v->app->event_version > cv->note_latest)
		cv->note_latest = v->app->event_version;
	if (strcmp(topic, "resync") == 0 ||
	    ((strcmp(topic, "case") == 0 || strcmp(topic, "note") == 0) &&
	     strcmp(id, cv->receipt) == 0))
		case_load(v, NULL);
}

static unsigned
case_key(struct view *v, enum action act, uint32_t key)
{
	struct case_view *cv = v->priv;

	(void)key;
	if (pager_key(&cv->pager, act))
		return VIEW_HANDLED;
	switch (act) {
	case ACT_SHEET:
		app_push(v->app, &view_casesheet_ops, cv->receipt);
		return VIEW_HANDLED;
	case ACT_NOTE:
		form_note_open(v->app, cv->receipt, true);
		return VIEW_HANDLED;
	case ACT_REFRESH:
		case_load(v, NULL);
		return VIEW_HANDLED;
	case ACT_BACK:
		return VIEW_CLOSE;
	default:
		return VIEW_IGNORED;
	}
}

static void
case_draw(struct view *v, const struct draw_rect *r)
{
	struct case_view *cv = v->priv;
	struct draw_rect body = { .y = r->y + 1, .x = r->x + 1, .h = r->h - 1, .w = r->w - 2 };
	char line[256];

	if (!cv->loaded) {
		if (cv->error[0] != '\0')
			draw_text(body.y, body.x, body.w, ROLE_ERROR, cv->error, false);
		else {
			snprintf(line, sizeof line, _("Loading case %s…"), cv->receipt);
			draw_text(body.y, body.x, body.w, ROLE_HINT, line, false);
		}
		return;
	}
	pager_draw(&cv->pager, &body);
}

const struct view_ops view_case_ops = {
	.name = "case",
	.title = N_("Case"),
	.hints = case_hints,
	.open = case_open,
	.load = case_load,
	.draw = case_draw,
	.key = case_key,
	.close = case_close,
	.event = case_event,
};
