#!/usr/bin/env bash
# t_privsep.sh — Step 10, privilege separation as on a server: the stack started
# as root, the web programs dropping to one user and the worker to another, both
# in one group through which they share the database (README.md, "Install").  The
# web programs' user cannot open the private key; the worker's can, and revokes.
# Root only: it adds two users and a group for the run, and removes them after.
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" != 0 ]; then
	echo "1..0 # SKIP t_privsep.sh starts the stack as root"
	exit 0
fi

SUFFIX=$$
GROUP=ipt-$SUFFIX
WEB_USER=ipt-web-$SUFFIX
WORKER_USER=ipt-wrk-$SUFFIX
groupadd --system "$GROUP" || { echo "Bail out! groupadd failed"; exit 1; }
useradd --system --no-create-home --shell /usr/sbin/nologin --gid "$GROUP" "$WEB_USER" &&
	useradd --system --no-create-home --shell /usr/sbin/nologin --gid "$GROUP" "$WORKER_USER" ||
	{ userdel "$WEB_USER" 2>/dev/null; groupdel "$GROUP"; echo "Bail out! useradd failed"; exit 1; }
remove_users() {
	userdel "$WEB_USER" 2>/dev/null
	userdel "$WORKER_USER" 2>/dev/null
	groupdel "$GROUP" 2>/dev/null
	return 0
}

T_DIR=$(mktemp -d /tmp/inboxpanel-test.XXXXXX)
export T_DIR
trap 'rc=$?; stack_stop "$T_DIR"; remove_users; (exit $rc); t_stop' EXIT
chmod 711 "$T_DIR"
for i in $(seq 1 50); do
	PORT=$((20000 + RANDOM % 12000))
	stack_port_busy "$PORT" || stack_port_busy $((PORT + 1)) || stack_port_busy $((PORT + 2)) || break
done
BASE="http://127.0.0.1:$PORT"
SANDBOX="http://127.0.0.1:$((PORT + 1))"
stack_write_config "$T_DIR" "$PORT" "$SRC"
# As README.md lays a server out: the configuration root's and the group's to
# read (0640), the keys' folder the worker's user's (0755; the private keys 0600
# in it), the database's folder the group's (2770), the runtime folder the
# group's, sticky (the sockets, the worker's FIFO).  The web programs may not
# read a private key: Keys.single_user = 0.
sed -i -e 's/^Keys.single_user = 1/Keys.single_user = 0/' -e '/^Service.user/d' \
	-e 's|^Database.path = .*|Database.path = data/inboxpanel.db|' "$T_DIR/inboxpanel.hdf"
chgrp "$GROUP" "$T_DIR/inboxpanel.hdf"
chmod 640 "$T_DIR/inboxpanel.hdf"
chown "$WORKER_USER:$GROUP" "$T_DIR/keys"
chmod 755 "$T_DIR/keys"
install -d -o "$WORKER_USER" -g "$GROUP" -m 2770 "$T_DIR/data"
install -d -o root -g "$GROUP" -m 1771 "$T_DIR/run"

as_worker_user() {
	setpriv --reuid="$WORKER_USER" --regid="$GROUP" --init-groups "$@"
}
printf '%s\n' "$ADMIN_PW" | as_worker_user "$BIN/inboxpanel" --conf "$T_DIR/inboxpanel.hdf" init \
	--admin "$ADMIN" --password-stdin >"$T_DIR/init.out" 2>&1 ||
	{ echo "Bail out! init as $WORKER_USER failed: $(cat "$T_DIR/init.out")"; exit 1; }
STACK_WORKER=1 STACK_WEB_USER=$WEB_USER STACK_WORKER_USER=$WORKER_USER STACK_WORKERS=2 \
	stack_start "$T_DIR" "$PORT" "$SRC" "$BIN" || { echo "Bail out! the stack did not start"; exit 1; }

sql() {
	sqlite3 -batch -noheader -cmd '.timeout 5000' "$T_DIR/data/inboxpanel.db" "$@"
}

# pids_of NAME — the supervisor stack_start started for NAME, and its children.
pids_of() {
	local pid
	pid=$(awk -v n="$1" '$2 == n { print $1 }' "$T_DIR/pids")
	[ -n "$pid" ] || return 0
	echo "$pid"
	pgrep -P "$pid"
}

# user_of PID — the real and effective user names of a process.
user_of() {
	awk '/^Uid:/ { print $2, $3 }' "/proc/$1/status" | while read -r real effective; do
		echo "$(id -nu "$real") $(id -nu "$effective")"
	done
}

test_each_program_runs_as_its_own_user() {
	local name pid n
	for name in "${STACK_PROGRAMS[@]}"; do
		n=0
		for pid in $(pids_of "$name"); do
			[ "$(user_of "$pid")" = "$WEB_USER $WEB_USER" ] ||
				fail "inboxpanel-$name process $pid runs as $(user_of "$pid")"
			n=$((n + 1))
		done
		[ "$n" -ge 3 ] || fail "inboxpanel-$name has $n processes, want a supervisor and 2 workers"
	done
	for pid in $(pids_of worker); do
		[ "$(user_of "$pid")" = "$WORKER_USER $WORKER_USER" ] || fail "the worker runs as $(user_of "$pid")"
	done
	[ -n "$(pids_of worker)" ] || fail "no worker"
}

# The web programs' processes, with their very credentials (user, group, the
# supplementary groups the kernel holds for them), cannot open the private key;
# and a web program started as the keys' owner refuses to start.
test_a_web_program_cannot_open_the_private_key() {
	local pid uid gid groups key rc=0 creds
	key=$(ls "$T_DIR"/keys/seal.key.* | head -1)
	[ "$(stat -c '%a %U' "$key")" = "600 $WORKER_USER" ] || fail "the private key is $(stat -c '%a %U' "$key")"
	pid=$(pids_of "${STACK_PROGRAMS[0]}" | tail -1)
	uid=$(awk '/^Uid:/ { print $2 }' "/proc/$pid/status")
	gid=$(awk '/^Gid:/ { print $2 }' "/proc/$pid/status")
	groups=$(awk '/^Groups:/ { $1 = ""; print }' "/proc/$pid/status" | xargs | tr ' ' ,)
	creds=(--reuid="$uid" --regid="$gid")
	if [ -n "$groups" ]; then creds+=(--groups="$groups"); else creds+=(--clear-groups); fi
	setpriv "${creds[@]}" cat "$key" >/dev/null 2>"$T_DIR/err" && fail "the web programs' user read the private key"
	grep -q "Permission denied" "$T_DIR/err" || fail "says: $(cat "$T_DIR/err")"
	# It still reads what it needs: the configuration and the public key.
	setpriv "${creds[@]}" cat "$T_DIR/inboxpanel.hdf" "$T_DIR/keys/seal.pub" >/dev/null || fail "cannot read the config or public key"
	timeout 10 "$BIN/inboxpanel-${STACK_PROGRAMS[0]}" --conf "$T_DIR/inboxpanel.hdf" --user "$WORKER_USER" \
		--socket "$T_DIR/run/wrong.sock" --workers 1 </dev/null 2>"$T_DIR/err" || rc=$?
	[ "$rc" = 1 ] || fail "a web program run as the keys' owner exited $rc"
	grep -q "this program can read a private key" "$T_DIR/err" || fail "it says: $(cat "$T_DIR/err")"
}

# Through the shared group the web programs write the database, the worker opens
# the token they left and revokes it at the provider; the database's files stay
# the group's to read and write (WAL and shared memory too).
test_the_two_users_share_the_database_and_the_worker_revokes() {
	local address=privsep@example.com token sub grant id f i
	control /_control/mint provider=google "address=$address"
	token=$(json "$T_DIR/control.json" '$.refresh_token')
	sub=$(json "$T_DIR/control.json" '$.sub')
	grant=$(json "$T_DIR/control.json" '$.grant')
	id=$(printf '%s\n' "$token" | as_worker_user "$BIN/inboxpanel" --conf "$T_DIR/inboxpanel.hdf" \
		inbox add "$ADMIN" "$address" --provider google --token-stdin --subject "$sub") ||
		{ fail "inbox add failed"; return; }
	as admin
	login "$ADMIN" "$ADMIN_PW"
	http GET /settings/email
	expect_status 200
	expect_text "$address"
	http GET "/settings/email/$id/disable"
	post "/settings/email/$id/disable"
	expect_status 303
	http GET "/settings/email/$id/remove"
	post "/settings/email/$id/remove"
	expect_status 303
	for i in $(seq 1 100); do
		[ "$(sql "SELECT state FROM outbox_jobs WHERE connection_id = $id")" = done ] && break
		sleep 0.1
	done
	[ "$(sql "SELECT state FROM outbox_jobs WHERE connection_id = $id")" = done ] ||
		fail "the revocation is $(sql "SELECT state, last_error FROM outbox_jobs WHERE connection_id = $id")"
	curl -fsS -o "$T_DIR/grants.json" "$SANDBOX/_control/grants" || fail "no grants"
	[ "$(sqlite3 -batch -noheader :memory: "SELECT json_extract(value, '\$.live') FROM
		json_each(readfile('$T_DIR/grants.json'), '\$.grants') WHERE json_extract(value, '\$.id') = '$grant'")" = 0 ] ||
		fail "the grant is still live at the provider"
	for f in "$T_DIR"/data/inboxpanel.db*; do
		[ "$(stat -c %G "$f")" = "$GROUP" ] || fail "$(basename "$f") belongs to group $(stat -c %G "$f")"
		[ $((0$(stat -c %a "$f") & 060)) = $((060)) ] || fail "$(basename "$f") is mode $(stat -c %a "$f")"
		[ $((0$(stat -c %a "$f") & 07)) = 0 ] || fail "others may use $(basename "$f") (mode $(stat -c %a "$f"))"
	done
}

t_run
