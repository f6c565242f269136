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

#include "audit.h"
#include "conf.h"
#include "crypto.h"
#include "db.h"
#include "demo.h"
#include "form.h"
#include "pw.h"
#include "seal.h"
#include "seal_store.h"
#include "sess.h"
#include "user.h"
#include "util.h"

#define EXIT_USAGE 2

static const char usage_text[] =
	"usage: inboxpanel [--conf FILE] COMMAND\n"
	"commands:\n"
	"  init [--admin EMAIL]            create or migrate the database, the sealing keys\n"
	"                                  and the first super admin (password from stdin,\n"
	"                                  or generated and printed)\n"
	"  user add EMAIL --role super_admin|user [--account-access] [--name NAME]\n"
	"                [--password-stdin]\n"
	"  user list\n"
	"  user set-role EMAIL --role super_admin|user [--account-access|--no-account-access]\n"
	"  user disable EMAIL              deactivate and end every session of the user\n"
	"  audit export --format csv|json  the whole audit log on stdout\n"
	"  rekey                           re-seal every stored token under a new key pair\n"
	"  demo-seed                       inboxes in every state for the demo users\n";

static const struct audit_actor cli_actor = { 0, "cli", "" };

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
	fprintf(stderr, "inboxpanel: %s\n%s", what, usage_text);
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

static int role_from_name(const char *name, enum role *role)
{
	for (int i = 0; i < ROLE__MAX; i++)
		if (strcmp(name, role_names[i]) == 0) {
			*role = (enum role)i;
			return 0;
		}
	return -1;
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
	st = user_add(db, email, name, role, account_access, hash, &id);
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
		if (audit_write(db, &cli_actor, "user.add", target, detail) != ST_OK ||
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

static int ensure_keys(const struct conf *conf)
{
	char err[512];

	if (conf->private_key_file == NULL)
		return fail("Keys.private_file: missing (init writes the sealing key pair there)");
	if (access(conf->private_key_file, F_OK) == 0 && access(conf->public_key_file, F_OK) == 0)
		return 0;
	if (access(conf->private_key_file, F_OK) == 0 || access(conf->public_key_file, F_OK) == 0)
		return fail("Keys: only one of %s and %s exists; restore the other or remove both",
			    conf->private_key_file, conf->public_key_file);
	if (seal_generate_keys(conf->private_key_file, conf->public_key_file, err, sizeof(err)) != 0)
		return fail("%s", err);
	printf("Wrote the sealing keys: %s (private, worker only) and %s (public)\n",
	       conf->private_key_file, conf->public_key_file);
	return 0;
}

static int cmd_init(const struct conf *conf, int argc, char **argv)
{
	static const struct option options[] = {
		{ "admin", required_argument, NULL, 'a' },
		{ "password-stdin", no_argument, NULL, 'p' },
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

/* account_access -1 keeps the user's current setting. */
static int set_role(struct db *db, const char *email, enum role role, int account_access)
{
	char target[32], detail[128];
	struct user u;

	if (user_by_email_or_fail(db, email, &u) != 0)
		return EXIT_FAILURE;
	if (account_access < 0)
		account_access = u.account_access;
	snprintf(target, sizeof(target), "user:%lld", u.id);
	snprintf(detail, sizeof(detail), "role %s%s", role_names[role],
		 account_access ? ", account access" : "");
	if (db_begin_write(db) != ST_OK || user_set_role(db, u.id, role, account_access) != ST_OK ||
	    audit_write(db, &cli_actor, "user.set_role", target, detail) != ST_OK ||
	    db_commit(db) != ST_OK) {
		db_rollback(db);
		return fail("cannot change %s", email);
	}
	printf("%s: %s\n", u.email, detail);
	return 0;
}

/* Deactivation ends the user's sessions in the same transaction, so no page is
 * served to them once it has committed. */
static int disable_user(struct db *db, const char *email)
{
	char target[32];
	struct user u;

	if (user_by_email_or_fail(db, email, &u) != 0)
		return EXIT_FAILURE;
	snprintf(target, sizeof(target), "user:%lld", u.id);
	if (db_begin_write(db) != ST_OK || user_set_deactivated(db, u.id, 1) != ST_OK ||
	    sess_end_user(db, u.id) != ST_OK ||
	    audit_write(db, &cli_actor, "user.disable", target, "deactivated; sessions ended") != ST_OK ||
	    db_commit(db) != ST_OK) {
		db_rollback(db);
		return fail("cannot deactivate %s", email);
	}
	printf("%s: deactivated; sessions ended\n", u.email);
	return 0;
}

static int cmd_user(const struct conf *conf, int argc, char **argv)
{
	static const struct option options[] = {
		{ "role", required_argument, NULL, 'r' },
		{ "account-access", no_argument, NULL, 'a' },
		{ "no-account-access", no_argument, NULL, 'A' },
		{ "name", required_argument, NULL, 'n' },
		{ "password-stdin", no_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 },
	};
	const char *sub, *role_name = NULL, *name = "";
	int account_access = -1, from_stdin = 0, opt, rc;
	enum role role = ROLE_USER;
	struct db *db;

	if (argc < 2)
		return usage_error("user: add, list, set-role or disable");
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
		default:
			return usage_error("user: unknown option");
		}
	}
	if (role_name != NULL && role_from_name(role_name, &role) != 0)
		return usage_error("--role: super_admin or user");
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
	if (strcmp(sub, "set-role") == 0 || strcmp(sub, "disable") == 0) {
		if (strcmp(sub, "set-role") == 0 && role_name == NULL)
			return usage_error("user set-role: --role is required");
		if (open_db(conf, &db) != 0)
			return EXIT_FAILURE;
		rc = strcmp(sub, "disable") == 0 ? disable_user(db, argv[optind])
						 : set_role(db, argv[optind], role, account_access);
		db_close(db);
		return rc;
	}
	return usage_error("user: add, list, set-role or disable");
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

static int file_exists(const char *path)
{
	return access(path, F_OK) == 0;
}

/* Re-seals every stored token under a new key pair, then puts the new key files
 * in place of the old ones (the old private key is gone afterwards: that is the
 * point of rotating it).
 *
 * The new pair is first written beside the old one (".new"), and the re-sealing
 * leaves alone what is sealed for it already, so a rekey cut short anywhere is
 * finished by running it again. */
static int cmd_rekey(const struct conf *conf, int argc)
{
	char *private_new = NULL, *public_new = NULL, err[512];
	struct seal_key *old_key = NULL, *new_key = NULL;
	struct seal_store_counts counts;
	struct db *db = NULL;
	int rc = EXIT_FAILURE;

	if (argc != 1)
		return usage_error("rekey: no arguments");
	if (conf->private_key_file == NULL)
		return fail("Keys.private_file: missing");
	private_new = xasprintf("%s.new", conf->private_key_file);
	public_new = xasprintf("%s.new", conf->public_key_file);
	if (!file_exists(private_new)) {
		if (file_exists(public_new)) {
			rc = fail("%s is left from an earlier rekey without its private key: remove it",
				  public_new);
			goto out;
		}
		if (seal_generate_keys(private_new, public_new, err, sizeof(err)) != 0) {
			rc = fail("%s", err);
			goto out;
		}
	}
	old_key = seal_load_private(conf->private_key_file, err, sizeof(err));
	if (old_key == NULL) {
		rc = fail("%s", err);
		goto out;
	}
	new_key = seal_load_private(private_new, err, sizeof(err));
	if (new_key == NULL) {
		rc = fail("%s", err);
		goto out;
	}
	if (open_db(conf, &db) != 0)
		goto out;
	if (db_begin_write(db) != ST_OK) {
		rc = fail("the database is busy");
		goto out;
	}
	switch (seal_store_rekey(db, old_key, new_key, &counts)) {
	case ST_OK:
		break;
	case ST_CONFLICT:
		db_rollback(db);
		rc = fail("a stored token opens with neither key; nothing was changed (see the line above)");
		goto out;
	default:
		db_rollback(db);
		rc = fail("cannot re-seal the tokens; nothing was changed");
		goto out;
	}
	snprintf(err, sizeof(err), "%ld tokens re-sealed, %ld were already", counts.resealed,
		 counts.already);
	if (audit_write(db, &cli_actor, "keys.rekey", "keys", err) != ST_OK ||
	    db_commit(db) != ST_OK) {
		db_rollback(db);
		rc = fail("cannot commit the re-sealed tokens; nothing was changed");
		goto out;
	}
	/* The public key first: were we stopped in between, the next run finds the
	 * private ".new" and finishes. */
	if ((file_exists(public_new) && rename(public_new, conf->public_key_file) != 0) ||
	    rename(private_new, conf->private_key_file) != 0) {
		rc = fail("the tokens are re-sealed but the key files could not be moved into place (%s): "
			  "run rekey again",
			  strerror(errno));
		goto out;
	}
	printf("Re-sealed %ld tokens (%ld already were) under the new keys in %s and %s.\n"
	       "Restart the programs and the worker so that they read them.\n",
	       counts.resealed, counts.already, conf->private_key_file, conf->public_key_file);
	rc = 0;
out:
	db_close(db);
	seal_key_free(old_key);
	seal_key_free(new_key);
	free(private_new);
	free(public_new);
	return rc;
}

static int cmd_demo_seed(const struct conf *conf, int argc)
{
	struct db *db;
	int rc;

	if (argc != 1)
		return usage_error("demo-seed: no arguments");
	if (open_db(conf, &db) != 0)
		return EXIT_FAILURE;
	rc = demo_seed(conf, db);
	db_close(db);
	return rc;
}

int main(int argc, char **argv)
{
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
			fputs(usage_text, stdout);
			return 0;
		} else {
			return usage_error("unknown option before the command");
		}
	}
	if (first >= argc)
		return usage_error("no command");
	if (strcmp(argv[first], "init") != 0 && strcmp(argv[first], "user") != 0 &&
	    strcmp(argv[first], "audit") != 0 && strcmp(argv[first], "demo-seed") != 0 &&
	    strcmp(argv[first], "rekey") != 0)
		return usage_error("unknown command");
	if (conf_load(conf_default_path(conf_path), &conf, err, sizeof(err)) != 0)
		return fail("%s", err);
	/* The database is shared with the web programs' and the worker's group; the
	 * private key is written 0600 whatever the umask. */
	umask(007);
	if (strcmp(argv[first], "init") == 0)
		rc = cmd_init(&conf, argc - first, argv + first);
	else if (strcmp(argv[first], "user") == 0)
		rc = cmd_user(&conf, argc - first, argv + first);
	else if (strcmp(argv[first], "demo-seed") == 0)
		rc = cmd_demo_seed(&conf, argc - first);
	else if (strcmp(argv[first], "rekey") == 0)
		rc = cmd_rekey(&conf, argc - first);
	else
		rc = cmd_audit(&conf, argc - first, argv + first);
	conf_free(&conf);
	return rc;
}
