#!/bin/sh
# make test stage: hardening that the unit tests cannot show.
#  - the corruption suite (tests/hardening/corrupt.c, built with ASan+UBSan) on a real converted
#    RandomForest and a real converted pipeline: every header byte, 10,000 block changes, every
#    page-boundary truncation — each refused cleanly or scored identically;
#  - many threads scoring one cold model under ThreadSanitizer (tests/hardening/threads.c);
#  - the CLI under LeakSanitizer on real files (leaks fail the stage, outside Criterion);
#  - resource bounds (tests/hardening/bounds.c, no sanitizer so memory is measured as shipped):
#    hostile .frost files, pickles, joblib bombs and CSVs, each refused within its time and
#    peak-RSS bound, one line per case.
# Ends with "hardening: N passed, M failed".
set -u
BUILD=${1:-build}
PY=/usr/bin/python3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0
failed=0
check() { # name, command...
    name=$1
    shift
    if "$@" >"$work/out" 2>&1; then
        passed=$((passed + 1))
        echo "ok   $name: $(grep -E '^(corrupt|threads|ohe50k|bounds|frost convert):' "$work/out" | head -1)"
    else
        failed=$((failed + 1))
        echo "FAIL $name"
        tail -15 "$work/out"
    fi
}
SAN="-g -O1 -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
INC="-D_GNU_SOURCE -Iruntime -Iformat -Iwriter -Iimport -Itools -Itests/unit"
LIBS="-luring -llz4 -lxxhash -lsodium -lz -lbz2 -llzma -lcrypto -lm -lpthread"
# every layer, users before what they use (as the Makefile's ARCHIVES)
archives() { echo "$1/libfrost_csv.a $1/libfrost_import.a $1/libfrost.a"; }

# 1. corruption on real converted models
clang -std=c11 $SAN $INC tests/hardening/corrupt.c $(archives "$BUILD/asan") $LIBS -o "$work/corrupt"
$PY - "$work" <<'PYEOF'
import sys, warnings, joblib, numpy as np, pandas as pd
warnings.filterwarnings("ignore")
from sklearn.datasets import load_breast_cancer
from sklearn.ensemble import RandomForestClassifier, GradientBoostingClassifier
from sklearn.compose import make_column_transformer
from sklearn.pipeline import make_pipeline
from sklearn.impute import SimpleImputer
from sklearn.preprocessing import OneHotEncoder, StandardScaler
d = sys.argv[1]
X, y = load_breast_cancer(return_X_y=True, as_frame=True)
joblib.dump(RandomForestClassifier(n_estimators=30, random_state=0).fit(X, y), f"{d}/rf.joblib")
X.head(40).to_csv(f"{d}/rf.csv", index=False, float_format="%.17g")
rng = np.random.default_rng(1)
df = pd.DataFrame({"a": rng.normal(size=300), "b": rng.normal(size=300),
                   "c": rng.choice(["x", "y", "z", None], 300)})
df.loc[::7, "a"] = np.nan
yy = np.where(df.a.fillna(0) + df.b > 0, "up", "down")
ct = make_column_transformer((make_pipeline(SimpleImputer(), StandardScaler()), ["a", "b"]),
                             (make_pipeline(SimpleImputer(strategy="constant", fill_value="m"),
                                            OneHotEncoder(handle_unknown="ignore")), ["c"]))
joblib.dump(make_pipeline(ct, GradientBoostingClassifier(n_estimators=20, random_state=0)).fit(df, yy),
            f"{d}/pipe.joblib")
df.head(40).to_csv(f"{d}/pipe.csv", index=False)
PYEOF
for m in rf pipe; do
    "$BUILD/frost" convert -q "$work/$m.joblib" "$work/$m.frost" || failed=$((failed + 1))
    check "corruption of a converted $m model" "$work/corrupt" "$work/$m.frost" "$work/$m.csv" 10000
done

# 1b. scikit-learn Pipelines nested 20,000 deep (written without MARKs, which the VM caps
# sooner) and containing themselves: the converter follows steps recursively, and both once
# overflowed its stack; the VM now refuses the graph before the converter sees it
# (pk_limits.max_nesting). The ASan CLI must refuse each cleanly, naming the reason.
$PY - "$work" <<'PYEOF'
import io, pickle, sys, threading, warnings
warnings.filterwarnings("ignore")
sys.setrecursionlimit(10**7)
threading.stack_size(1 << 30)
class NoMark(pickle._Pickler):
    def _batch_setitems(self, items):
        for k, v in items:
            self.save(k); self.save(v); self.write(pickle.SETITEM)
    def _batch_appends(self, items):
        for x in items:
            self.save(x); self.write(pickle.APPEND)
def run():
    import numpy as np
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler
    d = sys.argv[1]
    s = StandardScaler().fit(np.arange(12.0).reshape(4, 3))
    p = Pipeline([("s", s)])
    for _ in range(20000):
        p = Pipeline([("p", p)])
    b = io.BytesIO()
    NoMark(b, protocol=4).dump(p)
    open(f"{d}/deep_pipeline.pkl", "wb").write(b.getvalue())
    c = Pipeline([("s", s)])
    c.steps.append(("again", c))
    open(f"{d}/cyclic_pipeline.pkl", "wb").write(pickle.dumps(c, protocol=4))
t = threading.Thread(target=run)
t.start()
t.join()
PYEOF
refuses() { # file, expected words
    ASAN_OPTIONS=detect_leaks=1:halt_on_error=1 "$BUILD/asan/frost" convert -q "$1" \
        "$work/refused.frost" >/dev/null 2>"$work/refuse.err"
    rc=$?
    cat "$work/refuse.err"
    [ "$rc" -eq 1 ] && grep -q "$2" "$work/refuse.err" && ! grep -q Sanitizer "$work/refuse.err"
}
check "a Pipeline nested 20,000 deep is refused" refuses "$work/deep_pipeline.pkl" max_nesting
check "a Pipeline containing itself is refused" refuses "$work/cyclic_pipeline.pkl" cycle

# 2. threads under ThreadSanitizer (a TSan build of libfrost in $BUILD/tsan)
if make --no-print-directory -s BUILD="$BUILD/tsan" CC=clang \
        CFLAGS="-g -O1 -fsanitize=thread" "$BUILD/tsan/libfrost.a" >"$work/tsan-build" 2>&1 &&
   clang -std=c11 -g -O1 -fsanitize=thread $INC tests/hardening/threads.c \
        "$BUILD/tsan/libfrost.a" -luring -llz4 -lxxhash -lsodium -lm -lpthread -o "$work/threads" \
        2>>"$work/tsan-build"; then
    TSAN_OPTIONS=halt_on_error=1 check "8 threads on cold models under TSan" "$work/threads" 12
else
    failed=$((failed + 1))
    echo "FAIL building the TSan driver"
    tail -10 "$work/tsan-build"
fi

# 3. a 50,000-category one-hot scores 100,000 rows in bounded memory
check "50,000-category one-hot, 100,000 rows" $PY tests/hardening/ohe50k.py "$work" "$BUILD/frost"

# 4. resource bounds: every case's verdict, time and peak RSS growth are printed
mkdir -p "$work/bounds"
if cc -std=c11 -O2 -g -Wall -Wextra -Werror $INC tests/hardening/bounds.c $(archives "$BUILD") \
        $LIBS -o "$work/bounds-bin" 2>"$work/bounds-build"; then
    "$work/bounds-bin" "$work/bounds" >"$work/bounds.out" 2>&1
    rc=$?
    grep -E '^(ok|FAIL) ' "$work/bounds.out" | sed 's/^/     /'
    if [ "$rc" -eq 0 ]; then
        passed=$((passed + 1))
        echo "ok   resource bounds: $(grep '^bounds:' "$work/bounds.out")"
    else
        failed=$((failed + 1))
        echo "FAIL resource bounds (exit $rc)"
        tail -5 "$work/bounds.out"
    fi
else
    failed=$((failed + 1))
    echo "FAIL building the bounds driver"
    tail -10 "$work/bounds-build"
fi

# 5. the CLI under LeakSanitizer
C="${FROST_SHARED:-../shared}/corpus"
leaks() {
    ASAN_OPTIONS=detect_leaks=1:halt_on_error=1 "$BUILD/asan/frost" "$@" >/dev/null 2>"$work/lsan"
    rc=$?
    if grep -q "LeakSanitizer\|AddressSanitizer" "$work/lsan"; then
        cat "$work/lsan" | head -20
        return 1
    fi
    [ "$rc" -le 1 ]
}
if [ -x "$BUILD/asan/frost" ] && [ -d "$C" ]; then
    for f in "$C"/*.pkl "$C"/*.joblib "$C"/*.z "$C"/*.gz; do
        b=$(basename "$f")
        check "no leak: convert $b" leaks convert -q "$f" "$work/leak.frost"
        stem=${b%%.*}
        if [ -f "$work/leak.frost" ] && [ -f "$C/$stem.input.csv" ]; then
            check "no leak: predict/transform/inspect/verify $b" sh -c "
                ASAN_OPTIONS=detect_leaks=1 '$BUILD/asan/frost' predict '$work/leak.frost' '$C/$stem.input.csv' >/dev/null 2>'$work/l1' || grep -q 'not predict' '$work/l1' &&
                ASAN_OPTIONS=detect_leaks=1 '$BUILD/asan/frost' inspect --json '$work/leak.frost' >/dev/null &&
                ASAN_OPTIONS=detect_leaks=1 '$BUILD/asan/frost' verify '$work/leak.frost' >/dev/null &&
                ! grep -q Sanitizer '$work/l1'"
        fi
        rm -f "$work/leak.frost"
    done
else
    failed=$((failed + 1))
    echo "FAIL no ASan CLI ($BUILD/asan/frost) or no corpus ($C)"
fi
echo "hardening: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
