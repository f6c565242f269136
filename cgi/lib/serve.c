/* serve.c — the FastCGI loop and the plain CGI request, behind one request
 * source and one sink, so the dispatcher never knows which it is under. */
#include "config.h"

#include <errno.h>
#include <fcgiapp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "serve.h"

static const char *fcgi_param(void *ctx, const char *name)
{
	FCGX_Request *r = ctx;

	return FCGX_GetParam(name, r->envp);
}

static long fcgi_read(void *ctx, char *buf, size_t len)
{
	FCGX_Request *r = ctx;

	return FCGX_GetStr(buf, len > 1 << 20 ? 1 << 20 : (int)len, r->in);
}

static void fcgi_write(void *ctx, const char *data, size_t len)
{
	FCGX_Request *r = ctx;

	while (len > 0) {
		int chunk = len > 1 << 20 ? 1 << 20 : (int)len;

		if (FCGX_PutStr(data, chunk, r->out) != chunk)
			return; /* the client went away; nothing to tell it */
		data += chunk;
		len -= (size_t)chunk;
	}
}

static const char *cgi_param(void *ctx, const char *name)
{
	(void)ctx;
	return getenv(name);
}

static long cgi_read(void *ctx, char *buf, size_t len)
{
	(void)ctx;
	for (;;) {
		ssize_t n = read(STDIN_FILENO, buf, len);

		if (n >= 0 || errno != EINTR)
			return (long)n;
	}
}

static void cgi_write(void *ctx, const char *data, size_t len)
{
	int *failed = ctx;

	while (len > 0 && !*failed) {
		ssize_t n = write(STDOUT_FILENO, data, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			*failed = 1;
			return;
		}
		data += n;
		len -= (size_t)n;
	}
}

static volatile sig_atomic_t stopping;

static void on_stop_signal(int sig)
{
	(void)sig;
	stopping = 1;
	FCGX_ShutdownPending();
}

int serve_nobody_waiting(int listen_fd)
{
	struct pollfd p = { .fd = listen_fd, .events = POLLIN };

	return poll(&p, 1, 0) == 0;
}

int serve_fastcgi(int listen_fd, serve_answer_fn *answer, void *arg)
{
	return serve_fastcgi_between(listen_fd, answer, NULL, arg);
}

/* The stop signals are blocked while a request is answered and let in only
 * while waiting for the next one. */
int serve_fastcgi_between(int listen_fd, serve_answer_fn *answer, serve_between_fn *between,
			  void *arg)
{
	FCGX_Request request;
	struct sigaction sa;
	sigset_t stop_signals, waiting;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0; /* no SA_RESTART: accept() must return on SIGTERM */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGCHLD, SIG_DFL);
	sigemptyset(&stop_signals);
	sigaddset(&stop_signals, SIGTERM);
	sigaddset(&stop_signals, SIGINT);
	sigprocmask(SIG_BLOCK, &stop_signals, &waiting);
	sigdelset(&waiting, SIGTERM);
	sigdelset(&waiting, SIGINT);

	if (FCGX_Init() != 0 || FCGX_InitRequest(&request, listen_fd, FCGI_FAIL_ACCEPT_ON_INTR) != 0)
		return -1;
	for (;;) {
		struct req_source src = { fcgi_param, fcgi_read, &request };
		struct sink sink = { fcgi_write, &request };

		sigprocmask(SIG_SETMASK, &waiting, NULL);
		/* A stop that came in during the last request has run its handler by now.
		 * One that lands between here and accept() is caught by the supervisor,
		 * which repeats SIGTERM until its workers are gone. */
		if (stopping || FCGX_Accept_r(&request) < 0)
			break;
		sigprocmask(SIG_BLOCK, &stop_signals, NULL);
		answer(arg, &src, &sink);
		/* libfcgi ends a connection by shutting down its sending side and
		 * reading until the server hangs up (up to two seconds), lest input
		 * left unread turn the close into a reset that loses the answer: three
		 * system calls and a wait for nginx, on every request.  When the input
		 * has ended (a GET's empty body, a form read whole) nothing is left to
		 * read, and a plain close loses nothing. */
		if (FCGX_GetChar(request.in) == EOF)
			FCGX_Detach(&request);
		FCGX_Finish_r(&request);
		if (between != NULL)
			between(arg);
	}
	FCGX_Free(&request, 1);
	return 0;
}

int serve_cgi(serve_answer_fn *answer, void *arg)
{
	struct req_source src = { cgi_param, cgi_read, NULL };
	int failed = 0;
	struct sink sink = { cgi_write, &failed };

	answer(arg, &src, &sink);
	return failed;
}

void serve_cgi_write(const char *data, size_t len)
{
	int failed = 0;

	cgi_write(&failed, data, len);
}

int serve_is_cgi(void)
{
	return FCGX_IsCGI();
}
