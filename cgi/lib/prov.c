/* prov.c — the provider descriptors (PROVIDERS.md). */
#include "config.h"

#include <string.h>

#include "prov.h"

const struct prov_conf_key_desc prov_conf_keys[PROV_KEY__MAX] = {
	[PROV_KEY_CLIENT_ID] = { "client_id", 0 },
	[PROV_KEY_CLIENT_SECRET] = { "client_secret", 0 },
	[PROV_KEY_AUTHORIZE_URL] = { "authorize_url", 1 },
	[PROV_KEY_TOKEN_URL] = { "token_url", 1 },
	[PROV_KEY_REVOKE_URL] = { "revoke_url", 1 },
	[PROV_KEY_USERINFO_URL] = { "userinfo_url", 1 },
	[PROV_KEY_GRAPH_URL] = { "graph_url", 1 },
	[PROV_KEY_SCOPES] = { "scopes", 0 },
};

/* What every OAuth provider's block needs; the client secret may come later
 * (a public client), the others are each provider's own. */
#define OAUTH_KEYS                                                                                \
	(PROV_KEY_BIT(PROV_KEY_CLIENT_ID) | PROV_KEY_BIT(PROV_KEY_AUTHORIZE_URL) |                \
	 PROV_KEY_BIT(PROV_KEY_TOKEN_URL) | PROV_KEY_BIT(PROV_KEY_SCOPES))

const struct prov_desc prov_table[PROV__MAX] = {
	[PROV_GOOGLE] = {
		.name = "google",
		.label_key = "Lang.provider.google",
		.company_key = "Lang.company.google",
		.revocation = PROV_REVOKE_TOKEN,
		.oauth = 1,
		.required_keys = OAUTH_KEYS | PROV_KEY_BIT(PROV_KEY_REVOKE_URL),
	},
	[PROV_MICROSOFT] = {
		.name = "microsoft",
		.label_key = "Lang.provider.microsoft",
		.company_key = "Lang.company.microsoft",
		.revocation = PROV_REVOKE_GRANT,
		.oauth = 1,
		.required_keys = OAUTH_KEYS | PROV_KEY_BIT(PROV_KEY_GRAPH_URL),
	},
	[PROV_OUTLOOK] = {
		.name = "outlook",
		.label_key = "Lang.provider.outlook",
		.company_key = "Lang.company.outlook",
		.revocation = PROV_REVOKE_MANUAL,
		.oauth = 1,
		.required_keys = OAUTH_KEYS,
	},
	[PROV_IMAP] = {
		.name = "imap",
		.label_key = "Lang.provider.imap",
		.company_key = "Lang.company.imap",
		.revocation = PROV_REVOKE_MANUAL,
		.oauth = 0,
		.required_keys = 0,
	},
};

int prov_from_name(const char *name, enum provider *out)
{
	for (int i = 0; i < PROV__MAX; i++)
		if (strcmp(name, prov_table[i].name) == 0) {
			*out = (enum provider)i;
			return 0;
		}
	return -1;
}
