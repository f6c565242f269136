/* sess.h — server-side sessions named by a random cookie value of which only the
 * SHA-256 is stored, with idle and absolute timeouts. */
#ifndef IP_SESS_H
#define IP_SESS_H

#include <time.h>

#include "crypto.h"
#include "db.h"
#include "status.h"

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

/* The live session named by cookie_value; ST_NOT_FOUND for an unknown, expired
 * (then deleted) or malformed one. */
enum status sess_find(struct db *db, const char *cookie_value, const struct sess_timeouts *t,
		      time_t now, struct session *out);

/* Records activity.  Reading pages should not write each time, so it writes at
 * most every idle/30 seconds (once a minute at most): the idle timeout is then
 * kept to within 4 %. */
enum status sess_touch(struct db *db, struct session *s, const struct sess_timeouts *t,
		       time_t now);

/* A new session for user_id (the user's expired ones are deleted on the way);
 * cookie_value receives what the browser keeps. */
enum status sess_start(struct db *db, long long user_id, const char *client_addr,
		       const struct sess_timeouts *t, time_t now,
		       char cookie_value[CRYPTO_TOKEN_LEN + 1], struct session *out);

enum status sess_end(struct db *db, long long session_id);
enum status sess_end_user(struct db *db, long long user_id);

#endif
