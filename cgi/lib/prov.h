/* prov.h — the mail providers an inbox can be connected through: one descriptor
 * each, read by the configuration loader, the pages and the worker alike. */
#ifndef IP_PROV_H
#define IP_PROV_H

enum provider {
	PROV_GOOGLE,    /* Gmail and Google Workspace */
	PROV_MICROSOFT, /* Office 365 (work or school accounts) */
	PROV_OUTLOOK,   /* Outlook.com (personal Microsoft accounts) */
	PROV_IMAP,
	PROV__MAX
};

enum prov_revocation {
	PROV_REVOKE_TOKEN,  /* Google: the RFC 7009 revocation endpoint */
	PROV_REVOKE_GRANT,  /* Office 365: delete the app's grant through Microsoft Graph */
	PROV_REVOKE_MANUAL, /* Outlook.com, IMAP: no API; the user follows the steps */
};

/* The keys of a Provider.<name> block of the configuration (DESIGN.md). */
enum prov_conf_key {
	PROV_KEY_CLIENT_ID,
	PROV_KEY_CLIENT_SECRET,
	PROV_KEY_AUTHORIZE_URL,
	PROV_KEY_TOKEN_URL,
	PROV_KEY_REVOKE_URL,   /* Google */
	PROV_KEY_USERINFO_URL, /* Google */
	PROV_KEY_GRAPH_URL,    /* Office 365 */
	PROV_KEY_SCOPES,       /* space-separated */
	PROV_KEY__MAX
};
struct prov_conf_key_desc {
	const char *name; /* "client_id" */
	int is_url;       /* must be an absolute http(s) URL */
};
extern const struct prov_conf_key_desc prov_conf_keys[PROV_KEY__MAX];

#define PROV_KEY_BIT(k) (1u << (k))

struct prov_desc {
	/* "google", "microsoft", "outlook", "imap": the name in the store, the URLs,
	 * the configuration (Provider.<name>) and the language files. */
	const char *name;
	const char *label_key;   /* Lang.provider.<name>: "Gmail", "Office 365" */
	const char *company_key; /* Lang.company.<name>: who holds the access */
	enum prov_revocation revocation;
	int oauth;               /* connects through OAuth, with a Provider.<name> block */
	unsigned required_keys;  /* PROV_KEY_BIT()s the block must have */
};
extern const struct prov_desc prov_table[PROV__MAX];

/* The provider named name; -1 for an unknown name. */
int prov_from_name(const char *name, enum provider *out);

#endif
