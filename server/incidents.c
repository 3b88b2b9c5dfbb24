/* incident.*: security incidents (情報セキュリティインシデント報告書) — reporting, the workflow
 * from report to a manager's close, investigation, countermeasures, review, the timeline, the
 * manager's dashboard and the printed report. Who sees which incident is row-level security
 * (schema/008_incidents.sql); the workflow's rules are checked here first, for a clear answer,
 * and held again by the schema's triggers. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "commands.h"
#include "err.h"
#include "mp.h"
#include "xmalloc.h"

#define INCIDENT_MASK      "***"
#define INCIDENT_MAX_LINKS 50
#define INCIDENT_TEXT_MAX  8000
/* A found_at this far in the future is a clock difference, not a mistake. */
#define INCIDENT_CLOCK_SKEW 300

static const char *const incident_severities[] = { "low", "medium", "high", "critical" };
static const char *const incident_statuses[] = { "reported",        "triaged",  "investigating",
	                                         "countermeasures", "resolved", "closed",
	                                         "rejected" };
static const char *const incident_cm_states[] = { "planned", "in_progress", "done", "verified" };
static const char *const incident_link_kinds[] = { "case", "device", "asset" };
static const char *const incident_sorts[] = { "newest", "oldest", "severity", "updated" };

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

/* ============================== helpers ============================== */

static bool
incident_in(const char *s, const char *const *set, size_t n)
{
	for (size_t i = 0; s != NULL && i < n; i++)
		if (strcmp(s, set[i]) == 0)
			return true;
	return false;
}

static bool
incident_can(const struct request *r, enum right right)
{
	return (r->sess.rights & RIGHT_BIT(right)) != 0;
}

static const char *
incident_value(const PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? NULL : PQgetvalue(res, row, col);
}

static int64_t
incident_int(const PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? 0 : strtoll(PQgetvalue(res, row, col), NULL, 10);
}

static bool
incident_bool(const PGresult *res, int row, int col)
{
	return !PQgetisnull(res, row, col) && PQgetvalue(res, row, col)[0] == 't';
}

/* Reads args.id into a decimal string and names the incident for the audit row. */
static int
incident_id_arg(struct request *r, char id[24])
{
	int64_t v;
	int rc;

	if ((rc = arg_int(r, "id", 1, INT64_MAX, 0, &v)) != 0)
		return rc;
	if (v == 0)
		return request_fail(r, ERR_BAD_REQUEST, "id is required");
	snprintf(id, 24, "%lld", (long long)v);
	snprintf(r->object, sizeof r->object, "incident:%s", id);
	return 0;
}

/* Reads an optional boolean argument; absent or nil gives def. */
static int
incident_bool_arg(struct request *r, const char *key, bool def, bool *out)
{
	const msgpack_object *o = mp_get(r->msg->args, key);

	*out = def;
	if (o == NULL || o->type == MSGPACK_OBJECT_NIL)
		return 0;
	if (o->type != MSGPACK_OBJECT_BOOLEAN)
		return request_fail(r, ERR_BAD_REQUEST, "%s must be true or false", key);
	*out = o->via.boolean;
	return 0;
}

/* An ISO 8601 time with Z or an offset ("2026-11-22T16:05Z", "2026-11-22 16:05:00+09:00")
 * as "YYYY-MM-DDTHH:MM:SSZ" in UTC. Returns 0, or -1 when it is not one. */
static int
incident_parse_time(const char *s, char out[24], time_t *when)
{
	int y, mo, d, h, mi, sec = 0, n = 0, k = 0, oh = 0, om = 0;
	struct tm tm;
	time_t t;

	if (sscanf(s, "%4d-%2d-%2d%*1[T ]%2d:%2d%n", &y, &mo, &d, &h, &mi, &n) != 5 || n != 16)
		return -1;
	s += n;
	if (*s == ':') {
		if (sscanf(s, ":%2d%n", &sec, &k) != 1 || k != 3)
			return -1;
		s += k;
	}
	if (*s == '.')
		for (s++; *s >= '0' && *s <= '9'; s++)
			;
	if (*s == '+' || *s == '-') {
		int sign = *s == '-' ? -1 : 1;
		if (sscanf(s + 1, "%2d:%2d%n", &oh, &om, &k) != 2 || k != 5 || oh > 14 || om > 59)
			return -1;
		s += 1 + k;
		oh *= sign;
		om *= sign;
	} else if (*s == 'Z') {
		s++;
	} else {
		return -1;
	}
	if (*s != '\0' || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
		return -1;
	memset(&tm, 0, sizeof tm);
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	t = timegm(&tm);
	if (tm.tm_mday != d) /* 31 February */
		return -1;
	t -= (time_t)oh * 3600 + (time_t)om * 60;
	if (gmtime_r(&t, &tm) == NULL)
		return -1;
	strftime(out, 24, "%Y-%m-%dT%H:%M:%SZ", &tm);
	*when = t;
	return 0;
}

/* Reads the optional time argument key into out (UTC); absent gives "" . */
static int
incident_time_arg(struct request *r, const char *key, char out[24])
{
	char *s = NULL;
	time_t when;
	int rc;

	out[0] = '\0';
	if ((rc = arg_str(r, key, false, 40, &s)) != 0 || s == NULL)
		return rc;
	if (incident_parse_time(s, out, &when) != 0)
		rc = request_fail(r, ERR_BAD_REQUEST,
		                  "%s must be an ISO 8601 time with Z or an offset "
		                  "(2026-11-22T16:05:00+09:00)",
		                  key);
	else if (when > time(NULL) + INCIDENT_CLOCK_SKEW)
		rc = request_fail(r, ERR_BAD_REQUEST, "%s is in the future", key);
	free(s);
	return rc;
}

/* Reads a required calendar date "YYYY-MM-DD" into out. */
static int
incident_date_arg(struct request *r, const char *key, bool required, char out[11])
{
	char *s = NULL;
	int y, mo, d, n = 0, rc;
	struct tm tm;

	out[0] = '\0';
	if ((rc = arg_str(r, key, required, 10, &s)) != 0 || s == NULL)
		return rc;
	memset(&tm, 0, sizeof tm);
	if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || n != 10 || y < 2000 || mo < 1 ||
	    mo > 12 || d < 1 || d > 31) {
		rc = request_fail(r, ERR_BAD_REQUEST, "%s must be a date, YYYY-MM-DD", key);
	} else {
		tm.tm_year = y - 1900;
		tm.tm_mon = mo - 1;
		tm.tm_mday = d;
		tm.tm_hour = 12;
		(void)timegm(&tm);
		if (tm.tm_mday != d)
			rc = request_fail(r, ERR_BAD_REQUEST, "%s is not a day of the calendar",
			                  key);
		else
			snprintf(out, 11, "%s", s);
	}
	free(s);
	return rc;
}

/* Appends the one-line strings of the optional array args[key] (at most max, each at most
 * 100 characters) to a text[] literal pair: kinds get kind, refs the strings. */
static int
incident_links_arg(struct request *r, const char *key, const char *kind, char **kinds, size_t *klen,
                   char **refs, size_t *rlen, int *count)
{
	const msgpack_object *list = mp_get(r->msg->args, key);

	if (list == NULL || list->type == MSGPACK_OBJECT_NIL)
		return 0;
	if (list->type != MSGPACK_OBJECT_ARRAY || list->via.array.size > INCIDENT_MAX_LINKS)
		return request_fail(r, ERR_BAD_REQUEST, "%s must list at most %d entries", key,
		                    INCIDENT_MAX_LINKS);
	for (uint32_t i = 0; i < list->via.array.size; i++) {
		char ref[401];
		size_t chars = 0;

		if (mp_strcpy(&list->via.array.ptr[i], ref, sizeof ref) != 0 || ref[0] == '\0' ||
		    strpbrk(ref, "\r\n\t") != NULL)
			return request_fail(r, ERR_BAD_REQUEST, "%s[%u] must be one line of text",
			                    key, i);
		for (const char *p = ref; *p; p++)
			chars += ((unsigned char)*p & 0xc0) != 0x80;
		if (chars > 100)
			return request_fail(r, ERR_BAD_REQUEST,
			                    "%s[%u] is longer than 100 characters", key, i);
		db_array_add(kinds, klen, kind);
		db_array_add(refs, rlen, ref);
		(*count)++;
	}
	return 0;
}

/* Fails with not_found when a receipt number in the text[] literal names no case. */
static int
incident_cases_exist(struct request *r, const char *receipts)
{
	const char *params[1] = { receipts };
	PGresult *res;
	int rc;

	if ((rc = db_exec(r->db, STMT_INCIDENT_CASES_MISSING, params, &res)) != 0)
		return rc;
	if (PQntuples(res) > 0)
		rc = request_fail(r, ERR_NOT_FOUND, "no case with receipt number %s",
		                  PQgetvalue(res, 0, 0));
	PQclear(res);
	return rc;
}

/* ============================== taking an incident for a change ============================== */

struct incident_state {
	char status[24];
	int64_t version;
	bool mine;     /* the acting user reported it */
	bool reviewed; /* a review is recorded */
};

/* Locks incident id for this transaction, reads its state and checks args.version when the
 * client sent one (the version it showed: a change meanwhile is a conflict). */
static int
incident_lock(struct request *r, const char *id, struct incident_state *st)
{
	const char *params[2] = { id, r->sess.user_id };
	int64_t want;
	PGresult *res;
	int rc;

	if ((rc = arg_int(r, "version", 1, INT32_MAX, 0, &want)) != 0)
		return rc;
	if ((rc = db_exec(r->db, STMT_INCIDENT_LOCK, params, &res)) != 0)
		return rc;
	if (PQntuples(res) != 1) {
		PQclear(res);
		return request_fail(r, ERR_NOT_FOUND, "no incident %s", id);
	}
	snprintf(st->status, sizeof st->status, "%s", PQgetvalue(res, 0, 0));
	st->version = incident_int(res, 0, 1);
	st->mine = incident_bool(res, 0, 2);
	st->reviewed = incident_bool(res, 0, 3);
	PQclear(res);
	if (want != 0 && want != st->version)
		return request_fail(r, ERR_CONFLICT,
		                    "incident %s was changed meanwhile (now version %lld): "
		                    "look at it again",
		                    id, (long long)st->version);
	return 0;
}

/* Refuses a change to a closed or rejected incident. */
static int
incident_open_check(struct request *r, const char *id, const struct incident_state *st)
{
	if (strcmp(st->status, "closed") == 0 || strcmp(st->status, "rejected") == 0)
		return request_fail(r, ERR_INVALID_STATE, "incident %s is %s: it does not change",
		                    id, st->status);
	return 0;
}

/* Countermeasures of incident id still open (planned or in progress) and not verified. */
static int
incident_cm_counts(struct request *r, const char *id, int64_t *open, int64_t *unverified)
{
	const char *params[1] = { id };
	PGresult *res;
	int rc;

	if ((rc = db_exec(r->db, STMT_INCIDENT_CM_COUNTS, params, &res)) != 0)
		return rc;
	*open = incident_int(res, 0, 0);
	*unverified = incident_int(res, 0, 1);
	PQclear(res);
	return 0;
}

/* Replies {id, version[, key: extra]}. */
static void
incident_pack_version(struct request *r, const char *id, int64_t version, const char *key,
                      int64_t extra)
{
	msgpack_pack_map(r->pk, key != NULL ? 3 : 2);
	mp_packf(r->pk, "s i s i", "id", (int64_t)strtoll(id, NULL, 10), "version", version);
	if (key != NULL)
		mp_packf(r->pk, "s i", key, extra);
}

/* Raises the incident's version after a change to one of its parts, and replies. */
static int
incident_touch_reply(struct request *r, const char *id, const char *key, int64_t extra)
{
	const char *params[1] = { id };
	PGresult *res;
	int rc;

	if ((rc = db_exec(r->db, STMT_INCIDENT_TOUCH, params, &res)) != 0)
		return rc;
	incident_pack_version(r, id, incident_int(res, 0, 0), key, extra);
	PQclear(res);
	return 0;
}

/* ============================== taxonomy ============================== */

int
incident_categories(struct request *r)
{
	PGresult *res;
	int rc;

	if ((rc = db_exec(r->db, STMT_INCIDENT_CATEGORIES, NULL, &res)) != 0)
		return rc;
	msgpack_pack_map(r->pk, 1);
	mp_pack_str(r->pk, "rows");
	msgpack_pack_array(r->pk, (size_t)PQntuples(res));
	for (int i = 0; i < PQntuples(res); i++)
		mp_packf(r->pk, "{s i s s s s s b}", "code", incident_int(res, i, 0), "label",
		         PQgetvalue(res, i, 1), "label_ja", PQgetvalue(res, i, 2), "active",
		         (int)incident_bool(res, i, 3));
	PQclear(res);
	return 0;
}

int
incident_category_add(struct request *r)
{
	char *label = NULL, *label_ja = NULL;
	PGresult *res = NULL;
	int rc;

	if ((rc = arg_str(r, "label", true, 100, &label)) != 0 ||
	    (rc = arg_str(r, "label_ja", true, 100, &label_ja)) != 0)
		goto out;
	const char *params[2] = { label, label_ja };
	if ((rc = db_exec(r->db, STMT_INCIDENT_CATEGORY_ADD, params, &res)) != 0) {
		if (rc == ERR_BAD_REQUEST)
			rc = request_fail(r, rc, "there are 99 categories already");
		goto out;
	}
	snprintf(r->object, sizeof r->object, "incident-category:%s", PQgetvalue(res, 0, 0));
	msgpack_pack_map(r->pk, 1);
	mp_packf(r->pk, "s i", "code", incident_int(res, 0, 0));
out:
	PQclear(res);
	free(label);
	free(label_ja);
	return rc;
}

/* ============================== reporting ============================== */

int
incident_report(struct request *r)
{
	char *severity = NULL, *title = NULL, *description = NULL, *location = NULL;
	char *kinds = NULL, *refs = NULL, *receipts = NULL, found_at[24], category[12];
	size_t klen = 0, rlen = 0, clen = 0;
	int64_t cat;
	int nlinks = 0, ncases = 0, rc;
	PGresult *res = NULL;

	if ((rc = arg_int(r, "category", 1, 99, 0, &cat)) != 0 ||
	    (rc = arg_str(r, "severity", true, 16, &severity)) != 0 ||
	    (rc = arg_str(r, "title", true, 200, &title)) != 0 ||
	    (rc = arg_text(r, "description", true, INCIDENT_TEXT_MAX, &description)) != 0 ||
	    (rc = incident_time_arg(r, "found_at", found_at)) != 0 ||
	    (rc = arg_str(r, "location", false, 200, &location)) != 0 ||
	    (rc = incident_links_arg(r, "cases", "case", &kinds, &klen, &refs, &rlen, &nlinks)) !=
	        0)
		goto out;
	ncases = nlinks;
	if ((rc = incident_links_arg(r, "devices", "device", &kinds, &klen, &refs, &rlen,
	                             &nlinks)) != 0 ||
	    (rc = incident_links_arg(r, "assets", "asset", &kinds, &klen, &refs, &rlen, &nlinks)) !=
	        0)
		goto out;
	if (cat == 0) {
		rc = request_fail(r, ERR_BAD_REQUEST, "category is required");
		goto out;
	}
	if (!incident_in(severity, incident_severities, COUNT_OF(incident_severities))) {
		rc = request_fail(r, ERR_BAD_REQUEST,
		                  "severity must be one of low, medium, high, critical");
		goto out;
	}
	if (ncases > 0) {
		const msgpack_object *list = mp_get(r->msg->args, "cases");

		for (uint32_t i = 0; i < list->via.array.size; i++) {
			char *s = mp_strdup(&list->via.array.ptr[i]);
			db_array_add(&receipts, &clen, s);
			free(s);
		}
		db_array_end(&receipts, &clen);
		if ((rc = incident_cases_exist(r, receipts)) != 0)
			goto out;
	}
	snprintf(category, sizeof category, "%lld", (long long)cat);
	const char *params[8] = {
		category, severity,   title,          description, found_at[0] ? found_at : NULL,
		location, r->segment, r->sess.user_id
	};
	if ((rc = db_exec(r->db, STMT_INCIDENT_CREATE, params, &res)) != 0)
		goto out;
	if (PQntuples(res) != 1) {
		rc = request_fail(r, ERR_BAD_REQUEST, "there is no category %s", category);
		goto out;
	}
	const char *id = PQgetvalue(res, 0, 0);
	snprintf(r->object, sizeof r->object, "incident:%s", id);
	if (nlinks > 0) {
		PGresult *lres;

		db_array_end(&kinds, &klen);
		db_array_end(&refs, &rlen);
		const char *lparams[3] = { id, kinds, refs };
		if ((rc = db_exec(r->db, STMT_INCIDENT_LINKS_ADD, lparams, &lres)) != 0)
			goto out;
		PQclear(lres);
	}
	incident_pack_version(r, id, incident_int(res, 0, 1), NULL, 0);
out:
	PQclear(res);
	free(severity), free(title), free(description), free(location);
	free(kinds), free(refs), free(receipts);
	return rc;
}

/* ============================== editing ============================== */

/* The fields incident.update may set, with their limits; multi-line ones take line breaks,
 * optional ones are cleared by "" (required ones must not be empty). */
static const struct incident_field {
	const char *key;
	int param; /* index in STMT_INCIDENT_UPDATE's parameters */
	size_t max_chars;
	bool multiline, required;
} incident_fields[] = {
	{ "title", 4, 200, false, true },
	{ "description", 5, INCIDENT_TEXT_MAX, true, true },
	{ "location", 7, 200, false, false },
	{ "facts", 8, INCIDENT_TEXT_MAX, true, false },
	{ "cause", 9, INCIDENT_TEXT_MAX, true, false },
	{ "impact", 10, INCIDENT_TEXT_MAX, true, false },
	{ "prevention", 11, INCIDENT_TEXT_MAX, true, false },
};

int
incident_update(struct request *r)
{
	char id[24], category[12] = "", found_at[24] = "", *keys = NULL, *severity = NULL;
	char *texts[COUNT_OF(incident_fields)] = { NULL };
	const char *params[13] = { NULL };
	struct incident_state st;
	size_t klen = 0;
	int nset = 0, rc;
	bool shared;
	PGresult *res = NULL;

	if ((rc = incident_id_arg(r, id)) != 0)
		return rc;
	params[0] = id;
	for (size_t f = 0; f < COUNT_OF(incident_fields); f++) {
		const struct incident_field *d = &incident_fields[f];

		if (mp_get(r->msg->args, d->key) == NULL)
			continue;
		rc = d->multiline ? arg_text(r, d->key, d->required, d->max_chars, &texts[f])
		                  : arg_str(r, d->key, d->required, d->max_chars, &texts[f]);
		if (rc != 0)
			goto out;
		params[d->param] = texts[f];
		db_array_add(&keys, &klen, d->key);
		nset++;
	}
	if (mp_get(r->msg->args, "category") != NULL) {
		int64_t cat;
		if ((rc = arg_int(r, "category", 1, 99, 0, &cat)) != 0)
			goto out;
		snprintf(category, sizeof category, "%lld", (long long)cat);
		params[2] = category;
		db_array_add(&keys, &klen, "category");
		nset++;
	}
	if (mp_get(r->msg->args, "severity") != NULL) {
		if ((rc = arg_str(r, "severity", true, 16, &severity)) != 0)
			goto out;
		if (!incident_in(severity, incident_severities, COUNT_OF(incident_severities))) {
			rc = request_fail(r, ERR_BAD_REQUEST,
			                  "severity must be one of low, medium, high, critical");
			goto out;
		}
		params[3] = severity;
		db_array_add(&keys, &klen, "severity");
		nset++;
	}
	if (mp_get(r->msg->args, "found_at") != NULL) {
		if ((rc = incident_time_arg(r, "found_at", found_at)) != 0)
			goto out;
		if (found_at[0] == '\0') {
			rc = request_fail(r, ERR_BAD_REQUEST, "found_at must not be empty");
			goto out;
		}
		params[6] = found_at;
		db_array_add(&keys, &klen, "found_at");
		nset++;
	}
	if (mp_get(r->msg->args, "shared") != NULL) {
		if ((rc = incident_bool_arg(r, "shared", false, &shared)) != 0)
			goto out;
		params[12] = shared ? "true" : "false";
		db_array_add(&keys, &klen, "shared");
		nset++;
	}
	if (nset == 0) {
		rc = request_fail(r, ERR_BAD_REQUEST, "nothing to change");
		goto out;
	}
	db_array_end(&keys, &klen);
	params[1] = keys;
	if ((rc = incident_lock(r, id, &st)) != 0 || (rc = incident_open_check(r, id, &st)) != 0)
		goto out;
	if ((rc = db_exec(r->db, STMT_INCIDENT_UPDATE, params, &res)) != 0)
		goto out;
	if (PQntuples(res) != 1) {
		rc = request_fail(r, ERR_BAD_REQUEST, "there is no category %s", category);
		goto out;
	}
	incident_pack_version(r, id, incident_int(res, 0, 0), NULL, 0);
out:
	PQclear(res);
	for (size_t f = 0; f < COUNT_OF(incident_fields); f++)
		free(texts[f]);
	free(keys);
	free(severity);
	return rc;
}

int
incident_link(struct request *r)
{
	char id[24], *kind = NULL, *ref = NULL, *one = NULL;
	struct incident_state st;
	bool affected, remove;
	size_t len = 0;
	PGresult *res = NULL;
	int rc;

	if ((rc = incident_id_arg(r, id)) != 0 || (rc = arg_str(r, "kind", true, 16, &kind)) != 0 ||
	    (rc = arg_str(r, "ref", true, 100, &ref)) != 0 ||
	    (rc = incident_bool_arg(r, "affected", false, &affected)) != 0 ||
	    (rc = incident_bool_arg(r, "remove", false, &remove)) != 0)
		goto out;
	if (!incident_in(kind, incident_link_kinds, COUNT_OF(incident_link_kinds))) {
		rc = request_fail(r, ERR_BAD_REQUEST, "kind must be one of case, device, asset");
		goto out;
	}
	if (affected && strcmp(kind, "case") != 0) {
		rc = request_fail(r, ERR_BAD_REQUEST, "only a case is marked affected");
		goto out;
	}
	if ((rc = incident_lock(r, id, &st)) != 0 || (rc = incident_open_check(r, id, &st)) != 0)
		goto out;
	if (remove) {
		const char *params[3] = { id, kind, ref };
		if ((rc = db_exec(r->db, STMT_INCIDENT_UNLINK, params, &res)) != 0)
			goto out;
		if (PQntuples(res) == 0) {
			rc = request_fail(r, ERR_NOT_FOUND, "incident %s has no link to %s %s", id,
			                  kind, ref);
			goto out;
		}
	} else {
		if (strcmp(kind, "case") == 0) {
			db_array_add(&one, &len, ref);
			db_array_end(&one, &len);
			if ((rc = incident_cases_exist(r, one)) != 0)
				goto out;
		}
		const char *params[4] = { id, kind, ref, affected ? "true" : "false" };
		if ((rc = db_exec(r->db, STMT_INCIDENT_LINK_SET, params, &res)) != 0)
			goto out;
	}
	rc = incident_touch_reply(r, id, NULL, 0);
out:
	PQclear(res);
	free(kind), free(ref), free(one);
	return rc;
}

/* ============================== the workflow ============================== */

/* The changes of status incident.transition makes (closing is incident.close). */
static const struct {
	const char *from, *to;
	bool reason; /* a reason is required */
} incident_moves[] = {
	{ "reported", "triaged", false },
	{ "reported", "rejected", true },
	{ "triaged", "investigating", false },
	{ "triaged", "rejected", true },
	{ "investigating", "countermeasures", false },
	{ "countermeasures", "resolved", false },
	{ "resolved", "investigating", true }, /* reopened */
};

static int
incident_move_find(const char *from, const char *to)
{
	for (size_t i = 0; i < COUNT_OF(incident_moves); i++)
		if (strcmp(incident_moves[i].from, from) == 0 &&
		    strcmp(incident_moves[i].to, to) == 0)
			return (int)i;
	return -1;
}

/* Runs the change of status to `to` (reason may be NULL) and replies. */
static int
incident_set_status(struct request *r, const char *id, const char *to, const char *reason)
{
	const char *params[4] = { id, to, reason, r->sess.user_id };
	PGresult *res;
	int rc;

	if ((rc = db_exec(r->db, STMT_INCIDENT_TRANSITION, params, &res)) != 0)
		return rc;
	msgpack_pack_map(r->pk, 3);
	mp_packf(r->pk, "s i s s s i", "id", (int64_t)strtoll(id, NULL, 10), "status", to,
	         "version", incident_int(res, 0, 0));
	PQclear(res);
	return 0;
}

int
incident_transition(struct request *r)
{
	char id[24], *to = NULL, *reason = NULL;
	struct incident_state st;
	int64_t open, unverified;
	int move, rc;

	if ((rc = incident_id_arg(r, id)) != 0 || (rc = arg_str(r, "to", true, 32, &to)) != 0 ||
	    (rc = arg_text(r, "reason", false, 2000, &reason)) != 0)
		goto out;
	if (strcmp(to, "closed") == 0) {
		rc = request_fail(r, ERR_BAD_REQUEST, "an incident is closed with incident.close");
		goto out;
	}
	if (!incident_in(to, incident_statuses, COUNT_OF(incident_statuses))) {
		rc = request_fail(r, ERR_BAD_REQUEST, "there is no status %s", to);
		goto out;
	}
	if ((rc = incident_lock(r, id, &st)) != 0)
		goto out;
	if ((move = incident_move_find(st.status, to)) < 0) {
		rc = request_fail(r, ERR_INVALID_STATE, "incident %s is %s: it cannot go to %s", id,
		                  st.status, to);
		goto out;
	}
	if (incident_moves[move].reason && reason == NULL) {
		rc = request_fail(r, ERR_BAD_REQUEST, "reason is required to %s",
		                  strcmp(to, "rejected") == 0 ? "reject an incident"
		                                              : "reopen an incident");
		goto out;
	}
	if (strcmp(to, "resolved") == 0) {
		if ((rc = incident_cm_counts(r, id, &open, &unverified)) != 0)
			goto out;
		if (open > 0) {
			rc = request_fail(r, ERR_INVALID_STATE,
			                  "incident %s has %lld countermeasure%s still open", id,
			                  (long long)open, open == 1 ? "" : "s");
			goto out;
		}
	}
	rc = incident_set_status(r, id, to, reason);
out:
	free(to);
	free(reason);
	return rc;
}

int
incident_review(struct request *r)
{
	char id[24], *result = NULL;
	struct incident_state st;
	PGresult *res = NULL;
	int rc;

	if ((rc = incident_id_arg(r, id)) != 0 ||
	    (rc = arg_text(r, "result", true, 4000, &result)) != 0 ||
	    (rc = incident_lock(r, id, &st)) != 0)
		goto out;
	if (st.mine) {
		rc = request_fail(r, ERR_FORBIDDEN,
		                  "you reported incident %s: someone else must review it", id);
		goto out;
	}
	if (strcmp(st.status, "resolved") != 0) {
		rc = request_fail(r, ERR_INVALID_STATE,
		                  "incident %s is %s: only a resolved incident is reviewed", id,
		                  st.status);
		goto out;
	}
	if (st.reviewed) {
		rc = request_fail(r, ERR_INVALID_STATE, "incident %s is reviewed already", id);
		goto out;
	}
	const char *params[3] = { id, result, r->sess.user_id };
	if ((rc = db_exec(r->db, STMT_INCIDENT_REVIEW, params, &res)) != 0)
		goto out;
	incident_pack_version(r, id, incident_int(res, 0, 0), NULL, 0);
out:
	PQclear(res);
	free(result);
	return rc;
}

int
incident_close(struct request *r)
{
	struct incident_state st;
	int64_t open, unverified;
	char id[24];
	int rc;

	if ((rc = incident_id_arg(r, id)) != 0 || (rc = incident_lock(r, id, &st)) != 0)
		return rc;
	if (strcmp(st.status, "resolved") != 0)
		return request_fail(r, ERR_INVALID_STATE,
		                    "incident %s is %s: only a resolved incident is closed", id,
		                    st.status);
	if (!st.reviewed)
		return request_fail(
		    r, ERR_INVALID_STATE,
		    "incident %s is not reviewed yet: a review comes before closing", id);
	if ((rc = incident_cm_counts(r, id, &open, &unverified)) != 0)
		return rc;
	if (unverified > 0)
		return request_fail(r, ERR_INVALID_STATE,
		                    "incident %s has %lld countermeasure%s not verified", id,
		                    (long long)unverified, unverified == 1 ? "" : "s");
	return incident_set_status(r, id, "closed", NULL);
}

/* ============================== countermeasures ============================== */

/* The user id of an active account, into out. */
static int
incident_user(struct request *r, const char *login, char out[24])
{
	const char *params[1] = { login };
	PGresult *res;
	int rc;

	if ((rc = db_exec(r->db, STMT_INCIDENT_USER, params, &res)) != 0)
		return rc;
	if (PQntuples(res) != 1)
		rc = request_fail(r, ERR_NOT_FOUND, "there is no active user %s", login);
	else
		snprintf(out, 24, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	return rc;
}

int
incident_cm_add(struct request *r)
{
	char id[24], owner_id[24], due[11], *title = NULL, *owner = NULL;
	struct incident_state st;
	PGresult *res = NULL;
	int rc;

	if ((rc = incident_id_arg(r, id)) != 0 ||
	    (rc = arg_str(r, "title", true, 500, &title)) != 0 ||
	    (rc = arg_str(r, "owner", true, 32, &owner)) != 0 ||
	    (rc = incident_date_arg(r, "due", true, due)) != 0 ||
	    (rc = incident_lock(r, id, &st)) != 0)
		goto out;
	if (strcmp(st.status, "investigating") != 0 && strcmp(st.status, "countermeasures") != 0) {
		rc =
		    request_fail(r, ERR_INVALID_STATE,
		                 "incident %s is %s: countermeasures are added while investigating "
		                 "or treating it",
		                 id, st.status);
		goto out;
	}
	if ((rc = incident_user(r, owner, owner_id)) != 0)
		goto out;
	const char *params[5] = { id, title, owner_id, due, r->sess.user_id };
	if ((rc = db_exec(r->db, STMT_INCIDENT_CM_ADD, params, &res)) != 0)
		goto out;
	int64_t seq = incident_int(res, 0, 0);
	snprintf(r->object, sizeof r->object, "incident:%s cm:%lld", id, (long long)seq);
	rc = incident_touch_reply(r, id, "cm", seq);
out:
	PQclear(res);
	free(title);
	free(owner);
	return rc;
}

/* Whether a countermeasure may go from state `from` to `to`: planned <-> in_progress,
 * either -> done, done -> in_progress (not done after all), done -> verified. */
static bool
incident_cm_move_ok(const char *from, const char *to)
{
	if (strcmp(from, to) == 0)
		return strcmp(from, "verified") != 0;
	if (strcmp(from, "verified") == 0)
		return false;
	if (strcmp(to, "verified") == 0)
		return strcmp(from, "done") == 0;
	if (strcmp(to, "planned") == 0)
		return strcmp(from, "in_progress") == 0;
	return true;
}

int
incident_cm_update(struct request *r)
{
	char id[24], seq[12], owner_id[24] = "", due[11] = "", old[16];
	char *title = NULL, *owner = NULL, *state = NULL, *keys = NULL;
	struct incident_state st;
	int64_t cm;
	size_t klen = 0;
	int nset = 0, rc;
	PGresult *res = NULL;

	if ((rc = incident_id_arg(r, id)) != 0 || (rc = arg_int(r, "cm", 1, 999, 0, &cm)) != 0 ||
	    (rc = arg_str(r, "title", false, 500, &title)) != 0 ||
	    (rc = arg_str(r, "owner", false, 32, &owner)) != 0 ||
	    (rc = arg_str(r, "state", false, 16, &state)) != 0 ||
	    (rc = incident_date_arg(r, "due", false, due)) != 0)
		goto out;
	if (cm == 0) {
		rc = request_fail(r, ERR_BAD_REQUEST,
		                  "cm (the countermeasure's number) is required");
		goto out;
	}
	snprintf(seq, sizeof seq, "%lld", (long long)cm);
	snprintf(r->object, sizeof r->object, "incident:%s cm:%s", id, seq);
	if (state != NULL &&
	    !incident_in(state, incident_cm_states, COUNT_OF(incident_cm_states))) {
		rc = request_fail(r, ERR_BAD_REQUEST,
		                  "state must be one of planned, in_progress, done, verified");
		goto out;
	}
	if (title != NULL)
		db_array_add(&keys, &klen, "title"), nset++;
	if (owner != NULL)
		db_array_add(&keys, &klen, "owner"), nset++;
	if (due[0] != '\0')
		db_array_add(&keys, &klen, "due"), nset++;
	if (state != NULL)
		db_array_add(&keys, &klen, "state"), nset++;
	if (nset == 0) {
		rc = request_fail(r, ERR_BAD_REQUEST, "nothing to change");
		goto out;
	}
	db_array_end(&keys, &klen);
	if ((rc = incident_lock(r, id, &st)) != 0)
		goto out;
	if (strcmp(st.status, "investigating") != 0 && strcmp(st.status, "countermeasures") != 0 &&
	    strcmp(st.status, "resolved") != 0) {
		rc = request_fail(r, ERR_INVALID_STATE,
		                  "incident %s is %s: its countermeasures do not change", id,
		                  st.status);
		goto out;
	}
	const char *sparams[2] = { id, seq };
	if ((rc = db_exec(r->db, STMT_INCIDENT_CM_STATE, sparams, &res)) != 0)
		goto out;
	if (PQntuples(res) != 1) {
		rc =
		    request_fail(r, ERR_NOT_FOUND, "incident %s has no countermeasure %s", id, seq);
		goto out;
	}
	snprintf(old, sizeof old, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	res = NULL;
	if (strcmp(old, "verified") == 0) {
		rc = request_fail(r, ERR_INVALID_STATE,
		                  "countermeasure %s is verified: it is final", seq);
		goto out;
	}
	if (state != NULL && !incident_cm_move_ok(old, state)) {
		rc = request_fail(r, ERR_INVALID_STATE,
		                  "countermeasure %s is %s: it cannot go to %s", seq, old, state);
		goto out;
	}
	if (strcmp(st.status, "resolved") == 0 &&
	    (state == NULL || strcmp(state, "verified") != 0 || nset != 1)) {
		rc = request_fail(r, ERR_INVALID_STATE,
		                  "incident %s is resolved: its countermeasures are only verified",
		                  id);
		goto out;
	}
	if (owner != NULL && (rc = incident_user(r, owner, owner_id)) != 0)
		goto out;
	const char *params[8] = { id,
		                  seq,
		                  keys,
		                  title,
		                  owner != NULL ? owner_id : NULL,
		                  due[0] ? due : NULL,
		                  state,
		                  r->sess.user_id };
	if ((rc = db_exec(r->db, STMT_INCIDENT_CM_UPDATE, params, &res)) != 0)
		goto out;
	rc = incident_touch_reply(r, id, "cm", cm);
out:
	PQclear(res);
	free(title), free(owner), free(state), free(keys);
	return rc;
}

/* ============================== one incident ============================== */

/* The columns of STMT_INCIDENT_GET. */
enum incident_col {
	IC_ID,
	IC_TITLE,
	IC_CATEGORY,
	IC_CATEGORY_LABEL,
	IC_CATEGORY_JA,
	IC_SEVERITY,
	IC_SEVERITY_LABEL,
	IC_SEVERITY_JA,
	IC_STATUS,
	IC_STATUS_LABEL,
	IC_STATUS_JA,
	IC_DESCRIPTION,
	IC_FOUND_AT,
	IC_LOCATION,
	IC_SEGMENT,
	IC_SHARED,
	IC_REPORTED_BY,
	IC_REPORTED_BY_NAME,
	IC_REPORTED_AT,
	IC_FACTS,
	IC_CAUSE,
	IC_IMPACT,
	IC_PREVENTION,
	IC_STATUS_REASON,
	IC_REVIEWED_BY,
	IC_REVIEWED_BY_NAME,
	IC_REVIEWED_AT,
	IC_REVIEW_RESULT,
	IC_CLOSED_BY,
	IC_CLOSED_BY_NAME,
	IC_CLOSED_AT,
	IC_UPDATED_AT,
	IC_VERSION,
};

/* The string fields of incident.get's reply. */
static const struct {
	int col;
	const char *key;
} incident_get_strs[] = {
	{ IC_TITLE, "title" },
	{ IC_CATEGORY_LABEL, "category_label" },
	{ IC_CATEGORY_JA, "category_label_ja" },
	{ IC_SEVERITY, "severity" },
	{ IC_SEVERITY_LABEL, "severity_label" },
	{ IC_SEVERITY_JA, "severity_label_ja" },
	{ IC_STATUS, "status" },
	{ IC_STATUS_LABEL, "status_label" },
	{ IC_STATUS_JA, "status_label_ja" },
	{ IC_DESCRIPTION, "description" },
	{ IC_FOUND_AT, "found_at" },
	{ IC_LOCATION, "location" },
	{ IC_SEGMENT, "segment" },
	{ IC_REPORTED_BY, "reported_by" },
	{ IC_REPORTED_BY_NAME, "reported_by_name" },
	{ IC_REPORTED_AT, "reported_at" },
	{ IC_FACTS, "facts" },
	{ IC_CAUSE, "cause" },
	{ IC_IMPACT, "impact" },
	{ IC_PREVENTION, "prevention" },
	{ IC_STATUS_REASON, "status_reason" },
	{ IC_REVIEWED_BY, "reviewed_by" },
	{ IC_REVIEWED_BY_NAME, "reviewed_by_name" },
	{ IC_REVIEWED_AT, "reviewed_at" },
	{ IC_REVIEW_RESULT, "review_result" },
	{ IC_CLOSED_BY, "closed_by" },
	{ IC_CLOSED_BY_NAME, "closed_by_name" },
	{ IC_CLOSED_AT, "closed_at" },
	{ IC_UPDATED_AT, "updated_at" },
};

/* Everything about one incident the user may see, as the statements returned it. */
struct incident_detail {
	PGresult *main, *links, *cms, *timeline, *risks; /* owned */
	bool pii;                                        /* links holds affected customers' names */
	int64_t open_cms, unverified_cms;
};

static void
incident_detail_fini(struct incident_detail *d)
{
	PQclear(d->main);
	PQclear(d->links);
	PQclear(d->cms);
	PQclear(d->timeline);
	PQclear(d->risks);
	memset(d, 0, sizeof *d);
}

/* Loads incident id; not_found when there is none the user may see. with_pii: fetch the
 * names of affected customers when the user holds pii.read. */
static int
incident_detail_load(struct request *r, const char *id, bool with_pii, struct incident_detail *d)
{
	const char *params[1] = { id };
	int rc;

	memset(d, 0, sizeof *d);
	d->pii = with_pii && incident_can(r, RIGHT_PII_READ);
	if ((rc = db_exec(r->db, STMT_INCIDENT_GET, params, &d->main)) != 0)
		return rc;
	if (PQntuples(d->main) != 1)
		return request_fail(r, ERR_NOT_FOUND, "no incident %s (or not visible to you)", id);
	if ((rc = db_exec(r->db, d->pii ? STMT_INCIDENT_LINKS_PII : STMT_INCIDENT_LINKS, params,
	                  &d->links)) != 0 ||
	    (rc = db_exec(r->db, STMT_INCIDENT_CMS, params, &d->cms)) != 0 ||
	    (rc = db_exec(r->db, STMT_INCIDENT_TIMELINE, params, &d->timeline)) != 0 ||
	    (rc = db_exec(r->db, STMT_INCIDENT_RISKS, params, &d->risks)) != 0)
		return rc;
	for (int i = 0; i < PQntuples(d->cms); i++) {
		const char *state = PQgetvalue(d->cms, i, 5);
		d->open_cms += strcmp(state, "planned") == 0 || strcmp(state, "in_progress") == 0;
		d->unverified_cms += strcmp(state, "verified") != 0;
	}
	return 0;
}

/* What the user may do with the incident now, for clients to offer (the commands decide). */
static size_t
incident_actions(const struct request *r, const struct incident_detail *d, const char *out[16])
{
	const char *status = PQgetvalue(d->main, 0, IC_STATUS);
	bool manage = incident_can(r, RIGHT_INCIDENT_MANAGE);
	bool review = incident_can(r, RIGHT_INCIDENT_REVIEW);
	bool mine = strcmp(PQgetvalue(d->main, 0, IC_REPORTED_BY), r->sess.login) == 0;
	bool reviewed = !PQgetisnull(d->main, 0, IC_REVIEWED_BY);
	size_t n = 0;

	if (manage) {
		for (size_t i = 0; i < COUNT_OF(incident_moves); i++)
			if (strcmp(incident_moves[i].from, status) == 0 &&
			    (strcmp(incident_moves[i].to, "resolved") != 0 || d->open_cms == 0))
				out[n++] = incident_moves[i].to;
		if (strcmp(status, "closed") != 0 && strcmp(status, "rejected") != 0) {
			out[n++] = "edit";
			out[n++] = "link";
		}
		if (strcmp(status, "investigating") == 0 || strcmp(status, "countermeasures") == 0)
			out[n++] = "cm_add";
		if (PQntuples(d->cms) > 0 &&
		    (strcmp(status, "investigating") == 0 ||
		     strcmp(status, "countermeasures") == 0 ||
		     (strcmp(status, "resolved") == 0 && d->unverified_cms > 0)))
			out[n++] = "cm_update";
	}
	if (review && strcmp(status, "resolved") == 0) {
		if (!reviewed && !mine)
			out[n++] = "review";
		if (reviewed && d->unverified_cms == 0)
			out[n++] = "close";
	}
	return n;
}

int
incident_get(struct request *r)
{
	static const char *const link_keys[] = { "kind", "ref", "affected" };
	static const char *const cm_keys[] = { "cm",          "title",      "owner",   "owner_name",
		                               "due",         "state",      "overdue", "done_at",
		                               "verified_by", "verified_at" };
	static const char *const tl_keys[] = { "at",   "actor", "actor_name", "segment",
		                               "kind", "from",  "to",         "detail" };
	static const char *const risk_keys[] = { "id", "ref", "title", "level" };
	struct incident_detail d;
	const char *actions[16];
	char id[24];
	size_t nactions;
	int rc, naffected = 0;

	if ((rc = incident_id_arg(r, id)) != 0)
		return rc;
	if ((rc = incident_detail_load(r, id, true, &d)) != 0)
		goto out;
	const PGresult *m = d.main;
	msgpack_pack_map(r->pk, COUNT_OF(incident_get_strs) + 12);
	mp_packf(r->pk, "s i s i s i", "id", incident_int(m, 0, IC_ID), "category",
	         incident_int(m, 0, IC_CATEGORY), "version", incident_int(m, 0, IC_VERSION));
	for (size_t k = 0; k < COUNT_OF(incident_get_strs); k++)
		mp_packf(r->pk, "s s", incident_get_strs[k].key,
		         incident_value(m, 0, incident_get_strs[k].col));
	mp_packf(r->pk, "s b s b s b", "shared", (int)incident_bool(m, 0, IC_SHARED), "mine",
	         (int)(strcmp(PQgetvalue(m, 0, IC_REPORTED_BY), r->sess.login) == 0), "pii_masked",
	         (int)!d.pii);
	mp_pack_str(r->pk, "links");
	pack_rows(r->pk, d.links, link_keys, "ssb");
	/* The scope of impact: which cases (and so customers) — names only with pii.read. */
	for (int i = 0; i < PQntuples(d.links); i++)
		naffected += incident_bool(d.links, i, 2);
	mp_pack_str(r->pk, "affected");
	msgpack_pack_array(r->pk, (size_t)naffected);
	for (int i = 0; i < PQntuples(d.links); i++)
		if (incident_bool(d.links, i, 2)) {
			mp_packf(r->pk, "{s s s s}", "receipt", PQgetvalue(d.links, i, 1),
			         "customer_name",
			         d.pii ? incident_value(d.links, i, 3) : INCIDENT_MASK);
			if (d.pii && !PQgetisnull(d.links, i, 4))
				request_pii_case(r, PQgetvalue(d.links, i, 4));
		}
	mp_pack_str(r->pk, "countermeasures");
	pack_rows(r->pk, d.cms, cm_keys, "isssssbsss");
	mp_pack_str(r->pk, "timeline");
	pack_rows(r->pk, d.timeline, tl_keys, "ssssssss");
	mp_pack_str(r->pk, "risks");
	pack_rows(r->pk, d.risks, risk_keys, "isss");
	nactions = incident_actions(r, &d, actions);
	mp_pack_str(r->pk, "actions");
	msgpack_pack_array(r->pk, nactions);
	for (size_t i = 0; i < nactions; i++)
		mp_pack_str(r->pk, actions[i]);
out:
	incident_detail_fini(&d);
	return rc;
}

/* ============================== the report document ============================== */

struct doc {
	msgpack_sbuffer buf;
	bool md; /* Markdown, else plain text */
};

static void
doc_put(struct doc *doc, const char *s)
{
	msgpack_sbuffer_write(&doc->buf, s, strlen(s));
}

__attribute__((format(printf, 2, 3))) static void
doc_printf(struct doc *doc, const char *fmt, ...)
{
	char small[512], *big = NULL;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof small, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof small) {
		msgpack_sbuffer_write(&doc->buf, small, (size_t)n);
		return;
	}
	big = xmalloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	msgpack_sbuffer_write(&doc->buf, big, (size_t)n);
	free(big);
}

/* A value inside a table cell or a one-line item: one line, and in Markdown no cell
 * separator; empty shows "-". */
static void
doc_inline(struct doc *doc, const char *s)
{
	if (s == NULL || *s == '\0') {
		doc_put(doc, "-");
		return;
	}
	for (; *s; s++) {
		if (*s == '\n')
			doc_put(doc, " / ");
		else if (*s == '\r')
			continue;
		else if (doc->md && (*s == '|' || *s == '\\' || *s == '<'))
			doc_printf(doc, "\\%c", *s);
		else
			msgpack_sbuffer_write(&doc->buf, s, 1);
	}
}

static void
doc_heading(struct doc *doc, int level, const char *title)
{
	const char *end = doc->buf.data + doc->buf.size;
	bool blank = doc->buf.size >= 2 && end[-1] == '\n' && end[-2] == '\n';

	if (doc->md) {
		doc_printf(doc, "%s%.*s %s\n\n", blank ? "" : "\n", level, "###", title);
		return;
	}
	doc_printf(doc, "%s%s\n", blank ? "" : "\n", title);
	for (size_t i = 0, w = strlen(title) > 60 ? 60 : strlen(title); i < w; i++)
		doc_put(doc, level == 1 ? "=" : "-");
	doc_put(doc, "\n\n");
}

/* A paragraph of free text (what happened, facts...). */
static void
doc_text(struct doc *doc, const char *s)
{
	if (s == NULL || *s == '\0') {
		doc_put(doc, doc->md ? "_(not recorded)_\n" : "(not recorded)\n");
		return;
	}
	for (const char *p = s; *p; p++) {
		if (*p == '\r')
			continue;
		if (!doc->md && (p == s || p[-1] == '\n'))
			doc_put(doc, "  ");
		if (*p == '\n' && doc->md)
			doc_put(doc, "  "); /* a Markdown line break */
		msgpack_sbuffer_write(&doc->buf, p, 1);
	}
	doc_put(doc, "\n");
}

/* "2026-11-22T07:05:03Z" as "2026-11-22 07:05" (seconds: ":03" too). */
static const char *
doc_time(const char *iso, bool seconds, char buf[24])
{
	if (iso == NULL || strlen(iso) < 19)
		return "-";
	snprintf(buf, 24, "%.10s %.*s", iso, seconds ? 8 : 5, iso + 11);
	return buf;
}

/* A labelled line: a table row in Markdown, "label: value" in text. */
static void
doc_row(struct doc *doc, const char *label, const char *value)
{
	doc_printf(doc, doc->md ? "| %s | " : "  %-24s ", label);
	doc_inline(doc, value);
	doc_put(doc, doc->md ? " |\n" : "\n");
}

/* One timeline entry as "what happened". */
static void
doc_timeline_what(struct doc *doc, const PGresult *t, int i)
{
	const char *kind = PQgetvalue(t, i, 4), *detail = PQgetvalue(t, i, 7);
	char what[256];

	if (strcmp(kind, "status") == 0)
		snprintf(what, sizeof what, "status %s -> %s%s", PQgetvalue(t, i, 5),
		         PQgetvalue(t, i, 6), detail[0] ? ": " : "");
	else if (strcmp(kind, "reported") == 0)
		snprintf(what, sizeof what, "reported%s", detail[0] ? ": " : "");
	else if (strcmp(kind, "edit") == 0)
		snprintf(what, sizeof what, "edited: ");
	else if (strcmp(kind, "review") == 0)
		snprintf(what, sizeof what, "reviewed: ");
	else if (strcmp(kind, "countermeasure") == 0)
		snprintf(what, sizeof what, "countermeasure ");
	else
		what[0] = '\0';
	if (what[0])
		doc_inline(doc, what);
	if (detail[0])
		doc_inline(doc, detail);
}

static void
incident_render(const struct request *r, const struct incident_detail *d, struct doc *doc)
{
	const PGresult *m = d->main;
	char buf[512], t1[24];
	time_t now = time(NULL);
	struct tm tm;
	int n;

	gmtime_r(&now, &tm);
	strftime(t1, sizeof t1, "%Y-%m-%d %H:%M", &tm);
	if (doc->md)
		doc_put(doc, "# 情報セキュリティインシデント報告書\n\n");
	else
		doc_put(
		    doc,
		    "情報セキュリティインシデント報告書\n==================================\n\n");
	doc_printf(doc, "Information security incident report No. %s. Printed %s UTC by %s.\n",
	           PQgetvalue(m, 0, IC_ID), t1, r->sess.login);
	if (!doc->md)
		doc_put(doc, "Times are UTC.\n");

	doc_heading(doc, 2, "概要 Summary");
	if (doc->md)
		doc_put(doc, "| 項目 Item | 内容 |\n|---|---|\n");
	doc_row(doc, "番号 No.", PQgetvalue(m, 0, IC_ID));
	doc_row(doc, "件名 Title", PQgetvalue(m, 0, IC_TITLE));
	snprintf(buf, sizeof buf, "%s %s (%s)", PQgetvalue(m, 0, IC_CATEGORY),
	         PQgetvalue(m, 0, IC_CATEGORY_JA), PQgetvalue(m, 0, IC_CATEGORY_LABEL));
	doc_row(doc, "区分 Category", buf);
	snprintf(buf, sizeof buf, "%s (%s)", PQgetvalue(m, 0, IC_SEVERITY_JA),
	         PQgetvalue(m, 0, IC_SEVERITY_LABEL));
	doc_row(doc, "重大度 Severity", buf);
	snprintf(buf, sizeof buf, "%s (%s)", PQgetvalue(m, 0, IC_STATUS_JA),
	         PQgetvalue(m, 0, IC_STATUS_LABEL));
	doc_row(doc, "状態 Status", buf);
	snprintf(buf, sizeof buf, "%s (%s), %s", PQgetvalue(m, 0, IC_REPORTED_BY_NAME),
	         PQgetvalue(m, 0, IC_REPORTED_BY), PQgetvalue(m, 0, IC_SEGMENT));
	doc_row(doc, "報告者 Reported by", buf);
	doc_row(doc, "報告日時 Reported (UTC)",
	        doc_time(incident_value(m, 0, IC_REPORTED_AT), false, t1));
	doc_row(doc, "発見日時 Found (UTC)",
	        doc_time(incident_value(m, 0, IC_FOUND_AT), false, t1));
	doc_row(doc, "発見場所 Where", incident_value(m, 0, IC_LOCATION));
	doc_row(doc, "共有 Shared",
	        incident_bool(m, 0, IC_SHARED) ? "全セグメント every segment" : "no");
	if (strcmp(PQgetvalue(m, 0, IC_STATUS), "rejected") == 0)
		doc_row(doc, "却下理由 Rejected because", incident_value(m, 0, IC_STATUS_REASON));

	doc_heading(doc, 2, "事象の内容 What happened");
	doc_text(doc, PQgetvalue(m, 0, IC_DESCRIPTION));

	doc_heading(doc, 2, "関連 Linked cases, devices, assets");
	if (PQntuples(d->links) == 0)
		doc_put(doc, doc->md ? "- _(none)_\n" : "  (none)\n");
	for (int i = 0; i < PQntuples(d->links); i++) {
		const char *kind = PQgetvalue(d->links, i, 0);
		doc_printf(doc, "%s %s ", doc->md ? "-" : "  *",
		           strcmp(kind, "case") == 0     ? "案件 case"
		           : strcmp(kind, "device") == 0 ? "装置 device"
		                                         : "資産 asset");
		doc_inline(doc, PQgetvalue(d->links, i, 1));
		doc_put(doc, incident_bool(d->links, i, 2) ? " (影響あり affected)\n" : "\n");
	}

	doc_heading(doc, 2, "調査 Investigation");
	doc_heading(doc, 3, "事実 Facts");
	doc_text(doc, incident_value(m, 0, IC_FACTS));
	doc_heading(doc, 3, "原因 Cause");
	doc_text(doc, incident_value(m, 0, IC_CAUSE));
	doc_heading(doc, 3, "影響範囲 Scope of impact");
	doc_text(doc, incident_value(m, 0, IC_IMPACT));
	/* The affected cases by receipt number: the document never holds personal data. */
	n = 0;
	for (int i = 0; i < PQntuples(d->links); i++)
		n += incident_bool(d->links, i, 2);
	doc_printf(doc, "\n%s影響を受けた案件 Affected cases (%d): ", doc->md ? "" : "  ", n);
	for (int i = 0, k = 0; i < PQntuples(d->links); i++)
		if (incident_bool(d->links, i, 2)) {
			doc_put(doc, k++ ? ", " : "");
			doc_inline(doc, PQgetvalue(d->links, i, 1));
		}
	doc_put(doc, n == 0 ? "-\n" : "\n");
	doc_heading(doc, 3, "再発防止策 Recurrence prevention");
	doc_text(doc, incident_value(m, 0, IC_PREVENTION));

	doc_heading(doc, 2, "対策 Countermeasures");
	if (PQntuples(d->cms) == 0)
		doc_put(doc, doc->md ? "_(none)_\n" : "  (none)\n");
	else if (doc->md)
		doc_put(doc, "| # | 対策 Countermeasure | 担当 Owner | 期限 Due | 状態 State |\n"
		             "|---|---|---|---|---|\n");
	for (int i = 0; i < PQntuples(d->cms); i++) {
		const PGresult *c = d->cms;
		doc_printf(doc, doc->md ? "| %s | " : "  %s. ", PQgetvalue(c, i, 0));
		doc_inline(doc, PQgetvalue(c, i, 1));
		if (doc->md)
			doc_printf(doc, " | %s (%s) | %s | %s%s |\n", PQgetvalue(c, i, 3),
			           PQgetvalue(c, i, 2), PQgetvalue(c, i, 4), PQgetvalue(c, i, 5),
			           incident_bool(c, i, 6) ? " (overdue)" : "");
		else
			doc_printf(doc, "\n     owner %s (%s), due %s, %s%s\n", PQgetvalue(c, i, 3),
			           PQgetvalue(c, i, 2), PQgetvalue(c, i, 4), PQgetvalue(c, i, 5),
			           incident_bool(c, i, 6) ? " (overdue)" : "");
	}

	doc_heading(doc, 2, "関連リスク Linked risks");
	if (PQntuples(d->risks) == 0)
		doc_put(doc, doc->md ? "- _(none)_\n" : "  (none)\n");
	for (int i = 0; i < PQntuples(d->risks); i++) {
		doc_put(doc, doc->md ? "- " : "  * ");
		doc_inline(doc, incident_value(d->risks, i, 1));
		doc_put(doc, " ");
		doc_inline(doc, incident_value(d->risks, i, 2));
		doc_put(doc, " (");
		doc_inline(doc, incident_value(d->risks, i, 3));
		doc_put(doc, ")\n");
	}

	doc_heading(doc, 2, "レビュー Review");
	if (PQgetisnull(m, 0, IC_REVIEWED_BY)) {
		doc_put(doc, doc->md ? "_(not reviewed)_\n" : "  (not reviewed)\n");
	} else {
		if (doc->md)
			doc_put(doc, "| 項目 Item | 内容 |\n|---|---|\n");
		snprintf(buf, sizeof buf, "%s (%s), %s", PQgetvalue(m, 0, IC_REVIEWED_BY_NAME),
		         PQgetvalue(m, 0, IC_REVIEWED_BY),
		         doc_time(incident_value(m, 0, IC_REVIEWED_AT), false, t1));
		doc_row(doc, "確認者 Reviewer", buf);
		doc_row(doc, "結果 Result", PQgetvalue(m, 0, IC_REVIEW_RESULT));
	}
	if (!PQgetisnull(m, 0, IC_CLOSED_BY)) {
		snprintf(buf, sizeof buf, "%s (%s), %s UTC", PQgetvalue(m, 0, IC_CLOSED_BY_NAME),
		         PQgetvalue(m, 0, IC_CLOSED_BY),
		         doc_time(incident_value(m, 0, IC_CLOSED_AT), false, t1));
		doc_printf(doc, "\n%s完了 Closed by %s\n", doc->md ? "" : "  ", buf);
	}

	doc_heading(doc, 2, "経緯 Timeline");
	if (doc->md)
		doc_put(doc, "| 日時 When (UTC) | 担当 Who | 内容 What |\n|---|---|---|\n");
	for (int i = 0; i < PQntuples(d->timeline); i++) {
		const PGresult *t = d->timeline;
		doc_printf(doc, doc->md ? "| %s | %s (%s) | " : "  %s  %s (%s)  ",
		           doc_time(incident_value(t, i, 0), true, t1),
		           PQgetisnull(t, i, 1) ? "(database)" : PQgetvalue(t, i, 1),
		           PQgetisnull(t, i, 3) ? "-" : PQgetvalue(t, i, 3));
		doc_timeline_what(doc, t, i);
		doc_put(doc, doc->md ? " |\n" : "\n");
	}
}

int
incident_document(struct request *r)
{
	struct incident_detail d;
	struct doc doc;
	char id[24], *format = NULL, filename[48];
	int rc;

	memset(&d, 0, sizeof d);
	msgpack_sbuffer_init(&doc.buf);
	if ((rc = incident_id_arg(r, id)) != 0 ||
	    (rc = arg_str(r, "format", false, 16, &format)) != 0)
		goto out;
	if (format != NULL && strcmp(format, "markdown") != 0 && strcmp(format, "text") != 0) {
		rc = request_fail(r, ERR_BAD_REQUEST, "format must be markdown or text");
		goto out;
	}
	doc.md = format == NULL || strcmp(format, "markdown") == 0;
	/* The document may be printed and passed on: no personal data in it. */
	if ((rc = incident_detail_load(r, id, false, &d)) != 0)
		goto out;
	incident_render(r, &d, &doc);
	snprintf(filename, sizeof filename, "incident-%s.%s", id, doc.md ? "md" : "txt");
	msgpack_pack_map(r->pk, 4);
	mp_packf(r->pk, "s i s s s s s S", "id", (int64_t)strtoll(id, NULL, 10), "format",
	         doc.md ? "markdown" : "text", "filename", filename, "text", doc.buf.data,
	         doc.buf.size);
out:
	incident_detail_fini(&d);
	msgpack_sbuffer_destroy(&doc.buf);
	free(format);
	return rc;
}

/* ============================== lists ============================== */

/* The filters of incident.list and incident.csv, as statement parameters. */
struct incident_filter {
	char *status, *severity, *sort; /* owned */
	char category[24], mine[24], min_age[24], max_age[24], limit[24], offset[24];
	int64_t limit_n, offset_n;
};

static void
incident_filter_fini(struct incident_filter *f)
{
	free(f->status);
	free(f->severity);
	free(f->sort);
}

static int
incident_filter_read(struct request *r, struct incident_filter *f, int64_t def_limit,
                     int64_t max_limit)
{
	int64_t cat, min_age, max_age;
	bool mine;
	int rc;

	memset(f, 0, sizeof *f);
	if ((rc = arg_str(r, "status", false, 32, &f->status)) != 0 ||
	    (rc = arg_str(r, "severity", false, 16, &f->severity)) != 0 ||
	    (rc = arg_str(r, "sort", false, 16, &f->sort)) != 0 ||
	    (rc = arg_int(r, "category", 1, 99, 0, &cat)) != 0 ||
	    (rc = incident_bool_arg(r, "mine", false, &mine)) != 0 ||
	    (rc = arg_int(r, "min_age_days", 0, 36500, -1, &min_age)) != 0 ||
	    (rc = arg_int(r, "max_age_days", 1, 36500, 0, &max_age)) != 0 ||
	    (rc = arg_int(r, "limit", 1, max_limit, def_limit, &f->limit_n)) != 0 ||
	    (rc = arg_int(r, "offset", 0, 1000000, 0, &f->offset_n)) != 0)
		return rc;
	if (f->status != NULL && strcmp(f->status, "open") != 0 &&
	    !incident_in(f->status, incident_statuses, COUNT_OF(incident_statuses)))
		return request_fail(r, ERR_BAD_REQUEST, "there is no status %s", f->status);
	if (f->severity != NULL &&
	    !incident_in(f->severity, incident_severities, COUNT_OF(incident_severities)))
		return request_fail(r, ERR_BAD_REQUEST,
		                    "severity must be one of low, medium, high, critical");
	if (f->sort != NULL && !incident_in(f->sort, incident_sorts, COUNT_OF(incident_sorts)))
		return request_fail(r, ERR_BAD_REQUEST,
		                    "sort must be one of newest, oldest, severity, updated");
	if (cat > 0)
		snprintf(f->category, sizeof f->category, "%lld", (long long)cat);
	if (mine)
		snprintf(f->mine, sizeof f->mine, "%s", r->sess.user_id);
	if (min_age >= 0)
		snprintf(f->min_age, sizeof f->min_age, "%lld", (long long)min_age);
	if (max_age > 0)
		snprintf(f->max_age, sizeof f->max_age, "%lld", (long long)max_age);
	snprintf(f->limit, sizeof f->limit, "%lld", (long long)f->limit_n);
	snprintf(f->offset, sizeof f->offset, "%lld", (long long)f->offset_n);
	return 0;
}

static int
incident_filter_run(struct request *r, const struct incident_filter *f, PGresult **res)
{
	const char *params[9] = {
		f->status,
		f->category[0] ? f->category : NULL,
		f->severity,
		f->mine[0] ? f->mine : NULL,
		f->min_age[0] ? f->min_age : NULL,
		f->max_age[0] ? f->max_age : NULL,
		f->sort != NULL ? f->sort : "newest",
		f->limit,
		f->offset,
	};

	return db_exec(r->db, STMT_INCIDENT_LIST, params, res);
}

/* The columns of STMT_INCIDENT_LIST as reply keys and types (see pack_row). */
static const char *const incident_list_keys[] = {
	"id",       "title",      "category", "category_label",       "category_label_ja",
	"severity", "status",     "segment",  "reported_by",          "reported_at",
	"found_at", "updated_at", "age_days", "open_countermeasures", "overdue_countermeasures",
	"version",  "shared",
};
#define INCIDENT_LIST_KINDS "isisssssssssiiiib"

int
incident_list(struct request *r)
{
	struct incident_filter f;
	PGresult *res = NULL;
	int rc, n;

	if ((rc = incident_filter_read(r, &f, 50, 200)) != 0 ||
	    (rc = incident_filter_run(r, &f, &res)) != 0)
		goto out;
	n = PQntuples(res);
	msgpack_pack_map(r->pk, 2);
	mp_pack_str(r->pk, "rows");
	pack_rows(r->pk, res, incident_list_keys, INCIDENT_LIST_KINDS);
	mp_pack_str(r->pk, "next");
	if (n == f.limit_n)
		msgpack_pack_int64(r->pk, f.offset_n + n);
	else
		msgpack_pack_nil(r->pk);
out:
	PQclear(res);
	incident_filter_fini(&f);
	return rc;
}

int
incident_csv(struct request *r)
{
	const int ncols = (int)COUNT_OF(incident_list_keys);
	struct incident_filter f;
	msgpack_sbuffer csv;
	PGresult *res = NULL;
	int rc;

	msgpack_sbuffer_init(&csv);
	if ((rc = incident_filter_read(r, &f, 10000, 10000)) != 0 ||
	    (rc = incident_filter_run(r, &f, &res)) != 0)
		goto out;
	for (int k = 0; k < ncols; k++)
		csv_field(&csv, incident_list_keys[k], k == ncols - 1);
	for (int i = 0; i < PQntuples(res); i++)
		for (int k = 0; k < ncols; k++)
			csv_field(&csv, PQgetvalue(res, i, k), k == ncols - 1);
	msgpack_pack_map(r->pk, 2);
	mp_packf(r->pk, "s i s S", "rows", (int64_t)PQntuples(res), "csv", csv.data, csv.size);
out:
	PQclear(res);
	incident_filter_fini(&f);
	msgpack_sbuffer_destroy(&csv);
	return rc;
}

/* ============================== the manager's dashboard ============================== */

int
incident_dashboard(struct request *r)
{
	static const char *const cat_keys[] = { "code",  "label",  "label_ja", "open",
		                                "age_7", "age_30", "age_older" };
	static const char *const st_keys[] = { "status", "label", "label_ja", "count" };
	static const char *const od_keys[] = { "id",           "cm",         "title",
		                               "owner",        "owner_name", "due",
		                               "days_overdue", "state",      "incident_title",
		                               "severity" };
	PGresult *cats = NULL, *sts = NULL, *od = NULL;
	int rc;

	if ((rc = db_exec(r->db, STMT_INCIDENT_DASH_CATEGORIES, NULL, &cats)) != 0 ||
	    (rc = db_exec(r->db, STMT_INCIDENT_DASH_STATUSES, NULL, &sts)) != 0 ||
	    (rc = db_exec(r->db, STMT_INCIDENT_OVERDUE, NULL, &od)) != 0)
		goto out;
	msgpack_pack_map(r->pk, 3);
	mp_pack_str(r->pk, "categories");
	pack_rows(r->pk, cats, cat_keys, "issiiii");
	mp_pack_str(r->pk, "statuses");
	pack_rows(r->pk, sts, st_keys, "sssi");
	mp_pack_str(r->pk, "overdue");
	pack_rows(r->pk, od, od_keys, "iissssisss");
out:
	PQclear(cats);
	PQclear(sts);
	PQclear(od);
	return rc;
}
