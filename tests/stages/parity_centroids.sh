#!/bin/sh
# make test stage: NearestCentroid, KMeans and MiniBatchKMeans parity against the real
# scikit-learn.
#   sh tests/stages/parity_centroids.sh BUILD_DIR   (from the repository root; make test passes build)
#
# tests/parity/parity_centroids.py fits them alone and after Pipeline / ColumnTransformer
# preprocessing with Debian's scikit-learn, saves them with joblib and pickle, converts them with
# $BUILD/frost and compares `frost predict` with predict (labels, cluster numbers) and, for k-means,
# `frost transform` with transform (the distances, within 1e-9); checks the refusals scikit-learn
# makes. Ends with exactly "parity-centroids: N passed, M failed".
set -u
BUILD=${1:-build}
. tests/stages/lib/python_suite.sh
run_python_suite parity-centroids "$BUILD" tests/parity/parity_centroids.py
