# tools/import: the safe pickle reader, the joblib container layer and the converter (built into
# libfrost).
LIB_SRCS += tools/import/pk_text.c tools/import/sklearn_classes.c tools/import/whitelist.c \
            tools/import/numpy_number.c tools/import/pk_value.c tools/import/numpy_array.c \
            tools/import/pk_dump.c tools/import/numpy_decode.c tools/import/pk_vm.c \
            tools/import/joblib.c tools/import/source.c
# the converter, from the shared state up (convert.c and convert_pipeline.c: tools/module.mk)
LIB_SRCS += tools/import/convert_state.c tools/import/convert_labels.c \
            tools/import/convert_trees.c tools/import/convert_linear.c \
            tools/import/convert_estimator.c tools/import/convert_program.c \
            tools/import/convert_encoders.c tools/import/convert_transformers.c \
            tools/import/convert_columns.c tools/import/convert_combine.c \
            tools/import/convert_metadata.c
UNIT_TESTS += tests/unit/test_pickle.c tests/unit/test_joblib.c tests/unit/test_pickle_malicious.c
