# lib.sh — the integration tests' harness.  Each t_*.sh sources it, calls t_start,
# defines test_* functions and ends with t_run.
#
# t_start brings up a real nginx and the programs on a free loopback port with a
# fresh database in a folder of its own, and an EXIT trap tears them down even
# when a test fails.  Requests go through nginx with curl.  Results are printed as
# TAP: a plan "1..N", "ok N - name" / "not ok N - name", then "# N passed, N failed";
# a script that cannot start prints "Bail out! why" and exits 1.
set -u

: "${top_srcdir:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
SRC=$(cd "$top_srcdir" && pwd)
BIN=$(cd "$top_builddir" && pwd)
. "$SRC/tests/lib/stack.sh"

ADMIN=admin@example.com
ADMIN_PW='correct horse battery staple'
T_DIR=
PORT=
BASE=
STATUS=
JAR=
T_FAILED=0

t_log() { printf '# %s\n' "$*"; }

fail() {
	T_FAILED=1
	printf '#   FAIL: %s\n' "$*"
}

# Runs the command-line tool on the test's database.
cli() {
	"$BIN/inboxpanel" --conf "$T_DIR/inboxpanel.hdf" "$@"
}

# t_start [CONFIG-LINES] — extra lines are appended to the generated config.
t_start() {
	local i
	T_DIR=$(mktemp -d /tmp/inboxpanel-test.XXXXXX)
	export T_DIR # where make check-valgrind's reports go (%q{T_DIR})
	trap t_stop EXIT
	for i in $(seq 1 50); do
		PORT=$((20000 + RANDOM % 12000)) # below the ephemeral range (32768+)
		# The panel, the sandbox provider after it, and the SMTP sink after that.
		stack_port_busy "$PORT" || stack_port_busy $((PORT + 1)) || stack_port_busy $((PORT + 2)) || break
	done
	BASE="http://127.0.0.1:$PORT"
	SANDBOX="http://127.0.0.1:$((PORT + 1))" # the sandbox provider (tests/lib/stack.sh)
	stack_write_config "$T_DIR" "$PORT" "$SRC"
	[ $# -gt 0 ] && printf '%s\n' "$@" >>"$T_DIR/inboxpanel.hdf"
	printf '%s\n' "$ADMIN_PW" | cli init --admin "$ADMIN" --password-stdin >/dev/null ||
		{ echo "Bail out! inboxpanel init failed"; exit 1; }
	STACK_WORKERS=2 stack_start "$T_DIR" "$PORT" "$SRC" "$BIN" ||
		{ echo "Bail out! the stack did not start"; exit 1; }
}

t_stop() {
	local rc=$?
	[ -n "$T_DIR" ] || return
	stack_stop "$T_DIR"
	# A sanitizer report in any program's log fails the run.
	if grep -l -E "ERROR: (Address|Leak)Sanitizer|runtime error:" "$T_DIR"/log/*.log 2>/dev/null; then
		echo "not ok - sanitizer report in the programs' logs:"
		grep -h -A20 -E "ERROR: (Address|Leak)Sanitizer|runtime error:" "$T_DIR"/log/*.log | head -60
		rc=1
	fi
	# So does one of valgrind's (make check-valgrind): an invalid read or write, or
	# memory definitely lost.
	if grep -l -E "ERROR SUMMARY: [1-9]" "$T_DIR"/log/valgrind-*.log 2>/dev/null; then
		echo "not ok - valgrind report in the programs' logs:"
		grep -h -B2 -A25 -E "Invalid (read|write)|definitely lost in" "$T_DIR"/log/valgrind-*.log | head -80
		rc=1
	fi
	# And so does a secret the test used standing in a program's log.
	if ! t_logs_hold_no_secret "$T_DIR"; then
		echo "not ok - a secret stands in the programs' logs (above)"
		rc=1
	fi
	if [ $rc = 0 ]; then
		rm -rf "$T_DIR"
	else
		echo "# kept $T_DIR for a look"
	fi
	exit $rc
}

# t_secrets DIR — every secret a test run in DIR used, one a line: the passwords,
# the providers' client secrets, the tokens the sandbox minted for it (control),
# the session cookies of its browsers, the CSRF tokens of the forms it posted and
# of the sessions still in the database.  Short values (a language cookie) are
# left out: they would match any text.
t_secrets() {
	local dir=$1
	{
		printf '%s\n' "$ADMIN_PW" "$USER_PW"
		sed -n 's/^[^=#]*\(client_secret\|password\)[[:space:]]*=[[:space:]]*//p' \
			"$dir"/*.hdf 2>/dev/null
		cat "$dir/secrets" 2>/dev/null
		awk 'NF >= 7 && $1 !~ /^#/ || /^#HttpOnly_/ { print $7 }' "$dir"/jar.* 2>/dev/null
		[ -f "$dir/inboxpanel.db" ] &&
			sqlite3 -batch -noheader -cmd '.timeout 5000' "$dir/inboxpanel.db" \
				"SELECT csrf_token FROM sessions" 2>/dev/null
	} | awk 'length($0) >= 12' | sort -u
}

# t_logs_hold_no_secret DIR — true when no log the programs wrote in DIR/log
# (nginx's access log and the sandbox provider's, which are not the panel's, left
# aside) holds any of t_secrets; otherwise names each file and secret found.
t_logs_hold_no_secret() {
	local dir=$1 f found=0
	[ -d "$dir/log" ] || return 0
	t_secrets "$dir" >"$dir/all-secrets" || return 0
	[ -s "$dir/all-secrets" ] || return 0
	for f in "$dir"/log/*.log; do
		[ -f "$f" ] || continue
		case ${f##*/} in nginx-access.log | sandbox.log | valgrind-*) continue ;; esac
		if grep -a -F -q -f "$dir/all-secrets" "$f"; then
			echo "# $f holds: $(grep -a -o -F -f "$dir/all-secrets" "$f" | sort -u | cut -c1-6 | sed 's/$/…/' | tr '\n' ' ')"
			found=1
		fi
	done
	[ $found = 0 ]
}

# http METHOD PATH [CURL-ARGS...] — one request through nginx with the current
# cookie jar (if any).  Sets STATUS; the body is in $T_DIR/body, the headers in
# $T_DIR/headers.
http() {
	local method=$1 path=$2
	shift 2
	local args=(-s -o "$T_DIR/body" -D "$T_DIR/headers" -w '%{http_code}')
	[ -n "$JAR" ] && args+=(-b "$JAR" -c "$JAR")
	case $method in
	GET) ;;
	HEAD) args+=(-I) ;;
	*) args+=(-X "$method") ;;
	esac
	STATUS=$(curl "${args[@]}" "$@" "$BASE$path")
}

# post PATH FIELDS... — a form POST from a page of the panel, with the CSRF token
# of the last page read (unless a csrf= field is given).  ORIGIN overrides the
# Origin header (empty: none).
post() {
	local path=$1
	shift
	local args=() f has_csrf=0
	for f in "$@"; do
		[[ $f == csrf=* ]] && has_csrf=1
		args+=(--data-urlencode "$f")
	done
	[ $has_csrf = 1 ] || args+=(--data-urlencode "csrf=$(page_csrf)")
	[ -n "${ORIGIN-$BASE}" ] && args+=(-H "Origin: ${ORIGIN-$BASE}")
	http POST "$path" "${args[@]}"
}

# The CSRF token in the last page read (kept for t_secrets).
page_csrf() {
	grep -o 'name="csrf" value="[^"]*"' "$T_DIR/body" 2>/dev/null | head -1 | sed 's/.*value="//; s/"$//' |
		tee -a "$T_DIR/secrets"
}

# as NAME — switch to the cookie jar of a browser called NAME; "as nobody" sends
# only the cookies given with -H.
as() {
	if [ "$1" = nobody ]; then
		JAR=
		return
	fi
	JAR="$T_DIR/jar.$1"
	touch "$JAR"
}

# login EMAIL PASSWORD — signs the current browser in afresh; expects the 303.
login() {
	[ -n "$JAR" ] && : >"$JAR"
	http GET /login
	post /login "email=$1" "password=$2"
	[ "$STATUS" = 303 ] || fail "sign-in of $1 answered $STATUS"
}

cookie_value() {
	awk -v name="$1" '$6 == name { v = $7 } END { print v }' "$JAR"
}

expect_status() {
	[ "$STATUS" = "$1" ] || fail "expected status $1, got $STATUS ${2:-}"
}

expect_body() {
	grep -qF -- "$1" "$T_DIR/body" || fail "the page does not say: $1"
}

expect_no_body() {
	! grep -qF -- "$1" "$T_DIR/body" || fail "the page should not say: $1"
}

# expect_header NAME VALUE-REGEX
expect_header() {
	grep -qiE "^$1: $2"$'\r'"?$" "$T_DIR/headers" || fail "no header $1: $2 (got: $(grep -i "^$1:" "$T_DIR/headers" | tr -d '\r'))"
}

expect_no_header() {
	! grep -qi "^$1:" "$T_DIR/headers" || fail "unexpected header $1"
}

# The visible text of the last page: tags dropped, entities of the escaper decoded.
page_text() {
	sed -e 's/<[^>]*>/ /g' -e 's/&lt;/</g; s/&gt;/>/g; s/&quot;/"/g; s/&#39;/'"'"'/g; s/&amp;/\&/g' \
		"$T_DIR/body" | tr -s ' \t\n' ' '
}

expect_text() {
	page_text | grep -qF -- "$1" || fail "a reader does not see: $1"
}

sql() {
	sqlite3 -batch -noheader "$T_DIR/inboxpanel.db" "$@"
}

# The state that refused requests must leave alone: everything but the audit log
# (refusals are audited), sessions (last-seen times move) and the attempts of
# sign-ins and IMAP logins (each counts against a limit, refused or not).
db_state() {
	sqlite3 "$T_DIR/inboxpanel.db" .dump | grep -v -E '^INSERT INTO (audit_log|sessions|login_attempts|imap_login_attempts) '
}

# Runs every test_* function of the script in order.  The plan line ("1..N") comes
# first, so that a reader of the log (./dev's summary) can tell a script that died
# half-way from one that ran all its tests.
t_run() {
	local name n=0 passed=0 failed=0
	t_choose_tests || exit 1
	echo "1..${#T_TESTS[@]}"
	for name in "${T_TESTS[@]}"; do
		n=$((n + 1))
		T_FAILED=0
		JAR=
		"$name"
		if [ $T_FAILED = 0 ]; then
			echo "ok $n - ${name#test_}"
			passed=$((passed + 1))
		else
			echo "not ok $n - ${name#test_}"
			failed=$((failed + 1))
		fi
	done
	echo "# $(basename "$0"): $passed passed, $failed failed"
	[ $failed = 0 ]
}

# --- Which tests run, and in what order -------------------------------------------
# Every test sets up what it needs, so any of them can run alone or in any order:
#   T_ONLY='name other_name'  runs only these (with or without "test_"; commas do too)
#   T_SHUFFLE=1               runs them in a random order, and prints its seed
#   T_SEED=N                  replays the order of that seed
# e.g. cd build/werror && T_ONLY=remove_requires_disabled make check TESTS=tests/integration/t_email.sh
# t_choose_tests fills T_TESTS; an unknown name in T_ONLY stops the script.
T_TESTS=()

t_choose_tests() {
	local all=() name seed keyed=()
	mapfile -t all < <(grep -oE '^test_[a-z0-9_]+\(\)' "$0" | tr -d '()')
	T_TESTS=("${all[@]}")
	if [ -n "${T_ONLY-}" ]; then
		T_TESTS=()
		for name in ${T_ONLY//,/ }; do
			name=test_${name#test_}
			if ! printf '%s\n' "${all[@]}" | grep -qxF -- "$name"; then
				echo "Bail out! T_ONLY: $(basename "$0") has no $name"
				return 1
			fi
			T_TESTS+=("$name")
		done
	fi
	if [ -n "${T_SEED-}" ] || [ "${T_SHUFFLE-0}" != 0 ]; then
		seed=${T_SEED:-$((RANDOM * 32768 + RANDOM))}
		[[ $seed =~ ^[0-9]+$ ]] || { echo "Bail out! T_SEED is not a number: $seed"; return 1; }
		echo "# shuffled; T_SEED=$seed runs this order again"
		RANDOM=$seed
		for name in "${T_TESTS[@]}"; do
			keyed+=("$RANDOM $name")
		done
		mapfile -t T_TESTS < <(printf '%s\n' "${keyed[@]}" | sort -n -s -k1,1 | cut -d' ' -f2)
	fi
	[ ${#T_TESTS[@]} -gt 0 ] || { echo "Bail out! no test to run"; return 1; }
}

# --- What a test sets up for itself ----------------------------------------------
# Users and inboxes are made by the test that needs them, under names no other test
# of the script uses, so no test leans on what another one left behind.

# The password of every user make_user adds.
USER_PW='a long user password'

# set_up_failed WHAT — the test cannot even be set up: it fails.  The helpers below
# often run inside $(...), where fail cannot reach T_FAILED; a signal to the test's
# own shell can.
trap 'T_FAILED=1' USR1
set_up_failed() {
	printf '#   FAIL: set-up: %s\n' "$*" >&2
	kill -USR1 $$
}

# Set-up writes wait for a program's write to finish instead of failing at once.
set_up_sql() {
	sqlite3 -batch -noheader -cmd '.timeout 5000' "$T_DIR/inboxpanel.db" "$@"
}

# make_user EMAIL [ROLE [account_access]] — a new user (ROLE: user, the default, or
# super_admin) who signs in with $USER_PW, straight into the database.  Its hash
# holds scrypt's lowest parameters the panel accepts (it reads them from the hash):
# a real one per user would make set-up the slowest part of the run.  Tests of
# adding a user add it with the command-line tool.
make_user() {
	local email=$1 role=${2:-user} access=0 salt key hash
	[ "${3-}" = account_access ] && access=1
	salt=$(openssl rand -base64 12)
	key=$(openssl kdf -binary -keylen 32 -kdfopt "pass:$USER_PW" -kdfopt "salt:$salt" \
		-kdfopt n:1024 -kdfopt r:8 -kdfopt p:1 SCRYPT | base64 -w0)
	[ -n "$key" ] || set_up_failed "openssl could not hash a password for $email"
	hash='$scrypt$ln=10,r=8,p=1$'"$(printf %s "$salt" | base64 -w0)"'$'"$key"
	set_up_sql "INSERT INTO users (email, role, account_access, password_hash, created_at, updated_at)
		VALUES ('$email', '$role', $access, '$hash', unixepoch(), unixepoch())" ||
		set_up_failed "could not add the user $email"
}

# as_new_user EMAIL [ROLE [account_access]] — make_user, then a browser of its own
# (named after the address), signed in as that user.
as_new_user() {
	make_user "$@"
	as "${1%%@*}"
	login "$1" "$USER_PW"
}

user_id() {
	sql "SELECT id FROM users WHERE email = '$1'"
}

# make_inbox OWNER-EMAIL PROVIDER ADDRESS STATE [LAST-ERROR [ERROR-CODE]] — one
# personal inbox of the owner's, straight into the database; prints its id.  The
# token is an opaque blob (the web programs never open it); a removed inbox has none.
make_inbox() {
	local token='randomblob(120)'
	[ "$4" = removed ] && token=NULL
	set_up_sql "INSERT INTO email_connections (kind, owner_user_id, connected_by_user_id, provider,
		address, state, sealed_token, scopes, connected_at, state_changed_at, last_error,
		last_error_code)
		SELECT 'personal', id, id, '$2', '$3', '$4', $token, 'openid email offline_access',
		unixepoch() - 30 * 86400, unixepoch(), '${5-}', '${6-}'
		FROM users WHERE email = '$1' RETURNING id" | grep -E '^[0-9]+$' ||
		set_up_failed "could not add the inbox $3 for $1"
}

state_of() {
	sql "SELECT state FROM email_connections WHERE id = $1"
}

# t_wait_for SECONDS SQL VALUE — until the query answers VALUE.
t_wait_for() {
	local i
	for i in $(seq 1 $(($1 * 10))); do
		[ "$(sql "$2")" = "$3" ] && return 0
		sleep 0.1
	done
	fail "after $1 s, $2 gives $(sql "$2"), not $3"
	return 1
}

# t_sandbox_calls ENDPOINT [STATUS] — how many calls of ENDPOINT the sandbox
# provider received (with that status).
t_sandbox_calls() {
	curl -fsS -o "$T_DIR/calls.json" "$SANDBOX/_control/calls?endpoint=$1" || fail "call log"
	sqlite3 -batch -noheader :memory: "SELECT count(*) FROM json_each(readfile('$T_DIR/calls.json'), '\$.calls')
		WHERE ${2:+json_extract(value, '\$.status') = $2 AND} 1"
}

# t_mails_to ADDRESS — the files of the mails the SMTP sink kept for ADDRESS.
t_mails_to() {
	local f
	for f in "$T_DIR"/mail/*.json; do
		grep -qF "\"$1\"" "$f" 2>/dev/null && echo "${f%.json}.eml"
	done
}

# t_wait_mails SECONDS ADDRESS COUNT — until the sink holds COUNT mails for ADDRESS.
t_wait_mails() {
	local i
	for i in $(seq 1 $(($1 * 10))); do
		[ "$(t_mails_to "$2" | wc -l)" = "$3" ] && return 0
		sleep 0.1
	done
	fail "after $1 s, $(t_mails_to "$2" | wc -l) mails for $2, not $3"
	return 1
}

# --- The sandbox provider -------------------------------------------------------

# control PATH FIELDS... — a call to the sandbox provider's control API (see
# sandbox/README.md); the answer is in $T_DIR/control.json.
control() {
	local path=$1 args=() f
	shift
	for f in "$@"; do args+=(--data-urlencode "$f"); done
	curl -fsS -X POST -o "$T_DIR/control.json" "${args[@]}" "$SANDBOX$path" ||
		fail "sandbox $path failed"
	# The tokens it minted, for t_secrets.
	sqlite3 -batch -noheader :memory: "SELECT value FROM json_each(readfile('$T_DIR/control.json'))
		WHERE key IN ('access_token', 'refresh_token', 'code', 'password') AND type = 'text'" \
		>>"$T_DIR/secrets" 2>/dev/null
	return 0
}

# json FILE PATH — a value of a JSON file, read with SQLite's JSON functions.
json() {
	sqlite3 -batch -noheader :memory: "SELECT json_extract(readfile('$1'), '$2')"
}
