#!/usr/bin/env python3
"""Export a pickled or joblib'd scikit-learn tree ensemble as JSON for `raincheck import`.

    scripts/export_sklearn.py MODEL.pkl OUT.json
    raincheck import --from sklearn OUT.json --out model.rcf

Supported (binary classification): RandomForestClassifier, ExtraTreesClassifier,
DecisionTreeClassifier (the mean over the trees of the leaf class probabilities, as
predict_proba), and GradientBoostingClassifier with the log-loss (the initial raw prediction
plus the learning-rate-scaled leaf values, through the logistic function). Anything else
exits with status 1 and one line saying why. The format is described in docs/import.md.

Only the Python standard library, numpy and scikit-learn (to unpickle the model) are needed.
"""

import json
import pickle
import sys

FORMAT = "raincheck-sklearn-trees"
FORMAT_VERSION = 1


class Unsupported(Exception):
    pass


def load(path):
    try:
        import joblib  # joblib'd files; scikit-learn depends on joblib
        return joblib.load(path)
    except ImportError:
        pass
    with open(path, "rb") as f:
        return pickle.load(f)


def missing_left(tree):
    """Where a missing value goes at each node: scikit-learn >= 1.3 records it
    (missing_go_to_left); 1.2 refuses NaN input, so the exporter picks the child that more
    training samples reached (what later versions do for features without missing values)."""
    nodes = tree.__getstate__()["nodes"]
    if "missing_go_to_left" in nodes.dtype.names:
        return [int(v) for v in nodes["missing_go_to_left"]]
    n = tree.n_node_samples
    out = []
    for left, right in zip(tree.children_left, tree.children_right):
        out.append(int(left != -1 and n[left] >= n[right]))
    return out


def tree_json(tree, leaf_values):
    return {
        "children_left": [int(v) for v in tree.children_left],
        "children_right": [int(v) for v in tree.children_right],
        "feature": [int(v) for v in tree.feature],
        # float64, written with repr's 17 significant digits: read back exactly.
        "threshold": [float(v) for v in tree.threshold],
        "missing_left": missing_left(tree),
        "value": leaf_values,
    }


def class_probabilities(tree):
    """Per node, the class probabilities predict_proba gives (counts normalised)."""
    values = tree.value[:, 0, :]
    out = []
    for row in values:
        total = float(row.sum())
        out.append([float(v) / total if total > 0 else 0.0 for v in row])
    return out


def check_binary(model):
    classes = list(model.classes_)
    if getattr(model, "n_outputs_", 1) != 1:
        raise Unsupported("multi-output models are not supported")
    if len(classes) != 2:
        raise Unsupported(f"multi-class models ({len(classes)} classes) are not supported")
    return [str(c) for c in classes]


def export(model):
    import numpy as np
    import sklearn
    from sklearn.dummy import DummyClassifier
    from sklearn.ensemble import (ExtraTreesClassifier, GradientBoostingClassifier,
                                  RandomForestClassifier)
    from sklearn.tree import DecisionTreeClassifier

    name = type(model).__name__
    doc = {"format": FORMAT, "format_version": FORMAT_VERSION, "estimator": name,
           "sklearn_version": sklearn.__version__}
    names = getattr(model, "feature_names_in_", None)
    doc["feature_names"] = [str(n) for n in names] if names is not None else []
    doc["n_features"] = int(model.n_features_in_)

    if isinstance(model, (RandomForestClassifier, ExtraTreesClassifier, DecisionTreeClassifier)):
        doc["classes"] = check_binary(model)
        doc["combination"] = "mean"
        doc["link"] = "identity"
        estimators = [model] if isinstance(model, DecisionTreeClassifier) else model.estimators_
        doc["trees"] = [tree_json(e.tree_, class_probabilities(e.tree_)) for e in estimators]
    elif isinstance(model, GradientBoostingClassifier):
        doc["classes"] = check_binary(model)
        loss = getattr(model, "loss", "log_loss")
        if loss not in ("log_loss", "deviance"):
            raise Unsupported(f"GradientBoostingClassifier loss '{loss}' is not supported "
                              "(log_loss only)")
        init = model.init_
        if not (isinstance(init, str) and init == "zero") and not isinstance(init, DummyClassifier):
            raise Unsupported("a GradientBoostingClassifier with a custom init estimator is not "
                              "supported (its initial prediction depends on the row)")
        zero_row = np.zeros((1, model.n_features_in_), dtype=np.float32)
        doc["base_score"] = float(model._raw_predict_init(zero_row)[0, 0])
        doc["combination"] = "sum"
        doc["link"] = "logistic"
        rate = float(model.learning_rate)
        trees = []
        for stage in model.estimators_[:, 0]:
            t = stage.tree_
            trees.append(tree_json(t, [[rate * float(v)] for v in t.value[:, 0, 0]]))
        doc["trees"] = trees
    else:
        raise Unsupported(f"{name} is not supported (RandomForestClassifier, "
                          "ExtraTreesClassifier, DecisionTreeClassifier, "
                          "GradientBoostingClassifier)")
    return doc


def main(argv):
    if len(argv) != 3:
        print("usage: export_sklearn.py MODEL.pkl OUT.json", file=sys.stderr)
        return 2
    try:
        model = load(argv[1])
    except Exception as e:  # unpickling raises anything
        print(f"export_sklearn: cannot load {argv[1]}: {type(e).__name__}: {e}", file=sys.stderr)
        return 1
    try:
        doc = export(model)
    except Unsupported as e:
        print(f"export_sklearn: {argv[1]}: {e}", file=sys.stderr)
        return 1
    with open(argv[2], "w") as f:
        json.dump(doc, f, allow_nan=False)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
