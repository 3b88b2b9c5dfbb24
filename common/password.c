/* Password policy and argon2id hashing. */
#include "config.h"

#include "password.h"

#include <string.h>
#include <strings.h>

#include "err.h"
#include "utf8.h"

/* Passwords of 12 or more characters that lists of leaked passwords show again and again;
 * compared without regard to case. */
static const char *const password_common[] = {
	"123456789012",    "1234567890123",       "12345678901234",
	"123456789012345", "1234567890qwerty",    "qwerty1234567890",
	"qwertyuiop123",   "qwertyuiopasdf",      "qwertyuiopasdfghjkl",
	"qwerty123456",    "qwerty123456789",     "1q2w3e4r5t6y",
	"1q2w3e4r5t6y7u",  "1qaz2wsx3edc",        "1qaz2wsx3edc4rfv",
	"qazwsxedcrfv",    "zaq12wsxcde3",        "123qweasdzxc",
	"asdfghjkl123",    "asdfghjklqwerty",     "zxcvbnm12345",
	"1234qwerasdf",    "1234qwerasdfzxcv",    "password1234",
	"password12345",   "password123456",      "passwordpassword",
	"password123!",    "password1234!",       "passw0rd1234",
	"p@ssw0rd1234",    "p@ssword1234",        "passw0rd123!",
	"welcome12345",    "welcome123!!",        "iloveyou1234",
	"iloveyou12345",   "letmein12345",        "changeme1234",
	"administrator",   "administrator1",      "adminadmin123",
	"admin1234567",    "rootpassword",        "trustno1trustno1",
	"football1234",    "baseball1234",        "superman1234",
	"princess1234",    "sunshine1234",        "monkey123456",
	"dragon123456",    "master123456",        "shadow123456",
	"michael12345",    "jennifer1234",        "computer1234",
	"internet1234",    "whatever1234",        "starwars1234",
	"abc123abc123",    "abcdefghijkl",        "abcdefghijklm",
	"abcd12345678",    "aa1234567890",        "aa123456789!",
	"111111111111",    "000000000000",        "123123123123",
	"987654321987",    "098765432109",        "147258369147",
	"qweasdzxc123",    "thequickbrownfox",    "correcthorsebatterystaple",
	"kurakurakura",    "datarecovery",        "datarecovery1",
	"securitycenter",  "informationsecurity",
};

/* True for one character repeated, or a run that only counts up or down (123456789012...). */
static int
password_trivial(const char *pw)
{
	size_t len = strlen(pw), same = 1, up = 1, down = 1;

	for (size_t i = 1; i < len; i++) {
		same += pw[i] == pw[0];
		up += (unsigned char)pw[i] == (unsigned char)pw[i - 1] + 1 ||
		      (pw[i] == '0' && pw[i - 1] == '9');
		down += (unsigned char)pw[i] + 1 == (unsigned char)pw[i - 1] ||
		        (pw[i] == '9' && pw[i - 1] == '0');
	}
	return same == len || up == len || down == len;
}

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
	if (password_trivial(pw))
		return "the password is too simple (one character repeated, or a sequence)";
	for (size_t i = 0; i < sizeof password_common / sizeof password_common[0]; i++)
		if (strcasecmp(pw, password_common[i]) == 0)
			return "the password is on a list of commonly used passwords";
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
