/* status.h — the outcome of a core function, mapped to one HTTP status in one place. */
#ifndef IP_STATUS_H
#define IP_STATUS_H

enum status {
	ST_OK = 0,
	ST_BAD_REQUEST,       /* malformed input: 400 */
	ST_FORBIDDEN,         /* no permission, bad CSRF token: 403 */
	ST_NOT_FOUND,         /* no such page, or a row the user may not see: 404 */
	ST_METHOD,            /* the page exists, not for this method: 405 */
	ST_CONFLICT,          /* the row's state forbids the action: 409 */
	ST_GONE,              /* a single-use link used or expired: 410 */
	ST_TOO_LARGE,         /* body over the limit: 413 */
	ST_UNSUPPORTED_TYPE,  /* a body that is not a urlencoded form: 415 */
	ST_TOO_MANY,          /* throttled: 429 */
	ST_INTERNAL,          /* a bug or a store failure: 500 */
	ST_UNAVAILABLE,       /* the store does not answer: 503 */
	ST_PROVIDER_REFUSED,  /* a provider answered with an error: 502 */
	ST_PROVIDER_TIMEOUT,  /* a provider did not answer in time: 504 */
	ST__MAX
};

int status_http_code(enum status st);
const char *status_http_reason(int code);

#endif
