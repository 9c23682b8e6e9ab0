/*
 * test_pipeline.c — preprocessing programs and linear estimators, built by hand through the
 * importer's internal builder API and checked against values computed here: typed columns,
 * imputation, scaling, one-hot encoding of strings, the logistic rule, transform, schema errors,
 * and that a warm batch call allocates nothing (a counting allocator hook).
 */
#include <criterion/criterion.h>
#include <math.h>

#include "internal.h"
#include "writer.h"
#include "testutil.h"

/* inputs: x0, x1 (numbers), color (string) →
 *   impute(x0→10, x1→20) → scale((x - [1, 2]) / [2, 4]) ; impute(color→"red") → one-hot(blue, red)
 *   → logistic(1·a − 1·b + 0.5·blue − 0.5·red + 0.1), classes "no", "yes" */
static char *write_model(const char *dir, int linear)
{
    uint8_t kinds[3] = {FMT_SLOT_NUM, FMT_SLOT_NUM, FMT_SLOT_STR};
    fmt_program *p = fmt_program_new(NULL, 3, kinds);
    cr_assert_not_null(p);
    fr_err e = {0};
    uint32_t in01[2] = {0, 1}, first_imp, first_sc, first_str, first_oh;
    double fill[2] = {10, 20}, a[2] = {1, 2}, b[2] = {2, 4};
    fmt_op imp = {.opcode = FMT_OP_IMPUTE, .n_in = 2, .n_out = 2, .in = in01, .a = fill};
    cr_assert_eq(fmt_program_add(p, &imp, &first_imp, &e), 0, "%s", e.msg);
    uint32_t sc_in[2] = {first_imp, first_imp + 1};
    fmt_op sc = {.opcode = FMT_OP_SCALE, .n_in = 2, .n_out = 2, .in = sc_in, .a = a, .b = b};
    cr_assert_eq(fmt_program_add(p, &sc, &first_sc, &e), 0, "%s", e.msg);
    uint32_t color = 2;
    char *red = "red";
    fmt_op is = {.opcode = FMT_OP_IMPUTE_STR, .n_in = 1, .n_out = 1, .in = &color, .strs = &red};
    cr_assert_eq(fmt_program_add(p, &is, &first_str, &e), 0, "%s", e.msg);
    char *cats[2] = {"blue", "red"};
    double targets[2] = {0, 1};
    fmt_op oh = {.opcode = FMT_OP_ENCODE, .n_in = 1, .n_out = 2, .in = &first_str,
                 .cat_kind = FMT_SLOT_STR, .n_cat = 2, .unknown = 1, .missing_cat = FMT_NONE,
                 .unknown_target = -1, .strs = cats, .targets = targets};
    cr_assert_eq(fmt_program_add(p, &oh, &first_oh, &e), 0, "%s", e.msg);
    uint32_t outs[4] = {first_sc, first_sc + 1, first_oh, first_oh + 1};
    const char *names[4] = {"num__x0", "num__x1", "cat__color_blue", "cat__color_red"};
    cr_assert_eq(fmt_program_set_outputs(p, outs, 4, names, &e), 0, "%s", e.msg);

    frost_builder *bld;
    cr_assert_eq(wr_builder_new_bare(NULL, &bld), 0);
    if (linear) {
        fmt_linear *l = calloc(1, sizeof *l);
        l->task = FROST_TASK_CLASSIFIER;
        l->rule = FMT_LIN_LOGISTIC;
        l->n_features = 4;
        l->n_rows = 1;
        l->coef = malloc(4 * sizeof(double));
        l->intercept = malloc(sizeof(double));
        double c[4] = {1, -1, 0.5, -0.5};
        memcpy(l->coef, c, sizeof c);
        l->intercept[0] = 0.1;
        cr_assert_eq(wr_builder_set_linear(bld, l), 0, "%s", frost_builder_errmsg(bld));
    }
    cr_assert_eq(wr_builder_set_program(bld, p), 0, "%s", frost_builder_errmsg(bld));
    const char *in_names[3] = {"x0", "x1", "color"};
    cr_assert_eq(frost_builder_set_feature_names(bld, in_names), 0);
    if (linear) {
        const char *labels[2] = {"no", "yes"};
        cr_assert_eq(frost_builder_set_classes(bld, 0, FROST_LABEL_STR, labels, 2), 0);
    }
    char *path = malloc(strlen(dir) + 32);
    sprintf(path, "%s/%s.frost", dir, linear ? "pipe" : "ct");
    cr_assert_eq(frost_builder_write(bld, path), 0, "%s", frost_builder_errmsg(bld));
    frost_builder_free(bld);
    return path;
}

/* The same pipeline, computed directly. */
static void reference(double x0, double x1, const char *color, double feats[4], double proba[2])
{
    if (isnan(x0))
        x0 = 10;
    if (isnan(x1))
        x1 = 20;
    if (!color)
        color = "red";
    feats[0] = (x0 - 1) / 2;
    feats[1] = (x1 - 2) / 4;
    feats[2] = strcmp(color, "blue") == 0;
    feats[3] = strcmp(color, "red") == 0;
    double d = 0.0;
    double w[4] = {1, -1, 0.5, -0.5};
    for (int j = 0; j < 4; j++)
        d += feats[j] * w[j];
    d += 0.1;
    proba[1] = 1.0 / (1.0 + exp(-d));
    proba[0] = 1.0 - proba[1];
}

#define N 6
static const double X0[N] = {1.5, NAN, -3, 7, 0, 2};
static const double X1[N] = {2, 4, NAN, 1e6, -0.5, 3};
static const char *COLOR[N] = {"blue", "red", NULL, "green", "red", "blue"};

static void columns(frost_column cols[3], frost_string s[N], int reorder)
{
    for (int i = 0; i < N; i++)
        s[i] = (frost_string){COLOR[i], COLOR[i] ? strlen(COLOR[i]) : 0};
    frost_column c[3] = {
        {.name = "x0", .type = FROST_COLUMN_DOUBLE, .values = X0},
        {.name = "x1", .type = FROST_COLUMN_DOUBLE, .values = X1},
        {.name = "color", .type = FROST_COLUMN_STRING, .values = s},
    };
    for (int i = 0; i < 3; i++)
        cols[reorder ? 2 - i : i] = c[i];
}

Test(pipeline, predict_transform_and_errors)
{
    char *dir = tu_tmpdir();
    char *path = write_model(dir, 1);
    frost_model *m;
    cr_assert_eq(frost_open(path, NULL, &m), 0, "%s", frost_errmsg(NULL));
    frost_info info = {.size = sizeof info};
    frost_model_info(m, &info);
    cr_expect_eq(info.n_inputs, 3);
    cr_expect_eq(info.estimator, 2);
    cr_expect_eq(info.n_transform_outputs, 4);
    cr_expect_eq(frost_input_kind_of(m, 2), FROST_INPUT_STRING);
    cr_expect_str_eq(frost_output_name(m, 2), "cat__color_blue");

    frost_column cols[3];
    frost_string s[N];
    columns(cols, s, 1); /* by name, in another order */
    double proba[N * 2], pred[N], feats[N * 4], want_f[4], want_p[2];
    cr_assert_eq(frost_predict_proba_columns(m, cols, 3, N, proba), 0, "%s", frost_errmsg(m));
    cr_assert_eq(frost_predict_columns(m, cols, 3, N, pred), 0, "%s", frost_errmsg(m));
    cr_assert_eq(frost_transform(m, cols, 3, N, feats), 0, "%s", frost_errmsg(m));
    for (int r = 0; r < N; r++) {
        reference(X0[r], X1[r], COLOR[r], want_f, want_p);
        for (int j = 0; j < 4; j++)
            cr_expect_eq(feats[r * 4 + j], want_f[j], "row %d feature %d: %.17g vs %.17g", r, j,
                         feats[r * 4 + j], want_f[j]);
        cr_expect_eq(proba[r * 2], want_p[0], "row %d", r);
        cr_expect_eq(proba[r * 2 + 1], want_p[1], "row %d", r);
        cr_expect_eq(pred[r], want_p[1] > 0.5 ? 1.0 : 0.0, "row %d", r);
    }

    /* a missing column is named; a string column where numbers are read is refused */
    cr_expect_eq(frost_predict_columns(m, cols + 1, 2, N, pred), FROST_ESCHEMA);
    cr_expect(strstr(frost_errmsg(m), "'color'") != NULL, "%s", frost_errmsg(m));
    frost_column bad[3];
    memcpy(bad, cols, sizeof bad);
    bad[2].type = FROST_COLUMN_STRING; /* x0 given as strings */
    bad[2].values = s;
    cr_expect_eq(frost_predict_columns(m, bad, 3, N, pred), FROST_ESCHEMA);
    cr_expect(strstr(frost_errmsg(m), "x0") != NULL, "%s", frost_errmsg(m));
    /* the numeric matrix entry point cannot carry strings */
    double X[3] = {1, 2, 0};
    cr_expect_eq(frost_predict(m, X, 1, pred), FROST_EINVAL);
    frost_close(m);
    free(path);
    free(dir);
}

Test(pipeline, saved_transformer_transforms_but_does_not_predict)
{
    char *dir = tu_tmpdir();
    char *path = write_model(dir, 0);
    frost_model *m;
    cr_assert_eq(frost_open(path, NULL, &m), 0, "%s", frost_errmsg(NULL));
    frost_column cols[3];
    frost_string s[N];
    columns(cols, s, 0);
    double feats[N * 4], pred[N], want_f[4], want_p[2];
    cr_assert_eq(frost_transform(m, cols, 3, N, feats), 0, "%s", frost_errmsg(m));
    for (int r = 0; r < N; r++) {
        reference(X0[r], X1[r], COLOR[r], want_f, want_p);
        for (int j = 0; j < 4; j++)
            cr_expect_eq(feats[r * 4 + j], want_f[j]);
    }
    cr_expect_eq(frost_predict_columns(m, cols, 3, N, pred), FROST_EINVAL);
    cr_expect(strstr(frost_errmsg(m), "transform") != NULL, "%s", frost_errmsg(m));
    frost_close(m);
    free(path);
    free(dir);
}

/* ---- allocation ----------------------------------------------------------------------------- */

Test(pipeline, warm_batch_calls_allocate_nothing)
{
    char *dir = tu_tmpdir();
    char *path = write_model(dir, 1);
    long mallocs = 0;
    frost_allocator a = TU_COUNTING_ALLOCATOR(&mallocs);
    frost_open_options o;
    frost_open_options_init(&o);
    o.alloc = &a;
    frost_model *m;
    cr_assert_eq(frost_open(path, &o, &m), 0);
    cr_expect_gt(mallocs, 0, "the hook is not used");
    frost_column cols[3];
    frost_string s[N];
    columns(cols, s, 0);
    double proba[N * 2];
    cr_assert_eq(frost_predict_proba_columns(m, cols, 3, N, proba), 0); /* warms up */
    long before = mallocs;
    for (int k = 0; k < 100; k++)
        cr_assert_eq(frost_predict_proba_columns(m, cols, 3, N, proba), 0);
    cr_expect_eq(mallocs, before, "%ld allocations in 100 warm batch calls",
                 mallocs - before);
    frost_close(m);
    free(path);
    free(dir);
}
