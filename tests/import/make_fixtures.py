#!/usr/bin/python3
"""Writes the pickle/joblib fixtures the importer's unit tests read, into OUTDIR.

    /usr/bin/python3 tests/import/make_fixtures.py OUTDIR

Run at test time (tests/unit/test_pickle.c, test_joblib.c) with Debian's Python, scikit-learn
1.2.1, numpy 1.24 and joblib 1.2; nothing it writes is committed. Every fixture is written by
Python's own pickle/joblib, so the tests check the reader against the real writers.

OUTDIR/expect.txt lists facts the C tests compare against, one `file key value` per line:
    class       canonical class of the root object
    n_trees     number of fitted trees (1 for a single tree)
    nodes       total node_count over all trees
    hash.left   hash of every tree's children_left, in tree order (see h64 below)
    hash.thr    hash of every tree's threshold bit patterns
    hash.val    hash of every tree's value bit patterns
    hash.coef   hash of coef_ bit patterns (linear models)
Hashes are FNV-style over 64-bit words so that C and Python agree exactly without summing
floats: h = (h ^ word) * 0x100000001b3 mod 2**64, starting from 0xcbf29ce484222325.
"""
import collections
import io
import os
import pickle
import struct
import sys
import warnings

warnings.filterwarnings("ignore")

import joblib  # noqa: E402
import numpy as np  # noqa: E402
from sklearn import ensemble, linear_model, tree  # noqa: E402
from sklearn.datasets import load_iris, make_regression  # noqa: E402

MASK = (1 << 64) - 1


def h64(words, h=0xCBF29CE484222325):
    for w in words:
        h = ((h ^ (w & MASK)) * 0x100000001B3) & MASK
    return h


def f64_words(a):
    return struct.unpack("<%dQ" % a.size, np.ascontiguousarray(a, dtype="<f8").tobytes())


def i64_words(a):
    return [int(x) & MASK for x in np.ascontiguousarray(a, dtype="<i8").ravel()]


def values():
    """Every kind of value the reader decodes; test_pickle.c checks each key."""
    shared = [1, 2]
    return {
        "int_small": 7,
        "int_neg": -123456,
        "int_big": 2**62 + 5,
        "int_min": -(2**63),
        "int_huge": 2**70,
        "float": 1.5,
        "float_tiny": -2.25e-300,
        "nan": float("nan"),
        "inf": float("inf"),
        "true": True,
        "false": False,
        "none": None,
        "str": "h\u00e9llo \u2713 \U0001F600 back\\slash\nnew",
        "bytes": b"\x00\x01\xff" * 3,
        "bytes_empty": b"",
        "bytearray": bytearray(b"abc"),
        "tuple": (1, 2, 3, 4, 5),
        "nested": [1, [2, [3]]],
        "set": {1, 2, 3},
        "frozenset": frozenset({4}),
        "odict": collections.OrderedDict([("b", 1), ("a", 2)]),
        "slice": slice(1, 10, 2),
        "shared_a": shared,
        "shared_b": shared,
        "f8": np.arange(6, dtype="<f8").reshape(2, 3) * 0.5,
        "f8_F": np.asfortranarray(np.arange(6.0).reshape(2, 3)),
        "f8_be": np.arange(4, dtype=">f8"),
        "i4_be": np.array([-1, 2, -3], dtype=">i4"),
        "u1": np.array([0, 255], dtype="u1"),
        "bool": np.array([True, False, True]),
        "f4": np.array([0.5, -2.5], dtype="f4"),
        "f2": np.array([0.5, -1.0, 65504], dtype="f2"),
        "i8_3d_F": np.asfortranarray(np.arange(24).reshape(2, 3, 4)),
        "obj": np.array(["a", 1, 2.5, None], dtype=object),
        "U": np.array(["alpha", "\u03b2eta", ""]),
        "S": np.array([b"ab", b"c"]),
        "struct": np.array([(1, 2.5), (-3, 4.0)], dtype=[("a", "<i8"), ("b", ">f8")]),
        "scalar_f8": np.float64(3.25),
        "scalar_i8": np.int64(-9),
        "scalar_bool": np.bool_(True),
        "scalar_u8": np.uint64(2**64 - 1),
        "zero_d": np.array(4.5),
        "empty": np.zeros((0, 3)),
        "rng": np.random.RandomState(0),
        "dtype_param": np.float64,
    }


class Unseekable(io.RawIOBase):
    """A write-only stream without tell(): joblib then writes no alignment padding
    (numpy_array_alignment_bytes=None), the 'unaligned' layout."""

    def __init__(self, f):
        self.f = f

    def writable(self):
        return True

    def write(self, b):
        return self.f.write(b)

    def tell(self):
        raise io.UnsupportedOperation("not seekable")

    def seekable(self):
        return False


def tree_facts(est):
    trees = est.estimators_ if hasattr(est, "estimators_") else [est]
    if isinstance(trees, np.ndarray):
        trees = list(trees.ravel())
    left, thr, val, nodes = [], [], [], 0
    for t in trees:
        left += i64_words(t.tree_.children_left)
        thr += f64_words(t.tree_.threshold)
        val += f64_words(t.tree_.value)
        nodes += t.tree_.node_count
    return {
        "n_trees": len(trees),
        "nodes": nodes,
        "hash.left": "%016x" % h64(left),
        "hash.thr": "%016x" % h64(thr),
        "hash.val": "%016x" % h64(val),
    }


def main(out):
    os.makedirs(out, exist_ok=True)
    expect = []

    def fact(name, key, value):
        expect.append("%s %s %s" % (name, key, value))

    v = values()
    for proto in range(6):
        with open(os.path.join(out, "values_p%d.pkl" % proto), "wb") as f:
            pickle.dump(v, f, protocol=proto)
    # joblib: default (aligned), unaligned, every compressor
    joblib.dump(v, os.path.join(out, "values.joblib"))
    with open(os.path.join(out, "values_unaligned.joblib"), "wb") as raw:
        joblib.dump(v, Unseekable(raw))
    for comp in ("zlib", "gzip", "bz2", "xz", "lzma", "lz4"):
        joblib.dump(v, os.path.join(out, "values.joblib." + comp), compress=(comp, 3))
    joblib.dump(v, os.path.join(out, "values_p2.joblib"), protocol=2)
    joblib.dump(v, os.path.join(out, "values_p5.joblib"), protocol=5)

    X, y = load_iris(return_X_y=True)
    Xr, yr = make_regression(n_samples=120, n_features=5, noise=0.1, random_state=0)
    models = {
        "dtc": tree.DecisionTreeClassifier(max_depth=4, random_state=0).fit(X, y),
        "rfr": ensemble.RandomForestRegressor(n_estimators=4, max_depth=3,
                                              random_state=0).fit(Xr, yr),
        "etc": ensemble.ExtraTreesClassifier(n_estimators=3, max_depth=3,
                                             random_state=0).fit(X, y),
        "gbc": ensemble.GradientBoostingClassifier(n_estimators=3, max_depth=2,
                                                   random_state=0).fit(X, y),
        "logreg": linear_model.LogisticRegression(max_iter=500).fit(X, y),
    }
    for name, m in models.items():
        cls = "%s.%s" % (type(m).__module__, type(m).__qualname__)
        files = ["%s_p%d.pkl" % (name, p) for p in range(6)]
        for p in range(6):
            with open(os.path.join(out, files[p]), "wb") as f:
                pickle.dump(m, f, protocol=p)
        for comp in ("", "zlib", "lz4"):
            fn = "%s.joblib%s" % (name, "." + comp if comp else "")
            joblib.dump(m, os.path.join(out, fn), compress=(comp, 3) if comp else 0)
            files.append(fn)
        for fn in files:
            fact(fn, "class", cls)
            if hasattr(m, "tree_") or hasattr(m, "estimators_"):
                for k, val in tree_facts(m).items():
                    fact(fn, k, val)
            if hasattr(m, "coef_"):
                fact(fn, "hash.coef", "%016x" % h64(f64_words(m.coef_)))

    # decompression bombs: 16 MiB of zeros in every container (read with a 1 MiB limit)
    zeros = np.zeros(2 << 20)
    for comp in ("zlib", "gzip", "bz2", "xz", "lzma", "lz4"):
        joblib.dump(zeros, os.path.join(out, "bomb.joblib." + comp), compress=(comp, 3))

    with open(os.path.join(out, "expect.txt"), "w") as f:
        f.write("\n".join(expect) + "\n")


if __name__ == "__main__":
    main(sys.argv[1])
