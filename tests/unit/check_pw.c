/* check_pw.c — unit tests of cgi/lib/pw: scrypt password hashes, their string form,
 * the refusal of anything that is not one of them, and when to make them again. */
#include "config.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "crypto.h"
#include "pw.h"
#include "suites.h"

#define PASSWORD "correct horse battery staple"
#define PREFIX "$scrypt$ln=15,r=8,p=3$"

/* One hash of PASSWORD for the tests that only verify, made once in the runner's
 * process (an unchecked fixture) before the tests are forked: each scrypt costs a
 * tenth of a second and 32 MiB. */
static char stored[PW_HASH_MAX];

static void hash_once(void)
{
	ck_assert_int_eq(pw_hash(PASSWORD, strlen(PASSWORD), stored), 0);
}

static int verify(const char *password, const char *hash)
{
	return pw_verify(password, strlen(password), hash);
}

START_TEST(hash_has_the_documented_form)
{
	char salt64[64], key64[96];
	uint8_t bytes[64];

	ck_assert_msg(strncmp(stored, PREFIX, strlen(PREFIX)) == 0, "unexpected hash: %s", stored);
	ck_assert_int_eq(sscanf(stored + strlen(PREFIX), "%63[A-Za-z0-9+/=]$%95[A-Za-z0-9+/=]",
				salt64, key64),
			 2);
	ck_assert_int_eq(crypto_base64_decode(salt64, strlen(salt64), bytes, sizeof(bytes)), 16);
	ck_assert_int_eq(crypto_base64_decode(key64, strlen(key64), bytes, sizeof(bytes)), 32);
	ck_assert_ptr_null(strstr(stored, PASSWORD));
}
END_TEST

START_TEST(the_right_password_verifies)
{
	ck_assert_int_eq(verify(PASSWORD, stored), 1);
}
END_TEST

START_TEST(a_wrong_password_does_not)
{
	ck_assert_int_eq(verify("correct horse battery stapl", stored), 0);
	ck_assert_int_eq(verify(PASSWORD " ", stored), 0);
	ck_assert_int_eq(verify("Correct horse battery staple", stored), 0);
	ck_assert_int_eq(verify("", stored), 0);
}
END_TEST

/* The length is the password's, not strlen's: a NUL inside it is a byte like any other. */
START_TEST(bytes_after_a_nul_count)
{
	char hash[PW_HASH_MAX];

	ck_assert_int_eq(pw_hash("abc\0def", 7, hash), 0);
	ck_assert_int_eq(pw_verify("abc\0def", 7, hash), 1);
	ck_assert_int_eq(pw_verify("abc", 3, hash), 0);
	ck_assert_int_eq(pw_verify("abc\0xyz", 7, hash), 0);
}
END_TEST

START_TEST(the_same_password_hashes_differently_each_time)
{
	char again[PW_HASH_MAX];

	ck_assert_int_eq(pw_hash(PASSWORD, strlen(PASSWORD), again), 0);
	ck_assert_str_ne(again, stored);
	ck_assert_int_eq(verify(PASSWORD, again), 1);
}
END_TEST

START_TEST(a_password_over_the_limit_is_refused)
{
	static char longest[PW_MAX_LEN + 1];
	char hash[PW_HASH_MAX];

	memset(longest, 'a', sizeof(longest));
	ck_assert_int_eq(pw_hash(longest, PW_MAX_LEN + 1, hash), -1);
	ck_assert_int_eq(pw_verify(longest, PW_MAX_LEN + 1, stored), 0);
	/* The limit itself is allowed. */
	ck_assert_int_eq(pw_hash(longest, PW_MAX_LEN, hash), 0);
	ck_assert_int_eq(pw_verify(longest, PW_MAX_LEN, hash), 1);
}
END_TEST

/* Parameters are read from each hash, so raising the defaults later leaves the
 * passwords hashed before it working.  The hash here is made with ln=10, r=4, p=1. */
START_TEST(older_parameters_still_verify)
{
	static const uint8_t salt[16] = "0123456789abcdef";
	uint8_t key[32];
	char salt64[32], key64[64], hash[PW_HASH_MAX];

	ck_assert_int_eq(EVP_PBE_scrypt(PASSWORD, strlen(PASSWORD), salt, sizeof(salt), 1 << 10, 4,
					1, 0, key, sizeof(key)),
			 1);
	crypto_base64(salt, sizeof(salt), salt64);
	crypto_base64(key, sizeof(key), key64);
	snprintf(hash, sizeof(hash), "$scrypt$ln=10,r=4,p=1$%s$%s", salt64, key64);
	ck_assert_int_eq(verify(PASSWORD, hash), 1);
	ck_assert_int_eq(verify("wrong", hash), 0);
	/* The same bytes under other parameters are another hash. */
	snprintf(hash, sizeof(hash), "$scrypt$ln=11,r=4,p=1$%s$%s", salt64, key64);
	ck_assert_int_eq(verify(PASSWORD, hash), 0);
}
END_TEST

/* A stored value that is not a hash of ours never verifies, whatever the password,
 * and parameters out of bounds are refused before any work is done. */
static const char *const malformed[] = {
	"",
	"x",
	PASSWORD,
	"$scrypt$",
	"$scrypt$ln=15,r=8,p=3$",
	"$scrypt$ln=15,r=8,p=3$c2FsdHNhbHRzYWx0c2FsdA==",
	"$scrypt$ln=15,r=8,p=3$c2FsdHNhbHRzYWx0c2FsdA==$",
	"$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHRzYWx0c2FsdA==$a2V5a2V5a2V5a2V5a2V5a2V5",
	"$SCRYPT$ln=15,r=8,p=3$c2FsdHNhbHRzYWx0c2FsdA==$a2V5a2V5a2V5a2V5a2V5a2V5",
	/* Parameters out of bounds: a tampered row must not make a sign-in take minutes. */
	"$scrypt$ln=9,r=8,p=3$c2FsdHNhbHRzYWx0c2FsdA==$a2V5a2V5a2V5a2V5a2V5a2V5",
	"$scrypt$ln=21,r=8,p=3$c2FsdHNhbHRzYWx0c2FsdA==$a2V5a2V5a2V5a2V5a2V5a2V5",
	"$scrypt$ln=15,r=0,p=3$c2FsdHNhbHRzYWx0c2FsdA==$a2V5a2V5a2V5a2V5a2V5a2V5",
	"$scrypt$ln=15,r=33,p=3$c2FsdHNhbHRzYWx0c2FsdA==$a2V5a2V5a2V5a2V5a2V5a2V5",
	"$scrypt$ln=15,r=8,p=0$c2FsdHNhbHRzYWx0c2FsdA==$a2V5a2V5a2V5a2V5a2V5a2V5",
	"$scrypt$ln=15,r=8,p=17$c2FsdHNhbHRzYWx0c2FsdA==$a2V5a2V5a2V5a2V5a2V5a2V5",
	"$scrypt$ln=-1,r=8,p=3$c2FsdHNhbHRzYWx0c2FsdA==$a2V5a2V5a2V5a2V5a2V5a2V5",
	"$scrypt$ln=99999999999,r=8,p=3$c2FsdHNhbHRzYWx0c2FsdA==$a2V5a2V5a2V5a2V5a2V5a2V5",
	/* Salt under 8 bytes, key under 16. */
	"$scrypt$ln=15,r=8,p=3$c2FsdA==$a2V5a2V5a2V5a2V5a2V5a2V5",
	"$scrypt$ln=15,r=8,p=3$c2FsdHNhbHRzYWx0c2FsdA==$a2V5a2V5",
	/* Not base64: bad characters, bad padding, base64url's alphabet. */
	"$scrypt$ln=15,r=8,p=3$c2FsdHNhbHRzYWx0c2FsdA==$a2V5a2V5a2V5a2V5a2V5a2V5!",
	"$scrypt$ln=15,r=8,p=3$c2FsdHNhbHRzYWx0c2FsdA=$a2V5a2V5a2V5a2V5a2V5a2V5",
	"$scrypt$ln=15,r=8,p=3$c2FsdHNhbHRzYWx0c2FsdA==$a2V5a2V5a2V5a2V5a2V5a2V5-_",
	/* Trailing bytes after a well-formed hash. */
	"$scrypt$ln=15,r=8,p=3$c2FsdHNhbHRzYWx0c2FsdA==$a2V5a2V5a2V5a2V5a2V5a2V5$",
	"$scrypt$ln=15,r=8,p=3$c2FsdHNhbHRzYWx0c2FsdA==$a2V5a2V5a2V5a2V5a2V5a2V5 ",
	"$scrypt$ln=15,r=8,p=3$c2FsdHNhbHRzYWx0c2FsdA==$a2V5a2V5a2V5a2V5a2V5a2V5\n",
	/* Longer than the fields' buffers. */
	"$scrypt$ln=15,r=8,p=3$"
	"c2FsdHNhbHRzYWx0c2FsdHNhbHRzYWx0c2FsdHNhbHRzYWx0c2FsdHNhbHRzYWx0c2FsdHNhbHRzYWx0"
	"$a2V5a2V5a2V5a2V5a2V5a2V5",
};

START_TEST(a_malformed_hash_never_verifies)
{
	clock_t start = clock();

	ck_assert_msg(verify(PASSWORD, malformed[_i]) == 0, "verified against \"%s\"",
		      malformed[_i]);
	ck_assert_msg(verify("", malformed[_i]) == 0, "verified against \"%s\"", malformed[_i]);
	/* Refused by parsing, not by a full scrypt. */
	ck_assert_msg((double)(clock() - start) / CLOCKS_PER_SEC < 0.02,
		      "\"%s\" took a derivation to refuse", malformed[_i]);
}
END_TEST

START_TEST(a_changed_hash_does_not_verify)
{
	char changed[PW_HASH_MAX], *c;

	snprintf(changed, sizeof(changed), "%s", stored);
	/* The first character of the key, then of the salt: whole bits, never padding. */
	c = strrchr(changed, '$') + 1;
	*c = *c == 'A' ? 'B' : 'A';
	ck_assert_int_eq(verify(PASSWORD, changed), 0);
	snprintf(changed, sizeof(changed), "%s", stored);
	c = changed + strlen(PREFIX);
	*c = *c == 'A' ? 'B' : 'A';
	ck_assert_int_eq(verify(PASSWORD, changed), 0);
}
END_TEST

/* Signing in as an unknown user must cost what a wrong password costs, or the time
 * of the answer tells which accounts exist.  Loose bounds: the machine is shared. */
START_TEST(dummy_verify_costs_a_real_one)
{
	struct timespec a, b;
	double real = 1e9, dummy = 1e9, t;

	for (int i = 0; i < 3; i++) {
		clock_gettime(CLOCK_MONOTONIC, &a);
		ck_assert_int_eq(verify("wrong password", stored), 0);
		clock_gettime(CLOCK_MONOTONIC, &b);
		t = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
		real = t < real ? t : real;
		clock_gettime(CLOCK_MONOTONIC, &a);
		pw_verify_dummy("wrong password", strlen("wrong password"));
		clock_gettime(CLOCK_MONOTONIC, &b);
		t = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
		dummy = t < dummy ? t : dummy;
	}
	ck_assert_msg(dummy > real / 3 && dummy < real * 3,
		      "a dummy verification took %.3f s, a real one %.3f s", dummy, real);
}
END_TEST

/* A password over the limit still costs one bounded derivation, not a refusal at once
 * (which would answer faster) nor an unbounded one. */
START_TEST(dummy_verify_accepts_any_length)
{
	static char huge[PW_MAX_LEN * 4];

	memset(huge, 'x', sizeof(huge));
	pw_verify_dummy(huge, sizeof(huge));
	pw_verify_dummy("", 0);
}
END_TEST

/* --- when a hash should be made again (pw_needs_rehash) --------------------- */

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

START_TEST(a_fresh_hash_is_current)
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

	tcase_add_unchecked_fixture(tc, hash_once, NULL);
	tcase_add_test(tc, hash_has_the_documented_form);
	tcase_add_test(tc, the_right_password_verifies);
	tcase_add_test(tc, a_wrong_password_does_not);
	tcase_add_test(tc, bytes_after_a_nul_count);
	tcase_add_test(tc, the_same_password_hashes_differently_each_time);
	tcase_add_test(tc, a_password_over_the_limit_is_refused);
	tcase_add_test(tc, older_parameters_still_verify);
	tcase_add_loop_test(tc, a_malformed_hash_never_verifies, 0,
			    (int)(sizeof(malformed) / sizeof(malformed[0])));
	tcase_add_test(tc, a_changed_hash_does_not_verify);
	tcase_add_test(tc, dummy_verify_costs_a_real_one);
	tcase_add_test(tc, dummy_verify_accepts_any_length);
	tcase_add_test(tc, a_fresh_hash_is_current);
	tcase_add_test(tc, hash_with_other_parameters_verifies_and_needs_rehash);
	tcase_add_test(tc, unreadable_hash_needs_rehash);
	/* scrypt on a shared machine, under the sanitizers. */
	tcase_set_timeout(tc, 120);
	suite_add_tcase(s, tc);
	return s;
}
