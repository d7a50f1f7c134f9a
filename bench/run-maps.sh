#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The maps' benchmark (issue 6), under Xvfb: the location monitor over the 100,000-device
# database (bench/run.sh makes it), and tracks from a database of 10,000,000 points, made here
# once (bench/out/bench-tracks.db, about a minute):
#
#   bench/run-maps.sh [SECONDS]      BENCH_DB=…  BENCH_TRACKS_DB=…
#
# BENCH_TRACE=1 names each frame over 50 ms; BENCH_NO_DEVICES=1 pans the map without the devices
# (what libshumate itself costs).
set -eo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-_build}
DB=${BENCH_DB:-bench/out/bench-100k.db}
TRACKS=${BENCH_TRACKS_DB:-bench/out/bench-tracks.db}
[ -f "$DB" ] || { echo "no $DB: run bench/run.sh first (or set BENCH_DB)" >&2; exit 1; }
ninja -C "$BUILD" >/dev/null
[ -f "$TRACKS" ] || "$BUILD/bench/bench-maps" --make-tracks "$TRACKS"

work=$(mktemp -d "${TMPDIR:-/tmp}/mt-bench-maps.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work"/{data,config,cache,runtime}
chmod 700 "$work/runtime"
export XDG_DATA_HOME="$work/data" XDG_CONFIG_HOME="$work/config" XDG_CACHE_HOME="$work/cache" \
       XDG_RUNTIME_DIR="$work/runtime" GSK_RENDERER=cairo NO_AT_BRIDGE=1 GSETTINGS_BACKEND=memory \
       GSETTINGS_SCHEMA_DIR="$PWD/$BUILD/data"
xvfb-run -a -s "-screen 0 1600x1000x24" dbus-run-session -- \
  "$BUILD/bench/bench-maps" "$DB" "$TRACKS" "${1:-20}" 2>&1 | grep -v -e dbus-daemon -e SpiRegistry
