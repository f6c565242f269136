/* check_keyring.c — unit tests of cgi/lib/keyring: private keys by id, a rotation
 * that can never lose one, and the web programs' start-up check and sealer. */
#include "config.h"

#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "keyring.h"
#include "suites.h"
#include "testlib.h"
#include "util.h"

static struct conf conf;

static void make_ring_folder(void)
{
	testlib_make_tmpdir("ipring");
	memset(&conf, 0, sizeof(conf));
	conf.public_key_file = testlib_in_tmpdir("seal.pub");
	conf.private_key_file = testlib_in_tmpdir("seal.key");
}

static void remove_ring_folder(void)
{
	free(conf.public_key_file);
	free(conf.private_key_file);
	testlib_remove_tmpdir();
}

static void init_ok(char id[KEYRING_ID_HEX])
{
	char err[1024] = "";
	int created;

	ck_assert_msg(keyring_init(&conf, &created, id, err, sizeof(err)) == 0, "%s", err);
}

static struct keyring *load_ok(void)
{
	char err[1024] = "";
	struct keyring *kr = keyring_load(&conf, err, sizeof(err));

	ck_assert_msg(kr != NULL, "%s", err);
	return kr;
}

static void newest_hex(char out[KEYRING_ID_HEX])
{
	struct keyring *kr = load_ok();
	uint8_t id[SEAL_KEY_ID_LEN];

	seal_key_id(keyring_newest(kr), id);
	seal_id_hex(id, out);
	keyring_free(kr);
}

static void rotate_ok(char id[KEYRING_ID_HEX])
{
	char err[1024] = "";

	ck_assert_msg(keyring_rotate(&conf, id, err, sizeof(err)) == 0, "%s", err);
}

/* The names in the folder, sorted, space-separated. */
static char *listing(void)
{
	struct dirent **names;
	int n = scandir(testlib_tmpdir(), &names, NULL, alphasort);
	struct buf b;

	ck_assert_int_ge(n, 0);
	buf_init(&b);
	for (int i = 0; i < n; i++) {
		if (names[i]->d_name[0] != '.') {
			if (b.len > 0)
				buf_putc(&b, ' ');
			buf_puts(&b, names[i]->d_name);
		}
		free(names[i]);
	}
	free(names);
	return buf_take(&b);
}

static char *ring_file(const char *id)
{
	return xasprintf("%s.%s", conf.private_key_file, id);
}

static const struct seal_context row = { 3, "google", "a@example.com", "", 0 };

static uint8_t *seal_with_public(size_t *len)
{
	struct seal_key *pub;
	char err[512] = "";
	uint8_t *box;

	pub = seal_load_public(conf.public_key_file, err, sizeof(err));
	ck_assert_msg(pub != NULL, "%s", err);
	ck_assert_int_eq(seal_box(pub, &row, (const uint8_t *)"token", 5, &box, len), 0);
	seal_key_free(pub);
	return box;
}

static void opens_with_ring(const uint8_t *box, size_t len)
{
	struct keyring *kr = load_ok();
	uint8_t *msg;
	size_t msg_len;

	ck_assert_int_eq(keyring_open(kr, &row, box, len, &msg, &msg_len), SEAL_OK);
	ck_assert_str_eq((char *)msg, "token");
	free(msg);
	keyring_free(kr);
}

static int file_mode(const char *path)
{
	struct stat st;

	ck_assert_int_eq(stat(path, &st), 0);
	return (int)(st.st_mode & 07777);
}

START_TEST(init_files_the_private_key_under_its_id)
{
	char id[KEYRING_ID_HEX], newest[KEYRING_ID_HEX], *names, *want, *path;

	init_ok(id);
	ck_assert_uint_eq(strlen(id), 16);
	names = listing();
	want = xasprintf("seal.key.%s seal.pub", id);
	ck_assert_str_eq(names, want);
	path = ring_file(id);
	ck_assert_int_eq(file_mode(path), 0600);
	ck_assert_int_eq(file_mode(conf.public_key_file), 0644);
	newest_hex(newest);
	ck_assert_str_eq(newest, id);
	free(path);
	free(want);
	free(names);
}
END_TEST

START_TEST(init_again_changes_nothing)
{
	char id[KEYRING_ID_HEX], again[KEYRING_ID_HEX], *before, *after;
	int created;
	char err[512];

	init_ok(id);
	before = listing();
	ck_assert_msg(keyring_init(&conf, &created, again, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(created, 0);
	after = listing();
	ck_assert_str_eq(before, after);
	free(before);
	free(after);
}
END_TEST

/* A deployment from before the keyring has its key at Keys.private_file. */
START_TEST(init_adopts_a_key_from_before_the_keyring)
{
	char err[512] = "", id[KEYRING_ID_HEX], newest[KEYRING_ID_HEX], *names, *want;
	uint8_t *box;
	size_t len;
	int created;

	ck_assert_msg(seal_generate_keys(conf.private_key_file, conf.public_key_file, err,
					 sizeof(err)) == 0,
		      "%s", err);
	box = seal_with_public(&len);
	/* Before adoption it is already a key of the ring. */
	opens_with_ring(box, len);
	ck_assert_msg(keyring_init(&conf, &created, id, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(created, 0);
	newest_hex(newest);
	names = listing();
	want = xasprintf("seal.key.%s seal.pub", newest);
	ck_assert_str_eq(names, want);
	opens_with_ring(box, len);
	free(want);
	free(names);
	free(box);
}
END_TEST

START_TEST(rotation_keeps_the_old_key_and_its_boxes_open)
{
	char first[KEYRING_ID_HEX], second[KEYRING_ID_HEX], newest[KEYRING_ID_HEX], *path;
	uint8_t *old_box, *new_box, id[SEAL_KEY_ID_LEN];
	size_t old_len, new_len;
	struct keyring *kr;

	init_ok(first);
	old_box = seal_with_public(&old_len);
	rotate_ok(second);
	ck_assert_str_ne(first, second);
	newest_hex(newest);
	ck_assert_str_eq(newest, second);
	new_box = seal_with_public(&new_len);
	ck_assert_int_eq(seal_box_header(new_box, new_len, id), 2);
	seal_id_hex(id, newest);
	ck_assert_str_eq(newest, second);
	/* A program that read the public key before the rotation still seals for a
	 * key that is kept. */
	opens_with_ring(old_box, old_len);
	opens_with_ring(new_box, new_len);
	kr = load_ok();
	ck_assert_uint_eq(keyring_count(kr), 2);
	keyring_free(kr);
	path = ring_file(second);
	ck_assert_int_eq(file_mode(path), 0600);
	free(path);
	free(old_box);
	free(new_box);
}
END_TEST

/* A crash (here SIGKILL, in a child) at either point of a rotation leaves the
 * public key naming a key of the ring, and every box still opens. */
START_TEST(a_crash_anywhere_in_a_rotation_loses_no_key)
{
	static const char *const points[] = { "after-private", "after-public" };
	char first[KEYRING_ID_HEX], after[KEYRING_ID_HEX], id[KEYRING_ID_HEX];
	uint8_t *box;
	size_t len;
	struct keyring *kr;
	int status;
	pid_t pid;

	init_ok(first);
	box = seal_with_public(&len);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		char err[512];

		setenv("INBOXPANEL_TEST_REKEY_CRASH", points[_i], 1);
		keyring_rotate(&conf, id, err, sizeof(err));
		_exit(0);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	kr = load_ok();
	ck_assert_uint_eq(keyring_count(kr), 2);
	keyring_free(kr);
	newest_hex(after);
	if (_i == 0)
		ck_assert_str_eq(after, first);
	else
		ck_assert_str_ne(after, first);
	opens_with_ring(box, len);
	free(box);
	/* What is sealed now opens too, and a rotation runs again. */
	box = seal_with_public(&len);
	opens_with_ring(box, len);
	rotate_ok(id);
	opens_with_ring(box, len);
	free(box);
}
END_TEST

/* The failure the keyring exists for: a public key whose private key is gone.
 * Every way in notices it before anything is sealed. */
START_TEST(a_public_key_without_its_private_key_is_refused)
{
	char id[KEYRING_ID_HEX], err[1024] = "", *path;
	struct keyring_sealer *sealer;
	int created;

	/* A ring with keys A and B, the public file naming B, and B's private key
	 * gone (deleted by hand, or lost by a tool that wrote the public file first). */
	init_ok(id);
	rotate_ok(id);
	path = ring_file(id);
	ck_assert_int_eq(unlink(path), 0);

	ck_assert_ptr_null(keyring_load(&conf, err, sizeof(err)));
	ck_assert_msg(strstr(err, "no private key in the keyring") != NULL, "unclear: %s", err);
	ck_assert_msg(strstr(err, path) != NULL, "does not name the file: %s", err);
	err[0] = '\0';
	ck_assert_int_ne(keyring_init(&conf, &created, id, err, sizeof(err)), 0);
	ck_assert_msg(strstr(err, "no private key in the keyring") != NULL, "unclear: %s", err);
	conf.keys_single_user = 1;
	err[0] = '\0';
	ck_assert_int_ne(keyring_check_web(&conf, err, sizeof(err)), 0);
	ck_assert_msg(strstr(err, "no private key in the keyring") != NULL, "unclear: %s", err);
	sealer = keyring_sealer_new(&conf, err, sizeof(err));
	ck_assert_ptr_null(sealer);
	conf.keys_single_user = 0;
	free(path);
}
END_TEST

START_TEST(a_key_file_under_another_id_is_refused)
{
	char id[KEYRING_ID_HEX], err[1024] = "", *path, *wrong;

	init_ok(id);
	path = ring_file(id);
	wrong = ring_file("0123456789abcdef");
	ck_assert_int_eq(link(path, wrong), 0);
	ck_assert_ptr_null(keyring_load(&conf, err, sizeof(err)));
	ck_assert_msg(strstr(err, wrong) != NULL && strstr(err, "not the one its name says"),
		      "unclear: %s", err);
	unlink(wrong);
	free(wrong);
	free(path);
}
END_TEST

START_TEST(retire_removes_an_old_key_never_the_newest)
{
	char first[KEYRING_ID_HEX], second[KEYRING_ID_HEX], err[512] = "", *path;
	struct keyring *kr;
	uint8_t id[SEAL_KEY_ID_LEN];

	init_ok(first);
	rotate_ok(second);
	kr = load_ok();
	seal_key_id(keyring_newest(kr), id);
	ck_assert_int_ne(keyring_retire(&conf, id, err, sizeof(err)), 0);
	ck_assert_msg(strstr(err, "never retired") != NULL, "unclear: %s", err);
	for (size_t i = 0; i < keyring_count(kr); i++) {
		uint8_t other[SEAL_KEY_ID_LEN];

		seal_key_id(keyring_key(kr, i), other);
		if (memcmp(other, id, sizeof(id)) != 0)
			ck_assert_msg(keyring_retire(&conf, other, err, sizeof(err)) == 0, "%s", err);
	}
	keyring_free(kr);
	path = ring_file(first);
	ck_assert_int_ne(access(path, F_OK), 0);
	free(path);
	kr = load_ok();
	ck_assert_uint_eq(keyring_count(kr), 1);
	keyring_free(kr);
	ck_assert_int_ge(keyring_public_age(&conf), 0);
	ck_assert_int_lt(keyring_public_age(&conf), 60);
}
END_TEST

START_TEST(open_tells_an_unknown_key_from_a_box_that_does_not_open)
{
	char id[KEYRING_ID_HEX];
	struct seal_context other = row;
	struct keyring *kr;
	uint8_t *box, *msg;
	size_t len, msg_len;

	init_ok(id);
	box = seal_with_public(&len);
	kr = load_ok();
	other.connection_id = 4;
	ck_assert_int_eq(keyring_open(kr, &other, box, len, &msg, &msg_len), SEAL_NOT_OPENED);
	ck_assert_ptr_null(msg);
	box[1] ^= 0xff;
	ck_assert_int_eq(keyring_open(kr, &row, box, len, &msg, &msg_len), SEAL_UNKNOWN_KEY);
	ck_assert_ptr_null(msg);
	ck_assert_int_eq(keyring_open(kr, &row, box, 3, &msg, &msg_len), SEAL_NOT_OPENED);
	keyring_free(kr);
	free(box);
	ck_assert_str_eq(seal_status_text(SEAL_UNKNOWN_KEY), "unknown key id");
	ck_assert_str_eq(seal_status_text(SEAL_NOT_OPENED), "does not open");
}
END_TEST

/* --- the web programs ---------------------------------------------------------- */

/* Keys.single_user is off unless the configuration says 1, and nothing but 0 or 1. */
START_TEST(single_user_is_said_explicitly)
{
	static const char minimal[] = "Database.path = db\n"
				      "Site.base_url = https://x.example\n"
				      "Keys.public_file = seal.pub\n";
	struct conf loaded;
	char err[256] = "", *text, *path;

	path = testlib_write_file("a.hdf", minimal);
	ck_assert_msg(conf_load(path, &loaded, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(loaded.keys_single_user, 0);
	conf_free(&loaded);
	free(path);

	text = xasprintf("%sKeys.single_user = 1\n", minimal);
	path = testlib_write_file("b.hdf", text);
	ck_assert_msg(conf_load(path, &loaded, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(loaded.keys_single_user, 1);
	conf_free(&loaded);
	free(path);
	free(text);

	text = xasprintf("%sKeys.single_user = yes\n", minimal);
	path = testlib_write_file("c.hdf", text);
	ck_assert_int_ne(conf_load(path, &loaded, err, sizeof(err)), 0);
	ck_assert_msg(strstr(err, "Keys.single_user") != NULL, "unclear: %s", err);
	free(path);
	free(text);
}
END_TEST

/* This process owns the keys, so it stands for a web program run, wrongly, as the
 * keys' owner: refused, with the reason and the way out. */
START_TEST(web_check_refuses_a_program_that_can_read_a_private_key)
{
	char id[KEYRING_ID_HEX], err[1024] = "";

	init_ok(id);
	ck_assert_int_ne(keyring_check_web(&conf, err, sizeof(err)), 0);
	ck_assert_msg(strstr(err, "can read a private key") != NULL, "unclear: %s", err);
	ck_assert_msg(strstr(err, "Keys.single_user") != NULL, "no way out: %s", err);
	/* Single-user hosting says so, and is let through. */
	conf.keys_single_user = 1;
	ck_assert_msg(keyring_check_web(&conf, err, sizeof(err)) == 0, "%s", err);
	conf.keys_single_user = 0;
}
END_TEST

START_TEST(web_check_refuses_a_malformed_public_key)
{
	char id[KEYRING_ID_HEX], err[1024] = "";
	FILE *fp;

	init_ok(id);
	conf.keys_single_user = 1;
	ck_assert_int_eq(unlink(conf.public_key_file), 0);
	fp = fopen(conf.public_key_file, "w");
	ck_assert_ptr_nonnull(fp);
	fputs("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n", fp);
	fclose(fp);
	chmod(conf.public_key_file, 0644);
	ck_assert_int_ne(keyring_check_web(&conf, err, sizeof(err)), 0);
	ck_assert_msg(strstr(err, conf.public_key_file) != NULL, "unclear: %s", err);
	conf.keys_single_user = 0;
}
END_TEST

/* A program left running across a rotation seals for the new key without being
 * restarted. */
START_TEST(sealer_follows_a_rotation_without_a_restart)
{
	char first[KEYRING_ID_HEX], second[KEYRING_ID_HEX], hex[KEYRING_ID_HEX], err[512] = "";
	struct keyring_sealer *sealer;
	uint8_t *box, id[SEAL_KEY_ID_LEN];
	size_t len;

	init_ok(first);
	sealer = keyring_sealer_new(&conf, err, sizeof(err));
	ck_assert_msg(sealer != NULL, "%s", err);
	ck_assert_int_eq(keyring_sealer_box(sealer, &row, (const uint8_t *)"token", 5, &box, &len,
					    err, sizeof(err)),
			 0);
	keyring_sealer_id(sealer, id);
	seal_id_hex(id, hex);
	ck_assert_str_eq(hex, first);
	opens_with_ring(box, len);
	free(box);

	rotate_ok(second);
	ck_assert_int_eq(keyring_sealer_box(sealer, &row, (const uint8_t *)"token", 5, &box, &len,
					    err, sizeof(err)),
			 0);
	ck_assert_int_eq(seal_box_header(box, len, id), 2);
	seal_id_hex(id, hex);
	ck_assert_str_eq(hex, second);
	opens_with_ring(box, len);
	free(box);
	keyring_sealer_free(sealer);
}
END_TEST

/* A public key file replaced by one whose private key the ring does not have
 * (a stray key pair copied in): the sealer stops rather than seal with it, or
 * with the key it read before. */
START_TEST(sealer_stops_at_a_public_key_the_ring_lacks)
{
	char id[KEYRING_ID_HEX], err[1024] = "";
	char *stray_priv = testlib_in_tmpdir("stray.key"), *stray_pub = testlib_in_tmpdir("stray.pub");
	struct keyring_sealer *sealer;
	uint8_t *box;
	size_t len;

	init_ok(id);
	sealer = keyring_sealer_new(&conf, err, sizeof(err));
	ck_assert_msg(sealer != NULL, "%s", err);
	ck_assert_msg(seal_generate_keys(stray_priv, stray_pub, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(rename(stray_pub, conf.public_key_file), 0);
	ck_assert_int_ne(keyring_sealer_box(sealer, &row, (const uint8_t *)"token", 5, &box, &len,
					    err, sizeof(err)),
			 0);
	ck_assert_ptr_null(box);
	ck_assert_msg(strstr(err, "no private key in the keyring") != NULL, "unclear: %s", err);
	keyring_sealer_free(sealer);
	free(stray_priv);
	free(stray_pub);
}
END_TEST

Suite *keyring_suite(void)
{
	Suite *s = suite_create("keyring");
	TCase *ring = tcase_create("ring");
	TCase *web = tcase_create("web");

	tcase_add_checked_fixture(ring, make_ring_folder, remove_ring_folder);
	tcase_add_test(ring, init_files_the_private_key_under_its_id);
	tcase_add_test(ring, init_again_changes_nothing);
	tcase_add_test(ring, init_adopts_a_key_from_before_the_keyring);
	tcase_add_test(ring, rotation_keeps_the_old_key_and_its_boxes_open);
	tcase_add_loop_test(ring, a_crash_anywhere_in_a_rotation_loses_no_key, 0, 2);
	tcase_add_test(ring, a_public_key_without_its_private_key_is_refused);
	tcase_add_test(ring, a_key_file_under_another_id_is_refused);
	tcase_add_test(ring, retire_removes_an_old_key_never_the_newest);
	tcase_add_test(ring, open_tells_an_unknown_key_from_a_box_that_does_not_open);
	tcase_set_timeout(ring, 60);
	suite_add_tcase(s, ring);

	tcase_add_checked_fixture(web, make_ring_folder, remove_ring_folder);
	tcase_add_test(web, single_user_is_said_explicitly);
	tcase_add_test(web, web_check_refuses_a_program_that_can_read_a_private_key);
	tcase_add_test(web, web_check_refuses_a_malformed_public_key);
	tcase_add_test(web, sealer_follows_a_rotation_without_a_restart);
	tcase_add_test(web, sealer_stops_at_a_public_key_the_ring_lacks);
	tcase_set_timeout(web, 60);
	suite_add_tcase(s, web);
	return s;
}
