#!/bin/sh
# make test stage: what frost writes, and what it never writes, through the CLI as a user runs it.
#   sh tests/stages/outputs.sh BUILD_DIR     (from the repository root; make test passes build)
#
# -o and convert onto devices (/dev/null, a node made with mknod), FIFOs, symbolic links and
# existing files (mode kept, untouched on failure, no temporary file left); an output that is an
# input (same name, hard link, symbolic link) refused with the input byte-identical; files that
# are no pickle named so; a full disk and a closed stdout reported for every subcommand; `frost
# help COMMAND`; conversions reproducible under SOURCE_DATE_EPOCH. Models and rows come from the
# shared corpus ($FROST_SHARED, default ../shared).
# Prints one line per check and ends with "outputs: N passed, M failed".
set -u
BUILD=${1:-build}
F="$(cd "$BUILD" && pwd)/frost"
CORPUS="${FROST_SHARED:-$(pwd)/../shared}/corpus"
passed=0
failed=0
tmp=$(mktemp -d "${TMPDIR:-/tmp}/frost-outputs.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

pass() { echo "ok - $*"; passed=$((passed + 1)); }
fail() { echo "FAIL - $*"; failed=$((failed + 1)); }
finish() {
    echo "outputs: $passed passed, $failed failed"
    [ "$failed" -eq 0 ]
    exit $?
}
# check NAME COMMAND...: passes when COMMAND succeeds
check() {
    name=$1
    shift
    if "$@"; then pass "$name"; else fail "$name"; fi
}
# run COMMAND...: its status in $rc, stdout in $tmp/out, stderr in $tmp/err
run() {
    "$@" >"$tmp/out" 2>"$tmp/err"
    rc=$?
}
# expect NAME STATUS PATTERN: the last run ended with STATUS and stderr holding PATTERN (fixed)
expect() {
    if [ "$rc" -eq "$2" ] && grep -qF -- "$3" "$tmp/err"; then
        pass "$1"
    else
        fail "$1 (status $rc, stderr: $(head -c 300 "$tmp/err"))"
    fi
}
sum() { cksum <"$1"; }
mode() { stat -c %a "$1"; }
# no temporary file (*.tmp.*) left in a folder
no_tmp() { ! ls -A "$1" | grep -q '\.tmp\.'; }

PKL="$CORPUS/1_8_0-decision_tree_clf-proto4.pkl"
CSV="$CORPUS/1_8_0-decision_tree_clf-proto4.input.csv"
TPIPE="$CORPUS/1_1_3-pipeline_column_transformer-joblib_proto4.joblib"
TCSV="$CORPUS/1_1_3-pipeline_column_transformer-joblib_proto4.input.csv"
TRUNC="$CORPUS/refuse-truncated-joblib_proto4.joblib"
for f in "$PKL" "$CSV" "$TPIPE" "$TCSV" "$TRUNC"; do
    if [ ! -f "$f" ]; then
        echo "outputs: $f not found (set FROST_SHARED to the shared/ folder)"
        fail "corpus present"
        finish
    fi
done

cd "$tmp" || exit 1
umask 022
mkdir w
cp "$PKL" in.pkl
cp "$CSV" rows.csv
"$F" convert -q in.pkl m.frost || { fail "convert the test model"; finish; }
"$F" convert -q "$TPIPE" t.frost || { fail "convert the transformer"; finish; }
cp "$TCSV" trows.csv
"$F" predict m.frost rows.csv >expected.csv || { fail "predict to stdout"; finish; }
# many rows, so that a reader that stops early closes the pipe while frost still writes
{ cat rows.csv; i=0; while [ $i -lt 300 ]; do tail -n +2 rows.csv; i=$((i + 1)); done; } >big.csv

# ---- convert: new file, replaced file, failure ----------------------------------------------
run "$F" convert -q in.pkl w/new.frost
check "convert: new file, mode 0666 & ~umask" \
    sh -c '[ "$0" -eq 0 ] && [ "$(stat -c %a w/new.frost)" = 644 ]' "$rc"
cp m.frost w/kept.frost
chmod 640 w/kept.frost
run "$F" convert -q --compress lz4 in.pkl w/kept.frost
check "convert: replaced file keeps mode 640" \
    sh -c '[ "$0" -eq 0 ] && [ "$(stat -c %a w/kept.frost)" = 640 ]' "$rc"
check "convert: replaced file is sound" "$F" verify w/kept.frost >/dev/null
before=$(sum w/kept.frost)
run "$F" convert -q "$TRUNC" w/kept.frost
expect "convert: failure names the truncation" 1 "truncated"
check "convert: failure leaves OUT as it was" [ "$(sum w/kept.frost)" = "$before" ]
check "convert: no temporary file left" no_tmp w

# ---- outputs that are inputs -------------------------------------------------------------------
orig=$(sum in.pkl)
ln in.pkl hard.pkl
ln -s in.pkl soft.pkl
ln -s soft.pkl soft2.pkl
for out in in.pkl hard.pkl soft.pkl soft2.pkl; do
    run "$F" convert in.pkl "$out"
    expect "convert onto its input as $out: refused" 1 "is the input file"
done
check "convert: the input is byte-identical" [ "$(sum in.pkl)" = "$orig" ]
check "convert: the links are still links" sh -c '[ -L soft.pkl ] && [ -L soft2.pkl ]'
mcopy=$(sum m.frost)
rcopy=$(sum rows.csv)
ln -s rows.csv rows-link.csv
run "$F" predict m.frost rows.csv -o m.frost
expect "predict -o MODEL: refused" 1 "m.frost is the input file"
run "$F" predict m.frost rows.csv -o rows.csv
expect "predict -o INPUT: refused" 1 "rows.csv is the input file"
run "$F" predict m.frost rows.csv -o rows-link.csv
expect "predict -o link to INPUT: refused" 1 "is the input file"
run "$F" transform t.frost trows.csv -o trows.csv
expect "transform -o INPUT: refused" 1 "is the input file"
check "predict: model and rows byte-identical" \
    [ "$(sum m.frost)$(sum rows.csv)" = "$mcopy$rcopy" ]

# ---- -o onto devices, FIFOs, links, files ----------------------------------------------------
# a device node of our own first: a frost that replaced its output by rename would replace
# that, not the system's /dev/null, which is then not tried (where mknod is not permitted, /dev
# is not writable either and no rename can replace /dev/null)
devices_ok=1
if mknod w/dev c 1 3 2>/dev/null; then
    run "$F" predict m.frost rows.csv -o w/dev
    check "predict -o a mknod device" [ "$rc" -eq 0 ]
    run "$F" convert -q in.pkl w/dev
    check "convert to a mknod device" [ "$rc" -eq 0 ]
    if [ -c w/dev ]; then pass "the device node is still a device"; else
        fail "the device node is still a device"; devices_ok=0; fi
    check "no temporary file beside the device" no_tmp w
    rm -f w/dev
else
    echo "ok - mknod not permitted here: device-node checks skipped (/dev/null covers devices)"
fi
if [ "$devices_ok" -eq 1 ] && [ -c /dev/null ]; then
    run "$F" predict m.frost rows.csv -o /dev/null
    check "predict -o /dev/null" [ "$rc" -eq 0 ]
    run "$F" convert -q in.pkl /dev/null
    check "convert to /dev/null" [ "$rc" -eq 0 ]
    check "/dev/null is still a device" [ -c /dev/null ]
else
    fail "/dev/null checks not run (a device node was replaced, or /dev/null is no device)"
fi
run "$F" predict m.frost rows.csv -o /dev/stdout
check "predict -o /dev/stdout writes stdout" cmp -s "$tmp/out" expected.csv
echo old >w/target.csv
chmod 600 w/target.csv
ln -s target.csv w/link.csv
run "$F" predict m.frost rows.csv -o w/link.csv
check "predict -o symlink: still a link" [ -L w/link.csv ]
check "predict -o symlink: target replaced" cmp -s w/target.csv expected.csv
check "predict -o symlink: target keeps mode 600" [ "$(mode w/target.csv)" = 600 ]
ln -s made.csv w/dangling.csv
run "$F" predict m.frost rows.csv -o w/dangling.csv
check "predict -o dangling symlink: target created" \
    sh -c '[ -L w/dangling.csv ] && cmp -s w/made.csv expected.csv'
mkfifo w/fifo
cat w/fifo >fifo.out &
reader=$!
run "$F" predict m.frost rows.csv -o w/fifo
wait $reader
check "predict -o FIFO: written through" sh -c '[ "$0" -eq 0 ] && cmp -s fifo.out expected.csv' "$rc"
check "predict -o FIFO: still a FIFO" [ -p w/fifo ]
head -c 1 w/fifo >/dev/null &
reader=$!
run "$F" predict m.frost big.csv -o w/fifo
wait $reader
expect "predict -o FIFO whose reader left: EPIPE named" 1 "write error on w/fifo: Broken pipe"
rm -f w/fifo
echo precious >w/keep.csv
{ cat big.csv; echo "1,2,3"; } >bad.csv
run "$F" predict m.frost bad.csv -o w/keep.csv
expect "predict: a bad row at the end fails" 1 "bad.csv"
check "predict: the failed run leaves -o as it was" [ "$(cat w/keep.csv)" = precious ]
check "predict: no temporary file left" no_tmp w
mkdir ro
chmod 555 ro
if [ "$(id -u)" -ne 0 ]; then
    run "$F" predict m.frost rows.csv -o ro/out.csv
    expect "predict -o into a read-only folder: named" 1 "cannot write ro/out.csv: Permission denied"
fi
run "$F" predict m.frost rows.csv -o /nonexistent/dir/out.csv
expect "predict -o into a missing folder: named" 1 \
    "cannot write /nonexistent/dir/out.csv: No such file or directory"

# ---- files that are no pickle ------------------------------------------------------------------
: >empty.pkl
head -c 256 /dev/urandom | tr '\200' '\001' >noise.bin
printf 'cos\nsystem\n(S%sls%s\ntR.' "'" "'" >evil.pkl
run "$F" convert rows.csv w/x.frost
expect "convert a CSV: not a pickle" 1 "rows.csv: not a pickle or joblib file: it looks like text (a CSV?)"
run "$F" convert empty.pkl w/x.frost
expect "convert an empty file: not a pickle" 1 "not a pickle or joblib file: it is empty"
run "$F" convert m.frost w/x.frost
expect "convert a .frost file: not a pickle" 1 "not a pickle or joblib file: it is a .frost model already"
run "$F" convert noise.bin w/x.frost
expect "convert random bytes: not a pickle" 1 "not a pickle or joblib file"
# bytes that parse as protocol 0 for a while, then a byte no protocol 0/1 opcode is: an
# extension-registry opcode near the start, an unknown one after 300 MARKs
printf 'N\202\001' >ext.bin
run "$F" convert ext.bin w/x.frost
expect "convert bytes stopping on EXT1: not a pickle" 1 "not a pickle or joblib file"
{ head -c 300 /dev/zero | tr '\0' '('; printf '\331'; } >marks.bin
run "$F" convert marks.bin w/x.frost
expect "convert 300 MARKs then 0xd9: not a pickle" 1 "not a pickle or joblib file"
run "$F" convert evil.pkl w/x.frost
expect "convert a protocol-0 os.system: still refused" 1 "refusing to import: pickle references os.system"
run "$F" convert "$TRUNC" w/x.frost
expect "convert a truncated joblib: still truncated" 1 "truncated"
check "no output from failed conversions" [ ! -e w/x.frost ]

# ---- write errors on stdout, for every subcommand --------------------------------------------
# full: NAME EXPECTED-PREFIX COMMAND...; run with stdout on /dev/full, then closed
full() {
    name=$1
    prefix=$2
    shift 2
    "$@" >/dev/full 2>"$tmp/err"
    rc=$?
    expect "$name > /dev/full" 1 "$prefix: write error on stdout: No space left on device"
    "$@" >&- 2>"$tmp/err"
    rc=$?
    expect "$name >&-" 1 "$prefix: write error on stdout: Bad file descriptor"
}
full "inspect" "frost inspect" "$F" inspect m.frost
full "inspect --json" "frost inspect" "$F" inspect --json m.frost
full "verify" "frost verify" "$F" verify m.frost
full "predict" "frost predict" "$F" predict m.frost rows.csv
full "predict --proba" "frost predict" "$F" predict m.frost rows.csv --proba
full "transform" "frost transform" "$F" transform t.frost trows.csv
full "convert --help" "frost convert" "$F" convert --help
full "predict --help" "frost predict" "$F" predict --help
full "help" "frost help" "$F" help
full "help predict" "frost help" "$F" help predict
full "--version" "frost" "$F" --version
full "--help" "frost" "$F" --help
run "$F" convert -q in.pkl /dev/full
expect "convert to /dev/full" 1 "frost convert: write error on /dev/full: No space left on device"
run "$F" predict m.frost rows.csv -o /dev/full
expect "predict -o /dev/full" 1 "frost predict: write error on /dev/full: No space left on device"
"$F" convert in.pkl w/closed.frost >&- 2>"$tmp/err"
rc=$?
check "convert with stdout closed: succeeds, output sound" \
    sh -c '[ "$0" -eq 0 ] && "$1" verify w/closed.frost >/dev/null' "$rc" "$F"
"$F" predict m.frost rows.csv -o w/closed.csv >&- 2>&-
check "predict -o with stdout and stderr closed" cmp -s w/closed.csv expected.csv
{ "$F" predict m.frost big.csv 2>"$tmp/err"; echo $? >"$tmp/rc"; } | head -n 1 >/dev/null
check "predict | head: ends quietly" \
    sh -c '[ ! -s "$0" ] && { [ "$(cat "$1")" -eq 141 ] || [ "$(cat "$1")" -eq 0 ]; }' \
    "$tmp/err" "$tmp/rc"

# ---- reproducible conversions (SOURCE_DATE_EPOCH) ----------------------------------------------
SOURCE_DATE_EPOCH=1700000000 "$F" convert -q "$TPIPE" r1.frost
sleep 1
SOURCE_DATE_EPOCH=1700000000 "$F" convert -q "$TPIPE" r2.frost
check "SOURCE_DATE_EPOCH: the same input gives the same bytes" cmp -s r1.frost r2.frost
run "$F" inspect r1.frost
check "SOURCE_DATE_EPOCH: converted_at is that time" grep -q "converted_at *2023-11-14T22:13:20Z" \
    "$tmp/out"
for bad in abc "" -5 1e9 99999999999999; do
    run env SOURCE_DATE_EPOCH="$bad" "$F" convert -q "$TPIPE" r3.frost
    expect "SOURCE_DATE_EPOCH='$bad' is a usage error" 2 "SOURCE_DATE_EPOCH"
done
check "a refused SOURCE_DATE_EPOCH writes nothing" test ! -e r3.frost

# ---- frost help COMMAND ------------------------------------------------------------------------
for c in convert inspect verify predict transform; do
    "$F" "$c" --help >"$tmp/a" 2>&1
    run "$F" help "$c"
    check "frost help $c = frost $c --help" sh -c '[ "$0" -eq 0 ] && cmp -s "$1" "$2"' \
        "$rc" "$tmp/a" "$tmp/out"
done
run "$F" help
check "frost help: general usage" sh -c '[ "$0" -eq 0 ] && grep -q "^usage: frost" "$1"' \
    "$rc" "$tmp/out"
run "$F" help nosuch
expect "frost help nosuch: usage error" 2 "unknown command 'nosuch'"

finish
