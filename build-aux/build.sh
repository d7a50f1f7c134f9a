#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Sourced by run.sh and test.sh: installs what is missing and builds into $BUILD.
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash build-aux/setup.sh
BUILD=${BUILD:-_build}
if [ ! -f "$BUILD/build.ninja" ]; then
  meson setup "$BUILD" --prefix=/usr
fi
ninja -C "$BUILD"
