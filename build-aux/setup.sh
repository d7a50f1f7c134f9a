#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Installs every Debian package that building, testing and running the demo of Mingtang needs.
# Idempotent: packages already installed are skipped, and nothing is done when all are there.
set -euo pipefail

PACKAGES=(
  # build
  build-essential meson ninja-build pkg-config gettext libglib2.0-dev-bin
  libgtk-4-dev libadwaita-1-dev libshumate-dev libsoup-3.0-dev libjson-glib-dev
  libsecret-1-dev libsqlite3-dev libpaho-mqtt-dev libsodium-dev libxlsxwriter-dev
  libqrencode-dev
  # run and test
  sqlite3 mosquitto mosquitto-clients xvfb xauth dbus dbus-x11 gnome-keyring
  imagemagick desktop-file-utils appstream fonts-noto-cjk
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "setup: installing ${missing[*]}" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
