# format/: the .frost container — the bottom layer. No I/O, no globals, nothing from above it:
# its own allocator (alloc.h) and error (err.h) types, lz4 and xxHash only; it builds and is
# tested alone (tests/stages/layers.sh). Part of libfrost.
LIB_SRCS += format/err.c format/bytes.c format/header.c format/block.c format/tree_encode.c format/writer.c
LIB_SRCS += format/program.c format/checks.c format/ensemble.c format/linear.c format/combine.c \
            format/meta.c format/signature.c
LIB_SRCS += format/bayes.c format/centroids.c format/mlp.c format/target.c
