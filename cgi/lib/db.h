/* db.h — the SQLite store: opening, migrations, cached statements, transactions.
 *
 * Store modules (user, sess, audit, conn, outbox) keep their SQL as constant
 * strings and fetch prepared statements here; nothing else touches SQLite. */
#ifndef IP_DB_H
#define IP_DB_H

#include <sqlite3.h>

#include "status.h"

struct db;

/* Opens (creating it when create is set) and applies the pending migrations.
 * Call after any fork.  On failure returns NULL with a reason in err. */
struct db *db_open(const char *path, int create, char *err, size_t errlen);
void db_close(struct db *db);

/* The schema version this build knows, and the database's. */
int db_schema_version_known(void);
int db_schema_version(struct db *db);

/* A prepared statement for sql, reset and with its bindings cleared.  The same
 * sql pointer gives the same statement back; do not finalize it. */
sqlite3_stmt *db_stmt(struct db *db, const char *sql);

/* Writers take the write lock at the start (BEGIN IMMEDIATE), so a transaction that
 * reads then writes never fails half-way with SQLITE_BUSY. */
enum status db_begin_write(struct db *db);
enum status db_begin_read(struct db *db);
enum status db_commit(struct db *db);
void db_rollback(struct db *db);

/* Runs a statement that returns no rows; returns ST_OK or ST_INTERNAL. */
enum status db_step_done(struct db *db, sqlite3_stmt *st);

/* Helpers for reading a column that may be NULL. */
const char *db_text(sqlite3_stmt *st, int col);

long long db_last_insert_id(struct db *db);
int db_changes(struct db *db);
/* True when the database answers a trivial query (for /healthz). */
int db_ping(struct db *db);
sqlite3 *db_handle(struct db *db);

#endif
