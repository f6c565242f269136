/* check_crypto.c — unit tests of cgi/lib/crypto: tokens, SHA-256, base64 and comparison. */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "crypto.h"
#include "suites.h"

static int is_base64url(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_'))
			return 0;
	}
	return 1;
}

static void hex(const uint8_t *data, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[data[i] >> 4];
		out[2 * i + 1] = digits[data[i] & 0x0f];
	}
	out[2 * len] = '\0';
}

/* A token buffer of exactly the documented size, with a guard after it that a
 * write past the end would change (ASan does not see overflows inside a struct). */
struct guarded_token {
	char token[CRYPTO_TOKEN_LEN + 1];
	char guard[8];
};

static void guarded_token(struct guarded_token *t)
{
	memset(t, 'G', sizeof(*t));
	ck_assert_int_eq(crypto_random_token(t->token), 0);
}

START_TEST(random_token_is_43_chars_of_base64url)
{
	struct guarded_token t;

	guarded_token(&t);
	ck_assert_uint_eq(strlen(t.token), CRYPTO_TOKEN_LEN);
	ck_assert_msg(is_base64url(t.token, CRYPTO_TOKEN_LEN), "not base64url: %s", t.token);
}
END_TEST

START_TEST(random_token_writes_only_its_buffer)
{
	struct guarded_token t;

	guarded_token(&t);
	ck_assert_msg(memcmp(t.guard, "GGGGGGGG", sizeof(t.guard)) == 0,
		      "crypto_random_token wrote past its %d-byte buffer",
		      CRYPTO_TOKEN_LEN + 1);
}
END_TEST

START_TEST(random_token_differs_between_calls)
{
	struct guarded_token a, b;

	guarded_token(&a);
	guarded_token(&b);
	ck_assert_str_ne(a.token, b.token);
}
END_TEST

START_TEST(random_fills_the_buffer)
{
	uint8_t a[64], b[64];

	ck_assert_int_eq(crypto_random(a, sizeof(a)), 0);
	ck_assert_int_eq(crypto_random(b, sizeof(b)), 0);
	ck_assert(memcmp(a, b, sizeof(a)) != 0);
}
END_TEST

START_TEST(sha256_matches_known_vectors)
{
	uint8_t digest[32];
	char text[65];

	/* FIPS 180-2, appendix B.1. */
	crypto_sha256("abc", 3, digest);
	hex(digest, sizeof(digest), text);
	ck_assert_str_eq(text, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	crypto_sha256("", 0, digest);
	hex(digest, sizeof(digest), text);
	ck_assert_str_eq(text, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}
END_TEST

/* RFC 4648, section 10. */
static const struct {
	const char *data, *padded, *url;
} rfc4648[] = {
	{ "", "", "" },
	{ "f", "Zg==", "Zg" },
	{ "fo", "Zm8=", "Zm8" },
	{ "foo", "Zm9v", "Zm9v" },
	{ "foob", "Zm9vYg==", "Zm9vYg" },
	{ "fooba", "Zm9vYmE=", "Zm9vYmE" },
	{ "foobar", "Zm9vYmFy", "Zm9vYmFy" },
};

START_TEST(base64_matches_rfc4648_vectors)
{
	char out[16];
	size_t len = strlen(rfc4648[_i].data);

	ck_assert_uint_eq(crypto_base64((const uint8_t *)rfc4648[_i].data, len, out),
			  strlen(rfc4648[_i].padded));
	ck_assert_str_eq(out, rfc4648[_i].padded);
}
END_TEST

START_TEST(base64url_has_no_padding)
{
	char out[16];
	size_t len = strlen(rfc4648[_i].data);

	crypto_base64url((const uint8_t *)rfc4648[_i].data, len, out);
	ck_assert_str_eq(out, rfc4648[_i].url);
}
END_TEST

START_TEST(base64url_uses_dash_and_underscore)
{
	static const uint8_t data[] = { 0xfb, 0xff, 0xbf };
	char out[8];

	crypto_base64(data, sizeof(data), out);
	ck_assert_str_eq(out, "+/+/");
	crypto_base64url(data, sizeof(data), out);
	ck_assert_str_eq(out, "-_-_");
}
END_TEST

START_TEST(base64url_of_sha256_matches_pkce_vector)
{
	static const char verifier[] = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
	uint8_t digest[32];
	char challenge[4 * ((32 + 2) / 3) + 1];

	/* RFC 7636, appendix B. */
	crypto_sha256(verifier, strlen(verifier), digest);
	crypto_base64url(digest, sizeof(digest), challenge);
	ck_assert_str_eq(challenge, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
}
END_TEST

START_TEST(base64_decode_reverses_encode)
{
	/* The decoder wants room for 3 bytes per quad, padding included. */
	uint8_t data[64], back[3 * ((64 + 2) / 3)];
	char text[4 * ((64 + 2) / 3) + 1];
	size_t len = (size_t)_i;
	long n;

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 37 + 251);
	n = crypto_base64_decode(text, crypto_base64(data, len, text), back, sizeof(back));
	ck_assert_int_eq(n, (long)len);
	ck_assert_mem_eq(back, data, len);
}
END_TEST

START_TEST(base64_decode_refuses_partial_quads)
{
	static const char *const bad[] = { "Q", "QQ", "QUJ", "QUJDR", "QUJDRA=" };
	uint8_t out[16];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(crypto_base64_decode(bad[i], strlen(bad[i]), out, sizeof(out)) == -1,
			      "accepted %s", bad[i]);
}
END_TEST

START_TEST(base64_decode_refuses_characters_outside_the_alphabet)
{
	static const char *const bad[] = { "QU!D", "QU D", "QU-D", "QU_D", "QUJ\n", "QU\0D" };
	uint8_t out[16];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(crypto_base64_decode(bad[i], 4, out, sizeof(out)) == -1,
			      "accepted bad input %zu", i);
}
END_TEST

START_TEST(base64_decode_refuses_misplaced_padding)
{
	static const char *const bad[] = { "=QUJ", "Q=JD", "QU=D", "Q===", "====",
					   "QQ=A", "QQ==QUJD", "QUJDQ===" };
	uint8_t out[16];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(crypto_base64_decode(bad[i], strlen(bad[i]), out, sizeof(out)) == -1,
			      "accepted %s", bad[i]);
}
END_TEST

START_TEST(base64_decode_refuses_a_short_output_buffer)
{
	uint8_t out[8];

	ck_assert_int_eq(crypto_base64_decode("QUJDREVG", 8, out, 5), -1);
	ck_assert_int_eq(crypto_base64_decode("QUJDREVG", 8, out, 6), 6);
	ck_assert_mem_eq(out, "ABCDEF", 6);
}
END_TEST

START_TEST(equal_compares_whole_strings)
{
	ck_assert(crypto_equal("", ""));
	ck_assert(crypto_equal("token", "token"));
	ck_assert(!crypto_equal("token", "tokem"));
	ck_assert(!crypto_equal("token", "Token"));
	ck_assert(!crypto_equal("token", "token2"));
	ck_assert(!crypto_equal("token2", "token"));
	ck_assert(!crypto_equal("", "t"));
}
END_TEST

START_TEST(base64url_decode_inverts_base64url)
{
	uint8_t data[64], back[66]; /* 3 * ceil(86 / 4): what the decoder asks room for */
	char text[100];

	for (size_t len = 1; len <= sizeof(data); len++) {
		long got;

		for (size_t i = 0; i < len; i++)
			data[i] = (uint8_t)(i * 37 + len);
		crypto_base64url(data, len, text);
		got = crypto_base64url_decode(text, strlen(text), back, sizeof(back));
		ck_assert_msg(got == (long)len, "length %zu came back as %ld", len, got);
		ck_assert_mem_eq(back, data, len);
	}
	ck_assert_int_eq(crypto_base64url_decode("", 0, back, sizeof(back)), -1);
	ck_assert_int_eq(crypto_base64url_decode("QQ==", 4, back, sizeof(back)), -1);
	ck_assert_int_eq(crypto_base64url_decode("a+b/", 4, back, sizeof(back)), -1);
	ck_assert_int_eq(crypto_base64url_decode("QUJDR", 5, back, sizeof(back)), -1);
	ck_assert_int_eq(crypto_base64url_decode("QUJDRA", 6, back, 3), -1);
}
END_TEST

Suite *crypto_suite(void)
{
	Suite *s = suite_create("crypto");
	TCase *url = tcase_create("base64url decode");
	TCase *random = tcase_create("random");
	TCase *hash = tcase_create("sha256");
	TCase *base64 = tcase_create("base64");
	TCase *equal = tcase_create("equal");
	int vectors = (int)(sizeof(rfc4648) / sizeof(rfc4648[0]));

	tcase_add_test(random, random_token_is_43_chars_of_base64url);
	tcase_add_test(random, random_token_writes_only_its_buffer);
	tcase_add_test(random, random_token_differs_between_calls);
	tcase_add_test(random, random_fills_the_buffer);
	suite_add_tcase(s, random);

	tcase_add_test(hash, sha256_matches_known_vectors);
	suite_add_tcase(s, hash);

	tcase_add_loop_test(base64, base64_matches_rfc4648_vectors, 0, vectors);
	tcase_add_loop_test(base64, base64url_has_no_padding, 0, vectors);
	tcase_add_test(base64, base64url_uses_dash_and_underscore);
	tcase_add_test(base64, base64url_of_sha256_matches_pkce_vector);
	tcase_add_loop_test(base64, base64_decode_reverses_encode, 1, 65);
	tcase_add_test(base64, base64_decode_refuses_partial_quads);
	tcase_add_test(base64, base64_decode_refuses_characters_outside_the_alphabet);
	tcase_add_test(base64, base64_decode_refuses_misplaced_padding);
	tcase_add_test(base64, base64_decode_refuses_a_short_output_buffer);
	suite_add_tcase(s, base64);

	tcase_add_test(equal, equal_compares_whole_strings);
	suite_add_tcase(s, equal);
	tcase_add_test(url, base64url_decode_inverts_base64url);
	suite_add_tcase(s, url);
	return s;
}
