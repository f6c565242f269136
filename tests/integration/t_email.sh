#!/usr/bin/env bash
# t_email.sh — Step 3: Settings › General › Email.  Every transition and every
# refusal, through nginx; after each refusal the database is as it was.
. "$(dirname "$0")/lib.sh"
t_start
cli demo-seed >/dev/null || { echo "Bail out! demo-seed failed"; exit 1; }
USER_PW='a long user password'
printf '%s\n' "$USER_PW" | cli user add bob@example.com --role user --password-stdin >/dev/null

# add_inbox EMAIL PROVIDER ADDRESS STATE — an inbox of the user's, for a test of
# its own (the token is an opaque blob: the web programs never open it).
add_inbox() {
	sql "INSERT INTO email_connections (kind, owner_user_id, connected_by_user_id, provider, address,
		state, sealed_token, connected_at, state_changed_at)
		SELECT 'personal', id, id, '$2', '$3', '$4', randomblob(120), unixepoch(), unixepoch()
		FROM users WHERE email = '$1'"
	inbox_id "$3"
}

inbox_id() {
	sql "SELECT id FROM email_connections WHERE address = '$1'"
}

state_of() {
	sql "SELECT state FROM email_connections WHERE address = '$1'"
}

as admin
login "$ADMIN" "$ADMIN_PW"

test_list_shows_each_inbox_with_provider_state_since_and_error() {
	as admin
	http GET /settings/email
	expect_status 200
	expect_text "Settings › General › Email"
	expect_text "sales@example.com Gmail Connected"
	expect_text "admin@contoso.example Office 365 Connected"
	expect_text "support@example.org IMAP Connected"
	expect_text "old.admin@outlook.com Outlook.com Disabled"
	expect_text "admin.archive@gmail.com Gmail Disconnected — reconnect needed"
	expect_text "Google no longer accepts the panel's access: it was revoked, or has expired. invalid_grant"
	expect_text "Connected since"
	expect_text "An inbox needs reconnecting."
	# Another user's inboxes are not in the list.
	expect_no_body "marie@contoso.example"
}

test_only_the_actions_a_state_allows_are_offered() {
	local connected disabled disconnected
	connected=$(inbox_id sales@example.com)
	disabled=$(inbox_id old.admin@outlook.com)
	disconnected=$(inbox_id admin.archive@gmail.com)
	as admin
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
	as admin
	http GET /settings/email
	expect_body "class=\"state-disabled\" id=\"inbox-$(inbox_id old.admin@outlook.com)\""
	expect_text "Disabled Nothing is synced or sent."
}

test_disable_confirmation_names_the_mailbox_and_what_happens() {
	as admin
	http GET "/settings/email/$(inbox_id sales@example.com)/disable"
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
	id=$(inbox_id sales@example.com)
	as admin
	http GET "/settings/email/$id/disable"
	post "/settings/email/$id/disable"
	expect_status 303
	expect_header Location '/settings/email'
	[ "$(state_of sales@example.com)" = disabled ] || fail "not disabled"
	[ "$(sql "SELECT sealed_token IS NOT NULL FROM email_connections WHERE id = $id")" = 1 ] ||
		fail "disabling dropped the token"
	[ "$(sql "SELECT count(*) FROM audit_log WHERE action = 'email.disable' AND target = 'connection:$id' AND actor = '$ADMIN' AND detail = 'sales@example.com'")" = 1 ] ||
		fail "no audit row"
	http GET /settings/email
	expect_text "Your inbox is greyed out. Select Remove to remove it from your account."
	http GET /settings/email
	expect_no_body "Your inbox is greyed out."
}

test_confirming_what_is_done_already_goes_back_to_the_list() {
	as admin
	http GET "/settings/email/$(inbox_id sales@example.com)/disable"
	expect_status 303
	expect_header Location '/settings/email'
}

test_enable_brings_a_disabled_inbox_back() {
	local id
	id=$(inbox_id sales@example.com)
	as admin
	http GET /settings/email
	post "/settings/email/$id/enable"
	expect_status 303
	[ "$(state_of sales@example.com)" = connected ] || fail "not connected again"
	[ "$(sql "SELECT count(*) FROM audit_log WHERE action = 'email.enable' AND target = 'connection:$id'")" = 1 ] ||
		fail "no audit row"
	http GET /settings/email
	expect_text "sales@example.com is enabled again: syncing and sending resume."
}

test_remove_requires_disabled() {
	local id before
	id=$(inbox_id admin@contoso.example)
	as admin
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
	id=$(inbox_id admin@contoso.example)
	as admin
	http GET "/settings/email/$id/disable"
	post "/settings/email/$id/disable"
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
	id=$(inbox_id admin@contoso.example)
	as admin
	http GET "/settings/email/$id/remove"
	post "/settings/email/$id/remove"
	expect_status 303
	[ "$(state_of admin@contoso.example)" = removed ] || fail "not removed"
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
	id=$(inbox_id old.admin@outlook.com)
	as admin
	http GET "/settings/email/$id/remove"
	expect_text "Outlook.com offers the panel no way to revoke that access"
	expect_text "account.live.com/consent/Manage"
	post "/settings/email/$id/remove"
	expect_status 303
	[ "$(sql "SELECT state || ' ' || (sealed_token IS NULL) FROM outbox_jobs WHERE connection_id = $id")" = "manual 1" ] ||
		fail "the job is not manual, or kept a token"
	http GET /settings/email
	expect_text "One step is left for you"
	expect_text "Microsoft offers no way for the panel to remove its access: finish it yourself."
	expect_text "What you still need to do"
	expect_text "Microsoft account › Privacy › Apps and services that can access your data"
}

test_removing_an_imap_inbox_says_there_is_nothing_to_revoke() {
	local id
	id=$(inbox_id support@example.org)
	as admin
	http GET "/settings/email/$id/disable"
	post "/settings/email/$id/disable"
	http GET "/settings/email/$id/remove"
	expect_text "The panel deletes the password it stored for support@example.org."
	expect_text "There is nothing to revoke at an IMAP server."
	post "/settings/email/$id/remove"
	http GET /settings/email
	expect_text "There is nothing to revoke at an IMAP server."
	expect_text "if you share this password elsewhere, change it, or ask your IT department."
}

test_a_disconnected_inbox_can_be_removed() {
	local id
	id=$(inbox_id admin.archive@gmail.com)
	as admin
	http GET "/settings/email/$id/remove"
	expect_status 200
	expect_text "It then asks Google to revoke that access"
	post "/settings/email/$id/remove"
	expect_status 303
	[ "$(sql "SELECT state FROM outbox_jobs WHERE connection_id = $id")" = pending ] || fail "no revocation"
}

test_double_submitted_remove_queues_one_job() {
	local id token
	id=$(inbox_id sales@example.com)
	as admin
	http GET "/settings/email/$id/disable"
	post "/settings/email/$id/disable"
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
	id=$(inbox_id marie@contoso.example)
	as bob
	login bob@example.com "$USER_PW"
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
	as admin
	for path in /settings/email/abc/disable /settings/email/0/disable /settings/email/007/remove \
		/settings/email/99999999999999999999/disable /settings/email/-1/remove; do
		http GET "$path"
		expect_status 400 "for $path"
	done
	expect_text "The address of this page has an id that is not a number."
}

test_post_without_or_with_a_bad_token_is_403_and_changes_nothing() {
	local id before
	id=$(add_inbox "$ADMIN" google forged@example.com connected)
	as admin
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
	as admin
	http GET "/settings/email/1/enable"
	expect_status 405
	expect_header Allow 'POST'
}

test_a_state_that_forbids_the_action_is_409() {
	local removed before
	removed=$(inbox_id admin@contoso.example)
	as admin
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
	id=$(add_inbox "$ADMIN" microsoft again@example.com connected)
	as admin
	http GET /settings/email
	before=$(db_state)
	post "/settings/email/$id/enable"
	expect_status 303
	[ "$before" = "$(db_state)" ] || fail "enabling a connected inbox changed something"
}

test_empty_list_explains_and_offers_connect() {
	as bob
	login bob@example.com "$USER_PW"
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
	id=$(add_inbox "$ADMIN" google poke@example.com connected)
	as admin
	http GET "/settings/email/$id/disable"
	post "/settings/email/$id/disable"
	http GET "/settings/email/$id/remove"
	post "/settings/email/$id/remove"
	expect_status 303
	wait $reader
	[ "$(cat "$T_DIR/poked")" = "!" ] || fail "the worker's FIFO got nothing"
}

test_pages_speak_french_to_a_french_browser() {
	local id
	as bob
	login bob@example.com "$USER_PW"
	http GET /settings/email -H "Accept-Language: fr-FR,fr;q=0.9,en;q=0.5"
	expect_text "Paramètres › Général › E-mail"
	expect_text "Aucune boîte de réception n'est connectée"
	as admin
	id=$(add_inbox "$ADMIN" outlook francais@outlook.fr connected)
	http GET "/settings/email/$id/disable" -H "Accept-Language: fr"
	expect_text "Oui, le désactiver"
	expect_text "Annuler"
	id=$(add_inbox "$ADMIN" google refuse@gmail.com disconnected)
	sql "UPDATE email_connections SET last_error = 'token_rejected' WHERE id = $id"
	http GET /settings/email -H "Accept-Language: fr"
	expect_text "Google n'accepte plus l'accès du panneau : il a été révoqué, ou a expiré."
}

t_run
