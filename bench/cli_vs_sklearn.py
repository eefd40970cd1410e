#!/usr/bin/python3
"""The commands a user types, as whole processes: `raincheck train`, `predict` and `evaluate`
against the scikit-learn and XGBoost Python scripts that do the same work, on the same CSV
files, in the same run. Prints the table of docs/benchmarks.md ("The commands end to end").

    cmake --build build --target raincheck
    bench/cli_vs_sklearn.py --quick                      # 20k rows, depth 12: a few minutes
    bench/cli_vs_sklearn.py --rows 100000                # one size, depths 12 and 20
    bench/cli_vs_sklearn.py                              # 100k and 1M rows (long: the 1M fits)
    bench/cli_vs_sklearn.py --train-rows 100000          # train at 100k only, predict at all sizes

Needs Debian's python3-sklearn, python3-xgboost and python3-pandas (scripts/bench-packages.txt), and
GNU time (/usr/bin/time, Debian's time) for --big-copies.

Data: bench/forest_speed.py's make_classification-like generator (12 continuous features),
2N rows for size N: the first N are train.csv, the other N test.csv (columns f0..f11, label),
written by pandas with 7 significant digits. Every contender reads these files.

What is timed (wall clock of the whole process, imports and reading included; best of
--repeat):
- train: `raincheck train --cv 0 --test-fraction 0` against read_csv + RandomForestClassifier
  .fit + pickle.dump; `raincheck train --cv 5` with a one-point grid (its other defaults)
  against read_csv + GridSearchCV (one point, cv=5, refit) + pickle.dump.
- predict: `raincheck predict --data test.csv --out p.csv` against read_csv + predict_proba +
  to_csv (scikit-learn, n_jobs=jobs) and read_csv + inplace_predict + to_csv (XGBoost, a random
  forest of the same trees and depth: num_parallel_tree=100).
- evaluate: `raincheck evaluate` against read_csv + predict_proba + accuracy, ROC AUC, Brier,
  log loss.
- CSV reading: pandas read_csv of test.csv against `raincheck predict` of a one-node model
  (reading, parsing and writing, next to no prediction), in MB/s of input.
AUC: each contender's predictions on test.csv, scored by sklearn.metrics.roc_auc_score.

--big-copies K (with --big-dir, default /tmp): after the rest, `raincheck predict` of the largest
size's first-depth model over K copies of that size's test.csv in one file (10 x 1,000,000 rows:
10 million rows, about 1.2 GB), output to /dev/null: wall clock and peak RSS (GNU time's %M),
to show that the streaming predictor's memory does not grow with the input. The file is deleted
afterwards.
"""
import argparse
import datetime
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "bench"))
import forest_speed  # noqa: E402  (the generator and XGBoost's random-forest parameters)

PY = "/usr/bin/python3"
FEATURES = ["f%d" % i for i in range(forest_speed.N_FEATURES)]

SKLEARN_FIT = """
import pickle, sys
import pandas as pd
from sklearn.ensemble import RandomForestClassifier
data, out, trees, depth, jobs = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
d = pd.read_csv(data)
m = RandomForestClassifier(n_estimators=trees, max_depth=depth, n_jobs=jobs, random_state=42)
m.fit(d.drop(columns="label").to_numpy(dtype="float32"), d["label"].to_numpy())
with open(out, "wb") as f:
    pickle.dump(m, f)
"""

SKLEARN_GRID = """
import pickle, sys
import pandas as pd
from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import GridSearchCV
data, out, trees, depth, jobs = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
d = pd.read_csv(data)
g = GridSearchCV(RandomForestClassifier(random_state=42),
                 {"n_estimators": [trees], "max_depth": [depth]}, cv=5, n_jobs=jobs, refit=True)
g.fit(d.drop(columns="label").to_numpy(dtype="float32"), d["label"].to_numpy())
with open(out, "wb") as f:
    pickle.dump(g.best_estimator_, f)
"""

SKLEARN_PREDICT = """
import pickle, sys
import pandas as pd
model, data, out, jobs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
with open(model, "rb") as f:
    m = pickle.load(f)
m.n_jobs = jobs
d = pd.read_csv(data)
p = m.predict_proba(d[%r].to_numpy(dtype="float32"))[:, 1]
pd.DataFrame({"prediction": (p > 0.5).astype(int), "probability": p}).to_csv(out, index=False, float_format="%%.6f")
""" % FEATURES

XGB_PREDICT = """
import sys
import pandas as pd
import xgboost as xgb
model, data, out, jobs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
b = xgb.Booster()
b.load_model(model)
b.set_param({"nthread": jobs})
d = pd.read_csv(data)
p = b.inplace_predict(d[%r].to_numpy(dtype="float32"))
pd.DataFrame({"prediction": (p > 0.5).astype(int), "probability": p}).to_csv(out, index=False, float_format="%%.6f")
""" % FEATURES

SKLEARN_EVALUATE = """
import json, pickle, sys
import pandas as pd
from sklearn.metrics import accuracy_score, brier_score_loss, log_loss, roc_auc_score
model, data, jobs = sys.argv[1], sys.argv[2], int(sys.argv[3])
with open(model, "rb") as f:
    m = pickle.load(f)
m.n_jobs = jobs
d = pd.read_csv(data)
y = d["label"].to_numpy()
p = m.predict_proba(d[%r].to_numpy(dtype="float32"))[:, 1]
print(json.dumps({"accuracy": accuracy_score(y, p > 0.5), "roc_auc": roc_auc_score(y, p),
                  "brier": brier_score_loss(y, p), "log_loss": log_loss(y, p)}))
""" % FEATURES

PANDAS_READ = """
import sys
import pandas as pd
pd.read_csv(sys.argv[1])
"""


def run(argv, **kw):
    """Wall-clock seconds of one process; raises with its stderr when it fails."""
    t0 = time.perf_counter()
    r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)
    seconds = time.perf_counter() - t0
    if r.returncode != 0:
        raise RuntimeError("%s exited %d:\n%s" % (" ".join(argv[:4]), r.returncode, r.stderr[-2000:]))
    return seconds, r.stdout


def best(argv, repeat):
    times, out = [], ""
    for _ in range(repeat):
        t, out = run(argv)
        times.append(t)
    return min(times), out


def write_csv(path, x, y):
    import pandas as pd
    d = pd.DataFrame(x, columns=FEATURES)
    d["label"] = y
    d.to_csv(path, index=False, float_format="%.7g")


def auc_of(csv_with_labels, predictions_csv):
    import pandas as pd
    from sklearn.metrics import roc_auc_score
    y = pd.read_csv(csv_with_labels, usecols=["label"])["label"].to_numpy()
    p = pd.read_csv(predictions_csv)["probability"].to_numpy()
    return roc_auc_score(y, p)


def train_xgb_rf(train_csv, out, trees, depth, jobs):
    import pandas as pd
    import xgboost as xgb
    d = pd.read_csv(train_csv)
    m = xgb.DMatrix(d[FEATURES].to_numpy(dtype="float32"), label=d["label"].to_numpy(), nthread=jobs)
    xgb.train(forest_speed.xgb_rf_params(depth, trees, jobs), m, num_boost_round=1).save_model(out)


def big_predict(rc, model, test_csv, copies, jobs, directory):
    """(rows, GB, seconds, peak RSS MB) of one predict over `copies` copies of test_csv."""
    big = os.path.join(directory, "rc-cli-bench-big-%d.csv" % os.getpid())
    try:
        with open(test_csv, "rb") as src:
            header = src.readline()
            body = src.read()
        with open(big, "wb") as out:
            out.write(header)
            for _ in range(copies):
                out.write(body)
        rows = copies * body.count(b"\n")
        gb = os.path.getsize(big) / 1e9
        del body
        # Peak RSS by /usr/bin/time (GNU time's %M): wait4's ru_maxrss of a child forked from
        # this Python process would count this process's pages, which the child held until exec.
        with tempfile.TemporaryFile() as err:
            t0 = time.perf_counter()
            r = subprocess.run(["/usr/bin/time", "-f", "maxrss_kb=%M", rc, "predict", "--model", model,
                                "--data", big, "--out", os.devnull, "--jobs", str(jobs)],
                               stdout=subprocess.DEVNULL, stderr=err)
            seconds = time.perf_counter() - t0
            err.seek(0)
            text = err.read().decode(errors="replace")
            if r.returncode != 0:
                raise RuntimeError("predict of %s exited %d:\n%s" % (big, r.returncode, text[-2000:]))
        rss_kb = int(text.rsplit("maxrss_kb=", 1)[1].split()[0])
        return rows, gb, seconds, rss_kb / 1024.0
    finally:
        if os.path.exists(big):
            os.remove(big)


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def commit():
    r = subprocess.run(["git", "-C", ROOT, "log", "-1", "--format=%h %cd", "--date=format:%Y-%m-%d %H:%M"],
                       capture_output=True, text=True)
    return r.stdout.strip() or "unknown"


def ratio(other, ours):
    return "%.1fx" % (other / ours) if ours > 0 else "-"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--raincheck", default=os.path.join(ROOT, "build", "bin", "raincheck"))
    ap.add_argument("--rows", default="100000,1000000", help="sizes N (train and test rows each)")
    ap.add_argument("--train-rows", default="", help="sizes to time train at (default: --rows)")
    ap.add_argument("--depths", default="12,20")
    ap.add_argument("--trees", type=int, default=100)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=1, help="best of this many runs per command")
    ap.add_argument("--skip-cv", action="store_true", help="leave out the --cv 5 / GridSearchCV row")
    ap.add_argument("--quick", action="store_true", help="20000 rows, depth 12")
    ap.add_argument("--workdir", default="", help="keep the data and models here (with --train-rows "
                    "excluding a size, the models of that size already there are reused)")
    ap.add_argument("--big-copies", type=int, default=0,
                    help="also predict over this many copies of the largest test.csv (peak RSS)")
    ap.add_argument("--big-dir", default="/tmp", help="where the --big-copies file is written")
    a = ap.parse_args()
    if a.quick:
        a.rows, a.depths = "20000", "12"
    rows = [int(r) for r in a.rows.split(",") if r]
    train_rows = [int(r) for r in a.train_rows.split(",") if r] if a.train_rows else rows
    depths = [int(d) for d in a.depths.split(",") if d]
    rc = os.path.abspath(a.raincheck)
    work = a.workdir or tempfile.mkdtemp(prefix="rc-cli-bench-")
    os.makedirs(work, exist_ok=True)

    print("# raincheck commands against scikit-learn %s / XGBoost %s scripts" % (
        __import__("sklearn").__version__, __import__("xgboost").__version__))
    print("date: %s; commit: %s; %s; %d cores, --jobs %d; load average at start: %s" % (
        datetime.datetime.utcnow().strftime("%Y-%m-%d %H:%M UTC"), commit(), rc, os.cpu_count(),
        a.jobs, loadavg()))
    print("command: bench/cli_vs_sklearn.py " + " ".join(sys.argv[1:]))
    results = []  # (rows, depth, what, raincheck s, sklearn s, xgboost s or None)
    aucs = []
    parse = []
    for n in rows:
        x, y = forest_speed.generate(2 * n, seed=7)
        train_csv, test_csv = os.path.join(work, "train%d.csv" % n), os.path.join(work, "test%d.csv" % n)
        write_csv(train_csv, x[:n], y[:n])
        write_csv(test_csv, x[n:], y[n:])
        mb = os.path.getsize(test_csv) / 1e6

        # CSV reading: pandas against a one-node model's predict (read, parse, write).
        stump = os.path.join(work, "stump%d.rcf" % n)
        run([rc, "train", "--data", train_csv, "--features", ",".join(FEATURES), "--label", "label",
             "--grid", "n_estimators=1 max_depth=1", "--cv", "0", "--test-fraction", "0",
             "--out", stump])
        t_pd, _ = best([PY, "-c", PANDAS_READ, test_csv], a.repeat)
        t_rc, _ = best([rc, "predict", "--model", stump, "--data", test_csv, "--out", os.devnull,
                        "--jobs", str(a.jobs)], a.repeat)
        t_rc1, _ = best([rc, "predict", "--model", stump, "--data", test_csv, "--out", os.devnull,
                         "--jobs", "1"], a.repeat)
        parse.append((n, mb, t_rc, t_rc1, t_pd))
        print("read %d rows (%.1f MB): raincheck predict of one node %.3f s = %.0f MB/s (%d threads), "
              "%.0f MB/s (1 thread); pandas read_csv %.3f s = %.0f MB/s" % (
                  n, mb, t_rc, mb / t_rc, a.jobs, mb / t_rc1, t_pd, mb / t_pd), flush=True)

        for depth in depths:
            tag = "%d_%d" % (n, depth)
            rcf, pkl, xgbm = (os.path.join(work, "m%s.%s" % (tag, e)) for e in ("rcf", "pkl", "json"))
            grid = "n_estimators=%d max_depth=%d" % (a.trees, depth)
            base = [rc, "train", "--data", train_csv, "--features", ",".join(FEATURES), "--label",
                    "label", "--grid", grid, "--jobs", str(a.jobs)]
            if n in train_rows:
                t_r, _ = best(base + ["--cv", "0", "--test-fraction", "0", "--out", rcf], a.repeat)
                t_s, _ = best([PY, "-c", SKLEARN_FIT, train_csv, pkl, str(a.trees), str(depth), str(a.jobs)], a.repeat)
                results.append((n, depth, "train --cv 0 --test-fraction 0 / read_csv + fit + pickle", t_r, t_s, None))
                print(results[-1], flush=True)
                if not a.skip_cv:
                    t_r5, _ = best(base + ["--cv", "5", "--out", os.path.join(work, "cv%s.rcf" % tag)], a.repeat)
                    t_s5, _ = best([PY, "-c", SKLEARN_GRID, train_csv, os.path.join(work, "cv%s.pkl" % tag),
                                    str(a.trees), str(depth), str(a.jobs)], a.repeat)
                    results.append((n, depth, "train --cv 5, one grid point / GridSearchCV(cv=5) + pickle", t_r5, t_s5, None))
                    print(results[-1], flush=True)
            else:  # models for predict, untimed; those a --workdir already holds are reused
                if not os.path.exists(rcf):
                    run(base + ["--cv", "0", "--test-fraction", "0", "--out", rcf])
                if not os.path.exists(pkl):
                    run([PY, "-c", SKLEARN_FIT, train_csv, pkl, str(a.trees), str(depth), str(a.jobs)])
            if n in train_rows or not os.path.exists(xgbm):
                train_xgb_rf(train_csv, xgbm, a.trees, depth, a.jobs)

            p_rc, p_sk, p_xg = (os.path.join(work, "p%s_%s.csv" % (tag, w)) for w in ("rc", "sk", "xgb"))
            t_r, _ = best([rc, "predict", "--model", rcf, "--data", test_csv, "--out", p_rc, "--jobs", str(a.jobs)], a.repeat)
            t_s, _ = best([PY, "-c", SKLEARN_PREDICT, pkl, test_csv, p_sk, str(a.jobs)], a.repeat)
            t_x, _ = best([PY, "-c", XGB_PREDICT, xgbm, test_csv, p_xg, str(a.jobs)], a.repeat)
            results.append((n, depth, "predict / read_csv + predict_proba + to_csv", t_r, t_s, t_x))
            print(results[-1], flush=True)
            t_r, _ = best([rc, "evaluate", "--model", rcf, "--data", test_csv, "--jobs", str(a.jobs)], a.repeat)
            t_s, _ = best([PY, "-c", SKLEARN_EVALUATE, pkl, test_csv, str(a.jobs)], a.repeat)
            results.append((n, depth, "evaluate / read_csv + predict_proba + metrics", t_r, t_s, None))
            print(results[-1], flush=True)
            aucs.append((n, depth, auc_of(test_csv, p_rc), auc_of(test_csv, p_sk), auc_of(test_csv, p_xg)))

    big = None
    if a.big_copies > 0:
        n = rows[-1]
        model = os.path.join(work, "m%d_%d.rcf" % (n, depths[0]))
        big = (n, depths[0]) + big_predict(rc, model, os.path.join(work, "test%d.csv" % n),
                                           a.big_copies, a.jobs, a.big_dir)
        print("big predict:", big, flush=True)

    print("\n### The commands end to end (%d trees, %d cores, --jobs %d; wall clock, best of %d)\n" % (
        a.trees, os.cpu_count(), a.jobs, a.repeat))
    print("| rows | depth | raincheck command / Python script | raincheck | scikit-learn | ratio | XGBoost | ratio |")
    print("|---|---|---|---|---|---|---|---|")
    for n, depth, what, t_r, t_s, t_x in results:
        print("| %d | %d | %s | %.2f s | %.2f s | %s | %s | %s |" % (
            n, depth, what, t_r, t_s, ratio(t_s, t_r), "%.2f s" % t_x if t_x else "-",
            ratio(t_x, t_r) if t_x else "-"))
    print("\n| rows | depth | ROC AUC raincheck | ROC AUC scikit-learn | ROC AUC XGBoost (random forest) |")
    print("|---|---|---|---|---|")
    for n, depth, ar, asl, ax in aucs:
        print("| %d | %d | %.4f | %.4f | %.4f |" % (n, depth, ar, asl, ax))
    print("\n| rows | CSV MB | raincheck predict, one-node model (--jobs %d) | same, --jobs 1 | pandas read_csv |" % a.jobs)
    print("|---|---|---|---|---|")
    for n, mb, t_rc, t_rc1, t_pd in parse:
        print("| %d | %.1f | %.3f s, %.0f MB/s | %.3f s, %.0f MB/s | %.3f s, %.0f MB/s |" % (
            n, mb, t_rc, mb / t_rc, t_rc1, mb / t_rc1, t_pd, mb / t_pd))
    if big:
        n, depth, big_rows, gb, seconds, rss = big
        print("\n| rows | CSV GB | model | raincheck predict (--jobs %d, --out /dev/null) | peak RSS |" % a.jobs)
        print("|---|---|---|---|---|")
        print("| %d | %.2f | %d trees, depth %d, trained on %d rows | %.1f s, %.0f MB/s | %.0f MB |" % (
            big_rows, gb, a.trees, depth, n, seconds, gb * 1000 / seconds, rss))
    print("\nload average at the end: %s" % loadavg())


if __name__ == "__main__":
    main()
