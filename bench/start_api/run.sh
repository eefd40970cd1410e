#!/usr/bin/env bash
# start-api throughput: GET /forecast on `raincheck start-api`, keep-alive, 64 connections, wrk
# with 2 threads; then the same load on the original's per-request work in a minimal Flask app;
# prints both and the ratio. Also loads the layers one at a time (the gateway alone, the
# function in process, the emulator without records) and prints the CPU time each request
# costs, server and wrk, against what the target leaves per request; POST /predict of one row
# (the predict API, docs/import.md) is loaded the same way beside /forecast. Not a test.
#   bench/start_api/run.sh [SECONDS]     (default 10, per configuration)
# RAINCHECK_BUILD_DIR=DIR uses the binaries already built in DIR instead of building the
# release preset.
set -euo pipefail
cd "$(dirname "$0")/../.."
DURATION="${1:-10}"

# Bench-only Debian packages (scripts/bench-packages.txt).
scripts/install-packages.sh scripts/bench-packages.txt

BUILD="${RAINCHECK_BUILD_DIR:-}"
if [ -z "$BUILD" ]; then
  BUILD=build
  cmake --preset release >/dev/null
  cmake --build --preset release --target raincheck bootstrap >/dev/null   # and its model / gazetteer: scripts/setup.sh
fi
WORK="$(mktemp -d)"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT

TARGET_RPS=20000
TARGET_P99_MS=5
CORES=$(nproc)
TICKS=$(getconf CLK_TCK)

free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_for() { for _ in $(seq 1 300); do curl -fs -o /dev/null "$1" && return 0; sleep 0.1; done; echo "no answer from $1" >&2; return 1; }
# CPU ticks (user + system) used so far by a process and its children (the function instances).
cpu_ticks() {
  local total=0 p f
  for p in "$1" $(pgrep -P "$1" || true); do
    read -r -a f < "/proc/$p/stat" || continue
    total=$((total + f[13] + f[14]))
  done
  echo "$total"
}
# load NAME URL PID: warm-up, then a measured wrk run; writes NAME.wrk, NAME.wrkcpu (wrk's user
# and system seconds), NAME.cpu (server CPU microseconds per request). With WRK_SCRIPT set,
# wrk runs that script (the POST of /predict).
load() {
  local name=$1 url=$2 pid=$3 before after requests
  local script=()
  [ -n "${WRK_SCRIPT:-}" ] && script=(-s "$WRK_SCRIPT")
  wrk -t2 -c64 -d2s "${script[@]}" "$url" >/dev/null    # warm-up
  before=$(cpu_ticks "$pid")
  { TIMEFORMAT='%U %S'; time wrk -t2 -c64 -d"${DURATION}s" "${script[@]}" --latency "$url" >"$WORK/$name.wrk"; } 2>"$WORK/$name.wrkcpu"
  after=$(cpu_ticks "$pid")
  requests=$(awk '/requests in/ {print $1}' "$WORK/$name.wrk")
  echo $(( (after - before) * 1000000 / TICKS / requests )) >"$WORK/$name.cpu"
}
# summary NAME -> "req/s p50 p99 non-2xx server_us wrk_us" (latencies in ms, CPU per request).
summary() {
  awk -v cpu="$(cat "$WORK/$1.cpu" 2>/dev/null || echo -)" -v wrkcpu="$(cat "$WORK/$1.wrkcpu")" '
       /Requests\/sec/ {rps=$2}
       /requests in/ {n=$1}
       function ms(v) { if (v ~ /us$/) return v/1000; if (v ~ /ms$/) return v+0; if (v ~ /s$/) return v*1000; return v }
       $1=="50%" {p50=ms($2)} $1=="99%" {p99=ms($2)}
       /Non-2xx/ {bad=$4}
       END {split(wrkcpu, w, " "); printf "%s %.3f %.3f %s %s %.0f\n", rps, p50, p99, (bad==""?0:bad), cpu, (w[1]+w[2])*1e6/n}' "$WORK/$1.wrk"
}

# Upstreams stubbed: Open-Meteo on loopback (the browser test's stand-in); records in $WORK.
node -e "import('$PWD/tests/browser/fake_openmeteo.mjs').then(async (m) => {
  const f = await m.startFakeOpenMeteo(); require('fs').writeFileSync('$WORK/weather-url', f.url); })" &
pids+=($!)
for _ in $(seq 1 100); do [ -s "$WORK/weather-url" ] && break; sleep 0.1; done

# api NAME PATH RECORDS [start-api options...]: one start-api, loaded, then stopped.
api() {
  local name=$1 path=$2 records=$3 port pid
  shift 3
  port=$(free_port)
  "$BUILD/bin/raincheck" start-api --port "$port" --log-level error \
    --env "RAINCHECK_OPENMETEO_URL=$(cat "$WORK/weather-url")" \
    --env "RAINCHECK_RECORDS=$records" --env "RAINCHECK_SPOOL=$WORK/spool-$name" "$@" \
    >"$WORK/$name.out" 2>"$WORK/$name.err" &
  pid=$!
  pids+=("$pid")
  wait_for "http://127.0.0.1:$port/health"
  load "$name" "http://127.0.0.1:$port$path" "$pid"
  kill "$pid"
  wait "$pid" || true
}

FORECAST='/forecast?city=Cape+Town&format=json'
# The target's configuration: the default mode (bootstrap instances under the emulator) with
# records written to a directory.
api api "$FORECAST" "dir:$WORK/records"
cat "$WORK/api.wrk"
# The layers under it.
api health /health off
api inprocess "$FORECAST" off --in-process
api emulator "$FORECAST" off
# The predict API: one row, in process and under the emulator.
WRK_SCRIPT=bench/start_api/predict_one_row.lua api predict-inprocess /predict off --in-process
WRK_SCRIPT=bench/start_api/predict_one_row.lua api predict-emulator /predict off

# The original's per-request work in Flask
FPORT=$(free_port)
/usr/bin/python3 bench/start_api/original_flask.py "$FPORT" data/capetown/capetown_darksky_daily.csv \
  >"$WORK/flask.out" 2>&1 &
pids+=($!)
FURL="http://127.0.0.1:$FPORT/forecast?city=Cape+Town"
wait_for "$FURL"
wrk -t2 -c64 -d2s "$FURL" >/dev/null
{ TIMEFORMAT='%U %S'; time wrk -t2 -c64 -d"${DURATION}s" --latency "$FURL" >"$WORK/flask.wrk"; } 2>"$WORK/flask.wrkcpu"
cat "$WORK/flask.wrk"

read -r API_RPS API_P50 API_P99 API_BAD _ _ < <(summary api)
read -r FL_RPS FL_P50 FL_P99 FL_BAD _ _ < <(summary flask)
echo
echo "== start-api benchmark ($CORES cores, wrk -t2 -c64 -d${DURATION}s, keep-alive, load average $(cut -d' ' -f1-3 /proc/loadavg))"
printf "%-34s %12s %10s %10s %8s\n" "server" "req/s" "p50 ms" "p99 ms" "non-2xx"
printf "%-34s %12s %10s %10s %8s\n" "raincheck start-api /forecast" "$API_RPS" "$API_P50" "$API_P99" "$API_BAD"
printf "%-34s %12s %10s %10s %8s\n" "Flask + scikit-learn (original)" "$FL_RPS" "$FL_P50" "$FL_P99" "$FL_BAD"
awk -v a="$API_RPS" -v f="$FL_RPS" 'BEGIN { printf "throughput ratio: %.0fx\n", a / f }'
awk -v r="$API_RPS" -v p="$API_P99" -v tr="$TARGET_RPS" -v tp="$TARGET_P99_MS" \
  'BEGIN { printf "target >= %d req/s and p99 <= %d ms: %s\n", tr, tp, (r >= tr && p <= tp) ? "met" : "NOT met" }'

echo
echo "== CPU time per request (start-api and its instances; wrk), same load"
printf "%-44s %10s %10s %10s %10s\n" "configuration" "req/s" "p99 ms" "server us" "wrk us"
row() {
  local rps p50 p99 bad server wrkus
  read -r rps p50 p99 bad server wrkus < <(summary "$1")
  printf "%-44s %10s %10s %10s %10s\n" "$2" "$rps" "$p99" "$server" "$wrkus"
}
row health "/health (the gateway alone)"
row inprocess "/forecast, function in process, no records"
row emulator "/forecast, emulator, no records"
row api "/forecast, emulator, records (the target's)"
row predict-inprocess "POST /predict 1 row, function in process"
row predict-emulator "POST /predict 1 row, emulator"
awk -v c="$CORES" -v tr="$TARGET_RPS" 'BEGIN {
  printf "at %d req/s, %d cores leave %.0f us of CPU per request, server and wrk together\n", tr, c, c * 1e6 / tr }'
