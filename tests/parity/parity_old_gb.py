#!/usr/bin/python3
"""GradientBoosting files from scikit-learn < 0.21, built from that version's source.

Those versions kept their init estimators in sklearn/ensemble/gradient_boosting.py
(LogOddsEstimator with `prior`, PriorProbabilityEstimator with `priors`, MeanEstimator with
`mean`, QuantileEstimator with `quantile`), whose predict() returned the raw starting score
directly — for multi-class, the class priors themselves, not their logs. No such scikit-learn
can be installed here, so this script fits a model with the installed one, swaps its init_ for
an object pickled under the old module path with the old attributes, and computes the expected
output with the old semantics (raw = init + Σ learning_rate × tree, trees compared in float32,
then expit / exp(raw - logsumexp(raw))). frost must convert it and match.

Usage: parity_old_gb.py FROST_BINARY      ends with "parity-old-gb: N passed, M failed"
"""
import io
import os
import pickle
import subprocess
import sys
import tempfile
import types

import numpy as np
from scipy.special import expit, logsumexp
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris
from sklearn.ensemble import GradientBoostingClassifier, GradientBoostingRegressor

OLD = "sklearn.ensemble.gradient_boosting"


def old_class(name):
    """A stand-in class that pickles as OLD.name (attributes only, as 0.20's did)."""
    mod = sys.modules.setdefault(OLD, types.ModuleType(OLD))
    cls = type(name, (object,), {"__module__": OLD})
    setattr(mod, name, cls)
    return cls


def raw_scores(m, X, init):
    X32 = X.astype(np.float32)
    K = m.estimators_.shape[1]
    raw = np.tile(np.asarray(init, dtype=np.float64).reshape(1, -1), (X.shape[0], 1))
    for i in range(m.estimators_.shape[0]):
        for k in range(K):
            raw[:, k] += m.learning_rate * m.estimators_[i, k].tree_.predict(X32)[:, 0]
    return raw


def main():
    frost = sys.argv[1]
    tmp = tempfile.mkdtemp(prefix="frost-oldgb-")
    passed = failed = 0
    cases = []
    X, y = load_breast_cancer(return_X_y=True)
    m = GradientBoostingClassifier(n_estimators=20, random_state=0).fit(X, y)
    LogOdds = old_class("LogOddsEstimator")
    est = LogOdds()
    pos = float(np.sum(y == 1)); neg = float(np.sum(y == 0))
    est.prior = np.log(pos / neg)                       # 0.20: scale * log(pos / neg)
    raw = raw_scores(m, X, [est.prior])
    p1 = expit(raw[:, 0])
    cases.append(("binary LogOddsEstimator", m, est, X, np.c_[1 - p1, p1]))
    Xi, yi = load_iris(return_X_y=True)
    mi = GradientBoostingClassifier(n_estimators=15, random_state=0).fit(Xi, yi)
    Prior = old_class("PriorProbabilityEstimator")
    est = Prior()
    est.priors = np.bincount(yi) / len(yi)              # 0.20: class_counts / sum
    raw = raw_scores(mi, Xi, est.priors)
    cases.append(("multi-class PriorProbabilityEstimator", mi, est, Xi,
                  np.exp(raw - logsumexp(raw, axis=1)[:, None])))
    Xd, yd = load_diabetes(return_X_y=True)
    for loss, name, attr, value in (("squared_error", "MeanEstimator", "mean", np.mean(yd)),
                                    ("absolute_error", "QuantileEstimator", "quantile",
                                     np.percentile(yd, 50))):
        mr = GradientBoostingRegressor(n_estimators=15, loss=loss, random_state=0).fit(Xd, yd)
        est = old_class(name)()
        setattr(est, attr, value)
        cases.append(("regressor %s" % name, mr, est, Xd, raw_scores(mr, Xd, [value])[:, 0]))
    for label, model, init, Xc, want in cases:
        model.init_ = init
        path = os.path.join(tmp, "m.pkl")
        with open(path, "wb") as f:
            pickle.dump(model, f, protocol=2)
        out = os.path.join(tmp, "m.frost")
        r = subprocess.run([frost, "convert", "-q", path, out], capture_output=True, text=True)
        if r.returncode:
            failed += 1
            print("FAIL %s: convert: %s" % (label, r.stderr.strip()))
            continue
        csv = os.path.join(tmp, "rows.csv")
        np.savetxt(csv, Xc, delimiter=",", fmt="%.17g",
                   header=",".join("x%d" % i for i in range(Xc.shape[1])), comments="")
        args = [frost, "predict", out, csv] + (["--proba"] if want.ndim == 2 else [])
        r = subprocess.run(args, capture_output=True, text=True)
        if r.returncode:
            failed += 1
            print("FAIL %s: predict: %s" % (label, r.stderr.strip()))
            continue
        got = np.array([[float(v) for v in line.split(",")]
                        for line in r.stdout.splitlines()[1:]])
        got = got if want.ndim == 2 else got[:, 0]
        diff = np.max(np.abs(got - want) / np.maximum(1.0, np.abs(want)))
        if diff <= 1e-9:
            passed += 1
            print("ok   %s: max relative difference %.3g" % (label, diff))
        else:
            failed += 1
            print("FAIL %s: max relative difference %.3g" % (label, diff))
    print("parity-old-gb: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
