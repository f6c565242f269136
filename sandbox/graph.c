/* graph.c — the part of Microsoft Graph that removes an app's consent for one
 * user: /me, the app's service principal, the delegated permission grants with
 * their $filter, and DELETE of a grant (which ends the user's refresh tokens). */
#include "config.h"

#include <curl/curl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "sandbox.h"

/* The caller's token for a Graph call: 1 an app token (client credentials) whose
 * tenant is in tenant, 2 a user's access token (t filled), 0 answered already. */
static int graph_caller(struct call *c, struct token_info *t)
{
	const char *bearer = call_bearer(c);
	int found = 0;

	call_note_token(c, bearer);
	if (bearer != NULL)
		found = store_token(c->db, bearer, t);
	if (found < 0) {
		call_graph_error(c, 500, "generalException", "The sandbox's store failed.");
		return 0;
	}
	if (found == 0 || !t->alive || strcmp(t->kind, "refresh") == 0) {
		resp_header(&c->resp, "WWW-Authenticate", "Bearer error=\"invalid_token\"");
		call_graph_error(c, 401, "InvalidAuthenticationToken",
				 bearer ? "Access token validation failure."
					: "Access token is empty.");
		return 0;
	}
	if (strcmp(t->kind, "app") == 0)
		return 1;
	if (t->account.provider == SBX_GOOGLE) {
		call_graph_error(c, 401, "InvalidAuthenticationToken",
				 "Access token validation failure. Invalid audience.");
		return 0;
	}
	return 2;
}

/* The calls that manage grants need the application permission; a user's token
 * is refused as Graph refuses it. */
static int app_caller(struct call *c, struct token_info *t)
{
	int who = graph_caller(c, t);

	if (who == 2) {
		call_graph_error(c, 403, "Authorization_RequestDenied",
				 "Insufficient privileges to complete the operation.");
		return 0;
	}
	return who == 1;
}

/* A service principal is per tenant: the app's, and Microsoft Graph's (the
 * resource of the grants). */
static void sp_id(const char *tenant, const char *app_id, char out[37])
{
	char *label = xasprintf("sp:%s:%s", tenant, app_id);

	sbx_derived_uuid(label, out);
	free(label);
}

static int app_registered(const struct sbx_conf *conf, const char *app_id)
{
	int client = sbx_client_by_id(conf, app_id);

	return client == SBX_MICROSOFT || client == SBX_OUTLOOK;
}

void graph_me(struct call *c)
{
	struct token_info t;
	int who = graph_caller(c, &t);

	if (who == 0)
		return;
	if (who == 1) {
		call_graph_error(c, 400, "BadRequest",
				 "/me request is only valid with delegated authentication flow.");
		return;
	}
	call_note_grant(c, t.grant);
	call_json(c, 200,
		  json_pack("{s:s, s:s, s:s, s:s, s:s}", "@odata.context",
			    "https://graph.microsoft.com/v1.0/$metadata#users/$entity", "id",
			    t.account.subject, "mail", t.account.address, "userPrincipalName",
			    t.account.address, "displayName", t.account.address));
}

void graph_service_principal(struct call *c, const char *app_id)
{
	struct token_info t;
	char id[37];

	if (!app_caller(c, &t))
		return;
	if (!app_registered(c->conf, app_id)) {
		call_graph_error(c, 404, "Request_ResourceNotFound",
				 "Resource not found for the segment 'servicePrincipals'.");
		return;
	}
	sp_id(t.tenant, app_id, id);
	call_json(c, 200, json_pack("{s:s, s:s, s:s, s:s}", "@odata.context",
				    "https://graph.microsoft.com/v1.0/$metadata#servicePrincipals/$entity",
				    "id", id, "appId", app_id, "displayName", "inboxpanel (sandbox)"));
}

/* --- $filter ------------------------------------------------------------------ */

enum { F_CLIENT, F_PRINCIPAL, F_CONSENT, F_RESOURCE, F__MAX };
static const char *const filter_fields[F__MAX] = { "clientId", "principalId", "consentType",
						   "resourceId" };

/* "clientId eq 'x' and principalId eq 'y'": clauses of field eq 'value', joined
 * by "and", quotes doubled inside a value.  0, or -1 for anything else. */
static int parse_filter(const char *f, char *values[F__MAX])
{
	const char *p = f;

	for (;;) {
		size_t n;
		int field = -1;
		struct buf v;

		while (*p == ' ')
			p++;
		n = strcspn(p, " ");
		for (int i = 0; i < F__MAX; i++)
			if (strlen(filter_fields[i]) == n && strncmp(p, filter_fields[i], n) == 0)
				field = i;
		if (field < 0 || values[field] != NULL)
			return -1;
		p += n;
		while (*p == ' ')
			p++;
		if (strncmp(p, "eq ", 3) != 0)
			return -1;
		p += 3;
		while (*p == ' ')
			p++;
		if (*p != '\'')
			return -1;
		p++;
		buf_init(&v);
		buf_puts(&v, "");
		for (;; p++) {
			if (*p == '\0') {
				buf_free(&v);
				return -1;
			}
			if (*p == '\'') {
				if (p[1] != '\'')
					break;
				p++;
			}
			buf_putc(&v, *p);
		}
		p++;
		values[field] = buf_take(&v);
		while (*p == ' ')
			p++;
		if (*p == '\0')
			return 0;
		if (strncasecmp(p, "and ", 4) != 0)
			return -1;
		p += 4;
	}
}

/* The decoded value of one field of the raw query string, or NULL. */
static char *raw_query_value(const char *qs, const char *name)
{
	while (*qs) {
		size_t n = strcspn(qs, "&");
		const char *eq = memchr(qs, '=', n);

		if (eq != NULL) {
			char *key = xstrndup(qs, (size_t)(eq - qs));
			char *raw = xstrndup(eq + 1, n - (size_t)(eq - qs) - 1);
			int klen = 0, vlen = 0;
			char *k, *v, *out = NULL;

			for (char *r = raw; *r; r++)
				if (*r == '+')
					*r = ' ';
			k = curl_easy_unescape(NULL, key, 0, &klen);
			if (k != NULL && strcmp(k, name) == 0) {
				v = curl_easy_unescape(NULL, raw, 0, &vlen);
				if (v != NULL && (int)strlen(v) == vlen)
					out = xstrdup(v);
				curl_free(v);
			}
			curl_free(k);
			free(key);
			free(raw);
			if (out != NULL)
				return out;
		}
		qs += n;
		if (*qs == '&')
			qs++;
	}
	return NULL;
}

void graph_grants(struct call *c)
{
	struct token_info t;
	char *values[F__MAX] = { NULL };
	char *filter;
	sqlite3_stmt *st;
	json_t *list;
	char resource[37];

	if (!app_caller(c, &t))
		return;
	filter = raw_query_value(c->raw_query, "$filter");
	if (filter != NULL && parse_filter(filter, values) != 0) {
		call_graph_error(c, 400, "Request_UnsupportedQuery",
				 "Unsupported or invalid query filter clause specified.");
		goto out;
	}
	{
		char *label = xasprintf("graph:%s", t.tenant);

		sbx_derived_uuid(label, resource);
		free(label);
	}
	st = store_prepare(c->db, "SELECT g.id, g.client_id, g.scope, a.subject FROM grants g "
				  "JOIN accounts a ON a.id = g.account_id "
				  "WHERE g.live = 1 AND a.tenant = ? AND a.provider != 'google' "
				  "ORDER BY g.created_ms");
	if (st == NULL) {
		call_graph_error(c, 500, "generalException", "The sandbox's store failed.");
		goto out;
	}
	sqlite3_bind_text(st, 1, t.tenant, -1, SQLITE_TRANSIENT);
	list = json_array();
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *id = (const char *)sqlite3_column_text(st, 0);
		const char *app = (const char *)sqlite3_column_text(st, 1);
		const char *scope = (const char *)sqlite3_column_text(st, 2);
		const char *oid = (const char *)sqlite3_column_text(st, 3);
		char client[37];

		sp_id(t.tenant, app, client);
		if ((values[F_CLIENT] && strcmp(values[F_CLIENT], client) != 0) ||
		    (values[F_PRINCIPAL] && strcmp(values[F_PRINCIPAL], oid) != 0) ||
		    (values[F_CONSENT] && strcmp(values[F_CONSENT], "Principal") != 0) ||
		    (values[F_RESOURCE] && strcmp(values[F_RESOURCE], resource) != 0))
			continue;
		json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "id", id,
						      "clientId", client, "consentType", "Principal",
						      "principalId", oid, "resourceId", resource,
						      "scope", scope));
		if (json_array_size(list) == 1)
			call_note_grant(c, id);
	}
	store_release(st);
	call_json(c, 200, json_pack("{s:s, s:o}", "@odata.context",
				    "https://graph.microsoft.com/v1.0/$metadata#oauth2PermissionGrants",
				    "value", list));
out:
	for (int i = 0; i < F__MAX; i++)
		free(values[i]);
	free(filter);
}

/* 204, and the user's refresh tokens die with the grant; access tokens already
 * issued live on until they expire, as Microsoft documents. */
void graph_delete_grant(struct call *c, const char *grant_id)
{
	struct token_info t;
	sqlite3_stmt *st;
	int rc;

	if (!app_caller(c, &t))
		return;
	call_note_grant(c, grant_id);
	if (store_begin(c->db) != 0) {
		call_graph_error(c, 500, "generalException", "The sandbox's store failed.");
		return;
	}
	st = store_prepare(c->db, "SELECT 1 FROM grants g JOIN accounts a ON a.id = g.account_id "
				  "WHERE g.id = ? AND g.live = 1 AND a.tenant = ? "
				  "AND a.provider != 'google'");
	if (st == NULL) {
		store_rollback(c->db);
		call_graph_error(c, 500, "generalException", "The sandbox's store failed.");
		return;
	}
	sqlite3_bind_text(st, 1, grant_id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, t.tenant, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	store_release(st);
	if (rc != SQLITE_ROW) {
		store_rollback(c->db);
		call_graph_error(c, 404, "Request_ResourceNotFound",
				 "Resource not found for the segment 'oauth2PermissionGrants'.");
		return;
	}
	if (store_end_grant(c->db, grant_id, "graph", "refresh") != 0 || store_commit(c->db) != 0) {
		store_rollback(c->db);
		call_graph_error(c, 500, "generalException", "The sandbox's store failed.");
		return;
	}
	c->resp.status = 204;
	resp_header(&c->resp, "Content-Type", "application/json");
}
