/* inboxpanel.c — the operator's command-line tool: create and migrate the database,
 * manage users, export the audit log.
 *
 * Exit status: 0 on success, 1 when the command failed, 2 on a usage error; a
 * failure prints one line on stderr. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "audit.h"
#include "conn.h"
#include "conf.h"
#include "crypto.h"
#include "db.h"
#include "demo.h"
#include "form.h"
#include "offboard.h"
#include "outbox.h"
#include "pw.h"
#include "runas.h"
#include "keyring.h"
#include "seal.h"
#include "seal_store.h"
#include "sess.h"
#include "user.h"
#include "userlink.h"
#include "util.h"
#include "worker.h"

#define EXIT_USAGE 2

static const struct audit_actor cli_actor = { 0, "cli", "" };

static void print_usage(FILE *to);

static int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int fail(const char *fmt, ...)
{
	va_list ap;

	fputs("inboxpanel: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return EXIT_FAILURE;
}

static int usage_error(const char *what)
{
	fprintf(stderr, "inboxpanel: %s\n", what);
	print_usage(stderr);
	return EXIT_USAGE;
}

/* Reads one line of password from stdin; -1 when there is none. */
static int read_password(char *out, size_t size)
{
	size_t len;

	if (fgets(out, (int)size, stdin) == NULL)
		return -1;
	len = strlen(out);
	if (len > 0 && out[len - 1] == '\n')
		out[--len] = '\0';
	else if (!feof(stdin))
		return -2; /* longer than the buffer */
	if (len > 0 && out[len - 1] == '\r')
		out[--len] = '\0';
	return len == 0 ? -1 : 0;
}

static int generate_password(char *out, size_t size)
{
	uint8_t raw[15];

	if (size < 21 || crypto_random(raw, sizeof(raw)) != 0)
		return -1;
	crypto_base64url(raw, sizeof(raw), out);
	return 0;
}

/* The password for a new user: from stdin when asked for (or when stdin is not a
 * terminal and holds a line), else generated; *generated tells which. */
static int new_password(int from_stdin, char *out, size_t size, int *generated)
{
	*generated = 0;
	if (from_stdin || !isatty(STDIN_FILENO)) {
		int rc = read_password(out, size);

		if (rc == 0) {
			if (!utf8_valid(out, strlen(out)))
				return fail("the password is not valid UTF-8");
			return 0;
		}
		if (rc == -2)
			return fail("the password is longer than %d bytes", PW_MAX_LEN);
		if (from_stdin)
			return fail("no password on stdin");
	}
	if (generate_password(out, size) != 0)
		return fail("cannot generate a password");
	*generated = 1;
	return 0;
}

/* Opens the database; only init creates it.  A new database is made 0660: the
 * web programs and the worker may run as two users of one group. */
static int open_db_for(const struct conf *conf, int create, struct db **db)
{
	int existed = access(conf->database_path, F_OK) == 0;
	char err[512];

	*db = db_open(conf->database_path, create, err, sizeof(err));
	if (*db == NULL) {
		const char *path = conf->database_path, *why = err;
		size_t len = strlen(path);
		char folder[PATH_MAX];
		struct stat sb;

		/* SQLite's "unable to open database file" says neither which nor why. */
		if (!existed && !create)
			return fail("Database.path: %s: no such file (run `inboxpanel init` first)", path);
		if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
			return fail("Database.path: %s: a folder, not a database file", path);
		if (existed && access(path, R_OK | W_OK) != 0 && errno == EACCES)
			return fail("Database.path: cannot open %s: permission denied", path);
		snprintf(folder, sizeof(folder), "%s", path);
		if (!existed && access(dirname(folder), F_OK) != 0)
			return fail("Database.path: cannot create %s: no folder %s", path, folder);
		if (strncmp(why, path, len) == 0 && strncmp(why + len, ": ", 2) == 0)
			why += len + 2;
		return fail("Database.path: %s: %s", path, why);
	}
	if (!existed && chmod(conf->database_path, 0660) != 0)
		return fail("Database.path: cannot set its mode: %s", strerror(errno));
	return 0;
}

static int open_db(const struct conf *conf, struct db **db)
{
	return open_db_for(conf, 0, db);
}

/* Adds a user and its audit row in one transaction; prints a generated password. */
static int add_user(struct db *db, const char *email, const char *name, enum role role,
		    int account_access, int password_from_stdin)
{
	char password[PW_MAX_LEN + 2], hash[PW_HASH_MAX], detail[128];
	int generated;
	enum status st;
	long long id;

	if (!form_email_valid(email, strlen(email)))
		return usage_error("EMAIL: not an email address");
	if (new_password(password_from_stdin, password, sizeof(password), &generated) != 0)
		return EXIT_FAILURE;
	if (pw_hash(password, strlen(password), hash) != 0)
		return fail("cannot hash the password");
	snprintf(detail, sizeof(detail), "role %s%s", role_names[role],
		 account_access ? ", account access" : "");
	if (db_begin_write(db) != ST_OK)
		return fail("the database is busy");
	st = user_add(db, email, name, role, account_access, hash, now_utc(), &id);
	if (st == ST_CONFLICT) {
		db_rollback(db);
		return fail("%s: a user with this email exists", email);
	}
	if (st != ST_OK) {
		db_rollback(db);
		return fail("cannot add %s", email);
	}
	{
		char target[32];

		snprintf(target, sizeof(target), "user:%lld", id);
		if (audit_write(db, &cli_actor, now_utc(), "user.add", target, detail) != ST_OK ||
		    db_commit(db) != ST_OK) {
			db_rollback(db);
			return fail("cannot add %s", email);
		}
	}
	if (generated)
		printf("Password for %s: %s\n", email, password);
	else
		printf("Added %s\n", email);
	return 0;
}

/* The sealing keys, as init leaves them: a key found in the old place filed in
 * the keyring under its id, a new pair when there is no public key, and the
 * public key checked to be the public half of a key of the ring. */
static int ensure_keys(const struct conf *conf)
{
	char err[1024], id[KEYRING_ID_HEX];
	int created;

	keyring_no_core_dumps();
	if (keyring_init(conf, &created, id, err, sizeof(err)) != 0)
		return fail("%s", err);
	if (created)
		printf("Wrote the sealing keys: %s.%s (private, for the worker's user only) and %s "
		       "(public)\n",
		       conf->private_key_file, id, conf->public_key_file);
	return 0;
}

/* Warns (on stderr; init still succeeds) when the configuration file holds a
 * secret — a provider's client secret or the SMTP password — and others may read
 * it: everyone, or a group other than the panel's own.  The panel's group is the
 * one the database's folder belongs to (README: the web programs' user reads the
 * configuration through it), so 0640 with that group is the tight mode. */
static void warn_if_conf_exposes_secrets(const struct conf *conf)
{
	const char *secret = conf->smtp_password != NULL ? "Smtp.password" : NULL;
	char key[64], *dir;
	struct stat sb, db_dir;
	int panel_group;

	for (int id = 0; secret == NULL && id < PROV__MAX; id++)
		if (conf->providers[id].client_secret != NULL) {
			snprintf(key, sizeof(key), "Provider.%s.client_secret", prov_table[id].name);
			secret = key;
		}
	if (secret == NULL || conf->path == NULL || stat(conf->path, &sb) != 0)
		return;
	dir = xstrdup(conf->database_path);
	panel_group = stat(dirname(dir), &db_dir) == 0 && db_dir.st_gid == sb.st_gid;
	free(dir);
	if (sb.st_mode & S_IROTH)
		fprintf(stderr,
			"inboxpanel: warning: %s holds %s but everyone may read it (mode %04o): "
			"chmod 600 %s, or 640 with the panel's group\n",
			conf->path, secret, (unsigned)(sb.st_mode & 07777), conf->path);
	else if ((sb.st_mode & S_IRGRP) && !panel_group)
		fprintf(stderr,
			"inboxpanel: warning: %s holds %s but group %u, not the panel's (that of the "
			"database's folder, %u), may read it (mode %04o): chmod 600 %s, or chgrp it\n",
			conf->path, secret, (unsigned)sb.st_gid, (unsigned)db_dir.st_gid,
			(unsigned)(sb.st_mode & 07777), conf->path);
}

static int cmd_init(const struct conf *conf, int argc, char **argv)
{
	static const struct option options[] = {
		{ "admin", required_argument, NULL, 'a' },
		{ "password-stdin", no_argument, NULL, 'p' },
		{ "remove-channels", no_argument, NULL, 'R' },
		{ NULL, 0, NULL, 0 },
	};
	const char *admin = NULL;
	int from_stdin = 0, opt, rc = 0;
	struct db *db;
	long long users;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
		if (opt == 'a')
			admin = optarg;
		else if (opt == 'p')
			from_stdin = 1;
		else
			return usage_error("init: unknown option");
	}
	if (optind != argc)
		return usage_error("init: unexpected argument");
	if (ensure_keys(conf) != 0)
		return EXIT_FAILURE;
	if (open_db_for(conf, 1, &db) != 0)
		return EXIT_FAILURE;
	printf("Database %s is at schema version %d\n", conf->database_path, db_schema_version(db));
	users = user_count(db);
	if (users < 0) {
		rc = fail("cannot count users");
	} else if (users > 0) {
		if (admin != NULL)
			printf("There are users already; %s was not added (use: user add)\n", admin);
	} else if (admin == NULL) {
		rc = usage_error("init: the database has no users yet: give --admin EMAIL");
	} else {
		rc = add_user(db, admin, "", ROLE_SUPER_ADMIN, 0, from_stdin);
	}
	db_close(db);
	/* After the work, and only when it succeeded: a failure says one line. */
	if (rc == 0)
		warn_if_conf_exposes_secrets(conf);
	return rc;
}

static void print_user(const struct user *u, void *arg)
{
	(void)arg;
	printf("%s\t%s\t%s\t%s\t%s\n", u->email, role_names[u->role],
	       u->account_access ? "account-access" : "-", u->deactivated ? "deactivated" : "active",
	       u->name[0] ? u->name : "-");
}

static int user_by_email_or_fail(struct db *db, const char *email, struct user *u)
{
	enum status st = user_by_email(db, email, u, NULL);

	if (st == ST_NOT_FOUND)
		return fail("%s: no such user", email);
	if (st != ST_OK)
		return fail("cannot read user %s", email);
	return 0;
}

/* Commits the caller's write transaction, then wakes the worker if a job was
 * queued; 0, or -1 after a rollback. */
static int commit_and_poke(const struct conf *conf, struct db *db)
{
	if (db_commit(db) != ST_OK) {
		db_rollback(db);
		return -1;
	}
	if (db_take_after_commit(db) & DB_AFTER_WAKE_WORKER)
		outbox_poke(conf->worker_wakeup);
	return 0;
}

/* account_access -1 keeps the user's current setting.  The same store function
 * as the people page: the last active super admin stays one. */
static int set_role(struct db *db, const char *email, enum role role, int account_access)
{
	struct user u;
	enum status st;

	if (user_by_email_or_fail(db, email, &u) != 0)
		return EXIT_FAILURE;
	if (account_access < 0)
		account_access = u.account_access;
	if (db_begin_write(db) != ST_OK)
		return fail("the database is busy");
	st = offboard_set_role(db, &cli_actor, u.id, role, account_access, now_utc());
	if (st != ST_OK || db_commit(db) != ST_OK) {
		db_rollback(db);
		if (st == ST_CONFLICT)
			return fail("%s: the last active super admin cannot stop being one", u.email);
		return fail("cannot change %s", email);
	}
	printf("%s: role %s%s\n", u.email, role_names[role], account_access ? ", account access" : "");
	return 0;
}

/* A connection that goes with a person, as it was before and is after. */
struct going {
	struct conn *list;
	size_t count, cap;
};

static void collect_going(const struct conn *c, void *arg)
{
	struct going *g = arg;

	if (g->count == g->cap) {
		g->cap = g->cap ? 2 * g->cap : 8;
		g->list = xrealloc(g->list, g->cap * sizeof(*g->list));
	}
	g->list[g->count++] = *c;
}

/* What became of one connection, in a line for the operator. */
static const char *fate_of(const struct conn *after)
{
	if (after->state != CONN_REMOVED)
		return "kept; the people of rule 6 are told who left";
	if (!after->has_revocation)
		return "removed";
	switch (after->revocation_state) {
	case OUTBOX_PENDING:
		return "removed; revocation queued";
	case OUTBOX_MANUAL:
		return "removed; revoke by hand (no revocation API)";
	case OUTBOX_DONE:
		return "removed; revoked";
	default:
		return "removed; revocation failed";
	}
}

/* Deactivation, as the people page does it (offboard_deactivate): the account,
 * its sessions, its inboxes and the team channels it connected, one
 * transaction; then one line per connection and the totals. */
static int disable_user(const struct conf *conf, struct db *db, const char *email,
			enum offboard_channels channels)
{
	struct offboard_result r;
	struct going g = { NULL, 0, 0 };
	struct user u;
	time_t now = now_utc();
	enum status st;
	int rc = EXIT_FAILURE;

	if (user_by_email_or_fail(db, email, &u) != 0)
		return EXIT_FAILURE;
	if (u.deactivated) {
		printf("%s: deactivated already; nothing changed\n", u.email);
		return 0;
	}
	if (db_begin_write(db) != ST_OK)
		return fail("the database is busy");
	if ((st = offboard_each_connection(db, u.id, collect_going, &g)) != ST_OK ||
	    (st = offboard_deactivate(db, &cli_actor, u.id, channels, now, &r)) != ST_OK)
		goto rollback;
	for (size_t i = 0; i < g.count; i++) {
		struct conn_scope scope = { g.list[i].kind, g.list[i].kind == CONN_PERSONAL
								   ? g.list[i].owner_user_id
								   : g.list[i].inbox_id };

		if ((st = conn_find(db, &scope, g.list[i].id, &g.list[i])) != ST_OK)
			goto rollback;
	}
	if (commit_and_poke(conf, db) != 0) {
		rc = fail("cannot deactivate %s", email);
		goto out;
	}
	for (size_t i = 0; i < g.count; i++)
		printf("%lld\t%s\t%s\t%s\t%s\n", g.list[i].id, conn_kind_names[g.list[i].kind],
		       prov_table[g.list[i].provider].name, g.list[i].address, fate_of(&g.list[i]));
	printf("%s: deactivated; %d sessions ended; %d personal inboxes removed; "
	       "%d team channels removed, %d kept; %d revocations queued, %d to revoke by hand; "
	       "%d people told\n",
	       u.email, r.sessions_ended, r.inboxes_removed, r.channels_removed, r.channels_kept,
	       r.revocations_queued, r.manual, r.told);
	rc = 0;
	goto out;
rollback:
	db_rollback(db);
	if (st == ST_CONFLICT)
		rc = fail("%s: the last active super admin cannot be deactivated", u.email);
	else
		rc = fail("cannot deactivate %s", email);
out:
	free(g.list);
	return rc;
}

static int enable_user(struct db *db, const char *email)
{
	struct user u;

	if (user_by_email_or_fail(db, email, &u) != 0)
		return EXIT_FAILURE;
	if (db_begin_write(db) != ST_OK ||
	    offboard_reactivate(db, &cli_actor, u.id, now_utc()) != ST_OK ||
	    db_commit(db) != ST_OK) {
		db_rollback(db);
		return fail("cannot reactivate %s", email);
	}
	printf("%s: active; inboxes removed before stay removed\n", u.email);
	return 0;
}

/* A password link (userlink.h): mailed through the outbox when Smtp.url is set,
 * otherwise printed once for the operator to pass on. */
static int issue_link(const struct conf *conf, struct db *db, const char *email,
		      enum userlink_purpose purpose)
{
	char token[CRYPTO_TOKEN_LEN + 1], err[512];
	struct keyring_sealer *sealer = NULL;
	struct user u;
	int rc = EXIT_FAILURE;

	if (user_by_email_or_fail(db, email, &u) != 0)
		return EXIT_FAILURE;
	if (conf->smtp_url != NULL && conf->smtp_url[0] != '\0' &&
	    (sealer = keyring_sealer_new(conf, err, sizeof(err))) == NULL)
		return fail("%s", err);
	if (db_begin_write(db) != ST_OK) {
		rc = fail("the database is busy");
		goto out;
	}
	if (userlink_issue(db, &cli_actor, u.id, purpose, sealer, now_utc(), token) != ST_OK) {
		db_rollback(db);
		rc = fail("cannot make a link for %s", email);
		goto out;
	}
	if (commit_and_poke(conf, db) != 0) {
		rc = fail("cannot make a link for %s", email);
		goto out;
	}
	if (sealer != NULL)
		printf("%s: %s link mailed, valid 72 hours\n", u.email, userlink_purpose_names[purpose]);
	else
		printf("%s/password/%s\n", conf->base_url, token);
	rc = 0;
out:
	OPENSSL_cleanse(token, sizeof(token));
	keyring_sealer_free(sealer);
	return rc;
}

static int cmd_user(const struct conf *conf, int argc, char **argv)
{
	static const struct option options[] = {
		{ "role", required_argument, NULL, 'r' },
		{ "account-access", no_argument, NULL, 'a' },
		{ "no-account-access", no_argument, NULL, 'A' },
		{ "name", required_argument, NULL, 'n' },
		{ "password-stdin", no_argument, NULL, 'p' },
		{ "remove-channels", no_argument, NULL, 'R' },
		{ NULL, 0, NULL, 0 },
	};
	const char *sub, *role_name = NULL, *name = "";
	int account_access = -1, from_stdin = 0, remove_channels = 0, opt, rc;
	enum role role = ROLE_USER;
	struct db *db;

	if (argc < 2)
		return usage_error("user: add, list, set-role, disable, enable, invite or reset-link");
	sub = argv[1];
	optind = 2;
	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (opt) {
		case 'r':
			role_name = optarg;
			break;
		case 'a':
			account_access = 1;
			break;
		case 'A':
			account_access = 0;
			break;
		case 'n':
			name = optarg;
			break;
		case 'p':
			from_stdin = 1;
			break;
		case 'R':
			remove_channels = 1;
			break;
		default:
			return usage_error("user: unknown option");
		}
	}
	if (role_name != NULL) {
		int found = name_index(role_names, ROLE__MAX, role_name);

		if (found < 0)
			return usage_error("--role: super_admin or user");
		role = (enum role)found;
	}
	if (strlen(name) > 128 || !utf8_valid(name, strlen(name)))
		return usage_error("--name: at most 128 bytes of UTF-8");

	if (strcmp(sub, "list") == 0) {
		if (optind != argc)
			return usage_error("user list: no arguments");
		if (open_db(conf, &db) != 0)
			return EXIT_FAILURE;
		rc = user_each(db, print_user, NULL) == ST_OK ? 0 : fail("cannot list users");
		db_close(db);
		return rc;
	}
	if (optind != argc - 1)
		return usage_error("user: give one EMAIL");
	if (strcmp(sub, "add") == 0) {
		if (role_name == NULL)
			return usage_error("user add: --role is required");
		if (open_db(conf, &db) != 0)
			return EXIT_FAILURE;
		rc = add_user(db, argv[optind], name, role, account_access == 1, from_stdin);
		db_close(db);
		return rc;
	}
	if (remove_channels && strcmp(sub, "disable") != 0)
		return usage_error("--remove-channels: only with user disable");
	if (strcmp(sub, "set-role") == 0 || strcmp(sub, "disable") == 0 ||
	    strcmp(sub, "enable") == 0 || strcmp(sub, "invite") == 0 ||
	    strcmp(sub, "reset-link") == 0) {
		if (strcmp(sub, "set-role") == 0 && role_name == NULL)
			return usage_error("user set-role: --role is required");
		if (open_db(conf, &db) != 0)
			return EXIT_FAILURE;
		if (strcmp(sub, "disable") == 0)
			rc = disable_user(conf, db, argv[optind],
					  remove_channels ? OFFBOARD_REMOVE_CHANNELS
							  : OFFBOARD_KEEP_CHANNELS);
		else if (strcmp(sub, "enable") == 0)
			rc = enable_user(db, argv[optind]);
		else if (strcmp(sub, "invite") == 0)
			rc = issue_link(conf, db, argv[optind], USERLINK_INVITE);
		else if (strcmp(sub, "reset-link") == 0)
			rc = issue_link(conf, db, argv[optind], USERLINK_RESET);
		else
			rc = set_role(db, argv[optind], role, account_access);
		db_close(db);
		return rc;
	}
	return usage_error("user: add, list, set-role, disable, enable, invite or reset-link");
}

static void emit_stdout(void *arg, const char *data, size_t len)
{
	int *failed = arg;

	if (!*failed && fwrite(data, 1, len, stdout) != len)
		*failed = 1;
}

static int cmd_audit(const struct conf *conf, int argc, char **argv)
{
	static const struct option options[] = {
		{ "format", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	const char *format = NULL;
	int opt, write_failed = 0;
	struct db *db;
	enum status st;

	if (argc < 2 || strcmp(argv[1], "export") != 0)
		return usage_error("audit: export --format csv|json");
	optind = 2;
	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
		if (opt == 'f')
			format = optarg;
		else
			return usage_error("audit export: unknown option");
	}
	if (format == NULL || (strcmp(format, "csv") != 0 && strcmp(format, "json") != 0))
		return usage_error("audit export: --format csv or json");
	if (optind != argc)
		return usage_error("audit export: unexpected argument");
	if (open_db(conf, &db) != 0)
		return EXIT_FAILURE;
	st = audit_export(db, NULL, strcmp(format, "csv") == 0 ? AUDIT_CSV : AUDIT_JSON, emit_stdout,
			  &write_failed);
	db_close(db);
	if (st != ST_OK)
		return fail("cannot read the audit log");
	if (write_failed || fflush(stdout) != 0)
		return fail("cannot write: %s", strerror(errno));
	return 0;
}

/* Keys are rotated in three steps, none of which can lose a key:
 *
 *   rekey            checks that every stored token opens, puts a new key pair in
 *                    place (private key into the ring first, then the public
 *                    file), and re-seals every token for it; the old keys stay
 *   rekey --finish   re-seals what was sealed meanwhile with the old public key,
 *                    then retires each old key no stored token names, once the
 *                    new public key is old enough that every program reads it
 *   rekey --check    opens every stored token and says which key seals it;
 *                    changes nothing
 *
 * Each step can be run again after a crash; the public key always names a key
 * of the ring, which keyring_load checks before anything is done. */
static int cmd_rekey(const struct conf *conf, int argc, char **argv)
{
	static const struct option options[] = {
		{ "check", no_argument, NULL, 'c' },
		{ "finish", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	enum { ROTATE, CHECK, FINISH } mode = ROTATE;
	char err[1024], new_id[KEYRING_ID_HEX] = "";
	struct keyring *kr = NULL;
	struct seal_store_counts counts;
	struct seal_store_old_key *old = NULL;
	size_t n_old = 0;
	struct db *db = NULL;
	int opt, rc = EXIT_FAILURE;
	enum status st;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
		if (opt == 'c' && mode == ROTATE)
			mode = CHECK;
		else if (opt == 'f' && mode == ROTATE)
			mode = FINISH;
		else
			return usage_error("rekey: [--check | --finish]");
	}
	if (optind != argc)
		return usage_error("rekey: unexpected argument");
	keyring_no_core_dumps();
	/* --check changes nothing: a key not yet filed under its id is read where it is. */
	if ((mode != CHECK && keyring_adopt(conf, err, sizeof(err)) != 0) ||
	    (kr = keyring_load(conf, err, sizeof(err))) == NULL)
		return fail("%s", err);
	if (open_db(conf, &db) != 0)
		goto out;

	/* Every token must open before anything changes: a rotation over a token
	 * that does not would leave it for good. */
	if (db_begin_write(db) != ST_OK) {
		rc = fail("the database is busy");
		goto out;
	}
	st = seal_store_sweep(db, kr, 0, &counts);
	db_rollback(db);
	if (st == ST_CONFLICT) {
		rc = fail("%ld stored tokens do not open (see above); nothing was changed",
			  counts.failed);
		goto out;
	}
	if (st != ST_OK) {
		rc = fail("cannot read the stored tokens; nothing was changed");
		goto out;
	}
	if (mode == CHECK) {
		uint8_t newest[SEAL_KEY_ID_LEN];

		printf("All %ld stored tokens open.\n", counts.opened);
		seal_key_id(keyring_newest(kr), newest);
		for (size_t i = 0; i < keyring_count(kr); i++) {
			uint8_t id[SEAL_KEY_ID_LEN];
			char hex[KEYRING_ID_HEX];

			seal_key_id(keyring_key(kr, i), id);
			seal_id_hex(id, hex);
			printf("key %s: %ld tokens%s\n", hex, seal_store_count_key(db, id),
			       memcmp(id, newest, sizeof(id)) == 0 ? " (newest)" : "");
		}
		rc = 0;
		goto out;
	}

	if (mode == ROTATE) {
		if (keyring_rotate(conf, new_id, err, sizeof(err)) != 0) {
			rc = fail("%s; the stored tokens were not changed", err);
			goto out;
		}
		keyring_free(kr);
		kr = keyring_load(conf, err, sizeof(err));
		if (kr == NULL) {
			rc = fail("%s", err);
			goto out;
		}
	}
	if (db_begin_write(db) != ST_OK) {
		rc = fail("the database is busy");
		goto out;
	}
	st = seal_store_sweep(db, kr, 1, &counts);
	if (st != ST_OK) {
		db_rollback(db);
		rc = fail(st == ST_CONFLICT
				  ? "a stored token does not open (see above); nothing was re-sealed"
				  : "cannot re-seal the tokens; nothing was re-sealed");
		goto out;
	}
	snprintf(err, sizeof(err), "%ld tokens re-sealed, %ld were already", counts.resealed,
		 counts.already);
	if (audit_write(db, &cli_actor, now_utc(), mode == ROTATE ? "keys.rekey" : "keys.reseal", "keys",
			err) != ST_OK ||
	    db_commit(db) != ST_OK) {
		db_rollback(db);
		rc = fail("cannot commit the re-sealed tokens; nothing was re-sealed");
		goto out;
	}
	if (mode == ROTATE) {
		printf("Re-sealed %ld tokens (%ld already were) for the new key %s.\n"
		       "The older keys stay in the keyring: once every program has read the new "
		       "public key, run `inboxpanel rekey --finish` to retire them.\n",
		       counts.resealed, counts.already, new_id);
		rc = 0;
		goto out;
	}
	printf("Re-sealed %ld tokens (%ld already were).\n", counts.resealed, counts.already);
	/* Under the write lock, so nothing sealed for a key being removed is
	 * committed meanwhile. */
	if (db_begin_write(db) != ST_OK) {
		rc = fail("the database is busy");
		goto out;
	}
	if (seal_store_retire_old_keys(db, conf, kr, &cli_actor, now_utc(), &old, &n_old, err, sizeof(err)) !=
	    ST_OK) {
		db_rollback(db);
		rc = fail("%s", err);
		goto out;
	}
	if (db_commit(db) != ST_OK) {
		db_rollback(db);
		rc = fail("cannot commit the audit rows of the retired keys");
		goto out;
	}
	for (size_t i = 0; i < n_old; i++) {
		if (old[i].fate == SEAL_STORE_RETIRED)
			printf("Retired key %s: no stored token is sealed for it\n", old[i].id);
		else if (old[i].fate == SEAL_STORE_KEPT_IN_USE)
			printf("Kept key %s: %ld stored tokens are still sealed for it\n", old[i].id,
			       old[i].tokens);
		else
			printf("Kept key %s: the public key changed less than %ds ago, and a program "
			       "may still be sealing with the old one; run rekey --finish again in %lds\n",
			       old[i].id, KEYRING_RETIRE_AFTER, old[i].wait);
	}
	rc = 0;
out:
	free(old);
	db_close(db);
	keyring_free(kr);
	return rc;
}

static int cmd_demo_seed(const struct conf *conf, int argc, char **argv)
{
	const char *sandbox = NULL;
	struct db *db;
	int rc;

	if (argc == 3 && strcmp(argv[1], "--sandbox") == 0)
		sandbox = argv[2];
	else if (argc != 1)
		return usage_error("demo-seed: [--sandbox URL]");
	if (open_db(conf, &db) != 0)
		return EXIT_FAILURE;
	rc = demo_seed(conf, db, sandbox);
	db_close(db);
	return rc;
}

/* `inbox list`: which connections, and how they are printed. */
struct inbox_listing {
	struct db *db;
	long long user_id; /* 0: everyone's; else their inboxes and the channels they connected */
	int state;         /* -1: any */
	json_t *json;      /* an array with --json, else NULL (tab-separated) */
	int failed;
};

static const char inbox_list_header[] =
	"id\tkind\tuser\tinbox\tprovider\taddress\tstate\tconnected_at\trevocation\n";

static void list_inbox(const struct conn *c, void *arg)
{
	struct inbox_listing *l = arg;
	long long who = c->kind == CONN_PERSONAL ? c->owner_user_id : c->connected_by_user_id;
	const char *revocation = c->has_revocation ? outbox_state_names[c->revocation_state] : "";
	char since[21];
	struct user u;

	if (l->user_id != 0 && who != l->user_id)
		return;
	if (l->state >= 0 && (int)c->state != l->state)
		return;
	if (who == 0 || user_by_id(l->db, who, &u) != ST_OK)
		u.email[0] = '\0';
	format_utc((time_t)c->connected_at, since);
	if (l->json != NULL) {
		json_t *o = json_pack("{s:I, s:s, s:s, s:o, s:s, s:s, s:s, s:s, s:s}", "id",
				      (json_int_t)c->id, "kind", conn_kind_names[c->kind], "user",
				      u.email, "inbox",
				      c->kind == CONN_TEAM ? json_integer(c->inbox_id) : json_null(),
				      "provider", prov_table[c->provider].name, "address", c->address,
				      "state", conn_state_names[c->state], "connected_at", since,
				      "revocation", revocation);

		if (o == NULL || json_array_append_new(l->json, o) != 0)
			l->failed = 1;
		return;
	}
	if (c->kind == CONN_TEAM)
		printf("%lld\t%s\t%s\t%lld\t", c->id, conn_kind_names[c->kind],
		       u.email[0] ? u.email : "-", c->inbox_id);
	else
		printf("%lld\t%s\t%s\t-\t", c->id, conn_kind_names[c->kind], u.email[0] ? u.email : "-");
	printf("%s\t%s\t%s\t%s\t%s\n", prov_table[c->provider].name, c->address,
	       conn_state_names[c->state], since, revocation[0] ? revocation : "-");
}

/* Every connection for scripts, by id: tab-separated with a header line, or a
 * JSON array.  --user keeps a person's own inboxes and the team channels they
 * connected; --state one state. */
static int list_inboxes(struct db *db, const char *email, const char *state, int as_json)
{
	struct inbox_listing l = { db, 0, -1, NULL, 0 };
	struct user u;
	int rc = 0;

	if (state != NULL &&
	    (l.state = name_index(conn_state_names, CONN_STATE__MAX, state)) < 0)
		return usage_error("--state: connected, disabled, disconnected or removed");
	if (email != NULL) {
		if (user_by_email_or_fail(db, email, &u) != 0)
			return EXIT_FAILURE;
		l.user_id = u.id;
	}
	if (as_json)
		l.json = json_array();
	else
		fputs(inbox_list_header, stdout);
	if (conn_each_all(db, list_inbox, &l) != ST_OK || l.failed)
		rc = fail("cannot list inboxes");
	else if (as_json && (json_dumpf(l.json, stdout, JSON_INDENT(2)) != 0 || putchar('\n') == EOF))
		rc = fail("cannot write the list");
	json_decref(l.json);
	return rc;
}

/* Connects an inbox whose token the operator already holds (moving from another
 * system; the tests, which mint tokens at the sandbox provider).  The token is
 * read from stdin and sealed for its row with the public key, as a web program
 * would; it never appears on the command line. */
static int add_inbox(const struct conf *conf, struct db *db, const char *owner_email,
		     const char *address, enum provider provider, const char *subject,
		     const char *tenant)
{
	static const char *const scopes = "";
	char token[4096], err[512], target[40];
	struct keyring_sealer *sealer = NULL;
	struct user owner;
	long long id;
	time_t now = now_utc();
	struct conn_new c = {
		.kind = CONN_PERSONAL,
		.provider = provider,
		.address = address,
		.state = CONN_CONNECTED,
		.scopes = scopes,
		.subject = subject,
		.tenant = tenant,
		.connected_at = now,
	};
	int rc = EXIT_FAILURE;

	if (!form_email_valid(address, strlen(address)))
		return usage_error("ADDRESS: not an email address");
	if (read_password(token, sizeof(token)) != 0)
		return fail("no token on stdin (one line)");
	if (user_by_email_or_fail(db, owner_email, &owner) != 0)
		goto out;
	sealer = keyring_sealer_new(conf, err, sizeof(err));
	if (sealer == NULL) {
		rc = fail("%s", err);
		goto out;
	}
	c.owner_user_id = owner.id;
	c.connected_by_user_id = owner.id;
	if (db_begin_write(db) != ST_OK) {
		rc = fail("the database is busy");
		goto out;
	}
	/* The box is bound to the row, so the row comes first. */
	if (conn_insert(db, &c, &id) != ST_OK ||
	    seal_store_connection_secret(db, sealer, id, (const uint8_t *)token, strlen(token)) !=
		    ST_OK)
		goto rollback;
	snprintf(target, sizeof(target), "connection:%lld", id);
	if (audit_write(db, &cli_actor, now, "email.connect", target, address) != ST_OK ||
	    db_commit(db) != ST_OK)
		goto rollback;
	printf("%lld\n", id);
	rc = 0;
	goto out;
rollback:
	db_rollback(db);
	rc = fail("cannot add %s", address);
out:
	OPENSSL_cleanse(token, sizeof(token));
	keyring_sealer_free(sealer);
	return rc;
}

static int cmd_inbox(const struct conf *conf, int argc, char **argv)
{
	static const struct option options[] = {
		{ "provider", required_argument, NULL, 'p' },
		{ "subject", required_argument, NULL, 's' },
		{ "tenant", required_argument, NULL, 't' },
		{ "token-stdin", no_argument, NULL, 'T' },
		{ "user", required_argument, NULL, 'u' },
		{ "state", required_argument, NULL, 'S' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	const char *provider_name = NULL, *subject = "", *tenant = "", *user = NULL, *state = NULL;
	enum provider provider;
	int opt, from_stdin = 0, as_json = 0, rc;
	struct db *db;

	if (argc < 2)
		return usage_error("inbox: add or list");
	optind = 2;
	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (opt) {
		case 'p':
			provider_name = optarg;
			break;
		case 's':
			subject = optarg;
			break;
		case 't':
			tenant = optarg;
			break;
		case 'T':
			from_stdin = 1;
			break;
		case 'u':
			user = optarg;
			break;
		case 'S':
			state = optarg;
			break;
		case 'j':
			as_json = 1;
			break;
		default:
			return usage_error("inbox: unknown option");
		}
	}
	if (strcmp(argv[1], "list") == 0) {
		if (optind != argc)
			return usage_error("inbox list: no arguments");
		if (provider_name != NULL || from_stdin || subject[0] || tenant[0])
			return usage_error("inbox list: [--user EMAIL] [--state S] [--json]");
		if (open_db(conf, &db) != 0)
			return EXIT_FAILURE;
		rc = list_inboxes(db, user, state, as_json);
		db_close(db);
		return rc;
	}
	if (strcmp(argv[1], "add") != 0)
		return usage_error("inbox: add or list");
	if (user != NULL || state != NULL || as_json)
		return usage_error("inbox add: --user, --state and --json are inbox list's");
	if (optind != argc - 2)
		return usage_error("inbox add: give OWNER-EMAIL and ADDRESS");
	if (provider_name == NULL || prov_from_name(provider_name, &provider) != 0)
		return usage_error("inbox add: --provider google, microsoft, outlook or imap");
	if (!from_stdin)
		return usage_error("inbox add: --token-stdin is required (the token is never an argument)");
	if (strlen(subject) > 127 || strlen(tenant) > 63)
		return usage_error("inbox add: --subject or --tenant is too long");
	if (open_db(conf, &db) != 0)
		return EXIT_FAILURE;
	rc = add_inbox(conf, db, argv[optind], argv[optind + 1], provider, subject, tenant);
	db_close(db);
	return rc;
}

/* As inboxpanel-worker: started as root (cron's, say), it runs as the user it is
 * told, never as root. */
static int cmd_worker(const struct conf *conf, int argc, char **argv)
{
	const char *user = conf->service_user;
	int once = 0;
	char err[512];

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--once") == 0)
			once = 1;
		else if (strcmp(argv[i], "--user") == 0 && i + 1 < argc)
			user = argv[++i];
		else
			return usage_error("worker: [--once] [--user USER]");
	}
	if (runas_drop(user, err, sizeof(err)) != 0)
		return fail("worker: %s", err);
	return worker_run(conf, once);
}

/* An online copy: the panel keeps serving (and writing) meanwhile. */
static int cmd_backup(const struct conf *conf, int argc, char **argv)
{
	char err[1024];
	struct db *db;
	int rc;

	if (argc != 2 || argv[1][0] == '-')
		return usage_error("backup: give one FILE");
	if (open_db(conf, &db) != 0)
		return EXIT_FAILURE;
	rc = db_backup(db, argv[1], err, sizeof(err));
	db_close(db);
	if (rc != 0)
		return fail("backup: %s", err);
	printf("Copied %s to %s\n", conf->database_path, argv[1]);
	return 0;
}

static void say_database_problem(void *arg, const char *what)
{
	int *problems = arg;

	(*problems)++;
	fprintf(stderr, "inboxpanel: check: database: %s\n", what);
}

/* Everything an operator can check without a request: the configuration (its
 * loading already checked every key; here, who may read its secrets), the
 * sealing keys (readable, private to their owner, the public key the half of a
 * key of the ring), and the database (it opens at this program's schema, and
 * SQLite's integrity and foreign key checks pass).  Each problem is a line on
 * stderr; the exit status is 1 when there is any. */
static int cmd_check(const struct conf *conf, int argc, char **argv)
{
	char err[1024];
	struct keyring *kr;
	struct db *db;
	int problems = 0;

	(void)argv;
	if (argc != 1)
		return usage_error("check: no arguments");
	printf("configuration %s: every key is valid\n", conf->path);
	warn_if_conf_exposes_secrets(conf);

	keyring_no_core_dumps();
	kr = keyring_load(conf, err, sizeof(err));
	if (kr == NULL) {
		fprintf(stderr, "inboxpanel: check: keys: %s\n", err);
		problems++;
	} else {
		printf("keys: %zu private keys; %s is the public half of one of them\n",
		       keyring_count(kr), conf->public_key_file);
		keyring_free(kr);
	}

	if (open_db(conf, &db) != 0) {
		problems++;
	} else {
		int found = db_check(db, say_database_problem, &problems);

		if (found == 0)
			printf("database %s: schema version %d, integrity and foreign keys ok\n",
			       conf->database_path, db_schema_version(db));
		db_close(db);
	}
	if (problems > 0)
		return fail("check: %d problem%s (above)", problems, problems == 1 ? "" : "s");
	return 0;
}

/* The commands, in the order the usage lists them.  Each runs with the loaded
 * configuration and its own argv (argv[0] is the command's name). */
static const struct command {
	const char *name;
	int (*run)(const struct conf *conf, int argc, char **argv);
	const char *usage; /* its lines of the usage text */
} commands[] = {
	{ "init", cmd_init,
	  "  init [--admin EMAIL]            create or migrate the database, the sealing keys\n"
	  "                                  and the first super admin (password from stdin,\n"
	  "                                  or generated and printed)\n" },
	{ "user", cmd_user,
	  "  user add EMAIL --role super_admin|user [--account-access] [--name NAME]\n"
	  "                [--password-stdin]\n"
	  "  user list\n"
	  "  user set-role EMAIL --role super_admin|user [--account-access|--no-account-access]\n"
	  "  user disable EMAIL [--remove-channels]\n"
	  "                                  deactivate: sessions ended, personal inboxes\n"
	  "                                  removed and revoked, the team channels they\n"
	  "                                  connected kept (or removed); prints each\n"
	  "  user enable EMAIL               reactivate (removed inboxes stay removed)\n"
	  "  user invite EMAIL               a 72-hour link to set a password: mailed when\n"
	  "  user reset-link EMAIL           Smtp.url is set, else printed once; a reset\n"
	  "                                  ends the user's sessions\n" },
	{ "inbox", cmd_inbox,
	  "  inbox list [--user EMAIL] [--state S] [--json]\n"
	  "                                  connections for scripts: id, kind, user (owner,\n"
	  "                                  or who connected a team channel), inbox, provider,\n"
	  "                                  address, state, connected_at, revocation;\n"
	  "                                  tab-separated with a header, or a JSON array\n"
	  "  inbox add OWNER-EMAIL ADDRESS --provider google|microsoft|outlook|imap\n"
	  "            --token-stdin [--subject ID] [--tenant TID]\n"
	  "                                  connect an inbox whose token you hold\n" },
	{ "backup", cmd_backup,
	  "  backup FILE                     a consistent copy of the database, taken while\n"
	  "                                  the panel serves (replaces FILE, mode 0600)\n" },
	{ "check", cmd_check,
	  "  check                           the configuration, the sealing keys and the\n"
	  "                                  database's integrity; says what is wrong\n" },
	{ "audit", cmd_audit, "  audit export --format csv|json  the whole audit log on stdout\n" },
	{ "worker", cmd_worker,
	  "  worker [--once] [--user USER]   revoke at the providers, check connected inboxes;\n"
	  "                                  --once: until nothing is due (cron); as root,\n"
	  "                                  runs as USER (or Service.user), never as root\n" },
	{ "rekey", cmd_rekey,
	  "  rekey [--check | --finish]      re-seal every stored token for a new key pair;\n"
	  "                                  --finish retires old keys no token needs any more,\n"
	  "                                  --check opens every token and changes nothing\n" },
	{ "demo-seed", cmd_demo_seed,
	  "  demo-seed [--sandbox URL]       inboxes in every state for the demo users; with the\n"
	  "                                  sandbox provider's URL, their tokens are minted there\n" },
};

static void print_usage(FILE *to)
{
	fputs("usage: inboxpanel [--conf FILE] COMMAND\ncommands:\n", to);
	for (size_t i = 0; i < ARRAY_LEN(commands); i++)
		fputs(commands[i].usage, to);
}

int main(int argc, char **argv)
{
	const struct command *command = NULL;
	const char *conf_path = NULL;
	struct conf conf;
	char err[512];
	int rc, first = 1;

	log_set_program("inboxpanel");
	/* Global options come before the command; the command parses the rest. */
	while (first < argc && argv[first][0] == '-') {
		if (strcmp(argv[first], "--conf") == 0 && first + 1 < argc) {
			conf_path = argv[first + 1];
			first += 2;
		} else if (strncmp(argv[first], "--conf=", 7) == 0) {
			conf_path = argv[first] + 7;
			first++;
		} else if (strcmp(argv[first], "--help") == 0 || strcmp(argv[first], "-h") == 0) {
			print_usage(stdout);
			return 0;
		} else {
			return usage_error("unknown option before the command");
		}
	}
	if (first >= argc)
		return usage_error("no command");
	for (size_t i = 0; i < ARRAY_LEN(commands); i++)
		if (strcmp(argv[first], commands[i].name) == 0)
			command = &commands[i];
	if (command == NULL)
		return usage_error("unknown command");
	if (conf_load(conf_default_path(conf_path), &conf, err, sizeof(err)) != 0)
		return fail("%s", err);
	/* The database is shared with the web programs' and the worker's group; the
	 * private key is written 0600 whatever the umask. */
	umask(007);
	rc = command->run(&conf, argc - first, argv + first);
	conf_free(&conf);
	return rc;
}
