/* prov.h — the mail providers an inbox can be connected through, and how the
 * panel takes its access back from each. */
#ifndef IP_PROV_H
#define IP_PROV_H

enum provider {
	PROV_GOOGLE,    /* Gmail and Google Workspace */
	PROV_MICROSOFT, /* Office 365 (work or school accounts) */
	PROV_OUTLOOK,   /* Outlook.com (personal Microsoft accounts) */
	PROV_IMAP,
	PROV__MAX
};

/* "google", "microsoft", "outlook", "imap": the names in the store, the URLs and
 * the language files (Lang.provider.<name>). */
extern const char *const prov_names[PROV__MAX];
int prov_from_name(const char *name, enum provider *out);

enum prov_revocation {
	PROV_REVOKE_TOKEN,  /* Google: the RFC 7009 revocation endpoint */
	PROV_REVOKE_GRANT,  /* Office 365: delete the app's grant through Microsoft Graph */
	PROV_REVOKE_MANUAL, /* Outlook.com, IMAP: no API; the user follows the steps */
};
enum prov_revocation prov_revocation(enum provider p);

#endif
