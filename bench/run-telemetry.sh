#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The telemetry figures of issue 5, in one run on one machine, against the 100,000-device
# database (bench/run.sh makes it; or BENCH_DB=…):
#
#   bench/run-telemetry.sh [MESSAGES] [SECONDS]
#
# 1. raw: mosquitto_sub receiving a bounded firehose of MESSAGES telemetry messages (200,000)
#    that mingtang-sim publishes as fast as it can, for the fleet's devices;
# 2. ingest: mingtang-server ingesting the same firehose into a copy of the database while the
#    simulator publishes it (both timed from their first message): messages stored per second,
#    its CPU, what was dropped, and the share of the simulator's pace it kept;
#    2b. the server's own capacity: the firehose queued in the broker while the server is stopped,
#    then ingested with the cores to itself;
# 3. latency: the 100,000 devices reporting every 30 s for SECONDS (120): publish-to-database
#    p50/p99 as the server measures it (device clock at publishing to the batch's commit), over
#    its last 100,000 messages (the last 30 s). BENCH_TRACE=1 prints the figures as they go
#    (every BENCH_TRACE_EVERY seconds, 10); BENCH_PERF=FILE records the server in 2b with perf.
set -eo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-_build}
N=${1:-200000}
SECONDS_STEADY=${2:-120}
DB=${BENCH_DB:-bench/out/bench-100k.db}
PARTS=${PARTS:-123}   # which of the three parts to run
[ -f "$DB" ] || { echo "no $DB: run bench/run.sh first (or set BENCH_DB)" >&2; exit 1; }
ninja -C "$BUILD" >/dev/null

work=$(mktemp -d "${TMPDIR:-/tmp}/mt-bench-telemetry.XXXXXX")
pids=()
cleanup () { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

source bench/broker.sh
bench_broker_conf 19883
echo "max_queued_messages 0" >> "$work/mosquitto.conf"   # part 2b queues the whole firehose
restart_broker () {
  [ -n "${broker:-}" ] && { kill "$broker"; wait "$broker" 2>/dev/null || true; }
  mosquitto -c "$work/mosquitto.conf" >>"$work/mosquitto.log" 2>&1 &
  broker=$!
  pids+=($broker)
  for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
}
restart_broker
uri="tcp://127.0.0.1:$port"
now () { date +%s.%N; }
cpu_ticks () { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
tck=$(getconf CLK_TCK)

# four gateway connections: one paho client sends about 8,000 messages a second
sim () {
  MINGTANG_SIM_PASSWORD=sim-pw "$BUILD/src/sim/mingtang-sim" --broker "$uri" --username mingtang-sim \
    --database "$DB" --limit 100000 --connections 4 "$@"
}

start_server () {
  MINGTANG_BROKER_PASSWORD=server-pw "$BUILD/src/server/mingtang-server" --database "$work/ingest.db" \
    --listen 127.0.0.1:0 --log-level quiet --broker "$uri" --broker-user mingtang-server >"$work/server.out" 2>&1 &
  server=$!
  pids+=($server)
  for _ in $(seq 100); do grep -q "^listening on" "$work/server.out" 2>/dev/null && break; sleep 0.1; done
  url=$(sed -n 's/^listening on //p' "$work/server.out")
  token=$(curl -s -X POST -d '{"username":"admin","password":"mingtang2026"}' "${url}api/v1/session" |
          sed -n 's/.*"token" *: *"\([^"]*\)".*/\1/p')
  sleep 1   # subscribed
}
stop_server () { kill "$server"; for _ in $(seq 100); do kill -0 "$server" 2>/dev/null || break; sleep 0.1; done
                kill -9 "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; }
stat () { curl -s --max-time 60 -H "Authorization: Bearer $token" "${url}api/v1/telemetry/stats"; }
field () { stat | sed -n "s/.*\"$1\" *: *\([0-9.]*\).*/\1/p"; }

if [[ $PARTS == *1* ]]; then
echo "== 1. raw receive rate: mosquitto_sub, $N messages"
mosquitto_sub -h 127.0.0.1 -p "$port" -u mingtang-server -P server-pw -t 'mt/v1/dev/+/telemetry' -F '%U' \
  >"$work/raw.txt" &
sub=$!
sleep 0.5
sim --count "$N" >"$work/sim1.log" 2>&1
sleep 2
kill "$sub"
got=$(wc -l < "$work/raw.txt")
span=$(echo "$(tail -n 1 "$work/raw.txt") - $(head -n 1 "$work/raw.txt")" | bc -l)
raw=$(echo "$got / $span" | bc -l)
printf "raw: %d of %d messages received in %.2f s = %.0f msg/s  (%s)\n" "$got" "$N" "$span" "$raw" \
  "$(tail -n 1 "$work/sim1.log")"

fi
if [[ $PARTS == *2* ]]; then
echo "== 2. server ingest of the same firehose"
cp "$DB" "$work/ingest.db"
restart_broker   # without the retained statuses of the first part
start_server
sim --count "$N" >"$work/sim2.log" 2>&1 &
simpid=$!
# timed from the first stored message: the simulator first loads the fleet and every battery
# announces itself online (the server answers those with the power policy's commands)
last=-1; same=0; s0=; t0=; t1=
while :; do
  stored=$(field stored); stored=${stored:-0}
  if [ -z "$s0" ] && [ "$stored" -gt 0 ]; then s0=$stored; t0=$(now); c0=$(cpu_ticks "$server"); fi
  [ "$stored" != "$last" ] && { t1=$(now); c1=$(cpu_ticks "$server"); same=0; } || same=$((same + 1))
  [ "$stored" -ge "$N" ] && break
  [ $same -ge 40 ] && break   # nothing new for 10 s
  last=$stored; [ -n "${BENCH_TRACE:-}" ] && echo "  $(now) stored=$stored" >&2
  sleep 0.25
done
wait "$simpid" || true
elapsed=$(echo "$t1 - $t0" | bc -l)
rate=$(echo "($stored - $s0) / $elapsed" | bc -l)
printf "ingest: %d of %d stored, %d of them in %.2f s = %.0f msg/s, server CPU %.0f%% of a core, ratio to raw %.2f\n" \
  "$stored" "$N" "$((stored - s0))" "$elapsed" "$rate" "$(echo "($c1 - $c0) / $tck / $elapsed * 100" | bc -l)" \
  "$(echo "$rate / ${raw:-$rate}" | bc -l)"
echo "stats: $(stat)"
echo "simulator: $(tail -n 1 "$work/sim2.log")"
# the simulator shares the two cores with the server here: its own rate in this run is the stream's
pub=$(sed -n 's/.*published \([0-9]*\) telemetry messages in \([0-9.]*\) s.*/\1 \/ \2/p' "$work/sim2.log" | bc -l)
printf "published in this run at %.0f msg/s: ingest kept %.2f of that pace\n" "$pub" "$(echo "$rate / $pub" | bc -l)"
echo "broker warnings about dropped messages: $(grep -c 'dropped' "$work/mosquitto.log" || true)"
stop_server

echo "== 2b. the server's own capacity: the same firehose queued in the broker while the server is"
echo "   stopped (SIGSTOP), then ingested alone; two cores do not hold simulator, broker and server at full speed"
cp "$DB" "$work/ingest.db"
rm -f "$work/ingest.db-wal" "$work/ingest.db-shm"
restart_broker
start_server
kill -STOP "$server"
sim --count "$N" >"$work/sim2b.log" 2>&1
s0=$(echo 0); t0=$(now); c0=$(cpu_ticks "$server")
kill -CONT "$server"
[ -n "${BENCH_PERF:-}" ] && { perf record -g -o "$BENCH_PERF" -p "$server" -- sleep 6 >/dev/null 2>&1 & }
last=-1; same=0; t1=$t0
while :; do
  stored=$(field stored); stored=${stored:-0}
  [ "$stored" != "$last" ] && { t1=$(now); c1=$(cpu_ticks "$server"); same=0; } || same=$((same + 1))
  [ "$stored" -ge "$N" ] && break
  [ $same -ge 40 ] && break
  last=$stored
  sleep 0.1
done
elapsed=$(echo "$t1 - $t0" | bc -l)
rate=$(echo "$stored / $elapsed" | bc -l)
printf "queued ingest: %d of %d stored in %.2f s = %.0f msg/s, server CPU %.0f%% of a core, ratio to raw %.2f\n" \
  "$stored" "$N" "$elapsed" "$rate" "$(echo "($c1 - $c0) / $tck / $elapsed * 100" | bc -l)" \
  "$(echo "$rate / ${raw:-$rate}" | bc -l)"
echo "stats: $(stat)"
echo "broker warnings about dropped messages: $(grep -c 'dropped' "$work/mosquitto.log" || true)"
stop_server
fi

[[ $PARTS == *3* ]] || exit 0
echo "== 3. 100,000 devices every 30 s for $SECONDS_STEADY s: publish-to-database latency"
restart_broker
cp "$DB" "$work/ingest.db"
rm -f "$work/ingest.db-wal" "$work/ingest.db-shm"
start_server
echo "server $server at $url: $(stat | head -c 120)"
c0=$(cpu_ticks "$server")
sim --interval 30 --duration "$SECONDS_STEADY" >"$work/sim3.log" 2>&1 &
simpid=$!
while kill -0 "$simpid" 2>/dev/null; do
  sleep ${BENCH_TRACE_EVERY:-10}
  [ -n "${BENCH_TRACE:-}" ] && echo "  $(date +%T) $(stat | grep -o '"stored":[0-9]*\|"latency_ms":{[^}]*}' | tr '\n' ' ')" >&2
done
wait "$simpid" || true
c1=$(cpu_ticks "$server")
sleep 1
echo "stats: $(stat)"
printf "server CPU %.0f%% of a core at %s\n" "$(echo "($c1 - $c0) / $tck / $SECONDS_STEADY * 100" | bc -l)" \
  "$(tail -n 1 "$work/sim3.log")"
