/* The risk register as clients see it: who may see and change it, scoring through the stored
 * matrix (changing the matrix changes the levels), reviews moving the next review by the
 * cadence, overdue reviews and expired acceptances in the manager's list, acceptance only by a
 * manager, the statement of applicability, CSV exports, and the database refusing what the
 * server refuses. "seed" instead runs nothing but creates the risks the tmux test shows. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "err.h"
#include "../integration/it.h"
#include "mp.h"
#include "../tap.h"

static struct it_env env;
static PGconn *db;
static struct kclient *mgr;  /* manager, call centre */
static struct kclient *aud;  /* auditor, call centre */
static struct kclient *op;   /* operator, call centre */
static struct kclient *tech; /* technician, tech centre */
static const struct it_account *mgr_acct, *aud_acct;
static char hex[9];

/* ---- helpers ---- */

static const char *
code(int rc, const struct proto_reply *rep)
{
	return it_code(it_outcome(rc, rep));
}

/* Days since 1970-01-01 of a YYYY-MM-DD date, or -1. */
static long
days_of(const char *date)
{
	struct tm tm;

	memset(&tm, 0, sizeof tm);
	if (date == NULL || strlen(date) != 10 ||
	    sscanf(date, "%4d-%2d-%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday) != 3)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return (long)(timegm(&tm) / 86400);
}

static int64_t
int_of(const msgpack_object *map, const char *key)
{
	int64_t v = -1;

	return it_int(map, key, &v) ? v : -1;
}

static bool
bool_of(const msgpack_object *map, const char *key)
{
	bool b = false;

	return it_bool(map, key, &b) && b;
}

/* Whether rows (an array of maps) holds one with id. */
static bool
rows_have_id(const msgpack_object *rows, int64_t id)
{
	for (uint32_t i = 0; rows != NULL && i < rows->via.array.size; i++)
		if (int_of(&rows->via.array.ptr[i], "id") == id)
			return true;
	return false;
}

/* risk.get: fills the given keys' strings (the caller's buffers of 64 bytes). */
static int
risk_field(int64_t id, const char *key, char out[64])
{
	struct proto_reply rep;
	int rc = kclient_call(mgr, &rep, "risk.get", "{s i}", "id", id);

	out[0] = '\0';
	if (it_outcome(rc, &rep) == 0) {
		const char *s = it_str(rep.data, key);
		int64_t v;
		bool b;
		if (s != NULL)
			snprintf(out, 64, "%s", s);
		else if (it_int(rep.data, key, &v))
			snprintf(out, 64, "%lld", (long long)v);
		else if (it_bool(rep.data, key, &b))
			snprintf(out, 64, "%s", b ? "true" : "false");
		else
			snprintf(out, 64, "nil");
	}
	if (rc == 0)
		proto_reply_fini(&rep);
	return it_outcome(rc, &rep);
}

static int64_t
make_asset(const char *name, const char *type)
{
	struct proto_reply rep;
	int64_t id = -1;
	int rc = kclient_call(mgr, &rep, "asset.create", "{s s s s s s s s s i s i s i s b}",
	                      "name", name, "type", type, "owner", mgr_acct->login, "location",
	                      "セキュリティルーム 棚A", "confidentiality", (int64_t)3, "integrity",
	                      (int64_t)2, "availability", (int64_t)1, "personal_data", 1);

	if (it_outcome(rc, &rep) == 0)
		id = int_of(rep.data, "id");
	else if (rc == 0)
		printf("# asset.create: %s %s\n", code(rc, &rep), rep.err_msg);
	if (rc == 0)
		proto_reply_fini(&rep);
	return id;
}

/* Creates a risk on asset with these scores; identified_on NULL: today. */
static int64_t
make_risk(int64_t asset, const char *threat, int l, int i, const char *identified_on)
{
	struct proto_reply rep;
	int64_t id = -1;
	int rc;

	if (identified_on != NULL)
		rc = kclient_call(mgr, &rep, "risk.create", "{s i s s s s s s s i s i s s}",
		                  "asset", asset, "threat", threat, "vulnerability", "施錠の不備",
		                  "owner", mgr_acct->login, "likelihood", (int64_t)l, "impact",
		                  (int64_t)i, "identified_on", identified_on);
	else
		rc = kclient_call(mgr, &rep, "risk.create", "{s i s s s s s s s i s i}", "asset",
		                  asset, "threat", threat, "vulnerability", "施錠の不備", "owner",
		                  mgr_acct->login, "likelihood", (int64_t)l, "impact", (int64_t)i);
	if (it_outcome(rc, &rep) == 0)
		id = int_of(rep.data, "id");
	else if (rc == 0)
		printf("# risk.create: %s %s\n", code(rc, &rep), rep.err_msg);
	if (rc == 0)
		proto_reply_fini(&rep);
	return id;
}

/* Runs op without arguments and returns its wire code. */
static const char *
call_code(struct kclient *c, const char *name)
{
	static char out[32];
	struct proto_reply rep;
	int rc = kclient_call(c, &rep, name, NULL);

	snprintf(out, sizeof out, "%s", code(rc, &rep));
	if (rc == 0)
		proto_reply_fini(&rep);
	return out;
}

/* Whether the str under key in map is want. */
static bool
str_is(const msgpack_object *map, const char *key, const char *want)
{
	const char *s = it_str(map, key);

	return s != NULL && strcmp(s, want) == 0;
}

/* Whether arr is an array holding the integer v. */
static bool
int_array_has(const msgpack_object *arr, int64_t v)
{
	int64_t x;

	for (uint32_t i = 0;
	     arr != NULL && arr->type == MSGPACK_OBJECT_ARRAY && i < arr->via.array.size; i++)
		if (mp_int(&arr->via.array.ptr[i], &x) == 0 && x == v)
			return true;
	return false;
}

/* ---- who sees the register ---- */

static void
test_rights(void)
{
	is_str(call_code(op, "risk.list"), "forbidden", "an operator may not list risks");
	is_str(call_code(op, "asset.list"), "forbidden", "an operator may not list assets");
	is_str(call_code(tech, "risk.matrix"), "forbidden", "a technician may not see the matrix");
	is_str(call_code(tech, "control.list"), "forbidden",
	       "a technician may not see the statement of applicability");
	is_str(call_code(aud, "risk.list"), "ok", "an auditor lists risks");
	is_str(call_code(aud, "risk.matrix"), "ok", "an auditor sees the matrix");
	is_str(call_code(aud, "risk.due"), "forbidden",
	       "the list of due reviews and expired acceptances is the managers'");
	is_str(call_code(mgr, "risk.due"), "ok", "a manager gets that list");

	struct proto_reply rep;
	int rc = kclient_call(aud, &rep, "asset.create", "{s s s s s s s i s i s i}", "name",
	                      "監査人の資産", "type", "media", "owner", aud_acct->login,
	                      "confidentiality", (int64_t)1, "integrity", (int64_t)1,
	                      "availability", (int64_t)1);
	is_str(code(rc, &rep), "forbidden", "an auditor may not record an asset");
	if (rc == 0)
		proto_reply_fini(&rep);
}

/* ---- the matrix ---- */

static void
test_matrix_shown(void)
{
	struct proto_reply rep;
	int rc = kclient_call(aud, &rep, "risk.matrix", NULL);
	const msgpack_object *cells, *levels;
	bool low11 = false, crit55 = false;
	int64_t crit_days = -1;

	is_str(code(rc, &rep), "ok", "risk.matrix answers");
	if (rc != 0)
		return;
	cells = it_array(rep.data, "cells");
	levels = it_array(rep.data, "levels");
	is_int(cells != NULL ? cells->via.array.size : 0, 25, "the matrix has 5 x 5 cells");
	is_int(levels != NULL ? levels->via.array.size : 0, 4, "and four levels");
	for (uint32_t i = 0; cells != NULL && i < cells->via.array.size; i++) {
		const msgpack_object *c = &cells->via.array.ptr[i];
		const char *lv = it_str(c, "level");
		if (int_of(c, "likelihood") == 1 && int_of(c, "impact") == 1)
			low11 = lv != NULL && strcmp(lv, "low") == 0;
		if (int_of(c, "likelihood") == 5 && int_of(c, "impact") == 5)
			crit55 = lv != NULL && strcmp(lv, "critical") == 0;
	}
	for (uint32_t i = 0; levels != NULL && i < levels->via.array.size; i++) {
		const char *n = it_str(&levels->via.array.ptr[i], "name");
		if (n != NULL && strcmp(n, "critical") == 0)
			crit_days = int_of(&levels->via.array.ptr[i], "review_days");
	}
	ok(low11 && crit55, "1 x 1 is low and 5 x 5 critical");
	is_int(crit_days, 30, "critical risks are reviewed every 30 days");
	proto_reply_fini(&rep);
}

/* The count in one cell of the heat map. */
static int64_t
cell_count(int l, int i, const char *which)
{
	struct proto_reply rep;
	int rc = kclient_call(mgr, &rep, "risk.matrix", NULL);
	const msgpack_object *cells;
	int64_t n = -1;

	if (it_outcome(rc, &rep) != 0) {
		if (rc == 0)
			proto_reply_fini(&rep);
		return -1;
	}
	cells = it_array(rep.data, "cells");
	for (uint32_t k = 0; cells != NULL && k < cells->via.array.size; k++) {
		const msgpack_object *c = &cells->via.array.ptr[k];
		if (int_of(c, "likelihood") == l && int_of(c, "impact") == i)
			n = int_of(c, which);
	}
	proto_reply_fini(&rep);
	return n;
}

static const char *
set_cell(struct kclient *c, int l, int i, const char *level)
{
	static char out[32];
	struct proto_reply rep;
	int rc = kclient_call(c, &rep, "risk.matrix_set", "{s i s i s s}", "likelihood", (int64_t)l,
	                      "impact", (int64_t)i, "level", level);

	snprintf(out, sizeof out, "%s", code(rc, &rep));
	if (rc == 0)
		proto_reply_fini(&rep);
	return out;
}

/* ---- assets and risks ---- */

static int64_t asset, r_low, r_old;

static void
test_assets(void)
{
	char name[128];
	struct proto_reply rep;
	int rc;

	snprintf(name, sizeof name, "顧客媒体の作業イメージ %s", hex);
	asset = make_asset(name, "information");
	ok(asset > 0, "a manager records an asset (id %lld)", (long long)asset);
	rc = kclient_call(aud, &rep, "asset.get", "{s i}", "id", asset);
	is_str(code(rc, &rep), "ok", "an auditor opens it");
	if (rc == 0) {
		is_str(it_str(rep.data, "name"), name, "its name reads back byte for byte");
		is_str(it_str(rep.data, "type"), "information", "its type");
		is_str(it_str(rep.data, "owner"), mgr_acct->login, "its owner");
		is_str(it_str(rep.data, "location"), "セキュリティルーム 棚A", "its location");
		ok(int_of(rep.data, "confidentiality") == 3 && int_of(rep.data, "integrity") == 2 &&
		       int_of(rep.data, "availability") == 1,
		   "its confidentiality, integrity and availability 3/2/1");
		ok(bool_of(rep.data, "personal_data") && bool_of(rep.data, "in_scope"),
		   "it holds personal data and is in scope");
		proto_reply_fini(&rep);
	}
	is_int(make_asset(name, "information"), -1, "a second asset of the same name is refused");
	rc = kclient_call(mgr, &rep, "asset.create", "{s s s s s s s i s i s i}", "name", "x",
	                  "type", "spaceship", "owner", mgr_acct->login, "confidentiality",
	                  (int64_t)1, "integrity", (int64_t)1, "availability", (int64_t)1);
	is_str(code(rc, &rep), "bad_request", "an unknown asset type is refused");
	if (rc == 0)
		proto_reply_fini(&rep);
	rc = kclient_call(mgr, &rep, "asset.create", "{s s s s s s s i s i s i}", "name", "y",
	                  "type", "media", "owner", mgr_acct->login, "confidentiality", (int64_t)4,
	                  "integrity", (int64_t)1, "availability", (int64_t)1);
	is_str(code(rc, &rep), "bad_request", "a confidentiality of 4 is refused");
	if (rc == 0)
		proto_reply_fini(&rep);
	rc = kclient_call(mgr, &rep, "asset.update", "{s i s b}", "id", asset, "in_scope", 0);
	is_str(code(rc, &rep), "ok", "the asset is taken out of scope");
	if (rc == 0)
		proto_reply_fini(&rep);
	rc = kclient_call(mgr, &rep, "asset.list", "{s b}", "in_scope", 0);
	ok(it_outcome(rc, &rep) == 0 && rows_have_id(it_array(rep.data, "rows"), asset),
	   "and listed among the assets out of scope");
	if (rc == 0)
		proto_reply_fini(&rep);
	rc = kclient_call(mgr, &rep, "asset.update", "{s i s b}", "id", asset, "in_scope", 1);
	if (rc == 0)
		proto_reply_fini(&rep);
}

static void
test_risks(void)
{
	struct proto_reply rep;
	char v[64];
	int rc;

	rc = kclient_call(mgr, &rep, "risk.create", "{s i s s s s s s s i s i s [s s]}", "asset",
	                  asset, "threat", "作業イメージの持ち出し", "vulnerability",
	                  "USBポートの制御なし", "owner", mgr_acct->login, "likelihood", (int64_t)2,
	                  "impact", (int64_t)2, "controls", "5.1", "8.24");
	is_str(code(rc, &rep), "ok", "a manager records a risk with two controls");
	if (rc == 0) {
		r_low = int_of(rep.data, "id");
		is_str(it_str(rep.data, "level"), "low", "2 x 2 scores low");
		proto_reply_fini(&rep);
	}
	rc = kclient_call(mgr, &rep, "risk.create", "{s i s s s s s s s i s i s [s]}", "asset",
	                  asset, "threat", "t", "vulnerability", "v", "owner", mgr_acct->login,
	                  "likelihood", (int64_t)2, "impact", (int64_t)2, "controls", "9.99");
	ok(it_outcome(rc, &rep) == ERR_BAD_REQUEST && strstr(rep.err_msg, "9.99") != NULL,
	   "an unknown control is refused by name");
	if (rc == 0)
		proto_reply_fini(&rep);
	rc = kclient_call(mgr, &rep, "risk.create", "{s i s s s s s s s i s i s s}", "asset", asset,
	                  "threat", "t", "vulnerability", "v", "owner", mgr_acct->login,
	                  "likelihood", (int64_t)2, "impact", (int64_t)2, "treatment", "accept");
	is_str(code(rc, &rep), "bad_request", "accept is not a treatment risk.create sets");
	if (rc == 0)
		proto_reply_fini(&rep);
	rc = kclient_call(mgr, &rep, "risk.create", "{s i s s s s s s s i s i}", "asset", asset,
	                  "threat", "t", "vulnerability", "v", "owner", mgr_acct->login,
	                  "likelihood", (int64_t)6, "impact", (int64_t)2);
	is_str(code(rc, &rep), "bad_request", "a likelihood of 6 is refused");
	if (rc == 0)
		proto_reply_fini(&rep);

	rc = kclient_call(mgr, &rep, "asset.get", "{s i}", "id", asset);
	ok(it_outcome(rc, &rep) == 0 && rows_have_id(it_array(rep.data, "risks"), r_low),
	   "the asset shows its risk");
	if (rc == 0)
		proto_reply_fini(&rep);

	risk_field(r_low, "threat", v);
	is_str(v, "作業イメージの持ち出し", "the risk reads back");
	rc = kclient_call(aud, &rep, "risk.get", "{s i}", "id", r_low);
	if (it_outcome(rc, &rep) == 0) {
		const msgpack_object *c = it_array(rep.data, "controls");
		ok(c != NULL && c->via.array.size == 2, "with its two controls");
		const msgpack_object *s = it_array(rep.data, "scores");
		ok(s != NULL && s->via.array.size == 1, "and one entry in its score history");
	} else {
		ok(0, "an auditor opens the risk");
		ok(0, "and its score history");
	}
	if (rc == 0)
		proto_reply_fini(&rep);
	is_str(call_code(mgr, "risk.get"), "bad_request", "risk.get without an id");
	rc = kclient_call(mgr, &rep, "risk.get", "{s i}", "id", (int64_t)999999999);
	is_str(code(rc, &rep), "not_found", "an unknown risk is not_found");
	if (rc == 0)
		proto_reply_fini(&rep);
}

/* Changing the matrix changes the level of the risks in the cell, and nothing else. */
static void
test_matrix_change(void)
{
	struct proto_reply rep;
	char v[64];
	int rc;

	is_str(set_cell(aud, 2, 2, "high"), "forbidden", "an auditor may not change the matrix");
	is_str(set_cell(mgr, 2, 2, "banana"), "bad_request", "an unknown level is refused");
	is_str(set_cell(mgr, 2, 2, "high"), "ok", "a manager makes 2 x 2 high");
	risk_field(r_low, "level", v);
	is_str(v, "high", "the 2 x 2 risk is now high");
	rc = kclient_call(aud, &rep, "risk.list", "{s s}", "level", "high");
	ok(it_outcome(rc, &rep) == 0 && rows_have_id(it_array(rep.data, "rows"), r_low),
	   "and listed among the high risks");
	if (rc == 0)
		proto_reply_fini(&rep);
	rc = kclient_call(aud, &rep, "risk.list", "{s s}", "level", "low");
	ok(it_outcome(rc, &rep) == 0 && !rows_have_id(it_array(rep.data, "rows"), r_low),
	   "not among the low ones");
	if (rc == 0)
		proto_reply_fini(&rep);
	is_str(set_cell(mgr, 2, 2, "low"), "ok", "the matrix is set back");
	risk_field(r_low, "level", v);
	is_str(v, "low", "and the risk is low again");
}

static const char *
review(int64_t id, const char *notes, int l, int i)
{
	static char out[32];
	struct proto_reply rep;
	int rc;

	if (l > 0)
		rc = kclient_call(mgr, &rep, "risk.review", "{s i s s s i s i}", "id", id, "notes",
		                  notes, "likelihood", (int64_t)l, "impact", (int64_t)i);
	else
		rc = kclient_call(mgr, &rep, "risk.review", "{s i s s}", "id", id, "notes", notes);
	snprintf(out, sizeof out, "%s", code(rc, &rep));
	if (rc == 0)
		proto_reply_fini(&rep);
	return out;
}

static bool
due_has(const char *list, int64_t id)
{
	struct proto_reply rep;
	int rc = kclient_call(mgr, &rep, "risk.due", NULL);
	bool has = it_outcome(rc, &rep) == 0 && rows_have_id(it_array(rep.data, list), id);

	if (rc == 0)
		proto_reply_fini(&rep);
	return has;
}

/* Reviews move the next review by the cadence of the risk's level. */
static void
test_reviews(void)
{
	char ident[64], next[64], last[64], v[64];
	char *d400 = it_db_text(db, "SELECT to_char(current_date - 400, 'YYYY-MM-DD')", 0, NULL);
	struct proto_reply rep;
	int rc;

	r_old = make_risk(asset, "夜間の不正入室", 1, 1, d400);
	ok(r_old > 0, "a low risk identified 400 days ago is recorded");
	risk_field(r_old, "identified_on", ident);
	risk_field(r_old, "next_review", next);
	is_str(ident, d400 != NULL ? d400 : "?", "identified on the day given");
	is_int(days_of(next) - days_of(ident), 365, "its next review is 365 days (low) after that");
	risk_field(r_old, "overdue", v);
	is_str(v, "true", "so its review is overdue");
	ok(due_has("overdue", r_old), "the manager's list shows the overdue review");
	ok(!due_has("overdue", r_low), "and not a risk reviewed in time");
	rc = kclient_call(mgr, &rep, "risk.list", "{s b}", "overdue", 1);
	ok(it_outcome(rc, &rep) == 0 && rows_have_id(it_array(rep.data, "rows"), r_old) &&
	       !rows_have_id(it_array(rep.data, "rows"), r_low),
	   "the overdue filter lists it alone");
	if (rc == 0)
		proto_reply_fini(&rep);

	is_str(review(r_old, "扉の入退室ログを確認。問題なし。", 0, 0), "ok",
	       "a manager reviews it");
	risk_field(r_old, "last_reviewed_on", last);
	risk_field(r_old, "next_review", next);
	char *today = it_db_text(db, "SELECT to_char(current_date, 'YYYY-MM-DD')", 0, NULL);
	is_str(last, today != NULL ? today : "?", "the review is dated today");
	is_int(days_of(next) - days_of(last), 365, "the next review moves to 365 days after it");
	risk_field(r_old, "overdue", v);
	is_str(v, "false", "it is no longer overdue");
	ok(!due_has("overdue", r_old), "nor in the manager's list");

	rc = kclient_call(mgr, &rep, "risk.cadence_set", "{s s s i}", "level", "low", "days",
	                  (int64_t)100);
	is_str(code(rc, &rep), "ok", "the cadence of low risks becomes 100 days");
	if (rc == 0)
		proto_reply_fini(&rep);
	risk_field(r_old, "next_review", next);
	is_int(days_of(next) - days_of(last), 100, "the next review follows the new cadence");
	rc = kclient_call(mgr, &rep, "risk.cadence_set", "{s s s i}", "level", "low", "days",
	                  (int64_t)365);
	if (rc == 0)
		proto_reply_fini(&rep);

	is_str(review(r_old, "隣室の工事で侵入経路が増えた。", 5, 5), "ok",
	       "a second review raises it to 5 x 5");
	risk_field(r_old, "level", v);
	is_str(v, "critical", "it is critical now");
	risk_field(r_old, "next_review", next);
	is_int(days_of(next) - days_of(last), 30, "and due again in 30 days");

	rc = kclient_call(aud, &rep, "risk.get", "{s i}", "id", r_old);
	if (it_outcome(rc, &rep) == 0) {
		const msgpack_object *rv = it_array(rep.data, "reviews");
		const msgpack_object *sc = it_array(rep.data, "scores");
		ok(rv != NULL && rv->via.array.size == 2, "both reviews are kept");
		ok(rv != NULL && rv->via.array.size == 2 &&
		       str_is(&rv->via.array.ptr[0], "level", "critical") &&
		       str_is(&rv->via.array.ptr[1], "level", "low") &&
		       str_is(&rv->via.array.ptr[0], "reviewer", mgr_acct->login),
		   "each with its reviewer and the level then, newest first");
		ok(sc != NULL && sc->via.array.size == 2 &&
		       int_of(&sc->via.array.ptr[0], "likelihood") == 1 &&
		       int_of(&sc->via.array.ptr[1], "likelihood") == 5,
		   "the score history has 1 x 1, then 5 x 5");
	} else {
		ok(0, "the reviews are kept");
		ok(0, "with reviewer and level");
		ok(0, "the score history");
	}
	if (rc == 0)
		proto_reply_fini(&rep);
	rc = kclient_call(mgr, &rep, "risk.review", "{s i s s s s}", "id", r_old, "notes", "x",
	                  "reviewed_on", "2999-01-01");
	is_str(code(rc, &rep), "bad_request", "a review dated in the future is refused");
	if (rc == 0)
		proto_reply_fini(&rep);
	is_str(call_code(aud, "risk.review"), "forbidden", "an auditor may not review");
	free(today);
	free(d400);
}

/* Accepting needs risk.accept; acceptances expire. */
static void
test_acceptance(void)
{
	char *in30 = it_db_text(db, "SELECT to_char(current_date + 30, 'YYYY-MM-DD')", 0, NULL);
	char *ago = it_db_text(db, "SELECT to_char(current_date - 1, 'YYYY-MM-DD')", 0, NULL);
	struct proto_reply rep;
	char v[64];
	int rc;

	rc = kclient_call(aud, &rep, "risk.accept", "{s i s s s s}", "id", r_low, "reason",
	                  "費用対効果", "expires", in30);
	is_str(code(rc, &rep), "forbidden", "an auditor may not accept a risk");
	if (rc == 0)
		proto_reply_fini(&rep);
	rc = kclient_call(op, &rep, "risk.accept", "{s i s s s s}", "id", r_low, "reason", "x",
	                  "expires", in30);
	is_str(code(rc, &rep), "forbidden", "nor may an operator");
	if (rc == 0)
		proto_reply_fini(&rep);
	risk_field(r_low, "treatment", v);
	is_str(v, "nil", "the risk stays untreated");
	rc = kclient_call(mgr, &rep, "risk.accept", "{s i s s s s}", "id", r_low, "reason", "x",
	                  "expires", ago);
	is_str(code(rc, &rep), "bad_request", "an acceptance that has already expired is refused");
	if (rc == 0)
		proto_reply_fini(&rep);
	rc = kclient_call(mgr, &rep, "risk.accept", "{s i s s s s}", "id", r_low, "reason", "x",
	                  "expires", "2025-02-30");
	is_str(code(rc, &rep), "bad_request", "a date not in the calendar is refused");
	if (rc == 0)
		proto_reply_fini(&rep);
	rc = kclient_call(mgr, &rep, "risk.accept", "{s i s s s s}", "id", r_low, "reason",
	                  "対策費用が損失見込みを上回るため受容", "expires", in30);
	is_str(code(rc, &rep), "ok", "a manager accepts the risk until a date");
	if (rc == 0)
		proto_reply_fini(&rep);
	risk_field(r_low, "treatment", v);
	is_str(v, "accept", "its treatment is accept");
	risk_field(r_low, "accepted_by", v);
	is_str(v, mgr_acct->login, "it records who accepted it");
	risk_field(r_low, "accept_reason", v);
	is_str(v, "対策費用が損失見込みを上回るため受容", "and why");
	risk_field(r_low, "accept_expires", v);
	is_str(v, in30, "and until when");
	ok(!due_has("expired", r_low), "a valid acceptance is not in the manager's list");

	/* Thirty-one days later. */
	const char *p[1] = { NULL };
	char idbuf[24];
	snprintf(idbuf, sizeof idbuf, "%lld", (long long)r_low);
	p[0] = idbuf;
	is_int(it_db_exec(db,
	                  "UPDATE kura.risks SET accepted_at = accepted_at - interval '31 days',"
	                  " accept_expires = accept_expires - 31 WHERE id = $1",
	                  1, p),
	       1, "(time passes: the acceptance's date goes by)");
	ok(due_has("expired", r_low), "the expired acceptance appears in the manager's list");
	risk_field(r_low, "acceptance_expired", v);
	is_str(v, "true", "and the risk says its acceptance has expired");

	rc = kclient_call(mgr, &rep, "risk.update", "{s i s s s s}", "id", r_low, "treatment",
	                  "mitigate", "plan", "USBポートを無効化する");
	is_str(code(rc, &rep), "ok", "the manager decides to mitigate instead");
	if (rc == 0)
		proto_reply_fini(&rep);
	risk_field(r_low, "accepted_by", v);
	is_str(v, "nil", "which ends the acceptance");
	ok(!due_has("expired", r_low), "and takes it off the list");
	free(in30);
	free(ago);
}

/* ---- residual scores, the heat map counts, SoA and exports ---- */

#define SOA_HEADER "\"control\",\"title\",\"applied\",\"risks\"\r\n"

static void
test_heat_and_reports(void)
{
	int64_t before_in = cell_count(4, 5, "inherent"), before_res = cell_count(1, 2, "residual");
	int64_t r;
	struct proto_reply rep;
	int rc;

	r = make_risk(asset, "ランサムウェア感染", 4, 5, NULL);
	rc = kclient_call(mgr, &rep, "risk.update", "{s i s s s i s i}", "id", r, "treatment",
	                  "mitigate", "residual_likelihood", (int64_t)1, "residual_impact",
	                  (int64_t)2);
	is_str(code(rc, &rep), "ok", "a 4 x 5 risk is mitigated to a residual 1 x 2");
	if (rc == 0) {
		is_str(it_str(rep.data, "level"), "critical", "critical before treatment");
		is_str(it_str(rep.data, "residual_level"), "low", "low after");
		proto_reply_fini(&rep);
	}
	is_int(cell_count(4, 5, "inherent"), before_in + 1, "the heat map counts it at 4 x 5");
	is_int(cell_count(1, 2, "residual"), before_res + 1, "and residually at 1 x 2");
	rc = kclient_call(mgr, &rep, "risk.list", "{s i s i s b}", "likelihood", (int64_t)1,
	                  "impact", (int64_t)2, "residual", 1);
	ok(it_outcome(rc, &rep) == 0 && rows_have_id(it_array(rep.data, "rows"), r),
	   "the residual cell lists it");
	if (rc == 0)
		proto_reply_fini(&rep);

	/* The statement of applicability. */
	rc = kclient_call(aud, &rep, "control.list", NULL);
	is_str(code(rc, &rep), "ok", "an auditor reads the statement of applicability");
	if (rc == 0) {
		const msgpack_object *rows = it_array(rep.data, "rows");
		bool c51 = false, c52 = false;
		int annex_a = 0;
		for (uint32_t i = 0; rows != NULL && i < rows->via.array.size; i++) {
			const msgpack_object *c = &rows->via.array.ptr[i];
			const char *id = it_str(c, "id");
			annex_a += id != NULL && id[0] >= '5' && id[0] <= '8' && id[1] == '.';
			if (id != NULL && strcmp(id, "5.1") == 0)
				c51 = bool_of(c, "applied") &&
				      int_array_has(it_array(c, "risks"), r_low);
			if (id != NULL && strcmp(id, "5.2") == 0)
				c52 = !bool_of(c, "applied");
		}
		is_int(annex_a, 93, "it lists the 93 controls of ISO/IEC 27001:2022 Annex A");
		ok(c51, "5.1 is applied, to risk %lld", (long long)r_low);
		ok(c52, "5.2 is not");
		proto_reply_fini(&rep);
	}
	rc = kclient_call(aud, &rep, "risk.export", "{s s}", "what", "soa");
	if (it_outcome(rc, &rep) == 0) {
		char want[64];
		const char *csv = it_str(rep.data, "csv");
		snprintf(want, sizeof want,
		         "\"5.1\",\"Policies for information security\",\"yes\",\"%lld\"",
		         (long long)r_low);
		ok(csv != NULL && strncmp(csv, SOA_HEADER, strlen(SOA_HEADER)) == 0,
		   "the SoA as CSV starts with its header");
		ok(csv != NULL && strstr(csv, want) != NULL, "and has 5.1 applied to risk %lld",
		   (long long)r_low);
		ok(csv != NULL && strstr(csv, "\"5.2\",\"Information security roles and "
		                              "responsibilities\",\"no\",\"\"") != NULL,
		   "and 5.2 not applied");
	} else {
		ok(0, "the SoA exports");
		ok(0, "with 5.1");
		ok(0, "with 5.2");
	}
	if (rc == 0)
		proto_reply_fini(&rep);
	rc = kclient_call(aud, &rep, "risk.export", "{s s}", "what", "register");
	if (it_outcome(rc, &rep) == 0) {
		const char *csv = it_str(rep.data, "csv");
		char want[128];
		snprintf(want, sizeof want, "\"%lld\",\"", (long long)r);
		ok(csv != NULL &&
		       strncmp(csv, "\"id\",\"asset\",\"asset_type\",\"threat\"", 34) == 0,
		   "the register as CSV starts with its header");
		ok(csv != NULL && strstr(csv, want) != NULL &&
		       strstr(csv, "ランサムウェア感染") != NULL,
		   "and has the risks");
	} else {
		ok(0, "the register exports");
		ok(0, "with the risks");
	}
	if (rc == 0)
		proto_reply_fini(&rep);
	is_str(call_code(op, "risk.export"), "forbidden", "an operator may not export it");
}

/* ---- incidents that revealed risks ---- */

static int64_t
report_incident(struct kclient *c, const char *title)
{
	struct proto_reply rep;
	int64_t id = -1;
	int rc = kclient_call(c, &rep, "incident.report", "{s i s s s s s s}", "category",
	                      (int64_t)5, "severity", "high", "title", title, "description",
	                      "作業イメージがUSBメモリに複製されていた。");

	if (it_outcome(rc, &rep) == 0)
		id = int_of(rep.data, "id");
	else if (rc == 0)
		printf("# incident.report: %s %s\n", code(rc, &rep), rep.err_msg);
	if (rc == 0)
		proto_reply_fini(&rep);
	return id;
}

static const char *
link(struct kclient *c, const char *op_name, int64_t risk, int64_t incident)
{
	static char out[32];
	struct proto_reply rep;
	int rc = kclient_call(c, &rep, op_name, "{s i s i}", "id", risk, "incident", incident);

	snprintf(out, sizeof out, "%s", code(rc, &rep));
	if (rc == 0)
		proto_reply_fini(&rep);
	return out;
}

/* Whether incident.get as c lists risk among the incident's risks, with its reference. */
static bool
incident_shows(struct kclient *c, int64_t incident, int64_t risk)
{
	struct proto_reply rep;
	int rc = kclient_call(c, &rep, "incident.get", "{s i}", "id", incident);
	const msgpack_object *risks;
	char ref[32];
	bool found = false;

	if (it_outcome(rc, &rep) != 0) {
		printf("# incident.get: %s\n", code(rc, &rep));
		if (rc == 0)
			proto_reply_fini(&rep);
		return false;
	}
	snprintf(ref, sizeof ref, "R-%lld", (long long)risk);
	risks = it_array(rep.data, "risks");
	for (uint32_t i = 0; risks != NULL && i < risks->via.array.size; i++)
		if (int_of(&risks->via.array.ptr[i], "id") == risk &&
		    str_is(&risks->via.array.ptr[i], "ref", ref))
			found = true;
	proto_reply_fini(&rep);
	return found;
}

static void
test_incidents(void)
{
	int64_t inc = report_incident(mgr, "作業イメージの不正な複製"), op_inc;
	struct proto_reply rep;
	int rc;

	ok(inc > 0, "a manager reports an incident (%lld)", (long long)inc);
	is_str(link(aud, "risk.link_incident", r_low, inc), "forbidden",
	       "an auditor may not link a risk to an incident");
	is_str(link(mgr, "risk.link_incident", r_low, 999999999), "not_found",
	       "linking to an unknown incident is not_found");
	is_str(link(mgr, "risk.link_incident", r_low, inc), "ok",
	       "a manager links the risk to the incident that revealed it");
	is_str(link(mgr, "risk.link_incident", r_low, inc), "ok", "linking again changes nothing");
	rc = kclient_call(aud, &rep, "risk.get", "{s i}", "id", r_low);
	if (it_outcome(rc, &rep) == 0) {
		const msgpack_object *incs = it_array(rep.data, "incidents");
		ok(incs != NULL && incs->via.array.size == 1 && rows_have_id(incs, inc) &&
		       str_is(&incs->via.array.ptr[0], "title", "作業イメージの不正な複製"),
		   "the risk lists the incident once, with its title");
	} else {
		ok(0, "the risk lists the incident");
	}
	if (rc == 0)
		proto_reply_fini(&rep);
	ok(incident_shows(mgr, inc, r_low), "the incident shows the risk (R-%lld) to the manager",
	   (long long)r_low);

	/* An operator's report: they see their incident, but not the register's side of it. */
	op_inc = report_incident(op, "USBメモリの置き忘れ");
	is_str(link(mgr, "risk.link_incident", r_old, op_inc), "ok",
	       "the manager links another risk to an operator's report");
	ok(incident_shows(mgr, op_inc, r_old), "the manager sees that link from the incident");
	ok(!incident_shows(op, op_inc, r_old),
	   "the operator who reported it does not see the risk (no risk.read)");

	is_str(link(mgr, "risk.unlink_incident", r_low, inc), "ok", "the link is removed");
	is_str(link(mgr, "risk.unlink_incident", r_low, inc), "not_found",
	       "removing it again is not_found");
	ok(!incident_shows(mgr, inc, r_low), "and the incident no longer shows the risk");
}

/* ---- the database holds the same line ---- */

static char *
app_conninfo(void)
{
	char path[600], *text, *line, *save = NULL, *out = NULL;

	snprintf(path, sizeof path, "%s/kurad.conf", env.dir);
	if ((text = it_read_file(path, NULL)) == NULL)
		return NULL;
	for (line = strtok_r(text, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save))
		if (strncmp(line, "conninfo = ", 11) == 0)
			out = strdup(line + 11);
	free(text);
	return out;
}

/* Runs sql as kura_app acting as role/user on segment; returns the SQLSTATE of an error ("" if
 * none) and the first value in out. */
static const char *
as_actor(PGconn *app, const char *role, const char *uid, const char *sql, char *out, size_t n)
{
	static char state[8];
	const char *vals[3] = { role, uid, "call-centre" };
	static const char *const set[3] = { "SELECT set_config('role', $1, true)",
		                            "SELECT set_config('kura.user_id', $1, true)",
		                            "SELECT set_config('kura.segment', $1, true)" };
	PGresult *res;

	state[0] = '\0';
	out[0] = '\0';
	PQclear(PQexec(app, "BEGIN"));
	for (int i = 0; i < 3; i++)
		PQclear(PQexecParams(app, set[i], 1, NULL, &vals[i], NULL, NULL, 0));
	res = PQexec(app, sql);
	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) > 0)
		snprintf(out, n, "%s", PQgetvalue(res, 0, 0));
	else if (PQresultStatus(res) == PGRES_COMMAND_OK)
		snprintf(out, n, "%s", PQcmdTuples(res));
	else if (PQresultErrorField(res, PG_DIAG_SQLSTATE) != NULL)
		snprintf(state, sizeof state, "%s", PQresultErrorField(res, PG_DIAG_SQLSTATE));
	PQclear(res);
	PQclear(PQexec(app, "ROLLBACK"));
	return state;
}

static void
test_database(void)
{
	char *conninfo = app_conninfo(), out[64], sql[256];
	const char *p[1];
	char *uid_op, *uid_aud, *uid_mgr;
	PGconn *app;

	if (conninfo == NULL || (app = PQconnectdb(conninfo)) == NULL ||
	    PQstatus(app) != CONNECTION_OK) {
		ok(0, "connect as kura_app");
		free(conninfo);
		return;
	}
	free(conninfo);
	p[0] = it_account(&env, "operator", false)->login;
	uid_op = it_db_text(db, "SELECT id::text FROM kura.users WHERE login = $1", 1, p);
	p[0] = aud_acct->login;
	uid_aud = it_db_text(db, "SELECT id::text FROM kura.users WHERE login = $1", 1, p);
	p[0] = mgr_acct->login;
	uid_mgr = it_db_text(db, "SELECT id::text FROM kura.users WHERE login = $1", 1, p);

	as_actor(app, "kura_operator", uid_op, "SELECT count(*) FROM kura.risks", out, sizeof out);
	is_str(out, "0", "as the operator's database role, the risks table reads empty");
	as_actor(app, "kura_operator", uid_op, "SELECT count(*) FROM kura.risk_register", out,
	         sizeof out);
	is_str(out, "0", "and so does the register view");
	as_actor(app, "kura_auditor", uid_aud, "SELECT count(*) > 0 FROM kura.risks", out,
	         sizeof out);
	is_str(out, "t", "the auditor's role reads the risks");
	snprintf(sql, sizeof sql, "UPDATE kura.risks SET threat = 'x' WHERE id = %lld",
	         (long long)r_old);
	as_actor(app, "kura_auditor", uid_aud, sql, out, sizeof out);
	is_str(out, "0", "but changes none");
	snprintf(
	    sql, sizeof sql,
	    "UPDATE kura.risks SET treatment = 'accept', accepted_by = %s, accepted_at = now(),"
	    " accept_reason = 'x', accept_expires = current_date + 9 WHERE id = %lld",
	    uid_aud != NULL ? uid_aud : "0", (long long)r_old);
	is_str(as_actor(app, "kura_auditor", uid_aud, sql, out, sizeof out), "", "(no error)");
	is_str(out, "0", "nor accepts one");
	snprintf(
	    sql, sizeof sql,
	    "UPDATE kura.risks SET treatment = 'accept', accepted_by = %s, accepted_at = now(),"
	    " accept_reason = 'x', accept_expires = current_date + 9 WHERE id = %lld",
	    uid_aud != NULL ? uid_aud : "0", (long long)r_old);
	is_str(as_actor(app, "kura_manager", uid_mgr, sql, out, sizeof out), "42501",
	       "a manager cannot record an acceptance in someone else's name");
	as_actor(app, "kura_manager", uid_mgr, "UPDATE kura.risk_matrix SET level = 'low'", out,
	         sizeof out);
	is_str(out, "25", "the manager's role may set the matrix");
	as_actor(app, "kura_auditor", uid_aud, "UPDATE kura.risk_matrix SET level = 'low'", out,
	         sizeof out);
	is_str(out, "0", "the auditor's may not");
	free(uid_op), free(uid_aud), free(uid_mgr);
	PQfinish(app);
}

/* ---- seed: what the tmux test shows ---- */

/* Five risks: inherent 4x5 twice, 2x3 once, 5x5 once, 1x1 once (identified 400 days ago, so
 * overdue); residual 2x2 for the two 4x5 ones. */
static int
seed(void)
{
	int64_t a = make_asset("解析用イメージ保管サーバ", "device");
	int64_t r1, r2;
	char *d400 = it_db_text(db, "SELECT to_char(current_date - 400, 'YYYY-MM-DD')", 0, NULL);
	struct proto_reply rep;
	int rc = 0;

	if (a < 0)
		return 1;
	r1 = make_risk(a, "ランサムウェアによる暗号化", 4, 5, NULL);
	r2 = make_risk(a, "保守業者による持ち出し", 4, 5, NULL);
	if (r1 < 0 || r2 < 0 || make_risk(a, "停電による停止", 2, 3, NULL) < 0 ||
	    make_risk(a, "内部不正による漏えい", 5, 5, NULL) < 0 ||
	    make_risk(a, "ラベルの貼り間違い", 1, 1, d400) < 0)
		rc = 1;
	for (int k = 0; rc == 0 && k < 2; k++) {
		int c =
		    kclient_call(mgr, &rep, "risk.update", "{s i s s s i s i}", "id",
		                 k == 0 ? r1 : r2, "treatment", "mitigate", "residual_likelihood",
		                 (int64_t)2, "residual_impact", (int64_t)2);
		if (it_outcome(c, &rep) != 0)
			rc = 1;
		if (c == 0)
			proto_reply_fini(&rep);
	}
	free(d400);
	printf("seeded risks %lld %lld\n", (long long)r1, (long long)r2);
	printf("seeded incident %lld\n", (long long)report_incident(mgr, "解析サーバの暗号化"));
	return rc;
}

int
main(int argc, char **argv)
{
	const char *why;
	int rc;

	tap_diag("the risk register against %s",
	         getenv("KURA_IT_CALL") ? getenv("KURA_IT_CALL") : "?");
	if (it_env_load(&env, &why) != 0)
		tap_bail(why);
	if ((db = it_db_open(&env)) == NULL)
		tap_bail("no owner connection");
	mgr_acct = it_account(&env, "manager", false);
	aud_acct = it_account(&env, "auditor", false);
	if (mgr_acct == NULL || aud_acct == NULL)
		tap_bail("the stack has no manager or auditor account");
	mgr = it_session(env.call_url, mgr_acct, &rc);
	if (mgr == NULL)
		tap_bail("the manager cannot sign in");
	if (argc > 1 && strcmp(argv[1], "seed") == 0)
		return seed();
	aud = it_session(env.call_url, aud_acct, &rc);
	op = it_session(env.call_url, it_account(&env, "operator", false), &rc);
	tech = it_session(env.tech_url, it_account(&env, "technician", false), &rc);
	if (aud == NULL || op == NULL || tech == NULL)
		tap_bail("the auditor, operator or technician cannot sign in");
	it_random_hex(hex, 4);

	test_rights();
	test_matrix_shown();
	test_assets();
	test_risks();
	test_matrix_change();
	test_reviews();
	test_acceptance();
	test_heat_and_reports();
	test_incidents();
	test_database();

	kclient_free(mgr), kclient_free(aud), kclient_free(op), kclient_free(tech);
	PQfinish(db);
	return tap_done();
}
