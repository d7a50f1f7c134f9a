#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The issue-2 benchmark: generates the 100,000-device / 1,000,000-order demo database once
# (timing the generation), then times the console against it under Xvfb.
#   bench/run.sh [RUNS]          BENCH_DB=path to reuse or place the database
set -euo pipefail
source "$(dirname "$0")/../build-aux/build.sh"
OUT=bench/out
mkdir -p "$OUT"
DB=${BENCH_DB:-$OUT/bench-100k.db}
if [ ! -f "$DB" ]; then
  echo "generating $DB (100,000 devices, 50,000 members, 1,000,000 orders)…"
  "$BUILD/src/tools/mingtang-demo" --devices 100000 --members 50000 --orders 1000000 "$DB"
fi
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
mkdir -p "$TMP"/{data,config,cache,runtime}
chmod 700 "$TMP/runtime"
export XDG_DATA_HOME="$TMP/data" XDG_CONFIG_HOME="$TMP/config" XDG_CACHE_HOME="$TMP/cache" \
       XDG_RUNTIME_DIR="$TMP/runtime" GSK_RENDERER=cairo NO_AT_BRIDGE=1 GSETTINGS_BACKEND=memory
xvfb-run -a -s "-screen 0 1600x1000x24" dbus-run-session -- \
  "$BUILD/bench/bench-console" "$DB" "${1:-7}" 2>&1 | grep -v -e dbus-daemon -e SpiRegistry
