/* The rights matrix against a running kurad: docs/rights.tsv is checked against the command
 * table and the rights the database gives (kura.rights_of()), then every cell (command x role x
 * temporary x segment) is walked over the wire with valid arguments, on fixtures at the stage
 * each command needs, masking is checked where the tsv says so, and no reply to a user without
 * pii.read may hold a canary value of the customer's personal data; what refused commands were
 * given must be unchanged afterwards; finally the database layer (rights_db.c) and the logs and
 * audit log.
 *
 * Environment (tests/rights/matrix.test sets it): KURA_IT_DIR, KURA_IT_CALL, KURA_IT_TECH and
 * KURA_RT_MGMT (the three listeners of the kurad under test), KURA_IT_ACCOUNTS ("account
 * LOGIN ROLE PASSWORD [temporary]" for each role and temporary flag, and "target LOGIN ROLE
 * PASSWORD" for the throwaway accounts rt-keep, rt-throw and rt-sess), KURA_RT_TSV,
 * KURA_RT_COMMANDS (the output of kurad --commands), KURA_RT_DEMO_CALL (another kurad's
 * call-centre listener, where the canary case and the fixtures are registered) and
 * KURA_RT_LOGS (the kurad logs, separated by colons). */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "err.h"
#include "mp.h"
#include "rights.h"
#include "../tap.h"

const char *const rt_roles[RT_NROLES] = { "operator", "technician", "shipping",
	                                  "manager",  "auditor",    "admin" };
const char *const rt_segs[RT_NSEGS] = { "call-centre", "tech-centre", "management" };

/* The stages in order; a stamp moves a case to the next one. */
#define RT_NSTAGES 7
static const char *const rt_stages[RT_NSTAGES + 1] = {
	"intake", "analysis", "report", "reply", "recovery", "shipping", "erasure", "closed"
};

/* The ops whose replies carry customer personal data, masked without pii.read; the walk
 * checks the masking of each (tools/rights-tsv.sh names the same). */
static const char *const masked_ops[] = { "case.get", "case.list", "case.queue", "incident.get" };

static struct it_env env;
static PGconn *owner;
static struct rt_matrix M;
static struct rt_cell cells[RT_NCELLS];
static const char *urls[RT_NSEGS];

/* kurad --commands: name and right. */
static int nkcmd;
static char kcmd[RT_MAXCMD][64], kright[RT_MAXCMD][64];

/* The stamp right of each stage (kura.stages.stamp_right). */
static char stage_right[RT_NSTAGES][64];

/* The throwaway accounts: targets of the administrative commands. */
struct rt_target {
	char login[64], role[32], password[160], id[24];
};
static struct rt_target t_keep, t_throw, t_sess;

/* The canary case: its personal data must reach only users with pii.read. */
static char canary_hex[17], canary_digits[13];
static char c_name[160], c_phone[64], c_email[128], c_address[256], receipt[32];
static int replies_checked;
static bool leak_seen_where_allowed;

/* ============================== small helpers ============================== */

int
rt_ok(int cond, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	return ok(cond, "%s", buf);
}

int
rt_todo(int cond, const char *why, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	return ok(cond, "%s # TODO %s", buf, why);
}

void
rt_diag(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	tap_diag("%s", buf);
}

const char *
rt_outcome_name(enum rt_outcome o)
{
	return o == RT_ALLOW ? "allow" : o == RT_DENY ? "deny" : o == RT_MASK ? "mask" : "(none)";
}

static enum rt_outcome
outcome_parse(const char *s)
{
	return strcmp(s, "allow") == 0  ? RT_ALLOW
	       : strcmp(s, "deny") == 0 ? RT_DENY
	       : strcmp(s, "mask") == 0 ? RT_MASK
	                                : RT_NONE;
}

static int
index_of(const char *s, const char *const *set, int n)
{
	for (int i = 0; i < n; i++)
		if (strcmp(s, set[i]) == 0)
			return i;
	return -1;
}

int
rt_cmd_index(const char *name)
{
	for (int i = 0; i < M.ncmd; i++)
		if (strcmp(M.cmd[i], name) == 0)
			return i;
	return -1;
}

static bool
is_masked_op(const char *op)
{
	return index_of(op, masked_ops, (int)(sizeof masked_ops / sizeof masked_ops[0])) >= 0;
}

static struct rt_cell *
cell_at(int role, int temp, int seg)
{
	return &cells[(role * 2 + temp) * RT_NSEGS + seg];
}

static enum rt_outcome
want_of(int k, const struct rt_cell *c)
{
	return M.out[k][c->role][c->temp][c->seg];
}

static bool
allowed(enum rt_outcome o)
{
	return o == RT_ALLOW || o == RT_MASK;
}

/* Whether a comma-separated list holds item. */
static bool
list_has(const char *list, const char *item)
{
	size_t n = strlen(item);

	for (const char *p = list; p != NULL && *p != '\0';) {
		const char *end = strchr(p, ',');
		size_t len = end != NULL ? (size_t)(end - p) : strlen(p);

		if (len == n && strncmp(p, item, n) == 0)
			return true;
		p = end != NULL ? end + 1 : NULL;
	}
	return false;
}

/* Appends a reason to why (semicolon-separated). */
__attribute__((format(printf, 3, 4))) static void
why_add(char *why, size_t size, const char *fmt, ...)
{
	size_t len = strlen(why);
	va_list ap;

	if (len + 3 >= size)
		return;
	if (len > 0) {
		memcpy(why + len, "; ", 3);
		len += 2;
	}
	va_start(ap, fmt);
	vsnprintf(why + len, size - len, fmt, ap);
	va_end(ap);
}

static void
chomp(char *s)
{
	size_t n = strlen(s);

	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r'))
		s[--n] = '\0';
}

static bool
db_user_id(const char *login, char out[24])
{
	const char *p[1] = { login };
	long long id = it_db_int(owner, "SELECT id FROM kura.users WHERE login = $1", 1, p);

	if (id < 0)
		return false;
	snprintf(out, 24, "%lld", id);
	return true;
}

/* ============================== the canary ============================== */

/* True when the text holds any canary value. */
static bool
has_canary(const char *buf, size_t len)
{
	return memmem(buf, len, canary_hex, strlen(canary_hex)) != NULL ||
	       memmem(buf, len, canary_digits, strlen(canary_digits)) != NULL;
}

/* True when a reply (data or error, as its bytes) holds a canary value. */
static bool
reply_has_canary(const struct proto_reply *rep)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;
	bool found;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_object(&pk, rep->unp.data);
	found = has_canary(sb.data, sb.size) || has_canary(rep->err_msg, strlen(rep->err_msg));
	msgpack_sbuffer_destroy(&sb);
	return found;
}

static void
make_canary(void)
{
	char more[17];

	it_random_hex(canary_hex, 8);
	it_random_hex(more, 6);
	/* Twelve digits from random bytes; the leading 7 keeps them from looking like a date. */
	snprintf(canary_digits, sizeof canary_digits, "7%011llu",
	         strtoull(more, NULL, 16) % 100000000000ULL);
	snprintf(c_name, sizeof c_name, "カナリア 試験 %s", canary_hex);
	snprintf(c_phone, sizeof c_phone, "+81 %s", canary_digits);
	snprintf(c_email, sizeof c_email, "kanaria.%s@example.jp", canary_hex);
	snprintf(c_address, sizeof c_address, "東京都千代田区 蔵町 %s号", canary_hex);
}

/* ============================== calls ============================== */

/* Calls op with args packed by mp_packf(fmt, ...) (NULL: empty map) on c with its token, and
 * notes a canary in the reply in *leak. Returns the outcome (0 ok, else the error); rep must
 * be finished with proto_reply_fini. */
static int
rt_call(struct kclient *c, struct proto_reply *rep, bool *leak, const char *op, const char *fmt,
        ...)
{
	struct proto_writer w;
	uint8_t id[PROTO_ID_LEN];
	va_list ap;
	int rc = 0;

	proto_new_id(id);
	proto_writer_init(&w);
	proto_request_begin(&w, id, op, kclient_token(c));
	if (fmt == NULL) {
		msgpack_pack_map(&w.pk, 0);
	} else {
		va_start(ap, fmt);
		rc = mp_vpackf(&w.pk, fmt, ap);
		va_end(ap);
	}
	if (rc == 0) {
		rc = kclient_raw(c, rep, w.buf.data, w.buf.size);
	} else {
		memset(rep, 0, sizeof *rep);
		msgpack_unpacked_init(&rep->unp);
	}
	proto_writer_fini(&w);
	replies_checked++;
	if (leak != NULL && rc == 0 && reply_has_canary(rep))
		*leak = true;
	return it_outcome(rc, rep);
}

/* Signs in as login on url: the client (token set) or NULL; *outcome gets the answer and
 * *session the session id. */
static struct kclient *
rt_login(const char *url, const char *login, const char *password, int *outcome, bool *leak,
         long long *session)
{
	struct kclient *c = it_open(url, IT_TIMEOUT_MS);
	struct proto_reply rep;
	int64_t sid = 0;

	if (c == NULL) {
		*outcome = ERR_UNAVAILABLE;
		return NULL;
	}
	*outcome =
	    rt_call(c, &rep, leak, "auth.login", "{s s s s}", "user", login, "password", password);
	const char *tok = *outcome == 0 ? it_str(rep.data, "tok") : NULL;
	if (tok != NULL && it_is_hex(tok, PROTO_TOKEN_CHARS)) {
		kclient_set_token(c, tok);
		(void)it_int(rep.data, "session", &sid);
	} else if (*outcome == 0) {
		*outcome = ERR_BAD_REQUEST;
	}
	proto_reply_fini(&rep);
	if (session != NULL)
		*session = sid;
	if (*outcome != 0) {
		kclient_free(c);
		return NULL;
	}
	return c;
}

/* ============================== the tsv and the command table ============================== */

static void
load_commands(void)
{
	const char *path = getenv("KURA_RT_COMMANDS");
	char line[256];
	FILE *f;

	if (path == NULL || (f = fopen(path, "r")) == NULL)
		tap_bail("KURA_RT_COMMANDS must name the output of kurad --commands");
	while (fgets(line, sizeof line, f) != NULL) {
		char kind[16];

		if (nkcmd == RT_MAXCMD)
			tap_bail("more commands in kurad --commands than the test can hold");
		if (sscanf(line, "%63s %63s %15s", kcmd[nkcmd], kright[nkcmd], kind) == 3)
			nkcmd++;
	}
	fclose(f);
	ok(nkcmd > 0, "kurad --commands lists %d commands", nkcmd);
}

static int
kcmd_index(const char *name)
{
	for (int i = 0; i < nkcmd; i++)
		if (strcmp(kcmd[i], name) == 0)
			return i;
	return -1;
}

/* Reads docs/rights.tsv; every malformed line is a failure of its own. */
static void
load_tsv(void)
{
	const char *path = getenv("KURA_RT_TSV");
	static bool seen[RT_MAXCMD][RT_NROLES][2][RT_NSEGS];
	char line[512];
	int lineno = 0, bad = 0, dup = 0, rows = 0;
	FILE *f;

	if (path == NULL || (f = fopen(path, "r")) == NULL)
		tap_bail("KURA_RT_TSV must name docs/rights.tsv");
	while (fgets(line, sizeof line, f) != NULL) {
		char *field[8], *save = NULL, *p;
		int n = 0, k, r, t, s;
		enum rt_outcome o;

		lineno++;
		chomp(line);
		if (line[0] == '#' || line[0] == '\0' || strncmp(line, "command\t", 8) == 0)
			continue;
		for (p = strtok_r(line, "\t", &save); p != NULL && n < 8;
		     p = strtok_r(NULL, "\t", &save))
			field[n++] = p;
		r = n == 6 ? index_of(field[2], rt_roles, RT_NROLES) : -1;
		t = n == 6 ? (strcmp(field[3], "yes") == 0  ? 1
		              : strcmp(field[3], "no") == 0 ? 0
		                                            : -1)
		           : -1;
		s = n == 6 ? index_of(field[4], rt_segs, RT_NSEGS) : -1;
		o = n == 6 ? outcome_parse(field[5]) : RT_NONE;
		if (r < 0 || t < 0 || s < 0 || o == RT_NONE || strlen(field[0]) >= 64 ||
		    strlen(field[1]) >= 64) {
			bad++;
			ok(0,
			   "rights.tsv line %d is well-formed (command, right, role, temporary, "
			   "segment, outcome)",
			   lineno);
			continue;
		}
		if ((k = rt_cmd_index(field[0])) < 0) {
			if (M.ncmd == RT_MAXCMD)
				tap_bail("more commands in rights.tsv than the test can hold");
			k = M.ncmd++;
			snprintf(M.cmd[k], sizeof M.cmd[k], "%s", field[0]);
			snprintf(M.right[k], sizeof M.right[k], "%s", field[1]);
			char *colon = strchr(field[0], ':');
			snprintf(M.op[k], sizeof M.op[k], "%.*s",
			         (int)(colon ? (size_t)(colon - field[0]) : strlen(field[0])),
			         field[0]);
			snprintf(M.qual[k], sizeof M.qual[k], "%s", colon ? colon + 1 : "");
		} else if (strcmp(M.right[k], field[1]) != 0) {
			bad++;
			ok(0, "rights.tsv line %d: %s needs one right, not %s and %s", lineno,
			   field[0], M.right[k], field[1]);
		}
		if (seen[k][r][t][s]) {
			dup++;
			ok(0, "rights.tsv line %d: %s %s%s @ %s is listed twice", lineno, field[0],
			   field[2], t ? " (temporary)" : "", field[4]);
		}
		seen[k][r][t][s] = true;
		M.out[k][r][t][s] = o;
		rows++;
	}
	fclose(f);
	ok(bad == 0 && dup == 0 && rows > 0, "rights.tsv: %d cells read, every line well-formed",
	   rows);

	/* Complete: every command x role x temporary x segment. */
	int missing = 0;
	for (int k = 0; k < M.ncmd; k++)
		for (int r = 0; r < RT_NROLES; r++)
			for (int t = 0; t < 2; t++)
				for (int s = 0; s < RT_NSEGS; s++)
					if (!seen[k][r][t][s]) {
						missing++;
						ok(0, "rights.tsv lists %s for %s%s @ %s", M.cmd[k],
						   rt_roles[r], t ? " (temporary)" : "",
						   rt_segs[s]);
					}
	if (missing == 0)
		ok(1, "rights.tsv has every command x role x temporary x segment");

	/* The same commands as the server, each needing the right the server checks first. */
	int problems = 0;
	for (int i = 0; i < nkcmd; i++) {
		int lines = 0;
		for (int k = 0; k < M.ncmd; k++) {
			size_t len = strcspn(M.right[k], "+");
			if (strcmp(M.op[k], kcmd[i]) != 0)
				continue;
			lines++;
			if (strlen(kright[i]) != len || strncmp(M.right[k], kright[i], len) != 0) {
				problems++;
				ok(0, "rights.tsv: %s needs %s first (kurad --commands), not %s",
				   M.cmd[k], kright[i], M.right[k]);
			}
		}
		if (lines == 0) {
			problems++;
			ok(0, "command %s of kurad --commands is missing from rights.tsv", kcmd[i]);
		}
	}
	for (int k = 0; k < M.ncmd; k++) {
		if (kcmd_index(M.op[k]) < 0) {
			problems++;
			ok(0, "rights.tsv names %s, which kurad --commands does not list",
			   M.cmd[k]);
		} else if (M.qual[k][0] != '\0' && strcmp(M.op[k], "case.stamp") != 0) {
			problems++;
			ok(0, "rights.tsv: %s: only case.stamp has a line per stage", M.cmd[k]);
		} else if (strcmp(M.op[k], "case.stamp") == 0 &&
		           index_of(M.qual[k], rt_stages, RT_NSTAGES) < 0) {
			problems++;
			ok(0, "rights.tsv: %s: case.stamp has a line per stage that can be stamped",
			   M.cmd[k]);
		}
	}
	if (problems == 0)
		ok(1, "rights.tsv and kurad --commands name the same %d commands and rights",
		   nkcmd);

	/* Consistency within the tsv. */
	int auth = rt_cmd_index("auth.login");
	int inconsistent = 0;
	if (auth < 0)
		tap_bail("rights.tsv has no auth.login");
	for (int k = 0; k < M.ncmd; k++)
		for (int r = 0; r < RT_NROLES; r++)
			for (int t = 0; t < 2; t++)
				for (int s = 0; s < RT_NSEGS; s++) {
					enum rt_outcome o = M.out[k][r][t][s];
					const char *bad_why = NULL;

					if (o == RT_MASK && !is_masked_op(M.op[k]))
						bad_why = "mask is only for case.get, case.list, "
						          "case.queue and incident.get (the test "
						          "checks no other)";
					else if (k != auth && o != RT_DENY &&
					         M.out[auth][r][t][s] == RT_DENY)
						bad_why = "allowed where sign-in is denied";
					if (bad_why != NULL) {
						inconsistent++;
						ok(0, "rights.tsv: %s for %s%s @ %s: %s", M.cmd[k],
						   rt_roles[r], t ? " (temporary)" : "", rt_segs[s],
						   bad_why);
					}
				}
	if (inconsistent == 0)
		ok(1,
		   "rights.tsv: masking only on customer reads, nothing where sign-in is denied");
}

/* ============================== the rights the database gives ============================== */

/* What the rights of a cell (kura.rights_of) give for command k: sign-in needs session.login,
 * a command every right it needs (the server's, and for case.stamp the stage's stamp right),
 * and the customer reads without pii.read are masked. */
static enum rt_outcome
rights_outcome(int k, const char *rights)
{
	int kc = kcmd_index(M.op[k]);
	const char *right = kc >= 0 ? kright[kc] : M.right[k];
	bool has = strcmp(right, "session") == 0 || list_has(rights, right);

	if (strcmp(M.op[k], "case.stamp") == 0) {
		int st = index_of(M.qual[k], rt_stages, RT_NSTAGES);
		has = has && st >= 0 && stage_right[st][0] != '\0' &&
		      list_has(rights, stage_right[st]);
	}
	if (strcmp(M.cmd[k], "auth.login") == 0)
		return has ? RT_ALLOW : RT_DENY;
	if (!list_has(rights, "session.login") || !has)
		return RT_DENY;
	return is_masked_op(M.op[k]) && !list_has(rights, "pii.read") ? RT_MASK : RT_ALLOW;
}

/* The rights each cell holds, as the server reads them (kura.rights_of), must give the tsv's
 * outcomes; temporary staff hold no employees-only right, and no pii.* right is for them. */
static void
check_rights_of(void)
{
	static char rights[RT_NROLES][2][RT_NSEGS][1024];
	PGresult *res = PQexec(owner, "SELECT r.name, s.name, t, kura.rights_of(r.name, s.name, t)"
	                              " FROM kura.roles r, kura.segments s,"
	                              " (VALUES (false), (true)) AS v(t)");
	int unknown = 0, mismatches = 0;

	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		ok(0, "read kura.rights_of(): %s", PQresultErrorMessage(res));
		PQclear(res);
		tap_bail("no rights from the database");
	}
	for (int i = 0; i < PQntuples(res); i++) {
		int r = index_of(PQgetvalue(res, i, 0), rt_roles, RT_NROLES);
		int s = index_of(PQgetvalue(res, i, 1), rt_segs, RT_NSEGS);
		int t = PQgetvalue(res, i, 2)[0] == 't';

		if (r < 0 || s < 0) {
			unknown++;
			tap_diag("  role %s, segment %s", PQgetvalue(res, i, 0),
			         PQgetvalue(res, i, 1));
			continue;
		}
		snprintf(rights[r][t][s], sizeof rights[r][t][s], "%s", PQgetvalue(res, i, 3));
	}
	PQclear(res);
	ok(unknown == 0, "the database has the roles and segments the test knows (%d others)",
	   unknown);
	for (int r = 0; r < RT_NROLES; r++)
		for (int t = 0; t < 2; t++)
			for (int s = 0; s < RT_NSEGS; s++)
				snprintf(cell_at(r, t, s)->rights, sizeof cells[0].rights, "%s",
				         rights[r][t][s]);

	res = PQexec(owner, "SELECT name, stamp_right FROM kura.stages"
	                    " WHERE stamp_right IS NOT NULL ORDER BY position");
	int nstamp = 0;
	for (int i = 0; PQresultStatus(res) == PGRES_TUPLES_OK && i < PQntuples(res); i++) {
		int st = index_of(PQgetvalue(res, i, 0), rt_stages, RT_NSTAGES);
		if (st >= 0) {
			snprintf(stage_right[st], sizeof stage_right[st], "%s",
			         PQgetvalue(res, i, 1));
			nstamp++;
		}
	}
	PQclear(res);
	int stamp_lines = 0, stamp_bad = 0;
	for (int k = 0; k < M.ncmd; k++) {
		int st = index_of(M.qual[k], rt_stages, RT_NSTAGES);
		char want_right[128];
		int kc = kcmd_index(M.op[k]);

		if (strcmp(M.op[k], "case.stamp") != 0 || st < 0 || kc < 0)
			continue;
		stamp_lines++;
		snprintf(want_right, sizeof want_right, "%s+%s", kright[kc], stage_right[st]);
		if (strcmp(M.right[k], want_right) != 0) {
			stamp_bad++;
			tap_diag("  %s needs %s, not %s", M.cmd[k], want_right, M.right[k]);
		}
	}
	ok(nstamp == RT_NSTAGES && stamp_lines == nstamp && stamp_bad == 0,
	   "rights.tsv has a case.stamp line for each of the %d stages, with its stamp right "
	   "(kura.stages.stamp_right)",
	   nstamp);

	/* Temporary staff: the role's rights less the employees-only ones, and pii.* is. */
	is_int(
	    it_db_int(owner,
	              "SELECT count(*) FROM kura.roles r, kura.segments s"
	              " WHERE kura.rights_of(r.name, s.name, true) IS DISTINCT FROM"
	              " array_to_string(ARRAY(SELECT p.permission"
	              "  FROM kura.role_segment_permissions p"
	              "  JOIN kura.permissions e ON e.name = p.permission"
	              "  WHERE p.role = r.name AND p.segment = s.name AND NOT e.employees_only"
	              "  ORDER BY 1), ',')",
	              0, NULL),
	    0,
	    "kura.rights_of() gives temporary staff their role's rights less the employees-only");
	is_int(it_db_int(owner,
	                 "SELECT count(*) FROM kura.permissions"
	                 " WHERE name LIKE 'pii.%' AND NOT employees_only",
	                 0, NULL),
	       0, "every pii.* right is employees-only: temporary staff never see personal data");

	for (int k = 0; k < M.ncmd; k++)
		for (int i = 0; i < RT_NCELLS; i++) {
			const struct rt_cell *c = &cells[i];
			enum rt_outcome want = rights_outcome(k, c->rights);

			if (want == want_of(k, c))
				continue;
			mismatches++;
			ok(0, "kura.rights_of() gives %s for %s %s, rights.tsv says %s",
			   rt_outcome_name(want), M.cmd[k], c->label,
			   rt_outcome_name(want_of(k, c)));
		}
	if (mismatches == 0)
		ok(1, "the rights of every cell (kura.rights_of) give every outcome of rights.tsv");
}

/* Seeded rights that contradict docs/casesheet.md or MISSION.md (reported, not yet fixed). */
static void
check_documented_rules(void)
{
	int ship = rt_cmd_index("case.ship"), get = rt_cmd_index("case.get");
	int wl[2] = { rt_cmd_index("worklog.list"), rt_cmd_index("device.report") };
	char why[1024] = "";
	int bad = 0;

	/* docs/casesheet.md: "Work logs are visible on the tech-centre segment only". */
	for (int i = 0; i < RT_NCELLS; i++)
		for (int j = 0; j < 2; j++)
			if (wl[j] >= 0 && cells[i].seg != 1 && allowed(want_of(wl[j], &cells[i]))) {
				bad++;
				why_add(why, sizeof why, "%s %s", M.cmd[wl[j]], cells[i].label);
			}
	if (!ok(bad == 0, "work logs are read on the tech-centre segment only (docs/casesheet.md)"))
		tap_diag("  allowed elsewhere: %s", why);

	/* The shipping stamp needs the return address confirmed against the case: whoever
	 * records the shipment must be able to read the address. */
	why[0] = '\0';
	bad = 0;
	for (int i = 0; ship >= 0 && get >= 0 && i < RT_NCELLS; i++)
		if (allowed(want_of(ship, &cells[i])) && want_of(get, &cells[i]) != RT_ALLOW) {
			bad++;
			why_add(why, sizeof why, "%s (case.get: %s)", cells[i].label,
			        rt_outcome_name(want_of(get, &cells[i])));
		}
	if (!ok(bad == 0,
	        "case.ship (address_confirmed) only where the return address can be read"))
		tap_diag("  case.ship allowed without the address: %s", why);
}

/* ============================== setup ============================== */

static void
load_targets(void)
{
	const char *path = getenv("KURA_IT_ACCOUNTS");
	char line[512];
	FILE *f;

	if (path == NULL || (f = fopen(path, "r")) == NULL)
		tap_bail("KURA_IT_ACCOUNTS must name the accounts file");
	while (fgets(line, sizeof line, f) != NULL) {
		struct rt_target t;

		memset(&t, 0, sizeof t);
		if (sscanf(line, "target %63s %31s %159s", t.login, t.role, t.password) != 3)
			continue;
		if (strcmp(t.login, "rt-keep") == 0)
			t_keep = t;
		else if (strcmp(t.login, "rt-throw") == 0)
			t_throw = t;
		else if (strcmp(t.login, "rt-sess") == 0)
			t_sess = t;
	}
	fclose(f);
	if (t_keep.login[0] == '\0' || t_throw.login[0] == '\0' || t_sess.login[0] == '\0')
		tap_bail("the accounts file names no targets rt-keep, rt-throw and rt-sess");
	if (!db_user_id(t_keep.login, t_keep.id) || !db_user_id(t_throw.login, t_throw.id) ||
	    !db_user_id(t_sess.login, t_sess.id))
		tap_bail("the target accounts are not in kura.users");
}

static void
setup_cells(void)
{
	for (int r = 0; r < RT_NROLES; r++)
		for (int t = 0; t < 2; t++)
			for (int s = 0; s < RT_NSEGS; s++) {
				struct rt_cell *c = cell_at(r, t, s);

				c->role = r;
				c->temp = t;
				c->seg = s;
				snprintf(c->label, sizeof c->label, "%s%s @ %s", rt_roles[r],
				         t ? " (temporary)" : "", rt_segs[s]);
				c->acct = it_account(&env, rt_roles[r], t);
				if (c->acct == NULL || !db_user_id(c->acct->login, c->user_id)) {
					char why[160];
					snprintf(why, sizeof why, "no account for %s%s",
					         rt_roles[r], t ? " (temporary)" : "");
					tap_bail(why);
				}
				for (int k = 0; k < RT_MAXCMD; k++)
					c->got[k] = RT_NOT_WALKED;
			}
}

/* case.get's outcome in the tsv: what the cell's case reads must show. */
static void
setup_cell_wants(void)
{
	int k = rt_cmd_index("case.get");

	for (int i = 0; i < RT_NCELLS; i++)
		cells[i].want = k >= 0 ? want_of(k, &cells[i]) : RT_NONE;
}

/* Registers the canary case through another kurad, as a normal operator. */
static void
create_canary(void)
{
	const char *url = getenv("KURA_RT_DEMO_CALL");
	const struct it_account *a = it_account(&env, "operator", false);
	struct proto_reply rep;
	struct kclient *c;
	int outcome;

	make_canary();
	if (url == NULL)
		tap_bail("KURA_RT_DEMO_CALL must name a call-centre listener");
	c = rt_login(url, a->login, a->password, &outcome, NULL, NULL);
	if (c == NULL)
		tap_bail("the operator cannot sign in to register the canary case");
	outcome = rt_call(c, &rep, NULL, "case.create", "{s s s s s s s s s s s [{s s s s}] s s}",
	                  "customer_name", c_name, "phone", c_phone, "email", c_email, "address",
	                  c_address, "medium", "rights matrix: 2.5 inch HDD", "items", "kind",
	                  "medium", "description", "rights matrix medium", "notes",
	                  "rights matrix: notes for the technician");
	const char *r = outcome == 0 ? it_str(rep.data, "receipt") : NULL;
	snprintf(receipt, sizeof receipt, "%s", r != NULL ? r : "");
	proto_reply_fini(&rep);
	ok(receipt[0] != '\0', "the operator registers the canary case (%s)", receipt);
	if (receipt[0] == '\0')
		tap_bail("no canary case");
	outcome = rt_call(c, &rep, NULL, "auth.logout", NULL);
	proto_reply_fini(&rep);
	kclient_free(c);
}

/* ========================= fixtures of the administrative commands ========================= */

/* A session of rt-sess to be killed: the live one, or a fresh one. Returns its id or 0. */
static struct kclient *sess_clients[16];
static int nsess_clients;

static long long
target_session(bool fresh)
{
	static long long current;
	const char *p[1];
	char id[24];

	snprintf(id, sizeof id, "%lld", current);
	p[0] = id;
	if (!fresh && current > 0 &&
	    it_db_int(owner, "SELECT count(*) FROM kura.sessions WHERE id = $1", 1, p) == 1)
		return current;
	if (nsess_clients == (int)(sizeof sess_clients / sizeof sess_clients[0]))
		return 0;
	int outcome;
	struct kclient *c =
	    rt_login(urls[0], t_sess.login, t_sess.password, &outcome, NULL, &current);
	if (c == NULL) {
		tap_diag("rt-sess cannot sign in on call-centre: %s", it_code(outcome));
		return current = 0;
	}
	sess_clients[nsess_clients++] = c;
	return current;
}

/* An export request by rt-keep waiting for approval (made as the database owner). */
static long long keep_pending;

static long long
pending_export(void)
{
	const char *p[2] = { t_keep.id, receipt };

	return it_db_int(
	    owner,
	    "INSERT INTO kura.export_requests (requested_by, segment, receipts, reason)"
	    " VALUES ($1, 'call-centre', ARRAY[$2], 'rights matrix fixture')"
	    " RETURNING id",
	    2, p);
}

/* An export of the canary case requested by the cell's user, approved by rt-keep. */
static long long denied_runs[128];
static int ndenied_runs;

static long long
approved_export(const struct rt_cell *c)
{
	const char *p[4] = { c->user_id, rt_segs[c->seg], receipt, t_keep.id };

	return it_db_int(
	    owner,
	    "INSERT INTO kura.export_requests (requested_by, segment, receipts, reason,"
	    " approved_by, approved_at, expires_at)"
	    " VALUES ($1, $2, ARRAY[$3], 'rights matrix fixture', $4, now(),"
	    " now() + interval '30 minutes') RETURNING id",
	    4, p);
}

/* ============================== case-sheet fixtures ============================== */

/* A case made for the walk: registered through kurad like any other (its item and the item's
 * first custody event come with it), then put at a stage by the database owner. */
struct rt_case {
	char receipt[32];
	char id[24];
	char label[48];  /* its one item */
	char device[24]; /* prepared at analysis: a free analysis device to bind */
};

static struct kclient *fx_client; /* an operator's session on the demo's call centre */
static int ndevices;

/* The normal accounts that issue, approve and record on fixtures. */
#define U_OPERATOR   (cell_at(0, 0, 0)->user_id)
#define U_TECHNICIAN (cell_at(1, 0, 1)->user_id)
#define U_SHIPPING   (cell_at(2, 0, 1)->user_id)
#define U_MANAGER    (cell_at(3, 0, 2)->user_id)

/* The keepers: what refused commands are given, unchanged at the end. */
static struct rt_case keep_stamp[RT_NSTAGES], keep_reply, keep_ship, keep_note, keep_worklog,
    keep_doc, keep_approve, keep_custody;
/* Shared targets of allowed commands that only add rows. */
static struct rt_case fx_note, fx_worklog, fx_doc, fx_approve, fx_sql;

/* A new analysis device; its id goes to out. */
static bool
fx_device(char out[24])
{
	snprintf(out, 24, "RT-AN-%d", ++ndevices);
	const char *p[1] = { out };
	return it_db_exec(owner,
	                  "INSERT INTO kura.devices (id, label, kind)"
	                  " VALUES ($1, 'Rights matrix analysis device', 'analysis')",
	                  1, p) == 1;
}

/* A new version of the case's report, issued by the technician; its version, or -1. */
static long long
fx_report(const struct rt_case *fc)
{
	const char *p[2] = { fc->id, U_TECHNICIAN };

	return it_db_int(
	    owner,
	    "INSERT INTO kura.documents (case_id, kind, version, content, sha256,"
	    " issued_by)"
	    " SELECT $1, 'report', coalesce(max(version), 0) + 1,"
	    " 'rights matrix report', sha256(convert_to('rights matrix report', 'UTF8')),"
	    " $2 FROM kura.documents WHERE case_id = $1 AND kind = 'report'"
	    " RETURNING version",
	    2, p);
}

/* Registers a case, then puts it at stage; prepared: with what the stamp of that stage
 * needs (a device, approved documents, the reply, the shipment, retention passed). */
static bool
fx_case(const char *stage, bool prepared, struct rt_case *fc)
{
	struct proto_reply rep;
	int got;

	memset(fc, 0, sizeof *fc);
	got = rt_call(fx_client, &rep, NULL, "case.create", "{s s s s s [{s s s s}]}",
	              "customer_name", "Rights Fixture", "medium", "rights matrix fixture medium",
	              "items", "kind", "medium", "description", "rights matrix fixture item");
	const char *r = got == 0 ? it_str(rep.data, "receipt") : NULL;
	const msgpack_object *labels = got == 0 ? it_array(rep.data, "labels") : NULL;
	if (r != NULL)
		snprintf(fc->receipt, sizeof fc->receipt, "%s", r);
	if (labels != NULL && labels->via.array.size > 0 &&
	    labels->via.array.ptr[0].type == MSGPACK_OBJECT_STR)
		snprintf(fc->label, sizeof fc->label, "%.*s",
		         (int)labels->via.array.ptr[0].via.str.size,
		         labels->via.array.ptr[0].via.str.ptr);
	proto_reply_fini(&rep);
	if (fc->receipt[0] == '\0' || fc->label[0] == '\0') {
		tap_diag("fixture: case.create answers %s", it_code(got));
		return false;
	}
	const char *pr[1] = { fc->receipt };
	long long id = it_db_int(owner, "SELECT id FROM kura.cases WHERE receipt = $1", 1, pr);
	if (id <= 0)
		return false;
	snprintf(fc->id, sizeof fc->id, "%lld", id);
	if (strcmp(stage, "intake") == 0)
		return true;

	const char *p[5] = { fc->id, stage, prepared ? "t" : "f", U_OPERATOR, U_SHIPPING };
	if (it_db_exec(
	        owner,
	        "UPDATE kura.cases SET stage = $2,"
	        " reply_decision = CASE WHEN $3::bool AND $2 <> 'report'"
	        "  AND $2 <> 'analysis' THEN 'proceed' END,"
	        " reply_fax_date = CASE WHEN $3::bool AND $2 = 'reply' THEN current_date END,"
	        " reply_by = CASE WHEN $3::bool AND $2 = 'reply' THEN $4::bigint END,"
	        " reply_at = CASE WHEN $3::bool AND $2 = 'reply' THEN now() END,"
	        " ship_address_confirmed = CASE WHEN $3::bool AND $2 = 'shipping' THEN true END,"
	        " ship_carrier = CASE WHEN $3::bool AND $2 = 'shipping'"
	        "  THEN 'Rights Carrier' END,"
	        " ship_tracking = CASE WHEN $3::bool AND $2 = 'shipping' THEN 'RT-0001' END,"
	        " ship_repair = CASE WHEN $3::bool AND $2 = 'shipping' THEN false END,"
	        " ship_by = CASE WHEN $3::bool AND $2 = 'shipping' THEN $5::bigint END,"
	        " ship_at = CASE WHEN $3::bool AND $2 = 'shipping' THEN now() END,"
	        " shipped_at = CASE WHEN $2 = 'erasure' THEN now() - interval '6 days' END,"
	        " erasure_due = CASE WHEN $2 = 'erasure' THEN now() - interval '1 day' END"
	        " WHERE id = $1",
	        5, p) != 1)
		return false;
	if (prepared && strcmp(stage, "analysis") == 0 && !fx_device(fc->device))
		return false;
	if (prepared && strcmp(stage, "report") == 0) {
		const char *pd[3] = { fc->id, U_TECHNICIAN, U_MANAGER };
		if (it_db_exec(
		        owner,
		        "INSERT INTO kura.documents (case_id, kind, version, content, sha256,"
		        " issued_by, approved_by, approved_at)"
		        " SELECT $1, k, 1, 'rights matrix ' || k,"
		        " sha256(convert_to('rights matrix ' || k, 'UTF8')), $2, $3, now()"
		        " FROM unnest(ARRAY['report', 'estimate', 'data_list']) AS k",
		        3, pd) != 3)
			return false;
	}
	return true;
}

/* Every fixture of the walk, and rows in each case-sheet table so that the SQL checks can
 * tell "visible" from "empty". */
static void
make_fixtures(void)
{
	int outcome, bad = 0;

	fx_client =
	    rt_login(getenv("KURA_RT_DEMO_CALL"), it_account(&env, "operator", false)->login,
	             it_account(&env, "operator", false)->password, &outcome, NULL, NULL);
	if (fx_client == NULL)
		tap_bail("the operator cannot sign in to register the fixtures");
	for (int s = 0; s < RT_NSTAGES; s++)
		bad += !fx_case(rt_stages[s], true, &keep_stamp[s]);
	bad += !fx_case("reply", false, &keep_reply);
	bad += !fx_case("shipping", false, &keep_ship);
	bad += !fx_case("intake", false, &keep_note);
	bad += !fx_case("analysis", false, &keep_worklog);
	bad += !fx_case("analysis", false, &keep_doc);
	bad += !fx_case("analysis", false, &keep_approve);
	bad += !fx_case("intake", false, &keep_custody);
	bad += !fx_case("intake", false, &fx_note);
	bad += !fx_case("analysis", false, &fx_worklog);
	bad += !fx_case("analysis", false, &fx_doc);
	bad += !fx_case("analysis", false, &fx_approve);
	bad += !fx_case("intake", false, &fx_sql);
	bad += fx_report(&keep_approve) != 1 || fx_report(&fx_doc) != 1 || fx_report(&fx_sql) != 1;
	bad += !fx_device(fx_sql.device);

	/* A binding, a work log, and a read mark for each account of the cells. */
	char seed_device[24];
	bad += !fx_device(seed_device);
	const char *pb[3] = { seed_device, fx_doc.id, U_TECHNICIAN };
	bad += it_db_exec(owner,
	                  "INSERT INTO kura.device_bindings (device_id, case_id, bound_by)"
	                  " VALUES ($1, $2, $3)",
	                  3, pb) != 1;
	bad += it_db_exec(owner,
	                  "INSERT INTO kura.work_logs (case_id, by_user, kind, minutes, body)"
	                  " VALUES ($1, $2, 'logical', 30, 'rights matrix: imaging')",
	                  2, pb + 1) != 1;
	for (int i = 0; i < RT_NCELLS; i++) {
		const char *pm[2] = { cells[i].user_id, pb[1] };
		bad += it_db_exec(owner,
		                  "INSERT INTO kura.note_marks (user_id, case_id, last_note_id)"
		                  " VALUES ($1, $2, 1) ON CONFLICT (user_id, case_id) DO NOTHING",
		                  2, pm) < 0;
	}
	bad += it_db_exec(owner,
	                  "INSERT INTO kura.devices (id, label, kind)"
	                  " VALUES ('RT-ER-1', 'Rights matrix eraser', 'eraser')",
	                  0, NULL) != 1;
	/* The canary waits for the customer's reply: case.queue awaiting-reply lists it. */
	const char *pc[1] = { receipt };
	bad += it_db_exec(owner, "UPDATE kura.cases SET stage = 'reply' WHERE receipt = $1", 1,
	                  pc) != 1;
	if (!ok(bad == 0, "the case-sheet fixtures are made (%d cases)", RT_NSTAGES + 13))
		tap_bail("no fixtures");
}

/* ============================== risk-register fixtures ============================== */

/* An asset and risks made by the database owner, owned by the normal manager; the keepers
 * are what refused commands are given. */
static char fx_asset[24], keep_asset[24], fx_risk[24], keep_risk[24];
static bool have_risks;

static bool
fx_asset_new(const char *name, char out[24])
{
	const char *p[2] = { name, U_MANAGER };
	long long id = it_db_int(owner,
	                         "INSERT INTO kura.assets (name, type, owner, confidentiality,"
	                         " integrity, availability, created_by)"
	                         " VALUES ($1, 'information', $2, 2, 2, 2, $2) RETURNING id",
	                         2, p);

	snprintf(out, 24, "%lld", id);
	return id > 0;
}

static bool
fx_risk_new(char out[24])
{
	const char *p[2] = { fx_asset, U_MANAGER };
	long long id =
	    it_db_int(owner,
	              "INSERT INTO kura.risks (asset_id, threat, vulnerability, owner,"
	              " likelihood, impact, created_by)"
	              " VALUES ($1, 'rights matrix threat', 'rights matrix weakness', $2,"
	              " 3, 3, $2) RETURNING id",
	              2, p);

	snprintf(out, 24, "%lld", id);
	return id > 0;
}

static void
make_risk_fixtures(void)
{
	int bad = 0;

	have_risks = it_db_int(owner,
	                       "SELECT count(*) FROM pg_catalog.pg_class"
	                       " WHERE oid = to_regclass('kura.risks')",
	                       0, NULL) == 1;
	if (!have_risks)
		return;
	bad += !fx_asset_new("rt-asset", fx_asset) || !fx_asset_new("rt-keep-asset", keep_asset);
	bad += !fx_risk_new(fx_risk) || !fx_risk_new(keep_risk);
	const char *p[2] = { fx_risk, U_MANAGER };
	bad +=
	    it_db_exec(owner,
	               "INSERT INTO kura.risk_reviews (risk_id, reviewed_on, reviewer, likelihood,"
	               " impact, level, notes)"
	               " VALUES ($1, current_date, $2, 3, 3, 'medium', 'rights matrix review')",
	               2, p) != 1;
	bad += it_db_exec(owner,
	                  "INSERT INTO kura.risk_controls (risk_id, control_id) VALUES ($1, '5.1')",
	                  1, p) != 1;
	if (!ok(bad == 0, "the risk-register fixtures are made"))
		tap_bail("no risk-register fixtures");
}

/* ============================== incident fixtures ============================== */

/* Incidents made by the database owner at the status each command needs, reported by the
 * normal operator on the call centre. fx_shared is shared with every segment and names the
 * canary case as affected: incident.get shows its customer's name, masked without pii.read. */
static char fx_shared[24], fx_incident[24], fx_investigating[24], keep_incident[24],
    keep_resolved[24], keep_reviewed[24], keep_investigating[24];
static bool have_incidents;

/* A new incident at status (resolved ones reviewed when reviewed); its id goes to out. */
static bool
fx_incident_new(const char *status, bool reviewed, bool shared, char out[24])
{
	const char *p[5] = { status, reviewed ? "t" : "f", shared ? "t" : "f", U_OPERATOR,
		             U_MANAGER };
	long long id = it_db_int(
	    owner,
	    "INSERT INTO kura.incidents (category, severity, status, title, description, found_at,"
	    " segment, shared, reported_by, reviewed_by, reviewed_at, review_result)"
	    " VALUES (1, 'low', $1, 'rights matrix incident', 'rights matrix: what happened',"
	    " now() - interval '1 hour', 'call-centre', $3::bool, $4::bigint,"
	    " CASE WHEN $2::bool THEN $5::bigint END, CASE WHEN $2::bool THEN now() END,"
	    " CASE WHEN $2::bool THEN 'rights matrix review' END) RETURNING id",
	    5, p);

	snprintf(out, 24, "%lld", id);
	return id > 0;
}

/* A planned countermeasure of an investigated incident; its number, or -1. */
static long long
fx_countermeasure(const char *incident)
{
	const char *p[2] = { incident, U_MANAGER };

	return it_db_int(
	    owner,
	    "INSERT INTO kura.incident_countermeasures (incident_id, seq, title, owner,"
	    " due, created_by)"
	    " SELECT $1, coalesce(max(seq), 0) + 1, 'rights matrix countermeasure', $2,"
	    " current_date + 7, $2 FROM kura.incident_countermeasures"
	    " WHERE incident_id = $1 RETURNING seq",
	    2, p);
}

static void
make_incident_fixtures(void)
{
	int bad = 0;

	have_incidents = it_db_int(owner,
	                           "SELECT count(*) FROM pg_catalog.pg_class"
	                           " WHERE oid = to_regclass('kura.incidents')",
	                           0, NULL) == 1;
	if (!have_incidents)
		return;
	bad += !fx_incident_new("reported", false, true, fx_shared);
	bad += !fx_incident_new("reported", false, false, fx_incident);
	bad += !fx_incident_new("investigating", false, false, fx_investigating);
	bad += !fx_incident_new("reported", false, false, keep_incident);
	bad += !fx_incident_new("resolved", false, false, keep_resolved);
	bad += !fx_incident_new("resolved", true, false, keep_reviewed);
	bad += !fx_incident_new("investigating", false, false, keep_investigating);
	bad += fx_countermeasure(keep_investigating) < 0;
	const char *p[2] = { fx_shared, receipt };
	bad +=
	    it_db_exec(owner,
	               "INSERT INTO kura.incident_links (incident_id, kind, ref, case_id, affected)"
	               " SELECT $1, 'case', c.receipt, c.id, true FROM kura.cases c"
	               " WHERE c.receipt = $2",
	               2, p) != 1;
	if (!ok(bad == 0, "the incident fixtures are made"))
		tap_bail("no incident fixtures");
}

/* Whether a cell sees an incident of the fixtures (docs/incidents.md): the reporter (the
 * normal operator) always; with incident.manage, incident.review or audit.read all; with
 * incident.read those of its segment (they were reported on the call centre) and the shared
 * ones. */
bool
rt_sees_incident(const struct rt_cell *c, bool shared)
{
	return (c->role == 0 && c->temp == 0) || list_has(c->rights, "incident.manage") ||
	       list_has(c->rights, "incident.review") || list_has(c->rights, "audit.read") ||
	       (list_has(c->rights, "incident.read") && (shared || c->seg == 0));
}

/* incident.get of the shared incident: not_found where the cell does not see it; else the
 * canary's name in the scope of impact, masked without pii.read. */
static int
run_incident_get(struct rt_cell *cell, struct kclient *c, int k, struct proto_reply *rep,
                 bool *leak, char *why, size_t wsize)
{
	enum rt_outcome want = want_of(k, cell);
	int got = rt_call(c, rep, leak, "incident.get", "{s i}", "id",
	                  (int64_t)strtoll(fx_shared, NULL, 10));
	bool sees = rt_sees_incident(cell, true);

	if (!allowed(want))
		return got;
	if (!sees) {
		if (got == 0)
			why_add(why, wsize, "shows an incident the user may not see");
		return got == ERR_NOT_FOUND ? 0 : got;
	}
	const msgpack_object *aff = got == 0 ? it_array(rep->data, "affected") : NULL;
	const char *name = aff != NULL && aff->via.array.size == 1
	                       ? it_str(&aff->via.array.ptr[0], "customer_name")
	                       : NULL;
	const char *expect = want == RT_MASK ? "***" : c_name;
	bool masked = false;
	if (got == 0 && (name == NULL || strcmp(name, expect) != 0))
		why_add(why, wsize, "the affected customer is '%s', expected '%s'",
		        name ? name : "(none)", expect);
	if (got == 0 && (!it_bool(rep->data, "pii_masked", &masked) || masked != (want == RT_MASK)))
		why_add(why, wsize, "pii_masked is not %s", want == RT_MASK ? "true" : "false");
	return got;
}

/* Checks the personal data of a case.get reply against want (allow: the canary values,
 * mask: *** and pii_masked). */
static void
check_case_get(const struct proto_reply *rep, enum rt_outcome want, char *why, size_t size)
{
	const char *keys[4] = { "customer_name", "phone", "email", "address" };
	const char *vals[4] = { c_name, c_phone, c_email, c_address };
	bool masked;

	for (int i = 0; i < 4; i++) {
		const char *v = it_str(rep->data, keys[i]);
		const char *expect = want == RT_MASK ? "***" : vals[i];

		if (v == NULL || strcmp(v, expect) != 0)
			why_add(why, size, "%s is '%s', expected '%s'", keys[i], v ? v : "(none)",
			        expect);
	}
	if (!it_bool(rep->data, "pii_masked", &masked) || masked != (want == RT_MASK))
		why_add(why, size, "pii_masked is not %s", want == RT_MASK ? "true" : "false");
}

/* Finds the canary case's row in a reply's rows (case.list, case.queue): its customer_name, or
 * NULL (*found false) when absent. */
static const char *
list_row(const struct proto_reply *rep, bool *found)
{
	const msgpack_object *rows = it_array(rep->data, "rows");

	*found = false;
	for (uint32_t i = 0; rows != NULL && i < rows->via.array.size; i++) {
		const msgpack_object *row = &rows->via.array.ptr[i];
		const char *r = it_str(row, "receipt");

		if (r != NULL && strcmp(r, receipt) == 0) {
			*found = true;
			return it_str(row, "customer_name");
		}
	}
	return NULL;
}

/* The rights in a whoami reply, sorted and comma-separated as kura.rights_of() gives them. */
static void
whoami_rights(const msgpack_object *rights, char *out, size_t size)
{
	char names[64][48];
	int n = 0;

	out[0] = '\0';
	for (uint32_t i = 0; rights != NULL && i < rights->via.array.size && n < 64; i++) {
		const msgpack_object *o = &rights->via.array.ptr[i];
		if (o->type == MSGPACK_OBJECT_STR)
			snprintf(names[n++], sizeof names[0], "%.*s", (int)o->via.str.size,
			         o->via.str.ptr);
	}
	qsort(names, (size_t)n, sizeof names[0], (int (*)(const void *, const void *))strcmp);
	for (int i = 0, len = 0; i < n; i++) {
		size_t add = strlen(names[i]) + (i > 0);
		if ((size_t)len + add + 1 > size)
			break;
		if (i > 0)
			out[len++] = ',';
		memcpy(out + len, names[i], add - (i > 0) + 1);
		len += (int)(add - (i > 0));
	}
}

/* The day n days from today (UTC) as YYYY-MM-DD. */
static const char *
day_after(int n)
{
	static char buf[16];
	time_t then = time(NULL) + (time_t)n * 86400;
	struct tm tm;

	gmtime_r(&then, &tm);
	strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
	return buf;
}

/* A fresh fixture for an allowed call, or the keeper for a refused one. */
static const struct rt_case *
target_case(enum rt_outcome want, const char *stage, bool prepared, struct rt_case *fresh,
            const struct rt_case *keeper, char *why, size_t wsize)
{
	if (want != RT_ALLOW)
		return keeper;
	if (!fx_case(stage, prepared, fresh))
		why_add(why, wsize, "no fixture at %s", stage);
	return fresh;
}

/* case.stamp of the stage of line k on a fixture at that stage (a fresh one where allowed). */
static int
run_stamp(struct rt_cell *cell, struct kclient *c, int k, struct proto_reply *rep, bool *leak,
          char *why, size_t wsize)
{
	enum rt_outcome want = want_of(k, cell);
	const char *stage = M.qual[k];
	int st = index_of(stage, rt_stages, RT_NSTAGES);
	struct rt_case fresh;
	const struct rt_case *fc;
	int got;

	if (st < 0) {
		why_add(why, wsize, "%s: no such stage", M.cmd[k]);
		memset(rep, 0, sizeof *rep);
		msgpack_unpacked_init(&rep->unp);
		return ERR_INTERNAL;
	}
	fc = target_case(want, stage, true, &fresh, &keep_stamp[st], why, wsize);
	if (st == 1)
		got = rt_call(c, rep, leak, "case.stamp", "{s s s s s s s s s s}", "receipt",
		              fc->receipt, "verify", fc->receipt, "stage", stage, "remark",
		              "rights matrix", "device", fc->device);
	else if (st == 6)
		got = rt_call(c, rep, leak, "case.stamp", "{s s s s s s s s s s s s}", "receipt",
		              fc->receipt, "verify", fc->receipt, "stage", stage, "remark",
		              "rights matrix", "eraser", "RT-ER-1", "method",
		              "overwrite, 3 passes (rights matrix)");
	else
		got =
		    rt_call(c, rep, leak, "case.stamp", "{s s s s s s s s}", "receipt", fc->receipt,
		            "verify", fc->receipt, "stage", stage, "remark", "rights matrix");
	if (got == 0) {
		const char *next = it_str(rep->data, "stage");
		const char *by = it_str(mp_get(rep->data, "stamped"), "by");
		if (next == NULL || strcmp(next, rt_stages[st + 1]) != 0)
			why_add(why, wsize, "the case is now at %s, expected %s",
			        next ? next : "(none)", rt_stages[st + 1]);
		if (by == NULL || strcmp(by, cell->acct->login) != 0)
			why_add(why, wsize, "stamped by %s", by ? by : "(none)");
		const char *p[3] = { fc->id, stage, cell->user_id };
		if (it_db_int(owner,
		              "SELECT count(*) FROM kura.case_stamps WHERE case_id = $1"
		              " AND stage = $2 AND by_user = $3",
		              3, p) != 1)
			why_add(why, wsize, "kura.case_stamps has no stamp by the user");
	}
	return got;
}

/* case.queue: the canary waits in awaiting-reply, masked or not; every other queue answers
 * the same and none shows the canary to a user without pii.read. */
static int
run_queue(struct rt_cell *cell, struct kclient *c, int k, struct proto_reply *rep, bool *leak,
          char *why, size_t wsize)
{
	static const char *const others[] = { "new-notes", "mine", "erasure-due",
		                              "awaiting-shipment" };
	enum rt_outcome want = want_of(k, cell);
	int got = rt_call(c, rep, leak, "case.queue", "{s s}", "queue", "awaiting-reply");

	if (got == 0 && allowed(want)) {
		bool found;
		const char *name = list_row(rep, &found);
		const char *expect = want == RT_MASK ? "***" : c_name;

		if (!found)
			why_add(why, wsize, "the canary case is not in awaiting-reply");
		else if (name == NULL || strcmp(name, expect) != 0)
			why_add(why, wsize, "customer_name is '%s', expected '%s'",
			        name ? name : "(none)", expect);
	}
	for (size_t i = 0; i < sizeof others / sizeof others[0]; i++) {
		struct proto_reply rep2;
		int got2 = rt_call(c, &rep2, leak, "case.queue", "{s s}", "queue", others[i]);
		if (got2 != got)
			why_add(why, wsize, "case.queue %s answers %s", others[i], it_code(got2));
		proto_reply_fini(&rep2);
	}
	return got;
}

/* Sends command k of the matrix on client c (a cell's session, or a client with another
 * segment's token) with valid arguments. Returns the outcome of its main call; problems
 * beyond the outcome go to why, a canary in any reply sets *leak. */
static int
run_op(struct rt_cell *cell, struct kclient *c, int k, bool *leak, char *why, size_t wsize)
{
	const char *op = M.op[k];
	enum rt_outcome want = want_of(k, cell);
	bool allow = want == RT_ALLOW;
	struct proto_reply rep;
	struct rt_case fresh;
	const struct rt_case *fc;
	char name[48];
	int got;

	if (strcmp(op, "auth.whoami") == 0) {
		got = rt_call(c, &rep, leak, op, NULL);
		/* The server holds exactly the rights the database gives the cell. */
		char rights[1024];
		bool temporary = false;
		whoami_rights(got == 0 ? it_array(rep.data, "rights") : NULL, rights,
		              sizeof rights);
		if (got == 0 &&
		    (!it_bool(rep.data, "temporary", &temporary) || temporary != (cell->temp != 0)))
			why_add(why, wsize, "whoami says temporary is %s",
			        temporary ? "true" : "false");
		if (got == 0 && strcmp(rights, cell->rights) != 0)
			why_add(why, wsize, "whoami's rights are %s; kura.rights_of() gives %s",
			        rights, cell->rights);
	} else if (strcmp(op, "user.list") == 0 || strcmp(op, "session.list") == 0 ||
	           strcmp(op, "export.list") == 0 || strcmp(op, "auth.logout") == 0 ||
	           strcmp(op, "custody.ledger") == 0 || strcmp(op, "location.list") == 0 ||
	           strcmp(op, "device.list") == 0 || strcmp(op, "device.report") == 0) {
		got = rt_call(c, &rep, leak, op, NULL);
	} else if (strcmp(op, "case.create") == 0) {
		got = rt_call(c, &rep, leak, op, "{s s s s s [{s s s s}] s s}", "customer_name",
		              "Rights Matrix", "medium", "rights matrix: USB stick", "items",
		              "kind", "medium", "description", "rights matrix item", "notes",
		              "rights matrix: created by the walk");
	} else if (strcmp(op, "case.get") == 0) {
		got = rt_call(c, &rep, leak, op, "{s s}", "receipt", receipt);
		if (got == 0 && allowed(want))
			check_case_get(&rep, want, why, wsize);
		if (got == 0 && cell->temp == 0 && cell->role == 0 && cell->seg == 0 &&
		    reply_has_canary(&rep))
			leak_seen_where_allowed = true;
		if (c == cell->c) {
			bool masked = false;
			cell->seen = got == ERR_FORBIDDEN                                 ? RT_DENY
			             : got != 0                                           ? RT_NONE
			             : it_bool(rep.data, "pii_masked", &masked) && masked ? RT_MASK
			             : it_bool(rep.data, "pii_masked", &masked)           ? RT_ALLOW
			                                                                  : RT_NONE;
		}
	} else if (strcmp(op, "case.list") == 0) {
		got = rt_call(c, &rep, leak, op, "{s s s i}", "q", receipt, "limit", (int64_t)20);
		if (got == 0 && allowed(want)) {
			bool found;
			const char *name_got = list_row(&rep, &found);
			const char *expect = want == RT_MASK ? "***" : c_name;

			if (!found)
				why_add(why, wsize, "the canary case is not listed by receipt");
			else if (name_got == NULL || strcmp(name_got, expect) != 0)
				why_add(why, wsize, "customer_name is '%s', expected '%s'",
				        name_got ? name_got : "(none)", expect);
			/* Searching by the customer's name works only with pii.read. */
			struct proto_reply rep2;
			int got2 = rt_call(c, &rep2, leak, op, "{s s s i}", "q", canary_hex,
			                   "limit", (int64_t)20);
			if (got2 != 0)
				why_add(why, wsize, "case.list by name answers %s", it_code(got2));
			else {
				(void)list_row(&rep2, &found);
				if (found != (want == RT_ALLOW))
					why_add(why, wsize,
					        "case.list by the customer's name %s the case",
					        found ? "finds" : "does not find");
			}
			proto_reply_fini(&rep2);
		}
	} else if (strcmp(op, "user.disable") == 0) {
		got = rt_call(c, &rep, leak, op, "{s s}", "user",
		              allow ? t_throw.login : t_keep.login);
	} else if (strcmp(op, "user.set_role") == 0) {
		got = rt_call(c, &rep, leak, op, "{s s s s}", "user",
		              allow ? t_throw.login : t_keep.login, "role", "technician");
	} else if (strcmp(op, "session.kill") == 0) {
		long long id = target_session(allow);
		if (id <= 0)
			why_add(why, wsize, "no session of rt-sess to kill");
		got = rt_call(c, &rep, leak, op, "{s i}", "id", (int64_t)id);
	} else if (strcmp(op, "export.request") == 0) {
		got = rt_call(c, &rep, leak, op, "{s [s] s s}", "receipts", receipt, "reason",
		              "rights matrix");
	} else if (strcmp(op, "export.approve") == 0) {
		long long id = allow ? pending_export() : keep_pending;
		if (id <= 0)
			why_add(why, wsize, "no export request to approve");
		got = rt_call(c, &rep, leak, op, "{s i}", "id", (int64_t)id);
	} else if (strcmp(op, "export.run") == 0) {
		long long id = approved_export(cell);
		if (id <= 0)
			why_add(why, wsize, "no approved export request to run");
		else if (!allow && ndenied_runs < 128)
			denied_runs[ndenied_runs++] = id;
		got = rt_call(c, &rep, leak, op, "{s i}", "id", (int64_t)id);
		int64_t rows = -1;
		if (got == 0 && (!it_int(rep.data, "rows", &rows) || rows != 1))
			why_add(why, wsize, "export.run gives %lld rows, expected 1",
			        (long long)rows);
	} else if (strcmp(op, "case.stamp") == 0) {
		got = run_stamp(cell, c, k, &rep, leak, why, wsize);
	} else if (strcmp(op, "case.sheet") == 0 || strcmp(op, "case.custody") == 0) {
		got = rt_call(c, &rep, leak, op, "{s s}", "receipt", receipt);
		const char *r = got == 0 ? it_str(rep.data, "receipt") : NULL;
		if (got == 0 && strcmp(op, "case.sheet") == 0 && (r == NULL || strcmp(r, receipt)))
			why_add(why, wsize, "the sheet is of %s", r ? r : "(none)");
		const msgpack_object *ev = got == 0 ? it_array(rep.data, "events") : NULL;
		if (got == 0 && strcmp(op, "case.custody") == 0 &&
		    (ev == NULL || ev->via.array.size == 0))
			why_add(why, wsize, "no custody event of the canary's item");
	} else if (strcmp(op, "case.note") == 0) {
		got = rt_call(c, &rep, leak, op, "{s s s s}", "receipt",
		              allow ? fx_note.receipt : keep_note.receipt, "body",
		              "rights matrix: a note");
	} else if (strcmp(op, "case.notes_seen") == 0) {
		got = rt_call(c, &rep, leak, op, "{s s s i}", "receipt",
		              allow ? fx_note.receipt : keep_note.receipt, "upto", (int64_t)1);
	} else if (strcmp(op, "case.queue") == 0) {
		got = run_queue(cell, c, k, &rep, leak, why, wsize);
	} else if (strcmp(op, "case.reply") == 0) {
		fc = target_case(want, "reply", false, &fresh, &keep_reply, why, wsize);
		got = rt_call(c, &rep, leak, op, "{s s s s s s}", "receipt", fc->receipt,
		              "decision", "proceed", "fax_date", day_after(0));
	} else if (strcmp(op, "case.ship") == 0) {
		fc = target_case(want, "shipping", false, &fresh, &keep_ship, why, wsize);
		got = rt_call(c, &rep, leak, op, "{s s s b s s s s}", "receipt", fc->receipt,
		              "address_confirmed", 1, "carrier", "Rights Carrier", "tracking",
		              "RT-1234");
	} else if (strcmp(op, "custody.move") == 0) {
		fc = target_case(want, "intake", false, &fresh, &keep_custody, why, wsize);
		got = rt_call(c, &rep, leak, op, "{s s s s s s}", "label", fc->label, "to",
		              "backup", "reason", "rights matrix");
	} else if (strcmp(op, "location.add") == 0) {
		static int n;
		snprintf(name, sizeof name, allow ? "rt-shelf-%d" : "rt-keep-shelf", ++n);
		got = rt_call(c, &rep, leak, op, "{s s s s}", "name", name, "label",
		              "Rights matrix shelf");
	} else if (strcmp(op, "device.add") == 0) {
		static int n;
		snprintf(name, sizeof name, allow ? "RT-DEV-%d" : "RT-KEEP-DEV", ++n);
		got = rt_call(c, &rep, leak, op, "{s s s s s s}", "id", name, "label",
		              "Rights matrix device", "kind", "analysis");
	} else if (strcmp(op, "worklog.add") == 0) {
		got = rt_call(c, &rep, leak, op, "{s s s s s i s s}", "receipt",
		              allow ? fx_worklog.receipt : keep_worklog.receipt, "kind", "logical",
		              "minutes", (int64_t)15, "body", "rights matrix: imaging");
	} else if (strcmp(op, "worklog.list") == 0 || strcmp(op, "document.list") == 0) {
		got = rt_call(c, &rep, leak, op, "{s s}", "receipt", fx_doc.receipt);
		const msgpack_object *rows = got == 0 ? it_array(rep.data, "rows") : NULL;
		if (got == 0 && (rows == NULL || rows->via.array.size == 0))
			why_add(why, wsize, "no rows, though %s has some", fx_doc.receipt);
	} else if (strcmp(op, "document.issue") == 0) {
		got = rt_call(c, &rep, leak, op, "{s s s s s s}", "receipt",
		              allow ? fx_doc.receipt : keep_doc.receipt, "kind", "estimate",
		              "content", "rights matrix: an estimate");
	} else if (strcmp(op, "document.approve") == 0) {
		long long v = allow ? fx_report(&fx_approve) : 1;
		if (v <= 0)
			why_add(why, wsize, "no report to approve");
		got = rt_call(c, &rep, leak, op, "{s s s s s i}", "receipt",
		              allow ? fx_approve.receipt : keep_approve.receipt, "kind", "report",
		              "version", (int64_t)v);
	} else if (strcmp(op, "document.get") == 0) {
		got = rt_call(c, &rep, leak, op, "{s s s s}", "receipt", fx_doc.receipt, "kind",
		              "report");
		const char *content = got == 0 ? it_str(rep.data, "content") : NULL;
		if (got == 0 && (content == NULL || strcmp(content, "rights matrix report") != 0))
			why_add(why, wsize, "the report reads '%s'", content ? content : "(none)");
	} else if (strcmp(op, "asset.list") == 0 || strcmp(op, "risk.list") == 0 ||
	           strcmp(op, "risk.due") == 0 || strcmp(op, "risk.matrix") == 0 ||
	           strcmp(op, "control.list") == 0) {
		got = rt_call(c, &rep, leak, op, NULL);
	} else if (strcmp(op, "asset.get") == 0 || strcmp(op, "risk.get") == 0) {
		got = rt_call(
		    c, &rep, leak, op, "{s i}", "id",
		    (int64_t)strtoll(strcmp(op, "asset.get") == 0 ? fx_asset : fx_risk, NULL, 10));
	} else if (strcmp(op, "risk.export") == 0) {
		got = rt_call(c, &rep, leak, op, "{s s}", "what", "register");
	} else if (strcmp(op, "asset.create") == 0) {
		static int n;
		snprintf(name, sizeof name, allow ? "rt-asset-%d" : "rt-refused-asset", ++n);
		got = rt_call(c, &rep, leak, op, "{s s s s s s s i s i s i}", "name", name, "type",
		              "information", "owner", cell_at(3, 0, 2)->acct->login,
		              "confidentiality", (int64_t)2, "integrity", (int64_t)2,
		              "availability", (int64_t)2);
	} else if (strcmp(op, "asset.update") == 0) {
		got = rt_call(c, &rep, leak, op, "{s i s s}", "id",
		              (int64_t)strtoll(allow ? fx_asset : keep_asset, NULL, 10), "location",
		              "rights matrix shelf");
	} else if (strcmp(op, "risk.create") == 0) {
		got = rt_call(c, &rep, leak, op, "{s i s s s s s s s i s i}", "asset",
		              (int64_t)strtoll(fx_asset, NULL, 10), "threat",
		              allow ? "rights matrix threat" : "rights matrix refused threat",
		              "vulnerability", "rights matrix weakness", "owner",
		              cell_at(3, 0, 2)->acct->login, "likelihood", (int64_t)2, "impact",
		              (int64_t)4);
	} else if (strcmp(op, "risk.update") == 0) {
		got = rt_call(c, &rep, leak, op, "{s i s s}", "id",
		              (int64_t)strtoll(allow ? fx_risk : keep_risk, NULL, 10), "plan",
		              "rights matrix plan");
	} else if (strcmp(op, "risk.accept") == 0) {
		char fresh_risk[24];
		if (allow && !fx_risk_new(fresh_risk))
			why_add(why, wsize, "no risk to accept");
		got = rt_call(c, &rep, leak, op, "{s i s s s s}", "id",
		              (int64_t)strtoll(allow ? fresh_risk : keep_risk, NULL, 10), "reason",
		              "rights matrix", "expires", day_after(30));
	} else if (strcmp(op, "risk.link_incident") == 0 ||
	           strcmp(op, "risk.unlink_incident") == 0) {
		int64_t risk = strtoll(allow ? fx_risk : keep_risk, NULL, 10);
		int64_t inc = strtoll(allow ? fx_incident : keep_incident, NULL, 10);
		/* Unlinking needs a link: an allowed cell links first (linking twice changes
		 * nothing). */
		if (allow && strcmp(op, "risk.unlink_incident") == 0) {
			struct proto_reply pre;
			if (rt_call(c, &pre, leak, "risk.link_incident", "{s i s i}", "id", risk,
			            "incident", inc) != 0)
				why_add(why, wsize, "could not link before unlinking");
			proto_reply_fini(&pre);
		}
		got = rt_call(c, &rep, leak, op, "{s i s i}", "id", risk, "incident", inc);
	} else if (strcmp(op, "risk.review") == 0) {
		got = rt_call(c, &rep, leak, op, "{s i s s}", "id",
		              (int64_t)strtoll(allow ? fx_risk : keep_risk, NULL, 10), "notes",
		              "rights matrix review");
	} else if (strcmp(op, "risk.matrix_set") == 0) {
		/* Allowed: the cell's level as it is; refused: another. */
		got = rt_call(c, &rep, leak, op, "{s i s i s s}", "likelihood", (int64_t)1,
		              "impact", (int64_t)1, "level", allow ? "low" : "critical");
	} else if (strcmp(op, "risk.cadence_set") == 0) {
		got = rt_call(c, &rep, leak, op, "{s s s i}", "level", "low", "days",
		              (int64_t)(allow ? 365 : 1));
	} else if (strcmp(op, "incident.categories") == 0 ||
	           strcmp(op, "incident.dashboard") == 0) {
		got = rt_call(c, &rep, leak, op, NULL);
	} else if (strcmp(op, "incident.list") == 0 || strcmp(op, "incident.csv") == 0) {
		got = rt_call(c, &rep, leak, op, "{s s}", "status", "open");
		const msgpack_object *rows = got == 0 ? it_array(rep.data, "rows") : NULL;
		bool listed = false;
		for (uint32_t i = 0; rows != NULL && i < rows->via.array.size; i++) {
			int64_t id = 0;
			listed |= it_int(&rows->via.array.ptr[i], "id", &id) &&
			          id == strtoll(fx_shared, NULL, 10);
		}
		if (got == 0 && strcmp(op, "incident.list") == 0 &&
		    listed != rt_sees_incident(cell, true))
			why_add(why, wsize, "the shared incident is%s listed",
			        listed ? "" : " not");
	} else if (strcmp(op, "incident.get") == 0) {
		got = run_incident_get(cell, c, k, &rep, leak, why, wsize);
	} else if (strcmp(op, "incident.document") == 0) {
		got = rt_call(c, &rep, leak, op, "{s i}", "id",
		              (int64_t)strtoll(fx_shared, NULL, 10));
		if (allowed(want) && !rt_sees_incident(cell, true)) {
			if (got == 0)
				why_add(why, wsize, "shows an incident the user may not see");
			got = got == ERR_NOT_FOUND ? 0 : got;
		}
	} else if (strcmp(op, "incident.category_add") == 0) {
		static int n;
		snprintf(name, sizeof name, allow ? "rights matrix %d" : "rights matrix refused",
		         ++n);
		got = rt_call(c, &rep, leak, op, "{s s s s}", "label", name, "label_ja",
		              "権限表の試験");
	} else if (strcmp(op, "incident.report") == 0) {
		got = rt_call(c, &rep, leak, op, "{s i s s s s s s}", "category", (int64_t)1,
		              "severity", "low", "title",
		              allow ? "rights matrix report" : "rights matrix refused report",
		              "description", "rights matrix: reported by the walk");
	} else if (strcmp(op, "incident.update") == 0) {
		got = rt_call(c, &rep, leak, op, "{s i s s}", "id",
		              (int64_t)strtoll(allow ? fx_incident : keep_incident, NULL, 10),
		              "location", "rights matrix room");
	} else if (strcmp(op, "incident.link") == 0) {
		static int n;
		snprintf(name, sizeof name, "RT-LINK-%d", ++n);
		got = rt_call(c, &rep, leak, op, "{s i s s s s}", "id",
		              (int64_t)strtoll(allow ? fx_incident : keep_incident, NULL, 10),
		              "kind", "device", "ref", name);
	} else if (strcmp(op, "incident.transition") == 0) {
		char fresh_inc[24] = "0";
		if (allow && !fx_incident_new("reported", false, false, fresh_inc))
			why_add(why, wsize, "no incident to triage");
		got = rt_call(c, &rep, leak, op, "{s i s s}", "id",
		              (int64_t)strtoll(allow ? fresh_inc : keep_incident, NULL, 10), "to",
		              "triaged");
	} else if (strcmp(op, "incident.review") == 0 || strcmp(op, "incident.close") == 0) {
		bool review = strcmp(op, "incident.review") == 0;
		char fresh_inc[24] = "0";
		if (allow && !fx_incident_new("resolved", !review, false, fresh_inc))
			why_add(why, wsize, "no resolved incident");
		const char *id = allow ? fresh_inc : review ? keep_resolved : keep_reviewed;
		if (review)
			got = rt_call(c, &rep, leak, op, "{s i s s}", "id",
			              (int64_t)strtoll(id, NULL, 10), "result",
			              "rights matrix: reviewed");
		else
			got = rt_call(c, &rep, leak, op, "{s i}", "id",
			              (int64_t)strtoll(id, NULL, 10));
	} else if (strcmp(op, "incident.cm_add") == 0) {
		got = rt_call(
		    c, &rep, leak, op, "{s i s s s s s s}", "id",
		    (int64_t)strtoll(allow ? fx_investigating : keep_investigating, NULL, 10),
		    "title", "rights matrix countermeasure", "owner", cell_at(3, 0, 2)->acct->login,
		    "due", day_after(7));
	} else if (strcmp(op, "incident.cm_update") == 0) {
		long long cm = allow ? fx_countermeasure(fx_investigating) : 1;
		if (cm <= 0)
			why_add(why, wsize, "no countermeasure to update");
		got = rt_call(
		    c, &rep, leak, op, "{s i s i s s}", "id",
		    (int64_t)strtoll(allow ? fx_investigating : keep_investigating, NULL, 10), "cm",
		    (int64_t)cm, "state", "in_progress");
	} else {
		why_add(why, wsize, "the test does not know how to call %s with valid arguments",
		        M.cmd[k]);
		return ERR_INTERNAL;
	}
	if (got == ERR_BAD_REQUEST)
		why_add(why, wsize, "bad_request (%s): the test's arguments are not valid",
		        rep.err_msg);
	proto_reply_fini(&rep);
	return got;
}

/* Judges one command in a cell that has a session. */
static void
walk_cmd(struct rt_cell *cell, int k)
{
	enum rt_outcome want = want_of(k, cell);
	const char *want_code = want == RT_DENY ? "forbidden" : "ok";
	char why[1024] = "";
	bool leak = false;
	int got = run_op(cell, cell->c, k, &leak, why, sizeof why);
	bool pii = cell->want == RT_ALLOW;

	cell->got[k] = got;
	if (leak && !pii)
		why_add(why, sizeof why, "a reply holds the canary's personal data");
	if (!ok(strcmp(it_code(got), want_code) == 0 && why[0] == '\0', "%s %s: %s (%s)", M.cmd[k],
	        cell->label, rt_outcome_name(want), want_code)) {
		tap_diag("  got: %s", it_code(got));
		if (why[0] != '\0')
			tap_diag("  %s", why);
	}
}

/* Judges one command in a cell where sign-in is denied: with the token of the same user's
 * session of another segment, and with none, it is unauthenticated. */
static void
walk_cmd_no_session(struct rt_cell *cell, int k)
{
	enum rt_outcome want = want_of(k, cell);
	struct rt_cell *other = NULL;
	char why[1024] = "";
	bool leak = false;
	int got_foreign = -1, got_none;
	struct kclient *c = it_open(urls[cell->seg], IT_TIMEOUT_MS);

	for (int s = 0; s < RT_NSEGS && other == NULL; s++)
		if (cell_at(cell->role, cell->temp, s)->c != NULL)
			other = cell_at(cell->role, cell->temp, s);
	if (c == NULL) {
		ok(0, "%s %s: cannot dial %s", M.cmd[k], cell->label, urls[cell->seg]);
		return;
	}
	if (want != RT_DENY)
		why_add(why, sizeof why, "rights.tsv says %s, but sign-in failed here",
		        rt_outcome_name(want));
	if (other != NULL) {
		kclient_set_token(c, kclient_token(other->c));
		got_foreign = run_op(cell, c, k, &leak, why, sizeof why);
		if (got_foreign != ERR_UNAUTHENTICATED)
			why_add(why, sizeof why, "with the token of %s: %s", other->label,
			        it_code(got_foreign));
		/* The other segment's session still works there. */
		struct proto_reply rep;
		int still = rt_call(other->c, &rep, &leak, "auth.whoami", NULL);
		proto_reply_fini(&rep);
		if (still != 0)
			why_add(why, sizeof why, "afterwards the session of %s answers %s",
			        other->label, it_code(still));
	}
	kclient_set_token(c, NULL);
	got_none = run_op(cell, c, k, &leak, why, sizeof why);
	if (got_none != ERR_UNAUTHENTICATED)
		why_add(why, sizeof why, "without a token: %s", it_code(got_none));
	cell->got[k] = other != NULL && got_foreign != ERR_UNAUTHENTICATED ? got_foreign : got_none;
	/* No session, no case: what the server showed of the case reads here. */
	if (k == rt_cmd_index("case.get"))
		cell->seen = got_none == ERR_UNAUTHENTICATED &&
		                     (other == NULL || got_foreign == ERR_UNAUTHENTICATED)
		                 ? RT_DENY
		                 : RT_NONE;
	if (leak)
		why_add(why, sizeof why, "a reply holds the canary's personal data");
	kclient_free(c);
	if (!ok(why[0] == '\0', "%s %s: deny (unauthenticated: no sign-in on this segment%s)",
	        M.cmd[k], cell->label, other != NULL ? ", another segment's token refused" : ""))
		tap_diag("  %s", why);
}

/* ============================== the walk ============================== */

/* What the refused commands were given is as it was. */
static void
check_keepers(void)
{
	char id[24];
	int changed = 0;

	for (int s = 0; s < RT_NSTAGES; s++) {
		const char *p[2] = { keep_stamp[s].id, rt_stages[s] };
		if (it_db_int(
		        owner,
		        "SELECT count(*) FROM kura.cases c WHERE c.id = $1 AND c.stage = $2"
		        " AND NOT EXISTS (SELECT FROM kura.case_stamps s WHERE s.case_id = c.id)",
		        2, p) != 1) {
			changed++;
			tap_diag("  the %s keeper %s was stamped", rt_stages[s],
			         keep_stamp[s].receipt);
		}
	}
	ok(changed == 0, "refused case.stamp left every stage's keeper unstamped");
	const char *pr[1] = { keep_reply.id };
	is_int(it_db_int(owner,
	                 "SELECT count(*) FROM kura.cases WHERE id = $1 AND reply_decision IS NULL"
	                 " AND reply_by IS NULL",
	                 1, pr),
	       1, "refused case.reply recorded no reply on %s", keep_reply.receipt);
	const char *ps[1] = { keep_ship.id };
	is_int(it_db_int(owner,
	                 "SELECT count(*) FROM kura.cases WHERE id = $1 AND ship_at IS NULL"
	                 " AND ship_tracking IS NULL",
	                 1, ps),
	       1, "refused case.ship recorded no shipment on %s", keep_ship.receipt);
	const char *pn[1] = { keep_note.id };
	is_int(it_db_int(owner, "SELECT count(*) FROM kura.case_notes WHERE case_id = $1", 1, pn),
	       0, "refused case.note added no note to %s", keep_note.receipt);
	const char *pw[1] = { keep_worklog.id };
	is_int(it_db_int(owner, "SELECT count(*) FROM kura.work_logs WHERE case_id = $1", 1, pw), 0,
	       "refused worklog.add added no work log to %s", keep_worklog.receipt);
	const char *pd[1] = { keep_doc.id };
	is_int(it_db_int(owner, "SELECT count(*) FROM kura.documents WHERE case_id = $1", 1, pd), 0,
	       "refused document.issue issued nothing for %s", keep_doc.receipt);
	const char *pa[1] = { keep_approve.id };
	is_int(it_db_int(owner,
	                 "SELECT count(*) FROM kura.documents WHERE case_id = $1"
	                 " AND approved_by IS NULL",
	                 1, pa),
	       1, "refused document.approve left the report of %s unapproved",
	       keep_approve.receipt);
	const char *pc[1] = { keep_custody.label };
	is_int(it_db_int(owner,
	                 "SELECT count(*) FROM kura.case_items i WHERE i.label = $1"
	                 " AND i.location = 'intake-counter' AND (SELECT count(*)"
	                 "  FROM kura.custody_events e WHERE e.label = i.label) = 1",
	                 1, pc),
	       1, "refused custody.move left %s where it was received", keep_custody.label);
	is_int(it_db_int(owner,
	                 "SELECT (SELECT count(*) FROM kura.locations WHERE name = 'rt-keep-shelf')"
	                 " + (SELECT count(*) FROM kura.devices WHERE id = 'RT-KEEP-DEV')",
	                 0, NULL),
	       0, "refused location.add and device.add added nothing");

	/* The administrative and export keepers. */
	const char *pk[1] = { t_keep.login };
	char *state = it_db_text(owner,
	                         "SELECT role || CASE WHEN disabled_at IS NULL THEN ' enabled'"
	                         " ELSE ' disabled' END FROM kura.users WHERE login = $1",
	                         1, pk);
	char want_state[64];
	snprintf(want_state, sizeof want_state, "%s enabled", t_keep.role);
	is_str(state, want_state, "refused user.disable/user.set_role left rt-keep as it was");
	free(state);
	snprintf(id, sizeof id, "%lld", keep_pending);
	const char *pid[1] = { id };
	is_int(it_db_int(owner,
	                 "SELECT count(*) FROM kura.export_requests WHERE id = $1"
	                 " AND approved_by IS NULL",
	                 1, pid),
	       1, "refused export.approve left export request %s unapproved", id);
	int used = 0;
	for (int i = 0; i < ndenied_runs; i++) {
		snprintf(id, sizeof id, "%lld", denied_runs[i]);
		used += it_db_int(owner,
		                  "SELECT count(*) FROM kura.export_requests WHERE id = $1"
		                  " AND used_at IS NOT NULL",
		                  1, pid) != 0;
	}
	is_int(used, 0, "refused export.run used none of its %d approved requests", ndenied_runs);
}

/* What the refused commands of the risk register were given is as it was. */
static void
check_risk_keepers(void)
{
	if (!have_risks)
		return;
	const char *pa[1] = { keep_asset };
	is_int(it_db_int(owner,
	                 "SELECT count(*) FROM kura.assets WHERE id = $1 AND version = 1"
	                 " AND location = ''",
	                 1, pa),
	       1, "refused asset.update left asset %s as it was", keep_asset);
	const char *pr[1] = { keep_risk };
	is_int(it_db_int(owner,
	                 "SELECT count(*) FROM kura.risks r WHERE id = $1 AND version = 1"
	                 " AND accepted_by IS NULL AND treatment_plan = ''"
	                 " AND NOT EXISTS (SELECT FROM kura.risk_reviews v WHERE v.risk_id = r.id)",
	                 1, pr),
	       1, "refused risk.update, risk.accept and risk.review left risk %s as it was",
	       keep_risk);
	is_int(it_db_int(owner,
	                 "SELECT (SELECT count(*) FROM kura.assets WHERE name = 'rt-refused-asset')"
	                 " + (SELECT count(*) FROM kura.risks"
	                 "  WHERE threat = 'rights matrix refused threat')",
	                 0, NULL),
	       0, "refused asset.create and risk.create added nothing");
	is_int(it_db_int(owner,
	                 "SELECT (SELECT count(*) FROM kura.risk_matrix WHERE likelihood = 1"
	                 "  AND impact = 1 AND level = 'low')"
	                 " + (SELECT count(*) FROM kura.risk_levels WHERE name = 'low'"
	                 "  AND review_days = 365)",
	                 0, NULL),
	       2, "refused risk.matrix_set and risk.cadence_set left the matrix as it was");
}

/* What the refused incident commands were given is as it was. */
static void
check_incident_keepers(void)
{
	if (!have_incidents)
		return;
	const char *p[4] = { keep_incident, keep_resolved, keep_reviewed, keep_investigating };
	is_int(
	    it_db_int(owner,
	              "SELECT count(*) FROM kura.incidents i WHERE i.version = 1"
	              " AND i.closed_by IS NULL AND ((i.id = $1 AND i.status = 'reported'"
	              "  AND i.location IS NULL AND NOT EXISTS (SELECT FROM kura.incident_links l"
	              "  WHERE l.incident_id = i.id))"
	              " OR (i.id = $2 AND i.status = 'resolved' AND i.reviewed_by IS NULL)"
	              " OR (i.id = $3 AND i.status = 'resolved')"
	              " OR (i.id = $4 AND i.status = 'investigating'"
	              "  AND (SELECT count(*) FROM kura.incident_countermeasures m"
	              "  WHERE m.incident_id = i.id AND m.state = 'planned') = 1))",
	              4, p),
	    4,
	    "refused incident.update, link, transition, review, close and cm_* left their "
	    "incidents as they were");
	is_int(it_db_int(owner,
	                 "SELECT (SELECT count(*) FROM kura.incident_categories"
	                 "  WHERE label = 'rights matrix refused')"
	                 " + (SELECT count(*) FROM kura.incidents"
	                 "  WHERE title = 'rights matrix refused report')",
	                 0, NULL),
	       0, "refused incident.category_add and incident.report added nothing");
}

static void
walk(void)
{
	int auth = rt_cmd_index("auth.login"), logout = rt_cmd_index("auth.logout");
	int whoami = rt_cmd_index("auth.whoami");

	/* Sign in everywhere first: the sessions of the other segments serve the cells where
	 * sign-in is denied. */
	for (int i = 0; i < RT_NCELLS; i++) {
		struct rt_cell *cell = &cells[i];
		enum rt_outcome want = want_of(auth, cell);
		const char *want_code = want == RT_DENY ? "forbidden" : "ok";
		bool leak = false;
		int got;

		cell->c = rt_login(urls[cell->seg], cell->acct->login, cell->acct->password, &got,
		                   &leak, NULL);
		cell->got[auth] = got;
		if (!ok(strcmp(it_code(got), want_code) == 0 && !(leak && cell->want != RT_ALLOW),
		        "auth.login %s: %s (%s)", cell->label, rt_outcome_name(want), want_code))
			tap_diag("  got: %s%s", it_code(got), leak ? ", with the canary" : "");
	}
	for (int i = 0; i < RT_NCELLS; i++) {
		struct rt_cell *cell = &cells[i];

		for (int k = 0; k < M.ncmd; k++) {
			if (k == auth || k == logout)
				continue;
			if (cell->c != NULL)
				walk_cmd(cell, k);
			else
				walk_cmd_no_session(cell, k);
		}
		if (cell->c == NULL && logout >= 0)
			walk_cmd_no_session(cell, logout);
	}
	/* Sign out last; the token is dead afterwards. */
	for (int i = 0; i < RT_NCELLS && logout >= 0; i++) {
		struct rt_cell *cell = &cells[i];
		struct proto_reply rep;

		if (cell->c == NULL)
			continue;
		walk_cmd(cell, logout);
		if (want_of(logout, cell) != RT_DENY && whoami >= 0) {
			int after = rt_call(cell->c, &rep, NULL, "auth.whoami", NULL);
			proto_reply_fini(&rep);
			is_str(it_code(after), "unauthenticated",
			       "after auth.logout %s the token is dead", cell->label);
		}
		kclient_free(cell->c);
		cell->c = NULL;
	}
	check_keepers();
	check_risk_keepers();
	check_incident_keepers();
	ok(leak_seen_where_allowed,
	   "the canary check sees the canary where it belongs (operator @ call-centre case.get)");
	for (int i = 0; i < nsess_clients; i++)
		kclient_free(sess_clients[i]);
}

/* ============================== the canary outside replies ============================== */

static void
check_canary_elsewhere(void)
{
	const char *logs = getenv("KURA_RT_LOGS");
	char *list = logs != NULL ? strdup(logs) : NULL, *save = NULL;

	for (char *p = list != NULL ? strtok_r(list, ":", &save) : NULL; p != NULL;
	     p = strtok_r(NULL, ":", &save)) {
		size_t len;
		char *text = it_read_file(p, &len);

		ok(text != NULL && !has_canary(text, len), "no canary value in %s%s", p,
		   text == NULL ? " (cannot read it)" : "");
		free(text);
	}
	free(list);
	const char *p[2] = { canary_hex, canary_digits };
	is_int(it_db_int(owner,
	                 "SELECT count(*) FROM kura.audit_log a WHERE strpos(a::text, $1) > 0"
	                 " OR strpos(a::text, $2) > 0",
	                 2, p),
	       0, "no canary value in any audit_log row");
	is_int(it_db_int(owner,
	                 "SELECT count(*) FROM kura.request_replies r"
	                 " WHERE position(convert_to($1, 'UTF8') IN r.reply) > 0"
	                 " OR position(convert_to($2, 'UTF8') IN r.reply) > 0",
	                 2, p),
	       0, "no canary value in any stored reply (request_replies)");
	ok(replies_checked > 0, "%d replies were searched for the canary", replies_checked);
}

int
main(void)
{
	const char *why;

	if (it_env_load(&env, &why) != 0)
		tap_bail(why);
	urls[0] = env.call_url;
	urls[1] = env.tech_url;
	urls[2] = getenv("KURA_RT_MGMT");
	if (urls[2] == NULL)
		tap_bail("KURA_RT_MGMT must name the management listener");
	if ((owner = it_db_open(&env)) == NULL)
		tap_bail("no owner connection");

	load_commands();
	load_tsv();
	if (rt_cmd_index("auth.login") < 0 || rt_cmd_index("auth.logout") < 0 ||
	    rt_cmd_index("case.get") < 0)
		tap_bail("rights.tsv lacks auth.login, auth.logout or case.get");
	setup_cells();
	setup_cell_wants();
	check_rights_of();
	check_documented_rules();

	load_targets();
	create_canary();
	keep_pending = pending_export();
	if (keep_pending <= 0)
		tap_bail("cannot make an export request fixture");
	make_fixtures();
	make_risk_fixtures();
	make_incident_fixtures();
	walk();

	struct rt_ctx ctx = { .env = &env,
		              .owner = owner,
		              .cells = cells,
		              .m = &M,
		              .receipt = receipt,
		              .canary_name = c_name,
		              .disabled_id = t_throw.id,
		              .w_case_id = fx_sql.id,
		              .w_receipt = fx_sql.receipt,
		              .w_label = fx_sql.label,
		              .w_device = fx_sql.device,
		              .w_asset_id = have_risks ? fx_asset : NULL,
		              .w_risk_id = have_risks ? fx_risk : NULL,
		              .w_incident_id = have_incidents ? fx_incident : NULL,
		              .w_investigating_id = have_incidents ? fx_investigating : NULL,
		              .w_shared_id = have_incidents ? fx_shared : NULL };
	rt_db_checks(&ctx);
	check_canary_elsewhere();
	kclient_free(fx_client);
	PQfinish(owner);
	return tap_done();
}
