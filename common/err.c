/* The one table of kura error codes: wire code and message. */
#include "config.h"

#include "err.h"

#include <string.h>

static const struct {
	const char *code;
	const char *message;
} err_table[ERR_COUNT] = {
	[0] = { "ok", "success" },
	[-ERR_BAD_REQUEST] = { "bad_request", "malformed or invalid request" },
	[-ERR_UNAUTHENTICATED] = { "unauthenticated", "not signed in, or the session has ended" },
	[-ERR_FORBIDDEN] = { "forbidden", "not allowed for your role on this network" },
	[-ERR_NOT_FOUND] = { "not_found", "no such object" },
	[-ERR_CONFLICT] = { "conflict", "a concurrent change conflicts with this request" },
	[-ERR_INVALID_STATE] = { "invalid_state", "not allowed in the object's current state" },
	[-ERR_RATE_LIMITED] = { "rate_limited", "too many attempts; try again later" },
	[-ERR_UNAVAILABLE] = { "unavailable", "service unavailable; try again" },
	[-ERR_INTERNAL] = { "internal", "internal error; nothing was changed" },
};

static int
err_index(int err)
{
	if (err > 0 || err <= -ERR_COUNT)
		return -ERR_INTERNAL;
	return -err;
}

const char *
err_code(int err)
{
	return err_table[err_index(err)].code;
}

const char *
err_message(int err)
{
	return err_table[err_index(err)].message;
}

int
err_from_code(const char *code)
{
	for (int i = 1; i < ERR_COUNT; i++)
		if (code != NULL && strcmp(err_table[i].code, code) == 0)
			return -i;
	return ERR_INTERNAL;
}
