#!/usr/bin/env bash
# t_matrix.sh — the authorization matrix (issue 13): every route of every program
# in conf/programs, as the program itself lists it (`inboxpanel-NAME --routes`),
# requested by each kind of visitor, against the answer its flags and the row it
# names call for.  A new route is in the matrix the moment it is in a route table;
# one the matrix cannot fill in (a new placeholder, a new kind of row, a new
# flag, a body field without a sample value) fails here until it is taught.
#
# Every POST carries a valid CSRF token and Origin, so a refusal is about
# permission, never about CSRF; then every POST is tried again with a bad token.
# After every refusal the database is as it was.  Each test prints the answers
# it saw, one comment line per route.
. "$(dirname "$0")/lib.sh"

# --- The routes, from the programs ---------------------------------------------
# ROUTES holds "METHOD PATTERN FLAGS FIELDS" lines: FLAGS and FIELDS (the POST
# body's required fields) comma-separated or "-".
ROUTES=()
for program in "${STACK_PROGRAMS[@]}"; do
	listing=$("$BIN/inboxpanel-$program" --routes) ||
		{ echo "Bail out! inboxpanel-$program --routes failed"; exit 1; }
	mapfile -t -O "${#ROUTES[@]}" ROUTES <<<"$listing"
done
[ ${#ROUTES[@]} -gt 0 ] || { echo "Bail out! no program listed a route"; exit 1; }

t_start

# --- Who asks --------------------------------------------------------------------
# nobody: signed out.  user: a plain user.  access: a user with account access.
# super: a super admin.  owner: the plain user who owns the row a route names.
# other: another plain user, with a row of the same kind of their own.
ACTORS=(nobody user access super owner other)

actor_email() { printf 'matrix-%s@example.com' "$1"; }

# set_up_actor ACTOR — the actor's user, made once, whichever test asks first.
set_up_actor() {
	local email role=user access=
	email=$(actor_email "$1")
	[ "$(sql "SELECT count(*) FROM users WHERE email = '$email'")" = 0 ] || return 0
	case $1 in
	super) role=super_admin ;;
	access) access=account_access ;;
	esac
	make_user "$email" "$role" $access
	if [ "$1" = other ]; then # a row of its own, so that "not yours" is not "you have none"
		make_inbox "$email" google "matrix-other-own@example.com" connected >/dev/null
	fi
}

# --- What each route should answer -------------------------------------------------

has_flag() { # FLAGS FLAG
	[[ ,$1, == *,$2,* ]]
}

# expected_answer METHOD PATTERN FLAGS ACTOR ROW — the one place the rules live,
# in the order the dispatcher applies them.  ROW is what the route's {id} names:
# none (no {id}), own (the actor's, or the account's: a conversation inbox and
# its channels are every admin's), theirs (another user's) or missing.
# Answers a status, or "login" for a 303 to /login?next=...
expected_answer() {
	local method=$1 pattern=$2 flags=$3 actor=$4 row=$5
	if [ "$actor" = nobody ]; then
		# Without a session, only public routes answer; the rest send to sign-in,
		# a POST as much as a GET.
		has_flag "$flags" public || { echo login; return; }
	else
		# The route's permission, before any row is looked at.
		if has_flag "$flags" super_admin && [ "$actor" != super ]; then
			echo 403
			return
		fi
		if has_flag "$flags" account_access && [ "$actor" != super ] && [ "$actor" != access ]; then
			echo 403
			return
		fi
	fi
	# Another user's row, or none at all, is not found: it is not even said to exist.
	case $row in
	theirs | missing)
		echo 404
		return
		;;
	esac
	admitted_answer "$method" "$pattern" "$actor"
}

# What a request its permissions let through answers, its row in a state that
# allows the action: a page for a GET, a redirect after the change for a POST —
# but for the pages that only send on.
admitted_answer() { # METHOD PATTERN ACTOR
	case "$1 $2" in
	"GET /") echo 303 ;; # the panel starts at the user's inboxes
	"GET /login") [ "$3" = nobody ] && echo 200 || echo 303 ;; # signed in: straight on
	"GET /oauth/callback") echo 400 ;; # the way back from a provider, with no state: refused
	"POST /settings/email/connect/imap" | "POST /inbox/{id}/channels/connect/imap")
		echo 200 ;; # the form again: that server is refused
	"GET "*) echo 200 ;;
	"POST "*) echo 303 ;;
	esac
}

# --- Filling a route in ------------------------------------------------------------
ROW_SEQ=0

# A page under /inbox/{id}: its rows are a conversation inbox's, the account's.
team_page() { # PATTERN
	[[ $1 == /inbox/'{id}'* ]]
}

# A page under /admin/users/{id}: its row is a person of the account, every
# super admin's to manage.
people_page() { # PATTERN
	[[ $1 == /admin/users/'{id}'* ]]
}

# make_person PATTERN N — a new person (the Nth), in the state that lets a super
# admin do the page's action (its last segment): deactivated to reactivate,
# active otherwise.  Prints their id.
make_person() {
	local email="matrix-person-$2@example.com"
	make_user "$email"
	[ "${1##*/}" = reactivate ] && set_up_sql "UPDATE users SET deactivated = 1 WHERE email = '$email'"
	user_id "$email"
}

# make_link N — a person with an unused set-password link; prints its token.
# Only the token's SHA-256 is stored, as userlink.c stores it.
make_link() {
	local token hash email="matrix-link-$1@example.com"
	token=$(openssl rand 32 | basenc --base64url | tr -d '=\n')
	hash=$(printf '%s' "$token" | openssl dgst -sha256 -binary | od -An -tx1 | tr -d ' \n')
	make_user "$email"
	set_up_sql "INSERT INTO user_links (user_id, purpose, token_hash, created_at, expires_at)
		SELECT id, 'invite', X'$hash', unixepoch(), unixepoch() + 3600 FROM users
		WHERE email = '$email'" || set_up_failed "could not add a link for $email"
	echo "$token" >>"$T_DIR/secrets"
	echo "$token"
}

# make_team_rows PATTERN N — a new conversation inbox (the Nth) and, when the page
# names a channel too, one of its email channels, connected by the owner, in the
# state that lets an admin do the page's action (its last segment).  Prints
# "INBOX-ID [CHANNEL-ID]"; fails for a channel page whose row it does not know.
make_team_rows() {
	local action=${1##*/} state error= team channel=
	team=$(set_up_sql "INSERT INTO conversation_inboxes (name, created_at)
		VALUES ('Matrix $2', unixepoch()) RETURNING id")
	if [[ $1 == *'{id}'*'{id}'* ]]; then
		case $action in
		delete) state=connected ;;
		reconnect) state=disconnected error=token_rejected ;;
		revocation | steps-done) state=removed ;; # a deleted channel, its revocation on its way or left by hand
		*) return 1 ;;
		esac
		channel=$(set_up_sql "INSERT INTO email_connections (kind, inbox_id, connected_by_user_id,
			provider, address, state, sealed_token, connected_at, state_changed_at, last_error)
			SELECT 'team', $team, id, 'google', 'matrix-channel-$2@example.com', '$state',
			CASE '$state' WHEN 'removed' THEN NULL ELSE randomblob(120) END, unixepoch(),
			unixepoch(), '$error'
			FROM users WHERE email = '$(actor_email owner)' RETURNING id")
		[ "$state" = removed ] && revocation_job "$channel" "$action"
	fi
	echo "$team${channel:+ $channel}"
}

# revocation_job CONNECTION-ID ACTION — a removed row's revocation: pending for
# its status page, waiting for a person for its steps-done.
revocation_job() {
	set_up_sql "INSERT INTO outbox_jobs (kind, connection_id, provider, state, next_attempt_at,
		created_at, updated_at) VALUES ('revoke', $1, 'google',
		'$([ "$2" = steps-done ] && echo manual || echo pending)', unixepoch() + 600, unixepoch(),
		unixepoch())" >/dev/null
}

# make_row PATTERN N — the row an {id} of PATTERN names: a new one (the Nth), the
# owner's, in the state that lets the owner do the page's action (its last
# segment).  Prints its id; fails for a page whose kind of row it does not know.
make_row() {
	local action=${1##*/} state id
	case $1 in
	/settings/email/\{id\}/*)
		case $action in
		disable) state=connected ;;
		enable | remove) state=disabled ;;
		reconnect) state=disconnected ;;
		revocation | steps-done) state=removed ;;
		*) return 1 ;;
		esac
		id=$(make_inbox "$(actor_email owner)" google "matrix-row-$2@example.com" "$state") || return 1
		[ "$state" = removed ] && revocation_job "$id" "$action"
		echo "$id"
		;;
	*) return 1 ;;
	esac
}

# A {word}: a value the page accepts, by where it is.
word_for() { # PATTERN
	case $1 in
	*/connect/\{word\}*) echo google ;; # a provider
	*) return 1 ;;
	esac
}

# A valid value of a field a POST body must carry, by its name.
sample_field() { # NAME ACTOR
	case $1 in
	email)
		# Adding a person: an address nobody has yet.  /login: the actor's own
		# credentials; nobody's are a visitor's.
		if [ "${pattern-}" = /admin/users/new ]; then
			echo "matrix-added-$RANDOM$RANDOM@example.com"
		else
			actor_email "$2"
		fi
		;;
	password | password_again) printf '%s' "$USER_PW" ;; # /login, /password/{token}
	role) echo user ;; # a person's role (/admin/users/...)
	language) echo en ;;
	# The IMAP form: a server at a documentation address, refused before any
	# connection (Imap.allow_private is not set here).
	address) echo matrix-imap@example.net ;;
	host) echo 192.0.2.1 ;;
	port) echo 993 ;;
	security) echo imaps ;;
	username) echo matrix ;;
	up_to) echo 1 ;; # POST /notifications/read: up to the first notification
	*) return 1 ;;
	esac
}

# fill PATTERN ROW — sets PATH_FILLED: the path with its {id} (a new row of the
# owner's, or ROW=missing: an id no row has) and {word} filled in.  Fails, saying
# why, when it cannot.
PATH_FILLED=
fill() {
	local pattern=$1 row=$2 id word rows
	PATH_FILLED=$pattern
	if team_page "$pattern"; then
		# The inbox, then (on a channel's page) the channel.
		if [ "$row" = missing ]; then
			rows="$(($(sql "SELECT coalesce(max(id), 0) FROM conversation_inboxes") + 1000))"
			rows="$rows $(($(sql "SELECT coalesce(max(id), 0) FROM email_connections") + 1000))"
		else
			ROW_SEQ=$((ROW_SEQ + 1))
			rows=$(make_team_rows "$pattern" "$ROW_SEQ") || {
				fail "$pattern: make_team_rows knows no row for this page"
				return 1
			}
		fi
		for id in $rows; do
			PATH_FILLED=${PATH_FILLED/'{id}'/$id}
		done
	elif people_page "$pattern"; then
		if [ "$row" = missing ]; then
			id=$(($(sql "SELECT coalesce(max(id), 0) FROM users") + 1000))
		else
			ROW_SEQ=$((ROW_SEQ + 1))
			id=$(make_person "$pattern" "$ROW_SEQ")
		fi
		PATH_FILLED=${PATH_FILLED//'{id}'/$id}
	elif [[ $pattern == *'{id}'*'{id}'* ]]; then
		fail "$pattern: two {id}s; teach make_row which rows they name"
		return 1
	elif [[ $pattern == *'{id}'* ]]; then
		if [ "$row" = missing ]; then
			id=$(($(sql "SELECT coalesce(max(id), 0) FROM email_connections") + 1000))
		else
			ROW_SEQ=$((ROW_SEQ + 1))
			id=$(make_row "$pattern" "$ROW_SEQ") || {
				fail "$pattern: make_row knows no row for this page"
				return 1
			}
		fi
		PATH_FILLED=${PATH_FILLED//'{id}'/$id}
	fi
	if [[ $pattern == *'{word}'* ]]; then
		word=$(word_for "$pattern") || {
			fail "$pattern: word_for knows no value for its {word}"
			return 1
		}
		PATH_FILLED=${PATH_FILLED//'{word}'/$word}
	fi
	if [[ $pattern == *'{token}'* ]]; then
		ROW_SEQ=$((ROW_SEQ + 1))
		PATH_FILLED=${PATH_FILLED//'{token}'/$(make_link "$ROW_SEQ")}
	fi
	if [[ $PATH_FILLED == *'{'* ]]; then
		fail "$pattern: a placeholder the matrix cannot fill"
		return 1
	fi
}

# What a 403 page says, by its reason: the words of templates/lang/en.hdf (the
# actors' pages are in English).
declare -A REASON=()
for why in not_allowed bad_token; do
	REASON[$why]=$(sed -n "s/^ *$why = //p" "$SRC/templates/lang/en.hdf")
	[ -n "${REASON[$why]}" ] || { echo "Bail out! no reason.$why in templates/lang/en.hdf"; exit 1; }
done

# --- A browser per actor -------------------------------------------------------------
declare -A TOKEN=()

# ready ACTOR — switches to the actor's browser, signed in (nobody: a fresh
# browser that has just read the sign-in form), and sets TOKEN[ACTOR] to the
# CSRF token a form of its pages would carry.
ready() {
	local actor=$1
	as "matrix-$actor"
	if [ "$actor" = nobody ]; then
		: >"$JAR"
		http GET /login
		TOKEN[$actor]=$(page_csrf)
	elif [ -z "${TOKEN[$actor]-}" ]; then
		login "$(actor_email "$actor")" "$USER_PW"
		http GET /settings/email
		TOKEN[$actor]=$(page_csrf)
	fi
	[ -n "${TOKEN[$actor]}" ] || fail "no CSRF token in the pages of $actor"
}

# The sign-in form's token, which public POSTs check (double submit), as a
# signed-in browser holds it when the form was read before signing in: read in a
# browser of its own, then the cookie copied into the actor's.
sign_in_form_token() {
	local jar=$JAR
	as matrix-form
	: >"$JAR"
	http GET /login
	page_csrf
	awk '$6 ~ /_login$/' "$JAR" >>"$jar"
	JAR=$jar
}

# try ACTOR METHOD PATTERN FLAGS FIELDS [missing|bad_csrf] — one request and its
# check.  Prints one comment line with what it saw.
try() {
	local actor=$1 method=$2 pattern=$3 flags=$4 fields=$5 variant=${6-}
	local row=none expected got before token field value args=() why=not_allowed
	if [[ $pattern == *'{id}'* ]]; then
		if [ "$variant" = missing ]; then
			row=missing
		elif team_page "$pattern" || people_page "$pattern"; then
			row=own # the account's: any admin's to manage
		elif [ "$actor" = owner ]; then
			row=own
		else
			row=theirs
		fi
	fi
	set_up_actor owner # the rows' owner
	set_up_actor "$actor" # nobody's user is the one a visitor signs in as
	ready "$actor"
	fill "$pattern" "$row" || return
	expected=$(expected_answer "$method" "$pattern" "$flags" "$actor" "$row")
	if [ "$method" = POST ]; then
		token=${TOKEN[$actor]}
		if [ "$actor" != nobody ] && has_flag "$flags" public; then
			token=$(sign_in_form_token)
		fi
		if [ "$variant" = bad_csrf ]; then
			token=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
			case $expected in
			login | 403) ;; # refused before the token is looked at
			*) expected=403 why=bad_token ;;
			esac
		fi
		args=(--data-urlencode "csrf=$token" -H "Origin: $BASE")
		if [ "$fields" != - ]; then
			for field in ${fields//,/ }; do
				value=$(sample_field "$field" "$actor") || {
					fail "$method $pattern: sample_field knows no value for $field"
					return
				}
				args+=(--data-urlencode "$field=$value")
			done
		fi
	fi
	before=$(db_state)
	http "$method" "$PATH_FILLED" "${args[@]}"
	got=$STATUS
	if [ "$STATUS" = 303 ] && grep -qiE '^Location: (https?://[^/]*)?/login\?next=' "$T_DIR/headers"; then
		got=login
	fi
	t_log "as $actor${variant:+ ($variant)}: $got $method $pattern"
	[ "$got" = "$expected" ] ||
		fail "$method $pattern ($PATH_FILLED) as $actor${variant:+ ($variant)}: expected $expected, got $got"
	# A 403 says why: the permission, or (bad_csrf) the token.
	if [ "$got" = 403 ] && [ "$expected" = 403 ] && ! page_text | grep -qF -- "${REASON[$why]}"; then
		fail "$method $pattern as $actor${variant:+ ($variant)}: a 403 that does not say: ${REASON[$why]}"
	fi
	case $expected in
	login | 4??)
		[ "$before" = "$(db_state)" ] ||
			fail "$method $pattern as $actor${variant:+ ($variant)}: refused ($got) but the database changed"
		;;
	*)
		# A POST let through may have ended or replaced the session (/logout,
		# /login): the next request signs in afresh.
		if [ "$method" = POST ]; then
			unset "TOKEN[$actor]"
		fi
		;;
	esac
}

# each_route ACTOR [VARIANT [METHOD]] — try every route (of METHOD, if given) as ACTOR.
each_route() {
	local line method pattern flags fields
	for line in "${ROUTES[@]}"; do
		read -r method pattern flags fields <<<"$line"
		[ -n "${3-}" ] && [ "$method" != "$3" ] && continue
		[ "${2-}" = missing ] && [[ $pattern != *'{id}'* ]] && continue
		try "$1" "$method" "$pattern" "$flags" "$fields" "${2-}"
	done
}

# --- The tests -------------------------------------------------------------------

test_every_route_is_listed_in_a_form_the_matrix_reads() {
	local line method pattern flags fields flag
	for line in "${ROUTES[@]}"; do
		read -r method pattern flags fields <<<"$line"
		[[ $method =~ ^(GET|POST)$ ]] || fail "$line: method $method"
		[[ $pattern == /* ]] || fail "$line: pattern $pattern"
		[ -n "$fields" ] || fail "$line: want METHOD PATTERN FLAGS FIELDS"
		[ "$flags" = - ] && continue
		for flag in ${flags//,/ }; do
			case $flag in
			public | super_admin | account_access | slow_work) ;;
			*) fail "$line: flag $flag has no rule in expected_answer" ;;
			esac
		done
	done
	t_log "${#ROUTES[@]} routes × ${#ACTORS[@]} actors"
}

# The flags are the matrix's premise; here they are held against what DESIGN.md
# says each part of the site is for, so that a route flagged too loosely is
# caught too, not only a dispatcher that ignores its flags.
# permission_for METHOD PATTERN — the permission flag the route must have:
# public (the few pages a visitor needs: sign-in, a set-password link, the health check),
# super_admin (/admin/: the audit log, every connection), account_access
# (/inbox: the conversation inboxes, for admins), or "-" (any signed-in user).
permission_for() {
	case "$1 $2" in
	"GET /login" | "POST /login" | "GET /healthz") echo public ;;
	*" /password/{token}") echo public ;; # a single-use link's set-password page
	*" /admin/"*) echo super_admin ;;
	*" /inbox" | *" /inbox/"*) echo account_access ;;
	*) echo - ;;
	esac
}

test_each_route_has_the_permission_its_place_calls_for() {
	local line method pattern flags fields want flag got
	for line in "${ROUTES[@]}"; do
		read -r method pattern flags fields <<<"$line"
		want=$(permission_for "$method" "$pattern")
		got=-
		for flag in public super_admin account_access; do
			has_flag "$flags" "$flag" && got=$flag
		done
		[ "$got" = "$want" ] || fail "$method $pattern: has permission $got, its place calls for $want"
	done
}

test_signed_out() { each_route nobody; }
test_plain_user() { each_route user; }
test_account_access_user() { each_route access; }
test_super_admin() { each_route super; }
test_the_owner() { each_route owner; }
test_another_user() { each_route other; }

test_a_missing_row_is_not_found_for_anyone_signed_in() {
	local actor
	for actor in "${ACTORS[@]}"; do
		each_route "$actor" missing
	done
}

test_a_bad_csrf_token_is_refused_on_every_post() {
	local actor
	for actor in "${ACTORS[@]}"; do
		each_route "$actor" bad_csrf POST
	done
}

t_run
