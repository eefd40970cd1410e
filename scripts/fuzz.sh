#!/usr/bin/env bash
# Fuzzes the parsers of outside input for longer than the test suite does (docs/fuzzing.md).
#   scripts/fuzz.sh (--minutes N | --runs N) [--jobs J] [TARGET...]
# Configures and builds the `fuzz` preset (clang, libFuzzer, ASan + UBSan) into build-fuzz/,
# then runs each target (all of fuzz/ by default; names as in fuzz/corpus/: csv, event, ...) for
# N minutes, or until it has run N inputs (--runs; --minutes then caps the time a target may
# take), J targets at a time (default 1), one core each. Each keeps its corpus in
# $RAINCHECK_FUZZ_DIR/<target>/corpus (default build-fuzz/long; it grows from run to run, seeded
# from fuzz/corpus/<target>, which is only read) and any crash, leak, timeout or out-of-memory
# input as $RAINCHECK_FUZZ_DIR/<target>/crash-* (leak-*, timeout-*, oom-*). Prints the executions
# per target; exits 1 when an input failed. A failing input becomes a corpus entry and a
# regression test as docs/fuzzing.md says.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() { echo "usage: scripts/fuzz.sh (--minutes N | --runs N) [--jobs J] [TARGET...]" >&2; exit 2; }
minutes=""
runs=""
jobs=1
targets=()
while (($#)); do
  case "$1" in
    --minutes) [ $# -ge 2 ] || usage; minutes="$2"; shift 2 ;;
    --minutes=*) minutes="${1#--minutes=}"; shift ;;
    --runs) [ $# -ge 2 ] || usage; runs="$2"; shift 2 ;;
    --runs=*) runs="${1#--runs=}"; shift ;;
    --jobs) [ $# -ge 2 ] || usage; jobs="$2"; shift 2 ;;
    --jobs=*) jobs="${1#--jobs=}"; shift ;;
    -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) usage ;;
    *) targets+=("$1"); shift ;;
  esac
done
positive() { [[ "$1" =~ ^[0-9]+$ ]] && [ "$1" -gt 0 ]; }
[ -n "$minutes$runs" ] || usage
[ -z "$minutes" ] || positive "$minutes" || usage
[ -z "$runs" ] || positive "$runs" || usage
positive "$jobs" || usage
if ((${#targets[@]} == 0)); then
  for d in fuzz/corpus/*/; do targets+=("$(basename "$d")"); done
fi
for t in "${targets[@]}"; do
  [ -f "fuzz/${t}_fuzz.cc" ] || { echo "fuzz.sh: no target '$t' (fuzz/${t}_fuzz.cc)" >&2; exit 2; }
done

cmake --preset fuzz >/dev/null
build_targets=()
for t in "${targets[@]}"; do build_targets+=("${t}_fuzz"); done
nice cmake --build --preset fuzz --target "${build_targets[@]}"

out="${RAINCHECK_FUZZ_DIR:-build-fuzz/long}"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
limits=()
[ -z "$minutes" ] || limits+=(-max_total_time=$((minutes * 60)))
[ -z "$runs" ] || limits+=(-runs="$runs")
budget="${minutes:+$minutes min}${minutes:+${runs:+, }}${runs:+$runs runs}"

# Runs one target and writes its summary line to $out/<target>/summary; returns its exit code.
fuzz_one() {
  local t="$1" dir="$out/$1" rc=0 execs rate entries line
  mkdir -p "$dir/corpus"
  rm -f "$dir/summary"
  echo "== $t: $budget (corpus $dir/corpus; load $(cut -d' ' -f1-3 /proc/loadavg))" >&2
  # The first corpus directory receives new inputs; the seeds are only read.
  nice build-fuzz/fuzz/"${t}_fuzz" "${limits[@]}" -print_final_stats=1 -timeout=10 \
    -rss_limit_mb=2048 -artifact_prefix="$dir/" "$dir/corpus" "fuzz/corpus/$t" \
    >"$dir/fuzz.log" 2>&1 || rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/fuzz.log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$dir/fuzz.log" | tail -1)
  entries=$(find "$dir/corpus" -type f | wc -l)
  line="$t: ${execs:-?} executions (${rate:-?}/s), corpus $entries files"
  if [ "$rc" -ne 0 ]; then
    line="$line, FAILED (exit $rc): $(ls "$dir" | grep -E '^(crash|leak|timeout|oom|slow-unit)-' | tr '\n' ' ')"
    tail -n 40 "$dir/fuzz.log" >&2
  fi
  echo "$line"
  echo "$line" >"$dir/summary"
  return "$rc"
}

started=0
for t in "${targets[@]}"; do
  if ((started >= jobs)); then wait -n || true; fi
  fuzz_one "$t" &
  started=$((started + 1))
done
wait || true

echo "== summary ($(date -u +%Y-%m-%dT%H:%MZ), $budget per target, $jobs at a time)"
failed=()
for t in "${targets[@]}"; do
  if [ -f "$out/$t/summary" ]; then
    cat "$out/$t/summary"
    if grep -q "FAILED" "$out/$t/summary"; then failed+=("$t"); fi
  else
    echo "$t: no summary (see $out/$t/fuzz.log)"
    failed+=("$t")
  fi
done
if ((${#failed[@]})); then
  echo "failing inputs in $out/<target>/: ${failed[*]} (see docs/fuzzing.md)" >&2
  exit 1
fi
