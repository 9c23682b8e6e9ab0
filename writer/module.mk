# writer/: libfrost's writing side, on format/ — the builder (frost_builder_*, and what the
# importer adds: writer.h) and the one way frost writes a file (outfile.c). The runtime never
# calls it; the importer and the CLI do.
LIB_SRCS += writer/builder.c writer/outfile.c writer/sign.c
