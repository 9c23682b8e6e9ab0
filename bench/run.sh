#!/bin/sh
# make bench [QUICK=1] → sh bench/run.sh BUILD quick|full
# sh bench/run.sh BUILD quick|full csv|serve|dask|python runs only stage 8 (frost predict on a
# large CSV), 9 (frost serve against a Python server), 10 (a 2-worker local Dask cluster) or 11
# (python3 -c to the first prediction); `remote` runs bench/remote.py (a model read over HTTP).
# sh bench/run.sh BUILD quick|full NAME,NAME... runs stages 1-7 for only those models (e.g.
# quick HGB500q).
# Builds the benchmark's C helpers against BUILD/libfrost.a, installs the few Debian packages it
# needs when missing (like scripts/deps.sh), then runs bench/bench.py, which prints each stage's
# progress and the final tables. See bench/README.md.
set -eu
BUILD=${1:-build}
MODE=${2:-full}
ONLY=${3:-}
USAGE="usage: bench/run.sh BUILD quick|full [csv|serve|dask|python|remote|NAME,NAME...]"
case "$MODE" in quick|full) ;; *) echo "$USAGE" >&2; exit 2 ;; esac
case "$ONLY" in ""|csv|serve|dask|python|remote|[A-Z]*) ;; *) echo "$USAGE" >&2; exit 2 ;; esac
HERE=$(cd "$(dirname "$0")" && pwd)
PY=/usr/bin/python3

# python3-matplotlib draws the plot, wrk loads the servers of stage 9, curl downloads the whole
# file in the remote stage; the rest come with scripts/deps.sh (make deps).
PKGS="python3-matplotlib python3-sklearn python3-lz4 liburing-dev wrk curl python3-dask \
python3-distributed"
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
    echo "bench: installing$missing" >&2
    SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq
    # shellcheck disable=SC2086
    $SUDO apt-get install -y -qq --no-install-recommends $missing >&2
fi

OUT="$BUILD/bench"
mkdir -p "$OUT/bin"
# A snapshot of the frost binaries and libraries, so a rebuild of $BUILD while the benchmark runs
# cannot mix two versions into one run (the Python stages load libfrost.so from here).
for f in frost frost-serve libfrost.a libfrost.so; do
    [ -f "$BUILD/$f" ] || { echo "bench: $BUILD/$f is missing: run make first" >&2; exit 1; }
    cp "$BUILD/$f" "$OUT/bin/$f.tmp" && mv "$OUT/bin/$f.tmp" "$OUT/bin/$f"
done
CC=${CC:-cc}
BFLAGS="-O2 -g -std=c11 -D_GNU_SOURCE -Wall -Wextra"
LIBS="-luring -llz4 -lxxhash -lsodium -lm -lpthread" # libfrost's: what a serving process links
echo "bench: building helpers in $OUT (runner, diskrate, firstanswer, capi)"
$CC $BFLAGS -o "$OUT/runner" "$HERE/runner.c"
$CC $BFLAGS -o "$OUT/diskrate" "$HERE/diskrate.c" -luring
$CC $BFLAGS -o "$OUT/firstanswer" "$HERE/firstanswer.c"
# shellcheck disable=SC2086
$CC $BFLAGS -I"$HERE/../runtime" -o "$OUT/capi" "$HERE/capi.c" "$OUT/bin/libfrost.a" $LIBS

[ "$ONLY" = remote ] && exec $PY "$HERE/remote.py" "$BUILD" "$MODE"
exec $PY "$HERE/bench.py" "$BUILD" "$MODE" ${ONLY:+"$ONLY"}
