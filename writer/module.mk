# writer/: building .frost files — the builder (frost_builder_*, and what the importer adds) and
# the one way frost writes a file (outfile.c). Part of libfrost; the runtime never calls it.
LIB_SRCS += writer/builder.c writer/outfile.c
