#!/usr/bin/env bash
# t_keys.sh — the token-sealing keys: init files the private key in the keyring
# under its id; every token is a version 2 box bound to its row; `inboxpanel
# rekey` rotates without ever losing a key, even with programs left running
# across it or a crash in the middle; and whatever starts notices a public key
# whose private key is gone.
#
# What the keys are is the rule under test, so each test works on a panel whose
# keyring and tokens it knows: one of its own (own_site), or the stack's, for the
# one test about programs running across a rekey (on_the_stack); no other test
# touches the stack's keys or database.
. "$(dirname "$0")/lib.sh"
t_start

SITE= # the folder of the panel the running test works on: its config, database, keys
KEYS=

# The command-line tool, SQL and the database's state, on the test's panel.
site_cli() {
	"$BIN/inboxpanel" --conf "$SITE/inboxpanel.hdf" "$@"
}

site_sql() {
	sqlite3 -batch -noheader "$SITE/inboxpanel.db" "$@"
}

site_state() {
	sqlite3 "$SITE/inboxpanel.db" .dump | grep -v -E '^INSERT INTO (audit_log|sessions|login_attempts) '
}

# own_site [seeded] — a panel of the test's own beside the stack: the stack's
# config (its paths are taken from the file's folder) in a new folder, and the
# database and the keyring of one key that init makes there; "seeded" adds the
# demo inboxes, every token sealed for that key.
own_site() {
	SITE=$(mktemp -d "$T_DIR/site.XXXXXX")
	KEYS="$SITE/keys"
	cp "$T_DIR/inboxpanel.hdf" "$SITE/"
	mkdir -m 700 "$KEYS"
	printf '%s\n' "$ADMIN_PW" | site_cli init --admin "$ADMIN" --password-stdin >/dev/null ||
		set_up_failed "init of the test's own panel failed"
	if [ "${1-}" = seeded ]; then
		site_cli demo-seed >/dev/null || set_up_failed "demo-seed failed"
		[ "$(tokens)" -gt 3 ] || set_up_failed "too few tokens to test with ($(tokens))"
	fi
}

# on_the_stack — the panel the web programs run on, as t_start made it.
on_the_stack() {
	SITE=$T_DIR
	KEYS="$SITE/keys"
}

# The key id a box carries (its bytes 2..9) for the public key in a file.
key_id() {
	openssl pkey -pubin -in "$1" -outform DER | tail -c 32 | sha256sum | cut -c1-16
}

newest() {
	key_id "$KEYS/seal.pub"
}

ring() {
	(cd "$KEYS" && ls seal.key.* 2>/dev/null | sed 's/^seal\.key\.//' | sort | tr '\n' ' ')
}

# Stored tokens not sealed as version 2 for key $1.
not_v2_for() {
	local want
	want=$(printf '02%s' "$1" | tr a-f A-F)
	site_sql "SELECT (SELECT count(*) FROM email_connections WHERE sealed_token IS NOT NULL
	               AND hex(substr(sealed_token, 1, 9)) <> '$want')
	          + (SELECT count(*) FROM outbox_jobs WHERE sealed_token IS NOT NULL
	               AND hex(substr(sealed_token, 1, 9)) <> '$want')"
}

tokens() {
	site_sql "SELECT (SELECT count(*) FROM email_connections WHERE sealed_token IS NOT NULL)
	          + (SELECT count(*) FROM outbox_jobs WHERE sealed_token IS NOT NULL)"
}

# `rekey --check` opens every stored token with the keyring: the worker's view.
all_open() {
	site_cli rekey --check >"$SITE/check" 2>&1 || { fail "not every token opens: $(cat "$SITE/check")"; return 1; }
	grep -q "^All $(tokens) stored tokens open" "$SITE/check" || fail "says: $(cat "$SITE/check")"
}

# Makes the public key look as old as the retirement rule wants, as if the
# programs had been running with it for an hour.
age_public_key() {
	touch -d '-1 hour' "$KEYS/seal.pub"
}

finish_rotation() {
	age_public_key
	site_cli rekey --finish >"$SITE/out" 2>&1 || fail "rekey --finish failed: $(cat "$SITE/out")"
}

test_init_files_the_private_key_under_its_id_for_its_owner_only() {
	local id
	own_site
	id=$(newest)
	[ "$(ring)" = "$id " ] || fail "the keyring is not one key named by the public key's id: $(ring)"
	[ ! -e "$KEYS/seal.key" ] || fail "a private key outside the keyring"
	[ "$(stat -c %a "$KEYS/seal.key.$id")" = 600 ] || fail "the private key is not mode 0600"
	[ "$(stat -c %a "$SITE/inboxpanel.db")" = 660 ] || fail "the database is not mode 0660"
	grep -q 'BEGIN PUBLIC KEY' "$KEYS/seal.pub" || fail "no public key"
	printf '%s\n' "$ADMIN_PW" | site_cli init >/dev/null || fail "init again failed"
	[ "$(ring)" = "$id " ] || fail "init again changed the keyring: $(ring)"
}

test_demo_tokens_are_version_2_boxes_bound_to_their_row() {
	local n victim other saved
	own_site seeded
	n=$(tokens)
	[ "$n" -gt 3 ] || fail "too few tokens to test with ($n)"
	[ "$(not_v2_for "$(newest)")" = 0 ] || fail "demo tokens are not version 2 boxes for the public key"
	all_open
	# Someone who can write rows moves a victim's token into a row they chose.
	victim=$(site_sql "SELECT min(id) FROM email_connections WHERE sealed_token IS NOT NULL")
	other=$(site_sql "SELECT max(id) FROM email_connections WHERE sealed_token IS NOT NULL")
	saved=$(site_sql "SELECT hex(sealed_token) FROM email_connections WHERE id = $other")
	site_sql "UPDATE email_connections SET sealed_token = (SELECT sealed_token FROM email_connections
	     WHERE id = $victim) WHERE id = $other"
	site_cli rekey --check >"$SITE/out" 2>&1 && fail "a moved token opened"
	grep -q "connection $other: its secret: does not open" "$SITE/out" || fail "says: $(cat "$SITE/out")"
	site_sql "UPDATE email_connections SET sealed_token = X'$saved' WHERE id = $other"
	all_open
}

test_rekey_reseals_every_token_under_a_new_key_and_keeps_the_old_one() {
	local n old_id new_id
	own_site seeded
	n=$(tokens)
	old_id=$(newest)
	site_cli rekey >"$SITE/out" || fail "rekey failed: $(cat "$SITE/out")"
	new_id=$(newest)
	[ "$old_id" != "$new_id" ] || fail "the public key did not change"
	grep -q "^Re-sealed $n tokens (0 already were) for the new key $new_id" "$SITE/out" ||
		fail "says: $(cat "$SITE/out")"
	[ "$(not_v2_for "$new_id")" = 0 ] || fail "some tokens are not sealed for the new key"
	[ "$(tokens)" = "$n" ] || fail "tokens were lost"
	[ -e "$KEYS/seal.key.$old_id" ] || fail "the old private key is gone before rekey --finish"
	[ "$(stat -c %a "$KEYS/seal.key.$new_id")" = 600 ] || fail "the new private key is not mode 0600"
	[ -z "$(ls "$KEYS" | grep -v -E '^seal\.(pub|key\.[0-9a-f]{16})$')" ] ||
		fail "stray files in the key folder: $(ls "$KEYS")"
	[ "$(site_sql "SELECT detail FROM audit_log WHERE action = 'keys.rekey' ORDER BY id DESC LIMIT 1")" = "$n tokens re-sealed, 0 were already" ] ||
		fail "no audit row"
	all_open
	# Retired only by the explicit step, and only once the new key is old enough.
	site_cli rekey --finish >"$SITE/out" 2>&1 || fail "rekey --finish failed: $(cat "$SITE/out")"
	grep -q "^Kept key $old_id: the public key changed less than" "$SITE/out" || fail "says: $(cat "$SITE/out")"
	[ -e "$KEYS/seal.key.$old_id" ] || fail "retired a key the programs may still seal with"
	finish_rotation
	grep -q "^Retired key $old_id" "$SITE/out" || fail "says: $(cat "$SITE/out")"
	[ "$(ring)" = "$new_id " ] || fail "the keyring is not the new key alone: $(ring)"
	[ "$(site_sql "SELECT count(*) FROM audit_log WHERE action = 'keys.retire' AND target = 'keys'
	          AND detail = '$old_id'")" = 1 ] || fail "no audit row for the retirement"
	all_open
}

# A stray grant (rule 10: a reconnect whose consent came back for another
# mailbox) keeps its token only in its revocation job, bound to a row of its own
# born removed, as conn_give_up_stray_grant leaves it: rekey re-seals it with the
# others, and it still opens for that row, and for no other.
test_rekey_covers_a_stray_grants_revocation() {
	local n new_id stray
	own_site seeded
	stray=$(printf 'stray-refresh-token\n' | site_cli inbox add "$ADMIN" stray@gmail.example \
		--provider google --token-stdin >/dev/null && site_sql "SELECT id FROM email_connections WHERE address = 'stray@gmail.example'")
	[ -n "$stray" ] || set_up_failed "no row for the stray grant"
	site_sql "INSERT INTO outbox_jobs (kind, connection_id, provider, state, sealed_token,
		next_attempt_at, created_at, updated_at) SELECT 'revoke', id, provider, 'pending',
		sealed_token, 0, 0, 0 FROM email_connections WHERE id = $stray;
		UPDATE email_connections SET state = 'removed', sealed_token = NULL,
		refused_reconnect_of = (SELECT min(id) FROM email_connections) WHERE id = $stray"
	n=$(tokens)
	all_open
	site_cli rekey >"$SITE/out" || fail "rekey failed: $(cat "$SITE/out")"
	new_id=$(newest)
	grep -q "^Re-sealed $n tokens (0 already were) for the new key $new_id" "$SITE/out" ||
		fail "says: $(cat "$SITE/out")"
	[ "$(site_sql "SELECT hex(substr(sealed_token, 1, 9)) FROM outbox_jobs WHERE connection_id = $stray")" = \
		"$(printf '02%s' "$new_id" | tr a-f A-F)" ] || fail "the stray grant's token was not re-sealed for the new key"
	all_open
	# Bound to its own row: named after another connection, it does not open.
	site_sql "UPDATE outbox_jobs SET connection_id = (SELECT min(id) FROM email_connections)
		WHERE connection_id = $stray"
	site_cli rekey --check >"$SITE/out" 2>&1 && fail "a stray token moved to another row opened"
	grep -q "outbox job .*: its secret: does not open" "$SITE/out" || fail "says: $(cat "$SITE/out")"
}

# The failure the keyring exists for: a program that read the public key before a
# rekey keeps sealing with it afterwards.  Two of them: demo-seed paused across a
# rekey (a program that reads the public key file again before each seal), and
# one that holds the old key itself (a seal that raced with the rename: a config
# naming a copy of the old public key file).  Their tokens open, and rekey
# --finish re-seals them before it retires anything.
test_a_program_left_running_across_a_rekey_loses_no_token() {
	local old_id new_id i
	on_the_stack
	site_sql "DELETE FROM outbox_jobs; DELETE FROM email_connections;"
	old_id=$(newest)
	rm -f "$SITE/go" "$SITE/go.paused"
	INBOXPANEL_TEST_DEMO_PAUSE="$SITE/go" site_cli demo-seed >"$SITE/seed.out" 2>&1 &
	local seeder=$!
	for i in $(seq 1 100); do
		[ -e "$SITE/go.paused" ] && break
		sleep 0.1
	done
	[ -e "$SITE/go.paused" ] || fail "demo-seed did not pause"
	[ "$(tokens)" = 1 ] || fail "the first token was not sealed before the rekey"
	site_cli rekey >"$SITE/out" 2>&1 || fail "rekey with a sealer running failed: $(cat "$SITE/out")"
	new_id=$(newest)
	touch "$SITE/go"
	wait "$seeder" || fail "demo-seed failed after the rekey: $(cat "$SITE/seed.out")"
	[ "$(not_v2_for "$new_id")" = 0 ] || fail "the running program did not pick up the new public key"
	all_open
	# The web programs, running all along, still answer.
	http GET /healthz
	expect_status 200

	# A program still holding the old public key.
	sed "s|^Keys.public_file = .*|Keys.public_file = keys/held.pub|" "$SITE/inboxpanel.hdf" >"$SITE/held.hdf"
	cp "$KEYS/seal.pub" "$KEYS/held.pub"
	site_cli rekey >/dev/null || fail "rekey failed"
	site_sql "DELETE FROM outbox_jobs; DELETE FROM email_connections;"
	"$BIN/inboxpanel" --conf "$SITE/held.hdf" demo-seed >/dev/null || fail "a sealer with the old key failed"
	rm -f "$KEYS/held.pub"
	[ "$(not_v2_for "$new_id")" = 0 ] || fail "the test did not seal with the old key"
	all_open
	finish_rotation
	[ "$(not_v2_for "$(newest)")" = 0 ] || fail "rekey --finish did not re-seal the old key's tokens"
	[ "$(ring)" = "$(newest) " ] || fail "old keys were not retired: $(ring)"
	all_open
}

# A crash (SIGKILL) between writing the new private key and moving the public
# key into place, and one just after: the public key still names a key of the
# ring, start-up and rekey --check find nothing wrong, every token opens, and the
# next rekey completes.
test_a_crash_between_the_renames_loses_no_key() {
	local point before rc
	own_site seeded
	for point in after-private after-public; do
		before=$(newest)
		INBOXPANEL_TEST_REKEY_CRASH=$point site_cli rekey >/dev/null 2>&1
		rc=$?
		[ $rc = 137 ] || fail "$point: rekey was not killed (exit $rc)"
		if [ $point = after-private ]; then
			[ "$(newest)" = "$before" ] || fail "$point: the public key changed"
		else
			[ "$(newest)" != "$before" ] || fail "$point: the public key did not change"
		fi
		[ -e "$KEYS/seal.key.$(newest)" ] || fail "$point: the public key has no private key"
		printf '%s\n' "$ADMIN_PW" | site_cli init >"$SITE/out" 2>&1 || fail "$point: init refused: $(cat "$SITE/out")"
		all_open
		site_cli rekey >"$SITE/out" 2>&1 || fail "$point: the next rekey failed: $(cat "$SITE/out")"
		all_open
	done
	finish_rotation
	[ "$(ring)" = "$(newest) " ] || fail "the keys left by the crashes were not retired: $(ring)"
}

# What the old rekey could leave: a public key whose private key is gone (a crash
# between its renames, or a stray file deleted).  Every start-up notices, names
# the file, and changes nothing.
test_a_public_key_without_its_private_key_is_noticed_at_start_up() {
	local id before
	own_site seeded
	id=$(newest)
	mv "$KEYS/seal.key.$id" "$SITE/lost.key"
	before=$(site_state)
	for cmd in "rekey" "rekey --check" "rekey --finish" "init" "demo-seed"; do
		# shellcheck disable=SC2086
		site_cli $cmd </dev/null >/dev/null 2>"$SITE/err" && fail "$cmd started"
		grep -q "no private key in the keyring (.*seal.key.$id is missing)" "$SITE/err" ||
			fail "$cmd says: $(cat "$SITE/err")"
	done
	[ "$before" = "$(site_state)" ] || fail "the database changed"
	[ "$(newest)" = "$id" ] || fail "the public key changed"
	mv "$SITE/lost.key" "$KEYS/seal.key.$id"
	all_open
}

test_a_token_no_key_opens_stops_rekey_and_changes_nothing() {
	local before keys_before rc
	own_site seeded
	# A version 2 header naming a key no ring has ever held, then noise.
	site_sql "INSERT INTO email_connections (kind, owner_user_id, provider, address, state, sealed_token,
		connected_at, state_changed_at) VALUES ('personal', 1, 'google', 'garbled@example.com',
		'connected', X'02$(head -c 99 /dev/urandom | od -An -tx1 | tr -d ' \n')', 0, 0)"
	before=$(site_state)
	keys_before=$(cd "$KEYS" && sha256sum *)
	site_cli rekey >/dev/null 2>"$SITE/err"; rc=$?
	[ $rc = 1 ] || fail "rekey exited $rc"
	grep -q 'its secret: unknown key id' "$SITE/err" || fail "says: $(cat "$SITE/err")"
	grep -q 'stored tokens do not open (see above); nothing was changed' "$SITE/err" ||
		fail "says: $(cat "$SITE/err")"
	[ "$before" = "$(site_state)" ] || fail "the database changed"
	[ "$keys_before" = "$(cd "$KEYS" && sha256sum *)" ] || fail "the key files changed"
	site_sql "DELETE FROM email_connections WHERE address = 'garbled@example.com'"
	site_cli rekey >/dev/null || fail "rekey did not run once the bad token was gone"
	[ "$(not_v2_for "$(newest)")" = 0 ] || fail "not all re-sealed"
}

test_key_files_others_can_change_are_refused() {
	own_site seeded
	chmod g+w "$KEYS/seal.pub"
	site_cli rekey --check >/dev/null 2>"$SITE/err" && fail "a group-writable public key was used"
	grep -q "seal.pub: key file is writable by group or others" "$SITE/err" || fail "says: $(cat "$SITE/err")"
	chmod 644 "$KEYS/seal.pub"
	chmod 640 "$KEYS/seal.key.$(newest)"
	site_cli rekey --check >/dev/null 2>"$SITE/err" && fail "a group-readable private key was used"
	grep -q "private key is accessible to group or others" "$SITE/err" || fail "says: $(cat "$SITE/err")"
	chmod 600 "$KEYS/seal.key.$(newest)"
	all_open
}

# A deployment from before the keyring: its private key at Keys.private_file.
test_a_key_from_before_the_keyring_is_adopted() {
	local id
	own_site seeded
	id=$(newest)
	mv "$KEYS/seal.key.$id" "$KEYS/seal.key"
	all_open
	printf '%s\n' "$ADMIN_PW" | site_cli init >/dev/null || fail "init failed"
	[ ! -e "$KEYS/seal.key" ] || fail "init left the key outside the keyring"
	[ "$(ring)" = "$id " ] || fail "init did not file the key under its id: $(ring)"
	all_open
}

t_run
