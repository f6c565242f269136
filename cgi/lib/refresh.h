/* refresh.h — the health check of a connected inbox (rule 9 of DESIGN.md): ask
 * the provider for a new access token with the stored refresh token. */
#ifndef IP_REFRESH_H
#define IP_REFRESH_H

#include "conf.h"
#include "http.h"
#include "oauth.h"

struct refresh_result {
	enum oauth_verdict verdict;
	char code[64];       /* the provider's code when refused ("invalid_grant", "AADSTS50173") */
	char *refresh_token; /* Microsoft: the new refresh token that replaces the old one, or
			      * NULL; the callee cleanses and frees it after done returns */
};

typedef void refresh_done_fn(void *arg, const struct refresh_result *result);

/* Refreshes token at provider's token endpoint; done runs once, from
 * http_pool_run (at once when the provider is not configured: transient). */
void refresh_start(struct http_pool *pool, const struct conf *conf, enum provider provider,
		   const char *token, refresh_done_fn *done, void *arg);

#endif
