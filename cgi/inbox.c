/* inbox.c — Conversations › Inbox: the account's conversation inboxes, each
 * inbox's email channels (Inbox settings › Channels) with delete after a
 * confirmation, and, for super admins, every connection of the account in one
 * list (rules 5, 6, 11 and 12 of DESIGN.md).  Connecting a channel, or bringing a
 * dead one back, is connect.c's, as for a personal inbox.
 *
 * The inboxpanel-inbox program.  Its pages are for super admins and users with
 * account access (the route flags; anyone else gets 403 before any row is
 * read); a channel of another conversation inbox, or a personal inbox's id,
 * answers 404 as if it did not exist.  /admin/connections lives here rather than
 * beside /admin/audit: it reads connections, the matter of this program, and
 * shares its way of showing them. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "conn.h"
#include "conn_list.h"
#include "conn_view.h"
#include "connect.h"
#include "imap_connect.h"
#include "notify.h"
#include "page.h"
#include "team.h"
#include "tmpl.h"
#include "util.h"

static void set_count_words(struct ctx *ctx, const char *name, const char *key, long long n)
{
	tmpl_set_count_words(ctx->hdf, name, ctx->lang, ctx->lang_code, key, n);
}

/* --- the conversation inboxes -------------------------------------------------- */

struct inbox_listing {
	struct ctx *ctx;
	int n;
	int attention; /* rows of all inboxes that need a reconnect (the banner) */
	char row[32];  /* "Inbox.rows.<n>", of the inbox being filled */
	int needs;     /* its channels that need attention so far */
};

/* A channel that needs a person: its provider refused the panel's access. */
static void attention_row(const struct conn *c, void *arg)
{
	struct inbox_listing *l = arg;
	char name[64];

	if (c->state != CONN_DISCONNECTED || strcmp(c->last_error, "provider_changed") == 0)
		return;
	snprintf(name, sizeof(name), "%s.attention.%d", l->row, l->needs++);
	conn_view_set_words(l->ctx, name, "inbox.attention", c);
}

static void inbox_row(const struct team_inbox *t, void *arg)
{
	struct inbox_listing *l = arg;
	struct ctx *ctx = l->ctx;
	char name[64];

	snprintf(l->row, sizeof(l->row), "Inbox.rows.%d", l->n++);
	snprintf(name, sizeof(name), "%s.id", l->row);
	tmpl_set_int(ctx->hdf, name, t->id);
	snprintf(name, sizeof(name), "%s.name", l->row);
	tmpl_set(ctx->hdf, name, t->name);
	snprintf(name, sizeof(name), "%s.channels", l->row);
	set_count_words(ctx, name, "inbox.channels", t->channels);
	l->needs = 0;
	if (t->disconnected > 0) {
		struct conn_scope scope = { CONN_TEAM, t->id };

		/* Failing here shows the inbox without its addresses, still counted. */
		if (conn_each(ctx->db, &scope, CONN_LIVE, ctx->now, attention_row, l) != ST_OK)
			log_error("inbox %lld: cannot list its channels", t->id);
		l->attention++;
	}
}

/* GET /inbox — the conversation inboxes with their channel counts, and the
 * channels that need a reconnect, by address.  200; 403 for anyone who may not
 * manage them (the route's flag). */
static void inbox_list(struct ctx *ctx)
{
	struct inbox_listing l = { .ctx = ctx };

	if (team_inbox_each(ctx->db, inbox_row, &l) != ST_OK) {
		page_error(ctx, ST_INTERNAL, NULL);
		return;
	}
	tmpl_set_int(ctx->hdf, "Inbox.count", l.n);
	tmpl_set_int(ctx->hdf, "Inbox.attention", l.attention);
	page_render(ctx, "inbox.cs");
}

/* --- one inbox's channels ------------------------------------------------------- */

/* The conversation inbox of the path's first {id}, its name and id set for the
 * page (Team.*): 1, or the 404 page and 0. */
static int find_inbox(struct ctx *ctx, struct team_inbox *t)
{
	enum status st = team_inbox_find(ctx->db, ctx->match->ids[0], t);

	if (st != ST_OK) {
		page_error(ctx, st, NULL);
		return 0;
	}
	tmpl_set_int(ctx->hdf, "Team.id", t->id);
	tmpl_set(ctx->hdf, "Team.name", t->name);
	return 1;
}

static struct conn_scope channels_of(const struct team_inbox *t)
{
	struct conn_scope scope = { CONN_TEAM, t->id };

	return scope;
}

static void channels_url(long long inbox_id, char *out, size_t size)
{
	snprintf(out, size, "/inbox/%lld/settings/channels", inbox_id);
}

/* GET /inbox/{inbox}/settings/channels — each email channel with its address,
 * provider, state, who connected it and when, and those deleted lately with
 * how their revocation went.  200; 404 for no such inbox. */
static void channels_page(struct ctx *ctx)
{
	struct team_inbox t;
	struct conn_scope scope;
	struct conn_view_list live = { ctx, "Channels.rows", 0, 0, "Channels.attention" };
	struct conn_view_list removed = { ctx, "Channels.removed", 0, 0, NULL };

	if (!find_inbox(ctx, &t))
		return;
	scope = channels_of(&t);
	if (conn_each(ctx->db, &scope, CONN_LIVE, ctx->now, conn_view_live_row, &live) != ST_OK ||
	    conn_each(ctx->db, &scope, CONN_RECENTLY_REMOVED, ctx->now, conn_view_removed_row,
		      &removed) != ST_OK) {
		page_error(ctx, ST_INTERNAL, NULL);
		return;
	}
	tmpl_set_words(ctx->hdf, "Channels.title", ctx->lang, "channel.title", "inbox", t.name, NULL);
	tmpl_set_words(ctx->hdf, "Channels.empty_text", ctx->lang, "channel.empty_text", "inbox",
		       t.name, NULL);
	tmpl_set_words(ctx->hdf, "Channels.banner_text", ctx->lang, "channel.banner_text", "inbox",
		       t.name, NULL);
	tmpl_set_int(ctx->hdf, "Channels.count", live.count);
	tmpl_set_int(ctx->hdf, "Channels.removed_count", removed.count);
	tmpl_set_int(ctx->hdf, "Channels.disconnected", live.disconnected);
	page_render(ctx, "channels.cs");
}

/* GET /inbox/{inbox}/channels/connect — the providers a team email can be
 * connected through.  200; 404 for no such inbox. */
static void connect_choice(struct ctx *ctx)
{
	struct team_inbox t;
	int n = 0;

	if (!find_inbox(ctx, &t))
		return;
	tmpl_set_words(ctx->hdf, "Connect.title", ctx->lang, "channel.connect_title", "inbox", t.name,
		       NULL);
	/* Every provider, as for a personal inbox: IMAP has its own form. */
	for (int p = 0; p < PROV__MAX; p++) {
		tmpl_set_item(ctx->hdf, "Connect.providers", n, "name", prov_table[p].name);
		tmpl_set_item(ctx->hdf, "Connect.providers", n, "label",
			      conn_view_provider_label(ctx, (enum provider)p));
		n++;
	}
	page_render(ctx, "channel_connect.cs");
}

/* --- delete ---------------------------------------------------------------------- */

struct recipients {
	struct ctx *ctx;
	int n;
};

static void recipient_row(const struct notify_person *p, void *arg)
{
	struct recipients *r = arg;

	tmpl_set_item(r->ctx->hdf, "Confirm.told", r->n, "name", p->name[0] ? p->name : p->email);
	tmpl_set_item(r->ctx->hdf, "Confirm.told", r->n, "email", p->email);
	r->n++;
}

/* The channel of the path's second {id} in the inbox t: 1, or the 404 page and 0. */
static int find_channel(struct ctx *ctx, const struct team_inbox *t, struct conn *c)
{
	struct conn_scope scope = channels_of(t);
	enum status st = conn_find(ctx->db, &scope, ctx->match->ids[1], c);

	if (st != ST_OK) {
		page_error(ctx, st, NULL);
		return 0;
	}
	return 1;
}

/* GET /inbox/{inbox}/channels/{channel}/delete — the confirmation, a page of its
 * own (rule 12): it names the address and the inbox, says what stops, that the
 * panel revokes its access at the provider (or which steps are left to do by
 * hand), and who will be notified, by name (rule 6).  200; 303 to the channels
 * when it is deleted already; 404. */
static void delete_form(struct ctx *ctx)
{
	struct team_inbox t;
	struct conn c;
	struct recipients told = { ctx, 0 };
	char url[96], key[48];

	if (!find_inbox(ctx, &t) || !find_channel(ctx, &t, &c))
		return;
	channels_url(t.id, url, sizeof(url));
	/* Nothing to confirm (a second tab, the back button): show where it is. */
	if (conn_check(c.kind, c.state, CONN_REMOVE) != CONN_ALLOWED) {
		page_redirect(ctx, url, NULL, NULL);
		return;
	}
	if (notify_each_recipient(ctx->db, c.id, NOTIFY_DISCONNECTED, recipient_row, &told) !=
	    ST_OK) {
		page_error(ctx, ST_INTERNAL, NULL);
		return;
	}
	tmpl_set_words(ctx->hdf, "Confirm.title", ctx->lang, "channel.delete_title", "address",
		       c.address, "inbox", t.name, NULL);
	tmpl_set_words(ctx->hdf, "Confirm.points.0", ctx->lang, "channel.delete_stops", "address",
		       c.address, "inbox", t.name, NULL);
	snprintf(key, sizeof(key), "channel.delete_revokes.%s", prov_table[c.provider].name);
	conn_view_set_words(ctx, "Confirm.points.1", key, &c);
	conn_view_set_words(ctx, "Confirm.points.2", "channel.delete_undo", &c);
	if (conn_view_has_manual_steps(c.provider))
		tmpl_set(ctx->hdf, "Confirm.steps", prov_table[c.provider].name);
	tmpl_set_int(ctx->hdf, "Confirm.told_count", told.n);
	tmpl_set(ctx->hdf, "Confirm.list_url", url);
	snprintf(url, sizeof(url), "/inbox/%lld/channels/%lld/delete", t.id, c.id);
	tmpl_set(ctx->hdf, "Confirm.action", url);
	tmpl_set(ctx->hdf, "Confirm.address", c.address);
	tmpl_set(ctx->hdf, "Confirm.provider", prov_table[c.provider].name);
	tmpl_set(ctx->hdf, "Confirm.provider_label", conn_view_provider_label(ctx, c.provider));
	page_render(ctx, "channel_delete.cs");
}

/* POST /inbox/{inbox}/channels/{channel}/delete — the channel is removed: its
 * state, its revocation job (which takes the token), its audit row and the
 * notifications of rule 6, all in the request's transaction (conn_apply); then
 * 303 to the channels with a flash message.  Doing it again changes nothing and
 * answers the same 303; 404 for a channel of another inbox or a personal
 * inbox's id; 409 when its state forbids it. */
static void delete_channel(struct ctx *ctx)
{
	struct audit_actor actor = page_actor(ctx);
	struct conn_scope scope = { CONN_TEAM, ctx->match->ids[0] };
	struct conn after;
	char url[96];
	int changed;
	enum status st;

	st = conn_apply(ctx->db, &actor, &scope, ctx->match->ids[1], CONN_REMOVE, ctx->now, &after,
			&changed);
	if (st == ST_CONFLICT) {
		tmpl_set_words(ctx->hdf, "Error.reason", ctx->lang, "reason.conflict", "address",
			       after.address, NULL);
		page_error(ctx, ST_CONFLICT, NULL);
		return;
	}
	if (st != ST_OK) {
		page_error(ctx, st, NULL);
		return;
	}
	channels_url(scope.id, url, sizeof(url));
	page_redirect(ctx, url,
		      prov_table[after.provider].revocation == PROV_REVOKE_MANUAL
			      ? "channel_deleted_manual"
			      : "channel_deleted",
		      after.address);
}

/* GET /inbox/{inbox}/settings/channels/{channel}/revocation — how the
 * revocation of a deleted channel is going, as JSON for its card's script.
 * 200; 404 for no such inbox, a channel of another, or one without a
 * revocation. */
static void revocation_status(struct ctx *ctx)
{
	struct team_inbox t;
	struct conn c;

	if (!find_inbox(ctx, &t) || !find_channel(ctx, &t, &c))
		return;
	conn_view_revocation_json(ctx, &c);
}

/* POST /inbox/{inbox}/channels/{channel}/steps-done — someone did the steps
 * left to do by hand at the provider: the card remembers who, with an audit
 * row.  303 to the channels (again: the same 303); 404; 409 when no step waits. */
static void steps_done(struct ctx *ctx)
{
	struct conn_scope scope = { CONN_TEAM, ctx->match->ids[0] };
	struct conn c;
	char url[96];
	enum status st = conn_view_steps_done(ctx, &scope, ctx->match->ids[1], &c);

	if (st != ST_OK) {
		page_error(ctx, st, st == ST_CONFLICT ? "no_steps_left" : NULL);
		return;
	}
	channels_url(scope.id, url, sizeof(url));
	page_redirect(ctx, url, "steps_done", c.address);
}

/* --- every connection (super admins) -------------------------------------------- */

#define CONNECTIONS_PAGE_SIZE 50

static const char *const state_choices[] = { "connected", "disabled", "disconnected", "removed",
					      NULL };
static const char *const provider_choices[] = { "google", "microsoft", "outlook", "imap", NULL };
static const char *const kind_choices[] = { "personal", "team", NULL };
enum { ALL_STATE, ALL_PROVIDER, ALL_KIND, ALL_BEFORE };
static const struct field connections_fields[] = {
	{ "state", FIELD_CHOICE, 0, 0, 0, state_choices },
	{ "provider", FIELD_CHOICE, 0, 0, 0, provider_choices },
	{ "kind", FIELD_CHOICE, 0, 0, 0, kind_choices },
	{ "before", FIELD_INT, 0, 1, 9223372036854775807LL, NULL },
};
static const struct form connections_query = FORM(connections_fields);

/* The choices' names are the store's: an index into one is the enum's value. */
static int chosen(const struct field_value *v, const char *const *choices,
		  const char *const *names, int count)
{
	if (!v->present)
		return -1;
	return name_index(names, count, choices[v->choice]);
}

struct connection_listing {
	struct ctx *ctx;
	int n;
	long long last_id;
};

static void connection_row(const struct conn_list_row *r, void *arg)
{
	struct connection_listing *l = arg;
	struct ctx *ctx = l->ctx;
	HDF *hdf = ctx->hdf;
	const char *list = "Connections.rows";
	struct conn c = { .id = r->id, .kind = r->kind, .provider = r->provider, .state = r->state };
	char text[24], name[64];
	char *date;
	int i;

	/* One row more than a page is asked for: it says whether there is a next. */
	if (l->n == CONNECTIONS_PAGE_SIZE) {
		tmpl_set_int(hdf, "Connections.next", l->last_id);
		return;
	}
	i = l->n++;
	l->last_id = r->id;
	snprintf(c.address, sizeof(c.address), "%s", r->address);
	snprintf(text, sizeof(text), "%lld", r->id);
	tmpl_set_item(hdf, list, i, "id", text);
	tmpl_set_item(hdf, list, i, "address", r->address);
	tmpl_set_item(hdf, list, i, "provider", prov_table[r->provider].name);
	tmpl_set_item(hdf, list, i, "provider_label", conn_view_provider_label(ctx, r->provider));
	tmpl_set_item(hdf, list, i, "kind", conn_kind_names[r->kind]);
	tmpl_set_item(hdf, list, i, "state", conn_state_names[r->state]);
	if (r->kind == CONN_TEAM) {
		snprintf(text, sizeof(text), "%lld", r->inbox_id);
		tmpl_set_item(hdf, list, i, "inbox_id", text);
		tmpl_set_item(hdf, list, i, "inbox_name", r->inbox_name);
	} else {
		tmpl_set_item(hdf, list, i, "owner", r->owner_name[0] ? r->owner_name : r->owner_email);
		tmpl_set_item(hdf, list, i, "owner_email", r->owner_email);
	}
	date = tmpl_date(ctx->lang, (time_t)(r->state == CONN_REMOVED ? r->state_changed_at
								       : r->connected_at));
	tmpl_set_item(hdf, list, i, "date", date);
	free(date);
	if (r->last_error[0] != '\0' && r->state != CONN_REMOVED) {
		char key[300];

		snprintf(key, sizeof(key), "conn_error.%s", r->last_error);
		if (hdf_get_valuef(ctx->lang, "Lang.%s", key) == NULL)
			snprintf(key, sizeof(key), "conn_error.other");
		snprintf(name, sizeof(name), "%s.%d.last_error", list, i);
		conn_view_set_words(ctx, name, key, &c);
	}
	if (r->has_revocation)
		tmpl_set_item(hdf, list, i, "revocation", outbox_state_names[r->revocation_state]);
}

/* The filters as a query string ("&state=removed..."), for the next page. */
static void set_filter_query(struct ctx *ctx, const struct conn_list_filter *f)
{
	struct buf qs;

	buf_init(&qs);
	if (f->state >= 0)
		buf_printf(&qs, "&state=%s", conn_state_names[f->state]);
	if (f->provider >= 0)
		buf_printf(&qs, "&provider=%s", prov_table[f->provider].name);
	if (f->kind >= 0)
		buf_printf(&qs, "&kind=%s", conn_kind_names[f->kind]);
	tmpl_set(ctx->hdf, "Connections.filter.query", qs.data ? qs.data : "");
	buf_free(&qs);
	if (f->state >= 0)
		tmpl_set(ctx->hdf, "Connections.filter.state", conn_state_names[f->state]);
	if (f->provider >= 0)
		tmpl_set(ctx->hdf, "Connections.filter.provider", prov_table[f->provider].name);
	if (f->kind >= 0)
		tmpl_set(ctx->hdf, "Connections.filter.kind", conn_kind_names[f->kind]);
}

/* GET /admin/connections — every connection of the account, personal and team,
 * newest first, with its state, its owner or inbox and its revocation; filtered
 * by state, provider and kind; 50 a page, the next page starting below the last
 * id shown (?before=).  200; 400 for a filter or cursor that is not one; 403
 * for anyone but a super admin (the route's flag). */
static void all_connections(struct ctx *ctx)
{
	const struct field_value *q = ctx->query;
	struct conn_list_filter f = {
		.state = chosen(&q[ALL_STATE], state_choices, conn_state_names, CONN_STATE__MAX),
		.provider = -1,
		.kind = chosen(&q[ALL_KIND], kind_choices, conn_kind_names, CONN_KIND__MAX),
		.before_id = q[ALL_BEFORE].present ? q[ALL_BEFORE].num : 0,
	};
	struct connection_listing l = { ctx, 0, 0 };
	enum provider p;

	if (q[ALL_PROVIDER].present && prov_from_name(provider_choices[q[ALL_PROVIDER].choice], &p) == 0)
		f.provider = (int)p;
	if (conn_list_page(ctx->db, &f, CONNECTIONS_PAGE_SIZE + 1, connection_row, &l) != ST_OK) {
		page_error(ctx, ST_INTERNAL, NULL);
		return;
	}
	set_filter_query(ctx, &f);
	for (int i = 0; state_choices[i] != NULL; i++)
		tmpl_set_item(ctx->hdf, "Connections.states", i, NULL, state_choices[i]);
	for (int i = 0; i < PROV__MAX; i++) {
		tmpl_set_item(ctx->hdf, "Connections.providers", i, "name", prov_table[i].name);
		tmpl_set_item(ctx->hdf, "Connections.providers", i, "label",
			      conn_view_provider_label(ctx, (enum provider)i));
	}
	tmpl_set_int(ctx->hdf, "Connections.count", l.n);
	tmpl_set_int(ctx->hdf, "Connections.paged", f.before_id > 0);
	page_render(ctx, "admin_connections.cs");
}

static const struct route routes[] = {
	{ METHOD_GET, "/inbox", inbox_list, ROUTE_ACCOUNT_ACCESS, NULL, NULL, "inbox" },
	{ METHOD_GET, "/inbox/{id}/settings/channels", channels_page, ROUTE_ACCOUNT_ACCESS, NULL,
	  NULL, "inbox" },
	{ METHOD_GET, "/inbox/{id}/channels/connect", connect_choice, ROUTE_ACCOUNT_ACCESS, NULL,
	  NULL, "inbox" },
	/* IMAP has a form of its own (imap_connect.c), before the OAuth {word}. */
	{ METHOD_GET, "/inbox/{id}/channels/connect/imap", channel_imap_connect_page,
	  ROUTE_ACCOUNT_ACCESS, NULL, NULL, "inbox" },
	{ METHOD_POST, "/inbox/{id}/channels/connect/imap", channel_imap_connect,
	  ROUTE_ACCOUNT_ACCESS | ROUTE_SLOW_WORK, NULL, &imap_connect_form, "inbox" },
	{ METHOD_GET, "/inbox/{id}/channels/connect/{word}", channel_connect_scopes_page,
	  ROUTE_ACCOUNT_ACCESS, NULL, NULL, "inbox" },
	{ METHOD_POST, "/inbox/{id}/channels/connect/{word}", channel_connect_start,
	  ROUTE_ACCOUNT_ACCESS, NULL, NULL, "inbox" },
	{ METHOD_GET, "/inbox/{id}/channels/{id}/reconnect", channel_reconnect_scopes_page,
	  ROUTE_ACCOUNT_ACCESS, NULL, NULL, "inbox" },
	{ METHOD_POST, "/inbox/{id}/channels/{id}/reconnect", channel_reconnect_start,
	  ROUTE_ACCOUNT_ACCESS, NULL, NULL, "inbox" },
	{ METHOD_GET, "/inbox/{id}/channels/{id}/delete", delete_form, ROUTE_ACCOUNT_ACCESS, NULL,
	  NULL, "inbox" },
	{ METHOD_POST, "/inbox/{id}/channels/{id}/delete", delete_channel, ROUTE_ACCOUNT_ACCESS,
	  NULL, NULL, "inbox" },
	{ METHOD_GET, "/inbox/{id}/settings/channels/{id}/revocation", revocation_status,
	  ROUTE_ACCOUNT_ACCESS, NULL, NULL, "inbox" },
	{ METHOD_POST, "/inbox/{id}/channels/{id}/steps-done", steps_done, ROUTE_ACCOUNT_ACCESS, NULL,
	  NULL, "inbox" },
	{ METHOD_GET, "/admin/connections", all_connections, ROUTE_SUPER_ADMIN, &connections_query,
	  NULL, "connections" },
};

int main(int argc, char **argv)
{
	static const struct program program = { "inboxpanel-inbox", routes, ARRAY_LEN(routes) };

	return app_main(argc, argv, &program);
}
