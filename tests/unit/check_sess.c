/* check_sess.c — unit tests of cgi/lib/sess: sessions on a temporary database, with
 * the clock passed in, so each timeout is tested to the second. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "db_sql.h"
#include "sess.h"
#include "suites.h"
#include "testlib.h"
#include "user.h"

#define T0 1700000000 /* any fixed instant */
#define IDLE 1800
#define ABSOLUTE 43200

static const struct sess_timeouts timeouts = { IDLE, ABSOLUTE };
static struct db *db;
static long long alice, bob;

/* A fresh database with two users, for each test (a checked fixture runs in the
 * test's own process, so a failing test leaves nothing open). */
static void open_store(void)
{
	char *path, err[256];

	testlib_make_tmpdir("ipsess");
	path = testlib_in_tmpdir("sess.db");
	db = db_open(path, 1, err, sizeof(err));
	ck_assert_msg(db != NULL, "%s", err);
	free(path);
	ck_assert_int_eq(TESTLIB_WRITE(db, user_add(db, "alice@example.com", "", ROLE_USER, 0, "x", T0, &alice)),
			 ST_OK);
	ck_assert_int_eq(TESTLIB_WRITE(db, user_add(db, "bob@example.com", "", ROLE_USER, 0, "x", T0, &bob)),
			 ST_OK);
}

static void close_store(void)
{
	db_close(db);
	db = NULL;
	testlib_remove_tmpdir();
}

/* Starts a session for user at time now; the cookie value goes to cookie. */
static struct session start(long long user, time_t now, char cookie[CRYPTO_TOKEN_LEN + 1])
{
	struct session s;

	ck_assert_int_eq(TESTLIB_WRITE(db, sess_start(db, user, "192.0.2.1", &timeouts, now, cookie, &s)), ST_OK);
	return s;
}

/* Reads only. */
static enum status find(const char *cookie, time_t now, struct session *out)
{
	return sess_find(db, cookie, &timeouts, now, out);
}

/* What every request does: finds the session and its user, deletes an expired
 * one, records activity when it is due. */
static enum status resume(const char *cookie, const struct sess_timeouts *t, time_t now,
			  struct session *out)
{
	struct user u;

	return sess_resume(db, cookie, t, now, out, &u);
}

START_TEST(a_started_session_is_found_by_its_cookie)
{
	char cookie[CRYPTO_TOKEN_LEN + 1];
	struct session s = start(alice, T0, cookie), found;

	ck_assert_uint_eq(strlen(cookie), CRYPTO_TOKEN_LEN);
	ck_assert_uint_eq(strlen(s.csrf_token), CRYPTO_TOKEN_LEN);
	ck_assert_int_eq(find(cookie, T0 + 1, &found), ST_OK);
	ck_assert_int_eq(found.id, s.id);
	ck_assert_int_eq(found.user_id, alice);
	ck_assert_str_eq(found.csrf_token, s.csrf_token);
	ck_assert_int_eq(found.created_at, T0);
	ck_assert_int_eq(found.last_seen_at, T0);
}
END_TEST

/* A copy of the database must not let anyone sign in: the cookie is not in it,
 * only its SHA-256. */
START_TEST(only_the_cookies_hash_is_stored)
{
	char cookie[CRYPTO_TOKEN_LEN + 1];
	sqlite3_stmt *st;
	uint8_t want[32];

	start(alice, T0, cookie);
	crypto_sha256(cookie, strlen(cookie), want);
	ck_assert_int_eq(sqlite3_prepare_v2(db_handle(db),
					    "SELECT token_hash, instr(token_hash, ?1) + instr(csrf_token, ?1) "
					    "+ instr(client_addr, ?1) FROM sessions",
					    -1, &st, NULL),
			 SQLITE_OK);
	sqlite3_bind_text(st, 1, cookie, -1, SQLITE_STATIC);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	ck_assert_int_eq(sqlite3_column_bytes(st, 0), 32);
	ck_assert(memcmp(sqlite3_column_blob(st, 0), want, 32) == 0);
	ck_assert_int_eq(sqlite3_column_int(st, 1), 0);
	sqlite3_finalize(st);
}
END_TEST

START_TEST(each_session_has_its_own_cookie_and_csrf_token)
{
	char a[CRYPTO_TOKEN_LEN + 1], b[CRYPTO_TOKEN_LEN + 1];
	struct session sa = start(alice, T0, a), sb = start(alice, T0, b), found;

	ck_assert_str_ne(a, b);
	ck_assert_str_ne(sa.csrf_token, sb.csrf_token);
	ck_assert_str_ne(a, sa.csrf_token);
	ck_assert_int_eq(find(b, T0, &found), ST_OK);
	ck_assert_int_eq(found.id, sb.id);
}
END_TEST

static const char *const bad_cookies[] = {
	"",
	"short",
	/* 43 characters, one outside base64url. */
	"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
	"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA ",
	/* 44 characters. */
	"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
	/* Well formed, never issued. */
	"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
};

START_TEST(an_unknown_or_malformed_cookie_finds_nothing)
{
	char cookie[CRYPTO_TOKEN_LEN + 1];
	struct session found;

	start(alice, T0, cookie);
	ck_assert_int_eq(find(bad_cookies[_i], T0, &found), ST_NOT_FOUND);
}
END_TEST

START_TEST(no_cookie_finds_nothing)
{
	struct session found;

	ck_assert_int_eq(find(NULL, T0, &found), ST_NOT_FOUND);
}
END_TEST

/* The session lives through the idle timeout's last second, and not one more; the
 * expired row is deleted as it is found. */
START_TEST(idle_timeout_ends_the_session)
{
	char cookie[CRYPTO_TOKEN_LEN + 1];
	struct session found;

	start(alice, T0, cookie);
	ck_assert_int_eq(find(cookie, T0 + IDLE, &found), ST_OK);
	ck_assert_int_eq(resume(cookie, &timeouts, T0 + IDLE + 1, &found), ST_NOT_FOUND);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM sessions"), 0);
	/* Gone for good, even if the clock were to go back. */
	ck_assert_int_eq(find(cookie, T0, &found), ST_NOT_FOUND);
}
END_TEST

START_TEST(activity_keeps_the_session_past_the_idle_timeout)
{
	char cookie[CRYPTO_TOKEN_LEN + 1];
	struct session s = start(alice, T0, cookie), found;

	ck_assert_int_eq(TESTLIB_WRITE(db, sess_touch(db, &s, T0 + IDLE - 10)), ST_OK);
	ck_assert_int_eq(find(cookie, T0 + IDLE + 10, &found), ST_OK);
	ck_assert_int_eq(found.last_seen_at, T0 + IDLE - 10);
	ck_assert_int_eq(find(cookie, T0 + 2 * IDLE - 9, &found), ST_NOT_FOUND);
}
END_TEST

/* However active, a session ends at the absolute timeout. */
START_TEST(absolute_timeout_ends_even_an_active_session)
{
	char cookie[CRYPTO_TOKEN_LEN + 1];
	struct session found;
	time_t t;

	start(alice, T0, cookie);
	for (t = T0 + IDLE / 2; t <= T0 + ABSOLUTE; t += IDLE / 2) {
		ck_assert_msg(find(cookie, t, &found) == ST_OK, "ended %ld s in", (long)(t - T0));
		ck_assert_int_eq(TESTLIB_WRITE(db, sess_touch(db, &found, t)), ST_OK);
	}
	ck_assert_int_eq(find(cookie, T0 + ABSOLUTE, &found), ST_OK);
	ck_assert_int_eq(find(cookie, T0 + ABSOLUTE + 1, &found), ST_NOT_FOUND);
}
END_TEST

/* Reading pages does not write each time: at most every idle/30 seconds (a minute
 * at most), which keeps the idle timeout to within a few percent. */
START_TEST(touch_writes_at_most_every_idle_thirtieth)
{
	char cookie[CRYPTO_TOKEN_LEN + 1];
	struct session s;
	struct sess_timeouts short_idle = { 600, ABSOLUTE };

	start(alice, T0, cookie);
	ck_assert_int_eq(resume(cookie, &short_idle, T0 + 19, &s), ST_OK);
	ck_assert_int_eq(s.last_seen_at, T0);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT last_seen_at FROM sessions"), T0);
	ck_assert_int_eq(resume(cookie, &short_idle, T0 + 20, &s), ST_OK);
	ck_assert_int_eq(s.last_seen_at, T0 + 20);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT last_seen_at FROM sessions"), T0 + 20);
}
END_TEST

START_TEST(touch_writes_at_least_once_a_minute)
{
	char cookie[CRYPTO_TOKEN_LEN + 1];
	struct session s;
	/* A day's idle timeout over 30 would be 48 min: a minute is the most. */
	struct sess_timeouts long_idle = { 86400, 86400 };

	start(alice, T0, cookie);
	ck_assert_int_eq(resume(cookie, &long_idle, T0 + 59, &s), ST_OK);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT last_seen_at FROM sessions"), T0);
	ck_assert_int_eq(resume(cookie, &long_idle, T0 + 60, &s), ST_OK);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT last_seen_at FROM sessions"), T0 + 60);
}
END_TEST

START_TEST(end_removes_that_session_only)
{
	char a1[CRYPTO_TOKEN_LEN + 1], a2[CRYPTO_TOKEN_LEN + 1];
	struct session s1 = start(alice, T0, a1), found;

	start(alice, T0, a2);
	ck_assert_int_eq(TESTLIB_WRITE(db, sess_end(db, s1.id)), ST_OK);
	ck_assert_int_eq(find(a1, T0, &found), ST_NOT_FOUND);
	ck_assert_int_eq(find(a2, T0, &found), ST_OK);
	/* Ending it twice is no error. */
	ck_assert_int_eq(TESTLIB_WRITE(db, sess_end(db, s1.id)), ST_OK);
}
END_TEST

START_TEST(end_user_removes_every_session_of_that_user)
{
	char a1[CRYPTO_TOKEN_LEN + 1], a2[CRYPTO_TOKEN_LEN + 1], b[CRYPTO_TOKEN_LEN + 1];
	struct session found;

	start(alice, T0, a1);
	start(alice, T0, a2);
	start(bob, T0, b);
	ck_assert_int_eq(TESTLIB_WRITE(db, sess_end_user(db, alice)), ST_OK);
	ck_assert_int_eq(find(a1, T0, &found), ST_NOT_FOUND);
	ck_assert_int_eq(find(a2, T0, &found), ST_NOT_FOUND);
	ck_assert_int_eq(find(b, T0, &found), ST_OK);
	ck_assert_int_eq(found.user_id, bob);
}
END_TEST

/* A deactivated user's cookie stops working at once, whatever its age. */
START_TEST(a_deactivated_users_session_is_not_found)
{
	char cookie[CRYPTO_TOKEN_LEN + 1];
	struct session found;

	start(alice, T0, cookie);
	ck_assert_int_eq(TESTLIB_WRITE(db, user_set_deactivated(db, alice, 1, T0)), ST_OK);
	ck_assert_int_eq(find(cookie, T0, &found), ST_NOT_FOUND);
	ck_assert_int_eq(resume(cookie, &timeouts, T0, &found), ST_NOT_FOUND);
}
END_TEST

static long long sessions_of(long long user)
{
	sqlite3_stmt *st;
	long long n;

	ck_assert_int_eq(sqlite3_prepare_v2(db_handle(db),
					    "SELECT count(*) FROM sessions WHERE user_id = ?1", -1, &st,
					    NULL),
			 SQLITE_OK);
	sqlite3_bind_int64(st, 1, user);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

/* Expired rows go at their user's next sign-in: no cron job, and other users' rows
 * (expired or not) are left for their own. */
START_TEST(a_sign_in_sweeps_that_users_expired_sessions)
{
	char old[CRYPTO_TOKEN_LEN + 1], idle[CRYPTO_TOKEN_LEN + 1], live[CRYPTO_TOKEN_LEN + 1];
	char b[CRYPTO_TOKEN_LEN + 1], fresh[CRYPTO_TOKEN_LEN + 1];
	time_t later = T0 + ABSOLUTE + 1;
	struct session s_old = start(alice, T0, old), found;

	/* Active until just now: only the absolute timeout has ended it. */
	ck_assert_int_eq(TESTLIB_WRITE(db, sess_touch(db, &s_old, later - 10)), ST_OK);
	start(alice, later - IDLE - 1, idle); /* idle one second too long */
	start(alice, later - 5, live);
	start(bob, T0, b); /* expired too, but bob's */
	ck_assert_int_eq(sessions_of(alice), 3);
	start(alice, later, fresh);
	ck_assert_int_eq(sessions_of(alice), 2);
	ck_assert_int_eq(sessions_of(bob), 1);
	ck_assert_int_eq(find(live, later, &found), ST_OK);
	ck_assert_int_eq(find(fresh, later, &found), ST_OK);
}
END_TEST

Suite *sess_suite(void)
{
	Suite *s = suite_create("sess");
	TCase *tc = tcase_create("sessions");

	tcase_add_checked_fixture(tc, open_store, close_store);
	tcase_add_test(tc, a_started_session_is_found_by_its_cookie);
	tcase_add_test(tc, only_the_cookies_hash_is_stored);
	tcase_add_test(tc, each_session_has_its_own_cookie_and_csrf_token);
	tcase_add_loop_test(tc, an_unknown_or_malformed_cookie_finds_nothing, 0,
			    (int)(sizeof(bad_cookies) / sizeof(bad_cookies[0])));
	tcase_add_test(tc, no_cookie_finds_nothing);
	tcase_add_test(tc, idle_timeout_ends_the_session);
	tcase_add_test(tc, activity_keeps_the_session_past_the_idle_timeout);
	tcase_add_test(tc, absolute_timeout_ends_even_an_active_session);
	tcase_add_test(tc, touch_writes_at_most_every_idle_thirtieth);
	tcase_add_test(tc, touch_writes_at_least_once_a_minute);
	tcase_add_test(tc, end_removes_that_session_only);
	tcase_add_test(tc, end_user_removes_every_session_of_that_user);
	tcase_add_test(tc, a_deactivated_users_session_is_not_found);
	tcase_add_test(tc, a_sign_in_sweeps_that_users_expired_sessions);
	suite_add_tcase(s, tc);
	return s;
}
