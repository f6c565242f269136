#!/usr/bin/env bash
# t_ops.sh — Step 10, keeping the data: `inboxpanel backup` copies the database
# while the panel serves and writes, `inboxpanel check` says in words what is
# wrong with the configuration, the keys or the database, and a program refuses
# a database newer than it knows.
. "$(dirname "$0")/lib.sh"

t_start

# A config like the test's, with Database.path set to $1 (relative: beside it).
config_with_database() {
	sed "s|^Database.path = .*|Database.path = $1|" "$T_DIR/inboxpanel.hdf" >"$T_DIR/other.hdf"
	chmod 600 "$T_DIR/other.hdf"
}

# run_check [ARGS...] — `inboxpanel check` on the test's config (or ARGS' --conf):
# stdout in $T_DIR/out, stderr in $T_DIR/err, the exit status in CHECK_RC.
run_check() {
	CHECK_RC=0
	"$BIN/inboxpanel" --conf "${CHECK_CONF:-$T_DIR/inboxpanel.hdf}" check >"$T_DIR/out" 2>"$T_DIR/err" ||
		CHECK_RC=$?
}

expect_check_problem() {
	[ "$CHECK_RC" = 1 ] || fail "check exited $CHECK_RC, want 1 (said: $(cat "$T_DIR/err"))"
	grep -qF -- "$1" "$T_DIR/err" || fail "check does not say \"$1\": $(cat "$T_DIR/err")"
}

test_backup_while_the_panel_takes_sign_ins_holds_every_acknowledged_row() {
	local writer acked after sessions i
	# Some 30 MB, so the copy takes a while.
	set_up_sql "CREATE TABLE t_ops_filler (b BLOB);
		WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000)
		INSERT INTO t_ops_filler SELECT randomblob(10000) FROM n" || fail "no filler"
	: >"$T_DIR/acked"
	# A stream of sign-ins, each a new session row; one line per 303 received.
	(
		for i in $(seq 1 400); do
			code=$(curl -s -o /dev/null -w '%{http_code}' -c "$T_DIR/jar.stream$i" \
				-H "Origin: $BASE" --data-urlencode "email=$ADMIN" \
				--data-urlencode "password=$ADMIN_PW" --data-urlencode "csrf=$(
					curl -s -c "$T_DIR/jar.stream$i" "$BASE/login" |
						grep -o 'name="csrf" value="[^"]*"' | head -1 | sed 's/.*value="//; s/"$//'
				)" -b "$T_DIR/jar.stream$i" "$BASE/login")
			[ "$code" = 303 ] && echo "$i" >>"$T_DIR/acked"
			rm -f "$T_DIR/jar.stream$i"
			[ -e "$T_DIR/stop-stream" ] && break
		done
	) &
	writer=$!
	for i in $(seq 1 100); do
		[ "$(wc -l <"$T_DIR/acked")" -ge 5 ] && break
		sleep 0.1
	done
	acked=$(wc -l <"$T_DIR/acked")
	cli backup "$T_DIR/backup.db" >"$T_DIR/out" 2>"$T_DIR/err" || fail "backup failed: $(cat "$T_DIR/err")"
	after=$(wc -l <"$T_DIR/acked")
	for i in $(seq 1 100); do
		[ "$(wc -l <"$T_DIR/acked")" -ge $((after + 3)) ] && break
		sleep 0.1
	done
	touch "$T_DIR/stop-stream"
	wait "$writer"
	[ "$acked" -ge 5 ] || fail "only $acked sign-ins before the backup"
	[ "$(wc -l <"$T_DIR/acked")" -ge $((after + 3)) ] || fail "sign-ins stopped after the backup"
	grep -qF "to $T_DIR/backup.db" "$T_DIR/out" || fail "backup says: $(cat "$T_DIR/out")"
	[ "$(stat -c %a "$T_DIR/backup.db")" = 600 ] || fail "the copy is mode $(stat -c %a "$T_DIR/backup.db")"
	[ ! -e "$T_DIR/backup.db.partial" ] || fail "a partial copy was left"
	[ ! -e "$T_DIR/backup.db-wal" ] || fail "the copy is not one self-contained file"
	[ "$(sqlite3 "$T_DIR/backup.db" 'PRAGMA integrity_check')" = ok ] || fail "the copy fails the integrity check"
	[ "$(sqlite3 "$T_DIR/backup.db" 'PRAGMA journal_mode')" = delete ] || fail "the copy is still in WAL mode"
	sessions=$(sqlite3 "$T_DIR/backup.db" "SELECT count(*) FROM sessions")
	t_log "sign-ins acknowledged: $acked before the backup, $after by its end, $(wc -l <"$T_DIR/acked") in all; the copy holds $sessions sessions"
	[ "$(sqlite3 "$T_DIR/backup.db" "SELECT count(*) FROM t_ops_filler")" = 3000 ] || fail "the copy lost filler rows"
	[ "$sessions" -ge "$acked" ] || fail "the copy holds $sessions sessions; $acked sign-ins were acknowledged before it began"
	# The copy is a database the panel can run on.
	config_with_database backup.db
	"$BIN/inboxpanel" --conf "$T_DIR/other.hdf" user list | grep -qF "$ADMIN" || fail "the copy does not list the admin"
}

test_backup_replaces_an_older_copy_and_says_what_stops_it() {
	cli backup "$T_DIR/again.db" >/dev/null || fail "first backup failed"
	make_user backup-later@example.com
	cli backup "$T_DIR/again.db" >/dev/null || fail "second backup failed"
	[ "$(sqlite3 "$T_DIR/again.db" "SELECT count(*) FROM users WHERE email = 'backup-later@example.com'")" = 1 ] ||
		fail "the second copy did not replace the first"
	cli backup "$T_DIR/no/such/folder/x.db" >/dev/null 2>"$T_DIR/err" && fail "a backup into no folder succeeded"
	grep -qF "inboxpanel: backup: $T_DIR/no/such/folder/x.db" "$T_DIR/err" || fail "says: $(cat "$T_DIR/err")"
	cli backup >/dev/null 2>&1
	[ $? = 2 ] || fail "backup without FILE is not a usage error"
}

test_check_passes_on_a_healthy_site() {
	run_check
	[ "$CHECK_RC" = 0 ] || fail "check exited $CHECK_RC: $(cat "$T_DIR/err")"
	grep -q "integrity and foreign keys ok" "$T_DIR/out" || fail "says: $(cat "$T_DIR/out")"
	grep -q "is the public half of one of them" "$T_DIR/out" || fail "says: $(cat "$T_DIR/out")"
}

test_check_names_a_broken_index() {
	cli backup "$T_DIR/broken.db" >/dev/null || fail "backup failed"
	# An index whose recorded definition no longer matches what it holds.
	sqlite3 "$T_DIR/broken.db" "CREATE TABLE t_ops_pair (a, b); CREATE INDEX t_ops_pair_a ON t_ops_pair (a);
		INSERT INTO t_ops_pair VALUES (1, 2), (3, 4);
		PRAGMA writable_schema = ON;
		UPDATE sqlite_schema SET sql = 'CREATE INDEX t_ops_pair_a ON t_ops_pair (b)' WHERE name = 't_ops_pair_a';" ||
		fail "could not break the copy"
	config_with_database broken.db
	CHECK_CONF=$T_DIR/other.hdf run_check
	expect_check_problem "inboxpanel: check: database: "
	t_log "check said: $(head -2 "$T_DIR/err" | tr '\n' ' ')"
	grep -q "t_ops_pair_a" "$T_DIR/err" || fail "the broken index is not named: $(cat "$T_DIR/err")"
}

test_check_names_a_row_whose_foreign_key_points_nowhere() {
	cli backup "$T_DIR/orphan.db" >/dev/null || fail "backup failed"
	sqlite3 "$T_DIR/orphan.db" "PRAGMA foreign_keys = OFF; INSERT INTO sessions (token_hash, user_id,
		csrf_token, client_addr, created_at, last_seen_at) VALUES (x'00', 999999, 'x', '', 0, 0)" ||
		fail "could not add the row"
	config_with_database orphan.db
	CHECK_CONF=$T_DIR/other.hdf run_check
	expect_check_problem "no row in users for its foreign key"
}

test_check_names_a_public_key_no_private_key_matches() {
	local keys=$T_DIR/keys
	cp "$keys/seal.pub" "$T_DIR/seal.pub.kept"
	openssl genpkey -algorithm X25519 2>/dev/null | openssl pkey -pubout >"$keys/seal.pub" ||
		fail "openssl could not make a key"
	run_check
	cp "$T_DIR/seal.pub.kept" "$keys/seal.pub"
	expect_check_problem "inboxpanel: check: keys: "
	grep -q "no private key in the keyring" "$T_DIR/err" || fail "says: $(cat "$T_DIR/err")"
}

test_check_names_a_private_key_others_may_read() {
	local key
	key=$(ls "$T_DIR"/keys/seal.key.* | head -1)
	chmod 644 "$key"
	run_check
	chmod 600 "$key"
	expect_check_problem "private key is accessible to group or others"
}

test_check_names_a_missing_config_key() {
	grep -v '^Site.base_url' "$T_DIR/inboxpanel.hdf" >"$T_DIR/nobase.hdf"
	CHECK_CONF=$T_DIR/nobase.hdf run_check
	expect_check_problem "Site.base_url: missing"
}

test_check_names_a_database_newer_than_the_program() {
	local known
	cli backup "$T_DIR/newer.db" >/dev/null || fail "backup failed"
	known=$(sqlite3 "$T_DIR/newer.db" 'PRAGMA user_version')
	sqlite3 "$T_DIR/newer.db" "PRAGMA user_version = $((known + 1))"
	config_with_database newer.db
	CHECK_CONF=$T_DIR/other.hdf run_check
	expect_check_problem "schema version $((known + 1)), newer than this program knows ($known)"
}

# A web program started on a database from a later release refuses to serve,
# naming both versions, and leaves the database as it was.
test_a_program_refuses_a_database_newer_than_it_knows() {
	local known name=${STACK_PROGRAMS[0]} rc=0
	cli backup "$T_DIR/future.db" >/dev/null || fail "backup failed"
	known=$(sqlite3 "$T_DIR/future.db" 'PRAGMA user_version')
	sqlite3 "$T_DIR/future.db" "PRAGMA user_version = $((known + 3))"
	config_with_database future.db
	timeout 10 "$BIN/inboxpanel-$name" --conf "$T_DIR/other.hdf" --socket "$T_DIR/run/future.sock" \
		--workers 1 $(stack_user_option web) 2>"$T_DIR/err" || rc=$?
	[ "$rc" = 1 ] || fail "inboxpanel-$name exited $rc, want 1"
	grep -qF "schema version $((known + 3)), newer than this program knows ($known)" "$T_DIR/err" ||
		fail "inboxpanel-$name says: $(cat "$T_DIR/err")"
	[ "$(sqlite3 "$T_DIR/future.db" 'PRAGMA user_version')" = $((known + 3)) ] || fail "the version changed"
	rc=0
	timeout 10 "$BIN/inboxpanel-worker" --conf "$T_DIR/other.hdf" --once $(stack_user_option worker) 2>"$T_DIR/err" || rc=$?
	[ "$rc" = 1 ] || fail "inboxpanel-worker exited $rc, want 1"
	grep -qF "newer than this program knows ($known)" "$T_DIR/err" || fail "the worker says: $(cat "$T_DIR/err")"
}

# A config like the test's without Service.user (which the stack writes when run
# as root).
config_without_user() {
	grep -v '^Service.user' "$T_DIR/inboxpanel.hdf" >"$T_DIR/nouser.hdf"
	chmod 600 "$T_DIR/nouser.hdf"
}

# expect_refused_as_root WHAT COMMAND... — run as root without a user, it exits 1
# saying why, and leaves no socket behind.
expect_refused_as_root() {
	local what=$1 rc=0
	shift
	timeout 10 "$@" </dev/null >"$T_DIR/out" 2>"$T_DIR/err" || rc=$?
	[ "$rc" = 1 ] || fail "$what exited $rc as root without a user, want 1"
	grep -qF "started as root without a user to run as: give --user USER" "$T_DIR/err" ||
		fail "$what says: $(cat "$T_DIR/err")"
}

test_started_as_root_without_a_user_the_programs_refuse_to_serve() {
	local name
	[ "$(id -u)" = 0 ] || { t_log "skipped: not root"; return; }
	config_without_user
	for name in "${STACK_PROGRAMS[@]}"; do
		expect_refused_as_root "inboxpanel-$name" "$BIN/inboxpanel-$name" --conf "$T_DIR/nouser.hdf" \
			--socket "$T_DIR/run/root-$name.sock" --workers 1
		[ ! -e "$T_DIR/run/root-$name.sock" ] || fail "inboxpanel-$name left a socket"
		# As plain CGI, too.
		GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD=GET PATH_INFO=/login INBOXPANEL_CONF=$T_DIR/nouser.hdf \
			expect_refused_as_root "inboxpanel-$name (CGI)" "$BIN/inboxpanel-$name"
	done
	expect_refused_as_root inboxpanel-worker "$BIN/inboxpanel-worker" --conf "$T_DIR/nouser.hdf" --once
	expect_refused_as_root "inboxpanel worker" "$BIN/inboxpanel" --conf "$T_DIR/nouser.hdf" worker --once
}

test_a_user_that_does_not_exist_is_named() {
	local rc=0
	"$BIN/inboxpanel-worker" --conf "$T_DIR/inboxpanel.hdf" --once --user no-such-user-here \
		</dev/null 2>"$T_DIR/err" || rc=$?
	[ "$rc" = 1 ] || fail "exit $rc"
	grep -qF "inboxpanel-worker: user no-such-user-here: no such user" "$T_DIR/err" ||
		fail "says: $(cat "$T_DIR/err")"
}

# Told a user, a program started as root runs as that user and its groups: its
# processes are that user's, which can then not read root's files.
test_started_as_root_with_a_user_a_program_runs_as_that_user() {
	local rc=0
	[ "$(id -u)" = 0 ] || { t_log "skipped: not root"; return; }
	timeout 10 "$BIN/inboxpanel-worker" --conf "$T_DIR/inboxpanel.hdf" --once --user nobody \
		</dev/null 2>"$T_DIR/err" || rc=$?
	# nobody may not read the test's folder (0700, root's): the worker now fails as
	# nobody would, at the first file it opens.
	[ "$rc" != 0 ] || fail "the worker ran as nobody on root's files"
	grep -qiE "permission denied|cannot" "$T_DIR/err" || fail "says: $(cat "$T_DIR/err")"
}

# Logs: one line per event, key=value; a line written while answering a request
# names it (rid), and no two requests share one.
test_log_lines_are_one_event_each_with_a_request_id() {
	local line name
	as_new_user logged@example.com
	http GET /admin/audit
	expect_status 403
	http GET /admin/audit
	line=$(grep -h "permission.denied by logged@example.com" "$T_DIR"/log/*.log | head -1)
	[ -n "$line" ] || { fail "the refusal was not logged"; return; }
	[[ $line =~ ^ts=[0-9T:Z-]+\ program=inboxpanel-[a-z]+\ pid=[0-9]+\ level=info\ rid=[A-Za-z0-9_-]{12}\ msg=\".*\"$ ]] ||
		fail "not one key=value event with a request id: $line"
	# Every line the web programs wrote has that shape.
	for name in "${STACK_PROGRAMS[@]}"; do
		! grep -v -E '^ts=[^ ]+ program=[^ ]+ pid=[0-9]+ level=[a-z]+( rid=[^ ]+)? msg="([^"\\]|\\.)*"$' \
			"$T_DIR/log/$name.log" | grep -q . ||
			fail "$name.log has other lines: $(grep -v -E '^ts=' "$T_DIR/log/$name.log" | head -2)"
	done
	t_log "e.g. $line"
}

# The check t_stop makes after every script: it finds a secret a test used in a
# program's log.  Tried here on a folder made up for it.
test_the_secrets_check_finds_a_token_in_a_log() {
	local dir=$T_DIR/made-up name
	mkdir -p "$dir/log"
	echo "ya29.a-minted-token-for-the-check" >"$dir/secrets"
	printf 'ts=x program=inboxpanel-settings pid=1 level=info msg="clean"\n' >"$dir/log/settings.log"
	t_logs_hold_no_secret "$dir" >/dev/null || fail "a clean log was found to hold a secret"
	printf 'ts=x program=inboxpanel-worker pid=1 level=error msg="refresh ya29.a-minted-token-for-the-check"\n' \
		>>"$dir/log/worker.log"
	t_logs_hold_no_secret "$dir" >/dev/null && fail "a minted token in a log was not found"
	: >"$dir/log/worker.log"
	printf '127.0.0.1\tFALSE\t/\tFALSE\t0\tsession\tcookie-value-of-some-length\n' >"$dir/jar.x"
	printf 'ts=x msg="cookie-value-of-some-length"\n' >"$dir/log/account.log"
	t_logs_hold_no_secret "$dir" >/dev/null && fail "a session cookie in a log was not found"
	rm -rf "$dir"
}

t_run
