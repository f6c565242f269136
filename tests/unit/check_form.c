/* check_form.c — unit tests of cgi/lib/form (to be written). */
#include "config.h"

#include "suites.h"

Suite *form_suite(void)
{
	Suite *s = suite_create("form");

	return s;
}
