/* crypto.c — thin wrappers over OpenSSL; nothing here is hand-written cryptography. */
#include "config.h"

/* SHA256_Init/Update/Final are deprecated since OpenSSL 3.0 yet kept through 3.x
 * (crypto_sha256 says why they are used). */
#define OPENSSL_SUPPRESS_DEPRECATED 1

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "util.h"

int crypto_random(void *out, size_t len)
{
	return RAND_bytes(out, (int)len) == 1 ? 0 : -1;
}

int crypto_random_token(char out[CRYPTO_TOKEN_LEN + 1])
{
	uint8_t raw[32];
	char text[45]; /* the padded encoding is written before the padding goes */

	if (crypto_random(raw, sizeof(raw)) != 0)
		return -1;
	crypto_base64url(raw, sizeof(raw), text);
	memcpy(out, text, CRYPTO_TOKEN_LEN + 1);
	OPENSSL_cleanse(raw, sizeof(raw));
	OPENSSL_cleanse(text, sizeof(text));
	return 0;
}

/* The one hash a signed-in GET needs (its session cookie's), through the
 * low-level interface: EVP_Digest first fetches the algorithm from a provider,
 * which in a fresh process — every plain-CGI request — costs more than all the
 * rest of the page's own work: the email page as plain CGI takes 11.1 M
 * instructions this way, 17.0 M through EVP_Digest (bench/callgrind). */
void crypto_sha256(const void *data, size_t len, uint8_t out[32])
{
	SHA256_CTX c;

	if (SHA256_Init(&c) != 1 || SHA256_Update(&c, data, len) != 1 || SHA256_Final(out, &c) != 1)
		abort();
	OPENSSL_cleanse(&c, sizeof(c));
}

size_t crypto_base64(const uint8_t *data, size_t len, char *out)
{
	return (size_t)EVP_EncodeBlock((unsigned char *)out, data, (int)len);
}

void crypto_base64url(const uint8_t *data, size_t len, char *out)
{
	size_t n = crypto_base64(data, len, out);

	while (n > 0 && out[n - 1] == '=')
		n--;
	out[n] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (out[i] == '+')
			out[i] = '-';
		else if (out[i] == '/')
			out[i] = '_';
	}
}

int crypto_base64url_chars(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_'))
			return 0;
	}
	return 1;
}

long crypto_base64_decode(const char *in, size_t len, uint8_t *out, size_t outmax)
{
	int n, pad = 0;

	/* EVP_DecodeBlock wants whole quads and does not report the padding. */
	if (len == 0 || len % 4 != 0 || (len / 4) * 3 > outmax)
		return -1;
	for (size_t i = 0; i < len; i++) {
		char c = in[i];

		if (c == '=') {
			if (i < len - 2)
				return -1;
			pad++;
		} else if (pad > 0 || !((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
					(c >= '0' && c <= '9') || c == '+' || c == '/')) {
			return -1;
		}
	}
	n = EVP_DecodeBlock(out, (const unsigned char *)in, (int)len);
	if (n < 0)
		return -1;
	return n - pad;
}

long crypto_base64url_decode(const char *in, size_t len, uint8_t *out, size_t outmax)
{
	size_t padded_len = (len + 3) / 4 * 4;
	char *padded;
	long got;

	if (len == 0 || len % 4 == 1 || !crypto_base64url_chars(in, len))
		return -1;
	padded = xmalloc(padded_len);
	for (size_t i = 0; i < len; i++)
		padded[i] = in[i] == '-' ? '+' : in[i] == '_' ? '/' : in[i];
	memset(padded + len, '=', padded_len - len);
	got = crypto_base64_decode(padded, padded_len, out, outmax);
	free(padded);
	return got;
}

int crypto_equal(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	/* The length of a CSRF token is public; its bytes are not. */
	if (la != lb)
		return 0;
	return CRYPTO_memcmp(a, b, la) == 0;
}
