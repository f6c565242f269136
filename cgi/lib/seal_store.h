/* seal_store.h — the sealed secrets in the store, as a whole: re-sealing every one
 * of them under a new key pair (`inboxpanel rekey`). */
#ifndef IP_SEAL_STORE_H
#define IP_SEAL_STORE_H

#include "db.h"
#include "seal.h"
#include "status.h"

struct seal_store_counts {
	long resealed; /* opened with the old key, sealed for the new one */
	long already;  /* sealed for the new key already (a rekey that was cut short) */
};

/* Re-seals every stored secret (connections' and revocation jobs' tokens) from
 * old_key to new_key, inside the caller's write transaction.  ST_CONFLICT when a
 * secret opens with neither key: then nothing should be committed. */
enum status seal_store_rekey(struct db *db, const struct seal_key *old_key,
			     const struct seal_key *new_key, struct seal_store_counts *counts);

#endif
