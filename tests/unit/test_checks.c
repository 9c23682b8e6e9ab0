/*
 * test_checks.c — the input contract inside the runtime (FORMAT.md CHECKS, FEATURES kind unused):
 * values a step refuses stop the call naming the row, the column and the step; a transform skips
 * the estimator's checks; unused columns may be absent or hold anything; the float32 bound sits
 * exactly where float32 rounding overflows; malformed checks are refused when written; and each
 * thread reads the detail of its own failure on a shared model.
 */
#include <criterion/criterion.h>
#include <float.h>
#include <math.h>
#include <pthread.h>

#include "internal.h"
#include "writer.h"
#include "testutil.h"

/* inputs: id (unused), x0, x1 (numbers), color (string) →
 *   impute(x0 → 10) ; scale(x0', x1: (x - 1) / 2) ; one-hot(color: blue, red; unknown → none)
 *   → linear regression 1·a + 2·b + 3·blue + 4·red.
 * checks: the scaler refuses infinity in (x0', x1); the estimator missing values and infinity
 * in its four features. */
static char *write_pipeline(const char *dir, int with_checks)
{
    uint8_t kinds[4] = {FMT_SLOT_UNUSED, FMT_SLOT_NUM, FMT_SLOT_NUM, FMT_SLOT_STR};
    fmt_program *p = fmt_program_new(NULL, 4, kinds);
    cr_assert_not_null(p);
    fr_err e = {0};
    uint32_t x0 = 1, first_imp, first_sc, first_oh;
    double fill = 10, a[2] = {1, 1}, b[2] = {2, 2};
    fmt_op imp = {.opcode = FMT_OP_IMPUTE, .n_in = 1, .n_out = 1, .in = &x0, .a = &fill};
    cr_assert_eq(fmt_program_add(p, &imp, &first_imp, &e), 0, "%s", e.msg);
    uint32_t sc_in[2] = {first_imp, 2};
    fmt_op sc = {.opcode = FMT_OP_SCALE, .n_in = 2, .n_out = 2, .in = sc_in, .a = a, .b = b};
    cr_assert_eq(fmt_program_add(p, &sc, &first_sc, &e), 0, "%s", e.msg);
    uint32_t color = 3;
    char *cats[2] = {"blue", "red"};
    double targets[2] = {0, 1};
    fmt_op oh = {.opcode = FMT_OP_ENCODE, .n_in = 1, .n_out = 2, .in = &color,
                 .cat_kind = FMT_SLOT_STR, .n_cat = 2, .unknown = 1, .missing_cat = FMT_NONE,
                 .unknown_target = -1, .strs = cats, .targets = targets};
    cr_assert_eq(fmt_program_add(p, &oh, &first_oh, &e), 0, "%s", e.msg);
    uint32_t outs[4] = {first_sc, first_sc + 1, first_oh, first_oh + 1};
    cr_assert_eq(fmt_program_set_outputs(p, outs, 4, NULL, &e), 0, "%s", e.msg);

    frost_builder *bld;
    cr_assert_eq(wr_builder_new_bare(NULL, &bld), 0);
    fmt_linear *l = calloc(1, sizeof *l);
    l->task = FROST_TASK_REGRESSOR;
    l->rule = FMT_LIN_IDENTITY;
    l->n_features = 4;
    l->n_rows = 1;
    l->coef = malloc(4 * sizeof(double));
    l->intercept = calloc(1, sizeof(double));
    for (int j = 0; j < 4; j++)
        l->coef[j] = j + 1;
    cr_assert_eq(wr_builder_set_linear(bld, l), 0, "%s", frost_builder_errmsg(bld));
    cr_assert_eq(wr_builder_set_program(bld, p), 0, "%s", frost_builder_errmsg(bld));
    const char *names[4] = {"id", "x0", "x1", "color"};
    cr_assert_eq(frost_builder_set_feature_names(bld, names), 0);
    if (with_checks) {
        cr_assert_eq(wr_builder_add_check(bld, FMT_CHECK_INF, sc_in, 2, "pipe/scaler (S)"), 0);
        cr_assert_eq(wr_builder_add_check(bld, FMT_CHECK_NAN | FMT_CHECK_INF |
                                          FMT_CHECK_ESTIMATOR, outs, 4, "pipe/lin (L)"), 0);
    }
    char *path = malloc(strlen(dir) + 32);
    sprintf(path, "%s/pipe%d.frost", dir, with_checks);
    cr_assert_eq(frost_builder_write(bld, path), 0, "%s", frost_builder_errmsg(bld));
    frost_builder_free(bld);
    return path;
}

#define N 4

/* x0, x1, color columns (no id), rows as given */
static void columns(frost_column cols[3], const double *x0, const double *x1, frost_string *s)
{
    cols[0] = (frost_column){.name = "x0", .type = FROST_COLUMN_DOUBLE, .values = x0};
    cols[1] = (frost_column){.name = "x1", .type = FROST_COLUMN_DOUBLE, .values = x1};
    cols[2] = (frost_column){.name = "color", .type = FROST_COLUMN_STRING, .values = s};
}

Test(checks, refusals_name_row_column_and_step)
{
    char *dir = tu_tmpdir();
    char *path = write_pipeline(dir, 1);
    frost_model *m;
    cr_assert_eq(frost_open(path, NULL, &m), 0, "%s", frost_errmsg(NULL));
    cr_expect_eq(frost_input_kind_of(m, 0), FROST_INPUT_UNUSED);
    cr_expect_eq(frost_input_kind_of(m, 3), FROST_INPUT_STRING);
    frost_string s[N] = {{"blue", 4}, {"red", 3}, {NULL, 0}, {"green", 5}};
    double x0[N] = {1, NAN, 3, 5}, x1[N] = {1, 3, 5, 7}, out[N];
    frost_column cols[3];
    columns(cols, x0, x1, s);
    /* the id column is absent: unused, so that is fine; x0's NaN is imputed */
    cr_assert_eq(frost_predict_columns(m, cols, 3, N, out), 0, "%s", frost_errmsg(m));
    cr_expect_eq(out[0], 0 + 0 + 3);                 /* (1-1)/2, (1-1)/2, blue */
    cr_expect_eq(out[1], 4.5 + 2 * 1 + 4);           /* (10-1)/2 */
    cr_expect_eq(frost_error_row(m), -1);

    /* NaN in x1 passes the scaler and reaches the estimator, which refuses it */
    x1[2] = NAN;
    int rc = frost_predict_columns(m, cols, 3, N, out);
    cr_expect_eq(rc, FROST_ESCHEMA);
    cr_expect_eq(frost_error_row(m), 2);
    const char *msg = frost_errmsg(m);
    cr_expect(strstr(msg, "row 3, column 'x1' (after preprocessing): a missing value reaches "
                          "pipe/lin (L)") != NULL, "%s", msg);
    /* a transform stops before the estimator: the scaler passes NaN */
    double t[N * 4];
    cr_expect_eq(frost_transform(m, cols, 3, N, t), 0, "%s", frost_errmsg(m));
    cr_expect(isnan(t[2 * 4 + 1]));
    /* infinity is refused by the scaler already, in a transform too */
    x1[2] = 5;
    x0[3] = -INFINITY;
    cr_expect_eq(frost_transform(m, cols, 3, N, t), FROST_ESCHEMA);
    msg = frost_errmsg(m);
    cr_expect(strstr(msg, "row 4, column 'x0' (after preprocessing): -inf reaches pipe/scaler (S)")
              != NULL, "%s", msg);
    cr_expect_eq(frost_error_row(m), 3);

    /* the id column given, as strings or numbers, is never read */
    x0[3] = 5;
    frost_string ids[N] = {{"cust-00042", 10}, {"x", 1}, {NULL, 0}, {"", 0}};
    frost_column with_id[4] = {cols[0], cols[1], cols[2],
                               {.name = "id", .type = FROST_COLUMN_STRING, .values = ids}};
    double out2[N];
    cr_expect_eq(frost_predict_columns(m, with_id, 4, N, out), 0, "%s", frost_errmsg(m));
    double nan_ids[N] = {NAN, INFINITY, 1e300, 0};
    with_id[3] = (frost_column){.name = "id", .type = FROST_COLUMN_DOUBLE, .values = nan_ids};
    cr_expect_eq(frost_predict_columns(m, with_id, 4, N, out2), 0, "%s", frost_errmsg(m));
    cr_expect_eq(memcmp(out, out2, sizeof out), 0);
    frost_close(m);

    /* without CHECKS (as files before 1.2): nothing is refused */
    char *plain = write_pipeline(dir, 0);
    cr_assert_eq(frost_open(plain, NULL, &m), 0, "%s", frost_errmsg(NULL));
    x1[2] = NAN;
    cr_expect_eq(frost_predict_columns(m, cols, 3, N, out), 0, "%s", frost_errmsg(m));
    cr_expect(isnan(out[2]));
    frost_close(m);
    free(plain);
    free(path);
    free(dir);
}

/* A single tree over 2 features with the estimator check of a scikit-learn 1.2 tree. */
static char *write_tree(const char *dir, uint32_t rule)
{
    frost_model_spec spec = {.size = sizeof spec, .task = FROST_TASK_REGRESSOR,
                             .kind = FROST_ENSEMBLE_MEAN, .n_features = 2, .n_outputs = 1};
    frost_builder *b;
    cr_assert_eq(frost_builder_new(&spec, NULL, &b), 0, "%s", frost_errmsg(NULL));
    int64_t left[3] = {1, -1, -1}, right[3] = {2, -1, -1}, feat[3] = {1, -2, -2};
    double thr[3] = {0.5, -2, -2}, val[3] = {0, 10, 20};
    frost_tree_arrays t = {.size = sizeof t, .node_count = 3, .children_left = left,
                           .children_right = right, .feature = feat, .threshold = thr,
                           .value = val, .value_width = 1};
    cr_assert_eq(frost_builder_add_tree(b, &t), 0, "%s", frost_builder_errmsg(b));
    uint32_t all[2] = {0, 1};
    cr_assert_eq(wr_builder_add_check(b, rule, all, 2, "DecisionTreeRegressor"), 0);
    char *path = malloc(strlen(dir) + 32);
    sprintf(path, "%s/tree%u.frost", dir, rule);
    cr_assert_eq(frost_builder_write(b, path), 0, "%s", frost_builder_errmsg(b));
    frost_builder_free(b);
    return path;
}

Test(checks, float32_bound_is_where_rounding_overflows)
{
    char *dir = tu_tmpdir();
    char *path = write_tree(dir, FMT_CHECK_NAN | FMT_CHECK_INF | FMT_CHECK_F32 |
                                     FMT_CHECK_ESTIMATOR);
    frost_model *m;
    cr_assert_eq(frost_open(path, NULL, &m), 0, "%s", frost_errmsg(NULL));
    /* FLT_MAX and the largest double that still rounds to it pass; half an ulp above fails */
    double below = nextafter(FMT_F32_OVERFLOW, 0);
    double ok[6] = {0, FLT_MAX, 1, -below, 7, below}, out[3];
    cr_expect_eq(frost_predict(m, ok, 3, out), 0, "%s", frost_errmsg(m));
    cr_expect_eq(out[0], 20); /* x1 = FLT_MAX > 0.5: right */
    cr_expect_eq(out[1], 10);
    cr_expect_eq(out[2], 20);
    double bad[6] = {0, 0, 1, 1, 2, -FMT_F32_OVERFLOW};
    cr_expect_eq(frost_predict(m, bad, 3, out), FROST_ESCHEMA);
    cr_expect_eq(frost_error_row(m), 2);
    cr_expect(strstr(frost_errmsg(m), "row 3, column 'x1'") != NULL, "%s", frost_errmsg(m));
    cr_expect(strstr(frost_errmsg(m), "too large for float32") != NULL, "%s", frost_errmsg(m));
    double missing[2] = {NAN, 0};
    cr_expect_eq(frost_predict(m, missing, 1, out), FROST_ESCHEMA);
    cr_expect(strstr(frost_errmsg(m), "row 1, column 'x0': a missing value") != NULL, "%s",
              frost_errmsg(m));
    frost_close(m);
    free(path);
    /* a tree that routes missing values takes NaN (and still refuses infinity) */
    path = write_tree(dir, FMT_CHECK_INF | FMT_CHECK_F32 | FMT_CHECK_ESTIMATOR);
    cr_assert_eq(frost_open(path, NULL, &m), 0, "%s", frost_errmsg(NULL));
    double missing_x1[2] = {0, NAN};
    cr_expect_eq(frost_predict(m, missing_x1, 1, out), 0, "%s", frost_errmsg(m));
    cr_expect_eq(out[0], 20); /* NaN goes right */
    double inf[2] = {0, INFINITY};
    cr_expect_eq(frost_predict(m, inf, 1, out), FROST_ESCHEMA);
    frost_close(m);
    free(path);
    free(dir);
}

Test(checks, malformed_checks_are_refused_when_written)
{
    char *dir = tu_tmpdir();
    static const uint32_t rules[] = {FMT_CHECK_F32 | FMT_CHECK_NAN, 0x10 | FMT_CHECK_NAN,
                                     FMT_CHECK_ESTIMATOR};
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
        frost_model_spec spec = {.size = sizeof spec, .task = FROST_TASK_REGRESSOR,
                                 .kind = FROST_ENSEMBLE_MEAN, .n_features = 1, .n_outputs = 1};
        frost_builder *b;
        cr_assert_eq(frost_builder_new(&spec, NULL, &b), 0);
        int64_t left[1] = {-1}, right[1] = {-1}, feat[1] = {-2};
        double thr[1] = {-2}, val[1] = {1};
        frost_tree_arrays t = {.size = sizeof t, .node_count = 1, .children_left = left,
                               .children_right = right, .feature = feat, .threshold = thr,
                               .value = val, .value_width = 1};
        cr_assert_eq(frost_builder_add_tree(b, &t), 0);
        uint32_t slot = 0;
        cr_assert_eq(wr_builder_add_check(b, rules[i], &slot, 1, "T"), 0);
        char path[600];
        snprintf(path, sizeof path, "%s/bad%zu.frost", dir, i);
        cr_expect_eq(frost_builder_write(b, path), FROST_EINVAL, "rule 0x%x", rules[i]);
        cr_expect_eq(access(path, F_OK), -1);
        frost_builder_free(b);
    }
    /* a slot beyond the inputs, and an operation reading an unused column */
    fmt_check c = {.rule = FMT_CHECK_NAN, .n_slots = 1, .slots = (uint32_t[]){5}, .who = "T"};
    fr_err e = {0};
    cr_expect_eq(fmt_check_validate(&c, 0, 5, NULL, 1, &e), FROST_ECORRUPT);
    uint8_t kinds[2] = {FMT_SLOT_UNUSED, FMT_SLOT_STR};
    c.slots[0] = 0;
    cr_expect_eq(fmt_check_validate(&c, 0, 2, kinds, 1, &e), FROST_ECORRUPT);
    c.slots[0] = 1;
    cr_expect_eq(fmt_check_validate(&c, 0, 2, kinds, 1, &e), 0, "%s", e.msg);
    c.rule = FMT_CHECK_INF;
    cr_expect_eq(fmt_check_validate(&c, 0, 2, kinds, 1, &e), FROST_ECORRUPT);
    fmt_program *p = fmt_program_new(NULL, 2, kinds);
    uint32_t in = 0, first;
    double fill = 0;
    fmt_op imp = {.opcode = FMT_OP_IMPUTE, .n_in = 1, .n_out = 1, .in = &in, .a = &fill};
    cr_expect_eq(fmt_program_add(p, &imp, &first, &e), FROST_ECORRUPT);
    cr_expect(strstr(e.msg, "unused") != NULL, "%s", e.msg);
    fmt_program_free(p);
    free(dir);
}

/* Two threads fail on the same model at once, on different rows: each reads its own. */
typedef struct racer {
    frost_model *m;
    int row;
    int wrong;
} racer;

static void *race(void *arg)
{
    racer *r = arg;
    double X[8] = {0, 0, 0, 0, 0, 0, 0, 0}, out[4];
    X[2 * r->row] = NAN;
    for (int i = 0; i < 2000; i++) {
        if (frost_predict(r->m, X, 4, out) != FROST_ESCHEMA ||
            frost_error_row(r->m) != r->row)
            r->wrong++;
        char want[32];
        snprintf(want, sizeof want, "row %d,", r->row + 1);
        if (strncmp(frost_errmsg(r->m), want, strlen(want)) != 0)
            r->wrong++;
    }
    return NULL;
}

Test(checks, each_thread_reads_its_own_failure)
{
    char *dir = tu_tmpdir();
    char *path = write_tree(dir, FMT_CHECK_NAN | FMT_CHECK_INF | FMT_CHECK_F32);
    frost_model *m;
    cr_assert_eq(frost_open(path, NULL, &m), 0, "%s", frost_errmsg(NULL));
    racer r[2] = {{m, 1, 0}, {m, 3, 0}};
    pthread_t th[2];
    for (int i = 0; i < 2; i++)
        pthread_create(&th[i], NULL, race, &r[i]);
    for (int i = 0; i < 2; i++)
        pthread_join(th[i], NULL);
    cr_expect_eq(r[0].wrong + r[1].wrong, 0);
    frost_close(m);
    free(path);
    free(dir);
}
