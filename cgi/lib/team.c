/* team.c — the conversation_inboxes table. */
#include "config.h"

#include <string.h>

#include "db_sql.h"
#include "team.h"
#include "util.h"

/* A channel needs attention when its provider refused the panel's access: one
 * left behind by a move to another provider has a working successor. */
#define TEAM_COLUMNS                                                                              \
	"SELECT i.id, i.name, "                                                                   \
	"(SELECT count(*) FROM email_connections c WHERE c.kind = 'team' AND c.inbox_id = i.id "  \
	" AND c.state <> 'removed'), "                                                            \
	"(SELECT count(*) FROM email_connections c WHERE c.kind = 'team' AND c.inbox_id = i.id "  \
	" AND c.state = 'disconnected' AND c.last_error <> 'provider_changed') "                  \
	"FROM conversation_inboxes i "

static const char sql_all[] = TEAM_COLUMNS "ORDER BY i.name, i.id";
static const char sql_find[] = TEAM_COLUMNS "WHERE i.id = ?1";
static const char sql_insert[] =
	"INSERT INTO conversation_inboxes (name, created_at) VALUES (?1, ?2)";

static void read_inbox(sqlite3_stmt *st, struct team_inbox *t)
{
	memset(t, 0, sizeof(*t));
	t->id = sqlite3_column_int64(st, 0);
	db_copy_text(st, 1, t->name, sizeof(t->name));
	t->channels = sqlite3_column_int(st, 2);
	t->disconnected = sqlite3_column_int(st, 3);
}

enum status team_inbox_each(struct db *db, void (*fn)(const struct team_inbox *t, void *arg),
			    void *arg)
{
	sqlite3_stmt *st = db_stmt(db, sql_all);
	int rc;

	if (st == NULL)
		return ST_INTERNAL;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct team_inbox t;

		read_inbox(st, &t);
		fn(&t, arg);
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? ST_OK : ST_INTERNAL;
}

enum status team_inbox_find(struct db *db, long long id, struct team_inbox *out)
{
	sqlite3_stmt *st = db_stmt(db, sql_find);
	enum status rc;

	if (st == NULL)
		return ST_INTERNAL;
	sqlite3_bind_int64(st, 1, id);
	if ((rc = db_step_row(db, st)) != ST_OK)
		return rc;
	read_inbox(st, out);
	sqlite3_reset(st);
	return ST_OK;
}

enum status team_inbox_add(struct db *db, const char *name, time_t now, long long *id)
{
	sqlite3_stmt *st = db_stmt(db, sql_insert);
	enum status rc;

	if (st == NULL)
		return ST_INTERNAL;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, (long long)now);
	rc = db_step_done(db, st);
	if (rc == ST_OK && id != NULL)
		*id = db_last_insert_id(db);
	return rc;
}
