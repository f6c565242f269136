/* tmpl.h — ClearSilver templates with HTML escaping on, parsed once per process,
 * the mail templates (templates/mail/) without it, and the language files
 * (templates/lang/{en,fr}.hdf). */
#ifndef IP_TMPL_H
#define IP_TMPL_H

#include "clearsilver.h"
#include <stdarg.h>
#include <stddef.h>
#include <time.h>

#include "status.h"
#include "util.h"

/* Reads the language files and remembers the template folder.  Templates are
 * parsed on first use, after any fork. */
int tmpl_init(const char *template_dir, const char *lang_dir, char *err, size_t errlen);
void tmpl_shutdown(void);
/* Called before tmpl_init, for a process that answers one request (plain CGI):
 * tmpl_init then reads only the default language, and checks that the others
 * can be read; each is read when first asked for. */
void tmpl_read_languages_on_use(void);

/* Renders templates/<name> with data (the page's values) over lang (the words).
 * Every var: is HTML-escaped.  A name under mail/ is refused (ST_INTERNAL),
 * except a mail's HTML part, mail/<name>.html.cs, escaped like a page. */
enum status tmpl_render(const char *name, HDF *data, HDF *lang, struct buf *out);

/* Renders templates/mail/<...> — name starts with "mail/" — as plain text:
 * nothing is escaped, so the result must never reach a page.  The text is an
 * email: "Subject: ..." on the first line, an empty line, then the body.  Any
 * name outside mail/, or an HTML part (.html.cs), is refused (ST_INTERNAL), so
 * no HTML is ever parsed without escaping. */
enum status tmpl_render_mail(const char *name, HDF *data, HDF *lang, struct buf *out);

/* The words of a language: "en" or "fr"; NULL for any other. */
HDF *tmpl_lang(const char *code);
extern const char *const tmpl_languages[]; /* NULL-terminated, the default first */

/* The best of tmpl_languages for an Accept-Language header. */
const char *tmpl_language_for(const char *accept_language);

/* Lang.<key> with each "{name}" replaced by its value, from NULL-terminated
 * name, value pairs (plain text: the template escapes the result when it shows
 * it).  Returns a new string, or NULL when the key is missing. */
char *tmpl_words(HDF *lang, const char *key, ...) __attribute__((sentinel));

/* tmpl_words into hdf at name; a missing key sets nothing. */
void tmpl_set_words(HDF *hdf, const char *name, HDF *lang, const char *key, ...)
	__attribute__((sentinel));

/* A date in the language's own form ("Nov 28, 2026", "28 nov. 2026"). */
char *tmpl_date(HDF *lang, time_t t);
/* The same, into out (at least TMPL_DATE_SIZE bytes); the language's pattern and
 * month names are looked up once per process, and the last dates formatted are
 * kept: a list of rows formats each day once. */
#define TMPL_DATE_SIZE 64
void tmpl_date_into(HDF *lang, time_t t, char *out);

/* A moment as a page shows it: name.iso ("2026-12-04T14:02:00Z", for a <time>
 * element's datetime, which the page's script turns into the reader's local
 * time) and name.text, its words in UTC, saying so (Lang.progress.time_pattern: "Dec 4,
 * 2026, 14:02 UTC"). */
void tmpl_set_time(HDF *hdf, const char *name, HDF *lang, time_t t);

/* name set to Lang.<key>_one or Lang.<key>_other with "{count}" filled, by the
 * language's rule for plurals (French takes the singular for 0 and 1). */
void tmpl_set_count_words(HDF *hdf, const char *name, HDF *lang, const char *lang_code,
			  const char *key, long long n);

/* Sets name to value in hdf, stopping the process on allocation failure. */
void tmpl_set(HDF *hdf, const char *name, const char *value);
void tmpl_setf(HDF *hdf, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void tmpl_set_int(HDF *hdf, const char *name, long long value);
/* Sets "<list>.<index>.<field>" (or "<list>.<index>" when field is NULL). */
void tmpl_set_item(HDF *hdf, const char *list, int index, const char *field, const char *value);
/* The node "<list>.<index>", made when missing: a row whose values are then set
 * relative to it (tmpl_set(row, "field", ...)), each a step from the row rather
 * than a formatted path walked from the root. */
HDF *tmpl_item(HDF *hdf, const char *list, int index);

#endif
