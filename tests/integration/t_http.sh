#!/usr/bin/env bash
# t_http.sh — Step 1: the FastCGI core behind a real nginx: health, errors, limits,
# headers, escaping, and the same program answering as plain CGI.
. "$(dirname "$0")/lib.sh"
t_start

test_healthz_answers_json_when_the_database_answers() {
	http GET /healthz
	expect_status 200
	expect_header Content-Type 'application/json'
	expect_body '"status":"ok"'
	expect_body '"database":"ok"'
	expect_body '"last_heartbeat":null'
}

# hold_write_lock SECONDS — another process holds the database's write lock for
# SECONDS (longer than the programs' 5-second busy timeout); its pid in HOLDER.
hold_write_lock() {
	{
		echo "BEGIN EXCLUSIVE;"
		echo "INSERT OR REPLACE INTO panel_settings (name, value) VALUES ('lock_holder', 1);"
		echo ".print held"
		sleep "$1"
		echo "ROLLBACK;"
	} | sqlite3 "$T_DIR/inboxpanel.db" >"$T_DIR/holder.out" &
	HOLDER=$!
	for _ in $(seq 1 50); do
		grep -q held "$T_DIR/holder.out" 2>/dev/null && return
		sleep 0.1
	done
	fail "the lock holder did not start"
}

test_a_database_locked_past_the_busy_timeout_answers_503_with_retry_after() {
	local before
	as_new_user locked@example.com
	http GET /settings/email
	before=$(db_state)
	hold_write_lock 14
	post /logout
	expect_status 503
	expect_header Retry-After '[0-9]+'
	[ "$before" = "$(db_state)" ] || fail "the refused POST changed the database"
	http GET /healthz
	expect_status 503
	expect_header Retry-After '[0-9]+'
	expect_body '"status":"unavailable"'
	expect_body '"database":"busy"'
	wait "$HOLDER"
	http GET /healthz
	expect_status 200
	http GET /settings/email
	post /logout
	expect_status 303
}

# A read-only database answers reads but takes no write: /healthz says so.  The
# tests run as root, whom file modes do not stop; the immutable attribute does.
test_healthz_says_503_when_the_database_takes_no_write() {
	local f files=("$T_DIR/inboxpanel.db" "$T_DIR/inboxpanel.db-wal" "$T_DIR/inboxpanel.db-shm")
	http GET /healthz
	expect_status 200
	if ! chattr +i "$T_DIR/inboxpanel.db" 2>/dev/null; then
		t_log "no chattr +i here: the read-only case is left to the unit tests"
		return
	fi
	for f in "${files[@]:1}"; do
		[ -e "$f" ] && chattr +i "$f"
	done
	http GET /healthz
	for f in "${files[@]}"; do
		[ -e "$f" ] && chattr -i "$f"
	done
	expect_status 503
	expect_header Retry-After '[0-9]+'
	expect_body '"status":"unavailable"'
	# SQLite says "read-only" when the file was so when opened; a file that turns
	# so under an open connection fails its writes as an I/O error instead.
	grep -qE '"database":"(read_only|io_error)"' "$T_DIR/body" ||
		fail "healthz does not say the database takes no write: $(cat "$T_DIR/body")"
	http GET /healthz
	expect_status 200
	expect_body '"database":"ok"'
}

test_unknown_page_is_a_404_page() {
	http GET /no/such/page
	expect_status 404
	expect_text "Page not found"
	expect_header Content-Type 'text/html; charset=utf-8'
}

test_wrong_method_is_405_with_allow() {
	http GET /logout
	expect_status 405
	expect_header Allow 'POST'
	http PUT /login
	expect_status 405
	expect_header Allow 'GET, HEAD, POST'
	http DELETE /healthz
	expect_status 405
}

test_head_answers_like_get_without_a_body() {
	http HEAD /healthz
	expect_status 200
	expect_header Content-Type 'application/json'
	# curl -I writes the headers where the body would go: nothing else came.
	cmp -s "$T_DIR/body" "$T_DIR/headers" || fail "HEAD returned a body"
}

test_body_over_the_limit_is_413() {
	local before
	before=$(db_state)
	head -c 20000 /dev/zero | tr '\0' a >"$T_DIR/big"
	http POST /login -H "Content-Type: application/x-www-form-urlencoded" --data-binary "@$T_DIR/big"
	expect_status 413
	expect_text "What you sent is too large"
	# Above nginx's own fence, nginx answers before the program sees anything.
	head -c 2000000 /dev/zero | tr '\0' a >"$T_DIR/huge"
	http POST /login -H "Content-Type: application/x-www-form-urlencoded" --data-binary "@$T_DIR/huge"
	expect_status 413
	[ "$before" = "$(db_state)" ] || fail "a refused body changed the database"
}

test_malformed_requests_are_400() {
	local q
	for q in 'next=%zz' 'next=%' 'next=%4' 'next=a&next=b' 'next=%ff' 'next=%00' 'bad%20key=1'; do
		http GET "/login?$q"
		expect_status 400 "for ?$q"
	done
	expect_text "Nothing was changed."
	http POST /login -H "Content-Type: application/json" --data '{"email":"x"}'
	expect_status 415
}

test_every_page_carries_the_security_headers() {
	local path
	for path in /login /healthz /no/such/page; do
		http GET "$path"
		expect_header Content-Security-Policy "default-src 'none'.*frame-ancestors 'none'.*"
		expect_header X-Content-Type-Options nosniff
		expect_header Referrer-Policy same-origin
		expect_header Cache-Control no-store
	done
	http GET /static/style.css
	expect_status 200
	expect_header Content-Type 'text/css'
	expect_header X-Content-Type-Options nosniff
}

test_a_value_with_markup_is_rendered_escaped() {
	as visitor
	http GET /login
	post /login "email=<script>\"'&x@example.com" "password=wrong"
	expect_status 200
	expect_body 'value="&lt;script&gt;&quot;&#39;&amp;x@example.com"'
	expect_no_body '<script>'
}

test_plain_cgi_gives_the_same_page_as_nginx() {
	local token=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA out rc
	as cgi
	http GET /login -H "Cookie: ip_login=$token"
	expect_status 200
	out="$T_DIR/cgi.out"
	env -i PATH=/usr/bin:/bin REQUEST_METHOD=GET REQUEST_URI=/login QUERY_STRING= \
		HTTP_HOST="127.0.0.1:$PORT" HTTP_COOKIE="ip_login=$token" REMOTE_ADDR=127.0.0.1 \
		GATEWAY_INTERFACE=CGI/1.1 INBOXPANEL_CONF="$T_DIR/inboxpanel.hdf" \
		ASAN_OPTIONS="${ASAN_OPTIONS:-}" "$BIN/inboxpanel-account" </dev/null >"$out" 2>"$T_DIR/cgi.err"
	rc=$?
	[ $rc = 0 ] || fail "the CGI run exited $rc: $(head -3 "$T_DIR/cgi.err")"
	head -1 "$out" | grep -q '^Status: 200 OK' || fail "the CGI run did not start with a Status line"
	sed '1,/^\r$/d' "$out" | cmp -s - "$T_DIR/body" || fail "the CGI body differs from the nginx body"
	# And a POST through CGI reads its body from stdin.
	printf 'csrf=%s&email=nobody%%40example.com&password=x' "$token" >"$T_DIR/cgi.in"
	env -i PATH=/usr/bin:/bin REQUEST_METHOD=POST REQUEST_URI=/login \
		CONTENT_TYPE=application/x-www-form-urlencoded CONTENT_LENGTH="$(stat -c %s "$T_DIR/cgi.in")" \
		HTTP_HOST="127.0.0.1:$PORT" HTTP_COOKIE="ip_login=$token" REMOTE_ADDR=127.0.0.9 \
		INBOXPANEL_CONF="$T_DIR/inboxpanel.hdf" ASAN_OPTIONS="${ASAN_OPTIONS:-}" \
		"$BIN/inboxpanel-account" <"$T_DIR/cgi.in" >"$out" 2>"$T_DIR/cgi.err"
	grep -q 'That email and password do not match' "$out" || fail "the CGI POST was not read"
}

test_an_overlong_or_forged_flash_cookie_is_ignored() {
	local n arg
	for n in 395 396 397 398 399 400 401 1000; do
		arg=$(printf 'A%.0s' $(seq 1 $n))
		http GET /login -H "Cookie: ip_flash=signed_out.$arg"
		expect_status 200 "with a $n-character flash argument"
	done
	http GET /login -H "Cookie: ip_flash=no_such_message"
	expect_status 200
	http GET /login -H "Cookie: ip_flash=signed_out"
	expect_text "You are signed out."
	expect_header Set-Cookie 'ip_flash=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0'
}

test_a_tab_inside_a_header_is_allowed() {
	http GET /login -H $'User-Agent: Mozilla/5.0\t(X11)' -H $'Accept-Language: fr,\ten;q=0.5'
	expect_status 200
	http GET /login -H $'User-Agent: bad\x01agent'
	expect_status 400
}

test_a_crashing_worker_is_replaced_and_the_program_stays_up() {
	local i pid supervisor
	supervisor=$(awk '$2 == "account" { print $1 }' "$T_DIR/pids")
	# Kill workers of the account program faster than they could ever be judged
	# "failing at start": the supervisor must go on replacing them.
	for i in 1 2 3 4 5 6 7; do
		pid=$(pgrep -P "$supervisor" | head -1)
		[ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null
		sleep 0.3
	done
	kill -0 "$supervisor" 2>/dev/null || fail "the supervisor is gone"
	for i in $(seq 1 40); do
		http GET /healthz
		[ "$STATUS" = 200 ] && break
		sleep 0.5
	done
	expect_status 200
	grep -q 'ended (signal 9); another starts in' "$T_DIR/log/account.log" || fail "no restart logged"
	! grep -q 'giving up\|stopping' "$T_DIR/log/account.log" || fail "the supervisor gave up"
}

test_programs_do_not_create_a_missing_database() {
	local rc
	sed "s|^Database.path = .*|Database.path = $T_DIR/nowhere.db|" "$T_DIR/inboxpanel.hdf" >"$T_DIR/nodb.hdf"
	"$BIN/inboxpanel-account" --conf "$T_DIR/nodb.hdf" --socket "$T_DIR/run/nodb.sock" 2>"$T_DIR/err"
	rc=$?
	[ $rc = 1 ] || fail "started without its database (exit $rc)"
	grep -q 'inboxpanel init' "$T_DIR/err" || fail "the error does not point to init: $(cat "$T_DIR/err")"
	[ ! -e "$T_DIR/nowhere.db" ] || fail "an empty database was created"
	[ ! -e "$T_DIR/run/nodb.sock" ] || fail "a socket was left"
}

test_programs_refuse_to_listen_on_every_interface() {
	local addr
	for addr in ':9000' '0.0.0.0:9000' '*:9000'; do
		"$BIN/inboxpanel-account" --conf "$T_DIR/inboxpanel.hdf" --socket "$addr" 2>"$T_DIR/err"
		[ $? = 1 ] || fail "--socket $addr was accepted"
		grep -q 'never all interfaces' "$T_DIR/err" || fail "no reason given for $addr"
	done
}

test_a_missing_config_key_stops_start_up_with_its_name() {
	grep -v '^Site.base_url' "$T_DIR/inboxpanel.hdf" >"$T_DIR/broken.hdf"
	"$BIN/inboxpanel-account" --conf "$T_DIR/broken.hdf" --socket "$T_DIR/run/x.sock" 2>"$T_DIR/err"
	[ $? = 1 ] || fail "started without Site.base_url"
	grep -q 'Site.base_url: missing' "$T_DIR/err" || fail "the error does not name the key: $(cat "$T_DIR/err")"
	{ cat "$T_DIR/inboxpanel.hdf"; printf 'Session.idle_timeout = soon\n'; } >"$T_DIR/broken.hdf"
	"$BIN/inboxpanel-account" --conf "$T_DIR/broken.hdf" 2>"$T_DIR/err" </dev/null >/dev/null
	grep -q 'Session.idle_timeout' "$T_DIR/err" || fail "a bad value is not named: $(cat "$T_DIR/err")"
}

test_sigterm_stops_a_program_cleanly() {
	local pid i
	"$BIN/inboxpanel-account" --conf "$T_DIR/inboxpanel.hdf" --socket "$T_DIR/run/term.sock" \
		--workers 2 2>>"$T_DIR/log/term.log" &
	pid=$!
	for i in $(seq 1 50); do [ -S "$T_DIR/run/term.sock" ] && break; sleep 0.1; done
	[ -S "$T_DIR/run/term.sock" ] || fail "no socket"
	[ "$(stat -c %a "$T_DIR/run/term.sock")" = 660 ] || fail "the socket is not mode 0660"
	sleep 0.3
	kill -TERM $pid
	wait $pid
	[ $? = 0 ] || fail "exit status after SIGTERM was not 0"
	[ ! -e "$T_DIR/run/term.sock" ] || fail "the socket was left behind"
	[ -z "$(pgrep -f "$T_DIR/run/term.sock")" ] || fail "a worker outlived its parent"
}

t_run
