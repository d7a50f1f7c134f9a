#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Installs what is missing, builds, and runs the console on its embedded demo database
# (created with a demo fleet on first start) with a live fleet: a private mosquitto (the shipped
# configuration and ACL, on a loopback port, with passwords made for this run) and mingtang-sim
# publishing the demo batteries. Extra arguments go to mingtang; MINGTANG_NO_BROKER=1 skips the
# broker and the simulator.
set -euo pipefail
source "$(dirname "$0")/build.sh"
export GSETTINGS_SCHEMA_DIR="$PWD/$BUILD/data" MINGTANG_LOCALEDIR="$PWD/$BUILD/po"

database="${XDG_DATA_HOME:-$HOME/.local/share}/mingtang/mingtang.db"
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  case "${args[$i]}" in
    -d|--database) database="${args[$((i + 1))]:-$database}" ;;
    --database=*) database="${args[$i]#--database=}" ;;
  esac
done

if [ -n "${MINGTANG_NO_BROKER:-}" ] || ! command -v mosquitto >/dev/null; then
  exec "$BUILD/src/app/mingtang" "$@"
fi

# the demo fleet first, so that the simulator has batteries to play
if [ ! -f "$database" ]; then
  mkdir -p "$(dirname "$database")"
  "$BUILD/src/tools/mingtang-demo" "$database" >/dev/null
fi

run=$(mktemp -d "${TMPDIR:-/tmp}/mingtang-run.XXXXXX")
pids=()
cleanup () {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$run"
}
trap cleanup EXIT

free_port () {
  local p=$1
  while (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; do p=$((p + 1)); done
  echo "$p"
}
port=$(free_port 18883)
device_port=$(free_port $((port + 1)))
secret () { head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n'; }
console_password=$(secret)
sim_password=$(secret)
# the console ingests as the server would; the simulator is a gateway for the whole fleet
printf 'mingtang-server:%s\nmingtang-sim:%s\n' "$console_password" "$sim_password" > "$run/services"
chmod 600 "$run/services"
bash build-aux/broker.sh "$run" "$port" "$device_port"
mosquitto -c "$run/mosquitto.conf" 2>"$run/mosquitto.log" &
pids+=($!)
for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done

MINGTANG_SIM_PASSWORD="$sim_password" "$BUILD/src/sim/mingtang-sim" --broker "tcp://127.0.0.1:$port" \
  --username mingtang-sim --database "$database" --interval 10 >"$run/sim.log" 2>&1 &
pids+=($!)

echo "live fleet: broker tcp://127.0.0.1:$port, simulator on $database" >&2
MINGTANG_BROKER="tcp://127.0.0.1:$port" MINGTANG_BROKER_USER=mingtang-server \
MINGTANG_BROKER_PASSWORD="$console_password" "$BUILD/src/app/mingtang" "$@"
