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
};

/* conn_each callbacks; arg is a struct conn_view_list.
 * A live row: id, address, provider, provider_label, state, since, last_error
 * (in words) and last_error_code, and can_disable/can_enable/can_remove; a team
 * channel's row also connected_by, the name of who connected it.
 * A removed row: the same identity, removed_on, and its revocation: state, words,
 * error, and the steps left to do by hand. */
void conn_view_live_row(const struct conn *c, void *arg);
void conn_view_removed_row(const struct conn *c, void *arg);

/* "Gmail", "Office 365", ... in the reader's language. */
const char *conn_view_provider_label(const struct ctx *ctx, enum provider p);
/* Who holds the access: "Google", "Microsoft", "the IMAP server". */
const char *conn_view_company(const struct ctx *ctx, enum provider p);
/* Sets name to the words of Lang.<key> with {address}, {provider} and {company}
 * filled from c. */
void conn_view_set_words(const struct ctx *ctx, const char *name, const char *key,
			 const struct conn *c);

#endif
