/* Cases as clients see them: intake with Japanese text, reading back byte-exactly, search,
 * stage filter, keyset pagination, masking of personal data by right and segment, input
 * validation that creates nothing, and idempotent resends. */
#include "config.h"

#include <regex.h>
#include <string.h>
#include <time.h>

#include "err.h"
#include "it.h"
#include "mp.h"
#include "../tap.h"

static struct it_env env;
static PGconn *db;
static struct kclient *op;   /* operator, call centre */
static struct kclient *tech; /* technician, tech centre */
static struct kclient *tmp;  /* temporary operator, call centre */

/* The case this program registers; the hex canary makes every value unique to this run. */
static char hex[17];
static char name[128], phone[64], email[128], address[256], medium[256], notes[512];
static char medium_key[32], notes_key[32];
static char receipt[32];

#define ITEM1 "故障HDD 本体（異音あり）"
#define ITEM2 "USB変換ケーブル＆ACアダプタ"
#define ITEM3 "ご依頼書〜控え"

static bool
matches(const char *s, const char *re)
{
	regex_t r;
	bool m;

	if (s == NULL || regcomp(&r, re, REG_EXTENDED | REG_NOSUB) != 0)
		return false;
	m = regexec(&r, s, 0, NULL, 0) == 0;
	regfree(&r);
	return m;
}

static long long
count_rows(const char *table)
{
	char sql[128];

	snprintf(sql, sizeof sql, "SELECT count(*) FROM kura.%s", table);
	return it_db_int(db, sql, 0, NULL);
}

static void
make_canaries(void)
{
	it_random_hex(hex, 8);
	snprintf(name, sizeof name, "試験 花子🙂ﾃｽﾄ髙橋 %s", hex);
	/* Phones must be unique too: digits from the canary. */
	snprintf(phone, sizeof phone, "090-%04u-%04u", (unsigned)strtoul(hex + 8, NULL, 16) % 10000,
	         (unsigned)strtoul(hex + 12, NULL, 16) % 10000);
	snprintf(email, sizeof email, "hanako.%s@example.jp", hex);
	snprintf(address, sizeof address, "〒100-0001 東京都千代田区千代田１－１ 蔵ビル%s号室",
	         hex);
	snprintf(medium_key, sizeof medium_key, "MQ01ABD%.6s", hex);
	for (char *p = medium_key; *p != '\0'; p++)
		if (*p >= 'a' && *p <= 'z')
			*p = (char)(*p - 'a' + 'A');
	snprintf(medium, sizeof medium, "2.5インチ HDD 東芝 %s 1TB　カチカチ音 〜 認識せず",
	         medium_key);
	char hex2[17];
	it_random_hex(hex2, 8);
	snprintf(notes_key, sizeof notes_key, "note%s", hex2);
	snprintf(notes, sizeof notes,
	         "連絡事項：写真フォルダを最優先。\n\tお客様は平日10時〜18時のみ連絡可。%s",
	         notes_key);
}

static void
test_create(void)
{
	struct proto_reply rep;
	char period[8];
	time_t now = time(NULL);
	struct tm tm;
	long long before = count_rows("cases");
	int rc;

	gmtime_r(&now, &tm);
	strftime(period, sizeof period, "%y%m", &tm);
	rc = kclient_call(
	    op, &rep, "case.create", "{s s s s s s s s s s s [{s s s s} {s s s s} {s s s s}] s s}",
	    "customer_name", name, "phone", phone, "email", email, "address", address, "medium",
	    medium, "items", "kind", "medium", "description", ITEM1, "kind", "accessory",
	    "description", ITEM2, "kind", "request_form", "description", ITEM3, "notes", notes);
	is_str(it_code(it_outcome(rc, &rep)), "ok", "operator registers a case with Japanese text");
	/* Everything is read from the reply before anything else allocates. */
	const char *r = it_str(rep.data, "receipt");
	snprintf(receipt, sizeof receipt, "%s", r != NULL ? r : "");
	const msgpack_object *labels = it_array(rep.data, "labels");
	ok(labels != NULL && labels->via.array.size == 3, "three item labels come back");
	for (int i = 1; i <= 3; i++) {
		char want[48];
		snprintf(want, sizeof want, "%s-%02d", receipt, i);
		ok(it_array_has_str(labels, want), "label %s", want);
	}
	ok(matches(receipt, "^[0-9]{4}-[0-9]{5}$"), "the receipt number is YYMM-NNNNN (%s)",
	   receipt);
	ok(strncmp(receipt, period, 4) == 0, "the receipt number starts with this UTC month (%s)",
	   period);
	proto_reply_fini(&rep);
	is_int(count_rows("cases"), before + 1, "exactly one case row more");
	const char *p[] = { receipt };
	is_int(it_db_int(
	           db,
	           "SELECT count(*) FROM kura.case_items i JOIN kura.cases c ON c.id = i.case_id "
	           "WHERE c.receipt = $1",
	           1, p),
	       3, "three item rows for it");

	/* A second case gets a different receipt number. */
	rc = kclient_call(op, &rep, "case.create", "{s s s s s [{s s s s}]}", "customer_name",
	                  "佐藤 一郎", "medium", "microSD 64GB", "items", "kind", "medium",
	                  "description", "microSDカード");
	is_str(it_code(it_outcome(rc, &rep)), "ok", "a minimal case (optional fields absent)");
	char second[32];
	r = it_str(rep.data, "receipt");
	snprintf(second, sizeof second, "%s", r != NULL ? r : "");
	const msgpack_object *l2 = it_array(rep.data, "labels");
	char want2[48];
	snprintf(want2, sizeof want2, "%s-01", second);
	ok(l2 != NULL && l2->via.array.size == 1 && it_array_has_str(l2, want2),
	   "and one label, %s", want2);
	ok(strcmp(second, receipt) != 0 && matches(second, "^[0-9]{4}-[0-9]{5}$"),
	   "it gets its own receipt number (%s)", second);
	proto_reply_fini(&rep);
}

/* Checks the case.get reply of the case made in test_create. */
static void
check_get(const char *who, struct kclient *c, bool masked)
{
	struct proto_reply rep;
	bool pm = !masked;
	int rc;

	rc = kclient_call(c, &rep, "case.get", "{s s}", "receipt", receipt);
	is_str(it_code(it_outcome(rc, &rep)), "ok", "%s: case.get", who);
	is_str(it_str(rep.data, "receipt"), receipt, "%s: receipt", who);
	is_str(it_str(rep.data, "stage"), "intake", "%s: stage is intake", who);
	ok(it_str(rep.data, "stage_label") != NULL, "%s: a stage label", who);
	const char *ra = it_str(rep.data, "received_at");
	char received_at[64];
	snprintf(received_at, sizeof received_at, "%s", ra != NULL ? ra : "none");
	is_str(it_str(rep.data, "medium"), medium, "%s: medium comes back byte-exactly", who);
	ok(it_bool(rep.data, "pii_masked", &pm) && pm == masked, "%s: pii_masked is %s", who,
	   masked ? "true" : "false");
	is_str(it_str(rep.data, "customer_name"), masked ? "***" : name, "%s: customer_name", who);
	is_str(it_str(rep.data, "phone"), masked ? "***" : phone, "%s: phone", who);
	is_str(it_str(rep.data, "email"), masked ? "***" : email, "%s: email", who);
	is_str(it_str(rep.data, "address"), masked ? "***" : address, "%s: address", who);
	ok(it_str(rep.data, "created_by") != NULL, "%s: created_by", who);

	const msgpack_object *items = it_array(rep.data, "items");
	static const char *const kinds[] = { "medium", "accessory", "request_form" };
	static const char *const descs[] = { ITEM1, ITEM2, ITEM3 };
	ok(items != NULL && items->via.array.size == 3, "%s: three items", who);
	for (uint32_t i = 0; items != NULL && i < items->via.array.size && i < 3; i++) {
		const msgpack_object *it = &items->via.array.ptr[i];
		char label[48];
		snprintf(label, sizeof label, "%s-%02u", receipt, i + 1);
		ok(it_str(it, "label") != NULL && strcmp(it_str(it, "label"), label) == 0 &&
		       it_str(it, "kind") != NULL && strcmp(it_str(it, "kind"), kinds[i]) == 0 &&
		       it_str(it, "description") != NULL &&
		       strcmp(it_str(it, "description"), descs[i]) == 0,
		   "%s: item %u is %s / %s / its Japanese description", who, i + 1, label,
		   kinds[i]);
	}
	const msgpack_object *nl = it_array(rep.data, "notes");
	ok(nl != NULL && nl->via.array.size >= 1, "%s: the intake note is there", who);
	if (nl != NULL && nl->via.array.size >= 1) {
		const msgpack_object *n0 = &nl->via.array.ptr[0];
		is_str(it_str(n0, "body"), notes, "%s: the note comes back byte-exactly", who);
		is_str(it_str(n0, "segment"), "call-centre",
		       "%s: the note was written on the call centre", who);
	}
	proto_reply_fini(&rep);
	ok(matches(received_at, "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?"
	                        "(Z|\\+00(:?00)?)$"),
	   "%s: received_at is ISO 8601 UTC (%s)", who, received_at);
}

/* Runs case.list with q and returns how many rows carry receipt; *masked_all tells whether
 * every row's customer_name was "***" and *name_seen whether the real name appeared. */
static int
list_find(struct kclient *c, const char *q, const char *stage, int *outcome, bool *masked_all,
          bool *name_seen)
{
	struct proto_reply rep;
	int found = 0, rc;

	if (stage != NULL)
		rc = kclient_call(c, &rep, "case.list", "{s s s s s i}", "q", q, "stage", stage,
		                  "limit", (int64_t)200);
	else if (q != NULL)
		rc = kclient_call(c, &rep, "case.list", "{s s s i}", "q", q, "limit", (int64_t)200);
	else
		rc = kclient_call(c, &rep, "case.list", "{s i}", "limit", (int64_t)200);
	*outcome = it_outcome(rc, &rep);
	*masked_all = true;
	*name_seen = false;
	const msgpack_object *rows = it_array(rep.data, "rows");
	for (uint32_t i = 0; rows != NULL && i < rows->via.array.size; i++) {
		const msgpack_object *row = &rows->via.array.ptr[i];
		const char *n = it_str(row, "customer_name");
		const char *r = it_str(row, "receipt");
		if (n == NULL || strcmp(n, "***") != 0)
			*masked_all = false;
		if (n != NULL && strcmp(n, name) == 0)
			*name_seen = true;
		if (r != NULL && strcmp(r, receipt) == 0)
			found++;
	}
	if (rows == NULL)
		*masked_all = false;
	proto_reply_fini(&rep);
	return found;
}

static void
test_search(void)
{
	int outcome, n;
	bool masked, seen;
	char lower[32];

	n = list_find(op, name, NULL, &outcome, &masked, &seen);
	ok(outcome == 0 && n == 1 && seen, "operator: q by customer name finds the case once");
	n = list_find(op, phone, NULL, &outcome, &masked, &seen);
	ok(outcome == 0 && n == 1, "operator: q by phone finds the case");
	n = list_find(op, medium_key, NULL, &outcome, &masked, &seen);
	ok(outcome == 0 && n == 1, "operator: q by medium finds the case");
	snprintf(lower, sizeof lower, "%s", medium_key + 2);
	for (char *p = lower; *p != '\0'; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	n = list_find(op, lower, NULL, &outcome, &masked, &seen);
	ok(outcome == 0 && n == 1, "operator: q is a case-insensitive substring (%s)", lower);
	n = list_find(op, receipt, NULL, &outcome, &masked, &seen);
	ok(outcome == 0 && n == 1, "operator: q by receipt number finds the case");
	n = list_find(op, notes_key, NULL, &outcome, &masked, &seen);
	ok(outcome == 0 && n == 1, "operator: q by a word of the notes finds the case");
	n = list_find(op, "東芝", NULL, &outcome, &masked, &seen);
	ok(outcome == 0 && n == 1, "operator: q by Japanese text of the medium finds the case");
	n = list_find(op, NULL, NULL, &outcome, &masked, &seen);
	ok(outcome == 0 && !masked && seen, "operator: case.list shows real customer names");

	n = list_find(tech, NULL, NULL, &outcome, &masked, &seen);
	ok(outcome == 0 && n == 1 && masked && !seen,
	   "technician: case.list shows the case with every customer_name \"***\"");
	n = list_find(tech, name, NULL, &outcome, &masked, &seen);
	is_str(it_code(outcome), "ok", "technician: q by customer name is answered");
	is_int(n, 0, "technician: q by customer name finds nothing (no oracle)");
	n = list_find(tech, hex, NULL, &outcome, &masked, &seen);
	is_int(n, 0, "technician: q by the name's unique part finds nothing");
	n = list_find(tech, phone, NULL, &outcome, &masked, &seen);
	is_int(n, 0, "technician: q by phone finds nothing");
	n = list_find(tech, medium_key, NULL, &outcome, &masked, &seen);
	ok(outcome == 0 && n == 1 && masked, "technician: q by medium finds the case, masked");

	if (tmp != NULL) {
		n = list_find(tmp, NULL, NULL, &outcome, &masked, &seen);
		ok(outcome == 0 && n == 1 && masked && !seen,
		   "temporary operator: case.list shows every customer_name \"***\"");
		n = list_find(tmp, name, NULL, &outcome, &masked, &seen);
		ok(outcome == 0 && n == 0, "temporary operator: q by customer name finds nothing");
		n = list_find(tmp, phone, NULL, &outcome, &masked, &seen);
		ok(outcome == 0 && n == 0, "temporary operator: q by phone finds nothing");
	}

	n = list_find(op, medium_key, "intake", &outcome, &masked, &seen);
	ok(outcome == 0 && n == 1, "stage intake: the new case is listed");
	n = list_find(op, medium_key, "closed", &outcome, &masked, &seen);
	ok(outcome == 0 && n == 0, "stage closed: the new case is not listed");
	n = list_find(op, medium_key, "no-such-stage", &outcome, &masked, &seen);
	is_str(it_code(outcome), "bad_request", "an unknown stage is a bad request");

	/* Every row of a stage filter has that stage. */
	struct proto_reply rep;
	int rc = kclient_call(op, &rep, "case.list", "{s s s i}", "stage", "intake", "limit",
	                      (int64_t)200);
	const msgpack_object *rows = it_array(rep.data, "rows");
	bool all = rows != NULL && rows->via.array.size > 0;
	for (uint32_t i = 0; rows != NULL && i < rows->via.array.size; i++) {
		const char *s = it_str(&rows->via.array.ptr[i], "stage");
		if (s == NULL || strcmp(s, "intake") != 0)
			all = false;
	}
	ok(it_outcome(rc, &rep) == 0 && all, "stage filter: every row is in stage intake");
	proto_reply_fini(&rep);
	const char *p[] = { "intake" };
	long long want = it_db_int(db, "SELECT count(*) FROM kura.cases WHERE stage = $1", 1, p);
	rc = kclient_call(op, &rep, "case.list", "{s s s i}", "stage", "intake", "limit",
	                  (int64_t)200);
	rows = it_array(rep.data, "rows");
	if (want <= 200)
		is_int(rows != NULL ? (long long)rows->via.array.size : -1, want,
		       "stage filter: as many rows as intake cases in the database");
	proto_reply_fini(&rep);
}

/* Below this id case.list reads the search index (above, it reads the newest cases one by one):
 * 1000 past the newest case, so that the whole small database is searched through the index. */
static int64_t search_after;

/* The ids case.list answers for q (and stage, and after when search_after is set), newest
 * first, comma-separated, or NULL when it did not answer ok. */
static char *
list_ids(struct kclient *c, const char *q, const char *stage)
{
	struct proto_reply rep;
	char *out = NULL;
	size_t len = 0;
	int rc;

	if (stage != NULL && search_after > 0)
		rc = kclient_call(c, &rep, "case.list", "{s s s s s i s i}", "q", q, "stage", stage,
		                  "limit", (int64_t)200, "after", search_after);
	else if (stage != NULL)
		rc = kclient_call(c, &rep, "case.list", "{s s s s s i}", "q", q, "stage", stage,
		                  "limit", (int64_t)200);
	else if (search_after > 0)
		rc = kclient_call(c, &rep, "case.list", "{s s s i s i}", "q", q, "limit",
		                  (int64_t)200, "after", search_after);
	else
		rc = kclient_call(c, &rep, "case.list", "{s s s i}", "q", q, "limit", (int64_t)200);
	const msgpack_object *rows = it_array(rep.data, "rows");
	if (it_outcome(rc, &rep) == 0 && rows != NULL) {
		out = calloc(1, 24 * (rows->via.array.size + 1));
		for (uint32_t i = 0; out != NULL && i < rows->via.array.size; i++) {
			int64_t id = 0;
			it_int(&rows->via.array.ptr[i], "id", &id);
			len +=
			    (size_t)sprintf(out + len, "%s%lld", i > 0 ? "," : "", (long long)id);
		}
	}
	proto_reply_fini(&rep);
	return out;
}

/* The ids the search must find, by today's rule read from the tables themselves: q as a
 * substring, whatever its case, of the receipt, the medium or a note, and with pii of the
 * customer's name or phone. */
static char *
want_ids(const char *q, const char *stage, bool pii)
{
	char pat[512], *p = pat;
	const char *params[3] = { pat, pii ? "t" : "f", stage };

	*p++ = '%';
	for (; *q != '\0' && p < pat + sizeof pat - 4; q++) {
		if (*q == '%' || *q == '_' || *q == '\\')
			*p++ = '\\';
		*p++ = *q;
	}
	*p++ = '%';
	*p = '\0';
	return it_db_text(db,
	                  "SELECT coalesce(string_agg(id::text, ',' ORDER BY id DESC), '') FROM ("
	                  " SELECT c.id FROM kura.cases c"
	                  " LEFT JOIN kura.case_customers cu ON cu.case_id = c.id"
	                  " WHERE (c.receipt ILIKE $1 OR c.medium ILIKE $1"
	                  "  OR EXISTS (SELECT FROM kura.case_notes n WHERE n.case_id = c.id"
	                  "   AND n.body ILIKE $1)"
	                  "  OR ($2::boolean AND (cu.name ILIKE $1 OR cu.phone ILIKE $1)))"
	                  " AND ($3::text IS NULL OR c.stage = $3)"
	                  " ORDER BY c.id DESC LIMIT 200) x",
	                  3, params);
}

/* case.list with q gives exactly the cases ILIKE gives, for user c (pii: holds pii.read). */
static void
search_is(struct kclient *c, bool pii, const char *q, const char *stage, const char *what,
          bool some)
{
	char *want = want_ids(q, stage, pii);

	for (int pass = 0; pass < 2; pass++) {
		search_after =
		    pass == 0 ? 0 : it_db_int(db, "SELECT max(id) + 1001 FROM kura.cases", 0, NULL);
		char *got = list_ids(c, q, stage);
		ok(got != NULL && want != NULL && strcmp(got, want) == 0 &&
		       (!some || want[0] != '\0'),
		   "search %s (%s)%s: the cases whose text holds it", what, q,
		   pass == 0 ? "" : ", through the index");
		if (got == NULL || want == NULL || strcmp(got, want) != 0)
			tap_diag("  got [%s], want [%s]", got != NULL ? got : "(error)",
			         want != NULL ? want : "(error)");
		free(got);
	}
	search_after = 0;
	free(want);
}

/* The search index (schema/012_search.sql) is kept by triggers: the same answers as ILIKE on
 * every field, after a note is added and after the case moves on; the customer's part only
 * with pii.read. */
static void
test_search_index(void)
{
	struct proto_reply rep;
	char q[160], medium2[160], rcpt[32] = "", note[160];
	int rc;

	/* A case whose medium holds % and _ and a two-character Japanese term. */
	snprintf(medium2, sizeof medium2, "SSD 100%%_%s 異音", hex);
	rc = kclient_call(op, &rep, "case.create", "{s s s s s [{s s s s}] s s}", "customer_name",
	                  name, "medium", medium2, "items", "kind", "medium", "description", "SSD",
	                  "notes", "初回の連絡事項");
	const char *r = it_str(rep.data, "receipt");
	snprintf(rcpt, sizeof rcpt, "%s", r != NULL ? r : "");
	is_str(it_code(it_outcome(rc, &rep)), "ok", "a case with %% and _ in its medium");
	proto_reply_fini(&rep);

	search_is(op, true, notes_key, NULL, "a word of a note", true);
	search_is(op, true, medium_key, NULL, "a word of the medium", true);
	search_is(op, true, name, NULL, "the customer's name with pii.read", true);
	search_is(op, true, phone, NULL, "the customer's phone with pii.read", true);
	search_is(tech, false, name, NULL, "the customer's name without pii.read", false);
	search_is(tech, false, phone, NULL, "the customer's phone without pii.read", false);
	search_is(op, true, "異音", NULL, "a Japanese term of two characters", true);
	search_is(tech, false, "東芝", NULL, "a Japanese term of two characters", true);
	snprintf(q, sizeof q, "100%%_%s", hex);
	search_is(op, true, q, NULL, "a term with % and _", true);
	search_is(op, true, "0%_", NULL, "% and _ are no wildcards", true);
	search_is(op, true, "1_0", NULL, "_ matches only _", false);
	snprintf(q, sizeof q, "該当なし%s", hex);
	search_is(op, true, q, NULL, "a term found nowhere", false);
	search_is(op, true, "s", NULL, "a term of one character", true);

	/* A note added later is found, by anyone with case.read. */
	snprintf(note, sizeof note, "追記%s 異音あり", hex);
	rc = kclient_call(op, &rep, "case.note", "{s s s s}", "receipt", rcpt, "body", note);
	is_str(it_code(it_outcome(rc, &rep)), "ok", "a note is added");
	proto_reply_fini(&rep);
	snprintf(q, sizeof q, "追記%s", hex);
	search_is(op, true, q, NULL, "a word of a note added later", true);
	search_is(tech, false, q, NULL, "a word of a note added later", true);
	search_is(op, true, "初回の連絡事項", NULL, "the first note, after another", true);

	/* The case moves on: found at its new stage, no longer at the old one. */
	rc = kclient_call(op, &rep, "case.stamp", "{s s s s s s}", "receipt", rcpt, "verify", rcpt,
	                  "stage", "intake");
	is_str(it_code(it_outcome(rc, &rep)), "ok", "the case is stamped at intake");
	proto_reply_fini(&rep);
	search_is(op, true, q, "analysis", "after the case changed, at its new stage", true);
	search_is(op, true, q, "intake", "after the case changed, at its old stage", false);
	snprintf(q, sizeof q, "100%%_%s", hex);
	search_is(op, true, q, NULL, "the medium, after the case changed", true);

	/* The customer's part of the search is closed to a role without pii.read. */
	is_int(it_db_int(db,
	                 "SELECT has_table_privilege('kura_technician', 'kura.case_search_pii',"
	                 " 'SELECT')::int",
	                 0, NULL),
	       0, "the technician's role cannot read the customers' search text");
	is_int(it_db_int(db,
	                 "SELECT has_table_privilege('kura_operator', 'kura.case_search_pii',"
	                 " 'SELECT')::int",
	                 0, NULL),
	       1, "the operator's role can, under its policy");
}

#define MAX_CASES 4096

static void
test_pagination(void)
{
	static int64_t paged[MAX_CASES], whole[MAX_CASES];
	static char stamps[MAX_CASES][40];
	struct proto_reply rep;
	int npaged = 0, nwhole = 0, pages = 0, rc;
	bool sizes_ok = true, shape_ok = true, done = false;
	int64_t after = 0;
	long long total = count_rows("cases");

	ok(total >= 11, "enough cases for at least three pages of 5 (%lld)", total);
	while (!done && pages < 1000) {
		if (pages == 0)
			rc = kclient_call(op, &rep, "case.list", "{s i}", "limit", (int64_t)5);
		else
			rc = kclient_call(op, &rep, "case.list", "{s i s i}", "limit", (int64_t)5,
			                  "after", after);
		if (it_outcome(rc, &rep) != 0) {
			ok(0, "page %d of case.list: %s", pages + 1, it_code(it_outcome(rc, &rep)));
			proto_reply_fini(&rep);
			return;
		}
		pages++;
		const msgpack_object *rows = it_array(rep.data, "rows");
		const msgpack_object *next = mp_get(rep.data, "next");
		uint32_t n = rows != NULL ? rows->via.array.size : 0;
		if (n > 5)
			sizes_ok = false;
		for (uint32_t i = 0; i < n && npaged < MAX_CASES; i++) {
			const msgpack_object *row = &rows->via.array.ptr[i];
			const char *at = it_str(row, "received_at");
			if (!it_int(row, "id", &paged[npaged]) || it_str(row, "receipt") == NULL ||
			    at == NULL || it_str(row, "stage") == NULL ||
			    it_str(row, "medium") == NULL || it_str(row, "customer_name") == NULL)
				shape_ok = false;
			snprintf(stamps[npaged], sizeof stamps[0], "%s", at != NULL ? at : "");
			npaged++;
		}
		if (next == NULL || next->type == MSGPACK_OBJECT_NIL) {
			done = true;
		} else if (mp_int(next, &after) != 0) {
			ok(0, "next is an int or nil");
			done = true;
		} else if (n < 5) {
			sizes_ok = false; /* a short page that claims more */
		}
		proto_reply_fini(&rep);
	}
	ok(done, "paging ends with next = nil after %d pages", pages);
	ok(sizes_ok, "every page has at most 5 rows, and only the last page fewer");
	ok(shape_ok, "every row has id, receipt, received_at, customer_name, stage, medium");
	is_int(npaged, total, "paging sees as many rows as there are cases");
	int dups = 0;
	for (int i = 0; i < npaged; i++)
		for (int j = i + 1; j < npaged; j++)
			if (paged[i] == paged[j])
				dups++;
	is_int(dups, 0, "paging sees every case exactly once");
	bool newest_first = true;
	for (int i = 1; i < npaged; i++)
		if (strcmp(stamps[i - 1], stamps[i]) < 0)
			newest_first = false;
	ok(newest_first, "newest first: received_at never increases along the pages");

	rc = kclient_call(op, &rep, "case.list", "{s i}", "limit", (int64_t)200);
	const msgpack_object *rows = it_array(rep.data, "rows");
	for (uint32_t i = 0; rows != NULL && i < rows->via.array.size && nwhole < MAX_CASES; i++)
		if (!it_int(&rows->via.array.ptr[i], "id", &whole[nwhole++]))
			whole[nwhole - 1] = -1;
	proto_reply_fini(&rep);
	if (total <= 200) {
		ok(nwhole == npaged && memcmp(whole, paged, sizeof whole[0] * (size_t)npaged) == 0,
		   "the pages, joined, are the same sequence as one page of 200 (stable order)");
	}
	/* The same pagination twice gives the same first page. */
	int64_t first[5];
	int nfirst = 0;
	rc = kclient_call(op, &rep, "case.list", "{s i}", "limit", (int64_t)5);
	rows = it_array(rep.data, "rows");
	for (uint32_t i = 0; rows != NULL && i < rows->via.array.size && i < 5; i++)
		if (it_int(&rows->via.array.ptr[i], "id", &first[nfirst]))
			nfirst++;
	ok(nfirst == 5 && npaged >= 5 && memcmp(first, paged, sizeof first) == 0,
	   "the first page is the same when asked again");
	proto_reply_fini(&rep);

	rc = kclient_call(op, &rep, "case.list", "{s i}", "limit", (int64_t)1);
	rows = it_array(rep.data, "rows");
	ok(it_outcome(rc, &rep) == 0 && rows != NULL && rows->via.array.size == 1,
	   "limit 1 gives one row");
	proto_reply_fini(&rep);
	rc = kclient_call(op, &rep, "case.list", NULL);
	rows = it_array(rep.data, "rows");
	ok(it_outcome(rc, &rep) == 0 && rows != NULL &&
	       rows->via.array.size == (uint32_t)(total < 50 ? total : 50),
	   "no limit gives the default of 50 rows (or all when fewer)");
	proto_reply_fini(&rep);
}

/* Sends a case.create whose args are already packed after the envelope in w, expects
 * bad_request. */
static void
expect_bad(const char *what, struct proto_writer *w)
{
	struct proto_reply rep;
	int rc = kclient_raw(op, &rep, w->buf.data, w->buf.size);

	is_str(it_code(it_outcome(rc, &rep)), "bad_request", "%s is a bad request", what);
	proto_reply_fini(&rep);
	proto_writer_reset(w);
}

static void
test_bad_input(void)
{
	static const char *const tables[] = { "cases", "case_customers", "case_items", "case_notes",
		                              "receipt_counters" };
	long long before[5], after;
	struct proto_writer w;
	uint8_t id[PROTO_ID_LEN];
	const char *tok = kclient_token(op);
	char *big;
	const char *longname;
	char kanji201[201 * 3 + 1] = "";

	for (int i = 0; i < 5; i++)
		before[i] = count_rows(tables[i]);
	big = malloc(5001);
	memset(big, 'x', 5000);
	big[5000] = '\0';
	for (int i = 0; i < 201; i++)
		strcat(kanji201, "髙");
	longname = kanji201;

	proto_writer_init(&w);
#define CREATE(what, ...)                                                                          \
	do {                                                                                       \
		proto_new_id(id);                                                                  \
		it_pack_request(&w, id, "case.create", tok, __VA_ARGS__);                          \
		expect_bad(what, &w);                                                              \
	} while (0)
	CREATE("case.create without customer_name", "{s s s [{s s s s}]}", "medium", "HDD", "items",
	       "kind", "medium", "description", "HDD");
	CREATE("case.create with an empty customer_name", "{s s s s s [{s s s s}]}",
	       "customer_name", "", "medium", "HDD", "items", "kind", "medium", "description",
	       "HDD");
	CREATE("case.create without medium", "{s s s [{s s s s}]}", "customer_name", "山田",
	       "items", "kind", "medium", "description", "HDD");
	CREATE("case.create without items", "{s s s s}", "customer_name", "山田", "medium", "HDD");
	CREATE("case.create with empty items", "{s s s s s []}", "customer_name", "山田", "medium",
	       "HDD", "items");
	CREATE("case.create with an unknown item kind", "{s s s s s [{s s s s}]}", "customer_name",
	       "山田", "medium", "HDD", "items", "kind", "floppy", "description", "FD");
	CREATE("case.create with an item without description", "{s s s s s [{s s}]}",
	       "customer_name", "山田", "medium", "HDD", "items", "kind", "medium");
	CREATE("case.create with an item that is a string", "{s s s s s [s]}", "customer_name",
	       "山田", "medium", "HDD", "items", "medium");
	CREATE("case.create with items as a map", "{s s s s s {s s s s}}", "customer_name", "山田",
	       "medium", "HDD", "items", "kind", "medium", "description", "HDD");
	CREATE("case.create with customer_name as an int", "{s i s s s [{s s s s}]}",
	       "customer_name", (int64_t)42, "medium", "HDD", "items", "kind", "medium",
	       "description", "HDD");
	CREATE("case.create with medium as bin", "{s s s x s [{s s s s}]}", "customer_name", "山田",
	       "medium", "HDD", (size_t)3, "items", "kind", "medium", "description", "HDD");
	CREATE("case.create with notes as an array", "{s s s s s [{s s s s}] s [s]}",
	       "customer_name", "山田", "medium", "HDD", "items", "kind", "medium", "description",
	       "HDD", "notes", "x");
	CREATE("case.create with phone as an int", "{s s s i s s s [{s s s s}]}", "customer_name",
	       "山田", "phone", (int64_t)312345678, "medium", "HDD", "items", "kind", "medium",
	       "description", "HDD");
	CREATE("case.create with a 201-character Japanese customer_name", "{s s s s s [{s s s s}]}",
	       "customer_name", longname, "medium", "HDD", "items", "kind", "medium", "description",
	       "HDD");
	CREATE("case.create with a 41-character phone", "{s s s S s s s [{s s s s}]}",
	       "customer_name", "山田", "phone", "0123456789012345678901234567890123456789012",
	       (size_t)41, "medium", "HDD", "items", "kind", "medium", "description", "HDD");
	CREATE("case.create with a 201-character email", "{s s s S s s s [{s s s s}]}",
	       "customer_name", "山田", "email", big, (size_t)201, "medium", "HDD", "items", "kind",
	       "medium", "description", "HDD");
	CREATE("case.create with a 501-character address", "{s s s S s s s [{s s s s}]}",
	       "customer_name", "山田", "address", big, (size_t)501, "medium", "HDD", "items",
	       "kind", "medium", "description", "HDD");
	CREATE("case.create with a 501-character medium", "{s s s S s [{s s s s}]}",
	       "customer_name", "山田", "medium", big, (size_t)501, "items", "kind", "medium",
	       "description", "HDD");
	CREATE("case.create with a 4001-character note", "{s s s s s [{s s s s}] s S}",
	       "customer_name", "山田", "medium", "HDD", "items", "kind", "medium", "description",
	       "HDD", "notes", big, (size_t)4001);
	CREATE("case.create with a 201-character item description", "{s s s s s [{s s s S}]}",
	       "customer_name", "山田", "medium", "HDD", "items", "kind", "medium", "description",
	       big, (size_t)201);
	CREATE("case.create with an empty item description", "{s s s s s [{s s s s}]}",
	       "customer_name", "山田", "medium", "HDD", "items", "kind", "medium", "description",
	       "");
	CREATE("case.create with invalid UTF-8 in customer_name", "{s S s s s [{s s s s}]}",
	       "customer_name", "\xff\xfe\x81", (size_t)3, "medium", "HDD", "items", "kind",
	       "medium", "description", "HDD");
	CREATE("case.create with a NUL byte in customer_name", "{s S s s s [{s s s s}]}",
	       "customer_name", "ab\0cd", (size_t)5, "medium", "HDD", "items", "kind", "medium",
	       "description", "HDD");
	CREATE("case.create with a terminal escape in medium", "{s s s s s [{s s s s}]}",
	       "customer_name", "山田", "medium", "HDD\x1b[2J", "items", "kind", "medium",
	       "description", "HDD");
	/* 100 items: one more than the limit. */
	proto_new_id(id);
	proto_request_begin(&w, id, "case.create", tok);
	msgpack_pack_map(&w.pk, 3);
	mp_packf(&w.pk, "s s s s s", "customer_name", "山田", "medium", "HDD", "items");
	msgpack_pack_array(&w.pk, 100);
	for (int i = 0; i < 100; i++)
		mp_packf(&w.pk, "{s s s s}", "kind", "other", "description", "部品");
	expect_bad("case.create with 100 items", &w);

	for (int i = 0; i < 5; i++) {
		after = count_rows(tables[i]);
		is_int(after, before[i], "nothing was written to kura.%s", tables[i]);
	}

	/* Reads. */
#define READ(what, op_, ...)                                                                       \
	do {                                                                                       \
		proto_new_id(id);                                                                  \
		it_pack_request(&w, id, op_, tok, __VA_ARGS__);                                    \
		expect_bad(what, &w);                                                              \
	} while (0)
	READ("case.list with limit 0", "case.list", "{s i}", "limit", (int64_t)0);
	READ("case.list with limit 1000", "case.list", "{s i}", "limit", (int64_t)1000);
	READ("case.list with limit 201", "case.list", "{s i}", "limit", (int64_t)201);
	READ("case.list with limit -1", "case.list", "{s i}", "limit", (int64_t)-1);
	READ("case.list with limit as a string", "case.list", "{s s}", "limit", "5");
	READ("case.list with after as a string", "case.list", "{s s}", "after", "abc");
	READ("case.list with q as an int", "case.list", "{s i}", "q", (int64_t)7);
	READ("case.get without receipt", "case.get", NULL);
	READ("case.get with receipt as an int", "case.get", "{s i}", "receipt", (int64_t)260100001);
	READ("an unknown op", "case.frobnicate", NULL);

	struct proto_reply rep;
	int rc = kclient_call(op, &rep, "case.list", "{s i}", "limit", (int64_t)200);
	is_str(it_code(it_outcome(rc, &rep)), "ok", "limit 200 is accepted");
	proto_reply_fini(&rep);
	rc = kclient_call(op, &rep, "case.get", "{s s}", "receipt", "0001-99999");
	is_str(it_code(it_outcome(rc, &rep)), "not_found", "case.get of an unknown receipt");
	proto_reply_fini(&rep);

	/* Boundaries that must be accepted: 200 characters of 3-byte kanji is 600 bytes. */
	char kanji200[200 * 3 + 1];
	memcpy(kanji200, kanji201, 200 * 3);
	kanji200[200 * 3] = '\0';
	rc = kclient_call(op, &rep, "case.create", "{s s s s s [{s s s s}]}", "customer_name",
	                  kanji200, "medium", "HDD", "items", "kind", "other", "description",
	                  "部品");
	is_str(it_code(it_outcome(rc, &rep)), "ok",
	       "a 200-character customer_name of 600 bytes is accepted (characters, not bytes)");
	const char *r = it_str(rep.data, "receipt");
	char rcp[32];
	snprintf(rcp, sizeof rcp, "%s", r != NULL ? r : "");
	proto_reply_fini(&rep);
	rc = kclient_call(op, &rep, "case.get", "{s s}", "receipt", rcp);
	is_str(it_str(rep.data, "customer_name"), kanji200, "and comes back whole");
	proto_reply_fini(&rep);

	proto_writer_fini(&w);
	free(big);
#undef CREATE
#undef READ
}

static void
test_forbidden(void)
{
	struct proto_reply rep;
	long long before = count_rows("cases");
	int rc;

	rc = kclient_call(tech, &rep, "case.create", "{s s s s s [{s s s s}]}", "customer_name",
	                  "技術 太郎", "medium", "HDD", "items", "kind", "medium", "description",
	                  "HDD");
	is_str(it_code(it_outcome(rc, &rep)), "forbidden", "technician: case.create is forbidden");
	proto_reply_fini(&rep);
	is_int(count_rows("cases"), before, "and no case was created");
}

static void
test_idempotency(void)
{
	struct proto_writer w;
	struct proto_reply r1, r2, r3;
	uint8_t id[PROTO_ID_LEN];
	long long before = count_rows("cases");
	char rcpt1[32] = "";
	int rc;

	proto_new_id(id);
	proto_writer_init(&w);
	it_pack_request(&w, id, "case.create", kclient_token(op),
	                "{s s s s s [{s s s s} {s s s s}]}", "customer_name", "再送 確認", "medium",
	                "SSD 512GB 再送テスト", "items", "kind", "medium", "description", "SSD",
	                "kind", "packing", "description", "緩衝材");
	rc = kclient_raw(op, &r1, w.buf.data, w.buf.size);
	is_str(it_code(it_outcome(rc, &r1)), "ok", "idempotency: the first send creates a case");
	ok(r1.has_id && memcmp(r1.id, id, PROTO_ID_LEN) == 0,
	   "idempotency: the reply echoes the id");
	const char *a = it_str(r1.data, "receipt");
	snprintf(rcpt1, sizeof rcpt1, "%s", a != NULL ? a : "");
	/* The first reply's labels are copied before the second reply arrives. */
	char labels1[2][48] = { "", "" };
	const msgpack_object *l1 = it_array(r1.data, "labels");
	for (uint32_t i = 0; l1 != NULL && i < l1->via.array.size && i < 2; i++)
		mp_strcpy(&l1->via.array.ptr[i], labels1[i], sizeof labels1[i]);
	ok(l1 != NULL && l1->via.array.size == 2, "idempotency: two labels");
	rc = kclient_raw(op, &r2, w.buf.data, w.buf.size);
	is_str(it_code(it_outcome(rc, &r2)), "ok", "idempotency: the same bytes again are ok");
	is_str(it_str(r2.data, "receipt"), rcpt1, "idempotency: the same receipt number");
	const msgpack_object *l2 = it_array(r2.data, "labels");
	ok(l2 != NULL && l2->via.array.size == 2 && it_array_has_str(l2, labels1[0]) &&
	       it_array_has_str(l2, labels1[1]),
	   "idempotency: the same labels (%s, %s)", labels1[0], labels1[1]);
	proto_reply_fini(&r1);
	proto_reply_fini(&r2);

	/* As after a reconnect: another connection, same token, same bytes. */
	struct kclient *c3 = it_open(env.call_url, IT_TIMEOUT_MS);
	rc = kclient_raw(c3, &r3, w.buf.data, w.buf.size);
	is_str(it_code(it_outcome(rc, &r3)), "ok", "idempotency: a resend on a new connection");
	is_str(it_str(r3.data, "receipt"), rcpt1, "idempotency: still the same receipt number");
	proto_reply_fini(&r3);
	kclient_free(c3);
	is_int(count_rows("cases"), before + 1, "idempotency: only one case was created");

	/* The same id from another user is a conflict, not the first user's reply. */
	if (tmp != NULL) {
		proto_writer_reset(&w);
		it_pack_request(&w, id, "case.create", kclient_token(tmp),
		                "{s s s s s [{s s s s} {s s s s}]}", "customer_name", "再送 確認",
		                "medium", "SSD 512GB 再送テスト", "items", "kind", "medium",
		                "description", "SSD", "kind", "packing", "description", "緩衝材");
		rc = kclient_raw(tmp, &r3, w.buf.data, w.buf.size);
		is_str(it_code(it_outcome(rc, &r3)), "conflict",
		       "idempotency: the same id from another user is a conflict");
		ok(it_str(r3.data, "receipt") == NULL, "and does not reveal the receipt number");
		proto_reply_fini(&r3);
	}
	/* The same id for another write op by the same user is a conflict: no logout happens. */
	proto_writer_reset(&w);
	it_pack_request(&w, id, "auth.logout", kclient_token(op), NULL);
	rc = kclient_raw(op, &r3, w.buf.data, w.buf.size);
	is_str(it_code(it_outcome(rc, &r3)), "conflict",
	       "idempotency: the same id for auth.logout is a conflict");
	proto_reply_fini(&r3);
	rc = kclient_call(op, &r3, "auth.whoami", NULL);
	is_str(it_code(it_outcome(rc, &r3)), "ok", "and the session was not ended");
	proto_reply_fini(&r3);
	is_int(count_rows("cases"), before + 1, "idempotency: still only one case");
	proto_writer_fini(&w);
}

int
main(void)
{
	const char *why = NULL;
	const struct it_account *a;
	int rc;

	if (it_env_load(&env, &why) != 0)
		tap_bail(why);
	if ((db = it_db_open(&env)) == NULL)
		tap_bail("cannot connect as the database owner");
	if ((op = it_session(env.call_url, it_account(&env, "operator", false), &rc)) == NULL)
		tap_bail("the operator cannot log in on the call centre");
	if ((tech = it_session(env.tech_url, it_account(&env, "technician", false), &rc)) == NULL)
		tap_bail("the technician cannot log in on the tech centre");
	a = it_account(&env, "operator", true);
	tmp = it_session(env.call_url, a, &rc);
	ok(tmp != NULL, "a temporary operator logs in on the call centre");
	make_canaries();
	tap_diag("canary %s", hex);

	test_create();
	check_get("operator", op, false);
	check_get("technician", tech, true);
	if (tmp != NULL)
		check_get("temporary operator", tmp, true);
	/* The manager's rights follow the segment: personal data on the call centre only. */
	a = it_account(&env, "manager", false);
	struct kclient *mgr_call = it_session(env.call_url, a, &rc);
	struct kclient *mgr_tech = it_session(env.tech_url, a, &rc);
	if (mgr_call != NULL && mgr_tech != NULL) {
		check_get("manager on the call centre", mgr_call, false);
		check_get("manager on the tech centre", mgr_tech, true);
	} else {
		ok(0, "a manager logs in on both centres");
	}
	kclient_free(mgr_call);
	kclient_free(mgr_tech);
	test_search();
	test_search_index();
	test_forbidden();
	test_pagination();
	test_bad_input();
	test_idempotency();

	kclient_free(op);
	kclient_free(tech);
	kclient_free(tmp);
	PQfinish(db);
	return tap_done();
}
