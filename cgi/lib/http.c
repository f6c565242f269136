/* http.c — the worker's HTTP client: a queue in front of a curl multi handle. */
#include "config.h"

#include <curl/curl.h>
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

struct http_call {
	struct http_call *next; /* in the waiting queue, or the list in flight */
	CURL *easy;
	struct curl_slist *headers;
	char *form;
	struct buf body;
	char error[CURL_ERROR_SIZE];
	http_done_fn *done;
	void *arg;
};

struct http_pool {
	CURLM *multi;
	int parallel;
	struct http_call *flying;  /* handed to curl */
	int flying_count;
	struct http_call *waiting; /* waiting for a free slot, in order */
	struct http_call **waiting_tail;
	long connect_timeout, timeout;
};

/* Provider answers are small; a body beyond this is not one of theirs. */
#define MAX_BODY (1 << 20)

static size_t on_body(char *data, size_t size, size_t n, void *arg)
{
	struct http_call *c = arg;

	if (c->body.len + size * n > MAX_BODY)
		return 0; /* makes curl fail the transfer */
	buf_append(&c->body, data, size * n);
	return size * n;
}

struct http_pool *http_pool_new(int parallel, long connect_timeout, long timeout)
{
	struct http_pool *pool = xcalloc(1, sizeof(*pool));

	pool->multi = curl_multi_init();
	if (pool->multi == NULL)
		abort();
	pool->parallel = parallel;
	pool->waiting_tail = &pool->waiting;
	pool->connect_timeout = connect_timeout;
	pool->timeout = timeout;
	return pool;
}

static void call_free(struct http_call *c)
{
	curl_easy_cleanup(c->easy);
	curl_slist_free_all(c->headers);
	if (c->form != NULL) {
		/* A form can hold a token: leave none of it in freed memory. */
		OPENSSL_cleanse(c->form, strlen(c->form));
		free(c->form);
	}
	if (c->body.data != NULL)
		OPENSSL_cleanse(c->body.data, c->body.len);
	buf_free(&c->body);
	free(c);
}

void http_pool_free(struct http_pool *pool)
{
	struct http_call *c, *next;

	if (pool == NULL)
		return;
	for (c = pool->flying; c != NULL; c = next) {
		next = c->next;
		curl_multi_remove_handle(pool->multi, c->easy);
		call_free(c);
	}
	for (c = pool->waiting; c != NULL; c = next) {
		next = c->next;
		call_free(c);
	}
	curl_multi_cleanup(pool->multi);
	free(pool);
}

void http_form_add(struct buf *form, const char *name, const char *value)
{
	char *v = http_escape(value);

	buf_printf(form, "%s%s=%s", form->len > 0 ? "&" : "", name, v);
	OPENSSL_cleanse(v, strlen(v));
	free(v);
}

char *http_escape(const char *value)
{
	char *escaped = curl_easy_escape(NULL, value, (int)strlen(value));
	char *copy;

	if (escaped == NULL)
		abort();
	copy = xstrdup(escaped);
	OPENSSL_cleanse(escaped, strlen(escaped));
	curl_free(escaped);
	return copy;
}

void http_call(struct http_pool *pool, const char *method, const char *url, const char *form,
	       const char *bearer, http_done_fn *done, void *arg)
{
	struct http_call *c = xcalloc(1, sizeof(*c));

	c->easy = curl_easy_init();
	if (c->easy == NULL)
		abort();
	c->done = done;
	c->arg = arg;
	buf_init(&c->body);
	curl_easy_setopt(c->easy, CURLOPT_URL, url);
	curl_easy_setopt(c->easy, CURLOPT_PRIVATE, c);
	curl_easy_setopt(c->easy, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c->easy, CURLOPT_WRITEDATA, c);
	curl_easy_setopt(c->easy, CURLOPT_ERRORBUFFER, c->error);
	curl_easy_setopt(c->easy, CURLOPT_CONNECTTIMEOUT, pool->connect_timeout);
	curl_easy_setopt(c->easy, CURLOPT_TIMEOUT, pool->timeout);
	curl_easy_setopt(c->easy, CURLOPT_NOSIGNAL, 1L);
	/* Only the provider's own answer counts: no redirects, http(s) only. */
	curl_easy_setopt(c->easy, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c->easy, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c->easy, CURLOPT_USERAGENT, "inboxpanel-worker");
	c->headers = curl_slist_append(c->headers, "Accept: application/json");
	if (bearer != NULL) {
		char *h = xasprintf("Authorization: Bearer %s", bearer);

		c->headers = curl_slist_append(c->headers, h);
		OPENSSL_cleanse(h, strlen(h));
		free(h);
	}
	curl_easy_setopt(c->easy, CURLOPT_HTTPHEADER, c->headers);
	if (strcmp(method, "POST") == 0) {
		c->form = xstrdup(form != NULL ? form : "");
		curl_easy_setopt(c->easy, CURLOPT_POSTFIELDS, c->form);
	} else if (strcmp(method, "GET") != 0) {
		curl_easy_setopt(c->easy, CURLOPT_CUSTOMREQUEST, method);
	}
	*pool->waiting_tail = c;
	pool->waiting_tail = &c->next;
}

/* Moves waiting calls into curl while there is room. */
static void start_waiting(struct http_pool *pool)
{
	while (pool->waiting != NULL && pool->flying_count < pool->parallel) {
		struct http_call *c = pool->waiting;

		pool->waiting = c->next;
		if (pool->waiting == NULL)
			pool->waiting_tail = &pool->waiting;
		c->next = pool->flying;
		pool->flying = c;
		pool->flying_count++;
		curl_multi_add_handle(pool->multi, c->easy);
	}
}

static void unlink_flying(struct http_pool *pool, struct http_call *c)
{
	for (struct http_call **p = &pool->flying; *p != NULL; p = &(*p)->next)
		if (*p == c) {
			*p = c->next;
			pool->flying_count--;
			return;
		}
}

static void finish(struct http_pool *pool, struct http_call *c, CURLcode result)
{
	struct http_answer a = { 0, "", 0, -1, "" };
	curl_off_t retry_after = 0;

	curl_multi_remove_handle(pool->multi, c->easy);
	unlink_flying(pool, c);
	if (result == CURLE_OK) {
		curl_easy_getinfo(c->easy, CURLINFO_RESPONSE_CODE, &a.status);
		if (curl_easy_getinfo(c->easy, CURLINFO_RETRY_AFTER, &retry_after) == CURLE_OK &&
		    retry_after > 0)
			a.retry_after = retry_after > 86400 ? 86400 : (long)retry_after;
		a.body = c->body.data != NULL ? c->body.data : "";
		a.body_len = c->body.len;
	} else {
		a.error = c->error[0] != '\0' ? c->error : curl_easy_strerror(result);
	}
	c->done(c->arg, &a);
	call_free(c);
}

int http_pool_run(struct http_pool *pool, int wake_fd, int timeout_ms)
{
	struct curl_waitfd wake = { wake_fd, CURL_WAIT_POLLIN, 0 };
	CURLMsg *msg;
	int still, left;

	start_waiting(pool);
	curl_multi_perform(pool->multi, &still);
	curl_multi_poll(pool->multi, wake_fd >= 0 ? &wake : NULL, wake_fd >= 0 ? 1 : 0, timeout_ms,
			NULL);
	curl_multi_perform(pool->multi, &still);
	while ((msg = curl_multi_info_read(pool->multi, &left)) != NULL) {
		struct http_call *c;

		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&c);
		finish(pool, c, msg->data.result);
	}
	start_waiting(pool);
	return http_pool_busy(pool);
}

int http_pool_busy(const struct http_pool *pool)
{
	int n = pool->flying_count;

	for (const struct http_call *c = pool->waiting; c != NULL; c = c->next)
		n++;
	return n;
}
