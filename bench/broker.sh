# SPDX-License-Identifier: GPL-3.0-or-later
# Sourced by the telemetry benchmarks: a private mosquitto configuration in $work with the
# shipped template and ACL, the accounts mingtang-server (server-pw) and mingtang-sim (sim-pw),
# on the first free loopback port from $1. Sets $port.
bench_broker_conf () {
  port=$1
  while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done
  touch "$work/passwd"
  mosquitto_passwd -b "$work/passwd" mingtang-server server-pw
  mosquitto_passwd -b "$work/passwd" mingtang-sim sim-pw
  sed -e "s|@PASSWORD_FILE@|$work/passwd|" -e "s|@ACL_FILE@|$PWD/data/mosquitto/acl|" -e "s|@PORT@|$port|" \
    data/mosquitto/mosquitto.conf.in > "$work/mosquitto.conf"
  echo "user $(id -un)" >> "$work/mosquitto.conf"   # as root, mosquitto would drop to "mosquitto"
}
