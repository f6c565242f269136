/* testlib.h — what several unit-test files share: one temporary folder per test
 * case, and the store's tests' way of writing and reading back. */
#ifndef IP_TESTLIB_H
#define IP_TESTLIB_H

#include "db.h"

void testlib_make_tmpdir(const char *prefix);
void testlib_remove_tmpdir(void);
const char *testlib_tmpdir(void);
char *testlib_in_tmpdir(const char *name);
char *testlib_write_file(const char *name, const char *text);

/* Runs a store call the way the programs do: inside a write transaction, kept
 * when the call succeeds, rolled back when it does not; the call's status. */
#define TESTLIB_WRITE(db, call) testlib_write_tx((db), (db_begin_write(db), (call)))
enum status testlib_write_tx(struct db *db, enum status st);

/* The one number a query answers (a count, a time), read straight from SQLite. */
long long testlib_sql_int(struct db *db, const char *sql);

/* Runs set-up SQL straight on SQLite; a failure fails the test, naming it. */
void testlib_sql_exec(struct db *db, const char *sql);

#endif
