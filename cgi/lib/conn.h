/* conn.h — connected inboxes and their state machine.  A connection belongs to a
 * scope: a user's own inboxes (Settings › General › Email), or the email
 * channels of a team's conversation inbox.
 *
 *   personal:  connected -> disabled -> removed        disabled -> connected
 *              connected | disabled -> disconnected -> connected (reconnect)
 *              disconnected -> removed
 *   team:      connected | disconnected -> removed
 *   offboarding (either kind, its owner or connector deactivated):
 *              connected | disabled | disconnected -> removed
 *
 * Every function here runs inside the caller's transaction: a transition, its
 * audit row and the revocation job that takes the token with it commit together
 * with whatever else the caller's action does, or not at all. */
#ifndef IP_CONN_H
#define IP_CONN_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "audit.h"
#include "db.h"
#include "outbox.h"
#include "prov.h"
#include "status.h"

enum conn_state { CONN_CONNECTED, CONN_DISABLED, CONN_DISCONNECTED, CONN_REMOVED, CONN_STATE__MAX };
extern const char *const conn_state_names[CONN_STATE__MAX];

enum conn_kind { CONN_PERSONAL, CONN_TEAM, CONN_KIND__MAX };
extern const char *const conn_kind_names[CONN_KIND__MAX]; /* "personal", "team" */

/* Whose connections: a user's own inboxes, or a conversation inbox's channels.
 * Every lookup is within a scope, so another user's inbox is "not found". */
struct conn_scope {
	enum conn_kind kind;
	long long id; /* personal: the owner's user id; team: the conversation inbox's id */
};

struct conn {
	long long id;
	enum conn_kind kind;
	long long owner_user_id; /* personal */
	long long inbox_id;      /* team */
	long long connected_by_user_id; /* who connected it; 0 when unknown */
	enum provider provider;
	char address[255];
	enum conn_state state;
	long long connected_at;
	long long state_changed_at;
	char last_error[256];
	char last_error_code[64];
	/* The revocation job of a removed inbox: its state, why it is manual or failed
	 * (a key of Lang.revocation_reason, or ""), the provider's code. */
	int has_revocation;
	enum outbox_state revocation_state;
	char revocation_reason[32];
	char revocation_code[64];
};

enum conn_action { CONN_DISABLE, CONN_ENABLE, CONN_REMOVE, CONN_ACTION__MAX };
/* "disable", "enable", "remove": the names in URLs, audit actions and words. */
extern const char *const conn_action_names[CONN_ACTION__MAX];

enum conn_verdict {
	CONN_ALLOWED,
	CONN_ALREADY_DONE, /* the inbox is already where the action leads */
	CONN_REFUSED       /* the state forbids it (remove a connected inbox) */
};
enum conn_verdict conn_check(enum conn_kind kind, enum conn_state from, enum conn_action action);

/* A connection of the scope; ST_NOT_FOUND for a missing one or one outside it. */
enum status conn_find(struct db *db, const struct conn_scope *scope, long long id,
		      struct conn *out);

enum conn_listing {
	CONN_LIVE,             /* not removed: disconnected first, then connected, then
			        * disabled, by address within each */
	CONN_RECENTLY_REMOVED, /* removed in the last 30 days, newest first */
};
enum status conn_each(struct db *db, const struct conn_scope *scope, enum conn_listing which,
		      time_t now, void (*fn)(const struct conn *c, void *arg), void *arg);

/* Applies action to a connection of the scope, with its audit row and, for a
 * removal, its revocation job: ST_OK (with *changed 0 when it was already done;
 * *after holds the connection as it now is), ST_NOT_FOUND, ST_CONFLICT (the
 * state forbids it; *after holds the state), ST_INTERNAL.  The state is read
 * inside the caller's write transaction, so two submits of one form are
 * serialised and the second finds the work done. */
enum status conn_apply(struct db *db, const struct audit_actor *actor,
		       const struct conn_scope *scope, long long id, enum conn_action action,
		       time_t now, struct conn *after, int *changed);

/* Offboarding (offboard.h): removes connection id whatever its live state — a
 * departing person's connected inbox goes in one step, where the page asks for
 * disable first — with its audit row ("email.remove" / "channel.remove") and
 * revocation job (unless one is queued already: a provider move queued it); a
 * team channel's people of rule 6 are told, with cause.  ST_OK (*changed 0 when
 * it was removed already; *after holds it as it now is), ST_NOT_FOUND. */
enum status conn_remove_for_offboarding(struct db *db, const struct audit_actor *actor,
					long long id, const char *cause, time_t now,
					struct conn *after, int *changed);

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
	const char *subject; /* the provider's id of the account (Microsoft: oid), or NULL */
	const char *tenant;  /* Microsoft: the user's tenant id (tid), or NULL */
	time_t connected_at;
	/* IMAP only (NULL / 0 for the OAuth providers): the server the password
	 * opens, bound into the password's box (seal_store_connection_secret). */
	const char *imap_host;
	unsigned imap_port;
	const char *imap_security; /* "imaps" or "starttls" */
	const char *imap_username;
};
enum status conn_insert(struct db *db, const struct conn_new *c, long long *id);

/* --- connecting (the OAuth flow) ------------------------------------------------ */

/* The live (not removed, not moved away to another provider) connection of the
 * scope with address through provider: ST_OK with *out, or ST_NOT_FOUND. */
enum status conn_find_live_address(struct db *db, const struct conn_scope *scope,
				   enum provider provider, const char *address, struct conn *out);

/* Rule 7, a provider move: every live connection of the scope with address
 * through another provider than `provider` becomes disconnected (last error
 * "provider_changed"), its token leaves it for a revocation job, and each gets an
 * audit row.  One already moved away is left alone.  *moved receives the last
 * one moved and *count how many (0: moved untouched). */
enum status conn_disconnect_for_provider_move(struct db *db, const struct audit_actor *actor,
					      const struct conn_scope *scope,
					      enum provider provider, const char *address,
					      time_t now, struct conn *moved, int *count);

/* An address comes back through a provider it was moved away from: the pending
 * revocations of the scope's connections moved away from that provider with
 * that address, and of the stray grants of that address there in any scope
 * (conn_give_up_stray_grant), are dropped (each with an audit row), since they
 * would end the grant the new token belongs to.  One a worker is carrying out
 * already cannot be stopped. */
enum status conn_keep_grant_for_return(struct db *db, const struct audit_actor *actor,
				       const struct conn_scope *scope, enum provider provider,
				       const char *address, time_t now);

/* Rule 10's refusal leaves a grant behind: a reconnect of the scope's
 * connection refused_reconnect_of came back with a consent for another mailbox,
 * and the provider issued a refresh token for it. */
struct conn_stray {
	long long refused_reconnect_of;
	enum provider provider;
	const char *address; /* the mailbox the consent was for */
	const char *scopes;
	const char *subject;
	const char *tenant;
};

struct keyring_sealer;

/* Gives that grant up, unless an inbox or channel of any scope connected (or
 * disabled) with that address through that provider uses it: then the token is
 * only one more of that grant, and is dropped (*given_up has id 0).  Otherwise
 * the token goes to a revocation job (pending; manual where the provider has no
 * revocation API) held by a connection row of the scope born removed, with
 * refused_reconnect_of set so that no page lists or finds it, and an audit row
 * "<email|channel>.stray_grant"; *given_up describes it.  The inbox being
 * reconnected is not touched.  Inside the caller's write transaction. */
enum status conn_give_up_stray_grant(struct db *db, const struct audit_actor *actor,
				     const struct conn_scope *scope,
				     const struct conn_stray *stray,
				     struct keyring_sealer *sealer, const uint8_t *token,
				     size_t len, time_t now, struct conn *given_up);

/* Whether a disconnected connection can come back with a reconnect: its
 * provider refused the token.  One moved away to another provider cannot: its
 * revocation may still be on its way, and would end the new grant too. */
int conn_can_reconnect(const struct conn *c);

/* What a reconnect brings back from the provider. */
struct conn_renewal {
	const char *scopes;
	const char *subject;
	const char *tenant;
};

/* Rule 10's happy end: a disconnected connection of the scope is connected
 * again, its error cleared, with its audit row; the caller then seals the new
 * token in its place (seal_store_connection_secret) in the same transaction.
 * ST_NOT_FOUND, ST_CONFLICT when conn_can_reconnect says no (*after holds it). */
enum status conn_reconnect(struct db *db, const struct audit_actor *actor,
			   const struct conn_scope *scope, long long id,
			   const struct conn_renewal *renewal, time_t now, struct conn *after);

/* Calls fn for every connection of every scope, removed ones included, by id. */
enum status conn_each_all(struct db *db, void (*fn)(const struct conn *c, void *arg), void *arg);

/* Every connection of every scope, removed ones included; -1 on a failure. */
long long conn_count(struct db *db);

/* --- health checks (the worker) ------------------------------------------------- */

/* A connected inbox whose token the worker tries. */
struct conn_health {
	long long id;
	enum conn_kind kind;
	enum provider provider;
	char address[255];
	unsigned char *sealed_token;
	size_t sealed_token_len;
};
void conn_health_clear(struct conn_health *h);

/* Claims up to max connected OAuth inboxes not checked for interval seconds,
 * marking them checked now (so no other pass takes them).  Inside the caller's
 * write transaction. */
enum status conn_claim_health_checks(struct db *db, time_t now, long interval,
				     struct conn_health *out, int max, int *count);

/* The provider accepted the token: the count of refusals starts again, and a
 * rotated token (Microsoft) replaces the stored one when sealed is not NULL.
 * ST_NOT_FOUND when the inbox was removed meanwhile. */
enum status conn_record_health_ok(struct db *db, long long id, const unsigned char *sealed,
				  size_t sealed_len);

/* The provider refused the token for good (code: "invalid_grant", "50173").
 * After `limit` refusals in a row the inbox becomes disconnected, with its audit
 * row, and *disconnected is set.  Timeouts and 5xx must never come here. */
enum status conn_record_health_refusal(struct db *db, const struct audit_actor *actor, long long id,
				       const char *code, long limit, time_t now, int *disconnected);

#endif
