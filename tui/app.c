/* The client's state: the view stack, the session, the message line, and the frame around the
 * views (title bar, hint or message line, status bar). */
#include "config.h"

#include "app.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "i18n.h"
#include "mp.h"
#include "utf8.h"
#include "xmalloc.h"

/* Every reply passes here first: a session that ended is handled once, for all views. */
static bool
app_filter(void *arg, const char *op, const struct proto_reply *rep)
{
	struct app *app = arg;

	if (!rep->ok && rep->err == ERR_UNAUTHENTICATED && strcmp(op, "auth.login") != 0 &&
	    !app->quitting) {
		app->session_lost = true;
		return false;
	}
	return true;
}

void
app_init(struct app *app, struct conn *conn, const struct tls_files *tls)
{
	memset(app, 0, sizeof *app);
	app->conn = conn;
	app->tls = tls;
	app->redraw = true;
	conn_set_filter(conn, app_filter, app);
}

static void
app_session_clear(struct session *s)
{
	free(s->user);
	free(s->name);
	free(s->role);
	free(s->segment);
	free(s->session_id);
	for (size_t i = 0; i < s->nrights; i++)
		free(s->rights[i]);
	free(s->rights);
	memset(s, 0, sizeof *s);
}

/* Closes and frees v (consumed), cancelling its requests first. */
static void
app_view_free(struct app *app, struct view *v)
{
	conn_cancel(app->conn, v);
	if (v->ops->close != NULL)
		v->ops->close(v);
	free(v->close_focus);
	free(v);
}

void
app_fini(struct app *app)
{
	while (app->nviews > 0)
		app_view_free(app, app->views[--app->nviews]);
	app_session_clear(&app->sess);
	free(app->last_user);
	events_free(app->events);
	conn_free(app->conn);
	app->conn = NULL;
}

int
app_push(struct app *app, const struct view_ops *ops, const void *arg)
{
	struct view *v;

	if (app->nviews == APP_MAX_VIEWS)
		return -1;
	v = xcalloc(1, sizeof *v);
	v->ops = ops;
	v->app = app;
	v->keymask = KM_ALWAYS | KM_GLOBAL | KM_MOVE;
	v->hints = ops->hints;
	v->title = ops->title;
	if (ops->open(v, arg) != 0) {
		free(v);
		return -1;
	}
	app->views[app->nviews++] = v;
	app->redraw = true;
	if (ops->load != NULL)
		ops->load(v, NULL);
	return 0;
}

struct view *
app_top(const struct app *app)
{
	return app->nviews > 0 ? app->views[app->nviews - 1] : NULL;
}

void
app_close_view(struct app *app, struct view *v, const char *focus)
{
	v->closing = true;
	free(v->close_focus);
	v->close_focus = focus != NULL ? xstrdup(focus) : NULL;
	app->redraw = true;
}

void
app_message(struct app *app, enum app_msg_kind kind, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(app->msg, sizeof app->msg, fmt, ap);
	va_end(ap);
	app->msg_kind = kind;
	app->msg_sticky = true;
	app->redraw = true;
}

void
app_message_clear(struct app *app)
{
	app->msg[0] = '\0';
	app->msg_kind = MSG_NONE;
	app->redraw = true;
}

bool
app_has_right(const struct app *app, const char *right)
{
	for (size_t i = 0; i < app->sess.nrights; i++)
		if (strcmp(app->sess.rights[i], right) == 0)
			return true;
	return false;
}

int
app_signed_in(struct app *app, const msgpack_object *data)
{
	char tok[PROTO_TOKEN_CHARS + 1];
	const msgpack_object *rights = mp_get(data, "rights"), *tmp;
	struct session *s = &app->sess;
	struct view *login = app_top(app);
	bool same_user;

	if (mp_strcpy(mp_get(data, "tok"), tok, sizeof tok) != 0)
		return -1;
	conn_set_token(app->conn, tok);
	memset(tok, 0, sizeof tok);
	app_session_clear(s);
	s->active = true;
	s->user = mp_strdup(mp_get(data, "user"));
	s->name = mp_strdup(mp_get(data, "name"));
	s->role = mp_strdup(mp_get(data, "role"));
	s->segment = mp_strdup(mp_get(data, "segment"));
	tmp = mp_get(data, "temporary");
	s->temporary = tmp != NULL && tmp->type == MSGPACK_OBJECT_BOOLEAN && tmp->via.boolean;
	if (rights != NULL && rights->type == MSGPACK_OBJECT_ARRAY) {
		s->rights = xcalloc(rights->via.array.size + 1, sizeof *s->rights);
		for (uint32_t i = 0; i < rights->via.array.size; i++)
			if (mp_is_str(&rights->via.array.ptr[i]))
				s->rights[s->nrights++] = mp_strdup(&rights->via.array.ptr[i]);
	}
	if (s->user == NULL)
		s->user = xstrdup("?");
	if (s->name == NULL)
		s->name = xstrdup(s->user);
	if ((tmp = mp_get(data, "session")) != NULL) {
		int64_t id;
		if (mp_int(tmp, &id) == 0)
			s->session_id = xasprintf("%lld", (long long)id);
	}
	/* Change events, when the server publishes them: without, all still works, only
	 * changes by others show on the next refresh. */
	events_free(app->events);
	app->events = NULL;
	{
		char *url = mp_strdup(mp_get(data, "events"));
		char why[256];

		if (url != NULL && events_new(&app->events, url, app->tls, why, sizeof why) != 0)
			app_message(app, MSG_ERROR, _("No live updates (%s): press r to refresh."),
			            why);
		free(url);
	}
	app->seen_connects = conn_connects(app->conn);

	/* The same person signing in again after their session ended goes back to what they
	 * were doing (a half-typed intake survives); anyone else starts afresh and never sees
	 * what the previous person had open. */
	same_user =
	    app->last_user != NULL && strcmp(app->last_user, s->user) == 0 && app->nviews > 1;
	if (same_user) {
		struct view *below = app->views[app->nviews - 2];

		app_close_view(app, login, NULL);
		if (below->ops->load != NULL)
			below->ops->load(below, NULL);
		app_message(app, MSG_INFO, _("Signed in again as %s."), s->name);
	} else {
		for (int i = 0; i < app->nviews; i++)
			app_close_view(app, app->views[i], NULL);
		app_push(app, &view_cases_ops, NULL);
	}
	free(app->last_user);
	app->last_user = NULL;
	return 0;
}

/* auth.logout answered, or not: either way, quit. */
static void
app_logout_done(void *arg, const struct proto_reply *rep)
{
	struct app *app = arg;

	(void)rep;
	app->quit = true;
}

void
app_quit(struct app *app)
{
	if (app->sess.active && conn_state(app->conn) == CONN_CONNECTED) {
		conn_cancel(app->conn, NULL);
		conn_call(app->conn, NULL, app_logout_done, app, "auth.logout", NULL);
		app->quitting = true;
		app->quit_deadline = conn_now_ms() + 1500;
		app_message(app, MSG_INFO, "%s", _("Signing out..."));
	} else {
		app->quit = true;
	}
}

void
app_event(void *arg, const char *topic, const char *id, int64_t version)
{
	struct app *app = arg;

	if (!app->sess.active)
		return;
	if (strcmp(topic, "session") == 0) {
		if (app->sess.session_id != NULL && strcmp(id, app->sess.session_id) == 0)
			app->session_lost = true;
		return;
	}
	app->event_version = version;
	for (int i = 0; i < app->nviews; i++) {
		struct view *v = app->views[i];

		if (!v->closing && v->ops->event != NULL)
			v->ops->event(v, topic, id);
	}
	app->event_version = 0;
	app->redraw = true;
}

void
app_settle(struct app *app)
{
	struct view *top_before = app_top(app);
	char *focus = NULL;
	int n = 0;

	if (app->session_lost) {
		app->session_lost = false;
		conn_cancel(app->conn, NULL);
		conn_set_token(app->conn, NULL);
		free(app->last_user);
		app->last_user = app->sess.user != NULL ? xstrdup(app->sess.user) : NULL;
		app_session_clear(&app->sess);
		events_free(app->events);
		app->events = NULL;
		if (top_before == NULL || top_before->ops != &view_login_ops)
			app_push(app, &view_login_ops, NULL);
		app_message(app, MSG_ERROR, "%s",
		            _("Your session has ended (timed out or closed by an administrator). "
		              "Please sign in again."));
	}
	for (int i = 0; i < app->nviews; i++) {
		struct view *v = app->views[i];

		if (!v->closing) {
			app->views[n++] = v;
			continue;
		}
		if (v->close_focus != NULL) {
			free(focus);
			focus = v->close_focus;
			v->close_focus = NULL;
		}
		app_view_free(app, v);
		app->redraw = true;
	}
	app->nviews = n;
	if (focus != NULL && app_top(app) != NULL && app_top(app) != top_before &&
	    app_top(app)->ops->load != NULL)
		app_top(app)->ops->load(app_top(app), focus);
	free(focus);
	/* Back after an outage: events were missed, so everything shown is refetched. */
	if (conn_connects(app->conn) != app->seen_connects) {
		app->seen_connects = conn_connects(app->conn);
		app_event(app, "resync", "", 0);
	}
	if (app->nviews == 0)
		app->quit = true;
	if (app->quitting && conn_now_ms() >= app->quit_deadline)
		app->quit = true;
}

void
app_key(struct app *app, uint32_t key)
{
	struct view *v = app_top(app);
	enum action act;
	unsigned r;

	app->redraw = true;
	if (key == KFN(KEY_RESIZE) || v == NULL || app->quitting)
		return;
	app->msg_sticky = false;
	act = keymap_lookup(key, v->keymask | KM_ALWAYS);
	if (act == ACT_REDRAW) {
		draw_invalidate();
		return;
	}
	if (act == ACT_HELP && v->ops != &view_help_ops) {
		app_push(app, &view_help_ops, NULL);
	} else if (act == ACT_RISKS) {
		/* From any view but a form: the register is its own stack of views. */
		app_push(app, &view_risks_ops, NULL);
	} else if (act == ACT_REPORT_INCIDENT || act == ACT_INCIDENTS) {
		if (app->sess.active)
			incident_global_key(app, act);
	} else {
		r = v->ops->key(v, act, key);
		if (r & VIEW_CLOSE)
			app_close_view(app, v, NULL);
	}
	/* A message stays until the key after the one that was being handled when it came. */
	if (!app->msg_sticky)
		app_message_clear(app);
}

/* ---- the frame around the views ---- */

static void
app_draw_title(const struct view *v, int cols)
{
	char title[256];

	draw_fill(0, 0, cols, ROLE_TITLE);
	snprintf(title, sizeof title, " kura  %s", v != NULL ? _(v->title) : "");
	draw_text(0, 0, cols, ROLE_TITLE, title, false);
}

/* The line above the status bar: the message when there is one, else the view's key hints,
 * built from the action table. */
static void
app_draw_hints(struct app *app, const struct view *v, int y, int cols)
{
	int x = 1;

	if (app->msg_kind != MSG_NONE) {
		enum draw_role role = app->msg_kind == MSG_ERROR ? ROLE_ERROR : ROLE_INFO;
		char line[APP_MSG_MAX + 2];

		snprintf(line, sizeof line, " %s ", app->msg);
		draw_text(y, 0, cols, role, line, false);
		return;
	}
	if (v == NULL || v->hints == NULL)
		return;
	for (const struct view_hint *h = v->hints; h->action != ACT_NONE && x < cols; h++) {
		const struct keymap_entry *e = keymap_entry(h->action);
		const char *label = _(h->label != NULL ? h->label : e->label);
		char keys[64];
		/* Form keys are few and all worth knowing (F2/Ctrl-S); elsewhere the first. */
		if (e->context == KM_FORM)
			keymap_keys_text(e, "/", keys, sizeof keys);
		else
			keymap_key_name(e->keys[0], keys, sizeof keys);
		x += draw_text(y, x, cols - x, ROLE_KEY, keys, false);
		x += draw_text(y, x, cols - x, ROLE_HINT, " ", false);
		x += draw_text(y, x, cols - x, ROLE_HINT, label, false);
		x += draw_text(y, x, cols - x, ROLE_HINT, "   ", false);
	}
}

static void
app_draw_status(struct app *app, int y, int cols)
{
	const struct session *s = &app->sess;
	enum draw_role role;
	const char *state;
	char left[512];
	int w;

	draw_fill(y, 0, cols, ROLE_STATUS);
	if (s->active)
		snprintf(left, sizeof left, " %s (%s) | %s | %s%s", s->name, s->user,
		         s->role != NULL ? s->role : "?", s->segment != NULL ? s->segment : "?",
		         s->temporary ? _(" | temporary") : "");
	else
		snprintf(left, sizeof left, " %s | %s", _("Not signed in"), conn_url(app->conn));
	switch (conn_state(app->conn)) {
	case CONN_CONNECTED:
		if (conn_unavailable(app->conn)) {
			state = _(" server's database away - retrying ");
			role = ROLE_STATUS_BAD;
		} else if (conn_retrying(app->conn)) {
			state = _(" no reply - retrying ");
			role = ROLE_STATUS_WAIT;
		} else {
			state = _(" connected ");
			role = ROLE_STATUS_OK;
		}
		break;
	case CONN_CONNECTING:
		state = _(" connecting… ");
		role = ROLE_STATUS_WAIT;
		break;
	default:
		state = _(" offline - retrying ");
		role = ROLE_STATUS_BAD;
		break;
	}
	w = utf8_width(state);
	draw_text(y, 0, cols - w - 1, s->active ? ROLE_STATUS_USER : ROLE_STATUS, left, false);
	draw_text(y, cols - w, w, role, state, false);
}

void
app_draw(struct app *app)
{
	struct view *v = app_top(app);
	int lines, cols;

	draw_size(&lines, &cols);
	draw_begin();
	if (lines < 8 || cols < 40) {
		draw_text(0, 0, cols, ROLE_ERROR, _("Too small (40x8 at least)"), false);
		draw_end();
		return;
	}
	app_draw_title(v, cols);
	if (v != NULL) {
		struct draw_rect body = { .y = 1, .x = 0, .h = lines - 3, .w = cols };
		v->ops->draw(v, &body);
	}
	app_draw_hints(app, v, lines - 2, cols);
	app_draw_status(app, lines - 1, cols);
	draw_end();
	app->redraw = false;
}
