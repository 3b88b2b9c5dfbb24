/* Password policy and argon2id hashing (libsodium), shared by kurad and kuractl. */
#ifndef KURA_PASSWORD_H
#define KURA_PASSWORD_H

#include <sodium.h>

#define PASSWORD_MIN_CHARS 12
#define PASSWORD_MAX_CHARS 128
/* argon2id cost: at least 19 MiB of memory and 2 passes (OWASP's minimum for argon2id). */
#define PASSWORD_OPSLIMIT 2
#define PASSWORD_MEMLIMIT (19u << 20)
#define PASSWORD_HASH_MAX crypto_pwhash_STRBYTES

/* Checks the policy: 12 to 128 characters (not bytes), valid UTF-8 text, not trivial and
 * not on the list of common passwords.
 * Returns NULL when acceptable, else a static message for the person choosing it. */
const char *password_policy_check(const char *pw);
/* Hashes pw into out (PASSWORD_HASH_MAX bytes). Returns 0 or ERR_INTERNAL. */
int password_hash(char out[PASSWORD_HASH_MAX], const char *pw);
/* Returns 1 when pw matches the stored hash, 0 otherwise. */
int password_verify(const char *hash, const char *pw);
/* Spends the time of a verification against a dummy hash, so that an unknown user is
 * answered in about the time of a wrong password. */
void password_verify_dummy(const char *pw);

#endif
