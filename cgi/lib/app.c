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
	/* Recording activity is worth less than answering: a busy store only delays
	 * the idle timeout. */
	if (sess_touch(ctx->db, session, &t, ctx->now) != ST_OK)
		log_error("could not record the activity of session %lld", session->id);
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
	/* The refusal is itself worth a line in the audit log, and the only write.
	 * Nobody signed in: one line a minute per address, the rest to the program's
	 * log, so forged requests cannot flood the audit log. */
	if (ctx->user != NULL) {
		page_audit(ctx, action, ctx->req->path, reason_key);
	} else {
		struct audit_actor a = page_actor(ctx);
		int written = 0;

		audit_write_refusal(ctx->db, &a, action, ctx->req->path, reason_key, 60, &written);
		if (!written)
			log_info("%s from %s on %s (%s); audited once a minute", action, a.client_addr,
				 ctx->req->path, reason_key);
	}
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

/* One request, from any source, answered through sink. */
static void answer(struct app *app, const struct req_source *src, const struct sink *sink)
{
	struct req req;
	struct resp resp;
	struct ctx ctx;
	struct buf out;
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
	ctx.sink = sink;
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
	/* A streamed answer has gone out already, piece by piece. */
	if (!resp.streamed) {
		buf_init(&out);
		resp_serialize(&resp, req.method == METHOD_HEAD, &out);
		sink->write(sink->ctx, out.data, out.len);
		buf_free(&out);
	}
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

/* A worker that cannot start (no database, say) exits with this, and its
 * supervisor then stops too: the set-up, not a request, is at fault. */
#define EXIT_SETUP_FAILED 3

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

	/* The programs never create the database: `inboxpanel init` does, with the
	 * keys and the first user, so a mistyped path fails here instead of starting
	 * an empty, world-readable database. */
	app->db = db_open(app->conf.database_path, 0, err, sizeof(err));
	if (app->db == NULL) {
		log_error("Database.path: %s (has `inboxpanel init` been run?)", err);
		return -1;
	}
	return 0;
}

/* The worker loop: one request at a time until SIGTERM.  The stop signals are
 * blocked while a request is answered, so a change that was committed is also
 * reported; they are let in only while waiting for the next request. */
static int serve_fastcgi(struct app *app, int listen_fd)
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

	if (open_store(app) != 0)
		return EXIT_SETUP_FAILED;
	if (FCGX_Init() != 0 || FCGX_InitRequest(&request, listen_fd, FCGI_FAIL_ACCEPT_ON_INTR) != 0) {
		log_error("FastCGI initialisation failed");
		return EXIT_SETUP_FAILED;
	}
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
		answer(app, &src, &sink);
		FCGX_Finish_r(&request);
	}
	FCGX_Free(&request, 1);
	return 0;
}

static int serve_cgi(struct app *app)
{
	static const char unavailable[] =
		"Status: 503 Service Unavailable\r\nContent-Type: text/plain\r\n\r\n"
		"503 Service Unavailable\n";
	struct req_source src = { cgi_param, cgi_read, NULL };
	int failed = 0;
	struct sink sink = { cgi_write, &failed };

	if (open_store(app) != 0) {
		cgi_write(&failed, unavailable, sizeof(unavailable) - 1);
		return 1;
	}
	answer(app, &src, &sink);
	return failed;
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

struct worker_slot {
	pid_t pid;
	time_t started;
	time_t next_start;
	long delay; /* seconds before the next start, doubled by each quick death */
};

#define QUICK_DEATH 10 /* seconds: a worker dead sooner than this is restarted later */
#define MAX_DELAY 30

static pid_t start_worker(struct app *app, int listen_fd, struct worker_slot *slots)
{
	pid_t pid = fork();

	if (pid == 0) {
		int status;

		free(slots);
		status = serve_fastcgi(app, listen_fd);
		/* A worker ends like a program, freeing all, so that LeakSanitizer
		 * (which runs at exit) checks its whole life. */
		app_free(app);
		exit(status);
	}
	if (pid < 0)
		log_error("fork: %s", strerror(errno));
	return pid;
}

/* Records a worker's end; 1 when the supervisor should stop (a worker could not
 * start at all).  A worker that crashed soon after its start is restarted after a
 * growing delay, so that a request that kills workers cannot make them spin. */
static int worker_ended(struct worker_slot *slot, int status, time_t now)
{
	pid_t pid = slot->pid;

	slot->pid = 0;
	if (WIFEXITED(status) && WEXITSTATUS(status) == EXIT_SETUP_FAILED) {
		log_error("worker %ld could not start (see above); stopping", (long)pid);
		return 1;
	}
	if (now - slot->started < QUICK_DEATH)
		slot->delay = slot->delay == 0 ? 1 : slot->delay * 2 > MAX_DELAY ? MAX_DELAY : slot->delay * 2;
	else
		slot->delay = 0;
	slot->next_start = now + slot->delay;
	log_error("worker %ld ended (%s %d); another starts in %ld s", (long)pid,
		  WIFSIGNALED(status) ? "signal" : "status",
		  WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status), slot->delay);
	return 0;
}

/* Keeps `workers` workers alive until SIGTERM or SIGINT, then stops them and
 * waits.  The signals stay blocked and are taken with sigtimedwait, so none can
 * slip in between a check and a wait. */
static int supervise(struct app *app, int listen_fd, int workers, const char *socket_path)
{
	struct worker_slot *slots = xcalloc((size_t)workers, sizeof(*slots));
	struct timespec tick = { 1, 0 };
	sigset_t signals, old;
	int rc = 0, alive;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&signals);
	sigaddset(&signals, SIGTERM);
	sigaddset(&signals, SIGINT);
	sigaddset(&signals, SIGCHLD);
	sigprocmask(SIG_BLOCK, &signals, &old);

	while (!stopping) {
		time_t now = time(NULL);
		pid_t pid;
		int status, sig;

		for (int i = 0; i < workers; i++)
			if (slots[i].pid == 0 && now >= slots[i].next_start) {
				slots[i].pid = start_worker(app, listen_fd, slots);
				slots[i].started = now;
				if (slots[i].pid < 0) {
					slots[i].pid = 0;
					slots[i].next_start = now + 1;
				}
			}
		while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
			for (int i = 0; i < workers; i++)
				if (slots[i].pid == pid && worker_ended(&slots[i], status, now)) {
					stopping = 1;
					rc = 1;
				}
		if (stopping)
			break;
		sig = sigtimedwait(&signals, NULL, &tick);
		if (sig == SIGTERM || sig == SIGINT)
			stopping = 1;
	}
	/* SIGTERM again every 100 ms: one that reached a worker just before its
	 * accept() would otherwise go unnoticed.  After 10 s, SIGKILL. */
	for (int waited = 0;; waited++) {
		pid_t pid;

		while ((pid = waitpid(-1, NULL, WNOHANG)) > 0)
			for (int i = 0; i < workers; i++)
				if (slots[i].pid == pid)
					slots[i].pid = 0;
		alive = 0;
		for (int i = 0; i < workers; i++)
			if (slots[i].pid > 0) {
				alive = 1;
				kill(slots[i].pid, waited < 100 ? SIGTERM : SIGKILL);
			}
		if (!alive)
			break;
		usleep(100 * 1000);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (socket_path != NULL)
		unlink(socket_path);
	free(slots);
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

	if (socket_addr != NULL || !FCGX_IsCGI()) {
		/* Check the store once before any fork (and close it: a connection must
		 * not cross a fork), so a wrong Database.path stops start-up at once. */
		if (open_store(&app) != 0) {
			fprintf(stderr, "%s: Database.path: cannot open %s\n", program->name,
				app.conf.database_path);
			app_free(&app);
			return 1;
		}
		db_close(app.db);
		app.db = NULL;
	}
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
