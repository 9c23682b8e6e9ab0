# tools/registry: the writing side of the model registry (`frost registry`, REGISTRY.md): the
# lock and the atomic changes (store.c) and the subcommands. The reading side — resolving
# ROOT/NAME@ALIAS wherever a model is opened — is libfrost's (runtime/registry.c).
CLI_SRCS += tools/registry/store.c tools/registry/cmd_registry.c
