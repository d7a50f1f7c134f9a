# SPDX-License-Identifier: GPL-3.0-or-later
# Sourced by the HTTP benchmarks: a mingtang-server over a copy of $DB on a loopback port, signed
# in as admin. Sets WORK (removed at exit), SERVER_DB, PID, URL and TOKEN; installs wrk if missing.
command -v wrk >/dev/null || { sudo=""; [ "$(id -u)" -ne 0 ] && sudo=sudo; $sudo apt-get install -y -q wrk; }
WORK=$(mktemp -d)
SERVER_DB=$WORK/shared.db
cp "$DB" "$SERVER_DB"
"$BUILD/src/server/mingtang-server" --database "$SERVER_DB" --listen 127.0.0.1:0 --log-level quiet > "$WORK/out" &
PID=$!
trap 'kill $PID; rm -rf "$WORK"' EXIT
until [ -s "$WORK/out" ]; do sleep 0.1; done
URL=$(head -1 "$WORK/out" | cut -d' ' -f3)
TOKEN=$(curl -s -X POST "${URL}api/v1/session" -d '{"username":"admin","password":"mingtang2026"}' |
        sed 's/.*"token":"\([^"]*\)".*/\1/')
