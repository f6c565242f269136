/* dispatch.h — the request policy every request passes through.
 *
 * It refuses in a fixed order — request syntax, method, page, session,
 * permission, Origin and CSRF, declared fields — so no handler can forget a
 * check; it owns the request's write transaction (opened for a POST, committed
 * when the answer is not an error, rolled back otherwise) and what must follow
 * a commit (waking the worker, a streamed download). */
#ifndef IP_DISPATCH_H
#define IP_DISPATCH_H

#include "app.h"
#include "keyring.h"
#include "serve.h"

struct site {
	const struct program *program;
	const struct conf *conf;
	struct req_limits limits;
	struct db *db;     /* opened by each worker after the fork */
	int listen_fd;     /* the FastCGI socket, when there is one */
	struct keyring_sealer *sealer; /* made on first use by page_sealer; NULL until then */
};

/* Answers one request from src through sink; site is a struct site. */
serve_answer_fn dispatch_request;

#endif
