"""test_dask.py — frost.dask.predict on a local Dask cluster of 2 worker processes (on
127.0.0.1, closed at the end): lazy, the input's divisions and index, the same labels and
probabilities as scoring in one process, each worker opening the model exactly once however many
partitions it scores; a regressor; a frost.Model as the reference; errors where they belong.
"""
import logging

import numpy as np
import pandas as pd
import pytest

import frost
import frost.dask

dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=2, processes=True,
                                       host="127.0.0.1", dashboard_address=None,
                                       silence_logs=logging.ERROR, death_timeout=30)
    c = distributed.Client(cluster, timeout=30)
    try:
        c.wait_for_workers(2, timeout=30)
        yield c
    finally:
        c.close(timeout=10)
        cluster.close(timeout=10)


@pytest.fixture(scope="module")
def churn(tmp_path_factory):
    """A pipeline over numbers and strings, with string labels, and a frame to score."""
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder
    rng = np.random.RandomState(3)

    def frame(n):
        df = pd.DataFrame({"tenure": rng.exponential(20, n), "spend": rng.normal(50, 15, n),
                           "plan": rng.choice(["basic", "plus", "pro"], n).astype(object),
                           "region": rng.choice(["n", "s", "e", "w"], n).astype(object)})
        df.loc[rng.rand(n) < 0.05, "spend"] = np.nan
        return df

    X = frame(2000)
    y = np.where((X["tenure"] < 10) & (X["plan"] != "pro"), "leaves", "stays")
    pipe = Pipeline([("pre", ColumnTransformer([
        ("num", SimpleImputer(), ["tenure", "spend"]),
        ("cat", OneHotEncoder(handle_unknown="ignore"), ["plan", "region"])])),
        ("rf", RandomForestClassifier(n_estimators=25, random_state=0))]).fit(X, y)
    path = tmp_path_factory.mktemp("dask") / "churn.frost"
    frost.save(pipe, path)
    rows = frame(5000).assign(customer=np.arange(5000))
    rows.index = pd.RangeIndex(100, 5100)   # an index of its own: results must keep it
    return pipe, path, rows


def test_labels_and_probabilities(client, churn):
    pipe, path, rows = churn
    ddf = dd.from_pandas(rows, npartitions=8)
    labels = frost.dask.predict(ddf, str(path))
    proba = frost.dask.predict(ddf, str(path), proba=True)
    assert labels.divisions == ddf.divisions and proba.divisions == ddf.divisions
    assert labels.name == "prediction" and list(proba.columns) == ["leaves", "stays"]
    got, got_p = client.compute([labels, proba], sync=True)
    with frost.load(path) as m:
        want, want_p = m.predict(rows), m.predict_proba(rows)
    assert (got.index == rows.index).all() and (got_p.index == rows.index).all()
    assert (got.to_numpy() == want).all()
    assert np.array_equal(got_p.to_numpy(), want_p)
    assert (got.to_numpy() == pipe.predict(rows)).all()
    # each worker opened the model once, however many of the 8 partitions it scored
    opened = client.run(frost.dask.opened)
    assert len(opened) == 2
    for worker, counts in opened.items():
        assert counts.get(str(path), 0) <= 1, (worker, counts)
    assert sum(c.get(str(path), 0) for c in opened.values()) >= 1


def test_regressor_and_model_reference(client, tmp_path):
    from sklearn.ensemble import GradientBoostingRegressor
    rng = np.random.RandomState(5)
    X = pd.DataFrame(rng.normal(size=(3000, 4)), columns=["a", "b", "c", "d"])
    y = X["a"] * 3 - X["b"] + rng.normal(size=3000)
    est = GradientBoostingRegressor(n_estimators=30, random_state=0).fit(X, y)
    path = tmp_path / "gbr.frost"
    frost.save(est, path)
    m = frost.load(path, io="pread")
    ddf = dd.from_pandas(X, npartitions=5)
    out = frost.dask.predict(ddf, m)   # a Model stands for its path and options
    assert out.dtype == np.float64
    got = out.compute()
    assert np.array_equal(got.to_numpy(), m.predict(X))
    np.testing.assert_allclose(got.to_numpy(), est.predict(X), rtol=1e-9)
    m.close()


def test_relative_path(client, churn, monkeypatch):
    """A path relative to the client's directory reaches the workers, whose working directory
    is their own, as the absolute path of the same file."""
    pipe, path, rows = churn
    monkeypatch.chdir(path.parent)
    ddf = dd.from_pandas(rows.iloc[:500], npartitions=2)
    got = frost.dask.predict(ddf, path.name).compute()
    assert (got.to_numpy() == pipe.predict(rows.iloc[:500])).all()


def test_a_replaced_file_is_reopened(client, tmp_path):
    """Workers keep a model open between jobs; a model saved again at the same path is what
    the next job scores, and a job built for other classes says so rather than mislabel."""
    from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor
    rng = np.random.RandomState(8)
    X = pd.DataFrame(rng.normal(size=(400, 3)), columns=["a", "b", "c"])
    path = tmp_path / "m.frost"
    ddf = dd.from_pandas(X, npartitions=4)
    for depth in (1, 4):
        est = DecisionTreeRegressor(max_depth=depth, random_state=0).fit(X, X["a"] - X["b"])
        frost.save(est, path)
        got = frost.dask.predict(ddf, str(path)).compute()
        assert np.array_equal(got.to_numpy(), est.predict(X)), depth
    est = DecisionTreeClassifier(random_state=0).fit(X, np.where(X["c"] > 0, "hi", "lo"))
    frost.save(est, path)
    lazy = frost.dask.predict(ddf, str(path), proba=True)
    got = lazy.compute()
    assert list(got.columns) == ["hi", "lo"]
    assert np.array_equal(got.to_numpy(), est.predict_proba(X))
    other = DecisionTreeClassifier(random_state=0).fit(X, np.where(X["c"] > 0, "up", "down"))
    frost.save(other, path)
    with pytest.raises(frost.FrostError, match="call it again"):
        lazy.compute()


def test_errors(client, churn, tmp_path):
    pipe, path, rows = churn
    ddf = dd.from_pandas(rows, npartitions=4)
    with pytest.raises(TypeError, match="Dask DataFrame, not a DataFrame"):
        frost.dask.predict(rows, str(path))
    with pytest.raises(frost.ModelNotFound):           # at once, not inside a task
        frost.dask.predict(ddf, str(tmp_path / "missing.frost"))
    lazy = frost.dask.predict(ddf.drop(columns=["plan"]), str(path))
    with pytest.raises(frost.InputError, match="'plan'"):  # raised by the task
        lazy.compute()


def test_required_signature_on_the_workers(client, churn, tmp_path):
    """A required key reaches every worker: the signed file scores, an unsigned one fails there
    with frost's SignatureError rather than being scored."""
    import os
    import shutil
    import subprocess
    from conftest import ROOT
    pipe, path, rows = churn
    cli = os.path.join(os.environ.get("FROST_LIBRARY_PATH") or os.path.join(ROOT, "build"),
                       "frost")
    subprocess.run([cli, "keygen", "ops"], cwd=tmp_path, check=True, capture_output=True)
    signed = tmp_path / "signed.frost"
    shutil.copy(path, signed)
    subprocess.run([cli, "sign", str(signed), "--key", str(tmp_path / "ops.key")], check=True,
                   capture_output=True)
    ddf = dd.from_pandas(rows, npartitions=4)
    got = frost.dask.predict(ddf, signed, require_signature=tmp_path / "ops.pub").compute()
    assert (got.to_numpy() == pipe.predict(rows)).all()
    with pytest.raises(frost.SignatureError):
        frost.dask.predict(ddf, path, require_signature=tmp_path / "ops.pub").compute()
