/* sess.c — the sessions table.
 *
 * The cookie holds 256 random bits; the table holds their SHA-256, so a copy of the
 * database does not let anyone sign in as the users in it. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "db_sql.h"
#include "sess.h"
#include "util.h"

static const char sql_find[] =
	"SELECT s.id, s.user_id, s.csrf_token, s.created_at, s.last_seen_at "
	"FROM sessions s JOIN users u ON u.id = s.user_id "
	"WHERE s.token_hash = ?1 AND u.deactivated = 0";
static const char sql_touch[] = "UPDATE sessions SET last_seen_at = ?2 WHERE id = ?1";
static const char sql_insert[] =
	"INSERT INTO sessions (token_hash, user_id, csrf_token, client_addr, created_at, "
	"last_seen_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5)";
static const char sql_delete[] = "DELETE FROM sessions WHERE id = ?1";
static const char sql_delete_user[] = "DELETE FROM sessions WHERE user_id = ?1";
static const char sql_delete_stale[] =
	"DELETE FROM sessions WHERE user_id = ?1 AND (last_seen_at < ?2 OR created_at < ?3)";

#define TOUCH_EVERY_MAX 60 /* seconds */

/* Reads the session named by cookie_value, expired or not: ST_NOT_FOUND for an
 * unknown or malformed one. */
static enum status find(struct db *db, const char *cookie_value, struct session *out)
{
	sqlite3_stmt *st;
	uint8_t hash[32];
	int rc;

	if (cookie_value == NULL || strlen(cookie_value) != CRYPTO_TOKEN_LEN ||
	    !crypto_base64url_chars(cookie_value, CRYPTO_TOKEN_LEN))
		return ST_NOT_FOUND;
	crypto_sha256(cookie_value, strlen(cookie_value), hash);
	st = db_stmt(db, sql_find);
	if (st == NULL)
		return ST_INTERNAL;
	sqlite3_bind_blob(st, 1, hash, sizeof(hash), SQLITE_TRANSIENT);
	if ((rc = db_step_row(db, st)) != ST_OK)
		return rc;
	memset(out, 0, sizeof(*out));
	out->id = sqlite3_column_int64(st, 0);
	out->user_id = sqlite3_column_int64(st, 1);
	db_copy_text(st, 2, out->csrf_token, sizeof(out->csrf_token));
	out->created_at = sqlite3_column_int64(st, 3);
	out->last_seen_at = sqlite3_column_int64(st, 4);
	sqlite3_reset(st);
	return ST_OK;
}

static int expired(const struct session *s, const struct sess_timeouts *t, time_t now)
{
	return now - s->last_seen_at > t->idle || now - s->created_at > t->absolute;
}

enum status sess_find(struct db *db, const char *cookie_value, const struct sess_timeouts *t,
		      time_t now, struct session *out)
{
	enum status rc = find(db, cookie_value, out);

	if (rc == ST_OK && expired(out, t, now))
		return ST_NOT_FOUND;
	return rc;
}

/* Reading pages should not write each time: activity is recorded at most every
 * idle/30 seconds (once a minute at most), which keeps the idle timeout to
 * within 4 %. */
static int touch_due(const struct session *s, const struct sess_timeouts *t, time_t now)
{
	long every = t->idle / 30 < TOUCH_EVERY_MAX ? t->idle / 30 : TOUCH_EVERY_MAX;

	return now - s->last_seen_at >= every;
}

enum status sess_resume(struct db *db, const char *cookie_value, const struct sess_timeouts *t,
			time_t now, struct session *session, struct user *user)
{
	enum status rc = find(db, cookie_value, session);
	int dead;

	if (rc != ST_OK)
		return rc;
	dead = expired(session, t, now);
	if (!dead) {
		rc = user_by_id(db, session->user_id, user);
		if (rc == ST_NOT_FOUND || (rc == ST_OK && user->deactivated))
			return ST_NOT_FOUND;
		if (rc != ST_OK)
			return rc;
		if (!touch_due(session, t, now))
			return ST_OK;
	}
	/* The bookkeeping writes of a request, in a transaction of their own: an
	 * expired session goes, a live one records its activity.  Failing to record
	 * activity is worth less than answering: it only delays the idle timeout. */
	if (db_begin_write(db) != ST_OK ||
	    (dead ? sess_end(db, session->id) : sess_touch(db, session, now)) != ST_OK ||
	    db_commit(db) != ST_OK) {
		db_rollback(db);
		log_error("could not record the activity of session %lld", session->id);
	}
	return dead ? ST_NOT_FOUND : ST_OK;
}

enum status sess_touch(struct db *db, struct session *s, time_t now)
{
	sqlite3_stmt *st = db_stmt(db, sql_touch);

	if (st == NULL)
		return ST_INTERNAL;
	sqlite3_bind_int64(st, 1, s->id);
	sqlite3_bind_int64(st, 2, (long long)now);
	s->last_seen_at = now;
	return db_step_done(db, st);
}

/* Expired rows are swept at each sign-in of their user, so the table stays the
 * size of the live sessions without a cron job. */
static enum status sweep_user(struct db *db, long long user_id, const struct sess_timeouts *t,
			      time_t now)
{
	sqlite3_stmt *st = db_stmt(db, sql_delete_stale);

	if (st == NULL)
		return ST_INTERNAL;
	sqlite3_bind_int64(st, 1, user_id);
	sqlite3_bind_int64(st, 2, (long long)now - t->idle);
	sqlite3_bind_int64(st, 3, (long long)now - t->absolute);
	return db_step_done(db, st);
}

enum status sess_start(struct db *db, long long user_id, const char *client_addr,
		       const struct sess_timeouts *t, time_t now,
		       char cookie_value[CRYPTO_TOKEN_LEN + 1], struct session *out)
{
	sqlite3_stmt *st;
	uint8_t hash[32];
	enum status rc;

	memset(out, 0, sizeof(*out));
	if ((rc = sweep_user(db, user_id, t, now)) != ST_OK)
		return rc;
	if (crypto_random_token(cookie_value) != 0 || crypto_random_token(out->csrf_token) != 0)
		return ST_INTERNAL;
	crypto_sha256(cookie_value, CRYPTO_TOKEN_LEN, hash);
	st = db_stmt(db, sql_insert);
	if (st == NULL)
		return ST_INTERNAL;
	sqlite3_bind_blob(st, 1, hash, sizeof(hash), SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, user_id);
	sqlite3_bind_text(st, 3, out->csrf_token, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, client_addr, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 5, (long long)now);
	rc = db_step_done(db, st);
	if (rc != ST_OK)
		return rc;
	out->id = db_last_insert_id(db);
	out->user_id = user_id;
	out->created_at = now;
	out->last_seen_at = now;
	return ST_OK;
}

static enum status delete_by(struct db *db, const char *sql, long long id)
{
	sqlite3_stmt *st = db_stmt(db, sql);

	if (st == NULL)
		return ST_INTERNAL;
	sqlite3_bind_int64(st, 1, id);
	return db_step_done(db, st);
}

enum status sess_end(struct db *db, long long session_id)
{
	return delete_by(db, sql_delete, session_id);
}

enum status sess_end_user(struct db *db, long long user_id)
{
	return delete_by(db, sql_delete_user, user_id);
}

