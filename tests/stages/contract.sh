#!/bin/sh
# make test stage: the input contract of issue #10, against the real scikit-learn.
#   sh tests/stages/contract.sh BUILD_DIR   (from the repository root; make test passes build)
#
# tests/contract/contract.py trains small models with Debian's scikit-learn, converts them with
# $BUILD/frost and holds `frost predict` / `--proba` / `frost transform` to what scikit-learn
# does on the DataFrame pandas reads from the same CSV (pandas >= 2's NA list): columns the
# model never reads, NA spellings, booleans, infinities and exact numbers, refusing what
# scikit-learn refuses, unnamed models' column count, outputs that never destroy data (devices,
# symlinks, failed runs), convert never writing its input, help, number format,
# --keep-columns, --threads, write errors. tests/contract/README.md lists the rules.
# Prints one line per test and ends with exactly "contract: N passed, M failed"; exits
# non-zero on any failure (a crash of the suite counts as one).
set -u
BUILD=${1:-build}
. tests/stages/lib/python_suite.sh
run_python_suite contract "$BUILD" tests/contract/contract.py --jobs 2
