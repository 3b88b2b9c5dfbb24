/* Writes the fuzzers' seed corpus: one valid request for every command kurad knows (the
 * names come from `kurad --commands` on standard input), with the arguments its handler
 * reads; commands not described here get a map of the arguments most handlers take.
 *   kurad --commands | corpus_gen DIR
 * writes DIR/dispatch/OP (a mode byte 0, then the request) and DIR/mpcheck/OP. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "mp.h"
#include "proto.h"

#define GEN_TOKEN "5f3c8a1e9b7d2f4a6c0e8b1d3f5a7c9e2b4d6f8a0c1e3b5d7f9a2c4e6b8d0f1a"
#define GEN_RCPT  "2611-00001"
#define GEN_ITEM  "2611-00001-01"
/* Keys and values the handlers of the incident and risk registers read: a superset for
 * each (handlers ignore the keys they do not read). */
#define GEN_GENERIC                                                                                                                              \
	"{s s s i s s s s s s s s s s s i s s s s s s s s s s s s s s s s s i s s s s s s s s s s s i s i s i s i s i s i s i s s s s s s s s}", \
	    "receipt", GEN_RCPT, "id", (int64_t)1, "title", "サーバ室の入室記録に不一致",                                                        \
	    "description", "入室記録と監視カメラの時刻が一致しない。", "severity", "low",                                                        \
	    "status", "open", "name", "NAS", "category", (int64_t)1, "owner", "tanaka", "reason",                                                \
	    "定期見直し", "kind", "case", "q", "RAID", "type", "media", "label", "不正アクセス",                                                 \
	    "label_ja", "不正アクセス", "due", "2026-12-31", "cm", (int64_t)1, "ref", GEN_RCPT,                                                  \
	    "result", "有効", "to", "triaged", "expires", "2027-03-31", "level", "high", "asset",                                                \
	    (int64_t)1, "likelihood", (int64_t)3, "impact", (int64_t)3, "confidentiality",                                                       \
	    (int64_t)3, "integrity", (int64_t)2, "availability", (int64_t)2, "days", (int64_t)90,                                                \
	    "what", "register", "notes", "見直し済み", "threat", "盗難", "vulnerability",                                                        \
	    "施錠なし"

static void
gen_write(const char *dir, const char *sub, const char *op, unsigned char mode,
          const struct proto_writer *w)
{
	char path[1024];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, sub);
	if (mkdir(path, 0755) != 0 && errno != EEXIST) {
		perror(path);
		exit(1);
	}
	snprintf(path, sizeof path, "%s/%s/%s", dir, sub, op);
	if ((f = fopen(path, "wb")) == NULL) {
		perror(path);
		exit(1);
	}
	if (strcmp(sub, "dispatch") == 0)
		fputc(mode, f);
	fwrite(w->buf.data, 1, w->buf.size, f);
	if (fclose(f) != 0) {
		perror(path);
		exit(1);
	}
}

/* Packs the arguments of op. */
static void
gen_args(msgpack_packer *pk, const char *op)
{
	msgpack_sbuffer sb;
	msgpack_packer ipk;
	msgpack_unpacked items;

#define IS(name) (strcmp(op, name) == 0)
	if (IS("auth.login"))
		mp_packf(pk, "{s s s s}", "user", "sato", "password", "Demo-password-1");
	else if (IS("auth.logout") || IS("auth.whoami") || IS("user.list") || IS("session.list") ||
	         IS("export.list") || IS("custody.ledger") || IS("location.list") ||
	         IS("device.list") || IS("device.report") || IS("incident.categories") ||
	         IS("incident.dashboard") || IS("risk.matrix") || IS("control.list"))
		mp_packf(pk, "{}");
	else if (IS("case.create")) {
		msgpack_sbuffer_init(&sb);
		msgpack_packer_init(&ipk, &sb, msgpack_sbuffer_write);
		mp_packf(&ipk, "[{s s s s} {s s s s}]", "kind", "medium", "description",
		         "外付けHDD 本体", "kind", "accessory", "description", "USBケーブル");
		msgpack_unpacked_init(&items);
		(void)msgpack_unpack_next(&items, sb.data, sb.size, NULL);
		mp_packf(pk, "{s s s s s s s s s s s o s s}", "customer_name", "中村 健一", "phone",
		         "090-1234-5678", "email", "k.nakamura@example.jp", "address",
		         "東京都世田谷区桜新町2-14-3", "medium", "外付けHDD 2TB、異音", "items",
		         &items.data, "notes", "家族写真のフォルダを最優先。\n通電は最小限に。");
		msgpack_unpacked_destroy(&items);
		msgpack_sbuffer_destroy(&sb);
	} else if (IS("case.get") || IS("case.sheet") || IS("case.custody") || IS("worklog.list") ||
	           IS("document.list"))
		mp_packf(pk, "{s s}", "receipt", GEN_RCPT);
	else if (IS("case.list"))
		mp_packf(pk, "{s s s s s i s i}", "stage", "analysis", "q", "異音", "after",
		         (int64_t)1000, "limit", (int64_t)50);
	else if (IS("user.disable"))
		mp_packf(pk, "{s s}", "user", "yamamoto");
	else if (IS("user.set_role"))
		mp_packf(pk, "{s s s s}", "user", "yamamoto", "role", "technician");
	else if (IS("session.kill") || IS("export.approve") || IS("export.run"))
		mp_packf(pk, "{s i}", "id", (int64_t)1);
	else if (IS("export.request"))
		mp_packf(pk, "{s [s s] s s}", "receipts", GEN_RCPT, "2611-00002", "reason",
		         "顧客からの開示請求");
	else if (IS("case.stamp"))
		mp_packf(pk, "{s s s s s s s s s s}", "receipt", GEN_RCPT, "verify", GEN_RCPT,
		         "stage", "analysis", "remark", "外装に傷あり", "device", "AN-01");
	else if (IS("case.note"))
		mp_packf(pk, "{s s s s}", "receipt", GEN_RCPT, "body",
		         "お客様へ折り返し連絡済み。");
	else if (IS("case.notes_seen"))
		mp_packf(pk, "{s i}", "upto", (int64_t)10);
	else if (IS("case.queue"))
		mp_packf(pk, "{s s}", "queue", "awaiting-reply");
	else if (IS("case.reply"))
		mp_packf(pk, "{s s s s s s}", "receipt", GEN_RCPT, "decision", "proceed",
		         "fax_date", "2026-11-20");
	else if (IS("case.ship"))
		mp_packf(pk, "{s s s b s s s s}", "receipt", GEN_RCPT, "address_confirmed", 1,
		         "carrier", "ヤマト運輸", "tracking", "1234-5678-9012");
	else if (IS("custody.move"))
		mp_packf(pk, "{s s s s s s}", "label", GEN_ITEM, "to", "backup", "reason",
		         "バックアップ棚へ");
	else if (IS("location.add"))
		mp_packf(pk, "{s s s s s s}", "name", "vault-2", "label", "Vault 2", "label_ja",
		         "金庫2");
	else if (IS("device.add"))
		mp_packf(pk, "{s s s s s s}", "id", "AN-09", "label", "Analysis station 9", "kind",
		         "analysis");
	else if (IS("worklog.add"))
		mp_packf(pk, "{s s s s s i s s}", "receipt", GEN_RCPT, "kind", "logical", "minutes",
		         (int64_t)90, "body", "ファイルシステム解析。");
	else if (IS("document.issue"))
		mp_packf(pk, "{s s s s s s}", "receipt", GEN_RCPT, "kind", "report", "content",
		         "調査報告書\n所見: ヘッド障害。");
	else if (IS("document.approve") || IS("document.get"))
		mp_packf(pk, "{s s s s s i}", "receipt", GEN_RCPT, "kind", "estimate", "version",
		         (int64_t)1);
	else
		mp_packf(pk, GEN_GENERIC);
#undef IS
}

int
main(int argc, char **argv)
{
	char line[256], op[128];
	int n = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: kurad --commands | corpus_gen DIR\n");
		return 2;
	}
	while (fgets(line, sizeof line, stdin) != NULL) {
		struct proto_writer w;
		uint8_t id[PROTO_ID_LEN];

		if (sscanf(line, "%127s", op) != 1)
			continue;
		for (size_t i = 0; i < sizeof id; i++)
			id[i] = (uint8_t)(0x10 + i + (size_t)n);
		proto_writer_init(&w);
		proto_request_begin(&w, id, op, strcmp(op, "auth.login") == 0 ? NULL : GEN_TOKEN);
		gen_args(&w.pk, op);
		gen_write(argv[1], "dispatch", op, 0, &w);
		gen_write(argv[1], "mpcheck", op, 0, &w);
		proto_writer_fini(&w);
		n++;
	}
	printf("wrote %d requests to %s/dispatch and %s/mpcheck\n", n, argv[1], argv[1]);
	return n > 0 ? 0 : 1;
}
