/* pw.c — scrypt password hashes (OWASP: N=2^15, r=8, p=3), parameters stored with
 * each hash so they can be raised later without invalidating old ones. */
#include "config.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#include "crypto.h"
#include "pw.h"
#include "util.h"

#define PW_LOG_N 15
#define PW_R 8
#define PW_P 3
#define PW_SALT_LEN 16
#define PW_KEY_LEN 32
/* N=2^15, r=8 needs 32 MiB, OpenSSL's default cap; allow room above it. */
#define PW_MAXMEM (128ULL * 1024 * 1024)

static int derive(const char *password, size_t len, const uint8_t *salt, size_t salt_len,
		  int log_n, int r, int p, uint8_t *key, size_t key_len)
{
	return EVP_PBE_scrypt(password, len, salt, salt_len, 1ULL << log_n, (uint64_t)r,
			      (uint64_t)p, PW_MAXMEM, key, key_len) == 1
		       ? 0
		       : -1;
}

int pw_hash(const char *password, size_t len, char out[PW_HASH_MAX])
{
	uint8_t salt[PW_SALT_LEN], key[PW_KEY_LEN];
	char salt64[32], key64[64];

	if (len > PW_MAX_LEN || crypto_random(salt, sizeof(salt)) != 0)
		return -1;
	if (derive(password, len, salt, sizeof(salt), PW_LOG_N, PW_R, PW_P, key, sizeof(key)) != 0)
		return -1;
	crypto_base64(salt, sizeof(salt), salt64);
	crypto_base64(key, sizeof(key), key64);
	snprintf(out, PW_HASH_MAX, "$scrypt$ln=%d,r=%d,p=%d$%s$%s", PW_LOG_N, PW_R, PW_P, salt64,
		 key64);
	OPENSSL_cleanse(key, sizeof(key));
	return 0;
}

/* A stored hash taken apart; -1 when it is malformed or out of bounds. */
struct parsed_hash {
	int log_n, r, p;
	uint8_t salt[48], key[72];
	long salt_len, key_len;
};

static int parse_hash(const char *stored, struct parsed_hash *h)
{
	char salt64[64], key64[96];
	int consumed = 0;

	if (sscanf(stored, "$scrypt$ln=%d,r=%d,p=%d$%63[A-Za-z0-9+/=]$%95[A-Za-z0-9+/=]%n",
		   &h->log_n, &h->r, &h->p, salt64, key64, &consumed) != 5 ||
	    stored[consumed] != '\0')
		return -1;
	/* Bounds keep a tampered row from making one sign-in take minutes or fail. */
	if (h->log_n < 10 || h->log_n > 20 || h->r < 1 || h->r > 32 || h->p < 1 || h->p > 16)
		return -1;
	h->salt_len = crypto_base64_decode(salt64, strlen(salt64), h->salt, sizeof(h->salt));
	h->key_len = crypto_base64_decode(key64, strlen(key64), h->key, sizeof(h->key));
	if (h->salt_len < 8 || h->key_len < 16)
		return -1;
	return 0;
}

int pw_needs_rehash(const char *stored)
{
	struct parsed_hash h;

	if (stored == NULL || parse_hash(stored, &h) != 0)
		return 1;
	return h.log_n != PW_LOG_N || h.r != PW_R || h.p != PW_P || h.salt_len != PW_SALT_LEN ||
	       h.key_len != PW_KEY_LEN;
}

int pw_verify(const char *password, size_t len, const char *stored)
{
	struct parsed_hash h;
	uint8_t got[72];
	int ok;

	if (len > PW_MAX_LEN || parse_hash(stored, &h) != 0)
		return 0;
	if (derive(password, len, h.salt, (size_t)h.salt_len, h.log_n, h.r, h.p, got,
		   (size_t)h.key_len) != 0)
		return 0;
	ok = CRYPTO_memcmp(got, h.key, (size_t)h.key_len) == 0;
	OPENSSL_cleanse(got, sizeof(got));
	return ok;
}

void pw_verify_dummy(const char *password, size_t len)
{
	static const uint8_t salt[PW_SALT_LEN] = { 0 };
	uint8_t key[PW_KEY_LEN];

	derive(password, len > PW_MAX_LEN ? PW_MAX_LEN : len, salt, sizeof(salt), PW_LOG_N, PW_R,
	       PW_P, key, sizeof(key));
	OPENSSL_cleanse(key, sizeof(key));
}
