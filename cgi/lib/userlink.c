/* userlink.c — the user_links table: single-use links to set a password, of
 * which only the SHA-256 of the token is stored, and the email jobs that carry
 * them with the token sealed for the worker. */
#include "config.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_sql.h"
#include "sess.h"
#include "user.h"
#include "userlink.h"
#include "util.h"

const char *const userlink_purpose_names[USERLINK_PURPOSE__MAX] = {
	[USERLINK_INVITE] = "invite",
	[USERLINK_RESET] = "reset",
};

/* A new link makes the person's older unused ones of its purpose expire (a
 * clicked old link then reads "no longer valid", not "unknown"), and the mails
 * still queued for them go unsent, their sealed tokens with them. */
static const char sql_expire_older[] =
	"UPDATE user_links SET expires_at = ?3 WHERE user_id = ?1 AND purpose = ?2 "
	"AND used_at = 0 AND expires_at > ?3";
static const char sql_drop_older_mails[] =
	"UPDATE outbox_jobs SET state = 'failed', sealed_token = NULL, "
	"last_error = 'a newer link replaced it', updated_at = ?3 "
	"WHERE kind = 'email' AND state = 'pending' AND json_extract(payload, '$.link') IN "
	"(SELECT id FROM user_links WHERE user_id = ?1 AND purpose = ?2)";
static const char sql_insert[] =
	"INSERT INTO user_links (user_id, purpose, token_hash, created_at, expires_at, "
	"created_by_user_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
static const char sql_mail[] =
	"INSERT INTO outbox_jobs (kind, state, payload, sealed_token, next_attempt_at, created_at, "
	"updated_at) VALUES ('email', 'pending', json_object('link', ?1), ?2, ?3, ?3, ?3)";
static const char sql_find[] =
	"SELECT l.id, l.user_id, l.purpose, l.expires_at, l.used_at, u.deactivated "
	"FROM user_links l JOIN users u ON u.id = l.user_id WHERE l.token_hash = ?1";
static const char sql_use[] =
	"UPDATE user_links SET used_at = ?2 WHERE id = ?1 AND used_at = 0";
static const char sql_for_mail[] =
	"SELECT l.purpose, l.expires_at, l.used_at, u.deactivated, u.email, u.name, u.language, "
	"j.sealed_token FROM user_links l JOIN users u ON u.id = l.user_id "
	"JOIN outbox_jobs j ON j.id = ?2 AND j.kind = 'email' WHERE l.id = ?1";

void userlink_seal_context(long long link_id, const char *email, enum userlink_purpose purpose,
			   struct seal_context *ctx)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->connection_id = link_id;
	/* No provider is named "link": a connection's box never opens here. */
	ctx->provider = "link";
	ctx->address = email;
	ctx->imap_host = (unsigned)purpose < USERLINK_PURPOSE__MAX ? userlink_purpose_names[purpose]
								   : "";
	ctx->imap_port = 0;
}

static enum status run(struct db *db, const char *sql, long long user_id,
		       enum userlink_purpose purpose, time_t now)
{
	sqlite3_stmt *st = db_stmt(db, sql);

	if (st == NULL)
		return ST_INTERNAL;
	sqlite3_bind_int64(st, 1, user_id);
	sqlite3_bind_text(st, 2, userlink_purpose_names[purpose], -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (long long)now);
	return db_step_done(db, st);
}

/* The mail that carries the link: an email job holding its token sealed for
 * the worker, bound to the link's row. */
static enum status queue_mail(struct db *db, struct keyring_sealer *sealer, long long link_id,
			      const struct user *u, enum userlink_purpose purpose, const char *token,
			      time_t now)
{
	struct seal_context ctx;
	uint8_t *box = NULL;
	size_t box_len = 0;
	sqlite3_stmt *st;
	char err[256];
	enum status rc;

	userlink_seal_context(link_id, u->email, purpose, &ctx);
	if (keyring_sealer_box(sealer, &ctx, (const uint8_t *)token, strlen(token), &box, &box_len,
			       err, sizeof(err)) != 0) {
		log_error("link %lld: cannot seal its token: %s", link_id, err);
		return ST_INTERNAL;
	}
	if ((st = db_stmt(db, sql_mail)) == NULL) {
		free(box);
		return ST_INTERNAL;
	}
	sqlite3_bind_int64(st, 1, link_id);
	sqlite3_bind_blob(st, 2, box, (int)box_len, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, (long long)now);
	rc = db_step_done(db, st);
	free(box);
	if (rc == ST_OK)
		db_note_after_commit(db, DB_AFTER_WAKE_WORKER);
	return rc;
}

enum status userlink_issue(struct db *db, const struct audit_actor *actor, long long user_id,
			   enum userlink_purpose purpose, struct keyring_sealer *sealer,
			   time_t now, char token[CRYPTO_TOKEN_LEN + 1])
{
	uint8_t hash[32];
	struct user u;
	sqlite3_stmt *st;
	long long link_id;
	char target[32], detail[96];
	enum status rc;

	token[0] = '\0';
	if ((unsigned)purpose >= USERLINK_PURPOSE__MAX || db_transaction_depth(db) == 0)
		return ST_INTERNAL;
	if ((rc = user_by_id(db, user_id, &u)) != ST_OK)
		return rc;
	if ((rc = run(db, sql_drop_older_mails, user_id, purpose, now)) != ST_OK ||
	    (rc = run(db, sql_expire_older, user_id, purpose, now)) != ST_OK)
		return rc;
	if (crypto_random_token(token) != 0)
		return ST_INTERNAL;
	crypto_sha256(token, strlen(token), hash);
	if ((st = db_stmt(db, sql_insert)) == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, user_id);
	sqlite3_bind_text(st, 2, userlink_purpose_names[purpose], -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 3, hash, sizeof(hash), SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 4, (long long)now);
	sqlite3_bind_int64(st, 5, (long long)now + USERLINK_VALID_SECONDS);
	if (actor->user_id > 0)
		sqlite3_bind_int64(st, 6, actor->user_id);
	else
		sqlite3_bind_null(st, 6);
	if ((rc = db_step_done(db, st)) != ST_OK)
		goto fail_rc;
	link_id = db_last_insert_id(db);
	/* A reset means the password may be known to someone else: out they go. */
	if (purpose == USERLINK_RESET && (rc = sess_end_user(db, user_id)) != ST_OK)
		goto fail_rc;
	if (sealer != NULL &&
	    (rc = queue_mail(db, sealer, link_id, &u, purpose, token, now)) != ST_OK)
		goto fail_rc;
	snprintf(target, sizeof(target), "user:%lld", user_id);
	snprintf(detail, sizeof(detail), "%s link %lld, valid 72 hours, %s%s",
		 userlink_purpose_names[purpose], link_id, sealer != NULL ? "mailed" : "shown once",
		 purpose == USERLINK_RESET ? "; sessions ended" : "");
	if ((rc = audit_write(db, actor, now,
			      purpose == USERLINK_INVITE ? "user.invite" : "user.reset_link", target,
			      detail)) != ST_OK)
		goto fail_rc;
	return ST_OK;
fail:
	rc = ST_INTERNAL;
fail_rc:
	OPENSSL_cleanse(token, CRYPTO_TOKEN_LEN + 1);
	return rc;
}

/* The link a token names: ST_OK, ST_NOT_FOUND (unknown), ST_GONE (used,
 * expired, or its person deactivated). */
static enum status find(struct db *db, const char *token, time_t now, long long *link_id,
			long long *user_id, enum userlink_purpose *purpose)
{
	size_t len = token != NULL ? strlen(token) : 0;
	uint8_t hash[32];
	sqlite3_stmt *st;
	int found_purpose, usable;
	enum status rc;

	/* A token is what crypto_random_token makes: anything else is forged. */
	if (len != CRYPTO_TOKEN_LEN || !crypto_base64url_chars(token, len))
		return ST_NOT_FOUND;
	crypto_sha256(token, len, hash);
	if ((st = db_stmt(db, sql_find)) == NULL)
		return ST_INTERNAL;
	sqlite3_bind_blob(st, 1, hash, sizeof(hash), SQLITE_TRANSIENT);
	if ((rc = db_step_row(db, st)) != ST_OK)
		return rc;
	*link_id = sqlite3_column_int64(st, 0);
	*user_id = sqlite3_column_int64(st, 1);
	found_purpose = name_index(userlink_purpose_names, USERLINK_PURPOSE__MAX, db_text(st, 2));
	usable = sqlite3_column_int64(st, 4) == 0 && (long long)now < sqlite3_column_int64(st, 3) &&
		 sqlite3_column_int(st, 5) == 0;
	sqlite3_reset(st);
	if (found_purpose < 0)
		return ST_INTERNAL;
	*purpose = (enum userlink_purpose)found_purpose;
	return usable ? ST_OK : ST_GONE;
}

enum status userlink_find(struct db *db, const char *token, time_t now, long long *user_id,
			  enum userlink_purpose *purpose)
{
	long long link_id;

	return find(db, token, now, &link_id, user_id, purpose);
}

enum status userlink_redeem(struct db *db, const char *token, const char *password_hash,
			    time_t now, long long *user_id)
{
	enum userlink_purpose purpose;
	struct audit_actor actor = { 0, "", "" };
	long long link_id;
	struct user u;
	sqlite3_stmt *st;
	char target[32], detail[64];
	enum status rc;

	if (db_transaction_depth(db) == 0)
		return ST_INTERNAL;
	if ((rc = find(db, token, now, &link_id, user_id, &purpose)) != ST_OK)
		return rc;
	if ((st = db_stmt(db, sql_use)) == NULL)
		return ST_INTERNAL;
	sqlite3_bind_int64(st, 1, link_id);
	sqlite3_bind_int64(st, 2, (long long)now);
	if ((rc = db_step_done(db, st)) != ST_OK)
		return rc;
	if (db_changes(db) != 1)
		return ST_GONE;
	if ((rc = user_by_id(db, *user_id, &u)) != ST_OK ||
	    (rc = user_set_password(db, *user_id, password_hash, now)) != ST_OK ||
	    (rc = sess_end_user(db, *user_id)) != ST_OK)
		return rc;
	actor.user_id = u.id;
	actor.name = u.email;
	snprintf(target, sizeof(target), "user:%lld", u.id);
	snprintf(detail, sizeof(detail), "through %s link %lld", userlink_purpose_names[purpose],
		 link_id);
	return audit_write(db, &actor, now, "user.set_password", target, detail);
}

enum status userlink_for_mail(struct db *db, long long job_id, long long link_id, time_t now,
			      struct userlink_mail *out)
{
	sqlite3_stmt *st = db_stmt(db, sql_for_mail);
	int purpose;
	enum status rc;

	memset(out, 0, sizeof(*out));
	if (st == NULL)
		return ST_INTERNAL;
	sqlite3_bind_int64(st, 1, link_id);
	sqlite3_bind_int64(st, 2, job_id);
	if ((rc = db_step_row(db, st)) != ST_OK)
		return rc;
	purpose = name_index(userlink_purpose_names, USERLINK_PURPOSE__MAX, db_text(st, 0));
	out->link_id = link_id;
	out->purpose = purpose < 0 ? USERLINK_INVITE : (enum userlink_purpose)purpose;
	out->expires_at = sqlite3_column_int64(st, 1);
	out->usable = purpose >= 0 && sqlite3_column_int64(st, 2) == 0 &&
		      (long long)now < out->expires_at && sqlite3_column_int(st, 3) == 0;
	db_copy_text(st, 4, out->email, sizeof(out->email));
	db_copy_text(st, 5, out->name, sizeof(out->name));
	db_copy_text(st, 6, out->language, sizeof(out->language));
	if (sqlite3_column_type(st, 7) == SQLITE_BLOB) {
		int len = sqlite3_column_bytes(st, 7);

		out->sealed_token = xmalloc((size_t)len);
		memcpy(out->sealed_token, sqlite3_column_blob(st, 7), (size_t)len);
		out->sealed_token_len = (size_t)len;
	}
	sqlite3_reset(st);
	return ST_OK;
}

void userlink_mail_clear(struct userlink_mail *m)
{
	free(m->sealed_token);
	memset(m, 0, sizeof(*m));
}
