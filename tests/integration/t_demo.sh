#!/usr/bin/env bash
# t_demo.sh — `./dev demo` as a newcomer uses it: started, stopped, started again on
# another port, where signing in must still work (issue 16), with the operator's
# own edits to the demo config kept.  The demo runs from a folder of the test's
# with the programs of this build, so a developer's var/demo is left alone.
. "$(dirname "$0")/lib.sh"

# The demo's folder is the test's: t_stop stops whatever the demo left running
# and reads the programs' logs for sanitizer reports.
T_DIR=$(mktemp -d /tmp/inboxpanel-test.XXXXXX)
trap t_stop EXIT
CONF="$T_DIR/inboxpanel.hdf"
DEMO_PID=

# A port nothing listens on, below the kernel's ephemeral range (32768 and up), where
# an outgoing connection of another test could take it between the check and the
# bind.
free_port() {
	local port i
	for i in $(seq 1 50); do
		port=$((20000 + RANDOM % 12000))
		stack_port_busy "$port" || stack_port_busy $((port + 1)) || stack_port_busy $((port + 2)) || break
	done
	echo "$port"
}

# demo_start PORT — runs ./dev demo in the background until its banner shows, and
# points the requests at it.
demo_start() {
	local i
	PORT=$1
	BASE="http://127.0.0.1:$PORT"
	# Emptied here, not by the background job's redirection: that one may come
	# after the first look, which would then find the last run's banner.
	: >"$T_DIR/demo.out"
	PORT=$PORT DEMO_DIR="$T_DIR" DEMO_BUILD="$BIN" INBOXPANEL_DEMO_PASSWORD="$ADMIN_PW" \
		bash "$SRC/dev" demo >>"$T_DIR/demo.out" 2>&1 &
	DEMO_PID=$!
	for i in $(seq 1 200); do
		grep -q 'inboxpanel is running at' "$T_DIR/demo.out" && return 0
		kill -0 "$DEMO_PID" 2>/dev/null || break
		sleep 0.1
	done
	fail "the demo did not start on port $PORT: $(cat "$T_DIR/demo.out")"
	demo_stop
	return 1
}

# Stops the demo as Ctrl-C would (SIGTERM does the same); it must exit 0.
demo_stop() {
	local rc
	[ -n "$DEMO_PID" ] || return 0
	kill -TERM "$DEMO_PID" 2>/dev/null
	wait "$DEMO_PID"
	rc=$?
	DEMO_PID=
	[ $rc = 0 ] || fail "the demo exited $rc when stopped: $(tail -3 "$T_DIR/demo.out")"
	[ ! -f "$T_DIR/pids" ] || fail "the demo left processes behind"
}

test_the_demo_signs_in_on_a_second_port() {
	local first second
	first=$(free_port)
	demo_start "$first" || return
	as first
	login "$ADMIN" "$ADMIN_PW"
	demo_stop
	# The operator points the demo elsewhere in a way of their own.
	sed -i 's/^Smtp\.from = .*/Smtp.from = operator@example.org/' "$CONF"
	echo "Session.idle_timeout = 900" >>"$CONF"
	second=$(free_port)
	[ "$second" != "$first" ] || second=$((first + 3))
	demo_start "$second" || return
	grep -qx "Site.base_url = http://127.0.0.1:$second" "$CONF" || fail "base_url not moved: $(grep base_url "$CONF")"
	grep -qx "Smtp.url = smtp://127.0.0.1:$((second + 2))" "$CONF" || fail "Smtp.url not moved"
	grep -qx "Smtp.from = operator@example.org" "$CONF" || fail "the operator's Smtp.from is gone"
	grep -qx "Session.idle_timeout = 900" "$CONF" || fail "the operator's idle timeout is gone"
	as second
	http GET /login
	expect_status 200
	post /login "email=$ADMIN" "password=$ADMIN_PW"
	expect_status 303
	expect_header Location '.*/settings/email'
	http GET /settings/email
	expect_status 200
	# The team pages are full too: demo-seed's conversation inboxes, their
	# channels connected by different people, one of them disconnected.
	http GET /inbox
	expect_text "Support 3 channels"
	expect_text "Sales 2 channels"
	expect_text "billing@acme.example (Gmail)"
	http GET "/admin/connections?kind=team"
	expect_text "sales-team@acme.example Office 365 Team · Sales Connected"
	demo_stop
}

# A Site.base_url the operator pointed at another host cannot follow the port: the
# demo stops at once with one sentence saying what to do, and changes nothing.
test_a_base_url_elsewhere_stops_the_demo_with_what_to_do() {
	local dir="$T_DIR/elsewhere" port rc
	port=$(free_port)
	stack_write_config "$dir" "$port" "$SRC"
	sed -i 's|^Site\.base_url = .*|Site.base_url = https://panel.example.org|' "$dir/inboxpanel.hdf"
	cp "$dir/inboxpanel.hdf" "$T_DIR/before.hdf"
	# (Were it to start after all, the timeout stops it.)
	PORT=$port DEMO_DIR="$dir" DEMO_BUILD="$BIN" timeout 20 bash "$SRC/dev" demo >"$T_DIR/demo.out" 2>&1
	rc=$?
	stack_stop "$dir"
	[ $rc = 1 ] || fail "exit $rc, want 1"
	[ "$(wc -l <"$T_DIR/demo.out")" = 1 ] || fail "not one line: $(cat "$T_DIR/demo.out")"
	grep -qF "Site.base_url = https://panel.example.org" "$T_DIR/demo.out" &&
		grep -qF "set that line to http://127.0.0.1:$port" "$T_DIR/demo.out" ||
		fail "does not say what to do: $(cat "$T_DIR/demo.out")"
	cmp -s "$dir/inboxpanel.hdf" "$T_DIR/before.hdf" || fail "the config was changed"
	[ ! -f "$dir/inboxpanel.db" ] || fail "a database was made all the same"
	! stack_port_busy "$port" || fail "something listens on port $port"
}

t_run
