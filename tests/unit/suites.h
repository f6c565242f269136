/* suites.h — the Check suites of the unit tests, one per core module. */
#ifndef IP_SUITES_H
#define IP_SUITES_H

#include <check.h>

Suite *util_suite(void);
Suite *req_suite(void);
Suite *form_suite(void);
Suite *route_suite(void);
Suite *conf_suite(void);
Suite *seal_suite(void);
Suite *keyring_suite(void);
Suite *pw_suite(void);
Suite *crypto_suite(void);
Suite *tmpl_suite(void);
Suite *store_suite(void);
Suite *csrf_suite(void);
Suite *oauth_suite(void);
Suite *sess_suite(void);
Suite *login_suite(void);
Suite *audit_suite(void);
Suite *db_suite(void);
Suite *netcheck_suite(void);
Suite *notify_suite(void);
Suite *mail_suite(void);
Suite *offboard_suite(void);
Suite *userlink_suite(void);

#endif
