/* fuzz.h — what the libFuzzer targets of tests/fuzz/ share: the entry point's
 * declaration, a check that stops the run, and copies of the input shaped as
 * the code under test receives it. */
#ifndef IP_FUZZ_H
#define IP_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* A promise of the code under test that the input broke: abort, so libFuzzer
 * keeps the input as a crash. */
#define FUZZ_CHECK(cond)                                                              \
	do {                                                                          \
		if (!(cond)) {                                                        \
			fprintf(stderr, "%s:%d: broken promise: %s\n", __FILE__, __LINE__, \
				#cond);                                               \
			abort();                                                      \
		}                                                                     \
	} while (0)

/* A new name under $TMPDIR (run.sh points it into the target's scratch folder),
 * else /tmp, from a mkstemp/mkdtemp template's last part ("x.XXXXXX"). */
static inline char *fuzz_temp_name(const char *last)
{
	const char *dir = getenv("TMPDIR");
	size_t len;
	char *name;

	if (dir == NULL || *dir == '\0')
		dir = "/tmp";
	len = strlen(dir) + 1 + strlen(last) + 1;
	name = malloc(len);
	if (name == NULL)
		abort();
	snprintf(name, len, "%s/%s", dir, last);
	return name;
}

/* The input as exactly size bytes in a buffer of its own, with nothing after
 * them, so AddressSanitizer catches a read one byte past the end. */
static inline char *fuzz_bytes(const uint8_t *data, size_t size)
{
	char *s = malloc(size ? size : 1);

	if (s == NULL)
		abort();
	if (size)
		memcpy(s, data, size);
	return s;
}

/* The input as a C string: cut at its first NUL, as a header or file would be. */
static inline char *fuzz_string(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, 0, size);
	size_t len = nul ? (size_t)(nul - data) : size;
	char *s = malloc(len + 1);

	if (s == NULL)
		abort();
	memcpy(s, data, len);
	s[len] = '\0';
	return s;
}

#endif
