/* Fuzz target of kurad's dispatcher and every command handler, up to the database boundary:
 * the real dispatch() with its command table and handlers, the real db.c, and fakepq.c in
 * place of PostgreSQL. An input is one byte for the fake database's behaviour (fakepq.h)
 * followed by the message as a client would send it. Besides "never crash", it checks what
 * a client and an auditor would see: a reply that decodes, with the request's id; no
 * transaction left open; and when the database did not fail, exactly one audit row
 * committed for the request. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "dispatch.h"
#include "err.h"
#include "fakepq.h"
#include "log.h"
#include "mp.h"
#include "proto.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct server_config fuzz_cfg;
static struct listener_config fuzz_listener;
static struct db *fuzz_db;
static bool fuzz_verbose; /* FUZZ_VERBOSE=1: each op and its outcome on stderr */

static void
fuzz_fail(const char *what, const char *op)
{
	fprintf(stderr, "fuzz_dispatch: %s (op %s)\n", what, op != NULL ? op : "?");
	abort();
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	if (sodium_init() < 0)
		abort();
	/* Refusals by the database are logged at error level; keep the fuzzer's output for
	 * what it finds. */
	log_init("fuzz_dispatch", LOG_LEVEL_ERROR);
	fuzz_cfg.conninfo = (char *)"dbname=fake";
	fuzz_cfg.workers = 1;
	fuzz_cfg.session_idle_timeout = 1800;
	fuzz_cfg.session_absolute_timeout = 43200;
	fuzz_cfg.export_approval_ttl = 1800;
	fuzz_cfg.image_retention_days = 5;
	fuzz_cfg.tracking_url_template = (char *)"https://track.example.jp/?no={tracking}";
	fuzz_cfg.max_message = MPCHECK_MAX_SIZE;
	fuzz_cfg.log_level = LOG_LEVEL_ERROR;
	fuzz_listener.segment = (char *)"call-centre";
	fuzz_listener.url = (char *)"tcp://127.0.0.1:7401";
	fuzz_listener.events = (char *)"tcp://127.0.0.1:7403";
	fuzz_db = db_new(fuzz_cfg.conninfo);
	fuzz_verbose = getenv("FUZZ_VERBOSE") != NULL;
	fakepq_reset(0);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct mpcheck_limits lim = MPCHECK_LIMITS_DEFAULT;
	struct proto_writer out, stored;
	struct proto_request req;
	struct proto_reply rep;
	const struct fakepq_stats *st;
	const char *why;
	bool decoded;

	if (fuzz_db == NULL)
		LLVMFuzzerInitialize(NULL, NULL);
	if (size < 1)
		return 0;
	fakepq_reset(data[0]);
	/* What the client sent, as the server will read it: for the checks below, and for the
	 * reply a resend finds stored. */
	decoded = proto_request_decode(&req, data + 1, size - 1, &lim, &why) == 0;
	proto_writer_init(&stored);
	if (decoded) {
		proto_reply_ok_begin(&stored, req.id);
		msgpack_pack_map(&stored.pk, 0);
		fakepq_set_request(req.op, stored.buf.data, stored.buf.size);
	}
	proto_writer_init(&out);
	dispatch(fuzz_db, &fuzz_cfg, data + 1, size - 1, &fuzz_listener, "127.0.0.1:40000", &out);

	st = fakepq_stats();
	if (st->in_transaction)
		fuzz_fail("a transaction left open", req.op);
	if (proto_reply_decode(&rep, out.buf.data, out.buf.size) != 0)
		fuzz_fail("a reply that does not decode", req.op);
	if (req.has_id && (!rep.has_id || memcmp(rep.id, req.id, PROTO_ID_LEN) != 0))
		fuzz_fail("a reply without the request's id", req.op);
	if (!rep.ok && rep.err_msg[0] == '\0')
		fuzz_fail("a refusal without a message", req.op);
	if (st->failed == 0 && st->audits_committed != 1)
		fuzz_fail(st->audits_committed == 0 ? "a request without its audit row"
		                                    : "a request with more than one audit row",
		          req.op);
	if (rep.ok && st->commits == 0)
		fuzz_fail("a success reply without a commit", req.op);
	if (fuzz_verbose)
		fprintf(stderr, "fuzz_dispatch: %s: %s%s%s\n", decoded ? req.op : "(undecodable)",
		        rep.ok ? "ok" : err_code(rep.err), rep.ok ? "" : ": ",
		        rep.ok ? "" : rep.err_msg);
	proto_reply_fini(&rep);
	proto_writer_fini(&out);
	proto_writer_fini(&stored);
	proto_request_fini(&req);
	return 0;
}
