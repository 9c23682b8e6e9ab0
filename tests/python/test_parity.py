"""test_parity.py — frost.save → frost.load → predict / predict_proba / decision_function /
transform against the same fitted scikit-learn estimator, through the Python API, on the models
of the CLI parity suites (tests/parity/parity_trees.py and parity_pipelines.py: their cases are
imported, so a model added there is held to parity here too) and on bare linear models.

Inputs: numpy float64 in C and Fortran order, float32, int; DataFrames with the columns
shuffled and an extra column; NaNs and categories unseen at fit (the pipeline cases' scoring
frames); lists of dicts. Also: which of predict_proba / decision_function exist (as
scikit-learn's available_if decides), classes_ and its kind, feature_names_in_,
get_feature_names_out(), and refusals of what frost does not convert.
"""
import numpy as np
import pandas as pd
import pytest
from conftest import assert_close, assert_labels, assert_same_answers

import frost
import parity_pipelines as PP
import parity_trees as PT

# ---- trees, forests, gradient boosting (parity_trees' cases) ---------------------------------

TREE_CASES = [(i, c) for i, c in enumerate(PT.cases()) if not c.big]


def fit_tree_case(i, case):
    X, y, names = PT.dataset(case.data)
    d = PT.split(X, y, seed=i, sw=np.random.RandomState(i).uniform(0.1, 3.0, size=len(X))
                 if case.sw else None)
    ytr = d["ytr"]
    if case.labels == "single":
        ytr = np.full(len(ytr), "only")
    elif case.labels == "float_sub":
        ytr = PT.relabel(ytr, "int")
    elif case.labels:
        ytr = PT.relabel(ytr, case.labels)
    if case.names is not None:
        names = case.names[:X.shape[1]]
    elif names is None:
        names = [f"feat_{j}" for j in range(X.shape[1])]
    Xfit = pd.DataFrame(d["Xtr"], columns=names) if case.frame else d["Xtr"]
    est = case.est
    est.fit(Xfit, ytr, **({"sample_weight": d["sw"]} if case.sw else {}))
    if case.post:
        case.post(est)
    if case.labels == "float_sub":
        est.classes_ = PT.FLOAT_SUB[:len(est.classes_)].copy()
    if hasattr(est, "n_jobs"):
        est.set_params(n_jobs=None)
    Xte = np.ascontiguousarray(d["Xte"][:200])
    with np.errstate(over="ignore"):  # rows float32 cannot hold are scikit-learn's refusals
        Xte = Xte[np.isfinite(Xte.astype(np.float32)).all(axis=1)]
    return est, Xte, (names if case.frame else None)


@pytest.mark.parametrize("i,case", TREE_CASES, ids=[c.name for _, c in TREE_CASES])
def test_trees(i, case, save_load):
    est, Xte, names = fit_tree_case(i, case)
    try:
        m = save_load(est)
    except frost.FrostError:  # a clean refusal, where the CLI suite allows one
        if case.may_refuse:
            return
        raise
    if hasattr(est, "classes_"):
        if isinstance(est.classes_, list):  # multi-output: one array per output
            assert len(m.classes_) == len(est.classes_)
            for got, exp in zip(m.classes_, est.classes_):
                assert_labels(got, exp, "classes_")
        else:
            assert_labels(m.classes_, est.classes_, "classes_")
    assert m.n_features_in_ == Xte.shape[1]
    if names is None:
        assert not hasattr(m, "feature_names_in_")
        assert_same_answers(m, est, Xte, what="float64 C order")
        assert_same_answers(m, est, np.asfortranarray(Xte), what="float64 Fortran order")
        X32 = Xte.astype(np.float32)
        assert_same_answers(m, est, X32, what="float32")
        return
    assert list(m.feature_names_in_) == list(names)
    df = pd.DataFrame(Xte, columns=names)
    assert_same_answers(m, est, df, what="DataFrame")
    # columns in another order, and one the model never saw: by name, the extra ignored
    shuffled = df[list(reversed(names))].assign(extra_column="junk")
    assert_same_answers(m, est, shuffled, Xsk=df, what="shuffled DataFrame")
    # a numpy array is taken by position
    assert_same_answers(m, est, np.asfortranarray(Xte), Xsk=df, what="Fortran array")
    assert_same_answers(m, est, df.astype(np.float32), what="float32 DataFrame")


def test_int_input_is_read_as_float(save_load):
    from sklearn.ensemble import RandomForestClassifier
    rng = np.random.RandomState(0)
    X = rng.randint(-5, 6, size=(300, 4))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    est = RandomForestClassifier(n_estimators=10, random_state=0).fit(X, y)
    m = save_load(est)
    for dtype in (np.int64, np.int32, np.int8, np.uint8, bool):
        Xd = np.abs(X).astype(dtype)
        assert_same_answers(m, est, Xd, what=str(dtype))
    assert_same_answers(m, est, X.T.copy().T, what="int64 Fortran order")
    assert_same_answers(m, est, X.tolist(), what="list of lists")


def test_gradient_boosting_decision_function(save_load):
    from sklearn.datasets import make_classification
    from sklearn.ensemble import GradientBoostingClassifier
    for k in (2, 4):
        X, y = make_classification(n_samples=400, n_features=6, n_informative=4, n_classes=k,
                                   random_state=k)
        est = GradientBoostingClassifier(n_estimators=30, max_depth=3, random_state=0)
        est.fit(X, y)
        m = save_load(est, f"gb{k}.frost")
        assert m.decision_function(X).shape == ((400,) if k == 2 else (400, k))
        assert_same_answers(m, est, X, what=f"GB {k} classes")


# ---- linear models, bare ---------------------------------------------------------------------

def linear_models():
    from sklearn.linear_model import (LinearRegression, LogisticRegression, Ridge,
                                      RidgeClassifier, SGDClassifier, SGDRegressor)
    from sklearn.svm import LinearSVC, LinearSVR
    return [
        ("logreg", LogisticRegression(max_iter=1000), "bin"),
        ("logreg_multi", LogisticRegression(max_iter=1000), "multi"),
        ("logreg_ovr", LogisticRegression(multi_class="ovr", solver="liblinear"), "multi"),
        ("logreg_multinomial_binary", LogisticRegression(multi_class="multinomial"), "bin"),
        ("linearsvc", LinearSVC(max_iter=5000, random_state=0), "bin"),
        ("linearsvc_multi", LinearSVC(max_iter=5000, random_state=0), "multi"),
        ("ridgeclassifier", RidgeClassifier(), "multi"),
        ("sgd_hinge", SGDClassifier(random_state=0), "bin"),
        ("sgd_log", SGDClassifier(loss="log_loss", random_state=0), "multi"),
        ("linreg", LinearRegression(), "reg"),
        ("ridge", Ridge(alpha=0.3), "reg2"),
        ("sgdreg", SGDRegressor(random_state=0), "reg"),
        ("linearsvr", LinearSVR(max_iter=5000, random_state=0), "reg"),
    ]


@pytest.mark.parametrize("name,est,kind", linear_models(), ids=[n for n, _, _ in linear_models()])
def test_linear(name, est, kind, save_load):
    from sklearn.datasets import make_classification, make_regression
    if kind in ("bin", "multi"):
        X, y = make_classification(n_samples=300, n_features=7, n_informative=4,
                                   n_classes=2 if kind == "bin" else 3, random_state=3)
        y = np.array(["no", "yes", "maybe"], dtype=object)[y]
    else:
        X, y = make_regression(n_samples=300, n_features=7, n_targets=1 if kind == "reg" else 2,
                               noise=1.0, random_state=3)
    est.fit(X, y)
    m = save_load(est)
    assert_same_answers(m, est, X, what="float64")
    assert_same_answers(m, est, np.asfortranarray(X), what="Fortran")
    # float32 is widened exactly; scikit-learn's dot product upcasts it the same way
    assert_same_answers(m, est, X.astype(np.float32), what="float32")


# ---- pipelines and combinations (parity_pipelines' cases) -------------------------------------

PIPE_CASES = list(enumerate(PP.cases()))


def fit_pipeline_case(ci, case):
    """Fitted as parity_pipelines.py fits it, with its scoring frame (NaNs, unseen values)."""
    seed = 1000 + ci
    X = PP.make_frame(600, seed, case.nan)[case.cols].rename(columns=case.rename)
    Xs = PP.make_frame(300, seed + 1, case.nan, case.unk, score=True)[case.cols] \
        .rename(columns=case.rename)
    if case.note.startswith("num3 all-missing"):
        X = X.copy()
        X["num3"] = np.nan
        Xs = Xs.copy()
        Xs.loc[Xs.index[::3], "num3"] = np.nan
    y = PP.targets(PP.make_frame(600, seed, case.nan), seed)[case.y] if case.y else None
    est = case.build()
    Xf = X.to_numpy(dtype=float) if case.numpy else X
    est.fit(Xf, y) if y is not None else est.fit(Xf)
    return est, Xs


@pytest.mark.parametrize("ci,case", PIPE_CASES, ids=[c.name for _, c in PIPE_CASES])
def test_pipelines(ci, case, tmp_path):
    est, Xs = fit_pipeline_case(ci, case)
    path = tmp_path / "m.frost"
    if case.expect == "refuse":
        with pytest.raises((frost.UnsupportedModel, frost.RefusedModel)) as info:
            frost.save(est, path)
        msg = str(info.value)
        for need in case.needs:  # the pickle names this module, not __main__, here
            assert need.replace("__main__", PP.ClipOutliers.__module__) in msg, msg
        assert not path.exists()
        return
    try:
        frost.save(est, path, compress="lz4" if ci % 2 else None)
    except (frost.UnsupportedModel, frost.RefusedModel):
        if case.expect == "either":
            assert not path.exists()
            return
        raise
    with frost.load(path) as m:
        exp = PP.expected(est, Xs.to_numpy(dtype=float) if case.numpy else Xs)
        if case.numpy:
            X = Xs.to_numpy(dtype=float)
            assert_same_answers(m, est, X, what="float64")
            assert_same_answers(m, est, np.asfortranarray(X), X, what="Fortran")
        else:
            assert_same_answers(m, est, Xs, what="DataFrame")
            cols = list(Xs.columns)
            k = len(cols) // 2 + 1
            shuffled = Xs[cols[k:] + cols[:k]].assign(unused_extra="junk,0")
            assert_same_answers(m, est, shuffled, Xsk=Xs, what="shuffled DataFrame")
            if ci % 4 == 0:  # as records: NaN, None and strings as they are
                records = Xs.to_dict(orient="records")
                assert_same_answers(m, est, records, Xsk=Xs, what="list of dicts")
        if exp["trans"] is not None:
            X = Xs.to_numpy(dtype=float) if case.numpy else Xs
            assert_close(m.transform(X), exp["trans"], "transform")
            assert list(m.get_feature_names_out()) == exp["names"]


def test_combinations_decision_function(save_load):
    """OneVsRestClassifier over linear members has decision_function (side by side; one column
    for two classes); over a forest it has none; VotingClassifier never has one."""
    from sklearn.datasets import make_classification
    from sklearn.ensemble import (GradientBoostingClassifier, RandomForestClassifier,
                                  VotingClassifier)
    from sklearn.linear_model import LogisticRegression
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.svm import LinearSVC
    for k in (2, 3):
        X, y = make_classification(n_samples=300, n_features=6, n_informative=4, n_classes=k,
                                   random_state=7)
        for est in (OneVsRestClassifier(LinearSVC(max_iter=5000, random_state=0)),
                    OneVsRestClassifier(LogisticRegression()),
                    OneVsRestClassifier(GradientBoostingClassifier(n_estimators=10,
                                                                   random_state=0)),
                    OneVsRestClassifier(RandomForestClassifier(n_estimators=5, random_state=0)),
                    VotingClassifier([("lr", LogisticRegression()),
                                      ("gb", GradientBoostingClassifier(n_estimators=5))],
                                     voting="soft")):
            est.fit(X, y)
            m = save_load(est, f"c{k}.frost")
            assert_same_answers(m, est, X, what=f"{type(est).__name__} {k} classes")
