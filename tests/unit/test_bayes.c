/*
 * test_bayes.c — naive Bayes classifiers (FORMAT.md BAYES) built by hand through the builder:
 * each kind's joint log-likelihood and probabilities against the formulas written out here in
 * scikit-learn's order, BernoulliNB's binarize threshold (a value equal to it is 0), ComplementNB
 * adding the prior only for one class, CategoricalNB truncating values and refusing negative and
 * unseen categories naming the row, frost_model_info, and the BAYES parser on hostile bodies.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "internal.h"
#include "testutil.h"
#include "writer.h"

static double *copy(const double *v, size_t n)
{
    double *c = malloc(n * sizeof *c);
    memcpy(c, v, n * sizeof *c);
    return c;
}

static fmt_bayes *bayes(uint32_t kind, uint32_t nf, uint32_t nc, const double *prior)
{
    fmt_bayes *nb = calloc(1, sizeof *nb);
    *nb = (fmt_bayes){.kind = kind, .n_features = nf, .n_classes = nc,
                      .prior = copy(prior, nc)};
    return nb;
}

/* Writes nb (taken) with labels c0, c1, … and opens it. */
static frost_model *open_bayes(const char *dir, const char *name, fmt_bayes *nb)
{
    frost_builder *b;
    cr_assert_eq(wr_builder_new_bare(NULL, &b), 0);
    uint32_t nc = nb->n_classes, nf = nb->n_features;
    cr_assert_eq(wr_builder_set_bayes(b, nb), 0, "%s", frost_builder_errmsg(b));
    char buf[8][8];
    const char *labels[8];
    for (uint32_t c = 0; c < nc; c++) {
        snprintf(buf[c], sizeof buf[c], "c%u", c);
        labels[c] = buf[c];
    }
    cr_assert_eq(frost_builder_set_classes(b, 0, FROST_LABEL_STR, labels, nc), 0);
    uint32_t all[8];
    for (uint32_t j = 0; j < nf; j++)
        all[j] = j;
    cr_assert_eq(wr_builder_add_check(b, FMT_CHECK_NAN | FMT_CHECK_INF | FMT_CHECK_ESTIMATOR,
                                      all, nf, "nb (NB)"), 0);
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.frost", dir, name);
    cr_assert_eq(frost_builder_write(b, path), 0, "%s", frost_builder_errmsg(b));
    frost_builder_free(b);
    frost_model *m;
    cr_assert_eq(frost_open(path, NULL, &m), 0, "%s", frost_errmsg(NULL));
    return m;
}

/* scipy's logsumexp normalisation of jll (n ≤ 8, so numpy's pairwise sum is a plain loop). */
static void expect_proba(frost_model *m, const double *x, const double *jll, uint32_t n)
{
    double mx = jll[0], s = 0.0, p[8], want_class = 0;
    for (uint32_t c = 1; c < n; c++)
        if (jll[c] > mx) {
            mx = jll[c];
            want_class = c;
        }
    for (uint32_t c = 0; c < n; c++)
        s += exp(jll[c] - mx);
    double lse = log(s) + mx;
    cr_assert_eq(frost_predict_proba(m, x, 1, p), 0, "%s", frost_errmsg(m));
    for (uint32_t c = 0; c < n; c++)
        cr_expect_eq(p[c], exp(jll[c] - lse), "class %u: %.17g != %.17g", c, p[c],
                     exp(jll[c] - lse));
    double cls;
    cr_assert_eq(frost_predict(m, x, 1, &cls), 0, "%s", frost_errmsg(m));
    cr_expect_eq(cls, want_class);
}

Test(bayes, gaussian)
{
    char *dir = tu_tmpdir();
    const double prior[2] = {0.25, 0.75}, theta[4] = {0, 1, 2, -1}, var[4] = {1, 0.5, 2, 4};
    fmt_bayes *nb = bayes(FMT_NB_GAUSSIAN, 2, 2, prior);
    nb->theta = copy(theta, 4);
    nb->var = copy(var, 4);
    frost_model *m = open_bayes(dir, "g", nb);
    frost_info info = {.size = sizeof info};
    cr_assert_eq(frost_model_info(m, &info), 0);
    cr_expect_eq(info.estimator, 4);
    cr_expect_eq(info.format_minor, 3);
    cr_expect(info.has_proba);
    cr_expect_eq(info.n_classes, 2);
    const double x[2] = {0.5, -2};
    double jll[2];
    for (int c = 0; c < 2; c++) {
        double k = -0.5 * (log(6.283185307179586 * var[2 * c]) +
                           log(6.283185307179586 * var[2 * c + 1]));
        double d0 = x[0] - theta[2 * c], d1 = x[1] - theta[2 * c + 1];
        double s = (d0 * d0) / var[2 * c] + (d1 * d1) / var[2 * c + 1];
        jll[c] = log(prior[c]) + (k - 0.5 * s);
    }
    expect_proba(m, x, jll, 2);
    double bad[2] = {NAN, 1}, out[2];
    cr_expect_eq(frost_predict(m, bad, 1, out), FROST_ESCHEMA);
    cr_expect(strstr(frost_errmsg(m), "nb (NB)"), "%s", frost_errmsg(m));
    frost_close(m);
    free(dir);
}

Test(bayes, multinomial_and_complement)
{
    char *dir = tu_tmpdir();
    const double prior[3] = {-1.0, -1.5, -0.9}, flp[9] = {-1, -2, -3, -2, -1, -0.5, -3, -3, -0.1};
    const double x[3] = {2, 0, 5};
    fmt_bayes *nb = bayes(FMT_NB_MULTINOMIAL, 3, 3, prior);
    nb->flp = copy(flp, 9);
    frost_model *m = open_bayes(dir, "m", nb);
    double jll[3];
    for (int c = 0; c < 3; c++)
        jll[c] = ((0.0 + x[0] * flp[3 * c]) + x[1] * flp[3 * c + 1]) + x[2] * flp[3 * c + 2] +
                 prior[c];
    expect_proba(m, x, jll, 3);
    frost_close(m);
    /* ComplementNB: no prior with several classes */
    nb = bayes(FMT_NB_COMPLEMENT, 3, 3, prior);
    nb->flp = copy(flp, 9);
    m = open_bayes(dir, "c", nb);
    for (int c = 0; c < 3; c++)
        jll[c] = ((0.0 + x[0] * flp[3 * c]) + x[1] * flp[3 * c + 1]) + x[2] * flp[3 * c + 2];
    expect_proba(m, x, jll, 3);
    frost_close(m);
    /* … and the prior with one class: the probability is 1 */
    nb = bayes(FMT_NB_COMPLEMENT, 3, 1, prior);
    nb->flp = copy(flp, 3);
    m = open_bayes(dir, "c1", nb);
    double p, cls;
    cr_assert_eq(frost_predict_proba(m, x, 1, &p), 0, "%s", frost_errmsg(m));
    cr_expect_eq(p, 1.0);
    cr_assert_eq(frost_predict(m, x, 1, &cls), 0);
    cr_expect_eq(cls, 0.0);
    frost_close(m);
    free(dir);
}

Test(bayes, bernoulli_binarize)
{
    char *dir = tu_tmpdir();
    const double prior[2] = {log(0.4), log(0.6)}, flp[4] = {log(0.2), log(0.9), log(0.7), log(0.3)};
    fmt_bayes *nb = bayes(FMT_NB_BERNOULLI, 2, 2, prior);
    nb->flp = copy(flp, 4);
    nb->flags = FMT_NB_BINARIZE;
    nb->threshold = 0.5;
    frost_model *m = open_bayes(dir, "b", nb);
    /* 0.5 is not above the threshold: 0; 3 is: 1 */
    const double x[2] = {0.5, 3}, xb[2] = {0, 1};
    double jll[2];
    for (int c = 0; c < 2; c++) {
        double n0 = log(1 - exp(flp[2 * c])), n1 = log(1 - exp(flp[2 * c + 1]));
        double dot = (0.0 + xb[0] * (flp[2 * c] - n0)) + xb[1] * (flp[2 * c + 1] - n1);
        jll[c] = dot + (prior[c] + (n0 + n1));
    }
    expect_proba(m, x, jll, 2);
    frost_close(m);
    free(dir);
}

Test(bayes, categorical)
{
    char *dir = tu_tmpdir();
    const double prior[2] = {log(0.5), log(0.5)};
    /* feature 0: 3 categories, feature 1: 2; tables n_classes × n_categories */
    const double t0[6] = {-0.1, -2, -3, -3, -2, -0.2}, t1[4] = {-0.5, -1, -1.2, -0.4};
    fmt_bayes *nb = bayes(FMT_NB_CATEGORICAL, 2, 2, prior);
    nb->n_categories = malloc(2 * sizeof(uint32_t));
    nb->cat_offset = malloc(2 * sizeof(uint64_t));
    nb->n_categories[0] = 3;
    nb->n_categories[1] = 2;
    nb->cat_offset[0] = 0;
    nb->cat_offset[1] = 6;
    nb->flp = malloc(10 * sizeof(double));
    memcpy(nb->flp, t0, sizeof t0);
    memcpy(nb->flp + 6, t1, sizeof t1);
    frost_model *m = open_bayes(dir, "k", nb);
    /* 2.9 is category 2, -0.5 category 0 (astype(int) truncates toward zero) */
    const double x[2] = {2.9, -0.5};
    double jll[2];
    for (int c = 0; c < 2; c++)
        jll[c] = ((0.0 + t0[3 * c + 2]) + t1[2 * c + 0]) + prior[c];
    expect_proba(m, x, jll, 2);
    double rows[6] = {0, 1, 3, 0, 1, 1}, out[3];
    cr_expect_eq(frost_predict(m, rows, 3, out), FROST_ESCHEMA);
    cr_expect_eq(frost_error_row(m), 1);
    cr_expect(strstr(frost_errmsg(m), "row 2") && strstr(frost_errmsg(m), "category 3"), "%s",
              frost_errmsg(m));
    double neg[2] = {1, -1};
    cr_expect_eq(frost_predict(m, neg, 1, out), FROST_ESCHEMA);
    cr_expect(strstr(frost_errmsg(m), "negative"), "%s", frost_errmsg(m));
    double big[2] = {1e300, 0};
    cr_expect_eq(frost_predict_proba(m, big, 1, out), FROST_ESCHEMA);
    frost_close(m);
    free(dir);
}

/* ---- the parser on hostile bodies ------------------------------------------------------------ */

static int parse(const fmt_buf *b, fmt_bayes **out, fr_err *e)
{
    return fmt_bayes_parse(b->p, b->len, NULL, out, e);
}

static void head(fmt_buf *b, uint32_t kind, uint32_t nf, uint32_t nc, uint32_t flags, double t)
{
    fmt_put_u32(b, 1);
    fmt_put_u32(b, kind);
    fmt_put_u32(b, nf);
    fmt_put_u32(b, nc);
    fmt_put_u32(b, flags);
    fmt_put_u32(b, 0);
    fmt_put_f64(b, t);
}

Test(bayes, parser_round_trip_and_refusals)
{
    fr_err e = {0};
    fmt_bayes *nb = NULL;
    const double prior[2] = {-0.5, -1};
    fmt_bayes *src = bayes(FMT_NB_CATEGORICAL, 2, 2, prior);
    uint32_t ncat[2] = {3, 1};
    uint64_t off[2] = {0, 6};
    double flp[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    src->n_categories = ncat;
    src->cat_offset = off;
    src->flp = flp;
    fmt_buf b = {0};
    fmt_bayes_write(src, &b);
    cr_assert_eq(parse(&b, &nb, &e), 0, "%s", e.msg);
    cr_expect_eq(nb->n_categories[0], 3);
    cr_expect_eq(nb->cat_offset[1], 6);
    cr_expect_eq(nb->flp[7], 8);
    cr_expect_eq(nb->prior[1], -1);
    fmt_bayes_free(NULL, nb);
    /* every truncation is refused */
    for (size_t n = 0; n < b.len; n++) {
        nb = NULL;
        cr_expect_neq(fmt_bayes_parse(b.p, n, NULL, &nb, &e), 0, "%zu of %zu bytes", n, b.len);
        cr_expect_null(nb);
    }
    free(b.p);
    free(src->prior);
    free(src);

    struct {
        const char *what;
        uint32_t kind, nf, nc, flags;
        double t;
        int extra; /* f64 values after the head */
    } bad[] = {
        {"kind 0", 0, 1, 1, 0, 0, 2},
        {"kind 6", 6, 1, 1, 0, 0, 2},
        {"no features", FMT_NB_MULTINOMIAL, 0, 1, 0, 0, 1},
        {"no classes", FMT_NB_MULTINOMIAL, 1, 0, 0, 0, 0},
        {"2^24 features", FMT_NB_MULTINOMIAL, 1u << 24, 1, 0, 0, 2},
        {"classes beyond the body", FMT_NB_MULTINOMIAL, 1, 1u << 20, 0, 0, 2},
        {"binarize on multinomial", FMT_NB_MULTINOMIAL, 1, 1, 1, 0.5, 2},
        {"NaN threshold", FMT_NB_BERNOULLI, 1, 1, 1, NAN, 2},
        {"threshold without flag", FMT_NB_BERNOULLI, 1, 1, 0, 0.5, 2},
        {"reserved flag", FMT_NB_BERNOULLI, 1, 1, 2, 0, 2},
        {"a value too many", FMT_NB_MULTINOMIAL, 1, 1, 0, 0, 3},
        {"gaussian without var", FMT_NB_GAUSSIAN, 1, 1, 0, 0, 2},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        fmt_buf h = {0};
        head(&h, bad[i].kind, bad[i].nf, bad[i].nc, bad[i].flags, bad[i].t);
        for (int k = 0; k < bad[i].extra; k++)
            fmt_put_f64(&h, -1.0);
        nb = NULL;
        cr_expect_eq(parse(&h, &nb, &e), FR_ECORRUPT, "%s accepted", bad[i].what);
        cr_expect(strstr(e.msg, "BAYES"), "%s: %s", bad[i].what, e.msg);
        free(h.p);
    }
    /* categorical: a huge category count must not allocate or overflow */
    fmt_buf h = {0};
    head(&h, FMT_NB_CATEGORICAL, 2, 1u << 20, 0, 0);
    for (uint32_t c = 0; c < 4; c++)
        fmt_put_f64(&h, 0);
    fmt_put_u32(&h, 1u << 24);
    fmt_put_u32(&h, 1u << 24);
    nb = NULL;
    cr_expect_neq(parse(&h, &nb, &e), 0);
    free(h.p);
    h = (fmt_buf){0};
    head(&h, FMT_NB_CATEGORICAL, 1, 1, 0, 0);
    fmt_put_f64(&h, 0);
    fmt_put_u32(&h, 0);
    cr_expect_eq(parse(&h, &nb, &e), FR_ECORRUPT);
    cr_expect(strstr(e.msg, "categories"), "%s", e.msg);
    free(h.p);
}
