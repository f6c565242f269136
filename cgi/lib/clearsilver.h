/* clearsilver.h — includes ClearSilver.h.  Its cs_config.h defines PACKAGE_NAME and
 * friends, which autoconf's config.h already defines for this package; they are
 * dropped first so that neither definition warns.  Nothing here reads them. */
#ifndef IP_CLEARSILVER_H
#define IP_CLEARSILVER_H

#undef PACKAGE_BUGREPORT
#undef PACKAGE_NAME
#undef PACKAGE_STRING
#undef PACKAGE_TARNAME
#undef PACKAGE_URL
#undef PACKAGE_VERSION
#include <ClearSilver.h>

#endif
