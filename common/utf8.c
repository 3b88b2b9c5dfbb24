/* UTF-8 display width and validation. */
#include "config.h"

#include "utf8.h"

#include <stdint.h>
#include <string.h>
#include <wchar.h>

/* Decodes one code point; returns its length, or 0 for an invalid sequence. */
static size_t
utf8_decode(const unsigned char *s, size_t len, uint32_t *cp)
{
	uint32_t c;
	size_t n;

	if (len == 0)
		return 0;
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	} else if ((s[0] & 0xe0) == 0xc0) {
		n = 2;
		c = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		n = 3;
		c = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		n = 4;
		c = s[0] & 0x07;
	} else {
		return 0;
	}
	if (len < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates and values past Unicode are invalid. */
	if ((n == 2 && c < 0x80) || (n == 3 && c < 0x800) || (n == 4 && c < 0x10000) ||
	    (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
		return 0;
	*cp = c;
	return n;
}

int
utf8_valid_text(const char *s, size_t len, int allow_newline)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < len) {
		uint32_t cp;
		size_t n = utf8_decode(p + i, len - i, &cp);

		if (n == 0)
			return 0;
		/* Control characters could drive a terminal (escape sequences): only tab and,
		 * where allowed, line breaks pass. */
		if ((cp < 0x20 && cp != '\t' && !(allow_newline && (cp == '\n' || cp == '\r'))) ||
		    (cp >= 0x7f && cp <= 0x9f))
			return 0;
		i += n;
	}
	return 1;
}

static int
utf8_cp_width(uint32_t cp)
{
	int w = wcwidth((wchar_t)cp);

	return w < 0 ? 1 : w;
}

size_t
utf8_fit(const char *s, int cols, int *used)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s), i = 0;
	int width = 0;

	while (i < len) {
		uint32_t cp;
		size_t n = utf8_decode(p + i, len - i, &cp);
		int w;

		if (n == 0) {
			n = 1;
			w = 1;
		} else {
			w = utf8_cp_width(cp);
		}
		if (width + w > cols)
			break;
		width += w;
		i += n;
	}
	if (used != NULL)
		*used = width;
	return i;
}

int
utf8_width(const char *s)
{
	int used;

	utf8_fit(s, 1 << 30, &used);
	return used;
}
