/* flow.c — the oauth_flows table. */
#include "config.h"

#include <openssl/crypto.h>
#include <string.h>

#include "db_sql.h"
#include "flow.h"
#include "util.h"

static const char *const purpose_names[] = {
	[FLOW_CONNECT] = "connect",
	[FLOW_RECONNECT] = "reconnect",
};

static const char sql_sweep[] = "DELETE FROM oauth_flows WHERE created_at < ?1";
static const char sql_insert[] =
	"INSERT INTO oauth_flows (state_hash, session_id, user_id, provider, code_verifier, "
	"purpose, connection_id, created_at, inbox_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
/* The session and the age are part of the lookup: a flow of another session, or
 * one too old, is as good as none, and stays for its own session (or the sweep). */
static const char sql_find[] =
	"SELECT id, user_id, provider, code_verifier, purpose, connection_id, inbox_id "
	"FROM oauth_flows "
	"WHERE state_hash = ?1 AND session_id = ?2 AND created_at >= ?3";
static const char sql_delete[] = "DELETE FROM oauth_flows WHERE id = ?1";

enum status flow_start(struct db *db, const char *state, long long session_id,
		       const struct flow *flow, time_t now)
{
	uint8_t hash[32];
	sqlite3_stmt *st = db_stmt(db, sql_sweep);
	enum status rc;

	if (st == NULL)
		return ST_INTERNAL;
	sqlite3_bind_int64(st, 1, (long long)now - FLOW_LIFETIME);
	if ((rc = db_step_done(db, st)) != ST_OK)
		return rc;
	if ((st = db_stmt(db, sql_insert)) == NULL)
		return ST_INTERNAL;
	crypto_sha256(state, strlen(state), hash);
	sqlite3_bind_blob(st, 1, hash, sizeof(hash), SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, session_id);
	sqlite3_bind_int64(st, 3, flow->user_id);
	sqlite3_bind_text(st, 4, prov_table[flow->provider].name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, flow->code_verifier, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 6, purpose_names[flow->purpose], -1, SQLITE_STATIC);
	if (flow->purpose == FLOW_RECONNECT)
		sqlite3_bind_int64(st, 7, flow->connection_id);
	else
		sqlite3_bind_null(st, 7);
	sqlite3_bind_int64(st, 8, (long long)now);
	if (flow->inbox_id > 0)
		sqlite3_bind_int64(st, 9, flow->inbox_id);
	else
		sqlite3_bind_null(st, 9);
	return db_step_done(db, st);
}

enum status flow_take(struct db *db, const char *state, long long session_id, time_t now,
		      struct flow *out)
{
	uint8_t hash[32];
	sqlite3_stmt *st = db_stmt(db, sql_find);
	long long id;
	int purpose, known;
	enum status rc;

	memset(out, 0, sizeof(*out));
	if (st == NULL)
		return ST_INTERNAL;
	crypto_sha256(state, strlen(state), hash);
	sqlite3_bind_blob(st, 1, hash, sizeof(hash), SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, session_id);
	sqlite3_bind_int64(st, 3, (long long)now - FLOW_LIFETIME);
	if ((rc = db_step_row(db, st)) != ST_OK)
		return rc;
	id = sqlite3_column_int64(st, 0);
	out->user_id = sqlite3_column_int64(st, 1);
	known = prov_from_name(db_text(st, 2), &out->provider) == 0;
	db_copy_text(st, 3, out->code_verifier, sizeof(out->code_verifier));
	purpose = name_index(purpose_names, (int)ARRAY_LEN(purpose_names), db_text(st, 4));
	out->connection_id = sqlite3_column_int64(st, 5);
	out->inbox_id = sqlite3_column_int64(st, 6);
	sqlite3_reset(st);
	if (!known || purpose < 0) {
		log_error("oauth flow %lld: unknown provider or purpose", id);
		OPENSSL_cleanse(out, sizeof(*out));
		return ST_INTERNAL;
	}
	out->purpose = (enum flow_purpose)purpose;
	if ((st = db_stmt(db, sql_delete)) == NULL)
		return ST_INTERNAL;
	sqlite3_bind_int64(st, 1, id);
	return db_step_done(db, st);
}
