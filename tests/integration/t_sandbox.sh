#!/usr/bin/env bash
# t_sandbox.sh — the sandbox provider, driven with curl through the real nginx on
# PORT+1: the consent → code → token flow with PKCE, refresh (Google keeps its
# refresh token, Microsoft rotates it), Google's revoke, Graph's grant removal,
# every injected fault for exactly N calls, the call log and the latency.
. "$(dirname "$0")/lib.sh"

t_start
SBX="http://127.0.0.1:$((PORT + 1))"
CALLBACK="$BASE/oauth/callback"
G_ID=$STACK_SANDBOX_GOOGLE_ID
M_ID=$STACK_SANDBOX_MICROSOFT_ID
O_ID=$STACK_SANDBOX_OUTLOOK_ID
G_SECRET=$(awk '/^Client.google/ { c = 1 } c && /client_secret/ { print $3; exit }' "$T_DIR/sandbox.hdf")
M_SECRET=$(awk '/^Client.microsoft/ { c = 1 } c && /client_secret/ { print $3; exit }' "$T_DIR/sandbox.hdf")
# RFC 7636's test vector (PROVIDERS.md).
VERIFIER=dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk
CHALLENGE=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM
# Every token the tests saw, to look for afterwards where none may stand.
SEEN_TOKENS=()

# sbx METHOD PATH [CURL-ARGS...] — one request to the sandbox through nginx.
sbx() {
	local BASE=$SBX
	http "$@"
}

# sbx_post PATH FIELDS... — a form POST to the sandbox.
sbx_post() {
	local path=$1 f args=()
	shift
	for f in "$@"; do
		args+=(--data-urlencode "$f")
	done
	sbx POST "$path" "${args[@]}"
}

# The string or number value of a top-level JSON field of the last answer.
json_str() {
	grep -o "\"$1\":\"[^\"]*\"" "$T_DIR/body" | head -1 | sed 's/^"[^"]*":"//; s/"$//'
}
json_num() {
	grep -o "\"$1\":[0-9]*" "$T_DIR/body" | head -1 | sed 's/^"[^"]*"://'
}

location() {
	grep -i '^location:' "$T_DIR/headers" | tr -d '\r' | sed 's/^[^:]*: //'
}

# The claims of a JWT (its middle part, base64url).
jwt_claims() {
	local p
	p=$(printf '%s' "$1" | cut -d. -f2 | tr '_-' '/+')
	while [ $((${#p} % 4)) != 0 ]; do p="$p="; done
	printf '%s' "$p" | base64 -d
}

fingerprint() {
	printf '%s' "$1" | sha256sum | cut -c1-16
}

reset_sandbox() {
	sbx POST /_control/reset
	expect_status 200 "(reset)"
}

# mint PROVIDER ADDRESS — an account with tokens: sets ACCESS, REFRESH, SUBJECT, TID.
mint() {
	sbx_post /_control/mint "provider=$1" "address=$2"
	expect_status 200 "(mint $1 $2)"
	ACCESS=$(json_str access_token)
	REFRESH=$(json_str refresh_token)
	SUBJECT=$(json_str sub)
	[ -n "$SUBJECT" ] || SUBJECT=$(json_str oid)
	TID=$(json_str tid)
	SEEN_TOKENS+=("$ACCESS" "$REFRESH")
}

# consent PATH MAILBOX [DECISION] — the consent page's POST with this test's
# authorize parameters; sets CODE from the redirect.
consent() {
	local path=$1 mailbox=$2 decision=${3:-allow} client=$G_ID scope="openid email https://mail.google.com/"
	if [[ $path == /microsoft/* ]]; then
		client=$M_ID
		[[ $path == */consumers/* ]] && client=$O_ID
		scope="openid email offline_access https://outlook.office.com/IMAP.AccessAsUser.All"
	fi
	sbx_post "$path" "client_id=$client" "redirect_uri=$CALLBACK" response_type=code \
		"scope=$scope" state=st-123 "code_challenge=$CHALLENGE" code_challenge_method=S256 \
		access_type=offline "mailbox=$mailbox" "decision=$decision"
	CODE=$(location | sed -n 's/.*[?&]code=\([^&]*\).*/\1/p')
}

google_token() {
	sbx_post /google/token "client_id=$G_ID" "client_secret=$G_SECRET" "$@"
}

ms_token() {
	local tenant=$1
	shift
	sbx_post "/microsoft/$tenant/oauth2/v2.0/token" "client_id=$M_ID" "client_secret=$M_SECRET" "$@"
}

# An app token for Graph in tenant TID: sets APP.
app_token() {
	ms_token "$1" grant_type=client_credentials scope=https://graph.microsoft.com/.default
	expect_status 200 "(client credentials)"
	APP=$(json_str access_token)
	SEEN_TOKENS+=("$APP")
}

# The time a request took, in ms (curl's own clock): sets STATUS and MS.
timed() {
	local out
	out=$(curl -s -o "$T_DIR/body" -D "$T_DIR/headers" -w '%{http_code} %{time_total}' "$@")
	STATUS=${out% *}
	MS=$(awk -v t="${out#* }" 'BEGIN { printf "%d", t * 1000 }')
}

# --- the browser flow ------------------------------------------------------------

test_consent_page_is_marked_sandbox_and_lists_each_scope() {
	sbx GET "/google/o/oauth2/v2/auth?client_id=$G_ID&redirect_uri=$(printf %s "$CALLBACK" | sed 's/:/%3A/g; s|/|%2F|g')&response_type=code&scope=openid%20email%20https%3A%2F%2Fmail.google.com%2F&state=s1&code_challenge=$CHALLENGE&code_challenge_method=S256&access_type=offline&login_hint=me%40gmail.example"
	expect_status 200
	expect_text "Sandbox provider"
	expect_text "Read, compose, send, and permanently delete all your email from Gmail"
	expect_text "See your primary Google Account email address"
	expect_text "Associate you with your personal info on Google"
	expect_body 'value="me@gmail.example" checked'
	expect_body 'name="decision" value="allow"'
	expect_body 'name="decision" value="deny"'
	expect_header Content-Security-Policy ".*form-action 'self' http://127.0.0.1:$PORT.*"
	# The words follow the browser's language.
	sbx GET "/google/o/oauth2/v2/auth?client_id=$G_ID&redirect_uri=$(printf %s "$CALLBACK" | sed 's/:/%3A/g; s|/|%2F|g')&response_type=code&scope=openid&state=s1" -H 'Accept-Language: fr'
	expect_text "Fournisseur bac à sable"
}

test_google_code_flow_with_pkce_rfc7636_vector() {
	consent /google/o/oauth2/v2/auth ada@gmail.example
	expect_status 302
	[[ $(location) == "$CALLBACK?code="*"&state=st-123" ]] || fail "redirect: $(location)"
	[ -n "$CODE" ] || fail "no code in the redirect"
	google_token grant_type=authorization_code "code=$CODE" "redirect_uri=$CALLBACK" "code_verifier=$VERIFIER"
	expect_status 200
	expect_body '"token_type":"Bearer"'
	ACCESS=$(json_str access_token)
	REFRESH=$(json_str refresh_token)
	SEEN_TOKENS+=("$ACCESS" "$REFRESH")
	[ -n "$REFRESH" ] || fail "no refresh token with access_type=offline"
	jwt_claims "$(json_str id_token)" | grep -q '"email":"ada@gmail.example"' || fail "id_token lacks the email"
	jwt_claims "$(json_str id_token)" | grep -q '"sub":"[0-9]*"' || fail "id_token lacks sub"
	sbx GET /google/userinfo -H "Authorization: Bearer $ACCESS"
	expect_status 200
	expect_body '"email":"ada@gmail.example"'
	expect_body '"email_verified":true'
	# A code is good once.
	google_token grant_type=authorization_code "code=$CODE" "redirect_uri=$CALLBACK" "code_verifier=$VERIFIER"
	expect_status 400
	expect_body '"error":"invalid_grant"'
}

test_wrong_pkce_verifier_is_refused() {
	consent /google/o/oauth2/v2/auth ada@gmail.example
	google_token grant_type=authorization_code "code=$CODE" "redirect_uri=$CALLBACK" \
		"code_verifier=${VERIFIER%?}Y"
	expect_status 400
	expect_body '"error":"invalid_grant"'
	expect_no_body access_token
	consent /google/o/oauth2/v2/auth ada@gmail.example
	google_token grant_type=authorization_code "code=$CODE" "redirect_uri=$CALLBACK"
	expect_status 400
	expect_no_body access_token
}

test_wrong_client_secret_or_redirect_is_refused() {
	consent /google/o/oauth2/v2/auth ada@gmail.example
	sbx_post /google/token "client_id=$G_ID" client_secret=nope grant_type=authorization_code \
		"code=$CODE" "redirect_uri=$CALLBACK" "code_verifier=$VERIFIER"
	expect_status 401
	expect_body '"error":"invalid_client"'
	consent /google/o/oauth2/v2/auth ada@gmail.example
	google_token grant_type=authorization_code "code=$CODE" "redirect_uri=$CALLBACK/other" \
		"code_verifier=$VERIFIER"
	expect_status 400
	expect_body '"error":"redirect_uri_mismatch"'
}

test_deny_sends_access_denied_back() {
	consent /google/o/oauth2/v2/auth ada@gmail.example deny
	expect_status 302
	[ "$(location)" = "$CALLBACK?error=access_denied&state=st-123" ] || fail "redirect: $(location)"
}

test_unregistered_redirect_uri_gets_an_error_page_not_a_redirect() {
	sbx GET "/google/o/oauth2/v2/auth?client_id=$G_ID&redirect_uri=http%3A%2F%2Fevil.example%2Fcb&response_type=code&scope=openid&state=s"
	expect_status 400
	expect_no_header Location
	expect_text "redirect_uri_mismatch"
}

# --- Google tokens ------------------------------------------------------------------

test_google_refresh_keeps_the_refresh_token() {
	mint google keep@gmail.example
	google_token grant_type=refresh_token "refresh_token=$REFRESH"
	expect_status 200
	expect_no_body refresh_token
	[ -n "$(json_str access_token)" ] || fail "no access token on refresh"
	google_token grant_type=refresh_token "refresh_token=$REFRESH"
	expect_status 200
}

test_google_revoke_then_invalid_token() {
	mint google gone@gmail.example
	sbx_post /google/revoke "token=$REFRESH"
	expect_status 200
	sbx_post /google/revoke "token=$REFRESH"
	expect_status 400
	expect_body '"error":"invalid_token"'
	# Revoking either token ends the whole grant.
	sbx_post /google/revoke "token=$ACCESS"
	expect_status 400
	google_token grant_type=refresh_token "refresh_token=$REFRESH"
	expect_status 400
	expect_body '{"error":"invalid_grant","error_description":"Token has been expired or revoked."}'
	sbx GET /google/userinfo -H "Authorization: Bearer $ACCESS"
	expect_status 401
}

test_control_revoke_is_the_user_removing_the_app() {
	mint google removed@gmail.example
	sbx_post /_control/revoke address=removed@gmail.example
	expect_status 200
	google_token grant_type=refresh_token "refresh_token=$REFRESH"
	expect_status 400
	expect_body invalid_grant
	sbx_post /google/revoke "token=$REFRESH"
	expect_status 400
	sbx_post /_control/revoke address=nobody@gmail.example
	expect_status 404
}

# --- Microsoft ----------------------------------------------------------------------

test_microsoft_consent_page_shows_microsofts_words() {
	sbx GET "/microsoft/organizations/oauth2/v2.0/authorize?client_id=$M_ID&redirect_uri=$(printf %s "$CALLBACK" | sed 's/:/%3A/g; s|/|%2F|g')&response_type=code&response_mode=query&scope=openid%20offline_access%20https%3A%2F%2Foutlook.office.com%2FIMAP.AccessAsUser.All%20https%3A%2F%2Foutlook.office.com%2FSMTP.Send&state=s2"
	expect_status 200
	expect_text "Sandbox provider"
	expect_text "Microsoft 365"
	expect_text "Maintain access to data you have given it access to"
	expect_text "Read and write access to mailboxes via IMAP"
	expect_text "Send emails from mailboxes using SMTP AUTH"
	# A scope the provider does not know goes back as invalid_scope.
	sbx GET "/microsoft/organizations/oauth2/v2.0/authorize?client_id=$M_ID&redirect_uri=$(printf %s "$CALLBACK" | sed 's/:/%3A/g; s|/|%2F|g')&response_type=code&scope=Everything.All&state=s3"
	expect_status 302
	[ "$(location)" = "$CALLBACK?error=invalid_scope&state=s3" ] || fail "redirect: $(location)"
}

test_another_address_typed_on_the_consent_page() {
	sbx_post /google/o/oauth2/v2/auth "client_id=$G_ID" "redirect_uri=$CALLBACK" response_type=code \
		scope=openid state=s4 mailbox=ada@gmail.example other=typed@gmail.example decision=allow
	expect_status 302
	CODE=$(location | sed -n 's/.*[?&]code=\([^&]*\).*/\1/p')
	google_token grant_type=authorization_code "code=$CODE" "redirect_uri=$CALLBACK"
	expect_status 200
	expect_no_body refresh_token
	jwt_claims "$(json_str id_token)" | grep -q '"email":"typed@gmail.example"' || fail "not the typed address"
}

test_microsoft_code_flow_then_every_refresh_rotates() {
	consent /microsoft/organizations/oauth2/v2.0/authorize alan@contoso.example
	expect_status 302
	ms_token organizations grant_type=authorization_code "code=$CODE" "redirect_uri=$CALLBACK" \
		"code_verifier=$VERIFIER"
	expect_status 200
	local r1 r2 claims
	r1=$(json_str refresh_token)
	claims=$(jwt_claims "$(json_str id_token)")
	[[ $claims == *'"preferred_username":"alan@contoso.example"'* ]] || fail "id_token: $claims"
	[[ $claims == *'"oid":"'* && $claims == *'"tid":"'* ]] || fail "id_token lacks oid/tid: $claims"
	ms_token organizations grant_type=refresh_token "refresh_token=$r1"
	expect_status 200
	r2=$(json_str refresh_token)
	SEEN_TOKENS+=("$r1" "$r2")
	[ -n "$r2" ] && [ "$r2" != "$r1" ] || fail "no new refresh token"
	ms_token organizations grant_type=refresh_token "refresh_token=$r1"
	expect_status 400
	expect_body '"error":"invalid_grant"'
	expect_body '"error_codes":[50173]'
	expect_body '"trace_id":"'
	expect_body '"correlation_id":"'
	ms_token organizations grant_type=refresh_token "refresh_token=$r2"
	expect_status 200
}

test_outlook_accounts_carry_the_consumers_tenant() {
	consent /microsoft/consumers/oauth2/v2.0/authorize margaret@outlook.example
	sbx_post /microsoft/consumers/oauth2/v2.0/token "client_id=$O_ID" \
		"client_secret=$(awk '/^Client.outlook/ { c = 1 } c && /client_secret/ { print $3; exit }' "$T_DIR/sandbox.hdf")" \
		grant_type=authorization_code "code=$CODE" "redirect_uri=$CALLBACK" "code_verifier=$VERIFIER"
	expect_status 200
	jwt_claims "$(json_str id_token)" | grep -q '"tid":"9188040d-6c67-4c5b-b112-36a304b66dad"' ||
		fail "personal account without the consumers tid"
	mint outlook hedy@hotmail.example
	[ "$TID" = 9188040d-6c67-4c5b-b112-36a304b66dad ] || fail "minted tid $TID"
}

test_client_credentials_only_on_a_tenant_id() {
	mint microsoft katherine@contoso.example
	local t
	for t in organizations common consumers; do
		ms_token $t grant_type=client_credentials scope=https://graph.microsoft.com/.default
		expect_status 400 "($t)"
		expect_no_body access_token
	done
	ms_token "$TID" grant_type=client_credentials scope=User.Read
	expect_status 400
	expect_body invalid_scope
	ms_token 9188040d-6c67-4c5b-b112-36a304b66dad grant_type=client_credentials \
		scope=https://graph.microsoft.com/.default
	expect_status 400 "(the consumers tenant id)"
	app_token "$TID"
	[ -n "$APP" ] || fail "no app token"
}

test_graph_finds_and_deletes_the_users_grant() {
	mint microsoft grace@fabrikam.example
	local oid=$SUBJECT user_access=$ACCESS user_refresh=$REFRESH sp grant
	app_token "$TID"
	sbx GET "/graph/v1.0/servicePrincipals(appId='$M_ID')" -H "Authorization: Bearer $APP"
	expect_status 200
	sp=$(json_str id)
	[ -n "$sp" ] || fail "no service principal id"
	# Clients may percent-encode the quotes.
	sbx GET "/graph/v1.0/servicePrincipals(appId=%27$M_ID%27)" -H "Authorization: Bearer $APP"
	expect_status 200
	[ "$(json_str id)" = "$sp" ] || fail "another service principal with encoded quotes"
	sbx GET /graph/v1.0/oauth2PermissionGrants -G -H "Authorization: Bearer $APP" \
		--data-urlencode "\$filter=clientId eq '$sp' and principalId eq '$oid'"
	expect_status 200
	expect_body '"consentType":"Principal"'
	expect_body "\"principalId\":\"$oid\""
	expect_body "\"clientId\":\"$sp\""
	expect_body '"resourceId":"'
	grant=$(json_str id)
	[ -n "$grant" ] || fail "no grant in $(cat "$T_DIR/body")"
	# The same query with its name percent-encoded too, as some clients send it.
	sbx GET "/graph/v1.0/oauth2PermissionGrants?%24filter=clientId%20eq%20%27$sp%27%20and%20principalId%20eq%20%27$oid%27" \
		-H "Authorization: Bearer $APP"
	[ "$(json_str id)" = "$grant" ] || fail "encoded \$filter: $(cat "$T_DIR/body")"
	sbx GET /graph/v1.0/me -H "Authorization: Bearer $user_access"
	expect_status 200
	expect_body "\"id\":\"$oid\""
	sbx DELETE "/graph/v1.0/oauth2PermissionGrants/$grant" -H "Authorization: Bearer $APP"
	expect_status 204
	sbx GET /graph/v1.0/oauth2PermissionGrants -G -H "Authorization: Bearer $APP" \
		--data-urlencode "\$filter=clientId eq '$sp' and principalId eq '$oid'"
	expect_body '"value":[]'
	sbx DELETE "/graph/v1.0/oauth2PermissionGrants/$grant" -H "Authorization: Bearer $APP"
	expect_status 404
	# The refresh token died with the grant; the access token lives out its hour.
	ms_token organizations grant_type=refresh_token "refresh_token=$user_refresh"
	expect_status 400
	expect_body invalid_grant
	sbx GET /graph/v1.0/me -H "Authorization: Bearer $user_access"
	expect_status 200
}

test_graph_refuses_a_user_token_and_no_token() {
	mint microsoft eve@contoso.example
	sbx GET /graph/v1.0/oauth2PermissionGrants -H "Authorization: Bearer $ACCESS"
	expect_status 403
	expect_body '"code":"Authorization_RequestDenied"'
	sbx GET /graph/v1.0/oauth2PermissionGrants
	expect_status 401
	expect_body InvalidAuthenticationToken
	app_token "$TID"
	sbx GET "/graph/v1.0/servicePrincipals(appId='not-ours')" -H "Authorization: Bearer $APP"
	expect_status 404
	sbx GET /graph/v1.0/oauth2PermissionGrants -G -H "Authorization: Bearer $APP" \
		--data-urlencode "\$filter=displayName eq 'x'"
	expect_status 400
}

# --- faults ---------------------------------------------------------------------------

# fault ENDPOINT KIND [FIELDS...] — injects one fault.
fault() {
	local endpoint=$1 kind=$2
	shift 2
	sbx_post /_control/fault "endpoint=$endpoint" "kind=$kind" "$@"
	expect_status 200 "(fault $endpoint $kind)"
}

test_fault_500_for_exactly_n_calls() {
	reset_sandbox
	mint google five@gmail.example
	fault google.token 500 count=2
	google_token grant_type=refresh_token "refresh_token=$REFRESH"
	expect_status 500
	google_token grant_type=refresh_token "refresh_token=$REFRESH"
	expect_status 500
	google_token grant_type=refresh_token "refresh_token=$REFRESH"
	expect_status 200
}

test_fault_503_and_429_carry_retry_after() {
	reset_sandbox
	mint google busy@gmail.example
	fault google.revoke 503 retry_after=7
	sbx_post /google/revoke "token=$REFRESH"
	expect_status 503
	expect_header Retry-After 7
	mint microsoft busy@contoso.example
	fault microsoft.token 429 retry_after=3 count=1
	ms_token organizations grant_type=refresh_token "refresh_token=$REFRESH"
	expect_status 429
	expect_header Retry-After 3
	ms_token organizations grant_type=refresh_token "refresh_token=$REFRESH"
	expect_status 200
	mint google busy@gmail.example
	sbx_post /google/revoke "token=$REFRESH"
	expect_status 200
}

test_fault_hang_holds_the_answer() {
	reset_sandbox
	mint google slow@gmail.example
	fault google.userinfo hang hang=2
	timed -m 1 -H "Authorization: Bearer $ACCESS" "$SBX/google/userinfo"
	[ "$STATUS" = 000 ] || fail "a hang of 2 s answered within curl's 1 s ($STATUS)"
	sleep 1.5
	timed -m 5 -H "Authorization: Bearer $ACCESS" "$SBX/google/userinfo"
	expect_status 200
	[ "$MS" -lt 1000 ] || fail "the call after the hang took $MS ms"
}

test_fault_invalid_grant_answers_without_killing_the_token() {
	reset_sandbox
	mint google flaky@gmail.example
	fault google.token invalid_grant count=2
	google_token grant_type=refresh_token "refresh_token=$REFRESH"
	expect_status 400
	expect_body '"error":"invalid_grant"'
	google_token grant_type=refresh_token "refresh_token=$REFRESH"
	expect_status 400
	google_token grant_type=refresh_token "refresh_token=$REFRESH"
	expect_status 200
	mint microsoft flaky@contoso.example
	fault microsoft.token invalid_grant
	ms_token organizations grant_type=refresh_token "refresh_token=$REFRESH"
	expect_status 400
	expect_body '"error_codes":[50173]'
}

test_fault_graph_403_then_delete_works() {
	reset_sandbox
	mint microsoft denied@contoso.example
	local grant
	app_token "$TID"
	fault graph.delete graph_403
	sbx GET /graph/v1.0/oauth2PermissionGrants -H "Authorization: Bearer $APP"
	grant=$(grep -o "\"id\":\"[^\"]*\",\"clientId\":\"[^\"]*\",\"consentType\":\"Principal\",\"principalId\":\"$SUBJECT\"" "$T_DIR/body" | sed 's/^"id":"//; s/".*//')
	[ -n "$grant" ] || fail "no grant for $SUBJECT"
	sbx DELETE "/graph/v1.0/oauth2PermissionGrants/$grant" -H "Authorization: Bearer $APP"
	expect_status 403
	expect_body '{"error":{"code":"Authorization_RequestDenied"'
	sbx DELETE "/graph/v1.0/oauth2PermissionGrants/$grant" -H "Authorization: Bearer $APP"
	expect_status 204
}

test_fault_requests_are_checked() {
	sbx_post /_control/fault endpoint=google.token kind=graph_403
	expect_status 400
	sbx_post /_control/fault endpoint=google.nothing kind=500
	expect_status 400
	sbx_post /_control/fault endpoint=google.token kind=418
	expect_status 400
	sbx_post /_control/fault endpoint=google.token kind=500 count=0
	expect_status 400
}

# --- the call log and latency ----------------------------------------------------------

test_call_log_keeps_every_call_in_order_with_fingerprints() {
	reset_sandbox
	mint google logged@gmail.example
	fault google.token 503 retry_after=2
	google_token grant_type=refresh_token "refresh_token=$REFRESH"
	google_token grant_type=refresh_token "refresh_token=$REFRESH"
	sbx_post /google/revoke "token=$REFRESH"
	sbx GET /_control/calls
	expect_status 200
	local fp
	fp=$(fingerprint "$REFRESH")
	grep -qE '"endpoint":"google.token","method":"POST","status":503,"token":"'"$fp"'","grant":"[^"]+","fault":"503"' "$T_DIR/body" ||
		fail "no 503 call with the token's fingerprint: $(cat "$T_DIR/body")"
	grep -o '"endpoint":"[^"]*","method":"[^"]*","status":[0-9]*' "$T_DIR/body" | tr '\n' ' ' |
		grep -qF '"endpoint":"google.token","method":"POST","status":503 "endpoint":"google.token","method":"POST","status":200 "endpoint":"google.revoke","method":"POST","status":200' ||
		fail "calls out of order: $(cat "$T_DIR/body")"
	grep -qE '"ms":[0-9]{13},' "$T_DIR/body" || fail "no time in ms"
	expect_no_body "$REFRESH"
	sbx GET "/_control/calls?endpoint=google.revoke"
	[ "$(grep -o '"endpoint":' "$T_DIR/body" | wc -l)" = 1 ] || fail "endpoint filter"
}

test_latency_delays_every_provider_answer() {
	reset_sandbox
	mint google latent@gmail.example
	sbx_post /_control/latency ms=400
	expect_status 200
	timed -X POST --data-urlencode "client_id=$G_ID" --data-urlencode "client_secret=$G_SECRET" \
		--data-urlencode grant_type=refresh_token --data-urlencode "refresh_token=$REFRESH" "$SBX/google/token"
	expect_status 200
	[ "$MS" -ge 400 ] || fail "answered in $MS ms with 400 ms of latency"
	sbx_post /_control/latency ms=0
	timed -H "Authorization: Bearer $ACCESS" "$SBX/google/userinfo"
	[ "$MS" -lt 400 ] || fail "latency 0 still took $MS ms"
	sbx_post /_control/latency ms=-1
	expect_status 400
}

test_no_issued_token_in_plain_text_in_the_sandbox_files() {
	local t f found=0
	[ ${#SEEN_TOKENS[@]} -gt 10 ] || fail "only ${#SEEN_TOKENS[@]} tokens seen"
	for f in "$T_DIR"/sandbox.db*  "$T_DIR"/log/*.log; do
		for t in "${SEEN_TOKENS[@]}"; do
			[ -n "$t" ] || continue
			if grep -qaF -- "$t" "$f"; then
				fail "a token stands in $f"
				found=1
				break
			fi
		done
	done
	grep -qa 'sbx_' "$T_DIR"/sandbox.db* && fail "a token prefix stands in the sandbox's database"
	[ $found = 0 ]
}

t_run
