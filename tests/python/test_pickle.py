"""test_pickle.py — a Model pickles as its path and options (a few hundred bytes, not the
model), reopens lazily where it is unpickled — in this process, in a fresh python3 process, in
a process pool — and scores exactly as the original. And a process that only scores never maps
libfrost_import.
"""
import concurrent.futures
import multiprocessing
import os
import pickle
import subprocess
import sys

import numpy as np
import pytest

import frost

PYTHON = "/usr/bin/python3"


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    from sklearn.datasets import make_classification
    from sklearn.ensemble import GradientBoostingClassifier
    X, y = make_classification(n_samples=600, n_features=8, n_informative=5, n_classes=3,
                               random_state=2)
    y = np.array(["ant", "bee", "cat"], dtype=object)[y]
    est = GradientBoostingClassifier(n_estimators=40, random_state=0).fit(X, y)
    path = tmp_path_factory.mktemp("pickle") / "gb.frost"
    frost.save(est, path)
    return est, path, X


def child_env():
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    return env


def test_pickles_as_its_path(model):
    est, path, X = model
    m = frost.load(path, io="pread")
    blob = pickle.dumps(m)
    assert len(blob) < 1000 and str(path).encode() in blob
    back = pickle.loads(blob)
    assert "not open yet" in repr(back)           # lazily: opened on first use
    assert back._options == m._options
    assert (back.predict(X) == m.predict(X)).all()
    assert np.array_equal(back.decision_function(X), est.decision_function(X))
    assert back.info["io"] == "pread"
    m.close()
    back.close()


def test_to_a_fresh_process(model, tmp_path):
    est, path, X = model
    m = frost.load(path)
    np.save(tmp_path / "X.npy", X)
    script = ("import pickle, sys, numpy as np; m = pickle.load(sys.stdin.buffer); "
              "X = np.load(sys.argv[1]); "
              "np.save(sys.argv[2], m.predict_proba(X)); "
              "print(','.join(m.predict(X[:5])))")
    r = subprocess.run([PYTHON, "-c", script, str(tmp_path / "X.npy"), str(tmp_path / "p.npy")],
                       input=pickle.dumps(m), capture_output=True, env=child_env(), timeout=120)
    assert r.returncode == 0, r.stderr.decode()
    assert r.stdout.decode().strip() == ",".join(est.predict(X[:5]))
    assert np.array_equal(np.load(tmp_path / "p.npy"), m.predict_proba(X))
    m.close()


def test_process_pool(model):
    est, path, X = model
    m = frost.load(path)
    chunks = np.array_split(X, 4)
    ctx = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(2, mp_context=ctx) as pool:
        parts = list(pool.map(m.predict, chunks, timeout=120))
    assert (np.concatenate(parts) == est.predict(X)).all()
    m.close()


def test_scoring_maps_no_importer(model):
    est, path, X = model
    script = ("import frost, numpy as np; m = frost.load(%r); m.predict(np.zeros((1, 8))); "
              "maps = open('/proc/self/maps').read(); "
              "print('libfrost.so' in maps or 'libfrost.so.0' in maps, "
              "'libfrost_import' in maps)" % str(path))
    r = subprocess.run([PYTHON, "-c", script], capture_output=True, env=child_env(), timeout=60)
    assert r.returncode == 0, r.stderr.decode()
    assert r.stdout.decode().split() == ["True", "False"]


def test_relative_path_travels_absolute(model, tmp_path, monkeypatch):
    """A model opened by a path relative to this process's directory still opens in a process
    whose working directory is another."""
    est, path, X = model
    monkeypatch.chdir(path.parent)
    m = frost.load(path.name)
    assert m.path == path.name                     # shown as given
    script = ("import pickle, sys; m = pickle.load(sys.stdin.buffer); "
              "print(','.join(m.predict([[0.5] * 8, [-1.0] * 8])))")
    r = subprocess.run([PYTHON, "-c", script], input=pickle.dumps(m), capture_output=True,
                       env=child_env(), cwd=tmp_path, timeout=60)
    assert r.returncode == 0, r.stderr.decode()
    assert r.stdout.decode().strip() == ",".join(est.predict([[0.5] * 8, [-1.0] * 8]))
    m.close()


def _fork_child_sum(rows):
    return FORKED.predict(rows).tolist()


FORKED = None


def test_forked_children_reopen(tmp_path):
    """A model opened before a fork (a module-level model, a fork-started pool) is reopened by
    each child on first use: the inherited handle's io_uring ring is shared with the parent
    and the other children, and reads through it from four processes at once misread."""
    global FORKED
    from sklearn.ensemble import RandomForestClassifier
    rng = np.random.RandomState(6)
    X = rng.normal(size=(1000, 8))
    y = (X[:, 0] + X[:, 1] * X[:, 2] > 0).astype(int)
    est = RandomForestClassifier(n_estimators=40, random_state=0).fit(X, y)
    frost.save(est, tmp_path / "rf.frost")
    want = est.predict(X)
    ctx = multiprocessing.get_context("fork")
    for _ in range(2):
        FORKED = frost.load(tmp_path / "rf.frost")  # the header only: the children load blocks
        assert FORKED.info["n_blocks"] > 20
        with ctx.Pool(4) as pool:
            got = pool.map_async(_fork_child_sum, np.array_split(X, 20)).get(timeout=120)
        assert np.array_equal(np.concatenate(got), want)
        FORKED.close()
