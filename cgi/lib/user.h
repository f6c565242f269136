/* user.h — the people who sign in: roles, the account-access permission,
 * language and deactivation. */
#ifndef IP_USER_H
#define IP_USER_H

#include <time.h>

#include "db.h"
#include "status.h"

enum role { ROLE_USER, ROLE_SUPER_ADMIN, ROLE__MAX };
extern const char *const role_names[ROLE__MAX]; /* "user", "super_admin" */

struct user {
	long long id;
	char email[255];
	char name[129];
	enum role role;
	int account_access;
	char language[3]; /* "", "en" or "fr" */
	int deactivated;
	long long created_at;
};

/* ST_OK, ST_NOT_FOUND or ST_INTERNAL; password_hash (when not NULL, at least
 * PW_HASH_MAX bytes) receives the stored hash. */
enum status user_by_email(struct db *db, const char *email, struct user *out,
			  char *password_hash);
enum status user_by_id(struct db *db, long long id, struct user *out);

/* Writers, inside the caller's transaction; now is the time of the change.
 * user_add: ST_CONFLICT when the email is taken.  The others: ST_NOT_FOUND for
 * an unknown id. */
enum status user_add(struct db *db, const char *email, const char *name, enum role role,
		     int account_access, const char *password_hash, time_t now, long long *id);
enum status user_set_role(struct db *db, long long id, enum role role, int account_access,
			  time_t now);
enum status user_set_deactivated(struct db *db, long long id, int deactivated, time_t now);
enum status user_set_password(struct db *db, long long id, const char *password_hash,
			      time_t now);
enum status user_set_language(struct db *db, long long id, const char *language, time_t now);
long long user_count(struct db *db);

/* Calls fn for every user, by email. */
enum status user_each(struct db *db, void (*fn)(const struct user *u, void *arg), void *arg);

int user_may_access_account(const struct user *u); /* super admin or account access */
/* The name to show: the display name, or the email when there is none. */
const char *user_display_name(const struct user *u);

#endif
