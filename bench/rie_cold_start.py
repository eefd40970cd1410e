#!/usr/bin/python3
"""Cold start as Lambda measures it: the packaged function under AWS's Runtime Interface Emulator.

Not a test. Runs `raincheck package` (or takes --dist, an existing package), unpacks function.zip
as the task root and every layer zip as /opt (a private mount namespace binds it there), then,
for each sample, starts a fresh aws-lambda-rie with the packaged `bootstrap`, sends one event and
reads the emulator's `INIT REPORT(durationMs: ...)` line: what Lambda bills as Init Duration
(spawning the launcher, the bundled loader and libraries, the function's initialisation, up to
the first GET /runtime/invocation/next).

In the same run, interleaved with those samples: the original Python handler's init, a fresh
/usr/bin/python3 that imports what the tutorial's handler imports (boto3, pandas,
sklearn.ensemble) and unpickles its RandomForestClassifier - from spawn to "ready", the part of
a Python Lambda's Init Duration that the handler module decides. Prints the medians and ratios.
With it, each sample's first invocation (the emulator's `INVOKE RTDONE(... duration: ...)`), so
that work moved out of init into the first request shows.

    bench/rie_cold_start.py [--samples 21] [--rie PATH] [--dist DIR] [--raincheck PATH]
                            [--no-python] [--bootstrap NAME=PATH ...]

--bootstrap NAME=PATH (repeatable) times other builds of bin/bootstrap in the same package (the
same layers and launcher), interleaved with the packaged one: a before/after comparison in one
run, under the same machine load. Each must run with the package's runtime layer.

The emulator: --rie, else $RAINCHECK_RIE, else aws-lambda-rie on the PATH (AWS's release
binary). Without it the benchmark says so and exits 0 (skipped). Mounting needs root
or an unprivileged user namespace (`unshare -r`). The event asks for an empty city (answered 400
without any upstream call). Python needs Debian's python3-pandas, python3-sklearn and
python3-boto3 (scripts/bench-packages.txt).
"""
import argparse
import json
import os
import pickle
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)

PY_INIT = r"""
import pickle, sys
import boto3
import pandas as pd
import sklearn.ensemble
with open(sys.argv[1], "rb") as f:
    model = pickle.load(f)
sys.stdout.write("ready\n")
sys.stdout.flush()
sys.stdin.read()
"""


def find_rie(arg):
    for candidate in (arg, os.environ.get("RAINCHECK_RIE"), shutil.which("aws-lambda-rie")):
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return os.path.abspath(candidate)
    return None


def unpack(zip_path, root):
    with zipfile.ZipFile(zip_path) as z:
        for info in z.infolist():
            target = os.path.join(root, info.filename)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with open(target, "wb") as out:
                out.write(z.read(info))
            mode = (info.external_attr >> 16) & 0o777
            if mode:
                os.chmod(target, mode)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def mount_prefix():
    """The command prefix that gives the emulator a private /opt."""
    if os.geteuid() == 0:
        return ["unshare", "-m"]
    return ["unshare", "-r", "-m"]


def rie_sample(rie, opt, task, event):
    """One cold start: (INIT REPORT durationMs, the first invocation's duration in ms)."""
    port = free_port()
    script = ('mount --bind "$0" /opt && cd "$1" && exec "$2" '
              '--runtime-interface-emulator-address "127.0.0.1:$3" ./bootstrap')
    env = dict(os.environ, LAMBDA_TASK_ROOT=task, RAINCHECK_RECORDS="off",
               RAINCHECK_LOG_LEVEL="warn", AWS_LAMBDA_FUNCTION_TIMEOUT="10")
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(mount_prefix() + ["sh", "-c", script, opt, task, rie, str(port)],
                                stdout=subprocess.DEVNULL, stderr=err, env=env)
        try:
            url = f"http://127.0.0.1:{port}/2015-03-31/functions/function/invocations"
            deadline = time.monotonic() + 10
            while True:
                try:
                    with urllib.request.urlopen(urllib.request.Request(url, data=event), timeout=10) as r:
                        body = r.read()
                    break
                except urllib.error.HTTPError as e:  # the function failed: its log says why
                    body = e.read()
                    break
                except (ConnectionError, urllib.error.URLError):
                    if time.monotonic() > deadline or proc.poll() is not None:
                        raise
                    time.sleep(0.02)
        finally:
            proc.terminate()
            proc.wait()
        err.seek(0)
        log = err.read().decode(errors="replace")
    m = re.search(r"INIT REPORT\(durationMs: ([\d.]+)\)", log)
    inv = re.search(r"INVOKE RTDONE\(status: \w+, produced bytes: \d+, duration: ([\d.]+)ms\)", log)
    if m is None or inv is None or b'"statusCode"' not in body:
        sys.exit("no INIT REPORT or no answer from the packaged bootstrap:\n" + log[-2000:] +
                 "\n" + body.decode(errors="replace")[:500])
    return float(m.group(1)), float(inv.group(1))


def python_sample(model_path):
    start = time.perf_counter()
    proc = subprocess.Popen(["/usr/bin/python3", "-c", PY_INIT, model_path], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    line = proc.stdout.readline()
    elapsed = (time.perf_counter() - start) * 1000
    proc.stdin.close()
    err = proc.stderr.read()
    proc.wait()
    if line.strip() != b"ready":
        sys.exit("python handler init failed: " + err.decode(errors="replace")[-2000:])
    return elapsed


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--samples", type=int, default=21)
    ap.add_argument("--rie", default=None)
    ap.add_argument("--dist", default=None, help="a `raincheck package` output (default: package now)")
    ap.add_argument("--raincheck", default=os.path.join(ROOT, "build", "bin", "raincheck"))
    ap.add_argument("--data", default=os.path.join(ROOT, "data", "capetown", "capetown_darksky_daily.csv"))
    ap.add_argument("--no-python", action="store_true")
    ap.add_argument("--bootstrap", action="append", default=[], metavar="NAME=PATH",
                    help="another bin/bootstrap to time in the same package, interleaved")
    args = ap.parse_args()
    variants = []
    for spec in args.bootstrap:
        name, sep, path = spec.partition("=")
        if not sep or not name or not os.path.isfile(path):
            sys.exit(f"--bootstrap {spec}: expected NAME=PATH of an executable")
        variants.append((name, os.path.abspath(path)))

    rie = find_rie(args.rie)
    if rie is None:
        print("rie_cold_start: skipped: aws-lambda-rie not found (--rie, $RAINCHECK_RIE or "
              "aws-lambda-rie on the PATH)")
        return 0
    event = json.load(open(os.path.join(ROOT, "data", "events", "forecast-cape-town.json")))
    event["rawQueryString"] = "city="
    event["queryStringParameters"] = {"city": ""}
    event = json.dumps(event).encode()

    with tempfile.TemporaryDirectory(prefix="rc-rie-") as tmp:
        dist = args.dist
        if dist is None:
            dist = os.path.join(tmp, "dist")
            subprocess.run([args.raincheck, "package", "--out", dist], check=True,
                           stdout=subprocess.DEVNULL)
        task, opt = os.path.join(tmp, "task"), os.path.join(tmp, "opt")
        unpack(os.path.join(dist, "function.zip"), task)
        for layer in sorted(os.listdir(dist)):
            if layer.endswith("-layer.zip"):
                unpack(os.path.join(dist, layer), opt)
        tasks = [("packaged bootstrap", task)]
        for i, (name, path) in enumerate(variants):  # the same task root, another bin/bootstrap
            root = os.path.join(tmp, f"task-{i}")
            shutil.copytree(task, root, symlinks=True)
            shutil.copy2(path, os.path.join(root, "bin", "bootstrap"))
            tasks.append((name, root))

        model_path = None
        if not args.no_python:
            import python_cold_start  # the original handler's model, trained the same way
            model, _ = python_cold_start.train(args.data, 100, 10)
            model_path = os.path.join(tmp, "model.pkl")
            with open(model_path, "wb") as f:
                pickle.dump(model, f)
            python_sample(model_path)  # page cache warm, as for the first RIE run below

        for _, root in tasks:
            rie_sample(rie, opt, root, event)  # page cache warm
        init_ms = {name: [] for name, _ in tasks}
        invoke_ms = {name: [] for name, _ in tasks}
        py_ms = []
        for _ in range(args.samples):  # interleaved, so machine load hits all alike
            for name, root in tasks:
                init, invoke = rie_sample(rie, opt, root, event)
                init_ms[name].append(init)
                invoke_ms[name].append(invoke)
            if model_path:
                py_ms.append(python_sample(model_path))

    def line(name, v):
        q = statistics.quantiles(v, n=4) if len(v) > 1 else [v[0]] * 3
        return (f"{name}: median {statistics.median(v):.1f} ms (quartiles {q[0]:.1f}-{q[2]:.1f}, "
                f"min {min(v):.1f}, max {max(v):.1f}; {len(v)} samples)")

    with open("/proc/loadavg") as f:
        load = " ".join(f.read().split()[:3])
    print(f"cold start init, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
          f"{os.cpu_count()} cores, load {load}")
    for name, _ in tasks:
        print(line(f"{name} under aws-lambda-rie: init (INIT REPORT durationMs)", init_ms[name]))
        print(line(f"{name} under aws-lambda-rie: first invocation (INVOKE RTDONE duration)",
                   invoke_ms[name]))
    if py_ms:
        print(line("python handler init (spawn -> boto3, pandas, sklearn imported, model unpickled)",
                   py_ms))
        for name, _ in tasks:
            ratio = statistics.median(py_ms) / statistics.median(init_ms[name])
            print(f"ratio python/{name} init (medians): {ratio:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
