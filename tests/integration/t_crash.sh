#!/usr/bin/env bash
# t_crash.sh — crash safety as a test (issue 13): the settings program is killed
# with SIGKILL at random moments, a hundred times, while several clients disable,
# enable and remove inboxes through nginx.  Afterwards the database is intact
# and says exactly what happened: every change has its audit row and no change
# is half made; every removed inbox has one revocation job and no token; every
# acknowledged removal stands.
. "$(dirname "$0")/lib.sh"

KILLS=${CRASH_KILLS:-100}
CLIENTS=3
INBOXES=6 # per client

t_start

# The settings program's line in the stack's process list, and its start-up line
# from tests/lib/stack.sh, so it can be started again after each kill.
settings_pid() {
	awk '$2 == "settings" { print $1 }' "$T_DIR/pids"
}

start_settings() {
	rm -f "$T_DIR/run/settings.sock"
	"$BIN/inboxpanel-settings" --conf "$T_DIR/inboxpanel.hdf" --socket "$T_DIR/run/settings.sock" \
		--workers 2 2>>"$T_DIR/log/settings.log" &
	sed -i '/ settings$/d' "$T_DIR/pids"
	echo "$! settings" >>"$T_DIR/pids"
	for _ in $(seq 1 50); do
		[ -S "$T_DIR/run/settings.sock" ] && return 0
		sleep 0.02
	done
}

# The program and its workers, all at once, as a power cut or the OOM killer would.
kill_settings() {
	local pid
	pid=$(settings_pid)
	pkill -KILL -P "$pid" 2>/dev/null
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
}

# client N CSRF — with the browser crashN signed in already, and until told to stop,
# acts on its own inboxes (so each inbox's requests come one after the other),
# logging "id action status".  Only a 303 back to the list acknowledges a change
# (a 303 to the sign-in page does not).
client() {
	local n=$1 csrf=$2 jar="$T_DIR/jar.crash$1" id action status ids
	mapfile -t ids <"$T_DIR/inboxes.$n"
	while [ ! -f "$T_DIR/stop" ]; do
		id=${ids[RANDOM % ${#ids[@]}]}
		case $((RANDOM % 3)) in
		0) action=disable ;;
		1) action=enable ;;
		2) action=remove ;;
		esac
		status=$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' -b "$jar" -H "Origin: $BASE" \
			--data-urlencode "csrf=$csrf" "$BASE/settings/email/$id/$action")
		case $status in
		"303 $BASE/settings/email") status=303 ;;
		*) status=${status%% *} ;;
		esac
		echo "$id $action $status" >>"$T_DIR/client.$n.log"
	done
}

test_killed_at_random_the_store_stays_whole_and_truthful() {
	local n i pids=() bad
	for n in $(seq 1 $CLIENTS); do
		make_user "crash$n@example.com"
		for i in $(seq 1 $INBOXES); do
			make_inbox "crash$n@example.com" google "c$n.$i@example.com" connected
		done >"$T_DIR/inboxes.$n"
	done
	for n in $(seq 1 $CLIENTS); do
		as "crash$n"
		login "crash$n@example.com" "$USER_PW"
		http GET /settings/email
		client "$n" "$(page_csrf)" &
		pids+=($!)
	done
	for i in $(seq 1 "$KILLS"); do
		sleep "0.$((RANDOM % 3))$((RANDOM % 10))"
		kill_settings
		start_settings
	done
	touch "$T_DIR/stop"
	wait "${pids[@]}"
	t_log "$(cat "$T_DIR"/client.*.log | wc -l) requests, $(cat "$T_DIR"/client.*.log | grep -c ' 303$') acknowledged, $KILLS kills"

	[ "$(sql 'PRAGMA integrity_check')" = ok ] || fail "integrity_check: $(sql 'PRAGMA integrity_check')"
	[ -z "$(sql 'PRAGMA foreign_key_check')" ] || fail "foreign keys broken"

	# Each inbox's audit trail, replayed from "connected", ends in its state: no
	# change without its row, no row without its change.
	bad=$(sql "WITH RECURSIVE
		trail(id, seq, action) AS (
			SELECT CAST(substr(target, 12) AS INTEGER), row_number() OVER
				(PARTITION BY target ORDER BY id), substr(action, 7)
			FROM audit_log WHERE action IN ('email.disable', 'email.enable', 'email.remove')),
		replay(id, seq, state) AS (
			SELECT c.id, 0, 'connected' FROM email_connections c WHERE c.address LIKE 'c_.%'
			UNION ALL
			SELECT r.id, r.seq + 1, CASE
				WHEN t.action = 'disable' AND r.state = 'connected' THEN 'disabled'
				WHEN t.action = 'enable' AND r.state = 'disabled' THEN 'connected'
				WHEN t.action = 'remove' AND r.state = 'disabled' THEN 'removed'
				ELSE 'impossible:' || r.state || '+' || t.action END
			FROM replay r JOIN trail t ON t.id = r.id AND t.seq = r.seq + 1)
		SELECT c.id || ' is ' || c.state || ', its trail says ' || r.state
		FROM email_connections c
		JOIN replay r ON r.id = c.id AND r.seq = (SELECT max(seq) FROM replay x WHERE x.id = c.id)
		WHERE c.state <> r.state")
	[ -z "$bad" ] || fail "audit trail and state disagree: $bad"

	# Every removed inbox: exactly one revocation job, and no token of its own.
	bad=$(sql "SELECT c.id FROM email_connections c WHERE c.address LIKE 'c_.%' AND c.state = 'removed'
		AND (c.sealed_token IS NOT NULL OR
		     (SELECT count(*) FROM outbox_jobs j WHERE j.connection_id = c.id AND j.kind = 'revoke') <> 1)")
	[ -z "$bad" ] || fail "removed inboxes without exactly one job, or with a token: $bad"
	bad=$(sql "SELECT j.connection_id FROM outbox_jobs j JOIN email_connections c ON c.id = j.connection_id
		WHERE c.state <> 'removed'")
	[ -z "$bad" ] || fail "revocation jobs for inboxes not removed: $bad"

	# An acknowledged removal stands (removed is final).
	for id in $(cat "$T_DIR"/client.*.log | awk '$2 == "remove" && $3 == 303 { print $1 }' | sort -u); do
		[ "$(state_of "$id")" = removed ] || fail "removal of $id was acknowledged, the inbox is $(state_of "$id")"
	done
	# And the last acknowledged disable or enable of an inbox still stands unless a
	# later request, not acknowledged, changed it (all of it: the trail check above).
	for n in $(seq 1 $CLIENTS); do
		awk '$3 == 303 { last[$1] = $2 } END { for (id in last) print id, last[id] }' "$T_DIR/client.$n.log" |
			while read -r id action; do
				state=$(state_of "$id")
				case $action:$state in
				disable:disabled | disable:removed | enable:connected | remove:removed) ;;
				*)
					later=$(awk -v id="$id" -v a="$action" '$1 == id { if (seen) print $2; if ($2 == a && $3 == 303) seen = 1 }' \
						"$T_DIR/client.$n.log" | sort -u | tr '\n' ' ')
					[ -n "$later" ] || fail "inbox $id: last acknowledged $action, now $state, nothing asked after"
					;;
				esac
			done
	done
}

t_run
