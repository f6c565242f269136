/* conn.c — the email_connections table and its transitions. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "conn.h"
#include "util.h"

const char *const conn_state_names[CONN_STATE__MAX] = {
	[CONN_CONNECTED] = "connected",
	[CONN_DISABLED] = "disabled",
	[CONN_DISCONNECTED] = "disconnected",
	[CONN_REMOVED] = "removed",
};

const char *const conn_action_names[CONN_ACTION__MAX] = {
	[CONN_DISABLE] = "disable",
	[CONN_ENABLE] = "enable",
	[CONN_REMOVE] = "remove",
};

/* Where each action leads, and from which states it may start. */
static const struct {
	enum conn_state to;
	unsigned from; /* bit per enum conn_state */
} transitions[CONN_ACTION__MAX] = {
	[CONN_DISABLE] = { CONN_DISABLED, 1u << CONN_CONNECTED },
	[CONN_ENABLE] = { CONN_CONNECTED, 1u << CONN_DISABLED },
	/* A disconnected inbox no longer syncs either, so it may go as a disabled one does. */
	[CONN_REMOVE] = { CONN_REMOVED, (1u << CONN_DISABLED) | (1u << CONN_DISCONNECTED) },
};

#define CONN_COLUMNS                                                                              \
	"c.id, c.kind, c.owner_user_id, c.inbox_id, c.provider, c.address, c.state, "             \
	"c.connected_at, c.state_changed_at, c.last_error, c.last_error_code, j.state, "          \
	"j.last_error"
#define CONN_FROM                                                                                 \
	" FROM email_connections c LEFT JOIN outbox_jobs j "                                      \
	"ON j.connection_id = c.id AND j.kind = 'revoke' "

static const char sql_find_personal[] =
	"SELECT " CONN_COLUMNS CONN_FROM "WHERE c.id = ?2 AND c.kind = 'personal' AND c.owner_user_id = ?1";
static const char sql_live_personal[] =
	"SELECT " CONN_COLUMNS CONN_FROM "WHERE c.kind = 'personal' AND c.owner_user_id = ?1 "
	"AND c.state <> 'removed' "
	/* What needs the user first: disconnected, then working, then greyed out. */
	"ORDER BY CASE c.state WHEN 'disconnected' THEN 0 WHEN 'connected' THEN 1 ELSE 2 END, "
	"c.address, c.id";
static const char sql_removed_personal[] =
	"SELECT " CONN_COLUMNS CONN_FROM "WHERE c.kind = 'personal' AND c.owner_user_id = ?1 "
	"AND c.state = 'removed' AND c.state_changed_at >= ?2 ORDER BY c.state_changed_at DESC, c.id DESC";
static const char sql_set_state[] =
	"UPDATE email_connections SET state = ?2, state_changed_at = ?3 WHERE id = ?1";
/* A removed inbox keeps no access: the token left with the revocation job. */
static const char sql_set_removed[] =
	"UPDATE email_connections SET state = 'removed', sealed_token = NULL, state_changed_at = ?2 "
	"WHERE id = ?1";
static const char sql_insert[] =
	"INSERT INTO email_connections (kind, owner_user_id, inbox_id, connected_by_user_id, "
	"provider, address, state, sealed_token, scopes, connected_at, state_changed_at, "
	"last_error, last_error_code) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10, ?11, ?12)";

#define RECENTLY_REMOVED (30 * 86400)

enum conn_verdict conn_check(enum conn_state from, enum conn_action action)
{
	if ((unsigned)action >= CONN_ACTION__MAX)
		return CONN_REFUSED;
	if (transitions[action].to == from)
		return CONN_ALREADY_DONE;
	return transitions[action].from & (1u << from) ? CONN_ALLOWED : CONN_REFUSED;
}

static enum conn_state state_from(const char *s)
{
	for (int i = 0; i < CONN_STATE__MAX; i++)
		if (strcmp(s, conn_state_names[i]) == 0)
			return (enum conn_state)i;
	return CONN_DISCONNECTED;
}

static void read_conn(sqlite3_stmt *st, struct conn *c)
{
	memset(c, 0, sizeof(*c));
	c->id = sqlite3_column_int64(st, 0);
	c->kind = strcmp(db_text(st, 1), "team") == 0 ? CONN_TEAM : CONN_PERSONAL;
	c->owner_user_id = sqlite3_column_int64(st, 2);
	c->inbox_id = sqlite3_column_int64(st, 3);
	if (prov_from_name(db_text(st, 4), &c->provider) != 0)
		c->provider = PROV_IMAP;
	snprintf(c->address, sizeof(c->address), "%s", db_text(st, 5));
	c->state = state_from(db_text(st, 6));
	c->connected_at = sqlite3_column_int64(st, 7);
	c->state_changed_at = sqlite3_column_int64(st, 8);
	snprintf(c->last_error, sizeof(c->last_error), "%s", db_text(st, 9));
	snprintf(c->last_error_code, sizeof(c->last_error_code), "%s", db_text(st, 10));
	if (sqlite3_column_type(st, 11) != SQLITE_NULL &&
	    outbox_state_from_name(db_text(st, 11), &c->revocation_state) == 0) {
		c->has_revocation = 1;
		snprintf(c->revocation_error, sizeof(c->revocation_error), "%s", db_text(st, 12));
	}
}

enum status conn_find_personal(struct db *db, long long owner_user_id, long long id,
			       struct conn *out)
{
	sqlite3_stmt *st = db_stmt(db, sql_find_personal);
	int rc;

	if (st == NULL)
		return ST_INTERNAL;
	sqlite3_bind_int64(st, 1, owner_user_id);
	sqlite3_bind_int64(st, 2, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		read_conn(st, out);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return ST_OK;
	return rc == SQLITE_DONE ? ST_NOT_FOUND : ST_INTERNAL;
}

enum status conn_each_personal(struct db *db, long long owner_user_id, int removed, time_t now,
			       void (*fn)(const struct conn *c, void *arg), void *arg)
{
	sqlite3_stmt *st = db_stmt(db, removed ? sql_removed_personal : sql_live_personal);
	int rc;

	if (st == NULL)
		return ST_INTERNAL;
	sqlite3_bind_int64(st, 1, owner_user_id);
	if (removed)
		sqlite3_bind_int64(st, 2, (long long)now - RECENTLY_REMOVED);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct conn c;

		read_conn(st, &c);
		fn(&c, arg);
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? ST_OK : ST_INTERNAL;
}

static enum status write_transition(struct db *db, const struct conn *c, enum conn_action action,
				    time_t now)
{
	sqlite3_stmt *st;
	enum status rc;

	if (action == CONN_REMOVE) {
		if ((rc = outbox_enqueue_revocation(db, c->id, c->provider, now)) != ST_OK)
			return rc;
		st = db_stmt(db, sql_set_removed);
		if (st == NULL)
			return ST_INTERNAL;
		sqlite3_bind_int64(st, 1, c->id);
		sqlite3_bind_int64(st, 2, (long long)now);
		return db_step_done(db, st);
	}
	st = db_stmt(db, sql_set_state);
	if (st == NULL)
		return ST_INTERNAL;
	sqlite3_bind_int64(st, 1, c->id);
	sqlite3_bind_text(st, 2, conn_state_names[transitions[action].to], -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (long long)now);
	return db_step_done(db, st);
}

enum status conn_apply_personal(struct db *db, const struct audit_actor *actor,
				long long owner_user_id, long long id, enum conn_action action,
				time_t now, struct conn *after, int *changed)
{
	char target[40], action_name[32];
	enum status rc;

	*changed = 0;
	/* The state is read inside the write transaction: two submits of one form
	 * are serialised here, and the second finds the work done. */
	if ((rc = db_begin_write(db)) != ST_OK)
		return rc;
	rc = conn_find_personal(db, owner_user_id, id, after);
	if (rc != ST_OK)
		goto out;
	switch (conn_check(after->state, action)) {
	case CONN_ALREADY_DONE:
		goto out;
	case CONN_REFUSED:
		rc = ST_CONFLICT;
		goto out;
	case CONN_ALLOWED:
		break;
	}
	snprintf(target, sizeof(target), "connection:%lld", id);
	snprintf(action_name, sizeof(action_name), "email.%s", conn_action_names[action]);
	if ((rc = write_transition(db, after, action, now)) != ST_OK ||
	    (rc = audit_write(db, actor, action_name, target, after->address)) != ST_OK)
		goto out;
	if ((rc = db_commit(db)) != ST_OK)
		return rc;
	*changed = 1;
	return conn_find_personal(db, owner_user_id, id, after);
out:
	db_rollback(db);
	return rc;
}

enum status conn_insert(struct db *db, const struct conn_new *c, long long *id)
{
	sqlite3_stmt *st = db_stmt(db, sql_insert);
	enum status rc;

	if (st == NULL)
		return ST_INTERNAL;
	sqlite3_bind_text(st, 1, c->kind == CONN_TEAM ? "team" : "personal", -1, SQLITE_STATIC);
	if (c->kind == CONN_PERSONAL) {
		sqlite3_bind_int64(st, 2, c->owner_user_id);
		sqlite3_bind_null(st, 3);
	} else {
		sqlite3_bind_null(st, 2);
		sqlite3_bind_int64(st, 3, c->inbox_id);
	}
	if (c->connected_by_user_id > 0)
		sqlite3_bind_int64(st, 4, c->connected_by_user_id);
	else
		sqlite3_bind_null(st, 4);
	sqlite3_bind_text(st, 5, prov_names[c->provider], -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, c->address, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 7, conn_state_names[c->state], -1, SQLITE_STATIC);
	if (c->sealed_token != NULL)
		sqlite3_bind_blob(st, 8, c->sealed_token, (int)c->sealed_token_len, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, 8);
	sqlite3_bind_text(st, 9, c->scopes ? c->scopes : "", -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 10, (long long)c->connected_at);
	sqlite3_bind_text(st, 11, c->last_error ? c->last_error : "", -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 12, c->last_error_code ? c->last_error_code : "", -1, SQLITE_TRANSIENT);
	rc = db_step_done(db, st);
	if (rc == ST_OK && id != NULL)
		*id = db_last_insert_id(db);
	return rc;
}
