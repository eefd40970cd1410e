#!/usr/bin/python3
"""Models and expected predictions for tests/import_test.cc (docs/import.md, "Exactness").

    tests/import_models.py WORK_DIR

Trains XGBoost and scikit-learn models (Debian's python3-xgboost and python3-sklearn), saves
them as a user would (save_model("m.json"), joblib / pickle + scripts/export_sklearn.py), and
for each writes 10,000 test rows (a quarter of the cells exactly on one of the model's
thresholds; 5 % missing for XGBoost: scikit-learn 1.2 refuses NaN) as CSV and raw float32,
the library's predictions (predict / predict_proba, and the margin: output_margin=True,
decision_function) as raw float64, and the library's answer in `raincheck predict`'s CSV
format. WORK_DIR/manifest.json lists the cases. Exits 77 (skip) when a module is missing.
"""

import json
import os
import pickle
import subprocess
import sys

try:
    import joblib
    import numpy as np
    import pandas as pd
    import sklearn
    import xgboost as xgb
    from sklearn.ensemble import (ExtraTreesClassifier, GradientBoostingClassifier,
                                  GradientBoostingRegressor, RandomForestClassifier)
    from sklearn.tree import DecisionTreeClassifier
except ImportError as e:
    print(f"skipped: {e} (Debian: apt-get install python3-xgboost python3-sklearn)")
    sys.exit(77)

HERE = os.path.dirname(os.path.abspath(__file__))
EXPORTER = os.path.join(HERE, "..", "scripts", "export_sklearn.py")
N_TRAIN, N_TEST, N_FEATURES = 3000, 10000, 8
NAMES = [f"x{i}" for i in range(N_FEATURES)]


def training_data(rng, nan):
    X = rng.normal(size=(N_TRAIN, N_FEATURES)).astype(np.float32)
    X[:, 3] = np.round(X[:, 3] * 4) / 4  # a feature with repeated values
    score = X[:, 0] + X[:, 1] * X[:, 2] - 0.5 * X[:, 3] + rng.normal(scale=0.7, size=N_TRAIN)
    y = (score > 0).astype(int)
    y_reg = (3 * X[:, 0] - X[:, 4] ** 2 + rng.normal(scale=0.3, size=N_TRAIN)).astype(np.float32)
    if nan:
        X[rng.random(X.shape) < 0.08] = np.nan
    return X, y, y_reg


def test_rows(rng, thresholds, nan):
    """Rows with a quarter of each feature's cells exactly on one of its thresholds."""
    X = rng.normal(size=(N_TEST, N_FEATURES)).astype(np.float32)
    for f in range(N_FEATURES):
        values = np.array(sorted(thresholds.get(f, set())), dtype=np.float32)
        if len(values) == 0:
            continue
        mask = rng.random(N_TEST) < 0.25
        X[mask, f] = rng.choice(values, int(mask.sum()))
    if nan:
        X[rng.random(X.shape) < 0.05] = np.nan
    return X


def write_case(work, name, X, proba, margin, regression, extra):
    X.astype(np.float32).tofile(os.path.join(work, name + ".f32"))
    np.asarray(proba, dtype=np.float64).tofile(os.path.join(work, name + ".expected.f64"))
    if margin is not None:
        np.asarray(margin, dtype=np.float64).tofile(os.path.join(work, name + ".margin.f64"))
    with open(os.path.join(work, name + ".csv"), "w") as f:
        f.write(",".join(NAMES) + "\n")
        for row in X:
            f.write(",".join("" if np.isnan(v) else "%.9g" % v for v in row) + "\n")
    # The library's answer as `raincheck predict` prints it.
    with open(os.path.join(work, name + ".library.csv"), "w") as f:
        if regression:
            f.write("value\n")
            for v in np.asarray(proba, dtype=np.float64):
                f.write("%.6f\n" % v)
        else:
            f.write("prediction,probability\n")
            for p in np.asarray(proba, dtype=np.float64):
                f.write("%d,%.6f\n" % (1 if p > 0.5 else 0, p))
    case = {"name": name, "rows": int(X.shape[0]), "features": N_FEATURES,
            "regression": regression, "margin": margin is not None}
    case.update(extra)
    return case


def xgb_thresholds(path):
    model = json.load(open(path))
    out = {}
    for tree in model["learner"]["gradient_booster"]["model"]["trees"]:
        for left, f, c in zip(tree["left_children"], tree["split_indices"],
                              tree["split_conditions"]):
            if left != -1:
                out.setdefault(f, set()).add(float(np.float32(c)))
    return out


def sk_thresholds(model):
    trees = [model] if isinstance(model, DecisionTreeClassifier) else model.estimators_
    if isinstance(model, GradientBoostingClassifier):
        trees = model.estimators_[:, 0]
    out = {}
    for est in trees:
        t = est.tree_
        for left, f, thr in zip(t.children_left, t.feature, t.threshold):
            if left != -1:
                # float64 thresholds: the float32 nearest and the float32 just at or below.
                near = np.float32(thr)
                below = near if float(near) <= thr else np.nextafter(near, np.float32(-np.inf))
                out.setdefault(int(f), set()).update({float(near), float(below)})
    return out


def xgboost_cases(work, rng):
    cases = []
    X, y, y_reg = training_data(rng, nan=True)
    specs = [
        # name, params, rounds, label, feature names in the model
        ("xgb_logistic", {"objective": "binary:logistic", "max_depth": 6, "eta": 0.3,
                          "tree_method": "hist"}, 100, y, True),
        ("xgb_exact_base", {"objective": "binary:logistic", "max_depth": 4, "eta": 0.2,
                            "tree_method": "exact", "base_score": 0.3}, 40, y, False),
        ("xgb_regression", {"objective": "reg:squarederror", "max_depth": 6, "eta": 0.1,
                            "tree_method": "hist"}, 60, y_reg, False),
        ("xgb_forest", {"objective": "binary:logistic", "max_depth": 6, "eta": 1.0,
                        "num_parallel_tree": 20, "subsample": 0.8, "colsample_bynode": 0.8,
                        "tree_method": "hist"}, 1, y, True),
    ]
    for name, params, rounds, label, named in specs:
        params = dict(params, nthread=2, seed=1)
        dtrain = xgb.DMatrix(X, label=label, feature_names=NAMES if named else None)
        booster = xgb.train(params, dtrain, num_boost_round=rounds)
        path = os.path.join(work, name + ".json")
        booster.save_model(path)
        Xt = test_rows(rng, xgb_thresholds(path), nan=True)
        dtest = xgb.DMatrix(Xt, feature_names=NAMES if named else None)
        pred = booster.predict(dtest)
        margin = booster.predict(dtest, output_margin=True)
        extra = {"from": "xgboost", "model": path}
        if not named:
            extra["features_flag"] = ",".join(NAMES)
        cases.append(write_case(work, name, Xt, pred, margin,
                                params["objective"].startswith("reg:"), extra))
    # Refused: a multi-class model.
    multi = xgb.train({"objective": "multi:softprob", "num_class": 3, "max_depth": 2,
                       "nthread": 2}, xgb.DMatrix(X, label=np.digitize(X[:, 0], [-0.5, 0.5])),
                      num_boost_round=2)
    multi.save_model(os.path.join(work, "xgb_multiclass.json"))
    return cases


def sklearn_cases(work, rng):
    cases = []
    X, y, _ = training_data(rng, nan=False)
    frame = pd.DataFrame(X, columns=NAMES)
    specs = [
        ("sk_forest", RandomForestClassifier(n_estimators=50, max_depth=12, random_state=0),
         True, "joblib"),
        ("sk_extra", ExtraTreesClassifier(n_estimators=30, min_samples_leaf=3, random_state=0),
         False, "pickle"),
        ("sk_tree", DecisionTreeClassifier(max_depth=10, random_state=0), True, "pickle"),
        ("sk_boosting", GradientBoostingClassifier(n_estimators=100, max_depth=3,
                                                   random_state=0), True, "joblib"),
    ]
    for name, model, named, how in specs:
        model.fit(frame if named else X, y)
        pkl = os.path.join(work, name + ".pkl")
        if how == "joblib":
            joblib.dump(model, pkl)
        else:
            with open(pkl, "wb") as f:
                pickle.dump(model, f)
        exported = os.path.join(work, name + ".export.json")
        subprocess.run([sys.executable, EXPORTER, pkl, exported], check=True)
        Xt = test_rows(rng, sk_thresholds(model), nan=False)
        data = pd.DataFrame(Xt, columns=NAMES) if named else Xt
        proba = model.predict_proba(data)[:, 1]
        margin = model.decision_function(data) if name == "sk_boosting" else None
        extra = {"from": "sklearn", "model": exported}
        if not named:
            extra["features_flag"] = ",".join(NAMES)
        cases.append(write_case(work, name, Xt, proba, margin, False, extra))
    # Refused by the exporter: a regressor.
    reg = GradientBoostingRegressor(n_estimators=2).fit(X, X[:, 0])
    joblib.dump(reg, os.path.join(work, "sk_regressor.pkl"))
    return cases


def source_digest():
    import hashlib
    h = hashlib.sha256()
    for path in (os.path.abspath(__file__), EXPORTER):
        with open(path, "rb") as f:
            h.update(f.read())
    h.update(f"{xgb.__version__} {sklearn.__version__}".encode())
    return h.hexdigest()


def main():
    work = sys.argv[1]
    os.makedirs(work, exist_ok=True)
    digest = source_digest()
    manifest_path = os.path.join(work, "manifest.json")
    try:
        if json.load(open(manifest_path)).get("source_digest") == digest:
            print(f"{work} is up to date")
            return 0  # made by this script and exporter already (each test case runs it)
    except (OSError, ValueError):
        pass
    rng = np.random.default_rng(20261203)
    cases = xgboost_cases(work, rng) + sklearn_cases(work, rng)
    manifest = {"xgboost": xgb.__version__, "sklearn": sklearn.__version__, "cases": cases,
                "source_digest": digest}
    with open(manifest_path + ".tmp", "w") as f:
        json.dump(manifest, f, indent=1)
    os.replace(manifest_path + ".tmp", manifest_path)
    print(f"xgboost {xgb.__version__}, scikit-learn {sklearn.__version__}: "
          f"{len(cases)} models in {work}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
