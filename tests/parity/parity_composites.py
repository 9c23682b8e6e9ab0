#!/usr/bin/python3
"""parity_composites.py — frost's FunctionTransformer of numpy ufuncs, TransformedTargetRegressor,
feature selectors and projections (PCA, TruncatedSVD) against the real scikit-learn.

Fits, each at least twice and inside Pipelines / ColumnTransformers:
  - FunctionTransformer(func=np.log, log1p, exp, expm1, sqrt, square, abs, reciprocal), before a
    scaler and a linear model, beside other columns, and saved alone (a transformer);
  - TransformedTargetRegressor with func/inverse_func ufuncs, with transformer=StandardScaler
    (one and two targets) and FunctionTransformer(sqrt, square), over linear models, gradient
    boosting, a forest and a Pipeline, and as a Pipeline's last step;
  - VarianceThreshold, SelectKBest (k, 'all', NaN scores), SelectPercentile (ties),
    SelectFromModel over Lasso / LogisticRegression (threshold None, 'median', '1.5*mean',
    numbers, max_features);
  - PCA (whiten or not), IncrementalPCA, TruncatedSVD before classifiers and regressors, in a
    ColumnTransformer and saved alone;
  - make_column_selector (dtype_include / dtype_exclude with numpy types and names, pattern),
    whose choice at fit the fitted ColumnTransformer records.
Each is saved with joblib (plain, zlib 3) or pickle (protocols 2, 4, 5), converted with
`frost convert`, and scored from a CSV (more rows than one of frost's batches):

  frost predict            vs  predict          labels identical / within 1e-9 (relative,
                                                absolute below 1), bit-exact values counted
  frost predict --proba    vs  predict_proba    within 1e-9
  frost transform          vs  transform        within 1e-9, header = get_feature_names_out()

Refusals: a FunctionTransformer whose func is another ufunc (np.log10) or a Python function, a
TransformedTargetRegressor whose inverse_func is not one of the eight, SelectFromModel over a
forest (its importances are computed, not stored) — exit 1, no output file, the step named.

    /usr/bin/python3 tests/parity/parity_composites.py [--frost build/frost] [--keep DIR]
                                                        [--only SUBSTRING]

Ends with exactly "parity-composites: N passed, M failed"; exits 1 on any failure.
"""
import os
import pickle
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from parity_bayes import Suite, beyond, mixed_frame, run_suite  # noqa: E402  (checks imports)

import numpy as np  # noqa: E402
from sklearn.compose import ColumnTransformer, TransformedTargetRegressor  # noqa: E402
from sklearn.compose import make_column_selector  # noqa: E402
from sklearn.datasets import load_breast_cancer, load_diabetes, load_wine  # noqa: E402
from sklearn.decomposition import PCA, IncrementalPCA, TruncatedSVD  # noqa: E402
from sklearn.ensemble import (GradientBoostingRegressor, RandomForestClassifier,  # noqa: E402
                              RandomForestRegressor)
from sklearn.feature_selection import (SelectFromModel, SelectKBest,  # noqa: E402
                                       SelectPercentile, VarianceThreshold, chi2, f_classif)
from sklearn.impute import SimpleImputer  # noqa: E402
from sklearn.linear_model import (Lasso, LinearRegression, LogisticRegression,  # noqa: E402
                                  Ridge)
from sklearn.pipeline import Pipeline, make_pipeline  # noqa: E402
from sklearn.preprocessing import (FunctionTransformer, OneHotEncoder,  # noqa: E402
                                   StandardScaler)

SUMMARY = "parity-composites"
RNG = np.random.RandomState(16)


def shifted(X):
    """X moved into (0, ∞): every ufunc of the list is finite on it."""
    return X - X.min(axis=0) + 0.5


def user_function(x):
    """A Python function: frost never runs one (module-level so pickle can name it)."""
    return x + 1


class CompositeSuite(Suite):
    def compare(self, name, how, what, lines, want):
        """lines: frost's CSV rows (no header); want: scikit-learn's 2-D values."""
        self.numbers(f"{name} ({how})", what, lines, want)

    def regress(self, name, model, X, how):
        """A regressor's predict (one or several targets)."""
        if self.only and self.only not in name:
            return
        out = self.convert(model, name, how)
        if not out:
            return
        r = self.run("predict", out, self.write_csv(name, X))
        if r.returncode:
            self.fail(f"{name}: predict exit {r.returncode}: {r.stderr.strip()}")
            return
        want = np.asarray(model.predict(X), dtype=float)
        self.compare(name, how, "predict", r.stdout.splitlines()[1:],
                     want.reshape(len(want), -1))

    def transform(self, name, model, X, how):
        """A saved transformer's transform, headed by get_feature_names_out() when it has it."""
        if self.only and self.only not in name:
            return
        out = self.convert(model, name, how)
        if not out:
            return
        r = self.run("transform", out, self.write_csv(name, X))
        if r.returncode:
            self.fail(f"{name}: transform exit {r.returncode}: {r.stderr.strip()}")
            return
        lines = r.stdout.splitlines()
        try:
            header = ",".join(model.get_feature_names_out())
        except AttributeError:  # FunctionTransformer(feature_names_out=None) has none
            header = None
        if header is not None and lines[0] != header:
            self.fail(f"{name}: transform header {lines[0][:60]} is not "
                      f"get_feature_names_out() {header[:60]}")
            return
        self.compare(name, how, "transform", lines[1:], np.asarray(model.transform(X), float))

    def refuse_convert(self, name, model, how, words):
        """frost convert must refuse (exit 1, no file), naming `words`."""
        if self.only and self.only not in name:
            return
        src = self.save(model, name, how)
        out = os.path.join(self.tmp, name + ".frost")
        r = self.run("convert", "-q", src, out)
        msg = r.stderr.strip()
        if r.returncode == 1 and all(w in msg for w in words) and not os.path.exists(out):
            self.ok(f"{name}: refused ({msg[-110:]})")
        else:
            self.fail(f"{name}: want exit 1 naming {words}, no file; got {r.returncode}: {msg}")


def ufuncs(s):
    X, y = load_diabetes(return_X_y=True)
    Xp = shifted(X)
    Xq = beyond(Xp, 300)
    Xq[Xq == 0] = 0.25   # log(0) is -inf, which the scaler after it refuses, as frost does
    for fn, how in [(np.log, "joblib"), (np.log1p, "pickle4"), (np.sqrt, "joblib-zlib"),
                    (np.square, "pickle2"), (np.abs, "pickle5"), (np.reciprocal, "joblib"),
                    (np.exp, "pickle4"), (np.expm1, "joblib")]:
        p = make_pipeline(FunctionTransformer(fn), StandardScaler(), Ridge(alpha=0.3))
        s.regress(f"ufunc-{fn.__name__}-ridge", p.fit(Xp, y), Xq, how)
    # a ColumnTransformer: log1p on some columns, passthrough the rest, one-hot beside
    df, yc = mixed_frame(600)
    df = df.assign(income=df.income.abs(), visits=df.visits)
    pre = ColumnTransformer([
        ("logs", Pipeline([("imp", SimpleImputer()), ("log", FunctionTransformer(np.log1p))]),
         ["income", "visits"]),
        ("num", SimpleImputer(), ["age"]),
        ("cat", OneHotEncoder(handle_unknown="ignore", sparse_output=False), ["color", "city"])])
    p = Pipeline([("pre", pre), ("lr", LogisticRegression(max_iter=2000))]).fit(df, yc)
    s.parity("ufunc-columns-logistic", p, df, "joblib")
    s.parity("ufunc-columns-logistic-p5", p, df, "pickle5")
    # saved transformers: frost transform
    ft = FunctionTransformer(np.sqrt, feature_names_out="one-to-one").fit(Xp)
    s.transform("ufunc-sqrt-alone", ft, Xp, "joblib")
    ct = ColumnTransformer([("l", FunctionTransformer(np.log), [0, 2]),
                            ("r", FunctionTransformer(np.reciprocal), [1, 3])],
                           remainder="passthrough").fit(Xp)
    s.transform("ufunc-columntransformer", ct, Xp, "pickle4")


def targets(s):
    X, y = load_diabetes(return_X_y=True)
    yp = y - y.min() + 1.0
    Xb = beyond(X, 300)
    s.regress("ttr-log-ridge", TransformedTargetRegressor(Ridge(), func=np.log,
                                                          inverse_func=np.exp).fit(X, yp),
              Xb, "joblib")
    s.regress("ttr-log1p-gb", TransformedTargetRegressor(
        GradientBoostingRegressor(n_estimators=30, random_state=0), func=np.log1p,
        inverse_func=np.expm1).fit(X, yp), Xb, "pickle4")
    s.regress("ttr-scaler-pipeline", TransformedTargetRegressor(
        make_pipeline(StandardScaler(), Ridge(alpha=2.0)),
        transformer=StandardScaler()).fit(X, y), Xb, "joblib-zlib")
    s.regress("ttr-scaler-nomean-forest", TransformedTargetRegressor(
        RandomForestRegressor(n_estimators=6, random_state=0),
        transformer=StandardScaler(with_mean=False)).fit(X, y), Xb, "pickle5")
    s.regress("ttr-sqrt-linear", TransformedTargetRegressor(
        LinearRegression(), transformer=FunctionTransformer(np.sqrt, np.square)).fit(X, yp),
        Xb, "pickle2")
    s.regress("ttr-identity", TransformedTargetRegressor(LinearRegression()).fit(X, y), Xb,
              "joblib")
    Y2 = np.c_[y, 3.0 * y + RNG.normal(0, 5, len(y))]
    s.regress("ttr-scaler-two-targets", TransformedTargetRegressor(
        LinearRegression(), transformer=StandardScaler()).fit(X, Y2), Xb, "joblib")
    p = Pipeline([("sc", StandardScaler()),
                  ("ttr", TransformedTargetRegressor(Ridge(), func=np.sqrt,
                                                     inverse_func=np.square))]).fit(X, yp)
    s.regress("ttr-in-pipeline", p, Xb, "pickle4")
    df, _ = mixed_frame(500)
    yd = np.exp(df.visits.fillna(0) / 4 + 1)
    pre = ColumnTransformer([
        ("num", Pipeline([("imp", SimpleImputer()), ("sc", StandardScaler())]),
         ["age", "income", "visits"]),
        ("cat", OneHotEncoder(handle_unknown="ignore"), ["color", "city"])])
    s.regress("ttr-over-columntransformer", TransformedTargetRegressor(
        Pipeline([("pre", pre), ("r", Ridge())]), func=np.log, inverse_func=np.exp).fit(df, yd),
        df, "joblib")


def selectors(s):
    X, y = load_wine(return_X_y=True)
    Xb = beyond(X, 300)
    s.parity("kbest-f-classif", make_pipeline(SelectKBest(f_classif, k=5),
                                              LogisticRegression(max_iter=5000)).fit(X, y),
             Xb, "joblib")
    s.parity("kbest-chi2-all", make_pipeline(SelectKBest(chi2, k="all"),
                                             LogisticRegression(max_iter=5000)).fit(X, y),
             Xb, "pickle4")
    Xc = X.copy()
    Xc[:, 4] = 1.0   # a constant column: f_classif scores it NaN
    s.parity("kbest-nan-score", make_pipeline(SelectKBest(f_classif, k=12),
                                              LogisticRegression(max_iter=5000)).fit(Xc, y),
             beyond(Xc, 300), "joblib")
    s.parity("percentile-30", make_pipeline(StandardScaler(), SelectPercentile(percentile=30),
                                            LogisticRegression(max_iter=5000)).fit(X, y),
             Xb, "pickle5")
    Xt = np.c_[X, X[:, :3]]   # duplicated columns: tied scores at the threshold
    s.parity("percentile-ties", make_pipeline(SelectPercentile(percentile=17),
                                              LogisticRegression(max_iter=5000)).fit(Xt, y),
             beyond(Xt, 300), "joblib")
    D, yd = load_diabetes(return_X_y=True)
    Db = beyond(D, 300)
    Dv = D.copy()
    Dv[:, 3] = 0.25
    s.regress("variance-threshold", make_pipeline(VarianceThreshold(0.0018), Ridge()).fit(D, yd),
              Db, "joblib")
    s.regress("variance-constant", make_pipeline(VarianceThreshold(), Ridge()).fit(Dv, yd),
              beyond(Dv, 300), "pickle2")
    s.regress("sfm-lasso", make_pipeline(StandardScaler(), SelectFromModel(Lasso(alpha=2.0)),
                                         Ridge()).fit(D, yd), Db, "joblib-zlib")
    s.regress("sfm-ridge-median", make_pipeline(
        SelectFromModel(Ridge(), threshold="median"), LinearRegression()).fit(D, yd), Db,
        "pickle4")
    s.regress("sfm-ridge-number-maxf", make_pipeline(
        SelectFromModel(Ridge(), threshold=50.0, max_features=4), LinearRegression()).fit(D, yd),
        Db, "joblib")
    s.parity("sfm-logistic-scaled-mean", make_pipeline(
        StandardScaler(), SelectFromModel(LogisticRegression(max_iter=5000),
                                          threshold="1.5*mean"),
        LogisticRegression(max_iter=5000)).fit(X, y), Xb, "joblib")
    s.parity("sfm-logistic-l2-norm", make_pipeline(
        StandardScaler(), SelectFromModel(LogisticRegression(max_iter=5000), norm_order=2,
                                          threshold="0.8*median"),
        LogisticRegression(max_iter=5000)).fit(X, y), Xb, "pickle5")
    # inside a ColumnTransformer, and saved alone
    df, yc = mixed_frame(600)
    pre = ColumnTransformer([
        ("num", Pipeline([("imp", SimpleImputer()), ("sel", SelectKBest(f_classif, k=2))]),
         ["age", "income", "visits"]),
        ("cat", Pipeline([("oh", OneHotEncoder(handle_unknown="ignore", sparse_output=False)),
                          ("vt", VarianceThreshold(0.1))]), ["color", "city"])])
    s.parity("selectors-in-columns", Pipeline([("pre", pre), ("lr", LogisticRegression(
        max_iter=2000))]).fit(df, yc), df, "joblib")
    s.transform("kbest-alone", SelectKBest(f_classif, k=4).fit(X, y), Xb, "joblib")
    s.transform("sfm-alone", SelectFromModel(Lasso(alpha=1.0)).fit(D, yd), Db, "pickle4")


def projections(s):
    X, y = load_wine(return_X_y=True)
    Xb = beyond(X, 300)
    s.parity("pca-logistic", make_pipeline(StandardScaler(), PCA(5),
                                           LogisticRegression(max_iter=5000)).fit(X, y),
             Xb, "joblib")
    s.parity("pca-whiten-logistic", make_pipeline(StandardScaler(), PCA(0.9, whiten=True),
                                                  LogisticRegression(max_iter=5000)).fit(X, y),
             Xb, "pickle4")
    D, yd = load_diabetes(return_X_y=True)
    Db = beyond(D, 300)
    s.regress("svd-ridge", make_pipeline(TruncatedSVD(4, random_state=0), Ridge()).fit(D, yd),
              Db, "joblib-zlib")
    s.regress("incremental-pca-whiten-ridge", make_pipeline(
        IncrementalPCA(6, whiten=True), Ridge()).fit(D, yd), Db, "pickle5")
    df, yc = mixed_frame(600)
    pre = ColumnTransformer([
        ("num", Pipeline([("imp", SimpleImputer()), ("sc", StandardScaler()),
                          ("pca", PCA(2))]), ["age", "income", "visits"]),
        ("cat", OneHotEncoder(handle_unknown="ignore", sparse_output=False), ["color", "city"])])
    s.parity("pca-in-columns", Pipeline([("pre", pre), ("lr", LogisticRegression(
        max_iter=2000))]).fit(df, yc), df, "joblib")
    s.transform("pca-alone", PCA(3, whiten=True).fit(D), Db, "pickle2")
    s.transform("svd-alone", TruncatedSVD(2, random_state=1).fit(X), Xb, "joblib")


def column_selectors(s):
    """make_column_selector: the columns it chose at fit are in transformers_ (frost reads
    those); the selector itself and the numpy types it names are inert data."""
    df, yc = mixed_frame(600)
    ct = ColumnTransformer([
        ("num", Pipeline([("imp", SimpleImputer()), ("sc", StandardScaler())]),
         make_column_selector(dtype_include=np.number)),
        ("cat", Pipeline([("imp", SimpleImputer(strategy="most_frequent")),
                          ("oh", OneHotEncoder(handle_unknown="ignore"))]),
         make_column_selector(dtype_include=object))])
    s.parity("selector-dtypes", Pipeline([("ct", ct), ("lr", LogisticRegression(
        max_iter=2000))]).fit(df, yc), df, "joblib")
    ct = ColumnTransformer([
        ("ages", SimpleImputer(), make_column_selector(pattern="^(age|vis)")),
        ("words", OneHotEncoder(handle_unknown="ignore", sparse_output=False),
         make_column_selector(dtype_exclude=[np.floating, "int64"]))],
        remainder="drop")
    s.parity("selector-pattern-exclude", Pipeline([("ct", ct), ("lr", LogisticRegression(
        max_iter=2000))]).fit(df, yc), df, "pickle2")
    yd = df.visits.fillna(0).to_numpy() * 2.0 + 1.0
    s.regress("selector-ttr", TransformedTargetRegressor(Pipeline([
        ("ct", ColumnTransformer([("n", SimpleImputer(), make_column_selector(
            dtype_include="number"))])), ("r", Ridge())]), func=np.log,
        inverse_func=np.exp).fit(df, yd), df, "pickle5")


class OldNumpyPickler(pickle.Pickler):
    """Pickles ufuncs as numpy < 1.20 did: numpy.core._ufunc_reconstruct(module, name)."""
    def reducer_override(self, obj):
        if isinstance(obj, np.ufunc):
            return np.core._ufunc_reconstruct, ("numpy", obj.__name__)
        return NotImplemented


def old_numpy_ufuncs(s):
    if s.only and s.only not in "old-numpy-ufunc":
        return
    D, yd = load_diabetes(return_X_y=True)
    Dp = shifted(D)
    m = TransformedTargetRegressor(make_pipeline(FunctionTransformer(np.sqrt), Ridge()),
                                   func=np.log, inverse_func=np.exp).fit(Dp, yd)
    src = os.path.join(s.tmp, "old-numpy-ufunc.pkl")
    with open(src, "wb") as f:
        OldNumpyPickler(f, protocol=2).dump(m)
    out = os.path.join(s.tmp, "old-numpy-ufunc.frost")
    r = s.run("convert", "-q", src, out)
    if r.returncode:
        s.fail(f"old-numpy-ufunc: convert exit {r.returncode}: {r.stderr.strip()}")
        return
    r = s.run("predict", out, s.write_csv("old-numpy-ufunc", Dp))
    want = m.predict(Dp)
    s.compare("old-numpy-ufunc", "pickle2, numpy < 1.20 ufuncs", "predict",
              r.stdout.splitlines()[1:], want.reshape(-1, 1))


def refusals(s):
    X, y = load_diabetes(return_X_y=True)
    Xp = shifted(X)
    s.refuse_convert("refuse-log10", make_pipeline(FunctionTransformer(np.log10), Ridge()).fit(
        Xp, y), "joblib", ["pipeline/functiontransformer", "not supported yet", "log10"])
    s.refuse_convert("refuse-python-function", make_pipeline(
        FunctionTransformer(user_function), Ridge()).fit(Xp, y), "pickle4",
        ["pipeline/functiontransformer", "user_function"])
    s.refuse_convert("refuse-ttr-inverse", TransformedTargetRegressor(
        Ridge(), func=np.log2, inverse_func=np.exp2).fit(X, y - y.min() + 1), "joblib",
        ["transformedtargetregressor", "not supported yet", "exp2"])
    B, yb = load_breast_cancer(return_X_y=True)
    s.refuse_convert("refuse-sfm-forest", make_pipeline(
        SelectFromModel(RandomForestClassifier(n_estimators=5, random_state=0)),
        LogisticRegression(max_iter=5000)).fit(B, yb), "joblib",
        ["pipeline/selectfrommodel", "not supported yet", "RandomForestClassifier"])


def main():
    return run_suite(SUMMARY, CompositeSuite, (ufuncs, targets, selectors, projections,
                                               column_selectors, old_numpy_ufuncs, refusals),
                     lambda s: f"{s.exact}/{s.values} values bit-exact")


if __name__ == "__main__":
    sys.exit(main())
