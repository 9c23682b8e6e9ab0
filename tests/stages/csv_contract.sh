#!/bin/sh
# make test stage: the CSV input contract and the predict/transform output features, from the
# command line, against pandas.read_csv + scikit-learn.
#   sh tests/stages/csv_contract.sh BUILD_DIR     (from the repository root; make test passes build)
#
# tests/cli/csv_contract.py trains small models with Debian's scikit-learn, converts them with
# $BUILD/frost and checks NA spellings, booleans, separators, column counts, --keep-columns,
# --threads (identical bytes, identical failures), shortest numbers, stdin and transform.
# Ends with exactly "csv-contract: N passed, M failed"; exits non-zero on any failure (a crash
# of the suite counts as one).
set -u
BUILD=${1:-build}
. tests/stages/lib/python_suite.sh
run_python_suite csv-contract "$BUILD" tests/cli/csv_contract.py
