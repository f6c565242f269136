/* account.c — the account area: sign-in, sign-out, notifications, the audit
 * log, health.
 *
 * The inboxpanel-account program.  nginx sends it every path that no other area
 * claims, so its 404 page is the site's. */
#include "config.h"

#include <jansson.h>
#include <libgen.h>
#include <stdint.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>

#include "app.h"
#include "audit.h"
#include "crypto.h"
#include "login.h"
#include "notify.h"
#include "outbox.h"
#include "page.h"
#include "pw.h"
#include "tmpl.h"
#include "util.h"

#define AUDIT_PAGE_SIZE 50

/* GET / — the panel starts at the user's inboxes.  Answers 303. */
static void home(struct ctx *ctx)
{
	page_redirect(ctx, "/settings/email", NULL, NULL);
}

/* --- sign-in --------------------------------------------------------------- */

enum { LOGIN_Q_NEXT };
static const struct field login_query_fields[] = {
	{ "next", FIELD_LOCAL_PATH, 0, 0, 1024, NULL },
};
static const struct form login_query = FORM(login_query_fields);

enum { LOGIN_EMAIL, LOGIN_PASSWORD, LOGIN_NEXT };
static const struct field login_body_fields[] = {
	{ "email", FIELD_TEXT, 1, 1, 254, NULL },
	{ "password", FIELD_SECRET, 1, 1, PW_MAX_LEN, NULL },
	{ "next", FIELD_LOCAL_PATH, 0, 0, 1024, NULL },
};
static const struct form login_body = FORM(login_body_fields);

/* Where to go after signing in: the page asked for, never another site. */
static const char *after_login(const struct field_value *next)
{
	if (next != NULL && next->present && strcmp(next->str, "/login") != 0 &&
	    strncmp(next->str, "/login?", 7) != 0)
		return next->str;
	return "/settings/email";
}

/* The sign-in form carries a token that must match a cookie set with it, so a
 * page elsewhere cannot sign a browser into an account of its choosing. */
static void render_login(struct ctx *ctx, const char *next, const char *email, const char *error_key)
{
	const struct param *c = params_get(&ctx->req->cookies, page_cookie_name(ctx, "login"));
	char token[CRYPTO_TOKEN_LEN + 1];

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
	if (next != NULL)
		tmpl_set(ctx->hdf, "Login.next", next);
	if (email != NULL)
		tmpl_set(ctx->hdf, "Login.email", email);
	if (error_key != NULL) {
		char key[64];
		const char *text;

		snprintf(key, sizeof(key), "Lang.login.%s", error_key);
		text = hdf_get_value(ctx->lang, key, "");
		tmpl_set(ctx->hdf, "Login.error", text);
	}
	page_render(ctx, "login.cs");
}

/* GET /login — the sign-in form; a signed-in user goes straight on.  200 or 303. */
static void login_form(struct ctx *ctx)
{
	const struct field_value *next = &ctx->query[LOGIN_Q_NEXT];

	if (ctx->user != NULL) {
		page_redirect(ctx, after_login(next), NULL, NULL);
		return;
	}
	render_login(ctx, next->present ? next->str : NULL, NULL, NULL);
}

/* name: the user's email, or the unknown name's keyed form (login_unknown_name). */
static enum status audit_login(struct ctx *ctx, const struct user *u, const char *name,
			       const char *action, const char *detail)
{
	struct audit_actor a = {
		.user_id = u ? u->id : 0,
		.name = u ? u->email : name,
		.client_addr = ctx->req->remote_addr,
	};
	char target[48];

	snprintf(target, sizeof(target), u ? "user:%lld" : "user:unknown", u ? u->id : 0LL);
	return audit_write(ctx->db, &a, ctx->now, action, target, detail);
}

/* POST /login — checks the password (in the same time whether or not the user
 * exists), throttles, and starts a new session.  303 on success; 200 with the
 * form and one message for any failure; 429 when throttled; 503 when the
 * database is busy.  The route has ROUTE_SLOW_WORK: the password hash (a third of
 * a second) is checked between two short write transactions, the throttle's and
 * the outcome's, so no other writer waits behind it. */
static void login_submit(struct ctx *ctx)
{
	const struct field_value *f = ctx->form;
	const char *email = f[LOGIN_EMAIL].str;
	struct login_limits lim = { ctx->conf->login_window, ctx->conf->login_max_per_account,
				    ctx->conf->login_max_per_address };
	struct sess_timeouts t = { ctx->conf->idle_timeout, ctx->conf->absolute_timeout };
	char hash[PW_HASH_MAX] = "", rehash[PW_HASH_MAX] = "";
	char cookie[CRYPTO_TOKEN_LEN + 1], unknown[LOGIN_UNKNOWN_NAME_SIZE];
	const char *account;
	struct session session;
	struct user user;
	long retry_after = 0;
	long long attempt_id = 0;
	enum status st;
	int found, known, ok;

	/* A name that is no user's is kept only as a keyed hash: it may be a password
	 * typed into the wrong field. */
	st = user_by_email(ctx->db, email, &user, hash);
	if (st != ST_OK && st != ST_NOT_FOUND) {
		page_error(ctx, st, NULL);
		return;
	}
	found = st == ST_OK;
	if (!found && (st = login_unknown_name(ctx->db, email, unknown)) != ST_OK) {
		page_error(ctx, st, NULL);
		return;
	}
	account = found ? user.email : unknown;
	/* The limit is checked and this attempt recorded as a failure in one short
	 * transaction, committed before the password is checked: the write lock is
	 * not held through scrypt, and parallel attempts cannot all pass the check. */
	if ((st = page_write(ctx)) != ST_OK) {
		page_error(ctx, st, NULL);
		return;
	}
	st = login_begin(ctx->db, account, ctx->req->remote_addr, &lim, ctx->now, &retry_after,
			 &attempt_id);
	if (st == ST_OK)
		st = db_commit(ctx->db);
	else
		db_rollback(ctx->db);
	if (st == ST_TOO_MANY) {
		char seconds[24];

		snprintf(seconds, sizeof(seconds), "%ld", retry_after);
		resp_header(ctx->resp, "Retry-After", seconds);
		tmpl_set_int(ctx->hdf, "Error.retry_minutes", (retry_after + 59) / 60);
		page_refuse(ctx, ST_TOO_MANY, "login.throttled", "user:unknown", "login_throttled");
		return;
	}
	if (st != ST_OK) {
		page_error(ctx, st, NULL);
		return;
	}
	known = found && !user.deactivated;
	if (known) {
		ok = pw_verify(f[LOGIN_PASSWORD].str, f[LOGIN_PASSWORD].len, hash);
		/* A hash made with older scrypt parameters is made again while the
		 * password is at hand, before the write lock is taken. */
		if (ok && pw_needs_rehash(hash) &&
		    pw_hash(f[LOGIN_PASSWORD].str, f[LOGIN_PASSWORD].len, rehash) != 0)
			rehash[0] = '\0';
	} else {
		pw_verify_dummy(f[LOGIN_PASSWORD].str, f[LOGIN_PASSWORD].len);
		ok = 0;
	}
	if ((st = page_write(ctx)) != ST_OK) {
		page_error(ctx, st, NULL);
		return;
	}
	if (!ok) {
		/* The detail tells an auditor why; the page never does. */
		/* The failure itself is recorded already (login_begin). */
		if (audit_login(ctx, found ? &user : NULL, account, "login.failure",
				!found		   ? "no such user"
				: user.deactivated ? "account deactivated"
						   : "wrong password") != ST_OK) {
			page_error(ctx, ST_INTERNAL, NULL);
			return;
		}
		render_login(ctx, f[LOGIN_NEXT].present ? f[LOGIN_NEXT].str : NULL, email, "failed");
		return;
	}
	if ((rehash[0] != '\0' && user_set_password(ctx->db, user.id, rehash, ctx->now) != ST_OK) ||
	    (ctx->session != NULL && sess_end(ctx->db, ctx->session->id) != ST_OK) ||
	    login_mark_success(ctx->db, attempt_id, account, ctx->now) != ST_OK ||
	    sess_start(ctx->db, user.id, ctx->req->remote_addr, &t, ctx->now, cookie, &session) !=
		    ST_OK ||
	    audit_login(ctx, &user, account, "login.success", "") != ST_OK) {
		page_error(ctx, ST_INTERNAL, NULL);
		return;
	}
	page_set_cookie(ctx, "session", cookie, ctx->conf->absolute_timeout, SAME_SITE_LAX);
	page_set_cookie(ctx, "login", "", 0, SAME_SITE_STRICT);
	page_redirect(ctx, after_login(&f[LOGIN_NEXT]), NULL, NULL);
}

/* POST /logout — ends the session on the server, not only in the browser.  303. */
static void logout(struct ctx *ctx)
{
	if (sess_end(ctx->db, ctx->session->id) != ST_OK || page_audit(ctx, "logout", "", "") != ST_OK) {
		page_error(ctx, ST_INTERNAL, NULL);
		return;
	}
	page_set_cookie(ctx, "session", "", 0, SAME_SITE_LAX);
	page_redirect(ctx, "/login", "signed_out", NULL);
}

/* --- health ---------------------------------------------------------------- */

/* Below this much free space for the database's folder, the disk counts as full:
 * a commit or a checkpoint may fail any moment. */
#define HEALTH_MIN_FREE_BYTES (1024LL * 1024)

/* GET /healthz — 200 with JSON when the database answers and takes a write; 503
 * with what is wrong ("busy", "read_only", "disk_full", "io_error", "error",
 * "unreachable") when it does not.  The write is real (a tiny row committed, see
 * db_probe_write): a read-only or full disk answers reads but no write.  The
 * worker's heartbeat and the revocations due now are reported, not judged: the
 * worker may run from cron. */
static void healthz(struct ctx *ctx)
{
	json_t *body = json_object();
	json_t *worker = json_object();
	int up = db_ping(ctx->db);
	const char *problem = up ? db_probe_write(ctx->db, (long long)ctx->now) : "unreachable";
	struct statvfs fs;
	char *dir = xstrdup(ctx->conf->database_path), *text;

	/* Room for the database, the WAL and its checkpoints. */
	if (statvfs(dirname(dir), &fs) == 0) {
		long long free_bytes = (long long)fs.f_bavail * (long long)fs.f_frsize;

		json_object_set_new(body, "disk_free_bytes", json_integer(free_bytes));
		if (problem == NULL && free_bytes < HEALTH_MIN_FREE_BYTES)
			problem = "disk_full";
	}
	free(dir);
	json_object_set_new(body, "status", json_string(problem == NULL ? "ok" : "unavailable"));
	json_object_set_new(body, "database", json_string(problem == NULL ? "ok" : problem));
	if (up) {
		long long beat_at;

		json_object_set_new(body, "schema_version", json_integer(db_schema_version(ctx->db)));
		if (outbox_worker_heartbeat(ctx->db, &beat_at) == ST_OK) {
			char when[21];

			format_utc((time_t)beat_at, when);
			json_object_set_new(worker, "last_heartbeat", json_string(when));
			json_object_set_new(worker, "seconds_ago", json_integer(ctx->now - beat_at));
		} else {
			json_object_set_new(worker, "last_heartbeat", json_null());
		}
		json_object_set_new(worker, "due_jobs", json_integer(outbox_due_count(ctx->db, ctx->now)));
	}
	json_object_set_new(body, "worker", worker);
	text = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	if (text == NULL) {
		page_error(ctx, ST_INTERNAL, NULL);
		return;
	}
	ctx->resp->status = problem == NULL ? 200 : 503;
	if (problem != NULL)
		resp_header(ctx->resp, "Retry-After", "5");
	resp_header(ctx->resp, "Content-Type", "application/json");
	buf_puts(&ctx->resp->body, text);
	buf_putc(&ctx->resp->body, '\n');
	free(text);
}

/* --- audit log ------------------------------------------------------------- */

static const char *const export_formats[] = { "html", "csv", "json", NULL };
enum { AUDIT_OLDER_THAN, AUDIT_NEWER_THAN, AUDIT_ACTION, AUDIT_ACTOR, AUDIT_FORMAT, AUDIT_FROM, AUDIT_TO };
/* older and newer are a row's place, "AT.ID" (audit_cursor): the paging links. */
static const struct field audit_query_fields[] = {
	{ "older", FIELD_TEXT, 0, 3, 41, NULL },
	{ "newer", FIELD_TEXT, 0, 3, 41, NULL },
	{ "action", FIELD_TEXT, 0, 1, 64, NULL },
	{ "actor", FIELD_TEXT, 0, 1, 254, NULL },
	{ "format", FIELD_CHOICE, 0, 0, 0, export_formats },
	/* A range of days, YYYY-MM-DD in UTC, both included (audit_filter_of). */
	{ "from", FIELD_TEXT, 0, 10, 10, NULL },
	{ "to", FIELD_TEXT, 0, 10, 10, NULL },
};
static const struct form audit_query = FORM(audit_query_fields);

struct audit_listing {
	struct ctx *ctx;
	int n;
	struct audit_cursor first, last; /* the page's newest and oldest rows */
};

/* Who did it, in words: a person's address, or the app itself. */
static const char *actor_words(const struct ctx *ctx, const char *actor)
{
	if (strcmp(actor, "system") == 0 || strcmp(actor, "cli") == 0)
		return hdf_get_valuef(ctx->lang, "Lang.audit_words.actor_%s", actor);
	return actor;
}

/* What a row is about, in words: the mailbox of a connection (joined as the log
 * is read), the address of a user, or the target as it was written. */
static void set_target(const struct ctx *ctx, HDF *row, const struct audit_row *r)
{
	long long id;
	struct user u;

	if (r->target_address[0] != '\0') {
		tmpl_set(row, "target", r->target_address);
		return;
	}
	if (strncmp(r->target, "user:", 5) == 0 &&
	    parse_int_strict(r->target + 5, strlen(r->target + 5), 1, LLONG_MAX, &id) == 0 &&
	    user_by_id(ctx->db, id, &u) == ST_OK) {
		tmpl_set(row, "target", u.email);
		return;
	}
	tmpl_set(row, "target",
		 hdf_get_valuef(ctx->lang, "Lang.audit_words.target.%s", r->target) != NULL
			 ? hdf_get_valuef(ctx->lang, "Lang.audit_words.target.%s", r->target)
			 : r->target);
}

/* An action as a sentence of the reader's language ("Inbox disabled"); an action
 * the words do not know yet reads as its name. */
static const char *action_words(const struct ctx *ctx, const char *action)
{
	const char *words = hdf_get_valuef(ctx->lang, "Lang.audit_words.action.%s", action);

	return words != NULL ? words : action;
}

static void audit_to_hdf(const struct audit_row *r, void *arg)
{
	struct audit_listing *l = arg;
	const struct ctx *ctx = l->ctx;
	HDF *row;
	int i = l->n++;

	/* One row beyond the page only says that there is another page. */
	if (i == AUDIT_PAGE_SIZE)
		return;
	if (i == 0)
		l->first = (struct audit_cursor){ r->at, r->id };
	l->last = (struct audit_cursor){ r->at, r->id };
	row = tmpl_item(ctx->hdf, "Audit.rows", i);
	tmpl_set_time(row, "time", ctx->lang, (time_t)r->at);
	tmpl_set(row, "actor", actor_words(ctx, r->actor));
	tmpl_set(row, "client_addr", r->client_addr);
	tmpl_set(row, "action", r->action);
	tmpl_set(row, "action_words", action_words(ctx, r->action));
	set_target(ctx, row, r);
	/* A connection's rows carry its address as their detail: said once is enough. */
	if (strcmp(r->detail, r->target_address) != 0)
		tmpl_set(row, "detail", r->detail);
}

static void count_row(const struct audit_row *row, void *arg)
{
	(void)row;
	++*(int *)arg;
}

static void action_to_hdf(const char *action, void *arg)
{
	struct audit_listing *l = arg;
	HDF *item = tmpl_item(l->ctx->hdf, "Audit.actions", l->n++);

	tmpl_set(item, "code", action);
	tmpl_set(item, "words", action_words(l->ctx, action));
}

static void emit_to_page(void *arg, const char *data, size_t len)
{
	page_stream_write(arg, data, len);
}

/* A day as the filters take it, "YYYY-MM-DD", to its first second in UTC; -1 for
 * anything else (a 31 February included). */
static long long day_start(const char *text)
{
	struct tm tm = { 0 };
	int y, m, d, used = 0;
	time_t t;

	for (int i = 0; i < 10; i++)
		if (i == 4 || i == 7 ? text[i] != '-' : text[i] < '0' || text[i] > '9')
			return -1;
	if (text[10] != '\0' || sscanf(text, "%4d-%2d-%2d%n", &y, &m, &d, &used) != 3 || used != 10 ||
	    y < 1970 || m < 1 || m > 12 || d < 1 || d > 31)
		return -1;
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	t = timegm(&tm);
	gmtime_r(&t, &tm);
	return tm.tm_mday == d && tm.tm_mon == m - 1 ? (long long)t : -1;
}

/* The query's filters: 0, or -1 for a date that is not one or a range that ends
 * before it starts.  "to" is a whole day: the range ends at the next midnight. */
static int audit_filter_of(const struct field_value *q, struct audit_filter *filter)
{
	*filter = (struct audit_filter){
		.action = q[AUDIT_ACTION].present ? q[AUDIT_ACTION].str : NULL,
		.actor = q[AUDIT_ACTOR].present ? q[AUDIT_ACTOR].str : NULL,
	};
	if (q[AUDIT_FROM].present && (filter->from_at = day_start(q[AUDIT_FROM].str)) < 0)
		return -1;
	if (q[AUDIT_TO].present) {
		long long to = day_start(q[AUDIT_TO].str);

		if (to < 0)
			return -1;
		filter->to_at = to + 86400;
	}
	if (filter->to_at != 0 && filter->from_at >= filter->to_at)
		return -1;
	return 0;
}

/* After the export's own audit row has committed: the head, then the rows as
 * they are read.  The head is gone once the rows start: a failure then can only
 * cut the download short. */
static void stream_audit(struct ctx *ctx)
{
	struct audit_filter filter;
	enum audit_format format = ctx->query[AUDIT_FORMAT].choice == 1 ? AUDIT_CSV : AUDIT_JSON;

	/* audit_page checked the filters before the export was recorded. */
	(void)audit_filter_of(ctx->query, &filter);
	page_stream_start(ctx);
	if (audit_export(ctx->db, &filter, format, emit_to_page, ctx) != ST_OK)
		log_error("audit export cut short");
}

/* The whole (filtered) log as a download.  The export is recorded first, in the
 * request's transaction; the rows stream out once it has committed, from one
 * statement's snapshot, which holds no writer up however long the log. */
static void export_audit(struct ctx *ctx, enum audit_format format, const char *ext)
{
	char when[21], disposition[96];
	enum status st;

	if ((st = page_write(ctx)) != ST_OK ||
	    (st = page_audit(ctx, "audit.export", "audit_log", ext)) != ST_OK) {
		page_error(ctx, st, NULL);
		return;
	}
	format_utc(ctx->now, when);
	when[10] = '\0';
	snprintf(disposition, sizeof(disposition), "attachment; filename=\"audit-%s.%s\"", when, ext);
	resp_header(ctx->resp, "Content-Type",
		    format == AUDIT_CSV ? "text/csv; charset=utf-8" : "application/json");
	resp_header(ctx->resp, "Content-Disposition", disposition);
	ctx->after_commit = stream_audit;
}

/* A cursor as the paging links carry it: "AT.ID", both decimal, nothing else. */
static int parse_cursor(const char *text, struct audit_cursor *c)
{
	char *end;

	if (*text < '0' || *text > '9')
		return -1;
	c->at = strtoll(text, &end, 10);
	if (*end != '.' || end[1] < '0' || end[1] > '9')
		return -1;
	c->id = strtoll(end + 1, &end, 10);
	return *end == '\0' && c->at < LLONG_MAX && c->id < LLONG_MAX ? 0 : -1;
}

static void set_cursor(HDF *hdf, const char *name, const struct audit_cursor *c)
{
	tmpl_setf(hdf, name, "%lld.%lld", c->at, c->id);
}

/* GET /admin/audit — super admins only (the dispatcher answers 403 to others).
 * Newest first, 50 a page, filtered by action and actor; older=AT.ID and
 * newer=AT.ID page from a row's place (keyset paging: a page costs the same at
 * the log's start and 100,000 rows on, and rows written meanwhile shift nothing);
 * format=csv or json downloads every matching row.  200; 400 for a malformed
 * cursor; 404 for a cursor with nothing beyond it. */
static void audit_page(struct ctx *ctx)
{
	const struct field_value *q = ctx->query;
	struct audit_filter filter;
	int format = q[AUDIT_FORMAT].present ? q[AUDIT_FORMAT].choice : 0;
	enum audit_direction dir = AUDIT_NEWEST;
	struct audit_cursor from = { 0, 0 };
	struct audit_listing listing = { ctx, 0, { 0, 0 }, { 0, 0 } };
	int has_newer, has_older;

	if (audit_filter_of(q, &filter) != 0) {
		page_error(ctx, ST_BAD_REQUEST, "bad_date");
		return;
	}
	if (format != 0) {
		export_audit(ctx, format == 1 ? AUDIT_CSV : AUDIT_JSON, export_formats[format]);
		return;
	}
	if (q[AUDIT_OLDER_THAN].present && q[AUDIT_NEWER_THAN].present) {
		page_error(ctx, ST_BAD_REQUEST, NULL);
		return;
	}
	if (q[AUDIT_OLDER_THAN].present || q[AUDIT_NEWER_THAN].present) {
		dir = q[AUDIT_OLDER_THAN].present ? AUDIT_OLDER : AUDIT_NEWER;
		if (parse_cursor(q[dir == AUDIT_OLDER ? AUDIT_OLDER_THAN : AUDIT_NEWER_THAN].str,
				 &from) != 0) {
			page_error(ctx, ST_BAD_REQUEST, NULL);
			return;
		}
	}
	/* Older-wards, one row more than a page tells whether there is another page;
	 * newer-wards (read upwards from the cursor), a newer row is looked up. */
	if (audit_each(ctx->db, &filter, dir, &from,
		       dir == AUDIT_NEWER ? AUDIT_PAGE_SIZE : AUDIT_PAGE_SIZE + 1, audit_to_hdf,
		       &listing) != ST_OK) {
		page_error(ctx, ST_INTERNAL, NULL);
		return;
	}
	if (dir == AUDIT_OLDER && listing.n == 0) {
		page_error(ctx, ST_NOT_FOUND, "no_such_page");
		return;
	}
	if (dir == AUDIT_NEWER && listing.n < AUDIT_PAGE_SIZE) {
		/* Back at the top: the newest page, full, as its own link shows it. */
		NEOERR *err = hdf_remove_tree(ctx->hdf, "Audit.rows");

		nerr_ignore(&err); /* nothing to remove is no error: the rows are set again */
		listing.n = 0;
		dir = AUDIT_NEWEST;
		if (audit_each(ctx->db, &filter, dir, &from, AUDIT_PAGE_SIZE + 1, audit_to_hdf,
			       &listing) != ST_OK) {
			page_error(ctx, ST_INTERNAL, NULL);
			return;
		}
	}
	if (dir == AUDIT_NEWER) {
		int newer = 0;

		has_older = 1;
		if (audit_each(ctx->db, &filter, AUDIT_NEWER, &listing.first, 1, count_row, &newer) !=
		    ST_OK) {
			page_error(ctx, ST_INTERNAL, NULL);
			return;
		}
		has_newer = newer > 0;
	} else {
		has_newer = dir == AUDIT_OLDER;
		has_older = listing.n > AUDIT_PAGE_SIZE;
	}
	tmpl_set_int(ctx->hdf, "Audit.count", listing.n > AUDIT_PAGE_SIZE ? AUDIT_PAGE_SIZE : listing.n);
	tmpl_set_count_words(ctx->hdf, "Audit.count_words", ctx->lang, ctx->lang_code,
			     "audit_words.entries", listing.n > AUDIT_PAGE_SIZE ? AUDIT_PAGE_SIZE : listing.n);
	if (has_newer)
		set_cursor(ctx->hdf, "Audit.newer", &listing.first);
	if (has_older)
		set_cursor(ctx->hdf, "Audit.older", &listing.last);
	listing.n = 0;
	if (audit_actions(ctx->db, action_to_hdf, &listing) != ST_OK) {
		page_error(ctx, ST_INTERNAL, NULL);
		return;
	}
	if (filter.action != NULL)
		tmpl_set(ctx->hdf, "Audit.filter.action", filter.action);
	if (filter.actor != NULL)
		tmpl_set(ctx->hdf, "Audit.filter.actor", filter.actor);
	if (q[AUDIT_FROM].present)
		tmpl_set(ctx->hdf, "Audit.filter.from", q[AUDIT_FROM].str);
	if (q[AUDIT_TO].present)
		tmpl_set(ctx->hdf, "Audit.filter.to", q[AUDIT_TO].str);
	if (filter.action != NULL || filter.actor != NULL || q[AUDIT_FROM].present ||
	    q[AUDIT_TO].present)
		tmpl_set(ctx->hdf, "Audit.filtered", "1");
	{
		/* The filter as a query string for the paging and export links. */
		struct buf qs;

		buf_init(&qs);
		if (filter.action != NULL) {
			char *v = page_url_escape(filter.action);

			buf_printf(&qs, "&action=%s", v);
			free(v);
		}
		if (filter.actor != NULL) {
			char *v = page_url_escape(filter.actor);

			buf_printf(&qs, "&actor=%s", v);
			free(v);
		}
		/* The dates passed day_start: digits and dashes only. */
		if (q[AUDIT_FROM].present)
			buf_printf(&qs, "&from=%s", q[AUDIT_FROM].str);
		if (q[AUDIT_TO].present)
			buf_printf(&qs, "&to=%s", q[AUDIT_TO].str);
		tmpl_set(ctx->hdf, "Audit.filter.query", qs.data ? qs.data : "");
		buf_free(&qs);
	}
	page_render(ctx, "audit.cs");
}

/* --- notifications --------------------------------------------------------- */

#define NOTIFICATIONS_PAGE_SIZE 30

enum { NOTIFY_Q_BEFORE };
static const struct field notifications_query_fields[] = {
	{ "before", FIELD_INT, 0, 1, INT64_MAX, NULL },
};
static const struct form notifications_query = FORM(notifications_query_fields);

enum { NOTIFY_READ_UP_TO };
static const struct field notifications_read_fields[] = {
	{ "up_to", FIELD_INT, 1, 1, INT64_MAX, NULL },
};
static const struct form notifications_read_body = FORM(notifications_read_fields);

struct notification_listing {
	struct ctx *ctx;
	int n;
	long long oldest_id; /* the oldest shown: the next page starts below it */
	int more;            /* an older one exists */
};

static void notification_to_hdf(const struct notification *n, void *arg)
{
	struct notification_listing *l = arg;
	HDF *h = l->ctx->hdf;
	struct notify_words words;
	char *link, *date, when[21], id[24];
	int i;

	if (l->n == NOTIFICATIONS_PAGE_SIZE) {
		l->more = 1;
		return;
	}
	i = l->n++;
	link = notify_link(n);
	date = tmpl_date(l->ctx->lang, (time_t)n->created_at);
	notify_words_of(l->ctx->lang, n, &words);
	format_utc((time_t)n->created_at, when);
	tmpl_set_item(h, "Notify.rows", i, "text", words.text);
	tmpl_set_item(h, "Notify.rows", i, "cause", words.cause);
	tmpl_set_item(h, "Notify.rows", i, "date", date);
	tmpl_set_item(h, "Notify.rows", i, "time", when);
	tmpl_set_item(h, "Notify.rows", i, "link", link);
	tmpl_set_item(h, "Notify.rows", i, "unread", n->unread ? "1" : "0");
	snprintf(id, sizeof(id), "%lld", n->id);
	tmpl_set_item(h, "Notify.rows", i, "id", id);
	if (i == 0)
		tmpl_setf(h, "Notify.newest_id", "%lld", n->id);
	l->oldest_id = n->id;
	notify_words_clear(&words);
	free(link);
	free(date);
}

/* GET /notifications — the signed-in user's notifications, newest first, 30 a
 * page (?before=ID: those older than ID), the unread ones marked.  200. */
static void notifications_page(struct ctx *ctx)
{
	const struct field_value *before = &ctx->query[NOTIFY_Q_BEFORE];
	struct notification_listing listing = { ctx, 0, 0, 0 };

	/* One more than a page tells whether an older page exists. */
	if (notify_each(ctx->db, ctx->user->id, before->present ? before->num : 0,
			NOTIFICATIONS_PAGE_SIZE + 1, notification_to_hdf, &listing) != ST_OK) {
		page_error(ctx, ST_INTERNAL, NULL);
		return;
	}
	if (listing.more)
		tmpl_set_int(ctx->hdf, "Notify.older", listing.oldest_id);
	tmpl_set_int(ctx->hdf, "Notify.count", listing.n);
	if (before->present)
		tmpl_set(ctx->hdf, "Notify.paged", "1");
	page_render(ctx, "notifications.cs");
}

/* POST /notifications/read — marks the user's notifications read, up to the
 * newest the page showed (up_to), so one that came after stays unread.  303 to
 * /notifications. */
static void notifications_read(struct ctx *ctx)
{
	if (notify_mark_read(ctx->db, ctx->user->id, ctx->form[NOTIFY_READ_UP_TO].num, ctx->now,
			     NULL) != ST_OK) {
		page_error(ctx, ST_INTERNAL, NULL);
		return;
	}
	page_redirect(ctx, "/notifications", "notifications_read", NULL);
}

static const struct route routes[] = {
	{ METHOD_GET, "/", home, 0, NULL, NULL, NULL },
	{ METHOD_GET, "/login", login_form, ROUTE_PUBLIC, &login_query, NULL, NULL },
	{ METHOD_POST, "/login", login_submit, ROUTE_PUBLIC | ROUTE_SLOW_WORK, NULL, &login_body,
	  NULL },
	{ METHOD_POST, "/logout", logout, 0, NULL, NULL, NULL },
	{ METHOD_GET, "/healthz", healthz, ROUTE_PUBLIC, NULL, NULL, NULL },
	{ METHOD_GET, "/admin/audit", audit_page, ROUTE_SUPER_ADMIN, &audit_query, NULL, "audit" },
	{ METHOD_GET, "/notifications", notifications_page, 0, &notifications_query, NULL,
	  "notifications" },
	{ METHOD_POST, "/notifications/read", notifications_read, 0, NULL, &notifications_read_body,
	  NULL },
};

int main(int argc, char **argv)
{
	static const struct program program = { "inboxpanel-account", routes, ARRAY_LEN(routes) };

	return app_main(argc, argv, &program);
}
