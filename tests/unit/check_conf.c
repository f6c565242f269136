/* check_conf.c — unit tests of cgi/lib/conf: each test writes its configuration file
 * into a fresh temporary folder, loads it, and checks the values or the error, which
 * must name the key at fault. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "suites.h"
#include "testlib.h"
#include "util.h"

#ifndef PKGDATADIR
#define PKGDATADIR "/usr/share/inboxpanel"
#endif
#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif

/* The three keys every configuration must have, with nothing else. */
#define MINIMAL \
	"Database.path = data/panel.db\n" \
	"Site.base_url = https://x.example/panel\n" \
	"Keys.public_file = keys/public.pem\n"

#define GOOGLE_BLOCK \
	"Provider.google {\n" \
	"  client_id = google-id\n" \
	"  client_secret = google-secret\n" \
	"  authorize_url = https://accounts.example/o/oauth2/auth\n" \
	"  token_url = https://oauth2.example/token\n" \
	"  revoke_url = https://oauth2.example/revoke\n" \
	"  userinfo_url = https://openid.example/userinfo\n" \
	"  scopes = openid email https://mail.example/\n" \
	"}\n"

/* --- helpers ------------------------------------------------------------------- */

/* One folder per test case (see testlib.c); each test writes the files it reads. */
static void make_conf_dir(void)
{
	testlib_make_tmpdir("ipconf");
}

/* Loads text as tmpdir/inboxpanel.hdf and expects success. */
static void load_ok(const char *text, struct conf *conf)
{
	char err[256] = "";
	char *path = testlib_write_file("inboxpanel.hdf", text);
	int rc = conf_load(path, conf, err, sizeof(err));

	ck_assert_msg(rc == 0, "conf_load refused a good file: %s\n--- file:\n%s", err, text);
	free(path);
}

/* Loads text and expects a refusal whose message contains fragment (the key's name)
 * and, unless NULL, fragment2 (what is wrong with it). */
static void load_refused(const char *text, const char *fragment, const char *fragment2)
{
	char err[256] = "";
	char *path = testlib_write_file("inboxpanel.hdf", text);
	struct conf conf;
	int rc = conf_load(path, &conf, err, sizeof(err));

	ck_assert_msg(rc == -1, "conf_load accepted a file that should name \"%s\":\n%s", fragment,
		      text);
	ck_assert_msg(strstr(err, fragment) != NULL, "error \"%s\" does not name \"%s\"", err,
		      fragment);
	if (fragment2 != NULL)
		ck_assert_msg(strstr(err, fragment2) != NULL, "error \"%s\" does not say \"%s\"", err,
			      fragment2);
	ck_assert_msg(conf.database_path == NULL && conf.base_path == NULL && conf.path == NULL,
		      "a refused load left values behind");
	conf_free(&conf); /* harmless on the zeroed struct */
	free(path);
}

/* The minimal file with one more line. */
static char *minimal_plus(const char *line)
{
	return xasprintf("%s%s\n", MINIMAL, line);
}

static void refused_with_line(const char *line, const char *key)
{
	char *text = minimal_plus(line);

	load_refused(text, key, NULL);
	free(text);
}

static void accepted_with_line(const char *line)
{
	char *text = minimal_plus(line);
	struct conf conf;

	load_ok(text, &conf);
	conf_free(&conf);
	free(text);
}

/* --- a minimal file --------------------------------------------------------------- */

START_TEST(minimal_file_gets_the_defaults)
{
	struct conf conf;

	load_ok(MINIMAL, &conf);
	ck_assert_int_eq(conf.idle_timeout, 1800);
	ck_assert_int_eq(conf.absolute_timeout, 43200);
	ck_assert_int_eq(conf.login_window, 900);
	ck_assert_int_eq(conf.login_max_per_account, 5);
	ck_assert_int_eq(conf.login_max_per_address, 20);
	ck_assert_int_eq(conf.max_body, 16384);
	ck_assert_str_eq(conf.template_dir, PKGDATADIR "/templates");
	ck_assert_str_eq(conf.lang_dir, PKGDATADIR "/templates/lang");
	ck_assert_str_eq(conf.base_url, "https://x.example/panel");
	ck_assert_str_eq(conf.static_url, "/panel/static");
	ck_assert_ptr_null(conf.private_key_file);
	ck_assert_ptr_null(conf.worker_wakeup);
	ck_assert_ptr_null(conf.smtp_url);
	ck_assert_ptr_null(conf.smtp_from);
	ck_assert_ptr_null(conf.smtp_username);
	ck_assert_ptr_null(conf.smtp_password);
	for (int i = 0; i < PROV__MAX; i++)
		ck_assert_msg(!conf.providers[i].configured, "provider %s configured by default",
			      prov_table[i].name);
	conf_free(&conf);
}
END_TEST

START_TEST(load_remembers_the_file)
{
	struct conf conf;
	char *path = testlib_in_tmpdir("inboxpanel.hdf");

	load_ok(MINIMAL, &conf);
	ck_assert_str_eq(conf.path, path);
	conf_free(&conf);
	free(path);
}
END_TEST

START_TEST(relative_paths_are_taken_from_the_file_folder)
{
	struct conf conf;
	char *db = testlib_in_tmpdir("data/panel.db");
	char *pub = testlib_in_tmpdir("keys/public.pem");
	char *priv = testlib_in_tmpdir("../secret/private.pem");
	char *templates = testlib_in_tmpdir("templates");
	char *lang = testlib_in_tmpdir("templates/lang");

	load_ok(MINIMAL "Keys.private_file = ../secret/private.pem\n"
			"Templates.dir = templates\n",
		&conf);
	ck_assert_str_eq(conf.database_path, db);
	ck_assert_str_eq(conf.public_key_file, pub);
	ck_assert_str_eq(conf.private_key_file, priv);
	ck_assert_str_eq(conf.template_dir, templates);
	ck_assert_msg(strcmp(conf.lang_dir, lang) == 0, "lang_dir \"%s\" is not under template_dir",
		      conf.lang_dir);
	conf_free(&conf);
	free(db);
	free(pub);
	free(priv);
	free(templates);
	free(lang);
}
END_TEST

START_TEST(absolute_paths_are_kept)
{
	struct conf conf;

	load_ok("Database.path = /var/lib/inboxpanel/panel.db\n"
		"Site.base_url = https://x.example\n"
		"Keys.public_file = /etc/inboxpanel/public.pem\n"
		"Templates.dir = /srv/templates\n"
		"Templates.lang_dir = /srv/words\n"
		"Worker.wakeup = /run/inboxpanel/wakeup\n",
		&conf);
	ck_assert_str_eq(conf.database_path, "/var/lib/inboxpanel/panel.db");
	ck_assert_str_eq(conf.public_key_file, "/etc/inboxpanel/public.pem");
	ck_assert_str_eq(conf.template_dir, "/srv/templates");
	ck_assert_str_eq(conf.lang_dir, "/srv/words");
	ck_assert_str_eq(conf.worker_wakeup, "/run/inboxpanel/wakeup");
	conf_free(&conf);
}
END_TEST

START_TEST(values_in_the_file_replace_the_defaults)
{
	struct conf conf;

	load_ok(MINIMAL "Site.static_url = https://cdn.example/static\n"
			"Session.idle_timeout = 600\n"
			"Session.absolute_timeout = 3600\n"
			"Login.window = 60\n"
			"Login.max_failures_per_account = 3\n"
			"Login.max_failures_per_address = 50\n"
			"Limits.max_body = 2048\n"
			"Smtp.url = smtps://mail.example:465\n"
			"Smtp.from = panel@x.example\n"
			"Smtp.username = panel\n"
			"Smtp.password = pass word\n",
		&conf);
	ck_assert_str_eq(conf.static_url, "https://cdn.example/static");
	ck_assert_int_eq(conf.idle_timeout, 600);
	ck_assert_int_eq(conf.absolute_timeout, 3600);
	ck_assert_int_eq(conf.login_window, 60);
	ck_assert_int_eq(conf.login_max_per_account, 3);
	ck_assert_int_eq(conf.login_max_per_address, 50);
	ck_assert_int_eq(conf.max_body, 2048);
	ck_assert_str_eq(conf.smtp_url, "smtps://mail.example:465");
	ck_assert_str_eq(conf.smtp_from, "panel@x.example");
	ck_assert_str_eq(conf.smtp_username, "panel");
	ck_assert_str_eq(conf.smtp_password, "pass word");
	conf_free(&conf);
}
END_TEST

/* --- the base URL ------------------------------------------------------------------- */

START_TEST(base_path_is_derived_from_the_base_url)
{
	static const struct {
		const char *url, *path, *static_url;
		int secure;
	} cases[] = {
		{ "https://x.example/panel", "/panel", "/panel/static", 1 },
		{ "https://x.example", "", "/static", 1 },
		{ "http://x.example:8080/a/b", "/a/b", "/a/b/static", 0 },
		{ "http://127.0.0.1:8080", "", "/static", 0 },
	};

	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		struct conf conf;
		char *text = xasprintf("Database.path = d.db\nKeys.public_file = p.pem\n"
				       "Site.base_url = %s\n",
				       cases[i].url);

		load_ok(text, &conf);
		ck_assert_msg(strcmp(conf.base_path, cases[i].path) == 0,
			      "%s gave base_path \"%s\", not \"%s\"", cases[i].url, conf.base_path,
			      cases[i].path);
		ck_assert_msg(conf.secure_cookies == cases[i].secure, "%s gave secure_cookies %d",
			      cases[i].url, conf.secure_cookies);
		ck_assert_str_eq(conf.static_url, cases[i].static_url);
		conf_free(&conf);
		free(text);
	}
}
END_TEST

START_TEST(invalid_base_url_is_named)
{
	static const char *const urls[] = {
		"https://x.example/panel/", /* trailing slash */
		"https://x.example/",       /* trailing slash at the root */
		"x.example/panel",          /* no scheme */
		"//x.example/panel",        /* no scheme */
		"ftp://x.example/panel",    /* not http */
		"smtp://x.example",         /* a URL, but not for a site */
		"https://x.example/panel?x=1",
		"https://x.example/panel#top",
		"https://user@x.example/panel",
		"https://x .example/panel",
		"https://",
		"https:///panel",
		"HTTPS://x.example",
	};

	for (size_t i = 0; i < ARRAY_LEN(urls); i++) {
		char *text = xasprintf("Database.path = d.db\nKeys.public_file = p.pem\n"
				       "Site.base_url = %s\n",
				       urls[i]);

		load_refused(text, "Site.base_url", NULL);
		free(text);
	}
}
END_TEST

/* --- what a file must have ------------------------------------------------------------ */

START_TEST(each_missing_required_key_is_named)
{
	static const char *const lines[] = { "Database.path = data/panel.db\n",
					     "Site.base_url = https://x.example/panel\n",
					     "Keys.public_file = keys/public.pem\n" };
	static const char *const names[] = { "Database.path", "Site.base_url", "Keys.public_file" };

	for (size_t missing = 0; missing < ARRAY_LEN(lines); missing++) {
		struct buf text;

		buf_init(&text);
		for (size_t i = 0; i < ARRAY_LEN(lines); i++)
			if (i != missing)
				buf_puts(&text, lines[i]);
		load_refused(text.data, names[missing], "missing");
		buf_free(&text);
	}
}
END_TEST

START_TEST(empty_required_key_is_missing)
{
	load_refused("Database.path =\nSite.base_url = https://x.example\nKeys.public_file = p\n",
		     "Database.path", "missing");
}
END_TEST

START_TEST(empty_file_names_a_required_key)
{
	load_refused("", "Database.path", "missing");
}
END_TEST

START_TEST(numbers_out_of_range_are_named)
{
	static const struct {
		const char *line, *key;
	} cases[] = {
		{ "Session.idle_timeout = 0", "Session.idle_timeout" },
		{ "Session.idle_timeout = 2592001", "Session.idle_timeout" },
		{ "Session.idle_timeout = -60", "Session.idle_timeout" },
		{ "Session.idle_timeout = 30m", "Session.idle_timeout" },
		{ "Session.idle_timeout = 0600", "Session.idle_timeout" },
		{ "Session.absolute_timeout = 7776001", "Session.absolute_timeout" },
		{ "Login.window = 86401", "Login.window" },
		{ "Login.window = 0", "Login.window" },
		{ "Login.max_failures_per_account = 0", "Login.max_failures_per_account" },
		{ "Login.max_failures_per_account = 1001", "Login.max_failures_per_account" },
		{ "Login.max_failures_per_address = 100001", "Login.max_failures_per_address" },
		{ "Limits.max_body = 1023", "Limits.max_body" },
		{ "Limits.max_body = 1048577", "Limits.max_body" },
		{ "Limits.max_body = 99999999999999999999", "Limits.max_body" },
	};

	for (size_t i = 0; i < ARRAY_LEN(cases); i++)
		refused_with_line(cases[i].line, cases[i].key);
}
END_TEST

START_TEST(numbers_at_their_bounds_are_accepted)
{
	accepted_with_line("Session.idle_timeout = 1");
	accepted_with_line("Session.idle_timeout = 2592000\nSession.absolute_timeout = 7776000");
	accepted_with_line("Login.window = 86400");
	accepted_with_line("Login.max_failures_per_account = 1000");
	accepted_with_line("Login.max_failures_per_address = 100000");
	accepted_with_line("Limits.max_body = 1024");
	accepted_with_line("Limits.max_body = 1048576");
}
END_TEST

START_TEST(absolute_timeout_shorter_than_idle_is_refused)
{
	refused_with_line("Session.idle_timeout = 3600\nSession.absolute_timeout = 1800",
			  "Session.absolute_timeout");
	/* against the default idle timeout (1800) too */
	refused_with_line("Session.absolute_timeout = 600", "Session.absolute_timeout");
	accepted_with_line("Session.idle_timeout = 3600\nSession.absolute_timeout = 3600");
}
END_TEST

START_TEST(other_bad_values_are_named)
{
	refused_with_line("Smtp.url = mail.example", "Smtp.url");
	refused_with_line("Smtp.url = smtp://mail.example/", "Smtp.url");
	refused_with_line("Smtp.from = nobody", "Smtp.from");
	refused_with_line("Smtp.from = no body@x.example", "Smtp.from");
	refused_with_line("Smtp.username = a\x01z", "Smtp.username");
	refused_with_line("Worker.wakeup = a\x7fz", "Worker.wakeup");
}
END_TEST

/* --- keys the panel does not know ------------------------------------------------------ */

START_TEST(unknown_key_is_named)
{
	char *text = minimal_plus("Sesion.idle_timeout = 60");

	load_refused(text, "Sesion.idle_timeout: unknown key", NULL);
	free(text);
	refused_with_line("Session.idle = 60", "Session.idle");
	refused_with_line("Database.file = x.db", "Database.file");
	refused_with_line("Debug = 1", "Debug");
	refused_with_line("Session.idle_timeout.minutes = 30", "Session.idle_timeout");
}
END_TEST

START_TEST(unknown_provider_is_named)
{
	refused_with_line("Provider.yahoo.client_id = x", "Provider.yahoo");
	refused_with_line("Provider.Google.client_id = x", "Provider.Google");
}
END_TEST

/* --- providers --------------------------------------------------------------------------- */

START_TEST(complete_provider_block_is_loaded)
{
	struct conf conf;
	const struct conf_provider *g;

	load_ok(MINIMAL GOOGLE_BLOCK, &conf);
	g = &conf.providers[PROV_GOOGLE];
	ck_assert_int_eq(g->configured, 1);
	ck_assert_str_eq(g->client_id, "google-id");
	ck_assert_str_eq(g->client_secret, "google-secret");
	ck_assert_str_eq(g->authorize_url, "https://accounts.example/o/oauth2/auth");
	ck_assert_str_eq(g->token_url, "https://oauth2.example/token");
	ck_assert_str_eq(g->revoke_url, "https://oauth2.example/revoke");
	ck_assert_str_eq(g->userinfo_url, "https://openid.example/userinfo");
	ck_assert_str_eq(g->scopes, "openid email https://mail.example/");
	ck_assert_ptr_null(g->graph_url);
	ck_assert_int_eq(conf.providers[PROV_MICROSOFT].configured, 0);
	ck_assert_int_eq(conf.providers[PROV_OUTLOOK].configured, 0);
	conf_free(&conf);
}
END_TEST

START_TEST(provider_blocks_may_carry_extra_keys)
{
	struct conf conf;

	load_ok(MINIMAL "Provider.outlook {\n"
			"  client_id = o\n"
			"  authorize_url = https://login.example/consumers/authorize\n"
			"  token_url = https://login.example/consumers/token\n"
			"  scopes = IMAP.AccessAsUser.All offline_access\n"
			"  tenant = consumers\n"
			"}\n",
		&conf);
	ck_assert_int_eq(conf.providers[PROV_OUTLOOK].configured, 1);
	ck_assert_ptr_null(conf.providers[PROV_OUTLOOK].client_secret);
	conf_free(&conf);
}
END_TEST

START_TEST(provider_block_missing_a_required_key_is_named)
{
	static const struct {
		const char *provider;
		const char *keys[8];
		const char *missing;
	} cases[] = {
		{ "google", { "client_id", "authorize_url", "token_url", "scopes" }, "revoke_url" },
		{ "google", { "client_id", "authorize_url", "token_url", "revoke_url" }, "scopes" },
		{ "google", { "authorize_url", "token_url", "revoke_url", "scopes" }, "client_id" },
		{ "google", { "client_id", "token_url", "revoke_url", "scopes" }, "authorize_url" },
		{ "google", { "client_id", "authorize_url", "revoke_url", "scopes" }, "token_url" },
		{ "microsoft", { "client_id", "authorize_url", "token_url", "scopes" }, "graph_url" },
		{ "outlook", { "client_id", "authorize_url", "scopes" }, "token_url" },
	};

	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		struct buf text;
		char want[96];

		buf_init(&text);
		buf_puts(&text, MINIMAL);
		for (size_t k = 0; k < ARRAY_LEN(cases[i].keys) && cases[i].keys[k] != NULL; k++)
			buf_printf(&text, "Provider.%s.%s = %s\n", cases[i].provider, cases[i].keys[k],
				   strstr(cases[i].keys[k], "url") ? "https://p.example/x" : "value");
		snprintf(want, sizeof(want), "Provider.%s.%s: missing", cases[i].provider,
			 cases[i].missing);
		load_refused(text.data, want, NULL);
		buf_free(&text);
	}
}
END_TEST

START_TEST(provider_bad_url_is_named)
{
	char *text = xasprintf("%s%s", MINIMAL GOOGLE_BLOCK, "Provider.google.token_url = token\n");

	load_refused(text, "Provider.google.token_url", NULL);
	free(text);
}
END_TEST

/* --- HDF links ------------------------------------------------------------------------- */

/* ClearSilver follows a link with no bound, so a loop used to crash every program at
 * start-up; any link is refused with the key that holds it. */
START_TEST(link_loop_to_a_child_is_refused_with_its_key)
{
	load_refused(MINIMAL "Keys : Keys.x\n", "Keys", "link");
}
END_TEST

START_TEST(link_loop_between_two_keys_is_refused_with_its_key)
{
	load_refused(MINIMAL "A : B\nB : A\n", "A", "link");
	load_refused(MINIMAL "Session.idle_timeout : Session.absolute_timeout\n"
			     "Session.absolute_timeout : Session.idle_timeout\n",
		     "Session.idle_timeout", "link");
}
END_TEST

/* This one crashed inside ClearSilver's parser, before any tree could be
 * walked (found by tests/fuzz/fuzz_conf): links are refused before parsing. */
START_TEST(link_loop_the_parser_would_follow_is_refused_before_parsing)
{
	load_refused(MINIMAL "A : A\nA.x = 1\n", "line", "link");
	load_refused(MINIMAL "Smtp {\n  from : Smtp.from\n}\n", "from", "link");
	/* Inside a multi-line value, "name : x" is text, not a link: what is
	 * refused here is the value's line break. */
	load_refused(MINIMAL "Smtp.username << EOF\nname : x\nEOF\n", "Smtp.username", "printable");
	/* A colon in a value and a copy (":=") are no links. */
	{
		char err[256] = "";
		char *path = testlib_write_file("inboxpanel.hdf", MINIMAL
						"Site.static_url = http://cdn.example.com/static\n"
						"Smtp.username = bob\n"
						"Smtp.password := Smtp.username\n");
		struct conf conf;

		ck_assert_msg(conf_load(path, &conf, err, sizeof(err)) == 0, "%s", err);
		conf_free(&conf);
		free(path);
	}
}
END_TEST

START_TEST(link_inside_a_provider_block_is_refused_with_its_key)
{
	load_refused(MINIMAL GOOGLE_BLOCK "Provider.google.scopes : Smtp.password\n",
		     "Provider.google.scopes", "link");
}
END_TEST

/* --- the file itself ---------------------------------------------------------------------- */

START_TEST(missing_file_is_refused_with_its_path)
{
	char err[256] = "";
	char *path = testlib_in_tmpdir("nothing-here.hdf");
	struct conf conf;

	ck_assert_int_eq(conf_load(path, &conf, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, path) != NULL, "error \"%s\" does not name the file", err);
	conf_free(&conf);
	free(path);
}
END_TEST

START_TEST(unreadable_file_is_refused)
{
	char err[256] = "";
	char *path = testlib_write_file("locked.hdf", MINIMAL);
	struct conf conf;

	ck_assert_int_eq(chmod(path, 0), 0);
	if (geteuid() != 0) { /* root reads it anyway */
		ck_assert_int_eq(conf_load(path, &conf, err, sizeof(err)), -1);
		ck_assert_msg(strstr(err, path) != NULL, "error \"%s\" does not name the file", err);
		conf_free(&conf);
	}
	free(path);
	/* A folder is never a configuration, whoever runs the test. */
	ck_assert_int_eq(conf_load(testlib_tmpdir(), &conf, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, testlib_tmpdir()) != NULL,
		      "error \"%s\" does not name the folder", err);
	conf_free(&conf);
}
END_TEST

START_TEST(syntax_error_is_refused)
{
	char err[256] = "";
	/* (An unclosed "Session {" block is no use here: ClearSilver's parser accepts it.) */
	char *path = testlib_write_file("broken.hdf", MINIMAL "Session.idle_timeout 60\n");
	struct conf conf;

	ck_assert_int_eq(conf_load(path, &conf, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, path) != NULL, "error \"%s\" does not name the file", err);
	conf_free(&conf);
	free(path);
}
END_TEST

START_TEST(default_path_prefers_the_argument_then_the_environment)
{
	ck_assert_int_eq(setenv("INBOXPANEL_CONF", "/from/env.hdf", 1), 0);
	ck_assert_str_eq(conf_default_path("/from/arg.hdf"), "/from/arg.hdf");
	ck_assert_str_eq(conf_default_path(NULL), "/from/env.hdf");
	ck_assert_int_eq(setenv("INBOXPANEL_CONF", "", 1), 0);
	ck_assert_str_eq(conf_default_path(NULL), SYSCONFDIR "/inboxpanel/inboxpanel.hdf");
	ck_assert_int_eq(unsetenv("INBOXPANEL_CONF"), 0);
	ck_assert_str_eq(conf_default_path(NULL), SYSCONFDIR "/inboxpanel/inboxpanel.hdf");
}
END_TEST

Suite *conf_suite(void)
{
	Suite *s = suite_create("conf");
	TCase *tc;

	tc = tcase_create("values");
	tcase_add_unchecked_fixture(tc, make_conf_dir, testlib_remove_tmpdir);
	tcase_add_test(tc, minimal_file_gets_the_defaults);
	tcase_add_test(tc, load_remembers_the_file);
	tcase_add_test(tc, relative_paths_are_taken_from_the_file_folder);
	tcase_add_test(tc, absolute_paths_are_kept);
	tcase_add_test(tc, values_in_the_file_replace_the_defaults);
	tcase_add_test(tc, base_path_is_derived_from_the_base_url);
	tcase_add_test(tc, complete_provider_block_is_loaded);
	tcase_add_test(tc, provider_blocks_may_carry_extra_keys);
	tcase_add_test(tc, numbers_at_their_bounds_are_accepted);
	tcase_add_test(tc, default_path_prefers_the_argument_then_the_environment);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_unchecked_fixture(tc, make_conf_dir, testlib_remove_tmpdir);
	tcase_add_test(tc, invalid_base_url_is_named);
	tcase_add_test(tc, each_missing_required_key_is_named);
	tcase_add_test(tc, empty_required_key_is_missing);
	tcase_add_test(tc, empty_file_names_a_required_key);
	tcase_add_test(tc, numbers_out_of_range_are_named);
	tcase_add_test(tc, absolute_timeout_shorter_than_idle_is_refused);
	tcase_add_test(tc, other_bad_values_are_named);
	tcase_add_test(tc, unknown_key_is_named);
	tcase_add_test(tc, unknown_provider_is_named);
	tcase_add_test(tc, provider_block_missing_a_required_key_is_named);
	tcase_add_test(tc, provider_bad_url_is_named);
	tcase_add_test(tc, missing_file_is_refused_with_its_path);
	tcase_add_test(tc, unreadable_file_is_refused);
	tcase_add_test(tc, syntax_error_is_refused);
	tcase_add_test(tc, link_loop_to_a_child_is_refused_with_its_key);
	tcase_add_test(tc, link_loop_between_two_keys_is_refused_with_its_key);
	tcase_add_test(tc, link_inside_a_provider_block_is_refused_with_its_key);
	tcase_add_test(tc, link_loop_the_parser_would_follow_is_refused_before_parsing);
	suite_add_tcase(s, tc);

	return s;
}
