#!/usr/bin/env bash
# t_install.sh — Step 10: `./configure --prefix=$HOME/inboxpanel --enable-static-deps
# && make install` works for a user without root (shared hosting), what it installs
# runs from there and its web programs need no library a host may lack; the systemd units it ships for a server are each rated "OK" or better by
# `systemd-analyze security --offline` (where systemd-analyze is present).
# Builds the panel once more, from this source tree, as that user: slow.
. "$(dirname "$0")/lib.sh"

T_DIR=$(mktemp -d /tmp/inboxpanel-test.XXXXXX)
trap t_stop EXIT
HOME_DIR=$T_DIR/home
PREFIX=$HOME_DIR/inboxpanel
mkdir -p "$HOME_DIR" "$T_DIR/log"
# Root's tests build as nobody, in a home of its own; anyone else's as themselves.
if [ "$(id -u)" = 0 ]; then
	chmod 711 "$T_DIR"
	chown nobody: "$HOME_DIR"
	as_user() { setpriv --reuid=nobody --regid="$(id -gn nobody)" --clear-groups "$@"; }
else
	as_user() { "$@"; }
fi

# The source as the user unpacks it (this tree, its build folders and git
# history left out, times kept), configured there: a checkout has no configure
# until autoreconf.
[ -x "$SRC/configure" ] || { echo "Bail out! no $SRC/configure (run autoreconf -fi)"; exit 1; }
as_user mkdir -p "$HOME_DIR/src"
tar -C "$SRC" --exclude=./build --exclude=./.git --exclude=./var --exclude=./autom4te.cache \
	--exclude=./tests/browser/node_modules -cf - . | as_user tar -C "$HOME_DIR/src" -xf - ||
	{ echo "Bail out! could not copy the source"; exit 1; }

as_user env -i PATH=/usr/bin:/bin HOME="$HOME_DIR" sh -c "
	mkdir -p '$HOME_DIR/build' && cd '$HOME_DIR/build' &&
	'$HOME_DIR/src/configure' --prefix='$PREFIX' --enable-static-deps >configure.out 2>&1 &&
	make -j2 >make.out 2>&1 &&
	make install >install.out 2>&1" >"$T_DIR/build.out" 2>&1
BUILD_RC=$?

test_make_install_into_home_works_without_root() {
	local name
	[ "$BUILD_RC" = 0 ] || {
		fail "configure, make or make install failed: $(tail -q -n 5 "$HOME_DIR"/build/*.out 2>/dev/null)"
		return
	}
	for f in bin/inboxpanel bin/inboxpanel-worker; do
		[ -x "$PREFIX/$f" ] || fail "no $f"
	done
	for name in "${STACK_PROGRAMS[@]}"; do
		[ -x "$PREFIX/libexec/inboxpanel/inboxpanel-$name" ] || fail "no inboxpanel-$name"
	done
	for f in share/inboxpanel/templates/login.cs share/inboxpanel/templates/lang/fr.hdf \
		share/inboxpanel/static/style.css share/inboxpanel/inboxpanel.hdf.example \
		share/inboxpanel/nginx/inboxpanel.conf share/inboxpanel/nginx/site.conf \
		lib/systemd/system/inboxpanel@.service lib/systemd/system/inboxpanel@.socket \
		lib/systemd/system/inboxpanel-worker.service lib/tmpfiles.d/inboxpanel.conf \
		lib/sysusers.d/inboxpanel.conf; do
		[ -f "$PREFIX/$f" ] || fail "no $f"
	done
	[ ! -e "$PREFIX/bin/inboxpanel-sandbox" ] && [ ! -e "$PREFIX/libexec/inboxpanel/inboxpanel-sandbox" ] ||
		fail "the sandbox provider was installed"
	[ "$(find "$PREFIX" ! -user "$(stat -c %U "$HOME_DIR")" | head -1)" = "" ] || fail "files of another user"
	# The units and the nginx file name this prefix's paths, nothing of /usr/local.
	grep -q "ExecStart=$PREFIX/libexec/inboxpanel/inboxpanel-%i " "$PREFIX/lib/systemd/system/inboxpanel@.service" ||
		fail "the unit does not start $PREFIX's program"
	grep -q "alias $PREFIX/share/inboxpanel/static/;" "$PREFIX/share/inboxpanel/nginx/inboxpanel.conf" ||
		fail "the nginx file does not serve $PREFIX's static files"
	! grep -rq /usr/local "$PREFIX/lib" "$PREFIX/share/inboxpanel/nginx" || fail "a file names /usr/local"
}

# The installed programs find their templates where make install put them: a
# config with no Templates.dir serves the sign-in page as plain CGI.
test_the_installed_programs_run_from_the_prefix() {
	local data=$HOME_DIR/data out
	[ "$BUILD_RC" = 0 ] || { fail "not built"; return; }
	as_user mkdir -p "$data/keys"
	as_user chmod 700 "$data/keys"
	as_user sh -c "cat >'$data/inboxpanel.hdf'" <<HDF
Database.path = inboxpanel.db
Site.base_url = http://127.0.0.1:1
Keys.public_file = keys/seal.pub
Keys.private_file = keys/seal.key
Keys.single_user = 1
HDF
	printf '%s\n' "$ADMIN_PW" | as_user "$PREFIX/bin/inboxpanel" --conf "$data/inboxpanel.hdf" \
		init --admin "$ADMIN" --password-stdin >"$T_DIR/init.out" 2>&1 || fail "init: $(cat "$T_DIR/init.out")"
	out=$(as_user env -i GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD=GET PATH_INFO=/login SERVER_NAME=127.0.0.1 \
		SERVER_PORT=1 INBOXPANEL_CONF="$data/inboxpanel.hdf" "$PREFIX/libexec/inboxpanel/inboxpanel-account" \
		</dev/null 2>"$T_DIR/cgi.err")
	grep -q '^Status: 200' <<<"$out" || grep -q 'Sign in' <<<"$out" ||
		fail "the installed account program answered: $(head -3 <<<"$out") $(cat "$T_DIR/cgi.err")"
	grep -q 'Sign in' <<<"$out" || fail "no sign-in page from the installed templates"
}

# Built for shared hosting, a web program asks the dynamic linker for the C
# library alone: no ClearSilver, SQLite, OpenSSL, fcgi or jansson on the host,
# and no symbol of theirs to bind at every start (libcurl is loaded on first use).
test_the_web_programs_need_only_the_c_library() {
	local name needed
	[ "$BUILD_RC" = 0 ] || { fail "not built"; return; }
	for name in "${STACK_PROGRAMS[@]}"; do
		needed=$(readelf -d "$PREFIX/libexec/inboxpanel/inboxpanel-$name" | awk '/\(NEEDED\)/ { print $NF }' | tr -d '[]' | sort | tr '\n' ' ')
		[ "$needed" = "libc.so.6 libm.so.6 " ] || fail "inboxpanel-$name needs: $needed"
	done
}

# Each unit as it is installed, rated offline; a template is rated as the
# instance of each program of conf/programs.
test_systemd_rates_every_unit_ok_or_better() {
	local dir=$T_DIR/units name unit line
	command -v systemd-analyze >/dev/null || { t_log "skipped: no systemd-analyze"; return; }
	[ "$BUILD_RC" = 0 ] || { fail "not built"; return; }
	mkdir -p "$dir"
	for name in "${STACK_PROGRAMS[@]}"; do
		cp "$PREFIX/lib/systemd/system/inboxpanel@.service" "$dir/inboxpanel@$name.service"
		cp "$PREFIX/lib/systemd/system/inboxpanel@.socket" "$dir/inboxpanel@$name.socket"
	done
	cp "$PREFIX/lib/systemd/system/inboxpanel-worker.service" "$dir/"
	for unit in "$dir"/*.service; do
		systemd-analyze security --offline=true "$unit" >"$T_DIR/analyze.out" 2>&1
		line=$(grep -a 'Overall exposure level' "$T_DIR/analyze.out")
		[[ $line =~ :\ [0-9.]+\ (OK|SAFE|PERFECT) ]] ||
			fail "$(basename "$unit"): ${line:-$(tail -3 "$T_DIR/analyze.out")}"
		t_log "${line#→ }"
	done
}

t_run
