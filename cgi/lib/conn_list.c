/* conn_list.c — the email_connections table as the super admins' list reads it. */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "conn_list.h"
#include "db_sql.h"
#include "util.h"

/* ?1 the id the page starts below; ?2 state, ?3 provider, ?4 kind when filtered;
 * ?5 the page size.  A statement per set of filters, so that each one reads
 * the index made for it (migration 011) in id order, rather than testing
 * "?2 IS NULL OR" row by row.  A stray grant's row (conn_give_up_stray_grant)
 * is no connection anyone made: it is left out, a test on the row each index
 * entry leads to anyway. */
#define LIST_HEAD                                                                                 \
	"SELECT c.id, c.kind, c.provider, c.state, c.address, u.name, u.email, c.inbox_id, "     \
	"i.name, c.connected_at, c.state_changed_at, c.last_error, j.state "                      \
	"FROM email_connections c "                                                               \
	"LEFT JOIN users u ON u.id = c.owner_user_id "                                            \
	"LEFT JOIN conversation_inboxes i ON i.id = c.inbox_id "                                  \
	"LEFT JOIN outbox_jobs j ON j.connection_id = c.id AND j.kind = 'revoke' "                \
	"WHERE c.id < ?1 AND c.refused_reconnect_of IS NULL "
#define BY_STATE "AND c.state = ?2 "
#define BY_PROVIDER "AND c.provider = ?3 "
#define BY_KIND "AND c.kind = ?4 "
#define LIST_TAIL "ORDER BY c.id DESC LIMIT ?5"

enum { FILTER_STATE = 1, FILTER_PROVIDER = 2, FILTER_KIND = 4 };
static const char *const sql_page[8] = {
	[0] = LIST_HEAD LIST_TAIL,
	[FILTER_STATE] = LIST_HEAD BY_STATE LIST_TAIL,
	[FILTER_PROVIDER] = LIST_HEAD BY_PROVIDER LIST_TAIL,
	[FILTER_STATE | FILTER_PROVIDER] = LIST_HEAD BY_STATE BY_PROVIDER LIST_TAIL,
	[FILTER_KIND] = LIST_HEAD BY_KIND LIST_TAIL,
	[FILTER_STATE | FILTER_KIND] = LIST_HEAD BY_STATE BY_KIND LIST_TAIL,
	[FILTER_PROVIDER | FILTER_KIND] = LIST_HEAD BY_PROVIDER BY_KIND LIST_TAIL,
	[FILTER_STATE | FILTER_PROVIDER | FILTER_KIND] =
		LIST_HEAD BY_STATE BY_PROVIDER BY_KIND LIST_TAIL,
};

/* The schema's CHECKs keep the names known; a row this build cannot read is
 * left out, logged. */
static int read_row(sqlite3_stmt *st, struct conn_list_row *r)
{
	int kind = name_index(conn_kind_names, CONN_KIND__MAX, db_text(st, 1));
	int state = name_index(conn_state_names, CONN_STATE__MAX, db_text(st, 3));
	int known = prov_from_name(db_text(st, 2), &r->provider) == 0;

	r->id = sqlite3_column_int64(st, 0);
	if (kind < 0 || state < 0 || !known) {
		log_error("connection %lld: unknown kind, provider or state", r->id);
		return -1;
	}
	r->kind = (enum conn_kind)kind;
	r->state = (enum conn_state)state;
	r->address = db_text(st, 4);
	r->owner_name = db_text(st, 5);
	r->owner_email = db_text(st, 6);
	r->inbox_id = sqlite3_column_int64(st, 7);
	r->inbox_name = db_text(st, 8);
	r->connected_at = sqlite3_column_int64(st, 9);
	r->state_changed_at = sqlite3_column_int64(st, 10);
	r->last_error = db_text(st, 11);
	r->has_revocation = sqlite3_column_type(st, 12) != SQLITE_NULL;
	if (r->has_revocation) {
		int job = name_index(outbox_state_names, OUTBOX_STATE__MAX, db_text(st, 12));

		if (job < 0) {
			log_error("connection %lld: unknown revocation state", r->id);
			return -1;
		}
		r->revocation_state = (enum outbox_state)job;
	}
	return 0;
}

enum status conn_list_page(struct db *db, const struct conn_list_filter *f, int limit,
			   void (*fn)(const struct conn_list_row *r, void *arg), void *arg)
{
	unsigned which = 0;
	sqlite3_stmt *st;
	int rc;

	if (f->state >= CONN_STATE__MAX || f->provider >= PROV__MAX || f->kind >= CONN_KIND__MAX)
		return ST_INTERNAL;
	if (f->state >= 0)
		which |= FILTER_STATE;
	if (f->provider >= 0)
		which |= FILTER_PROVIDER;
	if (f->kind >= 0)
		which |= FILTER_KIND;
	if ((st = db_stmt(db, sql_page[which])) == NULL)
		return ST_INTERNAL;
	sqlite3_bind_int64(st, 1, f->before_id > 0 ? f->before_id : INT64_MAX);
	if (f->state >= 0)
		sqlite3_bind_text(st, 2, conn_state_names[f->state], -1, SQLITE_STATIC);
	if (f->provider >= 0)
		sqlite3_bind_text(st, 3, prov_table[f->provider].name, -1, SQLITE_STATIC);
	if (f->kind >= 0)
		sqlite3_bind_text(st, 4, conn_kind_names[f->kind], -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 5, limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct conn_list_row r;

		memset(&r, 0, sizeof(r));
		if (read_row(st, &r) == 0)
			fn(&r, arg);
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? ST_OK : ST_INTERNAL;
}
