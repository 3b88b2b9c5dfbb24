/* The case sheet against the real stack: a case from intake to erasure through two clients
 * on two segments, each stamp by the right person with verification; every out-of-order,
 * wrong-role, wrong-segment, wrong-verification and double-binding attempt refused, audited,
 * and nothing changed; the device race has exactly one winner; the sheet and the custody
 * ledger tell the truth. */
#include "config.h"

#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "it.h"
#include "mp.h"
#include "xmalloc.h"
#include "../tap.h"

static struct it_env env;
static PGconn *db;
static struct kclient *op, *tech, *tech2, *ship, *mgr;

/* Calls op and returns its outcome; the reply is kept in *rep (caller finishes it). */
#define CALL(c, rep, op, ...) it_outcome(kclient_call((c), (rep), (op), __VA_ARGS__), (rep))

static const char *
stage_of(const char *receipt)
{
	static char buf[32];
	const char *p[1] = { receipt };
	char *s = it_db_text(db, "SELECT stage FROM kura.cases WHERE receipt = $1", 1, p);

	snprintf(buf, sizeof buf, "%s", s ? s : "(none)");
	free(s);
	return buf;
}

static long long
count(const char *sql, const char *receipt)
{
	const char *p[1] = { receipt };
	return it_db_int(db, sql, 1, p);
}

/* A stamp; returns its outcome. */
static int
stamp(struct kclient *c, const char *receipt, const char *verify, const char *stage,
      const char *device, const char *eraser, const char *method)
{
	struct proto_reply rep;
	int rc = CALL(c, &rep, "case.stamp", "{s s s s s s s s s s s s s s}", "receipt", receipt,
	              "verify", verify, "stage", stage, "remark", "確認済み", "device", device,
	              "eraser", eraser, "method", method);
	if (rc != 0)
		tap_diag("  %s %s: %s (%s)", stage, receipt, it_code(rc), rep.err_msg);
	proto_reply_fini(&rep);
	return rc;
}

/* A refused stamp must change nothing: same stage, same number of stamps. */
static void
refused(int got, int want, const char *receipt, const char *stage_before, const char *what)
{
	is_str(it_code(got), it_code(want), "%s is refused with %s", what, it_code(want));
	is_str(stage_of(receipt), stage_before, "  and the case stays at %s", stage_before);
}

static char *
new_case(void)
{
	struct proto_reply rep;
	char *receipt = NULL;

	if (CALL(op, &rep, "case.create", "{s s s s s s s [{s s s s} {s s s s}] s s}",
	         "customer_name", "伊藤 さくら", "phone", "045-111-2222", "medium",
	         "3.5インチ HDD 2TB 異音", "items", "kind", "medium", "description", "HDD", "kind",
	         "packing", "description", "段ボール箱", "notes", "お急ぎ") == 0)
		receipt = it_str(rep.data, "receipt") ? xstrdup(it_str(rep.data, "receipt")) : NULL;
	proto_reply_fini(&rep);
	return receipt;
}

struct race {
	struct kclient *c;
	const char *receipt;
	int rc;
};

static void *
race_bind(void *arg)
{
	struct race *r = arg;

	r->rc = stamp(r->c, r->receipt, r->receipt, "analysis", "AN-03", NULL, NULL);
	return NULL;
}

static void
test_lifecycle(void)
{
	struct proto_reply rep;
	char *receipt = new_case();
	int rc;

	if (!ok(receipt != NULL, "the operator registers a case"))
		return;
	long long audit0 = count("SELECT count(*) FROM kura.audit_log WHERE op = 'case.stamp'"
	                         " AND object LIKE $1 || '%'",
	                         receipt);

	/* 1 intake */
	refused(stamp(op, receipt, "2611-99999", "intake", NULL, NULL, NULL), ERR_BAD_REQUEST,
	        receipt, "intake", "intake with a wrong receipt number typed again");
	refused(stamp(op, receipt, receipt, "analysis", NULL, NULL, NULL), ERR_INVALID_STATE,
	        receipt, "intake", "analysis before intake (out of order)");
	refused(stamp(tech, receipt, receipt, "intake", NULL, NULL, NULL), ERR_FORBIDDEN, receipt,
	        "intake", "intake by a technician on the tech-centre network");
	is_int(stamp(op, receipt, receipt, "intake", NULL, NULL, NULL), 0,
	       "the operator stamps intake with the receipt number typed again");
	is_str(stage_of(receipt), "analysis", "  and the case moves to analysis");
	refused(stamp(op, receipt, receipt, "intake", NULL, NULL, NULL), ERR_INVALID_STATE, receipt,
	        "analysis", "intake stamped twice");
	is_int(count("SELECT count(*) FROM kura.case_items i JOIN kura.cases c ON c.id = i.case_id"
	             " WHERE c.receipt = $1 AND i.location = 'before-analysis'",
	             receipt),
	       2, "  and both items are on the before-analysis shelf");

	/* 2 analysis */
	refused(stamp(op, receipt, receipt, "analysis", "AN-01", NULL, NULL), ERR_FORBIDDEN,
	        receipt, "analysis", "analysis by the operator");
	refused(stamp(tech, receipt, receipt, "analysis", NULL, NULL, NULL), ERR_BAD_REQUEST,
	        receipt, "analysis", "analysis without naming a device");
	refused(stamp(tech, receipt, receipt, "analysis", "ER-01", NULL, NULL), ERR_BAD_REQUEST,
	        receipt, "analysis", "analysis on an eraser instead of an analysis device");
	is_int(stamp(tech, receipt, receipt, "analysis", "AN-01", NULL, NULL), 0,
	       "the technician stamps analysis, binding AN-01");
	is_int(count("SELECT count(*) FROM kura.device_bindings b JOIN kura.cases c ON"
	             " c.id = b.case_id WHERE c.receipt = $1 AND b.device_id = 'AN-01'"
	             " AND b.released_at IS NULL",
	             receipt),
	       1, "  AN-01 is bound to the case");

	/* work logs: tech centre only */
	is_int(CALL(tech, &rep, "worklog.add", "{s s s s s i s s}", "receipt", receipt, "kind",
	            "physical", "minutes", (int64_t)90, "body", "ヘッド交換、イメージ取得 98%"),
	       0, "the technician logs 90 minutes of physical work");
	proto_reply_fini(&rep);
	is_str(it_code(CALL(op, &rep, "worklog.list", "{s s}", "receipt", receipt)), "forbidden",
	       "work logs are not readable on the call-centre network");
	proto_reply_fini(&rep);

	/* Occupancy and man-hours: AN-01 holds this case now; the case has its 90 minutes. */
	rc = CALL(tech, &rep, "device.report", NULL);
	const msgpack_object *devs = it_array(rep.data, "devices");
	const msgpack_object *mh = it_array(rep.data, "cases");
	int64_t cases = 0, minutes = 0;
	for (uint32_t i = 0; devs != NULL && i < devs->via.array.size; i++)
		if (strcmp(it_str(&devs->via.array.ptr[i], "id"), "AN-01") == 0)
			it_int(&devs->via.array.ptr[i], "cases", &cases);
	for (uint32_t i = 0; mh != NULL && i < mh->via.array.size; i++)
		if (strcmp(it_str(&mh->via.array.ptr[i], "receipt"), receipt) == 0)
			it_int(&mh->via.array.ptr[i], "minutes", &minutes);
	ok(rc == 0 && cases >= 1, "the device report counts AN-01's binding");
	is_int(minutes, 90, "  and the man-hours report gives the case its 90 minutes");
	proto_reply_fini(&rep);

	/* 3 report: three approved documents first */
	refused(stamp(tech, receipt, receipt, "report", NULL, NULL, NULL), ERR_INVALID_STATE,
	        receipt, "report", "report before the documents are approved");
	static const char *const kinds[] = { "report", "estimate", "data_list" };
	static const char *const contents[] = { "調査報告: 物理障害。復旧見込み高。",
		                                "見積: 85,000円 (税込)",
		                                "データ一覧:\n/写真/2024/*.jpg 1,204件\n" };
	for (int k = 0; k < 3; k++) {
		char hex[65];
		unsigned char h[32];
		crypto_hash_sha256(h, (const unsigned char *)contents[k], strlen(contents[k]));
		sodium_bin2hex(hex, sizeof hex, h, sizeof h);
		rc = CALL(tech, &rep, "document.issue", "{s s s s s s}", "receipt", receipt, "kind",
		          kinds[k], "content", contents[k]);
		is_int(rc, 0, "the technician issues the %s", kinds[k]);
		is_str(it_str(rep.data, "sha256"), hex, "  its SHA-256 is the content's");
		proto_reply_fini(&rep);
	}
	is_str(it_code(CALL(tech, &rep, "document.approve", "{s s s s s i}", "receipt", receipt,
	                    "kind", "report", "version", (int64_t)1)),
	       "forbidden", "a technician may not approve documents");
	proto_reply_fini(&rep);
	for (int k = 0; k < 3; k++) {
		is_int(CALL(mgr, &rep, "document.approve", "{s s s s s i}", "receipt", receipt,
		            "kind", kinds[k], "version", (int64_t)1),
		       0, "the manager approves the %s", kinds[k]);
		proto_reply_fini(&rep);
	}
	is_str(it_code(CALL(mgr, &rep, "document.approve", "{s s s s s i}", "receipt", receipt,
	                    "kind", "report", "version", (int64_t)1)),
	       "conflict", "approving the same version twice is a conflict");
	proto_reply_fini(&rep);
	is_int(it_db_exec(db,
	                  "UPDATE kura.documents SET content = 'changed' WHERE kind = 'report'"
	                  " AND case_id = (SELECT id FROM kura.cases WHERE receipt = $1)",
	                  1, (const char *[]){ receipt }),
	       -1, "an approved document cannot be changed, even by the owner");
	is_int(stamp(tech, receipt, receipt, "report", NULL, NULL, NULL), 0,
	       "with all three approved, the technician stamps the report");

	/* 4 reply */
	refused(stamp(op, receipt, receipt, "reply", NULL, NULL, NULL), ERR_INVALID_STATE, receipt,
	        "reply", "reply stamped before the customer's reply is recorded");
	is_str(it_code(CALL(op, &rep, "case.reply", "{s s s s s s}", "receipt", receipt, "decision",
	                    "maybe", "fax_date", "2026-11-20")),
	       "bad_request", "a reply other than proceed/cancel is refused");
	proto_reply_fini(&rep);
	is_int(CALL(op, &rep, "case.reply", "{s s s s s s}", "receipt", receipt, "decision",
	            "proceed", "fax_date", "2026-11-20"),
	       0, "the operator records the faxed reply: proceed");
	proto_reply_fini(&rep);
	is_int(stamp(op, receipt, receipt, "reply", NULL, NULL, NULL), 0,
	       "the operator stamps the reply");

	/* 5 recovery */
	is_int(stamp(tech, receipt, receipt, "recovery", NULL, NULL, NULL), 0,
	       "the technician stamps recovery");
	is_int(count("SELECT count(*) FROM kura.device_bindings b JOIN kura.cases c ON"
	             " c.id = b.case_id WHERE c.receipt = $1 AND b.released_at IS NULL",
	             receipt),
	       0, "  and AN-01 is released");

	/* 6 shipping */
	refused(stamp(ship, receipt, receipt, "shipping", NULL, NULL, NULL), ERR_INVALID_STATE,
	        receipt, "shipping", "shipping stamped before the shipment is recorded");
	is_str(it_code(CALL(ship, &rep, "case.ship", "{s s s s s s}", "receipt", receipt, "carrier",
	                    "ヤマト運輸", "tracking", "1234-5678-9012")),
	       "bad_request", "a shipment without the address confirmed is refused");
	proto_reply_fini(&rep);
	is_int(CALL(ship, &rep, "case.ship", "{s s s b s s s s}", "receipt", receipt,
	            "address_confirmed", 1, "carrier", "ヤマト運輸", "tracking", "1234-5678-9012"),
	       0, "the shipping clerk records carrier and tracking number");
	proto_reply_fini(&rep);
	refused(stamp(tech, receipt, receipt, "shipping", NULL, NULL, NULL), ERR_FORBIDDEN, receipt,
	        "shipping", "shipping stamped by a technician");
	is_int(stamp(ship, receipt, receipt, "shipping", NULL, NULL, NULL), 0,
	       "the shipping clerk stamps shipping");

	/* 7 erasure after the retention period */
	refused(stamp(tech, receipt, receipt, "erasure", "ER-01", "ER-01", "DoD 5220.22-M"),
	        ERR_INVALID_STATE, receipt, "erasure", "erasure before the image retention ends");
	it_db_exec(db,
	           "UPDATE kura.cases SET erasure_due = now() - interval '1 minute'"
	           " WHERE receipt = $1",
	           1, (const char *[]){ receipt });
	rc = CALL(tech, &rep, "case.queue", "{s s}", "queue", "erasure-due");
	const msgpack_object *rows = it_array(rep.data, "rows");
	bool listed = false;
	for (uint32_t i = 0; rows != NULL && i < rows->via.array.size; i++)
		listed |= it_str(&rows->via.array.ptr[i], "receipt") != NULL &&
		          strcmp(it_str(&rows->via.array.ptr[i], "receipt"), receipt) == 0;
	ok(rc == 0 && listed, "past retention, the case is in the erasure-due queue");
	proto_reply_fini(&rep);
	refused(stamp(tech, receipt, receipt, "erasure", NULL, NULL, "overwrite"), ERR_BAD_REQUEST,
	        receipt, "erasure", "erasure without naming the eraser");
	is_int(stamp(tech, receipt, receipt, "erasure", NULL, "ER-01", "3-pass overwrite"), 0,
	       "the technician stamps erasure with ER-01");
	is_str(stage_of(receipt), "closed", "  and the case is closed");
	is_str(
	    it_code(CALL(op, &rep, "case.note", "{s s s s}", "receipt", receipt, "body", "追記")),
	    "invalid_state", "a closed case takes no more notes");
	proto_reply_fini(&rep);

	/* The sheet: seven stamps, each with date and person. */
	rc = CALL(tech, &rep, "case.sheet", "{s s}", "receipt", receipt);
	const msgpack_object *stages = it_array(rep.data, "stages");
	int stamped = 0;
	for (uint32_t i = 0; stages != NULL && i < stages->via.array.size; i++)
		stamped += it_str(&stages->via.array.ptr[i], "at") != NULL &&
		           it_str(&stages->via.array.ptr[i], "by") != NULL;
	ok(rc == 0 && stages != NULL && stages->via.array.size == 7 && stamped == 7,
	   "the case sheet shows all seven stages stamped with date and person");
	bool closed = false;
	ok(it_bool(rep.data, "closed", &closed) && closed, "  and says the case is closed");
	proto_reply_fini(&rep);

	/* Custody: the items' path, one event per move. */
	rc = CALL(op, &rep, "case.custody", "{s s}", "receipt", receipt);
	const msgpack_object *ev = it_array(rep.data, "events");
	ok(rc == 0 && ev != NULL && ev->via.array.size == 10,
	   "the custody record holds 5 events for each of the 2 items (got %u)",
	   ev ? ev->via.array.size : 0);
	proto_reply_fini(&rep);

	long long audit1 = count("SELECT count(*) FROM kura.audit_log WHERE op = 'case.stamp'"
	                         " AND object LIKE $1 || '%' AND outcome <> 'ok'",
	                         receipt);
	/* 13 refusals above: 8 stage, verification and right checks, 5 missing prerequisites */
	is_int(audit1 - audit0, 13, "every refused stamp is in the audit log, with its outcome");
	free(receipt);
}

static void
test_device_race(void)
{
	char *a = new_case(), *b = new_case();
	struct race ra, rb;
	pthread_t ta, tb;

	if (!ok(a && b, "two cases for the device race"))
		return;
	stamp(op, a, a, "intake", NULL, NULL, NULL);
	stamp(op, b, b, "intake", NULL, NULL, NULL);
	ra = (struct race){ tech, a, -99 };
	rb = (struct race){ tech2, b, -99 };
	pthread_create(&ta, NULL, race_bind, &ra);
	pthread_create(&tb, NULL, race_bind, &rb);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	ok((ra.rc == 0) != (rb.rc == 0), "two technicians race for AN-03: exactly one wins");
	ok((ra.rc == 0 && rb.rc == ERR_CONFLICT) || (rb.rc == 0 && ra.rc == ERR_CONFLICT),
	   "  the other gets conflict");
	is_int(it_db_int(db,
	                 "SELECT count(*) FROM kura.device_bindings WHERE device_id = 'AN-03'"
	                 " AND released_at IS NULL",
	                 0, NULL),
	       1, "  AN-03 has one open binding");
	const char *loser = ra.rc == 0 ? b : a;
	is_str(stage_of(loser), "analysis", "  the loser's case is still at analysis");
	free(a);
	free(b);
}

static void
test_notes_and_ledger(void)
{
	struct proto_reply rep;
	char *receipt = new_case();
	int64_t id = 0;

	char *other = new_case();

	if (!ok(receipt != NULL && other != NULL, "two cases for notes"))
		return;
	is_int(CALL(op, &rep, "case.note", "{s s s s}", "receipt", receipt, "body",
	            "お客様より: 至急対応希望"),
	       0, "the operator adds a note for the technician");
	it_int(rep.data, "id", &id);
	proto_reply_fini(&rep);
	CALL(op, &rep, "case.note", "{s s s s}", "receipt", other, "body", "別件: 梱包に破損あり");
	proto_reply_fini(&rep);
	CALL(tech, &rep, "case.queue", "{s s}", "queue", "new-notes");
	const msgpack_object *rows = it_array(rep.data, "rows");
	bool found = false;
	for (uint32_t i = 0; rows != NULL && i < rows->via.array.size; i++)
		found |= strcmp(it_str(&rows->via.array.ptr[i], "receipt"), receipt) == 0;
	ok(found, "the technician's new-notes queue lists the case");
	ok(rows != NULL && rows->via.array.size > 0 &&
	       strcmp(it_str(&rows->via.array.ptr[0], "customer_name"), "***") == 0,
	   "  with the customer masked on the tech-centre network");
	proto_reply_fini(&rep);
	CALL(tech, &rep, "case.notes_seen", "{s s s i}", "receipt", receipt, "upto", id);
	proto_reply_fini(&rep);
	CALL(tech, &rep, "case.queue", "{s s}", "queue", "new-notes");
	rows = it_array(rep.data, "rows");
	found = false;
	for (uint32_t i = 0; rows != NULL && i < rows->via.array.size; i++)
		found |= strcmp(it_str(&rows->via.array.ptr[i], "receipt"), receipt) == 0;
	ok(!found, "once seen, it leaves the queue");
	found = false;
	for (uint32_t i = 0; rows != NULL && i < rows->via.array.size; i++)
		found |= strcmp(it_str(&rows->via.array.ptr[i], "receipt"), other) == 0;
	ok(found, "  while another case's unseen note stays");
	proto_reply_fini(&rep);
	free(other);

	long long counter = it_db_int(db,
	                              "SELECT count(*) FROM kura.case_items i JOIN"
	                              " kura.locations l ON l.name = i.location WHERE l.held",
	                              0, NULL);
	int rc = CALL(op, &rep, "custody.ledger", NULL);
	const msgpack_object *locs = it_array(rep.data, "locations");
	int64_t sum = 0, n;
	for (uint32_t i = 0; locs != NULL && i < locs->via.array.size; i++)
		if (it_int(&locs->via.array.ptr[i], "count", &n))
			sum += n;
	ok(rc == 0 && sum == counter, "the custody ledger counts every medium held (%lld)",
	   counter);
	proto_reply_fini(&rep);
	is_str(it_code(CALL(op, &rep, "custody.move", "{s s s s s s}", "label", "nope-01", "to",
	                    "backup", "reason", "x")),
	       "forbidden", "operators do not move media");
	proto_reply_fini(&rep);
	char label[48];
	snprintf(label, sizeof label, "%s-01", receipt);
	is_int(CALL(tech, &rep, "custody.move", "{s s s s s s}", "label", label, "to", "backup",
	            "reason", "棚卸し"),
	       0, "a technician moves an item to the backup shelf");
	proto_reply_fini(&rep);
	is_str(it_code(CALL(tech, &rep, "custody.move", "{s s s s s s}", "label", label, "to",
	                    "nowhere", "reason", "x")),
	       "bad_request", "to an unknown location: refused");
	proto_reply_fini(&rep);
	free(receipt);
}

/* Who saw whose personal data: a read that returned it is recorded, a masked one is not. */
static void
test_pii_reads(void)
{
	struct proto_reply rep;
	char *receipt = new_case();
	const char *p[1] = { receipt };
	const char *sql = "SELECT count(*) FROM kura.pii_reads r JOIN kura.users u ON"
	                  " u.id = r.user_id JOIN kura.cases c ON c.id = ANY (r.case_ids)"
	                  " WHERE c.receipt = $1 AND u.role = $2 AND r.op = 'case.get'";

	if (!ok(receipt != NULL, "a case for personal-data reads"))
		return;
	CALL(op, &rep, "case.get", "{s s}", "receipt", receipt);
	proto_reply_fini(&rep);
	CALL(tech, &rep, "case.get", "{s s}", "receipt", receipt);
	proto_reply_fini(&rep);
	is_int(it_db_int(db, sql, 2, (const char *[]){ receipt, "operator" }), 1,
	       "the operator's read of the customer's data is recorded with the case");
	is_int(it_db_int(db, sql, 2, (const char *[]){ receipt, "technician" }), 0,
	       "the technician's masked read is not a personal-data read");
	is_int(it_db_int(db,
	                 "SELECT count(*) FROM kura.pii_reads r JOIN kura.audit_log a ON"
	                 " a.request_id = r.request_id AND a.op = r.op AND a.outcome = 'ok'"
	                 " JOIN kura.cases c ON c.id = ANY (r.case_ids) WHERE c.receipt = $1",
	                 1, p),
	       1, "  and it joins its audit row by request id");
	free(receipt);
}

int
main(void)
{
	const char *why;
	int rc;

	if (it_env_load(&env, &why) != 0)
		tap_bail(why);
	if ((db = it_db_open(&env)) == NULL)
		tap_bail("cannot open the database as its owner");
	if (sodium_init() < 0)
		tap_bail("libsodium");
	op = it_session(env.call_url, it_account(&env, "operator", false), &rc);
	tech = it_session(env.tech_url, it_account(&env, "technician", false), &rc);
	tech2 = it_session(env.tech_url, it_account(&env, "technician", false), &rc);
	ship = it_session(env.tech_url, it_account(&env, "shipping", false), &rc);
	mgr = it_session(env.tech_url, it_account(&env, "manager", false), &rc);
	if (!op || !tech || !tech2 || !ship || !mgr)
		tap_bail("cannot sign in the five people of the case sheet");
	test_lifecycle();
	test_device_race();
	test_notes_and_ledger();
	test_pii_reads();
	kclient_free(op), kclient_free(tech), kclient_free(tech2), kclient_free(ship);
	kclient_free(mgr);
	PQfinish(db);
	return tap_done();
}
