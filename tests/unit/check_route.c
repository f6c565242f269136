/* check_route.c — unit tests of cgi/lib/route: matching paths against a table shaped
 * like the panel's (DESIGN.md's URL contract). */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "route.h"
#include "suites.h"
#include "util.h"

static void page(struct ctx *ctx)
{
	(void)ctx;
}

/* The panel's pages, with "{id}" listed before the literal "connect" on purpose:
 * a literal must win whatever the order. */
static const struct route routes[] = {
	{ METHOD_GET, "/", page, 0, NULL, NULL, NULL },
	{ METHOD_GET, "/login", page, ROUTE_PUBLIC, NULL, NULL, NULL },
	{ METHOD_POST, "/login", page, ROUTE_PUBLIC, NULL, NULL, NULL },
	{ METHOD_POST, "/logout", page, 0, NULL, NULL, NULL },
	{ METHOD_GET, "/settings/email", page, 0, NULL, NULL, NULL },
	{ METHOD_GET, "/settings/email/{id}", page, 0, NULL, NULL, NULL },
	{ METHOD_GET, "/settings/email/connect", page, 0, NULL, NULL, NULL },
	{ METHOD_GET, "/settings/email/connect/{word}", page, 0, NULL, NULL, NULL },
	{ METHOD_POST, "/settings/email/connect/{word}", page, 0, NULL, NULL, NULL },
	{ METHOD_GET, "/settings/email/{id}/disable", page, 0, NULL, NULL, NULL },
	{ METHOD_POST, "/settings/email/{id}/disable", page, 0, NULL, NULL, NULL },
	{ METHOD_POST, "/settings/email/{id}/enable", page, 0, NULL, NULL, NULL },
	{ METHOD_GET, "/settings/email/{id}/remove", page, 0, NULL, NULL, NULL },
	{ METHOD_POST, "/settings/email/{id}/remove", page, 0, NULL, NULL, NULL },
	{ METHOD_GET, "/inbox/{id}/settings/channels", page, ROUTE_ACCOUNT_ACCESS, NULL, NULL, NULL },
	{ METHOD_GET, "/inbox/{id}/channels/connect/{word}", page, 0, NULL, NULL, NULL },
	{ METHOD_POST, "/inbox/{id}/channels/connect/{word}", page, 0, NULL, NULL, NULL },
	{ METHOD_GET, "/inbox/{id}/channels/{id}/delete", page, 0, NULL, NULL, NULL },
	{ METHOD_POST, "/inbox/{id}/channels/{id}/delete", page, 0, NULL, NULL, NULL },
	{ METHOD_GET, "/admin/audit", page, ROUTE_SUPER_ADMIN, NULL, NULL, NULL },
	{ METHOD_GET, "/healthz", page, ROUTE_PUBLIC, NULL, NULL, NULL },
};

/* The same literal and {id} pages with the literal first. */
static const struct route literal_first[] = {
	{ METHOD_GET, "/settings/email/connect", page, 0, NULL, NULL, NULL },
	{ METHOD_GET, "/settings/email/{id}", page, 0, NULL, NULL, NULL },
};

static const char *const result_names[] = { "ROUTE_FOUND", "ROUTE_NOT_FOUND", "ROUTE_BAD_ID",
					    "ROUTE_WRONG_METHOD" };
static const char *const method_names[] = { "GET", "HEAD", "POST", "OTHER" };

/* --- helpers ------------------------------------------------------------------- */

static enum route_result find(enum http_method method, const char *path, struct route_match *m)
{
	return route_find(routes, ARRAY_LEN(routes), method, path, m);
}

static void assert_result(enum http_method method, const char *path, enum route_result want)
{
	struct route_match m;
	enum route_result got = find(method, path, &m);

	ck_assert_msg(got == want, "%s %s gave %s, expected %s", method_names[method], path,
		      result_names[got], result_names[want]);
	if (got != ROUTE_FOUND)
		ck_assert_msg(m.route == NULL, "%s %s: %s but a route was set", method_names[method],
			      path, result_names[got]);
}

/* Finds path and checks it landed on the row with that method and pattern. */
static void assert_found(enum http_method method, const char *path, enum http_method route_method,
			 const char *pattern, struct route_match *m)
{
	enum route_result got = find(method, path, m);

	ck_assert_msg(got == ROUTE_FOUND, "%s %s gave %s", method_names[method], path,
		      result_names[got]);
	ck_assert_msg(m->route->method == route_method && strcmp(m->route->pattern, pattern) == 0,
		      "%s %s matched %s %s, expected %s %s", method_names[method], path,
		      method_names[m->route->method], m->route->pattern, method_names[route_method],
		      pattern);
}

static void assert_allow(enum http_method method, const char *path, const char *allow)
{
	struct route_match m;
	enum route_result got = find(method, path, &m);

	ck_assert_msg(got == ROUTE_WRONG_METHOD, "%s %s gave %s, expected ROUTE_WRONG_METHOD",
		      method_names[method], path, result_names[got]);
	ck_assert_msg(strcmp(m.allow, allow) == 0, "%s %s: allow \"%s\", expected \"%s\"",
		      method_names[method], path, m.allow, allow);
}

/* --- literal paths ------------------------------------------------------------- */

START_TEST(root_and_literal_paths_are_found)
{
	struct route_match m;

	assert_found(METHOD_GET, "/", METHOD_GET, "/", &m);
	ck_assert_uint_eq(m.id_count, 0);
	assert_found(METHOD_GET, "/login", METHOD_GET, "/login", &m);
	ck_assert_msg(m.route == &routes[1], "GET /login did not return a pointer into the table");
	assert_found(METHOD_POST, "/login", METHOD_POST, "/login", &m);
	assert_found(METHOD_GET, "/settings/email", METHOD_GET, "/settings/email", &m);
	assert_found(METHOD_GET, "/admin/audit", METHOD_GET, "/admin/audit", &m);
	ck_assert_uint_eq(m.route->flags, ROUTE_SUPER_ADMIN);
}
END_TEST

START_TEST(unknown_paths_are_not_found)
{
	static const char *const paths[] = { "/nope", "/LOGIN", "/log", "/loginx", "/login/x",
					     "/settings", "/admin", "/admin/audit/x", "", "login",
					     "/settings/email/connect/google/x" };

	for (size_t i = 0; i < ARRAY_LEN(paths); i++)
		assert_result(METHOD_GET, paths[i], ROUTE_NOT_FOUND);
}
END_TEST

START_TEST(trailing_slash_is_not_found)
{
	assert_result(METHOD_GET, "/login/", ROUTE_NOT_FOUND);
	assert_result(METHOD_GET, "/settings/email/", ROUTE_NOT_FOUND);
	assert_result(METHOD_GET, "/settings/email/5/", ROUTE_NOT_FOUND);
	assert_result(METHOD_POST, "/settings/email/5/disable/", ROUTE_NOT_FOUND);
	assert_result(METHOD_GET, "/settings/email/connect/google/", ROUTE_NOT_FOUND);
}
END_TEST

START_TEST(double_slash_is_not_found)
{
	assert_result(METHOD_GET, "//", ROUTE_NOT_FOUND);
	assert_result(METHOD_GET, "//login", ROUTE_NOT_FOUND);
	assert_result(METHOD_GET, "/settings//email", ROUTE_NOT_FOUND);
	/* An empty id segment is no page, not a malformed id. */
	assert_result(METHOD_GET, "/settings/email//disable", ROUTE_NOT_FOUND);
	assert_result(METHOD_GET, "/inbox/1/channels//delete", ROUTE_NOT_FOUND);
	assert_result(METHOD_GET, "/settings/email/connect//", ROUTE_NOT_FOUND);
}
END_TEST

/* --- {id} ------------------------------------------------------------------------- */

START_TEST(id_segment_is_parsed)
{
	struct route_match m;

	assert_found(METHOD_GET, "/settings/email/42", METHOD_GET, "/settings/email/{id}", &m);
	ck_assert_uint_eq(m.id_count, 1);
	ck_assert_int_eq(m.ids[0], 42);
	assert_found(METHOD_POST, "/settings/email/1/disable", METHOD_POST,
		     "/settings/email/{id}/disable", &m);
	ck_assert_int_eq(m.ids[0], 1);
	assert_found(METHOD_GET, "/settings/email/9223372036854775807", METHOD_GET,
		     "/settings/email/{id}", &m);
	ck_assert_msg(m.ids[0] == 9223372036854775807LL, "the largest id read as %lld", m.ids[0]);
}
END_TEST

START_TEST(literal_beats_id_whatever_the_order)
{
	struct route_match m;

	assert_found(METHOD_GET, "/settings/email/connect", METHOD_GET, "/settings/email/connect",
		     &m);
	ck_assert_uint_eq(m.id_count, 0);
	ck_assert_int_eq(route_find(literal_first, ARRAY_LEN(literal_first), METHOD_GET,
				    "/settings/email/connect", &m),
			 ROUTE_FOUND);
	ck_assert_ptr_eq(m.route, &literal_first[0]);
	ck_assert_int_eq(route_find(literal_first, ARRAY_LEN(literal_first), METHOD_GET,
				    "/settings/email/12", &m),
			 ROUTE_FOUND);
	ck_assert_ptr_eq(m.route, &literal_first[1]);
	ck_assert_int_eq(m.ids[0], 12);
}
END_TEST

START_TEST(id_zero_is_bad_id)
{
	assert_result(METHOD_GET, "/settings/email/0", ROUTE_BAD_ID);
	assert_result(METHOD_POST, "/settings/email/0/disable", ROUTE_BAD_ID);
}
END_TEST

START_TEST(id_with_leading_zero_is_bad_id)
{
	assert_result(METHOD_GET, "/settings/email/01", ROUTE_BAD_ID);
	assert_result(METHOD_GET, "/settings/email/007/remove", ROUTE_BAD_ID);
}
END_TEST

START_TEST(id_with_non_digits_is_bad_id)
{
	static const char *const paths[] = {
		"/settings/email/abc/disable", "/settings/email/1a/disable", "/settings/email/-1/disable",
		"/settings/email/+1/disable",  "/settings/email/ 1/disable", "/settings/email/1.0/disable",
		"/settings/email/0x1/disable", "/settings/email/\xC3\xA9/disable",
	};

	for (size_t i = 0; i < ARRAY_LEN(paths); i++)
		assert_result(METHOD_POST, paths[i], ROUTE_BAD_ID);
}
END_TEST

START_TEST(id_overflow_is_bad_id)
{
	assert_result(METHOD_GET, "/settings/email/9223372036854775808", ROUTE_BAD_ID);
	assert_result(METHOD_GET, "/settings/email/99999999999999999999/remove", ROUTE_BAD_ID);
}
END_TEST

START_TEST(bad_id_needs_the_rest_of_the_shape)
{
	/* Only a path shaped like a page is a malformed request; others are missing. */
	assert_result(METHOD_GET, "/settings/email/abc/unknown", ROUTE_NOT_FOUND);
	assert_result(METHOD_GET, "/settings/email/abc/disable/x", ROUTE_NOT_FOUND);
	assert_result(METHOD_GET, "/inbox/x/channels/y/nope", ROUTE_NOT_FOUND);
}
END_TEST

START_TEST(ids_are_captured_in_order)
{
	struct route_match m;

	assert_found(METHOD_POST, "/inbox/7/channels/93/delete", METHOD_POST,
		     "/inbox/{id}/channels/{id}/delete", &m);
	ck_assert_uint_eq(m.id_count, 2);
	ck_assert_int_eq(m.ids[0], 7);
	ck_assert_int_eq(m.ids[1], 93);
	ck_assert_uint_eq(m.word_count, 0);
}
END_TEST

START_TEST(a_second_bad_id_is_bad_id)
{
	assert_result(METHOD_GET, "/inbox/7/channels/x/delete", ROUTE_BAD_ID);
	assert_result(METHOD_GET, "/inbox/x/channels/7/delete", ROUTE_BAD_ID);
}
END_TEST

/* --- {word} ------------------------------------------------------------------------- */

START_TEST(word_segment_is_captured)
{
	struct route_match m;

	assert_found(METHOD_GET, "/settings/email/connect/google", METHOD_GET,
		     "/settings/email/connect/{word}", &m);
	ck_assert_uint_eq(m.word_count, 1);
	ck_assert_str_eq(m.words[0], "google");
	assert_found(METHOD_POST, "/settings/email/connect/office-365", METHOD_POST,
		     "/settings/email/connect/{word}", &m);
	ck_assert_str_eq(m.words[0], "office-365");
}
END_TEST

START_TEST(ids_and_words_are_captured_together)
{
	struct route_match m;

	assert_found(METHOD_GET, "/inbox/3/channels/connect/imap", METHOD_GET,
		     "/inbox/{id}/channels/connect/{word}", &m);
	ck_assert_uint_eq(m.id_count, 1);
	ck_assert_int_eq(m.ids[0], 3);
	ck_assert_uint_eq(m.word_count, 1);
	ck_assert_str_eq(m.words[0], "imap");
}
END_TEST

START_TEST(word_of_32_characters_is_the_longest)
{
	char path[80];
	struct route_match m;

	snprintf(path, sizeof(path), "/settings/email/connect/%s", "abcdefghijklmnopqrstuvwxyz-01234");
	assert_found(METHOD_GET, path, METHOD_GET, "/settings/email/connect/{word}", &m);
	ck_assert_str_eq(m.words[0], "abcdefghijklmnopqrstuvwxyz-01234");
	snprintf(path, sizeof(path), "/settings/email/connect/%s", "abcdefghijklmnopqrstuvwxyz-012345");
	assert_result(METHOD_GET, path, ROUTE_NOT_FOUND);
}
END_TEST

START_TEST(word_with_other_characters_is_not_found)
{
	static const char *const words[] = { "Google", "goo_gle", "goo.gle", "goo gle", "g%20",
					     "caf\xC3\xA9" };
	char path[80];

	for (size_t i = 0; i < ARRAY_LEN(words); i++) {
		snprintf(path, sizeof(path), "/settings/email/connect/%s", words[i]);
		assert_result(METHOD_GET, path, ROUTE_NOT_FOUND);
	}
}
END_TEST

/* --- methods ------------------------------------------------------------------------ */

START_TEST(head_answers_get_routes)
{
	struct route_match m;

	assert_found(METHOD_HEAD, "/login", METHOD_GET, "/login", &m);
	assert_found(METHOD_HEAD, "/settings/email/5/disable", METHOD_GET,
		     "/settings/email/{id}/disable", &m);
	ck_assert_int_eq(m.ids[0], 5);
}
END_TEST

START_TEST(wrong_method_on_get_page_allows_get_head)
{
	assert_allow(METHOD_POST, "/settings/email", "GET, HEAD");
	assert_allow(METHOD_POST, "/admin/audit", "GET, HEAD");
	assert_allow(METHOD_OTHER, "/healthz", "GET, HEAD");
}
END_TEST

START_TEST(wrong_method_on_post_page_allows_post)
{
	assert_allow(METHOD_GET, "/logout", "POST");
	assert_allow(METHOD_HEAD, "/logout", "POST");
	assert_allow(METHOD_GET, "/settings/email/5/enable", "POST");
}
END_TEST

START_TEST(wrong_method_on_get_post_page_allows_all_three)
{
	assert_allow(METHOD_OTHER, "/login", "GET, HEAD, POST");
	assert_allow(METHOD_OTHER, "/settings/email/5/disable", "GET, HEAD, POST");
	assert_allow(METHOD_OTHER, "/inbox/1/channels/2/delete", "GET, HEAD, POST");
}
END_TEST

START_TEST(wrong_method_beats_bad_id)
{
	/* "connect" is no id, but the literal page exists for GET only. */
	static const struct route table[] = {
		{ METHOD_GET, "/settings/email/connect", page, 0, NULL, NULL, NULL },
		{ METHOD_POST, "/settings/email/{id}", page, 0, NULL, NULL, NULL },
	};
	struct route_match m;

	ck_assert_int_eq(route_find(table, ARRAY_LEN(table), METHOD_POST, "/settings/email/connect",
				    &m),
			 ROUTE_WRONG_METHOD);
	ck_assert_str_eq(m.allow, "GET, HEAD");
}
END_TEST

START_TEST(match_is_cleared_when_nothing_is_found)
{
	struct route_match m;

	memset(&m, 0x5a, sizeof(m));
	ck_assert_int_eq(find(METHOD_GET, "/nope", &m), ROUTE_NOT_FOUND);
	ck_assert_ptr_null(m.route);
	ck_assert_uint_eq(m.id_count, 0);
	ck_assert_uint_eq(m.word_count, 0);
	ck_assert_str_eq(m.allow, "");
}
END_TEST

START_TEST(empty_table_finds_nothing)
{
	struct route_match m;

	ck_assert_int_eq(route_find(routes, 0, METHOD_GET, "/", &m), ROUTE_NOT_FOUND);
}
END_TEST

Suite *route_suite(void)
{
	Suite *s = suite_create("route");
	TCase *tc;

	tc = tcase_create("paths");
	tcase_add_test(tc, root_and_literal_paths_are_found);
	tcase_add_test(tc, unknown_paths_are_not_found);
	tcase_add_test(tc, trailing_slash_is_not_found);
	tcase_add_test(tc, double_slash_is_not_found);
	tcase_add_test(tc, match_is_cleared_when_nothing_is_found);
	tcase_add_test(tc, empty_table_finds_nothing);
	suite_add_tcase(s, tc);

	tc = tcase_create("ids");
	tcase_add_test(tc, id_segment_is_parsed);
	tcase_add_test(tc, literal_beats_id_whatever_the_order);
	tcase_add_test(tc, id_zero_is_bad_id);
	tcase_add_test(tc, id_with_leading_zero_is_bad_id);
	tcase_add_test(tc, id_with_non_digits_is_bad_id);
	tcase_add_test(tc, id_overflow_is_bad_id);
	tcase_add_test(tc, bad_id_needs_the_rest_of_the_shape);
	tcase_add_test(tc, ids_are_captured_in_order);
	tcase_add_test(tc, a_second_bad_id_is_bad_id);
	suite_add_tcase(s, tc);

	tc = tcase_create("words");
	tcase_add_test(tc, word_segment_is_captured);
	tcase_add_test(tc, ids_and_words_are_captured_together);
	tcase_add_test(tc, word_of_32_characters_is_the_longest);
	tcase_add_test(tc, word_with_other_characters_is_not_found);
	suite_add_tcase(s, tc);

	tc = tcase_create("methods");
	tcase_add_test(tc, head_answers_get_routes);
	tcase_add_test(tc, wrong_method_on_get_page_allows_get_head);
	tcase_add_test(tc, wrong_method_on_post_page_allows_post);
	tcase_add_test(tc, wrong_method_on_get_post_page_allows_all_three);
	tcase_add_test(tc, wrong_method_beats_bad_id);
	suite_add_tcase(s, tc);

	return s;
}
