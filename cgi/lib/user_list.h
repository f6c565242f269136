/* user_list.h — the account's people as the super admins' list reads them
 * (/admin/users): by address, filtered by state and role, searched by the start
 * of the address, a page at a time.  Pages are cut by address (keyset), so a
 * page costs the same at the end of a long list as at its start. */
#ifndef IP_USER_LIST_H
#define IP_USER_LIST_H

#include "db.h"
#include "status.h"
#include "user.h"

struct user_list_filter {
	int deactivated;    /* 0 active, 1 deactivated, -1 any */
	int role;           /* an enum role, or -1 for any */
	const char *prefix; /* addresses that begin with this (any case); "" for all */
	const char *after;  /* only addresses after this one; "" from the first */
};

/* A person with what the list says about them. */
struct user_list_row {
	struct user user;
	long long last_sign_in; /* the last successful sign-in, 0 for never */
	long long inboxes;      /* personal inboxes not removed */
	long long channels;     /* team channels they connected, not removed */
};

/* Calls fn for up to limit people matching f, by address. */
enum status user_list_page(struct db *db, const struct user_list_filter *f, int limit,
			   void (*fn)(const struct user_list_row *r, void *arg), void *arg);

/* The same for one person: ST_OK, ST_NOT_FOUND. */
enum status user_list_one(struct db *db, long long user_id, struct user_list_row *out);

#endif
