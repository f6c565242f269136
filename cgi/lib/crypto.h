/* crypto.h — randomness, hashing and encodings from OpenSSL, in the shapes the
 * panel uses them. */
#ifndef IP_CRYPTO_H
#define IP_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

/* Fills out with bytes from OpenSSL's CSPRNG; returns 0, or -1 if it failed. */
int crypto_random(void *out, size_t len);

/* 32 random bytes as 43 characters of unpadded base64url, NUL-terminated. */
#define CRYPTO_TOKEN_LEN 43
int crypto_random_token(char out[CRYPTO_TOKEN_LEN + 1]);

void crypto_sha256(const void *data, size_t len, uint8_t out[32]);

/* Unpadded base64url of data; out must hold 4 * ((len + 2) / 3) + 1 bytes. */
void crypto_base64url(const uint8_t *data, size_t len, char *out);

/* Unpadded base64url back to bytes, the inverse of crypto_base64url: the length
 * written, or -1 for malformed input or when outmax < 3 * ceil(len / 4). */
long crypto_base64url_decode(const char *in, size_t len, uint8_t *out, size_t outmax);

/* True when s[0..len) holds only base64url characters ([A-Za-z0-9_-]). */
int crypto_base64url_chars(const char *s, size_t len);

/* Standard base64 with padding, and its decoder (which refuses anything else);
 * both return the length written, the decoder -1 on malformed or empty input.
 * The decoder needs outmax >= 3 * len / 4, padding included. */
size_t crypto_base64(const uint8_t *data, size_t len, char *out);
long crypto_base64_decode(const char *in, size_t len, uint8_t *out, size_t outmax);

/* Equal strings, compared in time that does not depend on where they differ. */
int crypto_equal(const char *a, const char *b);

#endif
