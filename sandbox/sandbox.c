/* sandbox.c — inboxpanel-sandbox: a stand-in for Google's and Microsoft's OAuth
 * and Graph endpoints, with fault injection and a call log, for ./dev demo and
 * the integration tests.  It never belongs in a production deployment: it hands
 * out tokens to anyone who asks its control API.
 *
 *   inboxpanel-sandbox --conf sandbox.hdf --socket PATH|127.0.0.1:PORT [--workers N]
 *
 * The configuration (HDF):
 *   Sandbox.database = sandbox.db           its own SQLite file (relative: to the conf)
 *   Sandbox.templates = DIR                 sandbox/templates of the source tree
 *   Client.google { client_id, client_secret, redirect_uris }   and the same for
 *   Client.microsoft (Office 365) and Client.outlook (Outlook.com).
 *
 * Every request runs here in the same order: parse → route → latency → injected
 * fault → the endpoint → the call log → the answer. */
#include "config.h"

#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "clearsilver.h"
#include "crypto.h"
#include "sandbox.h"
#include "serve.h"
#include "status.h"
#include "supervise.h"
#include "tmpl.h"

const char *const sbx_client_names[SBX_CLIENT__MAX] = { "google", "microsoft", "outlook" };

struct sandbox {
	struct sbx_conf conf;
	int listen_fd;
	sqlite3 *db;
};

/* --- answers ------------------------------------------------------------------ */

void call_json(struct call *c, int status, json_t *body)
{
	char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;

	c->resp.status = status;
	buf_reset(&c->resp.body);
	resp_header(&c->resp, "Content-Type", "application/json; charset=utf-8");
	if (text != NULL)
		buf_puts(&c->resp.body, text);
	free(text);
	json_decref(body);
}

static void note_error(struct call *c, const char *error)
{
	snprintf(c->error, sizeof(c->error), "%s", error);
}

void call_oauth_error(struct call *c, int status, const char *error, const char *description)
{
	note_error(c, error);
	call_json(c, status, json_pack("{s:s, s:s}", "error", error, "error_description", description));
}

void call_aad_error(struct call *c, int status, const char *error, long code, const char *text)
{
	char desc[512], stamp[21], trace[37], correlation[37];
	char *when;

	format_utc(now_utc(), stamp);
	/* Microsoft writes "2026-11-28 19:50:00Z". */
	when = xstrdup(stamp);
	when[10] = ' ';
	sbx_random_uuid(trace);
	sbx_random_uuid(correlation);
	snprintf(desc, sizeof(desc), "AADSTS%ld: %s Trace ID: %s Correlation ID: %s Timestamp: %s",
		 code, text, trace, correlation, when);
	note_error(c, error);
	call_json(c, status,
		  json_pack("{s:s, s:s, s:[I], s:s, s:s, s:s, s:s}", "error", error,
			    "error_description", desc, "error_codes", (json_int_t)code, "timestamp", when,
			    "trace_id", trace, "correlation_id", correlation, "error_uri",
			    "https://login.microsoftonline.com/error"));
	free(when);
}

void call_graph_error(struct call *c, int status, const char *code, const char *message)
{
	char request_id[37], stamp[21];

	sbx_random_uuid(request_id);
	format_utc(now_utc(), stamp);
	note_error(c, code);
	call_json(c, status,
		  json_pack("{s:{s:s, s:s, s:{s:s, s:s, s:s}}}", "error", "code", code, "message",
			    message, "innerError", "date", stamp, "request-id", request_id,
			    "client-request-id", request_id));
}

const char *call_form(const struct call *c, const char *name)
{
	const struct param *p = params_get(&c->req.form, name);

	return p ? p->value : NULL;
}

const char *call_query(const struct call *c, const char *name)
{
	const struct param *p = params_get(&c->req.query, name);

	return p ? p->value : NULL;
}

const char *call_header(const struct call *c, const char *cgi_name)
{
	return c->src->getparam(c->src->ctx, cgi_name);
}

const char *call_bearer(const struct call *c)
{
	const char *h = call_header(c, "HTTP_AUTHORIZATION");

	if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0)
		return NULL;
	h += 7;
	while (*h == ' ')
		h++;
	return *h ? h : NULL;
}

void call_note_token(struct call *c, const char *token)
{
	char hash[65];

	if (token == NULL || *token == '\0')
		return;
	token_hash(token, hash);
	snprintf(c->token_fp, sizeof(c->token_fp), "%.16s", hash);
}

void call_note_grant(struct call *c, const char *grant)
{
	if (grant != NULL)
		snprintf(c->grant, sizeof(c->grant), "%s", grant);
}

/* --- helpers ------------------------------------------------------------------ */

int sbx_valid_address(const char *s)
{
	const char *at = strchr(s, '@');
	size_t len = strlen(s);

	if (len < 3 || len > 254 || at == NULL || at == s || at[1] == '\0' || strchr(at + 1, '@'))
		return 0;
	for (; *s; s++)
		if ((unsigned char)*s <= 0x20 || *s == 0x7f || strchr("<>\"'\\,;()[]", *s))
			return 0;
	return 1;
}

static void uuid_from_bytes(const uint8_t b[16], char out[37])
{
	snprintf(out, 37,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
		 b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
		 b[15]);
}

void sbx_derived_uuid(const char *label, char out[37])
{
	uint8_t h[32];

	crypto_sha256(label, strlen(label), h);
	h[6] = (uint8_t)((h[6] & 0x0f) | 0x50); /* version 5-like: derived from a name */
	h[8] = (uint8_t)((h[8] & 0x3f) | 0x80);
	uuid_from_bytes(h, out);
}

void sbx_random_uuid(char out[37])
{
	uint8_t b[16];

	if (crypto_random(b, sizeof(b)) != 0)
		memset(b, 0, sizeof(b));
	b[6] = (uint8_t)((b[6] & 0x0f) | 0x40);
	b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);
	uuid_from_bytes(b, out);
}

int sbx_client_by_id(const struct sbx_conf *conf, const char *client_id)
{
	if (client_id == NULL)
		return -1;
	for (int i = 0; i < SBX_CLIENT__MAX; i++)
		if (conf->clients[i].client_id != NULL &&
		    crypto_equal(conf->clients[i].client_id, client_id))
			return i;
	return -1;
}

/* Office 365 tenants follow the mailbox's domain, so every address of one
 * domain shares a tenant, as in a real organisation. */
void sbx_tenant_for(enum sbx_client provider, const char *address, char out[64])
{
	const char *at = strchr(address, '@');
	char *label;

	if (provider == SBX_GOOGLE) {
		out[0] = '\0';
		return;
	}
	if (provider == SBX_OUTLOOK) {
		snprintf(out, 64, "%s", SBX_CONSUMERS_TID);
		return;
	}
	label = xasprintf("tenant:%s", at ? at + 1 : address);
	for (char *p = label; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	sbx_derived_uuid(label, out);
	free(label);
}

/* --- configuration -------------------------------------------------------------- */

static void conf_free_all(struct sbx_conf *conf)
{
	free(conf->database);
	free(conf->templates);
	for (int i = 0; i < SBX_CLIENT__MAX; i++) {
		free(conf->clients[i].client_id);
		free(conf->clients[i].client_secret);
		free(conf->clients[i].redirect_uris);
	}
	memset(conf, 0, sizeof(*conf));
}

static char *conf_path_value(HDF *hdf, const char *name, const char *dir)
{
	const char *v = hdf_get_value(hdf, name, NULL);

	if (v == NULL || *v == '\0')
		return NULL;
	return v[0] == '/' ? xstrdup(v) : xasprintf("%s/%s", dir, v);
}

static int conf_read(const char *path, struct sbx_conf *conf, char *err, size_t errlen)
{
	HDF *hdf = NULL;
	NEOERR *nerr = hdf_init(&hdf);
	char *copy = xstrdup(path);
	const char *dir = dirname(copy);
	int rc = -1;

	memset(conf, 0, sizeof(*conf));
	if (nerr == STATUS_OK)
		nerr = hdf_read_file(hdf, path);
	if (nerr != STATUS_OK) {
		snprintf(err, errlen, "%s: cannot read", path);
		nerr_ignore(&nerr);
		goto out;
	}
	conf->database = conf_path_value(hdf, "Sandbox.database", dir);
	conf->templates = conf_path_value(hdf, "Sandbox.templates", dir);
	if (conf->database == NULL || conf->templates == NULL) {
		snprintf(err, errlen, "%s: Sandbox.database and Sandbox.templates are required", path);
		goto out;
	}
	for (int i = 0; i < SBX_CLIENT__MAX; i++) {
		char key[64];
		const char *id, *secret, *uris;

		snprintf(key, sizeof(key), "Client.%s.client_id", sbx_client_names[i]);
		id = hdf_get_value(hdf, key, NULL);
		snprintf(key, sizeof(key), "Client.%s.client_secret", sbx_client_names[i]);
		secret = hdf_get_value(hdf, key, NULL);
		snprintf(key, sizeof(key), "Client.%s.redirect_uris", sbx_client_names[i]);
		uris = hdf_get_value(hdf, key, NULL);
		if (id == NULL)
			continue;
		if (secret == NULL || uris == NULL) {
			snprintf(err, errlen, "%s: Client.%s needs client_secret and redirect_uris",
				 path, sbx_client_names[i]);
			goto out;
		}
		conf->clients[i].client_id = xstrdup(id);
		conf->clients[i].client_secret = xstrdup(secret);
		conf->clients[i].redirect_uris = xstrdup(uris);
	}
	rc = 0;
out:
	hdf_destroy(&hdf);
	free(copy);
	return rc;
}

/* --- one request --------------------------------------------------------------- */

/* The Graph query ($filter) breaks req_parse's rule that field names are plain
 * identifiers; for /graph the query string is hidden from it and read raw. */
struct hiding_source {
	const struct req_source *inner;
	int hide_query;
};

static const char *hiding_param(void *ctx, const char *name)
{
	struct hiding_source *h = ctx;

	if (h->hide_query && strcmp(name, "QUERY_STRING") == 0)
		return NULL;
	return h->inner->getparam(h->inner->ctx, name);
}

static long hiding_read(void *ctx, char *buf, size_t len)
{
	struct hiding_source *h = ctx;

	return h->inner->read(h->inner->ctx, buf, len);
}

const char *const fault_kind_names[FAULT__MAX] = {
	[FAULT_500] = "500",
	[FAULT_503] = "503",
	[FAULT_429] = "429",
	[FAULT_HANG] = "hang",
	[FAULT_INVALID_GRANT] = "invalid_grant",
	[FAULT_GRAPH_403] = "graph_403",
};

/* 500, 503 or 429 in the endpoint's own error shape. */
static void answer_server_fault(struct call *c, int code)
{
	static const struct {
		int code;
		const char *graph, *google, *aad;
		long aad_code;
		const char *text;
	} words[] = {
		{ 500, "generalException", "internal_failure", "server_error", 90000,
		  "Internal error (injected by the sandbox)." },
		{ 503, "serviceNotAvailable", "temporarily_unavailable", "temporarily_unavailable",
		  90033, "Service unavailable (injected by the sandbox)." },
		{ 429, "TooManyRequests", "rate_limit_exceeded", "temporarily_unavailable", 50196,
		  "Too many requests (injected by the sandbox)." },
	};

	for (size_t i = 0; i < ARRAY_LEN(words); i++) {
		if (words[i].code != code)
			continue;
		if (strncmp(c->endpoint, "graph.", 6) == 0)
			call_graph_error(c, code, words[i].graph, words[i].text);
		else if (strncmp(c->endpoint, "google.", 7) == 0)
			call_oauth_error(c, code, words[i].google, words[i].text);
		else
			call_aad_error(c, code, words[i].aad, words[i].aad_code, words[i].text);
	}
}

/* invalid_grant: what each endpoint says of a token it no longer honours. */
static void answer_dead_token(struct call *c)
{
	if (strcmp(c->endpoint, "google.token") == 0)
		call_oauth_error(c, 400, "invalid_grant", "Token has been expired or revoked.");
	else if (strcmp(c->endpoint, "google.revoke") == 0)
		call_oauth_error(c, 400, "invalid_token", "Token expired or revoked");
	else if (strcmp(c->endpoint, "google.userinfo") == 0)
		call_oauth_error(c, 401, "invalid_token", "Invalid Credentials");
	else if (strncmp(c->endpoint, "graph.", 6) == 0)
		call_graph_error(c, 401, "InvalidAuthenticationToken",
				 "Access token has expired or is not yet valid.");
	else
		call_aad_error(c, 400, "invalid_grant", 50173,
			       "The provided grant has expired due to it being revoked, a fresh auth "
			       "token is needed. The user might have changed or reset their password.");
}

/* Answers an injected fault in the endpoint's own error shape; 0 when the call
 * goes on (a hang that is over). */
static int answer_fault(struct call *c, const struct fault *f)
{
	char seconds[24];

	c->fault = fault_kind_names[f->kind];
	switch (f->kind) {
	case FAULT_HANG:
		/* Holds the connection, then answers as usual: a client that gave up
		 * retries, and finds the work done (or not) as with a real provider. */
		sleep((unsigned)f->hang);
		return 0;
	case FAULT_503:
	case FAULT_429:
		snprintf(seconds, sizeof(seconds), "%ld", f->retry_after);
		resp_header(&c->resp, "Retry-After", seconds);
		answer_server_fault(c, f->kind == FAULT_503 ? 503 : 429);
		return 1;
	case FAULT_500:
		answer_server_fault(c, 500);
		return 1;
	case FAULT_GRAPH_403:
		call_graph_error(c, 403, "Authorization_RequestDenied",
				 "Insufficient privileges to complete the operation.");
		return 1;
	case FAULT_INVALID_GRANT:
	case FAULT__MAX:
		break;
	}
	answer_dead_token(c);
	return 1;
}

static void log_call(struct call *c)
{
	char ms[24], elapsed[24], status[8];

	snprintf(ms, sizeof(ms), "%lld", c->started_ms);
	snprintf(elapsed, sizeof(elapsed), "%lld", now_ms() - c->started_ms);
	snprintf(status, sizeof(status), "%d", c->resp.status);
	store_exec(c->db, "INSERT INTO calls (ms, elapsed_ms, endpoint, method, status, token, "
			  "grant_id, fault, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
		   ms, elapsed, c->endpoint, c->method, status, c->token_fp[0] ? c->token_fp : NULL,
		   c->grant[0] ? c->grant : NULL, c->fault, c->error[0] ? c->error : NULL, NULL);
}

/* Notes the token (or code) a call presents, and its grant, before a fault
 * answers in the endpoint's place: the log then says which token each injected
 * failure concerned. */
static void note_presented(struct call *c)
{
	static const char *const fields[] = { "refresh_token", "code", "token" };
	const char *token = NULL;
	struct token_info t;

	for (size_t i = 0; i < ARRAY_LEN(fields) && token == NULL; i++)
		token = call_form(c, fields[i]);
	if (token == NULL)
		token = call_bearer(c);
	if (token == NULL)
		return;
	call_note_token(c, token);
	if (store_token(c->db, token, &t) == 1 && t.grant[0] != '\0')
		call_note_grant(c, t.grant);
}

/* --- the route table ------------------------------------------------------------ */

/* Each matcher says whether a path is its endpoint's, and copies the part of the
 * path the endpoint needs (a tenant, an app id, a grant id) into arg. */
typedef int path_match_fn(const char *path, char *arg, size_t len);

static int exact(const char *path, const char *want)
{
	return strcmp(path, want) == 0;
}

static int google_auth_path(const char *p, char *arg, size_t len)
{
	(void)arg, (void)len;
	return exact(p, "/google/o/oauth2/v2/auth");
}

static int google_token_path(const char *p, char *arg, size_t len)
{
	(void)arg, (void)len;
	return exact(p, "/google/token");
}

static int google_revoke_path(const char *p, char *arg, size_t len)
{
	(void)arg, (void)len;
	return exact(p, "/google/revoke");
}

static int google_userinfo_path(const char *p, char *arg, size_t len)
{
	(void)arg, (void)len;
	return exact(p, "/google/userinfo");
}

/* "/microsoft/{tenant}/oauth2/v2.0/{what}", the tenant into arg. */
static int microsoft_path(const char *p, const char *what, char *arg, size_t len)
{
	const char *t = p + strlen("/microsoft/");
	const char *slash;

	if (strncmp(p, "/microsoft/", 11) != 0 || (slash = strchr(t, '/')) == NULL || slash == t ||
	    (size_t)(slash - t) >= len || strncmp(slash, "/oauth2/v2.0/", 13) != 0 ||
	    strcmp(slash + 13, what) != 0)
		return 0;
	snprintf(arg, len, "%.*s", (int)(slash - t), t);
	return 1;
}

static int microsoft_authorize_path(const char *p, char *arg, size_t len)
{
	return microsoft_path(p, "authorize", arg, len);
}

static int microsoft_token_path(const char *p, char *arg, size_t len)
{
	return microsoft_path(p, "token", arg, len);
}

static int graph_me_path(const char *p, char *arg, size_t len)
{
	(void)arg, (void)len;
	return exact(p, "/graph/v1.0/me");
}

/* "/graph/v1.0/servicePrincipals(appId='{app id}')", the app id into arg. */
static int graph_sp_path(const char *p, char *arg, size_t len)
{
	static const char head[] = "/graph/v1.0/servicePrincipals(appId='";
	size_t n = strlen(p), h = sizeof(head) - 1;

	if (strncmp(p, head, h) != 0 || n < h + 3 || strcmp(p + n - 2, "')") != 0 ||
	    n - h - 2 >= len)
		return 0;
	snprintf(arg, len, "%.*s", (int)(n - h - 2), p + h);
	return strchr(arg, '\'') == NULL;
}

static int graph_grants_path(const char *p, char *arg, size_t len)
{
	(void)arg, (void)len;
	return exact(p, "/graph/v1.0/oauth2PermissionGrants");
}

/* "/graph/v1.0/oauth2PermissionGrants/{id}", the id into arg. */
static int graph_grant_path(const char *p, char *arg, size_t len)
{
	static const char head[] = "/graph/v1.0/oauth2PermissionGrants/";
	const char *id = p + sizeof(head) - 1;

	if (strncmp(p, head, sizeof(head) - 1) != 0 || *id == '\0' || strchr(id, '/') != NULL ||
	    strlen(id) >= len)
		return 0;
	snprintf(arg, len, "%s", id);
	return 1;
}

/* The endpoints' own functions take the path's part when they need one. */
static void run_google_authorize(struct call *c, const char *arg)
{
	(void)arg;
	google_authorize(c);
}

static void run_google_token(struct call *c, const char *arg)
{
	(void)arg;
	google_token(c);
}

static void run_google_revoke(struct call *c, const char *arg)
{
	(void)arg;
	google_revoke(c);
}

static void run_google_userinfo(struct call *c, const char *arg)
{
	(void)arg;
	google_userinfo(c);
}

static void run_graph_me(struct call *c, const char *arg)
{
	(void)arg;
	graph_me(c);
}

static void run_graph_grants(struct call *c, const char *arg)
{
	(void)arg;
	graph_grants(c);
}

/* Every endpoint of the sandbox: its name in the call log and in the control
 * API, its method(s) and path, and whether it takes faults and latency (the
 * authorize pages are a browser's, so they do not). */
static const struct endpoint {
	const char *name;
	const char *method, *method2;
	path_match_fn *match;
	void (*run)(struct call *c, const char *arg);
	int faults;
} endpoints[] = {
	{ "google.authorize", "GET", "POST", google_auth_path, run_google_authorize, 0 },
	{ "google.token", "POST", NULL, google_token_path, run_google_token, 1 },
	{ "google.revoke", "POST", NULL, google_revoke_path, run_google_revoke, 1 },
	{ "google.userinfo", "GET", NULL, google_userinfo_path, run_google_userinfo, 1 },
	{ "microsoft.authorize", "GET", "POST", microsoft_authorize_path, microsoft_authorize, 0 },
	{ "microsoft.token", "POST", NULL, microsoft_token_path, microsoft_token, 1 },
	{ "graph.me", "GET", NULL, graph_me_path, run_graph_me, 1 },
	{ "graph.sp", "GET", NULL, graph_sp_path, graph_service_principal, 1 },
	{ "graph.grants", "GET", NULL, graph_grants_path, run_graph_grants, 1 },
	{ "graph.delete", "DELETE", NULL, graph_grant_path, graph_delete_grant, 1 },
};

int control_fault_endpoint_known(const char *endpoint)
{
	for (size_t i = 0; i < ARRAY_LEN(endpoints); i++)
		if (endpoints[i].faults && strcmp(endpoints[i].name, endpoint) == 0)
			return 1;
	return 0;
}

/* The control API, or the endpoint of the path: 404 for no endpoint, 405 for
 * another method.  An endpoint's call is logged, faults and latency first. */
static void route(struct call *c)
{
	const struct endpoint *e = NULL;
	char arg[256];
	int path_known = 0;

	if (strncmp(c->req.path, "/_control/", 10) == 0) {
		control_dispatch(c);
		return;
	}
	for (size_t i = 0; i < ARRAY_LEN(endpoints) && e == NULL; i++) {
		if (!endpoints[i].match(c->req.path, arg, sizeof(arg)))
			continue;
		path_known = 1;
		if (strcmp(c->method, endpoints[i].method) == 0 ||
		    (endpoints[i].method2 && strcmp(c->method, endpoints[i].method2) == 0))
			e = &endpoints[i];
	}
	if (e == NULL) {
		call_json(c, path_known ? 405 : 404,
			  json_pack("{s:s, s:s}", "error", path_known ? "method_not_allowed" : "not_found",
				    "error_description", "No such endpoint at the sandbox provider."));
		return;
	}
	c->endpoint = e->name;
	if (e->faults) {
		long latency = store_latency_ms(c->db);
		struct fault f;

		if (latency > 0)
			usleep((useconds_t)latency * 1000);
		if (store_take_fault(c->db, e->name, &f) == 1) {
			note_presented(c);
			if (answer_fault(c, &f)) {
				log_call(c);
				return;
			}
		}
	}
	e->run(c, arg);
	log_call(c);
}

/* Writes the answer: headers of the sandbox's own (its consent page posts to
 * itself and then sends the browser to another origin, which the panel's CSP
 * would forbid), then the body. */
static void send_answer(const struct call *c, const struct sink *sink)
{
	struct buf out;

	buf_init(&out);
	buf_printf(&out, "Status: %d %s\r\n", c->resp.status, status_http_reason(c->resp.status));
	if (!c->resp.has_content_type)
		buf_puts(&out, "Content-Type: text/html; charset=utf-8\r\n");
	buf_puts(&out, "Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n");
	if (c->resp.headers.len > 0)
		buf_append(&out, c->resp.headers.data, c->resp.headers.len);
	buf_printf(&out, "Content-Length: %zu\r\n\r\n", c->resp.body.len);
	if (c->resp.body.len > 0 && strcmp(c->method, "HEAD") != 0)
		buf_append(&out, c->resp.body.data, c->resp.body.len);
	sink->write(sink->ctx, out.data, out.len);
	buf_free(&out);
}

static void answer(void *arg, const struct req_source *src, const struct sink *sink)
{
	struct sandbox *sb = arg;
	const char *uri = src->getparam(src->ctx, "REQUEST_URI");
	const char *method = src->getparam(src->ctx, "REQUEST_METHOD");
	const char *qs = src->getparam(src->ctx, "QUERY_STRING");
	struct hiding_source hide = { src, uri != NULL && strncmp(uri, "/graph/", 7) == 0 };
	struct req_source wrapped = { hiding_param, hiding_read, &hide };
	struct call c;
	enum status st;

	memset(&c, 0, sizeof(c));
	c.conf = &sb->conf;
	c.db = sb->db;
	c.src = src;
	c.method = method ? method : "GET";
	c.raw_query = qs ? qs : "";
	c.started_ms = now_ms();
	resp_init(&c.resp);
	st = req_parse(&c.req, &wrapped, "", &req_default_limits);
	if (st != ST_OK)
		call_json(&c, status_http_code(st),
			  json_pack("{s:s, s:s}", "error", "invalid_request", "error_description",
				    "The request is malformed or too large."));
	else
		route(&c);
	store_rollback(c.db); /* an endpoint that failed half-way leaves nothing open */
	send_answer(&c, sink);
	resp_free(&c.resp);
	req_free(&c.req);
}

/* --- the program's life ---------------------------------------------------------- */

static void sandbox_free(struct sandbox *sb)
{
	store_close(sb->db);
	sb->db = NULL;
	tmpl_shutdown();
	conf_free_all(&sb->conf);
}

static int run_worker(void *arg)
{
	struct sandbox *sb = arg;
	char err[512];
	int rc = 0;

	sb->db = store_open(sb->conf.database, err, sizeof(err));
	if (sb->db == NULL) {
		log_error("Sandbox.database: %s", err);
		rc = SUPERVISE_SETUP_FAILED;
	} else if (serve_fastcgi(sb->listen_fd, answer, sb) != 0) {
		log_error("FastCGI initialisation failed");
		rc = SUPERVISE_SETUP_FAILED;
	}
	sandbox_free(sb);
	return rc;
}

static void usage(FILE *to)
{
	fprintf(to, "usage: inboxpanel-sandbox --conf FILE --socket PATH|127.0.0.1:PORT "
		    "[--workers N]\n"
		    "  A stand-in for Google and Microsoft, for tests and the demo only.\n");
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "conf", required_argument, NULL, 'c' },
		{ "socket", required_argument, NULL, 's' },
		{ "workers", required_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *conf_path = NULL, *socket_addr = NULL;
	long long workers = 4;
	struct sandbox sb;
	char err[512], *lang_dir;
	int opt, rc;

	log_set_program("inboxpanel-sandbox");
	memset(&sb, 0, sizeof(sb));
	while ((opt = getopt_long(argc, argv, "c:s:w:h", options, NULL)) != -1) {
		switch (opt) {
		case 'c':
			conf_path = optarg;
			break;
		case 's':
			socket_addr = optarg;
			break;
		case 'w':
			if (parse_int_strict(optarg, strlen(optarg), 1, 64, &workers) != 0) {
				fprintf(stderr, "inboxpanel-sandbox: --workers: a number from 1 to 64\n");
				return 2;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc || conf_path == NULL || socket_addr == NULL) {
		usage(stderr);
		return 2;
	}
	if (conf_read(conf_path, &sb.conf, err, sizeof(err)) != 0) {
		fprintf(stderr, "inboxpanel-sandbox: %s\n", err);
		conf_free_all(&sb.conf);
		return 1;
	}
	lang_dir = xasprintf("%s/lang", sb.conf.templates);
	rc = tmpl_init(sb.conf.templates, lang_dir, err, sizeof(err));
	free(lang_dir);
	if (rc != 0) {
		fprintf(stderr, "inboxpanel-sandbox: Sandbox.templates: %s\n", err);
		sandbox_free(&sb);
		return 1;
	}
	/* Create the schema once before the workers start, so they never race to. */
	sb.db = store_open(sb.conf.database, err, sizeof(err));
	if (sb.db == NULL) {
		fprintf(stderr, "inboxpanel-sandbox: Sandbox.database: %s\n", err);
		sandbox_free(&sb);
		return 1;
	}
	store_close(sb.db);
	sb.db = NULL;
	sb.listen_fd = supervise_open_socket(socket_addr, NULL);
	rc = sb.listen_fd < 0 ? 1
			      : supervise((int)workers, run_worker, &sb,
					  socket_addr[0] == '/' ? socket_addr : NULL);
	sandbox_free(&sb);
	return rc;
}
