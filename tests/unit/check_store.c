/* check_store.c — the store below the pages, on an in-memory SQLite: nested
 * transactions with one owner, and the connection state machine with its audit
 * rows and revocation jobs, and the OAuth flows in progress. */
#include "config.h"

#include <check.h>
#include <string.h>

#include "audit.h"
#include "conn.h"
#include "db_sql.h"
#include "flow.h"
#include "outbox.h"
#include "suites.h"
#include "testlib.h"

#define NOW 1800000000

static struct db *db;
static const struct audit_actor actor = { 1, "owner@example.com", "127.0.0.1" };

static void exec(const char *sql)
{
	char *msg = NULL;

	ck_assert_msg(sqlite3_exec(db_handle(db), sql, NULL, NULL, &msg) == SQLITE_OK, "%s: %s", sql,
		      msg ? msg : "");
}

static long long count(const char *sql)
{
	return testlib_sql_int(db, sql);
}

/* Users 1 (owner) and 2 (someone else), team inbox 1. */
static void setup(void)
{
	char err[256];

	db = db_open(":memory:", 1, err, sizeof(err));
	ck_assert_msg(db != NULL, "%s", err);
	exec("INSERT INTO users (id, email, role, password_hash, created_at, updated_at) VALUES "
	     "(1, 'owner@example.com', 'user', 'x', 0, 0), (2, 'other@example.com', 'user', 'x', 0, 0)");
	exec("INSERT INTO conversation_inboxes (id, name, created_at) VALUES (1, 'Support', 0)");
}

static void teardown(void)
{
	db_close(db);
	db = NULL;
}

static long long add_conn(enum conn_kind kind, long long scope_id, enum provider p,
			  enum conn_state state)
{
	static const unsigned char token[] = "sealed";
	struct conn_new c = {
		.kind = kind,
		.owner_user_id = kind == CONN_PERSONAL ? scope_id : 0,
		.inbox_id = kind == CONN_TEAM ? scope_id : 0,
		.connected_by_user_id = 1,
		.provider = p,
		.address = "box@example.com",
		.state = state,
		.sealed_token = token,
		.sealed_token_len = sizeof(token),
		.connected_at = NOW - 100,
	};
	long long id;

	ck_assert_int_eq(db_begin_write(db), ST_OK);
	ck_assert_int_eq(conn_insert(db, &c, &id), ST_OK);
	ck_assert_int_eq(db_commit(db), ST_OK);
	return id;
}

/* --- transactions ---------------------------------------------------------------- */

START_TEST(a_write_outside_a_transaction_is_refused)
{
	struct conn_new c = { .kind = CONN_PERSONAL, .owner_user_id = 1, .provider = PROV_IMAP,
			      .address = "a@example.com", .state = CONN_CONNECTED };

	ck_assert_int_eq(conn_insert(db, &c, NULL), ST_INTERNAL);
	ck_assert_int_eq(count("SELECT count(*) FROM email_connections"), 0);
	/* Reading needs none. */
	ck_assert_int_eq(conn_count(db), 0);
}
END_TEST

START_TEST(only_the_outermost_commit_commits)
{
	ck_assert_int_eq(db_begin_write(db), ST_OK);
	ck_assert_int_eq(db_begin_write(db), ST_OK);
	ck_assert_int_eq(db_transaction_depth(db), 2);
	exec("INSERT INTO conversation_inboxes (name, created_at) VALUES ('Sales', 0)");
	ck_assert_int_eq(db_commit(db), ST_OK);
	ck_assert_int_eq(db_transaction_depth(db), 1);
	ck_assert(!sqlite3_get_autocommit(db_handle(db))); /* still open */
	ck_assert_int_eq(db_commit(db), ST_OK);
	ck_assert_int_eq(db_transaction_depth(db), 0);
	ck_assert_int_eq(count("SELECT count(*) FROM conversation_inboxes"), 2);
}
END_TEST

START_TEST(an_inner_rollback_dooms_the_whole_transaction)
{
	ck_assert_int_eq(db_begin_write(db), ST_OK);
	exec("INSERT INTO conversation_inboxes (name, created_at) VALUES ('Sales', 0)");
	ck_assert_int_eq(db_begin_write(db), ST_OK);
	db_rollback(db);
	ck_assert_int_eq(db_commit(db), ST_INTERNAL);
	ck_assert_int_eq(db_transaction_depth(db), 0);
	ck_assert_int_eq(count("SELECT count(*) FROM conversation_inboxes"), 1);
}
END_TEST

START_TEST(a_queued_revocation_wakes_the_worker_after_commit_only)
{
	long long id = add_conn(CONN_PERSONAL, 1, PROV_GOOGLE, CONN_DISABLED);
	struct conn_scope mine = { CONN_PERSONAL, 1 };
	struct conn after;
	int changed;

	ck_assert_int_eq(db_take_after_commit(db), 0);
	/* Rolled back: nothing to wake. */
	ck_assert_int_eq(db_begin_write(db), ST_OK);
	ck_assert_int_eq(conn_apply(db, &actor, &mine, id, CONN_REMOVE, NOW, &after, &changed), ST_OK);
	ck_assert_int_eq(db_take_after_commit(db), 0); /* not before the commit */
	db_rollback(db);
	ck_assert_int_eq(db_take_after_commit(db), 0);
	/* Committed: the worker is woken once. */
	ck_assert_int_eq(db_begin_write(db), ST_OK);
	ck_assert_int_eq(conn_apply(db, &actor, &mine, id, CONN_REMOVE, NOW, &after, &changed), ST_OK);
	ck_assert_int_eq(db_commit(db), ST_OK);
	ck_assert_uint_eq(db_take_after_commit(db), DB_AFTER_WAKE_WORKER);
	ck_assert_int_eq(db_take_after_commit(db), 0);
}
END_TEST

START_TEST(a_manual_revocation_does_not_wake_the_worker)
{
	long long id = add_conn(CONN_PERSONAL, 1, PROV_OUTLOOK, CONN_DISABLED);
	struct conn_scope mine = { CONN_PERSONAL, 1 };
	struct conn after;
	int changed;

	ck_assert_int_eq(db_begin_write(db), ST_OK);
	ck_assert_int_eq(conn_apply(db, &actor, &mine, id, CONN_REMOVE, NOW, &after, &changed), ST_OK);
	ck_assert_int_eq(db_commit(db), ST_OK);
	ck_assert_int_eq(db_take_after_commit(db), 0);
	ck_assert_int_eq(after.revocation_state, OUTBOX_MANUAL);
}
END_TEST

/* --- the state machine ------------------------------------------------------------ */

START_TEST(personal_transitions_follow_design)
{
	/* connected -> disabled -> removed; disabled -> connected; disconnected -> removed. */
	ck_assert_int_eq(conn_check(CONN_PERSONAL, CONN_CONNECTED, CONN_DISABLE), CONN_ALLOWED);
	ck_assert_int_eq(conn_check(CONN_PERSONAL, CONN_DISABLED, CONN_ENABLE), CONN_ALLOWED);
	ck_assert_int_eq(conn_check(CONN_PERSONAL, CONN_DISABLED, CONN_REMOVE), CONN_ALLOWED);
	ck_assert_int_eq(conn_check(CONN_PERSONAL, CONN_DISCONNECTED, CONN_REMOVE), CONN_ALLOWED);
	ck_assert_int_eq(conn_check(CONN_PERSONAL, CONN_CONNECTED, CONN_REMOVE), CONN_REFUSED);
	ck_assert_int_eq(conn_check(CONN_PERSONAL, CONN_CONNECTED, CONN_ENABLE), CONN_ALREADY_DONE);
	ck_assert_int_eq(conn_check(CONN_PERSONAL, CONN_DISABLED, CONN_DISABLE), CONN_ALREADY_DONE);
	ck_assert_int_eq(conn_check(CONN_PERSONAL, CONN_REMOVED, CONN_REMOVE), CONN_ALREADY_DONE);
	ck_assert_int_eq(conn_check(CONN_PERSONAL, CONN_REMOVED, CONN_ENABLE), CONN_REFUSED);
	ck_assert_int_eq(conn_check(CONN_PERSONAL, CONN_REMOVED, CONN_DISABLE), CONN_REFUSED);
	ck_assert_int_eq(conn_check(CONN_PERSONAL, CONN_DISCONNECTED, CONN_ENABLE), CONN_REFUSED);
}
END_TEST

START_TEST(team_channels_are_deleted_directly)
{
	ck_assert_int_eq(conn_check(CONN_TEAM, CONN_CONNECTED, CONN_REMOVE), CONN_ALLOWED);
	ck_assert_int_eq(conn_check(CONN_TEAM, CONN_DISCONNECTED, CONN_REMOVE), CONN_ALLOWED);
	ck_assert_int_eq(conn_check(CONN_TEAM, CONN_REMOVED, CONN_REMOVE), CONN_ALREADY_DONE);
	/* A channel is never disabled or enabled. */
	ck_assert_int_eq(conn_check(CONN_TEAM, CONN_CONNECTED, CONN_DISABLE), CONN_REFUSED);
	ck_assert_int_eq(conn_check(CONN_TEAM, CONN_DISABLED, CONN_ENABLE), CONN_REFUSED);
}
END_TEST

START_TEST(remove_moves_the_token_into_one_revocation_job_with_an_audit_row)
{
	long long id = add_conn(CONN_PERSONAL, 1, PROV_GOOGLE, CONN_DISABLED);
	struct conn_scope mine = { CONN_PERSONAL, 1 };
	struct conn after;
	int changed;

	ck_assert_int_eq(db_begin_write(db), ST_OK);
	ck_assert_int_eq(conn_apply(db, &actor, &mine, id, CONN_REMOVE, NOW, &after, &changed), ST_OK);
	ck_assert_int_eq(db_commit(db), ST_OK);
	ck_assert_int_eq(changed, 1);
	ck_assert_int_eq(after.state, CONN_REMOVED);
	ck_assert(after.has_revocation);
	ck_assert_int_eq(after.revocation_state, OUTBOX_PENDING);
	ck_assert_int_eq(count("SELECT count(*) FROM email_connections WHERE sealed_token IS NOT NULL"), 0);
	ck_assert_int_eq(count("SELECT count(*) FROM outbox_jobs WHERE kind = 'revoke' AND "
			       "sealed_token = x'7365616c656400'"),
			 1);
	ck_assert_int_eq(count("SELECT count(*) FROM audit_log WHERE action = 'email.remove' AND "
			       "target = 'connection:1' AND actor = 'owner@example.com' AND at = 1800000000"),
			 1);
	/* A second submit finds it done: no change, no second job, no second row. */
	ck_assert_int_eq(db_begin_write(db), ST_OK);
	ck_assert_int_eq(conn_apply(db, &actor, &mine, id, CONN_REMOVE, NOW + 1, &after, &changed),
			 ST_OK);
	ck_assert_int_eq(db_commit(db), ST_OK);
	ck_assert_int_eq(changed, 0);
	ck_assert_int_eq(count("SELECT count(*) FROM outbox_jobs"), 1);
	ck_assert_int_eq(count("SELECT count(*) FROM audit_log"), 1);
}
END_TEST

START_TEST(remove_of_a_connected_inbox_is_a_conflict_and_changes_nothing)
{
	long long id = add_conn(CONN_PERSONAL, 1, PROV_GOOGLE, CONN_CONNECTED);
	struct conn_scope mine = { CONN_PERSONAL, 1 };
	struct conn after;
	int changed;

	ck_assert_int_eq(db_begin_write(db), ST_OK);
	ck_assert_int_eq(conn_apply(db, &actor, &mine, id, CONN_REMOVE, NOW, &after, &changed),
			 ST_CONFLICT);
	db_rollback(db);
	ck_assert_int_eq(after.state, CONN_CONNECTED);
	ck_assert_int_eq(count("SELECT count(*) FROM outbox_jobs"), 0);
	ck_assert_int_eq(count("SELECT count(*) FROM audit_log"), 0);
	ck_assert_int_eq(count("SELECT count(*) FROM email_connections WHERE state = 'connected' "
			       "AND sealed_token IS NOT NULL"),
			 1);
}
END_TEST

START_TEST(another_scope_does_not_find_the_connection)
{
	long long mine_id = add_conn(CONN_PERSONAL, 1, PROV_GOOGLE, CONN_CONNECTED);
	long long team_id = add_conn(CONN_TEAM, 1, PROV_GOOGLE, CONN_CONNECTED);
	struct conn_scope other_user = { CONN_PERSONAL, 2 }, team = { CONN_TEAM, 1 },
			  user_one = { CONN_PERSONAL, 1 };
	struct conn c;
	int changed;

	ck_assert_int_eq(conn_find(db, &other_user, mine_id, &c), ST_NOT_FOUND);
	/* The team inbox and user 1 share the id 1; the scope keeps them apart. */
	ck_assert_int_eq(conn_find(db, &team, mine_id, &c), ST_NOT_FOUND);
	ck_assert_int_eq(conn_find(db, &user_one, team_id, &c), ST_NOT_FOUND);
	ck_assert_int_eq(conn_find(db, &team, team_id, &c), ST_OK);
	ck_assert_int_eq(c.kind, CONN_TEAM);
	ck_assert_int_eq(c.inbox_id, 1);
	ck_assert_int_eq(db_begin_write(db), ST_OK);
	ck_assert_int_eq(conn_apply(db, &actor, &other_user, mine_id, CONN_DISABLE, NOW, &c, &changed),
			 ST_NOT_FOUND);
	db_rollback(db);
}
END_TEST

START_TEST(deleting_a_team_channel_queues_its_revocation)
{
	long long id = add_conn(CONN_TEAM, 1, PROV_MICROSOFT, CONN_CONNECTED);
	struct conn_scope team = { CONN_TEAM, 1 };
	struct conn after;
	int changed;

	ck_assert_int_eq(db_begin_write(db), ST_OK);
	ck_assert_int_eq(conn_apply(db, &actor, &team, id, CONN_REMOVE, NOW, &after, &changed), ST_OK);
	ck_assert_int_eq(db_commit(db), ST_OK);
	ck_assert_int_eq(after.state, CONN_REMOVED);
	ck_assert_int_eq(count("SELECT count(*) FROM outbox_jobs WHERE kind = 'revoke' AND "
			       "state = 'pending'"), 1);
	ck_assert_int_eq(count("SELECT count(*) FROM audit_log WHERE action = 'channel.remove'"), 1);
	/* rule 6: the user who connected it is told (check_notify.c has the rest) */
	ck_assert_int_eq(count("SELECT count(*) FROM notifications WHERE user_id = 1 AND "
			       "connection_id = 1 AND cause = 'deleted'"), 1);
}
END_TEST

struct seen {
	int n;
	long long ids[8];
};

static void collect(const struct conn *c, void *arg)
{
	struct seen *s = arg;

	if (s->n < 8)
		s->ids[s->n] = c->id;
	s->n++;
}

START_TEST(live_list_puts_disconnected_first_and_leaves_out_the_removed)
{
	long long disabled = add_conn(CONN_PERSONAL, 1, PROV_GOOGLE, CONN_DISABLED);
	long long connected = add_conn(CONN_PERSONAL, 1, PROV_GOOGLE, CONN_CONNECTED);
	long long disconnected = add_conn(CONN_PERSONAL, 1, PROV_GOOGLE, CONN_DISCONNECTED);
	long long gone = add_conn(CONN_PERSONAL, 1, PROV_IMAP, CONN_DISABLED);
	struct conn_scope mine = { CONN_PERSONAL, 1 };
	struct seen live = { 0, { 0 } }, removed = { 0, { 0 } };
	struct conn after;
	int changed;

	add_conn(CONN_PERSONAL, 2, PROV_GOOGLE, CONN_CONNECTED); /* someone else's */
	ck_assert_int_eq(db_begin_write(db), ST_OK);
	ck_assert_int_eq(conn_apply(db, &actor, &mine, gone, CONN_REMOVE, NOW, &after, &changed), ST_OK);
	ck_assert_int_eq(db_commit(db), ST_OK);
	ck_assert_int_eq(conn_each(db, &mine, CONN_LIVE, NOW, collect, &live), ST_OK);
	ck_assert_int_eq(live.n, 3);
	ck_assert_int_eq(live.ids[0], disconnected);
	ck_assert_int_eq(live.ids[1], connected);
	ck_assert_int_eq(live.ids[2], disabled);
	ck_assert_int_eq(conn_each(db, &mine, CONN_RECENTLY_REMOVED, NOW, collect, &removed), ST_OK);
	ck_assert_int_eq(removed.n, 1);
	ck_assert_int_eq(removed.ids[0], gone);
	/* After 30 days it is no longer "recently" removed. */
	removed.n = 0;
	ck_assert_int_eq(conn_each(db, &mine, CONN_RECENTLY_REMOVED, NOW + 31 * 86400, collect,
				   &removed),
			 ST_OK);
	ck_assert_int_eq(removed.n, 0);
}
END_TEST

/* --- OAuth flows ------------------------------------------------------------------ */

#define STATE "state-0123456789-0123456789-0123456789-abcd"

/* Sessions 1 and 2 are the owner's, in two browsers. */
static void start_flow_for_session_1(void)
{
	struct flow f = { .user_id = 1, .provider = PROV_GOOGLE, .purpose = FLOW_CONNECT };

	exec("INSERT INTO sessions (id, token_hash, user_id, csrf_token, client_addr, created_at, "
	     "last_seen_at) VALUES (1, x'01', 1, 'c', '', 0, 0), (2, x'02', 1, 'c', '', 0, 0)");
	strcpy(f.code_verifier, "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
	ck_assert_int_eq(db_begin_write(db), ST_OK);
	ck_assert_int_eq(flow_start(db, STATE, 1, &f, NOW), ST_OK);
	ck_assert_int_eq(db_commit(db), ST_OK);
}

START_TEST(a_flow_is_stored_under_the_hash_of_its_state)
{
	start_flow_for_session_1();
	ck_assert_int_eq(count("SELECT count(*) FROM oauth_flows WHERE state_hash = '" STATE "'"), 0);
	ck_assert_int_eq(count("SELECT length(state_hash) FROM oauth_flows"), 32);
}
END_TEST

START_TEST(a_flow_is_taken_once_by_its_own_session_within_ten_minutes)
{
	struct flow f;

	start_flow_for_session_1();
	ck_assert_int_eq(db_begin_write(db), ST_OK);
	ck_assert_int_eq(flow_take(db, STATE, 2, NOW + 1, &f), ST_NOT_FOUND);   /* another session */
	ck_assert_int_eq(flow_take(db, "forged", 1, NOW + 1, &f), ST_NOT_FOUND); /* unknown */
	ck_assert_int_eq(flow_take(db, STATE, 1, NOW + FLOW_LIFETIME + 1, &f), ST_NOT_FOUND);
	ck_assert_int_eq(count("SELECT count(*) FROM oauth_flows"), 1);
	ck_assert_int_eq(flow_take(db, STATE, 1, NOW + FLOW_LIFETIME, &f), ST_OK);
	ck_assert_int_eq(f.user_id, 1);
	ck_assert_int_eq(f.provider, PROV_GOOGLE);
	ck_assert_int_eq(f.purpose, FLOW_CONNECT);
	ck_assert_str_eq(f.code_verifier, "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
	ck_assert_int_eq(flow_take(db, STATE, 1, NOW + 2, &f), ST_NOT_FOUND); /* used */
	ck_assert_int_eq(db_commit(db), ST_OK);
}
END_TEST

START_TEST(a_provider_move_disconnects_the_other_providers_inbox_and_queues_its_revocation)
{
	struct conn_scope scope = { CONN_PERSONAL, 1 };
	long long gmail = add_conn(CONN_PERSONAL, 1, PROV_GOOGLE, CONN_CONNECTED);
	long long others = add_conn(CONN_PERSONAL, 2, PROV_GOOGLE, CONN_CONNECTED);
	struct conn moved, found;
	int n;

	ck_assert_int_eq(db_begin_write(db), ST_OK);
	ck_assert_int_eq(conn_find_live_address(db, &scope, PROV_GOOGLE, "BOX@example.com", &found),
			 ST_OK);
	ck_assert_int_eq(found.id, gmail);
	ck_assert_int_eq(conn_disconnect_for_provider_move(db, &actor, &scope, PROV_MICROSOFT,
							   "box@example.com", NOW, &moved, &n),
			 ST_OK);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(moved.id, gmail);
	/* Done already: a second move finds nothing left to take. */
	ck_assert_int_eq(conn_disconnect_for_provider_move(db, &actor, &scope, PROV_OUTLOOK,
							   "box@example.com", NOW, &moved, &n),
			 ST_OK);
	ck_assert_int_eq(n, 0);
	ck_assert_int_eq(db_commit(db), ST_OK);
	ck_assert_int_eq(count("SELECT count(*) FROM email_connections WHERE state = 'disconnected' "
			       "AND last_error = 'provider_changed' AND sealed_token IS NULL"), 1);
	ck_assert_int_eq(count("SELECT count(*) FROM outbox_jobs WHERE state = 'pending' "
			       "AND sealed_token IS NOT NULL"), 1);
	ck_assert_int_eq(count("SELECT count(*) FROM audit_log WHERE action = 'email.provider_changed'"),
			 1);
	/* Another user's inbox of the same address is not theirs to move. */
	ck_assert_int_eq(count("SELECT count(*) FROM email_connections WHERE state = 'connected'"), 1);
	(void)others;
}
END_TEST

/* Rule 7 between IMAP and OAuth: connecting over IMAP moves the Gmail inbox
 * away (its token to a pending revocation), and Gmail again moves the IMAP one
 * (a manual revocation that keeps no password: nothing to revoke at a server). */
START_TEST(a_provider_move_between_imap_and_oauth)
{
	struct conn_scope scope = { CONN_PERSONAL, 1 };
	long long gmail = add_conn(CONN_PERSONAL, 1, PROV_GOOGLE, CONN_CONNECTED);
	long long imap = add_conn(CONN_PERSONAL, 1, PROV_IMAP, CONN_CONNECTED);
	struct conn moved;
	int n;

	ck_assert_int_eq(db_begin_write(db), ST_OK);
	ck_assert_int_eq(conn_disconnect_for_provider_move(db, &actor, &scope, PROV_IMAP,
							   "box@example.com", NOW, &moved, &n),
			 ST_OK);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(moved.id, gmail);
	ck_assert_int_eq(conn_disconnect_for_provider_move(db, &actor, &scope, PROV_MICROSOFT,
							   "box@example.com", NOW, &moved, &n),
			 ST_OK);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(moved.id, imap);
	ck_assert_int_eq(db_commit(db), ST_OK);
	ck_assert_int_eq(count("SELECT count(*) FROM outbox_jobs WHERE provider = 'google' "
			       "AND state = 'pending' AND sealed_token IS NOT NULL"), 1);
	ck_assert_int_eq(count("SELECT count(*) FROM outbox_jobs WHERE provider = 'imap' "
			       "AND state = 'manual' AND sealed_token IS NULL"), 1);
	ck_assert_int_eq(count("SELECT count(*) FROM email_connections WHERE state = 'disconnected' "
			       "AND last_error = 'provider_changed' AND sealed_token IS NULL"), 2);
}
END_TEST

Suite *store_suite(void)
{
	Suite *s = suite_create("store");
	TCase *tx = tcase_create("transactions"), *sm = tcase_create("connections");
	TCase *fl = tcase_create("oauth flows");

	tcase_add_checked_fixture(tx, setup, teardown);
	tcase_add_test(tx, a_write_outside_a_transaction_is_refused);
	tcase_add_test(tx, only_the_outermost_commit_commits);
	tcase_add_test(tx, an_inner_rollback_dooms_the_whole_transaction);
	tcase_add_test(tx, a_queued_revocation_wakes_the_worker_after_commit_only);
	tcase_add_test(tx, a_manual_revocation_does_not_wake_the_worker);
	suite_add_tcase(s, tx);
	tcase_add_checked_fixture(sm, setup, teardown);
	tcase_add_test(sm, personal_transitions_follow_design);
	tcase_add_test(sm, team_channels_are_deleted_directly);
	tcase_add_test(sm, remove_moves_the_token_into_one_revocation_job_with_an_audit_row);
	tcase_add_test(sm, remove_of_a_connected_inbox_is_a_conflict_and_changes_nothing);
	tcase_add_test(sm, another_scope_does_not_find_the_connection);
	tcase_add_test(sm, deleting_a_team_channel_queues_its_revocation);
	tcase_add_test(sm, live_list_puts_disconnected_first_and_leaves_out_the_removed);
	suite_add_tcase(s, sm);
	tcase_add_checked_fixture(fl, setup, teardown);
	tcase_add_test(fl, a_flow_is_stored_under_the_hash_of_its_state);
	tcase_add_test(fl, a_flow_is_taken_once_by_its_own_session_within_ten_minutes);
	tcase_add_test(fl, a_provider_move_disconnects_the_other_providers_inbox_and_queues_its_revocation);
	tcase_add_test(fl, a_provider_move_between_imap_and_oauth);
	suite_add_tcase(s, fl);
	return s;
}
