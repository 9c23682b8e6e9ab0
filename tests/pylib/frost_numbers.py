"""How the test suites compare frost's printed numbers and labels with scikit-learn's.

One copy for every Python suite (parity, contract, CLI): frost prints the shortest round
trip of a double, labels as Python's str() would, and is held to 1e-9 relative where it is
not bit-exact.
"""

import math
import struct
import sys

import numpy as np

REL_TOL = 1e-9


def bits(v):
    return struct.pack("<d", v)


def shortest(v):
    """How frost prints a number: the first of %.15g, %.16g, %.17g that reads back to the same
    bits (from one digit for subnormals) — the shortest round trip, as repr(), in %g's spelling."""
    first = 1 if v != 0 and abs(v) < sys.float_info.min else 15
    s = "%.17g" % v
    for p in range(first, 18):
        s = "%.*g" % (p, v)
        if math.isnan(v) or bits(float(s)) == bits(v):
            return s
    return s


def close(got, exp, rel_tol=REL_TOL):
    if got == exp:
        return True
    if math.isnan(got) or math.isnan(exp):
        return math.isnan(got) and math.isnan(exp)
    return abs(got - exp) <= rel_tol * max(1.0, abs(exp))


def label_text(v):
    """A class label as frost prints it (numpy scalars and bytes as Python's str())."""
    if isinstance(v, (bool, np.bool_)):
        return "True" if v else "False"
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, bytes):
        return v.decode("utf-8")
    return str(v)


def pairwise(v):
    """numpy's pairwise summation (numpy/core/src/umath/loops_utils.h.src), for the sums
    scikit-learn's softmax and normalisations take (np.sum over a row)."""
    n = len(v)
    if n < 8:
        s = 0.0
        for x in v:
            s += x
        return s
    if n <= 128:
        r = list(v[:8])
        i = 8
        while i < n - n % 8:
            for j in range(8):
                r[j] += v[i + j]
            i += 8
        s = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
        for x in v[i:]:
            s += x
        return s
    n2 = n // 2
    n2 -= n2 % 8
    return pairwise(v[:n2]) + pairwise(v[n2:])
