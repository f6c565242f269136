/* revoke.h — taking the panel's access back at the provider (rule 4 of DESIGN.md,
 * PROVIDERS.md): Google's revocation endpoint; for Office 365, an app token and
 * the deletion of the user's delegated permission grants through Microsoft Graph.
 * Outlook.com and IMAP have no API: their jobs are manual from the start. */
#ifndef IP_REVOKE_H
#define IP_REVOKE_H

#include "conf.h"
#include "http.h"
#include "outbox.h"

struct revoke_result {
	/* DONE, MANUAL (the user must finish; Graph refused the app), FAILED (the
	 * provider refused for good), or PENDING: try again later. */
	enum outbox_state state;
	long retry_after; /* seconds the provider asked to wait before the next try, or -1 */
	/* Why it is manual or failed, a key of Lang.revocation ("denied"), or "". */
	char reason[32];
	char code[64];    /* the provider's code, for support ("invalid_token", "HTTP 503") */
};

typedef void revoke_done_fn(void *arg, const struct revoke_result *result);

/* Starts revoking job's access; token is the opened secret (the refresh token),
 * copied.  done runs once with the outcome: at once when there is nothing to ask
 * the provider, else from http_pool_run.  job must stay valid until then. */
void revoke_start(struct http_pool *pool, const struct conf *conf, const struct outbox_job *job,
		  const char *token, revoke_done_fn *done, void *arg);

/* Microsoft's token endpoint for a tenant: the configured token URL with its
 * tenant segment ("organizations", "consumers", "common") replaced by tid.  NULL
 * when the URL has no ".../{tenant}/oauth2/..." shape. */
char *revoke_tenant_token_url(const char *token_url, const char *tid);

#endif
