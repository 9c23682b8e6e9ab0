# tests/: Criterion unit tests (one binary each), run by `make test` through scripts/test.sh.
UNIT_TESTS += tests/unit/test_runtime.c tests/unit/test_format.c tests/unit/test_pipeline.c \
              tests/unit/test_checks.c tests/unit/test_combine.c tests/unit/test_outfile.c
