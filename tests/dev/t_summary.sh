#!/usr/bin/env bash
# t_summary.sh — ./dev test's summary (count_results) read against made-up logs: a
# script that bails out, dies half-way, exits non-zero or crashes the unit-test
# runner must count as a failure and be named, never leave "0 failed".
. "$(dirname "$0")/../integration/lib.sh"

LOGS=
trap 'rm -rf "$LOGS"' EXIT
LOGS=$(mktemp -d /tmp/inboxpanel-summary.XXXXXX)

# log PATH EXIT-STATUS — writes stdin as the log at PATH under a fresh build folder,
# with the test driver's last line.
log() {
	mkdir -p "$(dirname "$LOGS/build/$1")"
	{
		cat
		echo "$([ "$2" = 0 ] && echo PASS || echo FAIL) ${1%.log} (exit status: $2)"
	} >"$LOGS/build/$1"
}

# Runs count_results on the folder; its output goes to $LOGS/out.
count() {
	(. "$SRC/dev" && count_results "$LOGS/build") >"$LOGS/out" ||
		fail "count_results failed: $(cat "$LOGS/out")"
	rm -rf "$LOGS/build"
}

expect_counts() {
	local got
	got=$(head -1 "$LOGS/out")
	[ "$got" = "$1" ] || fail "counts: want \"$1\", got \"$got\""
}

expect_line() {
	grep -qxF -- "$1" "$LOGS/out" || fail "no line \"$1\" in: $(tr '\n' '|' <"$LOGS/out")"
}

expect_lines() {
	local got
	got=$(wc -l <"$LOGS/out")
	[ "$got" = $(($1 + 1)) ] || fail "want $1 lines after the counts, got: $(tr '\n' '|' <"$LOGS/out")"
}

test_passing_scripts_and_check_totals_add_up() {
	log tests/integration/t_a.sh.log 0 <<'LOG'
1..2
ok 1 - one
ok 2 - two
# t_a.sh: 2 passed, 0 failed
LOG
	log tests/unit/check_core.log 0 <<'LOG'
Running suite(s): util
100%: Checks: 40, Failures: 0, Errors: 0
LOG
	count
	expect_counts "42 0"
	expect_lines 0
}

test_not_ok_lines_are_counted_and_named() {
	log tests/integration/t_a.sh.log 1 <<'LOG'
1..3
ok 1 - one
not ok 2 - two_fails
#   FAIL: expected status 303, got 403
ok 3 - three
# kept /tmp/inboxpanel-test.AbCdEf for a look
LOG
	count
	expect_counts "2 1"
	expect_line "failed: t_a.sh: not ok 2 - two_fails"
	expect_line "kept: /tmp/inboxpanel-test.AbCdEf"
	expect_lines 2
}

test_a_bail_out_is_a_failure() {
	log tests/integration/t_email.sh.log 1 <<'LOG'
Bail out! demo-seed failed
LOG
	count
	expect_counts "0 1"
	expect_line "failed: t_email.sh: bailed out: demo-seed failed"
	expect_lines 1
}

test_a_plan_left_short_is_a_failure() {
	log tests/integration/t_a.sh.log 0 <<'LOG'
1..4
ok 1 - one
ok 2 - two
LOG
	count
	expect_counts "2 1"
	expect_line "failed: t_a.sh: planned 4 tests, ran 2"
}

test_a_non_zero_exit_with_every_test_passed_is_a_failure() {
	log tests/integration/t_a.sh.log 2 <<'LOG'
1..1
ok 1 - one
not ok - sanitizer report in the programs' logs:
LOG
	log tests/integration/t_b.sh.log 3 <<'LOG'
1..1
ok 1 - one
LOG
	count
	expect_counts "2 2"
	expect_line "failed: t_a.sh: not ok - sanitizer report in the programs' logs:"
	expect_line "failed: t_b.sh: exited with status 3"
	expect_lines 2
}

# Its failing tests explain a script's status: it is not counted a second time.
test_a_failing_script_counts_its_failures_once() {
	log tests/integration/t_a.sh.log 1 <<'LOG'
1..2
not ok 1 - one
not ok 2 - two
LOG
	count
	expect_counts "0 2"
	expect_lines 2
}

test_a_script_that_runs_nothing_is_a_failure() {
	log tests/integration/t_a.sh.log 0 </dev/null
	count
	expect_counts "0 1"
	expect_line "failed: t_a.sh: ran no tests"
}

test_a_skipped_script_is_not_a_failure() {
	log tests/integration/t_a.sh.log 77 <<'LOG'
1..0 # SKIP no chromium
LOG
	count
	expect_counts "0 0"
}

test_check_failures_are_named() {
	log tests/unit/check_core.log 1 <<'LOG'
Running suite(s): pw
 97%: Checks: 40, Failures: 1, Errors: 1
tests/unit/check_pw.c:55:F:hashes:a_wrong_password_does_not:0: Assertion 'verify("", stored) == 0' failed
tests/unit/check_pw.c:99:E:hashes:dummy_verify_costs_a_real_one:0: (after this point) Test timeout expired
LOG
	count
	expect_counts "38 2"
	expect_line "failed: check_core: tests/unit/check_pw.c:55:F:hashes:a_wrong_password_does_not:0: Assertion 'verify(\"\", stored) == 0' failed"
	expect_lines 2
}

test_a_unit_runner_that_dies_is_a_failure() {
	log tests/unit/check_core.log 134 <<'LOG'
Running suite(s): util
==12345==ERROR: AddressSanitizer: heap-use-after-free on address 0x602000000010
LOG
	log tests/unit/check_other.log 1 <<'LOG'
100%: Checks: 5, Failures: 0, Errors: 0
LOG
	count
	expect_counts "5 2"
	expect_line "failed: check_core: ended before Check's totals (exit status 134)"
	expect_line "failed: check_other: exited with status 1"
}

test_the_browser_log_counts_too() {
	log browser.log 1 <<'LOG'
ok 1 - sign_in
LOG
	count
	expect_counts "1 1"
	expect_line "failed: browser: exited with status 1"
}

t_run
