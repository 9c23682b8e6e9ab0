# tools/import: the safe pickle reader and the joblib container layer (built into libfrost).
LIB_SRCS += tools/import/pk_text.c tools/import/sklearn_classes.c tools/import/whitelist.c \
            tools/import/numpy_number.c tools/import/pk_value.c tools/import/numpy_array.c \
            tools/import/pk_dump.c tools/import/numpy_decode.c tools/import/pickle.c \
            tools/import/joblib.c tools/import/source.c
UNIT_TESTS += tests/unit/test_pickle.c tests/unit/test_joblib.c tests/unit/test_pickle_malicious.c
