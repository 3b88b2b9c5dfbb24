/* kuractl demo seed: fills a kura database with N fictitious but realistic cases at once, for
 * benchmarks and for trying the client on a large centre: Japanese customers, received items,
 * notes, the stages reached, stored replies and a sealed audit history. Everything goes in
 * with COPY in one transaction: all of it or nothing. */
#include "config.h"

#include <inttypes.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl.h"
#include "err.h"
#include "mp.h"
#include "pg.h"
#include "proto.h"
#include "util.h"
#include "xmalloc.h"

#define SEED_CASES_MAX  10000000L
#define SEED_PER_MONTH  25000 /* cases a month at most: receipts keep five digits */
#define SEED_MONTHS_MIN 36
#define SEED_USERS_MAX  16
#define SEED_ITEMS_MAX  4
#define SEED_NOTES_MAX  3

#define SEED_COPY_FLUSH    (1u << 20)
#define SEED_DROP_INDEXES  10000 /* from this many cases on, secondary indexes are rebuilt */
#define SEED_SEALER_LOCK   "7743220896938615150" /* kura.audit_seal()'s lock: 'kurachan' */
#define SEED_US_PER_DAY    (86400LL * 1000000LL)
#define SEED_US_PER_MINUTE (60LL * 1000000LL)

/* ============================== the fictitious world ============================== */

/* Every name, number and address is made up; e-mail domains are the reserved example ones. */
static const struct {
	const char *kanji, *romaji;
} seed_family[] = {
	{ "佐藤", "sato" },     { "鈴木", "suzuki" },    { "高橋", "takahashi" },
	{ "田中", "tanaka" },   { "伊藤", "ito" },       { "渡辺", "watanabe" },
	{ "山本", "yamamoto" }, { "中村", "nakamura" },  { "小林", "kobayashi" },
	{ "加藤", "kato" },     { "吉田", "yoshida" },   { "山田", "yamada" },
	{ "佐々木", "sasaki" }, { "山口", "yamaguchi" }, { "松本", "matsumoto" },
	{ "井上", "inoue" },    { "木村", "kimura" },    { "林", "hayashi" },
	{ "斎藤", "saito" },    { "清水", "shimizu" },   { "山崎", "yamazaki" },
	{ "森", "mori" },       { "池田", "ikeda" },     { "橋本", "hashimoto" },
	{ "阿部", "abe" },      { "石川", "ishikawa" },  { "山下", "yamashita" },
	{ "中島", "nakajima" }, { "石井", "ishii" },     { "小川", "ogawa" },
	{ "前田", "maeda" },    { "岡田", "okada" },     { "長谷川", "hasegawa" },
	{ "藤田", "fujita" },   { "後藤", "goto" },      { "近藤", "kondo" },
	{ "村上", "murakami" }, { "遠藤", "endo" },      { "青木", "aoki" },
	{ "坂本", "sakamoto" },
};

static const struct {
	const char *kanji, *romaji;
} seed_given[] = {
	{ "翔太", "shota" },    { "蓮", "ren" },        { "大翔", "hiroto" },
	{ "健太", "kenta" },    { "拓也", "takuya" },   { "直樹", "naoki" },
	{ "誠", "makoto" },     { "大輔", "daisuke" },  { "亮", "ryo" },
	{ "隆", "takashi" },    { "修", "osamu" },      { "陽介", "yosuke" },
	{ "健一", "kenichi" },  { "浩", "hiroshi" },    { "学", "manabu" },
	{ "美咲", "misaki" },   { "陽菜", "hina" },     { "結衣", "yui" },
	{ "さくら", "sakura" }, { "由美子", "yumiko" }, { "花子", "hanako" },
	{ "恵", "megumi" },     { "真理", "mari" },     { "直美", "naomi" },
	{ "由紀", "yuki" },     { "あゆみ", "ayumi" },  { "愛", "ai" },
	{ "舞", "mai" },        { "彩", "aya" },        { "千尋", "chihiro" },
};

static const char *const seed_company_kind[] = { "株式会社", "有限会社", "医療法人", "学校法人",
	                                         "合同会社" };
static const struct {
	const char *name, *domain;
} seed_company[] = {
	{ "みなと設計", "minato-sekkei" }, { "北斗物流", "hokuto-logi" },
	{ "青空商事", "aozora-shoji" },    { "東西印刷", "tozai-print" },
	{ "さくら電機", "sakura-denki" },  { "富士見建設", "fujimi-kensetsu" },
	{ "光テクノ", "hikari-techno" },   { "日の出食品", "hinode-foods" },
	{ "青葉会", "aoba-kai" },          { "若葉学園", "wakaba-gakuen" },
};
static const char *const seed_department[] = { "総務部", "情報システム課", "経理部",
	                                       "営業部", "事務局",         "設計部" };

static const struct {
	const char *city, *area; /* the area code of a landline there */
	const char *town[2];
} seed_city[] = {
	{ "東京都世田谷区", "03", { "桜新町", "三軒茶屋" } },
	{ "東京都港区", "03", { "芝浦", "六本木" } },
	{ "大阪府大阪市北区", "06", { "梅田", "天満" } },
	{ "福岡県福岡市中央区", "092", { "天神", "大名" } },
	{ "神奈川県横浜市中区", "045", { "本町", "元町" } },
	{ "愛知県名古屋市中村区", "052", { "名駅", "則武" } },
	{ "北海道札幌市中央区", "011", { "大通西", "南一条西" } },
	{ "宮城県仙台市青葉区", "022", { "一番町", "国分町" } },
	{ "京都府京都市下京区", "075", { "四条通烏丸東入ル長刀鉾町", "烏丸通七条下ル東塩小路町" } },
	{ "広島県広島市中区", "082", { "紙屋町", "八丁堀" } },
	{ "沖縄県那覇市", "098", { "久茂地", "松山" } },
	{ "埼玉県さいたま市大宮区", "048", { "桜木町", "宮町" } },
	{ "千葉県千葉市中央区", "043", { "富士見", "中央" } },
	{ "兵庫県神戸市中央区", "078", { "三宮町", "元町通" } },
	{ "静岡県静岡市葵区", "054", { "紺屋町", "呉服町" } },
	{ "新潟県新潟市中央区", "025", { "万代", "古町通" } },
};
static const char *const seed_building[] = {
	"", "", "", " みなとビル5F", " 梅田レジデンス1203", " 第二中央ビル3F", " コーポ桜201"
};

/* Symptoms, and which media can have them. */
enum seed_symptom_bits {
	SYM_NOISE = 1 << 0,     /* 異音: spinning disks */
	SYM_UNSEEN = 1 << 1,    /* 認識しない */
	SYM_NO_BOOT = 1 << 2,   /* 起動不可: computers */
	SYM_WATER = 1 << 3,     /* 水濡れ */
	SYM_DROP = 1 << 4,      /* 落下後に認識不可 */
	SYM_FORMAT = 1 << 5,    /* 誤フォーマット */
	SYM_DELETE = 1 << 6,    /* 誤削除 */
	SYM_CONNECTOR = 1 << 7, /* コネクタ折損: sticks and cards */
	SYM_FIRMWARE = 1 << 8,  /* ファームウェア障害: SSDs and disks */
	SYM_RAID = 1 << 9,      /* RAID崩壊 */
	SYM_RANSOM = 1 << 10,   /* ランサムウェア被害 */
	SYM_READ = 1 << 11,     /* 読み取りエラー */
};
static const char *const seed_symptom[] = { "異音",     "認識しない",         "起動不可",
	                                    "水濡れ",   "落下後に認識不可",   "誤フォーマット",
	                                    "誤削除",   "コネクタ折損",       "ファームウェア障害",
	                                    "RAID崩壊", "ランサムウェア被害", "読み取りエラー" };
#define SYM_ANY  (SYM_UNSEEN | SYM_WATER | SYM_FORMAT | SYM_DELETE | SYM_READ)
#define SYM_DISK (SYM_ANY | SYM_NOISE | SYM_DROP | SYM_FIRMWARE)
#define SYM_PC   (SYM_ANY | SYM_NO_BOOT | SYM_DROP | SYM_RANSOM | SYM_FIRMWARE)
#define SYM_CARD (SYM_ANY | SYM_CONNECTOR)
#define SYM_NAS  (SYM_UNSEEN | SYM_NOISE | SYM_RAID | SYM_RANSOM | SYM_DELETE | SYM_FORMAT)

static const struct {
	const char *medium, *item;
	unsigned symptoms;
} seed_medium[] = {
	{ "外付けHDD 2TB (USB 3.0)", "外付けHDD 本体", SYM_DISK },
	{ "外付けHDD 4TB", "外付けHDD 本体", SYM_DISK },
	{ "ノートPC 内蔵SSD 512GB", "ノートPC 本体", SYM_PC },
	{ "デスクトップPC用HDD 1TB", "HDD 1TB (PCから取り外し済み)", SYM_DISK | SYM_RANSOM },
	{ "NAS 4ベイ (RAID5)", "NAS 本体", SYM_NAS },
	{ "NAS 2ベイ (RAID1)", "NAS 本体", SYM_NAS },
	{ "microSDカード 128GB", "microSDカード", SYM_CARD },
	{ "SDカード 64GB", "SDカード", SYM_CARD },
	{ "USBメモリ 64GB", "USBメモリ", SYM_CARD },
	{ "サーバ用SAS HDD 600GB ×2 (RAID1)", "SAS HDD 600GB ×2", SYM_NAS | SYM_READ },
	{ "LTO-6 テープ 3本", "LTO-6 テープ", SYM_READ | SYM_WATER | SYM_FORMAT },
	{ "スマートフォン", "スマートフォン 本体",
	  SYM_WATER | SYM_DROP | SYM_NO_BOOT | SYM_DELETE },
	{ "外付けSSD 1TB", "外付けSSD", SYM_ANY | SYM_FIRMWARE | SYM_CONNECTOR },
	{ "M.2 NVMe SSD 1TB", "NVMe SSD", SYM_ANY | SYM_FIRMWARE },
	{ "CFexpressカード 256GB", "CFexpressカード", SYM_CARD },
	{ "iMac 内蔵HDD 1TB", "iMac 本体", SYM_PC | SYM_NOISE },
	{ "RAID6 サーバ 8台構成", "HDD 8TB ×8 (ベイ番号ラベル付き)", SYM_NAS },
	{ "ビデオカメラ内蔵メモリ 64GB", "ビデオカメラ 本体", SYM_WATER | SYM_DROP | SYM_DELETE },
};

static const struct {
	const char *kind, *description;
} seed_extra_item[] = {
	{ "accessory", "USBケーブル" },
	{ "accessory", "ACアダプタ" },
	{ "accessory", "電源アダプタ" },
	{ "accessory", "SDアダプタ" },
	{ "request_form", "ご依頼書" },
	{ "request_form", "ご依頼書 (FAX受付)" },
	{ "packing", "梱包箱" },
	{ "packing", "緩衝材入り封筒" },
	{ "other", "情報消去に関する同意書" },
	{ "other", "秘密保持契約書 (写し)" },
};

static const char *const seed_intake_note[] = {
	"お急ぎ対応希望。特急対応の可否を確認し、お客様へ折り返し電話。",
	"家族写真のフォルダを最優先。",
	"見積もりは社長承認が必要のため書面で送付のこと。",
	"通電は最小限にとのご要望。",
	"ログインパスワードは電話で確認済み、依頼書には記載なし。",
	"秘密保持契約締結済み。作業は必ずセキュリティルーム内で。",
	"卒業論文のWordファイル (デスクトップ) を優先。",
	"会計データを含むため取扱注意。",
	"返却時に付属品を必ず同梱すること。",
	"進捗は担当者にのみ連絡。",
};
static const char *const seed_tech_note[] = {
	"初期診断: ヘッド障害の可能性。クリーンルームでの作業が必要。",
	"イメージ取得完了 (不良セクタ多数)。",
	"基板交換で認識を確認。",
	"RAID構成情報をお客様に確認中。",
	"ファイルシステム破損。論理復旧で対応可能。",
	"暗号化されたファイルあり、復号キーの有無を確認中。",
	"プラッタに傷あり、復旧率は低い見込み。",
};
static const char *const seed_reply_note[] = {
	"お客様より進捗の問い合わせあり。折り返し連絡済み。",
	"見積もり金額について再度ご説明済み。",
	"FAXにてご回答受領。",
};

static const char *const seed_worklog[] = {
	"クローン作成 (不良セクタをスキップして2パス)。",
	"ファームウェア領域の修復、モジュール再書き込み。",
	"ヘッド交換 (ドナー品)、クリーンベンチで作業。",
	"ファイルシステム解析、MFTの再構築。",
	"RAIDパラメータ (ストライプサイズ、順序) の特定と仮想再構築。",
	"復旧データのリスト作成と検証。",
};
static const char *const seed_remark[] = { "外装に傷あり (受付時に写真撮影済み)",
	                                   "お客様立ち会いのもと確認", "付属品の数を再確認済み" };
static const char *const seed_erase_method[] = { "上書き消去 (3パス)", "暗号化消去",
	                                         "物理破壊 (破砕)" };
static const char *const seed_carrier[] = { "ヤマト運輸", "佐川急便", "日本郵便" };

/* The stages in order (schema: kura.stages), how many days each takes at least and at most
 * before its stamp, where its stamp is put and by whom, and where it moves the items. */
enum seed_who { WHO_INTAKE, WHO_TECH, WHO_OPERATOR, WHO_SHIPPER, WHO_ANY_TECH };
static const struct {
	const char *name;
	int days_min, days_max;
	enum seed_who who;
	const char *move_to; /* NULL: no move */
} seed_stages[] = {
	{ "intake", 0, 2, WHO_INTAKE, "before-analysis" },
	{ "analysis", 1, 4, WHO_TECH, "analysis-bench" },
	{ "report", 2, 8, WHO_TECH, NULL },
	{ "reply", 1, 10, WHO_OPERATOR, NULL },
	{ "recovery", 2, 9, WHO_TECH, "awaiting-shipment" },
	{ "shipping", 1, 4, WHO_SHIPPER, "shipped" },
	{ "erasure", 5, 9, WHO_ANY_TECH, NULL },
	{ "closed", 0, 0, WHO_INTAKE, NULL },
};
enum seed_stage {
	ST_INTAKE,
	ST_ANALYSIS,
	ST_REPORT,
	ST_REPLY,
	ST_RECOVERY,
	ST_SHIPPING,
	ST_ERASURE
};
#define SEED_NSTAMPS       7 /* stamps: every stage but closed */
#define SEED_CLOSED        7
#define SEED_RETENTION_DAY 5 /* kurad.conf's image_retention_days by default */

#define SEED_COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* ============================== generation ============================== */

/* Who works at the centre: the accounts of the database, by role. */
struct seed_staff {
	long long id[SEED_USERS_MAX];
	char login[SEED_USERS_MAX][40];
	int n;
};
struct seed_users {
	struct seed_staff operators, techs, shippers, managers;
};

/* The fixed inputs of a seed: every pass regenerates the same cases from them. */
struct seed_plan {
	long n;
	uint64_t seed;
	int stage;                         /* every case at this stage, or -1: as time makes it */
	bool sheet;                        /* the case sheet's tables exist (schema 007) */
	bool pii_reads;                    /* kura.pii_reads exists (schema 010) */
	bool search;                       /* kura.case_search exists (schema 012) */
	int64_t start_us, span_us, now_us; /* cases are received in [start, start + span) */
	struct seed_users users;
	long long case_id0, note_id0, audit_id0; /* the ids before the first new one */
	long long seq0;                          /* the audit chain's last sealed seq */
	unsigned char hash0[32];                 /* and its hash */
	char (*periods)[16];                     /* the existing receipt counters */
	int *period_last;
	int nperiods;
	long device0, ndevices; /* the seed's analysis devices: AN-S<device0 + 1 ...> */
};

/* A running pass over the cases: ids and counters that depend on the cases before. */
struct seed_iter {
	long i;
	long long note_id, audit_id, seq;
	unsigned char hash[32];
	char period[16];
	int counter;
	long bound; /* cases with an open device binding so far */
};

struct seed_note {
	long long id, author;
	int64_t at;
	const char *segment, *body;
};

struct seed_stamp {
	int64_t at;
	int by; /* index into the staff of seed_stages[].who */
	long long by_id;
	const char *by_login, *segment, *remark, *outcome;
	char device[16];
};

struct seed_audit {
	long long id, user_id;
	int64_t at;
	const char *segment, *op, *outcome, *login;
	int stage; /* of a case.stamp, else -1 */
	bool pii;  /* a read of personal data */
	char peer[32];
	uint8_t request_id[PROTO_ID_LEN];
	uint8_t token_hash[32];
};

struct seed_worklog {
	int64_t at;
	const char *kind, *body;
	int minutes;
};

#define SEED_AUDIT_MAX 12 /* audit rows of one case */

struct seed_case {
	long long id, created_by, tech, approver;
	char receipt[40];
	int64_t received_us;
	int stage; /* index into seed_stages */
	struct seed_stamp stamps[SEED_NSTAMPS];
	/* The case sheet's columns. */
	const char *decision; /* NULL: no reply recorded */
	int64_t reply_at, ship_at;
	long long reply_by, ship_by;
	bool shipment, repair; /* a shipment recorded; to the repair centre */
	const char *carrier;
	char tracking[24];
	bool docs, docs_approved;
	int64_t docs_at;
	char customer[160], phone[24], email[96], address[240], medium[200];
	int nitems;
	const char *item_kind[SEED_ITEMS_MAX];
	char item_descr[SEED_ITEMS_MAX][160];
	int nnotes;
	struct seed_note notes[SEED_NOTES_MAX];
	int nlogs;
	struct seed_worklog logs[2];
	int naudit;
	struct seed_audit audit[SEED_AUDIT_MAX];
};

/* splitmix64: small, fast, and the same stream for the same seed on every machine. */
static uint64_t
seed_mix(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t
seed_rand(uint64_t *s)
{
	return seed_mix(*s += 0x9e3779b97f4a7c15ULL);
}

static unsigned
seed_below(uint64_t *s, unsigned n)
{
	return (unsigned)(seed_rand(s) % n);
}

static void
seed_bytes(uint64_t *s, uint8_t *out, size_t len)
{
	for (size_t i = 0; i < len; i += 8) {
		uint64_t v = seed_rand(s);
		for (size_t k = 0; k < 8 && i + k < len; k++)
			out[i + k] = (uint8_t)(v >> (8 * k));
	}
}

/* The receipt counter of a period before the seed (0 when none). */
static int
seed_period_last(const struct seed_plan *p, const char *period)
{
	for (int i = 0; i < p->nperiods; i++)
		if (strcmp(p->periods[i], period) == 0)
			return p->period_last[i];
	return 0;
}

static void
seed_iter_init(const struct seed_plan *p, struct seed_iter *it)
{
	memset(it, 0, sizeof *it);
	it->note_id = p->note_id0;
	it->audit_id = p->audit_id0;
	it->seq = p->seq0;
	memcpy(it->hash, p->hash0, sizeof it->hash);
}

static const struct seed_staff *
seed_staff_of(const struct seed_users *u, enum seed_who who)
{
	switch (who) {
	case WHO_INTAKE:
	case WHO_OPERATOR:
		return &u->operators;
	case WHO_SHIPPER:
		return &u->shippers;
	case WHO_TECH:
	case WHO_ANY_TECH:
		break;
	}
	return &u->techs;
}

static void
seed_customer(uint64_t *s, struct seed_case *c)
{
	unsigned f = seed_below(s, SEED_COUNT(seed_family)),
	         g = seed_below(s, SEED_COUNT(seed_given));
	unsigned city = seed_below(s, SEED_COUNT(seed_city));

	if (seed_below(s, 100) < 18) {
		unsigned co = seed_below(s, SEED_COUNT(seed_company));

		snprintf(c->customer, sizeof c->customer, "%s%s %s %s %s",
		         seed_company_kind[seed_below(s, SEED_COUNT(seed_company_kind))],
		         seed_company[co].name,
		         seed_department[seed_below(s, SEED_COUNT(seed_department))],
		         seed_family[f].kanji, seed_given[g].kanji);
		snprintf(c->phone, sizeof c->phone, "%s-555-%04u", seed_city[city].area,
		         seed_below(s, 10000));
		snprintf(c->email, sizeof c->email, "%s@%s.example.jp", seed_family[f].romaji,
		         seed_company[co].domain);
	} else {
		static const char *const mobile[] = { "090", "080", "070" };
		static const char *const domain[] = { "example.jp", "example.com", "example.net" };

		snprintf(c->customer, sizeof c->customer, "%s %s", seed_family[f].kanji,
		         seed_given[g].kanji);
		snprintf(c->phone, sizeof c->phone, "%s-%04u-%04u", mobile[seed_below(s, 3)],
		         seed_below(s, 10000), seed_below(s, 10000));
		snprintf(c->email, sizeof c->email, "%c.%s%u@%s", seed_given[g].romaji[0],
		         seed_family[f].romaji, seed_below(s, 1000), domain[seed_below(s, 3)]);
	}
	snprintf(c->address, sizeof c->address, "%s%s%u-%u-%u%s", seed_city[city].city,
	         seed_city[city].town[seed_below(s, 2)], 1 + seed_below(s, 9),
	         1 + seed_below(s, 30), 1 + seed_below(s, 20),
	         seed_building[seed_below(s, SEED_COUNT(seed_building))]);
}

static void
seed_items(uint64_t *s, struct seed_case *c, unsigned medium)
{
	unsigned n = 1 + seed_below(s, 4);

	c->nitems = 0;
	c->item_kind[c->nitems] = "medium";
	snprintf(c->item_descr[c->nitems++], sizeof c->item_descr[0], "%s (シリアル %c%c%08u)",
	         seed_medium[medium].item, 'A' + seed_below(s, 26), 'A' + seed_below(s, 26),
	         seed_below(s, 100000000));
	while ((unsigned)c->nitems < n) {
		unsigned k = seed_below(s, SEED_COUNT(seed_extra_item));

		c->item_kind[c->nitems] = seed_extra_item[k].kind;
		snprintf(c->item_descr[c->nitems++], sizeof c->item_descr[0], "%s",
		         seed_extra_item[k].description);
	}
}

static void
seed_note_add(struct seed_case *c, struct seed_iter *it, int64_t at, long long author,
              const char *segment, const char *body)
{
	struct seed_note *n = &c->notes[c->nnotes++];

	n->id = ++it->note_id;
	n->at = at;
	n->author = author;
	n->segment = segment;
	n->body = body;
}

/* An audit row of the case; stage >= 0 for a case.stamp, which is a stored write. */
static void
seed_audit_add(uint64_t *s, struct seed_case *c, struct seed_iter *it, int64_t at,
               const struct seed_staff *staff, int who, const char *segment, const char *op,
               int stage)
{
	struct seed_audit *a = &c->audit[c->naudit++];
	bool call = strcmp(segment, "call-centre") == 0;

	a->id = ++it->audit_id;
	a->at = at;
	a->user_id = staff->id[who];
	a->login = staff->login[who];
	a->segment = segment;
	a->op = op;
	a->outcome = "ok";
	a->stage = stage;
	a->pii = false;
	snprintf(a->peer, sizeof a->peer, "10.%d.0.%u:%u", call ? 1 : 2, 10 + seed_below(s, 40),
	         40000 + seed_below(s, 20000));
	seed_bytes(s, a->request_id, sizeof a->request_id);
	seed_bytes(s, a->token_hash, sizeof a->token_hash);
}

static void
seed_case_audit_get(uint64_t *s, struct seed_case *c, struct seed_iter *it, int64_t at,
                    const struct seed_staff *staff, const char *segment, bool pii)
{
	seed_audit_add(s, c, it, at, staff, (int)seed_below(s, (unsigned)staff->n), segment,
	               "case.get", -1);
	c->audit[c->naudit - 1].pii = pii;
}

/* The stamps due by now (or up to the plan's stage), who made them, what came of them. */
static void
seed_case_sheet(const struct seed_plan *p, struct seed_iter *it, struct seed_case *c, uint64_t *s)
{
	const struct seed_users *u = &p->users;
	int tech = (int)seed_below(s, (unsigned)u->techs.n);
	int64_t t = c->received_us;

	c->stage = 0;
	for (int st = 0; st < SEED_NSTAMPS; st++) {
		int span = seed_stages[st].days_max - seed_stages[st].days_min;
		struct seed_stamp *sp = &c->stamps[st];
		const struct seed_staff *staff = seed_staff_of(u, seed_stages[st].who);

		t += seed_stages[st].days_min * SEED_US_PER_DAY +
		     (int64_t)seed_below(s, (unsigned)span * 1440u + 1u) * SEED_US_PER_MINUTE;
		if (p->stage >= 0 ? st >= p->stage : t > p->now_us)
			break;
		sp->at = t;
		sp->by = seed_stages[st].who == WHO_TECH ? tech
		         : seed_stages[st].who == WHO_INTAKE
		             ? 0
		             : (int)seed_below(s, (unsigned)staff->n);
		sp->by_id = seed_stages[st].who == WHO_INTAKE ? c->created_by : staff->id[sp->by];
		sp->by_login = seed_stages[st].who == WHO_INTAKE ? u->operators.login[0]
		                                                 : staff->login[sp->by];
		sp->segment = staff == &u->operators ? "call-centre" : "tech-centre";
		sp->remark = seed_below(s, 100) < 8
		                 ? seed_remark[seed_below(s, SEED_COUNT(seed_remark))]
		                 : NULL;
		sp->outcome = NULL;
		sp->device[0] = '\0';
		c->stage = st + 1;
	}
	if (p->stage >= 0) {
		/* Stamped in the last days: the cases are at the stage now. */
		int64_t back = p->now_us - c->stamps[c->stage > 0 ? c->stage - 1 : 0].at;

		for (int st = 0; st < c->stage && back < 0; st++)
			c->stamps[st].at += back - SEED_US_PER_DAY;
	}
	if (c->stage > ST_INTAKE)
		c->stamps[ST_INTAKE].by_login = NULL; /* set from created_by by the caller */
	c->tech = u->techs.id[tech];
	c->approver = u->managers.id[seed_below(s, (unsigned)u->managers.n)];
	if (c->approver == c->tech)
		c->approver = c->created_by;

	/* The reply: recorded before its stamp (half of the cases waiting at reply have it). */
	c->decision = NULL;
	if (c->stage > ST_REPLY || (c->stage == ST_REPLY && seed_below(s, 2) == 0)) {
		c->decision = seed_below(s, 100) < 85 ? "proceed" : "cancel";
		c->reply_at = c->stage > ST_REPLY ? c->stamps[ST_REPLY].at - 2 * 3600 * 1000000LL
		                                  : c->stamps[ST_REPORT].at + 3600 * 1000000LL;
		c->reply_by = u->operators.id[seed_below(s, (unsigned)u->operators.n)];
	}
	if (c->stage > ST_REPLY)
		c->stamps[ST_REPLY].outcome = c->decision;
	if (c->stage > ST_RECOVERY)
		c->stamps[ST_RECOVERY].outcome =
		    strcmp(c->decision, "proceed") == 0 ? "recovered" : "cancelled";
	c->shipment = c->stage > ST_SHIPPING || (c->stage == ST_SHIPPING && seed_below(s, 2) == 0);
	c->repair = c->shipment && seed_below(s, 100) < 4;
	if (c->shipment) {
		c->ship_at = c->stage > ST_SHIPPING ? c->stamps[ST_SHIPPING].at - 3600 * 1000000LL
		                                    : c->stamps[ST_RECOVERY].at + 3600 * 1000000LL;
		c->ship_by = u->shippers.id[seed_below(s, (unsigned)u->shippers.n)];
		c->carrier = seed_carrier[seed_below(s, SEED_COUNT(seed_carrier))];
		snprintf(c->tracking, sizeof c->tracking, "%04u-%04u-%04u", seed_below(s, 10000),
		         seed_below(s, 10000), seed_below(s, 10000));
	}
	if (c->stage > ST_SHIPPING)
		c->stamps[ST_SHIPPING].outcome = c->repair ? "repair" : "shipped";
	if (c->stage > ST_ERASURE) {
		c->stamps[ST_ERASURE].outcome =
		    seed_erase_method[seed_below(s, SEED_COUNT(seed_erase_method))];
		snprintf(c->stamps[ST_ERASURE].device, sizeof c->stamps[0].device, "ER-01");
	}
	/* One analysis device per case from analysis to recovery; released ones go round. */
	if (c->stage > ST_ANALYSIS) {
		long k = c->stage > ST_RECOVERY
		             ? (long)(it->i % (p->ndevices > 0 ? p->ndevices : 1))
		             : it->bound++;
		snprintf(c->stamps[ST_ANALYSIS].device, sizeof c->stamps[0].device, "AN-S%05ld",
		         p->device0 + 1 + k);
	}
	/* The documents of the report; half of the cases at report have them issued. */
	c->docs = c->stage > ST_REPORT || (c->stage == ST_REPORT && seed_below(s, 2) == 0);
	c->docs_approved = c->stage > ST_REPORT;
	c->docs_at = c->stage > ST_REPORT ? c->stamps[ST_REPORT].at - 20 * 3600 * 1000000LL
	                                  : c->stamps[ST_ANALYSIS].at + 20 * 3600 * 1000000LL;
	c->nlogs = 0;
	for (int k = 0; c->stage > ST_ANALYSIS && k < 1 + (int)seed_below(s, 2); k++) {
		struct seed_worklog *l = &c->logs[c->nlogs++];

		l->at = c->stamps[ST_ANALYSIS].at + (k + 1) * 3 * 3600 * 1000000LL;
		l->kind = seed_below(s, 3) == 0 ? "physical" : "logical";
		l->minutes = 30 + 15 * (int)seed_below(s, 30);
		l->body = seed_worklog[seed_below(s, SEED_COUNT(seed_worklog))];
	}
}

/* Case it->i of the plan, with everything that hangs off it; advances it. */
static void
seed_case_make(const struct seed_plan *p, struct seed_iter *it, struct seed_case *c)
{
	/* Each case its own stream, far from its neighbours' in splitmix's cycle. */
	uint64_t s = seed_mix(seed_mix(p->seed) ^ (uint64_t)(p->case_id0 + it->i));
	const struct seed_users *u = &p->users;
	unsigned medium, symptom, creator;
	time_t secs;
	struct tm tm;
	char period[16];

	c->nnotes = c->naudit = 0;
	c->id = p->case_id0 + it->i + 1;
	/* Evenly spread over the span, a little jitter, never out of order. */
	c->received_us = p->start_us +
	                 (int64_t)((double)p->span_us * (double)it->i / (double)p->n) +
	                 (int64_t)seed_below(&s, 1000000);
	secs = (time_t)(c->received_us / 1000000);
	gmtime_r(&secs, &tm);
	snprintf(period, sizeof period, "%02d%02d", tm.tm_year % 100, tm.tm_mon + 1);
	if (strcmp(period, it->period) != 0) {
		memcpy(it->period, period, sizeof period);
		it->counter = seed_period_last(p, period);
	}
	snprintf(c->receipt, sizeof c->receipt, "%s-%05d", period, ++it->counter);
	creator = seed_below(&s, (unsigned)u->operators.n);
	c->created_by = u->operators.id[creator];

	seed_case_sheet(p, it, c, &s);
	if (c->stage > ST_INTAKE)
		c->stamps[ST_INTAKE].by_login = u->operators.login[creator];
	seed_customer(&s, c);
	medium = seed_below(&s, SEED_COUNT(seed_medium));
	/* One of the medium's symptoms, each as likely. */
	symptom = seed_below(&s, (unsigned)__builtin_popcount(seed_medium[medium].symptoms));
	for (unsigned bits = seed_medium[medium].symptoms, k = 0;; k++, bits >>= 1)
		if ((bits & 1) && symptom-- == 0) {
			symptom = k;
			break;
		}
	snprintf(c->medium, sizeof c->medium, "%s、%s", seed_medium[medium].medium,
	         seed_symptom[symptom]);
	seed_items(&s, c, medium);

	if (seed_below(&s, 100) < 70)
		seed_note_add(c, it, c->received_us + SEED_US_PER_MINUTE, c->created_by,
		              "call-centre",
		              seed_intake_note[seed_below(&s, SEED_COUNT(seed_intake_note))]);
	if (c->stage > ST_ANALYSIS && seed_below(&s, 100) < 40)
		seed_note_add(c, it, c->stamps[ST_ANALYSIS].at + 30 * SEED_US_PER_MINUTE, c->tech,
		              "tech-centre",
		              seed_tech_note[seed_below(&s, SEED_COUNT(seed_tech_note))]);
	if (c->stage > ST_REPLY && seed_below(&s, 100) < 20)
		seed_note_add(c, it, c->stamps[ST_REPLY].at - 60 * SEED_US_PER_MINUTE,
		              u->operators.id[seed_below(&s, (unsigned)u->operators.n)],
		              "call-centre",
		              seed_reply_note[seed_below(&s, SEED_COUNT(seed_reply_note))]);

	/* The audit history in time order: the intake, each stamp, and the cases opened
	 * before a stamp (the operator calling the customer, the shipping clerk looking up
	 * the address see personal data). */
	seed_audit_add(&s, c, it, c->received_us, &u->operators, (int)creator, "call-centre",
	               "case.create", -1);
	for (int st = 0; st < c->stage; st++) {
		const struct seed_stamp *sp = &c->stamps[st];
		const struct seed_staff *staff = seed_staff_of(u, seed_stages[st].who);

		if (st == ST_ANALYSIS)
			seed_case_audit_get(&s, c, it, sp->at - 5 * SEED_US_PER_MINUTE, &u->techs,
			                    "tech-centre", false);
		if (st == ST_REPLY)
			seed_case_audit_get(&s, c, it, sp->at - 3 * 3600 * 1000000LL, &u->operators,
			                    "call-centre", true);
		if (st == ST_SHIPPING)
			seed_case_audit_get(&s, c, it, sp->at - 5 * SEED_US_PER_MINUTE,
			                    &u->shippers, "tech-centre", true);
		if (!p->sheet)
			continue;
		seed_audit_add(&s, c, it, sp->at, staff, st == ST_INTAKE ? (int)creator : sp->by,
		               sp->segment, "case.stamp", st);
	}
	it->i++;
}

/* ============================== COPY ============================== */

struct seed_copy {
	PGconn *conn;
	char *buf;
	size_t len, cap;
	int rc;
};

static void
seed_put(struct seed_copy *cp, const char *s, size_t len)
{
	if (cp->len + len + 1 > cp->cap) {
		while (cp->len + len + 1 > cp->cap)
			cp->cap = cp->cap ? 2 * cp->cap : SEED_COPY_FLUSH * 2;
		cp->buf = xrealloc(cp->buf, cp->cap);
	}
	memcpy(cp->buf + cp->len, s, len);
	cp->len += len;
}

static void
seed_sep(struct seed_copy *cp, bool last)
{
	seed_put(cp, last ? "\n" : "\t", 1);
}

/* A text field of COPY's text format: backslash, tab and line breaks escaped; NULL as \N. */
static void
seed_text(struct seed_copy *cp, const char *s, bool last)
{
	if (s == NULL) {
		seed_put(cp, "\\N", 2);
	} else {
		for (const char *p = s; *p != '\0';) {
			size_t plain = strcspn(p, "\\\t\n\r");

			seed_put(cp, p, plain);
			p += plain;
			if (*p == '\0')
				break;
			seed_put(cp,
			         *p == '\\'   ? "\\\\"
			         : *p == '\t' ? "\\t"
			         : *p == '\n' ? "\\n"
			                      : "\\r",
			         2);
			p++;
		}
	}
	seed_sep(cp, last);
}

static void
seed_int(struct seed_copy *cp, long long v, bool last)
{
	char num[24];

	snprintf(num, sizeof num, "%lld", v);
	seed_text(cp, num, last);
}

/* An id, or NULL for 0. */
static void
seed_id(struct seed_copy *cp, long long v, bool last)
{
	if (v == 0)
		seed_text(cp, NULL, last);
	else
		seed_int(cp, v, last);
}

static void
seed_bool(struct seed_copy *cp, bool v, bool last)
{
	seed_text(cp, v ? "t" : "f", last);
}

/* A bytea field: \\x and hex (the backslash escaped for COPY). */
static void
seed_bytea(struct seed_copy *cp, const uint8_t *bytes, size_t len, bool last)
{
	char hex[2 * 4096 + 1];

	if (len > 4096)
		len = 4096;
	sodium_bin2hex(hex, sizeof hex, bytes, len);
	seed_put(cp, "\\\\x", 3);
	seed_put(cp, hex, 2 * len);
	seed_sep(cp, last);
}

/* A time as PostgreSQL reads it (sql) or as the audit chain encodes it (!sql), in UTC. */
static void
seed_time_format(int64_t us, bool sql, char *out, size_t size)
{
	time_t secs = (time_t)(us / 1000000);
	struct tm tm;

	gmtime_r(&secs, &tm);
	snprintf(out, size, "%04d-%02d-%02d%c%02d:%02d:%02d.%06d%s", tm.tm_year + 1900,
	         tm.tm_mon + 1, tm.tm_mday, sql ? ' ' : 'T', tm.tm_hour, tm.tm_min, tm.tm_sec,
	         (int)(us % 1000000), sql ? "+00" : "Z");
}

/* A time, or NULL for 0. */
static void
seed_time(struct seed_copy *cp, int64_t us, bool last)
{
	char buf[64];

	if (us == 0) {
		seed_text(cp, NULL, last);
		return;
	}
	seed_time_format(us, true, buf, sizeof buf);
	seed_text(cp, buf, last);
}

static int
seed_flush(struct seed_copy *cp)
{
	if (cp->rc == 0 && cp->len > 0 && PQputCopyData(cp->conn, cp->buf, (int)cp->len) != 1) {
		ctl_warnx("COPY failed: %s", PQerrorMessage(cp->conn));
		cp->rc = ERR_UNAVAILABLE;
	}
	cp->len = 0;
	return cp->rc;
}

static int
seed_copy_begin(struct seed_copy *cp, const char *sql)
{
	PGresult *res = PQexec(cp->conn, sql);
	int rc = pg_check(cp->conn, res, PGRES_COPY_IN, "starting COPY");

	PQclear(res);
	cp->len = 0;
	cp->rc = rc;
	return rc;
}

static int
seed_copy_end(struct seed_copy *cp, const char *what)
{
	PGresult *res;
	int rc;

	seed_flush(cp);
	if (PQputCopyEnd(cp->conn, cp->rc == 0 ? NULL : "kuractl stopped") != 1) {
		ctl_warnx("COPY failed: %s", PQerrorMessage(cp->conn));
		return ERR_UNAVAILABLE;
	}
	res = PQgetResult(cp->conn);
	rc = pg_check(cp->conn, res, PGRES_COMMAND_OK, what);
	PQclear(res);
	while ((res = PQgetResult(cp->conn)) != NULL)
		PQclear(res);
	return cp->rc != 0 ? cp->rc : rc;
}

/* ============================== the tables ============================== */

enum seed_table {
	SEED_CASES,
	SEED_CUSTOMERS,
	SEED_ITEMS,
	SEED_NOTES,
	SEED_STAMPS,
	SEED_CUSTODY,
	SEED_BINDINGS,
	SEED_WORKLOGS,
	SEED_DOCUMENTS,
	SEED_REPLIES,
	SEED_AUDIT,
	SEED_PII_READS,
	SEED_SEARCH, /* filled from the tables above, not by COPY */
	SEED_SEARCH_PII,
	SEED_NTABLES
};

/* What a table needs: SEED_NEED_SHEET the case sheet (schema 007), SEED_NEED_PII kura.pii_reads,
 * SEED_NEED_SEARCH the search rows (schema 012). */
enum seed_need { SEED_NEED_CORE, SEED_NEED_SHEET, SEED_NEED_PII, SEED_NEED_SEARCH };

static const struct {
	const char *name; /* in schema kura */
	enum seed_need need;
	const char *copy, *copy_sheet; /* the COPY without and with the case sheet; for the search
	                                * rows, the INSERT that makes them from the seeded cases */
} seed_tables[SEED_NTABLES] = {
	[SEED_CASES] = { "cases", SEED_NEED_CORE,
	                 "COPY kura.cases (id, receipt, received_at, stage, medium, created_by,"
	                 " version) FROM STDIN",
	                 "COPY kura.cases (id, receipt, received_at, stage, medium, created_by,"
	                 " version, assigned_to, reply_decision, reply_fax_date, reply_by, reply_at,"
	                 " ship_address_confirmed, ship_carrier, ship_tracking, ship_repair, ship_by,"
	                 " ship_at, shipped_at, erasure_due, closed_at) FROM STDIN" },
	[SEED_CUSTOMERS] = { "case_customers", SEED_NEED_CORE,
	                     "COPY kura.case_customers (case_id, name, phone, email, address)"
	                     " FROM STDIN",
	                     NULL },
	[SEED_ITEMS] = { "case_items", SEED_NEED_CORE,
	                 "COPY kura.case_items (case_id, seq, label, kind, description) FROM STDIN",
	                 "COPY kura.case_items (case_id, seq, label, kind, description, location,"
	                 " location_since) FROM STDIN" },
	[SEED_NOTES] = { "case_notes", SEED_NEED_CORE,
	                 "COPY kura.case_notes (id, case_id, at, author, segment, body) FROM STDIN",
	                 NULL },
	[SEED_STAMPS] = { "case_stamps", SEED_NEED_SHEET,
	                  "COPY kura.case_stamps (case_id, stage, at, by_user, segment, verified,"
	                  " remark, outcome, device) FROM STDIN",
	                  NULL },
	[SEED_CUSTODY] = { "custody_events", SEED_NEED_SHEET,
	                   "COPY kura.custody_events (case_id, label, at, by_user, from_location,"
	                   " to_location, reason) FROM STDIN",
	                   NULL },
	[SEED_BINDINGS] = { "device_bindings", SEED_NEED_SHEET,
	                    "COPY kura.device_bindings (device_id, case_id, bound_at, bound_by,"
	                    " released_at, released_by) FROM STDIN",
	                    NULL },
	[SEED_WORKLOGS] = { "work_logs", SEED_NEED_SHEET,
	                    "COPY kura.work_logs (case_id, at, by_user, kind, minutes, body)"
	                    " FROM STDIN",
	                    NULL },
	[SEED_DOCUMENTS] = { "documents", SEED_NEED_SHEET,
	                     "COPY kura.documents (case_id, kind, version, content, sha256,"
	                     " issued_by, issued_at, approved_by, approved_at) FROM STDIN",
	                     NULL },
	[SEED_REPLIES] = { "request_replies", SEED_NEED_CORE,
	                   "COPY kura.request_replies (request_id, token_hash, user_id, op, object,"
	                   " reply, at) FROM STDIN",
	                   NULL },
	[SEED_AUDIT] = { "audit_log", SEED_NEED_CORE,
	                 "COPY kura.audit_log (id, at, user_id, session_id, segment, peer, op,"
	                 " object, outcome, request_id, seq, prev_hash, hash) FROM STDIN",
	                 NULL },
	[SEED_PII_READS] = { "pii_reads", SEED_NEED_PII,
	                     "COPY kura.pii_reads (at, user_id, session_id, segment, op, request_id,"
	                     " case_ids) FROM STDIN",
	                     NULL },
	[SEED_SEARCH] = { "case_search", SEED_NEED_SEARCH,
	                  "INSERT INTO kura.case_search SELECT * FROM kura.case_search_rows($1, $2)"
	                  " ORDER BY 1",
	                  NULL },
	[SEED_SEARCH_PII] = { "case_search_pii", SEED_NEED_SEARCH,
	                      "INSERT INTO kura.case_search_pii"
	                      " SELECT * FROM kura.case_search_pii_rows($1, $2) ORDER BY 1",
	                      NULL },
};

static bool
seed_table_used(const struct seed_plan *p, enum seed_table t)
{
	return seed_tables[t].need == SEED_NEED_CORE ||
	       (seed_tables[t].need == SEED_NEED_SHEET && p->sheet) ||
	       (seed_tables[t].need == SEED_NEED_PII && p->pii_reads) ||
	       (seed_tables[t].need == SEED_NEED_SEARCH && p->search);
}

/* What the audit row names: the receipt, and the stage of a stamp. */
static void
seed_audit_object(const struct seed_case *c, const struct seed_audit *a, char *out, size_t size)
{
	if (a->stage >= 0)
		snprintf(out, size, "%s %s", c->receipt, seed_stages[a->stage].name);
	else
		snprintf(out, size, "%s", c->receipt);
}

/* The reply kurad would have stored for a write of this case: the real envelope. */
static void
seed_reply_pack(const struct seed_case *c, const struct seed_audit *a, struct proto_writer *w)
{
	char label[64], at[64];

	proto_writer_reset(w);
	proto_reply_ok_begin(w, a->request_id);
	if (a->stage < 0) {
		msgpack_pack_map(&w->pk, 2);
		mp_packf(&w->pk, "s s s", "receipt", c->receipt, "labels");
		msgpack_pack_array(&w->pk, (size_t)c->nitems);
		for (int k = 0; k < c->nitems; k++) {
			snprintf(label, sizeof label, "%s-%02d", c->receipt, k + 1);
			mp_pack_str(&w->pk, label);
		}
		return;
	}
	seed_time_format(a->at, false, at, sizeof at);
	memcpy(at + 19, "Z", 2); /* whole seconds, as kurad answers */
	mp_packf(&w->pk, "{s s s s s {s s s s s s s s}}", "receipt", c->receipt, "stage",
	         seed_stages[a->stage + 1].name, "stamped", "stage", seed_stages[a->stage].name,
	         "at", at, "by", a->login, "outcome", c->stamps[a->stage].outcome);
}

/* One field of the chain's canonical record: a 4-byte big-endian length and the bytes, or
 * ffffffff for NULL (docs/audit.md). */
static void
seed_chain_field(crypto_hash_sha256_state *st, const void *bytes, size_t len)
{
	unsigned char be[4] = { 0xff, 0xff, 0xff, 0xff };

	if (bytes != NULL) {
		be[0] = (unsigned char)(len >> 24);
		be[1] = (unsigned char)(len >> 16);
		be[2] = (unsigned char)(len >> 8);
		be[3] = (unsigned char)len;
	}
	crypto_hash_sha256_update(st, be, 4);
	if (bytes != NULL)
		crypto_hash_sha256_update(st, bytes, len);
}

static void
seed_chain_str(crypto_hash_sha256_state *st, const char *s)
{
	seed_chain_field(st, s, s != NULL ? strlen(s) : 0);
}

/* Seals a, as kura.audit_seal() would, continuing the chain in it. */
static void
seed_chain(struct seed_iter *it, const struct seed_audit *a, const char *object,
           unsigned char prev[32])
{
	crypto_hash_sha256_state st;
	char num[24], at[64];

	memcpy(prev, it->hash, 32);
	it->seq++;
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, prev, 32);
	snprintf(num, sizeof num, "%lld", it->seq);
	seed_chain_str(&st, num);
	snprintf(num, sizeof num, "%lld", a->id);
	seed_chain_str(&st, num);
	seed_time_format(a->at, false, at, sizeof at);
	seed_chain_str(&st, at);
	snprintf(num, sizeof num, "%lld", a->user_id);
	seed_chain_str(&st, num);
	seed_chain_str(&st, NULL); /* session_id */
	seed_chain_str(&st, a->segment);
	seed_chain_str(&st, a->peer);
	seed_chain_str(&st, a->op);
	seed_chain_str(&st, object);
	seed_chain_str(&st, a->outcome);
	seed_chain_field(&st, a->request_id, sizeof a->request_id);
	crypto_hash_sha256_final(&st, it->hash);
}

static void
seed_rows_cases(struct seed_copy *cp, const struct seed_plan *p, const struct seed_case *c)
{
	char date[16];
	bool sheet = p->sheet;

	seed_int(cp, c->id, false);
	seed_text(cp, c->receipt, false);
	seed_time(cp, c->received_us, false);
	seed_text(cp, seed_stages[c->stage].name, false);
	seed_text(cp, c->medium, false);
	seed_int(cp, c->created_by, false);
	seed_int(cp, 1 + c->stage + (c->decision != NULL) + c->shipment, !sheet);
	if (!sheet)
		return;
	seed_id(cp, c->stage > ST_ANALYSIS ? c->tech : 0, false);
	seed_text(cp, c->decision, false);
	if (c->decision != NULL) {
		seed_time_format(c->reply_at - SEED_US_PER_DAY, true, date, sizeof date);
		seed_text(cp, date, false); /* the date of the customer's fax: its first 10 bytes */
	} else {
		seed_text(cp, NULL, false);
	}
	seed_id(cp, c->decision != NULL ? c->reply_by : 0, false);
	seed_time(cp, c->decision != NULL ? c->reply_at : 0, false);
	if (c->shipment && !c->repair) {
		seed_bool(cp, true, false);
		seed_text(cp, c->carrier, false);
		seed_text(cp, c->tracking, false);
	} else {
		seed_text(cp, NULL, false);
		seed_text(cp, NULL, false);
		seed_text(cp, NULL, false);
	}
	if (c->shipment)
		seed_bool(cp, c->repair, false);
	else
		seed_text(cp, NULL, false);
	seed_id(cp, c->shipment ? c->ship_by : 0, false);
	seed_time(cp, c->shipment ? c->ship_at : 0, false);
	seed_time(cp, c->stage > ST_SHIPPING ? c->stamps[ST_SHIPPING].at : 0, false);
	seed_time(cp,
	          c->stage > ST_SHIPPING
	              ? c->stamps[ST_SHIPPING].at + SEED_RETENTION_DAY * SEED_US_PER_DAY
	              : 0,
	          false);
	seed_time(cp, c->stage > ST_ERASURE ? c->stamps[ST_ERASURE].at : 0, true);
}

/* Where the case's items are after its stamps, and since when. */
static const char *
seed_location(const struct seed_case *c, int64_t *since)
{
	const char *where = "intake-counter";

	*since = c->received_us;
	for (int st = 0; st < c->stage; st++) {
		if (seed_stages[st].move_to == NULL)
			continue;
		where = st == ST_SHIPPING && c->repair ? "repair-centre" : seed_stages[st].move_to;
		*since = c->stamps[st].at;
	}
	return where;
}

static void
seed_rows_custody(struct seed_copy *cp, const struct seed_case *c, const char *label)
{
	const char *from = NULL;

	for (int st = -1; st < c->stage; st++) {
		const char *to, *reason;
		char why[64];
		int64_t at;
		long long by;

		if (st < 0) {
			to = "intake-counter", reason = "received", at = c->received_us;
			by = c->created_by;
		} else if (seed_stages[st].move_to != NULL) {
			to = st == ST_SHIPPING && c->repair ? "repair-centre"
			                                    : seed_stages[st].move_to;
			at = c->stamps[st].at;
			by = c->stamps[st].by_id;
			reason = st == ST_INTAKE     ? "intake stamped"
			         : st == ST_ANALYSIS ? "analysis started"
			         : st == ST_SHIPPING ? "shipping stamped"
			                             : NULL;
			if (reason == NULL) {
				snprintf(why, sizeof why, "recovery stamped: %s",
				         c->stamps[ST_RECOVERY].outcome);
				reason = why;
			}
		} else {
			continue;
		}
		seed_int(cp, c->id, false);
		seed_text(cp, label, false);
		seed_time(cp, at, false);
		seed_int(cp, by, false);
		seed_text(cp, from, false);
		seed_text(cp, to, false);
		seed_text(cp, reason, true);
		from = to;
	}
}

static void
seed_rows_documents(struct seed_copy *cp, const struct seed_case *c)
{
	static const char *const kinds[] = { "report", "estimate", "data_list" };
	unsigned char sha[32];
	char content[512];

	for (int k = 0; c->docs && k < 3; k++) {
		if (k == 0)
			snprintf(
			    content, sizeof content,
			    "調査報告書 %s\n媒体: %s\n所見: 物理障害あり、クローン作成後に論理解析。\n"
			    "復旧見込み: 主要データの大部分",
			    c->receipt, c->medium);
		else if (k == 1)
			snprintf(content, sizeof content,
			         "お見積書 %s\n復旧作業一式: %u,000円 (税込)\n納期: 承認後5営業日",
			         c->receipt, 30 + (unsigned)(c->id % 270));
		else
			snprintf(content, sizeof content,
			         "データリスト %s\n/写真/ 1,204 ファイル\n/書類/ 318 ファイル\n"
			         "/その他/ 57 ファイル",
			         c->receipt);
		crypto_hash_sha256(sha, (const unsigned char *)content, strlen(content));
		seed_int(cp, c->id, false);
		seed_text(cp, kinds[k], false);
		seed_int(cp, 1, false);
		seed_text(cp, content, false);
		seed_bytea(cp, sha, sizeof sha, false);
		seed_int(cp, c->tech, false);
		seed_time(cp, c->docs_at + k * SEED_US_PER_MINUTE, false);
		seed_id(cp, c->docs_approved ? c->approver : 0, false);
		seed_time(cp, c->docs_approved ? c->docs_at + 3600 * 1000000LL : 0, true);
	}
}

/* The rows of table t for case c. */
static void
seed_rows(struct seed_copy *cp, const struct seed_plan *p, enum seed_table t,
          const struct seed_case *c, struct seed_iter *it, struct proto_writer *w)
{
	char label[64], object[64];
	int64_t since;
	const char *where;

	switch (t) {
	case SEED_CASES:
		seed_rows_cases(cp, p, c);
		break;
	case SEED_CUSTOMERS:
		seed_int(cp, c->id, false);
		seed_text(cp, c->customer, false);
		seed_text(cp, c->phone, false);
		seed_text(cp, c->email, false);
		seed_text(cp, c->address, true);
		break;
	case SEED_ITEMS:
		where = seed_location(c, &since);
		for (int k = 0; k < c->nitems; k++) {
			snprintf(label, sizeof label, "%s-%02d", c->receipt, k + 1);
			seed_int(cp, c->id, false);
			seed_int(cp, k + 1, false);
			seed_text(cp, label, false);
			seed_text(cp, c->item_kind[k], false);
			seed_text(cp, c->item_descr[k], !p->sheet);
			if (p->sheet) {
				seed_text(cp, where, false);
				seed_time(cp, since, true);
			}
		}
		break;
	case SEED_NOTES:
		for (int k = 0; k < c->nnotes; k++) {
			seed_int(cp, c->notes[k].id, false);
			seed_int(cp, c->id, false);
			seed_time(cp, c->notes[k].at, false);
			seed_int(cp, c->notes[k].author, false);
			seed_text(cp, c->notes[k].segment, false);
			seed_text(cp, c->notes[k].body, true);
		}
		break;
	case SEED_STAMPS:
		for (int st = 0; st < c->stage; st++) {
			const struct seed_stamp *sp = &c->stamps[st];

			seed_int(cp, c->id, false);
			seed_text(cp, seed_stages[st].name, false);
			seed_time(cp, sp->at, false);
			seed_int(cp, sp->by_id, false);
			seed_text(cp, sp->segment, false);
			seed_text(cp, c->receipt, false);
			seed_text(cp, sp->remark, false);
			seed_text(cp, sp->outcome, false);
			seed_text(cp, sp->device[0] != '\0' ? sp->device : NULL, true);
		}
		break;
	case SEED_CUSTODY:
		for (int k = 0; k < c->nitems; k++) {
			snprintf(label, sizeof label, "%s-%02d", c->receipt, k + 1);
			seed_rows_custody(cp, c, label);
		}
		break;
	case SEED_BINDINGS:
		if (c->stage <= ST_ANALYSIS)
			break;
		seed_text(cp, c->stamps[ST_ANALYSIS].device, false);
		seed_int(cp, c->id, false);
		seed_time(cp, c->stamps[ST_ANALYSIS].at, false);
		seed_int(cp, c->stamps[ST_ANALYSIS].by_id, false);
		seed_time(cp, c->stage > ST_RECOVERY ? c->stamps[ST_RECOVERY].at : 0, false);
		seed_id(cp, c->stage > ST_RECOVERY ? c->stamps[ST_RECOVERY].by_id : 0, true);
		break;
	case SEED_WORKLOGS:
		for (int k = 0; k < c->nlogs; k++) {
			seed_int(cp, c->id, false);
			seed_time(cp, c->logs[k].at, false);
			seed_int(cp, c->tech, false);
			seed_text(cp, c->logs[k].kind, false);
			seed_int(cp, c->logs[k].minutes, false);
			seed_text(cp, c->logs[k].body, true);
		}
		break;
	case SEED_DOCUMENTS:
		seed_rows_documents(cp, c);
		break;
	case SEED_REPLIES:
		for (int k = 0; k < c->naudit; k++) {
			const struct seed_audit *a = &c->audit[k];

			if (strcmp(a->op, "case.get") == 0)
				continue;
			seed_audit_object(c, a, object, sizeof object);
			seed_reply_pack(c, a, w);
			seed_bytea(cp, a->request_id, sizeof a->request_id, false);
			seed_bytea(cp, a->token_hash, sizeof a->token_hash, false);
			seed_int(cp, a->user_id, false);
			seed_text(cp, a->op, false);
			seed_text(cp, object, false);
			seed_bytea(cp, (const uint8_t *)w->buf.data, w->buf.size, false);
			seed_time(cp, a->at, true);
		}
		break;
	case SEED_AUDIT:
		for (int k = 0; k < c->naudit; k++) {
			const struct seed_audit *a = &c->audit[k];
			unsigned char prev[32];

			seed_audit_object(c, a, object, sizeof object);
			seed_chain(it, a, object, prev);
			seed_int(cp, a->id, false);
			seed_time(cp, a->at, false);
			seed_int(cp, a->user_id, false);
			seed_text(cp, NULL, false);
			seed_text(cp, a->segment, false);
			seed_text(cp, a->peer, false);
			seed_text(cp, a->op, false);
			seed_text(cp, object, false);
			seed_text(cp, a->outcome, false);
			seed_bytea(cp, a->request_id, sizeof a->request_id, false);
			seed_int(cp, it->seq, false);
			seed_bytea(cp, prev, 32, false);
			seed_bytea(cp, it->hash, 32, true);
		}
		break;
	case SEED_PII_READS:
		for (int k = 0; k < c->naudit; k++) {
			const struct seed_audit *a = &c->audit[k];

			if (!a->pii)
				continue;
			snprintf(object, sizeof object, "{%lld}", c->id);
			seed_time(cp, a->at, false);
			seed_int(cp, a->user_id, false);
			seed_text(cp, NULL, false);
			seed_text(cp, a->segment, false);
			seed_text(cp, a->op, false);
			seed_bytea(cp, a->request_id, sizeof a->request_id, false);
			seed_text(cp, object, true);
		}
		break;
	case SEED_SEARCH: /* seed_search_fill */
	case SEED_SEARCH_PII:
	case SEED_NTABLES:
		break;
	}
}

static double
seed_clock(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static PGresult *seed_query(PGconn *conn, const char *sql, int nparams, const char *const *params,
                            ExecStatusType want, const char *what);

/* Makes the search rows of the seeded cases from their cases, notes and customers, in one
 * statement: the seed disables the triggers that keep them. */
static int
seed_search_fill(PGconn *conn, const struct seed_plan *p, enum seed_table t, FILE *out)
{
	char first[24], last[24];
	const char *params[2] = { first, last };
	double t0 = seed_clock();
	PGresult *res;

	snprintf(first, sizeof first, "%lld", p->case_id0 + 1);
	snprintf(last, sizeof last, "%lld", p->case_id0 + p->n);
	res = seed_query(conn, seed_tables[t].copy, 2, params, PGRES_COMMAND_OK,
	                 "making the search rows");
	if (res == NULL)
		return ERR_UNAVAILABLE;
	PQclear(res);
	fprintf(out, "kuractl: %-16s filled in %.1f s\n", seed_tables[t].name, seed_clock() - t0);
	return 0;
}

/* COPYs table t for every case of the plan (or makes the search rows); leaves the iterator's
 * end state in *end. */
static int
seed_table_fill(PGconn *conn, const struct seed_plan *p, enum seed_table t, struct seed_iter *end,
                FILE *out)
{
	struct seed_copy cp = { .conn = conn };
	struct proto_writer w;
	struct seed_case *c = xmalloc(sizeof *c);
	struct seed_iter it;
	double t0 = seed_clock();
	int rc;

	if (seed_tables[t].need == SEED_NEED_SEARCH)
		return seed_search_fill(conn, p, t, out);
	proto_writer_init(&w);
	seed_iter_init(p, &it);
	rc = seed_copy_begin(&cp, p->sheet && seed_tables[t].copy_sheet != NULL
	                              ? seed_tables[t].copy_sheet
	                              : seed_tables[t].copy);
	while (rc == 0 && it.i < p->n) {
		seed_case_make(p, &it, c);
		seed_rows(&cp, p, t, c, &it, &w);
		if (cp.len >= SEED_COPY_FLUSH)
			rc = seed_flush(&cp);
	}
	if (cp.rc == 0)
		rc = seed_copy_end(&cp, seed_tables[t].name);
	if (rc == 0)
		fprintf(out, "kuractl: %-16s filled in %.1f s\n", seed_tables[t].name,
		        seed_clock() - t0);
	*end = it;
	free(cp.buf);
	free(c);
	proto_writer_fini(&w);
	return rc;
}

/* ============================== around the COPY ============================== */

/* Runs a statement with text parameters; returns its result when it has status want, else
 * NULL (reported as what). */
static PGresult *
seed_query(PGconn *conn, const char *sql, int nparams, const char *const *params,
           ExecStatusType want, const char *what)
{
	PGresult *res = PQexecParams(conn, sql, nparams, NULL, params, NULL, NULL, 0);

	if (pg_check(conn, res, want, what) != 0) {
		PQclear(res);
		return NULL;
	}
	return res;
}

/* A number from a one-value query, or -1 (reported). */
static long long
seed_query_int(PGconn *conn, const char *sql, const char *what)
{
	PGresult *res = seed_query(conn, sql, 0, NULL, PGRES_TUPLES_OK, what);
	long long v = -1;

	if (res != NULL && PQntuples(res) == 1)
		v = PQgetisnull(res, 0, 0) ? 0 : atoll(PQgetvalue(res, 0, 0));
	PQclear(res);
	return v;
}

static void
seed_staff_add(struct seed_staff *s, const char *id, const char *login)
{
	if (s->n == SEED_USERS_MAX)
		return;
	s->id[s->n] = atoll(id);
	snprintf(s->login[s->n], sizeof s->login[0], "%s", login);
	s->n++;
}

static int
seed_users_load(PGconn *conn, struct seed_users *u)
{
	PGresult *res =
	    seed_query(conn,
	               "SELECT id, role, login FROM kura.users WHERE disabled_at IS NULL"
	               " AND NOT temporary AND role IN ('operator', 'technician',"
	               " 'shipping', 'manager') ORDER BY id",
	               0, NULL, PGRES_TUPLES_OK, "reading the accounts");

	if (res == NULL)
		return ERR_UNAVAILABLE;
	memset(u, 0, sizeof *u);
	for (int r = 0; r < PQntuples(res); r++) {
		const char *role = PQgetvalue(res, r, 1);
		struct seed_staff *s = strcmp(role, "operator") == 0     ? &u->operators
		                       : strcmp(role, "technician") == 0 ? &u->techs
		                       : strcmp(role, "shipping") == 0   ? &u->shippers
		                                                         : &u->managers;

		seed_staff_add(s, PQgetvalue(res, r, 0), PQgetvalue(res, r, 2));
	}
	PQclear(res);
	if (u->operators.n == 0) {
		ctl_warnx("there is no operator to have registered the cases: create the demo's "
		          "accounts first (kuractl demo up) or one with kuractl user add");
		return ERR_NOT_FOUND;
	}
	/* A small centre: the operators do everything. */
	if (u->techs.n == 0)
		u->techs = u->operators;
	if (u->shippers.n == 0)
		u->shippers = u->operators;
	if (u->managers.n == 0)
		u->managers = u->operators;
	return 0;
}

/* The larger of the table's max(id) and its identity sequence's last value (which is past
 * max(id) after rolled-back inserts). */
static int
seed_last_id(PGconn *conn, const char *table, long long *out)
{
	char *qualified = xasprintf("kura.%s", table);
	char *sql = xasprintf("SELECT greatest((SELECT coalesce(max(id), 0) FROM kura.%s),"
	                      " (SELECT coalesce(s.last_value, 0) FROM pg_catalog.pg_sequences s"
	                      "  WHERE format('%%I.%%I', s.schemaname, s.sequencename)::regclass ="
	                      "  pg_catalog.pg_get_serial_sequence($1, 'id')::regclass))",
	                      table);
	const char *params[1] = { qualified };
	PGresult *res = seed_query(conn, sql, 1, params, PGRES_TUPLES_OK, "reading the last ids");

	free(sql);
	free(qualified);
	if (res == NULL)
		return ERR_UNAVAILABLE;
	*out = atoll(PQgetvalue(res, 0, 0));
	PQclear(res);
	return 0;
}

static int
seed_set_sequence(PGconn *conn, const char *table, long long last)
{
	char *qualified = xasprintf("kura.%s", table), num[24];
	const char *params[2] = { qualified, num };
	PGresult *res;

	if (last < 1)
		return 0;
	snprintf(num, sizeof num, "%lld", last);
	res = seed_query(conn,
	                 "SELECT pg_catalog.setval(pg_catalog.pg_get_serial_sequence($1, 'id'),"
	                 " $2::bigint)",
	                 2, params, PGRES_TUPLES_OK, "moving an identity on");
	free(qualified);
	PQclear(res);
	return res != NULL ? 0 : ERR_UNAVAILABLE;
}

/* The plan's starting point: ids, the chain's end, receipt counters, the time span. */
static int
seed_plan_load(PGconn *conn, struct seed_plan *p)
{
	PGresult *res;
	int rc;
	long months;

	if ((rc = seed_users_load(conn, &p->users)) != 0 ||
	    (rc = seed_last_id(conn, "cases", &p->case_id0)) != 0 ||
	    (rc = seed_last_id(conn, "case_notes", &p->note_id0)) != 0 ||
	    (rc = seed_last_id(conn, "audit_log", &p->audit_id0)) != 0)
		return rc;
	p->sheet = seed_query_int(conn, "SELECT to_regclass('kura.case_stamps') IS NOT NULL::int",
	                          "looking for the case sheet") == 1;
	p->pii_reads = seed_query_int(conn, "SELECT to_regclass('kura.pii_reads') IS NOT NULL::int",
	                              "looking for the reads of personal data") == 1;
	p->search = seed_query_int(conn, "SELECT to_regclass('kura.case_search') IS NOT NULL::int",
	                           "looking for the search rows") == 1;
	res = seed_query(conn,
	                 "SELECT seq, hash FROM kura.audit_log WHERE seq IS NOT NULL"
	                 " ORDER BY seq DESC LIMIT 1",
	                 0, NULL, PGRES_TUPLES_OK, "reading the audit chain's end");
	if (res == NULL)
		return ERR_UNAVAILABLE;
	p->seq0 = 0;
	memset(p->hash0, 0, sizeof p->hash0);
	if (PQntuples(res) == 1) {
		size_t len;
		unsigned char *h =
		    PQunescapeBytea((const unsigned char *)PQgetvalue(res, 0, 1), &len);

		p->seq0 = atoll(PQgetvalue(res, 0, 0));
		if (h == NULL || len != 32) {
			ctl_warnx("the audit chain's last hash is not 32 bytes");
			PQfreemem(h);
			PQclear(res);
			return ERR_INTERNAL;
		}
		memcpy(p->hash0, h, 32);
		PQfreemem(h);
	}
	PQclear(res);
	res = seed_query(conn, "SELECT period, last FROM kura.receipt_counters", 0, NULL,
	                 PGRES_TUPLES_OK, "reading the receipt counters");
	if (res == NULL)
		return ERR_UNAVAILABLE;
	p->nperiods = PQntuples(res);
	p->periods = xcalloc((size_t)p->nperiods + 1, sizeof *p->periods);
	p->period_last = xcalloc((size_t)p->nperiods + 1, sizeof *p->period_last);
	for (int r = 0; r < p->nperiods; r++) {
		snprintf(p->periods[r], sizeof p->periods[r], "%s", PQgetvalue(res, r, 0));
		p->period_last[r] = atoi(PQgetvalue(res, r, 1));
	}
	PQclear(res);

	/* Received over the last months, most recent a day ago, at most SEED_PER_MONTH a
	 * month so that receipt numbers keep their five digits; cases put at one stage
	 * arrived in the last month. */
	months = (p->n + SEED_PER_MONTH - 1) / SEED_PER_MONTH;
	if (months < SEED_MONTHS_MIN && p->stage < 0)
		months = SEED_MONTHS_MIN;
	p->now_us = (int64_t)time(NULL) * 1000000;
	p->span_us = (int64_t)months * 30 * SEED_US_PER_DAY;
	p->start_us = p->now_us - SEED_US_PER_DAY - p->span_us;
	return 0;
}

/* The case sheet's analysis devices: one for each case bound now, and the released
 * bindings go round them. A pre-pass counts the open bindings. */
static int
seed_devices(PGconn *conn, struct seed_plan *p)
{
	struct seed_case *c = xmalloc(sizeof *c);
	struct seed_iter it;
	char from[24], to[24];
	const char *params[2] = { from, to };
	PGresult *res;

	p->device0 = (long)seed_query_int(conn,
	                                  "SELECT coalesce(max(substr(id, 5)::int), 0) FROM"
	                                  " kura.devices WHERE id ~ '^AN-S[0-9]{5}$'",
	                                  "reading the devices");
	if (p->device0 < 0) {
		free(c);
		return ERR_UNAVAILABLE;
	}
	p->ndevices = 0;
	seed_iter_init(p, &it);
	while (it.i < p->n)
		seed_case_make(p, &it, c);
	free(c);
	p->ndevices = it.bound > 8 ? it.bound : 8;
	snprintf(from, sizeof from, "%ld", p->device0 + 1);
	snprintf(to, sizeof to, "%ld", p->device0 + p->ndevices);
	res = seed_query(conn,
	                 "INSERT INTO kura.devices (id, label, kind)"
	                 " SELECT format('AN-S%s', lpad(g::text, 5, '0')),"
	                 "  format('Analysis station S%s (解析装置)', g), 'analysis'"
	                 " FROM generate_series($1::int, $2::int) g",
	                 2, params, PGRES_COMMAND_OK, "adding the analysis devices");
	PQclear(res);
	if (res == NULL)
		return ERR_UNAVAILABLE;
	/* ER-01 comes with the schema; a centre that removed it gets it back. */
	res =
	    seed_query(conn,
	               "INSERT INTO kura.devices (id, label, kind) VALUES ('ER-01',"
	               " 'Data eraser 1 (データ消去装置1)', 'eraser') ON CONFLICT (id) DO NOTHING",
	               0, NULL, PGRES_COMMAND_OK, "adding the eraser");
	PQclear(res);
	return res != NULL ? 0 : ERR_UNAVAILABLE;
}

/* The statements that take the seeded tables' triggers, foreign keys and secondary
 * indexes away, and those that give them back. */
struct seed_ddl {
	char **undo; /* run after the COPY, in order */
	size_t nundo;
};

static void
seed_ddl_undo(struct seed_ddl *d, const char *sql)
{
	d->undo = xrealloc(d->undo, (d->nundo + 1) * sizeof *d->undo);
	d->undo[d->nundo++] = xstrdup(sql);
}

static void
seed_ddl_fini(struct seed_ddl *d)
{
	for (size_t i = 0; i < d->nundo; i++)
		free(d->undo[i]);
	free(d->undo);
}

/* The seeded tables as a text[] literal. */
static char *
seed_table_array(const struct seed_plan *p)
{
	char *buf = xmalloc(1024);
	size_t len = 0;

	for (int t = 0; t < SEED_NTABLES; t++) {
		if (!seed_table_used(p, (enum seed_table)t))
			continue;
		len += (size_t)snprintf(buf + len, 1024 - len, "%c%s", len == 0 ? '{' : ',',
		                        seed_tables[t].name);
	}
	snprintf(buf + len, 1024 - len, "}");
	return buf;
}

/* Runs each row's first column and keeps its second to undo it. */
static int
seed_ddl_run(PGconn *conn, const char *sql, const char *tables, const char *what,
             struct seed_ddl *d)
{
	const char *params[1] = { tables };
	PGresult *res = seed_query(conn, sql, 1, params, PGRES_TUPLES_OK, what);
	int rc = res != NULL ? 0 : ERR_UNAVAILABLE;

	for (int r = 0; rc == 0 && r < PQntuples(res); r++) {
		rc = pg_exec(conn, PQgetvalue(res, r, 0), what);
		seed_ddl_undo(d, PQgetvalue(res, r, 1));
	}
	PQclear(res);
	return rc;
}

/* Disables the tables' own triggers (events, guards, derived rows: the seed writes every
 * row itself) and, for a large seed, drops their foreign keys, unique constraints and
 * secondary indexes, which are checked and built at the end in one go, much faster than
 * row by row. */
static int
seed_ddl_take(PGconn *conn, const struct seed_plan *p, bool bulk, struct seed_ddl *d)
{
	char *tables = seed_table_array(p);
	int rc;

	rc = seed_ddl_run(
	    conn,
	    "SELECT format('ALTER TABLE kura.%I DISABLE TRIGGER %I', c.relname, t.tgname),"
	    " format('ALTER TABLE kura.%I ENABLE TRIGGER %I', c.relname, t.tgname)"
	    " FROM pg_catalog.pg_trigger t JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid"
	    " WHERE c.relnamespace = 'kura'::regnamespace AND c.relname = ANY($1::text[])"
	    " AND NOT t.tgisinternal AND t.tgenabled <> 'D' ORDER BY 1",
	    tables, "disabling the triggers", d);
	if (rc == 0 && bulk)
		rc = seed_ddl_run(
		    conn,
		    "SELECT format('ALTER TABLE kura.%I DROP CONSTRAINT %I', c.relname,"
		    " k.conname), format('ALTER TABLE kura.%I ADD CONSTRAINT %I %s',"
		    " c.relname, k.conname, pg_catalog.pg_get_constraintdef(k.oid))"
		    " FROM pg_catalog.pg_constraint k"
		    " JOIN pg_catalog.pg_class c ON c.oid = k.conrelid"
		    " WHERE c.relnamespace = 'kura'::regnamespace"
		    " AND c.relname = ANY($1::text[]) AND k.contype = 'f' ORDER BY 1",
		    tables, "dropping the foreign keys to check them at the end", d);
	/* Primary keys and unique constraints no foreign key of another table needs: their
	 * indexes built at the end in one sort, not key by key at random places. */
	if (rc == 0 && bulk)
		rc = seed_ddl_run(
		    conn,
		    "SELECT format('ALTER TABLE kura.%I DROP CONSTRAINT %I', c.relname,"
		    " k.conname), format('ALTER TABLE kura.%I ADD CONSTRAINT %I %s',"
		    " c.relname, k.conname, pg_catalog.pg_get_constraintdef(k.oid))"
		    " FROM pg_catalog.pg_constraint k"
		    " JOIN pg_catalog.pg_class c ON c.oid = k.conrelid"
		    " WHERE c.relnamespace = 'kura'::regnamespace"
		    " AND c.relname = ANY($1::text[]) AND k.contype IN ('p', 'u')"
		    " AND NOT EXISTS (SELECT FROM pg_catalog.pg_constraint f"
		    "  WHERE f.contype = 'f' AND f.conindid = k.conindid)"
		    " ORDER BY 1",
		    tables, "dropping the unique constraints to check them at the end", d);
	if (rc == 0 && bulk)
		rc = seed_ddl_run(conn,
		                  "SELECT format('DROP INDEX kura.%I', ic.relname),"
		                  " pg_catalog.pg_get_indexdef(i.indexrelid)"
		                  " FROM pg_catalog.pg_index i"
		                  " JOIN pg_catalog.pg_class c ON c.oid = i.indrelid"
		                  " JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid"
		                  " WHERE c.relnamespace = 'kura'::regnamespace"
		                  " AND c.relname = ANY($1::text[])"
		                  " AND NOT EXISTS (SELECT FROM pg_catalog.pg_constraint k"
		                  "  WHERE k.conindid = i.indexrelid) ORDER BY 1",
		                  tables, "dropping the indexes to build them at the end", d);
	free(tables);
	return rc;
}

static int
seed_ddl_give_back(PGconn *conn, struct seed_ddl *d, FILE *out)
{
	double t0 = seed_clock();
	int rc = 0;

	/* In the reverse order: indexes, unique constraints, then the foreign keys that need
	 * them, then the triggers. */
	for (size_t i = d->nundo; i-- > 0 && rc == 0;)
		rc = pg_exec(conn, d->undo[i], "restoring an index, a constraint or a trigger");
	if (rc == 0 && d->nundo > 0)
		fprintf(out, "kuractl: indexes, constraints and triggers back in %.1f s\n",
		        seed_clock() - t0);
	return rc;
}

/* Moves the identities past the new ids and the receipt counters past the new receipts. */
static int
seed_counters(PGconn *conn, const struct seed_plan *p, const struct seed_iter *end)
{
	int rc;

	if ((rc = seed_set_sequence(conn, "cases", p->case_id0 + p->n)) != 0 ||
	    (rc = seed_set_sequence(conn, "case_notes", end->note_id)) != 0 ||
	    (rc = seed_set_sequence(conn, "audit_log", end->audit_id)) != 0)
		return rc;
	return pg_exec(
	    conn,
	    "INSERT INTO kura.receipt_counters AS rc (period, last)"
	    " SELECT split_part(receipt, '-', 1), max(split_part(receipt, '-', 2)::int)"
	    " FROM kura.cases GROUP BY 1"
	    " ON CONFLICT (period) DO UPDATE SET last = greatest(rc.last, excluded.last)",
	    "moving the receipt counters on");
}

static int
seed_run(struct ctl *ctl, long n, uint64_t seed, int stage)
{
	struct seed_plan p = { .n = n, .seed = seed, .stage = stage };
	struct seed_ddl ddl = { 0 };
	struct seed_iter end = { 0 };
	PGconn *conn = NULL;
	PGresult *res;
	double t0 = seed_clock();
	char *tables = NULL;
	long long rows;
	int rc;

	if ((rc = pg_open_owner(ctl, &conn)) != 0)
		goto out;
	if ((rc = pg_exec(conn, "BEGIN", "starting the transaction")) != 0 ||
	    (rc = pg_exec(conn, "SET LOCAL search_path = ''", "setting up")) != 0 ||
	    (rc = pg_exec(conn, "SET LOCAL maintenance_work_mem = '512MB'", "setting up")) != 0)
		goto out;
	/* The sealer waits for us: the chain continues from what was sealed before. */
	res = seed_query(conn, "SELECT pg_catalog.pg_advisory_xact_lock(" SEED_SEALER_LOCK ")", 0,
	                 NULL, PGRES_TUPLES_OK, "waiting for the audit sealer");
	PQclear(res);
	if (res == NULL) {
		rc = ERR_UNAVAILABLE;
		goto out;
	}
	if ((rc = seed_plan_load(conn, &p)) != 0)
		goto out;
	if (stage > 0 && !p.sheet) {
		ctl_warnx("--stage needs the case sheet (schema 007): migrate first");
		rc = ERR_INVALID_STATE;
		goto out;
	}
	/* Then the tables, so that no request writes between reading the last ids and the
	 * COPY. */
	tables = seed_table_array(&p);
	{
		const char *params[1] = { tables };
		res = seed_query(conn,
		                 "SELECT format('LOCK TABLE %s IN SHARE ROW EXCLUSIVE MODE',"
		                 " string_agg('kura.' || quote_ident(t), ', ')),"
		                 " (SELECT count(*) FROM kura.cases)"
		                 " FROM unnest($1::text[]) t",
		                 1, params, PGRES_TUPLES_OK, "locking the tables");
	}
	if (res == NULL || (rc = pg_exec(conn, PQgetvalue(res, 0, 0), "locking the tables")) != 0) {
		rc = rc != 0 ? rc : ERR_UNAVAILABLE;
		PQclear(res);
		goto out;
	}
	PQclear(res);
	rows = seed_query_int(conn, "SELECT count(*) FROM kura.cases", "counting the cases");
	if (rows < 0 || (rc = seed_plan_load(conn, &p)) != 0 ||
	    (p.sheet && (rc = seed_devices(conn, &p)) != 0))
		goto out;
	if ((rc = seed_ddl_take(conn, &p, n >= SEED_DROP_INDEXES && n >= rows, &ddl)) != 0)
		goto out;
	for (int t = 0; t < SEED_NTABLES && rc == 0; t++) {
		struct seed_iter it;

		if (!seed_table_used(&p, (enum seed_table)t))
			continue;
		rc = seed_table_fill(conn, &p, (enum seed_table)t, &it, stderr);
		if (t == SEED_AUDIT) /* the pass that walks the chain */
			end = it;
	}
	if (rc != 0 || (rc = seed_counters(conn, &p, &end)) != 0 ||
	    (rc = seed_ddl_give_back(conn, &ddl, stderr)) != 0)
		goto out;
	for (int t = 0; t < SEED_NTABLES && rc == 0; t++) {
		char *sql;

		if (!seed_table_used(&p, (enum seed_table)t))
			continue;
		sql = xasprintf("ANALYZE kura.%s", seed_tables[t].name);
		rc = pg_exec(conn, sql, "analysing");
		free(sql);
	}
	if (rc == 0)
		rc = pg_exec(conn, "COMMIT", "committing");
	if (rc == 0)
		printf(
		    "seeded %ld cases (ids %lld to %lld), %lld notes, %lld audit rows (sealed to "
		    "seq %lld) in %.0f s\n",
		    n, p.case_id0 + 1, p.case_id0 + n, end.note_id - p.note_id0,
		    end.audit_id - p.audit_id0, end.seq, seed_clock() - t0);
out:
	free(tables);
	seed_ddl_fini(&ddl);
	free(p.periods);
	free(p.period_last);
	PQfinish(conn);
	return rc;
}

static int
cmd_demo_seed_exec(const struct ctl_cmd *self, struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = { CTL_LONGOPT_HELP,
		                              CTL_LONGOPT_DIR,
		                              CTL_LONGOPT_DB,
		                              { "cases", required_argument, NULL, 'n' },
		                              { "seed", required_argument, NULL, 's' },
		                              { "stage", required_argument, NULL, 't' },
		                              CTL_LONGOPT_END };
	long n = -1;
	unsigned long long seed = 1;
	int stage = -1;
	char *end;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		rc = ctl_opt_common(self, ctl, opt, argv);
		if (rc == CTL_OPT_NEXT)
			continue;
		if (rc != CTL_OPT_OWN)
			return rc;
		if (opt == 'n') {
			n = strtol(optarg, &end, 10);
			if (end == optarg || *end != '\0' || n < 1 || n > SEED_CASES_MAX)
				return ctl_usage_error(self, "--cases wants a number from 1 to %ld",
				                       SEED_CASES_MAX);
		} else if (opt == 's') {
			seed = strtoull(optarg, &end, 10);
			if (end == optarg || *end != '\0')
				return ctl_usage_error(self, "--seed wants a number");
		} else {
			for (stage = 0; stage < SEED_NSTAMPS; stage++)
				if (strcmp(optarg, seed_stages[stage].name) == 0)
					break;
			if (stage == SEED_NSTAMPS && strcmp(optarg, "closed") != 0)
				return ctl_usage_error(self,
				                       "--stage wants one of intake, analysis, "
				                       "report, reply, recovery, shipping, "
				                       "erasure, closed");
		}
	}
	if (optind < argc)
		ctl->dir = argv[optind++], ctl->dir_given = true;
	if (optind < argc)
		return ctl_usage_error(self, "unexpected argument '%s'", argv[optind]);
	if (n < 0)
		return ctl_usage_error(self, "how many? --cases N");
	if ((rc = ctl_opt_target(self, ctl)) != CTL_OPT_NEXT)
		return rc;
	return seed_run(ctl, n, seed, stage) == 0 ? CTL_EXIT_OK : CTL_EXIT_FAIL;
}

const struct ctl_cmd ctl_cmd_demo_seed = {
	.group = "demo",
	.name = "seed",
	.usage = "[DIR] --cases N [--stage STAGE] [--seed S] [--dir DIR | --db CONNINFO]",
	.summary = "Add N fictitious cases at once, with their history (for benchmarks).",
	.help =
	    "Adds N made-up cases received over the last months (at least 36; at most 25000\n"
	    "a month): Japanese customers, received items, notes, and with the case sheet\n"
	    "every stage from intake to closed as the time since intake makes likely, with\n"
	    "its stamps, custody events, device bindings, work logs and documents; the\n"
	    "stored reply of each write and an audit history sealed into the chain. Needs\n"
	    "the demo's accounts (kuractl demo up) or at least one operator. Runs as one\n"
	    "transaction with COPY: all of it or nothing; the tables are locked meanwhile,\n"
	    "and for a large seed their foreign keys are checked and secondary indexes built\n"
	    "at the end. A million cases take a few minutes.\n\n"
	    "  --cases N      how many cases (1 to 10000000)\n"
	    "  --stage STAGE  every case at this stage, received in the last days (intake,\n"
	    "                analysis, report, reply, recovery, shipping, erasure, closed)\n"
	    "  --seed S       the random seed (default 1): the same S on the same database gives\n"
	    "                the same cases\n"
	    "  --dir DIR      the kura directory of an embedded cluster (default " CTL_DEFAULT_DIR
	    ")\n"
	    "  --db CONNINFO  a database of your own, as its owner\n",
	.exec = cmd_demo_seed_exec,
};
