/*
 * test_centroids.c — nearest-centroid and k-means models (FORMAT.md CENTROIDS) built by hand:
 * predict against the scores written out here in scikit-learn's order (ties go to the first
 * centroid), manhattan, k-means' transform through frost_transform (distances, never the square
 * root of a negative), no probabilities, frost_model_info, and the parser on hostile bodies.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "internal.h"
#include "testutil.h"
#include "writer.h"

static frost_model *open_centroids(const char *dir, const char *name, uint32_t kind,
                                   uint32_t metric, uint32_t k, uint32_t nf, const double *cen)
{
    fmt_centroids *c = calloc(1, sizeof *c);
    *c = (fmt_centroids){.kind = kind, .metric = metric, .n_centroids = k, .n_features = nf,
                         .centroids = malloc((size_t)k * nf * sizeof(double))};
    memcpy(c->centroids, cen, (size_t)k * nf * sizeof(double));
    frost_builder *b;
    cr_assert_eq(wr_builder_new_bare(NULL, &b), 0);
    cr_assert_eq(wr_builder_set_centroids(b, c), 0, "%s", frost_builder_errmsg(b));
    const char *labels[4] = {"0", "1", "2", "3"};
    cr_assert_eq(frost_builder_set_classes(b, 0, FROST_LABEL_INT, labels, k), 0);
    uint32_t all[3] = {0, 1, 2};
    cr_assert_eq(wr_builder_add_check(b, FMT_CHECK_NAN | FMT_CHECK_INF | FMT_CHECK_ESTIMATOR,
                                      all, nf, "km (KMeans)"), 0);
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.frost", dir, name);
    cr_assert_eq(frost_builder_write(b, path), 0, "%s", frost_builder_errmsg(b));
    frost_builder_free(b);
    frost_model *m;
    cr_assert_eq(frost_open(path, NULL, &m), 0, "%s", frost_errmsg(NULL));
    return m;
}

static const double CEN[4 * 3] = {0, 0, 0, 1, 1, 1, -2, 0.5, 3, 1, 1, 1};

Test(centroids, kmeans_predict_and_transform)
{
    char *dir = tu_tmpdir();
    frost_model *m = open_centroids(dir, "km", FMT_CEN_KMEANS, FMT_CEN_EUCLIDEAN, 4, 3, CEN);
    frost_info info = {.size = sizeof info};
    cr_assert_eq(frost_model_info(m, &info), 0);
    cr_expect_eq(info.estimator, 5);
    cr_expect_eq(info.n_transform_outputs, 4);
    cr_expect(!info.has_proba);
    cr_expect_eq(info.format_minor, 3);
    /* (0.9, 1, 1.2) is nearest centroid 1; centroid 3 repeats it: the first one wins */
    const double x[3] = {0.9, 1, 1.2};
    double out[4];
    cr_assert_eq(frost_predict(m, x, 1, out), 0, "%s", frost_errmsg(m));
    cr_expect_eq(out[0], 1.0);
    cr_expect_eq(frost_predict_proba(m, x, 1, out), FROST_EINVAL);
    frost_column cols[3];
    for (int j = 0; j < 3; j++)
        cols[j] = (frost_column){.index = (uint32_t)j, .type = FROST_COLUMN_DOUBLE,
                                 .values = &x[j]};
    cr_assert_eq(frost_transform(m, cols, 3, 1, out), 0, "%s", frost_errmsg(m));
    for (int k = 0; k < 4; k++) {
        const double *c = CEN + 3 * k;
        double xx = (x[0] * x[0] + x[2] * x[2]) + x[1] * x[1]; /* numpy einsum's two lanes */
        double cc = (c[0] * c[0] + c[2] * c[2]) + c[1] * c[1];
        double d = ((-2.0 * ((0.0 + x[0] * c[0]) + x[1] * c[1] + x[2] * c[2])) + xx) + cc;
        cr_expect_eq(out[k], sqrt(d > 0 ? d : 0), "centroid %d: %.17g", k, out[k]);
    }
    /* a row on a centroid: the rounding may go below zero, the distance does not */
    cr_assert_eq(frost_transform(m, (frost_column[]){
        {.index = 0, .type = FROST_COLUMN_DOUBLE, .values = &CEN[6]},
        {.index = 1, .type = FROST_COLUMN_DOUBLE, .values = &CEN[7]},
        {.index = 2, .type = FROST_COLUMN_DOUBLE, .values = &CEN[8]}}, 3, 1, out), 0);
    cr_expect(out[2] >= 0.0 && out[2] < 1e-7, "%.17g", out[2]);
    double bad[3] = {1, INFINITY, 0};
    cr_expect_eq(frost_predict(m, bad, 1, out), FROST_ESCHEMA);
    cr_expect(strstr(frost_errmsg(m), "km (KMeans)"), "%s", frost_errmsg(m));
    frost_close(m);
    free(dir);
}

Test(centroids, nearest_euclidean_and_manhattan)
{
    char *dir = tu_tmpdir();
    frost_model *m = open_centroids(dir, "nc", FMT_CEN_NEAREST, FMT_CEN_EUCLIDEAN, 3, 3, CEN);
    frost_info info = {.size = sizeof info};
    cr_assert_eq(frost_model_info(m, &info), 0);
    cr_expect_eq(info.n_transform_outputs, 0);
    const double x[3] = {-1, 0, 2};
    double out[3];
    cr_assert_eq(frost_predict(m, x, 1, out), 0);
    cr_expect_eq(out[0], 2.0);
    frost_close(m);
    /* manhattan: |x - c| summed; (0.6, 0.6, 0.6) is 1.8 from 0 and 1.2 from 1 */
    m = open_centroids(dir, "ncm", FMT_CEN_NEAREST, FMT_CEN_MANHATTAN, 3, 3, CEN);
    const double y[3] = {0.6, 0.6, 0.6};
    cr_assert_eq(frost_predict(m, y, 1, out), 0);
    cr_expect_eq(out[0], 1.0);
    frost_column col = {.index = 0, .type = FROST_COLUMN_DOUBLE, .values = y};
    cr_expect_eq(frost_transform(m, &col, 1, 1, out), FROST_EINVAL);
    frost_close(m);
    free(dir);
}

Test(centroids, parser_refusals)
{
    fr_err e = {0};
    double v[2] = {1, 2};
    fmt_centroids src = {.kind = FMT_CEN_KMEANS, .metric = FMT_CEN_EUCLIDEAN, .n_centroids = 1,
                         .n_features = 2, .centroids = v};
    fmt_buf b = {0};
    fmt_centroids_write(&src, &b);
    fmt_centroids *c = NULL;
    cr_assert_eq(fmt_centroids_parse(b.p, b.len, NULL, &c, &e), 0, "%s", e.msg);
    cr_expect_eq(c->centroids[1], 2);
    fmt_centroids_free(NULL, c);
    for (size_t n = 0; n < b.len; n++) {
        c = NULL;
        cr_expect_neq(fmt_centroids_parse(b.p, n, NULL, &c, &e), 0, "%zu bytes", n);
        cr_expect_null(c);
    }
    static const struct { size_t off; uint32_t v; const char *what; } bad[] = {
        {0, 2, "task"}, {4, 0, "kind 0"}, {4, 3, "kind 3"}, {8, 2, "k-means manhattan"},
        {8, 0, "metric 0"}, {12, 0, "no centroids"}, {12, 2, "a centroid short"},
        {12, 0xFFFFFFFF, "huge count"}, {16, 0, "no features"}, {16, 1u << 24, "2^24 features"},
        {20, 1, "NAMES without the names"}, {20, 2, "reserved flag"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint8_t *p = malloc(b.len);
        memcpy(p, b.p, b.len);
        fr_wr32(p + bad[i].off, bad[i].v);
        c = NULL;
        cr_expect_eq(fmt_centroids_parse(p, b.len, NULL, &c, &e), FR_ECORRUPT, "%s accepted",
                     bad[i].what);
        cr_expect(strstr(e.msg, "CENTROIDS"), "%s: %s", bad[i].what, e.msg);
        free(p);
    }
    free(b.p);
}
