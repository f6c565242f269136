/* conf.h — the panel's configuration, read from one HDF file and checked whole at
 * start-up: a missing or invalid key stops the program with the key's name. */
#ifndef IP_CONF_H
#define IP_CONF_H

#include <stddef.h>

enum conf_provider_id {
	CONF_PROVIDER_GOOGLE,
	CONF_PROVIDER_MICROSOFT,
	CONF_PROVIDER_OUTLOOK,
	CONF_PROVIDER__MAX
};

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
	char *smtp_url;
	char *smtp_from;
	char *smtp_username;
	char *smtp_password;
	struct conf_provider providers[CONF_PROVIDER__MAX];
};

extern const char *const conf_provider_names[CONF_PROVIDER__MAX];

/* Reads and checks path.  On failure returns -1 with a one-line reason naming
 * the key in err. */
int conf_load(const char *path, struct conf *conf, char *err, size_t errlen);
void conf_free(struct conf *conf);

/* The file named by --conf, else INBOXPANEL_CONF, else the installed default. */
const char *conf_default_path(const char *from_argument);

#endif
