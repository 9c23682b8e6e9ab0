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
PYTHON=${PYTHON:-/usr/bin/python3}
export PYTHONDONTWRITEBYTECODE=1
tmp=$(mktemp -d "${TMPDIR:-/tmp}/frost-parity-pipelines-stage.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

if [ ! -x "$BUILD/frost" ]; then
    echo "FAIL parity-pipelines: $BUILD/frost not built"
    echo "parity-pipelines: 0 passed, 1 failed"
    exit 1
fi

# stream the suite's lines while keeping them to check its last line and exit status
{
    "$PYTHON" tests/parity/parity_pipelines.py --frost "$BUILD/frost" 2>&1
    echo $? >"$tmp/rc"
} | tee "$tmp/log"
rc=$(cat "$tmp/rc" 2>/dev/null || echo 1)

last=$(tail -n 1 "$tmp/log")
if printf '%s\n' "$last" | grep -q '^parity-pipelines: [0-9][0-9]* passed, [0-9][0-9]* failed$'; then
    failed=$(printf '%s\n' "$last" | sed 's/^parity-pipelines: [0-9]* passed, \([0-9]*\) failed$/\1/')
    if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
        # a non-zero exit after a clean summary: report it rather than pass
        passed=$(printf '%s\n' "$last" | sed 's/^parity-pipelines: \([0-9]*\) passed.*/\1/')
        echo "FAIL parity_pipelines.py exited $rc after its summary"
        echo "parity-pipelines: $passed passed, 1 failed"
        exit 1
    fi
    if [ "$rc" -eq 0 ] && [ "$failed" -ne 0 ]; then
        exit 1
    fi
    exit "$rc"
fi

# the suite died before its summary: count what it printed, and the crash as a failure
passed=$(grep -c '^ok ' "$tmp/log")
failed=$(grep -c '^FAIL ' "$tmp/log")
echo "FAIL parity_pipelines.py stopped before its summary (exit $rc)"
echo "parity-pipelines: $passed passed, $((failed + 1)) failed"
exit 1
