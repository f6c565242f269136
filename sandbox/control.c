/* control.c — the sandbox's control API, for the tests, the demo and the
 * benchmark (JSON answers, forms in):
 *
 *   POST /_control/fault    endpoint, kind, [count=1], [retry_after=1], [hang=10]
 *   POST /_control/revoke   address, [provider]: the user removed the app
 *   POST /_control/mint     provider, address, [tenant], [scope]: an account and
 *                           its tokens without a browser
 *   GET  /_control/calls    [since=ID], [endpoint]: every provider call, in order
 *   GET  /_control/grants   every grant, live or ended, with why it ended
 *   POST /_control/latency  ms: added before every provider answer
 *   POST /_control/reset    [all=1]: faults, latency and the call log go; with
 *                           all=1 also every account, grant, code and token */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "sandbox.h"

static void bad(struct call *c, const char *why)
{
	call_json(c, 400, json_pack("{s:s, s:s}", "error", "invalid_request", "error_description", why));
}

static void store_failed(struct call *c)
{
	store_rollback(c->db);
	call_json(c, 500, json_pack("{s:s}", "error", "store_failed"));
}

/* An optional integer field in [min, max]; def when absent.  0, or -1 (bad). */
static int form_int(struct call *c, const char *name, long long min, long long max,
		    long long def, long long *out)
{
	const char *v = call_form(c, name);

	*out = def;
	if (v == NULL)
		return 0;
	return parse_int_strict(v, strlen(v), min, max, out) == 0 ? 0 : -1;
}

static void fault(struct call *c)
{
	const char *endpoint = call_form(c, "endpoint"), *kind = call_form(c, "kind");
	long long count, retry_after, hang;
	char n[24], ra[24], h[24];
	sqlite3_int64 id;
	int graph;

	if (endpoint == NULL || !control_fault_endpoint_known(endpoint)) {
		bad(c, "endpoint: one of google.token, google.revoke, google.userinfo, "
			      "microsoft.token, graph.sp, graph.grants, graph.delete, graph.me");
		return;
	}
	if (kind == NULL || name_index(fault_kind_names, FAULT__MAX, kind) < 0) {
		bad(c, "kind: one of 500, 503, 429, hang, invalid_grant, graph_403");
		return;
	}
	graph = strncmp(endpoint, "graph.", 6) == 0;
	if (strcmp(kind, "graph_403") == 0 && !graph) {
		bad(c, "kind graph_403 is for the graph.* endpoints");
		return;
	}
	if (form_int(c, "count", 1, 100000, 1, &count) != 0 ||
	    form_int(c, "retry_after", 0, 86400, 1, &retry_after) != 0 ||
	    form_int(c, "hang", 1, 600, 10, &hang) != 0) {
		bad(c, "count (1–100000), retry_after (0–86400 s), hang (1–600 s)");
		return;
	}
	snprintf(n, sizeof(n), "%lld", count);
	snprintf(ra, sizeof(ra), "%lld", retry_after);
	snprintf(h, sizeof(h), "%lld", hang);
	if (store_exec(c->db, "INSERT INTO faults (endpoint, kind, remaining, retry_after, hang) "
			      "VALUES (?, ?, ?, ?, ?)", endpoint, kind, n, ra, h, NULL) != 0) {
		store_failed(c);
		return;
	}
	id = sqlite3_last_insert_rowid(c->db);
	call_json(c, 200, json_pack("{s:I, s:s, s:s, s:I, s:I, s:I}", "id", (json_int_t)id,
				    "endpoint", endpoint, "kind", kind, "count", (json_int_t)count,
				    "retry_after", (json_int_t)retry_after, "hang", (json_int_t)hang));
}

static int provider_named(const char *name)
{
	for (int i = 0; name && i < SBX_CLIENT__MAX; i++)
		if (strcmp(name, sbx_client_names[i]) == 0)
			return i;
	return -1;
}

/* As if the user removed the app at the provider: every live grant of the
 * address (of one provider, if named) ends, with its tokens. */
static void revoke(struct call *c)
{
	const char *address = call_form(c, "address"), *provider = call_form(c, "provider");
	sqlite3_stmt *st;
	json_t *ended = json_array();
	size_t i;

	if (address == NULL || (provider != NULL && provider_named(provider) < 0)) {
		json_decref(ended);
		{
			bad(c, "address, and optionally provider (google, microsoft, outlook)");
			return;
		}
	}
	if (store_begin(c->db) != 0) {
		json_decref(ended);
		{
			store_failed(c);
			return;
		}
	}
	st = store_prepare(c->db, "SELECT g.id FROM grants g JOIN accounts a ON a.id = g.account_id "
				  "WHERE g.live = 1 AND a.address = ? COLLATE NOCASE "
				  "AND (? IS NULL OR a.provider = ?)");
	if (st == NULL) {
		json_decref(ended);
		{
			store_failed(c);
			return;
		}
	}
	sqlite3_bind_text(st, 1, address, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, provider, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, provider, -1, SQLITE_TRANSIENT);
	while (sqlite3_step(st) == SQLITE_ROW)
		json_array_append_new(ended, json_string((const char *)sqlite3_column_text(st, 0)));
	store_release(st);
	for (i = 0; i < json_array_size(ended); i++)
		if (store_end_grant(c->db, json_string_value(json_array_get(ended, i)), "user",
				    "all") != 0)
			break;
	if (i < json_array_size(ended) || store_commit(c->db) != 0) {
		json_decref(ended);
		{
			store_failed(c);
			return;
		}
	}
	if (json_array_size(ended) == 0) {
		json_decref(ended);
		call_json(c, 404, json_pack("{s:s, s:s}", "error", "not_found", "error_description",
					    "No live grant for this address."));
		return;
	}
	call_json(c, 200, json_pack("{s:s, s:o}", "address", address, "grants", ended));
}

static const char *const default_scopes[SBX_CLIENT__MAX] = {
	[SBX_GOOGLE] = "openid email https://mail.google.com/",
	[SBX_MICROSOFT] = "openid email offline_access "
			  "https://outlook.office.com/IMAP.AccessAsUser.All "
			  "https://outlook.office.com/SMTP.Send",
	[SBX_OUTLOOK] = "openid email offline_access "
			"https://outlook.office.com/IMAP.AccessAsUser.All "
			"https://outlook.office.com/SMTP.Send",
};

/* An account with a grant for the provider's registered client, and its first
 * tokens, as a completed consent would leave them. */
static void mint(struct call *c)
{
	const char *address = call_form(c, "address"), *tenant = call_form(c, "tenant");
	const char *scope = call_form(c, "scope");
	int provider = provider_named(call_form(c, "provider"));
	const char *client_id;
	struct account a;
	char grant[64];
	json_t *answer;

	if (provider < 0 || address == NULL || !sbx_valid_address(address)) {
		bad(c, "provider (google, microsoft, outlook) and address");
		return;
	}
	client_id = c->conf->clients[provider].client_id;
	if (client_id == NULL) {
		bad(c, "no client is registered for this provider in the sandbox's config");
		return;
	}
	if (tenant != NULL && (provider != SBX_MICROSOFT || strlen(tenant) != 36)) {
		bad(c, "tenant: a tenant id (GUID), for microsoft only");
		return;
	}
	if (scope == NULL)
		scope = default_scopes[provider];
	if (store_begin(c->db) != 0 || store_account(c->db, (enum sbx_client)provider, address, &a) != 0) {
		store_failed(c);
		return;
	}
	if (tenant != NULL && strcmp(tenant, a.tenant) != 0) {
		char id[24];

		snprintf(id, sizeof(id), "%lld", a.id);
		if (store_exec(c->db, "UPDATE accounts SET tenant = ? WHERE id = ?", tenant, id,
			       NULL) != 0) {
			store_failed(c);
			return;
		}
		snprintf(a.tenant, sizeof(a.tenant), "%s", tenant);
	}
	if (store_grant(c->db, a.id, client_id, scope, grant) != 0) {
		store_failed(c);
		return;
	}
	answer = sbx_token_answer(c, (enum sbx_client)provider, &a, grant, client_id, scope, 1);
	if (answer == NULL || store_commit(c->db) != 0) {
		json_decref(answer);
		{
			store_failed(c);
			return;
		}
	}
	json_object_set_new(answer, "provider", json_string(sbx_client_names[provider]));
	json_object_set_new(answer, "address", json_string(a.address));
	json_object_set_new(answer, "grant", json_string(grant));
	json_object_set_new(answer, provider == SBX_GOOGLE ? "sub" : "oid", json_string(a.subject));
	if (provider != SBX_GOOGLE)
		json_object_set_new(answer, "tid", json_string(a.tenant));
	call_json(c, 200, answer);
}

static json_t *column_json(sqlite3_stmt *st, int col)
{
	switch (sqlite3_column_type(st, col)) {
	case SQLITE_NULL:
		return json_null();
	case SQLITE_INTEGER:
		return json_integer(sqlite3_column_int64(st, col));
	default:
		return json_string((const char *)sqlite3_column_text(st, col));
	}
}

/* Rows of st as objects with the column names as keys. */
static json_t *rows_json(sqlite3_stmt *st)
{
	json_t *rows = json_array();

	while (sqlite3_step(st) == SQLITE_ROW) {
		json_t *row = json_object();

		for (int i = 0; i < sqlite3_column_count(st); i++)
			json_object_set_new(row, sqlite3_column_name(st, i), column_json(st, i));
		json_array_append_new(rows, row);
	}
	return rows;
}

static void calls(struct call *c)
{
	const char *since = call_query(c, "since"), *endpoint = call_query(c, "endpoint");
	long long after = 0;
	sqlite3_stmt *st;

	if (since != NULL && parse_int_strict(since, strlen(since), 0, 1LL << 62, &after) != 0) {
		bad(c, "since: a call id");
		return;
	}
	st = store_prepare(c->db, "SELECT id, ms, elapsed_ms, endpoint, method, status, token, "
				  "grant_id AS \"grant\", fault, error FROM calls "
				  "WHERE id > ? AND (? IS NULL OR endpoint = ?) ORDER BY id");
	if (st == NULL) {
		store_failed(c);
		return;
	}
	sqlite3_bind_int64(st, 1, after);
	sqlite3_bind_text(st, 2, endpoint, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, endpoint, -1, SQLITE_TRANSIENT);
	call_json(c, 200, json_pack("{s:o}", "calls", rows_json(st)));
	store_release(st);
}

static void grants(struct call *c)
{
	sqlite3_stmt *st = store_prepare(
		c->db, "SELECT g.id, a.provider, a.address, a.subject, a.tenant, g.client_id, "
		       "g.scope, g.live, g.created_ms, g.ended_ms, g.ended_by FROM grants g "
		       "JOIN accounts a ON a.id = g.account_id ORDER BY g.created_ms");

	if (st == NULL) {
		store_failed(c);
		return;
	}
	call_json(c, 200, json_pack("{s:o}", "grants", rows_json(st)));
	store_release(st);
}

static void latency(struct call *c)
{
	long long ms;
	char v[24];

	if (call_form(c, "ms") == NULL || form_int(c, "ms", 0, 60000, 0, &ms) != 0) {
		bad(c, "ms: 0 to 60000");
		return;
	}
	snprintf(v, sizeof(v), "%lld", ms);
	if (store_exec(c->db, "INSERT INTO settings (name, value) VALUES ('latency_ms', ?) "
			      "ON CONFLICT (name) DO UPDATE SET value = excluded.value", v, NULL) != 0) {
		store_failed(c);
		return;
	}
	call_json(c, 200, json_pack("{s:I}", "latency_ms", (json_int_t)ms));
}

static void reset(struct call *c)
{
	const char *all = call_form(c, "all");
	int everything = all != NULL && strcmp(all, "1") == 0;

	if (store_begin(c->db) != 0 || store_exec(c->db, "DELETE FROM faults", NULL) != 0 ||
	    store_exec(c->db, "DELETE FROM settings", NULL) != 0 ||
	    store_exec(c->db, "DELETE FROM calls", NULL) != 0 ||
	    (everything && (store_exec(c->db, "DELETE FROM codes", NULL) != 0 ||
			    store_exec(c->db, "DELETE FROM tokens", NULL) != 0 ||
			    store_exec(c->db, "DELETE FROM grants", NULL) != 0 ||
			    store_exec(c->db, "DELETE FROM accounts", NULL) != 0)) ||
	    store_commit(c->db) != 0) {
		store_failed(c);
		return;
	}
	call_json(c, 200, json_pack("{s:b, s:b}", "reset", 1, "all", everything));
}

void control_dispatch(struct call *c)
{
	static const struct {
		const char *method, *path;
		void (*run)(struct call *c);
	} routes[] = {
		{ "POST", "/_control/fault", fault },	  { "POST", "/_control/revoke", revoke },
		{ "POST", "/_control/mint", mint },	  { "GET", "/_control/calls", calls },
		{ "GET", "/_control/grants", grants },	  { "POST", "/_control/latency", latency },
		{ "POST", "/_control/reset", reset },
	};
	int path_known = 0;

	for (size_t i = 0; i < ARRAY_LEN(routes); i++) {
		if (strcmp(c->req.path, routes[i].path) != 0)
			continue;
		path_known = 1;
		if (strcmp(c->method, routes[i].method) == 0) {
			routes[i].run(c);
			return;
		}
	}
	call_json(c, path_known ? 405 : 404,
		  json_pack("{s:s}", "error", path_known ? "method_not_allowed" : "not_found"));
}
