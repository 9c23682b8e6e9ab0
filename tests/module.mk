# tests/: Criterion unit tests (one binary each), run by `make test` through scripts/test.sh.
UNIT_TESTS += tests/unit/test_runtime.c tests/unit/test_format.c tests/unit/test_pipeline.c \
              tests/unit/test_checks.c tests/unit/test_combine.c tests/unit/test_outfile.c \
              tests/unit/test_alloc.c tests/unit/test_decision.c tests/unit/test_trust.c
UNIT_TESTS += tests/unit/test_bayes.c tests/unit/test_centroids.c tests/unit/test_mlp.c
UNIT_TESTS += tests/unit/test_wide.c tests/unit/test_target.c
# test_alloc counts every C-library allocation libfrost makes around the allocator hook
TEST_LDFLAGS_test_alloc := -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=free \
                           -Wl,--wrap=strdup,--wrap=strndup
# test_remote: the remote plugin's parsers, cache and settings (its private archive)
UNIT_TESTS += tests/unit/test_remote.c
TEST_LIBS_test_remote = $(BUILD)/libfrost_remote.a -lcurl
