/* The intake form (集荷・受付): customer, medium, received items and notes for the technician,
 * sent as case.create. On success it shows the issued receipt number and item labels; on a
 * refusal it keeps everything typed and says why. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "app.h"
#include "err.h"
#include "field.h"
#include "i18n.h"
#include "mp.h"
#include "utf8.h"
#include "view.h"
#include "xmalloc.h"

enum intake_field {
	IN_NAME,
	IN_PHONE,
	IN_EMAIL,
	IN_ADDRESS,
	IN_MEDIUM,
	IN_ITEMS,
	IN_NOTES,
	IN_NFIELDS
};

/* The fields, with the limits of case.create (docs/protocol.md) in characters. */
static const struct intake_def {
	const char *label; /* untranslated */
	const char *key;   /* the case.create argument; NULL for items */
	bool required, multiline;
	size_t maxlen;
} intake_defs[IN_NFIELDS] = {
	[IN_NAME] = { N_("Customer name"), "customer_name", true, false, 200 },
	[IN_PHONE] = { N_("Phone"), "phone", false, false, 40 },
	[IN_EMAIL] = { N_("E-mail"), "email", false, false, 200 },
	[IN_ADDRESS] = { N_("Postal address"), "address", false, false, 500 },
	[IN_MEDIUM] = { N_("Medium (failed)"), "medium", true, false, 500 },
	[IN_ITEMS] = { N_("Received items"), NULL, true, true, 99 * 220 },
	[IN_NOTES] = { N_("Notes for the technician"), "notes", false, true, 4000 },
};

#define INTAKE_MAX_ITEMS 99
#define INTAKE_DESC_MAX  200

static const char *const intake_kinds[] = { "medium", "accessory", "request_form", "packing",
	                                    "other" };

enum intake_state {
	IN_EDITING,
	IN_SUBMITTING,
	IN_CONFIRM_CANCEL,
	IN_DONE,
};

struct intake_item {
	const char *kind; /* static */
	char *desc;       /* owned */
};

struct intake_view {
	struct field fields[IN_NFIELDS];
	int active;
	enum intake_state state;
	char error[512]; /* why the last submit failed; stays until the next one */
	/* The last request sent: resending the same content reuses its id. */
	uint8_t req_id[PROTO_ID_LEN];
	void *req_args; /* owned */
	size_t req_len;
	/* The result. */
	char *receipt;             /* owned */
	char **labels;             /* owned, nlabels */
	struct intake_item *items; /* owned, nitems: what was sent, to show beside the labels */
	size_t nlabels, nitems;
};

static const struct view_hint intake_hints[] = {
	{ ACT_SUBMIT, N_("register") }, { ACT_NEXT_FIELD, NULL }, { ACT_PREV_FIELD, NULL },
	{ ACT_CANCEL, NULL },           { ACT_NONE, NULL },
};
static const struct view_hint intake_done_hints[] = {
	{ ACT_ENTER, N_("back to the case list") },
	{ ACT_NONE, NULL },
};

static void
intake_items_free(struct intake_item *items, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(items[i].desc);
	free(items);
}

static int
intake_open(struct view *v, const void *arg)
{
	struct intake_view *iv = xcalloc(1, sizeof *iv);

	(void)arg;
	for (int i = 0; i < IN_NFIELDS; i++)
		field_init(&iv->fields[i], intake_defs[i].multiline, intake_defs[i].maxlen);
	v->priv = iv;
	v->keymask = KM_ALWAYS | KM_FORM | KM_EDIT;
	return 0;
}

static void
intake_close(struct view *v)
{
	struct intake_view *iv = v->priv;

	for (int i = 0; i < IN_NFIELDS; i++)
		field_fini(&iv->fields[i]);
	free(iv->req_args);
	free(iv->receipt);
	for (size_t i = 0; i < iv->nlabels; i++)
		free(iv->labels[i]);
	free(iv->labels);
	intake_items_free(iv->items, iv->nitems);
	free(iv);
}

/* ---- reading the form ---- */

/* Spaces at either end, ASCII or ideographic (U+3000, typed by Japanese input). */
static char *
intake_trim(char *s)
{
	char *end;

	for (;;) {
		if (*s == ' ' || *s == '\t' || *s == '\n')
			s++;
		else if (strncmp(s, "\xe3\x80\x80", 3) == 0)
			s += 3;
		else
			break;
	}
	end = s + strlen(s);
	for (;;) {
		if (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\n'))
			end--;
		else if (end - s >= 3 && strncmp(end - 3, "\xe3\x80\x80", 3) == 0)
			end -= 3;
		else
			break;
	}
	*end = '\0';
	return s;
}

/* The field's text without surrounding space, returned owned. */
static char *
intake_value(const struct intake_view *iv, int f)
{
	char *raw = field_get(&iv->fields[f]), *t = intake_trim(raw), *out = xstrdup(t);

	free(raw);
	return out;
}

/* "kind: description" (an ASCII or a full-width colon); no known kind: the first item is the
 * medium, later ones "other". */
static const char *
intake_parse_kind(char **line, size_t index)
{
	char *s = *line, *colon = strchr(s, ':'), *wide = strstr(s, "\xef\xbc\x9a");
	char *sep = colon, *rest;
	size_t seplen = 1;

	if (wide != NULL && (sep == NULL || wide < sep)) {
		sep = wide;
		seplen = 3;
	}
	if (sep != NULL) {
		char *word = xstrndup(s, (size_t)(sep - s)), *k = intake_trim(word);

		for (char *p = k; *p != '\0'; p++)
			if (*p == ' ' || *p == '-')
				*p = '_';
		for (size_t i = 0; i < sizeof intake_kinds / sizeof intake_kinds[0]; i++) {
			if (strcasecmp(k, intake_kinds[i]) == 0) {
				free(word);
				rest = sep + seplen;
				*line = intake_trim(rest);
				return intake_kinds[i];
			}
		}
		free(word);
	}
	return index == 0 ? "medium" : "other";
}

/* Splits the items field into items, one a line. Returns how many (owned in *out). */
static size_t
intake_items(const struct intake_view *iv, struct intake_item **out)
{
	char *all = field_get(&iv->fields[IN_ITEMS]), *save = NULL, *line;
	struct intake_item *items = NULL;
	size_t n = 0;

	for (line = strtok_r(all, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		char *text = intake_trim(line);
		const char *kind;

		if (*text == '\0')
			continue;
		kind = intake_parse_kind(&text, n);
		items = xrealloc(items, (n + 1) * sizeof *items);
		items[n].kind = kind;
		items[n].desc = xstrdup(text);
		n++;
	}
	free(all);
	*out = items;
	return n;
}

static bool
intake_has_data(const struct intake_view *iv)
{
	for (int i = 0; i < IN_NFIELDS; i++)
		if (!field_empty(&iv->fields[i]))
			return true;
	return false;
}

/* ---- moving between fields, refusals ---- */

/* Moves the cursor to field f (wrapping around at either end). */
static void
intake_focus(struct intake_view *iv, int f)
{
	iv->active = (f + IN_NFIELDS) % IN_NFIELDS;
	/* Arriving at an empty item list with the medium described: that medium is the first
	 * item, almost always. Offer it, ready to edit. */
	if (iv->active == IN_ITEMS && iv->fields[IN_ITEMS].len == 0 &&
	    !field_empty(&iv->fields[IN_MEDIUM])) {
		char *m = intake_value(iv, IN_MEDIUM), *line = xasprintf("medium: %s", m);

		field_set(&iv->fields[IN_ITEMS], line);
		free(line);
		free(m);
	}
}

/* Says why the case cannot be registered, in the form, where it stays until the next try;
 * field, when not -1, gets the cursor. */
static void
intake_fail(struct view *v, int field, const char *msg)
{
	struct intake_view *iv = v->priv;

	snprintf(iv->error, sizeof iv->error, "%s", msg);
	if (field >= 0)
		intake_focus(iv, field);
	v->app->redraw = true;
}

/* The field a refusal is about: the server's message starts with the argument's name
 * ("email is not an e-mail address"). -1 when it names none. */
static int
intake_field_of(const char *msg)
{
	for (int i = 0; i < IN_NFIELDS; i++) {
		const char *key = intake_defs[i].key != NULL ? intake_defs[i].key : "items";
		size_t n = strlen(key);

		if (strncmp(msg, key, n) == 0 && strchr(" :[.", msg[n]) != NULL && msg[n] != '\0')
			return i;
	}
	return -1;
}

/* case.create answered (a conn_reply_fn; arg is the view). */
static void
intake_reply(void *arg, const struct proto_reply *rep)
{
	struct view *v = arg;
	struct intake_view *iv = v->priv;
	const msgpack_object *labels;
	char msg[512];

	v->app->redraw = true;
	if (iv->state != IN_SUBMITTING)
		return;
	iv->state = IN_EDITING;
	if (!rep->ok) {
		switch (rep->err) {
		case ERR_BAD_REQUEST:
			snprintf(msg, sizeof msg, _("The server did not accept the case: %s"),
			         rep->err_msg);
			break;
		case ERR_FORBIDDEN:
			snprintf(msg, sizeof msg, "%s",
			         _("You may not register cases on this network"));
			break;
		default:
			snprintf(msg, sizeof msg, _("The case was not registered: %s"),
			         rep->err_msg);
			break;
		}
		intake_fail(v, intake_field_of(rep->err_msg), msg);
		return;
	}
	iv->receipt = mp_strdup(mp_get(rep->data, "receipt"));
	if (iv->receipt == NULL) {
		intake_fail(v, -1, _("The server's answer had no receipt number."));
		return;
	}
	labels = mp_get(rep->data, "labels");
	if (labels != NULL && labels->type == MSGPACK_OBJECT_ARRAY) {
		iv->labels = xcalloc(labels->via.array.size + 1, sizeof *iv->labels);
		for (uint32_t i = 0; i < labels->via.array.size; i++)
			if (mp_is_str(&labels->via.array.ptr[i]))
				iv->labels[iv->nlabels++] = mp_strdup(&labels->via.array.ptr[i]);
	}
	iv->state = IN_DONE;
	iv->error[0] = '\0';
	v->keymask = KM_ALWAYS | KM_FORM;
	v->hints = intake_done_hints;
	app_message(v->app, MSG_INFO, _("Case %s registered."), iv->receipt);
}

static void
intake_submit(struct view *v)
{
	struct intake_view *iv = v->priv;
	struct intake_item *items = NULL;
	char *vals[IN_NFIELDS] = { NULL };
	msgpack_sbuffer sb;
	msgpack_packer pk, *out;
	size_t nitems, nkeys = 0;
	char msg[256];

	for (int i = 0; i < IN_NFIELDS; i++)
		if (i != IN_ITEMS)
			vals[i] = intake_value(iv, i);
	nitems = intake_items(iv, &items);
	msgpack_sbuffer_init(&sb);

	if (vals[IN_NAME][0] == '\0') {
		intake_fail(v, IN_NAME, _("Enter the customer's name."));
		goto out;
	}
	if (vals[IN_MEDIUM][0] == '\0') {
		intake_fail(v, IN_MEDIUM, _("Describe the failed medium."));
		goto out;
	}
	if (nitems == 0) {
		intake_fail(v, IN_ITEMS,
		            _("List at least one received item (one a line, e.g. medium: HDD)."));
		goto out;
	}
	if (nitems > INTAKE_MAX_ITEMS) {
		intake_fail(v, IN_ITEMS, _("At most 99 received items."));
		goto out;
	}
	for (size_t i = 0; i < nitems; i++) {
		size_t chars = mbstowcs(NULL, items[i].desc, 0);

		if (items[i].desc[0] == '\0' || chars == (size_t)-1 || chars > INTAKE_DESC_MAX) {
			snprintf(msg, sizeof msg,
			         _("Item %zu needs a description of 1 to 200 characters."), i + 1);
			intake_fail(v, IN_ITEMS, msg);
			goto out;
		}
	}

	/* The arguments first, apart, to tell a resend of the same case from a new one. */
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	for (int i = 0; i < IN_NFIELDS; i++)
		if (i != IN_ITEMS && vals[i][0] != '\0')
			nkeys++;
	msgpack_pack_map(&pk, nkeys + 1);
	for (int i = 0; i < IN_NFIELDS; i++)
		if (i != IN_ITEMS && vals[i][0] != '\0')
			mp_packf(&pk, "s s", intake_defs[i].key, vals[i]);
	mp_pack_str(&pk, "items");
	msgpack_pack_array(&pk, nitems);
	for (size_t i = 0; i < nitems; i++)
		mp_packf(&pk, "{s s s s}", "kind", items[i].kind, "description", items[i].desc);

	if (iv->req_args == NULL || iv->req_len != sb.size ||
	    memcmp(iv->req_args, sb.data, sb.size) != 0) {
		proto_new_id(iv->req_id);
		free(iv->req_args);
		iv->req_args = xmalloc(sb.size);
		memcpy(iv->req_args, sb.data, sb.size);
		iv->req_len = sb.size;
	}
	out = conn_begin_id(v->app->conn, "case.create", iv->req_id);
	out->callback(out->data, sb.data, sb.size);
	conn_end(v->app->conn, v, intake_reply, v);
	iv->state = IN_SUBMITTING;
	iv->error[0] = '\0';
	intake_items_free(iv->items, iv->nitems);
	iv->items = items;
	iv->nitems = nitems;
	items = NULL;
	nitems = 0;
out:
	msgpack_sbuffer_destroy(&sb);
	intake_items_free(items, nitems);
	for (int i = 0; i < IN_NFIELDS; i++)
		free(vals[i]);
}

/* ---- keys ---- */

static unsigned
intake_key(struct view *v, enum action act, uint32_t key)
{
	struct intake_view *iv = v->priv;
	enum field_result fr;

	switch (iv->state) {
	case IN_DONE:
		if (act == ACT_ENTER || act == ACT_CANCEL || key == 'q') {
			app_close_view(v->app, v, iv->receipt);
			app_message(v->app, MSG_INFO, _("Case %s registered."), iv->receipt);
		}
		return VIEW_HANDLED;
	case IN_CONFIRM_CANCEL:
		if (key == 'y' || key == 'Y')
			return VIEW_CLOSE;
		if (key == 'n' || key == 'N' || act == ACT_CANCEL) {
			iv->state = IN_EDITING;
			app_message_clear(v->app);
		} else {
			app_message(v->app, MSG_ERROR, "%s",
			            _("Discard this intake? y: discard, n: keep editing"));
		}
		return VIEW_HANDLED;
	case IN_SUBMITTING:
		/* Esc stops waiting; F2 with the same content later resends the same request,
		 * so the case is never registered twice. */
		if (act == ACT_CANCEL) {
			conn_cancel(v->app->conn, v);
			iv->state = IN_EDITING;
			intake_fail(v, -1,
			            _("Stopped waiting for the server. F2 sends the case again; it "
			              "will not be registered twice."));
		}
		return VIEW_HANDLED;
	case IN_EDITING:
		break;
	}

	switch (act) {
	case ACT_NEXT_FIELD:
		intake_focus(iv, iv->active + 1);
		return VIEW_HANDLED;
	case ACT_PREV_FIELD:
		intake_focus(iv, iv->active - 1);
		return VIEW_HANDLED;
	case ACT_SUBMIT:
		intake_submit(v);
		return VIEW_HANDLED;
	case ACT_CANCEL:
		if (!intake_has_data(iv))
			return VIEW_CLOSE;
		iv->state = IN_CONFIRM_CANCEL;
		app_message(v->app, MSG_ERROR, "%s",
		            _("Discard this intake? y: discard, n: keep editing"));
		return VIEW_HANDLED;
	case ACT_ENTER:
		if (!intake_defs[iv->active].multiline) {
			intake_focus(iv, iv->active + 1);
			return VIEW_HANDLED;
		}
		break;
	default:
		break;
	}
	fr = field_edit(&iv->fields[iv->active], act, key);
	if (fr == FIELD_EDGE_UP && iv->active > 0)
		intake_focus(iv, iv->active - 1);
	else if (fr == FIELD_EDGE_DOWN && iv->active < IN_NFIELDS - 1)
		intake_focus(iv, iv->active + 1);
	return fr == FIELD_IGNORED ? VIEW_IGNORED : VIEW_HANDLED;
}

/* After signing in again (the session had ended): a submit that was lost with the session
 * can simply be sent again. */
static void
intake_load(struct view *v, const char *focus)
{
	struct intake_view *iv = v->priv;

	(void)focus;
	if (iv->state == IN_SUBMITTING && !conn_busy(v->app->conn, v)) {
		iv->state = IN_EDITING;
		snprintf(iv->error, sizeof iv->error, "%s",
		         _("The case was not sent before the session ended: press F2 to send it."));
	}
}

/* ---- drawing ---- */

#define INTAKE_LABEL_W 27

static void
intake_draw_done(struct intake_view *iv, const struct draw_rect *r)
{
	int x = r->x + 2, y = r->y + 1, lw = 18;

	draw_text(y, x, r->w - 4, ROLE_INFO, _("Case registered"), false);
	y += 2;
	draw_text(y, x + 2, lw, ROLE_LABEL, _("Receipt number"), false);
	draw_text(y, x + 2 + lw, r->w - lw - 6, ROLE_BIG, iv->receipt, false);
	y += 2;
	draw_text(y, x + 2, lw, ROLE_LABEL, _("Item labels"), false);
	for (size_t i = 0; i < iv->nlabels && y < r->y + r->h - 4; i++, y++) {
		int cx = x + 2 + lw;

		cx += draw_text(y, cx, 16, ROLE_KEY, iv->labels[i], true);
		if (i < iv->nitems) {
			cx += draw_text(y, cx, 14, ROLE_NORMAL, iv->items[i].kind, true);
			draw_text(y, cx, r->x + r->w - cx - 1, ROLE_NORMAL, iv->items[i].desc,
			          false);
		}
	}
	y += 1;
	draw_text(y++, x, r->w - 4, ROLE_NORMAL,
	          _("Write the receipt number on the case sheet and put its label on every item."),
	          false);
	draw_text(y + 1, x, r->w - 4, ROLE_HINT, _("Press Enter to go back to the case list."),
	          false);
}

static void
intake_draw(struct view *v, const struct draw_rect *r)
{
	struct intake_view *iv = v->priv;
	int x = r->x + 2, y = r->y + 1, fx = x + INTAKE_LABEL_W, fw = r->w - INTAKE_LABEL_W - 6;
	int items_rows, notes_rows, spare;
	struct intake_item *items;
	size_t n;

	if (iv->state == IN_DONE) {
		intake_draw_done(iv, r);
		return;
	}
	if (fw > 72)
		fw = 72;
	/* Rows left for the two multi-line fields once the rest is placed. */
	spare = r->h - 16;
	items_rows = spare / 2 > 5 ? 5 : (spare / 2 < 1 ? 1 : spare / 2);
	notes_rows = spare - items_rows > 8 ? 8 : (spare - items_rows < 1 ? 1 : spare - items_rows);

	draw_text(y, x, r->w - 4, ROLE_SECTION, _("New case (intake)"), false);
	draw_text(y, r->x + r->w - 14, 12, ROLE_REQUIRED, _("* required"), false);
	y += 2;
	for (int i = 0; i < IN_NFIELDS; i++) {
		const struct intake_def *d = &intake_defs[i];
		int rows = i == IN_ITEMS ? items_rows : (i == IN_NOTES ? notes_rows : 1);
		struct draw_rect fr = { .y = y, .x = fx, .h = rows, .w = fw };
		int lw;

		if (i == IN_MEDIUM || i == IN_ITEMS || i == IN_NOTES)
			fr.y = ++y; /* a blank line before each group */
		lw = draw_text(fr.y, x, INTAKE_LABEL_W - 2,
		               i == iv->active ? ROLE_VALUE : ROLE_LABEL, _(d->label), false);
		if (d->required)
			draw_text(fr.y, x + lw + 1, 1, ROLE_REQUIRED, "*", false);
		field_draw(&iv->fields[i], &fr, i == iv->active && iv->state == IN_EDITING);
		y = fr.y + rows;
		if (i == IN_ITEMS) {
			char summary[256];
			size_t len = 0;

			/* How to type items, beside and under the field, and how they read. */
			if (rows >= 3)
				draw_text(fr.y + 1, x + 2, INTAKE_LABEL_W - 4, ROLE_HINT,
				          _("one a line:"), false);
			draw_text(fr.y + (rows >= 3 ? 2 : 1), x + 2, INTAKE_LABEL_W - 4, ROLE_HINT,
			          _("kind: description"), false);
			draw_text(y, x + 2, INTAKE_LABEL_W - 4, ROLE_HINT, _("kinds"), false);
			draw_text(y++, fx, r->w - fx - 1, ROLE_HINT,
			          "medium, accessory, request_form, packing, other", false);
			n = intake_items(iv, &items);
			len = (size_t)snprintf(summary, sizeof summary,
			                       n == 1 ? _("%zu item") : _("%zu items"), n);
			for (size_t k = 0; k < n && len < sizeof summary; k++)
				len += (size_t)snprintf(summary + len, sizeof summary - len, "%s%s",
				                        k == 0 ? ": " : ", ", items[k].kind);
			intake_items_free(items, n);
			draw_text(y, x + 2, INTAKE_LABEL_W - 4, ROLE_HINT, _("read as"), false);
			draw_text(y++, fx, r->w - fx - 1, ROLE_HINT, summary, false);
		}
	}
	y++;
	if (iv->state == IN_SUBMITTING) {
		const char *what = _("Registering…");

		if (conn_unavailable(v->app->conn))
			what = _("Registering… the server's database is away; sending again "
			         "(Esc stops waiting)");
		else if (conn_retrying(v->app->conn))
			what = _("Registering… the server has not answered yet; sending again "
			         "(Esc stops waiting)");
		draw_text(y, x, r->w - 4, ROLE_INFO, what, false);
	} else if (iv->error[0] != '\0') {
		char shown[600];
		snprintf(shown, sizeof shown, " %s ", iv->error);
		draw_text(y, x, r->w - 4, ROLE_ERROR, shown, false);
	}
	y += 2;
	if (y < r->y + r->h)
		draw_text(y, x, r->w - 4, ROLE_HINT,
		          _("F2 or Ctrl-S: register the case.  Tab / Shift-Tab: next / previous "
		            "field.  Esc: cancel."),
		          false);
}

const struct view_ops view_intake_ops = {
	.name = "intake",
	.title = N_("New case"),
	.hints = intake_hints,
	.open = intake_open,
	.load = intake_load,
	.draw = intake_draw,
	.key = intake_key,
	.close = intake_close,
};
