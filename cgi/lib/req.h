/* req.h — one HTTP request, parsed strictly from FastCGI or CGI parameters. */
#ifndef IP_REQ_H
#define IP_REQ_H

#include <stddef.h>

#include "status.h"

enum http_method {
	METHOD_GET,
	METHOD_HEAD,
	METHOD_POST,
	METHOD_OTHER,
	METHOD__MAX
};

struct param {
	char *name;
	char *value;
	size_t len;
};

struct params {
	struct param *items;
	size_t count;
};

const struct param *params_get(const struct params *p, const char *name);
void params_free(struct params *p);

/* Limits every request is held to; a body over max_body answers 413, the rest 400. */
struct req_limits {
	size_t max_body;    /* bytes of urlencoded body */
	size_t max_fields;  /* fields in the query string or in the body */
	size_t max_name;    /* bytes of a field name */
	size_t max_value;   /* bytes of a decoded field value */
	size_t max_path;    /* bytes of the decoded path */
	size_t max_header;  /* bytes of any one header the panel reads */
};
extern const struct req_limits req_default_limits;

/* Where a request's parameters and body come from: FastCGI or plain CGI. */
struct req_source {
	const char *(*getparam)(void *ctx, const char *name);
	/* Reads up to len bytes; returns the count, 0 at the end, -1 on error. */
	long (*read)(void *ctx, char *buf, size_t len);
	void *ctx;
};

struct req {
	enum http_method method;
	char *path;            /* decoded site path, base path removed, starts with '/' */
	struct params query;
	struct params form;    /* the urlencoded body of a POST */
	struct params cookies;
	char *host;            /* Host header, "" when absent */
	char *origin;          /* Origin header, NULL when absent */
	char *sec_fetch_site;  /* Sec-Fetch-Site header, NULL when absent */
	char *accept_language; /* "" when absent */
	char *remote_addr;     /* the client as nginx saw it */
	char *user_agent;      /* "" when absent */
	int https;
};

/* Fills r from src.  base_path is the path part of the configured base URL
 * ("" or "/panel"); a path outside it answers ST_NOT_FOUND.  On failure r is
 * still safe to pass to req_free. */
enum status req_parse(struct req *r, const struct req_source *src, const char *base_path,
		      const struct req_limits *lim);
void req_free(struct req *r);

/* The pieces of req_parse, exposed for the unit tests and the fuzzers. */
enum status req_parse_urlencoded(const char *s, size_t len, const struct req_limits *lim,
				 struct params *out);
void req_parse_cookies(const char *header, const struct req_limits *lim, struct params *out);
enum status req_decode_path(const char *raw, size_t len, const struct req_limits *lim,
			    char **out);

#endif
