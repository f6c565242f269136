/* prov.c — provider names and their revocation methods (PROVIDERS.md). */
#include "config.h"

#include <string.h>

#include "prov.h"

const char *const prov_names[PROV__MAX] = {
	[PROV_GOOGLE] = "google",
	[PROV_MICROSOFT] = "microsoft",
	[PROV_OUTLOOK] = "outlook",
	[PROV_IMAP] = "imap",
};

int prov_from_name(const char *name, enum provider *out)
{
	for (int i = 0; i < PROV__MAX; i++)
		if (strcmp(name, prov_names[i]) == 0) {
			*out = (enum provider)i;
			return 0;
		}
	return -1;
}

enum prov_revocation prov_revocation(enum provider p)
{
	switch (p) {
	case PROV_GOOGLE:
		return PROV_REVOKE_TOKEN;
	case PROV_MICROSOFT:
		return PROV_REVOKE_GRANT;
	case PROV_OUTLOOK:
	case PROV_IMAP:
	case PROV__MAX:
		break;
	}
	return PROV_REVOKE_MANUAL;
}
