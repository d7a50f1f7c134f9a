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
source "$(dirname "$0")/server.sh"
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
