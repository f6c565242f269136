/* notify.h — telling people that an inbox went away (rules 6, 9 and 15 of
 * DESIGN.md, and the failed revocation of its States section), or that the
 * person who connected a team channel left it behind (offboard.h): a notification
 * in the panel for each person concerned, and an email job in the outbox for
 * each, written in the caller's write transaction with the change that causes
 * them.
 *
 * Who is told:
 *   a team channel (any kind):       every super admin, every user with account
 *                                    access, and the user who connected it;
 *   a personal inbox disconnected:   its owner;
 *   a personal inbox's revocation    its owner and every super admin.
 *   failed:
 * each person once, deactivated people never, and nobody twice about the same
 * connection and kind within a day (rule 15). */
#ifndef IP_NOTIFY_H
#define IP_NOTIFY_H

#include <time.h>

#include "clearsilver.h"
#include "db.h"
#include "status.h"

enum notify_kind {
	NOTIFY_DISCONNECTED,
	NOTIFY_REVOCATION_FAILED,
	NOTIFY_CONNECTOR_LEFT, /* a team channel kept working after its connector was offboarded */
	NOTIFY_KIND__MAX
};
extern const char *const notify_kind_names[NOTIFY_KIND__MAX]; /* "disconnected", ... */

/* Rule 15's window: one notice of a kind per connection and person in it. */
#define NOTIFY_QUIET_SECONDS 86400

/* Tells everyone concerned that connection_id went away: cause is why (a key
 * of Lang.notify.cause: "deleted", "provider_changed", "token_rejected",
 * "failed", "offboarded"), actor who did it as the audit log names them ("" for
 * the system).  *told receives how many people were told (may be NULL).  Inside
 * the caller's write transaction. */
enum status notify_connection_lost(struct db *db, long long connection_id, enum notify_kind kind,
				   const char *cause, const char *actor, time_t now, int *told);

/* A person notify_connection_lost would tell. */
struct notify_person {
	long long user_id;
	const char *email;
	const char *name;     /* "" when they have not given one */
	const char *language; /* "", "en" or "fr" */
};

/* Calls fn for each person notify_connection_lost(connection_id, kind) would
 * tell, rule 15 aside, by name (the confirmation page says who will hear of
 * it).  ST_NOT_FOUND when there is no such connection. */
enum status notify_each_recipient(struct db *db, long long connection_id, enum notify_kind kind,
				  void (*fn)(const struct notify_person *p, void *arg), void *arg);

/* --- a person's notifications --------------------------------------------------- */

struct notification {
	long long id;
	enum notify_kind kind;
	long long connection_id;
	int team;                 /* 1 for a team channel, 0 for a personal inbox */
	long long inbox_id;       /* team: the conversation inbox */
	const char *inbox_name;   /* team: its name; "" otherwise */
	const char *address;
	const char *provider;     /* "google", "microsoft", "outlook", "imap" */
	const char *cause;
	const char *actor;
	long long created_at;
	int unread;
};

/* Unread notifications of user_id; -1 on a failure. */
long long notify_unread_count(struct db *db, long long user_id);

/* user_id's notifications newest first, those with an id below before_id (0:
 * from the newest), at most limit.  The strings live until fn returns. */
enum status notify_each(struct db *db, long long user_id, long long before_id, int limit,
			void (*fn)(const struct notification *n, void *arg), void *arg);

/* One notification of user_id; ST_NOT_FOUND for another person's.  The strings
 * live until fn returns. */
enum status notify_find(struct db *db, long long user_id, long long id,
			void (*fn)(const struct notification *n, void *arg), void *arg);

/* Marks user_id's unread notifications up to and including up_to_id read (all
 * of them when up_to_id is 0), so one shown after the page was drawn stays
 * unread.  *count receives how many changed (may be NULL). */
enum status notify_mark_read(struct db *db, long long user_id, long long up_to_id, time_t now,
			     int *count);

/* --- what a person reads ------------------------------------------------------- */

/* A notification in lang's words, plain text (the template escapes them):
 * subject is the email's, text says what happened to which inbox, cause why
 * and who did it. */
struct notify_words {
	char *subject;
	char *text;
	char *cause;
};
void notify_words_of(HDF *lang, const struct notification *n, struct notify_words *w);
void notify_words_clear(struct notify_words *w);

/* The site path of the inbox concerned: "/settings/email" for a personal inbox,
 * "/inbox/{inbox}/settings/channels" for a team channel.  A new string. */
char *notify_link(const struct notification *n);

/* Notification id with the person it tells (deactivated: 1 when they are now),
 * for its email.  ST_NOT_FOUND when there is none.  The strings live until fn
 * returns. */
enum status notify_for_mail(struct db *db, long long id,
			    void (*fn)(const struct notification *n, const struct notify_person *p,
				       int deactivated, void *arg),
			    void *arg);

#endif
