#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Writes a Mingtang broker configuration into DIR from data/mosquitto/mosquitto.conf.in:
#
#   build-aux/broker.sh DIR PORT DEVICE_PORT [ADDRESS]
#
# DIR/services holds the service accounts (the server, consoles, gateways) and DIR/devices the
# batteries' (device number as user name), each line "name:password" or a line of a
# mosquitto_passwd file; both are turned into hashed password files (DIR/passwd,
# DIR/device-passwd). The devices' file is what `mingtang-server broker-passwords` writes from
# the credentials the server issued (docs/protocol.md). DIR/acl is the shipped ACL plus
# DIR/acl.extra, if there is one. Then: mosquitto -c DIR/mosquitto.conf
set -euo pipefail
dir=${1:?DIR}
port=${2:?PORT}
device_port=${3:?DEVICE_PORT}
address=${4:-127.0.0.1}
root=$(cd "$(dirname "$0")/.." && pwd)

hashed () {   # $1: accounts, $2: the password file written from them
  : > "$2"
  chmod 600 "$2"
  if [ -s "$1" ]; then
    cat "$1" > "$2"
    # plain "name:password" lines are hashed; lines already hashed ($7$…) are kept
    if grep -qv ':\$7\$' "$2"; then
      mosquitto_passwd -U "$2"
    fi
  fi
}
touch "$dir/services" "$dir/devices"
hashed "$dir/services" "$dir/passwd"
hashed "$dir/devices" "$dir/device-passwd"
cat "$root/data/mosquitto/acl" > "$dir/acl"
if [ -f "$dir/acl.extra" ]; then
  cat "$dir/acl.extra" >> "$dir/acl"
fi
sed -e "s|@PASSWORD_FILE@|$dir/passwd|" -e "s|@DEVICE_PASSWORD_FILE@|$dir/device-passwd|" \
    -e "s|@ACL_FILE@|$dir/acl|" -e "s|@PORT@|$port|" -e "s|@DEVICE_PORT@|$device_port|" \
    -e "s|@ADDRESS@|$address|" "$root/data/mosquitto/mosquitto.conf.in" > "$dir/mosquitto.conf"
# started as root, mosquitto would switch to the user "mosquitto", who may not read DIR
if [ "$(id -u)" -eq 0 ]; then
  echo "user $(id -un)" >> "$dir/mosquitto.conf"
fi
