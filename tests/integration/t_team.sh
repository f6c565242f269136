#!/usr/bin/env bash
# t_team.sh — Step 6, team inboxes (rules 5, 6, 11 and 12): Conversations › Inbox,
# an inbox's channels, delete after a confirmation that names who will be told,
# connecting and reconnecting a team email through the sandbox provider, and the
# super admins' list of every connection — through nginx, read as a person reads
# them.
. "$(dirname "$0")/lib.sh"

t_start "Worker.connect_timeout = 1" "Worker.timeout = 2"

header_value() {
	grep -i "^$1:" "$T_DIR/headers" | head -1 | sed 's/^[^:]*: *//' | tr -d '\r'
}

# make_team NAME — a conversation inbox; prints its id.
make_team() {
	set_up_sql "INSERT INTO conversation_inboxes (name, created_at) VALUES ('$1', unixepoch())
		RETURNING id" | grep -E '^[0-9]+$' || set_up_failed "could not add the inbox $1"
}

# make_channel INBOX-ID CONNECTOR-EMAIL PROVIDER ADDRESS STATE [LAST-ERROR [CODE]] — an
# email channel of the inbox, connected by that user; prints its id.
make_channel() {
	local token='randomblob(120)'
	[ "$5" = removed ] && token=NULL
	set_up_sql "INSERT INTO email_connections (kind, inbox_id, connected_by_user_id, provider,
		address, state, sealed_token, scopes, connected_at, state_changed_at, last_error,
		last_error_code)
		SELECT 'team', $1, id, '$3', '$4', '$5', $token, 'openid email offline_access',
		unixepoch() - 12 * 86400, unixepoch(), '${6-}', '${7-}'
		FROM users WHERE email = '$2' RETURNING id" | grep -E '^[0-9]+$' ||
		set_up_failed "could not add the channel $4"
}

# named USER NAME — gives a user the name the pages show.
named() {
	set_up_sql "UPDATE users SET name = '$2' WHERE email = '$1'"
}

# The notifications a user holds about a connection.
told() { # EMAIL CONNECTION-ID
	sql "SELECT count(*) FROM notifications WHERE connection_id = $2
		AND user_id = (SELECT id FROM users WHERE email = '$1')"
}

# --- The flow through the sandbox, as t_connect.sh drives it ------------------------

url_param() {
	printf '%s\n' "$1" | tr '?&' '\n\n' | sed -n "s/^$2=//p" | head -1
}

# start_flow PAGE — the scopes page PAGE and its button; the provider's authorize
# URL is left in AUTHORIZE.
start_flow() {
	http GET "$1"
	expect_status 200 "(scopes page $1)"
	post "$1"
	expect_status 303 "(start of the flow at $1)"
	AUTHORIZE=$(header_value Location)
}

# consent DECISION MAILBOX — the sandbox's consent page and the person's answer;
# the way back to the panel is left in CALLBACK.
consent() {
	local path=${AUTHORIZE%%\?*} query=${AUTHORIZE#*\?}
	curl -s -o /dev/null "$AUTHORIZE"
	CALLBACK=$(curl -s -o /dev/null -w '%{redirect_url}' --data "$query" \
		--data-urlencode "decision=$1" --data-urlencode "mailbox=$2" "$path")
	case $CALLBACK in
	"$BASE/oauth/callback?"*) ;;
	*) fail "the provider did not send the browser back to the panel: $CALLBACK" ;;
	esac
}

back() {
	http GET "${CALLBACK#"$BASE"}"
}

# connect_channel INBOX-ID PROVIDER MAILBOX — the whole flow for a team email;
# expects the 303 back to the inbox's channels.
connect_channel() {
	start_flow "/inbox/$1/channels/connect/$2"
	consent allow "$3"
	back
	expect_status 303 "(callback of $2 for $3)"
	expect_header Location ".*/inbox/$1/settings/channels"
}

# --- Lists -----------------------------------------------------------------------------

test_inbox_list_shows_counts_and_the_channels_needing_attention() {
	local support sales
	make_user list-connector@example.com
	support=$(make_team "Support L")
	sales=$(make_team "Sales L")
	make_channel "$support" list-connector@example.com google help@list.example connected >/dev/null
	make_channel "$support" list-connector@example.com microsoft dead@list.example disconnected \
		token_rejected invalid_grant >/dev/null
	make_channel "$support" list-connector@example.com google gone@list.example removed >/dev/null
	as_new_user list-admin@example.com user account_access
	http GET /inbox
	expect_status 200
	expect_text "Conversations › Inbox"
	expect_text "Support L 2 channels"
	expect_text "Sales L 0 channels"
	expect_text "Disconnected dead@list.example (Office 365)"
	expect_text "A team email needs reconnecting."
	expect_body "/inbox/$support/settings/channels"
	expect_body "/inbox/$sales/settings/channels"
	# The menu leads here for whoever may manage team inboxes.
	http GET /settings/email
	expect_text "Conversations Inbox"
	expect_body 'href="/inbox"'
}

test_inbox_list_reads_right_in_french() {
	local team
	team=$(make_team "Équipe FR")
	as_new_user liste-fr@example.com super_admin
	sql "UPDATE users SET language = 'fr' WHERE email = 'liste-fr@example.com'"
	http GET /inbox
	expect_status 200
	expect_text "Conversations › Boîte de réception"
	expect_text "Équipe FR 0 canal"
	make_channel "$team" liste-fr@example.com google un@fr.example connected >/dev/null
	make_channel "$team" liste-fr@example.com google deux@fr.example connected >/dev/null
	http GET /inbox
	expect_text "Équipe FR 2 canaux"
	http GET "/inbox/$team/settings/channels"
	expect_text "Canaux de Équipe FR"
	expect_text "Connectée par"
}

test_channels_page_says_who_connected_each_and_when() {
	local team dead live
	make_user anna.connector@example.com
	named anna.connector@example.com "Anna Lindqvist"
	make_user ben.connector@example.com
	team=$(make_team "Support C")
	live=$(make_channel "$team" anna.connector@example.com google desk@chan.example connected)
	dead=$(make_channel "$team" ben.connector@example.com google old@chan.example disconnected \
		token_rejected invalid_grant)
	as_new_user chan-admin@example.com super_admin
	http GET "/inbox/$team/settings/channels"
	expect_status 200
	expect_text "Conversations › Inbox › Inbox settings › Channels"
	expect_text "Channels of Support C"
	expect_text "desk@chan.example Gmail Connected Anna Lindqvist $(LC_ALL=C date -u -d @$(($(date +%s) - 12 * 86400)) '+%b %-d, %Y')"
	expect_text "old@chan.example Gmail Last error Google no longer accepts the panel's access: it was revoked, or has expired. invalid_grant Disconnected Reconnect needed ben.connector@example.com"
	expect_text "Google no longer accepts the panel's access: it was revoked, or has expired. invalid_grant"
	expect_text "A team email needs reconnecting."
	expect_body "/inbox/$team/channels/$live/delete"
	expect_body "/inbox/$team/channels/$dead/delete"
	expect_body "/inbox/$team/channels/$dead/reconnect"
	expect_no_body "/inbox/$team/channels/$live/reconnect"
	expect_text "Connect a team email"
	http GET "/inbox/$((team + 1000))/settings/channels"
	expect_status 404
}

# --- Delete ------------------------------------------------------------------------------

# The people of rule 6 and the rest: two super admins, two users with account
# access (one of them deactivated), plain users, and the connector.
set_up_people() { # PREFIX
	make_user "$1-super@example.com" super_admin
	named "$1-super@example.com" "Sara Super"
	make_user "$1-access@example.com" user account_access
	named "$1-access@example.com" "Alex Access"
	make_user "$1-gone@example.com" user account_access
	named "$1-gone@example.com" "Gina Gone"
	set_up_sql "UPDATE users SET deactivated = 1 WHERE email = '$1-gone@example.com'"
	make_user "$1-plain@example.com"
	named "$1-plain@example.com" "Paul Plain"
	make_user "$1-connector@example.com"
	named "$1-connector@example.com" "Connie Connector"
}

test_delete_confirmation_names_the_address_the_inbox_and_who_is_told() {
	local team gmail outlook
	set_up_people confirm
	team=$(make_team "Support D")
	gmail=$(make_channel "$team" confirm-connector@example.com google team@del.example connected)
	outlook=$(make_channel "$team" confirm-connector@example.com outlook team@del-outlook.example connected)
	as_new_user confirm-me@example.com user account_access
	named confirm-me@example.com "Mia Me"
	http GET "/inbox/$team/channels/$gmail/delete"
	expect_status 200
	expect_text "Delete team@del.example from Support D?"
	expect_text "Support D stops receiving email sent to team@del.example at once, and nobody can reply from it any more."
	expect_text "then asks Google to revoke it"
	expect_text "This cannot be undone"
	expect_text "Who will be notified"
	expect_body "<h2>Who will be notified</h2>"
	expect_text "Super admins, users with account access, and the user who connected it are notified."
	expect_text "Sara Super (confirm-super@example.com)"
	expect_text "Alex Access (confirm-access@example.com)"
	expect_text "Connie Connector (confirm-connector@example.com)"
	expect_text "Mia Me (confirm-me@example.com)"
	expect_no_body "Gina Gone"
	expect_no_body "Paul Plain"
	expect_text "Yes, delete"
	expect_text "Cancel"
	expect_body "action=\"/inbox/$team/channels/$gmail/delete\""
	# No API at Outlook.com: the steps left to do by hand, with the account's page.
	http GET "/inbox/$team/channels/$outlook/delete"
	expect_status 200
	expect_text "Outlook.com offers the panel no way to revoke it"
	expect_text "Once it is deleted, remove the app’s access at Microsoft yourself:"
	expect_text "Open Apps and services that can access your data, signed in at Microsoft as"
	expect_body 'href="https://account.live.com/consent/Manage"'
}

test_delete_is_one_transaction_with_revocation_audit_and_notifications() {
	local team id before person
	set_up_people del
	team=$(make_team "Support E")
	id=$(make_channel "$team" del-connector@example.com google shared@del.example connected)
	as_new_user del-me@example.com super_admin
	http GET "/inbox/$team/channels/$id/delete"
	post "/inbox/$team/channels/$id/delete"
	expect_status 303
	expect_header Location ".*/inbox/$team/settings/channels"
	[ "$(sql "SELECT state || ' ' || (sealed_token IS NULL) FROM email_connections WHERE id = $id")" = "removed 1" ] ||
		fail "the channel is not removed without its token"
	[ "$(sql "SELECT state || ' ' || provider || ' ' || (sealed_token IS NOT NULL) FROM outbox_jobs
		WHERE connection_id = $id AND kind = 'revoke'")" = "pending google 1" ] ||
		fail "no pending revocation holding the token"
	[ "$(sql "SELECT count(*) FROM audit_log WHERE action = 'channel.remove' AND target = 'connection:$id'
		AND detail = 'shared@del.example' AND actor = 'del-me@example.com'")" = 1 ] || fail "no audit row"
	for person in del-super del-access del-connector del-me; do
		[ "$(told "$person@example.com" "$id")" = 1 ] || fail "$person was not told exactly once"
	done
	for person in del-gone del-plain; do
		[ "$(told "$person@example.com" "$id")" = 0 ] || fail "$person was told"
	done
	[ "$(sql "SELECT count(*) FROM notifications WHERE connection_id = $id AND kind = 'disconnected'
		AND cause = 'deleted' AND actor = 'del-me@example.com'")" = "$(sql "SELECT count(*) FROM notifications WHERE connection_id = $id")" ] ||
		fail "a notification does not say it was deleted, and by whom"
	[ "$(sql "SELECT count(*) FROM outbox_jobs WHERE kind = 'email' AND connection_id = $id")" = \
		"$(sql "SELECT count(*) FROM notifications WHERE connection_id = $id")" ] || fail "not one email job per notification"
	http GET "/inbox/$team/settings/channels"
	expect_text "shared@del.example was deleted. The panel is now removing its access at the provider"
	expect_text "Recently deleted"
	expect_text "shared@del.example Gmail Removing"
	# The form sent again: nothing more happens, and nobody hears twice.
	before=$(db_state)
	post "/inbox/$team/channels/$id/delete"
	expect_status 303
	[ "$(db_state)" = "$before" ] || fail "a second delete changed the store"
	http GET "/inbox/$team/channels/$id/delete"
	expect_status 303
}

# --- Who may ---------------------------------------------------------------------------

test_a_plain_user_gets_403_on_every_team_page_and_post_and_nothing_changes() {
	local team id dead before path
	make_user plain-connector@example.com
	team=$(make_team "Support P")
	id=$(make_channel "$team" plain-connector@example.com google p@plain.example connected)
	dead=$(make_channel "$team" plain-connector@example.com google q@plain.example disconnected token_rejected)
	as_new_user plain@example.com
	http GET /settings/email
	expect_no_body 'href="/inbox"'
	expect_no_body 'href="/admin/connections"'
	before=$(db_state)
	for path in /inbox "/inbox/$team/settings/channels" "/inbox/$team/channels/connect" \
		"/inbox/$team/channels/connect/google" "/inbox/$team/channels/$id/delete" \
		"/inbox/$team/channels/$dead/reconnect" /admin/connections; do
		http GET "$path"
		expect_status 403 "(GET $path)"
		expect_text "This page is for administrators only."
	done
	http GET /settings/email
	for path in "/inbox/$team/channels/connect/google" "/inbox/$team/channels/$id/delete" \
		"/inbox/$team/channels/$dead/reconnect"; do
		post "$path"
		expect_status 403 "(POST $path)"
	done
	[ "$(db_state)" = "$before" ] || fail "a refused request changed the store"
	[ "$(state_of "$id")" = connected ] || fail "the channel changed"
	# Account access manages team inboxes, not the list of every connection.
	as_new_user access-only@example.com user account_access
	http GET /admin/connections
	expect_status 403
	http GET "/inbox/$team/settings/channels"
	expect_status 200
}

test_a_channel_of_another_inbox_or_a_personal_id_is_not_found() {
	local a b id personal before
	make_user other-connector@example.com
	a=$(make_team "Support A")
	b=$(make_team "Support B")
	id=$(make_channel "$a" other-connector@example.com google a@other.example connected)
	personal=$(make_inbox other-connector@example.com google mine@other.example disconnected token_rejected)
	as_new_user other-admin@example.com super_admin
	before=$(db_state)
	http GET "/inbox/$b/channels/$id/delete"
	expect_status 404
	http GET "/inbox/$a/channels/$personal/delete"
	expect_status 404
	http GET "/inbox/$a/channels/$personal/reconnect"
	expect_status 404
	http GET "/inbox/$((b + 1000))/channels/connect/google"
	expect_status 404
	http GET "/inbox/$a/channels/connect/yahoo"
	expect_status 404
	http GET "/inbox/$a/settings/channels"
	post "/inbox/$b/channels/$id/delete"
	expect_status 404
	post "/inbox/$a/channels/$personal/delete"
	expect_status 404
	post "/inbox/$a/channels/$personal/reconnect"
	expect_status 404
	post "/inbox/$((b + 1000))/channels/connect/google"
	expect_status 404
	# Ids that are not numbers: a malformed request.
	http GET /inbox/support/settings/channels
	expect_status 400
	expect_text "The address of this page has an id that is not a number."
	http GET "/inbox/$a/channels/x1/delete"
	expect_status 400
	http GET "/inbox/$a/settings/channels"
	post "/inbox/$a/channels/0/delete"
	expect_status 400
	[ "$(db_state)" = "$before" ] || fail "a refused request changed the store"
}

# --- Connect and reconnect through the sandbox provider --------------------------------

test_connect_a_team_gmail_channel() {
	local team id
	team=$(make_team "Support G")
	as_new_user gmail-team@example.com user account_access
	named gmail-team@example.com "Gail Team"
	http GET "/inbox/$team/channels/connect"
	expect_status 200
	expect_text "Connect a team email to Support G"
	expect_text "Gmail"
	expect_text "Office 365"
	expect_text "Outlook.com"
	expect_body "/inbox/$team/channels/connect/google"
	http GET "/inbox/$team/channels/connect/google"
	expect_text "What will be requested when you connect your inbox?"
	expect_text "Conversations › Inbox › Support G › Channels"
	expect_body "href=\"/inbox/$team/settings/channels\""
	connect_channel "$team" google team@gmail.example
	id=$(sql "SELECT id FROM email_connections WHERE address = 'team@gmail.example'")
	[ -n "$id" ] || { fail "no channel stored"; return; }
	[ "$(sql "SELECT kind || ' ' || inbox_id || ' ' || (owner_user_id IS NULL) || ' ' || state || ' ' ||
		(connected_by_user_id = (SELECT id FROM users WHERE email = 'gmail-team@example.com')) || ' ' ||
		(length(sealed_token) > 0) FROM email_connections WHERE id = $id")" = "team $team 1 connected 1 1" ] ||
		fail "not stored as a team channel of the inbox, connected by its user, with a token"
	[ "$(sql "SELECT count(*) FROM audit_log WHERE action = 'channel.connect' AND target = 'connection:$id'")" = 1 ] ||
		fail "no audit row"
	[ "$(sql "SELECT count(*) FROM oauth_flows")" = 0 ] || fail "the flow was not taken"
	http GET "/inbox/$team/settings/channels"
	expect_text "team@gmail.example is connected"
	expect_text "team@gmail.example Gmail Connected Gail Team"
}

test_a_provider_move_stays_within_the_team_scope() {
	local team other old personal elsewhere
	team=$(make_team "Support M")
	other=$(make_team "Support N")
	make_user move-super@example.com super_admin
	as_new_user mover@example.com user account_access
	personal=$(make_inbox mover@example.com google shared@move.example connected)
	elsewhere=$(make_channel "$other" mover@example.com google shared@move.example connected)
	connect_channel "$team" google shared@move.example
	old=$(sql "SELECT id FROM email_connections WHERE kind = 'team' AND inbox_id = $team AND provider = 'google'")
	connect_channel "$team" microsoft shared@move.example
	http GET "/inbox/$team/settings/channels"
	expect_text "You switched from Gmail to Office 365, so your old inbox was disconnected. Your new inbox shared@move.example is connected."
	[ "$(sql "SELECT state || ' ' || last_error || ' ' || (sealed_token IS NULL) FROM email_connections WHERE id = $old")" = \
		"disconnected provider_changed 1" ] || fail "the Gmail channel was not disconnected for the move"
	[ "$(sql "SELECT state FROM outbox_jobs WHERE connection_id = $old AND kind = 'revoke'")" = pending ] ||
		fail "no revocation of the Gmail channel"
	[ "$(sql "SELECT count(*) FROM audit_log WHERE action = 'channel.provider_changed' AND target = 'connection:$old'")" = 1 ] ||
		fail "no audit row for the move"
	[ "$(told move-super@example.com "$old")" = 1 ] || fail "a super admin was not told of the move"
	[ "$(told mover@example.com "$old")" = 1 ] || fail "its connector was not told of the move"
	[ "$(sql "SELECT cause FROM notifications WHERE connection_id = $old LIMIT 1")" = provider_changed ] ||
		fail "the notice does not say it was a provider move"
	[ "$(state_of "$personal")" = connected ] || fail "the move reached the user's own inbox"
	[ "$(state_of "$elsewhere")" = connected ] || fail "the move reached another conversation inbox"
	# The same address again through the same provider: nothing is stored twice.
	start_flow "/inbox/$team/channels/connect/microsoft"
	consent allow shared@move.example
	back
	expect_status 409
	expect_text "shared@move.example is already a channel of this inbox through Office 365. Nothing was changed."
}

test_reconnect_a_dead_channel() {
	local team id
	team=$(make_team "Support R")
	as_new_user revive@example.com super_admin
	connect_channel "$team" google dead@revive.example
	id=$(sql "UPDATE email_connections SET state = 'disconnected', last_error = 'token_rejected',
		last_error_code = 'invalid_grant' WHERE address = 'dead@revive.example' RETURNING id")
	http GET "/inbox/$team/settings/channels"
	expect_text "A team email needs reconnecting."
	expect_body "/inbox/$team/channels/$id/reconnect"
	http GET "/inbox/$team/channels/$id/reconnect"
	expect_status 200
	expect_text "What will be requested when you reconnect your inbox?"
	expect_text "Sign in at Google as dead@revive.example"
	post "/inbox/$team/channels/$id/reconnect"
	expect_status 303
	AUTHORIZE=$(header_value Location)
	printf '%s' "$AUTHORIZE" | grep -qF "login_hint=dead%40revive.example" || fail "no login_hint: $AUTHORIZE"
	consent allow dead@revive.example
	back
	expect_status 303
	expect_header Location ".*/inbox/$team/settings/channels"
	[ "$(sql "SELECT state || '|' || last_error FROM email_connections WHERE id = $id")" = "connected|" ] ||
		fail "the channel is not connected again"
	[ "$(sql "SELECT count(*) FROM audit_log WHERE action = 'channel.reconnect' AND target = 'connection:$id'")" = 1 ] ||
		fail "no audit row for the reconnect"
	http GET "/inbox/$team/settings/channels"
	expect_text "dead@revive.example is connected again"
	http GET "/inbox/$team/channels/$id/reconnect"
	expect_status 409
}

test_the_callback_checks_the_permission_again() {
	local team before
	team=$(make_team "Support X")
	as_new_user demoted@example.com user account_access
	start_flow "/inbox/$team/channels/connect/google"
	consent allow late@demoted.example
	sql "UPDATE users SET account_access = 0 WHERE email = 'demoted@example.com'"
	before=$(sqlite3 "$T_DIR/inboxpanel.db" .dump | grep -v -E '^INSERT INTO (audit_log|sessions|login_attempts|oauth_flows) ')
	back
	expect_status 403
	expect_text "This page is for administrators only."
	[ "$(sqlite3 "$T_DIR/inboxpanel.db" .dump | grep -v -E '^INSERT INTO (audit_log|sessions|login_attempts|oauth_flows) ')" = "$before" ] ||
		fail "a refused callback stored something"
	[ "$(sql "SELECT count(*) FROM email_connections WHERE address = 'late@demoted.example'")" = 0 ] ||
		fail "the channel was stored"
}

# --- Every connection (super admins) ----------------------------------------------------

test_all_connections_lists_personal_and_team_with_filters_and_pages() {
	local team first i
	make_user owner.all@example.com
	named owner.all@example.com "Olga Owner"
	team=$(make_team "Support All")
	make_inbox owner.all@example.com outlook own@all.example connected >/dev/null
	make_channel "$team" owner.all@example.com google chan@all.example disconnected token_rejected >/dev/null
	make_channel "$team" owner.all@example.com microsoft went@all.example connected >/dev/null
	as_new_user all-super@example.com super_admin
	http GET "/inbox/$team/settings/channels"
	post "/inbox/$team/channels/$(sql "SELECT id FROM email_connections WHERE address = 'went@all.example'")/delete"
	http GET /admin/connections
	expect_status 200
	expect_text "Administration › All connections"
	expect_text "went@all.example Office 365 Team · Support All Removed"
	expect_text "In progress"
	expect_text "chan@all.example Gmail Team · Support All Disconnected Google no longer accepts the panel's access"
	expect_text "own@all.example Outlook.com Personal · Olga Owner (owner.all@example.com) Connected"
	expect_body "/inbox/$team/settings/channels"
	http GET "/admin/connections?kind=team&state=disconnected&provider=google"
	expect_status 200
	expect_text "chan@all.example"
	expect_no_body "own@all.example"
	expect_no_body "went@all.example"
	http GET "/admin/connections?kind=personal"
	expect_text "own@all.example"
	expect_no_body "chan@all.example"
	http GET "/admin/connections?state=removed&provider=microsoft"
	expect_text "went@all.example"
	expect_no_body "chan@all.example"
	http GET "/admin/connections?state=&provider=&kind="
	expect_status 200
	expect_text "own@all.example"
	for bad in "state=gone" "provider=yahoo" "kind=shared" "before=abc" "before=0" "before=-5"; do
		http GET "/admin/connections?$bad"
		expect_status 400 "(?$bad)"
	done
	# Sixty newer ones: a page holds the newest fifty, the next starts below them.
	for i in $(seq 1 60); do
		printf "INSERT INTO email_connections (kind, owner_user_id, connected_by_user_id, provider, address, state, connected_at, state_changed_at)
			SELECT 'personal', id, id, 'google', 'page$i@all.example', 'connected', unixepoch(), unixepoch() FROM users WHERE email = 'owner.all@example.com';\n"
	done | set_up_sql
	http GET "/admin/connections?provider=google&kind=personal"
	expect_text "page60@all.example"
	expect_text "page11@all.example"
	expect_no_body "page10@all.example"
	first=$(sql "SELECT id FROM email_connections WHERE address = 'page11@all.example'")
	expect_body "before=$first&amp;provider=google&amp;kind=personal"
	http GET "/admin/connections?before=$first&provider=google&kind=personal"
	expect_status 200
	expect_text "page10@all.example"
	expect_text "page1@all.example"
	expect_no_body "page11@all.example"
	expect_text "Newest"
	[ "$(grep -o 'id="connection-[0-9]*"' "$T_DIR/body" | head -1)" = "id=\"connection-$((first - 1))\"" ] ||
		fail "the next page does not start right below the last one shown"
}

# The page at 100,000 connections: each filter answers from its index, the first
# page as fast as one deep in the list.  The times go to the log (issue 10 asks
# for the number); the bound only catches a page that reads the whole table.
test_all_connections_is_fast_at_100000_rows() {
	local team q ms worst=0 deep
	make_user bulk.owner@example.com
	team=$(make_team "Bulk")
	set_up_sql "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000)
		INSERT INTO email_connections (kind, owner_user_id, inbox_id, connected_by_user_id, provider,
			address, state, connected_at, state_changed_at, last_error)
		SELECT CASE WHEN i % 10 = 0 THEN 'team' ELSE 'personal' END,
			CASE WHEN i % 10 = 0 THEN NULL ELSE u.id END,
			CASE WHEN i % 10 = 0 THEN $team ELSE NULL END, u.id,
			CASE i % 4 WHEN 0 THEN 'google' WHEN 1 THEN 'microsoft' WHEN 2 THEN 'outlook' ELSE 'imap' END,
			'bulk' || i || '@bulk.example',
			CASE WHEN i % 97 = 0 THEN 'disconnected' WHEN i % 13 = 0 THEN 'disabled' ELSE 'connected' END,
			unixepoch() - i, unixepoch() - i, CASE WHEN i % 97 = 0 THEN 'token_rejected' ELSE '' END
		FROM n, users u WHERE u.email = 'bulk.owner@example.com'" ||
		{ fail "could not add 100,000 connections"; return; }
	deep=$(sql "SELECT id FROM email_connections ORDER BY id LIMIT 1 OFFSET 500")
	as_new_user bulk-super@example.com super_admin
	for q in "" "state=disconnected" "kind=team" "provider=imap&state=disabled" \
		"state=disconnected&provider=outlook&kind=team" "state=removed" "before=$deep"; do
		ms=$(curl -s -o "$T_DIR/body" -w '%{time_total}' -b "$JAR" "$BASE/admin/connections?$q" |
			awk '{ printf "%d", $1 * 1000 }')
		t_log "GET /admin/connections?$q at 100,000 rows: ${ms} ms"
		[ "$ms" -gt "$worst" ] && worst=$ms
		grep -q 'class="list all-connections"\|class="empty"' "$T_DIR/body" || fail "?$q: not the list"
	done
	# Under valgrind (make check-valgrind) the times say nothing.
	[ -n "${STACK_WRAP-}" ] || [ "$worst" -lt 1000 ] || fail "the slowest page took $worst ms"
}

t_run
