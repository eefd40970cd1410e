#!/usr/bin/python3
"""An imported XGBoost model in raincheck beside XGBoost itself, in the same run
(docs/import.md, "Speed").

    bench/import_speed.py --build BUILD_DIR [--trees 100] [--depth 6] [--rows 100000]

Trains a binary:logistic XGBoost model (hist, 10 features), saves it with save_model(.json),
imports it with `raincheck import`, and times:
  - one row: XGBoost's inplace_predict on a 1-row array (nthread=1) against
    forest::Model::PredictProba (bench/forest_tool), both in process CPU time, best of five;
  - a batch of --rows rows: inplace_predict with nthread=2 (wall clock and CPU time) against
    Model::PredictProbaBatch on one thread (CPU time, best of three).
Also checks that both give the same probabilities on the batch. Needs python3-xgboost and the
build's `raincheck` and `forest_tool` (RAINCHECK_BENCH=ON).
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import xgboost as xgb


def best_of(fn, repeat, number, clock):
    best = float("inf")
    for _ in range(repeat):
        t0 = clock()
        for _ in range(number):
            fn()
        best = min(best, (clock() - t0) / number)
    return best


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True)
    ap.add_argument("--trees", type=int, default=100)
    ap.add_argument("--depth", type=int, default=6)
    ap.add_argument("--rows", type=int, default=100000)
    args = ap.parse_args()
    raincheck = os.path.join(args.build, "bin", "raincheck")
    tool = os.path.join(args.build, "bin", "forest_tool")
    work = tempfile.mkdtemp(prefix="import_speed_")

    rng = np.random.default_rng(7)
    nf = 10
    X = rng.normal(size=(20000, nf)).astype(np.float32)
    y = (X[:, 0] + X[:, 1] * X[:, 2] - X[:, 3] ** 2 + rng.normal(size=len(X)) > -1).astype(int)
    params = {"objective": "binary:logistic", "max_depth": args.depth, "eta": 0.3,
              "tree_method": "hist", "nthread": 2, "seed": 1}
    bst = xgb.train(params, xgb.DMatrix(X, label=y), num_boost_round=args.trees)
    model_json = os.path.join(work, "m.json")
    bst.save_model(model_json)
    rcf = os.path.join(work, "m.rcf")
    subprocess.run([raincheck, "import", "--from", "xgboost", model_json, "--out", rcf],
                   check=True, stdout=subprocess.DEVNULL)

    Xt = rng.normal(size=(args.rows, nf)).astype(np.float32)
    x_path, proba_path = os.path.join(work, "x.f32"), os.path.join(work, "p.f64")
    Xt.tofile(x_path)
    out = subprocess.run([tool, "predict", "--model", rcf, "--x", x_path, "--proba", proba_path,
                          "--single-rows", "1000"], check=True, capture_output=True, text=True)
    rc = json.loads(out.stdout)
    ours = np.fromfile(proba_path, dtype=np.float64)

    # XGBoost, one row per call on one thread.
    bst.set_param({"nthread": 1})
    rows = [Xt[i:i + 1] for i in range(200)]
    it = iter(range(10 ** 9))
    xgb_one = best_of(lambda: bst.inplace_predict(rows[next(it) % 200]), 5, 1000,
                      time.process_time)
    # XGBoost, the batch on two threads.
    bst.set_param({"nthread": 2})
    theirs = bst.inplace_predict(Xt)
    xgb_wall = best_of(lambda: bst.inplace_predict(Xt), 3, 1, time.perf_counter)
    xgb_cpu = best_of(lambda: bst.inplace_predict(Xt), 3, 1, time.process_time)
    diff = float(np.max(np.abs(ours - theirs.astype(np.float64))))

    rc_one = rc["single_ns"] * 1e-9
    rc_batch = rc["batch_seconds"]
    print(f"XGBoost {xgb.__version__}: {args.trees} trees, depth {args.depth}, {nf} features; "
          f"max |raincheck - XGBoost| on {args.rows} rows: {diff:.3g}")
    print("| | raincheck (imported) | XGBoost inplace_predict | ratio |")
    print("|---|---|---|---|")
    print(f"| one row (1 thread, CPU time) | {rc_one * 1e6:.2f} us | {xgb_one * 1e6:.1f} us | "
          f"{xgb_one / rc_one:.0f}x |")
    print(f"| {args.rows} rows (raincheck 1 thread CPU; XGBoost 2 threads wall) | "
          f"{rc_batch * 1e3:.1f} ms | {xgb_wall * 1e3:.1f} ms | {xgb_wall / rc_batch:.1f}x |")
    print(f"| {args.rows} rows, CPU time of each | {rc_batch * 1e3:.1f} ms | "
          f"{xgb_cpu * 1e3:.1f} ms | {xgb_cpu / rc_batch:.1f}x |")
    return 0 if diff <= 1e-6 else 1


if __name__ == "__main__":
    sys.exit(main())
