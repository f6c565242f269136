/* oauth.h — reading what an OAuth provider answered (RFC 6749 §5, RFC 7009 and
 * Microsoft's error bodies of PROVIDERS.md): was it accepted, refused for good,
 * or worth another try. */
#ifndef IP_OAUTH_H
#define IP_OAUTH_H

#include <stddef.h>

#include "form.h"
#include "http.h"

enum oauth_verdict {
	OAUTH_OK,        /* 2xx */
	OAUTH_TRANSIENT, /* no answer, a timeout, 5xx, 429, or a 4xx that names no known error */
	OAUTH_PERMANENT, /* invalid_grant, invalid_client, unauthorized_client, invalid_scope,
			  * admin_policy_enforced: the same request will never succeed */
};

/* Classifies an answer; code receives the provider's code for support
 * ("invalid_grant", "AADSTS50173", "HTTP 503", "timeout") and is "" for 2xx. */
enum oauth_verdict oauth_classify(const struct http_answer *a, char *code, size_t code_len);

/* The "error" member of a JSON error body (RFC 6749), into out; "" when none,
 * or when it is not a code (oauth_code_valid). */
void oauth_error_name(const struct http_answer *a, char *out, size_t out_len);

/* Whether a provider's error code can be kept as it is: it goes into logs and
 * the store, so only RFC 6749's characters (§5.2: printable ASCII) are. */
int oauth_code_valid(const char *code);

/* The longest string member taken from an answer: tokens are a few kilobytes. */
#define OAUTH_STRING_MAX 65536

/* A string member of a JSON object body, copied (free it; cleanse a token
 * first); NULL when the body is not JSON or has no such string, or a longer
 * one than OAUTH_STRING_MAX. */
char *oauth_json_string(const struct http_answer *a, const char *member);

/* The query the provider sends the browser back with (RFC 6749 §4.1.2,
 * §4.1.2.1), for form_validate: its values come in this order. */
enum { OAUTH_CALLBACK_STATE, OAUTH_CALLBACK_CODE, OAUTH_CALLBACK_ERROR, OAUTH_CALLBACK_FIELDS };
extern const struct form oauth_callback_query;

/* PKCE (RFC 7636): the S256 challenge of a verifier, base64url(SHA-256(verifier))
 * without padding: 43 characters and a NUL. */
#define OAUTH_CHALLENGE_SIZE 45
void oauth_pkce_challenge(const char *verifier, char out[OAUTH_CHALLENGE_SIZE]);

/* Who an id token (a JWT) says the account is. */
struct oauth_identity {
	char address[255]; /* "email", else Microsoft's "preferred_username" */
	char subject[128]; /* Microsoft: "oid"; else "sub" */
	char tenant[64];   /* Microsoft: "tid"; "" elsewhere */
};

/* Reads the payload of an id token; its signature is not checked (the caller
 * must have it straight from the provider's token endpoint).  0, or -1 when it
 * is not a JWT with a JSON object payload naming an address. */
int oauth_id_token_identity(const char *id_token, struct oauth_identity *out);

/* The same from OpenID Connect claims as JSON: an id token's payload, or the
 * answer of the provider's userinfo endpoint, which uses the same names.  An
 * "email" the provider marks unverified (email_verified not true) is not taken,
 * nor is a claim holding a control character.  0, or -1 when it is not a JSON
 * object naming an address. */
int oauth_claims_identity(const char *json, size_t len, struct oauth_identity *out);

#endif
