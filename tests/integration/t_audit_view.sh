#!/usr/bin/env bash
# t_audit_view.sh — Step 7, the audit log as a super admin reads it: actions as
# sentences in the reader's language, the mailbox instead of connection:N, times
# in UTC that say so (the page's script turns them into local time), a date
# range beside the other filters, checked and kept by the paging and export
# links, and counts with their plurals in both languages.
. "$(dirname "$0")/lib.sh"
t_start

# logged AT-UTC ACTOR ACTION TARGET [DETAIL] — an audit row, straight into the log.
logged() {
	set_up_sql "INSERT INTO audit_log (at, actor_user_id, actor, client_addr, action, target, detail)
		VALUES (unixepoch('$1'), NULL, '$2', '192.0.2.7', '$3', '$4', '${5-}')" ||
		set_up_failed "could not log $3"
}

test_actions_read_as_sentences_with_the_address() {
	local id
	make_user owner@example.com
	id=$(make_inbox owner@example.com google owned@example.com connected)
	as_new_user boss@example.com super_admin
	logged '2026-03-04 10:20:00' boss@example.com email.disable "connection:$id" owned@example.com
	http GET "/admin/audit?actor=boss%40example.com&action=email.disable"
	expect_status 200
	expect_text "Inbox disabled"
	expect_text "owned@example.com"
	expect_no_body "connection:$id"
	expect_body '<option value="email.disable" selected>Inbox disabled</option>'
	http GET "/admin/audit?actor=boss%40example.com&action=email.disable" -H 'Accept-Language: fr'
	expect_text "Boîte de réception désactivée"
}

test_times_are_utc_and_say_so() {
	as_new_user clock@example.com super_admin
	logged '2026-03-04 10:20:00' clock@example.com user.language user:1 fr
	http GET "/admin/audit?actor=clock%40example.com"
	expect_body '<time datetime="2026-03-04T10:20:00Z" data-local>'
	expect_text "Mar 4, 2026, 10:20 UTC"
	http GET "/admin/audit?actor=clock%40example.com" -H 'Accept-Language: fr'
	expect_text "4 mars 2026 à 10:20 UTC"
}

test_a_date_range_narrows_the_log_and_the_export() {
	as_new_user range@example.com super_admin
	logged '2026-01-10 12:00:00' range@example.com logout '' january
	logged '2026-02-01 00:00:00' range@example.com logout '' february-first
	logged '2026-02-28 23:59:59' range@example.com logout '' february-last
	logged '2026-03-01 00:00:00' range@example.com logout '' march
	http GET "/admin/audit?actor=range%40example.com&from=2026-02-01&to=2026-02-28"
	expect_status 200
	expect_text "february-first"
	expect_text "february-last"
	expect_no_body "january"
	expect_no_body "march"
	expect_text "2 entries on this page"
	expect_body 'value="2026-02-01"'
	expect_body 'Clear filters'
	expect_body 'format=csv&amp;actor=range%40example.com&amp;from=2026-02-01&amp;to=2026-02-28'
	http GET "/admin/audit?format=csv&actor=range%40example.com&from=2026-02-01&to=2026-02-28"
	expect_status 200
	[ "$(grep -c 'february' "$T_DIR/body")" = 2 ] || fail "the export is not narrowed: $(cat "$T_DIR/body")"
	grep -q 'march\|january' "$T_DIR/body" && fail "the export holds rows outside the range"
	http GET "/admin/audit?actor=range%40example.com&from=2026-01-10&to=2026-03-01" -H 'Accept-Language: fr'
	expect_text "4 entrées sur cette page"
	return 0
}

test_a_date_that_is_not_one_is_refused() {
	local before
	as_new_user strict@example.com super_admin
	before=$(db_state)
	for q in from=2026-02-30 to=20260203xx from=2026-+1-03 "from=2026-03-02&to=2026-03-01" from=0000-01-01 to=2026-13-01; do
		http GET "/admin/audit?$q"
		expect_status 400 "($q)"
		expect_text "not a day of the calendar"
	done
	# Not even the length of a day: refused with the form's own words.
	http GET "/admin/audit?from=2026-2-3"
	expect_status 400
	[ "$(db_state)" = "$before" ] || fail "a refused filter changed the store"
}

test_plurals_in_both_languages() {
	as_new_user count@example.com super_admin
	logged '2026-04-01 08:00:00' count@example.com logout '' one
	http GET "/admin/audit?actor=count%40example.com&to=2026-04-01"
	expect_text "1 entry on this page"
	http GET "/admin/audit?actor=count%40example.com&to=2026-04-01" -H 'Accept-Language: fr'
	expect_text "1 entrée sur cette page"
	logged '2026-04-01 09:00:00' count@example.com logout '' two
	http GET "/admin/audit?actor=count%40example.com&to=2026-04-01"
	expect_text "2 entries on this page"
	http GET "/admin/audit?actor=count%40example.com&to=2026-04-01" -H 'Accept-Language: fr'
	expect_text "2 entrées sur cette page"
}

test_the_app_and_users_are_named() {
	local uid
	as_new_user names@example.com super_admin
	make_user named.target@example.com
	uid=$(user_id named.target@example.com)
	set_up_sql "INSERT INTO audit_log (at, actor_user_id, actor, client_addr, action, target, detail)
		VALUES (unixepoch('2026-05-01 08:00:00'), NULL, 'system', '', 'user.set_role', 'user:$uid', 'names-test')"
	http GET "/admin/audit?action=user.set_role&from=2026-05-01&to=2026-05-01"
	expect_text "The app"
	expect_text "Role changed"
	expect_text "named.target@example.com"
	expect_no_body "user:$uid"
}

t_run
