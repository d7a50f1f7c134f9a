#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Installs what is missing, builds, and runs the console on its embedded demo database
# (created with a demo fleet on first start). Extra arguments go to mingtang.
set -euo pipefail
source "$(dirname "$0")/build.sh"
export GSETTINGS_SCHEMA_DIR="$PWD/$BUILD/data" MINGTANG_LOCALEDIR="$PWD/$BUILD/po"
exec "$BUILD/src/app/mingtang" "$@"
