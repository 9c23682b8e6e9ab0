#!/usr/bin/python3
"""parity_hgb.py — HistGradientBoosting and IsolationForest against the real scikit-learn.

HistGradientBoostingClassifier (binary, multi-class; string, int and bool labels) and
HistGradientBoostingRegressor (every loss the installed scikit-learn has: squared_error,
absolute_error, poisson, quantile, and gamma where it exists) are trained with missing values,
categorical features (by index, by mask and by name) and early stopping; IsolationForest with and
without feature subsampling, contamination 'auto' and a fraction. Each model is saved with joblib
(several compressions) and pickle (protocols 2-5), converted with `frost convert` (varied
--compress / --block-size / --top-levels) and compared with scikit-learn on held-out rows, on rows
one float64 ulp either side of split thresholds (HistGradientBoosting compares float64 with
float64), on categories seen and unseen, negative, fractional, beyond 255 and beyond 2^31, on
missing values and infinities, through the lazy path (≤ 16 rows) and the loaded one (thousands):
  - `frost predict`: labels identical / values within 1e-9 (the count of bit-exact ones shown);
  - `frost predict --proba` for classifiers;
  - IsolationForest: predict's -1 / 1, `--score-samples`, and decision_function — through the C
    API's frost_decision_function when libfrost has it, else as frost's score_samples less
    offset_ — and its refusal of NaN, infinity and values beyond float32 (as scikit-learn's
    check_array refuses them), naming the row;
  - numbers that are not bit-exact come from numpy's own SIMD exp / log / pow (scikit-learn
    1.2 computes softmax, the Poisson link, IsolationForest's c(n) and 2 ** x through them), so
    each such check is replayed: scikit-learn's exact raw sums (or path lengths) through the C
    library's functions must give frost's numbers bit for bit ("vs libm").
Files as other versions save them: HistGradientBoosting as 0.2x wrote it (the `threshold` field,
no categorical fields, the loss in `loss_` from its own loss.py), as 1.3+ writes it (intp
feature_idx, a (1, k) baseline, `_preprocessor` None, a numpy Generator), and as 1.4+ writes a
categorical model (its `_preprocessor`: refused, "not supported yet"); GradientBoosting as 1.4+
writes it (the sklearn._loss objects in `_loss`: binary predict by the sign, multi-class
probabilities through extmath.softmax).

    /usr/bin/python3 tests/parity/parity_hgb.py [--frost build/frost] [--only SUBSTRING]
                                                [--keep DIR]

Prints one line per check ("ok   …", "FAIL …", "note …") and ends with exactly
"parity-hgb: N passed, M failed"; exits 1 on any failure.
"""
import argparse
import copy
import csv
import ctypes
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
import types
import warnings

# HistGradientBoosting fits with OpenMP; on a small shared machine one thread is several times
# faster (and its predictions are the same: rows are independent, sums in a fixed order)
os.environ.setdefault("OMP_NUM_THREADS", "1")

try:
    import numpy as np
    import joblib
    import pandas as pd
    import sklearn
    from scipy.special import expit
    from sklearn._loss import loss as sk_loss
    from sklearn.ensemble import (GradientBoostingClassifier, GradientBoostingRegressor,
                                  HistGradientBoostingClassifier, HistGradientBoostingRegressor,
                                  IsolationForest)
    from sklearn.ensemble._iforest import _average_path_length
except ImportError as exc:  # the stage must fail loudly, not pass vacuously
    print(f"FAIL setup: {exc} (run with Debian's /usr/bin/python3: python3-sklearn)")
    print("parity-hgb: 0 passed, 1 failed")
    sys.exit(1)

warnings.filterwarnings("ignore")
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pylib"))
from frost_numbers import bits, close, label_text, pairwise, shortest  # noqa: E402

SUMMARY = "parity-hgb"
SKV = sklearn.__version__
F32_MAX = float(np.finfo(np.float32).max)
CONTAINERS = ["joblib", "joblib-zlib", "joblib-gzip", "joblib-bz2", "joblib-xz", "joblib-lz4",
              "pickle-2", "pickle-3", "pickle-4", "pickle-5"]
CONVERT_OPTS = [[], ["--compress", "lz4"], ["--block-size", "8192"], ["--top-levels", "1"],
                ["--top-levels", "8", "--compress", "lz4"], ["--block-size", "65536"]]
IO_MODES = ["auto", "pread", "mmap"]
# the values a categorical split reads as scikit-learn's <uint8_t> cast does on x86-64
ODD_CATEGORIES = [-0.0, -1.0, -1e-300, 0.5, 2.999999, 255.0, 256.0, 257.5, 300.0, 511.0,
                  2147483647.0, 2147483648.0, 4294967297.0, 1e300, math.inf, -math.inf,
                  math.nan]


# ---- data -------------------------------------------------------------------------------------

def base_data(n, seed, n_cat=2, n_num=4, nan_frac=0.08):
    """A frame of categorical (small ints) and numeric columns with missing values."""
    rng = np.random.RandomState(seed)
    cols = {}
    for j in range(n_cat):
        cols[f"cat{j}"] = rng.randint(0, 6 + 9 * j, n).astype(float)
    for j in range(n_num):
        v = rng.randn(n) * (10 ** (j - 1))
        if j == 3:
            v = np.round(v, 1)  # many ties: thresholds between repeated values
        cols[f"num{j}"] = v
    X = pd.DataFrame(cols)
    for c in X.columns:
        m = rng.rand(n) < nan_frac
        X.loc[m, c] = np.nan
    return X


def target(X, kind, seed):
    rng = np.random.RandomState(seed)
    a = np.nan_to_num(X["num0"].to_numpy()) + 0.3 * np.nan_to_num(X["num1"].to_numpy())
    c = np.nan_to_num((X["cat0"] if "cat0" in X else (X["num2"] * 3).round()).to_numpy(), nan=7)
    s = a + (c % 3 == 1) * 1.5 - (c == 4) + 0.3 * rng.randn(len(X))
    if kind == "binary":
        return np.where(s > 0.2, "yes", "no")
    if kind == "multi":
        return np.digitize(s, [-1.0, 0.0, 0.8, 1.6]) * 10 - 5   # ints -5, 5, ..., 35
    if kind == "bool":
        return s > 0
    if kind == "positive":
        return np.exp(0.5 * s) + rng.gamma(2.0, 0.3, len(X))
    return s * 3 + 7


# ---- the cases --------------------------------------------------------------------------------

class Case:
    def __init__(self, name, make, y, frame=False, n_cat=2, n_num=4, n=1500, iso=False,
                 big=False):
        self.name, self.make, self.y, self.frame = name, make, y, frame
        self.n_cat, self.n_num, self.n, self.iso, self.big = n_cat, n_num, n, iso, big


def hgb_losses():
    """The regression losses of the installed HistGradientBoostingRegressor."""
    want = ["squared_error", "absolute_error", "poisson", "quantile", "gamma"]
    try:
        allowed = HistGradientBoostingRegressor._parameter_constraints["loss"][0].options
        return [w for w in want if w in allowed]
    except (AttributeError, KeyError, IndexError, TypeError):
        return want[:4]


def cases():
    HC, HR = HistGradientBoostingClassifier, HistGradientBoostingRegressor
    C = [
        Case("hgb_binary_cat_nan", lambda: HC(categorical_features=[0, 1], max_iter=60,
                                               random_state=0), "binary"),
        Case("hgb_binary_names_early_stop", lambda: HC(categorical_features=["cat0"],
                                                        early_stopping=True,
                                                        n_iter_no_change=5, max_iter=200,
                                                        validation_fraction=0.2,
                                                        random_state=1), "bool", frame=True),
        Case("hgb_multi_cat_mask", lambda: HC(categorical_features=[False, True, False, False,
                                                                    False, False],
                                              max_iter=25, max_leaf_nodes=15, random_state=2),
             "multi", n_cat=2, n_num=4),
        Case("hgb_multi_nocat_l2", lambda: HC(max_iter=30, l2_regularization=1.0,
                                              max_bins=31, random_state=3), "multi", n_cat=0),
        Case("hgb_binary_big_leaves", lambda: HC(max_iter=40, max_leaf_nodes=255,
                                                 min_samples_leaf=2, random_state=4),
             "binary", n=6000, big=True),
    ]
    for k, loss in enumerate(hgb_losses()):
        kw = {"quantile": 0.8} if loss == "quantile" else {}
        y = "positive" if loss in ("poisson", "gamma") else "reg"
        C.append(Case(f"hgb_reg_{loss}", lambda loss=loss, kw=kw, k=k: HR(
            loss=loss, categorical_features=[0], max_iter=50, random_state=10 + k, **kw), y,
            frame=(k % 2 == 1)))
    C += [
        Case("hgb_reg_monotonic", lambda: HR(monotonic_cst=[0, 0, 1, -1, 0, 0], max_iter=40,
                                             random_state=20), "reg"),
        Case("iforest_default", lambda: IsolationForest(random_state=0), None, n_cat=0,
             iso=True),
        Case("iforest_subsample_names", lambda: IsolationForest(
            n_estimators=60, max_features=0.5, max_samples=128, contamination=0.1,
            random_state=1), None, frame=True, n_cat=0, n_num=6, iso=True),
        Case("iforest_bootstrap_int_features", lambda: IsolationForest(
            n_estimators=30, max_features=3, bootstrap=True, max_samples=0.5,
            contamination=0.05, random_state=2), None, n_cat=1, n_num=5, iso=True, n=800),
    ]
    return C


# ---- containers, CSV --------------------------------------------------------------------------

def dump(obj, path, container):
    if container.startswith("pickle-"):
        with open(path, "wb") as f:
            pickle.dump(obj, f, protocol=int(container.split("-")[1]))
        return
    comp = {"joblib": 0, "joblib-zlib": 3, "joblib-gzip": ("gzip", 3), "joblib-bz2": ("bz2", 3),
            "joblib-xz": ("xz", 3), "joblib-lz4": ("lz4", 3)}[container]
    joblib.dump(obj, path, compress=comp)


def cell(v):
    if isinstance(v, float) and math.isnan(v):
        return ""
    return repr(float(v))


def write_csv(path, header, X):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        for row in X:
            w.writerow([cell(float(v)) for v in row])


def read_csv_text(text):
    return list(csv.reader(io.StringIO(text, newline="")))


# ---- probe rows -------------------------------------------------------------------------------

def hgb_nodes(est):
    for it in est._predictors:
        for p in it:
            yield p


def hgb_probe_rows(est, base, rng, n_max=120):
    """Rows whose value at a split's feature is its float64 threshold or one ulp either side;
    rows with odd values in categorical features."""
    rows = []
    preds = list(hgb_nodes(est))
    picks = rng.choice(len(preds), size=min(len(preds), 30), replace=False)
    for pi in picks:
        nodes = preds[pi].nodes
        splits = np.nonzero((nodes["is_leaf"] == 0) & (nodes["is_categorical"] == 0))[0]
        for n in splits[:4]:
            f, t = int(nodes["feature_idx"][n]), float(nodes["num_threshold"][n])
            for v in (t, np.nextafter(t, np.inf), np.nextafter(t, -np.inf),
                      float(np.float32(t))):
                r = base[rng.randint(len(base))].copy()
                r[f] = v
                rows.append(r)
    cat = np.flatnonzero(est.is_categorical_) if est.is_categorical_ is not None else []
    for f in cat:
        for v in ODD_CATEGORIES + [float(c) for c in range(0, 40, 3)]:
            r = base[rng.randint(len(base))].copy()
            r[f] = v
            rows.append(r)
    for v in (math.inf, -math.inf, 1e300, -1e300, math.nan, 5e-324):
        r = base[rng.randint(len(base))].copy()
        r[rng.randint(len(r))] = v
        rows.append(r)
    rows.append(np.full(len(base[0]), np.nan))
    rng.shuffle(rows)
    return np.array(rows[:n_max] if len(rows) > n_max else rows)


def iso_probe_rows(est, base, rng, n_max=80):
    """Rows at float32 thresholds of the extra trees (their features mapped back) and around."""
    rows = []
    for t, (tree, feats) in enumerate(zip(est.estimators_, est.estimators_features_)):
        if t % 7:
            continue
        tr = tree.tree_
        for n in np.nonzero(tr.children_left >= 0)[0][:6]:
            f = int(feats[tr.feature[n]]) if est._max_features != base.shape[1] \
                else int(tr.feature[n])
            th = float(tr.threshold[n])
            f32 = float(np.float32(th))
            for v in (th, f32, float(np.nextafter(np.float32(th), np.float32(np.inf)))):
                r = base[rng.randint(len(base))].copy()
                r[f] = v
                rows.append(r)
    rng.shuffle(rows)
    return np.array(rows[:n_max])


# ---- the runner -------------------------------------------------------------------------------

class Runner:
    def __init__(self, args, tmp):
        self.frost = os.path.abspath(args.frost)
        self.tmp = tmp
        self.passed = self.failed = 0
        self.values = self.exact = 0
        self.inexact = []
        self.lib = load_lib(self.frost)

    def run(self, argv, timeout=120):
        p = subprocess.run([self.frost] + argv, capture_output=True, timeout=timeout)
        return p.returncode, p.stdout.decode("utf-8", "replace"), \
            p.stderr.decode("utf-8", "replace")

    def emit(self, status, name, detail=""):
        if status == "ok":
            self.passed += 1
        elif status == "FAIL":
            self.failed += 1
        tag = {"ok": "ok  ", "FAIL": "FAIL", "note": "note", "skip": "skip"}[status]
        print(f"{tag} {name}" + (f": {detail}" if detail else ""), flush=True)


def load_lib(frost):
    """libfrost.so beside the CLI, for what the CLI does not print (decision_function)."""
    path = os.path.join(os.path.dirname(frost), "libfrost.so")
    try:
        lib = ctypes.CDLL(path)
    except OSError:
        return None
    lib.frost_open.argtypes = [ctypes.c_char_p, ctypes.c_void_p, ctypes.POINTER(ctypes.c_void_p)]
    lib.frost_close.argtypes = [ctypes.c_void_p]
    lib.frost_errmsg.argtypes = [ctypes.c_void_p]
    lib.frost_errmsg.restype = ctypes.c_char_p
    return lib


def c_call(lib, fn_name, model_path, X, width):
    """One libfrost scoring call on a matrix: the outputs, or raises."""
    fn = getattr(lib, fn_name)
    fn.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_double), ctypes.c_size_t,
                   ctypes.POINTER(ctypes.c_double)]
    m = ctypes.c_void_p()
    if lib.frost_open(model_path.encode(), None, ctypes.byref(m)) != 0:
        raise RuntimeError(lib.frost_errmsg(None).decode())
    try:
        Xc = np.ascontiguousarray(X, dtype=np.float64)
        out = np.empty(len(X) * width)
        rc = fn(m, Xc.ctypes.data_as(ctypes.POINTER(ctypes.c_double)), len(X),
                out.ctypes.data_as(ctypes.POINTER(ctypes.c_double)))
        if rc != 0:
            raise RuntimeError(lib.frost_errmsg(m).decode())
        return out
    finally:
        lib.frost_close(m)


def compare(R, check, text, header, rows, kinds):
    """frost's CSV against the expected header and rows (kinds: 'label' or 'num' per column);
    records bit-exact counts. Returns (ok, detail)."""
    got = read_csv_text(text)
    if not got:
        return False, "empty output"
    if got[0] != header:
        return False, f"header {got[0]!r}, expected {header!r}"
    body = got[1:]
    if len(body) != len(rows):
        return False, f"{len(body)} rows, expected {len(rows)}"
    n_vals = n_exact = 0
    worst = 0.0
    bad = []
    for r, (g_row, e_row) in enumerate(zip(body, rows)):
        for j, (g, e) in enumerate(zip(g_row, e_row)):
            if kinds[j] == "label":
                if g != label_text(e):
                    bad.append(f"row {r} col {j}: got {g!r}, expected {label_text(e)!r}")
                continue
            n_vals += 1
            gv, ev = float(g), float(e)
            if g != shortest(gv):
                bad.append(f"row {r}: {g!r} is not the shortest round trip")
            if bits(gv) == bits(ev) or gv == ev or (math.isnan(gv) and math.isnan(ev)):
                n_exact += 1
            elif close(gv, ev):
                worst = max(worst, abs(gv - ev) / max(1.0, abs(ev)))
            else:
                bad.append(f"row {r} col {j}: got {g}, expected {ev!r}")
    R.values += n_vals
    R.exact += n_exact
    if n_exact < n_vals:
        R.inexact.append((check, n_vals - n_exact, worst))
    if bad:
        return False, f"{len(bad)} mismatches; first: " + "; ".join(bad[:3])
    d = f"{len(body)} rows"
    if n_vals:
        d += f", {n_exact}/{n_vals} bit-exact"
        if n_exact < n_vals:
            d += f" (max rel diff {worst:.3g})"
    return True, d


def bit_compare(text, expected):
    """frost's numbers against a libm replay, bit for bit: (ok, detail)."""
    body = read_csv_text(text)[1:]
    got = np.array([[float(v) for v in r] for r in body])
    exp = np.asarray(expected, dtype=np.float64).reshape(got.shape)
    same = (got.view(np.int64) == exp.view(np.int64)) | (np.isnan(got) & np.isnan(exp)) | \
        (got == exp)
    n = int(same.sum())
    return n == same.size, f"{n}/{same.size} bit-exact"


# ---- the libm replays -------------------------------------------------------------------------

def libm_softmax(raw):
    out = []
    for r in raw:
        m = max(r)
        e = [math.exp(v - m) for v in r]
        s = pairwise(e)
        out.append([v / s for v in e])
    return out


def libm_apl(n):
    if n <= 1:
        return 0.0
    if n == 2:
        return 1.0
    return 2.0 * (math.log(n - 1.0) + np.euler_gamma) - 2.0 * (n - 1.0) / n


def iso_libm_scores(est, X):
    """IsolationForest.score_samples with the C library's log and pow (scikit-learn's sums)."""
    X32 = X.astype(np.float32)
    sub = est._max_features != X.shape[1]
    depths = np.zeros(len(X))
    for tree, feats in zip(est.estimators_, est.estimators_features_):
        Xs = X32[:, feats] if sub else X32
        leaves = tree.apply(Xs)
        path = np.ravel(tree.decision_path(Xs).sum(axis=1))
        n_leaf = tree.tree_.n_node_samples[leaves]
        depths += np.array([float(p) + libm_apl(int(k)) - 1.0 for p, k in zip(path, n_leaf)])
    denom = len(est.estimators_) * libm_apl(int(est.max_samples_))
    return [-math.pow(2.0, -(d / denom)) if denom != 0 else -0.5 for d in depths]


# ---- one case ---------------------------------------------------------------------------------

def prepare(case, i):
    X = base_data(case.n, 100 + i, case.n_cat, case.n_num)
    if case.iso:
        X = X.fillna(X.median())
    names = list(X.columns)
    n_tr = int(len(X) * 0.75)
    Xtr, Xte = X.iloc[:n_tr], X.iloc[n_tr:].to_numpy()
    est = case.make()
    if case.y is None:
        est.fit(Xtr if case.frame else Xtr.to_numpy())
    else:
        y = target(X, case.y, i)[:n_tr]
        est.fit(Xtr if case.frame else Xtr.to_numpy(), y)
    rng = np.random.RandomState(i)
    probes = iso_probe_rows(est, Xte, rng) if case.iso else hgb_probe_rows(est, Xte, rng)
    rows = np.vstack([Xte[:250], probes])
    if case.big:
        rows = np.vstack([rows] * 25)   # several of the runtime's batches
    lazy = np.vstack([probes[:6], Xte[:6]])
    return est, names, rows, lazy


def expected(case, est, names, X):
    Xs = pd.DataFrame(X, columns=names) if case.frame else X
    out = {"pred": est.predict(Xs)}
    if case.iso:
        out["score"] = est.score_samples(Xs)
        out["decision"] = est.decision_function(Xs)
    elif hasattr(est, "predict_proba"):
        out["proba"] = est.predict_proba(Xs)
    return out


def replays(case, est, names, X):
    """The libm replays of what numpy's SIMD functions compute: {what: expected values}."""
    out = {}
    if case.iso:
        out["score"] = iso_libm_scores(est, X)
        return out
    raw = est._raw_predict(pd.DataFrame(X, columns=names) if case.frame else X)
    if isinstance(est, HistGradientBoostingClassifier) and raw.shape[1] > 1:
        out["proba"] = libm_softmax(raw)
    if isinstance(est, HistGradientBoostingRegressor) and case.y == "positive":
        out["pred"] = [[math.exp(v)] for v in raw[:, 0]]
    return out


def run_case(R, case, i):
    est, names, rows, lazy = prepare(case, i)
    header_in = names if case.frame else [f"x{j}" for j in range(len(names))]
    cdir = os.path.join(R.tmp, case.name)
    os.makedirs(cdir, exist_ok=True)
    rows_csv, lazy_csv = os.path.join(cdir, "rows.csv"), os.path.join(cdir, "lazy.csv")
    if case.iso:
        # IsolationForest refuses NaN and infinities (check_array) and float32 overflow (its
        # trees): those rows are checked apart
        ok_rows = np.isfinite(rows).all(axis=1) & (np.abs(rows) < 3.4028235677973366e38).all(1)
        rows = rows[ok_rows]
        lazy = lazy[np.isfinite(lazy).all(axis=1)]
    write_csv(rows_csv, header_in, rows)
    write_csv(lazy_csv, header_in, lazy)
    exp_full, exp_lazy = expected(case, est, names, rows), expected(case, est, names, lazy)
    libm_full = replays(case, est, names, rows)
    clf = hasattr(est, "classes_")
    for j, cont in enumerate([CONTAINERS[i % len(CONTAINERS)],
                              CONTAINERS[(3 * i + 4) % len(CONTAINERS)]]):
        opts = CONVERT_OPTS[(i + j) % len(CONVERT_OPTS)]
        io_mode = IO_MODES[(i + j) % len(IO_MODES)]
        tag = f"{case.name} [{cont}{' ' + ' '.join(opts) if opts else ''}, --io {io_mode}]"
        src = os.path.join(cdir, f"model{j}.{cont}")
        dump(est, src, cont)
        model = os.path.join(cdir, f"model{j}.frost")
        rc, so, se = R.run(["convert", src, model, "--quiet"] + opts)
        if rc != 0:
            R.emit("FAIL", f"{tag} convert", f"exit {rc}: {se.strip()[:300]}")
            continue
        R.emit("ok", f"{tag} convert", f"{os.path.getsize(src)} -> {os.path.getsize(model)} "
               "bytes")
        rc, so, se = R.run(["verify", model])
        R.emit("ok" if rc == 0 else "FAIL", f"{tag} verify", se.strip()[:200])
        rc, so, se = R.run(["inspect", model])
        want = type(est).__name__
        R.emit("ok" if rc == 0 and want in so and "format     1.3" in so else "FAIL",
               f"{tag} inspect", "" if rc == 0 else se.strip()[:200])
        for what, csvp, exp, extra in (("predict", rows_csv, exp_full, []),
                                       ("predict (lazy)", lazy_csv, exp_lazy, []),
                                       ("predict --threads 1", rows_csv, exp_full,
                                        ["--threads", "1"])):
            rc, so, se = R.run(["predict", model, csvp, "--io", io_mode] + extra)
            if rc != 0:
                R.emit("FAIL", f"{tag} {what}", f"exit {rc}: {se.strip()[:300]}")
                continue
            if clf or case.iso:
                table = [[v] for v in exp["pred"]], ["label"]
            else:
                table = [[float(v)] for v in exp["pred"]], ["num"]
            ok, d = compare(R, f"{tag} {what}", so, ["prediction"], *table)
            R.emit("ok" if ok else "FAIL", f"{tag} {what}", d)
            if what == "predict" and "pred" in libm_full:
                ok, d = bit_compare(so, libm_full["pred"])
                R.emit("ok" if ok else "FAIL", f"{tag} {what} vs libm exp", d)
        if "proba" in exp_full:
            for what, csvp, exp in (("predict --proba", rows_csv, exp_full),
                                    ("predict --proba (lazy)", lazy_csv, exp_lazy)):
                rc, so, se = R.run(["predict", model, csvp, "--proba", "--io", io_mode])
                if rc != 0:
                    R.emit("FAIL", f"{tag} {what}", f"exit {rc}: {se.strip()[:300]}")
                    continue
                header = [label_text(c) for c in est.classes_]
                P = exp["proba"]
                ok, d = compare(R, f"{tag} {what}", so, header,
                                [[float(v) for v in r] for r in P], ["num"] * P.shape[1])
                R.emit("ok" if ok else "FAIL", f"{tag} {what}", d)
                if what == "predict --proba" and "proba" in libm_full:
                    ok, d = bit_compare(so, libm_full["proba"])
                    R.emit("ok" if ok else "FAIL", f"{tag} {what} vs libm softmax", d)
        if case.iso:
            iso_outputs(R, tag, est, model, rows_csv, lazy_csv, rows, exp_full, exp_lazy,
                        libm_full, io_mode)
            if j == 0:
                iso_refusals(R, tag, est, names, header_in, model, rows, cdir)
        if j == 0 and not case.iso:
            rc, so, se = R.run(["predict", model, rows_csv, "--score-samples"])
            R.emit("ok" if rc == 2 and not so else "FAIL",
                   f"{tag} --score-samples refused (no score_samples)", f"exit {rc}")
    if not R.keep:
        shutil.rmtree(cdir, ignore_errors=True)


def iso_outputs(R, tag, est, model, rows_csv, lazy_csv, rows, exp_full, exp_lazy, libm, io_mode):
    for what, csvp, exp in (("--score-samples", rows_csv, exp_full),
                            ("--score-samples (lazy)", lazy_csv, exp_lazy)):
        rc, so, se = R.run(["predict", model, csvp, "--score-samples", "--io", io_mode])
        if rc != 0:
            R.emit("FAIL", f"{tag} {what}", f"exit {rc}: {se.strip()[:300]}")
            continue
        ok, d = compare(R, f"{tag} {what}", so, ["score_samples"],
                        [[float(v)] for v in exp["score"]], ["num"])
        R.emit("ok" if ok else "FAIL", f"{tag} {what}", d)
        if what == "--score-samples":
            ok, d = bit_compare(so, [[v] for v in libm["score"]])
            R.emit("ok" if ok else "FAIL", f"{tag} {what} vs libm log and pow", d)
            scores = np.array([float(r[0]) for r in read_csv_text(so)[1:]])
    # decision_function: the C API's when libfrost has it, else score_samples less offset_
    if R.lib is not None and hasattr(R.lib, "frost_decision_function"):
        try:
            dec = c_call(R.lib, "frost_decision_function", model, rows, 1)
            how = "frost_decision_function"
        except RuntimeError as e:
            R.emit("FAIL", f"{tag} decision_function", str(e))
            return
    else:
        dec = scores - est.offset_
        how = "score_samples - offset_ (libfrost has no frost_decision_function)"
    n_exact = int(((dec == exp_full["decision"]) | (dec.view(np.int64) == exp_full[
        "decision"].view(np.int64))).sum())
    ok = all(close(float(a), float(b)) for a, b in zip(dec, exp_full["decision"]))
    R.emit("ok" if ok else "FAIL", f"{tag} decision_function ({how})",
           f"{len(dec)} rows, {n_exact}/{len(dec)} bit-exact")
    if R.lib is not None:
        sc = c_call(R.lib, "frost_score_samples", model, rows, 1)
        ok = (sc.view(np.int64) == scores.view(np.int64)).all()
        R.emit("ok" if ok else "FAIL", f"{tag} frost_score_samples (C API) = the CLI's",
               f"{len(sc)} rows")


def iso_refusals(R, tag, est, names, header_in, model, rows, cdir):
    """NaN, infinity and float32 overflow: scikit-learn raises, frost exits 1 naming the row."""
    for k, bad in enumerate([math.nan, math.inf, -math.inf, 1e39]):
        X = rows[:5].copy()
        X[3, k % X.shape[1]] = bad
        path = os.path.join(cdir, f"refuse{k}.csv")
        write_csv(path, header_in, X)
        try:
            est.predict(pd.DataFrame(X, columns=names) if hasattr(est, "feature_names_in_")
                        else X)
            sk = "answers"
        except ValueError:
            sk = "refuses"
        rc, so, se = R.run(["predict", model, path])
        rc2, _, se2 = R.run(["predict", model, path, "--score-samples"])
        ok = sk == "refuses" and rc == 1 and rc2 == 1 and "row 4" in se and "row 4" in se2
        R.emit("ok" if ok else "FAIL", f"{tag} refuses {bad!r} as scikit-learn does",
               f"sklearn {sk}; frost exit {rc}/{rc2}: {se.strip()[:150]}")


# ---- files as other versions save them ---------------------------------------------------------

OLD_HGB_LOSS = "sklearn.ensemble._hist_gradient_boosting.loss"


def stand_in(module, name):
    """A class that pickles as module.name (attributes only)."""
    mod = sys.modules.setdefault(module, types.ModuleType(module))
    cls = getattr(mod, name, None)
    if cls is None:
        cls = type(name, (object,), {"__module__": module})
        setattr(mod, name, cls)
    return cls


def as_old_hgb(est):
    """The model as scikit-learn 0.2x wrote it: nodes with `threshold` and without the
    categorical fields, the loss in `loss_` (an object of its own loss.py), bin_mapper_."""
    m = copy.deepcopy(est)
    old_names = {"HalfSquaredError": "LeastSquares", "AbsoluteError": "LeastAbsoluteDeviation",
                 "HalfPoissonLoss": "Poisson", "HalfBinomialLoss": "BinaryCrossEntropy",
                 "HalfMultinomialLoss": "CategoricalCrossEntropy"}
    m.loss_ = stand_in(OLD_HGB_LOSS, old_names[type(est._loss).__name__])()
    del m._loss
    m.bin_mapper_ = m._bin_mapper
    del m._bin_mapper
    m.n_features_ = m._n_features
    m.is_categorical_ = None
    m._sklearn_version = "0.23.2"
    dt = np.dtype([("value", "<f8"), ("count", "<u4"), ("feature_idx", "<u4"),
                   ("threshold", "<f8"), ("missing_go_to_left", "u1"), ("left", "<u4"),
                   ("right", "<u4"), ("gain", "<f8"), ("depth", "<u4"), ("is_leaf", "u1"),
                   ("bin_threshold", "u1")])
    for it in m._predictors:
        for p in it:
            old = np.zeros(len(p.nodes), dtype=dt)
            for f in dt.names:
                old[f] = p.nodes["num_threshold" if f == "threshold" else f]
            p.nodes = old
            del p.binned_left_cat_bitsets, p.raw_left_cat_bitsets
    m._baseline_prediction = m._baseline_prediction.reshape(-1, 1)   # (k, 1) before 1.0
    return m


def as_new_hgb(est):
    """The model as scikit-learn 1.3+ writes it: intp feature_idx, (1, k) baseline, a numpy
    Generator, `_preprocessor` None."""
    m = copy.deepcopy(est)
    m._sklearn_version = "1.4.2"
    m._preprocessor = None
    m._feature_subsample_rng = np.random.default_rng(7)
    m._baseline_prediction = m._baseline_prediction.reshape(1, -1)
    for it in m._predictors:
        for p in it:
            dt = [(n, np.intp if n == "feature_idx" else p.nodes.dtype[n])
                  for n in p.nodes.dtype.names]
            new = np.zeros(len(p.nodes), dtype=dt)
            for f in p.nodes.dtype.names:
                new[f] = p.nodes[f]
            p.nodes = new
    return m


def as_new_gb(est):
    """A GradientBoosting model as scikit-learn 1.4+ writes it: the sklearn._loss object in
    `_loss` (1.2 keeps its _gb_losses object there; loss_ is a property reading it)."""
    m = copy.deepcopy(est)
    name = type(est.loss_).__name__
    if name == "BinomialDeviance":
        m._loss = sk_loss.HalfBinomialLoss()
    elif name == "MultinomialDeviance":
        m._loss = sk_loss.HalfMultinomialLoss(n_classes=len(est.classes_))
    elif name == "LeastSquaresError":
        m._loss = sk_loss.HalfSquaredError()
    elif name == "QuantileLossFunction":
        m._loss = sk_loss.PinballLoss(quantile=est.alpha)
    elif name == "HuberLossFunction":
        # sklearn._loss.loss.HuberLoss came with 1.3: a stand-in of that name, its attributes
        huber = getattr(sk_loss, "HuberLoss", None) or stand_in("sklearn._loss.loss", "HuberLoss")
        m._loss = huber()
        m._loss.quantile = est.alpha
    else:
        m._loss = sk_loss.AbsoluteError()
    m._sklearn_version = "1.4.2"
    return m


def gb_new_expected(est, X):
    """What scikit-learn 1.4+ answers for as_new_gb(est): the same raw sums from an init
    through the _loss link (logit; log(p / gmean(p))), binary predict by the sign of the raw
    score, multi-class probabilities through extmath.softmax (replayed with the C library)."""
    X32 = X.astype(np.float32)
    K = est.estimators_.shape[1]
    if hasattr(est, "classes_"):
        eps = np.finfo(np.float32).eps
        p = np.clip(est.init_.predict_proba(X32[:1]), eps, 1 - eps)[0]
        if K == 1:
            init = [math.log(p[1] / (1 - p[1]))]
        else:
            gm = math.exp(sum(math.log(v) for v in p) / len(p))
            init = [math.log(v / gm) for v in p]
    else:
        init = [float(est.init_.constant_.ravel()[0])]
    raw = np.tile(np.array(init), (len(X), 1))
    for i in range(est.estimators_.shape[0]):
        for k in range(K):
            raw[:, k] += est.learning_rate * est.estimators_[i, k].tree_.predict(X32)[:, 0]
    if not hasattr(est, "classes_"):
        return {"pred": raw[:, 0]}
    if K == 1:
        p1 = expit(raw[:, 0])
        return {"pred": est.classes_[(raw[:, 0] >= 0).astype(int)],
                "proba": np.c_[1 - p1, p1]}
    return {"pred": est.classes_[np.argmax(raw, axis=1)], "proba": np.array(libm_softmax(raw))}


def version_checks(R):
    """HistGradientBoosting as 0.2x and 1.3+ save it, a 1.4+ categorical one (refused), and
    GradientBoosting as 1.4+ saves it."""
    d = os.path.join(R.tmp, "versions")
    os.makedirs(d, exist_ok=True)
    X = base_data(900, 7, n_cat=0, n_num=5)
    n_tr = 600
    Xtr, Xte = X.iloc[:n_tr].to_numpy(), X.iloc[n_tr:].to_numpy()
    items = []
    for k, (name, est, y) in enumerate([
            ("binary", HistGradientBoostingClassifier(max_iter=20, random_state=0), "binary"),
            ("multi", HistGradientBoostingClassifier(max_iter=15, random_state=0), "multi"),
            ("poisson", HistGradientBoostingRegressor(loss="poisson", max_iter=20,
                                                      random_state=0), "positive")]):
        est.fit(Xtr, target(X, y, k)[:n_tr])
        exp = {"pred": est.predict(Xte)}
        if hasattr(est, "predict_proba"):
            exp["proba"] = est.predict_proba(Xte)
        raw = est._raw_predict(Xte)
        if y == "multi":
            # CategoricalCrossEntropy (< 1.1): exp(raw - logsumexp(raw))
            lse = [max(r) + math.log(pairwise([math.exp(v - max(r)) for v in r])) for r in raw]
            old = {"pred": exp["pred"], "proba": np.array(
                [[math.exp(v - s) for v in r] for r, s in zip(raw, lse)])}
        else:
            old = exp
        items.append((f"HGB {name} as 0.23 saves it", as_old_hgb(est), old))
        items.append((f"HGB {name} as 1.4 saves it", as_new_hgb(est), exp))
    Xg = np.nan_to_num(Xtr)
    Xge = np.nan_to_num(Xte)
    for name, est, y in [
            ("binary", GradientBoostingClassifier(n_estimators=25, random_state=0), "binary"),
            ("multi", GradientBoostingClassifier(n_estimators=10, random_state=0), "multi"),
            ("squared_error", GradientBoostingRegressor(n_estimators=20, random_state=0), "reg"),
            ("huber", GradientBoostingRegressor(loss="huber", n_estimators=15, random_state=0),
             "reg"),
            ("quantile", GradientBoostingRegressor(loss="quantile", alpha=0.3, n_estimators=15,
                                                   random_state=0), "reg")]:
        est.fit(Xg, target(X, y, 3)[:n_tr])
        items.append((f"GradientBoosting {name} as 1.4 saves it", as_new_gb(est),
                      gb_new_expected(est, Xge)))
    rows_csv = os.path.join(d, "rows.csv")
    grows_csv = os.path.join(d, "grows.csv")
    write_csv(rows_csv, [f"x{j}" for j in range(Xte.shape[1])], Xte)
    write_csv(grows_csv, [f"x{j}" for j in range(Xge.shape[1])], Xge)
    for k, (what, obj, exp) in enumerate(items):
        src = os.path.join(d, f"v{k}.pkl")
        dump(obj, src, CONTAINERS[(k * 3) % len(CONTAINERS)])
        dst = os.path.join(d, f"v{k}.frost")
        rc, so, se = R.run(["convert", src, dst, "--quiet"])
        if rc != 0:
            R.emit("FAIL", f"{what}: convert", f"exit {rc}: {se.strip()[:300]}")
            continue
        csvp = grows_csv if what.startswith("GradientBoosting") else rows_csv
        rc, so, se = R.run(["predict", dst, csvp])
        clf = "proba" in exp
        table = ([[v] for v in exp["pred"]], ["label"]) if clf else \
            ([[float(v)] for v in exp["pred"]], ["num"])
        ok, dd = compare(R, f"{what} predict", so, ["prediction"], *table) if rc == 0 else \
            (False, f"exit {rc}: {se.strip()[:200]}")
        R.emit("ok" if ok else "FAIL", f"{what}: predict", dd)
        if clf:
            rc, so, se = R.run(["predict", dst, csvp, "--proba"])
            P = exp["proba"]
            header = so.split("\n", 1)[0].split(",") if rc == 0 else []
            ok, dd = compare(R, f"{what} --proba", so, header, [[float(v) for v in r] for r in P],
                             ["num"] * P.shape[1]) if rc == 0 else (False, se.strip()[:200])
            R.emit("ok" if ok else "FAIL", f"{what}: predict --proba", dd)
    # a categorical HistGradientBoosting as 1.4+ saves it: categories through an OrdinalEncoder
    # held in _preprocessor, which frost does not convert yet
    est = HistGradientBoostingClassifier(categorical_features=[0], max_iter=5).fit(
        base_data(300, 3).to_numpy(), target(base_data(300, 3), "binary", 0))
    m = as_new_hgb(est)
    from sklearn.preprocessing import OrdinalEncoder
    m._preprocessor = OrdinalEncoder().fit([[0.0], [1.0]])
    src, dst = os.path.join(d, "pre.joblib"), os.path.join(d, "pre.frost")
    joblib.dump(m, src)
    rc, so, se = R.run(["convert", src, dst])
    ok = rc == 1 and "not supported yet" in se and "_preprocessor" in se and \
        not os.path.exists(dst)
    R.emit("ok" if ok else "FAIL", "HGB with categories as 1.4 saves it: refused, no file",
           f"exit {rc}: {se.strip()[:200]}")


# ---- main -------------------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--frost", default="build/frost")
    ap.add_argument("--only", metavar="SUBSTRING")
    ap.add_argument("--keep", metavar="DIR")
    ap.add_argument("--jobs", type=int, default=1, help="accepted for symmetry; unused")
    args = ap.parse_args()
    if not os.access(args.frost, os.X_OK):
        print(f"FAIL setup: {args.frost} is not an executable")
        print(f"{SUMMARY}: 0 passed, 1 failed")
        return 1
    tmp = os.path.abspath(args.keep) if args.keep else tempfile.mkdtemp(prefix="frost-hgb-")
    os.makedirs(tmp, exist_ok=True)
    R = Runner(args, tmp)
    R.keep = bool(args.keep)
    t0 = time.time()
    print(f"note setup: scikit-learn {SKV}, numpy {np.__version__}, regression losses "
          f"{', '.join(hgb_losses())}, frost {R.frost}", flush=True)
    try:
        for i, case in enumerate(cases()):
            if args.only and args.only not in case.name:
                continue
            try:
                run_case(R, case, i)
            except Exception:  # noqa: BLE001
                R.emit("FAIL", f"{case.name}", short_tb())
        if not args.only or args.only in "versions":
            try:
                version_checks(R)
            except Exception:  # noqa: BLE001
                R.emit("FAIL", "versions", short_tb())
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    print(f"note {R.exact}/{R.values} numeric values bit-exact"
          + (f"; inexact in {len(R.inexact)} checks (numpy's SIMD exp/log/pow; each is "
             "replayed through the C library above):" if R.inexact else ""), flush=True)
    for check, n, worst in R.inexact:
        print(f"note   inexact {check}: {n} values, max rel diff {worst:.3g}")
    print(f"note {time.time() - t0:.1f} s")
    print(f"{SUMMARY}: {R.passed} passed, {R.failed} failed", flush=True)
    return 1 if R.failed else 0


def short_tb():
    return " | ".join(traceback.format_exc().strip().split("\n")[-4:])


if __name__ == "__main__":
    sys.exit(main())
