#!/bin/sh
# make test stage: replay every fuzz corpus, then fuzz each target briefly (FUZZ_SMOKE_SECONDS,
# default 15) under ASan+UBSan. `make fuzz` runs them longer.
BUILD=${1:-build}
exec sh scripts/fuzz.sh "$BUILD" "${FUZZ_SMOKE_SECONDS:-15}"
