/* csrf.h — the two guards every POST passes before anything else in its form is
 * read: it comes from a page of this site, and it carries the token that page
 * was given. */
#ifndef IP_CSRF_H
#define IP_CSRF_H

#include "conf.h"
#include "req.h"

/* Origin must be this site's (the origin of Site.base_url, or the one the request
 * was addressed to); without Origin, Sec-Fetch-Site must say same-origin.  A
 * request with neither header (old browsers, scripts) relies on the token alone.
 * 1 when the request may go on. */
int csrf_same_origin(const struct conf *conf, const struct req *r);

/* The synchronizer token: the form's "csrf" field must equal expected (the
 * session's token, or before sign-in the sign-in cookie's), compared in
 * constant time.  1 when it does; 0 for a missing, malformed or other token, or
 * a NULL expected. */
int csrf_token_valid(const struct req *r, const char *expected);

#endif
