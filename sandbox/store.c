/* store.c — the sandbox's own SQLite file: accounts, grants, codes and tokens
 * (as SHA-256 hashes only), injected faults, settings and the call log.
 *
 * Several FastCGI workers share it, so it is in WAL mode and every write runs in
 * BEGIN IMMEDIATE.  The schema is the sandbox's own, never the panel's. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "crypto.h"
#include "sandbox.h"

/* Each column says what it keeps; a token is never stored, only its hash. */
static const char schema[] =
	"CREATE TABLE IF NOT EXISTS accounts (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  provider TEXT NOT NULL,   -- google | microsoft (work) | outlook (personal)\n"
	"  address TEXT NOT NULL,    -- the mailbox\n"
	"  subject TEXT NOT NULL,    -- Google's sub, Microsoft's oid\n"
	"  tenant TEXT NOT NULL,     -- Microsoft's tid; '' for Google\n"
	"  UNIQUE (provider, address));\n"
	"CREATE TABLE IF NOT EXISTS grants (\n"
	"  id TEXT PRIMARY KEY,      -- Graph's oauth2PermissionGrant id\n"
	"  account_id INTEGER NOT NULL REFERENCES accounts(id),\n"
	"  client_id TEXT NOT NULL,  -- the app that was given access\n"
	"  scope TEXT NOT NULL,      -- space-separated, as consented\n"
	"  live INTEGER NOT NULL DEFAULT 1,\n"
	"  created_ms INTEGER NOT NULL,\n"
	"  ended_ms INTEGER,\n"
	"  ended_by TEXT);           -- revoke (Google), graph (grant deleted), user (control API)\n"
	"CREATE TABLE IF NOT EXISTS codes (\n"
	"  hash TEXT PRIMARY KEY,    -- hex SHA-256 of the authorization code\n"
	"  grant_id TEXT NOT NULL REFERENCES grants(id),\n"
	"  client_id TEXT NOT NULL,\n"
	"  redirect_uri TEXT NOT NULL,\n"
	"  challenge TEXT NOT NULL,  -- PKCE S256 challenge, '' when none was sent\n"
	"  scope TEXT NOT NULL,\n"
	"  offline INTEGER NOT NULL, -- a refresh token goes with the access token\n"
	"  expires_ms INTEGER NOT NULL,\n"
	"  used INTEGER NOT NULL DEFAULT 0);\n"
	"CREATE TABLE IF NOT EXISTS tokens (\n"
	"  hash TEXT PRIMARY KEY,    -- hex SHA-256 of the token; its first 16 are the fingerprint\n"
	"  kind TEXT NOT NULL,       -- access | refresh | app (client credentials)\n"
	"  grant_id TEXT,            -- NULL for app tokens\n"
	"  client_id TEXT NOT NULL,\n"
	"  tenant TEXT NOT NULL,     -- the tenant of an app token, '' otherwise\n"
	"  expires_ms INTEGER,       -- NULL: until revoked\n"
	"  dead INTEGER NOT NULL DEFAULT 0,\n"
	"  created_ms INTEGER NOT NULL);\n"
	"CREATE INDEX IF NOT EXISTS tokens_grant ON tokens(grant_id);\n"
	"CREATE TABLE IF NOT EXISTS faults (\n"
	"  id INTEGER PRIMARY KEY,   -- taken in this order\n"
	"  endpoint TEXT NOT NULL,\n"
	"  kind TEXT NOT NULL,       -- 500 | 503 | 429 | hang | invalid_grant | graph_403\n"
	"  remaining INTEGER NOT NULL, -- calls still to fail\n"
	"  retry_after INTEGER NOT NULL, -- seconds, for 503 and 429\n"
	"  hang INTEGER NOT NULL);   -- seconds, for hang\n"
	"CREATE TABLE IF NOT EXISTS calls (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  ms INTEGER NOT NULL,      -- when it arrived, ms since the epoch\n"
	"  elapsed_ms INTEGER NOT NULL, -- until the answer was ready\n"
	"  endpoint TEXT NOT NULL,\n"
	"  method TEXT NOT NULL,\n"
	"  status INTEGER NOT NULL,\n"
	"  token TEXT,               -- fingerprint of the token or code presented\n"
	"  grant_id TEXT,\n"
	"  fault TEXT,               -- the fault injected, if one was\n"
	"  error TEXT);              -- the error code answered, if any\n"
	"CREATE TABLE IF NOT EXISTS settings (\n"
	"  name TEXT PRIMARY KEY,    -- latency_ms\n"
	"  value INTEGER NOT NULL);\n";

long long now_ms(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (long long)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

void token_hash(const char *token, char out[65])
{
	static const char hex[] = "0123456789abcdef";
	uint8_t h[32];

	crypto_sha256(token, strlen(token), h);
	for (int i = 0; i < 32; i++) {
		out[2 * i] = hex[h[i] >> 4];
		out[2 * i + 1] = hex[h[i] & 15];
	}
	out[64] = '\0';
}

sqlite3 *store_open(const char *path, char *err, size_t errlen)
{
	sqlite3 *db = NULL;
	char *msg = NULL;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path, db ? sqlite3_errmsg(db) : "out of memory");
		sqlite3_close(db);
		return NULL;
	}
	sqlite3_busy_timeout(db, 10000);
	if (sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
			     "PRAGMA foreign_keys=ON;", NULL, NULL, &msg) != SQLITE_OK ||
	    sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, &msg) != SQLITE_OK ||
	    sqlite3_exec(db, schema, NULL, NULL, &msg) != SQLITE_OK ||
	    sqlite3_exec(db, "COMMIT", NULL, NULL, &msg) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path, msg ? msg : sqlite3_errmsg(db));
		sqlite3_free(msg);
		sqlite3_close(db);
		return NULL;
	}
	return db;
}

int store_begin(sqlite3 *db)
{
	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
		log_error("sandbox store: BEGIN: %s", sqlite3_errmsg(db));
		return -1;
	}
	return 0;
}

int store_commit(sqlite3 *db)
{
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		log_error("sandbox store: COMMIT: %s", sqlite3_errmsg(db));
		store_rollback(db);
		return -1;
	}
	return 0;
}

void store_rollback(sqlite3 *db)
{
	if (!sqlite3_get_autocommit(db))
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
}

/* Statements stay prepared from one call to the next: preparing them again was
 * over a quarter of the sandbox's time per call.  Each is found by the address
 * of its text (a literal), and is lent to one user at a time. */
#define STMT_CACHE_SIZE 64
static struct cached_stmt {
	sqlite3 *db;
	const char *sql;
	sqlite3_stmt *st;
	int lent;
} stmt_cache[STMT_CACHE_SIZE];
static size_t stmt_cached;

sqlite3_stmt *store_prepare(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;

	for (size_t i = 0; i < stmt_cached; i++) {
		struct cached_stmt *c = &stmt_cache[i];

		if (c->db == db && c->sql == sql && !c->lent) {
			c->lent = 1;
			return c->st;
		}
	}
	if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
		log_error("sandbox store: %s: %s", sql, sqlite3_errmsg(db));
		return NULL;
	}
	if (stmt_cached < STMT_CACHE_SIZE)
		stmt_cache[stmt_cached++] = (struct cached_stmt){ db, sql, st, 1 };
	return st;
}

void store_release(sqlite3_stmt *st)
{
	if (st == NULL)
		return;
	for (size_t i = 0; i < stmt_cached; i++)
		if (stmt_cache[i].st == st) {
			/* Reset ends its read of the database: a statement left half-read
			 * would hold an old snapshot and keep checkpoints from finishing. */
			sqlite3_reset(st);
			sqlite3_clear_bindings(st);
			stmt_cache[i].lent = 0;
			return;
		}
	sqlite3_finalize(st);
}

void store_close(sqlite3 *db)
{
	size_t kept = 0;

	if (db == NULL)
		return;
	for (size_t i = 0; i < stmt_cached; i++) {
		if (stmt_cache[i].db == db)
			sqlite3_finalize(stmt_cache[i].st);
		else
			stmt_cache[kept++] = stmt_cache[i];
	}
	stmt_cached = kept;
	sqlite3_close(db);
}

/* Binds as many text values as the statement has parameters, read from ap (a
 * NULL among them binds NULL; the caller's trailing NULL is never read). */
static void bind_texts(sqlite3_stmt *st, va_list ap)
{
	int n = sqlite3_bind_parameter_count(st);

	for (int i = 1; i <= n; i++) {
		const char *v = va_arg(ap, const char *);

		if (v == NULL)
			sqlite3_bind_null(st, i);
		else
			sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
	}
}

int store_exec(sqlite3 *db, const char *sql, ...)
{
	sqlite3_stmt *st = store_prepare(db, sql);
	va_list ap;
	int rc;

	if (st == NULL)
		return -1;
	va_start(ap, sql);
	bind_texts(st, ap);
	va_end(ap);
	rc = sqlite3_step(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		log_error("sandbox store: %s: %s", sql, sqlite3_errmsg(db));
		store_release(st);
		return -1;
	}
	store_release(st);
	return 0;
}

static void copy_col(sqlite3_stmt *st, int col, char *out, size_t outlen)
{
	const unsigned char *v = sqlite3_column_text(st, col);

	snprintf(out, outlen, "%s", v ? (const char *)v : "");
}

/* Google's sub: 21 digits; Microsoft's oid: a GUID. */
static void new_subject(enum sbx_client provider, char out[64])
{
	if (provider == SBX_GOOGLE) {
		uint8_t r[21];

		crypto_random(r, sizeof(r));
		out[0] = '1';
		for (int i = 1; i < 21; i++)
			out[i] = (char)('0' + r[i] % 10);
		out[21] = '\0';
	} else {
		sbx_random_uuid(out);
	}
}

int store_account(sqlite3 *db, enum sbx_client provider, const char *address, struct account *out)
{
	const char *name = sbx_client_names[provider];
	sqlite3_stmt *st;
	int rc;

	memset(out, 0, sizeof(*out));
	for (int attempt = 0; attempt < 2; attempt++) {
		st = store_prepare(db, "SELECT id, address, subject, tenant FROM accounts "
				       "WHERE provider = ? AND address = ? COLLATE NOCASE");
		if (st == NULL)
			return -1;
		sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, address, -1, SQLITE_TRANSIENT);
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			out->id = sqlite3_column_int64(st, 0);
			out->provider = provider;
			copy_col(st, 1, out->address, sizeof(out->address));
			copy_col(st, 2, out->subject, sizeof(out->subject));
			copy_col(st, 3, out->tenant, sizeof(out->tenant));
			store_release(st);
			return 0;
		}
		store_release(st);
		if (rc != SQLITE_DONE || attempt > 0)
			break;
		{
			char subject[64], tenant[64];

			new_subject(provider, subject);
			sbx_tenant_for(provider, address, tenant);
			if (store_exec(db, "INSERT INTO accounts (provider, address, subject, tenant) "
					   "VALUES (?, ?, ?, ?)", name, address, subject, tenant, NULL) != 0)
				return -1;
		}
	}
	log_error("sandbox store: account %s: %s", address, sqlite3_errmsg(db));
	return -1;
}

/* A grant id in the shape of Graph's: 43 characters of base64url. */
int store_grant(sqlite3 *db, long long account_id, const char *client_id, const char *scope,
		char grant_id[64])
{
	sqlite3_stmt *st = store_prepare(db, "SELECT id, scope FROM grants WHERE account_id = ? "
					     "AND client_id = ? AND live = 1");
	int rc;
	char ms[24], acc[24];

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, account_id);
	sqlite3_bind_text(st, 2, client_id, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		struct buf widened;
		const char *old = (const char *)sqlite3_column_text(st, 1);
		const char *p = scope;

		copy_col(st, 0, grant_id, 64);
		/* A later consent adds its scopes to the grant (include_granted_scopes). */
		buf_init(&widened);
		buf_puts(&widened, old ? old : "");
		while (*p) {
			size_t n = strcspn(p, " ");
			char *one = xstrndup(p, n);
			char *padded = xasprintf(" %s ", widened.data ? widened.data : "");
			char *needle = xasprintf(" %s ", one);

			if (n > 0 && strstr(padded, needle) == NULL) {
				if (widened.len > 0)
					buf_putc(&widened, ' ');
				buf_puts(&widened, one);
			}
			free(one);
			free(padded);
			free(needle);
			p += n;
			while (*p == ' ')
				p++;
		}
		store_release(st);
		rc = store_exec(db, "UPDATE grants SET scope = ? WHERE id = ?",
				widened.data ? widened.data : "", grant_id, NULL);
		buf_free(&widened);
		return rc;
	}
	store_release(st);
	if (rc != SQLITE_DONE)
		return -1;
	if (crypto_random_token(grant_id) != 0)
		return -1;
	snprintf(ms, sizeof(ms), "%lld", now_ms());
	snprintf(acc, sizeof(acc), "%lld", account_id);
	return store_exec(db, "INSERT INTO grants (id, account_id, client_id, scope, created_ms) "
			      "VALUES (?, ?, ?, ?, ?)", grant_id, acc, client_id, scope, ms, NULL);
}

int store_issue_token(sqlite3 *db, const char *prefix, const char *kind, const char *grant_id,
		      const char *client_id, const char *tenant, long ttl, char *out, size_t outlen)
{
	char random[CRYPTO_TOKEN_LEN + 1], hash[65], created[24], expires[24];

	if (crypto_random_token(random) != 0)
		return -1;
	snprintf(out, outlen, "%s%s", prefix, random);
	token_hash(out, hash);
	snprintf(created, sizeof(created), "%lld", now_ms());
	snprintf(expires, sizeof(expires), "%lld", now_ms() + (long long)ttl * 1000);
	return store_exec(db, "INSERT INTO tokens (hash, kind, grant_id, client_id, tenant, "
			      "expires_ms, created_ms) VALUES (?, ?, ?, ?, ?, ?, ?)",
			  hash, kind, grant_id, client_id, tenant ? tenant : "",
			  ttl > 0 ? expires : NULL, created, NULL);
}

int store_token(sqlite3 *db, const char *token, struct token_info *out)
{
	char hash[65];
	sqlite3_stmt *st;
	int rc;

	memset(out, 0, sizeof(*out));
	token_hash(token, hash);
	st = store_prepare(db,
			   "SELECT t.kind, ifnull(t.grant_id, ''), t.client_id, t.tenant, "
			   "  t.dead = 0 AND (t.expires_ms IS NULL OR t.expires_ms > ?), "
			   "  ifnull(g.live, 1), ifnull(g.ended_by, ''), "
			   "  ifnull(a.id, 0), ifnull(a.provider, ''), ifnull(a.address, ''), "
			   "  ifnull(a.subject, ''), ifnull(a.tenant, '') "
			   "FROM tokens t LEFT JOIN grants g ON g.id = t.grant_id "
			   "LEFT JOIN accounts a ON a.id = g.account_id WHERE t.hash = ?");
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, now_ms());
	sqlite3_bind_text(st, 2, hash, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		char provider[16];

		copy_col(st, 0, out->kind, sizeof(out->kind));
		copy_col(st, 1, out->grant, sizeof(out->grant));
		copy_col(st, 2, out->client_id, sizeof(out->client_id));
		copy_col(st, 3, out->tenant, sizeof(out->tenant));
		out->alive = sqlite3_column_int(st, 4);
		out->grant_live = sqlite3_column_int(st, 5);
		copy_col(st, 6, out->grant_end, sizeof(out->grant_end));
		out->account.id = sqlite3_column_int64(st, 7);
		copy_col(st, 8, provider, sizeof(provider));
		out->account.provider = SBX_GOOGLE;
		for (int i = 0; i < SBX_CLIENT__MAX; i++)
			if (strcmp(provider, sbx_client_names[i]) == 0)
				out->account.provider = (enum sbx_client)i;
		copy_col(st, 9, out->account.address, sizeof(out->account.address));
		copy_col(st, 10, out->account.subject, sizeof(out->account.subject));
		copy_col(st, 11, out->account.tenant, sizeof(out->account.tenant));
		/* A refresh token ends with its grant; an access token lives on until
		 * it expires (Microsoft; Google's revoke kills it explicitly). */
		if (strcmp(out->kind, "refresh") == 0 && !out->grant_live)
			out->alive = 0;
		store_release(st);
		return 1;
	}
	store_release(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int store_kill_token(sqlite3 *db, const char *token)
{
	char hash[65];

	token_hash(token, hash);
	return store_exec(db, "UPDATE tokens SET dead = 1 WHERE hash = ?", hash, NULL);
}

int store_end_grant(sqlite3 *db, const char *grant_id, const char *why, const char *kind)
{
	char ms[24];

	snprintf(ms, sizeof(ms), "%lld", now_ms());
	if (store_exec(db, "UPDATE grants SET live = 0, ended_ms = ?, ended_by = ? "
			   "WHERE id = ? AND live = 1", ms, why, grant_id, NULL) != 0)
		return -1;
	if (strcmp(kind, "all") == 0)
		return store_exec(db, "UPDATE tokens SET dead = 1 WHERE grant_id = ?", grant_id, NULL);
	return store_exec(db, "UPDATE tokens SET dead = 1 WHERE grant_id = ? AND kind = 'refresh'",
			  grant_id, NULL);
}

/* One write that both reads and spends the oldest fault still to fire, so two
 * workers never spend the same one. */
int store_take_fault(sqlite3 *db, const char *endpoint, struct fault *out)
{
	sqlite3_stmt *st = store_prepare(
		db, "SELECT 1 FROM faults WHERE endpoint = ? AND remaining > 0 LIMIT 1");
	int rc;

	/* Most calls find none: a read says so without queueing for the write lock
	 * behind every other call in flight. */
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, endpoint, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	store_release(st);
	if (rc != SQLITE_ROW)
		return rc == SQLITE_DONE ? 0 : -1;
	st = store_prepare(
		db, "UPDATE faults SET remaining = remaining - 1 WHERE id = "
		    "(SELECT id FROM faults WHERE endpoint = ? AND remaining > 0 ORDER BY id LIMIT 1) "
		    "RETURNING kind, retry_after, hang");
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, endpoint, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		int kind = name_index(fault_kind_names, FAULT__MAX,
				      (const char *)sqlite3_column_text(st, 0));

		/* Only the control API writes faults, from fault_kind_names. */
		out->kind = kind < 0 ? FAULT_500 : (enum fault_kind)kind;
		out->retry_after = (long)sqlite3_column_int64(st, 1);
		out->hang = (long)sqlite3_column_int64(st, 2);
		rc = sqlite3_step(st);
		store_release(st);
		return 1;
	}
	store_release(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

long store_latency_ms(sqlite3 *db)
{
	sqlite3_stmt *st = store_prepare(db, "SELECT value FROM settings WHERE name = 'latency_ms'");
	long v = 0;

	if (st == NULL)
		return 0;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = (long)sqlite3_column_int64(st, 0);
	store_release(st);
	return v;
}
