/* outbox.c — the outbox_jobs table, as the web programs use it. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "db_sql.h"
#include "outbox.h"
#include "util.h"

const char *const outbox_state_names[OUTBOX_STATE__MAX] = {
	[OUTBOX_PENDING] = "pending",
	[OUTBOX_DONE] = "done",
	[OUTBOX_MANUAL] = "manual",
	[OUTBOX_FAILED] = "failed",
};

/* The token moves from the connection to the job in one statement, so it exists
 * in exactly one place at every moment of the transaction. */
static const char sql_enqueue_revocation[] =
	"INSERT INTO outbox_jobs (kind, connection_id, provider, state, sealed_token, "
	"next_attempt_at, created_at, updated_at) "
	"SELECT 'revoke', id, provider, ?2, CASE WHEN ?2 = 'pending' THEN sealed_token END, "
	"?3, ?3, ?3 FROM email_connections WHERE id = ?1";

static const char sql_finish_revocation[] =
	"UPDATE outbox_jobs SET state = ?2, sealed_token = NULL, last_error = ?3, updated_at = ?4 "
	"WHERE connection_id = ?1 AND kind = 'revoke' AND state = 'pending'";

static const char sql_heartbeat[] = "SELECT beat_at FROM worker_heartbeat WHERE id = 1";

enum status outbox_worker_heartbeat(struct db *db, long long *beat_at)
{
	sqlite3_stmt *st = db_stmt(db, sql_heartbeat);
	enum status rc = db_step_row(db, st);

	if (rc == ST_OK) {
		*beat_at = sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
	}
	return rc;
}

enum status outbox_enqueue_revocation(struct db *db, long long connection_id,
				      enum provider provider, time_t now)
{
	sqlite3_stmt *st = db_stmt(db, sql_enqueue_revocation);
	enum outbox_state state =
		prov_table[provider].revocation == PROV_REVOKE_MANUAL ? OUTBOX_MANUAL : OUTBOX_PENDING;
	enum status rc;

	if (st == NULL)
		return ST_INTERNAL;
	sqlite3_bind_int64(st, 1, connection_id);
	sqlite3_bind_text(st, 2, outbox_state_names[state], -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (long long)now);
	rc = db_step_done(db, st);
	if (rc == ST_OK && db_changes(db) != 1)
		return ST_NOT_FOUND;
	if (rc == ST_OK && state == OUTBOX_PENDING)
		db_note_after_commit(db, DB_AFTER_WAKE_WORKER);
	return rc;
}

enum status outbox_finish_revocation(struct db *db, long long connection_id,
				     enum outbox_state state, const char *error, time_t now)
{
	sqlite3_stmt *st = db_stmt(db, sql_finish_revocation);
	enum status rc;

	if (st == NULL || state == OUTBOX_PENDING)
		return ST_INTERNAL;
	sqlite3_bind_int64(st, 1, connection_id);
	sqlite3_bind_text(st, 2, outbox_state_names[state], -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, error ? error : "", -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 4, (long long)now);
	rc = db_step_done(db, st);
	if (rc == ST_OK && db_changes(db) != 1)
		return ST_NOT_FOUND;
	return rc;
}

void outbox_poke(const char *fifo_path)
{
	int fd;

	if (fifo_path == NULL)
		return;
	/* O_NONBLOCK: with no reader the open fails with ENXIO instead of waiting. */
	fd = open(fifo_path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		if (errno != ENXIO && errno != ENOENT)
			log_error("Worker.wakeup %s: %s", fifo_path, strerror(errno));
		return;
	}
	if (write(fd, "!", 1) < 0 && errno != EAGAIN)
		log_error("Worker.wakeup %s: %s", fifo_path, strerror(errno));
	close(fd);
}
