/* dispatch.c — from a parsed request to an answer, through the checks every page
 * shares and the one transaction a request writes in. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "csrf.h"
#include "dispatch.h"
#include "outbox.h"
#include "page.h"
#include "tmpl.h"
#include "util.h"

static void choose_language(struct ctx *ctx)
{
	const char *code = NULL;

	if (ctx->user != NULL && ctx->user->language[0] != '\0')
		code = ctx->user->language;
	else
		code = tmpl_language_for(ctx->req->accept_language ? ctx->req->accept_language : "");
	if (tmpl_lang(code) == NULL)
		code = tmpl_languages[0];
	ctx->lang_code = code;
	ctx->lang = tmpl_lang(code);
}

/* Signs the request in when its session cookie names a live session of an active
 * user; otherwise leaves ctx->user NULL. */
static enum status load_session(struct ctx *ctx, struct session *session, struct user *user)
{
	const struct param *cookie =
		params_get(&ctx->req->cookies, page_cookie_name(ctx, "session"));
	struct sess_timeouts t = { ctx->conf->idle_timeout, ctx->conf->absolute_timeout };
	enum status st;

	if (cookie == NULL)
		return ST_OK;
	st = sess_resume(ctx->db, cookie->value, &t, ctx->now, session, user);
	if (st == ST_NOT_FOUND)
		return ST_OK;
	if (st != ST_OK)
		return st;
	ctx->session = session;
	ctx->user = user;
	return ST_OK;
}

/* The token a POST must carry: the session's, or before sign-in the one in the
 * sign-in cookie (double submit). */
static int csrf_valid(const struct ctx *ctx)
{
	const struct param *c;

	if (ctx->session != NULL && !(ctx->match->route->flags & ROUTE_PUBLIC))
		return csrf_token_valid(ctx->req, ctx->session->csrf_token);
	c = params_get(&ctx->req->cookies, page_cookie_name(ctx, "login"));
	return csrf_token_valid(ctx->req, c != NULL ? c->value : NULL);
}

/* Sends a visitor without a session to sign in, and back here afterwards. */
static void to_login(struct ctx *ctx, const struct program *program)
{
	struct buf next;
	char *escaped, *path;
	const struct route_match *m = ctx->match;

	buf_init(&next);
	buf_puts(&next, ctx->req->path);
	if (ctx->req->method == METHOD_POST) {
		/* A POST cannot be replayed: come back to the page the form was on when
		 * it has one (the confirmation page), else to the start. */
		struct route_match again;

		if (route_find(program->routes, program->route_count, METHOD_GET, ctx->req->path,
			       &again) != ROUTE_FOUND) {
			buf_reset(&next);
			buf_puts(&next, "/");
		}
	} else if (ctx->req->query.count > 0) {
		/* Keep the declared query fields only; they are already shown to be sane. */
		const struct form *q = m->route->query;

		for (size_t i = 0; q != NULL && i < q->count; i++) {
			const struct param *p = params_get(&ctx->req->query, q->fields[i].name);

			if (p != NULL) {
				char *v = page_url_escape(p->value);

				buf_printf(&next, "%c%s=%s", strchr(next.data, '?') ? '&' : '?',
					   p->name, v);
				free(v);
			}
		}
	}
	escaped = page_url_escape(next.data);
	path = xasprintf("/login?next=%s", escaped);
	page_redirect(ctx, path, NULL, NULL);
	free(path);
	free(escaped);
	buf_free(&next);
}

/* Everything before the handler; 1 when the handler may run. */
static int admit(struct site *site, struct ctx *ctx, struct route_match *match,
		 struct field_value *query_values, size_t query_max, struct field_value *form_values,
		 size_t form_max)
{
	const struct req *req = ctx->req;
	const struct route *route;
	const char *bad_field = NULL;

	if (req->method == METHOD_OTHER) {
		resp_header(ctx->resp, "Allow", "GET, HEAD, POST");
		page_error(ctx, ST_METHOD, NULL);
		return 0;
	}
	switch (route_find(site->program->routes, site->program->route_count, req->method, req->path,
			   match)) {
	case ROUTE_FOUND:
		break;
	case ROUTE_NOT_FOUND:
		page_error(ctx, ST_NOT_FOUND, NULL);
		return 0;
	case ROUTE_BAD_ID:
		page_error(ctx, ST_BAD_REQUEST, "bad_id");
		return 0;
	case ROUTE_WRONG_METHOD:
		resp_header(ctx->resp, "Allow", match->allow);
		page_error(ctx, ST_METHOD, NULL);
		return 0;
	}
	ctx->match = match;
	route = match->route;
	/* A secret in the address goes to no other page, this site's included. */
	if (match->token[0] != '\0')
		ctx->resp->referrer_origin_only = 1;

	if (!(route->flags & ROUTE_PUBLIC) && ctx->user == NULL) {
		to_login(ctx, site->program);
		return 0;
	}
	if (((route->flags & ROUTE_SUPER_ADMIN) && ctx->user->role != ROLE_SUPER_ADMIN) ||
	    ((route->flags & ROUTE_ACCOUNT_ACCESS) && !user_may_access_account(ctx->user))) {
		page_refuse(ctx, ST_FORBIDDEN, "permission.denied", page_logged_path(ctx), "not_allowed");
		return 0;
	}
	if (req->method == METHOD_POST) {
		if (!csrf_same_origin(ctx->conf, req)) {
			page_refuse(ctx, ST_FORBIDDEN, "csrf.failure", page_logged_path(ctx), "cross_site");
			return 0;
		}
		if (!csrf_valid(ctx)) {
			page_refuse(ctx, ST_FORBIDDEN, "csrf.failure", page_logged_path(ctx), "bad_token");
			return 0;
		}
	}
	if (route->query != NULL) {
		if (route->query->count > query_max ||
		    form_validate(route->query, &req->query, query_values, &bad_field) != ST_OK) {
			page_error(ctx, ST_BAD_REQUEST, "bad_field");
			return 0;
		}
		ctx->query = query_values;
	}
	if (route->body != NULL && req->method == METHOD_POST) {
		if (route->body->count > form_max ||
		    form_validate(route->body, &req->form, form_values, &bad_field) != ST_OK) {
			page_error(ctx, ST_BAD_REQUEST, "bad_field");
			return 0;
		}
		ctx->form = form_values;
	}
	return 1;
}

/* The request's transaction ends here, and only here: committed when the answer
 * is not an error, rolled back when it is.  A commit that fails replaces the
 * answer (its cookies and Location too) with an error page. */
static int finish_transaction(struct ctx *ctx)
{
	enum status st;
	int depth = db_transaction_depth(ctx->db);

	if (depth == 0)
		return 1;
	if (depth > 1) {
		log_error("%s left %d transactions open; rolled back", page_logged_path(ctx), depth - 1);
		while (db_transaction_depth(ctx->db) > 0)
			db_rollback(ctx->db);
		resp_reset(ctx->resp);
		page_error(ctx, ST_INTERNAL, NULL);
		return 0;
	}
	if (ctx->resp->status >= 400) {
		db_rollback(ctx->db);
		return 0;
	}
	if ((st = db_commit(ctx->db)) != ST_OK) {
		resp_reset(ctx->resp);
		page_error(ctx, st == ST_UNAVAILABLE ? ST_UNAVAILABLE : ST_INTERNAL, NULL);
		return 0;
	}
	return 1;
}

static void dispatch(struct site *site, struct ctx *ctx)
{
	struct route_match match;
	struct session session;
	struct user user;
	struct field_value query_values[32], form_values[32];
	enum status st;
	int committed;

	/* A page that only reads does so from one snapshot. */
	if (ctx->req->method != METHOD_POST)
		db_begin_read(ctx->db);
	/* Who is asking is known before anything is refused, so that even an error
	 * page speaks the user's language and shows their menu. */
	if ((st = load_session(ctx, &session, &user)) != ST_OK) {
		page_error(ctx, ST_UNAVAILABLE, NULL);
		return;
	}
	choose_language(ctx);
	if (!admit(site, ctx, &match, query_values, ARRAY_LEN(query_values), form_values,
		   ARRAY_LEN(form_values)))
		return;
	if (ctx->req->method == METHOD_POST && !(match.route->flags & ROUTE_SLOW_WORK) &&
	    (st = page_write(ctx)) != ST_OK) {
		page_error(ctx, st, NULL);
		return;
	}
	match.route->handler(ctx);
	committed = finish_transaction(ctx);
	if (db_take_after_commit(ctx->db) & DB_AFTER_WAKE_WORKER)
		outbox_poke(ctx->conf->worker_wakeup);
	if (committed && ctx->after_commit != NULL && ctx->resp->status < 400)
		ctx->after_commit(ctx);
}

/* The answer's buffers, kept from one request to the next: a page's body grew
 * to its 16 KiB a doubling at a time, then was copied whole behind its head.
 * Kept, they have the size they need from the second request on, and the body
 * goes out where it was written.  A rare large one is not kept: a worker's
 * memory stays that of its usual pages. */
#define KEPT_BODY_MAX (256 * 1024)
static struct buf kept_head, kept_body;

void dispatch_request(void *arg, const struct req_source *src, const struct sink *sink)
{
	struct site *site = arg;
	struct req req;
	struct resp resp;
	struct ctx ctx;
	enum status st;
	HDF *hdf;

	log_begin_request();
	resp_init(&resp);
	resp.body = kept_body;
	buf_reset(&resp.body);
	if (hdf_init(&hdf) != STATUS_OK)
		abort();
	memset(&ctx, 0, sizeof(ctx));
	ctx.conf = site->conf;
	ctx.db = site->db;
	ctx.site = site;
	ctx.req = &req;
	ctx.resp = &resp;
	ctx.hdf = hdf;
	ctx.sink = sink;
	ctx.now = now_utc();

	st = req_parse(&req, src, site->conf->base_path, &site->limits);
	choose_language(&ctx);
	if (st != ST_OK)
		page_error(&ctx, st, st == ST_BAD_REQUEST ? "malformed" : NULL);
	else
		dispatch(site, &ctx);
	db_end_read(site->db);
	/* A streamed answer has gone out already, piece by piece. */
	if (!resp.streamed) {
		buf_reset(&kept_head);
		resp_serialize_head(&resp, 1, &kept_head);
		sink->write(sink->ctx, kept_head.data, kept_head.len);
		if (req.method != METHOD_HEAD && resp.body.len > 0)
			sink->write(sink->ctx, resp.body.data, resp.body.len);
	}
	if (resp.body.cap <= KEPT_BODY_MAX) {
		kept_body = resp.body;
		buf_init(&resp.body);
	} else {
		buf_init(&kept_body);
	}
	resp_free(&resp);
	req_free(&req);
	hdf_destroy(&hdf);
	log_end_request();
}
