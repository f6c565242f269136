/* check_login.c — unit tests of cgi/lib/login: sign-in throttling per account and
 * per client address over a sliding window, on a temporary database. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_sql.h"
#include "login.h"
#include "suites.h"
#include "testlib.h"
#include "util.h"

#define T0 1700000000
#define WINDOW 900

static const struct login_limits limits = { WINDOW, 5, 20 };
static struct db *db;

static void open_store(void)
{
	char *path, err[256];

	testlib_make_tmpdir("iplogin");
	path = testlib_in_tmpdir("login.db");
	db = db_open(path, 1, err, sizeof(err));
	ck_assert_msg(db != NULL, "%s", err);
	free(path);
}

static void close_store(void)
{
	db_close(db);
	db = NULL;
	testlib_remove_tmpdir();
}

static void failures(const char *email, const char *addr, int n, time_t at)
{
	for (int i = 0; i < n; i++)
		ck_assert_int_eq(TESTLIB_WRITE(db, login_record(db, email, addr, 0, at)), ST_OK);
}

static long long attempts_of(const char *email)
{
	char *sql = xasprintf("SELECT count(*) FROM login_attempts WHERE email = '%s'", email);
	long long n = testlib_sql_int(db, sql);

	free(sql);
	return n;
}

/* login_check's answer; *retry_after receives its wait. */
static enum status check(const char *email, const char *addr, time_t now, long *retry_after)
{
	*retry_after = -1;
	return login_check(db, email, addr, &limits, now, retry_after);
}

START_TEST(a_fresh_account_may_sign_in)
{
	long wait;

	ck_assert_int_eq(check("alice@example.com", "192.0.2.1", T0, &wait), ST_OK);
	ck_assert_int_eq(wait, 0);
}
END_TEST

/* Guessing one account's password: held after per_account failures, from anywhere. */
START_TEST(an_account_is_held_after_its_limit_of_failures)
{
	long wait;

	failures("alice@example.com", "192.0.2.1", 2, T0);
	failures("alice@example.com", "198.51.100.7", 2, T0 + 10);
	ck_assert_int_eq(check("alice@example.com", "192.0.2.1", T0 + 20, &wait), ST_OK);
	failures("alice@example.com", "203.0.113.9", 1, T0 + 30);
	ck_assert_int_eq(check("alice@example.com", "192.0.2.99", T0 + 40, &wait), ST_TOO_MANY);
	/* Until the oldest failure leaves the window. */
	ck_assert_int_eq(wait, T0 + WINDOW - (T0 + 40));
	/* Other accounts are not held by it. */
	ck_assert_int_eq(check("bob@example.com", "192.0.2.99", T0 + 40, &wait), ST_OK);
}
END_TEST

START_TEST(the_account_is_matched_without_case)
{
	long wait;

	failures("Alice@Example.COM", "192.0.2.1", 5, T0);
	ck_assert_int_eq(check("alice@example.com", "192.0.2.2", T0 + 1, &wait), ST_TOO_MANY);
}
END_TEST

/* Trying many accounts from one place: held after per_address failures, whatever
 * the accounts; other places are not held by it. */
START_TEST(an_address_is_held_after_its_limit_of_failures)
{
	char email[64];
	long wait;

	for (int i = 0; i < 20; i++) {
		snprintf(email, sizeof(email), "user%d@example.com", i);
		ck_assert_int_eq(check(email, "192.0.2.1", T0 + i, &wait), ST_OK);
		failures(email, "192.0.2.1", 1, T0 + i);
	}
	ck_assert_int_eq(check("new@example.com", "192.0.2.1", T0 + 100, &wait), ST_TOO_MANY);
	ck_assert_int_eq(wait, T0 + WINDOW - (T0 + 100));
	ck_assert_int_eq(check("new@example.com", "192.0.2.2", T0 + 100, &wait), ST_OK);
	ck_assert_int_eq(check("user0@example.com", "192.0.2.2", T0 + 100, &wait), ST_OK);
}
END_TEST

/* The window slides: a failure counts for WINDOW seconds after it, then no more. */
START_TEST(failures_leave_the_window)
{
	long wait;

	failures("alice@example.com", "192.0.2.1", 1, T0);
	failures("alice@example.com", "192.0.2.1", 4, T0 + 100);
	ck_assert_int_eq(check("alice@example.com", "192.0.2.1", T0 + WINDOW - 1, &wait),
			 ST_TOO_MANY);
	ck_assert_int_eq(wait, 1);
	/* The first has left; four remain. */
	ck_assert_int_eq(check("alice@example.com", "192.0.2.1", T0 + WINDOW, &wait), ST_OK);
	ck_assert_int_eq(check("alice@example.com", "192.0.2.1", T0 + 100 + WINDOW, &wait),
			 ST_OK);
}
END_TEST

/* Of the account's and the address's waits, the longer one is said. */
START_TEST(the_longer_wait_is_said)
{
	char email[64];
	long wait;

	for (int i = 0; i < 20; i++) {
		snprintf(email, sizeof(email), "user%d@example.com", i);
		failures(email, "192.0.2.1", 1, T0 + 200);
	}
	failures("alice@example.com", "198.51.100.7", 5, T0);
	ck_assert_int_eq(check("alice@example.com", "192.0.2.1", T0 + 300, &wait), ST_TOO_MANY);
	ck_assert_int_eq(wait, T0 + 200 + WINDOW - (T0 + 300));
	ck_assert_int_eq(check("alice@example.com", "198.51.100.7", T0 + 300, &wait), ST_TOO_MANY);
	ck_assert_int_eq(wait, T0 + WINDOW - (T0 + 300));
}
END_TEST

/* A success forgets the account's failures: the owner who found their password is
 * not held by their own earlier typos. */
START_TEST(a_success_clears_the_accounts_failures)
{
	long wait;

	failures("alice@example.com", "192.0.2.1", 4, T0);
	ck_assert_int_eq(TESTLIB_WRITE(db, login_record(db, "alice@example.com", "192.0.2.1", 1, T0 + 1)), ST_OK);
	failures("alice@example.com", "192.0.2.1", 4, T0 + 2);
	ck_assert_int_eq(check("alice@example.com", "192.0.2.1", T0 + 3, &wait), ST_OK);
	failures("alice@example.com", "192.0.2.1", 1, T0 + 4);
	ck_assert_int_eq(check("alice@example.com", "192.0.2.1", T0 + 5, &wait), ST_TOO_MANY);
}
END_TEST

/* But not the address's failures on other accounts: a success on one account does
 * not reopen the address for guessing the others. */
START_TEST(a_success_leaves_the_address_failures_on_other_accounts)
{
	char email[64];
	long wait;

	for (int i = 0; i < 19; i++) {
		snprintf(email, sizeof(email), "user%d@example.com", i);
		failures(email, "192.0.2.1", 1, T0);
	}
	ck_assert_int_eq(TESTLIB_WRITE(db, login_record(db, "mallory@example.com", "192.0.2.1", 1, T0 + 1)), ST_OK);
	failures("user0@example.com", "192.0.2.1", 1, T0 + 2);
	ck_assert_int_eq(check("user1@example.com", "192.0.2.1", T0 + 3, &wait), ST_TOO_MANY);
}
END_TEST

static long long attempts(void)
{
	return testlib_sql_int(db, "SELECT count(*) FROM login_attempts");
}

/* The table keeps a day at most: anything older goes at the next success. */
START_TEST(attempts_older_than_a_day_are_forgotten)
{
	failures("bob@example.com", "192.0.2.9", 3, T0 - 86401);
	failures("bob@example.com", "192.0.2.9", 2, T0 - 3600);
	ck_assert_int_eq(attempts(), 5);
	ck_assert_int_eq(TESTLIB_WRITE(db, login_record(db, "alice@example.com", "192.0.2.1", 1, T0)), ST_OK);
	/* Bob's two recent failures and Alice's success. */
	ck_assert_int_eq(attempts(), 3);
}
END_TEST

/* A name that is no user's is kept as a keyed hash, the same for the same name in
 * any case, and never holds the text. */
START_TEST(an_unknown_name_is_kept_as_a_keyed_hash)
{
	char a[LOGIN_UNKNOWN_NAME_SIZE], b[LOGIN_UNKNOWN_NAME_SIZE], c[LOGIN_UNKNOWN_NAME_SIZE];

	ck_assert_int_eq(login_unknown_name(db, "Secret-Passw0rd", a), ST_OK);
	ck_assert_int_eq(login_unknown_name(db, "secret-passw0rd", b), ST_OK);
	ck_assert_int_eq(login_unknown_name(db, "secret-passw0rd!", c), ST_OK);
	ck_assert_str_eq(a, b);
	ck_assert_str_ne(a, c);
	ck_assert_int_eq(strlen(a), strlen("unknown (#0123456789ab)"));
	ck_assert_int_eq(strncmp(a, "unknown (#", 10), 0);
	ck_assert_int_eq(strspn(a + 10, "0123456789abcdef"), 12);
	ck_assert_str_eq(a + 22, ")");
	/* The key: 32 random bytes of the database's own, made by its migration. */
	ck_assert_int_eq(testlib_sql_int(db, "SELECT length(value) FROM panel_settings "
					     "WHERE name = 'login_name_key'"), 32);
}
END_TEST

/* The check and the record are one step: the attempt counts before its password
 * is checked, so the limit's last slot is taken by one attempt only. */
START_TEST(an_attempt_is_counted_before_its_password_is_checked)
{
	long long id = 0;
	long wait;

	failures("alice@example.com", "192.0.2.1", 4, T0);
	ck_assert_int_eq(db_begin_write(db), ST_OK);
	ck_assert_int_eq(login_begin(db, "alice@example.com", "192.0.2.1", &limits, T0 + 1, &wait, &id),
			 ST_OK);
	ck_assert_int_eq(db_commit(db), ST_OK);
	ck_assert_int_gt(id, 0);
	/* The next one, while the first is still checking its password, is held. */
	ck_assert_int_eq(db_begin_write(db), ST_OK);
	ck_assert_int_eq(login_begin(db, "alice@example.com", "192.0.2.1", &limits, T0 + 2, &wait, &id),
			 ST_TOO_MANY);
	db_rollback(db);
	ck_assert_int_eq(attempts_of("alice@example.com"), 5);
	/* Outside a transaction it would be the race again: refused. */
	ck_assert_int_eq(login_begin(db, "bob@example.com", "192.0.2.1", &limits, T0 + 3, &wait, &id),
			 ST_INTERNAL);
}
END_TEST

START_TEST(a_marked_success_clears_the_accounts_failures)
{
	long long id = 0;
	long wait;

	failures("alice@example.com", "192.0.2.1", 3, T0);
	ck_assert_int_eq(db_begin_write(db), ST_OK);
	ck_assert_int_eq(login_begin(db, "alice@example.com", "192.0.2.1", &limits, T0 + 1, &wait, &id),
			 ST_OK);
	ck_assert_int_eq(db_commit(db), ST_OK);
	ck_assert_int_eq(TESTLIB_WRITE(db, login_mark_success(db, id, "alice@example.com", T0 + 2)),
			 ST_OK);
	ck_assert_int_eq(attempts_of("alice@example.com"), 1);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT succeeded FROM login_attempts"), 1);
}
END_TEST

Suite *login_suite(void)
{
	Suite *s = suite_create("login");
	TCase *tc = tcase_create("throttling");

	tcase_add_checked_fixture(tc, open_store, close_store);
	tcase_add_test(tc, a_fresh_account_may_sign_in);
	tcase_add_test(tc, an_unknown_name_is_kept_as_a_keyed_hash);
	tcase_add_test(tc, an_attempt_is_counted_before_its_password_is_checked);
	tcase_add_test(tc, a_marked_success_clears_the_accounts_failures);
	tcase_add_test(tc, an_account_is_held_after_its_limit_of_failures);
	tcase_add_test(tc, the_account_is_matched_without_case);
	tcase_add_test(tc, an_address_is_held_after_its_limit_of_failures);
	tcase_add_test(tc, failures_leave_the_window);
	tcase_add_test(tc, the_longer_wait_is_said);
	tcase_add_test(tc, a_success_clears_the_accounts_failures);
	tcase_add_test(tc, a_success_leaves_the_address_failures_on_other_accounts);
	tcase_add_test(tc, attempts_older_than_a_day_are_forgotten);
	suite_add_tcase(s, tc);
	return s;
}
