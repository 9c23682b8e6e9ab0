"""test_inputs.py — the ways rows reach a model (tools/python/frost/_inputs.py): DataFrames with
strings, categoricals, bools, NaN / None / pd.NA and pandas' nullable dtypes; lists of dicts;
numpy layouts (strided, Fortran, float32, object arrays); zero-copy where the layout allows;
and clean InputErrors where rows cannot be scored, named as scikit-learn would.

Missing values: frost reads None and pd.NA as NaN, what pandas.read_csv gives scikit-learn for
a missing cell (the CLI's contract). scikit-learn itself imputes only NaN (a None passes through
SimpleImputer(missing_values=np.nan) unchanged, and pd.NA makes it fail), so those cases are
held to scikit-learn on the same frame with NaN in their place.
"""
import numpy as np
import pandas as pd
import pytest
from conftest import assert_close, assert_labels, assert_same_answers

import frost


@pytest.fixture(scope="module")
def mixed(tmp_path_factory):
    """A pipeline over numbers, a bool, strings and a column it drops, with string labels."""
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler
    rng = np.random.RandomState(0)
    n = 400
    X = pd.DataFrame({
        "age": rng.normal(40, 10, n),
        "income": rng.lognormal(10, 1, n),
        "member": rng.rand(n) < 0.3,
        "color": rng.choice(["red", "green", "blue"], n).astype(object),
        "size": rng.choice(["S", "M", "L"], n).astype(object),
        "note": rng.choice(["x", "y"], n).astype(object),
    })
    X.loc[rng.rand(n) < 0.1, "age"] = np.nan
    X.loc[rng.rand(n) < 0.1, "color"] = np.nan
    y = np.where(X["income"] / 1e4 + X["member"] + (X["color"] == "red") > 2.5, "buy", "skip")
    pipe = Pipeline([
        ("pre", ColumnTransformer([
            ("num", Pipeline([("imp", SimpleImputer()), ("sc", StandardScaler())]),
             ["age", "income", "member"]),
            ("cat", Pipeline([("imp", SimpleImputer(strategy="most_frequent")),
                              ("ohe", OneHotEncoder(handle_unknown="ignore"))]), ["color"]),
            ("ord", OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1),
             ["size"]),
        ], remainder="drop")),
        ("clf", LogisticRegression(max_iter=1000))]).fit(X, y)
    path = tmp_path_factory.mktemp("inputs") / "mixed.frost"
    frost.save(pipe, path)
    m = frost.load(path)
    yield pipe, m, X
    m.close()


def scoring_frame():
    return pd.DataFrame({
        "age": [30.0, np.nan, 55.5, 41.0, 22.0, np.nan],
        "income": [2e4, 5e4, 1e5, 3e3, 4.5e4, 1e4],
        "member": [True, False, True, False, False, True],
        "color": ["red", np.nan, "purple", "green", "blue", "red"],   # purple: unseen
        "size": ["S", "XL", "L", "M", "S", "M"],                     # XL: unseen
        "note": ["x", "y", "x", "y", "x", "y"],
    })


def test_schema_and_description(mixed):
    pipe, m, X = mixed
    assert list(m.feature_names_in_) == list(pipe.feature_names_in_)
    kinds = {c.name: c.kind for c in m.schema}
    assert kinds == {"age": "numeric", "income": "numeric", "member": "numeric",
                     "color": "string", "size": "string", "note": "unused"}
    assert m.n_features_in_ == 6
    assert_labels(m.classes_, pipe.classes_, "classes_")
    assert m.metadata["estimator"].startswith("Pipeline(")
    assert m.info["task"] == "classifier" and m.info["has_preprocessing"] == 1


def test_frame_parity(mixed):
    pipe, m, X = mixed
    S = scoring_frame()
    assert_same_answers(m, pipe, S, what="scoring frame")
    assert_same_answers(m, pipe, X, what="training frame")
    # any column order, extra columns ignored, the column the model drops may go
    T = S[["size", "color", "member", "income", "age"]].assign(extra=1.0, other="z")
    assert_same_answers(m, pipe, T, Xsk=S, what="reordered, extra, unused absent")


def test_missing_spellings_are_nan(mixed):
    pipe, m, X = mixed
    S = scoring_frame()
    for missing in (None, pd.NA):
        T = S.astype({"color": object, "age": object})
        T.loc[[1, 3], "color"] = missing
        T.loc[[0, 4], "age"] = missing
        ref = S.copy()
        ref.loc[[1, 3], "color"] = np.nan
        ref.loc[[0, 4], "age"] = np.nan
        assert_labels(m.predict(T), pipe.predict(ref), f"{missing!r} as missing")
        assert_close(m.predict_proba(T), pipe.predict_proba(ref), f"{missing!r} proba")


def test_pandas_dtypes(mixed):
    pipe, m, X = mixed
    S = scoring_frame()
    T = S.copy()
    T["age"] = pd.array([30, None, 55, 41, 22, None], dtype="Int64")        # nullable ints
    T["income"] = pd.array(S["income"], dtype="Float64")
    T["member"] = pd.array([True, False, None, False, False, True], dtype="boolean")
    T["color"] = pd.Categorical(S["color"], categories=["blue", "red", "green", "purple"])
    T["size"] = pd.array(S["size"], dtype="string")
    ref = S.copy()
    ref["age"] = [30.0, np.nan, 55.0, 41.0, 22.0, np.nan]
    ref["member"] = [1.0, 0.0, np.nan, 0.0, 0.0, 1.0]
    assert_same_answers(m, pipe, T, Xsk=ref, what="nullable and categorical dtypes")
    # numeric columns of other widths, and a category column holding numbers
    ages = S["age"].fillna(33).round()
    U = S.astype({"income": np.float32}).assign(age=ages.astype(np.int16))
    ref = S.astype({"income": np.float32}).assign(age=ages)
    assert_same_answers(m, pipe, U, Xsk=ref, what="float32 and int16 columns")


def test_records(mixed):
    pipe, m, X = mixed
    S = scoring_frame()
    rows = [{"age": 30.0, "income": 2e4, "member": True, "color": "red", "size": "S"},
            {"income": 5e4, "member": False, "color": None, "size": "XL", "age": None},
            {"age": 55.5, "income": 1e5, "member": True, "size": "L"}]   # color absent here
    ref = S.iloc[:3].copy()
    ref.loc[1, "age"] = np.nan
    ref.loc[2, "color"] = np.nan
    assert_labels(m.predict(rows), pipe.predict(ref), "records")
    assert_close(m.predict_proba(rows), pipe.predict_proba(ref), "records proba")
    with pytest.raises(frost.InputError, match="'color'"):
        m.predict([{k: v for k, v in r.items() if k != "color"} for r in rows])


def test_wrong_values_name_row_and_column(mixed):
    pipe, m, X = mixed
    S = scoring_frame()
    bad = S.astype({"income": object})
    bad.loc[2, "income"] = "lots"
    with pytest.raises(frost.InputError, match=r"row 3, column 'income'.*'lots'"):
        m.predict(bad)
    with pytest.raises(ValueError):   # scikit-learn refuses it too
        pipe.predict(bad)
    # text that float() reads is that number, as numpy's astype reads it
    ok = S.astype({"income": object})
    ok.loc[2, "income"] = "100000.0"
    assert_labels(m.predict(ok), pipe.predict(S), "numeric text")
    bad = S.copy()
    bad["color"] = bad["color"].astype(object)
    bad.loc[4, "color"] = 7
    with pytest.raises(frost.InputError, match=r"row 5, column 'color'.*not text"):
        m.predict(bad)
    with pytest.raises(frost.InputError, match="datetime"):
        m.predict(S.assign(age=pd.to_datetime(["2020-01-01"] * 6)))
    # a missing column: every missing one named, as the CLI names them
    with pytest.raises(frost.InputError, match=r"2 input columns are missing: 'income', 'size'"):
        m.predict(S.drop(columns=["income", "size"]))
    # infinity reaches the scaler, which refuses it: the row, the column and the step named
    inf = S.copy()
    inf.loc[3, "income"] = np.inf
    with pytest.raises(frost.InputError, match=r"row 4, column 'income'.*SimpleImputer") as e:
        m.predict(inf)
    assert e.value.row == 3
    with pytest.raises(ValueError):
        pipe.predict(inf)


def test_missing_columns_nan(mixed, tmp_path):
    pipe, m, X = mixed
    S = scoring_frame()
    with frost.load(m.path, missing_columns="nan") as m2:
        ref = S.assign(age=np.nan)
        assert_labels(m2.predict(S.drop(columns=["age"])), pipe.predict(ref), "age absent")


def test_numeric_layouts(tmp_path):
    """Any numeric layout gives the answers of a fresh C-ordered copy. A model with
    preprocessing reads float64/float32/int64 columns where they lie (pointers and strides into
    the caller's memory); a bare ensemble scores a C-ordered float64 matrix: the caller's own
    when it is one, else one copy."""
    from sklearn.ensemble import GradientBoostingRegressor
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from frost import _inputs
    rng = np.random.RandomState(1)
    X = rng.normal(size=(500, 5))
    y = X[:, 0] - 2 * X[:, 1] + rng.normal(size=500)
    bare = GradientBoostingRegressor(n_estimators=20, random_state=0).fit(X, y)
    piped = make_pipeline(StandardScaler(), GradientBoostingRegressor(n_estimators=20,
                                                                       random_state=0)).fit(X, y)
    big = rng.normal(size=(1000, 12))
    views = (big[::2, 1:11:2], big[::-1, :5], big.T[:5].T, big[:, :5].astype(np.float32),
             np.asfortranarray(big[:, 2:7]), (big[:, :5] * 100).astype(np.int64)[::3])
    for name, est in (("bare", bare), ("piped", piped)):
        frost.save(est, tmp_path / f"{name}.frost")
        with frost.load(tmp_path / f"{name}.frost") as m:
            for view in views:
                assert_close(m.predict(view), est.predict(np.ascontiguousarray(view)),
                             f"{name} {view.dtype} {view.strides}")
            c = big[:, :5].copy()
            assert _inputs.prepare(m._schema, c).matrix is c   # no copy
            for arr, item in ((np.asfortranarray(big[:, :5]), 8), (big[::2, 1:11:2], 8),
                              (big[:, :5].astype(np.float32), 4),
                              (big[:, :5].astype(np.int64), 8)):
                rows = _inputs.prepare(m._schema, arr)
                if name == "bare":
                    assert rows.matrix is not None and rows.matrix.flags.c_contiguous
                    continue
                assert rows.matrix is None and rows.n_cols == 5
                for j in range(5):
                    assert rows.cols[j].values == arr.ctypes.data + j * arr.strides[1]
                    assert rows.cols[j].stride == arr.strides[0] // item


def test_shapes_and_empty(tmp_path):
    from sklearn.tree import DecisionTreeClassifier
    X = np.arange(40.0).reshape(10, 4)
    est = DecisionTreeClassifier(random_state=0).fit(X, np.arange(10) % 3)
    frost.save(est, tmp_path / "t.frost")
    m = frost.load(tmp_path / "t.frost")
    with pytest.raises(frost.InputError, match="2-D.*reshape"):
        m.predict(X[0])
    with pytest.raises(frost.InputError, match="X has 3 columns, but the model takes 4"):
        m.predict(X[:, :3])
    with pytest.raises(frost.InputError, match="without feature names"):
        m.predict([{"a": 1}])
    with pytest.raises(frost.InputError, match="one dict"):
        m.predict({"a": 1})
    assert m.predict(X[:0]).shape == (0,)
    assert m.predict_proba(X[:0]).shape == (0, 3)
    # a DataFrame for a model fitted without names: by position, as scikit-learn takes it
    df = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    assert_labels(m.predict(df), est.predict(X), "positional frame")
    with pytest.raises(frost.InputError, match="X has 5 columns"):
        m.predict(df.assign(e=1.0))


def test_sparse_and_unnamed_frames(tmp_path):
    """A scipy sparse matrix is scored as its dense rows, as scikit-learn scores it; a frame
    whose column names are not all strings is taken by position (scikit-learn ignores such
    names too)."""
    import scipy.sparse as sp
    from sklearn.linear_model import LogisticRegression
    rng = np.random.RandomState(4)
    X = rng.normal(size=(200, 4)) * (rng.rand(200, 4) < 0.3)
    y = (X.sum(axis=1) > 0).astype(int)
    names = ["a", "b", "c", "d"]
    est = LogisticRegression().fit(pd.DataFrame(X, columns=names), y)
    frost.save(est, tmp_path / "lr.frost")
    with frost.load(tmp_path / "lr.frost") as m:
        df = pd.DataFrame(X, columns=names)
        assert_same_answers(m, est, sp.csr_matrix(X), Xsk=df, what="csr")
        multi = pd.DataFrame(X, columns=pd.MultiIndex.from_tuples([(n, 0) for n in names]))
        assert_same_answers(m, est, multi, Xsk=df, what="MultiIndex columns")
        assert_same_answers(m, est, pd.DataFrame(X), Xsk=df, what="int column names")
