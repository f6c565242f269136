/* req.c — strict parsing of the request line, headers, cookies and urlencoded forms.
 *
 * Everything a handler reads has passed through here: percent-escapes are checked,
 * decoded text is valid UTF-8 without NUL, and every count and length is bounded.
 * Anything else is refused before a handler runs. */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "req.h"
#include "util.h"

const struct req_limits req_default_limits = {
	.max_body = 16 * 1024,
	.max_fields = 32,
	.max_name = 64,
	.max_value = 4096,
	.max_path = 1024,
	.max_header = 8192,
};

const struct param *params_get(const struct params *p, const char *name)
{
	for (size_t i = 0; i < p->count; i++)
		if (strcmp(p->items[i].name, name) == 0)
			return &p->items[i];
	return NULL;
}

void params_free(struct params *p)
{
	for (size_t i = 0; i < p->count; i++) {
		free(p->items[i].name);
		free(p->items[i].value);
	}
	free(p->items);
	p->items = NULL;
	p->count = 0;
}

static void params_add(struct params *p, char *name, char *value, size_t len)
{
	p->items = xrealloc(p->items, (p->count + 1) * sizeof(*p->items));
	p->items[p->count].name = name;
	p->items[p->count].value = value;
	p->items[p->count].len = len;
	p->count++;
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes %XX (and '+' as space when plus_is_space) into a new string.  Refuses
 * malformed escapes, NUL, invalid UTF-8 and results longer than max. */
static enum status percent_decode(const char *s, size_t len, int plus_is_space, size_t max,
				  char **out, size_t *outlen)
{
	char *d = xmalloc(len + 1);
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (c == '%') {
			int hi, lo;

			if (i + 2 >= len)
				goto bad;
			hi = hex_value(s[i + 1]);
			lo = hex_value(s[i + 2]);
			if (hi < 0 || lo < 0)
				goto bad;
			c = (char)(hi * 16 + lo);
			i += 2;
		} else if (c == '+' && plus_is_space) {
			c = ' ';
		}
		if (c == '\0')
			goto bad;
		if (n >= max)
			goto bad;
		d[n++] = c;
	}
	d[n] = '\0';
	if (!utf8_valid(d, n))
		goto bad;
	*out = d;
	*outlen = n;
	return ST_OK;
bad:
	free(d);
	return ST_BAD_REQUEST;
}

static int field_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-' || c == '.';
}

enum status req_parse_urlencoded(const char *s, size_t len, const struct req_limits *lim,
				 struct params *out)
{
	size_t pos = 0;

	out->items = NULL;
	out->count = 0;
	while (pos < len) {
		const char *pair = s + pos;
		const char *amp = memchr(pair, '&', len - pos);
		size_t pair_len = amp ? (size_t)(amp - pair) : len - pos;
		const char *eq = memchr(pair, '=', pair_len);
		size_t name_len = eq ? (size_t)(eq - pair) : pair_len;
		char *value;
		size_t value_len;

		pos += pair_len + (amp ? 1 : 0);
		if (pair_len == 0)
			continue; /* "a=1&&b=2" or a trailing '&': nothing to read */
		/* Names are plain ASCII identifiers; nothing the panel sends needs escapes. */
		if (name_len == 0 || name_len > lim->max_name)
			goto bad;
		for (size_t i = 0; i < name_len; i++)
			if (!field_name_char(pair[i]))
				goto bad;
		if (out->count >= lim->max_fields)
			goto bad;
		for (size_t i = 0; i < out->count; i++)
			if (strlen(out->items[i].name) == name_len &&
			    memcmp(out->items[i].name, pair, name_len) == 0)
				goto bad; /* a repeated field is ambiguous: refuse it */
		if (eq != NULL) {
			if (percent_decode(eq + 1, pair_len - name_len - 1, 1, lim->max_value,
					   &value, &value_len) != ST_OK)
				goto bad;
		} else {
			value = xstrdup("");
			value_len = 0;
		}
		params_add(out, xstrndup(pair, name_len), value, value_len);
	}
	return ST_OK;
bad:
	params_free(out);
	return ST_BAD_REQUEST;
}

/* Cookies come from the whole site, other applications' included, so a malformed
 * pair is skipped rather than refused; of a repeated name the first is kept (the
 * browser sends the most specific path first). */
void req_parse_cookies(const char *header, const struct req_limits *lim, struct params *out)
{
	const char *p = header;

	out->items = NULL;
	out->count = 0;
	while (p != NULL && *p != '\0' && out->count < lim->max_fields) {
		const char *end = strchr(p, ';');
		size_t pair_len = end ? (size_t)(end - p) : strlen(p);
		const char *eq;
		size_t name_len, value_len;
		const char *value;
		int ok = 1;

		while (pair_len > 0 && (*p == ' ' || *p == '\t')) {
			p++;
			pair_len--;
		}
		eq = memchr(p, '=', pair_len);
		if (eq != NULL) {
			name_len = (size_t)(eq - p);
			value = eq + 1;
			value_len = pair_len - name_len - 1;
			while (value_len > 0 && (value[value_len - 1] == ' ' || value[value_len - 1] == '\t'))
				value_len--;
			if (name_len == 0 || name_len > lim->max_name || value_len > lim->max_value)
				ok = 0;
			for (size_t i = 0; ok && i < name_len; i++)
				if (!field_name_char(p[i]))
					ok = 0;
			for (size_t i = 0; ok && i < value_len; i++)
				if ((unsigned char)value[i] <= 0x20 || (unsigned char)value[i] >= 0x7f ||
				    value[i] == '"' || value[i] == ',' || value[i] == '\\')
					ok = 0;
			if (ok) {
				int seen = 0;

				for (size_t i = 0; i < out->count; i++)
					if (strlen(out->items[i].name) == name_len &&
					    memcmp(out->items[i].name, p, name_len) == 0)
						seen = 1;
				if (!seen)
					params_add(out, xstrndup(p, name_len), xstrndup(value, value_len),
						   value_len);
			}
		}
		p = end ? end + 1 : NULL;
	}
}

enum status req_decode_path(const char *raw, size_t len, const struct req_limits *lim, char **out)
{
	size_t outlen;

	if (len == 0 || raw[0] != '/')
		return ST_BAD_REQUEST;
	/* An escaped '/' would join two segments into one after decoding; no page of
	 * the panel has one, so it can only be a trick. */
	for (size_t i = 0; i + 2 < len; i++)
		if (raw[i] == '%' && raw[i + 1] == '2' && (raw[i + 2] == 'f' || raw[i + 2] == 'F'))
			return ST_BAD_REQUEST;
	return percent_decode(raw, len, 0, lim->max_path, out, &outlen);
}

/* Copies a header, refusing one over the limit or with control characters. */
static enum status copy_header(const struct req_source *src, const char *name, size_t max,
			       int keep_null, char **out)
{
	const char *v = src->getparam(src->ctx, name);
	size_t len;

	if (v == NULL) {
		*out = keep_null ? NULL : xstrdup("");
		return ST_OK;
	}
	len = strlen(v);
	if (len > max)
		return ST_BAD_REQUEST;
	/* HTTP allows a tab inside a header value; no other control character. */
	for (size_t i = 0; i < len; i++)
		if (((unsigned char)v[i] < 0x20 && v[i] != '\t') || v[i] == 0x7f)
			return ST_BAD_REQUEST;
	*out = xstrndup(v, len);
	return ST_OK;
}

static enum status parse_method(struct req *r, const char *m)
{
	if (m == NULL)
		return ST_BAD_REQUEST;
	if (strcmp(m, "GET") == 0)
		r->method = METHOD_GET;
	else if (strcmp(m, "HEAD") == 0)
		r->method = METHOD_HEAD;
	else if (strcmp(m, "POST") == 0)
		r->method = METHOD_POST;
	else
		r->method = METHOD_OTHER;
	return ST_OK;
}

/* The site path: PATH_INFO when a CGI host maps the program at the base URL,
 * otherwise the path of REQUEST_URI (what nginx passes), less the base path. */
static enum status parse_path(struct req *r, const struct req_source *src, const char *base_path,
			      const struct req_limits *lim)
{
	const char *info = src->getparam(src->ctx, "PATH_INFO");
	const char *uri = src->getparam(src->ctx, "REQUEST_URI");
	size_t base_len = strlen(base_path);
	char *decoded;
	enum status st;

	if (info != NULL && *info != '\0') {
		if (strlen(info) > lim->max_path)
			return ST_BAD_REQUEST;
		if (info[0] != '/' || !utf8_valid(info, strlen(info)))
			return ST_BAD_REQUEST;
		r->path = xstrdup(info);
		return ST_OK;
	}
	if (uri == NULL || *uri == '\0')
		uri = "/";
	{
		size_t len = strcspn(uri, "?#");

		if (len > lim->max_path * 3)
			return ST_BAD_REQUEST;
		st = req_decode_path(uri, len, lim, &decoded);
		if (st != ST_OK)
			return st;
	}
	if (base_len > 0) {
		if (strncmp(decoded, base_path, base_len) != 0 ||
		    (decoded[base_len] != '/' && decoded[base_len] != '\0')) {
			/* Outside the panel's mount point: no page of ours. */
			free(decoded);
			return ST_NOT_FOUND;
		}
		r->path = xstrdup(decoded[base_len] ? decoded + base_len : "/");
		free(decoded);
		return ST_OK;
	}
	r->path = decoded;
	return ST_OK;
}

static enum status read_body(struct req *r, const struct req_source *src,
			     const struct req_limits *lim)
{
	const char *cl = src->getparam(src->ctx, "CONTENT_LENGTH");
	const char *ct = src->getparam(src->ctx, "CONTENT_TYPE");
	long long length = 0;
	char *body;
	size_t got = 0;
	enum status st;

	if (cl != NULL && *cl != '\0' &&
	    parse_int_strict(cl, strlen(cl), 0, 9223372036854775807LL, &length) != 0)
		return ST_BAD_REQUEST;
	if ((unsigned long long)length > lim->max_body)
		return ST_TOO_LARGE;
	if (length == 0)
		return ST_OK;
	if (ct == NULL)
		return ST_UNSUPPORTED_TYPE;
	{
		static const char form_type[] = "application/x-www-form-urlencoded";
		size_t n = sizeof(form_type) - 1;
		const char *rest;

		if (strncasecmp(ct, form_type, n) != 0)
			return ST_UNSUPPORTED_TYPE;
		rest = ct + n;
		while (*rest == ' ')
			rest++;
		if (*rest != '\0' && *rest != ';')
			return ST_UNSUPPORTED_TYPE;
	}
	body = xmalloc((size_t)length + 1);
	while (got < (size_t)length) {
		long n = src->read(src->ctx, body + got, (size_t)length - got);

		if (n <= 0)
			break;
		got += (size_t)n;
	}
	if (got != (size_t)length) {
		free(body);
		return ST_BAD_REQUEST; /* the client promised more than it sent */
	}
	st = req_parse_urlencoded(body, got, lim, &r->form);
	free(body);
	return st;
}

enum status req_parse(struct req *r, const struct req_source *src, const char *base_path,
		      const struct req_limits *lim)
{
	const char *qs, *cookie, *https, *addr;
	enum status st;

	memset(r, 0, sizeof(*r));
	r->remote_addr = xstrdup("");
	if ((st = parse_method(r, src->getparam(src->ctx, "REQUEST_METHOD"))) != ST_OK)
		return st;
	if ((st = parse_path(r, src, base_path, lim)) != ST_OK)
		return st;
	if ((st = copy_header(src, "HTTP_HOST", 255, 0, &r->host)) != ST_OK ||
	    (st = copy_header(src, "HTTP_ORIGIN", lim->max_header, 1, &r->origin)) != ST_OK ||
	    (st = copy_header(src, "HTTP_SEC_FETCH_SITE", 64, 1, &r->sec_fetch_site)) != ST_OK ||
	    (st = copy_header(src, "HTTP_ACCEPT_LANGUAGE", lim->max_header, 0,
			      &r->accept_language)) != ST_OK ||
	    (st = copy_header(src, "HTTP_USER_AGENT", lim->max_header, 0, &r->user_agent)) != ST_OK)
		return st;
	addr = src->getparam(src->ctx, "REMOTE_ADDR");
	if (addr != NULL && strlen(addr) <= 64) {
		free(r->remote_addr);
		r->remote_addr = xstrdup(addr);
	}
	https = src->getparam(src->ctx, "HTTPS");
	r->https = https != NULL && (strcasecmp(https, "on") == 0 || strcmp(https, "1") == 0);

	qs = src->getparam(src->ctx, "QUERY_STRING");
	if (qs != NULL && *qs != '\0') {
		if (strlen(qs) > lim->max_header)
			return ST_BAD_REQUEST;
		if ((st = req_parse_urlencoded(qs, strlen(qs), lim, &r->query)) != ST_OK)
			return st;
	}
	cookie = src->getparam(src->ctx, "HTTP_COOKIE");
	if (cookie != NULL) {
		if (strlen(cookie) > lim->max_header)
			return ST_BAD_REQUEST;
		req_parse_cookies(cookie, lim, &r->cookies);
	}
	if (r->method == METHOD_POST)
		return read_body(r, src, lim);
	return ST_OK;
}

void req_free(struct req *r)
{
	free(r->path);
	params_free(&r->query);
	params_free(&r->form);
	params_free(&r->cookies);
	free(r->host);
	free(r->origin);
	free(r->sec_fetch_site);
	free(r->accept_language);
	free(r->remote_addr);
	free(r->user_agent);
	memset(r, 0, sizeof(*r));
}
