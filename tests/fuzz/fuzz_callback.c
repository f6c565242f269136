/* fuzz_callback.c — the OAuth callback's query (/oauth/callback?state=...&code=...
 * or ?error=...&state=...), read as the settings program reads it: the query
 * string through req_parse_urlencoded, then form_validate with the callback's
 * own table, oauth_callback_query (cgi/lib/oauth.c).
 *
 * Input: the query string, without the '?'. */
#include "config.h"

#include "crypto.h"
#include "form.h"
#include "fuzz.h"
#include "oauth.h"
#include "req.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *query = fuzz_bytes(data, size);
	struct params params;
	struct field_value v[OAUTH_CALLBACK_FIELDS];
	const char *bad = NULL;

	if (req_parse_urlencoded(query, size, &req_default_limits, &params) != ST_OK) {
		free(query);
		return 0;
	}
	if (form_validate(&oauth_callback_query, &params, v, &bad) == ST_OK) {
		const struct field_value *state = &v[OAUTH_CALLBACK_STATE];
		const struct field_value *code = &v[OAUTH_CALLBACK_CODE];
		const struct field_value *error = &v[OAUTH_CALLBACK_ERROR];

		/* What connect_callback takes without looking again: a state that
		 * can be hashed and looked up, a code it can put in a form, an
		 * error it can log on one line. */
		FUZZ_CHECK(state->present && state->len >= 1 && state->len <= 128 &&
			   crypto_base64url_chars(state->str, state->len));
		FUZZ_CHECK(strlen(state->str) == state->len);
		if (code->present)
			FUZZ_CHECK(code->len >= 1 && code->len <= 4096 &&
				   strlen(code->str) == code->len &&
				   strpbrk(code->str, "\r\n") == NULL);
		if (error->present)
			FUZZ_CHECK(error->len >= 1 && error->len <= 128 &&
				   strlen(error->str) == error->len &&
				   strpbrk(error->str, "\r\n") == NULL);
	} else {
		FUZZ_CHECK(bad != NULL);
	}
	params_free(&params);
	free(query);
	return 0;
}
