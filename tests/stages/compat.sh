#!/bin/sh
# make test stage: format compatibility, forever (tests/compat/compat.py). Every released format
# version has a fixture in tests/compat/fixtures/, written by the frost that released it
# (tests/compat/make_fixtures.py says how): each must still verify, and predict exactly as
# scikit-learn did; a file of a newer major version is refused naming the frost it needs.
# Ends with "compat: N passed, M failed".
#   sh tests/stages/compat.sh BUILD_DIR
set -u
. tests/stages/lib/python_suite.sh
run_python_suite compat "${1:-build}" tests/compat/compat.py
