#!/usr/bin/python3
"""Writes the small seed inputs of the importer's fuzz targets (committed, a few KB in all):

    /usr/bin/python3 tests/import/make_fuzz_seeds.py

tests/fuzz/corpus/pickle/  plain pickles, protocols 0-5: values of every kind, numpy arrays
                           (C/F order, big-endian, structured, object), a one-split tree
tests/fuzz/corpus/joblib/  joblib streams: aligned, unaligned, nested object array, and one
                           small array in every compressed container
"""
import collections
import io
import os
import pickle
import sys
import warnings

warnings.filterwarnings("ignore")

import joblib  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.tree import DecisionTreeClassifier  # noqa: E402

sys.path.insert(0, os.path.dirname(__file__))
from make_fixtures import Unseekable  # noqa: E402

ROOT = os.path.join(os.path.dirname(__file__), "..", "fuzz", "corpus")


def small():
    return {
        "i": 7, "big": 2**70, "f": 1.5, "s": "h\u00e9", "b": b"\x00\xff", "t": (1, None, True),
        "set": {1}, "od": collections.OrderedDict(a=1), "sl": slice(1, 2),
        "a": np.arange(3.0), "F": np.asfortranarray(np.arange(4).reshape(2, 2)),
        "be": np.array([1, -2], dtype=">i4"), "o": np.array(["x", 1], dtype=object),
        "st": np.array([(1, 2.0)], dtype=[("l", "<i8"), ("t", ">f8")]),
        "sc": np.float64(2.5), "U": np.array(["ab"]),
    }


def main():
    pk = os.path.join(ROOT, "pickle")
    jl = os.path.join(ROOT, "joblib")
    os.makedirs(pk, exist_ok=True)
    os.makedirs(jl, exist_ok=True)
    v = small()
    for p in range(6):
        with open(os.path.join(pk, "values_p%d.pkl" % p), "wb") as f:
            pickle.dump(v, f, protocol=p)
    X = np.array([[0.0], [1.0], [2.0], [3.0]])
    tree = DecisionTreeClassifier(max_depth=1, random_state=0).fit(X, [0, 0, 1, 1])
    for p in (2, 5):
        with open(os.path.join(pk, "tree_p%d.pkl" % p), "wb") as f:
            pickle.dump(tree, f, protocol=p)
    joblib.dump(v, os.path.join(jl, "values.joblib"))
    with open(os.path.join(jl, "values_unaligned.joblib"), "wb") as raw:
        joblib.dump(v, Unseekable(raw))
    joblib.dump(tree, os.path.join(jl, "tree.joblib"))
    a = np.arange(4.0)
    for comp in ("zlib", "gzip", "bz2", "xz", "lzma", "lz4"):
        joblib.dump(a, os.path.join(jl, "array.joblib." + comp), compress=(comp, 1))


if __name__ == "__main__":
    main()
