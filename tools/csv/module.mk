# tools/csv: the CSV layer of `frost predict` (streaming reader, exact numbers, pandas' cell
# vocabulary, column matching, output). Built into libfrost so the CLI and the tests share one
# copy.
CSV_SRCS   := tools/csv/reader.c tools/csv/number.c tools/csv/cell.c tools/csv/table.c \
              tools/csv/writer.c
LIB_SRCS   += $(CSV_SRCS)
UNIT_TESTS += tests/unit/test_csv.c
# libFuzzer target (clang -fsanitize=fuzzer,address,undefined); seeds in tests/fuzz/corpus/csv/.
FUZZ_TARGETS += tests/fuzz/fuzz_csv.c
FUZZ_SRCS_fuzz_csv := $(CSV_SRCS) format/err.c
