/* oauth.c — the sandbox's Google and Microsoft identity endpoints: the consent
 * page, the token endpoint (code with PKCE, refresh, client credentials),
 * Google's revoke and userinfo, and the id_token they hand out. */
#include "config.h"

#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "crypto.h"
#include "sandbox.h"
#include "tmpl.h"

/* Every token the sandbox issues starts with "sbx_" (sbx_g_at_, sbx_g_rt_,
 * sbx_m_at_, sbx_m_rt_, sbx_m_app_), so a test can look for any of them where none
 * may stand in plain text.  Codes travel in the callback's URL, which access logs
 * keep; they are spent on first use and carry a prefix of their own. */
#define PREFIX_CODE "sbxcode-"

enum family { FAMILY_GOOGLE, FAMILY_MICROSOFT };

/* The scopes the consent page knows, with the key of their consent text in
 * templates/lang; an unknown scope is refused as the real providers do. */
struct scope_text {
	enum family family;
	const char *scope;
	const char *key;
};
static const struct scope_text scope_texts[] = {
	{ FAMILY_GOOGLE, "https://mail.google.com/", "mail" },
	{ FAMILY_GOOGLE, "https://www.googleapis.com/auth/gmail.readonly", "gmail_readonly" },
	{ FAMILY_GOOGLE, "https://www.googleapis.com/auth/gmail.send", "gmail_send" },
	{ FAMILY_GOOGLE, "https://www.googleapis.com/auth/gmail.modify", "gmail_modify" },
	{ FAMILY_GOOGLE, "https://www.googleapis.com/auth/userinfo.email", "userinfo_email" },
	{ FAMILY_GOOGLE, "email", "userinfo_email" },
	{ FAMILY_GOOGLE, "openid", "openid" },
	{ FAMILY_GOOGLE, "profile", "profile" },
	{ FAMILY_MICROSOFT, "offline_access", "offline_access" },
	{ FAMILY_MICROSOFT, "User.Read", "user_read" },
	{ FAMILY_MICROSOFT, "https://graph.microsoft.com/User.Read", "user_read" },
	{ FAMILY_MICROSOFT, "Mail.ReadWrite", "mail_readwrite" },
	{ FAMILY_MICROSOFT, "https://graph.microsoft.com/Mail.ReadWrite", "mail_readwrite" },
	{ FAMILY_MICROSOFT, "Mail.Send", "mail_send" },
	{ FAMILY_MICROSOFT, "https://graph.microsoft.com/Mail.Send", "mail_send" },
	{ FAMILY_MICROSOFT, "https://outlook.office.com/IMAP.AccessAsUser.All", "imap" },
	{ FAMILY_MICROSOFT, "https://outlook.office.com/SMTP.Send", "smtp" },
	{ FAMILY_MICROSOFT, "openid", "ms_openid" },
	{ FAMILY_MICROSOFT, "email", "ms_email" },
	{ FAMILY_MICROSOFT, "profile", "ms_profile" },
};

/* The test mailboxes the consent page offers besides the login_hint. */
static const char *const google_mailboxes[] = { "ada@gmail.example", "grace@workspace.example" };
static const char *const work_mailboxes[] = { "alan@contoso.example", "katherine@contoso.example" };
static const char *const personal_mailboxes[] = { "margaret@outlook.example",
						  "hedy@hotmail.example" };

static const char *scope_key(enum family f, const char *scope)
{
	for (size_t i = 0; i < ARRAY_LEN(scope_texts); i++)
		if (scope_texts[i].family == f && strcmp(scope_texts[i].scope, scope) == 0)
			return scope_texts[i].key;
	return NULL;
}

/* Calls fn for each space-separated word of s; stops at the first nonzero. */
static int each_word(const char *s, int (*fn)(void *arg, const char *word), void *arg)
{
	while (s && *s) {
		size_t n;
		char *w;
		int rc;

		while (*s == ' ')
			s++;
		n = strcspn(s, " ");
		if (n == 0)
			break;
		w = xstrndup(s, n);
		rc = fn(arg, w);
		free(w);
		if (rc != 0)
			return rc;
		s += n;
	}
	return 0;
}

static int word_equals(void *arg, const char *word)
{
	return strcmp(word, (const char *)arg) == 0;
}

static int has_word(const char *s, const char *word)
{
	return each_word(s, word_equals, (void *)word) == 1;
}

/* --- PKCE and the id_token ------------------------------------------------------ */

/* RFC 7636: 43–128 characters of [A-Za-z0-9-._~]; challenge = base64url(SHA-256). */
static int pkce_matches(const char *verifier, const char *challenge)
{
	size_t len = verifier ? strlen(verifier) : 0;
	uint8_t h[32];
	char computed[45];

	if (len < 43 || len > 128)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!((verifier[i] >= 'A' && verifier[i] <= 'Z') ||
		      (verifier[i] >= 'a' && verifier[i] <= 'z') ||
		      (verifier[i] >= '0' && verifier[i] <= '9') || strchr("-._~", verifier[i])))
			return 0;
	crypto_sha256(verifier, len, h);
	crypto_base64url(h, sizeof(h), computed);
	return crypto_equal(computed, challenge);
}

static char *b64url_json(json_t *j)
{
	char *text = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	size_t len = strlen(text);
	char *out = xmalloc(4 * ((len + 2) / 3) + 1);

	crypto_base64url((const uint8_t *)text, len, out);
	free(text);
	return out;
}

/* An HS256 JWT signed with the client's secret (the OpenID Connect rule for
 * symmetric signatures); the panel only reads its claims. */
static char *id_token(json_t *claims, const char *secret)
{
	json_t *header = json_pack("{s:s, s:s, s:s}", "alg", "HS256", "typ", "JWT", "kid", "sandbox");
	char *h = b64url_json(header), *p = b64url_json(claims);
	char *input = xasprintf("%s.%s", h, p);
	uint8_t mac[EVP_MAX_MD_SIZE];
	unsigned int mac_len = 0;
	char sig[4 * ((EVP_MAX_MD_SIZE + 2) / 3) + 1];
	char *jwt;

	HMAC(EVP_sha256(), secret, (int)strlen(secret), (const uint8_t *)input, strlen(input), mac,
	     &mac_len);
	crypto_base64url(mac, mac_len, sig);
	jwt = xasprintf("%s.%s", input, sig);
	json_decref(header);
	free(h);
	free(p);
	free(input);
	return jwt;
}

json_t *sbx_token_answer(struct call *c, enum sbx_client provider, const struct account *a,
			 const char *grant_id, const char *client_id, const char *scope,
			 int with_refresh)
{
	int google = provider == SBX_GOOGLE;
	char access[128], refresh[128];
	const struct sbx_client_conf *client = NULL;
	json_t *answer;
	long long now = now_utc();

	for (int i = 0; i < SBX_CLIENT__MAX; i++)
		if (c->conf->clients[i].client_id && strcmp(c->conf->clients[i].client_id, client_id) == 0)
			client = &c->conf->clients[i];
	if (client == NULL ||
	    store_issue_token(c->db, google ? "sbx_g_at_" : "sbx_m_at_", "access", grant_id, client_id,
			      NULL, SBX_ACCESS_TTL, access, sizeof(access)) != 0 ||
	    (with_refresh &&
	     store_issue_token(c->db, google ? "sbx_g_rt_" : "sbx_m_rt_", "refresh", grant_id,
			       client_id, NULL, 0, refresh, sizeof(refresh)) != 0))
		return NULL;
	answer = json_pack("{s:s, s:i, s:s, s:s}", "access_token", access, "expires_in",
			   google ? SBX_ACCESS_TTL - 1 : SBX_ACCESS_TTL, "token_type", "Bearer", "scope",
			   scope);
	if (!google)
		json_object_set_new(answer, "ext_expires_in", json_integer(SBX_ACCESS_TTL));
	if (with_refresh)
		json_object_set_new(answer, "refresh_token", json_string(refresh));
	if (has_word(scope, "openid")) {
		json_t *claims;
		char *jwt;

		if (google)
			claims = json_pack("{s:s, s:s, s:s, s:s, s:b, s:I, s:I}", "iss",
					   "https://accounts.google.com", "aud", client_id, "sub",
					   a->subject, "email", a->address, "email_verified", 1, "iat",
					   (json_int_t)now, "exp", (json_int_t)(now + SBX_ACCESS_TTL));
		else {
			char *iss = xasprintf("https://login.microsoftonline.com/%s/v2.0", a->tenant);

			claims = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:s}",
					   "iss", iss, "aud", client_id, "sub", a->subject, "oid",
					   a->subject, "tid", a->tenant, "email", a->address,
					   "preferred_username", a->address, "name", a->address, "iat",
					   (json_int_t)now, "exp", (json_int_t)(now + SBX_ACCESS_TTL),
					   "ver", "2.0");
			free(iss);
		}
		jwt = id_token(claims, client->client_secret);
		json_object_set_new(answer, "id_token", json_string(jwt));
		free(jwt);
		json_decref(claims);
	}
	return answer;
}

/* --- the consent page ----------------------------------------------------------- */

struct authorize {
	enum family family;
	const char *tenant;     /* Microsoft */
	enum sbx_client client; /* which registered client asks */
	enum sbx_client kind;   /* the kind of account it signs in */
	const char *client_id, *redirect_uri, *scope, *state, *challenge, *login_hint;
	int offline;
};

static int redirect_registered(const char *uris, const char *uri)
{
	return has_word(uris, uri);
}

/* The origin (scheme://host:port) of an absolute URL, for the CSP. */
static char *origin_of(const char *url)
{
	const char *rest = strstr(url, "://");
	size_t n;

	if (rest == NULL)
		return xstrdup("'none'");
	n = (size_t)(rest + 3 - url) + strcspn(rest + 3, "/?#");
	return xstrndup(url, n);
}

static void html_headers(struct call *c, const char *redirect_uri)
{
	char *origin = redirect_uri ? origin_of(redirect_uri) : xstrdup("");
	char *csp = xasprintf("default-src 'none'; style-src 'self'; form-action 'self' %s; "
			      "frame-ancestors 'none'; base-uri 'none'",
			      origin);

	resp_header(&c->resp, "Content-Security-Policy", csp);
	resp_header(&c->resp, "Referrer-Policy", "no-referrer");
	free(csp);
	free(origin);
}

/* A page of the sandbox (consent or error), in the browser's language. */
static void render_page(struct call *c, int status, const char *template, HDF *data,
			const char *redirect_uri)
{
	const char *accept = call_header(c, "HTTP_ACCEPT_LANGUAGE");
	const char *lang_code = tmpl_language_for(accept ? accept : "");
	HDF *lang = tmpl_lang(lang_code);

	tmpl_set(data, "Page.lang", lang_code);
	buf_reset(&c->resp.body);
	if (tmpl_render(template, data, lang, &c->resp.body) != ST_OK) {
		buf_reset(&c->resp.body);
		call_json(c, 500, json_pack("{s:s}", "error", "server_error"));
		return;
	}
	c->resp.status = status;
	resp_header(&c->resp, "Content-Type", "text/html; charset=utf-8");
	html_headers(c, redirect_uri);
}

/* A request the sandbox cannot send back to the app (unknown client, redirect
 * not registered): an error page, as the real providers show. */
static void authorize_error_page(struct call *c, const char *error, const char *detail)
{
	HDF *data = NULL;

	snprintf(c->error, sizeof(c->error), "%s", error);
	if (hdf_init(&data) != STATUS_OK)
		abort();
	tmpl_set(data, "Error.code", error);
	tmpl_set(data, "Error.detail", detail);
	render_page(c, 400, "error.cs", data, NULL);
	hdf_destroy(&data);
}

static char *escaped(const char *s)
{
	char *e = curl_easy_escape(NULL, s, 0);
	char *copy = xstrdup(e ? e : "");

	curl_free(e);
	return copy;
}

/* Sends the browser back to the app with the outcome. */
static void authorize_redirect(struct call *c, const struct authorize *az, const char *name,
			       const char *value)
{
	struct buf loc;
	char *v = escaped(value);

	buf_init(&loc);
	buf_printf(&loc, "%s%c%s=%s", az->redirect_uri, strchr(az->redirect_uri, '?') ? '&' : '?',
		   name, v);
	free(v);
	if (az->state != NULL) {
		char *s = escaped(az->state);

		buf_printf(&loc, "&state=%s", s);
		free(s);
	}
	if (strcmp(name, "error") == 0)
		snprintf(c->error, sizeof(c->error), "%s", value);
	c->resp.status = 302;
	resp_header(&c->resp, "Location", loc.data);
	buf_free(&loc);
}

struct scope_check {
	enum family family;
	const char *bad;
};

static int scope_unknown(void *arg, const char *word)
{
	struct scope_check *sc = arg;

	return scope_key(sc->family, word) == NULL;
}

/* Reads and checks the authorize parameters (from the query, or the form the
 * consent page posted back); 0 when the request may go on. */
static int authorize_read(struct call *c, struct authorize *az)
{
	const char *(*get)(const struct call *, const char *) =
		strcmp(c->method, "POST") == 0 ? call_form : call_query;
	const char *response_type = get(c, "response_type");
	const char *method = get(c, "code_challenge_method");
	int client;
	struct scope_check sc = { az->family, NULL };

	az->client_id = get(c, "client_id");
	az->redirect_uri = get(c, "redirect_uri");
	az->scope = get(c, "scope");
	az->state = get(c, "state");
	az->challenge = get(c, "code_challenge");
	az->login_hint = get(c, "login_hint");
	client = sbx_client_by_id(c->conf, az->client_id);
	if (client < 0 || (az->family == FAMILY_GOOGLE) != (client == SBX_GOOGLE)) {
		authorize_error_page(c, "invalid_client", "The OAuth client was not found.");
		return -1;
	}
	az->client = (enum sbx_client)client;
	if (az->redirect_uri == NULL ||
	    !redirect_registered(c->conf->clients[client].redirect_uris, az->redirect_uri)) {
		authorize_error_page(c, "redirect_uri_mismatch",
				     "The redirect URI in the request does not match the ones "
				     "registered for this client.");
		return -1;
	}
	if (response_type == NULL || strcmp(response_type, "code") != 0) {
		authorize_redirect(c, az, "error", "unsupported_response_type");
		return -1;
	}
	if (az->scope == NULL || *az->scope == '\0' || each_word(az->scope, scope_unknown, &sc) != 0) {
		authorize_redirect(c, az, "error", "invalid_scope");
		return -1;
	}
	if (az->challenge != NULL &&
	    (method == NULL || strcmp(method, "S256") != 0 || strlen(az->challenge) != 43 ||
	     !crypto_base64url_chars(az->challenge, 43))) {
		authorize_redirect(c, az, "error", "invalid_request");
		return -1;
	}
	if (az->family == FAMILY_GOOGLE) {
		const char *access_type = get(c, "access_type");

		az->kind = SBX_GOOGLE;
		az->offline = access_type != NULL && strcmp(access_type, "offline") == 0;
	} else {
		az->offline = has_word(az->scope, "offline_access");
		az->kind = strcmp(az->tenant, "consumers") == 0 ? SBX_OUTLOOK : SBX_MICROSOFT;
	}
	return 0;
}

/* The parameters the consent form carries back to the POST. */
static const char *const carried[] = {
	"client_id",   "redirect_uri",	 "response_type",  "scope",
	"state",       "code_challenge", "code_challenge_method", "access_type",
	"prompt",      "login_hint",	 "include_granted_scopes", "response_mode",
	NULL,
};

static void consent_page(struct call *c, const struct authorize *az)
{
	HDF *data = NULL;
	const char *const *boxes;
	size_t nboxes;
	int n = 0, i;
	const char *p = az->scope;

	if (hdf_init(&data) != STATUS_OK)
		abort();
	tmpl_set(data, "Consent.provider", az->family == FAMILY_GOOGLE ? "Google"
					   : az->kind == SBX_OUTLOOK ? "Outlook.com"
								     : "Microsoft 365");
	tmpl_set(data, "Consent.client_id", az->client_id);
	tmpl_set(data, "Consent.action", c->req.path);
	tmpl_set(data, "Consent.redirect_origin", az->redirect_uri);
	while (p && *p) {
		size_t len = strcspn(p, " ");
		char *word = xstrndup(p, len);

		if (len > 0) {
			tmpl_set_item(data, "Consent.scopes", n, "name", word);
			tmpl_set_item(data, "Consent.scopes", n, "key", scope_key(az->family, word));
			n++;
		}
		free(word);
		p += len;
		while (*p == ' ')
			p++;
	}
	if (az->family == FAMILY_GOOGLE) {
		boxes = google_mailboxes;
		nboxes = ARRAY_LEN(google_mailboxes);
	} else if (az->kind == SBX_OUTLOOK) {
		boxes = personal_mailboxes;
		nboxes = ARRAY_LEN(personal_mailboxes);
	} else {
		boxes = work_mailboxes;
		nboxes = ARRAY_LEN(work_mailboxes);
	}
	n = 0;
	if (az->login_hint != NULL && sbx_valid_address(az->login_hint))
		tmpl_set_item(data, "Consent.mailboxes", n++, NULL, az->login_hint);
	for (size_t b = 0; b < nboxes; b++)
		if (az->login_hint == NULL || strcasecmp(az->login_hint, boxes[b]) != 0)
			tmpl_set_item(data, "Consent.mailboxes", n++, NULL, boxes[b]);
	for (i = 0, n = 0; carried[i]; i++) {
		const char *v = call_query(c, carried[i]);

		if (v != NULL) {
			tmpl_set_item(data, "Consent.carry", n, "name", carried[i]);
			tmpl_set_item(data, "Consent.carry", n, "value", v);
			n++;
		}
	}
	render_page(c, 200, "consent.cs", data, az->redirect_uri);
	hdf_destroy(&data);
}

/* The POST of the consent page: Deny, or Allow for the chosen mailbox. */
static void consent_given(struct call *c, const struct authorize *az)
{
	const char *decision = call_form(c, "decision");
	const char *other = call_form(c, "other");
	const char *mailbox = other != NULL && *other != '\0' ? other : call_form(c, "mailbox");
	struct account a;
	char grant[64], code[128], hash[65], expires[24];

	if (decision == NULL || strcmp(decision, "allow") != 0) {
		authorize_redirect(c, az, "error", "access_denied");
		return;
	}
	if (mailbox == NULL || !sbx_valid_address(mailbox)) {
		authorize_error_page(c, "invalid_mailbox", "Choose a test mailbox or type an address.");
		return;
	}
	if (store_begin(c->db) != 0)
		goto failed;
	if (store_account(c->db, az->kind, mailbox, &a) != 0 ||
	    store_grant(c->db, a.id, az->client_id, az->scope, grant) != 0 ||
	    crypto_random_token(code + strlen(PREFIX_CODE)) != 0)
		goto failed;
	memcpy(code, PREFIX_CODE, strlen(PREFIX_CODE));
	token_hash(code, hash);
	snprintf(expires, sizeof(expires), "%lld", now_ms() + SBX_CODE_TTL * 1000LL);
	if (store_exec(c->db, "INSERT INTO codes (hash, grant_id, client_id, redirect_uri, challenge, "
			      "scope, offline, expires_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
		       hash, grant, az->client_id, az->redirect_uri, az->challenge ? az->challenge : "",
		       az->scope, az->offline ? "1" : "0", expires, NULL) != 0 ||
	    store_commit(c->db) != 0)
		goto failed;
	call_note_grant(c, grant);
	call_note_token(c, code);
	authorize_redirect(c, az, "code", code);
	return;
failed:
	store_rollback(c->db);
	authorize_redirect(c, az, "error", "server_error");
}

static void authorize(struct call *c, struct authorize *az)
{
	if (authorize_read(c, az) != 0)
		return;
	if (strcmp(c->method, "POST") == 0)
		consent_given(c, az);
	else
		consent_page(c, az);
}

void google_authorize(struct call *c)
{
	struct authorize az = { .family = FAMILY_GOOGLE, .tenant = "" };

	authorize(c, &az);
}

static int tenant_valid(const char *t)
{
	size_t len = strlen(t);

	if (len == 0 || len > 64)
		return 0;
	for (; *t; t++)
		if (!((*t >= 'a' && *t <= 'z') || (*t >= 'A' && *t <= 'Z') || (*t >= '0' && *t <= '9') ||
		      *t == '-' || *t == '.'))
			return 0;
	return 1;
}

void microsoft_authorize(struct call *c, const char *tenant)
{
	struct authorize az = { .family = FAMILY_MICROSOFT, .tenant = tenant };

	if (!tenant_valid(tenant)) {
		authorize_error_page(c, "invalid_tenant", "The tenant in the URL is not valid.");
		return;
	}
	authorize(c, &az);
}

/* --- token endpoints ------------------------------------------------------------ */

/* The client of a token request: client_id and client_secret in the form, or
 * HTTP Basic.  The registered client's index, or -1. */
static int client_authenticated(struct call *c)
{
	const char *id = call_form(c, "client_id");
	const char *secret = call_form(c, "client_secret");
	const char *basic = call_header(c, "HTTP_AUTHORIZATION");
	char decoded[512];
	char *colon = NULL;
	int client;

	if (basic != NULL && strncasecmp(basic, "Basic ", 6) == 0) {
		long n = crypto_base64_decode(basic + 6, strlen(basic + 6), (uint8_t *)decoded,
					      sizeof(decoded) - 1);

		if (n > 0) {
			decoded[n] = '\0';
			colon = strchr(decoded, ':');
		}
		if (colon != NULL) {
			/* Basic credentials are form-urlencoded before base64 (RFC 6749 §2.3.1);
			 * the sandbox's own ids need no decoding. */
			*colon = '\0';
			id = decoded;
			secret = colon + 1;
		}
	}
	client = sbx_client_by_id(c->conf, id);
	if (client < 0 || secret == NULL ||
	    !crypto_equal(c->conf->clients[client].client_secret, secret))
		return -1;
	return client;
}

/* What a code redeemed now stands for. */
struct redeemed {
	char grant[64], client_id[160], redirect_uri[2048], challenge[64], scope[1024];
	int offline;
	struct account account;
};

/* Looks the code up and spends it (inside the caller's transaction): 1 found and
 * spent now, 0 unknown or spent already or expired, -1 store error. */
static int redeem_code(struct call *c, const char *code, struct redeemed *out)
{
	char hash[65];
	sqlite3_stmt *st;
	int rc;

	token_hash(code, hash);
	st = store_prepare(c->db,
			   "UPDATE codes SET used = 1 WHERE hash = ? AND used = 0 AND expires_ms > ? "
			   "RETURNING grant_id, client_id, redirect_uri, challenge, scope, offline");
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, hash, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, now_ms());
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const unsigned char *v;

#define COPY(col, field)                                                            \
	v = sqlite3_column_text(st, col);                                           \
	snprintf(out->field, sizeof(out->field), "%s", v ? (const char *)v : "")
		COPY(0, grant);
		COPY(1, client_id);
		COPY(2, redirect_uri);
		COPY(3, challenge);
		COPY(4, scope);
#undef COPY
		out->offline = sqlite3_column_int(st, 5);
		rc = sqlite3_step(st);
		store_release(st);
		return rc == SQLITE_DONE ? 1 : -1;
	}
	store_release(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* The account of a grant, for the id_token. */
static int grant_account(struct call *c, const char *grant, struct account *a)
{
	sqlite3_stmt *st = store_prepare(c->db, "SELECT a.id, a.provider, a.address, a.subject, "
						"a.tenant FROM grants g JOIN accounts a ON "
						"a.id = g.account_id WHERE g.id = ?");
	int rc;

	memset(a, 0, sizeof(*a));
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, grant, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const char *provider = (const char *)sqlite3_column_text(st, 1);

		a->id = sqlite3_column_int64(st, 0);
		for (int i = 0; i < SBX_CLIENT__MAX; i++)
			if (provider && strcmp(provider, sbx_client_names[i]) == 0)
				a->provider = (enum sbx_client)i;
		snprintf(a->address, sizeof(a->address), "%s", sqlite3_column_text(st, 2));
		snprintf(a->subject, sizeof(a->subject), "%s", sqlite3_column_text(st, 3));
		snprintf(a->tenant, sizeof(a->tenant), "%s", sqlite3_column_text(st, 4));
	}
	store_release(st);
	return rc == SQLITE_ROW ? 0 : -1;
}

/* The errors of the token endpoint, in each family's words. */
enum token_error {
	TE_BAD_CODE,      /* unknown, spent or expired code */
	TE_CODE_CLIENT,   /* the code was given to another client */
	TE_REDIRECT,      /* redirect_uri differs from the authorize request's */
	TE_NO_VERIFIER,
	TE_BAD_VERIFIER,
	TE_DEAD_REFRESH,  /* revoked, rotated away, or unknown */
	TE_CONSENT_GONE,  /* the grant was deleted (Graph) */
	TE_MISSING,       /* a required parameter is missing */
};

static void token_error(struct call *c, enum family f, enum token_error e)
{
	static const struct {
		const char *g_error, *g_text;
		const char *m_error;
		long m_code;
		const char *m_text;
	} words[] = {
		[TE_BAD_CODE] = { "invalid_grant", "Bad Request", "invalid_grant", 70000,
				  "The provided authorization code is invalid, expired or was "
				  "already redeemed." },
		[TE_CODE_CLIENT] = { "invalid_grant", "Bad Request", "invalid_grant", 70000,
				     "The code was issued to another application." },
		[TE_REDIRECT] = { "redirect_uri_mismatch", "Bad Request", "invalid_grant", 70000,
				  "The reply URL does not match the one of the authorization "
				  "request." },
		[TE_NO_VERIFIER] = { "invalid_grant", "Missing code verifier.", "invalid_grant",
				     501481, "The Code_Verifier is missing." },
		[TE_BAD_VERIFIER] = { "invalid_grant", "Bad Request", "invalid_grant", 501481,
				      "The Code_Verifier does not match the code_challenge supplied "
				      "in the authorization request." },
		[TE_DEAD_REFRESH] = { "invalid_grant", "Token has been expired or revoked.",
				      "invalid_grant", 50173,
				      "The provided grant has expired due to it being revoked, a fresh "
				      "auth token is needed. The user might have changed or reset "
				      "their password." },
		[TE_CONSENT_GONE] = { "invalid_grant", "Token has been expired or revoked.",
				      "invalid_grant", 65001,
				      "The user or administrator has not consented to use the "
				      "application." },
		[TE_MISSING] = { "invalid_request", "Missing required parameter.", "invalid_request",
				 900144, "The request body must contain the required parameters." },
	};

	if (f == FAMILY_GOOGLE)
		call_oauth_error(c, 400, words[e].g_error, words[e].g_text);
	else
		call_aad_error(c, 400, words[e].m_error, words[e].m_code, words[e].m_text);
}

static void server_error(struct call *c, enum family f)
{
	store_rollback(c->db);
	if (f == FAMILY_GOOGLE)
		call_oauth_error(c, 500, "internal_failure", "The sandbox's store failed.");
	else
		call_aad_error(c, 500, "server_error", 90000, "The sandbox's store failed.");
}

static void exchange_code(struct call *c, enum family f, int client)
{
	const char *code = call_form(c, "code");
	const char *redirect_uri = call_form(c, "redirect_uri");
	const char *verifier = call_form(c, "code_verifier");
	struct redeemed r;
	json_t *answer;
	int found;

	if (code == NULL || redirect_uri == NULL) {
		token_error(c, f, TE_MISSING);
		return;
	}
	call_note_token(c, code);
	if (store_begin(c->db) != 0) {
		server_error(c, f);
		return;
	}
	memset(&r, 0, sizeof(r));
	found = redeem_code(c, code, &r);
	if (found < 0) {
		server_error(c, f);
		return;
	}
	/* A refused exchange still spends the code: a code is good for one try. */
	if (store_commit(c->db) != 0) {
		server_error(c, f);
		return;
	}
	if (found == 0) {
		token_error(c, f, TE_BAD_CODE);
		return;
	}
	call_note_grant(c, r.grant);
	if (strcmp(r.client_id, c->conf->clients[client].client_id) != 0) {
		token_error(c, f, TE_CODE_CLIENT);
		return;
	}
	if (strcmp(r.redirect_uri, redirect_uri) != 0) {
		token_error(c, f, TE_REDIRECT);
		return;
	}
	if (r.challenge[0] != '\0' && verifier == NULL) {
		token_error(c, f, TE_NO_VERIFIER);
		return;
	}
	if (r.challenge[0] != '\0' && !pkce_matches(verifier, r.challenge)) {
		token_error(c, f, TE_BAD_VERIFIER);
		return;
	}
	if (store_begin(c->db) != 0 || grant_account(c, r.grant, &r.account) != 0) {
		server_error(c, f);
		return;
	}
	answer = sbx_token_answer(c, r.account.provider, &r.account, r.grant, r.client_id, r.scope,
				  r.offline);
	if (answer == NULL || store_commit(c->db) != 0) {
		json_decref(answer);
		server_error(c, f);
		return;
	}
	call_json(c, 200, answer);
}

/* Google keeps the refresh token; Microsoft hands out a new one each time and
 * the old one dies. */
static void refresh(struct call *c, enum family f, int client)
{
	const char *token = call_form(c, "refresh_token");
	struct token_info t;
	json_t *answer;
	char scope[1024];
	sqlite3_stmt *st;
	int found;

	if (token == NULL) {
		token_error(c, f, TE_MISSING);
		return;
	}
	call_note_token(c, token);
	if (store_begin(c->db) != 0) {
		server_error(c, f);
		return;
	}
	found = store_token(c->db, token, &t);
	if (found < 0) {
		server_error(c, f);
		return;
	}
	call_note_grant(c, found ? t.grant : NULL);
	if (found == 0 || !t.alive || strcmp(t.kind, "refresh") != 0 ||
	    strcmp(t.client_id, c->conf->clients[client].client_id) != 0) {
		store_rollback(c->db);
		token_error(c, f,
			    found && strcmp(t.grant_end, "graph") == 0 ? TE_CONSENT_GONE
									 : TE_DEAD_REFRESH);
		return;
	}
	st = store_prepare(c->db, "SELECT scope FROM grants WHERE id = ?");
	if (st == NULL) {
		server_error(c, f);
		return;
	}
	sqlite3_bind_text(st, 1, t.grant, -1, SQLITE_TRANSIENT);
	snprintf(scope, sizeof(scope), "%s",
		 sqlite3_step(st) == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : "");
	store_release(st);
	if (f == FAMILY_MICROSOFT && store_kill_token(c->db, token) != 0) {
		server_error(c, f);
		return;
	}
	answer = sbx_token_answer(c, t.account.provider, &t.account, t.grant, t.client_id, scope,
				  f == FAMILY_MICROSOFT);
	if (answer == NULL || store_commit(c->db) != 0) {
		json_decref(answer);
		server_error(c, f);
		return;
	}
	call_json(c, 200, answer);
}

static void token_endpoint(struct call *c, enum family f, const char *tenant)
{
	const char *grant_type = call_form(c, "grant_type");
	int client = client_authenticated(c);

	if (client < 0 || (f == FAMILY_GOOGLE) != (client == SBX_GOOGLE)) {
		if (f == FAMILY_GOOGLE)
			call_oauth_error(c, 401, "invalid_client", "Unauthorized");
		else
			call_aad_error(c, 401, "invalid_client", 7000215,
				       "Invalid client secret provided.");
		return;
	}
	if (grant_type == NULL) {
		token_error(c, f, TE_MISSING);
	} else if (strcmp(grant_type, "authorization_code") == 0) {
		exchange_code(c, f, client);
	} else if (strcmp(grant_type, "refresh_token") == 0) {
		refresh(c, f, client);
	} else if (f == FAMILY_MICROSOFT && strcmp(grant_type, "client_credentials") == 0) {
		const char *scope = call_form(c, "scope");
		char token[128], tid[65];
		json_t *answer;

		/* The client credentials flow names the tenant: never a multi-tenant alias,
		 * nor the personal accounts' tenant, where no app has rights over users. */
		if (strcasecmp(tenant, "organizations") == 0 || strcasecmp(tenant, "common") == 0 ||
		    strcasecmp(tenant, "consumers") == 0 || strcasecmp(tenant, SBX_CONSUMERS_TID) == 0) {
			call_aad_error(c, 400, "invalid_request", 90002,
				       "Use a tenant-specific endpoint (the tenant id) for the client "
				       "credentials flow, not 'organizations', 'common' or "
				       "'consumers'.");
			return;
		}
		if (scope == NULL || strcmp(scope, "https://graph.microsoft.com/.default") != 0) {
			call_aad_error(c, 400, "invalid_scope", 1002012,
				       "The provided value for scope is not valid. Client credential "
				       "flows must have a scope value with /.default suffixed to the "
				       "resource identifier.");
			return;
		}
		snprintf(tid, sizeof(tid), "%s", tenant);
		for (char *p = tid; *p; p++)
			if (*p >= 'A' && *p <= 'Z')
				*p = (char)(*p - 'A' + 'a');
		if (store_issue_token(c->db, "sbx_m_app_", "app", NULL,
				      c->conf->clients[client].client_id, tid, SBX_ACCESS_TTL - 1, token,
				      sizeof(token)) != 0) {
			server_error(c, f);
			return;
		}
		answer = json_pack("{s:s, s:i, s:i, s:s}", "token_type", "Bearer", "expires_in",
				   SBX_ACCESS_TTL - 1, "ext_expires_in", SBX_ACCESS_TTL - 1,
				   "access_token", token);
		call_json(c, 200, answer);
	} else if (f == FAMILY_GOOGLE) {
		call_oauth_error(c, 400, "unsupported_grant_type", "Invalid grant_type.");
	} else {
		call_aad_error(c, 400, "unsupported_grant_type", 70003,
			       "The app requested an unsupported grant type.");
	}
}

void google_token(struct call *c)
{
	token_endpoint(c, FAMILY_GOOGLE, "");
}

void microsoft_token(struct call *c, const char *tenant)
{
	if (!tenant_valid(tenant)) {
		call_aad_error(c, 400, "invalid_request", 90002, "The tenant is not valid.");
		return;
	}
	token_endpoint(c, FAMILY_MICROSOFT, tenant);
}

/* --- Google: revoke and userinfo ------------------------------------------------ */

/* RFC 7009 with Google's answers: 200 for a live token, whose whole grant ends
 * (access and refresh tokens alike); 400 invalid_token for one already dead. */
void google_revoke(struct call *c)
{
	const char *token = call_form(c, "token");
	struct token_info t;
	int found;

	if (token == NULL)
		token = call_query(c, "token");
	if (token == NULL) {
		call_oauth_error(c, 400, "invalid_request", "Missing required parameter: token");
		return;
	}
	call_note_token(c, token);
	/* Read first, and read again under the write lock only for a live token:
	 * a dead or unknown one answers without queueing behind the other calls. */
	for (int locked = 0; locked < 2; locked++) {
		if (locked && store_begin(c->db) != 0) {
			server_error(c, FAMILY_GOOGLE);
			return;
		}
		found = store_token(c->db, token, &t);
		if (found < 0) {
			server_error(c, FAMILY_GOOGLE);
			return;
		}
		if (found)
			call_note_grant(c, t.grant);
		if (found == 0 || !t.alive || !t.grant_live || t.grant[0] == '\0' ||
		    t.account.provider != SBX_GOOGLE) {
			store_rollback(c->db);
			call_oauth_error(c, 400, "invalid_token", "Token expired or revoked");
			return;
		}
	}
	if (store_end_grant(c->db, t.grant, "revoke", "all") != 0 || store_commit(c->db) != 0) {
		server_error(c, FAMILY_GOOGLE);
		return;
	}
	call_json(c, 200, json_object());
}

void google_userinfo(struct call *c)
{
	const char *bearer = call_bearer(c);
	struct token_info t;
	int found = 0;

	call_note_token(c, bearer);
	if (bearer != NULL)
		found = store_token(c->db, bearer, &t);
	if (found < 0) {
		server_error(c, FAMILY_GOOGLE);
		return;
	}
	if (found == 0 || !t.alive || strcmp(t.kind, "access") != 0 ||
	    t.account.provider != SBX_GOOGLE) {
		resp_header(&c->resp, "WWW-Authenticate", "Bearer error=\"invalid_token\"");
		call_oauth_error(c, 401, "invalid_request",
				 "Request is missing required authentication credential or it is "
				 "invalid.");
		return;
	}
	call_note_grant(c, t.grant);
	call_json(c, 200, json_pack("{s:s, s:s, s:b}", "sub", t.account.subject, "email",
				    t.account.address, "email_verified", 1));
}
