/* seal_store.c — re-sealing the store's secrets under a new key pair.
 *
 * A secret already sealed for the new key is left as it is, so a rekey that was
 * cut short between its commit and the renaming of the key files can simply be
 * run again. */
#include "config.h"

#include <openssl/crypto.h>
#include <string.h>

#include "db_sql.h"
#include "seal_store.h"
#include "util.h"

/* Every column that holds a sealed secret, with the table's key. */
static const struct sealed_column {
	const char *select;
	const char *update;
	const char *what;
} sealed_columns[] = {
	{ "SELECT id, sealed_token FROM email_connections WHERE sealed_token IS NOT NULL",
	  "UPDATE email_connections SET sealed_token = ?2 WHERE id = ?1", "connection" },
	{ "SELECT id, sealed_token FROM outbox_jobs WHERE sealed_token IS NOT NULL",
	  "UPDATE outbox_jobs SET sealed_token = ?2 WHERE id = ?1", "outbox job" },
};

static enum status reseal_one(struct db *db, const struct sealed_column *col, long long id,
			      const uint8_t *box, size_t box_len, const struct seal_key *old_key,
			      const struct seal_key *new_key, struct seal_store_counts *counts)
{
	uint8_t *plain = NULL, *fresh = NULL;
	size_t plain_len = 0, fresh_len = 0;
	sqlite3_stmt *st;
	enum status rc;

	if (seal_open(old_key, box, box_len, &plain, &plain_len) != 0) {
		if (seal_open(new_key, box, box_len, &plain, &plain_len) != 0) {
			log_error("%s %lld: its secret opens with neither key", col->what, id);
			return ST_CONFLICT;
		}
		OPENSSL_cleanse(plain, plain_len);
		free(plain);
		counts->already++;
		return ST_OK;
	}
	rc = seal_box(new_key, plain, plain_len, &fresh, &fresh_len) == 0 ? ST_OK : ST_INTERNAL;
	OPENSSL_cleanse(plain, plain_len);
	free(plain);
	if (rc != ST_OK)
		return rc;
	st = db_stmt(db, col->update);
	if (st == NULL) {
		free(fresh);
		return ST_INTERNAL;
	}
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_blob(st, 2, fresh, (int)fresh_len, SQLITE_TRANSIENT);
	rc = db_step_done(db, st);
	free(fresh);
	if (rc == ST_OK)
		counts->resealed++;
	return rc;
}

enum status seal_store_rekey(struct db *db, const struct seal_key *old_key,
			     const struct seal_key *new_key, struct seal_store_counts *counts)
{
	memset(counts, 0, sizeof(*counts));
	for (size_t c = 0; c < ARRAY_LEN(sealed_columns); c++) {
		const struct sealed_column *col = &sealed_columns[c];
		sqlite3_stmt *rows;
		int rc;

		/* The rows are read whole first: updating a table while stepping
		 * through it is best avoided. */
		struct pending {
			long long id;
			uint8_t *box;
			size_t len;
		} *list = NULL;
		size_t n = 0;
		enum status st = ST_OK;

		if (sqlite3_prepare_v2(db_handle(db), col->select, -1, &rows, NULL) != SQLITE_OK)
			return ST_INTERNAL;
		while ((rc = sqlite3_step(rows)) == SQLITE_ROW) {
			const void *blob = sqlite3_column_blob(rows, 1);
			size_t len = (size_t)sqlite3_column_bytes(rows, 1);

			list = xrealloc(list, (n + 1) * sizeof(*list));
			list[n].id = sqlite3_column_int64(rows, 0);
			list[n].box = xmalloc(len);
			memcpy(list[n].box, blob, len);
			list[n].len = len;
			n++;
		}
		sqlite3_finalize(rows);
		if (rc != SQLITE_DONE)
			st = ST_INTERNAL;
		for (size_t i = 0; i < n; i++) {
			if (st == ST_OK)
				st = reseal_one(db, col, list[i].id, list[i].box, list[i].len, old_key,
						new_key, counts);
			free(list[i].box);
		}
		free(list);
		if (st != ST_OK)
			return st;
	}
	return ST_OK;
}
