#!/usr/bin/env bash
# t_upgrade.sh — Step 10, upgrades: a database left at any earlier migration, with
# rows written at each step, is brought to the current schema by `inboxpanel init`
# with every row kept; opening an up-to-date database never waits for the write
# lock.  The migrations are whatever sql/*.sql holds, so each new one is tried.
. "$(dirname "$0")/lib.sh"

T_DIR=$(mktemp -d /tmp/inboxpanel-test.XXXXXX)
trap t_stop EXIT
stack_write_config "$T_DIR" 1 "$SRC"
printf '%s\n' "$ADMIN_PW" | cli init --admin "$ADMIN" --password-stdin >/dev/null ||
	{ echo "Bail out! inboxpanel init failed"; exit 1; }
mapfile -t MIGRATIONS < <(ls "$SRC"/sql/[0-9][0-9][0-9]_*.sql | sort)
CURRENT=$(sqlite3 "$T_DIR/inboxpanel.db" 'PRAGMA user_version')

# A config like the test's, with Database.path set to $1.
config_with_database() {
	sed "s|^Database.path = .*|Database.path = $1|" "$T_DIR/inboxpanel.hdf" >"$T_DIR/other.hdf"
	chmod 600 "$T_DIR/other.hdf"
}

has_table() {
	[ "$(sqlite3 "$1" "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = '$2'")" = 1 ]
}

# rows_of DB STEP — what was written at STEP, read back the same way at any version.
rows_of() {
	sqlite3 "$1" "SELECT email, role, password_hash FROM users WHERE email = 'step$2@example.com';
		SELECT actor, action, target, detail FROM audit_log WHERE target = 'step:$2'"
	has_table "$1" email_connections &&
		sqlite3 "$1" "SELECT provider, address, state, hex(sealed_token) FROM email_connections
			WHERE address = 'inbox$2@example.com'"
	return 0
}

# fill_at DB STEP — rows written by a panel at that version: a user, an audit row,
# and (once the table exists) a connected inbox of the user's.  Only the columns a
# table was created with, which every later version still has.
fill_at() {
	sqlite3 "$1" "INSERT INTO users (email, role, password_hash, created_at, updated_at)
		VALUES ('step$2@example.com', 'user', 'hash-of-step-$2', $2, $2);
		INSERT INTO audit_log (at, actor_user_id, actor, client_addr, action, target, detail)
		VALUES ($2, NULL, 'cli', '', 'user.add', 'step:$2', 'written at version $2')" ||
		return 1
	if has_table "$1" email_connections; then
		sqlite3 "$1" "INSERT INTO email_connections (kind, owner_user_id, connected_by_user_id,
			provider, address, state, sealed_token, connected_at, state_changed_at)
			SELECT 'personal', id, id, 'google', 'inbox$2@example.com', 'connected',
			x'0102$(printf %02x "$2")', $2, $2 FROM users WHERE email = 'step$2@example.com'" || return 1
	fi
}

test_the_migrations_are_numbered_one_by_one() {
	local i=1 f
	for f in "${MIGRATIONS[@]}"; do
		[ "$(basename "$f" | cut -c1-3)" = "$(printf %03d $i)" ] || fail "$(basename "$f") is not number $i"
		i=$((i + 1))
	done
	[ "$CURRENT" = ${#MIGRATIONS[@]} ] || fail "init left version $CURRENT, sql/ holds ${#MIGRATIONS[@]}"
}

test_init_upgrades_a_database_from_each_earlier_version_keeping_its_rows() {
	local stop step db before after out
	for stop in $(seq 1 $((${#MIGRATIONS[@]} - 1))); do
		db=$T_DIR/at-$stop.db
		rm -f "$db"
		for step in $(seq 1 "$stop"); do
			sqlite3 "$db" <"${MIGRATIONS[$((step - 1))]}" ||
				{ fail "sql/$(basename "${MIGRATIONS[$((step - 1))]}") did not apply"; continue 2; }
			sqlite3 "$db" "PRAGMA user_version = $step"
			fill_at "$db" "$step" || { fail "could not write rows at version $step"; continue 2; }
		done
		before=$(for step in $(seq 1 "$stop"); do rows_of "$db" "$step"; done)
		config_with_database "at-$stop.db"
		out=$("$BIN/inboxpanel" --conf "$T_DIR/other.hdf" init 2>&1) ||
			{ fail "init from version $stop failed: $out"; continue; }
		[ "$(sqlite3 "$db" 'PRAGMA user_version')" = "$CURRENT" ] ||
			fail "from version $stop, init left version $(sqlite3 "$db" 'PRAGMA user_version')"
		after=$(for step in $(seq 1 "$stop"); do rows_of "$db" "$step"; done)
		[ "$before" = "$after" ] || fail "from version $stop, rows changed:
$(diff <(echo "$before") <(echo "$after") | head -10)"
		[ "$(sqlite3 "$db" "SELECT count(*) FROM users WHERE email LIKE 'step%@example.com'")" = "$stop" ] ||
			fail "from version $stop, users were lost"
		"$BIN/inboxpanel" --conf "$T_DIR/other.hdf" check >/dev/null 2>"$T_DIR/err" ||
			fail "from version $stop, check fails: $(cat "$T_DIR/err")"
		"$BIN/inboxpanel" --conf "$T_DIR/other.hdf" user list | grep -qF "step$stop@example.com" ||
			fail "from version $stop, the user written last is not listed"
		# The schema is the one a new database gets: same tables, columns and indexes.
		[ "$(schema_of "$db")" = "$(schema_of "$T_DIR/inboxpanel.db")" ] ||
			fail "from version $stop, the schema differs from a new database's:
$(diff <(schema_of "$T_DIR/inboxpanel.db") <(schema_of "$db") | head -10)"
	done
	t_log "upgraded from versions 1 to $((${#MIGRATIONS[@]} - 1)) to $CURRENT"
}

schema_of() {
	sqlite3 "$1" "SELECT m.type, m.name, p.name, p.type, p.\"notnull\", p.dflt_value, p.pk
		FROM sqlite_schema m LEFT JOIN pragma_table_info(m.name) p
		WHERE m.name NOT LIKE 'sqlite_%' ORDER BY m.type, m.name, p.cid"
}

# Every program opens the store at start-up (each prefork worker too): with the
# schema current, that must not queue for the write lock behind a busy writer.
test_opening_an_up_to_date_database_does_not_wait_for_the_write_lock() {
	local holder start took
	(
		echo "BEGIN IMMEDIATE;"
		echo "INSERT INTO audit_log (at, actor, client_addr, action, target, detail) VALUES (0, 'test', '', 'x', 'lock', '');"
		sleep 8
		echo "COMMIT;"
	) | sqlite3 "$T_DIR/inboxpanel.db" &
	holder=$!
	sleep 0.5
	start=$(date +%s%N)
	cli user list >/dev/null 2>"$T_DIR/err" || fail "user list failed while a writer held the lock: $(cat "$T_DIR/err")"
	took=$((($(date +%s%N) - start) / 1000000))
	wait "$holder"
	[ "$took" -lt 3000 ] || fail "opening took $took ms behind the write lock"
	t_log "opened in $took ms while another process held the write lock"
}

t_run
