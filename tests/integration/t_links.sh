#!/usr/bin/env bash
# t_links.sh — Step 11's password links through the real stack: `inboxpanel
# user invite` queues a mail whose token is sealed for the worker; the worker
# opens it and mails the link (in the person's language) to an SMTP server on
# loopback (tests/lib/smtp_sink.py); afterwards only the token's SHA-256 is
# anywhere in the database, its WAL or the programs' logs.
. "$(dirname "$0")/lib.sh"

STACK_SMTP=1 STACK_WORKER=1 t_start \
	"Worker.poll_interval = 1" "Worker.backoff_base = 1" "Worker.backoff_max = 2" \
	"Worker.connect_timeout = 1" "Worker.timeout = 3" "Worker.max_attempts = 30" \
	"Worker.lease = 5"

# part FILE plain|html — a part of a kept mail, decoded; subject FILE — its subject.
part() {
	/usr/bin/python3 - "$1" "$2" 2>/dev/null <<'PY'
import sys, email, email.policy
m = email.message_from_binary_file(open(sys.argv[1], 'rb'), policy=email.policy.default)
print(m.get_body(preferencelist=(sys.argv[2],)).get_content())
PY
}
subject() {
	/usr/bin/python3 - "$1" <<'PY'
import sys, email, email.policy
m = email.message_from_binary_file(open(sys.argv[1], 'rb'), policy=email.policy.default)
print(m['subject'])
PY
}

# token_of FILE — the link's token in a kept mail (kept for t_secrets: no log may
# hold it).
token_of() {
	part "$1" plain | grep -o "$BASE/password/[A-Za-z0-9_-]*" | head -1 | sed 's|.*/password/||' |
		tee -a "$T_DIR/secrets"
}

# stored_for TOKEN — the user_links row its SHA-256 names: "user purpose used".
stored_for() {
	local hash
	hash=$(printf %s "$1" | sha256sum | cut -d' ' -f1 | tr a-f A-F)
	sql "SELECT u.email || ' ' || l.purpose || ' ' || (l.used_at <> 0) || ' ' ||
		(l.expires_at - l.created_at) FROM user_links l JOIN users u ON u.id = l.user_id
		WHERE hex(l.token_hash) = '$hash'"
}

# nowhere TOKEN — the token stands in no file of the database and no log.
nowhere() {
	local f
	for f in "$T_DIR"/inboxpanel.db*; do
		! grep -a -q -F -- "$1" "$f" || fail "${f##*/} holds the token"
	done
	for f in "$T_DIR"/log/*.log; do
		case ${f##*/} in nginx-access.log | sandbox.log) continue ;; esac
		! grep -a -q -F -- "$1" "$f" || fail "${f##*/} holds the token"
	done
}

test_an_invitation_mail_carries_a_working_link_in_the_persons_language() {
	local eml token
	make_user newbie@example.com user
	set_up_sql "UPDATE users SET language = 'fr' WHERE email = 'newbie@example.com'"
	cli user invite newbie@example.com >"$T_DIR/out" || fail "user invite failed"
	grep -qx "newbie@example.com: invite link mailed, valid 72 hours" "$T_DIR/out" ||
		fail "said: $(cat "$T_DIR/out")"
	t_wait_mails 20 newbie@example.com 1 || return
	eml=$(t_mails_to newbie@example.com)
	# French typography: a no-break space before the colon.
	[ "$(subject "$eml")" = "Votre invitation"$'\xc2\xa0'": choisissez votre mot de passe" ] ||
		fail "subject: $(subject "$eml")"
	part "$eml" plain | grep -qF "Ouvrez ce lien pour choisir votre mot de passe" ||
		fail "the text part is not the French invitation"
	token=$(token_of "$eml")
	[ ${#token} = 43 ] || fail "no link in the mail: $(part "$eml" plain)"
	part "$eml" html | grep -qF "href=\"$BASE/password/$token\"" || fail "the HTML part has no link"
	# The link opens the person's unused 72-hour invitation.
	[ "$(stored_for "$token")" = "newbie@example.com invite 0 259200" ] ||
		fail "the mailed token names: $(stored_for "$token")"
	# The job ended, its sealed token dropped with it.
	t_wait_for 10 "SELECT state || ' ' || quote(sealed_token) FROM outbox_jobs WHERE kind = 'email'
		AND json_extract(payload, '\$.link') IS NOT NULL" "done NULL"
	[ "$(sql "SELECT count(*) FROM audit_log WHERE action = 'user.invite' AND actor = 'cli'")" = 1 ] ||
		fail "no audit row"
	nowhere "$token"
}

test_a_reset_mail_replaces_the_link_and_ends_the_sessions() {
	local first second eml
	as_new_user reset@example.com user
	http GET /settings/email
	expect_status 200
	cli user reset-link reset@example.com >/dev/null || fail "user reset-link failed"
	t_wait_mails 20 reset@example.com 1 || return
	first=$(token_of "$(t_mails_to reset@example.com)")
	http GET /settings/email
	[ "$STATUS" = 303 ] || [ "$STATUS" = 401 ] || fail "the session still works: $STATUS"
	cli user reset-link reset@example.com >/dev/null || fail "user reset-link failed"
	t_wait_mails 20 reset@example.com 2 || return
	for eml in $(t_mails_to reset@example.com); do
		[ "$(subject "$eml")" = "Choose a new password" ] || fail "subject: $(subject "$eml")"
		second=$(token_of "$eml")
		[ "$second" != "$first" ] && break
	done
	[ "$second" != "$first" ] || fail "the second mail carries the first link"
	# The old link expired when the new one was made; the new one stands.
	[ "$(sql "SELECT count(*) FROM user_links l JOIN users u ON u.id = l.user_id
		WHERE u.email = 'reset@example.com' AND l.expires_at > unixepoch()")" = 1 ] ||
		fail "not one live link"
	[ "$(stored_for "$second" | cut -d' ' -f1-3)" = "reset@example.com reset 0" ] ||
		fail "the new token names: $(stored_for "$second")"
	nowhere "$first"
	nowhere "$second"
}

test_without_a_user_no_link_is_made() {
	cli user invite ghost@example.com >/dev/null 2>"$T_DIR/err"
	[ $? = 1 ] || fail "exit status"
	[ "$(cat "$T_DIR/err")" = "inboxpanel: ghost@example.com: no such user" ] ||
		fail "said: $(cat "$T_DIR/err")"
}

t_run
