/*
 * test_decision.c — frost_decision_function (and its _columns form), frost_info.n_decision and
 * frost_class_kind, on models built through the builder and checked against values computed
 * here: gradient boosting's raw scores (binary: one column; multi-class: one per class), a
 * linear classifier's X·coef + intercept, a OneVsRestClassifier's members side by side (and its
 * one member for two classes); models scikit-learn gives no decision_function refuse it
 * (forests, regressors, voting, one-vs-rest over members without one); warm calls allocate
 * nothing. Parity with scikit-learn itself is tests/python/test_parity.py's.
 */
#include <criterion/criterion.h>
#include <math.h>

#include "internal.h"
#include "writer.h"
#include "testutil.h"

#define N 40 /* rows: more than the lazy path takes, so the first call loads every block */

static void rows(double *X)
{
    for (int i = 0; i < N; i++) {
        X[2 * i] = -2.0 + 0.1 * i;
        X[2 * i + 1] = 1.5 - 0.07 * i;
    }
}

static char *model_path(const char *dir, const char *name)
{
    char *path = malloc(strlen(dir) + strlen(name) + 2);
    sprintf(path, "%s/%s", dir, name);
    return path;
}

/* A stump on feature f: x_f <= thr → left value, else right value (boosting: width 1). */
static void add_stump(frost_builder *b, int64_t f, double thr, double left, double right,
                      uint32_t raw_column)
{
    int64_t l[3] = {1, -1, -1}, r[3] = {2, -1, -1}, feat[3] = {f, -2, -2};
    double t[3] = {thr, -2, -2}, v[3] = {0, left, right};
    frost_tree_arrays a = {.size = sizeof a, .node_count = 3, .children_left = l,
                           .children_right = r, .feature = feat, .threshold = t, .value = v,
                           .value_width = 1, .raw_column = raw_column};
    cr_assert_eq(frost_builder_add_tree(b, &a), 0, "%s", frost_builder_errmsg(b));
}

/* A two-class stump on x0 (x0 <= 0.5: counts (4, 3), else (1, 3)): a forest's tree. */
static void add_class_stump(frost_builder *b)
{
    int64_t l[3] = {1, -1, -1}, r[3] = {2, -1, -1}, feat[3] = {0, -2, -2};
    double t[3] = {0.5, -2, -2}, v[6] = {4, 4, 3, 1, 1, 3};
    frost_tree_arrays a = {.size = sizeof a, .node_count = 3, .children_left = l,
                           .children_right = r, .feature = feat, .threshold = t, .value = v,
                           .value_width = 2};
    cr_assert_eq(frost_builder_add_tree(b, &a), 0, "%s", frost_builder_errmsg(b));
}

/* Gradient boosting over x0, x1 with n_raw raw columns (1: binary, logistic; 3: softmax): per
 * raw column k two stumps, (x0 <= 0.25k → 1 + k, else -2) and (x1 <= 0.5 → -0.5, else 0.75k). */
static char *write_gb(const char *dir, uint32_t n_raw)
{
    uint32_t nc = n_raw == 1 ? 2 : n_raw;
    double init[3] = {-0.3, 0.2, 0.05};
    frost_model_spec spec = {.size = sizeof spec, .task = FROST_TASK_CLASSIFIER,
                             .kind = FROST_ENSEMBLE_BOOSTED, .n_features = 2, .n_outputs = 1,
                             .n_classes = &nc, .learning_rate = 0.1,
                             .link = n_raw == 1 ? FROST_LINK_LOGISTIC : FROST_LINK_SOFTMAX,
                             .n_raw = n_raw, .init_raw = init, .sign_decision = 1};
    frost_builder *b;
    cr_assert_eq(frost_builder_new(&spec, NULL, &b), 0, "%s", frost_errmsg(NULL));
    for (uint32_t k = 0; k < n_raw; k++)
        add_stump(b, 0, 0.25 * k, 1.0 + k, -2.0, k);
    for (uint32_t k = 0; k < n_raw; k++)
        add_stump(b, 1, 0.5, -0.5, 0.75 * k, k);
    const char *labels[3] = {"a", "b", "c"}, *names[2] = {"x0", "x1"};
    cr_assert_eq(frost_builder_set_classes(b, 0, FROST_LABEL_STR, labels, nc), 0);
    cr_assert_eq(frost_builder_set_feature_names(b, names), 0);
    char *path = model_path(dir, n_raw == 1 ? "gb2.frost" : "gb3.frost");
    cr_assert_eq(frost_builder_write(b, path), 0, "%s", frost_builder_errmsg(b));
    frost_builder_free(b);
    return path;
}

/* The raw scores write_gb's trees add up, in the order boosting adds them. */
static void gb_reference(uint32_t n_raw, double x0, double x1, double *raw)
{
    double init[3] = {-0.3, 0.2, 0.05};
    for (uint32_t k = 0; k < n_raw; k++)
        raw[k] = init[k];
    for (uint32_t k = 0; k < n_raw; k++)
        raw[k] += 0.1 * ((float)x0 <= (float)(0.25 * k) ? 1.0 + k : -2.0);
    for (uint32_t k = 0; k < n_raw; k++)
        raw[k] += 0.1 * ((float)x1 <= 0.5f ? -0.5 : 0.75 * k);
}

static fmt_linear *linear(uint32_t task, uint32_t rule, uint32_t n_rows, const double *coef,
                          const double *intercept)
{
    fmt_linear *l = calloc(1, sizeof *l);
    l->task = task;
    l->rule = rule;
    l->n_features = 2;
    l->n_rows = n_rows;
    l->coef = malloc(2 * n_rows * sizeof(double));
    memcpy(l->coef, coef, 2 * n_rows * sizeof(double));
    l->intercept = malloc(n_rows * sizeof(double));
    memcpy(l->intercept, intercept, n_rows * sizeof(double));
    return l;
}

static const double COEF[6] = {1.0, -1.0, 0.5, 2.0, -1.5, 0.25};
static const double ICPT[3] = {0.2, -0.1, 0.3};

static char *write_linear(const char *dir, uint32_t task, uint32_t rule, uint32_t n_rows,
                          const char *name)
{
    frost_builder *b;
    cr_assert_eq(wr_builder_new_bare(NULL, &b), 0);
    cr_assert_eq(wr_builder_set_linear(b, linear(task, rule, n_rows, COEF, ICPT)), 0, "%s",
                 frost_builder_errmsg(b));
    const char *names[2] = {"x0", "x1"}, *labels[3] = {"-1", "0", "7"};
    cr_assert_eq(frost_builder_set_feature_names(b, names), 0);
    if (task == FROST_TASK_CLASSIFIER)
        cr_assert_eq(frost_builder_set_classes(b, 0, FROST_LABEL_INT, labels,
                                               n_rows == 1 ? 2 : n_rows), 0);
    char *path = model_path(dir, name);
    cr_assert_eq(frost_builder_write(b, path), 0, "%s", frost_builder_errmsg(b));
    frost_builder_free(b);
    return path;
}

/* OneVsRestClassifier over n_members binary linear members (LinearSVC-like, decision rule), or,
 * with tree_member, its last member a forest stump (no decision_function). */
static char *write_ovr(const char *dir, uint32_t n_members, int tree_member, const char *name)
{
    uint32_t K = n_members == 1 ? 2 : n_members;
    frost_builder *b;
    cr_assert_eq(wr_builder_new_bare(NULL, &b), 0);
    cr_assert_eq(wr_builder_set_combine(b, FROST_TASK_CLASSIFIER, FMT_COMB_OVR, K, 2), 0, "%s",
                 frost_builder_errmsg(b));
    uint32_t s01[2] = {0, 1};
    for (uint32_t i = 0; i < n_members; i++) {
        if (tree_member && i == n_members - 1) {
            uint32_t nc = 2;
            frost_model_spec spec = {.size = sizeof spec, .task = FROST_TASK_CLASSIFIER,
                                     .kind = FROST_ENSEMBLE_MEAN, .n_features = 2,
                                     .n_outputs = 1, .n_classes = &nc, .normalize_leaves = 1};
            cr_assert_eq(wr_builder_add_member_trees(b, &spec, 1.0, FMT_SCORE_PROBA, s01, 2), 0,
                         "%s", frost_builder_errmsg(b));
            add_class_stump(b);
            continue;
        }
        fmt_linear *l = linear(FROST_TASK_CLASSIFIER, FMT_LIN_DECISION, 1, COEF + 2 * i,
                               ICPT + i);
        cr_assert_eq(wr_builder_add_member_linear(b, l, 1.0, FMT_SCORE_DECISION, s01, 2), 0,
                     "%s", frost_builder_errmsg(b));
    }
    const char *names[2] = {"x0", "x1"}, *labels[3] = {"False", "True", "?"};
    cr_assert_eq(frost_builder_set_feature_names(b, names), 0);
    cr_assert_eq(frost_builder_set_classes(b, 0, K == 2 ? FROST_LABEL_BOOL : FROST_LABEL_STR,
                                           labels, K), 0);
    char *path = model_path(dir, name);
    cr_assert_eq(frost_builder_write(b, path), 0, "%s", frost_builder_errmsg(b));
    frost_builder_free(b);
    return path;
}

static frost_model *open_model(const char *path, frost_info *info)
{
    frost_model *m;
    cr_assert_eq(frost_open(path, NULL, &m), 0, "%s", frost_errmsg(NULL));
    info->size = sizeof *info;
    cr_assert_eq(frost_model_info(m, info), 0);
    return m;
}

/* frost_decision_function on the matrix and on columns (by name, in the other order), for a
 * few rows (the lazy path) and for all of them. */
static void decide_both_ways(frost_model *m, const double *X, uint32_t w, double *out)
{
    double *cols_out = malloc(N * w * sizeof(double));
    double few[3 * 3];
    cr_assert_eq(frost_decision_function(m, X, 3, few), 0, "%s", frost_errmsg(m));
    cr_assert_eq(frost_decision_function(m, X, N, out), 0, "%s", frost_errmsg(m));
    for (uint32_t j = 0; j < 3 * w; j++)
        cr_expect_eq(few[j], out[j], "lazy and loaded paths agree at %u", j);
    frost_column cols[2] = {
        {.name = "x1", .type = FROST_COLUMN_DOUBLE, .values = X + 1, .stride = 2},
        {.name = "x0", .type = FROST_COLUMN_DOUBLE, .values = X, .stride = 2},
    };
    cr_assert_eq(frost_decision_function_columns(m, cols, 2, N, cols_out), 0, "%s",
                 frost_errmsg(m));
    for (uint32_t j = 0; j < N * w; j++)
        cr_expect_eq(cols_out[j], out[j], "columns and matrix agree at %u", j);
    free(cols_out);
}

Test(decision, boosting_gives_its_raw_scores)
{
    char *dir = tu_tmpdir();
    for (uint32_t n_raw = 1; n_raw <= 3; n_raw += 2) {
        char *path = write_gb(dir, n_raw);
        frost_info info;
        frost_model *m = open_model(path, &info);
        cr_expect_eq(info.n_decision, n_raw, "binary: one column (ravelled), else one per class");
        double X[2 * N], out[3 * N], pred[N], proba[3 * N];
        rows(X);
        decide_both_ways(m, X, n_raw, out);
        cr_assert_eq(frost_predict(m, X, N, pred), 0, "%s", frost_errmsg(m));
        cr_assert_eq(frost_predict_proba(m, X, N, proba), 0, "%s", frost_errmsg(m));
        for (int i = 0; i < N; i++) {
            double raw[3];
            gb_reference(n_raw, X[2 * i], X[2 * i + 1], raw);
            for (uint32_t k = 0; k < n_raw; k++)
                cr_expect_eq(out[i * n_raw + k], raw[k], "row %d raw %u: %.17g vs %.17g", i, k,
                             out[i * n_raw + k], raw[k]);
            /* predict is the decision's verdict: the sign, or the argmax */
            double want = n_raw == 1 ? (raw[0] >= 0 ? 1.0 : 0.0)
                                     : (double)rt_argmax(raw, n_raw);
            cr_expect_eq(pred[i], want, "row %d", i);
        }
        frost_close(m);
        free(path);
    }
    free(dir);
}

Test(decision, linear_classifiers_give_x_coef_plus_intercept)
{
    char *dir = tu_tmpdir();
    struct {
        uint32_t rule, n_rows;
        const char *name;
        int proba;
    } cases[] = {
        {FMT_LIN_LOGISTIC, 1, "logit.frost", 1},    /* LogisticRegression, binary */
        {FMT_LIN_BINARY_SOFTMAX, 1, "bsm.frost", 1}, /* multinomial, binary */
        {FMT_LIN_OVR, 3, "ovr.frost", 1},           /* liblinear, three classes */
        {FMT_LIN_SOFTMAX, 3, "sm.frost", 1},        /* multinomial, three classes */
        {FMT_LIN_DECISION, 1, "svc.frost", 0},      /* LinearSVC / RidgeClassifier, binary */
        {FMT_LIN_DECISION, 3, "svc3.frost", 0},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        char *path = write_linear(dir, FROST_TASK_CLASSIFIER, cases[c].rule, cases[c].n_rows,
                                  cases[c].name);
        frost_info info;
        frost_model *m = open_model(path, &info);
        uint32_t w = cases[c].n_rows;
        cr_expect_eq(info.n_decision, w, "%s", cases[c].name);
        cr_expect_eq(info.has_proba, cases[c].proba, "%s", cases[c].name);
        double X[2 * N], out[3 * N];
        rows(X);
        decide_both_ways(m, X, w, out);
        for (int i = 0; i < N; i++)
            for (uint32_t r = 0; r < w; r++) {
                double d = (0.0 + X[2 * i] * COEF[2 * r] + X[2 * i + 1] * COEF[2 * r + 1]) +
                           ICPT[r];
                cr_expect_eq(out[i * w + r], d, "%s row %d column %u", cases[c].name, i, r);
            }
        frost_close(m);
        free(path);
    }
    free(dir);
}

Test(decision, one_vs_rest_puts_its_members_side_by_side)
{
    char *dir = tu_tmpdir();
    for (uint32_t n = 1; n <= 3; n += 2) {
        char *path = write_ovr(dir, n, 0, n == 1 ? "ovr1.frost" : "ovr3.frost");
        frost_info info;
        frost_model *m = open_model(path, &info);
        cr_expect_eq(info.n_decision, n);
        cr_expect_eq(frost_class_kind(m, 0), n == 1 ? FROST_LABEL_BOOL : FROST_LABEL_STR);
        double X[2 * N], out[3 * N], pred[N];
        rows(X);
        decide_both_ways(m, X, n, out);
        cr_assert_eq(frost_predict(m, X, N, pred), 0, "%s", frost_errmsg(m));
        for (int i = 0; i < N; i++) {
            double d[3];
            for (uint32_t r = 0; r < n; r++) {
                d[r] = (0.0 + X[2 * i] * COEF[2 * r] + X[2 * i + 1] * COEF[2 * r + 1]) + ICPT[r];
                cr_expect_eq(out[i * n + r], d[r], "row %d member %u", i, r);
            }
            /* and predict agrees: the sign for one member, else the last largest decision */
            double want = d[0] > 0 ? 1.0 : 0.0;
            if (n == 3) {
                uint32_t best = 0;
                for (uint32_t r = 1; r < n; r++)
                    if (d[r] >= d[best])
                        best = r;
                want = best;
            }
            cr_expect_eq(pred[i], want, "row %d", i);
        }
        frost_close(m);
        free(path);
    }
    free(dir);
}

Test(decision, models_without_one_refuse_it)
{
    char *dir = tu_tmpdir();
    char *paths[3] = {
        write_linear(dir, FROST_TASK_REGRESSOR, FMT_LIN_IDENTITY, 1, "ridge.frost"),
        write_ovr(dir, 3, 1, "ovr_tree.frost"), /* a member with predict_proba only */
        NULL,
    };
    /* a forest: one tree averaged */
    uint32_t nc = 2;
    frost_model_spec spec = {.size = sizeof spec, .task = FROST_TASK_CLASSIFIER,
                             .kind = FROST_ENSEMBLE_MEAN, .n_features = 2, .n_outputs = 1,
                             .n_classes = &nc, .normalize_leaves = 1};
    frost_builder *b;
    cr_assert_eq(frost_builder_new(&spec, NULL, &b), 0);
    add_class_stump(b);
    const char *labels[2] = {"0.5", "2"};
    cr_assert_eq(frost_builder_set_classes(b, 0, FROST_LABEL_FLOAT, labels, 2), 0);
    paths[2] = model_path(dir, "forest.frost");
    cr_assert_eq(frost_builder_write(b, paths[2]), 0, "%s", frost_builder_errmsg(b));
    frost_builder_free(b);
    for (int k = 0; k < 3; k++) {
        frost_info info;
        frost_model *m = open_model(paths[k], &info);
        cr_expect_eq(info.n_decision, 0, "%s", paths[k]);
        double X[2 * N], out[3 * N];
        rows(X);
        cr_expect_eq(frost_decision_function(m, X, N, out), FROST_EINVAL, "%s", paths[k]);
        cr_expect(strstr(frost_errmsg(m), "no decision_function"), "%s", frost_errmsg(m));
        frost_column cols[2] = {
            {.name = "x0", .type = FROST_COLUMN_DOUBLE, .values = X, .stride = 2},
            {.name = "x1", .type = FROST_COLUMN_DOUBLE, .values = X + 1, .stride = 2},
        };
        cr_expect_eq(frost_decision_function_columns(m, cols, 2, N, out), FROST_EINVAL);
        if (k == 2) {
            cr_expect_eq(frost_class_kind(m, 0), FROST_LABEL_FLOAT);
            cr_expect_eq(frost_class_kind(m, 1), 0, "out of range");
        } else if (k == 0) {
            cr_expect_eq(frost_class_kind(m, 0), 0, "a regressor has no classes");
        }
        frost_close(m);
        free(paths[k]);
    }
    cr_expect_eq(frost_class_kind(NULL, 0), 0);
    cr_expect_eq(frost_decision_function(NULL, NULL, 0, NULL), FROST_EINVAL);
    free(dir);
}

Test(decision, warm_calls_allocate_nothing)
{
    char *dir = tu_tmpdir();
    char *paths[2] = {write_ovr(dir, 3, 0, "ovr3.frost"), write_gb(dir, 3)};
    for (int k = 0; k < 2; k++) {
        long mallocs = 0;
        frost_allocator a = TU_COUNTING_ALLOCATOR(&mallocs);
        frost_open_options o;
        frost_open_options_init(&o);
        o.alloc = &a;
        frost_model *m;
        cr_assert_eq(frost_open(paths[k], &o, &m), 0);
        double X[2 * N], out[3 * N];
        rows(X);
        cr_assert_eq(frost_decision_function(m, X, N, out), 0, "%s", frost_errmsg(m));
        long before = mallocs;
        for (int i = 0; i < 50; i++) {
            cr_assert_eq(frost_decision_function(m, X, N, out), 0);
            cr_assert_eq(frost_decision_function(m, X, 3, out), 0);
        }
        cr_expect_eq(mallocs, before, "%s: %ld allocations in 100 warm calls", paths[k],
                     mallocs - before);
        frost_close(m);
        free(paths[k]);
    }
    free(dir);
}
