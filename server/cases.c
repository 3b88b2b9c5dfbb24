/* case.*: intake, one case, the list. Customer personal data is read only with pii.read;
 * without it the statements that touch it are not even run. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "err.h"
#include "mp.h"
#include "xmalloc.h"

#define MASK "***"

static const char *const case_item_kinds[] = { "medium", "accessory", "request_form", "packing",
	                                       "other" };
static const char *const case_stages[] = { "intake",   "analysis", "report",  "reply",
	                                   "recovery", "shipping", "erasure", "closed" };

static bool
case_in(const char *s, const char *const *set, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(s, set[i]) == 0)
			return true;
	return false;
}

static bool
case_has_pii(const struct request *r)
{
	return (r->sess.rights & RIGHT_BIT(RIGHT_PII_READ)) != 0;
}

/* A phone number: digits and the usual separators. */
static bool
case_phone_ok(const char *s)
{
	return strspn(s, "0123456789+-() ") == strlen(s) && strpbrk(s, "0123456789") != NULL;
}

static bool
case_email_ok(const char *s)
{
	const char *at = strchr(s, '@');

	return at != NULL && at != s && at[1] != '\0' && strchr(at + 1, '@') == NULL &&
	       strpbrk(s, " \t") == NULL;
}

/* Reads args.items into two text[] literals (kinds, descriptions). */
static int
case_read_items(struct request *r, char **kinds, char **descrs)
{
	const msgpack_object *items = mp_get(r->msg->args, "items");
	size_t klen = 0, dlen = 0;

	*kinds = *descrs = NULL;
	if (items == NULL || items->type != MSGPACK_OBJECT_ARRAY || items->via.array.size == 0)
		return request_fail(r, ERR_BAD_REQUEST,
		                    "items must list at least one received item");
	if (items->via.array.size > 99)
		return request_fail(r, ERR_BAD_REQUEST, "at most 99 items per case");
	for (uint32_t i = 0; i < items->via.array.size; i++) {
		const msgpack_object *it = &items->via.array.ptr[i];
		char kind[16], descr[801];
		const msgpack_object *d = mp_get(it, "description");

		if (mp_strcpy(mp_get(it, "kind"), kind, sizeof kind) != 0 ||
		    !case_in(kind, case_item_kinds, 5))
			return request_fail(r, ERR_BAD_REQUEST,
			                    "item %u: kind must be one of medium, accessory, "
			                    "request_form, packing, other",
			                    i + 1);
		/* 200 characters of at most 4 bytes each */
		if (mp_strcpy(d, descr, sizeof descr) != 0 || descr[0] == '\0' ||
		    strpbrk(descr, "\r\n") != NULL)
			return request_fail(r, ERR_BAD_REQUEST,
			                    "item %u: description must be one line of text", i + 1);
		size_t chars = 0;
		for (const char *p = descr; *p; p++)
			chars += ((unsigned char)*p & 0xc0) != 0x80;
		if (chars > 200)
			return request_fail(r, ERR_BAD_REQUEST,
			                    "item %u: description is longer than 200 characters",
			                    i + 1);
		db_array_add(kinds, &klen, kind);
		db_array_add(descrs, &dlen, descr);
	}
	db_array_end(kinds, &klen);
	db_array_end(descrs, &dlen);
	return 0;
}

int
case_create(struct request *r)
{
	char *name = NULL, *phone = NULL, *email = NULL, *address = NULL, *medium = NULL;
	char *notes = NULL, *kinds = NULL, *descrs = NULL;
	PGresult *res = NULL;
	int rc;

	if ((rc = arg_str(r, "customer_name", true, 200, &name)) != 0 ||
	    (rc = arg_str(r, "phone", false, 40, &phone)) != 0 ||
	    (rc = arg_str(r, "email", false, 200, &email)) != 0 ||
	    (rc = arg_text(r, "address", false, 500, &address)) != 0 ||
	    (rc = arg_str(r, "medium", true, 500, &medium)) != 0 ||
	    (rc = arg_text(r, "notes", false, 4000, &notes)) != 0 ||
	    (rc = case_read_items(r, &kinds, &descrs)) != 0)
		goto out;
	if (phone != NULL && !case_phone_ok(phone)) {
		rc =
		    request_fail(r, ERR_BAD_REQUEST, "phone may hold only digits, spaces, + - ( )");
		goto out;
	}
	if (email != NULL && !case_email_ok(email)) {
		rc = request_fail(r, ERR_BAD_REQUEST, "email is not an e-mail address");
		goto out;
	}
	const char *params[10] = { medium,  r->sess.user_id, name,   phone,      email,
		                   address, kinds,           descrs, r->segment, notes };
	if ((rc = db_exec(r->db, STMT_CASE_CREATE, params, &res)) != 0)
		goto out;
	if (PQntuples(res) != 1) { /* the statement makes exactly one case, or fails */
		rc = ERR_INTERNAL;
		goto out;
	}
	const char *receipt = PQgetvalue(res, 0, 0);
	char *labels = xstrdup(PQgetvalue(res, 0, 1));
	size_t nlabels = 0;
	/* As many as strtok_r finds below (labels hold no comma; none gives an empty array). */
	for (const char *p = labels + strspn(labels, ","); *p != '\0'; p += strspn(p, ",")) {
		nlabels++;
		p += strcspn(p, ",");
	}
	snprintf(r->object, sizeof r->object, "%s", receipt);
	msgpack_pack_map(r->pk, 2);
	mp_packf(r->pk, "s s s", "receipt", receipt, "labels");
	msgpack_pack_array(r->pk, nlabels);
	for (char *save = NULL, *l = strtok_r(labels, ",", &save); l != NULL;
	     l = strtok_r(NULL, ",", &save))
		mp_pack_str(r->pk, l);
	free(labels);
out:
	PQclear(res);
	free(name), free(phone), free(email), free(address), free(medium), free(notes);
	free(kinds), free(descrs);
	return rc;
}

/* The columns of case.get's result (server/db.c, STMT_CASE_GET): the part ('c', 'i', 'n'),
 * its order, then the values. */
#define CASE_PART   0
#define CASE_VALUES 2

/* Packs the rows of one part of case.get's result from *row on as an array of maps with
 * these keys, and moves *row past them. */
static void
case_pack_part(struct request *r, const PGresult *res, int *row, char part, const char *const *keys,
               int nkeys)
{
	int first = *row;

	while (*row < PQntuples(res) && PQgetvalue(res, *row, CASE_PART)[0] == part)
		(*row)++;
	msgpack_pack_array(r->pk, (size_t)(*row - first));
	for (int i = first; i < *row; i++) {
		msgpack_pack_map(r->pk, (size_t)nkeys);
		for (int k = 0; k < nkeys; k++) {
			mp_pack_str(r->pk, keys[k]);
			mp_pack_str(r->pk, PQgetisnull(res, i, CASE_VALUES + k)
			                       ? NULL
			                       : PQgetvalue(res, i, CASE_VALUES + k));
		}
	}
}

/* The k-th value of the case's own row. */
static const char *
case_value(const PGresult *res, int k)
{
	return PQgetisnull(res, 0, CASE_VALUES + k) ? NULL : PQgetvalue(res, 0, CASE_VALUES + k);
}

int
case_get(struct request *r)
{
	static const char *const item_keys[] = { "label", "kind", "description" };
	static const char *const note_keys[] = { "id", "at", "author", "segment", "body" };
	bool pii = case_has_pii(r);
	char receipt[32];
	const msgpack_object *o = mp_get(r->msg->args, "receipt");
	PGresult *res;
	int rc, row = 1;

	if (mp_strcpy(o, receipt, sizeof receipt) != 0 || receipt[0] == '\0')
		return request_fail(r, ERR_BAD_REQUEST, "receipt is required");
	snprintf(r->object, sizeof r->object, "%s", receipt);
	const char *params[1] = { receipt };
	if ((rc = db_exec(r->db, pii ? STMT_CASE_GET_PII : STMT_CASE_GET, params, &res)) != 0)
		return rc;
	if (PQntuples(res) == 0 || PQgetvalue(res, 0, CASE_PART)[0] != 'c') {
		PQclear(res);
		return request_fail(r, ERR_NOT_FOUND, "no case with receipt number %s", receipt);
	}
	if (pii)
		request_pii_case(r, case_value(res, 0));
	msgpack_pack_map(r->pk, 13);
	mp_packf(r->pk, "s s s s s s s s s s s s", "receipt", case_value(res, 1), "received_at",
	         case_value(res, 2), "stage", case_value(res, 3), "stage_label", case_value(res, 4),
	         "medium", case_value(res, 5), "created_by", case_value(res, 6));
	mp_packf(r->pk, "s s s s s s s s s b", "customer_name", pii ? case_value(res, 7) : MASK,
	         "phone", pii ? case_value(res, 8) : MASK, "email", pii ? case_value(res, 9) : MASK,
	         "address", pii ? case_value(res, 10) : MASK, "pii_masked", (int)!pii);
	mp_pack_str(r->pk, "items");
	case_pack_part(r, res, &row, 'i', item_keys, 3);
	mp_pack_str(r->pk, "notes");
	case_pack_part(r, res, &row, 'n', note_keys, 5);
	PQclear(res);
	return 0;
}

/* "%q%" with LIKE's wildcards in q escaped; owned. */
static char *
case_like_pattern(const char *q)
{
	char *pat = xmalloc(2 * strlen(q) + 3), *p = pat;

	*p++ = '%';
	for (; *q; q++) {
		if (*q == '%' || *q == '_' || *q == '\\')
			*p++ = '\\';
		*p++ = *q;
	}
	*p++ = '%';
	*p = '\0';
	return pat;
}

int
case_list(struct request *r)
{
	bool pii = case_has_pii(r);
	char *stage = NULL, *q = NULL, *pattern = NULL;
	char after_s[24], limit_s[8];
	int64_t after, limit;
	PGresult *res = NULL;
	int rc;

	if ((rc = arg_str(r, "stage", false, 16, &stage)) != 0 ||
	    (rc = arg_str(r, "q", false, 100, &q)) != 0 ||
	    (rc = arg_int(r, "after", 1, INT64_MAX, 0, &after)) != 0 ||
	    (rc = arg_int(r, "limit", 1, 200, 50, &limit)) != 0)
		goto out;
	if (stage != NULL && !case_in(stage, case_stages, 8)) {
		rc = request_fail(r, ERR_BAD_REQUEST, "unknown stage");
		goto out;
	}
	if (q != NULL)
		pattern = case_like_pattern(q);
	snprintf(after_s, sizeof after_s, "%lld", (long long)after);
	snprintf(limit_s, sizeof limit_s, "%lld", (long long)limit);
	const char *params[5] = { stage, after > 0 ? after_s : NULL, limit_s };
	enum db_stmt stmt = pii ? STMT_CASE_LIST_PII : STMT_CASE_LIST;
	if (q != NULL) {
		params[2] = pattern;
		params[3] = limit_s;
		params[4] = q;
		stmt = pii ? STMT_CASE_SEARCH_PII : STMT_CASE_SEARCH;
	}
	if ((rc = db_exec(r->db, stmt, params, &res)) != 0)
		goto out;
	int n = PQntuples(res);
	msgpack_pack_map(r->pk, 2);
	mp_pack_str(r->pk, "rows");
	msgpack_pack_array(r->pk, (size_t)n);
	for (int i = 0; i < n; i++) {
		msgpack_pack_map(r->pk, 7);
		mp_packf(r->pk, "s i", "id", (int64_t)strtoll(PQgetvalue(res, i, 0), NULL, 10));
		mp_packf(r->pk, "s s s s s s s s s s", "receipt", PQgetvalue(res, i, 1),
		         "received_at", PQgetvalue(res, i, 2), "stage", PQgetvalue(res, i, 3),
		         "stage_label", PQgetvalue(res, i, 4), "medium", PQgetvalue(res, i, 5));
		mp_packf(r->pk, "s s", "customer_name",
		         !pii                     ? MASK
		         : PQgetisnull(res, i, 6) ? NULL
		                                  : PQgetvalue(res, i, 6));
		if (pii && !PQgetisnull(res, i, 6))
			request_pii_case(r, PQgetvalue(res, i, 0));
	}
	mp_pack_str(r->pk, "next");
	if (n == limit)
		msgpack_pack_int64(r->pk, strtoll(PQgetvalue(res, n - 1, 0), NULL, 10));
	else
		msgpack_pack_nil(r->pk);
out:
	PQclear(res);
	free(stage), free(q), free(pattern);
	return rc;
}
