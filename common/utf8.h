/* Display width of UTF-8 text, so Japanese names line up in columns (setlocale must be done). */
#ifndef KURA_UTF8_H
#define KURA_UTF8_H

#include <stddef.h>

/* Columns s takes on a terminal; invalid bytes and control characters count one each. */
int utf8_width(const char *s);
/* Bytes of s that fit in cols columns without splitting a character; *used gets their width. */
size_t utf8_fit(const char *s, int cols, int *used);
/* True when s is valid UTF-8 with no control characters other than newline and tab. */
int utf8_valid_text(const char *s, size_t len, int allow_newline);

#endif
