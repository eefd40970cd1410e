#!/usr/bin/env python3
"""Soak benchmark of `raincheck start-api` and `raincheck start-lambda` (docs/reliability.md).

Runs both local servers (built binaries) for --minutes under mixed traffic on 127.0.0.1 only:
good requests (forecasts in JSON and HTML, the page, /health, /models, Invoke API calls),
hostile ones (malformed request lines, huge headers, long URLs, unknown methods, bad JSON
events and bodies, a body over the 4 MiB limit, a bad city) and slow ones (clients that send
their request one byte at a time, idle connections). The weather comes from a loopback fake of
the Open-Meteo forecast API (RAINCHECK_OPENMETEO_URL, docs/providers.md), which also answers
some requests late; places come from the offline gazetteer.

Every few seconds it samples each server's process tree (the server and its `bootstrap`
instances): resident memory, open file descriptors, threads and child processes; at the end it
prints start, max and end of each, the requests sent / answered by status / refused (closed by
the server without an answer, for hostile or slow clients only) / unanswered, and the records
written against the forecasts answered 200.

Exit status: 0 when every request was answered or (hostile and slow ones only) refused, the
records directory holds one record per forecast answered 200 and the spool is empty, and each
resource stayed within its bound (below); 1 otherwise; 2 on a usage or start-up error.

Bounds, per server tree, "start" being the sample after the warm-up (the first tenth of the
run, at least 5 s) and "end" the sample after traffic stopped and idle connections had time
to close (--quiet-seconds):
  RSS end <= start + --max-rss-growth-mib (64)
  open fds end <= start + --max-fd-growth (16)
  threads end <= start + --max-thread-growth (16)
  child processes <= --max-concurrency at every sample

Python 3 standard library only. Bounded in time (--minutes) and count (--max-requests).

  bench/soak.py --build build --minutes 10
  bench/soak.py --build build --minutes 2 --json soak.json
"""

import argparse
import collections
import http.client
import http.server
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

# ---------------------------------------------------------------------------------------------
# The upstream: a loopback Open-Meteo forecast (the shape tests/fakes/upstream_fakes.cc sends).

DAILY = {
    "precipitation_sum": ("mm", 0.4, 3.2),
    "rain_sum": ("mm", 0.4, 3.2),
    "temperature_2m_max": ("°C", 24.1, 21.0),
    "temperature_2m_min": ("°C", 15.2, 14.8),
    "temperature_2m_mean": ("°C", 19.4, 17.6),
    "wind_speed_10m_mean": ("km/h", 18.7, 25.3),
    "wind_speed_10m_max": ("km/h", 31.0, 40.2),
    "wind_gusts_10m_max": ("km/h", 52.9, 66.6),
    "precipitation_probability_max": ("%", 35, 80),
}


def forecast_body(query):
    q = urllib.parse.parse_qs(query)
    lat = float(q.get("latitude", ["0"])[0])
    lon = float(q.get("longitude", ["0"])[0])
    days = int(q.get("forecast_days", ["2"])[0])
    wanted = [v for v in q.get("daily", [""])[0].split(",") if v]
    body = {
        "latitude": round(lat, 2), "longitude": round(lon, 2), "generationtime_ms": 0.09,
        "utc_offset_seconds": 7200, "timezone": "Africa/Johannesburg",
        "timezone_abbreviation": "GMT+2", "elevation": 17.0,
        "current_units": {
            "time": "iso8601", "interval": "seconds", "temperature_2m": "°C",
            "apparent_temperature": "°C", "dew_point_2m": "°C", "relative_humidity_2m": "%",
            "cloud_cover": "%", "pressure_msl": "hPa", "wind_speed_10m": "km/h",
            "wind_gusts_10m": "km/h", "wind_direction_10m": "°", "uv_index": "",
            "visibility": "m"},
        "current": {
            "time": "2026-11-28T04:15", "interval": 900, "temperature_2m": 17.4,
            "apparent_temperature": 16.2, "dew_point_2m": 11.3, "relative_humidity_2m": 67,
            "cloud_cover": 25, "pressure_msl": 1014.8, "wind_speed_10m": 18.0,
            "wind_gusts_10m": 33.1, "wind_direction_10m": 158, "uv_index": 0.35,
            "visibility": 24140.0},
    }
    if wanted:
        times = ["2026-11-28", "2026-11-29"] + ["2026-11-30"] * max(0, days - 2)
        units = {"time": "iso8601"}
        daily = {"time": times[:days]}
        for name in wanted:
            if name not in DAILY:
                return 400, {"error": True, "reason": "unknown daily variable " + name}
            unit, today, tomorrow = DAILY[name]
            units[name] = unit
            daily[name] = [today if d == 0 else tomorrow for d in range(days)]
        body["daily_units"] = units
        body["daily"] = daily
    return 200, body


class FakeOpenMeteo(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, slow_fraction, seed):
        super().__init__(("127.0.0.1", 0), FakeOpenMeteoHandler)
        self.slow_fraction = slow_fraction
        self.rng = random.Random(seed)
        self.lock = threading.Lock()
        self.hits = 0

    def url(self):
        return "http://127.0.0.1:%d" % self.server_address[1]


class FakeOpenMeteoHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):  # noqa: N802 (http.server's naming)
        path, _, query = self.path.partition("?")
        with self.server.lock:
            self.server.hits += 1
            slow = self.server.rng.random() < self.server.slow_fraction
        if slow:
            time.sleep(0.4)  # a slow upstream, well inside the function's timeout
        if path != "/v1/forecast":
            status, body = 404, {"error": True, "reason": "Not Found"}
        else:
            status, body = forecast_body(query)
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


# ---------------------------------------------------------------------------------------------
# Process-tree sampling (/proc).

def children_of():
    """ppid -> [pid] for every process."""
    out = collections.defaultdict(list)
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % name) as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(")") + 2:].split()[1])
        out[ppid].append(int(name))
    return out


def tree(pid):
    kids = children_of()
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(kids.get(p, []))
    return out


def sample(pid):
    """RSS (KiB), open fds, threads, child processes of `pid`'s tree."""
    rss = fds = threads = 0
    pids = tree(pid)
    for p in pids:
        try:
            with open("/proc/%d/status" % p) as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        rss += int(line.split()[1])
                    elif line.startswith("Threads:"):
                        threads += int(line.split()[1])
            fds += len(os.listdir("/proc/%d/fd" % p))
        except OSError:
            pass  # it ended between the listing and the read
    return {"rss_kib": rss, "fds": fds, "threads": threads, "children": len(pids) - 1}


# ---------------------------------------------------------------------------------------------
# Traffic.

CITIES = ["Cape Town", "Paris", "Seattle", "New York", "São Paulo", "Tokyo", "Oslo", "Portland, OR",
          "München", "Nairobi", "Sydney", "Lima"]


class Tally:
    def __init__(self):
        self.lock = threading.Lock()
        self.sent = collections.Counter()          # kind -> requests
        self.answered = collections.Counter()      # (server, status) -> answers
        self.by_kind = collections.Counter()       # (kind, status or "refused"/"unanswered")
        self.refused = collections.Counter()       # kind -> closed without an answer (allowed)
        self.unanswered = collections.Counter()    # kind -> no answer (a failure)
        self.forecasts_ok = 0                      # forecasts answered 200 (each stores a record)
        self.unanswered_examples = []
        self.total = 0

    def take(self, limit):
        with self.lock:
            if self.total >= limit:
                return False
            self.total += 1
            return True

    def add(self, server, kind, status=None, refused=False, error=None, forecast_ok=False):
        with self.lock:
            self.sent[kind] += 1
            self.by_kind[(kind, status if status is not None else
                          "refused" if refused else "unanswered")] += 1
            if status is not None:
                self.answered[(server, status)] += 1
            elif refused:
                self.refused[kind] += 1
            else:
                self.unanswered[kind] += 1
                if len(self.unanswered_examples) < 10:
                    self.unanswered_examples.append("%s: %s" % (kind, error))
            if forecast_ok:
                self.forecasts_ok += 1


STATUS_LINE = re.compile(rb"^HTTP/1\.[01] (\d{3})")


def raw_exchange(port, data, timeout, drip=None, read_all=False, out=None):
    """Sends `data` (one byte per `drip` seconds when set) and reads until the status line (with
    `read_all`: until the server closes), the connection's close or `timeout`. Returns (status
    or None, closed_by_server); `out` (a list) receives the bytes read."""
    deadline = time.monotonic() + timeout
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        try:
            if drip is None:
                s.sendall(data)
            else:
                for i in range(len(data)):
                    s.sendall(data[i:i + 1])
                    time.sleep(drip)
                    if time.monotonic() > deadline:
                        break
        except (BrokenPipeError, ConnectionResetError):
            return None, True
        buf = b""
        while time.monotonic() < deadline:
            s.settimeout(max(0.05, deadline - time.monotonic()))
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                break
            except ConnectionResetError:
                return None, True
            if not chunk:
                m = STATUS_LINE.match(buf)
                if out is not None:
                    out.append(buf)
                return (int(m.group(1)) if m else None), True
            buf += chunk
            m = STATUS_LINE.match(buf)
            if m and not read_all:
                return int(m.group(1)), False
        m = STATUS_LINE.match(buf)
        return (int(m.group(1)) if m else None), False


def http_request(port, method, path, body=None, headers=None, timeout=30):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        data = resp.read()
        return resp.status, data
    finally:
        conn.close()


def api_event(city, fmt="json"):
    q = "city=" + urllib.parse.quote(city) + "&format=" + fmt
    return {
        "version": "2.0", "routeKey": "GET /forecast", "rawPath": "/forecast",
        "rawQueryString": q, "queryStringParameters": {"city": city, "format": fmt},
        "headers": {"host": "soak"},
        "requestContext": {"requestId": "soak-%d" % random.getrandbits(48),
                           "http": {"method": "GET", "path": "/forecast",
                                    "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1"}},
        "isBase64Encoded": False,
    }


INVOKE = "/2015-03-31/functions/raincheck/invocations"


def good_request(rng, api, lam, tally):
    kind = rng.choices(
        ["forecast_json", "forecast_html", "page", "health", "models", "invoke_forecast",
         "keepalive_forecasts"],
        weights=[30, 10, 5, 5, 3, 25, 5])[0]
    city = rng.choice(CITIES)
    try:
        if kind in ("forecast_json", "forecast_html"):
            fmt = "json" if kind == "forecast_json" else "html"
            status, _ = http_request(api, "GET", "/forecast?city=%s&format=%s" %
                                     (urllib.parse.quote(city), fmt))
            tally.add("start-api", kind, status, forecast_ok=status == 200)
        elif kind == "page":
            status, _ = http_request(api, "GET", "/")
            tally.add("start-api", kind, status)
        elif kind == "health":
            status, _ = http_request(api, "GET", "/health")
            tally.add("start-api", kind, status)
        elif kind == "models":
            status, _ = http_request(api, "GET", "/models")
            tally.add("start-api", kind, status)
        elif kind == "invoke_forecast":
            status, data = http_request(lam, "POST", INVOKE, json.dumps(api_event(city)).encode(),
                                        {"Content-Type": "application/json"})
            inner = None
            if status == 200:
                try:
                    inner = json.loads(data).get("statusCode")
                except ValueError:
                    inner = None
            tally.add("start-lambda", kind, status, forecast_ok=inner == 200)
        else:
            # Three forecasts on one keep-alive connection.
            conn = http.client.HTTPConnection("127.0.0.1", api, timeout=30)
            try:
                for _ in range(3):
                    conn.request("GET", "/forecast?city=%s&format=json" % urllib.parse.quote(city))
                    resp = conn.getresponse()
                    resp.read()
                    tally.add("start-api", kind, resp.status, forecast_ok=resp.status == 200)
            finally:
                conn.close()
    except (OSError, http.client.HTTPException) as e:
        tally.add("start-api" if kind != "invoke_forecast" else "start-lambda", kind, error=e)


def hostile_request(rng, api, lam, tally):
    kind = rng.choice(["garbage_line", "huge_header", "many_headers", "long_url",
                       "unknown_method", "bad_city", "predict_bad_json", "body_over_limit",
                       "bad_percent", "lambda_bad_json", "lambda_not_an_event",
                       "lambda_unknown_function", "lambda_get", "lambda_garbage_line"])
    port = lam if kind.startswith("lambda_") else api
    server = "start-lambda" if kind.startswith("lambda_") else "start-api"
    try:
        if kind in ("garbage_line", "lambda_garbage_line"):
            status, closed = raw_exchange(port, b"\x16\x03\x01\x00\xa5garbage\r\n\r\n", 15)
        elif kind == "huge_header":
            data = (b"GET /forecast?city=Paris HTTP/1.1\r\nHost: x\r\nX-Big: " +
                    b"a" * (64 << 10) + b"\r\n\r\n")
            status, closed = raw_exchange(port, data, 15)
        elif kind == "many_headers":
            data = (b"GET /health HTTP/1.1\r\nHost: x\r\n" +
                    b"".join(b"X-H%d: v\r\n" % i for i in range(500)) + b"\r\n")
            status, closed = raw_exchange(port, data, 15)
        elif kind == "long_url":
            data = b"GET /forecast?city=" + b"x" * (32 << 10) + b" HTTP/1.1\r\nHost: x\r\n\r\n"
            status, closed = raw_exchange(port, data, 15)
        elif kind == "unknown_method":
            status, closed = raw_exchange(port, b"BREW /forecast HTTP/1.1\r\nHost: x\r\n\r\n", 15)
        elif kind == "bad_city":
            status, _ = http_request(port, "GET", "/forecast?city=%00%FF%FE&format=json")
            closed = False
        elif kind == "predict_bad_json":
            status, _ = http_request(port, "POST", "/predict", b'{"model": [1,,}',
                                     {"Content-Type": "application/json"})
            closed = False
        elif kind == "body_over_limit":
            head = (b"POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    b"Content-Length: %d\r\n\r\n" % (5 << 20))
            status, closed = raw_exchange(port, head + b" " * (5 << 20), 30)
        elif kind == "bad_percent":
            status, closed = raw_exchange(port, b"GET /forecast?city=%zz%%%u1234 HTTP/1.1\r\n"
                                          b"Host: x\r\n\r\n", 15)
        elif kind == "lambda_bad_json":
            status, _ = http_request(port, "POST", INVOKE, b"{not json",
                                     {"Content-Type": "application/json"})
            closed = False
        elif kind == "lambda_not_an_event":
            status, _ = http_request(port, "POST", INVOKE, b'{"hello": [1, 2, 3]}',
                                     {"Content-Type": "application/json"})
            closed = False
        elif kind == "lambda_unknown_function":
            status, _ = http_request(port, "POST", "/2015-03-31/functions/nope/invocations",
                                     b"{}", {"Content-Type": "application/json"})
            closed = False
        else:  # lambda_get
            status, _ = http_request(port, "GET", INVOKE)
            closed = False
        tally.add(server, "hostile_" + kind, status, refused=closed,
                  error="no answer and the connection stayed open")
    except (ConnectionResetError, BrokenPipeError):
        tally.add(server, "hostile_" + kind, refused=True)
    except (OSError, http.client.HTTPException) as e:
        tally.add(server, "hostile_" + kind, error=e)


def slow_request(rng, api, lam, tally):
    kind = rng.choice(["drip_request", "idle_connection", "drip_lambda"])
    port = lam if kind == "drip_lambda" else api
    server = "start-lambda" if kind == "drip_lambda" else "start-api"
    try:
        if kind == "drip_request":
            # A whole request, one byte every 50 ms (~2.5 s): it must be answered.
            status, closed = raw_exchange(
                port, b"GET /forecast?city=Oslo&format=json HTTP/1.1\r\nHost: x\r\n\r\n", 30,
                drip=0.05)
            tally.add(server, "slow_" + kind, status, error="no answer",
                      forecast_ok=status == 200)
        elif kind == "drip_lambda":
            body = json.dumps(api_event("Oslo")).encode()
            head = (b"POST " + INVOKE.encode() + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                    b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body))
            got = []
            status, closed = raw_exchange(port, head + body, 60, drip=0.005, read_all=True,
                                          out=got)
            # start-lambda answers 200 with the function's response inside: a forecast
            # answered 200 stores a record (counted from the records directory).
            inner = None
            if status == 200 and got:
                try:
                    inner = json.loads(got[0].partition(b"\r\n\r\n")[2]).get("statusCode")
                except ValueError:
                    inner = None
            tally.add(server, "slow_" + kind, status, error="no answer",
                      forecast_ok=inner == 200)
        else:
            # Connects and sends nothing: the server must close it (its read timeout).
            status, closed = raw_exchange(port, b"", 20)
            tally.add(server, "slow_" + kind, status, refused=closed,
                      error="an idle connection stayed open for 20 s")
    except (ConnectionResetError, BrokenPipeError):
        tally.add(server, "slow_" + kind, refused=kind == "idle_connection",
                  error="reset")
    except (OSError, http.client.HTTPException) as e:
        tally.add(server, "slow_" + kind, error=e)


def worker(fn, rng, api, lam, tally, stop_at, limit, pause):
    while time.monotonic() < stop_at and tally.take(limit):
        fn(rng, api, lam, tally)
        time.sleep(pause * rng.uniform(0.5, 1.5))


# ---------------------------------------------------------------------------------------------
# The servers.

def start_server(argv, env, cwd, log_path):
    log = open(log_path, "wb")
    proc = subprocess.Popen(argv, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=log,
                            stdin=subprocess.DEVNULL)
    url = None
    deadline = time.monotonic() + 60
    lines = []
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line.decode(errors="replace"))
        m = re.search(rb"http://127\.0\.0\.1:(\d+)", line)
        if m:
            url = int(m.group(1))
            break
    if url is None:
        proc.kill()
        proc.wait()
        raise RuntimeError("%s did not print its URL: %s" % (argv[1], "".join(lines)))
    # Keep reading stdout so the server never blocks on a full pipe.
    threading.Thread(target=lambda: [None for _ in proc.stdout], daemon=True).start()
    return proc, url


def stop_server(proc):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return proc.returncode


def fmt_mib(kib):
    return "%.1f MiB" % (kib / 1024.0)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default="build", help="build directory (bin/raincheck)")
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--max-requests", type=int, default=200000)
    ap.add_argument("--sample-seconds", type=float, default=5.0)
    ap.add_argument("--quiet-seconds", type=float, default=12.0,
                    help="wait after traffic before the end sample (idle connections close)")
    ap.add_argument("--good-workers", type=int, default=3)
    ap.add_argument("--hostile-workers", type=int, default=1)
    ap.add_argument("--slow-workers", type=int, default=2)
    ap.add_argument("--pause", type=float, default=0.05, help="mean pause between requests")
    ap.add_argument("--max-concurrency", type=int, default=4)
    ap.add_argument("--timeout", type=int, default=10, help="the function's timeout (s)")
    ap.add_argument("--max-rss-growth-mib", type=float, default=64)
    ap.add_argument("--max-fd-growth", type=int, default=16)
    ap.add_argument("--max-thread-growth", type=int, default=16)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--keep", action="store_true", help="keep the scratch directory")
    ap.add_argument("--json", help="also write the results to this file")
    args = ap.parse_args()

    raincheck = os.path.join(os.path.abspath(args.build), "bin", "raincheck")
    if not os.access(raincheck, os.X_OK):
        print("soak: no %s (build the raincheck and bootstrap targets)" % raincheck,
              file=sys.stderr)
        return 2
    scratch = tempfile.mkdtemp(prefix="raincheck-soak-")
    records = os.path.join(scratch, "records")
    spool = os.path.join(scratch, "spool")
    upstream = FakeOpenMeteo(slow_fraction=0.05, seed=args.seed)
    threading.Thread(target=upstream.serve_forever, daemon=True).start()

    env = {k: v for k, v in os.environ.items() if not k.startswith(("RAINCHECK_", "AWS_"))}
    env.update({"RAINCHECK_OPENMETEO_URL": upstream.url(), "RAINCHECK_RECORDS": "dir:" + records,
                "RAINCHECK_SPOOL": spool, "RAINCHECK_WEATHER_TTL": "0"})
    common = ["--port", "0", "--template", "none", "--timeout", str(args.timeout),
              "--max-concurrency", str(args.max_concurrency)]
    servers = {}
    try:
        servers["start-api"] = start_server([raincheck, "start-api", "--no-watch"] + common, env,
                                            scratch, os.path.join(scratch, "start-api.log"))
        servers["start-lambda"] = start_server([raincheck, "start-lambda"] + common, env, scratch,
                                               os.path.join(scratch, "start-lambda.log"))
    except (RuntimeError, OSError) as e:
        print("soak: %s" % e, file=sys.stderr)
        for proc, _ in servers.values():
            stop_server(proc)
        return 2
    api = servers["start-api"][1]
    lam = servers["start-lambda"][1]
    print("soak: start-api on :%d, start-lambda on :%d, upstream %s, %.1f min, scratch %s"
          % (api, lam, upstream.url(), args.minutes, scratch), flush=True)

    tally = Tally()
    started = time.monotonic()
    duration = args.minutes * 60.0
    stop_at = started + duration
    warmup_until = started + max(5.0, duration / 10.0)
    samples = {name: [] for name in servers}
    start_sample = {}
    rng = random.Random(args.seed)
    threads = []
    for fn, count in ((good_request, args.good_workers), (hostile_request, args.hostile_workers),
                      (slow_request, args.slow_workers)):
        for _ in range(count):
            t = threading.Thread(target=worker, daemon=True,
                                 args=(fn, random.Random(rng.random()), api, lam, tally, stop_at,
                                       args.max_requests, args.pause))
            t.start()
            threads.append(t)

    dead = []
    while any(t.is_alive() for t in threads):
        now = time.monotonic()
        for name, (proc, _) in servers.items():
            if proc.poll() is not None:
                if name not in dead:
                    dead.append(name)
                continue
            s = sample(proc.pid)
            samples[name].append(s)
            if name not in start_sample and now >= warmup_until:
                start_sample[name] = s
        print("  t=%4.0fs sent=%d %s" % (now - started, tally.total, "  ".join(
            "%s: rss %s fds %d threads %d children %d" % (
                n, fmt_mib(v[-1]["rss_kib"]), v[-1]["fds"], v[-1]["threads"], v[-1]["children"])
            for n, v in samples.items() if v)), flush=True)
        # Sleep until the next sample, waking early when the workers are done.
        for t in threads:
            t.join(timeout=max(0.0, args.sample_seconds / len(threads)))
    traffic_seconds = time.monotonic() - started
    time.sleep(args.quiet_seconds)
    end_sample = {}
    for name, (proc, _) in servers.items():
        if proc.poll() is None:
            end_sample[name] = sample(proc.pid)
            samples[name].append(end_sample[name])
        elif name not in dead:
            dead.append(name)

    exit_codes = {name: stop_server(proc) for name, (proc, _) in servers.items()}
    upstream.shutdown()

    # Records: one per forecast answered 200.
    record_files = 0
    for _, _, files in os.walk(records):
        record_files += sum(1 for f in files if not f.startswith("."))
    spooled = 0
    for _, _, files in os.walk(spool):
        spooled += sum(1 for f in files if not f.startswith("."))
    forecasts_ok = tally.forecasts_ok

    failures = []
    print("\nsoak: %.0f s of traffic, %d requests" % (traffic_seconds, sum(tally.sent.values())))
    print("\n| server | resource | start | max | end | bound |")
    print("|---|---|---|---|---|---|")
    for name in servers:
        if name in dead:
            failures.append("%s exited during the run" % name)
            continue
        s0 = start_sample.get(name, samples[name][0] if samples[name] else None)
        s1 = end_sample.get(name)
        if s0 is None or s1 is None:
            failures.append("%s: no samples" % name)
            continue
        mx = {k: max(s[k] for s in samples[name]) for k in s0}
        bounds = {
            "rss_kib": s0["rss_kib"] + args.max_rss_growth_mib * 1024,
            "fds": s0["fds"] + args.max_fd_growth,
            "threads": s0["threads"] + args.max_thread_growth,
        }
        for key, label in (("rss_kib", "RSS"), ("fds", "open fds"), ("threads", "threads"),
                           ("children", "child processes")):
            if key == "rss_kib":
                cells = (fmt_mib(s0[key]), fmt_mib(mx[key]), fmt_mib(s1[key]),
                         "end <= %s" % fmt_mib(bounds[key]))
            elif key == "children":
                cells = (s0[key], mx[key], s1[key], "max <= %d" % args.max_concurrency)
            else:
                cells = (s0[key], mx[key], s1[key], "end <= %d" % bounds[key])
            print("| %s | %s | %s | %s | %s | %s |" % ((name, label) + cells))
            if key == "children":
                if mx[key] > args.max_concurrency:
                    failures.append("%s: %d child processes" % (name, mx[key]))
            elif s1[key] > bounds[key]:
                failures.append("%s: %s grew from %s to %s" % (name, label, s0[key], s1[key]))

    print("\n| requests | count |")
    print("|---|---|")
    print("| sent | %d |" % sum(tally.sent.values()))
    for (server, status), n in sorted(tally.answered.items()):
        print("| answered %s by %s | %d |" % (status, server, n))
    print("| refused (closed without an answer: hostile or idle clients) | %d |"
          % sum(tally.refused.values()))
    print("| unanswered | %d |" % sum(tally.unanswered.values()))
    print("| forecasts answered 200 | %d |" % forecasts_ok)
    print("| records written | %d |" % record_files)
    print("| records spooled | %d |" % spooled)
    print("\nby kind and answer: " + ", ".join(
        "%s %s: %d" % (kind, answer, n)
        for (kind, answer), n in sorted(tally.by_kind.items(), key=lambda kv: str(kv[0]))))
    if tally.unanswered:
        failures.append("%d requests unanswered" % sum(tally.unanswered.values()))
        print("unanswered by kind: " +
              ", ".join("%s %d" % kv for kv in sorted(tally.unanswered.items())))
        for e in tally.unanswered_examples:
            print("  " + e)
    if record_files != forecasts_ok or spooled:
        failures.append("%d records written and %d spooled for %d forecasts answered 200"
                        % (record_files, spooled, forecasts_ok))
    for name, code in exit_codes.items():
        if code != 0:
            failures.append("%s exited %s on SIGTERM" % (name, code))
    print("upstream requests: %d" % upstream.hits)

    if args.json:
        with open(args.json, "w") as f:
            json.dump({"minutes": args.minutes, "traffic_seconds": traffic_seconds,
                       "samples": samples, "start": start_sample, "end": end_sample,
                       "sent": dict(tally.sent), "refused": dict(tally.refused),
                       "unanswered": dict(tally.unanswered),
                       "answered": {"%s %s" % k: v for k, v in tally.answered.items()},
                       "by_kind": {"%s %s" % k: v for k, v in tally.by_kind.items()},
                       "forecasts_ok": forecasts_ok, "records": record_files,
                       "spooled": spooled, "failures": failures}, f, indent=1)
    if not args.keep:
        shutil.rmtree(scratch, ignore_errors=True)
    else:
        print("scratch kept: " + scratch)
    if failures:
        print("\nsoak: FAILED: " + "; ".join(failures))
        return 1
    print("\nsoak: passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
