#!/usr/bin/env bash
# t_offboard.sh — Step 11's offboarding through the real stack: `inboxpanel
# user disable` on a person holding an inbox at each provider and a team
# channel; every token revoked at the sandbox provider exactly once (Outlook.com
# and IMAP left as manual steps), their session stops at once, the team channel
# kept or removed as asked, rule 6's people told once each; the last super admin
# refused; `inbox list` for scripts.
. "$(dirname "$0")/lib.sh"

STACK_SMTP=1 STACK_WORKER=1 t_start \
	"Worker.poll_interval = 1" "Worker.backoff_base = 1" "Worker.backoff_max = 2" \
	"Worker.connect_timeout = 1" "Worker.timeout = 3" "Worker.max_attempts = 30" \
	"Worker.lease = 5" "Health.interval = 3600"

# ended_at_sandbox ADDRESS — the grants of ADDRESS at the sandbox that a
# revocation (Google) or a grant deletion (Microsoft) ended.
ended_at_sandbox() {
	curl -fsS -o "$T_DIR/grants.json" "$SANDBOX/_control/grants" || fail "grants"
	sqlite3 -batch -noheader :memory: "SELECT count(*) FROM json_each(readfile('$T_DIR/grants.json'), '\$.grants')
		WHERE json_extract(value, '\$.address') = '$1' AND json_extract(value, '\$.live') = 0"
}

# inbox OWNER ADDRESS PROVIDER — a personal inbox with a token minted at the
# sandbox (IMAP: a password of our own); prints its id.
inbox() {
	local owner=$1 address=$2 provider=$3 token oid= tid=
	if [ "$provider" = imap ]; then
		token="imap-password-$RANDOM$RANDOM"
		printf '%s\n' "$token" >>"$T_DIR/secrets"
	else
		control /_control/mint "provider=$provider" "address=$address"
		token=$(json "$T_DIR/control.json" '$.refresh_token')
		oid=$(json "$T_DIR/control.json" '$.oid')
		tid=$(json "$T_DIR/control.json" '$.tid')
	fi
	printf '%s\n' "$token" | cli inbox add "$owner" "$address" --provider "$provider" \
		--token-stdin ${oid:+--subject "$oid"} ${tid:+--tenant "$tid"}
}

# team_channel CONNECTOR ADDRESS NAME — a Gmail team channel of a new
# conversation inbox, connected by CONNECTOR; prints its id.
team_channel() {
	local id inbox_id
	id=$(inbox "$1" "$2" google)
	inbox_id=$(set_up_sql "INSERT INTO conversation_inboxes (name, created_at)
		VALUES ('$3', unixepoch()) RETURNING id")
	set_up_sql "UPDATE email_connections SET kind = 'team', owner_user_id = NULL,
		inbox_id = $inbox_id WHERE id = $id" || set_up_failed "cannot make $2 a team channel"
	echo "$id"
}

job_state() {
	sql "SELECT state FROM outbox_jobs WHERE connection_id = $1 AND kind = 'revoke'"
}

told() {
	sql "SELECT group_concat(email, ' ') FROM (SELECT u.email FROM notifications n
		JOIN users u ON u.id = n.user_id WHERE n.connection_id = $1 AND n.kind = '$2'
		AND n.cause = 'offboarded' ORDER BY u.email)"
}

test_a_leaver_takes_no_inbox_access_and_the_team_channel_stays() {
	local gmail o365 outlook imap team
	make_user boss1@example.com super_admin
	make_user access1@example.com user account_access
	make_user plain1@example.com user
	as_new_user leaver1@example.com user
	gmail=$(inbox leaver1@example.com leaver1@gmail.example google)
	o365=$(inbox leaver1@example.com leaver1@contoso.example microsoft)
	outlook=$(inbox leaver1@example.com leaver1@outlook.example outlook)
	imap=$(inbox leaver1@example.com leaver1@imap.example imap)
	team=$(team_channel leaver1@example.com support1@gmail.example "Support 1")
	http GET /settings/email
	expect_status 200
	control /_control/reset
	cli user disable leaver1@example.com >"$T_DIR/out" || fail "user disable failed: $(cat "$T_DIR/out")"
	# Their session stops at once, before any job has run.
	http GET /settings/email
	[ "$STATUS" = 303 ] || [ "$STATUS" = 401 ] || fail "the leaver's session still works: $STATUS"
	# What it printed: one line per connection, then the totals.
	grep -qP "^$gmail\tpersonal\tgoogle\tleaver1@gmail.example\tremoved; revocation queued$" "$T_DIR/out" ||
		fail "no Gmail line: $(cat "$T_DIR/out")"
	grep -qP "^$o365\tpersonal\tmicrosoft\tleaver1@contoso.example\tremoved; revocation queued$" "$T_DIR/out" ||
		fail "no Office 365 line"
	grep -qP "^$outlook\tpersonal\toutlook\tleaver1@outlook.example\tremoved; revoke by hand" "$T_DIR/out" ||
		fail "no Outlook.com line"
	grep -qP "^$imap\tpersonal\timap\tleaver1@imap.example\tremoved; revoke by hand" "$T_DIR/out" ||
		fail "no IMAP line"
	grep -qP "^$team\tteam\tgoogle\tsupport1@gmail.example\tkept" "$T_DIR/out" || fail "no team line"
	grep -qF "leaver1@example.com: deactivated; 1 sessions ended; 4 personal inboxes removed; 0 team channels removed, 1 kept; 2 revocations queued, 2 to revoke by hand; " \
		"$T_DIR/out" || fail "totals: $(tail -1 "$T_DIR/out")"
	# At the provider: each token revoked once.
	t_wait_for 20 "SELECT group_concat(state, ' ') FROM (SELECT state FROM outbox_jobs
		WHERE kind = 'revoke' AND connection_id IN ($gmail, $o365, $outlook, $imap)
		ORDER BY connection_id)" "done done manual manual"
	sleep 1
	[ "$(t_sandbox_calls google.revoke 200)" = 1 ] || fail "google.revoke called $(t_sandbox_calls google.revoke) times"
	[ "$(t_sandbox_calls graph.delete 204)" = 1 ] || fail "graph.delete called $(t_sandbox_calls graph.delete) times"
	[ "$(ended_at_sandbox leaver1@gmail.example)" = 1 ] || fail "the Gmail grant stands"
	[ "$(ended_at_sandbox leaver1@contoso.example)" = 1 ] || fail "the Office 365 grant stands"
	[ "$(ended_at_sandbox support1@gmail.example)" = 0 ] || fail "the team channel's grant ended"
	[ "$(sql "SELECT count(*) FROM email_connections WHERE sealed_token IS NOT NULL
		AND owner_user_id = $(user_id leaver1@example.com)")" = 0 ] || fail "a token stayed"
	# The team channel keeps working; rule 6's people hear who left, once each.
	[ "$(state_of "$team")" = connected ] || fail "the team channel is $(state_of "$team")"
	[ "$(told "$team" connector_left)" = "access1@example.com admin@example.com boss1@example.com" ] ||
		fail "told: $(told "$team" connector_left)"
	t_wait_for 20 "SELECT count(*) FROM outbox_jobs WHERE kind = 'email' AND connection_id = $team
		AND state = 'done'" 3
	as admin
	login "$ADMIN" "$ADMIN_PW"
	http GET /notifications
	expect_text "The team email support1@gmail.example in the inbox Support 1 keeps working, but the person who connected it no longer has access to the panel."
	# The command line is the panel's own doing, as the page words it.
	expect_text "The panel deactivated the person who connected it."
	# Twice is once.
	cli user disable leaver1@example.com >"$T_DIR/out" || fail "a second disable failed"
	grep -qx "leaver1@example.com: deactivated already; nothing changed" "$T_DIR/out" ||
		fail "said: $(cat "$T_DIR/out")"
	[ "$(told "$team" connector_left | wc -w)" = 3 ] || fail "told again"
}

test_removed_channels_are_revoked_and_rule_6s_people_told_once() {
	local team
	make_user leaver2@example.com user
	team=$(team_channel leaver2@example.com support2@gmail.example "Support 2")
	control /_control/reset
	cli user disable leaver2@example.com --remove-channels >"$T_DIR/out" || fail "user disable failed"
	grep -qP "^$team\tteam\tgoogle\tsupport2@gmail.example\tremoved; revocation queued$" "$T_DIR/out" ||
		fail "said: $(cat "$T_DIR/out")"
	t_wait_for 20 "SELECT state FROM outbox_jobs WHERE kind = 'revoke' AND connection_id = $team" done
	[ "$(t_sandbox_calls google.revoke 200)" = 1 ] || fail "google.revoke called $(t_sandbox_calls google.revoke) times"
	[ "$(state_of "$team")" = removed ] || fail "the channel is $(state_of "$team")"
	[ "$(told "$team" disconnected)" = "access1@example.com admin@example.com boss1@example.com" ] ||
		fail "told: $(told "$team" disconnected)"
	[ "$(sql "SELECT count(*) FROM audit_log WHERE action = 'channel.remove' AND target = 'connection:$team'")" = 1 ] ||
		fail "no audit row for the channel"
}

test_the_last_super_admin_stays() {
	local before
	set_up_sql "UPDATE users SET deactivated = 1 WHERE role = 'super_admin' AND email <> '$ADMIN'"
	before=$(db_state)
	cli user disable "$ADMIN" >/dev/null 2>"$T_DIR/err"
	[ $? = 1 ] || fail "disable: exit status"
	[ "$(cat "$T_DIR/err")" = "inboxpanel: $ADMIN: the last active super admin cannot be deactivated" ] ||
		fail "said: $(cat "$T_DIR/err")"
	cli user set-role "$ADMIN" --role user >/dev/null 2>"$T_DIR/err"
	[ $? = 1 ] || fail "set-role: exit status"
	[ "$(cat "$T_DIR/err")" = "inboxpanel: $ADMIN: the last active super admin cannot stop being one" ] ||
		fail "said: $(cat "$T_DIR/err")"
	[ "$(db_state)" = "$before" ] || fail "the database changed"
	set_up_sql "UPDATE users SET deactivated = 0 WHERE email = 'boss1@example.com'"
}

test_inbox_list_serves_scripts() {
	local rows
	cli inbox list --user leaver1@example.com --state removed >"$T_DIR/list" || fail "inbox list failed"
	[ "$(head -1 "$T_DIR/list")" = "$(printf 'id\tkind\tuser\tinbox\tprovider\taddress\tstate\tconnected_at\trevocation')" ] ||
		fail "header: $(head -1 "$T_DIR/list")"
	[ "$(tail -n +2 "$T_DIR/list" | cut -f5,6,7,9 | sort | tr '\t\n' ' |')" = \
		"google leaver1@gmail.example removed done|imap leaver1@imap.example removed manual|microsoft leaver1@contoso.example removed done|outlook leaver1@outlook.example removed manual|" ] ||
		fail "rows: $(cat "$T_DIR/list")"
	cli inbox list --user leaver1@example.com --json >"$T_DIR/list.json" || fail "inbox list --json failed"
	rows=$(sqlite3 -batch -noheader :memory: "SELECT count(*) FROM json_each(readfile('$T_DIR/list.json'))")
	[ "$rows" = 5 ] || fail "$rows JSON rows, not 5"
	[ "$(sqlite3 -batch -noheader :memory: "SELECT json_extract(value, '\$.state') || ' ' ||
		json_extract(value, '\$.kind') || ' ' || json_type(value, '\$.inbox') FROM
		json_each(readfile('$T_DIR/list.json')) WHERE json_extract(value, '\$.address') = 'support1@gmail.example'")" = \
		"connected team integer" ] || fail "the team channel's JSON row: $(cat "$T_DIR/list.json")"
	cli inbox list --state gone >/dev/null 2>&1
	[ $? = 2 ] || fail "--state gone: not a usage error"
}

test_reactivation_restores_the_account_not_the_inboxes() {
	cli user enable leaver1@example.com >"$T_DIR/out" || fail "user enable failed"
	as leaver1
	login leaver1@example.com "$USER_PW"
	http GET /settings/email
	expect_status 200
	[ "$(cli inbox list --user leaver1@example.com --state connected | tail -n +2 | cut -f6)" = support1@gmail.example ] ||
		fail "an inbox came back"
	[ "$(sql "SELECT count(*) FROM audit_log WHERE action = 'user.enable'")" = 1 ] || fail "no audit row"
}

t_run
