/* imap_connect.c — connecting an inbox with an IMAP server's user name and
 * password: the form, and its POST, which checks the server's address, logs in
 * there before anything is stored, and stores the inbox with its password
 * sealed for the worker.
 *
 * Either scope of conn.h, as connect.c: a user's own inbox (pages of the
 * inboxpanel-settings program, its route table in settings.c) or an email
 * channel of a conversation inbox (inboxpanel-inbox, inbox.c).  The same form,
 * checks, limit and host rule for both; only where it posts and leads differ. */
#include "config.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "conn_view.h"
#include "imap.h"
#include "imap_connect.h"
#include "imap_limit.h"
#include "netcheck.h"
#include "page.h"
#include "seal_store.h"
#include "team.h"
#include "user.h"
#include "tmpl.h"
#include "util.h"

#define DEFAULT_PORT 993
/* STARTTLS's port; the only other one taken unless Imap.any_port is set. */
#define STARTTLS_PORT 143

/* The order of imap_security_names. */
static const char *const security_choices[] = { "imaps", "starttls", NULL };
enum { F_ADDRESS, F_HOST, F_PORT, F_SECURITY, F_USERNAME, F_PASSWORD };
static const struct field imap_fields[] = {
	{ "address", FIELD_EMAIL, 1, 0, 254, NULL },
	{ "host", FIELD_TEXT, 1, 1, NETCHECK_HOST_MAX, NULL },
	{ "port", FIELD_INT, 1, 1, 65535, NULL },
	{ "security", FIELD_CHOICE, 1, 0, 0, security_choices },
	{ "username", FIELD_TEXT, 0, 1, 254, NULL }, /* empty: the address */
	{ "password", FIELD_SECRET, 1, 1, 1024, NULL },
};
const struct form imap_connect_form = FORM(imap_fields);

/* What the form was sent with, as C strings; the password is cleansed by
 * entry_clear. */
struct entry {
	char *address;
	char *host;
	unsigned port;
	enum imap_security security;
	char *username;
	char *password;
};

static void entry_read(const struct ctx *ctx, struct entry *e)
{
	const struct field_value *f = ctx->form;

	e->address = xstrndup(f[F_ADDRESS].str, f[F_ADDRESS].len);
	e->host = xstrndup(f[F_HOST].str, f[F_HOST].len);
	e->port = (unsigned)f[F_PORT].num;
	e->security = (enum imap_security)f[F_SECURITY].choice;
	e->username = f[F_USERNAME].present ? xstrndup(f[F_USERNAME].str, f[F_USERNAME].len)
					    : xstrdup(e->address);
	e->password = xstrndup(f[F_PASSWORD].str, f[F_PASSWORD].len);
}

static void entry_clear(struct entry *e)
{
	OPENSSL_cleanse(e->password, strlen(e->password));
	free(e->address);
	free(e->host);
	free(e->username);
	free(e->password);
	memset(e, 0, sizeof(*e));
}

/* Where the form is: the scope it connects into, its own URL, the list it
 * leads back to and the provider choice it came from. */
struct where {
	struct conn_scope scope;
	char action[96];
	char list[64];
	char chooser[96];
};

static void personal_where(const struct ctx *ctx, struct where *w)
{
	w->scope.kind = CONN_PERSONAL;
	w->scope.id = ctx->user->id;
	snprintf(w->action, sizeof(w->action), "/settings/email/connect/imap");
	snprintf(w->list, sizeof(w->list), "/settings/email");
	snprintf(w->chooser, sizeof(w->chooser), "/settings/email/connect");
}

/* The conversation inbox of the path's {id}: 1 with where its channel goes, or
 * the 404 page and 0.  The dispatcher has checked the permission (the routes
 * are ROUTE_ACCOUNT_ACCESS, the POST as the GET). */
static int team_where(struct ctx *ctx, struct where *w)
{
	struct team_inbox t;
	enum status st = team_inbox_find(ctx->db, ctx->match->ids[0], &t);

	if (st != ST_OK) {
		page_error(ctx, st, NULL);
		return 0;
	}
	w->scope.kind = CONN_TEAM;
	w->scope.id = t.id;
	snprintf(w->action, sizeof(w->action), "/inbox/%lld/channels/connect/imap", t.id);
	snprintf(w->list, sizeof(w->list), "/inbox/%lld/settings/channels", t.id);
	snprintf(w->chooser, sizeof(w->chooser), "/inbox/%lld/channels/connect", t.id);
	tmpl_set_int(ctx->hdf, "Imap.team_id", t.id);
	tmpl_set_words(ctx->hdf, "Imap.team_title", ctx->lang, "connect_more.imap_team_title",
		       "inbox", t.name, NULL);
	return 1;
}

/* The form, filled with e when the user sent one (never the password), with
 * the sentence Lang.imap.error.<error> about field error_field above it.
 * 200: the form is the page the user is on, as the sign-in form is after a
 * wrong password; nothing was stored. */
static void form_page(struct ctx *ctx, const struct where *w, const struct entry *e,
		      const char *error, const char *error_field)
{
	char key[64];

	tmpl_set(ctx->hdf, "Imap.action", w->action);
	tmpl_set(ctx->hdf, "Imap.chooser_url", w->chooser);
	if (e != NULL) {
		tmpl_set(ctx->hdf, "Imap.address", e->address);
		tmpl_set(ctx->hdf, "Imap.host", e->host);
		tmpl_set_int(ctx->hdf, "Imap.port", e->port);
		tmpl_set(ctx->hdf, "Imap.security", imap_security_names[e->security]);
		/* A user name that is the address was most likely left empty. */
		if (strcmp(e->username, e->address) != 0)
			tmpl_set(ctx->hdf, "Imap.username", e->username);
	} else {
		tmpl_set_int(ctx->hdf, "Imap.port", DEFAULT_PORT);
		tmpl_set(ctx->hdf, "Imap.security", imap_security_names[IMAP_IMAPS]);
	}
	if (error != NULL) {
		char port[8];

		snprintf(port, sizeof(port), "%u", e->port);
		snprintf(key, sizeof(key), "imap.error.%s", error);
		tmpl_set_words(ctx->hdf, "Imap.error", ctx->lang, key, "host", e->host, "port", port,
			       "address", e->address, NULL);
		tmpl_set(ctx->hdf, "Imap.error_field", error_field);
	}
	page_render(ctx, "email_connect_imap.cs");
}

/* GET .../connect/imap — the form: address, server, port (993), security (TLS,
 * or STARTTLS), user name, password.  200; 404 for no such conversation inbox. */
void imap_connect_page(struct ctx *ctx)
{
	struct where w;

	personal_where(ctx, &w);
	form_page(ctx, &w, NULL, NULL, NULL);
}

void channel_imap_connect_page(struct ctx *ctx)
{
	struct where w;

	if (team_where(ctx, &w))
		form_page(ctx, &w, NULL, NULL, NULL);
}

/* The address is in the list already through IMAP: 409, naming it; nothing
 * changes (the list is where it is disabled or removed). */
static void already_listed(struct ctx *ctx, const struct where *w, const char *address)
{
	if (w->scope.kind == CONN_TEAM)
		tmpl_set_words(ctx->hdf, "Error.reason", ctx->lang, "channel.already", "address",
			       address, "provider", conn_view_provider_label(ctx, PROV_IMAP), NULL);
	else
		tmpl_set_words(ctx->hdf, "Error.reason", ctx->lang, "imap.already", "address",
			       address, NULL);
	tmpl_set(ctx->hdf, "Error.next_url", w->list);
	tmpl_set(ctx->hdf, "Error.next_label", hdf_get_value(ctx->lang, "Lang.error.back", ""));
	page_error(ctx, ST_CONFLICT, NULL);
}

static int still_may_manage_teams(struct ctx *ctx)
{
	struct user now;

	return user_by_id(ctx->db, ctx->user->id, &now) == ST_OK && !now.deactivated &&
	       user_may_access_account(&now);
}

/* The connection, its sealed password and its audit row, in the one
 * transaction the dispatcher commits, with the provider move of rule 7: the same
 * address live in the scope through an OAuth provider is disconnected, its
 * revocation queued and its owner told.  303 to the list with a flash. */
static void store(struct ctx *ctx, const struct where *w, const struct entry *e,
		  struct keyring_sealer *sealer)
{
	struct audit_actor actor = page_actor(ctx);
	struct conn_new c = {
		.kind = w->scope.kind,
		.owner_user_id = w->scope.kind == CONN_PERSONAL ? w->scope.id : 0,
		.inbox_id = w->scope.kind == CONN_TEAM ? w->scope.id : 0,
		.connected_by_user_id = ctx->user->id,
		.provider = PROV_IMAP,
		.address = e->address,
		.state = CONN_CONNECTED,
		.connected_at = ctx->now,
		.imap_host = e->host,
		.imap_port = e->port,
		.imap_security = imap_security_names[e->security],
		.imap_username = e->username,
	};
	struct conn existing, moved;
	char target[40], flash[48];
	long long id;
	int moved_count;
	enum status st;

	if ((st = page_write(ctx)) != ST_OK) {
		page_error(ctx, st, NULL);
		return;
	}
	/* The login took seconds: a team channel is stored only if its user may
	 * still manage team inboxes now, read again under the write lock. */
	if (w->scope.kind == CONN_TEAM && !still_may_manage_teams(ctx)) {
		db_rollback(ctx->db); /* page_refuse audits in a transaction of its own */
		page_refuse(ctx, ST_FORBIDDEN, "permission.denied", ctx->req->path, "not_allowed");
		return;
	}
	/* Asked again under the write lock: a second tab may have got there first. */
	st = conn_find_live_address(ctx->db, &w->scope, PROV_IMAP, e->address, &existing);
	if (st == ST_OK) {
		already_listed(ctx, w, e->address);
		return;
	}
	if (st != ST_NOT_FOUND ||
	    (st = conn_disconnect_for_provider_move(ctx->db, &actor, &w->scope, PROV_IMAP,
						    e->address, ctx->now, &moved, &moved_count)) !=
		    ST_OK ||
	    (st = conn_insert(ctx->db, &c, &id)) != ST_OK ||
	    (st = seal_store_connection_secret(ctx->db, sealer, id, (const uint8_t *)e->password,
					       strlen(e->password))) != ST_OK) {
		page_error(ctx, ST_INTERNAL, NULL);
		return;
	}
	snprintf(target, sizeof(target), "connection:%lld", id);
	if ((st = page_audit(ctx, w->scope.kind == CONN_TEAM ? "channel.connect" : "email.connect",
			     target, e->address)) != ST_OK) {
		page_error(ctx, st, NULL);
		return;
	}
	if (moved_count > 0)
		snprintf(flash, sizeof(flash), "moved_%s_imap", prov_table[moved.provider].name);
	else
		snprintf(flash, sizeof(flash), "connected");
	page_redirect(ctx, w->list, flash, e->address);
}

/* Counts this login against the user's limit (Imap.max_logins in
 * Imap.login_window) in a transaction of its own, committed before the panel
 * connects to the server.  ST_OK; otherwise the answer is made: 429 with Retry-After
 * and a page that says when, the refusal audited (once a minute at most). */
static enum status count_login(struct ctx *ctx, const struct where *w)
{
	struct imap_limit lim = { ctx->conf->imap_login_window, ctx->conf->imap_max_logins };
	long retry_after = 0;
	enum status st;

	if ((st = page_write(ctx)) != ST_OK) {
		page_error(ctx, st, NULL);
		return st;
	}
	st = imap_limit_begin(ctx->db, ctx->user->id, &lim, ctx->now, &retry_after);
	if (st == ST_OK)
		st = db_commit(ctx->db);
	else
		db_rollback(ctx->db);
	if (st == ST_TOO_MANY) {
		char seconds[24], target[40];

		snprintf(seconds, sizeof(seconds), "%ld", retry_after);
		resp_header(ctx->resp, "Retry-After", seconds);
		tmpl_set_int(ctx->hdf, "Error.retry_minutes", (retry_after + 59) / 60);
		tmpl_set(ctx->hdf, "Error.next_url", w->list);
		tmpl_set(ctx->hdf, "Error.next_label", hdf_get_value(ctx->lang, "Lang.error.back", ""));
		snprintf(target, sizeof(target), "user:%lld", ctx->user->id);
		page_refuse(ctx, ST_TOO_MANY, "imap.throttled", target, "imap_throttled");
	} else if (st != ST_OK) {
		page_error(ctx, st, NULL);
	}
	return st;
}

/* POST .../connect/imap — checks the server's name and where it
 * leads (no loopback, private, link-local, ... address unless Imap.allow_private),
 * logs in there with libcurl, with no write lock held, then stores the inbox:
 * 303 to the list.  When the server or the login fails, the form again with
 * what the server answered in words, the password excepted: 200, nothing
 * stored.  A port other than 993 and 143 is refused the same way unless
 * Imap.any_port is set.  400 for a form that does not read (the dispatcher);
 * 409 when the address is listed already through IMAP; 429 past the user's
 * limit of logins (count_login). */
static void connect_in(struct ctx *ctx, const struct where *w)
{
	struct keyring_sealer *sealer = page_sealer(ctx);
	struct conn existing;
	struct entry e;
	char pin[512];
	enum imap_result login;
	enum status st;

	if (sealer == NULL) {
		page_error(ctx, ST_INTERNAL, NULL);
		return;
	}
	entry_read(ctx, &e);
	/* A line break would end the IMAP LOGIN command early (libcurl quotes
	 * the password, but a quoted string cannot hold one). */
	if (strpbrk(e.password, "\r\n") != NULL) {
		form_page(ctx, w, &e, "password_line_break", "password");
		goto out;
	}
	if (!netcheck_host_valid(e.host)) {
		form_page(ctx, w, &e, "host_invalid", "host");
		goto out;
	}
	if (!ctx->conf->imap_any_port && e.port != DEFAULT_PORT && e.port != STARTTLS_PORT) {
		form_page(ctx, w, &e, "port_not_imap", "port");
		goto out;
	}
	/* Before any connection: nothing to learn from a server for an inbox that
	 * is listed already. */
	st = conn_find_live_address(ctx->db, &w->scope, PROV_IMAP, e.address, &existing);
	if (st == ST_OK) {
		already_listed(ctx, w, e.address);
		goto out;
	}
	if (st != ST_NOT_FOUND) {
		page_error(ctx, ST_INTERNAL, NULL);
		goto out;
	}
	switch (netcheck_resolve(e.host, e.port, (int)ctx->conf->imap_allow_private, pin,
				 sizeof(pin))) {
	case NETCHECK_OK:
		break;
	case NETCHECK_UNKNOWN_HOST:
		form_page(ctx, w, &e, "unknown_host", "host");
		goto out;
	case NETCHECK_PRIVATE:
		log_info("imap connect: %s is on a private network; refused (Imap.allow_private)",
			 e.host);
		form_page(ctx, w, &e, "private", "host");
		goto out;
	}
	/* Counted and committed before the slow part, whatever comes of it. */
	if (count_login(ctx, w) != ST_OK)
		goto out;
	{
		struct imap_server server = {
			.host = e.host,
			.port = e.port,
			.security = e.security,
			.pin = pin,
			.ca_file = ctx->conf->imap_ca_file,
			.connect_timeout = ctx->conf->worker_connect_timeout,
			.timeout = ctx->conf->worker_timeout,
		};

		login = imap_login(&server, e.username, e.password);
	}
	switch (login) {
	case IMAP_OK:
		store(ctx, w, &e, sealer);
		break;
	case IMAP_BAD_LOGIN:
		form_page(ctx, w, &e, imap_result_names[login], "password");
		break;
	case IMAP_NO_STARTTLS:
		form_page(ctx, w, &e, imap_result_names[login], "security");
		break;
	default:
		form_page(ctx, w, &e, imap_result_names[login], "host");
		break;
	}
out:
	entry_clear(&e);
}

void imap_connect(struct ctx *ctx)
{
	struct where w;

	personal_where(ctx, &w);
	connect_in(ctx, &w);
}

void channel_imap_connect(struct ctx *ctx)
{
	struct where w;

	if (team_where(ctx, &w))
		connect_in(ctx, &w);
}
