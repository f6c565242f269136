/* fuzz_urlencoded.c — req_parse_urlencoded, the parser of every POST body and
 * query string, under the default limits and under tight ones.
 *
 * Input: the body, as is. */
#include "config.h"

#include "fuzz.h"
#include "req.h"
#include "util.h"

static const struct req_limits tight = {
	.max_body = 64, .max_fields = 3, .max_name = 4, .max_value = 8, .max_path = 16,
	.max_header = 32,
};

static void parse_and_check(const char *body, size_t len, const struct req_limits *lim)
{
	struct params out;

	if (req_parse_urlencoded(body, len, lim, &out) != ST_OK) {
		FUZZ_CHECK(out.items == NULL && out.count == 0);
		return;
	}
	FUZZ_CHECK(out.count <= lim->max_fields);
	for (size_t i = 0; i < out.count; i++) {
		const struct param *p = &out.items[i];

		/* What handlers rely on: bounded names, and values that are valid UTF-8
		 * with no NUL inside, len being their strlen. */
		FUZZ_CHECK(p->name[0] != '\0' && strlen(p->name) <= lim->max_name);
		FUZZ_CHECK(p->len <= lim->max_value && strlen(p->value) == p->len);
		FUZZ_CHECK(utf8_valid(p->value, p->len));
		/* A repeated name is refused, so the first match is the only one. */
		FUZZ_CHECK(params_get(&out, p->name) == p);
	}
	params_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *body = fuzz_bytes(data, size);

	parse_and_check(body, size, &req_default_limits);
	parse_and_check(body, size, &tight);
	free(body);
	return 0;
}
