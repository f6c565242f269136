/* form.h — declared form and query fields, each with its validator.
 *
 * A page lists the fields it accepts; the dispatcher validates them before the
 * handler runs, and the handler reads only the typed values. */
#ifndef IP_FORM_H
#define IP_FORM_H

#include <stddef.h>

#include "req.h"

enum field_type {
	FIELD_INT,      /* decimal integer in [min, max] */
	FIELD_TEXT,     /* UTF-8 text of min..max bytes, no control characters */
	FIELD_EMAIL,    /* an address of at most max bytes: local@domain, no spaces */
	FIELD_SECRET,   /* a password: min..max bytes of UTF-8, anything but NUL */
	FIELD_CHOICE,   /* one of choices[] (NULL-terminated) */
	FIELD_TOKEN,    /* base64url characters only, min..max bytes (CSRF tokens) */
	FIELD_LOCAL_PATH /* a same-site path: starts with one '/', at most max bytes */
};

struct field {
	const char *name;
	enum field_type type;
	int required;
	long long min;
	long long max;
	const char *const *choices;
};

struct form {
	const struct field *fields;
	size_t count;
};

#define FORM(array) { (array), sizeof(array) / sizeof((array)[0]) }

struct field_value {
	int present;
	long long num;      /* FIELD_INT */
	int choice;         /* FIELD_CHOICE: index into choices */
	const char *str;    /* the text as sent (points into the request) */
	size_t len;
};

/* Validates params against form into values[form->count].  Fields the form does
 * not declare are ignored.  On ST_BAD_REQUEST *bad_field names the first field
 * that failed. */
enum status form_validate(const struct form *form, const struct params *params,
			  struct field_value *values, const char **bad_field);

/* Validators on their own, for the command-line tool. */
int form_email_valid(const char *s, size_t len);
int form_local_path_valid(const char *s, size_t len);

#endif
