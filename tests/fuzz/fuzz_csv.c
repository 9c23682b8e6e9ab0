/*
 * fuzz_csv.c — libFuzzer target for the CSV layer (tools/csv): arbitrary bytes through the
 * record reader, pandas' cell vocabulary and the table mapping (names, positions, unused and
 * kept columns, batches), as `frost predict` would meet them on stdin.
 *
 * Besides memory safety (run with -fsanitize=fuzzer,address,undefined) it checks properties a
 * crash would not reveal:
 *  - the record stream does not depend on the read chunk size (every state survives a chunk
 *    boundary): a tiny-chunk pass and a default pass must agree field for field;
 *  - every field is NUL-terminated and lies inside the reader's buffers;
 *  - every number the table accepts prints (csv_format_double) and reads back to the same bits;
 *  - NA spellings, booleans and numbers are disjoint where they must be (a boolean is never a
 *    number nor NA), and a record written back with csv_text_field reads as the same fields;
 *  - a bound model without names has exactly as many columns as features, kept ones aside;
 *    kept values are the raw fields, NUL-terminated;
 *  - a failure always leaves a message and a known code.
 *
 * Build:
 *   clang -g -O1 -std=c11 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined \
 *     -fno-sanitize-recover=all -Iruntime -Iformat -Itools tests/fuzz/fuzz_csv.c \
 *     tools/csv/reader.c tools/csv/number.c tools/csv/cell.c tools/csv/table.c \
 *     tools/csv/writer.c format/err.c -o build/fuzz_csv
 *   build/fuzz_csv tests/fuzz/corpus/csv
 *
 * The first input byte picks the variant (delimiter, chunk size, schema — named, positional,
 * with unused features, with kept columns — and a record-size bound); the rest is the CSV.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv/csv.h"
#include "csv/table.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond)                                                                  \
    do {                                                                                  \
        if (!(cond)) {                                                                    \
            fprintf(stderr, "fuzz_csv: check failed at line %d: %s\n", __LINE__, #cond); \
            abort();                                                                      \
        }                                                                                 \
    } while (0)

static int known_code(int rc)
{
    return rc == FROST_EFORMAT || rc == FROST_ESCHEMA || rc == FROST_ENOMEM ||
           rc == FROST_ELIMIT || rc == FROST_EIO;
}

/* A running digest of the record stream: FNV-1a over field lengths and bytes. */
static uint64_t mix(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= 1099511628211ull;
    }
    return h;
}

/* fmemopen cannot open an empty buffer; tmpfile can hold any input. */
static FILE *open_bytes(const uint8_t *data, size_t size)
{
    if (size)
        return fmemopen((void *)data, size, "r");
    return tmpfile();
}

/* pandas' vocabulary is consistent: a boolean is neither NA nor a number. */
static void check_cell(const char *p, size_t len)
{
    int b = csv_parse_bool(p, len), na = csv_is_na(p, len);
    double v;
    if (b >= 0) {
        FUZZ_CHECK(!na);
        FUZZ_CHECK(csv_parse_double(p, len, &v) == FROST_EFORMAT);
    }
    if (len == 0)
        FUZZ_CHECK(na);
}

/* A record quoted back by csv_text_field reads as the same fields (what --keep-columns relies
 * on). A leading BOM would be skipped as the input's, so such a record is left out. */
static void check_rewrite(const csv_field *fl, size_t n, char delim)
{
    csv_text t = { 0 };
    for (size_t i = 0; i < n; i++) {
        if (i)
            FUZZ_CHECK(csv_text_put(&t, &delim, 1) == 0);
        FUZZ_CHECK(csv_text_field(&t, fl[i].ptr, fl[i].len, delim, n == 1) == 0);
    }
    FUZZ_CHECK(csv_text_put(&t, "\n", 1) == 0);
    if (t.len >= 3 && memcmp(t.ptr, "\xEF\xBB\xBF", 3) == 0) {
        csv_text_free(&t);
        return;
    }
    FILE *f = fmemopen(t.ptr, t.len, "r");
    FUZZ_CHECK(f != NULL);
    csv_options o;
    csv_options_init(&o);
    o.delimiter = delim;
    o.max_record_bytes = 0;
    o.max_fields = 0;
    csv_reader *r;
    FUZZ_CHECK(csv_reader_new(f, &o, &r, NULL) == 0);
    const csv_field *back;
    size_t nb;
    FUZZ_CHECK(csv_reader_next(r, &back, &nb, NULL) == 0);
    FUZZ_CHECK(nb == n);
    for (size_t i = 0; i < n; i++)
        FUZZ_CHECK(back[i].len == fl[i].len && memcmp(back[i].ptr, fl[i].ptr, fl[i].len) == 0);
    FUZZ_CHECK(csv_reader_next(r, &back, &nb, NULL) == 0 && nb == 0);
    csv_reader_free(r);
    fclose(f);
    csv_text_free(&t);
}

/* Reads every record; returns the digest and sets *rc_out to the final code. */
static uint64_t digest_records(const uint8_t *data, size_t size, char delim, size_t chunk,
                               size_t limit, int *rc_out, uint64_t *records)
{
    uint64_t h = 1469598103934665603ull;
    *records = 0;
    FILE *f = open_bytes(data, size);
    if (!f) {
        *rc_out = 1;
        return 0;
    }
    csv_options o;
    csv_options_init(&o);
    o.delimiter = delim;
    o.read_chunk = chunk;
    o.max_record_bytes = limit;
    csv_reader *r;
    fr_err e = { 0 };
    int rc = csv_reader_new(f, &o, &r, &e);
    FUZZ_CHECK(rc == 0);
    for (;;) {
        const csv_field *fl;
        size_t n;
        rc = csv_reader_next(r, &fl, &n, &e);
        if (rc) {
            FUZZ_CHECK(known_code(rc) && e.code == rc && e.msg[0]);
            break;
        }
        if (n == 0)
            break;
        (*records)++;
        FUZZ_CHECK(csv_reader_record(r) == *records);
        FUZZ_CHECK(csv_reader_line(r) >= 1);
        size_t total = 0;
        for (size_t i = 0; i < n; i++) {
            FUZZ_CHECK(fl[i].ptr != NULL);
            FUZZ_CHECK(fl[i].ptr[fl[i].len] == '\0');
            total += fl[i].len;
            h = mix(h, &fl[i].len, sizeof fl[i].len);
            h = mix(h, fl[i].ptr, fl[i].len);
            check_cell(fl[i].ptr, fl[i].len);
        }
        if (*records <= 4)
            check_rewrite(fl, n, delim);
        /* Fields come from the input, so together they cannot exceed it. */
        FUZZ_CHECK(total <= size);
        h = mix(h, "\n", 1);
    }
    csv_reader_free(r);
    fclose(f);
    *rc_out = rc;
    return h;
}

static void check_number_roundtrip(double v)
{
    char buf[CSV_DOUBLE_MAX];
    int n = csv_format_double(v, buf, sizeof buf);
    FUZZ_CHECK(n > 0 && (size_t)n < sizeof buf);
    double back;
    FUZZ_CHECK(csv_parse_double(buf, (size_t)n, &back) == 0);
    if (isnan(v))
        FUZZ_CHECK(isnan(back));
    else
        FUZZ_CHECK(memcmp(&v, &back, sizeof v) == 0);
}

static void run_table(const uint8_t *data, size_t size, char delim, size_t chunk, size_t limit,
                      int variant)
{
    static const char *const names[] = { "a", "b", "a", "c" };
    static const csv_kind kinds[] = { CSV_KIND_NUMERIC, CSV_KIND_STRING, CSV_KIND_NUMERIC,
                                      CSV_KIND_NUMERIC };
    static const csv_kind with_unused[] = { CSV_KIND_NUMERIC, CSV_KIND_STRING, CSV_KIND_UNUSED,
                                            CSV_KIND_NUMERIC };
    static const csv_kind pos_unused[] = { CSV_KIND_NUMERIC, CSV_KIND_UNUSED };
    static const char *const keep_id_a[] = { "id", "a" };
    static const char *const keep_id[] = { "id" };
    static const char *const keep_b[] = { "b", "b" };
    FILE *f = open_bytes(data, size);
    if (!f)
        return;
    csv_options o;
    csv_options_init(&o);
    o.delimiter = delim;
    o.read_chunk = chunk;
    o.max_record_bytes = limit;
    csv_table *t = NULL;
    csv_batch *b = NULL;
    fr_err e = { 0 };
    int rc = csv_table_open(f, &o, &t, &e);
    if (rc) {
        FUZZ_CHECK(known_code(rc) && e.msg[0] && !t);
        fclose(f);
        return;
    }
    csv_schema s;
    const char *const *keep = NULL;
    size_t n_keep = 0;
    switch (variant) {
    case 0:
        s = (csv_schema){ .n_features = 4, .names = names, .kinds = kinds };
        break;
    case 1:
        s = (csv_schema){ .n_features = 4, .names = names };
        break;
    case 2:
        s = (csv_schema){ .n_features = 2 };
        break;
    case 3:
        s = (csv_schema){ .n_features = 4, .names = names, .kinds = with_unused };
        keep = keep_id_a;
        n_keep = 2;
        break;
    case 4:
        s = (csv_schema){ .n_features = 2, .kinds = pos_unused };
        keep = keep_id;
        n_keep = 1;
        break;
    default:
        s = (csv_schema){ .n_features = 4, .names = names, .kinds = kinds };
        keep = keep_b;
        n_keep = 2;
        break;
    }
    size_t nc = csv_table_n_columns(t);
    if (n_keep) {
        rc = csv_table_keep(t, keep, n_keep, &e);
        if (rc) {
            FUZZ_CHECK(rc == FROST_ESCHEMA || rc == FROST_ENOMEM);
            FUZZ_CHECK(e.msg[0] && csv_table_n_kept(t) == 0);
            goto free_table;
        }
        FUZZ_CHECK(csv_table_n_kept(t) == n_keep);
    }
    size_t kept_cols = 0;
    for (size_t c = 0; c < nc; c++)
        for (size_t k = 0; k < n_keep; k++)
            if (csv_table_kept_column(t, k) == c) {
                kept_cols++;
                break;
            }
    rc = csv_table_bind(t, &s, &e);
    if (rc) {
        FUZZ_CHECK(rc == FROST_ESCHEMA || rc == FROST_ENOMEM);
        /* by name: features lack a column; by position: the count differs */
        FUZZ_CHECK(rc != FROST_ESCHEMA || csv_table_n_missing(t) > 0 ||
                   (!s.names && nc - kept_cols != s.n_features));
        char hint[256];
        size_t hl = csv_table_separator_hint(t, hint, sizeof hint);
        FUZZ_CHECK(hl == strlen(hint) && (hl == 0 || nc == 1));
        goto free_table;
    }
    FUZZ_CHECK(csv_table_n_missing(t) == 0);
    if (!s.names)
        FUZZ_CHECK(nc - kept_cols == s.n_features);
    FUZZ_CHECK(csv_table_n_ignored(t) + s.n_features + kept_cols >= nc);
    for (size_t f_ = 0; f_ < s.n_features; f_++) {
        int unused = s.kinds && s.kinds[f_] == CSV_KIND_UNUSED;
        FUZZ_CHECK(csv_table_feature_column(t, f_) < nc || (unused && s.names));
    }

    if (variant <= 2) {
        double X[4 * 3];
        csv_str S[1 * 3];
        size_t n;
        for (;;) {
            rc = csv_table_read(t, X, S, 3, &n, &e);
            FUZZ_CHECK(n <= 3);
            for (size_t i = 0; i < n * s.n_features; i++)
                check_number_roundtrip(X[i]);
            for (size_t i = 0; i < n * csv_table_n_strings(t); i++)
                FUZZ_CHECK(S[i].ptr && S[i].ptr[S[i].len] == '\0');
            if (rc) {
                FUZZ_CHECK(known_code(rc) && e.code == rc && e.msg[0]);
                break;
            }
            if (!n)
                break;
        }
        goto free_table;
    }

    rc = csv_batch_new(t, 3, &b, &e);
    if (rc) {
        FUZZ_CHECK(rc == FROST_ENOMEM);
        goto free_table;
    }
    uint64_t next_row = 1;
    for (;;) {
        rc = csv_table_fill(t, b, &e);
        FUZZ_CHECK(b->n_rows <= 3 && b->first_row == next_row);
        next_row += b->n_rows;
        for (size_t i = 0; i < b->n_rows * s.n_features; i++)
            check_number_roundtrip(b->X[i]);
        for (size_t i = 0; i < b->n_rows * b->n_strings; i++)
            FUZZ_CHECK(b->S[i].ptr && b->S[i].ptr[b->S[i].len] == '\0');
        for (size_t i = 0; i < b->n_rows * b->n_kept; i++)
            FUZZ_CHECK(b->K[i].ptr && b->K[i].ptr[b->K[i].len] == '\0' &&
                       strlen(b->K[i].ptr) <= b->K[i].len);
        if (rc) {
            FUZZ_CHECK(known_code(rc) && e.code == rc && e.msg[0]);
            break;
        }
        if (!b->n_rows)
            break;
    }
    FUZZ_CHECK(csv_table_rows_read(t) == next_row - 1);

free_table:
    csv_batch_free(b);
    csv_table_free(t);
    fclose(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t sel = data[0];
    data++;
    size--;
    static const char delims[] = { ',', ',', ';', '\t' };
    char delim = delims[sel & 3];
    size_t chunk = 4 + ((sel >> 2) & 7); /* 4..11 bytes: boundaries everywhere */
    int variant = (sel >> 5) % 6;            /* 6 and 7: variants 0 and 1 with ... */
    size_t limit = (sel >> 5) >= 6 ? 64 : 0; /* ... a record bound: FROST_ELIMIT */

    int rc_small, rc_big;
    uint64_t rec_small, rec_big;
    uint64_t h_small = digest_records(data, size, delim, chunk, limit, &rc_small, &rec_small);
    uint64_t h_big = digest_records(data, size, delim, 0, limit, &rc_big, &rec_big);
    if (rc_small != 1 && rc_big != 1) {
        FUZZ_CHECK(rc_small == rc_big);
        FUZZ_CHECK(rec_small == rec_big);
        FUZZ_CHECK(h_small == h_big);
    }
    run_table(data, size, delim, chunk, limit, variant);
    return 0;
}
