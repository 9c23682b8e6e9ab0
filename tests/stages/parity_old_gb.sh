#!/bin/sh
# make test stage: GradientBoosting files in the layout of scikit-learn < 0.21 (built from that
# version's source, see the script) convert and predict as that version did.
BUILD=${1:-build}
exec /usr/bin/python3 tests/parity/parity_old_gb.py "$BUILD/frost"
