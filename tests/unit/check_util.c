/* check_util.c — unit tests of cgi/lib/util (to be written). */
#include "config.h"

#include "suites.h"

Suite *util_suite(void)
{
	Suite *s = suite_create("util");

	return s;
}
