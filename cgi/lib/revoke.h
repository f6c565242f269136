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

/* --- Microsoft Graph's answers (PROVIDERS.md), read apart from the calls ------
 * (tests/fuzz/fuzz_graph feeds them anything). */

/* The longest Graph object id taken, and a NUL (they are GUIDs: 36). */
#define REVOKE_GRAPH_ID_SIZE 65

/* Whether s can be a Graph object id: 1 to 64 letters, digits and '-'.  The
 * service principal's id and the user's object id go into an OData filter, where
 * a quote would change its meaning. */
int revoke_graph_id_valid(const char *s);

/* The app's service principal in the answer to GET servicePrincipals(appId=...),
 * into out: 0, or -1 when the body is not a JSON object whose "id" is a string
 * revoke_graph_id_valid accepts. */
int revoke_service_principal_id(const char *body, size_t len, char out[REVOKE_GRAPH_ID_SIZE]);

/* At most this many grants are deleted in one try; the next try finds the rest. */
#define REVOKE_GRANTS_MAX 100
#define REVOKE_GRANT_ID_MAX 256

/* The grants to delete from the answer to GET oauth2PermissionGrants?$filter=...:
 * those of client (the service principal) with consentType "Principal" for
 * principal (the user) only; never an AllPrincipals grant, which an admin gave
 * for everyone in the tenant, whatever the filter asked. */
struct revoke_grants {
	char **ids;   /* count grant ids, each 1 to REVOKE_GRANT_ID_MAX bytes */
	size_t count;
	int more;     /* the answer holds more than these (a next page, or beyond
		       * REVOKE_GRANTS_MAX): ask again once they are gone */
};

/* 0, or -1 when the body is not a JSON object with a "value" array, or a grant
 * to delete has no usable id (the outcome must not say done while it stands).
 * Free out with revoke_grants_free either way. */
int revoke_grants_parse(const char *body, size_t len, const char *client, const char *principal,
			struct revoke_grants *out);
void revoke_grants_free(struct revoke_grants *grants);

/* Graph's error code, {"error":{"code":"Authorization_RequestDenied"}}, into
 * out; "" when the body has none, or none oauth_code_valid accepts. */
void revoke_graph_error_code(const char *body, size_t len, char *out, size_t out_len);

#endif
