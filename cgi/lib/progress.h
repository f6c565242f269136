/* progress.h — how a removed connection's revocation is going, as its card and
 * its status endpoint show it: when it started, the tries so far, the next one,
 * and whether a person has done the steps left to do by hand (migration 013). */
#ifndef IP_PROGRESS_H
#define IP_PROGRESS_H

#include <time.h>

#include "db.h"
#include "outbox.h"
#include "status.h"

struct progress {
	enum outbox_state state;
	long long started_at;      /* when the job was queued: the removal */
	long attempts;             /* tries at the provider so far */
	long long next_attempt_at; /* pending: not tried again before this time */
	long long ended_at;        /* done, manual or failed: when it ended */
	long long manual_done_at;  /* when someone said the steps are done; 0 = not yet */
	long long manual_done_by;  /* who said so; 0 when unknown */
};

/* The revocation job of a connection: ST_OK, or ST_NOT_FOUND when it has none. */
enum status progress_of(struct db *db, long long connection_id, struct progress *out);

/* Records, inside the caller's transaction, that user_id did the steps left to
 * do by hand for a connection whose revocation ended manual or failed.  ST_OK
 * (*changed 0 when someone had said so already), ST_NOT_FOUND (no job),
 * ST_CONFLICT (its job is not waiting for a person: pending or done). */
enum status progress_mark_manual_done(struct db *db, long long connection_id, long long user_id,
				      time_t now, int *changed);

#endif
