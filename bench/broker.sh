# SPDX-License-Identifier: GPL-3.0-or-later
# Sourced by the telemetry benchmarks: a private mosquitto configuration in $work with the
# shipped template and ACL, the accounts mingtang-server (server-pw) and mingtang-sim (sim-pw),
# on the first free loopback port from $1 (the device listener on the next free one). Sets $port.
bench_broker_conf () {
  port=$1
  while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done
  device_port=$((port + 1))
  while (exec 3<>"/dev/tcp/127.0.0.1/$device_port") 2>/dev/null; do device_port=$((device_port + 1)); done
  printf 'mingtang-server:server-pw\nmingtang-sim:sim-pw\n' > "$work/services"
  bash build-aux/broker.sh "$work" "$port" "$device_port"
}
