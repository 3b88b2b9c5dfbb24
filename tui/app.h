/* The client's state passed to every part of it: connection, session, the stack of views,
 * the message line. The main loop owns one. */
#ifndef KURA_APP_H
#define KURA_APP_H

#include <stdbool.h>
#include <stdint.h>

#include <msgpack.h>

#include "conn.h"
#include "events.h"
#include "proto.h"
#include "view.h"

#define APP_MAX_VIEWS 16
#define APP_MSG_MAX   512

struct session {
	bool active;
	char *user, *name, *role, *segment; /* owned */
	char **rights;                      /* owned, nrights of them */
	size_t nrights;
	bool temporary;
	char *session_id; /* owned; names the session in "session" events */
};

enum app_msg_kind {
	MSG_NONE,
	MSG_INFO,
	MSG_ERROR,
};

struct app {
	struct conn *conn;           /* owned */
	struct events *events;       /* owned; NULL when the server publishes none */
	const struct tls_files *tls; /* borrowed: for tls+tcp:// event URLs */
	unsigned seen_connects;
	struct session sess;
	char *last_user; /* owned: who was signed in before the session ended */
	struct view *views[APP_MAX_VIEWS];
	int nviews;
	char msg[APP_MSG_MAX];
	enum app_msg_kind msg_kind;
	bool msg_sticky; /* survives the next key (set while handling a key) */
	bool redraw;
	bool session_lost;
	bool quitting; /* signing out before quitting */
	int64_t quit_deadline;
	bool quit;
	int64_t event_version; /* of the event being handed to the views (0: none) */
};

/* conn: consumed. tls: borrowed, kept (may be NULL). */
void app_init(struct app *app, struct conn *conn, const struct tls_files *tls);
void app_fini(struct app *app);

/* Opens a view on top. arg: borrowed (see the view's open). Returns 0 or -1. */
int app_push(struct app *app, const struct view_ops *ops, const void *arg);
struct view *app_top(const struct app *app);
/* Marks v to close at the end of this turn; focus (borrowed, may be NULL) is given to the
 * load of the view below. Safe from inside v's own callbacks. */
void app_close_view(struct app *app, struct view *v, const char *focus);

/* Sets the message line. */
void app_message(struct app *app, enum app_msg_kind kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void app_message_clear(struct app *app);

/* After auth.login: data is the reply's data (borrowed). Returns 0, or -1 when it lacks the
 * token. Switches the views: back to where the same user was, else a fresh case list. */
int app_signed_in(struct app *app, const msgpack_object *data);
bool app_has_right(const struct app *app, const char *right);
/* Signs out (best effort, waiting at most a moment) and quits. */
void app_quit(struct app *app);

/* An event from the server (an events_fn; arg is the app): refetch or sign out. The views
 * called find the version in app->event_version. */
void app_event(void *arg, const char *topic, const char *id, int64_t version);

/* One turn's bookkeeping after keys and replies: closes views, handles an ended session. */
void app_settle(struct app *app);
/* Handles one key. */
void app_key(struct app *app, uint32_t key);
/* Paints the whole screen. */
void app_draw(struct app *app);

#endif
