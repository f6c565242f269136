/* user.c — the users table. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "db_sql.h"
#include "pw.h"
#include "user.h"
#include "util.h"

const char *const role_names[ROLE__MAX] = {
	[ROLE_USER] = "user",
	[ROLE_SUPER_ADMIN] = "super_admin",
};

/* The columns every user query reads, in the order of enum user_column. */
#define USER_COLUMNS                                                                              \
	"id, email, name, role, account_access, language, deactivated, created_at, password_hash"
enum user_column {
	USER_COL_ID,
	USER_COL_EMAIL,
	USER_COL_NAME,
	USER_COL_ROLE,
	USER_COL_ACCOUNT_ACCESS,
	USER_COL_LANGUAGE,
	USER_COL_DEACTIVATED,
	USER_COL_CREATED_AT,
	USER_COL_PASSWORD_HASH,
};

static const char sql_by_email[] =
	"SELECT " USER_COLUMNS " FROM users WHERE email = ?1";
static const char sql_by_id[] = "SELECT " USER_COLUMNS " FROM users WHERE id = ?1";
static const char sql_insert[] =
	"INSERT INTO users (email, name, role, account_access, password_hash, created_at, "
	"updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)";
static const char sql_set_role[] =
	"UPDATE users SET role = ?2, account_access = ?3, updated_at = ?4 WHERE id = ?1";
static const char sql_set_deactivated[] =
	"UPDATE users SET deactivated = ?2, updated_at = ?3 WHERE id = ?1";
static const char sql_set_password[] =
	"UPDATE users SET password_hash = ?2, updated_at = ?3 WHERE id = ?1";
static const char sql_set_language[] =
	"UPDATE users SET language = ?2, updated_at = ?3 WHERE id = ?1";
static const char sql_count[] = "SELECT count(*) FROM users";
static const char sql_all[] = "SELECT " USER_COLUMNS " FROM users ORDER BY email";

/* Reads a row of USER_COLUMNS.  A role the schema does not allow cannot be
 * stored (CHECK), so an unknown one reads as the least privileged. */
static void read_user(sqlite3_stmt *st, struct user *u, char *password_hash)
{
	int role = name_index(role_names, ROLE__MAX, db_text(st, USER_COL_ROLE));

	memset(u, 0, sizeof(*u));
	u->id = sqlite3_column_int64(st, USER_COL_ID);
	db_copy_text(st, USER_COL_EMAIL, u->email, sizeof(u->email));
	db_copy_text(st, USER_COL_NAME, u->name, sizeof(u->name));
	u->role = role < 0 ? ROLE_USER : (enum role)role;
	u->account_access = sqlite3_column_int(st, USER_COL_ACCOUNT_ACCESS);
	db_copy_text(st, USER_COL_LANGUAGE, u->language, sizeof(u->language));
	u->deactivated = sqlite3_column_int(st, USER_COL_DEACTIVATED);
	u->created_at = sqlite3_column_int64(st, USER_COL_CREATED_AT);
	if (password_hash != NULL)
		db_copy_text(st, USER_COL_PASSWORD_HASH, password_hash, PW_HASH_MAX);
}

static enum status fetch_one(struct db *db, sqlite3_stmt *st, struct user *out, char *password_hash)
{
	enum status rc = db_step_row(db, st);

	if (rc == ST_OK) {
		read_user(st, out, password_hash);
		sqlite3_reset(st);
	}
	return rc;
}

enum status user_by_email(struct db *db, const char *email, struct user *out, char *password_hash)
{
	sqlite3_stmt *st = db_stmt(db, sql_by_email);

	if (st != NULL)
		sqlite3_bind_text(st, 1, email, -1, SQLITE_TRANSIENT);
	return fetch_one(db, st, out, password_hash);
}

enum status user_by_id(struct db *db, long long id, struct user *out)
{
	sqlite3_stmt *st = db_stmt(db, sql_by_id);

	if (st != NULL)
		sqlite3_bind_int64(st, 1, id);
	return fetch_one(db, st, out, NULL);
}

enum status user_add(struct db *db, const char *email, const char *name, enum role role,
		     int account_access, const char *password_hash, time_t now, long long *id)
{
	sqlite3_stmt *st = db_stmt(db, sql_insert);
	enum status rc;

	if (st == NULL)
		return ST_INTERNAL;
	sqlite3_bind_text(st, 1, email, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, role_names[role], -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 4, account_access ? 1 : 0);
	sqlite3_bind_text(st, 5, password_hash, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 6, (long long)now);
	rc = db_step_done(db, st);
	if (rc == ST_OK && id != NULL)
		*id = db_last_insert_id(db);
	return rc;
}

/* Runs an UPDATE of one user: ?1 is the id, ?2 onwards the caller's, and the last
 * parameter the time of the change. */
static enum status finish_update(struct db *db, sqlite3_stmt *st, long long id, time_t now)
{
	enum status rc;

	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, sqlite3_bind_parameter_count(st), (long long)now);
	rc = db_step_done(db, st);
	if (rc == ST_OK && db_changes(db) == 0)
		return ST_NOT_FOUND;
	return rc;
}

enum status user_set_role(struct db *db, long long id, enum role role, int account_access,
			  time_t now)
{
	sqlite3_stmt *st = db_stmt(db, sql_set_role);

	if (st == NULL)
		return ST_INTERNAL;
	sqlite3_bind_text(st, 2, role_names[role], -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, account_access ? 1 : 0);
	return finish_update(db, st, id, now);
}

enum status user_set_deactivated(struct db *db, long long id, int deactivated, time_t now)
{
	sqlite3_stmt *st = db_stmt(db, sql_set_deactivated);

	if (st == NULL)
		return ST_INTERNAL;
	sqlite3_bind_int(st, 2, deactivated ? 1 : 0);
	return finish_update(db, st, id, now);
}

enum status user_set_password(struct db *db, long long id, const char *password_hash,
			      time_t now)
{
	sqlite3_stmt *st = db_stmt(db, sql_set_password);

	if (st == NULL)
		return ST_INTERNAL;
	sqlite3_bind_text(st, 2, password_hash, -1, SQLITE_TRANSIENT);
	return finish_update(db, st, id, now);
}

enum status user_set_language(struct db *db, long long id, const char *language,
			      time_t now)
{
	sqlite3_stmt *st = db_stmt(db, sql_set_language);

	if (st == NULL)
		return ST_INTERNAL;
	sqlite3_bind_text(st, 2, language, -1, SQLITE_TRANSIENT);
	return finish_update(db, st, id, now);
}

long long user_count(struct db *db)
{
	sqlite3_stmt *st = db_stmt(db, sql_count);
	long long n = -1;

	if (st != NULL && sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	if (st != NULL)
		sqlite3_reset(st);
	return n;
}

enum status user_each(struct db *db, void (*fn)(const struct user *u, void *arg), void *arg)
{
	sqlite3_stmt *st = db_stmt(db, sql_all);
	int rc;

	if (st == NULL)
		return ST_INTERNAL;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct user u;

		read_user(st, &u, NULL);
		fn(&u, arg);
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? ST_OK : ST_INTERNAL;
}

int user_may_access_account(const struct user *u)
{
	return u->role == ROLE_SUPER_ADMIN || u->account_access;
}

const char *user_display_name(const struct user *u)
{
	return u->name[0] ? u->name : u->email;
}
