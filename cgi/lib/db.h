/* db.h — the store as the rest of the panel sees it: opening, migrations and
 * transactions.  Only the store modules (user, sess, login, audit, conn, outbox,
 * seal_store) see SQL; they include db_sql.h. */
#ifndef IP_DB_H
#define IP_DB_H

#include <stddef.h>

#include "status.h"

struct db;

/* Opens (creating it when create is set) and applies the pending migrations.
 * Call after any fork.  On failure returns NULL with a reason in err. */
struct db *db_open(const char *path, int create, char *err, size_t errlen);
void db_close(struct db *db);

/* The schema version this build knows, and the database's. */
int db_schema_version_known(void);
int db_schema_version(struct db *db);

/* Writes a consistent copy of the database, as one commit left it, to dest_path
 * (replaced whole, mode 0600) while others go on writing: SQLite's backup API in
 * one read transaction.  0, or -1 with a reason in err. */
int db_backup(struct db *db, const char *dest_path, char *err, size_t errlen);

/* SQLite's integrity check and foreign key check: calls problem once for each
 * thing found wrong, in words; returns how many. */
int db_check(struct db *db, void (*problem)(void *arg, const char *what), void *arg);

/* Transactions nest, as Fossil's do: only the outermost begin talks to SQLite,
 * and only the outermost commit commits.  A rollback at any depth dooms the whole
 * transaction: the outermost commit then rolls back and answers ST_INTERNAL.
 * So store functions can run inside whatever transaction their caller owns, and
 * helpers compose.
 *
 * Writers take the write lock at the start (BEGIN IMMEDIATE), so a transaction
 * that reads then writes never fails half-way with SQLITE_BUSY.  A lock not had
 * within the busy timeout is ST_UNAVAILABLE. */
enum status db_begin_write(struct db *db);
enum status db_commit(struct db *db);
void db_rollback(struct db *db);
/* How long a writer waits for the write lock before ST_UNAVAILABLE (5 s unless
 * set): for the writers' queue and SQLite's busy handler alike. */
void db_set_busy_timeout(struct db *db, int ms);

/* Depth of the open transaction, 0 when none. */
int db_transaction_depth(const struct db *db);

/* A read transaction around a request that only reads, so its statements share
 * one snapshot and one WAL read lock instead of each taking its own.  A write
 * begun meanwhile (a session's last-seen time, a refusal's audit row) ends it
 * first and reads go on without it.  Both do nothing when they do not apply. */
void db_begin_read(struct db *db);
void db_end_read(struct db *db);

/* What a commit must be followed by, noted by the store function that made it
 * necessary (a queued job wakes the worker), so that no page has to remember.
 * A rollback forgets the notes; whoever owns the outermost commit takes them
 * once it has succeeded. */
enum db_after_commit { DB_AFTER_WAKE_WORKER = 1 << 0 };
void db_note_after_commit(struct db *db, unsigned what);
unsigned db_take_after_commit(struct db *db);

/* Checkpoints off the request path, for the FastCGI programs: after
 * db_defer_checkpoints no commit copies the WAL into the database (SQLite's
 * wal_autocheckpoint would, in the middle of a request, holding the writers'
 * lock); db_checkpoint_due, called between requests, does it in passive mode
 * (waiting for no one) once this connection's commits have left the WAL at
 * DB_CHECKPOINT_IDLE_PAGES pages and no request is waiting (idle), or at
 * DB_CHECKPOINT_BUSY_PAGES whatever waits, so the WAL stays bounded under a
 * load that never pauses.  Returns the pages copied.  Other connections (the
 * worker, the CLI, plain CGI) keep SQLite's automatic checkpoints. */
#define DB_CHECKPOINT_IDLE_PAGES 200
#define DB_CHECKPOINT_BUSY_PAGES 2000
void db_defer_checkpoints(struct db *db);
/* Whether db_checkpoint_due would copy anything if the socket were idle: the
 * caller asks the socket only then. */
int db_checkpoint_wanted(const struct db *db);
int db_checkpoint_due(struct db *db, int idle);

/* True when the database answers a trivial query (for /healthz). */
int db_ping(struct db *db);

/* Whether the database takes a write now (for /healthz): commits one tiny row
 * (panel_settings.health_probe, the time), outside any transaction.  A write that
 * is rolled back would prove little: in WAL mode it never reaches the disk, so a
 * read-only or full one would go unnoticed.  NULL when the write went through;
 * otherwise what stopped it, as one word: "busy" (locked past the busy timeout),
 * "read_only", "disk_full", "io_error" or "error" (details in the log). */
const char *db_probe_write(struct db *db, long long now);

#endif
