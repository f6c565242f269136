/* http.h — calls to the providers, many at once, over libcurl's multi interface:
 * each call has its own connect and total timeouts, so one slow provider never
 * holds the others up. */
#ifndef IP_HTTP_H
#define IP_HTTP_H

#include "util.h"

struct http_pool;
struct http_call;

/* What came back.  status is 0 when no answer came (a network error or a
 * timeout); error then says what happened, in libcurl's words, for the log. */
struct http_answer {
	long status;
	const char *body;       /* NUL-terminated; "" when none */
	size_t body_len;
	long retry_after;       /* seconds from Retry-After, or -1 */
	const char *error;      /* "" when an answer came */
};

typedef void http_done_fn(void *arg, const struct http_answer *answer);

/* At most `parallel` calls in flight; the others wait their turn. */
struct http_pool *http_pool_new(int parallel, long connect_timeout, long timeout);
void http_pool_free(struct http_pool *pool);

/* Queues a call: method "GET", "POST" or "DELETE"; form (application/x-www-form-
 * urlencoded, built with http_form_add) or NULL; bearer token or NULL.  done runs
 * once, from http_pool_run, with the answer; it may queue further calls.  The
 * pool copies what it is given. */
void http_call(struct http_pool *pool, const char *method, const char *url, const char *form,
	       const char *bearer, http_done_fn *done, void *arg);

/* Appends name=value to a form, each percent-encoded (curl_easy_escape). */
void http_form_add(struct buf *form, const char *name, const char *value);
/* A value percent-encoded for a URL's query or path (curl_easy_escape). */
char *http_escape(const char *value);

/* Lets the calls progress for up to timeout_ms, returning early when one ends or
 * wake_fd (when >= 0) becomes readable; runs the done callbacks of the calls that
 * ended.  Returns the number of calls still queued or in flight. */
int http_pool_run(struct http_pool *pool, int wake_fd, int timeout_ms);

/* Calls queued or in flight. */
int http_pool_busy(const struct http_pool *pool);

#endif
