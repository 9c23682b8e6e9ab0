# tools/csv: the CSV reading layer of `frost predict` (streaming reader, exact numbers, column
# matching). Built into libfrost so the CLI and the tests share one copy.
LIB_SRCS   += tools/csv/reader.c tools/csv/number.c tools/csv/table.c
UNIT_TESTS += tests/unit/test_csv.c
# libFuzzer target (clang -fsanitize=fuzzer,address,undefined); seeds in tests/fuzz/corpus/csv/.
# It compiles the csv sources itself, so it needs no instrumented libfrost.
FUZZ_TARGETS += tests/fuzz/fuzz_csv.c
FUZZ_SRCS_fuzz_csv := tools/csv/reader.c tools/csv/number.c tools/csv/table.c format/err.c
