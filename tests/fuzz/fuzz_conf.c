/* fuzz_conf.c — conf_load, which reads and checks the HDF configuration file
 * every program starts with: ClearSilver's HDF parser, then the panel's own
 * checks of known keys, values and provider blocks.
 *
 * Input: the file's text, written to a temporary file that conf_load reads.
 *
 * #include lines are left out: they would read other files of the machine.
 * HDF links ("A : B") are let through: a loop of them sent ClearSilver's parser
 * into unbounded recursion until conf.c learnt to refuse them before parsing
 * (the reproducers are in tests/fuzz/crashes/).  FUZZ_CONF_LINKS=0 in the
 * environment leaves out any line that could hold one, as before. */
#include "config.h"

#include <fcntl.h>
#include <unistd.h>

#include "conf.h"
#include "fuzz.h"

static char *path;
static int fd = -1;
static int allow_links;

/* Whether a line could make an HDF link: after the name comes ':' not followed
 * by '=' (":=" copies a value, which is fine).  Attributes ("A [x] = 1") could
 * hide one behind quotes, so a line with '[' counts as one too.  Lines of a
 * "<<" text block are values, but leaving them out costs little. */
static int may_link(const char *line, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (line[i] == '[')
			return 1;
		if (line[i] == '=')
			return 0;
		if (line[i] == ':')
			return i + 1 >= len || line[i + 1] != '=';
	}
	return 0;
}

static int left_out(const char *text)
{
	const char *p = text;

	if (strstr(text, "#include") != NULL)
		return 1;
	if (allow_links)
		return 0;
	while (*p != '\0') {
		size_t len = strcspn(p, "\n");

		if (may_link(p, len))
			return 1;
		p += len + (p[len] == '\n');
	}
	return 0;
}

static void remove_file(void)
{
	unlink(path);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *links = getenv("FUZZ_CONF_LINKS");

	(void)argc;
	(void)argv;
	allow_links = links == NULL || strcmp(links, "0") != 0;
	path = fuzz_temp_name("inboxpanel-fuzz-conf.XXXXXX");
	fd = mkstemp(path);
	if (fd < 0) {
		perror("mkstemp");
		abort();
	}
	atexit(remove_file);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_string(data, size);
	size_t len = strlen(text);
	struct conf conf;
	char err[512];

	if (left_out(text)) {
		free(text);
		return -1; /* not added to the corpus */
	}
	if (ftruncate(fd, 0) != 0 || pwrite(fd, text, len, 0) != (ssize_t)len)
		abort();
	err[0] = '\0';
	if (conf_load(path, &conf, err, sizeof(err)) == 0) {
		/* What the programs then take for granted. */
		FUZZ_CHECK(conf.database_path != NULL && conf.base_url != NULL &&
			   conf.base_path != NULL && conf.public_key_file != NULL &&
			   conf.template_dir != NULL && conf.lang_dir != NULL &&
			   conf.static_url != NULL);
		FUZZ_CHECK(conf.base_path[0] == '\0' || conf.base_path[0] == '/');
		FUZZ_CHECK(conf.absolute_timeout >= conf.idle_timeout);
		conf_free(&conf);
	} else {
		/* Every refusal says why, on one line. */
		FUZZ_CHECK(err[0] != '\0' && strchr(err, '\n') == NULL);
	}
	free(text);
	return 0;
}
