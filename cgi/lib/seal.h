/* seal.h — sealed boxes for tokens at rest: X25519 + HKDF-SHA256 + AES-256-GCM,
 * each box bound to the row that holds it.
 *
 * Anyone with the public key can seal; only the private key opens.  The web
 * programs hold the public key only; the worker and the command-line tool hold
 * the private ones (see keyring.h).
 *
 * A box proves nothing about who sealed it: the public key is public, so anyone
 * who can write a row can also put in it a box of their own making, for a secret
 * they chose.  What the binding below does stop is moving someone else's box
 * (their refresh token or IMAP password) into a row whose provider, address or
 * IMAP server the mover chose. */
#ifndef IP_SEAL_H
#define IP_SEAL_H

#include <stddef.h>
#include <stdint.h>

#define SEAL_KEY_ID_LEN 8
/* A box is at most this long, header and tag included; a secret at most
 * SEAL_MAX_BOX - 69 bytes.  Refresh tokens and passwords are far smaller. */
#define SEAL_MAX_BOX 16384
#define SEAL_MAX_SECRET (SEAL_MAX_BOX - 69)

struct seal_key; /* a public key, or a key pair */

/* What a box is bound to: the connection row that holds it (and a revocation job
 * holding a copy of that row's box, which names the same connection).  Strings
 * are never NULL; "" for what a connection does not have.  The address and the
 * IMAP host are bound without regard to ASCII case, as the store compares them. */
struct seal_context {
	long long connection_id;
	const char *provider;  /* "google", "microsoft", "outlook", "imap" */
	const char *address;   /* the mailbox */
	const char *imap_host; /* "" for the OAuth providers */
	unsigned imap_port;    /* 0 for the OAuth providers */
};

enum seal_status {
	SEAL_OK,
	SEAL_UNKNOWN_KEY, /* sealed for a key id that is not at hand */
	SEAL_NOT_OPENED,  /* tampered with, truncated, too long, of an unknown version,
			   * sealed for another row or another key under the same id,
			   * or holding a NUL byte; nothing of it is released */
	SEAL_FAILED,      /* OpenSSL or the system failed; the box may be fine */
};
/* "unknown key id", "does not open", "cannot open it now". */
const char *seal_status_text(enum seal_status st);

/* Seals msg for key, bound to ctx, in format version 2.  *box (free with free())
 * receives, len + 69 bytes in all:
 *
 *     version 0x02 (1) | key id (8) | ephemeral public key (32) | nonce (12) |
 *     ciphertext (len) | tag (16)
 *
 * The key id is the first 8 bytes of SHA-256 of the recipient's raw public key.
 * The AES-256-GCM key is HKDF-SHA256 of the X25519 shared secret with salt =
 * ephemeral public key || recipient public key and info = "inboxpanel seal v2".
 * The additional data is the first 41 bytes, then the context:
 *
 *     "connection" (10) | connection id (8, big-endian, two's complement) |
 *     provider, address, IMAP host: each length (2, big-endian) || bytes,
 *         address and host in ASCII lower case |
 *     IMAP port (2, big-endian)
 *
 * Version 1 (open only, see seal_open) was the same with info
 * "inboxpanel seal v1" and the 41 header bytes alone as additional data.
 * 0, or -1 (*box NULL) when OpenSSL fails, a context string is over 65535
 * bytes, or the box would be over SEAL_MAX_BOX. */
int seal_box(const struct seal_key *key, const struct seal_context *ctx, const uint8_t *msg,
	     size_t len, uint8_t **box, size_t *box_len);

/* Opens a box of version 2 sealed for key and ctx, or of version 1 sealed for
 * key (version 1 is bound to nothing; rekey re-seals those as version 2).  On
 * SEAL_OK *msg (free with free(); cleanse it first) holds *msg_len bytes, none of
 * them NUL, and a NUL after them.  Otherwise *msg is NULL and nothing of the
 * plaintext was released.  A key without its private half opens nothing
 * (SEAL_UNKNOWN_KEY: the key to open it is not at hand). */
enum seal_status seal_open(const struct seal_key *key, const struct seal_context *ctx,
			   const uint8_t *box, size_t box_len, uint8_t **msg, size_t *msg_len);

/* The format version (1 or 2) and the key id in a box's header; -1 for a box too
 * short to hold a header or of an unknown version. */
int seal_box_header(const uint8_t *box, size_t box_len, uint8_t id[SEAL_KEY_ID_LEN]);

/* The key's id, and any id as 16 lower-case hex digits and a NUL. */
void seal_key_id(const struct seal_key *key, uint8_t id[SEAL_KEY_ID_LEN]);
void seal_id_hex(const uint8_t id[SEAL_KEY_ID_LEN], char out[2 * SEAL_KEY_ID_LEN + 1]);

/* --- key files -------------------------------------------------------------------
 * Every function names the file in err (one line) when it fails. */

/* A new X25519 key pair, or NULL. */
struct seal_key *seal_key_generate(char *err, size_t errlen);

/* Writes key's private half to path, mode 0600, through a temporary file that is
 * synced, checked (it must read back as the same key) and linked into place, then
 * syncs the folder.  Never replaces a file at path, even one created meanwhile:
 * an overwritten private key loses every token sealed for it. */
int seal_save_private(const struct seal_key *key, const char *path, char *err, size_t errlen);

/* Writes key's public half to path, mode 0644, through a temporary file, checks
 * that the file read back carries key's id before and after it is moved into
 * place, and syncs the folder.  With replace, an existing file at path is
 * replaced (atomically: readers see the old key or the new one); without, it is
 * never touched. */
int seal_save_public(const struct seal_key *key, const char *path, int replace, char *err,
		     size_t errlen);

/* Writes a new key pair to two new files: seal_save_private, then
 * seal_save_public without replacing (the private key is taken back when that
 * fails).  Refuses when either file exists. */
int seal_generate_keys(const char *private_path, const char *public_path, char *err,
		       size_t errlen);

/* Read a PEM key file, which must hold an X25519 key.
 *
 * A public key file must be a regular file no group or others can write, owned
 * by this process's user, by root, or by the owner of the folder it is in (the
 * worker's user writes it, the web programs read it).  A private key file must
 * be a regular file owned by this process's user that no group or others can
 * read or write, and unencrypted; it is read with read(2) into memory that is
 * wiped, never through stdio buffers.  NULL with a one-line reason in err. */
struct seal_key *seal_load_public(const char *path, char *err, size_t errlen);
struct seal_key *seal_load_private(const char *path, char *err, size_t errlen);
/* NULL is fine. */
void seal_key_free(struct seal_key *key);

#endif
