#!/usr/bin/python3
"""parity_pipelines.py — frost's pipelines against the real scikit-learn, value by value.

Fits scikit-learn Pipelines (nested to any depth), ColumnTransformers (columns given by name,
by index, by slice, by boolean mask; remainder drop / passthrough / a transformer; 'drop' and
'passthrough' entries; transformer_weights; pandas output feeding a second ColumnTransformer),
FeatureUnions, SimpleImputer (mean / median / most_frequent / constant, numbers and strings,
add_indicator, empty features), StandardScaler, MinMaxScaler, RobustScaler, MaxAbsScaler,
OneHotEncoder (ignore / error / infrequent_if_exist, drop, string / float / int categories,
missing values as a category) and OrdinalEncoder, ending in every estimator frost converts, on
synthetic mixed DataFrames (numbers, strings that need CSV quoting, NaN, string and int class
labels). Each is saved with joblib (plain, zlib 3, gzip 3, lz4 3) or pickle (protocols 4, 5),
converted with `frost convert`, and scored from a CSV of 300 rows (more than one of frost's
batches; columns shuffled, an extra column, empty cells, categories and numbers unseen at fit):

  frost predict            vs  predict                    labels identical, numbers within 1e-9
  frost predict --proba    vs  predict_proba              relative (absolute below 1)
  frost transform          vs  pipe[:-1].transform(X)     header = get_feature_names_out()

and the bit-exact values are counted (over the checks that match). Saved bare transformers are
compared through `frost transform`, and `frost predict` must refuse them (exit 1). Error paths:
a CSV missing columns (exit 1, every missing column named; with --missing-columns nan, sklearn's
answers for all-NaN columns), text in a number column, an unknown or missing category under
handle_unknown='error' (exit 1, row and column named), --proba on models without probabilities
(hard voting, one-vs-rest over LinearSVC), a header with no rows. VotingClassifier (soft and hard,
weights, 'drop'), VotingRegressor and OneVsRestClassifier (multi-class and binary) are held to
parity at the end of a Pipeline after a ColumnTransformer and at the root with members that are
pipelines with their own preprocessing; HistGradientBoosting after a ColumnTransformer and as a
voting member (missing values reaching it are routed, not refused). Steps frost does not convert
(FunctionTransformer with a function such as np.abs or np.log1p, a combination inside a
combination, a class defined in this script and pickled by reference to __main__, a search with refit=False) must
fail conversion with exit 1, a message naming the step path and the offending name, and no output
file; steps whose support is being
added (Normalizer, PolynomialFeatures, KBinsDiscretizer, GridSearchCV, RandomizedSearchCV,
FunctionTransformer(func=None), make_column_selector, SimpleImputer(missing_values=0),
SGDClassifier(modified_huber)) may be refused that way or convert — and are then held to parity.

    /usr/bin/python3 tests/parity/parity_pipelines.py [--frost build/frost] [--keep DIR]
                                                       [--only SUBSTRING]

Prints one line per check ("ok   …", "FAIL …", "skip …", "note …") and ends with exactly
"parity-pipelines: N passed, M failed"; exits 1 on any failure. Models and CSVs live in a
temporary directory removed at the end (kept with --keep DIR).
"""
import argparse
import csv
import io
import math
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
import warnings

try:
    import numpy as np
    import joblib
    import lz4.frame  # noqa: F401  (joblib's lz4 container needs it)
    import pandas as pd
    import scipy.stats
    import sklearn
    from sklearn.base import BaseEstimator, TransformerMixin
    from sklearn.compose import ColumnTransformer, make_column_selector
    from sklearn.ensemble import (ExtraTreesClassifier, ExtraTreesRegressor,
                                  GradientBoostingClassifier, GradientBoostingRegressor,
                                  HistGradientBoostingClassifier,
                                  HistGradientBoostingRegressor,
                                  RandomForestClassifier, RandomForestRegressor,
                                  VotingClassifier, VotingRegressor)
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import (ElasticNet, Lasso, LinearRegression, LogisticRegression,
                                      Ridge, RidgeClassifier, SGDClassifier, SGDRegressor)
    from sklearn.model_selection import GridSearchCV, RandomizedSearchCV
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.pipeline import FeatureUnion, Pipeline
    from sklearn.preprocessing import (FunctionTransformer, KBinsDiscretizer, MaxAbsScaler,
                                       MinMaxScaler, Normalizer, OneHotEncoder, OrdinalEncoder,
                                       PolynomialFeatures, RobustScaler, StandardScaler)
    from sklearn.svm import LinearSVC, LinearSVR
    from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor
except ImportError as exc:  # the stage must fail loudly, not pass vacuously
    print(f"FAIL setup: {exc} (run with Debian's /usr/bin/python3: python3-sklearn, "
          "python3-pandas, python3-lz4)")
    print("parity-pipelines: 0 passed, 1 failed")
    sys.exit(1)

warnings.filterwarnings("ignore")
SKV = sklearn.__version__
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pylib"))
from frost_numbers import REL_TOL, bits, shortest, close, label_text  # noqa: E402
SUMMARY = "parity-pipelines"


# ---- a class frost must refuse: defined here, so pickle stores it as __main__.ClipOutliers ----

class ClipOutliers(BaseEstimator, TransformerMixin):
    """Clips each column to its fitted 1st..99th percentile."""

    def __init__(self, q=1.0):
        self.q = q

    def fit(self, X, y=None):
        X = np.asarray(X, dtype=float)
        self.lo_ = np.nanpercentile(X, self.q, axis=0)
        self.hi_ = np.nanpercentile(X, 100 - self.q, axis=0)
        return self

    def transform(self, X):
        return np.clip(np.asarray(X, dtype=float), self.lo_, self.hi_)


# ---- numbers and labels ----------------------------------------------------------------------


# ---- data ------------------------------------------------------------------------------------

COLORS = ["red", "green", "blue", "yellow"]
SIZES = ["S", "M", "L", "XL"]
# city: tricky spellings (CSV quoting, UTF-8, spaces kept, strings pandas reads as NaN — and so
# does frost: fitted as categories, they are missing when scored from a CSV), and rare ones for
# the infrequent-category encoders
CITIES = ["paris", "oslo", "lima", "a,b", 'say "hi"', "ñandú", "NA", "None", "nan", " lead",
          "trail ", "0", "1.5", "x\ny", "rare\t1", "rare🐍"]
CITY_P = [0.2, 0.15, 0.12, 0.07, 0.06, 0.06, 0.05, 0.05, 0.05, 0.05, 0.05, 0.03, 0.03, 0.015,
          0.0075, 0.0075]
TIERS = ["gold", "silver", "bronze", "iron"]     # exactly one infrequent at min_frequency=0.05
GRADES = [1.0, 2.5, -3.0, 1e-05, 1e16, 0.1]    # str(): '1e-05', '1e+16'
GRADE_P = [0.3, 0.25, 0.2, 0.1, 0.1, 0.05]
UNKNOWN = {"color": "purple", "size": "XXL", "city": "atlantis", "flag": "maybe", "code": "zz",
           "tier": "platinum", "grade": 9.75, "count": 99}
NAN_RATE = {"num1": 0.1, "num2": 0.06, "grade": 0.08, "color": 0.08, "size": 0.05,
            "city": 0.05, "flag": 0.05, "tier": 0.02, "num3": 0.05}


def make_frame(n, seed, nan_cols, unk_cols=(), score=False):
    rng = np.random.RandomState(seed)
    df = pd.DataFrame({
        "num1": rng.normal(size=n),
        "num2": rng.uniform(0, 100, n),
        "num3": rng.lognormal(size=n),
        "count": np.minimum(rng.poisson(3, n), 7).astype(np.int64),
        "grade": rng.choice(GRADES, n, p=GRADE_P),
        "const": np.full(n, 7.0),
        "color": rng.choice(COLORS, n, p=[0.4, 0.3, 0.2, 0.1]).astype(object),
        "size": rng.choice(SIZES, n).astype(object),
        "city": rng.choice(CITIES, n, p=CITY_P).astype(object),
        "flag": rng.choice(["yes", "no"], n).astype(object),
        "tier": rng.choice(TIERS, n, p=[0.4, 0.4, 0.17, 0.03]).astype(object),
        "code": np.array([f"c{v:04d}" for v in rng.randint(0, 3000, n)], dtype=object),
    })
    if score:   # values beyond the training range (MinMaxScaler clip, robust scaling)
        big = rng.rand(n) < 0.1
        df.loc[big, "num2"] = rng.choice([-50.0, 250.0, 1e6, -1e-300], big.sum())
        df.loc[rng.rand(n) < 0.05, "num1"] = 12.5
    for c in nan_cols:
        rate = NAN_RATE.get(c, 0.05) * (2.0 if score else 1.0)
        m = rng.rand(n) < rate
        if score:
            m[:3] = True     # the first rows: missing everywhere missing is allowed
        df.loc[m, c] = np.nan
    for c in unk_cols:
        m = rng.rand(n) < 0.1
        m[3:5] = True
        df.loc[m, c] = UNKNOWN[c]
    return df


def targets(df, seed):
    rng = np.random.RandomState(seed + 100)
    n = len(df)
    s = (0.8 * df["num1"].fillna(0).to_numpy() + 0.02 * df["num2"].fillna(50).to_numpy()
         + 0.3 * np.log(df["num3"].fillna(1).to_numpy())
         + df["color"].map({"red": 0.7, "green": -0.4, "blue": 0.1}).fillna(0).to_numpy()
         + df["size"].map({"S": -0.5, "M": 0.0, "L": 0.4, "XL": 0.9}).fillna(0).to_numpy()
         + 0.1 * df["count"].to_numpy() + rng.normal(scale=0.4, size=n))
    q1, q2 = np.quantile(s, [0.35, 0.7])
    idx = np.digitize(s, [q1, q2])
    return {
        "reg": s * 10.0 + 3.0,
        "reg2": np.column_stack([s * 10.0 + 3.0, np.exp(s / 3.0) - 2.0 * s]),
        "bin": np.where(s > np.median(s), "yes", "no").astype(object),
        "multi": np.array(["alpha", "beta", "gamma"], dtype=object)[idx],
        "int3": np.array([-7, 3, 12], dtype=np.int64)[idx],
        "tricky3": np.array(["a,b", 'say "hi"', "ñandú"], dtype=object)[idx],
    }


# ---- the cases -------------------------------------------------------------------------------

class Case:
    """expect: 'match' (convert, then parity), 'refuse' (exit 1, message naming every string in
    needs, no output file), 'either' (a clean refusal like 'refuse', or a conversion held to
    parity). cols: the DataFrame columns the model is fitted on; nan / unk: the columns given
    missing values (at fit and at scoring) / categories unseen at fit (at scoring)."""

    def __init__(self, name, build, cols, y=None, nan=(), unk=(), expect="match", needs=(),
                 note="", numpy=False, rename=None):
        self.name, self.build, self.cols, self.y = name, build, list(cols), y
        self.nan, self.unk = tuple(nan), tuple(unk)
        self.expect, self.needs, self.note = expect, tuple(needs), note
        self.numpy = numpy    # fitted on a float ndarray: no names, columns by position
        self.rename = rename or {}   # column names changed after the frame is made


def cases():
    OHE, ORD, SI = OneHotEncoder, OrdinalEncoder, SimpleImputer
    mf = dict(strategy="most_frequent")
    C = []
    # 1. columns by name; string most_frequent imputer; multinomial lbfgs, string labels
    C.append(Case("ct_names_logreg_lbfgs", lambda: Pipeline([
        ("pre", ColumnTransformer([
            ("num", Pipeline([("imp", SI()), ("sc", StandardScaler())]), ["num1", "num2"]),
            ("cat", Pipeline([("imp", SI(**mf)), ("ohe", OHE(handle_unknown="ignore"))]),
             ["color", "size"])])),
        ("clf", LogisticRegression(max_iter=500))]),
        ["num1", "num2", "num3", "color", "size"], "multi",
        nan=["num1", "num2", "color", "size"], unk=["color", "size"]))
    # 2. columns by index; ordinal encoder with unknown and missing values; random forest
    C.append(Case("ct_ints_ordinal_rfc", lambda: Pipeline([
        ("pre", ColumnTransformer([
            ("num", SI(strategy="median"), [0, 1]),
            ("cat", ORD(handle_unknown="use_encoded_value", unknown_value=-1,
                        encoded_missing_value=-2), [4, 5])])),
        ("rf", RandomForestClassifier(n_estimators=30, max_depth=8, random_state=0))]),
        ["num1", "num2", "num3", "count", "color", "size"], "multi",
        nan=["num1", "num2", "color", "size"], unk=["color", "size"]))
    # 3. columns by slice; constant numeric imputer, robust scaler; missing string category
    C.append(Case("ct_slice_robust_gbr", lambda: Pipeline([
        ("pre", ColumnTransformer([
            ("num", Pipeline([("imp", SI(strategy="constant", fill_value=-1.0)),
                              ("rs", RobustScaler())]), slice(0, 3)),
            ("cat", OHE(handle_unknown="ignore", sparse_output=False), slice(3, 4))])),
        ("gb", GradientBoostingRegressor(n_estimators=40, max_depth=3, random_state=0))]),
        ["num1", "num2", "num3", "color"], "reg",
        nan=["num1", "num2", "num3", "color"], unk=["color"]))
    # 4. columns by boolean mask; MinMaxScaler(clip) with a feature range; constant strings
    C.append(Case("ct_mask_minmax_ridge", lambda: Pipeline([
        ("pre", ColumnTransformer([
            ("num", Pipeline([("imp", SI()), ("mm", MinMaxScaler(feature_range=(-1, 1),
                                                                 clip=True))]),
             [True, True, False, False]),
            ("cat", Pipeline([("imp", SI(strategy="constant", fill_value="missing")),
                              ("ohe", OHE(handle_unknown="ignore"))]),
             np.array([False, False, True, True]))])),
        ("ridge", Ridge(alpha=0.5))]),
        ["num1", "num2", "color", "city"], "reg",
        nan=["num1", "num2", "color", "city"], unk=["color", "city"]))
    # 5. remainder='passthrough'; drop='first' with unknowns ignored; Lasso
    C.append(Case("remainder_passthrough_lasso", lambda: Pipeline([
        ("pre", ColumnTransformer([
            ("cat", OHE(drop="first", handle_unknown="ignore"), ["color", "size"])],
            remainder="passthrough")),
        ("lasso", Lasso(alpha=0.01))]),
        ["num3", "color", "count", "size"], "reg", nan=["color"], unk=["color", "size"]))
    # 6. remainder as a transformer; MaxAbsScaler; explicit category order; ElasticNet
    C.append(Case("remainder_pipeline_enet", lambda: Pipeline([
        ("pre", ColumnTransformer([
            ("cat", ORD(categories=[["XL", "S", "L", "M"]], handle_unknown="use_encoded_value",
                        unknown_value=-1), ["size"])],
            remainder=Pipeline([("imp", SI(strategy="median")), ("ma", MaxAbsScaler())]))),
        ("enet", ElasticNet(alpha=0.05, l1_ratio=0.3))]),
        ["num1", "size", "num2", "num3"], "reg", nan=["num1", "num2", "num3"], unk=["size"]))
    # 7. pipelines nested three deep, inside a ColumnTransformer inside a pipeline; tricky
    #    categories and labels
    C.append(Case("nested_pipelines_dtc", lambda: Pipeline([
        ("outer", Pipeline([("ct", ColumnTransformer([
            ("num", Pipeline([("imp", SI()), ("inner", Pipeline([
                ("deeper", Pipeline([("sc", StandardScaler())]))]))]), ["num1", "num2"]),
            ("cat", Pipeline([("imp", SI(strategy="constant", fill_value="unk")),
                              ("ohe", OHE(handle_unknown="ignore"))]), ["city"])]))])),
        ("clf", DecisionTreeClassifier(max_depth=7, random_state=0))]),
        ["num1", "num2", "city"], "tricky3", nan=["num1", "num2", "city"], unk=["city"]))
    # 8. FeatureUnion (with a passthrough member) after an imputer; SGDRegressor
    C.append(Case("feature_union_sgdreg", lambda: Pipeline([
        ("pre", ColumnTransformer([
            ("num", Pipeline([("imp", SI()), ("fu", FeatureUnion([
                ("std", StandardScaler()), ("mm", MinMaxScaler()),
                ("gone", "drop"), ("raw", "passthrough")]))]), ["num1", "num2", "num3"]),
            ("cat", OHE(handle_unknown="ignore"), ["size"])])),
        ("sgd", SGDRegressor(max_iter=2000, tol=1e-6, random_state=0))]),
        ["num1", "num2", "num3", "size"], "reg", nan=["num1", "num2", "num3"], unk=["size"]))
    # 9. SimpleImputer(add_indicator) on numbers; LinearRegression
    C.append(Case("imputer_indicator_linreg", lambda: Pipeline([
        ("pre", ColumnTransformer([
            ("num", SI(strategy="median", add_indicator=True), ["num1", "num2", "num3"]),
            ("cat", Pipeline([("imp", SI(**mf)), ("ohe", OHE(handle_unknown="ignore"))]),
             ["color"])])),
        ("lr", LinearRegression())]),
        ["num1", "num2", "num3", "color"], "reg", nan=["num1", "num2", "color"],
        unk=["color"]))
    # 10. drop='if_binary'; liblinear (one-vs-rest) logistic regression, int labels
    C.append(Case("onehot_if_binary_logreg_liblinear", lambda: Pipeline([
        ("pre", ColumnTransformer([
            ("num", Pipeline([("imp", SI()), ("sc", StandardScaler())]), ["num1", "num2"]),
            ("cat", OHE(drop="if_binary", handle_unknown="error"), ["flag", "size"])])),
        ("clf", LogisticRegression(solver="liblinear", C=0.7))]),
        ["num1", "num2", "flag", "size"], "int3", nan=["num1", "num2"]))
    # 11. SGDClassifier(log_loss), multi-class: one-vs-rest probabilities
    C.append(Case("sgd_log_multi", lambda: Pipeline([
        ("pre", ColumnTransformer([
            ("num", Pipeline([("imp", SI()), ("sc", StandardScaler())]), ["num1", "num2"]),
            ("cat", Pipeline([("imp", SI(**mf)), ("ohe", OHE(handle_unknown="ignore"))]),
             ["color", "size"])])),
        ("sgd", SGDClassifier(loss="log_loss", max_iter=2000, tol=1e-6, random_state=0))]),
        ["num1", "num2", "color", "size"], "multi", nan=["num1", "num2", "color", "size"],
        unk=["color", "size"]))
    # 12. infrequent categories (min_frequency) with a missing category; extra trees
    C.append(Case("onehot_infrequent_etc", lambda: Pipeline([
        ("pre", ColumnTransformer([
            ("num", SI(), ["num1", "num2"]),
            ("cat", OHE(min_frequency=0.04, handle_unknown="infrequent_if_exist",
                        sparse_output=False), ["city", "color"])])),
        ("et", ExtraTreesClassifier(n_estimators=25, max_depth=8, random_state=0))]),
        ["num1", "num2", "city", "color"], "bin", nan=["num1", "num2", "city", "color"],
        unk=["city", "color"]))
    # 13. max_categories with drop='first' (1.2 drops by grouped position); gradient boosting
    C.append(Case("onehot_max_categories_gbc", lambda: Pipeline([
        ("pre", ColumnTransformer([
            ("cat", OHE(max_categories=4, drop="first", handle_unknown="infrequent_if_exist"),
             ["city"]),
            ("num", SI(strategy="median"), ["num1", "num2", "num3"])])),
        ("gb", GradientBoostingClassifier(n_estimators=30, max_depth=3, random_state=0))]),
        ["city", "num1", "num2", "num3"], "bin", nan=["city", "num1", "num2"],
        unk=["city"]))
    # 14. ordinal encoding (explicit order, unknown and missing values) + multi-class boosting
    C.append(Case("ordinal_gbc_multi", lambda: Pipeline([
        ("pre", ColumnTransformer([
            ("ord", ORD(categories=[["S", "M", "L", "XL"], COLORS],
                        handle_unknown="use_encoded_value", unknown_value=-1,
                        encoded_missing_value=-2), ["size", "color"]),
            ("ord2", ORD(handle_unknown="use_encoded_value", unknown_value=99,
                         encoded_missing_value=-5), ["city"]),
            ("num", SI(), ["num1"])])),
        ("gb", GradientBoostingClassifier(n_estimators=25, max_depth=3, random_state=1))]),
        ["size", "color", "city", "num1"], "multi", nan=["size", "color", "city", "num1"],
        unk=["size", "color", "city"]))
    # 15. handle_unknown='error' (no unknowns in the scored rows); LinearSVC multi-class
    C.append(Case("onehot_error_linsvc", lambda: Pipeline([
        ("pre", ColumnTransformer([
            ("cat", OHE(handle_unknown="error"), ["size", "count"]),
            ("num", StandardScaler(), ["num3"])])),
        ("svc", LinearSVC(C=0.5, max_iter=20000, random_state=0))]),
        ["size", "count", "num3"], "multi"))
    # 16. numeric categories: floats with missing as a category, ints; LinearSVR
    C.append(Case("numeric_categories_linsvr", lambda: Pipeline([
        ("pre", ColumnTransformer([
            ("cat", OHE(handle_unknown="ignore"), ["grade", "count"]),
            ("num", Pipeline([("imp", SI()), ("sc", StandardScaler())]), ["num1"])])),
        ("svr", LinearSVR(C=1.0, max_iter=20000, random_state=0))]),
        ["grade", "count", "num1"], "reg", nan=["grade", "num1"], unk=["grade", "count"]))
    # 17. RidgeClassifier; explicit drop list; string constant imputer
    C.append(Case("ridge_classifier_droplist", lambda: Pipeline([
        ("pre", ColumnTransformer([
            ("cat", Pipeline([("imp", SI(strategy="constant", fill_value="missing")),
                              ("ohe", OHE(drop=["red", "M"], handle_unknown="ignore"))]),
             ["color", "size"]),
            ("num", Pipeline([("imp", SI(strategy="median")), ("sc", StandardScaler())]),
             ["num1", "num2"])])),
        ("rc", RidgeClassifier(alpha=2.0))]),
        ["color", "size", "num1", "num2"], "multi", nan=["color", "size", "num1", "num2"],
        unk=["color", "size"]))
    # 18. SGDClassifier(hinge), binary: predict only
    C.append(Case("sgd_hinge_binary", lambda: Pipeline([
        ("pre", ColumnTransformer([
            ("num", Pipeline([("imp", SI()), ("sc", StandardScaler())]), ["num1", "num2"]),
            ("cat", OHE(handle_unknown="ignore"), ["color"])])),
        ("sgd", SGDClassifier(loss="hinge", max_iter=2000, tol=1e-6, random_state=0))]),
        ["num1", "num2", "color"], "bin", nan=["num1", "num2", "color"], unk=["color"]))
    # 19-22. LogisticRegression: each remaining solver, binary and multi-class
    C.append(Case("logreg_saga_multinomial_binary", lambda: Pipeline([
        ("pre", ColumnTransformer([
            ("num", Pipeline([("imp", SI()), ("sc", StandardScaler())]), ["num1", "num2"]),
            ("cat", OHE(handle_unknown="ignore"), ["size"])])),
        ("clf", LogisticRegression(solver="saga", multi_class="multinomial", max_iter=5000,
                                   tol=1e-8))]),
        ["num1", "num2", "size"], "bin", nan=["num1", "num2"], unk=["size"]))
    C.append(Case("logreg_newton_cg_ovr_multi", lambda: Pipeline([
        ("pre", ColumnTransformer([
            ("num", Pipeline([("imp", SI()), ("sc", StandardScaler())]), ["num1", "num2"]),
            ("cat", OHE(handle_unknown="ignore"), ["color", "size"])])),
        ("clf", LogisticRegression(solver="newton-cg", multi_class="ovr"))]),
        ["num1", "num2", "color", "size"], "multi", nan=["num1", "num2", "color"],
        unk=["size"]))
    C.append(Case("logreg_newton_cholesky_binary", lambda: Pipeline([
        ("pre", ColumnTransformer([
            ("num", Pipeline([("imp", SI(strategy="median")), ("sc", RobustScaler())]),
             ["num1", "num2", "num3"]),
            ("cat", OHE(handle_unknown="ignore"), ["tier"])])),
        ("clf", LogisticRegression(solver="newton-cholesky", C=3.0))]),
        ["num1", "num2", "num3", "tier"], "bin", nan=["num1", "num2", "num3", "tier"],
        unk=["tier"]))
    C.append(Case("logreg_sag_multinomial_int", lambda: Pipeline([
        ("pre", ColumnTransformer([
            ("num", Pipeline([("imp", SI()), ("sc", StandardScaler())]), ["num1", "num2"]),
            ("cat", OHE(handle_unknown="ignore"), ["color"])])),
        ("clf", LogisticRegression(solver="sag", max_iter=5000, tol=1e-8, random_state=0))]),
        ["num1", "num2", "color"], "int3", nan=["num1", "num2"], unk=["color"]))
    # 23. 'passthrough' and 'drop' entries, passthrough/None pipeline steps, short names
    C.append(Case("passthrough_drop_short_names_rfr", lambda: Pipeline([
        ("noop", "passthrough"),
        ("pre", ColumnTransformer([
            ("keep", "passthrough", ["num3", "count"]),
            ("gone", "drop", ["num1"]),
            ("cat", OHE(handle_unknown="ignore"), ["size"])],
            verbose_feature_names_out=False)),
        ("none", None),
        ("rf", RandomForestRegressor(n_estimators=20, max_depth=6, random_state=0))]),
        ["num1", "num3", "count", "size"], "reg", nan=["num1"], unk=["size"]))
    # 24. a FeatureUnion inside a ColumnTransformer; numeric most_frequent; tree regressor
    C.append(Case("union_in_ct_dtr", lambda: Pipeline([
        ("pre", ColumnTransformer([
            ("num", FeatureUnion([
                ("a", Pipeline([("imp", SI()), ("sc", StandardScaler())])),
                ("b", Pipeline([("imp", SI(strategy="median")),
                                ("rs", RobustScaler(quantile_range=(10.0, 90.0)))]))]),
             ["num1", "num2"]),
            ("grade", SI(**mf), ["grade"]),
            ("cat", ORD(handle_unknown="use_encoded_value", unknown_value=-1,
                        encoded_missing_value=-1), ["color"])])),
        ("dt", DecisionTreeRegressor(max_depth=8, random_state=0))]),
        ["num1", "num2", "grade", "color"], "reg", nan=["num1", "num2", "grade", "color"],
        unk=["color"]))
    # 25. scaler options: RobustScaler without centering, MinMaxScaler range, MaxAbsScaler
    C.append(Case("scaler_options_etr", lambda: Pipeline([
        ("pre", ColumnTransformer([
            ("a", Pipeline([("imp", SI()), ("rs", RobustScaler(with_centering=False))]),
             ["num1"]),
            ("b", Pipeline([("imp", SI()), ("mm", MinMaxScaler(feature_range=(5, 10)))]),
             ["num2"]),
            ("c", MaxAbsScaler(), ["num3", "count"])])),
        ("et", ExtraTreesRegressor(n_estimators=20, max_depth=8, random_state=0))]),
        ["num1", "num2", "num3", "count"], "reg", nan=["num1", "num2"]))
    # 26-27. StandardScaler without centering / without scaling
    C.append(Case("std_with_mean_false_ridge", lambda: Pipeline([
        ("pre", ColumnTransformer([
            ("num", Pipeline([("imp", SI()), ("sc", StandardScaler(with_mean=False))]),
             ["num1", "num2", "num3"])])),
        ("ridge", Ridge(alpha=1.0))]),
        ["num1", "num2", "num3"], "reg", nan=["num1", "num2"]))
    C.append(Case("std_with_std_false_linreg", lambda: Pipeline([
        ("pre", ColumnTransformer([
            ("num", Pipeline([("imp", SI()), ("sc", StandardScaler(with_std=False))]),
             ["num1", "num2"])])),
        ("lr", LinearRegression())]),
        ["num1", "num2"], "reg", nan=["num1"]))
    # 28-29. transformer_weights (ColumnTransformer, FeatureUnion)
    C.append(Case("ct_transformer_weights_ridge", lambda: Pipeline([
        ("pre", ColumnTransformer([
            ("num", Pipeline([("imp", SI()), ("sc", StandardScaler())]), ["num1", "num2"]),
            ("cat", OHE(handle_unknown="ignore"), ["size"])],
            transformer_weights={"num": 2.0, "cat": 0.5})),
        ("ridge", Ridge())]),
        ["num1", "num2", "size"], "reg", nan=["num1"], unk=["size"]))
    C.append(Case("union_transformer_weights_ridge", lambda: Pipeline([
        ("imp", ColumnTransformer([("num", SI(), ["num1", "num2"])])),
        ("fu", FeatureUnion([("std", StandardScaler()), ("mm", MinMaxScaler())],
                            transformer_weights={"std": 3.0, "mm": 0.25})),
        ("ridge", Ridge())]),
        ["num1", "num2"], "reg", nan=["num1", "num2"]))
    # 30. one-hot of an int column (names 'count_3'), Lasso
    C.append(Case("int_categories_lasso", lambda: Pipeline([
        ("pre", ColumnTransformer([
            ("cnt", OHE(handle_unknown="ignore"), ["count"]),
            ("num", SI(), ["num1"])])),
        ("lasso", Lasso(alpha=0.001))]),
        ["count", "num1"], "reg", nan=["num1"], unk=["count"]))
    # 31. exactly one infrequent category (named 'tier_infrequent_sklearn')
    C.append(Case("single_infrequent_logreg", lambda: Pipeline([
        ("pre", ColumnTransformer([
            ("cat", OHE(min_frequency=0.05, handle_unknown="infrequent_if_exist"), ["tier"]),
            ("num", Pipeline([("imp", SI()), ("sc", StandardScaler())]), ["num1", "num2"])])),
        ("clf", LogisticRegression())]),
        ["tier", "num1", "num2"], "bin", nan=["num1", "num2"], unk=["tier"]))
    # 32. a column all-missing at fit: dropped by SimpleImputer, or kept (keep_empty_features)
    C.append(Case("empty_feature_imputers_ridge", lambda: Pipeline([
        ("pre", ColumnTransformer([
            ("drop_empty", SI(), ["num1", "num3"]),
            ("keep_empty", SI(strategy="median", keep_empty_features=True), ["num2", "num3"])])),
        ("ridge", Ridge())]),
        ["num1", "num2", "num3"], "reg", nan=["num1", "num2", "num3"],
        note="num3 all-missing at fit"))
    # 33. string imputer with add_indicator feeding a one-hot encoder (bool categories)
    C.append(Case("string_indicator_onehot_rfc", lambda: Pipeline([
        ("pre", ColumnTransformer([
            ("cat", Pipeline([("imp", SI(**mf, add_indicator=True)),
                              ("ohe", OHE(handle_unknown="ignore"))]), ["color"]),
            ("num", SI(), ["num1"])])),
        ("rf", RandomForestClassifier(n_estimators=10, max_depth=6, random_state=0))]),
        ["color", "num1"], "multi", nan=["color", "num1"], unk=["color"], expect="either"))

    # ---- combinations: VotingClassifier (soft / hard, weights, 'drop'), VotingRegressor,
    #      OneVsRestClassifier (multi-class, binary), members that are pipelines ----
    def mixed_ct(scale=True):
        num = Pipeline([("imp", SI()), ("sc", StandardScaler())]) if scale else SI(strategy="median")
        return ColumnTransformer([
            ("num", num, ["num1", "num2", "num3"]),
            ("cat", Pipeline([("imp", SI(**mf)), ("ohe", OHE(handle_unknown="ignore"))]),
             ["color", "size"])])
    mixed = ["num1", "num2", "num3", "color", "size"]
    mixed_nan = ["num1", "num2", "color", "size"]
    C.append(Case("voting_soft_weighted_ct", lambda: Pipeline([
        ("pre", mixed_ct()),
        ("vote", VotingClassifier([
            ("lr", LogisticRegression(max_iter=500)),
            ("rf", RandomForestClassifier(n_estimators=15, max_depth=6, random_state=0)),
            ("gb", GradientBoostingClassifier(n_estimators=15, max_depth=2, random_state=0)),
            ("dt", DecisionTreeClassifier(max_depth=4, random_state=0))],
            voting="soft", weights=[2, 1, 1.5, 0.5]))]),
        mixed, "multi", nan=mixed_nan, unk=["color", "size"]))
    C.append(Case("voting_hard_drop_ct", lambda: Pipeline([
        ("pre", mixed_ct()),
        ("vote", VotingClassifier([
            ("lr", LogisticRegression(max_iter=500)), ("gone", "drop"),
            ("et", ExtraTreesClassifier(n_estimators=10, max_depth=5, random_state=0)),
            ("dt", DecisionTreeClassifier(max_depth=3, random_state=0)),
            ("svc", LinearSVC(C=0.5, max_iter=5000))], voting="hard"))]),
        mixed, "multi", nan=mixed_nan, unk=["color", "size"]))
    C.append(Case("voting_hard_weighted_member_pipelines_root", lambda: VotingClassifier([
        ("lr", Pipeline([("ct", mixed_ct()), ("lr", LogisticRegression(C=0.3, max_iter=500))])),
        ("rf", Pipeline([("ct", ColumnTransformer([
            ("num", SI(strategy="median"), ["num1", "num2"]),
            ("cat", ORD(handle_unknown="use_encoded_value", unknown_value=-1,
                        encoded_missing_value=-2), ["color", "size"])])),
            ("rf", RandomForestClassifier(n_estimators=12, max_depth=5, random_state=0))])),
        ("gb", Pipeline([("ct", mixed_ct(scale=False)),
                         ("gb", GradientBoostingClassifier(n_estimators=10, random_state=0))]))],
        voting="hard", weights=[1, 2, 1]),
        mixed, "bin", nan=mixed_nan, unk=["color", "size"]))
    C.append(Case("voting_soft_member_pipelines_int_labels", lambda: Pipeline([
        ("pre", ColumnTransformer([("num", SI(), ["num1", "num2", "num3", "count"]),
                                   ("cat", OHE(handle_unknown="ignore"), ["color"])])),
        ("vote", VotingClassifier([
            ("lr", Pipeline([("sc", StandardScaler()), ("lr", LogisticRegression(max_iter=500))])),
            ("mm", Pipeline([("mm", MinMaxScaler()), ("sgd", SGDClassifier(
                loss="log_loss", max_iter=2000, tol=1e-6, random_state=0))])),
            ("gb", GradientBoostingClassifier(n_estimators=10, random_state=0))],
            voting="soft"))]),
        ["num1", "num2", "num3", "count", "color"], "int3", nan=["num1", "num2", "color"],
        unk=["color"]))
    C.append(Case("voting_regressor_weighted_ct", lambda: Pipeline([
        ("pre", mixed_ct()),
        ("vote", VotingRegressor([
            ("ridge", Ridge(alpha=0.5)),
            ("rf", RandomForestRegressor(n_estimators=10, max_depth=6, random_state=0)),
            ("gb", GradientBoostingRegressor(n_estimators=15, random_state=0)),
            ("gone", "drop"),
            ("lasso", Lasso(alpha=0.01))], weights=[1, 2, 3, 9, 0.5]))]),
        mixed, "reg", nan=mixed_nan, unk=["color", "size"]))
    C.append(Case("voting_regressor_member_pipelines_root", lambda: VotingRegressor([
        ("lin", Pipeline([("ct", mixed_ct()), ("lr", LinearRegression())])),
        ("dt", Pipeline([("ct", mixed_ct(scale=False)),
                         ("dt", DecisionTreeRegressor(max_depth=5, random_state=0))])),
        ("sgd", Pipeline([("ct", mixed_ct()), ("sgd", SGDRegressor(random_state=0))]))]),
        mixed, "reg", nan=mixed_nan, unk=["color", "size"]))
    C.append(Case("ovr_logreg_ct", lambda: Pipeline([
        ("pre", mixed_ct()), ("ovr", OneVsRestClassifier(LogisticRegression(max_iter=500)))]),
        mixed, "multi", nan=mixed_nan, unk=["color", "size"]))
    C.append(Case("ovr_random_forest_ct", lambda: Pipeline([
        ("pre", mixed_ct(scale=False)),
        ("ovr", OneVsRestClassifier(RandomForestClassifier(n_estimators=10, max_depth=5,
                                                           random_state=0)))]),
        mixed, "tricky3", nan=mixed_nan, unk=["color", "size"]))
    C.append(Case("ovr_gradient_boosting_binary_ct", lambda: Pipeline([
        ("pre", mixed_ct()),
        ("ovr", OneVsRestClassifier(GradientBoostingClassifier(n_estimators=12,
                                                               random_state=0)))]),
        mixed, "bin", nan=mixed_nan, unk=["color", "size"]))
    C.append(Case("ovr_member_pipeline_tree_root", lambda: OneVsRestClassifier(Pipeline([
        ("ct", mixed_ct(scale=False)), ("dt", DecisionTreeClassifier(max_depth=4,
                                                                     random_state=0))])),
        mixed, "multi", nan=mixed_nan, unk=["color", "size"]))
    C.append(Case("ovr_linear_svc_binary_no_proba", lambda: Pipeline([
        ("pre", mixed_ct()), ("ovr", OneVsRestClassifier(LinearSVC(max_iter=5000)))]),
        mixed, "bin", nan=mixed_nan, unk=["color", "size"]))

    # ---- saved transformers (transform only; predict must refuse) ----
    # 34. fitted on a float ndarray: columns by position, names x0, x1, …
    C.append(Case("numpy_positional_ridge", lambda: Pipeline([
        ("pre", ColumnTransformer([
            ("imp", SI(strategy="median"), [0, 2]),
            ("sc", Pipeline([("imp", SI()), ("sc", StandardScaler())]), [1, -1])],
            remainder="drop")),
        ("ridge", Ridge())]),
        ["num1", "num2", "num3", "count"], "reg", nan=["num1", "num2"], numpy=True))
    # a single input column: rows holding a missing value are written '""' (a blank line
    # would be skipped)
    C.append(Case("numpy_single_column_ridge", lambda: Pipeline([
        ("imp", SI(strategy="median")), ("sc", StandardScaler()), ("ridge", Ridge())]),
        ["num1"], "reg", nan=["num1"], numpy=True))
    # 35. multi-output Ridge; one column selected twice; a constant column; no intercept
    C.append(Case("multi_output_ridge_dup_columns", lambda: Pipeline([
        ("pre", ColumnTransformer([
            ("num", Pipeline([("imp", SI()), ("sc", StandardScaler())]),
             ["num1", "num2", "const"]),
            ("again", Pipeline([("imp", SI(strategy="median")), ("ma", MaxAbsScaler())]),
             ["num1", "const"]),
            ("nothing", StandardScaler(), []),
            ("cat", OHE(handle_unknown="ignore"), ["size"])])),
        ("ridge", Ridge(alpha=0.3))]),
        ["num1", "num2", "const", "size"], "reg2", nan=["num1", "num2", "const"],
        unk=["size"]))
    # multi-output without intercept: intercept_ is the scalar 0.0
    C.append(Case("multi_output_linreg_no_intercept", lambda: Pipeline([
        ("pre", ColumnTransformer([("num", SI(), ["num1", "num2"])])),
        ("lr", LinearRegression(fit_intercept=False))]),
        ["num1", "num2"], "reg2", nan=["num1"]))
    # 36. float categories spelled by str() (1e-05, 1e+16) with a missing one; drop='if_binary'
    #     leaving a single column, unknowns ignored; SGDClassifier(log_loss) binary
    C.append(Case("float_categories_if_binary_sgd_log", lambda: Pipeline([
        ("pre", ColumnTransformer([
            ("grade", OHE(handle_unknown="ignore"), ["grade"]),
            ("flag", OHE(drop="if_binary", handle_unknown="ignore"), ["flag"]),
            ("cat", OHE(categories=[["L", "M", "S", "XL", "XXS"]], handle_unknown="ignore"),
             ["size"]),
            ("num", Pipeline([("imp", SI()), ("rs", RobustScaler())]), ["num1", "num2"])])),
        ("sgd", SGDClassifier(loss="log_loss", max_iter=2000, tol=1e-6, random_state=0))]),
        ["grade", "flag", "size", "num1", "num2"], "bin", nan=["grade", "num1", "num2"],
        unk=["grade", "flag", "size"]))
    # 37. LinearRegression without intercept, LinearSVC binary, RidgeClassifier binary
    C.append(Case("linreg_no_intercept", lambda: Pipeline([
        ("pre", ColumnTransformer([
            ("num", Pipeline([("imp", SI(strategy="median")), ("sc", StandardScaler())]),
             ["num1", "num2", "num3"])])),
        ("lr", LinearRegression(fit_intercept=False))]),
        ["num1", "num2", "num3"], "reg", nan=["num1", "num2"]))
    C.append(Case("linsvc_binary", lambda: Pipeline([
        ("pre", ColumnTransformer([
            ("num", Pipeline([("imp", SI()), ("mm", MinMaxScaler())]), ["num1", "num2"]),
            ("cat", OHE(handle_unknown="ignore"), ["color"])])),
        ("svc", LinearSVC(max_iter=20000, random_state=0))]),
        ["num1", "num2", "color"], "bin", nan=["num1", "num2", "color"], unk=["color"]))
    C.append(Case("ridge_classifier_binary_int", lambda: Pipeline([
        ("pre", ColumnTransformer([
            ("num", Pipeline([("imp", SI()), ("sc", StandardScaler())]), ["num1", "num2"]),
            ("cat", OHE(handle_unknown="ignore"), ["size"])])),
        ("rc", RidgeClassifier())]),
        ["num1", "num2", "size"], "int3", nan=["num1", "num2"], unk=["size"]))
    # 38. SimpleImputer with another missing-value marker: supported or refused cleanly
    C.append(Case("imputer_missing_values_marker", lambda: Pipeline([
        ("pre", ColumnTransformer([
            ("cnt", SI(missing_values=0, strategy="mean"), ["count"]),
            ("num", SI(), ["num1"])])),
        ("ridge", Ridge())]),
        ["count", "num1"], "reg", nan=["num1"], expect="either",
        needs=["pipeline/pre/cnt", "missing_values"]))

    # 39. a missing value that is itself an infrequent category
    C.append(Case("infrequent_missing_category_gbc", lambda: Pipeline([
        ("pre", ColumnTransformer([
            ("cat", OHE(min_frequency=0.05, handle_unknown="infrequent_if_exist",
                        sparse_output=False), ["tier", "size"]),
            ("num", SI(), ["num1"])])),
        ("gb", GradientBoostingClassifier(n_estimators=20, max_depth=2, random_state=0))]),
        ["tier", "size", "num1"], "multi", nan=["tier", "num1"], unk=["tier", "size"]))
    # 40. set_output(transform='pandas'): the next ColumnTransformer picks columns by the first
    #     one's output names
    C.append(Case("pandas_output_chained_cts", lambda: Pipeline([
        ("first", ColumnTransformer([
            ("num", SI(), ["num1", "num2"]),
            ("cat", OHE(handle_unknown="ignore", sparse_output=False), ["color"])])
         .set_output(transform="pandas")),
        ("second", ColumnTransformer([
            ("sc", StandardScaler(), ["num__num2", "num__num1"]),
            ("mm", MinMaxScaler(), ["cat__color_red"])], remainder="passthrough")),
        ("lr", LogisticRegression(solver="liblinear"))]),
        ["num1", "num2", "color"], "bin", nan=["num1", "num2", "color"], unk=["color"]))
    # 41. a pipeline without a ColumnTransformer, on numbers only
    C.append(Case("plain_pipeline_sgd_hinge_multi", lambda: Pipeline([
        ("imp", SI(strategy="median")), ("sc", StandardScaler()),
        ("sgd", SGDClassifier(loss="hinge", max_iter=3000, tol=1e-6, random_state=1))]),
        ["num1", "num2", "num3", "count"], "tricky3", nan=["num1", "num2", "num3"]))
    # 42. column names CSV must quote, with spaces, UTF-8
    C.append(Case("tricky_column_names_rfr", lambda: Pipeline([
        ("pre", ColumnTransformer([
            ("n", SI(), ["weight, kg", 'say "hi"']),
            ("c", OHE(handle_unknown="ignore"), ["ñandú city", " lead"])])),
        ("rf", RandomForestRegressor(n_estimators=10, max_depth=6, random_state=0))]),
        ["num1", "num2", "city", "color"], "reg", nan=["num1", "num2", "city", "color"],
        unk=["city", "color"],
        rename={"num1": "weight, kg", "num2": 'say "hi"', "city": "ñandú city",
                "color": " lead"}))
    # 43. refit=False search: nothing to predict with
    C.append(Case("refuse_grid_search_no_refit", lambda: GridSearchCV(Pipeline([
        ("pre", ColumnTransformer([("num", SI(), ["num1", "num2"])])),
        ("ridge", Ridge())]), {"ridge__alpha": [0.1, 1.0]}, cv=2, refit=False),
        ["num1", "num2"], "reg", nan=["num1"], expect="refuse", needs=["GridSearchCV"]))

    # 44. a high-cardinality one-hot column (thousands of outputs)
    C.append(Case("high_cardinality_onehot_ridge", lambda: Pipeline([
        ("pre", ColumnTransformer([
            ("code", OHE(handle_unknown="ignore"), ["code"]),
            ("num", SI(), ["num1"])])),
        ("ridge", Ridge())]),
        ["code", "num1"], "reg", nan=["num1"], unk=["code"]))
    # 45. estimators frost may refuse: with the step named
    C.append(Case("sgd_modified_huber", lambda: Pipeline([
        ("pre", ColumnTransformer([("num", Pipeline([("imp", SI()), ("sc", StandardScaler())]),
                                    ["num1", "num2"])])),
        ("sgd", SGDClassifier(loss="modified_huber", random_state=0))]),
        ["num1", "num2"], "multi", nan=["num1"], expect="either",
        needs=["pipeline/sgd", "modified_huber"]))

    C.append(Case("bare_scalers_nan_passthrough", lambda: ColumnTransformer([
        ("std", StandardScaler(), ["num1", "num2"]),
        ("mm", MinMaxScaler(clip=True), ["num1", "num2"]),
        ("rs", RobustScaler(quantile_range=(5.0, 95.0)), ["num1", "num3"]),
        ("ma", MaxAbsScaler(), ["num2", "const"])]),
        ["num1", "num2", "num3", "const"], None, nan=["num1", "num2", "num3", "const"]))
    C.append(Case("bare_column_transformer", lambda: ColumnTransformer([
        ("num", Pipeline([("imp", SI()), ("sc", StandardScaler())]), ["num1", "num2"]),
        ("cat", OHE(handle_unknown="ignore"), ["color", "size"]),
        ("ord", ORD(handle_unknown="use_encoded_value", unknown_value=-1), ["city"]),
        ("few", OHE(max_categories=3, handle_unknown="ignore"), ["city"])],
        remainder="passthrough"),
        ["num1", "num2", "color", "size", "city", "num3"], None,
        nan=["num1", "num2", "color", "city"], unk=["color", "size", "city"]))
    C.append(Case("bare_standard_scaler", lambda: StandardScaler(),
                  ["num1", "num2", "num3"], None, nan=["num1", "num2"]))
    C.append(Case("bare_ordinal_nan_unknown", lambda: OrdinalEncoder(
        handle_unknown="use_encoded_value", unknown_value=np.nan),
        ["color", "size", "grade"], None, nan=["color", "grade"],
        unk=["color", "size", "grade"]))
    C.append(Case("bare_transformer_pipeline", lambda: Pipeline([
        ("ct", ColumnTransformer([
            ("num", SI(), ["num1", "num2"]),
            ("cat", SI(strategy="constant", fill_value="none"), ["color"])])),
        ("ohe", ColumnTransformer([("o", OHE(handle_unknown="ignore"), [2])],
                                  remainder=MinMaxScaler()))]),
        ["num1", "num2", "color"], None, nan=["num1", "num2", "color"], unk=["color"]))
    C.append(Case("bare_feature_union", lambda: FeatureUnion([
        ("a", ColumnTransformer([("s", StandardScaler(), ["num3"])])),
        ("b", ColumnTransformer([("m", MaxAbsScaler(), ["num3", "count"])]))]),
        ["num3", "count"], None))
    C.append(Case("bare_simple_imputer_indicator", lambda: SimpleImputer(add_indicator=True),
                  ["num1", "num2", "num3"], None, nan=["num1", "num2"]))

    # ---- steps being added: a clean refusal naming the step, or full parity ----
    C.append(Case("normalizer_step", lambda: Pipeline([
        ("pre", ColumnTransformer([
            ("num", Pipeline([("imp", SI()), ("norm", Normalizer(norm="l1"))]),
             ["num1", "num2", "num3"])])),
        ("ridge", Ridge())]),
        ["num1", "num2", "num3"], "reg", nan=["num1", "num2"], expect="either",
        needs=["pipeline/pre/num/norm", "Normalizer"]))
    C.append(Case("polynomial_step", lambda: Pipeline([
        ("pre", ColumnTransformer([
            ("num", Pipeline([("imp", SI()), ("poly", PolynomialFeatures(degree=2))]),
             ["num1", "num2"])])),
        ("lr", LinearRegression())]),
        ["num1", "num2"], "reg", nan=["num1"], expect="either",
        needs=["pipeline/pre/num/poly", "PolynomialFeatures"]))
    C.append(Case("kbins_step", lambda: Pipeline([
        ("pre", ColumnTransformer([
            ("bins", Pipeline([("imp", SI()), ("kb", KBinsDiscretizer(
                n_bins=4, encode="onehot-dense", strategy="quantile"))]), ["num1", "num2"]),
            ("ord", Pipeline([("imp", SI()), ("kb", KBinsDiscretizer(
                n_bins=3, encode="ordinal", strategy="uniform"))]), ["num3"])])),
        ("clf", LogisticRegression())]),
        ["num1", "num2", "num3"], "bin", nan=["num1", "num2"], expect="either",
        needs=["pipeline/pre/bins/kb", "KBinsDiscretizer"]))
    C.append(Case("more_polynomial_normalizer_kbins", lambda: Pipeline([
        ("pre", ColumnTransformer([
            ("poly", Pipeline([("imp", SI()), ("p", PolynomialFeatures(
                degree=3, interaction_only=True, include_bias=False))]), ["num1", "num2", "num3"]),
            ("norm", Pipeline([("imp", SI()), ("n", Normalizer(norm="max"))]),
             ["num1", "num2"]),
            ("l2", Pipeline([("imp", SI()), ("n", Normalizer())]), ["num2", "num3", "count"]),
            ("km", Pipeline([("imp", SI()), ("k", KBinsDiscretizer(
                n_bins=5, encode="onehot", strategy="kmeans"))]), ["num2"])])),
        ("lr", LogisticRegression(max_iter=1000))]),
        ["num1", "num2", "num3", "count"], "multi", nan=["num1", "num2"], expect="either",
        needs=["pipeline/pre/poly/p"]))
    C.append(Case("polynomial_degree_4", lambda: Pipeline([
        ("pre", ColumnTransformer([
            ("num", Pipeline([("imp", SI()), ("poly", PolynomialFeatures(degree=4))]),
             ["num1", "num2"])])),
        ("ridge", Ridge())]),
        ["num1", "num2"], "reg", nan=["num1"], expect="either",
        needs=["pipeline/pre/num/poly", "degree 4"]))
    C.append(Case("grid_search_root", lambda: GridSearchCV(Pipeline([
        ("pre", ColumnTransformer([
            ("num", Pipeline([("imp", SI()), ("sc", StandardScaler())]), ["num1", "num2"]),
            ("cat", OHE(handle_unknown="ignore"), ["color"])])),
        ("clf", LogisticRegression())]), {"clf__C": [0.1, 1.0]}, cv=2),
        ["num1", "num2", "color"], "multi", nan=["num1"], unk=["color"], expect="either",
        needs=["GridSearchCV"]))
    C.append(Case("randomized_search_root", lambda: RandomizedSearchCV(Pipeline([
        ("pre", ColumnTransformer([
            ("num", Pipeline([("imp", SI()), ("sc", StandardScaler())]), ["num1", "num2"])])),
        ("ridge", Ridge())]), {"ridge__alpha": scipy.stats.uniform(0.1, 5.0)}, n_iter=3, cv=2,
        random_state=0),
        ["num1", "num2"], "reg", nan=["num1"], expect="either", needs=["RandomizedSearchCV"]))
    # make_column_selector: allowed to fail cleanly (it is pickled by reference)
    C.append(Case("make_column_selector", lambda: Pipeline([
        ("pre", ColumnTransformer([
            ("num", Pipeline([("imp", SI()), ("sc", StandardScaler())]),
             make_column_selector(dtype_include=np.number)),
            ("cat", OHE(handle_unknown="ignore"), make_column_selector(dtype_include=object))])),
        ("clf", LogisticRegression())]),
        ["num1", "num2", "color"], "bin", nan=["num1"], unk=["color"], expect="either",
        needs=["make_column_selector"]))

    # ---- steps frost must refuse ----
    def num_ct(custom):
        return ColumnTransformer([
            ("num", Pipeline([("imp", SI()), ("custom", custom)]), ["num1", "num2"]),
            ("cat", OHE(handle_unknown="ignore"), ["color"])])
    C.append(Case("function_transformer_identity", lambda: Pipeline([
        ("preprocessor", num_ct(FunctionTransformer(feature_names_out="one-to-one"))),
        ("clf", LogisticRegression())]),
        ["num1", "num2", "color"], "bin", nan=["num1"], expect="either",
        needs=["pipeline/preprocessor/num/custom", "FunctionTransformer"]))
    # a numpy ufunc frost runs (FORMAT.md PROGRAM UFUNC), and one it does not
    C.append(Case("function_transformer_ufunc_abs", lambda: Pipeline([
        ("preprocessor", num_ct(FunctionTransformer(np.abs, feature_names_out="one-to-one"))),
        ("clf", LogisticRegression())]),
        ["num1", "num2", "color"], "bin", nan=["num1"]))
    C.append(Case("refuse_function_transformer_ufunc", lambda: Pipeline([
        ("preprocessor", num_ct(FunctionTransformer(np.cbrt))), ("clf", LogisticRegression())]),
        ["num1", "num2", "color"], "bin", nan=["num1"], expect="refuse",
        needs=["pipeline/preprocessor/num/custom", "cbrt", "not supported yet"]))
    C.append(Case("refuse_custom_class", lambda: Pipeline([
        ("preprocessor", num_ct(ClipOutliers())), ("clf", LogisticRegression())]),
        ["num1", "num2", "color"], "bin", nan=["num1"], expect="refuse",
        needs=["__main__", "ClipOutliers", "not a scikit-learn/numpy type"]))
    C.append(Case("hist_gradient_boosting_after_ct", lambda: Pipeline([
        ("pre", num_ct(StandardScaler())),
        ("hgb", HistGradientBoostingClassifier(max_iter=5))]),
        ["num1", "num2", "color"], "bin", nan=["num1"], unk=["color"]))
    C.append(Case("function_transformer_square", lambda: Pipeline([
        ("preprocessor", ColumnTransformer([
            ("num", Pipeline([("imp", SI()),
                              ("custom", FunctionTransformer(np.square,
                                                             feature_names_out="one-to-one"))]),
             ["num2", "num3"]),
            ("cat", OHE(handle_unknown="ignore"), ["color"])])),
        ("clf", LogisticRegression())]),
        ["num2", "num3", "color"], "bin", nan=["num2"]))
    C.append(Case("refuse_voting_member_one_vs_rest", lambda: Pipeline([
        ("pre", num_ct(StandardScaler())),
        ("vote", VotingClassifier([("lr", LogisticRegression()),
                                   ("ovr", OneVsRestClassifier(LogisticRegression()))]))]),
        ["num1", "num2", "color"], "multi", nan=["num1"], expect="refuse",
        needs=["pipeline/vote/ovr", "OneVsRestClassifier"]))
    C.append(Case("voting_member_hist_gradient_boosting", lambda: VotingRegressor([
        ("r", Ridge()), ("hgb", HistGradientBoostingRegressor(max_iter=5))]),
        ["num3", "count"], "reg"))
    C.append(Case("refuse_root_voting_member_one_vs_rest", lambda: VotingClassifier([
        ("lr", LogisticRegression()), ("ovr", OneVsRestClassifier(LogisticRegression()))]),
        ["num1", "num2"], "multi", expect="refuse",
        needs=["votingclassifier/ovr", "OneVsRestClassifier"]))
    return C


# ---- containers -------------------------------------------------------------------------------

CONTAINERS = ["joblib", "joblib-zlib3", "joblib-gzip3", "joblib-lz4", "pickle-4", "pickle-5"]


def dump(est, path, container):
    if container.startswith("pickle-"):
        with open(path, "wb") as f:
            pickle.dump(est, f, protocol=int(container.split("-")[1]))
        return
    comp = {"joblib": 0, "joblib-zlib3": 3, "joblib-gzip3": ("gzip", 3),
            "joblib-lz4": ("lz4", 3)}[container]
    joblib.dump(est, path, compress=comp)


# ---- CSV ---------------------------------------------------------------------------------------

def cell(v):
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    if isinstance(v, (float, np.floating)):
        return repr(float(v))
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    return str(v)


def write_frame_csv(path, df, drop=(), positional=False):
    """The frame's columns in another order (rotated), an extra column frost must ignore; or,
    for models without feature names, the columns in order under other names."""
    cols = [c for c in df.columns if c not in drop]
    if not positional:
        k = len(cols) // 2 + 1
        cols = cols[k:] + cols[:k]
        cols.insert(1, "unused_extra")
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow([f"col{k}" for k in range(len(cols))] if positional else cols)
        for i in range(len(df)):
            w.writerow(["junk,%d" % i if c == "unused_extra" else cell(df[c].iat[i])
                        for c in cols])


# pandas.read_csv's default NA spellings (pandas 2's list, with "None"): frost's CSV contract
# reads them as missing, so a category spelled "NA" at fit time is missing when scored from CSV.
NA_SPELLINGS = {"", "NA", "N/A", "n/a", "NULL", "null", "NaN", "nan", "-NaN", "-nan", "<NA>",
                "None", "#N/A", "#N/A N/A", "#NA", "1.#IND", "-1.#IND", "1.#QNAN", "-1.#QNAN"}


def as_read(df):
    """The frame as scikit-learn gets it from pandas.read_csv of the CSV written from it: string
    cells spelled like NA are missing (the oracle for what frost reads)."""
    out = df.copy()
    for c in out.columns:
        if out[c].dtype == object:
            out[c] = out[c].map(lambda v: np.nan if isinstance(v, str) and v in NA_SPELLINGS
                                else v)
    return out


def read_csv_text(text):
    return list(csv.reader(io.StringIO(text, newline="")))


# ---- the runner ----------------------------------------------------------------------------------

class Runner:
    def __init__(self, args, tmp):
        self.frost = os.path.abspath(args.frost)
        self.tmp = tmp
        self.passed = 0
        self.failed = 0
        self.values = {}      # check kind -> [values, bit-exact]
        self.inexact = []     # (check, n not exact, worst rel diff)
        self.failures = []
        self.notes = []
        self.covered = set()  # classes converted and matched

    def run(self, argv, timeout=120):
        p = subprocess.run([self.frost] + argv, capture_output=True, timeout=timeout)
        return p.returncode, p.stdout.decode("utf-8", "replace"), \
            p.stderr.decode("utf-8", "replace")

    def emit(self, status, name, detail=""):
        if status == "ok":
            self.passed += 1
        elif status == "FAIL":
            self.failed += 1
            self.failures.append(f"{name}: {detail}")
        elif status == "note":
            self.notes.append(f"{name}: {detail}")
        tag = {"ok": "ok  ", "FAIL": "FAIL", "skip": "skip", "note": "note"}[status]
        print(f"{tag} {name}" + (f": {detail}" if detail else ""), flush=True)

    def compare(self, check, kind, text, exp_header, exp_rows, labels):
        """exp_rows: rows of expected values; labels: True when the values are labels."""
        if text.startswith("(exit "):
            return False, text, False
        rows = read_csv_text(text)
        if not rows:
            return False, "empty output", False
        header, body = rows[0], rows[1:]
        head_bad = ""
        if header != exp_header:
            diffs = [f"col {i}: got {g!r}, expected {e!r}"
                     for i, (g, e) in enumerate(zip(header, exp_header)) if g != e]
            if len(header) != len(exp_header):
                diffs.insert(0, f"{len(header)} columns, expected {len(exp_header)}")
                return False, "header differs: " + "; ".join(diffs[:4]), False
            head_bad = f"header differs ({len(diffs)}): " + "; ".join(diffs[:4])
        if len(body) != len(exp_rows):
            return False, f"{len(body)} rows, expected {len(exp_rows)}", False
        n_vals = n_exact = 0
        worst = 0.0
        bad = []
        for r, (g_row, e_row) in enumerate(zip(body, exp_rows)):
            if len(g_row) != len(e_row):
                bad.append(f"row {r + 1}: {len(g_row)} fields")
                continue
            for j, (g, e) in enumerate(zip(g_row, e_row)):
                if labels:
                    n_vals += 1
                    n_exact += g == label_text(e)
                    if g != label_text(e):
                        bad.append(f"row {r + 1} col {j}: got {g!r}, expected "
                                   f"{label_text(e)!r}")
                    continue
                n_vals += 1
                try:
                    gv = float(g)
                except ValueError:
                    bad.append(f"row {r + 1} col {j}: {g!r} is not a number")
                    continue
                ev = float(e)
                if g != shortest(gv):
                    bad.append(f"row {r + 1} col {j}: {g!r} is not the shortest round trip {shortest(gv)!r}")
                if bits(gv) == bits(ev) or gv == ev or (math.isnan(gv) and math.isnan(ev)):
                    n_exact += 1
                elif close(gv, ev):
                    worst = max(worst, abs(gv - ev) / max(1.0, abs(ev)))
                else:
                    bad.append(f"row {r + 1} col {j} ({header[j]}): got {g}, "
                               f"expected {ev!r}")
        if not bad:    # bit-exactness is counted over the checks that match
            tot = self.values.setdefault(kind, [0, 0])
            tot[0] += n_vals
            tot[1] += n_exact
            if n_exact < n_vals:
                self.inexact.append((check, n_vals - n_exact, worst))
        if bad:
            return False, (head_bad + "; " if head_bad else "") + \
                f"{len(bad)} mismatches; first: " + "; ".join(bad[:3]), False
        d = f"{len(body)} rows"
        if n_vals:
            d += f", {n_exact}/{n_vals} " + ("identical" if labels else "bit-exact")
            if n_exact < n_vals:
                d += f" (max rel diff {worst:.3g})"
        if head_bad:
            return False, f"{head_bad} (values match: {d})", True
        return True, d, True


def is_pipeline_with_estimator(est):
    return isinstance(est, Pipeline) and hasattr(est.steps[-1][1], "predict")


def unwrap(est):
    if isinstance(est, (GridSearchCV, RandomizedSearchCV)):
        return getattr(est, "best_estimator_", est)
    return est


def dense(a):
    if hasattr(a, "toarray"):
        a = a.toarray()
    return np.asarray(a, dtype=float)


def expected(est, X):
    """predict / predict_proba / transform of the fitted estimator on X (None where absent)."""
    exp = {"pred": None, "proba": None, "classes": None, "trans": None, "names": None}
    inner = unwrap(est)
    if hasattr(inner, "predict") and not isinstance(inner, (ColumnTransformer, FeatureUnion)) \
            and (not isinstance(inner, Pipeline) or is_pipeline_with_estimator(inner)):
        exp["pred"] = np.asarray(est.predict(X))
        if hasattr(est, "predict_proba"):
            exp["proba"] = np.asarray(est.predict_proba(X))
        if hasattr(est, "classes_"):
            exp["classes"] = list(est.classes_)
        pre = inner[:-1] if isinstance(inner, Pipeline) else None
    else:
        pre = inner
    if pre is not None and len(getattr(pre, "steps", [1])) > 0:
        exp["trans"] = dense(pre.transform(X))
        exp["names"] = [str(n) for n in pre.get_feature_names_out()]
    return exp


def check_refusal(R, tag, rc, se, out_path, needs):
    """A clean refusal: exit 1, a message naming every string in needs, no output file."""
    problems = []
    if rc != 1:
        problems.append(f"exit {rc}" + (" (a crash)" if rc < 0 or rc >= 128 else ""))
    msg = se.strip()
    if not msg:
        problems.append("no message")
    missing = [n for n in needs if n not in msg]
    if missing:
        problems.append(f"message does not name {missing!r}")
    if os.path.exists(out_path):
        problems.append("an output file was left behind")
    R.emit("FAIL" if problems else "ok", f"{tag} refused",
           "; ".join(problems) + (f" — message: {msg[:240]!r}" if problems else
                                  f"exit 1: {msg[:200]}"))
    return not problems


def run_case(R, case, ci, fitted, X_frame):
    X_score = X_frame.to_numpy(dtype=float) if case.numpy else as_read(X_frame)
    cdir = os.path.join(R.tmp, case.name)
    os.makedirs(cdir, exist_ok=True)
    rows_csv = os.path.join(cdir, "rows.csv")
    write_frame_csv(rows_csv, X_frame, positional=case.numpy)
    if case.expect == "refuse":
        conts = [CONTAINERS[ci % len(CONTAINERS)]]
    else:
        conts = [CONTAINERS[ci % len(CONTAINERS)], CONTAINERS[(ci + 3) % len(CONTAINERS)]]
    exp = None
    inner = unwrap(fitted)
    for j, cont in enumerate(conts):
        tag = f"{case.name} [{cont}]"
        src = os.path.join(cdir, f"model.{cont}")
        dump(fitted, src, cont)
        model = os.path.join(cdir, f"model{j}.frost")
        rc, so, se = R.run(["convert", src, model, "--quiet"])
        if case.expect == "refuse" or (case.expect == "either" and rc != 0):
            if rc == 0:
                R.emit("FAIL", f"{tag} refused", "converted, but frost must refuse it")
                return
            check_refusal(R, tag, rc, se, model, case.needs)
            return
        if rc != 0:
            R.emit("FAIL", f"{tag} convert", f"exit {rc}: {se.strip()[:300]}")
            continue
        R.emit("ok", f"{tag} convert", f"{os.path.getsize(src)} -> "
               f"{os.path.getsize(model)} bytes")
        if case.expect == "either" and j == 0:
            R.emit("note", f"{tag}", "converted (not refused): held to parity")
        rc, so, se = R.run(["verify", model])
        R.emit("ok" if rc == 0 else "FAIL", f"{tag} verify",
               "" if rc == 0 else f"exit {rc}: {se.strip()[:200]}")
        if exp is None:
            exp = expected(fitted, X_score)
        n = len(X_score)
        est_ok = trans_ok = True
        if exp["pred"] is not None:
            pred = exp["pred"]
            text = run_out(R, model, rows_csv)
            if pred.ndim == 2:
                header = [f"prediction_{k}" for k in range(pred.shape[1])]
                ok, d, _ = R.compare(f"{tag} predict", "predict values", text, header,
                                     [[float(v) for v in pred[i]] for i in range(n)], False)
            elif exp["classes"] is not None:
                ok, d, _ = R.compare(f"{tag} predict", "predict labels", text, ["prediction"],
                                     [[pred[i]] for i in range(n)], True)
            else:
                ok, d, _ = R.compare(f"{tag} predict", "predict values", text, ["prediction"],
                                     [[float(pred[i])] for i in range(n)], False)
            R.emit("ok" if ok else "FAIL", f"{tag} predict", d)
            est_ok &= ok
            if exp["proba"] is not None:
                header = [label_text(c) for c in exp["classes"]]
                ok, d, _ = R.compare(f"{tag} predict --proba", "proba",
                                     run_out(R, model, rows_csv, "--proba"), header,
                                     [[float(v) for v in exp["proba"][i]] for i in range(n)],
                                     False)
                R.emit("ok" if ok else "FAIL", f"{tag} predict --proba", d)
                est_ok &= ok
            elif j == 0:
                # no predict_proba in sklearn (regressors, hinge, LinearSVC, RidgeClassifier)
                rc, so, se = R.run(["predict", model, rows_csv, "--proba"])
                what = "a regressor" if exp["classes"] is None else "no predict_proba"
                good = rc in (1, 2) and se.strip() and "prediction" not in so
                R.emit("ok" if good else "FAIL", f"{tag} predict --proba refused ({what})",
                       f"exit {rc}: {se.strip()[:160]}" if good else
                       f"exit {rc}, stdout {so[:80]!r}, stderr {se.strip()[:160]!r}")
                if good and so.strip():
                    R.emit("note", f"{tag} predict --proba refused ({what})",
                           f"stdout holds {so.strip()[:60]!r} although the command failed")
        else:
            # a saved transformer: predict must refuse it, saying why
            rc, so, se = R.run(["predict", model, rows_csv])
            good = rc == 1 and "transform" in se and not so.strip()
            R.emit("ok" if good else "FAIL", f"{tag} predict refused (a transformer)",
                   f"exit {rc}: {se.strip()[:160]}" if good else
                   f"exit {rc}, stdout {so[:80]!r}, stderr {se.strip()[:160]!r}")
        if exp["trans"] is not None:
            T = exp["trans"]
            rc, so, se = R.run(["transform", model, rows_csv])
            if rc != 0:
                ok, d, trans_ok = False, f"exit {rc}: {se.strip()[:300]}", False
            else:
                ok, d, trans_ok = R.compare(f"{tag} transform", "transform", so, exp["names"],
                                            [list(T[i]) for i in range(T.shape[0])], False)
            R.emit("ok" if ok else "FAIL", f"{tag} transform", d)
        # coverage: the estimator by its predictions, the transformers by their values
        if est_ok and exp["pred"] is not None:
            R.covered.add(type(inner.steps[-1][1] if isinstance(inner, Pipeline)
                               else inner).__name__)
        if trans_ok and exp["trans"] is not None:
            collect_classes(inner[:-1] if exp["pred"] is not None else inner, R.covered)
        if j == 0:
            extra_checks(R, case, fitted, X_frame, cdir, model, tag)
    if not R.keep:
        shutil.rmtree(cdir, ignore_errors=True)


def run_out(R, model, rows_csv, *extra):
    rc, so, se = R.run(["predict", model, rows_csv] + list(extra))
    if rc != 0:
        return f"(exit {rc}: {se.strip()[:300]})"
    return so


def collect_classes(est, acc):
    acc.add(type(est).__name__)
    if isinstance(est, Pipeline):
        for _, s in est.steps:
            if not isinstance(s, str) and s is not None:
                collect_classes(s, acc)
    elif isinstance(est, ColumnTransformer):
        for _, s, _ in est.transformers_:
            if not isinstance(s, str):
                collect_classes(s, acc)
    elif isinstance(est, FeatureUnion):
        for _, s in est.transformer_list:
            if not isinstance(s, str):
                collect_classes(s, acc)


def expect_error(R, tag, what, argv, needs, sk=""):
    """frost must exit 1, write no rows, and name every string in needs on stderr."""
    rc, so, se = R.run(argv)
    problems = []
    if rc != 1:
        problems.append(f"exit {rc}")
    missing = [x for x in needs if x not in se]
    if missing:
        problems.append(f"not named: {missing!r}")
    sk = f" ({sk})" if sk else ""
    R.emit("FAIL" if problems else "ok", f"{tag} {what}",
           ("; ".join(problems) + f" — stderr {se.strip()[:220]!r}{sk}") if problems
           else f"exit 1: {se.strip()[:170]}{sk}")
    n_rows = len(read_csv_text(so)) - 1
    if n_rows > 0:
        R.emit("note", f"{tag} {what}", f"{n_rows} rows before the bad one were written to "
               "stdout before the failure")


def extra_checks(R, case, fitted, X_score, cdir, model, tag):
    """Error paths and CSV shapes, once per case (on its first container)."""
    inner = unwrap(fitted)
    cmds = (["predict"] if is_pipeline_with_estimator(inner) else []) + ["transform"]
    # a CSV without two of the model's input columns: exit 1, both named
    if case.name in ("ct_names_logreg_lbfgs", "bare_column_transformer", "ct_ints_ordinal_rfc"):
        gone = [case.cols[1], case.cols[-1]]
        path = os.path.join(cdir, "missing.csv")
        write_frame_csv(path, X_score, drop=gone)
        for cmd in cmds:
            expect_error(R, tag, f"{cmd} with columns {gone} missing", [cmd, model, path],
                         [f'{g}' for g in gone])
        # --missing-columns nan: the absent columns are all-missing, as sklearn sees NaN
        if "predict" in cmds and all(g in case.nan for g in gone):
            df = as_read(X_score)
            for g in gone:
                df[g] = np.nan if df[g].dtype.kind == "f" else pd.Series(
                    [np.nan] * len(df), index=df.index, dtype=object)
            n = len(df)
            runs = [([], "predict labels", ["prediction"],
                     [[v] for v in fitted.predict(df)], True)]
            if hasattr(fitted, "predict_proba"):
                runs.append((["--proba"], "proba", [label_text(c) for c in fitted.classes_],
                             [[float(v) for v in r] for r in fitted.predict_proba(df)], False))
            for extra, kind, header, rows, labels in runs:
                text = run_out(R, model, path, "--missing-columns", "nan", *extra)
                ok, d, _ = R.compare(f"{tag} predict {' '.join(extra)} --missing-columns nan",
                                     kind, text, header, rows, labels)
                R.emit("ok" if ok else "FAIL", f"{tag} predict {' '.join(extra)}"
                       f"{' ' if extra else ''}--missing-columns nan ({gone} absent)", d)
            assert n == len(rows)
    # a header and no rows: exit 0, the header alone
    if case.name in ("ct_names_logreg_lbfgs", "bare_column_transformer"):
        path = os.path.join(cdir, "empty.csv")
        write_frame_csv(path, X_score.iloc[:0])
        for cmd in cmds:
            rc, so, se = R.run([cmd, model, path])
            rows = read_csv_text(so)
            good = rc == 0 and len(rows) == 1
            R.emit("ok" if good else "FAIL", f"{tag} {cmd} of a header with no rows",
                   f"header {rows[0][:3] if rows else None}..." if good else
                   f"exit {rc}, {len(rows)} lines, stderr {se.strip()[:160]!r}")
    # a number column holding text: exit 1, the row and the column named
    if case.name == "ct_names_logreg_lbfgs":
        df = X_score.iloc[:6].copy()
        df["num2"] = df["num2"].astype(object)
        df.iat[4, list(df.columns).index("num2")] = "12abc"
        path = os.path.join(cdir, "badnum.csv")
        write_frame_csv(path, df)
        for cmd in cmds:
            expect_error(R, tag, f"{cmd} with text in a number column", [cmd, model, path],
                         ["num2", "12abc"])
    # handle_unknown='error': an unknown category → exit 1 naming the row and the column
    if case.name == "onehot_error_linsvc":
        probes = [("size", "XXL", 3), ("count", 99, 6), ("size", np.nan, 1)]
        for col, val, row in probes:
            df = X_score.iloc[:8].copy()
            df[col] = df[col].astype(object)
            df.iat[row, list(df.columns).index(col)] = val
            try:
                fitted.predict(df)
                sk = "sklearn accepts it"
            except ValueError as exc:
                sk = "sklearn: " + str(exc).split("\n")[0][:70]
            path = os.path.join(cdir, f"unknown_{col}.csv")
            write_frame_csv(path, df)
            needs = [f"'{col}'", f"row {row + 1}"]
            if not (isinstance(val, float) and math.isnan(val)):
                needs.append(cell(val))
            for cmd in cmds:
                expect_error(R, tag, f"{cmd} unknown {cell(val) or 'missing'!r} in {col!r} "
                             f"(handle_unknown='error')", [cmd, model, path], needs, sk)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--frost", default="build/frost")
    ap.add_argument("--keep", metavar="DIR")
    ap.add_argument("--only", metavar="SUBSTRING")
    ap.add_argument("--jobs", type=int, default=1, help="accepted for symmetry; unused")
    args = ap.parse_args()
    if not os.access(args.frost, os.X_OK):
        print(f"FAIL setup: {args.frost} is not an executable")
        print(f"{SUMMARY}: 0 passed, 1 failed")
        return 1
    if args.keep:
        os.makedirs(args.keep, exist_ok=True)
        tmp = os.path.abspath(args.keep)
    else:
        tmp = tempfile.mkdtemp(prefix="frost-parity-pipelines.")
    R = Runner(args, tmp)
    R.keep = bool(args.keep)
    t0 = time.time()
    print(f"note setup: scikit-learn {SKV}, numpy {np.__version__}, pandas {pd.__version__}, "
          f"frost {R.frost}", flush=True)
    all_cases = cases()
    if len({c.name for c in all_cases}) != len(all_cases):
        R.emit("FAIL", "setup", "duplicate case names")
    selected = [c for c in all_cases if not args.only or args.only in c.name]
    n_pipelines = 0
    try:
        for ci, case in enumerate(selected):
            seed = 1000 + ci
            try:
                X = make_frame(600, seed, case.nan)[case.cols].rename(columns=case.rename)
                if case.note.startswith("num3 all-missing"):
                    X = X.copy()
                    X["num3"] = np.nan
                Xs = make_frame(300, seed + 1, case.nan, case.unk, score=True)[case.cols] \
                    .rename(columns=case.rename)
                if case.note.startswith("num3 all-missing"):
                    Xs = Xs.copy()
                    Xs.loc[Xs.index[::3], "num3"] = np.nan
                y = targets(make_frame(600, seed, case.nan), seed)[case.y] if case.y else None
                est = case.build()
                Xf = X.to_numpy(dtype=float) if case.numpy else X
                est.fit(Xf, y) if y is not None else est.fit(Xf)
            except Exception as exc:  # noqa: BLE001
                R.emit("FAIL", f"{case.name} fit", f"the suite could not fit it: {exc!r}")
                continue
            if case.expect != "refuse":
                n_pipelines += 1
            try:
                run_case(R, case, ci, est, Xs)
            except Exception:  # noqa: BLE001
                R.emit("FAIL", f"{case.name}", "suite error: " +
                       traceback.format_exc().strip().splitlines()[-1])
                traceback.print_exc()
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)

    # coverage: every transformer and estimator the contract lists, matched at least once
    if not args.only:
        want = ["Pipeline", "ColumnTransformer", "FeatureUnion", "SimpleImputer",
                "StandardScaler", "MinMaxScaler", "RobustScaler", "MaxAbsScaler",
                "OneHotEncoder", "OrdinalEncoder", "DecisionTreeClassifier",
                "DecisionTreeRegressor", "RandomForestClassifier", "RandomForestRegressor",
                "ExtraTreesClassifier", "ExtraTreesRegressor", "GradientBoostingClassifier",
                "GradientBoostingRegressor", "LogisticRegression", "LinearRegression", "Ridge",
                "Lasso", "ElasticNet", "SGDClassifier", "SGDRegressor", "LinearSVC",
                "LinearSVR", "RidgeClassifier", "VotingClassifier", "VotingRegressor",
                "OneVsRestClassifier"]
        missing = [w for w in want if w not in R.covered]
        R.emit("FAIL" if missing else "ok", "coverage",
               f"never matched end to end: {', '.join(missing)}" if missing else
               f"{len(want)} classes matched end to end in {n_pipelines} pipelines")
    for kind, (nv, ne) in sorted(R.values.items()):
        print(f"note {'identical' if kind.endswith('labels') else 'bit-exact'} {kind} "
              f"(over matching checks): {ne}/{nv}")
    if R.inexact:
        print(f"note {len(R.inexact)} checks not bit-exact (within {REL_TOL:g} relative):")
        for check, k, worst in R.inexact:
            print(f"note   {check}: {k} values, max rel diff {worst:.3g}")
    if R.failures:
        print(f"note {len(R.failures)} failures:")
        for f in R.failures:
            print(f"note   {f[:300]}")
    print(f"note {len(selected)} cases: {n_pipelines} fitted models held to parity or "
          f"allowed a clean refusal, {len(selected) - n_pipelines} that must be refused; "
          f"{time.time() - t0:.1f} s")
    print(f"{SUMMARY}: {R.passed} passed, {R.failed} failed", flush=True)
    return 1 if R.failed else 0


if __name__ == "__main__":
    sys.exit(main())
