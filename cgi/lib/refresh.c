/* refresh.c — a refresh-token grant (RFC 6749 §6) as a health check. */
#include "config.h"

#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

#include "refresh.h"
#include "util.h"

struct refreshing {
	refresh_done_fn *done;
	void *arg;
};

static void answered(void *arg, const struct http_answer *a)
{
	struct refreshing *f = arg;
	struct refresh_result r = { OAUTH_TRANSIENT, "", NULL };

	r.verdict = oauth_classify(a, r.code, sizeof(r.code));
	/* Google keeps the refresh token; Microsoft sends a new one each time, and the
	 * old one must not be used again. */
	if (r.verdict == OAUTH_OK)
		r.refresh_token = oauth_json_string(a, "refresh_token");
	f->done(f->arg, &r);
	if (r.refresh_token != NULL) {
		OPENSSL_cleanse(r.refresh_token, strlen(r.refresh_token));
		free(r.refresh_token);
	}
	free(f);
}

void refresh_start(struct http_pool *pool, const struct conf *conf, enum provider provider,
		   const char *token, refresh_done_fn *done, void *arg)
{
	const struct conf_provider *p = &conf->providers[provider];
	struct refreshing *f;
	struct buf form;

	if (!prov_table[provider].oauth || !p->configured) {
		struct refresh_result r = { OAUTH_TRANSIENT, "not configured", NULL };

		done(arg, &r);
		return;
	}
	f = xcalloc(1, sizeof(*f));
	f->done = done;
	f->arg = arg;
	buf_init(&form);
	http_form_add(&form, "grant_type", "refresh_token");
	http_form_add(&form, "refresh_token", token);
	http_form_add(&form, "client_id", p->client_id);
	if (p->client_secret != NULL)
		http_form_add(&form, "client_secret", p->client_secret);
	if (provider != PROV_GOOGLE && p->scopes != NULL)
		http_form_add(&form, "scope", p->scopes);
	http_call(pool, "POST", p->token_url, form.data, NULL, answered, f);
	OPENSSL_cleanse(form.data, form.len);
	buf_free(&form);
}
