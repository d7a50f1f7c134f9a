#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The issue-18 benchmark: a mingtang-server over the 100,000-device database (bench/run.sh makes
# it); the time and size of `mingtang-server backup` while it serves, and the latency of two
# endpoints under wrk (16 connections) with no backup running, then with one running, RUNS times
# each.   bench/run-backup.sh [RUNS]
set -euo pipefail
source "$(dirname "$0")/../build-aux/build.sh"
DB=${BENCH_DB:-bench/out/bench-100k.db}
RUNS=${1:-3}
[ -f "$DB" ] || { echo "run bench/run.sh first (it generates $DB)"; exit 1; }
source "$(dirname "$0")/server.sh"
echo "database: $(du -h "$SERVER_DB" | cut -f1), load: $(cut -d' ' -f1-3 /proc/loadavg)"

load () {   # ENDPOINT SECONDS: requests/s and p99
  wrk -t4 -c16 -d"$2"s --latency -H "Authorization: Bearer $TOKEN" "${URL}api/v1/$1" |
    awk '/Requests\/sec/ {r=$2} / 99%/ {p=$2} END {printf "%s req/s, p99 %s", r, p}'
}

for run in $(seq "$RUNS"); do
  for endpoint in "stores?limit=20" "members?limit=100"; do
    echo "run $run, $endpoint, no backup: $(load "$endpoint" 10)"
    rm -rf "$WORK/backups"
    # the backup timed on its own, wrk beside it (started together; wrk lasts longer)
    ( start=$(date +%s.%N)
      "$BUILD/src/server/mingtang-server" backup --database "$SERVER_DB" --to "$WORK/backups" > "$WORK/backup.out" 2>/dev/null
      echo "$(date +%s.%N) - $start" | bc > "$WORK/backup.time" ) &
    BACKUP=$!
    during=$(load "$endpoint" 10)
    wait $BACKUP
    size=$(du -h "$(cat "$WORK/backup.out")" | cut -f1)
    echo "run $run, $endpoint, backup running: $during (backup: $size in $(cat "$WORK/backup.time") s beside wrk)"
  done
  start=$(date +%s.%N)
  rm -rf "$WORK/backups"
  "$BUILD/src/server/mingtang-server" backup --database "$SERVER_DB" --to "$WORK/backups" > /dev/null 2>&1
  echo "run $run, backup alone: $(echo "$(date +%s.%N) - $start" | bc) s, load: $(cut -d' ' -f1-3 /proc/loadavg)"
done
