# tools/: the frost CLI — one static executable over libfrost, libfrost_import and the CSV layer.
-include tools/csv/module.mk
CLI_SRCS += tools/frost.c tools/cmd_inspect.c tools/cmd_predict.c tools/cmd_convert.c
# linked into the static frost only (not frost-remote): its dlopen refuses
CLI_STATIC_SRCS += tools/static_dlopen.c
