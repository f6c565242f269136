/* page.h — what handlers call to answer: render a template, show an error page,
 * redirect after a POST with a flash message, write the audit row. */
#ifndef IP_PAGE_H
#define IP_PAGE_H

#include "app.h"
#include "audit.h"
#include "status.h"

/* Renders templates/<name> as the answer, with status 200. */
void page_render(struct ctx *ctx, const char *template_name);

/* Replaces the body built so far with the error page for st; headers already set
 * (Allow, Retry-After) stay.  reason_key, when not
 * NULL, names Lang.reason.<key>: the sentence that says why and what to do. */
void page_error(struct ctx *ctx, enum status st, const char *reason_key);

/* As page_error, with a title of the page's own (Lang.<title_key>) where the
 * status's generic one would mislead (consent refused at the provider); the
 * sentence that says why is Error.reason, set by the caller. */
void page_error_titled(struct ctx *ctx, enum status st, const char *title_key);

/* 303 See Other to path (a site path such as "/settings/email"), with an optional
 * flash message Lang.flash.<flash_key> whose "{arg}" is flash_arg. */
void page_redirect(struct ctx *ctx, const char *path, const char *flash_key,
		   const char *flash_arg);

/* A body too large to build in memory (the audit export) goes out in pieces:
 * page_stream_start sends the status and headers set so far, then each
 * page_stream_write sends a piece (nothing for a HEAD request). */
void page_stream_start(struct ctx *ctx);
void page_stream_write(struct ctx *ctx, const char *data, size_t len);

/* From here on this request writes: opens the write transaction that the
 * dispatcher commits after the handler returns (or rolls back, when the answer
 * is an error).  Once is enough; a POST handler is already inside it unless its
 * route has ROUTE_SLOW_WORK.  ST_OK, or ST_UNAVAILABLE when the write lock could
 * not be had in time. */
enum status page_write(struct ctx *ctx);

/* The sealer of this worker process (keyring_sealer_new, made on first use and
 * kept for the process's life), or NULL, logged, when the public key cannot be
 * read. */
struct keyring_sealer *page_sealer(struct ctx *ctx);

/* The signed-in user (or nobody) at the request's address, for audit rows. */
struct audit_actor page_actor(const struct ctx *ctx);
/* An audit row of the request's action, inside its write transaction. */
enum status page_audit(struct ctx *ctx, const char *action, const char *target,
		       const char *detail);

/* Refuses the request with the error page for st, after recording the refusal in
 * the audit log in a transaction of its own — the one write a refused request
 * makes, so it must come before page_write.  Refusals of someone not signed in
 * are recorded once a minute per action and address at most (the rest go to the
 * program's log), so forged requests cannot flood the audit log. */
void page_refuse(struct ctx *ctx, enum status st, const char *action, const char *target,
		 const char *reason_key);

/* The request's path as logs and audit rows may show it: the route's pattern
 * when the path carries a secret ("/password/{token}"), else the path. */
const char *page_logged_path(const struct ctx *ctx);

/* Cookie names, with the __Host- prefix when the base URL is https. */
const char *page_cookie_name(const struct ctx *ctx, const char *base);
void page_set_cookie(struct ctx *ctx, const char *base, const char *value, long max_age,
		     enum same_site same_site);

/* A site path escaped for a query-string value (curl_easy_escape). */
char *page_url_escape(const char *s);

#endif
