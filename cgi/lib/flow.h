/* flow.h — the OAuth flows in progress: what /settings/email/connect/{provider}
 * or /inbox/{inbox}/channels/connect/{provider} (and a reconnect) started and
 * /oauth/callback takes back.  A flow is bound to
 * the session that started it, taken once, and refused ten minutes after it
 * began.  The state itself is never stored, only its SHA-256.
 *
 * Every function here runs inside the caller's write transaction. */
#ifndef IP_FLOW_H
#define IP_FLOW_H

#include <time.h>

#include "crypto.h"
#include "db.h"
#include "prov.h"
#include "status.h"

#define FLOW_LIFETIME 600 /* seconds from the start of a flow to its callback */

enum flow_purpose { FLOW_CONNECT, FLOW_RECONNECT };

struct flow {
	long long user_id;
	enum provider provider;
	enum flow_purpose purpose;
	long long connection_id; /* FLOW_RECONNECT: the inbox that must come back */
	long long inbox_id;      /* a team channel's conversation inbox; 0 for the user's own */
	char code_verifier[CRYPTO_TOKEN_LEN + 1];
};

/* Records a new flow for session_id: state and code_verifier are the values sent
 * to the provider (the state as its hash only).  Expired flows of anyone are
 * swept on the way. */
enum status flow_start(struct db *db, const char *state, long long session_id,
		       const struct flow *flow, time_t now);

/* Takes back the flow of state for session_id and deletes it, so it cannot be
 * used twice.  ST_NOT_FOUND — and nothing deleted — when there is no such flow,
 * it was taken already, it belongs to another session, or it has expired. */
enum status flow_take(struct db *db, const char *state, long long session_id, time_t now,
		      struct flow *out);

#endif
