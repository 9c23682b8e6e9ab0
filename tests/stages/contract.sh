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
PYTHON=${PYTHON:-/usr/bin/python3}
export PYTHONDONTWRITEBYTECODE=1
tmp=$(mktemp -d "${TMPDIR:-/tmp}/frost-contract-stage.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

if [ ! -x "$BUILD/frost" ]; then
    echo "FAIL contract: $BUILD/frost not built"
    echo "contract: 0 passed, 1 failed"
    exit 1
fi

# stream the suite's lines while keeping them to check its last line and exit status
{
    "$PYTHON" tests/contract/contract.py --frost "$BUILD/frost" --jobs 2 2>&1
    echo $? >"$tmp/rc"
} | tee "$tmp/log"
rc=$(cat "$tmp/rc" 2>/dev/null || echo 1)

last=$(tail -n 1 "$tmp/log")
if printf '%s\n' "$last" | grep -q '^contract: [0-9][0-9]* passed, [0-9][0-9]* failed$'; then
    failed=$(printf '%s\n' "$last" | sed 's/^contract: [0-9]* passed, \([0-9]*\) failed$/\1/')
    if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
        # a non-zero exit after a clean summary: report it rather than pass
        passed=$(printf '%s\n' "$last" | sed 's/^contract: \([0-9]*\) passed.*/\1/')
        echo "FAIL contract.py exited $rc after its summary"
        echo "contract: $passed passed, 1 failed"
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
echo "FAIL contract.py stopped before its summary (exit $rc)"
echo "contract: $passed passed, $((failed + 1)) failed"
exit 1
