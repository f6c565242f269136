/* keyring.c — the private keys by id, the public key file that names the newest,
 * and the checks that keep the two in step (layout in keyring.h). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "keyring.h"
#include "util.h"

struct keyring {
	struct seal_key **keys;
	size_t count;
	const struct seal_key *newest; /* one of keys */
};

struct keyring_sealer {
	char *public_path;
	char *private_path; /* may be NULL */
	struct seal_key *key;
	struct stat seen; /* of the public file the key was read from */
};

void keyring_no_core_dumps(void)
{
	struct rlimit none = { 0, 0 };

	setrlimit(RLIMIT_CORE, &none);
	/* Also stops other processes of the same user from attaching a debugger. */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

/* "<private_file>.<hex id>", to free. */
static char *key_path(const char *private_file, const uint8_t id[SEAL_KEY_ID_LEN])
{
	char hex[KEYRING_ID_HEX];

	seal_id_hex(id, hex);
	return xasprintf("%s.%s", private_file, hex);
}

static int need_private_file(const struct conf *conf, char *err, size_t errlen)
{
	if (conf->private_key_file != NULL)
		return 0;
	snprintf(err, errlen, "Keys.private_file: missing (it names the keyring of private keys)");
	return -1;
}

/* A test may stop the process dead at a named point of a rotation, as a crash or
 * a power cut would, to check that what is left on disk is still consistent. */
static void crash_point(const char *name)
{
	const char *want = getenv("INBOXPANEL_TEST_REKEY_CRASH");

	if (want != NULL && strcmp(want, name) == 0)
		raise(SIGKILL);
}

int keyring_adopt(const struct conf *conf, char *err, size_t errlen)
{
	const char *legacy;
	struct seal_key *key, *filed;
	uint8_t id[SEAL_KEY_ID_LEN];
	char *path;
	int rc = -1;

	if (need_private_file(conf, err, errlen) != 0)
		return -1;
	legacy = conf->private_key_file;
	if (access(legacy, F_OK) != 0)
		return 0;
	key = seal_load_private(legacy, err, errlen);
	if (key == NULL)
		return -1;
	seal_key_id(key, id);
	path = key_path(legacy, id);
	/* A link, so the key is never in two states at once; an existing file of that
	 * name (an adoption cut short) must hold the same key. */
	if (link(legacy, path) != 0 && errno != EEXIST) {
		snprintf(err, errlen, "%s: cannot file the key under its id: %s", path, strerror(errno));
		goto out;
	}
	filed = seal_load_private(path, err, errlen);
	if (filed == NULL)
		goto out;
	{
		uint8_t filed_id[SEAL_KEY_ID_LEN];

		seal_key_id(filed, filed_id);
		seal_key_free(filed);
		if (memcmp(filed_id, id, sizeof(id)) != 0) {
			snprintf(err, errlen, "%s: holds another key than %s; not touching either", path,
				 legacy);
			goto out;
		}
	}
	if (sync_parent_folder(path) != 0 || unlink(legacy) != 0 || sync_parent_folder(legacy) != 0) {
		snprintf(err, errlen, "%s: cannot move into the keyring: %s", legacy, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	free(path);
	seal_key_free(key);
	return rc;
}

/* True when name is base + "." + 16 lower-case hex digits. */
static int is_key_name(const char *name, const char *base)
{
	size_t blen = strlen(base);

	if (strncmp(name, base, blen) != 0 || name[blen] != '.' ||
	    strlen(name + blen + 1) != 2 * SEAL_KEY_ID_LEN)
		return 0;
	for (const char *p = name + blen + 1; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return 0;
	return 1;
}

/* The folder and the file name stem of the ring, to free. */
static void split_private_file(const char *private_file, char **dir, const char **base)
{
	const char *slash = strrchr(private_file, '/');

	*dir = slash == NULL ? xstrdup(".")
			     : xstrndup(private_file, slash == private_file ? 1
									  : (size_t)(slash - private_file));
	*base = slash == NULL ? private_file : slash + 1;
}

/* Calls fn with the path of each key file of the ring, and of a not yet adopted
 * key at Keys.private_file.  -1 with err when the folder cannot be read or fn
 * says stop. */
static int each_key_file(const char *private_file, int (*fn)(const char *path, void *arg),
			 void *arg, char *err, size_t errlen)
{
	const char *base;
	char *dir;
	DIR *d;
	struct dirent *e;
	int rc = 0;

	split_private_file(private_file, &dir, &base);
	d = opendir(dir);
	if (d == NULL) {
		snprintf(err, errlen, "%s: cannot read the keyring's folder: %s", dir, strerror(errno));
		free(dir);
		return -1;
	}
	while (rc == 0 && (e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, base) == 0 || is_key_name(e->d_name, base)) {
			char *path = xasprintf("%s/%s", dir, e->d_name);

			rc = fn(path, arg);
			free(path);
		}
	}
	closedir(d);
	free(dir);
	return rc;
}

struct load_state {
	struct keyring *kr;
	const char *base; /* the file name of Keys.private_file */
	char *err;
	size_t errlen;
};

static int load_one(const char *path, void *arg)
{
	struct load_state *ls = arg;
	struct seal_key *key = seal_load_private(path, ls->err, ls->errlen);
	uint8_t id[SEAL_KEY_ID_LEN];
	char hex[KEYRING_ID_HEX];
	const char *slash = strrchr(path, '/');
	const char *name = slash != NULL ? slash + 1 : path;

	if (key == NULL)
		return -1;
	seal_key_id(key, id);
	seal_id_hex(id, hex);
	/* A key file under another key's name would make boxes look unopenable, or a
	 * retirement remove the wrong key. */
	if (strcmp(name, ls->base) != 0 && strcmp(name + strlen(ls->base) + 1, hex) != 0) {
		snprintf(ls->err, ls->errlen, "%s: holds key %s, not the one its name says", path, hex);
		seal_key_free(key);
		return -1;
	}
	for (size_t i = 0; i < ls->kr->count; i++) {
		uint8_t other[SEAL_KEY_ID_LEN];

		seal_key_id(ls->kr->keys[i], other);
		if (memcmp(other, id, sizeof(id)) == 0) {
			seal_key_free(key); /* the same key under two names: one is enough */
			return 0;
		}
	}
	ls->kr->keys = xrealloc(ls->kr->keys, (ls->kr->count + 1) * sizeof(*ls->kr->keys));
	ls->kr->keys[ls->kr->count++] = key;
	return 0;
}

struct keyring *keyring_load(const struct conf *conf, char *err, size_t errlen)
{
	struct keyring *kr;
	struct seal_key *pub;
	uint8_t pub_id[SEAL_KEY_ID_LEN];
	struct load_state ls;
	const char *base;
	char *dir;

	keyring_no_core_dumps();
	if (need_private_file(conf, err, errlen) != 0)
		return NULL;
	kr = xcalloc(1, sizeof(*kr));
	split_private_file(conf->private_key_file, &dir, &base);
	free(dir);
	ls = (struct load_state){ kr, base, err, errlen };
	if (each_key_file(conf->private_key_file, load_one, &ls, err, errlen) != 0)
		goto fail;
	if (kr->count == 0 && access(conf->public_key_file, F_OK) != 0) {
		snprintf(err, errlen, "%s: no keys (run `inboxpanel init`)", conf->private_key_file);
		goto fail;
	}
	pub = seal_load_public(conf->public_key_file, err, errlen);
	if (pub == NULL)
		goto fail;
	seal_key_id(pub, pub_id);
	seal_key_free(pub);
	for (size_t i = 0; i < kr->count; i++) {
		uint8_t id[SEAL_KEY_ID_LEN];

		seal_key_id(kr->keys[i], id);
		if (memcmp(id, pub_id, sizeof(id)) == 0)
			kr->newest = kr->keys[i];
	}
	if (kr->newest == NULL) {
		char *missing = key_path(conf->private_key_file, pub_id);

		snprintf(err, errlen,
			 "%s: its key has no private key in the keyring (%s is missing), so no token "
			 "sealed with it could be opened; restore that file, or move the public file "
			 "aside and run `inboxpanel init` to start a new key pair",
			 conf->public_key_file, missing);
		free(missing);
		goto fail;
	}
	return kr;
fail:
	keyring_free(kr);
	return NULL;
}

void keyring_free(struct keyring *kr)
{
	if (kr == NULL)
		return;
	for (size_t i = 0; i < kr->count; i++)
		seal_key_free(kr->keys[i]);
	free(kr->keys);
	free(kr);
}

const struct seal_key *keyring_newest(const struct keyring *kr)
{
	return kr->newest;
}

size_t keyring_count(const struct keyring *kr)
{
	return kr->count;
}

const struct seal_key *keyring_key(const struct keyring *kr, size_t i)
{
	return i < kr->count ? kr->keys[i] : NULL;
}

enum seal_status keyring_open(const struct keyring *kr, const struct seal_context *ctx,
			      const uint8_t *box, size_t box_len, uint8_t **msg, size_t *msg_len)
{
	uint8_t want[SEAL_KEY_ID_LEN];

	*msg = NULL;
	*msg_len = 0;
	if (seal_box_header(box, box_len, want) < 0)
		return SEAL_NOT_OPENED;
	for (size_t i = 0; i < kr->count; i++) {
		uint8_t id[SEAL_KEY_ID_LEN];

		seal_key_id(kr->keys[i], id);
		if (memcmp(id, want, sizeof(id)) == 0)
			return seal_open(kr->keys[i], ctx, box, box_len, msg, msg_len);
	}
	return SEAL_UNKNOWN_KEY;
}

/* A new key pair: the private key into the ring, then, when public_replace is
 * not -1, the public file (replacing it when public_replace is 1). */
static int new_pair(const struct conf *conf, int public_replace, char new_id[KEYRING_ID_HEX],
		    char *err, size_t errlen)
{
	struct seal_key *key = seal_key_generate(err, errlen);
	uint8_t id[SEAL_KEY_ID_LEN];
	char *path;
	int rc = -1;

	if (key == NULL)
		return -1;
	seal_key_id(key, id);
	seal_id_hex(id, new_id);
	path = key_path(conf->private_key_file, id);
	if (seal_save_private(key, path, err, errlen) != 0)
		goto out;
	crash_point("after-private");
	if (seal_save_public(key, conf->public_key_file, public_replace, err, errlen) != 0)
		goto out;
	crash_point("after-public");
	rc = 0;
out:
	free(path);
	seal_key_free(key);
	return rc;
}

int keyring_init(const struct conf *conf, int *created, char new_id[KEYRING_ID_HEX], char *err,
		 size_t errlen)
{
	struct keyring *kr;

	*created = 0;
	new_id[0] = '\0';
	if (keyring_adopt(conf, err, errlen) != 0)
		return -1;
	if (access(conf->public_key_file, F_OK) != 0) {
		if (errno != ENOENT) {
			snprintf(err, errlen, "%s: %s", conf->public_key_file, strerror(errno));
			return -1;
		}
		/* Keys already in the ring stay: they open what was sealed for them. */
		if (new_pair(conf, 0, new_id, err, errlen) != 0)
			return -1;
		*created = 1;
	}
	kr = keyring_load(conf, err, errlen);
	keyring_free(kr);
	return kr != NULL ? 0 : -1;
}

int keyring_rotate(const struct conf *conf, char new_id[KEYRING_ID_HEX], char *err,
		   size_t errlen)
{
	if (need_private_file(conf, err, errlen) != 0)
		return -1;
	return new_pair(conf, 1, new_id, err, errlen);
}

int keyring_retire(const struct conf *conf, const uint8_t id[SEAL_KEY_ID_LEN], char *err,
		   size_t errlen)
{
	struct seal_key *pub;
	uint8_t pub_id[SEAL_KEY_ID_LEN];
	char *path;
	int rc = -1;

	if (need_private_file(conf, err, errlen) != 0)
		return -1;
	pub = seal_load_public(conf->public_key_file, err, errlen);
	if (pub == NULL)
		return -1;
	seal_key_id(pub, pub_id);
	seal_key_free(pub);
	path = key_path(conf->private_key_file, id);
	if (memcmp(pub_id, id, sizeof(pub_id)) == 0)
		snprintf(err, errlen, "%s: the newest key is never retired", path);
	else if (unlink(path) != 0 || sync_parent_folder(path) != 0)
		snprintf(err, errlen, "%s: cannot remove: %s", path, strerror(errno));
	else
		rc = 0;
	free(path);
	return rc;
}

long keyring_public_age(const struct conf *conf)
{
	struct stat st;
	time_t now = time(NULL);

	if (stat(conf->public_key_file, &st) != 0)
		return -1;
	return now >= st.st_mtime ? (long)(now - st.st_mtime) : 0;
}

/* --- the web programs ---------------------------------------------------------- */

/* Where the ring can be seen: it must hold the private key of pub.  A folder this
 * program may not look into is fine: the worker's start-up checks it. */
static int ring_holds(const struct conf *conf, const struct seal_key *pub, char *err,
		      size_t errlen)
{
	uint8_t id[SEAL_KEY_ID_LEN];
	struct stat st;
	char *path;
	int rc = 0;

	if (conf->private_key_file == NULL)
		return 0;
	seal_key_id(pub, id);
	path = key_path(conf->private_key_file, id);
	/* A key not yet adopted sits at Keys.private_file; its id cannot be seen
	 * without reading it, which this program must not do. */
	if (stat(path, &st) != 0 && errno == ENOENT && stat(conf->private_key_file, &st) != 0 &&
	    errno == ENOENT) {
		snprintf(err, errlen,
			 "%s: its key has no private key in the keyring (%s is missing), so no token "
			 "sealed with it could be opened; refusing to seal with it",
			 conf->public_key_file, path);
		rc = -1;
	}
	free(path);
	return rc;
}

static int refuse_readable(const char *path, void *arg)
{
	char **found = arg;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

	if (fd < 0)
		return 0;
	close(fd);
	*found = xstrdup(path);
	return 1;
}

int keyring_check_web(const struct conf *conf, char *err, size_t errlen)
{
	struct seal_key *pub = seal_load_public(conf->public_key_file, err, errlen);
	char *found = NULL, ignored[8];
	uint8_t id[SEAL_KEY_ID_LEN];
	int rc;

	if (pub == NULL)
		return -1;
	rc = ring_holds(conf, pub, err, errlen);
	seal_key_id(pub, id);
	seal_key_free(pub);
	if (rc != 0 || conf->private_key_file == NULL || conf->keys_single_user)
		return rc;
	/* The keys this program can find: every one in the folder when it may list
	 * it, and the newest and a not yet adopted one by name when it may not. */
	if (each_key_file(conf->private_key_file, refuse_readable, &found, ignored,
			  sizeof(ignored)) != 1) {
		char *newest = key_path(conf->private_key_file, id);

		if (refuse_readable(newest, &found) == 0)
			refuse_readable(conf->private_key_file, &found);
		free(newest);
	}
	if (found != NULL) {
		snprintf(err, errlen,
			 "%s: this program can read a private key; the web programs must run as a "
			 "user that cannot (the keys belong to the worker's user only), or, where one "
			 "user runs everything (single-user shared hosting), say so with "
			 "Keys.single_user = 1",
			 found);
		free(found);
		return -1;
	}
	return 0;
}

static int same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

/* Reads the public key file again when it is not the one read last. */
static int sealer_refresh(struct keyring_sealer *s, char *err, size_t errlen)
{
	struct conf view = { 0 };
	struct seal_key *key;
	struct stat st;

	if (stat(s->public_path, &st) != 0) {
		snprintf(err, errlen, "%s: %s", s->public_path, strerror(errno));
		return -1;
	}
	if (s->key != NULL && same_file(&st, &s->seen))
		return 0;
	key = seal_load_public(s->public_path, err, errlen);
	view.public_key_file = s->public_path;
	view.private_key_file = s->private_path;
	if (key == NULL || ring_holds(&view, key, err, errlen) != 0) {
		seal_key_free(key);
		/* Never fall back to the key read before. */
		seal_key_free(s->key);
		s->key = NULL;
		return -1;
	}
	seal_key_free(s->key);
	s->key = key;
	s->seen = st;
	return 0;
}

struct keyring_sealer *keyring_sealer_new(const struct conf *conf, char *err, size_t errlen)
{
	struct keyring_sealer *s = xcalloc(1, sizeof(*s));

	s->public_path = xstrdup(conf->public_key_file);
	s->private_path = conf->private_key_file ? xstrdup(conf->private_key_file) : NULL;
	if (sealer_refresh(s, err, errlen) != 0) {
		keyring_sealer_free(s);
		return NULL;
	}
	return s;
}

int keyring_sealer_box(struct keyring_sealer *s, const struct seal_context *ctx,
		       const uint8_t *msg, size_t len, uint8_t **box, size_t *box_len, char *err,
		       size_t errlen)
{
	*box = NULL;
	*box_len = 0;
	if (sealer_refresh(s, err, errlen) != 0)
		return -1;
	if (seal_box(s->key, ctx, msg, len, box, box_len) != 0) {
		snprintf(err, errlen, "cannot seal a secret of %zu bytes", len);
		return -1;
	}
	return 0;
}

void keyring_sealer_id(const struct keyring_sealer *s, uint8_t id[SEAL_KEY_ID_LEN])
{
	if (s->key != NULL)
		seal_key_id(s->key, id);
	else
		memset(id, 0, SEAL_KEY_ID_LEN);
}

void keyring_sealer_free(struct keyring_sealer *s)
{
	if (s == NULL)
		return;
	seal_key_free(s->key);
	free(s->public_path);
	free(s->private_path);
	free(s);
}
