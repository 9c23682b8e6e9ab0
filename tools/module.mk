# tools/: the frost CLI — one static executable over libfrost, libfrost_import and the CSV layer.
-include tools/csv/module.mk
-include tools/registry/module.mk
CLI_SRCS += tools/frost.c tools/cmd_inspect.c tools/cmd_predict.c tools/cmd_convert.c \
            tools/convert_args.c tools/cmd_sign.c tools/cmd_diff.c \
            tools/inspect_json.c tools/cmd_serve.c
# linked into the static frost only (not frost-remote): its dlopen refuses
CLI_STATIC_SRCS += tools/static_dlopen.c
