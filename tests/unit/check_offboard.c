/* check_offboard.c — a person who leaves takes no inbox access with them, on
 * an in-memory SQLite: their inboxes at each provider removed with a
 * revocation job or a manual step, their sessions ended, the team channels they
 * connected kept or removed with rule 6's people told once, the last super
 * admin kept, and a reactivation that restores the account only. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

#include "db_sql.h"
#include "offboard.h"
#include "suites.h"
#include "testlib.h"

#define NOW 1800000000

static struct db *db;
static const struct audit_actor admin = { 1, "boss@example.com", "127.0.0.1" };

static void exec(const char *sql)
{
	testlib_sql_exec(db, sql);
}

static long long count(const char *sql)
{
	return testlib_sql_int(db, sql);
}

/* 1 the only active super admin, 2 the person leaving (a plain user), 3 a user
 * with account access, 4 a plain user, 5 a deactivated super admin.  User 2
 * holds an inbox at each provider (Outlook.com disabled, one removed before)
 * and connected team channel 20; user 3 connected channel 21; user 4 owns
 * inbox 30. */
static void setup(void)
{
	char err[256];

	db = db_open(":memory:", 1, err, sizeof(err));
	ck_assert_msg(db != NULL, "%s", err);
	exec("INSERT INTO users (id, email, name, role, account_access, deactivated, "
	     "password_hash, created_at, updated_at) VALUES "
	     "(1, 'boss@example.com', 'Boss', 'super_admin', 0, 0, 'x', 0, 0), "
	     "(2, 'leaver@example.com', '', 'user', 0, 0, 'x', 0, 0), "
	     "(3, 'access@example.com', '', 'user', 1, 0, 'x', 0, 0), "
	     "(4, 'plain@example.com', '', 'user', 0, 0, 'x', 0, 0), "
	     "(5, 'gone@example.com', '', 'super_admin', 0, 1, 'x', 0, 0)");
	exec("INSERT INTO sessions (token_hash, user_id, csrf_token, client_addr, created_at, "
	     "last_seen_at) VALUES (x'01', 2, 'c', '', 0, 0), (x'02', 2, 'c', '', 0, 0), "
	     "(x'03', 1, 'c', '', 0, 0)");
	exec("INSERT INTO conversation_inboxes (id, name, created_at) VALUES (1, 'Support', 0)");
	exec("INSERT INTO email_connections (id, kind, owner_user_id, connected_by_user_id, "
	     "provider, address, state, sealed_token, connected_at, state_changed_at) VALUES "
	     "(10, 'personal', 2, 2, 'google', 'a@gmail.example', 'connected', x'aa', 0, 0), "
	     "(11, 'personal', 2, 2, 'microsoft', 'b@o365.example', 'connected', x'bb', 0, 0), "
	     "(12, 'personal', 2, 2, 'outlook', 'c@outlook.example', 'disabled', x'cc', 0, 0), "
	     "(13, 'personal', 2, 2, 'imap', 'd@imap.example', 'connected', x'dd', 0, 0), "
	     "(14, 'personal', 2, 2, 'google', 'old@gmail.example', 'removed', NULL, 0, 0), "
	     "(30, 'personal', 4, 4, 'google', 'plain@gmail.example', 'connected', x'ee', 0, 0)");
	exec("INSERT INTO email_connections (id, kind, inbox_id, connected_by_user_id, provider, "
	     "address, state, sealed_token, connected_at, state_changed_at) VALUES "
	     "(20, 'team', 1, 2, 'google', 'support@example.com', 'connected', x'ff', 0, 0), "
	     "(21, 'team', 1, 3, 'microsoft', 'sales@example.com', 'connected', x'ff', 0, 0)");
}

static void teardown(void)
{
	db_close(db);
	db = NULL;
}

static enum status deactivate(long long id, enum offboard_channels channels,
			      struct offboard_result *r)
{
	return TESTLIB_WRITE(db, offboard_deactivate(db, &admin, id, channels, NOW, r));
}

static void list_address(const struct conn *c, void *arg)
{
	char *out = arg;

	strcat(out, c->address);
	strcat(out, " ");
}

START_TEST(each_connection_lists_personal_inboxes_then_team_channels)
{
	char out[512] = "";

	ck_assert_int_eq(offboard_each_connection(db, 2, list_address, out), ST_OK);
	ck_assert_str_eq(out, "a@gmail.example b@o365.example d@imap.example c@outlook.example "
			      "support@example.com ");
}
END_TEST

START_TEST(every_inbox_goes_with_a_revocation_or_a_manual_step)
{
	struct offboard_result r;

	ck_assert_int_eq(deactivate(2, OFFBOARD_KEEP_CHANNELS, &r), ST_OK);
	ck_assert_int_eq(r.inboxes_removed, 4);
	ck_assert_int_eq(r.revocations_queued, 2); /* Google, Office 365 */
	ck_assert_int_eq(r.manual, 2);             /* Outlook.com, IMAP */
	ck_assert_int_eq(count("SELECT count(*) FROM email_connections WHERE owner_user_id = 2 "
			       "AND (state <> 'removed' OR sealed_token IS NOT NULL)"), 0);
	ck_assert_int_eq(count("SELECT count(*) FROM outbox_jobs WHERE kind = 'revoke' AND "
			       "state = 'pending' AND sealed_token IS NOT NULL AND "
			       "connection_id IN (10, 11)"), 2);
	ck_assert_int_eq(count("SELECT count(*) FROM outbox_jobs WHERE kind = 'revoke' AND "
			       "state = 'manual' AND sealed_token IS NULL AND "
			       "connection_id IN (12, 13)"), 2);
	ck_assert_int_eq(count("SELECT count(*) FROM outbox_jobs WHERE connection_id = 14"), 0);
	ck_assert_int_eq(count("SELECT count(*) FROM audit_log WHERE action = 'email.remove'"), 4);
	/* nobody else's inbox moved */
	ck_assert_int_eq(count("SELECT count(*) FROM email_connections WHERE id = 30 "
			       "AND state = 'connected' AND sealed_token IS NOT NULL"), 1);
	ck_assert_int_eq(db_take_after_commit(db) != 0, 1);
}
END_TEST

START_TEST(sessions_end_and_the_account_is_deactivated)
{
	struct offboard_result r;

	ck_assert_int_eq(deactivate(2, OFFBOARD_KEEP_CHANNELS, &r), ST_OK);
	ck_assert_int_eq(r.sessions_ended, 2);
	ck_assert_int_eq(count("SELECT count(*) FROM sessions WHERE user_id = 2"), 0);
	ck_assert_int_eq(count("SELECT count(*) FROM sessions"), 1);
	ck_assert_int_eq(count("SELECT deactivated FROM users WHERE id = 2"), 1);
	ck_assert_int_eq(count("SELECT count(*) FROM audit_log WHERE action = 'user.disable' "
			       "AND target = 'user:2' AND actor = 'boss@example.com'"), 1);
}
END_TEST

START_TEST(a_kept_channel_keeps_working_and_rule_6s_people_hear_who_left)
{
	struct offboard_result r;

	ck_assert_int_eq(deactivate(2, OFFBOARD_KEEP_CHANNELS, &r), ST_OK);
	ck_assert_int_eq(r.channels_kept, 1);
	ck_assert_int_eq(r.channels_removed, 0);
	ck_assert_int_eq(count("SELECT count(*) FROM email_connections WHERE id = 20 AND "
			       "state = 'connected' AND sealed_token IS NOT NULL"), 1);
	/* the super admin and the account-access user, not the leaver, once each */
	ck_assert_int_eq(r.told, 2);
	ck_assert_int_eq(count("SELECT count(*) FROM notifications WHERE connection_id = 20 AND "
			       "kind = 'connector_left' AND cause = 'offboarded' AND "
			       "actor = 'boss@example.com' AND user_id IN (1, 3)"), 2);
	ck_assert_int_eq(count("SELECT count(*) FROM notifications"), 2);
	ck_assert_int_eq(count("SELECT count(*) FROM outbox_jobs WHERE kind = 'email'"), 2);
	ck_assert_int_eq(count("SELECT count(*) FROM outbox_jobs WHERE connection_id = 20"), 2);
}
END_TEST

START_TEST(a_removed_channel_is_revoked_and_rule_6s_people_are_told_once)
{
	struct offboard_result r;

	ck_assert_int_eq(deactivate(2, OFFBOARD_REMOVE_CHANNELS, &r), ST_OK);
	ck_assert_int_eq(r.channels_removed, 1);
	ck_assert_int_eq(r.channels_kept, 0);
	ck_assert_int_eq(r.revocations_queued, 3);
	ck_assert_int_eq(r.told, 2);
	ck_assert_int_eq(count("SELECT count(*) FROM email_connections WHERE id = 20 AND "
			       "state = 'removed' AND sealed_token IS NULL"), 1);
	ck_assert_int_eq(count("SELECT count(*) FROM notifications WHERE connection_id = 20 AND "
			       "kind = 'disconnected' AND cause = 'offboarded' AND user_id IN (1, 3)"),
			 2);
	ck_assert_int_eq(count("SELECT count(*) FROM notifications"), 2);
	ck_assert_int_eq(count("SELECT count(*) FROM audit_log WHERE action = 'channel.remove' "
			       "AND target = 'connection:20'"), 1);
	/* the other person's channel stays */
	ck_assert_int_eq(count("SELECT count(*) FROM email_connections WHERE id = 21 AND "
			       "state = 'connected'"), 1);
}
END_TEST

START_TEST(deactivating_again_changes_nothing)
{
	struct offboard_result r;
	long long audit, jobs;

	ck_assert_int_eq(deactivate(2, OFFBOARD_REMOVE_CHANNELS, &r), ST_OK);
	audit = count("SELECT count(*) FROM audit_log");
	jobs = count("SELECT count(*) FROM outbox_jobs");
	ck_assert_int_eq(deactivate(2, OFFBOARD_REMOVE_CHANNELS, &r), ST_OK);
	ck_assert_int_eq(r.inboxes_removed + r.channels_removed + r.revocations_queued + r.told +
				 r.sessions_ended + r.manual + r.channels_kept,
			 0);
	ck_assert_int_eq(count("SELECT count(*) FROM audit_log"), audit);
	ck_assert_int_eq(count("SELECT count(*) FROM outbox_jobs"), jobs);
}
END_TEST

START_TEST(the_last_super_admin_can_be_neither_deactivated_nor_demoted)
{
	struct offboard_result r;

	ck_assert_int_eq(deactivate(1, OFFBOARD_KEEP_CHANNELS, &r), ST_CONFLICT);
	ck_assert_int_eq(TESTLIB_WRITE(db, offboard_set_role(db, &admin, 1, ROLE_USER, 1, NOW)),
			 ST_CONFLICT);
	ck_assert_int_eq(count("SELECT count(*) FROM users WHERE id = 1 AND role = 'super_admin' "
			       "AND deactivated = 0"), 1);
	ck_assert_int_eq(count("SELECT count(*) FROM audit_log"), 0);
	ck_assert_int_eq(count("SELECT count(*) FROM sessions WHERE user_id = 1"), 1);
	/* with a second active super admin, either may go */
	ck_assert_int_eq(TESTLIB_WRITE(db, offboard_set_role(db, &admin, 3, ROLE_SUPER_ADMIN, 0, NOW)),
			 ST_OK);
	ck_assert_int_eq(TESTLIB_WRITE(db, offboard_set_role(db, &admin, 1, ROLE_USER, 1, NOW)),
			 ST_OK);
	ck_assert_int_eq(count("SELECT count(*) FROM audit_log WHERE action = 'user.set_role'"), 2);
	ck_assert_int_eq(deactivate(3, OFFBOARD_KEEP_CHANNELS, &r), ST_CONFLICT);
	ck_assert_int_eq(deactivate(1, OFFBOARD_KEEP_CHANNELS, &r), ST_OK);
}
END_TEST

START_TEST(an_unknown_user_is_not_found)
{
	struct offboard_result r;

	ck_assert_int_eq(deactivate(99, OFFBOARD_KEEP_CHANNELS, &r), ST_NOT_FOUND);
	ck_assert_int_eq(TESTLIB_WRITE(db, offboard_reactivate(db, &admin, 99, NOW)), ST_NOT_FOUND);
	ck_assert_int_eq(TESTLIB_WRITE(db, offboard_set_role(db, &admin, 99, ROLE_USER, 0, NOW)),
			 ST_NOT_FOUND);
}
END_TEST

START_TEST(reactivating_restores_the_account_not_the_inboxes)
{
	struct offboard_result r;

	ck_assert_int_eq(deactivate(2, OFFBOARD_REMOVE_CHANNELS, &r), ST_OK);
	ck_assert_int_eq(TESTLIB_WRITE(db, offboard_reactivate(db, &admin, 2, NOW + 60)), ST_OK);
	ck_assert_int_eq(count("SELECT deactivated FROM users WHERE id = 2"), 0);
	ck_assert_int_eq(count("SELECT count(*) FROM email_connections WHERE owner_user_id = 2 "
			       "AND state <> 'removed'"), 0);
	ck_assert_int_eq(count("SELECT count(*) FROM email_connections WHERE id = 20 "
			       "AND state = 'removed'"), 1);
	ck_assert_int_eq(count("SELECT count(*) FROM audit_log WHERE action = 'user.enable'"), 1);
	/* already active: nothing more */
	ck_assert_int_eq(TESTLIB_WRITE(db, offboard_reactivate(db, &admin, 2, NOW + 60)), ST_OK);
	ck_assert_int_eq(count("SELECT count(*) FROM audit_log WHERE action = 'user.enable'"), 1);
}
END_TEST

START_TEST(an_inbox_moved_away_keeps_its_one_revocation)
{
	struct offboard_result r;

	/* a provider move queued the token already */
	exec("UPDATE email_connections SET state = 'disconnected', last_error = 'provider_changed', "
	     "sealed_token = NULL WHERE id = 10");
	exec("INSERT INTO outbox_jobs (kind, connection_id, provider, state, sealed_token, "
	     "next_attempt_at, created_at, updated_at) VALUES "
	     "('revoke', 10, 'google', 'pending', x'aa', 0, 0, 0)");
	ck_assert_int_eq(deactivate(2, OFFBOARD_KEEP_CHANNELS, &r), ST_OK);
	ck_assert_int_eq(r.inboxes_removed, 4);
	ck_assert_int_eq(count("SELECT count(*) FROM outbox_jobs WHERE connection_id = 10"), 1);
}
END_TEST

Suite *offboard_suite(void)
{
	Suite *s = suite_create("offboard");
	TCase *tc = tcase_create("offboard");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, each_connection_lists_personal_inboxes_then_team_channels);
	tcase_add_test(tc, every_inbox_goes_with_a_revocation_or_a_manual_step);
	tcase_add_test(tc, sessions_end_and_the_account_is_deactivated);
	tcase_add_test(tc, a_kept_channel_keeps_working_and_rule_6s_people_hear_who_left);
	tcase_add_test(tc, a_removed_channel_is_revoked_and_rule_6s_people_are_told_once);
	tcase_add_test(tc, deactivating_again_changes_nothing);
	tcase_add_test(tc, the_last_super_admin_can_be_neither_deactivated_nor_demoted);
	tcase_add_test(tc, an_unknown_user_is_not_found);
	tcase_add_test(tc, reactivating_restores_the_account_not_the_inboxes);
	tcase_add_test(tc, an_inbox_moved_away_keeps_its_one_revocation);
	suite_add_tcase(s, tc);
	return s;
}
