"""conftest.py — what the Python package's suites share: the package from this tree
(tools/python), the numbers rule of every parity suite (tests/pylib/frost_numbers.py), the
parity suites' model definitions (tests/parity), and comparisons of frost's answers with
scikit-learn's.

libfrost comes from FROST_LIBRARY_PATH when set (tests/python/run.py sets it to the build
directory it is given), else from the build tree next to the package.
"""
import os
import sys
import warnings

import numpy as np
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
for sub in ("tools/python", "tests/pylib", "tests/parity"):
    p = os.path.join(ROOT, sub)
    if p not in sys.path:
        sys.path.insert(0, p)

warnings.filterwarnings("ignore")

from frost_numbers import REL_TOL  # noqa: E402


def assert_close(got, exp, what="values", rel=REL_TOL):
    """frost's numbers within rel of scikit-learn's (absolute below 1), NaN matching NaN, and
    of the same shape and float64."""
    got, exp = np.asarray(got), np.asarray(exp, dtype=np.float64)
    assert got.dtype == np.float64, f"{what}: {got.dtype}, not float64"
    assert got.shape == exp.shape, f"{what}: shape {got.shape}, scikit-learn {exp.shape}"
    both_nan = np.isnan(got) & np.isnan(exp)
    with np.errstate(invalid="ignore", over="ignore"):
        ok = (got == exp) | both_nan | \
             (np.abs(got - exp) <= rel * np.maximum(1.0, np.abs(exp)))
    if not ok.all():
        i = tuple(np.argwhere(~ok)[0])
        raise AssertionError(f"{what}: {int((~ok).sum())} of {ok.size} differ; first at {i}: "
                             f"frost {got[i]!r}, scikit-learn {exp[i]!r}")


def assert_labels(got, exp, what="labels"):
    """Labels identical, in the same shape and dtype (the file's classes_dtype); floats compared
    as numbers."""
    got, exp = np.asarray(got), np.asarray(exp)
    assert got.shape == exp.shape, f"{what}: shape {got.shape}, scikit-learn {exp.shape}"
    assert got.dtype == exp.dtype, f"{what}: dtype {got.dtype}, scikit-learn {exp.dtype}"
    if exp.dtype.kind == "f":
        assert_close(got.astype(np.float64), exp.astype(np.float64), what)
        return
    bad = [i for i, (g, e) in enumerate(zip(got.ravel().tolist(), exp.ravel().tolist()))
           if not (g == e and type(g) is type(e) or (isinstance(e, str) and g == e))]
    assert not bad, (f"{what}: {len(bad)} of {exp.size} differ; first at {bad[0]}: frost "
                     f"{got.ravel()[bad[0]]!r}, scikit-learn {exp.ravel()[bad[0]]!r}")


def assert_same_answers(m, est, X, Xsk=None, what=""):
    """frost's model m against the fitted estimator est on the same rows X (Xsk: how
    scikit-learn is given them, when not X): every method both have, and which they have."""
    import frost
    Xsk = X if Xsk is None else Xsk
    for meth in ("predict", "predict_proba", "decision_function"):
        assert hasattr(m, meth) == hasattr(est, meth), \
            f"{what}: hasattr {meth}: frost {hasattr(m, meth)}, scikit-learn {hasattr(est, meth)}"
    if not hasattr(est, "predict"):
        return
    try:
        exp = est.predict(Xsk)
    except ValueError as exc:  # scikit-learn refuses these rows: so must frost
        with pytest.raises(frost.InputError):
            m.predict(X)
        return str(exc)
    got = m.predict(X)
    if hasattr(est, "classes_"):
        assert_labels(got, exp, f"{what} predict")
    else:
        assert_close(got, exp, f"{what} predict")
    if hasattr(est, "predict_proba"):
        exp = est.predict_proba(Xsk)
        got = m.predict_proba(X)
        if isinstance(exp, list):
            assert isinstance(got, list) and len(got) == len(exp)
            for k, (g, e) in enumerate(zip(got, exp)):
                assert_close(g, e, f"{what} predict_proba output {k}")
        else:
            assert_close(got, exp, f"{what} predict_proba")
    if hasattr(est, "decision_function"):
        assert_close(m.decision_function(X), est.decision_function(Xsk),
                     f"{what} decision_function")
    return None


@pytest.fixture
def save_load(tmp_path):
    """frost.save then frost.load, in the test's own directory."""
    import frost
    made = []

    def go(est, name="m.frost", **kw):
        path = tmp_path / name
        frost.save(est, path, **kw)
        m = frost.load(path)
        made.append(m)
        return m
    yield go
    for m in made:
        m.close()
