/* check_notify.c — who is told when an inbox goes away (rules 6, 9 and 15), on
 * an in-memory SQLite: the recipient matrix, the day's quiet time, the email
 * job per notification, and a person's list, count and marking read. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

#include "conn.h"
#include "db_sql.h"
#include "notify.h"
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

/* The matrix: 1 super admin, 2 account-access user, 3 plain user who connected
 * the team channel, 4 plain user, 5 deactivated super admin, 6 deactivated
 * account-access user, 7 a super admin who connected channel 2, 8 plain owner
 * of a personal inbox. */
static void setup(void)
{
	char err[256];

	db = db_open(":memory:", 1, err, sizeof(err));
	ck_assert_msg(db != NULL, "%s", err);
	exec("INSERT INTO users (id, email, name, role, account_access, deactivated, language, "
	     "password_hash, created_at, updated_at) VALUES "
	     "(1, 'boss@example.com', 'Boss', 'super_admin', 0, 0, 'en', 'x', 0, 0), "
	     "(2, 'access@example.com', '', 'user', 1, 0, 'fr', 'x', 0, 0), "
	     "(3, 'connector@example.com', 'Con', 'user', 0, 0, '', 'x', 0, 0), "
	     "(4, 'plain@example.com', '', 'user', 0, 0, '', 'x', 0, 0), "
	     "(5, 'gone-admin@example.com', '', 'super_admin', 0, 1, '', 'x', 0, 0), "
	     "(6, 'gone-access@example.com', '', 'user', 1, 1, '', 'x', 0, 0), "
	     "(7, 'admin2@example.com', '', 'super_admin', 1, 0, '', 'x', 0, 0), "
	     "(8, 'owner@example.com', '', 'user', 0, 0, '', 'x', 0, 0)");
	exec("INSERT INTO conversation_inboxes (id, name, created_at) VALUES (1, 'Support', 0)");
	exec("INSERT INTO email_connections (id, kind, inbox_id, connected_by_user_id, provider, "
	     "address, state, connected_at, state_changed_at) VALUES "
	     "(1, 'team', 1, 3, 'google', 'support@example.com', 'connected', 0, 0), "
	     "(2, 'team', 1, 7, 'microsoft', 'sales@example.com', 'connected', 0, 0)");
	exec("INSERT INTO email_connections (id, kind, owner_user_id, connected_by_user_id, "
	     "provider, address, state, connected_at, state_changed_at) VALUES "
	     "(3, 'personal', 8, 8, 'google', 'owner@example.com', 'connected', 0, 0)");
}

static void teardown(void)
{
	db_close(db);
	db = NULL;
}

static enum status lose(long long id, enum notify_kind kind, time_t now, int *told)
{
	return TESTLIB_WRITE(db, notify_connection_lost(db, id, kind, "deleted", "boss@example.com",
							now, told));
}

/* The users told about a connection, as "1,2,3". */
static const char *told_about(long long id)
{
	static char list[128];
	sqlite3_stmt *st;
	char sql[160];

	snprintf(sql, sizeof(sql),
		 "SELECT group_concat(user_id, ',') FROM (SELECT user_id FROM notifications "
		 "WHERE connection_id = %lld ORDER BY user_id)", id);
	ck_assert_int_eq(sqlite3_prepare_v2(db_handle(db), sql, -1, &st, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	snprintf(list, sizeof(list), "%s", sqlite3_column_text(st, 0) ? (const char *)sqlite3_column_text(st, 0) : "");
	sqlite3_finalize(st);
	return list;
}

START_TEST(a_team_channel_tells_admins_access_users_and_its_connector_once)
{
	int told;

	ck_assert_int_eq(lose(1, NOTIFY_DISCONNECTED, NOW, &told), ST_OK);
	ck_assert_int_eq(told, 4);
	ck_assert_str_eq(told_about(1), "1,2,3,7");
	/* one email job per notification, naming it */
	ck_assert_int_eq(count("SELECT count(*) FROM outbox_jobs WHERE kind = 'email' AND "
			       "state = 'pending' AND connection_id = 1 AND payload IN "
			       "(SELECT json_object('notification', id) FROM notifications)"), 4);
	ck_assert_int_eq(db_take_after_commit(db) != 0, 1);
}
END_TEST

START_TEST(a_connector_who_is_a_super_admin_is_told_once)
{
	int told;

	ck_assert_int_eq(lose(2, NOTIFY_DISCONNECTED, NOW, &told), ST_OK);
	ck_assert_str_eq(told_about(2), "1,2,7");
	ck_assert_int_eq(told, 3);
}
END_TEST

START_TEST(a_second_loss_within_a_day_tells_nobody_again)
{
	int told;

	ck_assert_int_eq(lose(1, NOTIFY_DISCONNECTED, NOW, &told), ST_OK);
	ck_assert_int_eq(lose(1, NOTIFY_DISCONNECTED, NOW + NOTIFY_QUIET_SECONDS - 1, &told), ST_OK);
	ck_assert_int_eq(told, 0);
	ck_assert_int_eq(count("SELECT count(*) FROM notifications"), 4);
	ck_assert_int_eq(count("SELECT count(*) FROM outbox_jobs WHERE kind = 'email'"), 4);
	/* another kind is another notice; a day later, the same kind again */
	ck_assert_int_eq(lose(1, NOTIFY_REVOCATION_FAILED, NOW + 10, &told), ST_OK);
	ck_assert_int_eq(told, 4);
	ck_assert_int_eq(lose(1, NOTIFY_DISCONNECTED, NOW + NOTIFY_QUIET_SECONDS, &told), ST_OK);
	ck_assert_int_eq(told, 4);
}
END_TEST

START_TEST(a_personal_inbox_tells_its_owner_and_a_failed_revocation_the_admins_too)
{
	int told;

	ck_assert_int_eq(lose(3, NOTIFY_DISCONNECTED, NOW, &told), ST_OK);
	ck_assert_str_eq(told_about(3), "8");
	exec("DELETE FROM notifications");
	ck_assert_int_eq(lose(3, NOTIFY_REVOCATION_FAILED, NOW, &told), ST_OK);
	ck_assert_str_eq(told_about(3), "1,7,8");
}
END_TEST

static void collect(const struct notify_person *p, void *arg)
{
	char *list = arg;

	if (*list != '\0')
		strcat(list, ",");
	strcat(list, p->email);
}

START_TEST(the_confirmation_page_names_the_same_people)
{
	char list[256] = "";

	ck_assert_int_eq(notify_each_recipient(db, 1, NOTIFY_DISCONNECTED, collect, list), ST_OK);
	ck_assert_str_eq(list, "boss@example.com,access@example.com,connector@example.com,"
			       "admin2@example.com");
	ck_assert_int_eq(notify_each_recipient(db, 99, NOTIFY_DISCONNECTED, collect, list),
			 ST_NOT_FOUND);
}
END_TEST

START_TEST(deleting_a_team_channel_notifies_in_its_transaction)
{
	struct conn_scope team = { CONN_TEAM, 1 };
	struct conn after;
	int changed;

	ck_assert_int_eq(TESTLIB_WRITE(db, conn_apply(db, &admin, &team, 1, CONN_REMOVE, NOW, &after,
						      &changed)),
			 ST_OK);
	ck_assert_int_eq(after.state, CONN_REMOVED);
	ck_assert_str_eq(told_about(1), "1,2,3,7");
	ck_assert_int_eq(count("SELECT count(*) FROM notifications WHERE cause = 'deleted' AND "
			       "actor = 'boss@example.com'"), 4);
	/* a personal inbox removed by its owner tells nobody */
	{
		struct conn_scope mine = { CONN_PERSONAL, 8 };
		struct audit_actor owner = { 8, "owner@example.com", "127.0.0.1" };

		ck_assert_int_eq(TESTLIB_WRITE(db, conn_apply(db, &owner, &mine, 3, CONN_DISABLE, NOW,
							      &after, &changed)),
				 ST_OK);
		ck_assert_int_eq(TESTLIB_WRITE(db, conn_apply(db, &owner, &mine, 3, CONN_REMOVE, NOW,
							      &after, &changed)),
				 ST_OK);
		ck_assert_str_eq(told_about(3), "");
	}
}
END_TEST

START_TEST(a_rolled_back_change_leaves_no_notice)
{
	ck_assert_int_eq(db_begin_write(db), ST_OK);
	ck_assert_int_eq(notify_connection_lost(db, 1, NOTIFY_DISCONNECTED, "deleted", "", NOW, NULL),
			 ST_OK);
	db_rollback(db);
	ck_assert_int_eq(count("SELECT count(*) FROM notifications"), 0);
	ck_assert_int_eq(count("SELECT count(*) FROM outbox_jobs"), 0);
}
END_TEST

static void titles(const struct notification *n, void *arg)
{
	char *list = arg;
	char item[96];

	snprintf(item, sizeof(item), "%s%lld:%s:%s:%d", *list ? "," : "", n->id, n->address,
		 n->inbox_name, n->unread);
	strcat(list, item);
}

START_TEST(a_person_reads_theirs_newest_first_and_marks_them_read)
{
	char list[512] = "";
	int changed;

	ck_assert_int_eq(lose(1, NOTIFY_DISCONNECTED, NOW, NULL), ST_OK); /* ids 1..4, user 1 has 1 */
	ck_assert_int_eq(lose(2, NOTIFY_DISCONNECTED, NOW, NULL), ST_OK); /* ids 5..7, user 1 has 5 */
	ck_assert_int_eq(notify_unread_count(db, 1), 2);
	ck_assert_int_eq(notify_unread_count(db, 4), 0);
	ck_assert_int_eq(notify_each(db, 1, 0, 10, titles, list), ST_OK);
	ck_assert_str_eq(list, "5:sales@example.com:Support:1,1:support@example.com:Support:1");
	list[0] = '\0';
	ck_assert_int_eq(notify_each(db, 1, 5, 10, titles, list), ST_OK);
	ck_assert_str_eq(list, "1:support@example.com:Support:1");
	/* another person's notification is not found */
	ck_assert_int_eq(notify_find(db, 4, 1, titles, list), ST_NOT_FOUND);
	/* read up to what the page showed: a newer one stays unread */
	ck_assert_int_eq(TESTLIB_WRITE(db, notify_mark_read(db, 1, 1, NOW, &changed)), ST_OK);
	ck_assert_int_eq(changed, 1);
	ck_assert_int_eq(notify_unread_count(db, 1), 1);
	ck_assert_int_eq(TESTLIB_WRITE(db, notify_mark_read(db, 1, 0, NOW, &changed)), ST_OK);
	ck_assert_int_eq(changed, 1);
	ck_assert_int_eq(notify_unread_count(db, 1), 0);
	ck_assert_int_eq(notify_unread_count(db, 2), 2);
}
END_TEST

Suite *notify_suite(void)
{
	Suite *s = suite_create("notify");
	TCase *tc = tcase_create("recipients");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, a_team_channel_tells_admins_access_users_and_its_connector_once);
	tcase_add_test(tc, a_connector_who_is_a_super_admin_is_told_once);
	tcase_add_test(tc, a_second_loss_within_a_day_tells_nobody_again);
	tcase_add_test(tc, a_personal_inbox_tells_its_owner_and_a_failed_revocation_the_admins_too);
	tcase_add_test(tc, the_confirmation_page_names_the_same_people);
	tcase_add_test(tc, deleting_a_team_channel_notifies_in_its_transaction);
	tcase_add_test(tc, a_rolled_back_change_leaves_no_notice);
	tcase_add_test(tc, a_person_reads_theirs_newest_first_and_marks_them_read);
	suite_add_tcase(s, tc);
	return s;
}
