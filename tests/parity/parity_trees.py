#!/usr/bin/python3
"""parity_trees.py — frost's tree models against the real scikit-learn, prediction by prediction.

Trains decision trees, extra trees, random forests, extra-trees forests and gradient boosting
(classifiers and regressors, single- and multi-output) with varied hyper-parameters and class
labels of every kind on sklearn's bundled datasets and synthetic data; saves each with joblib
(plain, zlib, gzip, bz2, xz, lzma, lz4) or pickle (protocols 2-5) into a temporary directory;
converts it with `frost convert` (varied --compress / --block-size / --top-levels), and compares
`frost predict` / `frost predict --proba` (varied --io) with sklearn's predict / predict_proba on
held-out rows and on probe rows that reach split nodes with values exactly on the threshold,
one float64 ulp either side, on the threshold's float32 rounding and its float32 neighbours, and
as long decimal strings that only a correctly rounded parser reads right.

Also: shuffled columns with extra ones (models with feature names), stdin with CRLF and quoted
fields, -o, a header with no rows, number spellings Python's float() reads, missing columns
(exit 1), --proba on a regressor (exit 2), `frost verify`, `frost inspect` (estimator and sklearn
version) and `frost inspect --json` (trees, features, names, classes); crafted trees (fitted,
then edited in place: thresholds float32 cannot hold, tied or all-zero class counts, leaves that
overflow, boosting scores around 0); estimators frost must refuse (exit 1, no output file).

Rules (the CLI contract): labels identical (ints as ints, strings as strings, bools as
True/False; float labels compared as numbers); numbers within 1e-9 relative (absolute below 1)
and printed as the shortest text that reads back to the same double; the count of bit-exact values is reported (the aim is all of them), with
every check that was not bit-exact listed at the end.

Multi-class gradient boosting: sklearn 1.2 computes the initial scores with np.log and the
probabilities with np.exp / np.log, which on AVX-512 machines are numpy's own SIMD routines
and round some results differently from the C library's. Such probabilities are compared within
the tolerance, and then again, bit for bit, with the same formulas computed through the C
library from a replay of sklearn's boosting sums ("vs libm softmax"); init scores that differ
from sklearn's by an ulp are shown on "note" lines.

NaN rows: sklearn 1.2 trees reject NaN at predict time ("Input X contains NaN"), and so must
frost for models saved by 1.2 (FORMAT.md CHECKS): the suite checks that both refuse, frost naming
the row and the column. Rows that overflow float32 (|x| ≥ FLT_MAX + half an ulp) are rejected by
both too (tests/contract covers them).

Float labels like 1.5: sklearn refuses non-integral float targets ("Unknown label type:
'continuous'"), so those models are trained on ints and get a float classes_ after fit (predict
maps through classes_.take, so sklearn's answers are those of a model holding those labels).

    /usr/bin/python3 tests/parity/parity_trees.py [--frost build/frost] [--jobs 2] [--keep DIR]
                                                   [--only SUBSTRING]

Prints one line per check ("ok   …", "FAIL …", "skip …", "note …") and ends with exactly
"parity: N passed, M failed"; exits 1 on any failure. Generated models live in a temporary
directory that is removed at the end (kept with --keep DIR). --only runs the cases whose name
contains SUBSTRING ("unsupported" runs the refusals).
"""
import argparse
import csv
import io
import json
import math
import os
import pickle
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import warnings
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal, getcontext

try:
    import numpy as np
    import joblib
    import lz4.frame  # noqa: F401  (joblib's lz4 container needs it)
    import pandas as pd
    import sklearn
    from sklearn.datasets import (load_breast_cancer, load_diabetes, load_digits, load_iris,
                                  load_wine, make_classification,
                                  make_multilabel_classification, make_regression)
    from sklearn.dummy import DummyClassifier, DummyRegressor
    from sklearn.ensemble import (AdaBoostClassifier, ExtraTreesClassifier, ExtraTreesRegressor,
                                  GradientBoostingClassifier, GradientBoostingRegressor,
                                  RandomForestClassifier, RandomForestRegressor)
    from sklearn.linear_model import LinearRegression
    from sklearn.tree import (DecisionTreeClassifier, DecisionTreeRegressor, ExtraTreeClassifier,
                              ExtraTreeRegressor)
except ImportError as exc:  # the stage must fail loudly, not pass vacuously
    print(f"FAIL setup: {exc} (run with Debian's /usr/bin/python3: python3-sklearn, "
          "python3-pandas, python3-lz4)")
    print("parity: 0 passed, 1 failed")
    sys.exit(1)

warnings.filterwarnings("ignore")
getcontext().prec = 80
SKV = sklearn.__version__
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pylib"))
from frost_numbers import bits, close, pairwise, shortest  # noqa: E402
F32_MAX = float(np.finfo(np.float32).max)


# ---- small numeric helpers ------------------------------------------------------------------


def up(v):
    return float(np.nextafter(v, np.inf))


def down(v):
    return float(np.nextafter(v, -np.inf))


def f32_floor(t):
    """Largest float32 not above t (as a Python float)."""
    f = np.float32(t)
    if float(f) > t:
        f = np.nextafter(f, np.float32(-np.inf))
    return float(f)


def f32_up(v):
    return float(np.nextafter(np.float32(v), np.float32(np.inf)))


def f32_down(v):
    return float(np.nextafter(np.float32(v), np.float32(-np.inf)))


def num(v):
    """A float as Python writes it (shortest round-trip)."""
    return repr(float(v))


def f32_ok(v):
    """sklearn accepts v: finite after the float32 cast."""
    with np.errstate(over="ignore"):
        return math.isfinite(v) and math.isfinite(float(np.float32(v)))


# ---- labels ----------------------------------------------------------------------------------

def label_kind(v):
    if isinstance(v, (bool, np.bool_)):
        return "bool"
    if isinstance(v, (int, np.integer)):
        return "int"
    if isinstance(v, (float, np.floating)):
        return "float"
    if isinstance(v, bytes):
        return "str"
    return "str"


def label_text(v):
    k = label_kind(v)
    if k == "bool":
        return "True" if v else "False"
    if k == "int":
        return str(int(v))
    if isinstance(v, bytes):
        return v.decode("utf-8")
    return str(v)


def label_matches(got, v):
    if label_kind(v) == "float":
        try:
            return float(got) == float(v)
        except ValueError:
            return False
    return got == label_text(v)


LABELS = {
    "int": lambda n: np.arange(n, dtype=np.int64),
    "negbig": lambda n: np.array([-7, 10 ** 12, 0, -(2 ** 40), 3, 2 ** 62, -1, 99, 5, 11,
                                  -123456789012][:n], dtype=np.int64),
    "int32": lambda n: (np.arange(n, dtype=np.int32) * 1000 - 2000),
    "uint8": lambda n: (np.arange(n, dtype=np.uint8) * 20 + 7),
    "uint64": lambda n: np.array([0, 5, 2 ** 63 - 1, 2 ** 40][:n], dtype=np.uint64),
    "uint64big": lambda n: np.array([2 ** 63 + 5 + 3 * i for i in range(n)], dtype=np.uint64),
    "str": lambda n: np.array(["cat", "dog", "emu", "gnu", "yak", "owl", "ape", "bee", "cow",
                               "elk", "fox"][:n]),
    "tricky": lambda n: np.array(["a,b", 'say "hi"', "ñandú", " lead", "", "x\ny", "0",
                                  "None", "1.5", "z", "q"][:n]),
    "strobj": lambda n: np.array(["alpha", "beta", "gamma", "delta", "eps", "zeta", "eta",
                                  "theta", "iota", "kappa", "lam"][:n], dtype=object),
    # sklearn takes float targets only when every value is integral ("continuous" otherwise)
    "float": lambda n: np.array([2.0, -1.0, 0.0, 1e15, 7.0, -3.0, 100.0, 5.0, 9.0, 11.0,
                                 -8.0][:n]),
    "float32": lambda n: np.array([1.0, 3.0, -2.0, 16777216.0, 4.0, 6.0, 7.0, 8.0, 9.0, 10.0,
                                   11.0][:n], dtype=np.float32),
    "bool": lambda n: np.array([False, True][:n]),
}


# Non-integral float labels (1.5): sklearn refuses them as targets, so the model is trained on
# ints and classes_ is replaced after fit — predict maps through classes_.take, so sklearn's
# answers are those of a model whose classes_ hold these floats.
FLOAT_SUB = np.array([1.5, -0.25, 0.1, 1e-7, 3.0e15, 2.0, -1e300, 0.3, 5.5, 7.25, -8.0])


def relabel(y, kind):
    """Maps integer-coded y (its sorted distinct values) onto labels of the given kind."""
    uniq = np.unique(y)
    labels = LABELS[kind](len(uniq))
    assert len(labels) == len(uniq), (kind, len(uniq))
    idx = np.searchsorted(uniq, y)
    out = labels[idx]
    if kind == "strobj":
        return pd.Series(out, dtype=object).to_numpy()
    return out


# ---- data ------------------------------------------------------------------------------------

def split(X, y, frac=0.7, seed=0, sw=None):
    rng = np.random.RandomState(seed)
    p = rng.permutation(len(X))
    n = int(len(X) * frac)
    tr, te = p[:n], p[n:]
    d = {"Xtr": X[tr], "ytr": y[tr], "Xte": X[te]}
    if sw is not None:
        d["sw"] = sw[tr]
    return d


_DATA_CACHE = {}


def dataset(name):
    if name in _DATA_CACHE:
        return _DATA_CACHE[name]
    names = None
    if name in ("iris", "wine", "breast_cancer", "digits", "diabetes"):
        loader = {"iris": load_iris, "wine": load_wine, "breast_cancer": load_breast_cancer,
                  "digits": load_digits, "diabetes": load_diabetes}[name]
        b = loader()
        X, y = b.data.astype(np.float64), b.target
        names = [str(n) for n in b.feature_names]
    elif name == "mc":
        X, y = make_classification(n_samples=700, n_features=12, n_informative=6,
                                   n_classes=4, random_state=3)
    elif name == "binary":
        X, y = make_classification(n_samples=500, n_features=8, n_informative=4,
                                   random_state=5, flip_y=0.05)
    elif name == "manyclass":
        X, y = make_classification(n_samples=3000, n_features=10, n_informative=8,
                                   n_classes=150, n_clusters_per_class=1, random_state=7)
    elif name == "reg":
        X, y = make_regression(n_samples=500, n_features=8, noise=5.0, random_state=4)
    elif name == "reg3":
        X, y = make_regression(n_samples=500, n_features=9, n_targets=3, noise=1.0,
                               random_state=6)
    elif name == "scales":
        X, y = make_regression(n_samples=400, n_features=6, noise=1.0, random_state=8)
        X = X * np.array([1e-30, 1e30, 1e-3, 1e6, 1.0, 3e-38])
        y = y * 1e6
    elif name == "poisson":
        rng = np.random.RandomState(9)
        X = rng.uniform(-2, 2, size=(500, 5))
        y = rng.poisson(np.exp(0.5 * X[:, 0] - 0.3 * X[:, 1]))
    elif name == "deep":
        X, y = make_classification(n_samples=5000, n_features=15, n_informative=8,
                                   n_classes=3, flip_y=0.3, random_state=13)
    elif name == "deepreg":
        X, y = make_regression(n_samples=3000, n_features=10, noise=30.0, random_state=14)
    elif name == "onefeature":
        rng = np.random.RandomState(15)
        X = rng.uniform(-3, 3, size=(600, 1))
        y = np.sin(3 * X[:, 0]) + rng.normal(scale=0.1, size=600)
    elif name == "wide":
        X, y = make_classification(n_samples=400, n_features=2000, n_informative=20,
                                   n_classes=3, random_state=16)
    elif name == "huge":
        X, y = make_regression(n_samples=120000, n_features=5, noise=10.0, random_state=17)
    elif name == "reg20":
        X, y = make_regression(n_samples=400, n_features=6, n_targets=20, random_state=18)
    elif name == "multilabel20":
        X, y = make_multilabel_classification(n_samples=500, n_features=12, n_classes=20,
                                              random_state=19)
        X = X.astype(np.float64)
    elif name == "const":
        X, _ = make_regression(n_samples=100, n_features=3, random_state=10)
        y = np.full(100, 4.25)
    elif name == "multilabel":
        X, y = make_multilabel_classification(n_samples=500, n_features=10, n_classes=4,
                                              random_state=11)
        X = X.astype(np.float64)
    elif name in ("multimixed", "multifloat"):
        X, y0 = make_classification(n_samples=600, n_features=10, n_informative=6,
                                    n_classes=3, random_state=12)
        rng = np.random.RandomState(12)
        y1 = (X[:, 1] + rng.normal(size=600) > 0)
        y2 = np.digitize(X[:, 2], [-1.0, 0.0, 0.7, 1.5])
        if name == "multimixed":   # one object array of str (sklearn sorts all of y at once,
            y = np.empty((600, 3), dtype=object)      # so its outputs cannot mix types)
            y[:, 0] = np.array(["red", "green", "blue"], dtype=object)[y0]
            y[:, 1] = ["yes" if v else "no" for v in y1]
            y[:, 2] = [("lo", "mid", "a,b", 'say "hi"', "ñ")[v] for v in y2]
        else:                      # integral floats, a different class count per output
            y = np.column_stack([y0 * 2.0 - 1e6, y1 * 10.0 - 5.0, y2 * 0.5 * 4])
    else:
        raise KeyError(name)
    _DATA_CACHE[name] = (X, y, names)
    return _DATA_CACHE[name]


TRICKY_NAMES = ["a,b", 'say "hi"', "ñandú", " lead", "x0", "tab\there", "multi\nline",
                "x2", "trail "]


# ---- the cases -------------------------------------------------------------------------------

class Case:
    def __init__(self, name, est, data, labels=None, frame=False, names=None, sw=False,
                 big=False, post=None, may_refuse=False):
        self.name, self.est, self.data, self.labels = name, est, data, labels
        self.frame, self.names, self.sw, self.big = frame, names, sw, big
        self.post = post    # edits the fitted trees in place (crafted edge cases)
        # frost may refuse the model (exit 1, a message, no output file) instead of matching it
        self.may_refuse = may_refuse
        self.clf = hasattr(est, "predict_proba")


# ---- crafted trees: fitted models whose tree arrays are then edited in place (Tree.value and
# Tree.threshold are writable views, and the edits are what pickle saves), for edge cases that
# training rarely produces. sklearn predicts with the edited arrays like with any others.

def _leaves(tr):
    return np.nonzero(tr.children_left < 0)[0]


def _splits(tr):
    return np.nonzero(tr.children_left >= 0)[0]


def craft_class_ties(est):
    """Leaf counts with ties (argmax takes the first), all-zero rows (normalizer 0 -> 1)."""
    pats = [[2, 2, 1], [0, 0, 0], [1, 1, 1], [0, 3, 3], [5, 0, 5], [0.5, 0.25, 0.5],
            [1e-300, 1e-300, 0], [3, 3, 3]]
    for k, tr in enumerate(trees_of(est)):
        for j, n in enumerate(_leaves(tr)):
            tr.value[n, 0, :] = pats[(j + k) % len(pats)]


def craft_gb_tiny(est):
    """Raw scores at and around 0: binary predict is the argmax of (1 - expit, expit)."""
    vals = [0.0, 1e-17, -1e-17, 5e-324, -0.0, 1e-300, -5e-324, 2.2e-16, -1.2e-16, 37.0,
            -37.0, 800.0, -800.0]
    for k, tr in enumerate(trees_of(est)):
        for j, n in enumerate(_leaves(tr)):
            tr.value[n, 0, 0] = vals[(j + 3 * k) % len(vals)] if k == 0 else 0.0


def craft_gb_multi_ties(est):
    """Equal raw scores for several classes (argmax takes the first)."""
    vals = [0.0, 1.0, 0.0, -0.0, 1.0, 2.0]
    for k, tr in enumerate(trees_of(est)):
        for j, n in enumerate(_leaves(tr)):
            tr.value[n, 0, 0] = vals[j % len(vals)]


def craft_overflow(est):
    """Leaf values whose mean overflows (inf, -inf) or is inf - inf (nan)."""
    vals = [1.7e308, -1.7e308, 1e308, 5e-324, -0.0, 1e-300, 1.5e308, math.inf, -math.inf]
    for k, tr in enumerate(trees_of(est)):
        for j, n in enumerate(_leaves(tr)):
            tr.value[n, 0, 0] = vals[(j + k) % len(vals)]


CRAFTED_THRESHOLDS = [1e300, -1e300, math.inf, -math.inf, 1e-46, -1e-46, 1e-40, 5e-324, -0.0,
                      0.0, F32_MAX, 3.4028235677973366e38, -3.4028235677973366e38,
                      1.0 + 2.0 ** -24, 16777217.0, 0.1, -0.1, 1.1754942106924411e-38]


def craft_thresholds(est):
    """Thresholds float32 cannot hold: beyond its range, subnormal, below its smallest
    subnormal, signed zeros, halfway between two float32 values."""
    for k, tr in enumerate(trees_of(est)):
        for j, n in enumerate(_splits(tr)):
            tr.threshold[n] = CRAFTED_THRESHOLDS[(j + k) % len(CRAFTED_THRESHOLDS)]


def cases():
    DTC, DTR, ETC1, ETR1 = (DecisionTreeClassifier, DecisionTreeRegressor, ExtraTreeClassifier,
                            ExtraTreeRegressor)
    RFC, RFR, ETC, ETR = (RandomForestClassifier, RandomForestRegressor, ExtraTreesClassifier,
                          ExtraTreesRegressor)
    GBC, GBR = GradientBoostingClassifier, GradientBoostingRegressor
    return [
        # single trees
        Case("dt_clf_iris", DTC(random_state=0), "iris", "int", frame=True),
        Case("dt_clf_wine_depth3", DTC(max_depth=3, min_samples_leaf=5, random_state=0),
             "wine", "tricky"),
        Case("dt_clf_digits_cw", DTC(class_weight="balanced", max_features="sqrt",
                                     random_state=1), "digits", "negbig"),
        Case("dt_clf_bc_entropy", DTC(max_leaf_nodes=20, criterion="entropy", random_state=2),
             "breast_cancer", "bool", frame=True),
        Case("dt_clf_mc_float", DTC(min_samples_leaf=3, random_state=3), "mc", "float"),
        Case("dt_clf_wine_float_sub", DTC(max_depth=4, random_state=3), "wine", "float_sub"),
        Case("dt_clf_multilabel", DTC(max_depth=6, random_state=4), "multilabel"),
        Case("dt_clf_multimixed", DTC(max_depth=7, class_weight="balanced", random_state=5),
             "multimixed", frame=True, names=TRICKY_NAMES + ["c9"]),
        Case("dt_clf_iris_uint64", DTC(max_depth=3, random_state=0), "iris", "uint64"),
        Case("dt_clf_single_class", DTC(random_state=0), "iris", "single"),
        Case("et1_clf_wine", ETC1(random_state=0), "wine", "strobj", frame=True),
        Case("et1_clf_mc", ETC1(max_depth=5, max_features=None, random_state=1), "mc", "uint8"),
        Case("dt_reg_diabetes", DTR(random_state=0), "diabetes", frame=True),
        Case("dt_reg_abs", DTR(max_depth=4, min_samples_leaf=10, criterion="absolute_error",
                               random_state=0), "diabetes"),
        Case("dt_reg_multi", DTR(max_depth=8, random_state=1), "reg3"),
        Case("dt_reg_const", DTR(random_state=0), "const"),
        Case("dt_reg_poisson", DTR(criterion="poisson", max_depth=6, random_state=0),
             "poisson"),
        Case("et1_reg_scales", ETR1(random_state=0), "scales"),
        Case("et1_reg_reg", ETR1(max_depth=6, min_samples_leaf=4, max_features=0.5,
                                 random_state=3), "reg", frame=True,
             names=TRICKY_NAMES[:8]),
        Case("dt_clf_deep", DTC(random_state=2), "deep", "int"),
        Case("dt_reg_deep_random", DTR(splitter="random", random_state=3), "deepreg"),
        Case("dt_reg_huge", DTR(random_state=0), "huge"),
        Case("dt_reg_1feature", DTR(max_depth=12, random_state=0), "onefeature", frame=True),
        Case("dt_reg_crafted_thresholds", DTR(max_depth=6, random_state=0), "scales",
             post=craft_thresholds),
        Case("dt_clf_crafted_thresholds", DTC(max_depth=6, random_state=0), "mc", "str",
             post=craft_thresholds),
        # random forests
        Case("rf_clf_crafted_ties", RFC(n_estimators=4, max_depth=3, random_state=0), "iris",
             "tricky", post=craft_class_ties),
        Case("rf_reg_crafted_overflow", RFR(n_estimators=3, max_depth=3, random_state=0),
             "reg", post=craft_overflow),
        Case("rf_reg_dupnames", RFR(n_estimators=10, max_depth=8, random_state=1), "reg",
             frame=True, names=["dup", "a", "dup", "b", "dup", "c", "a ", "A"]),
        Case("rf_reg_500_stumps", RFR(n_estimators=500, max_depth=1, random_state=3), "reg"),
        Case("rf_clf_wide", RFC(n_estimators=10, random_state=2), "wide", "int"),
        Case("rf_clf_bc_deep", RFC(n_estimators=100, max_features="log2", ccp_alpha=0.001,
                                   random_state=9, n_jobs=2), "breast_cancer", "str",
             frame=True),
        Case("rf_clf_iris_100", RFC(n_estimators=100, random_state=0), "iris", "int",
             frame=True),
        Case("rf_clf_digits", RFC(n_estimators=40, random_state=1, n_jobs=2), "digits",
             "int32", big=True),
        Case("rf_clf_bc_nobootstrap", RFC(n_estimators=25, bootstrap=False, max_features=0.5,
                                          min_samples_leaf=3, random_state=2),
             "breast_cancer", "str"),
        Case("rf_clf_wine_cw", RFC(n_estimators=30, class_weight="balanced_subsample",
                                   max_depth=4, oob_score=True, random_state=3), "wine",
             "float"),
        Case("rf_clf_multimixed", RFC(n_estimators=20, random_state=4), "multimixed"),
        Case("rf_clf_multifloat", RFC(n_estimators=8, max_depth=10, random_state=4),
             "multifloat", frame=True),
        Case("rf_clf_manyclass", RFC(n_estimators=5, min_samples_leaf=20,
                                     class_weight="balanced", random_state=5, n_jobs=2),
             "manyclass"),
        Case("rf_clf_sw_uint64", RFC(n_estimators=15, max_depth=8, random_state=6), "mc",
             "uint64big", sw=True, may_refuse=True),
        Case("rf_clf_1tree", RFC(n_estimators=1, max_depth=2, random_state=7), "iris",
             "negbig"),
        Case("rf_clf_binary_f32", RFC(n_estimators=12, max_samples=0.5, max_leaf_nodes=30,
                                      random_state=8), "binary", "float32"),
        Case("rf_reg_diabetes", RFR(n_estimators=100, random_state=0, n_jobs=2), "diabetes",
             frame=True),
        Case("rf_reg_multi", RFR(n_estimators=20, max_depth=6, max_features=0.6,
                                 random_state=1), "reg3"),
        Case("rf_reg_nobootstrap", RFR(n_estimators=10, bootstrap=False, min_samples_leaf=4,
                                       random_state=2), "reg", sw=True),
        # extra-trees forests
        Case("ets_clf_digits", ETC(n_estimators=30, random_state=0, n_jobs=2), "digits",
             "tricky"),
        Case("ets_clf_bc", ETC(n_estimators=50, max_features=None, bootstrap=True,
                               max_samples=0.5, min_samples_leaf=2, random_state=1),
             "breast_cancer", "bool", frame=True),
        Case("ets_clf_multilabel", ETC(n_estimators=10, random_state=2), "multilabel"),
        Case("ets_clf_mc_cw", ETC(n_estimators=20, class_weight="balanced", max_depth=6,
                                  random_state=3), "mc", "tricky", sw=True),
        Case("ets_clf_bc_float_sub", ETC(n_estimators=7, random_state=4), "breast_cancer",
             "float_sub"),
        Case("ets_reg_diabetes", ETR(n_estimators=50, random_state=0), "diabetes"),
        Case("ets_reg_multi", ETR(n_estimators=20, random_state=1), "reg3", frame=True,
             names=TRICKY_NAMES),
        Case("ets_clf_multilabel20", ETC(n_estimators=6, max_depth=12, random_state=5),
             "multilabel20"),
        Case("ets_reg_20_outputs", ETR(n_estimators=5, random_state=6), "reg20"),
        Case("ets_reg_big", ETR(n_estimators=100, min_samples_leaf=3, random_state=3,
                                n_jobs=2), "deepreg"),
        Case("ets_reg_scales", ETR(n_estimators=10, min_samples_leaf=2, random_state=2),
             "scales"),
        # gradient boosting
        Case("gbc_bc", GBC(n_estimators=100, random_state=0), "breast_cancer", "int",
             frame=True),
        Case("gbc_bc_zero", GBC(init="zero", n_estimators=50, max_depth=2, learning_rate=0.3,
                                random_state=1), "breast_cancer", "str"),
        Case("gbc_iris", GBC(n_estimators=50, random_state=2), "iris", "str", frame=True),
        Case("gbc_digits_zero", GBC(init="zero", n_estimators=8, max_depth=2, subsample=0.7,
                                    max_features="sqrt", random_state=3), "digits", "int"),
        Case("gbc_wine_1", GBC(n_estimators=1, random_state=4), "wine", "negbig"),
        Case("gbc_deviance", GBC(loss="deviance", n_estimators=20, random_state=4), "mc",
             "int"),
        Case("gbc_wine_float_sub", GBC(n_estimators=10, max_depth=2, random_state=4), "wine",
             "float_sub"),
        Case("gbc_mc_earlystop", GBC(n_estimators=200, n_iter_no_change=3,
                                     validation_fraction=0.2, max_depth=3, random_state=5),
             "mc", "float"),
        Case("gbc_binary_bool", GBC(n_estimators=30, max_leaf_nodes=6, random_state=6),
             "binary", "bool"),
        Case("gbc_binary_prior_sw", GBC(init=DummyClassifier(strategy="prior"),
                                        n_estimators=40, learning_rate=0.05, random_state=7),
             "binary", "uint8", sw=True),
        Case("gbc_init_most_frequent", GBC(init=DummyClassifier(strategy="most_frequent"),
                                           n_estimators=10, random_state=9), "mc", "int",
             may_refuse=True),
        Case("gbc_init_uniform", GBC(init=DummyClassifier(strategy="uniform"),
                                     n_estimators=10, random_state=9), "binary", "int",
             may_refuse=True),
        Case("gbc_init_constant", GBC(init=DummyClassifier(strategy="constant", constant=1),
                                      n_estimators=10, random_state=9), "binary", "int",
             may_refuse=True),
        Case("gbc_mc_zero_lr", GBC(init="zero", n_estimators=25, learning_rate=0.7,
                                   min_samples_leaf=8, random_state=8), "mc", "strobj"),
        Case("gbc_crafted_tiny_raw", GBC(init="zero", n_estimators=2, learning_rate=1.0,
                                         max_depth=3, random_state=9), "binary", "str",
             post=craft_gb_tiny),
        Case("gbc_crafted_multi_ties", GBC(init="zero", n_estimators=2, max_depth=2,
                                           random_state=9), "iris", "int",
             post=craft_gb_multi_ties),
        Case("gbr_sq", GBR(n_estimators=100, random_state=0), "diabetes", frame=True),
        Case("gbr_abs", GBR(loss="absolute_error", n_estimators=50, max_depth=4,
                            random_state=1), "diabetes"),
        Case("gbr_huber", GBR(loss="huber", alpha=0.8, n_estimators=60, subsample=0.8,
                              random_state=2), "reg"),
        Case("gbr_quantile", GBR(loss="quantile", alpha=0.25, n_estimators=40,
                                 min_samples_leaf=5, random_state=3), "reg", frame=True,
             names=TRICKY_NAMES[:8]),
        Case("gbr_zero", GBR(init="zero", n_estimators=30, learning_rate=0.5, random_state=4),
             "scales"),
        Case("gbr_dummy_quantile", GBR(init=DummyRegressor(strategy="quantile", quantile=0.3),
                                       loss="quantile", alpha=0.3, n_estimators=20,
                                       random_state=5), "poisson"),
        Case("gbr_huber_leaves", GBR(loss="huber", n_estimators=100, max_leaf_nodes=12,
                                     learning_rate=0.05, random_state=8), "diabetes",
             frame=True),
        Case("gbr_1000_stumps", GBR(n_estimators=1000, max_depth=1, learning_rate=0.3,
                                    random_state=9), "diabetes"),
        Case("gbr_dummy_constant", GBR(init=DummyRegressor(strategy="constant", constant=-3.5),
                                       loss="absolute_error", n_estimators=30,
                                       random_state=9), "reg"),
        Case("gbr_1", GBR(n_estimators=1, max_depth=1, random_state=6), "reg"),
        Case("gbr_sw_es", GBR(n_estimators=300, n_iter_no_change=4, max_features=0.5,
                              learning_rate=0.2, random_state=7), "diabetes", sw=True),
    ]


CONTAINERS = ["joblib", "joblib-zlib", "joblib-gzip", "joblib-bz2", "joblib-xz",
              "joblib-lzma", "joblib-lz4", "pickle-2", "pickle-3", "pickle-4", "pickle-5"]
CONVERT_OPTS = [[], ["--compress", "lz4"], ["--block-size", "8192"],
                ["--block-size", "65536"], ["--top-levels", "1"], ["--top-levels", "6"],
                ["--compress", "lz4", "--block-size", "65536", "--top-levels", "6"],
                ["--compress", "none", "--block-size", "4096", "--top-levels", "1"],
                ["--top-levels", "16"], ["--block-size", "1048576", "--compress", "lz4"]]
IO_MODES = ["auto", "pread", "mmap", "uring"]


def dump(est, path, container, joblib_protocol=None):
    if container.startswith("pickle-"):
        with open(path, "wb") as f:
            pickle.dump(est, f, protocol=int(container.split("-")[1]))
        return
    comp = {"joblib": 0, "joblib-zlib": 3, "joblib-gzip": ("gzip", 3),
            "joblib-bz2": ("bz2", 3), "joblib-xz": ("xz", 3), "joblib-lzma": ("lzma", 3),
            "joblib-lz4": ("lz4", 3)}[container]
    joblib.dump(est, path, compress=comp, protocol=joblib_protocol)


def trees_of(est):
    if hasattr(est, "tree_"):
        return [est.tree_]
    e = est.estimators_
    if isinstance(e, np.ndarray):
        return [t.tree_ for t in e.ravel()]
    return [t.tree_ for t in e]


# ---- probe rows --------------------------------------------------------------------------------

def threshold_probes(t):
    """Cell texts around the split threshold t (a float64)."""
    vals = [t, down(t), up(t), float(np.float32(t)), f32_up(t), f32_down(t), f32_floor(t),
            f32_up(f32_floor(t))]
    texts = [num(v) for v in vals if f32_ok(v)]
    # long decimals around the midpoint of t and its neighbour: only a correctly rounded
    # parser reads these as Python does
    if not math.isfinite(t) or not math.isfinite(up(t)):
        return texts
    a, b = Decimal(t), Decimal(up(t))
    mid = (a + b) / 2
    tiny = (b - a) / Decimal(10 ** 12)
    for d in (mid, mid + tiny, mid - tiny):
        s = format(d, "f") if abs(t) >= 1e-5 and abs(t) < 1e15 else format(d, "e")
        if f32_ok(float(s)):
            texts.append(s)
    return texts


def probe_rows(est, base_rows, rng, n_features, max_nodes):
    """Rows (lists of cell texts) that reach sampled split nodes and put the node's feature
    around its threshold."""
    trees = trees_of(est)
    nodes = []
    for ti, tr in enumerate(trees):
        for n in np.nonzero(tr.children_left >= 0)[0]:
            nodes.append((ti, int(n)))
    if not nodes:
        return []
    if len(nodes) > max_nodes:
        pick = rng.choice(len(nodes), size=max_nodes, replace=False)
        nodes = [nodes[i] for i in sorted(pick)]
    parents = {}
    rows = []
    for ti, n in nodes:
        tr = trees[ti]
        if ti not in parents:
            par = {}
            for p in range(tr.node_count):
                if tr.children_left[p] >= 0:
                    par[int(tr.children_left[p])] = (p, True)
                    par[int(tr.children_right[p])] = (p, False)
            parents[ti] = par
        par = parents[ti]
        lo, hi = {}, {}
        c = n
        while c in par:
            p, left = par[c]
            f, t = int(tr.feature[p]), float(tr.threshold[p])
            if left:
                hi[f] = min(hi.get(f, math.inf), t)
            else:
                lo[f] = max(lo.get(f, -math.inf), t)
            c = p
        base = [float(v) for v in base_rows[rng.randint(len(base_rows))]]
        for f in set(lo) | set(hi):
            lo_f, hi_f = lo.get(f, -math.inf), hi.get(f, math.inf)
            v32 = float(np.float32(base[f]))
            if lo_f < v32 <= hi_f:
                continue
            if math.isfinite(hi_f):
                cand = f32_floor(hi_f)
            else:
                cand = f32_up(f32_floor(lo_f))
            base[f] = min(max(cand, -F32_MAX), F32_MAX)
        f, t = int(tr.feature[n]), float(tr.threshold[n])
        base_text = [num(v) for v in base]
        for text in threshold_probes(t):
            row = list(base_text)
            row[f] = text
            rows.append(row)
    return rows


def extreme_rows(base_rows, n_features):
    ext = ["3.4028234663852886e+38", "-3.4028235e38", "3.4028235677973362e+38", "1e-45",
           "-1.4e-45", "5e-324", "-0.0", "0", "1e-300", "-2.5e-39", "65504.00000000001",
           "16777217", "-16777217.5"]
    rows = []
    for i, e in enumerate(ext):
        row = [num(v) for v in base_rows[i % len(base_rows)]]
        row[i % n_features] = e
        if n_features > 1:
            row[(i * 7 + 1) % n_features] = ext[(i + 5) % len(ext)]
        rows.append(row)
    return rows


NUMBER_FORMS = [lambda v: "%.17g" % v, lambda v: "%.20e" % v, lambda v: "%.3E" % v,
                lambda v: ("+" + repr(v)) if v >= 0 else repr(v),
                lambda v: repr(v)[1:] if repr(v).startswith("0.") else repr(v),
                lambda v: (repr(v)[:-2] + ".") if repr(v).endswith(".0") else repr(v),
                lambda v: "%.40f" % v if abs(v) < 1e6 else repr(v),
                lambda v: " %r " % v]


def number_form_rows(base_rows, rng):
    rows = []
    for i, r in enumerate(base_rows[:12]):
        rows.append([NUMBER_FORMS[(i + j) % len(NUMBER_FORMS)](float(v))
                     for j, v in enumerate(r)])
    return rows


# ---- CSV ---------------------------------------------------------------------------------------

def write_csv(path, header, rows):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


def read_csv_text(text):
    return list(csv.reader(io.StringIO(text, newline="")))


# ---- the runner ----------------------------------------------------------------------------------

class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.values = 0
        self.exact = 0
        self.inexact = []          # (check, max rel diff)


class Runner:
    def __init__(self, args):
        self.frost = os.path.abspath(args.frost)
        self.stats = Stats()
        self.passed = 0
        self.failed = 0
        self.uring = None
        self.keep = bool(args.keep)
        self.coverage = {}         # container -> estimator classes converted from it

    def run(self, argv, timeout=120):
        t = time.time()
        p = subprocess.run([self.frost] + argv, capture_output=True, timeout=timeout)
        return p.returncode, p.stdout.decode("utf-8", "replace"), \
            p.stderr.decode("utf-8", "replace"), time.time() - t

    def emit(self, lines):
        for status, name, detail in lines:
            if status == "ok":
                self.passed += 1
            elif status == "FAIL":
                self.failed += 1
            tag = {"ok": "ok  ", "FAIL": "FAIL", "skip": "skip", "note": "note"}[status]
            print(f"{tag} {name}" + (f": {detail}" if detail else ""), flush=True)


def compare_output(text, exp_header, exp_rows, kinds, stats, check):
    """exp_rows: list of lists of expected values; kinds: per column 'label' or 'num'.
    Returns (ok, detail)."""
    rows = read_csv_text(text)
    if not rows:
        return False, "empty output"
    header, body = rows[0], rows[1:]
    for i, (g, e) in enumerate(zip(header, exp_header)):
        if isinstance(e, tuple):     # multi-output --proba: "k:label"
            pre = f"{e[0]}:"
            ok = g.startswith(pre) and label_matches(g[len(pre):], e[1])
            e = pre + label_text(e[1])
        else:
            ok = g == e if isinstance(e, str) else label_matches(g, e)
        if not ok:
            return False, f"header column {i}: got {g!r}, expected {label_text(e)!r}"
    if len(header) != len(exp_header):
        return False, f"header {header!r}, expected {len(exp_header)} columns"
    if len(body) != len(exp_rows):
        return False, f"{len(body)} rows, expected {len(exp_rows)}"
    n_vals = n_exact = 0
    worst = 0.0
    bad = []
    for r, (g_row, e_row) in enumerate(zip(body, exp_rows)):
        if len(g_row) != len(e_row):
            bad.append(f"row {r}: {len(g_row)} fields")
            continue
        for j, (g, e) in enumerate(zip(g_row, e_row)):
            if kinds[j] == "label":
                if not label_matches(g, e):
                    bad.append(f"row {r} col {j}: got {g!r}, expected {label_text(e)!r}")
                continue
            n_vals += 1
            try:
                gv = float(g)
            except ValueError:
                bad.append(f"row {r} col {j}: {g!r} is not a number")
                continue
            ev = float(e)
            if g != shortest(gv):
                bad.append(f"row {r} col {j}: {g!r} is not the shortest round trip {shortest(gv)!r}")
            if bits(gv) == bits(ev):
                n_exact += 1
            elif gv == ev:   # -0.0 vs 0.0
                n_exact += 1
            elif math.isnan(gv) and math.isnan(ev):   # a NaN's sign is not printed
                n_exact += 1
            elif close(gv, ev):
                worst = max(worst, abs(gv - ev) / max(1.0, abs(ev)))
            else:
                bad.append(f"row {r} col {j}: got {g}, expected {ev!r}")
    with stats.lock:
        stats.values += n_vals
        stats.exact += n_exact
        if n_exact < n_vals:
            stats.inexact.append((check, n_vals - n_exact, worst))
    if bad:
        return False, f"{len(bad)} mismatches; first: " + "; ".join(bad[:4])
    d = f"{len(body)} rows"
    if n_vals:
        d += f", {n_exact}/{n_vals} bit-exact"
        if n_exact < n_vals:
            d += f" (max rel diff {worst:.3g})"
    return True, d


def expected(case, est, Xnum, names):
    Xs = pd.DataFrame(Xnum, columns=names) if case.frame else Xnum
    pred = est.predict(Xs)
    out = {"pred": pred}
    if case.clf:
        out["proba"] = est.predict_proba(Xs)
    return out


def expect_tables(case, est, exp):
    """(header, rows, kinds) for predict and for --proba."""
    pred = exp["pred"]
    n = len(pred)
    if case.clf:
        classes = est.classes_ if isinstance(est.classes_, list) else [est.classes_]
        multi = isinstance(est.classes_, list)
        if multi:
            p_header = [f"prediction_{k}" for k in range(len(classes))]
            p_rows = [list(pred[i]) for i in range(n)]
        else:
            p_header = ["prediction"]
            p_rows = [[pred[i]] for i in range(n)]
        p_kinds = ["label"] * len(p_header)
        probas = exp["proba"] if multi else [exp["proba"]]
        q_header = []
        for k, cl in enumerate(classes):
            for c in cl:
                q_header.append((k, c) if multi else c)
        q_rows = [[float(v) for P in probas for v in P[i]] for i in range(n)]
        q_kinds = ["num"] * len(q_header)
        return (p_header, p_rows, p_kinds), (q_header, q_rows, q_kinds)
    if pred.ndim == 2:
        p_header = [f"prediction_{k}" for k in range(pred.shape[1])]
        p_rows = [[float(v) for v in pred[i]] for i in range(n)]
    else:
        p_header = ["prediction"]
        p_rows = [[float(pred[i])] for i in range(n)]
    return (p_header, p_rows, ["num"] * len(p_header)), None


def compare(text, table, stats, check):
    """Header fields that are str are compared exactly, other labels through label_matches
    (float labels as numbers)."""
    header, rows, kinds = table
    return compare_output(text, header, rows, kinds, stats, check)


def n_trees_of(est):
    if hasattr(est, "tree_"):
        return 1
    e = est.estimators_
    return e.size if isinstance(e, np.ndarray) else len(e)


def json_label_kind(cl):
    kinds = {label_kind(c) for c in cl}
    return kinds.pop() if len(kinds) == 1 else None


def run_case(R, case, i, est, data, tmp):
    """All frost checks for one trained case; returns a list of (status, name, detail)."""
    out = []
    n_features = est.n_features_in_
    names = list(data["names"]) if case.frame else [f"x{j}" for j in range(n_features)]
    test_rows, lazy_rows = data["rows"], data["lazy_rows"]
    exp_full, exp_lazy = data["exp"], data["exp_lazy"]
    tables_full = expect_tables(case, est, exp_full)
    tables_lazy = expect_tables(case, est, exp_lazy)
    cdir = os.path.join(tmp, case.name)
    os.makedirs(cdir, exist_ok=True)
    rows_csv = os.path.join(cdir, "rows.csv")
    write_csv(rows_csv, names, test_rows)
    lazy_csv = os.path.join(cdir, "lazy.csv")
    write_csv(lazy_csv, names, lazy_rows)
    short = type(est).__name__

    conts = [CONTAINERS[i % len(CONTAINERS)], CONTAINERS[(4 * i + 5) % len(CONTAINERS)]]
    if conts[1] == conts[0]:
        conts[1] = CONTAINERS[(i + 1) % len(CONTAINERS)]
    for j, cont in enumerate(conts):
        opts = CONVERT_OPTS[(i + 3 * j) % len(CONVERT_OPTS)]
        io_mode = IO_MODES[(i + j) % len(IO_MODES)]
        if io_mode == "uring" and not R.uring:
            io_mode = "auto"
        tag = f"{case.name} [{cont}{' ' + ' '.join(opts) if opts else ''}, --io {io_mode}]"
        src = os.path.join(cdir, f"model.{cont}")
        # joblib containers also vary the pickle protocol inside
        dump(est, src, cont, joblib_protocol=[None, 2, 3, 4, 5][(i + j) % 5]
             if cont.startswith("joblib") else None)
        model = os.path.join(cdir, f"model{j}.frost")
        rc, so, se, dt = R.run(["convert", src, model, "--quiet"] + opts)
        if rc != 0:
            if rc == 1 and case.may_refuse and se.strip() and not os.path.exists(model):
                # a clean refusal (exit 1, a message, no file) is within the contract
                msg = se.strip().split(": ", 2)[-1]
                out.append(("skip", f"{tag} convert", f"refused (exit 1): {msg[:160]}"))
                continue
            out.append(("FAIL", f"{tag} convert", f"exit {rc}: {se.strip()[:300]}"))
            continue
        with R.stats.lock:
            R.coverage.setdefault(cont, set()).add(short)
        out.append(("ok", f"{tag} convert", f"{os.path.getsize(src)} -> "
                    f"{os.path.getsize(model)} bytes, {dt * 1e3:.0f} ms"))
        rc, so, se, _ = R.run(["verify", model])
        out.append(("ok" if rc == 0 else "FAIL", f"{tag} verify",
                    "" if rc == 0 else f"exit {rc}: {se.strip()[:200]}"))
        # inspect (text): the estimator and the sklearn version
        rc, so, se, _ = R.run(["inspect", model])
        if rc == 0 and short in so and SKV in so:
            out.append(("ok", f"{tag} inspect", ""))
        else:
            out.append(("FAIL", f"{tag} inspect",
                        f"exit {rc}; missing {short!r} or {SKV!r} in output"))
        # inspect --json: trees, features, classes, names
        rc, so, se, _ = R.run(["inspect", "--json", model])
        problems = []
        try:
            js = json.loads(so)
            nt = len(js["trees"])
            if nt != n_trees_of(est) or js["ensemble"]["n_trees"] != n_trees_of(est):
                problems.append(f"n_trees {nt}/{js['ensemble']['n_trees']}, "
                                f"expected {n_trees_of(est)}")
            if js["features"]["count"] != n_features:
                problems.append(f"n_features {js['features']['count']}, expected {n_features}")
            fn = js["features"]["names"]
            if case.frame and fn != list(est.feature_names_in_):
                problems.append(f"feature names {fn!r}")
            if not case.frame and fn is not None:
                problems.append(f"feature names {fn!r}, expected null")
            if case.clf:
                cls = est.classes_ if isinstance(est.classes_, list) else [est.classes_]
                jc = js["classes"] or []
                if len(jc) != len(cls):
                    problems.append(f"{len(jc)} class outputs, expected {len(cls)}")
                for k, (g, e) in enumerate(zip(jc, cls)):
                    if len(g["labels"]) != len(e) or \
                            not all(label_matches(a, b) for a, b in zip(g["labels"], e)):
                        problems.append(f"output {k} labels {g['labels'][:8]!r}, expected "
                                        f"{[label_text(c) for c in e][:8]!r}")
                    ek = json_label_kind(e)
                    if ek and g["kind"] != ek:
                        problems.append(f"output {k} kind {g['kind']!r}, expected {ek!r}")
            elif js["classes"] is not None:
                problems.append("classes on a regressor")
            if "sk_init" in data and j == 0:
                fr = js["ensemble"]["init_raw"]
                d = [int(np.float64(a).view(np.int64) - np.float64(b).view(np.int64))
                     for a, b in zip(fr, data["sk_init"])]
                if any(d):
                    out.append(("note", f"{tag} init_raw", f"frost (libm log) vs sklearn "
                                f"(numpy log) differ by {d} ulp"))
            if js["metadata"].get("sklearn_version") != SKV:
                problems.append(f"sklearn_version {js['metadata'].get('sklearn_version')!r}")
        except Exception as exc:  # noqa: BLE001
            problems.append(f"exit {rc}, unreadable JSON: {exc}")
        out.append(("FAIL" if problems else "ok", f"{tag} inspect --json", "; ".join(problems)))

        # predictions: all rows (the loaded path), few rows (the lazy path, <= 16 rows)
        runs = [("predict", rows_csv, [], tables_full[0]),
                ("predict (lazy)", lazy_csv, [], tables_lazy[0])]
        if case.clf:
            runs += [("predict --proba", rows_csv, ["--proba"], tables_full[1]),
                     ("predict --proba (lazy)", lazy_csv, ["--proba"], tables_lazy[1])]
        for what, csvp, extra, table in runs:
            rc, so, se, dt = R.run(["predict", model, csvp, "--io", io_mode] + extra)
            check = f"{tag} {what}"
            if rc != 0:
                out.append(("FAIL", check, f"exit {rc}: {se.strip()[:300]}"))
                continue
            ok, detail = compare(so, table, R.stats, check)
            out.append(("ok" if ok else "FAIL", check, detail))
            if what == "predict --proba" and "libm" in data:
                if not data["replay_ok"]:
                    out.append(("FAIL", f"{tag} boosting replay",
                                "the suite's replay of predict_stages differs from sklearn"))
                out.append(libm_check(so, data["libm"], f"{tag} {what} vs libm softmax"))
        if j == 0:
            out += extra_checks(R, case, est, data, cdir, model, names, tables_full, tag)
    if not R.keep:
        shutil.rmtree(cdir, ignore_errors=True)   # the big models go as soon as they are done
    return out


def libm_softmax(raw):
    """sklearn 1.2's multinomial predict_proba (exp(raw - logsumexp(raw))) computed with the C
    library's exp and log instead of numpy's (which on AVX-512 machines uses its own SIMD exp
    and log, and rounds some results differently from glibc)."""
    rows = []
    for r in raw:
        mx = max(r)
        if not math.isfinite(mx):
            mx = 0.0
        lse = math.log(pairwise([math.exp(v - mx) for v in r])) + mx
        rows.append([math.exp(v - lse) for v in r])
    return rows


def gb_init_libm(est):
    """The raw score every row starts from, with the C library's log (frost's convert)."""
    K = est.estimators_.shape[1]
    if est.init_ == "zero":
        return np.zeros(K)
    eps = float(np.finfo(np.float32).eps)
    p = [min(max(float(v), eps), 1 - eps) for v in est.init_.class_prior_]
    if K == 1:
        return np.array([math.log(p[1] / (1 - p[1]))])
    return np.array([math.log(v) for v in p])


def gb_raw(est, X, init):
    """predict_stages: raw[:, k] += learning_rate * tree value, stage by stage, in order."""
    X32 = np.ascontiguousarray(X, dtype=np.float32)
    raw = np.tile(np.asarray(init, dtype=np.float64), (len(X32), 1))
    for stage in est.estimators_:
        for k, t in enumerate(stage):
            raw[:, k] += est.learning_rate * t.tree_.predict(X32)[:, 0]
    return raw


def libm_check(text, exp_rows, check):
    """frost's multi-class boosting probabilities against the libm softmax of sklearn's own raw
    scores (decision_function): separates frost's part (trees, sums) from numpy's exp/log."""
    body = read_csv_text(text)[1:]
    n = exact = 0
    for g_row, e_row in zip(body, exp_rows):
        for g, e in zip(g_row, e_row):
            n += 1
            exact += bits(float(g)) == bits(e)
    ok = exact == n and len(body) == len(exp_rows)
    return ("ok" if ok else "FAIL", check, f"{exact}/{n} bit-exact")


def extra_checks(R, case, est, data, cdir, model, names, tables_full, tag):
    out = []
    rows = data["rows"]
    n_features = len(names)
    rng = np.random.RandomState(len(case.name))
    if case.frame:
        # shuffled columns plus extra ones (a number and a text that needs quoting)
        perm = list(rng.permutation(n_features))
        # equal names pair up in order (the k-th "dup" feature takes the k-th "dup" column),
        # so duplicates keep their relative order
        for nm in set(names):
            slots = [k for k, q in enumerate(perm) if names[q] == nm]
            for k, q in zip(slots, sorted(perm[k] for k in slots)):
                perm[k] = q
        hdr = [names[p] for p in perm]
        pos_num, pos_txt = rng.randint(len(hdr) + 1), rng.randint(len(hdr) + 2)
        hdr.insert(pos_num, "extra_num")
        hdr.insert(pos_txt, "extra_text")
        body = []
        for r in rows:
            nr = [r[p] for p in perm]
            nr.insert(pos_num, "12.5")
            nr.insert(pos_txt, 'hello, "world"')
            body.append(nr)
        p = os.path.join(cdir, "shuffled.csv")
        write_csv(p, hdr, body)
        rc, so, se, _ = R.run(["predict", model, p])
        check = f"{tag} predict, columns shuffled + 2 extra"
        if rc != 0:
            out.append(("FAIL", check, f"exit {rc}: {se.strip()[:300]}"))
        else:
            ok, detail = compare(so, tables_full[0], R.stats, check)
            out.append(("ok" if ok else "FAIL", check, detail))
        # a missing column is refused with exit 1 and named
        p = os.path.join(cdir, "missing.csv")
        drop = names[int(rng.randint(n_features))]
        if names.count(drop) > 1:
            drop = next(nm for nm in names if names.count(nm) == 1)
        keep = [k for k in range(n_features) if names[k] != drop]
        write_csv(p, [names[k] for k in keep] + ["unrelated"],
                  [[r[k] for k in keep] + ["1"] for r in rows[:3]])
        rc, so, se, _ = R.run(["predict", model, p])
        check = f"{tag} predict, column {drop!r} missing -> exit 1"
        # the message may quote or escape the name; its alphanumeric runs must be there
        named = all(part in se for part in re.findall(r"[A-Za-z0-9]+", drop))
        out.append(("ok" if rc == 1 and named else "FAIL", check,
                    "" if rc == 1 and named else f"exit {rc}: {se.strip()[:200]}"))
    else:
        # a positional model given one column too few is refused with exit 1
        p = os.path.join(cdir, "short.csv")
        write_csv(p, names[:-1], [r[:-1] for r in rows[:3]])
        rc, so, se, _ = R.run(["predict", model, p])
        out.append(("ok" if rc == 1 and se.strip() else "FAIL",
                    f"{tag} predict, {n_features - 1} of {n_features} columns -> exit 1",
                    "" if rc == 1 else f"exit {rc}"))
    # the same rows from stdin, CRLF line ends, every field quoted, written with -o
    crlf = os.path.join(cdir, "crlf.csv")
    with open(crlf, "w", newline="", encoding="utf-8") as f:
        csv.writer(f, lineterminator="\r\n", quoting=csv.QUOTE_ALL).writerows([names] + rows)
    outp = os.path.join(cdir, "out.csv")
    with open(crlf, "rb") as f:
        p = subprocess.run([R.frost, "predict", model, "-", "-o", outp], stdin=f,
                           capture_output=True, timeout=120)
    check = f"{tag} predict - (stdin, CRLF, all quoted) -o OUT"
    if p.returncode != 0 or not os.path.exists(outp):
        out.append(("FAIL", check, f"exit {p.returncode}: {p.stderr.decode()[:300]}"))
    else:
        with open(outp, encoding="utf-8") as f:
            ok, detail = compare(f.read(), tables_full[0], R.stats, check)
        out.append(("ok" if ok else "FAIL", check, detail))
    if not case.clf:
        rc, so, se, _ = R.run(["predict", model, os.path.join(cdir, "lazy.csv"), "--proba"])
        out.append(("ok" if rc == 2 and se.strip() else "FAIL",
                    f"{tag} predict --proba on a regressor -> exit 2", f"exit {rc}"))
    # number spellings Python's float() reads: %.17g, %.20e, %.3E, +x, .5, 5., 40 decimals,
    # blanks around
    frows = number_form_rows(data["base_rows"], rng)
    p = os.path.join(cdir, "forms.csv")
    write_csv(p, names, frows)
    with open(p, "rb+") as f:   # and no newline after the last row
        f.truncate(os.path.getsize(p) - 1)
    Xn = np.array([[float(v) for v in r] for r in frows])
    t = expect_tables(case, est, expected(case, est, Xn, names))[0]
    rc, so, se, _ = R.run(["predict", model, p])
    check = f"{tag} predict, number spellings"
    if rc != 0:
        out.append(("FAIL", check, f"exit {rc}: {se.strip()[:300]}"))
    else:
        ok, detail = compare(so, t, R.stats, check)
        out.append(("ok" if ok else "FAIL", check, detail))
    # a header and no rows: just the output header
    p = os.path.join(cdir, "empty.csv")
    write_csv(p, names, [])
    rc, so, se, _ = R.run(["predict", model, p])
    got = read_csv_text(so)
    ok = rc == 0 and len(got) == 1 and len(got[0]) == len(tables_full[0][0])
    out.append(("ok" if ok else "FAIL", f"{tag} predict, header only",
                "" if ok else f"exit {rc}, {so!r:.80}"))
    # NaN rows: sklearn 1.2 trees reject them ("Input X contains NaN"), so frost must too: exit
    # 1 with a message naming the first such row and its column, and no row scored
    nrows = []
    for k, r in enumerate(rows[:20]):
        r = list(r)
        r[k % n_features] = ""
        if k % 3 == 0:
            r = [""] * n_features
        nrows.append(r)
    p = os.path.join(cdir, "nan.csv")
    write_csv(p, names, nrows)
    try:
        est.predict(np.full((1, n_features), np.nan))
        sk_refuses = False
    except ValueError as e:
        sk_refuses = "NaN" in str(e)
    rc, so, se, _ = R.run(["predict", model, p] + (["--proba"] if case.clf else []))
    lines = len(read_csv_text(so))
    first = names[0] if names else "x0"
    ok = sk_refuses and rc == 1 and lines <= 1 and "row 1," in se and "missing value" in se \
        and f"'{first}'" in se
    out.append(("ok" if ok else "FAIL", f"{tag} NaN rows refused as by sklearn {SKV}",
                "" if ok else f"sklearn refuses: {sk_refuses}; frost exit {rc}, {lines} lines: "
                f"{se.strip()[:200]}"))
    return out


def unsupported_checks(R, tmp):
    """Estimators frost must refuse with exit 1, a message, and no output file."""
    out = []
    X, y, _ = dataset("binary")
    Xr, yr, _ = dataset("reg")
    items = [
        ("GradientBoostingClassifier(loss='exponential')",
         GradientBoostingClassifier(loss="exponential", n_estimators=5).fit(X, y)),
        ("GradientBoostingClassifier(init=DummyClassifier('stratified')) (random init)",
         GradientBoostingClassifier(init=DummyClassifier(strategy="stratified"),
                                    n_estimators=3).fit(X, y)),
        ("GradientBoostingRegressor(init=LinearRegression())",
         GradientBoostingRegressor(init=LinearRegression(), n_estimators=5).fit(Xr, yr)),
        ("AdaBoostClassifier", AdaBoostClassifier(n_estimators=5).fit(X, y)),
        ("a dict of arrays", {"a": np.arange(3)}),
    ]
    for k, (what, obj) in enumerate(items):
        src = os.path.join(tmp, f"unsupported{k}.joblib")
        joblib.dump(obj, src)
        dst = os.path.join(tmp, f"unsupported{k}.frost")
        rc, so, se, _ = R.run(["convert", src, dst])
        ok = rc == 1 and se.strip() and not os.path.exists(dst)
        out.append(("ok" if ok else "FAIL", f"convert refuses {what}",
                    f"exit {rc}: {se.strip()[:160]}"))
    return out


def prepare(case, i):
    """Trains the case and computes sklearn's answers; returns (est, data)."""
    X, y, names = dataset(case.data)
    rng = np.random.RandomState(100 + i)
    sw = None
    if case.sw:
        sw = np.random.RandomState(i).uniform(0.1, 3.0, size=len(X))
    d = split(X, y, seed=i, sw=sw)
    ytr = d["ytr"]
    if case.labels == "single":
        ytr = np.full(len(ytr), "only")
    elif case.labels == "float_sub":
        ytr = relabel(ytr, "int")
    elif case.labels:
        ytr = relabel(ytr, case.labels)
    if case.names is not None:
        names = case.names[:X.shape[1]]
        assert len(names) == X.shape[1]
    elif names is None:
        names = [f"feat_{j}" for j in range(X.shape[1])]
    if case.frame:
        Xfit = pd.DataFrame(d["Xtr"], columns=names)
    else:
        names = None
        Xfit = d["Xtr"]
    est = case.est
    est.fit(Xfit, ytr, **({"sample_weight": d["sw"]} if sw is not None else {}))
    if case.post:
        case.post(est)
    if case.labels == "float_sub":
        est.classes_ = FLOAT_SUB[:len(est.classes_)].copy()
    if hasattr(est, "n_jobs"):
        est.set_params(n_jobs=None)   # sklearn's own sums must run in tree order
    n_features = X.shape[1]
    col_names = names if case.frame else [f"x{j}" for j in range(n_features)]
    held = d["Xte"][:300]
    base = [[num(v) for v in r] for r in held]
    probes = probe_rows(est, held, rng, n_features, max_nodes=60)
    rows = base + probes + extreme_rows(held, n_features)
    Xn = np.array([[float(v) for v in r] for r in rows])
    with np.errstate(over="ignore", invalid="ignore"):
        keep = np.isfinite(Xn.astype(np.float32)).all(axis=1)   # what sklearn accepts
    rows = [r for r, k in zip(rows, keep) if k]
    if case.big:
        rows = rows * (9000 // len(rows) + 1)   # several 4096-row batches
    lazy = probes[:5] + base[:5] + rows[-3:]     # <= 16 rows: the lazy loading path
    lazy = [r for r in lazy if all(f32_ok(float(v)) for v in r)]
    Xn = np.array([[float(v) for v in r] for r in rows])
    Xl = np.array([[float(v) for v in r] for r in lazy])
    data = {"rows": rows, "lazy_rows": lazy, "names": col_names, "base_rows": held,
            "exp": expected(case, est, Xn, col_names),
            "exp_lazy": expected(case, est, Xl, col_names)}
    if isinstance(est, GradientBoostingClassifier):
        K = est.estimators_.shape[1]
        sk_init = est._loss.get_init_raw_predictions(Xn[:1].astype(np.float32), est.init_)[0] \
            if est.init_ != "zero" else np.zeros(K)
        data["sk_init"] = [float(v) for v in sk_init]
        if K > 2:
            # the boosting sums replayed in numpy must give sklearn's decision_function exactly;
            # then the same replay from frost's libm init, through a libm softmax
            Xs = pd.DataFrame(Xn, columns=col_names) if case.frame else Xn
            data["replay_ok"] = bool((gb_raw(est, Xn, sk_init) ==
                                      est.decision_function(Xs)).all())
            data["libm"] = libm_softmax(gb_raw(est, Xn, gb_init_libm(est)))
    return est, data


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--frost", default="build/frost")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--keep", metavar="DIR")
    ap.add_argument("--only", metavar="SUBSTRING")
    args = ap.parse_args()
    R = Runner(args)
    t0 = time.time()
    if not os.access(R.frost, os.X_OK):
        print(f"FAIL setup: {R.frost} is not an executable")
        print("parity: 0 passed, 1 failed")
        return 1
    if args.keep:
        os.makedirs(args.keep, exist_ok=True)
        tmp = args.keep
    else:
        tmp = tempfile.mkdtemp(prefix="frost-parity-")
    print(f"parity: scikit-learn {SKV}, numpy {np.__version__}, frost {R.frost}", flush=True)
    try:
        # io_uring may be blocked (seccomp, containers): probe once, use it only if it works
        probe_model = os.path.join(tmp, "uring-probe.joblib")
        joblib.dump(DecisionTreeRegressor(max_depth=1).fit([[0.0], [1.0]], [0.0, 1.0]),
                    probe_model)
        R.run(["convert", probe_model, probe_model + ".frost", "--quiet"])
        write_csv(probe_model + ".csv", ["x0"], [["0.5"]])
        R.uring = R.run(["predict", probe_model + ".frost", probe_model + ".csv",
                         "--io", "uring"])[0] == 0
        if not R.uring:
            R.emit([("skip", "--io uring", "io_uring unavailable here; runs use --io auto")])
        all_cases = [c for c in cases() if not args.only or args.only in c.name]
        pending = []
        with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            for i, case in enumerate(all_cases):
                try:
                    est, data = prepare(case, i)
                except Exception:  # noqa: BLE001
                    R.emit([("FAIL", f"{case.name} train", short_tb())])
                    continue
                pending.append((case, pool.submit(run_case, R, case, i, est, data, tmp)))
                while pending and pending[0][1].done():
                    _flush(R, pending.pop(0))
            if not args.only or "unsupported" in args.only:
                pending.append((None, pool.submit(unsupported_checks, R, tmp)))
            while pending:
                _flush(R, pending.pop(0))
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    S = R.stats
    print(f"parity: {S.exact}/{S.values} numeric values bit-exact"
          + (f"; inexact in {len(S.inexact)} checks:" if S.inexact else ""), flush=True)
    for check, n, worst in S.inexact:
        print(f"  inexact {check}: {n} values, max rel diff {worst:.3g}")
    for cont in CONTAINERS:
        got = sorted(R.coverage.get(cont, ()))
        print(f"parity: {cont} carried {len(got)} estimator classes: {' '.join(got)}")
    print(f"parity: {time.time() - t0:.1f} s")
    print(f"parity: {R.passed} passed, {R.failed} failed", flush=True)
    return 1 if R.failed else 0


def short_tb():
    return " | ".join(traceback.format_exc().strip().split("\n")[-4:])


def _flush(R, item):
    case, fut = item
    try:
        R.emit(fut.result())
    except Exception:  # noqa: BLE001
        R.emit([("FAIL", f"{case.name if case else 'unsupported'} checks", short_tb())])


if __name__ == "__main__":
    sys.exit(main())
