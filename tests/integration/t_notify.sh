#!/usr/bin/env bash
# t_notify.sh — Step 6's notifications (rules 6, 9 and 15, and the failed
# revocation of DESIGN.md's States section): who is told when an inbox goes,
# once a day at most; the emails through the outbox worker to an SMTP server on
# loopback (tests/lib/smtp_sink.py, with STARTTLS); /notifications and the bell.
# Every disconnect here is a real one: the sandbox provider refuses the token
# (invalid_grant) and the worker's health check disconnects the inbox.
. "$(dirname "$0")/lib.sh"

STACK_SMTP=1 STACK_WORKER=1 t_start \
	"Worker.poll_interval = 1" "Worker.backoff_base = 1" "Worker.backoff_max = 2" \
	"Worker.connect_timeout = 1" "Worker.timeout = 3" "Worker.max_attempts = 30" \
	"Worker.lease = 5" "Health.interval = 1" "Health.refusals_to_disconnect = 1"
MAIL="$T_DIR/mail"

# inbox OWNER ADDRESS — a Gmail inbox with a token minted at the sandbox; prints
# its id.
inbox() {
	local token
	control /_control/mint provider=google "address=$2"
	token=$(json "$T_DIR/control.json" '$.refresh_token')
	printf '%s\n' "$token" | cli inbox add "$1" "$2" --provider google --token-stdin
}

# team_inbox CONNECTOR ADDRESS INBOX-NAME — inbox, then made a team channel of a
# new conversation inbox (the team pages are another step's), connected by
# CONNECTOR; prints its id.  The token stays sealed for the same row.
team_inbox() {
	local id inbox_id
	id=$(inbox "$1" "$2")
	inbox_id=$(set_up_sql "INSERT INTO conversation_inboxes (name, created_at)
		VALUES ('$(printf %s "$3" | sed "s/'/''/g")', unixepoch()) RETURNING id")
	set_up_sql "UPDATE email_connections SET kind = 'team', owner_user_id = NULL,
		inbox_id = $inbox_id WHERE id = $id" || set_up_failed "cannot make $2 a team channel"
	echo "$id"
}

# disconnect ID ADDRESS — the provider refuses the token; the health check
# disconnects the inbox.
disconnect() {
	control /_control/revoke "address=$2"
	t_wait_for 20 "SELECT state FROM email_connections WHERE id = $1" disconnected
}

told_count() {
	sql "SELECT count(*) FROM notifications n JOIN users u ON u.id = n.user_id
		WHERE n.connection_id = $1 AND u.email = '$2'"
}

told() {
	sql "SELECT group_concat(u.email, ' ') FROM (SELECT u.email FROM notifications n
		JOIN users u ON u.id = n.user_id WHERE n.connection_id = $1 ORDER BY u.email) u"
}

# mails_to ADDRESS — the files of the mails the sink kept for ADDRESS.
mails_to() {
	local f
	for f in "$MAIL"/*.json; do
		grep -qF "\"$1\"" "$f" 2>/dev/null && echo "${f%.json}.eml"
	done
}

# wait_mails SECONDS ADDRESS COUNT — until the sink holds COUNT mails for ADDRESS.
wait_mails() {
	local i
	for i in $(seq 1 $(($1 * 10))); do
		[ "$(mails_to "$2" | wc -l)" = "$3" ] && return 0
		sleep 0.1
	done
	fail "after $1 s, $(mails_to "$2" | wc -l) mails for $2, not $3"
	return 1
}

# header FILE NAME — a header of a kept mail, RFC 2047 words decoded.
header() {
	/usr/bin/python3 - "$1" "$2" <<'PY'
import sys, email, email.header, email.policy
m = email.message_from_binary_file(open(sys.argv[1], 'rb'), policy=email.policy.default)
v = m.get_all(sys.argv[2]) or []
print('\n'.join(str(x) for x in v))
PY
}

# header_names FILE — the names of a kept mail's headers, in order.
header_names() {
	/usr/bin/python3 - "$1" <<'PY'
import sys, email, email.policy
m = email.message_from_binary_file(open(sys.argv[1], 'rb'), policy=email.policy.default)
print(' '.join(m.keys()))
PY
}

# html_part FILE — the text/html part of a kept mail, decoded.
html_part() {
	/usr/bin/python3 - "$1" 2>/dev/null <<'PY'
import sys, email, email.policy
m = email.message_from_binary_file(open(sys.argv[1], 'rb'), policy=email.policy.default)
print(m.get_body(preferencelist=('html',)).get_content())
PY
}

# text_part FILE — the text/plain part of a kept mail, decoded.
text_part() {
	/usr/bin/python3 - "$1" 2>/dev/null <<'PY'
import sys, email, email.policy
m = email.message_from_binary_file(open(sys.argv[1], 'rb'), policy=email.policy.default)
print(m.get_body(preferencelist=('plain',)).get_content())
PY
}

test_a_team_disconnect_tells_each_of_the_right_people_once() {
	local id who
	make_user boss1@example.com super_admin
	make_user access1@example.com user account_access
	make_user plain1@example.com user
	make_user gone1@example.com super_admin
	set_up_sql "UPDATE users SET deactivated = 1 WHERE email = 'gone1@example.com'"
	# The connector is a super admin too: told once, not twice.
	make_user connector1@example.com super_admin
	id=$(team_inbox connector1@example.com sales1@gmail.example "Sales")
	disconnect "$id" sales1@gmail.example
	for who in "$ADMIN" boss1@example.com access1@example.com connector1@example.com; do
		[ "$(told_count "$id" "$who")" = 1 ] || fail "$who told $(told_count "$id" "$who") times"
	done
	for who in plain1@example.com gone1@example.com; do
		[ "$(told_count "$id" "$who")" = 0 ] || fail "$who was told"
	done
	# Nobody else: the super admins and account_access users of earlier tests, once each.
	[ "$(told "$id")" = "$(sql "SELECT group_concat(email, ' ') FROM (SELECT email FROM users
		WHERE deactivated = 0 AND (role = 'super_admin' OR account_access = 1) ORDER BY email)")" ] ||
		fail "told: $(told "$id")"
	[ "$(sql "SELECT count(*) FROM outbox_jobs WHERE kind = 'email' AND connection_id = $id")" = \
		"$(sql "SELECT count(*) FROM notifications WHERE connection_id = $id")" ] ||
		fail "not one email job each"
	# Rule 15: disconnected again the same day (reconnected by hand, refused again).
	set_up_sql "UPDATE email_connections SET state = 'connected', refusals_in_a_row = 0 WHERE id = $id"
	t_wait_for 20 "SELECT state FROM email_connections WHERE id = $id" disconnected
	[ "$(sql "SELECT count(*) FROM notifications WHERE connection_id = $id")" = \
		"$(sql "SELECT count(DISTINCT user_id) FROM notifications WHERE connection_id = $id")" ] ||
		fail "a second disconnect within a day told someone again"
	[ "$(sql "SELECT count(*) FROM audit_log WHERE action = 'channel.disconnected' AND target = 'connection:$id'")" = 2 ] ||
		fail "the second disconnect did not happen"
}

test_the_mails_reach_the_server_once_each_in_each_language() {
	local id f
	make_user boss2@example.com super_admin
	make_user lea2@example.com user account_access
	set_up_sql "UPDATE users SET language = 'fr', name = 'Léa Dupré' WHERE email = 'lea2@example.com'"
	make_user plain2@example.com user
	id=$(team_inbox plain2@example.com support2@gmail.example "Support")
	disconnect "$id" support2@gmail.example
	wait_mails 20 boss2@example.com 1
	wait_mails 20 lea2@example.com 1
	wait_mails 20 plain2@example.com 1
	f=$(mails_to boss2@example.com)
	[ "$(header "$f" Subject)" = "Team email disconnected: support2@gmail.example" ] ||
		fail "English subject: $(header "$f" Subject)"
	grep -qx $'To: <boss2@example.com>\r\\?' "$f" || fail "To: $(header "$f" To)"
	[ "$(json "${f%.eml}.json" '$.tls')" = 1 ] || fail "not sent over STARTTLS"
	text_part "$f" | grep -qF "Your team email support2@gmail.example in the inbox Support was disconnected." ||
		fail "the English text part"
	text_part "$f" | grep -qF "/inbox/" || fail "no link to the inbox"
	# Lines end in CRLF before encoding, or quoted-printable sends one long "=0A" line.
	! grep -qF '=0A' "$f" || fail "a line break was sent encoded (=0A)"
	f=$(mails_to lea2@example.com)
	[ "$(header "$f" Subject)" = "Adresse e-mail d’équipe déconnectée : support2@gmail.example" ] ||
		fail "French subject: $(header "$f" Subject)"
	grep -q '^Subject: =?UTF-8?B?' "$f" || fail "the French subject is not RFC 2047 encoded"
	[ "$(header "$f" To)" = "Léa Dupré <lea2@example.com>" ] || fail "To: $(header "$f" To)"
	text_part "$f" | grep -qF "a été déconnectée" || fail "the French text part"
	grep -q '^Content-Type: multipart/alternative' "$f" || fail "no multipart/alternative"
	grep -q '^Content-Type: text/html' "$f" || fail "no HTML part"
	[ "$(sql "SELECT count(*) FROM outbox_jobs WHERE kind = 'email' AND connection_id = $id AND state = 'done'")" = \
		"$(sql "SELECT count(*) FROM notifications WHERE connection_id = $id")" ] || fail "jobs not done"
}

test_the_server_down_then_up_gets_every_mail_once() {
	local id n ids
	make_user boss3@example.com super_admin
	make_user access3@example.com user account_access
	stack_stop_sink "$T_DIR"
	id=$(team_inbox access3@example.com down3@gmail.example "Down")
	disconnect "$id" down3@gmail.example
	n=$(sql "SELECT count(*) FROM notifications WHERE connection_id = $id")
	t_wait_for 20 "SELECT count(*) > 0 FROM outbox_jobs WHERE connection_id = $id AND kind = 'email' AND attempts > 0" 1
	[ "$(sql "SELECT count(*) FROM outbox_jobs WHERE connection_id = $id AND kind = 'email' AND state = 'pending'")" = "$n" ] ||
		fail "a job ended while the server was down"
	stack_start_sink "$T_DIR" "$PORT" "$SRC" || fail "the sink did not start again"
	t_wait_for 30 "SELECT count(*) FROM outbox_jobs WHERE connection_id = $id AND kind = 'email' AND state = 'done'" "$n"
	wait_mails 10 boss3@example.com 1
	wait_mails 10 access3@example.com 1
	# Every mail once: no Message-ID twice in the whole sink.
	ids=$(for f in "$MAIL"/*.eml; do header "$f" Message-ID; done)
	[ "$(printf '%s\n' "$ids" | sort | uniq -d)" = "" ] || fail "a Message-ID came twice"
	printf '%s\n' "$ids" | grep -qE '^<inboxpanel\.job-[0-9]+\.notification-[0-9]+@example\.com>$' ||
		fail "Message-ID: $ids"
}

test_a_refusing_server_fails_the_job_for_good() {
	local id
	make_user boss4@example.com super_admin
	echo "550 5.7.1 not here" >"$MAIL/answer"
	id=$(team_inbox boss4@example.com refused4@gmail.example "Refused")
	disconnect "$id" refused4@gmail.example
	t_wait_for 20 "SELECT count(*) FROM outbox_jobs WHERE connection_id = $id AND kind = 'email' AND state = 'failed'" \
		"$(sql "SELECT count(*) FROM notifications WHERE connection_id = $id")"
	rm -f "$MAIL/answer"
	[ "$(sql "SELECT max(attempts) FROM outbox_jobs WHERE connection_id = $id AND kind = 'email'")" = 1 ] ||
		fail "a 5xx was tried again"
	[ "$(sql "SELECT last_error_code FROM outbox_jobs WHERE connection_id = $id AND kind = 'email' LIMIT 1")" = 550 ] ||
		fail "the server's code is not kept"
}

test_a_4xx_is_tried_again_until_worker_max_attempts() {
	local id jobs
	make_user boss10@example.com super_admin
	echo "451 4.3.0 try later" >"$MAIL/answer"
	id=$(team_inbox boss10@example.com later10@gmail.example "Later")
	disconnect "$id" later10@gmail.example
	jobs="outbox_jobs WHERE connection_id = $id AND kind = 'email'"
	t_wait_for 20 "SELECT count(*) = count(CASE WHEN attempts > 0 THEN 1 END) FROM $jobs" 1
	# Near the limit (Worker.max_attempts = 30): two more tries, the last one failed.
	set_up_sql "UPDATE outbox_jobs SET attempts = 28 WHERE connection_id = $id AND kind = 'email'"
	t_wait_for 30 "SELECT count(*) = count(CASE WHEN state = 'failed' THEN 1 END) FROM $jobs" 1
	rm -f "$MAIL/answer"
	[ "$(sql "SELECT group_concat(DISTINCT attempts || ' ' || last_error_code) FROM $jobs")" = "30 451" ] ||
		fail "ended after $(sql "SELECT group_concat(DISTINCT attempts || ' ' || last_error_code) FROM $jobs")"
	[ "$(mails_to boss10@example.com | wc -l)" = 0 ] || fail "a refused mail was kept"
}

test_no_header_can_be_injected_through_an_inbox_name() {
	local id f
	make_user boss5@example.com super_admin
	id=$(team_inbox boss5@example.com inject5@gmail.example $'Sales <b>\r\nBcc: victim@evil.example\r\nX-Evil: 1')
	disconnect "$id" inject5@gmail.example
	wait_mails 20 boss5@example.com 1
	f=$(mails_to boss5@example.com)
	# The headers of the message, and of each part: none but the panel's.
	[ "$(header_names "$f")" = "Content-Type From To Subject Date Message-ID MIME-Version" ] ||
		fail "headers: $(header_names "$f")"
	! grep -qi '^Bcc:\|^X-Evil:' "$f" || fail "a header was injected"
	text_part "$f" | grep -qF "in the inbox Sales <b>  Bcc: victim@evil.example  X-Evil: 1 was disconnected." ||
		fail "the name is not one line of the text"
	# The HTML part escapes it.
	html_part "$f" | grep -qF "in the inbox Sales &lt;b&gt;  Bcc:" || fail "the HTML part does not escape the name"
	! html_part "$f" | grep -qF "<b>" || fail "the name is raw HTML"
	! grep -q 'victim@evil.example' "$MAIL"/*.json || fail "an extra recipient"
	[ "$(mails_to victim@evil.example | wc -l)" = 0 ] || fail "the victim got a mail"
}

test_the_page_lists_them_and_reading_them_empties_the_bell() {
	local id up_to
	make_user reader6@example.com user account_access
	id=$(team_inbox "$ADMIN" page6@gmail.example "Help desk")
	disconnect "$id" page6@gmail.example
	as reader6
	login reader6@example.com "$USER_PW"
	http GET /settings/email
	expect_status 200
	expect_text "1 unread notification"
	http GET /notifications
	expect_status 200
	expect_text "Notifications"
	expect_text "New Your team email page6@gmail.example in the inbox Help desk was disconnected."
	expect_text "Google no longer accepts the app’s access: reconnect it to resume syncing and sending."
	expect_body "/inbox/$(sql "SELECT inbox_id FROM email_connections WHERE id = $id")/settings/channels"
	expect_text "Mark as read"
	up_to=$(grep -o 'name="up_to" value="[0-9]*"' "$T_DIR/body" | grep -o '[0-9]*')
	[ "$up_to" = "$(sql "SELECT max(id) FROM notifications WHERE user_id = $(user_id reader6@example.com)")" ] ||
		fail "up_to is not the newest shown"
	# Without the CSRF token: refused, nothing read.
	post /notifications/read "up_to=$up_to" csrf=forged
	expect_status 403
	[ "$(sql "SELECT count(*) FROM notifications WHERE user_id = $(user_id reader6@example.com) AND read_at = 0")" = 1 ] ||
		fail "a forged POST marked them read"
	http GET /notifications
	post /notifications/read "up_to=$up_to"
	expect_status 303
	expect_header Location "(http://127.0.0.1:$PORT)?/notifications"
	http GET /notifications
	expect_text "Your notifications are marked as read."
	expect_text "Notifications, none unread"
	expect_no_body "unread-badge"
	expect_no_body "Mark as read"
	# A malformed form: 400, nothing changes.
	post /notifications/read "up_to=abc"
	expect_status 400
}

test_a_plain_user_sees_only_their_own_in_their_language() {
	local id
	make_user plain7@example.com user
	set_up_sql "UPDATE users SET language = 'fr' WHERE email = 'plain7@example.com'"
	id=$(inbox plain7@example.com mine7@gmail.example)
	disconnect "$id" mine7@gmail.example
	team_inbox "$ADMIN" other7@gmail.example "Other" >/dev/null
	as plain7
	login plain7@example.com "$USER_PW"
	http GET /notifications
	expect_status 200
	expect_text "1 notification non lue"
	expect_text "Votre boîte de réception mine7@gmail.example a été déconnectée."
	expect_no_body "other7@gmail.example"
	expect_no_body "Sales"
	expect_body 'href="/settings/email"'
	# Signed out: to the sign-in page, nothing shown.
	as nobody
	http GET /notifications
	expect_status 303
}

test_the_page_goes_back_30_at_a_time() {
	local id uid older
	make_user pager9@example.com user
	uid=$(user_id pager9@example.com)
	id=$(make_inbox pager9@example.com google pages9@gmail.example disconnected)
	# 35 notices of past days (rule 15 spaces them a day apart).
	set_up_sql "WITH RECURSIVE d(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM d WHERE n < 35)
		INSERT INTO notifications (user_id, kind, connection_id, cause, created_at)
		SELECT $uid, 'disconnected', $id, 'token_rejected', unixepoch() - (36 - n) * 86400 FROM d"
	as pager9
	login pager9@example.com "$USER_PW"
	http GET /notifications
	expect_status 200
	expect_text "35 unread notifications"
	[ "$(grep -c 'class="unread"' "$T_DIR/body")" = 30 ] || fail "not 30 on the first page"
	older=$(grep -o 'notifications?before=[0-9]*' "$T_DIR/body" | grep -o '[0-9]*$')
	[ "$older" = "$(sql "SELECT id FROM notifications WHERE user_id = $uid ORDER BY id DESC LIMIT 1 OFFSET 29")" ] ||
		fail "the older page starts at $older"
	http GET "/notifications?before=$older"
	expect_status 200
	[ "$(grep -c 'class="unread"' "$T_DIR/body")" = 5 ] || fail "not 5 on the second page"
	expect_text "Newest notifications"
	expect_no_body "notifications?before="
	http GET "/notifications?before=0"
	expect_status 400
}

test_a_failed_revocation_tells_its_owner_and_the_super_admins() {
	local id
	make_user owner8@example.com user
	make_user boss8@example.com super_admin
	control /_control/fault endpoint=google.revoke kind=500 count=100
	id=$(inbox owner8@example.com revoke8@gmail.example)
	set_up_sql "UPDATE email_connections SET state = 'disabled' WHERE id = $id"
	as owner8
	login owner8@example.com "$USER_PW"
	http GET "/settings/email/$id/remove"
	post "/settings/email/$id/remove"
	expect_status 303
	t_wait_for 60 "SELECT state FROM outbox_jobs WHERE connection_id = $id AND kind = 'revoke'" failed
	control /_control/reset
	t_wait_for 5 "SELECT count(*) FROM notifications WHERE connection_id = $id AND kind = 'revocation_failed' AND user_id = $(user_id owner8@example.com)" 1
	[ "$(sql "SELECT count(*) FROM notifications WHERE connection_id = $id AND user_id = $(user_id boss8@example.com)")" = 1 ] ||
		fail "the super admin was not told"
	http GET /notifications
	expect_text "The panel could not revoke its access to revoke8@gmail.example at Google."
}

t_run
