#!/usr/bin/env bash
# t_worker.sh — Step 4: the revocation worker and the health checks, against the
# sandbox provider's fault injection, through the real stack (rules 4 and 9).
# Every inbox holds a token minted at the sandbox, so each revocation is real.
. "$(dirname "$0")/lib.sh"

STACK_WORKER=1 t_start \
	"Worker.poll_interval = 1" "Worker.backoff_base = 1" "Worker.backoff_max = 2" \
	"Worker.connect_timeout = 1" "Worker.timeout = 2" "Worker.max_attempts = 4" \
	"Worker.lease = 5" "Health.interval = 2" "Health.refusals_to_disconnect = 3"
TOKENS="$T_DIR/minted-tokens"
: >"$TOKENS"

# calls ENDPOINT [STATUS] — how many calls of ENDPOINT the sandbox received (with
# that status).
calls() {
	curl -fsS -o "$T_DIR/calls.json" "$SANDBOX/_control/calls?endpoint=$1" || fail "call log"
	sqlite3 -batch -noheader :memory: "SELECT count(*) FROM json_each(readfile('$T_DIR/calls.json'), '\$.calls')
		WHERE ${2:+json_extract(value, '\$.status') = $2 AND} 1"
}

# inbox OWNER ADDRESS PROVIDER — mints an account and its tokens at the sandbox and
# connects the inbox with them; prints the connection id.
inbox() {
	local owner=$1 address=$2 provider=$3 token oid tid
	control /_control/mint "provider=$provider" "address=$address"
	token=$(json "$T_DIR/control.json" '$.refresh_token')
	oid=$(json "$T_DIR/control.json" '$.oid')
	tid=$(json "$T_DIR/control.json" '$.tid')
	# The refresh token last: the rotation test reads it back with tail -1.
	json "$T_DIR/control.json" '$.access_token' >>"$TOKENS"
	printf '%s\n' "$token" >>"$TOKENS"
	printf '%s\n' "$token" | cli inbox add "$owner" "$address" --provider "$provider" \
		--token-stdin ${oid:+--subject "$oid"} ${tid:+--tenant "$tid"}
}

# remove ID — what a person does: disable, then remove (signed in as the admin).
remove() {
	as admin
	login "$ADMIN" "$ADMIN_PW"
	http GET "/settings/email/$1/disable"
	post "/settings/email/$1/disable"
	http GET "/settings/email/$1/remove"
	post "/settings/email/$1/remove"
	[ "$STATUS" = 303 ] || fail "removing inbox $1 answered $STATUS"
}

job_state() {
	sql "SELECT state FROM outbox_jobs WHERE connection_id = $1 AND kind = 'revoke'"
}

test_google_revocation_is_done_at_the_provider() {
	local id
	id=$(inbox "$ADMIN" done@gmail.example google)
	remove "$id"
	t_wait_for 10 "SELECT state FROM outbox_jobs WHERE connection_id = $id" done
	[ "$(sql "SELECT quote(sealed_token) FROM outbox_jobs WHERE connection_id = $id")" = NULL ] ||
		fail "the job kept its token"
	[ "$(sql "SELECT count(*) FROM audit_log WHERE action = 'revocation.done' AND target = 'connection:$id'")" = 1 ] ||
		fail "the outcome is not audited once"
	# At the provider, that account's grant ended by a revocation.
	curl -fsS -o "$T_DIR/grants.json" "$SANDBOX/_control/grants"
	[ "$(sqlite3 -batch -noheader :memory: "SELECT count(*) FROM json_each(readfile('$T_DIR/grants.json'), '\$.grants')
		WHERE json_extract(value, '\$.address') = 'done@gmail.example' AND json_extract(value, '\$.live') = 0
		AND json_extract(value, '\$.ended_by') = 'revoke'")" = 1 ] || fail "the grant at the sandbox still stands"
	http GET /settings/email
	expect_text "Access removed at Google."
}

test_five_hundreds_then_success() {
	local id before
	before=$(calls google.revoke)
	control /_control/fault endpoint=google.revoke kind=500 count=2
	id=$(inbox "$ADMIN" flaky@gmail.example google)
	remove "$id"
	t_wait_for 15 "SELECT state FROM outbox_jobs WHERE connection_id = $id" done
	[ $(($(calls google.revoke) - before)) = 3 ] || fail "expected 3 revoke calls (2 failed, 1 done)"
	[ "$(sql "SELECT attempts FROM outbox_jobs WHERE connection_id = $id")" = 3 ] || fail "attempts not counted"
}

# The gap between two calls, in ms, from the sandbox's own clock.
last_gap_ms() {
	curl -fsS -o "$T_DIR/calls.json" "$SANDBOX/_control/calls?endpoint=$1"
	sqlite3 -batch -noheader :memory: "SELECT max(ms) - min(ms) FROM (SELECT json_extract(value, '\$.ms') AS ms
		FROM json_each(readfile('$T_DIR/calls.json'), '\$.calls') ORDER BY ms DESC LIMIT 2)"
}

test_retry_after_is_honoured_for_503_and_429() {
	local id kind
	for kind in 503 429; do
		control /_control/fault endpoint=google.revoke "kind=$kind" count=1 retry_after=3
		id=$(inbox "$ADMIN" "wait$kind@gmail.example" google)
		remove "$id"
		t_wait_for 15 "SELECT state FROM outbox_jobs WHERE connection_id = $id" done || continue
		[ "$(last_gap_ms google.revoke)" -ge 3000 ] || fail "$kind: retried after $(last_gap_ms google.revoke) ms, not 3 s"
	done
}

test_a_hang_ends_in_a_timeout_and_a_retry() {
	local id
	control /_control/fault endpoint=google.revoke kind=hang count=1 hang=6
	id=$(inbox "$ADMIN" hang@gmail.example google)
	remove "$id"
	t_wait_for 20 "SELECT state FROM outbox_jobs WHERE connection_id = $id" done
	# The first call timed out (Worker.timeout = 2 s) and counted; the second did it.
	[ "$(sql "SELECT attempts FROM outbox_jobs WHERE connection_id = $id")" = 2 ] ||
		fail "not one timeout then one success"
}

test_an_already_revoked_token_counts_as_done() {
	local id
	id=$(inbox "$ADMIN" gone@gmail.example google)
	control /_control/revoke address=gone@gmail.example
	remove "$id"
	t_wait_for 10 "SELECT state FROM outbox_jobs WHERE connection_id = $id" done
	[ "$(sql "SELECT last_error_code FROM outbox_jobs WHERE connection_id = $id")" = invalid_token ] ||
		fail "the provider's answer is not kept for support"
}

test_office365_grant_is_deleted_through_graph() {
	local id
	id=$(inbox "$ADMIN" user@contoso.example microsoft)
	remove "$id"
	t_wait_for 15 "SELECT state FROM outbox_jobs WHERE connection_id = $id" done
	[ "$(calls graph.delete 204)" -ge 1 ] || fail "no grant was deleted"
	http GET /settings/email
	expect_text "Access removed at Microsoft."
}

test_graph_403_gives_manual_with_steps() {
	local id
	control /_control/fault endpoint=graph.sp kind=graph_403 count=1
	id=$(inbox "$ADMIN" denied@contoso.example microsoft)
	remove "$id"
	t_wait_for 15 "SELECT state FROM outbox_jobs WHERE connection_id = $id" manual
	[ "$(sql "SELECT last_error_code FROM outbox_jobs WHERE connection_id = $id")" = Authorization_RequestDenied ] ||
		fail "Graph's code is not kept"
	http GET /settings/email
	expect_text "Your organisation does not let the app remove its own access."
	expect_text "Open My Apps, signed in at Microsoft as"
	expect_body 'href="https://myapps.microsoft.com"'
}

test_the_retry_limit_gives_failed_with_steps() {
	local id
	control /_control/fault endpoint=google.revoke kind=500 count=10
	id=$(inbox "$ADMIN" never@gmail.example google)
	remove "$id"
	# kind = 'revoke': a revocation given up on also queues its owner's email.
	t_wait_for 30 "SELECT state FROM outbox_jobs WHERE connection_id = $id AND kind = 'revoke'" failed
	control /_control/reset
	[ "$(sql "SELECT attempts FROM outbox_jobs WHERE connection_id = $id AND kind = 'revoke'")" = 4 ] ||
		fail "not 4 attempts"
	http GET /settings/email
	expect_text "did not answer after several tries"
	expect_text "Open Third-party apps with account access, signed in at Google as"
	expect_body 'href="https://myaccount.google.com/permissions"'
}

test_two_refusals_do_not_disconnect_three_do() {
	local id
	id=$(inbox "$ADMIN" expired@gmail.example google)
	control /_control/revoke address=expired@gmail.example
	t_wait_for 15 "SELECT refusals_in_a_row FROM email_connections WHERE id = $id" 2
	[ "$(sql "SELECT state FROM email_connections WHERE id = $id")" = connected ] ||
		fail "disconnected after 2 refusals"
	t_wait_for 10 "SELECT state FROM email_connections WHERE id = $id" disconnected
	[ "$(sql "SELECT last_error || ' ' || last_error_code FROM email_connections WHERE id = $id")" = "token_rejected invalid_grant" ] ||
		fail "the reason is not kept"
	[ "$(sql "SELECT count(*) FROM audit_log WHERE action = 'email.disconnected' AND target = 'connection:$id'")" = 1 ] ||
		fail "not audited once"
	as admin
	login "$ADMIN" "$ADMIN_PW"
	http GET /settings/email
	expect_text "expired@gmail.example"
	expect_text "no longer accepts"
}

test_a_5xx_never_disconnects() {
	local id before
	id=$(inbox "$ADMIN" busy@gmail.example google)
	before=$(calls google.token 500)
	control /_control/fault endpoint=google.token kind=500 count=4
	for _ in $(seq 1 80); do
		[ $(($(calls google.token 500) - before)) -ge 4 ] && break
		sleep 0.25
	done
	[ $(($(calls google.token 500) - before)) -ge 4 ] || fail "the faults were not all met"
	[ "$(sql "SELECT state || ' ' || refusals_in_a_row FROM email_connections WHERE id = $id")" = "connected 0" ] ||
		fail "a 5xx counted against the token"
}

# The panel's Microsoft client secret, from its config.
microsoft_secret() {
	awk '/^Provider.microsoft/ { b = 1 } b && $1 == "client_secret" { print $3; exit }' \
		"$T_DIR/inboxpanel.hdf"
}

test_a_microsoft_refresh_rotates_the_stored_token() {
	local id old_box old_token
	id=$(inbox "$ADMIN" rotate@contoso.example microsoft)
	old_box=$(sql "SELECT hex(sealed_token) FROM email_connections WHERE id = $id")
	old_token=$(tail -1 "$TOKENS")
	t_wait_for 15 "SELECT hex(sealed_token) <> '$old_box' FROM email_connections WHERE id = $id" 1
	[ "$(sql "SELECT state || ' ' || refusals_in_a_row FROM email_connections WHERE id = $id")" = "connected 0" ] ||
		fail "the rotation was not recorded as a success"
	# The old refresh token is dead at the provider: only the stored one works.
	curl -s -o "$T_DIR/old.json" "$SANDBOX/microsoft/organizations/oauth2/v2.0/token" \
		--data-urlencode grant_type=refresh_token --data-urlencode "refresh_token=$old_token" \
		--data-urlencode "client_id=$STACK_SANDBOX_MICROSOFT_ID" \
		--data-urlencode "client_secret=$(microsoft_secret)" >/dev/null
	[ "$(json "$T_DIR/old.json" '$.error')" = invalid_grant ] || fail "the old refresh token still works"
}

test_kill_9_mid_batch_then_every_job_ends_exactly_once() {
	local ids=() i pid before_ok
	for i in $(seq 1 24); do ids+=("$(inbox "$ADMIN" "batch$i@gmail.example" google)"); done
	before_ok=$(calls google.revoke 200)
	control /_control/latency ms=400
	set_up_sql "BEGIN IMMEDIATE;
	     INSERT INTO outbox_jobs (kind, connection_id, provider, state, sealed_token, next_attempt_at, created_at, updated_at)
	       SELECT 'revoke', id, provider, 'pending', sealed_token, 0, 0, 0 FROM email_connections WHERE address LIKE 'batch%';
	     UPDATE email_connections SET state = 'removed', sealed_token = NULL WHERE address LIKE 'batch%';
	     COMMIT;"
	sleep 0.6
	pid=$(awk '$2 == "worker" { p = $1 } END { print p }' "$T_DIR/pids")
	kill -9 "$pid"
	sleep 0.2
	control /_control/latency ms=0
	stack_start_worker "$T_DIR" "$BIN"
	t_wait_for 30 "SELECT count(*) FROM outbox_jobs j JOIN email_connections c ON c.id = j.connection_id
		WHERE c.address LIKE 'batch%' AND j.state = 'done'" 24
	[ "$(sql "SELECT count(*) FROM audit_log WHERE action = 'revocation.done' AND detail LIKE 'batch%'")" = 24 ] ||
		fail "not one audited end per job"
	[ $(($(calls google.revoke 200) - before_ok)) = 24 ] ||
		fail "$(($(calls google.revoke 200) - before_ok)) successful revokes for 24 tokens"
}

test_sigterm_lets_the_calls_in_flight_finish() {
	local id pid
	id=$(inbox "$ADMIN" term@gmail.example google)
	control /_control/latency ms=1500
	remove "$id"
	t_wait_for 5 "SELECT lease_until > 0 FROM outbox_jobs WHERE connection_id = $id" 1
	pid=$(awk '$2 == "worker" { p = $1 } END { print p }' "$T_DIR/pids")
	kill -TERM "$pid"
	for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	control /_control/latency ms=0
	! kill -0 "$pid" 2>/dev/null || fail "the worker did not stop"
	[ "$(job_state "$id")" = done ] || fail "the call in flight was not recorded: $(job_state "$id")"
	stack_start_worker "$T_DIR" "$BIN"
}

test_a_thousand_jobs_drain() {
	local i start
	for i in $(seq 1 1000); do
		printf 'not-a-real-token-%s\n' "$i" | cli inbox add "$ADMIN" "bulk$i@gmail.example" --provider google --token-stdin >/dev/null
	done
	start=$(date +%s)
	set_up_sql "BEGIN IMMEDIATE;
	     INSERT INTO outbox_jobs (kind, connection_id, provider, state, sealed_token, next_attempt_at, created_at, updated_at)
	       SELECT 'revoke', id, provider, 'pending', sealed_token, 0, 0, 0 FROM email_connections WHERE address LIKE 'bulk%';
	     UPDATE email_connections SET state = 'removed', sealed_token = NULL WHERE address LIKE 'bulk%';
	     COMMIT;"
	t_wait_for 120 "SELECT count(*) FROM outbox_jobs j JOIN email_connections c ON c.id = j.connection_id
		WHERE c.address LIKE 'bulk%' AND j.state = 'done'" 1000
	t_log "1,000 revocations drained in $(($(date +%s) - start)) s"
}

test_healthz_reports_the_workers_heartbeat_and_due_jobs() {
	local due
	http GET /healthz
	expect_status 200
	[ "$(json "$T_DIR/body" '$.worker.seconds_ago')" -le 3 ] || fail "no recent heartbeat: $(cat "$T_DIR/body")"
	due=$(json "$T_DIR/body" '$.worker.due_jobs')
	[ -n "$due" ] && [ "$due" -ge 0 ] || fail "no count of due jobs: $(cat "$T_DIR/body")"
}

# Last on purpose: after everything above, no token the sandbox issued stands in
# plain text in any database file (WAL included) or log.
test_zz_no_token_in_plain_text_anywhere() {
	local f
	[ -s "$TOKENS" ] || { fail "no tokens were minted"; return; }
	for f in "$T_DIR"/*.db* "$T_DIR"/log/*; do
		[ -f "$f" ] || continue
		if grep -a -F -q -f "$TOKENS" "$f"; then
			fail "a token stands in plain text in $f"
		fi
	done
}

t_run
