/* oauth.c — provider answers, parsed with jansson. */
#include "config.h"

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "oauth.h"
#include "util.h"

/* Errors after which the same request will never succeed (PROVIDERS.md). */
static const char *const permanent_errors[] = {
	"invalid_grant", "invalid_client", "unauthorized_client", "invalid_scope",
	"admin_policy_enforced",
};

static json_t *parse(const struct http_answer *a)
{
	json_t *root = json_loadb(a->body, a->body_len, JSON_REJECT_DUPLICATES, NULL);

	if (root != NULL && !json_is_object(root)) {
		json_decref(root);
		return NULL;
	}
	return root;
}

int oauth_code_valid(const char *code)
{
	for (const unsigned char *c = (const unsigned char *)code; *c != '\0'; c++)
		if (*c < 0x20 || *c > 0x7e)
			return 0;
	return 1;
}

void oauth_error_name(const struct http_answer *a, char *out, size_t out_len)
{
	json_t *root = parse(a);
	const char *name = root ? json_string_value(json_object_get(root, "error")) : NULL;

	snprintf(out, out_len, "%s", name != NULL && oauth_code_valid(name) ? name : "");
	json_decref(root);
}

char *oauth_json_string(const struct http_answer *a, const char *member)
{
	json_t *root = parse(a);
	json_t *v = root ? json_object_get(root, member) : NULL;
	char *copy = json_is_string(v) && json_string_length(v) <= OAUTH_STRING_MAX
			     ? xstrdup(json_string_value(v))
			     : NULL;

	json_decref(root);
	return copy;
}

/* Microsoft's first AADSTS number, when the body has error_codes. */
static long microsoft_error_code(const struct http_answer *a)
{
	json_t *root = parse(a);
	json_t *codes = root ? json_object_get(root, "error_codes") : NULL;
	long code = 0;

	if (json_is_array(codes) && json_array_size(codes) > 0 &&
	    json_is_integer(json_array_get(codes, 0)))
		code = (long)json_integer_value(json_array_get(codes, 0));
	json_decref(root);
	return code;
}

enum oauth_verdict oauth_classify(const struct http_answer *a, char *code, size_t code_len)
{
	char name[64];
	long aadsts;

	code[0] = '\0';
	if (a->status == 0) {
		snprintf(code, code_len, "%s", strstr(a->error, "imed out") ? "timeout" : "network");
		return OAUTH_TRANSIENT;
	}
	if (a->status >= 200 && a->status < 300)
		return OAUTH_OK;
	if (a->status >= 500 || a->status == 429 || a->status == 408) {
		snprintf(code, code_len, "HTTP %ld", a->status);
		return OAUTH_TRANSIENT;
	}
	oauth_error_name(a, name, sizeof(name));
	aadsts = microsoft_error_code(a);
	if (aadsts > 0)
		snprintf(code, code_len, "AADSTS%ld", aadsts);
	else if (name[0] != '\0')
		snprintf(code, code_len, "%s", name);
	else
		snprintf(code, code_len, "HTTP %ld", a->status);
	return name_index(permanent_errors, (int)ARRAY_LEN(permanent_errors), name) >= 0
		       ? OAUTH_PERMANENT
		       : OAUTH_TRANSIENT;
}

static const struct field callback_fields[OAUTH_CALLBACK_FIELDS] = {
	[OAUTH_CALLBACK_STATE] = { "state", FIELD_TOKEN, 1, 1, 128, NULL },
	[OAUTH_CALLBACK_CODE] = { "code", FIELD_TEXT, 0, 1, 4096, NULL },
	[OAUTH_CALLBACK_ERROR] = { "error", FIELD_TEXT, 0, 1, 128, NULL },
};
const struct form oauth_callback_query = FORM(callback_fields);

void oauth_pkce_challenge(const char *verifier, char out[OAUTH_CHALLENGE_SIZE])
{
	uint8_t digest[32];

	crypto_sha256(verifier, strlen(verifier), digest);
	crypto_base64url(digest, sizeof(digest), out);
}

/* Copies a string claim into out when it is there, fits and holds no control
 * character (it goes into the store and the logs); 0 when it did. */
static int copy_claim(json_t *claims, const char *name, char *out, size_t size)
{
	const char *v = json_string_value(json_object_get(claims, name));

	if (v == NULL || *v == '\0' || strlen(v) >= size)
		return -1;
	for (const unsigned char *c = (const unsigned char *)v; *c != '\0'; c++)
		if (*c < 0x20 || *c == 0x7f)
			return -1;
	memcpy(out, v, strlen(v) + 1);
	return 0;
}

/* OpenID Connect Core §5.1: email_verified is a boolean; a few providers send
 * the string "true". */
static int email_unverified(json_t *claims)
{
	json_t *v = json_object_get(claims, "email_verified");

	if (v == NULL || json_is_true(v))
		return 0;
	return !(json_is_string(v) && strcmp(json_string_value(v), "true") == 0);
}

int oauth_claims_identity(const char *json, size_t len, struct oauth_identity *out)
{
	json_t *claims = json_loadb(json, len, JSON_REJECT_DUPLICATES, NULL);
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (json_is_object(claims) &&
	    ((!email_unverified(claims) &&
	      copy_claim(claims, "email", out->address, sizeof(out->address)) == 0) ||
	     copy_claim(claims, "preferred_username", out->address, sizeof(out->address)) == 0)) {
		if (copy_claim(claims, "oid", out->subject, sizeof(out->subject)) != 0)
			copy_claim(claims, "sub", out->subject, sizeof(out->subject));
		copy_claim(claims, "tid", out->tenant, sizeof(out->tenant));
		rc = 0;
	}
	json_decref(claims);
	return rc;
}

#define ID_TOKEN_MAX 16384

int oauth_id_token_identity(const char *id_token, struct oauth_identity *out)
{
	const char *payload = strchr(id_token, '.');
	const char *end = payload ? strchr(payload + 1, '.') : NULL;
	uint8_t *json;
	long len;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (end == NULL || (size_t)(end - payload - 1) > ID_TOKEN_MAX)
		return -1;
	json = xmalloc(ID_TOKEN_MAX);
	len = crypto_base64url_decode(payload + 1, (size_t)(end - payload - 1), json, ID_TOKEN_MAX);
	if (len > 0)
		rc = oauth_claims_identity((const char *)json, (size_t)len, out);
	free(json);
	return rc;
}
