/* check_main.c — runs every unit-test suite; the exit status is make check's. */
#include "config.h"

#include <stdlib.h>

#include "suites.h"

int main(void)
{
	SRunner *runner = srunner_create(util_suite());
	int failed;

	srunner_add_suite(runner, req_suite());
	srunner_add_suite(runner, form_suite());
	srunner_add_suite(runner, route_suite());
	srunner_add_suite(runner, conf_suite());
	srunner_add_suite(runner, crypto_suite());
	srunner_add_suite(runner, seal_suite());
	srunner_add_suite(runner, keyring_suite());
	srunner_add_suite(runner, pw_suite());
	srunner_add_suite(runner, tmpl_suite());
	srunner_add_suite(runner, store_suite());
	srunner_add_suite(runner, csrf_suite());
	srunner_add_suite(runner, oauth_suite());
	srunner_add_suite(runner, sess_suite());
	srunner_add_suite(runner, login_suite());
	srunner_add_suite(runner, audit_suite());
	srunner_add_suite(runner, db_suite());
	srunner_add_suite(runner, netcheck_suite());
	srunner_add_suite(runner, notify_suite());
	srunner_add_suite(runner, mail_suite());
	srunner_add_suite(runner, offboard_suite());
	srunner_add_suite(runner, userlink_suite());
	srunner_run_all(runner, CK_NORMAL);
	failed = srunner_ntests_failed(runner);
	srunner_free(runner);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
