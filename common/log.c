/* Logging to stderr, one line per message, UTC timestamps. */
#include "config.h"

#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>

static const char *log_ident = "kura";
static enum log_level log_threshold = LOG_LEVEL_INFO;

void
log_init(const char *ident, enum log_level level)
{
	log_ident = ident;
	log_threshold = level;
}

void
log_msg(enum log_level level, const char *fmt, ...)
{
	static const char *names[] = { "error", "warn", "info", "debug" };
	char stamp[32], line[1024];
	struct timespec ts;
	struct tm tm;
	va_list ap;

	if (level > log_threshold)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	/* One fprintf so that lines from several threads do not interleave. */
	fprintf(stderr, "%s.%03ldZ %s[%s]: %s\n", stamp, ts.tv_nsec / 1000000, log_ident,
	        names[level], line);
}
