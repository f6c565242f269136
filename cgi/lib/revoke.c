/* revoke.c — one revocation, as a chain of provider calls. */
#include "config.h"

#include <jansson.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oauth.h"
#include "revoke.h"
#include "util.h"

struct revocation {
	struct http_pool *pool;
	const struct conf *conf;
	const struct outbox_job *job;
	char *token;     /* the refresh token (Google) */
	char *app_token; /* Microsoft: the app's Graph token */
	char sp_id[REVOKE_GRAPH_ID_SIZE]; /* Microsoft: the app's service principal in the user's tenant */
	int deletes_left;
	int more_grants; /* Graph listed more grants than this try deletes */
	struct revoke_result result;
	revoke_done_fn *done;
	void *arg;
};

static void forget_secret(char *s)
{
	if (s != NULL) {
		OPENSSL_cleanse(s, strlen(s));
		free(s);
	}
}

static void finish(struct revocation *r)
{
	r->done(r->arg, &r->result);
	forget_secret(r->token);
	forget_secret(r->app_token);
	free(r);
}

static void set_result(struct revocation *r, enum outbox_state state, const char *reason,
		       const char *code, long retry_after)
{
	r->result.state = state;
	r->result.retry_after = retry_after;
	snprintf(r->result.reason, sizeof(r->result.reason), "%s", reason ? reason : "");
	snprintf(r->result.code, sizeof(r->result.code), "%s", code ? code : "");
}

/* A refusal that trying again will not change: a 4xx other than 408 and 429. */
static int refused_for_good(const struct http_answer *a)
{
	return a->status >= 400 && a->status < 500 && a->status != 408 && a->status != 429;
}

/* --- Google: RFC 7009 --------------------------------------------------------- */

static void google_answered(void *arg, const struct http_answer *a)
{
	struct revocation *r = arg;
	char code[64], error[64];

	oauth_classify(a, code, sizeof(code));
	oauth_error_name(a, error, sizeof(error));
	if (a->status == 200)
		set_result(r, OUTBOX_DONE, NULL, NULL, -1);
	else if (a->status == 400 && strcmp(error, "invalid_token") == 0)
		/* Dead already (revoked by the user, expired): nothing is left to take. */
		set_result(r, OUTBOX_DONE, NULL, "invalid_token", -1);
	else if (refused_for_good(a))
		set_result(r, OUTBOX_FAILED, "refused", code, -1);
	else
		set_result(r, OUTBOX_PENDING, NULL, code, a->retry_after);
	finish(r);
}

static void google_revoke(struct revocation *r)
{
	const struct conf_provider *p = &r->conf->providers[PROV_GOOGLE];
	struct buf form;

	if (p->revoke_url == NULL || r->token == NULL) {
		set_result(r, OUTBOX_FAILED, "not_configured", NULL, -1);
		finish(r);
		return;
	}
	buf_init(&form);
	http_form_add(&form, "token", r->token);
	http_call(r->pool, "POST", p->revoke_url, form.data, NULL, google_answered, r);
	OPENSSL_cleanse(form.data, form.len);
	buf_free(&form);
}

/* --- Office 365: Microsoft Graph ------------------------------------------------ */

int revoke_graph_id_valid(const char *s)
{
	size_t n = strspn(s, "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-");

	return n > 0 && n < REVOKE_GRAPH_ID_SIZE && s[n] == '\0';
}

static json_t *graph_object(const char *body, size_t len)
{
	json_t *root = json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL);

	if (root != NULL && !json_is_object(root)) {
		json_decref(root);
		return NULL;
	}
	return root;
}

int revoke_service_principal_id(const char *body, size_t len, char out[REVOKE_GRAPH_ID_SIZE])
{
	json_t *root = graph_object(body, len);
	const char *id = json_string_value(json_object_get(root, "id"));
	int rc = -1;

	out[0] = '\0';
	if (id != NULL && revoke_graph_id_valid(id)) {
		snprintf(out, REVOKE_GRAPH_ID_SIZE, "%s", id);
		rc = 0;
	}
	json_decref(root);
	return rc;
}

/* A member that must be a string equal to want. */
static int member_is(json_t *object, const char *name, const char *want)
{
	const char *v = json_string_value(json_object_get(object, name));

	return v != NULL && strcmp(v, want) == 0;
}

int revoke_grants_parse(const char *body, size_t len, const char *client, const char *principal,
			struct revoke_grants *out)
{
	json_t *root = graph_object(body, len);
	json_t *value = json_object_get(root, "value");
	json_t *grant;
	size_t i;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	if (!json_is_array(value)) {
		json_decref(root);
		return -1;
	}
	/* Graph pages its lists: a next page may hold more of this user's grants. */
	out->more = json_object_get(root, "@odata.nextLink") != NULL;
	json_array_foreach(value, i, grant) {
		const char *id = json_string_value(json_object_get(grant, "id"));

		if (!member_is(grant, "consentType", "Principal") ||
		    !member_is(grant, "principalId", principal) || !member_is(grant, "clientId", client))
			continue;
		if (id == NULL || *id == '\0' || strlen(id) > REVOKE_GRANT_ID_MAX) {
			rc = -1;
			break;
		}
		if (out->count == REVOKE_GRANTS_MAX) {
			out->more = 1;
			break;
		}
		if (out->ids == NULL)
			out->ids = xcalloc(REVOKE_GRANTS_MAX, sizeof(*out->ids));
		out->ids[out->count++] = xstrdup(id);
	}
	json_decref(root);
	return rc;
}

void revoke_grants_free(struct revoke_grants *grants)
{
	for (size_t i = 0; i < grants->count; i++)
		free(grants->ids[i]);
	free(grants->ids);
	memset(grants, 0, sizeof(*grants));
}

void revoke_graph_error_code(const char *body, size_t len, char *out, size_t out_len)
{
	json_t *root = graph_object(body, len);
	const char *code = json_string_value(json_object_get(json_object_get(root, "error"), "code"));

	snprintf(out, out_len, "%s", code != NULL && oauth_code_valid(code) ? code : "");
	json_decref(root);
}

/* Graph (or the token endpoint) said no in a way that is the tenant's choice: the
 * common case (PROVIDERS.md), so the user gets the steps instead. */
static void graph_outcome(struct revocation *r, const struct http_answer *a, const char *what)
{
	char code[64], graph_code[64];

	oauth_classify(a, code, sizeof(code));
	revoke_graph_error_code(a->body, a->body_len, graph_code, sizeof(graph_code));
	if (graph_code[0] != '\0')
		snprintf(code, sizeof(code), "%s", graph_code);
	if (refused_for_good(a))
		set_result(r, OUTBOX_MANUAL, a->status == 403 ? "denied" : "refused", code, -1);
	else
		set_result(r, OUTBOX_PENDING, NULL, code, a->retry_after);
	log_info("revocation %lld: %s answered %ld (%s)", r->job->id, what, a->status, code);
}

/* Every deletion of this try answered: when Graph listed more grants than were
 * deleted, the job is not done yet, and its next try deletes the rest. */
static void finish_deletions(struct revocation *r)
{
	if (r->more_grants && r->result.state == OUTBOX_DONE)
		set_result(r, OUTBOX_PENDING, NULL, "more grants", -1);
	finish(r);
}

static void grant_deleted(void *arg, const struct http_answer *a)
{
	struct revocation *r = arg;

	/* 404: gone already.  The first refusal decides the outcome; the other
	 * deletions still run, and a later try finds only what is left. */
	if (a->status != 204 && a->status != 200 && a->status != 404 &&
	    r->result.state == OUTBOX_DONE)
		graph_outcome(r, a, "grant deletion");
	if (--r->deletes_left == 0)
		finish_deletions(r);
}

static void grants_listed(void *arg, const struct http_answer *a)
{
	struct revocation *r = arg;
	const struct conf_provider *p = &r->conf->providers[PROV_MICROSOFT];
	struct revoke_grants grants;

	if (a->status != 200) {
		graph_outcome(r, a, "grant list");
		finish(r);
		return;
	}
	if (revoke_grants_parse(a->body, a->body_len, r->sp_id, r->job->subject, &grants) != 0) {
		revoke_grants_free(&grants);
		set_result(r, OUTBOX_PENDING, NULL, "bad answer", -1);
		log_info("revocation %lld: the grant list does not read as Graph's", r->job->id);
		finish(r);
		return;
	}
	set_result(r, OUTBOX_DONE, NULL, NULL, -1);
	r->more_grants = grants.more;
	/* Counted before the first call: a deletion answers from http_pool_run only. */
	r->deletes_left = (int)grants.count;
	for (size_t i = 0; i < grants.count; i++) {
		char *eid = http_escape(grants.ids[i]);
		char *url = xasprintf("%s/v1.0/oauth2PermissionGrants/%s", p->graph_url, eid);

		http_call(r->pool, "DELETE", url, NULL, r->app_token, grant_deleted, r);
		free(url);
		free(eid);
	}
	revoke_grants_free(&grants);
	if (r->deletes_left == 0) /* nothing of the app's is left for this user */
		finish_deletions(r);
}

static void service_principal_found(void *arg, const struct http_answer *a)
{
	struct revocation *r = arg;
	const struct conf_provider *p = &r->conf->providers[PROV_MICROSOFT];
	char *filter, *efilter, *url;

	if (a->status != 200 || revoke_service_principal_id(a->body, a->body_len, r->sp_id) != 0) {
		graph_outcome(r, a, "service principal");
		finish(r);
		return;
	}
	filter = xasprintf("clientId eq '%s' and principalId eq '%s'", r->sp_id, r->job->subject);
	efilter = http_escape(filter);
	url = xasprintf("%s/v1.0/oauth2PermissionGrants?$filter=%s", p->graph_url, efilter);
	http_call(r->pool, "GET", url, NULL, r->app_token, grants_listed, r);
	free(url);
	free(efilter);
	free(filter);
}

static void app_token_received(void *arg, const struct http_answer *a)
{
	struct revocation *r = arg;
	const struct conf_provider *p = &r->conf->providers[PROV_MICROSOFT];
	char *eid, *url;

	if (a->status != 200 || (r->app_token = oauth_json_string(a, "access_token")) == NULL) {
		graph_outcome(r, a, "app token");
		finish(r);
		return;
	}
	eid = http_escape(p->client_id);
	url = xasprintf("%s/v1.0/servicePrincipals(appId='%s')", p->graph_url, eid);
	http_call(r->pool, "GET", url, NULL, r->app_token, service_principal_found, r);
	free(url);
	free(eid);
}

char *revoke_tenant_token_url(const char *token_url, const char *tid)
{
	const char *oauth = strstr(token_url, "/oauth2/");
	const char *seg;

	if (oauth == NULL || oauth == token_url)
		return NULL;
	for (seg = oauth - 1; seg > token_url && *seg != '/'; seg--)
		;
	if (*seg != '/' || seg + 1 == oauth)
		return NULL;
	return xasprintf("%.*s/%s%s", (int)(seg - token_url), token_url, tid, oauth);
}

static void microsoft_revoke(struct revocation *r)
{
	const struct conf_provider *p = &r->conf->providers[PROV_MICROSOFT];
	char *url;
	struct buf form;

	if (!p->configured || p->graph_url == NULL || p->client_secret == NULL) {
		set_result(r, OUTBOX_MANUAL, "not_configured", NULL, -1);
		finish(r);
		return;
	}
	/* The grant is found by the user's tenant and object id, kept at connect
	 * time; without them there is nothing the app can ask Graph.  Both came in
	 * the id token and go into a URL and an OData filter: only Graph's id shape
	 * is taken. */
	if (!revoke_graph_id_valid(r->job->tenant) || !revoke_graph_id_valid(r->job->subject) ||
	    (url = revoke_tenant_token_url(p->token_url, r->job->tenant)) == NULL) {
		set_result(r, OUTBOX_MANUAL, "no_account_ids", NULL, -1);
		finish(r);
		return;
	}
	buf_init(&form);
	http_form_add(&form, "grant_type", "client_credentials");
	http_form_add(&form, "client_id", p->client_id);
	http_form_add(&form, "client_secret", p->client_secret);
	http_form_add(&form, "scope", "https://graph.microsoft.com/.default");
	http_call(r->pool, "POST", url, form.data, NULL, app_token_received, r);
	OPENSSL_cleanse(form.data, form.len);
	buf_free(&form);
	free(url);
}

void revoke_start(struct http_pool *pool, const struct conf *conf, const struct outbox_job *job,
		  const char *token, revoke_done_fn *done, void *arg)
{
	struct revocation *r = xcalloc(1, sizeof(*r));

	r->pool = pool;
	r->conf = conf;
	r->job = job;
	r->token = token != NULL ? xstrdup(token) : NULL;
	r->done = done;
	r->arg = arg;
	r->result.retry_after = -1;
	switch (prov_table[job->provider].revocation) {
	case PROV_REVOKE_TOKEN:
		google_revoke(r);
		break;
	case PROV_REVOKE_GRANT:
		microsoft_revoke(r);
		break;
	case PROV_REVOKE_MANUAL:
		set_result(r, OUTBOX_MANUAL, NULL, NULL, -1);
		finish(r);
		break;
	}
}
