/* demo.c — `inboxpanel demo-seed`: users of each role, their inboxes in every
 * state, and two conversation inboxes whose email channels were connected by
 * different people, so each state of the pages can be seen right after ./dev
 * demo.  The tokens are random strings
 * sealed with the deployment's real public key, each bound to its row, exactly as
 * the web programs seal real ones. */
#include "config.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "audit.h"
#include "conn.h"
#include "crypto.h"
#include "demo.h"
#include "http.h"
#include "oauth.h"
#include "outbox.h"
#include "pw.h"
#include "seal_store.h"
#include "team.h"
#include "user.h"
#include "util.h"

#define DAY 86400

struct demo_user {
	const char *email;
	const char *name;
	enum role role;
	int account_access;
};

static const struct demo_user demo_users[] = {
	{ "marie@example.com", "Marie Dubois", ROLE_USER, 1 },
	{ "tom@example.com", "Tom Baker", ROLE_USER, 0 },
	{ "sofia@example.com", "Sofia Rossi", ROLE_SUPER_ADMIN, 0 },
};

/* The conversation inboxes; a channel names its inbox by its place here, plus one. */
static const char *const demo_teams[] = { "Support", "Sales" };

struct demo_inbox {
	int team;          /* 0: a personal inbox; n: a channel of demo_teams[n - 1] */
	const char *owner; /* personal: whose; team: who connected it */
	enum provider provider;
	const char *address;
	enum conn_state state;
	int days_ago;
	const char *last_error;
	const char *last_error_code;
	enum outbox_state revocation; /* for removed ones */
};

static const struct demo_inbox demo_inboxes[] = {
	{ 0, "admin@example.com", PROV_GOOGLE, "sales@example.com", CONN_CONNECTED, 120, NULL, NULL, 0 },
	{ 0, "admin@example.com", PROV_MICROSOFT, "admin@contoso.example", CONN_CONNECTED, 64, NULL, NULL, 0 },
	{ 0, "admin@example.com", PROV_IMAP, "support@example.org", CONN_CONNECTED, 30, NULL, NULL, 0 },
	{ 0, "admin@example.com", PROV_OUTLOOK, "old.admin@outlook.com", CONN_DISABLED, 400, NULL, NULL, 0 },
	{ 0, "admin@example.com", PROV_GOOGLE, "admin.archive@gmail.com", CONN_DISCONNECTED, 200,
	  "token_rejected", "invalid_grant", 0 },
	{ 0, "admin@example.com", PROV_MICROSOFT, "previous@fabrikam.example", CONN_REMOVED, 500, NULL,
	  NULL, OUTBOX_DONE },
	{ 0, "admin@example.com", PROV_OUTLOOK, "first.try@hotmail.com", CONN_REMOVED, 700, NULL, NULL,
	  OUTBOX_MANUAL },
	{ 0, "marie@example.com", PROV_MICROSOFT, "marie@contoso.example", CONN_CONNECTED, 90, NULL, NULL, 0 },
	{ 0, "tom@example.com", PROV_GOOGLE, "tom@example.com", CONN_CONNECTED, 10, NULL, NULL, 0 },
	{ 1, "admin@example.com", PROV_GOOGLE, "support@acme.example", CONN_CONNECTED, 210, NULL, NULL, 0 },
	{ 1, "marie@example.com", PROV_MICROSOFT, "help@acme.example", CONN_CONNECTED, 45, NULL, NULL, 0 },
	{ 1, "marie@example.com", PROV_GOOGLE, "billing@acme.example", CONN_DISCONNECTED, 150,
	  "token_rejected", "invalid_grant", 0 },
	{ 2, "sofia@example.com", PROV_MICROSOFT, "sales-team@acme.example", CONN_CONNECTED, 80, NULL,
	  NULL, 0 },
	{ 2, "marie@example.com", PROV_OUTLOOK, "deals@acme.example", CONN_CONNECTED, 20, NULL, NULL, 0 },
};

static int fail(const char *what)
{
	fprintf(stderr, "inboxpanel: demo-seed: %s\n", what);
	return 1;
}

static int ensure_user(struct db *db, const struct demo_user *u)
{
	char password[44], hash[PW_HASH_MAX];
	struct user existing;

	if (user_by_email(db, u->email, &existing, NULL) == ST_OK)
		return 0;
	/* Nobody signs in as these: they show roles and the other users' inboxes. */
	if (crypto_random_token(password) != 0 || pw_hash(password, strlen(password), hash) != 0)
		return -1;
	return user_add(db, u->email, u->name, u->role, u->account_access, hash, now_utc(), NULL) ==
			       ST_OK
		       ? 0
		       : -1;
}

/* An account minted at the sandbox provider for a demo inbox (its control API),
 * so that the demo's revocations and health checks are real calls about real
 * tokens. */
struct minted {
	char *refresh_token;
	char *subject; /* Google: sub; Microsoft: oid */
	char *tenant;  /* Microsoft: tid */
	int done;
};

static void minted_answer(void *arg, const struct http_answer *a)
{
	struct minted *m = arg;

	m->done = 1;
	if (a->status != 200) {
		fprintf(stderr, "inboxpanel: demo-seed: the sandbox answered %ld %s\n", a->status,
			a->error);
		return;
	}
	m->refresh_token = oauth_json_string(a, "refresh_token");
	m->subject = oauth_json_string(a, "oid");
	if (m->subject == NULL)
		m->subject = oauth_json_string(a, "sub");
	m->tenant = oauth_json_string(a, "tid");
}

static int mint(const char *sandbox, const struct demo_inbox *d, struct minted *m)
{
	struct http_pool *pool = http_pool_new(1, 5, 20);
	char *url = xasprintf("%s/_control/mint", sandbox);
	struct buf form;

	buf_init(&form);
	http_form_add(&form, "provider", prov_table[d->provider].name);
	http_form_add(&form, "address", d->address);
	http_call(pool, "POST", url, form.data, NULL, minted_answer, m);
	while (!m->done)
		http_pool_run(pool, -1, 1000);
	http_pool_free(pool);
	buf_free(&form);
	free(url);
	return m->refresh_token != NULL ? 0 : -1;
}

static void minted_free(struct minted *m)
{
	if (m->refresh_token != NULL) {
		OPENSSL_cleanse(m->refresh_token, strlen(m->refresh_token));
		free(m->refresh_token);
	}
	free(m->subject);
	free(m->tenant);
}

static int add_inbox(struct db *db, struct keyring_sealer *sealer, const char *sandbox,
		     const struct demo_inbox *d, const long long *team_ids, time_t now)
{
	static const struct audit_actor demo = { 0, "demo-seed", "" };
	char token[CRYPTO_TOKEN_LEN + 1], plain[80];
	struct minted minted = { NULL, NULL, NULL, 0 };
	const char *secret = plain;
	struct user owner;
	struct conn after;
	struct conn_scope scope = { CONN_PERSONAL, 0 };
	long long id;
	int changed, rc = -1;
	struct conn_new c = {
		.kind = d->team ? CONN_TEAM : CONN_PERSONAL,
		.provider = d->provider,
		.address = d->address,
		.state = d->state == CONN_REMOVED ? CONN_DISABLED : d->state,
		.scopes = d->provider == PROV_IMAP ? "" : "openid email offline_access",
		.last_error = d->last_error,
		.last_error_code = d->last_error_code,
		.connected_at = now - (time_t)d->days_ago * DAY,
	};

	if (user_by_email(db, d->owner, &owner, NULL) != ST_OK || crypto_random_token(token) != 0)
		return -1;
	snprintf(plain, sizeof(plain), "demo-%s-%s", d->provider == PROV_IMAP ? "password" : "refresh-token", token);
	/* A removed one keeps no token, and IMAP has no provider to mint at. */
	if (sandbox != NULL && prov_table[d->provider].oauth && d->state != CONN_REMOVED) {
		if (mint(sandbox, d, &minted) != 0)
			goto out;
		secret = minted.refresh_token;
		c.subject = minted.subject;
		c.tenant = minted.tenant;
	}
	if (d->team) {
		c.inbox_id = team_ids[d->team - 1];
		scope.kind = CONN_TEAM;
		scope.id = c.inbox_id;
	} else {
		c.owner_user_id = owner.id;
		scope.id = owner.id;
	}
	c.connected_by_user_id = owner.id;
	/* The box is bound to the row's id, so the row comes first, in the same
	 * transaction: nobody ever sees the inbox without its token. */
	if (db_begin_write(db) != ST_OK)
		goto out;
	if (conn_insert(db, &c, &id) != ST_OK ||
	    seal_store_connection_secret(db, sealer, id, (const uint8_t *)secret, strlen(secret)) !=
		    ST_OK ||
	    db_commit(db) != ST_OK) {
		db_rollback(db);
		goto out;
	}
	rc = 0;
	if (d->state != CONN_REMOVED)
		goto out;
	/* A removed one goes the way a person removes it, then its revocation ends. */
	rc = -1;
	if (db_begin_write(db) != ST_OK)
		goto out;
	if (conn_apply(db, &demo, &scope, id, CONN_REMOVE, now - DAY, &after, &changed) != ST_OK ||
	    (d->revocation != OUTBOX_MANUAL &&
	     outbox_finish_revocation(db, id, d->revocation, "", now - DAY + 5) != ST_OK) ||
	    db_commit(db) != ST_OK) {
		db_rollback(db);
		goto out;
	}
	rc = 0;
out:
	OPENSSL_cleanse(plain, sizeof(plain));
	minted_free(&minted);
	return rc;
}

/* For tests/integration/t_keys.sh: with INBOXPANEL_TEST_DEMO_PAUSE=FILE set,
 * demo-seed stops after its first inbox, creates FILE.paused, and goes on once
 * FILE exists (30 s at most): a program that seals, left running across a rekey. */
static void test_pause(void)
{
	const char *path = getenv("INBOXPANEL_TEST_DEMO_PAUSE");
	char *paused;
	FILE *fp;

	if (path == NULL)
		return;
	paused = xasprintf("%s.paused", path);
	fp = fopen(paused, "w");
	if (fp != NULL)
		fclose(fp);
	for (int i = 0; i < 300 && access(path, F_OK) != 0; i++)
		usleep(100 * 1000);
	free(paused);
}

int demo_seed(const struct conf *conf, struct db *db, const char *sandbox)
{
	struct keyring_sealer *sealer;
	char err[512];
	time_t now = now_utc();
	long long existing = conn_count(db);
	long long team_ids[ARRAY_LEN(demo_teams)];

	/* As a web program would: the public key, and only once it is known to belong
	 * to a key of the ring. */
	sealer = keyring_sealer_new(conf, err, sizeof(err));
	if (sealer == NULL)
		return fail(err);
	if (existing != 0) {
		keyring_sealer_free(sealer);
		return fail(existing < 0 ? "cannot read the database"
					 : "the database has inboxes already; demo-seed fills an empty one");
	}
	for (size_t i = 0; i < ARRAY_LEN(demo_users); i++)
		if (db_begin_write(db) != ST_OK || ensure_user(db, &demo_users[i]) != 0 ||
		    db_commit(db) != ST_OK) {
			db_rollback(db);
			keyring_sealer_free(sealer);
			return fail("cannot add the demo users");
		}
	for (size_t i = 0; i < ARRAY_LEN(demo_teams); i++)
		if (db_begin_write(db) != ST_OK ||
		    team_inbox_add(db, demo_teams[i], now - 400 * DAY, &team_ids[i]) != ST_OK ||
		    db_commit(db) != ST_OK) {
			db_rollback(db);
			keyring_sealer_free(sealer);
			return fail("cannot add the demo conversation inboxes");
		}
	for (size_t i = 0; i < ARRAY_LEN(demo_inboxes); i++) {
		if (add_inbox(db, sealer, sandbox, &demo_inboxes[i], team_ids, now) != 0) {
			keyring_sealer_free(sealer);
			return fail("cannot add the demo inboxes (is admin@example.com a user?)");
		}
		if (i == 0)
			test_pause();
	}
	keyring_sealer_free(sealer);
	printf("Seeded %zu demo inboxes for %zu users, and %zu conversation inboxes\n",
	       ARRAY_LEN(demo_inboxes), ARRAY_LEN(demo_users) + 1, ARRAY_LEN(demo_teams));
	return 0;
}
