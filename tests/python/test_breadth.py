"""test_breadth.py — the estimator families of format 1.3 through the Python package, against
scikit-learn on the same rows: HistGradientBoosting (NaN, categorical splits), IsolationForest
(predict, score_samples, decision_function), naive Bayes and k-means (predict, transform),
multi-layer perceptrons (multi-class, multi-label, regressor)."""
import numpy as np
import pytest

import frost
from conftest import assert_close, assert_labels


@pytest.fixture(scope="module")
def data():
    rng = np.random.RandomState(7)
    X = rng.normal(size=(600, 5))
    X[:, 4] = rng.randint(0, 6, size=600)          # a categorical column
    y = (X[:, 0] + (X[:, 4] % 2) > 0.3).astype(int)
    Xt = rng.normal(size=(200, 5))
    Xt[:, 4] = rng.randint(-1, 9, size=200)        # unseen and negative categories too
    Xt[rng.rand(200) < 0.1, 1] = np.nan
    return X, y, Xt


def test_hist_gradient_boosting(data, tmp_path):
    from sklearn.ensemble import HistGradientBoostingClassifier
    X, y, Xt = data
    Xn = X.copy()
    Xn[::7, 1] = np.nan
    est = HistGradientBoostingClassifier(max_iter=40, categorical_features=[4],
                                         random_state=0).fit(Xn, y)
    frost.save(est, tmp_path / "hgb.frost")
    with frost.load(tmp_path / "hgb.frost") as m:
        assert_labels(m.predict(Xt), est.predict(Xt))
        assert_close(m.predict_proba(Xt), est.predict_proba(Xt), "predict_proba")
        assert_close(m.decision_function(Xt), est.decision_function(Xt), "decision_function")


def test_isolation_forest(data, tmp_path):
    from sklearn.ensemble import IsolationForest
    X, y, Xt = data
    Xt = np.nan_to_num(Xt)
    est = IsolationForest(n_estimators=50, random_state=0).fit(X)
    frost.save(est, tmp_path / "iso.frost")
    with frost.load(tmp_path / "iso.frost") as m:
        assert_labels(m.predict(Xt), est.predict(Xt))
        assert_close(m.score_samples(Xt), est.score_samples(Xt), "score_samples")
        assert_close(m.decision_function(Xt), est.decision_function(Xt), "decision_function")
        assert not hasattr(m, "predict_proba")


def test_naive_bayes_and_kmeans(data, tmp_path):
    from sklearn.cluster import KMeans
    from sklearn.naive_bayes import GaussianNB
    X, y, Xt = data
    Xt = np.nan_to_num(Xt)
    nb = GaussianNB().fit(X, y)
    frost.save(nb, tmp_path / "nb.frost")
    with frost.load(tmp_path / "nb.frost") as m:
        assert_labels(m.predict(Xt), nb.predict(Xt))
        assert_close(m.predict_proba(Xt), nb.predict_proba(Xt), "predict_proba", rel=1e-9)
        assert not hasattr(m, "score_samples")
    km = KMeans(n_clusters=4, n_init=3, random_state=0).fit(X)
    frost.save(km, tmp_path / "km.frost")
    with frost.load(tmp_path / "km.frost") as m:
        assert (m.predict(Xt) == km.predict(Xt)).all()
        assert_close(m.transform(Xt), km.transform(Xt), "transform")
    with frost.load(tmp_path / "nb.frost") as m:
        with pytest.raises(frost.InputError, match="NaN|missing"):
            m.predict(np.full((1, 5), np.nan))


def test_mlp(data, tmp_path):
    from sklearn.neural_network import MLPClassifier, MLPRegressor
    X, y, Xt = data
    Xt = np.nan_to_num(Xt)
    y3 = y + (X[:, 1] > 0.5)
    Y = np.c_[y, X[:, 2] > 0, X[:, 3] > 1].astype(int)
    for name, est in (("softmax", MLPClassifier((8, 4), max_iter=200, random_state=0).fit(X, y3)),
                      ("multilabel", MLPClassifier((6,), activation="tanh", max_iter=200,
                                                   random_state=0).fit(X, Y))):
        frost.save(est, tmp_path / (name + ".frost"))
        with frost.load(tmp_path / (name + ".frost")) as m:
            assert np.array_equal(np.asarray(m.predict(Xt)), est.predict(Xt)), name
            assert_close(m.predict_proba(Xt), est.predict_proba(Xt), "predict_proba", rel=1e-9)
    reg = MLPRegressor((5,), activation="logistic", max_iter=200, random_state=0).fit(X, X[:, :2])
    frost.save(reg, tmp_path / "reg.frost")
    with frost.load(tmp_path / "reg.frost") as m:
        assert_close(m.predict(Xt), reg.predict(Xt), "predict", rel=1e-9)
        assert not hasattr(m, "predict_proba")
