/* csrf.c — same-origin and synchronizer-token checks for POSTs. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "crypto.h"
#include "csrf.h"
#include "util.h"

/* Length of base_url's origin (scheme://host[:port]), and whether its port is the
 * scheme's default, which a browser leaves out of Origin. */
static size_t base_origin(const struct conf *conf, size_t *without_default_port)
{
	const char *base = conf->base_url;
	size_t len = strlen(base) - strlen(conf->base_path);

	*without_default_port = len;
	if (strncmp(base, "https://", 8) == 0 && len > 4 && strncmp(base + len - 4, ":443", 4) == 0)
		*without_default_port = len - 4;
	else if (strncmp(base, "http://", 7) == 0 && len > 3 && strncmp(base + len - 3, ":80", 3) == 0)
		*without_default_port = len - 3;
	return len;
}

/* The Origin is compared with Site.base_url's origin only, never with the Host
 * header: Host is the client's to choose (a proxy or a rebinding attack can send
 * any), so "Origin matches Host" proves nothing about where the form was. */
int csrf_same_origin(const struct conf *conf, const struct req *r)
{
	if (r->origin != NULL) {
		size_t short_len, len = base_origin(conf, &short_len);
		size_t origin_len = strlen(r->origin);

		/* Scheme and host are case-insensitive; browsers send them in lower case. */
		return (origin_len == len && strncasecmp(r->origin, conf->base_url, len) == 0) ||
		       (origin_len == short_len && strncasecmp(r->origin, conf->base_url, short_len) == 0);
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
