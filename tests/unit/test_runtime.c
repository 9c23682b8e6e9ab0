/*
 * test_runtime.c — the runtime against hand-computed results and a reference evaluator, in
 * every I/O mode; laziness through frost_get_stats; threads; I/O fault injection.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <float.h>
#include <pthread.h>

#include "forest_util.h"
#include "internal.h"
#include "testutil.h"

static const frost_io_mode all_modes[] = {FROST_IO_PREAD, FROST_IO_URING, FROST_IO_MMAP};
static const char *mode_name[] = {"auto", "uring", "pread", "mmap"};

/* io_uring may be blocked where the tests run: such cases are skipped, not failed. */
static int uring_available(void)
{
    struct io_uring ring;
    if (io_uring_queue_init(4, &ring, 0) != 0)
        return 0;
    io_uring_queue_exit(&ring);
    return 1;
}

static int open_mode(const char *path, frost_io_mode mode, frost_model **m)
{
    frost_open_options o;
    frost_open_options_init(&o);
    o.io = mode;
    return frost_open(path, &o, m);
}

/* ---- hand-built models ---------------------------------------------------------------------- */

/* x0 <= 0.5 ? 10 : (x1 <= 2.5 ? 20 : 30) */
static char *write_small_regressor(const char *dir)
{
    int64_t left[] = {1, -1, 3, -1, -1}, right[] = {2, -1, 4, -1, -1};
    int64_t feat[] = {0, -2, 1, -2, -2};
    double thr[] = {0.5, -2, 2.5, -2, -2};
    double val[] = {0, 10, 0, 20, 30};
    frost_model_spec spec = {.size = sizeof spec, .task = FROST_TASK_REGRESSOR,
                             .kind = FROST_ENSEMBLE_MEAN, .n_features = 2, .n_outputs = 1};
    frost_builder *b;
    cr_assert_eq(frost_builder_new(&spec, NULL, &b), 0);
    frost_tree_arrays a = {.size = sizeof a, .node_count = 5, .children_left = left,
                           .children_right = right, .feature = feat, .threshold = thr,
                           .value = val, .value_width = 1};
    cr_assert_eq(frost_builder_add_tree(b, &a), 0, "%s", frost_builder_errmsg(b));
    const char *names[] = {"a", "b"};
    cr_assert_eq(frost_builder_set_feature_names(b, names), 0);
    cr_assert_eq(frost_builder_set_meta(b, "estimator", "DecisionTreeRegressor()"), 0);
    char *path = malloc(strlen(dir) + 32);
    sprintf(path, "%s/small.frost", dir);
    cr_assert_eq(frost_builder_write(b, path), 0, "%s", frost_builder_errmsg(b));
    frost_builder_free(b);
    return path;
}

Test(runtime, small_regressor_every_mode)
{
    char *dir = tu_tmpdir();
    char *path = write_small_regressor(dir);
    double X[] = {0.0, 0.0, 0.5, 9.0, 0.6, 2.5, 0.6, 2.6, NAN, 0.0, 1.0, NAN};
    double want[] = {10, 10, 20, 30, 20, 30}; /* NaN goes right without missing_go_to_left */
    for (size_t i = 0; i < 3; i++) {
        if (all_modes[i] == FROST_IO_URING && !uring_available())
            continue;
        frost_model *m;
        cr_assert_eq(open_mode(path, all_modes[i], &m), 0, "%s", frost_errmsg(NULL));
        double out[6];
        cr_assert_eq(frost_predict(m, X, 6, out), 0, "%s", frost_errmsg(m));
        for (int r = 0; r < 6; r++)
            cr_expect_eq(out[r], want[r], "mode %s row %d: %g != %g", mode_name[all_modes[i]],
                         r, out[r], want[r]);
        cr_expect_str_eq(frost_feature_name(m, 1), "b");
        cr_expect_str_eq(frost_meta_get(m, "estimator"), "DecisionTreeRegressor()");
        cr_expect_not_null(frost_meta_get(m, "frost_version"));
        frost_close(m);
    }
    free(path);
    free(dir);
}

/* frost_class_kind gives back what the labels were in Python, per output, so a server can
 * answer them as numbers, booleans or strings; 0 for regressors and out-of-range outputs. */
Test(runtime, class_kind_per_output)
{
    char *dir = tu_tmpdir();
    uint32_t nc[2] = {2, 2};
    frost_model_spec spec = {.size = sizeof spec, .task = FROST_TASK_CLASSIFIER,
                             .kind = FROST_ENSEMBLE_MEAN, .n_features = 1, .n_outputs = 2,
                             .n_classes = nc, .normalize_leaves = 1};
    frost_builder *b;
    cr_assert_eq(frost_builder_new(&spec, NULL, &b), 0, "%s", frost_errmsg(NULL));
    int64_t left[] = {1, -1, -1}, right[] = {2, -1, -1}, feat[] = {0, -2, -2};
    double thr[] = {0.5, -2, -2}, val[] = {1, 1, 1, 1, 1, 0, 1, 0, 0, 1, 0, 1};
    frost_tree_arrays a = {.size = sizeof a, .node_count = 3, .children_left = left,
                           .children_right = right, .feature = feat, .threshold = thr,
                           .value = val, .value_width = 4};
    cr_assert_eq(frost_builder_add_tree(b, &a), 0, "%s", frost_builder_errmsg(b));
    const char *ints[] = {"3", "7"}, *bools[] = {"False", "True"};
    cr_assert_eq(frost_builder_set_classes(b, 0, FROST_LABEL_INT, ints, 2), 0);
    cr_assert_eq(frost_builder_set_classes(b, 1, FROST_LABEL_BOOL, bools, 2), 0);
    char *path = malloc(strlen(dir) + 32);
    sprintf(path, "%s/kinds.frost", dir);
    cr_assert_eq(frost_builder_write(b, path), 0, "%s", frost_builder_errmsg(b));
    frost_builder_free(b);
    frost_model *m;
    cr_assert_eq(frost_open(path, NULL, &m), 0, "%s", frost_errmsg(NULL));
    cr_expect_eq(frost_class_kind(m, 0), FROST_LABEL_INT);
    cr_expect_eq(frost_class_kind(m, 1), FROST_LABEL_BOOL);
    cr_expect_eq(frost_class_kind(m, 2), 0);
    cr_expect_eq(frost_class_kind(NULL, 0), 0);
    frost_close(m);
    char *reg = write_small_regressor(dir);
    cr_assert_eq(frost_open(reg, NULL, &m), 0, "%s", frost_errmsg(NULL));
    cr_expect_eq(frost_class_kind(m, 0), 0);
    frost_close(m);
    free(reg);
    free(path);
    free(dir);
}

/* sklearn compares (float)x with a float64 threshold: 0.1 as float is above 0.1. */
Test(runtime, float32_threshold_semantics)
{
    double thr = 0.1;
    int64_t left[] = {1, -1, -1}, right[] = {2, -1, -1}, feat[] = {0, -2, -2};
    double th[] = {thr, -2, -2}, val[] = {0, 1, 2};
    frost_model_spec spec = {.size = sizeof spec, .task = FROST_TASK_REGRESSOR,
                             .kind = FROST_ENSEMBLE_MEAN, .n_features = 1, .n_outputs = 1};
    frost_builder *b;
    cr_assert_eq(frost_builder_new(&spec, NULL, &b), 0);
    frost_tree_arrays a = {.size = sizeof a, .node_count = 3, .children_left = left,
                           .children_right = right, .feature = feat, .threshold = th,
                           .value = val, .value_width = 1};
    cr_assert_eq(frost_builder_add_tree(b, &a), 0);
    char *dir = tu_tmpdir(), path[600];
    snprintf(path, sizeof path, "%s/t.frost", dir);
    cr_assert_eq(frost_builder_write(b, path), 0);
    frost_builder_free(b);
    frost_model *m;
    cr_assert_eq(frost_open(path, NULL, &m), 0);
    float below = nextafterf((float)thr, 0.0f);
    double X[] = {0.1, (double)below, 0.09999999999999999, 0.10000000149011612, -1e300, 1e300};
    double out[6];
    cr_assert_eq(frost_predict(m, X, 6, out), 0);
    for (int i = 0; i < 6; i++) {
        double want = (double)(float)X[i] <= thr ? 1 : 2;
        cr_expect_eq(out[i], want, "x=%.17g: got %g want %g", X[i], out[i], want);
    }
    cr_expect_eq(out[0], 2); /* (float)0.1 > 0.1: right */
    cr_expect_eq(out[1], 1);
    frost_close(m);
    free(dir);
}

/* ---- random forests against the reference evaluator ------------------------------------------ */

typedef struct forest_case {
    uint32_t n_trees, n_features, n_classes;
    uint64_t nodes;
    int compress;
    uint32_t block_shift;
    uint32_t top_levels;
} forest_case;

static char *write_random_forest(const char *dir, const forest_case *fc, fu_tree *trees,
                                 uint64_t seed)
{
    uint64_t s = seed;
    uint32_t nc = fc->n_classes;
    frost_model_spec spec = {.size = sizeof spec,
                             .task = nc ? FROST_TASK_CLASSIFIER : FROST_TASK_REGRESSOR,
                             .kind = FROST_ENSEMBLE_MEAN, .n_features = fc->n_features,
                             .n_outputs = 1, .n_classes = &nc, .normalize_leaves = nc != 0};
    frost_write_options w;
    frost_write_options_init(&w);
    w.compress = fc->compress;
    w.block_shift = fc->block_shift;
    w.top_levels = fc->top_levels;
    frost_builder *b;
    cr_assert_eq(frost_builder_new(&spec, &w, &b), 0, "%s", frost_errmsg(NULL));
    for (uint32_t t = 0; t < fc->n_trees; t++) {
        trees[t] = fu_random_tree(&s, fc->nodes + (fu_rand(&s) % 7) * 2, fc->n_features,
                                  nc ? nc : 1, nc != 0, 1);
        frost_tree_arrays a = fu_arrays(&trees[t], 0);
        cr_assert_eq(frost_builder_add_tree(b, &a), 0, "%s", frost_builder_errmsg(b));
    }
    if (nc) {
        const char *labels[512];
        char buf[512][8];
        for (uint32_t j = 0; j < nc; j++) {
            snprintf(buf[j], sizeof buf[j], "c%u", j);
            labels[j] = buf[j];
        }
        cr_assert_eq(frost_builder_set_classes(b, 0, FROST_LABEL_STR, labels, nc), 0);
    }
    char *path = malloc(strlen(dir) + 64);
    sprintf(path, "%s/forest-%llu.frost", dir, (unsigned long long)seed);
    cr_assert_eq(frost_builder_write(b, path), 0, "%s", frost_builder_errmsg(b));
    frost_builder_free(b);
    return path;
}

static void free_forest(fu_tree *trees, uint32_t n)
{
    for (uint32_t t = 0; t < n; t++)
        fu_free_tree(&trees[t]);
    free(trees);
}

static void random_rows(uint64_t *s, double *X, size_t n_rows, uint32_t n_features)
{
    for (size_t i = 0; i < n_rows * n_features; i++) {
        uint64_t k = fu_rand(s) % 20;
        X[i] = k == 0 ? NAN : (fu_unif(s) - 0.5) * 4.4;
    }
}

static void check_forest(const char *path, const forest_case *fc, const fu_tree *trees,
                         frost_io_mode mode, size_t n_rows, uint64_t seed)
{
    frost_model *m;
    cr_assert_eq(open_mode(path, mode, &m), 0, "%s", frost_errmsg(NULL));
    uint64_t s = seed;
    double *X = malloc(n_rows * fc->n_features * sizeof *X);
    random_rows(&s, X, n_rows, fc->n_features);
    uint32_t w = fc->n_classes ? fc->n_classes : 1;
    double *out = malloc(n_rows * w * sizeof *out), *want = malloc(w * sizeof *want);
    if (fc->n_classes) {
        cr_assert_eq(frost_predict_proba(m, X, n_rows, out), 0, "%s", frost_errmsg(m));
        for (size_t r = 0; r < n_rows; r++) {
            fu_forest_proba(trees, fc->n_trees, X + r * fc->n_features, fc->n_classes, want);
            for (uint32_t j = 0; j < fc->n_classes; j++)
                cr_assert_eq(out[r * w + j], want[j], "%s mode %s row %zu class %u: %.17g != %.17g",
                             path, mode_name[mode], r, j, out[r * w + j], want[j]);
        }
        cr_assert_eq(frost_predict(m, X, n_rows, out), 0);
        for (size_t r = 0; r < n_rows; r++) {
            fu_forest_proba(trees, fc->n_trees, X + r * fc->n_features, fc->n_classes, want);
            uint32_t best = 0;
            for (uint32_t j = 1; j < fc->n_classes; j++)
                if (want[j] > want[best])
                    best = j;
            cr_assert_eq(out[r], (double)best);
        }
    } else {
        cr_assert_eq(frost_predict(m, X, n_rows, out), 0, "%s", frost_errmsg(m));
        for (size_t r = 0; r < n_rows; r++) {
            double acc = 0;
            for (uint32_t t = 0; t < fc->n_trees; t++)
                acc += trees[t].value[fu_apply(&trees[t], X + r * fc->n_features)];
            acc /= fc->n_trees;
            cr_assert_eq(out[r], acc, "mode %s row %zu: %.17g != %.17g", mode_name[mode], r,
                         out[r], acc);
        }
    }
    /* once loaded, a call of fewer rows than a walk group goes the few-rows way: same answers */
    if (n_rows >= 8) {
        size_t few = 5, ow = fc->n_classes ? w : 1;
        double *all = malloc(few * ow * sizeof *all), *part = malloc(few * ow * sizeof *part);
        int (*fn)(frost_model *, const double *, size_t, double *) =
            fc->n_classes ? frost_predict_proba : frost_predict;
        cr_assert_eq(fn(m, X + 3 * fc->n_features, few, part), 0, "%s", frost_errmsg(m));
        double *full = malloc(n_rows * ow * sizeof *full);
        cr_assert_eq(fn(m, X, n_rows, full), 0, "%s", frost_errmsg(m));
        memcpy(all, full + 3 * ow, few * ow * sizeof *all);
        for (size_t i = 0; i < few * ow; i++)
            cr_assert_eq(part[i], all[i], "%s mode %s: %zu rows after load, value %zu", path,
                         mode_name[mode], few, i);
        free(all);
        free(part);
        free(full);
    }
    free(X);
    free(out);
    free(want);
    frost_close(m);
}

Test(runtime, random_forests_match_reference)
{
    static const forest_case cases[] = {
        {5, 4, 3, 41, 0, 0, 0},        {3, 7, 0, 301, 0, 0, 1},
        {20, 10, 2, 2001, 0, 0, 0},    {20, 10, 2, 2001, 1, 0, 0},
        {4, 30, 5, 9001, 1, 13, 4},    {7, 3, 0, 5001, 0, 12, 2},
        {2, 5, 10, 1501, 1, 0, 6},     {1, 1, 2, 1, 0, 0, 0},
        {12, 6, 0, 20001, 1, 14, 3},
        {3, 5, 300, 61, 0, 0, 0}, /* leaves wider than 128 values: numpy's recursive sum */
        {2, 4, 130, 41, 1, 0, 2},
    };
    char *dir = tu_tmpdir();
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        const forest_case *fc = &cases[c];
        fu_tree *trees = calloc(fc->n_trees, sizeof *trees);
        char *path = write_random_forest(dir, fc, trees, 1000 + c);
        for (size_t i = 0; i < 3; i++) {
            if (all_modes[i] == FROST_IO_URING && !uring_available())
                continue;
            check_forest(path, fc, trees, all_modes[i], 3, 77 + c);   /* lazy path */
            check_forest(path, fc, trees, all_modes[i], 300, 78 + c); /* batch path */
        }
        if (c < 3) /* more rows than one batch holds, and a partial last batch */
            check_forest(path, fc, trees, FROST_IO_PREAD, 9000, 79 + c);
        frost_model *m;
        cr_assert_eq(frost_open(path, NULL, &m), 0);
        cr_assert_eq(frost_verify(m), 0, "%s", frost_errmsg(m));
        frost_close(m);
        free_forest(trees, fc->n_trees);
        free(path);
    }
    free(dir);
}

/* ---- laziness ------------------------------------------------------------------------------- */

/* Blocks visited by row x in tree t, counted from the header (a test-side walk). */
static uint32_t pages_on_path(const frost_model *m, uint32_t t, const double *x)
{
    const fmt_header *h = &m->h;
    const fmt_tree *T = &h->trees[t];
    uint32_t r = T->root, pages = 0, last = UINT32_MAX;
    for (;;) {
        uint32_t off = r & ~7u, c;
        uint64_t coff;
        if (off < T->top_size) {
            c = h->top_chunk;
            coff = T->top_offset + off;
        } else {
            c = T->body_chunk;
            coff = T->body_offset + (off - T->top_size);
        }
        uint32_t b = fmt_chunk_block_of(h, c, coff);
        if (b != last)
            pages++;
        last = b;
        if (r & 1)
            return pages;
        const uint8_t *p = m->block_mem[b] + (coff & (h->block_size - 1));
        float thr;
        uint32_t word, l, rr;
        memcpy(&thr, p, 4);
        memcpy(&word, p + 4, 4);
        memcpy(&l, p + 8, 4);
        memcpy(&rr, p + 12, 4);
        float v = (float)x[word & 0xFFFFFF];
        r = (v <= thr || (isnan(v) && (word >> 31))) ? l : rr;
    }
}

Test(runtime, lazy_open_and_batched_cold_prediction)
{
    if (!uring_available())
        cr_skip_test("io_uring is not available here");
    char *dir = tu_tmpdir();
    forest_case fc = {500, 20, 2, 3001, 0, 0, 0};
    fu_tree *trees = calloc(fc.n_trees, sizeof *trees);
    char *path = write_random_forest(dir, &fc, trees, 42);
    frost_model *m;
    cr_assert_eq(open_mode(path, FROST_IO_URING, &m), 0, "%s", frost_errmsg(NULL));
    frost_stats st = {.size = sizeof st};
    frost_get_stats(m, &st);
    cr_expect_eq(st.bytes_read, 0, "open read %llu block bytes", (unsigned long long)st.bytes_read);
    cr_expect_eq(st.blocks_loaded, 0);
    cr_expect_gt(st.header_bytes, 0);
    frost_info info = {.size = sizeof info};
    frost_model_info(m, &info);
    cr_expect_eq(st.header_bytes, info.header_size);

    uint64_t s = 5;
    double x[20];
    random_rows(&s, x, 1, 20);
    double out[2];
    cr_assert_eq(frost_predict_proba(m, x, 1, out), 0, "%s", frost_errmsg(m));
    frost_get_stats(m, &st);
    uint32_t max_pages = 0;
    for (uint32_t t = 0; t < fc.n_trees; t++) {
        uint32_t p = pages_on_path(m, t, x);
        if (p > max_pages)
            max_pages = p;
    }
    cr_expect_leq(st.submissions, (uint64_t)max_pages + 1,
                  "%llu submissions for a walk of at most %u pages",
                  (unsigned long long)st.submissions, max_pages);
    cr_expect_lt(st.blocks_loaded, info.n_blocks, "a one-row prediction loaded every block");
    double want[2];
    fu_forest_proba(trees, fc.n_trees, x, 2, want);
    cr_expect_eq(out[0], want[0]);
    cr_expect_eq(out[1], want[1]);
    frost_close(m);
    free_forest(trees, fc.n_trees);
    free(path);
    free(dir);
}

/* ---- threads -------------------------------------------------------------------------------- */

typedef struct thread_arg {
    frost_model *m;
    const double *X;
    size_t n_rows;
    double *out;
    int rc;
} thread_arg;

static void *predict_thread(void *p)
{
    thread_arg *a = p;
    a->rc = frost_predict_proba(a->m, a->X, a->n_rows, a->out);
    return NULL;
}

Test(runtime, threads_load_each_block_once)
{
    char *dir = tu_tmpdir();
    forest_case fc = {60, 8, 3, 4001, 1, 0, 0};
    fu_tree *trees = calloc(fc.n_trees, sizeof *trees);
    char *path = write_random_forest(dir, &fc, trees, 9);
    for (size_t mi = 0; mi < 3; mi++) {
        if (all_modes[mi] == FROST_IO_URING && !uring_available())
            continue;
        frost_model *m;
        cr_assert_eq(open_mode(path, all_modes[mi], &m), 0);
        enum { NT = 8 };
        pthread_t th[NT];
        thread_arg args[NT];
        double X[NT][4 * 8], out[NT][4 * 3];
        uint64_t s = 11;
        for (int i = 0; i < NT; i++) {
            random_rows(&s, X[i], 4, 8);
            /* half the threads take the lazy path, half load everything */
            args[i] = (thread_arg){.m = m, .X = X[i], .n_rows = i % 2 ? 4 : 1, .out = out[i]};
            pthread_create(&th[i], NULL, predict_thread, &args[i]);
        }
        for (int i = 0; i < NT; i++) {
            pthread_join(th[i], NULL);
            cr_assert_eq(args[i].rc, 0);
            for (size_t r = 0; r < args[i].n_rows; r++) {
                double want[3];
                fu_forest_proba(trees, fc.n_trees, X[i] + r * 8, 3, want);
                for (int j = 0; j < 3; j++)
                    cr_assert_eq(out[i][r * 3 + j], want[j]);
            }
        }
        cr_assert_eq(frost_load_all(m), 0);
        frost_stats st = {.size = sizeof st};
        frost_get_stats(m, &st);
        frost_info info = {.size = sizeof info};
        frost_model_info(m, &info);
        cr_expect_eq(st.blocks_loaded, info.n_blocks,
                     "mode %s: %llu loads for %u blocks", mode_name[all_modes[mi]],
                     (unsigned long long)st.blocks_loaded, info.n_blocks);
        frost_close(m);
    }
    free_forest(trees, fc.n_trees);
    free(path);
    free(dir);
}

/* ---- I/O modes and faults ------------------------------------------------------------------- */

Test(runtime, forced_uring_unavailable_is_eunsupported)
{
    char *dir = tu_tmpdir();
    char *path = write_small_regressor(dir);
    frost_open_options o;
    frost_open_options_init(&o);
    rt_fault f = {.uring_setup_errno = EPERM};
    frost_model *m = NULL;
    fr_err e = {0};
    o.io = FROST_IO_URING;
    cr_expect_eq(rt_open(path, &o, &f, &m, &e), FROST_EUNSUPPORTED);
    cr_expect_null(m);
    cr_expect(strstr(e.msg, "io_uring") != NULL, "%s", e.msg);
    o.io = FROST_IO_AUTO; /* falls back to pread without the caller noticing */
    cr_assert_eq(rt_open(path, &o, &f, &m, &e), 0, "%s", e.msg);
    frost_info info = {.size = sizeof info};
    frost_model_info(m, &info);
    cr_expect_eq(info.io, FROST_IO_PREAD);
    double X[] = {1.0, 3.0}, out;
    cr_expect_eq(frost_predict(m, X, 1, &out), 0);
    cr_expect_eq(out, 30);
    frost_close(m);
    free(path);
    free(dir);
}

typedef struct fault_state {
    int mode;      /* 0 pass, 1 EIO, 2 short reads, 3 EAGAIN once per read */
    int calls;
} fault_state;

static ssize_t fault_hook(void *ctx, uint64_t offset, size_t len, ssize_t res)
{
    (void)offset;
    fault_state *fs = ctx;
    fs->calls++;
    if (fs->mode == 1)
        return -EIO;
    if (fs->mode == 2 && res > 7)
        return 7; /* the rest is read again from where it stopped */
    if (fs->mode == 3 && fs->calls % 2)
        return -EAGAIN;
    (void)len;
    return res;
}

Test(runtime, read_faults_are_reported_and_retryable)
{
    char *dir = tu_tmpdir();
    forest_case fc = {10, 5, 2, 801, 1, 0, 0};
    fu_tree *trees = calloc(fc.n_trees, sizeof *trees);
    char *path = write_random_forest(dir, &fc, trees, 3);
    uint64_t s = 1;
    double X[5 * 10];
    random_rows(&s, X, 10, 5);
    for (size_t mi = 0; mi < 2; mi++) {
        frost_io_mode mode = mi ? FROST_IO_URING : FROST_IO_PREAD;
        if (mode == FROST_IO_URING && !uring_available())
            continue;
        fault_state fs = {0};
        rt_fault f = {.on_read = fault_hook, .ctx = &fs};
        frost_open_options o;
        frost_open_options_init(&o);
        o.io = mode;
        frost_model *m;
        fr_err e = {0};
        cr_assert_eq(rt_open(path, &o, &f, &m, &e), 0, "%s", e.msg);
        double out[20], want[2];
        fs.mode = 1;
        int rc = frost_predict_proba(m, X, 10, out);
        cr_expect_eq(rc, FROST_EIO, "mode %d: rc %d", mode, rc);
        cr_expect(strstr(frost_errmsg(m), "Input/output error") != NULL, "%s", frost_errmsg(m));
        frost_stats st = {.size = sizeof st};
        frost_get_stats(m, &st);
        cr_expect_eq(st.blocks_loaded, 0, "a failed read left blocks marked loaded");
        for (int fm = 2; fm <= 3; fm++) {
            fs.mode = fm; /* short reads, then EAGAIN: both resumed */
            cr_assert_eq(frost_predict_proba(m, X, fm == 2 ? 2 : 10, out), 0, "%s",
                         frost_errmsg(m));
            fu_forest_proba(trees, fc.n_trees, X, 2, want);
            cr_expect_eq(out[0], want[0]);
            cr_expect_eq(out[1], want[1]);
        }
        frost_close(m);
    }
    free_forest(trees, fc.n_trees);
    free(path);
    free(dir);
}

Test(runtime, env_selects_io_mode)
{
    char *dir = tu_tmpdir();
    char *path = write_small_regressor(dir);
    frost_model *m;
    setenv("FROST_IO", "mmap", 1);
    cr_assert_eq(frost_open(path, NULL, &m), 0);
    frost_info info = {.size = sizeof info};
    frost_model_info(m, &info);
    cr_expect_eq(info.io, FROST_IO_MMAP);
    frost_close(m);
    setenv("FROST_IO", "bogus", 1);
    cr_expect_eq(frost_open(path, NULL, &m), FROST_EINVAL);
    cr_expect(strstr(frost_errmsg(NULL), "FROST_IO") != NULL);
    unsetenv("FROST_IO");
    free(path);
    free(dir);
}

Test(runtime, eager_load_reads_everything_at_open)
{
    char *dir = tu_tmpdir();
    forest_case fc = {8, 5, 0, 2001, 1, 0, 0};
    fu_tree *trees = calloc(fc.n_trees, sizeof *trees);
    char *path = write_random_forest(dir, &fc, trees, 21);
    frost_open_options o;
    frost_open_options_init(&o);
    o.load = FROST_LOAD_EAGER;
    frost_model *m;
    cr_assert_eq(frost_open(path, &o, &m), 0);
    frost_stats st = {.size = sizeof st};
    frost_info info = {.size = sizeof info};
    frost_get_stats(m, &st);
    frost_model_info(m, &info);
    cr_expect_eq(st.blocks_loaded, info.n_blocks);
    frost_close(m);
    free_forest(trees, fc.n_trees);
    free(path);
    free(dir);
}

/* ---- in-flight reads ------------------------------------------------------------------------- */

typedef struct stall_state {
    int calls;
    int fail_first;
} stall_state;

/* The first completion fails; every other one is held back 3 ms, so the batch is still in
 * flight when the error is seen. */
static ssize_t stall_hook(void *ctx, uint64_t offset, size_t len, ssize_t res)
{
    (void)offset;
    (void)len;
    stall_state *s = ctx;
    if (s->calls++ == 0 && s->fail_first)
        return -EIO;
    usleep(3000);
    return res;
}

/* A failed batch returns only after every read it queued has completed or been cancelled: none
 * can write into a buffer after the call returns (the kernel's writes are invisible to ASan, so
 * this shows it: nothing completes on the ring once the call is back, and every SQE the batch
 * submitted has had its CQE). The handle then works again. */
Test(runtime, no_read_outlives_a_failed_batch)
{
    if (!uring_available())
        cr_skip_test("io_uring is not available here");
    char *dir = tu_tmpdir();
    forest_case fc = {40, 6, 2, 3001, 0, 0, 0};
    fu_tree *trees = calloc(fc.n_trees, sizeof *trees);
    char *path = write_random_forest(dir, &fc, trees, 17);
    stall_state st = {.fail_first = 1};
    rt_fault f = {.on_read = stall_hook, .ctx = &st};
    frost_open_options o;
    frost_open_options_init(&o);
    o.io = FROST_IO_URING;
    frost_model *m;
    fr_err e = {0};
    cr_assert_eq(rt_open(path, &o, &f, &m, &e), 0, "%s", e.msg);
    uint64_t s = 3;
    double X[6 * 300], out[300 * 2], want[2];
    random_rows(&s, X, 300, 6);
    /* 300 rows: every block in one batch of reads */
    cr_expect_eq(frost_predict_proba(m, X, 300, out), FROST_EIO);
    int seen = st.calls;
    cr_expect_gt(seen, 1, "the error came before other reads completed");
    usleep(100000);
    cr_expect_eq(io_uring_cq_ready(&m->io.ring), 0, "a read completed after the call returned");
    cr_expect_eq(st.calls, seen, "the hook saw completions after the call returned");
    cr_expect_eq(atomic_load(&m->counters.sqes), atomic_load(&m->counters.cqes));
    st.fail_first = 0;
    cr_assert_eq(frost_predict_proba(m, X, 300, out), 0, "%s", frost_errmsg(m));
    for (int r = 0; r < 300; r++) {
        fu_forest_proba(trees, fc.n_trees, X + r * 6, 2, want);
        cr_assert_eq(out[r * 2], want[0]);
        cr_assert_eq(out[r * 2 + 1], want[1]);
    }
    frost_close(m);
    free_forest(trees, fc.n_trees);
    free(path);
    free(dir);
}

/* A read that the kernel keeps in flight: the first request of the batch is redirected to an
 * empty pipe (the seam's read_fd), which no one writes, so that read can only end by being
 * cancelled; the first read from the file then fails. */
typedef struct cancel_state {
    int active;
    int pipe_rd;
    int redirected;
    int failed;
    int cancelled; /* completions that came back -ECANCELED */
} cancel_state;

static int cancel_read_fd(void *ctx, uint64_t offset, size_t len)
{
    (void)offset;
    (void)len;
    cancel_state *s = ctx;
    if (!s->active || s->redirected)
        return -1;
    s->redirected = 1;
    return s->pipe_rd;
}

static ssize_t cancel_on_read(void *ctx, uint64_t offset, size_t len, ssize_t res)
{
    (void)offset;
    (void)len;
    cancel_state *s = ctx;
    if (res == -ECANCELED)
        s->cancelled++;
    if (s->active && res > 0 && !s->failed) {
        s->failed = 1;
        return -EIO;
    }
    return res;
}

/* Without cancellation this test never ends (the pipe read waits forever): the failed batch must
 * cancel the read still in flight and reap its completion before returning. Afterwards bytes
 * written to the pipe are still in the pipe, so no read that outlived the call took them (which
 * would have been a kernel write into freed memory), every SQE has had its CQE, and the handle
 * scores correctly on retry. */
Test(runtime, a_failed_batch_cancels_reads_still_in_flight, .timeout = 20)
{
    if (!uring_available())
        cr_skip_test("io_uring is not available here");
    char *dir = tu_tmpdir();
    forest_case fc = {40, 6, 2, 3001, 0, 0, 0};
    fu_tree *trees = calloc(fc.n_trees, sizeof *trees);
    char *path = write_random_forest(dir, &fc, trees, 19);
    int p[2];
    cr_assert_eq(pipe(p), 0);
    cancel_state st = {.active = 1, .pipe_rd = p[0]};
    rt_fault f = {.on_read = cancel_on_read, .read_fd = cancel_read_fd, .ctx = &st};
    frost_open_options o;
    frost_open_options_init(&o);
    o.io = FROST_IO_URING;
    frost_model *m;
    fr_err e = {0};
    cr_assert_eq(rt_open(path, &o, &f, &m, &e), 0, "%s", e.msg);
    uint64_t s = 5;
    double X[6 * 300], out[300 * 2], want[2];
    random_rows(&s, X, 300, 6);
    cr_expect_eq(frost_predict_proba(m, X, 300, out), FROST_EIO, "%s", frost_errmsg(m));
    cr_assert_eq(st.redirected, 1, "no read was sent to the pipe");
    cr_assert_eq(st.failed, 1, "no file read completed in the batch");
    cr_expect_geq(atomic_load(&m->counters.cancels), 1);
    cr_expect_geq(st.cancelled, 1, "the pipe read was not cancelled");
    cr_expect_eq(atomic_load(&m->counters.sqes), atomic_load(&m->counters.cqes),
                 "%llu SQEs submitted, %llu CQEs reaped",
                 (unsigned long long)atomic_load(&m->counters.sqes),
                 (unsigned long long)atomic_load(&m->counters.cqes));
    cr_expect_eq(io_uring_cq_ready(&m->io.ring), 0);
    cr_assert_eq(write(p[1], "frost", 5), 5);
    usleep(50000);
    cr_assert_eq(fcntl(p[0], F_SETFL, O_NONBLOCK), 0);
    char back[8] = {0};
    cr_expect_eq(read(p[0], back, sizeof back), 5, "a read outlived the call and took the bytes");
    cr_expect_str_eq(back, "frost");
    cr_expect_eq(io_uring_cq_ready(&m->io.ring), 0, "a completion arrived after the call");

    st.active = 0;
    cr_assert_eq(frost_predict_proba(m, X, 300, out), 0, "%s", frost_errmsg(m));
    for (int r = 0; r < 300; r++) {
        fu_forest_proba(trees, fc.n_trees, X + r * 6, 2, want);
        cr_assert_eq(out[r * 2], want[0]);
        cr_assert_eq(out[r * 2 + 1], want[1]);
    }
    cr_expect_eq(atomic_load(&m->counters.sqes), atomic_load(&m->counters.cqes));
    frost_close(m);
    close(p[0]);
    close(p[1]);
    free_forest(trees, fc.n_trees);
    free(path);
    free(dir);
}
