/* check_seal.c — unit tests of cgi/lib/seal: sealed boxes and their key files. */
#include "config.h"

#include <dirent.h>
#include <fcntl.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conn.h"
#include "crypto.h"
#include "db_sql.h"
#include "seal.h"
#include "seal_store.h"
#include "suites.h"
#include "testlib.h"
#include "util.h"

#define OVERHEAD (1 + 8 + 32 + 12 + 16)

/* One folder per test case, made before its tests run and removed after, even
 * when a test fails: Check runs unchecked fixtures in the parent process. */
static char *private_a, *public_a, *private_b, *public_b;

static void make_tmpdir_and_keys(void)
{
	char err[256];

	testlib_make_tmpdir("ipseal");
	private_a = testlib_in_tmpdir("a.key");
	public_a = testlib_in_tmpdir("a.pub");
	private_b = testlib_in_tmpdir("b.key");
	public_b = testlib_in_tmpdir("b.pub");
	ck_assert_msg(seal_generate_keys(private_a, public_a, err, sizeof(err)) == 0, "%s", err);
	ck_assert_msg(seal_generate_keys(private_b, public_b, err, sizeof(err)) == 0, "%s", err);
}

static void remove_tmpdir_and_keys(void)
{
	testlib_remove_tmpdir();
	free(private_a);
	free(public_a);
	free(private_b);
	free(public_b);
}

static size_t files_in_tmpdir(void)
{
	DIR *dir = opendir(testlib_tmpdir());
	struct dirent *e;
	size_t n = 0;

	ck_assert_ptr_nonnull(dir);
	while ((e = readdir(dir)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(dir);
	return n;
}

static struct seal_key *load_public(const char *path)
{
	char err[256] = "";
	struct seal_key *key = seal_load_public(path, err, sizeof(err));

	ck_assert_msg(key != NULL, "%s", err);
	return key;
}

static struct seal_key *load_private(const char *path)
{
	char err[256] = "";
	struct seal_key *key = seal_load_private(path, err, sizeof(err));

	ck_assert_msg(key != NULL, "%s", err);
	return key;
}

static void seal_ok(const struct seal_key *key, const void *msg, size_t len, uint8_t **box,
		    size_t *box_len)
{
	ck_assert_int_eq(seal_box(key, msg, len, box, box_len), 0);
	ck_assert_uint_eq(*box_len, len + OVERHEAD);
}

/* seal_open must fail and say so by leaving nothing in *msg. */
static void assert_refused(const struct seal_key *key, const uint8_t *box, size_t box_len)
{
	uint8_t *msg = (uint8_t *)"not touched";
	size_t msg_len = 1234;

	ck_assert_int_eq(seal_open(key, box, box_len, &msg, &msg_len), -1);
	ck_assert_ptr_null(msg);
	ck_assert_uint_eq(msg_len, 0);
}

static void write_file(const char *path, mode_t mode, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, mode);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	ck_assert_int_eq(fchmod(fd, mode), 0);
	close(fd);
}

/* --- boxes ------------------------------------------------------------------- */

static const size_t round_trip_sizes[] = { 0, 1, 15, 16, 17, 43, 1000, 65536 };

START_TEST(round_trip_returns_the_message)
{
	struct seal_key *pub = load_public(public_a), *priv = load_private(private_a);
	size_t len = round_trip_sizes[_i], box_len, msg_len;
	uint8_t *data = xmalloc(len), *box, *msg;

	for (size_t i = 0; i < len; i++)
		data[i] = (uint8_t)(i * 131 + 7);
	seal_ok(pub, data, len, &box, &box_len);
	ck_assert_int_eq(seal_open(priv, box, box_len, &msg, &msg_len), 0);
	ck_assert_uint_eq(msg_len, len);
	ck_assert_mem_eq(msg, data, len);
	ck_assert_uint_eq(msg[len], '\0');
	free(msg);
	free(box);
	free(data);
	seal_key_free(pub);
	seal_key_free(priv);
}
END_TEST

START_TEST(private_key_seals_too)
{
	struct seal_key *priv = load_private(private_a);
	uint8_t *box, *msg;
	size_t box_len, msg_len;

	seal_ok(priv, "refresh", 7, &box, &box_len);
	ck_assert_int_eq(seal_open(priv, box, box_len, &msg, &msg_len), 0);
	ck_assert_str_eq((char *)msg, "refresh");
	free(msg);
	free(box);
	seal_key_free(priv);
}
END_TEST

/* Reads path's X25519 public key with OpenSSL directly, as another program would. */
static EVP_PKEY *read_pem_public(const char *path, uint8_t raw[32])
{
	FILE *fp = fopen(path, "r");
	EVP_PKEY *pkey;
	size_t len = 32;

	ck_assert_ptr_nonnull(fp);
	pkey = PEM_read_PUBKEY(fp, NULL, NULL, NULL);
	fclose(fp);
	ck_assert_ptr_nonnull(pkey);
	ck_assert_int_eq(EVP_PKEY_get_raw_public_key(pkey, raw, &len), 1);
	ck_assert_uint_eq(len, 32);
	return pkey;
}

static EVP_PKEY *read_pem_private(const char *path)
{
	FILE *fp = fopen(path, "r");
	EVP_PKEY *pkey;

	ck_assert_ptr_nonnull(fp);
	pkey = PEM_read_PrivateKey(fp, NULL, NULL, NULL);
	fclose(fp);
	ck_assert_ptr_nonnull(pkey);
	return pkey;
}

/* The AES key of a version 1 box, derived from the description in seal.h. */
static void documented_aes_key(EVP_PKEY *own, EVP_PKEY *peer, const uint8_t eph_pub[32],
			       const uint8_t recipient_pub[32], uint8_t out[32])
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, own, NULL);
	uint8_t shared[32], salt[64];
	size_t shared_len = sizeof(shared);
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	EVP_KDF_CTX *kctx = EVP_KDF_CTX_new(kdf);
	OSSL_PARAM params[5];

	ck_assert_int_eq(EVP_PKEY_derive_init(ctx), 1);
	ck_assert_int_eq(EVP_PKEY_derive_set_peer(ctx, peer), 1);
	ck_assert_int_eq(EVP_PKEY_derive(ctx, shared, &shared_len), 1);
	memcpy(salt, eph_pub, 32);
	memcpy(salt + 32, recipient_pub, 32);
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA256", 0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, shared, 32);
	params[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, salt, 64);
	params[3] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO,
						      (char *)"inboxpanel seal v1", 18);
	params[4] = OSSL_PARAM_construct_end();
	ck_assert_int_eq(EVP_KDF_derive(kctx, out, 32, params), 1);
	EVP_KDF_CTX_free(kctx);
	EVP_KDF_free(kdf);
	EVP_PKEY_CTX_free(ctx);
}

START_TEST(box_starts_with_version_and_key_id)
{
	struct seal_key *pub = load_public(public_a);
	uint8_t raw[32], hash[32], *box;
	size_t box_len;
	EVP_PKEY *pkey = read_pem_public(public_a, raw);

	crypto_sha256(raw, sizeof(raw), hash);
	seal_ok(pub, "x", 1, &box, &box_len);
	ck_assert_uint_eq(box[0], 0x01);
	ck_assert_mem_eq(box + 1, hash, 8);
	free(box);
	EVP_PKEY_free(pkey);
	seal_key_free(pub);
}
END_TEST

/* Opens a box from seal_box with nothing but OpenSSL and the format in seal.h, so
 * a change to the format cannot pass unnoticed by round trips alone. */
START_TEST(box_follows_the_documented_format)
{
	static const char text[] = "ya29.a0-access-token";
	struct seal_key *pub = load_public(public_a);
	EVP_PKEY *priv = read_pem_private(private_a), *eph;
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	uint8_t raw[32], aes_key[32], out[sizeof(text)], *box;
	size_t box_len, len = sizeof(text) - 1;
	EVP_PKEY *recipient = read_pem_public(public_a, raw);
	int n;

	seal_ok(pub, text, len, &box, &box_len);
	eph = EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, NULL, box + 9, 32);
	ck_assert_ptr_nonnull(eph);
	documented_aes_key(priv, eph, box + 9, raw, aes_key);
	ck_assert_int_eq(EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, aes_key, box + 41), 1);
	ck_assert_int_eq(EVP_DecryptUpdate(ctx, NULL, &n, box, 41), 1);
	ck_assert_int_eq(EVP_DecryptUpdate(ctx, out, &n, box + 53, (int)len), 1);
	ck_assert_int_eq(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, 16, box + 53 + len), 1);
	ck_assert_int_eq(EVP_DecryptFinal_ex(ctx, out + len, &n), 1);
	ck_assert_mem_eq(out, text, len);
	EVP_CIPHER_CTX_free(ctx);
	EVP_PKEY_free(eph);
	EVP_PKEY_free(recipient);
	EVP_PKEY_free(priv);
	free(box);
	seal_key_free(pub);
}
END_TEST

/* The other way: a box built by hand to the format in seal.h opens. */
START_TEST(documented_format_opens)
{
	static const char text[] = "1//0refresh-token";
	struct seal_key *priv = load_private(private_a);
	EVP_PKEY *eph = EVP_PKEY_Q_keygen(NULL, NULL, "X25519");
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	uint8_t raw[32], hash[32], aes_key[32], box[OVERHEAD + sizeof(text)], *msg;
	size_t len = sizeof(text) - 1, eph_len = 32, msg_len;
	EVP_PKEY *recipient = read_pem_public(public_a, raw);
	int n;

	crypto_sha256(raw, sizeof(raw), hash);
	box[0] = 0x01;
	memcpy(box + 1, hash, 8);
	ck_assert_int_eq(EVP_PKEY_get_raw_public_key(eph, box + 9, &eph_len), 1);
	ck_assert_int_eq(crypto_random(box + 41, 12), 0);
	documented_aes_key(eph, recipient, box + 9, raw, aes_key);
	ck_assert_int_eq(EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, aes_key, box + 41), 1);
	ck_assert_int_eq(EVP_EncryptUpdate(ctx, NULL, &n, box, 41), 1);
	ck_assert_int_eq(EVP_EncryptUpdate(ctx, box + 53, &n, (const uint8_t *)text, (int)len),
			 1);
	ck_assert_int_eq(EVP_EncryptFinal_ex(ctx, box + 53 + len, &n), 1);
	ck_assert_int_eq(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, 16, box + 53 + len), 1);

	ck_assert_int_eq(seal_open(priv, box, OVERHEAD + len, &msg, &msg_len), 0);
	ck_assert_str_eq((char *)msg, text);
	free(msg);
	EVP_CIPHER_CTX_free(ctx);
	EVP_PKEY_free(recipient);
	EVP_PKEY_free(eph);
	seal_key_free(priv);
}
END_TEST

START_TEST(any_flipped_bit_is_refused)
{
	struct seal_key *priv = load_private(private_a);
	uint8_t *box;
	size_t box_len;

	seal_ok(priv, "token", 5, &box, &box_len);
	for (size_t i = 0; i < box_len; i++) {
		for (int bit = 0; bit < 8; bit++) {
			box[i] ^= (uint8_t)(1u << bit);
			assert_refused(priv, box, box_len);
			box[i] ^= (uint8_t)(1u << bit);
		}
	}
	free(box);
	seal_key_free(priv);
}
END_TEST

START_TEST(box_for_another_key_is_refused)
{
	struct seal_key *pub_a = load_public(public_a), *priv_b = load_private(private_b);
	struct seal_key *pub_b = load_public(public_b);
	uint8_t *box, *box_b;
	size_t box_len, box_b_len;

	seal_ok(pub_a, "token", 5, &box, &box_len);
	assert_refused(priv_b, box, box_len);
	/* Passing B's key id does not help: it is bound into the tag and the key. */
	seal_ok(pub_b, "", 0, &box_b, &box_b_len);
	memcpy(box + 1, box_b + 1, 8);
	assert_refused(priv_b, box, box_len);
	free(box_b);
	free(box);
	seal_key_free(pub_a);
	seal_key_free(pub_b);
	seal_key_free(priv_b);
}
END_TEST

START_TEST(truncated_box_is_refused)
{
	struct seal_key *priv = load_private(private_a);
	uint8_t *box;
	size_t box_len;

	seal_ok(priv, "token", 5, &box, &box_len);
	/* Each length on its own allocation, so the sanitizers catch a read past it. */
	for (size_t len = 0; len < box_len; len++) {
		uint8_t *part = xmalloc(len);

		memcpy(part, box, len);
		assert_refused(priv, part, len);
		free(part);
	}
	free(box);
	seal_key_free(priv);
}
END_TEST

START_TEST(unknown_version_is_refused)
{
	static const uint8_t versions[] = { 0x00, 0x02, 0x81, 0xff };
	struct seal_key *priv = load_private(private_a);
	uint8_t *box;
	size_t box_len;

	seal_ok(priv, "token", 5, &box, &box_len);
	for (size_t i = 0; i < sizeof(versions); i++) {
		box[0] = versions[i];
		assert_refused(priv, box, box_len);
	}
	free(box);
	seal_key_free(priv);
}
END_TEST

START_TEST(public_key_cannot_open)
{
	struct seal_key *pub = load_public(public_a);
	uint8_t *box;
	size_t box_len;

	seal_ok(pub, "token", 5, &box, &box_len);
	assert_refused(pub, box, box_len);
	free(box);
	seal_key_free(pub);
}
END_TEST

static int compare_12(const void *a, const void *b)
{
	return memcmp(a, b, 12);
}

static int compare_32(const void *a, const void *b)
{
	return memcmp(a, b, 32);
}

static int compare_box(const void *a, const void *b)
{
	return memcmp(*(uint8_t *const *)a, *(uint8_t *const *)b, OVERHEAD + 5);
}

/* A repeated nonce under one GCM key, or a repeated ephemeral key, would undo the
 * scheme; 1000 seals of one message must all differ in both. */
START_TEST(seals_never_repeat_nonce_or_ephemeral_key)
{
	enum { SEALS = 1000 };
	struct seal_key *pub = load_public(public_a);
	uint8_t(*nonces)[12] = xmalloc(SEALS * sizeof(*nonces));
	uint8_t(*ephs)[32] = xmalloc(SEALS * sizeof(*ephs));
	uint8_t **boxes = xmalloc(SEALS * sizeof(*boxes));
	size_t box_len;

	for (size_t i = 0; i < SEALS; i++) {
		seal_ok(pub, "token", 5, &boxes[i], &box_len);
		memcpy(ephs[i], boxes[i] + 9, 32);
		memcpy(nonces[i], boxes[i] + 41, 12);
	}
	qsort(nonces, SEALS, sizeof(*nonces), compare_12);
	qsort(ephs, SEALS, sizeof(*ephs), compare_32);
	qsort(boxes, SEALS, sizeof(*boxes), compare_box);
	for (size_t i = 1; i < SEALS; i++) {
		ck_assert(memcmp(nonces[i - 1], nonces[i], 12) != 0);
		ck_assert(memcmp(ephs[i - 1], ephs[i], 32) != 0);
		ck_assert(memcmp(boxes[i - 1], boxes[i], OVERHEAD + 5) != 0);
	}
	for (size_t i = 0; i < SEALS; i++)
		free(boxes[i]);
	free(boxes);
	free(ephs);
	free(nonces);
	seal_key_free(pub);
}
END_TEST

/* --- key files --------------------------------------------------------------- */

static mode_t file_mode(const char *path)
{
	struct stat st;

	ck_assert_int_eq(stat(path, &st), 0);
	return st.st_mode & 07777;
}

static const mode_t umasks[] = { 022, 077, 0 };

START_TEST(generated_keys_have_modes_0600_and_0644)
{
	char *priv_path = testlib_in_tmpdir("new.key"), *pub_path = testlib_in_tmpdir("new.pub");
	size_t before = files_in_tmpdir();
	mode_t old = umask(umasks[_i]);
	char err[256];
	int rc = seal_generate_keys(priv_path, pub_path, err, sizeof(err));

	umask(old);
	ck_assert_msg(rc == 0, "%s", err);
	ck_assert_uint_eq(file_mode(priv_path), 0600);
	ck_assert_uint_eq(file_mode(pub_path), 0644);
	/* No temporary file is left behind. */
	ck_assert_uint_eq(files_in_tmpdir(), before + 2);
	unlink(priv_path);
	unlink(pub_path);
	free(priv_path);
	free(pub_path);
}
END_TEST

START_TEST(generated_keys_are_a_pair)
{
	struct seal_key *pub = load_public(public_b), *priv = load_private(private_b);
	uint8_t *box, *msg;
	size_t box_len, msg_len;

	seal_ok(pub, "token", 5, &box, &box_len);
	ck_assert_int_eq(seal_open(priv, box, box_len, &msg, &msg_len), 0);
	ck_assert_str_eq((char *)msg, "token");
	free(msg);
	free(box);
	seal_key_free(pub);
	seal_key_free(priv);
}
END_TEST

START_TEST(generation_refuses_to_overwrite)
{
	char *priv_path = testlib_in_tmpdir("kept.key"), *pub_path = testlib_in_tmpdir("kept.pub");
	char err[256] = "";
	size_t before;
	FILE *fp;
	char line[32];

	/* An existing private key: untouched, named, and no public key written. */
	write_file(priv_path, 0600, "precious\n");
	before = files_in_tmpdir();
	ck_assert_int_eq(seal_generate_keys(priv_path, pub_path, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, priv_path) != NULL, "err does not name the file: %s", err);
	ck_assert_ptr_null(strchr(err, '\n'));
	ck_assert_int_eq(access(pub_path, F_OK), -1);
	ck_assert_uint_eq(files_in_tmpdir(), before);
	fp = fopen(priv_path, "r");
	ck_assert_ptr_nonnull(fp);
	ck_assert_ptr_nonnull(fgets(line, sizeof(line), fp));
	fclose(fp);
	ck_assert_str_eq(line, "precious\n");
	unlink(priv_path);

	/* An existing public key: named, and no private key written. */
	write_file(pub_path, 0644, "public\n");
	ck_assert_int_eq(seal_generate_keys(priv_path, pub_path, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, pub_path) != NULL, "err does not name the file: %s", err);
	ck_assert_int_eq(access(priv_path, F_OK), -1);
	ck_assert_uint_eq(files_in_tmpdir(), before);
	unlink(pub_path);
	free(priv_path);
	free(pub_path);
}
END_TEST

START_TEST(loader_refuses_a_private_key_others_can_read)
{
	static const mode_t modes[] = { 0640, 0604, 0660, 0620, 0602 };
	char err[256];
	struct seal_key *key;

	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		ck_assert_int_eq(chmod(private_a, modes[i]), 0);
		err[0] = '\0';
		key = seal_load_private(private_a, err, sizeof(err));
		ck_assert_ptr_null(key);
		ck_assert_msg(strstr(err, private_a) != NULL, "err does not name the file: %s",
			      err);
		ck_assert_msg(strstr(err, "group or others") != NULL, "unclear: %s", err);
	}
	/* Owner read-only is fine. */
	ck_assert_int_eq(chmod(private_a, 0400), 0);
	key = load_private(private_a);
	seal_key_free(key);
	ck_assert_int_eq(chmod(private_a, 0600), 0);
}
END_TEST

static void write_pem(const char *path, mode_t mode, EVP_PKEY *pkey, int private,
		      const EVP_CIPHER *cipher)
{
	static unsigned char passphrase[] = "secret";
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, mode);
	FILE *fp;
	int ok;

	ck_assert_int_ge(fd, 0);
	fp = fdopen(fd, "w");
	ck_assert_ptr_nonnull(fp);
	if (private)
		ok = PEM_write_PrivateKey(fp, pkey, cipher, passphrase, 6, NULL, NULL);
	else
		ok = PEM_write_PUBKEY(fp, pkey);
	ck_assert_int_eq(ok, 1);
	ck_assert_int_eq(fclose(fp), 0);
}

START_TEST(loader_refuses_a_key_that_is_not_x25519)
{
	EVP_PKEY *ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	char *priv_path = testlib_in_tmpdir("ec.key"), *pub_path = testlib_in_tmpdir("ec.pub");
	char err[256] = "";

	ck_assert_ptr_nonnull(ec);
	write_pem(priv_path, 0600, ec, 1, NULL);
	write_pem(pub_path, 0644, ec, 0, NULL);

	ck_assert_ptr_null(seal_load_private(priv_path, err, sizeof(err)));
	ck_assert_msg(strstr(err, priv_path) != NULL, "err does not name the file: %s", err);
	ck_assert_msg(strstr(err, "X25519") != NULL, "unclear: %s", err);
	err[0] = '\0';
	ck_assert_ptr_null(seal_load_public(pub_path, err, sizeof(err)));
	ck_assert_msg(strstr(err, pub_path) != NULL, "err does not name the file: %s", err);
	ck_assert_msg(strstr(err, "X25519") != NULL, "unclear: %s", err);

	unlink(priv_path);
	unlink(pub_path);
	free(priv_path);
	free(pub_path);
	EVP_PKEY_free(ec);
}
END_TEST

/* The CGI programs have no terminal to ask for a passphrase on. */
START_TEST(loader_refuses_an_encrypted_private_key_without_prompting)
{
	EVP_PKEY *pkey = EVP_PKEY_Q_keygen(NULL, NULL, "X25519");
	char *path = testlib_in_tmpdir("encrypted.key");
	char err[256] = "";

	ck_assert_ptr_nonnull(pkey);
	write_pem(path, 0600, pkey, 1, EVP_aes_256_cbc());
	ck_assert_ptr_null(seal_load_private(path, err, sizeof(err)));
	ck_assert_msg(strstr(err, path) != NULL, "err does not name the file: %s", err);
	unlink(path);
	free(path);
	EVP_PKEY_free(pkey);
}
END_TEST

START_TEST(loader_names_a_missing_or_malformed_file)
{
	char *missing = testlib_in_tmpdir("missing.pub");
	char *garbage = testlib_in_tmpdir("garbage.pem");
	char err[256] = "";

	ck_assert_ptr_null(seal_load_public(missing, err, sizeof(err)));
	ck_assert_msg(strstr(err, missing) != NULL, "err does not name the file: %s", err);
	ck_assert_ptr_null(seal_load_private(missing, err, sizeof(err)));
	ck_assert_msg(strstr(err, missing) != NULL, "err does not name the file: %s", err);

	write_file(garbage, 0600, "-----BEGIN PUBLIC KEY-----\nnot base64\n");
	ck_assert_ptr_null(seal_load_public(garbage, err, sizeof(err)));
	ck_assert_msg(strstr(err, garbage) != NULL, "err does not name the file: %s", err);
	ck_assert_ptr_null(seal_load_private(garbage, err, sizeof(err)));
	ck_assert_msg(strstr(err, garbage) != NULL, "err does not name the file: %s", err);
	ck_assert_ptr_null(strchr(err, '\n'));
	unlink(garbage);
	free(garbage);
	free(missing);
}
END_TEST

START_TEST(loaders_do_not_mix_up_public_and_private_files)
{
	char err[256] = "";

	ck_assert_ptr_null(seal_load_private(public_a, err, sizeof(err)));
	ck_assert_int_eq(chmod(public_a, 0600), 0);
	ck_assert_ptr_null(seal_load_private(public_a, err, sizeof(err)));
	ck_assert_int_eq(chmod(public_a, 0644), 0);
	ck_assert_ptr_null(seal_load_public(private_a, err, sizeof(err)));
}
END_TEST

START_TEST(free_accepts_null)
{
	seal_key_free(NULL);
}
END_TEST

/* --- re-sealing the store ------------------------------------------------------------- */

/* A database with n connections whose tokens are sealed for key, token i being
 * "token-i". */
static struct db *store_with_tokens(const struct seal_key *key, int n)
{
	char *path = testlib_in_tmpdir("store.db"), err[256];
	struct db *db = db_open(path, 1, err, sizeof(err));

	ck_assert_msg(db != NULL, "%s", err);
	free(path);
	ck_assert_int_eq(sqlite3_exec(db_handle(db),
				      "INSERT INTO users (email, role, password_hash, created_at, updated_at) "
				      "VALUES ('a@example.com', 'user', 'x', 0, 0)",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	ck_assert_int_eq(db_begin_write(db), ST_OK);
	for (int i = 0; i < n; i++) {
		char plain[32];
		uint8_t *box;
		size_t box_len;
		struct conn_new c = { .kind = CONN_PERSONAL, .owner_user_id = 1,
				      .provider = PROV_GOOGLE, .address = "a@example.com",
				      .state = CONN_CONNECTED };

		snprintf(plain, sizeof(plain), "token-%d", i);
		seal_ok(key, plain, strlen(plain), &box, &box_len);
		c.sealed_token = box;
		c.sealed_token_len = box_len;
		ck_assert_int_eq(conn_insert(db, &c, NULL), ST_OK);
		free(box);
	}
	ck_assert_int_eq(db_commit(db), ST_OK);
	return db;
}

/* Every token opens with key and says "token-i", in insertion order. */
static void assert_tokens_open_with(struct db *db, const struct seal_key *key, int n)
{
	sqlite3_stmt *st;
	int i = 0;

	ck_assert_int_eq(sqlite3_prepare_v2(db_handle(db),
					    "SELECT sealed_token FROM email_connections ORDER BY id",
					    -1, &st, NULL),
			 SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		uint8_t *plain;
		size_t len;
		char want[32];

		ck_assert_int_eq(seal_open(key, sqlite3_column_blob(st, 0),
					   (size_t)sqlite3_column_bytes(st, 0), &plain, &len),
				 0);
		snprintf(want, sizeof(want), "token-%d", i++);
		ck_assert_str_eq((char *)plain, want);
		free(plain);
	}
	sqlite3_finalize(st);
	ck_assert_int_eq(i, n);
}

START_TEST(rekey_reseals_every_token_for_the_new_key)
{
	struct seal_key *a = load_private(private_a), *b = load_private(private_b);
	struct db *db = store_with_tokens(a, 5);
	struct seal_store_counts counts;

	ck_assert_int_eq(db_begin_write(db), ST_OK);
	ck_assert_int_eq(seal_store_rekey(db, a, b, &counts), ST_OK);
	ck_assert_int_eq(db_commit(db), ST_OK);
	ck_assert_int_eq(counts.resealed, 5);
	ck_assert_int_eq(counts.already, 0);
	assert_tokens_open_with(db, b, 5);
	/* Run again (a rekey cut short after its commit): all are done already. */
	ck_assert_int_eq(db_begin_write(db), ST_OK);
	ck_assert_int_eq(seal_store_rekey(db, a, b, &counts), ST_OK);
	ck_assert_int_eq(db_commit(db), ST_OK);
	ck_assert_int_eq(counts.resealed, 0);
	ck_assert_int_eq(counts.already, 5);
	assert_tokens_open_with(db, b, 5);
	db_close(db);
	seal_key_free(a);
	seal_key_free(b);
}
END_TEST

START_TEST(rekey_refuses_a_token_neither_key_opens)
{
	struct seal_key *a = load_private(private_a), *b = load_private(private_b);
	struct db *db = store_with_tokens(b, 2);
	struct seal_store_counts counts;
	struct seal_key *c;
	char *priv_c = testlib_in_tmpdir("c.key"), *pub_c = testlib_in_tmpdir("c.pub"), err[256];

	ck_assert_msg(seal_generate_keys(priv_c, pub_c, err, sizeof(err)) == 0, "%s", err);
	c = load_private(priv_c);
	/* Sealed for b; rekeying from a to c finds them unopenable. */
	ck_assert_int_eq(db_begin_write(db), ST_OK);
	ck_assert_int_eq(seal_store_rekey(db, a, c, &counts), ST_CONFLICT);
	db_rollback(db);
	db_close(db);
	seal_key_free(a);
	seal_key_free(b);
	seal_key_free(c);
	free(priv_c);
	free(pub_c);
}
END_TEST

Suite *seal_suite(void)
{
	Suite *s = suite_create("seal");
	TCase *box = tcase_create("box");
	TCase *files = tcase_create("key files");
	TCase *store = tcase_create("store");

	tcase_add_unchecked_fixture(box, make_tmpdir_and_keys, remove_tmpdir_and_keys);
	tcase_add_loop_test(box, round_trip_returns_the_message, 0,
			    (int)(sizeof(round_trip_sizes) / sizeof(round_trip_sizes[0])));
	tcase_add_test(box, private_key_seals_too);
	tcase_add_test(box, box_starts_with_version_and_key_id);
	tcase_add_test(box, box_follows_the_documented_format);
	tcase_add_test(box, documented_format_opens);
	tcase_add_test(box, any_flipped_bit_is_refused);
	tcase_add_test(box, box_for_another_key_is_refused);
	tcase_add_test(box, truncated_box_is_refused);
	tcase_add_test(box, unknown_version_is_refused);
	tcase_add_test(box, public_key_cannot_open);
	tcase_add_test(box, seals_never_repeat_nonce_or_ephemeral_key);
	/* Generous for the sanitizer build: 1000 seals are 1000 key agreements. */
	tcase_set_timeout(box, 60);
	suite_add_tcase(s, box);

	tcase_add_unchecked_fixture(files, make_tmpdir_and_keys, remove_tmpdir_and_keys);
	tcase_add_loop_test(files, generated_keys_have_modes_0600_and_0644, 0,
			    (int)(sizeof(umasks) / sizeof(umasks[0])));
	tcase_add_test(files, generated_keys_are_a_pair);
	tcase_add_test(files, generation_refuses_to_overwrite);
	tcase_add_test(files, loader_refuses_a_private_key_others_can_read);
	tcase_add_test(files, loader_refuses_a_key_that_is_not_x25519);
	tcase_add_test(files, loader_refuses_an_encrypted_private_key_without_prompting);
	tcase_add_test(files, loader_names_a_missing_or_malformed_file);
	tcase_add_test(files, loaders_do_not_mix_up_public_and_private_files);
	tcase_add_test(files, free_accepts_null);
	suite_add_tcase(s, files);

	tcase_add_checked_fixture(store, make_tmpdir_and_keys, remove_tmpdir_and_keys);
	tcase_add_test(store, rekey_reseals_every_token_for_the_new_key);
	tcase_add_test(store, rekey_refuses_a_token_neither_key_opens);
	tcase_set_timeout(store, 60);
	suite_add_tcase(s, store);
	return s;
}
