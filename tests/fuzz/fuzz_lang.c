/* fuzz_lang.c — tmpl_language_for, which picks the panel's language from the
 * browser's Accept-Language header.
 *
 * Input: the header's value (cut at a NUL). */
#include "config.h"

#include "clearsilver.h"
#include "fuzz.h"
#include "tmpl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *header = fuzz_string(data, size);
	const char *lang = tmpl_language_for(header);
	int known = 0;

	/* Whatever the header says, the answer is one of the panel's languages. */
	for (int i = 0; tmpl_languages[i] != NULL; i++)
		if (lang == tmpl_languages[i])
			known = 1;
	FUZZ_CHECK(known);
	free(header);
	return 0;
}
