"""test_errors.py — failures as frost.FrostError subclasses carrying frost's message: a missing
file, a damaged one, a file that is no model, models frost does not convert (the class named,
and the step's path in a pipeline) or refuses to read; methods a model does not have (absent,
as scikit-learn's are); a closed model; bad options.
"""
import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin

import frost


class Memorizer(ClassifierMixin, BaseEstimator):
    """A classifier of this module's own: pickled by reference, so frost must refuse it."""

    def fit(self, X, y):
        self.classes_ = np.unique(y)
        return self

    def predict(self, X):
        return np.full(len(X), self.classes_[0])


@pytest.fixture(scope="module")
def forest(tmp_path_factory):
    from sklearn.ensemble import RandomForestClassifier
    rng = np.random.RandomState(0)
    X = rng.normal(size=(300, 5))
    y = (X[:, 0] > 0).astype(int)
    est = RandomForestClassifier(n_estimators=30, random_state=0).fit(X, y)
    path = tmp_path_factory.mktemp("errors") / "rf.frost"
    frost.save(est, path)
    return est, X, path


def test_missing_file(tmp_path):
    missing = tmp_path / "nope.frost"
    with pytest.raises(frost.ModelNotFound) as e:
        frost.load(missing)
    assert isinstance(e.value, FileNotFoundError) and isinstance(e.value, frost.FrostError)
    assert str(missing) in str(e.value) and "No such file" in str(e.value)
    assert e.value.code_name  # frost_strerror's name of the code
    with pytest.raises(frost.ModelNotFound, match="nope.joblib"):  # a conversion's source too
        frost.convert(tmp_path / "nope.joblib", tmp_path / "out.frost")
    assert not (tmp_path / "out.frost").exists()


def test_not_a_model(tmp_path):
    p = tmp_path / "rows.csv"
    p.write_text("a,b\n1,2\n")
    with pytest.raises(frost.DamagedFile) as e:
        frost.load(p)
    assert str(e.value)
    with pytest.raises(frost.DamagedFile, match="not a pickle or joblib"):
        frost.convert(p, tmp_path / "out.frost")
    assert not (tmp_path / "out.frost").exists()


def test_damaged_header_and_block(forest, tmp_path):
    est, X, path = forest
    data = bytearray(path.read_bytes())
    head = tmp_path / "head.frost"
    bad = bytearray(data)
    bad[200] ^= 0xFF
    head.write_bytes(bad)
    with pytest.raises(frost.DamagedFile):
        frost.load(head)
    body = tmp_path / "body.frost"
    bad = bytearray(data)
    with frost.load(path) as m:
        first_block = m.info["header_size"]
    bad[first_block + 40] ^= 0xFF   # inside the first block: found when it is read
    body.write_bytes(bad)
    m = frost.load(body)
    with pytest.raises(frost.DamagedFile, match="checksum|damaged|block"):
        m.verify()
    with pytest.raises(frost.DamagedFile):
        m.predict(X)
    m.close()
    with pytest.raises(frost.DamagedFile):
        frost.load(body, eager=True)
    frost.load(path, eager=True).verify()  # the intact file passes both


def test_unsupported_and_refused(tmp_path):
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler
    X = np.random.RandomState(0).normal(size=(50, 3))
    y = (X[:, 0] > 0).astype(int)
    out = tmp_path / "m.frost"
    with pytest.raises(frost.UnsupportedModel, match="not supported yet.*KNeighborsClassifier"):
        frost.save(KNeighborsClassifier().fit(X, y), out)
    pipe = Pipeline([("scale", StandardScaler()), ("nb", KNeighborsClassifier())]).fit(X, y)
    with pytest.raises(frost.UnsupportedModel, match="pipeline/nb.*KNeighborsClassifier"):
        frost.save(pipe, out)
    with pytest.raises(frost.RefusedModel, match=r"refusing to import.*test_errors.*Memorizer"):
        frost.save(Memorizer().fit(X, y), out)
    assert not out.exists()
    with pytest.raises(frost.FrostError):   # nothing fitted: nothing to convert
        frost.save(StandardScaler(), out)
    assert not out.exists()


def test_methods_a_model_does_not_have(forest, tmp_path):
    from sklearn.ensemble import VotingClassifier
    from sklearn.linear_model import LinearRegression, LogisticRegression
    from sklearn.preprocessing import StandardScaler
    est, X, path = forest
    y = (X[:, 1] > 0).astype(int)
    m = frost.load(path)
    assert not hasattr(m, "decision_function") and not hasattr(m, "transform")
    with pytest.raises(AttributeError, match="decision_function"):
        m.decision_function(X)
    frost.save(StandardScaler().fit(X), tmp_path / "sc.frost")
    sc = frost.load(tmp_path / "sc.frost")
    assert hasattr(sc, "transform") and not hasattr(sc, "predict")
    with pytest.raises(AttributeError, match="transforms"):
        sc.predict(X)
    frost.save(LinearRegression().fit(X, X[:, 0]), tmp_path / "lr.frost")
    lr = frost.load(tmp_path / "lr.frost")
    assert not hasattr(lr, "predict_proba")
    with pytest.raises(AttributeError, match="regressor"):
        lr.classes_
    hard = VotingClassifier([("a", LogisticRegression()), ("b", LogisticRegression(C=0.1))],
                            voting="hard").fit(X, y)
    frost.save(hard, tmp_path / "hard.frost")
    assert not hasattr(frost.load(tmp_path / "hard.frost"), "predict_proba")
    assert not hasattr(hard, "predict_proba")


def test_closed_and_context(forest):
    est, X, path = forest
    with frost.load(path) as m:
        m.predict(X[:3])
    with pytest.raises(frost.FrostError, match="closed"):
        m.predict(X[:3])
    m.close()  # twice is fine
    assert "closed" in repr(m)


def test_options(forest):
    est, X, path = forest
    with pytest.raises(ValueError, match="io="):
        frost.load(path, io="fast")
    with pytest.raises(ValueError, match="missing_columns="):
        frost.load(path, missing_columns="zero")
    with pytest.raises(ValueError, match="require_signature"):
        frost.load(path, require_signature=True)
    for io in ("auto", "pread", "mmap"):
        with frost.load(path, io=io) as m:
            assert (m.predict(X) == est.predict(X)).all()
            assert m.info["io"] == io if io != "auto" else m.info["io"] in ("uring", "pread")
    with frost.load(path, eager=True) as m:
        s = m.stats()
        assert s["blocks_loaded"] == m.info["n_blocks"] and s["blocks_verified"] >= 1
    with frost.load(path) as m:   # lazy: the header only, until a prediction
        assert m.stats()["blocks_loaded"] == 0
        m.predict(X[:1])
        assert 0 < m.stats()["blocks_loaded"] <= m.info["n_blocks"]


def test_save_options(forest, tmp_path):
    est, X, path = forest
    lz = tmp_path / "lz4.frost"
    frost.save(est, lz, compress="lz4", meta={"owner": "risk", "run": 7, "ok": True})
    with frost.load(lz) as m:
        assert (m.predict(X) == est.predict(X)).all()
        md = m.metadata
        assert md["owner"] == "risk" and md["run"] == 7 and md["ok"] is True
        assert md["source_file"] == "<frost.save>"
        assert md["estimator"] == "RandomForestClassifier(n_estimators=30)"
    with pytest.raises(frost.InputError, match="frost records itself"):
        frost.save(est, tmp_path / "x.frost", meta={"converted_at": "yesterday"})
    with pytest.raises(TypeError, match="meta"):
        frost.save(est, tmp_path / "x.frost", meta={"owner": ["a"]})
    with pytest.raises(ValueError, match="compress"):
        frost.save(est, tmp_path / "x.frost", compress="zstd")
    assert not (tmp_path / "x.frost").exists()
    with pytest.raises(frost.FrostError, match="no/such/dir"):
        frost.save(est, tmp_path / "no/such/dir/m.frost")


def test_convert_files(forest, tmp_path):
    import joblib
    est, X, path = forest
    src = tmp_path / "rf.joblib"
    joblib.dump(est, src, compress=3)
    before = src.read_bytes()
    frost.convert(src, tmp_path / "rf.frost", meta={"from": "joblib"})
    with frost.load(tmp_path / "rf.frost") as m:
        assert (m.predict(X) == est.predict(X)).all()
        assert m.metadata["source_file"] == "rf.joblib" and m.metadata["from"] == "joblib"
    with pytest.raises(frost.InputError, match="is the input file"):
        frost.convert(src, src)
    assert src.read_bytes() == before
