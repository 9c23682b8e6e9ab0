#!/bin/sh
# Runs every test stage of `make test`, printing each stage's seconds, and ends with one line
# "total: N passed, M failed". Exits non-zero when anything failed.
#   scripts/test.sh [BUILD_DIR]      (make test passes build/)
set -u
BUILD=${1:-build}
ASAN_BUILD=$BUILD/asan
PYTHON=${PYTHON:-/usr/bin/python3}
export FROST_SHARED="${FROST_SHARED:-$(cd "$(dirname "$0")/.." && pwd)/../shared}"
passed=0
failed=0
failures=""
log=$(mktemp)
trap 'rm -f "$log"' EXIT

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# Adds the Criterion synthesis counts (or a runner's "N passed, M failed" line) of $log.
count() {
    stage_name=$1
    rc=$2
    p=$(sed -n 's/.*Passing: \([0-9]*\).*/\1/p' "$log" | awk '{s+=$1} END {print s+0}')
    f=$(sed -n 's/.*Failing: \([0-9]*\) | Crashing: \([0-9]*\).*/\1 \2/p' "$log" |
        awk '{s+=$1+$2} END {print s+0}')
    if [ "$p" -eq 0 ] && [ "$f" -eq 0 ]; then
        p=$(sed -n 's/^\(.*: \)\{0,1\}\([0-9][0-9]*\) passed, [0-9][0-9]* failed.*/\2/p' "$log" | tail -1)
        f=$(sed -n 's/^\(.*: \)\{0,1\}[0-9][0-9]* passed, \([0-9][0-9]*\) failed.*/\2/p' "$log" | tail -1)
        p=${p:-0}
        f=${f:-0}
    fi
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        f=1
    fi
    passed=$((passed + p))
    failed=$((failed + f))
    if [ "$f" -ne 0 ]; then
        failures="$failures $stage_name"
    fi
}

stage() {
    name=$1
    shift
    t0=$(now)
    echo "== $name"
    "$@" >"$log" 2>&1
    rc=$?
    # plus the lines that carry measurements: fuzz executions, resource-bound cases
    grep -E "Synthesis|passed|FAIL|Assertion|error|Error|ERROR|SUMMARY|^fuzz |^ +(ok|FAIL) " "$log" |
        tail -60
    count "$name" "$rc"
    if [ "$rc" -ne 0 ]; then
        echo "-- $name failed (exit $rc); last lines:"
        tail -30 "$log"
    fi
    echo "-- $name: $(elapsed "$t0") s"
}

run_units() {
    dir=$1
    rc=0
    for t in "$dir"/tests/test_*; do
        [ -x "$t" ] || continue
        echo "[$t]"
        ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 timeout 900 "$t" -j2 || rc=1
    done
    return $rc
}

stage "unit tests" run_units "$BUILD"
for s in tests/stages/*.sh; do
    [ -f "$s" ] || continue
    stage "$(basename "$s" .sh)" sh "$s" "$BUILD"
done
stage "unit tests under ASan+UBSan" run_units "$ASAN_BUILD"

echo
[ -n "$failures" ] && echo "failed stages:$failures"
echo "total: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
