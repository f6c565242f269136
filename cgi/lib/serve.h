/* serve.h — where requests come from and answers go: a FastCGI socket (one
 * request at a time until SIGTERM), or one plain CGI request from the
 * environment and stdin. */
#ifndef IP_SERVE_H
#define IP_SERVE_H

#include <stddef.h>

#include "req.h"

/* Where an answer's bytes go: the FastCGI stream, or stdout under CGI. */
struct sink {
	void (*write)(void *ctx, const char *data, size_t len);
	void *ctx;
};

/* Answers one request read from src, writing through sink. */
typedef void serve_answer_fn(void *arg, const struct req_source *src, const struct sink *sink);

/* Serves FastCGI on listen_fd until SIGTERM or SIGINT.  A stop that arrives while
 * a request is answered waits for its answer, so a change that was committed is
 * also reported.  0, or -1 when libfcgi cannot start. */
int serve_fastcgi(int listen_fd, serve_answer_fn *answer, void *arg);

/* Work that must not delay an answer (a checkpoint): called after each answer
 * has gone out. */
typedef void serve_between_fn(void *arg);
int serve_fastcgi_between(int listen_fd, serve_answer_fn *answer, serve_between_fn *between,
			  void *arg);

/* True when no connection waits to be accepted on listen_fd (by this worker or
 * another): one system call, for the between function that needs to know. */
int serve_nobody_waiting(int listen_fd);

/* Answers the one CGI request of this process; 0, or 1 when stdout failed. */
int serve_cgi(serve_answer_fn *answer, void *arg);

/* Writes a whole fixed answer to stdout, for a CGI program that cannot start. */
void serve_cgi_write(const char *data, size_t len);

/* True when this process was started as plain CGI: no listening socket on fd 0. */
int serve_is_cgi(void);

#endif
