/* Password policy and argon2id hashing. */
#include "config.h"

#include "password.h"

#include <string.h>

#include "err.h"
#include "utf8.h"

const char *
password_policy_check(const char *pw)
{
	size_t len = strlen(pw), chars = 0;

	if (!utf8_valid_text(pw, len, 0))
		return "the password must be text without control characters";
	for (size_t i = 0; i < len; i++)
		if (((unsigned char)pw[i] & 0xc0) != 0x80)
			chars++;
	if (chars < PASSWORD_MIN_CHARS)
		return "the password must have at least 12 characters";
	if (chars > PASSWORD_MAX_CHARS)
		return "the password must have at most 128 characters";
	return NULL;
}

int
password_hash(char out[PASSWORD_HASH_MAX], const char *pw)
{
	if (sodium_init() < 0)
		return ERR_INTERNAL;
	if (crypto_pwhash_str_alg(out, pw, strlen(pw), PASSWORD_OPSLIMIT, PASSWORD_MEMLIMIT,
	                          crypto_pwhash_ALG_ARGON2ID13) != 0)
		return ERR_INTERNAL;
	return 0;
}

int
password_verify(const char *hash, const char *pw)
{
	return crypto_pwhash_str_verify(hash, pw, strlen(pw)) == 0;
}

void
password_verify_dummy(const char *pw)
{
	static char dummy[PASSWORD_HASH_MAX];

	/* Racing threads may both compute it; each writes a valid hash. */
	if (dummy[0] == '\0') {
		char tmp[PASSWORD_HASH_MAX];
		if (password_hash(tmp, "kura dummy password for timing") != 0)
			return;
		memcpy(dummy, tmp, sizeof dummy);
	}
	(void)password_verify(dummy, pw);
}
