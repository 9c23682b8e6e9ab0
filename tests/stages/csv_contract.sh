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
PYTHON=${PYTHON:-/usr/bin/python3}
export PYTHONDONTWRITEBYTECODE=1

if [ ! -x "$BUILD/frost" ]; then
    echo "FAIL csv-contract: $BUILD/frost not built"
    echo "csv-contract: 0 passed, 1 failed"
    exit 1
fi
out=$("$PYTHON" tests/cli/csv_contract.py --frost "$BUILD/frost" 2>&1)
rc=$?
printf '%s\n' "$out"
last=$(printf '%s\n' "$out" | tail -n 1)
if printf '%s\n' "$last" | grep -q '^csv-contract: [0-9][0-9]* passed, [0-9][0-9]* failed$'; then
    [ "$rc" -eq 0 ] && exit 0
    printf '%s\n' "$last" | grep -q ', 0 failed$' || exit "$rc"
    passed=$(printf '%s\n' "$last" | sed 's/^csv-contract: \([0-9]*\) passed.*/\1/')
    echo "FAIL csv_contract.py exited $rc after its summary"
    echo "csv-contract: $passed passed, 1 failed"
    exit 1
fi
passed=$(printf '%s\n' "$out" | grep -c '^ok ')
failed=$(printf '%s\n' "$out" | grep -c '^FAIL ')
echo "FAIL csv_contract.py stopped before its summary (exit $rc)"
echo "csv-contract: $passed passed, $((failed + 1)) failed"
exit 1
