/* login.c — the login_attempts table.  Failures are counted over a sliding window
 * both per typed address (guessing one account's password) and per client
 * address (trying many accounts from one place). */
#include "config.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <string.h>

#include "db_sql.h"
#include "login.h"
#include "util.h"

static const char sql_failures_by_email[] =
	"SELECT count(*), min(at) FROM login_attempts WHERE email = ?1 AND at > ?2 AND succeeded = 0";
static const char sql_failures_by_addr[] =
	"SELECT count(*), min(at) FROM login_attempts WHERE client_addr = ?1 AND at > ?2 "
	"AND succeeded = 0";
static const char sql_insert[] =
	"INSERT INTO login_attempts (email, client_addr, at, succeeded) VALUES (?1, ?2, ?3, ?4)";
/* A success forgets the account's failures, and anything older than a day goes. */
static const char sql_forget[] =
	"DELETE FROM login_attempts WHERE (email = ?1 AND succeeded = 0) OR at < ?2";
static const char sql_mark_success[] = "UPDATE login_attempts SET succeeded = 1 WHERE id = ?1";

static const char sql_name_key[] =
	"SELECT value FROM panel_settings WHERE name = 'login_name_key'";

enum status login_unknown_name(struct db *db, const char *typed, char out[LOGIN_UNKNOWN_NAME_SIZE])
{
	sqlite3_stmt *st = db_stmt(db, sql_name_key);
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int mac_len = 0;
	size_t len = strlen(typed);
	char *lower;
	enum status rc;

	if ((rc = db_step_row(db, st)) != ST_OK) {
		if (rc == ST_NOT_FOUND)
			log_error("panel_settings has no login_name_key");
		return ST_INTERNAL;
	}
	lower = xstrdup(typed);
	for (size_t i = 0; i < len; i++)
		if (lower[i] >= 'A' && lower[i] <= 'Z')
			lower[i] = (char)(lower[i] - 'A' + 'a');
	if (sqlite3_column_bytes(st, 0) < 16 ||
	    HMAC(EVP_sha256(), sqlite3_column_blob(st, 0), sqlite3_column_bytes(st, 0),
		 (const unsigned char *)lower, len, mac, &mac_len) == NULL ||
	    mac_len < 6)
		rc = ST_INTERNAL;
	sqlite3_reset(st);
	OPENSSL_cleanse(lower, len);
	free(lower);
	if (rc != ST_OK)
		return rc;
	snprintf(out, LOGIN_UNKNOWN_NAME_SIZE, "unknown (#%02x%02x%02x%02x%02x%02x)", mac[0], mac[1],
		 mac[2], mac[3], mac[4], mac[5]);
	return ST_OK;
}

static enum status failures(struct db *db, const char *sql, const char *key, time_t since,
			    long long *count, long long *oldest)
{
	sqlite3_stmt *st = db_stmt(db, sql);
	int rc;

	if (st == NULL)
		return ST_INTERNAL;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, (long long)since);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*count = sqlite3_column_int64(st, 0);
		*oldest = sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? ST_OK : ST_INTERNAL;
}

enum status login_check(struct db *db, const char *email, const char *client_addr,
			const struct login_limits *lim, time_t now, long *retry_after)
{
	long long n_email = 0, n_addr = 0, oldest_email = 0, oldest_addr = 0;
	time_t since = now - lim->window;
	enum status st;

	if ((st = failures(db, sql_failures_by_email, email, since, &n_email, &oldest_email)) != ST_OK ||
	    (st = failures(db, sql_failures_by_addr, client_addr, since, &n_addr, &oldest_addr)) !=
		    ST_OK)
		return st;
	*retry_after = 0;
	if (n_email >= lim->per_account)
		*retry_after = (long)(oldest_email + lim->window - now);
	if (n_addr >= lim->per_address) {
		long wait = (long)(oldest_addr + lim->window - now);

		if (wait > *retry_after)
			*retry_after = wait;
	}
	if (n_email >= lim->per_account || n_addr >= lim->per_address) {
		if (*retry_after < 1)
			*retry_after = 1;
		return ST_TOO_MANY;
	}
	return ST_OK;
}

enum status login_record(struct db *db, const char *email, const char *client_addr, int succeeded,
			 time_t now)
{
	sqlite3_stmt *st;
	enum status rc;

	if (succeeded) {
		st = db_stmt(db, sql_forget);
		if (st == NULL)
			return ST_INTERNAL;
		sqlite3_bind_text(st, 1, email, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 2, (long long)now - 86400);
		if ((rc = db_step_done(db, st)) != ST_OK)
			return rc;
	}
	st = db_stmt(db, sql_insert);
	if (st == NULL)
		return ST_INTERNAL;
	sqlite3_bind_text(st, 1, email, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, client_addr, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, (long long)now);
	sqlite3_bind_int(st, 4, succeeded ? 1 : 0);
	return db_step_done(db, st);
}

enum status login_begin(struct db *db, const char *account, const char *client_addr,
			const struct login_limits *lim, time_t now, long *retry_after,
			long long *attempt_id)
{
	enum status st;

	*attempt_id = 0;
	if (db_transaction_depth(db) == 0) {
		/* Checked and recorded apart, the check would be the race it exists to close. */
		log_error("login_begin outside a write transaction");
		return ST_INTERNAL;
	}
	st = login_check(db, account, client_addr, lim, now, retry_after);
	if (st == ST_OK && (st = login_record(db, account, client_addr, 0, now)) == ST_OK)
		*attempt_id = db_last_insert_id(db);
	return st;
}

enum status login_mark_success(struct db *db, long long attempt_id, const char *account,
			       time_t now)
{
	sqlite3_stmt *st = db_stmt(db, sql_mark_success);
	enum status rc;

	if (st == NULL)
		return ST_INTERNAL;
	sqlite3_bind_int64(st, 1, attempt_id);
	if ((rc = db_step_done(db, st)) != ST_OK)
		return rc;
	if (db_changes(db) != 1)
		return ST_INTERNAL;
	/* The attempt is a success now, so forgetting the account's failures keeps it. */
	st = db_stmt(db, sql_forget);
	if (st == NULL)
		return ST_INTERNAL;
	sqlite3_bind_text(st, 1, account, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, (long long)now - 86400);
	return db_step_done(db, st);
}
