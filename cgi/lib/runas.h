/* runas.h — who a program runs as.  Started as root, a program serves only as
 * the user it is told (--user, or Service.user in the configuration): it drops
 * to that user and its groups for good before it reads a key or opens the
 * database, and without one it refuses to start rather than serve as root. */
#ifndef IP_RUNAS_H
#define IP_RUNAS_H

#include <stddef.h>

/* user may be NULL (none given).  0 when the process now runs as user (or as
 * itself, not being root and given no user); -1 with a one-line reason in err. */
int runas_drop(const char *user, char *err, size_t errlen);

#endif
