#!/usr/bin/python3
"""make_sk_models.py OUT_DIR FROST_BIN - models with PROGRAM, LINEAR, COMBINE and BAYES sections
(spec stage).

The public builder API (make_models.c) writes tree ensembles only; preprocessing programs, linear
models and combinations (VotingClassifier / VotingRegressor / OneVsRestClassifier: COMBINE with a
MEMBERS tree table) come from the importer. So this trains small scikit-learn pipelines, transformers
and linear models with Debian's Python (scikit-learn 1.2.1), saves them with joblib in a temporary
directory and runs the real `frost convert` on each. For every model NAME it writes
OUT_DIR/NAME.frost and OUT_DIR/NAME.csv (rows for predict/transform: named columns in a shuffled
order, an extra column, missing values, unknown categories where the model ignores them, and for
the sk_f12_* models infinities and values beyond float32).

The sk_f13_* models convert to format 1.3 files: HistGradientBoosting (wide and categorical
splits, the links EXP and SOFTMAX_NORM) and IsolationForest (ISOLATION, with CHECKS).

The sk_f12_* models are the ones whose conversion gives format 1.2 files once the converter writes
them: columns a ColumnTransformer drops (FEATURES kind unused) and the values scikit-learn refuses
(CHECKS); their rows hold values those checks refuse, which spec_checks.py compares row by row.
A converter without 1.2 writes them as 1.0 files, which must pass all the same.

Prints one line per model: "ok - convert NAME", "FAIL - convert NAME: why", or, when frost
convert says a class is "not supported yet", "# skip - convert NAME: ..." (not counted: the
converter's coverage is not a format rule, but the line shows what is not yet checked).
Output is deterministic (fixed seeds).
"""
import csv
import os
import subprocess
import sys
import tempfile
import warnings
import zlib

warnings.filterwarnings("ignore")

import joblib  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from sklearn.compose import ColumnTransformer, TransformedTargetRegressor  # noqa: E402
from sklearn.decomposition import PCA, TruncatedSVD  # noqa: E402
from sklearn.feature_selection import SelectKBest, f_regression  # noqa: E402
from sklearn.ensemble import (GradientBoostingClassifier, GradientBoostingRegressor,  # noqa: E402
                              HistGradientBoostingClassifier, HistGradientBoostingRegressor,
                              IsolationForest, RandomForestClassifier, RandomForestRegressor,
                              VotingClassifier, VotingRegressor)
from sklearn.impute import SimpleImputer  # noqa: E402
from sklearn.linear_model import (LinearRegression, LogisticRegression, Ridge,  # noqa: E402
                                  RidgeClassifier, SGDClassifier)
from sklearn.cluster import KMeans, MiniBatchKMeans  # noqa: E402
from sklearn.multiclass import OneVsRestClassifier  # noqa: E402
from sklearn.neighbors import NearestCentroid  # noqa: E402
from sklearn.neural_network import MLPClassifier, MLPRegressor  # noqa: E402
from sklearn.naive_bayes import (BernoulliNB, CategoricalNB, ComplementNB,  # noqa: E402
                                 GaussianNB, MultinomialNB)
from sklearn.pipeline import FeatureUnion, Pipeline  # noqa: E402
from sklearn.preprocessing import FunctionTransformer  # noqa: E402
from sklearn.preprocessing import (KBinsDiscretizer, MaxAbsScaler, MinMaxScaler,  # noqa: E402
                                   Normalizer, OneHotEncoder, OrdinalEncoder,
                                   PolynomialFeatures, RobustScaler, StandardScaler)
from sklearn.svm import LinearSVC  # noqa: E402
from sklearn.tree import DecisionTreeClassifier  # noqa: E402

N_TRAIN = 240
CATS_C = ["x", "y", "z", "a,b", "\"q\"", "ünï", "日本"]
CATS_D = ["p", "q", "r"]
UNKNOWN = ["w", "never seen", "X", "p ", "Ω"]


def training_frame(rng):
    a = rng.randn(N_TRAIN)
    a[::7] = np.nan
    b = rng.randn(N_TRAIN) * 100 + 3
    b[5::13] = np.nan
    c = rng.choice(CATS_C, N_TRAIN).astype(object)
    c[::11] = np.nan
    d = rng.choice(CATS_D, N_TRAIN).astype(object)
    e = rng.randint(0, 5, N_TRAIN).astype(float)
    return pd.DataFrame({"a": a, "b": b, "c": c, "d": d, "e": e})


def dated_frame(df, rng):
    """df with an id column first and a date-like string column ("when") that no step reads."""
    out = df.copy()
    out.insert(0, "id", np.arange(1000, 1000 + len(df)).astype(float))
    days = rng.randint(0, 365, len(df))
    out["when"] = [str(np.datetime64("2024-01-01") + np.timedelta64(int(d), "D")) for d in days]
    return out


def num_pipe():
    return Pipeline([("imp", SimpleImputer()), ("sc", StandardScaler())])


def cat_pipe(unknown="ignore"):
    return Pipeline([("imp", SimpleImputer(strategy="constant", fill_value="missing")),
                     ("oh", OneHotEncoder(handle_unknown=unknown))])


def mixed_ct(remainder="drop"):
    return ColumnTransformer([("num", num_pipe(), ["a", "b"]), ("cat", cat_pipe(), ["c", "d"])],
                             remainder=remainder)


def models(df, rng):
    """[(name, fitted estimator, row spec)]; row spec: dict(columns, unknown, missing)."""
    y2 = (df["b"].fillna(0) > 3).astype(int).to_numpy()
    y3 = np.where(df["a"].fillna(0) > 0.4, "hi", np.where(df["a"].fillna(0) < -0.4, "lo", "mid"))
    y10 = rng.randint(0, 10, N_TRAIN)
    y12 = rng.randint(0, 12, N_TRAIN)
    yr = df["b"].fillna(0).to_numpy() * 0.5 + df["e"].to_numpy()
    num = df[["a", "b"]].fillna(0.25)
    allc = ["a", "b", "c", "d", "e"]
    full = dict(columns=allc, unknown=True, missing=True)
    nums = dict(columns=["a", "b"], unknown=False, missing=False)
    M = []

    def add(name, est, X, y, rows):
        M.append((name, est.fit(X, y) if y is not None else est.fit(X), rows))

    # linear estimators behind a ColumnTransformer (PROGRAM + LINEAR)
    add("sk_pipe_logreg", Pipeline([("ct", mixed_ct()), ("m", LogisticRegression())]), df, y2,
        full)
    add("sk_pipe_softmax", Pipeline([("ct", mixed_ct()), ("m", LogisticRegression())]), df, y3,
        full)
    add("sk_pipe_ovr10", Pipeline([("ct", mixed_ct()),
                                   ("m", LogisticRegression(multi_class="ovr"))]), df, y10, full)
    add("sk_pipe_bin_multinomial",
        Pipeline([("ct", mixed_ct()), ("m", LogisticRegression(multi_class="multinomial"))]),
        df, y2, full)
    add("sk_pipe_linreg2", Pipeline([("ct", mixed_ct("passthrough")), ("m", LinearRegression())]),
        df, np.c_[yr, -2 * yr + 1], full)
    add("sk_pipe_sgd_hinge", Pipeline([("ct", mixed_ct()), ("m", SGDClassifier(random_state=0))]),
        df, y3, full)
    # tree ensembles behind a ColumnTransformer (PROGRAM + ENSEMBLE)
    add("sk_pipe_rf", Pipeline([("ct", mixed_ct()),
                                ("m", RandomForestClassifier(n_estimators=8, max_depth=6,
                                                             random_state=0))]), df, y3, full)
    add("sk_pipe_tree", Pipeline([("ct", mixed_ct("passthrough")),
                                  ("m", DecisionTreeClassifier(max_depth=7, random_state=0))]),
        df, y10, full)
    add("sk_pipe_gb", Pipeline([("ct", mixed_ct()),
                                ("m", GradientBoostingClassifier(n_estimators=6, max_depth=3,
                                                                 random_state=0))]), df, y3, full)
    add("sk_pipe_gbr", Pipeline([("imp", SimpleImputer()),
                                 ("m", GradientBoostingRegressor(n_estimators=10,
                                                                 random_state=0))]),
        df[["a", "b", "e"]], yr, dict(columns=["a", "b", "e"], unknown=False, missing=True))
    # bare linear estimators (LINEAR, no PROGRAM): rows have no missing values
    add("sk_linreg", LinearRegression(), num, yr, nums)
    add("sk_logreg", LogisticRegression(), num, y2, nums)
    add("sk_logreg12", LogisticRegression(max_iter=500), num, y12, nums)
    add("sk_sgd_log", SGDClassifier(loss="log_loss", random_state=0), num, y3, nums)
    add("sk_pipe_ridge_indicator", Pipeline([("i", SimpleImputer(add_indicator=True)),
                                             ("m", Ridge())]), df[["a", "b"]], yr,
        dict(columns=["a", "b"], unknown=False, missing=True))
    # transformers only (PROGRAM, no estimator)
    add("sk_ct", mixed_ct("passthrough"), df, None, full)
    add("sk_ordinal", ColumnTransformer([
        ("o", OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1,
                             encoded_missing_value=np.nan), ["c", "d"]),
        ("s", StandardScaler(), ["e"])]), df, None, full)
    add("sk_onehot_numeric", OneHotEncoder(handle_unknown="ignore"), df[["e", "a"]], None,
        dict(columns=["e", "a"], unknown=True, missing=True))
    add("sk_onehot_drop", OneHotEncoder(drop="first"), df[["d", "e"]], None,
        dict(columns=["d", "e"], unknown=False, missing=False))
    add("sk_imputer_str", Pipeline([
        ("i", SimpleImputer(strategy="most_frequent")),
        ("o", OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-7))]),
        df[["c", "d"]], None, dict(columns=["c", "d"], unknown=True, missing=True))
    add("sk_scaler", StandardScaler(), df[["a", "b"]], None,
        dict(columns=["a", "b"], unknown=False, missing=True))
    add("sk_minmax_clip", MinMaxScaler(clip=True), df[["a", "b"]], None,
        dict(columns=["a", "b"], unknown=False, missing=True))
    add("sk_robust", RobustScaler(), df[["a", "b"]], None,
        dict(columns=["a", "b"], unknown=False, missing=True))
    add("sk_maxabs", MaxAbsScaler(), df[["a", "b"]], None,
        dict(columns=["a", "b"], unknown=False, missing=True))
    add("sk_normalizer", Normalizer(), num, None, nums)
    add("sk_poly", PolynomialFeatures(degree=3), num, None, nums)
    add("sk_kbins", KBinsDiscretizer(n_bins=5, encode="ordinal"), num, None, nums)
    add("sk_kbins_onehot", KBinsDiscretizer(n_bins=4, encode="onehot-dense"), num, None, nums)
    add("sk_kbins_uniform", KBinsDiscretizer(n_bins=6, encode="ordinal", strategy="uniform"),
        num, None, nums)
    add("sk_union", FeatureUnion([("s", StandardScaler()), ("m", MinMaxScaler()),
                                  ("n", Normalizer(norm="l1"))]), num, None, nums)
    add("sk_pipe_poly_kbins_logreg", Pipeline([
        ("u", FeatureUnion([("p", PolynomialFeatures(degree=2)),
                            ("k", KBinsDiscretizer(n_bins=3, encode="onehot-dense"))])),
        ("s", MaxAbsScaler()), ("m", LogisticRegression(max_iter=1000))]), num, y3, nums)
    add("sk_linear_svc", LinearSVC(random_state=0, max_iter=5000), num, y3, nums)
    add("sk_linear_svc_binary", LinearSVC(random_state=0, max_iter=5000), num, y2, nums)
    add("sk_ridge_classifier", RidgeClassifier(), num, y3, nums)
    add("sk_pipe_normalizer_max", Pipeline([("i", SimpleImputer()), ("n", Normalizer(norm="max")),
                                            ("m", Ridge())]), df[["a", "b"]], yr,
        dict(columns=["a", "b"], unknown=False, missing=True))
    # combinations (COMBINE, format 1.1): members reading their own PROGRAM slots
    add("sk_vote_soft", Pipeline([("ct", mixed_ct()), ("m", VotingClassifier([
        ("lr", LogisticRegression()),
        ("rf", RandomForestClassifier(n_estimators=5, max_depth=5, random_state=0)),
        ("gb", GradientBoostingClassifier(n_estimators=4, max_depth=2, random_state=0))],
        voting="soft", weights=[2, 1, 0.5]))]), df, y3, full)
    add("sk_vote_hard_member_pipelines", VotingClassifier([
        ("lr", Pipeline([("ct", mixed_ct()), ("lr", LogisticRegression())])),
        ("dt", Pipeline([("ct", mixed_ct("passthrough")),
                         ("dt", DecisionTreeClassifier(max_depth=5, random_state=0))])),
        ("svc", Pipeline([("ct", mixed_ct()), ("svc", LinearSVC(random_state=0,
                                                                max_iter=5000))]))],
        voting="hard"), df, y3, full)
    add("sk_vote_plain_soft", VotingClassifier([
        ("lr", LogisticRegression()), ("dt", DecisionTreeClassifier(max_depth=4,
                                                                     random_state=0))],
        voting="soft"), num, y2, nums)
    add("sk_vote_regressor", Pipeline([("i", SimpleImputer()), ("m", VotingRegressor([
        ("ridge", Ridge()), ("gb", GradientBoostingRegressor(n_estimators=5, random_state=0)),
        ("rf", RandomForestRegressor(n_estimators=3, max_depth=4, random_state=0))],
        weights=[1, 3, 2]))]), df[["a", "b", "e"]], yr,
        dict(columns=["a", "b", "e"], unknown=False, missing=True))
    add("sk_ovr_logreg", Pipeline([("ct", mixed_ct()),
                                   ("m", OneVsRestClassifier(LogisticRegression()))]),
        df, y3, full)
    add("sk_ovr_rf_binary", Pipeline([("ct", mixed_ct()), ("m", OneVsRestClassifier(
        RandomForestClassifier(n_estimators=4, max_depth=4, random_state=0)))]), df, y2, full)
    add("sk_ovr_gb10", OneVsRestClassifier(GradientBoostingClassifier(
        n_estimators=3, max_depth=2, random_state=0)), num, y10, nums)
    # naive Bayes (BAYES, format 1.3), bare and behind a ColumnTransformer
    add("sk_nb_gaussian", GaussianNB(), num, y3, nums)
    add("sk_nb_bernoulli", BernoulliNB(binarize=0.1), num, y3, nums)
    add("sk_nb_complement", ComplementNB(), num.abs(), y2, nums)
    add("sk_nb_categorical", CategoricalNB(), df[["e"]], y3,
        dict(columns=["e"], unknown=False, missing=False))
    add("sk_pipe_nb_multinomial", Pipeline([("ct", ColumnTransformer([
        ("n", Pipeline([("i", SimpleImputer()), ("m", MinMaxScaler())]), ["a", "b"]),
        ("c", cat_pipe(), ["c", "d"])])), ("m", MultinomialNB(alpha=0.5))]), df, y3, full)
    # nearest centroid and k-means (CENTROIDS, format 1.3)
    add("sk_nearest", NearestCentroid(), num, y3, nums)
    add("sk_nearest_manhattan", NearestCentroid(metric="manhattan"), num, y10, nums)
    add("sk_kmeans", KMeans(n_clusters=4, n_init=2, random_state=0), num, None, nums)
    add("sk_pipe_kmeans", Pipeline([("ct", mixed_ct()),
                                    ("m", MiniBatchKMeans(n_clusters=5, n_init=2,
                                                          random_state=0))]), df, None, full)
    # multi-layer perceptrons (MLP, format 1.3): multi-class, binary, multi-label, regressors
    add("sk_mlp_relu", MLPClassifier((6, 4), max_iter=300, random_state=0), num, y3, nums)
    add("sk_mlp_tanh_binary", MLPClassifier((5,), activation="tanh", max_iter=300,
                                            random_state=0), num, y2, nums)
    add("sk_mlp_multilabel", MLPClassifier((5,), activation="logistic", max_iter=300,
                                           random_state=0), num, np.c_[y2, y3 == "hi"], nums)
    add("sk_pipe_mlp_regressor2", Pipeline([("ct", mixed_ct()), ("m", MLPRegressor(
        (7,), activation="identity", max_iter=300, random_state=0))]), df,
        np.c_[yr, -2 * yr + 1], full)
    # format 1.2 once the converter writes it: unused columns (id, when, e by remainder='drop',
    # d by 'drop') and CHECKS (LogisticRegression refuses NaN and infinities, forests also
    # values beyond float32; StandardScaler lets NaN through but refuses infinities)
    dated = dated_frame(df, rng)
    # today's converter types the columns nothing reads as numbers, so their fields stay empty
    # here (any text is refused as "not a number"); spec_checks.py fills the unused columns of
    # a 1.2 file with text, and leaves them out, itself
    f12 = dict(columns=["id"] + allc + ["when"], unknown=True, missing=True, extreme=True,
               blank=["d", "when"])
    add("sk_f12_dropped_cols_logreg", Pipeline([
        ("ct", ColumnTransformer([("num", num_pipe(), ["a", "b"]), ("cat", cat_pipe(), ["c"]),
                                  ("gone", "drop", ["d"])], remainder="drop")),
        ("m", LogisticRegression())]), dated, y2, f12)
    add("sk_f12_scaler_linreg", Pipeline([("sc", StandardScaler()), ("m", LinearRegression())]),
        num, yr, dict(nums, missing=True, extreme=True))
    add("sk_f12_rf_frame", RandomForestClassifier(n_estimators=6, max_depth=5, random_state=0),
        df[["a", "b", "e"]].fillna(0.5), y3,
        dict(columns=["a", "b", "e"], unknown=False, missing=True, extreme=True))
    # format 1.3: categories ordinal-encoded (unknown ones to 40, which training never saw;
    # missing ones to NaN) into categorical HistGradientBoosting splits; a Poisson regressor
    # (link EXP); an IsolationForest (its CHECKS refuse NaN, infinities, beyond float32)
    add("sk_f13_hgb_cat", Pipeline([
        ("ct", ColumnTransformer([("o", OrdinalEncoder(handle_unknown="use_encoded_value",
                                                       unknown_value=40,
                                                       encoded_missing_value=np.nan),
                                   ["c", "d"])], remainder="passthrough")),
        ("m", HistGradientBoostingClassifier(categorical_features=[0, 1], max_iter=8,
                                             random_state=0))]), df, y3,
        dict(full, extreme=True))
    add("sk_f13_hgb_poisson", HistGradientBoostingRegressor(loss="poisson", max_iter=12,
                                                            random_state=0),
        df[["a", "b", "e"]], np.abs(yr), dict(columns=["a", "b", "e"], unknown=False,
                                              missing=True, extreme=True))
    add("sk_f13_iforest", IsolationForest(n_estimators=12, max_features=2, random_state=0),
        df[["a", "b", "e"]].fillna(0.5), None,
        dict(columns=["a", "b", "e"], unknown=False, missing=True, extreme=True))
    # format 1.3: numpy ufuncs in the PROGRAM (UFUNC), a TransformedTargetRegressor's inverse
    # (TARGET: StandardScaler's affine map, a ufunc), a feature selector's columns
    add("sk_f13_ufunc_ttr", TransformedTargetRegressor(Pipeline([
        ("i", SimpleImputer()), ("abs", FunctionTransformer(np.abs)),
        ("sq", FunctionTransformer(np.sqrt)), ("sel", SelectKBest(f_regression, k=1)),
        ("m", Ridge())]), transformer=StandardScaler()), df[["a", "b"]], yr,
        dict(columns=["a", "b"], unknown=False, missing=True))
    add("sk_f13_ttr_expm1", TransformedTargetRegressor(LinearRegression(), func=np.log1p,
                                                       inverse_func=np.expm1),
        num, np.abs(yr), nums)
    add("sk_f13_ufunc_ct", ColumnTransformer([
        ("r", FunctionTransformer(np.reciprocal, feature_names_out="one-to-one"), ["a"]),
        ("x", FunctionTransformer(np.exp, feature_names_out="one-to-one"), ["b"]),
        ("l", FunctionTransformer(np.log), ["e"])]), df, None, full)
    # format 1.3 PROJECT: a whitened PCA before a regressor, a TruncatedSVD alone
    add("sk_f13_pca_ridge", Pipeline([("i", SimpleImputer()), ("p", PCA(2, whiten=True)),
                                      ("m", Ridge())]), df[["a", "b", "e"]], yr,
        dict(columns=["a", "b", "e"], unknown=False, missing=True))
    add("sk_f13_svd", TruncatedSVD(1, random_state=0), num, None, nums)
    return M


# infinities, NaN, values whose float32 rounding is infinite (1e39, 2^128 - 2^103) and the
# largest that stay finite (the double below 2^128 - 2^103, FLT_MAX)
EXTREME = ["inf", "-inf", "1e39", "-1e39", "nan", "3.4028235677973366e+38",
           "-3.4028235677973362e+38", "3.4028234663852886e+38"]


def row_value(col, rng, df, spec):
    r = rng.randint(0, 20)
    if col == "id":
        return str(rng.randint(0, 10 ** 6))
    if col == "when":
        return ("", "2024-02-30", "not a date")[r] if r < 3 else "2024-%02d-%02d" % (
            rng.randint(1, 13), rng.randint(1, 29))
    if col in ("c", "d"):
        pool = CATS_C if col == "c" else CATS_D
        if spec["missing"] and r == 0:
            return ""
        if spec["unknown"] and r == 1:
            return UNKNOWN[rng.randint(0, len(UNKNOWN))]
        return pool[rng.randint(0, len(pool))]
    if spec.get("extreme") and r == 7:
        return EXTREME[rng.randint(0, len(EXTREME))]
    if spec["missing"] and r == 0:
        return ""
    seen = df[col].dropna().to_numpy()
    if col == "e":
        if spec["unknown"] and r == 1:
            return repr(float(rng.choice([7.0, -1.0, 2.5])))
        return repr(float(seen[rng.randint(0, len(seen))]))
    if r in (2, 3, 4, 5):
        return repr(float(seen[rng.randint(0, len(seen))]))  # a training value, exactly
    if r == 6:
        return repr(float(rng.choice([0.0, -0.0, 1e300, -1e300, 1e-310, 5e-324, 123456789.0])))
    return repr(float(rng.randn() * (100 if col == "b" else 2)))


def write_rows(path, spec, df, rng, n_rows=120):
    cols = list(spec["columns"])
    order = list(cols)
    rng.shuffle(order)
    header = order + ["zz_extra"]
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        for i in range(n_rows):
            vals = {c: row_value(c, rng, df, spec) for c in cols}
            vals.update((c, "") for c in spec.get("blank", ()))
            if i == 0 and spec["missing"]:
                vals = {c: "" for c in cols}
            w.writerow([vals[c] for c in order] + [str(i)])


def main(argv):
    if len(argv) != 3:
        print("usage: make_sk_models.py OUT_DIR FROST_BIN", file=sys.stderr)
        return 2
    out, frost = argv[1], argv[2]
    rng = np.random.RandomState(20240607)
    df = training_frame(rng)
    failed = 0
    with tempfile.TemporaryDirectory(prefix="frost-sk-") as tmp:
        for name, est, spec in models(df, rng):
            src = os.path.join(tmp, name + ".joblib")
            dst = os.path.join(out, name + ".frost")
            joblib.dump(est, src)
            p = subprocess.run([frost, "convert", src, dst, "--quiet"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, timeout=120)
            err = p.stderr.decode("utf-8", "replace").strip().replace("\n", " | ")
            if p.returncode == 0 and os.path.exists(dst):
                write_rows(os.path.join(out, name + ".csv"), spec, df,
                           np.random.RandomState(zlib.crc32(name.encode())))
                print("ok - convert %s (%s)" % (name, type(est).__name__), flush=True)
            elif "not supported yet" in err:
                print("# skip - convert %s: %s" % (name, err), flush=True)
            else:
                print("FAIL - convert %s: exit %d: %s" % (name, p.returncode, err), flush=True)
                failed = 1
    return failed


if __name__ == "__main__":
    sys.exit(main(sys.argv))
