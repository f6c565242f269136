/* testlib.c — the unit tests' temporary folder: made, filled, and removed with all in it. */
#include "config.h"

#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "db_sql.h"
#include "testlib.h"
#include "util.h"

/* One folder at a time: suites run one after the other, and each test case that
 * needs a folder makes it in its fixture and removes it in the fixture's teardown. */
static char tmpdir[64];

/* Removes path and, for a folder, everything in it. */
static void remove_tree(const char *path)
{
	struct stat sb;
	DIR *dir;
	struct dirent *e;

	if (lstat(path, &sb) != 0)
		return;
	if (S_ISDIR(sb.st_mode) && (dir = opendir(path)) != NULL) {
		while ((e = readdir(dir)) != NULL) {
			char *child;

			if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
				continue;
			child = xasprintf("%s/%s", path, e->d_name);
			remove_tree(child);
			free(child);
		}
		closedir(dir);
	}
	remove(path);
}

/* Makes a fresh folder $TMPDIR/prefix.XXXXXX (under /tmp when TMPDIR is unset or too
 * long for the buffer). Meant for an unchecked fixture, which the runner runs itself,
 * so that a failing test, which ends its process, leaves nothing behind. */
void testlib_make_tmpdir(const char *prefix)
{
	const char *base = getenv("TMPDIR");
	int n;

	n = snprintf(tmpdir, sizeof(tmpdir), "%s/%s.XXXXXX",
		     base != NULL && *base != '\0' && strlen(base) < 40 ? base : "/tmp", prefix);
	ck_assert_msg(n > 0 && (size_t)n < sizeof(tmpdir), "folder name too long: %s", tmpdir);
	ck_assert_msg(mkdtemp(tmpdir) != NULL, "mkdtemp(%s) failed", tmpdir);
}

/* Removes the folder and everything in it; nothing when there is none. */
void testlib_remove_tmpdir(void)
{
	if (tmpdir[0] != '\0')
		remove_tree(tmpdir);
	tmpdir[0] = '\0';
}

const char *testlib_tmpdir(void)
{
	return tmpdir;
}

/* The path of name inside the folder (to free); name need not exist. */
char *testlib_in_tmpdir(const char *name)
{
	return xasprintf("%s/%s", tmpdir, name);
}

/* Writes text to name inside the folder; returns the full path (to free). */
char *testlib_write_file(const char *name, const char *text)
{
	char *path = testlib_in_tmpdir(name);
	FILE *f = fopen(path, "w");

	ck_assert_msg(f != NULL, "cannot create %s", path);
	ck_assert_msg(fputs(text, f) >= 0 && fclose(f) == 0, "cannot write %s", path);
	return path;
}

enum status testlib_write_tx(struct db *db, enum status st)
{
	if (st == ST_OK)
		ck_assert_int_eq(db_commit(db), ST_OK);
	else
		db_rollback(db);
	return st;
}

long long testlib_sql_int(struct db *db, const char *sql)
{
	sqlite3_stmt *st;
	long long n;

	ck_assert_msg(sqlite3_prepare_v2(db_handle(db), sql, -1, &st, NULL) == SQLITE_OK, "%s", sql);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

void testlib_sql_exec(struct db *db, const char *sql)
{
	char *msg = NULL;

	ck_assert_msg(sqlite3_exec(db_handle(db), sql, NULL, NULL, &msg) == SQLITE_OK, "%s: %s", sql,
		      msg ? msg : "");
}
