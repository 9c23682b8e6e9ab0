#!/usr/bin/python3
"""contract.py — the input contract of issue #10: frost against scikit-learn, rule by rule.

Every case trains a small model with Debian's scikit-learn (fixed seeds), saves it with
joblib.dump, converts it with `frost convert`, writes a CSV, and compares `frost predict`
(`--proba` for classifiers, `frost transform` where relevant) with what the model loaded back by
joblib does on the DataFrame that

    pandas.read_csv(path, na_values=["None"])

reads from the same file (pandas >= 2 has "None" in its default NA list; frost follows that
list). Models trained without feature names get `df.to_numpy()`, as scikit-learn would. The
outcome must be the same: predictions equal (labels identical, numbers within 1e-9 relative,
absolute below 1), or an error in both (frost: exit 1, a message on stderr, no -o file left and
nothing else left in the output's folder; scikit-learn: an exception). Each case also checks that
scikit-learn does what the case assumes, so a wrong premise shows up as a suite failure.

Rules (tests/contract/README.md lists them with their tests):
  r1 columns the model never reads    r6 unnamed models and column count
  r2 NA spellings                      r7 outputs never destroy data
  r3 booleans                          r8 convert never writes its input
  r4 numbers                           r9 help, number format, --keep-columns, --threads, ENOSPC
  r5 refuse what scikit-learn refuses

    /usr/bin/python3 tests/contract/contract.py [--frost build/frost] [--only SUBSTRING]
                                                 [--jobs N] [--keep DIR] [--list]

Prints "ok   NAME: detail", "FAIL NAME: reason" or "skip NAME: reason" per test (in a fixed
order) and ends with exactly "contract: N passed, M failed"; exits 1 on any failure.
"""
import argparse
import concurrent.futures
import csv
import hashlib
import io
import math
import os
import re
import shutil
import stat
import struct
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import warnings

SUMMARY = "contract"

try:
    import numpy as np
    import joblib
    import pandas as pd
    import sklearn
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import GradientBoostingClassifier, RandomForestClassifier
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import (LinearRegression, LogisticRegression, Ridge,
                                      SGDClassifier, SGDRegressor)
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import (KBinsDiscretizer, MinMaxScaler, Normalizer,
                                       OneHotEncoder, PolynomialFeatures, StandardScaler)
    from sklearn.tree import DecisionTreeRegressor
except ImportError as exc:  # the stage must fail loudly, not pass vacuously
    print(f"FAIL setup: {exc} (run with Debian's /usr/bin/python3: python3-sklearn, "
          "python3-pandas)")
    print(f"{SUMMARY}: 0 passed, 1 failed")
    sys.exit(1)

warnings.filterwarnings("ignore")
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pylib"))
from frost_numbers import bits, close, label_text  # noqa: E402

# pandas >= 2's default NA list (pandas 1.5's plus "None"), and the empty field
NA_SPELLINGS = ["", "NA", "N/A", "n/a", "NULL", "null", "NaN", "nan", "-NaN", "-nan", "<NA>",
                "None", "#N/A", "#N/A N/A", "#NA", "1.#IND", "-1.#IND", "1.#QNAN", "-1.#QNAN"]


class Fail(Exception):
    pass


class Skip(Exception):
    pass


# ---- registry ----------------------------------------------------------------------------------

TESTS = []   # (name, rule, function)


def test(name, rule):
    def register(fn):
        TESTS.append((name, rule, fn))
        return fn
    return register


def check(cond, reason):
    if not cond:
        raise Fail(reason)


# ---- numbers and labels ------------------------------------------------------------------------


def same_label(got, exp):
    want = label_text(exp)
    if got == want:
        return True
    try:   # a float label 1.0 may print as 1
        return float(got) == float(want)
    except ValueError:
        return False


def sig_digits(text):
    """The significant digits of a printed number: no sign, exponent, point, leading or
    trailing zeros ('0.35' -> '35', '1e+22' -> '1', '100' -> '1')."""
    t = text.strip().lower().lstrip("+-")
    t = t.split("e")[0].replace(".", "")
    return t.strip("0") or "0"


def is_shortest(text):
    """True when text has no more significant digits than repr() of the double it denotes."""
    v = float(text)
    if not math.isfinite(v):
        return True
    return len(sig_digits(text)) <= len(sig_digits(repr(v)))


def short(text, n=160):
    text = " ".join(str(text).split())
    if Env.root:
        text = text.replace(Env.root, "<tmp>")
    return text if len(text) <= n else text[:n - 3] + "..."


def first_line(exc):
    return short(f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}", 110)


# ---- CSV ---------------------------------------------------------------------------------------

class Raw(str):
    """A CSV field written verbatim (quotes and all)."""


def field(v):
    if isinstance(v, Raw):
        return str(v)
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    if isinstance(v, (bool, np.bool_)):
        return "True" if v else "False"
    if isinstance(v, (float, np.floating)):
        return repr(float(v))
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    s = str(v)
    if any(c in s for c in ',"\r\n'):
        return '"' + s.replace('"', '""') + '"'
    return s


def write_csv(path, header, rows):
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(",".join(field(h) for h in header) + "\n")
        for r in rows:
            f.write(",".join(field(v) for v in r) + "\n")


def write_frame(path, df):
    write_csv(path, list(df.columns), df.itertuples(index=False, name=None))


def parse_csv(text):
    return list(csv.reader(io.StringIO(text, newline="")))


def read_frame(path):
    """The DataFrame scikit-learn gets: pandas' dtypes and NA decisions (default reader, with
    pandas >= 2's NA list), float columns with correctly rounded values. pandas 1.5's default
    float parser is not correctly rounded (it reads ~8% of repr'd doubles 1 ulp off); frost
    parses exactly, so float columns take the values of float_precision='round_trip'."""
    df = pd.read_csv(path, na_values=["None"])
    exact = pd.read_csv(path, na_values=["None"], float_precision="round_trip")
    for c in df.columns:
        if df[c].dtype == np.float64 and exact[c].dtype == np.float64:
            df[c] = exact[c]
    return df


# ---- frost -------------------------------------------------------------------------------------

class Env:
    frost = None   # absolute path of the frost binary
    root = None    # the suite's scratch folder (models/, tests/)


def run_frost(argv, stdout=None, stdin=None, timeout=60):
    """(exit status, stdout, stderr) of `frost ARGV`; stdout=FILE redirects it there."""
    try:
        p = subprocess.run([Env.frost] + [str(a) for a in argv],
                           stdout=stdout if stdout is not None else subprocess.PIPE,
                           stderr=subprocess.PIPE, stdin=stdin if stdin is not None
                           else subprocess.DEVNULL, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise Fail(f"frost {' '.join(map(str, argv[:1]))} did not finish in {timeout} s")
    out = p.stdout.decode("utf-8", "replace") if p.stdout is not None else ""
    return p.returncode, out, p.stderr.decode("utf-8", "replace")


class Ctx:
    """A test's own folder and helpers."""

    def __init__(self, name, index):
        safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_")
        self.dir = os.path.join(Env.root, "tests", f"{index:03d}-{safe}")
        shutil.rmtree(self.dir, ignore_errors=True)   # a reused --keep folder
        os.makedirs(self.dir)
        self.n_runs = 0

    def path(self, name):
        return os.path.join(self.dir, name)

    def run_dir(self):
        """A fresh, empty folder for one -o output."""
        self.n_runs += 1
        d = os.path.join(self.dir, f"run{self.n_runs}")
        os.makedirs(d)
        return d


# ---- models: trained once, shared by the tests -------------------------------------------------

class Model:
    def __init__(self, name, est, named, src, frost_path, convert_error):
        self.name, self.est, self.named = name, est, named
        self.src, self.frost, self.convert_error = src, frost_path, convert_error

    @property
    def is_classifier(self):
        return hasattr(self.est, "classes_")

    @property
    def has_proba(self):
        return hasattr(self.est, "predict_proba") and self.is_classifier

    def need(self):
        if self.convert_error:
            raise Fail(f"model {self.name}: {self.convert_error}")
        return self


BUILDERS = {}
_models = {}
_locks = {}
_locks_guard = threading.Lock()


def model_builder(name):
    def register(fn):
        BUILDERS[name] = fn
        return fn
    return register


def get_model(name):
    """Fits, saves (joblib), loads back and converts model NAME once; later calls share it."""
    with _locks_guard:
        lock = _locks.setdefault(name, threading.Lock())
    with lock:
        if name in _models:
            return _models[name].need()
        est, X, y = BUILDERS[name]()
        est.fit(X, y) if y is not None else est.fit(X)
        d = os.path.join(Env.root, "models")
        os.makedirs(d, exist_ok=True)
        src = os.path.join(d, name + ".joblib")
        joblib.dump(est, src)
        loaded = joblib.load(src)
        out = os.path.join(d, name + ".frost")
        rc, so, se = run_frost(["convert", src, out, "--quiet"])
        err = None if rc == 0 and os.path.exists(out) else \
            f"frost convert failed (exit {rc}): {short(se)}"
        _models[name] = Model(name, loaded, isinstance(X, pd.DataFrame), src, out, err)
        return _models[name].need()


def lin_frame(n, seed):
    rng = np.random.RandomState(seed)
    return pd.DataFrame({"x1": rng.normal(size=n), "income": rng.normal(1.0, 2.0, n),
                         "x3": rng.uniform(-1, 1, n)})


def lin_clf_target(X):
    return np.where(X["x1"] + 0.5 * X["income"] - X["x3"] > 0.4, "yes", "no").astype(object)


def lin_reg_target(X):
    return 2.0 * X["x1"] + 0.7 * X["income"] - 3.0 * X["x3"] + 0.25


@model_builder("dropcols")
def _m_dropcols():
    """r1: a Pipeline over a ColumnTransformer that drops four of its seven columns: an id and a
    numeric score by a 'drop' entry, free text and a date by remainder='drop'."""
    rng = np.random.RandomState(1)
    n = 160
    X = pd.DataFrame({
        "cust_id": [f"cust-{i:05d}" for i in rng.permutation(n)],
        "age": rng.normal(40, 12, n),
        "note": rng.choice(["hello, world", "call back", 'said "no"'], n),
        "income": rng.lognormal(3, 0.5, n),
        "signup": [f"2024-{m:02d}-{d:02d}" for m, d in zip(rng.randint(1, 13, n),
                                                          rng.randint(1, 29, n))],
        "color": rng.choice(["red", "green", "blue"], n).astype(object),
        "old_score": rng.rand(n),
    })
    X.loc[rng.rand(n) < 0.1, "age"] = np.nan
    X.loc[rng.rand(n) < 0.1, "color"] = np.nan
    y = np.where((X["age"].fillna(40) - 40) / 12 + (X["income"] - 20) / 10 +
                 X["color"].map({"red": 0.8, "green": -0.3}).fillna(0)
                 + rng.normal(scale=0.5, size=n) > 0, "churn", "stay").astype(object)
    est = Pipeline([
        ("pre", ColumnTransformer([
            ("num", Pipeline([("imp", SimpleImputer()), ("sc", StandardScaler())]),
             ["age", "income"]),
            ("cat", Pipeline([("imp", SimpleImputer(strategy="most_frequent")),
                              ("ohe", OneHotEncoder(handle_unknown="ignore"))]), ["color"]),
            ("gone", "drop", ["cust_id", "old_score"])], remainder="drop")),
        ("clf", LogisticRegression(max_iter=1000))])
    return est, X, y


@model_builder("dropcols_numeric")
def _m_dropcols_numeric():
    """r1: every column the model reads is a number; an id and a comment are dropped."""
    rng = np.random.RandomState(2)
    n = 120
    X = pd.DataFrame({"id": [f"row-{i}" for i in range(n)], "a": rng.normal(size=n),
                      "comment": rng.choice(["fine", "late, again", "n/a"], n),
                      "b": rng.uniform(0, 5, n)})
    y = 1.5 * X["a"] - 0.4 * X["b"] + rng.normal(scale=0.1, size=n)
    est = Pipeline([("pre", ColumnTransformer([("num", SimpleImputer(), ["a", "b"])],
                                              remainder="drop")),
                    ("reg", Ridge(alpha=0.5))])
    return est, X, y


NA_STR_COLS = ["color", "shape", "city"]


def na_frame(n, seed, nan_rate=0.1):
    rng = np.random.RandomState(seed)
    X = pd.DataFrame({
        "a": rng.normal(5, 2, n), "b": rng.uniform(0, 10, n), "c": rng.normal(size=n),
        "d": rng.choice([1.0, 2.0, 3.0, 4.0], n, p=[0.4, 0.3, 0.2, 0.1]),
        "color": rng.choice(["red", "green", "blue"], n, p=[0.5, 0.3, 0.2]).astype(object),
        "shape": rng.choice(["circle", "square", "triangle"], n).astype(object),
        "city": rng.choice(["paris", "oslo", "lima"], n).astype(object),
    })
    if nan_rate:
        for c in X.columns:
            X.loc[rng.rand(n) < nan_rate, c] = np.nan
    return X


@model_builder("na_mixed")
def _m_na_mixed():
    """r2: every SimpleImputer strategy on numbers, a string imputer before a one-hot encoder,
    a one-hot encoder with NaN as a category; 3-class logistic regression, string labels."""
    X = na_frame(300, 11)
    rng = np.random.RandomState(12)
    s = (0.5 * X["a"].fillna(3) - 0.3 * X["b"].fillna(8) + X["c"].fillna(-1)
         + 0.4 * X["d"].fillna(0)
         + X["color"].map({"red": 1.0, "green": -0.5}).fillna(0.3)
         + X["shape"].map({"circle": 0.6, "square": -0.6}).fillna(-1.2)
         + X["city"].map({"paris": 0.4, "oslo": -0.2}).fillna(0.9)
         + rng.normal(scale=0.3, size=len(X)))
    q1, q2 = np.quantile(s, [0.33, 0.66])
    y = np.array(["lo", "mid", "hi"], dtype=object)[np.digitize(s, [q1, q2])]
    mf = dict(strategy="most_frequent")
    est = Pipeline([
        ("pre", ColumnTransformer([
            ("mean", SimpleImputer(strategy="mean"), ["a"]),
            ("median", SimpleImputer(strategy="median"), ["b"]),
            ("const", SimpleImputer(strategy="constant", fill_value=-7.5), ["c"]),
            ("mode", SimpleImputer(**mf), ["d"]),
            ("color", Pipeline([("imp", SimpleImputer(**mf)),
                                ("ohe", OneHotEncoder(handle_unknown="ignore"))]), ["color"]),
            ("shape", OneHotEncoder(handle_unknown="ignore"), ["shape"]),
            ("city", Pipeline([("imp", SimpleImputer(strategy="constant",
                                                     fill_value="missing")),
                               ("ohe", OneHotEncoder(handle_unknown="ignore"))]), ["city"]),
        ])),
        ("clf", LogisticRegression(max_iter=2000))])
    return est, X, y


@model_builder("na_numeric")
def _m_na_numeric():
    """r2: an all-numeric pipeline trained without feature names (columns by position)."""
    rng = np.random.RandomState(21)
    X = rng.normal(size=(200, 4)) * [1.0, 3.0, 0.5, 10.0] + [0.0, 5.0, -2.0, 50.0]
    X[rng.rand(200, 4) < 0.1] = np.nan
    y = np.nan_to_num(X) @ np.array([1.0, -0.5, 2.0, 0.05]) + rng.normal(scale=0.1, size=200)
    est = Pipeline([("imp", SimpleImputer(strategy="median")), ("sc", StandardScaler()),
                    ("reg", Ridge(alpha=1.0))])
    return est, X, y


def bool_frame(n, seed):
    rng = np.random.RandomState(seed)
    return pd.DataFrame({"x": rng.normal(size=n), "flag": rng.rand(n) < 0.4,
                         "z": rng.uniform(-2, 2, n)})


def bool_target(X, seed):
    rng = np.random.RandomState(seed)
    return 2.0 * X["x"] + 3.0 * X["flag"].astype(float) - X["z"] + rng.normal(scale=0.1,
                                                                              size=len(X))


@model_builder("bool_ridge")
def _m_bool_ridge():
    X = bool_frame(150, 31)
    return Ridge(alpha=0.3), X, bool_target(X, 31)


@model_builder("bool_tree")
def _m_bool_tree():
    X = bool_frame(150, 31)
    return DecisionTreeRegressor(max_depth=5, random_state=0), X, bool_target(X, 31)


@model_builder("bool_imputer")
def _m_bool_imputer():
    X = bool_frame(150, 31)
    return Pipeline([("imp", SimpleImputer()), ("reg", Ridge(alpha=0.3))]), X, \
        bool_target(X, 31)


def _lin(est, clf):
    X = lin_frame(150, 41)
    return est, X, lin_clf_target(X) if clf else lin_reg_target(X)


LINEAR = {
    "lin_logreg": lambda: _lin(LogisticRegression(), True),
    "lin_linreg": lambda: _lin(LinearRegression(), False),
    "lin_ridge": lambda: _lin(Ridge(alpha=0.5), False),
    "lin_sgdc": lambda: _lin(SGDClassifier(loss="log_loss", random_state=0, max_iter=2000,
                                           tol=1e-6), True),
    "lin_sgdr": lambda: _lin(SGDRegressor(random_state=0, max_iter=2000, tol=1e-6), False),
}
TREES = {
    "tree_rfc": lambda: _lin(RandomForestClassifier(n_estimators=10, max_depth=5,
                                                    random_state=0), True),
    "tree_dtr": lambda: _lin(DecisionTreeRegressor(max_depth=6, random_state=0), False),
    "tree_gbc": lambda: _lin(GradientBoostingClassifier(n_estimators=10, max_depth=3,
                                                        random_state=0), True),
}
PIPES = {
    "scaler_logreg": lambda: _lin(Pipeline([("sc", StandardScaler()),
                                            ("clf", LogisticRegression())]), True),
    "imputer_logreg": lambda: _lin(Pipeline([("imp", SimpleImputer()),
                                             ("clf", LogisticRegression())]), True),
    "poly_ridge": lambda: _lin(Pipeline([("poly", PolynomialFeatures(degree=2)),
                                         ("reg", Ridge(alpha=0.5))]), False),
    "kbins_ridge": lambda: _lin(Pipeline([("kb", KBinsDiscretizer(n_bins=4, encode="ordinal")),
                                          ("reg", Ridge(alpha=0.5))]), False),
    "normalizer_logreg": lambda: _lin(Pipeline([("norm", Normalizer()),
                                                ("clf", LogisticRegression())]), True),
    # a saved preprocessing pipeline (no estimator): frost transform
    "scaler_transform": lambda: (Pipeline([("mm", MinMaxScaler()), ("sc", StandardScaler())]),
                                 lin_frame(150, 41), None),
}
for _name, _fn in {**LINEAR, **TREES, **PIPES}.items():
    BUILDERS[_name] = _fn


def ohe_frame(n, seed, with_nan):
    rng = np.random.RandomState(seed)
    c = rng.choice(["a", "b", "c"], n).astype(object)
    if with_nan:
        c[rng.rand(n) < 0.2] = np.nan
    return pd.DataFrame({"cat": c, "x": rng.normal(size=n)})


def _ohe(with_nan):
    X = ohe_frame(120, 51, with_nan)
    rng = np.random.RandomState(52)
    y = np.where(X["cat"].map({"a": 1.0, "b": -1.0}).fillna(0.5) + X["x"]
                 + rng.normal(scale=0.3, size=len(X)) > 0, "up", "down").astype(object)
    est = Pipeline([("ct", ColumnTransformer([("ohe", OneHotEncoder(), ["cat"]),
                                              ("num", "passthrough", ["x"])])),
                    ("clf", LogisticRegression())])
    return est, X, y


BUILDERS["ohe_nan_seen"] = lambda: _ohe(True)     # handle_unknown='error', NaN a category
BUILDERS["ohe_strict"] = lambda: _ohe(False)      # handle_unknown='error', no NaN at fit


@model_builder("unnamed6")
def _m_unnamed6():
    rng = np.random.RandomState(61)
    X = rng.normal(size=(120, 6))
    y = X @ np.array([1.0, -2.0, 3.0, 0.5, -0.25, 4.0]) + 0.1
    return Ridge(alpha=0.1), X, y


@model_builder("thresholds")
def _m_thresholds():
    rng = np.random.RandomState(71)
    X = rng.normal(size=(300, 3)) * [1.0, 100.0, 0.001]
    y = rng.normal(size=300) * 10
    return DecisionTreeRegressor(max_depth=9, random_state=0), X, y


@model_builder("identity")
def _m_identity():
    """A saved transformer whose output is its input: StandardScaler without centering or
    scaling (frost transform then shows exactly the number frost parsed)."""
    rng = np.random.RandomState(81)
    return StandardScaler(with_mean=False, with_std=False), rng.normal(size=(20, 1)), None


SHORTEST_Y = [0.35, 2.675, 0.1, 299.99, 0.1 + 0.2, 100.0, 1 / 3, -1.1, 2 / 3, 123456.125,
              1e-07, 5.0, -0.35, 0.7, 0.015625, 1e-300, 4.35, 1.15, 1e22]
# (neighbours far apart, 1e22 last: a node mixing 1e22 with small values could not split them)


@model_builder("shortest")
def _m_shortest():
    """One leaf per training row: predict(x = i) is exactly SHORTEST_Y[i]."""
    X = np.arange(len(SHORTEST_Y), dtype=float).reshape(-1, 1)
    return DecisionTreeRegressor(random_state=0), X, np.array(SHORTEST_Y)


# ---- scikit-learn's side, frost's side, the comparison -----------------------------------------

def sk_input(m, df):
    return df if m.named else df.to_numpy()


def sk_call(m, mode, X):
    """('ok', (header, rows)) or ('error', exception) for mode predict / proba / transform."""
    est = m.est
    try:
        if mode == "predict":
            pred = np.asarray(est.predict(X))
            if m.is_classifier:
                return "ok", (["prediction"], [("label", [p]) for p in pred])
            return "ok", (["prediction"], [("num", [float(p)]) for p in pred])
        if mode == "proba":
            pr = np.asarray(est.predict_proba(X))
            return "ok", ([label_text(c) for c in est.classes_],
                          [("num", [float(v) for v in row]) for row in pr])
        if mode == "transform":
            pre = est[:-1] if isinstance(est, Pipeline) and hasattr(est.steps[-1][1],
                                                                      "predict") else est
            T = pre.transform(X)
            T = np.asarray(T.toarray() if hasattr(T, "toarray") else T, dtype=float)
            return "ok", ([str(n) for n in pre.get_feature_names_out()],
                          [("num", [float(v) for v in row]) for row in T])
    except Exception as exc:  # noqa: BLE001 — any exception is scikit-learn refusing
        return "error", exc
    raise AssertionError(mode)


def frost_argv(m, mode, csv_path, out):
    if mode == "transform":
        return ["transform", m.frost, csv_path, "-o", out]
    return ["predict", m.frost, csv_path, "-o", out] + (["--proba"] if mode == "proba" else [])


def compare_rows(got_rows, exp_header, exp_rows):
    """Problems (a list of strings) between frost's parsed output and the expectation."""
    if not got_rows:
        return ["empty output"]
    header, body = got_rows[0], got_rows[1:]
    probs = []
    want_header = list(exp_header)
    if header != want_header:
        return [f"header {short(header, 80)}, expected {short(want_header, 80)}"]
    if len(body) != len(exp_rows):
        return [f"{len(body)} rows, expected {len(exp_rows)}"]
    for r, (g, (kind, e)) in enumerate(zip(body, exp_rows)):
        if len(g) != len(e):
            probs.append(f"row {r + 1}: {len(g)} fields, expected {len(e)}")
            continue
        for j, (gv, ev) in enumerate(zip(g, e)):
            if kind == "label":
                if not same_label(gv, ev):
                    probs.append(f"row {r + 1}: {gv!r}, expected {label_text(ev)!r}")
            else:
                try:
                    x = float(gv)
                except ValueError:
                    probs.append(f"row {r + 1} col {j + 1}: {gv!r} is not a number")
                    continue
                if not close(x, ev):
                    probs.append(f"row {r + 1} col {j + 1} ({header[j]}): {gv}, "
                                 f"expected {ev!r}")
    return probs


def num_re(n):
    """A regex for the number n standing alone (not inside 137, 3.7, x7 or a path)."""
    return rf"(?<![\w.]){n}(?!\w|\.\d)"


def frost_error_problems(rc, se, run_dir, out, needs=()):
    """An error the way the contract wants it: exit 1, a message, no output left behind."""
    probs = []
    if rc != 1:
        probs.append(f"exit {rc}" + (" (a crash)" if rc < 0 or rc >= 128 else ""))
    if not se.strip():
        probs.append("no message on stderr")
    if os.path.lexists(out):
        probs.append(f"{os.path.basename(out)} left behind")
    left = sorted(set(os.listdir(run_dir)) - {os.path.basename(out)})
    if left:
        probs.append(f"left in the output folder: {left[:3]}")
    msg = se.replace(Env.root, "<tmp>")
    for pat in needs:
        if not re.search(pat, msg):
            probs.append(f"message lacks {pat!r}")
    return probs


def parity(ctx, m, csv_path, modes=None, sk="ok", needs=(), X=None, control=None):
    """Runs each mode on both sides and checks they agree. sk: what scikit-learn must do here
    ('ok' or 'error'; the test's premise, checked first). needs: regexes frost's error message
    must match (when both refuse). control: for sk='error', the same CSV without the offending
    value, which both must score alike (so a frost refusing everything cannot pass). Returns a
    short detail; raises Fail on any disagreement."""
    m.need()
    if modes is None:
        modes = ["predict"] + (["proba"] if m.has_proba else [])
    if X is None:
        X = sk_input(m, read_frame(csv_path))
    details = []
    for mode in modes:
        status, val = sk_call(m, mode, X)
        if status != sk:
            raise Fail(f"suite premise: scikit-learn {mode} was expected to "
                       f"{'succeed' if sk == 'ok' else 'raise'} but "
                       + (f"raised {first_line(val)}" if status == "error" else "succeeded"))
        rd = ctx.run_dir()
        out = os.path.join(rd, "out.csv")
        rc, so, se = run_frost(frost_argv(m, mode, csv_path, out))
        where = f"{m.name} {mode}"
        if status == "error":
            probs = frost_error_problems(rc, se, rd, out, needs)
            if rc == 0:
                n = max(0, len(parse_csv(open(out).read())) - 1) if os.path.exists(out) else 0
                raise Fail(f"{where}: frost succeeded ({n} rows) where scikit-learn raises "
                           f"{first_line(val)}")
            if probs:
                raise Fail(f"{where}: both refuse, but frost: {'; '.join(probs)} — stderr "
                           f"{short(se, 140)!r}")
            details.append(f"{mode}: both refuse")
            continue
        if rc != 0:
            raise Fail(f"{where}: frost exit {rc} ({short(se, 150)}) where scikit-learn "
                       f"succeeds")
        if not os.path.exists(out):
            raise Fail(f"{where}: exit 0 but no output file")
        with open(out, encoding="utf-8", newline="") as f:
            got = parse_csv(f.read())
        header, rows = val
        probs = compare_rows(got, header, rows)
        if probs:
            raise Fail(f"{where}: {len(probs)} mismatches; first: {'; '.join(probs[:2])}")
        details.append(f"{mode}: {len(rows)} rows equal")
    if control is not None:
        parity(ctx, m, control, modes)
        details.append("control scored alike")
    return ", ".join(details)


# ---- r1: columns the model never reads ---------------------------------------------------------

def dropcols_rows(n, seed):
    rng = np.random.RandomState(seed)
    rows = []
    ids = ["cust-00042", "00042", "", "NA", "id with, comma", "x" * 300, "ñandú-7", "cust-1"]
    notes = ["free text, with commas", 'she said "hi"', "", "line\nbreak", "N/A", "None", "12",
             "ok"]
    dates = ["2024-01-31", "31/01/2024", "", "not a date", "2024-13-45", "NULL", "1e400", "0"]
    scores = ["n/a-ish", "12abc", "", "inf", "True", "NA", "-1e999", "0.5"]
    for i in range(n):
        rows.append({
            "cust_id": ids[i % len(ids)], "note": notes[(i * 3) % len(notes)],
            "signup": dates[(i * 5) % len(dates)], "old_score": scores[(i * 7) % len(scores)],
            "age": float(rng.normal(40, 12)) if i % 9 != 4 else None,
            "income": float(rng.lognormal(3, 0.5)),
            "color": ["red", "green", "blue", None, "purple"][i % 5]})
    return rows


@test("r1_unused_columns_any_value", 1)
def t_unused_any(ctx):
    """Ids, free text, dates and text in a once-numeric column in the columns the model drops:
    scikit-learn never looks at them."""
    m = get_model("dropcols")
    cols = ["cust_id", "age", "note", "income", "signup", "color", "old_score"]
    rows = dropcols_rows(24, 101)
    p = ctx.path("rows.csv")
    write_csv(p, cols, [[r[c] for c in cols] for r in rows])
    return parity(ctx, m, p, ["predict", "proba", "transform"])


@test("r1_unused_columns_numeric_model", 1)
def t_unused_numeric(ctx):
    """The same when every column the model reads is a number (frost's all-numeric path)."""
    m = get_model("dropcols_numeric")
    p = ctx.path("rows.csv")
    write_csv(p, ["id", "a", "comment", "b"],
              [[f"row-{i:05d}", 0.25 * i - 1, ["late, again", "2024-01-31", "", "n/a"][i % 4],
                5.0 - 0.3 * i] for i in range(12)])
    return parity(ctx, m, p)


@test("r1_unused_columns_absent", 1)
def t_unused_absent(ctx):
    """The dropped columns left out of the CSV altogether: scikit-learn 1.2 predicts."""
    m = get_model("dropcols")
    cols = ["color", "income", "age"]
    rows = dropcols_rows(15, 102)
    p = ctx.path("rows.csv")
    write_csv(p, cols, [[r[c] for c in cols] for r in rows])
    return parity(ctx, m, p, ["predict", "proba", "transform"])


@test("r1_inspect_shows_unused", 1)
def t_inspect_unused(ctx):
    m = get_model("dropcols")
    rc, so, se = run_frost(["inspect", m.frost])
    check(rc == 0, f"frost inspect exit {rc}: {short(se)}")
    lines = so.splitlines()

    def lines_of(col):
        return [ln for ln in lines if re.search(rf"(?<![\w-]){re.escape(col)}(?![\w-])", ln)]
    bad = []
    for col in ["cust_id", "note", "signup", "old_score"]:
        ls = lines_of(col)
        if not ls:
            bad.append(f"{col} not listed")
        elif not any("unused" in ln for ln in ls):
            bad.append(f"{col}: {short(ls[0].strip(), 60)!r}")
    for col in ["age", "income", "color"]:
        if any("unused" in ln for ln in lines_of(col)):
            bad.append(f"{col} (read by the model) shown as unused")
    check(not bad, "not shown as unused: " + "; ".join(bad))
    return "cust_id, note, signup, old_score unused; age, income, color not"


# ---- r2: NA spellings --------------------------------------------------------------------------

def na_mixed_rows(cell):
    """8 complete rows, then one row per column holding `cell`, then a row of `cell` only."""
    base = na_frame(8, 13, nan_rate=0)
    cols = list(base.columns)
    rows = [list(r) for r in base.itertuples(index=False, name=None)]
    for j in range(len(cols)):
        r = list(rows[j % 8])
        r[j] = cell
        rows.append(r)
    rows.append([cell] * len(cols))
    return cols, rows


def na_numeric_rows(cell):
    rng = np.random.RandomState(22)
    base = [[float(v) for v in r] for r in rng.normal(size=(6, 4)) * [1.0, 3.0, 0.5, 10.0]]
    rows = [list(r) for r in base]
    for j in range(4):
        r = list(base[j])
        r[j] = cell
        rows.append(r)
    rows.append([cell] * 4)
    return rows


def na_case(ctx, cell, tag):
    mm = get_model("na_mixed")
    cols, rows = na_mixed_rows(cell)
    p1 = ctx.path(f"mixed_{tag}.csv")
    write_csv(p1, cols, rows)
    df = read_frame(p1)
    n_na = int(df.iloc[8:].isna().sum().sum())
    check(n_na == 2 * len(cols), f"suite premise: pandas reads {n_na} missing cells, "
          f"expected {2 * len(cols)}")
    d1 = parity(ctx, mm, p1)
    mn = get_model("na_numeric")
    p2 = ctx.path(f"numeric_{tag}.csv")
    write_csv(p2, ["f0", "f1", "f2", "f3"], na_numeric_rows(cell))
    d2 = parity(ctx, mn, p2)
    return f"mixed {d1}; numeric {d2}"


for _sp in NA_SPELLINGS:
    def _na_test(ctx, _cell=_sp):
        return na_case(ctx, Raw(_cell), "na")
    _na_test.__doc__ = f"{_sp!r} in every numeric and string column"
    test(f"r2_na[{_sp or 'empty'}]", 2)(_na_test)


@test('r2_na["NA" quoted]', 2)
def t_na_quoted(ctx):
    """A quoted "NA" is still missing to pandas."""
    return na_case(ctx, Raw('"NA"'), "quoted")


@test('r2_na_space_is_a_string[" NA"]', 2)
def t_na_space_string(ctx):
    """' NA' (quoted, and unquoted) in the string columns: a string, so an unknown category
    (OneHotEncoder ignores it) — never the imputer's value."""
    m = get_model("na_mixed")
    base = na_frame(8, 14, nan_rate=0)
    cols = list(base.columns)
    rows = [list(r) for r in base.itertuples(index=False, name=None)]
    for j, c in enumerate(cols):
        if c in NA_STR_COLS:
            for cell in (Raw('" NA"'), Raw(" NA")):
                r = list(rows[j])
                r[j] = cell
                rows.append(r)
    p = ctx.path("rows.csv")
    write_csv(p, cols, rows)
    df = read_frame(p)
    check((df[NA_STR_COLS] == " NA").sum().sum() == 6 and not df.isna().any().any(),
          "suite premise: pandas should read ' NA' as a string")
    # premise: reading ' NA' as missing would change the answer (the test can fail)
    as_na = df.replace(" NA", np.nan)
    check(not np.allclose(m.est.predict_proba(df), m.est.predict_proba(as_na)),
          "suite premise: ' NA' as missing gives the same probabilities")
    return parity(ctx, m, p)


@test('r2_na_space_in_number_column[" NA"]', 2)
def t_na_space_number(ctx):
    """' NA' in a numeric column is text (pandas: an object column): scikit-learn refuses."""
    m = get_model("na_mixed")
    cols, rows = na_mixed_rows(1.0)
    rows = rows[:8]
    ok = ctx.path("control.csv")
    write_csv(ok, cols, rows)
    rows[5][cols.index("a")] = Raw('" NA"')
    p = ctx.path("rows.csv")
    write_csv(p, cols, rows)
    return parity(ctx, m, p, sk="error", control=ok)


# ---- r3: booleans ------------------------------------------------------------------------------

@test("r3_bool_column_from_to_csv", 3)
def t_bool(ctx):
    """A bool column written by DataFrame.to_csv (True/False) into a linear model, a tree and
    an imputer pipeline: 1.0 / 0.0."""
    X = bool_frame(30, 32)
    p = ctx.path("rows.csv")
    X.to_csv(p, index=False)
    check(read_frame(p)["flag"].dtype == bool, "suite premise: pandas reads a bool column")
    return "; ".join(f"{n}: {parity(ctx, get_model(n), p)}"
                     for n in ("bool_ridge", "bool_tree", "bool_imputer"))


def bool_missing_csv(ctx):
    X = bool_frame(30, 33)
    X["flag"] = X["flag"].astype(object)
    X.loc[[3, 11, 29], "flag"] = None
    p = ctx.path("rows.csv")
    X.to_csv(p, index=False)
    df = read_frame(p)
    check(df["flag"].dtype == object and df["flag"].isna().sum() == 3,
          "suite premise: pandas reads True/False/missing as an object column")
    return p


@test("r3_bool_with_missing_imputer", 3)
def t_bool_missing_imp(ctx):
    """True/False with empty fields (an object column to pandas) into an imputer pipeline."""
    return parity(ctx, get_model("bool_imputer"), bool_missing_csv(ctx))


@test("r3_bool_with_missing_no_imputer", 3)
def t_bool_missing_ridge(ctx):
    """True/False with empty fields into a bare Ridge: NaN, refused by both."""
    ok = ctx.path("control.csv")
    bool_frame(30, 33).to_csv(ok, index=False)
    return parity(ctx, get_model("bool_ridge"), bool_missing_csv(ctx), sk="error", control=ok)


@test("r3_bool_mixed_with_number", 3)
def t_bool_mixed(ctx):
    """A column mixing True and 1.5 (pandas: text) — in either order, and with the odd value
    past row 5000: scikit-learn raises, so frost exits 1 (with -o, no file)."""
    out = []
    for tag, n, mix_at, first in [("true_first", 10, 6, "True"), ("number_first", 10, 6, "1.5"),
                                  ("late", 6000, 5000, "True")]:
        X = bool_frame(n, 34)
        ok = ctx.path(f"{tag}_control.csv")
        X.to_csv(ok, index=False)
        X["flag"] = X["flag"].map({True: "True", False: "False"}) if first == "True" else \
            X["flag"].map({True: "1.5", False: "0.25"})
        X.loc[mix_at, "flag"] = "1.5" if first == "True" else "True"
        p = ctx.path(f"{tag}.csv")
        X.to_csv(p, index=False)
        for name in ("bool_ridge", "bool_imputer"):
            parity(ctx, get_model(name), p, sk="error", control=ok if tag != "late" else None)
        out.append(tag)
    return "both refuse: " + ", ".join(out)


# ---- r4: numbers -------------------------------------------------------------------------------

INF_SPELLINGS = ["inf", "-inf", "1e400", "-1e400", "Infinity"]


@test("r4_infinity_refused", 4)
def t_infinity(ctx):
    """inf, -inf, 1e400, -1e400, Infinity into an imputer pipeline (named, with strings), a
    scaler pipeline, a forest, a linear model and an unnamed imputer pipeline: all refuse."""
    done = 0
    for k, sp in enumerate(["0.5"] + INF_SPELLINGS):
        sk = "ok" if sp == "0.5" else "error"   # the first pass: controls, scored alike
        cols, rows = na_mixed_rows(1.0)
        rows = rows[:8]
        rows[2][cols.index("b")] = Raw(sp)
        p = ctx.path(f"mixed{k}.csv")
        write_csv(p, cols, rows)
        parity(ctx, get_model("na_mixed"), p, sk=sk)
        p = ctx.path(f"lin{k}.csv")
        X = lin_frame(8, 42)
        write_csv(p, list(X.columns), [[Raw(sp) if (i, j) == (4, 1) else v
                                        for j, v in enumerate(r)]
                                       for i, r in enumerate(X.itertuples(index=False,
                                                                          name=None))])
        for name in ("scaler_logreg", "tree_rfc", "lin_ridge"):
            parity(ctx, get_model(name), p, sk=sk)
        p = ctx.path(f"numeric{k}.csv")
        rows = na_numeric_rows(0.5)[:6]
        rows[1][2] = Raw(sp)
        write_csv(p, ["f0", "f1", "f2", "f3"], rows)
        parity(ctx, get_model("na_numeric"), p, sk=sk)
        done += sk == "error"
    return f"{done} spellings x 5 models: both refuse (controls scored alike)"


@test("r4_float32_overflow_tree", 4)
def t_f32_overflow(ctx):
    """Finite values too large for float32 (1e39, -1e39, 3.4028236e38) into a tree: scikit-learn
    refuses ('value too large for dtype(float32)'); 3.4028235e38 rounds to FLT_MAX: accepted.
    A linear model (float64) accepts 1e39."""
    X = lin_frame(6, 43)
    out = []
    for k, (v, sk) in enumerate([("1e39", "error"), ("-1e39", "error"),
                                 ("3.4028236e38", "error"), ("3.4028235e38", "ok")]):
        p = ctx.path(f"t{k}.csv")
        write_csv(p, list(X.columns), [[Raw(v) if (i, j) == (3, 0) else c
                                        for j, c in enumerate(r)]
                                       for i, r in enumerate(X.itertuples(index=False,
                                                                          name=None))])
        parity(ctx, get_model("tree_dtr"), p, sk=sk)
        parity(ctx, get_model("tree_rfc"), p, sk=sk)
        if v == "1e39":
            parity(ctx, get_model("lin_ridge"), p, sk="ok")
        out.append(f"{v} {'refused' if sk == 'error' else 'accepted'}")
    return ", ".join(out) + "; ridge accepts 1e39"


def f32(v):
    return struct.unpack("<f", struct.pack("<f", v))[0]


def f32_neighbours(t):
    """The float32 values just below-or-at and above t, as doubles."""
    lo = f32(t)
    if lo > t:
        lo = float(np.nextafter(np.float32(lo), np.float32(-np.inf)))
    hi = float(np.nextafter(np.float32(lo), np.float32(np.inf)))
    return lo, hi


@test("r4_tree_thresholds_exact", 4)
def t_thresholds(ctx):
    """Values exactly on a tree threshold, 1 ulp either side, on the float32 values around it,
    on the float32 rounding boundary between them and 1 ulp either side of that boundary
    (where comparing in float64 instead of float32, or misparsing by 1 ulp, goes wrong)."""
    m = get_model("thresholds")
    tree = m.est.tree_
    nodes = [i for i in range(tree.node_count) if tree.children_left[i] != -1][:24]
    rng = np.random.RandomState(72)
    rows, flips = [], 0
    for k, i in enumerate(nodes):
        f, t = int(tree.feature[i]), float(tree.threshold[i])
        lo, hi = f32_neighbours(t)
        mid = (lo + hi) / 2
        probes = [t, np.nextafter(t, -np.inf), np.nextafter(t, np.inf), lo, hi, mid,
                  np.nextafter(mid, -np.inf), np.nextafter(mid, np.inf)]
        for v in probes:
            row = [float(x) for x in rng.normal(size=3) * [1.0, 100.0, 0.001]]
            row[f] = float(v)
            rows.append(row)
            flips += (f32(float(v)) <= t) != (float(v) <= t)
    p = ctx.path("rows.csv")
    write_csv(p, ["c0", "c1", "c2"], rows)
    X = read_frame(p).to_numpy()
    check(all(bits(a) == bits(b) for r, xr in zip(rows, X) for a, b in zip(r, xr)),
          "suite premise: the CSV does not read back exactly")
    # premise: some probes sit where comparing in float64 instead of float32 decides otherwise
    check(flips > 0, "suite premise: no probe where float32 and float64 comparison differ")
    return parity(ctx, m, p) + f" ({len(rows)} probes, {flips} where float64 comparison " \
        "would go the other way)"


EXACT_TEXTS = ["9007199254740993", "1e5", "1E5", "+1.5", ".5", "5.", "0.1e-5", "00012.5000",
               "4.9406564584124654e-324", "2.2250738585072011e-308", "2.2250738585072014e-308",
               "1.7976931348623157e308", "0.1", "0.30000000000000004", "123456789012345678",
               "2.4703282292062328e-324", "3.14159265358979323846264338327950288",
               "1.000000000000000111022302462515654042363166809082031250001"]


@test("r4_exact_parsing", 4)
def t_exact_parse(ctx):
    """Numbers through a transformer whose output is its input (frost transform): every value
    must come back bit for bit as the correctly rounded double — 400 repr'd doubles across the
    whole range (subnormals included) and some spellings that are not repr's."""
    m = get_model("identity")
    rng = np.random.RandomState(82)
    vals = []
    while len(vals) < 400:
        v = struct.unpack("<d", rng.bytes(8))[0]
        if math.isfinite(v) and v != 0:
            vals.append(repr(v))
    vals += [repr(float(f"{rng.uniform(1, 10):.15f}e{e}")) for e in range(-12, 13)]
    texts = vals + EXACT_TEXTS
    p = ctx.path("rows.csv")
    write_csv(p, ["v"], [[Raw(t)] for t in texts])
    df = read_frame(p)
    check(all(bits(float(t)) == bits(float(x)) for t, x in zip(texts, df["v"])),
          "suite premise: pandas (round_trip) disagrees with float()")
    rd = ctx.run_dir()
    out = os.path.join(rd, "out.csv")
    rc, so, se = run_frost(["transform", m.frost, p, "-o", out])
    check(rc == 0, f"frost transform exit {rc}: {short(se)}")
    got = parse_csv(open(out, encoding="utf-8").read())[1:]
    check(len(got) == len(texts), f"{len(got)} rows, expected {len(texts)}")
    bad = [f"{t} -> {g[0]}" for t, g in zip(texts, got)
           if bits(float(g[0])) != bits(float(t)) and not (float(t) == 0 == float(g[0]))]
    check(not bad, f"{len(bad)} of {len(texts)} numbers not parsed exactly; first: "
          + "; ".join(bad[:3]))
    return f"{len(texts)} numbers bit-exact"


@test("r4_number_with_spaces", 4)
def t_number_spaces(ctx):
    """' 1.5' and '1.5 ' in a numeric column: pandas reads 1.5 (extrapolated from the rule)."""
    X = lin_frame(6, 44)
    rows = [list(r) for r in X.itertuples(index=False, name=None)]
    rows[1][0] = Raw(" 1.5")
    rows[3][1] = Raw("2.25 ")
    p = ctx.path("rows.csv")
    write_csv(p, list(X.columns), rows)
    check(read_frame(p)["x1"].dtype == np.float64, "suite premise: pandas reads numbers")
    return parity(ctx, get_model("lin_ridge"), p)


# ---- r5: refuse what scikit-learn refuses ------------------------------------------------------

def lin_csv_with(ctx, name, cell, row=37, col="income", n=40):
    X = lin_frame(n, 45)
    j = list(X.columns).index(col)
    rows = [[Raw(cell) if (i, k) == (row - 1, j) else v for k, v in enumerate(r)]
            for i, r in enumerate(X.itertuples(index=False, name=None))]
    p = ctx.path(name)
    write_csv(p, list(X.columns), rows)
    return p


NAN_LINEAR = [("lin_logreg", ""), ("lin_linreg", "NA"), ("lin_ridge", "nan"),
              ("lin_sgdc", "None"), ("lin_sgdr", "NULL")]

for _name, _cell in NAN_LINEAR:
    def _nan_lin(ctx, _name=_name, _cell=_cell):
        out = []
        for k, cell in enumerate(["", _cell]):
            p = lin_csv_with(ctx, f"rows{k}.csv", cell)
            parity(ctx, get_model(_name), p, sk="error",
                   needs=[r"income", num_re(37)],
                   control=lin_csv_with(ctx, "control.csv", "0.5"))
            out.append(repr(cell))
        return "both refuse " + " and ".join(out) + ", frost naming income and row 37"
    _nan_lin.__doc__ = f"a missing value (empty, then {_cell!r}) in 'income', data row 37, " \
                       "into a bare linear model: both refuse; frost names the column and the row"
    test(f"r5_nan_refused[{_name}]", 5)(_nan_lin)


@test("r5_nan_scaler_then_logreg", 5)
def t_nan_scaler(ctx):
    """StandardScaler passes NaN, LogisticRegression refuses it."""
    return parity(ctx, get_model("scaler_logreg"), lin_csv_with(ctx, "rows.csv", ""),
                  sk="error", control=lin_csv_with(ctx, "control.csv", "0.5"))


@test("r5_nan_imputer_pipeline", 5)
def t_nan_imputer(ctx):
    return parity(ctx, get_model("imputer_logreg"), lin_csv_with(ctx, "rows.csv", ""))


for _name in TREES:
    def _nan_tree(ctx, _name=_name):
        return parity(ctx, get_model(_name), lin_csv_with(ctx, "rows.csv", "NaN"), sk="error",
                      control=lin_csv_with(ctx, "control.csv", "0.5"))
    _nan_tree.__doc__ = "NaN into a tree model saved by scikit-learn 1.2 (no missing-value " \
                        "support): both refuse"
    test(f"r5_nan_refused[{_name}]", 5)(_nan_tree)

for _name in ("poly_ridge", "kbins_ridge", "normalizer_logreg"):
    def _nan_pre(ctx, _name=_name):
        return parity(ctx, get_model(_name), lin_csv_with(ctx, "rows.csv", ""), sk="error",
                      control=lin_csv_with(ctx, "control.csv", "0.5"))
    _nan_pre.__doc__ = "PolynomialFeatures / KBinsDiscretizer / Normalizer refuse NaN in 1.2"
    test(f"r5_nan_refused[{_name}]", 5)(_nan_pre)


@test("r5_nan_onehot_seen_at_fit", 5)
def t_nan_ohe(ctx):
    """OneHotEncoder(handle_unknown='error') with NaN seen at fit: NaN is a category."""
    p = ctx.path("rows.csv")
    write_csv(p, ["cat", "x"], [["a", 0.5], ["", -0.25], ["b", 1.0], [Raw("NA"), 0.0],
                                ["c", -1.5], [Raw("None"), 2.0]])
    return parity(ctx, get_model("ohe_nan_seen"), p)


@test("r5_nan_onehot_unseen_error", 5)
def t_nan_ohe_strict(ctx):
    """OneHotEncoder(handle_unknown='error') never fitted on NaN: both refuse a missing value."""
    p = ctx.path("rows.csv")
    write_csv(p, ["cat", "x"], [["a", 0.5], ["b", 1.0], ["", -0.25], ["c", -1.5]])
    ok = ctx.path("control.csv")
    write_csv(ok, ["cat", "x"], [["a", 0.5], ["b", 1.0], ["b", -0.25], ["c", -1.5]])
    return parity(ctx, get_model("ohe_strict"), p, sk="error", control=ok)


@test("r5_transform_scaler_nan_passes", 5)
def t_transform_nan(ctx):
    """frost transform of MinMaxScaler -> StandardScaler: NaN passes through (printed as a NaN
    that parses as one)."""
    return parity(ctx, get_model("scaler_transform"), lin_csv_with(ctx, "rows.csv", "", n=10,
                                                                   row=4), ["transform"])


@test("r5_transform_scaler_inf_refused", 5)
def t_transform_inf(ctx):
    return parity(ctx, get_model("scaler_transform"),
                  lin_csv_with(ctx, "rows.csv", "inf", n=10, row=4), ["transform"], sk="error",
                  control=lin_csv_with(ctx, "control.csv", "0.5", n=10, row=4))


# ---- r6: unnamed models and the column count ---------------------------------------------------

def unnamed_csv(ctx, name, n_cols, header=None):
    rng = np.random.RandomState(62)
    X = rng.normal(size=(10, n_cols))
    p = ctx.path(name)
    write_csv(p, header or [f"c{j}" for j in range(n_cols)], X.tolist())
    return p


@test("r6_unnamed_one_column_too_many", 6)
def t_unnamed_more(ctx):
    p = unnamed_csv(ctx, "seven.csv", 7)
    return parity(ctx, get_model("unnamed6"), p, sk="error", needs=[num_re(7), num_re(6)],
                  control=unnamed_csv(ctx, "six.csv", 6))


@test("r6_unnamed_one_column_too_few", 6)
def t_unnamed_fewer(ctx):
    p = unnamed_csv(ctx, "five.csv", 5)
    return parity(ctx, get_model("unnamed6"), p, sk="error", needs=[num_re(5), num_re(6)],
                  control=unnamed_csv(ctx, "six.csv", 6))


@test("r6_unnamed_exact_count_positional", 6)
def t_unnamed_exact(ctx):
    """Six columns whatever their names (here the reverse of x0..x5): by position."""
    p = unnamed_csv(ctx, "six.csv", 6, header=[f"x{j}" for j in range(5, -1, -1)])
    return parity(ctx, get_model("unnamed6"), p)


# ---- r7: outputs never destroy data ------------------------------------------------------------

def small_csv(ctx, n=12):
    p = ctx.path("rows.csv")
    X = lin_frame(n, 46)
    write_csv(p, list(X.columns), X.itertuples(index=False, name=None))
    return p


def mknod_char(path, major, minor):
    try:
        os.mknod(path, 0o666 | stat.S_IFCHR, os.makedev(major, minor))
        return True
    except (PermissionError, OSError):
        return False


def is_char_dev(path, major, minor):
    st = os.lstat(path)
    return stat.S_ISCHR(st.st_mode) and os.major(st.st_rdev) == major and \
        os.minor(st.st_rdev) == minor


@test("r7_output_to_char_device", 7)
def t_out_mknod(ctx):
    """-o onto a char device (a copy of /dev/null, 1:3, made with mknod in the test folder):
    frost writes through it and it is still that device afterwards."""
    m = get_model("lin_ridge")
    p = small_csv(ctx)
    rd = ctx.run_dir()
    dev = os.path.join(rd, "null")
    if not mknod_char(dev, 1, 3):
        raise Skip("mknod failed (not root?)")
    rc, so, se = run_frost(["predict", m.frost, p, "-o", dev])
    st_ok = is_char_dev(dev, 1, 3)
    left = sorted(set(os.listdir(rd)) - {"null"})
    check(st_ok, f"the device node was replaced (now mode {oct(os.lstat(dev).st_mode)}); "
          f"frost exit {rc}")
    check(rc == 0, f"exit {rc}: {short(se)}")
    check(not left, f"left in the folder: {left[:3]}")
    return "still a char device 1:3, exit 0"


def restore_dev_null():
    try:
        if not is_char_dev("/dev/null", 1, 3):
            os.unlink("/dev/null")
            os.mknod("/dev/null", 0o666 | stat.S_IFCHR, os.makedev(1, 3))
            os.chmod("/dev/null", 0o666)
            return True
    except OSError:
        pass
    return False


@test("r7_output_to_dev_null", 7)
def t_out_dev_null(ctx):
    """-o /dev/null: exit 0, /dev/null untouched. Run only after the same command left a
    mknod'd copy of /dev/null intact (or when /dev is not writable), so a frost that replaces
    its output by rename cannot replace the system's /dev/null."""
    m = get_model("lin_ridge")
    p = small_csv(ctx)
    check(is_char_dev("/dev/null", 1, 3), "/dev/null is not the null device before the test")
    dev_writable = os.access("/dev", os.W_OK)
    rd = ctx.run_dir()
    probe = os.path.join(rd, "null")
    if mknod_char(probe, 1, 3):
        run_frost(["predict", m.frost, p, "-o", probe])
        if not is_char_dev(probe, 1, 3):
            raise Fail("not run on /dev/null: frost replaced a mknod'd null device given as "
                       "-o, so it would replace /dev/null")
    elif dev_writable:
        raise Skip("cannot mknod a probe device, and /dev is writable: not risking /dev/null")
    before = set(os.listdir("/dev"))
    rc, so, se = run_frost(["predict", m.frost, p, "-o", "/dev/null"])
    new = sorted(n for n in set(os.listdir("/dev")) - before if "null" in n)
    for n in new:   # temporaries frost left beside /dev/null
        try:
            if stat.S_ISREG(os.lstat("/dev/" + n).st_mode):
                os.unlink("/dev/" + n)
        except OSError:
            pass
    restored = restore_dev_null()
    check(not restored, "/dev/null was replaced by frost (restored by the suite)")
    check(rc == 0, f"exit {rc}: {short(se)}")
    check(not new, f"left in /dev: {new[:3]}")
    return "exit 0, /dev/null still the null device"


def expected_predictions(m, csv_path):
    status, val = sk_call(m, "predict", sk_input(m, read_frame(csv_path)))
    assert status == "ok", val
    return val


@test("r7_output_to_symlink", 7)
def t_out_symlink(ctx):
    """-o onto a symlink to an existing file (mode 0600): still a symlink to it afterwards;
    the target holds the predictions and keeps its mode."""
    m = get_model("lin_ridge")
    p = small_csv(ctx)
    rd = ctx.run_dir()
    target = os.path.join(rd, "target.csv")
    with open(target, "w") as f:
        f.write("old content\n")
    os.chmod(target, 0o600)
    link = os.path.join(rd, "link.csv")
    os.symlink("target.csv", link)
    rc, so, se = run_frost(["predict", m.frost, p, "-o", link])
    check(os.path.islink(link), f"the symlink was replaced by a file (exit {rc})")
    check(os.readlink(link) == "target.csv", "the symlink points elsewhere now")
    check(rc == 0, f"exit {rc}: {short(se)}")
    mode = stat.S_IMODE(os.stat(target).st_mode)
    check(mode == 0o600, f"the target's mode is now {oct(mode)}, was 0o600")
    header, rows = expected_predictions(m, p)
    probs = compare_rows(parse_csv(open(target).read()), header, rows)
    check(not probs, "the target does not hold the predictions: " + "; ".join(probs[:2]))
    left = sorted(set(os.listdir(rd)) - {"target.csv", "link.csv"})
    check(not left, f"left in the folder: {left[:3]}")
    return "still a symlink; target holds the predictions, mode 0600 kept"


@test("r7_output_to_dangling_symlink", 7)
def t_out_dangling(ctx):
    """-o onto a symlink whose target does not exist yet: the target is created."""
    m = get_model("lin_ridge")
    p = small_csv(ctx)
    rd = ctx.run_dir()
    link = os.path.join(rd, "link.csv")
    os.symlink("target.csv", link)
    rc, so, se = run_frost(["predict", m.frost, p, "-o", link])
    check(os.path.islink(link), f"the symlink was replaced by a file (exit {rc})")
    check(rc == 0, f"exit {rc}: {short(se)}")
    target = os.path.join(rd, "target.csv")
    check(os.path.isfile(target), "the target was not created")
    header, rows = expected_predictions(m, p)
    probs = compare_rows(parse_csv(open(target).read()), header, rows)
    check(not probs, "the target does not hold the predictions: " + "; ".join(probs[:2]))
    return "still a symlink; target created with the predictions"


def late_error_csv(ctx):
    """6000 rows (more than one batch), text in 'income' in data row 5000."""
    return lin_csv_with(ctx, "late.csv", "12abc", row=5000, n=6000)


@test("r7_row_error_leaves_no_file", 7)
def t_row_error_no_file(ctx):
    m = get_model("lin_logreg")
    return parity(ctx, m, late_error_csv(ctx), sk="error", needs=[r"income", num_re(5000)],
                  control=lin_csv_with(ctx, "control.csv", "0.5", row=5000, n=6000))


@test("r7_row_error_keeps_existing_file", 7)
def t_row_error_keeps(ctx):
    m = get_model("lin_logreg")
    p = late_error_csv(ctx)
    rd = ctx.run_dir()
    out = os.path.join(rd, "out.csv")
    with open(out, "w") as f:
        f.write("old content\n")
    rc, so, se = run_frost(["predict", m.frost, p, "-o", out])
    check(rc == 1, f"exit {rc}, expected 1")
    check(open(out).read() == "old content\n", "the existing file was changed")
    left = sorted(set(os.listdir(rd)) - {"out.csv"})
    check(not left, f"left in the folder: {left[:3]}")
    # control: without the bad value the same command replaces the old content
    ok = lin_csv_with(ctx, "control.csv", "0.5", row=5000, n=6000)
    rc, so, se = run_frost(["predict", m.frost, ok, "-o", out])
    check(rc == 0 and open(out).read() != "old content\n",
          f"control: exit {rc} without the bad value: {short(se)}")
    return "exit 1, old content kept (control replaced it)"


# ---- r8: convert never writes its input --------------------------------------------------------

def sha(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def convert_input(ctx):
    src = get_model("lin_ridge").src
    d = ctx.run_dir()
    p = os.path.join(d, "in.joblib")
    shutil.copyfile(src, p)
    return d, p, sha(p)


def convert_refused(ctx, d, p, h, out, what):
    rc, so, se = run_frost(["convert", p, out, "--quiet"])
    probs = []
    if rc != 1:
        probs.append(f"exit {rc}")
    if not se.strip():
        probs.append("no message")
    if not os.path.isfile(p) or sha(p) != h:
        probs.append("the input was changed")
    check(not probs, f"{what}: " + "; ".join(probs) + (f" — {short(se, 120)!r}" if se else ""))
    # control: the same input converts to another file
    ok = os.path.join(d, "control.frost")
    rc2, _, se2 = run_frost(["convert", p, ok, "--quiet"])
    check(rc2 == 0 and os.path.isfile(ok), f"control: convert IN OTHER exit {rc2}: {short(se2)}")
    return f"refused: {short(se, 90)}"


@test("r8_convert_same_path", 8)
def t_conv_same(ctx):
    d, p, h = convert_input(ctx)
    return convert_refused(ctx, d, p, h, p, "convert IN IN")


@test("r8_convert_same_file_other_spelling", 8)
def t_conv_same_spelling(ctx):
    d, p, h = convert_input(ctx)
    return convert_refused(ctx, d, p, h, os.path.join(d, ".", "..", os.path.basename(d),
                                                      "in.joblib"), "convert IN ./../d/IN")


@test("r8_convert_onto_hard_link", 8)
def t_conv_hardlink(ctx):
    d, p, h = convert_input(ctx)
    hl = os.path.join(d, "hard.frost")
    os.link(p, hl)
    r = convert_refused(ctx, d, p, h, hl, "convert IN HARDLINK")
    check(os.stat(hl).st_ino == os.stat(p).st_ino, "the hard link no longer shares the input")
    return r


@test("r8_convert_onto_symlink", 8)
def t_conv_symlink(ctx):
    d, p, h = convert_input(ctx)
    sl = os.path.join(d, "sym.frost")
    os.symlink("in.joblib", sl)
    r = convert_refused(ctx, d, p, h, sl, "convert IN SYMLINK")
    check(os.path.islink(sl), "the symlink was replaced")
    return r


NOT_PICKLES = {
    "csv": b"a,b\n1,2\n3,4\n",
    "csv_c_header": b"cust_id,age\ncust-00042,31\n",   # 'c' is pickle's GLOBAL opcode
    "empty": b"",
    "text": b"color is red\nsize is L\n",
}

for _kind, _data in NOT_PICKLES.items():
    def _not_pickle(ctx, _kind=_kind, _data=_data):
        p = ctx.path(f"input.{'csv' if 'csv' in _kind else 'txt'}")
        with open(p, "wb") as f:
            f.write(_data)
        out = ctx.path("out.frost")
        rc, so, se = run_frost(["convert", p, out])
        probs = []
        if rc != 1:
            probs.append(f"exit {rc}")
        if "not a pickle or joblib file" not in se:
            probs.append("no 'not a pickle or joblib file'")
        if "refusing to import" in se:
            probs.append("says 'refusing to import'")
        if os.path.lexists(out):
            probs.append("an output file was left")
        check(not probs, "; ".join(probs) + f" — stderr {short(se, 120)!r}")
        return short(se, 100)
    _not_pickle.__doc__ = f"{_kind} given to convert: not a pickle"
    test(f"r8_convert_not_a_pickle[{_kind}]", 8)(_not_pickle)


@test("r8_convert_refuses_os_system", 8)
def t_conv_os_system(ctx):
    p = ctx.path("evil.pkl")
    with open(p, "wb") as f:
        f.write(b"cos\nsystem\n(S'echo hi'\ntR.")
    out = ctx.path("out.frost")
    rc, so, se = run_frost(["convert", p, out])
    check(rc == 1 and "refusing to import" in se and "os.system" in se
          and not os.path.lexists(out),
          f"exit {rc}, stderr {short(se, 140)!r}, output left: {os.path.lexists(out)}")
    return short(se, 100)


# ---- r9: help, number format, --keep-columns, --threads, write errors --------------------------

@test("r9_help_predict", 9)
def t_help_predict(ctx):
    rc, so, se = run_frost(["help", "predict"])
    check(rc == 0, f"exit {rc}")
    check("usage: frost predict" in so, "does not print predict's help: "
          f"{short(so.splitlines()[0] if so else se, 80)!r}")
    rc2, so2, _ = run_frost(["predict", "--help"])
    check(so == so2, "differs from 'frost predict --help'")
    return "prints predict's help"


@test("r9_predict_help_text", 9)
def t_predict_help(ctx):
    """predict --help names the output columns (the 'prediction' column) and says what a
    missing value is (the NA spellings)."""
    rc, so, se = run_frost(["predict", "--help"])
    check(rc == 0, f"exit {rc}")
    probs = []
    if not re.search(r"(?<![\w-])prediction(?![\w-])", so):
        probs.append("no 'prediction' (the output column)")
    if not re.search(r"missing", so, re.I):
        probs.append("no 'missing'")
    if not re.search(r"(?<![\w/#<])NA(?![\w>])", so):
        probs.append("no NA spelling")
    check(not probs, "; ".join(probs))
    return "mentions the prediction column and missing values"


@test("r9_shortest_numbers_regression", 9)
def t_shortest_reg(ctx):
    """A tree predicting 0.35, 0.1+0.2, 1/3, 1e22, ... prints each as the shortest string that
    reads back as the same double (0.35, never 0.34999999999999998)."""
    m = get_model("shortest")
    p = ctx.path("rows.csv")
    write_csv(p, ["x"], [[float(i)] for i in range(len(SHORTEST_Y))])
    exp = m.est.predict(np.arange(len(SHORTEST_Y), dtype=float).reshape(-1, 1))
    check(all(bits(float(a)) == bits(b) for a, b in zip(exp, SHORTEST_Y)),
          "suite premise: the tree does not reproduce its training targets")
    rc, so, se = run_frost(["predict", m.frost, p])
    check(rc == 0, f"exit {rc}: {short(se)}")
    rows = parse_csv(so)[1:]
    check(len(rows) == len(SHORTEST_Y), f"{len(rows)} rows")
    bad = []
    for (g,), v in zip(rows, SHORTEST_Y):
        if bits(float(g)) != bits(v):
            bad.append(f"{g} is not {v!r}")
        elif not is_shortest(g):
            bad.append(f"{g} (repr {v!r})")
    check(not bad, f"{len(bad)} not shortest: " + "; ".join(bad[:3]))
    return f"{len(rows)} values shortest round-trip"


@test("r9_shortest_numbers_proba_transform", 9)
def t_shortest_proba(ctx):
    """Probabilities and transformed values: each printed number has no more digits than
    repr() of the double it denotes."""
    bad, n = [], 0
    cols, rows = na_mixed_rows(Raw(""))
    p = ctx.path("mixed.csv")
    write_csv(p, cols, rows[:8])
    for m, argv in [(get_model("na_mixed"), ["predict", "--proba"]),
                    (get_model("scaler_transform"), ["transform"])]:
        src = p if m.name == "na_mixed" else small_csv(ctx)
        rc, so, se = run_frost([argv[0], m.frost, src] + argv[1:])
        check(rc == 0, f"{m.name} {argv[0]} exit {rc}: {short(se)}")
        for r in parse_csv(so)[1:]:
            for g in r:
                n += 1
                if not is_shortest(g):
                    bad.append(f"{g} (repr {float(g)!r})")
    check(n > 0, "no numbers printed")
    check(not bad, f"{len(bad)} of {n} not shortest: " + "; ".join(bad[:3]))
    return f"{n} values shortest round-trip"


KEEP_IDS = ["00042", "cust-00042", "a,b", 'say "hi"', "NA", "", " padded ", "ñandú", "None",
            "1e400"]


@test("r9_keep_columns_id", 9)
def t_keep_columns(ctx):
    """--keep-columns id: the id column's raw text first, then the predictions (and with
    --proba the probabilities), rows in input order (6000 rows: several batches)."""
    m = get_model("na_mixed")
    X = na_frame(6000, 15, nan_rate=0.05)
    ids = KEEP_IDS + [f"row-{i:06d}" for i in range(len(KEEP_IDS), len(X))]
    X.insert(3, "id", ids)
    p = ctx.path("rows.csv")
    write_frame(p, X)
    raw = [r[3] for r in parse_csv(open(p, encoding="utf-8").read())[1:]]
    check(raw == ids, "suite premise: ids do not read back")
    df = read_frame(p)
    out = []
    for mode in ("predict", "proba"):
        status, val = sk_call(m, mode, df)
        check(status == "ok", f"suite premise: scikit-learn {mode} raised {val}")
        header, rows = val
        rd = ctx.run_dir()
        o = os.path.join(rd, "out.csv")
        rc, so, se = run_frost(["predict", m.frost, p, "--keep-columns", "id", "-o", o]
                               + (["--proba"] if mode == "proba" else []))
        check(rc == 0, f"{mode}: exit {rc}: {short(se)}")
        got = parse_csv(open(o, encoding="utf-8").read())
        check(got and got[0] == ["id"] + header,
              f"{mode}: header {short(got[0] if got else None, 80)}, expected "
              f"{short(['id'] + header, 80)}")
        body = got[1:]
        check(len(body) == len(ids), f"{mode}: {len(body)} rows, expected {len(ids)}")
        bad_id = [(i, r[0]) for i, r in enumerate(body) if r[0] != ids[i]]
        check(not bad_id, f"{mode}: row {bad_id[0][0] + 1} id {bad_id[0][1]!r}, expected "
              f"{ids[bad_id[0][0]]!r}" if bad_id else "")
        probs = compare_rows([header] + [r[1:] for r in body], header, rows)
        check(not probs, f"{mode}: " + "; ".join(probs[:2]))
        out.append(mode)
    return "id first, in order, predictions equal (" + ", ".join(out) + ")"


@test("r9_threads_identical_output", 9)
def t_threads(ctx):
    """--threads 2 on 50,000 rows gives byte-identical output to --threads 1."""
    m = get_model("na_mixed")
    X = na_frame(50000, 16, nan_rate=0.05)
    p = ctx.path("rows.csv")
    X.to_csv(p, index=False)
    out = []
    for extra in ([], ["--proba"]):
        res = []
        for t in ("1", "2"):
            rd = ctx.run_dir()
            o = os.path.join(rd, "out.csv")
            rc, so, se = run_frost(["predict", m.frost, p, "--threads", t, "-o", o] + extra)
            check(rc == 0, f"--threads {t} {' '.join(extra)}: exit {rc}: {short(se)}")
            with open(o, "rb") as f:
                res.append(f.read())
        n_lines = res[0].count(b"\n")
        check(n_lines == 50001, f"{n_lines} lines, expected 50001")
        check(res[0] == res[1], f"--threads 1 and 2 differ {' '.join(extra)}")
        out.append("predict" + (" --proba" if extra else ""))
    return "identical: " + ", ".join(out)


def enospc(se):
    return "No space left on device" in se


@test("r9_write_error_predict_stdout", 9)
def t_full_predict(ctx):
    m = get_model("lin_ridge")
    p = small_csv(ctx)
    with open("/dev/full", "wb") as full:
        rc, so, se = run_frost(["predict", m.frost, p], stdout=full)
    check(rc == 1 and enospc(se), f"exit {rc}, stderr {short(se, 120)!r}")
    return short(se, 80)


@test("r9_write_error_inspect_stdout", 9)
def t_full_inspect(ctx):
    m = get_model("lin_ridge")
    with open("/dev/full", "wb") as full:
        rc, so, se = run_frost(["inspect", m.frost], stdout=full)
    check(rc == 1 and enospc(se), f"exit {rc}, stderr {short(se, 120)!r}")
    return short(se, 80)


@test("r9_write_error_output_device", 9)
def t_full_o(ctx):
    """-o onto a copy of /dev/full (mknod 1:7 in the test folder): exit 1, ENOSPC named, the
    device left alone."""
    m = get_model("lin_ridge")
    p = small_csv(ctx)
    rd = ctx.run_dir()
    dev = os.path.join(rd, "full")
    if not mknod_char(dev, 1, 7):
        raise Skip("mknod failed (not root?)")
    rc, so, se = run_frost(["predict", m.frost, p, "-o", dev])
    check(is_char_dev(dev, 1, 7), f"the device node was replaced (exit {rc})")
    check(rc == 1 and enospc(se), f"exit {rc}, stderr {short(se, 120)!r}")
    return short(se, 80)


# ---- the runner --------------------------------------------------------------------------------

def run_one(index, name, fn):
    ctx = Ctx(name, index)
    t0 = time.time()
    try:
        detail = fn(ctx) or ""
        return "ok", detail, time.time() - t0
    except Fail as exc:
        return "FAIL", str(exc), time.time() - t0
    except Skip as exc:
        return "skip", str(exc), time.time() - t0
    except Exception:  # noqa: BLE001 — a suite error is a failure, with its line
        tb = traceback.format_exc().strip().splitlines()
        return "FAIL", "suite error: " + short(tb[-1], 200), time.time() - t0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--frost", default="build/frost")
    ap.add_argument("--only", metavar="SUBSTRING", action="append",
                    help="run the tests whose name contains SUBSTRING (repeatable)")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--keep", metavar="DIR", help="keep models, CSVs and outputs in DIR")
    ap.add_argument("--list", action="store_true", help="list the tests and exit")
    args = ap.parse_args()
    if args.list:
        for name, rule, fn in TESTS:
            doc = " ".join((fn.__doc__ or "").split())
            print(f"r{rule} {name}" + (f" — {doc}" if doc else ""))
        return 0
    if not os.access(args.frost, os.X_OK):
        print(f"FAIL setup: {args.frost} is not an executable")
        print(f"{SUMMARY}: 0 passed, 1 failed")
        return 1
    Env.frost = os.path.abspath(args.frost)
    if args.keep:
        os.makedirs(args.keep, exist_ok=True)
        Env.root = os.path.abspath(args.keep)
    else:
        Env.root = tempfile.mkdtemp(prefix="frost-contract.")
    selected = [(n, r, f) for n, r, f in TESTS
                if not args.only or any(s in n for s in args.only)]
    if len({n for n, _, _ in TESTS}) != len(TESTS):
        print("FAIL setup: duplicate test names")
        print(f"{SUMMARY}: 0 passed, 1 failed")
        return 1
    t0 = time.time()
    print(f"note setup: scikit-learn {sklearn.__version__}, pandas {pd.__version__}, numpy "
          f"{np.__version__}, frost {Env.frost}, {len(selected)} tests, {args.jobs} jobs",
          flush=True)
    passed = failed = skipped = 0
    failures = []
    try:
        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            futs = [(n, pool.submit(run_one, i, n, f)) for i, (n, _, f) in enumerate(selected)]
            for name, fut in futs:
                status, detail, secs = fut.result()
                if status == "ok":
                    passed += 1
                elif status == "FAIL":
                    failed += 1
                    failures.append(name)
                else:
                    skipped += 1
                tag = {"ok": "ok  ", "FAIL": "FAIL", "skip": "skip"}[status]
                print(f"{tag} {name}: {detail}" if detail else f"{tag} {name}", flush=True)
    finally:
        if not args.keep:
            shutil.rmtree(Env.root, ignore_errors=True)
    print(f"note {len(selected)} tests in {time.time() - t0:.1f} s: {passed} passed, "
          f"{failed} failed, {skipped} skipped")
    print(f"{SUMMARY}: {passed} passed, {failed} failed", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
