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

/* A row's field set to the words of Lang.<key>. */
static void set_row_words(const struct conn_view_list *l, HDF *row, const char *field,
			  const char *key, const struct conn *c)
{
	const struct ctx *ctx = l->ctx;

	tmpl_set_words(row, field, ctx->lang, key, "address", c->address, "provider",
		       conn_view_provider_label(ctx, c->provider), "company",
		       conn_view_company(ctx, c->provider), NULL);
}

/* What a row of either list shows about its inbox; the row's node, to which the
 * rest of the row is set relative. */
static HDF *set_identity(const struct conn_view_list *l, int i, const struct conn *c)
{
	HDF *row = tmpl_item(l->ctx->hdf, l->name, i);
	char id[24];

	snprintf(id, sizeof(id), "%lld", c->id);
	tmpl_set(row, "id", id);
	tmpl_set(row, "address", c->address);
	tmpl_set(row, "provider", prov_table[c->provider].name);
	tmpl_set(row, "provider_label", conn_view_provider_label(l->ctx, c->provider));
	tmpl_set(row, "state", conn_state_names[c->state]);
	return row;
}

static void set_date(const struct conn_view_list *l, HDF *row, const char *field, time_t t)
{
	char date[TMPL_DATE_SIZE];

	tmpl_date_into(l->ctx->lang, t, date);
	tmpl_set(row, field, date);
}

/* Who connected a team channel (rule 6 tells them when it goes): their name, or
 * their address when they gave none. */
static void set_connected_by(const struct conn_view_list *l, HDF *row, const struct conn *c)
{
	struct user u;

	if (c->connected_by_user_id > 0 && user_by_id(l->ctx->db, c->connected_by_user_id, &u) == ST_OK)
		tmpl_set(row, "connected_by", user_display_name(&u));
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
	HDF *row = set_identity(l, l->count++, c);

	set_date(l, row, "since", (time_t)c->connected_at);
	if (c->last_error[0] != '\0') {
		char key[sizeof(c->last_error) + 16];

		snprintf(key, sizeof(key), "conn_error.%s", c->last_error);
		if (hdf_get_valuef(ctx->lang, "Lang.%s", key) == NULL)
			snprintf(key, sizeof(key), "conn_error.other");
		set_row_words(l, row, "last_error", key, c);
	}
	/* Only what is there and what is allowed: the template reads a missing
	 * value as empty, and every value set is one more node to make and free. */
	if (c->last_error_code[0] != '\0')
		tmpl_set(row, "last_error_code", c->last_error_code);
	for (size_t k = 0; k < ARRAY_LEN(actions); k++)
		if (conn_check(c->kind, c->state, actions[k].action) == CONN_ALLOWED)
			tmpl_set(row, actions[k].field, "1");
	if (conn_can_reconnect(c))
		tmpl_set(row, "can_reconnect", "1");
	if (c->kind == CONN_TEAM)
		set_connected_by(l, row, c);
	/* The banner is for inboxes a reconnect brings back, not for one left behind
	 * by a move to another provider. */
	if (c->state == CONN_DISCONNECTED && strcmp(c->last_error, "provider_changed") != 0)
		l->disconnected++;
}

void conn_view_removed_row(const struct conn *c, void *arg)
{
	struct conn_view_list *l = arg;
	struct ctx *ctx = l->ctx;
	HDF *row = set_identity(l, l->count++, c);

	set_date(l, row, "removed_on", (time_t)c->state_changed_at);
	if (!c->has_revocation)
		return;
	tmpl_set(row, "revocation", outbox_state_names[c->revocation_state]);
	/* At an IMAP server there was never anything to revoke. */
	set_row_words(l, row, "revocation_text",
		      c->provider == PROV_IMAP && c->revocation_state == OUTBOX_MANUAL
			      ? "revocation.nothing"
			      : revocation_words[c->revocation_state],
		      c);
	/* Why the app could not finish, in words, and the provider's code in small type. */
	if (c->revocation_reason[0] != '\0') {
		char key[sizeof(c->revocation_reason) + 24];

		snprintf(key, sizeof(key), "revocation_reason.%s", c->revocation_reason);
		if (hdf_get_valuef(ctx->lang, "Lang.%s", key) != NULL)
			set_row_words(l, row, "revocation_reason", key, c);
	}
	if (c->revocation_code[0] != '\0')
		tmpl_set(row, "revocation_error", c->revocation_code);
	/* What is left to do by hand: always for Outlook.com and IMAP, and for Google
	 * or Office 365 when the automatic revocation gave up. */
	if (c->revocation_state == OUTBOX_MANUAL || c->revocation_state == OUTBOX_FAILED)
		set_row_words(l, row, "steps", prov_table[c->provider].steps_key, c);
}
