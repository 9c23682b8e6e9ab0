#!/bin/sh
# make test stage: the layers hold.
#  - format/ builds on its own (its sources, lz4 and xxHash; no runtime header on the include
#    path) into a program that parses .frost headers and decodes every block, agreeing with
#    `frost inspect --json`;
#  - format/layout.h's offsets are FORMAT.md's (tests/layers/check_layout.py);
#  - libfrost.so is what serving needs: libsodium (signatures) but no zlib, bzip2, xz, libcrypto,
#    curl or jansson among its libraries, nothing but
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

# 3. libfrost is what serving needs; the importer is a library beside it
so="$BUILD/libfrost.so"
iso="$BUILD/libfrost_import.so"
if [ -f "$so" ] && [ -f "$iso" ]; then
    deps=$(ldd "$so" | awk '{print $1}' | tr '\n' ' ')
    case "$deps" in
    *libz.so*|*libbz2*|*liblzma*|*libcrypto*|*libssl*|*libcurl*|*libjansson*)
        fail "libfrost.so links more than serving needs: $deps" ;;
    *) pass "libfrost.so links no zlib, bzip2, xz, libcrypto, curl or jansson ($deps)" ;;
    esac
    case "$deps" in
    *libsodium*) pass "libfrost.so links libsodium (signatures verified at open)" ;;
    *) fail "libfrost.so does not link libsodium: $deps" ;;
    esac
    syms=$(nm -D --defined-only "$so" | awk 'NF == 3 && $2 != "A" {sub(/@.*/, "", $3); print $3}')
    other=$(echo "$syms" | grep -v '^frost_' | tr '\n' ' ')
    [ -z "$other" ] && pass "libfrost.so exports frost_* only ($(echo "$syms" | wc -l) symbols)" ||
        fail "libfrost.so exports more than frost_*: $other"
    imp=$(echo "$syms" | grep -E '^frost_(convert|import)' | tr '\n' ' ')
    [ -z "$imp" ] && pass "libfrost.so exports no importer function" ||
        fail "libfrost.so exports the importer's $imp"
    inner=$(nm "$BUILD/libfrost.a" 2>/dev/null |
            awk '$2 ~ /^[TtDdBbRr]$/ && $3 ~ /^(pk_|jl_|cv_|csv_|np_)/ {print $3}' | sort -u |
            head -5 | tr '\n' ' ')
    [ -z "$inner" ] && pass "libfrost.a holds no pickle, joblib, converter or CSV code" ||
        fail "libfrost.a holds $inner"
    isyms=$(nm -D --defined-only "$iso" | awk 'NF == 3 && $2 != "A" {sub(/@.*/, "", $3); print $3}' |
            sort | tr '\n' ' ')
    # exactly the functions frost_import.h declares
    ideclared=$(sed -n 's/^FROST_API[^(]*[ *]\(frost_[a-z_0-9]*\)(.*/\1/p' import/frost_import.h |
                sort | tr '\n' ' ')
    [ -n "$ideclared" ] && [ "$isyms" = "$ideclared" ] &&
        pass "libfrost_import.so exports frost_import.h alone" ||
        fail "libfrost_import.so exports: $isyms (frost_import.h declares: $ideclared)"
    # a program on the two shared libraries converts and scores, each library with its own
    # error channel (the libraries under their sonames, as make install places them)
    mkdir -p "$tmp/lib"
    cp "$so" "$tmp/lib/libfrost.so.0" && ln -sf libfrost.so.0 "$tmp/lib/libfrost.so"
    cp "$iso" "$tmp/lib/libfrost_import.so.0" &&
        ln -sf libfrost_import.so.0 "$tmp/lib/libfrost_import.so"
    if $CC -std=c11 -Iruntime -Iimport tests/install/use_frost_import.c -o "$tmp/use_import" \
            -L"$tmp/lib" -lfrost_import -lfrost 2>"$tmp/cc.log" &&
       LD_LIBRARY_PATH="$tmp/lib" "$tmp/use_import" \
            "$CORPUS/1_2_1-logistic_regression-joblib_proto4.joblib" "$tmp/u.frost" \
            >"$tmp/use.log" 2>&1; then
        pass "a program on libfrost_import.so and libfrost.so converts and scores"
    else
        fail "libfrost_import.so and libfrost.so together: $(cat "$tmp/cc.log" "$tmp/use.log" 2>/dev/null)"
    fi
else
    fail "build $so and $iso first"
fi

# 4. frost-remote, the CLI linked against libfrost.so, takes what it uses of libfrost's internals
# from libfrost.a; it must not take a public function with them: its own copy would preempt the
# library's (frost_errmsg reading another thread-local error than the one frost_open set).
if [ -x "$BUILD/frost-remote" ]; then
    own=$(nm --defined-only "$BUILD/frost-remote" | awk '$2 == "T" && $3 ~ /^frost_/ {print $3}' |
          sort | tr '\n' ' ')
    if [ -z "$own" ]; then
        pass "frost-remote defines no frost_* function of its own (libfrost.so's are used)"
    else
        fail "frost-remote defines its own copies of: $own"
    fi
fi

echo "layers: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
