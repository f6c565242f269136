/* seal.c — sealed boxes (X25519 + HKDF-SHA256 + AES-256-GCM) bound to their row,
 * and their key files. */
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
#include <openssl/bio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto.h"
#include "seal.h"
#include "util.h"

#define SEAL_V1 0x01
#define SEAL_V2 0x02
#define SEAL_PUB_LEN 32
#define SEAL_NONCE_LEN 12
#define SEAL_TAG_LEN 16
#define SEAL_AES_KEY_LEN 32
#define SEAL_HEADER_LEN (1 + SEAL_KEY_ID_LEN + SEAL_PUB_LEN)
#define SEAL_OVERHEAD (SEAL_HEADER_LEN + SEAL_NONCE_LEN + SEAL_TAG_LEN)

/* Changing these strings, like any other part of the derivation or of the
 * additional data, needs a new version byte: boxes already stored must still open. */
static const char seal_info_v1[] = "inboxpanel seal v1";
static const char seal_info_v2[] = "inboxpanel seal v2";
static const char seal_context_label[] = "connection";
/* A private key file is a few hundred bytes of PEM. */
#define SEAL_KEY_FILE_MAX 4096

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
			  const uint8_t recipient_pub[SEAL_PUB_LEN], const char *info,
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
	params[3] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (char *)info,
						      strlen(info));
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

const char *seal_status_text(enum seal_status st)
{
	switch (st) {
	case SEAL_OK:
		return "opens";
	case SEAL_UNKNOWN_KEY:
		return "unknown key id";
	case SEAL_NOT_OPENED:
		return "does not open";
	case SEAL_FAILED:
		break;
	}
	return "cannot open it now";
}

static void put_be16(struct buf *b, unsigned v)
{
	uint8_t out[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	buf_append(b, out, sizeof(out));
}

/* length || bytes, in ASCII lower case when asked: the store compares addresses
 * with COLLATE NOCASE, so the binding does too. */
static int put_string(struct buf *b, const char *s, int fold_case)
{
	size_t len = strlen(s);

	if (len > 0xffff)
		return -1;
	put_be16(b, (unsigned)len);
	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		buf_putc(b, fold_case && c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c);
	}
	return 0;
}

/* The additional data of a box: its header, then (version 2) the context, in the
 * encoding documented in seal.h.  Every field has a fixed length or a length in
 * front, so two different contexts never encode alike. */
static int build_aad(const uint8_t *header, int version, const struct seal_context *ctx,
		     struct buf *aad)
{
	uint64_t id;

	buf_append(aad, header, SEAL_HEADER_LEN);
	if (version == SEAL_V1)
		return 0;
	if (ctx == NULL || ctx->provider == NULL || ctx->address == NULL || ctx->imap_host == NULL ||
	    ctx->imap_port > 0xffff)
		return -1;
	buf_append(aad, seal_context_label, sizeof(seal_context_label) - 1);
	id = (uint64_t)ctx->connection_id;
	for (int shift = 56; shift >= 0; shift -= 8)
		buf_putc(aad, (char)(uint8_t)(id >> shift));
	if (put_string(aad, ctx->provider, 0) != 0 || put_string(aad, ctx->address, 1) != 0 ||
	    put_string(aad, ctx->imap_host, 1) != 0)
		return -1;
	put_be16(aad, ctx->imap_port);
	return 0;
}

int seal_box(const struct seal_key *key, const struct seal_context *ctx, const uint8_t *msg,
	     size_t len, uint8_t **box, size_t *box_len)
{
	EVP_PKEY *eph = NULL;
	uint8_t aes_key[SEAL_AES_KEY_LEN], *out, *p;
	size_t pub_len = SEAL_PUB_LEN;
	struct buf aad;
	int ok = 0;

	*box = NULL;
	*box_len = 0;
	if (len > SEAL_MAX_BOX - SEAL_OVERHEAD)
		return -1;
	out = xmalloc(len + SEAL_OVERHEAD);
	p = out;
	*p++ = SEAL_V2;
	memcpy(p, key->id, SEAL_KEY_ID_LEN);
	p += SEAL_KEY_ID_LEN;
	buf_init(&aad);

	eph = EVP_PKEY_Q_keygen(NULL, NULL, "X25519");
	if (eph == NULL || EVP_PKEY_get_raw_public_key(eph, p, &pub_len) != 1 ||
	    pub_len != SEAL_PUB_LEN)
		goto out;
	if (build_aad(out, SEAL_V2, ctx, &aad) != 0)
		goto out;
	if (derive_box_key(eph, key->pkey, p, key->pub, seal_info_v2, aes_key) != 0)
		goto out;
	p += SEAL_PUB_LEN;
	if (RAND_bytes(p, SEAL_NONCE_LEN) != 1)
		goto out;
	if (gcm_encrypt(aes_key, p, (const uint8_t *)aad.data, aad.len, msg, len,
			p + SEAL_NONCE_LEN, p + SEAL_NONCE_LEN + len) != 0)
		goto out;
	ok = 1;
out:
	OPENSSL_cleanse(aes_key, sizeof(aes_key));
	EVP_PKEY_free(eph);
	buf_free(&aad);
	if (!ok) {
		ERR_clear_error();
		free(out);
		return -1;
	}
	*box = out;
	*box_len = len + SEAL_OVERHEAD;
	return 0;
}

int seal_box_header(const uint8_t *box, size_t box_len, uint8_t id[SEAL_KEY_ID_LEN])
{
	if (box == NULL || box_len < SEAL_HEADER_LEN || (box[0] != SEAL_V1 && box[0] != SEAL_V2))
		return -1;
	memcpy(id, box + 1, SEAL_KEY_ID_LEN);
	return box[0];
}

enum seal_status seal_open(const struct seal_key *key, const struct seal_context *ctx,
			   const uint8_t *box, size_t box_len, uint8_t **msg, size_t *msg_len)
{
	const uint8_t *eph_pub, *nonce, *ct;
	uint8_t aes_key[SEAL_AES_KEY_LEN], *out;
	struct buf aad;
	EVP_PKEY *eph;
	size_t len;
	int rc, version;

	*msg = NULL;
	*msg_len = 0;
	if (box_len < SEAL_OVERHEAD || box_len > SEAL_MAX_BOX)
		return SEAL_NOT_OPENED;
	version = box[0];
	if (version != SEAL_V1 && version != SEAL_V2)
		return SEAL_NOT_OPENED;
	if (memcmp(box + 1, key->id, SEAL_KEY_ID_LEN) != 0 || !key->has_private)
		return SEAL_UNKNOWN_KEY;
	len = box_len - SEAL_OVERHEAD;
	eph_pub = box + 1 + SEAL_KEY_ID_LEN;
	nonce = eph_pub + SEAL_PUB_LEN;
	ct = nonce + SEAL_NONCE_LEN;

	buf_init(&aad);
	if (build_aad(box, version, ctx, &aad) != 0) {
		buf_free(&aad);
		return SEAL_NOT_OPENED;
	}
	eph = EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, NULL, eph_pub, SEAL_PUB_LEN);
	if (eph == NULL) {
		buf_free(&aad);
		ERR_clear_error();
		return SEAL_NOT_OPENED;
	}
	/* A low-order ephemeral key makes the derivation fail: the box was forged. */
	rc = derive_box_key(key->pkey, eph, eph_pub, key->pub,
			    version == SEAL_V1 ? seal_info_v1 : seal_info_v2, aes_key);
	EVP_PKEY_free(eph);
	if (rc != 0) {
		buf_free(&aad);
		return SEAL_NOT_OPENED;
	}

	/* One byte more for a NUL, so a sealed token comes back as a C string. */
	out = xmalloc(len + 1);
	rc = gcm_decrypt(aes_key, nonce, (const uint8_t *)aad.data, aad.len, ct, len, ct + len, out);
	OPENSSL_cleanse(aes_key, sizeof(aes_key));
	buf_free(&aad);
	/* A secret with a NUL inside would be cut short wherever it is used as a C
	 * string: nobody seals one, so one that comes out is refused whole. */
	if (rc != 0 || memchr(out, '\0', len) != NULL) {
		OPENSSL_cleanse(out, len + 1);
		free(out);
		ERR_clear_error();
		return SEAL_NOT_OPENED;
	}
	out[len] = '\0';
	*msg = out;
	*msg_len = len;
	return SEAL_OK;
}

void seal_key_id(const struct seal_key *key, uint8_t id[SEAL_KEY_ID_LEN])
{
	memcpy(id, key->id, SEAL_KEY_ID_LEN);
}

void seal_id_hex(const uint8_t id[SEAL_KEY_ID_LEN], char out[2 * SEAL_KEY_ID_LEN + 1])
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < SEAL_KEY_ID_LEN; i++) {
		out[2 * i] = digits[id[i] >> 4];
		out[2 * i + 1] = digits[id[i] & 15];
	}
	out[2 * SEAL_KEY_ID_LEN] = '\0';
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

static char *parent_dir(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash == NULL ? xstrdup(".")
			     : xstrndup(path, slash == path ? 1 : (size_t)(slash - path));
}

static int write_all(int fd, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, data, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Writes the PEM of pkey to a new file beside path, with exactly mode, and syncs
 * it.  The PEM is built in OpenSSL's secure-memory BIO, which wipes itself when
 * freed, and written with write(2), so no stdio buffer keeps a copy of a private
 * key.  Returns the temporary file's name (to free), or NULL with err set. */
static char *write_temp_pem(const char *path, EVP_PKEY *pkey, int private, mode_t mode,
			    char *err, size_t errlen)
{
	uint8_t rnd[8];
	char suffix[sizeof(rnd) * 2 + 1];
	char *tmp, *pem = NULL;
	BIO *bio;
	long pem_len;
	int fd, ok;

	if (crypto_random(rnd, sizeof(rnd)) != 0) {
		snprintf(err, errlen, "%s: no randomness for a temporary name", path);
		return NULL;
	}
	for (size_t i = 0; i < sizeof(rnd); i++)
		snprintf(suffix + 2 * i, 3, "%02x", rnd[i]);
	tmp = xasprintf("%s.tmp-%s", path, suffix);

	bio = BIO_new(BIO_s_secmem());
	if (bio == NULL ||
	    (private ? PEM_write_bio_PrivateKey(bio, pkey, NULL, NULL, 0, NULL, NULL)
		     : PEM_write_bio_PUBKEY(bio, pkey)) != 1 ||
	    (pem_len = BIO_get_mem_data(bio, &pem)) <= 0) {
		snprintf(err, errlen, "%s: cannot encode the %s key", path,
			 private ? "private" : "public");
		BIO_free(bio);
		ERR_clear_error();
		free(tmp);
		return NULL;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0) {
		snprintf(err, errlen, "%s: cannot create: %s", tmp, strerror(errno));
		BIO_free(bio);
		free(tmp);
		return NULL;
	}
	/* The umask may have taken bits from the public key; the private key is
	 * created 0600 and never has more. */
	ok = fchmod(fd, mode) == 0 && write_all(fd, pem, (size_t)pem_len) == 0 && fsync(fd) == 0;
	BIO_free(bio);
	if (close(fd) != 0)
		ok = 0;
	if (!ok) {
		snprintf(err, errlen, "%s: cannot write the %s key: %s", tmp,
			 private ? "private" : "public", strerror(errno));
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

/* The file at path, read back, holds key (the same key id).  what names it in err. */
static int file_holds_key(const char *path, const struct seal_key *key, int private,
			  const char *what, char *err, size_t errlen)
{
	struct seal_key *back = private ? seal_load_private(path, err, errlen)
					: seal_load_public(path, err, errlen);
	char want[2 * SEAL_KEY_ID_LEN + 1], got[2 * SEAL_KEY_ID_LEN + 1];
	int same;

	if (back == NULL)
		return -1;
	same = memcmp(back->id, key->id, SEAL_KEY_ID_LEN) == 0;
	if (!same) {
		seal_id_hex(key->id, want);
		seal_id_hex(back->id, got);
		snprintf(err, errlen, "%s: %s holds key %s, not %s", path, what, got, want);
	}
	seal_key_free(back);
	return same ? 0 : -1;
}

struct seal_key *seal_key_generate(char *err, size_t errlen)
{
	EVP_PKEY *pkey = EVP_PKEY_Q_keygen(NULL, NULL, "X25519");
	struct seal_key *key;

	if (pkey == NULL || (key = key_from_pkey(pkey, 1)) == NULL) {
		snprintf(err, errlen, "cannot generate an X25519 key");
		ERR_clear_error();
		return NULL;
	}
	return key;
}

int seal_save_private(const struct seal_key *key, const char *path, char *err, size_t errlen)
{
	char *tmp;

	if (!key->has_private) {
		snprintf(err, errlen, "%s: no private key to write", path);
		return -1;
	}
	if (refuse_existing(path, err, errlen) != 0)
		return -1;
	tmp = write_temp_pem(path, key->pkey, 1, 0600, err, errlen);
	if (tmp == NULL)
		return -1;
	if (file_holds_key(tmp, key, 1, "written back", err, errlen) != 0) {
		unlink(tmp);
		free(tmp);
		return -1;
	}
	if (place_file(tmp, path, err, errlen) != 0) {
		free(tmp);
		return -1;
	}
	free(tmp);
	if (sync_parent_folder(path) != 0) {
		snprintf(err, errlen, "%s: cannot sync its folder: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

int seal_save_public(const struct seal_key *key, const char *path, int replace, char *err,
		     size_t errlen)
{
	char *tmp;

	if (!replace && refuse_existing(path, err, errlen) != 0)
		return -1;
	tmp = write_temp_pem(path, key->pkey, 0, 0644, err, errlen);
	if (tmp == NULL)
		return -1;
	if (file_holds_key(tmp, key, 0, "written back", err, errlen) != 0) {
		unlink(tmp);
		free(tmp);
		return -1;
	}
	if (replace) {
		if (rename(tmp, path) != 0) {
			snprintf(err, errlen, "%s: cannot move the new public key into place: %s", path,
				 strerror(errno));
			unlink(tmp);
			free(tmp);
			return -1;
		}
	} else if (place_file(tmp, path, err, errlen) != 0) {
		free(tmp);
		return -1;
	}
	free(tmp);
	if (sync_parent_folder(path) != 0) {
		snprintf(err, errlen, "%s: cannot sync its folder: %s", path, strerror(errno));
		return -1;
	}
	return file_holds_key(path, key, 0, "once in place", err, errlen);
}

int seal_generate_keys(const char *private_path, const char *public_path, char *err,
		       size_t errlen)
{
	struct seal_key *key;
	int rc = -1;

	if (refuse_existing(private_path, err, errlen) != 0 ||
	    refuse_existing(public_path, err, errlen) != 0)
		return -1;
	key = seal_key_generate(err, errlen);
	if (key == NULL)
		return -1;
	if (seal_save_private(key, private_path, err, errlen) != 0)
		goto out;
	/* A private key without its public half is of no use; take it back. */
	if (seal_save_public(key, public_path, 0, err, errlen) != 0) {
		unlink(private_path);
		goto out;
	}
	rc = 0;
out:
	seal_key_free(key);
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

/* Opens a key file and checks what it is before anything is read from it: a
 * regular file, owned as the rules in seal.h say, that nobody else can change
 * (nor, for a private key, read), in a folder nobody else can write to.  The
 * checks use fstat on the open file, so they are about what is read.  The open
 * descriptor, or -1 with err set. */
static int open_key_file(const char *path, int private, char *err, size_t errlen)
{
	struct stat st, dir_st;
	char *dir;
	int fd, dir_ok;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		goto refuse;
	}
	if (private && (st.st_mode & 077) != 0) {
		snprintf(err, errlen,
			 "%s: private key is accessible to group or others (mode %04o); "
			 "run chmod 600 on it",
			 path, (unsigned)(st.st_mode & 07777));
		goto refuse;
	}
	if ((st.st_mode & 022) != 0) {
		snprintf(err, errlen,
			 "%s: key file is writable by group or others (mode %04o); run chmod go-w on it",
			 path, (unsigned)(st.st_mode & 07777));
		goto refuse;
	}
	dir = parent_dir(path);
	dir_ok = stat(dir, &dir_st) == 0;
	if (dir_ok && (dir_st.st_mode & 022) != 0 && (dir_st.st_mode & S_ISVTX) == 0) {
		snprintf(err, errlen,
			 "%s: its folder %s is writable by group or others, who could replace the key",
			 path, dir);
		free(dir);
		goto refuse;
	}
	free(dir);
	if (private ? st.st_uid != geteuid()
		    : st.st_uid != geteuid() && st.st_uid != 0 &&
			      !(dir_ok && st.st_uid == dir_st.st_uid)) {
		snprintf(err, errlen, "%s: owned by another user (uid %ld)%s", path, (long)st.st_uid,
			 private ? "; a private key belongs to the user that uses it"
				 : ", neither this program's user, root, nor its folder's owner");
		goto refuse;
	}
	if (st.st_size > SEAL_KEY_FILE_MAX) {
		snprintf(err, errlen, "%s: too large for a key file", path);
		goto refuse;
	}
	return fd;
refuse:
	close(fd);
	return -1;
}

/* Reads a whole key file into buf; its length, or -1. */
static long read_key_file(int fd, uint8_t *buf, size_t size)
{
	size_t len = 0;

	for (;;) {
		ssize_t n = read(fd, buf + len, size - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			return (long)len;
		len += (size_t)n;
		if (len == size) {
			errno = EFBIG; /* larger than any key file */
			return -1;
		}
	}
}

static struct seal_key *load_key(const char *path, int private, char *err, size_t errlen)
{
	uint8_t pem[SEAL_KEY_FILE_MAX + 1];
	EVP_PKEY *pkey = NULL;
	BIO *bio;
	long len;
	int fd;

	fd = open_key_file(path, private, err, errlen);
	if (fd < 0)
		return NULL;
	len = read_key_file(fd, pem, sizeof(pem));
	close(fd);
	if (len < 0) {
		snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
		OPENSSL_cleanse(pem, sizeof(pem));
		return NULL;
	}
	/* A read-only memory BIO reads the buffer in place: no copy is left behind. */
	bio = BIO_new_mem_buf(pem, (int)len);
	if (bio != NULL)
		pkey = private ? PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL)
			       : PEM_read_bio_PUBKEY(bio, NULL, no_passphrase, NULL);
	BIO_free(bio);
	OPENSSL_cleanse(pem, sizeof(pem));
	if (pkey == NULL) {
		snprintf(err, errlen, private ? "%s: not an unencrypted PEM private key"
					      : "%s: not a PEM public key",
			 path);
		ERR_clear_error();
		return NULL;
	}
	return accept_x25519(pkey, private, path, err, errlen);
}

struct seal_key *seal_load_public(const char *path, char *err, size_t errlen)
{
	return load_key(path, 0, err, errlen);
}

struct seal_key *seal_load_private(const char *path, char *err, size_t errlen)
{
	return load_key(path, 1, err, errlen);
}
