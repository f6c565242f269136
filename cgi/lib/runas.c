/* runas.c — dropping root for the user a program is told to run as. */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "runas.h"

int runas_drop(const char *user, char *err, size_t errlen)
{
	const struct passwd *pw;
	uid_t uid;
	gid_t gid;

	if (user == NULL || user[0] == '\0') {
		if (geteuid() != 0 && getuid() != 0)
			return 0;
		snprintf(err, errlen,
			 "started as root without a user to run as: give --user USER (or "
			 "Service.user in the configuration), or start it as that user; it does "
			 "not serve as root");
		return -1;
	}
	errno = 0;
	pw = getpwnam(user);
	if (pw == NULL) {
		snprintf(err, errlen, "user %s: %s", user,
			 errno != 0 ? strerror(errno) : "no such user");
		return -1;
	}
	uid = pw->pw_uid;
	gid = pw->pw_gid;
	if (uid == geteuid() && uid == getuid())
		return 0; /* already that user (root told to run as root, say) */
	if (geteuid() != 0) {
		snprintf(err, errlen,
			 "user %s: only a program started as root can become another user (this "
			 "one runs as uid %u)",
			 user, (unsigned)geteuid());
		return -1;
	}
	if (initgroups(user, gid) != 0 || setgid(gid) != 0 || setuid(uid) != 0) {
		snprintf(err, errlen, "user %s: cannot switch to it: %s", user, strerror(errno));
		return -1;
	}
	/* For good: a process that could become root again has dropped nothing. */
	if (uid != 0 && (setuid(0) == 0 || seteuid(0) == 0)) {
		snprintf(err, errlen, "user %s: root could be taken back after the switch", user);
		return -1;
	}
	return 0;
}
