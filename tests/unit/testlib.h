/* testlib.h — what several unit-test files share: one temporary folder per test case. */
#ifndef IP_TESTLIB_H
#define IP_TESTLIB_H

void testlib_make_tmpdir(const char *prefix);
void testlib_remove_tmpdir(void);
const char *testlib_tmpdir(void);
char *testlib_in_tmpdir(const char *name);
char *testlib_write_file(const char *name, const char *text);

#endif
