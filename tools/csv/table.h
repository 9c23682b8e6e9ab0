/*
 * table.h — maps a CSV file's header onto a model's feature list and fills row-major batches,
 * so `frost predict` turns a CSV into the X matrix frost_predict takes, one batch at a time.
 *
 * The CSV layer (csv.h) knows records; the model knows features. This layer owns the decision
 * of which column feeds which feature, what each cell of it means, and every message about a
 * mismatch between the two. The reference is pandas.read_csv(path) with default settings, then
 * scikit-learn fed that DataFrame:
 *  - Models with feature names match columns by name, in any order. Equal names pair up in
 *    order: the k-th feature named "Job" takes the k-th column named "Job". Names are compared
 *    byte for byte (no trimming or case folding: scikit-learn doesn't either).
 *  - Models without names take the columns by position, and the input must have exactly as many
 *    as the model has features (scikit-learn: "X has 7 features, but ... is expecting 6"); the
 *    header's text is ignored. Kept columns (csv_table_keep) are set aside first and do not
 *    count.
 *  - Columns no feature takes are ignored, and listed (csv_table_n_ignored) for --verbose.
 *  - Features with no column are FROST_ESCHEMA; the message names as many as fit and the full
 *    list is available (csv_table_n_missing) for callers that want to print them all. Unused
 *    features (CSV_KIND_UNUSED) are never missing.
 *  - When the header is a single column holding ';', tab or '|', the schema message says the
 *    file is probably not comma-separated.
 *  - Every data row must have as many fields as the header (FROST_EFORMAT otherwise), even if
 *    the extra or missing fields are in ignored columns: a ragged row means the file is not what
 *    its header says, and guessing which field shifted would score the wrong values.
 *  - Cells (csv.h): in numeric columns the empty field and pandas' NA spellings are NaN, true/
 *    false (any case) are 1.0/0.0, anything else must be a number; a column that has shown both
 *    a boolean and a number is FROST_EFORMAT at the row where the second kind appears, because
 *    pandas reads such a column as text and scikit-learn refuses it. In string columns the
 *    empty field and the NA spellings are missing; every other value is a category as written.
 *
 * Use:
 *     csv_table *t;
 *     int rc = csv_table_open(f, NULL, &t, &e);                    reads the header
 *     csv_schema s = { .n_features = n, .names = names_or_NULL };  kinds NULL = all numeric
 *     rc = rc ? rc : csv_table_bind(t, &s, &e);                    FROST_ESCHEMA if columns lack
 *     while (!rc && !(rc = csv_table_read(t, X, NULL, cap, &n_rows, &e)) && n_rows)
 *         score X[0 .. n_rows × n)
 *     csv_table_free(t);
 * or, to score one batch while the next is read, several csv_batch objects filled in turn by
 * csv_table_fill (each owns its strings, so a batch stays valid while others are read).
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
    CSV_KIND_NUMERIC = 0, /* into the double batch: numbers, booleans as 1/0, NA = NaN */
    CSV_KIND_STRING = 1,  /* the raw bytes, into the string batch; empty or NA = missing */
    CSV_KIND_UNUSED = 2,  /* listed by the model but never read: matched if present (so equal
                           * names still pair in order, and it keeps its position), never
                           * parsed, never missing; its X entries are NaN */
} csv_kind;

/* What the model expects. Borrowed only during csv_table_bind: the table copies what it keeps. */
typedef struct csv_schema {
    size_t n_features;        /* number of features, ≥ 1 */
    const char *const *names; /* n_features NUL-terminated names, or NULL: match by position */
    const csv_kind *kinds;    /* n_features kinds, or NULL: all CSV_KIND_NUMERIC */
} csv_schema;

/* One string value of a CSV_KIND_STRING feature (missing ⇔ len == 0), or the text of a kept
 * column (as read, quotes removed). ptr is never NULL and ptr[len] == '\0'. */
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

/* Sets columns aside to be copied through (`frost predict --keep-columns`): each name takes the
 * first header column of exactly that name (a name may repeat). Call before csv_table_bind;
 * kept columns may still feed features by name, but never by position. Returns 0, FROST_ESCHEMA
 * naming every name the header lacks, FROST_ENOMEM or FROST_EINVAL (after reading began). */
int csv_table_keep(csv_table *t, const char *const *names, size_t n_names, fr_err *e);
size_t csv_table_n_kept(const csv_table *t);
size_t csv_table_kept_column(const csv_table *t, size_t i);

/* Matches the header against schema. Returns 0, FROST_ESCHEMA when features have no column or a
 * positional model's column count differs (the message says which; csv_table_n_missing/
 * csv_table_missing_feature give the missing features), or FROST_EINVAL. Can be called again
 * with another schema before the first read. */
int csv_table_bind(csv_table *t, const csv_schema *schema, fr_err *e);

/* Writes into buf (cap bytes, NUL-terminated, cut to fit) the separator hint the schema
 * messages carry — "the header line has no ',' but 4 ';' — frost reads comma-separated files;
 * is this file ';'-separated?" — and returns its length, or 0 (buf = "") when the header does
 * not look like another separator's. */
size_t csv_table_separator_hint(const csv_table *t, char *buf, size_t cap);

/* After csv_table_bind: the column feeding feature f (SIZE_MAX for an absent unused feature),
 * and the columns neither a feature nor csv_table_keep takes (in header order) — ignored
 * columns are what --verbose reports. */
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
 * X[r * n_features + f]; string and unused features' entries are NaN. S receives
 * cap × n_strings csv_str (may be NULL when there are no string features), row r, slot s at
 * S[r * n_strings + s]. Strings stay valid until the next csv_table_read. Returns 0 with
 * *n_rows ≥ 1 rows filled, 0 with *n_rows == 0 at end of input, or a negative code whose message
 * names the 1-based data row, its line and, for a value, its column; the rows before the failing
 * one are filled and counted in *n_rows. After a failure, every later read fails the same way.
 * A table with kept columns is read through csv_table_fill (FROST_EINVAL here). */
int csv_table_read(csv_table *t, double *X, csv_str *S, size_t cap, size_t *n_rows, fr_err *e);

/* A batch of rows with its own string storage, sized for the table's binding at creation. */
typedef struct csv_batch {
    size_t cap;          /* rows it holds */
    size_t n_rows;       /* rows filled by the last csv_table_fill */
    uint64_t first_row;  /* 1-based data row of its first row */
    size_t n_features, n_strings, n_kept; /* the binding it was made for */
    double *X;           /* cap × n_features, as csv_table_read's X */
    csv_str *S;          /* cap × n_strings, as csv_table_read's S; NULL when none */
    csv_str *K;          /* cap × n_kept: row r's kept column i at K[r * n_kept + i]; or NULL */
    struct csv_batch_mem *mem; /* private: the allocator and string arena */
} csv_batch;

/* After csv_table_bind: a batch of cap rows (FROST_ENOMEM, FROST_EINVAL). */
int csv_batch_new(const csv_table *t, size_t cap, csv_batch **out, fr_err *e);
void csv_batch_free(csv_batch *b);

/* Fills b as csv_table_read fills X and S (same returns, *n_rows being b->n_rows), plus the
 * kept columns' text. The batch's previous strings are released; other batches' stay valid. */
int csv_table_fill(csv_table *t, csv_batch *b, fr_err *e);

/* Data rows returned so far (the header is not a data row). */
uint64_t csv_table_rows_read(const csv_table *t);

#endif
