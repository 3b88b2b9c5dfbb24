/* The demo's people and cases. Every name, number and address is made up; e-mail domains
 * are the reserved example ones. */
#include "config.h"

#include "demo.h"

/* One account per role, and a temporary operator who never sees personal data. */
const struct demo_account demo_accounts[DEMO_NACCOUNTS] = {
	{ "sato", "佐藤 美咲", "operator", false },
	{ "suzuki", "鈴木 健太", "technician", false },
	{ "takahashi", "高橋 直樹", "shipping", false },
	{ "tanaka", "田中 由美子", "manager", false },
	{ "ito", "伊藤 誠", "auditor", false },
	{ "watanabe", "渡辺 陽介", "admin", false },
	{ "yamamoto", "山本 さくら", "operator", true },
};

const char demo_intake_login[] = "sato";

const struct demo_case demo_cases[] = {
	{
	    "中村 健一",
	    "090-1234-5678",
	    "k.nakamura@example.jp",
	    "東京都世田谷区桜新町2-14-3",
	    "外付けHDD 2TB (USB 3.0)、落下後に異音",
	    { { "medium", "外付けHDD 本体 (シリアル WX12A3456789)" },
	      { "accessory", "USBケーブル" },
	      { "request_form", "ご依頼書 (FAX受付)" } },
	    "落下後にカチカチと異音。通電は最小限にとのご要望。家族写真のフォルダを最優先。",
	},
	{
	    "株式会社みなと設計 総務部 加藤 真理",
	    "03-5555-0142",
	    "soumu@minato-sekkei.example.jp",
	    "東京都港区芝浦3-7-1 みなとビル5F",
	    "NAS 4ベイ (RAID5)、2台故障",
	    { { "medium", "NAS 本体" },
	      { "medium", "HDD 4TB ×4 (ベイ番号ラベル付き)" },
	      { "accessory", "ACアダプタ" },
	      { "request_form", "ご依頼書" } },
	    "RAID5、ベイ1〜4。共有フォルダ「設計」のCADデータが最優先。見積もりは社長承認が"
	    "必要のため書面で送付のこと。",
	},
	{
	    "山田 花子",
	    "080-2345-6789",
	    "hanako.yamada@example.com",
	    "大阪府大阪市北区梅田1-2-3 梅田レジデンス1203",
	    "ノートPC 内蔵SSD 512GB、起動不可",
	    { { "medium", "ノートPC 本体" },
	      { "accessory", "電源アダプタ" },
	      { "request_form", "ご依頼書" } },
	    "卒業論文のWordファイル (デスクトップ) を優先。ログインパスワードは電話で確認済み、"
	    "依頼書には記載なし。",
	},
	{
	    "森本 大輔",
	    "070-3456-7890",
	    "d.morimoto@example.net",
	    "福岡県福岡市中央区天神4-5-6",
	    "microSDカード 128GB、認識しない",
	    { { "medium", "microSDカード" },
	      { "accessory", "SDアダプタ" },
	      { "packing", "緩衝材入り封筒" } },
	    "ドライブレコーダーの映像。事故当日 (先週金曜) の動画のみで可。",
	},
	{
	    "有限会社さくら会計事務所 井上 恵",
	    "045-555-0198",
	    "info@sakura-kaikei.example.jp",
	    "神奈川県横浜市中区本町1-1-1",
	    "デスクトップPC用HDD 1TB、水濡れ",
	    { { "medium", "HDD 1TB (PCから取り外し済み)" },
	      { "request_form", "ご依頼書" },
	      { "other", "情報消去に関する同意書" } },
	    "台風による浸水。乾燥させず袋に入れたまま送付とのこと。顧問先の会計データを含むため"
	    "取扱注意。",
	},
	{
	    "清水 拓也",
	    "090-4567-8901",
	    "takuya.shimizu@example.jp",
	    "愛知県名古屋市中村区名駅3-3-3",
	    "USBメモリ 64GB、コネクタ折損",
	    { { "medium", "USBメモリ (コネクタ部折損)" }, { "packing", "梱包箱" } },
	    "コネクタが基板から外れている。研究データのExcelファイル。",
	},
	{
	    "松本 由紀",
	    "080-5678-9012",
	    "yuki.matsumoto@example.com",
	    "北海道札幌市中央区大通西5-8",
	    "スマートフォン、水没・電源入らず",
	    { { "medium", "スマートフォン 本体" }, { "accessory", "充電ケーブル" } },
	    "パスコードはお客様が来社時に入力予定。写真とメッセージの履歴。",
	},
	{
	    "医療法人青葉会 事務局 岡田 修",
	    "022-555-0117",
	    "jimu@aoba-kai.example.jp",
	    "宮城県仙台市青葉区一番町2-2-2",
	    "サーバ用SAS HDD 600GB ×2 (RAID1)、両系故障",
	    { { "medium", "SAS HDD 600GB (スロット0)" },
	      { "medium", "SAS HDD 600GB (スロット1)" },
	      { "request_form", "ご依頼書" },
	      { "other", "秘密保持契約書 (写し)" } },
	    "患者情報を含む。秘密保持契約締結済み。作業は必ずセキュリティルーム内で。進捗は"
	    "事務局長にのみ連絡。",
	},
	{
	    "長谷川 亮",
	    "090-6789-0123",
	    "ryo.hasegawa@example.net",
	    "京都府京都市下京区四条通烏丸東入ル長刀鉾町20",
	    "外付けSSD 1TB、誤フォーマット",
	    { { "medium", "外付けSSD" }, { "accessory", "USB-Cケーブル" } },
	    "誤ってフォーマット、以後書き込みなし。動画編集のプロジェクトファイル。",
	},
	{
	    "村上 あゆみ",
	    "080-7890-1234",
	    "ayumi.murakami@example.jp",
	    "広島県広島市中区紙屋町1-4-4",
	    "デジタルカメラ用SDカード 64GB、写真が開けない",
	    { { "medium", "SDカード" }, { "other", "カメラ本体 (参考品、要返却)" } },
	    "カメラ本体も同梱、解析は不要。返却時に必ず同梱すること。",
	},
	{
	    "株式会社北斗物流 情報システム課 石井 隆",
	    "011-555-0163",
	    "it@hokuto-logi.example.jp",
	    "北海道札幌市東区北十条東7-1-1",
	    "LTO-6 テープ 3本、読み取りエラー",
	    { { "medium", "LTO-6 テープ #1" },
	      { "medium", "LTO-6 テープ #2" },
	      { "medium", "LTO-6 テープ #3" },
	      { "packing", "テープ専用ケース" } },
	    "2019年度の出荷記録のバックアップ。テープ#2で読み取りエラーの報告あり。",
	},
	{
	    "小川 直美",
	    "070-8901-2345",
	    "naomi.ogawa@example.com",
	    "沖縄県那覇市久茂地3-21-1",
	    "ノートPC用HDD 500GB、異音・認識不可",
	    { { "medium", "HDD 500GB" },
	      { "request_form", "ご依頼書" },
	      { "packing", "段ボール箱" } },
	    "お急ぎ (来週の確定申告に必要)。特急対応の可否を確認し、お客様へ折り返し電話。",
	},
};
const size_t demo_ncases = sizeof demo_cases / sizeof demo_cases[0];
