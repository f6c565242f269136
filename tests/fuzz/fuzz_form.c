/* fuzz_form.c — form_validate over a declared form with one field of each type,
 * fed the fields req_parse_urlencoded read from the input, as the dispatcher
 * does for a query string or a POST body.
 *
 * Input: a urlencoded body; the fields are n (integer), t (text), e (email),
 * s (secret), c (choice), k (token), p (local path):
 *
 *     n=42&t=Hello&e=a%40example.com&s=pw&c=csv&k=abc-_&p=%2Fsettings
 *
 * Each input is validated twice: with every field required and with none. */
#include "config.h"

#include "form.h"
#include "fuzz.h"
#include "req.h"

static const char *const choices[] = { "html", "csv", "json", NULL };

#define FIELDS(required)                                                     \
	{                                                                    \
		{ "n", FIELD_INT, required, -5, 1000000, NULL },             \
		{ "t", FIELD_TEXT, required, 1, 64, NULL },                  \
		{ "e", FIELD_EMAIL, required, 0, 254, NULL },                \
		{ "s", FIELD_SECRET, required, 1, 128, NULL },               \
		{ "c", FIELD_CHOICE, required, 0, 0, choices },              \
		{ "k", FIELD_TOKEN, required, 4, 43, NULL },                 \
		{ "p", FIELD_LOCAL_PATH, required, 0, 1024, NULL },          \
	}

static const struct field required_fields[] = FIELDS(1);
static const struct field optional_fields[] = FIELDS(0);
static const struct form required_form = FORM(required_fields);
static const struct form optional_form = FORM(optional_fields);

#define FIELD_COUNT (sizeof(required_fields) / sizeof(required_fields[0]))

static void validate_and_check(const struct form *form, const struct params *params)
{
	struct field_value values[FIELD_COUNT];
	const char *bad = NULL;

	if (form_validate(form, params, values, &bad) != ST_OK) {
		/* The field named is one of the form's. */
		int known = 0;

		for (size_t i = 0; i < form->count; i++)
			if (bad == form->fields[i].name)
				known = 1;
		FUZZ_CHECK(known);
		return;
	}
	/* Handlers read these without looking again. */
	for (size_t i = 0; i < form->count; i++) {
		const struct field *f = &form->fields[i];
		const struct field_value *v = &values[i];

		FUZZ_CHECK(v->present || !f->required);
		if (!v->present)
			continue;
		FUZZ_CHECK(v->str != NULL && strlen(v->str) == v->len);
		switch (f->type) {
		case FIELD_INT:
			FUZZ_CHECK(v->num >= f->min && v->num <= f->max);
			break;
		case FIELD_TEXT:
		case FIELD_SECRET:
		case FIELD_TOKEN:
			FUZZ_CHECK((long long)v->len >= f->min && (long long)v->len <= f->max);
			break;
		case FIELD_EMAIL:
			FUZZ_CHECK((long long)v->len <= f->max && strchr(v->str, '@') != NULL &&
				   strpbrk(v->str, " \r\n") == NULL);
			break;
		case FIELD_CHOICE:
			FUZZ_CHECK(v->choice >= 0 && v->choice < 3 &&
				   strcmp(choices[v->choice], v->str) == 0);
			break;
		case FIELD_LOCAL_PATH:
			FUZZ_CHECK(v->str[0] == '/' && v->str[1] != '/' && v->str[1] != '\\' &&
				   strpbrk(v->str, " \r\n\\") == NULL);
			break;
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *body = fuzz_bytes(data, size);
	struct params params;

	if (req_parse_urlencoded(body, size, &req_default_limits, &params) == ST_OK) {
		validate_and_check(&required_form, &params);
		validate_and_check(&optional_form, &params);
		params_free(&params);
	}
	free(body);
	return 0;
}
