/* check_crypto.c — unit tests of cgi/lib/crypto (to be written). */
#include "config.h"

#include "suites.h"

Suite *crypto_suite(void)
{
	Suite *s = suite_create("crypto");

	return s;
}
