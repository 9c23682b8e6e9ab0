/*
 * test_wide.c — format 1.3 through the public builder and scoring API: wide splits compare
 * float64 inputs with float64 thresholds; categorical splits read a value as scikit-learn's
 * x86-64 <uint8_t> cast does (FORMAT.md "Wide comparisons"); the links EXP and SOFTMAX_NORM and
 * PROBA_ARGMAX; ISOLATION's score_samples, decision and labels. Each is checked against a
 * reference written from FORMAT.md, through the lazy walker (a few rows on a cold model), the
 * batch walkers (many rows) and every I/O mode; and the builder's refusals of what the format
 * forbids.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frost.h"
#include "internal.h"
#include "testutil.h"

static const frost_io_mode modes[] = {FROST_IO_PREAD, FROST_IO_MMAP, FROST_IO_AUTO};

/* A tree given as scikit-learn arrays, with room for categorical splits. */
typedef struct wtree {
    uint64_t n;
    int64_t left[64], right[64], feature[64];
    double threshold[64], value[64];
    uint8_t nan_left[64], is_cat[64];
    uint32_t sets[64 * 8];
} wtree;

/* One split (feature f, threshold t or category set) over two leaves valued lv, rv. */
static void one_split(wtree *w, int64_t f, double t, int cat, const uint32_t set[8], int nan_left,
                      double lv, double rv)
{
    memset(w, 0, sizeof *w);
    w->n = 3;
    w->left[0] = 1;
    w->right[0] = 2;
    w->feature[0] = f;
    w->threshold[0] = t;
    w->nan_left[0] = (uint8_t)nan_left;
    w->is_cat[0] = (uint8_t)cat;
    if (cat)
        memcpy(w->sets, set, 8 * sizeof *set);
    for (int i = 1; i < 3; i++) {
        w->left[i] = w->right[i] = -1;
        w->feature[i] = -2;
    }
    w->value[1] = lv;
    w->value[2] = rv;
}

static int add(frost_builder *b, const wtree *w, uint32_t column)
{
    frost_tree_arrays a = {.size = sizeof a, .node_count = w->n, .children_left = w->left,
                           .children_right = w->right, .feature = w->feature,
                           .threshold = w->threshold, .missing_go_to_left = w->nan_left,
                           .value = w->value, .value_width = 1, .raw_column = column,
                           .is_categorical = w->is_cat, .categories_left = w->sets};
    return frost_builder_add_tree(b, &a);
}

/* Writes b to dir/name and frees it; the path, malloc'd. */
static char *write_out(frost_builder *b, const char *dir, const char *name)
{
    char *path = malloc(strlen(dir) + strlen(name) + 2);
    sprintf(path, "%s/%s", dir, name);
    cr_assert_eq(frost_builder_write(b, path), 0, "%s", frost_builder_errmsg(b));
    frost_builder_free(b);
    return path;
}

/* A boosted regressor of trees (learning rate 1, init 0) written to dir/name. */
static char *write_boosted(const char *dir, const char *name, const wtree *trees, uint32_t n,
                           uint32_t n_features, frost_link link)
{
    double init = 0.0;
    frost_model_spec spec = {.size = sizeof spec, .task = FROST_TASK_REGRESSOR,
                             .kind = FROST_ENSEMBLE_BOOSTED, .n_features = n_features,
                             .n_outputs = 1, .learning_rate = 1.0, .link = link, .n_raw = 1,
                             .init_raw = &init, .exact_thresholds = 1};
    frost_builder *b;
    cr_assert_eq(frost_builder_new(&spec, NULL, &b), 0, "%s", frost_errmsg(NULL));
    for (uint32_t t = 0; t < n; t++)
        cr_assert_eq(add(b, &trees[t], 0), 0, "%s", frost_builder_errmsg(b));
    return write_out(b, dir, name);
}

/* Predictions of X (n rows) in a mode: one call for all the rows (the batch walkers when n is
 * at least 8, on a model loaded whole) and, on a fresh open, one call per row (the lazy one). */
static void predict_both(const char *path, frost_io_mode mode, const double *X, size_t n,
                         uint32_t nf, double *batch, double *lazy)
{
    frost_open_options o;
    frost_open_options_init(&o);
    o.io = mode;
    frost_model *m;
    cr_assert_eq(frost_open(path, &o, &m), 0, "%s", frost_errmsg(NULL));
    for (size_t r = 0; r < n; r++)
        cr_assert_eq(frost_predict(m, X + r * nf, 1, lazy + r), 0, "%s", frost_errmsg(m));
    frost_close(m);
    cr_assert_eq(frost_open(path, &o, &m), 0, "%s", frost_errmsg(NULL));
    cr_assert_eq(frost_predict(m, X, n, batch), 0, "%s", frost_errmsg(m));
    frost_close(m);
}

Test(wide, thresholds_compare_float64_inputs)
{
    char *dir = tu_tmpdir();
    /* 0.1 is no float32: a float32 walker would send 0.1 and its float64 neighbours alike */
    const double t = 0.1;
    wtree w[2];
    one_split(&w[0], 0, t, 0, NULL, 1, -1.0, 1.0);
    one_split(&w[1], 1, -t, 0, NULL, 0, 10.0, 20.0);
    char *path = write_boosted(dir, "wide.frost", w, 2, 2, FROST_LINK_IDENTITY);
    double probes[] = {t, nextafter(t, 1), nextafter(t, -1), (double)(float)t, -t,
                       nextafter(-t, 1), nextafter(-t, -1), NAN, INFINITY, -INFINITY, 0.0, -0.0,
                       1e300, -1e300, 5e-324};
    size_t np = sizeof probes / sizeof probes[0], n = np * np;
    double *X = malloc(n * 2 * sizeof *X), *batch = malloc(n * sizeof *batch);
    double *lazy = malloc(n * sizeof *lazy);
    for (size_t i = 0; i < np; i++)
        for (size_t j = 0; j < np; j++) {
            X[(i * np + j) * 2] = probes[i];
            X[(i * np + j) * 2 + 1] = probes[j];
        }
    for (size_t k = 0; k < sizeof modes / sizeof modes[0]; k++) {
        predict_both(path, modes[k], X, n, 2, batch, lazy);
        for (size_t r = 0; r < n; r++) {
            double a = X[r * 2], b = X[r * 2 + 1];
            double want = 0.0 + (isnan(a) || a <= t ? -1.0 : 1.0);
            want += isnan(b) ? 20.0 : b <= -t ? 10.0 : 20.0; /* NaN right: no NaN-left flag */
            cr_assert_eq(batch[r], want, "row (%a, %a): batch %g, want %g", a, b, batch[r], want);
            cr_assert_eq(lazy[r], want, "row (%a, %a): lazy %g, want %g", a, b, lazy[r], want);
        }
    }
    free(X);
    free(batch);
    free(lazy);
    free(path);
    free(dir);
}

/* FORMAT.md "Wide comparisons": the category of x, or -1 when it goes as a missing value. */
static int category_of(double x)
{
    if (isnan(x) || x < 0)
        return -1;
    return x < 2147483648.0 ? (int)((uint32_t)x & 255u) : 0;
}

Test(wide, categories_are_read_as_scikit_learn_casts_them)
{
    char *dir = tu_tmpdir();
    uint32_t set[8] = {0};
    for (int c = 0; c < 256; c++)
        if (c % 3 == 0 || c == 44 || c == 255)
            set[c / 32] |= 1u << (c % 32);
    wtree w[2];
    one_split(&w[0], 1, 0.0, 1, set, 1, 1.0, 2.0);   /* missing goes left */
    one_split(&w[1], 0, 0.0, 1, set, 0, 10.0, 20.0); /* missing goes right */
    char *path = write_boosted(dir, "cat.frost", w, 2, 2, FROST_LINK_IDENTITY);
    double odd[] = {-0.0, -0.5, -1e-300, -1.0, -INFINITY, NAN, 2.5, 2.9999999, 3.0, 255.0,
                    255.75, 256.0, 300.0, 2147483647.0, 2147483648.0, 2147483649.0,
                    4294967299.0, 1e19, 1e300, INFINITY, 44.0, 44.999, 45.0, 556.0};
    size_t n_odd = sizeof odd / sizeof odd[0], n = 300 + n_odd;
    double *X = malloc(n * 2 * sizeof *X), *batch = malloc(n * sizeof *batch);
    double *lazy = malloc(n * sizeof *lazy);
    for (size_t r = 0; r < n; r++) {
        double v = r < 300 ? (double)r : odd[r - 300];
        X[r * 2] = v;
        X[r * 2 + 1] = v;
    }
    for (size_t k = 0; k < sizeof modes / sizeof modes[0]; k++) {
        predict_both(path, modes[k], X, n, 2, batch, lazy);
        for (size_t r = 0; r < n; r++) {
            int c = category_of(X[r * 2]);
            int in = c >= 0 && ((set[c / 32] >> (c % 32)) & 1u);
            double want = 0.0 + (c < 0 || in ? 1.0 : 2.0);
            want += c >= 0 && in ? 10.0 : 20.0;
            cr_assert_eq(batch[r], want, "x = %a: batch %g, want %g", X[r * 2], batch[r], want);
            cr_assert_eq(lazy[r], want, "x = %a: lazy %g, want %g", X[r * 2], lazy[r], want);
        }
    }
    free(X);
    free(batch);
    free(lazy);
    free(path);
    free(dir);
}

Test(wide, link_exp)
{
    char *dir = tu_tmpdir();
    wtree w[1];
    one_split(&w[0], 0, 0.5, 0, NULL, 0, -2.25, 3.5);
    char *path = write_boosted(dir, "exp.frost", w, 1, 1, FROST_LINK_EXP);
    double X[2] = {0.0, 1.0}, out[2], lazy[2];
    predict_both(path, FROST_IO_PREAD, X, 2, 1, out, lazy);
    cr_assert_eq(out[0], exp(-2.25));
    cr_assert_eq(out[1], exp(3.5));
    cr_assert_eq(lazy[1], exp(3.5));
    free(path);
    free(dir);
}

/* A 3-class boosted classifier whose single-leaf trees give raw scores r (one per class). */
static char *write_raw3(const char *dir, const char *name, const double r[3], frost_link link,
                        int proba_argmax)
{
    static const uint32_t n_classes[1] = {3};
    double init[3] = {0.0, 0.0, 0.0};
    frost_model_spec spec = {.size = sizeof spec, .task = FROST_TASK_CLASSIFIER,
                             .kind = FROST_ENSEMBLE_BOOSTED, .n_features = 1, .n_outputs = 1,
                             .n_classes = n_classes, .learning_rate = 1.0, .link = link,
                             .n_raw = 3, .init_raw = init, .exact_thresholds = 1,
                             .proba_argmax = proba_argmax};
    frost_builder *b;
    cr_assert_eq(frost_builder_new(&spec, NULL, &b), 0, "%s", frost_errmsg(NULL));
    for (uint32_t k = 0; k < 3; k++) {
        wtree w = {.n = 1, .left = {-1}, .right = {-1}, .feature = {-2}, .value = {r[k]}};
        cr_assert_eq(add(b, &w, k), 0, "%s", frost_builder_errmsg(b));
    }
    static const char *const labels[3] = {"a", "b", "c"};
    cr_assert_eq(frost_builder_set_classes(b, 0, FROST_LABEL_STR, labels, 3), 0);
    return write_out(b, dir, name);
}

Test(wide, softmax_norm_and_proba_argmax)
{
    char *dir = tu_tmpdir();
    /* class 1's raw score is 2^-60 above class 0's: exp of the difference rounds to 1 (below
     * half an ulp of 1), the probabilities tie, and argmax(predict_proba) — HistGradientBoosting's
     * predict — is class 0 where the argmax of the raw scores is class 1 */
    double r[3] = {0.0, 0x1p-60, -5.0};
    char *pa = write_raw3(dir, "pa.frost", r, FROST_LINK_SOFTMAX_NORM, 1);
    char *ra = write_raw3(dir, "ra.frost", r, FROST_LINK_SOFTMAX_NORM, 0);
    double x = 0.0, cls, p[3];
    frost_model *m;
    cr_assert_eq(frost_open(pa, NULL, &m), 0);
    cr_assert_eq(frost_predict(m, &x, 1, &cls), 0);
    cr_assert_eq(cls, 0.0, "PROBA_ARGMAX: class %g", cls);
    cr_assert_eq(frost_predict_proba(m, &x, 1, p), 0);
    /* extmath.softmax: exp(r - max) over their (pairwise, here in-order) sum */
    double e[3] = {exp(r[0] - r[1]), exp(0.0), exp(r[2] - r[1])};
    double s = e[0] + e[1] + e[2];
    for (int k = 0; k < 3; k++)
        cr_assert_eq(p[k], e[k] / s, "p[%d] = %a, want %a", k, p[k], e[k] / s);
    cr_assert_eq(p[0], p[1]);
    frost_close(m);
    cr_assert_eq(frost_open(ra, NULL, &m), 0);
    cr_assert_eq(frost_predict(m, &x, 1, &cls), 0);
    cr_assert_eq(cls, 1.0, "argmax of the raw scores: class %g", cls);
    frost_close(m);
    free(pa);
    free(ra);
    free(dir);
}

/* An isolation forest of two one-split trees (leaves: path lengths) over 2 features. */
static char *write_isolation(const char *dir, const char *name, double path_norm, double offset)
{
    static const uint32_t two[1] = {2};
    frost_model_spec spec = {.size = sizeof spec, .task = FROST_TASK_CLASSIFIER,
                             .kind = FROST_ENSEMBLE_ISOLATION, .n_features = 2, .n_outputs = 1,
                             .n_classes = two, .path_norm = path_norm, .offset = offset};
    frost_builder *b;
    cr_assert_eq(frost_builder_new(&spec, NULL, &b), 0, "%s", frost_errmsg(NULL));
    wtree w[2];
    one_split(&w[0], 0, 0.5, 0, NULL, 0, 2.0, 7.3);
    one_split(&w[1], 1, -1.0, 0, NULL, 0, 1.5, 4.25);
    memset(w[0].is_cat, 0, sizeof w[0].is_cat);
    for (int t = 0; t < 2; t++) {
        frost_tree_arrays a = {.size = sizeof a, .node_count = w[t].n,
                               .children_left = w[t].left, .children_right = w[t].right,
                               .feature = w[t].feature, .threshold = w[t].threshold,
                               .value = w[t].value, .value_width = 1};
        cr_assert_eq(frost_builder_add_tree(b, &a), 0, "%s", frost_builder_errmsg(b));
    }
    static const char *const labels[2] = {"-1", "1"};
    cr_assert_eq(frost_builder_set_classes(b, 0, FROST_LABEL_INT, labels, 2), 0);
    return write_out(b, dir, name);
}

Test(wide, isolation_scores_decisions_and_labels)
{
    char *dir = tu_tmpdir();
    const double norm = 6.0, offset = -0.45;
    char *path = write_isolation(dir, "iso.frost", norm, offset);
    double X[4 * 2] = {0.0, -2.0, 0.0, 0.0, 1.0, -2.0, 1.0, 0.0};
    double leaves0[2] = {2.0, 7.3}, leaves1[2] = {1.5, 4.25};
    frost_model *m;
    cr_assert_eq(frost_open(path, NULL, &m), 0);
    frost_info info = {.size = sizeof info};
    cr_assert_eq(frost_model_info(m, &info), 0);
    cr_assert(info.has_score_samples);
    cr_assert(!info.has_proba);
    double score[4], label[4], dec[4], p[8];
    cr_assert_eq(frost_score_samples(m, X, 4, score), 0, "%s", frost_errmsg(m));
    cr_assert_eq(frost_predict(m, X, 4, label), 0);
    cr_assert_eq(frost_predict_proba(m, X, 4, p), FROST_EINVAL);
    /* the decision through the runtime's own call (frost_decision_function's path) */
    fr_err e = {0};
    cr_assert_eq(rt_ensemble_predict(m, X, 4, RT_DECISION, dec, &e), 0, "%s", e.msg);
    for (int r = 0; r < 4; r++) {
        double s = (0.0 + leaves0[X[r * 2] <= 0.5 ? 0 : 1]) + leaves1[X[r * 2 + 1] <= -1.0 ? 0 : 1];
        double want = -pow(2.0, -(s / norm));
        cr_assert_eq(score[r], want, "row %d: score %a, want %a", r, score[r], want);
        cr_assert_eq(dec[r], want - offset, "row %d: decision %a", r, dec[r]);
        cr_assert_eq(label[r], want - offset < 0 ? 0.0 : 1.0, "row %d: class %g", r, label[r]);
    }
    cr_assert_str_eq(frost_class_label(m, 0, 0), "-1");
    frost_close(m);
    /* path_norm 0: every score is -0.5 (np.divide's `where`) */
    char *zero = write_isolation(dir, "zero.frost", 0.0, -0.5);
    cr_assert_eq(frost_open(zero, NULL, &m), 0);
    cr_assert_eq(frost_score_samples(m, X, 4, score), 0);
    cr_assert_eq(frost_predict(m, X, 4, label), 0);
    for (int r = 0; r < 4; r++) {
        cr_assert_eq(score[r], -0.5);
        cr_assert_eq(label[r], 1.0); /* decision 0 is not below 0: an inlier */
    }
    frost_close(m);
    /* score_samples on a model without it */
    wtree w[1];
    one_split(&w[0], 0, 0.5, 0, NULL, 0, 1.0, 2.0);
    char *boosted = write_boosted(dir, "b.frost", w, 1, 1, FROST_LINK_IDENTITY);
    cr_assert_eq(frost_open(boosted, NULL, &m), 0);
    cr_assert_eq(frost_score_samples(m, X, 1, score), FROST_EINVAL);
    cr_assert(strstr(frost_errmsg(m), "score_samples"));
    frost_close(m);
    free(path);
    free(zero);
    free(boosted);
    free(dir);
}

Test(wide, builder_refuses_what_the_format_forbids)
{
    static const uint32_t two[1] = {2}, three[1] = {3};
    double init = 0.0;
    frost_builder *b = NULL;
    /* ISOLATION: two classes, a finite path_norm >= 0 and offset */
    frost_model_spec iso = {.size = sizeof iso, .task = FROST_TASK_CLASSIFIER,
                            .kind = FROST_ENSEMBLE_ISOLATION, .n_features = 1, .n_outputs = 1,
                            .n_classes = three, .path_norm = 1.0};
    cr_assert_eq(frost_builder_new(&iso, NULL, &b), FROST_EINVAL);
    iso.n_classes = two;
    iso.path_norm = -1.0;
    cr_assert_eq(frost_builder_new(&iso, NULL, &b), FROST_EINVAL);
    iso.path_norm = NAN;
    cr_assert_eq(frost_builder_new(&iso, NULL, &b), FROST_EINVAL);
    iso.path_norm = 1.0;
    iso.offset = INFINITY;
    cr_assert_eq(frost_builder_new(&iso, NULL, &b), FROST_EINVAL);
    /* EXP is a regressor's link, SOFTMAX_NORM a multi-class one's */
    frost_model_spec bin = {.size = sizeof bin, .task = FROST_TASK_CLASSIFIER,
                            .kind = FROST_ENSEMBLE_BOOSTED, .n_features = 1, .n_outputs = 1,
                            .n_classes = two, .link = FROST_LINK_EXP, .n_raw = 1,
                            .init_raw = &init};
    cr_assert_eq(frost_builder_new(&bin, NULL, &b), FROST_EINVAL);
    bin.link = FROST_LINK_SOFTMAX_NORM;
    cr_assert_eq(frost_builder_new(&bin, NULL, &b), FROST_EINVAL);
    /* categorical splits need exact thresholds (wide trees) and their sets */
    frost_model_spec reg = {.size = sizeof reg, .task = FROST_TASK_REGRESSOR,
                            .kind = FROST_ENSEMBLE_BOOSTED, .n_features = 1, .n_outputs = 1,
                            .learning_rate = 1.0, .link = FROST_LINK_IDENTITY, .n_raw = 1,
                            .init_raw = &init};
    cr_assert_eq(frost_builder_new(&reg, NULL, &b), 0);
    uint32_t set[8] = {1};
    wtree w;
    one_split(&w, 0, 0.0, 1, set, 0, 1.0, 2.0);
    cr_assert_eq(add(b, &w, 0), FROST_EINVAL);
    cr_assert(strstr(frost_builder_errmsg(b), "exact_thresholds"));
    frost_builder_free(b);
    reg.exact_thresholds = 1;
    cr_assert_eq(frost_builder_new(&reg, NULL, &b), 0);
    frost_tree_arrays a = {.size = sizeof a, .node_count = w.n, .children_left = w.left,
                           .children_right = w.right, .feature = w.feature,
                           .threshold = w.threshold, .value = w.value, .value_width = 1,
                           .is_categorical = w.is_cat};
    cr_assert_eq(frost_builder_add_tree(b, &a), FROST_EINVAL);
    a.categories_left = w.sets;
    cr_assert_eq(frost_builder_add_tree(b, &a), 0, "%s", frost_builder_errmsg(b));
    frost_builder_free(b);
}
