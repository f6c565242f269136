/* conf.c — loading and checking the HDF configuration file.
 *
 * The keys are a table: each with its type, bounds and default, so the loader,
 * the checks and the error messages stay in step.  Relative paths are taken from
 * the configuration file's own folder, so a demo or test folder is self-contained. */
#include "config.h"

#include "clearsilver.h"
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "util.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif
#ifndef PKGDATADIR
#define PKGDATADIR "/usr/share/inboxpanel"
#endif

enum key_type { KEY_STRING, KEY_PATH, KEY_URL, KEY_SECONDS, KEY_COUNT, KEY_EMAIL };

struct key {
	const char *name;
	enum key_type type;
	int required;
	size_t offset;
	const char *default_value;
	long min, max;
};

#define AT(field) offsetof(struct conf, field)

static const struct key keys[] = {
	{ "Database.path", KEY_PATH, 1, AT(database_path), NULL, 0, 0 },
	{ "Templates.dir", KEY_PATH, 0, AT(template_dir), PKGDATADIR "/templates", 0, 0 },
	{ "Templates.lang_dir", KEY_PATH, 0, AT(lang_dir), NULL, 0, 0 },
	{ "Site.base_url", KEY_URL, 1, AT(base_url), NULL, 0, 0 },
	{ "Site.static_url", KEY_STRING, 0, AT(static_url), NULL, 0, 0 },
	{ "Session.idle_timeout", KEY_SECONDS, 0, AT(idle_timeout), "1800", 1, 86400 * 30 },
	{ "Session.absolute_timeout", KEY_SECONDS, 0, AT(absolute_timeout), "43200", 1,
	  86400 * 90 },
	{ "Login.window", KEY_SECONDS, 0, AT(login_window), "900", 1, 86400 },
	{ "Login.max_failures_per_account", KEY_COUNT, 0, AT(login_max_per_account), "5", 1,
	  1000 },
	{ "Login.max_failures_per_address", KEY_COUNT, 0, AT(login_max_per_address), "20", 1,
	  100000 },
	{ "Limits.max_body", KEY_COUNT, 0, AT(max_body), "16384", 1024, 1024 * 1024 },
	{ "Keys.public_file", KEY_PATH, 1, AT(public_key_file), NULL, 0, 0 },
	{ "Keys.private_file", KEY_PATH, 0, AT(private_key_file), NULL, 0, 0 },
	{ "Keys.single_user", KEY_COUNT, 0, AT(keys_single_user), "0", 0, 1 },
	{ "Worker.wakeup", KEY_PATH, 0, AT(worker_wakeup), NULL, 0, 0 },
	{ "Worker.parallel", KEY_COUNT, 0, AT(worker_parallel), "64", 1, 64 },
	{ "Worker.poll_interval", KEY_SECONDS, 0, AT(worker_poll_interval), "30", 1, 3600 },
	{ "Worker.lease", KEY_SECONDS, 0, AT(worker_lease), "120", 5, 3600 },
	{ "Worker.connect_timeout", KEY_SECONDS, 0, AT(worker_connect_timeout), "5", 1, 60 },
	{ "Worker.timeout", KEY_SECONDS, 0, AT(worker_timeout), "20", 1, 300 },
	{ "Worker.max_attempts", KEY_COUNT, 0, AT(worker_max_attempts), "8", 1, 100 },
	{ "Worker.backoff_base", KEY_SECONDS, 0, AT(worker_backoff_base), "5", 1, 3600 },
	{ "Worker.backoff_max", KEY_SECONDS, 0, AT(worker_backoff_max), "3600", 1, 86400 },
	{ "Health.interval", KEY_SECONDS, 0, AT(health_interval), "3600", 1, 86400 * 7 },
	{ "Health.refusals_to_disconnect", KEY_COUNT, 0, AT(health_refusals), "3", 1, 100 },
	{ "Smtp.url", KEY_URL, 0, AT(smtp_url), NULL, 0, 0 },
	{ "Smtp.from", KEY_EMAIL, 0, AT(smtp_from), NULL, 0, 0 },
	{ "Smtp.username", KEY_STRING, 0, AT(smtp_username), NULL, 0, 0 },
	{ "Smtp.password", KEY_STRING, 0, AT(smtp_password), NULL, 0, 0 },
	{ "Smtp.ca_file", KEY_PATH, 0, AT(smtp_ca_file), NULL, 0, 0 },
	{ "Imap.allow_private", KEY_COUNT, 0, AT(imap_allow_private), "0", 0, 1 },
	{ "Imap.ca_file", KEY_PATH, 0, AT(imap_ca_file), NULL, 0, 0 },
	{ "Imap.max_logins", KEY_COUNT, 0, AT(imap_max_logins), "10", 1, 10000 },
	{ "Imap.login_window", KEY_SECONDS, 0, AT(imap_login_window), "600", 1, 86400 },
	{ "Imap.any_port", KEY_COUNT, 0, AT(imap_any_port), "0", 0, 1 },
	{ "Service.user", KEY_STRING, 0, AT(service_user), NULL, 0, 0 },
};

#define PAT(field) offsetof(struct conf_provider, field)

/* Where each key of a provider block (prov_conf_keys) is kept. */
static const size_t provider_key_offsets[PROV_KEY__MAX] = {
	[PROV_KEY_CLIENT_ID] = PAT(client_id),
	[PROV_KEY_CLIENT_SECRET] = PAT(client_secret),
	[PROV_KEY_AUTHORIZE_URL] = PAT(authorize_url),
	[PROV_KEY_TOKEN_URL] = PAT(token_url),
	[PROV_KEY_REVOKE_URL] = PAT(revoke_url),
	[PROV_KEY_USERINFO_URL] = PAT(userinfo_url),
	[PROV_KEY_GRAPH_URL] = PAT(graph_url),
	[PROV_KEY_SCOPES] = PAT(scopes),
};

static char **provider_slot(struct conf_provider *p, enum prov_conf_key k)
{
	return (char **)((char *)p + provider_key_offsets[k]);
}

const char *conf_default_path(const char *from_argument)
{
	const char *env;

	if (from_argument != NULL)
		return from_argument;
	env = getenv("INBOXPANEL_CONF");
	if (env != NULL && *env != '\0')
		return env;
	return SYSCONFDIR "/inboxpanel/inboxpanel.hdf";
}

static int printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

/* http(s)://host[:port][/path] with no query, fragment, user info or trailing '/'. */
static int url_valid(const char *v)
{
	const char *rest;

	if (strncmp(v, "https://", 8) == 0)
		rest = v + 8;
	else if (strncmp(v, "http://", 7) == 0)
		rest = v + 7;
	else if (strncmp(v, "smtp://", 7) == 0 || strncmp(v, "smtps://", 8) == 0)
		rest = strstr(v, "://") + 3;
	else
		return 0;
	if (*rest == '\0' || *rest == '/' || strpbrk(v, " ?#@\"<>\\") != NULL)
		return 0;
	return v[strlen(v) - 1] != '/';
}

static char *resolve_path(const char *conf_dir, const char *value)
{
	if (value[0] == '/')
		return xstrdup(value);
	return xasprintf("%s/%s", conf_dir, value);
}

static int check_value(const struct key *k, const char *v, char *err, size_t errlen)
{
	long long n;

	switch (k->type) {
	case KEY_SECONDS:
	case KEY_COUNT:
		if (parse_int_strict(v, strlen(v), k->min, k->max, &n) != 0) {
			snprintf(err, errlen, "%s: must be a whole number from %ld to %ld%s", k->name,
				 k->min, k->max, k->type == KEY_SECONDS ? " (seconds)" : "");
			return -1;
		}
		return 0;
	case KEY_URL:
		if (!url_valid(v)) {
			snprintf(err, errlen,
				 "%s: must be an absolute URL like https://host/path, without a trailing slash",
				 k->name);
			return -1;
		}
		return 0;
	case KEY_EMAIL:
		if (strchr(v, '@') == NULL || !printable(v) || strchr(v, ' ') != NULL) {
			snprintf(err, errlen, "%s: must be an email address", k->name);
			return -1;
		}
		return 0;
	case KEY_STRING:
	case KEY_PATH:
		if (!printable(v) || *v == '\0') {
			snprintf(err, errlen, "%s: must be non-empty printable text", k->name);
			return -1;
		}
		return 0;
	}
	return -1;
}

/* Refuses HDF links ("Name : Other.name").  ClearSilver follows a link wherever a
 * node is looked up, with no bound on the chain, so a loop ("Keys : Keys.x", or
 * "A : B" with "B : A") recursed until the stack ran out in the unknown-key check
 * below.  A configuration has no use for them, so any one is refused with its
 * name.  The walk reads the nodes' own fields: hdf_obj_child() would follow the
 * very links it is looking for.  prefix is the dotted name of hdf ("" at the top). */
static int refuse_links(const HDF *hdf, const char *prefix, char *err, size_t errlen)
{
	for (const HDF *node = hdf->child; node != NULL; node = node->next) {
		char full[256];

		snprintf(full, sizeof(full), "%s%s%s", prefix, *prefix ? "." : "",
			 node->name ? node->name : "");
		if (node->link) {
			snprintf(err, errlen, "%s: a link (\"%s : %s\") is not allowed here; give the value itself",
				 full, full, node->value ? node->value : "");
			return -1;
		}
		if (refuse_links(node, full, err, errlen) != 0)
			return -1;
	}
	return 0;
}

/* Refuses keys the panel does not know: a misspelt key would otherwise be
 * silently replaced by its default. */
static int check_unknown_keys(HDF *hdf, char *err, size_t errlen)
{
	for (HDF *section = hdf_obj_child(hdf); section; section = hdf_obj_next(section)) {
		const char *sname = hdf_obj_name(section);

		if (strcmp(sname, "Provider") == 0) {
			for (HDF *p = hdf_obj_child(section); p; p = hdf_obj_next(p)) {
				enum provider id;

				if (prov_from_name(hdf_obj_name(p), &id) != 0 || !prov_table[id].oauth) {
					snprintf(err, errlen, "Provider.%s: unknown provider (google, microsoft, outlook)",
						 hdf_obj_name(p));
					return -1;
				}
				/* Provider blocks may carry extra keys of a deployment's own. */
			}
			continue;
		}
		if (hdf_obj_child(section) == NULL) {
			snprintf(err, errlen, "%s: unknown key", sname);
			return -1;
		}
		for (HDF *k = hdf_obj_child(section); k; k = hdf_obj_next(k)) {
			char full[128];
			int known = 0;

			snprintf(full, sizeof(full), "%s.%s", sname, hdf_obj_name(k));
			for (size_t i = 0; i < ARRAY_LEN(keys); i++)
				if (strcmp(keys[i].name, full) == 0)
					known = 1;
			if (!known || hdf_obj_child(k) != NULL) {
				snprintf(err, errlen, "%s: unknown key", full);
				return -1;
			}
		}
	}
	return 0;
}

static int load_providers(HDF *hdf, struct conf *conf, char *err, size_t errlen)
{
	for (int id = 0; id < PROV__MAX; id++) {
		const struct prov_desc *d = &prov_table[id];
		struct conf_provider *p = &conf->providers[id];
		HDF *block = hdf_get_obj(hdf, "Provider");

		block = block && d->oauth ? hdf_get_obj(block, d->name) : NULL;
		if (block == NULL)
			continue;
		p->configured = 1;
		for (int k = 0; k < PROV_KEY__MAX; k++) {
			const struct prov_conf_key_desc *key = &prov_conf_keys[k];
			const char *v = hdf_get_value(block, key->name, NULL);

			if (v == NULL || *v == '\0') {
				if (d->required_keys & PROV_KEY_BIT(k)) {
					snprintf(err, errlen, "Provider.%s.%s: missing", d->name,
						 key->name);
					return -1;
				}
				continue;
			}
			if ((key->is_url && !url_valid(v)) || !printable(v)) {
				snprintf(err, errlen, "Provider.%s.%s: must be an absolute URL%s",
					 d->name, key->name, key->is_url ? "" : " or printable text");
				return -1;
			}
			*provider_slot(p, (enum prov_conf_key)k) = xstrdup(v);
		}
	}
	return 0;
}

/* strerror's text as the middle of a sentence: "permission denied". */
static void errno_words(int errnum, char *out, size_t outlen)
{
	snprintf(out, outlen, "%s", strerror(errnum));
	if (out[0] != '\0' && isupper((unsigned char)out[0]) && islower((unsigned char)out[1]))
		out[0] = (char)tolower((unsigned char)out[0]);
}

/* Whether path can be read as a file, said the way the rest of the panel says
 * things ("x.hdf: no such file", "cannot read x.hdf: permission denied") before
 * ClearSilver says it in its own ("NotFoundError: File x.hdf not found"). */
static int check_readable(const char *path, char *err, size_t errlen)
{
	char why[128];
	struct stat sb;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		if (errno == ENOENT) {
			snprintf(err, errlen, "%s: no such file", path);
		} else {
			errno_words(errno, why, sizeof(why));
			snprintf(err, errlen, "cannot read %s: %s", path, why);
		}
		return -1;
	}
	if (fstat(fd, &sb) == 0 && S_ISDIR(sb.st_mode)) {
		snprintf(err, errlen, "%s: a folder, not a configuration file", path);
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

/* ClearSilver's error, for a file that could be opened: a syntax error (at a line
 * of the file or of one it includes) or an #include of a file that is missing.
 * Its chain holds the message at the bottom ("[x.hdf:3] Unable to parse line ...",
 * "Path y.hdf not found") and above it, for an #include, "In file x.hdf:2". */
static void describe_hdf_error(const char *path, NEOERR *nerr, char *err, size_t errlen)
{
	const char *context = NULL, *desc;
	NEOERR *e = nerr, *bottom = nerr;
	char file[PATH_MAX], name[PATH_MAX], where[PATH_MAX + 32];
	int line;

	for (; e != NULL && e != INTERNAL_ERR; e = e->next) {
		if (strncmp(e->desc, "In file ", 8) == 0)
			context = e->desc + 8;
		bottom = e;
	}
	/* "x.hdf:2" as "x.hdf: line 2", like the other messages. */
	if (context != NULL) {
		const char *colon = strrchr(context, ':');

		if (colon != NULL && sscanf(colon + 1, "%d", &line) == 1)
			snprintf(where, sizeof(where), "%.*s: line %d", (int)(colon - context), context,
				 line);
		else
			snprintf(where, sizeof(where), "%s", context);
		context = where;
	}
	if (bottom == INTERNAL_ERR || bottom->error == NERR_NOMEM) {
		snprintf(err, errlen, "cannot read %s: out of memory", path);
		return;
	}
	desc = bottom->desc;
	if (bottom->error == NERR_PARSE) {
		/* "[FILE:LINE] what", FILE possibly holding a colon of its own. */
		const char *end = desc[0] == '[' ? strchr(desc, ']') : NULL;
		const char *colon = NULL;

		for (const char *c = desc + 1; end != NULL && c < end; c++)
			if (*c == ':')
				colon = c;
		if (colon != NULL && sscanf(colon + 1, "%d]", &line) == 1 &&
		    (size_t)(colon - desc - 1) < sizeof(file)) {
			snprintf(file, sizeof(file), "%.*s", (int)(colon - desc - 1), desc + 1);
			snprintf(err, errlen, "%s: line %d: syntax error", file, line);
		} else if (context != NULL) {
			snprintf(err, errlen, "%s: syntax error", context);
		} else {
			snprintf(err, errlen, "%s: syntax error", path);
		}
		return;
	}
	if (bottom->error == NERR_NOT_FOUND &&
	    (sscanf(desc, "Path %4095s not found", name) == 1 ||
	     sscanf(desc, "File %4095s not found", name) == 1)) {
		if (context != NULL)
			snprintf(err, errlen, "%s: #include %s: no such file", context, name);
		else
			snprintf(err, errlen, "%s: no such file", name);
		return;
	}
	snprintf(err, errlen, "cannot read %s: %s", path, desc[0] ? desc : "unknown error");
}

/* A link ("Name : Other.name") must be refused before ClearSilver reads the file,
 * not only after: a loop such as "A : A" then "A.x = 1" makes its parser itself
 * recurse without end (tests/fuzz/crashes/).  So each line of the file, and of
 * the files it includes (resolved as hdf_read_file does: absolute, or from the
 * working folder), is looked at first; a multi-line value ("Name << EOF") is
 * skipped to its end.  refuse_links() still checks the tree afterwards. */
/* What ClearSilver skips before a name (isspace, less the line's end). */
#define BLANKS " \t\v\f\r"

static int refuse_link_lines(const char *path, int depth, char *err, size_t errlen)
{
	char line[4096], heredoc[64] = "";
	FILE *f = fopen(path, "r");
	int n = 0, rc = 0;

	if (f == NULL)
		return 0; /* the parser says what is wrong with it */
	while (rc == 0 && fgets(line, sizeof(line), f) != NULL) {
		char *s = line + strspn(line, BLANKS), *name = s, *name_end;

		n++;
		if (heredoc[0] != '\0') {
			if (strncmp(s, heredoc, strlen(heredoc)) == 0 &&
			    strspn(s + strlen(heredoc), "\r\n") == strlen(s + strlen(heredoc)))
				heredoc[0] = '\0';
			continue;
		}
		if (strncmp(s, "#include", 8) == 0 && depth < 8) {
			char included[1024];

			s += 8;
			s += strspn(s, BLANKS "\"");
			snprintf(included, sizeof(included), "%.*s", (int)strcspn(s, "\"\r\n \t"), s);
			rc = refuse_link_lines(included, depth + 1, err, errlen);
			continue;
		}
		name_end = s + strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.*-");
		s = name_end + strspn(name_end, BLANKS);
		/* Attributes ("Name [x=1] = ...") mean nothing to the panel, and a broken
		 * one leaks in ClearSilver's parser: refused too. */
		if (s[0] == '[') {
			snprintf(err, errlen, "%s: line %d: attributes (\"[...]\") are not allowed here",
				 path, n);
			rc = -1;
			continue;
		}
		if (name_end == name)
			continue;
		if (s[0] == ':' && s[1] != '=') {
			int len = (int)(name_end - name);

			snprintf(err, errlen,
				 "%s: line %d: %.*s: a link (\"%.*s : ...\") is not allowed here; "
				 "give the value itself",
				 path, n, len, name, len, name);
			rc = -1;
		} else if (s[0] == '<' && s[1] == '<') {
			s += 2 + strspn(s + 2, " \t");
			snprintf(heredoc, sizeof(heredoc), "%.*s", (int)strcspn(s, "\r\n \t"), s);
		}
	}
	fclose(f);
	return rc;
}

int conf_load(const char *path, struct conf *conf, char *err, size_t errlen)
{
	HDF *hdf = NULL;
	NEOERR *nerr;
	char *dir_copy, *conf_dir;
	int rc = -1;

	memset(conf, 0, sizeof(*conf));
	if (check_readable(path, err, errlen) != 0 || refuse_link_lines(path, 0, err, errlen) != 0)
		return -1;
	nerr = hdf_init(&hdf);
	if (nerr == STATUS_OK)
		nerr = hdf_read_file(hdf, path);
	if (nerr != STATUS_OK) {
		describe_hdf_error(path, nerr, err, errlen);
		nerr_ignore(&nerr);
		hdf_destroy(&hdf);
		return -1;
	}
	conf->path = xstrdup(path);
	dir_copy = xstrdup(path);
	conf_dir = xstrdup(dirname(dir_copy));
	free(dir_copy);

	if (refuse_links(hdf, "", err, errlen) != 0 || check_unknown_keys(hdf, err, errlen) != 0)
		goto out;
	for (size_t i = 0; i < ARRAY_LEN(keys); i++) {
		const struct key *k = &keys[i];
		const char *v = hdf_get_value(hdf, k->name, NULL);
		void *slot = (char *)conf + k->offset;

		if (v == NULL || *v == '\0') {
			if (k->required) {
				snprintf(err, errlen, "%s: missing", k->name);
				goto out;
			}
			v = k->default_value;
			if (v == NULL)
				continue;
		}
		if (check_value(k, v, err, errlen) != 0)
			goto out;
		if (k->type == KEY_SECONDS || k->type == KEY_COUNT) {
			long long n = 0;

			parse_int_strict(v, strlen(v), k->min, k->max, &n);
			*(long *)slot = (long)n;
		} else if (k->type == KEY_PATH) {
			*(char **)slot = resolve_path(conf_dir, v);
		} else {
			*(char **)slot = xstrdup(v);
		}
	}
	if (conf->absolute_timeout < conf->idle_timeout) {
		snprintf(err, errlen,
			 "Session.absolute_timeout: must not be shorter than Session.idle_timeout");
		goto out;
	}
	if (strncmp(conf->base_url, "http", 4) != 0) {
		snprintf(err, errlen, "Site.base_url: must start with http:// or https://");
		goto out;
	}
	conf->secure_cookies = strncmp(conf->base_url, "https://", 8) == 0;
	{
		const char *host = strstr(conf->base_url, "://") + 3;
		const char *slash = strchr(host, '/');

		conf->base_path = xstrdup(slash ? slash : "");
	}
	if (conf->lang_dir == NULL)
		conf->lang_dir = xasprintf("%s/lang", conf->template_dir);
	if (conf->static_url == NULL)
		conf->static_url = xasprintf("%s/static", conf->base_path);
	if (load_providers(hdf, conf, err, errlen) != 0)
		goto out;
	rc = 0;
out:
	free(conf_dir);
	hdf_destroy(&hdf);
	if (rc != 0)
		conf_free(conf);
	return rc;
}

void conf_free(struct conf *conf)
{
	for (size_t i = 0; i < ARRAY_LEN(keys); i++)
		if (keys[i].type != KEY_SECONDS && keys[i].type != KEY_COUNT)
			free(*(char **)((char *)conf + keys[i].offset));
	for (int id = 0; id < PROV__MAX; id++)
		for (int k = 0; k < PROV_KEY__MAX; k++)
			free(*provider_slot(&conf->providers[id], (enum prov_conf_key)k));
	free(conf->path);
	free(conf->base_path);
	memset(conf, 0, sizeof(*conf));
}
