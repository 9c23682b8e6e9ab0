#!/usr/bin/python3
"""Trains the benchmark models with Debian's scikit-learn and writes everything the benchmark
reads, under OUT/<name>/ (build/bench/models/<name>/ by default, never in git):

  model.joblib        joblib.dump(compress=0)          (the baseline python loads)
  model.z3.joblib     compress=('zlib', 3)
  model.lz4.joblib    compress=('lz4', 3)
  model.gz3.joblib    compress=('gzip', 3)
  model.pkl           pickle.dump (default protocol)
  one_row.csv         header + the first scoring row (what `frost predict` and python score)
  rows.f64            N_SCORE rows × n_features float64, row-major (C API throughput input)
  rows.npy            the same rows for scikit-learn
  info.json           model facts and, for the one row, each tree's root-to-leaf path length

A model directory with info.json is complete and reused; delete it to retrain.
Usage: gen_models.py OUTDIR NAME [NAME ...]   (names: see MODELS)
"""
import json
import math
import os
import pickle
import sys
import time

import joblib
import numpy as np
from sklearn.datasets import make_classification, make_regression
from sklearn.ensemble import (ExtraTreesRegressor, GradientBoostingClassifier,
                              HistGradientBoostingClassifier, RandomForestClassifier)

N_SCORE = 100_000

# name: (estimator factory, dataset kind, n_samples)
MODELS = {
    "RF500": (lambda: RandomForestClassifier(n_estimators=500, n_jobs=2, random_state=0), "clf", 50_000),
    "RF100": (lambda: RandomForestClassifier(n_estimators=100, n_jobs=2, random_state=0), "clf", 50_000),
    "GB300": (lambda: GradientBoostingClassifier(n_estimators=300, max_depth=3, random_state=0), "clf", 50_000),
    "ET300": (lambda: ExtraTreesRegressor(n_estimators=300, n_jobs=2, random_state=0), "reg", 50_000),
    # issue 16's large ensemble: 500 iterations of up to 255 leaves (no early stop cuts it short)
    "HGB500": (lambda: HistGradientBoostingClassifier(max_iter=500, max_leaf_nodes=255,
                                                      early_stopping=False, random_state=0), "clf", 50_000),
    # QUICK stand-ins: same estimators, 20k samples, fewer trees
    "RF100q": (lambda: RandomForestClassifier(n_estimators=100, n_jobs=2, random_state=0), "clf", 20_000),
    "GB100q": (lambda: GradientBoostingClassifier(n_estimators=100, max_depth=3, random_state=0), "clf", 20_000),
    "ET30q": (lambda: ExtraTreesRegressor(n_estimators=30, n_jobs=2, random_state=0), "reg", 20_000),
    # the same 500 × 255-leaf HistGradientBoosting: its size is the point, only the data shrinks
    "HGB500q": (lambda: HistGradientBoostingClassifier(max_iter=500, max_leaf_nodes=255,
                                                       early_stopping=False, random_state=0), "clf", 20_000),
}


def dataset(kind, n):
    if kind == "clf":
        return make_classification(n_samples=n, n_features=20, n_informative=10, random_state=0)
    return make_regression(n_samples=n, n_features=20, random_state=0)


def scoring_rows(X):
    """N_SCORE rows like the training data but not in it: training rows drawn with replacement
    plus Gaussian noise of 0.1 × each feature's standard deviation (fixed seed)."""
    rng = np.random.default_rng(1)
    idx = rng.integers(0, X.shape[0], N_SCORE)
    noise = rng.normal(0.0, 1.0, (N_SCORE, X.shape[1])) * (0.1 * X.std(axis=0))
    return np.ascontiguousarray(X[idx] + noise, dtype=np.float64)


def trees_of(model):
    est = model.estimators_
    if isinstance(est, np.ndarray):  # gradient boosting: (n_stages, K)
        return list(est.ravel())
    return list(est)


def tree_facts(model, row):
    """(path levels of row, node count, max depth) of each tree. Forests and GradientBoosting
    walk sklearn's Tree (float32 thresholds); HistGradientBoosting's predictors are node arrays
    compared in float64, walked here as TreePredictor.predict walks them (numeric splits only:
    the benchmark data has no categorical features)."""
    if not hasattr(model, "_predictors"):
        trees = trees_of(model)
        row32 = row.astype(np.float32)
        return ([int(t.decision_path(row32).nnz) for t in trees],
                [int(t.tree_.node_count) for t in trees], [int(t.tree_.max_depth) for t in trees])
    levels, nodes, depths = [], [], []
    for it in model._predictors:
        for p in it:
            nd, i, n = p.nodes, 0, 1
            while not nd["is_leaf"][i]:
                x = row[0, nd["feature_idx"][i]]
                left = nd["missing_go_to_left"][i] if np.isnan(x) else x <= nd["num_threshold"][i]
                i = int(nd["left"][i] if left else nd["right"][i])
                n += 1
            levels.append(n)
            nodes.append(int(nd.shape[0]))
            depths.append(int(nd["depth"].max()))
    return levels, nodes, depths


def main():
    out, names = sys.argv[1], sys.argv[2:]
    for name in names:
        d = os.path.join(out, name)
        if os.path.exists(os.path.join(d, "info.json")):
            print(f"  {name}: cached in {d}", flush=True)
            continue
        os.makedirs(d, exist_ok=True)
        make, kind, n = MODELS[name]
        X, y = dataset(kind, n)
        model = make()
        t0 = time.time()
        model.fit(X, y)
        t_fit = time.time() - t0
        print(f"  {name}: trained in {t_fit:.1f} s", flush=True)
        Xs = scoring_rows(X)
        Xs.tofile(os.path.join(d, "rows.f64"))
        np.save(os.path.join(d, "rows.npy"), Xs)
        with open(os.path.join(d, "one_row.csv"), "w") as f:
            f.write(",".join(f"f{i}" for i in range(X.shape[1])) + "\n")
            f.write(",".join(repr(float(v)) for v in Xs[0]) + "\n")
        levels, nodes, depths = tree_facts(model, Xs[:1])
        saves = {}
        for fname, kw in [("model.joblib", {"compress": 0}),
                          ("model.z3.joblib", {"compress": ("zlib", 3)}),
                          ("model.lz4.joblib", {"compress": ("lz4", 3)}),
                          ("model.gz3.joblib", {"compress": ("gzip", 3)})]:
            t0 = time.time()
            joblib.dump(model, os.path.join(d, fname), **kw)
            saves[fname] = time.time() - t0
            print(f"  {name}: {fname} {os.path.getsize(os.path.join(d, fname)) / 1e6:.1f} MB "
                  f"in {saves[fname]:.1f} s", flush=True)
        with open(os.path.join(d, "model.pkl"), "wb") as f:
            pickle.dump(model, f)
        info = {
            "name": name,
            "estimator": type(model).__name__,
            "params": {k: v for k, v in model.get_params().items()
                       if isinstance(v, (int, float, str, type(None)))},
            "task": "classifier" if kind == "clf" else "regressor",
            "n_samples": n,
            "n_features": int(X.shape[1]),
            "n_trees": len(levels),
            "n_nodes": int(sum(nodes)),
            "max_depth": int(max(depths)),
            "fit_seconds": t_fit,
            "save_seconds": saves,
            "n_score_rows": N_SCORE,
            # nodes on the root-to-leaf path of the one-row prediction, per tree (leaf included)
            "path_levels": levels,
            "floor_pages": int(sum(math.ceil(l / 9) for l in levels)),
        }
        with open(os.path.join(d, "info.json"), "w") as f:
            json.dump(info, f)
        print(f"  {name}: {info['n_trees']} trees, {info['n_nodes']} nodes, one-row path "
              f"{sum(levels)} levels, floor {info['floor_pages']} pages", flush=True)


if __name__ == "__main__":
    main()
