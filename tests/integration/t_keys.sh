#!/usr/bin/env bash
# t_keys.sh — the token-sealing keys: init writes them with the right modes, and
# `inboxpanel rekey` re-seals every stored token under a new pair.
. "$(dirname "$0")/lib.sh"
t_start
cli demo-seed >/dev/null || { echo "Bail out! demo-seed failed"; exit 1; }

# The key id a box carries (its bytes 2..9) for the public key in a file.
key_id() {
	openssl pkey -pubin -in "$1" -outform DER | tail -c 32 | sha256sum | cut -c1-16 | tr a-f A-F
}

sealed_for_other_keys() {
	sql "SELECT (SELECT count(*) FROM email_connections WHERE sealed_token IS NOT NULL
	               AND hex(substr(sealed_token, 2, 8)) <> '$1')
	          + (SELECT count(*) FROM outbox_jobs WHERE sealed_token IS NOT NULL
	               AND hex(substr(sealed_token, 2, 8)) <> '$1')"
}

tokens() {
	sql "SELECT (SELECT count(*) FROM email_connections WHERE sealed_token IS NOT NULL)
	          + (SELECT count(*) FROM outbox_jobs WHERE sealed_token IS NOT NULL)"
}

test_init_writes_a_private_key_only_its_owner_reads() {
	[ "$(stat -c %a "$T_DIR/keys/seal.key")" = 600 ] || fail "the private key is not mode 0600"
	[ "$(stat -c %a "$T_DIR/inboxpanel.db")" = 660 ] || fail "the database is not mode 0660"
	grep -q 'BEGIN PUBLIC KEY' "$T_DIR/keys/seal.pub" || fail "no public key"
	[ "$(sealed_for_other_keys "$(key_id "$T_DIR/keys/seal.pub")")" = 0 ] ||
		fail "the demo tokens are not sealed for the key init wrote"
}

test_rekey_reseals_every_token_under_a_new_key() {
	local n old_id new_id
	n=$(tokens)
	[ "$n" -gt 3 ] || fail "too few tokens to test with ($n)"
	old_id=$(key_id "$T_DIR/keys/seal.pub")
	cli rekey >"$T_DIR/out" || fail "rekey failed: $(cat "$T_DIR/out")"
	grep -q "^Re-sealed $n tokens (0 already were)" "$T_DIR/out" || fail "says: $(cat "$T_DIR/out")"
	new_id=$(key_id "$T_DIR/keys/seal.pub")
	[ "$old_id" != "$new_id" ] || fail "the public key did not change"
	[ "$(sealed_for_other_keys "$new_id")" = 0 ] || fail "some tokens are not sealed for the new key"
	[ "$(tokens)" = "$n" ] || fail "tokens were lost"
	[ "$(stat -c %a "$T_DIR/keys/seal.key")" = 600 ] || fail "the new private key is not mode 0600"
	[ -z "$(ls "$T_DIR"/keys/*.new 2>/dev/null)" ] || fail "a .new key file was left behind"
	[ "$(sql "SELECT detail FROM audit_log WHERE action = 'keys.rekey'")" = "$n tokens re-sealed, 0 were already" ] ||
		fail "no audit row"
}

test_rekey_can_run_again() {
	local n
	n=$(tokens)
	cli rekey >"$T_DIR/out" || fail "a second rekey failed"
	grep -q "^Re-sealed $n tokens" "$T_DIR/out" || fail "says: $(cat "$T_DIR/out")"
	[ "$(sealed_for_other_keys "$(key_id "$T_DIR/keys/seal.pub")")" = 0 ] || fail "not all re-sealed"
}

test_a_token_no_key_opens_stops_rekey_and_changes_nothing() {
	local before key_before rc
	sql "INSERT INTO email_connections (kind, owner_user_id, provider, address, state, sealed_token,
		connected_at, state_changed_at) VALUES ('personal', 1, 'google', 'garbled@example.com',
		'connected', randomblob(100), 0, 0)"
	before=$(db_state)
	key_before=$(sha256sum "$T_DIR/keys/seal.key")
	cli rekey >/dev/null 2>"$T_DIR/err"; rc=$?
	[ $rc = 1 ] || fail "rekey exited $rc"
	grep -q 'opens with neither key; nothing was changed' "$T_DIR/err" || fail "says: $(cat "$T_DIR/err")"
	[ "$before" = "$(db_state)" ] || fail "the database changed"
	[ "$key_before" = "$(sha256sum "$T_DIR/keys/seal.key")" ] || fail "the key file changed"
	sql "DELETE FROM email_connections WHERE address = 'garbled@example.com'"
	cli rekey >/dev/null || fail "rekey did not finish once the bad token was gone"
	[ -z "$(ls "$T_DIR"/keys/*.new 2>/dev/null)" ] || fail "a .new key file was left behind"
	[ "$(sealed_for_other_keys "$(key_id "$T_DIR/keys/seal.pub")")" = 0 ] || fail "not all re-sealed"
}

t_run
