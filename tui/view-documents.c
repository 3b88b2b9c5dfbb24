/* A case's documents (investigation report, estimate, data list): every version with its
 * SHA-256, who issued and who approved it; a version's content; issuing a new version (typed,
 * or read from a file) and approving one (by a person other than its issuer). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "err.h"
#include "form.h"
#include "i18n.h"
#include "mp.h"
#include "pager.h"
#include "print.h"
#include "record.h"
#include "text.h"
#include "utf8.h"
#include "view.h"
#include "xmalloc.h"

#define DOC_KINDS       3
#define DOC_CONTENT_MAX 200000 /* characters, as the server keeps them */
#define DOC_FILE_MAX    (4u << 20)

static const struct {
	const char *kind, *label, *label_ja;
} doc_kinds[DOC_KINDS] = {
	{ "report", N_("Investigation report"), "調査報告書" },
	{ "estimate", N_("Estimate"), "見積書" },
	{ "data_list", N_("Data list"), "データリスト" },
};

static const char *
doc_kind_label(const char *kind)
{
	for (int i = 0; i < DOC_KINDS; i++)
		if (strcmp(doc_kinds[i].kind, kind) == 0)
			return _(doc_kinds[i].label);
	return kind;
}

struct doc_row {
	char *kind, *sha256, *issued_by, *issued_at, *approved_by, *approved_at; /* owned */
	int64_t version;
};

struct docs_view {
	char *receipt; /* owned */
	struct doc_row *rows;
	size_t nrows, sel;
	int top, height;
	bool loaded, confirming;
	char error[512];
	struct view_hint hints[10];
};

/* ---- issuing a version ---- */

static const struct form_choice_def issue_kinds[] = {
	{ "report", N_("investigation report") },
	{ "estimate", N_("estimate") },
	{ "data_list", N_("data list") },
	{ NULL, NULL },
};

static const struct form_item_def issue_items[] = {
	{ .key = "kind",
	  .label = N_("Document"),
	  .kind = FORM_CHOICE,
	  .required = true,
	  .choices = issue_kinds },
	{ .key = "file",
	  .label = N_("From a file"),
	  .hint = N_("a text file to issue as it is; or leave empty and type below"),
	  .kind = FORM_TEXT,
	  .maxlen = 400 },
	{ .key = "content",
	  .label = N_("Content"),
	  .hint = N_("Enter: new line.  F2: issue this version"),
	  .kind = FORM_MULTI,
	  .maxlen = DOC_CONTENT_MAX },
};

static void
issue_setup(struct form *f)
{
	const struct form_ctx *c = form_ctx(f);

	if (c->kind != NULL)
		form_select(f, "kind", c->kind);
	if (c->text != NULL)
		form_set_text(f, "content", c->text);
}

/* Reads a text file for a document. Returns the content owned, or NULL with why. */
static char *
issue_read_file(const char *path, char *why, size_t whylen)
{
	const char *home = getenv("HOME");
	char *full = strncmp(path, "~/", 2) == 0 && home != NULL
	                 ? xasprintf("%s/%s", home, path + 2)
	                 : xstrdup(path);
	FILE *fp = fopen(full, "r");
	char *buf = NULL;
	size_t len = 0, cap = 0;

	free(full);
	if (fp == NULL) {
		snprintf(why, whylen, "%s", strerror(errno));
		return NULL;
	}
	for (;;) {
		size_t n;

		if (len + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 8192;
			buf = xrealloc(buf, cap);
		}
		n = fread(buf + len, 1, cap - len - 1, fp);
		len += n;
		if (n == 0 || len > DOC_FILE_MAX)
			break;
	}
	fclose(fp);
	if (len > DOC_FILE_MAX) {
		snprintf(why, whylen, "%s", _("larger than a document may be"));
		free(buf);
		return NULL;
	}
	buf[len] = '\0';
	if (!utf8_valid_text(buf, len, 1)) {
		snprintf(why, whylen, "%s",
		         _("not UTF-8 text (or it holds control characters other than line breaks "
		           "and tabs)"));
		free(buf);
		return NULL;
	}
	return buf;
}

static int
issue_pack(struct form *f, msgpack_packer *pk)
{
	const struct form_ctx *c = form_ctx(f);
	char *path = form_text(f, "file"), *content, why[256];
	int rc = 0;

	if (path[0] != '\0') {
		content = issue_read_file(path, why, sizeof why);
		if (content == NULL) {
			rc = form_fail(f, "file", _("Cannot read %s: %s"), path, why);
			free(path);
			return rc;
		}
	} else {
		content = form_text(f, "content");
	}
	free(path);
	if (content[0] == '\0')
		rc = form_fail(f, "content", "%s",
		               _("Type the content, or name a file to read it from."));
	else
		mp_packf(pk, "{s s s s s s}", "receipt", c->receipt, "kind", form_choice(f, "kind"),
		         "content", content);
	free(content);
	return rc;
}

static void
issue_done(struct form *f, const msgpack_object *data, char *msg, size_t msglen)
{
	char *sha = rec_text(data, "sha256");

	snprintf(msg, msglen,
	         _("Issued %s version %lld (SHA-256 %.12s…): it needs approval by "
	           "another person."),
	         doc_kind_label(form_choice(f, "kind")), (long long)rec_int(data, "version", 0),
	         sha);
	free(sha);
}

static const struct form_def issue_form = {
	.title = N_("New document version"),
	.heading = N_("Issue a document for case %s"),
	.submit = N_("issue this version"),
	.op = "document.issue",
	.items = issue_items,
	.nitems = sizeof issue_items / sizeof issue_items[0],
	.setup = issue_setup,
	.pack = issue_pack,
	.done = issue_done,
};

/* Opens the issue form. kind, text: borrowed (NULL: none). */
static void
docs_issue(struct view *v, const char *receipt, const char *kind, const char *text)
{
	struct form_open o = { .def = &issue_form };

	if (!app_has_right(v->app, "document.issue")) {
		app_message(v->app, MSG_ERROR, "%s",
		            _("Your role may not issue documents on this network: a technician, "
		              "tech centre, does."));
		return;
	}
	o.ctx = (struct form_ctx){
		.receipt = receipt,
		.kind = kind,
		.text = text,
		.info = _("A new version is issued; approved versions never change. It needs "
		          "approval by another person before the report stage can be stamped."),
	};
	app_push(v->app, &view_form_ops, &o);
}

/* ---- approving ---- */

/* document.approve answered (a conn_reply_fn; arg is the view). */
static void
docs_approve_reply(void *arg, const struct proto_reply *rep)
{
	struct view *v = arg;

	v->app->redraw = true;
	if (rep->ok) {
		app_message(v->app, MSG_INFO, "%s", _("Approved."));
		v->ops->load(v, NULL);
		return;
	}
	if (rep->err == ERR_FORBIDDEN)
		app_message(v->app, MSG_ERROR,
		            _("Not approved: you may not approve this (not your right here, or you "
		              "issued it: another person must approve). (%s)"),
		            rec_msg(rep->err_msg));
	else
		app_message(v->app, MSG_ERROR, _("Not approved: %s"), rec_msg(rep->err_msg));
}

static void
docs_approve_send(struct view *v, const char *receipt, const char *kind, int64_t version)
{
	conn_call(v->app->conn, v, docs_approve_reply, v, "document.approve", "{s s s s s i}",
	          "receipt", receipt, "kind", kind, "version", version);
	app_message(v->app, MSG_INFO, "%s", _("Approving…"));
}

/* ---- the list ---- */

static void
docs_rows_free(struct docs_view *dv)
{
	for (size_t i = 0; i < dv->nrows; i++) {
		struct doc_row *r = &dv->rows[i];

		free(r->kind);
		free(r->sha256);
		free(r->issued_by);
		free(r->issued_at);
		free(r->approved_by);
		free(r->approved_at);
	}
	free(dv->rows);
	dv->rows = NULL;
	dv->nrows = 0;
}

static void
docs_hints(struct view *v)
{
	struct docs_view *dv = v->priv;
	int n = 0;

	if (dv->nrows > 0)
		dv->hints[n++] = (struct view_hint){ ACT_SHOW, N_("content") };
	if (app_has_right(v->app, "document.issue"))
		dv->hints[n++] = (struct view_hint){ ACT_ADD, N_("new version") };
	if (dv->nrows > 0 && app_has_right(v->app, "document.approve"))
		dv->hints[n++] = (struct view_hint){ ACT_APPROVE, NULL };
	dv->hints[n++] = (struct view_hint){ ACT_REFRESH, NULL };
	dv->hints[n++] = (struct view_hint){ ACT_BACK, NULL };
	dv->hints[n] = (struct view_hint){ ACT_NONE, NULL };
	v->hints = dv->hints;
}

static int
doc_kind_index(const char *kind)
{
	for (int i = 0; i < DOC_KINDS; i++)
		if (strcmp(doc_kinds[i].kind, kind) == 0)
			return i;
	return DOC_KINDS;
}

/* Report, estimate, data list; the newest version of each first. */
static int
docs_row_cmp(const void *a, const void *b)
{
	const struct doc_row *x = a, *y = b;
	int kx = doc_kind_index(x->kind), ky = doc_kind_index(y->kind);

	if (kx != ky)
		return kx < ky ? -1 : 1;
	return x->version > y->version ? -1 : (x->version < y->version ? 1 : 0);
}

/* document.list answered (a conn_reply_fn; arg is the view). */
static void
docs_reply(void *arg, const struct proto_reply *rep)
{
	struct view *v = arg;
	struct docs_view *dv = v->priv;
	const msgpack_object *rows;
	uint32_t n;

	v->app->redraw = true;
	if (!rep->ok) {
		snprintf(dv->error, sizeof dv->error, _("Could not load the documents: %s"),
		         rec_msg(rep->err_msg));
		return;
	}
	dv->error[0] = '\0';
	docs_rows_free(dv);
	rows = rec_array(rep->data, "rows", &n);
	dv->rows = xcalloc(n + 1, sizeof *dv->rows);
	for (uint32_t i = 0; i < n; i++) {
		struct doc_row *r = &dv->rows[dv->nrows++];

		r->kind = rec_text(&rows[i], "kind");
		r->version = rec_int(&rows[i], "version", 0);
		r->sha256 = rec_text(&rows[i], "sha256");
		r->issued_by = rec_text(&rows[i], "issued_by");
		r->issued_at = rec_str(&rows[i], "issued_at");
		r->approved_by = rec_str(&rows[i], "approved_by");
		r->approved_at = rec_str(&rows[i], "approved_at");
	}
	qsort(dv->rows, dv->nrows, sizeof *dv->rows, docs_row_cmp);
	if (dv->sel >= dv->nrows)
		dv->sel = dv->nrows > 0 ? dv->nrows - 1 : 0;
	dv->loaded = true;
	docs_hints(v);
}

static void
docs_load(struct view *v, const char *focus)
{
	struct docs_view *dv = v->priv;

	(void)focus;
	conn_cancel(v->app->conn, v);
	conn_call(v->app->conn, v, docs_reply, v, "document.list", "{s s}", "receipt", dv->receipt);
}

static void
docs_event(struct view *v, const char *topic, const char *id)
{
	struct docs_view *dv = v->priv;

	if (strcmp(topic, "resync") == 0 ||
	    (strcmp(topic, "case") == 0 && strcmp(id, dv->receipt) == 0))
		docs_load(v, NULL);
}

static int
docs_open(struct view *v, const void *arg)
{
	struct docs_view *dv = xcalloc(1, sizeof *dv);

	dv->receipt = xstrdup(arg);
	v->priv = dv;
	v->keymask = KM_ALWAYS | KM_GLOBAL | KM_MOVE | KM_SHEET;
	docs_hints(v);
	return 0;
}

static void
docs_close(struct view *v)
{
	struct docs_view *dv = v->priv;

	docs_rows_free(dv);
	free(dv->receipt);
	free(dv);
}

/* The latest version of kind, or NULL. */
static const struct doc_row *
docs_latest(const struct docs_view *dv, const char *kind)
{
	const struct doc_row *best = NULL;

	for (size_t i = 0; i < dv->nrows; i++)
		if (strcmp(dv->rows[i].kind, kind) == 0 &&
		    (best == NULL || dv->rows[i].version > best->version))
			best = &dv->rows[i];
	return best;
}

static unsigned
docs_key(struct view *v, enum action act, uint32_t key)
{
	struct docs_view *dv = v->priv;
	const struct doc_row *r = dv->sel < dv->nrows ? &dv->rows[dv->sel] : NULL;
	char what[256];

	if (dv->confirming) {
		dv->confirming = false;
		if ((key == 'y' || key == 'Y') && r != NULL)
			docs_approve_send(v, dv->receipt, r->kind, r->version);
		else
			app_message(v->app, MSG_INFO, "%s", _("Not approved."));
		return VIEW_HANDLED;
	}
	switch (act) {
	case ACT_UP:
		if (dv->sel > 0)
			dv->sel--;
		return VIEW_HANDLED;
	case ACT_DOWN:
		if (dv->sel + 1 < dv->nrows)
			dv->sel++;
		return VIEW_HANDLED;
	case ACT_TOP:
	case ACT_PAGE_UP:
		dv->sel = 0;
		return VIEW_HANDLED;
	case ACT_BOTTOM:
	case ACT_PAGE_DOWN:
		dv->sel = dv->nrows > 0 ? dv->nrows - 1 : 0;
		return VIEW_HANDLED;
	case ACT_SHOW:
		if (r != NULL) {
			snprintf(what, sizeof what, "%s\n%s\n%lld", dv->receipt, r->kind,
			         (long long)r->version);
			app_push(v->app, &view_document_ops, what);
		}
		return VIEW_HANDLED;
	case ACT_ADD: {
		/* The first document not issued yet, else the one selected. */
		const char *kind = r != NULL ? r->kind : NULL;

		for (int k = DOC_KINDS - 1; k >= 0; k--)
			if (docs_latest(dv, doc_kinds[k].kind) == NULL)
				kind = doc_kinds[k].kind;
		docs_issue(v, dv->receipt, kind, NULL);
		return VIEW_HANDLED;
	}
	case ACT_APPROVE:
		if (r == NULL)
			return VIEW_HANDLED;
		if (!app_has_right(v->app, "document.approve")) {
			app_message(v->app, MSG_ERROR, "%s",
			            _("Your role may not approve documents on this network."));
			return VIEW_HANDLED;
		}
		if (r->approved_by != NULL) {
			app_message(v->app, MSG_INFO,
			            _("%s version %lld is approved already (by %s)."),
			            doc_kind_label(r->kind), (long long)r->version, r->approved_by);
			return VIEW_HANDLED;
		}
		dv->confirming = true;
		app_message(v->app, MSG_ERROR,
		            _("Approve %s version %lld (SHA-256 %.16s…) issued by %s? y: approve, "
		              "any other key: no"),
		            doc_kind_label(r->kind), (long long)r->version, r->sha256,
		            r->issued_by);
		return VIEW_HANDLED;
	case ACT_REFRESH:
		docs_load(v, NULL);
		return VIEW_HANDLED;
	case ACT_BACK:
		return VIEW_CLOSE;
	default:
		return VIEW_IGNORED;
	}
}

static void
docs_draw(struct view *v, const struct draw_rect *r)
{
	struct docs_view *dv = v->priv;
	int x = r->x + 1, y = r->y, w = r->w - 2, shaw;
	char line[512], when[TEXT_TIME_MAX], when2[TEXT_TIME_MAX];

	snprintf(line, sizeof line, _("Documents of case %s"), dv->receipt);
	draw_text(y, x, w, ROLE_BIG, line, false);
	y += 2;
	/* What the report stage needs: the latest of each kind, approved. */
	for (int k = 0; k < DOC_KINDS; k++) {
		const struct doc_row *d = dv->loaded ? docs_latest(dv, doc_kinds[k].kind) : NULL;
		int cx = x;

		cx += draw_text(y, cx, 24, ROLE_LABEL, _(doc_kinds[k].label), true);
		cx += draw_text(y, cx, 14, ROLE_LABEL, doc_kinds[k].label_ja, true);
		if (!dv->loaded)
			snprintf(line, sizeof line, "%s", "");
		else if (d == NULL)
			snprintf(line, sizeof line, "%s", _("not issued"));
		else if (d->approved_by != NULL)
			snprintf(line, sizeof line, _("version %lld approved by %s"),
			         (long long)d->version, d->approved_by);
		else
			snprintf(line, sizeof line, _("version %lld awaiting approval"),
			         (long long)d->version);
		draw_text(y++, cx, x + w - cx,
		          d != NULL && d->approved_by != NULL ? ROLE_INFO : ROLE_REQUIRED, line,
		          false);
	}
	y++;
	if (dv->error[0] != '\0') {
		draw_text(y, x, w, ROLE_ERROR, dv->error, false);
		return;
	}
	if (!dv->loaded) {
		draw_text(y, x, w, ROLE_HINT, _("Loading…"), false);
		return;
	}
	if (dv->nrows == 0) {
		draw_text(y, x, w, ROLE_HINT, _("No documents issued yet."), false);
		return;
	}
	/* kind 22, version 4, issued 16+2+12, approved 16+2+12, sha the rest */
	shaw = w - 22 - 5 - 32 - 32 - 8;
	if (shaw > 64)
		shaw = 64;
	{
		int cx = x;
		draw_cell(y, cx, 22, ROLE_HEADER, _("Document"));
		draw_cell(y, cx += 24, 5, ROLE_HEADER, _("Ver"));
		draw_cell(y, cx += 7, 30, ROLE_HEADER, _("Issued"));
		draw_cell(y, cx += 32, 30, ROLE_HEADER, _("Approved"));
		if (shaw > 8)
			draw_cell(y, cx += 32, shaw, ROLE_HEADER, "SHA-256");
	}
	y++;
	dv->height = r->y + r->h - y - 2;
	if (dv->height < 1)
		dv->height = 1;
	if ((int)dv->sel < dv->top)
		dv->top = (int)dv->sel;
	if ((int)dv->sel >= dv->top + dv->height)
		dv->top = (int)dv->sel - dv->height + 1;
	for (int i = 0; i < dv->height && (size_t)(dv->top + i) < dv->nrows; i++) {
		const struct doc_row *d = &dv->rows[dv->top + i];
		bool sel = (size_t)(dv->top + i) == dv->sel;
		enum draw_role role = sel ? ROLE_CURSOR : ROLE_NORMAL;
		char ver[16], issued[128], approved[128];
		int cx = x;

		if (sel)
			draw_fill(y, r->x, r->w, ROLE_CURSOR);
		snprintf(ver, sizeof ver, "%lld", (long long)d->version);
		snprintf(issued, sizeof issued, "%s %s",
		         text_local_time(d->issued_at, when, sizeof when), d->issued_by);
		if (d->approved_by != NULL)
			snprintf(approved, sizeof approved, "%s %s",
			         text_local_time(d->approved_at, when2, sizeof when2),
			         d->approved_by);
		else
			snprintf(approved, sizeof approved, "%s", _("awaiting approval"));
		draw_cell(y, cx, 22, role, doc_kind_label(d->kind));
		draw_cell(y, cx += 24, 5, role, ver);
		draw_cell(y, cx += 7, 30, role, issued);
		draw_cell(y, cx += 32, 30, d->approved_by || sel ? role : ROLE_REQUIRED, approved);
		if (shaw > 8)
			draw_cell(y, cx += 32, shaw, role, d->sha256);
		y++;
	}
	if (dv->sel < dv->nrows) {
		y = r->y + r->h - 1;
		snprintf(line, sizeof line, "SHA-256 %s", dv->rows[dv->sel].sha256);
		draw_text(y, x, w, ROLE_LABEL, line, false);
	}
}

const struct view_ops view_documents_ops = {
	.name = "documents",
	.title = N_("Documents"),
	.hints = NULL,
	.open = docs_open,
	.load = docs_load,
	.draw = docs_draw,
	.key = docs_key,
	.close = docs_close,
	.event = docs_event,
};

/* ---- one version's content ---- */

struct doc_view {
	char *receipt, *kind; /* owned */
	int64_t version;
	char *content, *sha256, *issued_by, *approved_by; /* owned, once loaded */
	struct pager pager;
	bool loaded;
	char error[512];
	struct view_hint hints[8];
};

static void
doc_hints(struct view *v)
{
	struct doc_view *dc = v->priv;
	int n = 0;

	dc->hints[n++] = (struct view_hint){ ACT_DOWN, N_("scroll") };
	if (app_has_right(v->app, "document.issue"))
		dc->hints[n++] = (struct view_hint){ ACT_ADD, N_("new version from this") };
	if (dc->loaded && dc->approved_by == NULL && app_has_right(v->app, "document.approve"))
		dc->hints[n++] = (struct view_hint){ ACT_APPROVE, NULL };
	dc->hints[n++] = (struct view_hint){ ACT_PRINT, NULL };
	dc->hints[n++] = (struct view_hint){ ACT_BACK, NULL };
	dc->hints[n] = (struct view_hint){ ACT_NONE, NULL };
	v->hints = dc->hints;
}

static int
doc_open(struct view *v, const void *arg)
{
	struct doc_view *dc = xcalloc(1, sizeof *dc);
	const char *s = arg, *nl = strchr(s, '\n'), *nl2 = nl ? strchr(nl + 1, '\n') : NULL;

	if (nl == NULL || nl2 == NULL) {
		free(dc);
		return -1;
	}
	dc->receipt = xstrndup(s, (size_t)(nl - s));
	dc->kind = xstrndup(nl + 1, (size_t)(nl2 - nl - 1));
	dc->version = strtoll(nl2 + 1, NULL, 10);
	pager_init(&dc->pager, 16);
	v->priv = dc;
	v->keymask = KM_ALWAYS | KM_GLOBAL | KM_MOVE | KM_SHEET;
	doc_hints(v);
	return 0;
}

static void
doc_clear(struct doc_view *dc)
{
	free(dc->content);
	free(dc->sha256);
	free(dc->issued_by);
	free(dc->approved_by);
	dc->content = dc->sha256 = dc->issued_by = dc->approved_by = NULL;
}

static void
doc_close(struct view *v)
{
	struct doc_view *dc = v->priv;

	doc_clear(dc);
	pager_fini(&dc->pager);
	free(dc->receipt);
	free(dc->kind);
	free(dc);
}

/* document.get answered (a conn_reply_fn; arg is the view). */
static void
doc_reply(void *arg, const struct proto_reply *rep)
{
	struct view *v = arg;
	struct doc_view *dc = v->priv;
	struct pager *p = &dc->pager;
	char line[512], when[TEXT_TIME_MAX];
	char *at;

	v->app->redraw = true;
	if (!rep->ok) {
		snprintf(dc->error, sizeof dc->error, _("Could not load the document: %s"),
		         rec_msg(rep->err_msg));
		return;
	}
	doc_clear(dc);
	dc->content = rec_text(rep->data, "content");
	dc->sha256 = rec_text(rep->data, "sha256");
	dc->issued_by = rec_text(rep->data, "issued_by");
	dc->approved_by = rec_str(rep->data, "approved_by");
	pager_clear(p, true);
	snprintf(line, sizeof line, _("%s, version %lld, case %s"), doc_kind_label(dc->kind),
	         (long long)dc->version, dc->receipt);
	pager_add(p, 0, ROLE_NORMAL, NULL, ROLE_BIG, line);
	pager_blank(p);
	pager_add(p, 1, ROLE_LABEL, "SHA-256", ROLE_VALUE, dc->sha256);
	at = rec_str(rep->data, "issued_at");
	snprintf(line, sizeof line, "%s  %s", text_local_time(at, when, sizeof when),
	         dc->issued_by);
	free(at);
	pager_add(p, 1, ROLE_LABEL, _("Issued"), ROLE_VALUE, line);
	if (dc->approved_by != NULL) {
		at = rec_str(rep->data, "approved_at");
		snprintf(line, sizeof line, "%s  %s", text_local_time(at, when, sizeof when),
		         dc->approved_by);
		free(at);
		pager_add(p, 1, ROLE_LABEL, _("Approved"), ROLE_INFO, line);
	} else {
		pager_add(p, 1, ROLE_LABEL, _("Approved"), ROLE_REQUIRED, _("not yet"));
	}
	pager_blank(p);
	pager_add(p, 1, ROLE_NORMAL, NULL, ROLE_NORMAL, dc->content);
	dc->loaded = true;
	doc_hints(v);
}

static void
doc_load(struct view *v, const char *focus)
{
	struct doc_view *dc = v->priv;

	(void)focus;
	conn_cancel(v->app->conn, v);
	conn_call(v->app->conn, v, doc_reply, v, "document.get", "{s s s s s i}", "receipt",
	          dc->receipt, "kind", dc->kind, "version", dc->version);
}

static void
doc_event(struct view *v, const char *topic, const char *id)
{
	struct doc_view *dc = v->priv;

	if (strcmp(topic, "resync") == 0 ||
	    (strcmp(topic, "case") == 0 && strcmp(id, dc->receipt) == 0))
		doc_load(v, NULL);
}

static unsigned
doc_key(struct view *v, enum action act, uint32_t key)
{
	struct doc_view *dc = v->priv;
	char name[128], *text;

	(void)key;
	if (pager_key(&dc->pager, act))
		return VIEW_HANDLED;
	switch (act) {
	case ACT_ADD:
		if (dc->loaded)
			docs_issue(v, dc->receipt, dc->kind, dc->content);
		return VIEW_HANDLED;
	case ACT_APPROVE:
		if (!dc->loaded)
			return VIEW_HANDLED;
		if (!app_has_right(v->app, "document.approve")) {
			app_message(v->app, MSG_ERROR, "%s",
			            _("Your role may not approve documents on this network."));
			return VIEW_HANDLED;
		}
		docs_approve_send(v, dc->receipt, dc->kind, dc->version);
		return VIEW_HANDLED;
	case ACT_PRINT:
		if (!dc->loaded)
			return VIEW_HANDLED;
		{
			struct print_doc d;

			print_init(&d);
			print_line(&d, _("%s, version %lld, case %s"), doc_kind_label(dc->kind),
			           (long long)dc->version, dc->receipt);
			print_line(&d, "*%s*", dc->receipt);
			print_line(&d, "SHA-256 %s", dc->sha256);
			print_line(&d, _("Issued by %s; approved by %s"), dc->issued_by,
			           dc->approved_by ? dc->approved_by : _("(not approved)"));
			print_rule(&d, PRINT_WIDTH, '-');
			print_line(&d, "%s", dc->content);
			text = xstrdup(d.text);
			print_fini(&d);
		}
		snprintf(name, sizeof name, "%s-%s-v%lld.txt", dc->receipt, dc->kind,
		         (long long)dc->version);
		form_print_open(v->app, dc->receipt, text, name, false);
		free(text);
		return VIEW_HANDLED;
	case ACT_REFRESH:
		doc_load(v, NULL);
		return VIEW_HANDLED;
	case ACT_BACK:
		return VIEW_CLOSE;
	default:
		return VIEW_IGNORED;
	}
}

static void
doc_draw(struct view *v, const struct draw_rect *r)
{
	struct doc_view *dc = v->priv;
	struct draw_rect body = { .y = r->y, .x = r->x + 1, .h = r->h, .w = r->w - 2 };

	if (dc->error[0] != '\0') {
		draw_text(r->y + 1, r->x + 1, r->w - 2, ROLE_ERROR, dc->error, false);
		return;
	}
	if (!dc->loaded) {
		draw_text(r->y + 1, r->x + 1, r->w - 2, ROLE_HINT, _("Loading…"), false);
		return;
	}
	pager_draw(&dc->pager, &body);
}

/* arg: "RECEIPT\nKIND\nVERSION". */
const struct view_ops view_document_ops = {
	.name = "document",
	.title = N_("Document"),
	.hints = NULL,
	.open = doc_open,
	.load = doc_load,
	.draw = doc_draw,
	.key = doc_key,
	.close = doc_close,
	.event = doc_event,
};
