/* worker_main.c — the inboxpanel-worker program: the outbox worker as a service
 * of its own (systemd, a supervisor), the same as `inboxpanel worker`.
 *
 *   inboxpanel-worker [--conf FILE] [--once] [--user USER]
 *
 * Started as root it runs as USER (or Service.user), and refuses without one.
 *
 * Exit status: 0, 1 when it could not start, 2 on a usage error. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>

#include "conf.h"
#include "runas.h"
#include "util.h"
#include "worker.h"

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "conf", required_argument, NULL, 'c' },
		{ "once", no_argument, NULL, 'o' },
		{ "user", required_argument, NULL, 'u' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *conf_path = NULL, *user = NULL;
	struct conf conf;
	char err[512];
	int opt, once = 0, rc;

	log_set_program("inboxpanel-worker");
	while ((opt = getopt_long(argc, argv, "c:h", options, NULL)) != -1) {
		switch (opt) {
		case 'c':
			conf_path = optarg;
			break;
		case 'o':
			once = 1;
			break;
		case 'u':
			user = optarg;
			break;
		case 'h':
			puts("usage: inboxpanel-worker [--conf FILE] [--once] [--user USER]");
			return 0;
		default:
			fputs("usage: inboxpanel-worker [--conf FILE] [--once] [--user USER]\n", stderr);
			return 2;
		}
	}
	if (optind != argc) {
		fputs("usage: inboxpanel-worker [--conf FILE] [--once] [--user USER]\n", stderr);
		return 2;
	}
	if (conf_load(conf_default_path(conf_path), &conf, err, sizeof(err)) != 0) {
		fprintf(stderr, "inboxpanel-worker: %s\n", err);
		return 1;
	}
	if (runas_drop(user != NULL ? user : conf.service_user, err, sizeof(err)) != 0) {
		fprintf(stderr, "inboxpanel-worker: %s\n", err);
		conf_free(&conf);
		return 1;
	}
	rc = worker_run(&conf, once);
	conf_free(&conf);
	return rc;
}
