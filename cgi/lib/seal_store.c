/* seal_store.c — the store's sealed secrets: sealed into their row, bound to it,
 * and opened and re-sealed as a whole under the newest key.
 *
 * A secret already sealed as version 2 for the newest key is left as it is, so a
 * sweep cut short (or run twice) is simply run again. */
#include "config.h"

#include <openssl/crypto.h>
#include <string.h>

#include "db_sql.h"
#include "seal_store.h"
#include "util.h"

static const char sql_context[] =
	"SELECT provider, address, imap_host, imap_port FROM email_connections WHERE id = ?1";
static const char sql_set_token[] =
	"UPDATE email_connections SET sealed_token = ?2 WHERE id = ?1 AND state <> 'removed'";

/* Every column that holds a sealed secret, with the row's key and the connection
 * its secret belongs to (and is bound to). */
static const struct sealed_column {
	const char *select;
	const char *update;
	const char *what;
} sealed_columns[] = {
	{ "SELECT id, id, sealed_token FROM email_connections WHERE sealed_token IS NOT NULL",
	  "UPDATE email_connections SET sealed_token = ?2 WHERE id = ?1", "connection" },
	/* A revocation job holds a copy of its connection's box, bound to that
	 * connection.  An email job's box (a password link's token, userlink.h) is
	 * bound to its link and lives for minutes: it is left as sealed, and
	 * seal_store_count_key still counts it, so its key is not retired under it. */
	{ "SELECT id, connection_id, sealed_token FROM outbox_jobs WHERE sealed_token IS NOT NULL "
	  "AND kind = 'revoke'",
	  "UPDATE outbox_jobs SET sealed_token = ?2 WHERE id = ?1", "outbox job" },
};

static const char sql_count_key[] =
	"SELECT (SELECT count(*) FROM email_connections WHERE substr(sealed_token, 2, 8) = ?1)"
	" + (SELECT count(*) FROM outbox_jobs WHERE substr(sealed_token, 2, 8) = ?1)";

enum status seal_store_context_of(struct db *db, long long connection_id,
				  struct seal_store_context *out)
{
	sqlite3_stmt *st = db_stmt(db, sql_context);
	int rc;

	memset(out, 0, sizeof(*out));
	if (st == NULL)
		return ST_INTERNAL;
	sqlite3_bind_int64(st, 1, connection_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		snprintf(out->provider, sizeof(out->provider), "%s", db_text(st, 0));
		snprintf(out->address, sizeof(out->address), "%s", db_text(st, 1));
		snprintf(out->imap_host, sizeof(out->imap_host), "%s", db_text(st, 2));
		out->ctx.imap_port = (unsigned)sqlite3_column_int(st, 3);
	}
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return ST_NOT_FOUND;
	if (rc != SQLITE_ROW)
		return ST_INTERNAL;
	/* An IMAP row's password is bound to its server (006_imap.sql): a box moved
	 * to a row naming another host or port does not open.  OAuth rows read ""
	 * and 0, as they were sealed with before the columns existed. */
	out->ctx.connection_id = connection_id;
	out->ctx.provider = out->provider;
	out->ctx.address = out->address;
	out->ctx.imap_host = out->imap_host;
	return ST_OK;
}

enum status seal_store_connection_secret(struct db *db, struct keyring_sealer *sealer,
					 long long connection_id, const uint8_t *secret,
					 size_t len)
{
	struct seal_store_context c;
	uint8_t *box = NULL;
	size_t box_len = 0;
	sqlite3_stmt *st;
	char err[512];
	enum status rc;

	if (len == 0 || len > SEAL_MAX_SECRET || memchr(secret, '\0', len) != NULL)
		return ST_BAD_REQUEST;
	rc = seal_store_context_of(db, connection_id, &c);
	if (rc != ST_OK)
		return rc;
	if (keyring_sealer_box(sealer, &c.ctx, secret, len, &box, &box_len, err, sizeof(err)) !=
	    0) {
		log_error("connection %lld: %s", connection_id, err);
		return ST_INTERNAL;
	}
	st = db_stmt(db, sql_set_token);
	if (st == NULL) {
		free(box);
		return ST_INTERNAL;
	}
	sqlite3_bind_int64(st, 1, connection_id);
	sqlite3_bind_blob(st, 2, box, (int)box_len, SQLITE_TRANSIENT);
	rc = db_step_done(db, st);
	free(box);
	if (rc == ST_OK && db_changes(db) != 1)
		rc = ST_NOT_FOUND;
	return rc;
}

long seal_store_count_key(struct db *db, const uint8_t id[SEAL_KEY_ID_LEN])
{
	sqlite3_stmt *st = db_stmt(db, sql_count_key);
	long n = -1;

	if (st == NULL)
		return -1;
	sqlite3_bind_blob(st, 1, id, SEAL_KEY_ID_LEN, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = (long)sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return n;
}

enum status seal_store_retire_old_keys(struct db *db, const struct conf *conf,
				       const struct keyring *kr, const struct audit_actor *actor,
				       time_t now,
				       struct seal_store_old_key **out, size_t *n, char *err,
				       size_t errlen)
{
	long age = keyring_public_age(conf);
	uint8_t newest[SEAL_KEY_ID_LEN];

	*out = xcalloc(keyring_count(kr) + 1, sizeof(**out));
	*n = 0;
	if (age < 0)
		age = 0;
	seal_key_id(keyring_newest(kr), newest);
	for (size_t i = 0; i < keyring_count(kr); i++) {
		struct seal_store_old_key *k = &(*out)[*n];
		uint8_t id[SEAL_KEY_ID_LEN];

		seal_key_id(keyring_key(kr, i), id);
		if (memcmp(id, newest, sizeof(id)) == 0)
			continue;
		seal_id_hex(id, k->id);
		(*n)++;
		k->tokens = seal_store_count_key(db, id);
		if (k->tokens < 0) {
			snprintf(err, errlen, "cannot count the secrets sealed for key %s", k->id);
			return ST_INTERNAL;
		}
		if (k->tokens > 0) {
			k->fate = SEAL_STORE_KEPT_IN_USE;
		} else if (age < KEYRING_RETIRE_AFTER) {
			/* A program may have read the old public key just before it was
			 * replaced and still be about to seal with it. */
			k->fate = SEAL_STORE_KEPT_TOO_SOON;
			k->wait = KEYRING_RETIRE_AFTER - age;
		} else {
			/* The audit row first: a key is never gone without one. */
			if (audit_write(db, actor, now, "keys.retire", "keys", k->id) != ST_OK) {
				snprintf(err, errlen, "cannot write the audit row for key %s", k->id);
				return ST_INTERNAL;
			}
			if (keyring_retire(conf, id, err, errlen) != 0)
				return ST_INTERNAL;
			k->fate = SEAL_STORE_RETIRED;
		}
	}
	return ST_OK;
}

struct pending {
	long long id;
	long long connection_id;
	uint8_t *box;
	size_t len;
};

static enum status sweep_one(struct db *db, const struct sealed_column *col,
			     const struct pending *p, const struct keyring *kr, int reseal,
			     struct seal_store_counts *counts)
{
	const struct seal_key *newest = keyring_newest(kr);
	uint8_t *plain = NULL, *fresh = NULL, id[SEAL_KEY_ID_LEN], newest_id[SEAL_KEY_ID_LEN];
	size_t plain_len = 0, fresh_len = 0;
	struct seal_store_context c;
	enum seal_status opened;
	char hex[KEYRING_ID_HEX];
	sqlite3_stmt *st;
	enum status rc;
	int version = seal_box_header(p->box, p->len, id);

	rc = seal_store_context_of(db, p->connection_id, &c);
	if (rc == ST_INTERNAL)
		return rc;
	/* A job whose connection is gone has nothing to be bound to: it does not open. */
	opened = rc == ST_OK ? keyring_open(kr, &c.ctx, p->box, p->len, &plain, &plain_len)
			     : SEAL_NOT_OPENED;
	if (opened != SEAL_OK) {
		if (version < 0)
			snprintf(hex, sizeof(hex), "(none)");
		else
			seal_id_hex(id, hex);
		log_error("%s %lld: its secret: %s (format %d, key %s)", col->what,
			  p->id, seal_status_text(opened), version, hex);
		if (opened == SEAL_FAILED)
			return ST_INTERNAL;
		counts->failed++;
		return ST_OK;
	}
	counts->opened++;
	seal_key_id(newest, newest_id);
	if (!reseal || (version == 2 && memcmp(id, newest_id, sizeof(id)) == 0)) {
		OPENSSL_cleanse(plain, plain_len);
		free(plain);
		counts->already++;
		return ST_OK;
	}
	rc = seal_box(newest, &c.ctx, plain, plain_len, &fresh, &fresh_len) == 0 ? ST_OK
										   : ST_INTERNAL;
	OPENSSL_cleanse(plain, plain_len);
	free(plain);
	if (rc != ST_OK)
		return rc;
	st = db_stmt(db, col->update);
	if (st == NULL) {
		free(fresh);
		return ST_INTERNAL;
	}
	sqlite3_bind_int64(st, 1, p->id);
	sqlite3_bind_blob(st, 2, fresh, (int)fresh_len, SQLITE_TRANSIENT);
	rc = db_step_done(db, st);
	free(fresh);
	if (rc == ST_OK)
		counts->resealed++;
	return rc;
}

enum status seal_store_sweep(struct db *db, const struct keyring *kr, int reseal,
			     struct seal_store_counts *counts)
{
	memset(counts, 0, sizeof(*counts));
	for (size_t c = 0; c < ARRAY_LEN(sealed_columns); c++) {
		const struct sealed_column *col = &sealed_columns[c];
		struct pending *list = NULL;
		size_t n = 0;
		enum status st = ST_OK;
		sqlite3_stmt *rows;
		int rc;

		/* The rows are read whole first: updating a table while stepping
		 * through it is best avoided. */
		if (sqlite3_prepare_v2(db_handle(db), col->select, -1, &rows, NULL) != SQLITE_OK)
			return ST_INTERNAL;
		while ((rc = sqlite3_step(rows)) == SQLITE_ROW) {
			const void *blob = sqlite3_column_blob(rows, 2);
			size_t len = (size_t)sqlite3_column_bytes(rows, 2);

			list = xrealloc(list, (n + 1) * sizeof(*list));
			list[n].id = sqlite3_column_int64(rows, 0);
			list[n].connection_id = sqlite3_column_int64(rows, 1);
			list[n].box = xmalloc(len + 1);
			if (len > 0)
				memcpy(list[n].box, blob, len);
			list[n].len = len;
			n++;
		}
		sqlite3_finalize(rows);
		if (rc != SQLITE_DONE)
			st = ST_INTERNAL;
		for (size_t i = 0; i < n; i++) {
			if (st == ST_OK)
				st = sweep_one(db, col, &list[i], kr, reseal, counts);
			free(list[i].box);
		}
		free(list);
		if (st != ST_OK)
			return st;
	}
	return counts->failed > 0 ? ST_CONFLICT : ST_OK;
}
