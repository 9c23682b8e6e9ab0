/*
 * test_target.c — format 1.3's PROGRAM opcode UFUNC and TARGET section (a
 * TransformedTargetRegressor's inverse transform), built by hand through the importer's
 * internal builder API: every function against the C library, NaN and out-of-domain values, the
 * minor version written, the rules the builder and the parser share, and hostile TARGET bodies.
 */
#include <criterion/criterion.h>
#include <math.h>

#include "bytes.h"
#include "internal.h"
#include "writer.h"
#include "testutil.h"

/* x0, x1 → log1p(x0), reciprocal(x1), then a linear regressor 2·u + 1·v + 0.5 whose
 * predictions go through the TARGET steps: y·3 − 1, then exp. */
static char *write_model(const char *dir, int with_target, uint32_t *minor)
{
    fmt_program *p = fmt_program_new(NULL, 2, NULL);
    cr_assert_not_null(p);
    fr_err e = {0};
    uint32_t x0 = 0, x1 = 1, f0, f1;
    fmt_op a = {.opcode = FMT_OP_UFUNC, .n_in = 1, .n_out = 1, .in = &x0,
                .ufunc = FMT_UF_LOG1P};
    cr_assert_eq(fmt_program_add(p, &a, &f0, &e), 0, "%s", e.msg);
    fmt_op b = {.opcode = FMT_OP_UFUNC, .n_in = 1, .n_out = 1, .in = &x1,
                .ufunc = FMT_UF_RECIPROCAL};
    cr_assert_eq(fmt_program_add(p, &b, &f1, &e), 0, "%s", e.msg);
    uint32_t outs[2] = {f0, f1};
    cr_assert_eq(fmt_program_set_outputs(p, outs, 2, NULL, &e), 0, "%s", e.msg);
    frost_builder *bld;
    cr_assert_eq(wr_builder_new_bare(NULL, &bld), 0);
    fmt_linear *l = calloc(1, sizeof *l);
    l->task = FROST_TASK_REGRESSOR;
    l->rule = FMT_LIN_IDENTITY;
    l->n_features = 2;
    l->n_rows = 1;
    l->coef = malloc(2 * sizeof(double));
    l->intercept = malloc(sizeof(double));
    l->coef[0] = 2;
    l->coef[1] = 1;
    l->intercept[0] = 0.5;
    cr_assert_eq(wr_builder_set_linear(bld, l), 0, "%s", frost_builder_errmsg(bld));
    cr_assert_eq(wr_builder_set_program(bld, p), 0, "%s", frost_builder_errmsg(bld));
    if (with_target) {
        fmt_target *t = calloc(1, sizeof *t);
        t->n_targets = 1;
        t->n_steps = 2;
        t->steps = calloc(2, sizeof *t->steps);
        t->steps[0].kind = FMT_TGT_AFFINE;
        t->steps[0].a = malloc(sizeof(double));
        t->steps[0].b = malloc(sizeof(double));
        t->steps[0].a[0] = 3;
        t->steps[0].b[0] = -1;
        t->steps[1].kind = FMT_TGT_UFUNC;
        t->steps[1].ufunc = FMT_UF_EXP;
        cr_assert_eq(wr_builder_set_target(bld, t), 0, "%s", frost_builder_errmsg(bld));
    }
    char *path = malloc(strlen(dir) + 32);
    sprintf(path, "%s/target%d.frost", dir, with_target);
    cr_assert_eq(frost_builder_write(bld, path), 0, "%s", frost_builder_errmsg(bld));
    frost_builder_free(bld);
    size_t len;
    unsigned char *buf = tu_read_file(path, &len);
    cr_assert(buf && len > 12);
    *minor = buf[10] | (uint32_t)buf[11] << 8;
    free(buf);
    return path;
}

Test(target, ufunc_program_and_target_steps)
{
    char *dir = tu_tmpdir();
    for (int with_target = 0; with_target < 2; with_target++) {
        uint32_t minor;
        char *path = write_model(dir, with_target, &minor);
        cr_expect_eq(minor, 3, "UFUNC makes the file format 1.3");
        frost_model *m;
        cr_assert_eq(frost_open(path, NULL, &m), 0);
        enum { N = 7 };
        double X[2 * N] = {0.5, 2, NAN, 4, -1, 0.25, -2, 1, 3, 0, 0, -0.0, 1e-300, 1e300};
        double out[N];
        cr_assert_eq(frost_predict(m, X, N, out), 0, "%s", frost_errmsg(m));
        for (int i = 0; i < N; i++) {
            double y = 2 * log1p(X[2 * i]) + 1 / X[2 * i + 1] + 0.5;
            if (with_target)
                y = exp(y * 3 + -1);
            if (isnan(y))
                cr_expect(isnan(out[i]), "row %d: %g, want NaN", i, out[i]);
            else
                cr_expect(out[i] == y, "row %d: %.17g, want %.17g", i, out[i], y);
        }
        frost_close(m);
        free(path);
    }
    free(dir);
}

Test(target, every_function_matches_the_c_library)
{
    static const double xs[] = {0.5, 2, -1, -0.5, 0, -0.0, INFINITY, -INFINITY, 800, NAN};
    for (uint32_t f = 1; f <= FMT_UF_MAX; f++)
        for (size_t i = 0; i < sizeof xs / sizeof xs[0]; i++) {
            double x = xs[i], want;
            switch (f) {
            case FMT_UF_LOG: want = log(x); break;
            case FMT_UF_LOG1P: want = log1p(x); break;
            case FMT_UF_EXP: want = exp(x); break;
            case FMT_UF_EXPM1: want = expm1(x); break;
            case FMT_UF_SQRT: want = sqrt(x); break;
            case FMT_UF_SQUARE: want = x * x; break;
            case FMT_UF_ABS: want = fabs(x); break;
            default: want = 1.0 / x; break;
            }
            double got = rt_ufunc(f, x);
            cr_expect(memcmp(&got, &want, sizeof got) == 0 || (isnan(got) && isnan(want)),
                      "function %u of %g: %g, want %g", f, x, got, want);
        }
}

Test(target, builder_refuses_what_the_format_forbids)
{
    uint8_t kinds[2] = {FMT_SLOT_NUM, FMT_SLOT_STR};
    fmt_program *p = fmt_program_new(NULL, 2, kinds);
    fr_err e = {0};
    uint32_t x0 = 0, s = 1, two[2] = {0, 0}, first;
    fmt_op op = {.opcode = FMT_OP_UFUNC, .n_in = 1, .n_out = 1, .in = &x0, .ufunc = 0};
    cr_expect_neq(fmt_program_add(p, &op, &first, &e), 0, "function 0");
    op.ufunc = FMT_UF_MAX + 1;
    cr_expect_neq(fmt_program_add(p, &op, &first, &e), 0, "function 9");
    op.ufunc = FMT_UF_EXP;
    op.in = &s;
    cr_expect_neq(fmt_program_add(p, &op, &first, &e), 0, "a string input");
    op.in = two;
    op.n_in = 2;
    cr_expect_neq(fmt_program_add(p, &op, &first, &e), 0, "2 inputs for 1 output");
    op.n_out = 2;
    cr_expect_eq(fmt_program_add(p, &op, &first, &e), 0, "%s", e.msg);
    cr_expect_eq(fmt_program_minor(p), 3);
    fmt_program_free(p);

    /* a target transform: at least one step, known kinds, on a regressor of its width */
    frost_builder *bld;
    cr_assert_eq(wr_builder_new_bare(NULL, &bld), 0);
    fmt_target none = {.n_targets = 1, .n_steps = 0};
    cr_expect_neq(wr_builder_set_target(bld, &none), 0);
    fmt_target_step bad = {.kind = 3};
    fmt_target odd = {.n_targets = 1, .n_steps = 1, .steps = &bad};
    cr_expect_neq(wr_builder_set_target(bld, &odd), 0);
    frost_builder_free(bld);

    cr_assert_eq(wr_builder_new_bare(NULL, &bld), 0);
    fmt_linear *l = calloc(1, sizeof *l);
    *l = (fmt_linear){.task = FROST_TASK_CLASSIFIER, .rule = FMT_LIN_LOGISTIC, .n_features = 1,
                      .n_rows = 1, .coef = calloc(1, sizeof(double)),
                      .intercept = calloc(1, sizeof(double))};
    cr_assert_eq(wr_builder_set_linear(bld, l), 0);
    const char *labels[2] = {"a", "b"};
    cr_assert_eq(frost_builder_set_classes(bld, 0, FROST_LABEL_STR, labels, 2), 0);
    fmt_target *t = calloc(1, sizeof *t);
    t->n_targets = 1;
    t->n_steps = 1;
    t->steps = calloc(1, sizeof *t->steps);
    t->steps[0] = (fmt_target_step){.kind = FMT_TGT_UFUNC, .ufunc = FMT_UF_EXP};
    cr_assert_eq(wr_builder_set_target(bld, t), 0);
    char *dir = tu_tmpdir();
    char path[600];
    snprintf(path, sizeof path, "%s/clf.frost", dir);
    cr_expect_eq(frost_builder_write(bld, path), FROST_EINVAL, "a target on a classifier");
    cr_expect(strstr(frost_builder_errmsg(bld), "regressor"), "%s", frost_builder_errmsg(bld));
    frost_builder_free(bld);
    free(dir);
}

/* TARGET bodies a hostile file may hold: each refused, none read past its end. */
Test(target, parser_refuses_damaged_bodies)
{
    struct { const char *what; uint32_t words[8]; size_t n; } cases[] = {
        {"empty", {0}, 0},
        {"no steps", {1, 0}, 2},
        {"17 steps", {1, 17, 2, 1}, 4},
        {"0 targets", {0, 1, 2, 1}, 4},
        {"2^20 + 1 targets", {(1u << 20) + 1, 1, 2, 1}, 4},
        {"unknown kind", {1, 1, 9, 1}, 4},
        {"function 0", {1, 1, 2, 0}, 4},
        {"function 9", {1, 1, 2, 9}, 4},
        {"truncated function", {1, 1, 2}, 3},
        {"affine without its values", {1, 1, 1}, 3},
        {"huge affine", {0xFFFFF, 1, 1, 0}, 4},
        {"trailing bytes", {1, 1, 2, 3, 0}, 5},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t body[32];
        for (size_t w = 0; w < cases[i].n; w++)
            memcpy(body + 4 * w, &cases[i].words[w], 4);
        fmt_target *t = NULL;
        fr_err e = {0};
        int rc = fmt_target_parse(body, 4 * cases[i].n, NULL, &t, &e);
        cr_expect_eq(rc, FR_ECORRUPT, "%s: %d (%s)", cases[i].what, rc, e.msg);
        cr_expect_null(t, "%s", cases[i].what);
    }
    /* and a good one reads back what was written */
    double a[2] = {2, -1}, b[2] = {0.5, NAN};
    fmt_target_step st[2] = {{.kind = FMT_TGT_AFFINE, .a = a, .b = b},
                             {.kind = FMT_TGT_UFUNC, .ufunc = FMT_UF_SQRT}};
    fmt_target t = {.n_targets = 2, .n_steps = 2, .steps = st};
    fmt_buf buf = {0};
    fmt_target_write(&t, &buf);
    cr_assert(!buf.oom);
    fmt_target *back = NULL;
    fr_err e = {0};
    cr_assert_eq(fmt_target_parse(buf.p, buf.len, NULL, &back, &e), 0, "%s", e.msg);
    cr_expect_eq(back->n_targets, 2);
    cr_expect_eq(back->steps[0].a[1], -1);
    cr_expect(isnan(back->steps[0].b[1]));
    cr_expect_eq(back->steps[1].ufunc, FMT_UF_SQRT);
    fmt_target_free(NULL, back);
    free(buf.p);
}

/* PROJECT: (x - center) · wᵀ, the products added in order; its size bounded. */
Test(target, project_operation)
{
    fmt_program *p = fmt_program_new(NULL, 3, NULL);
    fr_err e = {0};
    uint32_t in[3] = {0, 1, 2}, first;
    double center[3] = {1, -2, 0.5}, w[6] = {0.25, -1, 3, 1e-3, 0, -0.5};
    fmt_op op = {.opcode = FMT_OP_PROJECT, .n_in = 3, .n_out = 2, .in = in, .a = center,
                 .w = w};
    cr_assert_eq(fmt_program_add(p, &op, &first, &e), 0, "%s", e.msg);
    cr_expect_eq(fmt_program_minor(p), 3);
    fmt_op big = op;
    big.n_out = 1u << 23; /* 3 × 2^23 weights: beyond FMT_MAX_PROJECT (2^24) */
    cr_expect_eq(fmt_program_add(p, &big, NULL, &e), FR_ELIMIT);
    fmt_op nowt = op;
    nowt.w = NULL;
    cr_expect_neq(fmt_program_add(p, &nowt, NULL, &e), 0, "weights missing");
    uint32_t outs[2] = {first, first + 1};
    cr_assert_eq(fmt_program_set_outputs(p, outs, 2, NULL, &e), 0, "%s", e.msg);
    frost_builder *bld;
    cr_assert_eq(wr_builder_new_bare(NULL, &bld), 0);
    cr_assert_eq(wr_builder_set_program(bld, p), 0, "%s", frost_builder_errmsg(bld));
    char *dir = tu_tmpdir();
    char path[600];
    snprintf(path, sizeof path, "%s/project.frost", dir);
    cr_assert_eq(frost_builder_write(bld, path), 0, "%s", frost_builder_errmsg(bld));
    frost_builder_free(bld);
    frost_model *m;
    cr_assert_eq(frost_open(path, NULL, &m), 0);
    double x[2][3] = {{2, 3, -1}, {NAN, 0, 0}};
    frost_column cols[3];
    double col[3][2];
    for (int j = 0; j < 3; j++) {
        col[j][0] = x[0][j];
        col[j][1] = x[1][j];
        cols[j] = (frost_column){.index = (uint32_t)j, .type = FROST_COLUMN_DOUBLE,
                                 .values = col[j]}; /* positional: the file names none */
    }
    double out[4];
    cr_assert_eq(frost_transform(m, cols, 3, 2, out), 0, "%s", frost_errmsg(m));
    for (int k = 0; k < 2; k++) {
        double v = 0.0;
        for (int j = 0; j < 3; j++)
            v += (x[0][j] - center[j]) * w[k * 3 + j];
        cr_expect(out[k] == v, "output %d: %.17g, want %.17g", k, out[k], v);
        cr_expect(isnan(out[2 + k]), "a NaN input gives NaN");
    }
    frost_close(m);
    free(dir);
}
