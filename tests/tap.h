/* A minimal TAP producer for kura's C tests: each check prints one "ok"/"not ok" line, and
 * tap_done() prints the plan. The automake TAP driver counts them. */
#ifndef KURA_TAP_H
#define KURA_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tap_count, tap_failed;

__attribute__((format(printf, 2, 3))) static int
ok(int cond, const char *fmt, ...)
{
	va_list ap;

	tap_count++;
	if (!cond)
		tap_failed++;
	printf("%s %d - ", cond ? "ok" : "not ok", tap_count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	return cond;
}

/* Compares strings; NULL equals only NULL. */
#define is_str(got, want, ...)                                                                     \
	do {                                                                                       \
		const char *g_ = (got), *w_ = (want);                                              \
		int same_ = (g_ == NULL || w_ == NULL) ? g_ == w_ : strcmp(g_, w_) == 0;           \
		if (!ok(same_, __VA_ARGS__))                                                       \
			printf("#   got: '%s'\n#   expected: '%s'\n", g_ ? g_ : "(null)",          \
			       w_ ? w_ : "(null)");                                                \
	} while (0)

#define is_int(got, want, ...)                                                                     \
	do {                                                                                       \
		long long g_ = (got), w_ = (want);                                                 \
		if (!ok(g_ == w_, __VA_ARGS__))                                                    \
			printf("#   got: %lld\n#   expected: %lld\n", g_, w_);                     \
	} while (0)

__attribute__((unused, format(printf, 1, 2))) static void
tap_diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

/* Stops the whole test program (the harness reports it as an error). */
__attribute__((unused)) static void
tap_bail(const char *why)
{
	printf("Bail out! %s\n", why);
	exit(1);
}

__attribute__((unused)) static int
tap_done(void)
{
	printf("1..%d\n", tap_count);
	return tap_failed == 0 ? 0 : 1;
}

#endif
