/* app.c — a program's life: options, configuration, the store, then the
 * prefork supervisor over the FastCGI loop, or one plain CGI request.  What each
 * request goes through is dispatch.c's. */
#include "config.h"

#include <curl/curl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "dispatch.h"
#include "keyring.h"
#include "runas.h"
#include "supervise.h"
#include "tmpl.h"
#include "util.h"

struct app {
	struct conf conf;
	struct site site;
};

static void app_free(struct app *app)
{
	db_close(app->site.db);
	app->site.db = NULL;
	keyring_sealer_free(app->site.sealer);
	app->site.sealer = NULL;
	tmpl_shutdown();
	conf_free(&app->conf);
	/* libcurl is loaded, and initialised, by the first call into it
	 * (curl_lazy.c); this does nothing when no request made one. */
	curl_global_cleanup();
}

static int open_store(struct app *app)
{
	char err[512];

	/* The programs never create the database: `inboxpanel init` does, with the
	 * keys and the first user, so a mistyped path fails here instead of starting
	 * an empty, world-readable database. */
	app->site.db = db_open(app->conf.database_path, 0, err, sizeof(err));
	if (app->site.db == NULL) {
		log_error("Database.path: %s (has `inboxpanel init` been run?)", err);
		return -1;
	}
	return 0;
}

/* Between two FastCGI requests, the answer sent: the WAL's checkpoint, once this
 * connection's commits have left enough in it (most requests, which wrote little
 * or nothing, are spared asking the socket whether a request waits). */
static void between_requests(void *arg)
{
	struct site *site = arg;

	if (db_checkpoint_wanted(site->db))
		db_checkpoint_due(site->db, serve_nobody_waiting(site->listen_fd));
}

/* One worker of the supervisor: its own connection to the store (never one
 * opened before the fork), then requests until SIGTERM.  It ends like a program,
 * freeing all, so LeakSanitizer checks its whole life. */
static int run_worker(void *arg)
{
	struct app *app = arg;
	int rc = 0;

	if (open_store(app) != 0) {
		rc = SUPERVISE_SETUP_FAILED;
	} else {
		db_defer_checkpoints(app->site.db);
		if (serve_fastcgi_between(app->site.listen_fd, dispatch_request, between_requests,
					  &app->site) != 0) {
			log_error("FastCGI initialisation failed");
			rc = SUPERVISE_SETUP_FAILED;
		}
	}
	app_free(app);
	return rc;
}

static int run_cgi(struct app *app)
{
	static const char unavailable[] =
		"Status: 503 Service Unavailable\r\nContent-Type: text/plain\r\n\r\n"
		"503 Service Unavailable\n";

	if (open_store(app) != 0) {
		serve_cgi_write(unavailable, sizeof(unavailable) - 1);
		return 1;
	}
	return serve_cgi(dispatch_request, &app->site);
}

static void usage(const struct program *p, FILE *to)
{
	fprintf(to,
		"usage: %s [--conf FILE] [--socket PATH|127.0.0.1:PORT] [--socket-group GROUP] "
		"[--workers N] [--user USER]\n"
		"       %s --routes\n"
		"  Without --socket, serves FastCGI on a socket inherited as fd 0, or answers one\n"
		"  plain CGI request.  Started as root it runs as USER (or Service.user), and\n"
		"  refuses to start without one.\n"
		"  --routes prints the route table, one route a line: METHOD PATTERN FLAGS FIELDS,\n"
		"  FLAGS and the POST body's required FIELDS comma-separated or \"-\" (GET also\n"
		"  answers HEAD); it reads no configuration.\n",
		p->name, p->name);
}

/* The route table as tests/integration/t_matrix.sh reads it: the authorization
 * matrix is built from these lines, so a route cannot be added without being
 * tried by every kind of user.  A flag without a name here is printed as a
 * number, and a method as "?", which the matrix refuses: a new kind of
 * permission needs a new rule there. */
static void print_routes(const struct program *p, FILE *to)
{
	static const struct {
		unsigned flag;
		const char *name;
	} flag_names[] = {
		{ ROUTE_PUBLIC, "public" },
		{ ROUTE_SUPER_ADMIN, "super_admin" },
		{ ROUTE_ACCOUNT_ACCESS, "account_access" },
		{ ROUTE_SLOW_WORK, "slow_work" },
	};

	for (size_t i = 0; i < p->route_count; i++) {
		const struct route *r = &p->routes[i];
		const char *method = r->method == METHOD_GET    ? "GET"
				     : r->method == METHOD_POST ? "POST"
								: "?";
		unsigned rest = r->flags;
		const char *sep = " ";
		int fields = 0;

		fprintf(to, "%s %s", method, r->pattern);
		for (size_t f = 0; f < ARRAY_LEN(flag_names); f++) {
			if (r->flags & flag_names[f].flag) {
				fprintf(to, "%s%s", sep, flag_names[f].name);
				sep = ",";
				rest &= ~flag_names[f].flag;
			}
		}
		if (rest != 0)
			fprintf(to, "%s0x%x", sep, rest);
		else if (r->flags == 0)
			fputs(" -", to);
		sep = " ";
		for (size_t f = 0; r->body != NULL && f < r->body->count; f++) {
			if (r->body->fields[f].required) {
				fprintf(to, "%s%s", sep, r->body->fields[f].name);
				sep = ",";
				fields++;
			}
		}
		fputs(fields == 0 ? " -\n" : "\n", to);
	}
}

int app_main(int argc, char **argv, const struct program *program)
{
	static const struct option options[] = {
		{ "conf", required_argument, NULL, 'c' },
		{ "socket", required_argument, NULL, 's' },
		{ "socket-group", required_argument, NULL, 'g' },
		{ "workers", required_argument, NULL, 'w' },
		{ "user", required_argument, NULL, 'u' },
		{ "routes", no_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *conf_path = NULL, *socket_addr = NULL, *group = NULL, *user = NULL;
	long long workers = 2;
	/* Static: a plain CGI process ends with it still holding what it read. */
	static struct app app;
	char err[512];
	int opt, rc, cgi, list_routes = 0;

	log_set_program(program->name);
	memset(&app, 0, sizeof(app));
	app.site.program = program;
	app.site.conf = &app.conf;
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
		case 'u':
			user = optarg;
			break;
		case 'r':
			list_routes = 1;
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
	if (list_routes) {
		print_routes(program, stdout);
		return fflush(stdout) == 0 && !ferror(stdout) ? 0 : 1;
	}
	conf_path = conf_default_path(conf_path);
	if (conf_load(conf_path, &app.conf, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s: %s\n", program->name, err);
		return 1;
	}
	/* Before any key, template or database file is touched: what this program
	 * can read is what its user can. */
	if (runas_drop(user != NULL ? user : app.conf.service_user, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s: %s\n", program->name, err);
		conf_free(&app.conf);
		return 1;
	}
	cgi = socket_addr == NULL && serve_is_cgi();
	/* A web program seals with the public key only; one that could read a
	 * private key would hand it to anyone who breaks into the web tier.  A
	 * plain CGI request leaves the check to page_sealer, which makes it before
	 * the first box: reading the PEM key costs OpenSSL's decoders some 9 M
	 * instructions, a third of a request that seals nothing (most do not). */
	if (!cgi && keyring_check_web(&app.conf, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s: %s\n", program->name, err);
		conf_free(&app.conf);
		return 1;
	}
	if (cgi)
		tmpl_read_languages_on_use();
	if (tmpl_init(app.conf.template_dir, app.conf.lang_dir, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s: %s\n", program->name, err);
		conf_free(&app.conf);
		return 1;
	}
	app.site.limits = req_default_limits;
	app.site.limits.max_body = (size_t)app.conf.max_body;

	if (cgi) {
		rc = run_cgi(&app);
		/* One request, then the process ends: the words, the parsed templates
		 * and the configuration go with it, not one free() at a time (half a
		 * million instructions).  The store is closed all the same: the last
		 * connection to close is the one that checkpoints and removes the WAL. */
		db_close(app.site.db);
		app.site.db = NULL;
		return rc;
	}
	/* Check the store once before any fork (and close it: a connection must not
	 * cross a fork), so a wrong Database.path stops start-up at once. */
	if (open_store(&app) != 0) {
		fprintf(stderr, "%s: Database.path: cannot open %s\n", program->name,
			app.conf.database_path);
		app_free(&app);
		return 1;
	}
	db_close(app.site.db);
	app.site.db = NULL;
	if (socket_addr != NULL) {
		app.site.listen_fd = supervise_open_socket(socket_addr, group);
		rc = app.site.listen_fd < 0
			     ? 1
			     : supervise((int)workers, run_worker, &app,
					 socket_addr[0] == '/' ? socket_addr : NULL);
	} else {
		/* Started by a FastCGI spawner with the listening socket as fd 0. */
		app.site.listen_fd = 0;
		rc = supervise((int)workers, run_worker, &app, NULL);
	}
	app_free(&app);
	return rc;
}
