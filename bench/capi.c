/*
 * capi.c — the C API measured in-process (links build/libfrost.a).
 *
 *   capi open MODEL ROWS.f64 --io MODE --cold|--warm [--runs N] [--proba] [--lazy-load|--eager]
 *       Per run: (cold: evict MODEL from the page cache, checked with mincore; warm: read it
 *       whole once before the first run) then frost_open → one-row predict on the first row →
 *       frost_close. One TSV line per run:
 *         open_ms first_ms rss_before_kb rss_open_kb rss_first_kb header_bytes bytes_read reads
 *         submissions blocks_loaded resident_before resident_after io_read_bytes io_mode pred
 *         io_read_bytes_open
 *       first_ms is open + first prediction; rss_* from /proc/self/statm (resident); resident_*
 *       are the model file's pages in the page cache (mincore) before open and after the
 *       prediction; io_read_bytes is /proc/self/io read_bytes over open+predict (bytes this
 *       process made the kernel fetch from the disk, readahead included; _open: by frost_open).
 *
 *   capi latency MODEL ROWS.f64 [--n 1000] [--proba] [--load-all]
 *       Warm one-row latency: frost_open (default options; --load-all also calls frost_load_all),
 *       one pass over the first n rows to warm the model, then n timed one-row calls on the same
 *       rows. Prints: median_us min_us max_us p99_us mean_us.
 *
 *   capi throughput MODEL ROWS.f64 [--threads T] [--runs N] [--proba] [--out FILE] [--rows N]
 *       Every row of ROWS.f64 (or the first N), split in T contiguous slices scored by T threads at once (one
 *       frost_predict call per slice) after frost_open + frost_load_all and one untimed pass.
 *       One line per run: seconds rows_per_second cpu_seconds (CPU time of all threads, which a
 *       busy machine does not inflate). --out writes the predictions (float64).
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "frost.h"
#include "pagecache.h"

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static double cpu_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static long statm_rss_kb(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    long size = 0, res = 0;
    if (f) {
        if (fscanf(f, "%ld %ld", &size, &res) != 2)
            res = 0;
        fclose(f);
    }
    return res * (sysconf(_SC_PAGESIZE) / 1024);
}

static long long io_read_bytes(void)
{
    FILE *f = fopen("/proc/self/io", "r");
    char line[128];
    long long v = -1;
    if (!f)
        return -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "read_bytes: %lld", &v) == 1)
            break;
    fclose(f);
    return v;
}

static void die(const char *what, int rc, const frost_model *m)
{
    fprintf(stderr, "capi: %s: %s (%s)\n", what, frost_strerror(rc), frost_errmsg(m));
    exit(1);
}

typedef struct rows {
    double *x;
    size_t n;
    uint32_t nf;
} rows;

static rows load_rows(const char *path, uint32_t nf, size_t max_rows)
{
    rows r = {0};
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        exit(1);
    }
    fseek(f, 0, SEEK_END);
    long sz = ftell(f);
    fseek(f, 0, SEEK_SET);
    r.nf = nf;
    r.n = (size_t)sz / (nf * sizeof(double));
    if (max_rows && r.n > max_rows)
        r.n = max_rows;
    sz = (long)(r.n * nf * sizeof(double));
    r.x = malloc((size_t)sz);
    if (!r.x || fread(r.x, 1, (size_t)sz, f) != (size_t)sz) {
        fprintf(stderr, "capi: cannot read %s\n", path);
        exit(1);
    }
    fclose(f);
    return r;
}

static uint32_t model_features(const char *path)
{
    frost_model *m;
    int rc = frost_open(path, NULL, &m);
    if (rc)
        die("open", rc, NULL);
    frost_info info = {.size = sizeof info};
    frost_model_info(m, &info);
    frost_close(m);
    return info.n_features;
}

static size_t out_width(const frost_model *m, int proba)
{
    frost_info info = {.size = sizeof info};
    frost_model_info(m, &info);
    return proba ? info.n_classes : info.n_outputs;
}

static const char *io_name(frost_io_mode io)
{
    switch (io) {
    case FROST_IO_URING: return "uring";
    case FROST_IO_PREAD: return "pread";
    case FROST_IO_MMAP: return "mmap";
    default: return "auto";
    }
}

static frost_io_mode parse_io(const char *s)
{
    if (strcmp(s, "uring") == 0)
        return FROST_IO_URING;
    if (strcmp(s, "pread") == 0)
        return FROST_IO_PREAD;
    if (strcmp(s, "mmap") == 0)
        return FROST_IO_MMAP;
    return FROST_IO_AUTO;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* ---- open ---------------------------------------------------------------------------------- */

static int cmd_open(const char *model, const char *rows_path, int argc, char **argv)
{
    frost_open_options oo;
    frost_open_options_init(&oo);
    int cold = 0, runs = 5, proba = 0;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--io") == 0 && i + 1 < argc)
            oo.io = parse_io(argv[++i]);
        else if (strcmp(argv[i], "--cold") == 0)
            cold = 1;
        else if (strcmp(argv[i], "--warm") == 0)
            cold = 0;
        else if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc)
            runs = atoi(argv[++i]);
        else if (strcmp(argv[i], "--proba") == 0)
            proba = 1;
        else if (strcmp(argv[i], "--eager") == 0)
            oo.load = FROST_LOAD_EAGER;
    }
    uint32_t nf = model_features(model);
    /* only the first row is needed: read it alone so the rows file stays out of RSS */
    double *x = malloc(nf * sizeof *x);
    FILE *f = fopen(rows_path, "rb");
    if (!f || fread(x, sizeof *x, nf, f) != nf) {
        fprintf(stderr, "capi: cannot read %s\n", rows_path);
        return 1;
    }
    fclose(f);
    double out[1024];
    if (!cold)
        pc_warm(model);
    for (int r = 0; r < runs; r++) {
        long before = cold ? pc_evict(model) : pc_resident(model, NULL);
        long rss0 = statm_rss_kb();
        long long io0 = io_read_bytes();
        double t0 = now_ms();
        frost_model *m;
        int rc = frost_open(model, &oo, &m);
        if (rc)
            die("open", rc, NULL);
        double t1 = now_ms();
        long long io_open = io_read_bytes();
        long rss1 = statm_rss_kb();
        double t2 = now_ms();
        rc = proba ? frost_predict_proba(m, x, 1, out) : frost_predict(m, x, 1, out);
        double t3 = now_ms();
        if (rc)
            die("predict", rc, m);
        long long io1 = io_read_bytes();
        long rss2 = statm_rss_kb();
        long after = pc_resident(model, NULL);
        frost_stats st = {.size = sizeof st};
        frost_get_stats(m, &st);
        frost_info info = {.size = sizeof info};
        frost_model_info(m, &info);
        printf("%.4f\t%.4f\t%ld\t%ld\t%ld\t%llu\t%llu\t%llu\t%llu\t%llu\t%ld\t%ld\t%lld\t%s\t%.17g"
               "\t%lld\n",
               t1 - t0, (t1 - t0) + (t3 - t2), rss0, rss1, rss2,
               (unsigned long long)st.header_bytes, (unsigned long long)st.bytes_read,
               (unsigned long long)st.reads, (unsigned long long)st.submissions,
               (unsigned long long)st.blocks_loaded, before, after,
               io0 >= 0 && io1 >= 0 ? io1 - io0 : -1LL, io_name(info.io), out[0],
               io0 >= 0 && io_open >= 0 ? io_open - io0 : -1LL);
        fflush(stdout);
        frost_close(m);
    }
    free(x);
    return 0;
}

/* ---- latency ------------------------------------------------------------------------------- */

static int cmd_latency(const char *model, const char *rows_path, int argc, char **argv)
{
    size_t n = 1000;
    int proba = 0, load_all = 0;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--n") == 0 && i + 1 < argc)
            n = (size_t)atol(argv[++i]);
        else if (strcmp(argv[i], "--proba") == 0)
            proba = 1;
        else if (strcmp(argv[i], "--load-all") == 0)
            load_all = 1;
    }
    rows R = load_rows(rows_path, model_features(model), n);
    if (n > R.n)
        n = R.n;
    frost_model *m;
    int rc = frost_open(model, NULL, &m);
    if (rc)
        die("open", rc, NULL);
    if (load_all && (rc = frost_load_all(m)))
        die("load_all", rc, m);
    double *out = malloc(out_width(m, 1) * sizeof *out + 64);
    double *lat = malloc(n * sizeof *lat);
    for (size_t i = 0; i < n; i++)
        if ((rc = proba ? frost_predict_proba(m, R.x + i * R.nf, 1, out)
                        : frost_predict(m, R.x + i * R.nf, 1, out)))
            die("predict", rc, m);
    double sum = 0;
    for (size_t i = 0; i < n; i++) {
        const double *x = R.x + i * R.nf;
        double t0 = now_ms();
        rc = proba ? frost_predict_proba(m, x, 1, out) : frost_predict(m, x, 1, out);
        double t1 = now_ms();
        if (rc)
            die("predict", rc, m);
        lat[i] = (t1 - t0) * 1e3;
        sum += lat[i];
    }
    qsort(lat, n, sizeof *lat, cmp_double);
    printf("%.3f\t%.3f\t%.3f\t%.3f\t%.3f\n", lat[n / 2], lat[0], lat[n - 1],
           lat[(size_t)(0.99 * (double)(n - 1))], sum / (double)n);
    frost_close(m);
    free(lat);
    free(out);
    free(R.x);
    return 0;
}

/* ---- throughput ---------------------------------------------------------------------------- */

typedef struct job {
    frost_model *m;
    const double *x;
    size_t n;
    double *out;
    int proba;
    int rc;
} job;

static void *run_job(void *p)
{
    job *j = p;
    j->rc = j->proba ? frost_predict_proba(j->m, j->x, j->n, j->out)
                     : frost_predict(j->m, j->x, j->n, j->out);
    return NULL;
}

static double score_all(frost_model *m, const rows *R, double *out, size_t w, int threads,
                        int proba)
{
    pthread_t th[64];
    job jobs[64];
    size_t per = (R->n + (size_t)threads - 1) / (size_t)threads;
    double t0 = now_ms();
    for (int t = 0; t < threads; t++) {
        size_t a = (size_t)t * per, b = a + per < R->n ? a + per : R->n;
        jobs[t] = (job){m, R->x + a * R->nf, b > a ? b - a : 0, out + a * w, proba, 0};
        if (threads == 1)
            run_job(&jobs[t]);
        else
            pthread_create(&th[t], NULL, run_job, &jobs[t]);
    }
    if (threads > 1)
        for (int t = 0; t < threads; t++)
            pthread_join(th[t], NULL);
    double t1 = now_ms();
    for (int t = 0; t < threads; t++)
        if (jobs[t].rc)
            die("predict", jobs[t].rc, m);
    return (t1 - t0) / 1e3;
}

static int cmd_throughput(const char *model, const char *rows_path, int argc, char **argv)
{
    int threads = 1, runs = 5, proba = 0;
    size_t max_rows = 0;
    const char *out_path = NULL;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc)
            threads = atoi(argv[++i]);
        else if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc)
            runs = atoi(argv[++i]);
        else if (strcmp(argv[i], "--proba") == 0)
            proba = 1;
        else if (strcmp(argv[i], "--out") == 0 && i + 1 < argc)
            out_path = argv[++i];
        else if (strcmp(argv[i], "--rows") == 0 && i + 1 < argc)
            max_rows = (size_t)atol(argv[++i]);
    }
    if (threads < 1 || threads > 64)
        threads = 1;
    rows R = load_rows(rows_path, model_features(model), max_rows);
    frost_model *m;
    int rc = frost_open(model, NULL, &m);
    if (rc)
        die("open", rc, NULL);
    if ((rc = frost_load_all(m)))
        die("load_all", rc, m);
    size_t w = out_width(m, proba);
    double *out = malloc(R.n * w * sizeof *out);
    score_all(m, &R, out, w, threads, proba); /* untimed pass */
    for (int r = 0; r < runs; r++) {
        double c0 = cpu_ms();
        double s = score_all(m, &R, out, w, threads, proba);
        double c1 = cpu_ms();
        printf("%.6f\t%.0f\t%.6f\n", s, (double)R.n / s, (c1 - c0) / 1e3);
        fflush(stdout);
    }
    if (out_path) {
        FILE *f = fopen(out_path, "wb");
        if (!f || fwrite(out, sizeof *out, R.n * w, f) != R.n * w) {
            perror(out_path);
            return 1;
        }
        fclose(f);
    }
    frost_close(m);
    free(out);
    free(R.x);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: capi open|latency|throughput MODEL ROWS.f64 [options]\n");
        return 2;
    }
    if (strcmp(argv[1], "open") == 0)
        return cmd_open(argv[2], argv[3], argc - 4, argv + 4);
    if (strcmp(argv[1], "latency") == 0)
        return cmd_latency(argv[2], argv[3], argc - 4, argv + 4);
    if (strcmp(argv[1], "throughput") == 0)
        return cmd_throughput(argv[2], argv[3], argc - 4, argv + 4);
    fprintf(stderr, "capi: unknown command %s\n", argv[1]);
    return 2;
}
