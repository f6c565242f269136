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

/* Writes a new key pair: the private key (PEM, mode 0600) and the public key (PEM,
 * mode 0644), each written to a temporary file then renamed into place.  Refuses
 * to overwrite existing files.  0, or -1 with a reason in err. */
int seal_generate_keys(const char *private_path, const char *public_path, char *err,
		       size_t errlen);

struct seal_key *seal_load_public(const char *path, char *err, size_t errlen);
struct seal_key *seal_load_private(const char *path, char *err, size_t errlen);
void seal_key_free(struct seal_key *key);

/* Seals msg for key.  *box (free with free()) receives
 * version(1) | key id(8) | ephemeral public key(32) | nonce(12) | ciphertext | tag(16). */
int seal_box(const struct seal_key *key, const uint8_t *msg, size_t len, uint8_t **box,
	     size_t *box_len);

/* Opens a box sealed for key (which must hold the private key).  -1 for a box that
 * was tampered with, truncated, sealed for another key or of an unknown version. */
int seal_open(const struct seal_key *key, const uint8_t *box, size_t box_len, uint8_t **msg,
	      size_t *msg_len);

#endif
