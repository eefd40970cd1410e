#!/usr/bin/python3
"""Trains scikit-learn's RandomForestClassifier and raincheck's forest on the same data with
the same recipe (label, features, 80/20 split, k-fold grid search) in one run, and prints
both models' metrics and fit times side by side.

Default: the Cape Town DarkSky history with the original recipe. Run from the repository:

    bench/forest_vs_sklearn.py                 # builds nothing; needs build/bin/raincheck
    bench/forest_vs_sklearn.py --grid 'n_estimators=10,50;max_depth=8,9' --jobs 2

Needs Debian's python3-sklearn (scripts/bench-packages.txt; installed with --install-deps).
Uses /usr/bin/python3 so that Debian's packages are found whatever python3 is on PATH.
"""
import argparse
import csv
import json
import math
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FEATURES = ("apparentTemperature,cloudCover,dewPoint,humidity,ozone,pressure,temperature,"
            "uvIndex,visibility,windBearing,windGust,windSpeed")
GRID = "n_estimators=10,20,30,40,50,100,200,500;max_depth=8,9,10,11,12,13,14"


def install_deps():
    subprocess.run([os.path.join(ROOT, "scripts", "install-packages.sh"),
                    os.path.join(ROOT, "scripts", "bench-packages.txt")], check=True)


def parse_grid(text):
    grid = {}
    for part in text.split(";"):
        if part.strip():
            name, values = part.split("=", 1)
            grid[name.strip()] = [None if v.strip() == "none" else int(v) for v in values.split(",")]
    return grid


def load(path, features, label_col, label_value, ahead):
    with open(path, newline="", encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    def num(v):
        return float("nan") if v.strip() in ("", "NaN", "nan", "NA") else float(v)
    X = [[num(r[c]) for c in features] for r in rows]
    y = [1 if r[label_col] == label_value else 0 for r in rows]
    if ahead:
        X, y = X[:-ahead], y[ahead:]
    return X, y


def sklearn_side(args):
    import numpy as np
    import sklearn
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.metrics import accuracy_score, brier_score_loss, log_loss, roc_auc_score
    from sklearn.model_selection import GridSearchCV, train_test_split
    features = args.features.split(",")
    col, value = args.label.split("=", 1)
    X, y = load(args.data, features, col, value, args.label_ahead)
    X, y = np.array(X, dtype=np.float32), np.array(y)
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=args.test_fraction, random_state=args.seed)
    t0 = time.perf_counter()
    gs = GridSearchCV(RandomForestClassifier(random_state=args.seed), parse_grid(args.grid),
                      cv=args.cv, scoring="accuracy", n_jobs=args.jobs)
    gs.fit(Xtr, ytr)
    fit = time.perf_counter() - t0
    p = gs.best_estimator_.predict_proba(Xte)[:, 1]
    return {
        "version": "scikit-learn " + sklearn.__version__,
        "best": gs.best_params_, "cv": gs.best_score_,
        "accuracy": accuracy_score(yte, (p > 0.5).astype(int)), "roc_auc": roc_auc_score(yte, p),
        "brier": brier_score_loss(yte, p), "log_loss": log_loss(yte, p, labels=[0, 1]),
        "seconds": fit, "test_rows": len(yte),
    }


def raincheck_side(args):
    exe = os.path.join(ROOT, "build", "bin", "raincheck")
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "m.rcf")
        cmd = [exe, "train", "--data", args.data, "--features", args.features, "--label",
               args.label, "--label-ahead", str(args.label_ahead), "--grid", args.grid, "--cv",
               str(args.cv), "--test-fraction", str(args.test_fraction), "--seed", str(args.seed),
               "--jobs", str(args.jobs), "--out", out]
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        fit = time.perf_counter() - t0
        with open(os.path.join(tmp, "m.card.json")) as f:
            card = json.load(f)
    sel = card["selection"]
    best = sel["grid"][sel["best_index"]]
    t = card["evaluation"]["test"]
    return {
        "version": card["created_by"], "best": best["params"], "cv": best["mean"],
        "accuracy": t["accuracy"], "roc_auc": t["roc_auc"], "brier": t["brier"],
        "log_loss": t["log_loss"], "seconds": fit, "test_rows": card["evaluation"]["test_rows"],
        "majority": card["evaluation"]["baselines"]["majority_class"]["accuracy"],
        "climatology_brier": card["evaluation"]["baselines"]["climatology"]["brier"],
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=os.path.join(ROOT, "data", "capetown", "capetown_darksky_daily.csv"))
    ap.add_argument("--features", default=FEATURES)
    ap.add_argument("--label", default="precipType=rain")
    ap.add_argument("--label-ahead", type=int, default=1)
    ap.add_argument("--grid", default=GRID)
    ap.add_argument("--cv", type=int, default=5)
    ap.add_argument("--test-fraction", type=float, default=0.2)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--install-deps", action="store_true", help="apt-get install scripts/bench-packages.txt")
    args = ap.parse_args()
    if args.install_deps:
        install_deps()
    try:
        import sklearn  # noqa: F401
    except ImportError:
        sys.exit("scikit-learn missing: run with --install-deps (Debian's python3-sklearn)")
    sk = sklearn_side(args)
    rc = raincheck_side(args)
    print(f"data: {os.path.basename(args.data)}; grid: {args.grid}; {args.cv}-fold CV; "
          f"{args.test_fraction:.0%} held out (seed {args.seed}, {sk['test_rows']} rows); jobs {args.jobs}\n")
    print(f"{'':28}{sk['version']:>32}{rc['version']:>32}")
    def row(name, key, fmt="{:.4f}"):
        a, b = sk.get(key), rc.get(key)
        fa = fmt.format(a) if isinstance(a, (int, float)) else str(a)
        fb = fmt.format(b) if isinstance(b, (int, float)) else str(b)
        print(f"{name:28}{fa:>32}{fb:>32}")
    sk["best"] = ",".join(f"{k}={v}" for k, v in sorted(sk["best"].items()))
    rc["best"] = ",".join(f"{k}={v}" for k, v in sorted(rc["best"].items()))
    row("chosen parameters", "best", "{}")
    row("CV accuracy (best point)", "cv")
    row("held-out accuracy", "accuracy")
    row("held-out ROC AUC", "roc_auc")
    row("held-out Brier", "brier")
    row("held-out log loss", "log_loss")
    row("grid search + fit, seconds", "seconds", "{:.2f}")
    print(f"\nbaselines on the same held-out rows: majority class accuracy {rc['majority']:.4f}, "
          f"climatology Brier {rc['climatology_brier']:.4f}")
    print("raincheck's time includes process start, reading the CSV, the card and writing files.")


if __name__ == "__main__":
    main()
