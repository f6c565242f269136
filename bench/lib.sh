# bench/lib.sh — the database the benchmarks run against, sourced by bench/run
# and bench/callgrind.  A stack in a folder of its own, its admin signed in, and
# the data issue 12 asks for, in two sizes so one run compares them:
#
#   bench_start BIN                 a stack on a free port; BASE, DIR, SESSION, CSRF set
#   bench_small                     1,000 users; 20 inboxes for the admin (INBOXES);
#                                   100 other inboxes; the audit log at 100 rows
#   bench_big                       100,000 other inboxes, 100,000 audit rows
#   bench_php_start PHP_FPM         the PHP page (bench/php/) behind an nginx of its
#                                   own on a free port; PHP_BASE set
#   bench_cpu_ticks PID...          their utime + stime, in clock ticks
#
# Rows are written with the sqlite3 shell under one write lock each, the way a
# busy site would have them: spread over users, actions and three years.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$ROOT/tests/lib/stack.sh"
INBOXES=${INBOXES:-20}

bench_sql() {
	sqlite3 -cmd ".timeout 20000" "$DIR/inboxpanel.db" "$@"
}

bench_start() {
	BIN=$1
	DIR=$(mktemp -d /tmp/inboxpanel-bench.XXXXXX)
	PORT=$((30000 + RANDOM % 10000))
	while stack_port_busy "$PORT" || stack_port_busy $((PORT + 1)) || stack_port_busy $((PORT + 2)); do
		PORT=$((30000 + RANDOM % 10000))
	done
	trap 'stack_stop "$DIR"; rm -rf "$DIR"' EXIT
	stack_write_config "$DIR" "$PORT" "$ROOT"
	printf 'bench-password-1\n' | "$BIN/inboxpanel" --conf "$DIR/inboxpanel.hdf" init \
		--admin admin@example.com --password-stdin >/dev/null
	stack_start "$DIR" "$PORT" "$ROOT" "$BIN"
	BASE="http://127.0.0.1:$PORT"
	local jar="$DIR/jar"
	curl -s -c "$jar" -b "$jar" "$BASE/login" >/dev/null
	local token
	token=$(awk '$6 == "ip_login" { print $7 }' "$jar")
	curl -s -o /dev/null -c "$jar" -b "$jar" -H "Origin: $BASE" --data-urlencode "csrf=$token" \
		--data-urlencode email=admin@example.com --data-urlencode password=bench-password-1 \
		"$BASE/login"
	SESSION=$(awk '$6 == "ip_session" { print $7 }' "$jar")
	[ -n "$SESSION" ] || { echo "bench: could not sign in" >&2; exit 1; }
}

# The admin's own inboxes, the users and a little of everything else.
bench_small() {
	bench_sql "BEGIN IMMEDIATE;
	WITH RECURSIVE n(i) AS (SELECT 2 UNION ALL SELECT i + 1 FROM n WHERE i < 1000)
	INSERT INTO users (email, role, password_hash, created_at, updated_at)
	  SELECT 'user' || i || '@example.com', 'user', '\$scrypt\$none', unixepoch(), unixepoch() FROM n;
	WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $INBOXES)
	INSERT INTO email_connections (kind, owner_user_id, connected_by_user_id, provider, address,
	  state, sealed_token, connected_at, state_changed_at)
	  SELECT 'personal', 1, 1, CASE i % 3 WHEN 0 THEN 'google' WHEN 1 THEN 'microsoft' ELSE 'outlook' END,
	  'bench' || i || '@example.com', 'connected', randomblob(120), unixepoch() - i * 86400, unixepoch() FROM n;
	COMMIT;"
	bench_other_inboxes 100
	bench_audit_rows 100
	CSRF=$(curl -s -H "Cookie: ip_session=$SESSION" "$BASE/settings/email" |
		grep -o 'name="csrf" value="[^"]*"' | head -1 | sed 's/.*value="//; s/"$//')
	[ -n "$CSRF" ] || { echo "bench: no CSRF token on the email page" >&2; exit 1; }
}

bench_big() {
	bench_other_inboxes 100000
	bench_audit_rows 100000
}

# bench_other_inboxes N — other users' inboxes up to N (spread over users 2..1000).
bench_other_inboxes() {
	bench_sql "BEGIN IMMEDIATE;
	WITH RECURSIVE n(i) AS (SELECT (SELECT count(*) FROM email_connections WHERE owner_user_id <> 1) + 1
	  UNION ALL SELECT i + 1 FROM n WHERE i < $1)
	INSERT INTO email_connections (kind, owner_user_id, connected_by_user_id, provider, address,
	  state, sealed_token, connected_at, state_changed_at)
	  SELECT 'personal', 2 + i % 999, 2 + i % 999, CASE i % 3 WHEN 0 THEN 'google' WHEN 1 THEN 'microsoft' ELSE 'outlook' END,
	  'other' || i || '@example.com', CASE WHEN i % 10 = 0 THEN 'disabled' ELSE 'connected' END,
	  randomblob(120), unixepoch() - i * 60, unixepoch() - i * 60 FROM n;
	COMMIT;"
}

# bench_audit_rows N — the audit log up to N rows, older than what is there.
bench_audit_rows() {
	bench_sql "BEGIN IMMEDIATE;
	WITH RECURSIVE n(i) AS (SELECT (SELECT count(*) FROM audit_log) + 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1)
	INSERT INTO audit_log (at, actor_user_id, actor, client_addr, action, target, detail)
	  SELECT unixepoch() - 3600 - i * 900, 2 + i % 999, 'user' || (2 + i % 999) || '@example.com', '192.0.2.' || (i % 250),
	  CASE i % 5 WHEN 0 THEN 'login.success' WHEN 1 THEN 'email.disable' WHEN 2 THEN 'email.enable'
	    WHEN 3 THEN 'login.failure' ELSE 'logout' END,
	  'connection:' || i, 'bench row ' || i FROM n;
	COMMIT;"
}

# bench_php_start PHP_FPM — php-fpm (the binary given) with STACK_WORKERS children
# on a socket in DIR, and an nginx of one worker in front of it, both from the
# templates in bench/php/ and both stopped with the stack: their pids join
# DIR/pids, which stack_stop reads (nginx by that name, with QUIT).  The stack's
# own nginx file is generated by stack.sh, which has no place for another
# location: the PHP page has a server of its own.  PHP_BASE, PHP_FPM_PID and
# PHP_NGINX_PID are set.
bench_php_start() {
	local fpm=$1 port=$((PORT + 3)) user_lines="" user_line="" as_root=()
	while stack_port_busy "$port"; do
		port=$((30000 + RANDOM % 10000))
	done
	if [ "$(id -u)" = 0 ]; then
		# As the panel's programs (stack.sh runs them as root when started as root).
		user_lines='user = root\ngroup = root'
		user_line="user root;"
		as_root=(-R)
	fi
	mkdir -p "$DIR/php/tmp"
	sed -e "s|@DIR@|$DIR|g" -e "s|@WORKERS@|$STACK_WORKERS|g" -e "s|@USER_LINES@|$user_lines|" \
		"$ROOT/bench/php/php-fpm.conf" >"$DIR/php/php-fpm.conf"
	sed -e "s|@DIR@|$DIR|g" -e "s|@PORT@|$port|g" -e "s|@SRC@|$ROOT|g" -e "s|@USER_LINE@|$user_line|" \
		"$ROOT/bench/php/nginx.conf" >"$DIR/php/nginx.conf"
	rm -f "$DIR/run/php.sock"
	"$fpm" --fpm-config "$DIR/php/php-fpm.conf" --nodaemonize "${as_root[@]}" \
		-d opcache.enable=1 -d opcache.validate_timestamps=0 \
		2>>"$DIR/log/php-fpm.log" &
	PHP_FPM_PID=$!
	echo "$PHP_FPM_PID php-fpm" >>"$DIR/pids"
	nginx -p "$DIR/php" -c "$DIR/php/nginx.conf" -e "$DIR/log/php-nginx-error.log" \
		2>>"$DIR/log/php-nginx-error.log" &
	PHP_NGINX_PID=$!
	echo "$PHP_NGINX_PID nginx" >>"$DIR/pids"
	PHP_BASE="http://127.0.0.1:$port"
	for _ in $(seq 1 100); do
		if [ -S "$DIR/run/php.sock" ] &&
			curl -fsS -o /dev/null -H "Cookie: ip_session=$SESSION" "$PHP_BASE/settings/email" 2>/dev/null; then
			return 0
		fi
		if ! kill -0 "$PHP_FPM_PID" 2>/dev/null || ! kill -0 "$PHP_NGINX_PID" 2>/dev/null; then
			break
		fi
		sleep 0.1
	done
	echo "bench: the PHP page did not answer on $PHP_BASE; see $DIR/log/php-*.log" >&2
	tail -n 5 "$DIR"/log/php-*.log >&2 || true
	return 1
}

# bench_cpu_ticks PID... — the CPU time (user + system) the processes have used,
# in clock ticks (getconf CLK_TCK a second); a process gone counts nothing.
bench_cpu_ticks() {
	local pid total=0 stat
	for pid in "$@"; do
		stat=$(cat "/proc/$pid/stat" 2>/dev/null) || continue
		# Fields 14 and 15, counted after the command name (which may hold spaces).
		stat=${stat##*) }
		total=$((total + $(awk '{ print $12 + $13 }' <<<"$stat")))
	done
	echo "$total"
}
