/* app.h — what a page handler is given, and the entry point of each program.
 *
 * Each program (cgi/account.c, cgi/settings.c, ...) is a route table and its
 * handlers; app_main runs it as FastCGI (a socket it opens, or one it inherits on
 * fd 0) under the prefork supervisor, or, started without one, as a plain CGI
 * program for one request.  The layers, top down: the pages (cgi/<area>.c) → the web
 * core (dispatch, page, csrf, sess policy, req, resp, tmpl) → the store (db and
 * the store modules) → SQLite, OpenSSL, libcurl.  Nothing points up. */
#ifndef IP_APP_H
#define IP_APP_H

#include "clearsilver.h"
#include <time.h>

#include "conf.h"
#include "db.h"
#include "form.h"
#include "req.h"
#include "resp.h"
#include "route.h"
#include "serve.h"
#include "sess.h"
#include "user.h"

struct site;

struct ctx {
	const struct conf *conf;
	struct db *db;
	struct site *site;             /* what lives as long as the worker process */
	const struct req *req;
	struct resp *resp;
	HDF *hdf;                      /* the page's values for its template */
	HDF *lang;                     /* the words of the chosen language */
	const char *lang_code;         /* "en" or "fr" */
	const struct user *user;       /* NULL when nobody is signed in */
	const struct session *session; /* NULL when nobody is signed in */
	const struct route_match *match;
	const struct field_value *query; /* the route's query fields, in declared order */
	const struct field_value *form;  /* the route's body fields, in declared order */
	const struct sink *sink;         /* for answers streamed in pieces */
	time_t now;
	/* Runs once the request's transaction has committed (a download streamed
	 * from a fresh snapshot); not when the answer is an error. */
	void (*after_commit)(struct ctx *ctx);
};

struct program {
	const char *name;
	const struct route *routes;
	size_t route_count;
};

/* Options: --conf FILE, --socket PATH|127.0.0.1:PORT, --socket-group GROUP,
 * --workers N; --routes prints the route table and exits.  Returns the process
 * exit status. */
int app_main(int argc, char **argv, const struct program *program);

#endif
