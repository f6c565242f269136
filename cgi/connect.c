/* connect.c — connecting an inbox through OAuth (rules 7 and 8 of DESIGN.md): the
 * scopes page, the start of the authorization code flow with PKCE (S256) and
 * state, and the provider's way back, /oauth/callback.
 *
 * Either scope of conn.h: a user's own inbox (pages of the inboxpanel-settings
 * program, its route table in settings.c) or an email channel of a conversation
 * inbox (pages of inboxpanel-inbox, its route table in inbox.c).  The flow
 * remembers which; the callback, served by the settings program, stores the
 * connection in that scope.  Nothing here knows which provider answers: only the
 * URLs of the configuration say, so the same code talks to Google, Microsoft and
 * the sandbox provider. */
#include "config.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conn.h"
#include "conn_view.h"
#include "connect.h"
#include "crypto.h"
#include "flow.h"
#include "http.h"
#include "oauth.h"
#include "page.h"
#include "seal_store.h"
#include "team.h"
#include "tmpl.h"
#include "util.h"

/* --- where: a user's own inboxes, or a conversation inbox's channels ------------ */

static struct conn_scope personal_scope(const struct ctx *ctx)
{
	struct conn_scope scope = { CONN_PERSONAL, ctx->user->id };

	return scope;
}

/* The conversation inbox of the path's first {id}: 1 with its scope, or the 404
 * page and 0. */
static int team_scope(struct ctx *ctx, struct conn_scope *scope)
{
	struct team_inbox t;
	enum status st = team_inbox_find(ctx->db, ctx->match->ids[0], &t);

	if (st != ST_OK) {
		page_error(ctx, st, NULL);
		return 0;
	}
	scope->kind = CONN_TEAM;
	scope->id = t.id;
	tmpl_set(ctx->hdf, "Scopes.inbox_name", t.name);
	return 1;
}

/* The list of the scope's inboxes: Settings › General › Email, or the channels
 * of the conversation inbox. */
static void list_url(const struct conn_scope *scope, char *out, size_t size)
{
	if (scope->kind == CONN_TEAM)
		snprintf(out, size, "/inbox/%lld/settings/channels", scope->id);
	else
		snprintf(out, size, "/settings/email");
}

/* The provider choice, or with p not NULL that provider's scopes page. */
static void connect_url(const struct conn_scope *scope, const enum provider *p, char *out,
			size_t size)
{
	if (scope->kind == CONN_TEAM)
		snprintf(out, size, "/inbox/%lld/channels/connect%s%s", scope->id, p ? "/" : "",
			 p ? prov_table[*p].name : "");
	else
		snprintf(out, size, "/settings/email/connect%s%s", p ? "/" : "",
			 p ? prov_table[*p].name : "");
}

static void reconnect_url(const struct conn_scope *scope, long long id, char *out, size_t size)
{
	if (scope->kind == CONN_TEAM)
		snprintf(out, size, "/inbox/%lld/channels/%lld/reconnect", scope->id, id);
	else
		snprintf(out, size, "/settings/email/%lld/reconnect", id);
}

/* --- what is asked for, in words ---------------------------------------------- */

/* A scope the consent screen will show, with the key of its consent text
 * (Lang.scope.<key>, the providers' own words from PROVIDERS.md) and whether the
 * inbox needs it or another feature of the CRM uses it. */
struct scope_words {
	const char *name; /* as configured; Microsoft compares without case */
	const char *key;
	int inbox_needs;
};

static const struct scope_words google_scopes[] = {
	{ "https://mail.google.com/", "google_mail", 1 },
	{ "https://www.googleapis.com/auth/gmail.readonly", "gmail_readonly", 1 },
	{ "https://www.googleapis.com/auth/gmail.send", "gmail_send", 1 },
	{ "https://www.googleapis.com/auth/gmail.modify", "gmail_modify", 1 },
	{ "email", "google_email", 1 },
	{ "https://www.googleapis.com/auth/userinfo.email", "google_email", 1 },
	{ "openid", "google_openid", 1 },
	{ "profile", "google_profile", 0 },
	{ "https://www.googleapis.com/auth/userinfo.profile", "google_profile", 0 },
	{ NULL, NULL, 0 },
};

static const struct scope_words microsoft_scopes[] = {
	{ "offline_access", "ms_offline_access", 1 },
	{ "openid", "ms_openid", 1 },
	{ "email", "ms_email", 1 },
	{ "Mail.ReadWrite", "ms_mail_readwrite", 1 },
	{ "https://graph.microsoft.com/Mail.ReadWrite", "ms_mail_readwrite", 1 },
	{ "Mail.Send", "ms_mail_send", 1 },
	{ "https://graph.microsoft.com/Mail.Send", "ms_mail_send", 1 },
	{ "https://outlook.office.com/IMAP.AccessAsUser.All", "ms_imap", 1 },
	{ "https://outlook.office.com/SMTP.Send", "ms_smtp", 1 },
	{ "profile", "ms_profile", 0 },
	{ "User.Read", "ms_user_read", 0 },
	{ "https://graph.microsoft.com/User.Read", "ms_user_read", 0 },
	{ NULL, NULL, 0 },
};

static const struct scope_words *scope_words_of(enum provider p, const char *scope)
{
	const struct scope_words *w = p == PROV_GOOGLE ? google_scopes : microsoft_scopes;

	for (; w->name != NULL; w++)
		if (p == PROV_GOOGLE ? strcmp(w->name, scope) == 0 : strcasecmp(w->name, scope) == 0)
			return w;
	return NULL;
}

/* Scopes.inbox.N and Scopes.other.N: each configured scope's consent text in the
 * reader's language, and its own name in small type for whoever supports them.
 * A scope the panel has no words for is shown under other features by name. */
static void set_scopes(struct ctx *ctx, enum provider p)
{
	const char *s = ctx->conf->providers[p].scopes;
	int counts[2] = { 0, 0 };

	while (s != NULL && *s != '\0') {
		size_t len = strcspn(s, " ");
		char *scope = xstrndup(s, len);
		const struct scope_words *w;
		char key[64], item[48];
		int group;

		if (len > 0) {
			w = scope_words_of(p, scope);
			group = w != NULL && w->inbox_needs ? 0 : 1;
			snprintf(key, sizeof(key), "scope.%s", w != NULL ? w->key : "unknown");
			snprintf(item, sizeof(item), "Scopes.%s.%d", group == 0 ? "inbox" : "other",
				 counts[group]);
			tmpl_set(ctx->hdf, item, scope);
			strncat(item, ".text", sizeof(item) - strlen(item) - 1);
			tmpl_set_words(ctx->hdf, item, ctx->lang, key, "scope", scope, NULL);
			counts[group]++;
		}
		free(scope);
		s += len;
		while (*s == ' ')
			s++;
	}
	tmpl_set_int(ctx->hdf, "Scopes.inbox_count", counts[0]);
	tmpl_set_int(ctx->hdf, "Scopes.other_count", counts[1]);
}

/* The provider a {word} of the path names, when an inbox connects through it
 * with OAuth; -1 (a 404) otherwise.  IMAP has a form of its own, not here. */
static int oauth_provider(const char *word, enum provider *p)
{
	return prov_from_name(word, p) == 0 && prov_table[*p].oauth ? 0 : -1;
}

/* Who the reader deals with at the provider: "Google", "Microsoft". */
static const char *company_name(const struct ctx *ctx, enum provider p)
{
	return hdf_get_value(ctx->lang, prov_table[p].company_key, prov_table[p].name);
}

static void set_provider_words(struct ctx *ctx, enum provider p)
{
	tmpl_set(ctx->hdf, "Scopes.provider", prov_table[p].name);
	tmpl_set(ctx->hdf, "Scopes.provider_label", conn_view_provider_label(ctx, p));
	tmpl_set(ctx->hdf, "Scopes.company",
		 company_name(ctx, p));
}

/* The scopes page of provider p (rule 8): titled Lang.scopes.<title_key>, naming
 * the mailbox that must come back for a reconnect, its button posting to action.
 * When the panel has no client at that provider, a page that says so.  200. */
static void scopes_page(struct ctx *ctx, const struct conn_scope *scope, enum provider p,
			const char *title_key, const char *address, const char *action)
{
	char key[64], url[96];

	set_provider_words(ctx, p);
	list_url(scope, url, sizeof(url));
	tmpl_set(ctx->hdf, "Scopes.list_url", url);
	connect_url(scope, NULL, url, sizeof(url));
	tmpl_set(ctx->hdf, "Scopes.chooser_url", url);
	snprintf(key, sizeof(key), "Lang.scopes.%s", title_key);
	tmpl_set(ctx->hdf, "Scopes.title", hdf_get_value(ctx->lang, key, ""));
	if (address != NULL)
		tmpl_set(ctx->hdf, "Scopes.address", address);
	if (!ctx->conf->providers[p].configured) {
		tmpl_set_words(ctx->hdf, "Scopes.not_configured", ctx->lang, "scopes.not_configured",
			       "provider", conn_view_provider_label(ctx, p), "company",
			       company_name(ctx, p), NULL);
		page_render(ctx, "email_scopes.cs");
		return;
	}
	set_scopes(ctx, p);
	tmpl_set(ctx->hdf, "Scopes.action", action);
	/* The form is answered with a redirect to the provider, which the browser
	 * holds to this page's CSP form-action. */
	if (resp_allow_form_target(ctx->resp, ctx->conf->providers[p].authorize_url) != 0)
		log_error("Provider.%s.authorize_url cannot be a form target", prov_table[p].name);
	tmpl_set_words(ctx->hdf, "Scopes.lead", ctx->lang, "scopes.lead", "company",
		       company_name(ctx, p), NULL);
	if (address != NULL)
		tmpl_set_words(ctx->hdf, "Scopes.must_return", ctx->lang, "scopes.must_return",
			       "address", address, "company", company_name(ctx, p), NULL);
	tmpl_set_words(ctx->hdf, "Scopes.button", ctx->lang, "scopes.button", "company",
		       company_name(ctx, p), NULL);
	page_render(ctx, "email_scopes.cs");
}

/* GET .../connect/{google,microsoft,outlook} — what the provider will be asked
 * for, before anything is asked, with the button that goes on.  200; 404 for
 * any other provider. */
static void scopes_for_connect(struct ctx *ctx, const struct conn_scope *scope)
{
	enum provider p;
	char action[96];

	if (oauth_provider(ctx->match->words[0], &p) != 0) {
		page_error(ctx, ST_NOT_FOUND, NULL);
		return;
	}
	connect_url(scope, &p, action, sizeof(action));
	scopes_page(ctx, scope, p, "title_connect", NULL, action);
}

void connect_scopes_page(struct ctx *ctx)
{
	struct conn_scope scope = personal_scope(ctx);

	scopes_for_connect(ctx, &scope);
}

void channel_connect_scopes_page(struct ctx *ctx)
{
	struct conn_scope scope;

	if (team_scope(ctx, &scope))
		scopes_for_connect(ctx, &scope);
}

/* --- the start of the flow ------------------------------------------------------ */

static char *redirect_uri(const struct ctx *ctx)
{
	return xasprintf("%s/oauth/callback", ctx->conf->base_url);
}

/* Records the flow and sends the browser to the provider's consent screen with
 * the authorize parameters of PROVIDERS.md: 303.  The state and the verifier are
 * 256 bits each from OpenSSL's generator; the provider sees the verifier's
 * challenge only. */
static void start_flow(struct ctx *ctx, const struct conn_scope *scope, enum provider p,
		       enum flow_purpose purpose, long long connection_id, const char *login_hint)
{
	const struct conf_provider *cp = &ctx->conf->providers[p];
	struct flow flow = { .user_id = ctx->user->id, .provider = p, .purpose = purpose,
			     .connection_id = connection_id,
			     .inbox_id = scope->kind == CONN_TEAM ? scope->id : 0 };
	char state[CRYPTO_TOKEN_LEN + 1], challenge[OAUTH_CHALLENGE_SIZE];
	char *callback, *location;
	struct buf query;
	enum status st;

	if (crypto_random_token(state) != 0 || crypto_random_token(flow.code_verifier) != 0) {
		page_error(ctx, ST_INTERNAL, NULL);
		return;
	}
	if ((st = flow_start(ctx->db, state, ctx->session->id, &flow, ctx->now)) != ST_OK) {
		OPENSSL_cleanse(&flow, sizeof(flow));
		page_error(ctx, st, NULL);
		return;
	}
	oauth_pkce_challenge(flow.code_verifier, challenge);
	OPENSSL_cleanse(&flow, sizeof(flow));
	callback = redirect_uri(ctx);
	buf_init(&query);
	http_form_add(&query, "client_id", cp->client_id);
	http_form_add(&query, "redirect_uri", callback);
	http_form_add(&query, "response_type", "code");
	http_form_add(&query, "scope", cp->scopes);
	http_form_add(&query, "state", state);
	http_form_add(&query, "code_challenge", challenge);
	http_form_add(&query, "code_challenge_method", "S256");
	if (p == PROV_GOOGLE) {
		/* A refresh token only with offline access, and again on each consent. */
		http_form_add(&query, "access_type", "offline");
		http_form_add(&query, "prompt", "consent");
		http_form_add(&query, "include_granted_scopes", "true");
	} else {
		http_form_add(&query, "response_mode", "query");
	}
	if (login_hint != NULL)
		http_form_add(&query, "login_hint", login_hint);
	location = xasprintf("%s%c%s", cp->authorize_url, strchr(cp->authorize_url, '?') ? '&' : '?',
			     query.data);
	resp_see_other(ctx->resp, location);
	OPENSSL_cleanse(state, sizeof(state));
	free(location);
	buf_free(&query);
	free(callback);
}

/* A flow cannot start where the panel has no client: 409 with the page that
 * says so, and 1. */
static int refuse_unconfigured(struct ctx *ctx, enum provider p)
{
	if (ctx->conf->providers[p].configured)
		return 0;
	tmpl_set_words(ctx->hdf, "Error.reason", ctx->lang, "scopes.not_configured", "provider",
		       conn_view_provider_label(ctx, p), "company", company_name(ctx, p), NULL);
	page_error(ctx, ST_CONFLICT, NULL);
	return 1;
}

/* POST .../connect/{google,microsoft,outlook} — starts the flow: 303 to the
 * provider.  404 for another provider; 409 when the panel has no client there. */
static void start_for_connect(struct ctx *ctx, const struct conn_scope *scope)
{
	enum provider p;

	if (oauth_provider(ctx->match->words[0], &p) != 0) {
		page_error(ctx, ST_NOT_FOUND, NULL);
		return;
	}
	if (refuse_unconfigured(ctx, p))
		return;
	start_flow(ctx, scope, p, FLOW_CONNECT, 0, NULL);
}

void connect_start(struct ctx *ctx)
{
	struct conn_scope scope = personal_scope(ctx);

	start_for_connect(ctx, &scope);
}

void channel_connect_start(struct ctx *ctx)
{
	struct conn_scope scope;

	if (team_scope(ctx, &scope))
		start_for_connect(ctx, &scope);
}

/* The connection id of the scope when a reconnect can bring it back; otherwise
 * the page that says why (404, or 409 naming the mailbox) and 0. */
static int find_reconnectable(struct ctx *ctx, const struct conn_scope *scope, long long id,
			      struct conn *c)
{
	enum status st = conn_find(ctx->db, scope, id, c);

	if (st != ST_OK) {
		page_error(ctx, st, NULL);
		return 0;
	}
	if (!conn_can_reconnect(c)) {
		tmpl_set_words(ctx->hdf, "Error.reason", ctx->lang,
			       c->state == CONN_CONNECTED ? "oauth.reconnect_connected"
							  : "oauth.reconnect_not_possible",
			       "address", c->address, NULL);
		page_error(ctx, ST_CONFLICT, NULL);
		return 0;
	}
	return 1;
}

/* GET .../reconnect — the scopes page for a disconnected inbox, naming the
 * mailbox that must come back (rules 8 and 10).  200; 404 for an inbox outside
 * the scope; 409 for one a reconnect cannot bring back. */
static void scopes_for_reconnect(struct ctx *ctx, const struct conn_scope *scope, long long id)
{
	struct conn c;
	char action[96];

	if (!find_reconnectable(ctx, scope, id, &c))
		return;
	reconnect_url(scope, c.id, action, sizeof(action));
	scopes_page(ctx, scope, c.provider, "title_reconnect", c.address, action);
}

/* POST .../reconnect — starts the flow for that inbox, with its address as the
 * provider's login hint: 303 to the provider.  404; 409. */
static void start_for_reconnect(struct ctx *ctx, const struct conn_scope *scope, long long id)
{
	struct conn c;

	if (!find_reconnectable(ctx, scope, id, &c))
		return;
	if (refuse_unconfigured(ctx, c.provider))
		return;
	start_flow(ctx, scope, c.provider, FLOW_RECONNECT, c.id, c.address);
}

void reconnect_scopes_page(struct ctx *ctx)
{
	struct conn_scope scope = personal_scope(ctx);

	scopes_for_reconnect(ctx, &scope, ctx->match->ids[0]);
}

void reconnect_start(struct ctx *ctx)
{
	struct conn_scope scope = personal_scope(ctx);

	start_for_reconnect(ctx, &scope, ctx->match->ids[0]);
}

void channel_reconnect_scopes_page(struct ctx *ctx)
{
	struct conn_scope scope;

	if (team_scope(ctx, &scope))
		scopes_for_reconnect(ctx, &scope, ctx->match->ids[1]);
}

void channel_reconnect_start(struct ctx *ctx)
{
	struct conn_scope scope;

	if (team_scope(ctx, &scope))
		start_for_reconnect(ctx, &scope, ctx->match->ids[1]);
}

/* --- the way back ---------------------------------------------------------------- */

/* What the token endpoint gave, once read; the secrets are cleansed by
 * exchange_clear. */
struct exchange {
	int done;
	enum status status;      /* ST_OK, ST_PROVIDER_REFUSED, ST_PROVIDER_TIMEOUT */
	char code[64];           /* the provider's error code, for the log */
	char *refresh_token;
	char *id_token;
	char *scope;             /* what was granted, when the provider says */
};

static void exchange_clear(struct exchange *x)
{
	if (x->refresh_token != NULL)
		OPENSSL_cleanse(x->refresh_token, strlen(x->refresh_token));
	if (x->id_token != NULL)
		OPENSSL_cleanse(x->id_token, strlen(x->id_token));
	free(x->refresh_token);
	free(x->id_token);
	free(x->scope);
	memset(x, 0, sizeof(*x));
}

static void exchange_answer(void *arg, const struct http_answer *a)
{
	struct exchange *x = arg;

	x->done = 1;
	switch (oauth_classify(a, x->code, sizeof(x->code))) {
	case OAUTH_OK:
		x->status = ST_OK;
		x->refresh_token = oauth_json_string(a, "refresh_token");
		x->id_token = oauth_json_string(a, "id_token");
		x->scope = oauth_json_string(a, "scope");
		break;
	case OAUTH_TRANSIENT:
		x->status = a->status == 0 ? ST_PROVIDER_TIMEOUT : ST_PROVIDER_REFUSED;
		break;
	case OAUTH_PERMANENT:
		x->status = ST_PROVIDER_REFUSED;
		break;
	}
}

/* The code exchange (RFC 6749 §4.1.3 with the PKCE verifier), done before any
 * write lock is taken, with the worker's connect and total timeouts. */
static void exchange_code(const struct ctx *ctx, const struct flow *flow, const char *code,
			  struct exchange *x)
{
	const struct conf_provider *cp = &ctx->conf->providers[flow->provider];
	struct http_pool *pool =
		http_pool_new(1, ctx->conf->worker_connect_timeout, ctx->conf->worker_timeout);
	char *callback = redirect_uri(ctx);
	struct buf form;

	buf_init(&form);
	http_form_add(&form, "code", code);
	http_form_add(&form, "client_id", cp->client_id);
	http_form_add(&form, "client_secret", cp->client_secret);
	http_form_add(&form, "redirect_uri", callback);
	http_form_add(&form, "grant_type", "authorization_code");
	http_form_add(&form, "code_verifier", flow->code_verifier);
	http_call(pool, "POST", cp->token_url, form.data, NULL, exchange_answer, x);
	/* libcurl ends the call by its total timeout at the latest. */
	while (!x->done && http_pool_run(pool, -1, 1000) > 0)
		;
	if (!x->done) {
		x->status = ST_PROVIDER_TIMEOUT;
		snprintf(x->code, sizeof(x->code), "no answer");
	}
	http_pool_free(pool);
	OPENSSL_cleanse(form.data, form.len);
	buf_free(&form);
	free(callback);
}

/* A page about the flow's end that is not a success: status st, the title
 * Lang.oauth.<title>, the sentence Lang.oauth.<reason> with {company},
 * {provider}, {address} and {other}, then Flow.more when set, and a button back to
 * where one starts again. */
static void flow_problem(struct ctx *ctx, enum status st, const char *title, const char *reason,
			 enum provider p, const char *address, const char *other,
			 const char *next_url)
{
	char key[64];

	snprintf(key, sizeof(key), "oauth.%s", reason);
	tmpl_set_words(ctx->hdf, "Error.reason", ctx->lang, key, "company", company_name(ctx, p),
		       "provider", conn_view_provider_label(ctx, p), "address",
		       address ? address : "", "other", other ? other : "", NULL);
	/* What else became of the attempt (refuse_other_mailbox), in the same
	 * paragraph: the error page's own text follows it. */
	if (hdf_get_value(ctx->hdf, "Flow.more", NULL) != NULL) {
		char *both = xasprintf("%s %s", hdf_get_value(ctx->hdf, "Error.reason", ""),
				       hdf_get_value(ctx->hdf, "Flow.more", ""));

		tmpl_set(ctx->hdf, "Error.reason", both);
		free(both);
	}
	if (next_url != NULL) {
		tmpl_set(ctx->hdf, "Error.next_url", next_url);
		tmpl_set(ctx->hdf, "Error.next_label",
			 hdf_get_value(ctx->lang, "Lang.oauth.start_again", ""));
	}
	snprintf(key, sizeof(key), "oauth.%s", title);
	page_error_titled(ctx, st, key);
}

/* The callback's query (oauth_callback_query, shared with its fuzz target) is
 * validated here rather than declared on the route: the dispatcher carries a
 * route's declared query through the sign-in page (/login?next=...), and an
 * authorization code has no business in a URL the panel renders.  Signed out,
 * the callback cannot succeed anyway: signing in starts a new session, and the
 * state is bound to the old one. */

/* Stores the new inbox, in one transaction with everything it causes: the
 * connection, its sealed refresh token, its audit row, the provider move of
 * rule 7 within the scope, and, when the address comes back to a provider it
 * left, the dropping of the old revocation that would end the new grant.  303
 * to the scope's list; 409 when the address is in the list already through
 * this provider. */
static void store_connection(struct ctx *ctx, const struct conn_scope *scope,
			     const struct flow *flow, const struct exchange *x,
			     const struct oauth_identity *who)
{
	struct audit_actor actor = page_actor(ctx);
	struct conn existing, moved;
	struct keyring_sealer *sealer = page_sealer(ctx);
	struct conn_new c = {
		.kind = scope->kind,
		.owner_user_id = scope->kind == CONN_PERSONAL ? scope->id : 0,
		.inbox_id = scope->kind == CONN_TEAM ? scope->id : 0,
		.connected_by_user_id = ctx->user->id,
		.provider = flow->provider,
		.address = who->address,
		.state = CONN_CONNECTED,
		.scopes = x->scope != NULL ? x->scope : ctx->conf->providers[flow->provider].scopes,
		.subject = who->subject,
		.tenant = who->tenant,
		.connected_at = ctx->now,
	};
	char target[40], flash[48], list[64];
	long long id;
	int moved_count;
	enum status st;

	if (sealer == NULL) {
		page_error(ctx, ST_INTERNAL, NULL);
		return;
	}
	if ((st = page_write(ctx)) != ST_OK) {
		page_error(ctx, st, NULL);
		return;
	}
	/* The same address through the same provider: the new token is one more of
	 * the same grant (one per app and account, at Google as at Microsoft), so
	 * revoking it would end the inbox already listed too.  Nothing is stored;
	 * the list is where that inbox is disabled, reconnected or removed. */
	st = conn_find_live_address(ctx->db, scope, flow->provider, who->address, &existing);
	if (st == ST_OK && scope->kind == CONN_TEAM) {
		tmpl_set_words(ctx->hdf, "Error.reason", ctx->lang,
			       existing.state == CONN_DISCONNECTED ? "channel.already_disconnected"
								   : "channel.already",
			       "address", who->address, "provider",
			       conn_view_provider_label(ctx, flow->provider), NULL);
		page_error_titled(ctx, ST_CONFLICT, "oauth.already_title");
		return;
	}
	if (st == ST_OK) {
		flow_problem(ctx, ST_CONFLICT, "already_title",
			     existing.state == CONN_DISCONNECTED ? "already_disconnected" : "already",
			     flow->provider, who->address, NULL, NULL);
		return;
	}
	if (st != ST_NOT_FOUND ||
	    (st = conn_disconnect_for_provider_move(ctx->db, &actor, scope, flow->provider,
						    who->address, ctx->now, &moved, &moved_count)) !=
		    ST_OK ||
	    (st = conn_keep_grant_for_return(ctx->db, &actor, scope, flow->provider, who->address,
					     ctx->now)) != ST_OK ||
	    (st = conn_insert(ctx->db, &c, &id)) != ST_OK ||
	    (st = seal_store_connection_secret(ctx->db, sealer, id,
					       (const uint8_t *)x->refresh_token,
					       strlen(x->refresh_token))) != ST_OK) {
		page_error(ctx, ST_INTERNAL, NULL);
		return;
	}
	snprintf(target, sizeof(target), "connection:%lld", id);
	if ((st = page_audit(ctx, scope->kind == CONN_TEAM ? "channel.connect" : "email.connect",
			     target, who->address)) != ST_OK) {
		page_error(ctx, st, NULL);
		return;
	}
	if (moved_count > 0)
		snprintf(flash, sizeof(flash), "moved_%s_%s", prov_table[moved.provider].name,
			 prov_table[flow->provider].name);
	else
		snprintf(flash, sizeof(flash), "connected");
	list_url(scope, list, sizeof(list));
	page_redirect(ctx, list, flash, who->address);
}

/* Rule 10's refusal: a consent for another mailbox than the inbox's changes
 * nothing of the inbox, but the grant the provider just made for that mailbox
 * is given up (conn_give_up_stray_grant: revoked, unless an inbox here uses that
 * grant), committed before the page is made.  409 naming both mailboxes and
 * saying what becomes of that access. */
static void refuse_other_mailbox(struct ctx *ctx, const struct conn_scope *scope,
				 const struct flow *flow, const struct exchange *x,
				 const struct oauth_identity *who, const struct conn *c,
				 const char *next)
{
	struct audit_actor actor = page_actor(ctx);
	struct conn_stray stray = {
		.refused_reconnect_of = c->id,
		.provider = flow->provider,
		.address = who->address,
		.scopes = x->scope != NULL ? x->scope : ctx->conf->providers[flow->provider].scopes,
		.subject = who->subject,
		.tenant = who->tenant,
	};
	struct conn given_up;
	enum status st;

	st = conn_give_up_stray_grant(ctx->db, &actor, scope, &stray, page_sealer(ctx),
				      (const uint8_t *)x->refresh_token, strlen(x->refresh_token),
				      ctx->now, &given_up);
	/* The answer is an error page, which the dispatcher would roll back. */
	if (st != ST_OK || (st = db_commit(ctx->db)) != ST_OK) {
		page_error(ctx, st == ST_UNAVAILABLE ? ST_UNAVAILABLE : ST_INTERNAL, NULL);
		return;
	}
	if (given_up.id != 0)
		tmpl_set_words(ctx->hdf, "Flow.more", ctx->lang,
			       given_up.revocation_state == OUTBOX_MANUAL ? "connect_more.stray.manual"
									  : "connect_more.stray.revoking",
			       "company", company_name(ctx, flow->provider), "other", who->address,
			       NULL);
	/* Outlook.com: the steps to remove it by hand, numbered, with their link. */
	if (given_up.id != 0 && given_up.revocation_state == OUTBOX_MANUAL &&
	    conn_view_has_manual_steps(flow->provider)) {
		tmpl_set(ctx->hdf, "Error.steps", prov_table[flow->provider].name);
		tmpl_set(ctx->hdf, "Error.steps_address", who->address);
	}
	flow_problem(ctx, ST_CONFLICT, "wrong_mailbox_title", "wrong_mailbox", flow->provider,
		     c->address, who->address, next);
}

/* Brings a disconnected inbox back (rule 10): only when the provider's consent
 * was for that very mailbox (otherwise refuse_other_mailbox).  The new token is
 * sealed in the old one's place; the old one is not revoked: the provider had
 * stopped accepting it already (that is what disconnected the inbox), and a
 * revocation would end the grant the new token belongs to as well (Google
 * revokes the whole grant, Microsoft's is one per app and account).  303 to the
 * list. */
static void store_reconnection(struct ctx *ctx, const struct conn_scope *scope,
			       const struct flow *flow, const struct exchange *x,
			       const struct oauth_identity *who, const char *next)
{
	struct audit_actor actor = page_actor(ctx);
	struct keyring_sealer *sealer = page_sealer(ctx);
	struct conn_renewal renewal = {
		.scopes = x->scope != NULL ? x->scope : ctx->conf->providers[flow->provider].scopes,
		.subject = who->subject,
		.tenant = who->tenant,
	};
	struct conn c, moved;
	char list[64];
	int moved_count;
	enum status st;

	if (sealer == NULL) {
		page_error(ctx, ST_INTERNAL, NULL);
		return;
	}
	if ((st = page_write(ctx)) != ST_OK || (st = conn_find(ctx->db, scope, flow->connection_id, &c)) != ST_OK) {
		page_error(ctx, st, NULL);
		return;
	}
	if (strcasecmp(c.address, who->address) != 0) {
		refuse_other_mailbox(ctx, scope, flow, x, who, &c, next);
		return;
	}
	st = conn_reconnect(ctx->db, &actor, scope, c.id, &renewal, ctx->now, &c);
	if (st == ST_CONFLICT) {
		tmpl_set_words(ctx->hdf, "Error.reason", ctx->lang,
			       c.state == CONN_CONNECTED ? "oauth.reconnect_connected"
							 : "oauth.reconnect_not_possible",
			       "address", c.address, NULL);
		page_error(ctx, ST_CONFLICT, NULL);
		return;
	}
	if (st != ST_OK ||
	    seal_store_connection_secret(ctx->db, sealer, c.id, (const uint8_t *)x->refresh_token,
					 strlen(x->refresh_token)) != ST_OK ||
	    conn_disconnect_for_provider_move(ctx->db, &actor, scope, flow->provider, c.address,
					      ctx->now, &moved, &moved_count) != ST_OK ||
	    conn_keep_grant_for_return(ctx->db, &actor, scope, flow->provider, c.address,
				       ctx->now) != ST_OK) {
		page_error(ctx, ST_INTERNAL, NULL);
		return;
	}
	list_url(scope, list, sizeof(list));
	page_redirect(ctx, list, "reconnected", c.address);
}

/* GET /oauth/callback — the provider sends the browser back here.  The state is
 * checked before anything else and taken (it works once); then the code is
 * exchanged, with no write lock held, and the inbox stored in the flow's scope.
 * 303 to the list; 400 for a state that is unknown, used, expired or another
 * session's; 403 when the consent was refused, or when the flow connects a team
 * channel and its user may no longer manage team inboxes; 409 for an address
 * listed already; 502 / 504 when the provider refused the exchange or did not
 * answer.  None of these stores anything but the taking of the state. */
void connect_callback(struct ctx *ctx)
{
	struct field_value query[OAUTH_CALLBACK_FIELDS];
	const struct field_value *error = &query[OAUTH_CALLBACK_ERROR];
	const struct field_value *code = &query[OAUTH_CALLBACK_CODE];
	const char *bad_field;
	char *state, next[96];
	struct conn_scope scope;
	struct flow flow;
	struct exchange x = { 0 };
	struct oauth_identity who;
	enum status st;

	/* Without a state that reads as one, the way back cannot be trusted: the
	 * same page as for an unknown state (after a sign-in, the state is gone). */
	if (form_validate(&oauth_callback_query, &ctx->req->query, query, &bad_field) != ST_OK) {
		flow_problem(ctx, ST_BAD_REQUEST, "state_title", "state", PROV_GOOGLE, NULL, NULL,
			     "/settings/email/connect");
		return;
	}
	state = xstrndup(query[OAUTH_CALLBACK_STATE].str, query[OAUTH_CALLBACK_STATE].len);
	if ((st = page_write(ctx)) != ST_OK) {
		free(state);
		page_error(ctx, st, NULL);
		return;
	}
	st = flow_take(ctx->db, state, ctx->session->id, ctx->now, &flow);
	OPENSSL_cleanse(state, strlen(state));
	free(state);
	if (st == ST_OK && flow.user_id != ctx->user->id)
		st = ST_NOT_FOUND;
	if (st == ST_NOT_FOUND) {
		flow_problem(ctx, ST_BAD_REQUEST, "state_title", "state", PROV_GOOGLE, NULL, NULL,
			     "/settings/email/connect");
		return;
	}
	/* The flow is used up now, whatever follows: commit that before the slow
	 * call, so no write lock is held while the provider answers. */
	if (st != ST_OK || (st = db_commit(ctx->db)) != ST_OK) {
		OPENSSL_cleanse(&flow, sizeof(flow));
		page_error(ctx, st == ST_UNAVAILABLE ? ST_UNAVAILABLE : ST_INTERNAL, NULL);
		return;
	}
	/* A team channel is the conversation inbox's: whoever started its flow must
	 * still be allowed to manage team inboxes when it comes back. */
	if (flow.inbox_id > 0) {
		scope.kind = CONN_TEAM;
		scope.id = flow.inbox_id;
		if (!user_may_access_account(ctx->user)) {
			OPENSSL_cleanse(&flow, sizeof(flow));
			page_refuse(ctx, ST_FORBIDDEN, "permission.denied", ctx->req->path,
				    "not_allowed");
			return;
		}
	} else {
		scope = personal_scope(ctx);
	}
	if (flow.purpose == FLOW_RECONNECT)
		reconnect_url(&scope, flow.connection_id, next, sizeof(next));
	else
		connect_url(&scope, &flow.provider, next, sizeof(next));
	if (error->present || !code->present) {
		int denied = error->present && error->len == strlen("access_denied") &&
			     memcmp(error->str, "access_denied", error->len) == 0;

		if (error->present)
			log_info("oauth callback: %s answered error %.*s", prov_table[flow.provider].name,
				 (int)error->len, error->str);
		flow_problem(ctx, denied ? ST_FORBIDDEN : ST_PROVIDER_REFUSED,
			     denied ? "denied_title" : "refused_title", denied ? "denied" : "refused",
			     flow.provider, NULL, NULL, next);
		OPENSSL_cleanse(&flow, sizeof(flow));
		return;
	}
	{
		char *code_text = xstrndup(code->str, code->len);

		exchange_code(ctx, &flow, code_text, &x);
		OPENSSL_cleanse(code_text, code->len);
		free(code_text);
	}
	if (x.status != ST_OK) {
		log_info("oauth callback: the %s token endpoint refused the code: %s",
			 prov_table[flow.provider].name, x.code);
		flow_problem(ctx, x.status, x.status == ST_PROVIDER_TIMEOUT ? "timeout_title" : "refused_title",
			     x.status == ST_PROVIDER_TIMEOUT ? "timeout" : "refused", flow.provider, NULL,
			     NULL, next);
	} else if (x.refresh_token == NULL || *x.refresh_token == '\0') {
		log_info("oauth callback: %s gave no refresh token", prov_table[flow.provider].name);
		flow_problem(ctx, ST_PROVIDER_REFUSED, "refused_title", "no_refresh_token",
			     flow.provider, NULL, NULL, next);
	/* The id token's signature is not checked: it came straight from the
	 * provider's token endpoint, over the TLS connection the panel opened
	 * itself, in the answer to a code only this flow could redeem (OpenID
	 * Connect Core §3.1.3.7 accepts TLS server validation in place of the
	 * signature then). */
	} else if (x.id_token == NULL || oauth_id_token_identity(x.id_token, &who) != 0 ||
		   !form_email_valid(who.address, strlen(who.address))) {
		log_info("oauth callback: %s gave no id token with an address",
			 prov_table[flow.provider].name);
		flow_problem(ctx, ST_PROVIDER_REFUSED, "refused_title", "no_address", flow.provider,
			     NULL, NULL, next);
	} else if (flow.purpose == FLOW_RECONNECT) {
		store_reconnection(ctx, &scope, &flow, &x, &who, next);
	} else {
		store_connection(ctx, &scope, &flow, &x, &who);
	}
	OPENSSL_cleanse(&flow, sizeof(flow));
	exchange_clear(&x);
}
