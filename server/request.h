/* What a command handler sees of one request: the caller, the arguments, where to pack the
 * reply; plus the rights and the argument readers that every handler shares. */
#ifndef KURA_REQUEST_H
#define KURA_REQUEST_H

#include <msgpack.h>
#include <stdbool.h>
#include <stdint.h>

#include "conf.h"
#include "db.h"
#include "proto.h"

/* Rights, by their names in kura.permissions (each domain's migration seeds its own). At most
 * 64. */
enum right {
	RIGHT_SESSION_LOGIN,
	RIGHT_CASE_READ,
	RIGHT_CASE_CREATE,
	RIGHT_PII_READ,
	RIGHT_AUDIT_READ,
	RIGHT_USER_ADMIN,
	RIGHT_PII_EXPORT,
	RIGHT_EXPORT_APPROVE,
	RIGHT_RIGHTS_ADMIN,
	/* The case sheet: who stamps which stage, notes, work logs, documents, media. */
	RIGHT_STAMP_INTAKE,
	RIGHT_STAMP_ANALYSIS,
	RIGHT_STAMP_REPORT,
	RIGHT_STAMP_REPLY,
	RIGHT_STAMP_RECOVERY,
	RIGHT_STAMP_SHIPPING,
	RIGHT_STAMP_ERASURE,
	RIGHT_NOTE_WRITE,
	RIGHT_WORKLOG_READ,
	RIGHT_WORKLOG_WRITE,
	RIGHT_DOCUMENT_ISSUE,
	RIGHT_DOCUMENT_APPROVE,
	RIGHT_CUSTODY_MOVE,
	RIGHT_DEVICE_ADMIN,
	/* Security incidents. */
	RIGHT_INCIDENT_REPORT,
	RIGHT_INCIDENT_READ,
	RIGHT_INCIDENT_MANAGE,
	RIGHT_INCIDENT_REVIEW,
	/* The risk register. */
	RIGHT_RISK_READ,
	RIGHT_RISK_MANAGE,
	RIGHT_RISK_ACCEPT,
	RIGHT_COUNT,
	RIGHT_ANY_SESSION = -1, /* in the command table: a valid session is enough */
};
#define RIGHT_BIT(r) (UINT64_C(1) << (r))

const char *right_name(enum right r);
/* Bits of the comma-separated right names in csv (unknown names are ignored). The database
 * (kura.rights_of) already left out what a temporary user may not hold. */
uint64_t rights_parse(const char *csv);
/* Packs the names of the rights in bits as an array. */
void rights_pack(msgpack_packer *pk, uint64_t bits);

struct session {
	bool valid;
	char id[24]; /* decimal, as statement parameters are text */
	char user_id[24];
	char login[64];
	char name[128];
	char role[32];
	bool temporary;
	uint64_t rights;
};

struct request {
	struct db *db;                   /* borrowed: the worker's */
	const struct server_config *cfg; /* borrowed */
	const char *segment;             /* borrowed: the listener's segment */
	const char *events_url;          /* borrowed: the segment's events URL, or NULL */
	const char *peer;                /* borrowed: remote address */
	const struct proto_request *msg; /* borrowed */
	struct session sess;
	char audit_user_id[24]; /* set by auth.login for the audit row when no session yet */
	char object[80];        /* what the audit row names: a receipt number, an id */
	char *pii_cases;        /* owned: text[] of case ids whose personal data the reply holds */
	char *events;           /* owned: the change events of the transaction, one per line */
	msgpack_packer *pk;     /* handlers pack exactly one map here on success */
	const char *errmsg;     /* message of an error reply (NULL: the code's own) */
	char errbuf[200];
};

/* Handlers return 0 after packing their data map, or an enum kura_err having packed nothing.
 * They never check sessions or rights: the dispatcher did. */
typedef int (*command_fn)(struct request *r);
/* Runs after a refused request's rollback, in the refusal's own transaction (with its audit
 * row): for effects that must survive a refusal, such as counting a failed sign-in. Returns 0,
 * or the error of a statement that failed (the refusal is then audited without the effect). */
typedef int (*command_refused_fn)(struct request *r, int err);

/* Records that the reply holds the personal data of case case_id (a decimal id): the
 * dispatcher writes it to kura.pii_reads with the audit row. */
void request_pii_case(struct request *r, const char *case_id);

/* Sets a formatted error message for the reply and returns err. */
int request_fail(struct request *r, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Packs row `row` of res as a map: keys[k] names column k, types[k] its type: 's' string,
 * 'i' integer, 'b' boolean, 'f' number; SQL NULL packs nil. strlen(types) columns. */
void pack_row(msgpack_packer *pk, const PGresult *res, int row, const char *const *keys,
              const char *types);
/* Appends one CSV field (RFC 4180, always quoted) to csv, then a comma, or CRLF when last;
 * a leading = + - @ is defused with ' so that a spreadsheet does not run it as a formula. */
void csv_field(msgpack_sbuffer *csv, const char *v, bool last);

/* Packs every row of res as an array of such maps. */
void pack_rows(msgpack_packer *pk, const PGresult *res, const char *const *keys, const char *types);

/* Reads one-line string argument key. Absent, nil or (when optional) empty gives *out = NULL;
 * required and missing, not a string, holding a line break, or longer than max_chars
 * characters fails with ERR_BAD_REQUEST and a message naming key. *out is owned by the caller. */
int arg_str(struct request *r, const char *key, bool required, size_t max_chars, char **out);
/* The same for multi-line text (line breaks allowed). */
int arg_text(struct request *r, const char *key, bool required, size_t max_chars, char **out);
/* Reads integer argument key into *out: def when absent or nil; outside min..max fails. */
int arg_int(struct request *r, const char *key, int64_t min, int64_t max, int64_t def,
            int64_t *out);

#endif
