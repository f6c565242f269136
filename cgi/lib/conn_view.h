/* conn_view.h — how a connection reads on a page: the rows of a list of inboxes,
 * in the reader's language, for the personal email page and the team channels
 * page alike. */
#ifndef IP_CONN_VIEW_H
#define IP_CONN_VIEW_H

#include "app.h"
#include "conn.h"

/* A list being filled: rows go to <name>.<i>.*; the counts are kept. */
struct conn_view_list {
	struct ctx *ctx;
	const char *name;  /* "Email.rows" */
	int count;
	int disconnected;  /* rows that need a reconnect (the banner) */
	const char *attention; /* where each of those goes for the banner ("Email.attention":
				* id, address, provider_label), or NULL */
};

/* conn_each callbacks; arg is a struct conn_view_list.
 * A live row: id, address, provider, provider_label, state, since, last_error
 * (in words) and last_error_code, and can_disable/can_enable/can_remove; a team
 * channel's row also connected_by, the name of who connected it.
 * A removed row: the same identity, removed_on, and its revocation: state, words,
 * badge, error; while pending its progress (started, attempts, next or
 * next_soon) and status_url; the provider whose steps are left to do by hand
 * (steps), and done_url, or manual_done once someone did them. */
void conn_view_live_row(const struct conn *c, void *arg);
void conn_view_removed_row(const struct conn *c, void *arg);

/* The answer of a revocation's status endpoint: its card's words as JSON (the
 * reader's language; the script shows them as they are), with Cache-Control
 * no-store like every signed-in answer.  404 when c has no revocation. */
void conn_view_revocation_json(struct ctx *ctx, const struct conn *c);

/* A person did the steps left to do by hand for a removed connection of the
 * scope: remembered, with its audit row, inside the request's transaction.
 * ST_OK (also when it was said already: nothing changes), ST_NOT_FOUND,
 * ST_CONFLICT when no step waits (the revocation is pending or done, or IMAP). */
enum status conn_view_steps_done(struct ctx *ctx, const struct conn_scope *scope, long long id,
				 struct conn *c);

/* Whether removing an inbox of provider p leaves steps to do by hand at the
 * provider (Lang.progress.steps.<name>): Outlook.com has no revocation API; an
 * IMAP server has nothing to revoke, which its confirmation says instead. */
int conn_view_has_manual_steps(enum provider p);
/* "Gmail", "Office 365", ... in the reader's language. */
const char *conn_view_provider_label(const struct ctx *ctx, enum provider p);
/* Who holds the access: "Google", "Microsoft", "the IMAP server". */
const char *conn_view_company(const struct ctx *ctx, enum provider p);
/* Sets name to the words of Lang.<key> with {address}, {provider} and {company}
 * filled from c. */
void conn_view_set_words(const struct ctx *ctx, const char *name, const char *key,
			 const struct conn *c);

#endif
