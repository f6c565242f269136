/* seal_store.h — the sealed secrets in the store: each bound to its connection
 * row, sealed into that row, and, as a whole, opened and re-sealed under the
 * newest key (`inboxpanel rekey`).  A revocation job's token is its connection's,
 * moved there; a stray grant's (conn_give_up_stray_grant) is too, its row born
 * removed only to be bound to. */
#ifndef IP_SEAL_STORE_H
#define IP_SEAL_STORE_H

#include "audit.h"
#include "conf.h"
#include <time.h>

#include "db.h"
#include "keyring.h"
#include "seal.h"
#include "status.h"

/* Seals secret for connection connection_id, bound to the row's own provider and
 * address (and IMAP server), with the newest public key, and stores it in the
 * row; inside the caller's write transaction (insert the row first, then call
 * this, then commit).  ST_NOT_FOUND for no such (or a removed) row,
 * ST_BAD_REQUEST for a secret that is empty, holds a NUL or is over
 * SEAL_MAX_SECRET bytes, ST_INTERNAL when sealing fails
 * (logged). */
enum status seal_store_connection_secret(struct db *db, struct keyring_sealer *sealer,
					 long long connection_id, const uint8_t *secret,
					 size_t len);

/* The context a connection's box is bound to, read from its row: its strings
 * point into out's buffers.  ST_NOT_FOUND when there is no such row. */
struct seal_store_context {
	struct seal_context ctx;
	char provider[16];
	char address[256];
	char imap_host[256];
};
enum status seal_store_context_of(struct db *db, long long connection_id,
				  struct seal_store_context *out);

struct seal_store_counts {
	long opened;   /* every stored secret that opened */
	long resealed; /* of them, sealed again for the newest key as version 2 */
	long already;  /* of them, version 2 for the newest key already */
	long failed;   /* did not open: unknown key id, or does not open (each logged) */
};

/* Opens every stored secret (connections' and revocation jobs' tokens) with the
 * key of kr its box names, bound to its connection.  With reseal, each one that
 * is not a version 2 box for kr's newest key is sealed again as one, inside the
 * caller's write transaction.  ST_CONFLICT when any secret did not open (each is
 * logged with its row and why): then nothing should be committed. */
enum status seal_store_sweep(struct db *db, const struct keyring *kr, int reseal,
			     struct seal_store_counts *counts);

/* How many stored secrets are sealed for key id; -1 on a store error. */
long seal_store_count_key(struct db *db, const uint8_t id[SEAL_KEY_ID_LEN]);

/* What became of a key of the ring other than the newest. */
struct seal_store_old_key {
	char id[KEYRING_ID_HEX];
	enum { SEAL_STORE_RETIRED, SEAL_STORE_KEPT_IN_USE, SEAL_STORE_KEPT_TOO_SOON } fate;
	long tokens; /* KEPT_IN_USE: the stored secrets still sealed for it */
	long wait;   /* KEPT_TOO_SOON: seconds until it may go */
};

/* Retires (keyring_retire) each key of kr but the newest that no stored secret
 * names, once Keys.public_file has named another key for KEYRING_RETIRE_AFTER
 * seconds, writing a keys.retire audit row for each; inside the caller's write
 * transaction, so that no secret sealed for a key being removed can be committed
 * meanwhile (the caller commits).  *out (free()) gets one entry per old key, *n
 * how many.  ST_OK, or ST_INTERNAL with err (roll back). */
enum status seal_store_retire_old_keys(struct db *db, const struct conf *conf,
				       const struct keyring *kr, const struct audit_actor *actor,
				       time_t now,
				       struct seal_store_old_key **out, size_t *n, char *err,
				       size_t errlen);

#endif
