/* check_util.c — unit tests of cgi/lib/util: the strict integer parser, the UTF-8
 * checker, the growable buffer and the clock's format. */
#include "config.h"

#include <limits.h>
#include <string.h>

#include "suites.h"
#include "util.h"

/* parse_int_strict over a whole C string, with the widest bounds unless told. */
static int parse(const char *s, long long min, long long max, long long *out)
{
	return parse_int_strict(s, strlen(s), min, max, out);
}

static int parse_any(const char *s, long long *out)
{
	return parse(s, 0, LLONG_MAX, out);
}

/* utf8_valid over a byte string given with its length (it may hold NUL). */
#define UTF8_VALID(bytes) utf8_valid((bytes), sizeof(bytes) - 1)

/* --- parse_int_strict --------------------------------------------------------- */

START_TEST(int_accepts_plain_decimals)
{
	long long v = -1;

	ck_assert_msg(parse_any("0", &v) == 0, "\"0\" refused");
	ck_assert_int_eq(v, 0);
	ck_assert_msg(parse_any("7", &v) == 0, "\"7\" refused");
	ck_assert_int_eq(v, 7);
	ck_assert_msg(parse_any("1234567890", &v) == 0, "\"1234567890\" refused");
	ck_assert_int_eq(v, 1234567890LL);
}
END_TEST

START_TEST(int_refuses_leading_zeros)
{
	long long v = 42;

	ck_assert_msg(parse_any("00", &v) != 0, "\"00\" accepted");
	ck_assert_msg(parse_any("01", &v) != 0, "\"01\" accepted");
	ck_assert_msg(parse_any("0007", &v) != 0, "\"0007\" accepted");
	ck_assert_msg(v == 42, "a refused parse wrote %lld to *out", v);
}
END_TEST

START_TEST(int_refuses_signs)
{
	long long v;

	ck_assert_msg(parse_any("-1", &v) != 0, "\"-1\" accepted");
	ck_assert_msg(parse_any("+1", &v) != 0, "\"+1\" accepted");
	ck_assert_msg(parse_any("-0", &v) != 0, "\"-0\" accepted");
	ck_assert_msg(parse("-5", -10, 10, &v) != 0, "\"-5\" accepted with a negative min");
}
END_TEST

START_TEST(int_refuses_spaces_and_other_characters)
{
	long long v;
	static const char *const bad[] = { " 1", "1 ", "1 2", "\t1", "1\n", "1a", "0x10",
					   "1e3", "1.0", "1,000", "١" /* Arabic-Indic one */ };

	for (size_t i = 0; i < ARRAY_LEN(bad); i++)
		ck_assert_msg(parse_any(bad[i], &v) != 0, "\"%s\" accepted", bad[i]);
}
END_TEST

START_TEST(int_refuses_empty)
{
	long long v;

	ck_assert_msg(parse_any("", &v) != 0, "the empty string accepted");
	ck_assert_msg(parse_int_strict("12", 0, 0, 100, &v) != 0, "a zero length accepted");
}
END_TEST

START_TEST(int_reads_only_len_bytes)
{
	long long v = 0;

	ck_assert_msg(parse_int_strict("123abc", 3, 0, 1000, &v) == 0, "\"123\" of \"123abc\" refused");
	ck_assert_int_eq(v, 123);
}
END_TEST

START_TEST(int_accepts_int64_max)
{
	long long v = 0;

	ck_assert_msg(parse_any("9223372036854775807", &v) == 0, "2^63-1 refused");
	ck_assert_msg(v == LLONG_MAX, "2^63-1 read as %lld", v);
}
END_TEST

START_TEST(int_refuses_overflow_at_2_pow_63)
{
	long long v = 5;

	ck_assert_msg(parse_any("9223372036854775808", &v) != 0, "2^63 accepted");
	ck_assert_msg(parse_any("9999999999999999999", &v) != 0, "19 nines accepted");
	ck_assert_msg(parse_any("18446744073709551616", &v) != 0, "2^64 accepted");
	ck_assert_msg(parse_any("100000000000000000000", &v) != 0, "10^20 accepted");
	ck_assert_msg(v == 5, "a refused parse wrote %lld to *out", v);
}
END_TEST

START_TEST(int_bounds_are_inclusive)
{
	long long v = 0;

	ck_assert_msg(parse("1", 1, 10, &v) == 0, "min itself refused");
	ck_assert_int_eq(v, 1);
	ck_assert_msg(parse("10", 1, 10, &v) == 0, "max itself refused");
	ck_assert_int_eq(v, 10);
	ck_assert_msg(parse("0", 1, 10, &v) != 0, "one under min accepted");
	ck_assert_msg(parse("11", 1, 10, &v) != 0, "one over max accepted");
	ck_assert_msg(parse("5", 5, 5, &v) == 0, "the only value of [5, 5] refused");
	ck_assert_msg(parse("4", 5, 5, &v) != 0 && parse("6", 5, 5, &v) != 0,
		      "a value outside [5, 5] accepted");
}
END_TEST

/* --- utf8_valid ------------------------------------------------------------- */

START_TEST(utf8_accepts_ascii_and_empty)
{
	ck_assert_msg(utf8_valid("", 0), "the empty string refused");
	ck_assert_msg(UTF8_VALID("plain ASCII ~ 0x7f:\x7f"), "ASCII refused");
	ck_assert_msg(UTF8_VALID("a\0b"), "an embedded NUL is ASCII and must pass utf8_valid");
}
END_TEST

START_TEST(utf8_accepts_two_byte_chars)
{
	ck_assert_msg(UTF8_VALID("\xC2\x80"), "U+0080 refused");
	ck_assert_msg(UTF8_VALID("\xC3\xA9t\xC3\xA9"), "\"été\" refused");
	ck_assert_msg(UTF8_VALID("\xDF\xBF"), "U+07FF refused");
}
END_TEST

START_TEST(utf8_accepts_three_byte_chars)
{
	ck_assert_msg(UTF8_VALID("\xE0\xA0\x80"), "U+0800 refused");
	ck_assert_msg(UTF8_VALID("\xE2\x82\xAC"), "U+20AC (euro) refused");
	ck_assert_msg(UTF8_VALID("\xED\x9F\xBF"), "U+D7FF (just below surrogates) refused");
	ck_assert_msg(UTF8_VALID("\xEE\x80\x80"), "U+E000 (just above surrogates) refused");
	ck_assert_msg(UTF8_VALID("\xEF\xBF\xBF"), "U+FFFF refused");
}
END_TEST

START_TEST(utf8_accepts_four_byte_chars)
{
	ck_assert_msg(UTF8_VALID("\xF0\x90\x80\x80"), "U+10000 refused");
	ck_assert_msg(UTF8_VALID("\xF0\x9F\x98\x80"), "U+1F600 (emoji) refused");
	ck_assert_msg(UTF8_VALID("\xF4\x8F\xBF\xBF"), "U+10FFFF refused");
}
END_TEST

START_TEST(utf8_refuses_overlongs)
{
	ck_assert_msg(!UTF8_VALID("\xC0\x80"), "overlong NUL C0 80 accepted");
	ck_assert_msg(!UTF8_VALID("\xC1\xBF"), "overlong C1 BF accepted");
	ck_assert_msg(!UTF8_VALID("\xE0\x80\x80"), "overlong E0 80 80 accepted");
	ck_assert_msg(!UTF8_VALID("\xE0\x9F\xBF"), "overlong E0 9F BF (U+07FF) accepted");
	ck_assert_msg(!UTF8_VALID("\xF0\x80\x80\x80"), "overlong F0 80 80 80 accepted");
	ck_assert_msg(!UTF8_VALID("\xF0\x8F\xBF\xBF"), "overlong F0 8F BF BF (U+FFFF) accepted");
	ck_assert_msg(!UTF8_VALID("\xC0\xAF"), "overlong '/' C0 AF accepted");
}
END_TEST

START_TEST(utf8_refuses_surrogates)
{
	ck_assert_msg(!UTF8_VALID("\xED\xA0\x80"), "U+D800 (ED A0 80) accepted");
	ck_assert_msg(!UTF8_VALID("\xED\xBF\xBF"), "U+DFFF (ED BF BF) accepted");
	ck_assert_msg(!UTF8_VALID("\xED\xA0\xBD\xED\xB8\x80"), "a CESU-8 surrogate pair accepted");
}
END_TEST

START_TEST(utf8_refuses_above_u10ffff)
{
	ck_assert_msg(!UTF8_VALID("\xF4\x90\x80\x80"), "U+110000 (F4 90 80 80) accepted");
	ck_assert_msg(!UTF8_VALID("\xF5\x80\x80\x80"), "lead byte F5 accepted");
	ck_assert_msg(!UTF8_VALID("\xF7\xBF\xBF\xBF"), "lead byte F7 accepted");
	ck_assert_msg(!UTF8_VALID("\xF8\x88\x80\x80\x80"), "5-byte form accepted");
	ck_assert_msg(!UTF8_VALID("\xFE"), "byte FE accepted");
	ck_assert_msg(!UTF8_VALID("\xFF"), "byte FF accepted");
}
END_TEST

START_TEST(utf8_refuses_truncated_sequences)
{
	ck_assert_msg(!UTF8_VALID("\xC3"), "C3 alone accepted");
	ck_assert_msg(!UTF8_VALID("abc\xC3"), "C3 at the end accepted");
	ck_assert_msg(!UTF8_VALID("\xE2\x82"), "E2 82 (two of three) accepted");
	ck_assert_msg(!UTF8_VALID("\xF0\x9F\x98"), "F0 9F 98 (three of four) accepted");
	ck_assert_msg(!UTF8_VALID("\xE2\x82z"), "E2 82 followed by ASCII accepted");
	ck_assert_msg(!utf8_valid("\xE2\x82\xAC", 2), "a euro cut by len accepted");
}
END_TEST

START_TEST(utf8_refuses_stray_continuation_bytes)
{
	ck_assert_msg(!UTF8_VALID("\x80"), "a lone 80 accepted");
	ck_assert_msg(!UTF8_VALID("a\xBF"), "a lone BF accepted");
	ck_assert_msg(!UTF8_VALID("\xC3\xA9\xA9"), "an extra continuation byte accepted");
}
END_TEST

/* --- buf ---------------------------------------------------------------------- */

START_TEST(buf_starts_empty_and_take_gives_empty_string)
{
	struct buf b;
	char *s;

	buf_init(&b);
	ck_assert_uint_eq(b.len, 0);
	s = buf_take(&b);
	ck_assert_str_eq(s, "");
	free(s);
	buf_free(&b);
}
END_TEST

START_TEST(buf_appends_stay_nul_terminated)
{
	struct buf b;

	buf_init(&b);
	buf_puts(&b, "ab");
	buf_putc(&b, 'c');
	buf_append(&b, "de\0f", 4);
	buf_printf(&b, "-%d-%s", 42, "x");
	ck_assert_uint_eq(b.len, 12);
	ck_assert_msg(memcmp(b.data, "abcde\0f-42-x", 12) == 0, "buffer holds the wrong bytes");
	ck_assert_msg(b.data[b.len] == '\0', "buffer not NUL-terminated after the last byte");
	buf_reset(&b);
	ck_assert_uint_eq(b.len, 0);
	ck_assert_str_eq(b.data, "");
	buf_free(&b);
}
END_TEST

START_TEST(buf_grows_to_many_megabytes)
{
	enum { CHUNK = 1000, ROUNDS = 8 * 1024 };
	char chunk[CHUNK];
	struct buf b;
	char *taken;

	buf_init(&b);
	for (size_t i = 0; i < ROUNDS; i++) {
		memset(chunk, 'a' + (int)(i % 26), sizeof(chunk));
		buf_append(&b, chunk, sizeof(chunk));
	}
	ck_assert_msg(b.len == (size_t)CHUNK * ROUNDS, "len is %zu after %d appends", b.len, ROUNDS);
	ck_assert_msg(b.cap > b.len, "cap %zu leaves no room for the NUL", b.cap);
	ck_assert_msg(b.data[b.len] == '\0', "not NUL-terminated after growth");
	for (size_t i = 0; i < ROUNDS; i++)
		ck_assert_msg(b.data[i * CHUNK] == 'a' + (int)(i % 26) &&
			      b.data[i * CHUNK + CHUNK - 1] == 'a' + (int)(i % 26),
			      "chunk %zu corrupted by growth", i);
	taken = buf_take(&b);
	ck_assert_msg(b.data == NULL && b.len == 0 && b.cap == 0, "buf_take left data behind");
	ck_assert_uint_eq(strlen(taken), (size_t)CHUNK * ROUNDS);
	free(taken);
}
END_TEST

START_TEST(buf_printf_grows_past_the_first_block)
{
	struct buf b;
	char big[1000];

	memset(big, 'z', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	buf_init(&b);
	buf_puts(&b, "<");
	buf_printf(&b, "%s|%s", big, big);
	buf_puts(&b, ">");
	ck_assert_uint_eq(b.len, 1 + 999 + 1 + 999 + 1);
	ck_assert_msg(b.data[0] == '<' && b.data[1000] == '|' && b.data[b.len - 1] == '>',
		      "printf output misplaced");
	buf_free(&b);
}
END_TEST

START_TEST(xasprintf_formats)
{
	char *s = xasprintf("%s/%s.%d", "dir", "file", 7);

	ck_assert_str_eq(s, "dir/file.7");
	free(s);
}
END_TEST

/* --- format_utc ----------------------------------------------------------------- */

START_TEST(format_utc_epoch)
{
	char out[21];

	format_utc(0, out);
	ck_assert_str_eq(out, "1970-01-01T00:00:00Z");
}
END_TEST

START_TEST(format_utc_known_instant)
{
	char out[21];

	format_utc(1795883209, out);
	ck_assert_str_eq(out, "2026-11-28T16:26:49Z");
	format_utc(951782400, out); /* a leap day */
	ck_assert_str_eq(out, "2000-02-29T00:00:00Z");
}
END_TEST

START_TEST(format_utc_fills_exactly_twenty_characters)
{
	char out[22];

	memset(out, '#', sizeof(out));
	format_utc(4102444799, out); /* 2099-12-31T23:59:59Z */
	ck_assert_str_eq(out, "2099-12-31T23:59:59Z");
	ck_assert_msg(out[21] == '#', "format_utc wrote past its 21-byte buffer");
}
END_TEST

Suite *util_suite(void)
{
	Suite *s = suite_create("util");
	TCase *tc;

	tc = tcase_create("parse_int_strict");
	tcase_add_test(tc, int_accepts_plain_decimals);
	tcase_add_test(tc, int_refuses_leading_zeros);
	tcase_add_test(tc, int_refuses_signs);
	tcase_add_test(tc, int_refuses_spaces_and_other_characters);
	tcase_add_test(tc, int_refuses_empty);
	tcase_add_test(tc, int_reads_only_len_bytes);
	tcase_add_test(tc, int_accepts_int64_max);
	tcase_add_test(tc, int_refuses_overflow_at_2_pow_63);
	tcase_add_test(tc, int_bounds_are_inclusive);
	suite_add_tcase(s, tc);

	tc = tcase_create("utf8_valid");
	tcase_add_test(tc, utf8_accepts_ascii_and_empty);
	tcase_add_test(tc, utf8_accepts_two_byte_chars);
	tcase_add_test(tc, utf8_accepts_three_byte_chars);
	tcase_add_test(tc, utf8_accepts_four_byte_chars);
	tcase_add_test(tc, utf8_refuses_overlongs);
	tcase_add_test(tc, utf8_refuses_surrogates);
	tcase_add_test(tc, utf8_refuses_above_u10ffff);
	tcase_add_test(tc, utf8_refuses_truncated_sequences);
	tcase_add_test(tc, utf8_refuses_stray_continuation_bytes);
	suite_add_tcase(s, tc);

	tc = tcase_create("buf");
	tcase_add_test(tc, buf_starts_empty_and_take_gives_empty_string);
	tcase_add_test(tc, buf_appends_stay_nul_terminated);
	tcase_add_test(tc, buf_grows_to_many_megabytes);
	tcase_add_test(tc, buf_printf_grows_past_the_first_block);
	tcase_add_test(tc, xasprintf_formats);
	suite_add_tcase(s, tc);

	tc = tcase_create("format_utc");
	tcase_add_test(tc, format_utc_epoch);
	tcase_add_test(tc, format_utc_known_instant);
	tcase_add_test(tc, format_utc_fills_exactly_twenty_characters);
	suite_add_tcase(s, tc);

	return s;
}
