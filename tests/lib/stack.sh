# stack.sh — starts and stops the panel's processes from one folder: nginx in
# front, the FastCGI programs behind it on unix sockets, all on 127.0.0.1.
# Sourced by ./dev (the demo) and by the integration and browser tests.
#
#   stack_write_config DIR PORT SRC   writes DIR/inboxpanel.hdf if it is missing
#   stack_start DIR PORT SRC BIN      starts nginx and the programs; waits for /healthz
#                                     (and the outbox worker too with STACK_WORKER=1)
#   stack_stop DIR                    stops what stack_start started
#   stack_start_sink DIR PORT SRC     the SMTP sink alone (PORT+2); stack_start
#   stack_stop_sink DIR               starts it with STACK_SMTP=1 (tests/lib/smtp_sink.py)
#
# The sandbox provider (sandbox/) runs beside the panel on PORT+1, behind the
# same nginx, and the generated config points every provider at it.
# SRC is the source tree (templates, static), BIN the build folder (programs).

# The programs, by the name after inboxpanel-: the first word of each line of
# conf/programs, the one list (tests/integration/t_programs.sh checks the nginx
# file, README.md and Makefile.am against it).
stack_read_programs() {
	local name paths
	STACK_PROGRAMS=()
	[ -r "$1" ] || { echo "stack.sh: cannot read the list of programs $1" >&2; return 1; }
	while read -r name paths; do
		case $name in '' | '#'*) continue ;; esac
		STACK_PROGRAMS+=("$name")
	done <"$1"
}
stack_read_programs "$(dirname "${BASH_SOURCE[0]}")/../../conf/programs"

# Under a tool (STACK_WRAP: valgrind's memcheck in make check-valgrind) the
# programs run some ten times slower, more on a busy machine: the stack's own
# waits (the start, the stop, nginx's wait for an answer) stretch by
# STACK_SLOWDOWN, and so do the time windows of tests that scale theirs with
# stack_scaled.
if [ -n "${STACK_WRAP-}" ]; then
	STACK_SLOWDOWN=${STACK_SLOWDOWN:-10}
else
	STACK_SLOWDOWN=1
fi

# stack_scaled SECONDS — SECONDS (whole or not) times STACK_SLOWDOWN.
stack_scaled() {
	awk -v s="$1" -v f="$STACK_SLOWDOWN" 'BEGIN { print s * f }'
}

stack_port_busy() {
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

stack_write_config() {
	local dir=$1 port=$2 src=$3
	mkdir -p "$dir"
	[ -f "$dir/inboxpanel.hdf" ] && return 0
	cat >"$dir/inboxpanel.hdf" <<HDF
# Written by tests/lib/stack.sh for a local demo or test run; an existing file is
# kept, so it can be pointed at other providers.
Database.path = inboxpanel.db
Templates.dir = $src/templates
Site.base_url = http://127.0.0.1:$port
Keys.public_file = keys/seal.pub
Keys.private_file = keys/seal.key
# One user runs every process of a local stack: nothing to keep the key from.
Keys.single_user = 1
Worker.wakeup = run/worker.fifo
Smtp.url = smtp://127.0.0.1:$((port + 2))
Smtp.from = inboxpanel@example.com
# The SMTP sink's throwaway CA (stack_start_sink makes it).
Smtp.ca_file = smtp/ca.crt
HDF
	# Started as root, the programs serve only as a user they are told: a local
	# stack run as root is root's (nginx's workers too, see stack_write_nginx).
	[ "$(id -u)" = 0 ] && echo "Service.user = root" >>"$dir/inboxpanel.hdf"
	stack_write_provider_config "$dir" $((port + 1)) "$src"
	# It holds the providers' client secrets: for its user only.
	chmod 600 "$dir/inboxpanel.hdf"
	mkdir -p "$dir/keys"
	chmod 700 "$dir/keys"
}

# nginx from a prefix inside DIR: its own pid file, logs and temp folders.
stack_write_nginx() {
	local dir=$1 port=$2 src=$3 user_line=""
	mkdir -p "$dir/nginx/tmp" "$dir/log" "$dir/run"
	# As root nginx would drop its workers to "nobody", who may not read a clone
	# under a private home or reach the sockets; the local stack runs as one user.
	[ "$(id -u)" = 0 ] && user_line="user root;"
	cp /etc/nginx/fastcgi_params "$dir/nginx/fastcgi_params"
	sed -e "s|/usr/local/share/inboxpanel/static/|$src/static/|g" \
		-e "s|/run/inboxpanel/|$dir/run/|g" \
		"$src/conf/nginx-inboxpanel.conf" >"$dir/nginx/inboxpanel.conf"
	cat >"$dir/nginx/nginx.conf" <<NGINX
daemon off;
$user_line
worker_processes 1;
pid $dir/nginx/nginx.pid;
error_log $dir/log/nginx-error.log warn;
events { worker_connections 512; }
http {
  access_log $dir/log/nginx-access.log;
  client_body_temp_path $dir/nginx/tmp/body;
  proxy_temp_path $dir/nginx/tmp/proxy;
  fastcgi_temp_path $dir/nginx/tmp/fastcgi;
  uwsgi_temp_path $dir/nginx/tmp/uwsgi;
  scgi_temp_path $dir/nginx/tmp/scgi;
  types {
    text/css css;
    image/svg+xml svg;
    image/png png;
    text/javascript js;
  }
  default_type application/octet-stream;
  server_tokens off;
  client_max_body_size 1m;
$([ "$STACK_SLOWDOWN" = 1 ] || echo "  fastcgi_read_timeout $((60 * STACK_SLOWDOWN))s; # nginx's 60 s, stretched")
  server {
    listen 127.0.0.1:$port;
    server_name 127.0.0.1 localhost;
    include inboxpanel.conf;
  }
$(stack_nginx_sandbox_server "$dir" $((port + 1)) "$src")
}
NGINX
}

stack_start() {
	local dir=$1 port=$2 src=$3 bin=$4 name i
	if stack_port_busy "$port"; then
		echo "port $port is busy: set PORT to a free one" >&2
		return 1
	fi
	stack_write_nginx "$dir" "$port" "$src"
	: >"$dir/pids"
	for name in "${STACK_PROGRAMS[@]}"; do
		rm -f "$dir/run/$name.sock"
		# STACK_WRAP runs each program under a tool (make check-valgrind).
		${STACK_WRAP-} "$bin/inboxpanel-$name" --conf "$dir/inboxpanel.hdf" --socket "$dir/run/$name.sock" \
			--workers "${STACK_WORKERS:-2}" $(stack_user_option web) 2>>"$dir/log/$name.log" &
		echo "$! $name" >>"$dir/pids"
	done
	stack_start_sandbox "$dir" "$port" "$src" "$bin" || { stack_stop "$dir"; return 1; }
	if [ "${STACK_SMTP:-0}" = 1 ]; then
		stack_start_sink "$dir" "$port" "$src" || { stack_stop "$dir"; return 1; }
	fi
	# The worker is left out unless asked for: tests of the pages read revocations
	# as the web programs leave them (pending), the worker's tests start it.
	if [ "${STACK_WORKER:-0}" = 1 ]; then
		stack_start_worker "$dir" "$bin"
	fi
	nginx -p "$dir/nginx" -c "$dir/nginx/nginx.conf" -e "$dir/log/nginx-error.log" \
		2>>"$dir/log/nginx-error.log" &
	echo "$! nginx" >>"$dir/pids"
	for i in $(seq 1 $((100 * STACK_SLOWDOWN))); do
		if curl -fsS -o /dev/null "http://127.0.0.1:$port/healthz" 2>/dev/null; then
			return 0
		fi
		if ! stack_all_running "$dir"; then
			i=giving-up
			break
		fi
		sleep 0.1
	done
	echo "the panel did not answer on port $port; see $dir/log/" >&2
	tail -n 5 "$dir"/log/*.log >&2 || true
	stack_stop "$dir"
	return 1
}

# stack_start_worker DIR BIN — the outbox worker, stopped with the rest.
stack_start_worker() {
	local dir=$1 bin=$2
	${STACK_WRAP-} "$bin/inboxpanel-worker" --conf "$dir/inboxpanel.hdf" $(stack_user_option worker) \
		2>>"$dir/log/worker.log" &
	echo "$! worker" >>"$dir/pids"
}

# True while every process stack_start started is alive.
stack_all_running() {
	local pid name
	while read -r pid name; do
		kill -0 "$pid" 2>/dev/null || return 1
	done <"$1/pids"
}

stack_stop() {
	local dir=$1 pid name i alive
	[ -f "$dir/pids" ] || return 0
	while read -r pid name; do
		if [ "$name" = nginx ]; then
			kill -QUIT "$pid" 2>/dev/null || true
		else
			kill -TERM "$pid" 2>/dev/null || true
		fi
	done <"$dir/pids"
	# The programs give their workers 10 s to finish before SIGKILL: wait longer.
	for i in $(seq 1 $((150 * STACK_SLOWDOWN))); do
		alive=0
		while read -r pid name; do
			kill -0 "$pid" 2>/dev/null && alive=1
		done <"$dir/pids"
		[ $alive = 0 ] && break
		sleep 0.1
	done
	while read -r pid name; do
		kill -KILL "$pid" 2>/dev/null || true
	done <"$dir/pids"
	rm -f "$dir/pids"
}

# --- the sandbox provider -------------------------------------------------------
# inboxpanel-sandbox stands in for Google and Microsoft on 127.0.0.1:PORT+1, behind
# the same nginx, with its own database (DIR/sandbox.db) and config
# (DIR/sandbox.hdf).  Tests and the demo only: never in a production deployment.

STACK_SANDBOX_GOOGLE_ID=sandbox-client.apps.googleusercontent.com
STACK_SANDBOX_MICROSOFT_ID=5a4db0c0-0365-4000-8000-000000000001
STACK_SANDBOX_OUTLOOK_ID=5a4db0c0-0c0a-4000-8000-000000000002

stack_sandbox_secret() {
	head -c 24 /dev/urandom | base64 | tr '+/' '-_'
}

# stack_write_provider_config DIR SANDBOX_PORT SRC — appends the provider blocks
# that point the panel at the sandbox to DIR/inboxpanel.hdf, and writes the
# sandbox's config with the same clients.
stack_write_provider_config() {
	local dir=$1 sport=$2 src=$3 s="http://127.0.0.1:$2" g m o
	local mail_ms="https://outlook.office.com/IMAP.AccessAsUser.All https://outlook.office.com/SMTP.Send"
	g=$(stack_sandbox_secret)
	m=$(stack_sandbox_secret)
	o=$(stack_sandbox_secret)
	cat >>"$dir/inboxpanel.hdf" <<HDF
# Every provider points at the sandbox provider on port $sport (tests/lib/stack.sh).
Provider.google {
  client_id = $STACK_SANDBOX_GOOGLE_ID
  client_secret = $g
  authorize_url = $s/google/o/oauth2/v2/auth
  token_url = $s/google/token
  revoke_url = $s/google/revoke
  userinfo_url = $s/google/userinfo
  scopes = openid email https://mail.google.com/
}
Provider.microsoft {
  client_id = $STACK_SANDBOX_MICROSOFT_ID
  client_secret = $m
  authorize_url = $s/microsoft/organizations/oauth2/v2.0/authorize
  token_url = $s/microsoft/organizations/oauth2/v2.0/token
  graph_url = $s/graph
  scopes = openid email offline_access $mail_ms
}
Provider.outlook {
  client_id = $STACK_SANDBOX_OUTLOOK_ID
  client_secret = $o
  authorize_url = $s/microsoft/consumers/oauth2/v2.0/authorize
  token_url = $s/microsoft/consumers/oauth2/v2.0/token
  scopes = openid email offline_access $mail_ms
}
HDF
	stack_write_sandbox_config "$dir" $((sport - 1)) "$src" "$g" "$m" "$o"
}

# stack_write_sandbox_config DIR PANEL_PORT SRC GOOGLE MICROSOFT OUTLOOK — the
# sandbox's config: its database, templates, and the panel's three clients
# (the secrets given) with the panel's callback as their redirect URI.
stack_write_sandbox_config() {
	local dir=$1 callback="http://127.0.0.1:$2/oauth/callback" src=$3
	(
		umask 077
		cat >"$dir/sandbox.hdf" <<HDF
# The sandbox provider's config, written by tests/lib/stack.sh.
Sandbox.database = sandbox.db
Sandbox.templates = $src/sandbox/templates
Client.google {
  client_id = $STACK_SANDBOX_GOOGLE_ID
  client_secret = $4
  redirect_uris = $callback
}
Client.microsoft {
  client_id = $STACK_SANDBOX_MICROSOFT_ID
  client_secret = $5
  redirect_uris = $callback
}
Client.outlook {
  client_id = $STACK_SANDBOX_OUTLOOK_ID
  client_secret = $6
  redirect_uris = $callback
}
HDF
	)
}

# stack_nginx_sandbox_server DIR SANDBOX_PORT SRC — the sandbox's server block.
# A "hang" fault holds an answer for up to 600 s, so nginx waits longer.
stack_nginx_sandbox_server() {
	cat <<NGINX
  server {
    listen 127.0.0.1:$2;
    server_name 127.0.0.1 localhost;
    location /_static/ {
      alias $3/sandbox/static/;
    }
    location / {
      include fastcgi_params;
      fastcgi_pass unix:$1/run/sandbox.sock;
      fastcgi_read_timeout 700s;
    }
  }
NGINX
}

# stack_start_sandbox DIR PORT SRC BIN — starts the sandbox behind PORT+1 and waits
# for its socket.  Eight workers by default: a "hang" fault holds one each.  A config kept from an older run may lack sandbox.hdf: one is
# written then, with secrets of its own (the panel's config is left alone).
stack_start_sandbox() {
	local dir=$1 sport=$(($2 + 1)) src=$3 bin=$4 pid i
	if stack_port_busy "$sport"; then
		echo "port $sport (the sandbox provider's, PORT+1) is busy: set PORT to another" >&2
		return 1
	fi
	[ -f "$dir/sandbox.hdf" ] || stack_write_sandbox_config "$dir" "$2" "$src" \
		"$(stack_sandbox_secret)" "$(stack_sandbox_secret)" "$(stack_sandbox_secret)"
	rm -f "$dir/run/sandbox.sock"
	"$bin/inboxpanel-sandbox" --conf "$dir/sandbox.hdf" --socket "$dir/run/sandbox.sock" \
		--workers "${STACK_SANDBOX_WORKERS:-8}" 2>>"$dir/log/sandbox.log" &
	pid=$!
	echo "$pid sandbox" >>"$dir/pids"
	for i in $(seq 1 100); do
		[ -S "$dir/run/sandbox.sock" ] && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	echo "the sandbox provider did not start; see $dir/log/sandbox.log" >&2
	tail -n 5 "$dir/log/sandbox.log" >&2 || true
	return 1
}

# --- the SMTP sink ---------------------------------------------------------------
# tests/lib/smtp_sink.py on 127.0.0.1:PORT+2 keeps each mail the worker sends as
# a file in DIR/mail/, and offers STARTTLS with a certificate from a throwaway
# CA (DIR/smtp/ca.crt, which the generated config trusts as Smtp.ca_file).

# stack_sink_certs DIR — the CA and the sink's certificate, made once.
stack_sink_certs() {
	local d=$1/smtp
	[ -f "$d/server.crt" ] && return 0
	mkdir -p "$d"
	(
		umask 077
		openssl req -x509 -newkey rsa:2048 -nodes -keyout "$d/ca.key" -out "$d/ca.crt" \
			-days 30 -subj "/CN=inboxpanel smtp sink CA" 2>/dev/null &&
			openssl req -newkey rsa:2048 -nodes -keyout "$d/server.key" -out "$d/server.csr" \
				-subj "/CN=127.0.0.1" 2>/dev/null &&
			openssl x509 -req -in "$d/server.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" \
				-CAcreateserial -days 30 -out "$d/server.crt" \
				-extfile <(printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n') 2>/dev/null
	) || { echo "stack.sh: cannot make the SMTP sink's certificate" >&2; return 1; }
	chmod 644 "$d/ca.crt"
}

stack_start_sink() {
	local dir=$1 mport=$(($2 + 2)) src=$3 pid i
	if stack_port_busy "$mport"; then
		echo "port $mport (the SMTP sink's, PORT+2) is busy: set PORT to another" >&2
		return 1
	fi
	stack_sink_certs "$dir" || return 1
	# A config kept from before the sink had a CA trusts only the system's: the
	# panel is told of this one, as the demo tells it of a new port.
	if ! grep -q '^Smtp\.ca_file' "$dir/inboxpanel.hdf"; then
		printf '# The SMTP sink'"'"'s throwaway CA (tests/lib/stack.sh).\nSmtp.ca_file = smtp/ca.crt\n' \
			>>"$dir/inboxpanel.hdf"
	fi
	mkdir -p "$dir/mail" "$dir/log"
	/usr/bin/python3 "$src/tests/lib/smtp_sink.py" --port "$mport" --dir "$dir/mail" \
		--cert "$dir/smtp/server.crt" --key "$dir/smtp/server.key" 2>>"$dir/log/smtp-sink.log" &
	pid=$!
	echo "$pid smtp-sink" >>"$dir/pids"
	for i in $(seq 1 100); do
		stack_port_busy "$mport" && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	echo "the SMTP sink did not start; see $dir/log/smtp-sink.log" >&2
	tail -n 5 "$dir/log/smtp-sink.log" >&2 || true
	return 1
}

stack_stop_sink() {
	local dir=$1 pid name i rest=()
	[ -f "$dir/pids" ] || return 0
	while read -r pid name; do
		if [ "$name" = smtp-sink ]; then
			kill -TERM "$pid" 2>/dev/null || true
			for i in $(seq 1 50); do
				kill -0 "$pid" 2>/dev/null || break
				sleep 0.1
			done
			kill -KILL "$pid" 2>/dev/null || true
		else
			rest+=("$pid $name")
		fi
	done <"$dir/pids"
	printf '%s\n' "${rest[@]}" >"$dir/pids"
}

# stack_user_option web|worker — the user the programs are told to run as when
# started as root: STACK_WEB_USER for the web programs, STACK_WORKER_USER for the
# worker (two users, as on a server: t_privsep.sh), else root itself, told so
# (--user root), since without being told a user they refuse to serve as root.
# As root nginx's workers are root too (stack_write_nginx).
stack_user_option() {
	local user
	[ "$(id -u)" = 0 ] || return 0
	if [ "$1" = worker ]; then user=${STACK_WORKER_USER:-root}; else user=${STACK_WEB_USER:-root}; fi
	echo "--user $user"
}
