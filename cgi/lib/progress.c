/* progress.c — a revocation job's progress, read for its card, and the steps a
 * person did by hand, remembered. */
#include "config.h"

#include "db_sql.h"
#include "progress.h"
#include "util.h"

static const char sql_of[] =
	"SELECT state, created_at, attempts, next_attempt_at, updated_at, manual_done_at, "
	"manual_done_by FROM outbox_jobs WHERE connection_id = ?1 AND kind = 'revoke'";
/* Only a job that waits for a person, and only once: the first word stands. */
static const char sql_mark_done[] =
	"UPDATE outbox_jobs SET manual_done_at = ?2, manual_done_by = ?3 "
	"WHERE connection_id = ?1 AND kind = 'revoke' AND state IN ('manual', 'failed') "
	"AND manual_done_at = 0";

enum status progress_of(struct db *db, long long connection_id, struct progress *out)
{
	sqlite3_stmt *st = db_stmt(db, sql_of);
	enum status rc;
	int state;

	if (st == NULL)
		return ST_INTERNAL;
	sqlite3_bind_int64(st, 1, connection_id);
	if ((rc = db_step_row(db, st)) != ST_OK)
		return rc;
	state = name_index(outbox_state_names, OUTBOX_STATE__MAX, db_text(st, 0));
	if (state < 0) {
		sqlite3_reset(st);
		log_error("connection %lld: unknown revocation state", connection_id);
		return ST_INTERNAL;
	}
	out->state = (enum outbox_state)state;
	out->started_at = sqlite3_column_int64(st, 1);
	out->attempts = (long)sqlite3_column_int64(st, 2);
	out->next_attempt_at = sqlite3_column_int64(st, 3);
	out->ended_at = out->state == OUTBOX_PENDING ? 0 : sqlite3_column_int64(st, 4);
	out->manual_done_at = sqlite3_column_int64(st, 5);
	out->manual_done_by = sqlite3_column_int64(st, 6);
	sqlite3_reset(st);
	return ST_OK;
}

enum status progress_mark_manual_done(struct db *db, long long connection_id, long long user_id,
				      time_t now, int *changed)
{
	struct progress p;
	sqlite3_stmt *st;
	enum status rc;

	*changed = 0;
	if ((rc = progress_of(db, connection_id, &p)) != ST_OK)
		return rc;
	if (p.state != OUTBOX_MANUAL && p.state != OUTBOX_FAILED)
		return ST_CONFLICT;
	if (p.manual_done_at != 0)
		return ST_OK;
	if ((st = db_stmt(db, sql_mark_done)) == NULL)
		return ST_INTERNAL;
	sqlite3_bind_int64(st, 1, connection_id);
	sqlite3_bind_int64(st, 2, (long long)now);
	sqlite3_bind_int64(st, 3, user_id);
	if ((rc = db_step_done(db, st)) != ST_OK)
		return rc;
	*changed = db_changes(db) > 0;
	return ST_OK;
}
