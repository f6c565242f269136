/* offboard.c — deactivating a person with every inbox access they hold, and
 * the role changes that must leave the account a super admin. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_sql.h"
#include "notify.h"
#include "offboard.h"
#include "sess.h"
#include "util.h"

/* Why rule 6's people hear of a channel whose connector was deactivated. */
#define OFFBOARD_CAUSE "offboarded"

static const char sql_team_connected_by[] =
	"SELECT id, inbox_id FROM email_connections WHERE kind = 'team' "
	"AND connected_by_user_id = ?1 AND state <> 'removed' ORDER BY address, id";
/* The active super admins other than ?1. */
static const char sql_other_admins[] =
	"SELECT count(*) FROM users WHERE role = 'super_admin' AND deactivated = 0 AND id <> ?1";
/* Their password links stop working too (a reactivation does not revive them). */
static const char sql_expire_links[] =
	"UPDATE user_links SET expires_at = ?2 WHERE user_id = ?1 AND used_at = 0 AND expires_at > ?2";
static const char sql_user_sessions[] = "SELECT count(*) FROM sessions WHERE user_id = ?1";
static const char sql_last_notification[] = "SELECT coalesce(max(id), 0) FROM notifications";
static const char sql_notifications_since[] = "SELECT count(*) FROM notifications WHERE id > ?1";

/* The one number sql (with ?1 bound to arg) answers; -1 on a failure. */
static long long one_number(struct db *db, const char *sql, long long arg)
{
	sqlite3_stmt *st = db_stmt(db, sql);
	long long n = -1;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, arg);
	if (db_step_row(db, st) == ST_OK) {
		n = sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
	}
	return n;
}

/* The connections that go with a person, read whole before any of them changes. */
struct leaving {
	struct conn *list;
	size_t count, cap;
};

static void collect(const struct conn *c, void *arg)
{
	struct leaving *l = arg;

	if (l->count == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 8;
		l->list = xrealloc(l->list, l->cap * sizeof(*l->list));
	}
	l->list[l->count++] = *c;
}

enum status offboard_each_connection(struct db *db, long long user_id,
				     void (*fn)(const struct conn *c, void *arg), void *arg)
{
	struct conn_scope mine = { CONN_PERSONAL, user_id };
	struct leaving team = { NULL, 0, 0 };
	sqlite3_stmt *st;
	enum status rc;
	int step;

	if ((rc = conn_each(db, &mine, CONN_LIVE, 0, fn, arg)) != ST_OK)
		return rc;
	/* The team channels' ids first, then each read whole within its scope. */
	if ((st = db_stmt(db, sql_team_connected_by)) == NULL)
		return ST_INTERNAL;
	sqlite3_bind_int64(st, 1, user_id);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		struct conn c = { .id = sqlite3_column_int64(st, 0),
				  .inbox_id = sqlite3_column_int64(st, 1) };

		collect(&c, &team);
	}
	sqlite3_reset(st);
	rc = step == SQLITE_DONE ? ST_OK : ST_INTERNAL;
	for (size_t i = 0; rc == ST_OK && i < team.count; i++) {
		struct conn_scope scope = { CONN_TEAM, team.list[i].inbox_id };
		struct conn c;

		if ((rc = conn_find(db, &scope, team.list[i].id, &c)) == ST_OK)
			fn(&c, arg);
	}
	free(team.list);
	return rc;
}

/* Whether user u is the account's last active super admin. */
static enum status check_not_last_admin(struct db *db, const struct user *u)
{
	long long others;

	if (u->role != ROLE_SUPER_ADMIN || u->deactivated)
		return ST_OK;
	if ((others = one_number(db, sql_other_admins, u->id)) < 0)
		return ST_INTERNAL;
	return others == 0 ? ST_CONFLICT : ST_OK;
}

/* One connection of the leaving person: a personal inbox is removed, a team
 * channel removed or kept as the admin chose; each counted in *out. */
static enum status let_go(struct db *db, const struct audit_actor *actor, const struct conn *c,
			  enum offboard_channels channels, time_t now, struct offboard_result *out)
{
	struct conn after;
	int changed;
	enum status rc;

	if (c->kind == CONN_TEAM && channels == OFFBOARD_KEEP_CHANNELS) {
		out->channels_kept++;
		return notify_connection_lost(db, c->id, NOTIFY_CONNECTOR_LEFT, OFFBOARD_CAUSE,
					      actor->user_id != 0 ? actor->name : "", now, NULL);
	}
	if ((rc = conn_remove_for_offboarding(db, actor, c->id, OFFBOARD_CAUSE, now, &after,
					      &changed)) != ST_OK)
		return rc;
	if (!changed)
		return ST_OK;
	if (c->kind == CONN_TEAM)
		out->channels_removed++;
	else
		out->inboxes_removed++;
	/* A job queued before (a provider move) is counted where it stands. */
	if (after.has_revocation && after.revocation_state == OUTBOX_PENDING)
		out->revocations_queued++;
	else if (after.has_revocation && after.revocation_state == OUTBOX_MANUAL)
		out->manual++;
	return ST_OK;
}

enum status offboard_deactivate(struct db *db, const struct audit_actor *actor, long long user_id,
				enum offboard_channels channels, time_t now,
				struct offboard_result *out)
{
	struct leaving going = { NULL, 0, 0 };
	sqlite3_stmt *st;
	struct user u;
	long long sessions, last_told, told;
	char target[32], detail[200];
	enum status rc;

	memset(out, 0, sizeof(*out));
	if (db_transaction_depth(db) == 0) {
		log_error("offboard_deactivate outside a write transaction");
		return ST_INTERNAL;
	}
	if ((rc = user_by_id(db, user_id, &u)) != ST_OK)
		return rc;
	if (u.deactivated)
		return ST_OK;
	if ((rc = check_not_last_admin(db, &u)) != ST_OK)
		return rc;
	if ((sessions = one_number(db, sql_user_sessions, user_id)) < 0 ||
	    (last_told = one_number(db, sql_last_notification, 0)) < 0)
		return ST_INTERNAL;
	/* Deactivated first: a deactivated person is never among those told. */
	if ((rc = user_set_deactivated(db, user_id, 1, now)) != ST_OK ||
	    (rc = sess_end_user(db, user_id)) != ST_OK)
		return rc;
	out->sessions_ended = (int)sessions;
	if ((st = db_stmt(db, sql_expire_links)) == NULL)
		return ST_INTERNAL;
	sqlite3_bind_int64(st, 1, user_id);
	sqlite3_bind_int64(st, 2, (long long)now);
	if ((rc = db_step_done(db, st)) != ST_OK)
		return rc;
	if ((rc = offboard_each_connection(db, user_id, collect, &going)) != ST_OK)
		goto done;
	for (size_t i = 0; i < going.count; i++)
		if ((rc = let_go(db, actor, &going.list[i], channels, now, out)) != ST_OK)
			goto done;
	if ((told = one_number(db, sql_notifications_since, last_told)) < 0) {
		rc = ST_INTERNAL;
		goto done;
	}
	out->told = (int)told;
	snprintf(target, sizeof(target), "user:%lld", user_id);
	snprintf(detail, sizeof(detail),
		 "deactivated; %d sessions ended; %d personal inboxes removed; "
		 "%d team channels removed, %d kept; %d revocations queued, %d manual",
		 out->sessions_ended, out->inboxes_removed, out->channels_removed,
		 out->channels_kept, out->revocations_queued, out->manual);
	rc = audit_write(db, actor, now, "user.disable", target, detail);
done:
	free(going.list);
	return rc;
}

enum status offboard_reactivate(struct db *db, const struct audit_actor *actor, long long user_id,
				time_t now)
{
	struct user u;
	char target[32];
	enum status rc;

	if ((rc = user_by_id(db, user_id, &u)) != ST_OK || !u.deactivated)
		return rc;
	snprintf(target, sizeof(target), "user:%lld", user_id);
	if ((rc = user_set_deactivated(db, user_id, 0, now)) != ST_OK)
		return rc;
	return audit_write(db, actor, now, "user.enable", target,
			   "reactivated; removed inboxes stay removed");
}

enum status offboard_set_role(struct db *db, const struct audit_actor *actor, long long user_id,
			      enum role role, int account_access, time_t now)
{
	struct user u;
	char target[32], detail[128];
	enum status rc;

	if ((unsigned)role >= ROLE__MAX)
		return ST_INTERNAL;
	if ((rc = user_by_id(db, user_id, &u)) != ST_OK)
		return rc;
	if (role != ROLE_SUPER_ADMIN && (rc = check_not_last_admin(db, &u)) != ST_OK)
		return rc;
	snprintf(target, sizeof(target), "user:%lld", user_id);
	snprintf(detail, sizeof(detail), "role %s%s", role_names[role],
		 account_access ? ", account access" : "");
	if ((rc = user_set_role(db, user_id, role, account_access, now)) != ST_OK)
		return rc;
	return audit_write(db, actor, now, "user.set_role", target, detail);
}
