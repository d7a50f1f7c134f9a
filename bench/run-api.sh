#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The issue-19 API benchmark: a mingtang-server over the 100,000-device database (bench/run.sh
# makes it); GET devices?limit=100 under wrk (16 connections, 10 s), beside the same server's
# trivial endpoint (telemetry/status) in the same run, RUNS times: requests/s, p99, and the ratio.
#   bench/run-api.sh [RUNS]          BENCH_DB=path of another database
set -euo pipefail
source "$(dirname "$0")/../build-aux/build.sh"
DB=${BENCH_DB:-bench/out/bench-100k.db}
RUNS=${1:-3}
[ -f "$DB" ] || { echo "run bench/run.sh first (it generates $DB)"; exit 1; }
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
curl -s -o /dev/null -H "Authorization: Bearer $TOKEN" "${URL}api/v1/devices?limit=100"   # warm
echo "database: $(du -h "$SERVER_DB" | cut -f1), cores: $(nproc), load: $(cut -d' ' -f1-3 /proc/loadavg)"

load () {   # ENDPOINT: requests/s and p99
  wrk -t4 -c16 -d10s --latency -H "Authorization: Bearer $TOKEN" "${URL}api/v1/$1" |
    awk '/Requests\/sec/ {r=$2} / 99%/ {p=$2} END {printf "%s %s", r, p}'
}

for run in $(seq "$RUNS"); do
  read -r list_rate list_p99 <<< "$(load 'devices?limit=100')"
  read -r ref_rate ref_p99 <<< "$(load 'telemetry/status')"
  ratio=$(awk -v a="$list_rate" -v b="$ref_rate" 'BEGIN {printf "%.3f", a / b}')
  echo "run $run: devices?limit=100 $list_rate req/s p99 $list_p99; telemetry/status $ref_rate req/s p99 $ref_p99;" \
       "ratio $ratio; load $(cut -d' ' -f1 /proc/loadavg)"
done
