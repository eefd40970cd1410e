#!/usr/bin/python3
"""Forest inference and training speed: raincheck against scikit-learn and XGBoost on the
same data in the same run. Prints the tables of docs/benchmarks.md ("Forest inference and
training").

    cmake --preset bench && cmake --build --preset bench --target forest_tool
    bench/forest_speed.py              # everything (the 1M-row fits take several minutes)
    bench/forest_speed.py --quick      # small sizes, a minute or so: a smoke run

Needs Debian's python3-sklearn and python3-xgboost (scripts/bench-packages.txt; --install-deps
installs them). Runs with /usr/bin/python3 so that Debian's packages are found whatever
python3 is on PATH.

Data: make_classification-like (see `generate`): 12 features of which 6 informative (Gaussian
clusters, two per class, on the vertices of a hypercube with side 2 * class_sep, each
sheared by a random matrix), 2 redundant (random linear combinations of the informative
ones), 4 noise, 1 % of labels flipped, numpy RandomState(seed). Written once as raw float32
and uint8 arrays and read by every contender, so all three see exactly the same rows.
Every fit and every memory measurement runs in its own child process, which reports its
own peak resident set (VmHWM). One-thread timings (predict, load) are CPU time of the
process (the machine is shared); fits with several threads are wall-clock time.
"""
import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
N_FEATURES = 12


def install_deps():
    subprocess.run([os.path.join(ROOT, "scripts", "install-packages.sh"),
                    os.path.join(ROOT, "scripts", "bench-packages.txt")], check=True)


def generate(n, seed, n_informative=6, n_redundant=2, class_sep=1.0, flip_y=0.01):
    """A make_classification-like binary problem with N_FEATURES columns (float32, uint8)."""
    import numpy as np
    rng = np.random.RandomState(seed)
    clusters = 4  # two per class
    # Distinct hypercube vertices as centroids, scaled to side 2 * class_sep.
    vertices = set()
    while len(vertices) < clusters:
        vertices.add(tuple(rng.randint(2, size=n_informative)))
    centroids = (np.array(sorted(vertices), dtype=np.float64) * 2 - 1) * class_sep
    shear = [rng.uniform(-1, 1, size=(n_informative, n_informative)) for _ in range(clusters)]
    y = np.empty(n, dtype=np.uint8)
    xi = rng.standard_normal(size=(n, n_informative))
    which = rng.randint(clusters, size=n)
    for c in range(clusters):
        mask = which == c
        xi[mask] = xi[mask] @ shear[c] + centroids[c]
        y[mask] = c % 2
    redundant = xi @ rng.uniform(-1, 1, size=(n_informative, n_redundant))
    noise = rng.standard_normal(size=(n, N_FEATURES - n_informative - n_redundant))
    x = np.hstack([xi, redundant, noise]).astype(np.float32)
    flip = rng.uniform(size=n) < flip_y
    y[flip] = rng.randint(2, size=int(flip.sum()))
    order = rng.permutation(N_FEATURES)  # informative columns are not the first ones
    return np.ascontiguousarray(x[:, order]), y


def write_data(path_prefix, x, y):
    x.tofile(path_prefix + ".f32")
    y.tofile(path_prefix + ".u8")


def read_data(path_prefix):
    import numpy as np
    x = np.fromfile(path_prefix + ".f32", dtype=np.float32).reshape(-1, N_FEATURES)
    y = np.fromfile(path_prefix + ".u8", dtype=np.uint8)
    return x, y


def peak_rss_mb():
    """This process's peak resident set (VmHWM). Not wait4's ru_maxrss: on Linux that keeps
    the high-water mark of the forking parent across exec."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


def run_child(argv):
    """Runs argv, returns (its JSON line, the peak RSS in MB it reported)."""
    argv = [str(a) for a in argv]
    p = subprocess.run(argv, stdout=subprocess.PIPE, text=True)
    if p.returncode != 0:
        raise SystemExit("failed: " + " ".join(argv))
    lines = [l for l in p.stdout.splitlines() if l.strip()]
    out = json.loads(lines[-1]) if lines else {}
    return out, out.get("peak_rss_mb", float("nan"))


def child_cmd(*args):
    return [sys.executable, os.path.abspath(__file__), "--child"] + [str(a) for a in args]


# ---- children: one framework, one job, JSON on stdout ---------------------------------------

def xgb_rf_params(depth, trees, jobs):
    return {"objective": "binary:logistic", "tree_method": "hist", "max_depth": depth,
            "num_parallel_tree": trees, "subsample": 0.632,
            "colsample_bynode": math.sqrt(N_FEATURES) / N_FEATURES, "learning_rate": 1.0,
            "nthread": jobs, "seed": 42, "max_bin": 256}


def child(argv):
    import pickle
    import numpy as np
    kind, train, test, trees, depth, jobs, out = argv[:7]
    trees, depth, jobs = int(trees), int(depth), int(jobs)
    x, y = read_data(train)
    if kind == "sklearn-fit":
        from sklearn.ensemble import RandomForestClassifier
        from sklearn.metrics import roc_auc_score
        m = RandomForestClassifier(n_estimators=trees, max_depth=depth, n_jobs=jobs,
                                   random_state=42)
        t0 = time.perf_counter()
        m.fit(x, y)
        fit = time.perf_counter() - t0
        xt, yt = read_data(test)
        m.n_jobs = 1
        auc = roc_auc_score(yt, m.predict_proba(xt)[:, 1])
        if out != "-":
            with open(out, "wb") as f:
                pickle.dump(m, f)
        print(json.dumps({"fit_seconds": fit, "auc": auc, "peak_rss_mb": peak_rss_mb()}))
    elif kind == "xgb-fit":
        import xgboost as xgb
        from sklearn.metrics import roc_auc_score
        t0 = time.perf_counter()
        d = xgb.DMatrix(x, label=y, nthread=jobs)
        b = xgb.train(xgb_rf_params(depth, trees, jobs), d, num_boost_round=1)
        fit = time.perf_counter() - t0
        xt, yt = read_data(test)
        b.set_param({"nthread": 1})
        auc = roc_auc_score(yt, b.inplace_predict(xt))
        if out != "-":
            b.save_model(out)
        print(json.dumps({"fit_seconds": fit, "auc": auc, "peak_rss_mb": peak_rss_mb()}))


# ---- the parent --------------------------------------------------------------------------

def timeit_min(fn, repeat, number):
    """Best of `repeat` of the mean CPU time of `number` calls (process CPU time: the machine
    is shared, time spent descheduled is not charged; forest_tool does the same)."""
    best = float("inf")
    for _ in range(repeat):
        t0 = time.process_time()
        for _ in range(number):
            fn()
        best = min(best, (time.process_time() - t0) / number)
    return best


def auc_of(y, p):
    from sklearn.metrics import roc_auc_score
    return roc_auc_score(y, p)


def table(title, header, rows):
    print("\n### " + title + "\n")
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---" for _ in header) + "|")
    for r in rows:
        print("| " + " | ".join(str(c) for c in r) + " |")
    sys.stdout.flush()


def machine():
    info = {}
    out = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
    for line in out.splitlines():
        k, _, v = line.partition(":")
        if k.strip() in ("Model name", "CPU(s)", "Thread(s) per core", "L2 cache", "L3 cache"):
            info[k.strip()] = v.strip()
    with open("/proc/meminfo") as f:
        info["Memory"] = "%.1f GiB" % (int(f.readline().split()[1]) / 1024 / 1024)
    return info


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--install-deps", action="store_true")
    ap.add_argument("--quick", action="store_true", help="small sizes (a smoke run)")
    ap.add_argument("--tool", default=os.path.join(ROOT, "build-bench", "bin", "forest_tool"))
    ap.add_argument("--default-model", default=os.path.join(ROOT, "build", "models", "seattle.rcf"))
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--skip-training", action="store_true")
    ap.add_argument("--training-only", action="store_true")
    ap.add_argument("--sizes", default="", help="training set sizes, e.g. 1000000 (default "
                    "10000,100000,1000000; with --quick 10000,100000)")
    args = ap.parse_args()
    if args.install_deps:
        install_deps()
    import numpy as np
    import sklearn
    import xgboost as xgb
    from sklearn.ensemble import RandomForestClassifier

    if not os.path.exists(args.tool):
        raise SystemExit("no %s: cmake --preset bench && cmake --build --preset bench "
                         "--target forest_tool" % args.tool)
    tmp = tempfile.mkdtemp(prefix="forest_speed_")
    tool = args.tool
    print("## Forest inference and training\n")
    print("Machine: " + "; ".join("%s: %s" % kv for kv in machine().items()))
    print("scikit-learn %s, XGBoost %s, numpy %s" % (sklearn.__version__, xgb.__version__,
                                                      np.__version__))
    print("Load average at the start: %.2f %.2f %.2f" % os.getloadavg())

    if args.training_only:
        return training(args, tool, tmp)

    # ---- inference: 100 trees, depth <= 12, 12 features -------------------------------------
    n_fit = 5000 if args.quick else 20000
    batch_n = 10000 if args.quick else 100000
    x, y = generate(n_fit + batch_n, seed=1)
    train, rows = os.path.join(tmp, "inf_train"), os.path.join(tmp, "inf_rows")
    write_data(train, x[:n_fit], y[:n_fit])
    write_data(rows, x[n_fit:], y[n_fit:])
    xb = np.ascontiguousarray(x[n_fit:])
    trees, depth = 100, 12
    rc_model = os.path.join(tmp, "inf.rcf")
    run_child([tool, "fit", "--x", train + ".f32", "--y", train + ".u8", "--features",
               N_FEATURES, "--trees", trees, "--depth", depth, "--jobs", args.jobs,
               "--out", rc_model])
    rc, _ = run_child([tool, "predict", "--model", rc_model, "--x", rows + ".f32",
                       "--single-rows", 1000])
    sk = RandomForestClassifier(n_estimators=trees, max_depth=depth, n_jobs=args.jobs,
                                random_state=42).fit(x[:n_fit], y[:n_fit])
    sk.n_jobs = 1
    bst = xgb.train(xgb_rf_params(depth, trees, args.jobs), xgb.DMatrix(x[:n_fit], label=y[:n_fit]),
                    num_boost_round=1)
    bst.set_param({"nthread": 1})
    one = [xb[i:i + 1] for i in range(200)]
    it = iter(range(10**9))
    sk_one = timeit_min(lambda: sk.predict_proba(one[next(it) % 200]), 3, 100 if args.quick else 300)
    xgb_one = timeit_min(lambda: bst.inplace_predict(one[next(it) % 200]), 3, 1000)
    rc_one = rc["single_ns"] * 1e-9
    # The one-row paths forced (PredictProba takes AVX-512 where the CPU has it).
    rc_avx2, rc_scalar = rc["single_avx2_ns"] * 1e-9, rc["single_scalar_ns"] * 1e-9
    per = lambda s: "%.1f" % (s * 1e9 / trees)
    table("One row, %d trees, depth <= %d, %d features (one thread)" % (trees, depth, N_FEATURES),
          ["", "latency", "ns per tree per row", "raincheck is faster by"],
          [["raincheck PredictProba", "%.2f us" % (rc_one * 1e6), per(rc_one), "-"],
           ["raincheck, AVX2 path forced", "%.2f us" % (rc_avx2 * 1e6), per(rc_avx2), "-"],
           ["raincheck, scalar path forced", "%.2f us" % (rc_scalar * 1e6), per(rc_scalar), "-"],
           ["scikit-learn predict_proba", "%.1f us" % (sk_one * 1e6), per(sk_one),
            "%.0fx" % (sk_one / rc_one)],
           ["XGBoost inplace_predict", "%.1f us" % (xgb_one * 1e6), per(xgb_one),
            "%.1fx" % (xgb_one / rc_one)]])

    sk_b = timeit_min(lambda: sk.predict_proba(xb), 1 if not args.quick else 2, 1)
    xgb_b = timeit_min(lambda: bst.inplace_predict(xb), 3, 1)
    rc_b = rc["batch_seconds"]
    rate = lambda s: "%.2f M" % (batch_n / s / 1e6)
    table("Batch of %d rows, same forests, one thread" % batch_n,
          ["", "time", "rows/s", "ns per tree per row", "raincheck throughput is"],
          [["raincheck PredictProbaBatch", "%.1f ms" % (rc_b * 1e3), rate(rc_b),
            "%.2f" % (rc_b * 1e9 / batch_n / trees), "-"],
           ["scikit-learn predict_proba", "%.1f ms" % (sk_b * 1e3), rate(sk_b),
            "%.2f" % (sk_b * 1e9 / batch_n / trees), "%.1fx" % (sk_b / rc_b)],
           ["XGBoost inplace_predict", "%.1f ms" % (xgb_b * 1e3), rate(xgb_b),
            "%.2f" % (xgb_b * 1e9 / batch_n / trees), "%.1fx" % (xgb_b / rc_b)]])
    # The same rows through all three: the forests are different fits, so report agreement
    # of quality, not of values.
    with_auc = rc_model + ".proba"
    run_child([tool, "predict", "--model", rc_model, "--x", rows + ".f32", "--proba", with_auc,
               "--single-rows", 10])
    p_rc = np.fromfile(with_auc, dtype=np.float64)
    print("\nAUC on those rows: raincheck %.4f, scikit-learn %.4f, XGBoost RF %.4f" % (
        auc_of(y[n_fit:], p_rc), auc_of(y[n_fit:], sk.predict_proba(xb)[:, 1]),
        auc_of(y[n_fit:], bst.inplace_predict(xb))))

    # ---- load time and RSS -----------------------------------------------------------------
    load_model = os.path.join(tmp, "load500.rcf")
    n_load = 3000
    write_data(os.path.join(tmp, "load"), *generate(n_load, seed=2))
    fit500, _ = run_child([tool, "fit", "--x", os.path.join(tmp, "load.f32"), "--y",
                           os.path.join(tmp, "load.u8"), "--features", N_FEATURES, "--trees", 500,
                           "--depth", 8, "--jobs", args.jobs, "--out", load_model])
    # Each load count runs in a fresh process: its first load finds fresh memory (as at a cold
    # start); later loads may reuse freed heap pages. kernel_share: the part of the loop's CPU
    # time spent in the kernel (mapping the file, faulting in the arrays' pages).
    load_row = lambda name, r: [name, "%.3f ms" % r["load_min_ms"],
                                "%.3f ms" % r["load_median_ms"], "%.3f ms" % r["load_first_ms"],
                                "%.0f %%" % (100 * r["kernel_share"])]
    ld, _ = run_child([tool, "load", "--model", load_model, "--repeat", 300])
    rows_out = [load_row("raincheck Model::Load, 500 trees depth <= 8 (%d nodes, %.0f KB)" % (
        fit500["nodes"], os.path.getsize(load_model) / 1024), ld)]
    # The same with glibc keeping freed heap pages (no trim, no mmap for large blocks): a
    # process that reloads its model reuses pages instead of faulting in fresh ones, so this
    # is the load's own work.
    warm_env = dict(os.environ, GLIBC_TUNABLES="glibc.malloc.trim_threshold=268435456:"
                    "glibc.malloc.mmap_threshold=268435456")
    p = subprocess.run([str(a) for a in [tool, "load", "--model", load_model, "--repeat", 300]],
                       stdout=subprocess.PIPE, text=True, env=warm_env, check=True)
    rows_out.append(load_row("the same, freed heap pages kept (GLIBC_TUNABLES trim/mmap "
                             "thresholds 256 MB)", json.loads(p.stdout.strip().splitlines()[-1])))
    if os.path.exists(args.default_model):
        ldd, _ = run_child([tool, "load", "--model", args.default_model, "--repeat", 300])
        rows_out.append(load_row("raincheck Model::Load, default model (%d trees, %.0f KB)" % (
            ldd["trees"], os.path.getsize(args.default_model) / 1024), ldd))
    table("Model load (warm page cache, 300 loads in one process, CPU time)",
          ["", "min", "median", "first load of the process", "kernel share"], rows_out)
    if os.path.exists(args.default_model):
        _, bare = run_child([tool, "bare"])  # the same binary, doing nothing
        _, loaded = run_child([tool, "rss", "--model", args.default_model, "--x", "-"])
        table("Peak RSS: load the default model and predict one row",
              ["process", "peak RSS"],
              [["bare (forest_tool bare)", "%.1f MB" % bare],
               ["load default model + PredictProba", "%.1f MB" % loaded],
               ["difference", "%.1f MB" % (loaded - bare)]])

    # ---- predict time against the number and depth of trees ---------------------------------
    res = []
    for t in ([10, 100] if args.quick else [10, 100, 500]):
        for d in ([6, 12] if args.quick else [6, 12, 20]):
            mpath = os.path.join(tmp, "grid_%d_%d.rcf" % (t, d))
            fr, _ = run_child([tool, "fit", "--x", train + ".f32", "--y", train + ".u8",
                               "--features", N_FEATURES, "--trees", t, "--depth", d, "--jobs",
                               args.jobs, "--out", mpath])
            pr, _ = run_child([tool, "predict", "--model", mpath, "--x", rows + ".f32",
                               "--single-rows", 1000])
            res.append([t, d, fr["nodes"], "%.2f us" % (pr["single_ns"] / 1e3),
                        "%.1f" % (pr["single_ns"] / t),
                        "%.1f ms" % (pr["batch_seconds"] * 1e3),
                        "%.2f" % (pr["batch_seconds"] * 1e9 / pr["rows"] / t)])
    table("raincheck predict time against forest size (trained on %d rows)" % n_fit,
          ["trees", "max depth", "nodes", "one row", "ns/tree (one row)",
           "batch of %d" % batch_n, "ns/tree/row (batch)"], res)
    print("\nLoad average after the inference runs: %.2f %.2f %.2f" % os.getloadavg())

    if not args.skip_training:
        training(args, tool, tmp)


def training(args, tool, tmp):
    import numpy as np
    # ---- training ---------------------------------------------------------------------------
    sizes = [10000, 100000] if args.quick else [10000, 100000, 1000000]
    if args.sizes:
        sizes = [int(v) for v in args.sizes.split(",")]
    n_test = 20000 if args.quick else 100000
    depth = 20
    x, y = generate(max(sizes) + n_test, seed=3)
    test = os.path.join(tmp, "test")
    write_data(test, x[-n_test:], y[-n_test:])
    rows = []
    for n in sizes:
        train = os.path.join(tmp, "train_%d" % n)
        write_data(train, x[:n], y[:n])
        r_fit, r_mem = run_child([tool, "fit", "--x", train + ".f32", "--y", train + ".u8",
                                  "--features", N_FEATURES, "--trees", 100, "--depth", depth,
                                  "--jobs", args.jobs, "--out", os.path.join(tmp, "t.rcf")])
        r_pred, _ = run_child([tool, "predict", "--model", os.path.join(tmp, "t.rcf"), "--x",
                               test + ".f32", "--proba", os.path.join(tmp, "t.proba"),
                               "--single-rows", 10])
        r_auc = auc_of(y[-n_test:], np.fromfile(os.path.join(tmp, "t.proba"), dtype=np.float64))
        s, s_mem = run_child(child_cmd("sklearn-fit", train, test, 100, depth, args.jobs, "-"))
        g, g_mem = run_child(child_cmd("xgb-fit", train, test, 100, depth, args.jobs, "-"))
        rows.append([n, "%.1f s" % r_fit["fit_seconds"], "%.1f s" % s["fit_seconds"],
                     "%.1f s" % g["fit_seconds"],
                     "%.1fx / %.1fx" % (s["fit_seconds"] / r_fit["fit_seconds"],
                                        g["fit_seconds"] / r_fit["fit_seconds"]),
                     "%.4f / %.4f / %.4f" % (r_auc, s["auc"], g["auc"]),
                     "%.0f / %.0f / %.0f MB" % (r_mem, s_mem, g_mem)])
        table("Training so far (100 trees, depth %d, %d threads)" % (depth, args.jobs),
              ["rows", "raincheck fit", "scikit-learn fit", "XGBoost RF fit",
               "raincheck faster than sklearn / XGBoost", "test AUC rc / sk / xgb",
               "peak RSS rc / sk / xgb"], rows)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2:])
    else:
        main()
