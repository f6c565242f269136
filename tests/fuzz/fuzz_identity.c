/* fuzz_identity.c — who the provider says the account is (cgi/lib/oauth.c):
 * oauth_claims_identity over an id token's claims or a userinfo answer, and
 * oauth_id_token_identity over the id token itself.
 *
 * Input: a first byte, then the rest.  An even first byte: the rest is JSON
 * claims; they are read directly, as a userinfo answer, and again inside a JWT
 * the target builds (base64url), and both ways must agree.  An odd first byte:
 * the rest, cut at its first NUL, is the id token as the token endpoint's JSON
 * string gave it. */
#include "config.h"

#include "crypto.h"
#include "fuzz.h"
#include "oauth.h"
#include "util.h"

/* The id token's payload the reader accepts at most (oauth.c's ID_TOKEN_MAX,
 * encoded). */
#define CLAIMS_MAX 12000

/* No control character: these go into the store and the logs. */
static int plain(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

static void check_identity(const struct oauth_identity *who)
{
	FUZZ_CHECK(who->address[0] != '\0');
	FUZZ_CHECK(strlen(who->address) < sizeof(who->address));
	FUZZ_CHECK(strlen(who->subject) < sizeof(who->subject));
	FUZZ_CHECK(strlen(who->tenant) < sizeof(who->tenant));
	FUZZ_CHECK(plain(who->address) && plain(who->subject) && plain(who->tenant));
}

static int same_identity(const struct oauth_identity *a, const struct oauth_identity *b)
{
	return strcmp(a->address, b->address) == 0 && strcmp(a->subject, b->subject) == 0 &&
	       strcmp(a->tenant, b->tenant) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct oauth_identity direct, from_jwt;

	if (size < 1)
		return 0;
	if (data[0] % 2 == 0) {
		char *claims = fuzz_bytes(data + 1, size - 1);
		int rc = oauth_claims_identity(claims, size - 1, &direct);

		if (rc == 0)
			check_identity(&direct);
		if (size - 1 > 0 && size - 1 <= CLAIMS_MAX) {
			char *b64 = xmalloc((size - 1) / 3 * 4 + 8);
			char *jwt;

			crypto_base64url((const uint8_t *)claims, size - 1, b64);
			jwt = xasprintf("eyJhbGciOiJSUzI1NiJ9.%s.c2ln", b64);
			FUZZ_CHECK(oauth_id_token_identity(jwt, &from_jwt) == rc);
			FUZZ_CHECK(rc != 0 || same_identity(&direct, &from_jwt));
			free(jwt);
			free(b64);
		}
		free(claims);
	} else {
		char *id_token = fuzz_string(data + 1, size - 1);

		if (oauth_id_token_identity(id_token, &from_jwt) == 0)
			check_identity(&from_jwt);
		free(id_token);
	}
	return 0;
}
