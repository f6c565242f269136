#!/usr/bin/env bash
# t_email.sh — Step 3: Settings › General › Email.  Every transition and every
# refusal, through nginx; after each refusal the database is as it was.  Each test
# signs in a user of its own and gives it the inboxes it needs.
. "$(dirname "$0")/lib.sh"
t_start

test_list_shows_each_inbox_with_provider_state_since_and_error() {
	as_new_user ann@example.com
	make_inbox ann@example.com google sales@example.com connected >/dev/null
	make_inbox ann@example.com microsoft admin@contoso.example connected >/dev/null
	make_inbox ann@example.com imap support@example.org connected >/dev/null
	make_inbox ann@example.com outlook old.admin@outlook.com disabled >/dev/null
	make_inbox ann@example.com google admin.archive@gmail.com disconnected token_rejected invalid_grant >/dev/null
	make_user marie@example.com
	make_inbox marie@example.com microsoft marie@contoso.example connected >/dev/null
	http GET /settings/email
	expect_status 200
	expect_text "Settings › General › Email"
	expect_text "sales@example.com Gmail Connected"
	expect_text "admin@contoso.example Office 365 Connected"
	expect_text "support@example.org IMAP Connected"
	expect_text "old.admin@outlook.com Outlook.com Disabled"
	expect_text "admin.archive@gmail.com Gmail Last error Google no longer accepts the panel's access: it was revoked, or has expired. invalid_grant Disconnected Reconnect needed"
	expect_text "Google no longer accepts the panel's access: it was revoked, or has expired. invalid_grant"
	expect_text "Connected since"
	expect_text "An inbox needs reconnecting."
	# Another user's inboxes are not in the list.
	expect_no_body "marie@contoso.example"
}

test_only_the_actions_a_state_allows_are_offered() {
	local connected disabled disconnected
	as_new_user ben@example.com
	connected=$(make_inbox ben@example.com google sales@example.com connected)
	disabled=$(make_inbox ben@example.com outlook old.admin@outlook.com disabled)
	disconnected=$(make_inbox ben@example.com google admin.archive@gmail.com disconnected token_rejected invalid_grant)
	http GET /settings/email
	expect_body "/settings/email/$connected/disable"
	expect_no_body "/settings/email/$connected/remove"
	expect_no_body "/settings/email/$connected/enable"
	expect_body "/settings/email/$disabled/enable"
	expect_body "/settings/email/$disabled/remove"
	expect_no_body "/settings/email/$disabled/disable"
	expect_body "/settings/email/$disconnected/remove"
	expect_no_body "/settings/email/$disconnected/disable"
}

test_a_disabled_inbox_is_greyed_out_and_says_so() {
	local id
	as_new_user cleo@example.com
	id=$(make_inbox cleo@example.com outlook old.admin@outlook.com disabled)
	http GET /settings/email
	expect_body "class=\"state-disabled\" id=\"conn-$id\""
	expect_text "Disabled Nothing is synced or sent."
}

test_disable_confirmation_names_the_mailbox_and_what_happens() {
	local id
	as_new_user dan@example.com
	id=$(make_inbox dan@example.com google sales@example.com connected)
	http GET "/settings/email/$id/disable"
	expect_status 200
	expect_text "Disable sales@example.com?"
	expect_text "Syncing and sending through sales@example.com stop at once."
	expect_text "Nothing is deleted: the panel keeps its access"
	expect_text "You can enable it again at any time"
	expect_text "Yes, disable it"
	expect_text "Cancel"
}

test_disable_moves_connected_to_disabled_and_keeps_the_token() {
	local id
	as_new_user eve@example.com
	id=$(make_inbox eve@example.com google sales@example.com connected)
	http GET "/settings/email/$id/disable"
	post "/settings/email/$id/disable"
	expect_status 303
	expect_header Location '/settings/email'
	[ "$(state_of "$id")" = disabled ] || fail "not disabled"
	[ "$(sql "SELECT sealed_token IS NOT NULL FROM email_connections WHERE id = $id")" = 1 ] ||
		fail "disabling dropped the token"
	[ "$(sql "SELECT count(*) FROM audit_log WHERE action = 'email.disable' AND target = 'connection:$id' AND actor = 'eve@example.com' AND detail = 'sales@example.com'")" = 1 ] ||
		fail "no audit row"
	http GET /settings/email
	expect_text "Your inbox is greyed out. Select Remove to remove it from your account."
	http GET /settings/email
	expect_no_body "Your inbox is greyed out."
}

test_confirming_what_is_done_already_goes_back_to_the_list() {
	local id
	as_new_user fay@example.com
	id=$(make_inbox fay@example.com google sales@example.com disabled)
	http GET "/settings/email/$id/disable"
	expect_status 303
	expect_header Location '/settings/email'
}

test_enable_brings_a_disabled_inbox_back() {
	local id
	as_new_user gus@example.com
	id=$(make_inbox gus@example.com google sales@example.com disabled)
	http GET /settings/email
	post "/settings/email/$id/enable"
	expect_status 303
	[ "$(state_of "$id")" = connected ] || fail "not connected again"
	[ "$(sql "SELECT count(*) FROM audit_log WHERE action = 'email.enable' AND target = 'connection:$id'")" = 1 ] ||
		fail "no audit row"
	http GET /settings/email
	expect_text "sales@example.com is enabled again: syncing and sending resume."
}

test_remove_requires_disabled() {
	local id before
	as_new_user hal@example.com
	id=$(make_inbox hal@example.com microsoft admin@contoso.example connected)
	http GET "/settings/email/$id/remove"
	expect_status 409
	expect_text "admin@contoso.example is still connected. Disable it first"
	expect_body "href=\"/settings/email/$id/disable\""
	before=$(db_state)
	http GET /settings/email
	post "/settings/email/$id/remove"
	expect_status 409
	expect_text "Nothing was changed."
	[ "$before" = "$(db_state)" ] || fail "a refused remove changed the database"
}

test_remove_confirmation_says_what_is_deleted_and_revoked() {
	local id
	as_new_user ivy@example.com
	id=$(make_inbox ivy@example.com microsoft admin@contoso.example disabled)
	http GET "/settings/email/$id/remove"
	expect_status 200
	expect_text "Remove admin@contoso.example?"
	expect_text "The panel deletes its copy of the access to admin@contoso.example."
	expect_text "It then asks Microsoft to delete the app's permission for this mailbox in Office 365."
	expect_text "This cannot be undone"
	expect_text "Yes, remove inbox"
}

test_remove_moves_the_token_into_one_pending_revocation() {
	local id
	as_new_user jon@example.com
	id=$(make_inbox jon@example.com microsoft admin@contoso.example disabled)
	http GET "/settings/email/$id/remove"
	post "/settings/email/$id/remove"
	expect_status 303
	[ "$(state_of "$id")" = removed ] || fail "not removed"
	[ "$(sql "SELECT sealed_token IS NULL FROM email_connections WHERE id = $id")" = 1 ] ||
		fail "the connection kept its token"
	[ "$(sql "SELECT state || ' ' || provider || ' ' || (sealed_token IS NOT NULL) FROM outbox_jobs WHERE kind = 'revoke' AND connection_id = $id")" = "pending microsoft 1" ] ||
		fail "no pending revocation holding the token"
	[ "$(sql "SELECT count(*) FROM audit_log WHERE action = 'email.remove' AND target = 'connection:$id'")" = 1 ] ||
		fail "no audit row"
	http GET /settings/email
	expect_text "admin@contoso.example was removed."
	expect_text "Recently removed"
	expect_text "admin@contoso.example Office 365 Removing"
	expect_text "Removing the panel's access at Microsoft…"
	expect_no_body "/settings/email/$id/disable"
}

test_removing_an_outlook_inbox_leaves_manual_steps() {
	local id
	as_new_user kim@example.com
	id=$(make_inbox kim@example.com outlook old.admin@outlook.com disabled)
	http GET "/settings/email/$id/remove"
	expect_text "Outlook.com offers the panel no way to revoke that access"
	expect_text "account.live.com/consent/Manage"
	post "/settings/email/$id/remove"
	expect_status 303
	[ "$(sql "SELECT state || ' ' || (sealed_token IS NULL) FROM outbox_jobs WHERE connection_id = $id")" = "manual 1" ] ||
		fail "the job is not manual, or kept a token"
	http GET /settings/email
	expect_text "One step is left for you"
	expect_text "Microsoft offers no way for the app to remove its access: follow the steps below."
	expect_text "What you still need to do"
	expect_text "Open Apps and services that can access your data, signed in at Microsoft as"
	expect_body 'href="https://account.live.com/consent/Manage"'
}

test_removing_an_imap_inbox_says_there_is_nothing_to_revoke() {
	local id
	as_new_user lea@example.com
	id=$(make_inbox lea@example.com imap support@example.org disabled)
	http GET "/settings/email/$id/remove"
	expect_text "The panel deletes the password it stored for support@example.org."
	expect_text "There is nothing to revoke at an IMAP server; if you share this password elsewhere, change it"
	expect_no_body "manual-steps"
	post "/settings/email/$id/remove"
	http GET /settings/email
	expect_text "Nothing to do: there is nothing to revoke at an IMAP server."
	expect_text "If you share this password elsewhere, change it, or ask your IT department."
}

test_a_disconnected_inbox_can_be_removed() {
	local id
	as_new_user max@example.com
	id=$(make_inbox max@example.com google admin.archive@gmail.com disconnected token_rejected invalid_grant)
	http GET "/settings/email/$id/remove"
	expect_status 200
	expect_text "It then asks Google to revoke that access"
	post "/settings/email/$id/remove"
	expect_status 303
	[ "$(sql "SELECT state FROM outbox_jobs WHERE connection_id = $id")" = pending ] || fail "no revocation"
}

test_double_submitted_remove_queues_one_job() {
	local id token
	as_new_user ned@example.com
	id=$(make_inbox ned@example.com google sales@example.com disabled)
	http GET "/settings/email/$id/remove"
	token=$(page_csrf)
	# Two submits of the same form, at the same moment.
	local first second
	curl -s -o /dev/null -w '%{http_code}\n' -b "$JAR" -H "Origin: $BASE" --data-urlencode "csrf=$token" \
		"$BASE/settings/email/$id/remove" >"$T_DIR/r1" &
	first=$!
	curl -s -o /dev/null -w '%{http_code}\n' -b "$JAR" -H "Origin: $BASE" --data-urlencode "csrf=$token" \
		"$BASE/settings/email/$id/remove" >"$T_DIR/r2" &
	second=$!
	wait $first $second
	[ "$(cat "$T_DIR/r1" "$T_DIR/r2" | sort | uniq)" = 303 ] || fail "answers: $(cat "$T_DIR/r1" "$T_DIR/r2" | tr '\n' ' ')"
	[ "$(sql "SELECT count(*) FROM outbox_jobs WHERE connection_id = $id")" = 1 ] || fail "more than one job"
	[ "$(sql "SELECT count(*) FROM audit_log WHERE action = 'email.remove' AND target = 'connection:$id'")" = 1 ] ||
		fail "the removal was recorded twice"
	post "/settings/email/$id/remove" "csrf=$token"
	expect_status 303
	[ "$(sql "SELECT count(*) FROM outbox_jobs WHERE connection_id = $id")" = 1 ] || fail "a third submit queued a job"
}

test_another_users_inbox_is_404_and_changes_nothing() {
	local id before
	make_user olga@example.com
	id=$(make_inbox olga@example.com microsoft marie@contoso.example connected)
	as_new_user pat@example.com
	http GET "/settings/email/$id/disable"
	expect_status 404
	expect_text "Page not found"
	expect_no_body "marie@contoso.example"
	before=$(db_state)
	http GET /settings/email
	post "/settings/email/$id/disable"
	expect_status 404
	post "/settings/email/$id/enable"
	expect_status 404
	post "/settings/email/$id/remove"
	expect_status 404
	post "/settings/email/999999/disable"
	expect_status 404
	[ "$before" = "$(db_state)" ] || fail "another user's inbox was changed"
}

test_malformed_ids_are_400() {
	local path
	as_new_user quin@example.com
	for path in /settings/email/abc/disable /settings/email/0/disable /settings/email/007/remove \
		/settings/email/99999999999999999999/disable /settings/email/-1/remove; do
		http GET "$path"
		expect_status 400 "for $path"
	done
	expect_text "The address of this page has an id that is not a number."
}

test_post_without_or_with_a_bad_token_is_403_and_changes_nothing() {
	local id before
	as_new_user rita@example.com
	id=$(make_inbox rita@example.com google forged@example.com connected)
	http GET /settings/email
	before=$(db_state)
	http POST "/settings/email/$id/disable" -H "Origin: $BASE"
	expect_status 403
	post "/settings/email/$id/disable" "csrf=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	expect_status 403
	http GET /settings/email
	ORIGIN=https://evil.example post "/settings/email/$id/disable"
	expect_status 403
	[ "$before" = "$(db_state)" ] || fail "a forged POST changed the database"
}

test_get_on_a_post_only_route_is_405() {
	as_new_user sam@example.com
	http GET "/settings/email/1/enable"
	expect_status 405
	expect_header Allow 'POST'
}

test_a_state_that_forbids_the_action_is_409() {
	local removed before
	as_new_user tara@example.com
	removed=$(make_inbox tara@example.com microsoft admin@contoso.example removed)
	http GET /settings/email
	before=$(db_state)
	post "/settings/email/$removed/enable"
	expect_status 409
	expect_text "admin@contoso.example was removed. To use it again, connect it anew."
	http GET /settings/email
	post "/settings/email/$removed/disable"
	expect_status 409
	[ "$before" = "$(db_state)" ] || fail "a refused action changed the database"
}

test_doing_again_what_is_done_changes_nothing() {
	local id before
	as_new_user ugo@example.com
	id=$(make_inbox ugo@example.com microsoft again@example.com connected)
	http GET /settings/email
	before=$(db_state)
	post "/settings/email/$id/enable"
	expect_status 303
	[ "$before" = "$(db_state)" ] || fail "enabling a connected inbox changed something"
}

test_empty_list_explains_and_offers_connect() {
	as_new_user vera@example.com
	http GET /settings/email
	expect_status 200
	expect_text "No inbox is connected yet"
	expect_text "Connect your inbox so the CRM can log the emails you send and receive"
	expect_body 'href="/settings/email/connect"'
	http GET /settings/email/connect
	expect_status 200
	expect_text "Gmail"
	expect_text "Office 365"
	expect_text "Outlook.com"
	expect_text "IMAP"
}

test_remove_wakes_the_worker_after_commit() {
	local id reader
	mkfifo "$T_DIR/run/worker.fifo"
	(timeout 10 head -c 1 "$T_DIR/run/worker.fifo" >"$T_DIR/poked") &
	reader=$!
	as_new_user walt@example.com
	id=$(make_inbox walt@example.com google poke@example.com connected)
	http GET "/settings/email/$id/disable"
	post "/settings/email/$id/disable"
	http GET "/settings/email/$id/remove"
	post "/settings/email/$id/remove"
	expect_status 303
	wait $reader
	[ "$(cat "$T_DIR/poked")" = "!" ] || fail "the worker's FIFO got nothing"
	# The tests after this one find no FIFO, as the ones before it did.
	rm -f "$T_DIR/run/worker.fifo"
}

test_pages_speak_french_to_a_french_browser() {
	local id
	as_new_user xavier@example.com
	http GET /settings/email -H "Accept-Language: fr-FR,fr;q=0.9,en;q=0.5"
	expect_text "Paramètres › Général › E-mail"
	expect_text "Aucune boîte de réception n’est connectée"
	id=$(make_inbox xavier@example.com outlook francais@outlook.fr connected)
	http GET "/settings/email/$id/disable" -H "Accept-Language: fr"
	expect_text "Oui, le désactiver"
	expect_text "Annuler"
	make_inbox xavier@example.com google refuse@gmail.com disconnected token_rejected >/dev/null
	http GET /settings/email -H "Accept-Language: fr"
	expect_text "Google n’accepte plus l’accès de l’application : il a été révoqué, ou a expiré."
}

t_run
