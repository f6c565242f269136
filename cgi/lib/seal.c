/* seal.c — sealed boxes (X25519 + HKDF-SHA256 + AES-256-GCM) and their key files. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto.h"
#include "seal.h"
#include "util.h"

#define SEAL_VERSION 0x01
#define SEAL_PUB_LEN 32
#define SEAL_KEY_ID_LEN 8
#define SEAL_NONCE_LEN 12
#define SEAL_TAG_LEN 16
#define SEAL_AES_KEY_LEN 32
#define SEAL_HEADER_LEN (1 + SEAL_KEY_ID_LEN + SEAL_PUB_LEN)
#define SEAL_OVERHEAD (SEAL_HEADER_LEN + SEAL_NONCE_LEN + SEAL_TAG_LEN)

/* Changing this string, like any other part of the derivation, needs a new version
 * byte: boxes already stored must still open. */
static const char seal_info[] = "inboxpanel seal v1";

struct seal_key {
	EVP_PKEY *pkey;
	int has_private;
	uint8_t pub[SEAL_PUB_LEN];
	uint8_t id[SEAL_KEY_ID_LEN];
};

void seal_key_free(struct seal_key *key)
{
	if (key == NULL)
		return;
	EVP_PKEY_free(key->pkey);
	free(key);
}

/* Takes ownership of pkey, which must be X25519. */
static struct seal_key *key_from_pkey(EVP_PKEY *pkey, int has_private)
{
	struct seal_key *key = xcalloc(1, sizeof(*key));
	size_t len = sizeof(key->pub);
	uint8_t hash[32];

	if (EVP_PKEY_get_raw_public_key(pkey, key->pub, &len) != 1 || len != sizeof(key->pub)) {
		EVP_PKEY_free(pkey);
		free(key);
		return NULL;
	}
	key->pkey = pkey;
	key->has_private = has_private;
	crypto_sha256(key->pub, sizeof(key->pub), hash);
	memcpy(key->id, hash, sizeof(key->id));
	return key;
}

/* The key for one box: X25519 between own (holding a private key) and peer, then
 * HKDF-SHA256 with salt = ephemeral public key || recipient public key, which binds
 * the key to both ends of the exchange. */
static int derive_box_key(EVP_PKEY *own, EVP_PKEY *peer, const uint8_t eph_pub[SEAL_PUB_LEN],
			  const uint8_t recipient_pub[SEAL_PUB_LEN],
			  uint8_t out[SEAL_AES_KEY_LEN])
{
	uint8_t shared[32], salt[2 * SEAL_PUB_LEN];
	size_t shared_len = sizeof(shared);
	EVP_PKEY_CTX *dctx;
	EVP_KDF *kdf = NULL;
	EVP_KDF_CTX *kctx = NULL;
	OSSL_PARAM params[5];
	int ok = 0;

	/* OpenSSL fails the derivation when the result is all zeros (a low-order peer
	 * point), so a forged ephemeral key cannot force a known secret. */
	dctx = EVP_PKEY_CTX_new_from_pkey(NULL, own, NULL);
	if (dctx == NULL || EVP_PKEY_derive_init(dctx) != 1 ||
	    EVP_PKEY_derive_set_peer(dctx, peer) != 1 ||
	    EVP_PKEY_derive(dctx, shared, &shared_len) != 1 || shared_len != sizeof(shared))
		goto out;

	memcpy(salt, eph_pub, SEAL_PUB_LEN);
	memcpy(salt + SEAL_PUB_LEN, recipient_pub, SEAL_PUB_LEN);
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA256", 0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, shared, sizeof(shared));
	params[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, salt, sizeof(salt));
	params[3] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (char *)seal_info,
						      sizeof(seal_info) - 1);
	params[4] = OSSL_PARAM_construct_end();
	kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	kctx = kdf != NULL ? EVP_KDF_CTX_new(kdf) : NULL;
	if (kctx == NULL || EVP_KDF_derive(kctx, out, SEAL_AES_KEY_LEN, params) != 1)
		goto out;
	ok = 1;
out:
	OPENSSL_cleanse(shared, sizeof(shared));
	EVP_KDF_CTX_free(kctx);
	EVP_KDF_free(kdf);
	EVP_PKEY_CTX_free(dctx);
	if (!ok) {
		OPENSSL_cleanse(out, SEAL_AES_KEY_LEN);
		ERR_clear_error();
	}
	return ok ? 0 : -1;
}

/* AES-256-GCM over msg with the header as additional data; writes len bytes of
 * ciphertext and the tag. */
static int gcm_encrypt(const uint8_t key[SEAL_AES_KEY_LEN], const uint8_t nonce[SEAL_NONCE_LEN],
		       const uint8_t *aad, size_t aad_len, const uint8_t *msg, size_t len,
		       uint8_t *ct, uint8_t tag[SEAL_TAG_LEN])
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int n, ok;

	ok = ctx != NULL && EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL) == 1 &&
	     EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, SEAL_NONCE_LEN, NULL) == 1 &&
	     EVP_EncryptInit_ex(ctx, NULL, NULL, key, nonce) == 1 &&
	     EVP_EncryptUpdate(ctx, NULL, &n, aad, (int)aad_len) == 1 &&
	     (len == 0 || EVP_EncryptUpdate(ctx, ct, &n, msg, (int)len) == 1) &&
	     EVP_EncryptFinal_ex(ctx, ct + len, &n) == 1 &&
	     EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, SEAL_TAG_LEN, tag) == 1;
	EVP_CIPHER_CTX_free(ctx);
	return ok ? 0 : -1;
}

/* The inverse; the plaintext in out is only to be used when this returns 0. */
static int gcm_decrypt(const uint8_t key[SEAL_AES_KEY_LEN], const uint8_t nonce[SEAL_NONCE_LEN],
		       const uint8_t *aad, size_t aad_len, const uint8_t *ct, size_t len,
		       const uint8_t tag[SEAL_TAG_LEN], uint8_t *out)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int n, ok;

	ok = ctx != NULL && EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL) == 1 &&
	     EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, SEAL_NONCE_LEN, NULL) == 1 &&
	     EVP_DecryptInit_ex(ctx, NULL, NULL, key, nonce) == 1 &&
	     EVP_DecryptUpdate(ctx, NULL, &n, aad, (int)aad_len) == 1 &&
	     (len == 0 || EVP_DecryptUpdate(ctx, out, &n, ct, (int)len) == 1) &&
	     EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, SEAL_TAG_LEN, (void *)tag) == 1 &&
	     EVP_DecryptFinal_ex(ctx, out + len, &n) == 1;
	EVP_CIPHER_CTX_free(ctx);
	return ok ? 0 : -1;
}

int seal_box(const struct seal_key *key, const uint8_t *msg, size_t len, uint8_t **box,
	     size_t *box_len)
{
	EVP_PKEY *eph = NULL;
	uint8_t aes_key[SEAL_AES_KEY_LEN], *out, *p;
	size_t pub_len = SEAL_PUB_LEN;
	int ok = 0;

	*box = NULL;
	*box_len = 0;
	/* EVP takes lengths as int; tokens are far smaller. */
	if (len > INT_MAX - SEAL_OVERHEAD)
		return -1;
	out = xmalloc(len + SEAL_OVERHEAD);
	p = out;
	*p++ = SEAL_VERSION;
	memcpy(p, key->id, SEAL_KEY_ID_LEN);
	p += SEAL_KEY_ID_LEN;

	eph = EVP_PKEY_Q_keygen(NULL, NULL, "X25519");
	if (eph == NULL || EVP_PKEY_get_raw_public_key(eph, p, &pub_len) != 1 ||
	    pub_len != SEAL_PUB_LEN)
		goto out;
	if (derive_box_key(eph, key->pkey, p, key->pub, aes_key) != 0)
		goto out;
	p += SEAL_PUB_LEN;
	if (RAND_bytes(p, SEAL_NONCE_LEN) != 1)
		goto out;
	if (gcm_encrypt(aes_key, p, out, SEAL_HEADER_LEN, msg, len, p + SEAL_NONCE_LEN,
			p + SEAL_NONCE_LEN + len) != 0)
		goto out;
	ok = 1;
out:
	OPENSSL_cleanse(aes_key, sizeof(aes_key));
	EVP_PKEY_free(eph);
	if (!ok) {
		ERR_clear_error();
		free(out);
		return -1;
	}
	*box = out;
	*box_len = len + SEAL_OVERHEAD;
	return 0;
}

int seal_open(const struct seal_key *key, const uint8_t *box, size_t box_len, uint8_t **msg,
	      size_t *msg_len)
{
	const uint8_t *eph_pub, *nonce, *ct;
	uint8_t aes_key[SEAL_AES_KEY_LEN], *out;
	EVP_PKEY *eph;
	size_t len;
	int rc;

	*msg = NULL;
	*msg_len = 0;
	if (!key->has_private || box_len < SEAL_OVERHEAD || box_len > INT_MAX)
		return -1;
	if (box[0] != SEAL_VERSION || memcmp(box + 1, key->id, SEAL_KEY_ID_LEN) != 0)
		return -1;
	len = box_len - SEAL_OVERHEAD;
	eph_pub = box + 1 + SEAL_KEY_ID_LEN;
	nonce = eph_pub + SEAL_PUB_LEN;
	ct = nonce + SEAL_NONCE_LEN;

	eph = EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, NULL, eph_pub, SEAL_PUB_LEN);
	if (eph == NULL)
		return -1;
	rc = derive_box_key(key->pkey, eph, eph_pub, key->pub, aes_key);
	EVP_PKEY_free(eph);
	if (rc != 0)
		return -1;

	/* One byte more for a NUL, so a sealed token comes back as a C string. */
	out = xmalloc(len + 1);
	rc = gcm_decrypt(aes_key, nonce, box, SEAL_HEADER_LEN, ct, len, ct + len, out);
	OPENSSL_cleanse(aes_key, sizeof(aes_key));
	if (rc != 0) {
		OPENSSL_cleanse(out, len + 1);
		free(out);
		return -1;
	}
	out[len] = '\0';
	*msg = out;
	*msg_len = len;
	return 0;
}

/* --- key files ------------------------------------------------------------------
 * err gets one line naming the file; OpenSSL's own queue of messages is cleared
 * rather than left to confuse whatever reports the next failure. */

/* An encrypted key file is refused rather than prompting for a passphrase on a
 * terminal the CGI programs do not have. */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;
}

/* Writes the PEM of pkey to a new file beside path, with exactly mode, and syncs it.
 * Returns the temporary file's name (to free), or NULL with err set. */
static char *write_temp_pem(const char *path, EVP_PKEY *pkey, int private, mode_t mode,
			    char *err, size_t errlen)
{
	uint8_t rnd[8];
	char suffix[sizeof(rnd) * 2 + 1];
	char *tmp;
	FILE *fp;
	int fd, ok;

	if (crypto_random(rnd, sizeof(rnd)) != 0) {
		snprintf(err, errlen, "%s: no randomness for a temporary name", path);
		return NULL;
	}
	for (size_t i = 0; i < sizeof(rnd); i++)
		snprintf(suffix + 2 * i, 3, "%02x", rnd[i]);
	tmp = xasprintf("%s.tmp-%s", path, suffix);

	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0) {
		snprintf(err, errlen, "%s: cannot create: %s", tmp, strerror(errno));
		free(tmp);
		return NULL;
	}
	/* The umask may have taken bits from the public key; the private key is
	 * created 0600 and never has more. */
	if (fchmod(fd, mode) != 0 || (fp = fdopen(fd, "w")) == NULL) {
		snprintf(err, errlen, "%s: cannot write: %s", tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		free(tmp);
		return NULL;
	}
	if (private)
		ok = PEM_write_PrivateKey(fp, pkey, NULL, NULL, 0, NULL, NULL) == 1;
	else
		ok = PEM_write_PUBKEY(fp, pkey) == 1;
	ok = ok && fflush(fp) == 0 && fsync(fileno(fp)) == 0;
	if (fclose(fp) != 0)
		ok = 0;
	if (!ok) {
		snprintf(err, errlen, "%s: cannot write the %s key", tmp,
			 private ? "private" : "public");
		ERR_clear_error();
		unlink(tmp);
		free(tmp);
		return NULL;
	}
	return tmp;
}

/* Moves tmp to path without ever replacing a file there: link() fails with EEXIST
 * where rename() would silently overwrite, and a lost private key loses every
 * token sealed for it. */
static int place_file(const char *tmp, const char *path, char *err, size_t errlen)
{
	int rc = link(tmp, path);
	int saved = errno;

	unlink(tmp);
	if (rc != 0) {
		if (saved == EEXIST)
			snprintf(err, errlen, "%s: already exists; not overwriting it", path);
		else
			snprintf(err, errlen, "%s: cannot create: %s", path, strerror(saved));
		return -1;
	}
	return 0;
}

static int refuse_existing(const char *path, char *err, size_t errlen)
{
	struct stat st;

	if (lstat(path, &st) == 0) {
		snprintf(err, errlen, "%s: already exists; not overwriting it", path);
		return -1;
	}
	if (errno != ENOENT) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* The folder holding path, synced so the new names survive a crash. */
static void sync_parent(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir = slash == NULL ? xstrdup(".")
				  : xstrndup(path, slash == path ? 1 : (size_t)(slash - path));
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	free(dir);
}

int seal_generate_keys(const char *private_path, const char *public_path, char *err,
		       size_t errlen)
{
	EVP_PKEY *pkey;
	char *tmp_private = NULL, *tmp_public = NULL;
	int rc = -1;

	if (refuse_existing(private_path, err, errlen) != 0 ||
	    refuse_existing(public_path, err, errlen) != 0)
		return -1;
	pkey = EVP_PKEY_Q_keygen(NULL, NULL, "X25519");
	if (pkey == NULL) {
		snprintf(err, errlen, "%s: cannot generate an X25519 key", private_path);
		ERR_clear_error();
		return -1;
	}
	tmp_private = write_temp_pem(private_path, pkey, 1, 0600, err, errlen);
	if (tmp_private == NULL)
		goto out;
	tmp_public = write_temp_pem(public_path, pkey, 0, 0644, err, errlen);
	if (tmp_public == NULL) {
		unlink(tmp_private);
		goto out;
	}
	if (place_file(tmp_private, private_path, err, errlen) != 0) {
		unlink(tmp_public);
		goto out;
	}
	/* A private key without its public half is of no use; take it back. */
	if (place_file(tmp_public, public_path, err, errlen) != 0) {
		unlink(private_path);
		goto out;
	}
	sync_parent(private_path);
	sync_parent(public_path);
	rc = 0;
out:
	free(tmp_private);
	free(tmp_public);
	EVP_PKEY_free(pkey);
	return rc;
}

/* Checks that a key read from path is X25519 and wraps it. */
static struct seal_key *accept_x25519(EVP_PKEY *pkey, int has_private, const char *path,
				      char *err, size_t errlen)
{
	struct seal_key *key;

	if (!EVP_PKEY_is_a(pkey, "X25519")) {
		const char *type = EVP_PKEY_get0_type_name(pkey);

		snprintf(err, errlen, "%s: not an X25519 key (it is %s)", path,
			 type != NULL ? type : "of another type");
		EVP_PKEY_free(pkey);
		return NULL;
	}
	key = key_from_pkey(pkey, has_private);
	if (key == NULL) {
		snprintf(err, errlen, "%s: cannot read the public key from it", path);
		ERR_clear_error();
	}
	return key;
}

struct seal_key *seal_load_public(const char *path, char *err, size_t errlen)
{
	FILE *fp = fopen(path, "re");
	EVP_PKEY *pkey;

	if (fp == NULL) {
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		return NULL;
	}
	pkey = PEM_read_PUBKEY(fp, NULL, no_passphrase, NULL);
	fclose(fp);
	if (pkey == NULL) {
		snprintf(err, errlen, "%s: not a PEM public key", path);
		ERR_clear_error();
		return NULL;
	}
	return accept_x25519(pkey, 0, path, err, errlen);
}

struct seal_key *seal_load_private(const char *path, char *err, size_t errlen)
{
	EVP_PKEY *pkey;
	struct stat st;
	FILE *fp;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		return NULL;
	}
	/* fstat on the open file, so the mode checked is the mode of what is read. */
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		close(fd);
		return NULL;
	}
	if ((st.st_mode & 077) != 0) {
		snprintf(err, errlen,
			 "%s: private key is accessible to group or others (mode %04o); "
			 "run chmod 600 on it",
			 path, (unsigned)(st.st_mode & 07777));
		close(fd);
		return NULL;
	}
	fp = fdopen(fd, "r");
	if (fp == NULL) {
		snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
		close(fd);
		return NULL;
	}
	pkey = PEM_read_PrivateKey(fp, NULL, no_passphrase, NULL);
	fclose(fp);
	if (pkey == NULL) {
		snprintf(err, errlen, "%s: not an unencrypted PEM private key", path);
		ERR_clear_error();
		return NULL;
	}
	return accept_x25519(pkey, 1, path, err, errlen);
}
