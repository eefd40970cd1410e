#!/usr/bin/env bash
# start-api throughput: GET /forecast on `raincheck start-api`, keep-alive, 64 connections, wrk
# with 2 threads; then the same load on the original's per-request work in a minimal Flask app;
# prints both and the ratio. Not a test.
#   bench/start_api/run.sh [SECONDS]     (default 10)
set -euo pipefail
cd "$(dirname "$0")/../.."
DURATION="${1:-10}"

# Bench-only Debian packages (scripts/bench-packages.txt).
scripts/install-packages.sh scripts/bench-packages.txt

cmake --preset release >/dev/null
cmake --build --preset release --target raincheck >/dev/null   # and its model / gazetteer: scripts/setup.sh
SHARED="$(cd .. && pwd)/shared"
WORK="$(mktemp -d)"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT

free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_for() { for _ in $(seq 1 300); do curl -fs -o /dev/null "$1" && return 0; sleep 0.1; done; echo "no answer from $1" >&2; return 1; }
# wrk's summary -> "req/s p50 p99" (latencies in ms).
summarize() {
  awk '/Requests\/sec/ {rps=$2}
       function ms(v) { if (v ~ /us$/) return v/1000; if (v ~ /ms$/) return v+0; if (v ~ /s$/) return v*1000; return v }
       $1=="50%" {p50=ms($2)} $1=="99%" {p99=ms($2)}
       /Non-2xx/ {bad=$4}
       END {printf "%s %.3f %.3f %s\n", rps, p50, p99, (bad==""?0:bad)}' "$1"
}

# Upstreams stubbed: Open-Meteo on loopback (the browser test's stand-in); records in $WORK.
node -e "import('$PWD/tests/browser/fake_openmeteo.mjs').then(async (m) => {
  const f = await m.startFakeOpenMeteo(); require('fs').writeFileSync('$WORK/weather-url', f.url); })" &
pids+=($!)
for _ in $(seq 1 100); do [ -s "$WORK/weather-url" ] && break; sleep 0.1; done

# raincheck start-api
PORT=$(free_port)
build/bin/raincheck start-api --port "$PORT" --log-level error \
  --env "RAINCHECK_OPENMETEO_URL=$(cat "$WORK/weather-url")" \
  --env "RAINCHECK_RECORDS=dir:$WORK/records" --env "RAINCHECK_SPOOL=$WORK/spool" \
  >"$WORK/api.out" 2>"$WORK/api.err" &
pids+=($!)
URL="http://127.0.0.1:$PORT/forecast?city=Cape+Town&format=json"
wait_for "$URL"
wrk -t2 -c64 -d2s "$URL" >/dev/null    # warm-up
wrk -t2 -c64 -d"${DURATION}s" --latency "$URL" | tee "$WORK/api.wrk"
read -r API_RPS API_P50 API_P99 API_BAD < <(summarize "$WORK/api.wrk")

# The original's per-request work in Flask
FPORT=$(free_port)
/usr/bin/python3 bench/start_api/original_flask.py "$FPORT" "$SHARED/data/capetown_darksky_daily.csv" \
  >"$WORK/flask.out" 2>&1 &
pids+=($!)
FURL="http://127.0.0.1:$FPORT/forecast?city=Cape+Town"
wait_for "$FURL"
wrk -t2 -c64 -d2s "$FURL" >/dev/null
wrk -t2 -c64 -d"${DURATION}s" --latency "$FURL" | tee "$WORK/flask.wrk"
read -r FL_RPS FL_P50 FL_P99 FL_BAD < <(summarize "$WORK/flask.wrk")

echo
echo "== start-api benchmark ($(nproc) cores, wrk -t2 -c64 -d${DURATION}s, keep-alive)"
printf "%-34s %12s %10s %10s %8s\n" "server" "req/s" "p50 ms" "p99 ms" "non-2xx"
printf "%-34s %12s %10s %10s %8s\n" "raincheck start-api /forecast" "$API_RPS" "$API_P50" "$API_P99" "$API_BAD"
printf "%-34s %12s %10s %10s %8s\n" "Flask + scikit-learn (original)" "$FL_RPS" "$FL_P50" "$FL_P99" "$FL_BAD"
awk -v a="$API_RPS" -v f="$FL_RPS" 'BEGIN { printf "throughput ratio: %.0fx\n", a / f }'
awk -v r="$API_RPS" -v p="$API_P99" 'BEGIN { printf "target >= 20000 req/s and p99 <= 5 ms: %s\n", (r >= 20000 && p <= 5) ? "met" : "NOT met" }'
