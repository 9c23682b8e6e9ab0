/*
 * corrupt.c — the corruption suite, in process through the public API: a real converted model
 * is damaged in every way a disk or a network can damage it, and each damaged copy must either
 * be refused with a documented error or give exactly the predictions of the intact file.
 *
 *   corrupt MODEL.frost ROWS.csv [BLOCK_CHANGES]
 *
 * Cases: every byte of the header region XORed with a seeded non-zero mask; BLOCK_CHANGES
 * (default 10000) seeded single-byte changes across the data region and footer; truncation at
 * every page boundary. The damaged bytes live in a memfd opened through /proc/self/fd, so each
 * case costs a pwrite, not a file copy. Rows are read with the CLI's CSV layer (typed columns,
 * so pipelines with string inputs work). Prints the counts, the time and the peak RSS, and ends
 * with "corrupt: N passed, M failed".
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "csv/table.h"
#include "frost.h"

typedef struct rows {
    size_t n;
    frost_column *cols;
    size_t n_cols;
    double *X;
    frost_string *strs;
    csv_str *S;
} rows;

/* Reads up to 64 rows of csv for model m into typed columns. */
static int read_rows(const frost_model *m, const char *csv_path, rows *r)
{
    frost_info info = {.size = sizeof info};
    frost_model_info(m, &info);
    uint32_t n = info.n_inputs;
    FILE *f = fopen(csv_path, "rb");
    if (!f)
        return -1;
    csv_table *t;
    fr_err e = {0};
    const char **names = calloc(n, sizeof *names);
    csv_kind *kinds = calloc(n, sizeof *kinds);
    int named = frost_feature_name(m, 0) != NULL;
    for (uint32_t i = 0; i < n; i++) {
        names[i] = frost_feature_name(m, i);
        kinds[i] = frost_input_kind_of(m, i) == FROST_INPUT_STRING ? CSV_KIND_STRING
                                                                   : CSV_KIND_NUMERIC;
    }
    csv_schema s = {.n_features = n, .names = named ? names : NULL, .kinds = kinds};
    if (csv_table_open(f, NULL, &t, &e) || csv_table_bind(t, &s, &e)) {
        fprintf(stderr, "corrupt: %s: %s\n", csv_path, e.msg);
        return -1;
    }
    size_t cap = 64, ns = csv_table_n_strings(t);
    r->X = calloc(cap * n, sizeof *r->X);
    r->S = calloc(cap * (ns ? ns : 1), sizeof *r->S);
    r->strs = calloc(cap * (ns ? ns : 1), sizeof *r->strs);
    r->cols = calloc(n, sizeof *r->cols);
    if (csv_table_read(t, r->X, r->S, cap, &r->n, &e) || !r->n) {
        fprintf(stderr, "corrupt: %s: no rows (%s)\n", csv_path, e.msg);
        return -1;
    }
    /* keep the strings: copy them out of the table's buffer */
    for (size_t k = 0; k < r->n * ns; k++) {
        r->strs[k].len = r->S[k].len;
        r->strs[k].ptr = r->S[k].len ? strndup(r->S[k].ptr, r->S[k].len) : NULL;
    }
    for (uint32_t i = 0; i < n; i++) {
        r->cols[i].index = i;
        if (kinds[i] == CSV_KIND_STRING) {
            r->cols[i].type = FROST_COLUMN_STRING;
            r->cols[i].values = r->strs + csv_table_string_slot(t, i);
            r->cols[i].stride = ns;
        } else {
            r->cols[i].type = FROST_COLUMN_DOUBLE;
            r->cols[i].values = r->X + i;
            r->cols[i].stride = n;
        }
    }
    r->n_cols = n;
    csv_table_free(t);
    fclose(f);
    free(names);
    free(kinds);
    return 0;
}

/* Everything the model answers for the rows, in one buffer: predictions (few rows: the lazy
 * path; all rows: the batch path), probabilities, the transform. */
static int score(const char *path, const rows *r, double *out, size_t *len)
{
    frost_model *m;
    int rc = frost_open(path, NULL, &m);
    if (rc)
        return rc;
    frost_info info = {.size = sizeof info};
    frost_model_info(m, &info);
    size_t at = 0;
    if (info.estimator) {
        if ((rc = frost_predict_columns(m, r->cols, r->n_cols, 2, out + at)))
            goto done;
        at += 2 * info.n_outputs;
        if ((rc = frost_predict_columns(m, r->cols, r->n_cols, r->n, out + at)))
            goto done;
        at += r->n * info.n_outputs;
        if (info.task == FROST_TASK_CLASSIFIER &&
            frost_predict_proba_columns(m, r->cols, r->n_cols, r->n, out + at) == 0)
            at += r->n * info.n_classes;
    }
    if (info.has_preprocessing) {
        if ((rc = frost_transform(m, r->cols, r->n_cols, r->n, out + at)))
            goto done;
        at += r->n * info.n_transform_outputs;
    }
    *len = at;
done:
    frost_close(m);
    return rc;
}

static int clean_error(int rc)
{
    return rc == FROST_ECORRUPT || rc == FROST_ETRUNCATED || rc == FROST_EFORMAT ||
           rc == FROST_EVERSION || rc == FROST_ESCHEMA;
}

static uint64_t rng(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static long passed, failed, refused, same;

static void judge(int rc, const double *out, size_t len, const double *want, size_t want_len,
                  const char *what, uint64_t where)
{
    if (rc == 0 && len == want_len && memcmp(out, want, len * sizeof *out) == 0) {
        passed++;
        same++;
        return;
    }
    if (rc != 0 && clean_error(rc)) {
        passed++;
        refused++;
        return;
    }
    failed++;
    if (failed <= 10)
        fprintf(stderr, "corrupt: %s at %llu: %s\n", what, (unsigned long long)where,
                rc ? frost_strerror(rc) : "predictions changed without an error");
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: corrupt MODEL.frost ROWS.csv [BLOCK_CHANGES]\n");
        return 2;
    }
    long changes = argc > 3 ? atol(argv[3]) : 10000;
    FILE *f = fopen(argv[1], "rb");
    if (!f) {
        perror(argv[1]);
        return 2;
    }
    fseek(f, 0, SEEK_END);
    size_t size = (size_t)ftell(f);
    rewind(f);
    unsigned char *orig = malloc(size);
    if (!orig || fread(orig, 1, size, f) != size)
        return 2;
    fclose(f);
    frost_model *m;
    if (frost_open(argv[1], NULL, &m)) {
        fprintf(stderr, "corrupt: %s: %s\n", argv[1], frost_errmsg(NULL));
        return 2;
    }
    rows r = {0};
    if (read_rows(m, argv[2], &r))
        return 2;
    frost_info info = {.size = sizeof info};
    frost_model_info(m, &info);
    frost_close(m);
    size_t cap = 2 * info.n_outputs + r.n * (info.n_outputs + info.n_classes + info.n_transform_outputs);
    double *want = calloc(cap + 1, sizeof *want), *out = calloc(cap + 1, sizeof *out);
    size_t want_len = 0, len = 0;
    if (score(argv[1], &r, want, &want_len)) {
        fprintf(stderr, "corrupt: the intact file does not score: %s\n", frost_errmsg(NULL));
        return 2;
    }
    int fd = memfd_create("frost-corrupt", MFD_CLOEXEC);
    if (fd < 0 || pwrite(fd, orig, size, 0) != (ssize_t)size)
        return 2;
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    uint64_t header = (uint64_t)orig[24] | (uint64_t)orig[25] << 8 | (uint64_t)orig[26] << 16 |
                      (uint64_t)orig[27] << 24;
    uint64_t s = 20261130;
    long header_cases = 0;
    for (uint64_t i = 0; i < header && i < size; i++, header_cases++) {
        unsigned char b = orig[i] ^ (unsigned char)(rng(&s) % 255 + 1);
        pwrite(fd, &b, 1, (off_t)i);
        int rc = score(path, &r, out, &len);
        judge(rc, out, len, want, want_len, "header byte", i);
        pwrite(fd, &orig[i], 1, (off_t)i);
    }
    for (long k = 0; k < changes && size > header; k++) {
        uint64_t i = header + rng(&s) % (size - header);
        unsigned char b = orig[i] ^ (unsigned char)(rng(&s) % 255 + 1);
        pwrite(fd, &b, 1, (off_t)i);
        int rc = score(path, &r, out, &len);
        judge(rc, out, len, want, want_len, "data byte", i);
        pwrite(fd, &orig[i], 1, (off_t)i);
    }
    long truncations = 0;
    for (uint64_t cut = 0; cut < size; cut += 4096, truncations++) {
        if (ftruncate(fd, (off_t)cut))
            return 2;
        int rc = score(path, &r, out, &len);
        judge(rc, out, len, want, want_len, "truncation", cut);
        pwrite(fd, orig, size, 0);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("corrupt: %s (%zu bytes, %zu rows): %ld header bytes, %ld data changes, %ld "
           "truncations: %ld refused cleanly, %ld identical, %ld wrong or crashed; %.1f s, "
           "peak RSS %ld MiB\n",
           argv[1], size, r.n, header_cases, changes, truncations, refused, same, failed, secs,
           ru.ru_maxrss / 1024);
    printf("corrupt: %ld passed, %ld failed\n", passed, failed);
    close(fd);
    for (size_t i = 0; i < r.n_cols; i++)
        if (r.cols[i].type == FROST_COLUMN_STRING)
            for (size_t k = 0; k < r.n; k++) {
                const frost_string *v = (const frost_string *)r.cols[i].values + k * r.cols[i].stride;
                free((char *)v->ptr);
            }
    free(r.cols);
    free(r.X);
    free(r.S);
    free(r.strs);
    free(want);
    free(out);
    free(orig);
    return failed ? 1 : 0;
}
