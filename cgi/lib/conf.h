/* conf.h — the panel's configuration, read from one HDF file and checked whole at
 * start-up: a missing or invalid key stops the program with the key's name. */
#ifndef IP_CONF_H
#define IP_CONF_H

#include <stddef.h>

#include "prov.h"

/* A Provider.<name> block; which keys it must have is prov_table's to say. */
struct conf_provider {
	int configured; /* the block is present */
	char *client_id;
	char *client_secret;
	char *authorize_url;
	char *token_url;
	char *revoke_url;   /* Google */
	char *userinfo_url; /* Google */
	char *graph_url;    /* Office 365 */
	char *scopes;       /* space-separated */
};

struct conf {
	char *path;             /* the file this was read from */
	char *database_path;
	char *template_dir;
	char *lang_dir;
	char *base_url;         /* "https://crm.example.com/panel", no trailing slash */
	char *base_path;        /* "/panel", or "" at the root */
	char *static_url;       /* where nginx serves static/ */
	int secure_cookies;     /* base URL is https */
	long idle_timeout;      /* seconds a session lives without a request */
	long absolute_timeout;  /* seconds a session lives at most */
	long login_window;      /* seconds over which failed sign-ins are counted */
	long login_max_per_account;
	long login_max_per_address;
	long max_body;          /* bytes */
	char *public_key_file;  /* seals tokens; every web program reads it */
	char *private_key_file; /* the keyring's name: private keys are this path + "." + key id;
				 * only the worker and the CLI read them */
	long keys_single_user;  /* 1: one user runs everything (single-user shared hosting),
				 * so the web programs may be able to read the private keys */
	char *worker_wakeup;    /* FIFO the web programs poke after queueing a job */
	long worker_parallel;   /* provider calls in flight at once */
	long worker_poll_interval;   /* seconds between passes without a wake-up */
	long worker_lease;           /* seconds a claimed job is its worker's */
	long worker_connect_timeout; /* seconds, per provider call */
	long worker_timeout;         /* seconds, per provider call in all */
	long worker_max_attempts;    /* tries before a revocation is "failed" */
	long worker_backoff_base;    /* seconds: the first retry's ceiling, doubled each time */
	long worker_backoff_max;     /* seconds: the ceiling of any retry */
	long health_interval;        /* seconds between two checks of a connected token */
	long health_refusals;        /* permanent refusals in a row that disconnect */
	char *smtp_url;
	char *smtp_from;
	char *smtp_username;
	char *smtp_password;
	char *smtp_ca_file;      /* CA bundle for the SMTP server's certificate, or NULL:
				  * the system's */
	long imap_allow_private; /* 1: IMAP servers at loopback, private, link-local
				  * addresses are allowed (a deployment's own server) */
	char *imap_ca_file;      /* CA bundle for IMAP servers' certificates, or NULL:
				  * the system's */
	long imap_max_logins;    /* logins the connect form may try per user in ... */
	long imap_login_window;  /* ... this many seconds */
	long imap_any_port;      /* 1: the form takes any port, not only 143 and 993 */
	char *service_user;      /* started as root, the user to run as (--user wins) */
	struct conf_provider providers[PROV__MAX]; /* by enum provider; IMAP has none */
};

/* Reads and checks path.  On failure returns -1 with a one-line reason naming
 * the key in err. */
int conf_load(const char *path, struct conf *conf, char *err, size_t errlen);
void conf_free(struct conf *conf);

/* The file named by --conf, else INBOXPANEL_CONF, else the installed default. */
const char *conf_default_path(const char *from_argument);

#endif
