# tools/csv: the CSV layer of `frost predict` (streaming reader, exact numbers, pandas' cell
# vocabulary, column matching, output). A private archive (libfrost_csv.a) for the CLI, its tests
# and fuzz target: neither library carries it.
CSV_SRCS   := tools/csv/reader.c tools/csv/number.c tools/csv/cell.c tools/csv/table.c \
              tools/csv/writer.c tools/csv/score.c
UNIT_TESTS += tests/unit/test_csv.c
