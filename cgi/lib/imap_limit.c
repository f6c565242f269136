/* imap_limit.c — the imap_login_attempts table (migration 009). */
#include "config.h"

#include "db_sql.h"
#include "imap_limit.h"

static const char sql_forget_old[] =
	"DELETE FROM imap_login_attempts WHERE user_id = ?1 AND at <= ?2";
static const char sql_count[] =
	"SELECT count(*), ifnull(min(at), 0) FROM imap_login_attempts WHERE user_id = ?1 AND at > ?2";
static const char sql_insert[] = "INSERT INTO imap_login_attempts (user_id, at) VALUES (?1, ?2)";

enum status imap_limit_begin(struct db *db, long long user_id, const struct imap_limit *lim,
			     time_t now, long *retry_after)
{
	long long since = (long long)now - lim->window, count, oldest;
	sqlite3_stmt *st;
	enum status rc;

	*retry_after = 0;
	if ((st = db_stmt(db, sql_forget_old)) == NULL)
		return ST_INTERNAL;
	sqlite3_bind_int64(st, 1, user_id);
	sqlite3_bind_int64(st, 2, since);
	if ((rc = db_step_done(db, st)) != ST_OK)
		return rc;
	if ((st = db_stmt(db, sql_count)) == NULL)
		return ST_INTERNAL;
	sqlite3_bind_int64(st, 1, user_id);
	sqlite3_bind_int64(st, 2, since);
	if ((rc = db_step_row(db, st)) != ST_OK)
		return rc == ST_NOT_FOUND ? ST_INTERNAL : rc;
	count = sqlite3_column_int64(st, 0);
	oldest = sqlite3_column_int64(st, 1);
	sqlite3_reset(st);
	if (count >= lim->max) {
		*retry_after = (long)(oldest + lim->window - now);
		if (*retry_after < 1)
			*retry_after = 1;
		return ST_TOO_MANY;
	}
	if ((st = db_stmt(db, sql_insert)) == NULL)
		return ST_INTERNAL;
	sqlite3_bind_int64(st, 1, user_id);
	sqlite3_bind_int64(st, 2, (long long)now);
	return db_step_done(db, st);
}
