/* fuzz_oauth.c — the panel's reading of what a provider answered (cgi/lib/oauth.c):
 * oauth_classify, oauth_error_name and oauth_json_string over a made-up answer.
 *
 * Input: two bytes for the HTTP status (big-endian, modulo 600; 0 is "no answer",
 * when the body is instead libcurl's error text), then the body.  The body is
 * handed over as http.c does: body_len bytes and a NUL after them; a NUL inside
 * the body stays inside it. */
#include "config.h"

#include "fuzz.h"
#include "oauth.h"

/* The members the worker and the callback read from token, error and userinfo
 * answers. */
static const char *const members[] = { "access_token", "refresh_token", "id_token", "email",
				       "error", "error_description", "scope", "token_type" };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_answer a = { 0 };
	char code[64], name[64], small[4];
	char *body;
	enum oauth_verdict v;

	if (size < 2)
		return 0;
	a.status = ((long)data[0] << 8 | data[1]) % 600;
	body = malloc(size - 2 + 1);
	if (body == NULL)
		abort();
	memcpy(body, data + 2, size - 2);
	body[size - 2] = '\0';
	a.body = a.status ? body : "";
	a.body_len = a.status ? size - 2 : 0;
	a.retry_after = -1;
	a.error = a.status ? "" : body;

	v = oauth_classify(&a, code, sizeof(code));
	FUZZ_CHECK(v == OAUTH_OK || v == OAUTH_TRANSIENT || v == OAUTH_PERMANENT);
	FUZZ_CHECK(strlen(code) < sizeof(code));
	FUZZ_CHECK((v == OAUTH_OK) == (a.status >= 200 && a.status < 300));
	FUZZ_CHECK(v == OAUTH_OK || code[0] != '\0');
	/* It goes into logs and the store as it is. */
	FUZZ_CHECK(oauth_code_valid(code));
	/* A short buffer is cut, never overrun. */
	oauth_classify(&a, small, sizeof(small));
	FUZZ_CHECK(strlen(small) < sizeof(small));

	oauth_error_name(&a, name, sizeof(name));
	FUZZ_CHECK(strlen(name) < sizeof(name) && oauth_code_valid(name));
	oauth_error_name(&a, small, sizeof(small));
	for (size_t i = 0; i < sizeof(members) / sizeof(members[0]); i++) {
		char *s = oauth_json_string(&a, members[i]);

		free(s);
	}
	free(body);
	return 0;
}
