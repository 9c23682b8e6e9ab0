#!/bin/sh
# make test stage: models read over HTTP(S) and S3 (issue #15).
#   sh tests/stages/remote.sh BUILD_DIR   (from the repository root; make test passes build)
#
# tests/remote/remote_test.py runs an object server on a free 127.0.0.1 port as a thread of
# itself (tests/pylib/range_server.py: ranges, ETags and conditions, a fault plan, an S3 mode
# whose every request's SigV4 is checked with botocore's signer, HTTPS with a throwaway
# certificate) and holds $BUILD/frost to it: predictions identical to the local file's, the
# bytes a one-row prediction fetches, retries and resumes, clean failures, no credential in a
# message, the disk cache, libcurl loaded only for URLs, frost.load / frost.dask.predict and
# frost serve on a URL, the static CLI's twin. The servers stop
# with the suite, which gives up after 300 s (every frost run after 60). Ends with "remote: N passed, M failed".
set -u
BUILD=${1:-build}
. tests/stages/lib/python_suite.sh
run_python_suite remote "$BUILD" tests/remote/remote_test.py
