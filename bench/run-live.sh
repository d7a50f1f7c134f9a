#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The console's frame times while the fleet reports (issue 5): the device list of the
# 100,000-device database scrolls on its own under Xvfb, first quiet, then while mingtang-sim
# makes DEVICES batteries (10,000) report every INTERVAL seconds (1) into the console's embedded
# link, through a private mosquitto:
#
#   bench/run-live.sh [SECONDS]      BENCH_LIVE_DEVICES=…  BENCH_LIVE_INTERVAL=…  BENCH_DB=…
set -eo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-_build}
DB=${BENCH_DB:-bench/out/bench-100k.db}
[ -f "$DB" ] || { echo "no $DB: run bench/run.sh first (or set BENCH_DB)" >&2; exit 1; }
ninja -C "$BUILD" >/dev/null

work=$(mktemp -d "${TMPDIR:-/tmp}/mt-bench-live.XXXXXX")
broker=
cleanup () { [ -n "$broker" ] && kill "$broker" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

source bench/broker.sh
bench_broker_conf 19983
mosquitto -c "$work/mosquitto.conf" >"$work/mosquitto.log" 2>&1 &
broker=$!
for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done

# the console writes telemetry into its database: a copy
cp "$DB" "$work/live.db"
mkdir -p "$work"/{data,config,cache,runtime}
chmod 700 "$work/runtime"
export XDG_DATA_HOME="$work/data" XDG_CONFIG_HOME="$work/config" XDG_CACHE_HOME="$work/cache" \
       XDG_RUNTIME_DIR="$work/runtime" GSK_RENDERER=cairo NO_AT_BRIDGE=1 GSETTINGS_BACKEND=memory \
       GSETTINGS_SCHEMA_DIR="$PWD/$BUILD/data" MINGTANG_BROKER_USER=mingtang-server \
       MINGTANG_BROKER_PASSWORD=server-pw MINGTANG_SIM_PASSWORD=sim-pw MINGTANG_SIM="$PWD/$BUILD/src/sim/mingtang-sim"
xvfb-run -a -s "-screen 0 1600x1000x24" dbus-run-session -- \
  "$BUILD/bench/bench-live" "$work/live.db" "tcp://127.0.0.1:$port" "${1:-20}" 2>&1 |
  grep -v -e dbus-daemon -e SpiRegistry
