/* audit.h — the audit log: who did what, to what, when, from where.  Written in
 * the same transaction as the change it records. */
#ifndef IP_AUDIT_H
#define IP_AUDIT_H

#include <time.h>

#include "db.h"
#include "status.h"
#include "util.h"

struct audit_actor {
	long long user_id;       /* 0 when nobody is signed in */
	const char *name;        /* the user's email, "system", or what was typed */
	const char *client_addr; /* "" from the command line */
};

/* detail is plain words for a reader and must never hold a secret. */
enum status audit_write(struct db *db, const struct audit_actor *actor, time_t now,
			const char *action, const char *target, const char *detail);

struct audit_row {
	long long id;
	long long at;
	long long actor_user_id;
	const char *actor;
	const char *client_addr;
	const char *action;
	const char *target;
	const char *detail;
	const char *target_address; /* the mailbox of a "connection:<id>" target, or "" */
};

struct audit_filter {
	const char *action; /* exact action, or NULL */
	const char *actor;  /* exact actor, or NULL */
	long long from_at;  /* only rows at or after this time; 0 for no bound */
	long long to_at;    /* only rows before this time; 0 for no bound */
};

/* A row's place in the log's order (newest first: by time, then id), for paging
 * from one page to the next without counting or skipping rows. */
struct audit_cursor {
	long long at;
	long long id;
};

enum audit_direction {
	AUDIT_NEWEST, /* the newest rows; from is not read */
	AUDIT_OLDER,  /* the rows just older than from */
	AUDIT_NEWER,  /* the rows just newer than from */
};

/* At most limit rows matching f (limit -1: all), always handed newest first.
 * Each read is an index range: its cost does not grow with the log. */
enum status audit_each(struct db *db, const struct audit_filter *f, enum audit_direction dir,
		       const struct audit_cursor *from, long long limit,
		       void (*fn)(const struct audit_row *row, void *arg), void *arg);
/* The actions in the log, in order, for the filter menu: one index seek each. */
enum status audit_actions(struct db *db, void (*fn)(const char *action, void *arg), void *arg);

/* Like audit_write, for a refusal: at most one row per action every `window`
 * seconds for each signed-in user, and for each client address of someone not
 * signed in, so neither a flood of forged requests nor a user reloading a page
 * they may not see can fill the log or keep the database writing.  *written says
 * whether this one was kept. */
enum status audit_write_refusal(struct db *db, const struct audit_actor *actor, time_t now,
				const char *action, const char *target, const char *detail, long window,
				int *written);

enum audit_format { AUDIT_CSV, AUDIT_JSON };

/* Every matching row, newest first, handed to emit piece by piece (a whole log
 * need not fit in memory): CSV (RFC 4180, cells a spreadsheet would run as a
 * formula defused with a leading apostrophe) or a JSON array.  Reads one
 * snapshot in one statement, which does not hold writers up. */
enum status audit_export(struct db *db, const struct audit_filter *f, enum audit_format format,
			 void (*emit)(void *arg, const char *data, size_t len), void *arg);

#endif
