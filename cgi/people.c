/* people.c — Administration › People: the account's people for super admins
 * (add, change role and account access, a password reset link, deactivate with
 * everything that goes with the person, reactivate), and the public page a
 * single-use link opens to set a password (Step 11).
 *
 * The inboxpanel-people program.  Every /admin/users page is for super admins
 * (the route flag: anyone else gets 403 before a row is read); /password/{token}
 * needs no session, and its token never reaches a log (page_logged_path) nor,
 * through a Referer, another page (the dispatcher sends only the site's origin). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "conn_view.h"
#include "crypto.h"
#include "notify.h"
#include "offboard.h"
#include "page.h"
#include "pw.h"
#include "tmpl.h"
#include "user_list.h"
#include "userlink.h"
#include "util.h"

#define PEOPLE_PAGE_SIZE 50

/* "{count} inbox" or "{count} inboxes": Lang.people.<key>_one or _other, by the
 * language's rule (French takes the singular for 0 and 1). */
static void set_count_words(struct ctx *ctx, const char *name, const char *key, long long n)
{
	int one = strcmp(ctx->lang_code, "fr") == 0 ? n < 2 : n == 1;
	char full[64], count[24];

	snprintf(full, sizeof(full), "people.%s_%s", key, one ? "one" : "other");
	snprintf(count, sizeof(count), "%lld", n);
	tmpl_set_words(ctx->hdf, name, ctx->lang, full, "count", count, NULL);
}

/* The same words as a new string, for a sentence built of several. */
static char *count_words(struct ctx *ctx, const char *key, long long n)
{
	int one = strcmp(ctx->lang_code, "fr") == 0 ? n < 2 : n == 1;
	char full[64], count[24];
	char *words;

	snprintf(full, sizeof(full), "people.%s_%s", key, one ? "one" : "other");
	snprintf(count, sizeof(count), "%lld", n);
	words = tmpl_words(ctx->lang, full, "count", count, NULL);
	return words != NULL ? words : xasprintf("%lld", n);
}

/* A person's fields under <name>: id, email, name, display, role, account_access,
 * language, state, last_sign_in (a date, or the word for never), and the counts
 * of inboxes and channels in words. */
static void set_person(struct ctx *ctx, const char *name, const struct user_list_row *r)
{
	const struct user *u = &r->user;
	char key[96];

#define FIELD_NAME(field) (snprintf(key, sizeof(key), "%s." field, name), key)
	tmpl_set_int(ctx->hdf, FIELD_NAME("id"), u->id);
	tmpl_set(ctx->hdf, FIELD_NAME("email"), u->email);
	tmpl_set(ctx->hdf, FIELD_NAME("name"), u->name);
	tmpl_set(ctx->hdf, FIELD_NAME("display"), user_display_name(u));
	tmpl_set(ctx->hdf, FIELD_NAME("role"), role_names[u->role]);
	tmpl_set_int(ctx->hdf, FIELD_NAME("account_access"), u->account_access);
	tmpl_set(ctx->hdf, FIELD_NAME("language"), u->language[0] ? u->language : "browser");
	tmpl_set(ctx->hdf, FIELD_NAME("state"), u->deactivated ? "deactivated" : "active");
	if (r->last_sign_in > 0) {
		char date[TMPL_DATE_SIZE];

		tmpl_date_into(ctx->lang, (time_t)r->last_sign_in, date);
		tmpl_set(ctx->hdf, FIELD_NAME("last_sign_in"), date);
	}
	tmpl_set_int(ctx->hdf, FIELD_NAME("inbox_count"), r->inboxes);
	tmpl_set_int(ctx->hdf, FIELD_NAME("channel_count"), r->channels);
	set_count_words(ctx, FIELD_NAME("inboxes"), "inboxes", r->inboxes);
	set_count_words(ctx, FIELD_NAME("channels"), "channels", r->channels);
#undef FIELD_NAME
}

/* --- the list ------------------------------------------------------------------- */

static const char *const state_choices[] = { "active", "deactivated", NULL };
static const char *const role_choices[] = { "user", "super_admin", NULL }; /* role_names' order */
enum { LIST_STATE, LIST_ROLE, LIST_SEARCH, LIST_AFTER };
static const struct field list_fields[] = {
	{ "state", FIELD_CHOICE, 0, 0, 0, state_choices },
	{ "role", FIELD_CHOICE, 0, 0, 0, role_choices },
	{ "q", FIELD_TEXT, 0, 0, 254, NULL },
	{ "after", FIELD_EMAIL, 0, 0, 254, NULL },
};
static const struct form list_query = FORM(list_fields);

struct people_listing {
	struct ctx *ctx;
	int n;
	char last_email[255];
	int more;
};

static void person_row(const struct user_list_row *r, void *arg)
{
	struct people_listing *l = arg;
	char name[32];

	/* One row more than a page is asked for: it says whether there is a next. */
	if (l->n == PEOPLE_PAGE_SIZE) {
		l->more = 1;
		return;
	}
	snprintf(name, sizeof(name), "Users.rows.%d", l->n++);
	set_person(l->ctx, name, r);
	snprintf(l->last_email, sizeof(l->last_email), "%s", r->user.email);
}

/* The filters as a query string ("&state=active&q=ann"), for the next page. */
static void set_filter_query(struct ctx *ctx, const struct field_value *q)
{
	struct buf qs;

	buf_init(&qs);
	if (q[LIST_STATE].present)
		buf_printf(&qs, "&state=%s", state_choices[q[LIST_STATE].choice]);
	if (q[LIST_ROLE].present)
		buf_printf(&qs, "&role=%s", role_choices[q[LIST_ROLE].choice]);
	if (q[LIST_SEARCH].present && q[LIST_SEARCH].len > 0) {
		char *v = page_url_escape(q[LIST_SEARCH].str);

		buf_printf(&qs, "&q=%s", v);
		free(v);
		tmpl_set(ctx->hdf, "Users.filter.q", q[LIST_SEARCH].str);
	}
	tmpl_set(ctx->hdf, "Users.filter.query", qs.data ? qs.data : "");
	buf_free(&qs);
	if (q[LIST_STATE].present)
		tmpl_set(ctx->hdf, "Users.filter.state", state_choices[q[LIST_STATE].choice]);
	if (q[LIST_ROLE].present)
		tmpl_set(ctx->hdf, "Users.filter.role", role_choices[q[LIST_ROLE].choice]);
}

/* GET /admin/users — the account's people by address: role, account access,
 * language, state, last sign-in, and how many personal inboxes and team
 * channels each connected; filtered by state and role, searched by the start of
 * the address; 50 a page, the next starting after the last address shown
 * (?after=).  200; 400 for a filter or cursor that is not one. */
static void people_list(struct ctx *ctx)
{
	const struct field_value *q = ctx->query;
	struct user_list_filter f = {
		.deactivated = q[LIST_STATE].present ? q[LIST_STATE].choice : -1,
		.role = q[LIST_ROLE].present ? name_index(role_names, ROLE__MAX,
							   role_choices[q[LIST_ROLE].choice])
					     : -1,
		.prefix = q[LIST_SEARCH].present ? q[LIST_SEARCH].str : "",
		.after = q[LIST_AFTER].present ? q[LIST_AFTER].str : "",
	};
	struct people_listing l = { .ctx = ctx };

	if (user_list_page(ctx->db, &f, PEOPLE_PAGE_SIZE + 1, person_row, &l) != ST_OK) {
		page_error(ctx, ST_INTERNAL, NULL);
		return;
	}
	set_filter_query(ctx, q);
	if (l.more) {
		char *v = page_url_escape(l.last_email);

		tmpl_set(ctx->hdf, "Users.next", v);
		free(v);
	}
	tmpl_set_int(ctx->hdf, "Users.count", l.n);
	tmpl_set_int(ctx->hdf, "Users.paged", q[LIST_AFTER].present);
	page_render(ctx, "admin_users.cs");
}

/* --- one person ------------------------------------------------------------------ */

static void person_url(long long id, char *out, size_t size)
{
	snprintf(out, size, "/admin/users/%lld", id);
}

/* The link a person opens to set their password, on this site. */
static void set_link(struct ctx *ctx, const char *token, enum userlink_purpose purpose)
{
	char *url = xasprintf("%s/password/%s", ctx->conf->base_url, token);

	tmpl_set(ctx->hdf, "Link.url", url);
	tmpl_set(ctx->hdf, "Link.purpose", userlink_purpose_names[purpose]);
	free(url);
}

/* The person's page for the person of id: 200, or 404 for nobody. */
static void render_person(struct ctx *ctx, long long id)
{
	struct user_list_row r;
	enum status st = user_list_one(ctx->db, id, &r);

	if (st != ST_OK) {
		page_error(ctx, st, NULL);
		return;
	}
	set_person(ctx, "Person", &r);
	tmpl_set_words(ctx->hdf, "Person.title", ctx->lang, "people.person_title", "name",
		       user_display_name(&r.user), NULL);
	page_render(ctx, "admin_user.cs");
}

/* GET /admin/users/{id} — one person, with the forms to change their role and
 * account access, send a password reset link, and deactivate or reactivate.
 * 200; 404 for no such person. */
static void person_page(struct ctx *ctx)
{
	render_person(ctx, ctx->match->ids[0]);
}

/* --- add a person ---------------------------------------------------------------- */

static const char *const access_choices[] = { "1", NULL };
enum { NEW_EMAIL, NEW_NAME, NEW_ROLE, NEW_ACCESS, NEW_LANGUAGE };
static const char *const language_choices[] = { "browser", "en", "fr", NULL };
static const struct field new_fields[] = {
	{ "email", FIELD_EMAIL, 1, 3, 254, NULL },
	{ "name", FIELD_TEXT, 0, 0, 128, NULL },
	{ "role", FIELD_CHOICE, 1, 0, 0, role_choices },
	{ "account_access", FIELD_CHOICE, 0, 0, 0, access_choices },
	{ "language", FIELD_CHOICE, 0, 0, 0, language_choices },
};
static const struct form new_body = FORM(new_fields);

/* GET /admin/users/new — the form to add a person.  200. */
static void new_form(struct ctx *ctx)
{
	tmpl_set(ctx->hdf, "New.role", "user");
	tmpl_set(ctx->hdf, "New.language", "browser");
	tmpl_set_int(ctx->hdf, "New.smtp", ctx->conf->smtp_url != NULL && *ctx->conf->smtp_url);
	page_render(ctx, "admin_user_new.cs");
}

/* The form again with what was typed, and the reason it was not accepted. */
static void new_form_again(struct ctx *ctx, int code, const char *reason_key)
{
	const struct field_value *f = ctx->form;

	tmpl_set(ctx->hdf, "New.email", f[NEW_EMAIL].str);
	if (f[NEW_NAME].present)
		tmpl_set(ctx->hdf, "New.name", f[NEW_NAME].str);
	tmpl_set(ctx->hdf, "New.role", role_choices[f[NEW_ROLE].choice]);
	tmpl_set_int(ctx->hdf, "New.account_access", f[NEW_ACCESS].present);
	tmpl_set(ctx->hdf, "New.language",
		 f[NEW_LANGUAGE].present ? language_choices[f[NEW_LANGUAGE].choice] : "browser");
	tmpl_set_int(ctx->hdf, "New.smtp", ctx->conf->smtp_url != NULL && *ctx->conf->smtp_url);
	tmpl_set_words(ctx->hdf, "New.error", ctx->lang, reason_key, "address", f[NEW_EMAIL].str,
		       NULL);
	page_render(ctx, "admin_user_new.cs");
	ctx->resp->status = code;
}

/* Issues the link of purpose for the person of id inside the request's
 * transaction: mailed when SMTP is configured (then 303 to their page with a
 * flash message), else their page with the link shown once. */
static void issue_link(struct ctx *ctx, long long id, const char *email,
		       enum userlink_purpose purpose)
{
	struct audit_actor actor = page_actor(ctx);
	int mail = ctx->conf->smtp_url != NULL && *ctx->conf->smtp_url;
	struct keyring_sealer *sealer = mail ? page_sealer(ctx) : NULL;
	char token[CRYPTO_TOKEN_LEN + 1], url[64];
	enum status st;

	/* Without the public key no mail can carry the link: it is shown instead. */
	st = userlink_issue(ctx->db, &actor, id, purpose, sealer, ctx->now, token);
	if (st != ST_OK) {
		page_error(ctx, st, NULL);
		return;
	}
	if (sealer != NULL) {
		person_url(id, url, sizeof(url));
		page_redirect(ctx, url,
			      purpose == USERLINK_INVITE ? "people_invited" : "people_reset_mailed",
			      email);
		return;
	}
	set_link(ctx, token, purpose);
	explicit_bzero(token, sizeof(token));
	render_person(ctx, id);
}

/* POST /admin/users/new — adds the person with a password nobody knows (the
 * hash of random bytes), their audit row, and the invitation link, all in one
 * transaction.  303 to their page when the invitation is mailed; 200 with their
 * page and the link, shown this once, when no SMTP is configured; 409 with the
 * form kept when the address is someone's already.  ROUTE_SLOW_WORK: the hash
 * (scrypt) is made before the write lock is taken. */
static void new_submit(struct ctx *ctx)
{
	const struct field_value *f = ctx->form;
	enum role role = (enum role)name_index(role_names, ROLE__MAX, role_choices[f[NEW_ROLE].choice]);
	const char *language = f[NEW_LANGUAGE].present && f[NEW_LANGUAGE].choice > 0
				       ? language_choices[f[NEW_LANGUAGE].choice]
				       : "";
	char secret[CRYPTO_TOKEN_LEN + 1], hash[PW_HASH_MAX], target[32], detail[128];
	long long id;
	enum status st;

	if (crypto_random_token(secret) != 0 || pw_hash(secret, strlen(secret), hash) != 0) {
		page_error(ctx, ST_INTERNAL, NULL);
		return;
	}
	explicit_bzero(secret, sizeof(secret));
	if ((st = page_write(ctx)) != ST_OK) {
		page_error(ctx, st, NULL);
		return;
	}
	st = user_add(ctx->db, f[NEW_EMAIL].str, f[NEW_NAME].present ? f[NEW_NAME].str : "", role,
		      f[NEW_ACCESS].present, hash, ctx->now, &id);
	if (st == ST_CONFLICT) {
		new_form_again(ctx, 409, "people.duplicate");
		return;
	}
	snprintf(target, sizeof(target), "user:%lld", id);
	snprintf(detail, sizeof(detail), "role %s%s", role_names[role],
		 f[NEW_ACCESS].present ? ", account access" : "");
	if (st != ST_OK || (language[0] != '\0' &&
			    user_set_language(ctx->db, id, language, ctx->now) != ST_OK) ||
	    page_audit(ctx, "user.add", target, detail) != ST_OK) {
		page_error(ctx, ST_INTERNAL, NULL);
		return;
	}
	issue_link(ctx, id, f[NEW_EMAIL].str, USERLINK_INVITE);
}

/* --- role, reset link ------------------------------------------------------------- */

enum { ROLE_FIELD_ROLE, ROLE_FIELD_ACCESS };
static const struct field role_fields[] = {
	{ "role", FIELD_CHOICE, 1, 0, 0, role_choices },
	{ "account_access", FIELD_CHOICE, 0, 0, 0, access_choices },
};
static const struct form role_body = FORM(role_fields);

/* The person of the path's {id}: 1, or the error page (404) and 0. */
static int find_person(struct ctx *ctx, struct user *u)
{
	enum status st = user_by_id(ctx->db, ctx->match->ids[0], u);

	if (st != ST_OK) {
		page_error(ctx, st, NULL);
		return 0;
	}
	return 1;
}

/* 409: the change would leave the account without an active super admin. */
static void last_super_admin_page(struct ctx *ctx, const struct user *u)
{
	char url[64];

	tmpl_set_words(ctx->hdf, "Error.reason", ctx->lang, "people.last_super_admin", "address",
		       u->email, NULL);
	person_url(u->id, url, sizeof(url));
	tmpl_set(ctx->hdf, "Error.next_url", url);
	tmpl_set_words(ctx->hdf, "Error.next_label", ctx->lang, "people.back_to_person", NULL);
	page_error(ctx, ST_CONFLICT, NULL);
}

/* POST /admin/users/{id}/role — sets role and account access, with its audit
 * row.  303 to the person with a flash message; 404; 409 when it would leave
 * the account without an active super admin (nothing changes). */
static void set_role(struct ctx *ctx)
{
	const struct field_value *f = ctx->form;
	struct audit_actor actor = page_actor(ctx);
	enum role role =
		(enum role)name_index(role_names, ROLE__MAX, role_choices[f[ROLE_FIELD_ROLE].choice]);
	struct user u;
	char url[64];
	enum status st;

	if (!find_person(ctx, &u))
		return;
	st = offboard_set_role(ctx->db, &actor, u.id, role, f[ROLE_FIELD_ACCESS].present, ctx->now);
	if (st == ST_CONFLICT) {
		last_super_admin_page(ctx, &u);
		return;
	}
	if (st != ST_OK) {
		page_error(ctx, st, NULL);
		return;
	}
	person_url(u.id, url, sizeof(url));
	page_redirect(ctx, url, "people_role_set", u.email);
}

/* POST /admin/users/{id}/password-link — a new single-use link for the person
 * to set their password; every session of theirs ends.  303 with a flash when
 * it is mailed, 200 with the link shown once when it is not; 404; 409 for a
 * deactivated person (reactivate them first). */
static void password_link(struct ctx *ctx)
{
	struct user u;

	if (!find_person(ctx, &u))
		return;
	if (u.deactivated) {
		tmpl_set_words(ctx->hdf, "Error.reason", ctx->lang, "people.link_deactivated",
			       "address", u.email, NULL);
		page_error(ctx, ST_CONFLICT, NULL);
		return;
	}
	issue_link(ctx, u.id, u.email, USERLINK_RESET);
}

/* --- deactivate, reactivate ------------------------------------------------------- */

enum { DEACTIVATE_CHANNELS };
static const char *const channel_choices[] = { "keep", "remove", NULL };
static const struct field deactivate_fields[] = {
	{ "channels", FIELD_CHOICE, 0, 0, 0, channel_choices },
};
static const struct form deactivate_body = FORM(deactivate_fields);

struct going {
	struct ctx *ctx;
	long long user_id;
	int inboxes, channels, manual, told;
};

static void told_row(const struct notify_person *p, void *arg)
{
	struct going *g = arg;
	HDF *hdf = g->ctx->hdf;
	char seen[64];

	/* The person leaving is told nothing; each of the others once. */
	snprintf(seen, sizeof(seen), "Confirm.told_ids.%lld", p->user_id);
	if (p->user_id == g->user_id || hdf_get_value(hdf, seen, NULL) != NULL)
		return;
	tmpl_set(hdf, seen, "1");
	tmpl_set_item(hdf, "Confirm.told", g->told, "name", p->name[0] ? p->name : p->email);
	tmpl_set_item(hdf, "Confirm.told", g->told, "email", p->email);
	g->told++;
}

static void going_row(const struct conn *c, void *arg)
{
	struct going *g = arg;
	struct ctx *ctx = g->ctx;
	int team = c->kind == CONN_TEAM;
	int i = team ? g->channels++ : g->inboxes++;
	const char *list = team ? "Confirm.channels" : "Confirm.inboxes";
	char name[64], key[64];

	tmpl_set_item(ctx->hdf, list, i, "address", c->address);
	tmpl_set_item(ctx->hdf, list, i, "provider", prov_table[c->provider].name);
	tmpl_set_item(ctx->hdf, list, i, "provider_label", conn_view_provider_label(ctx, c->provider));
	/* What happens to the access: a channel in the words of its delete page; an
	 * inbox in words that send the admin to All connections to follow it. */
	snprintf(key, sizeof(key), team ? "channel.delete_revokes.%s" : "people.inbox_revokes.%s",
		 prov_table[c->provider].name);
	snprintf(name, sizeof(name), "%s.%d.revokes", list, i);
	conn_view_set_words(ctx, name, key, c);
	if (prov_table[c->provider].revocation == PROV_REVOKE_MANUAL)
		g->manual++;
	if (conn_view_has_manual_steps(c->provider))
		tmpl_set_item(ctx->hdf, list, i, "steps", prov_table[c->provider].name);
	if (team && notify_each_recipient(ctx->db, c->id, NOTIFY_DISCONNECTED, told_row, g) != ST_OK)
		log_error("connection %lld: cannot list who is told", c->id);
}

/* GET /admin/users/{id}/deactivate — the confirmation, a page of its own: by
 * address, the personal inboxes that are removed (access revoked at the provider,
 * or the steps left to do by hand), the team channels they connected with the
 * choice to keep or remove them, and who is told.  200; 303 to the person when
 * they are deactivated already; 404. */
static void deactivate_form(struct ctx *ctx)
{
	struct user u;
	struct going g = { .ctx = ctx };
	char url[64];

	if (!find_person(ctx, &u))
		return;
	person_url(u.id, url, sizeof(url));
	if (u.deactivated) {
		page_redirect(ctx, url, NULL, NULL);
		return;
	}
	g.user_id = u.id;
	if (offboard_each_connection(ctx->db, u.id, going_row, &g) != ST_OK) {
		page_error(ctx, ST_INTERNAL, NULL);
		return;
	}
	tmpl_set_int(ctx->hdf, "Confirm.id", u.id);
	tmpl_set(ctx->hdf, "Confirm.email", u.email);
	tmpl_set(ctx->hdf, "Confirm.display", user_display_name(&u));
	tmpl_set_words(ctx->hdf, "Confirm.title", ctx->lang, "people.deactivate_title", "address",
		       u.email, NULL);
	tmpl_set_words(ctx->hdf, "Confirm.signs_out", ctx->lang, "people.deactivate_signs_out",
		       "address", u.email, NULL);
	tmpl_set_int(ctx->hdf, "Confirm.inbox_count", g.inboxes);
	tmpl_set_int(ctx->hdf, "Confirm.channel_count", g.channels);
	tmpl_set_int(ctx->hdf, "Confirm.told_count", g.told);
	tmpl_set_int(ctx->hdf, "Confirm.is_me", ctx->user->id == u.id);
	tmpl_set(ctx->hdf, "Confirm.person_url", url);
	page_render(ctx, "admin_user_deactivate.cs");
}

/* "ann@example.com is deactivated: 2 inboxes removed, 1 team channel kept." */
static char *deactivation_summary(struct ctx *ctx, const char *email,
				  const struct offboard_result *r)
{
	char *inboxes = count_words(ctx, "removed_inboxes", r->inboxes_removed);
	char *channels = r->channels_removed > 0
				 ? count_words(ctx, "removed_channels", r->channels_removed)
				 : count_words(ctx, "kept_channels", r->channels_kept);
	char *text = tmpl_words(ctx->lang, "people.summary", "address", email, "inboxes", inboxes,
				"channels", channels, NULL);

	free(inboxes);
	free(channels);
	return text != NULL ? text : xstrdup(email);
}

/* POST /admin/users/{id}/deactivate — deactivates the person with everything
 * that goes with them (offboard_deactivate) in the request's one transaction:
 * their sessions end, their inboxes go with their revocation jobs, the team
 * channels are kept or removed as chosen, the audit rows and notifications.
 * 303 to the list with a flash summing it up; 404; 409 for the last super
 * admin (nothing changes). */
static void deactivate(struct ctx *ctx)
{
	struct audit_actor actor = page_actor(ctx);
	const struct field_value *f = ctx->form;
	enum offboard_channels channels =
		f[DEACTIVATE_CHANNELS].present && f[DEACTIVATE_CHANNELS].choice == 1
			? OFFBOARD_REMOVE_CHANNELS
			: OFFBOARD_KEEP_CHANNELS;
	struct offboard_result result;
	struct user u;
	char *summary;
	enum status st;

	if (!find_person(ctx, &u))
		return;
	memset(&result, 0, sizeof(result));
	st = offboard_deactivate(ctx->db, &actor, u.id, channels, ctx->now, &result);
	if (st == ST_CONFLICT) {
		last_super_admin_page(ctx, &u);
		return;
	}
	if (st != ST_OK) {
		page_error(ctx, st, NULL);
		return;
	}
	/* Deactivating oneself ends one's own session too: the sign-in page is next. */
	if (u.id == ctx->user->id) {
		page_set_cookie(ctx, "session", "", 0, SAME_SITE_LAX);
		page_redirect(ctx, "/login", NULL, NULL);
		return;
	}
	summary = deactivation_summary(ctx, u.email, &result);
	/* A flash's argument travels in a cookie, and a long one is dropped. */
	if (strlen(summary) < 200)
		page_redirect(ctx, "/admin/users", "people_deactivated", summary);
	else
		page_redirect(ctx, "/admin/users", "people_deactivated_short", u.email);
	free(summary);
}

/* POST /admin/users/{id}/reactivate — the account comes back (not the removed
 * inboxes), with its audit row.  303 to the person with a flash; 404. */
static void reactivate(struct ctx *ctx)
{
	struct audit_actor actor = page_actor(ctx);
	struct user u;
	char url[64];
	enum status st;

	if (!find_person(ctx, &u))
		return;
	if ((st = offboard_reactivate(ctx->db, &actor, u.id, ctx->now)) != ST_OK) {
		page_error(ctx, st, NULL);
		return;
	}
	person_url(u.id, url, sizeof(url));
	page_redirect(ctx, url, "people_reactivated", u.email);
}

/* --- set a password (public) ------------------------------------------------------ */

enum { SET_PASSWORD, SET_AGAIN };
static const struct field password_fields[] = {
	{ "password", FIELD_SECRET, 1, 1, PW_MAX_LEN, NULL },
	{ "password_again", FIELD_SECRET, 1, 1, PW_MAX_LEN, NULL },
};
static const struct form password_body = FORM(password_fields);

/* The form, with the sign-in form's double-submit token (nobody is signed in). */
static void render_password_form(struct ctx *ctx, long long user_id,
				 enum userlink_purpose purpose, const char *error_key)
{
	const struct param *c = params_get(&ctx->req->cookies, page_cookie_name(ctx, "login"));
	char token[CRYPTO_TOKEN_LEN + 1];
	struct user u;

	if (c != NULL && c->len == CRYPTO_TOKEN_LEN) {
		snprintf(token, sizeof(token), "%s", c->value);
	} else {
		if (crypto_random_token(token) != 0) {
			page_error(ctx, ST_INTERNAL, NULL);
			return;
		}
		page_set_cookie(ctx, "login", token, 3600, SAME_SITE_STRICT);
	}
	tmpl_set(ctx->hdf, "Login.csrf", token);
	if (user_by_id(ctx->db, user_id, &u) == ST_OK)
		tmpl_set(ctx->hdf, "Password.email", u.email);
	tmpl_set(ctx->hdf, "Password.purpose", userlink_purpose_names[purpose]);
	/* The form posts to the address it was opened at; the token is in it. */
	tmpl_setf(ctx->hdf, "Password.action", "/password/%s", ctx->match->token);
	if (error_key != NULL)
		tmpl_set_words(ctx->hdf, "Password.error", ctx->lang, error_key, NULL);
	page_render(ctx, "password_set.cs");
}

/* GET /password/{token} — the form to set a password, for the person the link
 * was made for.  200; 404 for a token that is no link's; 410 for one used or
 * expired. */
static void password_form(struct ctx *ctx)
{
	long long user_id;
	enum userlink_purpose purpose;
	enum status st = userlink_find(ctx->db, ctx->match->token, ctx->now, &user_id, &purpose);

	if (st != ST_OK) {
		page_error(ctx, st, NULL);
		return;
	}
	render_password_form(ctx, user_id, purpose, NULL);
}

/* POST /password/{token} — sets the password (the same rules as `inboxpanel
 * user add`: 1 to PW_MAX_LEN bytes of UTF-8), uses the link up and ends the
 * person's other sessions, in one transaction; 303 to sign in with a flash.
 * 400 with the form when the two passwords differ; 404; 410.  ROUTE_SLOW_WORK:
 * the hash is made before the write lock is taken. */
static void password_submit(struct ctx *ctx)
{
	const struct field_value *f = ctx->form;
	char hash[PW_HASH_MAX];
	long long user_id;
	enum userlink_purpose purpose;
	enum status st = userlink_find(ctx->db, ctx->match->token, ctx->now, &user_id, &purpose);

	if (st != ST_OK) {
		page_error(ctx, st, NULL);
		return;
	}
	if (f[SET_PASSWORD].len != f[SET_AGAIN].len ||
	    !crypto_equal(f[SET_PASSWORD].str, f[SET_AGAIN].str)) {
		render_password_form(ctx, user_id, purpose, "people.password_mismatch");
		ctx->resp->status = 400;
		return;
	}
	if (!utf8_valid(f[SET_PASSWORD].str, f[SET_PASSWORD].len)) {
		render_password_form(ctx, user_id, purpose, "people.password_not_text");
		ctx->resp->status = 400;
		return;
	}
	if (pw_hash(f[SET_PASSWORD].str, f[SET_PASSWORD].len, hash) != 0) {
		page_error(ctx, ST_INTERNAL, NULL);
		return;
	}
	if ((st = page_write(ctx)) != ST_OK ||
	    (st = userlink_redeem(ctx->db, ctx->match->token, hash, ctx->now, &user_id)) != ST_OK) {
		page_error(ctx, st, NULL);
		return;
	}
	page_set_cookie(ctx, "login", "", 0, SAME_SITE_STRICT);
	page_redirect(ctx, "/login", "people_password_set", NULL);
}

static const struct route routes[] = {
	{ METHOD_GET, "/admin/users", people_list, ROUTE_SUPER_ADMIN, &list_query, NULL, "people" },
	{ METHOD_GET, "/admin/users/new", new_form, ROUTE_SUPER_ADMIN, NULL, NULL, "people" },
	{ METHOD_POST, "/admin/users/new", new_submit, ROUTE_SUPER_ADMIN | ROUTE_SLOW_WORK, NULL,
	  &new_body, "people" },
	{ METHOD_GET, "/admin/users/{id}", person_page, ROUTE_SUPER_ADMIN, NULL, NULL, "people" },
	{ METHOD_POST, "/admin/users/{id}/role", set_role, ROUTE_SUPER_ADMIN, NULL, &role_body,
	  "people" },
	{ METHOD_POST, "/admin/users/{id}/password-link", password_link, ROUTE_SUPER_ADMIN, NULL,
	  NULL, "people" },
	{ METHOD_GET, "/admin/users/{id}/deactivate", deactivate_form, ROUTE_SUPER_ADMIN, NULL,
	  NULL, "people" },
	{ METHOD_POST, "/admin/users/{id}/deactivate", deactivate, ROUTE_SUPER_ADMIN, NULL,
	  &deactivate_body, "people" },
	{ METHOD_POST, "/admin/users/{id}/reactivate", reactivate, ROUTE_SUPER_ADMIN, NULL, NULL,
	  "people" },
	{ METHOD_GET, "/password/{token}", password_form, ROUTE_PUBLIC, NULL, NULL, NULL },
	{ METHOD_POST, "/password/{token}", password_submit, ROUTE_PUBLIC | ROUTE_SLOW_WORK, NULL,
	  &password_body, NULL },
};

int main(int argc, char **argv)
{
	static const struct program program = { "inboxpanel-people", routes, ARRAY_LEN(routes) };

	return app_main(argc, argv, &program);
}
