#!/usr/bin/env bash
# t_browser.sh — the browser tests: a stack with the demo data, then run.mjs in
# Debian's chromium.  Screenshots go to $SHOTS (default: the stack's folder, kept
# only on failure).  Needs `npm ci` in tests/browser first (./dev test does it).
. "$(dirname "$0")/../integration/lib.sh"
t_start
cli demo-seed >/dev/null || { echo "Bail out! demo-seed failed"; exit 1; }
shots=${SHOTS:-$T_DIR/shots}
mkdir -p "$shots"
node "$SRC/tests/browser/run.mjs" "$BASE" "$ADMIN" "$ADMIN_PW" "$shots"
