#!/bin/sh
# Replays each fuzz target's committed corpus, then fuzzes it for SECONDS on a scratch copy of
# that corpus. Prints, per target, the corpus inputs replayed, libFuzzer's executed units
# (-print_final_stats) and the crash inputs it wrote; exits non-zero if any input crashes.
#   scripts/fuzz.sh BUILD_DIR SECONDS
set -u
BUILD=${1:-build}
SECONDS_EACH=${2:-60}
failed=0
passed=0
for bin in "$BUILD"/fuzz/fuzz_*; do
    [ -x "$bin" ] || continue
    name=$(basename "$bin" | sed 's/^fuzz_//')
    seeds=tests/fuzz/corpus/$name
    work=$BUILD/fuzz/$name-work
    crashes=$BUILD/fuzz/$name-crashes
    rm -rf "$work"
    mkdir -p "$work" "$crashes"
    [ -d "$seeds" ] && cp "$seeds"/* "$work"/ 2>/dev/null
    # replay: every committed input once (regression inputs included)
    if [ -d "$seeds" ] && [ -n "$(ls "$seeds")" ]; then
        if ! "$bin" -runs=0 "$seeds" >"$BUILD/fuzz/$name-replay.log" 2>&1; then
            echo "fuzz $name: replay of $seeds FAILED"
            tail -20 "$BUILD/fuzz/$name-replay.log"
            failed=$((failed + 1))
            continue
        fi
    fi
    log=$BUILD/fuzz/$name.log
    before=$(ls "$crashes" | wc -l)
    "$bin" -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 \
        -artifact_prefix="$crashes/" -print_final_stats=1 "$work" >"$log" 2>&1
    rc=$?
    # libFuzzer prints its final stats on a clean end and on a crash alike
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    crashed=$(($(ls "$crashes" | wc -l) - before))
    replayed=$(ls "$seeds" 2>/dev/null | wc -l)
    echo "fuzz $name: ${replayed} corpus inputs replayed, ${execs:-?} executions in" \
        "${SECONDS_EACH}s, $crashed crashes"
    if [ "$rc" -eq 0 ] && [ "$crashed" -eq 0 ]; then
        passed=$((passed + 1))
    else
        echo "fuzz $name: CRASH (exit $rc) — inputs in $crashes/"
        grep -E "ERROR|SUMMARY|==[0-9]+==" "$log" | head -10
        failed=$((failed + 1))
    fi
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
