/*
 * table.h — maps a CSV file's header onto a model's feature list and fills row-major batches,
 * so `frost predict` turns a CSV into the X matrix frost_predict takes, one batch at a time.
 *
 * The CSV layer (csv.h) knows records; the model knows features. This layer owns the decision
 * of which column feeds which feature, and every message about a mismatch between the two:
 *  - Models with feature names match columns by name, in any order. Equal names pair up in
 *    order: the k-th feature named "Job" takes the k-th column named "Job". Names are compared
 *    byte for byte (no trimming or case folding: scikit-learn doesn't either).
 *  - Models without names take the first n_features columns by position; the header's text is
 *    ignored.
 *  - Columns no feature takes are ignored, and listed (csv_table_n_ignored) for --verbose.
 *  - Features with no column are FROST_ESCHEMA; the message names as many as fit and the full
 *    list is available (csv_table_n_missing) for callers that want to print them all.
 *  - Every data row must have as many fields as the header (FROST_EFORMAT otherwise), even if
 *    the extra or missing fields are in ignored columns: a ragged row means the file is not what
 *    its header says, and guessing which field shifted would score the wrong values.
 *
 * Use:
 *     csv_table *t;
 *     int rc = csv_table_open(f, NULL, &t, &e);                    reads the header
 *     csv_schema s = { .n_features = n, .names = names_or_NULL };  kinds NULL = all numeric
 *     rc = rc ? rc : csv_table_bind(t, &s, &e);                    FROST_ESCHEMA if columns lack
 *     while (!rc && !(rc = csv_table_read(t, X, NULL, cap, &n_rows, &e)) && n_rows)
 *         score X[0 .. n_rows × n)
 *     csv_table_free(t);
 */
#ifndef FROST_CSV_TABLE_H
#define FROST_CSV_TABLE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "csv/csv.h"
#include "err.h"

/* How a feature's column is delivered. */
typedef enum csv_kind {
    CSV_KIND_NUMERIC = 0, /* parsed with csv_parse_double into the double batch; empty = NaN */
    CSV_KIND_STRING = 1,  /* the raw bytes, into the string batch; empty = missing */
} csv_kind;

/* What the model expects. Borrowed only during csv_table_bind: the table copies what it keeps. */
typedef struct csv_schema {
    size_t n_features;        /* number of features, ≥ 1 */
    const char *const *names; /* n_features NUL-terminated names, or NULL: match by position */
    const csv_kind *kinds;    /* n_features kinds, or NULL: all CSV_KIND_NUMERIC */
} csv_schema;

/* One string value of a CSV_KIND_STRING feature. Missing ⇔ len == 0; ptr is never NULL and
 * ptr[len] == '\0'. */
typedef struct csv_str {
    const char *ptr; /* valid until the next csv_table_read or csv_table_free */
    size_t len;      /* bytes (the value may contain NUL bytes) */
} csv_str;

typedef struct csv_table csv_table;

/* Creates a table over f and reads its header line (record 1). f stays the caller's. An input
 * with no header at all is FROST_EFORMAT. opts may be NULL (see csv_options). */
int csv_table_open(FILE *f, const csv_options *opts, csv_table **out, fr_err *e);

/* Releases the table (not its FILE). NULL is accepted. */
void csv_table_free(csv_table *t);

/* The header: column count, and column i's name (ptr valid until csv_table_free; *len may be
 * NULL). */
size_t csv_table_n_columns(const csv_table *t);
const char *csv_table_column_name(const csv_table *t, size_t column, size_t *len);

/* Matches the header against schema. Returns 0, FROST_ESCHEMA when features have no column (the
 * message lists them; csv_table_n_missing/csv_table_missing_feature give them all), or
 * FROST_EINVAL. Can be called again with another schema before the first csv_table_read. */
int csv_table_bind(csv_table *t, const csv_schema *schema, fr_err *e);

/* After csv_table_bind: the column feeding feature f, and the columns no feature takes (in
 * header order) — ignored columns are what --verbose reports. */
size_t csv_table_feature_column(const csv_table *t, size_t feature);
size_t csv_table_n_ignored(const csv_table *t);
size_t csv_table_ignored_column(const csv_table *t, size_t i);

/* After a failed csv_table_bind: the features without a column, in feature order. */
size_t csv_table_n_missing(const csv_table *t);
size_t csv_table_missing_feature(const csv_table *t, size_t i);

/* After csv_table_bind: the number of string features, and feature f's slot in a string-batch
 * row (SIZE_MAX for numeric features). String slots follow feature order. */
size_t csv_table_n_strings(const csv_table *t);
size_t csv_table_string_slot(const csv_table *t, size_t feature);

/* Reads up to cap rows. X receives cap × n_features doubles, row-major: row r, feature f at
 * X[r * n_features + f]; a string feature's entries are NaN. S receives cap × n_strings csv_str
 * (may be NULL when there are no string features), row r, slot s at S[r * n_strings + s].
 * Returns 0 with *n_rows ≥ 1 rows filled, 0 with *n_rows == 0 at end of input, or a negative
 * code whose message names the 1-based data row, its line and, for a value, its column; the
 * rows before the failing one are filled and counted in *n_rows. After a failure, every later
 * call fails the same way. */
int csv_table_read(csv_table *t, double *X, csv_str *S, size_t cap, size_t *n_rows, fr_err *e);

/* Data rows returned so far (the header is not a data row). */
uint64_t csv_table_rows_read(const csv_table *t);

#endif
