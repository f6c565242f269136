/* form.c — the validators behind declared fields. */
#include "config.h"

#include <string.h>

#include "crypto.h"
#include "form.h"
#include "util.h"

/* ASCII controls, C1 controls (U+0080..U+009F) and the bidirectional overrides
 * and isolates (U+202A..U+202E, U+2066..U+2069), which can make a name in the
 * audit log read as something else.  s is valid UTF-8 already. */
static int has_control_chars(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;

	for (size_t i = 0; i < len; i++) {
		if (s[i] < 0x20 || s[i] == 0x7f)
			return 1;
		if (s[i] == 0xC2 && i + 1 < len && s[i + 1] >= 0x80 && s[i + 1] <= 0x9F)
			return 1;
		if (s[i] == 0xE2 && i + 2 < len &&
		    ((s[i + 1] == 0x80 && s[i + 2] >= 0xAA && s[i + 2] <= 0xAE) ||
		     (s[i + 1] == 0x81 && s[i + 2] >= 0xA6 && s[i + 2] <= 0xA9)))
			return 1;
	}
	return 0;
}

/* Deliberately plain: one '@', a non-empty local part, a dotted domain of letters,
 * digits and hyphens, printable ASCII only.  The mailbox itself is the provider's
 * business; this keeps obvious garbage and header-injection bytes out. */
int form_email_valid(const char *s, size_t len)
{
	const char *at = memchr(s, '@', len);
	size_t local_len, domain_len;
	const char *domain;
	int dots = 0;

	if (at == NULL || len > 254)
		return 0;
	local_len = (size_t)(at - s);
	domain = at + 1;
	domain_len = len - local_len - 1;
	if (local_len == 0 || local_len > 64 || domain_len < 3)
		return 0;
	for (size_t i = 0; i < local_len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c <= 0x20 || c >= 0x7f || strchr("\"(),:;<>@[\\]", c) != NULL)
			return 0;
	}
	if (domain[0] == '.' || domain[0] == '-' || domain[domain_len - 1] == '.' ||
	    domain[domain_len - 1] == '-')
		return 0;
	for (size_t i = 0; i < domain_len; i++) {
		char c = domain[i];

		if (c == '.') {
			if (domain[i + 1] == '.')
				return 0;
			dots++;
		} else if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			     (c >= '0' && c <= '9') || c == '-')) {
			return 0;
		}
	}
	return dots > 0;
}

/* A path on this site and nowhere else: "/x", never "//host" or "/\host", which
 * browsers read as another site. */
int form_local_path_valid(const char *s, size_t len)
{
	if (len == 0 || len > 1024 || s[0] != '/')
		return 0;
	if (len > 1 && (s[1] == '/' || s[1] == '\\'))
		return 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c <= 0x20 || c >= 0x7f || c == '\\')
			return 0;
	}
	return 1;
}

static int field_valid(const struct field *f, const struct param *p, struct field_value *v)
{
	size_t len = p->len;
	const char *s = p->value;

	v->str = s;
	v->len = len;
	switch (f->type) {
	case FIELD_INT:
		return parse_int_strict(s, len, f->min, f->max, &v->num) == 0;
	case FIELD_TEXT:
		return (long long)len >= f->min && (long long)len <= f->max &&
		       !has_control_chars(s, len);
	case FIELD_EMAIL:
		return (long long)len <= f->max && form_email_valid(s, len);
	case FIELD_SECRET:
		/* The request parser already refused NUL and invalid UTF-8. */
		return (long long)len >= f->min && (long long)len <= f->max;
	case FIELD_CHOICE:
		for (int i = 0; f->choices[i] != NULL; i++)
			if (strlen(f->choices[i]) == len && memcmp(f->choices[i], s, len) == 0) {
				v->choice = i;
				return 1;
			}
		return 0;
	case FIELD_TOKEN:
		return (long long)len >= f->min && (long long)len <= f->max && crypto_base64url_chars(s, len);
	case FIELD_LOCAL_PATH:
		return (long long)len <= f->max && form_local_path_valid(s, len);
	}
	return 0;
}

enum status form_validate(const struct form *form, const struct params *params,
			  struct field_value *values, const char **bad_field)
{
	for (size_t i = 0; i < form->count; i++) {
		const struct field *f = &form->fields[i];
		const struct param *p = params_get(params, f->name);

		memset(&values[i], 0, sizeof(values[i]));
		/* An empty optional field reads as absent (a blank filter box, say). */
		if (p == NULL || (p->len == 0 && !f->required)) {
			if (f->required) {
				*bad_field = f->name;
				return ST_BAD_REQUEST;
			}
			continue;
		}
		if (!field_valid(f, p, &values[i])) {
			*bad_field = f->name;
			return ST_BAD_REQUEST;
		}
		values[i].present = 1;
	}
	return ST_OK;
}
