/* Error codes shared by every kura program: one table holds the wire code and the message. */
#ifndef KURA_ERR_H
#define KURA_ERR_H

/* Fallible functions return 0 or one of these (negative). Foreign codes (NNG_E*, SQLSTATE)
 * are converted to these once, at the boundary. */
enum kura_err {
	KURA_OK = 0,
	ERR_BAD_REQUEST = -1,
	ERR_UNAUTHENTICATED = -2,
	ERR_FORBIDDEN = -3,
	ERR_NOT_FOUND = -4,
	ERR_CONFLICT = -5,
	ERR_INVALID_STATE = -6,
	ERR_RATE_LIMITED = -7,
	ERR_UNAVAILABLE = -8,
	ERR_INTERNAL = -9,
};
#define ERR_COUNT 10

/* The stable wire code ("bad_request", ...); "internal" for anything unknown. */
const char *err_code(int err);
/* A short English message for people. */
const char *err_message(int err);
/* The error of a wire code; ERR_INTERNAL for an unknown code. */
int err_from_code(const char *code);

#endif
