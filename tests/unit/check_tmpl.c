/* check_tmpl.c — unit tests of cgi/lib/tmpl (to be written). */
#include "config.h"

#include "suites.h"

Suite *tmpl_suite(void)
{
	Suite *s = suite_create("tmpl");

	return s;
}
