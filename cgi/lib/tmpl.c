/* tmpl.c — ClearSilver rendering.
 *
 * Config.VarEscapeMode must be set before cs_init (later it is silently ignored),
 * so every CSPARSE here is created from one of two HDFs that carry it: "html" for
 * every page, "none" for the templates under mail/, and the name alone decides
 * which, so no page can be parsed without escaping.  A parsed template is kept
 * and rendered again with each request's data swapped in (cs->hdf) and the
 * language as the global HDF beneath it (cs->global_hdf): the parse is the costly
 * part, and includes are inlined at parse time. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tmpl.h"

#define TEMPLATE_CACHE_SIZE 48
#define MAIL_PREFIX "mail/"
#define MAIL_HTML_SUFFIX ".html.cs"

const char *const tmpl_languages[] = { "en", "fr", NULL };

static struct {
	HDF *parse_html; /* escape mode "html" and the include path: the pages */
	HDF *parse_mail; /* escape mode "none" and the include path: mail/ only */
	HDF *lang[2];
	char *lang_dir;  /* while a language is still to be read */
	int on_use;      /* tmpl_read_languages_on_use */
	char *dir;
	struct {
		char *name;
		CSPARSE *cs;
		HDF *parse_hdf; /* the one it was parsed with */
	} cache[TEMPLATE_CACHE_SIZE];
	size_t cached;
} T;

/* Per language, what a date is made of: looked up once, as the words never
 * change while the process runs (they point into T.lang). */
struct date_words {
	HDF *lang;
	const char *pattern; /* Lang.date.pattern, NULL when missing */
	const char *month[12];
};

static struct date_words date_cache[ARRAY_LEN(T.lang) + 1];

/* The days formatted last, per language: a day's text never changes. */
static struct {
	HDF *lang;
	long long day;
	char text[TMPL_DATE_SIZE];
} date_memo[64];

static void die_nomem(NEOERR *err)
{
	if (err != STATUS_OK) {
		nerr_log_error(err);
		nerr_ignore(&err);
		log_error("ClearSilver: out of memory");
		abort();
	}
}

void tmpl_set(HDF *hdf, const char *name, const char *value)
{
	die_nomem(hdf_set_value(hdf, name, value));
}

void tmpl_setf(HDF *hdf, const char *name, const char *fmt, ...)
{
	va_list ap;
	struct buf b;

	buf_init(&b);
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	tmpl_set(hdf, name, b.data ? b.data : "");
	buf_free(&b);
}

void tmpl_set_int(HDF *hdf, const char *name, long long value)
{
	tmpl_setf(hdf, name, "%lld", value);
}

void tmpl_set_item(HDF *hdf, const char *list, int index, const char *field, const char *value)
{
	char name[160];

	if (field != NULL)
		snprintf(name, sizeof(name), "%s.%d.%s", list, index, field);
	else
		snprintf(name, sizeof(name), "%s.%d", list, index);
	tmpl_set(hdf, name, value);
}

HDF *tmpl_item(HDF *hdf, const char *list, int index)
{
	HDF *node;
	char name[160];

	snprintf(name, sizeof(name), "%s.%d", list, index);
	die_nomem(hdf_get_node(hdf, name, &node));
	return node;
}

/* Logs a ClearSilver error with its traceback; never shown to the browser. */
static void log_nerr(const char *what, NEOERR *err)
{
	STRING msg;

	string_init(&msg);
	nerr_error_traceback(err, &msg);
	log_error("%s: %s", what, msg.buf ? msg.buf : "unknown ClearSilver error");
	string_clear(&msg);
	nerr_ignore(&err);
}

/* Lang files are a few hundred lines; reading one is some 1.6 M instructions,
 * a tenth of a plain-CGI request, which needs one language. */
static int read_language(int i, char *err, size_t errlen)
{
	char *path = xasprintf("%s/%s.hdf", T.lang_dir, tmpl_languages[i]);
	NEOERR *nerr;

	die_nomem(hdf_init(&T.lang[i]));
	nerr = hdf_read_file(T.lang[i], path);
	if (nerr != STATUS_OK) {
		STRING msg;

		string_init(&msg);
		nerr_error_string(nerr, &msg);
		snprintf(err, errlen, "Templates.lang_dir: cannot read %s: %s", path,
			 msg.buf ? msg.buf : "error");
		string_clear(&msg);
		nerr_ignore(&nerr);
		hdf_destroy(&T.lang[i]);
		free(path);
		return -1;
	}
	free(path);
	return 0;
}

int tmpl_init(const char *template_dir, const char *lang_dir, char *err, size_t errlen)
{
	struct stat sb;

	if (stat(template_dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
		snprintf(err, errlen, "Templates.dir: %s is not a folder", template_dir);
		return -1;
	}
	T.dir = xstrdup(template_dir);
	die_nomem(hdf_init(&T.parse_html));
	tmpl_set(T.parse_html, "Config.VarEscapeMode", "html");
	tmpl_set(T.parse_html, "hdf.loadpaths.0", template_dir);
	die_nomem(hdf_init(&T.parse_mail));
	tmpl_set(T.parse_mail, "Config.VarEscapeMode", "none");
	tmpl_set(T.parse_mail, "hdf.loadpaths.0", template_dir);
	T.lang_dir = xstrdup(lang_dir);
	for (int i = 0; tmpl_languages[i] != NULL; i++) {
		if (i > 0 && T.on_use) {
			char *path = xasprintf("%s/%s.hdf", lang_dir, tmpl_languages[i]);
			int readable = access(path, R_OK) == 0;

			if (!readable)
				snprintf(err, errlen, "Templates.lang_dir: cannot read %s: %s", path,
					 strerror(errno));
			free(path);
			if (!readable)
				return -1;
			continue;
		}
		if (read_language(i, err, errlen) != 0)
			return -1;
	}
	return 0;
}

void tmpl_read_languages_on_use(void)
{
	T.on_use = 1;
}

void tmpl_shutdown(void)
{
	for (size_t i = 0; i < T.cached; i++) {
		T.cache[i].cs->hdf = T.cache[i].parse_hdf;
		T.cache[i].cs->global_hdf = NULL;
		cs_destroy(&T.cache[i].cs);
		free(T.cache[i].name);
	}
	T.cached = 0;
	/* They point into the words about to go. */
	memset(date_cache, 0, sizeof(date_cache));
	memset(date_memo, 0, sizeof(date_memo));
	for (size_t i = 0; i < ARRAY_LEN(T.lang); i++)
		hdf_destroy(&T.lang[i]);
	hdf_destroy(&T.parse_html);
	hdf_destroy(&T.parse_mail);
	free(T.dir);
	T.dir = NULL;
	free(T.lang_dir);
	T.lang_dir = NULL;
	T.on_use = 0;
}

HDF *tmpl_lang(const char *code)
{
	for (int i = 0; tmpl_languages[i] != NULL; i++) {
		if (code == NULL || strcmp(code, tmpl_languages[i]) != 0)
			continue;
		if (T.lang[i] == NULL && T.lang_dir != NULL) {
			char err[512];

			/* Unreadable since start-up: the default language answers. */
			if (read_language(i, err, sizeof(err)) != 0)
				log_error("%s", err);
		}
		return T.lang[i];
	}
	return NULL;
}

/* Accept-Language: "fr-CH, fr;q=0.9, en;q=0.8, *;q=0.5".  Picks the known
 * language with the highest weight; the first listed wins a tie. */
const char *tmpl_language_for(const char *header)
{
	const char *best = tmpl_languages[0];
	double best_q = -1;
	const char *p = header;

	while (p != NULL && *p != '\0') {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		char item[64];
		char *semi, *tag;
		double q = 1.0;

		if (len < sizeof(item)) {
			memcpy(item, p, len);
			item[len] = '\0';
			tag = item + strspn(item, " \t");
			semi = strchr(tag, ';');
			if (semi != NULL) {
				const char *qs = strstr(semi, "q=");

				*semi = '\0';
				if (qs != NULL) {
					char *qend;

					q = strtod(qs + 2, &qend);
					if (qend == qs + 2 || q < 0 || q > 1)
						q = 0;
				}
			}
			tag[strcspn(tag, "- \t")] = '\0';
			for (int i = 0; tmpl_languages[i] != NULL; i++)
				if (strcasecmp(tag, tmpl_languages[i]) == 0 && q > best_q && q > 0) {
					best = tmpl_languages[i];
					best_q = q;
				}
		}
		p = end ? end + 1 : NULL;
	}
	return best;
}

static char *words_v(HDF *lang, const char *key, va_list ap)
{
	const char *text = hdf_get_valuef(lang, "Lang.%s", key);
	struct buf out;
	const char *p;

	if (text == NULL)
		return NULL;
	buf_init(&out);
	buf_puts(&out, "");
	for (p = text; *p != '\0';) {
		const char *close = *p == '{' ? strchr(p, '}') : NULL;
		int replaced = 0;

		if (close != NULL) {
			va_list names;
			const char *name, *value;

			va_copy(names, ap);
			while ((name = va_arg(names, const char *)) != NULL) {
				value = va_arg(names, const char *);
				if (strlen(name) == (size_t)(close - p - 1) &&
				    strncmp(p + 1, name, (size_t)(close - p - 1)) == 0) {
					buf_puts(&out, value ? value : "");
					replaced = 1;
					break;
				}
			}
			va_end(names);
		}
		if (replaced) {
			p = close + 1;
		} else {
			buf_putc(&out, *p);
			p++;
		}
	}
	return buf_take(&out);
}

char *tmpl_words(HDF *lang, const char *key, ...)
{
	va_list ap;
	char *text;

	va_start(ap, key);
	text = words_v(lang, key, ap);
	va_end(ap);
	return text;
}

void tmpl_set_words(HDF *hdf, const char *name, HDF *lang, const char *key, ...)
{
	va_list ap;
	char *text;

	va_start(ap, key);
	text = words_v(lang, key, ap);
	va_end(ap);
	if (text != NULL) {
		tmpl_set(hdf, name, text);
		free(text);
	}
}

static const struct date_words *date_words(HDF *lang)
{
	struct date_words *words = date_cache;

	for (size_t i = 0; i < ARRAY_LEN(date_cache); i++) {
		struct date_words *w = &words[i];

		if (w->lang == lang)
			return w;
		if (w->lang == NULL || i == ARRAY_LEN(date_cache) - 1) {
			w->lang = lang;
			w->pattern = hdf_get_value(lang, "Lang.date.pattern", NULL);
			for (int m = 0; m < 12; m++)
				w->month[m] = hdf_get_valuef(lang, "Lang.date.month.%d", m + 1);
			return w;
		}
	}
	return NULL;
}

static void format_date(const struct date_words *w, time_t t, char *out)
{
	struct tm tm;
	char day[16], year[16];
	const char *month;
	size_t n = 0;

	gmtime_r(&t, &tm);
	snprintf(day, sizeof(day), "%d", tm.tm_mday);
	snprintf(year, sizeof(year), "%d", tm.tm_year + 1900);
	month = w->month[tm.tm_mon] ? w->month[tm.tm_mon] : "";
	if (w->pattern == NULL) {
		snprintf(out, TMPL_DATE_SIZE, "%s-%02d-%s", year, tm.tm_mon + 1, day);
		return;
	}
	/* {day}, {month} and {year} filled in; anything else kept as written. */
	for (const char *p = w->pattern; *p != '\0' && n + 1 < TMPL_DATE_SIZE;) {
		const char *value = NULL;
		size_t skip = 1;

		if (strncmp(p, "{day}", 5) == 0)
			value = day, skip = 5;
		else if (strncmp(p, "{month}", 7) == 0)
			value = month, skip = 7;
		else if (strncmp(p, "{year}", 6) == 0)
			value = year, skip = 6;
		if (value != NULL)
			for (; *value != '\0' && n + 1 < TMPL_DATE_SIZE; value++)
				out[n++] = *value;
		else
			out[n++] = *p;
		p += skip;
	}
	out[n] = '\0';
}

void tmpl_date_into(HDF *lang, time_t t, char *out)
{
	long long day = (long long)(t >= 0 ? t / 86400 : (t - 86399) / 86400);
	size_t slot = (size_t)(day & 63);

	if (date_memo[slot].lang != lang || date_memo[slot].day != day) {
		format_date(date_words(lang), t, date_memo[slot].text);
		date_memo[slot].lang = lang;
		date_memo[slot].day = day;
	}
	memcpy(out, date_memo[slot].text, TMPL_DATE_SIZE);
}

void tmpl_set_time(HDF *hdf, const char *name, HDF *lang, time_t t)
{
	char date[TMPL_DATE_SIZE], iso[21], clock[8], field[96];
	struct tm tm;

	format_utc(t, iso);
	snprintf(field, sizeof(field), "%s.iso", name);
	tmpl_set(hdf, field, iso);
	tmpl_date_into(lang, t, date);
	gmtime_r(&t, &tm);
	strftime(clock, sizeof(clock), "%H:%M", &tm);
	snprintf(field, sizeof(field), "%s.text", name);
	tmpl_set_words(hdf, field, lang, "progress.time_pattern", "date", date, "time", clock, NULL);
}

void tmpl_set_count_words(HDF *hdf, const char *name, HDF *lang, const char *lang_code,
			  const char *key, long long n)
{
	int one = strcmp(lang_code, "fr") == 0 ? n < 2 : n == 1;
	char full[96], count[24];

	snprintf(full, sizeof(full), "%s_%s", key, one ? "one" : "other");
	snprintf(count, sizeof(count), "%lld", n);
	tmpl_set_words(hdf, name, lang, full, "count", count, NULL);
}

char *tmpl_date(HDF *lang, time_t t)
{
	char text[TMPL_DATE_SIZE];

	tmpl_date_into(lang, t, text);
	return xstrdup(text);
}

/* The template name, parsed with parse_hdf's escape mode the first time. */
static CSPARSE *parsed(const char *name, HDF *parse_hdf)
{
	CSPARSE *cs = NULL;
	NEOERR *err;

	for (size_t i = 0; i < T.cached; i++)
		if (strcmp(T.cache[i].name, name) == 0)
			return T.cache[i].cs;
	err = cs_init(&cs, parse_hdf);
	if (err == STATUS_OK)
		err = cgi_register_strfuncs(cs);
	if (err == STATUS_OK)
		err = cs_parse_file(cs, name);
	if (err != STATUS_OK) {
		log_nerr(name, err);
		if (cs != NULL)
			cs_destroy(&cs);
		return NULL;
	}
	if (T.cached < TEMPLATE_CACHE_SIZE) {
		T.cache[T.cached].name = xstrdup(name);
		T.cache[T.cached].cs = cs;
		T.cache[T.cached].parse_hdf = parse_hdf;
		T.cached++;
	} else {
		log_error("template cache full; raise TEMPLATE_CACHE_SIZE");
		abort();
	}
	return cs;
}

static NEOERR *append_output(void *ctx, char *s)
{
	buf_puts(ctx, s);
	return STATUS_OK;
}

/* A mail template's name: under mail/, and no ".." that could leave it. */
static int is_mail_template(const char *name)
{
	return strncmp(name, MAIL_PREFIX, strlen(MAIL_PREFIX)) == 0 && strstr(name, "..") == NULL;
}

static enum status render(const char *name, HDF *parse_hdf, HDF *data, HDF *lang, struct buf *out)
{
	CSPARSE *cs = parsed(name, parse_hdf);
	NEOERR *err;
	HDF *saved;

	if (cs == NULL)
		return ST_INTERNAL;
	saved = cs->hdf;
	cs->hdf = data;
	cs->global_hdf = lang;
	err = cs_render(cs, out, append_output);
	cs->hdf = saved;
	cs->global_hdf = NULL;
	if (err != STATUS_OK) {
		log_nerr(name, err);
		return ST_INTERNAL;
	}
	return ST_OK;
}

/* A mail's HTML part (mail/<name>.html.cs): escaped like a page, since it is
 * HTML that a mail reader shows. */
static int is_mail_html(const char *name)
{
	size_t len = strlen(name), suffix = strlen(MAIL_HTML_SUFFIX);

	return is_mail_template(name) && len > suffix &&
	       strcmp(name + len - suffix, MAIL_HTML_SUFFIX) == 0;
}

enum status tmpl_render(const char *name, HDF *data, HDF *lang, struct buf *out)
{
	/* The name alone decides the escape mode: the cache, keyed by name, then
	 * holds each template in one mode only, and a mail is never a page. */
	if (strncmp(name, MAIL_PREFIX, strlen(MAIL_PREFIX)) == 0 && !is_mail_html(name)) {
		log_error("%s: a mail template, rendered with tmpl_render_mail only", name);
		return ST_INTERNAL;
	}
	return render(name, T.parse_html, data, lang, out);
}

enum status tmpl_render_mail(const char *name, HDF *data, HDF *lang, struct buf *out)
{
	if (!is_mail_template(name) || is_mail_html(name)) {
		log_error("%s: not under %s; only mail templates are rendered without escaping",
			  name, MAIL_PREFIX);
		return ST_INTERNAL;
	}
	return render(name, T.parse_mail, data, lang, out);
}
