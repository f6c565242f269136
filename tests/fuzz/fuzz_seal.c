/* fuzz_seal.c — opening a sealed secret as the worker and the command-line tool
 * do: seal_open with a fixed key and keyring_open with a ring of two fixed keys,
 * both for one fixed connection row.  The two must agree on every box sealed
 * for the key they share.
 *
 * Input: the box, as stored in the database.
 *
 * The seeds are boxes sealed for the fixed keys: for the row (so they open),
 * for another row, for the older key of the ring, cut short, and so on.  They
 * were written by this program:
 *
 *     FUZZ_SEAL_SEEDS=tests/fuzz/corpus/seal ./fuzz_seal -runs=0 */
#include "config.h"

#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "fuzz.h"
#include "keyring.h"
#include "seal.h"
#include "util.h"

/* Test keys, made for this file only (openssl genpkey -algorithm X25519). */
static const char newest_pem[] = "-----BEGIN PRIVATE KEY-----\n"
				 "MC4CAQAwBQYDK2VuBCIEIIC2qsnfKtd8aWJJriauE/1h0O4ugh2lMHTIWucsJg5M\n"
				 "-----END PRIVATE KEY-----\n";
static const char older_pem[] = "-----BEGIN PRIVATE KEY-----\n"
				"MC4CAQAwBQYDK2VuBCIEIKhetUmZs9i7ij8Kh7c9tPE1a/PXs/NORxIjQGNADP1O\n"
				"-----END PRIVATE KEY-----\n";

static const struct seal_context row = { 42, "imap", "Someone@Example.com", "imap.example.com",
					 993 };
static const struct seal_context other_row = { 43, "imap", "someone@example.com",
					       "imap.example.com", 993 };

static struct seal_key *newest, *older;
static struct keyring *ring;
static char *dir;

static char *write_key(const char *name, const char *pem)
{
	char *file = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(file, "w");

	if (f == NULL || fputs(pem, f) == EOF || fclose(f) != 0 || chmod(file, 0600) != 0) {
		perror(file);
		abort();
	}
	return file;
}

static struct seal_key *load_key(const char *file)
{
	char err[512];
	struct seal_key *key = seal_load_private(file, err, sizeof(err));

	if (key == NULL) {
		fprintf(stderr, "%s\n", err);
		abort();
	}
	return key;
}

static void write_seed(const char *seed_dir, const char *name, const uint8_t *box, size_t len)
{
	char *file = xasprintf("%s/%s", seed_dir, name);
	FILE *f = fopen(file, "wb");

	if (f == NULL || fwrite(box, 1, len, f) != len || fclose(f) != 0) {
		perror(file);
		abort();
	}
	free(file);
}

static void seal_seed(const char *seed_dir, const char *name, const struct seal_key *key,
		      const struct seal_context *ctx, const char *secret, size_t cut)
{
	uint8_t *box;
	size_t len;

	if (seal_box(key, ctx, (const uint8_t *)secret, strlen(secret), &box, &len) != 0)
		abort();
	write_seed(seed_dir, name, box, len - cut);
	free(box);
}

static void write_seeds(const char *seed_dir)
{
	uint8_t *box;
	size_t len;

	seal_seed(seed_dir, "opens", newest, &row, "1//refresh-token-of-the-row", 0);
	seal_seed(seed_dir, "opens-older-key", older, &row, "an IMAP password", 0);
	seal_seed(seed_dir, "other-row", newest, &other_row, "1//refresh-token-of-the-row", 0);
	seal_seed(seed_dir, "cut-short", newest, &row, "1//refresh-token-of-the-row", 5);
	seal_seed(seed_dir, "empty-secret", newest, &row, "", 0);
	/* A version 1 box's header, and one byte of an unknown version. */
	if (seal_box(newest, &row, (const uint8_t *)"x", 1, &box, &len) != 0)
		abort();
	box[0] = 1;
	write_seed(seed_dir, "version-1-header", box, len);
	box[0] = 3;
	write_seed(seed_dir, "unknown-version", box, len);
	free(box);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct conf conf;
	char err[512], hex[KEYRING_ID_HEX];
	uint8_t id[SEAL_KEY_ID_LEN];
	char *older_file, *older_ring_file;
	const char *seeds = getenv("FUZZ_SEAL_SEEDS");

	(void)argc;
	(void)argv;
	dir = fuzz_temp_name("inboxpanel-fuzz-seal.XXXXXX");
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		abort();
	}
	/* The ring: the newest key at Keys.private_file itself (the layout before the
	 * ring, which is one more key of it), the older one filed under its id. */
	memset(&conf, 0, sizeof(conf));
	conf.private_key_file = write_key("seal.key", newest_pem);
	conf.public_key_file = xasprintf("%s/seal.pub", dir);
	older_file = write_key("older.pem", older_pem);
	newest = load_key(conf.private_key_file);
	older = load_key(older_file);
	seal_key_id(older, id);
	seal_id_hex(id, hex);
	older_ring_file = xasprintf("%s.%s", conf.private_key_file, hex);
	if (rename(older_file, older_ring_file) != 0 ||
	    seal_save_public(newest, conf.public_key_file, 0, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		abort();
	}
	ring = keyring_load(&conf, err, sizeof(err));
	if (ring == NULL || keyring_count(ring) != 2) {
		fprintf(stderr, "keyring: %s\n", ring ? "not two keys" : err);
		abort();
	}
	/* keyring_load forbids ptrace, which LeakSanitizer needs at the end. */
	prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
	if (seeds != NULL)
		write_seeds(seeds);
	/* Nothing else reads the files: the keys are in memory. */
	unlink(conf.private_key_file);
	unlink(older_ring_file);
	unlink(conf.public_key_file);
	rmdir(dir);
	free(conf.private_key_file);
	free(conf.public_key_file);
	free(older_file);
	free(older_ring_file);
	return 0;
}

static void check_opened(enum seal_status st, const uint8_t *msg, size_t msg_len)
{
	if (st != SEAL_OK) {
		FUZZ_CHECK(msg == NULL && msg_len == 0);
		return;
	}
	/* A secret comes out whole or not at all, as a C string. */
	FUZZ_CHECK(msg != NULL && msg[msg_len] == '\0' && memchr(msg, '\0', msg_len) == NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *box = (uint8_t *)fuzz_bytes(data, size);
	uint8_t *direct, *ringed, header_id[SEAL_KEY_ID_LEN], newest_id[SEAL_KEY_ID_LEN];
	size_t direct_len, ringed_len;
	enum seal_status direct_st, ringed_st;
	int version;

	direct_st = seal_open(newest, &row, box, size, &direct, &direct_len);
	ringed_st = keyring_open(ring, &row, box, size, &ringed, &ringed_len);
	check_opened(direct_st, direct, direct_len);
	check_opened(ringed_st, ringed, ringed_len);
	FUZZ_CHECK(direct_st != SEAL_FAILED && ringed_st != SEAL_FAILED);

	version = seal_box_header(box, size, header_id);
	seal_key_id(newest, newest_id);
	if (version > 0 && memcmp(header_id, newest_id, sizeof(newest_id)) == 0) {
		/* Sealed for the key both hold: the same answer, the same secret. */
		FUZZ_CHECK(direct_st == ringed_st);
		if (direct_st == SEAL_OK)
			FUZZ_CHECK(direct_len == ringed_len && memcmp(direct, ringed, direct_len) == 0);
	} else if (version > 0) {
		FUZZ_CHECK(direct_st == SEAL_UNKNOWN_KEY || direct_st == SEAL_NOT_OPENED);
	} else {
		FUZZ_CHECK(direct_st == SEAL_NOT_OPENED && ringed_st == SEAL_NOT_OPENED);
	}
	free(direct);
	free(ringed);
	free(box);
	return 0;
}
