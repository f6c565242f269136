/* outbox.c — the outbox_jobs table, as the web programs use it. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
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
static const char sql_drop_pending[] =
	"DELETE FROM outbox_jobs WHERE connection_id = ?1 AND kind = 'revoke' AND state = 'pending' "
	"AND lease_until <= ?2";

static const char sql_heartbeat[] = "SELECT beat_at FROM worker_heartbeat WHERE id = 1";
static const char sql_beat[] =
	"INSERT INTO worker_heartbeat (id, beat_at, pid) VALUES (1, ?1, ?2) "
	"ON CONFLICT(id) DO UPDATE SET beat_at = excluded.beat_at, pid = excluded.pid";
static const char sql_due[] =
	"SELECT count(*) FROM outbox_jobs WHERE kind = 'revoke' AND state = 'pending' "
	"AND next_attempt_at <= ?1 AND lease_until <= ?1";
/* Columns in the order read_job reads them. */
static const char sql_claimable[] =
	"SELECT j.id, j.connection_id, j.provider, j.attempts, j.sealed_token, c.address, "
	"c.provider_subject, c.provider_tenant FROM outbox_jobs j "
	"JOIN email_connections c ON c.id = j.connection_id "
	"WHERE j.kind = 'revoke' AND j.state = 'pending' AND j.next_attempt_at <= ?1 "
	"AND j.lease_until <= ?1 ORDER BY j.next_attempt_at, j.id LIMIT ?2";
static const char sql_lease[] =
	"UPDATE outbox_jobs SET lease_until = ?2, lease_owner = ?3 WHERE id = ?1";
static const char sql_end_leased[] =
	"UPDATE outbox_jobs SET state = ?3, sealed_token = NULL, last_error = ?4, "
	"last_error_code = ?5, attempts = attempts + 1, lease_until = 0, updated_at = ?6 "
	"WHERE id = ?1 AND lease_owner = ?2 AND state = 'pending'";
static const char sql_retry_leased[] =
	"UPDATE outbox_jobs SET next_attempt_at = ?3, last_error = ?4, last_error_code = ?5, "
	"attempts = attempts + 1, lease_until = 0, updated_at = ?6 "
	"WHERE id = ?1 AND lease_owner = ?2 AND state = 'pending'";
static const char sql_replace_token[] =
	"UPDATE outbox_jobs SET sealed_token = ?2 "
	"WHERE connection_id = ?1 AND kind = 'revoke' AND state = 'pending'";

/* Makes job_id owner's until `until`, whatever its kind. */
static enum status lease_job(struct db *db, long long job_id, const char *owner, time_t until)
{
	sqlite3_stmt *st = db_stmt(db, sql_lease);

	if (st == NULL)
		return ST_INTERNAL;
	sqlite3_bind_int64(st, 1, job_id);
	sqlite3_bind_int64(st, 2, (long long)until);
	sqlite3_bind_text(st, 3, owner, -1, SQLITE_TRANSIENT);
	return db_step_done(db, st);
}

enum job_column {
	JOB_COL_ID,
	JOB_COL_CONNECTION,
	JOB_COL_PROVIDER,
	JOB_COL_ATTEMPTS,
	JOB_COL_TOKEN,
	JOB_COL_ADDRESS,
	JOB_COL_SUBJECT,
	JOB_COL_TENANT,
};

static int read_job(sqlite3_stmt *st, struct outbox_job *job)
{
	const void *token = sqlite3_column_blob(st, JOB_COL_TOKEN);
	int len = sqlite3_column_bytes(st, JOB_COL_TOKEN);

	memset(job, 0, sizeof(*job));
	job->id = sqlite3_column_int64(st, JOB_COL_ID);
	if (prov_from_name(db_text(st, JOB_COL_PROVIDER), &job->provider) != 0) {
		log_error("revocation job %lld: unknown provider", job->id);
		return -1;
	}
	job->connection_id = sqlite3_column_int64(st, JOB_COL_CONNECTION);
	job->attempts = sqlite3_column_int(st, JOB_COL_ATTEMPTS);
	if (token != NULL && len > 0) {
		job->sealed_token = xmalloc((size_t)len);
		memcpy(job->sealed_token, token, (size_t)len);
		job->sealed_token_len = (size_t)len;
	}
	db_copy_text(st, JOB_COL_ADDRESS, job->address, sizeof(job->address));
	db_copy_text(st, JOB_COL_SUBJECT, job->subject, sizeof(job->subject));
	db_copy_text(st, JOB_COL_TENANT, job->tenant, sizeof(job->tenant));
	return 0;
}

void outbox_job_clear(struct outbox_job *job)
{
	free(job->sealed_token);
	memset(job, 0, sizeof(*job));
}

enum status outbox_claim_revocations(struct db *db, const char *owner, time_t now, long lease,
				     struct outbox_job *jobs, int max, int *count)
{
	sqlite3_stmt *st = db_stmt(db, sql_claimable);
	int rc;

	*count = 0;
	if (st == NULL)
		return ST_INTERNAL;
	sqlite3_bind_int64(st, 1, (long long)now);
	sqlite3_bind_int(st, 2, max);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && *count < max)
		if (read_job(st, &jobs[*count]) == 0)
			(*count)++;
	sqlite3_reset(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		goto fail;
	for (int i = 0; i < *count; i++)
		if (lease_job(db, jobs[i].id, owner, now + lease) != ST_OK)
			goto fail;
	return ST_OK;
fail:
	for (int i = 0; i < *count; i++)
		outbox_job_clear(&jobs[i]);
	*count = 0;
	return ST_INTERNAL;
}

/* Binds what ending and retrying share: ?1 id, ?2 owner, ?4 error, ?5 code, ?6 now. */
static void bind_leased(sqlite3_stmt *st, long long job_id, const char *owner,
			const char *error, const char *code, time_t now)
{
	sqlite3_bind_int64(st, 1, job_id);
	sqlite3_bind_text(st, 2, owner, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, error ? error : "", -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 5, code ? code : "", -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 6, (long long)now);
}

/* Ends job_id while owner holds it and it is pending, whatever its kind:
 * *ended 0 when it was no longer owner's. */
static enum status end_leased(struct db *db, long long job_id, const char *owner,
			      enum outbox_state state, const char *error, const char *code,
			      time_t now, int *ended)
{
	sqlite3_stmt *st = db_stmt(db, sql_end_leased);
	enum status rc;

	*ended = 0;
	if (st == NULL || state == OUTBOX_PENDING)
		return ST_INTERNAL;
	bind_leased(st, job_id, owner, error, code, now);
	sqlite3_bind_text(st, 3, outbox_state_names[state], -1, SQLITE_STATIC);
	rc = db_step_done(db, st);
	if (rc == ST_OK)
		*ended = db_changes(db) == 1;
	return rc;
}

/* Puts job_id back for another try at next_attempt_at, counting this one. */
static enum status retry_leased(struct db *db, long long job_id, const char *owner,
				time_t next_attempt_at, const char *error, const char *code,
				time_t now)
{
	sqlite3_stmt *st = db_stmt(db, sql_retry_leased);

	if (st == NULL)
		return ST_INTERNAL;
	bind_leased(st, job_id, owner, error, code, now);
	sqlite3_bind_int64(st, 3, (long long)next_attempt_at);
	return db_step_done(db, st);
}

enum status outbox_end_revocation(struct db *db, const struct outbox_job *job, const char *owner,
				  enum outbox_state state, const char *error, const char *code,
				  time_t now, int *ended)
{
	return end_leased(db, job->id, owner, state, error, code, now, ended);
}

enum status outbox_retry_revocation(struct db *db, const struct outbox_job *job, const char *owner,
				    time_t next_attempt_at, const char *error, const char *code,
				    time_t now)
{
	return retry_leased(db, job->id, owner, next_attempt_at, error, code, now);
}

/* --- email jobs ------------------------------------------------------------------- */

static const char sql_claimable_emails[] =
	"SELECT id, coalesce(json_extract(payload, '$.notification'), 0), attempts, "
	"coalesce(json_extract(payload, '$.link'), 0) FROM outbox_jobs "
	"WHERE kind = 'email' AND state = 'pending' AND next_attempt_at <= ?1 AND lease_until <= ?1 "
	"ORDER BY next_attempt_at, id LIMIT ?2";
static const char sql_release_leased[] =
	"UPDATE outbox_jobs SET next_attempt_at = ?3, lease_until = 0, updated_at = ?4 "
	"WHERE id = ?1 AND lease_owner = ?2 AND state = 'pending'";

enum status outbox_claim_emails(struct db *db, const char *owner, time_t now, long lease,
				struct outbox_email *jobs, int max, int *count)
{
	sqlite3_stmt *st = db_stmt(db, sql_claimable_emails);
	int rc = SQLITE_DONE;

	*count = 0;
	if (st == NULL)
		return ST_INTERNAL;
	sqlite3_bind_int64(st, 1, (long long)now);
	sqlite3_bind_int(st, 2, max);
	while (*count < max && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		jobs[*count].id = sqlite3_column_int64(st, 0);
		jobs[*count].notification_id = sqlite3_column_int64(st, 1);
		jobs[*count].attempts = sqlite3_column_int(st, 2);
		jobs[*count].link_id = sqlite3_column_int64(st, 3);
		(*count)++;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		goto fail;
	for (int i = 0; i < *count; i++)
		if (lease_job(db, jobs[i].id, owner, now + lease) != ST_OK)
			goto fail;
	return ST_OK;
fail:
	*count = 0;
	return ST_INTERNAL;
}

enum status outbox_end_email(struct db *db, const struct outbox_email *job, const char *owner,
			     enum outbox_state state, const char *error, const char *code,
			     time_t now, int *ended)
{
	if (state != OUTBOX_DONE && state != OUTBOX_FAILED) {
		*ended = 0;
		return ST_INTERNAL;
	}
	return end_leased(db, job->id, owner, state, error, code, now, ended);
}

enum status outbox_retry_email(struct db *db, const struct outbox_email *job, const char *owner,
			       time_t next_attempt_at, const char *error, const char *code,
			       time_t now)
{
	return retry_leased(db, job->id, owner, next_attempt_at, error, code, now);
}

enum status outbox_release_email(struct db *db, const struct outbox_email *job, const char *owner,
				 time_t next_attempt_at, time_t now)
{
	sqlite3_stmt *st = db_stmt(db, sql_release_leased);

	if (st == NULL)
		return ST_INTERNAL;
	sqlite3_bind_int64(st, 1, job->id);
	sqlite3_bind_text(st, 2, owner, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, (long long)next_attempt_at);
	sqlite3_bind_int64(st, 4, (long long)now);
	return db_step_done(db, st);
}

enum status outbox_replace_token(struct db *db, long long connection_id,
				 const unsigned char *sealed, size_t len)
{
	sqlite3_stmt *st = db_stmt(db, sql_replace_token);

	if (st == NULL)
		return ST_INTERNAL;
	sqlite3_bind_int64(st, 1, connection_id);
	sqlite3_bind_blob(st, 2, sealed, (int)len, SQLITE_TRANSIENT);
	return db_step_done(db, st);
}

static const char sql_next_due[] =
	"SELECT min(max(next_attempt_at, lease_until)) FROM outbox_jobs "
	"WHERE kind IN ('revoke', 'email') AND state = 'pending'";

enum status outbox_next_due(struct db *db, time_t *when)
{
	sqlite3_stmt *st = db_stmt(db, sql_next_due);
	enum status rc = db_step_row(db, st);

	if (rc != ST_OK)
		return rc;
	if (sqlite3_column_type(st, 0) == SQLITE_NULL)
		rc = ST_NOT_FOUND;
	else
		*when = (time_t)sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return rc;
}

enum status outbox_heartbeat(struct db *db, time_t now, long pid)
{
	sqlite3_stmt *st = db_stmt(db, sql_beat);

	if (st == NULL)
		return ST_INTERNAL;
	sqlite3_bind_int64(st, 1, (long long)now);
	sqlite3_bind_int64(st, 2, pid);
	return db_step_done(db, st);
}

long long outbox_due_count(struct db *db, time_t now)
{
	sqlite3_stmt *st = db_stmt(db, sql_due);
	long long n = -1;

	if (st != NULL)
		sqlite3_bind_int64(st, 1, (long long)now);
	if (db_step_row(db, st) == ST_OK) {
		n = sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
	}
	return n;
}

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

enum status outbox_drop_pending_revocation(struct db *db, long long connection_id, time_t now,
					   int *dropped)
{
	sqlite3_stmt *st = db_stmt(db, sql_drop_pending);
	enum status rc;

	*dropped = 0;
	if (st == NULL)
		return ST_INTERNAL;
	sqlite3_bind_int64(st, 1, connection_id);
	sqlite3_bind_int64(st, 2, (long long)now);
	rc = db_step_done(db, st);
	if (rc == ST_OK)
		*dropped = db_changes(db) > 0;
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
