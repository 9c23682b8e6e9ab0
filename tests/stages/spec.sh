#!/bin/sh
# The spec stage: format/FORMAT.md alone must be enough to read a .frost file.
#   sh tests/stages/spec.sh BUILD_DIR        (from the repository root; make test passes build)
#
# tests/spec/frost_decode.py is a reader written from FORMAT.md only (Python, stdlib + xxhash).
# tests/spec/make_models.c writes a varied set of tree models through the public builder API, and
# tests/spec/make_sk_models.py scikit-learn pipelines, transformers, linear models and
# Voting / OneVsRest combinations through `frost convert` (PROGRAM, LINEAR and COMBINE sections); for each one the decoder's JSON must equal
# `frost inspect --json`, its predictions `frost predict` and its transforms `frost transform`.
# tests/spec/spec_checks.py then damages and edits files (re-sealing digests and checksums) and
# checks that both readers refuse what FORMAT.md forbids and accept what it allows. Format 1.2
# (CHECKS, FEATURES kind unused) is checked on edited files; those checks are labelled "[1.2]";
# format 1.3 BAYES, CENTROIDS, MLP and TARGET, and PROGRAM's UFUNC and PROJECT (naive Bayes,
# nearest-centroid, k-means, multi-layer perceptron, TransformedTargetRegressor,
# FunctionTransformer and PCA models from make_sk_models.py, edited) "[1.3]".
# Prints one line per check and ends with "spec: N passed, M failed".
set -u
BUILD=${1:-build}
PYTHON=${PYTHON:-/usr/bin/python3}
export PYTHONDONTWRITEBYTECODE=1  # no __pycache__ in the source tree
CC=${CC:-cc}
passed=0
failed=0
tmp=$(mktemp -d "${TMPDIR:-/tmp}/frost-spec.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

pass() { echo "ok - $*"; passed=$((passed + 1)); }
fail() { echo "FAIL - $*"; failed=$((failed + 1)); }
finish() {
    echo "spec: $passed passed, $failed failed"
    [ "$failed" -eq 0 ]
    exit $?
}

for f in "$BUILD/frost" "$BUILD/libfrost.a"; do
    [ -f "$f" ] || { fail "missing $f (build first)"; finish; }
done
if ! "$PYTHON" -c 'import xxhash' 2>/dev/null; then
    fail "$PYTHON cannot import xxhash (Debian: python3-xxhash)"
    finish
fi

# 1. the model writer, against the library as built
if "$CC" -std=c11 -D_GNU_SOURCE -O1 -Wall -Wextra -Werror -Iruntime tests/spec/make_models.c \
        "$BUILD/libfrost.a" -luring -llz4 -lxxhash -lsodium -lm -lpthread \
        -o "$tmp/make_models" >"$tmp/cc.log" 2>&1; then
    pass "compile tests/spec/make_models.c"
else
    fail "compile tests/spec/make_models.c"
    cat "$tmp/cc.log"
    finish
fi
mkdir "$tmp/models"
if "$tmp/make_models" "$tmp/models" >"$tmp/mm.log" 2>&1; then
    n=0
    for f in "$tmp"/models/*.frost; do
        [ -f "$f" ] && n=$((n + 1))
    done
    pass "make_models wrote $n models ($(du -sk "$tmp/models" | cut -f1) KiB)"
else
    fail "make_models"
    cat "$tmp/mm.log"
    finish
fi

# 1b. scikit-learn pipelines, transformers and linear models (PROGRAM, LINEAR) through the real
#     converter: the builder API cannot write those sections
if "$PYTHON" -c 'import sklearn, joblib, pandas' 2>/dev/null; then
    "$PYTHON" tests/spec/make_sk_models.py "$tmp/models" "$BUILD/frost" >"$tmp/sk.log" 2>&1
    rc=$?
    cat "$tmp/sk.log"
    p=$(grep -c '^ok - ' "$tmp/sk.log")
    f=$(grep -c '^FAIL - ' "$tmp/sk.log")
    passed=$((passed + p))
    failed=$((failed + f))
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        fail "make_sk_models.py exited with status $rc"
    fi
else
    fail "$PYTHON cannot import sklearn, joblib and pandas (Debian: python3-sklearn python3-pandas)"
fi

# 2. decoder vs frost on every model, damaged copies, edits, fuzz
"$PYTHON" tests/spec/spec_checks.py "$tmp/models" "$BUILD/frost" >"$tmp/checks.log" 2>&1
rc=$?
cat "$tmp/checks.log"
p=$(grep -c '^ok - ' "$tmp/checks.log")
f=$(grep -c '^FAIL - ' "$tmp/checks.log")
passed=$((passed + p))
failed=$((failed + f))
if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
    fail "spec_checks.py exited with status $rc"
fi
finish
