/* page.c — answering: templates, error pages, redirects with flash messages. */
#include "config.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "crypto.h"
#include "dispatch.h"
#include "keyring.h"
#include "notify.h"
#include "page.h"
#include "tmpl.h"
#include "util.h"

/* The bell of the top bar: the user's unread notifications (one indexed count
 * per page), and the words a screen reader says for it. */
static void fill_unread(struct ctx *ctx)
{
	long long unread = notify_unread_count(ctx->db, ctx->user->id);
	char count[24];

	if (unread < 0)
		return; /* the page still renders, without its bell's count */
	snprintf(count, sizeof(count), "%lld", unread);
	tmpl_set(ctx->hdf, "User.unread", count);
	tmpl_set_words(ctx->hdf, "User.unread_label", ctx->lang,
		       unread == 0 ? "notify.none_unread"
				   : unread == 1 ? "notify.unread_one" : "notify.unread",
		       "count", count, NULL);
}

/* Values every page's layout reads: where the site and its static files are, the
 * language, who is signed in and the token their forms carry. */
static void fill_layout(struct ctx *ctx)
{
	HDF *h = ctx->hdf;

	tmpl_set(h, "Site.base", ctx->conf->base_path);
	tmpl_set(h, "Site.static", ctx->conf->static_url);
	tmpl_set(h, "Page.lang", ctx->lang_code);
	tmpl_set(h, "Page.path", ctx->req->path ? ctx->req->path : "/");
	if (ctx->match != NULL && ctx->match->route->nav != NULL)
		tmpl_set(h, "Nav.current", ctx->match->route->nav);
	if (ctx->user != NULL) {
		tmpl_set(h, "User.email", ctx->user->email);
		tmpl_set(h, "User.display", user_display_name(ctx->user));
		tmpl_set_int(h, "User.is_super_admin", ctx->user->role == ROLE_SUPER_ADMIN);
		tmpl_set_int(h, "User.may_access_account", user_may_access_account(ctx->user));
		tmpl_set(h, "Csrf.token", ctx->session->csrf_token);
		fill_unread(ctx);
	}
}

/* The flash argument: unpadded base64url back to text.  -1 when it would not
 * fit, or is not UTF-8 text without NUL. */
static int decode_flash_arg(const char *in, size_t in_len, char *out, size_t out_size)
{
	long got;

	if ((in_len + 3) / 4 * 3 > out_size - 1)
		return -1;
	got = crypto_base64url_decode(in, in_len, (uint8_t *)out, out_size - 1);
	if (got < 0 || memchr(out, '\0', (size_t)got) != NULL || !utf8_valid(out, (size_t)got))
		return -1;
	out[got] = '\0';
	return 0;
}

/* The flash cookie holds a message key and an optional argument in base64url,
 * so any address survives the cookie syntax; the template escapes the result. */
static void take_flash(struct ctx *ctx)
{
	const struct param *p = params_get(&ctx->req->cookies, page_cookie_name(ctx, "flash"));
	char key[48], arg[300] = "";
	char *text;
	size_t key_len;

	if (p == NULL)
		return;
	page_set_cookie(ctx, "flash", "", 0, SAME_SITE_LAX);
	key_len = strcspn(p->value, ".");
	if (key_len == 0 || key_len >= sizeof(key))
		return;
	memcpy(key, p->value, key_len);
	key[key_len] = '\0';
	for (size_t i = 0; i < key_len; i++)
		if (!((key[i] >= 'a' && key[i] <= 'z') || key[i] == '_'))
			return;
	if (p->value[key_len] == '.' &&
	    decode_flash_arg(p->value + key_len + 1, p->len - key_len - 1, arg, sizeof(arg)) != 0)
		return;
	{
		char flash_key[64];

		snprintf(flash_key, sizeof(flash_key), "flash.%s", key);
		text = tmpl_words(ctx->lang, flash_key, "arg", arg, NULL);
	}
	if (text != NULL) {
		tmpl_set(ctx->hdf, "Flash.text", text);
		free(text);
	}
}

static void render_with_status(struct ctx *ctx, int status, const char *template_name)
{
	enum status st;

	fill_layout(ctx);
	if (status == 200)
		take_flash(ctx);
	buf_reset(&ctx->resp->body);
	st = tmpl_render(template_name, ctx->hdf, ctx->lang, &ctx->resp->body);
	if (st != ST_OK) {
		/* The templates themselves failed: answer with no template at all. */
		resp_reset(ctx->resp);
		ctx->resp->status = 500;
		resp_header(ctx->resp, "Content-Type", "text/plain; charset=utf-8");
		buf_puts(&ctx->resp->body, "500 Internal Server Error\n");
		return;
	}
	ctx->resp->status = status;
}

void page_render(struct ctx *ctx, const char *template_name)
{
	render_with_status(ctx, 200, template_name);
}

/* Whether a header called name is set already. */
static int has_header(const struct resp *r, const char *name)
{
	size_t n = strlen(name);

	for (const char *line = r->headers.data; line != NULL && *line != '\0';) {
		const char *end = strstr(line, "\r\n");

		if (strncasecmp(line, name, n) == 0 && line[n] == ':')
			return 1;
		if (end == NULL)
			break;
		line = end + 2;
	}
	return 0;
}

void page_error(struct ctx *ctx, enum status st, const char *reason_key)
{
	int code = status_http_code(st);
	char key[64];
	const char *value;

	/* Headers already set (Allow on a 405, Retry-After on a 429) stay. */
	buf_reset(&ctx->resp->body);
	/* A 503 is the store locked past its busy timeout (or a read-only or full
	 * disk): a client may try again shortly. */
	if (code == 503 && !has_header(ctx->resp, "Retry-After"))
		resp_header(ctx->resp, "Retry-After", "5");
	tmpl_set_int(ctx->hdf, "Error.code", code);
	snprintf(key, sizeof(key), "Lang.error.e%d.title", code);
	value = hdf_get_value(ctx->lang, key, NULL);
	tmpl_set(ctx->hdf, "Error.title", value ? value : status_http_reason(code));
	snprintf(key, sizeof(key), "Lang.error.e%d.text", code);
	value = hdf_get_value(ctx->lang, key, NULL);
	if (value != NULL)
		tmpl_set(ctx->hdf, "Error.text", value);
	if (reason_key != NULL) {
		snprintf(key, sizeof(key), "Lang.reason.%s", reason_key);
		value = hdf_get_value(ctx->lang, key, NULL);
		if (value != NULL)
			tmpl_set(ctx->hdf, "Error.reason", value);
	}
	render_with_status(ctx, code, "error.cs");
}

void page_error_titled(struct ctx *ctx, enum status st, const char *title_key)
{
	int code = status_http_code(st);
	char key[80];
	const char *value;

	buf_reset(&ctx->resp->body);
	tmpl_set_int(ctx->hdf, "Error.code", code);
	snprintf(key, sizeof(key), "Lang.%s", title_key);
	value = hdf_get_value(ctx->lang, key, NULL);
	if (value == NULL) {
		snprintf(key, sizeof(key), "Lang.error.e%d.title", code);
		value = hdf_get_value(ctx->lang, key, status_http_reason(code));
	}
	tmpl_set(ctx->hdf, "Error.title", value);
	snprintf(key, sizeof(key), "Lang.error.e%d.text", code);
	if ((value = hdf_get_value(ctx->lang, key, NULL)) != NULL)
		tmpl_set(ctx->hdf, "Error.text", value);
	render_with_status(ctx, code, "error.cs");
}

struct keyring_sealer *page_sealer(struct ctx *ctx)
{
	char err[512];

	if (ctx->site->sealer == NULL) {
		/* The start-up check again (a plain CGI request skips it at start, see
		 * app_main): never a box from a program that can read a private key. */
		if (keyring_check_web(ctx->conf, err, sizeof(err)) == 0)
			ctx->site->sealer = keyring_sealer_new(ctx->conf, err, sizeof(err));
		if (ctx->site->sealer == NULL)
			log_error("cannot seal: %s", err);
	}
	return ctx->site->sealer;
}

const char *page_logged_path(const struct ctx *ctx)
{
	if (ctx->match != NULL && ctx->match->token[0] != '\0')
		return ctx->match->route->pattern;
	return ctx->req->path;
}

const char *page_cookie_name(const struct ctx *ctx, const char *base)
{
	/* Few names: a static table keeps the strings alive for the request. */
	static const char *const names[][2] = {
		{ "session", "__Host-ip_session" },
		{ "login", "__Host-ip_login" },
		{ "flash", "__Host-ip_flash" },
	};

	for (size_t i = 0; i < ARRAY_LEN(names); i++)
		if (strcmp(names[i][0], base) == 0)
			return ctx->conf->secure_cookies ? names[i][1] : names[i][1] + 7;
	return base;
}

void page_set_cookie(struct ctx *ctx, const char *base, const char *value, long max_age,
		     enum same_site same_site)
{
	struct cookie c = {
		.name = page_cookie_name(ctx, base),
		.value = value,
		/* __Host- cookies must be on "/"; the site has no other cookies to collide with. */
		.path = "/",
		.max_age = max_age,
		.secure = ctx->conf->secure_cookies,
		.same_site = same_site,
	};

	resp_cookie(ctx->resp, &c);
}

char *page_url_escape(const char *s)
{
	char *escaped = curl_easy_escape(NULL, s, (int)strlen(s));
	char *copy;

	if (escaped == NULL)
		return xstrdup("");
	copy = xstrdup(escaped);
	curl_free(escaped);
	return copy;
}

void page_redirect(struct ctx *ctx, const char *path, const char *flash_key, const char *flash_arg)
{
	char *location = xasprintf("%s%s", ctx->conf->base_path, path);

	if (flash_key != NULL) {
		struct buf value;

		buf_init(&value);
		buf_puts(&value, flash_key);
		if (flash_arg != NULL && *flash_arg != '\0' && strlen(flash_arg) < 200) {
			char encoded[300];

			crypto_base64url((const uint8_t *)flash_arg, strlen(flash_arg), encoded);
			buf_printf(&value, ".%s", encoded);
		}
		page_set_cookie(ctx, "flash", value.data, 60, SAME_SITE_LAX);
		buf_free(&value);
	}
	resp_see_other(ctx->resp, location);
	free(location);
}

void page_stream_start(struct ctx *ctx)
{
	struct buf head;

	buf_init(&head);
	resp_serialize_head(ctx->resp, 0, &head);
	ctx->sink->write(ctx->sink->ctx, head.data, head.len);
	buf_free(&head);
	ctx->resp->streamed = 1;
}

void page_stream_write(struct ctx *ctx, const char *data, size_t len)
{
	if (ctx->req->method != METHOD_HEAD && len > 0)
		ctx->sink->write(ctx->sink->ctx, data, len);
}

struct audit_actor page_actor(const struct ctx *ctx)
{
	struct audit_actor a = {
		.user_id = ctx->user ? ctx->user->id : 0,
		.name = ctx->user ? ctx->user->email : "anonymous",
		.client_addr = ctx->req->remote_addr ? ctx->req->remote_addr : "",
	};

	return a;
}

enum status page_write(struct ctx *ctx)
{
	if (db_transaction_depth(ctx->db) > 0)
		return ST_OK;
	return db_begin_write(ctx->db);
}

enum status page_audit(struct ctx *ctx, const char *action, const char *target, const char *detail)
{
	struct audit_actor a = page_actor(ctx);

	return audit_write(ctx->db, &a, ctx->now, action, target, detail);
}

/* Refusals are audited once a minute per action and user (or client address for
 * someone not signed in); the others go to the program's log only. */
#define REFUSALS_AUDITED_EVERY 60 /* seconds */

void page_refuse(struct ctx *ctx, enum status st, const char *action, const char *target,
		 const char *reason_key)
{
	struct audit_actor a = page_actor(ctx);
	int written = 1;
	enum status rc;

	if (db_transaction_depth(ctx->db) > 0) {
		log_error("%s: refused after it began writing; %s not audited", page_logged_path(ctx), action);
	} else if ((rc = db_begin_write(ctx->db)) != ST_OK) {
		log_error("%s: cannot audit %s: the database is busy", page_logged_path(ctx), action);
	} else {
		rc = audit_write_refusal(ctx->db, &a, ctx->now, action, target, reason_key,
					 REFUSALS_AUDITED_EVERY, &written);
		if (rc == ST_OK)
			rc = db_commit(ctx->db);
		else
			db_rollback(ctx->db);
		if (rc != ST_OK)
			log_error("%s: cannot audit %s", page_logged_path(ctx), action);
		else if (!written)
			log_info("%s by %s from %s on %s (%s); audited once a minute", action, a.name,
				 a.client_addr, page_logged_path(ctx), reason_key);
	}
	page_error(ctx, st, reason_key);
}
