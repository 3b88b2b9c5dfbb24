/* The rights matrix against a running kurad: docs/rights.tsv is checked against the command
 * table and the seeded rights, then every cell (command x role x temporary x segment) is
 * walked over the wire with valid arguments, masking is checked where the tsv says so, and
 * no reply to a user without pii.read may hold a canary value of the customer's personal
 * data; finally the database layer (rights_db.c) and the logs and audit log.
 *
 * Environment (tests/rights/matrix.test sets it): KURA_IT_DIR, KURA_IT_CALL, KURA_IT_TECH and
 * KURA_RT_MGMT (the three listeners of the kurad under test), KURA_IT_ACCOUNTS ("account
 * LOGIN ROLE PASSWORD [temporary]" for each role and temporary flag, and "target LOGIN ROLE
 * PASSWORD" for the throwaway accounts rt-keep, rt-throw and rt-sess), KURA_RT_TSV,
 * KURA_RT_COMMANDS (the output of kurad --commands), KURA_RT_DEMO_CALL (another kurad's
 * call-centre listener, where the canary case is registered) and KURA_RT_LOGS (the kurad
 * logs, separated by colons). */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "mp.h"
#include "rights.h"
#include "../tap.h"

const char *const rt_roles[RT_NROLES] = { "operator", "technician", "shipping",
	                                  "manager",  "auditor",    "admin" };
const char *const rt_segs[RT_NSEGS] = { "call-centre", "tech-centre", "management" };

static struct it_env env;
static PGconn *owner;
static struct rt_matrix M;
static struct rt_cell cells[RT_NCELLS];
static const char *urls[RT_NSEGS];

/* kurad --commands: name and right. */
static int nkcmd;
static char kcmd[RT_MAXCMD][64], kright[RT_MAXCMD][32];

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

static int
cmd_index(const char *name)
{
	for (int i = 0; i < M.ncmd; i++)
		if (strcmp(M.cmd[i], name) == 0)
			return i;
	return -1;
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
	while (fgets(line, sizeof line, f) != NULL && nkcmd < RT_MAXCMD) {
		char kind[16];

		if (sscanf(line, "%63s %31s %15s", kcmd[nkcmd], kright[nkcmd], kind) == 3)
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
		    strlen(field[1]) >= 32) {
			bad++;
			ok(0,
			   "rights.tsv line %d is well-formed (command, right, role, temporary, "
			   "segment, outcome)",
			   lineno);
			continue;
		}
		if ((k = cmd_index(field[0])) < 0) {
			if (M.ncmd == RT_MAXCMD)
				tap_bail("more commands in rights.tsv than the test can hold");
			k = M.ncmd++;
			snprintf(M.cmd[k], sizeof M.cmd[k], "%s", field[0]);
			snprintf(M.right[k], sizeof M.right[k], "%s", field[1]);
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

	/* The same commands as the server, each with the right the server checks. */
	int problems = 0;
	for (int i = 0; i < nkcmd; i++) {
		int k = cmd_index(kcmd[i]);
		if (k < 0) {
			problems++;
			ok(0, "command %s of kurad --commands is missing from rights.tsv", kcmd[i]);
		} else if (strcmp(M.right[k], kright[i]) != 0) {
			problems++;
			ok(0, "rights.tsv: %s needs %s (kurad --commands), not %s", kcmd[i],
			   kright[i], M.right[k]);
		}
	}
	for (int k = 0; k < M.ncmd; k++)
		if (kcmd_index(M.cmd[k]) < 0) {
			problems++;
			ok(0, "rights.tsv names %s, which kurad --commands does not list",
			   M.cmd[k]);
		}
	if (problems == 0)
		ok(1, "rights.tsv and kurad --commands name the same %d commands and rights",
		   nkcmd);

	/* Consistency within the tsv. */
	int auth = cmd_index("auth.login");
	int inconsistent = 0;
	if (auth < 0)
		tap_bail("rights.tsv has no auth.login");
	for (int k = 0; k < M.ncmd; k++)
		for (int r = 0; r < RT_NROLES; r++)
			for (int t = 0; t < 2; t++)
				for (int s = 0; s < RT_NSEGS; s++) {
					enum rt_outcome o = M.out[k][r][t][s];
					const char *bad_why = NULL;
					bool is_case = strcmp(M.cmd[k], "case.get") == 0 ||
					               strcmp(M.cmd[k], "case.list") == 0;

					if (o == RT_MASK && !is_case)
						bad_why = "mask is only for case.get and case.list";
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
		ok(1, "rights.tsv: masking only on case reads, nothing where sign-in is denied");
}

/* Whether the rights rows ("role segment permission") hold one. */
static bool
rights_hold(PGresult *res, int role, int seg, const char *perm)
{
	char key[128];

	snprintf(key, sizeof key, "%s %s %s", rt_roles[role], rt_segs[seg], perm);
	for (int i = 0; i < PQntuples(res); i++)
		if (strcmp(PQgetvalue(res, i, 0), key) == 0)
			return true;
	return false;
}

/* What the seeded rights give for command k (needing right) in one cell: sign-in needs
 * session.login, a command its right (or only a session), temporary staff hold no pii.*
 * right, and case reads without pii.read are masked. */
static enum rt_outcome
rights_outcome(PGresult *res, int k, const char *right, int role, int temp, int seg)
{
	bool is_case = strcmp(M.cmd[k], "case.get") == 0 || strcmp(M.cmd[k], "case.list") == 0;
	bool has = strcmp(right, "session") == 0 || rights_hold(res, role, seg, right);
	bool pii = !temp && rights_hold(res, role, seg, "pii.read");

	if (temp && strncmp(right, "pii.", 4) == 0)
		has = false;
	if (!rights_hold(res, role, seg, "session.login") || !has)
		return RT_DENY;
	return is_case && !pii ? RT_MASK : RT_ALLOW;
}

/* The seeded rights (role_segment_permissions as migrated) must give the tsv's outcomes. */
static void
check_seeded_rights(void)
{
	PGresult *res = PQexec(owner, "SELECT role || ' ' || segment || ' ' || permission"
	                              " FROM kura.role_segment_permissions");
	int mismatches = 0;

	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		ok(0, "read kura.role_segment_permissions: %s", PQresultErrorMessage(res));
		PQclear(res);
		return;
	}
	for (int k = 0; k < M.ncmd; k++) {
		int kc = kcmd_index(M.cmd[k]);
		const char *right = kc >= 0 ? kright[kc] : M.right[k];

		for (int r = 0; r < RT_NROLES; r++)
			for (int t = 0; t < 2; t++)
				for (int s = 0; s < RT_NSEGS; s++) {
					enum rt_outcome want =
					    rights_outcome(res, k, right, r, t, s);

					if (want == M.out[k][r][t][s])
						continue;
					mismatches++;
					ok(0,
					   "seeded rights give %s for %s %s%s @ %s, rights.tsv says %s",
					   rt_outcome_name(want), M.cmd[k], rt_roles[r],
					   t ? " (temporary)" : "", rt_segs[s],
					   rt_outcome_name(M.out[k][r][t][s]));
				}
	}
	PQclear(res);
	if (mismatches == 0)
		ok(1, "the seeded rights (kura.role_segment_permissions) give every outcome of "
		      "rights.tsv");
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
	int k = cmd_index("case.get");

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
				c->want = k >= 0 ? M.out[k][r][t][s] : RT_NONE;
			}
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

/* ============================== fixtures of the side-effect commands
 * ============================== */

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

/* ============================== one command in one cell ============================== */

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

/* Finds the canary case's row in a case.list reply: its customer_name, or NULL (*found
 * false) when absent. */
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

/* Sends command k of the matrix on client c (a cell's session, or a client with another
 * segment's token) with valid arguments. Returns the outcome of its main call; problems
 * beyond the outcome go to why, a canary in any reply sets *leak. */
static int
run_op(struct rt_cell *cell, struct kclient *c, int k, bool *leak, char *why, size_t wsize)
{
	const char *op = M.cmd[k];
	enum rt_outcome want = want_of(k, cell);
	struct proto_reply rep;
	int got;

	if (strcmp(op, "auth.whoami") == 0) {
		got = rt_call(c, &rep, leak, op, NULL);
		/* Temporary staff hold no pii.* right, whatever their role. */
		const msgpack_object *rights = got == 0 ? it_array(rep.data, "rights") : NULL;
		bool temporary = false;
		if (got == 0 &&
		    (!it_bool(rep.data, "temporary", &temporary) || temporary != (cell->temp != 0)))
			why_add(why, wsize, "whoami says temporary is %s",
			        temporary ? "true" : "false");
		for (uint32_t i = 0; rights != NULL && cell->temp && i < rights->via.array.size;
		     i++) {
			const msgpack_object *o = &rights->via.array.ptr[i];
			if (o->type == MSGPACK_OBJECT_STR && o->via.str.size > 4 &&
			    memcmp(o->via.str.ptr, "pii.", 4) == 0)
				why_add(why, wsize, "a temporary user holds %.*s",
				        (int)o->via.str.size, o->via.str.ptr);
		}
	} else if (strcmp(op, "user.list") == 0 || strcmp(op, "session.list") == 0 ||
	           strcmp(op, "export.list") == 0 || strcmp(op, "auth.logout") == 0) {
		got = rt_call(c, &rep, leak, op, NULL);
	} else if (strcmp(op, "case.create") == 0) {
		got = rt_call(c, &rep, leak, op, "{s s s s s [{s s s s}] s s}", "customer_name",
		              "Rights Matrix", "medium", "rights matrix: USB stick", "items",
		              "kind", "medium", "description", "rights matrix item", "notes",
		              "rights matrix: created by the walk");
	} else if (strcmp(op, "case.get") == 0) {
		got = rt_call(c, &rep, leak, op, "{s s}", "receipt", receipt);
		if (got == 0 && (want == RT_ALLOW || want == RT_MASK))
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
		if (got == 0 && (want == RT_ALLOW || want == RT_MASK)) {
			bool found;
			const char *name = list_row(&rep, &found);
			const char *expect = want == RT_MASK ? "***" : c_name;

			if (!found)
				why_add(why, wsize, "the canary case is not listed by receipt");
			else if (name == NULL || strcmp(name, expect) != 0)
				why_add(why, wsize, "customer_name is '%s', expected '%s'",
				        name ? name : "(none)", expect);
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
		              want == RT_ALLOW ? t_throw.login : t_keep.login);
	} else if (strcmp(op, "user.set_role") == 0) {
		got =
		    rt_call(c, &rep, leak, op, "{s s s s}", "user",
		            want == RT_ALLOW ? t_throw.login : t_keep.login, "role", "technician");
	} else if (strcmp(op, "session.kill") == 0) {
		long long id = target_session(want == RT_ALLOW);
		if (id <= 0)
			why_add(why, wsize, "no session of rt-sess to kill");
		got = rt_call(c, &rep, leak, op, "{s i}", "id", (int64_t)id);
	} else if (strcmp(op, "export.request") == 0) {
		got = rt_call(c, &rep, leak, op, "{s [s] s s}", "receipts", receipt, "reason",
		              "rights matrix");
	} else if (strcmp(op, "export.approve") == 0) {
		long long id = want == RT_ALLOW ? pending_export() : keep_pending;
		if (id <= 0)
			why_add(why, wsize, "no export request to approve");
		got = rt_call(c, &rep, leak, op, "{s i}", "id", (int64_t)id);
	} else if (strcmp(op, "export.run") == 0) {
		long long id = approved_export(cell);
		if (id <= 0)
			why_add(why, wsize, "no approved export request to run");
		else if (want != RT_ALLOW && ndenied_runs < 128)
			denied_runs[ndenied_runs++] = id;
		got = rt_call(c, &rep, leak, op, "{s i}", "id", (int64_t)id);
		int64_t rows = -1;
		if (got == 0 && (!it_int(rep.data, "rows", &rows) || rows != 1))
			why_add(why, wsize, "export.run gives %lld rows, expected 1",
			        (long long)rows);
	} else {
		why_add(why, wsize, "the test does not know how to call %s with valid arguments",
		        op);
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
	/* No session, no case: what the server showed of the case reads here. */
	if (k == cmd_index("case.get"))
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

static void
walk(void)
{
	int auth = cmd_index("auth.login"), logout = cmd_index("auth.logout");
	int whoami = cmd_index("auth.whoami");

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

	/* What the refused commands were given is untouched. */
	const char *pk[1] = { t_keep.login };
	char *state = it_db_text(owner,
	                         "SELECT role || CASE WHEN disabled_at IS NULL THEN ' enabled'"
	                         " ELSE ' disabled' END FROM kura.users WHERE login = $1",
	                         1, pk);
	char want_state[64];
	snprintf(want_state, sizeof want_state, "%s enabled", t_keep.role);
	is_str(state, want_state, "refused user.disable/user.set_role left rt-keep as it was");
	free(state);
	char id[24];
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
	check_seeded_rights();
	if (cmd_index("auth.login") < 0 || cmd_index("auth.logout") < 0 ||
	    cmd_index("case.get") < 0)
		tap_bail("rights.tsv lacks auth.login, auth.logout or case.get");

	load_targets();
	setup_cells();
	create_canary();
	keep_pending = pending_export();
	if (keep_pending <= 0)
		tap_bail("cannot make an export request fixture");
	walk();

	struct rt_ctx ctx = { .env = &env,
		              .owner = owner,
		              .cells = cells,
		              .receipt = receipt,
		              .canary_name = c_name,
		              .disabled_id = t_throw.id };
	rt_db_checks(&ctx);
	check_canary_elsewhere();
	PQfinish(owner);
	return tap_done();
}
