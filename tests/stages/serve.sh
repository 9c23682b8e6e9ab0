#!/bin/sh
# make test stage: `frost serve` with real clients (Python's http.client, curl) on 127.0.0.1.
#   sh tests/stages/serve.sh BUILD_DIR   (from the repository root; make test passes build)
#
# tests/serve/serve_test.py fits a pipeline with string columns, an unnamed regressor and an
# integer-label classifier with Debian's scikit-learn, serves them on free ports, and checks
# /infer and /predict against predict / predict_proba, every error status, the limits,
# 200 concurrent requests, hot reload of a replaced file and of a registry alias promoted and
# rolled back under load, required signatures, and SIGTERM during a request. Every server is stopped when the suite ends. Ends with "serve: N passed, M failed".
set -u
BUILD=${1:-build}
. tests/stages/lib/python_suite.sh
if [ ! -x "$BUILD/frost-serve" ]; then
    echo "FAIL $BUILD/frost-serve not built"
    echo "serve: 0 passed, 1 failed"
    exit 1
fi
run_python_suite serve "$BUILD" tests/serve/serve_test.py
