#!/bin/sh
# make test stage: files as joblib < 0.10 dumped them (each array in a .npy file beside the
# pickle, or a zlib file when compressed, a (Z)NDArrayWrapper naming it) convert from their path
# and predict as scikit-learn does; side files that are missing, outside the pickle's folder,
# symbolic links, no zlib file or cut short are refused.
#   sh tests/stages/parity_old_joblib.sh BUILD_DIR     (from the repository root)
# Ends with exactly "parity-old-joblib: N passed, M failed".
set -u
BUILD=${1:-build}
. tests/stages/lib/python_suite.sh
run_python_suite parity-old-joblib "$BUILD" tests/parity/parity_old_joblib.py
