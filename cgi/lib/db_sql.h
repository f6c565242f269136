/* db_sql.h — for the store modules only: prepared statements and reading their
 * rows.  Pages and the web core include db.h, which does not show SQLite. */
#ifndef IP_DB_SQL_H
#define IP_DB_SQL_H

#include <sqlite3.h>

#include "db.h"

/* A prepared statement for sql, reset and with its bindings cleared.  The same
 * sql pointer gives the same statement back; do not finalize it. */
sqlite3_stmt *db_stmt(struct db *db, const char *sql);

/* Runs a statement that returns no rows: ST_OK, ST_CONFLICT for a constraint the
 * schema enforces, ST_INTERNAL otherwise.  A statement that writes is refused
 * (ST_INTERNAL, logged) outside a transaction: every write belongs to the one
 * transaction of the action it is part of. */
enum status db_step_done(struct db *db, sqlite3_stmt *st);

/* Steps a statement expected to give at most one row: ST_OK with the row
 * current (the caller reads it, then calls sqlite3_reset), ST_NOT_FOUND (reset
 * done), or ST_INTERNAL (logged, reset done). */
enum status db_step_row(struct db *db, sqlite3_stmt *st);

/* A text column, "" for NULL. */
const char *db_text(sqlite3_stmt *st, int col);
/* Copies a text column into out, NUL-terminated, cut to size bytes at most. */
void db_copy_text(sqlite3_stmt *st, int col, char *out, size_t size);

long long db_last_insert_id(struct db *db);
int db_changes(struct db *db);
/* The raw handle, for tests and the re-sealing sweep's blob reads. */
sqlite3 *db_handle(struct db *db);

#endif
