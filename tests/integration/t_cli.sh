#!/usr/bin/env bash
# t_cli.sh — what the `inboxpanel` command says when it cannot do what it is asked:
# one line on stderr, in the panel's own words (the file, the line, what to do),
# never a library's ("NotFoundError: File x not found", "unable to open database
# file"); exit status 1 for a failure, 2 for a usage error.  No web stack needed.
. "$(dirname "$0")/lib.sh"

T_DIR=$(mktemp -d /tmp/inboxpanel-test.XXXXXX)
trap t_stop EXIT
stack_write_config "$T_DIR" 1 "$SRC"
printf '%s\n' "$ADMIN_PW" | cli init --admin "$ADMIN" --password-stdin >/dev/null ||
	{ echo "Bail out! inboxpanel init failed"; exit 1; }

# A config like the test's, with Database.path set to $1.
config_with_database() {
	sed "s|^Database.path = .*|Database.path = $1|" "$T_DIR/inboxpanel.hdf" >"$T_DIR/other.hdf"
}

# expect_error STATUS FIRST-LINE ARGS... — runs the command with ARGS (the test's
# config unless ARGS give another) and expects that exit status and that first
# line on stderr, and nothing of a library's wording anywhere.
expect_error() {
	local want_rc=$1 want=$2 rc
	shift 2
	cli "$@" </dev/null >"$T_DIR/out" 2>"$T_DIR/err"
	rc=$?
	[ "$rc" = "$want_rc" ] || fail "inboxpanel $*: exit $rc, want $want_rc"
	[ "$(head -1 "$T_DIR/err")" = "$want" ] ||
		fail "inboxpanel $*: said \"$(head -1 "$T_DIR/err")\", want \"$want\""
	! grep -qE 'Error:|Traceback|\[[0-9]+\]|unable to open database file' "$T_DIR/err" ||
		fail "inboxpanel $*: a library's words: $(cat "$T_DIR/err")"
	[ ! -s "$T_DIR/out" ] || fail "inboxpanel $*: wrote to stdout: $(cat "$T_DIR/out")"
}

test_a_missing_config_is_no_such_file() {
	expect_error 1 "inboxpanel: /nonexistent: no such file" --conf /nonexistent user list
	expect_error 1 "inboxpanel: $T_DIR/nothing.hdf: no such file" --conf "$T_DIR/nothing.hdf" user list
	[ "$(wc -l <"$T_DIR/err")" = 1 ] || fail "more than one line: $(cat "$T_DIR/err")"
}

test_a_folder_is_not_a_config() {
	expect_error 1 "inboxpanel: $T_DIR: a folder, not a configuration file" --conf "$T_DIR" user list
}

test_an_unreadable_config_says_permission_denied() {
	cp "$T_DIR/inboxpanel.hdf" "$T_DIR/locked.hdf"
	chmod 000 "$T_DIR/locked.hdf"
	if [ "$(id -u)" != 0 ]; then # root reads it anyway
		expect_error 1 "inboxpanel: cannot read $T_DIR/locked.hdf: permission denied" \
			--conf "$T_DIR/locked.hdf" user list
	fi
}

test_a_syntax_error_names_the_file_and_line() {
	{
		cat "$T_DIR/inboxpanel.hdf"
		echo "Session.idle_timeout 900"
	} >"$T_DIR/broken.hdf"
	expect_error 1 "inboxpanel: $T_DIR/broken.hdf: line $(wc -l <"$T_DIR/broken.hdf"): syntax error" \
		--conf "$T_DIR/broken.hdf" user list
}

test_a_missing_include_names_the_line_that_includes_it() {
	{
		echo "#include \"$T_DIR/gone.hdf\""
		cat "$T_DIR/inboxpanel.hdf"
	} >"$T_DIR/including.hdf"
	expect_error 1 "inboxpanel: $T_DIR/including.hdf: line 1: #include $T_DIR/gone.hdf: no such file" \
		--conf "$T_DIR/including.hdf" user list
}

test_a_syntax_error_in_an_included_file_names_that_file() {
	printf 'Session {\n  idle_timeout 900\n}\n' >"$T_DIR/part.hdf"
	{
		cat "$T_DIR/inboxpanel.hdf"
		echo "#include \"$T_DIR/part.hdf\""
	} >"$T_DIR/including.hdf"
	expect_error 1 "inboxpanel: $T_DIR/part.hdf: line 2: syntax error" --conf "$T_DIR/including.hdf" user list
}

test_a_bad_value_names_the_key() {
	cp "$T_DIR/inboxpanel.hdf" "$T_DIR/bad.hdf"
	echo "Session.idle_timeout = soon" >>"$T_DIR/bad.hdf"
	cli --conf "$T_DIR/bad.hdf" user list >/dev/null 2>"$T_DIR/err"
	grep -q '^inboxpanel: Session.idle_timeout: must be a whole number' "$T_DIR/err" ||
		fail "said: $(cat "$T_DIR/err")"
}

test_a_missing_database_says_to_run_init() {
	config_with_database "$T_DIR/none.db"
	expect_error 1 "inboxpanel: Database.path: $T_DIR/none.db: no such file (run \`inboxpanel init\` first)" \
		--conf "$T_DIR/other.hdf" user list
}

test_an_unwritable_database_says_permission_denied() {
	cp "$T_DIR/inboxpanel.db" "$T_DIR/locked.db"
	chmod 400 "$T_DIR/locked.db"
	config_with_database "$T_DIR/locked.db"
	if [ "$(id -u)" != 0 ]; then # root opens it anyway
		expect_error 1 "inboxpanel: Database.path: cannot open $T_DIR/locked.db: permission denied" \
			--conf "$T_DIR/other.hdf" user list
	fi
}

test_a_database_in_a_missing_folder_cannot_be_created() {
	config_with_database "$T_DIR/no/such/folder/x.db"
	printf 'pw\n' | cli --conf "$T_DIR/other.hdf" init --admin "$ADMIN" --password-stdin >/dev/null 2>"$T_DIR/err"
	[ "$(cat "$T_DIR/err")" = "inboxpanel: Database.path: cannot create $T_DIR/no/such/folder/x.db: no folder $T_DIR/no/such/folder" ] ||
		fail "said: $(cat "$T_DIR/err")"
}

test_a_database_that_is_not_one_is_named() {
	config_with_database "$T_DIR/keys"
	expect_error 1 "inboxpanel: Database.path: $T_DIR/keys: a folder, not a database file" \
		--conf "$T_DIR/other.hdf" user list
	head -c 4096 /dev/zero | tr '\0' x >"$T_DIR/junk.db"
	config_with_database "$T_DIR/junk.db"
	expect_error 1 "inboxpanel: Database.path: $T_DIR/junk.db: file is not a database" \
		--conf "$T_DIR/other.hdf" user list
}

test_usage_errors_say_what_is_wrong_and_exit_2() {
	expect_error 2 "inboxpanel: no command"
	expect_error 2 "inboxpanel: unknown command" frobnicate
	expect_error 2 "inboxpanel: unknown option before the command" --frobnicate user list
	expect_error 2 "inboxpanel: user: add, list, set-role, disable, enable, invite or reset-link" user
	expect_error 2 "inboxpanel: user: add, list, set-role, disable, enable, invite or reset-link" user frobnicate x@example.com
	expect_error 2 "inboxpanel: user: give one EMAIL" user add
	expect_error 2 "inboxpanel: user add: --role is required" user add x@example.com
	expect_error 2 "inboxpanel: --role: super_admin or user" user add x@example.com --role emperor
	expect_error 2 "inboxpanel: EMAIL: not an email address" user add not-an-email --role user
	expect_error 2 "inboxpanel: user list: no arguments" user list extra
	expect_error 2 "inboxpanel: user set-role: --role is required" user set-role "$ADMIN"
	expect_error 2 "inboxpanel: audit: export --format csv|json" audit
	expect_error 2 "inboxpanel: audit export: --format csv or json" audit export --format yaml
	expect_error 2 "inboxpanel: rekey: unexpected argument" rekey now
	expect_error 2 "inboxpanel: demo-seed: [--sandbox URL]" demo-seed please
	# The usage follows the one line.
	cli user add x@example.com </dev/null 2>&1 >/dev/null | grep -q '^usage: inboxpanel' || fail "no usage"
}

test_failures_name_the_user() {
	expect_error 1 "inboxpanel: ghost@example.com: no such user" user disable ghost@example.com
	expect_error 1 "inboxpanel: ghost@example.com: no such user" user set-role ghost@example.com --role user
	printf 'pw\n' | cli user add "$ADMIN" --role user --password-stdin >/dev/null 2>"$T_DIR/err"
	[ "$(cat "$T_DIR/err")" = "inboxpanel: $ADMIN: a user with this email exists" ] || fail "said: $(cat "$T_DIR/err")"
}

t_run
