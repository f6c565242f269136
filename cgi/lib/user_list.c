/* user_list.c — the users table as the super admins' list of people reads it. */
#include "config.h"

#include <string.h>

#include "db_sql.h"
#include "user_list.h"
#include "util.h"

/* Each row's last sign-in and counts are one index seek or range each
 * (migration 012), so a page of fifty people costs the same at 10,000.  Only
 * personal inboxes have an owner (conn_insert leaves a team channel's NULL), so
 * the inbox count reads the owner's range of an index alone, never the rows
 * nor every personal inbox of the account by kind. */
#define ROW_COLUMNS                                                                               \
	"SELECT u.id, u.email, u.name, u.role, u.account_access, u.language, u.deactivated, "     \
	"u.created_at, "                                                                          \
	"(SELECT max(a.at) FROM audit_log a WHERE a.actor_user_id = u.id "                       \
	"AND a.action = 'login.success'), "                                                       \
	"(SELECT count(*) FROM email_connections c WHERE c.owner_user_id = u.id "                \
	"AND c.state <> 'removed'), "                                                             \
	"(SELECT count(*) FROM email_connections t WHERE t.connected_by_user_id = u.id "         \
	"AND t.kind = 'team' AND t.state <> 'removed') "                                         \
	"FROM users u "

/* ?1 the address the page starts after; ?2 the prefix searched ("" for all):
 * the addresses from it up to it followed by the last code point, a range of
 * the address index under the column's own collation; ?3 deactivated and ?4
 * role when filtered; ?5 the page size.  A statement per set of filters, so
 * that each reads the index made for it in address order. */
#define LIST_HEAD                                                                                 \
	ROW_COLUMNS "WHERE u.email > ?1 AND u.email >= ?2 AND u.email < ?2 || char(1114111) "
#define BY_STATE "AND u.deactivated = ?3 "
#define BY_ROLE "AND u.role = ?4 "
#define LIST_TAIL "ORDER BY u.email LIMIT ?5"

enum { FILTER_STATE = 1, FILTER_ROLE = 2 };
static const char *const sql_page[4] = {
	[0] = LIST_HEAD LIST_TAIL,
	[FILTER_STATE] = LIST_HEAD BY_STATE LIST_TAIL,
	[FILTER_ROLE] = LIST_HEAD BY_ROLE LIST_TAIL,
	[FILTER_STATE | FILTER_ROLE] = LIST_HEAD BY_STATE BY_ROLE LIST_TAIL,
};
static const char sql_one[] = ROW_COLUMNS "WHERE u.id = ?1";

static void read_row(sqlite3_stmt *st, struct user_list_row *r)
{
	struct user *u = &r->user;
	int role = name_index(role_names, ROLE__MAX, db_text(st, 3));

	memset(r, 0, sizeof(*r));
	u->id = sqlite3_column_int64(st, 0);
	db_copy_text(st, 1, u->email, sizeof(u->email));
	db_copy_text(st, 2, u->name, sizeof(u->name));
	/* The schema's CHECK keeps the role known; an unknown one reads as the least
	 * privileged, as user.c reads it. */
	u->role = role < 0 ? ROLE_USER : (enum role)role;
	u->account_access = sqlite3_column_int(st, 4);
	db_copy_text(st, 5, u->language, sizeof(u->language));
	u->deactivated = sqlite3_column_int(st, 6);
	u->created_at = sqlite3_column_int64(st, 7);
	r->last_sign_in = sqlite3_column_int64(st, 8);
	r->inboxes = sqlite3_column_int64(st, 9);
	r->channels = sqlite3_column_int64(st, 10);
}

enum status user_list_page(struct db *db, const struct user_list_filter *f, int limit,
			   void (*fn)(const struct user_list_row *r, void *arg), void *arg)
{
	unsigned which = 0;
	sqlite3_stmt *st;
	int rc;

	if (f->role >= ROLE__MAX || f->deactivated > 1)
		return ST_INTERNAL;
	if (f->deactivated >= 0)
		which |= FILTER_STATE;
	if (f->role >= 0)
		which |= FILTER_ROLE;
	if ((st = db_stmt(db, sql_page[which])) == NULL)
		return ST_INTERNAL;
	sqlite3_bind_text(st, 1, f->after != NULL ? f->after : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, f->prefix != NULL ? f->prefix : "", -1, SQLITE_STATIC);
	if (f->deactivated >= 0)
		sqlite3_bind_int(st, 3, f->deactivated);
	if (f->role >= 0)
		sqlite3_bind_text(st, 4, role_names[f->role], -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 5, limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct user_list_row r;

		read_row(st, &r);
		fn(&r, arg);
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? ST_OK : ST_INTERNAL;
}

enum status user_list_one(struct db *db, long long user_id, struct user_list_row *out)
{
	sqlite3_stmt *st = db_stmt(db, sql_one);
	enum status rc;

	if (st == NULL)
		return ST_INTERNAL;
	sqlite3_bind_int64(st, 1, user_id);
	if ((rc = db_step_row(db, st)) == ST_OK) {
		read_row(st, out);
		sqlite3_reset(st);
	}
	return rc;
}
