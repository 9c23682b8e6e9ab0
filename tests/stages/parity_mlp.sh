#!/bin/sh
# make test stage: multi-layer perceptron parity against the real scikit-learn.
#   sh tests/stages/parity_mlp.sh BUILD_DIR   (from the repository root; make test passes build)
#
# tests/parity/parity_mlp.py fits MLPClassifier (binary, multi-class, multi-label) and
# MLPRegressor (one and several targets) with each hidden activation, alone and after Pipeline /
# ColumnTransformer preprocessing, with Debian's scikit-learn, saves them with joblib and pickle,
# converts them with $BUILD/frost and compares `frost predict` / `--proba` with predict /
# predict_proba (labels identical, numbers within 1e-9), and checks the refusals scikit-learn
# makes (NaN, infinity). Ends with exactly "parity-mlp: N passed, M failed".
set -u
BUILD=${1:-build}
. tests/stages/lib/python_suite.sh
run_python_suite parity-mlp "$BUILD" tests/parity/parity_mlp.py
