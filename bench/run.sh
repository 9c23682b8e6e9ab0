#!/bin/sh
# make bench [QUICK=1] → sh bench/run.sh BUILD quick|full
# sh bench/run.sh BUILD quick|full csv runs only stage 8 (frost predict on a large CSV);
# sh bench/run.sh BUILD quick|full NAME,NAME... runs only those models (e.g. quick HGB500q).
# Builds the benchmark's C helpers against BUILD/libfrost.a, installs the few Debian packages it
# needs when missing (like scripts/deps.sh), then runs bench/bench.py, which prints each stage's
# progress and the final tables. See bench/README.md.
set -eu
BUILD=${1:-build}
MODE=${2:-full}
ONLY=${3:-}
case "$MODE" in quick|full) ;; *) echo "usage: bench/run.sh BUILD quick|full [csv]" >&2; exit 2 ;; esac
case "$ONLY" in ""|csv|[A-Z]*) ;; *) echo "usage: bench/run.sh BUILD quick|full [csv|NAME,...]" >&2; exit 2 ;; esac
HERE=$(cd "$(dirname "$0")" && pwd)
PY=/usr/bin/python3

# python3-matplotlib draws the plot; the rest come with scripts/deps.sh (make deps).
PKGS="python3-matplotlib python3-sklearn python3-lz4 liburing-dev"
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
# A snapshot of the frost binary and library, so a rebuild of $BUILD while the benchmark runs
# cannot mix two versions into one run.
for f in frost libfrost.a; do
    [ -f "$BUILD/$f" ] || { echo "bench: $BUILD/$f is missing: run make first" >&2; exit 1; }
    cp "$BUILD/$f" "$OUT/bin/$f.tmp" && mv "$OUT/bin/$f.tmp" "$OUT/bin/$f"
done
CC=${CC:-cc}
BFLAGS="-O2 -g -std=c11 -D_GNU_SOURCE -Wall -Wextra"
LIBS="-luring -llz4 -lxxhash -lm -lpthread" # libfrost's: what a serving process links
echo "bench: building helpers in $OUT (runner, diskrate, capi)"
$CC $BFLAGS -o "$OUT/runner" "$HERE/runner.c"
$CC $BFLAGS -o "$OUT/diskrate" "$HERE/diskrate.c" -luring
# shellcheck disable=SC2086
$CC $BFLAGS -I"$HERE/../runtime" -o "$OUT/capi" "$HERE/capi.c" "$OUT/bin/libfrost.a" $LIBS

exec $PY "$HERE/bench.py" "$BUILD" "$MODE" ${ONLY:+"$ONLY"}
