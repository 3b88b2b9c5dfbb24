/* Text for people: local date-times from the server's UTC stamps, and lines wrapped by display
 * width. No curses here. */
#ifndef KURA_TEXT_H
#define KURA_TEXT_H

#include <stddef.h>

#define TEXT_TIME_MAX 32

/* Writes an ISO 8601 time (iso: borrowed; "2024-11-22T07:05:00Z", "+00:00", fractions or a
 * space instead of T all accepted) as local "YYYY-MM-DD HH:MM" into buf. Text that does not
 * parse is copied as it is. Returns buf. */
const char *text_local_time(const char *iso, char *buf, size_t size);

/* One wrapped line of s (borrowed) in width columns: returns how many bytes of s it shows and
 * sets *next to where the following line starts (past the newline or the space it broke at).
 * Breaks at a newline, else at the last space when there is one in the second half, else
 * between characters. */
size_t text_wrap(const char *s, int width, size_t *next);

#endif
