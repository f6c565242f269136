/* app.c — a program's life: options, configuration, the FastCGI or CGI loop, and
 * the dispatcher that every request passes through.
 *
 * The dispatcher refuses in a fixed order — request syntax, method, page, session,
 * permission, CSRF, declared fields — so no handler can forget a check: by the
 * time a handler runs, the user may use the page and every field it reads is
 * valid. */
#include "config.h"

#include <errno.h>
#include <curl/curl.h>
#include <fcgiapp.h>
#include <getopt.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "app.h"
#include "crypto.h"
#include "page.h"
#include "tmpl.h"
#include "util.h"

struct app {
	const struct program *program;
	struct conf conf;
	struct req_limits limits;
	struct db *db;
};

static void choose_language(struct ctx *ctx)
{
	const char *code = NULL;

	if (ctx->user != NULL && ctx->user->language[0] != '\0')
		code = ctx->user->language;
	else
		code = tmpl_language_for(ctx->req->accept_language ? ctx->req->accept_language : "");
	if (tmpl_lang(code) == NULL)
		code = tmpl_languages[0];
	ctx->lang_code = code;
	ctx->lang = tmpl_lang(code);
}

/* Signs the request in when its session cookie names a live session of an active
 * user; otherwise leaves ctx->user NULL. */
static enum status load_session(struct ctx *ctx, struct session *session, struct user *user)
{
	const struct param *cookie =
		params_get(&ctx->req->cookies, page_cookie_name(ctx, "session"));
	struct sess_timeouts t = { ctx->conf->idle_timeout, ctx->conf->absolute_timeout };
	enum status st;

	if (cookie == NULL)
		return ST_OK;
	st = sess_find(ctx->db, cookie->value, &t, ctx->now, session);
	if (st == ST_NOT_FOUND)
		return ST_OK;
	if (st != ST_OK)
		return st;
	st = user_by_id(ctx->db, session->user_id, user);
	if (st == ST_NOT_FOUND || (st == ST_OK && user->deactivated))
		return ST_OK;
	if (st != ST_OK)
		return st;
	if ((st = sess_touch(ctx->db, session, &t, ctx->now)) != ST_OK)
		return st;
	ctx->session = session;
	ctx->user = user;
	return ST_OK;
}

/* A POST must come from a page of this site: Origin (or, without it,
 * Sec-Fetch-Site) must say so.  Requests with neither header — old browsers,
 * scripts — rely on the token alone. */
static int same_origin(const struct ctx *ctx)
{
	const struct req *r = ctx->req;

	if (r->origin != NULL) {
		const char *base = ctx->conf->base_url;
		size_t base_origin_len = strlen(base) - strlen(ctx->conf->base_path);
		char *from_host = xasprintf("%s://%s", r->https ? "https" : "http", r->host);
		int ok = strcmp(r->origin, from_host) == 0 ||
			 (strlen(r->origin) == base_origin_len &&
			  strncmp(r->origin, base, base_origin_len) == 0);

		free(from_host);
		return ok;
	}
	if (r->sec_fetch_site != NULL)
		return strcmp(r->sec_fetch_site, "same-origin") == 0;
	return 1;
}

/* The token a POST must carry: the session's, or before sign-in the one in the
 * sign-in cookie (double submit). */
static int csrf_valid(const struct ctx *ctx)
{
	const struct param *sent = params_get(&ctx->req->form, "csrf");
	const char *expected;

	if (sent == NULL || sent->len != CRYPTO_TOKEN_LEN)
		return 0;
	if (ctx->session != NULL && !(ctx->match->route->flags & ROUTE_PUBLIC)) {
		expected = ctx->session->csrf_token;
	} else {
		const struct param *c =
			params_get(&ctx->req->cookies, page_cookie_name(ctx, "login"));

		if (c == NULL || c->len != CRYPTO_TOKEN_LEN)
			return 0;
		expected = c->value;
	}
	return crypto_equal(sent->value, expected);
}

static void refuse(struct ctx *ctx, const char *action, const char *reason_key)
{
	/* The refusal is itself worth a line in the audit log; it is the only write. */
	page_audit(ctx, action, ctx->req->path, reason_key);
	page_error(ctx, ST_FORBIDDEN, reason_key);
}

/* Sends a visitor without a session to sign in, and back here afterwards. */
static void to_login(struct ctx *ctx, const struct app *app)
{
	struct buf next;
	char *escaped, *path;
	const struct route_match *m = ctx->match;

	buf_init(&next);
	buf_puts(&next, ctx->req->path);
	if (ctx->req->method == METHOD_POST) {
		/* A POST cannot be replayed: come back to the page the form was on when
		 * it has one (the confirmation page), else to the start. */
		struct route_match again;

		if (route_find(app->program->routes, app->program->route_count, METHOD_GET,
			       ctx->req->path, &again) != ROUTE_FOUND) {
			buf_reset(&next);
			buf_puts(&next, "/");
		}
	} else if (ctx->req->query.count > 0) {
		const struct param *p;

		/* Keep the declared query fields only; they are already shown to be sane. */
		const struct form *q = m->route->query;

		for (size_t i = 0; q != NULL && i < q->count; i++) {
			p = params_get(&ctx->req->query, q->fields[i].name);
			if (p != NULL) {
				char *v = page_url_escape(p->value);

				buf_printf(&next, "%c%s=%s", strchr(next.data, '?') ? '&' : '?',
					   p->name, v);
				free(v);
			}
		}
	}
	escaped = page_url_escape(next.data);
	path = xasprintf("/login?next=%s", escaped);
	page_redirect(ctx, path, NULL, NULL);
	free(path);
	free(escaped);
	buf_free(&next);
}

static void dispatch(struct app *app, struct ctx *ctx, struct req *req)
{
	const struct route *route;
	struct route_match match;
	struct session session;
	struct user user;
	struct field_value query_values[32], form_values[32];
	const char *bad_field = NULL;
	enum status st;

	/* Who is asking is known before anything is refused, so that even an error
	 * page speaks the user's language and shows their menu. */
	if ((st = load_session(ctx, &session, &user)) != ST_OK) {
		page_error(ctx, ST_UNAVAILABLE, NULL);
		return;
	}
	choose_language(ctx);
	if (req->method == METHOD_OTHER) {
		resp_header(ctx->resp, "Allow", "GET, HEAD, POST");
		page_error(ctx, ST_METHOD, NULL);
		return;
	}
	switch (route_find(app->program->routes, app->program->route_count, req->method, req->path,
			   &match)) {
	case ROUTE_FOUND:
		break;
	case ROUTE_NOT_FOUND:
		page_error(ctx, ST_NOT_FOUND, NULL);
		return;
	case ROUTE_BAD_ID:
		page_error(ctx, ST_BAD_REQUEST, "bad_id");
		return;
	case ROUTE_WRONG_METHOD:
		resp_header(ctx->resp, "Allow", match.allow);
		page_error(ctx, ST_METHOD, NULL);
		return;
	}
	ctx->match = &match;
	route = match.route;

	if (!(route->flags & ROUTE_PUBLIC) && ctx->user == NULL) {
		to_login(ctx, app);
		return;
	}
	if (((route->flags & ROUTE_SUPER_ADMIN) && ctx->user->role != ROLE_SUPER_ADMIN) ||
	    ((route->flags & ROUTE_ACCOUNT_ACCESS) && !user_may_access_account(ctx->user))) {
		refuse(ctx, "permission.denied", "not_allowed");
		return;
	}
	if (req->method == METHOD_POST) {
		if (!same_origin(ctx)) {
			refuse(ctx, "csrf.failure", "cross_site");
			return;
		}
		if (!csrf_valid(ctx)) {
			refuse(ctx, "csrf.failure", "bad_token");
			return;
		}
	}
	if (route->query != NULL) {
		if (route->query->count > ARRAY_LEN(query_values) ||
		    form_validate(route->query, &req->query, query_values, &bad_field) != ST_OK) {
			page_error(ctx, ST_BAD_REQUEST, "bad_field");
			return;
		}
		ctx->query = query_values;
	}
	if (route->body != NULL && req->method == METHOD_POST) {
		if (route->body->count > ARRAY_LEN(form_values) ||
		    form_validate(route->body, &req->form, form_values, &bad_field) != ST_OK) {
			page_error(ctx, ST_BAD_REQUEST, "bad_field");
			return;
		}
		ctx->form = form_values;
	}
	route->handler(ctx);
}

/* One request, from any source, answered into out. */
static void answer(struct app *app, const struct req_source *src, struct buf *out)
{
	struct req req;
	struct resp resp;
	struct ctx ctx;
	enum status st;
	HDF *hdf;

	resp_init(&resp);
	if (hdf_init(&hdf) != STATUS_OK)
		abort();
	memset(&ctx, 0, sizeof(ctx));
	ctx.conf = &app->conf;
	ctx.db = app->db;
	ctx.req = &req;
	ctx.resp = &resp;
	ctx.hdf = hdf;
	ctx.now = now_utc();

	st = req_parse(&req, src, app->conf.base_path, &app->limits);
	choose_language(&ctx);
	if (st != ST_OK)
		page_error(&ctx, st, st == ST_BAD_REQUEST ? "malformed" : NULL);
	else
		dispatch(app, &ctx, &req);
	/* A handler that returned inside a transaction lost its changes: say so. */
	if (!sqlite3_get_autocommit(db_handle(app->db))) {
		log_error("%s left a transaction open; rolled back", req.path ? req.path : "?");
		db_rollback(app->db);
	}
	resp_serialize(&resp, req.method == METHOD_HEAD, out);
	resp_free(&resp);
	req_free(&req);
	hdf_destroy(&hdf);
}

/* --- FastCGI and CGI ------------------------------------------------------- */

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

static volatile sig_atomic_t stopping;

static void on_stop_signal(int sig)
{
	(void)sig;
	stopping = 1;
	FCGX_ShutdownPending();
}

static void app_free(struct app *app)
{
	db_close(app->db);
	app->db = NULL;
	tmpl_shutdown();
	conf_free(&app->conf);
	curl_global_cleanup();
}

static int open_store(struct app *app)
{
	char err[512];

	app->db = db_open(app->conf.database_path, err, sizeof(err));
	if (app->db == NULL) {
		log_error("Database.path: %s", err);
		return -1;
	}
	return 0;
}

/* The worker loop: one request at a time until SIGTERM. */
static int serve_fastcgi(struct app *app, int listen_fd)
{
	FCGX_Request request;
	struct sigaction sa;
	struct buf out;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0; /* no SA_RESTART: accept() must return on SIGTERM */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (open_store(app) != 0)
		return 1;
	if (FCGX_Init() != 0 || FCGX_InitRequest(&request, listen_fd, FCGI_FAIL_ACCEPT_ON_INTR) != 0) {
		log_error("FastCGI initialisation failed");
		return 1;
	}
	buf_init(&out);
	while (!stopping && FCGX_Accept_r(&request) >= 0) {
		struct req_source src = { fcgi_param, fcgi_read, &request };

		buf_reset(&out);
		answer(app, &src, &out);
		FCGX_PutStr(out.data, (int)out.len, request.out);
		FCGX_Finish_r(&request);
	}
	buf_free(&out);
	FCGX_Free(&request, 1);
	return 0;
}

static int serve_cgi(struct app *app)
{
	struct req_source src = { cgi_param, cgi_read, NULL };
	struct buf out;
	size_t done = 0;
	int rc;

	if (open_store(app) != 0) {
		static const char unavailable[] =
			"Status: 503 Service Unavailable\r\nContent-Type: text/plain\r\n\r\n"
			"503 Service Unavailable\n";

		if (write(STDOUT_FILENO, unavailable, sizeof(unavailable) - 1) < 0)
			return 1;
		return 1;
	}
	buf_init(&out);
	answer(app, &src, &out);
	while (done < out.len) {
		ssize_t n = write(STDOUT_FILENO, out.data + done, out.len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		done += (size_t)n;
	}
	rc = done == out.len ? 0 : 1;
	buf_free(&out);
	return rc;
}

/* A unix socket path, or 127.x.y.z:port.  An address without a host would make
 * libfcgi listen on every interface, which only nginx should ever reach. */
static int open_socket(const char *address, const char *group)
{
	int fd;

	if (address[0] == '/') {
		mode_t old = umask(0117); /* created 0660: owner and nginx's group */

		fd = FCGX_OpenSocket(address, 128);
		umask(old);
		if (fd < 0) {
			log_error("--socket %s: cannot listen: %s", address, strerror(errno));
			return -1;
		}
		if (group != NULL) {
			struct group *g = getgrnam(group);

			if (g == NULL || chown(address, (uid_t)-1, g->gr_gid) != 0) {
				log_error("--socket-group %s: cannot give the socket to this group", group);
				close(fd);
				return -1;
			}
		}
		return fd;
	}
	if (strncmp(address, "127.", 4) != 0 || strchr(address, ':') == NULL) {
		log_error("--socket %s: give a socket path or 127.0.0.1:PORT (never all interfaces)",
			  address);
		return -1;
	}
	fd = FCGX_OpenSocket(address, 128);
	if (fd < 0)
		log_error("--socket %s: cannot listen: %s", address, strerror(errno));
	return fd;
}

/* Forks the workers and keeps that many alive until SIGTERM or SIGINT, then
 * stops them and waits.  A worker that dies straight after starting five times
 * in a row means something is wrong with the set-up: give up instead of looping. */
static int supervise(struct app *app, int listen_fd, int workers, const char *socket_path)
{
	pid_t *pids = xcalloc((size_t)workers, sizeof(pid_t));
	sigset_t block, old;
	struct sigaction sa;
	int quick_deaths = 0, rc = 0;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);

	while (!stopping) {
		for (int i = 0; i < workers && !stopping; i++) {
			pid_t pid;

			if (pids[i] > 0)
				continue;
			sigprocmask(SIG_BLOCK, &block, &old);
			pid = fork();
			if (pid == 0) {
				int status;

				sigprocmask(SIG_SETMASK, &old, NULL);
				free(pids);
				status = serve_fastcgi(app, listen_fd);
				/* A worker ends like a program, freeing all, so that LeakSanitizer
				 * (which runs at exit) checks its whole life. */
				app_free(app);
				exit(status);
			}
			sigprocmask(SIG_SETMASK, &old, NULL);
			if (pid < 0) {
				log_error("fork: %s", strerror(errno));
				sleep(1);
				continue;
			}
			pids[i] = pid;
		}
		{
			int status;
			time_t started = time(NULL);
			pid_t pid = waitpid(-1, &status, 0);

			if (pid < 0)
				continue; /* EINTR from a stop signal */
			for (int i = 0; i < workers; i++)
				if (pids[i] == pid)
					pids[i] = 0;
			if (stopping)
				break;
			log_error("worker %ld ended (%s %d); starting another", (long)pid,
				  WIFSIGNALED(status) ? "signal" : "status",
				  WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
			quick_deaths = time(NULL) - started < 2 ? quick_deaths + 1 : 0;
			if (quick_deaths >= 5) {
				log_error("workers keep failing at start; giving up");
				stopping = 1;
				rc = 1;
			}
		}
	}
	for (int i = 0; i < workers; i++)
		if (pids[i] > 0)
			kill(pids[i], SIGTERM);
	for (int waited = 0; waited < 100; waited++) {
		int alive = 0;

		for (int i = 0; i < workers; i++) {
			if (pids[i] > 0 && waitpid(pids[i], NULL, WNOHANG) == pids[i])
				pids[i] = 0;
			if (pids[i] > 0)
				alive = 1;
		}
		if (!alive)
			break;
		usleep(100 * 1000);
	}
	for (int i = 0; i < workers; i++)
		if (pids[i] > 0) {
			kill(pids[i], SIGKILL);
			waitpid(pids[i], NULL, 0);
		}
	if (socket_path != NULL)
		unlink(socket_path);
	free(pids);
	return rc;
}

static void usage(const struct program *p, FILE *to)
{
	fprintf(to,
		"usage: %s [--conf FILE] [--socket PATH|127.0.0.1:PORT] [--socket-group GROUP] "
		"[--workers N]\n"
		"  Without --socket, serves FastCGI on a socket inherited as fd 0, or answers one\n"
		"  plain CGI request.\n",
		p->name);
}

int app_main(int argc, char **argv, const struct program *program)
{
	static const struct option options[] = {
		{ "conf", required_argument, NULL, 'c' },
		{ "socket", required_argument, NULL, 's' },
		{ "socket-group", required_argument, NULL, 'g' },
		{ "workers", required_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *conf_path = NULL, *socket_addr = NULL, *group = NULL;
	long long workers = 2;
	struct app app;
	char err[512];
	int opt, rc;

	log_set_program(program->name);
	memset(&app, 0, sizeof(app));
	app.program = program;
	while ((opt = getopt_long(argc, argv, "c:s:g:w:h", options, NULL)) != -1) {
		switch (opt) {
		case 'c':
			conf_path = optarg;
			break;
		case 's':
			socket_addr = optarg;
			break;
		case 'g':
			group = optarg;
			break;
		case 'w':
			if (parse_int_strict(optarg, strlen(optarg), 1, 64, &workers) != 0) {
				fprintf(stderr, "%s: --workers: a number from 1 to 64\n", program->name);
				return 2;
			}
			break;
		case 'h':
			usage(program, stdout);
			return 0;
		default:
			usage(program, stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(program, stderr);
		return 2;
	}
	conf_path = conf_default_path(conf_path);
	if (conf_load(conf_path, &app.conf, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s: %s\n", program->name, err);
		return 1;
	}
	if (tmpl_init(app.conf.template_dir, app.conf.lang_dir, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s: %s\n", program->name, err);
		conf_free(&app.conf);
		return 1;
	}
	app.limits = req_default_limits;
	app.limits.max_body = (size_t)app.conf.max_body;
	curl_global_init(CURL_GLOBAL_DEFAULT);

	if (socket_addr != NULL) {
		int fd = open_socket(socket_addr, group);

		rc = fd < 0 ? 1 : supervise(&app, fd, (int)workers, socket_addr[0] == '/' ? socket_addr : NULL);
	} else if (!FCGX_IsCGI()) {
		/* Started by a FastCGI spawner with the listening socket as fd 0. */
		rc = supervise(&app, 0, (int)workers, NULL);
	} else {
		rc = serve_cgi(&app);
	}
	app_free(&app);
	return rc;
}
