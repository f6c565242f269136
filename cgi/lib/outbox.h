/* outbox.h — jobs the worker carries out after a change has committed:
 * revocations at the provider and notification emails. */
#ifndef IP_OUTBOX_H
#define IP_OUTBOX_H

#include <time.h>

#include "db.h"
#include "prov.h"
#include "status.h"

enum outbox_state { OUTBOX_PENDING, OUTBOX_DONE, OUTBOX_MANUAL, OUTBOX_FAILED, OUTBOX_STATE__MAX };
extern const char *const outbox_state_names[OUTBOX_STATE__MAX];

/* Queues the revocation of a connection's access, moving its sealed token into
 * the job (the caller then clears it from the connection, in the same
 * transaction).  Providers without a revocation API get a job that is already
 * "manual" and keeps no token.  ST_CONFLICT when one is queued already.  A
 * pending job notes that the commit must wake the worker. */
enum status outbox_enqueue_revocation(struct db *db, long long connection_id,
				      enum provider provider, time_t now);

/* Ends a connection's revocation job as done, manual or failed, dropping its
 * token; error is in words (never a token). */
enum status outbox_finish_revocation(struct db *db, long long connection_id,
				     enum outbox_state state, const char *error, time_t now);

/* Drops a connection's revocation job, with its token, while no worker holds
 * it: the grant it would end is in use again (the address came back through
 * that provider, and Google and Microsoft keep one grant per app and account).
 * *dropped says whether there was one to drop. */
enum status outbox_drop_pending_revocation(struct db *db, long long connection_id, time_t now,
					   int *dropped);

/* --- the worker's side --------------------------------------------------------- */

/* A revocation job as the worker carries it out, with what it needs of its
 * connection. */
struct outbox_job {
	long long id;
	long long connection_id;
	enum provider provider;
	long attempts;          /* tries so far, this one not counted */
	unsigned char *sealed_token; /* the job's copy, NULL when it has none */
	size_t sealed_token_len;
	char address[255];
	char subject[128];      /* the provider's id of the account (Microsoft: oid) */
	char tenant[64];        /* Microsoft: the user's tenant id (tid) */
};
/* Frees what a claimed job holds. */
void outbox_job_clear(struct outbox_job *job);

/* Claims up to max due revocation jobs: each becomes owner's until now + lease
 * (a worker that dies loses its jobs when the lease runs out).  Inside the
 * caller's write transaction.  *count receives how many. */
enum status outbox_claim_revocations(struct db *db, const char *owner, time_t now, long lease,
				     struct outbox_job *jobs, int max, int *count);

/* Ends a claimed job as done, manual or failed, dropping its token; *ended 0 when
 * it was no longer owner's (its lease ran out and another worker took it), in
 * which case nothing changed.  error is in words, code the provider's own. */
enum status outbox_end_revocation(struct db *db, const struct outbox_job *job, const char *owner,
				  enum outbox_state state, const char *error, const char *code,
				  time_t now, int *ended);

/* Puts a claimed job back for another try at next_attempt_at, counting this one. */
enum status outbox_retry_revocation(struct db *db, const struct outbox_job *job, const char *owner,
				    time_t next_attempt_at, const char *error, const char *code,
				    time_t now);

/* The job's token replaced by a re-sealed one (a Microsoft refresh rotated it). */
enum status outbox_replace_token(struct db *db, long long connection_id,
				 const unsigned char *sealed, size_t len);

/* --- email jobs: one notification or one password link each (userlink.h), with
 * the same lease discipline; a link's sealed token leaves the job when it ends - */

struct outbox_email {
	long long id;
	long long notification_id; /* 0 for a link's mail */
	long long link_id;         /* 0 for a notification's mail */
	long attempts;          /* tries so far, this one not counted */
};

/* Claims up to max due email jobs for owner until now + lease; inside the
 * caller's write transaction.  *count receives how many. */
enum status outbox_claim_emails(struct db *db, const char *owner, time_t now, long lease,
				struct outbox_email *jobs, int max, int *count);

/* Ends a claimed email job as done or failed; *ended 0 when it was no longer
 * owner's (nothing changed then). */
enum status outbox_end_email(struct db *db, const struct outbox_email *job, const char *owner,
			     enum outbox_state state, const char *error, const char *code,
			     time_t now, int *ended);

/* Puts a claimed email job back for another try at next_attempt_at, counting
 * this one. */
enum status outbox_retry_email(struct db *db, const struct outbox_email *job, const char *owner,
			       time_t next_attempt_at, const char *error, const char *code,
			       time_t now);

/* Gives a claimed email job back untried, due at next_attempt_at (the server
 * just failed another mail: no use trying this one now). */
enum status outbox_release_email(struct db *db, const struct outbox_email *job, const char *owner,
				 time_t next_attempt_at, time_t now);

/* When the next pending job (revocation or email) is due; ST_NOT_FOUND when
 * none is pending. */
enum status outbox_next_due(struct db *db, time_t *when);

/* Records that the worker is alive. */
enum status outbox_heartbeat(struct db *db, time_t now, long pid);
/* Revocations due now and not claimed; -1 on a failure. */
long long outbox_due_count(struct db *db, time_t now);

/* When the worker last passed over the outbox; ST_NOT_FOUND when it never has. */
enum status outbox_worker_heartbeat(struct db *db, long long *beat_at);

/* Wakes the worker after a commit: one byte into its FIFO, if one is listening.
 * Never blocks; a worker that is not running simply finds the job on its next
 * pass. */
void outbox_poke(const char *fifo_path);

#endif
