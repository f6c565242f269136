/* audit.c — the audit_log table and its exports. */
#include "config.h"

#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "db_sql.h"

static const char sql_insert[] =
	"INSERT INTO audit_log (at, actor_user_id, actor, client_addr, action, target, detail) "
	"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
/* A page of the log: the newest rows, or those past a cursor (?3, ?4), at most
 * ?5, in a time range (?6 <= at < ?7, the whole log when not narrowed), for each
 * combination of the optional filters (?1 action, ?2 actor).  One statement per
 * case rather than "?1 IS NULL OR action = ?1", which no index can serve: each
 * of these is a range of audit_log_by_time, _by_action or _by_actor (migrations
 * 001 and 008), read in the order the page shows, so no row is counted, skipped
 * or sorted beyond the page's own.  The address of a connection the row is about
 * ("connection:2") is looked up by its id as each row is read: one rowid seek,
 * so the reader sees the mailbox, not the number, at no cost that grows. */
#define AUDIT_COLUMNS                                                                              \
	"SELECT a.id, a.at, a.actor_user_id, a.actor, a.client_addr, a.action, a.target, "        \
	"a.detail, c.address FROM audit_log a LEFT JOIN email_connections c "                     \
	"ON a.target GLOB 'connection:[0-9]*' AND c.id = CAST(substr(a.target, 12) AS INTEGER) "
#define AUDIT_RANGE " AND a.at >= ?6 AND a.at < ?7"
#define AUDIT_NEWEST_SQL(filter) \
	AUDIT_COLUMNS "WHERE 1" AUDIT_RANGE filter " ORDER BY a.at DESC, a.id DESC LIMIT ?5"
#define AUDIT_OLDER_SQL(filter)                                                                    \
	AUDIT_COLUMNS "WHERE (a.at, a.id) < (?3, ?4)" AUDIT_RANGE filter                           \
	" ORDER BY a.at DESC, a.id DESC LIMIT ?5"
/* Read upwards from the cursor, then turned newest first (a page's rows only). */
#define AUDIT_NEWER_SQL(filter)                                                                    \
	"SELECT * FROM (" AUDIT_COLUMNS "WHERE (a.at, a.id) > (?3, ?4)" AUDIT_RANGE filter         \
	" ORDER BY a.at, a.id LIMIT ?5) ORDER BY 2 DESC, 1 DESC"
#define AUDIT_PAGE_SQL(filter) { AUDIT_NEWEST_SQL(filter), AUDIT_OLDER_SQL(filter), AUDIT_NEWER_SQL(filter) }
static const char *const sql_page[4][3] = {
	AUDIT_PAGE_SQL(""),
	AUDIT_PAGE_SQL(" AND a.action = ?1"),
	AUDIT_PAGE_SQL(" AND a.actor = ?2"),
	AUDIT_PAGE_SQL(" AND a.action = ?1 AND a.actor = ?2"),
};
/* A loose index scan of audit_log_by_action: each step seeks the next action. */
static const char sql_actions[] =
	"WITH RECURSIVE known(action) AS (SELECT min(action) FROM audit_log UNION ALL "
	"SELECT (SELECT min(action) FROM audit_log WHERE action > known.action) FROM known "
	"WHERE known.action IS NOT NULL) SELECT action FROM known WHERE action IS NOT NULL";

/* The same refusal lately: of the same user (?4), or of nobody from the same
 * client address (?2) when ?4 is NULL. */
static const char sql_recent_refusal[] =
	"SELECT 1 FROM audit_log WHERE action = ?1 AND at > ?3 AND "
	"(actor_user_id = ?4 OR (?4 IS NULL AND actor_user_id IS NULL AND client_addr = ?2)) LIMIT 1";

enum status audit_write_refusal(struct db *db, const struct audit_actor *actor, time_t now,
				const char *action, const char *target, const char *detail, long window,
				int *written)
{
	sqlite3_stmt *st = db_stmt(db, sql_recent_refusal);
	int rc;

	*written = 0;
	if (st == NULL)
		return ST_INTERNAL;
	sqlite3_bind_text(st, 1, action, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, actor->client_addr ? actor->client_addr : "", -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, (long long)now - window);
	if (actor->user_id > 0)
		sqlite3_bind_int64(st, 4, actor->user_id);
	else
		sqlite3_bind_null(st, 4);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return ST_OK;
	if (rc != SQLITE_DONE)
		return ST_INTERNAL;
	*written = 1;
	return audit_write(db, actor, now, action, target, detail);
}

enum status audit_write(struct db *db, const struct audit_actor *actor, time_t now,
			const char *action, const char *target, const char *detail)
{
	sqlite3_stmt *st = db_stmt(db, sql_insert);

	if (st == NULL)
		return ST_INTERNAL;
	sqlite3_bind_int64(st, 1, (long long)now);
	if (actor->user_id > 0)
		sqlite3_bind_int64(st, 2, actor->user_id);
	else
		sqlite3_bind_null(st, 2);
	sqlite3_bind_text(st, 3, actor->name ? actor->name : "system", -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, actor->client_addr ? actor->client_addr : "", -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 5, action, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 6, target ? target : "", -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 7, detail ? detail : "", -1, SQLITE_TRANSIENT);
	return db_step_done(db, st);
}

enum status audit_each(struct db *db, const struct audit_filter *f, enum audit_direction dir,
		       const struct audit_cursor *from, long long limit,
		       void (*fn)(const struct audit_row *row, void *arg), void *arg)
{
	int by_action = f != NULL && f->action != NULL, by_actor = f != NULL && f->actor != NULL;
	sqlite3_stmt *st = db_stmt(db, sql_page[by_action + 2 * by_actor][dir]);
	int rc;

	if (st == NULL)
		return ST_INTERNAL;
	if (by_action)
		sqlite3_bind_text(st, 1, f->action, -1, SQLITE_TRANSIENT);
	if (by_actor)
		sqlite3_bind_text(st, 2, f->actor, -1, SQLITE_TRANSIENT);
	if (dir != AUDIT_NEWEST) {
		sqlite3_bind_int64(st, 3, from->at);
		sqlite3_bind_int64(st, 4, from->id);
	}
	sqlite3_bind_int64(st, 5, limit);
	sqlite3_bind_int64(st, 6, f != NULL && f->from_at > 0 ? f->from_at : LLONG_MIN);
	sqlite3_bind_int64(st, 7, f != NULL && f->to_at > 0 ? f->to_at : LLONG_MAX);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct audit_row row = {
			.id = sqlite3_column_int64(st, 0),
			.at = sqlite3_column_int64(st, 1),
			.actor_user_id = sqlite3_column_int64(st, 2),
			.actor = db_text(st, 3),
			.client_addr = db_text(st, 4),
			.action = db_text(st, 5),
			.target = db_text(st, 6),
			.detail = db_text(st, 7),
			.target_address = db_text(st, 8),
		};

		fn(&row, arg);
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? ST_OK : ST_INTERNAL;
}

enum status audit_actions(struct db *db, void (*fn)(const char *action, void *arg), void *arg)
{
	sqlite3_stmt *st = db_stmt(db, sql_actions);
	int rc;

	if (st == NULL)
		return ST_INTERNAL;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		fn(db_text(st, 0), arg);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? ST_OK : ST_INTERNAL;
}

/* Length of the blank at s, 0 when there is none: ASCII white space and the
 * Unicode spaces a spreadsheet skips before a formula (no-break space, the
 * U+2000 range, narrow no-break space, ideographic space, zero-width no-break
 * space / BOM). */
static size_t csv_blank(const unsigned char *s)
{
	if (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n' || *s == '\v' || *s == '\f')
		return 1;
	if (s[0] == 0xc2 && s[1] == 0xa0)
		return 2;
	if (s[0] == 0xe2 && s[1] == 0x80 && ((s[2] >= 0x80 && s[2] <= 0x8b) || s[2] == 0xaf))
		return 3;
	if ((s[0] == 0xe3 && s[1] == 0x80 && s[2] == 0x80) ||
	    (s[0] == 0xef && s[1] == 0xbb && s[2] == 0xbf))
		return 3;
	return 0;
}

/* Whether the text at s, after its blanks, starts a formula. */
static int csv_formula_at(const unsigned char *s)
{
	for (size_t n; (n = csv_blank(s)) > 0;)
		s += n;
	return *s == '=' || *s == '+' || *s == '-' || *s == '@';
}

/* Whether a spreadsheet could run some of s as a formula (OWASP CSV injection):
 * s itself starts with one (after blanks, or with a tab or CR), or one follows a
 * separator inside it: "x;=1+2" is two cells to a spreadsheet that splits on ';'
 * (French Excel) or on a tab, however the cell is quoted. */
static int csv_needs_defusing(const char *text)
{
	const unsigned char *s = (const unsigned char *)text;

	if (*s == '\t' || *s == '\r' || csv_formula_at(s))
		return 1;
	for (; *s; s++)
		if ((*s == ',' || *s == ';' || *s == '\t' || *s == '\r' || *s == '\n') &&
		    csv_formula_at(s + 1))
			return 1;
	return 0;
}

static void csv_cell(struct buf *out, const char *s, int last)
{
	/* The apostrophe makes the whole cell text. */
	buf_putc(out, '"');
	if (csv_needs_defusing(s))
		buf_putc(out, '\'');
	for (; *s; s++) {
		if (*s == '"')
			buf_putc(out, '"');
		buf_putc(out, *s);
	}
	buf_putc(out, '"');
	buf_puts(out, last ? "\r\n" : ",");
}

struct export {
	enum audit_format format;
	void (*emit)(void *arg, const char *data, size_t len);
	void *arg;
	struct buf line;
	long rows;
	int failed;
};

static void export_row(const struct audit_row *row, void *arg)
{
	struct export *x = arg;
	char when[21], id[24];

	format_utc((time_t)row->at, when);
	buf_reset(&x->line);
	if (x->format == AUDIT_CSV) {
		snprintf(id, sizeof(id), "%lld", row->id);
		csv_cell(&x->line, id, 0);
		csv_cell(&x->line, when, 0);
		csv_cell(&x->line, row->actor, 0);
		csv_cell(&x->line, row->client_addr, 0);
		csv_cell(&x->line, row->action, 0);
		csv_cell(&x->line, row->target, 0);
		csv_cell(&x->line, row->detail, 1);
	} else {
		json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s}", "id",
				      (json_int_t)row->id, "time_utc", when, "actor", row->actor,
				      "client_address", row->client_addr, "action", row->action,
				      "target", row->target, "detail", row->detail);
		char *text = o ? json_dumps(o, JSON_INDENT(2) | JSON_ENSURE_ASCII) : NULL;

		json_decref(o);
		if (text == NULL) {
			x->failed = 1;
			return;
		}
		buf_puts(&x->line, x->rows > 0 ? ",\n" : "\n");
		buf_puts(&x->line, text);
		free(text);
	}
	x->rows++;
	x->emit(x->arg, x->line.data, x->line.len);
}

enum status audit_export(struct db *db, const struct audit_filter *f, enum audit_format format,
			 void (*emit)(void *arg, const char *data, size_t len), void *arg)
{
	static const char csv_head[] = "id,time_utc,actor,client_address,action,target,detail\r\n";
	struct export x = { format, emit, arg, { NULL, 0, 0 }, 0, 0 };
	enum status st;

	/* One statement reads one snapshot: no transaction is needed, and none holds
	 * a writer up however long the log. */
	if (format == AUDIT_CSV)
		emit(arg, csv_head, sizeof(csv_head) - 1);
	else
		emit(arg, "[", 1);
	st = audit_each(db, f, AUDIT_NEWEST, NULL, -1, export_row, &x);
	if (format == AUDIT_JSON)
		emit(arg, x.rows > 0 ? "\n]\n" : "]\n", x.rows > 0 ? 3 : 2);
	buf_free(&x.line);
	return st == ST_OK && x.failed ? ST_INTERNAL : st;
}
