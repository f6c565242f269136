/* check_conf.c — unit tests of cgi/lib/conf (to be written). */
#include "config.h"

#include "suites.h"

Suite *conf_suite(void)
{
	Suite *s = suite_create("conf");

	return s;
}
