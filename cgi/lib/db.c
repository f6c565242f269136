/* db.c — SQLite with the settings DESIGN.md asks for, numbered migrations compiled
 * into the program, and a small cache of prepared statements.
 *
 * WAL lets readers proceed while one writer commits; synchronous=FULL makes a
 * confirmed commit survive power loss; the busy timeout lets a writer wait for the
 * lock rather than fail. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "db_sql.h"
#include "migrations.h"
#include "util.h"

#define STMT_CACHE_SIZE 128
#define BUSY_TIMEOUT_MS 5000

struct cached_stmt {
	const char *sql;
	sqlite3_stmt *stmt;
};

struct db {
	sqlite3 *handle;
	struct cached_stmt cache[STMT_CACHE_SIZE];
	size_t cached;
	int depth;  /* nesting of db_begin_write, 0 outside a transaction */
	int doomed; /* an inner rollback: the outermost commit must roll back */
	unsigned after_commit; /* enum db_after_commit bits of the open transaction */
	int reading; /* a db_begin_read transaction is open */
	int writer_fd;     /* the writers' lock file, -1 without one */
	int writer_locked; /* this connection holds it */
	int busy_timeout_ms; /* how long a writer waits for the lock, in either queue */
	int wal_pages;       /* the WAL's length after this connection's last commit;
				-1 while SQLite checkpoints on its own */
};

static int exec_sql(struct db *db, const char *sql, char *err, size_t errlen)
{
	char *msg = NULL;

	if (sqlite3_exec(db->handle, sql, NULL, NULL, &msg) != SQLITE_OK) {
		snprintf(err, errlen, "%s", msg ? msg : sqlite3_errmsg(db->handle));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

int db_schema_version_known(void)
{
	return (int)migration_count;
}

int db_schema_version(struct db *db)
{
	sqlite3_stmt *st;
	int version = -1;

	if (sqlite3_prepare_v2(db->handle, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return version;
}

static void say_newer(int version, char *err, size_t errlen)
{
	snprintf(err, errlen,
		 "the database is at schema version %d, newer than this program knows (%zu): "
		 "run the programs of the release that wrote it, or restore a backup",
		 version, migration_count);
}

/* Applies every migration above the database's user_version, each in its own
 * write transaction with the version bump, so a crash leaves a whole version.
 * The version is read first without a lock: every process opens the store at
 * start-up (each prefork worker too), and an up-to-date database, the usual
 * case, must not make them queue for the write lock behind a busy writer. */
static int migrate(struct db *db, char *err, size_t errlen)
{
	int current = db_schema_version(db);

	if (current < 0) {
		snprintf(err, errlen, "cannot read the schema version: %s", sqlite3_errmsg(db->handle));
		return -1;
	}
	if (current > (int)migration_count) {
		say_newer(current, err, errlen);
		return -1;
	}
	if (current == (int)migration_count)
		return 0;
	for (;;) {
		int version;
		char bump[64];

		if (exec_sql(db, "BEGIN IMMEDIATE", err, errlen) != 0)
			return -1;
		version = db_schema_version(db);
		if (version < 0 || version > (int)migration_count) {
			exec_sql(db, "ROLLBACK", bump, sizeof(bump));
			say_newer(version, err, errlen);
			return -1;
		}
		if (version == (int)migration_count) {
			exec_sql(db, "COMMIT", err, errlen);
			return 0;
		}
		if (exec_sql(db, migrations[version].sql, err, errlen) != 0) {
			char ignored[64];
			char what[256];

			snprintf(what, sizeof(what), "%s", err);
			exec_sql(db, "ROLLBACK", ignored, sizeof(ignored));
			snprintf(err, errlen, "migration %s: %s", migrations[version].name, what);
			return -1;
		}
		snprintf(bump, sizeof(bump), "PRAGMA user_version = %d", version + 1);
		if (exec_sql(db, bump, err, errlen) != 0 || exec_sql(db, "COMMIT", err, errlen) != 0) {
			char ignored[64];

			exec_sql(db, "ROLLBACK", ignored, sizeof(ignored));
			return -1;
		}
	}
}

/* Writers queue on a lock file beside the database (<path>-writer), taken with
 * a blocking flock() before BEGIN IMMEDIATE and let go after COMMIT or ROLLBACK.
 * The kernel wakes the next writer as soon as the lock is free, where SQLite's
 * busy handler would poll and sleep (1, 2, 5, 10... ms): under eight clients
 * that ladder made most of the p99.  A process that dies loses its lock with its
 * descriptors.  Writers that do not take it (the sqlite3 shell) still meet the
 * busy handler, so nothing depends on everyone taking it. */
static void open_writer_lock(struct db *db, const char *path)
{
	char *lock_path;

	/* A database in memory is one connection's: nobody to queue behind. */
	if (strcmp(path, ":memory:") == 0 || path[0] == '\0') {
		db->writer_fd = -1;
		return;
	}
	lock_path = xasprintf("%s-writer", path);
	db->writer_fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0660);
	if (db->writer_fd < 0)
		log_error("%s: %s; writers wait in SQLite's busy handler instead", lock_path,
			  strerror(errno));
	free(lock_path);
}

static volatile sig_atomic_t writer_lock_timed_out;

static void on_writer_lock_timeout(int sig)
{
	(void)sig;
	writer_lock_timed_out = 1;
}

/* Waits for the writers' lock, in turn, at most as long as the busy timeout
 * (SIGALRM interrupts the flock).  0, or -1 when it was not had in time. */
static int take_writer_lock(struct db *db)
{
	struct sigaction sa, old_sa;
	struct itimerval timeout = { { 0, 0 },
				     { db->busy_timeout_ms / 1000, (db->busy_timeout_ms % 1000) * 1000 } };
	struct itimerval old_timer, off = { { 0, 0 }, { 0, 0 } };
	int rc;

	if (db->writer_fd < 0 || db->writer_locked)
		return 0;
	if (flock(db->writer_fd, LOCK_EX | LOCK_NB) == 0) {
		db->writer_locked = 1;
		return 0;
	}
	if (errno != EWOULDBLOCK)
		return 0; /* no lock to queue on: the busy handler it is */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_writer_lock_timeout;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0; /* no SA_RESTART: the flock must return */
	writer_lock_timed_out = 0;
	sigaction(SIGALRM, &sa, &old_sa);
	setitimer(ITIMER_REAL, &timeout, &old_timer);
	do
		rc = flock(db->writer_fd, LOCK_EX);
	while (rc != 0 && errno == EINTR && !writer_lock_timed_out);
	setitimer(ITIMER_REAL, &off, NULL);
	sigaction(SIGALRM, &old_sa, NULL);
	if (rc != 0) {
		log_error("the writers' lock was not had within %d ms", db->busy_timeout_ms);
		return -1;
	}
	db->writer_locked = 1;
	return 0;
}

static void release_writer_lock(struct db *db)
{
	if (db->writer_locked) {
		flock(db->writer_fd, LOCK_UN);
		db->writer_locked = 0;
	}
}

struct db *db_open(const char *path, int create, char *err, size_t errlen)
{
	struct db *db = xcalloc(1, sizeof(*db));
	int rc;

	db->writer_fd = -1;
	db->busy_timeout_ms = BUSY_TIMEOUT_MS;
	db->wal_pages = -1;
	rc = sqlite3_open_v2(path, &db->handle,
			     SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0) |
				     SQLITE_OPEN_NOMUTEX,
			     NULL);
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path,
			 db->handle ? sqlite3_errmsg(db->handle) : sqlite3_errstr(rc));
		goto fail;
	}
	sqlite3_extended_result_codes(db->handle, 1);
	sqlite3_busy_timeout(db->handle, BUSY_TIMEOUT_MS);
	if (exec_sql(db, "PRAGMA journal_mode = WAL", err, errlen) != 0 ||
	    exec_sql(db, "PRAGMA synchronous = FULL", err, errlen) != 0 ||
	    exec_sql(db, "PRAGMA foreign_keys = ON", err, errlen) != 0 ||
	    exec_sql(db, "PRAGMA trusted_schema = OFF", err, errlen) != 0 ||
	    /* A deleted token's bytes are overwritten, not left in free pages. */
	    exec_sql(db, "PRAGMA secure_delete = ON", err, errlen) != 0)
		goto fail;
	if (migrate(db, err, errlen) != 0)
		goto fail;
	open_writer_lock(db, path);
	return db;
fail:
	db_close(db);
	return NULL;
}

/* Checkpoints off the request path.  SQLite's own (wal_autocheckpoint) runs
 * inside the COMMIT that crosses 1,000 pages, with the writers' lock still held:
 * that commit's request and every writer queued behind it waited for a copy of
 * the WAL into the database.  The hook only counts; db_checkpoint_due copies
 * once the answer is out. */
static int note_wal_pages(void *arg, sqlite3 *handle, const char *name, int pages)
{
	struct db *db = arg;

	(void)handle;
	(void)name;
	db->wal_pages = pages;
	return SQLITE_OK;
}

void db_defer_checkpoints(struct db *db)
{
	/* Replaces the hook sqlite3_wal_autocheckpoint installs: one or the other. */
	sqlite3_wal_autocheckpoint(db->handle, 0);
	sqlite3_wal_hook(db->handle, note_wal_pages, db);
	db->wal_pages = 0;
}

int db_checkpoint_wanted(const struct db *db)
{
	return db->wal_pages >= DB_CHECKPOINT_IDLE_PAGES && db->depth == 0 && !db->reading;
}

int db_checkpoint_due(struct db *db, int idle)
{
	int log_pages = 0, copied = 0, rc;

	if (!db_checkpoint_wanted(db) || (!idle && db->wal_pages < DB_CHECKPOINT_BUSY_PAGES))
		return 0;
	/* Passive first: it takes no lock a reader or the writer waits for, and
	 * copies what no reader still needs (the bulk).  Another connection
	 * already checkpointing (SQLITE_BUSY) does this one's work. */
	rc = sqlite3_wal_checkpoint_v2(db->handle, NULL, SQLITE_CHECKPOINT_PASSIVE, &log_pages,
				       &copied);
	/* Under writes that never pause, that is not enough: SQLite rewinds the WAL
	 * only for a writer that finds it wholly copied and no reader still in it,
	 * and with requests always in flight one never does, so the file grows for
	 * as long as the load lasts.  Past the busy mark, a RESTART checkpoint in
	 * the writers' queue copies the little committed since and waits for the
	 * readers of the WAL to finish (a read transaction is one request's), so
	 * the next writer starts it over.  Queued writers wait for that, every
	 * DB_CHECKPOINT_BUSY_PAGES pages, instead of for every 1,000-page copy. */
	if (rc == SQLITE_OK && log_pages >= DB_CHECKPOINT_BUSY_PAGES && take_writer_lock(db) == 0) {
		rc = sqlite3_wal_checkpoint_v2(db->handle, NULL, SQLITE_CHECKPOINT_RESTART,
					       &log_pages, &copied);
		release_writer_lock(db);
	}
	if (rc != SQLITE_OK && rc != SQLITE_BUSY)
		log_error("checkpoint: %s", sqlite3_errmsg(db->handle));
	/* Asked again after this connection's next commit, not after every request. */
	db->wal_pages = 0;
	return rc == SQLITE_OK ? copied : 0;
}

void db_set_busy_timeout(struct db *db, int ms)
{
	db->busy_timeout_ms = ms;
	sqlite3_busy_timeout(db->handle, ms);
}

void db_close(struct db *db)
{
	if (db == NULL)
		return;
	for (size_t i = 0; i < db->cached; i++)
		sqlite3_finalize(db->cache[i].stmt);
	sqlite3_close(db->handle);
	if (db->writer_fd >= 0)
		close(db->writer_fd);
	free(db);
}

sqlite3_stmt *db_stmt(struct db *db, const char *sql)
{
	sqlite3_stmt *st = NULL;

	for (size_t i = 0; i < db->cached; i++)
		if (db->cache[i].sql == sql) {
			st = db->cache[i].stmt;
			sqlite3_reset(st);
			sqlite3_clear_bindings(st);
			return st;
		}
	if (sqlite3_prepare_v3(db->handle, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) !=
	    SQLITE_OK) {
		/* A statement of ours that does not compile is a bug: say which. */
		log_error("prepare failed: %s: %.80s", sqlite3_errmsg(db->handle), sql);
		return NULL;
	}
	if (db->cached < STMT_CACHE_SIZE) {
		db->cache[db->cached].sql = sql;
		db->cache[db->cached].stmt = st;
		db->cached++;
	} else {
		log_error("statement cache full; raise STMT_CACHE_SIZE");
		abort();
	}
	return st;
}

/* The status of a failed SQLite call.  A store that cannot take a write now but
 * may soon — locked past the busy timeout, or a read-only or full disk — is
 * ST_UNAVAILABLE (503 with Retry-After), wherever it shows: at the begin, at a
 * statement, or at the commit.  Anything else is a bug or a broken disk. */
static enum status failure_status(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
	case SQLITE_READONLY:
	case SQLITE_FULL:
		return ST_UNAVAILABLE;
	default:
		return ST_INTERNAL;
	}
}

static enum status simple(struct db *db, const char *sql)
{
	char err[256];

	if (exec_sql(db, sql, err, sizeof(err)) == 0)
		return ST_OK;
	log_error("%s: %s", sql, err);
	return failure_status(sqlite3_extended_errcode(db->handle));
}

void db_begin_read(struct db *db)
{
	if (db->depth > 0 || db->reading)
		return;
	if (sqlite3_exec(db->handle, "BEGIN", NULL, NULL, NULL) == SQLITE_OK)
		db->reading = 1;
}

void db_end_read(struct db *db)
{
	if (!db->reading)
		return;
	db->reading = 0;
	/* Nothing was written: a failure here leaves nothing to undo. */
	if (!sqlite3_get_autocommit(db->handle) &&
	    sqlite3_exec(db->handle, "COMMIT", NULL, NULL, NULL) != SQLITE_OK &&
	    !sqlite3_get_autocommit(db->handle))
		sqlite3_exec(db->handle, "ROLLBACK", NULL, NULL, NULL);
}

enum status db_begin_write(struct db *db)
{
	enum status st;

	if (db->depth > 0) {
		db->depth++;
		return ST_OK;
	}
	db_end_read(db);
	if (take_writer_lock(db) != 0)
		return ST_UNAVAILABLE;
	st = simple(db, "BEGIN IMMEDIATE");
	if (st == ST_OK) {
		db->depth = 1;
		db->doomed = 0;
		db->after_commit = 0;
	} else {
		release_writer_lock(db);
	}
	return st;
}

enum status db_commit(struct db *db)
{
	enum status st;

	if (db->depth == 0) {
		log_error("commit without a transaction");
		return ST_INTERNAL;
	}
	if (--db->depth > 0)
		return ST_OK;
	if (db->doomed) {
		simple(db, "ROLLBACK");
		release_writer_lock(db);
		db->doomed = 0;
		db->after_commit = 0;
		return ST_INTERNAL;
	}
	st = simple(db, "COMMIT");
	if (st != ST_OK) {
		if (!sqlite3_get_autocommit(db->handle))
			simple(db, "ROLLBACK");
		db->after_commit = 0;
	}
	release_writer_lock(db);
	return st;
}

void db_rollback(struct db *db)
{
	if (db->depth > 1) {
		db->depth--;
		db->doomed = 1;
		return;
	}
	if (!sqlite3_get_autocommit(db->handle))
		simple(db, "ROLLBACK");
	release_writer_lock(db);
	db->depth = 0;
	db->doomed = 0;
	db->after_commit = 0;
}

void db_note_after_commit(struct db *db, unsigned what)
{
	db->after_commit |= what;
}

unsigned db_take_after_commit(struct db *db)
{
	unsigned what = db->depth == 0 ? db->after_commit : 0;

	if (db->depth == 0)
		db->after_commit = 0;
	return what;
}

int db_transaction_depth(const struct db *db)
{
	return db->depth;
}

enum status db_step_done(struct db *db, sqlite3_stmt *st)
{
	int rc;

	if (st == NULL)
		return ST_INTERNAL;
	if (db->depth == 0 && !sqlite3_stmt_readonly(st)) {
		log_error("a write outside a transaction, refused: %.80s", sqlite3_sql(st));
		return ST_INTERNAL;
	}
	rc = sqlite3_step(st);
	if ((rc & 0xff) == SQLITE_CONSTRAINT) {
		/* A uniqueness or state check the schema enforces: the caller's answer. */
		sqlite3_reset(st);
		return ST_CONFLICT;
	}
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		log_error("statement failed: %s: %.80s", sqlite3_errmsg(db->handle), sqlite3_sql(st));
		sqlite3_reset(st);
		return failure_status(rc);
	}
	sqlite3_reset(st);
	return ST_OK;
}

enum status db_step_row(struct db *db, sqlite3_stmt *st)
{
	int rc;

	if (st == NULL)
		return ST_INTERNAL;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		return ST_OK;
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return ST_NOT_FOUND;
	log_error("statement failed: %s: %.80s", sqlite3_errmsg(db->handle), sqlite3_sql(st));
	return failure_status(rc);
}

const char *db_text(sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);

	return t ? (const char *)t : "";
}

void db_copy_text(sqlite3_stmt *st, int col, char *out, size_t size)
{
	snprintf(out, size, "%s", db_text(st, col));
}

long long db_last_insert_id(struct db *db)
{
	return sqlite3_last_insert_rowid(db->handle);
}

int db_changes(struct db *db)
{
	return sqlite3_changes(db->handle);
}

int db_ping(struct db *db)
{
	sqlite3_stmt *st = db_stmt(db, "SELECT count(*) FROM sqlite_schema");
	int ok;

	if (st == NULL)
		return 0;
	ok = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_reset(st);
	return ok;
}

const char *db_probe_write(struct db *db, long long now)
{
	static const char sql_probe[] =
		"INSERT OR REPLACE INTO panel_settings (name, value) VALUES ('health_probe', ?1)";
	sqlite3_stmt *st;
	const char *problem = NULL;
	int rc;

	if (db->depth > 0)
		return "error";
	db_end_read(db);
	if (take_writer_lock(db) != 0) {
		rc = SQLITE_BUSY;
		goto failed;
	}
	if (sqlite3_exec(db->handle, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
		rc = sqlite3_extended_errcode(db->handle);
		log_error("health probe: BEGIN IMMEDIATE: %s", sqlite3_errmsg(db->handle));
		goto failed;
	}
	st = db_stmt(db, sql_probe);
	if (st == NULL) {
		rc = SQLITE_ERROR;
		goto failed;
	}
	sqlite3_bind_int64(st, 1, now);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc == SQLITE_DONE) {
		rc = sqlite3_exec(db->handle, "COMMIT", NULL, NULL, NULL);
		if (rc == SQLITE_OK) {
			release_writer_lock(db);
			return NULL;
		}
		rc = sqlite3_extended_errcode(db->handle);
	}
	log_error("health probe: %s (%d, %s)", sqlite3_errmsg(db->handle), rc,
		  strerror(sqlite3_system_errno(db->handle)));
failed:
	if (!sqlite3_get_autocommit(db->handle))
		sqlite3_exec(db->handle, "ROLLBACK", NULL, NULL, NULL);
	release_writer_lock(db);
	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		problem = "busy";
		break;
	case SQLITE_READONLY:
	case SQLITE_PERM:
		problem = "read_only";
		break;
	case SQLITE_FULL:
		problem = "disk_full";
		break;
	case SQLITE_IOERR:
	case SQLITE_CANTOPEN:
		/* A write the system refused says why in errno. */
		switch (sqlite3_system_errno(db->handle)) {
		case EROFS:
		case EPERM:
		case EACCES:
			problem = "read_only";
			break;
		case ENOSPC:
		case EDQUOT:
			problem = "disk_full";
			break;
		default:
			problem = "io_error";
		}
		break;
	default:
		problem = "error";
	}
	return problem;
}

sqlite3 *db_handle(struct db *db)
{
	return db->handle;
}

/* One read transaction over the whole copy (a single backup step), so the copy
 * is the database as one commit left it, while writers go on in the WAL.  The
 * copy is written beside the target under another name, made a plain
 * rollback-journal database (one self-contained file), synced, and renamed
 * over the target: a crash leaves the old backup or the new one, never half. */
int db_backup(struct db *db, const char *dest_path, char *err, size_t errlen)
{
	char partial[4096];
	sqlite3 *dest = NULL;
	sqlite3_backup *backup;
	int rc;

	if (snprintf(partial, sizeof(partial), "%s.partial", dest_path) >= (int)sizeof(partial)) {
		snprintf(err, errlen, "%s: the name is too long", dest_path);
		return -1;
	}
	unlink(partial);
	rc = sqlite3_open_v2(partial, &dest, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", dest_path,
			 dest != NULL ? sqlite3_errmsg(dest) : sqlite3_errstr(rc));
		goto fail;
	}
	/* It holds password hashes and sealed tokens: its owner's only. */
	if (chmod(partial, 0600) != 0) {
		snprintf(err, errlen, "%s: %s", partial, strerror(errno));
		goto fail;
	}
	backup = sqlite3_backup_init(dest, "main", db->handle, "main");
	if (backup == NULL) {
		snprintf(err, errlen, "%s", sqlite3_errmsg(dest));
		goto fail;
	}
	do {
		rc = sqlite3_backup_step(backup, -1);
		if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
			sqlite3_sleep(100);
	} while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
	sqlite3_backup_finish(backup);
	if (rc != SQLITE_DONE) {
		snprintf(err, errlen, "copying: %s", sqlite3_errstr(rc));
		goto fail;
	}
	/* The copy's commits are synced (synchronous is FULL outside WAL). */
	if (sqlite3_exec(dest, "PRAGMA journal_mode = DELETE", NULL, NULL, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", partial, sqlite3_errmsg(dest));
		goto fail;
	}
	rc = sqlite3_close(dest);
	dest = NULL;
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "%s: cannot write it to disk", partial);
		goto fail;
	}
	if (rename(partial, dest_path) != 0) {
		snprintf(err, errlen, "%s: %s", dest_path, strerror(errno));
		goto fail;
	}
	if (sync_parent_folder(dest_path) != 0) {
		snprintf(err, errlen, "%s: cannot sync its folder: %s", dest_path, strerror(errno));
		return -1;
	}
	return 0;
fail:
	sqlite3_close(dest);
	unlink(partial);
	return -1;
}

int db_check(struct db *db, void (*problem)(void *arg, const char *what), void *arg)
{
	static const char *const checks[] = { "PRAGMA integrity_check", "PRAGMA foreign_key_check" };
	int found = 0;

	for (size_t i = 0; i < ARRAY_LEN(checks); i++) {
		sqlite3_stmt *st;
		int rc;

		if (sqlite3_prepare_v2(db->handle, checks[i], -1, &st, NULL) != SQLITE_OK) {
			problem(arg, sqlite3_errmsg(db->handle));
			return found + 1;
		}
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			char what[512];

			if (i == 0) {
				const char *row = (const char *)sqlite3_column_text(st, 0);

				if (row != NULL && strcmp(row, "ok") == 0)
					continue;
				snprintf(what, sizeof(what), "%s", row != NULL ? row : "?");
			} else {
				snprintf(what, sizeof(what),
					 "table %s, row %lld: no row in %s for its foreign key",
					 (const char *)sqlite3_column_text(st, 0),
					 (long long)sqlite3_column_int64(st, 1),
					 (const char *)sqlite3_column_text(st, 2));
			}
			problem(arg, what);
			found++;
		}
		if (rc != SQLITE_DONE) {
			problem(arg, sqlite3_errmsg(db->handle));
			found++;
		}
		sqlite3_finalize(st);
	}
	return found;
}
