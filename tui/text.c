/* Local time display and width-aware wrapping. */
#include "config.h"

#include "text.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <wchar.h>

const char *
text_local_time(const char *iso, char *buf, size_t size)
{
	struct tm tm, local;
	int y, mo, d, h, mi, s = 0, n = 0, offh = 0, offm = 0;
	const char *p;
	time_t t;

	if (iso == NULL) {
		snprintf(buf, size, "%s", "");
		return buf;
	}
	if (sscanf(iso, "%4d-%2d-%2d%*1[T ]%2d:%2d%n", &y, &mo, &d, &h, &mi, &n) != 5 || n == 0)
		goto raw;
	p = iso + n;
	if (*p == ':') {
		int k = 0;
		if (sscanf(p, ":%2d%n", &s, &k) != 1)
			goto raw;
		p += k;
	}
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++)
			;
	if (*p == '+' || *p == '-') {
		int sign = *p == '-' ? -1 : 1, k = 0;
		if (sscanf(p + 1, "%2d%n", &offh, &k) != 1)
			goto raw;
		p += 1 + k;
		if (*p == ':')
			p++;
		if (*p >= '0' && *p <= '9')
			sscanf(p, "%2d", &offm);
		offh *= sign;
		offm *= sign;
	} else if (*p != 'Z' && *p != '\0') {
		goto raw;
	}
	memset(&tm, 0, sizeof tm);
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	t = timegm(&tm) - (time_t)(offh * 3600 + offm * 60);
	if (localtime_r(&t, &local) == NULL)
		goto raw;
	strftime(buf, size, "%Y-%m-%d %H:%M", &local);
	return buf;
raw:
	snprintf(buf, size, "%s", iso);
	return buf;
}

/* Bytes of the first len bytes of s that fit in width columns, by whole characters; invalid
 * bytes and control characters count one column each, as they are drawn. */
static size_t
text_fit(const char *s, size_t len, int width)
{
	mbstate_t st;
	size_t i = 0;
	int used = 0;

	memset(&st, 0, sizeof st);
	while (i < len) {
		wchar_t wc;
		size_t k = mbrtowc(&wc, s + i, len - i, &st);
		int w = 1;

		if (k == (size_t)-1 || k == (size_t)-2 || k == 0) {
			k = 1;
			memset(&st, 0, sizeof st);
		} else if (wcwidth(wc) >= 0) {
			w = wcwidth(wc);
		}
		if (used + w > width)
			break;
		used += w;
		i += k;
	}
	return i;
}

size_t
text_wrap(const char *s, int width, size_t *next)
{
	const char *nl = strchr(s, '\n');
	size_t line = nl != NULL ? (size_t)(nl - s) : strlen(s), fit, sp;

	if (width < 1)
		width = 1;
	fit = text_fit(s, line, width);
	if (fit >= line) {
		*next = line + (nl != NULL ? 1 : 0);
		return line;
	}
	if (fit == 0) {
		/* A character wider than the whole line: show nothing, step past it. */
		fit = 1;
		while ((s[fit] & 0xc0) == 0x80)
			fit++;
		*next = fit;
		return 0;
	}
	for (sp = fit; sp > fit / 2; sp--) {
		if (s[sp] == ' ') {
			*next = sp + 1;
			return sp;
		}
	}
	*next = fit;
	return fit;
}
