#!/usr/bin/env bash
# t_apache.sh — Step 10, shared hosting for real: the panel as plain CGI programs
# under Debian's Apache 2.4 (mod_cgi, mod_rewrite; tests/lib/apache.conf.in), with
# nothing of the panel's but README.md's .htaccess (read out of README.md, so the
# two cannot drift), all of it run as one unprivileged user, the way a hosting
# account's site runs; and the worker run as cron runs it.  The sandbox provider
# comes from the usual stack, which is otherwise left alone.
. "$(dirname "$0")/lib.sh"

command -v apache2 >/dev/null || [ -x /usr/sbin/apache2 ] ||
	{ echo "Bail out! apache2 is not installed (./dev installs it)"; exit 1; }
APACHE=$(command -v apache2 || echo /usr/sbin/apache2)

t_start
SITE=$T_DIR/site
NGINX_BASE=$BASE
# Root's tests run the site as nobody; anyone else's, as themselves.
if [ "$(id -u)" = 0 ]; then
	SITE_USER=nobody
	SITE_GROUP=$(id -gn nobody)
	chmod 711 "$T_DIR"
else
	SITE_USER=$(id -un)
	SITE_GROUP=$(id -gn)
fi

# as_site_user COMMAND... — as the hosting account, with the bare environment
# cron gives a job.
as_site_user() {
	if [ "$(id -u)" = 0 ]; then
		setpriv --reuid="$SITE_USER" --regid="$SITE_GROUP" --clear-groups \
			env -i PATH=/usr/bin:/bin HOME="$SITE" SHELL=/bin/sh "$@"
	else
		env -i PATH=/usr/bin:/bin HOME="$SITE" SHELL=/bin/sh "$@"
	fi
}

# README.md's rules, as it prints them.
readme_htaccess() {
	awk '/^```apache$/ { on = 1; next } on && /^```$/ { exit } on' "$SRC/README.md"
}

site_cli() {
	as_site_user "$SITE/bin/inboxpanel" --conf "$SITE/data/inboxpanel.hdf" "$@"
}

site_sql() {
	sqlite3 -batch -noheader -cmd '.timeout 5000' "$SITE/data/inboxpanel.db" "$@"
}

apache_stop() {
	local pid i
	pid=$(cat "$SITE/apache/apache.pid" 2>/dev/null) || return 0
	kill -TERM "$pid" 2>/dev/null
	for i in $(seq 1 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	# Its log joins the programs' logs: t_stop reads them for sanitizer reports
	# and secrets.
	cp "$SITE/apache/error.log" "$T_DIR/log/apache-error.log" 2>/dev/null
	return 0
}

# What a person does on a host: the programs in cgi-bin/, the static files and
# the .htaccess in the web root, the configuration, the database and the keys in
# a folder outside it.
set_up_site() {
	local port i name
	mkdir -p "$SITE"/{public_html/cgi-bin,public_html/static,data/keys,bin,share,apache}
	chmod 700 "$SITE/data/keys"
	cp "$BIN/inboxpanel" "$SITE/bin/"
	for name in "${STACK_PROGRAMS[@]}"; do
		cp "$BIN/inboxpanel-$name" "$SITE/public_html/cgi-bin/"
	done
	cp -r "$SRC/static/." "$SITE/public_html/static/"
	cp -r "$SRC/templates" "$SITE/share/"
	for i in $(seq 1 50); do
		port=$((20000 + RANDOM % 12000))
		stack_port_busy "$port" || break
	done
	APACHE_BASE="http://127.0.0.1:$port"
	# The stack's configuration, with the site's own paths; the providers stay
	# the sandbox.  One user runs everything here: Keys.single_user stays 1.  No
	# worker listens for a wake-up: cron runs it.
	sed -e "s|^Templates.dir = .*|Templates.dir = $SITE/share/templates|" \
		-e "s|^Site.base_url = .*|Site.base_url = $APACHE_BASE|" \
		-e '/^Worker.wakeup/d' -e '/^Service.user/d' \
		"$T_DIR/inboxpanel.hdf" >"$SITE/data/inboxpanel.hdf"
	{
		echo "SetEnv INBOXPANEL_CONF $SITE/data/inboxpanel.hdf"
		readme_htaccess
	} >"$SITE/public_html/.htaccess"
	sed -e "s|@SITE@|$SITE|g" -e "s|@PORT@|$port|g" "$SRC/tests/lib/apache.conf.in" >"$SITE/apache/apache.conf"
	chown -R "$SITE_USER:$SITE_GROUP" "$SITE"
	chmod 600 "$SITE/data/inboxpanel.hdf"
	printf '%s\n' "$ADMIN_PW" | site_cli init --admin "$ADMIN" --password-stdin >"$T_DIR/init.out" 2>&1 ||
		{ echo "Bail out! init as $SITE_USER failed: $(cat "$T_DIR/init.out")"; exit 1; }
	as_site_user "$APACHE" -f "$SITE/apache/apache.conf" -k start 2>"$T_DIR/apache.out" ||
		{ echo "Bail out! apache did not start: $(cat "$T_DIR/apache.out")"; exit 1; }
	trap 'rc=$?; apache_stop; (exit $rc); t_stop' EXIT
	for i in $(seq 1 100); do
		curl -fsS -o /dev/null "$APACHE_BASE/static/style.css" 2>/dev/null && break
		sleep 0.1
	done
	BASE=$APACHE_BASE
}
set_up_site

test_the_htaccess_is_readmes_and_only_that() {
	local rules name
	rules=$(readme_htaccess)
	[ -n "$rules" ] || fail "README.md has no \`\`\`apache block"
	echo "$rules" | grep -q '^RewriteEngine On$' || fail "README's block does not turn rewriting on"
	[ "$(tail -n +2 "$SITE/public_html/.htaccess")" = "$rules" ] || fail "the .htaccess is not README's"
	# Every program of conf/programs has its rule there (t_programs.sh checks the
	# paths); the one that takes every other path comes last.
	for name in "${STACK_PROGRAMS[@]}"; do
		echo "$rules" | grep -q "cgi-bin/inboxpanel-$name/" || fail "no rule for inboxpanel-$name"
	done
}

test_the_site_runs_as_the_hosting_user_not_root() {
	local owner pid
	owner=$(stat -c %U "$SITE/data/inboxpanel.db")
	[ "$owner" = "$SITE_USER" ] || fail "the database belongs to $owner"
	for pid in $(pgrep -f "$SITE/apache/apache.conf"); do
		[ "$(stat -c %U /proc/"$pid")" = "$SITE_USER" ] || fail "apache process $pid runs as $(stat -c %U /proc/"$pid")"
	done
	http GET /static/style.css
	expect_status 200
}

test_sign_in_list_disable_remove_and_cron_revokes_at_the_provider() {
	local address=hosted@example.com token sub id grant
	control /_control/mint provider=google "address=$address"
	token=$(json "$T_DIR/control.json" '$.refresh_token')
	sub=$(json "$T_DIR/control.json" '$.sub')
	grant=$(json "$T_DIR/control.json" '$.grant')
	id=$(printf '%s\n' "$token" | site_cli inbox add "$ADMIN" "$address" --provider google --token-stdin --subject "$sub") ||
		{ fail "inbox add failed"; return; }
	as admin
	http GET /login
	expect_status 200
	expect_text "Sign in"
	login "$ADMIN" "$ADMIN_PW"
	http GET /settings/email
	expect_status 200
	expect_text "$address"
	http GET "/settings/email/$id/disable"
	expect_status 200
	post "/settings/email/$id/disable"
	expect_status 303
	[ "$(site_sql "SELECT state FROM email_connections WHERE id = $id")" = disabled ] || fail "not disabled"
	http GET "/settings/email/$id/remove"
	expect_status 200
	post "/settings/email/$id/remove"
	expect_status 303
	[ "$(site_sql "SELECT state FROM email_connections WHERE id = $id")" = removed ] || fail "not removed"
	[ "$(site_sql "SELECT state FROM outbox_jobs WHERE connection_id = $id")" = pending ] ||
		fail "no revocation queued: $(site_sql "SELECT state FROM outbox_jobs WHERE connection_id = $id")"
	http GET /settings/email
	expect_text "$address"

	# As cron runs it: the site's user, a bare environment, from /.
	(cd / && site_cli worker --once) >"$T_DIR/worker.out" 2>&1 || fail "worker --once failed: $(cat "$T_DIR/worker.out")"
	[ "$(site_sql "SELECT state FROM outbox_jobs WHERE connection_id = $id")" = done ] ||
		fail "the revocation is $(site_sql "SELECT state FROM outbox_jobs WHERE connection_id = $id") after worker --once: $(cat "$T_DIR/worker.out")"
	curl -fsS -o "$T_DIR/grants.json" "$SANDBOX/_control/grants" || fail "no grants"
	[ "$(sqlite3 -batch -noheader :memory: "SELECT json_extract(value, '\$.live') FROM
		json_each(readfile('$T_DIR/grants.json'), '\$.grants') WHERE json_extract(value, '\$.id') = '$grant'")" = 0 ] ||
		fail "the grant is still live at the provider"
}

test_a_post_without_the_forms_token_is_refused() {
	local id before
	as admin
	login "$ADMIN" "$ADMIN_PW"
	id=$(site_sql "INSERT INTO email_connections (kind, owner_user_id, connected_by_user_id, provider,
		address, state, sealed_token, connected_at, state_changed_at)
		VALUES ('personal', 1, 1, 'google', 'kept@example.com', 'disabled', randomblob(60), 0, 0) RETURNING id")
	before=$(site_sql "SELECT state FROM email_connections WHERE id = $id")
	http GET /settings/email
	post "/settings/email/$id/remove" "csrf=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	expect_status 403
	expect_text "The form is out of date"
	[ "$(site_sql "SELECT state FROM email_connections WHERE id = $id")" = "$before" ] || fail "the inbox changed"
}

test_an_unknown_page_is_the_panels_404_page() {
	http GET /no/such/page
	expect_status 404
	expect_text "Page not found"
	expect_header Content-Type 'text/html; charset=utf-8'
	http GET /settings/no-such-page
	expect_status 404
	expect_text "Page not found"
}

t_run
