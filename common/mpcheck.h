/* The bounded decoder: walks raw msgpack bytes and refuses anything msgpack-c should not be
 * asked to unpack (too large, too deep, lengths that claim more than the bytes that remain). */
#ifndef KURA_MPCHECK_H
#define KURA_MPCHECK_H

#include <stddef.h>
#include <stdint.h>

struct mpcheck_limits {
	size_t max_size;    /* whole message, bytes */
	unsigned max_depth; /* nesting of arrays and maps; the top object is depth 1 */
	uint32_t max_items; /* elements of all arrays and maps together */
};

#define MPCHECK_MAX_SIZE 1048576u
#define MPCHECK_LIMITS_DEFAULT                                                                     \
	{                                                                                          \
		MPCHECK_MAX_SIZE, 16, 65536                                                        \
	}

/* Checks that buf holds exactly one well-formed msgpack object within lim.
 * buf: borrowed. why: set to a static reason on failure (may be NULL).
 * Returns 0 or ERR_BAD_REQUEST. */
int mpcheck(const void *buf, size_t len, const struct mpcheck_limits *lim, const char **why);

#endif
