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
	char *sp_id;     /* Microsoft: the app's service principal in the user's tenant */
	int deletes_left;
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
	free(r->sp_id);
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

/* Graph (or the token endpoint) said no in a way that is the tenant's choice: the
 * common case (PROVIDERS.md), so the user gets the steps instead. */
static void graph_outcome(struct revocation *r, const struct http_answer *a, const char *what)
{
	char code[64];
	json_t *root = json_loadb(a->body, a->body_len, 0, NULL);
	const char *graph_code =
		json_string_value(json_object_get(json_object_get(root, "error"), "code"));

	oauth_classify(a, code, sizeof(code));
	if (graph_code != NULL)
		snprintf(code, sizeof(code), "%s", graph_code);
	json_decref(root);
	if (refused_for_good(a))
		set_result(r, OUTBOX_MANUAL, a->status == 403 ? "denied" : "refused", code, -1);
	else
		set_result(r, OUTBOX_PENDING, NULL, code, a->retry_after);
	log_info("revocation %lld: %s answered %ld (%s)", r->job->id, what, a->status, code);
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
		finish(r);
}

static void grants_listed(void *arg, const struct http_answer *a)
{
	struct revocation *r = arg;
	const struct conf_provider *p = &r->conf->providers[PROV_MICROSOFT];
	json_t *root, *value;
	size_t i;
	json_t *grant;

	if (a->status != 200) {
		graph_outcome(r, a, "grant list");
		finish(r);
		return;
	}
	root = json_loadb(a->body, a->body_len, 0, NULL);
	value = json_object_get(root, "value");
	set_result(r, OUTBOX_DONE, NULL, NULL, -1);
	if (!json_is_array(value)) {
		json_decref(root);
		set_result(r, OUTBOX_PENDING, NULL, "bad answer", -1);
		finish(r);
		return;
	}
	/* Only this user's own consent: never an AllPrincipals grant, which an admin
	 * gave for everyone in the tenant. */
	json_array_foreach(value, i, grant) {
		const char *id = json_string_value(json_object_get(grant, "id"));
		const char *type = json_string_value(json_object_get(grant, "consentType"));
		const char *principal = json_string_value(json_object_get(grant, "principalId"));
		const char *client = json_string_value(json_object_get(grant, "clientId"));

		if (id != NULL && type != NULL && strcmp(type, "Principal") == 0 && principal != NULL &&
		    strcmp(principal, r->job->subject) == 0 && client != NULL &&
		    strcmp(client, r->sp_id) == 0) {
			char *eid = http_escape(id);
			char *url = xasprintf("%s/v1.0/oauth2PermissionGrants/%s", p->graph_url, eid);

			r->deletes_left++;
			http_call(r->pool, "DELETE", url, NULL, r->app_token, grant_deleted, r);
			free(url);
			free(eid);
		}
	}
	json_decref(root);
	if (r->deletes_left == 0) /* nothing of the app's is left for this user */
		finish(r);
}

static void service_principal_found(void *arg, const struct http_answer *a)
{
	struct revocation *r = arg;
	const struct conf_provider *p = &r->conf->providers[PROV_MICROSOFT];
	char *filter, *efilter, *url;

	if (a->status != 200 || (r->sp_id = oauth_json_string(a, "id")) == NULL) {
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
	 * time; without them there is nothing the app can ask Graph. */
	if (r->job->tenant[0] == '\0' || r->job->subject[0] == '\0' ||
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
