# runtime/: libfrost's reading side, on format/ — opening in phases, loading (io_uring, pread,
# mmap) with tree validation, then scoring top-down: score.c dispatches to the ensemble, linear
# and combination scorers and the program, finish.c finishes. libfrost.so = format/ + runtime/
# + writer/, exporting frost.h alone and linking only what serving needs.
LIB_SRCS += runtime/error.c runtime/io.c runtime/arena.c runtime/loader.c runtime/model.c \
            runtime/url.c runtime/remote_link.c \
            runtime/tree.c runtime/columns.c runtime/program.c runtime/checks.c \
            runtime/ensemble.c runtime/linear.c runtime/combine.c runtime/finish.c \
            runtime/workspace.c runtime/score.c runtime/signature.c runtime/registry.c \
            runtime/resolve.c runtime/bayes.c runtime/centroids.c runtime/mlp.c
