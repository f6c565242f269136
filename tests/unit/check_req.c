/* check_req.c — unit tests of cgi/lib/req (to be written). */
#include "config.h"

#include "suites.h"

Suite *req_suite(void)
{
	Suite *s = suite_create("req");

	return s;
}
