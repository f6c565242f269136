#!/usr/bin/env bash
# t_connect.sh — Step 5: connecting an inbox through OAuth with PKCE and state
# (rules 7 and 8), whole flows through nginx: the panel's scopes page, the
# sandbox provider's consent page, and back to /oauth/callback, with a cookie jar.
. "$(dirname "$0")/lib.sh"

t_start "Worker.connect_timeout = 1" "Worker.timeout = 2"
NBSP=$(printf '\302\240') # before ? ! : ; in French

header_value() {
	grep -i "^$1:" "$T_DIR/headers" | head -1 | sed 's/^[^:]*: *//' | tr -d '\r'
}

# A query parameter of a URL, still percent-encoded.
url_param() {
	printf '%s\n' "$1" | tr '?&' '\n\n' | sed -n "s/^$2=//p" | head -1
}

# start_connect PROVIDER — the scopes page and its button, as a person clicks
# them; the provider's authorize URL is left in AUTHORIZE.
start_connect() {
	http GET "/settings/email/connect/$1"
	expect_status 200 "(scopes page of $1)"
	post "/settings/email/connect/$1"
	expect_status 303 "(start of the $1 flow)"
	AUTHORIZE=$(header_value Location)
}

# consent DECISION MAILBOX — the sandbox's consent page, then the person's answer
# on it; the way back to the panel is left in CALLBACK.
consent() {
	local path=${AUTHORIZE%%\?*} query=${AUTHORIZE#*\?} code
	code=$(curl -s -o "$T_DIR/consent.html" -w '%{http_code}' "$AUTHORIZE")
	[ "$code" = 200 ] || fail "the consent page answered $code"
	CALLBACK=$(curl -s -o /dev/null -w '%{redirect_url}' --data "$query" \
		--data-urlencode "decision=$1" --data-urlencode "mailbox=$2" "$path")
	case $CALLBACK in
	"$BASE/oauth/callback?"*) ;;
	*) fail "the provider did not send the browser back to the panel: $CALLBACK" ;;
	esac
}

# back — the browser follows CALLBACK to the panel.
back() {
	http GET "${CALLBACK#"$BASE"}"
}

# connect PROVIDER MAILBOX — the whole flow, allowed; expects the 303 to the list.
connect() {
	start_connect "$1"
	consent allow "$2"
	back
	expect_status 303 "(callback of $1 for $2)"
	expect_header Location "/settings/email"
}

# Flows still pending for a user.
flows_of() {
	sql "SELECT count(*) FROM oauth_flows WHERE user_id = (SELECT id FROM users WHERE email = '$1')"
}

connections_of() {
	sql "SELECT count(*) FROM email_connections WHERE address = '$1'"
}

# The store as the flows leave it: every table but those a request touches anyway.
stored() {
	sqlite3 "$T_DIR/inboxpanel.db" .dump |
		grep -v -E '^INSERT INTO (audit_log|sessions|login_attempts|oauth_flows) '
}

test_scopes_page_says_what_will_be_asked_and_why() {
	as_new_user scopes@example.com
	http GET /settings/email/connect/google
	expect_status 200
	expect_text "What will be requested when you connect your inbox?"
	expect_text "What your inbox needs"
	expect_text "Read, compose, send, and permanently delete all your email from Gmail"
	expect_text "See your primary Google Account email address"
	expect_text "Associate you with your personal info on Google"
	expect_text "What other features use"
	expect_text "Nothing else is requested."
	expect_text "Continue to Google"
	expect_text "Cancel"
	http GET /settings/email/connect/microsoft
	expect_status 200
	expect_text "Maintain access to data you have given it access to"
	expect_text "Read and write access to mailboxes via IMAP"
	expect_text "Send emails from mailboxes using SMTP AUTH"
	expect_text "Continue to Microsoft"
	http GET /settings/email/connect/yahoo
	expect_status 404
	expect_text "Page not found"
}

test_scopes_page_reads_right_in_french() {
	as_new_user portee@example.com
	sql "UPDATE users SET language = 'fr' WHERE email = 'portee@example.com'"
	http GET /settings/email/connect/outlook
	expect_status 200
	expect_text "Quelles sont les données demandées lorsque vous associez votre boîte de réception${NBSP}?"
	expect_text "Ce dont votre boîte de réception a besoin"
	expect_text "Conserver l’accès aux données auxquelles vous lui avez donné accès"
	expect_text "Rien d’autre n’est demandé."
	expect_text "Continuer vers Microsoft"
	expect_text "Annuler"
}

test_authorize_redirect_carries_pkce_and_state() {
	local challenge state
	as_new_user redirect@example.com
	start_connect google
	case $AUTHORIZE in
	"$SANDBOX/google/o/oauth2/v2/auth?"*) ;;
	*) fail "not sent to Google's authorize URL: $AUTHORIZE" ;;
	esac
	for p in client_id response_type=code code_challenge_method=S256 access_type=offline \
		prompt=consent include_granted_scopes=true "redirect_uri=http%3A%2F%2F127.0.0.1%3A$PORT%2Foauth%2Fcallback"; do
		printf '%s' "$AUTHORIZE" | grep -qF -- "$p" || fail "the authorize URL lacks $p"
	done
	state=$(url_param "$AUTHORIZE" state)
	challenge=$(url_param "$AUTHORIZE" code_challenge)
	[ ${#state} -ge 43 ] || fail "state too short: $state"
	[ ${#challenge} = 43 ] || fail "challenge is not 43 characters: $challenge"
	# Stored: the state's hash only, and a verifier whose S256 is the challenge.
	[ "$(sql "SELECT count(*) FROM oauth_flows WHERE hex(state_hash) = upper('$(printf %s "$state" | sha256sum | cut -c1-64)')")" = 1 ] ||
		fail "the flow is not stored under the state's SHA-256"
	[ "$(sql "SELECT count(*) FROM oauth_flows WHERE code_verifier = '$state' OR state_hash = '$state'")" = 0 ] ||
		fail "the state is stored in clear"
	[ "$(printf %s "$(sql "SELECT code_verifier FROM oauth_flows WHERE user_id = (SELECT id FROM users WHERE email = 'redirect@example.com')")" | openssl dgst -sha256 -binary | base64 -w0 | tr '+/' '-_' | tr -d '=')" = "$challenge" ] ||
		fail "the challenge is not the S256 of the stored verifier"
	start_connect microsoft
	printf '%s' "$AUTHORIZE" | grep -qF response_mode=query || fail "Microsoft's authorize URL lacks response_mode=query"
}

test_connect_gmail() {
	local id token
	as_new_user gmail@example.com
	connect google ann@gmail.example
	http GET /settings/email
	expect_status 200
	expect_text "ann@gmail.example is connected"
	expect_text "ann@gmail.example"
	expect_text "Gmail"
	expect_text "Connected"
	id=$(sql "SELECT id FROM email_connections WHERE address = 'ann@gmail.example'")
	[ -n "$id" ] || { fail "no connection stored"; return; }
	[ "$(sql "SELECT state || ' ' || provider || ' ' || (owner_user_id = (SELECT id FROM users WHERE email = 'gmail@example.com'))
		FROM email_connections WHERE id = $id")" = "connected google 1" ] || fail "the connection is not as connected"
	[ "$(sql "SELECT provider_subject <> '' FROM email_connections WHERE id = $id")" = 1 ] || fail "no subject kept"
	[ "$(sql "SELECT count(*) FROM audit_log WHERE action = 'email.connect' AND target = 'connection:$id' AND detail = 'ann@gmail.example'")" = 1 ] ||
		fail "no audit row"
	# The refresh token is sealed: nothing in the database looks like one.
	[ "$(sql "SELECT length(sealed_token) > 0 FROM email_connections WHERE id = $id")" = 1 ] || fail "no token stored"
	! strings "$T_DIR/inboxpanel.db"* | grep -q 'sbx_' || fail "a token stands in plain text in the database"
	[ "$(flows_of gmail@example.com)" = 0 ] || fail "the flow was not taken"
	token=$(sql "SELECT count(*) FROM audit_log WHERE detail LIKE '%sbx%'")
	[ "$token" = 0 ] || fail "a token in the audit log"
	for f in "$T_DIR"/log/settings.log "$T_DIR"/log/account.log; do
		[ -r "$f" ] || { fail "no log $f"; continue; }
		! grep -q 'sbx_\|sbxcode-' "$f" || fail "a token or code in $f"
	done
}

test_connect_office_365_keeps_the_account_ids() {
	as_new_user o365@example.com
	connect microsoft bob@contoso.example
	http GET /settings/email
	expect_text "bob@contoso.example is connected"
	expect_text "Office 365"
	[ "$(sql "SELECT provider || ' ' || (provider_subject <> '') || ' ' || (provider_tenant <> '')
		FROM email_connections WHERE address = 'bob@contoso.example'")" = "microsoft 1 1" ] ||
		fail "oid and tid are not kept"
}

test_connect_outlook_com() {
	as_new_user outlookcom@example.com
	connect outlook carl@outlook.example
	http GET /settings/email
	expect_text "carl@outlook.example is connected"
	expect_text "Outlook.com"
	[ "$(sql "SELECT provider_tenant FROM email_connections WHERE address = 'carl@outlook.example'")" = \
		9188040d-6c67-4c5b-b112-36a304b66dad ] || fail "not a personal account's tenant"
}

test_denied_consent_stores_nothing() {
	local before
	as_new_user denied@example.com
	start_connect google
	before=$(stored)
	consent deny dora@gmail.example
	back
	expect_status 403
	expect_text "Access was not allowed"
	expect_text "You did not allow the app to use your inbox at Google, so nothing was connected."
	expect_text "Start again"
	[ "$(stored)" = "$before" ] || fail "a denied consent changed the store"
	[ "$(flows_of denied@example.com)" = 0 ] || fail "the flow was not used up"
}

test_replayed_state_is_refused() {
	as_new_user replay@example.com
	connect google eve@gmail.example
	back
	expect_status 400
	expect_text "This answer from the provider cannot be used"
	[ "$(connections_of eve@gmail.example)" = 1 ] || fail "a replay stored a second inbox"
}

test_forged_state_is_refused() {
	local before
	as_new_user forged@example.com
	start_connect google
	consent allow fay@gmail.example
	before=$(stored)
	CALLBACK=$(printf '%s' "$CALLBACK" | sed -E "s/state=[^&]*/state=$(openssl rand -base64 32 | tr '+/' '-_' | tr -d '=')/")
	back
	expect_status 400
	expect_text "This answer from the provider cannot be used"
	expect_text "Start again"
	[ "$(stored)" = "$before" ] || fail "a forged state changed the store"
	[ "$(connections_of fay@gmail.example)" = 0 ] || fail "a forged state stored an inbox"
}

test_state_of_another_session_is_refused() {
	local before
	as_new_user session@example.com
	start_connect google
	consent allow gus@gmail.example
	# The same user, signed in from another browser.
	as other_browser
	login session@example.com "$USER_PW"
	before=$(stored)
	back
	expect_status 400
	expect_text "was started in another session"
	[ "$(stored)" = "$before" ] || fail "another session's state changed the store"
	[ "$(flows_of session@example.com)" = 1 ] || fail "another session used up the flow"
	# Its own session can still finish it.
	as session
	back
	expect_status 303
	[ "$(connections_of gus@gmail.example)" = 1 ] || fail "the flow's own session could not finish it"
}

test_expired_state_is_refused() {
	local before
	as_new_user expired@example.com
	start_connect google
	consent allow hal@gmail.example
	sql "UPDATE oauth_flows SET created_at = created_at - 601 WHERE user_id = (SELECT id FROM users WHERE email = 'expired@example.com')"
	before=$(stored)
	back
	expect_status 400
	expect_text "is more than 10 minutes old"
	[ "$(stored)" = "$before" ] || fail "an expired state changed the store"
	[ "$(connections_of hal@gmail.example)" = 0 ] || fail "an expired state stored an inbox"
}

test_pkce_mismatch_fails_the_exchange() {
	local before
	as_new_user pkce@example.com
	start_connect google
	consent allow ida@gmail.example
	sql "UPDATE oauth_flows SET code_verifier = 'tampered-verifier-tampered-verifier-tampered'
		WHERE user_id = (SELECT id FROM users WHERE email = 'pkce@example.com')"
	before=$(stored)
	back
	expect_status 502
	expect_text "The provider did not accept the connection"
	expect_text "Google did not accept the request, so nothing was connected."
	[ "$(stored)" = "$before" ] || fail "a failed exchange changed the store"
	[ "$(connections_of ida@gmail.example)" = 0 ] || fail "a failed exchange stored an inbox"
}

test_provider_timeout_during_the_exchange() {
	local before
	as_new_user hang@example.com
	start_connect microsoft
	consent allow jo@contoso.example
	control /_control/fault endpoint=microsoft.token kind=hang hang=4
	before=$(stored)
	back
	expect_status 504
	expect_text "The provider did not answer in time"
	expect_text "Microsoft did not answer in time, so nothing was connected. Wait a moment, then start again."
	[ "$(stored)" = "$before" ] || fail "a timed-out exchange changed the store"
	[ "$(connections_of jo@contoso.example)" = 0 ] || fail "a timed-out exchange stored an inbox"
	control /_control/reset
}

test_provider_error_during_the_exchange() {
	as_new_user error500@example.com
	start_connect google
	consent allow kim@gmail.example
	control /_control/fault endpoint=google.token kind=500
	back
	expect_status 502
	expect_text "Google did not accept the request"
	[ "$(connections_of kim@gmail.example)" = 0 ] || fail "a refused exchange stored an inbox"
	control /_control/reset
}

test_provider_move_disconnects_the_old_inbox() {
	local old new
	as_new_user mover@example.com
	connect google lea@move.example
	old=$(sql "SELECT id FROM email_connections WHERE address = 'lea@move.example'")
	connect microsoft lea@move.example
	http GET /settings/email
	expect_text "You switched from Gmail to Office 365, so your old inbox was disconnected. Your new inbox lea@move.example is connected."
	expect_text "You connected this address through another provider, so this inbox was disconnected."
	[ "$(sql "SELECT state || ' ' || last_error || ' ' || (sealed_token IS NULL) FROM email_connections WHERE id = $old")" = \
		"disconnected provider_changed 1" ] || fail "the Gmail inbox was not disconnected for the move"
	[ "$(sql "SELECT state || ' ' || provider || ' ' || (sealed_token IS NOT NULL) FROM outbox_jobs WHERE connection_id = $old AND kind = 'revoke'")" = \
		"pending google 1" ] || fail "no pending revocation of the Gmail inbox"
	new=$(sql "SELECT id FROM email_connections WHERE address = 'lea@move.example' AND provider = 'microsoft'")
	[ "$(state_of "$new")" = connected ] || fail "the Office 365 inbox is not connected"
	[ "$(sql "SELECT count(*) FROM audit_log WHERE action = 'email.provider_changed' AND target = 'connection:$old'")" = 1 ] ||
		fail "no audit row for the move"
}

# Rule 7 across IMAP and OAuth: the address is live over IMAP, then connected
# through Gmail.  The IMAP inbox is disconnected; its password leaves it, and
# its revocation is manual (an IMAP server has nothing to revoke).
test_gmail_after_imap_is_a_provider_move() {
	local imap
	as_new_user imap2gmail@example.com
	imap=$(make_inbox imap2gmail@example.com imap vic@move.example connected)
	connect google vic@move.example
	http GET /settings/email
	expect_text "You switched from IMAP to Gmail, so your old inbox was disconnected. Your new inbox vic@move.example is connected."
	[ "$(sql "SELECT group_concat(provider || ':' || state || ':' || last_error, ' ') FROM
		(SELECT * FROM email_connections WHERE address = 'vic@move.example' ORDER BY id)")" = \
		"imap:disconnected:provider_changed google:connected:" ] || fail "the move did not leave one live inbox"
	[ "$(sql "SELECT quote(sealed_token) FROM email_connections WHERE id = $imap")" = NULL ] ||
		fail "the IMAP inbox kept its password"
	[ "$(sql "SELECT state || ' ' || quote(sealed_token) FROM outbox_jobs WHERE connection_id = $imap AND kind = 'revoke'")" = \
		"manual NULL" ] || fail "the IMAP inbox's revocation is not manual"
	[ "$(sql "SELECT cause FROM notifications WHERE connection_id = $imap AND user_id = $(user_id imap2gmail@example.com)")" = \
		provider_changed ] || fail "the owner was not told"
}

test_same_address_same_provider_is_not_duplicated() {
	as_new_user twice@example.com
	connect google max@gmail.example
	start_connect google
	consent allow max@gmail.example
	back
	expect_status 409
	expect_text "This inbox is connected already"
	expect_text "max@gmail.example is already in your inboxes through Gmail. Nothing was changed."
	[ "$(connections_of max@gmail.example)" = 1 ] || fail "a duplicate was stored"
}

test_callback_needs_a_signed_in_user() {
	as nobody
	http GET "/oauth/callback?state=abc&code=sbxcode-secret"
	expect_status 303
	expect_header Location "/login\\?next=.*"
	# The code is not carried through the sign-in page's URL.
	! header_value Location | grep -q sbxcode || fail "the code went into the sign-in URL"
	# Signed in afresh, the way back is refused: the state was another session's.
	as_new_user latecomer@example.com
	http GET "/oauth/callback"
	expect_status 400
	expect_text "This answer from the provider cannot be used"
	expect_text "Start again"
}

# disconnected_gmail OWNER ADDRESS — a Gmail inbox connected through the flow,
# then refused by Google as the health checks would record it; prints its id.
disconnected_gmail() {
	connect google "$2" >&2
	sql "UPDATE email_connections SET state = 'disconnected', last_error = 'token_rejected',
		last_error_code = 'invalid_grant' WHERE address = '$2' RETURNING id"
}

test_reconnect_brings_a_disconnected_inbox_back() {
	local id token_before
	as_new_user back@example.com
	id=$(disconnected_gmail back@example.com nell@gmail.example)
	token_before=$(sql "SELECT hex(sealed_token) FROM email_connections WHERE id = $id")
	http GET /settings/email
	expect_text "An inbox needs reconnecting."
	expect_body "/settings/email/$id/reconnect"
	expect_text "Reconnect"
	http GET "/settings/email/$id/reconnect"
	expect_status 200
	expect_text "What will be requested when you reconnect your inbox?"
	expect_text "nell@gmail.example"
	expect_text "Sign in at Google as nell@gmail.example: consent given for another mailbox is refused."
	post "/settings/email/$id/reconnect"
	expect_status 303
	AUTHORIZE=$(header_value Location)
	printf '%s' "$AUTHORIZE" | grep -qF "login_hint=nell%40gmail.example" || fail "no login_hint: $AUTHORIZE"
	consent allow nell@gmail.example
	back
	expect_status 303
	http GET /settings/email
	expect_text "nell@gmail.example is connected again: syncing and sending resume."
	expect_no_body "An inbox needs reconnecting."
	[ "$(sql "SELECT state || '|' || last_error || '|' || last_error_code || '|' || refusals_in_a_row FROM email_connections WHERE id = $id")" = \
		"connected|||0" ] || fail "the inbox is not connected again with its error cleared"
	[ "$(sql "SELECT hex(sealed_token) FROM email_connections WHERE id = $id")" != "$token_before" ] ||
		fail "the new token was not sealed in place"
	[ "$(sql "SELECT count(*) FROM audit_log WHERE action = 'email.reconnect' AND target = 'connection:$id'")" = 1 ] ||
		fail "no audit row for the reconnect"
	[ "$(connections_of nell@gmail.example)" = 1 ] || fail "a reconnect stored another inbox"
}

# The sandbox's grants of a mailbox: "id:live:ended_by" each, in order.
grants_of() {
	curl -fsS -o "$T_DIR/grants.json" "$SANDBOX/_control/grants" || fail "grants"
	sqlite3 -batch -noheader :memory: "SELECT group_concat(g, ' ') FROM (SELECT
		json_extract(value, '\$.id') || ':' || json_extract(value, '\$.live') || ':' ||
		coalesce(json_extract(value, '\$.ended_by'), '') AS g
		FROM json_each(readfile('$T_DIR/grants.json'), '\$.grants')
		WHERE json_extract(value, '\$.address') = '$1' ORDER BY json_extract(value, '\$.id'))"
}

# Calls of Google's revocation endpoint the sandbox received for grant $1.
revocations_of_grant() {
	curl -fsS -o "$T_DIR/calls.json" "$SANDBOX/_control/calls?endpoint=google.revoke" || fail "call log"
	sqlite3 -batch -noheader :memory: "SELECT count(*) FROM json_each(readfile('$T_DIR/calls.json'), '\$.calls')
		WHERE json_extract(value, '\$.grant') = '$1'"
}

# Rule 10: the inbox does not change, and the grant the consent made for the
# other mailbox is not left standing at the provider: its token goes to a
# revocation job (held by a row born removed, that no page shows), and the
# worker revokes it, once.
test_reconnect_with_another_mailbox_changes_nothing() {
	local id before stray grant
	as_new_user wrongbox@example.com
	id=$(disconnected_gmail wrongbox@example.com olga@gmail.example)
	http GET "/settings/email/$id/reconnect"
	post "/settings/email/$id/reconnect"
	AUTHORIZE=$(header_value Location)
	consent allow someone.else@gmail.example
	before=$(sql "SELECT * FROM email_connections WHERE id = $id")
	back
	expect_status 409
	expect_text "This is not the same mailbox"
	expect_text "You allowed access to someone.else@gmail.example, but this inbox is olga@gmail.example. Nothing was changed. Start again and choose olga@gmail.example at Google."
	expect_text "The access Google just gave for someone.else@gmail.example is not kept: the panel is removing it at Google."
	[ "$(sql "SELECT * FROM email_connections WHERE id = $id")" = "$before" ] || fail "the inbox changed"
	[ "$(state_of "$id")" = disconnected ] || fail "the inbox changed"
	stray=$(sql "SELECT id FROM email_connections WHERE refused_reconnect_of = $id")
	[ -n "$stray" ] || fail "no row holds the stray grant's revocation"
	[ "$(sql "SELECT state || ' ' || address || ' ' || quote(sealed_token) FROM email_connections WHERE id = $stray")" = \
		"removed someone.else@gmail.example NULL" ] || fail "the stray grant's row is not born removed"
	[ "$(sql "SELECT state || ' ' || provider || ' ' || (sealed_token IS NOT NULL) FROM outbox_jobs WHERE connection_id = $stray AND kind = 'revoke'")" = \
		"pending google 1" ] || fail "the stray token is not queued for revocation"
	[ "$(sql "SELECT count(*) FROM audit_log WHERE action = 'email.stray_grant' AND target = 'connection:$stray'")" = 1 ] ||
		fail "no audit row for the stray grant"
	http GET /settings/email
	expect_no_body "someone.else@gmail.example"
	http GET "/settings/email/$stray/remove"
	expect_status 404
	grant=$(grants_of someone.else@gmail.example)
	case $grant in
	*:1:) grant=${grant%%:*} ;;
	*) fail "the sandbox should hold one live grant for the other mailbox: $grant"; return ;;
	esac
	cli worker --once >"$T_DIR/worker.out" 2>&1 || fail "worker --once failed: $(cat "$T_DIR/worker.out")"
	[ "$(sql "SELECT state || ' ' || quote(sealed_token) FROM outbox_jobs WHERE connection_id = $stray")" = "done NULL" ] ||
		fail "the stray grant's revocation is not done: $(cat "$T_DIR/worker.out")"
	[ "$(revocations_of_grant "$grant")" = 1 ] || fail "the sandbox did not receive exactly one revocation of that grant"
	[ "$(grants_of someone.else@gmail.example)" = "$grant:0:revoke" ] || fail "the grant still stands at the sandbox"
	[ "$(state_of "$id")" = disconnected ] || fail "the inbox changed"
}

# The other mailbox is an inbox here through the same provider: the token is
# one more of its grant, and revoking it would end that inbox too.  Nothing at
# all is stored.
test_reconnect_with_a_mailbox_connected_here_revokes_nothing() {
	local id before
	as_new_user twoboxes@example.com
	id=$(disconnected_gmail twoboxes@example.com rita@gmail.example)
	connect google sam@gmail.example
	http GET "/settings/email/$id/reconnect"
	post "/settings/email/$id/reconnect"
	AUTHORIZE=$(header_value Location)
	consent allow sam@gmail.example
	before=$(stored)
	back
	expect_status 409
	expect_text "You allowed access to sam@gmail.example, but this inbox is rita@gmail.example. Nothing was changed."
	expect_no_body "is not kept"
	[ "$(stored)" = "$before" ] || fail "a consent for a mailbox connected here changed the store"
}

# The other mailbox is then connected for real before the worker got to it: its
# grant is in use again, so the stray's revocation is dropped.
test_connecting_the_stray_mailbox_keeps_its_grant() {
	local id stray
	as_new_user strayback@example.com
	id=$(disconnected_gmail strayback@example.com tom@gmail.example)
	http GET "/settings/email/$id/reconnect"
	post "/settings/email/$id/reconnect"
	AUTHORIZE=$(header_value Location)
	consent allow uma@gmail.example
	back
	expect_status 409
	stray=$(sql "SELECT id FROM email_connections WHERE refused_reconnect_of = $id")
	[ "$(sql "SELECT state FROM outbox_jobs WHERE connection_id = $stray")" = pending ] || fail "no pending revocation"
	connect google uma@gmail.example
	[ "$(sql "SELECT count(*) FROM outbox_jobs WHERE connection_id = $stray")" = 0 ] ||
		fail "the stray's revocation would end the new inbox's grant"
	[ "$(sql "SELECT count(*) FROM audit_log WHERE action = 'email.revocation_dropped' AND target = 'connection:$stray'")" = 1 ] ||
		fail "no audit row for the dropped revocation"
}

# Office 365: the stray grant keeps the account ids the id token gave (oid,
# tid), which Microsoft Graph's grant deletion needs; the worker ends it.
test_office_365_stray_grant_is_deleted_through_graph() {
	local id stray
	as_new_user straygraph@example.com
	connect microsoft fay@contoso.example
	id=$(sql "UPDATE email_connections SET state = 'disconnected', last_error = 'token_rejected'
		WHERE address = 'fay@contoso.example' RETURNING id")
	http GET "/settings/email/$id/reconnect"
	post "/settings/email/$id/reconnect"
	AUTHORIZE=$(header_value Location)
	consent allow gus@contoso.example
	back
	expect_status 409
	stray=$(sql "SELECT id FROM email_connections WHERE refused_reconnect_of = $id")
	[ "$(sql "SELECT provider_subject <> '' AND provider_tenant <> '' FROM email_connections WHERE id = $stray")" = 1 ] ||
		fail "the stray grant's row lacks the account ids"
	case $(grants_of gus@contoso.example) in
	*:1:) ;;
	*) fail "no live grant for the other mailbox at the sandbox: $(grants_of gus@contoso.example)" ;;
	esac
	cli worker --once >"$T_DIR/worker.out" 2>&1 || fail "worker --once failed: $(cat "$T_DIR/worker.out")"
	[ "$(sql "SELECT state FROM outbox_jobs WHERE connection_id = $stray")" = done ] ||
		fail "the stray grant's revocation is not done: $(cat "$T_DIR/worker.out")"
	case $(grants_of gus@contoso.example) in
	*:0:*) ;;
	*) fail "the grant still stands at the sandbox: $(grants_of gus@contoso.example)" ;;
	esac
}

test_reconnect_with_another_mailbox_reads_right_in_french() {
	local id
	as_new_user autreboite@example.com
	sql "UPDATE users SET language = 'fr' WHERE email = 'autreboite@example.com'"
	id=$(disconnected_gmail autreboite@example.com paul@gmail.example)
	http GET "/settings/email/$id/reconnect"
	post "/settings/email/$id/reconnect"
	AUTHORIZE=$(header_value Location)
	consent allow quelquun@gmail.example
	back
	expect_status 409
	expect_text "Vous avez autorisé l’accès à quelquun@gmail.example, mais cette boîte de réception est paul@gmail.example. Rien n’a été modifié."
	expect_text "L’accès que Google vient de donner pour quelquun@gmail.example n’est pas conservé${NBSP}: l’application le retire chez Google."
}

# Outlook.com has no revocation API: the stray grant's job is manual, keeps no
# token, and the page says what the person must do.
test_outlook_reconnect_with_another_mailbox_says_what_to_do() {
	local id stray
	as_new_user straylive@example.com
	connect outlook dora@outlook.example
	id=$(sql "UPDATE email_connections SET state = 'disconnected', last_error = 'token_rejected'
		WHERE address = 'dora@outlook.example' RETURNING id")
	http GET "/settings/email/$id/reconnect"
	post "/settings/email/$id/reconnect"
	AUTHORIZE=$(header_value Location)
	consent allow eve@outlook.example
	back
	expect_status 409
	expect_text "The access Microsoft just gave for eve@outlook.example is not kept, but Microsoft offers the panel no way to remove it: remove this app from that account’s permissions yourself."
	expect_text "Open Apps and services that can access your data, signed in at Microsoft as eve@outlook.example:"
	expect_body 'href="https://account.live.com/consent/Manage"'
	stray=$(sql "SELECT id FROM email_connections WHERE refused_reconnect_of = $id")
	[ "$(sql "SELECT state || ' ' || quote(sealed_token) FROM outbox_jobs WHERE connection_id = $stray")" = "manual NULL" ] ||
		fail "the stray Outlook.com grant's job is not manual and tokenless"
}

# The same for a team channel: the stray grant's row is the conversation
# inbox's, and neither its channels nor the list of every connection show it.
test_channel_reconnect_with_another_mailbox_gives_up_that_grant() {
	local team id stray
	team=$(set_up_sql "INSERT INTO conversation_inboxes (name, created_at) VALUES ('Stray desk', unixepoch()) RETURNING id")
	as_new_user straydesk@example.com super_admin
	http GET "/inbox/$team/channels/connect/google"
	post "/inbox/$team/channels/connect/google"
	AUTHORIZE=$(header_value Location)
	consent allow desk@gmail.example
	back
	expect_status 303
	id=$(sql "UPDATE email_connections SET state = 'disconnected', last_error = 'token_rejected'
		WHERE address = 'desk@gmail.example' RETURNING id")
	http GET "/inbox/$team/channels/$id/reconnect"
	post "/inbox/$team/channels/$id/reconnect"
	AUTHORIZE=$(header_value Location)
	consent allow intruder@gmail.example
	back
	expect_status 409
	expect_text "You allowed access to intruder@gmail.example, but this inbox is desk@gmail.example."
	expect_text "The access Google just gave for intruder@gmail.example is not kept: the panel is removing it at Google."
	stray=$(sql "SELECT id FROM email_connections WHERE refused_reconnect_of = $id")
	[ "$(sql "SELECT kind || ' ' || inbox_id || ' ' || state FROM email_connections WHERE id = $stray")" = "team $team removed" ] ||
		fail "the stray grant's row is not the team's, born removed"
	[ "$(sql "SELECT count(*) FROM audit_log WHERE action = 'channel.stray_grant' AND target = 'connection:$stray'")" = 1 ] ||
		fail "no audit row for the stray grant"
	[ "$(state_of "$id")" = disconnected ] || fail "the channel changed"
	http GET "/inbox/$team/settings/channels"
	expect_status 200
	expect_no_body "intruder@gmail.example"
	http GET /admin/connections
	expect_status 200
	expect_body "desk@gmail.example"
	expect_no_body "intruder@gmail.example"
}

test_reconnect_only_for_a_disconnected_inbox() {
	local id before
	as_new_user stillgood@example.com
	connect google pat@gmail.example
	id=$(sql "SELECT id FROM email_connections WHERE address = 'pat@gmail.example'")
	http GET /settings/email
	expect_no_body "/settings/email/$id/reconnect"
	http GET "/settings/email/$id/reconnect"
	expect_status 409
	expect_text "pat@gmail.example is connected: there is nothing to reconnect."
	before=$(stored)
	post "/settings/email/$id/reconnect"
	expect_status 409
	expect_text "pat@gmail.example is connected: there is nothing to reconnect."
	[ "$(stored)" = "$before" ] || fail "a refused reconnect changed the store"
	as_new_user notmine@example.com
	http GET "/settings/email/$id/reconnect"
	expect_status 404
}

test_provider_move_and_back() {
	local first
	as_new_user roundtrip@example.com
	connect google quinn@move.example
	first=$(sql "SELECT id FROM email_connections WHERE address = 'quinn@move.example'")
	connect microsoft quinn@move.example
	connect google quinn@move.example
	http GET /settings/email
	expect_text "You switched from Office 365 to Gmail, so your old inbox was disconnected. Your new inbox quinn@move.example is connected."
	[ "$(sql "SELECT group_concat(provider || ':' || state || ':' || last_error, ' ') FROM
		(SELECT * FROM email_connections WHERE address = 'quinn@move.example' ORDER BY id)")" = \
		"google:disconnected:provider_changed microsoft:disconnected:provider_changed google:connected:" ] ||
		fail "the moves did not leave one connected inbox"
	# Office 365's access goes; the first Gmail inbox's revocation would end the
	# grant the new Gmail inbox holds (one per app and account), so it is dropped.
	[ "$(sql "SELECT group_concat(j.provider || ':' || j.state, ' ') FROM outbox_jobs j
		JOIN email_connections c ON c.id = j.connection_id WHERE c.address = 'quinn@move.example'
		AND j.kind = 'revoke'")" = \
		"microsoft:pending" ] || fail "only Office 365's revocation should be pending"
	[ "$(sql "SELECT count(*) FROM audit_log WHERE action = 'email.revocation_dropped' AND target = 'connection:$first'")" = 1 ] ||
		fail "no audit row for the dropped revocation"
	http GET "/settings/email/$first/reconnect"
	expect_status 409
}

t_run
