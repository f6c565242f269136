/* check_tmpl.c — unit tests of cgi/lib/tmpl: choosing a language, the words, the
 * project's own templates and language files, and — above all — that rendering
 * escapes every var: whatever the template does, except in the mail templates of
 * templates/mail/, which alone are rendered as plain text. */
#include "config.h"

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "suites.h"
#include "testlib.h"
#include "tmpl.h"
#include "util.h"

/* What a hostile value looks like, and what it must become in HTML. */
#define HOSTILE "<script>\"'&"
#define HOSTILE_ESCAPED "&lt;script&gt;&quot;&#39;&amp;"

/* --- helpers ------------------------------------------------------------------- */

static HDF *new_hdf(void)
{
	HDF *hdf = NULL;

	ck_assert_msg(hdf_init(&hdf) == STATUS_OK, "hdf_init failed");
	return hdf;
}

/* The project's templates: $top_srcdir/templates under make check, else found from
 * the test binary (tests/unit/check_core → ../../templates). */
static char *project_templates(void)
{
	const char *top = getenv("top_srcdir");
	char exe[PATH_MAX];
	ssize_t n;

	if (top != NULL && *top != '\0')
		return xasprintf("%s/templates", top);
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		char *slash;

		exe[n] = '\0';
		slash = strrchr(exe, '/');
		if (slash != NULL) {
			*slash = '\0';
			return xasprintf("%s/../../templates", exe);
		}
	}
	return xstrdup("../../templates");
}

static void init_project_templates(void)
{
	char *dir = project_templates();
	char *lang = xasprintf("%s/lang", dir);
	char err[256] = "";

	ck_assert_msg(tmpl_init(dir, lang, err, sizeof(err)) == 0,
		      "tmpl_init on the project's templates (%s): %s", dir, err);
	free(lang);
	free(dir);
}

/* The test's own templates and language files, written into its folder. */
static const struct {
	const char *name, *text;
} own_files[] = {
	{ "lang/en.hdf", "Lang.x = Words & more\nLang.greet = Hello {name}\n" },
	{ "lang/fr.hdf", "Lang.x = Des mots & plus\nLang.greet = Bonjour {name}\n" },
	{ "var.cs", "[<?cs var:V ?>]" },
	{ "words.cs", "[<?cs var:Lang.x ?>]" },
	{ "attribute.cs", "<a title=\"<?cs var:V ?>\" href='<?cs var:V ?>'>x</a>" },
	{ "computed.cs", "<?cs set:Copy = V ?>[<?cs var:Copy ?>][<?cs var:V + \"!\" ?>]" },
	{ "part.cs", "(<?cs var:V ?>)" },
	{ "outer.cs", "{<?cs include:\"part.cs\" ?>}" },
	{ "url.cs", "[<?cs var:url_escape(V) ?>]" },
	{ "list.cs", "<?cs each:item = Items ?>[<?cs var:item.name ?>]<?cs /each ?>" },
	/* An unknown command: a parse error that, unlike an unclosed if, does not hit
	 * the 32 bytes ClearSilver 0.10.5 leaks on that error path, so the sanitizer
	 * build passes. */
	{ "broken.cs", "<?cs bogus ?>" },
	/* A mail template, and one that includes a page's partial. */
	{ "mail/raw.cs", "[<?cs var:V ?>]" },
	{ "mail/outer.cs", "{<?cs include:\"part.cs\" ?>}" },
};

/* A template folder of the test's own, made once per test case by the runner (an
 * unchecked fixture) so that it is removed even when a test fails. */
static void make_template_dir(void)
{
	char *lang;

	testlib_make_tmpdir("iptmpl");
	lang = testlib_in_tmpdir("lang");
	ck_assert_msg(mkdir(lang, 0700) == 0, "cannot create %s", lang);
	free(lang);
	lang = testlib_in_tmpdir("mail");
	ck_assert_msg(mkdir(lang, 0700) == 0, "cannot create %s", lang);
	free(lang);
	for (size_t i = 0; i < ARRAY_LEN(own_files); i++)
		free(testlib_write_file(own_files[i].name, own_files[i].text));
}

static void init_own_templates(void)
{
	char *lang = testlib_in_tmpdir("lang");
	char err[256] = "";

	ck_assert_msg(tmpl_init(testlib_tmpdir(), lang, err, sizeof(err)) == 0, "tmpl_init(%s): %s",
		      testlib_tmpdir(), err);
	free(lang);
}

/* Renders name with V set to value (unless NULL) in the language code; the result
 * is to be freed. */
static char *render(const char *name, const char *value, const char *code)
{
	HDF *data;
	struct buf out;
	enum status st;

	data = new_hdf();
	if (value != NULL)
		tmpl_set(data, "V", value);
	buf_init(&out);
	st = tmpl_render(name, data, tmpl_lang(code), &out);
	ck_assert_msg(st == ST_OK, "rendering %s failed with status %d", name, st);
	hdf_destroy(&data);
	return buf_take(&out);
}

/* The same through tmpl_render_mail. */
static char *render_mail(const char *name, HDF *data, const char *code)
{
	struct buf out;
	enum status st;

	buf_init(&out);
	buf_puts(&out, "");
	st = tmpl_render_mail(name, data, tmpl_lang(code), &out);
	ck_assert_msg(st == ST_OK, "rendering mail %s failed with status %d", name, st);
	return buf_take(&out);
}

static int starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Appends to missing the name of every node of a that has a value and is not in b. */
static void collect_missing(HDF *a, HDF *b_root, const char *prefix, struct buf *missing)
{
	for (HDF *node = hdf_obj_child(a); node != NULL; node = hdf_obj_next(node)) {
		char *name = xasprintf("%s%s%s", prefix, *prefix ? "." : "", hdf_obj_name(node));

		if (hdf_obj_value(node) != NULL && hdf_get_value(b_root, name, NULL) == NULL)
			buf_printf(missing, " %s", name);
		collect_missing(node, b_root, name, missing);
		free(name);
	}
}

static HDF *read_lang_file(const char *dir, const char *code)
{
	char *path = xasprintf("%s/lang/%s.hdf", dir, code);
	HDF *hdf;
	NEOERR *err;

	hdf = new_hdf();
	err = hdf_read_file(hdf, path);
	ck_assert_msg(err == STATUS_OK, "cannot read %s", path);
	free(path);
	return hdf;
}

/* --- tmpl_language_for --------------------------------------------------------- */

static void assert_language(const char *header, const char *want)
{
	const char *got = tmpl_language_for(header);

	ck_assert_msg(strcmp(got, want) == 0, "Accept-Language \"%s\" chose %s, expected %s",
		      header ? header : "(null)", got, want);
}

START_TEST(language_follows_the_highest_weight)
{
	assert_language("fr-CH, fr;q=0.9, en;q=0.8", "fr");
	assert_language("en-US,en;q=0.9,fr;q=0.8", "en");
	assert_language("fr;q=0.4, en;q=0.5", "en");
	assert_language("en;q=0.4, fr;q=0.5", "fr");
	assert_language("fr", "fr");
	assert_language("FR-fr", "fr");
}
END_TEST

START_TEST(language_skips_unknown_ones)
{
	assert_language("de, fr;q=0.5", "fr");
	assert_language("de-DE, es;q=0.9, fr;q=0.1", "fr");
	assert_language("de, en;q=0.3", "en");
	assert_language("de, it", "en");
	assert_language("frr, fr;q=0.2", "fr"); /* North Frisian is not French */
}
END_TEST

START_TEST(language_defaults_to_english)
{
	assert_language("", "en");
	assert_language(NULL, "en");
	assert_language("*", "en");
	assert_language(",,, ;;;", "en");
	assert_language("garbage", "en");
	assert_language("\xff\xfe;q=\xff", "en");
	ck_assert_str_eq(tmpl_languages[0], "en");
}
END_TEST

START_TEST(language_with_zero_weight_is_refused)
{
	assert_language("fr;q=0", "en");
	assert_language("fr;q=0.0, de", "en");
	assert_language("fr;q=abc", "en");
	assert_language("fr;q=2", "en"); /* out of range */
	assert_language("fr;q=-1", "en");
	assert_language("en;q=0, fr;q=0.1", "fr");
}
END_TEST

START_TEST(language_tie_goes_to_the_first_listed)
{
	assert_language("fr;q=0.5, en;q=0.5", "fr");
	assert_language("en, fr", "en");
	assert_language("fr, en", "fr");
}
END_TEST

START_TEST(language_survives_a_long_header)
{
	struct buf header;

	buf_init(&header);
	for (int i = 0; i < 2000; i++)
		buf_puts(&header, "xx-YY;q=0.1, ");
	buf_puts(&header, "fr;q=0.2, ");
	memset(header.data, 'z', 200); /* one item longer than any language tag */
	assert_language(header.data, "fr");
	buf_free(&header);
}
END_TEST

/* --- tmpl_words ------------------------------------------------------------------------ */

START_TEST(words_without_placeholder_are_the_text)
{
	HDF *lang;
	char *w;

	lang = new_hdf();
	tmpl_set(lang, "Lang.login.title", "Sign in");
	w = tmpl_words(lang, "login.title", NULL);
	ck_assert_str_eq(w, "Sign in");
	free(w);
	w = tmpl_words(lang, "login.title", "name", "Ann", NULL);
	ck_assert_msg(strcmp(w, "Sign in") == 0, "a text without {name} changed to \"%s\"", w);
	free(w);
	hdf_destroy(&lang);
}
END_TEST

START_TEST(words_fill_every_placeholder)
{
	HDF *lang;
	char *w;

	lang = new_hdf();
	tmpl_set(lang, "Lang.disable.confirm", "Disable {mailbox}? {mailbox} stops syncing; {other} stays.");
	w = tmpl_words(lang, "disable.confirm", "mailbox", "a@b.example", NULL);
	ck_assert_str_eq(w, "Disable a@b.example? a@b.example stops syncing; {other} stays.");
	free(w);
	/* The value is plain text, copied as is; the template escapes it when shown. */
	w = tmpl_words(lang, "disable.confirm", "mailbox", "<{mailbox}>", NULL);
	ck_assert_str_eq(w, "Disable <{mailbox}>? <{mailbox}> stops syncing; {other} stays.");
	free(w);
	w = tmpl_words(lang, "disable.confirm", "mailbox", "", NULL);
	ck_assert_str_eq(w, "Disable ?  stops syncing; {other} stays.");
	free(w);
	w = tmpl_words(lang, "disable.confirm", NULL);
	ck_assert_msg(strcmp(w, "Disable {mailbox}? {mailbox} stops syncing; {other} stays.") == 0,
		      "placeholders without values changed to \"%s\"", w);
	free(w);
	hdf_destroy(&lang);
}
END_TEST

START_TEST(words_take_several_placeholders)
{
	HDF *lang;
	char *w;

	lang = new_hdf();
	tmpl_set(lang, "Lang.moved", "{who} moved {what} to {where}; {who} was {where} {");
	w = tmpl_words(lang, "moved", "what", "a", "who", "W", "where", "{what}", NULL);
	ck_assert_str_eq(w, "W moved a to {what}; W was {what} {");
	free(w);
	hdf_destroy(&lang);
}
END_TEST

START_TEST(words_of_a_missing_key_are_null)
{
	HDF *lang;

	lang = new_hdf();
	tmpl_set(lang, "Lang.a", "A");
	ck_assert_ptr_null(tmpl_words(lang, "b", NULL));
	ck_assert_ptr_null(tmpl_words(lang, "b", "name", "x", NULL));
	ck_assert_ptr_null(tmpl_words(lang, "a.b", NULL));
	hdf_destroy(&lang);
}
END_TEST

/* --- the project's templates and words --------------------------------------------- */

START_TEST(project_templates_load)
{
	init_project_templates();
	ck_assert_ptr_nonnull(tmpl_lang("en"));
	ck_assert_ptr_nonnull(tmpl_lang("fr"));
	ck_assert_ptr_null(tmpl_lang("de"));
	ck_assert_ptr_null(tmpl_lang(""));
	ck_assert_ptr_null(tmpl_lang(NULL));
	ck_assert_str_eq(hdf_get_value(tmpl_lang("en"), "Lang.login.title", ""), "Sign in");
	ck_assert_msg(strcmp(hdf_get_value(tmpl_lang("fr"), "Lang.login.title", ""), "Sign in") != 0,
		      "fr.hdf's login.title is the English one");
	tmpl_shutdown();
}
END_TEST

START_TEST(project_lang_files_have_the_same_keys)
{
	char *dir = project_templates();
	HDF *en = read_lang_file(dir, "en");
	HDF *fr = read_lang_file(dir, "fr");
	struct buf only_en, only_fr;

	buf_init(&only_en);
	buf_init(&only_fr);
	collect_missing(en, fr, "", &only_en);
	collect_missing(fr, en, "", &only_fr);
	ck_assert_msg(only_en.len == 0 && only_fr.len == 0,
		      "language files differ; missing from fr.hdf:%s; missing from en.hdf:%s",
		      only_en.len ? only_en.data : " none", only_fr.len ? only_fr.data : " none");
	ck_assert_msg(hdf_get_obj(en, "Lang") != NULL, "en.hdf has no Lang tree");
	buf_free(&only_en);
	buf_free(&only_fr);
	hdf_destroy(&en);
	hdf_destroy(&fr);
	free(dir);
}
END_TEST

/* The French rules a reader notices when they are broken: a no-break space
 * (U+00A0 or U+202F) before ? ! : ; that end a phrase and inside « », a curly
 * apostrophe, and the application, never "le panneau", as the one acting.
 * A colon inside a word ("https://", "12:30") is not punctuation here. */
static int after_nbsp(const char *text, const char *at)
{
	return (at - text >= 2 && (unsigned char)at[-2] == 0xC2 && (unsigned char)at[-1] == 0xA0) ||
	       (at - text >= 3 && (unsigned char)at[-3] == 0xE2 && (unsigned char)at[-2] == 0x80 &&
		(unsigned char)at[-1] == 0xAF);
}

static int before_nbsp(const char *at)
{
	return ((unsigned char)at[0] == 0xC2 && (unsigned char)at[1] == 0xA0) ||
	       ((unsigned char)at[0] == 0xE2 && (unsigned char)at[1] == 0x80 && (unsigned char)at[2] == 0xAF);
}

static void collect_bad_french(HDF *node, const char *prefix, struct buf *bad)
{
	for (HDF *child = hdf_obj_child(node); child != NULL; child = hdf_obj_next(child)) {
		char *name = xasprintf("%s%s%s", prefix, *prefix ? "." : "", hdf_obj_name(child));
		const char *text = hdf_obj_value(child);

		for (const char *at = text; at != NULL && *at != '\0'; at++) {
			const char *why = NULL;

			if (strchr("?!:;", *at) != NULL && (at[1] == '\0' || at[1] == ' ' || before_nbsp(at + 1)) &&
			    !after_nbsp(text, at))
				why = "no no-break space before";
			else if (*at == '\'')
				why = "a straight apostrophe";
			else if (strncmp(at, "«", strlen("«")) == 0 && !before_nbsp(at + strlen("«")))
				why = "no no-break space after «";
			else if (strncmp(at, "»", strlen("»")) == 0 && !after_nbsp(text, at))
				why = "no no-break space before »";
			else if (strncasecmp(at, "le panneau", 10) == 0)
				why = "\"le panneau\" where the app is meant";
			if (why != NULL)
				buf_printf(bad, "\n  %s: %s at \"%.12s\"", name, why, at > text + 6 ? at - 6 : text);
		}
		collect_bad_french(child, name, bad);
		free(name);
	}
}

START_TEST(project_french_follows_french_typography)
{
	char *dir = project_templates();
	HDF *fr = read_lang_file(dir, "fr");
	struct buf bad;

	buf_init(&bad);
	collect_bad_french(fr, "", &bad);
	ck_assert_msg(bad.len == 0, "fr.hdf:%s", bad.len ? bad.data : "");
	buf_free(&bad);
	hdf_destroy(&fr);
	free(dir);
}
END_TEST

START_TEST(project_error_page_escapes_its_values)
{
	HDF *data;
	struct buf out;

	init_project_templates();
	data = new_hdf();
	tmpl_set(data, "Page.lang", "en");
	tmpl_set(data, "Error.code", "400");
	tmpl_set(data, "Error.title", HOSTILE);
	tmpl_set(data, "Error.reason", "<img src=x onerror=alert(1)>");
	buf_init(&out);
	ck_assert_int_eq(tmpl_render("error.cs", data, tmpl_lang("en"), &out), ST_OK);
	ck_assert_msg(strstr(out.data, "<h1 id=\"error-title\">" HOSTILE_ESCAPED "</h1>") != NULL,
		      "the title is not escaped in:\n%s", out.data);
	ck_assert_msg(strstr(out.data, "<title>" HOSTILE_ESCAPED " ") != NULL,
		      "the <title> (set: through header.cs) is not escaped in:\n%s", out.data);
	ck_assert_msg(strstr(out.data, "<img") == NULL && strstr(out.data, "<script>") == NULL,
		      "raw markup from data reached the page:\n%s", out.data);
	ck_assert_msg(strstr(out.data, "Go to sign in") != NULL, "the English words are missing");
	buf_free(&out);
	hdf_destroy(&data);
	tmpl_shutdown();
}
END_TEST

/* Every page builds its URLs through urls.cs and its CSRF field through
 * macros.cs, so a path shape or the field's markup lives in one place. */
START_TEST(project_pages_use_the_macros)
{
	char *dir = project_templates();
	DIR *d = opendir(dir);
	struct dirent *e;
	int pages = 0;

	ck_assert_msg(d != NULL, "cannot open %s", dir);
	while ((e = readdir(d)) != NULL) {
		size_t len = strlen(e->d_name);
		char *path;
		FILE *f;
		char line[2048];
		int n = 0;

		if (len < 4 || strcmp(e->d_name + len - 3, ".cs") != 0)
			continue;
		pages++;
		path = xasprintf("%s/%s", dir, e->d_name);
		f = fopen(path, "r");
		ck_assert_msg(f != NULL, "cannot read %s", path);
		while (fgets(line, sizeof(line), f) != NULL) {
			n++;
			ck_assert_msg(strcmp(e->d_name, "urls.cs") == 0 || strstr(line, "Site.") == NULL,
				      "%s:%d builds a URL from Site.* itself; call a url_ macro of "
				      "urls.cs instead", e->d_name, n);
			ck_assert_msg(strcmp(e->d_name, "macros.cs") == 0 ||
					      strstr(line, "name=\"csrf\"") == NULL,
				      "%s:%d writes the CSRF field itself; call csrf_field() of "
				      "macros.cs instead", e->d_name, n);
		}
		fclose(f);
		free(path);
	}
	closedir(d);
	ck_assert_msg(pages >= 8, "only %d templates found in %s", pages, dir);
	free(dir);
}
END_TEST

/* Rule 6's email: the address as it is (a mail is not HTML), both languages. */
START_TEST(project_mail_team_disconnected_is_plain_text)
{
	const char *address = "ops+<b>&@example.com";
	HDF *data;
	char *en, *fr;

	init_project_templates();
	data = new_hdf();
	tmpl_set(data, "Mail.address", address);
	en = render_mail("mail/team_disconnected.cs", data, "en");
	ck_assert_msg(starts_with(en, "Subject: Team email disconnected: ops+<b>&@example.com\n\n"
				      "Your team email ops+<b>&@example.com was disconnected.\n"),
		      "the English mail does not start with its subject and sentence:\n%s", en);
	ck_assert_msg(strstr(en, "user who connected it are notified.") != NULL,
		      "the English mail does not say who is told:\n%s", en);
	fr = render_mail("mail/team_disconnected.cs", data, "fr");
	/* U+00A0, a no-break space, before the colon. */
	ck_assert_msg(starts_with(fr, "Subject: Adresse e-mail d’équipe déconnectée\xc2\xa0: "
				      "ops+<b>&@example.com\n\n"),
		      "the French mail's subject is not the French one:\n%s", fr);
	ck_assert_msg(strstr(fr, "L’adresse e-mail d’équipe ops+<b>&@example.com a été déconnectée.\n") != NULL,
		      "the French mail lacks the sentence with the address:\n%s", fr);
	ck_assert_msg(strstr(en, "&amp;") == NULL && strstr(en, "&lt;") == NULL &&
			      strstr(fr, "&amp;") == NULL && strstr(fr, "&lt;") == NULL,
		      "a mail was HTML-escaped:\n%s\n%s", en, fr);
	ck_assert_msg(strchr(en, '{') == NULL && strchr(fr, '{') == NULL,
		      "a placeholder was left in a mail:\n%s\n%s", en, fr);
	free(en);
	free(fr);
	hdf_destroy(&data);
	tmpl_shutdown();
}
END_TEST

START_TEST(init_refuses_a_missing_template_folder)
{
	char err[256] = "";
	char *dir = testlib_in_tmpdir("no-such-folder");

	ck_assert_int_eq(tmpl_init(dir, dir, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "Templates.dir") != NULL && strstr(err, dir) != NULL,
		      "error \"%s\" does not name Templates.dir and the folder", err);
	tmpl_shutdown();
	free(dir);
}
END_TEST

START_TEST(init_refuses_a_missing_language_file)
{
	const char *dir = testlib_tmpdir();
	char err[256] = "";

	ck_assert_int_eq(tmpl_init(dir, dir /* no en.hdf here */, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "Templates.lang_dir") != NULL && strstr(err, "en.hdf") != NULL,
		      "error \"%s\" does not name Templates.lang_dir and en.hdf", err);
	tmpl_shutdown();
}
END_TEST

/* --- escaping, on the test's own templates -------------------------------------------- */

START_TEST(render_escapes_var)
{
	char *out;

	init_own_templates();
	out = render("var.cs", HOSTILE, "en");
	ck_assert_str_eq(out, "[" HOSTILE_ESCAPED "]");
	free(out);
	tmpl_shutdown();
}
END_TEST

START_TEST(render_escapes_in_attributes)
{
	char *out;

	init_own_templates();
	out = render("attribute.cs", "x\" onmouseover='alert(1)", "en");
	ck_assert_str_eq(out, "<a title=\"x&quot; onmouseover=&#39;alert(1)\" "
			      "href='x&quot; onmouseover=&#39;alert(1)'>x</a>");
	free(out);
	tmpl_shutdown();
}
END_TEST

START_TEST(render_escapes_set_and_concatenated_values)
{
	char *out;

	init_own_templates();
	out = render("computed.cs", HOSTILE, "en");
	ck_assert_str_eq(out, "[" HOSTILE_ESCAPED "][" HOSTILE_ESCAPED "!]");
	free(out);
	tmpl_shutdown();
}
END_TEST

START_TEST(render_escapes_in_included_templates)
{
	char *out;

	init_own_templates();
	out = render("outer.cs", HOSTILE, "en");
	ck_assert_str_eq(out, "{(" HOSTILE_ESCAPED ")}");
	free(out);
	tmpl_shutdown();
}
END_TEST

START_TEST(render_escapes_list_items)
{
	HDF *data;
	struct buf out;

	init_own_templates();
	data = new_hdf();
	tmpl_set_item(data, "Items", 0, "name", "<b>");
	tmpl_set_item(data, "Items", 1, "name", "a&b");
	buf_init(&out);
	ck_assert_int_eq(tmpl_render("list.cs", data, tmpl_lang("en"), &out), ST_OK);
	ck_assert_str_eq(out.data, "[&lt;b&gt;][a&amp;b]");
	buf_free(&out);
	hdf_destroy(&data);
	tmpl_shutdown();
}
END_TEST

START_TEST(render_escapes_the_words_too)
{
	char *out;

	init_own_templates();
	out = render("words.cs", NULL, "en");
	ck_assert_str_eq(out, "[Words &amp; more]");
	free(out);
	out = render("words.cs", NULL, "fr");
	ck_assert_str_eq(out, "[Des mots &amp; plus]");
	free(out);
	tmpl_shutdown();
}
END_TEST

START_TEST(render_has_the_string_functions)
{
	char *out;

	init_own_templates();
	out = render("url.cs", "a b&c/\"", "en");
	ck_assert_str_eq(out, "[a+b%26c%2F%22]");
	free(out);
	tmpl_shutdown();
}
END_TEST

START_TEST(render_twice_with_different_data)
{
	char *first, *second;

	init_own_templates();
	first = render("var.cs", "one", "en");
	second = render("var.cs", "<two>", "en");
	ck_assert_str_eq(first, "[one]");
	ck_assert_str_eq(second, "[&lt;two&gt;]");
	free(first);
	free(second);
	first = render("var.cs", NULL, "en");
	ck_assert_msg(strcmp(first, "[]") == 0, "a value of the last render leaked: \"%s\"", first);
	free(first);
	tmpl_shutdown();
}
END_TEST

START_TEST(render_parses_each_template_once)
{
	char *out;

	init_own_templates();
	free(testlib_write_file("once.cs", "first:<?cs var:V ?>"));
	out = render("once.cs", "a", "en");
	ck_assert_str_eq(out, "first:a");
	free(out);
	free(testlib_write_file("once.cs", "second:<?cs var:V ?>"));
	out = render("once.cs", "b", "en");
	ck_assert_msg(strcmp(out, "first:b") == 0, "the template was parsed again: \"%s\"", out);
	free(out);
	tmpl_shutdown();
}
END_TEST

START_TEST(render_of_a_missing_template_is_internal)
{
	HDF *data;
	struct buf out;

	init_own_templates();
	data = new_hdf();
	buf_init(&out);
	ck_assert_int_eq(tmpl_render("no-such.cs", data, tmpl_lang("en"), &out), ST_INTERNAL);
	ck_assert_int_eq(tmpl_render("broken.cs", data, tmpl_lang("en"), &out), ST_INTERNAL);
	ck_assert_msg(out.len == 0, "a failed render wrote \"%s\"", out.data);
	buf_free(&out);
	hdf_destroy(&data);
	tmpl_shutdown();
}
END_TEST

/* --- mail: plain text, and only under mail/ -------------------------------------------- */

START_TEST(render_mail_leaves_the_text_raw_and_pages_stay_escaped)
{
	HDF *data;
	char *out;

	init_own_templates();
	data = new_hdf();
	tmpl_set(data, "V", "<b>&");
	out = render_mail("mail/raw.cs", data, "en");
	ck_assert_str_eq(out, "[<b>&]");
	free(out);
	/* A page rendered after a mail, in the same process, is still escaped. */
	out = render("var.cs", "<b>&", "en");
	ck_assert_str_eq(out, "[&lt;b&gt;&amp;]");
	free(out);
	out = render_mail("mail/raw.cs", data, "en");
	ck_assert_str_eq(out, "[<b>&]");
	free(out);
	/* A partial a mail includes is text there too (includes are inlined). */
	out = render_mail("mail/outer.cs", data, "en");
	ck_assert_str_eq(out, "{(<b>&)}");
	free(out);
	hdf_destroy(&data);
	tmpl_shutdown();
}
END_TEST

START_TEST(render_mail_refuses_every_other_template)
{
	static const char *const refused[] = { "var.cs", "outer.cs", "mail/../var.cs",
					       "./mail/raw.cs", "/mail/raw.cs", "mail", "" };
	HDF *data;
	struct buf out;
	char *page;

	init_own_templates();
	data = new_hdf();
	tmpl_set(data, "V", "<b>&");
	buf_init(&out);
	for (size_t i = 0; i < ARRAY_LEN(refused); i++)
		ck_assert_msg(tmpl_render_mail(refused[i], data, tmpl_lang("en"), &out) == ST_INTERNAL,
			      "tmpl_render_mail accepted \"%s\"", refused[i]);
	ck_assert_msg(out.len == 0, "a refused mail render wrote \"%s\"", out.data);
	/* And the pages' renderer does not render mail templates. */
	ck_assert_int_eq(tmpl_render("mail/raw.cs", data, tmpl_lang("en"), &out), ST_INTERNAL);
	ck_assert_msg(out.len == 0, "a refused page render wrote \"%s\"", out.data);
	/* A refusal leaves nothing behind: the page asked for first is escaped. */
	page = render("var.cs", "<b>&", "en");
	ck_assert_str_eq(page, "[&lt;b&gt;&amp;]");
	free(page);
	buf_free(&out);
	hdf_destroy(&data);
	tmpl_shutdown();
}
END_TEST

START_TEST(set_helpers_write_values)
{
	HDF *hdf;

	hdf = new_hdf();
	tmpl_set(hdf, "A.b", "text");
	tmpl_setf(hdf, "A.c", "%s-%d", "x", 5);
	tmpl_set_int(hdf, "A.n", -9223372036854775807LL - 1);
	tmpl_set_item(hdf, "L", 2, NULL, "two");
	tmpl_set_item(hdf, "L", 3, "f", "three");
	ck_assert_str_eq(hdf_get_value(hdf, "A.b", ""), "text");
	ck_assert_str_eq(hdf_get_value(hdf, "A.c", ""), "x-5");
	ck_assert_str_eq(hdf_get_value(hdf, "A.n", ""), "-9223372036854775808");
	ck_assert_str_eq(hdf_get_value(hdf, "L.2", ""), "two");
	ck_assert_str_eq(hdf_get_value(hdf, "L.3.f", ""), "three");
	hdf_destroy(&hdf);
}
END_TEST

Suite *tmpl_suite(void)
{
	Suite *s = suite_create("tmpl");
	TCase *tc;

	tc = tcase_create("language");
	tcase_add_test(tc, language_follows_the_highest_weight);
	tcase_add_test(tc, language_skips_unknown_ones);
	tcase_add_test(tc, language_defaults_to_english);
	tcase_add_test(tc, language_with_zero_weight_is_refused);
	tcase_add_test(tc, language_tie_goes_to_the_first_listed);
	tcase_add_test(tc, language_survives_a_long_header);
	suite_add_tcase(s, tc);

	tc = tcase_create("words");
	tcase_add_test(tc, words_without_placeholder_are_the_text);
	tcase_add_test(tc, words_fill_every_placeholder);
	tcase_add_test(tc, words_take_several_placeholders);
	tcase_add_test(tc, words_of_a_missing_key_are_null);
	tcase_add_test(tc, set_helpers_write_values);
	suite_add_tcase(s, tc);

	tc = tcase_create("project");
	tcase_add_test(tc, project_templates_load);
	tcase_add_test(tc, project_lang_files_have_the_same_keys);
	tcase_add_test(tc, project_french_follows_french_typography);
	tcase_add_test(tc, project_error_page_escapes_its_values);
	tcase_add_test(tc, project_pages_use_the_macros);
	tcase_add_test(tc, project_mail_team_disconnected_is_plain_text);
	suite_add_tcase(s, tc);

	tc = tcase_create("render");
	tcase_add_unchecked_fixture(tc, make_template_dir, testlib_remove_tmpdir);
	tcase_add_test(tc, init_refuses_a_missing_template_folder);
	tcase_add_test(tc, init_refuses_a_missing_language_file);
	tcase_add_test(tc, render_escapes_var);
	tcase_add_test(tc, render_escapes_in_attributes);
	tcase_add_test(tc, render_escapes_set_and_concatenated_values);
	tcase_add_test(tc, render_escapes_in_included_templates);
	tcase_add_test(tc, render_escapes_list_items);
	tcase_add_test(tc, render_escapes_the_words_too);
	tcase_add_test(tc, render_has_the_string_functions);
	tcase_add_test(tc, render_twice_with_different_data);
	tcase_add_test(tc, render_parses_each_template_once);
	tcase_add_test(tc, render_of_a_missing_template_is_internal);
	tcase_add_test(tc, render_mail_leaves_the_text_raw_and_pages_stay_escaped);
	tcase_add_test(tc, render_mail_refuses_every_other_template);
	suite_add_tcase(s, tc);

	return s;
}
