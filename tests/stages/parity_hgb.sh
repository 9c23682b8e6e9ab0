#!/bin/sh
# make test stage: HistGradientBoosting and IsolationForest parity against the real scikit-learn.
#   sh tests/stages/parity_hgb.sh BUILD_DIR        (from the repository root; make test passes build)
#
# tests/parity/parity_hgb.py trains HistGradientBoostingClassifier/Regressor (every loss the
# installed scikit-learn has; missing values, categorical features with unseen categories) and
# IsolationForest with Debian's scikit-learn, saves them with joblib and pickle, converts them
# with $BUILD/frost and compares predict, --proba and --score-samples (and decision_function
# through libfrost) with scikit-learn's, numbers that numpy's SIMD routines round differently
# replayed through the C library bit for bit; then files as other scikit-learn versions save
# them. Ends with exactly "parity-hgb: N passed, M failed".
set -u
BUILD=${1:-build}
. tests/stages/lib/python_suite.sh
run_python_suite parity-hgb "$BUILD" tests/parity/parity_hgb.py
