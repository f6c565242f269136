/* check_pw.c — unit tests of cgi/lib/pw: scrypt hashes and when to make them again. */
#include "config.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#include "crypto.h"
#include "pw.h"
#include "suites.h"

/* A hash of password with other scrypt parameters, as an older release (or a
 * future one) would have stored it. */
static void hash_with(const char *password, int log_n, int r, int p, char out[PW_HASH_MAX])
{
	static const uint8_t salt[16] = "0123456789abcdef";
	uint8_t key[32];
	char salt64[32], key64[64];

	ck_assert_int_eq(EVP_PBE_scrypt(password, strlen(password), salt, sizeof(salt),
					1ULL << log_n, (uint64_t)r, (uint64_t)p, 64ULL << 20, key,
					sizeof(key)),
			 1);
	crypto_base64(salt, sizeof(salt), salt64);
	crypto_base64(key, sizeof(key), key64);
	snprintf(out, PW_HASH_MAX, "$scrypt$ln=%d,r=%d,p=%d$%s$%s", log_n, r, p, salt64, key64);
}

START_TEST(fresh_hash_verifies_and_is_current)
{
	char hash[PW_HASH_MAX];

	ck_assert_int_eq(pw_hash("correct horse", 13, hash), 0);
	ck_assert_int_eq(pw_verify("correct horse", 13, hash), 1);
	ck_assert_int_eq(pw_verify("correct horsf", 13, hash), 0);
	ck_assert_int_eq(pw_needs_rehash(hash), 0);
}
END_TEST

/* A hash with weaker (or merely other) parameters still verifies, and says it
 * should be made again with the current ones. */
START_TEST(hash_with_other_parameters_verifies_and_needs_rehash)
{
	static const int params[][3] = { { 10, 8, 1 }, { 14, 8, 3 }, { 15, 4, 3 }, { 15, 8, 1 } };
	char hash[PW_HASH_MAX];

	for (size_t i = 0; i < sizeof(params) / sizeof(params[0]); i++) {
		hash_with("hunter2", params[i][0], params[i][1], params[i][2], hash);
		ck_assert_msg(pw_verify("hunter2", 7, hash) == 1, "%s", hash);
		ck_assert_msg(pw_needs_rehash(hash) == 1, "%s", hash);
	}
}
END_TEST

START_TEST(unreadable_hash_needs_rehash)
{
	ck_assert_int_eq(pw_needs_rehash(""), 1);
	ck_assert_int_eq(pw_needs_rehash("$2b$12$bcrypt.hash"), 1);
	ck_assert_int_eq(pw_needs_rehash("$scrypt$ln=15,r=8,p=3$$"), 1);
	ck_assert_int_eq(pw_needs_rehash(NULL), 1);
}
END_TEST

Suite *pw_suite(void)
{
	Suite *s = suite_create("pw");
	TCase *tc = tcase_create("hashes");

	tcase_add_test(tc, fresh_hash_verifies_and_is_current);
	tcase_add_test(tc, hash_with_other_parameters_verifies_and_needs_rehash);
	tcase_add_test(tc, unreadable_hash_needs_rehash);
	/* scrypt at the real cost, under the sanitizers. */
	tcase_set_timeout(tc, 120);
	suite_add_tcase(s, tc);
	return s;
}
