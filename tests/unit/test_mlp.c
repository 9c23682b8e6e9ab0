/*
 * test_mlp.c — multi-layer perceptrons (FORMAT.md MLP) built by hand: each activation and
 * output against the forward pass written out here in scikit-learn's order, softmax classes,
 * the binary threshold (0.5 itself is class 0), multi-label outputs and their (1 - p, p)
 * probabilities, a two-output regressor without probabilities, the checks, frost_model_info,
 * and the parser on every truncation and hostile field.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "internal.h"
#include "testutil.h"
#include "writer.h"

/* A network of n_layers layers over widths, weights as FORMAT.md lays them out. */
static fmt_mlp *make_mlp(uint32_t task, uint32_t act, uint32_t out, uint32_t n_layers,
                         const uint32_t *widths, const double *weights)
{
    fmt_mlp *m = calloc(1, sizeof *m);
    *m = (fmt_mlp){.task = task, .activation = act, .output = out, .n_layers = n_layers,
                   .widths = malloc((n_layers + 1) * sizeof(uint32_t)),
                   .layer_at = malloc(n_layers * sizeof(uint64_t))};
    memcpy(m->widths, widths, (n_layers + 1) * sizeof(uint32_t));
    uint64_t n = 0;
    for (uint32_t i = 0; i < n_layers; i++) {
        m->layer_at[i] = n;
        n += (uint64_t)widths[i] * widths[i + 1] + widths[i + 1];
    }
    for (uint32_t i = 0; i <= n_layers; i++)
        if (widths[i] > m->max_width)
            m->max_width = widths[i];
    m->weights = malloc(n * sizeof(double));
    memcpy(m->weights, weights, n * sizeof(double));
    return m;
}

static frost_model *open_mlp(const char *dir, const char *name, fmt_mlp *mlp)
{
    frost_builder *b;
    cr_assert_eq(wr_builder_new_bare(NULL, &b), 0);
    cr_assert_eq(wr_builder_set_mlp(b, mlp), 0, "%s", frost_builder_errmsg(b));
    uint32_t n_out = mlp->widths[mlp->n_layers];
    const char *labels[4] = {"0", "1", "2", "3"};
    if (mlp->task == FMT_TASK_CLASSIFIER && mlp->output == FMT_ACT_SOFTMAX)
        cr_assert_eq(frost_builder_set_classes(b, 0, FROST_LABEL_INT, labels, n_out), 0);
    else if (mlp->task == FMT_TASK_CLASSIFIER)
        for (uint32_t k = 0; k < n_out; k++)
            cr_assert_eq(frost_builder_set_classes(b, k, FROST_LABEL_INT, labels, 2), 0);
    uint32_t all[2] = {0, 1};
    cr_assert_eq(wr_builder_add_check(b, FMT_CHECK_NAN | FMT_CHECK_INF | FMT_CHECK_ESTIMATOR,
                                      all, mlp->widths[0], "mlp (MLPClassifier)"), 0);
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.frost", dir, name);
    cr_assert_eq(frost_builder_write(b, path), 0, "%s", frost_builder_errmsg(b));
    frost_builder_free(b);
    frost_model *m;
    cr_assert_eq(frost_open(path, NULL, &m), 0, "%s", frost_errmsg(NULL));
    return m;
}

/* 2 inputs → 3 hidden → 3 outputs */
static const uint32_t W233[3] = {2, 3, 3};
static const double NET[2 * 3 + 3 + 3 * 3 + 3] = {
    0.5, -1.0, 0.25, /* input 0 to the hidden units */
    1.5, 0.75, -0.5, /* input 1 */
    0.1, 0.2, -0.3,  /* hidden intercepts */
    1.0, -1.0, 0.5, 0.3, 0.8, -0.2, -0.7, 0.4, 0.9, /* hidden unit l to output j */
    0.05, -0.05, 0.0,
};

/* The forward pass as FORMAT.md writes it, hidden activation h. */
static void expect_forward(const double *x, double (*h)(double), double *y)
{
    double a[3];
    for (int j = 0; j < 3; j++)
        a[j] = h(((0.0 + x[0] * NET[j]) + x[1] * NET[3 + j]) + NET[6 + j]);
    for (int j = 0; j < 3; j++)
        y[j] = (((0.0 + a[0] * NET[9 + j]) + a[1] * NET[12 + j]) + a[2] * NET[15 + j]) +
               NET[18 + j];
}

static double relu(double v) { return v < 0 ? 0 : v; }
static double expit(double v) { return 1.0 / (1.0 + exp(-v)); }

Test(mlp, softmax_classifier_relu)
{
    char *dir = tu_tmpdir();
    frost_model *m = open_mlp(dir, "softmax", make_mlp(FMT_TASK_CLASSIFIER, FMT_ACT_RELU,
                                                       FMT_ACT_SOFTMAX, 2, W233, NET));
    frost_info info = {.size = sizeof info};
    cr_assert_eq(frost_model_info(m, &info), 0);
    cr_expect_eq(info.estimator, 6);
    cr_expect_eq(info.n_outputs, 1);
    cr_expect_eq(info.n_classes, 3);
    cr_expect(info.has_proba);
    cr_expect_eq(info.format_minor, 3);
    const double rows[3][2] = {{1.0, 2.0}, {-2.0, 0.5}, {0.3, -4.0}};
    for (int r = 0; r < 3; r++) {
        double y[3], p[3], got[3], label;
        expect_forward(rows[r], relu, y);
        double mx = fmax(fmax(y[0], y[1]), y[2]);
        for (int j = 0; j < 3; j++)
            p[j] = exp(y[j] - mx);
        double s = (p[0] + p[1]) + p[2];
        for (int j = 0; j < 3; j++)
            p[j] /= s;
        cr_assert_eq(frost_predict_proba(m, rows[r], 1, got), 0, "%s", frost_errmsg(m));
        for (int j = 0; j < 3; j++)
            cr_expect_eq(got[j], p[j], "row %d class %d: %.17g, want %.17g", r, j, got[j], p[j]);
        cr_assert_eq(frost_predict(m, rows[r], 1, &label), 0);
        int best = p[1] > p[0] ? 1 : 0;
        best = p[2] > p[best] ? 2 : best;
        cr_expect_eq(label, best, "row %d", r);
    }
    double bad[2] = {NAN, 1};
    double out[3];
    cr_expect_eq(frost_predict(m, bad, 1, out), FROST_ESCHEMA);
    cr_expect(strstr(frost_errmsg(m), "MLPClassifier"), "%s", frost_errmsg(m));
    frost_close(m);
    free(dir);
}

Test(mlp, binary_threshold_and_multilabel)
{
    char *dir = tu_tmpdir();
    /* one logistic unit: y = expit(x0 - x1); x0 == x1 gives exactly 0.5, which is class 0 */
    const uint32_t w[2] = {2, 1};
    const double net[3] = {1.0, -1.0, 0.0};
    frost_model *m = open_mlp(dir, "binary", make_mlp(FMT_TASK_CLASSIFIER, FMT_ACT_TANH,
                                                      FMT_ACT_LOGISTIC, 1, w, net));
    const double x[3][2] = {{1.0, 1.0}, {1.0, 0.999}, {-3.0, 2.0}};
    for (int r = 0; r < 3; r++) {
        double label, p[2], y = expit((0.0 + x[r][0]) - x[r][1]);
        cr_assert_eq(frost_predict(m, x[r], 1, &label), 0, "%s", frost_errmsg(m));
        cr_expect_eq(label, y > 0.5 ? 1.0 : 0.0, "row %d", r);
        cr_assert_eq(frost_predict_proba(m, x[r], 1, p), 0);
        cr_expect_eq(p[1], y);
        cr_expect_eq(p[0], 1.0 - y);
    }
    frost_close(m);
    /* three logistic units over the logistic hidden layer: a multi-label classifier */
    m = open_mlp(dir, "multilabel", make_mlp(FMT_TASK_CLASSIFIER, FMT_ACT_LOGISTIC,
                                             FMT_ACT_LOGISTIC, 2, W233, NET));
    frost_info info = {.size = sizeof info};
    cr_assert_eq(frost_model_info(m, &info), 0);
    cr_expect_eq(info.n_outputs, 3);
    cr_expect_eq(info.n_classes, 6);
    double y[3], labels[3], p[6];
    expect_forward(x[2], expit, y);
    cr_assert_eq(frost_predict(m, x[2], 1, labels), 0);
    cr_assert_eq(frost_predict_proba(m, x[2], 1, p), 0);
    for (int k = 0; k < 3; k++) {
        double pk = expit(y[k]);
        cr_expect_eq(labels[k], pk > 0.5 ? 1.0 : 0.0, "label %d", k);
        cr_expect_eq(p[2 * k + 1], pk, "label %d", k);
        cr_expect_eq(p[2 * k], 1.0 - pk, "label %d", k);
    }
    frost_close(m);
    free(dir);
}

Test(mlp, regressor_multi_output)
{
    char *dir = tu_tmpdir();
    /* 2 → 3 (tanh) → 3 (identity): predict is the output layer itself */
    frost_model *m = open_mlp(dir, "reg", make_mlp(FMT_TASK_REGRESSOR, FMT_ACT_TANH,
                                                   FMT_ACT_IDENTITY, 2, W233, NET));
    frost_info info = {.size = sizeof info};
    cr_assert_eq(frost_model_info(m, &info), 0);
    cr_expect_eq(info.task, FROST_TASK_REGRESSOR);
    cr_expect_eq(info.n_outputs, 3);
    cr_expect(!info.has_proba);
    const double x[2][2] = {{0.7, -1.3}, {12.0, 40.0}};
    double got[6], want[3];
    cr_assert_eq(frost_predict(m, &x[0][0], 2, got), 0, "%s", frost_errmsg(m));
    for (int r = 0; r < 2; r++) {
        expect_forward(x[r], tanh, want);
        for (int j = 0; j < 3; j++)
            cr_expect_eq(got[3 * r + j], want[j], "row %d output %d", r, j);
    }
    cr_expect_eq(frost_predict_proba(m, &x[0][0], 1, got), FROST_EINVAL);
    double bad[2] = {1, -INFINITY};
    cr_expect_eq(frost_predict(m, bad, 1, got), FROST_ESCHEMA);
    frost_close(m);
    free(dir);
}

Test(mlp, parser_refusals)
{
    fr_err e = {0};
    fmt_mlp *src = make_mlp(FMT_TASK_CLASSIFIER, FMT_ACT_RELU, FMT_ACT_SOFTMAX, 2, W233, NET);
    fmt_buf b = {0};
    fmt_mlp_write(src, &b);
    fmt_mlp_free(NULL, src);
    cr_assert_eq(b.len, 16 + 4 * 3 + 8 * 21);
    fmt_mlp *m = NULL;
    cr_assert_eq(fmt_mlp_parse(b.p, b.len, NULL, &m, &e), 0, "%s", e.msg);
    cr_expect_eq(m->weights[20], 0.0);
    cr_expect_eq(m->weights[9], 1.0);
    cr_expect_eq(m->layer_at[1], 9);
    cr_expect_eq(m->max_width, 3);
    fmt_mlp_free(NULL, m);
    for (size_t n = 0; n < b.len; n++) {
        m = NULL;
        cr_expect_neq(fmt_mlp_parse(b.p, n, NULL, &m, &e), 0, "%zu bytes", n);
        cr_expect_null(m);
    }
    static const struct { size_t off; uint32_t v; const char *what; } bad[] = {
        {0, 0, "task 0"}, {0, 3, "task 3"}, {4, 0, "activation 0"},
        {4, FMT_ACT_SOFTMAX, "a softmax hidden layer"}, {8, FMT_ACT_IDENTITY, "identity output"},
        {8, 6, "output 6"}, {12, 0, "no layers"}, {12, 3, "a layer more"},
        {12, 1025, "1025 layers"}, {12, 0xFFFFFFFF, "huge layer count"}, {16, 0, "no inputs"},
        {16, 1u << 24, "2^24 inputs"}, {20, 0xFFFFFF, "a huge hidden layer"},
        {24, 4, "weights short"}, {24, 1, "softmax over one class (weights off too)"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint8_t *p = malloc(b.len);
        memcpy(p, b.p, b.len);
        fr_wr32(p + bad[i].off, bad[i].v);
        m = NULL;
        cr_expect_eq(fmt_mlp_parse(p, b.len, NULL, &m, &e), FR_ECORRUPT, "%s accepted",
                     bad[i].what);
        cr_expect(strstr(e.msg, "MLP"), "%s: %s", bad[i].what, e.msg);
        cr_expect_null(m);
        free(p);
    }
    /* a regressor with a softmax output, a classifier with an identity one */
    uint8_t *p = malloc(b.len);
    memcpy(p, b.p, b.len);
    fr_wr32(p, FMT_TASK_REGRESSOR);
    cr_expect_eq(fmt_mlp_parse(p, b.len, NULL, &m, &e), FR_ECORRUPT);
    free(p);
    free(b.p);
}
