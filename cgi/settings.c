/* settings.c — Settings › General › Email: the signed-in user's own inboxes, with
 * disable, enable and remove (rules 1–3 and 11–13 of DESIGN.md); connecting one
 * is connect.c's.
 *
 * The inboxpanel-settings program.  Every page here is the user's own: another
 * user's inbox answers 404 as if it did not exist. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "app.h"
#include "conn.h"
#include "connect.h"
#include "imap_connect.h"
#include "conn_view.h"
#include "page.h"
#include "tmpl.h"
#include "util.h"

/* The signed-in user's own inboxes: another user's are "not found". */
static struct conn_scope my_inboxes(const struct ctx *ctx)
{
	struct conn_scope scope = { CONN_PERSONAL, ctx->user->id };

	return scope;
}

/* GET /settings/email — the user's inboxes, and those removed lately with how
 * their revocation went.  200. */
static void email_list(struct ctx *ctx)
{
	struct conn_scope scope = my_inboxes(ctx);
	struct conn_view_list live = { ctx, "Email.rows", 0, 0, "Email.attention" };
	struct conn_view_list removed = { ctx, "Email.removed", 0, 0, NULL };

	if (conn_each(ctx->db, &scope, CONN_LIVE, ctx->now, conn_view_live_row, &live) != ST_OK ||
	    conn_each(ctx->db, &scope, CONN_RECENTLY_REMOVED, ctx->now, conn_view_removed_row,
		      &removed) != ST_OK) {
		page_error(ctx, ST_INTERNAL, NULL);
		return;
	}
	tmpl_set_int(ctx->hdf, "Email.count", live.count);
	tmpl_set_int(ctx->hdf, "Email.removed_count", removed.count);
	tmpl_set_int(ctx->hdf, "Email.disconnected", live.disconnected);
	page_render(ctx, "email.cs");
}

/* --- confirmations and actions ------------------------------------------------ */

/* A 409 page that says why, naming the mailbox:
 * Lang.reason.conflict_<action>_<state>. */
static void conflict(struct ctx *ctx, enum conn_action action, const struct conn *c)
{
	char key[64];

	snprintf(key, sizeof(key), "reason.conflict_%s_%s", conn_action_names[action],
		 conn_state_names[c->state]);
	if (hdf_get_valuef(ctx->lang, "Lang.%s", key) == NULL)
		snprintf(key, sizeof(key), "reason.conflict");
	tmpl_set_words(ctx->hdf, "Error.reason", ctx->lang, key, "address", c->address, NULL);
	/* The way forward, one click away: disable before remove. */
	if (action == CONN_REMOVE && c->state == CONN_CONNECTED) {
		char url[96];

		snprintf(url, sizeof(url), "/settings/email/%lld/disable", c->id);
		tmpl_set(ctx->hdf, "Error.next_url", url);
		tmpl_set(ctx->hdf, "Error.next_label", hdf_get_value(ctx->lang, "Lang.email.disable_first", ""));
	}
	page_error(ctx, ST_CONFLICT, NULL);
}

/* GET /settings/email/{id}/disable and /remove — the confirmation, a page of its
 * own: it names the mailbox and says what stops, what is deleted, what is revoked
 * where, and what is left to do by hand (rule 12).  200; 303 to the list when it
 * is done already; 404; 409 when the state does not allow the action. */
static void confirm_page(struct ctx *ctx, enum conn_action action)
{
	const char *name = conn_action_names[action];
	struct conn_scope scope = my_inboxes(ctx);
	struct conn c;
	char key[64], url[96];
	enum status st;

	st = conn_find(ctx->db, &scope, ctx->match->ids[0], &c);
	if (st != ST_OK) {
		page_error(ctx, st, NULL);
		return;
	}
	switch (conn_check(c.kind, c.state, action)) {
	case CONN_ALLOWED:
		break;
	case CONN_ALREADY_DONE:
		/* Nothing to confirm (a second tab, the back button): show where it is. */
		page_redirect(ctx, "/settings/email", NULL, NULL);
		return;
	case CONN_REFUSED:
		conflict(ctx, action, &c);
		return;
	}
	snprintf(key, sizeof(key), "confirm.%s.title", name);
	tmpl_set_words(ctx->hdf, "Confirm.title", ctx->lang, key, "address", c.address, NULL);
	/* The sentences of what happens, in order; remove has one per revocation kind. */
	for (int i = 0;; i++) {
		char out[48];

		snprintf(key, sizeof(key), "confirm.%s.%s.%d", name,
			 action == CONN_REMOVE ? prov_table[c.provider].name : "all", i);
		if (hdf_get_valuef(ctx->lang, "Lang.%s", key) == NULL)
			break;
		snprintf(out, sizeof(out), "Confirm.points.%d", i);
		conn_view_set_words(ctx, out, key, &c);
	}
	if (action == CONN_REMOVE && conn_view_has_manual_steps(c.provider))
		tmpl_set(ctx->hdf, "Confirm.steps", prov_table[c.provider].name);
	snprintf(key, sizeof(key), "Lang.confirm.%s.button", name);
	tmpl_set(ctx->hdf, "Confirm.button", hdf_get_value(ctx->lang, key, ""));
	snprintf(url, sizeof(url), "/settings/email/%lld/%s", c.id, name);
	tmpl_set(ctx->hdf, "Confirm.action", url);
	tmpl_set(ctx->hdf, "Confirm.kind", name);
	tmpl_set(ctx->hdf, "Confirm.address", c.address);
	tmpl_set(ctx->hdf, "Confirm.provider", prov_table[c.provider].name);
	tmpl_set(ctx->hdf, "Confirm.provider_label", conn_view_provider_label(ctx, c.provider));
	page_render(ctx, "email_confirm.cs");
}

/* POST /settings/email/{id}/disable, /enable, /remove — applies the action, with
 * its audit row (and, for remove, the revocation job), in the request's
 * transaction, then 303 to the list with a flash message.  Doing it again when
 * it is done already changes nothing and answers the same 303; 404 for another
 * user's inbox; 409 when the state forbids it. */
static void apply(struct ctx *ctx, enum conn_action action)
{
	struct audit_actor actor = page_actor(ctx);
	struct conn_scope scope = my_inboxes(ctx);
	struct conn after;
	char flash[32];
	int changed;
	enum status st;

	st = conn_apply(ctx->db, &actor, &scope, ctx->match->ids[0], action, ctx->now, &after,
			&changed);
	if (st == ST_CONFLICT) {
		conflict(ctx, action, &after);
		return;
	}
	if (st != ST_OK) {
		page_error(ctx, st, NULL);
		return;
	}
	if (action == CONN_REMOVE)
		snprintf(flash, sizeof(flash), "removed_%s",
			 prov_table[after.provider].revocation == PROV_REVOKE_MANUAL ? "manual"
										      : "auto");
	else
		snprintf(flash, sizeof(flash), "%sd", conn_action_names[action]);
	page_redirect(ctx, "/settings/email", flash, after.address);
}

static void disable_form(struct ctx *ctx)
{
	confirm_page(ctx, CONN_DISABLE);
}

static void disable(struct ctx *ctx)
{
	apply(ctx, CONN_DISABLE);
}

static void enable(struct ctx *ctx)
{
	apply(ctx, CONN_ENABLE);
}

static void remove_form(struct ctx *ctx)
{
	confirm_page(ctx, CONN_REMOVE);
}

static void remove_inbox(struct ctx *ctx)
{
	apply(ctx, CONN_REMOVE);
}

/* GET /settings/email/{id}/revocation — how the revocation of a removed inbox
 * is going, as JSON in the reader's language, for the card's script to poll.
 * 200; 404 for another user's inbox or one without a revocation. */
static void revocation_status(struct ctx *ctx)
{
	struct conn_scope scope = my_inboxes(ctx);
	struct conn c;
	enum status st = conn_find(ctx->db, &scope, ctx->match->ids[0], &c);

	if (st != ST_OK) {
		page_error(ctx, st, NULL);
		return;
	}
	conn_view_revocation_json(ctx, &c);
}

/* POST /settings/email/{id}/steps-done — the user did the steps left to do by
 * hand at the provider: the card remembers it, with an audit row.  303 to the
 * list (again: the same 303, nothing changed); 404; 409 when no step waits. */
static void steps_done(struct ctx *ctx)
{
	struct conn_scope scope = my_inboxes(ctx);
	struct conn c;
	enum status st = conn_view_steps_done(ctx, &scope, ctx->match->ids[0], &c);

	if (st != ST_OK) {
		page_error(ctx, st, st == ST_CONFLICT ? "no_steps_left" : NULL);
		return;
	}
	page_redirect(ctx, "/settings/email", "steps_done", c.address);
}

/* GET /settings/email/connect — the providers an inbox can be connected through.
 * 200. */
static void connect_choice(struct ctx *ctx)
{
	for (int p = 0; p < PROV__MAX; p++) {
		tmpl_set_item(ctx->hdf, "Connect.providers", p, "name", prov_table[p].name);
		tmpl_set_item(ctx->hdf, "Connect.providers", p, "label",
			      conn_view_provider_label(ctx, (enum provider)p));
	}
	page_render(ctx, "email_connect.cs");
}

/* --- language -------------------------------------------------------------------- */

static const char *const language_choices[] = { "en", "fr", NULL };
enum { LANGUAGE_CODE, LANGUAGE_NEXT };
static const struct field language_fields[] = {
	{ "language", FIELD_CHOICE, 1, 0, 0, language_choices },
	{ "next", FIELD_LOCAL_PATH, 0, 0, 1024, NULL },
};
static const struct form language_form = FORM(language_fields);

/* POST /settings/language — the language the panel speaks to this user, whatever
 * the browser says, from the switch in the top bar; back to the page it was
 * chosen on.  303. */
static void set_language(struct ctx *ctx)
{
	const char *code = language_choices[ctx->form[LANGUAGE_CODE].choice];
	const struct field_value *next = &ctx->form[LANGUAGE_NEXT];
	char target[32];

	snprintf(target, sizeof(target), "user:%lld", ctx->user->id);
	if (user_set_language(ctx->db, ctx->user->id, code, ctx->now) != ST_OK ||
	    page_audit(ctx, "user.language", target, code) != ST_OK) {
		page_error(ctx, ST_INTERNAL, NULL);
		return;
	}
	page_redirect(ctx, next->present ? next->str : "/settings/email", "language", NULL);
}

static const struct route routes[] = {
	{ METHOD_GET, "/settings/email", email_list, 0, NULL, NULL, "email" },
	{ METHOD_GET, "/settings/email/connect", connect_choice, 0, NULL, NULL, "email" },
	/* IMAP before {word}: a form of its own; the login at the server is slow work. */
	{ METHOD_GET, "/settings/email/connect/imap", imap_connect_page, 0, NULL, NULL, "email" },
	{ METHOD_POST, "/settings/email/connect/imap", imap_connect, ROUTE_SLOW_WORK, NULL,
	  &imap_connect_form, "email" },
	{ METHOD_GET, "/settings/email/connect/{word}", connect_scopes_page, 0, NULL, NULL, "email" },
	{ METHOD_POST, "/settings/email/connect/{word}", connect_start, 0, NULL, NULL, "email" },
	/* The code exchange is a call to the provider: no write lock while it runs. */
	{ METHOD_GET, "/oauth/callback", connect_callback, ROUTE_SLOW_WORK, NULL, NULL, "email" },
	{ METHOD_GET, "/settings/email/{id}/disable", disable_form, 0, NULL, NULL, "email" },
	{ METHOD_POST, "/settings/email/{id}/disable", disable, 0, NULL, NULL, "email" },
	{ METHOD_POST, "/settings/email/{id}/enable", enable, 0, NULL, NULL, "email" },
	{ METHOD_GET, "/settings/email/{id}/reconnect", reconnect_scopes_page, 0, NULL, NULL, "email" },
	{ METHOD_POST, "/settings/email/{id}/reconnect", reconnect_start, 0, NULL, NULL, "email" },
	{ METHOD_GET, "/settings/email/{id}/remove", remove_form, 0, NULL, NULL, "email" },
	{ METHOD_POST, "/settings/email/{id}/remove", remove_inbox, 0, NULL, NULL, "email" },
	{ METHOD_GET, "/settings/email/{id}/revocation", revocation_status, 0, NULL, NULL, "email" },
	{ METHOD_POST, "/settings/email/{id}/steps-done", steps_done, 0, NULL, NULL, "email" },
	{ METHOD_POST, "/settings/language", set_language, 0, NULL, &language_form, NULL },
};

int main(int argc, char **argv)
{
	static const struct program program = { "inboxpanel-settings", routes, ARRAY_LEN(routes) };

	return app_main(argc, argv, &program);
}
