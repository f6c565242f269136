/* imap_connect.c — connecting an inbox with an IMAP server's user name and
 * password: the form, and its POST, which checks the server's address, logs in
 * there before anything is stored, and stores the inbox with its password
 * sealed for the worker.
 *
 * Pages of the inboxpanel-settings program (its route table is in settings.c). */
#include "config.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "imap.h"
#include "imap_connect.h"
#include "imap_limit.h"
#include "netcheck.h"
#include "page.h"
#include "seal_store.h"
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

/* The form, filled with e when the user sent one (never the password), with
 * the sentence Lang.imap.error.<error> about field error_field above it.
 * 200: the form is the page the user is on, as the sign-in form is after a
 * wrong password; nothing was stored. */
static void form_page(struct ctx *ctx, const struct entry *e, const char *error,
		      const char *error_field)
{
	char key[64];

	tmpl_set(ctx->hdf, "Imap.action", "/settings/email/connect/imap");
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

/* GET /settings/email/connect/imap — the form: address, server, port (993),
 * security (TLS, or STARTTLS), user name, password.  200. */
void imap_connect_page(struct ctx *ctx)
{
	form_page(ctx, NULL, NULL, NULL);
}

/* The address is in the list already through IMAP: 409, naming it; nothing
 * changes (the list is where it is disabled or removed). */
static void already_listed(struct ctx *ctx, const char *address)
{
	tmpl_set_words(ctx->hdf, "Error.reason", ctx->lang, "imap.already", "address", address,
		       NULL);
	tmpl_set(ctx->hdf, "Error.next_url", "/settings/email");
	tmpl_set(ctx->hdf, "Error.next_label", hdf_get_value(ctx->lang, "Lang.error.back", ""));
	page_error(ctx, ST_CONFLICT, NULL);
}

/* The connection, its sealed password and its audit row, in the one
 * transaction the dispatcher commits; 303 to the list with a flash. */
static void store(struct ctx *ctx, const struct entry *e, struct keyring_sealer *sealer)
{
	struct conn_scope scope = { CONN_PERSONAL, ctx->user->id };
	struct conn_new c = {
		.kind = CONN_PERSONAL,
		.owner_user_id = ctx->user->id,
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
	struct conn existing;
	char target[40];
	long long id;
	enum status st;

	if ((st = page_write(ctx)) != ST_OK) {
		page_error(ctx, st, NULL);
		return;
	}
	/* Asked again under the write lock: a second tab may have got there first. */
	st = conn_find_live_address(ctx->db, &scope, PROV_IMAP, e->address, &existing);
	if (st == ST_OK) {
		already_listed(ctx, e->address);
		return;
	}
	if (st != ST_NOT_FOUND || (st = conn_insert(ctx->db, &c, &id)) != ST_OK ||
	    (st = seal_store_connection_secret(ctx->db, sealer, id, (const uint8_t *)e->password,
					       strlen(e->password))) != ST_OK) {
		page_error(ctx, ST_INTERNAL, NULL);
		return;
	}
	snprintf(target, sizeof(target), "connection:%lld", id);
	if ((st = page_audit(ctx, "email.connect", target, e->address)) != ST_OK) {
		page_error(ctx, st, NULL);
		return;
	}
	page_redirect(ctx, "/settings/email", "connected", e->address);
}

/* Counts this login against the user's limit (Imap.max_logins in
 * Imap.login_window) in a transaction of its own, committed before the panel
 * connects to the server.  ST_OK; otherwise the answer is made: 429 with Retry-After
 * and a page that says when, the refusal audited (once a minute at most). */
static enum status count_login(struct ctx *ctx)
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
		tmpl_set(ctx->hdf, "Error.next_url", "/settings/email");
		tmpl_set(ctx->hdf, "Error.next_label", hdf_get_value(ctx->lang, "Lang.error.back", ""));
		snprintf(target, sizeof(target), "user:%lld", ctx->user->id);
		page_refuse(ctx, ST_TOO_MANY, "imap.throttled", target, "imap_throttled");
	} else if (st != ST_OK) {
		page_error(ctx, st, NULL);
	}
	return st;
}

/* POST /settings/email/connect/imap — checks the server's name and where it
 * leads (no loopback, private, link-local, ... address unless Imap.allow_private),
 * logs in there with libcurl, with no write lock held, then stores the inbox:
 * 303 to the list.  When the server or the login fails, the form again with
 * what the server answered in words, the password excepted: 200, nothing
 * stored.  A port other than 993 and 143 is refused the same way unless
 * Imap.any_port is set.  400 for a form that does not read (the dispatcher);
 * 409 when the address is listed already through IMAP; 429 past the user's
 * limit of logins (count_login). */
void imap_connect(struct ctx *ctx)
{
	struct conn_scope scope = { CONN_PERSONAL, ctx->user->id };
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
		form_page(ctx, &e, "password_line_break", "password");
		goto out;
	}
	if (!netcheck_host_valid(e.host)) {
		form_page(ctx, &e, "host_invalid", "host");
		goto out;
	}
	if (!ctx->conf->imap_any_port && e.port != DEFAULT_PORT && e.port != STARTTLS_PORT) {
		form_page(ctx, &e, "port_not_imap", "port");
		goto out;
	}
	/* Before any connection: nothing to learn from a server for an inbox that
	 * is listed already. */
	st = conn_find_live_address(ctx->db, &scope, PROV_IMAP, e.address, &existing);
	if (st == ST_OK) {
		already_listed(ctx, e.address);
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
		form_page(ctx, &e, "unknown_host", "host");
		goto out;
	case NETCHECK_PRIVATE:
		log_info("imap connect: %s is on a private network; refused (Imap.allow_private)",
			 e.host);
		form_page(ctx, &e, "private", "host");
		goto out;
	}
	/* Counted and committed before the slow part, whatever comes of it. */
	if (count_login(ctx) != ST_OK)
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
		store(ctx, &e, sealer);
		break;
	case IMAP_BAD_LOGIN:
		form_page(ctx, &e, imap_result_names[login], "password");
		break;
	case IMAP_NO_STARTTLS:
		form_page(ctx, &e, imap_result_names[login], "security");
		break;
	default:
		form_page(ctx, &e, imap_result_names[login], "host");
		break;
	}
out:
	entry_clear(&e);
}
