/* Unit tests of the client's pure parts: text fields (editing by whole wide characters),
 * local times, wrapping by display width, the key table (no key means two things in a
 * screen), and the compact rows of long lists. TAP. */
#include "config.h"

#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../tap.h"
#include "field.h"
#include "keymap.h"
#include "print.h"
#include "rows.h"
#include "stage.h"
#include "text.h"
#include "utf8.h"

static void
type(struct field *f, const char *utf8)
{
	wchar_t wc;
	mbstate_t st;
	size_t len = strlen(utf8);

	memset(&st, 0, sizeof st);
	while (len > 0) {
		size_t k = mbrtowc(&wc, utf8, len, &st);
		if (k == 0 || k > len)
			break;
		field_edit(f, ACT_NONE, (uint32_t)wc);
		utf8 += k;
		len -= k;
	}
}

static void
is_field(const struct field *f, const char *want, const char *what)
{
	char *got = field_get(f);

	is_str(got, want, "%s", what);
	free(got);
}

static void
test_field(void)
{
	struct field f;

	field_init(&f, false, 10);
	type(&f, "山田 太郎");
	is_field(&f, "山田 太郎", "Japanese text goes in as typed");
	is_int(f.len, 5, "five characters, not fifteen bytes");
	field_edit(&f, ACT_EDIT_BACKSPACE, 0);
	is_field(&f, "山田 太", "Backspace removes one whole character");
	field_edit(&f, ACT_EDIT_HOME, 0);
	field_edit(&f, ACT_EDIT_RIGHT, 0);
	type(&f, "口");
	is_field(&f, "山口田 太", "insertion at the cursor, between characters");
	field_edit(&f, ACT_EDIT_DELETE, 0);
	is_field(&f, "山口 太", "Delete removes the character under the cursor");
	field_edit(&f, ACT_EDIT_KILL, 0);
	is_field(&f, " 太", "Ctrl-U removes up to the cursor");
	type(&f, "123456789");
	is_int(f.len, 10, "the limit is in characters");
	is_int(field_edit(&f, ACT_NONE, '\t'), FIELD_IGNORED, "a tab is not text in one line");
	is_int(field_edit(&f, ACT_NONE, 0x1b), FIELD_IGNORED, "Esc is never text");
	is_int(field_edit(&f, ACT_NONE, KFN(KEY_F(2))), FIELD_IGNORED, "F2 is never text");
	is_int(field_edit(&f, ACT_EDIT_UP, 0), FIELD_EDGE_UP, "Up in one line leaves the field");
	field_clear(&f);
	ok(field_empty(&f), "cleared");
	type(&f, "\xe3\x80\x80 "); /* ideographic space, space */
	ok(field_empty(&f), "only spaces (ideographic too) count as empty");
	field_fini(&f);

	field_init(&f, true, 100);
	f.width = 10;
	type(&f, "first");
	field_edit(&f, ACT_ENTER, KC_CR);
	type(&f, "二行目");
	is_field(&f, "first\n二行目", "Enter makes a new line in a multi-line field");
	is_int(field_edit(&f, ACT_EDIT_UP, 0), FIELD_MOVED, "Up moves to the line above");
	is_int(f.cur, 5, "to the same column: 二行目 is six columns, first is five");
	is_int(field_edit(&f, ACT_EDIT_UP, 0), FIELD_EDGE_UP, "Up on the first line leaves");
	field_edit(&f, ACT_EDIT_HOME, 0);
	field_edit(&f, ACT_EDIT_DOWN, 0);
	is_int(f.cur, 6, "Down from the start of the first line: start of the second");
	field_fini(&f);

	field_init(&f, false, 64);
	f.secret = true;
	type(&f, "pässwörd");
	is_field(&f, "pässwörd", "a secret field keeps what was typed");
	field_fini(&f);
	ok(f.text == NULL && f.len == 0, "fini frees");
}

static void
test_time(void)
{
	char buf[TEXT_TIME_MAX];

	setenv("TZ", "UTC", 1);
	tzset();
	is_str(text_local_time("2024-11-22T07:05:00Z", buf, sizeof buf), "2024-11-22 07:05",
	       "UTC stays UTC");
	is_str(text_local_time("2024-11-22 07:05:31.123456+00", buf, sizeof buf),
	       "2024-11-22 07:05", "PostgreSQL's text form");
	setenv("TZ", "JST-9", 1); /* POSIX form: needs no time-zone database */
	tzset();
	is_str(text_local_time("2024-11-22T07:05:00Z", buf, sizeof buf), "2024-11-22 16:05",
	       "shown in local time (Tokyo, +9)");
	is_str(text_local_time("2024-12-31T20:00:00+00:00", buf, sizeof buf), "2025-01-01 05:00",
	       "across a year in local time");
	is_str(text_local_time("2024-11-22T16:05:00+09:00", buf, sizeof buf), "2024-11-22 16:05",
	       "an offset in the stamp is honoured");
	is_str(text_local_time("yesterday", buf, sizeof buf), "yesterday",
	       "what does not parse is shown as it is");
	unsetenv("TZ");
	tzset();
}

static void
test_wrap(void)
{
	const char *s = "連絡事項：至急対応";
	size_t next, len = text_wrap(s, 8, &next);

	is_int(len, 12, "8 columns hold four Japanese characters (12 bytes)");
	is_int(next, 12, "the next line starts right after");
	len = text_wrap("one two three", 8, &next);
	is_int(len, 7, "breaks at a space when there is one");
	is_int(next, 8, "and skips it");
	len = text_wrap("ab\ncd", 80, &next);
	is_int(len, 2, "stops at a newline");
	is_int(next, 3, "and steps over it");
	ok(utf8_width("山田 太郎") == 9, "display width of a Japanese name");
}

static void
test_keymap(void)
{
	/* The context sets screens combine: within one, a key must mean one thing. */
	static const unsigned screens[] = {
		KM_ALWAYS | KM_GLOBAL | KM_MOVE | KM_LIST | KM_CASE,           /* the case list */
		KM_ALWAYS | KM_GLOBAL | KM_MOVE | KM_CASE,                     /* case view */
		KM_ALWAYS | KM_GLOBAL | KM_MOVE,                               /* help */
		KM_ALWAYS | KM_GLOBAL | KM_MOVE | KM_LIST | KM_CASE | KM_TABS, /* queues */
		KM_ALWAYS | KM_GLOBAL | KM_MOVE | KM_SHEET, /* case sheet, its records */
		KM_ALWAYS | KM_FORM | KM_EDIT,              /* forms, search */
	};
	size_t n;
	const struct keymap_entry *t = keymap_table(&n);
	int clashes = 0, bare = 0;
	char buf[64];

	for (size_t s = 0; s < sizeof screens / sizeof screens[0]; s++)
		for (size_t i = 0; i < n; i++)
			for (size_t j = i + 1; j < n; j++) {
				if (!(t[i].context & screens[s]) || !(t[j].context & screens[s]))
					continue;
				for (int a = 0; a < KM_NKEYS && t[i].keys[a]; a++)
					for (int b = 0; b < KM_NKEYS && t[j].keys[b]; b++)
						if (t[i].keys[a] == t[j].keys[b]) {
							tap_diag("%s and %s share a key",
							         t[i].label, t[j].label);
							clashes++;
						}
			}
	is_int(clashes, 0, "no key means two things on one screen");
	for (size_t i = 0; i < n; i++)
		if (t[i].keys[0] == 0 || t[i].help == NULL || t[i].help[0] == '\0' ||
		    t[i].label == NULL)
			bare++;
	is_int(bare, 0, "every action has a key, a label and help text");
	is_int(keymap_lookup(KC_CR, screens[0]), ACT_OPEN, "Enter opens in the list");
	is_int(keymap_lookup(KC_CR, screens[5]), ACT_ENTER, "Enter moves on in a form");
	is_int(keymap_lookup('q', screens[5]), ACT_NONE, "q is text in a form");
	is_int(keymap_lookup(KCTRL('S'), screens[5]), ACT_SUBMIT, "Ctrl-S submits a form");
	is_int(keymap_lookup(KFN(KEY_F(2)), screens[5]), ACT_SUBMIT, "F2 submits a form");
	is_int(keymap_lookup('s', screens[0]), ACT_SHEET, "s opens the case sheet from the list");
	is_int(keymap_lookup('s', screens[4]), ACT_STAMP, "s stamps on the case sheet");
	is_int(keymap_lookup('5', screens[4]), ACT_NONE, "digits reach the sheet (a scan)");
	is_str(keymap_key_name(KCTRL('S'), buf, sizeof buf), "Ctrl-S", "Ctrl-S is named");
	is_str(keymap_key_name(KFN(KEY_NPAGE), buf, sizeof buf), "PgDn", "PgDn is named");
	is_str(keymap_keys_text(keymap_entry(ACT_OPEN), ", ", buf, sizeof buf), "Enter",
	       "Enter's three codes are named once");
}

static void
test_receipt(void)
{
	char buf[RECEIPT_MAX];

	is_str(stage_receipt_typed("2611-00042", buf, sizeof buf), "2611-00042", "typed as it is");
	is_str(stage_receipt_typed(" 2611-00042\r\n", buf, sizeof buf), "2611-00042",
	       "a scanner's line ending and spaces go");
	is_str(stage_receipt_typed("*2611-00042*", buf, sizeof buf), "2611-00042",
	       "Code 39 start and stop marks go");
	is_str(stage_receipt_typed("２６１１－０００４２", buf, sizeof buf), "2611-00042",
	       "full-width digits and dash from a Japanese input method");
	is_str(stage_receipt_typed("２６１１ー０００４２\xe3\x80\x80", buf, sizeof buf),
	       "2611-00042", "the long-vowel mark as a dash, an ideographic space");
	is_str(stage_receipt_typed("2611-00042-03", buf, sizeof buf), "2611-00042",
	       "an item's label verifies its case");
	is_str(stage_receipt_typed("2611-00043", buf, sizeof buf), "2611-00043",
	       "another number stays another number (the server refuses it)");
	is_str(stage_receipt_typed("2611-00042-3x", buf, sizeof buf), "2611-00042-3x",
	       "not a label: left for the server to refuse");
	ok(stage_find("erasure") != NULL && stage_index("erasure") == 6 &&
	       strcmp(stage_find("erasure")->label_ja, "情報消去") == 0,
	   "seven stages, the last one 情報消去");
	ok(stage_find("nonsense") == NULL, "an unknown stage is none");
}

static void
test_print(void)
{
	struct print_doc d;
	char cell[64];
	static const int w[3] = { 6, 4, 1 };
	const char *cells[3] = { "山田太郎", NULL, "rest of the line" };

	is_str(print_cell("山田", 6, cell, sizeof cell), "山田  ", "a cell padded by columns");
	is_str(print_cell("山田太郎", 6, cell, sizeof cell), "山田 ~",
	       "cut with ~ without splitting a character");
	ok(utf8_width(print_cell("ab山田cd", 5, cell, sizeof cell)) == 5,
	   "a cut cell is exactly as wide as asked");
	print_init(&d);
	print_cells(&d, 3, w, cells);
	print_field(&d, 4, "ラベル", "one\ntwo");
	print_line(&d, "*%s*", "2611-00042");
	is_str(d.text, "山田 ~  -     rest of the line\nラ ~  one\n      two\n*2611-00042*\n",
	       "cells, a field of two lines and a barcode line");
	print_fini(&d);
}

static void
test_rows(void)
{
	struct rows r;
	char receipt[32], big[1200], many[16];
	const char *cells[3];
	bool all = true;
	int w;

	rows_init(&r, 3, 1u << 1); /* receipt, a shared stage, a name */
	ok(rows_count(&r) == 0 && strcmp(rows_cell(&r, 0, 0, &w), "") == 0 && w == 0,
	   "empty: a row past the end is an empty cell");
	/* Pages of 50, the last one short, as the case list receives them. */
	for (int i = 0; i < 20020; i++) {
		snprintf(receipt, sizeof receipt, "2611-%05d", i);
		cells[0] = receipt;
		cells[1] = i % 3 == 0 ? "受付" : "Closed";
		cells[2] = i % 2 == 0 ? "山田 太郎" : NULL;
		rows_add(&r, cells, i % 2 == 0 ? 1 : 0);
		if (i == 49)
			ok(rows_count(&r) == 0, "rows show only when their page ends");
		if (i % 50 == 49)
			rows_end_page(&r);
	}
	rows_end_page(&r);
	rows_end_page(&r); /* an empty page is none */
	ok(rows_count(&r) == 20020 && r.npages == 401 && r.nblocks > 1,
	   "20020 rows in 401 pages, in more than one block");
	for (size_t i = 0; i < rows_count(&r); i++) {
		snprintf(receipt, sizeof receipt, "2611-%05zu", i);
		if (strcmp(rows_cell(&r, i, 0, NULL), receipt) != 0 ||
		    strcmp(rows_cell(&r, i, 1, NULL), i % 3 == 0 ? "受付" : "Closed") != 0 ||
		    strcmp(rows_cell(&r, i, 2, NULL), i % 2 == 0 ? "山田 太郎" : "") != 0 ||
		    rows_tag(&r, i) != (i % 2 == 0 ? 1u : 0u))
			all = false;
	}
	ok(all, "every cell and tag read back, across pages and blocks");
	ok(rows_cell(&r, 0, 1, NULL) == rows_cell(&r, 3, 1, NULL) && r.nshared == 2,
	   "a shared column keeps each value once");
	rows_cell(&r, 0, 2, &w);
	ok(w == 9, "the width of a Japanese name, measured when it arrived");
	rows_cell(&r, 3, 1, &w);
	ok(w == 4, "the width of a shared value");

	/* A cell of 255 columns or more, and more distinct values than can be shared. */
	memset(big, 'x', 1000);
	big[1000] = '\0';
	rows_clear(&r);
	ok(rows_count(&r) == 0 && r.nshared == 2, "cleared; the shared values stay");
	for (int i = 0; i < 300; i++) {
		snprintf(many, sizeof many, "stage %d", i);
		cells[0] = i == 0 ? big : "a";
		cells[1] = many;
		cells[2] = "b";
		rows_add(&r, cells, 0);
	}
	rows_end_page(&r);
	ok(strcmp(rows_cell(&r, 0, 0, &w), big) == 0 && w == 1000,
	   "a cell 1000 columns wide keeps its width");
	ok(strcmp(rows_cell(&r, 299, 1, &w), "stage 299") == 0 && w == 9 &&
	       strcmp(rows_cell(&r, 299, 2, NULL), "b") == 0,
	   "past 255 shared values a value is kept with its row");
	ok(strcmp(rows_cell(&r, 10, 1, NULL), "stage 10") == 0, "... and before that, shared");
	rows_fini(&r);
}

int
main(void)
{
	if (setlocale(LC_ALL, "C.UTF-8") == NULL && setlocale(LC_ALL, "en_US.UTF-8") == NULL)
		tap_bail("no UTF-8 locale");
	test_field();
	test_time();
	test_wrap();
	test_keymap();
	test_receipt();
	test_print();
	test_rows();
	return tap_done();
}
