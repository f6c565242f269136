/* resp.h — building one HTTP response in memory: status, headers, cookies, body. */
#ifndef IP_RESP_H
#define IP_RESP_H

#include "util.h"

struct resp {
	int status;
	struct buf headers; /* "Name: value\r\n" lines, without the status line */
	struct buf body;
	int has_content_type;
	int streamed; /* the head and body went out already (page_stream_start) */
	char form_target[256]; /* an origin the page's forms may be redirected to, or "" */
	int referrer_origin_only; /* the referrer names the site, never the path (it holds a secret) */
};

void resp_init(struct resp *r);
void resp_free(struct resp *r);
/* Drops headers and body, keeping nothing of a response being replaced by an
 * error page. */
void resp_reset(struct resp *r);

/* Lets the page's forms end at url's origin (scheme://host[:port]), which is
 * added to the CSP's form-action: a form answered by a redirect to a provider's
 * authorize page.  -1 for a URL that is not http(s) or holds what a CSP source
 * may not. */
int resp_allow_form_target(struct resp *r, const char *url);

/* Adds a header; a name or value with CR, LF or NUL is a bug and is dropped. */
void resp_header(struct resp *r, const char *name, const char *value);

enum same_site { SAME_SITE_LAX, SAME_SITE_STRICT };

struct cookie {
	const char *name;
	const char *value;
	const char *path;
	long max_age;   /* seconds; 0 deletes the cookie; -1 lasts the browser session */
	int secure;     /* adds Secure (and the caller uses a __Host- name) */
	enum same_site same_site;
};
void resp_cookie(struct resp *r, const struct cookie *c);

/* 303 See Other to location (an absolute path on this site). */
void resp_see_other(struct resp *r, const char *location);

/* The bytes before the body: the CGI status line, the headers (the security
 * headers of DESIGN.md included), Content-Length when the body is whole
 * (with_length), and a blank line.  The body follows as it is. */
void resp_serialize_head(const struct resp *r, int with_length, struct buf *out);

#endif
