#!/usr/bin/python3
"""Cold start of the original Python handler, for comparison with bootstrap's (not a test).

What a Python Lambda pays before its first answer: start the interpreter, import pandas,
scikit-learn and boto3, unpickle a RandomForestClassifier trained like the original (the
DarkSky daily features of Cape Town, label "rain tomorrow"), and one predict_proba on a
one-row DataFrame. Each sample is a fresh /usr/bin/python3 process; we report the median
wall time from spawn to exit and the median peak RSS (wait4's ru_maxrss).

    bench/python_cold_start.py [--samples 15] [--raincheck build/bin/raincheck]
                               [--bootstrap build/bin/bootstrap] [--bootstrap dist-task/bootstrap]

Beside it, the same number of cold starts of each --bootstrap under `raincheck start-lambda`
(one fresh emulator per sample; Init Duration + Duration and Max Memory Used from the REPORT
line of X-Amz-Log-Result), with the default model and gazetteer loaded at start-up, and the
ratios. The event asks for an empty city (answered 400 with no upstream call), so only
start-up and the handler count. Needs Debian's python3-pandas, python3-sklearn, python3-boto3
(scripts/bench-packages.txt).
"""
import argparse
import base64
import json
import re
import urllib.request
import os
import pickle
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FEATURES = ["apparentTemperature", "cloudCover", "dewPoint", "humidity", "ozone", "pressure",
            "temperature", "uvIndex", "visibility", "windBearing", "windGust", "windSpeed"]

HANDLER = r"""
import pickle, sys
import boto3
import pandas as pd
import sklearn.ensemble
with open(sys.argv[1], "rb") as f:
    model = pickle.load(f)
row = pd.DataFrame([dict(zip(%r, [float(v) for v in sys.argv[2].split(",")]))])
p = model.predict_proba(row)[0][1]
print("%%.4f" %% p)
""" % (FEATURES,)


def train(data_path, trees, depth):
    import pandas as pd
    from sklearn.ensemble import RandomForestClassifier
    df = pd.read_csv(data_path)
    rain = (df["precipType"] == "rain").astype(int)
    X = df[FEATURES].iloc[:-1].fillna(df[FEATURES].median())
    y = rain.iloc[1:].to_numpy()
    model = RandomForestClassifier(n_estimators=trees, max_depth=depth, random_state=42)
    model.fit(X, y)
    return model, ",".join(str(float(v)) for v in X.iloc[-1])


def bootstrap_samples(raincheck, bootstrap, n):
    event = json.load(open(os.path.join(ROOT, "data", "events", "forecast-cape-town.json")))
    event["rawQueryString"] = "city="
    event["queryStringParameters"] = {"city": ""}
    body = json.dumps(event).encode()
    times, rss = [], []
    for _ in range(n + 1):
        server = subprocess.Popen([raincheck, "start-lambda", "--port", "0", "--max-concurrency", "1",
                                   "--bootstrap", bootstrap, "--env", "RAINCHECK_RECORDS=off"],
                                  stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        try:
            port = int(re.search(r"http://127\.0\.0\.1:(\d+)", server.stdout.readline()).group(1))
            req = urllib.request.Request(
                f"http://127.0.0.1:{port}/2015-03-31/functions/raincheck/invocations", data=body,
                headers={"X-Amz-Log-Type": "Tail"}, method="POST")
            with urllib.request.urlopen(req, timeout=30) as resp:
                log = base64.b64decode(resp.headers["X-Amz-Log-Result"]).decode()
            report = re.search(r"REPORT .*Duration: ([\d.]+) ms.*Max Memory Used: (\d+) MB"
                               r".*Init Duration: ([\d.]+) ms", log)
            if report is None:
                sys.exit("no REPORT line with an Init Duration:\n" + log)
            if _ > 0:  # the first one warms the page cache
                times.append(float(report.group(1)) + float(report.group(3)))
                rss.append(float(report.group(2)))
        finally:
            server.terminate()
            server.wait()
    return statistics.median(times), statistics.median(rss), min(times), max(times)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default=os.path.join(ROOT, "data", "capetown", "capetown_darksky_daily.csv"))
    ap.add_argument("--trees", type=int, default=100)
    ap.add_argument("--depth", type=int, default=10)
    ap.add_argument("--samples", type=int, default=15)
    ap.add_argument("--raincheck", default=os.path.join(ROOT, "build", "bin", "raincheck"))
    ap.add_argument("--bootstrap", action="append", default=[])
    args = ap.parse_args()

    model, row = train(args.data, args.trees, args.depth)
    with tempfile.TemporaryDirectory() as tmp:
        model_path = os.path.join(tmp, "model.pkl")
        with open(model_path, "wb") as f:
            pickle.dump(model, f)
        size = os.path.getsize(model_path)
        subprocess.run(["/usr/bin/python3", "-c", HANDLER, model_path, row], check=True,
                       stdout=subprocess.DEVNULL)  # page cache warm, as for bootstrap's runs
        times, rss = [], []
        for _ in range(args.samples):
            start = time.perf_counter()
            proc = subprocess.Popen(["/usr/bin/python3", "-c", HANDLER, model_path, row],
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            out = proc.stdout.read()
            err = proc.stderr.read()
            _, status, usage = os.wait4(proc.pid, 0)
            times.append((time.perf_counter() - start) * 1000)
            if status != 0:
                sys.exit("handler failed: " + err.decode(errors="replace"))
            rss.append(usage.ru_maxrss / 1024)  # KiB -> MiB
    med_ms = statistics.median(times)
    med_rss = statistics.median(rss)
    print(f"python handler: {args.trees} trees, depth {args.depth}, pickle {size / 1024:.0f} KiB")
    print(f"cold start (spawn -> imports -> unpickle -> predict_proba -> exit), {args.samples} samples:")
    print(f"  median {med_ms:.1f} ms  (min {min(times):.1f}, max {max(times):.1f})")
    print(f"  peak RSS median {med_rss:.1f} MiB")
    for bootstrap in args.bootstrap:
        b_ms, b_rss, b_min, b_max = bootstrap_samples(args.raincheck, bootstrap, args.samples)
        print(f"{bootstrap}: cold start (Init Duration + Duration) median {b_ms:.1f} ms "
              f"(min {b_min:.1f}, max {b_max:.1f}), Max Memory Used median {b_rss:.0f} MB")
        print(f"  ratio python/bootstrap: time {med_ms / b_ms:.0f}x, peak RSS {med_rss / b_rss:.1f}x")


if __name__ == "__main__":
    main()
