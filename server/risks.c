/* asset.*, risk.*, control.list: the risk register. Levels are never computed here: the
 * statements read them from kura.risk_register, which scores through the stored matrix, so the
 * database alone decides what a likelihood x impact is worth (docs/risks.md). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "err.h"
#include "mp.h"
#include "xmalloc.h"

#define RISKS_LIST_MAX     1000
#define RISKS_CONTROLS_MAX 200
/* How far back a risk may have been identified or reviewed, and how far ahead an acceptance
 * may run, in days. */
#define RISKS_PAST_DAYS   3660
#define RISKS_ACCEPT_DAYS 1100

static const char *const risks_asset_types[] = { "information", "media",  "device", "software",
	                                         "facility",    "people", "service" };
static const char *const risks_treatments[] = { "mitigate", "accept", "transfer", "avoid" };
static const char *const risks_levels[] = { "low", "medium", "high", "critical" };

#define RISKS_NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* ============================== arguments ============================== */

/* An integer argument as a decimal parameter; "" (SQL NULL, see risks_param) when absent and
 * not required. out: at least 24 bytes. */
static int
risks_int(struct request *r, const char *key, bool required, int64_t min, int64_t max, char *out)
{
	int64_t v;
	int rc;

	out[0] = '\0';
	if ((rc = arg_int(r, key, min, max, INT64_MIN, &v)) != 0)
		return rc;
	if (v == INT64_MIN)
		return required ? request_fail(r, ERR_BAD_REQUEST, "%s is required", key) : 0;
	snprintf(out, 24, "%lld", (long long)v);
	return 0;
}

/* "" is SQL NULL. */
static const char *
risks_param(const char *s)
{
	return s != NULL && s[0] != '\0' ? s : NULL;
}

/* A boolean argument: -1 when absent or nil. */
static int
risks_bool(struct request *r, const char *key, int *out)
{
	const msgpack_object *o = mp_get(r->msg->args, key);

	*out = -1;
	if (o == NULL || o->type == MSGPACK_OBJECT_NIL)
		return 0;
	if (o->type != MSGPACK_OBJECT_BOOLEAN)
		return request_fail(r, ERR_BAD_REQUEST, "%s must be true or false", key);
	*out = o->via.boolean ? 1 : 0;
	return 0;
}

static const char *
risks_bool_param(int b)
{
	return b < 0 ? NULL : b ? "t" : "f";
}

/* A one-of-a-set argument (borrowed from set into *out), NULL when absent. */
static int
risks_enum(struct request *r, const char *key, bool required, const char *const *set, size_t n,
           const char **out)
{
	char *s = NULL;
	int rc;

	*out = NULL;
	if ((rc = arg_str(r, key, required, 32, &s)) != 0 || s == NULL)
		return rc;
	for (size_t i = 0; i < n; i++)
		if (strcmp(s, set[i]) == 0)
			*out = set[i];
	if (*out == NULL) {
		char list[200] = "";
		for (size_t i = 0; i < n; i++)
			snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s",
			         i > 0 ? ", " : "", set[i]);
		rc = request_fail(r, ERR_BAD_REQUEST, "%s must be one of %s", key, list);
	}
	free(s);
	return rc;
}

/* A date argument YYYY-MM-DD into out (11 bytes; "" when absent), and its distance from today
 * in days (the database's today). */
static int
risks_date(struct request *r, const char *key, bool required, char out[11], int64_t *days)
{
	const msgpack_object *o = mp_get(r->msg->args, key);
	PGresult *res;
	int rc;

	out[0] = '\0';
	*days = 0;
	if (o == NULL || o->type == MSGPACK_OBJECT_NIL)
		return required ? request_fail(r, ERR_BAD_REQUEST, "%s is required", key) : 0;
	bool ok = mp_strcpy(o, out, 11) == 0 && strlen(out) == 10;

	for (int k = 0; ok && k < 10; k++)
		ok = (k == 4 || k == 7) ? out[k] == '-' : out[k] >= '0' && out[k] <= '9';
	if (!ok) {
		out[0] = '\0';
		return request_fail(r, ERR_BAD_REQUEST, "%s must be a date YYYY-MM-DD", key);
	}
	const char *params[1] = { out };
	if ((rc = db_exec(r->db, STMT_RISK_DAYS, params, &res)) != 0)
		return rc == ERR_BAD_REQUEST ? request_fail(r, ERR_BAD_REQUEST,
		                                            "%s is not a date in the calendar", key)
		                             : rc;
	*days = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return 0;
}

/* The id of the active user with this login, as a parameter (out: 24 bytes). */
static int
risks_user(struct request *r, const char *key, const char *login, char *out)
{
	const char *params[1] = { login };
	PGresult *res;
	int rc;

	if ((rc = db_exec(r->db, STMT_RISK_USER_ID, params, &res)) != 0)
		return rc;
	if (PQntuples(res) != 1)
		rc = request_fail(r, ERR_BAD_REQUEST, "%s: there is no active user %s", key, login);
	else
		snprintf(out, 24, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	return rc;
}

/* Reads args.controls (an array of control ids) into a text[] literal, *out owned; NULL when
 * the argument is absent. Unknown ids are refused by name. */
static int
risks_controls_arg(struct request *r, char **out)
{
	const msgpack_object *list = mp_get(r->msg->args, "controls");
	size_t len = 0;
	PGresult *res;
	int rc;

	*out = NULL;
	if (list == NULL || list->type == MSGPACK_OBJECT_NIL)
		return 0;
	if (list->type != MSGPACK_OBJECT_ARRAY || list->via.array.size > RISKS_CONTROLS_MAX)
		return request_fail(r, ERR_BAD_REQUEST, "controls must list at most %d control ids",
		                    RISKS_CONTROLS_MAX);
	for (uint32_t i = 0; i < list->via.array.size; i++) {
		char id[16];

		if (mp_strcpy(&list->via.array.ptr[i], id, sizeof id) != 0 || id[0] == '\0' ||
		    strspn(id, "0123456789.") != strlen(id)) {
			free(*out);
			*out = NULL;
			return request_fail(r, ERR_BAD_REQUEST, "controls[%u] is not a control id",
			                    i);
		}
		db_array_add(out, &len, id);
	}
	db_array_end(out, &len);
	const char *params[1] = { *out };
	if ((rc = db_exec(r->db, STMT_RISK_CONTROLS_UNKNOWN, params, &res)) != 0)
		goto fail;
	if (!PQgetisnull(res, 0, 0)) {
		rc = request_fail(r, ERR_BAD_REQUEST, "no such control: %s", PQgetvalue(res, 0, 0));
		PQclear(res);
		goto fail;
	}
	PQclear(res);
	return 0;
fail:
	free(*out);
	*out = NULL;
	return rc;
}

/* ============================== replies ============================== */

/* One reply field from a result column: s text, i integer, b boolean; SQL NULL packs nil. */
struct risks_col {
	const char *key;
	char type;
};

/* Packs ncols key/value pairs from row's columns first.. (the caller opened the map). */
static void
risks_pack_cols(msgpack_packer *pk, const PGresult *res, int row, int first,
                const struct risks_col *cols, size_t ncols)
{
	for (size_t k = 0; k < ncols; k++) {
		int c = first + (int)k;

		mp_pack_str(pk, cols[k].key);
		if (PQgetisnull(res, row, c))
			msgpack_pack_nil(pk);
		else if (cols[k].type == 'i')
			msgpack_pack_int64(pk, strtoll(PQgetvalue(res, row, c), NULL, 10));
		else if (cols[k].type == 'b' && PQgetvalue(res, row, c)[0] == 't')
			msgpack_pack_true(pk);
		else if (cols[k].type == 'b')
			msgpack_pack_false(pk);
		else
			mp_pack_str(pk, PQgetvalue(res, row, c));
	}
}

/* Runs stmt with params and packs its rows as an array of maps. */
static int
risks_pack_rows(struct request *r, enum db_stmt stmt, const char *const *params,
                const struct risks_col *cols, size_t ncols)
{
	PGresult *res;
	int rc;

	if ((rc = db_exec(r->db, stmt, params, &res)) != 0)
		return rc;
	msgpack_pack_array(r->pk, (size_t)PQntuples(res));
	for (int i = 0; i < PQntuples(res); i++) {
		msgpack_pack_map(r->pk, ncols);
		risks_pack_cols(r->pk, res, i, 0, cols, ncols);
	}
	PQclear(res);
	return 0;
}

/* Explains an update that matched no row: no such object, or a newer version. */
static int
risks_no_row(struct request *r, enum db_stmt state, const char *what, const char *id)
{
	const char *params[1] = { id };
	PGresult *res;
	int rc;

	if ((rc = db_exec(r->db, state, params, &res)) != 0)
		return rc;
	if (PQntuples(res) == 0)
		rc = request_fail(r, ERR_NOT_FOUND, "there is no %s %s", what, id);
	else
		rc = request_fail(r, ERR_CONFLICT,
		                  "%s %s was changed meanwhile (now version %s): load it again",
		                  what, id, PQgetvalue(res, 0, 0));
	PQclear(res);
	return rc;
}

/* ============================== assets ============================== */

struct risks_asset_args {
	char *name, *owner, *location, *description; /* owned */
	const char *type;                            /* static */
	char owner_id[24], c[24], i[24], a[24];
	int personal_data, in_scope;
};

static void
risks_asset_args_fini(struct risks_asset_args *a)
{
	free(a->name), free(a->owner), free(a->location), free(a->description);
}

static int
risks_asset_args_read(struct request *r, struct risks_asset_args *a, bool create)
{
	int rc;

	memset(a, 0, sizeof *a);
	if ((rc = arg_str(r, "name", create, 200, &a->name)) != 0 ||
	    (rc = risks_enum(r, "type", create, risks_asset_types, RISKS_NELEM(risks_asset_types),
	                     &a->type)) != 0 ||
	    (rc = arg_str(r, "owner", create, 32, &a->owner)) != 0 ||
	    (rc = arg_str(r, "location", false, 200, &a->location)) != 0 ||
	    (rc = arg_text(r, "description", false, 2000, &a->description)) != 0 ||
	    (rc = risks_int(r, "confidentiality", create, 1, 3, a->c)) != 0 ||
	    (rc = risks_int(r, "integrity", create, 1, 3, a->i)) != 0 ||
	    (rc = risks_int(r, "availability", create, 1, 3, a->a)) != 0 ||
	    (rc = risks_bool(r, "personal_data", &a->personal_data)) != 0 ||
	    (rc = risks_bool(r, "in_scope", &a->in_scope)) != 0)
		return rc;
	if (create && a->personal_data < 0)
		a->personal_data = 0;
	if (create && a->in_scope < 0)
		a->in_scope = 1;
	if (a->owner != NULL)
		return risks_user(r, "owner", a->owner, a->owner_id);
	return 0;
}

/* A unique name taken: say so rather than "conflict". */
static int
risks_asset_name_taken(struct request *r, int rc, const char *name)
{
	if (rc == ERR_CONFLICT && strcmp(db_last_sqlstate(r->db), "23505") == 0)
		return request_fail(r, ERR_CONFLICT, "there is already an asset named %s", name);
	return rc;
}

int
asset_create(struct request *r)
{
	struct risks_asset_args a;
	PGresult *res = NULL;
	int rc;

	if ((rc = risks_asset_args_read(r, &a, true)) != 0)
		goto out;
	const char *params[11] = { a.name,
		                   a.type,
		                   a.owner_id,
		                   a.location,
		                   a.c,
		                   a.i,
		                   a.a,
		                   risks_bool_param(a.personal_data),
		                   risks_bool_param(a.in_scope),
		                   a.description,
		                   r->sess.user_id };
	if ((rc = db_exec(r->db, STMT_ASSET_CREATE, params, &res)) != 0) {
		rc = risks_asset_name_taken(r, rc, a.name);
		goto out;
	}
	snprintf(r->object, sizeof r->object, "asset:%s", PQgetvalue(res, 0, 0));
	msgpack_pack_map(r->pk, 2);
	mp_packf(r->pk, "s i s i", "id", (int64_t)strtoll(PQgetvalue(res, 0, 0), NULL, 10),
	         "version", (int64_t)strtoll(PQgetvalue(res, 0, 1), NULL, 10));
out:
	PQclear(res);
	risks_asset_args_fini(&a);
	return rc;
}

int
asset_update(struct request *r)
{
	struct risks_asset_args a;
	char id[24], version[24];
	PGresult *res = NULL;
	int rc;

	memset(&a, 0, sizeof a);
	if ((rc = risks_int(r, "id", true, 1, INT64_MAX, id)) != 0)
		goto out;
	snprintf(r->object, sizeof r->object, "asset:%s", id);
	if ((rc = risks_int(r, "version", false, 1, INT32_MAX, version)) != 0 ||
	    (rc = risks_asset_args_read(r, &a, false)) != 0)
		goto out;
	const char *params[12] = { id,
		                   risks_param(version),
		                   a.name,
		                   a.type,
		                   risks_param(a.owner_id),
		                   a.location,
		                   risks_param(a.c),
		                   risks_param(a.i),
		                   risks_param(a.a),
		                   risks_bool_param(a.personal_data),
		                   risks_bool_param(a.in_scope),
		                   a.description };
	if ((rc = db_exec(r->db, STMT_ASSET_UPDATE, params, &res)) != 0) {
		rc = risks_asset_name_taken(r, rc, a.name != NULL ? a.name : "");
		goto out;
	}
	if (PQntuples(res) != 1) {
		rc = risks_no_row(r, STMT_ASSET_STATE, "asset", id);
		goto out;
	}
	msgpack_pack_map(r->pk, 2);
	mp_packf(r->pk, "s i s i", "id", (int64_t)strtoll(id, NULL, 10), "version",
	         (int64_t)strtoll(PQgetvalue(res, 0, 0), NULL, 10));
out:
	PQclear(res);
	risks_asset_args_fini(&a);
	return rc;
}

static const struct risks_col risks_asset_cols[] = {
	{ "id", 'i' },
	{ "name", 's' },
	{ "type", 's' },
	{ "owner", 's' },
	{ "owner_name", 's' },
	{ "location", 's' },
	{ "confidentiality", 'i' },
	{ "integrity", 'i' },
	{ "availability", 'i' },
	{ "personal_data", 'b' },
	{ "in_scope", 'b' },
	{ "description", 's' },
	{ "created_at", 's' },
	{ "version", 'i' },
};

/* The short form of a risk in an asset's list. */
static const struct risks_col risks_brief_cols[] = {
	{ "id", 'i' },        { "threat", 's' },      { "likelihood", 'i' },
	{ "impact", 'i' },    { "level", 's' },       { "residual_level", 's' },
	{ "treatment", 's' }, { "next_review", 's' }, { "overdue", 'b' },
};

int
asset_get(struct request *r)
{
	char id[24];
	PGresult *res;
	int rc;

	if ((rc = risks_int(r, "id", true, 1, INT64_MAX, id)) != 0)
		return rc;
	snprintf(r->object, sizeof r->object, "asset:%s", id);
	const char *params[1] = { id };
	if ((rc = db_exec(r->db, STMT_ASSET_GET, params, &res)) != 0)
		return rc;
	if (PQntuples(res) != 1) {
		PQclear(res);
		return request_fail(r, ERR_NOT_FOUND, "there is no asset %s", id);
	}
	msgpack_pack_map(r->pk, RISKS_NELEM(risks_asset_cols) + 1);
	risks_pack_cols(r->pk, res, 0, 0, risks_asset_cols, RISKS_NELEM(risks_asset_cols));
	PQclear(res);
	/* The map was opened with its size: on a failure below the dispatcher drops it all. */
	mp_pack_str(r->pk, "risks");
	return risks_pack_rows(r, STMT_ASSET_RISKS, params, risks_brief_cols,
	                       RISKS_NELEM(risks_brief_cols));
}

int
asset_list(struct request *r)
{
	static const struct risks_col cols[] = {
		{ "id", 'i' },        { "name", 's' },         { "type", 's' },
		{ "owner", 's' },     { "location", 's' },     { "confidentiality", 'i' },
		{ "integrity", 'i' }, { "availability", 'i' }, { "personal_data", 'b' },
		{ "in_scope", 'b' },  { "risks", 'i' },        { "version", 'i' },
	};
	const char *type;
	char limit[24];
	int in_scope, rc;

	if ((rc = risks_enum(r, "type", false, risks_asset_types, RISKS_NELEM(risks_asset_types),
	                     &type)) != 0 ||
	    (rc = risks_bool(r, "in_scope", &in_scope)) != 0)
		return rc;
	snprintf(limit, sizeof limit, "%d", RISKS_LIST_MAX);
	const char *params[3] = { type, risks_bool_param(in_scope), limit };
	msgpack_pack_map(r->pk, 1);
	mp_pack_str(r->pk, "rows");
	return risks_pack_rows(r, STMT_ASSET_LIST, params, cols, RISKS_NELEM(cols));
}

/* ============================== risks ============================== */

struct risks_risk_args {
	char *threat, *vulnerability, *description, *owner, *plan, *controls; /* owned */
	const char *treatment;                                                /* static */
	char asset[24], owner_id[24], l[24], i[24], rl[24], ri[24];
	char identified_on[11];
};

static void
risks_risk_args_fini(struct risks_risk_args *a)
{
	free(a->threat), free(a->vulnerability), free(a->description), free(a->owner);
	free(a->plan), free(a->controls);
}

/* The asset must exist (a clearer answer than the foreign key's). */
static int
risks_asset_exists(struct request *r, const char *asset)
{
	const char *params[1] = { asset };
	PGresult *res;
	int rc;

	if ((rc = db_exec(r->db, STMT_ASSET_STATE, params, &res)) != 0)
		return rc;
	if (PQntuples(res) != 1)
		rc = request_fail(r, ERR_NOT_FOUND, "there is no asset %s", asset);
	PQclear(res);
	return rc;
}

static int
risks_risk_args_read(struct request *r, struct risks_risk_args *a, bool create)
{
	int64_t days;
	int rc;

	memset(a, 0, sizeof *a);
	if ((rc = risks_int(r, "asset", create, 1, INT64_MAX, a->asset)) != 0 ||
	    (rc = arg_str(r, "threat", create, 200, &a->threat)) != 0 ||
	    (rc = arg_str(r, "vulnerability", create, 200, &a->vulnerability)) != 0 ||
	    (rc = arg_text(r, "description", false, 4000, &a->description)) != 0 ||
	    (rc = arg_str(r, "owner", create, 32, &a->owner)) != 0 ||
	    (rc = risks_int(r, "likelihood", create, 1, 5, a->l)) != 0 ||
	    (rc = risks_int(r, "impact", create, 1, 5, a->i)) != 0 ||
	    (rc = risks_enum(r, "treatment", false, risks_treatments, RISKS_NELEM(risks_treatments),
	                     &a->treatment)) != 0 ||
	    (rc = arg_text(r, "plan", false, 4000, &a->plan)) != 0 ||
	    (rc = risks_int(r, "residual_likelihood", false, 1, 5, a->rl)) != 0 ||
	    (rc = risks_int(r, "residual_impact", false, 1, 5, a->ri)) != 0 ||
	    (rc = risks_controls_arg(r, &a->controls)) != 0)
		return rc;
	if (a->treatment != NULL && strcmp(a->treatment, "accept") == 0)
		return request_fail(r, ERR_BAD_REQUEST,
		                    "a risk is accepted with risk.accept (who, why, until when)");
	if ((a->rl[0] == '\0') != (a->ri[0] == '\0'))
		return request_fail(r, ERR_BAD_REQUEST,
		                    "residual_likelihood and residual_impact go together");
	if (create) {
		if ((rc = risks_date(r, "identified_on", false, a->identified_on, &days)) != 0)
			return rc;
		if (days > 0 || days < -RISKS_PAST_DAYS)
			return request_fail(
			    r, ERR_BAD_REQUEST,
			    "identified_on must be today or within ten years before");
	}
	if (a->asset[0] != '\0' && (rc = risks_asset_exists(r, a->asset)) != 0)
		return rc;
	if (a->owner != NULL)
		return risks_user(r, "owner", a->owner, a->owner_id);
	return 0;
}

static int
risks_controls_set(struct request *r, const char *id, const char *controls)
{
	const char *params[2] = { id, controls };
	PGresult *res;
	int rc = db_exec(r->db, STMT_RISK_CONTROLS_SET, params, &res);

	PQclear(res);
	return rc;
}

/* The fields of a risk as risk.get returns them (STMT_RISK_GET's columns). */
static const struct risks_col risks_risk_cols[] = {
	{ "id", 'i' },
	{ "asset", 'i' },
	{ "asset_name", 's' },
	{ "threat", 's' },
	{ "vulnerability", 's' },
	{ "description", 's' },
	{ "owner", 's' },
	{ "owner_name", 's' },
	{ "likelihood", 'i' },
	{ "impact", 'i' },
	{ "level", 's' },
	{ "treatment", 's' },
	{ "plan", 's' },
	{ "residual_likelihood", 'i' },
	{ "residual_impact", 'i' },
	{ "residual_level", 's' },
	{ "accepted_by", 's' },
	{ "accepted_at", 's' },
	{ "accept_reason", 's' },
	{ "accept_expires", 's' },
	{ "acceptance_expired", 'b' },
	{ "identified_on", 's' },
	{ "last_reviewed_on", 's' },
	{ "next_review", 's' },
	{ "overdue", 'b' },
	{ "current_level", 's' },
	{ "version", 'i' },
};

/* After a write: the risk as it is now, in brief (id, levels, next review, version). */
static int
risks_reply_brief(struct request *r, const char *id, const char *extra_key, const char *extra)
{
	const char *params[1] = { id };
	PGresult *res;
	int rc;

	if ((rc = db_exec(r->db, STMT_RISK_GET, params, &res)) != 0)
		return rc;
	if (PQntuples(res) != 1) {
		PQclear(res);
		return request_fail(r, ERR_NOT_FOUND, "there is no risk %s", id);
	}
	msgpack_pack_map(r->pk, 6 + (extra_key != NULL));
	mp_packf(r->pk, "s i", "id", (int64_t)strtoll(id, NULL, 10));
	risks_pack_cols(r->pk, res, 0, 10, &risks_risk_cols[10], 1);
	risks_pack_cols(r->pk, res, 0, 15, &risks_risk_cols[15], 1);
	risks_pack_cols(r->pk, res, 0, 23, &risks_risk_cols[23], 1);
	risks_pack_cols(r->pk, res, 0, 25, &risks_risk_cols[25], 2);
	if (extra_key != NULL)
		mp_packf(r->pk, "s s", extra_key, extra);
	PQclear(res);
	return 0;
}

int
risk_create(struct request *r)
{
	struct risks_risk_args a;
	char id[24];
	PGresult *res = NULL;
	int rc;

	if ((rc = risks_risk_args_read(r, &a, true)) != 0)
		goto out;
	const char *params[13] = { a.asset,
		                   a.threat,
		                   a.vulnerability,
		                   a.description,
		                   a.owner_id,
		                   a.l,
		                   a.i,
		                   a.treatment,
		                   a.plan,
		                   risks_param(a.rl),
		                   risks_param(a.ri),
		                   risks_param(a.identified_on),
		                   r->sess.user_id };
	if ((rc = db_exec(r->db, STMT_RISK_CREATE, params, &res)) != 0)
		goto out;
	snprintf(id, sizeof id, "%s", PQgetvalue(res, 0, 0));
	snprintf(r->object, sizeof r->object, "risk:%s", id);
	if (a.controls != NULL && (rc = risks_controls_set(r, id, a.controls)) != 0)
		goto out;
	rc = risks_reply_brief(r, id, NULL, NULL);
out:
	PQclear(res);
	risks_risk_args_fini(&a);
	return rc;
}

int
risk_update(struct request *r)
{
	struct risks_risk_args a;
	char id[24], version[24];
	PGresult *res = NULL;
	int rc;

	memset(&a, 0, sizeof a);
	if ((rc = risks_int(r, "id", true, 1, INT64_MAX, id)) != 0)
		goto out;
	snprintf(r->object, sizeof r->object, "risk:%s", id);
	if ((rc = risks_int(r, "version", false, 1, INT32_MAX, version)) != 0 ||
	    (rc = risks_risk_args_read(r, &a, false)) != 0)
		goto out;
	const char *params[13] = { id,
		                   risks_param(version),
		                   risks_param(a.asset),
		                   a.threat,
		                   a.vulnerability,
		                   a.description,
		                   risks_param(a.owner_id),
		                   risks_param(a.l),
		                   risks_param(a.i),
		                   a.treatment,
		                   a.plan,
		                   risks_param(a.rl),
		                   risks_param(a.ri) };
	if ((rc = db_exec(r->db, STMT_RISK_UPDATE, params, &res)) != 0)
		goto out;
	if (PQntuples(res) != 1) {
		rc = risks_no_row(r, STMT_RISK_STATE, "risk", id);
		goto out;
	}
	if (a.controls != NULL && (rc = risks_controls_set(r, id, a.controls)) != 0)
		goto out;
	rc = risks_reply_brief(r, id, NULL, NULL);
out:
	PQclear(res);
	risks_risk_args_fini(&a);
	return rc;
}

int
risk_accept(struct request *r)
{
	char id[24], expires[11], *reason = NULL;
	int64_t days;
	PGresult *res = NULL;
	int rc;

	if ((rc = risks_int(r, "id", true, 1, INT64_MAX, id)) != 0)
		goto out;
	snprintf(r->object, sizeof r->object, "risk:%s", id);
	if ((rc = arg_text(r, "reason", true, 2000, &reason)) != 0 ||
	    (rc = risks_date(r, "expires", true, expires, &days)) != 0)
		goto out;
	if (days < 1 || days > RISKS_ACCEPT_DAYS) {
		rc = request_fail(r, ERR_BAD_REQUEST,
		                  "expires must be after today and within three years");
		goto out;
	}
	const char *params[4] = { id, r->sess.user_id, reason, expires };
	if ((rc = db_exec(r->db, STMT_RISK_ACCEPT, params, &res)) != 0)
		goto out;
	if (PQntuples(res) != 1) {
		rc = request_fail(r, ERR_NOT_FOUND, "there is no risk %s", id);
		goto out;
	}
	rc = risks_reply_brief(r, id, "accept_expires", expires);
out:
	PQclear(res);
	free(reason);
	return rc;
}

int
risk_review(struct request *r)
{
	char id[24], on[11], *notes = NULL;
	char l[24], i[24], rl[24], ri[24];
	int64_t days;
	PGresult *res = NULL;
	int rc;

	if ((rc = risks_int(r, "id", true, 1, INT64_MAX, id)) != 0)
		goto out;
	snprintf(r->object, sizeof r->object, "risk:%s", id);
	if ((rc = arg_text(r, "notes", true, 4000, &notes)) != 0 ||
	    (rc = risks_date(r, "reviewed_on", false, on, &days)) != 0 ||
	    (rc = risks_int(r, "likelihood", false, 1, 5, l)) != 0 ||
	    (rc = risks_int(r, "impact", false, 1, 5, i)) != 0 ||
	    (rc = risks_int(r, "residual_likelihood", false, 1, 5, rl)) != 0 ||
	    (rc = risks_int(r, "residual_impact", false, 1, 5, ri)) != 0)
		goto out;
	if (days > 0 || days < -RISKS_PAST_DAYS) {
		rc = request_fail(r, ERR_BAD_REQUEST,
		                  "reviewed_on must be today or within ten years before");
		goto out;
	}
	if ((rl[0] == '\0') != (ri[0] == '\0')) {
		rc = request_fail(r, ERR_BAD_REQUEST,
		                  "residual_likelihood and residual_impact go together");
		goto out;
	}
	/* Scores the review settles on are the risk's from now on, and the review keeps them. */
	if (l[0] != '\0' || i[0] != '\0' || rl[0] != '\0') {
		const char *up[13] = { id,
			               NULL,
			               NULL,
			               NULL,
			               NULL,
			               NULL,
			               NULL,
			               risks_param(l),
			               risks_param(i),
			               NULL,
			               NULL,
			               risks_param(rl),
			               risks_param(ri) };
		if ((rc = db_exec(r->db, STMT_RISK_UPDATE, up, &res)) != 0)
			goto out;
		if (PQntuples(res) != 1) {
			rc = request_fail(r, ERR_NOT_FOUND, "there is no risk %s", id);
			goto out;
		}
		PQclear(res);
		res = NULL;
	}
	const char *params[4] = { id, risks_param(on), r->sess.user_id, notes };
	if ((rc = db_exec(r->db, STMT_RISK_REVIEW, params, &res)) != 0)
		goto out;
	if (PQntuples(res) != 1) {
		rc = request_fail(r, ERR_NOT_FOUND, "there is no risk %s", id);
		goto out;
	}
	rc = risks_reply_brief(r, id, NULL, NULL);
out:
	PQclear(res);
	free(notes);
	return rc;
}

int
risk_get(struct request *r)
{
	static const struct risks_col control_cols[] = { { "id", 's' }, { "title", 's' } };
	static const struct risks_col review_cols[] = {
		{ "reviewed_on", 's' },
		{ "reviewer", 's' },
		{ "reviewer_name", 's' },
		{ "likelihood", 'i' },
		{ "impact", 'i' },
		{ "level", 's' },
		{ "residual_likelihood", 'i' },
		{ "residual_impact", 'i' },
		{ "residual_level", 's' },
		{ "notes", 's' },
	};
	static const struct risks_col score_cols[] = {
		{ "at", 's' },
		{ "by", 's' },
		{ "likelihood", 'i' },
		{ "impact", 'i' },
		{ "level", 's' },
		{ "residual_likelihood", 'i' },
		{ "residual_impact", 'i' },
		{ "residual_level", 's' },
	};
	static const struct risks_col incident_cols[] = {
		{ "id", 'i' },       { "title", 's' },     { "status", 's' },
		{ "severity", 's' }, { "linked_at", 's' },
	};
	char id[24];
	PGresult *res;
	int rc;

	if ((rc = risks_int(r, "id", true, 1, INT64_MAX, id)) != 0)
		return rc;
	snprintf(r->object, sizeof r->object, "risk:%s", id);
	const char *params[1] = { id };
	if ((rc = db_exec(r->db, STMT_RISK_GET, params, &res)) != 0)
		return rc;
	if (PQntuples(res) != 1) {
		PQclear(res);
		return request_fail(r, ERR_NOT_FOUND, "there is no risk %s", id);
	}
	msgpack_pack_map(r->pk, RISKS_NELEM(risks_risk_cols) + 4);
	risks_pack_cols(r->pk, res, 0, 0, risks_risk_cols, RISKS_NELEM(risks_risk_cols));
	PQclear(res);
	/* The map was opened with its size: on a failure below the dispatcher drops it all. */
	mp_pack_str(r->pk, "controls");
	if ((rc = risks_pack_rows(r, STMT_RISK_GET_CONTROLS, params, control_cols, 2)) != 0)
		return rc;
	mp_pack_str(r->pk, "reviews");
	if ((rc = risks_pack_rows(r, STMT_RISK_GET_REVIEWS, params, review_cols,
	                          RISKS_NELEM(review_cols))) != 0)
		return rc;
	mp_pack_str(r->pk, "scores");
	if ((rc = risks_pack_rows(r, STMT_RISK_GET_SCORES, params, score_cols,
	                          RISKS_NELEM(score_cols))) != 0)
		return rc;
	/* Only the incidents this user may see (their row-level security). */
	mp_pack_str(r->pk, "incidents");
	return risks_pack_rows(r, STMT_RISK_GET_INCIDENTS, params, incident_cols,
	                       RISKS_NELEM(incident_cols));
}

static const struct risks_col risks_list_cols[] = {
	{ "id", 'i' },
	{ "threat", 's' },
	{ "asset", 'i' },
	{ "asset_name", 's' },
	{ "owner", 's' },
	{ "likelihood", 'i' },
	{ "impact", 'i' },
	{ "level", 's' },
	{ "residual_likelihood", 'i' },
	{ "residual_impact", 'i' },
	{ "residual_level", 's' },
	{ "treatment", 's' },
	{ "next_review", 's' },
	{ "overdue", 'b' },
	{ "acceptance_expired", 'b' },
	{ "version", 'i' },
};

int
risk_list(struct request *r)
{
	static const char *const treatments[] = { "mitigate", "accept", "transfer", "avoid",
		                                  "none" };
	const char *level, *treatment;
	char *owner = NULL, asset[24], l[24], i[24], limit[24];
	int overdue, residual, rc;

	if ((rc = risks_enum(r, "level", false, risks_levels, RISKS_NELEM(risks_levels), &level)) !=
	        0 ||
	    (rc = risks_enum(r, "treatment", false, treatments, RISKS_NELEM(treatments),
	                     &treatment)) != 0 ||
	    (rc = arg_str(r, "owner", false, 32, &owner)) != 0 ||
	    (rc = risks_bool(r, "overdue", &overdue)) != 0 ||
	    (rc = risks_bool(r, "residual", &residual)) != 0 ||
	    (rc = risks_int(r, "asset", false, 1, INT64_MAX, asset)) != 0 ||
	    (rc = risks_int(r, "likelihood", false, 1, 5, l)) != 0 ||
	    (rc = risks_int(r, "impact", false, 1, 5, i)) != 0)
		goto out;
	snprintf(limit, sizeof limit, "%d", RISKS_LIST_MAX);
	const char *params[9] = { level,
		                  owner,
		                  treatment,
		                  overdue == 1 ? "t" : "f",
		                  risks_param(asset),
		                  risks_param(l),
		                  risks_param(i),
		                  residual == 1 ? "t" : "f",
		                  limit };
	msgpack_pack_map(r->pk, 1);
	mp_pack_str(r->pk, "rows");
	rc = risks_pack_rows(r, STMT_RISK_LIST, params, risks_list_cols,
	                     RISKS_NELEM(risks_list_cols));
out:
	free(owner);
	return rc;
}

int
risk_due(struct request *r)
{
	static const struct risks_col cols[] = {
		{ "id", 'i' },          { "threat", 's' },         { "asset_name", 's' },
		{ "owner", 's' },       { "current_level", 's' },  { "next_review", 's' },
		{ "overdue", 'b' },     { "accept_expires", 's' }, { "acceptance_expired", 'b' },
		{ "accepted_by", 's' },
	};
	PGresult *res;
	int rc;

	if ((rc = db_exec(r->db, STMT_RISK_DUE, NULL, &res)) != 0)
		return rc;
	msgpack_pack_map(r->pk, 2);
	/* Column 6 says overdue, column 8 expired; a risk can be both. */
	for (int which = 6; which <= 8; which += 2) {
		size_t n = 0;

		for (int k = 0; k < PQntuples(res); k++)
			n += PQgetvalue(res, k, which)[0] == 't';
		mp_pack_str(r->pk, which == 6 ? "overdue" : "expired");
		msgpack_pack_array(r->pk, n);
		for (int k = 0; k < PQntuples(res); k++) {
			if (PQgetvalue(res, k, which)[0] != 't')
				continue;
			msgpack_pack_map(r->pk, RISKS_NELEM(cols));
			risks_pack_cols(r->pk, res, k, 0, cols, RISKS_NELEM(cols));
		}
	}
	PQclear(res);
	return 0;
}

/* ============================== the matrix ============================== */

int
risk_matrix(struct request *r)
{
	static const struct risks_col level_cols[] = { { "name", 's' },
		                                       { "rank", 'i' },
		                                       { "review_days", 'i' } };
	static const struct risks_col cell_cols[] = { { "likelihood", 'i' },
		                                      { "impact", 'i' },
		                                      { "level", 's' },
		                                      { "inherent", 'i' },
		                                      { "residual", 'i' } };
	int rc;

	msgpack_pack_map(r->pk, 2);
	mp_pack_str(r->pk, "levels");
	if ((rc = risks_pack_rows(r, STMT_RISK_LEVELS, NULL, level_cols, 3)) != 0)
		return rc;
	mp_pack_str(r->pk, "cells");
	return risks_pack_rows(r, STMT_RISK_MATRIX, NULL, cell_cols, 5);
}

int
risk_matrix_set(struct request *r)
{
	const char *level;
	char l[24], i[24];
	PGresult *res;
	int rc;

	if ((rc = risks_int(r, "likelihood", true, 1, 5, l)) != 0 ||
	    (rc = risks_int(r, "impact", true, 1, 5, i)) != 0 ||
	    (rc = risks_enum(r, "level", true, risks_levels, RISKS_NELEM(risks_levels), &level)) !=
	        0)
		return rc;
	snprintf(r->object, sizeof r->object, "risk_matrix:%sx%s", l, i);
	const char *params[3] = { l, i, level };
	if ((rc = db_exec(r->db, STMT_RISK_MATRIX_SET, params, &res)) != 0)
		return rc;
	if (PQntuples(res) != 1) {
		PQclear(res);
		return request_fail(r, ERR_NOT_FOUND, "the matrix has no cell %s x %s", l, i);
	}
	PQclear(res);
	msgpack_pack_map(r->pk, 3);
	mp_packf(r->pk, "s i s i s s", "likelihood", (int64_t)atoi(l), "impact", (int64_t)atoi(i),
	         "level", level);
	return 0;
}

int
risk_cadence_set(struct request *r)
{
	const char *level;
	char days[24];
	PGresult *res;
	int rc;

	if ((rc = risks_enum(r, "level", true, risks_levels, RISKS_NELEM(risks_levels), &level)) !=
	        0 ||
	    (rc = risks_int(r, "days", true, 1, 3660, days)) != 0)
		return rc;
	snprintf(r->object, sizeof r->object, "risk_level:%s", level);
	const char *params[2] = { level, days };
	if ((rc = db_exec(r->db, STMT_RISK_CADENCE_SET, params, &res)) != 0)
		return rc;
	if (PQntuples(res) != 1) {
		PQclear(res);
		return request_fail(r, ERR_NOT_FOUND, "there is no level %s", level);
	}
	PQclear(res);
	msgpack_pack_map(r->pk, 2);
	mp_packf(r->pk, "s s s i", "level", level, "review_days", (int64_t)atoi(days));
	return 0;
}

/* ============================== controls and exports ============================== */

/* Packs the ids in a comma-separated list as an array of integers. */
static void
risks_pack_id_list(msgpack_packer *pk, const char *csv)
{
	size_t n = csv[0] != '\0';
	const char *p = csv;

	for (const char *q = csv; *q; q++)
		n += *q == ',';
	msgpack_pack_array(pk, n);
	for (size_t k = 0; k < n; k++) {
		msgpack_pack_int64(pk, strtoll(p, NULL, 10));
		p = strchr(p, ',');
		p = p != NULL ? p + 1 : "";
	}
}

int
control_list(struct request *r)
{
	PGresult *res;
	int rc;

	if ((rc = db_exec(r->db, STMT_CONTROL_LIST, NULL, &res)) != 0)
		return rc;
	msgpack_pack_map(r->pk, 1);
	mp_pack_str(r->pk, "rows");
	msgpack_pack_array(r->pk, (size_t)PQntuples(res));
	for (int i = 0; i < PQntuples(res); i++) {
		const char *risks = PQgetvalue(res, i, 2);

		msgpack_pack_map(r->pk, 4);
		mp_packf(r->pk, "s s s s s b s", "id", PQgetvalue(res, i, 0), "title",
		         PQgetvalue(res, i, 1), "applied", (int)(risks[0] != '\0'), "risks");
		risks_pack_id_list(r->pk, risks);
	}
	PQclear(res);
	return 0;
}

int
risk_export(struct request *r)
{
	static const char *const register_header[] = {
		"id",
		"asset",
		"asset_type",
		"threat",
		"vulnerability",
		"description",
		"owner",
		"likelihood",
		"impact",
		"level",
		"treatment",
		"plan",
		"controls",
		"residual_likelihood",
		"residual_impact",
		"residual_level",
		"accepted_by",
		"accept_reason",
		"accept_expires",
		"identified_on",
		"last_reviewed_on",
		"next_review",
	};
	static const char *const soa_header[] = { "control", "title", "applied", "risks" };
	static const char *const what_set[] = { "register", "soa" };
	const char *what;
	msgpack_sbuffer csv;
	PGresult *res = NULL;
	int rc, rows;

	msgpack_sbuffer_init(&csv);
	if ((rc = risks_enum(r, "what", true, what_set, 2, &what)) != 0)
		goto out;
	snprintf(r->object, sizeof r->object, "risk_export:%s", what);
	bool soa = strcmp(what, "soa") == 0;
	if ((rc = db_exec(r->db, soa ? STMT_CONTROL_LIST : STMT_RISK_EXPORT, NULL, &res)) != 0)
		goto out;
	rows = PQntuples(res);
	if (soa) {
		for (int k = 0; k < 4; k++)
			csv_field(&csv, soa_header[k], k == 3);
		for (int i = 0; i < rows; i++) {
			char *ids = xstrdup(PQgetvalue(res, i, 2));
			for (char *p = ids; *p; p++)
				if (*p == ',')
					*p = ' ';
			csv_field(&csv, PQgetvalue(res, i, 0), false);
			csv_field(&csv, PQgetvalue(res, i, 1), false);
			csv_field(&csv, ids[0] != '\0' ? "yes" : "no", false);
			csv_field(&csv, ids, true);
			free(ids);
		}
	} else {
		int ncols = (int)RISKS_NELEM(register_header);
		for (int k = 0; k < ncols; k++)
			csv_field(&csv, register_header[k], k == ncols - 1);
		for (int i = 0; i < rows; i++)
			for (int k = 0; k < ncols; k++)
				csv_field(&csv, PQgetvalue(res, i, k), k == ncols - 1);
	}
	msgpack_pack_map(r->pk, 2);
	mp_packf(r->pk, "s i s S", "rows", (int64_t)rows, "csv", csv.data, csv.size);
out:
	PQclear(res);
	msgpack_sbuffer_destroy(&csv);
	return rc;
}

/* ============================== incidents ============================== */

/* Reads id and incident; the risk must exist and the incident be visible to the user. */
static int
risks_link_args(struct request *r, char id[24], char incident[24])
{
	PGresult *res;
	int rc;

	if ((rc = risks_int(r, "id", true, 1, INT64_MAX, id)) != 0 ||
	    (rc = risks_int(r, "incident", true, 1, INT64_MAX, incident)) != 0)
		return rc;
	snprintf(r->object, sizeof r->object, "risk:%s incident:%s", id, incident);
	const char *params[1] = { id };
	if ((rc = db_exec(r->db, STMT_RISK_STATE, params, &res)) != 0)
		return rc;
	if (PQntuples(res) != 1)
		rc = request_fail(r, ERR_NOT_FOUND, "there is no risk %s", id);
	PQclear(res);
	if (rc != 0)
		return rc;
	params[0] = incident;
	if ((rc = db_exec(r->db, STMT_RISK_INCIDENT_EXISTS, params, &res)) != 0)
		return rc;
	if (PQntuples(res) != 1)
		rc = request_fail(r, ERR_NOT_FOUND,
		                  "there is no incident %s (or you may not see it)", incident);
	PQclear(res);
	return rc;
}

int
risk_link_incident(struct request *r)
{
	char id[24], incident[24];
	PGresult *res;
	int rc;

	if ((rc = risks_link_args(r, id, incident)) != 0)
		return rc;
	const char *params[3] = { id, incident, r->sess.user_id };
	if ((rc = db_exec(r->db, STMT_RISK_INCIDENT_LINK, params, &res)) != 0)
		return rc;
	msgpack_pack_map(r->pk, 3);
	mp_packf(r->pk, "s i s i s i", "id", (int64_t)strtoll(id, NULL, 10), "incident",
	         (int64_t)strtoll(incident, NULL, 10), "version",
	         (int64_t)strtoll(PQgetvalue(res, 0, 0), NULL, 10));
	PQclear(res);
	return 0;
}

int
risk_unlink_incident(struct request *r)
{
	char id[24], incident[24];
	PGresult *res;
	int rc;

	if ((rc = risks_link_args(r, id, incident)) != 0)
		return rc;
	const char *params[2] = { id, incident };
	if ((rc = db_exec(r->db, STMT_RISK_INCIDENT_UNLINK, params, &res)) != 0)
		return rc;
	if (strcmp(PQgetvalue(res, 0, 1), "0") == 0) {
		PQclear(res);
		return request_fail(r, ERR_NOT_FOUND, "risk %s is not linked to incident %s", id,
		                    incident);
	}
	msgpack_pack_map(r->pk, 3);
	mp_packf(r->pk, "s i s i s i", "id", (int64_t)strtoll(id, NULL, 10), "incident",
	         (int64_t)strtoll(incident, NULL, 10), "version",
	         (int64_t)strtoll(PQgetvalue(res, 0, 0), NULL, 10));
	PQclear(res);
	return 0;
}
