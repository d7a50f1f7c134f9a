#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The issue-3 benchmark: a mingtang-server over the 100,000-device database (bench/run.sh makes
# it), initial sync and propagation through two sync engines, then the device list endpoint
# under wrk with 16 connections.   bench/run-sync.sh [EDITS]
set -euo pipefail
source "$(dirname "$0")/../build-aux/build.sh"
DB=${BENCH_DB:-bench/out/bench-100k.db}
[ -f "$DB" ] || { echo "run bench/run.sh first (it generates $DB)"; exit 1; }
command -v wrk >/dev/null || { sudo=""; [ "$(id -u)" -ne 0 ] && sudo=sudo; $sudo apt-get install -y -q wrk; }
SERVER_DB=$(mktemp -d)/shared.db
cp "$DB" "$SERVER_DB"
"$BUILD/src/server/mingtang-server" --database "$SERVER_DB" --listen 127.0.0.1:0 --log-level quiet > "$SERVER_DB.out" &
PID=$!
trap 'kill $PID; rm -rf "$(dirname "$SERVER_DB")"' EXIT
until [ -s "$SERVER_DB.out" ]; do sleep 0.1; done
URL=$(head -1 "$SERVER_DB.out" | cut -d' ' -f3)
"$BUILD/bench/bench-sync" "$URL" "${1:-1000}"
TOKEN=$(curl -s -X POST "${URL}api/v1/session" -d '{"username":"admin","password":"mingtang2026"}' |
        sed 's/.*"token":"\([^"]*\)".*/\1/')
echo "wrk: GET devices?limit=100, 16 connections, 15 s"
wrk -t4 -c16 -d15s --latency -H "Authorization: Bearer $TOKEN" "${URL}api/v1/devices?limit=100" |
  grep -E "Requests/sec|99%|50%"
