#!/bin/sh
# make test stage: tree-model parity against the real scikit-learn.
#   sh tests/stages/parity.sh BUILD_DIR        (from the repository root; make test passes build)
#
# tests/parity/parity_trees.py trains decision trees, extra trees, random forests, extra-trees
# forests and gradient boosting with Debian's scikit-learn, saves them with joblib (every
# compressor) and pickle (protocols 2-5), converts them with $BUILD/frost and compares
# `frost predict` / `--proba` with sklearn's predict / predict_proba, threshold probes included.
# Prints one line per check and ends with exactly "parity: N passed, M failed"; exits non-zero
# on any failure (a crash of the suite counts as one).
set -u
BUILD=${1:-build}
PYTHON=${PYTHON:-/usr/bin/python3}
export PYTHONDONTWRITEBYTECODE=1
tmp=$(mktemp -d "${TMPDIR:-/tmp}/frost-parity-stage.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

if [ ! -x "$BUILD/frost" ]; then
    echo "FAIL parity: $BUILD/frost not built"
    echo "parity: 0 passed, 1 failed"
    exit 1
fi

# stream the suite's lines while keeping them to check its last line and exit status
{
    "$PYTHON" tests/parity/parity_trees.py --frost "$BUILD/frost" --jobs 2 2>&1
    echo $? >"$tmp/rc"
} | tee "$tmp/log"
rc=$(cat "$tmp/rc" 2>/dev/null || echo 1)

last=$(tail -n 1 "$tmp/log")
if printf '%s\n' "$last" | grep -q '^parity: [0-9][0-9]* passed, [0-9][0-9]* failed$'; then
    failed=$(printf '%s\n' "$last" | sed 's/^parity: [0-9]* passed, \([0-9]*\) failed$/\1/')
    if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
        # a non-zero exit after a clean summary: report it rather than pass
        passed=$(printf '%s\n' "$last" | sed 's/^parity: \([0-9]*\) passed.*/\1/')
        echo "FAIL parity_trees.py exited $rc after its summary"
        echo "parity: $passed passed, 1 failed"
        exit 1
    fi
    exit "$rc"
fi

# the suite died before its summary: count what it printed, and the crash as a failure
passed=$(grep -c '^ok ' "$tmp/log")
failed=$(grep -c '^FAIL ' "$tmp/log")
echo "FAIL parity_trees.py stopped before its summary (exit $rc)"
echo "parity: $passed passed, $((failed + 1)) failed"
exit 1
