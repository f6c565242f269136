/* check_db.c — how the store says it cannot write now: a lock held past the busy
 * timeout or a read-only database is ST_UNAVAILABLE (the pages' 503 with
 * Retry-After) at the begin and at a statement, and the health probe names it. */
#include "config.h"

#include <check.h>
#include <stdlib.h>

#include "audit.h"
#include "db_sql.h"
#include "suites.h"
#include "testlib.h"

static struct db *a, *b;

/* Two connections to one database file, as two workers have. */
static void open_two(void)
{
	char *path, err[256];

	testlib_make_tmpdir("ipdb");
	path = testlib_in_tmpdir("panel.db");
	a = db_open(path, 1, err, sizeof(err));
	ck_assert_msg(a != NULL, "%s", err);
	b = db_open(path, 0, err, sizeof(err));
	ck_assert_msg(b != NULL, "%s", err);
	/* The programs wait 5 seconds; the test need not. */
	db_set_busy_timeout(b, 20);
	free(path);
}

static void close_two(void)
{
	db_close(a);
	db_close(b);
	a = b = NULL;
	testlib_remove_tmpdir();
}

static const struct audit_actor actor = { 0, "system", "" };

START_TEST(a_lock_held_past_the_busy_timeout_is_unavailable)
{
	ck_assert_int_eq(db_begin_write(a), ST_OK);
	ck_assert_int_eq(db_begin_write(b), ST_UNAVAILABLE);
	ck_assert_int_eq(db_transaction_depth(b), 0);
	ck_assert_str_eq(db_probe_write(b, 1), "busy");
	db_rollback(a);
	ck_assert_int_eq(db_begin_write(b), ST_OK);
	db_rollback(b);
}
END_TEST

START_TEST(a_write_to_a_read_only_database_is_unavailable)
{
	ck_assert_int_eq(sqlite3_exec(db_handle(b), "PRAGMA query_only = ON", NULL, NULL, NULL),
			 SQLITE_OK);
	ck_assert_str_eq(db_probe_write(b, 1), "read_only");
	ck_assert_int_eq(db_begin_write(b), ST_UNAVAILABLE);
	/* At a statement, when the database turns read-only inside the transaction. */
	ck_assert_int_eq(sqlite3_exec(db_handle(b), "PRAGMA query_only = OFF", NULL, NULL, NULL),
			 SQLITE_OK);
	ck_assert_int_eq(db_begin_write(b), ST_OK);
	ck_assert_int_eq(sqlite3_exec(db_handle(b), "PRAGMA query_only = ON", NULL, NULL, NULL),
			 SQLITE_OK);
	ck_assert_int_eq(audit_write(b, &actor, 1, "test.write", "", ""), ST_UNAVAILABLE);
	db_rollback(b);
}
END_TEST

START_TEST(the_health_probe_commits_one_tiny_row)
{
	ck_assert_ptr_null(db_probe_write(a, 42));
	ck_assert_ptr_null(db_probe_write(a, 43));
	ck_assert_int_eq(testlib_sql_int(b, "SELECT value FROM panel_settings WHERE name = 'health_probe'"),
			 43);
	ck_assert_int_eq(db_transaction_depth(a), 0);
	/* Never inside a transaction of a page's. */
	ck_assert_int_eq(db_begin_write(a), ST_OK);
	ck_assert_str_eq(db_probe_write(a, 44), "error");
	db_rollback(a);
}
END_TEST

Suite *db_suite(void)
{
	Suite *s = suite_create("db");
	TCase *tc = tcase_create("unavailable");

	tcase_add_checked_fixture(tc, open_two, close_two);
	tcase_add_test(tc, a_lock_held_past_the_busy_timeout_is_unavailable);
	tcase_add_test(tc, a_write_to_a_read_only_database_is_unavailable);
	tcase_add_test(tc, the_health_probe_commits_one_tiny_row);
	suite_add_tcase(s, tc);
	return s;
}
