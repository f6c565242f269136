/* check_seal.c — unit tests of cgi/lib/seal and seal_store: sealed boxes bound to
 * their row, their key files, and the store's secrets swept under the newest key. */
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
#include <sys/time.h>
#include <unistd.h>

#include "conn.h"
#include "crypto.h"
#include "db_sql.h"
#include "keyring.h"
#include "outbox.h"
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

/* The row most boxes of these tests are bound to. */
static const struct seal_context row = { 7, "google", "a@example.com", "", 0 };

static void seal_ok(const struct seal_key *key, const void *msg, size_t len, uint8_t **box,
		    size_t *box_len)
{
	ck_assert_int_eq(seal_box(key, &row, msg, len, box, box_len), 0);
	ck_assert_uint_eq(*box_len, len + OVERHEAD);
}

/* seal_open must answer want and say so by leaving nothing in *msg. */
static void assert_status(const struct seal_key *key, const struct seal_context *ctx,
			  const uint8_t *box, size_t box_len, enum seal_status want)
{
	uint8_t *msg = (uint8_t *)"not touched";
	size_t msg_len = 1234;

	ck_assert_int_eq(seal_open(key, ctx, box, box_len, &msg, &msg_len), want);
	ck_assert_ptr_null(msg);
	ck_assert_uint_eq(msg_len, 0);
}

static void assert_refused(const struct seal_key *key, const uint8_t *box, size_t box_len)
{
	uint8_t *msg = (uint8_t *)"not touched";
	size_t msg_len = 1234;

	ck_assert_int_ne(seal_open(key, &row, box, box_len, &msg, &msg_len), SEAL_OK);
	ck_assert_ptr_null(msg);
	ck_assert_uint_eq(msg_len, 0);
}

static void open_ok(const struct seal_key *key, const struct seal_context *ctx,
		    const uint8_t *box, size_t box_len, const char *want)
{
	uint8_t *msg;
	size_t msg_len;

	ck_assert_int_eq(seal_open(key, ctx, box, box_len, &msg, &msg_len), SEAL_OK);
	ck_assert_uint_eq(msg_len, strlen(want));
	ck_assert_str_eq((char *)msg, want);
	free(msg);
}

static void write_file(const char *path, mode_t mode, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, mode);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	ck_assert_int_eq(fchmod(fd, mode), 0);
	close(fd);
}

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

/* --- boxes ------------------------------------------------------------------- */

static const size_t round_trip_sizes[] = { 0, 1, 15, 16, 17, 43, 1000, SEAL_MAX_SECRET };

START_TEST(round_trip_returns_the_message)
{
	struct seal_key *pub = load_public(public_a), *priv = load_private(private_a);
	size_t len = round_trip_sizes[_i], box_len, msg_len;
	uint8_t *data = xmalloc(len), *box, *msg;

	/* Every byte but NUL, which no secret holds. */
	for (size_t i = 0; i < len; i++)
		data[i] = (uint8_t)((i * 131 + 7) % 255 + 1);
	seal_ok(pub, data, len, &box, &box_len);
	ck_assert_int_eq(seal_open(priv, &row, box, box_len, &msg, &msg_len), SEAL_OK);
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
	uint8_t *box;
	size_t box_len;

	seal_ok(priv, "refresh", 7, &box, &box_len);
	open_ok(priv, &row, box, box_len, "refresh");
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

/* The AES key of a box of version 1 or 2, derived from the description in seal.h. */
static void documented_aes_key(EVP_PKEY *own, EVP_PKEY *peer, const uint8_t eph_pub[32],
			       const uint8_t recipient_pub[32], int version, uint8_t out[32])
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
	params[3] = OSSL_PARAM_construct_octet_string(
		OSSL_KDF_PARAM_INFO,
		(char *)(version == 1 ? "inboxpanel seal v1" : "inboxpanel seal v2"), 18);
	params[4] = OSSL_PARAM_construct_end();
	ck_assert_int_eq(EVP_KDF_derive(kctx, out, 32, params), 1);
	EVP_KDF_CTX_free(kctx);
	EVP_KDF_free(kdf);
	EVP_PKEY_CTX_free(ctx);
}

static size_t put_field(uint8_t *out, const char *s, int lower)
{
	size_t len = strlen(s);

	out[0] = (uint8_t)(len >> 8);
	out[1] = (uint8_t)len;
	for (size_t i = 0; i < len; i++)
		out[2 + i] = (uint8_t)(lower && s[i] >= 'A' && s[i] <= 'Z' ? s[i] + 32 : s[i]);
	return 2 + len;
}

/* The additional data of a box, from the description in seal.h; its length. */
static size_t documented_aad(const uint8_t header[41], int version,
			     const struct seal_context *ctx, uint8_t out[1024])
{
	size_t n = 41;

	memcpy(out, header, 41);
	if (version == 1)
		return n;
	memcpy(out + n, "connection", 10);
	n += 10;
	for (int shift = 56; shift >= 0; shift -= 8)
		out[n++] = (uint8_t)((uint64_t)ctx->connection_id >> shift);
	n += put_field(out + n, ctx->provider, 0);
	n += put_field(out + n, ctx->address, 1);
	n += put_field(out + n, ctx->imap_host, 1);
	out[n++] = (uint8_t)(ctx->imap_port >> 8);
	out[n++] = (uint8_t)ctx->imap_port;
	return n;
}

static const struct seal_context imap_row = { 42, "imap", "Box@Example.com", "imap.example.com",
					      993 };

START_TEST(box_starts_with_version_and_key_id)
{
	struct seal_key *pub = load_public(public_a);
	uint8_t raw[32], hash[32], id[8], *box;
	size_t box_len;
	EVP_PKEY *pkey = read_pem_public(public_a, raw);

	crypto_sha256(raw, sizeof(raw), hash);
	seal_ok(pub, "x", 1, &box, &box_len);
	ck_assert_uint_eq(box[0], 0x02);
	ck_assert_mem_eq(box + 1, hash, 8);
	ck_assert_int_eq(seal_box_header(box, box_len, id), 2);
	ck_assert_mem_eq(id, hash, 8);
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
	uint8_t raw[32], aes_key[32], out[sizeof(text)], aad[1024], *box;
	size_t box_len, len = sizeof(text) - 1, aad_len;
	EVP_PKEY *recipient = read_pem_public(public_a, raw);
	int n;

	ck_assert_int_eq(seal_box(pub, &imap_row, (const uint8_t *)text, len, &box, &box_len), 0);
	eph = EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, NULL, box + 9, 32);
	ck_assert_ptr_nonnull(eph);
	documented_aes_key(priv, eph, box + 9, raw, 2, aes_key);
	aad_len = documented_aad(box, 2, &imap_row, aad);
	ck_assert_int_eq(EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, aes_key, box + 41), 1);
	ck_assert_int_eq(EVP_DecryptUpdate(ctx, NULL, &n, aad, (int)aad_len), 1);
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

/* Seals text for the key in public_path as format version, by hand from seal.h. */
static size_t documented_box(const char *public_path, int version,
			     const struct seal_context *ctx, const char *text, uint8_t *box)
{
	EVP_PKEY *eph = EVP_PKEY_Q_keygen(NULL, NULL, "X25519");
	EVP_CIPHER_CTX *cctx = EVP_CIPHER_CTX_new();
	uint8_t raw[32], hash[32], aes_key[32], aad[1024];
	size_t len = strlen(text), eph_len = 32, aad_len;
	EVP_PKEY *recipient = read_pem_public(public_path, raw);
	int n;

	crypto_sha256(raw, sizeof(raw), hash);
	box[0] = (uint8_t)version;
	memcpy(box + 1, hash, 8);
	ck_assert_int_eq(EVP_PKEY_get_raw_public_key(eph, box + 9, &eph_len), 1);
	ck_assert_int_eq(crypto_random(box + 41, 12), 0);
	documented_aes_key(eph, recipient, box + 9, raw, version, aes_key);
	aad_len = documented_aad(box, version, ctx, aad);
	ck_assert_int_eq(EVP_EncryptInit_ex(cctx, EVP_aes_256_gcm(), NULL, aes_key, box + 41), 1);
	ck_assert_int_eq(EVP_EncryptUpdate(cctx, NULL, &n, aad, (int)aad_len), 1);
	ck_assert_int_eq(EVP_EncryptUpdate(cctx, box + 53, &n, (const uint8_t *)text, (int)len), 1);
	ck_assert_int_eq(EVP_EncryptFinal_ex(cctx, box + 53 + len, &n), 1);
	ck_assert_int_eq(EVP_CIPHER_CTX_ctrl(cctx, EVP_CTRL_GCM_GET_TAG, 16, box + 53 + len), 1);
	EVP_CIPHER_CTX_free(cctx);
	EVP_PKEY_free(recipient);
	EVP_PKEY_free(eph);
	return OVERHEAD + len;
}

/* The other way: boxes built by hand to each format in seal.h open. */
START_TEST(documented_format_opens)
{
	static const char text[] = "1//0refresh-token";
	struct seal_key *priv = load_private(private_a);
	uint8_t box[OVERHEAD + sizeof(text)];
	int version = _i;
	size_t len = documented_box(public_a, version, &imap_row, text, box);

	open_ok(priv, &imap_row, box, len, text);
	/* Version 1 is bound to no row; version 2 is. */
	if (version == 1) {
		open_ok(priv, &row, box, len, text);
	} else {
		assert_status(priv, &row, box, len, SEAL_NOT_OPENED);
	}
	seal_key_free(priv);
}
END_TEST

/* Fixed test vectors: a box of each version, made once by a program of its own
 * written from the description in seal.h (fixed keys and nonce), that must open
 * for as long as boxes of that version are stored.  If this test fails, stored
 * tokens no longer open. */
static const char vector_private_hex[] = /* X25519 private key 01 02 .. 20 */
	"0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20";
static const char vector_id_hex[] = "aaa8fff703b50b22";
static const struct {
	int version;
	const char *plain;
	const char *box_hex;
} vectors[] = {
	{ 1, "refresh-token-v1",
	  "01aaa8fff703b50b225869aff450549732cbaaed5e5df9b30a6da31cb0e5742bad5ad4a1a768f1a67b"
	  "4142434445464748494a4b4c732a5befdf845a25f8eaccc0307eeade58e3ec6d95902955cf8835e1cc"
	  "42a2a7" },
	/* Bound to imap_row: connection 42, "imap", "box@example.com",
	 * "imap.example.com", port 993. */
	{ 2, "refresh-token-v2",
	  "02aaa8fff703b50b225869aff450549732cbaaed5e5df9b30a6da31cb0e5742bad5ad4a1a768f1a67b"
	  "4142434445464748494a4b4c2ab42118db40bb34ac788418dd808c273206e57324d62e4221864b2f"
	  "5f647620" },
};

static void from_hex(const char *hex, uint8_t *out, size_t *len)
{
	size_t n = strlen(hex) / 2;

	for (size_t i = 0; i < n; i++) {
		unsigned v;

		ck_assert_int_eq(sscanf(hex + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
	*len = n;
}

START_TEST(frozen_test_vectors_open)
{
	uint8_t raw[32], box[256], id[8];
	size_t raw_len, box_len;
	char *path = testlib_in_tmpdir("vector.key"), hex[17];
	struct seal_key *key;
	EVP_PKEY *pkey;

	from_hex(vector_private_hex, raw, &raw_len);
	pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL, raw, raw_len);
	ck_assert_ptr_nonnull(pkey);
	write_pem(path, 0600, pkey, 1, NULL);
	EVP_PKEY_free(pkey);
	key = load_private(path);
	seal_key_id(key, id);
	seal_id_hex(id, hex);
	ck_assert_str_eq(hex, vector_id_hex);
	for (size_t i = 0; i < ARRAY_LEN(vectors); i++) {
		from_hex(vectors[i].box_hex, box, &box_len);
		ck_assert_int_eq(seal_box_header(box, box_len, id), vectors[i].version);
		open_ok(key, &imap_row, box, box_len, vectors[i].plain);
		/* One bit of the tag flipped: refused. */
		box[box_len - 1] ^= 1;
		assert_status(key, &imap_row, box, box_len, SEAL_NOT_OPENED);
	}
	unlink(path);
	free(path);
	seal_key_free(key);
}
END_TEST

/* A box copied into another row, or into this row once its provider, address or
 * IMAP server changed, does not open: the worker would send the secret there. */
START_TEST(box_moved_to_another_row_does_not_open)
{
	struct seal_key *pub = load_public(public_a), *priv = load_private(private_a);
	struct seal_context other;
	uint8_t *box;
	size_t box_len;

	ck_assert_int_eq(seal_box(pub, &imap_row, (const uint8_t *)"hunter2", 7, &box, &box_len), 0);
	open_ok(priv, &imap_row, box, box_len, "hunter2");
	other = imap_row;
	other.connection_id = 43;
	assert_status(priv, &other, box, box_len, SEAL_NOT_OPENED);
	other = imap_row;
	other.provider = "google";
	assert_status(priv, &other, box, box_len, SEAL_NOT_OPENED);
	other = imap_row;
	other.address = "mallory@example.com";
	assert_status(priv, &other, box, box_len, SEAL_NOT_OPENED);
	other = imap_row;
	other.imap_host = "imap.evil.example";
	assert_status(priv, &other, box, box_len, SEAL_NOT_OPENED);
	other = imap_row;
	other.imap_port = 143;
	assert_status(priv, &other, box, box_len, SEAL_NOT_OPENED);
	/* Fields run into each other only with their lengths in front. */
	other = imap_row;
	other.provider = "imapb";
	other.address = "ox@example.com";
	assert_status(priv, &other, box, box_len, SEAL_NOT_OPENED);
	/* The store compares addresses without regard to case; so does the binding. */
	other = imap_row;
	other.address = "BOX@example.COM";
	other.imap_host = "IMAP.example.com";
	open_ok(priv, &other, box, box_len, "hunter2");
	free(box);
	seal_key_free(pub);
	seal_key_free(priv);
}
END_TEST

START_TEST(box_over_the_cap_is_refused)
{
	struct seal_key *priv = load_private(private_a);
	size_t len = SEAL_MAX_SECRET + 1;
	uint8_t *data = xmalloc(len + OVERHEAD), *box;
	size_t box_len;

	memset(data, 'x', len + OVERHEAD);
	ck_assert_int_eq(seal_box(priv, &row, data, len, &box, &box_len), -1);
	ck_assert_ptr_null(box);
	/* A box over the cap is not even looked at. */
	memcpy(data, "\x02", 1);
	seal_key_id(priv, data + 1);
	assert_status(priv, &row, data, SEAL_MAX_BOX + 1, SEAL_NOT_OPENED);
	free(data);
	seal_key_free(priv);
}
END_TEST

/* No secret holds a NUL; one that comes out of a box would be cut short. */
START_TEST(secret_holding_a_nul_is_refused)
{
	struct seal_key *priv = load_private(private_a);
	uint8_t *box;
	size_t box_len;

	seal_ok(priv, "ab\0cd", 5, &box, &box_len);
	assert_status(priv, &row, box, box_len, SEAL_NOT_OPENED);
	free(box);
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
	assert_status(priv_b, &row, box, box_len, SEAL_UNKNOWN_KEY);
	/* Passing B's key id does not help: it is bound into the tag and the key. */
	seal_ok(pub_b, "", 0, &box_b, &box_b_len);
	memcpy(box + 1, box_b + 1, 8);
	assert_status(priv_b, &row, box, box_len, SEAL_NOT_OPENED);
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
	/* 0x01 too: a version 2 box relabelled as version 1 (bound to nothing) must
	 * not open. */
	static const uint8_t versions[] = { 0x00, 0x01, 0x03, 0x81, 0xff };
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
	assert_status(pub, &row, box, box_len, SEAL_UNKNOWN_KEY);
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
	uint8_t *box;
	size_t box_len;

	seal_ok(pub, "token", 5, &box, &box_len);
	open_ok(priv, &row, box, box_len, "token");
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

START_TEST(loader_refuses_a_key_file_others_can_write)
{
	char err[256] = "";

	ck_assert_int_eq(chmod(public_a, 0664), 0);
	ck_assert_ptr_null(seal_load_public(public_a, err, sizeof(err)));
	ck_assert_msg(strstr(err, "writable by group or others") != NULL, "unclear: %s", err);
	ck_assert_int_eq(chmod(public_a, 0646), 0);
	ck_assert_ptr_null(seal_load_public(public_a, err, sizeof(err)));
	ck_assert_int_eq(chmod(public_a, 0444), 0);
	seal_key_free(load_public(public_a));
	ck_assert_int_eq(chmod(public_a, 0644), 0);
}
END_TEST

/* Whoever can write the folder can swap the key for one of their own. */
START_TEST(loader_refuses_a_key_in_a_folder_others_can_write)
{
	char err[256] = "";

	ck_assert_int_eq(chmod(testlib_tmpdir(), 0777), 0);
	ck_assert_ptr_null(seal_load_public(public_a, err, sizeof(err)));
	ck_assert_msg(strstr(err, "folder") != NULL, "unclear: %s", err);
	ck_assert_ptr_null(seal_load_private(private_a, err, sizeof(err)));
	/* A sticky folder (like /tmp) does not let others replace one's files. */
	ck_assert_int_eq(chmod(testlib_tmpdir(), 01777), 0);
	seal_key_free(load_public(public_a));
	ck_assert_int_eq(chmod(testlib_tmpdir(), 0700), 0);
}
END_TEST

/* Only root can give a file away; as anyone else the rule is left to the
 * integration of the real programs. */
START_TEST(loader_refuses_a_private_key_another_user_owns)
{
	char err[256] = "";

	if (geteuid() != 0)
		return;
	ck_assert_int_eq(chown(private_a, 65534, 65534), 0);
	ck_assert_ptr_null(seal_load_private(private_a, err, sizeof(err)));
	ck_assert_msg(strstr(err, "owned by another user") != NULL, "unclear: %s", err);
	ck_assert_int_eq(chown(private_a, 0, 0), 0);
	/* A public key may belong to the folder's owner (the worker's user) or root. */
	ck_assert_int_eq(chown(public_a, 65534, 65534), 0);
	ck_assert_ptr_null(seal_load_public(public_a, err, sizeof(err)));
	ck_assert_int_eq(chown(testlib_tmpdir(), 65534, 65534), 0);
	seal_key_free(load_public(public_a));
	ck_assert_int_eq(chown(testlib_tmpdir(), 0, 0), 0);
	ck_assert_int_eq(chown(public_a, 0, 0), 0);
}
END_TEST

START_TEST(save_public_replaces_and_checks_the_key)
{
	struct seal_key *b = load_private(private_b);
	char err[256] = "";
	uint8_t want[8];
	struct seal_key *now;
	size_t before = files_in_tmpdir();

	ck_assert_int_eq(seal_save_public(b, public_a, 0, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "already exists") != NULL, "unclear: %s", err);
	ck_assert_msg(seal_save_public(b, public_a, 1, err, sizeof(err)) == 0, "%s", err);
	now = load_public(public_a);
	seal_key_id(b, want);
	{
		uint8_t got[8];

		seal_key_id(now, got);
		ck_assert_mem_eq(got, want, 8);
	}
	ck_assert_uint_eq(files_in_tmpdir(), before);
	seal_key_free(now);
	seal_key_free(b);
	/* Put a's public key back for the other tests. */
	b = load_private(private_a);
	ck_assert_msg(seal_save_public(b, public_a, 1, err, sizeof(err)) == 0, "%s", err);
	seal_key_free(b);
}
END_TEST

/* --- the store's secrets ------------------------------------------------------------ */

static struct conf ring_conf;

static void make_store_keys(void)
{
	char err[512], id[KEYRING_ID_HEX];
	int created;

	make_tmpdir_and_keys();
	memset(&ring_conf, 0, sizeof(ring_conf));
	ring_conf.public_key_file = testlib_in_tmpdir("seal.pub");
	ring_conf.private_key_file = testlib_in_tmpdir("seal.key");
	ck_assert_msg(keyring_init(&ring_conf, &created, id, err, sizeof(err)) == 0, "%s", err);
}

static void remove_store_keys(void)
{
	free(ring_conf.public_key_file);
	free(ring_conf.private_key_file);
	remove_tmpdir_and_keys();
}

static struct keyring *load_ring(void)
{
	char err[512] = "";
	struct keyring *kr = keyring_load(&ring_conf, err, sizeof(err));

	ck_assert_msg(kr != NULL, "%s", err);
	return kr;
}

static struct db *empty_store(void)
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
	return db;
}

static long long add_connection(struct db *db, enum provider provider, const char *address)
{
	struct conn_new c = { .kind = CONN_PERSONAL, .owner_user_id = 1, .provider = provider,
			      .address = address, .state = CONN_CONNECTED };
	long long id;

	ck_assert_int_eq(TESTLIB_WRITE(db, conn_insert(db, &c, &id)), ST_OK);
	return id;
}

/* A database with n connections whose tokens are sealed into their rows the way
 * a web program seals them, token i being "token-i". */
static struct db *store_with_tokens(int n)
{
	struct db *db = empty_store();
	char err[512];
	struct keyring_sealer *sealer = keyring_sealer_new(&ring_conf, err, sizeof(err));

	ck_assert_msg(sealer != NULL, "%s", err);
	for (int i = 0; i < n; i++) {
		char plain[32], address[32];
		long long id;

		snprintf(address, sizeof(address), "user%d@example.com", i);
		id = add_connection(db, i % 2 ? PROV_MICROSOFT : PROV_GOOGLE, address);
		snprintf(plain, sizeof(plain), "token-%d", i);
		ck_assert_int_eq(TESTLIB_WRITE(db, seal_store_connection_secret(db, sealer, id, (const uint8_t *)plain,
							      strlen(plain))),
				 ST_OK);
	}
	keyring_sealer_free(sealer);
	return db;
}

/* Every connection's token opens with the ring, bound to its row, says "token-i"
 * in insertion order, and is a version 2 box for want_id (unless NULL). */
static void assert_tokens_open(struct db *db, const struct keyring *kr, int n,
			       const uint8_t *want_id)
{
	sqlite3_stmt *st;
	int i = 0;

	ck_assert_int_eq(sqlite3_prepare_v2(db_handle(db),
					    "SELECT id, sealed_token FROM email_connections ORDER BY id",
					    -1, &st, NULL),
			 SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const uint8_t *box = sqlite3_column_blob(st, 1);
		size_t box_len = (size_t)sqlite3_column_bytes(st, 1), len;
		struct seal_store_context c;
		uint8_t *plain, id[8];
		char want[32];

		ck_assert_int_eq(seal_store_context_of(db, sqlite3_column_int64(st, 0), &c), ST_OK);
		ck_assert_int_eq(keyring_open(kr, &c.ctx, box, box_len, &plain, &len), SEAL_OK);
		snprintf(want, sizeof(want), "token-%d", i++);
		ck_assert_str_eq((char *)plain, want);
		free(plain);
		if (want_id != NULL) {
			ck_assert_int_eq(seal_box_header(box, box_len, id), 2);
			ck_assert_mem_eq(id, want_id, 8);
		}
	}
	sqlite3_finalize(st);
	ck_assert_int_eq(i, n);
}

static void newest_id(uint8_t id[8])
{
	struct keyring *kr = load_ring();

	seal_key_id(keyring_newest(kr), id);
	keyring_free(kr);
}

START_TEST(secret_is_sealed_into_its_row)
{
	struct db *db = store_with_tokens(3);
	struct keyring *kr = load_ring();
	uint8_t id[8];

	seal_key_id(keyring_newest(kr), id);
	assert_tokens_open(db, kr, 3, id);
	ck_assert_int_eq(seal_store_count_key(db, id), 3);
	keyring_free(kr);
	db_close(db);
}
END_TEST

START_TEST(secret_refuses_what_no_token_looks_like)
{
	struct db *db = store_with_tokens(1);
	char err[512];
	struct keyring_sealer *sealer = keyring_sealer_new(&ring_conf, err, sizeof(err));
	uint8_t *big = xmalloc(SEAL_MAX_SECRET + 1);

	memset(big, 'x', SEAL_MAX_SECRET + 1);
	ck_assert_int_eq(TESTLIB_WRITE(db, seal_store_connection_secret(db, sealer, 1, (const uint8_t *)"a\0b", 3)),
			 ST_BAD_REQUEST);
	ck_assert_int_eq(TESTLIB_WRITE(db, seal_store_connection_secret(db, sealer, 1, big, 0)), ST_BAD_REQUEST);
	ck_assert_int_eq(TESTLIB_WRITE(db, seal_store_connection_secret(db, sealer, 1, big, SEAL_MAX_SECRET + 1)),
			 ST_BAD_REQUEST);
	ck_assert_int_eq(TESTLIB_WRITE(db, seal_store_connection_secret(db, sealer, 99, big, 4)), ST_NOT_FOUND);
	free(big);
	keyring_sealer_free(sealer);
	db_close(db);
}
END_TEST

/* Someone who can write rows copies a victim's box into a row whose address they
 * chose: the sweep (and so the worker) finds it does not open. */
START_TEST(box_moved_between_rows_does_not_open_in_the_store)
{
	struct db *db = store_with_tokens(2);
	struct keyring *kr = load_ring();
	struct seal_store_counts counts;
	long long evil = add_connection(db, PROV_GOOGLE, "mallory@example.com");

	ck_assert_int_eq(TESTLIB_WRITE(db, seal_store_sweep(db, kr, 0, &counts)), ST_OK);
	ck_assert_int_eq(counts.opened, 2);
	ck_assert_int_eq(sqlite3_exec(db_handle(db),
				      "UPDATE email_connections SET sealed_token = "
				      "(SELECT sealed_token FROM email_connections WHERE id = 1) "
				      "WHERE address = 'mallory@example.com'",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	ck_assert_int_eq(TESTLIB_WRITE(db, seal_store_sweep(db, kr, 1, &counts)), ST_CONFLICT);
	ck_assert_int_eq(counts.failed, 1);
	ck_assert_int_eq(counts.opened, 2);
	(void)evil;
	keyring_free(kr);
	db_close(db);
}
END_TEST

/* A revocation job holds a copy of its connection's box: it opens bound to that
 * connection, and is re-sealed with it. */
START_TEST(revocation_job_copy_opens_with_its_connection)
{
	struct db *db = store_with_tokens(2);
	struct keyring *kr = load_ring();
	struct seal_store_counts counts;

	ck_assert_int_eq(TESTLIB_WRITE(db, outbox_enqueue_revocation(db, 2, PROV_MICROSOFT, 1000)), ST_OK);
	ck_assert_int_eq(TESTLIB_WRITE(db, seal_store_sweep(db, kr, 0, &counts)), ST_OK);
	ck_assert_int_eq(counts.opened, 3);
	keyring_free(kr);
	{
		char err[512], id[KEYRING_ID_HEX];

		ck_assert_msg(keyring_rotate(&ring_conf, id, err, sizeof(err)) == 0, "%s", err);
	}
	kr = load_ring();
	ck_assert_int_eq(TESTLIB_WRITE(db, seal_store_sweep(db, kr, 1, &counts)), ST_OK);
	ck_assert_int_eq(counts.resealed, 3);
	ck_assert_int_eq(TESTLIB_WRITE(db, seal_store_sweep(db, kr, 0, &counts)), ST_OK);
	ck_assert_int_eq(counts.opened, 3);
	keyring_free(kr);
	db_close(db);
}
END_TEST

/* A stray grant (rule 10: a reconnect's consent for another mailbox) is held by a
 * row of its own, born removed: its revocation job's box opens bound to that row,
 * rekey re-seals it with the others, and no page of the scope finds the row. */
static void count_conn(const struct conn *c, void *arg)
{
	(void)c;
	(*(int *)arg)++;
}

START_TEST(stray_grant_token_opens_bound_to_its_own_row_and_is_resealed)
{
	struct db *db = store_with_tokens(1);
	struct keyring *kr = load_ring();
	struct seal_store_counts counts;
	struct seal_store_context c;
	const struct audit_actor actor = { 1, "a@example.com", "127.0.0.1" };
	const struct conn_scope scope = { CONN_PERSONAL, 1 };
	const struct conn_stray stray = { .refused_reconnect_of = 1, .provider = PROV_GOOGLE,
					  .address = "other@example.com" };
	struct conn given_up, found;
	char err[512], hex[KEYRING_ID_HEX];
	struct keyring_sealer *sealer = keyring_sealer_new(&ring_conf, err, sizeof(err));
	sqlite3_stmt *st;
	uint8_t *plain;
	size_t len;
	int n = 0;

	ck_assert_msg(sealer != NULL, "%s", err);
	ck_assert_int_eq(TESTLIB_WRITE(db, conn_give_up_stray_grant(db, &actor, &scope, &stray, sealer,
								     (const uint8_t *)"stray-token", 11,
								     1000, &given_up)),
			 ST_OK);
	ck_assert_int_eq(given_up.id, 2);
	ck_assert_int_eq(given_up.revocation_state, OUTBOX_PENDING);
	/* The row keeps no token; its job does, sealed for the row. */
	ck_assert_int_eq(sqlite3_prepare_v2(db_handle(db),
					    "SELECT c.state, c.sealed_token IS NULL, c.refused_reconnect_of, "
					    "j.sealed_token FROM email_connections c JOIN outbox_jobs j "
					    "ON j.connection_id = c.id WHERE c.id = 2",
					    -1, &st, NULL),
			 SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	ck_assert_str_eq((const char *)sqlite3_column_text(st, 0), "removed");
	ck_assert_int_eq(sqlite3_column_int(st, 1), 1);
	ck_assert_int_eq(sqlite3_column_int(st, 2), 1);
	ck_assert_int_eq(seal_store_context_of(db, 2, &c), ST_OK);
	ck_assert_int_eq(keyring_open(kr, &c.ctx, sqlite3_column_blob(st, 3),
				      (size_t)sqlite3_column_bytes(st, 3), &plain, &len),
			 SEAL_OK);
	ck_assert_str_eq((char *)plain, "stray-token");
	free(plain);
	sqlite3_finalize(st);
	/* Not an inbox: neither found nor listed, live or lately removed. */
	ck_assert_int_eq(conn_find(db, &scope, 2, &found), ST_NOT_FOUND);
	ck_assert_int_eq(conn_each(db, &scope, CONN_LIVE, 1000, count_conn, &n), ST_OK);
	ck_assert_int_eq(conn_each(db, &scope, CONN_RECENTLY_REMOVED, 1000, count_conn, &n), ST_OK);
	ck_assert_int_eq(n, 1);
	/* rekey covers it. */
	ck_assert_int_eq(TESTLIB_WRITE(db, seal_store_sweep(db, kr, 0, &counts)), ST_OK);
	ck_assert_int_eq(counts.opened, 2);
	keyring_free(kr);
	ck_assert_msg(keyring_rotate(&ring_conf, hex, err, sizeof(err)) == 0, "%s", err);
	kr = load_ring();
	ck_assert_int_eq(TESTLIB_WRITE(db, seal_store_sweep(db, kr, 1, &counts)), ST_OK);
	ck_assert_int_eq(counts.resealed, 2);
	ck_assert_int_eq(TESTLIB_WRITE(db, seal_store_sweep(db, kr, 0, &counts)), ST_OK);
	ck_assert_int_eq(counts.opened, 2);
	ck_assert_int_eq(counts.failed, 0);
	keyring_free(kr);
	keyring_sealer_free(sealer);
	db_close(db);
}
END_TEST

/* The consent was for a mailbox connected here through the same provider: the
 * token is one more of that inbox's grant, and revoking it would end that inbox
 * too.  Nothing is stored. */
START_TEST(stray_grant_of_a_connected_mailbox_is_not_revoked)
{
	struct db *db = store_with_tokens(2); /* user1@example.com: Microsoft */
	const struct audit_actor actor = { 1, "a@example.com", "127.0.0.1" };
	const struct conn_scope scope = { CONN_TEAM, 1 };
	const struct conn_stray stray = { .refused_reconnect_of = 1, .provider = PROV_MICROSOFT,
					  .address = "USER1@example.com" };
	struct conn given_up;
	char err[512];
	struct keyring_sealer *sealer = keyring_sealer_new(&ring_conf, err, sizeof(err));

	ck_assert_msg(sealer != NULL, "%s", err);
	ck_assert_int_eq(TESTLIB_WRITE(db, conn_give_up_stray_grant(db, &actor, &scope, &stray, sealer,
								     (const uint8_t *)"stray-token", 11,
								     1000, &given_up)),
			 ST_OK);
	ck_assert_int_eq(given_up.id, 0);
	ck_assert_int_eq(conn_count(db), 2);
	keyring_sealer_free(sealer);
	db_close(db);
}
END_TEST

START_TEST(sweep_reseals_old_keys_and_version_1_as_version_2_for_the_newest)
{
	struct db *db = store_with_tokens(4);
	struct seal_store_counts counts;
	struct keyring *kr;
	uint8_t old_id[8], new_id[8], v1[OVERHEAD + 16];
	size_t v1_len;
	char err[512], hex[KEYRING_ID_HEX];
	sqlite3_stmt *st;

	/* One more token in a version 1 box, as stored before boxes were bound. */
	v1_len = documented_box(ring_conf.public_key_file, 1, &row, "token-4", v1);
	ck_assert_int_eq(sqlite3_prepare_v2(db_handle(db),
					    "INSERT INTO email_connections (kind, owner_user_id, provider, "
					    "address, state, sealed_token, connected_at, state_changed_at) "
					    "VALUES ('personal', 1, 'google', 'old@example.com', 'connected', ?1, 0, 0)",
					    -1, &st, NULL),
			 SQLITE_OK);
	sqlite3_bind_blob(st, 1, v1, (int)v1_len, SQLITE_STATIC);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
	newest_id(old_id);
	ck_assert_msg(keyring_rotate(&ring_conf, hex, err, sizeof(err)) == 0, "%s", err);
	newest_id(new_id);
	ck_assert(memcmp(old_id, new_id, 8) != 0);

	kr = load_ring();
	ck_assert_uint_eq(keyring_count(kr), 2);
	/* Before the sweep, every box still opens with the key it names. */
	assert_tokens_open(db, kr, 5, NULL);
	ck_assert_int_eq(TESTLIB_WRITE(db, seal_store_sweep(db, kr, 1, &counts)), ST_OK);
	ck_assert_int_eq(counts.resealed, 5);
	ck_assert_int_eq(counts.already, 0);
	assert_tokens_open(db, kr, 5, new_id);
	ck_assert_int_eq(seal_store_count_key(db, old_id), 0);
	ck_assert_int_eq(seal_store_count_key(db, new_id), 5);
	/* Run again (a rekey cut short after its commit): all are done already. */
	ck_assert_int_eq(TESTLIB_WRITE(db, seal_store_sweep(db, kr, 1, &counts)), ST_OK);
	ck_assert_int_eq(counts.resealed, 0);
	ck_assert_int_eq(counts.already, 5);
	keyring_free(kr);
	db_close(db);
}
END_TEST

START_TEST(sweep_reports_a_token_no_key_of_the_ring_opens)
{
	struct db *db = store_with_tokens(2);
	struct keyring *kr = load_ring();
	struct seal_key *b = load_public(public_b);
	struct seal_store_counts counts;
	uint8_t *box;
	size_t box_len;
	sqlite3_stmt *st;

	/* Sealed for b, which is not in the ring: an unknown key id. */
	ck_assert_int_eq(seal_box(b, &row, (const uint8_t *)"x", 1, &box, &box_len), 0);
	ck_assert_int_eq(sqlite3_prepare_v2(db_handle(db),
					    "UPDATE email_connections SET sealed_token = ?1 WHERE id = 2",
					    -1, &st, NULL),
			 SQLITE_OK);
	sqlite3_bind_blob(st, 1, box, (int)box_len, SQLITE_STATIC);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
	ck_assert_int_eq(TESTLIB_WRITE(db, seal_store_sweep(db, kr, 1, &counts)), ST_CONFLICT);
	ck_assert_int_eq(counts.failed, 1);
	free(box);
	seal_key_free(b);
	keyring_free(kr);
	db_close(db);
}
END_TEST

/* Retirement: never a key a stored secret names, never before every program has
 * had time to read the new public key, and each one audited. */
START_TEST(retire_keeps_a_key_in_use_or_too_recently_replaced)
{
	static const struct audit_actor actor = { 0, "cli", "" };
	struct db *db = store_with_tokens(2);
	struct seal_store_old_key *old;
	struct keyring *kr;
	uint8_t first[8];
	size_t n;
	char err[512] = "", hex[KEYRING_ID_HEX], *path;
	struct timeval an_hour_ago[2];

	newest_id(first);
	ck_assert_msg(keyring_rotate(&ring_conf, hex, err, sizeof(err)) == 0, "%s", err);
	kr = load_ring();
	/* Still sealing the two tokens. */
	ck_assert_int_eq(TESTLIB_WRITE(db, seal_store_retire_old_keys(db, &ring_conf, kr, &actor, now_utc(), &old, &n, err,
						    sizeof(err))),
			 ST_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(old[0].fate, SEAL_STORE_KEPT_IN_USE);
	ck_assert_int_eq(old[0].tokens, 2);
	free(old);
	/* Re-sealed, but the public key is brand new. */
	{
		struct seal_store_counts counts;

		ck_assert_int_eq(TESTLIB_WRITE(db, seal_store_sweep(db, kr, 1, &counts)), ST_OK);
	}
	ck_assert_int_eq(TESTLIB_WRITE(db, seal_store_retire_old_keys(db, &ring_conf, kr, &actor, now_utc(), &old, &n, err,
						    sizeof(err))),
			 ST_OK);
	ck_assert_int_eq(old[0].fate, SEAL_STORE_KEPT_TOO_SOON);
	ck_assert_int_gt(old[0].wait, KEYRING_RETIRE_AFTER - 60);
	free(old);
	/* An hour later. */
	gettimeofday(&an_hour_ago[0], NULL);
	an_hour_ago[0].tv_sec -= 3600;
	an_hour_ago[1] = an_hour_ago[0];
	ck_assert_int_eq(utimes(ring_conf.public_key_file, an_hour_ago), 0);
	ck_assert_int_eq(TESTLIB_WRITE(db, seal_store_retire_old_keys(db, &ring_conf, kr, &actor, now_utc(), &old, &n, err,
						    sizeof(err))),
			 ST_OK);
	ck_assert_int_eq(old[0].fate, SEAL_STORE_RETIRED);
	seal_id_hex(first, hex);
	ck_assert_str_eq(old[0].id, hex);
	free(old);
	path = xasprintf("%s.%s", ring_conf.private_key_file, hex);
	ck_assert_int_ne(access(path, F_OK), 0);
	free(path);
	keyring_free(kr);
	kr = load_ring();
	ck_assert_uint_eq(keyring_count(kr), 1);
	keyring_free(kr);
	{
		sqlite3_stmt *st;

		ck_assert_int_eq(sqlite3_prepare_v2(db_handle(db),
						    "SELECT detail FROM audit_log WHERE action = 'keys.retire'",
						    -1, &st, NULL),
				 SQLITE_OK);
		ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
		ck_assert_str_eq((const char *)sqlite3_column_text(st, 0), hex);
		ck_assert_int_eq(sqlite3_step(st), SQLITE_DONE);
		sqlite3_finalize(st);
	}
	db_close(db);
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
	tcase_add_loop_test(box, documented_format_opens, 1, 3);
	tcase_add_test(box, frozen_test_vectors_open);
	tcase_add_test(box, box_moved_to_another_row_does_not_open);
	tcase_add_test(box, box_over_the_cap_is_refused);
	tcase_add_test(box, secret_holding_a_nul_is_refused);
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
	tcase_add_test(files, loader_refuses_a_key_file_others_can_write);
	tcase_add_test(files, loader_refuses_a_key_in_a_folder_others_can_write);
	tcase_add_test(files, loader_refuses_a_private_key_another_user_owns);
	tcase_add_test(files, loader_refuses_a_key_that_is_not_x25519);
	tcase_add_test(files, loader_refuses_an_encrypted_private_key_without_prompting);
	tcase_add_test(files, loader_names_a_missing_or_malformed_file);
	tcase_add_test(files, loaders_do_not_mix_up_public_and_private_files);
	tcase_add_test(files, save_public_replaces_and_checks_the_key);
	tcase_add_test(files, free_accepts_null);
	suite_add_tcase(s, files);

	tcase_add_checked_fixture(store, make_store_keys, remove_store_keys);
	tcase_add_test(store, secret_is_sealed_into_its_row);
	tcase_add_test(store, secret_refuses_what_no_token_looks_like);
	tcase_add_test(store, box_moved_between_rows_does_not_open_in_the_store);
	tcase_add_test(store, revocation_job_copy_opens_with_its_connection);
	tcase_add_test(store, stray_grant_token_opens_bound_to_its_own_row_and_is_resealed);
	tcase_add_test(store, stray_grant_of_a_connected_mailbox_is_not_revoked);
	tcase_add_test(store, sweep_reseals_old_keys_and_version_1_as_version_2_for_the_newest);
	tcase_add_test(store, sweep_reports_a_token_no_key_of_the_ring_opens);
	tcase_add_test(store, retire_keeps_a_key_in_use_or_too_recently_replaced);
	tcase_set_timeout(store, 60);
	suite_add_tcase(s, store);
	return s;
}
