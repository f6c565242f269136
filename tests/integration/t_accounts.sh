#!/usr/bin/env bash
# t_accounts.sh — Step 2: sign-in, sessions, CSRF, roles, throttling, the audit log
# and the command-line tool, through nginx with curl and cookie jars.  Each test
# makes the users it needs; the super admin of `init` is only ever signed in.
. "$(dirname "$0")/lib.sh"
t_start

# add_user_with_cli EMAIL [OPTIONS...] — a user added the operator's way: a real
# scrypt hash of $USER_PW, and a user.add row in the audit log.
add_user_with_cli() {
	local email=$1
	shift
	printf '%s\n' "$USER_PW" | cli user add "$email" --role user "$@" --password-stdin >/dev/null ||
		set_up_failed "cli user add $email failed"
}

# A config that differs from the running one in a few keys, for a plain-CGI run
# of the account program against the same database.
variant_conf() {
	{ cat "$T_DIR/inboxpanel.hdf"; printf '%s\n' "$@"; } >"$T_DIR/variant.hdf"
}

# cgi_request METHOD PATH COOKIE [BODY] — one plain-CGI request with variant.hdf.
cgi_request() {
	local method=$1 path=$2 cookie=$3 body=${4:-} query=
	[[ $path == *\?* ]] && query=${path#*\?}
	printf '%s' "$body" >"$T_DIR/cgi.in"
	env -i PATH=/usr/bin:/bin REQUEST_METHOD="$method" REQUEST_URI="$path" \
		QUERY_STRING="$query" HTTP_HOST="127.0.0.1:$PORT" HTTP_COOKIE="$cookie" \
		REMOTE_ADDR="${CGI_ADDR:-127.0.0.1}" CONTENT_TYPE=application/x-www-form-urlencoded \
		CONTENT_LENGTH=${#body} INBOXPANEL_CONF="$T_DIR/variant.hdf" ASAN_OPTIONS="${ASAN_OPTIONS:-}" \
		"$BIN/inboxpanel-account" <"$T_DIR/cgi.in" >"$T_DIR/cgi.out" 2>>"$T_DIR/log/cgi.log"
}

test_sign_in_succeeds_and_lands_on_the_inboxes() {
	add_user_with_cli sid@example.com
	as sid
	login sid@example.com "$USER_PW"
	expect_header Location '/settings/email'
	[ -n "$(cookie_value ip_session)" ] || fail "no session cookie"
	[ "$(sql "SELECT count(*) FROM audit_log WHERE action='login.success' AND actor='sid@example.com'")" = 1 ] ||
		fail "no login.success audit row"
}

test_failed_sign_in_says_the_same_for_unknown_user_and_wrong_password() {
	local a b
	make_user fiona@example.com
	as stranger
	http GET /login
	post /login "email=nobody@example.com" "password=whatever"
	expect_status 200
	expect_text "That email and password do not match an account."
	a=$(page_text | sed 's/value="[^"]*"//g')
	post /login "email=fiona@example.com" "password=whatever"
	expect_status 200
	b=$(page_text | sed 's/value="[^"]*"//g')
	[ "${a//nobody@example.com/X}" = "${b//fiona@example.com/X}" ] || fail "the two failures read differently"
	[ -z "$(cookie_value ip_session)" ] || fail "a failed sign-in set a session"
	[ "$(sql "SELECT detail FROM audit_log WHERE action='login.failure' AND actor LIKE 'unknown (#%)' AND client_addr='127.0.0.1' ORDER BY id DESC LIMIT 1")" = "no such user" ] ||
		fail "the unknown user's failure is not audited as such"
	[ "$(sql "SELECT target || ' ' || detail FROM audit_log WHERE action='login.failure' AND actor='fiona@example.com'")" = "user:$(user_id fiona@example.com) wrong password" ] ||
		fail "fiona's failure is not audited as such"
	! sql "SELECT detail FROM audit_log" | grep -q whatever || fail "a password reached the audit log"
}

test_session_cookie_is_httponly_samesite_lax() {
	make_user cookies@example.com
	as cookies
	http GET /login
	post /login "email=cookies@example.com" "password=$USER_PW"
	expect_header Set-Cookie 'ip_session=[A-Za-z0-9_-]{43}; Path=/; HttpOnly; SameSite=Lax; Max-Age=[0-9]+'
}

test_https_base_url_gives_secure_host_prefixed_cookies() {
	local token=BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB
	make_user secure@example.com
	variant_conf "Site.base_url = https://127.0.0.1:$PORT"
	cgi_request GET /login ""
	grep -q "^Set-Cookie: __Host-ip_login=[^;]*; Path=/; HttpOnly; SameSite=Strict; Max-Age=3600; Secure" "$T_DIR/cgi.out" ||
		fail "the sign-in cookie is not __Host- and Secure"
	cgi_request POST /login "__Host-ip_login=$token" "csrf=$token&email=secure%40example.com&password=a+long+user+password"
	grep -q '^Status: 303' "$T_DIR/cgi.out" || fail "https sign-in did not succeed: $(head -1 "$T_DIR/cgi.out")"
	grep -q "^Set-Cookie: __Host-ip_session=[A-Za-z0-9_-]\{43\}; Path=/; HttpOnly; SameSite=Lax; Max-Age=[0-9]*; Secure" "$T_DIR/cgi.out" ||
		fail "the session cookie is not __Host- and Secure"
}

test_sign_in_gives_a_new_session_id_each_time() {
	local first token=DDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDD
	make_user fixed@example.com
	make_user fixer@example.com
	as fixation
	login fixed@example.com "$USER_PW"
	first=$(cookie_value ip_session)
	# The same browser signs in again, carrying its session along.
	as nobody
	http POST /login -H "Cookie: ip_session=$first; ip_login=$token" -H "Origin: $BASE" \
		--data-urlencode "csrf=$token" --data-urlencode "email=fixer@example.com" \
		--data-urlencode "password=$USER_PW"
	expect_status 303
	expect_header Set-Cookie 'ip_session=[A-Za-z0-9_-]{43};.*'
	grep -qF "ip_session=$first" "$T_DIR/headers" && fail "the session id did not change at sign-in"
	http GET /admin/audit -H "Cookie: ip_session=$first"
	expect_status 303
	expect_header Location '/login\?next=%2Fadmin%2Faudit'
}

test_only_a_hash_of_the_session_id_is_stored() {
	local value
	as_new_user hashed@example.com
	value=$(cookie_value ip_session)
	! sqlite3 "$T_DIR/inboxpanel.db" .dump | grep -qF "$value" || fail "the session id is in the database"
}

test_expired_session_goes_to_sign_in_and_comes_back() {
	as returning
	http GET /admin/audit
	expect_status 303
	expect_header Location '/login\?next=%2Fadmin%2Faudit'
	http GET "/login?next=%2Fadmin%2Faudit"
	expect_status 200
	post /login "email=$ADMIN" "password=$ADMIN_PW" "next=/admin/audit"
	expect_status 303
	expect_header Location '/admin/audit'
	http GET /admin/audit
	expect_status 200
	expect_text "Audit log"
}

test_next_never_leads_to_another_site() {
	local next
	as redirect
	for next in '//evil.example' '/\evil.example' 'https://evil.example/' 'javascript:alert(1)'; do
		http GET "/login?next=$(printf %s "$next" | sed 's/\//%2F/g; s/:/%3A/g; s/\\/%5C/g')"
		expect_status 400 "for next=$next"
	done
}

test_idle_timeout_ends_a_session() {
	local value
	as_new_user idle@example.com
	value=$(cookie_value ip_session)
	variant_conf "Session.idle_timeout = 1"
	sleep 2.2
	cgi_request GET /admin/audit "ip_session=$value"
	grep -q '^Location: /login?next=' "$T_DIR/cgi.out" || fail "an idle session was still accepted"
	http GET /
	expect_status 303
	expect_header Location '/login\?next=%2F'
}

test_absolute_timeout_ends_a_busy_session() {
	local value
	as_new_user busy@example.com
	value=$(cookie_value ip_session)
	# Used again after 2 s, then after 3.2 s more, the session is never idle for
	# 4 s; it still ends 4 s after sign-in.  (Times are whole seconds: the margins
	# keep this true whatever the fractions.)  The plain-CGI runs below are never
	# under valgrind, but the sign-in above may be, and take longer than the
	# window: the session starts now, as if the sign-in had just ended.
	sql "UPDATE sessions SET created_at = unixepoch(), last_seen_at = unixepoch()
		WHERE user_id = (SELECT id FROM users WHERE email = 'busy@example.com')"
	variant_conf "Session.idle_timeout = 4" "Session.absolute_timeout = 4"
	cgi_request GET / "ip_session=$value"
	grep -q '^Location: /settings/email' "$T_DIR/cgi.out" || fail "a fresh session was refused"
	sleep 2
	cgi_request GET / "ip_session=$value"
	grep -q '^Location: /settings/email' "$T_DIR/cgi.out" || fail "a session in use was refused"
	sleep 3.2
	cgi_request GET / "ip_session=$value"
	grep -q '^Location: /login' "$T_DIR/cgi.out" || fail "the session outlived the absolute timeout"
}

test_sign_out_ends_the_session_on_the_server() {
	local value
	as_new_user leaving@example.com
	value=$(cookie_value ip_session)
	http GET /no/such/page
	post /logout
	expect_status 303
	expect_header Location '/login'
	http GET /login
	expect_text "You are signed out."
	as nobody
	http GET / -H "Cookie: ip_session=$value"
	expect_status 303
	expect_header Location '/login\?next=%2F'
	[ "$(sql "SELECT count(*) FROM audit_log WHERE action='logout' AND actor='leaving@example.com'")" -ge 1 ] ||
		fail "not audited"
}

test_deactivating_a_user_ends_their_live_session() {
	printf '%s\n' "$USER_PW" | cli user add dave@example.com --role user --password-stdin >/dev/null
	as dave
	login dave@example.com "$USER_PW"
	http GET /no/such/page
	expect_status 404
	expect_text "dave@example.com"
	cli user disable dave@example.com >/dev/null || fail "user disable failed"
	http GET /no/such/page
	expect_no_body "dave@example.com"
	[ "$(sql "SELECT count(*) FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.email='dave@example.com'")" = 0 ] ||
		fail "the sessions were not deleted"
	http GET /login
	post /login "email=dave@example.com" "password=$USER_PW"
	expect_status 200
	expect_text "That email and password do not match an account."
	[ "$(sql "SELECT detail FROM audit_log WHERE action='login.failure' AND actor='dave@example.com'")" = "account deactivated" ] ||
		fail "the refusal is not audited as a deactivated account"
}

test_post_without_a_valid_token_is_403_and_changes_nothing() {
	local before other_token
	as_new_user victim@example.com
	http GET /no/such/page
	as_new_user other@example.com
	http GET /no/such/page
	other_token=$(page_csrf)
	as victim
	before=$(db_state)
	http POST /logout -H "Origin: $BASE"
	expect_status 403
	expect_text "The form is out of date"
	post /logout "csrf=$other_token"
	expect_status 403
	post /logout "csrf=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	expect_status 403
	http GET /no/such/page
	ORIGIN=https://evil.example post /logout
	expect_status 403
	expect_text "The form was sent from another site."
	[ "$before" = "$(db_state)" ] || fail "a refused POST changed the database"
	http GET /no/such/page
	expect_text "victim@example.com"
	# Audited, once a minute per action and user: the other three reach the log.
	[ "$(sql "SELECT count(*) FROM audit_log WHERE action='csrf.failure' AND actor='victim@example.com'")" = 1 ] ||
		fail "CSRF failures not audited, or each of them"
}

test_sign_in_from_another_site_is_refused() {
	make_user crosssite@example.com
	as crosssite
	http GET /login
	ORIGIN=https://evil.example post /login "email=crosssite@example.com" "password=$USER_PW"
	expect_status 403
	http GET /login
	http POST /login -H "Origin: $BASE" --data-urlencode "email=crosssite@example.com" \
		--data-urlencode "password=$USER_PW" --data-urlencode "csrf=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	expect_status 403
	http POST /login -H "Sec-Fetch-Site: cross-site" --data-urlencode "email=crosssite@example.com" \
		--data-urlencode "password=$USER_PW" --data-urlencode "csrf=$(cookie_value ip_login)"
	expect_status 403
	[ -z "$(cookie_value ip_session)" ] || fail "a cross-site sign-in started a session"
}

test_forged_posts_from_nobody_cannot_flood_the_audit_log() {
	local i before
	before=$(sql "SELECT count(*) FROM audit_log WHERE action = 'csrf.failure' AND client_addr = '127.0.0.1' AND actor_user_id IS NULL")
	as nobody
	for i in $(seq 1 15); do
		http POST /login -H "Origin: $BASE" --data "csrf=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA&email=x&password=y"
		expect_status 403
	done
	[ "$(sql "SELECT count(*) FROM audit_log WHERE action = 'csrf.failure' AND client_addr = '127.0.0.1' AND actor_user_id IS NULL")" -le $((before + 1)) ] ||
		fail "each forged POST wrote an audit row"
	[ "$(sql "SELECT count(*) FROM audit_log WHERE action = 'csrf.failure' AND actor_user_id IS NULL")" -ge 1 ] ||
		fail "the refusals are not in the audit log at all"
}

test_repeated_failures_are_throttled_per_account() {
	local i
	make_user erin@example.com
	make_user neighbour@example.com
	as guesser
	http GET /login
	for i in 1 2 3 4 5; do
		post /login "email=erin@example.com" "password=guess $i"
		expect_status 200
	done
	post /login "email=erin@example.com" "password=$USER_PW"
	expect_status 429
	expect_header Retry-After '[0-9]+'
	expect_text "Too many attempts"
	[ -z "$(cookie_value ip_session)" ] || fail "a throttled sign-in succeeded"
	# Counted at this browser's address: the per-address test is held at another.
	[ "$(sql "SELECT count(*) FROM audit_log WHERE action='login.throttled' AND client_addr='127.0.0.1'")" = 1 ] ||
		fail "not audited"
	http GET /login
	post /login "email=erin@example.com" "password=$USER_PW"
	expect_status 429
	[ "$(sql "SELECT count(*) FROM audit_log WHERE action='login.throttled' AND client_addr='127.0.0.1'")" = 1 ] ||
		fail "every throttled attempt wrote an audit row"
	# Another account from the same address is not held by erin's failures.
	http GET /login
	post /login "email=neighbour@example.com" "password=$USER_PW"
	expect_status 303
}

test_repeated_failures_are_throttled_per_address() {
	local i
	make_user held@example.com
	variant_conf "Login.max_failures_per_address = 3"
	for i in 1 2 3; do
		CGI_ADDR=10.9.9.9 cgi_request POST /login "ip_login=$(printf 'C%.0s' {1..43})" \
			"csrf=$(printf 'C%.0s' {1..43})&email=user$i%40example.com&password=x"
		grep -q '^Status: 200' "$T_DIR/cgi.out" || fail "attempt $i was not an ordinary failure"
	done
	CGI_ADDR=10.9.9.9 cgi_request POST /login "ip_login=$(printf 'C%.0s' {1..43})" \
		"csrf=$(printf 'C%.0s' {1..43})&email=held%40example.com&password=a+long+user+password"
	grep -q '^Status: 429' "$T_DIR/cgi.out" || fail "the address was not held: $(head -1 "$T_DIR/cgi.out")"
}

# Many sign-ins at once, each its own process: the limit is checked and the attempt
# recorded in one transaction, so no more passwords are checked than the limit
# allows (5 per account), however many race for the last slot.
test_parallel_wrong_sign_ins_never_check_more_passwords_than_the_limit() {
	local i token n_failed n_held pids=()
	make_user racer@example.com
	variant_conf
	token=$(printf 'C%.0s' {1..43})
	for i in $(seq 1 20); do
		printf 'csrf=%s&email=racer%%40example.com&password=guess+%s' "$token" "$i" >"$T_DIR/race.$i.in"
		env -i PATH=/usr/bin:/bin REQUEST_METHOD=POST REQUEST_URI=/login HTTP_HOST="127.0.0.1:$PORT" \
			HTTP_COOKIE="ip_login=$token" REMOTE_ADDR=10.6.6.6 \
			CONTENT_TYPE=application/x-www-form-urlencoded \
			CONTENT_LENGTH="$(stat -c %s "$T_DIR/race.$i.in")" INBOXPANEL_CONF="$T_DIR/variant.hdf" \
			ASAN_OPTIONS="${ASAN_OPTIONS:-}" \
			"$BIN/inboxpanel-account" <"$T_DIR/race.$i.in" >"$T_DIR/race.$i.out" 2>>"$T_DIR/log/cgi.log" &
		pids+=($!)
	done
	wait "${pids[@]}" # not the stack's own background jobs
	n_failed=$(grep -l '^Status: 200' "$T_DIR"/race.*.out | wc -l)
	n_held=$(grep -l '^Status: 429' "$T_DIR"/race.*.out | wc -l)
	[ "$n_failed" = 5 ] && [ "$n_held" = 15 ] ||
		fail "20 parallel attempts: $n_failed password checks and $n_held held (want 5 and 15)"
	[ "$(sql "SELECT count(*) FROM audit_log WHERE action='login.failure' AND actor='racer@example.com'")" = 5 ] ||
		fail "$(sql "SELECT count(*) FROM audit_log WHERE action='login.failure' AND actor='racer@example.com'") passwords were checked, not 5"
	[ "$(sql "SELECT count(*) FROM login_attempts WHERE email='racer@example.com'")" = 5 ] ||
		fail "the attempts table does not hold the 5 checked attempts"
}

test_audit_log_is_for_super_admins_only() {
	as_new_user plain@example.com
	http GET /admin/audit
	expect_status 403
	expect_text "This page is for administrators only."
	http GET "/admin/audit?format=csv"
	expect_status 403
	# Audited once a minute per action and user (see the test below).
	[ "$(sql "SELECT count(*) FROM audit_log WHERE action='permission.denied' AND actor='plain@example.com'")" = 1 ] ||
		fail "refusals not audited, or each of them"
	as_new_user access@example.com user account_access
	http GET /admin/audit
	expect_status 403
}

test_a_user_reloading_a_refused_page_cannot_flood_the_audit_log() {
	local i uid
	as_new_user reloader@example.com
	uid=$(user_id reloader@example.com)
	for i in $(seq 1 12); do
		http GET /admin/audit
		expect_status 403
	done
	[ "$(sql "SELECT count(*) FROM audit_log WHERE action='permission.denied' AND actor_user_id=$uid")" = 1 ] ||
		fail "each refusal of a signed-in user wrote an audit row"
	grep -q "permission.denied by reloader@example.com .*audited once a minute" "$T_DIR"/log/account.log ||
		fail "the refusals left out of the audit log are not in the program's log"
	# A minute on, the next one is audited again.
	sql "UPDATE audit_log SET at = at - 61 WHERE actor_user_id=$uid" >/dev/null
	http GET /admin/audit
	[ "$(sql "SELECT count(*) FROM audit_log WHERE action='permission.denied' AND actor_user_id=$uid")" = 2 ] ||
		fail "the next minute's refusal was not audited"
	# Another user's refusals are their own.
	as_new_user reloader2@example.com
	http GET /admin/audit
	[ "$(sql "SELECT count(*) FROM audit_log WHERE action='permission.denied' AND actor='reloader2@example.com'")" = 1 ] ||
		fail "another user's refusal was not audited"
}

test_audit_log_page_filters_and_pages() {
	add_user_with_cli added@example.com
	as_new_user curious@example.com
	http GET /admin/audit
	expect_status 403
	as admin
	login "$ADMIN" "$ADMIN_PW"
	http GET /admin/audit
	expect_status 200
	expect_text "login.success"
	expect_text "user.add"
	http GET "/admin/audit?action=user.add"
	expect_status 200
	expect_text "user.add"
	expect_no_body "<code>login.success</code>"
	http GET "/admin/audit?actor=curious%40example.com&action=permission.denied"
	expect_text "permission.denied"
	expect_no_body "<code>user.add</code>"
	http GET "/admin/audit?older=1.1"
	expect_status 404
	for cursor in 0 x.1 1.x 1.1x -1.1 1. .1 99999999999999999999.1 "1.2&newer=1.2"; do
		http GET "/admin/audit?older=$cursor"
		expect_status 400
	done
	http GET "/admin/audit?format=xml"
	expect_status 400
}

# audit_pages QUERY START — follows the "older" links from the page at QUERY
# (START: "" or a cursor argument) to the last page, then the "newer" links back
# to the first; each page's rows' details go to pages.older / pages.newer, one
# page per line.
audit_pages() {
	local query=$1 next link
	: >"$T_DIR/pages.older"
	: >"$T_DIR/pages.newer"
	next="/admin/audit?$query"
	while [ -n "$next" ]; do
		http GET "$next"
		[ "$STATUS" = 200 ] || { fail "$next answered $STATUS"; return; }
		page_text | grep -o 'paged row [0-9]*' | tr '\n' ' ' >>"$T_DIR/pages.older"
		echo >>"$T_DIR/pages.older"
		link=$(grep -o 'href="[^"]*older=[^"]*"' "$T_DIR/body" | sed 's/^href="//; s/"$//; s/&amp;/\&/g')
		[ -z "$link" ] && break
		next=$link
	done
	while :; do
		link=$(grep -o 'href="[^"]*newer=[^"]*"' "$T_DIR/body" | sed 's/^href="//; s/"$//; s/&amp;/\&/g')
		[ -z "$link" ] && break
		http GET "$link"
		[ "$STATUS" = 200 ] || { fail "$link answered $STATUS"; return; }
		page_text | grep -o 'paged row [0-9]*' | tr '\n' ' ' >>"$T_DIR/pages.newer"
		echo >>"$T_DIR/pages.newer"
	done
}

# Keyset paging: the links older and back newer cover every matching row once,
# in order, with rows sharing a second, under each filter, and rows written
# meanwhile shift nothing.
test_audit_log_pages_cover_every_row_once() {
	local expected got link
	# 130 rows, three to a second, two actors taking turns; another action between.
	sql "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 130)
		INSERT INTO audit_log (at, actor, client_addr, action, target, detail)
		SELECT 1000000 + i / 3, 'pager' || (i % 2) || '@example.com', '', 'test.page', '', 'paged row ' || i FROM n;
		INSERT INTO audit_log (at, actor, client_addr, action, target, detail)
		SELECT at, actor, '', 'test.other', '', 'other' FROM audit_log WHERE action = 'test.page'" >/dev/null
	as admin
	login "$ADMIN" "$ADMIN_PW"
	audit_pages "action=test.page"
	expected=$(seq 130 -1 1 | sed 's/^/paged row /' | tr '\n' ' ')
	got=$(tr -d '\n' <"$T_DIR/pages.older")
	[ "$got" = "$expected" ] || fail "older pages under action: $(wc -l <"$T_DIR/pages.older") pages, rows $got"
	[ "$(wc -l <"$T_DIR/pages.older")" = 3 ] || fail "not 50 + 50 + 30 rows a page"
	# Back up: the same pages, newest last, the first page being the newest.
	got=$(tac "$T_DIR/pages.newer" | tr -d '\n')
	[ "$got" = "$(head -2 "$T_DIR/pages.older" | tr -d '\n')" ] || fail "newer pages: $got"
	expect_no_body 'newer='
	audit_pages "actor=pager1%40example.com&action=test.page"
	expected=$(seq 130 -1 1 | awk '$1 % 2 == 1 { printf "paged row %s ", $1 }')
	[ "$(tr -d '\n' <"$T_DIR/pages.older")" = "$expected" ] || fail "older pages under actor and action"
	# A page read from its cursor is the same page after new rows are written.
	http GET "/admin/audit?action=test.page"
	link=$(grep -o 'href="[^"]*older=[^"]*"' "$T_DIR/body" | sed 's/^href="//; s/"$//; s/&amp;/\&/g')
	http GET "$link"
	page_text | grep -o 'paged row [0-9]*' >"$T_DIR/before"
	sql "INSERT INTO audit_log (at, actor, client_addr, action, target, detail)
		VALUES (strftime('%s'), 'system', '', 'test.page', '', 'paged row 131')" >/dev/null
	http GET "$link"
	page_text | grep -o 'paged row [0-9]*' | cmp -s - "$T_DIR/before" || fail "a new row shifted an older page"
	# The action menu lists each action once, those just written included.
	[ "$(grep -c '<option value="test.page"' "$T_DIR/body")" = 1 ] || fail "test.page not once in the menu"
	[ "$(grep -c '<option value="test.other"' "$T_DIR/body")" = 1 ] || fail "test.other not once in the menu"
}

test_audit_csv_export_holds_the_rows() {
	add_user_with_cli exported@example.com
	as admin
	login "$ADMIN" "$ADMIN_PW"
	http GET "/admin/audit?format=csv"
	expect_status 200
	expect_header Content-Type 'text/csv; charset=utf-8'
	expect_header Content-Disposition 'attachment; filename="audit-[0-9-]+\.csv"'
	head -1 "$T_DIR/body" | grep -q '^id,time_utc,actor,client_address,action,target,detail' ||
		fail "no CSV header line"
	grep -q "\"cli\",\"\",\"user.add\",\"user:$(user_id exported@example.com)\",\"role user\"" "$T_DIR/body" ||
		fail "the user.add row is missing"
	[ "$(($(wc -l <"$T_DIR/body") - 1))" -ge "$(sql "SELECT count(*) - 1 FROM audit_log")" ] ||
		fail "rows are missing from the export"
	http GET "/admin/audit?format=json"
	expect_header Content-Type 'application/json'
	grep -q '"action": "audit.export"' "$T_DIR/body" || fail "the export itself is not in the log"
}

test_csv_export_defuses_formulas() {
	# A typed sign-in name no longer reaches the log; the detail of a row still
	# could, so one is planted there.
	sql "INSERT INTO audit_log (at, actor, client_addr, action, target, detail) VALUES
		(strftime('%s'), 'system', '', 'test.formula', '', 'x;=HYPERLINK(\"http://evil\")')" >/dev/null
	cli audit export --format csv >"$T_DIR/export.csv" || fail "CLI export failed"
	grep -q "\"'x;=HYPERLINK(\"\"http://evil\"\")\"" "$T_DIR/export.csv" || fail "a formula cell was not defused"
	as admin
	login "$ADMIN" "$ADMIN_PW"
	http GET "/admin/audit?format=csv"
	grep -q "\"'x;=HYPERLINK(\"\"http://evil\"\")\"" "$T_DIR/body" || fail "a formula cell was not defused on the page's export"
}

# login_as_cgi ADDR EMAIL PASSWORD — one sign-in through the account program run
# as plain CGI from client address ADDR (with variant.hdf); its answer in cgi.out.
login_as_cgi() {
	local token
	token=$(printf 'C%.0s' {1..43})
	CGI_ADDR=$1 cgi_request POST /login "ip_login=$token" \
		"csrf=$token&email=$(form_escape "$2")&password=$(form_escape "$3")"
}

# form_escape TEXT — TEXT percent-encoded for a form body (ASCII text).
form_escape() {
	local s=$1 c i
	for ((i = 0; i < ${#s}; i++)); do
		c=${s:i:1}
		case $c in
		[a-zA-Z0-9.~_-]) printf '%s' "$c" ;;
		*) printf '%%%02X' "'$c" ;;
		esac
	done
}

# A password typed into the email field must not show on the audit page, in the
# exports, or in the attempts table; the name is kept as a keyed hash instead.
test_an_unknown_sign_in_name_is_never_stored_as_typed() {
	local secret='Tr0ub4dor&3-secret' actor
	variant_conf
	login_as_cgi 10.7.7.1 "$secret" "x"
	grep -q '^Status: 200' "$T_DIR/cgi.out" || fail "the failure was not an ordinary one: $(head -1 "$T_DIR/cgi.out")"
	actor=$(sql "SELECT actor FROM audit_log WHERE action='login.failure' AND client_addr='10.7.7.1'")
	[[ $actor =~ ^unknown\ \(#[0-9a-f]{12}\)$ ]] || fail "the actor is \"$actor\", not unknown (#hash)"
	[ "$(sql "SELECT count(*) FROM login_attempts WHERE email = '$actor' AND client_addr='10.7.7.1'")" = 1 ] ||
		fail "the attempt is not counted under the keyed hash"
	sql ".dump audit_log" | grep -qi 'troub4dor\|Tr0ub4dor' && fail "the typed name reached audit_log"
	sql ".dump login_attempts" | grep -qi 'Tr0ub4dor' && fail "the typed name reached login_attempts"
	cli audit export --format csv | grep -q 'Tr0ub4dor' && fail "the typed name reached the CSV export"
	cli audit export --format json | grep -q 'Tr0ub4dor' && fail "the typed name reached the JSON export"
	as admin
	login "$ADMIN" "$ADMIN_PW"
	http GET /admin/audit
	expect_text "unknown (#"
	grep -q 'Tr0ub4dor' "$T_DIR/body" && fail "the typed name reached the audit page"
	# Known users are still named by their address.
	make_user known@example.com
	login_as_cgi 10.7.7.1 known@example.com "wrong"
	[ "$(sql "SELECT count(*) FROM audit_log WHERE action='login.failure' AND actor='known@example.com'")" = 1 ] ||
		fail "a known user's failure is not under their address"
	return 0
}

# The keyed hash still holds one unknown name to its limit, whatever its case.
test_an_unknown_name_is_still_throttled_per_name() {
	local i
	variant_conf
	for i in 1 2 3 4 5; do
		login_as_cgi "10.7.8.$i" "Ghost@Example.com" "guess $i"
		grep -q '^Status: 200' "$T_DIR/cgi.out" || fail "attempt $i was not an ordinary failure"
	done
	login_as_cgi 10.7.8.9 "ghost@example.COM" "guess 6"
	grep -q '^Status: 429' "$T_DIR/cgi.out" || fail "the unknown name was not held: $(head -1 "$T_DIR/cgi.out")"
	login_as_cgi 10.7.8.9 "other-ghost@example.com" "guess"
	grep -q '^Status: 200' "$T_DIR/cgi.out" || fail "another unknown name was held with it"
}

test_cli_exit_codes_and_messages() {
	local rc
	make_user ops@example.com
	cli >/dev/null 2>&1; rc=$?
	[ $rc = 2 ] || fail "no command: exit $rc, want 2"
	cli frobnicate >/dev/null 2>&1; rc=$?
	[ $rc = 2 ] || fail "unknown command: exit $rc, want 2"
	cli user add x@example.com --role emperor >/dev/null 2>&1; rc=$?
	[ $rc = 2 ] || fail "bad role: exit $rc, want 2"
	cli user add not-an-email --role user </dev/null >/dev/null 2>&1; rc=$?
	[ $rc = 2 ] || fail "bad email: exit $rc, want 2"
	printf 'pw\n' | cli user add ops@example.com --role user --password-stdin >/dev/null 2>"$T_DIR/err"; rc=$?
	[ $rc = 1 ] || fail "duplicate user: exit $rc, want 1"
	[ "$(wc -l <"$T_DIR/err")" = 1 ] && grep -q 'exists' "$T_DIR/err" || fail "duplicate: not one clear line: $(cat "$T_DIR/err")"
	cli user disable ghost@example.com >/dev/null 2>"$T_DIR/err"; rc=$?
	[ $rc = 1 ] || fail "unknown user: exit $rc, want 1"
	cli user set-role ops@example.com --role super_admin >/dev/null; rc=$?
	[ $rc = 0 ] || fail "set-role: exit $rc"
	cli user list >"$T_DIR/list"
	grep -q $'^ops@example.com\tsuper_admin' "$T_DIR/list" || fail "user list does not show the new role"
	cli audit export --format yaml >/dev/null 2>&1; rc=$?
	[ $rc = 2 ] || fail "bad format: exit $rc, want 2"
	cli --conf /nonexistent/inboxpanel.hdf user list >/dev/null 2>&1; rc=$?
	[ $rc = 1 ] || fail "missing config: exit $rc, want 1"
	cli user add frank@example.com --role user </dev/null >"$T_DIR/out"; rc=$?
	[ $rc = 0 ] && grep -q '^Password for frank@example.com: .\{20\}' "$T_DIR/out" ||
		fail "no generated password printed"
}

# init_stderr FILE — init with the config FILE; what it said on stderr in init.err.
init_stderr() {
	"$BIN/inboxpanel" --conf "$1" init >/dev/null 2>"$T_DIR/init.err" ||
		fail "init with $1 ($(stat -c '%a %g' "$1")) failed: $(cat "$T_DIR/init.err")"
}

# Once the config holds a secret, only the panel's users may read it: its owner,
# and the panel's group (that of the database's folder), never everyone.
test_init_warns_when_the_config_with_secrets_is_readable_by_others() {
	local other_gid=65534 panel_gid
	panel_gid=$(stat -c %g "$T_DIR")
	[ "$panel_gid" != "$other_gid" ] || other_gid=65533
	grep -v '^Smtp\.password' "$T_DIR/inboxpanel.hdf" >"$T_DIR/secret.hdf"
	echo "Smtp.password = not-for-everyone" >>"$T_DIR/secret.hdf"
	chmod 644 "$T_DIR/secret.hdf"
	init_stderr "$T_DIR/secret.hdf"
	grep -q "warning: $T_DIR/secret.hdf holds Smtp.password but everyone may read it (mode 0644)" "$T_DIR/init.err" ||
		fail "no warning for mode 644: $(cat "$T_DIR/init.err")"
	chmod 640 "$T_DIR/secret.hdf"
	chgrp "$other_gid" "$T_DIR/secret.hdf"
	init_stderr "$T_DIR/secret.hdf"
	grep -q "warning: $T_DIR/secret.hdf holds Smtp.password but group $other_gid, not the panel's" "$T_DIR/init.err" ||
		fail "no warning for mode 640 with another group: $(cat "$T_DIR/init.err")"
	grep -q "not-for-everyone" "$T_DIR/init.err" && fail "the warning shows the secret"
	chgrp "$panel_gid" "$T_DIR/secret.hdf"
	init_stderr "$T_DIR/secret.hdf"
	grep -q warning "$T_DIR/init.err" && fail "a warning for 640 with the panel's group: $(cat "$T_DIR/init.err")"
	chmod 600 "$T_DIR/secret.hdf"
	chgrp "$other_gid" "$T_DIR/secret.hdf"
	init_stderr "$T_DIR/secret.hdf"
	grep -q warning "$T_DIR/init.err" && fail "a warning for mode 600: $(cat "$T_DIR/init.err")"
	# No secret, no warning.
	grep -E '^(Database|Site|Keys|Templates)\.' "$T_DIR/inboxpanel.hdf" >"$T_DIR/plain.hdf"
	chmod 644 "$T_DIR/plain.hdf"
	init_stderr "$T_DIR/plain.hdf"
	grep -q warning "$T_DIR/init.err" && fail "a warning for a config without secrets: $(cat "$T_DIR/init.err")"
	return 0
}

test_the_language_switch_sticks_whatever_the_browser_says() {
	as_new_user polyglot@example.com
	http GET /no/such/page -H "Accept-Language: en"
	expect_text "Page not found"
	expect_body 'value="fr" lang="fr"'
	post /settings/language "language=fr" "next=/no/such/page"
	expect_status 303
	expect_header Location '/no/such/page'
	http GET /no/such/page -H "Accept-Language: en"
	expect_text "Page introuvable"
	http GET /settings/email -H "Accept-Language: en"
	expect_text "L’application vous parle désormais en français"
	expect_text "Paramètres › Général › E-mail"
	[ "$(sql "SELECT language FROM users WHERE email = 'polyglot@example.com'")" = fr ] || fail "not stored"
	[ "$(sql "SELECT count(*) FROM audit_log WHERE action = 'user.language' AND actor = 'polyglot@example.com' AND detail = 'fr'")" = 1 ] ||
		fail "not audited"
	post /settings/language "language=de"
	expect_status 400
	post /settings/language "language=en" "next=//evil.example"
	expect_status 400
	post /settings/language "language=en"
	expect_header Location '/settings/email'
}

test_password_hashes_are_scrypt_with_parameters() {
	add_user_with_cli hashes@example.com
	sql "SELECT password_hash FROM users WHERE email='hashes@example.com'" |
		grep -qE '^\$scrypt\$ln=15,r=8,p=3\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$' || fail "not an scrypt hash"
}

t_run
