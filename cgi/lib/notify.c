/* notify.c — the notifications table, and the email jobs that carry each
 * notification to its person's mailbox. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_sql.h"
#include "notify.h"
#include "tmpl.h"
#include "util.h"

const char *const notify_kind_names[NOTIFY_KIND__MAX] = {
	[NOTIFY_DISCONNECTED] = "disconnected",
	[NOTIFY_REVOCATION_FAILED] = "revocation_failed",
	[NOTIFY_CONNECTOR_LEFT] = "connector_left",
};

/* The people told about connection ?1 for kind ?2, as "FROM ... WHERE ...":
 * the one list of notify.h, in SQL, so the confirmation page and the telling
 * cannot disagree. */
#define RECIPIENTS                                                                                \
	" FROM email_connections c JOIN users u ON u.deactivated = 0 AND ("                       \
	"  (c.kind = 'team' AND (u.role = 'super_admin' OR u.account_access = 1"                  \
	"                        OR u.id = c.connected_by_user_id))"                               \
	"  OR (c.kind = 'personal' AND (u.id = c.owner_user_id"                                    \
	"      OR (?2 = 'revocation_failed' AND u.role = 'super_admin')))) "                        \
	"WHERE c.id = ?1 "

static const char sql_exists[] = "SELECT 1 FROM email_connections WHERE id = ?1";
static const char sql_recipients[] =
	"SELECT u.id, u.email, u.name, u.language" RECIPIENTS "ORDER BY u.id";
static const char sql_last_id[] = "SELECT coalesce(max(id), 0) FROM notifications";
/* Rule 15: nobody told twice of one connection and kind within the quiet time. */
static const char sql_tell[] =
	"INSERT INTO notifications (user_id, kind, connection_id, cause, actor, created_at) "
	"SELECT u.id, ?2, ?1, ?3, ?4, ?5" RECIPIENTS
	"AND NOT EXISTS (SELECT 1 FROM notifications n WHERE n.connection_id = ?1 "
	"AND n.user_id = u.id AND n.kind = ?2 AND n.created_at > ?5 - ?6) ORDER BY u.id";
/* One email job per notification just written; the worker reads the rest. */
static const char sql_mail[] =
	"INSERT INTO outbox_jobs (kind, connection_id, state, payload, next_attempt_at, "
	"created_at, updated_at) "
	"SELECT 'email', connection_id, 'pending', json_object('notification', id), ?2, ?2, ?2 "
	"FROM notifications WHERE id > ?1 ORDER BY id";

static enum status connection_exists(struct db *db, long long connection_id)
{
	sqlite3_stmt *st = db_stmt(db, sql_exists);
	enum status rc;

	if (st == NULL)
		return ST_INTERNAL;
	sqlite3_bind_int64(st, 1, connection_id);
	if ((rc = db_step_row(db, st)) == ST_OK)
		sqlite3_reset(st);
	return rc;
}

enum status notify_connection_lost(struct db *db, long long connection_id, enum notify_kind kind,
				   const char *cause, const char *actor, time_t now, int *told)
{
	sqlite3_stmt *st;
	long long last_id;
	int count;
	enum status rc;

	if (told != NULL)
		*told = 0;
	if ((unsigned)kind >= NOTIFY_KIND__MAX || (st = db_stmt(db, sql_last_id)) == NULL)
		return ST_INTERNAL;
	if ((rc = db_step_row(db, st)) != ST_OK)
		return ST_INTERNAL;
	last_id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);

	if ((st = db_stmt(db, sql_tell)) == NULL)
		return ST_INTERNAL;
	sqlite3_bind_int64(st, 1, connection_id);
	sqlite3_bind_text(st, 2, notify_kind_names[kind], -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, cause, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, actor != NULL ? actor : "", -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 5, (long long)now);
	sqlite3_bind_int64(st, 6, NOTIFY_QUIET_SECONDS);
	if ((rc = db_step_done(db, st)) != ST_OK)
		return rc;
	count = db_changes(db);
	if (count == 0)
		return ST_OK;

	if ((st = db_stmt(db, sql_mail)) == NULL)
		return ST_INTERNAL;
	sqlite3_bind_int64(st, 1, last_id);
	sqlite3_bind_int64(st, 2, (long long)now);
	if ((rc = db_step_done(db, st)) != ST_OK)
		return rc;
	db_note_after_commit(db, DB_AFTER_WAKE_WORKER);
	if (told != NULL)
		*told = count;
	return ST_OK;
}

enum status notify_each_recipient(struct db *db, long long connection_id, enum notify_kind kind,
				  void (*fn)(const struct notify_person *p, void *arg), void *arg)
{
	sqlite3_stmt *st;
	enum status rc;
	int step;

	if ((unsigned)kind >= NOTIFY_KIND__MAX)
		return ST_INTERNAL;
	if ((rc = connection_exists(db, connection_id)) != ST_OK)
		return rc;
	if ((st = db_stmt(db, sql_recipients)) == NULL)
		return ST_INTERNAL;
	sqlite3_bind_int64(st, 1, connection_id);
	sqlite3_bind_text(st, 2, notify_kind_names[kind], -1, SQLITE_STATIC);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		struct notify_person p = {
			.user_id = sqlite3_column_int64(st, 0),
			.email = db_text(st, 1),
			.name = db_text(st, 2),
			.language = db_text(st, 3),
		};

		fn(&p, arg);
	}
	sqlite3_reset(st);
	if (step != SQLITE_DONE) {
		log_error("notify: reading the recipients: %s", sqlite3_errstr(step));
		return ST_INTERNAL;
	}
	return ST_OK;
}

/* --- a person's notifications --------------------------------------------------- */

#define NOTIFICATION_SELECT                                                                       \
	"SELECT n.id, n.kind, n.connection_id, c.kind = 'team', coalesce(c.inbox_id, 0), "        \
	"coalesce(i.name, ''), c.address, c.provider, n.cause, n.actor, n.created_at, "           \
	"n.read_at = 0"
#define NOTIFICATION_FROM                                                                         \
	" FROM notifications n JOIN email_connections c ON c.id = n.connection_id "               \
	"LEFT JOIN conversation_inboxes i ON i.id = c.inbox_id "
#define NOTIFICATION_COLUMNS NOTIFICATION_SELECT NOTIFICATION_FROM

static const char sql_unread[] =
	"SELECT count(*) FROM notifications WHERE user_id = ?1 AND read_at = 0";
static const char sql_page[] = NOTIFICATION_COLUMNS
	"WHERE n.user_id = ?1 AND n.id < ?2 ORDER BY n.id DESC LIMIT ?3";
static const char sql_one[] = NOTIFICATION_COLUMNS "WHERE n.user_id = ?1 AND n.id = ?2";
static const char sql_mark_read[] =
	"UPDATE notifications SET read_at = ?3 WHERE user_id = ?1 AND read_at = 0 AND id <= ?2";

long long notify_unread_count(struct db *db, long long user_id)
{
	sqlite3_stmt *st = db_stmt(db, sql_unread);
	long long count;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, user_id);
	if (db_step_row(db, st) != ST_OK)
		return -1;
	count = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return count;
}

/* A row of a NOTIFICATION_COLUMNS query (its 12 first columns); the strings are
 * the statement's. */
static struct notification read_notification(sqlite3_stmt *st)
{
	int kind = name_index(notify_kind_names, NOTIFY_KIND__MAX,
			      (const char *)sqlite3_column_text(st, 1));
	struct notification n = {
		.id = sqlite3_column_int64(st, 0),
		.kind = kind < 0 ? NOTIFY_DISCONNECTED : (enum notify_kind)kind,
		.connection_id = sqlite3_column_int64(st, 2),
		.team = sqlite3_column_int(st, 3),
		.inbox_id = sqlite3_column_int64(st, 4),
		.inbox_name = db_text(st, 5),
		.address = db_text(st, 6),
		.provider = db_text(st, 7),
		.cause = db_text(st, 8),
		.actor = db_text(st, 9),
		.created_at = sqlite3_column_int64(st, 10),
		.unread = sqlite3_column_int(st, 11),
	};

	return n;
}

/* Calls fn for each row of st, a NOTIFICATION_COLUMNS query; *rows receives how
 * many there were. */
static enum status each_notification(sqlite3_stmt *st,
				     void (*fn)(const struct notification *n, void *arg),
				     void *arg, int *rows)
{
	int step;

	*rows = 0;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		struct notification n = read_notification(st);

		fn(&n, arg);
		(*rows)++;
	}
	sqlite3_reset(st);
	if (step != SQLITE_DONE) {
		log_error("notify: reading notifications: %s", sqlite3_errstr(step));
		return ST_INTERNAL;
	}
	return ST_OK;
}

enum status notify_each(struct db *db, long long user_id, long long before_id, int limit,
			void (*fn)(const struct notification *n, void *arg), void *arg)
{
	sqlite3_stmt *st = db_stmt(db, sql_page);
	int rows;

	if (st == NULL)
		return ST_INTERNAL;
	sqlite3_bind_int64(st, 1, user_id);
	sqlite3_bind_int64(st, 2, before_id > 0 ? before_id : INT64_MAX);
	sqlite3_bind_int(st, 3, limit);
	return each_notification(st, fn, arg, &rows);
}

enum status notify_find(struct db *db, long long user_id, long long id,
			void (*fn)(const struct notification *n, void *arg), void *arg)
{
	sqlite3_stmt *st = db_stmt(db, sql_one);
	int rows;
	enum status rc;

	if (st == NULL)
		return ST_INTERNAL;
	sqlite3_bind_int64(st, 1, user_id);
	sqlite3_bind_int64(st, 2, id);
	if ((rc = each_notification(st, fn, arg, &rows)) != ST_OK)
		return rc;
	return rows == 0 ? ST_NOT_FOUND : ST_OK;
}

enum status notify_mark_read(struct db *db, long long user_id, long long up_to_id, time_t now,
			     int *count)
{
	sqlite3_stmt *st = db_stmt(db, sql_mark_read);
	enum status rc;

	if (count != NULL)
		*count = 0;
	if (st == NULL)
		return ST_INTERNAL;
	sqlite3_bind_int64(st, 1, user_id);
	sqlite3_bind_int64(st, 2, up_to_id > 0 ? up_to_id : INT64_MAX);
	sqlite3_bind_int64(st, 3, (long long)now);
	if ((rc = db_step_done(db, st)) == ST_OK && count != NULL)
		*count = db_changes(db);
	return rc;
}

/* --- what a person reads ------------------------------------------------------- */

static const char sql_for_mail[] = NOTIFICATION_SELECT
	", u.id, u.email, u.name, u.language, u.deactivated" NOTIFICATION_FROM
	"JOIN users u ON u.id = n.user_id WHERE n.id = ?1";
/* sql_for_mail's columns after the NOTIFICATION_SELECT ones read_notification reads. */
enum {
	MAIL_COL_USER = 12,
	MAIL_COL_EMAIL,
	MAIL_COL_NAME,
	MAIL_COL_LANGUAGE,
	MAIL_COL_DEACTIVATED,
};

enum status notify_for_mail(struct db *db, long long id,
			    void (*fn)(const struct notification *n, const struct notify_person *p,
				       int deactivated, void *arg),
			    void *arg)
{
	sqlite3_stmt *st = db_stmt(db, sql_for_mail);
	enum status rc;

	if (st == NULL)
		return ST_INTERNAL;
	sqlite3_bind_int64(st, 1, id);
	if ((rc = db_step_row(db, st)) == ST_OK) {
		struct notification n = read_notification(st);
		struct notify_person p = {
			.user_id = sqlite3_column_int64(st, MAIL_COL_USER),
			.email = db_text(st, MAIL_COL_EMAIL),
			.name = db_text(st, MAIL_COL_NAME),
			.language = db_text(st, MAIL_COL_LANGUAGE),
		};

		fn(&n, &p, sqlite3_column_int(st, MAIL_COL_DEACTIVATED), arg);
		sqlite3_reset(st);
	}
	return rc;
}

char *notify_link(const struct notification *n)
{
	if (n->team)
		return xasprintf("/inbox/%lld/settings/channels", n->inbox_id);
	return xstrdup("/settings/email");
}

/* The words of key, or "" when the language has none (never NULL), on one
 * line: a control character (an inbox's name is anyone's text) becomes a space. */
static char *words_or_empty(char *words)
{
	if (words == NULL)
		return xstrdup("");
	for (unsigned char *p = (unsigned char *)words; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f)
			*p = ' ';
	return words;
}

void notify_words_of(HDF *lang, const struct notification *n, struct notify_words *w)
{
	const char *scope = n->team ? "team" : "personal";
	const char *company = hdf_get_valuef(lang, "Lang.company.%s", n->provider);
	/* The worker, or nobody named: the panel did it. */
	const char *actor = n->actor[0] != '\0' && strcmp(n->actor, "worker") != 0
				    ? n->actor
				    : hdf_get_value(lang, "Lang.notify.system", "");
	char key[80];

	if (company == NULL)
		company = n->provider;
	snprintf(key, sizeof(key), "mail.notification.subject_%s",
		 n->kind == NOTIFY_DISCONNECTED ? scope : notify_kind_names[n->kind]);
	w->subject = words_or_empty(tmpl_words(lang, key, "address", n->address, NULL));
	snprintf(key, sizeof(key), "notify.text.%s_%s", notify_kind_names[n->kind], scope);
	w->text = words_or_empty(tmpl_words(lang, key, "address", n->address, "inbox",
					    n->inbox_name, "provider", company, NULL));
	w->cause = NULL;
	/* The cause is a key of Lang.notify.cause; one the language lacks says nothing. */
	if (strlen(n->cause) < 32 && strspn(n->cause, "abcdefghijklmnopqrstuvwxyz_") == strlen(n->cause)) {
		snprintf(key, sizeof(key), "notify.cause.%s", n->cause);
		w->cause = tmpl_words(lang, key, "actor", actor, "provider", company, NULL);
	}
	w->cause = words_or_empty(w->cause);
}

void notify_words_clear(struct notify_words *w)
{
	free(w->subject);
	free(w->text);
	free(w->cause);
	memset(w, 0, sizeof(*w));
}
