#!/usr/bin/env bash
# t_imap.sh — connecting an inbox with an IMAP user name and password, against a
# real IMAP server on loopback: Debian's dovecot-imapd, started from
# tests/lib/dovecot.conf.in with a throwaway CA and server certificate.  The
# panel logs in before it stores anything, over TLS only (IMAPS, or STARTTLS),
# trusting only the CA of Imap.ca_file; the password is sealed; the server's
# answer comes back in words; a server on a private network is refused unless
# Imap.allow_private says otherwise.
. "$(dirname "$0")/lib.sh"

command -v dovecot >/dev/null ||
	{ echo "Bail out! dovecot is not installed (./dev installs dovecot-imapd)"; exit 1; }

# --- the IMAP server ------------------------------------------------------------
# Its own folder, outside the test's (which only its owner may enter): the
# server's login processes run as another user and must reach its sockets.
IMAP_DIR=$(mktemp -d /tmp/inboxpanel-imap.XXXXXX)
chmod 755 "$IMAP_DIR"
IMAP_PID=
IMAP_USER=alice@imap.example.net
IMAP_PW="plain-IMAP-pw-$RANDOM$RANDOM"   # grepped for: it must never stand in plain text
WRONG_PW="wrong-IMAP-pw-$RANDOM$RANDOM"

free_port() {
	local p i
	for i in $(seq 1 50); do
		p=$((20000 + RANDOM % 12000))
		stack_port_busy "$p" || { echo "$p"; return; }
	done
	return 1
}

# make_ca NAME — a throwaway CA in IMAP_DIR/NAME.{key,crt}.
make_ca() {
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$IMAP_DIR/$1.key" -out "$IMAP_DIR/$1.crt" \
		-days 2 -subj "/CN=inboxpanel test $1" 2>/dev/null
}

# make_cert NAME CA SANS — a server certificate signed by CA for SANS.
make_cert() {
	openssl req -newkey rsa:2048 -nodes -keyout "$IMAP_DIR/$1.key" -out "$IMAP_DIR/$1.csr" \
		-subj "/CN=$1" 2>/dev/null &&
		printf 'subjectAltName=%s\n' "$3" >"$IMAP_DIR/$1.ext" &&
		openssl x509 -req -in "$IMAP_DIR/$1.csr" -CA "$IMAP_DIR/$2.crt" -CAkey "$IMAP_DIR/$2.key" \
			-CAcreateserial -out "$IMAP_DIR/$1.crt" -days 2 -extfile "$IMAP_DIR/$1.ext" 2>/dev/null
}

imap_start() {
	local login_user=dovenull internal_user=dovecot uid=65534 gid=65534 i
	if [ "$(id -u)" != 0 ]; then
		login_user=$(id -un) internal_user=$(id -un) uid=$(id -u) gid=$(id -g)
	fi
	IMAPS_PORT=$(free_port) && IMAP_PORT=$(free_port) || return 1
	mkdir -p "$IMAP_DIR/run" "$IMAP_DIR/state" "$IMAP_DIR/mail"
	chmod 1777 "$IMAP_DIR/mail"
	printf '%s:{PLAIN}%s\n' "$IMAP_USER" "$IMAP_PW" >"$IMAP_DIR/passwd"
	sed -e "s|@DIR@|$IMAP_DIR|g" -e "s|@IMAPS_PORT@|$IMAPS_PORT|g" -e "s|@IMAP_PORT@|$IMAP_PORT|g" \
		-e "s|@LOGIN_USER@|$login_user|g" -e "s|@INTERNAL_USER@|$internal_user|g" \
		-e "s|@MAIL_UID@|$uid|g" -e "s|@MAIL_GID@|$gid|g" -e "s|@MAIL_DIR@|$IMAP_DIR/mail|g" \
		"$SRC/tests/lib/dovecot.conf.in" >"$IMAP_DIR/dovecot.conf"
	dovecot -F -c "$IMAP_DIR/dovecot.conf" >>"$IMAP_DIR/dovecot.out" 2>&1 &
	IMAP_PID=$!
	for i in $(seq 1 100); do
		if stack_port_busy "$IMAPS_PORT" && stack_port_busy "$IMAP_PORT"; then
			# A wrong password first: the server's authentication gives up its
			# penalty (dovecot.conf.in) on the first one, after a few seconds that
			# would otherwise eat into a test's timeout.
			curl -sS --cacert "$IMAP_DIR/ca.crt" -u "$IMAP_USER:$WRONG_PW" -X NOOP \
				"imaps://127.0.0.1:$IMAPS_PORT/" >/dev/null 2>&1
			return 0
		fi
		kill -0 "$IMAP_PID" 2>/dev/null || break
		sleep 0.1
	done
	cat "$IMAP_DIR/dovecot.out" "$IMAP_DIR/dovecot.log" 2>/dev/null | tail -5 | sed 's/^/# /'
	return 1
}

imap_stop() {
	local i
	if [ -n "$IMAP_PID" ]; then
		kill -TERM "$IMAP_PID" 2>/dev/null
		for i in $(seq 1 50); do
			kill -0 "$IMAP_PID" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$IMAP_PID" 2>/dev/null
		IMAP_PID=
	fi
	rm -rf "$IMAP_DIR"
}

# The panel trusts ca; the server shows a certificate from ca for 127.0.0.1 and
# localhost, and one from another CA (rogue) when reached at 127.0.0.2.
if ! make_ca ca || ! make_ca rogue || ! make_cert server ca "DNS:localhost,IP:127.0.0.1" ||
	! make_cert other rogue "IP:127.0.0.2" || ! imap_start; then
	imap_stop
	echo "Bail out! the IMAP server did not start"
	exit 1
fi

# The server listens on random ports: Imap.any_port lets the form take them.
# The login's timeouts stretch under valgrind (stack_scaled), where a TLS
# handshake alone can take seconds.
t_start "Imap.allow_private = 1" "Imap.any_port = 1" "Imap.ca_file = $IMAP_DIR/ca.crt" \
	"Worker.connect_timeout = $(stack_scaled 4)" "Worker.timeout = $(stack_scaled 8)"
# t_start's trap stops the panel; the IMAP server goes first, and the status stays.
trap 'rc=$?; imap_stop; (exit $rc); t_stop' EXIT

NBSP=$(printf '\302\240')

# imap_post ADDRESS HOST PORT SECURITY PASSWORD [USERNAME] — the form, read and
# sent as a person does.
imap_post() {
	http GET /settings/email/connect/imap
	post /settings/email/connect/imap "address=$1" "host=$2" "port=$3" "security=$4" \
		"password=$5" "username=${6-}"
}

imap_rows() {
	sql "SELECT count(*) FROM email_connections WHERE provider = 'imap'"
}

# set_imap_key KEY 0|1 — the panel restarted with Imap.KEY set so.
set_imap_key() {
	stack_stop "$T_DIR"
	sed -i "s/^Imap.$1 = .*/Imap.$1 = $2/" "$T_DIR/inboxpanel.hdf"
	STACK_WORKERS=2 stack_start "$T_DIR" "$PORT" "$SRC" "$BIN" ||
		set_up_failed "the panel did not start again with Imap.$1 = $2"
}

set_allow_private() {
	set_imap_key allow_private "$1"
}

# The password, right or wrong, in no database file (WAL included) and no log.
expect_no_password_anywhere() {
	local f
	for f in "$T_DIR"/inboxpanel.db*; do
		! grep -aqF -e "$IMAP_PW" -e "$WRONG_PW" "$f" || fail "a password stands in plain text in $(basename "$f")"
	done
	! grep -rqF -e "$IMAP_PW" -e "$WRONG_PW" "$T_DIR/log" || fail "a password stands in a log"
}

# --- the form ----------------------------------------------------------------------

test_form_offers_tls_by_default() {
	as_new_user form@example.com
	http GET /settings/email/connect
	expect_body 'href="/settings/email/connect/imap"'
	http GET /settings/email/connect/imap
	expect_status 200
	expect_text "Connect an IMAP inbox"
	expect_body 'name="port" type="number" inputmode="numeric" required min="1" max="65535" value="993"'
	expect_body 'value="imaps" checked'
	expect_no_body 'value="starttls" checked'
	expect_body 'name="password" type="password"'
	expect_text "Leave empty if it is your email address."
}

test_form_reads_right_in_french() {
	as_new_user formulaire@example.com
	sql "UPDATE users SET language = 'fr' WHERE email = 'formulaire@example.com'"
	http GET /settings/email/connect/imap
	expect_status 200
	expect_text "Connecter une boîte de réception IMAP"
	expect_text "Serveur IMAP"
	expect_text "Laissez vide s’il s’agit de votre adresse e-mail."
	http GET /settings/email/connect/imap
	post /settings/email/connect/imap "address=fr@example.net" "host=127.0.0.1" \
		"port=$IMAPS_PORT" "security=imaps" "password=$WRONG_PW" "username=$IMAP_USER"
	expect_status 200
	expect_text "a refusé l’identifiant ou le mot de passe. Vérifiez-les et saisissez de nouveau le mot de passe${NBSP};"
}

# --- logging in ----------------------------------------------------------------------

test_imaps_good_password_connects() {
	local id
	as_new_user tls@example.com
	imap_post "$IMAP_USER" 127.0.0.1 "$IMAPS_PORT" imaps "$IMAP_PW"
	expect_status 303
	expect_header Location "/settings/email"
	id=$(sql "SELECT id FROM email_connections WHERE address = '$IMAP_USER' AND provider = 'imap'
		AND owner_user_id = (SELECT id FROM users WHERE email = 'tls@example.com')")
	[ -n "$id" ] || { fail "no IMAP inbox was stored"; return; }
	[ "$(sql "SELECT state, imap_host, imap_port, imap_security, imap_username, sealed_token IS NOT NULL
		FROM email_connections WHERE id = $id")" = "connected|127.0.0.1|$IMAPS_PORT|imaps|$IMAP_USER|1" ] ||
		fail "the inbox is stored as: $(sql "SELECT state, imap_host, imap_port, imap_security, imap_username FROM email_connections WHERE id = $id")"
	[ "$(sql "SELECT detail FROM audit_log WHERE action = 'email.connect' AND target = 'connection:$id'")" = "$IMAP_USER" ] ||
		fail "no email.connect audit row naming the address"
	http GET /settings/email
	expect_text "$IMAP_USER is connected"
	expect_text "IMAP"
	expect_no_password_anywhere
}

test_starttls_by_name_connects() {
	as_new_user starttls@example.com
	# A DNS name this time, and the user name left empty: it is the address.
	http GET /settings/email/connect/imap
	post /settings/email/connect/imap "address=$IMAP_USER" "host=localhost" "port=$IMAP_PORT" \
		"security=starttls" "password=$IMAP_PW" "username="
	expect_status 303
	[ "$(sql "SELECT imap_host, imap_port, imap_security, imap_username FROM email_connections
		WHERE owner_user_id = (SELECT id FROM users WHERE email = 'starttls@example.com')")" = \
		"localhost|$IMAP_PORT|starttls|$IMAP_USER" ] || fail "the STARTTLS inbox is not stored as sent"
	expect_no_password_anywhere
}

test_password_is_sealed_and_opens() {
	local out
	as_new_user sealed@example.com
	imap_post "$IMAP_USER" 127.0.0.1 "$IMAPS_PORT" imaps "$IMAP_PW"
	expect_status 303
	cli inbox list >"$T_DIR/inboxes" || fail "inbox list failed"
	grep -qP "\timap\t\Q$IMAP_USER\E\tconnected\t" "$T_DIR/inboxes" || fail "inbox list does not show the IMAP inbox"
	# Every stored password opens with the private key, bound to its row's
	# server: rekey --check opens each one and changes nothing.
	out=$(cli rekey --check 2>&1) || fail "rekey --check: $out"
	case $out in *"stored tokens open"*) ;; *) fail "rekey --check says: $out" ;; esac
	# A box moved to a row naming another server does not open.
	sql "UPDATE email_connections SET imap_port = imap_port + 1 WHERE owner_user_id =
		(SELECT id FROM users WHERE email = 'sealed@example.com')"
	! cli rekey --check >/dev/null 2>&1 || fail "a password opened for another server than its own"
	sql "UPDATE email_connections SET imap_port = imap_port - 1 WHERE owner_user_id =
		(SELECT id FROM users WHERE email = 'sealed@example.com')"
	out=$(cli worker --once 2>&1)
	case $out in *"not open"* | *"cannot open"*) fail "the worker could not open a password: $out" ;; esac
	expect_no_password_anywhere
}

test_bad_password_shows_the_form_again() {
	local before
	as_new_user wrongpw@example.com
	before=$(db_state)
	imap_post "$IMAP_USER" 127.0.0.1 "$IMAPS_PORT" imaps "$WRONG_PW" "$IMAP_USER"
	expect_status 200
	expect_text "127.0.0.1 refused the user name or the password."
	expect_body 'role="alert"'
	expect_body "value=\"$IMAP_USER\""
	expect_body "value=\"$IMAPS_PORT\""
	expect_no_body "$WRONG_PW"
	[ "$(db_state)" = "$before" ] || fail "a refused login changed the store"
	expect_no_password_anywhere
}

test_password_with_a_line_break_is_refused() {
	local before
	as_new_user linebreak@example.com
	before=$(db_state)
	imap_post "$IMAP_USER" 127.0.0.1 "$IMAPS_PORT" imaps $'one\r\nA2 LOGOUT'
	expect_status 200
	expect_text "A password cannot hold a line break."
	[ "$(db_state)" = "$before" ] || fail "a password with a line break changed the store"
}

test_certificate_of_another_ca_is_refused() {
	local before
	as_new_user rogue@example.com
	before=$(db_state)
	imap_post "$IMAP_USER" 127.0.0.2 "$IMAPS_PORT" imaps "$IMAP_PW"
	expect_status 200
	expect_text "The connection to 127.0.0.2 is not secure: its certificate could not be verified"
	expect_no_body "$IMAP_PW"
	[ "$(db_state)" = "$before" ] || fail "an untrusted server changed the store"
	# STARTTLS too: the login never goes out before the certificate is trusted.
	imap_post "$IMAP_USER" 127.0.0.2 "$IMAP_PORT" starttls "$IMAP_PW"
	expect_status 200
	expect_text "is not secure"
	[ "$(db_state)" = "$before" ] || fail "an untrusted STARTTLS server changed the store"
}

test_connection_refused_says_nothing_answers() {
	local closed before
	as_new_user closed@example.com
	closed=$(free_port)
	before=$(db_state)
	imap_post "$IMAP_USER" 127.0.0.1 "$closed" imaps "$IMAP_PW"
	expect_status 200
	expect_text "Nothing answers at 127.0.0.1 on port $closed."
	[ "$(db_state)" = "$before" ] || fail "a closed port changed the store"
}

test_starttls_to_the_tls_port_times_out_in_words() {
	as_new_user mixed@example.com
	# STARTTLS spoken to the IMAPS port: the server waits for a TLS hello, the
	# panel for a greeting, until the connect timeout.
	imap_post "$IMAP_USER" 127.0.0.1 "$IMAPS_PORT" starttls "$IMAP_PW"
	expect_status 200
	expect_text "127.0.0.1 did not answer in time on port $IMAPS_PORT."
	expect_no_body "$IMAP_PW"
	[ "$(imap_rows_of mixed@example.com)" = 0 ] || fail "something was stored"
}

imap_rows_of() {
	sql "SELECT count(*) FROM email_connections WHERE owner_user_id = (SELECT id FROM users WHERE email = '$1')"
}

test_same_address_again_changes_nothing() {
	local before
	as_new_user twice@example.com
	imap_post "$IMAP_USER" 127.0.0.1 "$IMAPS_PORT" imaps "$IMAP_PW"
	expect_status 303
	before=$(db_state)
	imap_post "$IMAP_USER" localhost "$IMAP_PORT" starttls "$IMAP_PW"
	expect_status 409
	expect_text "$IMAP_USER is already in your inboxes through IMAP. Nothing was changed."
	[ "$(db_state)" = "$before" ] || fail "connecting the same address again changed the store"
	[ "$(imap_rows_of twice@example.com)" = 1 ] || fail "the address is listed twice"
}

# --- what the form refuses before any connection -------------------------------------

test_host_that_is_not_a_name_is_refused() {
	as_new_user badhost@example.com
	for host in "imap example.com" "-imap.example.com" "imap..example.com" "127.1" "2130706433" \
		"[::1]" "imap.example.com/x"; do
		imap_post "$IMAP_USER" "$host" "$IMAPS_PORT" imaps "$IMAP_PW"
		expect_status 200 "(host $host)"
		expect_text "Type the server’s name, such as imap.example.com, or its IP address."
	done
	[ "$(imap_rows_of badhost@example.com)" = 0 ] || fail "something was stored"
}

test_malformed_form_answers_400() {
	local before
	as_new_user malformed@example.com
	before=$(db_state)
	for port in 0 65536 abc; do
		imap_post "$IMAP_USER" 127.0.0.1 "$port" imaps "$IMAP_PW"
		expect_status 400 "(port $port)"
	done
	imap_post "$IMAP_USER" 127.0.0.1 "$IMAPS_PORT" plaintext "$IMAP_PW"
	expect_status 400 "(security plaintext)"
	imap_post "not an address" 127.0.0.1 "$IMAPS_PORT" imaps "$IMAP_PW"
	expect_status 400 "(a bad address)"
	http GET /settings/email/connect/imap
	post /settings/email/connect/imap "address=$IMAP_USER" "host=127.0.0.1" "port=$IMAPS_PORT" \
		"security=imaps" "password=$IMAP_PW" "csrf=forged"
	expect_status 403
	[ "$(db_state)" = "$before" ] || fail "a malformed form changed the store"
}

test_private_addresses_refused_unless_allowed() {
	local before log_before host
	as_new_user private@example.com
	set_allow_private 0
	before=$(db_state)
	log_before=$(wc -l <"$IMAP_DIR/dovecot.log")
	for host in 127.0.0.1 localhost 10.0.0.1 172.16.5.4 192.168.1.1 169.254.1.1 100.64.0.1 \
		0.0.0.0 224.0.0.1 ::1 :: fe80::1 fd00::1 ::ffff:127.0.0.1 ::ffff:10.0.0.1; do
		imap_post "$IMAP_USER" "$host" "$IMAPS_PORT" imaps "$IMAP_PW"
		expect_status 200 "(host $host)"
		expect_text "is on a private network, which the app does not connect to."
	done
	# Nothing reached the server: it logged no connection meanwhile.
	[ "$(wc -l <"$IMAP_DIR/dovecot.log")" = "$log_before" ] ||
		fail "the server saw a connection: $(tail -n +$((log_before + 1)) "$IMAP_DIR/dovecot.log" | head -3)"
	[ "$(db_state)" = "$before" ] || fail "a private address changed the store"
	set_allow_private 1
	imap_post "$IMAP_USER" 127.0.0.1 "$IMAPS_PORT" imaps "$IMAP_PW"
	expect_status 303 "(loopback once allowed)"
}

test_only_imap_ports_unless_any_port() {
	local before log_before port
	as_new_user ports@example.com
	set_imap_key any_port 0
	before=$(db_state)
	log_before=$(wc -l <"$IMAP_DIR/dovecot.log")
	for port in "$IMAPS_PORT" 25 80 8080; do
		imap_post "$IMAP_USER" 127.0.0.1 "$port" imaps "$IMAP_PW"
		expect_status 200 "(port $port)"
		expect_text "The app connects to IMAP servers on port 993 (TLS) or 143 (STARTTLS) only. Nothing was saved."
		expect_body "value=\"$port\""
	done
	[ "$(wc -l <"$IMAP_DIR/dovecot.log")" = "$log_before" ] ||
		fail "the server saw a connection on a port the form refuses"
	[ "$(db_state)" = "$before" ] || fail "a refused port changed the store"
	# 993 and 143 are taken: nothing listens there on this machine, so the
	# login is tried and fails in words.
	for port in 993 143; do
		imap_post "$IMAP_USER" 127.0.0.1 "$port" imaps "$IMAP_PW"
		expect_status 200 "(port $port)"
		! page_text | grep -qF "port 993 (TLS) or 143 (STARTTLS) only" || fail "port $port was refused"
	done
	set_imap_key any_port 1
	imap_post "$IMAP_USER" 127.0.0.1 "$IMAPS_PORT" imaps "$IMAP_PW"
	expect_status 303 "(any port once allowed)"
}

# --- how often the form may log in --------------------------------------------------

imap_attempts_of() {
	sql "SELECT count(*) FROM imap_login_attempts WHERE user_id = (SELECT id FROM users WHERE email = '$1')"
}

test_logins_are_limited_per_user() {
	local uid log_before retry
	as_new_user limited@example.com
	uid=$(user_id limited@example.com)
	# Nine logins in the last ten minutes already (the default: 10 in 600 s),
	# and one older that no longer counts.
	set_up_sql "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 9)
		INSERT INTO imap_login_attempts (user_id, at) SELECT $uid, unixepoch() - 60 * i FROM n;
		INSERT INTO imap_login_attempts (user_id, at) VALUES ($uid, unixepoch() - 700)"
	imap_post "$IMAP_USER" 127.0.0.1 "$IMAPS_PORT" imaps "$WRONG_PW"
	expect_status 200 "(the tenth login)"
	expect_text "127.0.0.1 refused the user name or the password."
	log_before=$(wc -l <"$IMAP_DIR/dovecot.log")
	imap_post "$IMAP_USER" 127.0.0.1 "$IMAPS_PORT" imaps "$IMAP_PW"
	expect_status 429 "(the eleventh)"
	expect_text "Too many attempts"
	expect_text "You have asked the app to sign in to IMAP servers too many times in a short while. Nothing was saved."
	# The oldest of the ten leaves the window in about a minute.
	retry=$(grep -i '^Retry-After:' "$T_DIR/headers" | tr -dc 0-9)
	[ -n "$retry" ] && [ "$retry" -ge 1 ] && [ "$retry" -le 60 ] ||
		fail "Retry-After is '$retry', not the seconds until the oldest login leaves the window"
	expect_text "Try again in 1 minutes."
	expect_no_body "$IMAP_PW"
	[ "$(wc -l <"$IMAP_DIR/dovecot.log")" = "$log_before" ] || fail "a throttled login reached the server"
	[ "$(imap_rows_of limited@example.com)" = 0 ] || fail "a throttled login stored an inbox"
	[ "$(imap_attempts_of limited@example.com)" = 10 ] ||
		fail "$(imap_attempts_of limited@example.com) attempts kept, not the ten in the window"
	[ "$(sql "SELECT count(*) FROM audit_log WHERE action = 'imap.throttled' AND target = 'user:$uid'")" = 1 ] ||
		fail "the refusal is not audited"
	# The limit is this user's: another one still connects.
	as_new_user unlimited@example.com
	imap_post "$IMAP_USER" 127.0.0.1 "$IMAPS_PORT" imaps "$IMAP_PW"
	expect_status 303 "(another user)"
}

test_login_is_counted_before_it_is_tried() {
	local seen=0 bg
	as_new_user counted@example.com
	# STARTTLS to the TLS port: the login waits for a greeting that never comes,
	# until the connect timeout; the attempt is in the store meanwhile.
	imap_post "$IMAP_USER" 127.0.0.1 "$IMAPS_PORT" starttls "$IMAP_PW" &
	bg=$!
	while kill -0 "$bg" 2>/dev/null; do
		if [ "$(imap_attempts_of counted@example.com)" = 1 ]; then
			seen=1
			break
		fi
		sleep 0.2
	done
	wait "$bg"
	# The post ran in a subshell: its status is in the headers it wrote.
	STATUS=$(sed -n '1s/^HTTP\/[0-9.]* \([0-9]*\).*/\1/p' "$T_DIR/headers")
	expect_status 200
	expect_text "did not answer in time"
	[ $seen = 1 ] || fail "the attempt was not in the store while the login was under way"
	[ "$(imap_attempts_of counted@example.com)" = 1 ] || fail "the attempt is not kept after the login failed"
}

# --- rule 7 across OAuth and IMAP ----------------------------------------------------

# The address is live through Gmail: connecting it over IMAP is a provider move.
# One row stays live; the Gmail inbox is disconnected (provider_changed), its
# token goes to a revocation job, and its owner is told.
test_imap_after_gmail_is_a_provider_move() {
	local gmail imap
	as_new_user gmail2imap@example.com
	gmail=$(make_inbox gmail2imap@example.com google "$IMAP_USER" connected)
	imap_post "$IMAP_USER" 127.0.0.1 "$IMAPS_PORT" imaps "$IMAP_PW"
	expect_status 303
	http GET /settings/email
	expect_text "You switched from Gmail to IMAP, so your old inbox was disconnected. Your new inbox $IMAP_USER is connected."
	expect_text "You connected this address through another provider, so this inbox was disconnected."
	[ "$(sql "SELECT group_concat(provider || ':' || state || ':' || last_error, ' ') FROM (SELECT * FROM
		email_connections WHERE owner_user_id = $(user_id gmail2imap@example.com) ORDER BY id)")" = \
		"google:disconnected:provider_changed imap:connected:" ] || fail "the move did not leave one live inbox"
	[ "$(sql "SELECT state || ' ' || provider || ' ' || (sealed_token IS NOT NULL) FROM outbox_jobs
		WHERE connection_id = $gmail AND kind = 'revoke'")" = "pending google 1" ] ||
		fail "no pending revocation of the Gmail inbox"
	[ "$(sql "SELECT quote(sealed_token) FROM email_connections WHERE id = $gmail")" = NULL ] ||
		fail "the Gmail inbox kept its token"
	[ "$(sql "SELECT count(*) FROM audit_log WHERE action = 'email.provider_changed' AND target = 'connection:$gmail'")" = 1 ] ||
		fail "no audit row for the move"
	[ "$(sql "SELECT cause FROM notifications WHERE connection_id = $gmail AND user_id = $(user_id gmail2imap@example.com)")" = \
		provider_changed ] || fail "the owner was not told"
	expect_no_password_anywhere
}

# --- team channels over IMAP ------------------------------------------------------------

make_team() {
	set_up_sql "INSERT INTO conversation_inboxes (name, created_at) VALUES ('$1', unixepoch())
		RETURNING id" | grep -E '^[0-9]+$' || set_up_failed "could not add the inbox $1"
}

# team_imap_post TEAM ADDRESS HOST PORT SECURITY PASSWORD [USERNAME]
team_imap_post() {
	http GET "/inbox/$1/channels/connect/imap"
	post "/inbox/$1/channels/connect/imap" "address=$2" "host=$3" "port=$4" "security=$5" \
		"password=$6" "username=${7-}"
}

test_team_channel_chooser_offers_imap_with_the_same_form() {
	local team
	team=$(make_team "Support IMAP")
	as_new_user chooser@example.com user account_access
	http GET "/inbox/$team/channels/connect"
	expect_status 200
	expect_body "href=\"/inbox/$team/channels/connect/imap\""
	expect_text "Any other mail server, with an IMAP user name and password"
	http GET "/inbox/$team/channels/connect/imap"
	expect_status 200
	expect_text "Connect a team email to Support IMAP over IMAP"
	expect_body "action=\"/inbox/$team/channels/connect/imap\""
	expect_body 'value="imaps" checked'
	expect_body "href=\"/inbox/$team/channels/connect\""
	http GET "/inbox/99999/channels/connect/imap"
	expect_status 404
	sql "UPDATE users SET language = 'fr' WHERE email = 'chooser@example.com'"
	http GET "/inbox/$team/channels/connect/imap"
	expect_text "Connecter un e-mail d’équipe à Support IMAP par IMAP"
}

test_team_imap_good_password_connects_a_channel() {
	local team id
	team=$(make_team "Support TLS")
	as_new_user teamtls@example.com user account_access
	team_imap_post "$team" "$IMAP_USER" 127.0.0.1 "$IMAPS_PORT" imaps "$IMAP_PW"
	expect_status 303
	expect_header Location "/inbox/$team/settings/channels"
	id=$(sql "SELECT id FROM email_connections WHERE kind = 'team' AND inbox_id = $team AND provider = 'imap'")
	[ -n "$id" ] || { fail "no IMAP channel was stored"; return; }
	[ "$(sql "SELECT state, connected_by_user_id, imap_host, imap_port, imap_security, sealed_token IS NOT NULL
		FROM email_connections WHERE id = $id")" = \
		"connected|$(user_id teamtls@example.com)|127.0.0.1|$IMAPS_PORT|imaps|1" ] ||
		fail "the channel is stored as: $(sql "SELECT * FROM email_connections WHERE id = $id")"
	[ "$(sql "SELECT detail FROM audit_log WHERE action = 'channel.connect' AND target = 'connection:$id'")" = "$IMAP_USER" ] ||
		fail "no channel.connect audit row naming the address"
	http GET "/inbox/$team/settings/channels"
	expect_text "$IMAP_USER is connected"
	expect_text "IMAP"
	# The same address again: listed already, nothing changes.
	team_imap_post "$team" "$IMAP_USER" 127.0.0.1 "$IMAPS_PORT" imaps "$IMAP_PW"
	expect_status 409
	expect_text "$IMAP_USER is already a channel of this inbox through IMAP. Nothing was changed."
	[ "$(sql "SELECT count(*) FROM email_connections WHERE inbox_id = $team")" = 1 ] || fail "a duplicate was stored"
	# The personal list does not show it.
	http GET /settings/email
	expect_no_body "$IMAP_USER"
	expect_no_password_anywhere
}

test_team_imap_bad_password_shows_the_form_again() {
	local team before
	team=$(make_team "Support wrong")
	as_new_user teamwrong@example.com super_admin
	before=$(db_state)
	team_imap_post "$team" "$IMAP_USER" 127.0.0.1 "$IMAPS_PORT" imaps "$WRONG_PW" "$IMAP_USER"
	expect_status 200
	expect_text "127.0.0.1 refused the user name or the password."
	expect_body "action=\"/inbox/$team/channels/connect/imap\""
	expect_body "value=\"$IMAP_USER\""
	expect_no_body "$WRONG_PW"
	[ "$(db_state)" = "$before" ] || fail "a refused login changed the store"
	expect_no_password_anywhere
}

test_team_imap_refuses_a_plain_user_and_changes_nothing() {
	local team before
	team=$(make_team "Support plain")
	as_new_user teamplain@example.com
	http GET "/inbox/$team/channels/connect/imap"
	expect_status 403
	expect_text "This page is for administrators only."
	http GET /settings/email
	before=$(db_state)
	post "/inbox/$team/channels/connect/imap" "address=$IMAP_USER" "host=127.0.0.1" \
		"port=$IMAPS_PORT" "security=imaps" "password=$IMAP_PW" "username="
	expect_status 403
	[ "$(db_state)" = "$before" ] || fail "a refused POST changed the store"
	[ "$(sql "SELECT count(*) FROM imap_login_attempts WHERE user_id = $(user_id teamplain@example.com)")" = 0 ] ||
		fail "a refused POST made the panel log in"
}

# A team channel live through Gmail, then the same address over IMAP: rule 7
# in the team's scope, rule 6's people told.
test_team_imap_after_gmail_is_a_provider_move() {
	local team gmail
	team=$(make_team "Support move")
	as_new_user teammove@example.com super_admin
	gmail=$(set_up_sql "INSERT INTO email_connections (kind, inbox_id, connected_by_user_id, provider,
		address, state, sealed_token, connected_at, state_changed_at)
		VALUES ('team', $team, $(user_id teammove@example.com), 'google', '$IMAP_USER', 'connected',
		randomblob(120), unixepoch(), unixepoch()) RETURNING id")
	team_imap_post "$team" "$IMAP_USER" 127.0.0.1 "$IMAPS_PORT" imaps "$IMAP_PW"
	expect_status 303
	[ "$(sql "SELECT group_concat(provider || ':' || state || ':' || last_error, ' ') FROM (SELECT * FROM
		email_connections WHERE inbox_id = $team ORDER BY id)")" = \
		"google:disconnected:provider_changed imap:connected:" ] || fail "the move did not leave one live channel"
	[ "$(sql "SELECT state FROM outbox_jobs WHERE connection_id = $gmail AND kind = 'revoke'")" = pending ] ||
		fail "no pending revocation of the Gmail channel"
	[ "$(sql "SELECT count(*) FROM notifications WHERE connection_id = $gmail AND user_id = $(user_id teammove@example.com)")" = 1 ] ||
		fail "the connector (a super admin) was not told once"
}

# --- removing an IMAP inbox -------------------------------------------------------------

test_remove_imap_inbox_reads_right() {
	local id
	as_new_user removing@example.com
	imap_post "$IMAP_USER" 127.0.0.1 "$IMAPS_PORT" imaps "$IMAP_PW"
	expect_status 303
	id=$(sql "SELECT id FROM email_connections WHERE owner_user_id =
		(SELECT id FROM users WHERE email = 'removing@example.com')")
	http GET "/settings/email/$id/disable"
	post "/settings/email/$id/disable"
	expect_status 303
	http GET "/settings/email/$id/remove"
	expect_status 200
	expect_text "The panel deletes the password it stored for $IMAP_USER."
	expect_text "There is nothing to revoke at an IMAP server; if you share this password elsewhere, change it, or ask your IT department."
	post "/settings/email/$id/remove"
	expect_status 303
	[ "$(sql "SELECT state, sealed_token IS NULL FROM email_connections WHERE id = $id")" = "removed|1" ] ||
		fail "the removed inbox keeps its password"
	http GET /settings/email
	expect_text "Recently removed"
	expect_text "$IMAP_USER"
	expect_no_password_anywhere
}

t_run
