/* sandbox.h — the sandbox provider's shared pieces: its configuration, one call
 * being answered, the store, and the answers every endpoint family gives.
 *
 * The sandbox speaks Google's and Microsoft's OAuth and Graph endpoints in the
 * shapes of PROVIDERS.md, with fault injection, for the demo and the tests.  It
 * never belongs in a production deployment. */
#ifndef SBX_SANDBOX_H
#define SBX_SANDBOX_H

#include <jansson.h>
#include <sqlite3.h>
#include <stdint.h>

#include "req.h"
#include "resp.h"
#include "util.h"

/* The clients registered at the sandbox, one per provider of the panel. */
enum sbx_client { SBX_GOOGLE, SBX_MICROSOFT, SBX_OUTLOOK, SBX_CLIENT__MAX };
extern const char *const sbx_client_names[SBX_CLIENT__MAX];

struct sbx_client_conf {
	char *client_id;
	char *client_secret;
	char *redirect_uris; /* space-separated, each compared whole */
};

struct sbx_conf {
	char *database;
	char *templates;
	struct sbx_client_conf clients[SBX_CLIENT__MAX];
};

/* Personal Microsoft accounts all carry this tenant id. */
#define SBX_CONSUMERS_TID "9188040d-6c67-4c5b-b112-36a304b66dad"

/* Lifetimes, in seconds. */
#define SBX_ACCESS_TTL 3600
#define SBX_CODE_TTL 600

/* One request being answered: what it asked, what goes back, and what the call
 * log keeps of it. */
struct call {
	const struct sbx_conf *conf;
	sqlite3 *db;
	const struct req_source *src;
	struct req req;
	const char *method;   /* REQUEST_METHOD as sent */
	const char *raw_query; /* QUERY_STRING as sent, "" when absent */
	struct resp resp;
	long long started_ms;
	/* For the call log. */
	const char *endpoint; /* "google.token"…; NULL: not logged */
	char token_fp[17];    /* fingerprint of the token or code the call concerned */
	char grant[64];       /* the grant it concerned */
	char error[48];       /* the error code answered, if any */
	const char *fault;    /* the fault injected, if any */
};

/* --- answers (sandbox.c) ------------------------------------------------------ */

/* A JSON body (taken: the caller's reference is consumed) with status. */
void call_json(struct call *c, int status, json_t *body);
/* RFC 6749 §5.2 error, Google's shape. */
void call_oauth_error(struct call *c, int status, const char *error, const char *description);
/* Microsoft identity platform error with AADSTS code, error_codes, trace ids. */
void call_aad_error(struct call *c, int status, const char *error, long code, const char *text);
/* Graph's {"error":{"code","message"}}. */
void call_graph_error(struct call *c, int status, const char *code, const char *message);
/* The form value, or NULL when absent. */
const char *call_form(const struct call *c, const char *name);
const char *call_query(const struct call *c, const char *name);
/* A header from the request (CGI name, "HTTP_AUTHORIZATION"), or NULL. */
const char *call_header(const struct call *c, const char *cgi_name);
/* The bearer token of the Authorization header, or NULL. */
const char *call_bearer(const struct call *c);
/* Notes the token (its fingerprint only) or grant a call concerned, for the log. */
void call_note_token(struct call *c, const char *token);
void call_note_grant(struct call *c, const char *grant);

/* --- the store (sandbox_store.c) -------------------------------------------- */

sqlite3 *store_open(const char *path, char *err, size_t errlen);
int store_begin(sqlite3 *db);  /* BEGIN IMMEDIATE; 0 or -1 */
int store_commit(sqlite3 *db); /* 0 or -1 (rolled back) */
void store_rollback(sqlite3 *db);
/* Runs one statement with text binds (NULL binds NULL); 0, or -1 logged. */
int store_exec(sqlite3 *db, const char *sql, ...) __attribute__((sentinel));
/* The statement of sql (a string literal: it is kept prepared, by its address),
 * or NULL (logged).  Give it back with store_release once read. */
sqlite3_stmt *store_prepare(sqlite3 *db, const char *sql);
void store_release(sqlite3_stmt *st);
/* Closes a store, and the statements kept for it. */
void store_close(sqlite3 *db);
long long now_ms(void);

/* Hex SHA-256 of a token, as stored; the first 16 characters are its fingerprint. */
void token_hash(const char *token, char out[65]);

struct account {
	long long id;
	enum sbx_client provider;
	char address[256];
	char subject[64]; /* Google sub, Microsoft oid */
	char tenant[64];  /* Microsoft tid, "" for Google */
};

/* Finds or creates the account of (provider, address); tenant for Microsoft. */
int store_account(sqlite3 *db, enum sbx_client provider, const char *address, struct account *out);
/* The live grant of an account for a client, made (or widened to scope) now. */
int store_grant(sqlite3 *db, long long account_id, const char *client_id, const char *scope,
		char grant_id[64]);

/* Issues a token of kind "access", "refresh" or "app" and stores its hash; the
 * token text is written to out (at least 64 bytes). */
int store_issue_token(sqlite3 *db, const char *prefix, const char *kind, const char *grant_id,
		      const char *client_id, const char *tenant, long ttl, char *out, size_t outlen);

/* What a presented token stands for. */
struct token_info {
	char kind[16];
	char grant[64];
	char client_id[160];
	char tenant[64];
	int alive;      /* not killed, not expired, and (refresh) its grant alive */
	int grant_live;
	char grant_end[16]; /* why the grant ended: revoked, graph, user */
	struct account account;
};
/* 1 found, 0 unknown, -1 store error. */
int store_token(sqlite3 *db, const char *token, struct token_info *out);
int store_kill_token(sqlite3 *db, const char *token);
/* Ends a grant: kind "all" kills every token, "refresh" only refresh tokens (a
 * Microsoft access token lives until it expires). */
int store_end_grant(sqlite3 *db, const char *grant_id, const char *why, const char *kind);

/* --- fault injection and settings -------------------------------------------- */
enum fault_kind {
	FAULT_500,
	FAULT_503,           /* with Retry-After */
	FAULT_429,           /* with Retry-After */
	FAULT_HANG,          /* holds the answer, then answers as usual */
	FAULT_INVALID_GRANT, /* answers as for a dead token, which stays alive */
	FAULT_GRAPH_403,     /* Authorization_RequestDenied, graph.* only */
	FAULT__MAX
};
/* The kinds as the control API and the call log name them. */
extern const char *const fault_kind_names[FAULT__MAX];

struct fault {
	enum fault_kind kind;
	long retry_after;
	long hang;
};
/* Takes the next injected fault of endpoint: 1 taken, 0 none, -1 error. */
int store_take_fault(sqlite3 *db, const char *endpoint, struct fault *out);
long store_latency_ms(sqlite3 *db);

/* --- the families of endpoints ---------------------------------------------- */
void google_authorize(struct call *c);
void google_token(struct call *c);
void google_revoke(struct call *c);
void google_userinfo(struct call *c);
void microsoft_authorize(struct call *c, const char *tenant);
void microsoft_token(struct call *c, const char *tenant);
void graph_me(struct call *c);
void graph_service_principal(struct call *c, const char *app_id);
void graph_grants(struct call *c);
void graph_delete_grant(struct call *c, const char *grant_id);

/* Helpers shared by oauth.c and control.c. */
int sbx_valid_address(const char *s);
/* A GUID-shaped id derived from a label, stable across runs. */
void sbx_derived_uuid(const char *label, char out[37]);
void sbx_random_uuid(char out[37]);
/* The client registered for a client id, or -1. */
int sbx_client_by_id(const struct sbx_conf *conf, const char *client_id);
/* The tenant of a Microsoft account of address. */
void sbx_tenant_for(enum sbx_client provider, const char *address, char out[64]);
/* Token answer for an account: access token, refresh token when refresh is set,
 * id_token when the scope holds openid.  NULL on a store error. */
json_t *sbx_token_answer(struct call *c, enum sbx_client provider, const struct account *a,
			 const char *grant_id, const char *client_id, const char *scope,
			 int with_refresh);

/* The control API (control.c). */
void control_dispatch(struct call *c);
/* True for the endpoints faults can be injected into (sandbox.c). */
int control_fault_endpoint_known(const char *endpoint);


#endif
