#!/bin/sh
# make test stage: naive Bayes parity against the real scikit-learn.
#   sh tests/stages/parity_bayes.sh BUILD_DIR   (from the repository root; make test passes build)
#
# tests/parity/parity_bayes.py fits GaussianNB, MultinomialNB, ComplementNB, BernoulliNB and
# CategoricalNB (several each, alone and after Pipeline / ColumnTransformer preprocessing) with
# Debian's scikit-learn, saves them with joblib and pickle, converts them with $BUILD/frost and
# compares `frost predict` / `--proba` with predict / predict_proba (labels identical, numbers
# within 1e-9), and checks the refusals scikit-learn makes (NaN, infinity, CategoricalNB's
# negative and unseen categories). Ends with exactly "parity-bayes: N passed, M failed".
set -u
BUILD=${1:-build}
. tests/stages/lib/python_suite.sh
run_python_suite parity-bayes "$BUILD" tests/parity/parity_bayes.py
