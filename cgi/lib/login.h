/* login.h — throttling sign-in attempts per account and per client address. */
#ifndef IP_LOGIN_H
#define IP_LOGIN_H

#include <time.h>

#include "db.h"
#include "status.h"

struct login_limits {
	long window;      /* seconds */
	long per_account; /* failures in the window before the account is held */
	long per_address; /* failures in the window before the address is held */
};

/* ST_OK when a sign-in may be tried now, ST_TOO_MANY when the account or the
 * address has failed too often in the window; *retry_after then says when the
 * oldest failure leaves the window. */
enum status login_check(struct db *db, const char *email, const char *client_addr,
			const struct login_limits *lim, time_t now, long *retry_after);

/* What the store keeps of a typed sign-in name that is no user's: never the text,
 * which may be a password typed into the wrong field, but "unknown (#" + the first
 * 12 hex digits of HMAC-SHA256(key, the name in lower case) + ")".  The same name
 * gives the same form, so its attempts are still counted and grouped.  The key is
 * the database's own (panel_settings.login_name_key, made by migration 005): the
 * audit page and its exports cannot be turned back into names without the
 * database itself. */
#define LOGIN_UNKNOWN_NAME_SIZE 32
enum status login_unknown_name(struct db *db, const char *typed, char out[LOGIN_UNKNOWN_NAME_SIZE]);

/* Records an attempt.  A success clears the account's failures. */
enum status login_record(struct db *db, const char *email, const char *client_addr,
			 int succeeded, time_t now);

#endif
