# runtime/: libfrost proper — opening, loading (io_uring, pread, mmap), scoring, building.
LIB_SRCS += runtime/error.c runtime/io.c runtime/loader.c runtime/model.c runtime/tree.c runtime/ensemble.c runtime/finish.c \
            runtime/builder.c runtime/outfile.c
LIB_SRCS += runtime/pipeline.c runtime/arena.c runtime/checks.c
