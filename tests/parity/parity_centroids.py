#!/usr/bin/python3
"""parity_centroids.py — frost's NearestCentroid, KMeans and MiniBatchKMeans against the real
scikit-learn.

Fits NearestCentroid (euclidean, manhattan; int, string labels) and KMeans / MiniBatchKMeans
(several cluster counts) alone and at the end of Pipelines / ColumnTransformers (imputers,
scalers, a dense and a sparse one-hot), saves them with joblib (plain, zlib 3) or pickle
(protocols 2, 4, 5), converts them with `frost convert` and compares, on CSV rows beyond the
fitted range (more than one of frost's batches):

  frost predict      vs  predict                          labels identical (cluster numbers)
  frost transform    vs  transform (k-means: distances)   within 1e-9; bit-exact values counted;
                                                          header = get_feature_names_out()

Refusals as scikit-learn's: a missing and an infinite value (exit 1, row, column and step named),
`--proba` (neither has predict_proba), NearestCentroid with another metric (not supported yet:
exit 1, no output file), and `frost transform` on a NearestCentroid alone (it does not transform).

    /usr/bin/python3 tests/parity/parity_centroids.py [--frost build/frost] [--keep DIR]
                                                       [--only SUBSTRING]

Ends with exactly "parity-centroids: N passed, M failed"; exits 1 on any failure.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from parity_bayes import Suite, beyond, mixed_frame, run_suite  # noqa: E402  (checks imports)

import numpy as np  # noqa: E402
from sklearn.cluster import KMeans, MiniBatchKMeans  # noqa: E402
from sklearn.compose import ColumnTransformer  # noqa: E402
from sklearn.datasets import load_iris, load_wine  # noqa: E402
from sklearn.impute import SimpleImputer  # noqa: E402
from sklearn.neighbors import NearestCentroid  # noqa: E402
from sklearn.pipeline import Pipeline  # noqa: E402
from sklearn.preprocessing import OneHotEncoder, StandardScaler  # noqa: E402


SUMMARY = "parity-centroids"
RNG = np.random.RandomState(11)


class CentroidSuite(Suite):
    def predict_only(self, name, model, X, how, transform=False):
        """predict (labels), and with transform=True frost transform vs model.transform."""
        if self.only and self.only not in name:
            return
        out = self.convert(model, name, how)
        if not out:
            return
        data = self.write_csv(name, X)
        r = self.run("predict", out, data)
        want = [str(v) for v in model.predict(X)]
        got = r.stdout.splitlines()
        if r.returncode or got[1:] != want:
            bad = next((i for i in range(len(want)) if i + 1 >= len(got) or got[i + 1] != want[i]),
                       None)
            self.fail(f"{name}: predict exit {r.returncode}, first difference at row {bad}: "
                      f"{r.stderr.strip()}")
        else:
            self.ok(f"{name} ({how}): predict, {len(want)} labels identical")
        r = self.run("predict", "--proba", out, data)
        if r.returncode == 0 or r.stdout.count("\n") > 1:
            self.fail(f"{name}: --proba gave probabilities scikit-learn does not have")
        else:
            self.ok(f"{name}: --proba refused ({r.stderr.strip()[-70:]})")
        if not transform:
            return
        r = self.run("transform", out, data)
        if r.returncode:
            self.fail(f"{name}: transform exit {r.returncode}: {r.stderr.strip()}")
            return
        T = model.transform(X)
        header = ",".join(model.get_feature_names_out())
        if r.stdout.splitlines()[0] != header:
            self.fail(f"{name}: transform header {r.stdout.splitlines()[0][:60]} is not "
                      f"get_feature_names_out() {header[:60]}")
        self.numbers(f"{name} ({how})", "transform", r.stdout.splitlines()[1:], T)


def kmeans(s):
    X, _ = load_iris(return_X_y=True)
    s.predict_only("kmeans-iris-3", KMeans(n_clusters=3, n_init=4, random_state=0).fit(X),
                   beyond(X, 4200), "joblib", transform=True)
    Xw, _ = load_wine(return_X_y=True)
    s.predict_only("kmeans-wine-8", KMeans(n_clusters=8, n_init=2, random_state=1).fit(Xw),
                   beyond(Xw), "pickle4", transform=True)
    s.predict_only("minibatch-wine-5",
                   MiniBatchKMeans(n_clusters=5, n_init=3, random_state=0).fit(Xw),
                   beyond(Xw), "joblib-zlib", transform=True)
    s.predict_only("kmeans-one-cluster", KMeans(n_clusters=1, n_init=1).fit(X), X, "pickle2",
                   transform=True)
    Xn = X[:12].copy()
    Xn[4, 1] = np.nan
    s.refuse_row("kmeans-nan", KMeans(n_clusters=3, n_init=1, random_state=0).fit(X), Xn,
                 "joblib", 5, ["x1", "KMeans", "Input X contains NaN"])


def nearest(s):
    X, y = load_iris(return_X_y=True)
    names = np.array(["setosa", "versicolor", "virginica"])[y]
    s.predict_only("nearest-iris-strings", NearestCentroid().fit(X, names), beyond(X, 4200),
                   "joblib")
    Xw, yw = load_wine(return_X_y=True)
    s.predict_only("nearest-wine-manhattan", NearestCentroid(metric="manhattan").fit(Xw, yw),
                   beyond(Xw), "pickle5")
    s.predict_only("nearest-shrink", NearestCentroid(shrink_threshold=0.2).fit(Xw, yw),
                   beyond(Xw), "joblib")
    Xi = X[:8].copy()
    Xi[2, 3] = -np.inf
    s.refuse_row("nearest-inf", NearestCentroid().fit(X, y), Xi, "joblib", 3,
                 ["x3", "NearestCentroid", "infinity"])


def pipelines(s):
    df, y = mixed_frame(500)
    num = ["age", "income", "visits"]
    pre = ColumnTransformer([
        ("num", Pipeline([("imp", SimpleImputer()), ("sc", StandardScaler())]), num),
        ("cat", OneHotEncoder(handle_unknown="ignore", sparse_output=False), ["color", "city"])])
    p = Pipeline([("pre", pre), ("km", KMeans(n_clusters=6, n_init=2, random_state=0))])
    s.predict_only("pipeline-kmeans", p.fit(df), df, "joblib", transform=True)
    p = Pipeline([("pre", pre), ("nc", NearestCentroid())])
    s.predict_only("pipeline-nearest", p.fit(df, y), df, "pickle4")
    sparse = ColumnTransformer([
        ("num", Pipeline([("imp", SimpleImputer()), ("sc", StandardScaler())]), num),
        ("cat", OneHotEncoder(handle_unknown="ignore"), ["color", "city"])])
    p = Pipeline([("pre", sparse), ("km", MiniBatchKMeans(n_clusters=4, n_init=3,
                                                          random_state=0))])
    s.predict_only("pipeline-minibatch-sparse-onehot", p.fit(df), df, "joblib", transform=True)


def refusals(s):
    if s.only and s.only not in "nearest-cosine nearest-transform":
        return
    X, y = load_iris(return_X_y=True)
    src = s.save(NearestCentroid(metric="cosine").fit(X, y), "nearest-cosine", "joblib")
    out = os.path.join(s.tmp, "nearest-cosine.frost")
    r = s.run("convert", "-q", src, out)
    if r.returncode == 1 and "not supported yet" in r.stderr and "cosine" in r.stderr \
            and not os.path.exists(out):
        s.ok(f"nearest-cosine: refused ({r.stderr.strip()[-80:]})")
    else:
        s.fail(f"nearest-cosine: want exit 1 naming cosine, no file; got {r.returncode}: "
               f"{r.stderr.strip()}")
    out = s.convert(NearestCentroid().fit(X, y), "nearest-transform", "joblib")
    if out:
        r = s.run("transform", out, s.write_csv("nearest-transform", X[:3]))
        if r.returncode == 1 and not r.stdout:
            s.ok(f"nearest-transform: frost transform refused ({r.stderr.strip()[-60:]})")
        else:
            s.fail(f"nearest-transform: want exit 1; got {r.returncode}: {r.stdout[:80]}")


def main():
    return run_suite(SUMMARY, CentroidSuite, (kmeans, nearest, pipelines, refusals),
                     lambda s: f"{s.exact}/{s.values} transformed values bit-exact")


if __name__ == "__main__":
    sys.exit(main())
