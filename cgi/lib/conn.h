/* conn.h — connected inboxes and their state machine:
 *
 *     connected -> disabled -> removed        disabled -> connected
 *     connected | disabled -> disconnected -> connected (reconnect)
 *     disconnected -> removed                 team channels: connected -> removed
 *
 * Every transition is applied in one write transaction together with its audit
 * row and, for a removal, the revocation job that takes the token with it. */
#ifndef IP_CONN_H
#define IP_CONN_H

#include <time.h>

#include "audit.h"
#include "db.h"
#include "outbox.h"
#include "prov.h"
#include "status.h"

enum conn_state { CONN_CONNECTED, CONN_DISABLED, CONN_DISCONNECTED, CONN_REMOVED, CONN_STATE__MAX };
extern const char *const conn_state_names[CONN_STATE__MAX];

enum conn_kind { CONN_PERSONAL, CONN_TEAM };

struct conn {
	long long id;
	enum conn_kind kind;
	long long owner_user_id; /* personal */
	long long inbox_id;      /* team */
	enum provider provider;
	char address[255];
	enum conn_state state;
	long long connected_at;
	long long state_changed_at;
	char last_error[256];
	char last_error_code[64];
	/* The revocation job of a removed inbox. */
	int has_revocation;
	enum outbox_state revocation_state;
	char revocation_error[256];
};

enum conn_action { CONN_DISABLE, CONN_ENABLE, CONN_REMOVE, CONN_ACTION__MAX };
/* "disable", "enable", "remove": the names in URLs, audit actions and words. */
extern const char *const conn_action_names[CONN_ACTION__MAX];

enum conn_verdict {
	CONN_ALLOWED,
	CONN_ALREADY_DONE, /* the inbox is already where the action leads */
	CONN_REFUSED       /* the state forbids it (remove a connected inbox) */
};
enum conn_verdict conn_check(enum conn_state from, enum conn_action action);

/* The user's own connection; ST_NOT_FOUND for a missing one or another's. */
enum status conn_find_personal(struct db *db, long long owner_user_id, long long id,
			       struct conn *out);

/* The user's connections that are not removed: disconnected first, then connected,
 * then disabled, by address within each.  With removed=1, those removed in the
 * last 30 days instead, newest first. */
enum status conn_each_personal(struct db *db, long long owner_user_id, int removed, time_t now,
			       void (*fn)(const struct conn *c, void *arg), void *arg);

/* Applies action to the user's connection: ST_OK (with *changed 0 when it was
 * already done), ST_NOT_FOUND, ST_CONFLICT (state forbids it; *after holds the
 * state), ST_INTERNAL. */
enum status conn_apply_personal(struct db *db, const struct audit_actor *actor,
				long long owner_user_id, long long id, enum conn_action action,
				time_t now, struct conn *after, int *changed);

/* A new connection (the connect flow and the demo).  token may be NULL. */
struct conn_new {
	enum conn_kind kind;
	long long owner_user_id;
	long long inbox_id;
	long long connected_by_user_id;
	enum provider provider;
	const char *address;
	enum conn_state state;
	const unsigned char *sealed_token;
	size_t sealed_token_len;
	const char *scopes;
	const char *last_error;
	const char *last_error_code;
	time_t connected_at;
};
enum status conn_insert(struct db *db, const struct conn_new *c, long long *id);

#endif
