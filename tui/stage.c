/* The stage table (schema: kura.stages) and receipt numbers as typed or scanned. */
#include "config.h"

#include "stage.h"

#include <stdio.h>
#include <string.h>

#include "i18n.h"

static const struct stage_def stage_defs[STAGE_COUNT + 1] = {
	{ "intake", N_("Receipt/intake"), "集荷・受付", "stamp.intake",
	  N_("an operator, call centre") },
	{ "analysis", N_("Analysis start"), "解析開始", "stamp.analysis",
	  N_("a technician, tech centre") },
	{ "report", N_("Investigation report"), "調査報告", "stamp.report",
	  N_("a technician, tech centre") },
	{ "reply", N_("Customer reply"), "顧客回答", "stamp.reply",
	  N_("an operator, call centre") },
	{ "recovery", N_("Recovery or cancellation"), "復旧・取止", "stamp.recovery",
	  N_("a technician, tech centre") },
	{ "shipping", N_("Shipping or repair"), "発送・修理", "stamp.shipping",
	  N_("a shipping clerk, tech centre") },
	{ "erasure", N_("Erasure"), "情報消去", "stamp.erasure", N_("a technician, tech centre") },
	{ "closed", N_("Closed"), "完了", NULL, "" },
};

const struct stage_def *
stage_at(int index)
{
	return index >= 0 && index <= STAGE_COUNT ? &stage_defs[index] : NULL;
}

int
stage_index(const char *name)
{
	for (int i = 0; name != NULL && i <= STAGE_COUNT; i++)
		if (strcmp(stage_defs[i].name, name) == 0)
			return i;
	return -1;
}

const struct stage_def *
stage_find(const char *name)
{
	return stage_at(stage_index(name));
}

/* The ASCII character a full-width or look-alike one stands for, or 0. s: at least n bytes. */
static char
stage_ascii_of(const unsigned char *s, size_t n, size_t *len)
{
	/* U+FF10..U+FF19 full-width digits: EF BC 90..99. */
	if (n >= 3 && s[0] == 0xef && s[1] == 0xbc && s[2] >= 0x90 && s[2] <= 0x99) {
		*len = 3;
		return (char)('0' + (s[2] - 0x90));
	}
	/* U+FF0D full-width hyphen-minus, U+2212 minus, U+2010/2011 hyphens, U+30FC the
	 * long-vowel mark (typed for a dash with a Japanese input method). */
	if (n >= 3 && ((s[0] == 0xef && s[1] == 0xbc && s[2] == 0x8d) ||
	               (s[0] == 0xe2 && s[1] == 0x88 && s[2] == 0x92) ||
	               (s[0] == 0xe2 && s[1] == 0x80 && (s[2] == 0x90 || s[2] == 0x91)) ||
	               (s[0] == 0xe3 && s[1] == 0x83 && s[2] == 0xbc))) {
		*len = 3;
		return '-';
	}
	/* U+FF0A full-width asterisk, U+3000 ideographic space: dropped below. */
	if (n >= 3 && s[0] == 0xef && s[1] == 0xbc && s[2] == 0x8a) {
		*len = 3;
		return '*';
	}
	if (n >= 3 && s[0] == 0xe3 && s[1] == 0x80 && s[2] == 0x80) {
		*len = 3;
		return ' ';
	}
	return 0;
}

const char *
stage_receipt_typed(const char *in, char *out, size_t size)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t n = in != NULL ? strlen(in) : 0, o = 0, dashes = 0, last_dash = 0;

	if (size == 0)
		return out;
	while (n > 0) {
		size_t len = 1;
		char c = stage_ascii_of(s, n, &len);

		if (c == 0)
			c = (char)*s;
		s += len;
		n -= len;
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '*')
			continue;
		if (o + 1 < size) {
			if (c == '-') {
				dashes++;
				last_dash = o;
			}
			out[o++] = c;
		}
	}
	out[o] = '\0';
	/* YYMM-NNNNN-NN: an item's label; its case is the part before the second dash. */
	if (dashes == 2 && o - last_dash == 3 && out[last_dash + 1] >= '0' &&
	    out[last_dash + 1] <= '9' && out[last_dash + 2] >= '0' && out[last_dash + 2] <= '9')
		out[last_dash] = '\0';
	return out;
}
