#!/usr/bin/python3
"""Files as joblib < 0.10 dumped them: the pickle, and each array in its own .npy file beside it.

joblib 0.9 (joblib/numpy_pickle.py, NumpyPickler.save; scikit-learn <= 0.17 bundled it as
sklearn.externals.joblib) saved every ndarray that holds no Python objects with numpy.save to
FILENAME_NN.npy and pickled an NDArrayWrapper(filename=basename, subclass, allow_mmap) in its
place; with compress > 0 it wrote the array's raw bytes to FILENAME_NN.npy.z as a "ZF" zlib file
and pickled a ZNDArrayWrapper(filename, init_args, state) — numpy's __reduce__ without the data —
and the pickle itself as a ZF file. joblib.load reads those files from the pickle's folder. No such
joblib can be installed here, so this script does what that NumpyPickler did (with the installed
joblib's own write_zfile), with the installed scikit-learn's models, under both module paths and
pickle protocols 2 (Python 2) and 4, plain and compressed; frost must convert the
pickle from its path, reading the side files, and predict as scikit-learn does. It must also
refuse what joblib never wrote: a side file that is missing, a name that leaves the folder, the
pickle without its folder's side files.

Usage: parity_old_joblib.py --frost FROST_BINARY   ends with "parity-old-joblib: N passed, M failed"
"""
import argparse
import io
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
import types

import numpy as np
from joblib.numpy_pickle_compat import write_zfile
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris
from sklearn.ensemble import GradientBoostingClassifier, RandomForestRegressor
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier

PASSED = FAILED = 0


def emit(ok, what, detail=""):
    global PASSED, FAILED
    PASSED += ok
    FAILED += not ok
    print(f"{'ok  ' if ok else 'FAIL'} {what}{': ' + detail if detail else ''}", flush=True)


def wrapper_class(module, name):
    """joblib 0.9's NDArrayWrapper or ZNDArrayWrapper as `module` named it (attributes only)."""
    mod = sys.modules.get(module) or sys.modules.setdefault(module, types.ModuleType(module))
    cls = type(name, (object,), {"__module__": module})
    setattr(mod, name, cls)
    return cls


def old_dump(obj, path, module, protocol, compress=0):
    """joblib 0.9's dump(obj, path, compress): the side files' names, NumpyPickler's numbering."""
    Wrapper = wrapper_class(module, "ZNDArrayWrapper" if compress else "NDArrayWrapper")
    base, folder, names = os.path.basename(path), os.path.dirname(path), []

    class NumpyPickler(pickle._Pickler):
        def save(self, o, save_persistent_id=True):
            if isinstance(o, np.ndarray) and not o.dtype.hasobject:
                name = "%s_%02i.npy" % (base, len(names) + 1)
                w = Wrapper()
                if compress:
                    name += ".z"
                    _, w.init_args, state = o.__reduce__()
                    with open(os.path.join(folder, name), "wb") as z:
                        write_zfile(z, state[-1], compress)
                    w.filename, w.state = name, state[:-1]
                else:
                    np.save(os.path.join(folder, name), o)
                    w.filename, w.subclass, w.allow_mmap = name, type(o), True
                names.append(name)
                o = w
            return pickle._Pickler.save(self, o, save_persistent_id)

    stream = io.BytesIO()
    NumpyPickler(stream, protocol=protocol).dump(obj)
    with open(path, "wb") as f:
        if compress:
            write_zfile(f, stream.getvalue(), compress)
        else:
            f.write(stream.getvalue())
    return names


def frost(binary, *args):
    return subprocess.run([binary, *args], capture_output=True, text=True)


def read_csv(text):
    rows = [line.split(",") for line in text.strip().splitlines()[1:]]
    return np.array(rows, dtype=object)


def same(got, want):
    """Labels equal; numbers within 1e-9 relative."""
    if got.shape != want.shape:
        return False, f"shape {got.shape}, expected {want.shape}"
    for g, w in zip(got.ravel(), want.ravel()):
        try:
            gf, wf = float(g), float(w)
            if abs(gf - wf) > 1e-9 * max(1.0, abs(wf)):
                return False, f"{g} vs {w}"
        except ValueError:
            if str(g) != str(w):
                return False, f"{g} vs {w}"
    return True, ""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--frost", required=True)
    binary = os.path.abspath(ap.parse_args().frost)
    tmp = tempfile.mkdtemp(prefix="frost-oldjoblib-")
    try:
        Xc, yc = load_breast_cancer(return_X_y=True)
        Xi, yi = load_iris(return_X_y=True)
        Xr, yr = load_diabetes(return_X_y=True)
        iris_names = np.array(["setosa", "versicolor", "virginica"])[yi]
        models = [
            ("logreg", LogisticRegression(max_iter=5000).fit(Xi, iris_names), Xi),
            ("linreg", LinearRegression().fit(Xr, yr), Xr),
            ("tree", DecisionTreeClassifier(max_depth=6, random_state=0).fit(Xc, yc), Xc),
            ("forest", RandomForestRegressor(n_estimators=8, random_state=0).fit(Xr, yr), Xr),
            ("gb", GradientBoostingClassifier(n_estimators=15, random_state=0).fit(Xi, yi), Xi),
            ("pipeline", make_pipeline(StandardScaler(), LogisticRegression(max_iter=5000))
             .fit(Xc, yc), Xc),
        ]
        modules = ["sklearn.externals.joblib.numpy_pickle", "joblib.numpy_pickle"]
        for name, model, X in models:
            csv = os.path.join(tmp, f"{name}.csv")
            np.savetxt(csv, X, delimiter=",", header=",".join(f"x{i}" for i in range(X.shape[1])),
                       comments="", fmt="%r")
            for module, protocol, compress in [(m, p, c) for m in modules for p in (2, 4)
                                               for c in (0, 3)]:
                tag = (f"{name} ({module.split('.')[0]} path, protocol {protocol}"
                       f"{', compress ' + str(compress) if compress else ''})")
                folder = tempfile.mkdtemp(dir=tmp)
                pkl = os.path.join(folder, f"{name}.pkl")
                sides = old_dump(model, pkl, module, protocol, compress)
                out = pkl + ".frost"
                r = frost(binary, "convert", pkl, out, "--quiet")
                if r.returncode:
                    emit(False, f"{tag} convert", r.stderr.strip())
                    continue
                emit(bool(sides), f"{tag} convert ({len(sides)} side files)")
                outputs = [("predict", [], model.predict(X).reshape(-1, 1))]
                if hasattr(model, "predict_proba"):
                    outputs.append(("--proba", ["--proba"], model.predict_proba(X)))
                for what, flags, want in outputs:
                    r = frost(binary, "predict", out, csv, *flags)
                    if r.returncode:
                        emit(False, f"{tag} {what}", r.stderr.strip())
                        continue
                    ok, detail = same(read_csv(r.stdout), np.asarray(want, dtype=object))
                    emit(ok, f"{tag} {what}", detail)

        # what joblib never wrote: each must fail cleanly, naming the side file, writing nothing
        model = models[2][1]
        folder = tempfile.mkdtemp(dir=tmp)
        pkl = os.path.join(folder, "tree.pkl")
        sides = old_dump(model, pkl, modules[0], 2)

        def refused(tag, path, says):
            out = os.path.join(tmp, "refused.frost")
            r = frost(binary, "convert", path, out, "--quiet")
            ok = 0 < r.returncode < 128 and says in r.stderr and not os.path.exists(out)
            emit(ok, f"refuses {tag}", r.stderr.strip() if not ok else "")

        os.rename(os.path.join(folder, sides[1]), os.path.join(folder, "away.npy"))
        refused("a missing side file", pkl, sides[1])
        os.rename(os.path.join(folder, "away.npy"), os.path.join(folder, sides[1]))
        alone = tempfile.mkdtemp(dir=tmp)
        shutil.copy(pkl, alone)
        refused("the pickle copied away from its side files",
                os.path.join(alone, "tree.pkl"), sides[0])
        # a pickle naming a file in the parent folder (same length: the stream stays valid)
        data = open(pkl, "rb").read()
        evil = ("../" + sides[0][3:]).encode()
        open(os.path.join(folder, "evil.pkl"), "wb").write(data.replace(sides[0].encode(), evil))
        refused("a side file outside the pickle's folder", os.path.join(folder, "evil.pkl"),
                "not a plain file name")
        os.remove(os.path.join(folder, sides[2]))
        os.symlink(sides[0], os.path.join(folder, sides[2]))
        refused("a side file that is a symbolic link", pkl, "symbolic link")
        # compressed: a side file that is no zlib file, one cut short
        folder = tempfile.mkdtemp(dir=tmp)
        pkl = os.path.join(folder, "tree.pkl")
        sides = old_dump(model, pkl, modules[1], 2, compress=3)
        shutil.copy(os.path.join(folder, sides[0]), os.path.join(folder, "keep.z"))
        with open(os.path.join(folder, sides[0]), "wb") as f:
            np.save(f, np.arange(3.0))
        refused("a compressed side file that is no zlib file", pkl, "ZF")
        data = open(os.path.join(folder, "keep.z"), "rb").read()
        open(os.path.join(folder, sides[0]), "wb").write(data[:len(data) // 2])
        refused("a compressed side file cut short", pkl, sides[0])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"parity-old-joblib: {PASSED} passed, {FAILED} failed", flush=True)
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
