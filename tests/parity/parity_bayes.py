#!/usr/bin/python3
"""parity_bayes.py — frost's naive Bayes classifiers against the real scikit-learn.

Fits GaussianNB, MultinomialNB, ComplementNB, BernoulliNB (binarize a threshold, and None) and
CategoricalNB — each at least twice, with different data, priors and parameters, numeric, string
and bool labels, binary and multi-class, one class — alone and at the end of Pipelines /
ColumnTransformers after imputers, scalers and encoders (a sparse one-hot feeding the discrete
models, an OrdinalEncoder feeding CategoricalNB). Each is saved with joblib (plain, zlib 3) or
pickle (protocols 2, 4, 5), converted with `frost convert`, and scored from a CSV (more rows than
one of frost's batches, values beyond the fitted range, fractions for CategoricalNB):

  frost predict            vs  predict          labels identical
  frost predict --proba    vs  predict_proba    within 1e-9 (relative, absolute below 1);
                                                bit-exact values counted

Refusals, as scikit-learn refuses: a missing value and an infinite value (exit 1, the row, the
column and the step named, "Input X contains NaN" / "infinity"), CategoricalNB's negative values
and categories unseen at fit (exit 1, row and column named), a naive Bayes classifier as a
VotingClassifier member (not supported yet: exit 1, no output file).

    /usr/bin/python3 tests/parity/parity_bayes.py [--frost build/frost] [--keep DIR]
                                                   [--only SUBSTRING]

Prints one line per check ("ok   …", "FAIL …") and ends with exactly
"parity-bayes: N passed, M failed"; exits 1 on any failure.
"""
import argparse
import csv
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
import traceback
import warnings

try:
    import joblib
    import numpy as np
    import pandas as pd
    import sklearn
    from sklearn.compose import ColumnTransformer
    from sklearn.datasets import load_breast_cancer, load_iris, load_wine
    from sklearn.ensemble import VotingClassifier
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.naive_bayes import (BernoulliNB, CategoricalNB, ComplementNB, GaussianNB,
                                     MultinomialNB)
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import (KBinsDiscretizer, MinMaxScaler, OneHotEncoder,
                                       OrdinalEncoder, StandardScaler)
except ImportError as exc:  # the stage must fail loudly, not pass vacuously
    print(f"FAIL setup: {exc} (run with Debian's /usr/bin/python3: python3-sklearn, "
          "python3-pandas)")
    print("parity-bayes: 0 passed, 1 failed")
    sys.exit(1)

warnings.filterwarnings("ignore")
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pylib"))
from frost_numbers import bits, close, label_text, shortest  # noqa: E402

SUMMARY = "parity-bayes"
RNG = np.random.RandomState(7)


class Suite:
    def __init__(self, frost, tmp, only):
        self.frost, self.tmp, self.only = frost, tmp, only
        self.passed = self.failed = 0
        self.exact = self.values = 0

    def ok(self, msg):
        self.passed += 1
        print("ok   " + msg)

    def fail(self, msg):
        self.failed += 1
        print("FAIL " + msg)

    def run(self, *args):
        return subprocess.run([self.frost] + list(args), capture_output=True, text=True)

    # ---- saving and converting ---------------------------------------------------------------

    def save(self, model, name, how):
        path = os.path.join(self.tmp, name + (".pkl" if how.startswith("pickle") else ".joblib"))
        if how == "joblib":
            joblib.dump(model, path)
        elif how == "joblib-zlib":
            joblib.dump(model, path, compress=("zlib", 3))
        else:
            with open(path, "wb") as f:
                pickle.dump(model, f, protocol=int(how[len("pickle"):]))
        return path

    def convert(self, model, name, how):
        src = self.save(model, name, how)
        out = os.path.join(self.tmp, name + ".frost")
        r = self.run("convert", "-q", src, out)
        if r.returncode:
            self.fail(f"{name}: convert exit {r.returncode}: {r.stderr.strip()}")
            return None
        return out

    def write_csv(self, name, X):
        path = os.path.join(self.tmp, name + ".csv")
        if isinstance(X, pd.DataFrame):
            X.to_csv(path, index=False)
        else:
            with open(path, "w", newline="") as f:
                w = csv.writer(f)
                w.writerow(["x%d" % j for j in range(X.shape[1])])
                for row in X:
                    w.writerow([shortest(float(v)) for v in row])
        return path

    # ---- parity ------------------------------------------------------------------------------

    def parity(self, name, model, X, how, csv_X=None):
        """predict and predict_proba of a fitted model on X, through a file saved `how` (the CSV
        holds csv_X when given: the same rows, columns in another order)."""
        if self.only and self.only not in name:
            return
        out = self.convert(model, name, how)
        if not out:
            return
        data = self.write_csv(name, X if csv_X is None else csv_X)
        r = self.run("predict", out, data)
        if r.returncode:
            self.fail(f"{name}: predict exit {r.returncode}: {r.stderr.strip()}")
            return
        got = r.stdout.splitlines()
        want = [label_text(v) for v in model.predict(X)]
        if got[0] != "prediction" or got[1:] != want:
            bad = next((i for i in range(len(want)) if i + 1 >= len(got) or got[i + 1] != want[i]),
                       None)
            self.fail(f"{name}: predict differs at row {bad}")
        else:
            self.ok(f"{name} ({how}): predict, {len(want)} labels identical")
        r = self.run("predict", "--proba", out, data)
        if r.returncode:
            self.fail(f"{name}: predict --proba exit {r.returncode}: {r.stderr.strip()}")
            return
        lines = r.stdout.splitlines()
        header = lines[0].split(",") if lines else []
        classes = [label_text(c) for c in model.classes_]
        if header != classes:
            self.fail(f"{name}: proba header {header} is not classes_ {classes}")
            return
        P = model.predict_proba(X)
        worst, exact, n = 0.0, 0, 0
        for i, line in enumerate(lines[1:]):
            for j, text in enumerate(line.split(",")):
                g, e = float(text), float(P[i, j])
                n += 1
                exact += bits(g) == bits(e)
                if not close(g, e):
                    worst = max(worst, abs(g - e))
        if len(lines) - 1 != len(P):
            self.fail(f"{name}: {len(lines) - 1} proba rows for {len(P)}")
        elif worst:
            self.fail(f"{name}: predict_proba differs by up to {worst:.3g}")
        else:
            self.exact += exact
            self.values += n
            self.ok(f"{name} ({how}): predict_proba within 1e-9, {exact}/{n} bit-exact")

    def numbers(self, name, what, lines, want):
        """Printed rows of numbers (CSV lines) against scikit-learn's 2-D array `want`: within
        1e-9, bit-exact values counted."""
        worst, exact, n = 0.0, 0, 0
        for i, line in enumerate(lines):
            for j, text in enumerate(line.split(",")):
                g, e = float(text), float(want[i, j])
                n += 1
                exact += bits(g) == bits(e)
                if not close(g, e):
                    worst = max(worst, abs(g - e))
        if len(lines) != len(want) or n != want.size:
            self.fail(f"{name}: {what} wrote {len(lines)} rows, {n} values for {want.shape}")
        elif worst:
            self.fail(f"{name}: {what} differs by up to {worst:.3g}")
        else:
            self.exact += exact
            self.values += n
            self.ok(f"{name}: {what} within 1e-9, {exact}/{n} bit-exact")

    def refuse_member(self, model, cls):
        """`frost convert` of a combination with a `cls` member: exit 1, "not supported yet"
        naming the class, no output file."""
        if self.only and self.only not in "voting-member":
            return
        src = self.save(model, "voting-member", "joblib")
        out = os.path.join(self.tmp, "voting-member.frost")
        r = self.run("convert", "-q", src, out)
        if r.returncode == 1 and "not supported yet" in r.stderr and cls in r.stderr \
                and not os.path.exists(out):
            self.ok(f"voting-member: refused ({r.stderr.strip()[:100]})")
        else:
            self.fail(f"voting-member: want exit 1 'not supported yet: {cls}', no file; got "
                      f"exit {r.returncode}: {r.stderr.strip()}")

    def refuse_row(self, name, model, X, how, row, words):
        """frost predict must stop at `row` (1-based data row) naming it and `words`, as
        scikit-learn raises on it."""
        if self.only and self.only not in name:
            return
        try:
            model.predict(X)
            self.fail(f"{name}: scikit-learn accepts the rows this check expects it to refuse")
            return
        except (ValueError, IndexError):
            pass
        out = self.convert(model, name, how)
        if not out:
            return
        r = self.run("predict", out, self.write_csv(name, X))
        msg = r.stderr.strip()
        if r.returncode != 1 or f"row {row}" not in msg or not all(w in msg for w in words):
            self.fail(f"{name}: want exit 1 naming row {row} and {words}; got exit "
                      f"{r.returncode}: {msg}")
        else:
            self.ok(f"{name}: refused ({msg[:110]}…)")


# ---- data ------------------------------------------------------------------------------------

def counts(n, f, k=3):
    """Word-count-like rows for k classes: each class favours its own features."""
    X = RNG.poisson(1.0, size=(n, f)).astype(float)
    y = RNG.randint(0, k, size=n)
    for c in range(k):
        X[y == c, c::k] += RNG.poisson(2.0, size=X[y == c, c::k].shape)
    return X, y


def beyond(X, n=40):
    """Rows past the fitted range (and exact zeros) appended to X."""
    extra = X[RNG.randint(0, len(X), n)] * RNG.uniform(0.0, 3.0, size=(n, X.shape[1]))
    extra[::7] = 0.0
    return np.vstack([X, extra])


def mixed_frame(n):
    df = pd.DataFrame({
        "age": RNG.normal(40, 12, n).round(1),
        "income": RNG.lognormal(10, 0.5, n).round(2),
        "color": RNG.choice(["red", "green", "blue", "violet, dark"], n),
        "city": RNG.choice(["Paris", "Zürich", "Oslo"], n),
        "visits": RNG.poisson(3, n).astype(float),
    })
    y = np.where(df.age + RNG.normal(0, 8, n) > 42, "older", "younger")
    y[df.color == "blue"] = "blue-ish"
    df.loc[RNG.rand(n) < 0.1, "age"] = np.nan
    df.loc[RNG.rand(n) < 0.1, "city"] = np.nan
    return df, y


# ---- the cases -------------------------------------------------------------------------------

def gaussian(s):
    X, y = load_iris(return_X_y=True)
    s.parity("gaussian-iris", GaussianNB().fit(X, y), beyond(X), "joblib")
    Xb, yb = load_breast_cancer(return_X_y=True)
    yb = np.where(yb == 1, "benign", "malignant")
    m = GaussianNB(priors=[0.3, 0.7], var_smoothing=1e-6).fit(Xb, yb)
    s.parity("gaussian-cancer-priors", m, beyond(Xb, 4200), "pickle4")
    Xw, yw = load_wine(return_X_y=True)
    m = GaussianNB().fit(Xw, yw == 1)  # bool labels
    s.parity("gaussian-wine-bool", m, Xw, "pickle2")
    Xn = np.where(RNG.rand(*X.shape) < 0.05, np.nan, X)
    Xn[0] = X[0]
    Xn[3, 2] = np.nan
    s.refuse_row("gaussian-nan", GaussianNB().fit(X, y), Xn[:10], "joblib", 4,
                 ["x2", "GaussianNB", "Input X contains NaN"])


def multinomial(s):
    X, y = counts(500, 30)
    s.parity("multinomial-counts", MultinomialNB().fit(X, y), beyond(X), "joblib")
    m = MultinomialNB(alpha=0.3, fit_prior=False).fit(X, y)
    s.parity("multinomial-alpha-uniform", m, beyond(X), "pickle5")
    m = MultinomialNB(class_prior=[0.5, 0.2, 0.3]).fit(X[:, :200], np.array(["a", "b", "c"])[y])
    s.parity("multinomial-class-prior-strings", m, X, "joblib-zlib")
    Xi = X[:10].copy()
    Xi[6, 4] = np.inf
    s.refuse_row("multinomial-inf", MultinomialNB().fit(X, y), Xi, "joblib", 7,
                 ["x4", "MultinomialNB", "infinity"])
    Xw, yw = counts(200, 9, k=1)
    s.parity("multinomial-one-class", MultinomialNB().fit(Xw, yw), Xw, "joblib")


def complement(s):
    X, y = counts(400, 25, k=4)
    s.parity("complement-counts", ComplementNB().fit(X, y), beyond(X), "joblib")
    s.parity("complement-norm-binary", ComplementNB(norm=True, alpha=0.5).fit(X, y % 2),
             beyond(X), "pickle4")
    Xw, yw = counts(200, 9, k=1)
    s.parity("complement-one-class", ComplementNB().fit(Xw, yw), Xw, "joblib")


def bernoulli(s):
    Xb, yb = load_breast_cancer(return_X_y=True)
    Xs = StandardScaler().fit_transform(Xb)
    s.parity("bernoulli-binarize-0", BernoulliNB().fit(Xs, yb), beyond(Xs), "joblib")
    X, y = counts(300, 40, k=3)
    m = BernoulliNB(binarize=1.5, alpha=0.2).fit(X, y)
    s.parity("bernoulli-binarize-1.5", m, beyond(X), "pickle5")
    B = (X > 1).astype(float)
    m = BernoulliNB(binarize=None).fit(B, y)
    s.parity("bernoulli-binarize-none", m, np.vstack([B, X[:50]]), "joblib-zlib")


def categorical(s):
    X = RNG.randint(0, 5, size=(400, 6)).astype(float)
    y = ((X[:, 0] + X[:, 1] + RNG.randint(0, 3, 400)) % 3).astype(int)
    m = CategoricalNB().fit(X, y)
    Xp = X.copy()
    Xp[:30] += RNG.uniform(0, 0.99, size=(30, 6))  # astype(int) truncates
    Xp[30:40] = -RNG.uniform(0, 0.99, size=(10, 6))  # (-1, 0) truncates to 0
    s.parity("categorical-ints", m, Xp, "joblib")
    m = CategoricalNB(alpha=0.5, min_categories=[6, 5, 5, 5, 5, 9], fit_prior=False)
    m.fit(X, np.array(["x", "y", "z"])[y.astype(int)])
    s.parity("categorical-min-categories", m, np.vstack([X, np.full((3, 6), 4.0)]), "pickle4")
    Xu = X[:10].copy()
    Xu[5, 2] = 7.0
    s.refuse_row("categorical-unseen", CategoricalNB().fit(X, y), Xu, "joblib", 6,
                 ["x2", "category 7"])
    Xn = X[:10].copy()
    Xn[2, 3] = -2.0
    s.refuse_row("categorical-negative", CategoricalNB().fit(X, y), Xn, "joblib", 3,
                 ["x3", "negative"])


def by_name_and_partial_fit(s):
    """Fitted on a DataFrame (columns matched by name, in another order in the CSV); fitted by
    partial_fit with a class it never saw (class_log_prior_ -inf: never predicted)."""
    df, y = mixed_frame(300)
    num = df[["age", "income", "visits"]].fillna(1.0)
    m = GaussianNB().fit(num, y)
    s.parity("gaussian-dataframe-by-name", m, num, "joblib",
             csv_X=num[["visits", "age", "income"]].assign(extra="x"))
    X, yc = counts(300, 12)
    m = MultinomialNB()
    m.partial_fit(X[:150], yc[:150], classes=[0, 1, 2, 3])
    m.partial_fit(X[150:], yc[150:])
    s.parity("multinomial-partial-fit-unseen-class", m, beyond(X), "pickle4")


def pipelines(s):
    df, y = mixed_frame(600)
    num = ["age", "income", "visits"]
    cat = ["color", "city"]
    pre = ColumnTransformer([
        ("num", Pipeline([("imp", SimpleImputer()), ("sc", StandardScaler())]), num),
        ("cat", OneHotEncoder(handle_unknown="ignore", sparse_output=False), cat)])
    p = Pipeline([("pre", pre), ("nb", GaussianNB())]).fit(df, y)
    test = df.copy()
    test.loc[:20, "color"] = "unseen"
    s.parity("pipeline-gaussian", p, test, "joblib")
    pre = ColumnTransformer([
        ("cnt", Pipeline([("imp", SimpleImputer(strategy="median")),
                          ("mm", MinMaxScaler())]), ["visits", "age"]),
        ("cat", OneHotEncoder(handle_unknown="ignore"), cat)])  # sparse one-hot
    p = Pipeline([("pre", pre), ("nb", MultinomialNB())]).fit(df, y)
    s.parity("pipeline-multinomial-sparse", p, test, "pickle5")
    p = Pipeline([("pre", pre), ("nb", ComplementNB())]).fit(df, y)
    s.parity("pipeline-complement", p, test, "joblib")
    pre = ColumnTransformer([
        ("cat", OneHotEncoder(handle_unknown="ignore"), cat),
        ("num", Pipeline([("imp", SimpleImputer()), ("sc", StandardScaler())]), num)])
    p = Pipeline([("pre", pre), ("nb", BernoulliNB(binarize=0.0))]).fit(df, y)
    s.parity("pipeline-bernoulli", p, test, "pickle4")
    pre = ColumnTransformer([
        ("ord", Pipeline([("imp", SimpleImputer(strategy="constant", fill_value="none")),
                          ("enc", OrdinalEncoder())]), cat),
        ("bins", Pipeline([("imp", SimpleImputer()),
                           ("kb", KBinsDiscretizer(n_bins=4, encode="ordinal"))]),
         ["age", "income"])])
    p = Pipeline([("pre", pre), ("nb", CategoricalNB())]).fit(df, y)
    s.parity("pipeline-categorical-ordinal", p, df, "joblib")
    bad = df.head(12).copy()
    bad["visits"] = bad["visits"].astype(float)
    bad.loc[8, "visits"] = np.inf
    p = Pipeline([("pre", ColumnTransformer([("n", "passthrough", num)])),
                  ("nb", GaussianNB())])
    p.fit(df.fillna(0), y)
    s.refuse_row("pipeline-gaussian-inf", p, bad.fillna(0), "joblib", 9,
                 ["visits", "nb (GaussianNB)", "infinity"])


def refusals(s):
    X, y = load_iris(return_X_y=True)
    v = VotingClassifier([("nb", GaussianNB()), ("lr", LogisticRegression(max_iter=500))],
                         voting="soft").fit(X, y)
    s.refuse_member(v, "GaussianNB")


def run_suite(summary, suite_cls, parts, note):
    """Parses the command line, runs each part (a part that raises is one failure, the others
    still run), prints note(suite) and the summary line; returns the exit status."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--frost", default="build/frost")
    ap.add_argument("--keep")
    ap.add_argument("--only")
    a = ap.parse_args()
    tmp = a.keep or tempfile.mkdtemp(prefix="frost-%s-" % summary)
    os.makedirs(tmp, exist_ok=True)
    s = suite_cls(os.path.abspath(a.frost), tmp, a.only)
    print(f"note scikit-learn {sklearn.__version__}, numpy {np.__version__}")
    for part in parts:
        try:
            part(s)
        except Exception:  # a broken case is a failure, and the others still run
            s.fail(f"{part.__name__}: the suite raised\n{traceback.format_exc()}")
    print("note " + note(s))
    if not a.keep:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"{summary}: {s.passed} passed, {s.failed} failed")
    return 1 if s.failed else 0


def main():
    return run_suite(SUMMARY, Suite, (gaussian, multinomial, complement, bernoulli, categorical,
                                      by_name_and_partial_fit, pipelines, refusals),
                     lambda s: f"{s.exact}/{s.values} probabilities bit-exact (the rest within "
                     "1e-9: numpy's SIMD exp/log differ from the C library's in the last bit)")


if __name__ == "__main__":
    sys.exit(main())
