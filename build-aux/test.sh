#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Installs what is missing, builds, and runs the whole test suite under Xvfb and a private D-Bus;
# then the core, billing, server, sync, fuzz-corpus and telemetry tests, and the console's
# sign-out with windows open, again in a build with
# AddressSanitizer and UndefinedBehaviorSanitizer (${BUILD}-asan; MT_NO_SANITIZE=1 skips it, and
# so does naming tests to run: ./build-aux/test.sh core server).
set -euo pipefail
source "$(dirname "$0")/build.sh"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
mkdir -p "$TMP"/{data,config,cache,runtime}
chmod 700 "$TMP/runtime"
export XDG_DATA_HOME="$TMP/data" XDG_CONFIG_HOME="$TMP/config" XDG_CACHE_HOME="$TMP/cache" \
       XDG_RUNTIME_DIR="$TMP/runtime" GSK_RENDERER=cairo NO_AT_BRIDGE=1
start=$SECONDS
# an unlocked keyring in the private session bus, for the console's server sessions
xvfb-run -a -s "-screen 0 1600x1000x24" dbus-run-session -- bash -c '
  printf mingtang-test | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1 || true
  exec meson test -C "$0" --print-errorlogs "$@"' "$BUILD" "$@"
echo "test.sh: the suite took $((SECONDS - start)) s" >&2

if [ $# -gt 0 ] || [ -n "${MT_NO_SANITIZE:-}" ]; then
  exit 0
fi
start=$SECONDS
ASAN_BUILD="$BUILD-asan"
if [ ! -f "$ASAN_BUILD/build.ninja" ]; then
  meson setup "$ASAN_BUILD" --prefix=/usr -Db_sanitize=address,undefined -Db_lundef=false >/dev/null
fi
# only what these tests run: the console is not part of this build
ninja -C "$ASAN_BUILD" tests/test-core tests/test-billing tests/test-server tests/test-sync tests/test-fuzz-http \
  tests/test-telemetry tests/test-app src/server/mingtang-server src/sim/mingtang-sim data/gschemas.compiled \
  po/zh_CN/LC_MESSAGES/mingtang.mo
# (leak stacks in full: add fast_unwind_on_malloc=0, at several times the cost)
export ASAN_OPTIONS=detect_leaks=1
export LSAN_OPTIONS="suppressions=$PWD/build-aux/lsan.supp"
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
xvfb-run -a -s "-screen 0 1600x1000x24" \
  meson test -C "$ASAN_BUILD" --no-rebuild --print-errorlogs core billing server sync fuzz-http telemetry app-lifetimes
echo "test.sh: the sanitizer run took $((SECONDS - start)) s" >&2
