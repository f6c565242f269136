/* conn.c — the email_connections table and its transitions. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "db_sql.h"
#include "notify.h"
#include "seal_store.h"
#include "util.h"

const char *const conn_state_names[CONN_STATE__MAX] = {
	[CONN_CONNECTED] = "connected",
	[CONN_DISABLED] = "disabled",
	[CONN_DISCONNECTED] = "disconnected",
	[CONN_REMOVED] = "removed",
};

const char *const conn_kind_names[CONN_KIND__MAX] = {
	[CONN_PERSONAL] = "personal",
	[CONN_TEAM] = "team",
};

const char *const conn_action_names[CONN_ACTION__MAX] = {
	[CONN_DISABLE] = "disable",
	[CONN_ENABLE] = "enable",
	[CONN_REMOVE] = "remove",
};

#define FROM(state) (1u << (state))

/* Where each action leads, and from which states it may start; an action with no
 * starting state does not exist for that kind. */
static const struct {
	enum conn_state to;
	unsigned from; /* FROM() bits */
} transitions[CONN_KIND__MAX][CONN_ACTION__MAX] = {
	[CONN_PERSONAL] = {
		[CONN_DISABLE] = { CONN_DISABLED, FROM(CONN_CONNECTED) },
		[CONN_ENABLE] = { CONN_CONNECTED, FROM(CONN_DISABLED) },
		/* A disconnected inbox no longer syncs either, so it may go as a
		 * disabled one does. */
		[CONN_REMOVE] = { CONN_REMOVED, FROM(CONN_DISABLED) | FROM(CONN_DISCONNECTED) },
	},
	[CONN_TEAM] = {
		/* A team channel is deleted at once (the seed: "Yes, delete"). */
		[CONN_DISABLE] = { CONN_DISABLED, 0 },
		[CONN_ENABLE] = { CONN_CONNECTED, 0 },
		[CONN_REMOVE] = { CONN_REMOVED, FROM(CONN_CONNECTED) | FROM(CONN_DISCONNECTED) },
	},
};

/* The audit log's name for each kind's actions: "email.disable", "channel.remove". */
static const char *const audit_prefix[CONN_KIND__MAX] = {
	[CONN_PERSONAL] = "email",
	[CONN_TEAM] = "channel",
};

/* An audit row about a connection: "<email|channel>.<verb>" on "connection:<id>",
 * with the address as its detail. */
static enum status audit_connection(struct db *db, const struct audit_actor *actor, time_t now,
				    enum conn_kind kind, const char *verb, long long id,
				    const char *address)
{
	char target[40], action[48];

	snprintf(target, sizeof(target), "connection:%lld", id);
	snprintf(action, sizeof(action), "%s.%s", audit_prefix[kind], verb);
	return audit_write(db, actor, now, action, target, address);
}

/* Who did it, as a notification names them: nobody for the system. */
static const char *actor_name(const struct audit_actor *actor)
{
	return actor->user_id != 0 ? actor->name : "";
}

/* The columns every connection query reads, in the order of enum conn_column. */
#define CONN_COLUMNS                                                                              \
	"c.id, c.kind, c.owner_user_id, c.inbox_id, c.provider, c.address, c.state, "             \
	"c.connected_at, c.state_changed_at, c.last_error, c.last_error_code, j.state, "          \
	"j.last_error, j.last_error_code, c.connected_by_user_id"
enum conn_column {
	CONN_COL_ID,
	CONN_COL_KIND,
	CONN_COL_OWNER,
	CONN_COL_INBOX,
	CONN_COL_PROVIDER,
	CONN_COL_ADDRESS,
	CONN_COL_STATE,
	CONN_COL_CONNECTED_AT,
	CONN_COL_STATE_CHANGED_AT,
	CONN_COL_LAST_ERROR,
	CONN_COL_LAST_ERROR_CODE,
	CONN_COL_REVOCATION_STATE,
	CONN_COL_REVOCATION_REASON,
	CONN_COL_REVOCATION_CODE,
	CONN_COL_CONNECTED_BY,
};
#define CONN_FROM                                                                                 \
	" FROM email_connections c LEFT JOIN outbox_jobs j "                                      \
	"ON j.connection_id = c.id AND j.kind = 'revoke' "
/* ?1 is the scope's id.  A stray grant's row (conn_give_up_stray_grant) is no
 * inbox of the scope: no page finds or lists it. */
#define IN_PERSONAL                                                                               \
	"WHERE c.kind = 'personal' AND c.owner_user_id = ?1 AND c.refused_reconnect_of IS NULL "
#define IN_TEAM "WHERE c.kind = 'team' AND c.inbox_id = ?1 AND c.refused_reconnect_of IS NULL "
/* What needs a person first: disconnected, then working, then greyed out. */
#define LIVE_ORDER                                                                                \
	"ORDER BY CASE c.state WHEN 'disconnected' THEN 0 WHEN 'connected' THEN 1 ELSE 2 END, "   \
	"c.address, c.id"
#define REMOVED_ORDER "ORDER BY c.state_changed_at DESC, c.id DESC"

/* Per kind: one connection (?2 its id), the live ones, those removed since ?2. */
static const struct {
	const char *find, *live, *removed;
} sql_in_scope[CONN_KIND__MAX] = {
	[CONN_PERSONAL] = {
		"SELECT " CONN_COLUMNS CONN_FROM IN_PERSONAL "AND c.id = ?2",
		"SELECT " CONN_COLUMNS CONN_FROM IN_PERSONAL "AND c.state <> 'removed' " LIVE_ORDER,
		"SELECT " CONN_COLUMNS CONN_FROM IN_PERSONAL
		"AND c.state = 'removed' AND c.state_changed_at >= ?2 " REMOVED_ORDER,
	},
	[CONN_TEAM] = {
		"SELECT " CONN_COLUMNS CONN_FROM IN_TEAM "AND c.id = ?2",
		"SELECT " CONN_COLUMNS CONN_FROM IN_TEAM "AND c.state <> 'removed' " LIVE_ORDER,
		"SELECT " CONN_COLUMNS CONN_FROM IN_TEAM
		"AND c.state = 'removed' AND c.state_changed_at >= ?2 " REMOVED_ORDER,
	},
};

static const char sql_set_state[] =
	"UPDATE email_connections SET state = ?2, state_changed_at = ?3 WHERE id = ?1";
/* A removed inbox keeps no access: the token left with the revocation job. */
static const char sql_set_removed[] =
	"UPDATE email_connections SET state = 'removed', sealed_token = NULL, state_changed_at = ?2 "
	"WHERE id = ?1";
static const char sql_insert[] =
	"INSERT INTO email_connections (kind, owner_user_id, inbox_id, connected_by_user_id, "
	"provider, address, state, sealed_token, scopes, connected_at, state_changed_at, "
	"last_error, last_error_code, provider_subject, provider_tenant, checked_at, "
	"imap_host, imap_port, imap_security, imap_username) "
	"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10, ?11, ?12, ?13, ?14, ?10, "
	"?15, ?16, ?17, ?18)";
static const char sql_all[] = "SELECT " CONN_COLUMNS CONN_FROM "ORDER BY c.id";
static const char sql_count[] = "SELECT count(*) FROM email_connections";

#define RECENTLY_REMOVED (30 * 86400)

enum conn_verdict conn_check(enum conn_kind kind, enum conn_state from, enum conn_action action)
{
	if ((unsigned)kind >= CONN_KIND__MAX || (unsigned)action >= CONN_ACTION__MAX ||
	    transitions[kind][action].from == 0)
		return CONN_REFUSED;
	if (transitions[kind][action].to == from)
		return CONN_ALREADY_DONE;
	return transitions[kind][action].from & FROM(from) ? CONN_ALLOWED : CONN_REFUSED;
}

/* The schema's CHECKs keep kind, provider and state to known names; one that is
 * not is a row this build cannot show: -1, logged. */
static int read_conn(sqlite3_stmt *st, struct conn *c)
{
	int kind = name_index(conn_kind_names, CONN_KIND__MAX, db_text(st, CONN_COL_KIND));
	enum provider provider;
	int known_provider = prov_from_name(db_text(st, CONN_COL_PROVIDER), &provider) == 0;
	int state = name_index(conn_state_names, CONN_STATE__MAX, db_text(st, CONN_COL_STATE));

	memset(c, 0, sizeof(*c));
	c->id = sqlite3_column_int64(st, CONN_COL_ID);
	if (kind < 0 || !known_provider || state < 0) {
		log_error("connection %lld: unknown kind, provider or state", c->id);
		return -1;
	}
	c->kind = (enum conn_kind)kind;
	c->provider = provider;
	c->state = (enum conn_state)state;
	c->owner_user_id = sqlite3_column_int64(st, CONN_COL_OWNER);
	c->inbox_id = sqlite3_column_int64(st, CONN_COL_INBOX);
	c->connected_by_user_id = sqlite3_column_int64(st, CONN_COL_CONNECTED_BY);
	db_copy_text(st, CONN_COL_ADDRESS, c->address, sizeof(c->address));
	c->connected_at = sqlite3_column_int64(st, CONN_COL_CONNECTED_AT);
	c->state_changed_at = sqlite3_column_int64(st, CONN_COL_STATE_CHANGED_AT);
	db_copy_text(st, CONN_COL_LAST_ERROR, c->last_error, sizeof(c->last_error));
	db_copy_text(st, CONN_COL_LAST_ERROR_CODE, c->last_error_code, sizeof(c->last_error_code));
	if (sqlite3_column_type(st, CONN_COL_REVOCATION_STATE) != SQLITE_NULL) {
		int job = name_index(outbox_state_names, OUTBOX_STATE__MAX,
				     db_text(st, CONN_COL_REVOCATION_STATE));

		if (job < 0) {
			log_error("connection %lld: unknown revocation state", c->id);
			return -1;
		}
		c->has_revocation = 1;
		c->revocation_state = (enum outbox_state)job;
		db_copy_text(st, CONN_COL_REVOCATION_REASON, c->revocation_reason,
			     sizeof(c->revocation_reason));
		db_copy_text(st, CONN_COL_REVOCATION_CODE, c->revocation_code,
			     sizeof(c->revocation_code));
	}
	return 0;
}

enum status conn_find(struct db *db, const struct conn_scope *scope, long long id,
		      struct conn *out)
{
	sqlite3_stmt *st;
	enum status rc;

	if ((unsigned)scope->kind >= CONN_KIND__MAX)
		return ST_INTERNAL;
	st = db_stmt(db, sql_in_scope[scope->kind].find);
	if (st == NULL)
		return ST_INTERNAL;
	sqlite3_bind_int64(st, 1, scope->id);
	sqlite3_bind_int64(st, 2, id);
	if ((rc = db_step_row(db, st)) != ST_OK)
		return rc;
	rc = read_conn(st, out) == 0 ? ST_OK : ST_INTERNAL;
	sqlite3_reset(st);
	return rc;
}

/* Hands each row of a bound statement to fn; rows this build cannot read are
 * left out (read_conn logged them). */
static enum status each_row(sqlite3_stmt *st, void (*fn)(const struct conn *c, void *arg), void *arg)
{
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct conn c;

		if (read_conn(st, &c) == 0)
			fn(&c, arg);
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? ST_OK : ST_INTERNAL;
}

enum status conn_each(struct db *db, const struct conn_scope *scope, enum conn_listing which,
		      time_t now, void (*fn)(const struct conn *c, void *arg), void *arg)
{
	sqlite3_stmt *st;

	if ((unsigned)scope->kind >= CONN_KIND__MAX)
		return ST_INTERNAL;
	st = db_stmt(db, which == CONN_LIVE ? sql_in_scope[scope->kind].live
					    : sql_in_scope[scope->kind].removed);
	if (st == NULL)
		return ST_INTERNAL;
	sqlite3_bind_int64(st, 1, scope->id);
	if (which == CONN_RECENTLY_REMOVED)
		sqlite3_bind_int64(st, 2, (long long)now - RECENTLY_REMOVED);
	return each_row(st, fn, arg);
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
	sqlite3_bind_text(st, 2, conn_state_names[transitions[c->kind][action].to], -1,
			  SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (long long)now);
	return db_step_done(db, st);
}

enum status conn_apply(struct db *db, const struct audit_actor *actor,
		       const struct conn_scope *scope, long long id, enum conn_action action,
		       time_t now, struct conn *after, int *changed)
{
	enum status rc;

	*changed = 0;
	if (db_transaction_depth(db) == 0) {
		log_error("conn_apply outside a write transaction");
		return ST_INTERNAL;
	}
	if ((rc = conn_find(db, scope, id, after)) != ST_OK)
		return rc;
	switch (conn_check(after->kind, after->state, action)) {
	case CONN_ALREADY_DONE:
		return ST_OK;
	case CONN_REFUSED:
		return ST_CONFLICT;
	case CONN_ALLOWED:
		break;
	}
	if ((rc = write_transition(db, after, action, now)) != ST_OK ||
	    (rc = audit_connection(db, actor, now, after->kind, conn_action_names[action], id,
				   after->address)) != ST_OK)
		return rc;
	/* Rule 6: a team email deleted is a team email disconnected.  A person
	 * removing their own inbox needs no notice of it. */
	if (after->kind == CONN_TEAM && action == CONN_REMOVE &&
	    (rc = notify_connection_lost(db, id, NOTIFY_DISCONNECTED, "deleted", actor_name(actor),
					 now, NULL)) != ST_OK)
		return rc;
	if ((rc = conn_find(db, scope, id, after)) != ST_OK)
		return rc;
	*changed = 1;
	return ST_OK;
}

static const char sql_by_id[] = "SELECT " CONN_COLUMNS CONN_FROM "WHERE c.id = ?1";

enum status conn_remove_for_offboarding(struct db *db, const struct audit_actor *actor,
					long long id, const char *cause, time_t now,
					struct conn *after, int *changed)
{
	struct conn_scope scope;
	sqlite3_stmt *st = db_stmt(db, sql_by_id);
	enum status rc;

	*changed = 0;
	if (st == NULL || db_transaction_depth(db) == 0)
		return ST_INTERNAL;
	sqlite3_bind_int64(st, 1, id);
	if ((rc = db_step_row(db, st)) != ST_OK)
		return rc;
	rc = read_conn(st, after) == 0 ? ST_OK : ST_INTERNAL;
	sqlite3_reset(st);
	if (rc != ST_OK || after->state == CONN_REMOVED)
		return rc;
	scope.kind = after->kind;
	scope.id = after->kind == CONN_PERSONAL ? after->owner_user_id : after->inbox_id;
	if (!after->has_revocation &&
	    (rc = outbox_enqueue_revocation(db, id, after->provider, now)) != ST_OK)
		return rc;
	if ((st = db_stmt(db, sql_set_removed)) == NULL)
		return ST_INTERNAL;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, (long long)now);
	if ((rc = db_step_done(db, st)) != ST_OK ||
	    (rc = audit_connection(db, actor, now, after->kind, conn_action_names[CONN_REMOVE], id,
				   after->address)) != ST_OK)
		return rc;
	if (after->kind == CONN_TEAM &&
	    (rc = notify_connection_lost(db, id, NOTIFY_DISCONNECTED, cause, actor_name(actor), now,
					 NULL)) != ST_OK)
		return rc;
	*changed = 1;
	return conn_find(db, &scope, id, after);
}

enum status conn_insert(struct db *db, const struct conn_new *c, long long *id)
{
	sqlite3_stmt *st = db_stmt(db, sql_insert);
	enum status rc;

	if (st == NULL || (unsigned)c->kind >= CONN_KIND__MAX)
		return ST_INTERNAL;
	sqlite3_bind_text(st, 1, conn_kind_names[c->kind], -1, SQLITE_STATIC);
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
	sqlite3_bind_text(st, 5, prov_table[c->provider].name, -1, SQLITE_STATIC);
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
	sqlite3_bind_text(st, 13, c->subject ? c->subject : "", -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 14, c->tenant ? c->tenant : "", -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 15, c->imap_host ? c->imap_host : "", -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 16, (int)c->imap_port);
	sqlite3_bind_text(st, 17, c->imap_security ? c->imap_security : "", -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 18, c->imap_username ? c->imap_username : "", -1, SQLITE_TRANSIENT);
	rc = db_step_done(db, st);
	if (rc == ST_OK && id != NULL)
		*id = db_last_insert_id(db);
	return rc;
}

/* OAuth inboxes only: at an IMAP server there is no token to refresh. */
static const char sql_due_checks[] =
	"SELECT id, kind, provider, address, sealed_token FROM email_connections "
	"WHERE state = 'connected' AND checked_at <= ?1 AND sealed_token IS NOT NULL "
	"AND provider IN ('google', 'microsoft', 'outlook') ORDER BY checked_at, id LIMIT ?2";
static const char sql_mark_checked[] = "UPDATE email_connections SET checked_at = ?2 WHERE id = ?1";
static const char sql_health_ok[] =
	"UPDATE email_connections SET refusals_in_a_row = 0, "
	"sealed_token = CASE WHEN ?2 IS NULL THEN sealed_token ELSE ?2 END "
	"WHERE id = ?1 AND state <> 'removed'";
static const char sql_health_refused[] =
	"UPDATE email_connections SET refusals_in_a_row = refusals_in_a_row + 1, "
	"last_error_code = ?2 WHERE id = ?1 AND state = 'connected' "
	"RETURNING refusals_in_a_row, kind, address";
static const char sql_disconnect[] =
	"UPDATE email_connections SET state = 'disconnected', last_error = 'token_rejected', "
	"last_error_code = ?2, state_changed_at = ?3 WHERE id = ?1";

void conn_health_clear(struct conn_health *h)
{
	free(h->sealed_token);
	memset(h, 0, sizeof(*h));
}

enum status conn_claim_health_checks(struct db *db, time_t now, long interval,
				     struct conn_health *out, int max, int *count)
{
	sqlite3_stmt *st = db_stmt(db, sql_due_checks);
	int rc;

	*count = 0;
	if (st == NULL)
		return ST_INTERNAL;
	sqlite3_bind_int64(st, 1, (long long)now - interval);
	sqlite3_bind_int(st, 2, max);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && *count < max) {
		struct conn_health *h = &out[*count];
		int kind = name_index(conn_kind_names, CONN_KIND__MAX, db_text(st, 1));
		const void *token = sqlite3_column_blob(st, 4);
		int len = sqlite3_column_bytes(st, 4);

		memset(h, 0, sizeof(*h));
		h->id = sqlite3_column_int64(st, 0);
		if (kind < 0 || prov_from_name(db_text(st, 2), &h->provider) != 0 || token == NULL)
			continue;
		h->kind = (enum conn_kind)kind;
		db_copy_text(st, 3, h->address, sizeof(h->address));
		h->sealed_token = xmalloc((size_t)len);
		memcpy(h->sealed_token, token, (size_t)len);
		h->sealed_token_len = (size_t)len;
		(*count)++;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		goto fail;
	for (int i = 0; i < *count; i++) {
		st = db_stmt(db, sql_mark_checked);
		if (st == NULL)
			goto fail;
		sqlite3_bind_int64(st, 1, out[i].id);
		sqlite3_bind_int64(st, 2, (long long)now);
		if (db_step_done(db, st) != ST_OK)
			goto fail;
	}
	return ST_OK;
fail:
	for (int i = 0; i < *count; i++)
		conn_health_clear(&out[i]);
	*count = 0;
	return ST_INTERNAL;
}

enum status conn_record_health_ok(struct db *db, long long id, const unsigned char *sealed,
				  size_t sealed_len)
{
	sqlite3_stmt *st = db_stmt(db, sql_health_ok);
	enum status rc;

	if (st == NULL)
		return ST_INTERNAL;
	sqlite3_bind_int64(st, 1, id);
	if (sealed != NULL)
		sqlite3_bind_blob(st, 2, sealed, (int)sealed_len, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, 2);
	rc = db_step_done(db, st);
	if (rc == ST_OK && db_changes(db) == 0)
		return ST_NOT_FOUND;
	return rc;
}

enum status conn_record_health_refusal(struct db *db, const struct audit_actor *actor, long long id,
				       const char *code, long limit, time_t now, int *disconnected)
{
	sqlite3_stmt *st = db_stmt(db, sql_health_refused);
	char address[255];
	long refusals;
	int kind;
	enum status rc;

	*disconnected = 0;
	if (st == NULL)
		return ST_INTERNAL;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, code, -1, SQLITE_TRANSIENT);
	if ((rc = db_step_row(db, st)) != ST_OK)
		return rc == ST_NOT_FOUND ? ST_OK : rc; /* no longer connected: nothing to count */
	refusals = sqlite3_column_int(st, 0);
	kind = name_index(conn_kind_names, CONN_KIND__MAX, db_text(st, 1));
	db_copy_text(st, 2, address, sizeof(address));
	/* RETURNING rows are all produced by the first step; finish the statement. */
	while (sqlite3_step(st) == SQLITE_ROW)
		;
	sqlite3_reset(st);
	if (refusals < limit || kind < 0)
		return ST_OK;
	st = db_stmt(db, sql_disconnect);
	if (st == NULL)
		return ST_INTERNAL;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, code, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, (long long)now);
	if ((rc = db_step_done(db, st)) != ST_OK)
		return rc;
	if ((rc = audit_connection(db, actor, now, (enum conn_kind)kind, "disconnected", id,
				   address)) != ST_OK ||
	    (rc = notify_connection_lost(db, id, NOTIFY_DISCONNECTED, "token_rejected",
					 actor_name(actor), now, NULL)) != ST_OK)
		return rc;
	*disconnected = 1;
	return ST_OK;
}

/* Live connections of a scope (?1) with an address (?2), through a provider (?3)
 * or through any other.  A connection moved away already is left out: it has
 * nothing left to take, and the address may come back through its provider. */
#define NOT_MOVED_AWAY "AND NOT (c.state = 'disconnected' AND c.last_error = 'provider_changed') "
static const char *const sql_live_address[CONN_KIND__MAX][2] = {
	[CONN_PERSONAL] = {
		"SELECT " CONN_COLUMNS CONN_FROM IN_PERSONAL
		"AND c.address = ?2 AND c.provider = ?3 AND c.state <> 'removed' " NOT_MOVED_AWAY
		"ORDER BY c.id",
		"SELECT " CONN_COLUMNS CONN_FROM IN_PERSONAL
		"AND c.address = ?2 AND c.provider <> ?3 AND c.state <> 'removed' " NOT_MOVED_AWAY
		"ORDER BY c.id",
	},
	[CONN_TEAM] = {
		"SELECT " CONN_COLUMNS CONN_FROM IN_TEAM
		"AND c.address = ?2 AND c.provider = ?3 AND c.state <> 'removed' " NOT_MOVED_AWAY
		"ORDER BY c.id",
		"SELECT " CONN_COLUMNS CONN_FROM IN_TEAM
		"AND c.address = ?2 AND c.provider <> ?3 AND c.state <> 'removed' " NOT_MOVED_AWAY
		"ORDER BY c.id",
	},
};
static const char sql_has_token[] =
	"SELECT sealed_token IS NOT NULL FROM email_connections WHERE id = ?1";
static const char sql_set_moved[] =
	"UPDATE email_connections SET state = 'disconnected', last_error = 'provider_changed', "
	"last_error_code = '', sealed_token = NULL, state_changed_at = ?2 WHERE id = ?1";

enum status conn_find_live_address(struct db *db, const struct conn_scope *scope,
				   enum provider provider, const char *address, struct conn *out)
{
	sqlite3_stmt *st;
	enum status rc;

	if ((unsigned)scope->kind >= CONN_KIND__MAX ||
	    (st = db_stmt(db, sql_live_address[scope->kind][0])) == NULL)
		return ST_INTERNAL;
	sqlite3_bind_int64(st, 1, scope->id);
	sqlite3_bind_text(st, 2, address, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, prov_table[provider].name, -1, SQLITE_STATIC);
	if ((rc = db_step_row(db, st)) != ST_OK)
		return rc;
	rc = read_conn(st, out) == 0 ? ST_OK : ST_INTERNAL;
	sqlite3_reset(st);
	return rc;
}

/* One connection moved away: its token (if it still has one) goes to a
 * revocation job, then the row is disconnected without it. */
static enum status move_away(struct db *db, const struct audit_actor *actor, const struct conn *c,
			     time_t now)
{
	sqlite3_stmt *st = db_stmt(db, sql_has_token);
	int has_token;
	enum status rc;

	if (st == NULL)
		return ST_INTERNAL;
	sqlite3_bind_int64(st, 1, c->id);
	if ((rc = db_step_row(db, st)) != ST_OK)
		return rc;
	has_token = sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	if (has_token && (rc = outbox_enqueue_revocation(db, c->id, c->provider, now)) != ST_OK)
		return rc;
	if ((st = db_stmt(db, sql_set_moved)) == NULL)
		return ST_INTERNAL;
	sqlite3_bind_int64(st, 1, c->id);
	sqlite3_bind_int64(st, 2, (long long)now);
	if ((rc = db_step_done(db, st)) != ST_OK)
		return rc;
	if ((rc = audit_connection(db, actor, now, c->kind, "provider_changed", c->id,
				   c->address)) != ST_OK)
		return rc;
	/* Rule 7 tells the owner (a team channel: rule 6's people). */
	return notify_connection_lost(db, c->id, NOTIFY_DISCONNECTED, "provider_changed",
				      actor_name(actor), now, NULL);
}

struct moving {
	struct conn list[8];
	int count;
};

static void collect_moving(const struct conn *c, void *arg)
{
	struct moving *m = arg;

	if (m->count < (int)ARRAY_LEN(m->list))
		m->list[m->count++] = *c;
}

/* The scope's connections of address through provider that sql (?1 scope id,
 * ?2 address, ?3 provider) picks, read whole before any of them changes (the
 * statement must be done first).  An address lives through at most the three
 * OAuth providers and IMAP. */
static enum status collect_at_address(struct db *db, const char *sql,
				      const struct conn_scope *scope, enum provider provider,
				      const char *address, struct moving *m)
{
	sqlite3_stmt *st = db_stmt(db, sql);

	if (st == NULL)
		return ST_INTERNAL;
	sqlite3_bind_int64(st, 1, scope->id);
	sqlite3_bind_text(st, 2, address, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, prov_table[provider].name, -1, SQLITE_STATIC);
	return each_row(st, collect_moving, m);
}

enum status conn_disconnect_for_provider_move(struct db *db, const struct audit_actor *actor,
					      const struct conn_scope *scope,
					      enum provider provider, const char *address,
					      time_t now, struct conn *moved, int *count)
{
	struct moving m = { .count = 0 };
	enum status rc;

	*count = 0;
	memset(moved, 0, sizeof(*moved));
	if (db_transaction_depth(db) == 0) {
		log_error("conn_disconnect_for_provider_move outside a write transaction");
		return ST_INTERNAL;
	}
	if ((unsigned)scope->kind >= CONN_KIND__MAX)
		return ST_INTERNAL;
	if ((rc = collect_at_address(db, sql_live_address[scope->kind][1], scope, provider, address,
				     &m)) != ST_OK)
		return rc;
	for (int i = 0; i < m.count; i++) {
		if ((rc = move_away(db, actor, &m.list[i], now)) != ST_OK)
			return rc;
		*moved = m.list[i];
	}
	*count = m.count;
	return ST_OK;
}

static const char *const sql_moved_away[CONN_KIND__MAX] = {
	[CONN_PERSONAL] = "SELECT " CONN_COLUMNS CONN_FROM IN_PERSONAL
			  "AND c.address = ?2 AND c.provider = ?3 AND c.state = 'disconnected' "
			  "AND c.last_error = 'provider_changed' ORDER BY c.id",
	[CONN_TEAM] = "SELECT " CONN_COLUMNS CONN_FROM IN_TEAM
		      "AND c.address = ?2 AND c.provider = ?3 AND c.state = 'disconnected' "
		      "AND c.last_error = 'provider_changed' ORDER BY c.id",
};

/* Stray grants (conn_give_up_stray_grant) of an address through a provider, in
 * every scope: the grant is the provider's one per app and account, whoever here
 * held it.  ?1 is not used. */
static const char sql_stray_grants[] =
	"SELECT " CONN_COLUMNS CONN_FROM "WHERE c.refused_reconnect_of IS NOT NULL "
	"AND c.address = ?2 AND c.provider = ?3 ORDER BY c.id";

/* Drops the pending revocations of the connections m holds, each with an audit
 * row; one a worker holds already goes on. */
static enum status drop_revocations(struct db *db, const struct audit_actor *actor,
				    const struct moving *m, time_t now)
{
	enum status rc;

	for (int i = 0; i < m->count; i++) {
		int dropped;

		if ((rc = outbox_drop_pending_revocation(db, m->list[i].id, now, &dropped)) != ST_OK)
			return rc;
		if (!dropped)
			continue;
		if ((rc = audit_connection(db, actor, now, m->list[i].kind, "revocation_dropped",
					   m->list[i].id, m->list[i].address)) != ST_OK)
			return rc;
	}
	return ST_OK;
}

enum status conn_keep_grant_for_return(struct db *db, const struct audit_actor *actor,
				       const struct conn_scope *scope, enum provider provider,
				       const char *address, time_t now)
{
	struct moving moved = { .count = 0 }, strays = { .count = 0 };
	enum status rc;

	if ((unsigned)scope->kind >= CONN_KIND__MAX)
		return ST_INTERNAL;
	if ((rc = collect_at_address(db, sql_moved_away[scope->kind], scope, provider, address,
				     &moved)) != ST_OK ||
	    (rc = collect_at_address(db, sql_stray_grants, scope, provider, address, &strays)) !=
		    ST_OK ||
	    (rc = drop_revocations(db, actor, &moved, now)) != ST_OK)
		return rc;
	return drop_revocations(db, actor, &strays, now);
}

/* Whether an inbox or channel of any scope uses the grant of address at
 * provider: one connected or disabled still holds a token the provider accepts. */
static const char sql_grant_in_use[] =
	"SELECT count(*) FROM email_connections WHERE provider = ?1 AND address = ?2 "
	"AND state IN ('connected', 'disabled') AND refused_reconnect_of IS NULL";
/* The stray's row is removed at birth: the token left with its revocation job. */
static const char sql_born_removed[] =
	"UPDATE email_connections SET state = 'removed', sealed_token = NULL, "
	"refused_reconnect_of = ?2 WHERE id = ?1";
static const char sql_revocation_state[] =
	"SELECT state FROM outbox_jobs WHERE connection_id = ?1 AND kind = 'revoke'";

static enum status grant_in_use(struct db *db, enum provider provider, const char *address,
				int *in_use)
{
	sqlite3_stmt *st = db_stmt(db, sql_grant_in_use);
	enum status rc;

	if (st == NULL)
		return ST_INTERNAL;
	sqlite3_bind_text(st, 1, prov_table[provider].name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, address, -1, SQLITE_TRANSIENT);
	if ((rc = db_step_row(db, st)) != ST_OK)
		return rc;
	*in_use = sqlite3_column_int(st, 0) > 0;
	sqlite3_reset(st);
	return ST_OK;
}

enum status conn_give_up_stray_grant(struct db *db, const struct audit_actor *actor,
				     const struct conn_scope *scope,
				     const struct conn_stray *stray,
				     struct keyring_sealer *sealer, const uint8_t *token,
				     size_t len, time_t now, struct conn *given_up)
{
	struct conn_new c = {
		.kind = scope->kind,
		.owner_user_id = scope->kind == CONN_PERSONAL ? scope->id : 0,
		.inbox_id = scope->kind == CONN_TEAM ? scope->id : 0,
		.connected_by_user_id = actor->user_id,
		.provider = stray->provider,
		.address = stray->address,
		.state = CONN_DISCONNECTED,
		.scopes = stray->scopes,
		.subject = stray->subject,
		.tenant = stray->tenant,
		.connected_at = now,
	};
	sqlite3_stmt *st;
	long long id;
	int in_use;
	enum status rc;

	memset(given_up, 0, sizeof(*given_up));
	if (db_transaction_depth(db) == 0) {
		log_error("conn_give_up_stray_grant outside a write transaction");
		return ST_INTERNAL;
	}
	if ((unsigned)scope->kind >= CONN_KIND__MAX)
		return ST_INTERNAL;
	/* Revoking it would end the grant that inbox holds (one per app and
	 * account): this token is only one more of it, and goes unused. */
	if ((rc = grant_in_use(db, stray->provider, stray->address, &in_use)) != ST_OK)
		return rc;
	if (in_use)
		return ST_OK;
	/* Sealed into its own row first, as every token is, so that the box is
	 * bound to the row the revocation job names. */
	if ((rc = conn_insert(db, &c, &id)) != ST_OK ||
	    (rc = seal_store_connection_secret(db, sealer, id, token, len)) != ST_OK ||
	    (rc = outbox_enqueue_revocation(db, id, stray->provider, now)) != ST_OK)
		return rc;
	if ((st = db_stmt(db, sql_born_removed)) == NULL)
		return ST_INTERNAL;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, stray->refused_reconnect_of);
	if ((rc = db_step_done(db, st)) != ST_OK ||
	    (rc = audit_connection(db, actor, now, scope->kind, "stray_grant", id,
				   stray->address)) != ST_OK)
		return rc;
	if ((st = db_stmt(db, sql_revocation_state)) == NULL)
		return ST_INTERNAL;
	sqlite3_bind_int64(st, 1, id);
	if ((rc = db_step_row(db, st)) != ST_OK)
		return rc == ST_NOT_FOUND ? ST_INTERNAL : rc;
	{
		int job = name_index(outbox_state_names, OUTBOX_STATE__MAX, db_text(st, 0));

		sqlite3_reset(st);
		if (job < 0)
			return ST_INTERNAL;
		given_up->revocation_state = (enum outbox_state)job;
	}
	given_up->id = id;
	given_up->kind = scope->kind;
	given_up->provider = stray->provider;
	snprintf(given_up->address, sizeof(given_up->address), "%s", stray->address);
	given_up->state = CONN_REMOVED;
	given_up->has_revocation = 1;
	return ST_OK;
}

int conn_can_reconnect(const struct conn *c)
{
	return c->state == CONN_DISCONNECTED &&
	       prov_table[c->provider].oauth && strcmp(c->last_error, "provider_changed") != 0;
}

/* The health checks start again from a clean count, as for a new inbox. */
static const char sql_reconnect[] =
	"UPDATE email_connections SET state = 'connected', last_error = '', last_error_code = '', "
	"refusals_in_a_row = 0, checked_at = ?2, state_changed_at = ?2, connected_at = ?2, "
	"scopes = ?3, provider_subject = ?4, provider_tenant = ?5 WHERE id = ?1";

enum status conn_reconnect(struct db *db, const struct audit_actor *actor,
			   const struct conn_scope *scope, long long id,
			   const struct conn_renewal *renewal, time_t now, struct conn *after)
{
	sqlite3_stmt *st;
	enum status rc;

	if (db_transaction_depth(db) == 0) {
		log_error("conn_reconnect outside a write transaction");
		return ST_INTERNAL;
	}
	if ((rc = conn_find(db, scope, id, after)) != ST_OK)
		return rc;
	if (!conn_can_reconnect(after))
		return ST_CONFLICT;
	if ((st = db_stmt(db, sql_reconnect)) == NULL)
		return ST_INTERNAL;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, (long long)now);
	sqlite3_bind_text(st, 3, renewal->scopes ? renewal->scopes : "", -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, renewal->subject ? renewal->subject : "", -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 5, renewal->tenant ? renewal->tenant : "", -1, SQLITE_TRANSIENT);
	if ((rc = db_step_done(db, st)) != ST_OK)
		return rc;
	if ((rc = audit_connection(db, actor, now, after->kind, "reconnect", id, after->address)) !=
	    ST_OK)
		return rc;
	return conn_find(db, scope, id, after);
}

enum status conn_each_all(struct db *db, void (*fn)(const struct conn *c, void *arg), void *arg)
{
	sqlite3_stmt *st = db_stmt(db, sql_all);

	if (st == NULL)
		return ST_INTERNAL;
	return each_row(st, fn, arg);
}

long long conn_count(struct db *db)
{
	sqlite3_stmt *st = db_stmt(db, sql_count);
	long long n = -1;

	if (db_step_row(db, st) == ST_OK) {
		n = sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
	}
	return n;
}
