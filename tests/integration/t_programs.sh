#!/usr/bin/env bash
# t_programs.sh — conf/programs is the one list of the FastCGI programs and the
# paths each serves.  tests/lib/stack.sh reads it; what cannot read it is checked
# against it here, each failure naming the file and the line that is missing or
# left over: the nginx locations, README.md's start-up lines and Apache rules,
# and Makefile.am's pkglibexec_PROGRAMS.  Then the stack, started from the list,
# must answer each path through nginx.
. "$(dirname "$0")/lib.sh"

PROGRAMS_FILE=$SRC/conf/programs
NGINX_FILE=$SRC/conf/nginx-inboxpanel.conf

# The list, as "name path" pairs, one a line; a malformed line fails here.
PAIRS=$(awk '
	/^[[:space:]]*(#|$)/ { next }
	{
		if ($1 !~ /^[a-z][a-z0-9_]*$/ || NF < 2) {
			printf "conf/programs:%d: want a name (a-z, 0-9, _) and at least one path\n", NR > "/dev/stderr"
			bad = 1
		}
		for (i = 2; i <= NF; i++) {
			if ($i !~ /^\/[a-z0-9_.\/-]*$/) {
				printf "conf/programs:%d: path %s: want \"/\" then a-z, 0-9, _ . / -\n", NR, $i > "/dev/stderr"
				bad = 1
			}
			print $1, $i
		}
	}
	END { exit bad }' "$PROGRAMS_FILE") || { echo "Bail out! conf/programs is malformed"; exit 1; }

# The names, one a line, in the file's order.
program_names() { printf '%s\n' "$PAIRS" | awk '!seen[$1]++ { print $1 }'; }

# What each place must say for one program and path.
nginx_location() { # PATH → the location's argument
	case $1 in
	*/) printf '%s' "$1" ;;
	*) printf '= %s' "$1" ;;
	esac
}
apache_rule() { # NAME PATH → the RewriteRule line
	local pattern
	case $2 in
	/) pattern='^(.*)$' ;;
	*/) pattern="^(${2#/}.*)\$" ;;
	*) pattern="^(${2#/})\$" ;;
	esac
	printf 'RewriteRule %s cgi-bin/inboxpanel-%s/$1 [L,PT]' "$pattern" "$1"
}

# The "location → socket" pairs of the nginx file: each location block with the
# name of the socket its fastcgi_pass uses ("(none)" when it has none).
nginx_pairs() {
	awk '
		match($0, /^[[:space:]]*location[[:space:]]+[^{]*\{/) {
			loc = $0
			sub(/^[[:space:]]*location[[:space:]]+/, "", loc)
			sub(/[[:space:]]*\{.*$/, "", loc)
			gsub(/[[:space:]]+/, " ", loc)
			pass = ""
			next
		}
		loc != "" && /fastcgi_pass/ {
			pass = $0
			if (match(pass, /unix:\/run\/inboxpanel\/[a-z0-9_]+\.sock;/))
				pass = substr(pass, RSTART + 21, RLENGTH - 27)
			else
				pass = "(not a socket of /run/inboxpanel/)"
			next
		}
		loc != "" && /^[[:space:]]*}/ {
			if (pass != "")
				print loc " -> " pass
			loc = ""
		}' "$NGINX_FILE"
}

test_the_list_names_one_program_for_every_other_path() {
	local n
	n=$(printf '%s\n' "$PAIRS" | awk '$2 == "/"' | wc -l)
	[ "$n" = 1 ] || fail "conf/programs: $n programs serve \"/\" (every path no other program claims); want exactly 1"
	n=$(printf '%s\n' "$PAIRS" | awk '{ print $2 }' | sort | uniq -d)
	[ -z "$n" ] || fail "conf/programs: a path listed twice: $n"
	[ "$(program_names | wc -l)" -ge 1 ] || fail "conf/programs lists no program"
}

test_stack_starts_the_programs_of_the_list() {
	[ "${STACK_PROGRAMS[*]}" = "$(program_names | tr '\n' ' ' | sed 's/ $//')" ] ||
		fail "tests/lib/stack.sh starts (${STACK_PROGRAMS[*]}), conf/programs lists ($(program_names | tr '\n' ' '))"
}

test_nginx_sends_each_path_to_its_program() {
	local have name path want
	have=$(nginx_pairs)
	while read -r name path; do
		want="$(nginx_location "$path") -> $name"
		grep -qxF "$want" <<<"$have" ||
			fail "conf/nginx-inboxpanel.conf: missing \"location $(nginx_location "$path") { include fastcgi_params; fastcgi_pass unix:/run/inboxpanel/$name.sock; }\" (conf/programs: $name $path)"
	done <<<"$PAIRS"
	# And nothing the list does not say: a location of a removed program or path.
	while read -r want; do
		[ -n "$want" ] || continue
		printf '%s\n' "$PAIRS" | while read -r name path; do
			printf '%s -> %s\n' "$(nginx_location "$path")" "$name"
		done | grep -qxF "$want" ||
			fail "conf/nginx-inboxpanel.conf: \"location ${want% -> *}\" passes to ${want##* -> }, which conf/programs does not say"
	done <<<"$have"
}

test_readme_starts_each_program_on_its_socket() {
	local name sockets
	for name in $(program_names); do
		grep -qE "^inboxpanel-$name +--conf [^ ]+ --socket /run/inboxpanel/$name\.sock( |$)" "$SRC/README.md" ||
			fail "README.md (Behind an existing nginx): no line \"inboxpanel-$name --conf … --socket /run/inboxpanel/$name.sock\""
	done
	sockets=$(grep -oE -- '--socket /run/inboxpanel/[a-z0-9_]+\.sock' "$SRC/README.md" | sed 's|.*/||; s|\.sock$||')
	for name in $sockets; do
		program_names | grep -qxF "$name" ||
			fail "README.md starts a program on /run/inboxpanel/$name.sock that conf/programs does not list"
	done
}

test_readme_apache_rules_follow_the_list() {
	local rules name path want last
	rules=$(grep -E '^[[:space:]]*RewriteRule .* cgi-bin/inboxpanel-' "$SRC/README.md" | sed 's/^[[:space:]]*//; s/[[:space:]]\+/ /g')
	while read -r name path; do
		want=$(apache_rule "$name" "$path")
		grep -qxF "$want" <<<"$rules" || fail "README.md (Shared hosting): missing \"$want\" (conf/programs: $name $path)"
	done <<<"$PAIRS"
	while read -r want; do
		[ -n "$want" ] || continue
		printf '%s\n' "$PAIRS" | while read -r name path; do apache_rule "$name" "$path"; echo; done |
			grep -qxF "$want" || fail "README.md (Shared hosting): \"$want\" is not a path of conf/programs"
	done <<<"$rules"
	# Apache takes the first rule that matches: the catch-all comes last.
	last=$(tail -n 1 <<<"$rules")
	case $last in
	'RewriteRule ^(.*)$ '*) ;;
	*) fail "README.md (Shared hosting): the last rule must be the one for \"/\" (every other path), not \"$last\"" ;;
	esac
}

test_makefile_builds_and_installs_each_program() {
	local listed name
	# pkglibexec_PROGRAMS, its continuation lines joined.
	listed=$(sed -e ':a' -e '/\\$/N; s/\\\n//; ta' "$SRC/Makefile.am" |
		sed -n 's/^pkglibexec_PROGRAMS[[:space:]]*+\{0,1\}=//p' | tr -s ' \t' '\n' | sed '/^$/d')
	for name in $(program_names); do
		grep -qxF "inboxpanel-$name" <<<"$listed" ||
			fail "Makefile.am: pkglibexec_PROGRAMS lacks inboxpanel-$name (conf/programs lists it)"
		grep -qE "^inboxpanel_${name}_SOURCES[[:space:]]*=" "$SRC/Makefile.am" ||
			fail "Makefile.am: no inboxpanel_${name}_SOURCES for inboxpanel-$name"
	done
	for name in $listed; do
		program_names | grep -qxF "${name#inboxpanel-}" ||
			fail "Makefile.am: pkglibexec_PROGRAMS has $name, which conf/programs does not list"
	done
}

# The stack is started from the list: each program is up on its socket, and a
# request for each path reaches a program through nginx (no 502 Bad Gateway).
test_each_path_reaches_a_program_through_nginx() {
	local name path
	t_start
	for name in "${STACK_PROGRAMS[@]}"; do
		[ -S "$T_DIR/run/$name.sock" ] || fail "inboxpanel-$name has no socket $T_DIR/run/$name.sock"
	done
	while read -r name path; do
		http GET "$path"
		case $STATUS in
		502 | 504 | 000) fail "GET $path (conf/programs: $name) answered $STATUS" ;;
		esac
	done <<<"$PAIRS"
}

t_run
