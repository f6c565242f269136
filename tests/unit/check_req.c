/* check_req.c — unit tests of cgi/lib/req: urlencoded forms, cookies, paths, and
 * whole requests read from a fake CGI source. */
#include "config.h"

#include <string.h>

#include "req.h"
#include "suites.h"
#include "util.h"

/* Small limits so that "exactly at" and "one over" are easy to write out. */
static const struct req_limits small_limits = {
	.max_body = 64,
	.max_fields = 3,
	.max_name = 4,
	.max_value = 5,
	.max_path = 8,
	.max_header = 32,
};

/* --- helpers ------------------------------------------------------------------- */

static enum status urlencoded(const char *s, const struct req_limits *lim, struct params *out)
{
	return req_parse_urlencoded(s, strlen(s), lim, out);
}

/* Parses s with the default limits and expects a refusal that leaves no fields. */
static void assert_urlencoded_refused(const char *s, const char *why)
{
	struct params p = { NULL, 0 };
	enum status st = urlencoded(s, &req_default_limits, &p);

	ck_assert_msg(st == ST_BAD_REQUEST, "\"%s\" (%s) gave status %d, not ST_BAD_REQUEST", s,
		      why, st);
	ck_assert_msg(p.count == 0 && p.items == NULL, "\"%s\" refused but left %zu fields", s,
		      p.count);
	params_free(&p);
}

/* The value of name in p, or fails the test naming what was missing. */
static const char *value_of(const struct params *p, const char *name)
{
	const struct param *item = params_get(p, name);

	ck_assert_msg(item != NULL, "no field \"%s\"", name);
	ck_assert_msg(strlen(item->value) == item->len, "field \"%s\": len %zu, but its value has %zu bytes",
		      name, item->len, strlen(item->value));
	return item->value;
}

static char *decode_path(const char *raw, const struct req_limits *lim, enum status *st)
{
	char *out = NULL;

	*st = req_decode_path(raw, strlen(raw), lim, &out);
	if (*st != ST_OK)
		ck_assert_msg(out == NULL, "req_decode_path(\"%s\") failed yet set *out", raw);
	return out;
}

/* A CGI request as nginx would pass it: a table of variables and a body that is
 * handed out at most chunk bytes per read, to exercise the read loop. */
struct cgi_var {
	const char *name;
	const char *value;
};

struct fake_cgi {
	const struct cgi_var *vars;
	size_t var_count;
	const char *body;
	size_t body_len;
	size_t chunk;     /* most bytes one read returns; 0 for no limit */
	int fail_reads;   /* read answers -1 */
	size_t read_pos;
	int read_calls;
};

#define FAKE_CGI(vars, body) { (vars), ARRAY_LEN(vars), (body), length_of(body), 3, 0, 0, 0 }

static size_t length_of(const char *body)
{
	return body != NULL ? strlen(body) : 0;
}

static const char *fake_getparam(void *ctx, const char *name)
{
	const struct fake_cgi *f = ctx;

	for (size_t i = 0; i < f->var_count; i++)
		if (strcmp(f->vars[i].name, name) == 0)
			return f->vars[i].value;
	return NULL;
}

static long fake_read(void *ctx, char *buf, size_t len)
{
	struct fake_cgi *f = ctx;
	size_t n = f->body_len - f->read_pos;

	f->read_calls++;
	if (f->fail_reads)
		return -1;
	if (n > len)
		n = len;
	if (f->chunk != 0 && n > f->chunk)
		n = f->chunk;
	memcpy(buf, f->body + f->read_pos, n);
	f->read_pos += n;
	return (long)n;
}

static enum status parse_fake(struct req *r, struct fake_cgi *f, const char *base_path,
			      const struct req_limits *lim)
{
	struct req_source src = { fake_getparam, fake_read, f };

	return req_parse(r, &src, base_path, lim);
}

/* Runs a request and expects status want; the request is freed. */
static void assert_request_status(struct fake_cgi *f, const char *base_path,
				  const struct req_limits *lim, enum status want, const char *what)
{
	struct req r;
	enum status st = parse_fake(&r, f, base_path, lim);

	ck_assert_msg(st == want, "%s: status %d, expected %d", what, st, want);
	req_free(&r);
}

/* --- req_parse_urlencoded ------------------------------------------------------- */

START_TEST(urlencoded_reads_names_and_values)
{
	struct params p;

	ck_assert_int_eq(urlencoded("a=1&name=two&x.y-z_9=3", &req_default_limits, &p), ST_OK);
	ck_assert_uint_eq(p.count, 3);
	ck_assert_str_eq(value_of(&p, "a"), "1");
	ck_assert_str_eq(value_of(&p, "name"), "two");
	ck_assert_str_eq(value_of(&p, "x.y-z_9"), "3");
	ck_assert_str_eq(p.items[0].name, "a");
	ck_assert_str_eq(p.items[2].name, "x.y-z_9");
	ck_assert_ptr_null(params_get(&p, "b"));
	params_free(&p);
}
END_TEST

START_TEST(urlencoded_empty_input_gives_no_fields)
{
	struct params p;

	ck_assert_int_eq(req_parse_urlencoded("", 0, &req_default_limits, &p), ST_OK);
	ck_assert_uint_eq(p.count, 0);
	params_free(&p);
	ck_assert_int_eq(req_parse_urlencoded("a=1", 0, &req_default_limits, &p), ST_OK);
	ck_assert_uint_eq(p.count, 0);
	params_free(&p);
}
END_TEST

START_TEST(urlencoded_skips_empty_segments)
{
	static const char *const inputs[] = { "a=1&&b=2", "&a=1&b=2", "a=1&b=2&", "&&a=1&&&b=2&&" };
	struct params p;

	for (size_t i = 0; i < ARRAY_LEN(inputs); i++) {
		ck_assert_msg(urlencoded(inputs[i], &req_default_limits, &p) == ST_OK,
			      "\"%s\" refused", inputs[i]);
		ck_assert_msg(p.count == 2, "\"%s\" gave %zu fields, not 2", inputs[i], p.count);
		ck_assert_str_eq(value_of(&p, "a"), "1");
		ck_assert_str_eq(value_of(&p, "b"), "2");
		params_free(&p);
	}
	ck_assert_int_eq(urlencoded("&&&", &req_default_limits, &p), ST_OK);
	ck_assert_uint_eq(p.count, 0);
	params_free(&p);
}
END_TEST

START_TEST(urlencoded_reads_only_len_bytes)
{
	struct params p;

	ck_assert_int_eq(req_parse_urlencoded("a=1&b=2", 3, &req_default_limits, &p), ST_OK);
	ck_assert_uint_eq(p.count, 1);
	ck_assert_str_eq(value_of(&p, "a"), "1");
	params_free(&p);
}
END_TEST

START_TEST(urlencoded_plus_decodes_to_space)
{
	struct params p;

	ck_assert_int_eq(urlencoded("q=hello+world&r=+&s=a%2Bb", &req_default_limits, &p), ST_OK);
	ck_assert_str_eq(value_of(&p, "q"), "hello world");
	ck_assert_str_eq(value_of(&p, "r"), " ");
	ck_assert_msg(strcmp(value_of(&p, "s"), "a+b") == 0, "%%2B must decode to '+', not space");
	params_free(&p);
}
END_TEST

START_TEST(urlencoded_decodes_percent_escapes)
{
	struct params p;

	ck_assert_int_eq(urlencoded("a=%41%62%2f&b=%26%3D%25&c=caf%C3%A9&d=%e2%82%ac",
				    &req_default_limits, &p),
			 ST_OK);
	ck_assert_str_eq(value_of(&p, "a"), "Ab/");
	ck_assert_str_eq(value_of(&p, "b"), "&=%");
	ck_assert_str_eq(value_of(&p, "c"), "caf\xC3\xA9");
	ck_assert_uint_eq(params_get(&p, "c")->len, 5);
	ck_assert_str_eq(value_of(&p, "d"), "\xE2\x82\xAC");
	params_free(&p);
}
END_TEST

START_TEST(urlencoded_value_may_contain_equals)
{
	struct params p;

	ck_assert_int_eq(urlencoded("a=b=c&d==", &req_default_limits, &p), ST_OK);
	ck_assert_str_eq(value_of(&p, "a"), "b=c");
	ck_assert_str_eq(value_of(&p, "d"), "=");
	params_free(&p);
}
END_TEST

START_TEST(urlencoded_key_without_equals_has_empty_value)
{
	struct params p;

	ck_assert_int_eq(urlencoded("flag&a=&b=1", &req_default_limits, &p), ST_OK);
	ck_assert_uint_eq(p.count, 3);
	ck_assert_str_eq(value_of(&p, "flag"), "");
	ck_assert_uint_eq(params_get(&p, "flag")->len, 0);
	ck_assert_str_eq(value_of(&p, "a"), "");
	ck_assert_str_eq(value_of(&p, "b"), "1");
	params_free(&p);
}
END_TEST

START_TEST(urlencoded_refuses_malformed_percent_escapes)
{
	assert_urlencoded_refused("a=%", "a lone %");
	assert_urlencoded_refused("a=%4", "one hex digit at the end");
	assert_urlencoded_refused("a=%4&b=1", "one hex digit before &");
	assert_urlencoded_refused("a=%zz", "no hex digits");
	assert_urlencoded_refused("a=%G0", "G is not hex");
	assert_urlencoded_refused("a=%0G", "second digit not hex");
	assert_urlencoded_refused("a=1%", "trailing %");
	assert_urlencoded_refused("a=%%41", "%% is not an escape");
	assert_urlencoded_refused("a=% 1", "space inside an escape");
	assert_urlencoded_refused("b=2&a=x%", "trailing % after a good field");
}
END_TEST

START_TEST(urlencoded_escape_cut_by_len_is_refused)
{
	struct params p = { NULL, 0 };

	/* The byte after len is a hex digit: an escape must not borrow it. */
	ck_assert_msg(req_parse_urlencoded("a=%41", 4, &req_default_limits, &p) == ST_BAD_REQUEST,
		      "\"a=%%4\" (cut by len before \"1\") accepted");
	params_free(&p);
	ck_assert_msg(req_parse_urlencoded("a=%41&b=1", 3, &req_default_limits, &p) == ST_BAD_REQUEST,
		      "\"a=%%\" (cut by len before \"41\") accepted");
	params_free(&p);
}
END_TEST

START_TEST(urlencoded_refuses_nul)
{
	struct params p = { NULL, 0 };

	assert_urlencoded_refused("a=%00", "an escaped NUL");
	assert_urlencoded_refused("a=x%00y", "an escaped NUL inside a value");
	ck_assert_msg(req_parse_urlencoded("a=x\0y", 5, &req_default_limits, &p) == ST_BAD_REQUEST,
		      "a raw NUL byte in a value accepted");
	params_free(&p);
	ck_assert_msg(req_parse_urlencoded("a\0=1", 4, &req_default_limits, &p) == ST_BAD_REQUEST,
		      "a raw NUL byte in a name accepted");
	params_free(&p);
}
END_TEST

START_TEST(urlencoded_refuses_invalid_utf8_after_decoding)
{
	struct params p = { NULL, 0 };

	assert_urlencoded_refused("a=%C0%80", "overlong NUL");
	assert_urlencoded_refused("a=%ED%A0%80", "a surrogate");
	assert_urlencoded_refused("a=%F4%90%80%80", "above U+10FFFF");
	assert_urlencoded_refused("a=%FF", "byte FF");
	assert_urlencoded_refused("a=%C3", "a truncated sequence");
	assert_urlencoded_refused("a=%E2%82", "a truncated 3-byte sequence");
	ck_assert_msg(urlencoded("a=\xC3(", &req_default_limits, &p) == ST_BAD_REQUEST,
		      "raw invalid UTF-8 accepted");
	params_free(&p);
}
END_TEST

START_TEST(urlencoded_refuses_duplicate_keys)
{
	assert_urlencoded_refused("a=1&a=2", "a repeated key");
	assert_urlencoded_refused("a=1&a=1", "a repeated key with the same value");
	assert_urlencoded_refused("a=1&b=2&a=3", "a repeated key further on");
	assert_urlencoded_refused("a&a", "a repeated key without values");
	assert_urlencoded_refused("a&a=", "a repeated key, with and without '='");
}
END_TEST

START_TEST(urlencoded_keys_differing_by_prefix_are_distinct)
{
	struct params p;

	ck_assert_int_eq(urlencoded("a=1&ab=2&A=3", &req_default_limits, &p), ST_OK);
	ck_assert_uint_eq(p.count, 3);
	ck_assert_str_eq(value_of(&p, "a"), "1");
	ck_assert_str_eq(value_of(&p, "ab"), "2");
	ck_assert_str_eq(value_of(&p, "A"), "3");
	params_free(&p);
}
END_TEST

START_TEST(urlencoded_refuses_keys_with_disallowed_characters)
{
	assert_urlencoded_refused("=1", "an empty name");
	assert_urlencoded_refused("=", "an empty name and value");
	assert_urlencoded_refused("a b=1", "a space");
	assert_urlencoded_refused("a+b=1", "a plus");
	assert_urlencoded_refused("a%20b=1", "an escape");
	assert_urlencoded_refused("a%41=1", "an escaped letter");
	assert_urlencoded_refused("a[]=1", "brackets");
	assert_urlencoded_refused("a;b=1", "a semicolon");
	assert_urlencoded_refused("a/b=1", "a slash");
	assert_urlencoded_refused("caf\xC3\xA9=1", "a non-ASCII letter");
	assert_urlencoded_refused("a\tb=1", "a tab");
	assert_urlencoded_refused("ok=1&b@d=2", "a bad name after a good one");
}
END_TEST

START_TEST(urlencoded_max_fields_exactly_and_one_over)
{
	struct params p = { NULL, 0 };

	ck_assert_msg(urlencoded("a=1&b=2&c=3", &small_limits, &p) == ST_OK,
		      "exactly max_fields (3) refused");
	ck_assert_uint_eq(p.count, 3);
	params_free(&p);
	ck_assert_msg(urlencoded("a=1&b=2&c=3&d=4", &small_limits, &p) == ST_BAD_REQUEST,
		      "max_fields + 1 accepted");
	ck_assert_uint_eq(p.count, 0);
	params_free(&p);
	ck_assert_msg(urlencoded("a=1&&b=2&&&c=3&", &small_limits, &p) == ST_OK,
		      "empty segments counted as fields");
	params_free(&p);
}
END_TEST

START_TEST(urlencoded_max_name_exactly_and_one_over)
{
	struct params p = { NULL, 0 };

	ck_assert_msg(urlencoded("abcd=1", &small_limits, &p) == ST_OK,
		      "a name of exactly max_name (4) bytes refused");
	params_free(&p);
	ck_assert_msg(urlencoded("abcde=1", &small_limits, &p) == ST_BAD_REQUEST,
		      "a name of max_name + 1 bytes accepted");
	params_free(&p);
	ck_assert_msg(urlencoded("abcde", &small_limits, &p) == ST_BAD_REQUEST,
		      "a name of max_name + 1 bytes without '=' accepted");
	params_free(&p);
}
END_TEST

START_TEST(urlencoded_max_value_exactly_and_one_over)
{
	struct params p = { NULL, 0 };

	ck_assert_msg(urlencoded("a=12345", &small_limits, &p) == ST_OK,
		      "a value of exactly max_value (5) bytes refused");
	ck_assert_str_eq(value_of(&p, "a"), "12345");
	params_free(&p);
	ck_assert_msg(urlencoded("a=123456", &small_limits, &p) == ST_BAD_REQUEST,
		      "a value of max_value + 1 bytes accepted");
	params_free(&p);
}
END_TEST

START_TEST(urlencoded_max_value_counts_decoded_bytes)
{
	struct params p = { NULL, 0 };

	ck_assert_msg(urlencoded("a=%41%42%43%44%45", &small_limits, &p) == ST_OK,
		      "five escaped bytes (15 raw) refused against max_value 5");
	ck_assert_str_eq(value_of(&p, "a"), "ABCDE");
	params_free(&p);
	ck_assert_msg(urlencoded("a=%41%42%43%44%45%46", &small_limits, &p) == ST_BAD_REQUEST,
		      "six decoded bytes accepted against max_value 5");
	params_free(&p);
	/* "été" is five bytes of UTF-8; one more letter is six. */
	ck_assert_msg(urlencoded("a=%C3%A9t%C3%A9", &small_limits, &p) == ST_OK,
		      "five bytes of UTF-8 refused");
	params_free(&p);
	ck_assert_msg(urlencoded("a=%C3%A9t%C3%A9s", &small_limits, &p) == ST_BAD_REQUEST,
		      "six bytes of UTF-8 accepted");
	params_free(&p);
}
END_TEST

START_TEST(urlencoded_huge_repeated_input_is_refused)
{
	const size_t size = 1024 * 1024;
	char *s = xmalloc(size + 1);
	struct params p = { NULL, 0 };

	for (size_t i = 0; i < size; i += 4)
		memcpy(s + i, "a=1&", 4);
	s[size] = '\0';
	ck_assert_int_eq(req_parse_urlencoded(s, size, &req_default_limits, &p), ST_BAD_REQUEST);
	ck_assert_uint_eq(p.count, 0);
	params_free(&p);
	free(s);
}
END_TEST

START_TEST(urlencoded_huge_distinct_input_is_refused_by_max_fields)
{
	const size_t size = 1024 * 1024;
	struct buf b;
	struct params p = { NULL, 0 };

	buf_init(&b);
	for (unsigned i = 0; b.len < size; i++)
		buf_printf(&b, "k%u=1&", i);
	ck_assert_int_eq(req_parse_urlencoded(b.data, b.len, &req_default_limits, &p),
			 ST_BAD_REQUEST);
	ck_assert_uint_eq(p.count, 0);
	params_free(&p);

	/* The same input cut just after the last field that fits is accepted. */
	buf_reset(&b);
	for (unsigned i = 0; i < req_default_limits.max_fields; i++)
		buf_printf(&b, "k%u=1&", i);
	ck_assert_int_eq(req_parse_urlencoded(b.data, b.len, &req_default_limits, &p), ST_OK);
	ck_assert_uint_eq(p.count, req_default_limits.max_fields);
	params_free(&p);
	buf_free(&b);
}
END_TEST

START_TEST(urlencoded_huge_value_is_refused_by_max_value)
{
	const size_t size = 1024 * 1024;
	char *s = xmalloc(size + 1);
	struct params p = { NULL, 0 };

	memset(s, 'v', size);
	memcpy(s, "a=", 2);
	s[size] = '\0';
	ck_assert_int_eq(req_parse_urlencoded(s, size, &req_default_limits, &p), ST_BAD_REQUEST);
	ck_assert_uint_eq(p.count, 0);
	params_free(&p);
	free(s);
}
END_TEST

/* --- req_parse_cookies ------------------------------------------------------- */

START_TEST(cookies_reads_pairs)
{
	struct params p;

	req_parse_cookies("sid=abc123; lang=fr", &req_default_limits, &p);
	ck_assert_uint_eq(p.count, 2);
	ck_assert_str_eq(value_of(&p, "sid"), "abc123");
	ck_assert_str_eq(value_of(&p, "lang"), "fr");
	params_free(&p);
}
END_TEST

START_TEST(cookies_trims_spaces)
{
	struct params p;

	req_parse_cookies("  sid=abc  ;\tlang=fr\t;   x=1", &req_default_limits, &p);
	ck_assert_uint_eq(p.count, 3);
	ck_assert_str_eq(value_of(&p, "sid"), "abc");
	ck_assert_uint_eq(params_get(&p, "sid")->len, 3);
	ck_assert_str_eq(value_of(&p, "lang"), "fr");
	ck_assert_str_eq(value_of(&p, "x"), "1");
	params_free(&p);
}
END_TEST

START_TEST(cookies_skips_malformed_pairs)
{
	struct params p;

	req_parse_cookies("novalue; =x; bad name=1; q=\"quoted\"; c=a,b; d=a\\b; ok=1; "
			  "e=caf\xC3\xA9; f=a b; g=a\x01; h[]=1; last=2",
			  &req_default_limits, &p);
	ck_assert_msg(p.count == 2, "%zu cookies kept, expected only ok and last", p.count);
	ck_assert_str_eq(value_of(&p, "ok"), "1");
	ck_assert_str_eq(value_of(&p, "last"), "2");
	params_free(&p);
}
END_TEST

START_TEST(cookies_keeps_first_of_duplicates)
{
	struct params p;

	req_parse_cookies("sid=first; other=1; sid=second", &req_default_limits, &p);
	ck_assert_uint_eq(p.count, 2);
	ck_assert_str_eq(value_of(&p, "sid"), "first");
	params_free(&p);
}
END_TEST

START_TEST(cookies_keeps_empty_values)
{
	struct params p;

	req_parse_cookies("a=; b=2", &req_default_limits, &p);
	ck_assert_uint_eq(p.count, 2);
	ck_assert_str_eq(value_of(&p, "a"), "");
	params_free(&p);
}
END_TEST

START_TEST(cookies_empty_or_absent_header_gives_none)
{
	struct params p;

	req_parse_cookies("", &req_default_limits, &p);
	ck_assert_uint_eq(p.count, 0);
	params_free(&p);
	req_parse_cookies(NULL, &req_default_limits, &p);
	ck_assert_uint_eq(p.count, 0);
	params_free(&p);
	req_parse_cookies(" ; ;;", &req_default_limits, &p);
	ck_assert_uint_eq(p.count, 0);
	params_free(&p);
}
END_TEST

START_TEST(cookies_skip_names_and_values_over_the_limits)
{
	struct params p;

	/* small_limits: names up to 4 bytes, values up to 5. */
	req_parse_cookies("abcd=12345; abcde=1; v=123456; ok=1", &small_limits, &p);
	ck_assert_msg(p.count == 2, "%zu cookies kept, expected abcd and ok", p.count);
	ck_assert_str_eq(value_of(&p, "abcd"), "12345");
	ck_assert_str_eq(value_of(&p, "ok"), "1");
	params_free(&p);
}
END_TEST

START_TEST(cookies_stop_at_max_fields)
{
	struct params p;

	req_parse_cookies("a=1; b=2; c=3; d=4; e=5", &small_limits, &p);
	ck_assert_uint_eq(p.count, small_limits.max_fields);
	ck_assert_ptr_null(params_get(&p, "d"));
	params_free(&p);
}
END_TEST

/* --- req_decode_path ---------------------------------------------------------- */

START_TEST(path_decodes_escapes)
{
	enum status st;
	char *out = decode_path("/a%20b/caf%C3%A9", &req_default_limits, &st);

	ck_assert_int_eq(st, ST_OK);
	ck_assert_str_eq(out, "/a b/caf\xC3\xA9");
	free(out);
}
END_TEST

START_TEST(path_refuses_an_escaped_slash)
{
	static const char *const bad[] = { "/settings%2Femail", "/settings/email/1%2fdisable", "/%2F" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		enum status st;
		char *out = decode_path(bad[i], &req_default_limits, &st);

		ck_assert_msg(st == ST_BAD_REQUEST, "%s was accepted", bad[i]);
		free(out);
	}
}
END_TEST

START_TEST(path_keeps_plus_as_plus)
{
	enum status st;
	char *out = decode_path("/a+b", &req_default_limits, &st);

	ck_assert_int_eq(st, ST_OK);
	ck_assert_str_eq(out, "/a+b");
	free(out);
}
END_TEST

START_TEST(path_must_start_with_slash)
{
	static const char *const bad[] = { "", "x", "login", "%2Flogin", " /login",
					   "http://x/login" };
	enum status st;

	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		char *out = decode_path(bad[i], &req_default_limits, &st);

		ck_assert_msg(st == ST_BAD_REQUEST, "\"%s\" gave status %d", bad[i], st);
		free(out);
	}
}
END_TEST

START_TEST(path_refuses_bad_escapes)
{
	static const char *const bad[] = { "/%", "/%4", "/%zz", "/%G0", "/a%", "/%00", "/a%00b",
					   "/%C0%80", "/%ED%A0%80", "/%ff", "/\xC3" };
	enum status st;

	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		char *out = decode_path(bad[i], &req_default_limits, &st);

		ck_assert_msg(st == ST_BAD_REQUEST, "\"%s\" gave status %d", bad[i], st);
		free(out);
	}
}
END_TEST

START_TEST(path_max_path_exactly_and_one_over)
{
	enum status st;
	char *out;

	out = decode_path("/1234567", &small_limits, &st);
	ck_assert_msg(st == ST_OK, "a path of exactly max_path (8) bytes refused");
	ck_assert_str_eq(out, "/1234567");
	free(out);
	out = decode_path("/12345678", &small_limits, &st);
	ck_assert_msg(st == ST_BAD_REQUEST, "a path of max_path + 1 bytes accepted");
	free(out);
	out = decode_path("/%41%42%43%44%45%46%47", &small_limits, &st);
	ck_assert_msg(st == ST_OK, "eight decoded bytes refused: max_path counts decoded bytes");
	ck_assert_str_eq(out, "/ABCDEFG");
	free(out);
}
END_TEST

START_TEST(path_reads_only_len_bytes)
{
	char *out = NULL;

	ck_assert_msg(req_decode_path("/%41", 3, &req_default_limits, &out) == ST_BAD_REQUEST,
		      "\"/%%4\" (cut by len before \"1\") accepted as \"%s\"", out ? out : "");
	free(out);
	out = NULL;

	ck_assert_int_eq(req_decode_path("/login?next=/", 6, &req_default_limits, &out), ST_OK);
	ck_assert_str_eq(out, "/login");
	free(out);
}
END_TEST

/* --- req_parse ------------------------------------------------------------------- */

START_TEST(parse_get_with_query)
{
	static const struct cgi_var vars[] = {
		{ "REQUEST_METHOD", "GET" },
		{ "REQUEST_URI", "/admin/audit?action=login.failed&page=2" },
		{ "QUERY_STRING", "action=login.failed&page=2" },
		{ "HTTP_HOST", "panel.example" },
		{ "HTTP_ACCEPT_LANGUAGE", "fr-CH, fr;q=0.9" },
		{ "HTTP_USER_AGENT", "test/1.0" },
		{ "REMOTE_ADDR", "192.0.2.7" },
	};
	struct fake_cgi f = FAKE_CGI(vars, NULL);
	struct req r;

	ck_assert_int_eq(parse_fake(&r, &f, "", &req_default_limits), ST_OK);
	ck_assert_int_eq(r.method, METHOD_GET);
	ck_assert_str_eq(r.path, "/admin/audit");
	ck_assert_uint_eq(r.query.count, 2);
	ck_assert_str_eq(value_of(&r.query, "action"), "login.failed");
	ck_assert_str_eq(value_of(&r.query, "page"), "2");
	ck_assert_uint_eq(r.form.count, 0);
	ck_assert_str_eq(r.host, "panel.example");
	ck_assert_str_eq(r.accept_language, "fr-CH, fr;q=0.9");
	ck_assert_str_eq(r.user_agent, "test/1.0");
	ck_assert_str_eq(r.remote_addr, "192.0.2.7");
	ck_assert_int_eq(r.https, 0);
	ck_assert_int_eq(f.read_calls, 0);
	req_free(&r);
}
END_TEST

START_TEST(parse_absent_headers_read_as_empty_or_null)
{
	static const struct cgi_var vars[] = { { "REQUEST_METHOD", "GET" } };
	struct fake_cgi f = FAKE_CGI(vars, NULL);
	struct req r;

	ck_assert_int_eq(parse_fake(&r, &f, "", &req_default_limits), ST_OK);
	ck_assert_str_eq(r.path, "/");
	ck_assert_str_eq(r.host, "");
	ck_assert_ptr_null(r.origin);
	ck_assert_ptr_null(r.sec_fetch_site);
	ck_assert_str_eq(r.accept_language, "");
	ck_assert_str_eq(r.user_agent, "");
	ck_assert_str_eq(r.remote_addr, "");
	ck_assert_uint_eq(r.query.count, 0);
	ck_assert_uint_eq(r.cookies.count, 0);
	req_free(&r);
}
END_TEST

START_TEST(parse_reads_origin_fetch_site_and_cookies)
{
	static const struct cgi_var vars[] = {
		{ "REQUEST_METHOD", "GET" },
		{ "REQUEST_URI", "/" },
		{ "HTTP_ORIGIN", "https://panel.example" },
		{ "HTTP_SEC_FETCH_SITE", "same-origin" },
		{ "HTTP_COOKIE", "ip_session=abc; other=1" },
	};
	struct fake_cgi f = FAKE_CGI(vars, NULL);
	struct req r;

	ck_assert_int_eq(parse_fake(&r, &f, "", &req_default_limits), ST_OK);
	ck_assert_str_eq(r.origin, "https://panel.example");
	ck_assert_str_eq(r.sec_fetch_site, "same-origin");
	ck_assert_uint_eq(r.cookies.count, 2);
	ck_assert_str_eq(value_of(&r.cookies, "ip_session"), "abc");
	req_free(&r);
}
END_TEST

START_TEST(parse_post_form_body)
{
	static const struct cgi_var vars[] = {
		{ "REQUEST_METHOD", "POST" },
		{ "REQUEST_URI", "/login" },
		{ "CONTENT_TYPE", "application/x-www-form-urlencoded" },
		{ "CONTENT_LENGTH", "40" },
	};
	struct fake_cgi f = FAKE_CGI(vars, "email=a%40b.example&password=p+w&csrf=t1");
	struct req r;

	ck_assert_uint_eq(f.body_len, 40);
	ck_assert_int_eq(parse_fake(&r, &f, "", &req_default_limits), ST_OK);
	ck_assert_int_eq(r.method, METHOD_POST);
	ck_assert_str_eq(r.path, "/login");
	ck_assert_uint_eq(r.form.count, 3);
	ck_assert_str_eq(value_of(&r.form, "email"), "a@b.example");
	ck_assert_str_eq(value_of(&r.form, "password"), "p w");
	ck_assert_str_eq(value_of(&r.form, "csrf"), "t1");
	ck_assert_msg(f.read_calls >= 14, "a body handed out 3 bytes at a time read in %d calls",
		      f.read_calls);
	req_free(&r);
}
END_TEST

START_TEST(parse_post_form_body_with_charset)
{
	static const char *const types[] = {
		"application/x-www-form-urlencoded; charset=UTF-8",
		"application/x-www-form-urlencoded;charset=utf-8",
		"application/x-www-form-urlencoded ; charset=UTF-8",
		"Application/X-WWW-Form-URLEncoded",
	};

	for (size_t i = 0; i < ARRAY_LEN(types); i++) {
		struct cgi_var vars[] = {
			{ "REQUEST_METHOD", "POST" },
			{ "REQUEST_URI", "/logout" },
			{ "CONTENT_TYPE", types[i] },
			{ "CONTENT_LENGTH", "6" },
		};
		struct fake_cgi f = FAKE_CGI(vars, "csrf=x");
		struct req r;

		ck_assert_msg(parse_fake(&r, &f, "", &req_default_limits) == ST_OK,
			      "CONTENT_TYPE \"%s\" refused", types[i]);
		ck_assert_str_eq(value_of(&r.form, "csrf"), "x");
		req_free(&r);
	}
}
END_TEST

START_TEST(parse_post_without_body_has_no_fields)
{
	static const struct cgi_var no_length[] = {
		{ "REQUEST_METHOD", "POST" },
		{ "REQUEST_URI", "/logout" },
	};
	static const struct cgi_var zero_length[] = {
		{ "REQUEST_METHOD", "POST" },
		{ "REQUEST_URI", "/logout" },
		{ "CONTENT_LENGTH", "0" },
		{ "CONTENT_TYPE", "text/plain" },
	};
	struct fake_cgi f1 = FAKE_CGI(no_length, NULL);
	struct fake_cgi f2 = FAKE_CGI(zero_length, NULL);
	struct req r;

	ck_assert_int_eq(parse_fake(&r, &f1, "", &req_default_limits), ST_OK);
	ck_assert_uint_eq(r.form.count, 0);
	req_free(&r);
	ck_assert_int_eq(parse_fake(&r, &f2, "", &req_default_limits), ST_OK);
	ck_assert_uint_eq(r.form.count, 0);
	ck_assert_int_eq(f2.read_calls, 0);
	req_free(&r);
}
END_TEST

START_TEST(parse_post_body_at_max_body_is_read)
{
	static const struct cgi_var vars[] = {
		{ "REQUEST_METHOD", "POST" },
		{ "REQUEST_URI", "/x" },
		{ "CONTENT_TYPE", "application/x-www-form-urlencoded" },
		{ "CONTENT_LENGTH", "64" },
	};
	struct req_limits lim = small_limits;
	char body[65];
	struct fake_cgi f = FAKE_CGI(vars, NULL);
	struct req r;

	lim.max_value = 64;
	memset(body, 'v', 64);
	memcpy(body, "a=", 2);
	body[64] = '\0';
	f.body = body;
	f.body_len = 64;
	ck_assert_msg(parse_fake(&r, &f, "", &lim) == ST_OK, "a body of exactly max_body refused");
	ck_assert_uint_eq(params_get(&r.form, "a")->len, 62);
	req_free(&r);
}
END_TEST

START_TEST(parse_post_body_over_max_body_is_too_large_without_reading)
{
	static const struct cgi_var vars[] = {
		{ "REQUEST_METHOD", "POST" },
		{ "REQUEST_URI", "/x" },
		{ "CONTENT_TYPE", "application/x-www-form-urlencoded" },
		{ "CONTENT_LENGTH", "65" },
	};
	static const struct cgi_var huge[] = {
		{ "REQUEST_METHOD", "POST" },
		{ "REQUEST_URI", "/x" },
		{ "CONTENT_TYPE", "application/x-www-form-urlencoded" },
		{ "CONTENT_LENGTH", "9223372036854775807" },
	};
	char body[66];
	struct fake_cgi f = FAKE_CGI(vars, NULL);
	struct fake_cgi g = FAKE_CGI(huge, NULL);

	memset(body, 'v', 65);
	memcpy(body, "a=", 2);
	body[65] = '\0';
	f.body = body;
	f.body_len = 65;
	assert_request_status(&f, "", &small_limits, ST_TOO_LARGE, "CONTENT_LENGTH max_body + 1");
	ck_assert_msg(f.read_calls == 0, "an oversized body was read (%d calls)", f.read_calls);
	assert_request_status(&g, "", &small_limits, ST_TOO_LARGE, "CONTENT_LENGTH 2^63-1");
	ck_assert_int_eq(g.read_calls, 0);
}
END_TEST

START_TEST(parse_post_content_length_beyond_int64_is_refused)
{
	static const struct cgi_var vars[] = {
		{ "REQUEST_METHOD", "POST" },
		{ "REQUEST_URI", "/x" },
		{ "CONTENT_TYPE", "application/x-www-form-urlencoded" },
		{ "CONTENT_LENGTH", "99999999999999999999" },
	};
	struct fake_cgi f = FAKE_CGI(vars, "a=1");
	struct req r;
	enum status st = parse_fake(&r, &f, "", &req_default_limits);

	/* Too big to be a number the server could have meant: 400 or 413 are both fine. */
	ck_assert_msg(st == ST_BAD_REQUEST || st == ST_TOO_LARGE, "status %d", st);
	ck_assert_int_eq(f.read_calls, 0);
	req_free(&r);
}
END_TEST

START_TEST(parse_post_wrong_content_type_is_unsupported)
{
	static const char *const types[] = {
		"text/plain",
		"multipart/form-data; boundary=xyz",
		"application/json",
		"application/x-www-form-urlencodedx",
		"application/x-www-form-urlencoded-x",
		"application/x-www-form",
		"",
		NULL, /* no CONTENT_TYPE at all */
	};

	for (size_t i = 0; i < ARRAY_LEN(types); i++) {
		struct cgi_var vars[] = {
			{ "REQUEST_METHOD", "POST" },
			{ "REQUEST_URI", "/x" },
			{ "CONTENT_LENGTH", "3" },
			{ types[i] ? "CONTENT_TYPE" : "X_NONE", types[i] },
		};
		struct fake_cgi f = FAKE_CGI(vars, "a=1");
		struct req r;
		enum status st = parse_fake(&r, &f, "", &req_default_limits);

		ck_assert_msg(st == ST_UNSUPPORTED_TYPE, "CONTENT_TYPE \"%s\": status %d",
			      types[i] ? types[i] : "(absent)", st);
		ck_assert_msg(f.read_calls == 0, "CONTENT_TYPE \"%s\": body read",
			      types[i] ? types[i] : "(absent)");
		req_free(&r);
	}
}
END_TEST

START_TEST(parse_post_body_shorter_than_content_length_is_bad_request)
{
	static const struct cgi_var vars[] = {
		{ "REQUEST_METHOD", "POST" },
		{ "REQUEST_URI", "/x" },
		{ "CONTENT_TYPE", "application/x-www-form-urlencoded" },
		{ "CONTENT_LENGTH", "10" },
	};
	struct fake_cgi f = FAKE_CGI(vars, "a=1&b");

	assert_request_status(&f, "", &req_default_limits, ST_BAD_REQUEST,
			      "CONTENT_LENGTH 10 with a 5-byte body");
	ck_assert_msg(f.read_calls >= 1, "the body was never read");
}
END_TEST

START_TEST(parse_post_read_error_is_bad_request)
{
	static const struct cgi_var vars[] = {
		{ "REQUEST_METHOD", "POST" },
		{ "REQUEST_URI", "/x" },
		{ "CONTENT_TYPE", "application/x-www-form-urlencoded" },
		{ "CONTENT_LENGTH", "3" },
	};
	struct fake_cgi f = FAKE_CGI(vars, "a=1");

	f.fail_reads = 1;
	assert_request_status(&f, "", &req_default_limits, ST_BAD_REQUEST, "a failing read");
	ck_assert_int_eq(f.read_calls, 1);
}
END_TEST

START_TEST(parse_post_non_numeric_content_length_is_bad_request)
{
	static const char *const lengths[] = { "abc", "-1", "+3", " 3", "3 ", "03", "0x3", "3.0",
					       "1e1", "3abc" };

	for (size_t i = 0; i < ARRAY_LEN(lengths); i++) {
		struct cgi_var vars[] = {
			{ "REQUEST_METHOD", "POST" },
			{ "REQUEST_URI", "/x" },
			{ "CONTENT_TYPE", "application/x-www-form-urlencoded" },
			{ "CONTENT_LENGTH", lengths[i] },
		};
		struct fake_cgi f = FAKE_CGI(vars, "a=1");
		struct req r;
		enum status st = parse_fake(&r, &f, "", &req_default_limits);

		ck_assert_msg(st == ST_BAD_REQUEST, "CONTENT_LENGTH \"%s\": status %d", lengths[i], st);
		ck_assert_int_eq(f.read_calls, 0);
		req_free(&r);
	}
}
END_TEST

START_TEST(parse_post_malformed_body_is_bad_request)
{
	static const struct cgi_var vars[] = {
		{ "REQUEST_METHOD", "POST" },
		{ "REQUEST_URI", "/x" },
		{ "CONTENT_TYPE", "application/x-www-form-urlencoded" },
		{ "CONTENT_LENGTH", "7" },
	};
	struct fake_cgi f = FAKE_CGI(vars, "a=1&a=2");

	assert_request_status(&f, "", &req_default_limits, ST_BAD_REQUEST, "a duplicate body field");
}
END_TEST

START_TEST(parse_get_does_not_read_a_body)
{
	static const struct cgi_var vars[] = {
		{ "REQUEST_METHOD", "GET" },
		{ "REQUEST_URI", "/x" },
		{ "CONTENT_TYPE", "application/x-www-form-urlencoded" },
		{ "CONTENT_LENGTH", "3" },
	};
	struct fake_cgi f = FAKE_CGI(vars, "a=1");
	struct req r;

	ck_assert_int_eq(parse_fake(&r, &f, "", &req_default_limits), ST_OK);
	ck_assert_uint_eq(r.form.count, 0);
	ck_assert_int_eq(f.read_calls, 0);
	req_free(&r);
}
END_TEST

START_TEST(parse_prefers_path_info_over_request_uri)
{
	static const struct cgi_var vars[] = {
		{ "REQUEST_METHOD", "GET" },
		{ "PATH_INFO", "/login" },
		{ "REQUEST_URI", "/panel/admin/audit?x=1" },
	};
	struct fake_cgi f = FAKE_CGI(vars, NULL);
	struct req r;

	ck_assert_int_eq(parse_fake(&r, &f, "/panel", &req_default_limits), ST_OK);
	ck_assert_str_eq(r.path, "/login");
	req_free(&r);
}
END_TEST

START_TEST(parse_empty_path_info_falls_back_to_request_uri)
{
	static const struct cgi_var vars[] = {
		{ "REQUEST_METHOD", "GET" },
		{ "PATH_INFO", "" },
		{ "REQUEST_URI", "/admin/audit?x=1" },
	};
	struct fake_cgi f = FAKE_CGI(vars, NULL);
	struct req r;

	ck_assert_int_eq(parse_fake(&r, &f, "", &req_default_limits), ST_OK);
	ck_assert_str_eq(r.path, "/admin/audit");
	req_free(&r);
}
END_TEST

START_TEST(parse_refuses_bad_path_info)
{
	static const char *const bad[] = { "login", "\xC3(", "/123456789" /* over max_path */ };

	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		struct cgi_var vars[] = {
			{ "REQUEST_METHOD", "GET" },
			{ "PATH_INFO", bad[i] },
		};
		struct fake_cgi f = FAKE_CGI(vars, NULL);

		assert_request_status(&f, "", &small_limits, ST_BAD_REQUEST, bad[i]);
	}
}
END_TEST

START_TEST(parse_request_uri_is_decoded_without_query_or_fragment)
{
	static const struct cgi_var vars[] = {
		{ "REQUEST_METHOD", "GET" },
		{ "REQUEST_URI", "/a%20b#frag?not=query" },
	};
	struct fake_cgi f = FAKE_CGI(vars, NULL);
	struct req r;

	ck_assert_int_eq(parse_fake(&r, &f, "", &req_default_limits), ST_OK);
	ck_assert_str_eq(r.path, "/a b");
	req_free(&r);
}
END_TEST

START_TEST(parse_refuses_bad_request_uri)
{
	static const char *const bad[] = { "login", "/%zz", "/%00", "/%C0%80",
					   "http://panel.example/login" };

	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		struct cgi_var vars[] = {
			{ "REQUEST_METHOD", "GET" },
			{ "REQUEST_URI", bad[i] },
		};
		struct fake_cgi f = FAKE_CGI(vars, NULL);

		assert_request_status(&f, "", &req_default_limits, ST_BAD_REQUEST, bad[i]);
	}
}
END_TEST

START_TEST(parse_strips_base_path)
{
	static const struct {
		const char *uri, *path;
	} cases[] = {
		{ "/panel/x", "/x" },
		{ "/panel/settings/email/1/disable?y=2", "/settings/email/1/disable" },
		{ "/panel", "/" },
		{ "/panel/", "/" },
		{ "/panel?next=/x", "/" },
	};

	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		struct cgi_var vars[] = {
			{ "REQUEST_METHOD", "GET" },
			{ "REQUEST_URI", cases[i].uri },
		};
		struct fake_cgi f = FAKE_CGI(vars, NULL);
		struct req r;
		enum status st = parse_fake(&r, &f, "/panel", &req_default_limits);

		ck_assert_msg(st == ST_OK, "\"%s\" under \"/panel\": status %d", cases[i].uri, st);
		ck_assert_msg(strcmp(r.path, cases[i].path) == 0, "\"%s\" gave path \"%s\", not \"%s\"",
			      cases[i].uri, r.path, cases[i].path);
		req_free(&r);
	}
}
END_TEST

START_TEST(parse_path_outside_base_path_is_not_found)
{
	static const char *const outside[] = { "/other", "/", "/panelx", "/pane", "/Panel/x",
						"/x/panel/y" };

	for (size_t i = 0; i < ARRAY_LEN(outside); i++) {
		struct cgi_var vars[] = {
			{ "REQUEST_METHOD", "GET" },
			{ "REQUEST_URI", outside[i] },
		};
		struct fake_cgi f = FAKE_CGI(vars, NULL);

		assert_request_status(&f, "/panel", &req_default_limits, ST_NOT_FOUND, outside[i]);
	}
}
END_TEST

START_TEST(parse_header_with_control_character_is_bad_request)
{
	static const struct {
		const char *name, *value;
	} cases[] = {
		{ "HTTP_HOST", "panel.example\r\nX-Evil: 1" },
		{ "HTTP_ORIGIN", "https://a\x01.example" },
		{ "HTTP_SEC_FETCH_SITE", "same\x7forigin" },
		{ "HTTP_ACCEPT_LANGUAGE", "en\n" },
		{ "HTTP_USER_AGENT", "agent\x1b[31m" },
	};

	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		struct cgi_var vars[] = {
			{ "REQUEST_METHOD", "GET" },
			{ "REQUEST_URI", "/" },
			{ cases[i].name, cases[i].value },
		};
		struct fake_cgi f = FAKE_CGI(vars, NULL);

		assert_request_status(&f, "", &req_default_limits, ST_BAD_REQUEST, cases[i].name);
	}
}
END_TEST

START_TEST(parse_header_over_its_limit_is_bad_request)
{
	char host[257], agent[34];
	struct cgi_var vars[] = {
		{ "REQUEST_METHOD", "GET" },
		{ "REQUEST_URI", "/" },
		{ "HTTP_HOST", host },
		{ "HTTP_USER_AGENT", "ok" },
	};
	struct fake_cgi f = FAKE_CGI(vars, NULL);

	memset(host, 'h', 255);
	host[255] = '\0';
	assert_request_status(&f, "", &small_limits, ST_OK, "a Host of 255 bytes");
	host[255] = 'h';
	host[256] = '\0';
	assert_request_status(&f, "", &small_limits, ST_BAD_REQUEST, "a Host of 256 bytes");

	host[0] = '\0';
	vars[3].value = agent;
	memset(agent, 'a', 32);
	agent[32] = '\0';
	assert_request_status(&f, "", &small_limits, ST_OK, "a User-Agent of max_header bytes");
	agent[32] = 'a';
	agent[33] = '\0';
	assert_request_status(&f, "", &small_limits, ST_BAD_REQUEST,
			      "a User-Agent of max_header + 1 bytes");
}
END_TEST

START_TEST(parse_query_and_cookie_are_bounded_and_checked)
{
	char long_value[40];
	struct req_limits lim = small_limits;
	struct cgi_var vars[] = {
		{ "REQUEST_METHOD", "GET" },
		{ "REQUEST_URI", "/" },
		{ "QUERY_STRING", "a=%zz" },
		{ "HTTP_COOKIE", "a=1" },
	};
	struct fake_cgi f = FAKE_CGI(vars, NULL);

	assert_request_status(&f, "", &lim, ST_BAD_REQUEST, "a malformed query string");
	vars[2].value = "a=1&a=2";
	assert_request_status(&f, "", &lim, ST_BAD_REQUEST, "a duplicate query field");
	lim.max_value = 64; /* so that only max_header can refuse the long value */
	memset(long_value, 'q', sizeof(long_value) - 1);
	long_value[sizeof(long_value) - 1] = '\0';
	memcpy(long_value, "a=", 2);
	vars[2].value = long_value;
	assert_request_status(&f, "", &lim, ST_BAD_REQUEST,
			      "a query string over max_header");
	vars[2].value = "a=1";
	vars[3].value = long_value;
	assert_request_status(&f, "", &lim, ST_BAD_REQUEST, "a Cookie over max_header");
}
END_TEST

START_TEST(parse_unknown_method_is_other)
{
	static const char *const methods[] = { "PUT", "DELETE", "OPTIONS", "get", "POSTX", "" };

	for (size_t i = 0; i < ARRAY_LEN(methods); i++) {
		struct cgi_var vars[] = {
			{ "REQUEST_METHOD", methods[i] },
			{ "REQUEST_URI", "/" },
			{ "CONTENT_TYPE", "application/x-www-form-urlencoded" },
			{ "CONTENT_LENGTH", "3" },
		};
		struct fake_cgi f = FAKE_CGI(vars, "a=1");
		struct req r;

		ck_assert_msg(parse_fake(&r, &f, "", &req_default_limits) == ST_OK,
			      "method \"%s\" refused", methods[i]);
		ck_assert_msg(r.method == METHOD_OTHER, "method \"%s\" read as %d", methods[i],
			      r.method);
		ck_assert_msg(f.read_calls == 0, "the body of a \"%s\" was read", methods[i]);
		req_free(&r);
	}
}
END_TEST

START_TEST(parse_head_is_head)
{
	static const struct cgi_var vars[] = { { "REQUEST_METHOD", "HEAD" },
					       { "REQUEST_URI", "/" } };
	struct fake_cgi f = FAKE_CGI(vars, NULL);
	struct req r;

	ck_assert_int_eq(parse_fake(&r, &f, "", &req_default_limits), ST_OK);
	ck_assert_int_eq(r.method, METHOD_HEAD);
	req_free(&r);
}
END_TEST

START_TEST(parse_missing_method_is_bad_request)
{
	static const struct cgi_var vars[] = { { "REQUEST_URI", "/" } };
	struct fake_cgi f = FAKE_CGI(vars, NULL);

	assert_request_status(&f, "", &req_default_limits, ST_BAD_REQUEST, "no REQUEST_METHOD");
}
END_TEST

START_TEST(parse_https_on_sets_the_flag)
{
	static const struct {
		const char *value;
		int https;
	} cases[] = {
		{ "on", 1 }, { "ON", 1 }, { "1", 1 }, { "off", 0 }, { "", 0 }, { "0", 0 }, { NULL, 0 },
	};

	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		struct cgi_var vars[] = {
			{ "REQUEST_METHOD", "GET" },
			{ "REQUEST_URI", "/" },
			{ cases[i].value ? "HTTPS" : "X_NONE", cases[i].value },
		};
		struct fake_cgi f = FAKE_CGI(vars, NULL);
		struct req r;

		ck_assert_int_eq(parse_fake(&r, &f, "", &req_default_limits), ST_OK);
		ck_assert_msg(r.https == cases[i].https, "HTTPS=\"%s\" gave https %d",
			      cases[i].value ? cases[i].value : "(absent)", r.https);
		req_free(&r);
	}
}
END_TEST

START_TEST(parse_overlong_remote_addr_is_dropped)
{
	static const struct cgi_var vars[] = {
		{ "REQUEST_METHOD", "GET" },
		{ "REQUEST_URI", "/" },
		{ "REMOTE_ADDR", "0123456789012345678901234567890123456789012345678901234567890123X" },
	};
	struct fake_cgi f = FAKE_CGI(vars, NULL);
	struct req r;

	ck_assert_int_eq(parse_fake(&r, &f, "", &req_default_limits), ST_OK);
	ck_assert_str_eq(r.remote_addr, "");
	req_free(&r);
}
END_TEST

START_TEST(req_free_twice_is_harmless)
{
	static const struct cgi_var vars[] = { { "REQUEST_METHOD", "GET" },
					       { "REQUEST_URI", "/%zz" } };
	struct fake_cgi f = FAKE_CGI(vars, NULL);
	struct req r;

	ck_assert_int_eq(parse_fake(&r, &f, "", &req_default_limits), ST_BAD_REQUEST);
	req_free(&r);
	req_free(&r);
}
END_TEST

Suite *req_suite(void)
{
	Suite *s = suite_create("req");
	TCase *tc;

	tc = tcase_create("urlencoded");
	tcase_add_test(tc, urlencoded_reads_names_and_values);
	tcase_add_test(tc, urlencoded_empty_input_gives_no_fields);
	tcase_add_test(tc, urlencoded_skips_empty_segments);
	tcase_add_test(tc, urlencoded_reads_only_len_bytes);
	tcase_add_test(tc, urlencoded_plus_decodes_to_space);
	tcase_add_test(tc, urlencoded_decodes_percent_escapes);
	tcase_add_test(tc, urlencoded_value_may_contain_equals);
	tcase_add_test(tc, urlencoded_key_without_equals_has_empty_value);
	tcase_add_test(tc, urlencoded_refuses_malformed_percent_escapes);
	tcase_add_test(tc, urlencoded_escape_cut_by_len_is_refused);
	tcase_add_test(tc, urlencoded_refuses_nul);
	tcase_add_test(tc, urlencoded_refuses_invalid_utf8_after_decoding);
	tcase_add_test(tc, urlencoded_refuses_duplicate_keys);
	tcase_add_test(tc, urlencoded_keys_differing_by_prefix_are_distinct);
	tcase_add_test(tc, urlencoded_refuses_keys_with_disallowed_characters);
	tcase_add_test(tc, urlencoded_max_fields_exactly_and_one_over);
	tcase_add_test(tc, urlencoded_max_name_exactly_and_one_over);
	tcase_add_test(tc, urlencoded_max_value_exactly_and_one_over);
	tcase_add_test(tc, urlencoded_max_value_counts_decoded_bytes);
	tcase_add_test(tc, urlencoded_huge_repeated_input_is_refused);
	tcase_add_test(tc, urlencoded_huge_distinct_input_is_refused_by_max_fields);
	tcase_add_test(tc, urlencoded_huge_value_is_refused_by_max_value);
	suite_add_tcase(s, tc);

	tc = tcase_create("cookies");
	tcase_add_test(tc, cookies_reads_pairs);
	tcase_add_test(tc, cookies_trims_spaces);
	tcase_add_test(tc, cookies_skips_malformed_pairs);
	tcase_add_test(tc, cookies_keeps_first_of_duplicates);
	tcase_add_test(tc, cookies_keeps_empty_values);
	tcase_add_test(tc, cookies_empty_or_absent_header_gives_none);
	tcase_add_test(tc, cookies_skip_names_and_values_over_the_limits);
	tcase_add_test(tc, cookies_stop_at_max_fields);
	suite_add_tcase(s, tc);

	tc = tcase_create("decode_path");
	tcase_add_test(tc, path_decodes_escapes);
	tcase_add_test(tc, path_refuses_an_escaped_slash);
	tcase_add_test(tc, path_keeps_plus_as_plus);
	tcase_add_test(tc, path_must_start_with_slash);
	tcase_add_test(tc, path_refuses_bad_escapes);
	tcase_add_test(tc, path_max_path_exactly_and_one_over);
	tcase_add_test(tc, path_reads_only_len_bytes);
	suite_add_tcase(s, tc);

	tc = tcase_create("parse");
	tcase_add_test(tc, parse_get_with_query);
	tcase_add_test(tc, parse_absent_headers_read_as_empty_or_null);
	tcase_add_test(tc, parse_reads_origin_fetch_site_and_cookies);
	tcase_add_test(tc, parse_post_form_body);
	tcase_add_test(tc, parse_post_form_body_with_charset);
	tcase_add_test(tc, parse_post_without_body_has_no_fields);
	tcase_add_test(tc, parse_post_body_at_max_body_is_read);
	tcase_add_test(tc, parse_post_body_over_max_body_is_too_large_without_reading);
	tcase_add_test(tc, parse_post_content_length_beyond_int64_is_refused);
	tcase_add_test(tc, parse_post_wrong_content_type_is_unsupported);
	tcase_add_test(tc, parse_post_body_shorter_than_content_length_is_bad_request);
	tcase_add_test(tc, parse_post_read_error_is_bad_request);
	tcase_add_test(tc, parse_post_non_numeric_content_length_is_bad_request);
	tcase_add_test(tc, parse_post_malformed_body_is_bad_request);
	tcase_add_test(tc, parse_get_does_not_read_a_body);
	tcase_add_test(tc, parse_prefers_path_info_over_request_uri);
	tcase_add_test(tc, parse_empty_path_info_falls_back_to_request_uri);
	tcase_add_test(tc, parse_refuses_bad_path_info);
	tcase_add_test(tc, parse_request_uri_is_decoded_without_query_or_fragment);
	tcase_add_test(tc, parse_refuses_bad_request_uri);
	tcase_add_test(tc, parse_strips_base_path);
	tcase_add_test(tc, parse_path_outside_base_path_is_not_found);
	tcase_add_test(tc, parse_header_with_control_character_is_bad_request);
	tcase_add_test(tc, parse_header_over_its_limit_is_bad_request);
	tcase_add_test(tc, parse_query_and_cookie_are_bounded_and_checked);
	tcase_add_test(tc, parse_unknown_method_is_other);
	tcase_add_test(tc, parse_head_is_head);
	tcase_add_test(tc, parse_missing_method_is_bad_request);
	tcase_add_test(tc, parse_https_on_sets_the_flag);
	tcase_add_test(tc, parse_overlong_remote_addr_is_dropped);
	tcase_add_test(tc, req_free_twice_is_harmless);
	suite_add_tcase(s, tc);

	return s;
}
