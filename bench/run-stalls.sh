#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The main loop's longest stall while the console writes, exports every order as XLSX and makes
# a QR label sheet: on the main thread as before, and on the session's worker as now. Uses the
# 100,000-device / 1,000,000-order database of bench/run.sh (generated once if missing).
#   bench/run-stalls.sh [LABELS]     BENCH_DB=path   BENCH_SKIP_EXPORT=1 skips the export
set -euo pipefail
source "$(dirname "$0")/../build-aux/build.sh"
OUT=bench/out
mkdir -p "$OUT"
DB=${BENCH_DB:-$OUT/bench-100k.db}
if [ ! -f "$DB" ]; then
  echo "generating $DB (100,000 devices, 50,000 members, 1,000,000 orders)…"
  "$BUILD/src/tools/mingtang-demo" --devices 100000 --members 50000 --orders 1000000 "$DB"
fi
# the benchmark writes (a renewal): on a copy, so that runs compare like with like
cp "$DB" "$OUT/stalls.db"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP" "$OUT/stalls.db" "$OUT/stalls.db-wal" "$OUT/stalls.db-shm"' EXIT
mkdir -p "$TMP"/{data,config,cache,runtime}
chmod 700 "$TMP/runtime"
export XDG_DATA_HOME="$TMP/data" XDG_CONFIG_HOME="$TMP/config" XDG_CACHE_HOME="$TMP/cache" \
       XDG_RUNTIME_DIR="$TMP/runtime" GSK_RENDERER=cairo NO_AT_BRIDGE=1 GSETTINGS_BACKEND=memory
xvfb-run -a -s "-screen 0 1600x1000x24" dbus-run-session -- \
  "$BUILD/bench/bench-stalls" "$OUT/stalls.db" "${1:-2400}" 2>&1 | grep --line-buffered -v -e dbus-daemon -e SpiRegistry
