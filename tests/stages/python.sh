#!/bin/sh
# make test stage: the Python package (tools/python/frost) against the real scikit-learn.
#   sh tests/stages/python.sh BUILD_DIR   (from the repository root; make test passes build)
#
# tests/python/run.py runs the pytest suites in tests/python/ with Debian's python3-pytest, on
# the package from this tree and the libraries in BUILD_DIR: frost.save → frost.load → predict /
# predict_proba / decision_function / transform against scikit-learn on the tree, pipeline and
# combination models of the CLI parity suites (numpy float64/float32/Fortran, DataFrames with
# shuffled and extra columns, NaN, unseen categories, lists of dicts); errors; 8 threads on one
# model and the GIL released; pickling to a subprocess and a process pool; frost.dask.predict
# on a local cluster of 2 worker processes (127.0.0.1, always closed); the ctypes layouts
# against the headers. Prints one line per test and ends with exactly
# "python: N passed, M failed"; exits non-zero on any failure (a crash counts as one).
set -u
BUILD=${1:-build}
. tests/stages/lib/python_suite.sh
run_python_suite python "$BUILD" tests/python/run.py
