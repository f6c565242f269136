#!/usr/bin/env bash
# t_progress.sh — Step 7, what a removed inbox's card says while its access is
# revoked and after: when the revocation started, the tries so far and the next
# one (on the page, and from its JSON status for the page's script), the steps
# left to do by hand as a numbered list with the provider's pages, and the
# "Done" the panel remembers — personal inboxes and team channels alike.  The
# worker is not started: each job stays as the test leaves it.
. "$(dirname "$0")/lib.sh"
t_start

# revocation CONNECTION-ID STATE [ATTEMPTS [NEXT-IN-SECONDS [REASON]]] — the
# revocation job of a removed connection, straight into the database.
revocation() {
	set_up_sql "INSERT INTO outbox_jobs (kind, connection_id, provider, state, attempts,
		next_attempt_at, last_error, created_at, updated_at)
		SELECT 'revoke', id, provider, '$2', ${3-0}, unixepoch() + ${4-0}, '${5-}',
		unixepoch() - 600, unixepoch() - 60 FROM email_connections WHERE id = $1" ||
		set_up_failed "could not add the revocation of $1"
}

make_team() {
	set_up_sql "INSERT INTO conversation_inboxes (name, created_at) VALUES ('$1', unixepoch())
		RETURNING id" | grep -E '^[0-9]+$' || set_up_failed "could not add the inbox $1"
}

make_channel() { # INBOX-ID CONNECTOR-EMAIL PROVIDER ADDRESS
	set_up_sql "INSERT INTO email_connections (kind, inbox_id, connected_by_user_id, provider,
		address, state, sealed_token, connected_at, state_changed_at)
		SELECT 'team', $1, id, '$3', '$4', 'removed', NULL, unixepoch() - 86400, unixepoch() - 600
		FROM users WHERE email = '$2' RETURNING id" | grep -E '^[0-9]+$' ||
		set_up_failed "could not add the channel $4"
}

test_a_pending_card_shows_start_tries_and_next_try_and_never_removed() {
	local id
	as_new_user pia@example.com
	id=$(make_inbox pia@example.com google slow@example.com removed)
	revocation "$id" pending 2 300
	http GET /settings/email
	expect_status 200
	expect_text "slow@example.com Gmail Removing"
	expect_text "Removing the panel's access at Google…"
	expect_text "Started"
	expect_text "Tries so far 2"
	expect_text "Next try"
	expect_text " UTC"
	expect_body "data-progress-url=\"/settings/email/$id/revocation\""
	expect_body '<time datetime="'
	# Removing, never beside Removed.
	page_text | grep -o 'slow@example.com.*' | grep -q 'Removed' &&
		fail "the pending card also says Removed"
	return 0
}

test_the_status_endpoint_answers_json_in_the_readers_language() {
	local id
	as_new_user quinn@example.com
	id=$(make_inbox quinn@example.com microsoft busy@contoso.example removed)
	revocation "$id" pending 1 120
	http GET "/settings/email/$id/revocation"
	expect_status 200
	expect_header Content-Type 'application/json'
	expect_header Cache-Control 'no-store'
	[ "$(json "$T_DIR/body" '$.pending')" = 1 ] || fail "not pending: $(cat "$T_DIR/body")"
	[ "$(json "$T_DIR/body" '$.attempts')" = 1 ] || fail "attempts: $(cat "$T_DIR/body")"
	[ "$(json "$T_DIR/body" '$.badge')" = Removing ] || fail "badge: $(cat "$T_DIR/body")"
	json "$T_DIR/body" '$.next' | grep -qE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$' ||
		fail "next is not a UTC time: $(cat "$T_DIR/body")"
	# The same, in French, for a French reader.
	http GET "/settings/email/$id/revocation" -H 'Accept-Language: fr'
	set_up_sql "UPDATE users SET language = 'fr' WHERE email = 'quinn@example.com'"
	http GET "/settings/email/$id/revocation"
	[ "$(json "$T_DIR/body" '$.badge')" = "Suppression en cours" ] || fail "badge in French: $(cat "$T_DIR/body")"
	json "$T_DIR/body" '$.started_text' | grep -q ' à .* UTC$' || fail "start in French: $(cat "$T_DIR/body")"
	# Once it has ended, nothing is pending: the script stops.
	set_up_sql "UPDATE outbox_jobs SET state = 'done', sealed_token = NULL WHERE connection_id = $id"
	http GET "/settings/email/$id/revocation"
	[ "$(json "$T_DIR/body" '$.pending')" = 0 ] || fail "still pending: $(cat "$T_DIR/body")"
	[ "$(json "$T_DIR/body" '$.badge')" = "Supprimée" ] || fail "badge once done: $(cat "$T_DIR/body")"
}

test_the_status_of_another_users_inbox_is_not_found() {
	local id
	make_user rae@example.com
	id=$(make_inbox rae@example.com google rae@example.com removed)
	revocation "$id" pending
	as_new_user sam@example.com
	http GET "/settings/email/$id/revocation"
	expect_status 404
	as nobody
	http GET "/settings/email/$id/revocation"
	expect_status 303
}

test_manual_steps_are_a_numbered_list_with_the_providers_page_open_by_default() {
	local id
	as_new_user tess@example.com
	id=$(make_inbox tess@example.com outlook tess@outlook.com removed)
	revocation "$id" manual
	http GET /settings/email
	expect_body '<details class="steps" open>'
	expect_body '<ol class="steps-list">'
	expect_body 'href="https://account.live.com/consent/Manage"'
	expect_text "Open Apps and services that can access your data, signed in at Microsoft as tess@outlook.com:"
	expect_text "Select Remove these permissions, then confirm."
	expect_body "action=\"/settings/email/$id/steps-done\""
	expect_text "Done: I removed the access"
}

test_done_is_remembered_with_its_audit_row_and_said_once() {
	local id
	as_new_user uma@example.com
	id=$(make_inbox uma@example.com google uma@gmail.example removed)
	revocation "$id" failed 8 0 "gave up"
	http GET /settings/email
	expect_body 'href="https://myaccount.google.com/permissions"'
	post "/settings/email/$id/steps-done"
	expect_status 303
	expect_header Location '/settings/email'
	[ "$(sql "SELECT manual_done_at > 0 AND manual_done_by = (SELECT id FROM users WHERE email = 'uma@example.com')
		FROM outbox_jobs WHERE connection_id = $id")" = 1 ] || fail "not remembered"
	[ "$(sql "SELECT count(*) FROM audit_log WHERE action = 'email.steps_done' AND target = 'connection:$id'")" = 1 ] ||
		fail "no audit row"
	http GET /settings/email
	expect_text "uma@example.com did these steps on"
	expect_no_body "action=\"/settings/email/$id/steps-done\""
	expect_no_body '<details class="steps" open>'
	# Again: the same 303, nothing more written.
	http GET /settings/email/connect
	post "/settings/email/$id/steps-done"
	expect_status 303
	[ "$(sql "SELECT count(*) FROM audit_log WHERE action = 'email.steps_done'")" = 1 ] || fail "a second audit row"
}

test_done_is_refused_while_the_app_is_still_at_work_and_for_imap() {
	local pending imap before
	as_new_user vic@example.com
	pending=$(make_inbox vic@example.com google vic@gmail.example removed)
	revocation "$pending" pending
	imap=$(make_inbox vic@example.com imap vic@mail.example removed)
	revocation "$imap" manual
	http GET /settings/email
	before=$(db_state)
	post "/settings/email/$pending/steps-done"
	expect_status 409
	post "/settings/email/$imap/steps-done"
	expect_status 409
	[ "$(db_state)" = "$before" ] || fail "a refused Done changed the store"
}

test_imap_says_there_is_nothing_to_do() {
	local id
	as_new_user wes@example.com
	id=$(make_inbox wes@example.com imap wes@mail.example removed)
	revocation "$id" manual
	http GET /settings/email
	expect_text "Nothing to do: there is nothing to revoke at an IMAP server."
	expect_no_body "finish it yourself"
	expect_no_body '<details class="steps"'
}

test_a_team_channels_card_follows_its_revocation_too() {
	local team id
	as_new_user xena@example.com super_admin
	team=$(make_team "Progress T")
	id=$(make_channel "$team" xena@example.com microsoft team@contoso.example)
	revocation "$id" pending 3 90
	http GET "/inbox/$team/settings/channels"
	expect_status 200
	expect_text "Tries so far 3"
	expect_body "data-progress-url=\"/inbox/$team/settings/channels/$id/revocation\""
	http GET "/inbox/$team/settings/channels/$id/revocation"
	expect_status 200
	[ "$(json "$T_DIR/body" '$.attempts')" = 3 ] || fail "attempts: $(cat "$T_DIR/body")"
	# Another inbox's number in the path: not found.
	http GET "/inbox/$((team + 1000))/settings/channels/$id/revocation"
	expect_status 404
	set_up_sql "UPDATE outbox_jobs SET state = 'manual', sealed_token = NULL WHERE connection_id = $id"
	http GET "/inbox/$team/settings/channels"
	expect_body 'href="https://myapps.microsoft.com"'
	post "/inbox/$team/channels/$id/steps-done"
	expect_status 303
	expect_header Location "/inbox/$team/settings/channels"
	[ "$(sql "SELECT count(*) FROM audit_log WHERE action = 'channel.steps_done' AND target = 'connection:$id'")" = 1 ] ||
		fail "no audit row"
}

test_the_team_status_is_for_those_who_manage_inboxes_only() {
	local team id
	make_user yan@example.com super_admin
	team=$(make_team "Progress U")
	id=$(make_channel "$team" yan@example.com google u@example.com)
	revocation "$id" pending
	as_new_user zoe@example.com
	http GET "/inbox/$team/settings/channels/$id/revocation"
	expect_status 403
}

t_run
