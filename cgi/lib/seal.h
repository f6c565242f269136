/* seal.h — sealed boxes for tokens at rest: X25519 + HKDF-SHA256 + AES-256-GCM.
 *
 * Anyone with the public key can seal; only the private key opens.  The web
 * programs hold the public key only; the worker and the command-line tool hold
 * the private one. */
#ifndef IP_SEAL_H
#define IP_SEAL_H

#include <stddef.h>
#include <stdint.h>

struct seal_key; /* a public key, or a key pair */

/* Writes a new X25519 key pair: the private key (unencrypted PEM, mode 0600) and
 * the public key (PEM, mode 0644), each written to a temporary file in the same
 * folder then moved into place, so neither path ever holds half a key.  Refuses
 * to overwrite an existing file, even one created meanwhile.  0, or -1 with a
 * one-line reason naming the file in err. */
int seal_generate_keys(const char *private_path, const char *public_path, char *err,
		       size_t errlen);

/* Read a PEM key file, which must hold an X25519 key: a public key (it can only
 * seal), or a private key (it seals and opens; the file must not be accessible to
 * group or others, and must not be encrypted).  NULL with a one-line reason
 * naming the file in err. */
struct seal_key *seal_load_public(const char *path, char *err, size_t errlen);
struct seal_key *seal_load_private(const char *path, char *err, size_t errlen);
/* NULL is fine. */
void seal_key_free(struct seal_key *key);

/* Seals msg for key.  *box (free with free()) receives
 * version(1) | key id(8) | ephemeral public key(32) | nonce(12) | ciphertext | tag(16),
 * len + 69 bytes in all.  Version 1: the key id is the first 8 bytes of SHA-256 of
 * the recipient's raw public key; the AES key is HKDF-SHA256 of the X25519 shared
 * secret, salt = ephemeral public key || recipient public key, info =
 * "inboxpanel seal v1"; the additional data is the first 41 bytes.  0, or -1
 * (*box NULL) when OpenSSL fails or msg is over INT_MAX - 69 bytes. */
int seal_box(const struct seal_key *key, const uint8_t *msg, size_t len, uint8_t **box,
	     size_t *box_len);

/* Opens a box sealed for key (which must hold the private key).  On success *msg
 * (free with free(); cleanse it first if it is a secret) holds *msg_len bytes and
 * a NUL after them.  -1, with *msg NULL and no plaintext released, for a box that
 * was tampered with, truncated, sealed for another key or of an unknown version,
 * and for a key without its private half. */
int seal_open(const struct seal_key *key, const uint8_t *box, size_t box_len, uint8_t **msg,
	      size_t *msg_len);

#endif
