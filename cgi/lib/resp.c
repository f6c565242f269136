/* resp.c — the response in memory, and the headers every response carries.
 *
 * A response is built whole before a byte is sent, so an error half-way through a
 * page replaces the page instead of being appended to it. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "resp.h"
#include "status.h"

/* No inline script or style anywhere: the one script and the stylesheet come from
 * /static.  form-action 'self' keeps a stray form from posting elsewhere; a page
 * whose form is answered with a redirect to a provider names that provider too
 * (resp_allow_form_target), since browsers hold redirects to form-action. */
static const char csp_head[] =
	"Content-Security-Policy: default-src 'none'; script-src 'self'; style-src 'self'; "
	"img-src 'self' data:; font-src 'self'; connect-src 'self'; form-action 'self'";
static const char security_headers[] =
	"; frame-ancestors 'none'; base-uri 'none'\r\n"
	"X-Content-Type-Options: nosniff\r\n";
/* A page whose address holds a secret (a set-password link) names only the
 * site as its referrer, never its path: not to the site's own static files
 * (whose requests nginx logs with their Referer), nor anywhere else.  Not
 * no-referrer: under it browsers send "Origin: null" with the page's form,
 * which the Origin check of every POST rightly refuses. */
static const char referrer_same_origin[] = "Referrer-Policy: same-origin\r\n";
static const char referrer_origin_only[] = "Referrer-Policy: strict-origin\r\n";
static const char security_headers_tail[] =
	"X-Frame-Options: DENY\r\n"
	"Cross-Origin-Opener-Policy: same-origin\r\n"
	"Cache-Control: no-store\r\n";

void resp_init(struct resp *r)
{
	r->status = 200;
	buf_init(&r->headers);
	buf_init(&r->body);
	r->has_content_type = 0;
	r->streamed = 0;
	r->form_target[0] = '\0';
	r->referrer_origin_only = 0;
}

void resp_free(struct resp *r)
{
	buf_free(&r->headers);
	buf_free(&r->body);
}

int resp_allow_form_target(struct resp *r, const char *url)
{
	const char *host, *end;
	size_t len;

	if (strncmp(url, "https://", 8) == 0)
		host = url + 8;
	else if (strncmp(url, "http://", 7) == 0)
		host = url + 7;
	else
		return -1;
	end = host + strcspn(host, "/?#");
	len = (size_t)(end - url);
	/* Only what a source expression may hold: no space, quote or semicolon. */
	if (end == host || len >= sizeof(r->form_target) ||
	    strcspn(url, " \t\r\n;,'\"") < len)
		return -1;
	memcpy(r->form_target, url, len);
	r->form_target[len] = '\0';
	return 0;
}

void resp_reset(struct resp *r)
{
	resp_free(r);
	resp_init(r);
}

static int header_safe(const char *s)
{
	for (; *s; s++)
		if (*s == '\r' || *s == '\n')
			return 0;
	return 1;
}

void resp_header(struct resp *r, const char *name, const char *value)
{
	if (!header_safe(name) || !header_safe(value)) {
		log_error("header %s dropped: it holds a line break", name);
		return;
	}
	if (strcasecmp(name, "Content-Type") == 0)
		r->has_content_type = 1;
	buf_printf(&r->headers, "%s: %s\r\n", name, value);
}

void resp_cookie(struct resp *r, const struct cookie *c)
{
	struct buf v;

	buf_init(&v);
	buf_printf(&v, "%s=%s; Path=%s; HttpOnly; SameSite=%s", c->name, c->value,
		   c->path ? c->path : "/", c->same_site == SAME_SITE_STRICT ? "Strict" : "Lax");
	if (c->max_age >= 0)
		buf_printf(&v, "; Max-Age=%ld", c->max_age);
	if (c->secure)
		buf_puts(&v, "; Secure");
	resp_header(r, "Set-Cookie", v.data);
	buf_free(&v);
}

void resp_see_other(struct resp *r, const char *location)
{
	r->status = 303;
	resp_header(r, "Location", location);
}

static void head_lines(const struct resp *r, struct buf *out)
{
	buf_printf(out, "Status: %d %s\r\n", r->status, status_http_reason(r->status));
	buf_append(out, csp_head, sizeof(csp_head) - 1);
	if (r->form_target[0] != '\0')
		buf_printf(out, " %s", r->form_target);
	buf_append(out, security_headers, sizeof(security_headers) - 1);
	if (r->referrer_origin_only)
		buf_append(out, referrer_origin_only, sizeof(referrer_origin_only) - 1);
	else
		buf_append(out, referrer_same_origin, sizeof(referrer_same_origin) - 1);
	buf_append(out, security_headers_tail, sizeof(security_headers_tail) - 1);
	if (!r->has_content_type)
		buf_puts(out, "Content-Type: text/html; charset=utf-8\r\n");
	if (r->headers.len > 0)
		buf_append(out, r->headers.data, r->headers.len);
}

void resp_serialize_head(const struct resp *r, int with_length, struct buf *out)
{
	head_lines(r, out);
	if (with_length)
		buf_printf(out, "Content-Length: %zu\r\n", r->body.len);
	buf_puts(out, "\r\n");
}
