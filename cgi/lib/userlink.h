/* userlink.h — single-use links that let a person set their password: the
 * invitation of someone added to the account (valid 72 hours) and a password
 * reset issued by a super admin (which also ends that person's sessions).
 * Only the SHA-256 of a link's token is stored.  When SMTP is configured the
 * link is mailed through the outbox (the token sealed for the worker with the
 * public key, dropped once the mail is sent); otherwise the page shows it once.
 *
 * Writers run inside the caller's write transaction. */
#ifndef IP_USERLINK_H
#define IP_USERLINK_H
#include <time.h>
#include "audit.h"
#include "crypto.h"
#include "db.h"
#include "keyring.h"
#include "status.h"

enum userlink_purpose { USERLINK_INVITE, USERLINK_RESET, USERLINK_PURPOSE__MAX };
extern const char *const userlink_purpose_names[USERLINK_PURPOSE__MAX]; /* "invite", "reset" */

#define USERLINK_VALID_SECONDS (72 * 3600)

/* A new link for user_id, replacing any unused one of the same purpose (an old
 * link stops working).  A reset also ends every session of the user.  With
 * sealer not NULL an email job carries the link to the person (its token sealed
 * for the worker); token receives the link's token either way, for the page to
 * show once when no mail is sent.  Audit row "user.invite" / "user.reset_link". */
enum status userlink_issue(struct db *db, const struct audit_actor *actor, long long user_id,
			   enum userlink_purpose purpose, struct keyring_sealer *sealer,
			   time_t now, char token[CRYPTO_TOKEN_LEN + 1]);

/* What a token opens, read only: ST_OK with the user and purpose, ST_NOT_FOUND
 * for an unknown (forged) token, ST_GONE for one used or expired. */
enum status userlink_find(struct db *db, const char *token, time_t now, long long *user_id,
			  enum userlink_purpose *purpose);

/* Uses the link: sets the password hash, marks the link used, ends the user's
 * other sessions, audit row "user.set_password".  Same statuses as
 * userlink_find; a second use is ST_GONE. */
enum status userlink_redeem(struct db *db, const char *token, const char *password_hash,
			    time_t now, long long *user_id);
#endif
