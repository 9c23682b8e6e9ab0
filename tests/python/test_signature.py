"""test_signature.py — frost.load(..., require_signature=KEY.pub) asks libfrost to refuse, at open,
a file that is unsigned, signed by another key or changed after signing (SignatureError); the
keys travel with a pickled model; typed metadata comes back as the types it was saved with.
Keys and signatures are made by the CLI this package sits beside (build/frost keygen/sign).
"""
import os
import pickle
import shutil
import subprocess

import numpy as np
import pytest

import frost
from conftest import ROOT

# the CLI built beside the libraries under test (run.py sets FROST_LIBRARY_PATH to its directory)
FROST = os.path.join(os.environ.get("FROST_LIBRARY_PATH") or os.path.join(ROOT, "build"), "frost")


def cli(*args, cwd=None):
    r = subprocess.run([FROST, *map(str, args)], cwd=cwd, capture_output=True, text=True)
    assert r.returncode == 0, f"frost {' '.join(map(str, args))}: {r.stderr}"


@pytest.fixture(scope="module")
def signed(tmp_path_factory):
    from sklearn.tree import DecisionTreeClassifier
    d = tmp_path_factory.mktemp("sig")
    X = np.random.RandomState(3).normal(size=(80, 4))
    est = DecisionTreeClassifier(random_state=0).fit(X, X[:, 1] > 0.2)
    frost.save(est, d / "plain.frost", meta={"auc": 0.91, "runs": 3, "ok": False, "by": "ci"})
    shutil.copy(d / "plain.frost", d / "signed.frost")
    cli("keygen", "alice", cwd=d)
    cli("keygen", "bob", cwd=d)
    cli("sign", d / "signed.frost", "--key", d / "alice.key")
    return est, X, d


def test_a_signed_file_opens_with_its_key(signed):
    est, X, d = signed
    with frost.load(d / "signed.frost", require_signature=d / "alice.pub") as m:
        assert (m.predict(X) == est.predict(X)).all()
    # one of several keys is enough
    with frost.load(d / "signed.frost", require_signature=[d / "bob.pub", d / "alice.pub"]) as m:
        assert (m.predict(X) == est.predict(X)).all()


def test_unsigned_other_key_and_tampered_are_refused(signed, tmp_path):
    est, X, d = signed
    with pytest.raises(frost.SignatureError, match="unsigned"):
        frost.load(d / "plain.frost", require_signature=d / "alice.pub")
    with pytest.raises(frost.SignatureError, match="key"):
        frost.load(d / "signed.frost", require_signature=d / "bob.pub")
    bad = tmp_path / "tampered.frost"
    b = bytearray((d / "signed.frost").read_bytes())
    b[200] ^= 1  # inside the section table: a header byte the signature covers
    bad.write_bytes(bytes(b))
    with pytest.raises(frost.FrostError):
        frost.load(bad, require_signature=d / "alice.pub")
    # without a required key, a signed file opens as any other
    with frost.load(d / "signed.frost") as m:
        assert (m.predict(X) == est.predict(X)).all()


def test_key_arguments(signed):
    est, X, d = signed
    with pytest.raises(ValueError, match="require_signature"):
        frost.load(d / "signed.frost", require_signature=True)
    with pytest.raises(ValueError, match="require_signature"):
        frost.load(d / "signed.frost", require_signature=[])
    with pytest.raises(frost.ModelNotFound):
        frost.load(d / "signed.frost", require_signature=d / "nobody.pub")
    with pytest.raises(frost.FrostError):
        frost.load(d / "signed.frost", require_signature=d / "alice.key")  # not a public key


def test_the_keys_travel_with_a_pickled_model(signed, tmp_path):
    est, X, d = signed
    m = frost.load(d / "signed.frost", require_signature=d / "alice.pub")
    blob = pickle.dumps(m)
    m.close()
    again = pickle.loads(blob)
    assert (again.predict(X) == est.predict(X)).all()
    again.close()
    # the same pickle over a file replaced by an unsigned one is refused where it is reopened
    moved = tmp_path / "m.frost"
    shutil.copy(d / "signed.frost", moved)
    m = frost.load(moved, require_signature=d / "alice.pub")
    blob = pickle.dumps(m)
    m.close()
    shutil.copy(d / "plain.frost", moved)
    with pytest.raises(frost.SignatureError):
        pickle.loads(blob).predict(X)


def test_typed_metadata(signed):
    est, X, d = signed
    with frost.load(d / "plain.frost") as m:
        md = m.metadata
        assert md["auc"] == 0.91 and isinstance(md["auc"], float)
        assert md["runs"] == 3 and isinstance(md["runs"], int)
        assert md["ok"] is False and md["by"] == "ci"
    with pytest.raises(ValueError, match="JSON"):
        frost.save(est, d / "x.frost", meta={"loss": float("nan")})
    assert not (d / "x.frost").exists()
