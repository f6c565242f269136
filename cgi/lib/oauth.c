/* oauth.c — provider answers, parsed with jansson. */
#include "config.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

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

void oauth_error_name(const struct http_answer *a, char *out, size_t out_len)
{
	json_t *root = parse(a);
	const char *name = root ? json_string_value(json_object_get(root, "error")) : NULL;

	snprintf(out, out_len, "%s", name != NULL ? name : "");
	json_decref(root);
}

char *oauth_json_string(const struct http_answer *a, const char *member)
{
	json_t *root = parse(a);
	const char *v = root ? json_string_value(json_object_get(root, member)) : NULL;
	char *copy = v != NULL ? xstrdup(v) : NULL;

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
