/* conn_list.h — every connection of the account, personal and team, for the
 * super admins' list (rule 11, /admin/connections): filtered by state, provider
 * and kind, newest first, a page at a time.  The pages are cut by id (keyset),
 * so a page costs the same at the end of a long list as at its start, and a
 * connection added meanwhile does not shift the next page. */
#ifndef IP_CONN_LIST_H
#define IP_CONN_LIST_H

#include "conn.h"

struct conn_list_filter {
	int state;           /* an enum conn_state, or -1 for any */
	int provider;        /* an enum provider, or -1 for any */
	int kind;            /* an enum conn_kind, or -1 for any */
	long long before_id; /* only connections with a smaller id; 0 from the newest */
};

/* One connection as the list shows it; the strings live until fn returns. */
struct conn_list_row {
	long long id;
	enum conn_kind kind;
	enum provider provider;
	enum conn_state state;
	const char *address;
	const char *owner_name;  /* personal: the owner's name ("" when none given) */
	const char *owner_email; /* personal */
	long long inbox_id;      /* team */
	const char *inbox_name;  /* team */
	long long connected_at;
	long long state_changed_at;
	const char *last_error;  /* a key of Lang.conn_error, or "" */
	int has_revocation;
	enum outbox_state revocation_state;
};

/* Calls fn for up to limit connections matching f, by id descending. */
enum status conn_list_page(struct db *db, const struct conn_list_filter *f, int limit,
			   void (*fn)(const struct conn_list_row *r, void *arg), void *arg);

#endif
