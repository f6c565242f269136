/* check_userlink.c — single-use links to set a password, on a SQLite file: a
 * link opens once, expires after 72 hours, a forged one is unknown, a new one
 * replaces the old, a reset ends the sessions, the mail's job holds the token
 * sealed for the worker, and only the token's hash is ever written. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_sql.h"
#include "keyring.h"
#include "suites.h"
#include "testlib.h"
#include "userlink.h"
#include "util.h"

#define NOW 1800000000

static struct db *db;
static struct conf conf;
static struct keyring_sealer *sealer;
static const struct audit_actor admin = { 1, "boss@example.com", "127.0.0.1" };

static void exec(const char *sql)
{
	testlib_sql_exec(db, sql);
}

static long long count(const char *sql)
{
	return testlib_sql_int(db, sql);
}

static void setup(void)
{
	char err[1024] = "", id[KEYRING_ID_HEX];
	char *path;
	int created;

	testlib_make_tmpdir("iplink");
	memset(&conf, 0, sizeof(conf));
	conf.public_key_file = testlib_in_tmpdir("seal.pub");
	conf.private_key_file = testlib_in_tmpdir("seal.key");
	ck_assert_msg(keyring_init(&conf, &created, id, err, sizeof(err)) == 0, "%s", err);
	sealer = keyring_sealer_new(&conf, err, sizeof(err));
	ck_assert_msg(sealer != NULL, "%s", err);
	path = testlib_in_tmpdir("links.db");
	db = db_open(path, 1, err, sizeof(err));
	free(path);
	ck_assert_msg(db != NULL, "%s", err);
	exec("INSERT INTO users (id, email, name, role, account_access, deactivated, language, "
	     "password_hash, created_at, updated_at) VALUES "
	     "(1, 'boss@example.com', 'Boss', 'super_admin', 0, 0, 'en', 'x', 0, 0), "
	     "(2, 'new@example.com', 'Nouveau', 'user', 0, 0, 'fr', '!', 0, 0)");
	exec("INSERT INTO sessions (token_hash, user_id, csrf_token, client_addr, created_at, "
	     "last_seen_at) VALUES (x'01', 2, 'c', '', 0, 0), (x'02', 1, 'c', '', 0, 0)");
}

static void teardown(void)
{
	db_close(db);
	db = NULL;
	keyring_sealer_free(sealer);
	free(conf.public_key_file);
	free(conf.private_key_file);
	testlib_remove_tmpdir();
}

static enum status issue(long long user, enum userlink_purpose purpose, struct keyring_sealer *s,
			 time_t now, char token[CRYPTO_TOKEN_LEN + 1])
{
	return TESTLIB_WRITE(db, userlink_issue(db, &admin, user, purpose, s, now, token));
}

static enum status redeem(const char *token, time_t now)
{
	long long user = 0;

	return TESTLIB_WRITE(db, userlink_redeem(db, token, "$scrypt$new", now, &user));
}

START_TEST(an_invitation_opens_once)
{
	char token[CRYPTO_TOKEN_LEN + 1];
	enum userlink_purpose purpose;
	long long user = 0;

	ck_assert_int_eq(issue(2, USERLINK_INVITE, NULL, NOW, token), ST_OK);
	ck_assert_uint_eq(strlen(token), CRYPTO_TOKEN_LEN);
	ck_assert_int_eq(userlink_find(db, token, NOW + 10, &user, &purpose), ST_OK);
	ck_assert_int_eq(user, 2);
	ck_assert_int_eq(purpose, USERLINK_INVITE);
	ck_assert_int_eq(redeem(token, NOW + 20), ST_OK);
	ck_assert_int_eq(count("SELECT count(*) FROM users WHERE id = 2 AND "
			       "password_hash = '$scrypt$new'"), 1);
	ck_assert_int_eq(count("SELECT count(*) FROM audit_log WHERE action = 'user.set_password' "
			       "AND target = 'user:2' AND actor = 'new@example.com'"), 1);
	ck_assert_int_eq(count("SELECT count(*) FROM audit_log WHERE action = 'user.invite'"), 1);
	/* used: gone, for the page and for another try */
	ck_assert_int_eq(userlink_find(db, token, NOW + 30, &user, &purpose), ST_GONE);
	ck_assert_int_eq(redeem(token, NOW + 30), ST_GONE);
	ck_assert_int_eq(count("SELECT count(*) FROM audit_log WHERE action = 'user.set_password'"), 1);
}
END_TEST

START_TEST(a_link_expires_after_72_hours)
{
	char token[CRYPTO_TOKEN_LEN + 1];
	enum userlink_purpose purpose;
	long long user;

	ck_assert_int_eq(issue(2, USERLINK_INVITE, NULL, NOW, token), ST_OK);
	ck_assert_int_eq(userlink_find(db, token, NOW + USERLINK_VALID_SECONDS - 1, &user, &purpose),
			 ST_OK);
	ck_assert_int_eq(userlink_find(db, token, NOW + USERLINK_VALID_SECONDS, &user, &purpose),
			 ST_GONE);
	ck_assert_int_eq(redeem(token, NOW + USERLINK_VALID_SECONDS), ST_GONE);
	ck_assert_int_eq(count("SELECT count(*) FROM users WHERE password_hash = '$scrypt$new'"), 0);
}
END_TEST

START_TEST(a_forged_token_is_unknown)
{
	char token[CRYPTO_TOKEN_LEN + 1], forged[CRYPTO_TOKEN_LEN + 1];
	enum userlink_purpose purpose;
	long long user;

	ck_assert_int_eq(issue(2, USERLINK_INVITE, NULL, NOW, token), ST_OK);
	memcpy(forged, token, sizeof(forged));
	forged[0] = forged[0] == 'A' ? 'B' : 'A';
	ck_assert_int_eq(userlink_find(db, forged, NOW, &user, &purpose), ST_NOT_FOUND);
	ck_assert_int_eq(userlink_find(db, "", NOW, &user, &purpose), ST_NOT_FOUND);
	ck_assert_int_eq(userlink_find(db, "../../etc/passwd", NOW, &user, &purpose), ST_NOT_FOUND);
	ck_assert_int_eq(redeem(forged, NOW), ST_NOT_FOUND);
	ck_assert_int_eq(count("SELECT count(*) FROM users WHERE password_hash = '$scrypt$new'"), 0);
}
END_TEST

START_TEST(a_new_link_replaces_the_old_one)
{
	char old[CRYPTO_TOKEN_LEN + 1], token[CRYPTO_TOKEN_LEN + 1];
	enum userlink_purpose purpose;
	long long user;

	ck_assert_int_eq(issue(2, USERLINK_INVITE, sealer, NOW, old), ST_OK);
	ck_assert_int_eq(issue(2, USERLINK_INVITE, sealer, NOW + 60, token), ST_OK);
	ck_assert_str_ne(old, token);
	ck_assert_int_eq(userlink_find(db, old, NOW + 61, &user, &purpose), ST_GONE);
	ck_assert_int_eq(userlink_find(db, token, NOW + 61, &user, &purpose), ST_OK);
	/* the old mail goes unsent, its sealed token dropped */
	ck_assert_int_eq(count("SELECT count(*) FROM outbox_jobs WHERE kind = 'email' AND "
			       "state = 'pending' AND sealed_token IS NOT NULL"), 1);
	ck_assert_int_eq(count("SELECT count(*) FROM outbox_jobs WHERE kind = 'email' AND "
			       "state = 'failed' AND sealed_token IS NULL"), 1);
}
END_TEST

START_TEST(a_reset_ends_every_session_of_its_person)
{
	char token[CRYPTO_TOKEN_LEN + 1];

	ck_assert_int_eq(issue(2, USERLINK_RESET, NULL, NOW, token), ST_OK);
	ck_assert_int_eq(count("SELECT count(*) FROM sessions WHERE user_id = 2"), 0);
	ck_assert_int_eq(count("SELECT count(*) FROM sessions"), 1);
	ck_assert_int_eq(count("SELECT count(*) FROM audit_log WHERE action = 'user.reset_link'"), 1);
}
END_TEST

START_TEST(the_mail_carries_the_token_sealed_for_its_link)
{
	char token[CRYPTO_TOKEN_LEN + 1], err[1024] = "";
	struct keyring *kr = keyring_load(&conf, err, sizeof(err));
	struct userlink_mail m;
	struct seal_context ctx;
	long long job, link;
	uint8_t *msg = NULL;
	size_t len = 0;

	ck_assert_msg(kr != NULL, "%s", err);
	ck_assert_int_eq(issue(2, USERLINK_INVITE, sealer, NOW, token), ST_OK);
	ck_assert_int_eq(db_take_after_commit(db) != 0, 1);
	job = count("SELECT id FROM outbox_jobs WHERE kind = 'email'");
	link = count("SELECT json_extract(payload, '$.link') FROM outbox_jobs WHERE kind = 'email'");
	ck_assert_int_eq(link, count("SELECT id FROM user_links"));
	ck_assert_int_eq(userlink_for_mail(db, job, link, NOW + 1, &m), ST_OK);
	ck_assert_int_eq(m.usable, 1);
	ck_assert_str_eq(m.email, "new@example.com");
	ck_assert_str_eq(m.language, "fr");
	ck_assert_int_eq(m.purpose, USERLINK_INVITE);
	userlink_seal_context(link, m.email, m.purpose, &ctx);
	ck_assert_int_eq(keyring_open(kr, &ctx, m.sealed_token, m.sealed_token_len, &msg, &len),
			 SEAL_OK);
	ck_assert_str_eq((const char *)msg, token);
	free(msg);
	/* bound to its link: another link's context, or a reset's, does not open it */
	userlink_seal_context(link + 1, m.email, m.purpose, &ctx);
	ck_assert_int_eq(keyring_open(kr, &ctx, m.sealed_token, m.sealed_token_len, &msg, &len),
			 SEAL_NOT_OPENED);
	userlink_seal_context(link, m.email, USERLINK_RESET, &ctx);
	ck_assert_int_eq(keyring_open(kr, &ctx, m.sealed_token, m.sealed_token_len, &msg, &len),
			 SEAL_NOT_OPENED);
	userlink_mail_clear(&m);
	/* used: no longer worth mailing */
	ck_assert_int_eq(redeem(token, NOW + 2), ST_OK);
	ck_assert_int_eq(userlink_for_mail(db, job, link, NOW + 3, &m), ST_OK);
	ck_assert_int_eq(m.usable, 0);
	userlink_mail_clear(&m);
	keyring_free(kr);
}
END_TEST

/* The file, its WAL and its journal, searched for the token's bytes. */
static int token_on_disk(const char *token)
{
	static const char *const files[] = { "links.db", "links.db-wal", "links.db-journal" };
	int found = 0;

	for (size_t i = 0; i < ARRAY_LEN(files); i++) {
		char *path = testlib_in_tmpdir(files[i]);
		FILE *f = fopen(path, "rb");
		char *data;
		long size;

		free(path);
		if (f == NULL)
			continue;
		fseek(f, 0, SEEK_END);
		size = ftell(f);
		rewind(f);
		data = xmalloc((size_t)size + 1);
		ck_assert_int_eq(fread(data, 1, (size_t)size, f), (size_t)size);
		fclose(f);
		for (long at = 0; at + CRYPTO_TOKEN_LEN <= size; at++)
			if (memcmp(data + at, token, CRYPTO_TOKEN_LEN) == 0)
				found = 1;
		free(data);
	}
	return found;
}

START_TEST(only_the_hash_is_stored)
{
	char invite[CRYPTO_TOKEN_LEN + 1], reset[CRYPTO_TOKEN_LEN + 1];

	ck_assert_int_eq(issue(2, USERLINK_INVITE, sealer, NOW, invite), ST_OK);
	ck_assert_int_eq(issue(1, USERLINK_RESET, NULL, NOW, reset), ST_OK);
	ck_assert_int_eq(redeem(reset, NOW + 1), ST_OK);
	ck_assert_int_eq(count("SELECT count(*) FROM user_links WHERE length(token_hash) = 32"), 2);
	ck_assert_int_eq(token_on_disk(invite), 0);
	ck_assert_int_eq(token_on_disk(reset), 0);
}
END_TEST

START_TEST(an_unknown_person_gets_no_link)
{
	char token[CRYPTO_TOKEN_LEN + 1];

	ck_assert_int_eq(issue(99, USERLINK_INVITE, sealer, NOW, token), ST_NOT_FOUND);
	ck_assert_int_eq(count("SELECT count(*) FROM user_links"), 0);
	ck_assert_int_eq(count("SELECT count(*) FROM outbox_jobs"), 0);
}
END_TEST

START_TEST(a_deactivated_persons_link_opens_nothing)
{
	char token[CRYPTO_TOKEN_LEN + 1];
	enum userlink_purpose purpose;
	long long user;

	ck_assert_int_eq(issue(2, USERLINK_INVITE, NULL, NOW, token), ST_OK);
	exec("UPDATE users SET deactivated = 1 WHERE id = 2");
	ck_assert_int_eq(userlink_find(db, token, NOW + 1, &user, &purpose), ST_GONE);
	ck_assert_int_eq(redeem(token, NOW + 1), ST_GONE);
}
END_TEST

Suite *userlink_suite(void)
{
	Suite *s = suite_create("userlink");
	TCase *tc = tcase_create("userlink");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, an_invitation_opens_once);
	tcase_add_test(tc, a_link_expires_after_72_hours);
	tcase_add_test(tc, a_forged_token_is_unknown);
	tcase_add_test(tc, a_new_link_replaces_the_old_one);
	tcase_add_test(tc, a_reset_ends_every_session_of_its_person);
	tcase_add_test(tc, the_mail_carries_the_token_sealed_for_its_link);
	tcase_add_test(tc, only_the_hash_is_stored);
	tcase_add_test(tc, an_unknown_person_gets_no_link);
	tcase_add_test(tc, a_deactivated_persons_link_opens_nothing);
	suite_add_tcase(s, tc);
	return s;
}
