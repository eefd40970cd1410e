#!/usr/bin/env bash
# Builds the release and the sanitizer (ASan + UBSan) builds and runs every test on both, then
# builds the fuzz targets with clang and libFuzzer (the fuzz preset, ASan + UBSan) and runs each
# for RAINCHECK_FUZZ_SECONDS on its seed corpus (docs/fuzzing.md).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --deps-only
for preset in release dev fuzz; do
  echo "== $preset: build" >&2
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset"
  echo "== $preset: test" >&2
  ctest --preset "$preset"
done
echo "== clang-tidy: the .cc files this change touches (docs/lint.md)" >&2
scripts/tidy.sh -p build
