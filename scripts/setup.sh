#!/usr/bin/env bash
# Installs the Debian packages raincheck needs (idempotent; as root or through sudo) and builds
# the release into build/ (build/bin/raincheck, build/bin/bootstrap).
#   scripts/setup.sh              install + build
#   scripts/setup.sh --deps-only  install only
set -euo pipefail
cd "$(dirname "$0")/.."

mapfile -t wanted < <(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' scripts/debian-packages.txt | tr -d ' ')
missing=()
for p in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}" >&2
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
[ "${1:-}" = "--deps-only" ] && exit 0

cmake --preset release >/dev/null
cmake --build --preset release
