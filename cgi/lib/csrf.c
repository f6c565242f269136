/* csrf.c — same-origin and synchronizer-token checks for POSTs. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "csrf.h"
#include "util.h"

int csrf_same_origin(const struct conf *conf, const struct req *r)
{
	if (r->origin != NULL) {
		const char *base = conf->base_url;
		size_t base_origin_len = strlen(base) - strlen(conf->base_path);
		char *from_host = xasprintf("%s://%s", r->https ? "https" : "http", r->host);
		int ok = strcmp(r->origin, from_host) == 0 ||
			 (strlen(r->origin) == base_origin_len &&
			  strncmp(r->origin, base, base_origin_len) == 0);

		free(from_host);
		return ok;
	}
	if (r->sec_fetch_site != NULL)
		return strcmp(r->sec_fetch_site, "same-origin") == 0;
	return 1;
}

int csrf_token_valid(const struct req *r, const char *expected)
{
	const struct param *sent = params_get(&r->form, "csrf");

	if (sent == NULL || sent->len != CRYPTO_TOKEN_LEN || expected == NULL ||
	    strlen(expected) != CRYPTO_TOKEN_LEN)
		return 0;
	return crypto_equal(sent->value, expected);
}
