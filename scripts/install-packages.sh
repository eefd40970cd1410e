#!/usr/bin/env bash
# Installs the Debian packages of a list file (one name per line, '#' comments) that are not
# installed yet; idempotent, as root or through sudo.
#   scripts/install-packages.sh scripts/debian-packages.txt
#   scripts/install-packages.sh scripts/bench-packages.txt
set -euo pipefail
list="${1:?usage: scripts/install-packages.sh LIST_FILE}"
mapfile -t wanted < <(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$list" | tr -d ' ')
missing=()
for p in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "install-packages: installing ${missing[*]}" >&2
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
