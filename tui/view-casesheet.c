/* The case sheet (現品票): the seven stages as a grid (date and time, person, outcome,
 * remark) with the current stage marked, the device bound, the customer's reply, the
 * shipment, when the image is due for erasure; and the forms that act on it: a stamp (the
 * receipt number typed or scanned again), the reply, the shipment, printing. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "err.h"
#include "form.h"
#include "i18n.h"
#include "mp.h"
#include "pager.h"
#include "print.h"
#include "record.h"
#include "stage.h"
#include "text.h"
#include "utf8.h"
#include "view.h"
#include "xmalloc.h"

#define SHEET_LABEL_W   18
#define SHEET_MAX_HINTS 16

struct sheet_stamp {
	char *at, *by, *by_name, *segment, *remark, *outcome, *device; /* owned; NULL: none */
};

struct sheet_item {
	char *label, *kind, *desc; /* owned */
};

struct sheet_note {
	char *at, *author, *segment, *body; /* owned */
};

struct sheet_view {
	char *receipt; /* owned */
	/* case.sheet */
	bool have_sheet;
	char *stage; /* owned: the current stage */
	bool closed;
	struct sheet_stamp stamps[STAGE_COUNT];
	char *device;       /* owned: the id of the device bound, NULL when none is */
	char *device_label; /* owned: its label (device.list), NULL until known */
	char *reply_decision, *reply_fax_date, *reply_by;
	bool have_shipment, ship_repair, ship_address_confirmed;
	char *ship_carrier, *ship_tracking, *ship_url, *ship_by, *ship_at;
	char *erasure_due;
	/* case.get */
	bool have_case;
	char *received, *medium, *customer, *phone, *address, *created_by;
	bool masked;
	struct sheet_item *items;
	size_t nitems;
	struct sheet_note *notes;
	size_t nnotes;

	struct pager details;
	char error[512];
	struct view_hint hints[SHEET_MAX_HINTS];
};

/* ---- the data ---- */

static void
sheet_stamps_free(struct sheet_view *sv)
{
	for (int i = 0; i < STAGE_COUNT; i++) {
		struct sheet_stamp *s = &sv->stamps[i];

		free(s->at);
		free(s->by);
		free(s->by_name);
		free(s->segment);
		free(s->remark);
		free(s->outcome);
		free(s->device);
		memset(s, 0, sizeof *s);
	}
	free(sv->stage);
	free(sv->device);
	free(sv->device_label);
	sv->device_label = NULL;
	free(sv->reply_decision);
	free(sv->reply_fax_date);
	free(sv->reply_by);
	free(sv->ship_carrier);
	free(sv->ship_tracking);
	free(sv->ship_url);
	free(sv->ship_by);
	free(sv->ship_at);
	free(sv->erasure_due);
	sv->stage = sv->device = sv->reply_decision = sv->reply_fax_date = sv->reply_by = NULL;
	sv->ship_carrier = sv->ship_tracking = sv->ship_url = sv->ship_by = sv->ship_at = NULL;
	sv->erasure_due = NULL;
	sv->have_shipment = sv->ship_repair = sv->ship_address_confirmed = false;
}

static void
sheet_case_free(struct sheet_view *sv)
{
	free(sv->received);
	free(sv->medium);
	free(sv->customer);
	free(sv->phone);
	free(sv->address);
	free(sv->created_by);
	sv->received = sv->medium = sv->customer = sv->phone = sv->address = NULL;
	sv->created_by = NULL;
	for (size_t i = 0; i < sv->nitems; i++) {
		free(sv->items[i].label);
		free(sv->items[i].kind);
		free(sv->items[i].desc);
	}
	free(sv->items);
	sv->items = NULL;
	sv->nitems = 0;
	for (size_t i = 0; i < sv->nnotes; i++) {
		free(sv->notes[i].at);
		free(sv->notes[i].author);
		free(sv->notes[i].segment);
		free(sv->notes[i].body);
	}
	free(sv->notes);
	sv->notes = NULL;
	sv->nnotes = 0;
}

static bool
sheet_may(const struct view *v, const char *right)
{
	return app_has_right(v->app, right);
}

/* The right that stamps the current stage, or NULL (closed, unknown). */
static const char *
sheet_stamp_right(const struct sheet_view *sv)
{
	const struct stage_def *st = stage_find(sv->stage);

	return st != NULL ? st->right : NULL;
}

/* The hint line: only what this person may do here and now. */
static void
sheet_hints(struct view *v)
{
	struct sheet_view *sv = v->priv;
	int n = 0, cur = stage_index(sv->stage);
	const char *right = sheet_stamp_right(sv);

	if (sv->have_sheet && !sv->closed && right != NULL && sheet_may(v, right))
		sv->hints[n++] = (struct view_hint){ ACT_STAMP, NULL };
	if (sv->have_sheet && !sv->closed && cur == stage_index("reply") &&
	    sheet_may(v, "stamp.reply"))
		sv->hints[n++] = (struct view_hint){ ACT_REPLY, NULL };
	if (sv->have_sheet && !sv->closed && cur == stage_index("shipping") &&
	    sheet_may(v, "stamp.shipping"))
		sv->hints[n++] = (struct view_hint){ ACT_SHIP, NULL };
	sv->hints[n++] = (struct view_hint){ ACT_PRINT, NULL };
	sv->hints[n++] = (struct view_hint){ ACT_DOCUMENTS, NULL };
	if (sheet_may(v, "worklog.read"))
		sv->hints[n++] = (struct view_hint){ ACT_WORKLOG, NULL };
	sv->hints[n++] = (struct view_hint){ ACT_CUSTODY, NULL };
	sv->hints[n++] = (struct view_hint){ ACT_REFRESH, NULL };
	sv->hints[n++] = (struct view_hint){ ACT_BACK, NULL };
	sv->hints[n] = (struct view_hint){ ACT_NONE, NULL };
	v->hints = sv->hints;
}

/* The device bound, from an id string or a map {id, label}. */
static char *
sheet_device(const msgpack_object *d)
{
	const msgpack_object *dev = mp_get(d, "device");
	char *id, *label, *out;

	if (dev == NULL)
		return NULL;
	if (mp_is_str(dev))
		return mp_strdup(dev);
	if (dev->type != MSGPACK_OBJECT_MAP)
		return NULL;
	id = rec_str(dev, "id");
	label = rec_str(dev, "label");
	out = id == NULL ? NULL : (label != NULL ? xasprintf("%s  %s", id, label) : xstrdup(id));
	free(id);
	free(label);
	return out;
}

static void sheet_layout(struct view *v);

/* case.sheet answered (a conn_reply_fn; arg is the view). */
static void
sheet_reply(void *arg, const struct proto_reply *rep)
{
	struct view *v = arg;
	struct sheet_view *sv = v->priv;
	const msgpack_object *stages, *m;
	uint32_t n;

	v->app->redraw = true;
	if (!rep->ok) {
		if (rep->err == ERR_NOT_FOUND)
			snprintf(sv->error, sizeof sv->error,
			         _("There is no case %s (or it is not visible here)."),
			         sv->receipt);
		else if (rep->err == ERR_BAD_REQUEST && strstr(rep->err_msg, "unknown") != NULL)
			snprintf(sv->error, sizeof sv->error, "%s",
			         _("This server does not keep case sheets yet (case.sheet)."));
		else
			snprintf(sv->error, sizeof sv->error,
			         _("Could not load the case sheet: %s"), rec_msg(rep->err_msg));
		app_message(v->app, MSG_ERROR, "%s", sv->error);
		return;
	}
	sv->error[0] = '\0';
	sheet_stamps_free(sv);
	sv->stage = rec_str(rep->data, "stage");
	sv->closed = rec_bool(rep->data, "closed") || (sv->stage && !strcmp(sv->stage, "closed"));
	stages = rec_array(rep->data, "stages", &n);
	for (uint32_t i = 0; i < n; i++) {
		char *name = rec_str(&stages[i], "stage");
		int k = stage_index(name);

		free(name);
		if (k < 0 || k >= STAGE_COUNT)
			continue;
		sv->stamps[k].at = rec_str(&stages[i], "at");
		sv->stamps[k].by = rec_str(&stages[i], "by");
		sv->stamps[k].by_name = rec_str(&stages[i], "by_name");
		sv->stamps[k].segment = rec_str(&stages[i], "segment");
		sv->stamps[k].remark = rec_str(&stages[i], "remark");
		sv->stamps[k].outcome = rec_str(&stages[i], "outcome");
		sv->stamps[k].device = rec_str(&stages[i], "device");
	}
	sv->device = sheet_device(rep->data);
	if ((m = rec_map(rep->data, "reply")) != NULL) {
		sv->reply_decision = rec_str(m, "decision");
		sv->reply_fax_date = rec_str(m, "fax_date");
		sv->reply_by = rec_str(m, "by");
	}
	if ((m = rec_map(rep->data, "shipment")) != NULL) {
		sv->ship_carrier = rec_str(m, "carrier");
		sv->ship_tracking = rec_str(m, "tracking");
		sv->ship_url = rec_str(m, "tracking_url");
		sv->ship_by = rec_str(m, "by");
		sv->ship_at = rec_str(m, "at");
		sv->ship_repair = rec_bool(m, "repair");
		sv->ship_address_confirmed = rec_bool(m, "address_confirmed");
		sv->have_shipment = sv->ship_repair || sv->ship_tracking != NULL;
	}
	sv->erasure_due = rec_str(rep->data, "erasure_due");
	sv->have_sheet = true;
	sheet_hints(v);
	sheet_layout(v);
}

/* case.get answered (a conn_reply_fn; arg is the view): the registration data. */
static void
sheet_case_reply(void *arg, const struct proto_reply *rep)
{
	struct view *v = arg;
	struct sheet_view *sv = v->priv;
	const msgpack_object *rows;
	uint32_t n;

	v->app->redraw = true;
	if (!rep->ok)
		return; /* the sheet's own reply says what is wrong */
	sheet_case_free(sv);
	sv->received = rec_str(rep->data, "received_at");
	sv->medium = rec_str(rep->data, "medium");
	sv->customer = rec_str(rep->data, "customer_name");
	sv->phone = rec_str(rep->data, "phone");
	sv->address = rec_str(rep->data, "address");
	sv->created_by = rec_str(rep->data, "created_by");
	sv->masked = rec_bool(rep->data, "pii_masked");
	rows = rec_array(rep->data, "items", &n);
	sv->items = xcalloc(n + 1, sizeof *sv->items);
	for (uint32_t i = 0; i < n; i++) {
		sv->items[sv->nitems].label = rec_text(&rows[i], "label");
		sv->items[sv->nitems].kind = rec_text(&rows[i], "kind");
		sv->items[sv->nitems].desc = rec_text(&rows[i], "description");
		sv->nitems++;
	}
	rows = rec_array(rep->data, "notes", &n);
	sv->notes = xcalloc(n + 1, sizeof *sv->notes);
	for (uint32_t i = 0; i < n; i++) {
		sv->notes[sv->nnotes].at = rec_text(&rows[i], "at");
		sv->notes[sv->nnotes].author = rec_text(&rows[i], "author");
		sv->notes[sv->nnotes].segment = rec_text(&rows[i], "segment");
		sv->notes[sv->nnotes].body = rec_text(&rows[i], "body");
		sv->nnotes++;
	}
	sv->have_case = true;
	sheet_layout(v);
}

/* device.list answered: the label of the device bound (a conn_reply_fn; arg is the view). */
static void
sheet_devices_reply(void *arg, const struct proto_reply *rep)
{
	struct view *v = arg;
	struct sheet_view *sv = v->priv;
	const msgpack_object *rows;
	uint32_t n;

	if (!rep->ok || sv->device == NULL)
		return;
	rows = rec_array(rep->data, "rows", &n);
	for (uint32_t i = 0; i < n; i++) {
		char *id = rec_str(&rows[i], "id");

		if (id != NULL && strcmp(id, sv->device) == 0) {
			free(sv->device_label);
			sv->device_label = rec_str(&rows[i], "label");
		}
		free(id);
	}
	v->app->redraw = true;
	sheet_layout(v);
}

static void
sheet_load(struct view *v, const char *focus)
{
	struct sheet_view *sv = v->priv;

	(void)focus;
	conn_cancel(v->app->conn, v);
	conn_call(v->app->conn, v, sheet_reply, v, "case.sheet", "{s s}", "receipt", sv->receipt);
	conn_call(v->app->conn, v, sheet_case_reply, v, "case.get", "{s s}", "receipt",
	          sv->receipt);
	conn_call(v->app->conn, v, sheet_devices_reply, v, "device.list", NULL);
}

static void
sheet_event(struct view *v, const char *topic, const char *id)
{
	struct sheet_view *sv = v->priv;

	if (strcmp(topic, "resync") == 0 ||
	    (strcmp(topic, "case") == 0 && strcmp(id, sv->receipt) == 0))
		sheet_load(v, NULL);
}

static int
sheet_open(struct view *v, const void *arg)
{
	struct sheet_view *sv = xcalloc(1, sizeof *sv);

	sv->receipt = xstrdup(arg);
	pager_init(&sv->details, SHEET_LABEL_W);
	v->priv = sv;
	v->keymask = KM_ALWAYS | KM_GLOBAL | KM_MOVE | KM_SHEET;
	sheet_hints(v);
	return 0;
}

static void
sheet_close(struct view *v)
{
	struct sheet_view *sv = v->priv;

	sheet_stamps_free(sv);
	sheet_case_free(sv);
	pager_fini(&sv->details);
	free(sv->receipt);
	free(sv);
}

/* ---- words for the details ---- */

static const char *
sheet_decision_text(const char *d)
{
	if (d == NULL)
		return "";
	if (strcmp(d, "proceed") == 0)
		return _("proceed with the recovery");
	if (strcmp(d, "cancel") == 0)
		return _("cancel (return the medium unrecovered)");
	return d;
}

/* The person of a stamp: "name (login)", or what there is. Returns buf. */
static const char *
sheet_person(const struct sheet_stamp *s, bool with_login, char *buf, size_t size)
{
	if (s->by_name != NULL && s->by != NULL && with_login && strcmp(s->by_name, s->by) != 0)
		snprintf(buf, size, "%s (%s)", s->by_name, s->by);
	else
		snprintf(buf, size, "%s",
		         s->by_name != NULL ? s->by_name : (s->by != NULL ? s->by : ""));
	return buf;
}

/* Whether the erasure due time has come (the image may be erased). */
static bool
sheet_erasure_due_now(const struct sheet_view *sv)
{
	char now[TEXT_TIME_MAX], due[TEXT_TIME_MAX];
	time_t t = time(NULL);
	struct tm tm;

	if (sv->erasure_due == NULL)
		return false;
	localtime_r(&t, &tm);
	strftime(now, sizeof now, "%Y-%m-%d %H:%M", &tm);
	text_local_time(sv->erasure_due, due, sizeof due);
	return strcmp(due, now) <= 0;
}

/* The details under the grid, as pager paragraphs. mine: the person signed in may stamp
 * the current stage. */
static void
sheet_details(struct sheet_view *sv, bool mine)
{
	struct pager *p = &sv->details;
	char line[1024], when[TEXT_TIME_MAX];
	const struct stage_def *cur = stage_find(sv->stage);

	pager_clear(p, true);
	if (sv->have_sheet && cur != NULL) {
		if (sv->closed)
			snprintf(line, sizeof line, "%s",
			         _("Closed: the image is erased; nothing may change."));
		else if (mine)
			snprintf(line, sizeof line,
			         _("%s (%s): yours to stamp. Press s, or scan the receipt "
			           "number's barcode."),
			         _(cur->label), cur->label_ja);
		else
			snprintf(line, sizeof line, _("%s (%s): stamped by %s"), _(cur->label),
			         cur->label_ja, _(cur->who));
		pager_add(p, 1, ROLE_LABEL, _("Next"),
		          sv->closed ? ROLE_HINT : (mine ? ROLE_INFO : ROLE_VALUE), line);
	}
	if (sv->device != NULL)
		snprintf(line, sizeof line, "%s  %s", sv->device,
		         sv->device_label != NULL ? sv->device_label : "");
	else
		snprintf(line, sizeof line, "%s",
		         stage_index(sv->stage) > stage_index("recovery") ? _("released")
		                                                          : _("none"));
	pager_add(p, 1, ROLE_LABEL, _("Device bound"), sv->device ? ROLE_VALUE : ROLE_HINT, line);
	if (sv->reply_decision != NULL) {
		snprintf(line, sizeof line, _("%s, fax of %s (recorded by %s)"),
		         sheet_decision_text(sv->reply_decision),
		         sv->reply_fax_date ? sv->reply_fax_date : "?",
		         sv->reply_by ? sv->reply_by : "?");
		pager_add(p, 1, ROLE_LABEL, _("Customer reply"), ROLE_VALUE, line);
	} else {
		pager_add(p, 1, ROLE_LABEL, _("Customer reply"), ROLE_HINT, _("not recorded"));
	}
	if (sv->have_shipment && sv->ship_repair) {
		snprintf(line, sizeof line, _("to the repair centre (recorded by %s, %s)"),
		         sv->ship_by ? sv->ship_by : "?",
		         text_local_time(sv->ship_at, when, sizeof when));
		pager_add(p, 1, ROLE_LABEL, _("Shipment"), ROLE_VALUE, line);
	} else if (sv->have_shipment) {
		snprintf(line, sizeof line, _("%s, tracking %s%s (recorded by %s, %s)"),
		         sv->ship_carrier ? sv->ship_carrier : "?",
		         sv->ship_tracking ? sv->ship_tracking : "?",
		         sv->ship_address_confirmed ? _(", address confirmed") : "",
		         sv->ship_by ? sv->ship_by : "?",
		         text_local_time(sv->ship_at, when, sizeof when));
		pager_add(p, 1, ROLE_LABEL, _("Shipment"), ROLE_VALUE, line);
		if (sv->ship_url != NULL)
			pager_add(p, 1, ROLE_LABEL, _("Tracking URL"), ROLE_VALUE, sv->ship_url);
	} else {
		pager_add(p, 1, ROLE_LABEL, _("Shipment"), ROLE_HINT, _("not recorded"));
	}
	if (sv->erasure_due != NULL) {
		text_local_time(sv->erasure_due, when, sizeof when);
		if (sv->closed)
			snprintf(line, sizeof line, _("%s (erased)"), when);
		else if (sheet_erasure_due_now(sv))
			snprintf(line, sizeof line, _("%s: due now, the image may be erased"),
			         when);
		else
			snprintf(line, sizeof line, _("%s: the image is kept until then"), when);
		pager_add(p, 1, ROLE_LABEL, _("Erasure due"), ROLE_VALUE, line);
	} else {
		pager_add(p, 1, ROLE_LABEL, _("Erasure due"), ROLE_HINT,
		          _("set when the case is shipped"));
	}
	/* Remarks in full: the grid has room for their start only. */
	for (int i = 0, first = 1; i < STAGE_COUNT; i++) {
		const struct sheet_stamp *s = &sv->stamps[i];

		if (s->remark == NULL || s->remark[0] == '\0')
			continue;
		snprintf(line, sizeof line, "%d %s: %s", i + 1, stage_at(i)->label_ja, s->remark);
		pager_add(p, 1, ROLE_LABEL, first ? _("Remarks") : "", ROLE_NORMAL, line);
		first = 0;
	}
	if (!sv->have_case)
		return;
	pager_blank(p);
	pager_add(p, 1, ROLE_LABEL, _("Received"), ROLE_VALUE,
	          text_local_time(sv->received, when, sizeof when));
	pager_add(p, 1, ROLE_LABEL, _("Medium"), ROLE_VALUE, sv->medium ? sv->medium : "-");
	if (sv->masked)
		pager_add(p, 1, ROLE_LABEL, _("Customer"), ROLE_MASKED,
		          _("*** (personal data hidden on this network)"));
	else
		pager_add(p, 1, ROLE_LABEL, _("Customer"), ROLE_VALUE,
		          sv->customer ? sv->customer : "-");
	snprintf(line, sizeof line, _("Received items (%zu)"), sv->nitems);
	pager_add(p, 1, ROLE_NORMAL, NULL, ROLE_SECTION, line);
	for (size_t i = 0; i < sv->nitems; i++) {
		snprintf(line, sizeof line, "%-13s %s", sv->items[i].kind, sv->items[i].desc);
		pager_add(p, 1, ROLE_KEY, sv->items[i].label, ROLE_NORMAL, line);
	}
	for (size_t i = 0; i < sv->nnotes; i++) {
		snprintf(line, sizeof line, "%s %s (%s): %s",
		         text_local_time(sv->notes[i].at, when, sizeof when), sv->notes[i].author,
		         sv->notes[i].segment, sv->notes[i].body);
		pager_add(p, 1, ROLE_LABEL, i == 0 ? _("Notes 連絡事項") : "", ROLE_NORMAL, line);
	}
}

/* Lays the details out again after data arrived. */
static void
sheet_layout(struct view *v)
{
	struct sheet_view *sv = v->priv;
	const char *right = sheet_stamp_right(sv);

	sheet_details(sv, sv->have_sheet && !sv->closed && right != NULL && sheet_may(v, right));
}

/* ---- the grid ---- */

struct sheet_cols {
	int num, stage, ja, at, person, outcome, remark;
	bool wide;
};

#define SHEET_GAP 2

static void
sheet_cols(int w, struct sheet_cols *c)
{
	c->wide = w >= 110;
	c->num = 2;
	c->stage = c->wide ? 24 : 14;
	c->ja = 10;
	c->at = c->wide ? 16 : 11;
	c->person = c->wide ? 22 : 12;
	c->outcome = c->wide ? 14 : 10;
	c->remark =
	    w - 2 - c->num - c->stage - c->ja - c->at - c->person - c->outcome - 6 * SHEET_GAP;
	if (c->remark < 0)
		c->remark = 0;
}

static void
sheet_grid_line(int y, int x, const struct sheet_cols *c, enum draw_role role,
                enum draw_role stamp_role, const char *const cells[7])
{
	const int widths[7] = { c->num, c->stage, c->ja, c->at, c->person, c->outcome, c->remark };

	for (int i = 0; i < 7; i++) {
		draw_cell(y, x, widths[i], i >= 3 && i <= 4 ? stamp_role : role, cells[i]);
		x += widths[i];
		if (i < 6) {
			draw_fill(y, x, SHEET_GAP, role);
			x += SHEET_GAP;
		}
	}
}

static void
sheet_draw(struct view *v, const struct draw_rect *r)
{
	struct sheet_view *sv = v->priv;
	struct sheet_cols c;
	char title[256], num[8], when[TEXT_TIME_MAX], person[256], outcome[256];
	int x = r->x + 1, y = r->y, cur;
	struct draw_rect body;

	if (!sv->have_sheet) {
		if (sv->error[0] != '\0')
			draw_text(y + 1, x, r->w - 2, ROLE_ERROR, sv->error, false);
		else {
			snprintf(title, sizeof title, _("Loading the case sheet of %s…"),
			         sv->receipt);
			draw_text(y + 1, x, r->w - 2, ROLE_HINT, title, false);
		}
		return;
	}
	snprintf(title, sizeof title, _("Case sheet 現品票  %s"), sv->receipt);
	x += draw_text(y, x, r->w - 2, ROLE_BIG, title, false);
	if (sv->closed)
		draw_text(y, x + 3, r->w - x - 4, ROLE_INFO, _("closed"), false);
	else if (sv->have_case && sv->medium != NULL)
		draw_text(y, x + 3, r->x + r->w - x - 4, ROLE_NORMAL, sv->medium, false);
	x = r->x + 1;
	y += 2;
	sheet_cols(r->w, &c);
	{
		const char *head[7] = { "#",         _("Stage"),   _("段階"),  _("Date/time"),
			                _("Person"), _("Outcome"), _("Remark") };
		sheet_grid_line(y++, x, &c, ROLE_HEADER, ROLE_HEADER, head);
	}
	cur = stage_index(sv->stage);
	for (int i = 0; i < STAGE_COUNT; i++) {
		const struct stage_def *st = stage_at(i);
		const struct sheet_stamp *s = &sv->stamps[i];
		bool current = i == cur && !sv->closed;
		enum draw_role role = current ? ROLE_CURSOR : (s->at ? ROLE_NORMAL : ROLE_HINT);
		const char *cells[7];

		snprintf(num, sizeof num, "%s%d", current ? ">" : " ", i + 1);
		text_local_time(s->at, when, sizeof when);
		cells[0] = num;
		cells[1] = c.wide ? _(st->label) : st->name;
		cells[2] = st->label_ja;
		cells[3] = s->at == NULL ? (current ? _("now") : "-")
		                         : (c.wide || strlen(when) != 16 ? when : when + 5);
		/* "name (login)" where it fits, else the name: a stamp is a person's. */
		cells[4] = s->at == NULL ? "" : sheet_person(s, c.wide, person, sizeof person);
		if (s->at != NULL && utf8_width(person) > c.person)
			cells[4] = sheet_person(s, false, person, sizeof person);
		/* The device a stamp names (the analysis device, the eraser) with its outcome. */
		snprintf(outcome, sizeof outcome, "%s%s%s", s->device ? s->device : "",
		         s->device && s->outcome ? " " : "", s->outcome ? s->outcome : "");
		cells[5] = outcome;
		cells[6] = s->remark != NULL ? s->remark : "";
		if (current)
			draw_fill(y, r->x, r->w, ROLE_CURSOR);
		sheet_grid_line(y++, x, &c, role, current ? role : (s->at ? ROLE_VALUE : role),
		                cells);
	}
	y++;
	body = (struct draw_rect){ .y = y, .x = r->x + 1, .h = r->y + r->h - y, .w = r->w - 2 };
	if (body.h > 0)
		pager_draw(&sv->details, &body);
}

/* ---- printing: the sheet and the item labels as text ---- */

/* The case sheet, then a form feed and the labels. Returned owned. */
static char *
sheet_print_text(const struct view *v)
{
	const struct sheet_view *sv = v->priv;
	const struct session *who = &v->app->sess;
	static const int widths[5] = { 12, 16, 20, 11, 1 };
	struct print_doc d;
	char when[TEXT_TIME_MAX], now[TEXT_TIME_MAX], person[256], stage[128], *out;
	time_t t = time(NULL);
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(now, sizeof now, "%Y-%m-%d %H:%M", &tm);
	print_init(&d);
	print_line(&d, "%s", _("現品票  CASE SHEET"));
	print_rule(&d, PRINT_WIDTH, '=');
	print_field(&d, 16, _("Receipt number"), sv->receipt);
	/* On its own line: set in a Code 39 font it is the barcode a scanner reads back. */
	print_line(&d, "*%s*", sv->receipt);
	print_field(&d, 16, _("Received"), text_local_time(sv->received, when, sizeof when));
	print_field(&d, 16, _("Medium"), sv->medium);
	if (sv->masked)
		print_field(&d, 16, _("Customer"), _("*** (hidden on this network)"));
	else
		print_field(&d, 16, _("Customer"), sv->customer);
	print_field(&d, 16, _("Registered by"), sv->created_by);
	{
		const struct stage_def *st = stage_find(sv->stage);

		snprintf(stage, sizeof stage, "%s %s", st ? _(st->label) : "?",
		         st ? st->label_ja : "");
		print_field(&d, 16, _("Stage now"), sv->closed ? _("Closed 完了") : stage);
	}
	print_line(&d, "%s", "");
	{
		const char *head[5] = { _("Stage"), _("Date/time"), _("Person"), _("Network"),
			                _("Outcome / remark") };
		print_cells(&d, 5, widths, head);
	}
	print_rule(&d, PRINT_WIDTH, '-');
	for (int i = 0; i < STAGE_COUNT; i++) {
		const struct stage_def *st = stage_at(i);
		const struct sheet_stamp *s = &sv->stamps[i];
		const char *cells[5];
		char outcome[256];

		snprintf(stage, sizeof stage, "%d %s", i + 1, st->label_ja);
		snprintf(outcome, sizeof outcome, "%s%s%s", s->device ? s->device : "",
		         s->device && s->outcome ? " " : "", s->outcome ? s->outcome : "");
		cells[0] = stage;
		cells[1] = s->at != NULL ? text_local_time(s->at, when, sizeof when) : NULL;
		cells[2] = s->at != NULL ? sheet_person(s, true, person, sizeof person) : NULL;
		cells[3] = s->segment;
		cells[4] = outcome;
		print_cells(&d, 5, widths, cells);
		if (s->remark != NULL && s->remark[0] != '\0')
			print_field(&d, 12, "", s->remark);
	}
	print_line(&d, "%s", "");
	print_field(&d, 16, _("Device bound"), sv->device);
	if (sv->device_label != NULL)
		print_field(&d, 16, "", sv->device_label);
	if (sv->reply_decision != NULL) {
		snprintf(person, sizeof person, "%s, fax %s (%s)", sv->reply_decision,
		         sv->reply_fax_date ? sv->reply_fax_date : "?",
		         sv->reply_by ? sv->reply_by : "?");
		print_field(&d, 16, _("Customer reply"), person);
	} else {
		print_field(&d, 16, _("Customer reply"), NULL);
	}
	if (sv->have_shipment) {
		if (sv->ship_repair)
			snprintf(person, sizeof person, "%s", _("repair centre"));
		else
			snprintf(person, sizeof person, "%s %s", sv->ship_carrier,
			         sv->ship_tracking);
		print_field(&d, 16, _("Shipment"), person);
		if (sv->ship_url != NULL)
			print_field(&d, 16, _("Tracking URL"), sv->ship_url);
	} else {
		print_field(&d, 16, _("Shipment"), NULL);
	}
	print_field(&d, 16, _("Erasure due"),
	            sv->erasure_due ? text_local_time(sv->erasure_due, when, sizeof when) : NULL);
	print_line(&d, "%s", "");
	print_line(&d, _("Received items (%zu)"), sv->nitems);
	for (size_t i = 0; i < sv->nitems; i++) {
		const int iw[3] = { 14, 12, 1 };
		const char *cells[3] = { sv->items[i].label, sv->items[i].kind, sv->items[i].desc };

		print_cells(&d, 3, iw, cells);
	}
	print_line(&d, "%s", "");
	print_line(&d, "%s", _("連絡事項  Notes for the technician"));
	if (sv->nnotes == 0)
		print_line(&d, "%s", "-");
	for (size_t i = 0; i < sv->nnotes; i++) {
		print_line(&d, "%s  %s (%s)", text_local_time(sv->notes[i].at, when, sizeof when),
		           sv->notes[i].author, sv->notes[i].segment);
		print_field(&d, 2, "", sv->notes[i].body);
	}
	print_rule(&d, PRINT_WIDTH, '=');
	print_line(&d, _("Printed %s by %s (%s), %s"), now, who->name ? who->name : "?",
	           who->user ? who->user : "?", who->segment ? who->segment : "?");

	/* The labels, on a page of their own: one for every item, each with the receipt
	 * number as a barcode line so any item verifies its case when scanned. */
	print_line(&d, "\f%s", _("Item labels: cut along the lines, one on every item"));
	print_rule(&d, PRINT_WIDTH, '-');
	for (size_t i = 0; i < sv->nitems; i++) {
		print_line(&d, "%s   %s", sv->items[i].label, sv->items[i].kind);
		print_line(&d, "*%s*", sv->receipt);
		print_line(&d, "%s", sv->items[i].desc);
		print_rule(&d, PRINT_WIDTH, '-');
	}
	out = xstrdup(d.text);
	print_fini(&d);
	return out;
}

/* ---- the stamp ---- */

static const struct form_item_def stamp_items[] = {
	{ .key = "verify",
	  .label = N_("Receipt number again"),
	  .hint = N_("type it, or scan the barcode on the sheet or on an item's label"),
	  .kind = FORM_TEXT,
	  .required = true,
	  .maxlen = 30 },
	{ .key = "device",
	  .label = N_("Analysis device"),
	  .hint = N_("bound to this case until the recovery stage: one device, one case"),
	  .kind = FORM_CHOICE,
	  .required = true },
	{ .key = "eraser",
	  .label = N_("Eraser"),
	  .hint = N_("the dedicated eraser used"),
	  .kind = FORM_CHOICE,
	  .required = true },
	{ .key = "method",
	  .label = N_("Erasure method"),
	  .hint = N_("e.g. overwrite 1 pass, secure erase, crypto erase"),
	  .kind = FORM_TEXT,
	  .required = true,
	  .maxlen = 100 },
	{ .key = "remark",
	  .label = N_("Remark"),
	  .hint = N_("optional, on the case sheet"),
	  .kind = FORM_TEXT,
	  .maxlen = 500 },
};

static void
stamp_setup(struct form *f)
{
	const struct form_ctx *c = form_ctx(f);
	bool analysis = strcmp(c->stage, "analysis") == 0,
	     erasure = strcmp(c->stage, "erasure") == 0;

	form_hide(f, "device", !analysis);
	form_hide(f, "eraser", !erasure);
	form_hide(f, "method", !erasure);
	if (c->typed != NULL)
		form_set_text(f, "verify", c->typed);
}

/* device.list answered: the free analysis devices, or the erasers. */
static void
stamp_fill(struct form *f, const msgpack_object *data)
{
	const struct form_ctx *c = form_ctx(f);
	const char *want = strcmp(c->stage, "erasure") == 0 ? "eraser" : "analysis";
	const char *key = strcmp(want, "eraser") == 0 ? "eraser" : "device";
	const msgpack_object *rows;
	uint32_t n;
	size_t busy = 0, added = 0;

	if (form_hidden(f, key))
		return;
	form_clear_choices(f, key);
	rows = rec_array(data, "rows", &n);
	for (uint32_t i = 0; i < n; i++) {
		char *id = rec_str(&rows[i], "id"), *kind = rec_str(&rows[i], "kind");
		char *label = rec_str(&rows[i], "label"), *bound = rec_str(&rows[i], "bound_to");
		const msgpack_object *active = mp_get(&rows[i], "active");

		if (id != NULL && kind != NULL && strcmp(kind, want) == 0 &&
		    (active == NULL || rec_bool(&rows[i], "active"))) {
			/* A device bound to another case is not offered (one device, one case). */
			if (bound != NULL && strcmp(bound, c->receipt) != 0) {
				busy++;
			} else {
				char *shown = xasprintf("%s %s", id, label ? label : "");
				form_add_choice(f, key, id, shown);
				free(shown);
				added++;
			}
		}
		free(id);
		free(kind);
		free(label);
		free(bound);
	}
	if (added == 0 && strcmp(key, "device") == 0)
		form_notice(f, _("No free analysis device: all %zu are bound to other cases."),
		            busy);
	else if (busy > 0)
		form_notice(f, _("%zu analysis device(s) bound to other cases are not offered."),
		            busy);
}

static int
stamp_pack(struct form *f, msgpack_packer *pk)
{
	const struct form_ctx *c = form_ctx(f);
	char *verify = form_text(f, "verify"), *remark = form_text(f, "remark");
	char *method = form_text(f, "method"), typed[RECEIPT_MAX];
	const char *device = form_choice(f, "device"), *eraser = form_choice(f, "eraser");
	bool analysis = strcmp(c->stage, "analysis") == 0,
	     erasure = strcmp(c->stage, "erasure") == 0;
	int rc = -1;

	stage_receipt_typed(verify, typed, sizeof typed);
	if (typed[0] == '\0') {
		form_fail(f, "verify", "%s",
		          _("Type or scan the receipt number of the case in your hands."));
		goto out;
	}
	if (analysis && device == NULL) {
		form_fail(f, "device", "%s", _("Choose the analysis device to bind."));
		goto out;
	}
	if (erasure && (eraser == NULL || method[0] == '\0')) {
		form_fail(f, eraser == NULL ? "eraser" : "method", "%s",
		          _("Name the eraser and the method used."));
		goto out;
	}
	msgpack_pack_map(pk, 3 + (remark[0] != '\0') + (analysis ? 1 : 0) + (erasure ? 2 : 0));
	mp_packf(pk, "s s s s s s", "receipt", c->receipt, "verify", typed, "stage", c->stage);
	if (remark[0] != '\0')
		mp_packf(pk, "s s", "remark", remark);
	if (analysis)
		mp_packf(pk, "s s", "device", device);
	if (erasure)
		mp_packf(pk, "s s s s", "eraser", eraser, "method", method);
	rc = 0;
out:
	free(verify);
	free(remark);
	free(method);
	return rc;
}

static void
stamp_done(struct form *f, const msgpack_object *data, char *msg, size_t msglen)
{
	const struct form_ctx *c = form_ctx(f);
	const struct stage_def *st = stage_find(c->stage);
	const msgpack_object *stamped = rec_map(data, "stamped");
	char when[TEXT_TIME_MAX];

	rec_time(stamped, "at", when, sizeof when);
	snprintf(msg, msglen, _("Stamped %s %s (%s) at %s."), c->receipt,
	         st ? _(st->label) : c->stage, st ? st->label_ja : "", when[0] ? when : "?");
}

static void
stamp_refused(struct form *f, const struct proto_reply *rep, char *msg, size_t msglen)
{
	const struct form_ctx *c = form_ctx(f);
	const struct stage_def *st = stage_find(c->stage);
	const char *why = rec_msg(rep->err_msg);
	char *verify = form_text(f, "verify"), typed[RECEIPT_MAX];

	stage_receipt_typed(verify, typed, sizeof typed);
	free(verify);
	if (rep->err == ERR_BAD_REQUEST && strcmp(typed, c->receipt) != 0) {
		/* Ready for the right case to be scanned: the message keeps what was entered. */
		form_set_text(f, "verify", "");
		form_focus(f, "verify");
		snprintf(msg, msglen,
		         _("Wrong receipt number: you entered %s, this is case %s. Nothing was "
		           "stamped: check the case in your hands. (%s)"),
		         typed, c->receipt, why);
	} else if (rep->err == ERR_FORBIDDEN)
		snprintf(msg, msglen,
		         _("Not your stage: your role may not stamp %s (%s) on this network; it is "
		           "stamped by %s. (%s)"),
		         st ? _(st->label) : c->stage, st ? st->label_ja : "",
		         st ? _(st->who) : "?", why);
	else if (rep->err == ERR_INVALID_STATE && strstr(why, "is at stage") != NULL)
		snprintf(
		    msg, msglen,
		    _("Out of order: %s. The sheet was changed meanwhile; Esc and look again."),
		    why);
	else if (rep->err == ERR_INVALID_STATE)
		snprintf(msg, msglen, _("Not stamped yet: %s"), why);
	else if (rep->err == ERR_CONFLICT)
		snprintf(msg, msglen, _("Not stamped: %s. Choose another device."), why);
	else if (rep->err == ERR_NOT_FOUND)
		snprintf(msg, msglen, _("Not stamped: %s"), why);
	else if (rep->err == ERR_BAD_REQUEST)
		snprintf(msg, msglen, _("Not stamped: %s"), why);
}

static const struct form_def stamp_form = {
	.title = N_("Stamp"),
	.heading = N_("Stamp the case sheet of %s"),
	.submit = N_("stamp"),
	.op = "case.stamp",
	.items = stamp_items,
	.nitems = sizeof stamp_items / sizeof stamp_items[0],
	.source_op = "device.list",
	.fill = stamp_fill,
	.setup = stamp_setup,
	.pack = stamp_pack,
	.done = stamp_done,
	.refused = stamp_refused,
};

/* What the stamp of the current stage needs, in words for the form. Returned owned. */
static char *
sheet_stamp_info(const struct sheet_view *sv)
{
	const struct stage_def *st = stage_find(sv->stage);
	const char *need = "";
	char *extra = NULL, *out;

	if (st == NULL)
		return xstrdup("");
	if (strcmp(st->name, "intake") == 0)
		need = _("The items go to the before-analysis shelf.");
	else if (strcmp(st->name, "analysis") == 0)
		need = _("Verify the medium, then bind the analysis device it is imaged on.");
	else if (strcmp(st->name, "report") == 0)
		need = _("The report, estimate and data list must be issued and approved (d: "
		         "documents).");
	else if (strcmp(st->name, "reply") == 0 && sv->reply_decision != NULL)
		extra = xasprintf(_("The customer's reply: %s, fax of %s."),
		                  sheet_decision_text(sv->reply_decision),
		                  sv->reply_fax_date ? sv->reply_fax_date : "?");
	else if (strcmp(st->name, "reply") == 0)
		need = _("The customer's reply is not recorded yet: Esc, then y on the sheet.");
	else if (strcmp(st->name, "recovery") == 0)
		extra = xasprintf(_("Outcome: %s (the customer's reply). The device is released; "
		                    "the items go to the awaiting-shipment shelf."),
		                  sv->reply_decision && !strcmp(sv->reply_decision, "cancel")
		                      ? _("cancelled")
		                      : _("recovered"));
	else if (strcmp(st->name, "shipping") == 0 && !sv->have_shipment)
		need = _("The shipment is not recorded yet: Esc, then h on the sheet.");
	else if (strcmp(st->name, "shipping") == 0)
		need = _("The image then stays on the backup shelf until its erasure is due.");
	else if (strcmp(st->name, "erasure") == 0)
		need = _("Only after the retention period since shipping: name the eraser and the "
		         "method.");
	out = xasprintf(_("Stage %d of 7: %s (%s), stamped by %s. %s"), stage_index(st->name) + 1,
	                _(st->label), st->label_ja, _(st->who), extra ? extra : need);
	free(extra);
	return out;
}

static void
sheet_stamp(struct view *v, const char *typed)
{
	struct sheet_view *sv = v->priv;
	const struct stage_def *st = stage_find(sv->stage);
	struct form_open o = { .def = &stamp_form };
	char *info;

	if (!sv->have_sheet)
		return;
	if (sv->closed || st == NULL || st->right == NULL) {
		app_message(v->app, MSG_ERROR, "%s", _("The case is closed: nothing to stamp."));
		return;
	}
	if (!sheet_may(v, st->right)) {
		app_message(v->app, MSG_ERROR,
		            _("Your role may not stamp %s (%s) on this network: that is for %s."),
		            _(st->label), st->label_ja, _(st->who));
		return;
	}
	info = sheet_stamp_info(sv);
	o.ctx = (struct form_ctx){
		.receipt = sv->receipt, .stage = sv->stage, .info = info, .typed = typed
	};
	app_push(v->app, &view_form_ops, &o);
	free(info);
}

/* ---- the customer's reply ---- */

static const struct form_choice_def reply_decisions[] = {
	{ "proceed", N_("proceed with the recovery") },
	{ "cancel", N_("cancel") },
	{ NULL, NULL },
};

static const struct form_item_def reply_items[] = {
	{ .key = "decision",
	  .label = N_("Decision"),
	  .hint = N_("what the customer answered on the fax"),
	  .kind = FORM_CHOICE,
	  .required = true,
	  .choices = reply_decisions },
	{ .key = "fax_date",
	  .label = N_("Fax date"),
	  .hint = N_("YYYY-MM-DD, the date on the fax"),
	  .kind = FORM_TEXT,
	  .required = true,
	  .maxlen = 10 },
};

static void
reply_setup(struct form *f)
{
	const struct form_ctx *c = form_ctx(f);
	char today[16];
	time_t t = time(NULL);
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(today, sizeof today, "%Y-%m-%d", &tm);
	/* A correction starts from what was recorded (ctx: "decision fax_date"). */
	if (c->extra != NULL && strchr(c->extra, ' ') != NULL) {
		char *dec = xstrndup(c->extra, strcspn(c->extra, " "));

		form_select(f, "decision", dec);
		form_set_text(f, "fax_date", strchr(c->extra, ' ') + 1);
		free(dec);
	} else {
		form_set_text(f, "fax_date", today);
	}
}

static int
reply_pack(struct form *f, msgpack_packer *pk)
{
	const struct form_ctx *c = form_ctx(f);
	char *date = form_text(f, "fax_date");
	int y, m, d, n = 0;

	for (char *p = date; *p != '\0'; p++)
		if (*p == '/' || *p == '.')
			*p = '-';
	if (sscanf(date, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 || date[n] != '\0' || m < 1 ||
	    m > 12 || d < 1 || d > 31) {
		free(date);
		return form_fail(f, "fax_date", "%s", _("The fax date is YYYY-MM-DD."));
	}
	mp_packf(pk, "{s s s s s s}", "receipt", c->receipt, "decision", form_choice(f, "decision"),
	         "fax_date", date);
	free(date);
	return 0;
}

static void
reply_done(struct form *f, const msgpack_object *data, char *msg, size_t msglen)
{
	(void)data;
	snprintf(msg, msglen,
	         _("The customer's reply for %s is recorded: %s. Stamp the reply "
	           "stage next (s)."),
	         form_ctx(f)->receipt, form_choice(f, "decision"));
}

static const struct form_def reply_form = {
	.title = N_("Customer reply"),
	.heading = N_("The customer's reply for %s (顧客回答)"),
	.submit = N_("record the reply"),
	.op = "case.reply",
	.items = reply_items,
	.nitems = sizeof reply_items / sizeof reply_items[0],
	.setup = reply_setup,
	.pack = reply_pack,
	.done = reply_done,
};

static void
sheet_reply_form(struct view *v)
{
	struct sheet_view *sv = v->priv;
	struct form_open o = { .def = &reply_form };
	char *extra = NULL;

	if (!sheet_may(v, "stamp.reply")) {
		app_message(v->app, MSG_ERROR, "%s",
		            _("Your role may not record customer replies on this network: that is "
		              "for an operator, call centre."));
		return;
	}
	if (sv->stage == NULL || strcmp(sv->stage, "reply") != 0) {
		app_message(v->app, MSG_ERROR, "%s",
		            _("The customer's reply is recorded at the customer-reply stage (4), "
		              "before it is stamped."));
		return;
	}
	if (sv->reply_decision != NULL && sv->reply_fax_date != NULL)
		extra = xasprintf("%s %s", sv->reply_decision, sv->reply_fax_date);
	o.ctx = (struct form_ctx){
		.receipt = sv->receipt,
		.extra = extra,
		.info = sv->reply_decision != NULL
		            ? _("A reply is recorded: this corrects it (until the reply stage is "
		                "stamped).")
		            : _("Check the faxed reply against the receipt number on it."),
	};
	app_push(v->app, &view_form_ops, &o);
	free(extra);
}

/* ---- the shipment ---- */

static const struct form_choice_def ship_modes[] = {
	{ "carrier", N_("return to the customer by carrier") },
	{ "repair", N_("transfer to the repair centre") },
	{ NULL, NULL },
};

static const struct form_choice_def ship_confirm[] = {
	{ "no", N_("not yet") },
	{ "yes", N_("checked against the return instructions") },
	{ NULL, NULL },
};

static const struct form_item_def ship_items[] = {
	{ .key = "mode",
	  .label = N_("Shipment"),
	  .kind = FORM_CHOICE,
	  .required = true,
	  .choices = ship_modes },
	{ .key = "address_confirmed",
	  .label = N_("Return address"),
	  .kind = FORM_CHOICE,
	  .required = true,
	  .choices = ship_confirm },
	{ .key = "carrier",
	  .label = N_("Carrier"),
	  .kind = FORM_TEXT,
	  .required = true,
	  .maxlen = 60 },
	{ .key = "tracking",
	  .label = N_("Tracking number"),
	  .hint = N_("letters, digits and dashes, 4 to 40"),
	  .kind = FORM_TEXT,
	  .required = true,
	  .maxlen = 40 },
};

static void
ship_changed(struct form *f, const char *key)
{
	bool repair = strcmp(form_choice(f, "mode"), "repair") == 0;

	(void)key;
	form_hide(f, "address_confirmed", repair);
	form_hide(f, "carrier", repair);
	form_hide(f, "tracking", repair);
}

static void
ship_setup(struct form *f)
{
	const struct form_ctx *c = form_ctx(f);

	if (c->extra != NULL)
		form_set_text(f, "carrier", c->extra);
	ship_changed(f, "mode");
}

static int
ship_pack(struct form *f, msgpack_packer *pk)
{
	const struct form_ctx *c = form_ctx(f);
	char *carrier, *tracking;
	int rc = 0;

	if (strcmp(form_choice(f, "mode"), "repair") == 0) {
		mp_packf(pk, "{s s s b}", "receipt", c->receipt, "repair", 1);
		return 0;
	}
	if (strcmp(form_choice(f, "address_confirmed"), "yes") != 0)
		return form_fail(f, "address_confirmed", "%s",
		                 _("Check the return instructions and the address first."));
	carrier = form_text(f, "carrier");
	tracking = form_text(f, "tracking");
	if (carrier[0] == '\0')
		rc = form_fail(f, "carrier", "%s", _("Name the carrier."));
	else if (tracking[0] == '\0')
		rc = form_fail(f, "tracking", "%s", _("Enter the tracking number."));
	else
		mp_packf(pk, "{s s s b s s s s}", "receipt", c->receipt, "address_confirmed", 1,
		         "carrier", carrier, "tracking", tracking);
	free(carrier);
	free(tracking);
	return rc;
}

static void
ship_done(struct form *f, const msgpack_object *data, char *msg, size_t msglen)
{
	char *url = rec_str(data, "tracking_url");

	if (url != NULL)
		snprintf(msg, msglen, _("Shipment of %s recorded; tracking: %s"),
		         form_ctx(f)->receipt, url);
	else
		snprintf(msg, msglen, _("Shipment of %s recorded."), form_ctx(f)->receipt);
	free(url);
}

static const struct form_def ship_form = {
	.title = N_("Shipment"),
	.heading = N_("The shipment of %s (発送・修理)"),
	.submit = N_("record the shipment"),
	.op = "case.ship",
	.items = ship_items,
	.nitems = sizeof ship_items / sizeof ship_items[0],
	.setup = ship_setup,
	.changed = ship_changed,
	.pack = ship_pack,
	.done = ship_done,
};

static void
sheet_ship_form(struct view *v)
{
	struct sheet_view *sv = v->priv;
	struct form_open o = { .def = &ship_form };
	char *info;

	if (!sheet_may(v, "stamp.shipping")) {
		app_message(v->app, MSG_ERROR, "%s",
		            _("Your role may not record shipments on this network: that is for a "
		              "shipping clerk, tech centre."));
		return;
	}
	if (sv->stage == NULL || strcmp(sv->stage, "shipping") != 0) {
		app_message(v->app, MSG_ERROR, "%s",
		            _("The shipment is recorded at the shipping stage (6), before it is "
		              "stamped."));
		return;
	}
	/* The address to check the return instructions against, where it may be seen. */
	if (sv->masked || sv->address == NULL)
		info = xasprintf("%s", _("Pack one case at a time and hand it to the carrier; the "
		                         "customer gets the tracking URL by e-mail."));
	else
		info = xasprintf(_("Return to: %s, %s. Pack one case at a time and hand it to the "
		                   "carrier; the customer gets the tracking URL by e-mail."),
		                 sv->customer ? sv->customer : "", sv->address);
	o.ctx =
	    (struct form_ctx){ .receipt = sv->receipt, .extra = sv->ship_carrier, .info = info };
	app_push(v->app, &view_form_ops, &o);
	free(info);
}

/* ---- keys ---- */

static unsigned
sheet_key(struct view *v, enum action act, uint32_t key)
{
	struct sheet_view *sv = v->priv;
	char name[64], *text;

	if (pager_key(&sv->details, act))
		return VIEW_HANDLED;
	switch (act) {
	case ACT_STAMP:
		sheet_stamp(v, NULL);
		return VIEW_HANDLED;
	case ACT_REPLY:
		sheet_reply_form(v);
		return VIEW_HANDLED;
	case ACT_SHIP:
		sheet_ship_form(v);
		return VIEW_HANDLED;
	case ACT_DOCUMENTS:
		app_push(v->app, &view_documents_ops, sv->receipt);
		return VIEW_HANDLED;
	case ACT_WORKLOG:
		if (!sheet_may(v, "worklog.read")) {
			app_message(
			    v->app, MSG_ERROR, "%s",
			    _("Work logs are kept in the tech centre: not on this network."));
			return VIEW_HANDLED;
		}
		app_push(v->app, &view_worklog_ops, sv->receipt);
		return VIEW_HANDLED;
	case ACT_CUSTODY:
		app_push(v->app, &view_custody_ops, sv->receipt);
		return VIEW_HANDLED;
	case ACT_PRINT:
		if (!sv->have_sheet || !sv->have_case)
			return VIEW_HANDLED;
		text = sheet_print_text(v);
		snprintf(name, sizeof name, "%s-sheet.txt", sv->receipt);
		form_print_open(v->app, sv->receipt, text, name, true);
		free(text);
		return VIEW_HANDLED;
	case ACT_REFRESH:
		sheet_load(v, NULL);
		return VIEW_HANDLED;
	case ACT_BACK:
		return VIEW_CLOSE;
	case ACT_NONE:
		/* A scanner types the receipt number without a key first: start the stamp
		 * with what it typed. */
		if (key >= '0' && key <= '9' && sv->have_sheet) {
			char typed[2] = { (char)key, '\0' };

			sheet_stamp(v, typed);
			return VIEW_HANDLED;
		}
		return VIEW_IGNORED;
	default:
		return VIEW_IGNORED;
	}
}

const struct view_ops view_casesheet_ops = {
	.name = "casesheet",
	.title = N_("Case sheet"),
	.hints = NULL,
	.open = sheet_open,
	.load = sheet_load,
	.draw = sheet_draw,
	.key = sheet_key,
	.close = sheet_close,
	.event = sheet_event,
};
