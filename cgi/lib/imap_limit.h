/* imap_limit.h — how often the IMAP connect form may make the panel log in to a
 * mail server for one user: at most Imap.max_logins in Imap.login_window, over a
 * sliding window, so nobody can use the panel to try logins without bound. */
#ifndef IP_IMAP_LIMIT_H
#define IP_IMAP_LIMIT_H

#include <time.h>

#include "db.h"
#include "status.h"

struct imap_limit {
	long window; /* seconds */
	long max;    /* logins in the window */
};

/* Checks the user's logins in the window and, when one more is allowed, records
 * it: one step inside the caller's write transaction, which the caller commits
 * before the login, so parallel posts cannot all pass the check and a login
 * whose worker dies still counts.  ST_OK; ST_TOO_MANY, nothing recorded, with
 * *retry_after the seconds (at least 1) until the oldest leaves the window. */
enum status imap_limit_begin(struct db *db, long long user_id, const struct imap_limit *lim,
			     time_t now, long *retry_after);

#endif
