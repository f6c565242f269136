/* check_seal.c — unit tests of cgi/lib/seal (to be written). */
#include "config.h"

#include "suites.h"

Suite *seal_suite(void)
{
	Suite *s = suite_create("seal");

	return s;
}
