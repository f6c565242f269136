/* check_oauth.c — reading provider answers the way PROVIDERS.md says: what is
 * permanent, what is worth another try, and which code support sees. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "oauth.h"
#include "revoke.h"
#include "suites.h"
#include "util.h"

static struct http_answer answer(long status, const char *body)
{
	struct http_answer a = { status, body, strlen(body), -1, "" };

	return a;
}

static enum oauth_verdict classify(long status, const char *body, char *code)
{
	struct http_answer a = answer(status, body);

	return oauth_classify(&a, code, 64);
}

START_TEST(success_is_ok_with_no_code)
{
	char code[64];

	ck_assert_int_eq(classify(200, "{\"access_token\":\"x\"}", code), OAUTH_OK);
	ck_assert_str_eq(code, "");
}
END_TEST

START_TEST(google_invalid_grant_is_permanent)
{
	char code[64];

	ck_assert_int_eq(classify(400, "{\"error\":\"invalid_grant\",\"error_description\":"
				       "\"Token has been expired or revoked.\"}",
				  code),
			 OAUTH_PERMANENT);
	ck_assert_str_eq(code, "invalid_grant");
}
END_TEST

START_TEST(microsoft_error_codes_name_the_aadsts_number)
{
	char code[64];

	ck_assert_int_eq(classify(400, "{\"error\":\"invalid_grant\",\"error_description\":"
				       "\"AADSTS50173: The provided grant has expired\","
				       "\"error_codes\":[50173],\"timestamp\":\"2026-11-28 10:00:00Z\","
				       "\"trace_id\":\"t\",\"correlation_id\":\"c\"}",
				  code),
			 OAUTH_PERMANENT);
	ck_assert_str_eq(code, "AADSTS50173");
}
END_TEST

START_TEST(every_permanent_error_of_providers_md)
{
	static const char *const permanent[] = { "invalid_grant", "invalid_client",
						 "unauthorized_client", "invalid_scope",
						 "admin_policy_enforced" };
	char body[128], code[64];

	for (size_t i = 0; i < sizeof(permanent) / sizeof(permanent[0]); i++) {
		snprintf(body, sizeof(body), "{\"error\":\"%s\"}", permanent[i]);
		ck_assert_int_eq(classify(400, body, code), OAUTH_PERMANENT);
		ck_assert_str_eq(code, permanent[i]);
	}
}
END_TEST

START_TEST(network_timeouts_5xx_and_429_are_transient)
{
	struct http_answer timeout = { 0, "", 0, -1, "Operation timed out after 20001 milliseconds" };
	struct http_answer refused = { 0, "", 0, -1, "Failed to connect to 127.0.0.1 port 9" };
	char code[64];

	ck_assert_int_eq(oauth_classify(&timeout, code, sizeof(code)), OAUTH_TRANSIENT);
	ck_assert_str_eq(code, "timeout");
	ck_assert_int_eq(oauth_classify(&refused, code, sizeof(code)), OAUTH_TRANSIENT);
	ck_assert_str_eq(code, "network");
	ck_assert_int_eq(classify(500, "", code), OAUTH_TRANSIENT);
	ck_assert_str_eq(code, "HTTP 500");
	ck_assert_int_eq(classify(503, "{\"error\":\"invalid_grant\"}", code), OAUTH_TRANSIENT);
	ck_assert_int_eq(classify(429, "", code), OAUTH_TRANSIENT);
	ck_assert_str_eq(code, "HTTP 429");
}
END_TEST

START_TEST(an_unknown_or_unreadable_refusal_never_counts_as_permanent)
{
	char code[64];

	ck_assert_int_eq(classify(400, "{\"error\":\"invalid_request\"}", code), OAUTH_TRANSIENT);
	ck_assert_str_eq(code, "invalid_request");
	ck_assert_int_eq(classify(400, "<html>bad gateway page</html>", code), OAUTH_TRANSIENT);
	ck_assert_str_eq(code, "HTTP 400");
	ck_assert_int_eq(classify(400, "[\"invalid_grant\"]", code), OAUTH_TRANSIENT);
	ck_assert_int_eq(classify(400, "{\"error\":42}", code), OAUTH_TRANSIENT);
}
END_TEST

START_TEST(json_strings_are_read_with_jansson)
{
	struct http_answer a = answer(200, "{\"access_token\":\"abc\",\"expires_in\":3599}");
	struct http_answer dup = answer(200, "{\"id\":\"a\",\"id\":\"b\"}");
	char *v = oauth_json_string(&a, "access_token");

	ck_assert_str_eq(v, "abc");
	free(v);
	ck_assert_ptr_null(oauth_json_string(&a, "expires_in"));
	ck_assert_ptr_null(oauth_json_string(&a, "refresh_token"));
	/* A body with a member twice is not one to trust. */
	ck_assert_ptr_null(oauth_json_string(&dup, "id"));
}
END_TEST

START_TEST(the_tenant_token_url_replaces_the_tenant_segment)
{
	char *u = revoke_tenant_token_url(
		"https://login.microsoftonline.com/organizations/oauth2/v2.0/token", "tid-1");

	ck_assert_str_eq(u, "https://login.microsoftonline.com/tid-1/oauth2/v2.0/token");
	free(u);
	u = revoke_tenant_token_url("http://127.0.0.1:8081/microsoft/common/oauth2/v2.0/token", "t");
	ck_assert_str_eq(u, "http://127.0.0.1:8081/microsoft/t/oauth2/v2.0/token");
	free(u);
	ck_assert_ptr_null(revoke_tenant_token_url("https://example.com/token", "t"));
	ck_assert_ptr_null(revoke_tenant_token_url("/oauth2/v2.0/token", "t"));
}
END_TEST

START_TEST(pkce_challenge_matches_rfc_7636_appendix_b)
{
	char challenge[OAUTH_CHALLENGE_SIZE];

	oauth_pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", challenge);
	ck_assert_str_eq(challenge, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
}
END_TEST

/* A JWT with the given payload; header and signature do not matter here. */
static char *jwt_with(const char *payload)
{
	char b64[512];

	crypto_base64url((const uint8_t *)payload, strlen(payload), b64);
	return xasprintf("eyJhbGciOiJIUzI1NiJ9.%s.c2ln", b64);
}

START_TEST(id_token_gives_the_address_and_the_account_ids)
{
	struct oauth_identity who;
	char *google = jwt_with("{\"sub\":\"1234\",\"email\":\"ann@gmail.example\"}");
	char *microsoft = jwt_with("{\"oid\":\"o-1\",\"tid\":\"t-1\",\"sub\":\"pairwise\","
				   "\"preferred_username\":\"bob@contoso.example\"}");
	char *no_address = jwt_with("{\"sub\":\"1234\"}");
	char *not_json = jwt_with("not json");

	ck_assert_int_eq(oauth_id_token_identity(google, &who), 0);
	ck_assert_str_eq(who.address, "ann@gmail.example");
	ck_assert_str_eq(who.subject, "1234");
	ck_assert_str_eq(who.tenant, "");
	ck_assert_int_eq(oauth_id_token_identity(microsoft, &who), 0);
	ck_assert_str_eq(who.address, "bob@contoso.example");
	ck_assert_str_eq(who.subject, "o-1");
	ck_assert_str_eq(who.tenant, "t-1");
	ck_assert_int_eq(oauth_id_token_identity(no_address, &who), -1);
	ck_assert_int_eq(oauth_id_token_identity(not_json, &who), -1);
	ck_assert_int_eq(oauth_id_token_identity("no dots at all", &who), -1);
	ck_assert_int_eq(oauth_id_token_identity("a.!!!.c", &who), -1);
	free(google);
	free(microsoft);
	free(no_address);
	free(not_json);
}
END_TEST

Suite *oauth_suite(void)
{
	Suite *s = suite_create("oauth");
	TCase *tc = tcase_create("answers");

	tcase_add_test(tc, success_is_ok_with_no_code);
	tcase_add_test(tc, google_invalid_grant_is_permanent);
	tcase_add_test(tc, microsoft_error_codes_name_the_aadsts_number);
	tcase_add_test(tc, every_permanent_error_of_providers_md);
	tcase_add_test(tc, network_timeouts_5xx_and_429_are_transient);
	tcase_add_test(tc, an_unknown_or_unreadable_refusal_never_counts_as_permanent);
	tcase_add_test(tc, json_strings_are_read_with_jansson);
	tcase_add_test(tc, the_tenant_token_url_replaces_the_tenant_segment);
	tcase_add_test(tc, pkce_challenge_matches_rfc_7636_appendix_b);
	tcase_add_test(tc, id_token_gives_the_address_and_the_account_ids);
	suite_add_tcase(s, tc);
	return s;
}
