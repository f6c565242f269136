/* check_form.c — unit tests of cgi/lib/form: every field type's validator, required
 * and optional fields, and which field a refusal names. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "form.h"
#include "req.h"
#include "suites.h"
#include "util.h"

static const char *const colours[] = { "red", "green", "blue", NULL };

/* --- helpers ------------------------------------------------------------------- */

/* Builds params from "name=value&..." with the request parser itself, so the values
 * are what a handler would see (decoded, NUL-free UTF-8). */
static void params_from(const char *urlencoded, struct params *out)
{
	enum status st = req_parse_urlencoded(urlencoded, strlen(urlencoded), &req_default_limits, out);

	ck_assert_msg(st == ST_OK, "test input \"%s\" did not parse", urlencoded);
}

/* Validates a form of the one field f against urlencoded input. */
static enum status validate_one(const struct field *f, const char *urlencoded,
				struct field_value *value, const char **bad_field)
{
	struct form form = { f, 1 };
	struct params p;
	enum status st;

	params_from(urlencoded, &p);
	*bad_field = NULL;
	st = form_validate(&form, &p, value, bad_field);
	params_free(&p);
	/* value->str points into p: not to be read after this. */
	value->str = NULL;
	return st;
}

static void assert_accepts(const struct field *f, const char *urlencoded)
{
	struct field_value v;
	const char *bad;
	enum status st = validate_one(f, urlencoded, &v, &bad);

	ck_assert_msg(st == ST_OK, "field %s refused \"%s\" (bad_field %s)", f->name, urlencoded,
		      bad ? bad : "NULL");
	ck_assert_msg(v.present, "field %s: \"%s\" accepted but not marked present", f->name,
		      urlencoded);
}

static void assert_refuses(const struct field *f, const char *urlencoded)
{
	struct field_value v;
	const char *bad;
	enum status st = validate_one(f, urlencoded, &v, &bad);

	ck_assert_msg(st == ST_BAD_REQUEST, "field %s accepted \"%s\"", f->name, urlencoded);
	ck_assert_msg(bad != NULL && strcmp(bad, f->name) == 0,
		      "field %s refused \"%s\" but bad_field is %s", f->name, urlencoded,
		      bad ? bad : "NULL");
}

static void assert_email(const char *s, int valid)
{
	ck_assert_msg(form_email_valid(s, strlen(s)) == valid, "form_email_valid(\"%s\") is not %d",
		      s, valid);
}

static void assert_local_path(const char *s, int valid)
{
	ck_assert_msg(form_local_path_valid(s, strlen(s)) == valid,
		      "form_local_path_valid(\"%s\") is not %d", s, valid);
}

/* --- FIELD_INT ------------------------------------------------------------------- */

START_TEST(int_field_reads_the_number)
{
	static const struct field f = { "page", FIELD_INT, 1, 1, 1000, NULL };
	struct field_value v;
	const char *bad;

	ck_assert_int_eq(validate_one(&f, "page=42", &v, &bad), ST_OK);
	ck_assert_int_eq(v.present, 1);
	ck_assert_int_eq(v.num, 42);
	ck_assert_uint_eq(v.len, 2);
}
END_TEST

START_TEST(int_field_enforces_its_bounds)
{
	static const struct field f = { "page", FIELD_INT, 1, 1, 1000, NULL };

	assert_accepts(&f, "page=1");
	assert_accepts(&f, "page=1000");
	assert_refuses(&f, "page=0");
	assert_refuses(&f, "page=1001");
	assert_refuses(&f, "page=9223372036854775808");
}
END_TEST

START_TEST(int_field_refuses_what_is_not_a_plain_number)
{
	static const struct field f = { "page", FIELD_INT, 1, 0, 1000, NULL };

	assert_refuses(&f, "page=abc");
	assert_refuses(&f, "page=-1");
	assert_refuses(&f, "page=%2B1");
	assert_refuses(&f, "page=+1"); /* '+' decodes to a space */
	assert_refuses(&f, "page=01");
	assert_refuses(&f, "page=1.5");
	assert_refuses(&f, "page=");
}
END_TEST

/* --- FIELD_TEXT ------------------------------------------------------------------ */

START_TEST(text_field_enforces_its_length_in_bytes)
{
	static const struct field f = { "name", FIELD_TEXT, 1, 2, 5, NULL };

	assert_accepts(&f, "name=ab");
	assert_accepts(&f, "name=abcde");
	assert_accepts(&f, "name=a+b+c"); /* spaces are text */
	assert_refuses(&f, "name=a");
	assert_refuses(&f, "name=abcdef");
	/* "été" is five bytes; "étés" six. */
	assert_accepts(&f, "name=%C3%A9t%C3%A9");
	assert_refuses(&f, "name=%C3%A9t%C3%A9s");
}
END_TEST

START_TEST(text_field_refuses_control_characters)
{
	static const struct field f = { "name", FIELD_TEXT, 1, 0, 100, NULL };

	assert_refuses(&f, "name=a%0Ab");
	assert_refuses(&f, "name=a%0Db");
	assert_refuses(&f, "name=a%09b");
	assert_refuses(&f, "name=a%1Bb");
	assert_refuses(&f, "name=a%7Fb");
	assert_refuses(&f, "name=%01");
	assert_accepts(&f, "name=caf%C3%A9+%E2%82%AC");
}
END_TEST

START_TEST(text_field_refuses_invisible_controls_and_bidi_overrides)
{
	static const struct field f = { "name", FIELD_TEXT, 1, 0, 100, NULL };

	assert_refuses(&f, "name=a%C2%85b");     /* U+0085 NEL */
	assert_refuses(&f, "name=a%C2%9Fb");     /* U+009F */
	assert_refuses(&f, "name=a%E2%80%AEb");  /* U+202E right-to-left override */
	assert_refuses(&f, "name=a%E2%80%AAb");  /* U+202A */
	assert_refuses(&f, "name=a%E2%81%A6b");  /* U+2066 left-to-right isolate */
	assert_refuses(&f, "name=a%E2%81%A9b");  /* U+2069 */
	assert_accepts(&f, "name=a%C2%A0b");     /* U+00A0, a no-break space, is text */
	assert_accepts(&f, "name=a%E2%80%94b");  /* U+2014, an em dash */
	assert_accepts(&f, "name=a%E2%80%AFb");  /* U+202F, just past the overrides */
}
END_TEST

/* --- FIELD_EMAIL ------------------------------------------------------------------ */

START_TEST(email_validator_accepts_plain_addresses)
{
	assert_email("a@b.co", 1);
	assert_email("first.last@example.com", 1);
	assert_email("user+tag@sub.example.org", 1);
	assert_email("UPPER@EXAMPLE.COM", 1);
	assert_email("o'brien@example.ie", 1);
	assert_email("x@a-b.example", 1);
	assert_email("1@2.3", 1);
}
END_TEST

START_TEST(email_validator_refuses_garbage)
{
	assert_email("", 0);
	assert_email("plain", 0);
	assert_email("@example.com", 0);
	assert_email("a@", 0);
	assert_email("a@b", 0);
	assert_email("a@localhost", 0);
	assert_email("a@@example.com", 0);
	assert_email("a@b@example.com", 0);
	assert_email("a b@example.com", 0);
	assert_email("a@exa mple.com", 0);
	assert_email("a@example..com", 0);
	assert_email("a@.example.com", 0);
	assert_email("a@example.com.", 0);
	assert_email("a@-example.com", 0);
	assert_email("a@example.com-", 0);
	assert_email("a@exa_mple.com", 0);
	assert_email("\"a\"@example.com", 0);
	assert_email("a<b>@example.com", 0);
	assert_email("a,b@example.com", 0);
	assert_email("a\r\nBcc: x@example.com", 0);
	assert_email("a@example.com\r\nBcc: x@example.com", 0);
	assert_email("caf\xC3\xA9@example.com", 0);
	assert_email("a@caf\xC3\xA9.example", 0);
}
END_TEST

START_TEST(email_validator_limits_lengths)
{
	char local[70], addr[300];

	memset(local, 'l', 64);
	local[64] = '\0';
	snprintf(addr, sizeof(addr), "%s@example.com", local);
	assert_email(addr, 1);
	local[64] = 'l';
	local[65] = '\0';
	snprintf(addr, sizeof(addr), "%s@example.com", local);
	assert_email(addr, 0); /* a local part of 65 bytes */

	memset(addr, 'd', sizeof(addr));
	memcpy(addr, "a@", 2);
	memcpy(addr + 250, ".com", 4); /* 254 bytes in all */
	addr[254] = '\0';
	assert_email(addr, 1);
	memcpy(addr + 250, "d.com", 5); /* 255 */
	addr[255] = '\0';
	assert_email(addr, 0);
}
END_TEST

START_TEST(email_field_uses_the_validator_and_max)
{
	static const struct field f = { "email", FIELD_EMAIL, 1, 0, 12, NULL };

	assert_accepts(&f, "email=a%40cd.example");  /* 12 bytes: max itself */
	assert_accepts(&f, "email=ab%40d.example");  /* 12 bytes */
	assert_refuses(&f, "email=abc%40d.example"); /* 13 bytes, over max */
	assert_refuses(&f, "email=not-an-address");
	assert_refuses(&f, "email=a%40b");
}
END_TEST

/* --- FIELD_SECRET ------------------------------------------------------------------ */

START_TEST(secret_field_takes_anything_within_its_length)
{
	static const struct field f = { "password", FIELD_SECRET, 1, 3, 8, NULL };
	struct field_value v;
	const char *bad;

	assert_accepts(&f, "password=abc");
	assert_accepts(&f, "password=+%09%0A%7F"); /* space, tab, newline, DEL */
	assert_accepts(&f, "password=%22%3C%3E%26%27");
	assert_accepts(&f, "password=12345678");
	assert_refuses(&f, "password=ab");
	assert_refuses(&f, "password=123456789");
	ck_assert_int_eq(validate_one(&f, "password=p%C3%A4ss", &v, &bad), ST_OK);
	ck_assert_uint_eq(v.len, 5);
}
END_TEST

/* --- FIELD_CHOICE ----------------------------------------------------------------- */

START_TEST(choice_field_gives_the_index)
{
	static const struct field f = { "colour", FIELD_CHOICE, 1, 0, 0, colours };
	struct field_value v;
	const char *bad;

	ck_assert_int_eq(validate_one(&f, "colour=red", &v, &bad), ST_OK);
	ck_assert_int_eq(v.choice, 0);
	ck_assert_int_eq(validate_one(&f, "colour=green", &v, &bad), ST_OK);
	ck_assert_int_eq(v.choice, 1);
	ck_assert_int_eq(validate_one(&f, "colour=blue", &v, &bad), ST_OK);
	ck_assert_int_eq(v.choice, 2);
}
END_TEST

START_TEST(choice_field_refuses_other_values)
{
	static const struct field f = { "colour", FIELD_CHOICE, 1, 0, 0, colours };

	assert_refuses(&f, "colour=Red");
	assert_refuses(&f, "colour=re");
	assert_refuses(&f, "colour=redd");
	assert_refuses(&f, "colour=red+");
	assert_refuses(&f, "colour=purple");
	assert_refuses(&f, "colour=");
}
END_TEST

/* --- FIELD_TOKEN ------------------------------------------------------------------- */

START_TEST(token_field_takes_base64url_only)
{
	static const struct field f = { "csrf", FIELD_TOKEN, 1, 4, 43, NULL };

	assert_accepts(&f, "csrf=AZaz09-_");
	assert_accepts(&f, "csrf=abcd");
	assert_refuses(&f, "csrf=ab%2Bc");  /* '+' of plain base64 */
	assert_refuses(&f, "csrf=ab%2Fcd"); /* '/' of plain base64 */
	assert_refuses(&f, "csrf=abcd%3D"); /* padding */
	assert_refuses(&f, "csrf=ab.cd");
	assert_refuses(&f, "csrf=ab+cd");
	assert_refuses(&f, "csrf=ab%C3%A9cd");
}
END_TEST

START_TEST(token_field_enforces_its_length)
{
	static const struct field f = { "csrf", FIELD_TOKEN, 1, 4, 6, NULL };

	assert_refuses(&f, "csrf=abc");
	assert_accepts(&f, "csrf=abcd");
	assert_accepts(&f, "csrf=abcdef");
	assert_refuses(&f, "csrf=abcdefg");
}
END_TEST

/* --- FIELD_LOCAL_PATH ------------------------------------------------------------- */

START_TEST(local_path_validator_accepts_site_paths)
{
	assert_local_path("/", 1);
	assert_local_path("/settings/email", 1);
	assert_local_path("/admin/audit?action=x&page=2", 1);
	assert_local_path("/a/b//c", 1); /* only a leading "//" leaves the site */
	assert_local_path("/login?next=%2F%2Fevil.com", 1);
}
END_TEST

START_TEST(local_path_validator_refuses_other_sites)
{
	assert_local_path("", 0);
	assert_local_path("//evil.com", 0);
	assert_local_path("//evil.com/x", 0);
	assert_local_path("/\\evil.com", 0);
	assert_local_path("/a\\b", 0);
	assert_local_path("\\\\evil.com", 0);
	assert_local_path("http://x", 0);
	assert_local_path("https://evil.com/", 0);
	assert_local_path("javascript:alert(1)", 0);
	assert_local_path("evil.com", 0);
	assert_local_path("settings", 0);
	assert_local_path("/ /evil.com", 0);
	assert_local_path("/a b", 0);
	assert_local_path("/\t/evil.com", 0);
	assert_local_path("/a\nb", 0);
	assert_local_path("/caf\xC3\xA9", 0);
}
END_TEST

START_TEST(local_path_field_checks_the_decoded_value)
{
	static const struct field f = { "next", FIELD_LOCAL_PATH, 0, 0, 20, NULL };

	assert_accepts(&f, "next=%2Fsettings%2Femail");
	assert_refuses(&f, "next=%2F%2Fevil.com");
	assert_refuses(&f, "next=%2F%5Cevil");
	assert_refuses(&f, "next=http%3A%2F%2Fx");
	assert_refuses(&f, "next=%2Fa+b");
	assert_refuses(&f, "next=%2F123456789012345678901"); /* 21 bytes, over max */
}
END_TEST

/* --- form_validate as a whole ------------------------------------------------------- */

static const struct field login_fields[] = {
	{ "email", FIELD_EMAIL, 1, 0, 254, NULL },
	{ "password", FIELD_SECRET, 1, 1, 1024, NULL },
	{ "next", FIELD_LOCAL_PATH, 0, 0, 1024, NULL },
	{ "page", FIELD_INT, 0, 1, 100, NULL },
};
static const struct form login_form = FORM(login_fields);

START_TEST(validate_fills_typed_values)
{
	struct params p;
	struct field_value v[ARRAY_LEN(login_fields)];
	const char *bad = NULL;

	params_from("email=a%40b.example&password=s3cret&next=%2Fadmin%2Faudit&page=7", &p);
	ck_assert_int_eq(form_validate(&login_form, &p, v, &bad), ST_OK);
	ck_assert_ptr_null(bad);
	ck_assert_int_eq(v[0].present, 1);
	ck_assert_str_eq(v[0].str, "a@b.example");
	ck_assert_uint_eq(v[0].len, 11);
	ck_assert_str_eq(v[1].str, "s3cret");
	ck_assert_str_eq(v[2].str, "/admin/audit");
	ck_assert_int_eq(v[3].num, 7);
	ck_assert_msg(v[0].str == params_get(&p, "email")->value,
		      "str must point into the request, not a copy");
	params_free(&p);
}
END_TEST

START_TEST(validate_missing_required_field_is_named)
{
	struct params p;
	struct field_value v[ARRAY_LEN(login_fields)];
	const char *bad = NULL;

	params_from("email=a%40b.example", &p);
	ck_assert_int_eq(form_validate(&login_form, &p, v, &bad), ST_BAD_REQUEST);
	ck_assert_msg(bad != NULL && strcmp(bad, "password") == 0, "bad_field is %s, not password",
		      bad ? bad : "NULL");
	params_free(&p);
}
END_TEST

START_TEST(validate_empty_required_field_is_refused)
{
	struct params p;
	struct field_value v[ARRAY_LEN(login_fields)];
	const char *bad = NULL;

	params_from("email=a%40b.example&password=", &p);
	ck_assert_int_eq(form_validate(&login_form, &p, v, &bad), ST_BAD_REQUEST);
	ck_assert_msg(bad != NULL && strcmp(bad, "password") == 0, "bad_field is %s, not password",
		      bad ? bad : "NULL");
	params_free(&p);
}
END_TEST

START_TEST(validate_absent_optional_fields_are_not_present)
{
	struct params p;
	struct field_value v[ARRAY_LEN(login_fields)];
	const char *bad = NULL;

	params_from("email=a%40b.example&password=x", &p);
	ck_assert_int_eq(form_validate(&login_form, &p, v, &bad), ST_OK);
	ck_assert_int_eq(v[2].present, 0);
	ck_assert_ptr_null(v[2].str);
	ck_assert_int_eq(v[3].present, 0);
	ck_assert_int_eq(v[3].num, 0);
	params_free(&p);
}
END_TEST

START_TEST(validate_empty_optional_field_reads_as_absent)
{
	struct params p;
	struct field_value v[ARRAY_LEN(login_fields)];
	const char *bad = NULL;

	/* An empty "page" would be an invalid number, an empty "next" an invalid path:
	 * empty optional fields are absent, not checked. */
	params_from("email=a%40b.example&password=x&next=&page=", &p);
	ck_assert_msg(form_validate(&login_form, &p, v, &bad) == ST_OK,
		      "empty optional fields refused (bad_field %s)", bad ? bad : "NULL");
	ck_assert_int_eq(v[2].present, 0);
	ck_assert_int_eq(v[3].present, 0);
	params_free(&p);
}
END_TEST

START_TEST(validate_bad_optional_field_is_refused)
{
	struct params p;
	struct field_value v[ARRAY_LEN(login_fields)];
	const char *bad = NULL;

	params_from("email=a%40b.example&password=x&next=%2F%2Fevil.com", &p);
	ck_assert_int_eq(form_validate(&login_form, &p, v, &bad), ST_BAD_REQUEST);
	ck_assert_str_eq(bad, "next");
	params_free(&p);
}
END_TEST

START_TEST(validate_names_the_first_bad_field)
{
	struct params p;
	struct field_value v[ARRAY_LEN(login_fields)];
	const char *bad = NULL;

	/* page and email are both bad; email is declared first. */
	params_from("page=0&email=nope&password=x", &p);
	ck_assert_int_eq(form_validate(&login_form, &p, v, &bad), ST_BAD_REQUEST);
	ck_assert_msg(bad != NULL && strcmp(bad, "email") == 0, "bad_field is %s, not email",
		      bad ? bad : "NULL");
	params_free(&p);

	params_from("email=a%40b.example&password=x&next=x&page=0", &p);
	ck_assert_int_eq(form_validate(&login_form, &p, v, &bad), ST_BAD_REQUEST);
	ck_assert_str_eq(bad, "next");
	params_free(&p);
}
END_TEST

START_TEST(validate_ignores_unknown_params)
{
	struct params p;
	struct field_value v[ARRAY_LEN(login_fields)];
	const char *bad = NULL;

	params_from("utm_source=x%01y&email=a%40b.example&extra=%2F%2Fevil&password=x", &p);
	ck_assert_int_eq(form_validate(&login_form, &p, v, &bad), ST_OK);
	ck_assert_ptr_null(bad);
	params_free(&p);
}
END_TEST

START_TEST(validate_empty_form_accepts_anything)
{
	static const struct form empty = { NULL, 0 };
	struct params p;
	struct field_value v[1];
	const char *bad = NULL;

	params_from("a=1", &p);
	ck_assert_int_eq(form_validate(&empty, &p, v, &bad), ST_OK);
	params_free(&p);
}
END_TEST

Suite *form_suite(void)
{
	Suite *s = suite_create("form");
	TCase *tc;

	tc = tcase_create("fields");
	tcase_add_test(tc, int_field_reads_the_number);
	tcase_add_test(tc, int_field_enforces_its_bounds);
	tcase_add_test(tc, int_field_refuses_what_is_not_a_plain_number);
	tcase_add_test(tc, text_field_enforces_its_length_in_bytes);
	tcase_add_test(tc, text_field_refuses_control_characters);
	tcase_add_test(tc, text_field_refuses_invisible_controls_and_bidi_overrides);
	tcase_add_test(tc, email_validator_accepts_plain_addresses);
	tcase_add_test(tc, email_validator_refuses_garbage);
	tcase_add_test(tc, email_validator_limits_lengths);
	tcase_add_test(tc, email_field_uses_the_validator_and_max);
	tcase_add_test(tc, secret_field_takes_anything_within_its_length);
	tcase_add_test(tc, choice_field_gives_the_index);
	tcase_add_test(tc, choice_field_refuses_other_values);
	tcase_add_test(tc, token_field_takes_base64url_only);
	tcase_add_test(tc, token_field_enforces_its_length);
	tcase_add_test(tc, local_path_validator_accepts_site_paths);
	tcase_add_test(tc, local_path_validator_refuses_other_sites);
	tcase_add_test(tc, local_path_field_checks_the_decoded_value);
	suite_add_tcase(s, tc);

	tc = tcase_create("validate");
	tcase_add_test(tc, validate_fills_typed_values);
	tcase_add_test(tc, validate_missing_required_field_is_named);
	tcase_add_test(tc, validate_empty_required_field_is_refused);
	tcase_add_test(tc, validate_absent_optional_fields_are_not_present);
	tcase_add_test(tc, validate_empty_optional_field_reads_as_absent);
	tcase_add_test(tc, validate_bad_optional_field_is_refused);
	tcase_add_test(tc, validate_names_the_first_bad_field);
	tcase_add_test(tc, validate_ignores_unknown_params);
	tcase_add_test(tc, validate_empty_form_accepts_anything);
	suite_add_tcase(s, tc);

	return s;
}
