#!/usr/bin/python3
"""parity_mlp.py — frost's multi-layer perceptrons against the real scikit-learn.

Fits MLPClassifier (binary, multi-class with softmax, multi-label with logistic outputs; string,
int and bool labels) and MLPRegressor (one and several targets) with every hidden activation
scikit-learn has (relu, tanh, logistic, identity), one to three hidden layers, the adam, sgd and
lbfgs solvers (so the optimizer a stochastic solver leaves in the pickle is read past), early
stopping, partial_fit, float32 training data — alone and at the end of Pipelines /
ColumnTransformers after imputers, scalers and a one-hot encoder (dense and sparse). Each is
saved with joblib (plain, zlib 3) or pickle (protocols 2, 4, 5), converted with `frost convert`,
and scored from a CSV (more rows than one of frost's batches, values beyond the fitted range):

  frost predict            vs  predict          labels identical (multi-label: the indicator
                                                matrix); regressors within 1e-9
  frost predict --proba    vs  predict_proba    within 1e-9 (relative, absolute below 1);
                                                bit-exact values counted (multi-label: frost
                                                writes (1 - p, p) per label, scikit-learn p)

Refusals, as scikit-learn refuses: a missing value and an infinite value (exit 1, the row, the
column and the step named), --proba on a regressor, an MLP as a VotingClassifier member (not
supported yet: exit 1, no output file).

    /usr/bin/python3 tests/parity/parity_mlp.py [--frost build/frost] [--keep DIR]
                                                 [--only SUBSTRING]

Prints one line per check ("ok   …", "FAIL …") and ends with exactly
"parity-mlp: N passed, M failed"; exits 1 on any failure.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from parity_bayes import Suite, beyond, mixed_frame, run_suite  # noqa: E402  (checks imports)

import numpy as np  # noqa: E402
from sklearn.compose import ColumnTransformer  # noqa: E402
from sklearn.datasets import (load_breast_cancer, load_diabetes, load_iris,  # noqa: E402
                              load_wine, make_multilabel_classification, make_regression)
from sklearn.ensemble import VotingClassifier  # noqa: E402
from sklearn.impute import SimpleImputer  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.neural_network import MLPClassifier, MLPRegressor  # noqa: E402
from sklearn.pipeline import Pipeline  # noqa: E402
from sklearn.preprocessing import OneHotEncoder, StandardScaler  # noqa: E402

SUMMARY = "parity-mlp"
RNG = np.random.RandomState(23)
ACTIVATIONS = ("relu", "tanh", "logistic", "identity")


class MLPSuite(Suite):
    def scored(self, name, model, X, how, *flags):
        """frost predict [flags] on X through a file saved `how`: (r, out, data), or None
        (skipped by --only, or the conversion failed)."""
        if self.only and self.only not in name:
            return None
        out = self.convert(model, name, how)
        if not out:
            return None
        data = self.write_csv(name, X)
        return self.run("predict", *flags, out, data), out, data

    def regressor(self, name, model, X, how):
        got = self.scored(name, model, X, how)
        if not got:
            return
        r, out, data = got
        if r.returncode:
            self.fail(f"{name}: predict exit {r.returncode}: {r.stderr.strip()}")
            return
        want = model.predict(X).reshape(len(X), -1)
        lines = r.stdout.splitlines()
        header = ["prediction"] if want.shape[1] == 1 else \
            ["prediction_%d" % k for k in range(want.shape[1])]
        if lines[0].split(",") != header:
            self.fail(f"{name}: predict header {lines[0][:60]}")
            return
        self.numbers(f"{name} ({how})", "predict", lines[1:], want)
        r = self.run("predict", "--proba", out, data)
        if r.returncode == 0:
            self.fail(f"{name}: --proba gave probabilities scikit-learn does not have")
        else:
            self.ok(f"{name}: --proba refused ({r.stderr.strip()[-60:]})")

    def multilabel(self, name, model, X, how):
        got = self.scored(name, model, X, how)
        if not got:
            return
        r, out, data = got
        got = r.stdout.splitlines()
        rows = [",".join(str(int(v)) for v in row) for row in model.predict(X)]
        if r.returncode or got[1:] != rows:
            bad = next((i for i in range(len(rows)) if i + 1 >= len(got) or got[i + 1] != rows[i]),
                       None)
            self.fail(f"{name}: predict exit {r.returncode}, first difference at row {bad}: "
                      f"{r.stderr.strip()}")
        else:
            self.ok(f"{name} ({how}): predict, {len(rows)} indicator rows identical")
        r = self.run("predict", "--proba", out, data)
        if r.returncode:
            self.fail(f"{name}: predict --proba exit {r.returncode}: {r.stderr.strip()}")
            return
        P = model.predict_proba(X)
        both = np.column_stack([v for p in P.T for v in (1 - p, p)])
        self.numbers(f"{name} ({how})", "predict_proba (1 - p, p per label)",
                     r.stdout.splitlines()[1:], both)


# ---- the cases -------------------------------------------------------------------------------

def fit(model, X, y):
    model.fit(X, y)
    return model


def classifiers(s):
    X, y = load_iris(return_X_y=True)
    Xw, yw = load_wine(return_X_y=True)
    Xw = StandardScaler().fit_transform(Xw)
    Xb, yb = load_breast_cancer(return_X_y=True)
    Xb = StandardScaler().fit_transform(Xb)
    names = np.array(["setosa", "versicolor", "virginica"])
    for i, act in enumerate(ACTIVATIONS):
        how = ("joblib", "pickle4", "joblib-zlib", "pickle5")[i]
        m = fit(MLPClassifier((16, 8), activation=act, max_iter=400, random_state=i), X, names[y])
        s.parity(f"mlp-iris-{act}", m, beyond(X, 4200 if i == 0 else 40), how)
        m = fit(MLPClassifier((12,), activation=act, solver="lbfgs", max_iter=300,
                              random_state=i), Xb, yb)
        s.parity(f"mlp-cancer-binary-{act}", m, beyond(Xb), ("pickle2", "joblib")[i % 2])
    m = fit(MLPClassifier((30, 20, 10), solver="sgd", learning_rate_init=0.05, max_iter=300,
                          random_state=0), Xw, yw)
    s.parity("mlp-wine-3-layers-sgd", m, beyond(Xw), "joblib")
    m = fit(MLPClassifier((10,), early_stopping=True, max_iter=300, random_state=1), Xw, yw == 1)
    s.parity("mlp-wine-bool-early-stopping", m, Xw, "pickle4")
    m = MLPClassifier((8,), random_state=2)
    for _ in range(20):
        m.partial_fit(Xw, yw + 10, classes=[10, 11, 12, 13])  # a class it never saw
    s.parity("mlp-wine-partial-fit-unseen-class", m, beyond(Xw), "joblib")
    m = fit(MLPClassifier((9,), activation="tanh", max_iter=300, random_state=3),
            X.astype(np.float32), y)  # float32 weights, float64 input
    s.parity("mlp-iris-float32-weights", m, X, "joblib")


def multilabels(s):
    X, Y = make_multilabel_classification(400, 10, n_classes=4, random_state=0)
    for i, act in enumerate(ACTIVATIONS):
        m = fit(MLPClassifier((14,), activation=act, max_iter=300, random_state=i), X, Y)
        s.multilabel(f"mlp-multilabel-{act}", m, beyond(X), ("joblib", "pickle4")[i % 2])


def regressors(s):
    X, y = load_diabetes(return_X_y=True)
    Xr, Yr = make_regression(500, 7, n_targets=3, noise=0.5, random_state=0)
    for i, act in enumerate(ACTIVATIONS):
        m = fit(MLPRegressor((20, 10), activation=act, max_iter=500, random_state=i), X, y)
        s.regressor(f"mlp-diabetes-{act}", m, beyond(X, 4200 if i == 0 else 40),
                    ("joblib", "pickle4", "joblib-zlib", "pickle5")[i])
        m = fit(MLPRegressor((16,), activation=act, solver="lbfgs", max_iter=400,
                             random_state=i), Xr, Yr)
        s.regressor(f"mlp-3-targets-{act}", m, beyond(Xr), ("pickle2", "joblib")[i % 2])


def pipelines(s):
    df, y = mixed_frame(600)
    num = ["age", "income", "visits"]
    cat = ["color", "city"]
    test = df.copy()
    test.loc[:20, "color"] = "unseen"
    pre = ColumnTransformer([
        ("num", Pipeline([("imp", SimpleImputer()), ("sc", StandardScaler())]), num),
        ("cat", OneHotEncoder(handle_unknown="ignore", sparse_output=False), cat)])
    p = fit(Pipeline([("pre", pre), ("mlp", MLPClassifier((12, 6), max_iter=300,
                                                          random_state=0))]), df, y)
    s.parity("pipeline-mlp-classifier", p, test, "joblib")
    pre = ColumnTransformer([
        ("num", Pipeline([("imp", SimpleImputer(strategy="median")), ("sc", StandardScaler())]),
         ["age", "visits"]),
        ("cat", OneHotEncoder(handle_unknown="ignore"), cat)])  # sparse one-hot
    target = df.income.values / 1000.0
    p = fit(Pipeline([("pre", pre), ("mlp", MLPRegressor((10,), activation="tanh",
                                                         max_iter=500, random_state=0))]),
            df, target)
    s.regressor("pipeline-mlp-regressor-sparse", p, test, "pickle5")


def refusals(s):
    X, y = load_iris(return_X_y=True)
    m = fit(MLPClassifier((5,), max_iter=200, random_state=0), X, y)
    Xn = X[:10].copy()
    Xn[3, 2] = np.nan
    s.refuse_row("mlp-nan", m, Xn, "joblib", 4, ["x2", "MLPClassifier", "Input X contains NaN"])
    Xr, yr = load_diabetes(return_X_y=True)
    r = fit(MLPRegressor((5,), max_iter=200, random_state=0), Xr, yr)
    Xi = Xr[:10].copy()
    Xi[6, 4] = -np.inf
    s.refuse_row("mlp-regressor-inf", r, Xi, "pickle4", 7, ["x4", "MLPRegressor", "infinity"])
    v = VotingClassifier([("mlp", MLPClassifier((4,), max_iter=100, random_state=0)),
                          ("lr", LogisticRegression(max_iter=500))], voting="soft").fit(X, y)
    s.refuse_member(v, "MLPClassifier")


def main():
    return run_suite(SUMMARY, MLPSuite, (classifiers, multilabels, regressors, pipelines,
                                         refusals),
                     lambda s: f"{s.exact}/{s.values} values bit-exact (the rest within 1e-9: "
                     "numpy's SIMD tanh and exp differ from the C library's in the last bit)")


if __name__ == "__main__":
    sys.exit(main())
