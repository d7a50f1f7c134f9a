#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Installs what is missing, builds, and runs the whole test suite under Xvfb and a private D-Bus.
set -euo pipefail
source "$(dirname "$0")/build.sh"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
mkdir -p "$TMP"/{data,config,cache,runtime}
chmod 700 "$TMP/runtime"
export XDG_DATA_HOME="$TMP/data" XDG_CONFIG_HOME="$TMP/config" XDG_CACHE_HOME="$TMP/cache" \
       XDG_RUNTIME_DIR="$TMP/runtime" GSK_RENDERER=cairo NO_AT_BRIDGE=1
# an unlocked keyring in the private session bus, for the console's server sessions
xvfb-run -a -s "-screen 0 1600x1000x24" dbus-run-session -- bash -c '
  printf mingtang-test | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1 || true
  exec meson test -C "$0" --print-errorlogs "$@"' "$BUILD" "$@"
