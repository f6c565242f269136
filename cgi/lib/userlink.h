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
#include "seal.h"
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

/* --- the worker's side: the mail that carries a link ---------------------------- */

/* An email job's link (outbox_email.link_id), with its person and the job's
 * sealed token. */
struct userlink_mail {
	long long link_id;
	enum userlink_purpose purpose;
	long long expires_at;
	int usable;             /* unused, unexpired, and its person active: worth mailing */
	char email[255];
	char name[129];
	char language[3];       /* "", "en" or "fr" */
	unsigned char *sealed_token; /* the job's box, NULL when it has none */
	size_t sealed_token_len;
};
/* ST_NOT_FOUND when the link or the job is gone. */
enum status userlink_for_mail(struct db *db, long long job_id, long long link_id, time_t now,
			      struct userlink_mail *out);
void userlink_mail_clear(struct userlink_mail *m);

/* What a link's sealed token is bound to: the link's row (its id, its person's
 * address and its purpose), so a box cannot be moved to another link or to a
 * connection.  The strings are the caller's. */
void userlink_seal_context(long long link_id, const char *email, enum userlink_purpose purpose,
			   struct seal_context *ctx);
#endif
