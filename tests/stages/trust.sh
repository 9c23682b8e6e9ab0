#!/bin/sh
# make test stage: trust and lifecycle through the CLI (tests/trust/trust_cli.py) — metadata,
# the seed's source checks (SHA-256, RSA-PSS by python3-cryptography), keygen/sign/verify and
# FROST_REQUIRE_SIGNATURE, frost diff, the registry, and its stress test (writers pushing and
# promoting while readers predict from NAME@prod; 20 writers killed with SIGKILL). About 10 s.
# Ends with "trust: N passed, M failed".
#   sh tests/stages/trust.sh BUILD_DIR
set -u
. tests/stages/lib/python_suite.sh
run_python_suite trust "${1:-build}" tests/trust/trust_cli.py
