/* keyring.h — the keys that seal and open the stored secrets, as files:
 *
 *     <Keys.private_file>.<key id>   one private key per id (16 lower-case hex
 *                                    digits), mode 0600, owned by the worker's
 *                                    user; never overwritten, and removed only by
 *                                    keyring_retire once no stored box names it
 *     <Keys.public_file>             the public half of the newest key: the one
 *                                    every sealer uses
 *
 * The ring can hold several private keys at once, so a program still sealing
 * with the public key from before a rotation seals for a key that is kept; a box
 * is opened with the key its header names.  A private key at Keys.private_file
 * itself (the layout before the ring) is one more key of the ring until
 * keyring_adopt files it under its id.
 *
 * The web programs never read a private key: keyring_check_web and
 * keyring_sealer are theirs; the rest is for the worker and the command-line
 * tool, which run as the keys' owner. */
#ifndef IP_KEYRING_H
#define IP_KEYRING_H

#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "seal.h"

#define KEYRING_ID_HEX (2 * SEAL_KEY_ID_LEN + 1)

/* An old key is retired only when Keys.public_file has named another for at
 * least this long: far longer than any request or worker pass that could still
 * be sealing with the public key it read before. */
#define KEYRING_RETIRE_AFTER 600

/* Turns off core dumps (and ptrace by other processes of the user) for the rest
 * of the process, which is about to hold private keys.  keyring_load does it. */
void keyring_no_core_dumps(void);

/* Files a private key found at Keys.private_file itself under its id (the key is
 * linked, never copied, and the old name removed only after the new one is
 * synced).  0 when there was none or it is done; -1 with err. */
int keyring_adopt(const struct conf *conf, char *err, size_t errlen);

/* What `init` does: keyring_adopt, then, when there is no public key file, a new
 * key pair (its private key into the ring first, then the public file), then
 * keyring_load's checks.  *created says whether a pair was written, new_id its id. */
int keyring_init(const struct conf *conf, int *created, char new_id[KEYRING_ID_HEX], char *err,
		 size_t errlen);

struct keyring;

/* Reads every private key of the ring and the public key file, and checks them:
 * each file holds the key its name says, and the public key is the public half
 * of a key in the ring (else every token sealed with it would be lost).  NULL
 * with a one-line reason in err. */
struct keyring *keyring_load(const struct conf *conf, char *err, size_t errlen);
void keyring_free(struct keyring *kr);

/* The key Keys.public_file names, with its private half. */
const struct seal_key *keyring_newest(const struct keyring *kr);
size_t keyring_count(const struct keyring *kr);
const struct seal_key *keyring_key(const struct keyring *kr, size_t i);

/* Opens box with the key of the ring its header names; as seal_open, and
 * SEAL_UNKNOWN_KEY when the ring has no key of that id. */
enum seal_status keyring_open(const struct keyring *kr, const struct seal_context *ctx,
			      const uint8_t *box, size_t box_len, uint8_t **msg, size_t *msg_len);

/* The first step of `rekey`: a new key pair, its private key into the ring
 * (synced), then its public half in place of Keys.public_file (checked before
 * and after the rename, synced).  Stopped anywhere, this leaves the public file
 * naming a key of the ring.  new_id receives the new key's id. */
int keyring_rotate(const struct conf *conf, char new_id[KEYRING_ID_HEX], char *err,
		   size_t errlen);

/* Removes the private key of id from the ring; never the newest.  The caller
 * must have checked that no stored box names it. */
int keyring_retire(const struct conf *conf, const uint8_t id[SEAL_KEY_ID_LEN], char *err,
		   size_t errlen);

/* Seconds since Keys.public_file was last replaced, or -1. */
long keyring_public_age(const struct conf *conf);

/* --- the web programs ---------------------------------------------------------- */

/* The start-up check of a program that seals but must not open: the public key
 * file is a well-formed X25519 key nobody else can change; where the ring can be
 * seen, it holds a private key of that id; and this program can read no private
 * key of the ring, unless Keys.single_user = 1 says that one user runs
 * everything (single-user shared hosting, where there is no one to keep the key
 * from).  0, or -1 with the reason in err. */
int keyring_check_web(const struct conf *conf, char *err, size_t errlen);

/* Seals with the newest public key: before each box the public key file is looked
 * at, and read again when it has been replaced, so a long-running program follows
 * a rotation without a restart.  A public key file that cannot be read, or whose
 * key the ring (where visible) does not hold, stops sealing rather than sealing
 * with the old key. */
struct keyring_sealer;
struct keyring_sealer *keyring_sealer_new(const struct conf *conf, char *err, size_t errlen);
int keyring_sealer_box(struct keyring_sealer *s, const struct seal_context *ctx,
		       const uint8_t *msg, size_t len, uint8_t **box, size_t *box_len, char *err,
		       size_t errlen);
/* The key the last box was sealed for. */
void keyring_sealer_id(const struct keyring_sealer *s, uint8_t id[SEAL_KEY_ID_LEN]);
void keyring_sealer_free(struct keyring_sealer *s);

#endif
