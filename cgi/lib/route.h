/* route.h — a program's route table and the matcher over it. */
#ifndef IP_ROUTE_H
#define IP_ROUTE_H

#include <stddef.h>

#include "form.h"
#include "req.h"

struct ctx;

/* Who may use a route.  Without ROUTE_PUBLIC a route needs a signed-in user.
 * Every POST is checked for CSRF whatever the flags say: with the session's token
 * when signed in, with the sign-in form's token on ROUTE_PUBLIC routes.
 *
 * A POST's handler runs inside the write transaction the dispatcher opens and
 * commits (or rolls back, when the answer is an error).  ROUTE_SLOW_WORK is for
 * a handler with slow work to do first (a password hash, a call to a provider):
 * the dispatcher then opens nothing, and the handler calls page_write() once the
 * slow part is over, so no other writer waits behind it. */
enum route_flag {
	ROUTE_PUBLIC = 1 << 0,
	ROUTE_SUPER_ADMIN = 1 << 1,
	ROUTE_ACCOUNT_ACCESS = 1 << 2, /* super admins and users with account access */
	ROUTE_SLOW_WORK = 1 << 3,
};

#define ROUTE_MAX_IDS 3

struct route {
	enum http_method method; /* METHOD_GET also answers HEAD */
	/* Literal segments, "{id}" (a positive decimal integer), "{word}" (1 to 32 of
	 * [a-z0-9-], which the handler checks against its own list) and "{token}" (1 to
	 * 64 base64url characters: a single-use link's secret, which the logs never
	 * show: page_logged_path gives the pattern in its place). */
	const char *pattern;
	void (*handler)(struct ctx *ctx);
	unsigned flags;
	const struct form *query; /* fields read from the query string, or NULL */
	const struct form *body;  /* fields read from a POST body, or NULL */
	const char *nav;          /* the menu entry the page is under (Nav.current), or NULL */
};

enum route_result {
	ROUTE_FOUND,
	ROUTE_NOT_FOUND,   /* 404 */
	ROUTE_BAD_ID,      /* the shape of a page, with an id that is not a number: 400 */
	ROUTE_WRONG_METHOD /* 405; allow lists the methods the path has */
};

struct route_match {
	const struct route *route;
	long long ids[ROUTE_MAX_IDS]; /* the {id} segments, in order */
	size_t id_count;
	char words[ROUTE_MAX_IDS][33];    /* the {word} segments, in order */
	size_t word_count;
	char token[65];                   /* the {token} segment, "" when none */
	char allow[32];                   /* "GET, HEAD, POST" for a 405 */
};

enum route_result route_find(const struct route *routes, size_t count, enum http_method method,
			     const char *path, struct route_match *match);

#endif
