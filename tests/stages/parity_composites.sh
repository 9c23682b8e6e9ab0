#!/bin/sh
# make test stage: FunctionTransformer of numpy ufuncs, TransformedTargetRegressor and the
# feature selectors (VarianceThreshold, SelectKBest, SelectPercentile, SelectFromModel) and
# projections (PCA, IncrementalPCA, TruncatedSVD), make_column_selector:
# parity against the real scikit-learn.
#   sh tests/stages/parity_composites.sh BUILD_DIR   (from the repository root; make test passes build)
#
# tests/parity/parity_composites.py fits them alone and inside Pipelines / ColumnTransformers
# with Debian's scikit-learn, saves them with joblib and pickle, converts them with
# $BUILD/frost and compares `frost predict` / `--proba` / `frost transform` with predict /
# predict_proba / transform (labels identical, numbers within 1e-9); checks that functions frost
# does not run are refused naming the step. Ends with exactly
# "parity-composites: N passed, M failed".
set -u
BUILD=${1:-build}
. tests/stages/lib/python_suite.sh
run_python_suite parity-composites "$BUILD" tests/parity/parity_composites.py
