/*
 * test_alloc.c — "every allocation through the hook" (frost_open_options.alloc), proven two
 * ways on a pipeline model (program, checks, linear estimator) and a forest:
 *
 *  - the test binary is linked with malloc, calloc, realloc, free, strdup and strndup wrapped
 *    (-Wl,--wrap, tests/module.mk), so any call libfrost makes to them directly while a model
 *    opens, loads, scores, verifies and closes is counted: there must be none, and the hook's
 *    own books must balance to zero bytes after frost_close;
 *  - a failing hook refuses the k-th allocation, for every k the whole sequence makes: each
 *    call then ends with 0 or FROST_ENOMEM and a message, never a crash, and whatever was
 *    allocated is freed by frost_close.
 * Both run with pread and, where the kernel allows it, io_uring.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "forest_util.h"
#include "internal.h"
#include "writer.h"
#include "testutil.h"

/* ---- the wrapped C library ------------------------------------------------------------------ */

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
void __real_free(void *p);
char *__real_strdup(const char *s);
char *__real_strndup(const char *s, size_t n);

static _Thread_local int watching;   /* inside the sequence under test */
static _Thread_local long unhooked;  /* allocations libfrost made around the hook */

void *__wrap_malloc(size_t n)
{
    unhooked += watching;
    return __real_malloc(n);
}
void *__wrap_calloc(size_t n, size_t size)
{
    unhooked += watching;
    return __real_calloc(n, size);
}
void *__wrap_realloc(void *p, size_t n)
{
    unhooked += watching;
    return __real_realloc(p, n);
}
void __wrap_free(void *p)
{
    __real_free(p);
}
char *__wrap_strdup(const char *s)
{
    unhooked += watching;
    return __real_strdup(s);
}
char *__wrap_strndup(const char *s, size_t n)
{
    unhooked += watching;
    return __real_strndup(s, n);
}

/* ---- a hook that keeps books and can fail ---------------------------------------------------- */

typedef struct books {
    long calls;     /* allocations asked for (malloc and realloc) */
    long fail_at;   /* refuse this one (1-based); 0: never */
    long live;      /* blocks not freed */
    size_t bytes;   /* bytes not freed */
} books;

#define HDR 16 /* the block's size, in front of what the caller gets (keeps 16-byte alignment) */

static void *hook_malloc(void *ctx, size_t n)
{
    books *b = ctx;
    if (++b->calls == b->fail_at)
        return NULL;
    unsigned char *p = __real_malloc(n + HDR);
    if (!p)
        return NULL;
    memcpy(p, &n, sizeof n);
    b->live++;
    b->bytes += n;
    return p + HDR;
}

static void hook_free(void *ctx, void *q)
{
    books *b = ctx;
    if (!q)
        return;
    unsigned char *p = (unsigned char *)q - HDR;
    size_t n;
    memcpy(&n, p, sizeof n);
    b->live--;
    b->bytes -= n;
    __real_free(p);
}

static void *hook_realloc(void *ctx, void *q, size_t n)
{
    books *b = ctx;
    if (!q)
        return hook_malloc(ctx, n);
    if (++b->calls == b->fail_at)
        return NULL;
    unsigned char *p = (unsigned char *)q - HDR;
    size_t old;
    memcpy(&old, p, sizeof old);
    unsigned char *np = __real_realloc(p, n + HDR);
    if (!np)
        return NULL;
    memcpy(np, &n, sizeof n);
    b->bytes = b->bytes - old + n;
    return np + HDR;
}

/* ---- the models ------------------------------------------------------------------------------ */

/* inputs id (unused), x0, x1 (numbers), color (string): impute x0, scale both, one-hot color,
 * a binary logistic model; checks as a converter writes them. */
static char *write_pipeline(const char *dir)
{
    uint8_t kinds[4] = {FMT_SLOT_UNUSED, FMT_SLOT_NUM, FMT_SLOT_NUM, FMT_SLOT_STR};
    fmt_program *p = fmt_program_new(4, kinds);
    fr_err e = {0};
    uint32_t x0 = 1, first_imp, first_sc, first_oh;
    double fill = 10, a[2] = {1, 1}, b[2] = {2, 2};
    fmt_op imp = {.opcode = FMT_OP_IMPUTE, .n_in = 1, .n_out = 1, .in = &x0, .a = &fill};
    cr_assert_eq(fmt_program_add(p, &imp, &first_imp, &e), 0, "%s", e.msg);
    uint32_t sc_in[2] = {first_imp, 2};
    fmt_op sc = {.opcode = FMT_OP_SCALE, .n_in = 2, .n_out = 2, .in = sc_in, .a = a, .b = b};
    cr_assert_eq(fmt_program_add(p, &sc, &first_sc, &e), 0, "%s", e.msg);
    uint32_t color = 3;
    char *cats[3] = {"blue", "green", "red"};
    double targets[3] = {0, 1, 2};
    fmt_op oh = {.opcode = FMT_OP_ENCODE, .n_in = 1, .n_out = 3, .in = &color,
                 .cat_kind = FMT_SLOT_STR, .n_cat = 3, .unknown = 1, .missing_cat = FMT_NONE,
                 .unknown_target = -1, .strs = cats, .targets = targets};
    cr_assert_eq(fmt_program_add(p, &oh, &first_oh, &e), 0, "%s", e.msg);
    uint32_t outs[5] = {first_sc, first_sc + 1, first_oh, first_oh + 1, first_oh + 2};
    cr_assert_eq(fmt_program_set_outputs(p, outs, 5, NULL, &e), 0, "%s", e.msg);
    frost_builder *bld;
    cr_assert_eq(wr_builder_new_bare(NULL, &bld), 0);
    fmt_linear *l = calloc(1, sizeof *l);
    *l = (fmt_linear){.task = FROST_TASK_CLASSIFIER, .rule = FMT_LIN_LOGISTIC, .n_features = 5,
                      .n_rows = 1, .coef = malloc(5 * sizeof(double)),
                      .intercept = calloc(1, sizeof(double))};
    for (int j = 0; j < 5; j++)
        l->coef[j] = 0.5 * (j + 1) * (j % 2 ? -1 : 1);
    cr_assert_eq(wr_builder_set_linear(bld, l), 0, "%s", frost_builder_errmsg(bld));
    cr_assert_eq(wr_builder_set_program(bld, p), 0, "%s", frost_builder_errmsg(bld));
    const char *names[4] = {"id", "x0", "x1", "color"};
    cr_assert_eq(frost_builder_set_feature_names(bld, names), 0);
    const char *labels[2] = {"no", "yes"};
    cr_assert_eq(frost_builder_set_classes(bld, 0, FROST_LABEL_STR, labels, 2), 0);
    cr_assert_eq(wr_builder_add_check(bld, FMT_CHECK_INF, sc_in, 2, "pipe/scaler"), 0);
    cr_assert_eq(wr_builder_add_check(bld, FMT_CHECK_NAN | FMT_CHECK_INF | FMT_CHECK_ESTIMATOR,
                                      outs, 5, "pipe/logistic"), 0);
    char *path = malloc(strlen(dir) + 32);
    sprintf(path, "%s/pipe.frost", dir);
    cr_assert_eq(frost_builder_write(bld, path), 0, "%s", frost_builder_errmsg(bld));
    frost_builder_free(bld);
    return path;
}

static char *write_forest(const char *dir)
{
    uint64_t s = 7;
    uint32_t nc = 3;
    frost_model_spec spec = {.size = sizeof spec, .task = FROST_TASK_CLASSIFIER,
                             .kind = FROST_ENSEMBLE_MEAN, .n_features = 4, .n_outputs = 1,
                             .n_classes = &nc, .normalize_leaves = 1};
    frost_builder *b;
    cr_assert_eq(frost_builder_new(&spec, NULL, &b), 0);
    for (int t = 0; t < 24; t++) {
        fu_tree tr = fu_random_tree(&s, 601, 4, nc, 1, 1);
        frost_tree_arrays a = fu_arrays(&tr, 0);
        cr_assert_eq(frost_builder_add_tree(b, &a), 0, "%s", frost_builder_errmsg(b));
        fu_free_tree(&tr);
    }
    const char *labels[3] = {"a", "b", "c"};
    cr_assert_eq(frost_builder_set_classes(b, 0, FROST_LABEL_STR, labels, 3), 0);
    char *path = malloc(strlen(dir) + 32);
    sprintf(path, "%s/forest.frost", dir);
    cr_assert_eq(frost_builder_write(b, path), 0, "%s", frost_builder_errmsg(b));
    frost_builder_free(b);
    return path;
}

/* ---- the sequence ---------------------------------------------------------------------------- */

#define ROWS 40

/* Opens path with the hook and mode, then scores the way a server would: a few rows cold
 * (lazy loads), a batch, probabilities, a transform where there is one, a verify; closes.
 * Returns the first code that was not 0 (a failing hook may stop it anywhere). */
static int sequence(const char *path, frost_io_mode io, books *bk)
{
    frost_allocator hook = {hook_malloc, hook_realloc, hook_free, bk};
    frost_open_options o;
    frost_open_options_init(&o);
    o.alloc = &hook;
    o.io = io;
    frost_model *m = NULL;
    watching = 1;
    int rc = frost_open(path, &o, &m);
    if (rc) {
        watching = 0;
        cr_expect(m == NULL);
        cr_expect(strlen(frost_errmsg(NULL)) > 0);
        return rc;
    }
    frost_info info = {.size = sizeof info};
    frost_model_info(m, &info);
    double x0[ROWS], x1[ROWS], X[ROWS * 4], out[ROWS * 5], t[ROWS * 5];
    frost_string color[ROWS];
    static const char *const colors[] = {"red", "green", "blue", "mauve"};
    for (int r = 0; r < ROWS; r++) {
        x0[r] = r % 7 == 0 ? NAN : r * 0.25 - 3;
        x1[r] = 1.5 - r * 0.125;
        color[r] = (frost_string){colors[r % 4], strlen(colors[r % 4])};
        for (int j = 0; j < 4; j++)
            X[r * 4 + j] = (r * 4 + j) % 11 * 0.3 - 1.2;
    }
    frost_column cols[3] = {
        {.name = "x0", .type = FROST_COLUMN_DOUBLE, .values = x0},
        {.name = "x1", .type = FROST_COLUMN_DOUBLE, .values = x1},
        {.name = "color", .type = FROST_COLUMN_STRING, .values = color},
    };
    if (info.has_preprocessing) {
        rc = frost_predict_columns(m, cols, 3, 3, out);
        rc = rc ? rc : frost_predict_proba_columns(m, cols, 3, ROWS, out);
        rc = rc ? rc : frost_transform(m, cols, 3, ROWS, t);
    } else {
        rc = frost_predict(m, X, 3, out); /* cold: the lazy path */
        rc = rc ? rc : frost_predict_proba(m, X, ROWS, out);
        rc = rc ? rc : frost_load_all(m);
        rc = rc ? rc : frost_predict(m, X, ROWS, out);
    }
    rc = rc ? rc : frost_verify(m);
    if (rc)
        cr_expect(strlen(frost_errmsg(m)) > 0, "code %d without a message", rc);
    frost_close(m);
    watching = 0;
    return rc;
}

static int uring_available(void)
{
    frost_open_options o;
    frost_open_options_init(&o);
    o.io = FROST_IO_URING;
    char *dir = tu_tmpdir();
    char *p = write_forest(dir);
    frost_model *m;
    int ok = frost_open(p, &o, &m) == 0;
    frost_close(m);
    free(p);
    free(dir);
    return ok;
}

static void every_byte_through_the_hook(char *(*write)(const char *))
{
    char *dir = tu_tmpdir();
    char *path = write(dir);
    frost_io_mode modes[2] = {FROST_IO_PREAD, FROST_IO_URING};
    for (int i = 0; i < 2; i++) {
        if (modes[i] == FROST_IO_URING && !uring_available())
            continue;
        books bk = {0};
        unhooked = 0;
        cr_assert_eq(sequence(path, modes[i], &bk), 0, "%s", frost_errmsg(NULL));
        cr_expect_eq(unhooked, 0, "mode %d: %ld allocations around the hook", modes[i],
                     unhooked);
        cr_expect(bk.calls > 0);
        cr_expect_eq(bk.live, 0, "mode %d: %ld blocks (%zu bytes) not freed", modes[i], bk.live,
                     bk.bytes);
        cr_expect_eq(bk.bytes, 0);
    }
    free(path);
    free(dir);
}

static void each_allocation_may_fail(char *(*write)(const char *))
{
    char *dir = tu_tmpdir();
    char *path = write(dir);
    frost_io_mode modes[2] = {FROST_IO_PREAD, FROST_IO_URING};
    for (int i = 0; i < 2; i++) {
        if (modes[i] == FROST_IO_URING && !uring_available())
            continue;
        books all = {0};
        cr_assert_eq(sequence(path, modes[i], &all), 0);
        long failed = 0;
        for (long k = 1; k <= all.calls; k++) {
            books bk = {.fail_at = k};
            int rc = sequence(path, modes[i], &bk);
            cr_expect(rc == 0 || rc == FROST_ENOMEM, "mode %d, allocation %ld refused: code %d",
                      modes[i], k, rc);
            failed += rc == FROST_ENOMEM;
            cr_expect_eq(bk.live, 0, "mode %d, allocation %ld refused: %ld blocks leaked",
                         modes[i], k, bk.live);
        }
        cr_expect_gt(failed, 0);
    }
    free(path);
    free(dir);
}

Test(alloc, pipeline_every_byte_through_the_hook) { every_byte_through_the_hook(write_pipeline); }
Test(alloc, forest_every_byte_through_the_hook) { every_byte_through_the_hook(write_forest); }
Test(alloc, pipeline_each_allocation_may_fail) { each_allocation_may_fail(write_pipeline); }
Test(alloc, forest_each_allocation_may_fail) { each_allocation_may_fail(write_forest); }
