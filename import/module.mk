# import/: libfrost_import — the safe pickle reader, the joblib container layer and the converter
# (frost_import.h). A library of its own beside libfrost: it needs zlib, bzip2 and xz, which a
# serving process never loads. Bottom up: the reader, then the converter from its shared state.
IMPORT_SRCS += import/pk_text.c import/sklearn_classes.c import/whitelist.c \
               import/numpy_number.c import/pk_value.c import/numpy_array.c \
               import/pk_dump.c import/numpy_decode.c import/pk_vm.c \
               import/joblib.c import/source.c import/source_trust.c
IMPORT_SRCS += import/convert_state.c import/convert_labels.c \
               import/convert_trees.c import/convert_hgb.c import/convert_iforest.c \
               import/convert_linear.c import/convert_bayes.c import/convert_centroids.c import/convert_mlp.c \
               import/convert_estimator.c import/convert_program.c \
               import/convert_encoders.c import/convert_selectors.c import/convert_target.c \
               import/convert_transformers.c \
               import/convert_columns.c import/convert_combine.c \
               import/convert_pipeline.c import/convert_metadata.c import/convert.c
UNIT_TESTS += tests/unit/test_pickle.c tests/unit/test_joblib.c tests/unit/test_pickle_malicious.c \
              tests/unit/test_convert.c
