#!/usr/bin/env bash
# t_people.sh — Step 11, people in the browser: Administration › People for super
# admins (the list with its counts, filters and pages; adding a person with a
# single-use invitation link; role and account access; a password reset link;
# deactivating with everything that goes with the person; reactivating), the
# public page a link opens to set a password, and everyone else refused — through
# nginx, read as a person reads them.
. "$(dirname "$0")/lib.sh"

# No SMTP here: the pages show each link once, to copy, and the test follows it.
eval "stack_write_config_with_smtp() $(declare -f stack_write_config | tail -n +2)"
stack_write_config() {
	stack_write_config_with_smtp "$@"
	sed -i '/^Smtp\.url/d' "$1/inboxpanel.hdf"
}

t_start

header_value() {
	grep -i "^$1:" "$T_DIR/headers" | head -1 | sed 's/^[^:]*: *//' | tr -d '\r'
}

make_team() {
	set_up_sql "INSERT INTO conversation_inboxes (name, created_at) VALUES ('$1', unixepoch())
		RETURNING id" | grep -E '^[0-9]+$' || set_up_failed "could not add the inbox $1"
}

# make_channel INBOX-ID CONNECTOR-EMAIL PROVIDER ADDRESS STATE — prints its id.
make_channel() {
	set_up_sql "INSERT INTO email_connections (kind, inbox_id, connected_by_user_id, provider,
		address, state, sealed_token, scopes, connected_at, state_changed_at)
		SELECT 'team', $1, id, '$3', '$4', '$5', randomblob(120), 'openid email',
		unixepoch() - 86400, unixepoch() FROM users WHERE email = '$2' RETURNING id" |
		grep -E '^[0-9]+$' || set_up_failed "could not add the channel $4"
}

# The link shown once on the last page, as a path of the site.
shown_link() {
	grep -o 'id="link-url" type="text" readonly value="[^"]*"' "$T_DIR/body" |
		sed 's/.*value="//; s/"$//; s|^'"$BASE"'||' | tee -a "$T_DIR/secrets"
}

# add_person EMAIL [FIELDS...] — the add form, sent by the signed-in super admin;
# leaves the link shown in LINK.
add_person() {
	local email=$1
	shift
	http GET /admin/users/new
	post /admin/users/new "email=$email" "role=user" "$@"
	expect_status 200 "(adding $email)"
	LINK=$(shown_link)
	[[ $LINK == /password/* ]] || fail "no link shown after adding $email"
}

# set_password LINK PASSWORD — a fresh browser opens the link and sets it.
set_password() {
	as "setter-$RANDOM"
	http GET "$1"
	expect_status 200 "(opening $1)"
	post "$1" "password=$2" "password_again=$2"
}

# --- The list ------------------------------------------------------------------------

test_list_shows_people_with_their_counts() {
	local team
	make_user lista@people.example
	make_user listb@people.example super_admin
	sql "UPDATE users SET name = 'Lisa Berg', account_access = 1, language = 'fr'
		WHERE email = 'lista@people.example'"
	make_inbox lista@people.example google lista-one@mail.example connected >/dev/null
	make_inbox lista@people.example imap lista-two@mail.example disabled >/dev/null
	make_inbox lista@people.example google lista-old@mail.example removed >/dev/null
	team=$(make_team "People list")
	make_channel "$team" lista@people.example microsoft desk-l@team.example connected >/dev/null
	as_new_user list-admin@people.example super_admin
	http GET /admin/users
	expect_status 200
	expect_text "Administration › People"
	expect_text "lista@people.example Lisa Berg User · account access French Active Never 2 personal inboxes, 1 team channel"
	expect_text "listb@people.example Super admin The browser's language Active Never 0 personal inboxes, 0 team channels"
	# Signed in just now: a date, not "Never".
	page_text | grep -qE "list-admin@people.example Super admin The browser's language Active [A-Z][a-z]{2} [0-9]+, [0-9]{4}" ||
		fail "the list does not show when list-admin last signed in"
	expect_body "href=\"/admin/users/$(user_id lista@people.example)\""
	# The menu leads here for super admins.
	expect_body 'href="/admin/users" aria-current="page"'
}

test_list_filters_searches_and_pages() {
	local i
	for i in $(seq -w 1 55); do make_user "page$i@paging.example"; done
	make_user sa-paging@paging.example super_admin
	sql "UPDATE users SET deactivated = 1 WHERE email = 'page07@paging.example'"
	as_new_user filter-admin@people.example super_admin
	http GET "/admin/users?q=page"
	expect_status 200
	expect_text "page01@paging.example"
	expect_text "page50@paging.example"
	expect_no_body "page51@paging.example"
	expect_no_body "sa-paging@paging.example"
	expect_body 'rel="next" href="/admin/users?after=page50%40paging.example&amp;q=page"'
	http GET "/admin/users?after=page50%40paging.example&q=page"
	expect_status 200
	expect_text "page51@paging.example"
	expect_text "page55@paging.example"
	expect_no_body "page50@paging.example"
	expect_no_body 'rel="next"'
	expect_text "First page"
	# Search ignores case, as sign-in does.
	http GET "/admin/users?q=PAGE0"
	expect_text "page09@paging.example"
	expect_no_body "page10@paging.example"
	http GET "/admin/users?state=deactivated&q=page"
	expect_text "page07@paging.example User The browser's language Deactivated"
	expect_no_body "page08@paging.example"
	http GET "/admin/users?role=super_admin&q=sa-"
	expect_text "sa-paging@paging.example"
	expect_no_body "page01@paging.example"
	http GET "/admin/users?q=nobody-has-this"
	expect_text "Nobody matches these filters."
	# A cursor or filter that is not one: 400, nothing shown.
	http GET "/admin/users?after=not-an-address"
	expect_status 400
	http GET "/admin/users?state=gone"
	expect_status 400
}

test_list_reads_right_in_french() {
	make_user fr-one@people.example
	make_inbox fr-one@people.example google fr-one-box@mail.example connected >/dev/null
	as_new_user fr-admin@people.example super_admin
	sql "UPDATE users SET language = 'fr' WHERE email = 'fr-admin@people.example'"
	http GET "/admin/users?q=fr-one"
	expect_status 200
	expect_text "Administration › Personnes"
	expect_text "fr-one@people.example Utilisateur La langue du navigateur Actif Jamais 1 boîte de réception personnelle, 0 canal d’équipe"
	expect_body 'href="/admin/users" aria-current="page">Personnes'
}

# --- Adding a person, and the link ------------------------------------------------------

test_invitation_link_works_once() {
	local link
	as_new_user invite-admin@people.example super_admin
	add_person invited@people.example "name=Ines Vidal" "language=fr" "account_access=1"
	link=$LINK
	expect_text "Invitation link"
	expect_text "It is shown this once, works once, and expires in 72 hours."
	[ "$(sql "SELECT role || account_access || language || deactivated FROM users
		WHERE email = 'invited@people.example'")" = user1fr0 ] || fail "the person was not added as asked"
	[ "$(sql "SELECT count(*) FROM audit_log WHERE action = 'user.add'
		AND target = 'user:$(user_id invited@people.example)'")" = 1 ] || fail "no audit row for the addition"
	# Only the hash of the token is stored.
	[ "$(sql "SELECT count(*) FROM user_links WHERE hex(token_hash) LIKE '%' || hex('${link#/password/}') || '%'")" = 0 ] ||
		fail "the token itself is in the database"
	set_password "$link" "ines chose this one"
	expect_status 303
	expect_header Location '(http://[^/]*)?/login'
	expect_header Referrer-Policy 'strict-origin'
	http GET /login
	expect_text "Your password is set. Sign in with it."
	as ines
	login invited@people.example "ines chose this one"
	http GET /settings/email
	expect_status 200
	expect_text "Paramètres"
	# A second use: the link no longer works.
	as again
	http GET "$link"
	expect_status 410
	expect_text "This link no longer works"
	http GET /login # a sign-in form's token, which the set-password form also carries
	post "$link" "password=another one" "password_again=another one"
	expect_status 410
}

test_forged_and_expired_links_get_a_clear_page() {
	local link
	as forger
	http GET /password/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
	expect_status 404
	expect_header Referrer-Policy 'strict-origin'
	http GET "/password/short"
	expect_status 404
	as_new_user expiry-admin@people.example super_admin
	add_person expiring@people.example
	link=$LINK
	sql "UPDATE user_links SET expires_at = unixepoch() - 1
		WHERE user_id = $(user_id expiring@people.example)"
	as late
	http GET "$link"
	expect_status 410
	expect_text "It was used already, or it expired."
}

test_set_password_refuses_two_different_passwords() {
	local link before
	as_new_user mismatch-admin@people.example super_admin
	add_person mismatch@people.example
	link=$LINK
	as mismatcher
	http GET "$link"
	before=$(db_state)
	post "$link" "password=one password" "password_again=another password"
	expect_status 400
	expect_text "The two passwords are not the same."
	[ "$before" = "$(db_state)" ] || fail "a refused password changed the database"
	post "$link" "password=one password" "password_again=one password"
	expect_status 303
}

test_the_token_reaches_no_log_nor_audit_row() {
	local link token
	as_new_user log-admin@people.example super_admin
	add_person logged@people.example
	link=$LINK
	token=${link#/password/}
	echo "$token" >>"$T_DIR/secrets"
	as log-visitor
	http GET "$link"
	# A forged CSRF token: refused and audited, by the route's pattern.
	post "$link" "csrf=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" "password=x1" "password_again=x1"
	expect_status 403
	[ "$(sql "SELECT count(*) FROM audit_log WHERE target LIKE '%$token%' OR detail LIKE '%$token%'")" = 0 ] ||
		fail "the audit log holds the token"
	[ "$(sql "SELECT count(*) FROM audit_log WHERE action = 'csrf.failure' AND target = '/password/{token}'")" -ge 1 ] ||
		fail "the refusal is not audited by the route's pattern"
	t_logs_hold_no_secret "$T_DIR" || fail "a log holds a secret"
	! grep -rqF -- "$token" "$T_DIR/log/nginx-access.log" 2>/dev/null || fail "nginx's access log holds the token"
}

test_adding_an_address_twice_is_a_conflict_with_the_form_kept() {
	local before
	make_user taken@people.example
	as_new_user dup-admin@people.example super_admin
	http GET /admin/users/new
	before=$(db_state)
	post /admin/users/new "email=TAKEN@people.example" "name=Tom Twice" "role=super_admin"
	expect_status 409
	expect_text "TAKEN@people.example already has an account. Nothing was added."
	expect_body 'value="Tom Twice"'
	expect_body 'value="super_admin" checked'
	[ "$before" = "$(db_state)" ] || fail "a refused addition changed the database"
}

# --- Role, reset link ---------------------------------------------------------------------

test_role_change_is_saved_with_its_audit_row() {
	local id
	make_user promoted@people.example
	id=$(user_id promoted@people.example)
	as_new_user role-admin@people.example super_admin
	http GET "/admin/users/$id"
	expect_status 200
	expect_text "Role and account access"
	post "/admin/users/$id/role" "role=user" "account_access=1"
	expect_status 303
	expect_header Location "(http://[^/]*)?/admin/users/$id"
	[ "$(sql "SELECT role || account_access FROM users WHERE id = $id")" = user1 ] || fail "account access not given"
	http GET "/admin/users/$id"
	expect_text "The role and account access of promoted@people.example are saved."
	post "/admin/users/$id/role" "role=super_admin"
	[ "$(sql "SELECT role || account_access FROM users WHERE id = $id")" = super_admin0 ] || fail "role not changed"
	[ "$(sql "SELECT count(*) FROM audit_log WHERE action = 'user.set_role' AND target = 'user:$id'")" = 2 ] ||
		fail "each change wants its audit row"
}

test_the_last_super_admin_cannot_be_demoted_nor_deactivated() {
	local id others before
	as_new_user last-admin@people.example super_admin
	id=$(user_id last-admin@people.example)
	# Every other super admin out of the way for this test, put back after it.
	others=$(sql "SELECT group_concat(id) FROM users WHERE role = 'super_admin' AND deactivated = 0 AND id <> $id")
	sql "UPDATE users SET deactivated = 1 WHERE id IN ($others)"
	http GET "/admin/users/$id"
	before=$(db_state)
	post "/admin/users/$id/role" "role=user"
	expect_status 409
	expect_text "last-admin@people.example is the last active super admin."
	http GET "/admin/users/$id/deactivate"
	expect_status 200
	post "/admin/users/$id/deactivate"
	expect_status 409
	expect_text "is the last active super admin"
	[ "$before" = "$(db_state)" ] || fail "the refused demotion changed the database"
	sql "UPDATE users SET deactivated = 0 WHERE id IN ($others)"
}

test_a_reset_link_ends_every_session_of_the_person() {
	local id link
	as_new_user forgetful@people.example
	id=$(user_id forgetful@people.example)
	as_new_user reset-admin@people.example super_admin
	http GET "/admin/users/$id"
	post "/admin/users/$id/password-link"
	expect_status 200
	expect_text "Password reset link"
	link=$(shown_link)
	[ "$(sql "SELECT count(*) FROM sessions WHERE user_id = $id")" = 0 ] || fail "their sessions live on"
	as forgetful
	http GET /settings/email
	expect_status 303
	set_password "$link" "a brand new password"
	expect_status 303
	as forgetful
	login forgetful@people.example "a brand new password"
}

# --- Deactivate, reactivate ----------------------------------------------------------------

test_deactivating_takes_the_inboxes_and_ends_the_session_at_once() {
	local id team g m o i chan before_jobs
	as_new_user leaver@people.example
	id=$(user_id leaver@people.example)
	g=$(make_inbox leaver@people.example google leaver-g@mail.example connected)
	m=$(make_inbox leaver@people.example microsoft leaver-m@mail.example disabled)
	o=$(make_inbox leaver@people.example outlook leaver-o@mail.example connected)
	i=$(make_inbox leaver@people.example imap leaver-i@mail.example disconnected)
	team=$(make_team "Leavers")
	chan=$(make_channel "$team" leaver@people.example google desk-leaver@team.example connected)
	make_user told-admin@people.example user account_access
	as_new_user off-admin@people.example super_admin
	http GET "/admin/users/$id/deactivate"
	expect_status 200
	expect_text "Deactivate leaver@people.example?"
	expect_text "leaver-g@mail.example Gmail"
	expect_text "then asks Google to revoke it, so the app no longer appears in that Google account. All connections shows when Google confirms."
	expect_text "leaver-i@mail.example IMAP"
	expect_text "There is nothing to revoke at an IMAP server"
	expect_text "Open Apps and services that can access your data, signed in at Microsoft as"
	expect_body 'href="https://account.live.com/consent/Manage"'
	expect_text "desk-leaver@team.example"
	expect_text "Keep them working"
	expect_text "told-admin@people.example"
	before_jobs=$(sql "SELECT count(*) FROM outbox_jobs WHERE kind = 'revoke'")
	post "/admin/users/$id/deactivate" "channels=remove"
	expect_status 303
	expect_header Location '(http://[^/]*)?/admin/users'
	http GET /admin/users
	expect_text "leaver@people.example is deactivated: 4 personal inboxes removed, 1 team channel deleted."
	[ "$(sql "SELECT deactivated FROM users WHERE id = $id")" = 1 ] || fail "not deactivated"
	for c in $g $m $o $i $chan; do
		[ "$(state_of "$c")" = removed ] || fail "connection $c is $(state_of "$c")"
	done
	[ "$(sql "SELECT count(*) FROM outbox_jobs WHERE kind = 'revoke'")" = $((before_jobs + 5)) ] ||
		fail "not one revocation job per connection"
	[ "$(sql "SELECT count(*) FROM outbox_jobs WHERE kind = 'revoke' AND state = 'manual'
		AND connection_id IN ($o, $i)")" = 2 ] || fail "Outlook.com and IMAP are not manual steps"
	[ "$(sql "SELECT count(*) FROM sessions WHERE user_id = $id")" = 0 ] || fail "their sessions live on"
	[ "$(sql "SELECT count(*) FROM audit_log WHERE action = 'user.disable' AND target = 'user:$id'")" = 1 ] ||
		fail "no audit row for the deactivation"
	# Their browser is signed out at once.
	as leaver
	http GET /settings/email
	expect_status 303
	expect_header Location '(http://[^/]*)?/login\?next=.*'
	# Reactivating restores the account, not the inboxes.
	as off-admin
	http GET "/admin/users/$id"
	expect_text "Reactivate"
	post "/admin/users/$id/reactivate"
	expect_status 303
	[ "$(sql "SELECT deactivated FROM users WHERE id = $id")" = 0 ] || fail "not reactivated"
	[ "$(state_of "$g")" = removed ] || fail "a removed inbox came back"
	[ "$(sql "SELECT count(*) FROM audit_log WHERE action = 'user.enable' AND target = 'user:$id'")" = 1 ] ||
		fail "no audit row for the reactivation"
}

test_team_channels_can_be_kept_when_their_connector_leaves() {
	local id team chan
	make_user keeper@people.example
	id=$(user_id keeper@people.example)
	team=$(make_team "Keepers")
	chan=$(make_channel "$team" keeper@people.example google desk-keep@team.example connected)
	as_new_user keep-admin@people.example super_admin
	http GET "/admin/users/$id/deactivate"
	post "/admin/users/$id/deactivate" "channels=keep"
	expect_status 303
	[ "$(state_of "$chan")" = connected ] || fail "the kept channel is $(state_of "$chan")"
	http GET /admin/users
	expect_text "keeper@people.example is deactivated: 0 personal inboxes removed, 1 team channel kept."
	# Deactivated already: the confirmation sends back to the person.
	http GET "/admin/users/$id/deactivate"
	expect_status 303
}

# --- Everyone else ---------------------------------------------------------------------------

test_plain_and_account_access_users_are_refused_everywhere() {
	local id link before who path
	make_user target@people.example
	id=$(user_id target@people.example)
	make_inbox target@people.example google target-box@mail.example connected >/dev/null
	for who in plain access; do
		if [ $who = plain ]; then as_new_user plain-refused@people.example; else
			as_new_user access-refused@people.example user account_access; fi
		http GET /settings/email
		expect_no_body 'href="/admin/users"'
		before=$(db_state)
		for path in /admin/users /admin/users/new "/admin/users/$id" "/admin/users/$id/deactivate"; do
			http GET "$path"
			expect_status 403 "(GET $path as $who)"
		done
		http GET /settings/email
		for path in /admin/users/new "/admin/users/$id/role" "/admin/users/$id/password-link" \
			"/admin/users/$id/deactivate" "/admin/users/$id/reactivate"; do
			post "$path" "email=new-by-$who@people.example" "role=super_admin" "account_access=1" "channels=remove"
			expect_status 403 "(POST $path as $who)"
		done
		[ "$before" = "$(db_state)" ] || fail "a refused request by $who changed the database"
	done
}

t_run
