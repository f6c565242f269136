/* fuzz_req.c — req_parse, the whole request parser every program runs first:
 * method, path (PATH_INFO or REQUEST_URI less the base path), the headers the
 * panel reads, the query string, cookies and a urlencoded POST body.
 *
 * Input: the CGI parameters, one NAME=value a line, then an empty line, then
 * the body that the source's read() hands out, a few bytes at a time:
 *
 *     REQUEST_METHOD=POST
 *     REQUEST_URI=/panel/login?next=%2Fsettings
 *     CONTENT_TYPE=application/x-www-form-urlencoded
 *     CONTENT_LENGTH=9
 *     HTTP_COOKIE=ip_session=abc
 *
 *     email=a@b
 *
 * A line without '=' is skipped; of a repeated name the first counts; a value
 * ends at a NUL.  Two lines are the fuzzer's, not the request's: FUZZ_BASE=...
 * sets the configured base path ("" without it), and FUZZ_LIMITS=tight
 * parses under small limits, so the edges of each are reached. */
#include "config.h"

#include "fuzz.h"
#include "req.h"
#include "util.h"

#define MAX_PARAMS 64

static const struct req_limits tight = {
	.max_body = 64, .max_fields = 3, .max_name = 4, .max_value = 8, .max_path = 16,
	.max_header = 32,
};

struct source {
	char *names[MAX_PARAMS];
	char *values[MAX_PARAMS];
	size_t count;
	const char *body;
	size_t body_len, body_pos;
};

static const char *get(const struct source *s, const char *name)
{
	for (size_t i = 0; i < s->count; i++)
		if (strcmp(s->names[i], name) == 0)
			return s->values[i];
	return NULL;
}

static const char *source_getparam(void *ctx, const char *name)
{
	return get(ctx, name);
}

/* Hands the body out in pieces of 1 to 7 bytes, as a socket may. */
static long source_read(void *ctx, char *buf, size_t len)
{
	struct source *s = ctx;
	size_t left = s->body_len - s->body_pos;
	size_t n = 1 + s->body_pos % 7;

	if (n > left)
		n = left;
	if (n > len)
		n = len;
	memcpy(buf, s->body + s->body_pos, n);
	s->body_pos += n;
	return (long)n;
}

static void split_input(const uint8_t *data, size_t size, struct source *s)
{
	size_t pos = 0;

	memset(s, 0, sizeof(*s));
	while (pos < size) {
		const uint8_t *nl = memchr(data + pos, '\n', size - pos);
		size_t line_len = nl ? (size_t)(nl - (data + pos)) : size - pos;
		char *line = fuzz_string(data + pos, line_len);
		char *eq = strchr(line, '=');

		pos += line_len + (nl ? 1 : 0);
		if (line_len == 0) {
			free(line);
			break;
		}
		if (eq == NULL || s->count == MAX_PARAMS) {
			free(line);
			continue;
		}
		*eq = '\0';
		s->names[s->count] = line;
		s->values[s->count] = eq + 1;
		s->count++;
	}
	s->body = (const char *)data + pos;
	s->body_len = size - pos;
}

static void check_params(const struct params *p, const struct req_limits *lim, int decoded)
{
	FUZZ_CHECK(p->count <= lim->max_fields);
	for (size_t i = 0; i < p->count; i++) {
		FUZZ_CHECK(p->items[i].name[0] != '\0' && strlen(p->items[i].name) <= lim->max_name);
		FUZZ_CHECK(p->items[i].len <= lim->max_value);
		FUZZ_CHECK(strlen(p->items[i].value) == p->items[i].len);
		if (decoded)
			FUZZ_CHECK(utf8_valid(p->items[i].value, p->items[i].len));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct source s;
	struct req_source src = { source_getparam, source_read, &s };
	const struct req_limits *lim;
	const char *base, *limits;
	struct req r;
	enum status st;

	split_input(data, size, &s);
	base = get(&s, "FUZZ_BASE");
	limits = get(&s, "FUZZ_LIMITS");
	lim = limits != NULL && strcmp(limits, "tight") == 0 ? &tight : &req_default_limits;
	st = req_parse(&r, &src, base ? base : "", lim);
	if (st == ST_OK) {
		/* What the dispatcher and every handler take for granted. */
		FUZZ_CHECK(r.method < METHOD__MAX);
		FUZZ_CHECK(r.path != NULL && r.path[0] == '/');
		FUZZ_CHECK(strlen(r.path) <= lim->max_path && utf8_valid(r.path, strlen(r.path)));
		FUZZ_CHECK(r.host != NULL && r.accept_language != NULL && r.user_agent != NULL &&
			   r.remote_addr != NULL);
		FUZZ_CHECK(r.method == METHOD_POST || r.form.count == 0);
		check_params(&r.query, lim, 1);
		check_params(&r.form, lim, 1);
		check_params(&r.cookies, lim, 0);
	}
	req_free(&r);
	for (size_t i = 0; i < s.count; i++)
		free(s.names[i]);
	return 0;
}
