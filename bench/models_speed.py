#!/usr/bin/python3
"""Models for the place: loading a directory of 50 models, against scikit-learn unpickling 50
forests of the same size in the same run, and what choosing a model adds to a request.
Prints the table of docs/benchmarks.md ("Models for the place").

    cmake --preset bench && cmake --build --preset bench --target models_bench
    bench/models_speed.py [--count 50] [--build build-bench]

Needs Debian's python3-sklearn (scripts/bench-packages.txt). The raincheck side is
build*/bin/models_bench (bench/models_bench.cc): it writes COUNT copies of the shipped Seattle
model with homes spread over the globe and loads the directory as the function does at
start-up. The reference trains one RandomForestClassifier with the same number of trees and
the same maximum depth on data of the same shape (the Seattle model's CSV), pickles it COUNT
times and loads all of them, as a Python function with one model per place would at cold start.
"""
import argparse
import json
import os
import pickle
import re
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def raincheck_side(build, count):
    exe = os.path.join(ROOT, build, "bin", "models_bench")
    out = subprocess.run([exe, "--count", str(count)], check=True, capture_output=True, text=True).stdout
    print(out.rstrip())
    fields = {}
    for key, pattern in [("load_ms", r"load_directory .* median_ms=([\d.]+)"),
                         ("choose_ns", r"choose .* ns_per_request=([\d.]+)"),
                         ("handler_1_us", r"handler models=1 us_per_request=([\d.]+)"),
                         ("overhead_us", r"overhead_us=(-?[\d.]+)")]:
        fields[key] = float(re.search(pattern, out).group(1))
    return fields


def sklearn_side(build, count, repeat):
    import numpy as np
    from sklearn.ensemble import RandomForestClassifier
    card = json.load(open(os.path.join(ROOT, build, "models", "seattle.card.json")))
    params = card["params"]
    rng = np.random.RandomState(42)
    n_rows = int(card["training"]["rows"])
    x = rng.normal(size=(n_rows, len(card["features"])))
    y = (x[:, 0] + rng.normal(size=n_rows) > 0).astype(int)
    forest = RandomForestClassifier(n_estimators=int(params["n_estimators"]),
                                    max_depth=params.get("max_depth"),
                                    min_samples_leaf=int(params.get("min_samples_leaf", 1)),
                                    random_state=0).fit(x, y)
    with tempfile.TemporaryDirectory() as d:
        paths = []
        for i in range(count):
            p = os.path.join(d, f"place-{i}.pkl")
            with open(p, "wb") as f:
                pickle.dump(forest, f, protocol=pickle.HIGHEST_PROTOCOL)
            paths.append(p)
        size_kb = os.path.getsize(paths[0]) / 1024
        times = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            loaded = []
            for p in paths:
                with open(p, "rb") as f:
                    loaded.append(pickle.load(f))
            times.append((time.perf_counter() - t0) * 1000)
    print(f"sklearn: {count} pickled forests ({size_kb:.0f} KB each), load median {statistics.median(times):.1f} ms")
    return statistics.median(times)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--count", type=int, default=50)
    ap.add_argument("--repeat", type=int, default=10)
    ap.add_argument("--build", default="build-bench")
    args = ap.parse_args()
    rc = raincheck_side(args.build, args.count)
    sk = sklearn_side(args.build, args.count, args.repeat)
    print()
    print(f"| {args.count} models | raincheck | scikit-learn (pickle) | ratio |")
    print("|---|---:|---:|---:|")
    print(f"| load the directory | {rc['load_ms']:.1f} ms | {sk:.1f} ms | {sk / rc['load_ms']:.1f}x |")
    print(f"| choose a model, per request | {rc['choose_ns'] / 1000:.2f} us | - | - |")
    print(f"| handler per request, 1 model -> {args.count} | {rc['handler_1_us']:.1f} us "
          f"+ {rc['overhead_us']:.1f} us | - | - |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
