/* settings.c — Settings › General › Email: the signed-in user's own inboxes, with
 * disable, enable and remove (rules 1–3 and 11–13 of DESIGN.md).
 *
 * The inboxpanel-settings program.  Every page here is the user's own: another
 * user's inbox answers 404 as if it did not exist. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "app.h"
#include "conn.h"
#include "outbox.h"
#include "page.h"
#include "tmpl.h"
#include "util.h"

static const char *const revocation_words[OUTBOX_STATE__MAX] = {
	[OUTBOX_PENDING] = "revocation.pending",
	[OUTBOX_DONE] = "revocation.done",
	[OUTBOX_MANUAL] = "revocation.manual",
	[OUTBOX_FAILED] = "revocation.failed",
};

static const char *provider_label(struct ctx *ctx, enum provider p)
{
	return hdf_get_valuef(ctx->lang, "Lang.provider.%s", prov_names[p]);
}

/* Who holds the access: "Google", "Microsoft", "the IMAP server". */
static const char *provider_company(struct ctx *ctx, enum provider p)
{
	return hdf_get_valuef(ctx->lang, "Lang.company.%s", prov_names[p]);
}

/* Sets <list>.<i>.<field> to the words of Lang.<key>, with {address} and
 * {provider} filled from c. */
static void set_conn_words(struct ctx *ctx, const char *list, int i, const char *field,
			   const char *key, const struct conn *c)
{
	char name[96];

	snprintf(name, sizeof(name), "%s.%d.%s", list, i, field);
	tmpl_set_words(ctx->hdf, name, ctx->lang, key, "address", c->address, "provider",
		       provider_label(ctx, c->provider), "company", provider_company(ctx, c->provider),
		       NULL);
}

static void set_date(struct ctx *ctx, const char *list, int i, const char *field, time_t t)
{
	char *date = tmpl_date(ctx->lang, t);

	tmpl_set_item(ctx->hdf, list, i, field, date);
	free(date);
}

/* What a row of either table shows about its inbox. */
static void set_conn(struct ctx *ctx, const char *list, int i, const struct conn *c)
{
	char id[24];

	snprintf(id, sizeof(id), "%lld", c->id);
	tmpl_set_item(ctx->hdf, list, i, "id", id);
	tmpl_set_item(ctx->hdf, list, i, "address", c->address);
	tmpl_set_item(ctx->hdf, list, i, "provider", prov_names[c->provider]);
	tmpl_set_item(ctx->hdf, list, i, "provider_label", provider_label(ctx, c->provider));
	tmpl_set_item(ctx->hdf, list, i, "state", conn_state_names[c->state]);
}

struct listing {
	struct ctx *ctx;
	int n;
	int disconnected;
};

static void live_row(const struct conn *c, void *arg)
{
	static const struct {
		const char *field;
		enum conn_action action;
	} actions[] = {
		{ "can_disable", CONN_DISABLE },
		{ "can_enable", CONN_ENABLE },
		{ "can_remove", CONN_REMOVE },
	};
	struct listing *l = arg;
	struct ctx *ctx = l->ctx;
	int i = l->n++;

	set_conn(ctx, "Email.rows", i, c);
	set_date(ctx, "Email.rows", i, "since", (time_t)c->connected_at);
	if (c->last_error[0] != '\0') {
		char key[sizeof(c->last_error) + 16];

		snprintf(key, sizeof(key), "conn_error.%s", c->last_error);
		if (hdf_get_valuef(ctx->lang, "Lang.%s", key) == NULL)
			snprintf(key, sizeof(key), "conn_error.other");
		set_conn_words(ctx, "Email.rows", i, "last_error", key, c);
	}
	tmpl_set_item(ctx->hdf, "Email.rows", i, "last_error_code", c->last_error_code);
	/* The actions the state allows, and only those. */
	for (size_t k = 0; k < ARRAY_LEN(actions); k++)
		tmpl_set_item(ctx->hdf, "Email.rows", i, actions[k].field,
			      conn_check(c->state, actions[k].action) == CONN_ALLOWED ? "1" : "0");
	if (c->state == CONN_DISCONNECTED)
		l->disconnected++;
}

static void removed_row(const struct conn *c, void *arg)
{
	struct listing *l = arg;
	struct ctx *ctx = l->ctx;
	int i = l->n++;
	char steps[32];

	set_conn(ctx, "Email.removed", i, c);
	set_date(ctx, "Email.removed", i, "removed_on", (time_t)c->state_changed_at);
	if (!c->has_revocation)
		return;
	tmpl_set_item(ctx->hdf, "Email.removed", i, "revocation",
		      outbox_state_names[c->revocation_state]);
	/* At an IMAP server there was never anything to revoke. */
	set_conn_words(ctx, "Email.removed", i, "revocation_text",
		       c->provider == PROV_IMAP && c->revocation_state == OUTBOX_MANUAL
			       ? "revocation.nothing"
			       : revocation_words[c->revocation_state],
		       c);
	tmpl_set_item(ctx->hdf, "Email.removed", i, "revocation_error", c->revocation_error);
	/* What is left to do by hand: always for Outlook.com and IMAP, and for Google
	 * or Office 365 when the automatic revocation gave up. */
	if (c->revocation_state == OUTBOX_MANUAL || c->revocation_state == OUTBOX_FAILED) {
		snprintf(steps, sizeof(steps), "steps.%s", prov_names[c->provider]);
		set_conn_words(ctx, "Email.removed", i, "steps", steps, c);
	}
}

/* GET /settings/email — the user's inboxes, and those removed lately with how
 * their revocation went.  200. */
static void email_list(struct ctx *ctx)
{
	struct listing live = { ctx, 0, 0 }, removed = { ctx, 0, 0 };

	if (conn_each_personal(ctx->db, ctx->user->id, 0, ctx->now, live_row, &live) != ST_OK ||
	    conn_each_personal(ctx->db, ctx->user->id, 1, ctx->now, removed_row, &removed) != ST_OK) {
		page_error(ctx, ST_INTERNAL, NULL);
		return;
	}
	tmpl_set_int(ctx->hdf, "Email.count", live.n);
	tmpl_set_int(ctx->hdf, "Email.removed_count", removed.n);
	tmpl_set_int(ctx->hdf, "Email.disconnected", live.disconnected);
	tmpl_set(ctx->hdf, "Nav.current", "email");
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
	tmpl_set(ctx->hdf, "Nav.current", "email");
	page_error(ctx, ST_CONFLICT, NULL);
}

/* GET /settings/email/{id}/disable and /remove — the confirmation, a page of its
 * own: it names the mailbox and says what stops, what is deleted, what is revoked
 * where, and what is left to do by hand (rule 12).  200; 303 to the list when it
 * is done already; 404; 409 when the state does not allow the action. */
static void confirm_page(struct ctx *ctx, enum conn_action action)
{
	const char *name = conn_action_names[action];
	struct conn c;
	char key[64], url[96];
	enum status st;

	st = conn_find_personal(ctx->db, ctx->user->id, ctx->match->ids[0], &c);
	if (st != ST_OK) {
		page_error(ctx, st, NULL);
		return;
	}
	switch (conn_check(c.state, action)) {
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
			 action == CONN_REMOVE ? prov_names[c.provider] : "all", i);
		if (hdf_get_valuef(ctx->lang, "Lang.%s", key) == NULL)
			break;
		snprintf(out, sizeof(out), "Confirm.points.%d", i);
		tmpl_set_words(ctx->hdf, out, ctx->lang, key, "address", c.address, "provider",
			       provider_label(ctx, c.provider), "company",
			       provider_company(ctx, c.provider), NULL);
	}
	if (action == CONN_REMOVE && prov_revocation(c.provider) == PROV_REVOKE_MANUAL) {
		snprintf(key, sizeof(key), "steps.%s", prov_names[c.provider]);
		tmpl_set_words(ctx->hdf, "Confirm.steps", ctx->lang, key, NULL);
	}
	snprintf(key, sizeof(key), "Lang.confirm.%s.button", name);
	tmpl_set(ctx->hdf, "Confirm.button", hdf_get_value(ctx->lang, key, ""));
	snprintf(url, sizeof(url), "/settings/email/%lld/%s", c.id, name);
	tmpl_set(ctx->hdf, "Confirm.action", url);
	tmpl_set(ctx->hdf, "Confirm.kind", name);
	tmpl_set(ctx->hdf, "Confirm.address", c.address);
	tmpl_set(ctx->hdf, "Confirm.provider", prov_names[c.provider]);
	tmpl_set(ctx->hdf, "Confirm.provider_label", provider_label(ctx, c.provider));
	tmpl_set(ctx->hdf, "Nav.current", "email");
	page_render(ctx, "email_confirm.cs");
}

/* POST /settings/email/{id}/disable, /enable, /remove — applies the action in one
 * transaction with its audit row (and, for remove, the revocation job), then 303
 * to the list with a flash message.  Doing it again when it is done already
 * changes nothing and answers the same 303; 404 for another user's inbox; 409
 * when the state forbids it. */
static void apply(struct ctx *ctx, enum conn_action action)
{
	struct audit_actor actor = page_actor(ctx);
	struct conn after;
	char flash[32];
	int changed;
	enum status st;

	st = conn_apply_personal(ctx->db, &actor, ctx->user->id, ctx->match->ids[0], action,
				 ctx->now, &after, &changed);
	if (st == ST_CONFLICT) {
		conflict(ctx, action, &after);
		return;
	}
	if (st != ST_OK) {
		page_error(ctx, st, NULL);
		return;
	}
	if (changed && action == CONN_REMOVE && prov_revocation(after.provider) != PROV_REVOKE_MANUAL)
		outbox_poke(ctx->conf->worker_wakeup);
	if (action == CONN_REMOVE)
		snprintf(flash, sizeof(flash), "removed_%s",
			 prov_revocation(after.provider) == PROV_REVOKE_MANUAL ? "manual" : "auto");
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

/* GET /settings/email/connect — the providers an inbox can be connected through.
 * 200. */
static void connect_choice(struct ctx *ctx)
{
	for (int p = 0; p < PROV__MAX; p++) {
		tmpl_set_item(ctx->hdf, "Connect.providers", p, "name", prov_names[p]);
		tmpl_set_item(ctx->hdf, "Connect.providers", p, "label",
			      provider_label(ctx, (enum provider)p));
	}
	tmpl_set(ctx->hdf, "Nav.current", "email");
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
	if (db_begin_write(ctx->db) != ST_OK || user_set_language(ctx->db, ctx->user->id, code) != ST_OK ||
	    page_audit(ctx, "user.language", target, code) != ST_OK || db_commit(ctx->db) != ST_OK) {
		db_rollback(ctx->db);
		page_error(ctx, ST_INTERNAL, NULL);
		return;
	}
	page_redirect(ctx, next->present ? next->str : "/settings/email", "language", NULL);
}

static const struct route routes[] = {
	{ METHOD_GET, "/settings/email", email_list, 0, NULL, NULL },
	{ METHOD_GET, "/settings/email/connect", connect_choice, 0, NULL, NULL },
	{ METHOD_GET, "/settings/email/{id}/disable", disable_form, 0, NULL, NULL },
	{ METHOD_POST, "/settings/email/{id}/disable", disable, 0, NULL, NULL },
	{ METHOD_POST, "/settings/email/{id}/enable", enable, 0, NULL, NULL },
	{ METHOD_GET, "/settings/email/{id}/remove", remove_form, 0, NULL, NULL },
	{ METHOD_POST, "/settings/email/{id}/remove", remove_inbox, 0, NULL, NULL },
	{ METHOD_POST, "/settings/language", set_language, 0, NULL, &language_form },
};

int main(int argc, char **argv)
{
	static const struct program program = { "inboxpanel-settings", routes, ARRAY_LEN(routes) };

	return app_main(argc, argv, &program);
}
