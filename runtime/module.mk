# runtime/: libfrost proper — opening, loading (io_uring, pread, mmap), scoring.
LIB_SRCS += runtime/error.c runtime/io.c runtime/arena.c runtime/loader.c runtime/model.c \
            runtime/tree.c runtime/columns.c runtime/program.c runtime/checks.c \
            runtime/ensemble.c runtime/linear.c runtime/combine.c runtime/finish.c \
            runtime/workspace.c runtime/score.c
