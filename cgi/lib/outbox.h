/* outbox.h — jobs the worker carries out after a change has committed:
 * revocations at the provider (and, later, notification emails). */
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

/* When the worker last passed over the outbox; ST_NOT_FOUND when it never has. */
enum status outbox_worker_heartbeat(struct db *db, long long *beat_at);

/* Wakes the worker after a commit: one byte into its FIFO, if one is listening.
 * Never blocks; a worker that is not running simply finds the job on its next
 * pass. */
void outbox_poke(const char *fifo_path);

#endif
