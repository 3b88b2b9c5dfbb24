/* Rights and argument readers shared by every command handler. */
#include "config.h"

#include "request.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "mp.h"
#include "xmalloc.h"

/* clang-format off */
static const char *const right_names[RIGHT_COUNT] = {
	[RIGHT_SESSION_LOGIN] = "session.login",
	[RIGHT_CASE_READ] = "case.read",
	[RIGHT_CASE_CREATE] = "case.create",
	[RIGHT_PII_READ] = "pii.read",
	[RIGHT_AUDIT_READ] = "audit.read",
	[RIGHT_USER_ADMIN] = "user.admin",
	[RIGHT_PII_EXPORT] = "pii.export",
	[RIGHT_EXPORT_APPROVE] = "export.approve",
	[RIGHT_RIGHTS_ADMIN] = "rights.admin",
	[RIGHT_STAMP_INTAKE] = "stamp.intake",
	[RIGHT_STAMP_ANALYSIS] = "stamp.analysis",
	[RIGHT_STAMP_REPORT] = "stamp.report",
	[RIGHT_STAMP_REPLY] = "stamp.reply",
	[RIGHT_STAMP_RECOVERY] = "stamp.recovery",
	[RIGHT_STAMP_SHIPPING] = "stamp.shipping",
	[RIGHT_STAMP_ERASURE] = "stamp.erasure",
	[RIGHT_NOTE_WRITE] = "note.write",
	[RIGHT_WORKLOG_READ] = "worklog.read",
	[RIGHT_WORKLOG_WRITE] = "worklog.write",
	[RIGHT_DOCUMENT_ISSUE] = "document.issue",
	[RIGHT_DOCUMENT_APPROVE] = "document.approve",
	[RIGHT_CUSTODY_MOVE] = "custody.move",
	[RIGHT_DEVICE_ADMIN] = "device.admin",
	[RIGHT_INCIDENT_REPORT] = "incident.report",
	[RIGHT_INCIDENT_READ] = "incident.read",
	[RIGHT_INCIDENT_MANAGE] = "incident.manage",
	[RIGHT_INCIDENT_REVIEW] = "incident.review",
	[RIGHT_RISK_READ] = "risk.read",
	[RIGHT_RISK_MANAGE] = "risk.manage",
	[RIGHT_RISK_ACCEPT] = "risk.accept",
};
/* clang-format on */
_Static_assert(RIGHT_COUNT <= 64, "rights are bits of a uint64_t");

const char *
right_name(enum right r)
{
	return r >= 0 && r < RIGHT_COUNT ? right_names[r] : "?";
}

uint64_t
rights_parse(const char *csv)
{
	uint64_t bits = 0;

	for (const char *p = csv; p != NULL && *p != '\0';) {
		const char *end = strchr(p, ',');
		size_t len = end != NULL ? (size_t)(end - p) : strlen(p);

		for (int i = 0; i < RIGHT_COUNT; i++)
			if (strlen(right_names[i]) == len && strncmp(right_names[i], p, len) == 0)
				bits |= RIGHT_BIT(i);
		p = end != NULL ? end + 1 : NULL;
	}
	return bits;
}

void
rights_pack(msgpack_packer *pk, uint64_t bits)
{
	int n = 0;

	for (int i = 0; i < RIGHT_COUNT; i++)
		n += (bits & RIGHT_BIT(i)) != 0;
	msgpack_pack_array(pk, (size_t)n);
	for (int i = 0; i < RIGHT_COUNT; i++)
		if (bits & RIGHT_BIT(i))
			mp_pack_str(pk, right_names[i]);
}

void
pack_row(msgpack_packer *pk, const PGresult *res, int row, const char *const *keys,
         const char *types)
{
	int n = (int)strlen(types);

	msgpack_pack_map(pk, (size_t)n);
	for (int k = 0; k < n; k++) {
		const char *v = PQgetisnull(res, row, k) ? NULL : PQgetvalue(res, row, k);

		mp_pack_str(pk, keys[k]);
		if (v == NULL)
			msgpack_pack_nil(pk);
		else if (types[k] == 'i')
			msgpack_pack_int64(pk, strtoll(v, NULL, 10));
		else if (types[k] == 'b')
			mp_packf(pk, "b", v[0] == 't');
		else if (types[k] == 'f')
			msgpack_pack_double(pk, strtod(v, NULL));
		else
			mp_pack_str(pk, v);
	}
}

void
pack_rows(msgpack_packer *pk, const PGresult *res, const char *const *keys, const char *types)
{
	msgpack_pack_array(pk, (size_t)PQntuples(res));
	for (int i = 0; i < PQntuples(res); i++)
		pack_row(pk, res, i, keys, types);
}

void
request_pii_case(struct request *r, const char *case_id)
{
	size_t len = r->pii_cases != NULL ? strlen(r->pii_cases) : 0;

	r->pii_cases = xrealloc(r->pii_cases, len + strlen(case_id) + 3);
	snprintf(r->pii_cases + len, strlen(case_id) + 3, "%s%s}", len ? "" : "{", case_id);
	if (len > 0) /* replace the closing brace by a comma */
		r->pii_cases[len - 1] = ',';
}

void
csv_field(msgpack_sbuffer *csv, const char *v, bool last)
{
	msgpack_sbuffer_write(csv, "\"", 1);
	if (v[0] == '=' || v[0] == '+' || v[0] == '-' || v[0] == '@')
		msgpack_sbuffer_write(csv, "'", 1);
	for (; *v; v++) {
		if (*v == '"')
			msgpack_sbuffer_write(csv, "\"\"", 2);
		else
			msgpack_sbuffer_write(csv, v, 1);
	}
	msgpack_sbuffer_write(csv, last ? "\"\r\n" : "\",", last ? 3 : 2);
}

int
request_fail(struct request *r, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->errbuf, sizeof r->errbuf, fmt, ap);
	va_end(ap);
	r->errmsg = r->errbuf;
	return err;
}

static size_t
utf8_chars(const char *s, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++)
		n += ((unsigned char)s[i] & 0xc0) != 0x80;
	return n;
}

static int
arg_string(struct request *r, const char *key, bool required, size_t max_chars, bool multiline,
           char **out)
{
	const msgpack_object *o = mp_get(r->msg->args, key);

	*out = NULL;
	if (o == NULL || o->type == MSGPACK_OBJECT_NIL ||
	    (!required && mp_is_str(o) && o->via.str.size == 0))
		return required ? request_fail(r, ERR_BAD_REQUEST, "%s is required", key) : 0;
	if (!mp_is_str(o))
		return request_fail(r, ERR_BAD_REQUEST, "%s must be a string", key);
	if (required && o->via.str.size == 0)
		return request_fail(r, ERR_BAD_REQUEST, "%s must not be empty", key);
	if (utf8_chars(o->via.str.ptr, o->via.str.size) > max_chars)
		return request_fail(r, ERR_BAD_REQUEST, "%s is longer than %zu characters", key,
		                    max_chars);
	if (!multiline && (memchr(o->via.str.ptr, '\n', o->via.str.size) != NULL ||
	                   memchr(o->via.str.ptr, '\r', o->via.str.size) != NULL))
		return request_fail(r, ERR_BAD_REQUEST, "%s must be a single line", key);
	*out = mp_strdup(o);
	return 0;
}

int
arg_str(struct request *r, const char *key, bool required, size_t max_chars, char **out)
{
	return arg_string(r, key, required, max_chars, false, out);
}

int
arg_text(struct request *r, const char *key, bool required, size_t max_chars, char **out)
{
	return arg_string(r, key, required, max_chars, true, out);
}

int
arg_int(struct request *r, const char *key, int64_t min, int64_t max, int64_t def, int64_t *out)
{
	const msgpack_object *o = mp_get(r->msg->args, key);

	*out = def;
	if (o == NULL || o->type == MSGPACK_OBJECT_NIL)
		return 0;
	if (mp_int(o, out) != 0)
		return request_fail(r, ERR_BAD_REQUEST, "%s must be an integer", key);
	if (*out < min || *out > max)
		return request_fail(r, ERR_BAD_REQUEST, "%s must be between %lld and %lld", key,
		                    (long long)min, (long long)max);
	return 0;
}
