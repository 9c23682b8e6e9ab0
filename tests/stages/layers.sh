#!/bin/sh
# make test stage: the layers hold.
#  - format/ builds on its own (its sources, lz4 and xxHash; no runtime header on the include
#    path) into a program that parses .frost headers and decodes every block, agreeing with
#    `frost inspect --json`;
#  - format/layout.h's offsets are FORMAT.md's (tests/layers/check_layout.py);
#  - libfrost.so is what serving needs: no zlib, bzip2 or xz among its libraries, nothing but
#    frost_* among its dynamic symbols and nothing of the importer there; the importer is
#    libfrost_import.so, beside it.
# Prints one line per check and "layers: N passed, M failed".
#   sh tests/stages/layers.sh BUILD_DIR
set -u
BUILD=${1:-build}
PYTHON=${PYTHON:-/usr/bin/python3}
CC=${CC:-cc}
CORPUS="${FROST_SHARED:-$(pwd)/../shared}/corpus"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/frost-layers.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0
pass() { echo "ok   $*"; passed=$((passed + 1)); }
fail() { echo "FAIL $*"; failed=$((failed + 1)); }

# 1. format/ alone
if $CC -std=c11 -D_GNU_SOURCE -O1 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
        -Wmissing-prototypes -Iformat format/*.c tests/layers/format_alone.c \
        -llz4 -lxxhash -lm -o "$tmp/format_alone" 2>"$tmp/cc.log"; then
    pass "format/ builds alone (-Iformat, lz4, xxhash)"
else
    fail "format/ builds alone:"
    cat "$tmp/cc.log"
fi
for src in "$CORPUS/1_8_0-random_forest_clf-numpy2_proto5.pkl" \
           "$CORPUS/1_1_3-pipeline_column_transformer-joblib_proto4.joblib" \
           "$CORPUS/1_2_1-logistic_regression-joblib_proto4.joblib"; do
    name=$(basename "$src")
    if ! "$BUILD/frost" convert -q "$src" "$tmp/m.frost" 2>"$tmp/conv.log"; then
        fail "convert $name: $(cat "$tmp/conv.log")"
        continue
    fi
    if [ -x "$tmp/format_alone" ] && "$tmp/format_alone" "$tmp/m.frost" >"$tmp/fa.txt" 2>&1; then
        "$BUILD/frost" inspect --json "$tmp/m.frost" >"$tmp/inspect.json"
        if "$PYTHON" - "$tmp/fa.txt" "$tmp/inspect.json" <<'PY'
import json, sys
fa = dict(l.split(" ", 1) for l in open(sys.argv[1]).read().splitlines())
j = json.load(open(sys.argv[2]))
want = {"format": "%d.%d" % (j["major"], j["minor"]), "inputs": str(j["features"]["count"]),
        "trees": str(len(j["trees"])), "checks": str(len(j["checks"] or [])),
        "blocks": "%d verified %d" % (len(j["blocks"]), len(j["blocks"]))}
bad = {k: (fa.get(k), v) for k, v in want.items() if fa.get(k) != v}
sys.exit(1 if bad else 0)
PY
        then
            pass "format/ alone reads $name as frost inspect does"
        else
            fail "format/ alone reads $name differently: $(tr '\n' ' ' <"$tmp/fa.txt")"
        fi
    else
        fail "format/ alone on $name: $(cat "$tmp/fa.txt" 2>/dev/null)"
    fi
done

# 2. the layout constants are FORMAT.md's
if $CC -std=c11 -Wall -Wextra -Werror -Iformat tests/layers/layout.c -o "$tmp/layout" 2>"$tmp/cc.log"; then
    "$tmp/layout" | "$PYTHON" tests/layers/check_layout.py format/FORMAT.md >"$tmp/layout.log"
    p=$(grep -c '^ok' "$tmp/layout.log")
    f=$(grep -c '^FAIL' "$tmp/layout.log")
    grep '^FAIL' "$tmp/layout.log"
    passed=$((passed + p))
    failed=$((failed + f))
else
    fail "tests/layers/layout.c does not build:"
    cat "$tmp/cc.log"
fi

echo "layers: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
