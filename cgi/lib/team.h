/* team.h — the account's conversation inboxes (Conversations › Inbox), each fed
 * by email channels: connections of scope { CONN_TEAM, inbox id } (conn.h). */
#ifndef IP_TEAM_H
#define IP_TEAM_H

#include <time.h>

#include "db.h"
#include "status.h"

struct team_inbox {
	long long id;
	char name[129];
	int channels;     /* live channels: not removed */
	int disconnected; /* of those, the ones a reconnect brings back (not moved away) */
};

/* Calls fn for every conversation inbox, by name. */
enum status team_inbox_each(struct db *db, void (*fn)(const struct team_inbox *t, void *arg),
			    void *arg);

/* One conversation inbox, with its counts; ST_NOT_FOUND when there is none. */
enum status team_inbox_find(struct db *db, long long id, struct team_inbox *out);

/* A new conversation inbox (the demo, the tests' set-up); inside the caller's
 * write transaction. */
enum status team_inbox_add(struct db *db, const char *name, time_t now, long long *id);

#endif
