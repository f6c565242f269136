/* offboard.h — a person leaves and takes no inbox access with them (Step 11):
 * deactivating a user removes their personal inboxes (access revoked at the
 * provider, or the manual steps queued), keeps or removes the team channels
 * they connected (the admin chooses; either way the people of rule 6 are told),
 * ends their sessions, and writes the audit rows — one store function, used by
 * the /admin/users page and by `inboxpanel user disable` alike.
 *
 * Everything here runs inside the caller's write transaction. */
#ifndef IP_OFFBOARD_H
#define IP_OFFBOARD_H
#include <time.h>
#include "audit.h"
#include "conn.h"
#include "db.h"
#include "status.h"
#include "user.h"

/* What becomes of the team channels the person connected. */
enum offboard_channels {
	OFFBOARD_KEEP_CHANNELS,   /* they keep working; rule 6's people are told who left */
	OFFBOARD_REMOVE_CHANNELS, /* removed like a delete on the channels page */
};

/* Calls fn for each connection that goes with user_id: their live (not removed)
 * personal inboxes, then the live team channels they connected, each by
 * address.  The confirmation page and the command line list them from here. */
enum status offboard_each_connection(struct db *db, long long user_id,
				     void (*fn)(const struct conn *c, void *arg), void *arg);

/* What offboard_deactivate did. */
struct offboard_result {
	int inboxes_removed;     /* personal inboxes removed */
	int channels_removed;    /* team channels removed (OFFBOARD_REMOVE_CHANNELS) */
	int channels_kept;       /* team channels left connected (OFFBOARD_KEEP_CHANNELS) */
	int revocations_queued;  /* revocation jobs the worker will carry out */
	int manual;              /* removals whose revocation is a manual step */
	int sessions_ended;
	int told;                /* notifications written */
};

/* Deactivates user_id with everything above, in the caller's transaction:
 * ST_OK; ST_NOT_FOUND for no such user; ST_CONFLICT when they are the last
 * active super admin (nothing changes); ST_OK with all zeros in *out when they
 * were deactivated already. */
enum status offboard_deactivate(struct db *db, const struct audit_actor *actor, long long user_id,
				enum offboard_channels channels, time_t now,
				struct offboard_result *out);

/* Reactivates user_id: the account comes back, not the removed inboxes.
 * ST_OK (also when already active), ST_NOT_FOUND. */
enum status offboard_reactivate(struct db *db, const struct audit_actor *actor, long long user_id,
				time_t now);

/* Changes role and account access with its audit row; ST_CONFLICT (nothing
 * changes) when it would leave the account without an active super admin. */
enum status offboard_set_role(struct db *db, const struct audit_actor *actor, long long user_id,
			      enum role role, int account_access, time_t now);
#endif
