#!/bin/sh
# make test stage: pipeline parity against the real scikit-learn.
#   sh tests/stages/parity_pipelines.sh BUILD_DIR   (from the repository root; make test passes build)
#
# tests/parity/parity_pipelines.py fits Pipelines / ColumnTransformers / FeatureUnions with
# imputers, scalers and encoders in front of every estimator frost converts, on mixed
# DataFrames (numbers, strings, NaN, string labels) with Debian's scikit-learn; saves them with
# joblib (plain, zlib, gzip, lz4) and pickle (protocols 4, 5); converts them with $BUILD/frost
# and compares `frost predict` / `--proba` / `frost transform` with predict / predict_proba /
# pipe[:-1].transform and get_feature_names_out(), on CSV rows with empty cells and categories
# unseen at fit. Also: saved bare transformers, missing columns, unknown categories under
# handle_unknown='error', steps frost must refuse (exit 1, the step named, no output file).
# Prints one line per check and ends with exactly "parity-pipelines: N passed, M failed"; exits
# non-zero on any failure (a crash of the suite counts as one).
set -u
BUILD=${1:-build}
. tests/stages/lib/python_suite.sh
run_python_suite parity-pipelines "$BUILD" tests/parity/parity_pipelines.py
