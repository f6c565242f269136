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

/* Checks the limits and, when they allow the attempt, records it as a failure: one
 * step, inside the caller's write transaction, which the caller commits before it
 * checks the password.  So workers signing in at once cannot all pass the check
 * before any of them has recorded (N workers would otherwise get N - 1 guesses
 * more than the limit), and an attempt whose worker dies mid-check still counts.
 * ST_TOO_MANY as login_check, with nothing recorded; ST_OK with *attempt_id, the
 * row login_mark_success turns into a success. */
enum status login_begin(struct db *db, const char *account, const char *client_addr,
			const struct login_limits *lim, time_t now, long *retry_after,
			long long *attempt_id);

/* The attempt login_begin recorded succeeded: marked so, and the account's
 * failures (and anything older than a day) forgotten. */
enum status login_mark_success(struct db *db, long long attempt_id, const char *account,
			       time_t now);

/* Records an attempt.  A success clears the account's failures. */
enum status login_record(struct db *db, const char *email, const char *client_addr,
			 int succeeded, time_t now);

#endif
