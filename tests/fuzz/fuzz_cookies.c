/* fuzz_cookies.c — req_parse_cookies, which reads a Cookie header holding the
 * whole site's cookies, other applications' included.
 *
 * Input: the header's value (cut at a NUL, as a FastCGI parameter is). */
#include "config.h"

#include "fuzz.h"
#include "req.h"

static const struct req_limits tight = {
	.max_body = 64, .max_fields = 3, .max_name = 4, .max_value = 8, .max_path = 16,
	.max_header = 32,
};

static void parse_and_check(const char *header, const struct req_limits *lim)
{
	struct params out;

	req_parse_cookies(header, lim, &out);
	FUZZ_CHECK(out.count <= lim->max_fields);
	for (size_t i = 0; i < out.count; i++) {
		const struct param *p = &out.items[i];

		FUZZ_CHECK(p->name[0] != '\0' && strlen(p->name) <= lim->max_name);
		FUZZ_CHECK(p->len <= lim->max_value && strlen(p->value) == p->len);
		/* Of a repeated name only the first is kept. */
		FUZZ_CHECK(params_get(&out, p->name) == p);
		for (size_t j = 0; j < p->len; j++)
			FUZZ_CHECK((unsigned char)p->value[j] > 0x20 && (unsigned char)p->value[j] < 0x7f);
	}
	params_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *header = fuzz_string(data, size);

	parse_and_check(header, &req_default_limits);
	parse_and_check(header, &tight);
	free(header);
	return 0;
}
