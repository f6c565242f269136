/* conn_view.c — connections as rows of a page. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn_view.h"
#include "tmpl.h"
#include "util.h"

static const char *const revocation_words[OUTBOX_STATE__MAX] = {
	[OUTBOX_PENDING] = "revocation.pending",
	[OUTBOX_DONE] = "revocation.done",
	[OUTBOX_MANUAL] = "revocation.manual",
	[OUTBOX_FAILED] = "revocation.failed",
};

const char *conn_view_provider_label(const struct ctx *ctx, enum provider p)
{
	return hdf_get_value(ctx->lang, prov_table[p].label_key, prov_table[p].name);
}

const char *conn_view_company(const struct ctx *ctx, enum provider p)
{
	return hdf_get_value(ctx->lang, prov_table[p].company_key, prov_table[p].name);
}

void conn_view_set_words(const struct ctx *ctx, const char *name, const char *key,
			 const struct conn *c)
{
	tmpl_set_words(ctx->hdf, name, ctx->lang, key, "address", c->address, "provider",
		       conn_view_provider_label(ctx, c->provider), "company",
		       conn_view_company(ctx, c->provider), NULL);
}

/* <list>.<i>.<field> set to the words of Lang.<key>. */
static void set_row_words(const struct conn_view_list *l, int i, const char *field,
			  const char *key, const struct conn *c)
{
	char name[96];

	snprintf(name, sizeof(name), "%s.%d.%s", l->name, i, field);
	conn_view_set_words(l->ctx, name, key, c);
}

static void set_row_date(const struct conn_view_list *l, int i, const char *field, time_t t)
{
	char *date = tmpl_date(l->ctx->lang, t);

	tmpl_set_item(l->ctx->hdf, l->name, i, field, date);
	free(date);
}

/* What a row of either list shows about its inbox. */
static void set_identity(const struct conn_view_list *l, int i, const struct conn *c)
{
	HDF *hdf = l->ctx->hdf;
	char id[24];

	snprintf(id, sizeof(id), "%lld", c->id);
	tmpl_set_item(hdf, l->name, i, "id", id);
	tmpl_set_item(hdf, l->name, i, "address", c->address);
	tmpl_set_item(hdf, l->name, i, "provider", prov_table[c->provider].name);
	tmpl_set_item(hdf, l->name, i, "provider_label", conn_view_provider_label(l->ctx, c->provider));
	tmpl_set_item(hdf, l->name, i, "state", conn_state_names[c->state]);
}

/* Who connected a team channel (rule 6 tells them when it goes): their name, or
 * their address when they gave none. */
static void set_connected_by(const struct conn_view_list *l, int i, const struct conn *c)
{
	struct user u;

	if (c->connected_by_user_id > 0 && user_by_id(l->ctx->db, c->connected_by_user_id, &u) == ST_OK)
		tmpl_set_item(l->ctx->hdf, l->name, i, "connected_by", user_display_name(&u));
}

void conn_view_live_row(const struct conn *c, void *arg)
{
	static const struct {
		const char *field;
		enum conn_action action;
	} actions[] = {
		{ "can_disable", CONN_DISABLE },
		{ "can_enable", CONN_ENABLE },
		{ "can_remove", CONN_REMOVE },
	};
	struct conn_view_list *l = arg;
	struct ctx *ctx = l->ctx;
	int i = l->count++;

	set_identity(l, i, c);
	set_row_date(l, i, "since", (time_t)c->connected_at);
	if (c->last_error[0] != '\0') {
		char key[sizeof(c->last_error) + 16];

		snprintf(key, sizeof(key), "conn_error.%s", c->last_error);
		if (hdf_get_valuef(ctx->lang, "Lang.%s", key) == NULL)
			snprintf(key, sizeof(key), "conn_error.other");
		set_row_words(l, i, "last_error", key, c);
	}
	tmpl_set_item(ctx->hdf, l->name, i, "last_error_code", c->last_error_code);
	/* The actions the state allows, and only those. */
	for (size_t k = 0; k < ARRAY_LEN(actions); k++)
		tmpl_set_item(ctx->hdf, l->name, i, actions[k].field,
			      conn_check(c->kind, c->state, actions[k].action) == CONN_ALLOWED ? "1"
											       : "0");
	tmpl_set_item(ctx->hdf, l->name, i, "can_reconnect", conn_can_reconnect(c) ? "1" : "0");
	if (c->kind == CONN_TEAM)
		set_connected_by(l, i, c);
	/* The banner is for inboxes a reconnect brings back, not for one left behind
	 * by a move to another provider. */
	if (c->state == CONN_DISCONNECTED && strcmp(c->last_error, "provider_changed") != 0)
		l->disconnected++;
}

void conn_view_removed_row(const struct conn *c, void *arg)
{
	struct conn_view_list *l = arg;
	struct ctx *ctx = l->ctx;
	int i = l->count++;

	set_identity(l, i, c);
	set_row_date(l, i, "removed_on", (time_t)c->state_changed_at);
	if (!c->has_revocation)
		return;
	tmpl_set_item(ctx->hdf, l->name, i, "revocation", outbox_state_names[c->revocation_state]);
	/* At an IMAP server there was never anything to revoke. */
	set_row_words(l, i, "revocation_text",
		      c->provider == PROV_IMAP && c->revocation_state == OUTBOX_MANUAL
			      ? "revocation.nothing"
			      : revocation_words[c->revocation_state],
		      c);
	/* Why the app could not finish, in words, and the provider's code in small type. */
	if (c->revocation_reason[0] != '\0') {
		char key[sizeof(c->revocation_reason) + 24];

		snprintf(key, sizeof(key), "revocation_reason.%s", c->revocation_reason);
		if (hdf_get_valuef(ctx->lang, "Lang.%s", key) != NULL)
			set_row_words(l, i, "revocation_reason", key, c);
	}
	tmpl_set_item(ctx->hdf, l->name, i, "revocation_error", c->revocation_code);
	/* What is left to do by hand: always for Outlook.com and IMAP, and for Google
	 * or Office 365 when the automatic revocation gave up. */
	if (c->revocation_state == OUTBOX_MANUAL || c->revocation_state == OUTBOX_FAILED)
		set_row_words(l, i, "steps", prov_table[c->provider].steps_key, c);
}
