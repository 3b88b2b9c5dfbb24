/* The sign-in screen: user name and password (never echoed: one '*' a character), the server
 * it talks to, and why signing in did not work. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "err.h"
#include "field.h"
#include "i18n.h"
#include "utf8.h"
#include "view.h"
#include "xmalloc.h"

enum { LOGIN_USER, LOGIN_PASSWORD, LOGIN_NFIELDS };

struct login_view {
	struct field fields[LOGIN_NFIELDS];
	int active;
	bool pending; /* auth.login is on its way */
	char error[512];
};

static const struct view_hint login_hints[] = {
	{ ACT_ENTER, N_("next, then sign in") },
	{ ACT_NEXT_FIELD, NULL },
	{ ACT_CANCEL, N_("quit") },
	{ ACT_NONE, NULL },
};

static int
login_open(struct view *v, const void *arg)
{
	struct login_view *lv = xcalloc(1, sizeof *lv);

	(void)arg;
	field_init(&lv->fields[LOGIN_USER], false, 64);
	field_init(&lv->fields[LOGIN_PASSWORD], false, 256);
	lv->fields[LOGIN_PASSWORD].secret = true;
	/* Signing in again after a session ended: the same person, most likely. */
	if (v->app->last_user != NULL) {
		field_set(&lv->fields[LOGIN_USER], v->app->last_user);
		lv->active = LOGIN_PASSWORD;
	}
	v->priv = lv;
	v->keymask = KM_ALWAYS | KM_FORM | KM_EDIT;
	return 0;
}

static void
login_close(struct view *v)
{
	struct login_view *lv = v->priv;

	for (int i = 0; i < LOGIN_NFIELDS; i++)
		field_fini(&lv->fields[i]);
	free(lv);
}

/* auth.login answered (a conn_reply_fn; arg is the view). */
static void
login_reply(void *arg, const struct proto_reply *rep)
{
	struct view *v = arg;
	struct login_view *lv = v->priv;
	struct app *app = v->app;

	lv->pending = false;
	app->redraw = true;
	if (rep->ok) {
		field_clear(&lv->fields[LOGIN_PASSWORD]);
		if (app_signed_in(app, rep->data) != 0)
			snprintf(lv->error, sizeof lv->error, "%s",
			         _("The server's answer to sign-in was incomplete."));
		return;
	}
	switch (rep->err) {
	case ERR_UNAUTHENTICATED:
		snprintf(lv->error, sizeof lv->error, "%s", _("Wrong user name or password"));
		break;
	case ERR_FORBIDDEN:
		snprintf(lv->error, sizeof lv->error, "%s",
		         _("This account may not sign in on this network (segment)"));
		break;
	case ERR_RATE_LIMITED:
		/* The server says how long to wait. */
		snprintf(lv->error, sizeof lv->error, _("Not now: %s"), rep->err_msg);
		break;
	default:
		snprintf(lv->error, sizeof lv->error, _("Sign-in failed: %s"), rep->err_msg);
		break;
	}
	field_clear(&lv->fields[LOGIN_PASSWORD]);
	lv->active = LOGIN_PASSWORD;
}

static void
login_submit(struct view *v)
{
	struct login_view *lv = v->priv;
	char *user, *password;

	if (lv->pending)
		return;
	if (field_empty(&lv->fields[LOGIN_USER])) {
		snprintf(lv->error, sizeof lv->error, "%s", _("Enter your user name."));
		lv->active = LOGIN_USER;
		return;
	}
	if (lv->fields[LOGIN_PASSWORD].len == 0) {
		snprintf(lv->error, sizeof lv->error, "%s", _("Enter your password."));
		lv->active = LOGIN_PASSWORD;
		return;
	}
	user = field_get(&lv->fields[LOGIN_USER]);
	password = field_get(&lv->fields[LOGIN_PASSWORD]);
	lv->error[0] = '\0';
	lv->pending = true;
	conn_call(v->app->conn, v, login_reply, v, "auth.login", "{s s s s}", "user", user,
	          "password", password);
	memset(password, 0, strlen(password));
	free(password);
	free(user);
}

static unsigned
login_key(struct view *v, enum action act, uint32_t key)
{
	struct login_view *lv = v->priv;
	enum field_result fr;

	switch (act) {
	case ACT_NEXT_FIELD:
	case ACT_PREV_FIELD:
		lv->active = 1 - lv->active;
		return VIEW_HANDLED;
	case ACT_ENTER:
		if (lv->active == LOGIN_USER)
			lv->active = LOGIN_PASSWORD;
		else
			login_submit(v);
		return VIEW_HANDLED;
	case ACT_SUBMIT:
		login_submit(v);
		return VIEW_HANDLED;
	case ACT_CANCEL:
		/* Esc while waiting gives up on that attempt; otherwise it leaves kura. */
		if (lv->pending) {
			conn_cancel(v->app->conn, v);
			lv->pending = false;
			return VIEW_HANDLED;
		}
		v->app->quit = true;
		return VIEW_HANDLED;
	default:
		break;
	}
	if (lv->pending)
		return VIEW_HANDLED; /* the fields are what is being sent: keep them still */
	fr = field_edit(&lv->fields[lv->active], act, key);
	if (fr == FIELD_EDGE_UP || fr == FIELD_EDGE_DOWN)
		lv->active = 1 - lv->active;
	if (fr == FIELD_CHANGED)
		lv->error[0] = '\0';
	return fr == FIELD_IGNORED ? VIEW_IGNORED : VIEW_HANDLED;
}

static void
login_draw(struct view *v, const struct draw_rect *r)
{
	static const char *labels[LOGIN_NFIELDS] = { N_("User name"), N_("Password") };
	struct login_view *lv = v->priv;
	struct app *app = v->app;
	int lw = 12, fw = 32, bw = lw + fw, x = r->x + (r->w - bw) / 2, y = r->y + r->h / 4;
	char line[512];

	if (x < r->x + 1)
		x = r->x + 1;
	if (fw > r->w - lw - 2)
		fw = r->w - lw - 2;
	draw_text(y, x, bw, ROLE_SECTION, _("Sign in to kura"), false);
	y += 2;
	draw_text(y, x, lw, ROLE_LABEL, _("Server"), false);
	draw_text(y, x + lw, r->w - x - lw, ROLE_VALUE, conn_url(app->conn), false);
	y += 2;
	for (int i = 0; i < LOGIN_NFIELDS; i++, y += 2) {
		struct draw_rect fr = { .y = y, .x = x + lw, .h = 1, .w = fw };

		draw_text(y, x, lw, ROLE_LABEL, _(labels[i]), false);
		field_draw(&lv->fields[i], &fr, i == lv->active && !lv->pending);
	}
	y++;
	if (lv->pending && conn_unavailable(app->conn)) {
		draw_text(y, x, r->w - x, ROLE_ERROR,
		          _("The server cannot reach its database — retrying"), false);
	} else if (lv->pending &&
	           (conn_state(app->conn) == CONN_OFFLINE || conn_retrying(app->conn))) {
		snprintf(line, sizeof line, _("Cannot reach the server at %s — retrying"),
		         conn_url(app->conn));
		draw_text(y, x, r->w - x, ROLE_ERROR, line, false);
	} else if (lv->pending) {
		draw_text(y, x, r->w - x, ROLE_INFO, _("Signing in…"), false);
	} else if (lv->error[0] != '\0') {
		char shown[520];
		snprintf(shown, sizeof shown, " %s ", lv->error);
		draw_text(y, x, r->w - x, ROLE_ERROR, shown, false);
	} else if (conn_state(app->conn) == CONN_OFFLINE) {
		snprintf(line, sizeof line, _("Cannot reach the server at %s — retrying"),
		         conn_url(app->conn));
		draw_text(y, x, r->w - x, ROLE_ERROR, line, false);
	}
}

const struct view_ops view_login_ops = {
	.name = "login",
	.title = N_("Sign in"),
	.hints = login_hints,
	.open = login_open,
	.load = NULL,
	.draw = login_draw,
	.key = login_key,
	.close = login_close,
};
