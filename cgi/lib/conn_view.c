/* conn_view.c — connections as rows of a page. */
#include "config.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn_view.h"
#include "page.h"
#include "progress.h"
#include "resp.h"
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

int conn_view_has_manual_steps(enum provider p)
{
	return prov_table[p].revocation == PROV_REVOKE_MANUAL && p != PROV_IMAP;
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
	if (c->state == CONN_DISCONNECTED && strcmp(c->last_error, "provider_changed") != 0) {
		if (l->attention != NULL) {
			HDF *which = tmpl_item(ctx->hdf, l->attention, l->disconnected);

			tmpl_set(which, "id", hdf_get_value(row, "id", ""));
			tmpl_set(which, "address", c->address);
			tmpl_set(which, "provider_label", conn_view_provider_label(ctx, c->provider));
		}
		l->disconnected++;
	}
	/* The reason a badge is not: a short word on the badge, this below it. */
	if (c->state == CONN_DISCONNECTED)
		set_row_words(l, row, "state_note",
			      conn_can_reconnect(c) ? "progress.note_reconnect" : "progress.note_moved", c);
}

/* Where a connection's pages live: its status (GET) and its "Done" (POST). */
static void set_urls(HDF *row, const struct conn *c, int pending, int wants_done)
{
	if (pending) {
		if (c->kind == CONN_TEAM)
			tmpl_setf(row, "status_url", "/inbox/%lld/settings/channels/%lld/revocation",
				  c->inbox_id, c->id);
		else
			tmpl_setf(row, "status_url", "/settings/email/%lld/revocation", c->id);
	}
	if (wants_done) {
		if (c->kind == CONN_TEAM)
			tmpl_setf(row, "done_url", "/inbox/%lld/channels/%lld/steps-done", c->inbox_id,
				  c->id);
		else
			tmpl_setf(row, "done_url", "/settings/email/%lld/steps-done", c->id);
	}
}

/* A pending revocation's progress: when it started, the tries so far, the next
 * one ("next_soon" when it is due already: the worker takes it any moment). */
static void set_progress(const struct ctx *ctx, HDF *row, const struct progress *p)
{
	tmpl_set_time(row, "started", ctx->lang, (time_t)p->started_at);
	tmpl_setf(row, "attempts", "%ld", p->attempts);
	if (p->next_attempt_at > (long long)ctx->now)
		tmpl_set_time(row, "next", ctx->lang, (time_t)p->next_attempt_at);
	else
		tmpl_set(row, "next_soon", hdf_get_value(ctx->lang, "Lang.progress.next_soon", ""));
}

/* What the steps done by hand read as: who said so, and when. */
static void set_manual_done(const struct ctx *ctx, HDF *row, const struct progress *p)
{
	struct user u;
	char date[TMPL_DATE_SIZE];

	tmpl_date_into(ctx->lang, (time_t)p->manual_done_at, date);
	if (p->manual_done_by > 0 && user_by_id(ctx->db, p->manual_done_by, &u) == ST_OK)
		tmpl_set_words(row, "manual_done", ctx->lang, "progress.done_by", "who",
			       user_display_name(&u), "date", date, NULL);
	else
		tmpl_set_words(row, "manual_done", ctx->lang, "progress.done_on", "date", date, NULL);
}

/* A removed card's revocation, relative to its row; the list page and the status
 * endpoint both fill it, so a reload and the script show the same. */
static void set_revocation(const struct ctx *ctx, HDF *row, const struct conn *c)
{
	int by_hand = c->revocation_state == OUTBOX_MANUAL || c->revocation_state == OUTBOX_FAILED;
	int imap = c->provider == PROV_IMAP;
	struct progress p;
	int known = progress_of(ctx->db, c->id, &p) == ST_OK;

	tmpl_set(row, "revocation", outbox_state_names[c->revocation_state]);
	/* At an IMAP server there was never anything to revoke: nothing to do. */
	tmpl_set_words(row, "revocation_text", ctx->lang,
		       imap && c->revocation_state == OUTBOX_MANUAL ? "progress.imap"
								    : revocation_words[c->revocation_state],
		       "company", conn_view_company(ctx, c->provider), "provider",
		       conn_view_provider_label(ctx, c->provider), "address", c->address, NULL);
	tmpl_set(row, "badge", c->revocation_state == OUTBOX_PENDING ? "removing" : "removed");
	tmpl_set(row, "badge_text",
		 hdf_get_valuef(ctx->lang, "Lang.state.%s",
				c->revocation_state == OUTBOX_PENDING ? "removing" : "removed"));
	/* Why the app could not finish, in words, and the provider's code in small type. */
	if (c->revocation_reason[0] != '\0') {
		char key[sizeof(c->revocation_reason) + 24];

		snprintf(key, sizeof(key), "revocation_reason.%s", c->revocation_reason);
		if (hdf_get_valuef(ctx->lang, "Lang.%s", key) != NULL)
			tmpl_set_words(row, "revocation_reason", ctx->lang, key, "company",
				       conn_view_company(ctx, c->provider), NULL);
	}
	if (c->revocation_code[0] != '\0')
		tmpl_set(row, "revocation_error", c->revocation_code);
	if (known && c->revocation_state == OUTBOX_PENDING)
		set_progress(ctx, row, &p);
	/* What is left to do by hand: always for Outlook.com, and for Google or Office
	 * 365 when the automatic revocation gave up; never at an IMAP server. */
	if (by_hand && !imap) {
		tmpl_set(row, "steps", prov_table[c->provider].name);
		if (known && p.manual_done_at != 0)
			set_manual_done(ctx, row, &p);
	}
	set_urls(row, c, c->revocation_state == OUTBOX_PENDING,
		 by_hand && !imap && known && p.manual_done_at == 0);
}

void conn_view_removed_row(const struct conn *c, void *arg)
{
	struct conn_view_list *l = arg;
	HDF *row = set_identity(l, l->count++, c);

	set_date(l, row, "removed_on", (time_t)c->state_changed_at);
	if (c->has_revocation)
		set_revocation(l->ctx, row, c);
}

/* A value of the filled row, or JSON null when it has none. */
static json_t *row_value(HDF *row, const char *name)
{
	const char *v = hdf_get_value(row, name, NULL);

	return v != NULL ? json_string(v) : json_null();
}

void conn_view_revocation_json(struct ctx *ctx, const struct conn *c)
{
	HDF *row = NULL;
	json_t *body;
	char *text;
	NEOERR *err;

	if (!c->has_revocation) {
		page_error(ctx, ST_NOT_FOUND, NULL);
		return;
	}
	if ((err = hdf_init(&row)) != STATUS_OK) {
		nerr_ignore(&err);
		page_error(ctx, ST_INTERNAL, NULL);
		return;
	}
	set_revocation(ctx, row, c);
	body = json_pack("{s:b, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
			 "pending", c->revocation_state == OUTBOX_PENDING,
			 "state", row_value(row, "revocation"),
			 "badge", row_value(row, "badge_text"),
			 "text", row_value(row, "revocation_text"),
			 "started", row_value(row, "started.iso"),
			 "started_text", row_value(row, "started.text"),
			 "attempts", row_value(row, "attempts"),
			 "next", row_value(row, "next.iso"),
			 "next_text", row_value(row, "next.text"),
			 "next_soon", row_value(row, "next_soon"),
			 "reason", row_value(row, "revocation_reason"));
	hdf_destroy(&row);
	text = body != NULL ? json_dumps(body, JSON_COMPACT) : NULL;
	json_decref(body);
	if (text == NULL) {
		page_error(ctx, ST_INTERNAL, NULL);
		return;
	}
	resp_header(ctx->resp, "Content-Type", "application/json");
	buf_puts(&ctx->resp->body, text);
	buf_putc(&ctx->resp->body, '\n');
	free(text);
}

enum status conn_view_steps_done(struct ctx *ctx, const struct conn_scope *scope, long long id,
				 struct conn *c)
{
	char target[40];
	int changed;
	enum status st;

	if ((st = conn_find(ctx->db, scope, id, c)) != ST_OK)
		return st;
	if (c->state != CONN_REMOVED || !c->has_revocation || c->provider == PROV_IMAP)
		return ST_CONFLICT;
	if ((st = progress_mark_manual_done(ctx->db, c->id, ctx->user->id, ctx->now, &changed)) !=
	    ST_OK)
		return st == ST_NOT_FOUND ? ST_CONFLICT : st;
	if (!changed)
		return ST_OK;
	snprintf(target, sizeof(target), "connection:%lld", c->id);
	return page_audit(ctx, c->kind == CONN_TEAM ? "channel.steps_done" : "email.steps_done", target,
			  c->address);
}
