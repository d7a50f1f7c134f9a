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
  imagemagick desktop-file-utils appstream fonts-noto-cjk locales poppler-utils openssl
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi

if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# The console's primary language: the Chinese locale must exist for LANG=zh_CN.UTF-8
if ! locale -a 2>/dev/null | grep -qi '^zh_CN\.utf-\?8$'; then
  echo "setup: generating the zh_CN.UTF-8 locale" >&2
  $SUDO localedef -i zh_CN -f UTF-8 zh_CN.UTF-8
fi
