# tools/: the CLI, and the importers (built into libfrost so the CLI and bindings share them).
-include tools/import/module.mk
-include tools/csv/module.mk
CLI_SRCS += tools/frost.c tools/cmd_inspect.c tools/cmd_predict.c
LIB_SRCS += tools/import/convert.c
CLI_SRCS += tools/cmd_convert.c
LIB_SRCS += tools/import/convert_pipeline.c
