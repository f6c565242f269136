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

/* PROVIDERS.md's answer to GET oauth2PermissionGrants?$filter=..., with what
 * Graph might add: another user's grant, an admin's AllPrincipals grant,
 * another app's. */
#define SP "1f2e3d4c-0000-4000-8000-00000000a001"
#define OID "9a8b7c6d-0000-4000-8000-00000000b002"
#define GRANT(id, client, type, principal)                                            \
	"{\"id\":\"" id "\",\"clientId\":\"" client "\",\"consentType\":\"" type "\","  \
	"\"principalId\":" principal ",\"resourceId\":\"r-1\",\"scope\":\"IMAP.AccessAsUser.All\"}"

START_TEST(graph_grants_to_delete_are_the_users_own_for_the_app)
{
	struct revoke_grants g;
	const char *body =
		"{\"@odata.context\":\"https://graph.microsoft.com/v1.0/$metadata#oauth2PermissionGrants\","
		"\"value\":[" GRANT("own-1", SP, "Principal", "\"" OID "\"") ","
		GRANT("admin", SP, "AllPrincipals", "null") ","
		GRANT("other-user", SP, "Principal", "\"someone-else\"") ","
		GRANT("other-app", "another-sp", "Principal", "\"" OID "\"") ","
		GRANT("own-2", SP, "Principal", "\"" OID "\"") "]}";

	ck_assert_int_eq(revoke_grants_parse(body, strlen(body), SP, OID, &g), 0);
	ck_assert_uint_eq(g.count, 2);
	ck_assert_str_eq(g.ids[0], "own-1");
	ck_assert_str_eq(g.ids[1], "own-2");
	ck_assert_int_eq(g.more, 0);
	revoke_grants_free(&g);

	body = "{\"value\":[]}";
	ck_assert_int_eq(revoke_grants_parse(body, strlen(body), SP, OID, &g), 0);
	ck_assert_uint_eq(g.count, 0);
	revoke_grants_free(&g);
}
END_TEST

START_TEST(graph_grant_lists_that_do_not_read_are_refused)
{
	static const char *const bodies[] = {
		"", "[]", "{}", "{\"value\":{}}", "{\"value\":\"x\"}", "not json",
		"{\"value\":[],\"value\":[]}",
		/* A grant to delete with no usable id: done must not be said. */
		"{\"value\":[" GRANT("", SP, "Principal", "\"" OID "\"") "]}",
		"{\"value\":[{\"id\":7,\"clientId\":\"" SP "\",\"consentType\":\"Principal\","
		"\"principalId\":\"" OID "\"}]}",
	};
	struct revoke_grants g;

	for (size_t i = 0; i < ARRAY_LEN(bodies); i++) {
		ck_assert_msg(revoke_grants_parse(bodies[i], strlen(bodies[i]), SP, OID, &g) == -1,
			      "%s", bodies[i]);
		revoke_grants_free(&g);
	}
	/* Wrong types where a string is expected: not a match, not a crash. */
	{
		const char *body = "{\"value\":[1,null,[],{\"id\":\"x\",\"clientId\":1,"
				   "\"consentType\":[\"Principal\"],\"principalId\":{}}]}";

		ck_assert_int_eq(revoke_grants_parse(body, strlen(body), SP, OID, &g), 0);
		ck_assert_uint_eq(g.count, 0);
		revoke_grants_free(&g);
	}
}
END_TEST

START_TEST(graph_grants_beyond_one_try_are_left_for_the_next)
{
	struct revoke_grants g;
	struct buf body;

	buf_init(&body);
	buf_printf(&body, "{\"value\":[");
	for (int i = 0; i < REVOKE_GRANTS_MAX + 3; i++)
		buf_printf(&body, "%s{\"id\":\"g%d\",\"clientId\":\"%s\",\"consentType\":\"Principal\","
				  "\"principalId\":\"%s\"}",
			   i ? "," : "", i, SP, OID);
	buf_printf(&body, "]}");
	ck_assert_int_eq(revoke_grants_parse(body.data, body.len, SP, OID, &g), 0);
	ck_assert_uint_eq(g.count, REVOKE_GRANTS_MAX);
	ck_assert_int_eq(g.more, 1);
	revoke_grants_free(&g);
	buf_free(&body);

	/* Graph's next page. */
	{
		const char *paged = "{\"value\":[" GRANT("own-1", SP, "Principal", "\"" OID "\"") "],"
				    "\"@odata.nextLink\":\"https://graph.microsoft.com/v1.0/x?$skiptoken=1\"}";

		ck_assert_int_eq(revoke_grants_parse(paged, strlen(paged), SP, OID, &g), 0);
		ck_assert_uint_eq(g.count, 1);
		ck_assert_int_eq(g.more, 1);
		revoke_grants_free(&g);
	}
}
END_TEST

START_TEST(graph_service_principal_id_must_read_as_an_id)
{
	char id[REVOKE_GRAPH_ID_SIZE];
	const char *ok = "{\"@odata.context\":\"https://graph.microsoft.com/v1.0/$metadata#"
			 "servicePrincipals/$entity\",\"id\":\"" SP "\",\"appId\":\"a-1\","
			 "\"displayName\":\"inboxpanel\"}";
	static const char *const bad[] = {
		"{\"id\":\"x' or principalId ne '\"}", "{\"id\":\"\"}", "{\"id\":42}", "{\"id\":null}",
		"[\"id\"]", "{\"appId\":\"a-1\"}",
		"{\"id\":\"0123456789012345678901234567890123456789012345678901234567890123456789\"}",
	};

	ck_assert_int_eq(revoke_service_principal_id(ok, strlen(ok), id), 0);
	ck_assert_str_eq(id, SP);
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		ck_assert_msg(revoke_service_principal_id(bad[i], strlen(bad[i]), id) == -1, "%s",
			      bad[i]);
		ck_assert_str_eq(id, "");
	}
	ck_assert_int_eq(revoke_graph_id_valid(OID), 1);
	ck_assert_int_eq(revoke_graph_id_valid("9188040d-6c67-4c5b-b112-36a304b66dad"), 1);
	ck_assert_int_eq(revoke_graph_id_valid("a'b"), 0);
	ck_assert_int_eq(revoke_graph_id_valid("a/b"), 0);
	ck_assert_int_eq(revoke_graph_id_valid(""), 0);
}
END_TEST

START_TEST(graph_error_code_is_read_from_its_object)
{
	char code[64];
	const char *denied = "{\"error\":{\"code\":\"Authorization_RequestDenied\","
			     "\"message\":\"Insufficient privileges to complete the operation.\"}}";

	revoke_graph_error_code(denied, strlen(denied), code, sizeof(code));
	ck_assert_str_eq(code, "Authorization_RequestDenied");
	revoke_graph_error_code("{\"error\":\"invalid_grant\"}", 25, code, sizeof(code));
	ck_assert_str_eq(code, "");
	revoke_graph_error_code("{\"error\":{\"code\":7}}", 20, code, sizeof(code));
	ck_assert_str_eq(code, "");
	revoke_graph_error_code("<html>", 6, code, sizeof(code));
	ck_assert_str_eq(code, "");
}
END_TEST

START_TEST(userinfo_claims_give_the_address_and_unverified_email_is_not_taken)
{
	struct oauth_identity who;
	const char *userinfo = "{\"sub\":\"1234\",\"email\":\"ann@gmail.example\",\"email_verified\":true}";
	const char *unverified = "{\"sub\":\"1\",\"email\":\"ceo@victim.example\",\"email_verified\":false}";
	const char *unverified_ms = "{\"oid\":\"o-1\",\"email\":\"ceo@victim.example\",\"email_verified\":false,"
				    "\"preferred_username\":\"bob@contoso.example\"}";
	const char *as_string = "{\"sub\":\"1\",\"email\":\"ann@gmail.example\",\"email_verified\":\"true\"}";
	const char *wrong_types = "{\"sub\":7,\"email\":[\"ann@gmail.example\"],\"tid\":{}}";
	const char *duplicate = "{\"email\":\"a@x.example\",\"email\":\"b@x.example\"}";

	ck_assert_int_eq(oauth_claims_identity(userinfo, strlen(userinfo), &who), 0);
	ck_assert_str_eq(who.address, "ann@gmail.example");
	ck_assert_str_eq(who.subject, "1234");
	ck_assert_int_eq(oauth_claims_identity(unverified, strlen(unverified), &who), -1);
	ck_assert_int_eq(oauth_claims_identity(unverified_ms, strlen(unverified_ms), &who), 0);
	ck_assert_str_eq(who.address, "bob@contoso.example");
	ck_assert_int_eq(oauth_claims_identity(as_string, strlen(as_string), &who), 0);
	ck_assert_str_eq(who.address, "ann@gmail.example");
	ck_assert_int_eq(oauth_claims_identity(wrong_types, strlen(wrong_types), &who), -1);
	ck_assert_int_eq(oauth_claims_identity(duplicate, strlen(duplicate), &who), -1);
	ck_assert_int_eq(oauth_claims_identity("[]", 2, &who), -1);
}
END_TEST

START_TEST(provider_text_with_control_characters_or_oversized_is_not_taken)
{
	char code[64];
	struct oauth_identity who;
	struct http_answer a;
	char *s;
	struct buf big;
	const char *forged = "{\"error\":\"invalid_grant\\n2026-12-04T00:00:00Z forged line\"}";
	const char *graph = "{\"error\":{\"code\":\"Denied\\r\\nforged\"}}";
	const char *claims = "{\"sub\":\"1\\n2\",\"email\":\"ann@gmail.example\",\"tid\":\"t\\u0007\"}";
	const char *address = "{\"sub\":\"1\",\"email\":\"ann@gmail.example\\n\"}";

	/* An error name that would forge a log line: not a code, so the status. */
	ck_assert_int_eq(classify(400, forged, code), OAUTH_TRANSIENT);
	ck_assert_str_eq(code, "HTTP 400");
	revoke_graph_error_code(graph, strlen(graph), code, sizeof(code));
	ck_assert_str_eq(code, "");
	ck_assert_int_eq(oauth_code_valid("AADSTS50173"), 1);
	ck_assert_int_eq(oauth_code_valid("a\tb"), 0);
	ck_assert_int_eq(oauth_code_valid("caf\xc3\xa9"), 0);

	ck_assert_int_eq(oauth_claims_identity(claims, strlen(claims), &who), 0);
	ck_assert_str_eq(who.address, "ann@gmail.example");
	ck_assert_str_eq(who.subject, "");
	ck_assert_str_eq(who.tenant, "");
	ck_assert_int_eq(oauth_claims_identity(address, strlen(address), &who), -1);

	/* A member as long as the limit is taken, one byte more is not. */
	buf_init(&big);
	buf_puts(&big, "{\"refresh_token\":\"");
	for (int i = 0; i < OAUTH_STRING_MAX; i++)
		buf_putc(&big, 'x');
	buf_puts(&big, "\"}");
	a = answer(200, big.data);
	s = oauth_json_string(&a, "refresh_token");
	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(strlen(s), OAUTH_STRING_MAX);
	free(s);
	buf_reset(&big);
	buf_puts(&big, "{\"refresh_token\":\"");
	for (int i = 0; i <= OAUTH_STRING_MAX; i++)
		buf_putc(&big, 'x');
	buf_puts(&big, "\"}");
	a = answer(200, big.data);
	ck_assert_ptr_null(oauth_json_string(&a, "refresh_token"));
	buf_free(&big);
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
	tcase_add_test(tc, userinfo_claims_give_the_address_and_unverified_email_is_not_taken);
	tcase_add_test(tc, graph_grants_to_delete_are_the_users_own_for_the_app);
	tcase_add_test(tc, graph_grant_lists_that_do_not_read_are_refused);
	tcase_add_test(tc, graph_grants_beyond_one_try_are_left_for_the_next);
	tcase_add_test(tc, graph_service_principal_id_must_read_as_an_id);
	tcase_add_test(tc, graph_error_code_is_read_from_its_object);
	tcase_add_test(tc, provider_text_with_control_characters_or_oversized_is_not_taken);
	suite_add_tcase(s, tc);
	return s;
}
