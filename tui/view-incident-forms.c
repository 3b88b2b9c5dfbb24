/* The incident forms, on the shared form view (form.h): the report (from anywhere), and for
 * one incident the change of status, edits, the investigation, links, countermeasures, the
 * review and the close. Each packs exactly what its incident.* command takes. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "form.h"
#include "i18n.h"
#include "mp.h"
#include "record.h"
#include "view-incident.h"
#include "view.h"
#include "xmalloc.h"

/* ============================== labels ============================== */

static const struct form_choice_def incident_severities[] = {
	{ "low", N_("low 低") },
	{ "medium", N_("medium 中") },
	{ "high", N_("high 高") },
	{ "critical", N_("critical 重大") },
	{ NULL, NULL },
};

static const struct {
	const char *name, *label;
} incident_statuses[] = {
	{ "reported", N_("reported 報告") },
	{ "triaged", N_("triaged 受付・評価") },
	{ "investigating", N_("investigating 調査中") },
	{ "countermeasures", N_("countermeasures 対策実施中") },
	{ "resolved", N_("resolved 解決") },
	{ "closed", N_("closed 完了") },
	{ "rejected", N_("rejected 却下") },
};

static const struct form_choice_def incident_cm_states[] = {
	{ "", N_("(as it is)") },
	{ "planned", N_("planned 計画") },
	{ "in_progress", N_("in progress 実施中") },
	{ "done", N_("done 完了") },
	{ "verified", N_("verified 有効性確認済") },
	{ NULL, NULL },
};

const char *
incident_status_label(const char *name)
{
	for (size_t i = 0;
	     name != NULL && i < sizeof incident_statuses / sizeof incident_statuses[0]; i++)
		if (strcmp(incident_statuses[i].name, name) == 0)
			return _(incident_statuses[i].label);
	return name != NULL ? name : "";
}

const char *
incident_severity_label(const char *name)
{
	for (const struct form_choice_def *c = incident_severities; name != NULL && c->value; c++)
		if (strcmp(c->value, name) == 0)
			return _(c->label);
	return name != NULL ? name : "";
}

const char *
incident_cm_state_label(const char *name)
{
	for (const struct form_choice_def *c = incident_cm_states + 1; name != NULL && c->value;
	     c++)
		if (strcmp(c->value, name) == 0)
			return _(c->label);
	return name != NULL ? name : "";
}

bool
incident_can(const msgpack_object *inc, const char *action)
{
	uint32_t n;
	const msgpack_object *a = rec_array(inc, "actions", &n);
	size_t len = strlen(action);

	for (uint32_t i = 0; a != NULL && i < n; i++)
		if (mp_is_str(&a[i]) && a[i].via.str.size == len &&
		    memcmp(a[i].via.str.ptr, action, len) == 0)
			return true;
	return false;
}

/* ============================== shared parts ============================== */

/* The incident a form is about: ctx.extra is "ID VERSION". */
static void
inc_ids(const struct form *f, int64_t *id, int64_t *version)
{
	long long i = 0, v = 0;

	if (form_ctx(f)->extra == NULL || sscanf(form_ctx(f)->extra, "%lld %lld", &i, &v) < 1)
		i = v = 0;
	*id = i;
	*version = v;
}

/* Values carried from the incident into a form (ctx.text): "key\x1fvalue\x1e..." — the
 * server never sends control characters other than tab and line breaks. */
static void
enc_put(char **buf, const char *key, const char *value)
{
	char *old = *buf;

	*buf = xasprintf("%s%s\x1f%s\x1e", old != NULL ? old : "", key, value != NULL ? value : "");
	free(old);
}

/* The value of key in an encoded text, returned owned ("" when absent). */
static char *
enc_get(const char *text, const char *key)
{
	size_t len = strlen(key);

	for (const char *p = text; p != NULL && *p != '\0';) {
		const char *us = strchr(p, '\x1f'), *rs = us != NULL ? strchr(us, '\x1e') : NULL;

		if (us == NULL || rs == NULL)
			break;
		if ((size_t)(us - p) == len && strncmp(p, key, len) == 0)
			return xstrndup(us + 1, (size_t)(rs - us - 1));
		p = rs + 1;
	}
	return xstrdup("");
}

/* "YYYY-MM-DD HH:MM" (or a date alone) in local time as ISO 8601 UTC into out; "" stays "".
 * Returns 0, or -1 when it is not such a time. */
static int
local_to_utc(const char *s, char *out, size_t size)
{
	int y, mo, d, h = 0, mi = 0, n = 0;
	struct tm tm;
	time_t t;

	out[0] = '\0';
	if (s[0] == '\0')
		return 0;
	if (sscanf(s, "%4d-%2d-%2d %2d:%2d%n", &y, &mo, &d, &h, &mi, &n) != 5 || s[n] != '\0') {
		h = mi = n = 0;
		if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || s[n] != '\0')
			return -1;
	}
	memset(&tm, 0, sizeof tm);
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_isdst = -1;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || (t = mktime(&tm)) == -1)
		return -1;
	gmtime_r(&t, &tm);
	strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return 0;
}

/* Packs the words of s (split at spaces, commas and their Japanese forms, or with
 * commas_only only at commas) as an array under key; nothing when there are none. Returns
 * how many. */
static size_t
pack_words(msgpack_packer *pk, const char *key, const char *s, bool commas_only, bool pack)
{
	char *copy = xstrdup(s), *p = copy;
	size_t n = 0;
	char *words[64];

	/* Japanese separators become ASCII ones first: 、，　 */
	for (char *q; (q = strstr(copy, "\xe3\x80\x81")) != NULL ||
	              (q = strstr(copy, "\xef\xbc\x8c")) != NULL;)
		memcpy(q, ",  ", 3);
	for (char *q; !commas_only && (q = strstr(copy, "\xe3\x80\x80")) != NULL;)
		memcpy(q, "   ", 3);
	while (*p != '\0' && n < 64) {
		size_t len = strcspn(p, commas_only ? "," : ", \t");
		char *w = p, *end = p + len;

		p = *end != '\0' ? end + 1 : end;
		*end = '\0';
		while (*w == ' ' || *w == '\t')
			w++;
		for (char *e = w + strlen(w); e > w && (e[-1] == ' ' || e[-1] == '\t');)
			*--e = '\0';
		if (*w != '\0')
			words[n++] = w;
	}
	if (pack && n > 0) {
		mp_pack_str(pk, key);
		msgpack_pack_array(pk, n);
		for (size_t i = 0; i < n; i++)
			mp_pack_str(pk, words[i]);
	}
	free(copy);
	return n;
}

/* incident.categories answered: the active categories as the choices of item "category". */
static void
categories_fill(struct form *f, const msgpack_object *data)
{
	uint32_t n;
	const msgpack_object *rows = rec_array(data, "rows", &n);
	char *want = enc_get(form_ctx(f)->text, "category");

	form_clear_choices(f, "category");
	for (uint32_t i = 0; rows != NULL && i < n; i++) {
		char *code = rec_text(&rows[i], "code"), *ja = rec_text(&rows[i], "label_ja");
		char *en = rec_text(&rows[i], "label"), *label;

		if (rec_bool(&rows[i], "active") || strcmp(code, want) == 0) {
			label = xasprintf("%s %s (%s)", code, ja, en);
			form_add_choice(f, "category", code, label);
			free(label);
		}
		free(code), free(ja), free(en);
	}
	/* The one the incident has; a new report starts at 8, "other weaknesses". */
	form_select(f, "category", want[0] != '\0' ? want : "8");
	free(want);
}

/* Opens def about incident inc: ctx.receipt is its id (the heading's %s, and the focus
 * handed back to the incident view, which reloads), ctx.extra "ID VERSION", ctx.info the
 * incident's title and status, then info (may be NULL). text: borrowed, copied. */
static int
inc_open(struct app *app, const struct form_def *def, const msgpack_object *inc, const char *text,
         const char *info)
{
	char *id = rec_text(inc, "id"), *title = rec_text(inc, "title");
	char *status = rec_text(inc, "status"), *extra, *line;
	struct form_open o = { .def = def };
	int rc;

	extra = xasprintf("%s %lld", id, (long long)rec_int(inc, "version", 0));
	line = xasprintf("#%s %s (%s)%s%s", id, title, incident_status_label(status),
	                 info != NULL ? "\n" : "", info != NULL ? info : "");
	o.ctx = (struct form_ctx){ .receipt = id, .extra = extra, .text = text, .info = line };
	rc = app_push(app, &view_form_ops, &o);
	free(id), free(title), free(status), free(extra), free(line);
	return rc;
}

/* Starts an args map of n more keys with id and, when known, version. */
static void
pack_head(struct form *f, msgpack_packer *pk, size_t n)
{
	int64_t id, version;

	inc_ids(f, &id, &version);
	msgpack_pack_map(pk, n + 1 + (version > 0));
	mp_packf(pk, "s i", "id", id);
	if (version > 0)
		mp_packf(pk, "s i", "version", version);
}

static void
inc_done(struct form *f, const msgpack_object *data, char *msg, size_t msglen)
{
	(void)data;
	snprintf(msg, msglen, _("Incident #%s: done."), form_ctx(f)->receipt);
}

/* ============================== the report ============================== */

static const struct form_item_def report_items[] = {
	{ .key = "category", .label = N_("Category"), .kind = FORM_CHOICE, .required = true },
	{ .key = "severity",
	  .label = N_("Severity"),
	  .kind = FORM_CHOICE,
	  .required = true,
	  .choices = incident_severities },
	{ .key = "title",
	  .label = N_("Title"),
	  .kind = FORM_TEXT,
	  .required = true,
	  .maxlen = 200 },
	{ .key = "description",
	  .label = N_("What happened"),
	  .kind = FORM_MULTI,
	  .required = true,
	  .maxlen = 8000,
	  .rows = 6 },
	{ .key = "found",
	  .label = N_("When found"),
	  .hint = N_("YYYY-MM-DD HH:MM, local time; empty: now"),
	  .kind = FORM_TEXT,
	  .maxlen = 16 },
	{ .key = "location", .label = N_("Where"), .kind = FORM_TEXT, .maxlen = 200 },
	{ .key = "cases",
	  .label = N_("Cases"),
	  .hint = N_("receipt numbers, separated by spaces"),
	  .kind = FORM_TEXT,
	  .maxlen = 600 },
	{ .key = "devices",
	  .label = N_("Devices"),
	  .hint = N_("separated by commas"),
	  .kind = FORM_TEXT,
	  .maxlen = 600 },
	{ .key = "assets",
	  .label = N_("Assets"),
	  .hint = N_("separated by commas"),
	  .kind = FORM_TEXT,
	  .maxlen = 600 },
};

static void
report_setup(struct form *f)
{
	form_select(f, "severity", "medium");
}

static int
report_pack(struct form *f, msgpack_packer *pk)
{
	const char *category = form_choice(f, "category"), *severity = form_choice(f, "severity");
	char *title = form_text(f, "title"), *desc = form_text(f, "description");
	char *found = form_text(f, "found"), *where = form_text(f, "location");
	char *cases = form_text(f, "cases"), *devices = form_text(f, "devices");
	char *assets = form_text(f, "assets"), utc[32];
	size_t n = 4;
	int rc = 0;

	if (category == NULL)
		rc = form_fail(f, "category", "%s", _("The categories have not arrived yet."));
	else if (title[0] == '\0')
		rc = form_fail(f, "title", "%s", _("Give it a title."));
	else if (desc[0] == '\0')
		rc = form_fail(f, "description", "%s", _("Say what happened."));
	else if (local_to_utc(found, utc, sizeof utc) != 0)
		rc = form_fail(f, "found", "%s",
		               _("When found: YYYY-MM-DD HH:MM (or leave it empty)."));
	if (rc != 0)
		goto out;
	n += utc[0] != '\0';
	n += where[0] != '\0';
	n += pack_words(pk, "cases", cases, false, false) > 0;
	n += pack_words(pk, "devices", devices, true, false) > 0;
	n += pack_words(pk, "assets", assets, true, false) > 0;
	msgpack_pack_map(pk, n);
	mp_packf(pk, "s i s s s s s s", "category", (int64_t)strtoll(category, NULL, 10),
	         "severity", severity, "title", title, "description", desc);
	if (utc[0] != '\0')
		mp_packf(pk, "s s", "found_at", utc);
	if (where[0] != '\0')
		mp_packf(pk, "s s", "location", where);
	pack_words(pk, "cases", cases, false, true);
	pack_words(pk, "devices", devices, true, true);
	pack_words(pk, "assets", assets, true, true);
out:
	free(title), free(desc), free(found), free(where), free(cases), free(devices), free(assets);
	return rc;
}

static void
report_done(struct form *f, const msgpack_object *data, char *msg, size_t msglen)
{
	(void)f;
	snprintf(msg, msglen, _("Incident #%lld reported. Thank you: the managers see it now."),
	         (long long)rec_int(data, "id", 0));
}

static const struct form_def report_form = {
	.title = N_("Report an incident"),
	.heading = N_("Information security incident report (情報セキュリティインシデント報告書)"),
	.submit = N_("report"),
	.op = "incident.report",
	.items = report_items,
	.nitems = sizeof report_items / sizeof report_items[0],
	.source_op = "incident.categories",
	.fill = categories_fill,
	.setup = report_setup,
	.pack = report_pack,
	.done = report_done,
};

int
incident_report_open(struct app *app)
{
	struct form_open o = { .def = &report_form };

	o.ctx = (struct form_ctx){
		.info =
		    _("Anything that may affect the safety of information: an event you saw or a "
		      "weakness you found. Report it now; a manager takes it from here."),
	};
	return app_push(app, &view_form_ops, &o);
}

/* ============================== status ============================== */

static const struct form_item_def status_items[] = {
	{ .key = "to", .label = N_("Change to"), .kind = FORM_CHOICE, .required = true },
	{ .key = "reason",
	  .label = N_("Reason"),
	  .hint = N_("needed to reject or reopen; kept in the timeline"),
	  .kind = FORM_MULTI,
	  .maxlen = 2000,
	  .rows = 5 },
};

/* ctx.text holds the statuses allowed, one a line. */
static void
status_setup(struct form *f)
{
	const char *text = form_ctx(f)->text;

	for (const char *p = text; p != NULL && *p != '\0';) {
		size_t len = strcspn(p, "\n");
		char *name = xstrndup(p, len), *label;

		label = xasprintf("-> %s", incident_status_label(name));
		form_add_choice(f, "to", name, label);
		free(label);
		free(name);
		p += len + (p[len] != '\0');
	}
}

static int
status_pack(struct form *f, msgpack_packer *pk)
{
	const char *to = form_choice(f, "to");
	char *reason = form_text(f, "reason");

	if (to == NULL) {
		free(reason);
		return form_fail(f, "to", "%s", _("Nothing to change to."));
	}
	pack_head(f, pk, 1 + (reason[0] != '\0'));
	mp_packf(pk, "s s", "to", to);
	if (reason[0] != '\0')
		mp_packf(pk, "s s", "reason", reason);
	free(reason);
	return 0;
}

static void
status_done(struct form *f, const msgpack_object *data, char *msg, size_t msglen)
{
	char *status = rec_text(data, "status");

	snprintf(msg, msglen, _("Incident #%s is %s."), form_ctx(f)->receipt,
	         incident_status_label(status));
	free(status);
}

static const struct form_def status_form = {
	.title = N_("Incident status"),
	.heading = N_("Incident #%s: change of status"),
	.submit = N_("change"),
	.op = "incident.transition",
	.items = status_items,
	.nitems = sizeof status_items / sizeof status_items[0],
	.setup = status_setup,
	.pack = status_pack,
	.done = status_done,
};

/* ============================== the report's fields ============================== */

static const struct form_choice_def no_yes[] = {
	{ "no", N_("no: the segment it was reported on, managers, auditors") },
	{ "yes", N_("yes: every segment") },
	{ NULL, NULL },
};

static const struct form_item_def edit_items[] = {
	{ .key = "category", .label = N_("Category"), .kind = FORM_CHOICE, .required = true },
	{ .key = "severity",
	  .label = N_("Severity"),
	  .kind = FORM_CHOICE,
	  .required = true,
	  .choices = incident_severities },
	{ .key = "title",
	  .label = N_("Title"),
	  .kind = FORM_TEXT,
	  .required = true,
	  .maxlen = 200 },
	{ .key = "description",
	  .label = N_("What happened"),
	  .kind = FORM_MULTI,
	  .required = true,
	  .maxlen = 8000,
	  .rows = 8 },
	{ .key = "found",
	  .label = N_("When found"),
	  .hint = N_("YYYY-MM-DD HH:MM, local time"),
	  .kind = FORM_TEXT,
	  .required = true,
	  .maxlen = 16 },
	{ .key = "location", .label = N_("Where"), .kind = FORM_TEXT, .maxlen = 200 },
	{ .key = "shared", .label = N_("Shared"), .kind = FORM_CHOICE, .choices = no_yes },
};

static void
edit_setup(struct form *f)
{
	const char *text = form_ctx(f)->text;
	static const char *const keys[] = { "title", "description", "found", "location" };

	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		char *v = enc_get(text, keys[i]);
		form_set_text(f, keys[i], v);
		free(v);
	}
	char *sev = enc_get(text, "severity"), *shared = enc_get(text, "shared");
	form_select(f, "severity", sev);
	form_select(f, "shared", shared);
	free(sev), free(shared);
}

static int
edit_pack(struct form *f, msgpack_packer *pk)
{
	static const char *const texts[] = { "title", "description", "location" };
	const char *text = form_ctx(f)->text;
	const char *cat = form_choice(f, "category"), *sev = form_choice(f, "severity");
	const char *shared = form_choice(f, "shared");
	char *old_cat = enc_get(text, "category"), *old_sev = enc_get(text, "severity");
	char *old_shared = enc_get(text, "shared"), *found = form_text(f, "found"), utc[32];
	char *vals[3];
	size_t n = 0;
	bool c = cat != NULL && strcmp(cat, old_cat) != 0,
	     s = sev != NULL && strcmp(sev, old_sev) != 0;
	bool sh = shared != NULL && strcmp(shared, old_shared) != 0, fo = form_edited(f, "found");
	int rc = 0;

	for (size_t i = 0; i < 3; i++) {
		vals[i] = form_edited(f, texts[i]) ? form_text(f, texts[i]) : NULL;
		n += vals[i] != NULL;
	}
	if (fo && (found[0] == '\0' || local_to_utc(found, utc, sizeof utc) != 0))
		rc = form_fail(f, "found", "%s", _("When found: YYYY-MM-DD HH:MM."));
	else if (n + c + s + sh + fo == 0)
		rc = form_fail(f, NULL, "%s", _("Nothing was changed."));
	if (rc == 0) {
		pack_head(f, pk, n + c + s + sh + fo);
		if (c)
			mp_packf(pk, "s i", "category", (int64_t)strtoll(cat, NULL, 10));
		if (s)
			mp_packf(pk, "s s", "severity", sev);
		if (sh)
			mp_packf(pk, "s b", "shared", strcmp(shared, "yes") == 0);
		if (fo)
			mp_packf(pk, "s s", "found_at", utc);
		for (size_t i = 0; i < 3; i++)
			if (vals[i] != NULL)
				mp_packf(pk, "s s", texts[i], vals[i]);
	}
	for (size_t i = 0; i < 3; i++)
		free(vals[i]);
	free(old_cat), free(old_sev), free(old_shared), free(found);
	return rc;
}

static const struct form_def edit_form = {
	.title = N_("Edit incident"),
	.heading = N_("Incident #%s: the report"),
	.submit = N_("save"),
	.op = "incident.update",
	.items = edit_items,
	.nitems = sizeof edit_items / sizeof edit_items[0],
	.source_op = "incident.categories",
	.fill = categories_fill,
	.setup = edit_setup,
	.pack = edit_pack,
	.done = inc_done,
};

/* ============================== the investigation ============================== */

static const struct form_item_def findings_items[] = {
	{ .key = "facts", .label = N_("Facts"), .kind = FORM_MULTI, .maxlen = 8000 },
	{ .key = "cause", .label = N_("Cause"), .kind = FORM_MULTI, .maxlen = 8000 },
	{ .key = "impact",
	  .label = N_("Scope of impact"),
	  .hint = N_("affected cases: l links a case and marks it affected"),
	  .kind = FORM_MULTI,
	  .maxlen = 8000 },
	{ .key = "prevention",
	  .label = N_("Recurrence prevention"),
	  .kind = FORM_MULTI,
	  .maxlen = 8000 },
};

static void
findings_setup(struct form *f)
{
	for (size_t i = 0; i < sizeof findings_items / sizeof findings_items[0]; i++) {
		char *v = enc_get(form_ctx(f)->text, findings_items[i].key);
		form_set_text(f, findings_items[i].key, v);
		free(v);
	}
}

static int
findings_pack(struct form *f, msgpack_packer *pk)
{
	size_t n = 0, k = sizeof findings_items / sizeof findings_items[0];

	for (size_t i = 0; i < k; i++)
		n += form_edited(f, findings_items[i].key);
	if (n == 0)
		return form_fail(f, NULL, "%s", _("Nothing was changed."));
	pack_head(f, pk, n);
	for (size_t i = 0; i < k; i++) {
		if (!form_edited(f, findings_items[i].key))
			continue;
		char *v = form_text(f, findings_items[i].key);
		mp_packf(pk, "s s", findings_items[i].key, v); /* "" clears it */
		free(v);
	}
	return 0;
}

static const struct form_def findings_form = {
	.title = N_("Investigation"),
	.heading = N_("Incident #%s: the investigation"),
	.submit = N_("save"),
	.op = "incident.update",
	.items = findings_items,
	.nitems = sizeof findings_items / sizeof findings_items[0],
	.setup = findings_setup,
	.pack = findings_pack,
	.done = inc_done,
};

/* ============================== links ============================== */

static const struct form_choice_def link_kinds[] = {
	{ "case", N_("case (receipt number)") },
	{ "device", N_("device") },
	{ "asset", N_("asset") },
	{ NULL, NULL },
};

static const struct form_choice_def link_whats[] = {
	{ "link", N_("link it") },
	{ "affected", N_("link it, affected (scope of impact)") },
	{ "unaffected", N_("not affected after all") },
	{ "remove", N_("remove the link") },
	{ NULL, NULL },
};

static const struct form_item_def link_items[] = {
	{ .key = "kind", .label = N_("Kind"), .kind = FORM_CHOICE, .choices = link_kinds },
	{ .key = "ref",
	  .label = N_("Which"),
	  .hint = N_("a receipt number, a device's or an asset's name"),
	  .kind = FORM_TEXT,
	  .required = true,
	  .maxlen = 100 },
	{ .key = "what", .label = N_("Do"), .kind = FORM_CHOICE, .choices = link_whats },
};

static int
link_pack(struct form *f, msgpack_packer *pk)
{
	const char *kind = form_choice(f, "kind"), *what = form_choice(f, "what");
	char *ref = form_text(f, "ref");
	int rc = 0;

	if (ref[0] == '\0')
		rc = form_fail(f, "ref", "%s", _("Which case, device or asset?"));
	else if (strcmp(kind, "case") != 0 && strcmp(what, "affected") == 0)
		rc = form_fail(f, "what", "%s", _("Only a case is marked affected."));
	if (rc == 0) {
		pack_head(f, pk, 4);
		mp_packf(pk, "s s s s s b s b", "kind", kind, "ref", ref, "affected",
		         strcmp(what, "affected") == 0, "remove", strcmp(what, "remove") == 0);
	}
	free(ref);
	return rc;
}

static const struct form_def link_form = {
	.title = N_("Incident links"),
	.heading = N_("Incident #%s: cases, devices, assets"),
	.submit = N_("save"),
	.op = "incident.link",
	.items = link_items,
	.nitems = sizeof link_items / sizeof link_items[0],
	.pack = link_pack,
	.done = inc_done,
};

/* ============================== countermeasures ============================== */

static const struct form_item_def cm_add_items[] = {
	{ .key = "title",
	  .label = N_("Countermeasure"),
	  .kind = FORM_TEXT,
	  .required = true,
	  .maxlen = 500 },
	{ .key = "owner",
	  .label = N_("Owner"),
	  .hint = N_("the login of the person who carries it out"),
	  .kind = FORM_TEXT,
	  .required = true,
	  .maxlen = 32 },
	{ .key = "due",
	  .label = N_("Due"),
	  .hint = N_("YYYY-MM-DD"),
	  .kind = FORM_TEXT,
	  .required = true,
	  .maxlen = 10 },
};

static void
cm_add_setup(struct form *f)
{
	time_t t = time(NULL) + 14 * 86400;
	struct tm tm;
	char due[16];

	localtime_r(&t, &tm);
	strftime(due, sizeof due, "%Y-%m-%d", &tm);
	form_set_text(f, "due", due);
}

static int
cm_add_pack(struct form *f, msgpack_packer *pk)
{
	char *title = form_text(f, "title"), *owner = form_text(f, "owner"),
	     *due = form_text(f, "due");
	int rc = 0;

	if (title[0] == '\0')
		rc = form_fail(f, "title", "%s", _("What is to be done?"));
	else if (owner[0] == '\0')
		rc = form_fail(f, "owner", "%s", _("Who does it? (a login)"));
	if (rc == 0) {
		pack_head(f, pk, 3);
		mp_packf(pk, "s s s s s s", "title", title, "owner", owner, "due", due);
	}
	free(title), free(owner), free(due);
	return rc;
}

static void
cm_done(struct form *f, const msgpack_object *data, char *msg, size_t msglen)
{
	snprintf(msg, msglen, _("Incident #%s: countermeasure %lld saved."), form_ctx(f)->receipt,
	         (long long)rec_int(data, "cm", 0));
}

static const struct form_def cm_add_form = {
	.title = N_("Add countermeasure"),
	.heading = N_("Incident #%s: a new countermeasure"),
	.submit = N_("add"),
	.op = "incident.cm_add",
	.items = cm_add_items,
	.nitems = sizeof cm_add_items / sizeof cm_add_items[0],
	.setup = cm_add_setup,
	.pack = cm_add_pack,
	.done = cm_done,
};

static const struct form_item_def cm_set_items[] = {
	{ .key = "cm", .label = N_("Countermeasure"), .kind = FORM_CHOICE, .required = true },
	{ .key = "state",
	  .label = N_("State"),
	  .kind = FORM_CHOICE,
	  .choices = incident_cm_states },
	{ .key = "owner",
	  .label = N_("New owner"),
	  .hint = N_("a login; empty: as it is"),
	  .kind = FORM_TEXT,
	  .maxlen = 32 },
	{ .key = "due",
	  .label = N_("New due date"),
	  .hint = N_("YYYY-MM-DD; empty: as it is"),
	  .kind = FORM_TEXT,
	  .maxlen = 10 },
};

/* ctx.text holds the countermeasures, "N\tstate\ttitle" a line. */
static void
cm_set_setup(struct form *f)
{
	for (const char *p = form_ctx(f)->text; p != NULL && *p != '\0';) {
		size_t len = strcspn(p, "\n");
		char *line = xstrndup(p, len), *t1 = strchr(line, '\t'), *t2;

		if (t1 != NULL && (t2 = strchr(t1 + 1, '\t')) != NULL) {
			*t1 = *t2 = '\0';
			char *label =
			    xasprintf("%s [%s] %s", line, incident_cm_state_label(t1 + 1), t2 + 1);
			form_add_choice(f, "cm", line, label);
			free(label);
		}
		free(line);
		p += len + (p[len] != '\0');
	}
}

static int
cm_set_pack(struct form *f, msgpack_packer *pk)
{
	const char *cm = form_choice(f, "cm"), *state = form_choice(f, "state");
	char *owner = form_text(f, "owner"), *due = form_text(f, "due");
	bool st = state != NULL && state[0] != '\0';
	size_t n = st + (owner[0] != '\0') + (due[0] != '\0');
	int rc = 0;

	if (cm == NULL)
		rc = form_fail(f, "cm", "%s", _("There is no countermeasure yet."));
	else if (n == 0)
		rc = form_fail(f, "state", "%s", _("Nothing was changed."));
	if (rc == 0) {
		pack_head(f, pk, n + 1);
		mp_packf(pk, "s i", "cm", (int64_t)strtoll(cm, NULL, 10));
		if (st)
			mp_packf(pk, "s s", "state", state);
		if (owner[0] != '\0')
			mp_packf(pk, "s s", "owner", owner);
		if (due[0] != '\0')
			mp_packf(pk, "s s", "due", due);
	}
	free(owner), free(due);
	return rc;
}

static const struct form_def cm_set_form = {
	.title = N_("Countermeasure"),
	.heading = N_("Incident #%s: a countermeasure"),
	.submit = N_("save"),
	.op = "incident.cm_update",
	.items = cm_set_items,
	.nitems = sizeof cm_set_items / sizeof cm_set_items[0],
	.setup = cm_set_setup,
	.pack = cm_set_pack,
	.done = cm_done,
};

/* ============================== review and close ============================== */

static const struct form_item_def review_items[] = {
	{ .key = "result",
	  .label = N_("Result"),
	  .hint = N_("what was checked and found: the record of the review"),
	  .kind = FORM_MULTI,
	  .required = true,
	  .maxlen = 4000,
	  .rows = 10 },
};

static int
review_pack(struct form *f, msgpack_packer *pk)
{
	char *result = form_text(f, "result");

	if (result[0] == '\0') {
		free(result);
		return form_fail(f, "result", "%s", _("Write what the review found."));
	}
	pack_head(f, pk, 1);
	mp_packf(pk, "s s", "result", result);
	free(result);
	return 0;
}

static const struct form_def review_form = {
	.title = N_("Review"),
	.heading = N_("Incident #%s: review"),
	.submit = N_("record the review"),
	.op = "incident.review",
	.items = review_items,
	.nitems = 1,
	.pack = review_pack,
	.done = inc_done,
};

static const struct form_choice_def close_choices[] = {
	{ "close", N_("close the incident: it does not change any more") },
	{ NULL, NULL },
};

static const struct form_item_def close_items[] = {
	{ .key = "confirm", .label = N_("Close"), .kind = FORM_CHOICE, .choices = close_choices },
};

static int
close_pack(struct form *f, msgpack_packer *pk)
{
	pack_head(f, pk, 0);
	return 0;
}

static const struct form_def close_form = {
	.title = N_("Close incident"),
	.heading = N_("Incident #%s: close"),
	.submit = N_("close it"),
	.op = "incident.close",
	.items = close_items,
	.nitems = 1,
	.pack = close_pack,
	.done = status_done,
};

/* ============================== opening ============================== */

/* The statuses inc may go to now, one a line, returned owned ("" when none). */
static char *
status_choices(const msgpack_object *inc)
{
	static const char *const order[] = { "triaged", "investigating", "countermeasures",
		                             "resolved", "rejected" };
	char *out = xstrdup("");

	for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
		if (incident_can(inc, order[i])) {
			char *more = xasprintf("%s%s\n", out, order[i]);
			free(out);
			out = more;
		}
	}
	return out;
}

int
incident_form_open(struct app *app, enum incident_form which, const msgpack_object *inc)
{
	char *text = NULL, *s, *info = NULL;
	uint32_t n;
	const msgpack_object *a;
	int rc = -1;

	switch (which) {
	case INCIDENT_FORM_STATUS:
		text = status_choices(inc);
		if (text[0] == '\0') {
			app_message(
			    app, MSG_ERROR, "%s",
			    incident_can(inc, "edit")
			        ? _("No change of status now: resolving waits for every "
			            "countermeasure to be done; a review and the close are V and C.")
			        : _("You may not change this incident's status (managers do)."));
			break;
		}
		rc = inc_open(app, &status_form, inc, text, NULL);
		break;
	case INCIDENT_FORM_EDIT:
	case INCIDENT_FORM_FINDINGS:
	case INCIDENT_FORM_LINK:
		if (!incident_can(inc, "edit")) {
			app_message(app, MSG_ERROR, "%s",
			            _("You may not change this incident (managers do, until it is "
			              "closed)."));
			break;
		}
		{
			static const char *const keys[] = {
				"category", "severity", "title",  "description", "location",
				"facts",    "cause",    "impact", "prevention"
			};
			char when[32];
			for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
				s = rec_text(inc, keys[i]);
				enc_put(&text, keys[i], s);
				free(s);
			}
			enc_put(&text, "found", rec_time(inc, "found_at", when, sizeof when));
			enc_put(&text, "shared", rec_bool(inc, "shared") ? "yes" : "no");
		}
		rc = inc_open(app,
		              which == INCIDENT_FORM_EDIT       ? &edit_form
		              : which == INCIDENT_FORM_FINDINGS ? &findings_form
		                                                : &link_form,
		              inc, text, NULL);
		break;
	case INCIDENT_FORM_CM_ADD:
		if (!incident_can(inc, "cm_add")) {
			app_message(app, MSG_ERROR, "%s",
			            _("Countermeasures are added by managers while the incident is "
			              "investigated or treated."));
			break;
		}
		rc = inc_open(app, &cm_add_form, inc, NULL, NULL);
		break;
	case INCIDENT_FORM_CM_SET:
		if (!incident_can(inc, "cm_update")) {
			app_message(app, MSG_ERROR, "%s",
			            _("No countermeasure to change now (managers change them until "
			              "they are verified)."));
			break;
		}
		text = xstrdup("");
		a = rec_array(inc, "countermeasures", &n);
		for (uint32_t i = 0; a != NULL && i < n; i++) {
			char *cm = rec_text(&a[i], "cm"), *st = rec_text(&a[i], "state");
			char *title = rec_text(&a[i], "title");
			s = xasprintf("%s%s\t%s\t%s\n", text, cm, st, title);
			free(text);
			text = s;
			free(cm), free(st), free(title);
		}
		rc = inc_open(app, &cm_set_form, inc, text, NULL);
		break;
	case INCIDENT_FORM_REVIEW:
		if (!incident_can(inc, "review")) {
			app_message(
			    app, MSG_ERROR, "%s",
			    _("No review now: a resolved incident, not reviewed yet, is reviewed "
			      "by a manager who did not report it, from the tech centre or "
			      "management network."));
			break;
		}
		rc = inc_open(app, &review_form, inc, NULL, NULL);
		break;
	case INCIDENT_FORM_CLOSE:
		if (!incident_can(inc, "close")) {
			app_message(
			    app, MSG_ERROR, "%s",
			    _("Not closed yet: a manager closes a resolved incident once it is "
			      "reviewed and every countermeasure is verified."));
			break;
		}
		s = rec_text(inc, "reviewed_by");
		{
			char *result = rec_text(inc, "review_result");
			info = xasprintf(_("Reviewed by %s: %s"), s, result);
			free(result);
		}
		free(s);
		rc = inc_open(app, &close_form, inc, NULL, info);
		break;
	}
	free(text);
	free(info);
	return rc;
}
