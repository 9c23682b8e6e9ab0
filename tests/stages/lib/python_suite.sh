# python_suite.sh — how a make-test stage runs one of the Python suites (parity, contract, CLI)
# against $BUILD/frost and reports it. The suite's lines stream through; its last line must be
# exactly "NAME: N passed, M failed". A non-zero exit after a clean summary, or a suite that
# dies before its summary, counts as one more failure, so a crash never passes as a clean run.
#   . tests/stages/lib/python_suite.sh
#   run_python_suite NAME BUILD SCRIPT [SCRIPT_ARGS...]     (returns the stage's status)
# Sourced, not run: scripts/test.sh runs tests/stages/*.sh only, not this folder.

run_python_suite() {
    suite_name=$1
    suite_build=$2
    suite_script=$3
    shift 3
    PYTHON=${PYTHON:-/usr/bin/python3}
    export PYTHONDONTWRITEBYTECODE=1
    if [ ! -x "$suite_build/frost" ]; then
        echo "FAIL $suite_name: $suite_build/frost not built"
        echo "$suite_name: 0 passed, 1 failed"
        return 1
    fi
    suite_tmp=$(mktemp -d "${TMPDIR:-/tmp}/frost-$suite_name-stage.XXXXXX") || return 1
    trap 'rm -rf "$suite_tmp"' EXIT
    trap 'exit 130' INT TERM
    {
        "$PYTHON" "$suite_script" --frost "$suite_build/frost" "$@" 2>&1
        echo $? >"$suite_tmp/rc"
    } | tee "$suite_tmp/log"
    suite_rc=$(cat "$suite_tmp/rc" 2>/dev/null || echo 1)
    suite_last=$(tail -n 1 "$suite_tmp/log")
    if printf '%s\n' "$suite_last" |
            grep -q "^$suite_name: [0-9][0-9]* passed, [0-9][0-9]* failed\$"; then
        suite_passed=$(printf '%s\n' "$suite_last" | sed 's/^[^:]*: \([0-9]*\) passed.*/\1/')
        suite_failed=$(printf '%s\n' "$suite_last" | sed 's/.* passed, \([0-9]*\) failed$/\1/')
        if [ "$suite_rc" -ne 0 ] && [ "$suite_failed" -eq 0 ]; then
            echo "FAIL $(basename "$suite_script") exited $suite_rc after its summary"
            echo "$suite_name: $suite_passed passed, 1 failed"
            return 1
        fi
        [ "$suite_rc" -eq 0 ] && [ "$suite_failed" -eq 0 ]
        return
    fi
    suite_passed=$(grep -c '^ok ' "$suite_tmp/log")
    suite_failed=$(grep -c '^FAIL ' "$suite_tmp/log")
    echo "FAIL $(basename "$suite_script") stopped before its summary (exit $suite_rc)"
    echo "$suite_name: $suite_passed passed, $((suite_failed + 1)) failed"
    return 1
}
