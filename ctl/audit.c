/* kuractl audit verify and audit export. Both read the audit log as the database owner, raw
 * (binary results), and compute the chain in C from the canonical encoding of docs/audit.md,
 * so that nothing stored in the database, not even its functions, is trusted. */
#include "config.h"

#include "audit.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "err.h"
#include "pg.h"
#include "util.h"
#include "xmalloc.h"

#define AUDIT_HASH_LEN     32
#define AUDIT_FETCH        "FETCH 1000 FROM audit_rows"
#define AUDIT_UNSEALED_MAX 300 /* seconds an unsealed row may wait before verify fails */
#define AUDIT_REPORTS_MAX  50
#define AUDIT_SYSLOG_IDENT "kura-audit"
/* PostgreSQL's binary timestamps count microseconds from 2000-01-01 00:00:00 UTC. */
#define AUDIT_PG_EPOCH_UNIX 946684800LL

/* PostgreSQL type OIDs (pg_type.dat), to refuse columns whose binary form we do not know. */
#define OID_BYTEA       17
#define OID_INT8        20
#define OID_TEXT        25
#define OID_TIMESTAMPTZ 1184

/* The columns as the cursor reads them. COL_SEQ to COL_REQUEST_ID, in this order, are the
 * fields of the canonical record; the hashes and the login are not. */
enum audit_col {
	COL_SEQ,
	COL_ID,
	COL_AT,
	COL_USER_ID,
	COL_SESSION_ID,
	COL_SEGMENT,
	COL_PEER,
	COL_OP,
	COL_OBJECT,
	COL_OUTCOME,
	COL_REQUEST_ID,
	COL_PREV_HASH,
	COL_HASH,
	COL_LOGIN,
	COL_COUNT
};
#define AUDIT_RECORD_FIELDS (COL_REQUEST_ID + 1)

static const Oid audit_col_type[COL_COUNT] = {
	[COL_SEQ] = OID_INT8,     [COL_ID] = OID_INT8,          [COL_AT] = OID_TIMESTAMPTZ,
	[COL_USER_ID] = OID_INT8, [COL_SESSION_ID] = OID_INT8,  [COL_SEGMENT] = OID_TEXT,
	[COL_PEER] = OID_TEXT,    [COL_OP] = OID_TEXT,          [COL_OBJECT] = OID_TEXT,
	[COL_OUTCOME] = OID_TEXT, [COL_REQUEST_ID] = OID_BYTEA, [COL_PREV_HASH] = OID_BYTEA,
	[COL_HASH] = OID_BYTEA,   [COL_LOGIN] = OID_TEXT,
};

/* Only fixed text: the one parameter ($1, the --since seq or NULL) travels apart. */
static const char audit_cursor_sql[] =
    "DECLARE audit_rows NO SCROLL CURSOR FOR"
    " SELECT a.seq, a.id, a.at, a.user_id, a.session_id, a.segment, a.peer, a.op, a.object,"
    " a.outcome, a.request_id, a.prev_hash, a.hash, u.login"
    " FROM kura.audit_log a LEFT JOIN kura.users u ON u.id = a.user_id"
    " WHERE a.seq IS NOT NULL AND ($1::bigint IS NULL OR a.seq > $1::bigint)"
    " ORDER BY a.seq, a.id";

/* One column's value in canonical form: numbers as decimal text, at as
 * YYYY-MM-DDTHH:MM:SS.ffffffZ, text as UTF-8, bytea raw. Owned, NUL-terminated. */
struct audit_value {
	char *data;
	size_t len;
	bool null;
};

struct audit_row {
	long long seq;
	long long id;
	struct audit_value v[COL_COUNT];
};

/* The rows of one seq: one, unless rows were inserted out of place. */
struct audit_group {
	long long seq;
	struct audit_row *rows;
	size_t n, cap;
};

/* The cursor over the sealed rows, in chain order, with one row read ahead. */
struct audit_reader {
	PGconn *conn;
	PGresult *res;
	int next, nrows;
	bool end;
	struct audit_row pending;
	bool has_pending;
};

/* ============================== rows ============================== */

static void
audit_row_fini(struct audit_row *row)
{
	for (int c = 0; c < COL_COUNT; c++)
		free(row->v[c].data);
	memset(row, 0, sizeof *row);
}

static void
audit_group_clear(struct audit_group *g)
{
	for (size_t i = 0; i < g->n; i++)
		audit_row_fini(&g->rows[i]);
	g->n = 0;
}

static void
audit_group_fini(struct audit_group *g)
{
	audit_group_clear(g);
	free(g->rows);
	memset(g, 0, sizeof *g);
}

static int64_t
audit_be64(const char *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | (unsigned char)p[i];
	return (int64_t)v;
}

static void
audit_value_set(struct audit_value *v, const char *data, size_t len)
{
	v->data = xmalloc(len + 1);
	memcpy(v->data, data, len);
	v->data[len] = '\0';
	v->len = len;
	v->null = false;
}

/* The canonical text of a timestamptz's binary value, as to_char(at AT TIME ZONE 'UTC',
 * 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') writes it. */
static int
audit_format_at(int64_t us, char *out, size_t size)
{
	int64_t secs = us / 1000000, frac = us % 1000000;
	time_t t;
	struct tm tm;

	if (frac < 0) {
		frac += 1000000;
		secs--;
	}
	t = (time_t)(secs + AUDIT_PG_EPOCH_UNIX);
	if (gmtime_r(&t, &tm) == NULL)
		return -1;
	snprintf(out, size, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", tm.tm_year + 1900, tm.tm_mon + 1,
	         tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)frac);
	return 0;
}

/* Fills row (empty) from row r of a binary result. */
static int
audit_row_read(const PGresult *res, int r, struct audit_row *row)
{
	char text[64];

	for (int c = 0; c < COL_COUNT; c++) {
		const char *p = PQgetvalue(res, r, c);
		size_t len = (size_t)PQgetlength(res, r, c);
		struct audit_value *v = &row->v[c];

		if (PQgetisnull(res, r, c)) {
			v->null = true;
			continue;
		}
		switch (audit_col_type[c]) {
		case OID_INT8:
			if (len != 8)
				return ERR_INTERNAL;
			snprintf(text, sizeof text, "%" PRId64, audit_be64(p));
			audit_value_set(v, text, strlen(text));
			break;
		case OID_TIMESTAMPTZ:
			if (len != 8 || audit_format_at(audit_be64(p), text, sizeof text) != 0)
				return ERR_INTERNAL;
			audit_value_set(v, text, strlen(text));
			break;
		default:
			audit_value_set(v, p, len);
			break;
		}
	}
	row->seq = strtoll(row->v[COL_SEQ].data, NULL, 10);
	row->id = strtoll(row->v[COL_ID].data, NULL, 10);
	return 0;
}

/* hash = SHA-256(prev_hash || record), record = each field as a 4-byte big-endian length
 * and its bytes, or ffffffff for NULL. prev: the row's stored prev_hash. */
static void
audit_row_hash(const struct audit_row *row, const unsigned char *prev,
               unsigned char out[AUDIT_HASH_LEN])
{
	crypto_hash_sha256_state st;

	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, prev, AUDIT_HASH_LEN);
	for (int c = 0; c < AUDIT_RECORD_FIELDS; c++) {
		const struct audit_value *v = &row->v[c];
		uint32_t len = v->null ? 0xffffffffu : (uint32_t)v->len;
		unsigned char be[4] = { len >> 24, len >> 16, len >> 8, len };

		crypto_hash_sha256_update(&st, be, sizeof be);
		if (!v->null)
			crypto_hash_sha256_update(&st, (const unsigned char *)v->data, v->len);
	}
	crypto_hash_sha256_final(&st, out);
}

static bool
audit_is_hash(const struct audit_value *v)
{
	return !v->null && v->len == AUDIT_HASH_LEN;
}

/* Whether the row's stored hash is the hash of its own fields and stored prev_hash. */
static bool
audit_row_intact(const struct audit_row *row)
{
	unsigned char h[AUDIT_HASH_LEN];

	if (!audit_is_hash(&row->v[COL_PREV_HASH]) || !audit_is_hash(&row->v[COL_HASH]))
		return false;
	audit_row_hash(row, (const unsigned char *)row->v[COL_PREV_HASH].data, h);
	return sodium_memcmp(h, row->v[COL_HASH].data, AUDIT_HASH_LEN) == 0;
}

/* Whether v holds the 32 bytes of hash. */
static bool
audit_hash_eq(const struct audit_value *v, const unsigned char *hash)
{
	return audit_is_hash(v) && memcmp(v->data, hash, AUDIT_HASH_LEN) == 0;
}

/* ============================== reading ============================== */

/* Opens a read-only snapshot and the cursor over the sealed rows after since (NULL: all). */
static int
audit_reader_open(struct audit_reader *rd, PGconn *conn, const char *since)
{
	const char *params[1] = { since };
	PGresult *res;
	int rc;

	memset(rd, 0, sizeof *rd);
	rd->conn = conn;
	/* Text arrives as UTF-8 whatever the database's encoding: the record's bytes. */
	if (PQsetClientEncoding(conn, "UTF8") != 0) {
		ctl_warnx("cannot read the audit log as UTF-8: %s", PQerrorMessage(conn));
		return ERR_INTERNAL;
	}
	rc = pg_exec(conn, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
	             "starting a transaction");
	if (rc != 0)
		return rc;
	res = PQexecParams(conn, audit_cursor_sql, 1, NULL, params, NULL, NULL, 1);
	rc = pg_check(conn, res, PGRES_COMMAND_OK, "reading the audit log");
	PQclear(res);
	if (rc != 0)
		return rc;
	res = PQprepare(conn, "audit_fetch", AUDIT_FETCH, 0, NULL);
	rc = pg_check(conn, res, PGRES_COMMAND_OK, "reading the audit log");
	PQclear(res);
	return rc;
}

static void
audit_reader_close(struct audit_reader *rd)
{
	PQclear(rd->res);
	rd->res = NULL;
	if (rd->has_pending)
		audit_row_fini(&rd->pending);
	rd->has_pending = false;
	if (rd->conn != NULL && PQtransactionStatus(rd->conn) != PQTRANS_IDLE)
		(void)pg_exec(rd->conn, "ROLLBACK", NULL);
}

/* Reads the next row into row (empty). Returns 1, 0 at the end, or an error (reported). */
static int
audit_reader_next(struct audit_reader *rd, struct audit_row *row)
{
	int rc;

	if (rd->has_pending) {
		*row = rd->pending;
		memset(&rd->pending, 0, sizeof rd->pending);
		rd->has_pending = false;
		return 1;
	}
	if (rd->res == NULL || rd->next == rd->nrows) {
		if (rd->end)
			return 0;
		PQclear(rd->res);
		rd->res = PQexecPrepared(rd->conn, "audit_fetch", 0, NULL, NULL, NULL, 1);
		rc = pg_check(rd->conn, rd->res, PGRES_TUPLES_OK, "reading the audit log");
		if (rc != 0)
			return rc;
		if (PQnfields(rd->res) != COL_COUNT) {
			ctl_warnx("the audit log has unexpected columns");
			return ERR_INTERNAL;
		}
		for (int c = 0; c < COL_COUNT; c++) {
			if (PQftype(rd->res, c) != audit_col_type[c]) {
				ctl_warnx("the audit log's column %s has an unexpected type",
				          PQfname(rd->res, c));
				return ERR_INTERNAL;
			}
		}
		rd->next = 0;
		rd->nrows = PQntuples(rd->res);
		if (rd->nrows == 0) {
			rd->end = true;
			return 0;
		}
	}
	rc = audit_row_read(rd->res, rd->next++, row);
	if (rc != 0) {
		audit_row_fini(row);
		ctl_warnx("the audit log holds a value that cannot be read");
	}
	return rc == 0 ? 1 : rc;
}

/* Reads all the rows of the next seq into g (cleared first). Returns 1, 0 at the end, or an
 * error (reported). */
static int
audit_group_read(struct audit_reader *rd, struct audit_group *g)
{
	struct audit_row row;
	int rc;

	audit_group_clear(g);
	for (;;) {
		memset(&row, 0, sizeof row);
		rc = audit_reader_next(rd, &row);
		if (rc <= 0)
			return rc < 0 ? rc : g->n > 0;
		if (g->n > 0 && row.seq != g->seq) {
			rd->pending = row;
			rd->has_pending = true;
			return 1;
		}
		if (g->n == g->cap)
			g->rows =
			    xrealloc(g->rows, (g->cap = g->cap ? g->cap * 2 : 4) * sizeof *g->rows);
		g->rows[g->n++] = row;
		g->seq = row.seq;
	}
}

/* ============================== verify ============================== */

struct verify {
	FILE *out;
	int problems;
	unsigned char prev[AUDIT_HASH_LEN]; /* the hash the next seq must link to */
	bool linked;                        /* false after a gap: the next row sets prev */
	long long prev_id, expect;
};

static void __attribute__((format(printf, 2, 3)))
verify_report(struct verify *vf, const char *fmt, ...)
{
	va_list ap;

	if (vf->problems++ >= AUDIT_REPORTS_MAX) {
		if (vf->problems == AUDIT_REPORTS_MAX + 1)
			fprintf(vf->out, "(more problems not shown)\n");
		return;
	}
	va_start(ap, fmt);
	vfprintf(vf->out, fmt, ap);
	va_end(ap);
	fputc('\n', vf->out);
}

static bool
verify_links(const struct verify *vf, const struct audit_row *row)
{
	return !vf->linked || audit_hash_eq(&row->v[COL_PREV_HASH], vf->prev);
}

/* Whether a row of the next seq links to row. */
static bool
verify_followed(const struct audit_group *next, const struct audit_row *row)
{
	if (!audit_is_hash(&row->v[COL_HASH]))
		return false;
	for (size_t i = 0; i < next->n; i++)
		if (audit_hash_eq(&next->rows[i].v[COL_PREV_HASH],
		                  (const unsigned char *)row->v[COL_HASH].data))
			return true;
	return false;
}

/* Of the rows of one seq, the one that belongs to the chain: intact, linked to the previous
 * one and linked to by the next, as far as each can be told. */
static size_t
verify_choose(const struct verify *vf, const struct audit_group *g, const struct audit_group *next)
{
	size_t best = 0;
	int best_score = -1;

	for (size_t i = 0; i < g->n; i++) {
		const struct audit_row *r = &g->rows[i];
		int score =
		    (audit_row_intact(r) && verify_links(vf, r)) * 2 + verify_followed(next, r);

		if (score > best_score) {
			best = i;
			best_score = score;
		}
	}
	return best;
}

/* Checks the rows of one seq and moves the chain on to them. */
static void
verify_group(struct verify *vf, const struct audit_group *g, const struct audit_group *next)
{
	const struct audit_row *row;
	size_t chosen;

	if (g->seq < 1) {
		for (size_t i = 0; i < g->n; i++)
			verify_report(vf,
			              "row id %lld: inserted out of place (seq %lld is no place "
			              "in the chain)",
			              g->rows[i].id, g->seq);
		return;
	}
	if (g->seq > vf->expect) {
		if (g->seq == vf->expect + 1)
			verify_report(vf, "seq %lld missing: row removed", vf->expect);
		else
			verify_report(vf, "seq %lld to %lld missing: rows removed", vf->expect,
			              g->seq - 1);
		vf->linked = false;
	}
	chosen = verify_choose(vf, g, next);
	row = &g->rows[chosen];
	if (!audit_is_hash(&row->v[COL_HASH]) || !audit_is_hash(&row->v[COL_PREV_HASH]))
		verify_report(vf,
		              "row id %lld (seq %lld): altered (its chain columns were "
		              "cleared)",
		              row->id, row->seq);
	else if (!audit_row_intact(row))
		verify_report(vf, "row id %lld (seq %lld): altered", row->id, row->seq);
	else if (!verify_links(vf, row) && row->seq == 1)
		verify_report(vf,
		              "row id %lld (seq 1): altered (the chain does not start from "
		              "zero)",
		              row->id);
	else if (!verify_links(vf, row))
		/* Intact but not what the previous row's hash says: that row was changed and
		 * given a new hash (or this one put in its place). */
		verify_report(vf,
		              "row id %lld (seq %lld): altered (its hash was recomputed: "
		              "seq %lld does not link to it)",
		              vf->prev_id, row->seq - 1, row->seq);
	for (size_t i = 0; i < g->n; i++)
		if (i != chosen)
			verify_report(vf,
			              "row id %lld: inserted out of place (seq %lld is row id "
			              "%lld's)",
			              g->rows[i].id, g->seq, row->id);
	if (audit_is_hash(&row->v[COL_HASH])) {
		memcpy(vf->prev, row->v[COL_HASH].data, AUDIT_HASH_LEN);
		vf->linked = true;
	} else {
		vf->linked = false;
	}
	vf->prev_id = row->id;
	vf->expect = g->seq + 1;
}

/* Rows outside the chain: chain columns without a seq, and rows left unsealed too long. */
static int
verify_unsealed(struct verify *vf, PGconn *conn, long unsealed_max, long long *unsealed,
                long long *oldest_s)
{
	char max[24];
	const char *params[1] = { max };
	PGresult *res;
	int rc;

	res = PQexecParams(conn,
	                   "SELECT id FROM kura.audit_log WHERE seq IS NULL"
	                   " AND (prev_hash IS NOT NULL OR hash IS NOT NULL) ORDER BY id",
	                   0, NULL, NULL, NULL, NULL, 0);
	rc = pg_check(conn, res, PGRES_TUPLES_OK, "reading the audit log");
	if (rc != 0)
		goto out;
	for (int i = 0; i < PQntuples(res); i++)
		verify_report(vf, "row id %s: inserted out of place (a hash but no seq)",
		              PQgetvalue(res, i, 0));
	PQclear(res);
	snprintf(max, sizeof max, "%ld", unsealed_max);
	res = PQexecParams(conn,
	                   "SELECT count(*),"
	                   " coalesce(floor(extract(epoch FROM now() - min(at))), 0)::bigint,"
	                   " (SELECT min(id) FROM kura.audit_log WHERE seq IS NULL"
	                   "  AND at < now() - make_interval(secs => $1::int)),"
	                   " count(*) FILTER (WHERE at < now() - make_interval(secs => $1::int))"
	                   " FROM kura.audit_log WHERE seq IS NULL",
	                   1, NULL, params, NULL, NULL, 0);
	rc = pg_check(conn, res, PGRES_TUPLES_OK, "reading the audit log");
	if (rc != 0)
		goto out;
	*unsealed = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	*oldest_s = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
	if (!PQgetisnull(res, 0, 2))
		verify_report(vf,
		              "row id %s: unsealed for more than %ld s (%s such rows): is a "
		              "kurad running? Its sealer chains rows within a second",
		              PQgetvalue(res, 0, 2), unsealed_max, PQgetvalue(res, 0, 3));
out:
	PQclear(res);
	return rc;
}

static int
audit_verify_exec(const struct ctl_cmd *self, struct ctl *ctl, int argc, char **argv)
{
	enum { OPT_UNSEALED = 0x200 };
	static const struct option opts[] = { CTL_LONGOPT_HELP,
		                              CTL_LONGOPT_DIR,
		                              CTL_LONGOPT_DB,
		                              { "unsealed-max", required_argument, NULL,
		                                OPT_UNSEALED },
		                              CTL_LONGOPT_END };
	struct audit_group cur = { 0 }, next = { 0 }, swap;
	struct audit_reader rd = { 0 };
	struct verify vf = { .out = ctl->out, .linked = true, .expect = 1 };
	PGconn *conn = NULL;
	long unsealed_max = AUDIT_UNSEALED_MAX;
	long long sealed = 0, last = 0, unsealed = 0, oldest = 0;
	char last_hash[2 * AUDIT_HASH_LEN + 1] = "";
	char *end;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		rc = ctl_opt_common(self, ctl, opt, argv);
		if (rc == CTL_OPT_NEXT)
			continue;
		if (rc != CTL_OPT_OWN)
			return rc;
		errno = 0;
		unsealed_max = strtol(optarg, &end, 10);
		if (end == optarg || *end != '\0' || errno != 0 || unsealed_max < 1 ||
		    unsealed_max > 86400 * 365)
			return ctl_usage_error(self, "--unsealed-max wants seconds, at least 1");
	}
	if (optind < argc)
		return ctl_usage_error(self, "unexpected argument '%s'", argv[optind]);
	rc = pg_open_owner(ctl, &conn);
	if (rc != 0)
		goto out;
	rc = audit_reader_open(&rd, conn, NULL);
	if (rc != 0)
		goto out;
	rc = audit_group_read(&rd, &cur);
	while (rc > 0) {
		rc = audit_group_read(&rd, &next);
		if (rc < 0)
			break;
		verify_group(&vf, &cur, &next);
		if (cur.seq >= 1) {
			sealed += (long long)cur.n;
			last = cur.seq;
		}
		swap = cur;
		cur = next;
		next = swap;
		rc = cur.n > 0;
	}
	if (rc < 0)
		goto out;
	sodium_bin2hex(last_hash, sizeof last_hash, vf.prev, AUDIT_HASH_LEN);
	rc = verify_unsealed(&vf, conn, unsealed_max, &unsealed, &oldest);
	if (rc != 0)
		goto out;
	if (vf.problems > 0) {
		fprintf(ctl->out,
		        "the audit log fails verification: %d problem%s, the first one first\n",
		        vf.problems, vf.problems == 1 ? "" : "s");
		rc = ERR_CONFLICT;
	} else if (sealed == 0) {
		fprintf(ctl->out, "the audit chain is intact: no row sealed yet; %lld unsealed\n",
		        unsealed);
	} else {
		fprintf(ctl->out,
		        "the audit chain is intact: %lld rows, seq 1 to %lld, last hash %s; "
		        "%lld unsealed",
		        sealed, last, last_hash, unsealed);
		if (unsealed > 0)
			fprintf(ctl->out, " (the oldest %lld s old)", oldest);
		fputc('\n', ctl->out);
	}
out:
	audit_reader_close(&rd);
	audit_group_fini(&cur);
	audit_group_fini(&next);
	PQfinish(conn);
	return rc == 0 ? CTL_EXIT_OK : CTL_EXIT_FAIL;
}

/* ============================== export ============================== */

struct audit_buf {
	char *data;
	size_t len, cap;
};

static void
buf_add(struct audit_buf *b, const char *s, size_t len)
{
	if (b->len + len + 1 > b->cap) {
		while (b->len + len + 1 > b->cap)
			b->cap = b->cap ? b->cap * 2 : 512;
		b->data = xrealloc(b->data, b->cap);
	}
	memcpy(b->data + b->len, s, len);
	b->len += len;
	b->data[b->len] = '\0';
}

static void
buf_str(struct audit_buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

/* A JSON string: quotes, backslashes and control characters escaped; UTF-8 as it is (the
 * reader asked for UTF-8, which PostgreSQL guarantees valid). */
static void
buf_json_str(struct audit_buf *b, const char *s, size_t len)
{
	char esc[8];

	buf_add(b, "\"", 1);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		switch (c) {
		case '"':
			buf_add(b, "\\\"", 2);
			break;
		case '\\':
			buf_add(b, "\\\\", 2);
			break;
		case '\n':
			buf_add(b, "\\n", 2);
			break;
		case '\r':
			buf_add(b, "\\r", 2);
			break;
		case '\t':
			buf_add(b, "\\t", 2);
			break;
		default:
			if (c < 0x20 || c == 0x7f) {
				snprintf(esc, sizeof esc, "\\u%04x", c);
				buf_add(b, esc, 6);
			} else {
				buf_add(b, (const char *)&s[i], 1);
			}
		}
	}
	buf_add(b, "\"", 1);
}

/* One row as one line of JSON (docs/audit.md lists the keys). */
static void
audit_row_json(const struct audit_row *row, struct audit_buf *b)
{
	static const struct {
		const char *key;
		enum audit_col col;
	} keys[] = {
		{ "seq", COL_SEQ },
		{ "id", COL_ID },
		{ "at", COL_AT },
		{ "user_id", COL_USER_ID },
		{ "user", COL_LOGIN },
		{ "session", COL_SESSION_ID },
		{ "segment", COL_SEGMENT },
		{ "peer", COL_PEER },
		{ "op", COL_OP },
		{ "object", COL_OBJECT },
		{ "outcome", COL_OUTCOME },
		{ "request_id", COL_REQUEST_ID },
		{ "prev_hash", COL_PREV_HASH },
		{ "hash", COL_HASH },
	};

	b->len = 0;
	buf_add(b, "{", 1);
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		const struct audit_value *v = &row->v[keys[i].col];

		if (i > 0)
			buf_add(b, ",", 1);
		buf_json_str(b, keys[i].key, strlen(keys[i].key));
		buf_add(b, ":", 1);
		if (v->null) {
			buf_str(b, "null");
		} else if (audit_col_type[keys[i].col] == OID_INT8) {
			buf_add(b, v->data, v->len); /* decimal digits from audit_row_read */
		} else if (audit_col_type[keys[i].col] == OID_BYTEA) {
			char *hex = xmalloc(2 * v->len + 1);

			sodium_bin2hex(hex, 2 * v->len + 1, (const unsigned char *)v->data, v->len);
			buf_json_str(b, hex, 2 * v->len);
			free(hex);
		} else {
			buf_json_str(b, v->data, v->len);
		}
	}
	buf_add(b, "}", 1);
}

static int
audit_export_exec(const struct ctl_cmd *self, struct ctl *ctl, int argc, char **argv)
{
	enum { OPT_SINCE = 0x200, OPT_SYSLOG };
	static const struct option opts[] = { CTL_LONGOPT_HELP,
		                              CTL_LONGOPT_DIR,
		                              CTL_LONGOPT_DB,
		                              { "since", required_argument, NULL, OPT_SINCE },
		                              { "syslog", no_argument, NULL, OPT_SYSLOG },
		                              CTL_LONGOPT_END };
	struct audit_reader rd = { 0 };
	struct audit_buf line = { 0 };
	struct audit_row row;
	const char *since = NULL;
	bool to_syslog = false;
	long long count = 0, first = 0, last = 0;
	PGconn *conn = NULL;
	char *end;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		rc = ctl_opt_common(self, ctl, opt, argv);
		if (rc == CTL_OPT_NEXT)
			continue;
		if (rc != CTL_OPT_OWN)
			return rc;
		if (opt == OPT_SYSLOG) {
			to_syslog = true;
			continue;
		}
		errno = 0;
		(void)strtoll(optarg, &end, 10);
		if (end == optarg || *end != '\0' || errno != 0 || optarg[0] == '-')
			return ctl_usage_error(self, "--since wants a seq, 0 or more");
		since = optarg;
	}
	if (optind < argc)
		return ctl_usage_error(self, "unexpected argument '%s'", argv[optind]);
	rc = pg_open_owner(ctl, &conn);
	if (rc != 0)
		goto out;
	rc = audit_reader_open(&rd, conn, since);
	if (rc != 0)
		goto out;
	if (to_syslog)
		openlog(AUDIT_SYSLOG_IDENT, LOG_NDELAY, LOG_AUTHPRIV);
	for (;;) {
		memset(&row, 0, sizeof row);
		rc = audit_reader_next(&rd, &row);
		if (rc <= 0)
			break;
		audit_row_json(&row, &line);
		if (to_syslog) {
			syslog(LOG_AUTHPRIV | LOG_INFO, "%s", line.data);
		} else if (fputs(line.data, stdout) == EOF || fputc('\n', stdout) == EOF) {
			ctl_warn("cannot write the export");
			rc = ERR_INTERNAL;
		}
		if (count++ == 0)
			first = row.seq;
		last = row.seq;
		audit_row_fini(&row);
		if (rc < 0)
			break;
	}
	if (to_syslog)
		closelog();
	if (rc == 0 && fflush(stdout) != 0) {
		ctl_warn("cannot write the export");
		rc = ERR_INTERNAL;
	}
	if (rc != 0)
		goto out;
	/* On stderr, so that stdout holds only rows; the last seq is the next --since. */
	if (count > 0)
		fprintf(stderr, "exported %lld rows%s: seq %lld to %lld\n", count,
		        to_syslog ? " to syslog" : "", first, last);
	else
		fprintf(stderr, "no sealed rows%s%s to export\n", since ? " after seq " : "",
		        since ? since : "");
out:
	audit_reader_close(&rd);
	free(line.data);
	PQfinish(conn);
	return rc == 0 ? CTL_EXIT_OK : CTL_EXIT_FAIL;
}

/* ============================== commands ============================== */

const struct ctl_cmd ctl_cmd_audit_verify = {
	.group = "audit",
	.name = "verify",
	.usage = "[--unsealed-max SECONDS] [--dir DIR | --db CONNINFO]",
	.summary = "Check the audit log's hash chain and name the first bad row.",
	.help = "Reads every sealed row in chain order (seq) and recomputes its SHA-256 from\n"
	        "its own fields (docs/audit.md), checks that seq has no gaps and that each row\n"
	        "links to the hash of the one before. Then checks that no row has waited\n"
	        "unsealed longer than --unsealed-max seconds (default 300): kurad's sealer chains\n"
	        "rows within a second of their commit. Each problem is one line, the first\n"
	        "first:\n"
	        "  row id N (seq S): altered\n"
	        "  seq S missing: row removed\n"
	        "  row id N: inserted out of place\n"
	        "Exit status 0 when the chain is intact, 1 when not (or on error).\n\n"
	        "Rows removed from the end of the chain leave no gap: compare the last hash\n"
	        "shown with the one last exported to the separate log store (audit export).\n\n"
	        "  --unsealed-max SECONDS  how long a row may wait unsealed (default 300)\n"
	        "  --dir DIR               the kura directory of an embedded cluster "
	        "(default " CTL_DEFAULT_DIR ")\n"
	        "  --db CONNINFO           a database of your own, as its owner\n",
	.exec = audit_verify_exec,
};

const struct ctl_cmd ctl_cmd_audit_export = {
	.group = "audit",
	.name = "export",
	.usage = "[--since SEQ] [--syslog] [--dir DIR | --db CONNINFO]",
	.summary = "Write the sealed audit rows as JSON lines, to stdout or to syslog.",
	.help =
	    "One JSON object a line, in chain order: seq, id, at (UTC), user_id, user\n"
	    "(login), session, segment, peer, op, object, outcome, request_id, prev_hash and\n"
	    "hash (hex). The chain can be recomputed from them (docs/audit.md). Only sealed\n"
	    "rows: the others follow in a later export. A summary with the last seq goes to\n"
	    "stderr: pass it as --since next time.\n\n"
	    "  --since SEQ    only the rows after seq SEQ\n"
	    "  --syslog       to syslog(3) as kura-audit, facility authpriv, level info,\n"
	    "                 instead of stdout\n"
	    "  --dir DIR      the kura directory of an embedded cluster (default " CTL_DEFAULT_DIR
	    ")\n"
	    "  --db CONNINFO  a database of your own, as its owner\n",
	.exec = audit_export_exec,
};
