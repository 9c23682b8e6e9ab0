#!/bin/sh
# make test stage: every row of shared/corpus/MANIFEST.tsv (real model files from public
# repositories) through frost convert / predict. The corpus is required: without it the stage
# fails, naming the path ($FROST_SHARED, default ../shared).
BUILD=${1:-build}
CORPUS="${FROST_SHARED:-../shared}/corpus"
if [ ! -f "$CORPUS/MANIFEST.tsv" ]; then
    echo "corpus: $CORPUS/MANIFEST.tsv not found (set FROST_SHARED to the shared/ folder)"
    echo "corpus: 0 passed, 1 failed"
    exit 1
fi
exec /usr/bin/python3 tests/corpus/check_corpus.py "$BUILD/frost" "$CORPUS"
