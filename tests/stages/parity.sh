#!/bin/sh
# make test stage: tree-model parity against the real scikit-learn.
#   sh tests/stages/parity.sh BUILD_DIR        (from the repository root; make test passes build)
#
# tests/parity/parity_trees.py trains decision trees, extra trees, random forests, extra-trees
# forests and gradient boosting with Debian's scikit-learn, saves them with joblib (every
# compressor) and pickle (protocols 2-5), converts them with $BUILD/frost and compares
# `frost predict` / `--proba` with sklearn's predict / predict_proba, threshold probes included.
# Prints one line per check and ends with exactly "parity: N passed, M failed"; exits non-zero
# on any failure (a crash of the suite counts as one).
set -u
BUILD=${1:-build}
. tests/stages/lib/python_suite.sh
run_python_suite parity "$BUILD" tests/parity/parity_trees.py --jobs 2
