"""test_capi.py — the ctypes declarations (tools/python/frost/_capi.py) against the headers they
mirror: a C program compiled against runtime/frost.h and import/frost_import.h prints the size
of every struct and the offset of every field, and each must equal ctypes' own; and every
function the package declares is exported by the library it is loaded from; and a package's
options structs stay right beside a newer library whose structs have grown.
"""
import ctypes
import os
import subprocess

import pytest

from conftest import ROOT
from frost import _capi as C

STRUCTS = [C.frost_open_options, C.frost_info, C.frost_stats, C.frost_string, C.frost_column,
           C.frost_write_options, C.frost_convert_options, C.frost_allocator,
           C.frost_public_key, C.frost_meta_entry]


def test_struct_layouts_match_the_headers(tmp_path):
    lines = ["#include <stddef.h>", "#include <stdio.h>", '#include "frost_import.h"',
             "int main(void) {"]
    for s in STRUCTS:
        lines.append(f'printf("{s.__name__} %zu\\n", sizeof({s.__name__}));')
        for field, _ in s._fields_:
            lines.append(f'printf("{s.__name__}.{field} %zu\\n", offsetof({s.__name__}, '
                         f'{field}));')
    lines += ["return 0;", "}"]
    src = tmp_path / "layout.c"
    src.write_text("\n".join(lines) + "\n")
    exe = tmp_path / "layout"
    cc = os.environ.get("CC", "cc")
    r = subprocess.run([cc, "-std=c11", "-I", os.path.join(ROOT, "runtime"), "-I",
                        os.path.join(ROOT, "import"), str(src), "-o", str(exe)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    c_side = dict(line.split() for line in subprocess.run(
        [str(exe)], capture_output=True, text=True, check=True).stdout.splitlines())
    for s in STRUCTS:
        assert int(c_side[s.__name__]) == ctypes.sizeof(s), s.__name__
        for field, _ in s._fields_:
            assert int(c_side[f"{s.__name__}.{field}"]) == getattr(s, field).offset, \
                f"{s.__name__}.{field}"


@pytest.mark.parametrize("loader,functions", [(C.lib, C.FROST_FUNCTIONS),
                                              (C.import_lib, C.IMPORT_FUNCTIONS)])
def test_functions_are_exported(loader, functions):
    lib = loader()
    for name in functions:
        assert hasattr(lib, name), f"{lib._frost_path} lacks {name}"


def test_the_library_is_the_build_trees(monkeypatch):
    """Found through FROST_LIBRARY_PATH (the stage sets it to the build directory), else next
    to the package in the build tree."""
    want = os.environ.get("FROST_LIBRARY_PATH") or os.path.join(ROOT, "build")
    assert os.path.dirname(os.path.abspath(C.lib()._frost_path)) == os.path.abspath(want)
    monkeypatch.delenv("FROST_LIBRARY_PATH", raising=False)
    assert C._find("frost") in (os.path.join(ROOT, "build", "libfrost.so"),
                                os.path.join(ROOT, "build", "libfrost.so.0"))


def test_options_of_an_older_package(tmp_path):
    """A package older than its library knows a prefix of each options struct: the library's
    init fills room to spare, never past the package's struct, and the library takes the
    shorter struct (its size says so) with its own defaults for the rest."""
    import numpy as np
    from sklearn.tree import DecisionTreeClassifier
    import frost
    X = np.random.RandomState(0).normal(size=(60, 3))
    est = DecisionTreeClassifier(random_state=0).fit(X, X[:, 0] > 0)
    frost.save(est, tmp_path / "t.frost")

    class OldOpen(ctypes.Structure):     # frost_open_options before missing_columns
        _fields_ = C.frost_open_options._fields_[:-7]

    o = C.options(OldOpen, C.lib().frost_open_options_init)
    assert o.size == ctypes.sizeof(OldOpen) < ctypes.sizeof(C.frost_open_options)
    assert (o.io, o.load) == (C.FROST_IO_AUTO, C.FROST_LOAD_LAZY)
    h = C.model_p()
    full = ctypes.cast(ctypes.pointer(o), ctypes.POINTER(C.frost_open_options))
    assert C.lib().frost_open(str(tmp_path / "t.frost").encode(), full, ctypes.byref(h)) == 0
    C.lib().frost_close(h)

    class OldConvert(ctypes.Structure):  # frost_convert_options before the caller's metadata
        _fields_ = C.frost_convert_options._fields_[:-7]

    c = C.options(OldConvert, C.import_lib().frost_convert_options_init)
    assert c.size == ctypes.sizeof(OldConvert) and c.converted_at == C.FROST_CONVERTED_NOW
    src = tmp_path / "t.pkl"
    import pickle
    src.write_bytes(pickle.dumps(est))
    fullc = ctypes.cast(ctypes.pointer(c), ctypes.POINTER(C.frost_convert_options))
    assert C.import_lib().frost_convert(str(src).encode(), str(tmp_path / "c.frost").encode(),
                                        fullc) == 0
    with frost.load(tmp_path / "c.frost") as m:
        assert (m.predict(X) == est.predict(X)).all()
