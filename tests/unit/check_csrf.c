/* check_csrf.c — the guards every POST passes: same origin, and the token. */
#include "config.h"

#include <check.h>
#include <string.h>

#include "csrf.h"
#include "suites.h"

#define TOKEN "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ" /* 43 base64url chars */

static struct conf conf_at(char *base_url, char *base_path)
{
	struct conf c;

	memset(&c, 0, sizeof(c));
	c.base_url = base_url;
	c.base_path = base_path;
	return c;
}

static struct req post_from(char *host, char *origin, char *fetch_site)
{
	struct req r;

	memset(&r, 0, sizeof(r));
	r.method = METHOD_POST;
	r.host = host;
	r.origin = origin;
	r.sec_fetch_site = fetch_site;
	return r;
}

START_TEST(origin_of_the_base_url_passes)
{
	struct conf c = conf_at("https://crm.example.com/panel", "/panel");
	struct req r = post_from("crm.example.com", "https://crm.example.com", NULL);

	ck_assert(csrf_same_origin(&c, &r));
}
END_TEST

START_TEST(another_origin_is_refused)
{
	struct conf c = conf_at("https://crm.example.com", "");
	struct req r = post_from("crm.example.com", "https://evil.example", NULL);
	struct req prefix = post_from("crm.example.com", "https://crm.example.com.evil.example", NULL);
	struct req scheme = post_from("crm.example.com", "http://crm.example.com", NULL);

	ck_assert(!csrf_same_origin(&c, &r));
	ck_assert(!csrf_same_origin(&c, &prefix));
	/* An http page posting to the https site is another origin. */
	scheme.https = 1;
	ck_assert(!csrf_same_origin(&c, &scheme));
}
END_TEST

/* The Host header is the client's to choose: an Origin that matches it but not
 * Site.base_url is another site (DNS rebinding, a proxy passing any Host). */
START_TEST(an_origin_matching_only_the_host_header_is_refused)
{
	struct conf c = conf_at("https://crm.example.com/panel", "/panel");
	struct req rebound = post_from("evil.example", "https://evil.example", NULL);
	struct req plain = post_from("evil.example", "http://evil.example", NULL);
	struct req right = post_from("evil.example", "https://crm.example.com", NULL);

	ck_assert(!csrf_same_origin(&c, &rebound));
	ck_assert(!csrf_same_origin(&c, &plain));
	/* What decides is the base URL, whatever Host says. */
	ck_assert(csrf_same_origin(&c, &right));
}
END_TEST

START_TEST(the_base_urls_origin_matches_without_case_or_default_port)
{
	struct conf c = conf_at("https://CRM.example.com:443/panel", "/panel");
	struct conf port = conf_at("http://127.0.0.1:8080", "");
	struct req lower = post_from("crm.example.com", "https://crm.example.com", NULL);
	struct req with_port = post_from("crm.example.com", "https://crm.example.com:443", NULL);
	struct req other_port = post_from("127.0.0.1:8080", "http://127.0.0.1:8081", NULL);
	struct req no_port = post_from("127.0.0.1:8080", "http://127.0.0.1", NULL);

	ck_assert(csrf_same_origin(&c, &lower));
	ck_assert(csrf_same_origin(&c, &with_port));
	ck_assert(!csrf_same_origin(&port, &other_port));
	ck_assert(!csrf_same_origin(&port, &no_port));
}
END_TEST

START_TEST(sec_fetch_site_decides_without_origin)
{
	struct conf c = conf_at("http://127.0.0.1:8080", "");
	struct req same = post_from("127.0.0.1:8080", NULL, "same-origin");
	struct req cross = post_from("127.0.0.1:8080", NULL, "cross-site");
	struct req sibling = post_from("127.0.0.1:8080", NULL, "same-site");
	struct req neither = post_from("127.0.0.1:8080", NULL, NULL);

	ck_assert(csrf_same_origin(&c, &same));
	ck_assert(!csrf_same_origin(&c, &cross));
	ck_assert(!csrf_same_origin(&c, &sibling));
	/* Neither header (a script, an old browser): the token alone decides. */
	ck_assert(csrf_same_origin(&c, &neither));
}
END_TEST

static struct req with_form_token(struct param *p, const char *value)
{
	struct req r;

	memset(&r, 0, sizeof(r));
	p->name = "csrf";
	p->value = (char *)value;
	p->len = strlen(value);
	r.form.items = p;
	r.form.count = 1;
	return r;
}

START_TEST(the_session_token_passes)
{
	struct param p;
	struct req r = with_form_token(&p, TOKEN);

	ck_assert(csrf_token_valid(&r, TOKEN));
}
END_TEST

START_TEST(a_wrong_missing_or_malformed_token_is_refused)
{
	struct param p;
	struct req wrong = with_form_token(&p, "bbcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ");
	struct req none;
	struct param q;
	struct req shorter = with_form_token(&q, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOP");

	memset(&none, 0, sizeof(none));
	ck_assert(!csrf_token_valid(&wrong, TOKEN));
	ck_assert(!csrf_token_valid(&none, TOKEN));
	ck_assert(!csrf_token_valid(&shorter, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOP"));
	/* Before sign-in without the sign-in cookie there is nothing to match. */
	ck_assert(!csrf_token_valid(&wrong, NULL));
	/* An empty expected token never matches an empty sent one. */
	{
		struct param e;
		struct req empty = with_form_token(&e, "");

		ck_assert(!csrf_token_valid(&empty, ""));
	}
}
END_TEST

Suite *csrf_suite(void)
{
	Suite *s = suite_create("csrf");
	TCase *tc = tcase_create("guards");

	tcase_add_test(tc, origin_of_the_base_url_passes);
	tcase_add_test(tc, another_origin_is_refused);
	tcase_add_test(tc, an_origin_matching_only_the_host_header_is_refused);
	tcase_add_test(tc, the_base_urls_origin_matches_without_case_or_default_port);
	tcase_add_test(tc, sec_fetch_site_decides_without_origin);
	tcase_add_test(tc, the_session_token_passes);
	tcase_add_test(tc, a_wrong_missing_or_malformed_token_is_refused);
	suite_add_tcase(s, tc);
	return s;
}
