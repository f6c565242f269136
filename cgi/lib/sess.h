/* sess.h — server-side sessions named by a random cookie value of which only the
 * SHA-256 is stored, with idle and absolute timeouts. */
#ifndef IP_SESS_H
#define IP_SESS_H

#include <time.h>

#include "crypto.h"
#include "db.h"
#include "status.h"
#include "user.h"

struct session {
	long long id;
	long long user_id;
	char csrf_token[CRYPTO_TOKEN_LEN + 1];
	long long created_at;
	long long last_seen_at;
};

struct sess_timeouts {
	long idle;
	long absolute;
};

/* The session policy of every request: the live session named by cookie_value
 * and its active user.  ST_NOT_FOUND for an unknown, malformed or expired
 * session (an expired one is deleted) or a deactivated user.  Records activity
 * at most every idle/30 seconds, in a write transaction of its own. */
enum status sess_resume(struct db *db, const char *cookie_value, const struct sess_timeouts *t,
			time_t now, struct session *session, struct user *user);

/* The live session named by cookie_value, read only; ST_NOT_FOUND for an unknown,
 * expired or malformed one. */
enum status sess_find(struct db *db, const char *cookie_value, const struct sess_timeouts *t,
		      time_t now, struct session *out);

/* Records activity now, inside the caller's transaction. */
enum status sess_touch(struct db *db, struct session *s, time_t now);

/* A new session for user_id (the user's expired ones are deleted on the way);
 * cookie_value receives what the browser keeps. */
enum status sess_start(struct db *db, long long user_id, const char *client_addr,
		       const struct sess_timeouts *t, time_t now,
		       char cookie_value[CRYPTO_TOKEN_LEN + 1], struct session *out);

enum status sess_end(struct db *db, long long session_id);
enum status sess_end_user(struct db *db, long long user_id);

#endif
