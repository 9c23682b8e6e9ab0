# format/: the .frost container — no I/O, no globals; needs lz4 and xxHash only.
LIB_SRCS += format/err.c format/bytes.c format/header.c format/block.c format/tree_encode.c format/writer.c
LIB_SRCS += format/program.c format/checks.c format/ensemble.c format/linear.c format/combine.c
