/* check_route.c — unit tests of cgi/lib/route (to be written). */
#include "config.h"

#include "suites.h"

Suite *route_suite(void)
{
	Suite *s = suite_create("route");

	return s;
}
