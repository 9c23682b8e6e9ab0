/*
 * test_combine.c — COMBINE (FORMAT.md, format 1.1): a soft-voting combination of two logistic
 * members and one tree member, built through the importer's builder API and checked against
 * values computed here; hard voting refusing probabilities; a header validator that refuses
 * every crafted COMBINE field it should (ranges, slots, counts, weights) with a clean error; and
 * warm batch calls that allocate nothing.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <xxhash.h>

#include "endian.h"
#include "internal.h"
#include "writer.h"
#include "testutil.h"

#define N 40 /* rows: more than the lazy path takes, so the first call loads every block */

static fmt_linear *logistic(uint32_t n, const double *coef, double intercept)
{
    fmt_linear *l = calloc(1, sizeof *l);
    l->task = FROST_TASK_CLASSIFIER;
    l->rule = FMT_LIN_LOGISTIC;
    l->n_features = n;
    l->n_rows = 1;
    l->coef = malloc(n * sizeof(double));
    memcpy(l->coef, coef, n * sizeof(double));
    l->intercept = malloc(sizeof(double));
    l->intercept[0] = intercept;
    return l;
}

/* inputs x0, x1 (no program). Members, weights 2, 1, 0.5:
 *   A logistic(x0 - x1 + 0.2) on slots (0, 1);
 *   B a stump on slots (1, 0): member feature 0 is x1; x1 <= 0.5 → counts (3, 1), else (1, 3),
 *     normalized; C logistic(2·x0 - 1) on slot 0. */
static char *write_vote(const char *dir, uint32_t rule)
{
    frost_builder *b;
    cr_assert_eq(wr_builder_new_bare(NULL, &b), 0);
    cr_assert_eq(wr_builder_set_combine(b, FROST_TASK_CLASSIFIER, rule, 2, 2), 0, "%s",
                 frost_builder_errmsg(b));
    uint32_t s01[2] = {0, 1}, s10[2] = {1, 0}, s0[1] = {0};
    double ca[2] = {1, -1}, cc[1] = {2};
    fmt_linear *la = logistic(2, ca, 0.2);
    cr_assert_eq(wr_builder_add_member_linear(b, la, 2.0, 0, s01, 2), 0, "%s",
                 frost_builder_errmsg(b));
    uint32_t nc = 2;
    frost_model_spec spec = {.size = sizeof spec, .task = FROST_TASK_CLASSIFIER,
                             .kind = FROST_ENSEMBLE_MEAN, .n_features = 2, .n_outputs = 1,
                             .n_classes = &nc, .normalize_leaves = 1};
    cr_assert_eq(wr_builder_add_member_trees(b, &spec, 1.0, 0, s10, 2), 0, "%s",
                 frost_builder_errmsg(b));
    int64_t left[3] = {1, -1, -1}, right[3] = {2, -1, -1}, feat[3] = {0, -2, -2};
    double thr[3] = {0.5, -2, -2}, val[6] = {4, 4, 3, 1, 1, 3};
    frost_tree_arrays t = {.size = sizeof t, .node_count = 3, .children_left = left,
                           .children_right = right, .feature = feat, .threshold = thr,
                           .value = val, .value_width = 2};
    cr_assert_eq(frost_builder_add_tree(b, &t), 0, "%s", frost_builder_errmsg(b));
    fmt_linear *lc = logistic(1, cc, -1);
    cr_assert_eq(wr_builder_add_member_linear(b, lc, 0.5, 0, s0, 1), 0, "%s",
                 frost_builder_errmsg(b));
    const char *names[2] = {"x0", "x1"}, *labels[2] = {"no", "yes"};
    cr_assert_eq(frost_builder_set_feature_names(b, names), 0);
    cr_assert_eq(frost_builder_set_classes(b, 0, FROST_LABEL_STR, labels, 2), 0);
    char *path = malloc(strlen(dir) + 32);
    sprintf(path, "%s/vote%u.frost", dir, rule);
    cr_assert_eq(frost_builder_write(b, path), 0, "%s", frost_builder_errmsg(b));
    frost_builder_free(b);
    return path;
}

static double expit(double d) { return 1.0 / (1.0 + exp(-d)); }

/* FORMAT.md COMBINE SOFT_VOTE, computed directly. */
static void reference(double x0, double x1, double p[2])
{
    double a1 = expit(x0 * 1 + x1 * -1 + 0.2), c1 = expit(x0 * 2 + -1);
    double pa[2] = {1.0 - a1, a1}, pc[2] = {1.0 - c1, c1};
    double pb[2] = {0.75, 0.25};
    if (!((float)x1 <= 0.5f)) {
        pb[0] = 0.25;
        pb[1] = 0.75;
    }
    for (int c = 0; c < 2; c++)
        p[c] = ((0.0 + pa[c] * 2.0) + pb[c] * 1.0 + pc[c] * 0.5) / 3.5;
}

static void rows(double *X)
{
    for (int i = 0; i < N; i++) {
        X[2 * i] = -2.0 + 0.1 * i;
        X[2 * i + 1] = 1.5 - 0.07 * i;
    }
}

Test(combine, soft_vote_matches_the_rule)
{
    char *dir = tu_tmpdir();
    char *path = write_vote(dir, FMT_COMB_SOFT_VOTE);
    frost_model *m;
    cr_assert_eq(frost_open(path, NULL, &m), 0, "%s", frost_errmsg(NULL));
    frost_info info = {.size = sizeof info};
    cr_assert_eq(frost_model_info(m, &info), 0);
    cr_expect_eq(info.format_minor, 1);
    cr_expect_eq(info.estimator, 3);
    cr_expect(info.has_proba);
    double X[2 * N], proba[2 * N], pred[N];
    rows(X);
    cr_assert_eq(frost_predict_proba(m, X, N, proba), 0, "%s", frost_errmsg(m));
    cr_assert_eq(frost_predict(m, X, N, pred), 0, "%s", frost_errmsg(m));
    for (int i = 0; i < N; i++) {
        double p[2];
        reference(X[2 * i], X[2 * i + 1], p);
        cr_expect_eq(proba[2 * i], p[0], "row %d: %.17g vs %.17g", i, proba[2 * i], p[0]);
        cr_expect_eq(proba[2 * i + 1], p[1], "row %d", i);
        cr_expect_eq(pred[i], p[1] > p[0] ? 1.0 : 0.0, "row %d", i);
    }
    cr_expect_eq(frost_verify(m), 0, "%s", frost_errmsg(m));
    frost_close(m);
    free(path);
    free(dir);
}

Test(combine, hard_vote_counts_weighted_votes_and_has_no_proba)
{
    char *dir = tu_tmpdir();
    char *path = write_vote(dir, FMT_COMB_HARD_VOTE);
    frost_model *m;
    cr_assert_eq(frost_open(path, NULL, &m), 0, "%s", frost_errmsg(NULL));
    frost_info info = {.size = sizeof info};
    cr_assert_eq(frost_model_info(m, &info), 0);
    cr_expect(!info.has_proba);
    double X[2 * N], out[2 * N];
    rows(X);
    cr_expect_eq(frost_predict_proba(m, X, N, out), FROST_EINVAL);
    cr_expect(strstr(frost_errmsg(m), "hard-voting") != NULL, "%s", frost_errmsg(m));
    cr_assert_eq(frost_predict(m, X, N, out), 0, "%s", frost_errmsg(m));
    for (int i = 0; i < N; i++) {
        double x0 = X[2 * i], x1 = X[2 * i + 1];
        double v[2] = {0, 0};
        v[x0 - x1 + 0.2 > 0] += 2.0;
        v[(float)x1 <= 0.5f ? 0 : 1] += 1.0; /* the stump's raw argmax: (3, 1) or (1, 3) */
        v[2 * x0 - 1 > 0] += 0.5;
        cr_expect_eq(out[i], v[1] > v[0] ? 1.0 : 0.0, "row %d", i);
    }
    frost_close(m);
    free(path);
    free(dir);
}

/* ---- crafted headers ----------------------------------------------------------------------- */

static void reseal(uint8_t *buf)
{
    uint64_t hs = fr_rd64(buf + 24);
    memset(buf + 64, 0, 16);
    XXH128_canonical_t c;
    XXH128_canonicalFromHash(&c, XXH3_128bits(buf, hs));
    memcpy(buf + 64, c.digest, 16);
}

static uint8_t *section(uint8_t *buf, uint32_t type, uint32_t *index)
{
    uint32_t n_sec = fr_rd32(buf + 20);
    for (uint32_t i = 0; i < n_sec; i++)
        if (fr_rd32(buf + 128 + 32 * i) == type) {
            if (index)
                *index = i;
            return buf + fr_rd64(buf + 128 + 32 * i + 8);
        }
    return NULL;
}

Test(combine, crafted_combine_fields_are_refused_cleanly)
{
    char *dir = tu_tmpdir();
    char *path = write_vote(dir, FMT_COMB_SOFT_VOTE);
    size_t len = 0;
    uint8_t *orig = tu_read_file(path, &len);
    cr_assert_not_null(orig);
    uint8_t *buf = malloc(len);
    memcpy(buf, orig, len);
    uint8_t *cb = section(buf, FMT_SEC_COMBINE, NULL);
    cr_assert_not_null(cb);
    /* member 0 (linear, 2 slots) starts at 24; member 1 (trees) follows its LINEAR body */
    size_t m0 = 24, n0 = fr_rd32(cb + m0 + 16);
    size_t m1 = m0 + 24 + 4 * n0 + 4 + fr_rd32(cb + m0 + 24 + 4 * n0);
    size_t n1 = fr_rd32(cb + m1 + 16);
    size_t agg1 = m1 + 24 + 4 * n1 + 4; /* after first_tree */
    cr_assert_eq(fr_rd32(cb + m1), FMT_MEMBER_TREES);
    struct {
        const char *what;
        size_t off;       /* in the COMBINE body, or SIZE_MAX: the ENSEMBLE kind */
        uint64_t value;
        int f64;
        const char *names;
    } cases[] = {
        {"unknown rule", 4, 9, 0, "rule"},
        {"task that does not go with the rule", 0, FROST_TASK_REGRESSOR, 0, "task"},
        {"more members than the body holds", 8, 100000, 0, "members"},
        {"fewer members than the body holds", 8, 2, 0, "trailing"},
        {"classes the members do not have", 12, 3, 0, "classes"},
        {"a reserved field", 16, 1, 0, "reserved"},
        {"an unknown member kind", m0, 7, 0, "kind"},
        {"a slot beyond the inputs", m0 + 24, 2, 0, "slot"},
        {"a slot count beyond the body", m0 + 16, 1u << 23, 0, "slots"},
        {"a NaN weight", m0 + 8, 0x7FF8000000000000ull, 1, "weight"},
        {"a negative weight", m0 + 8, 0xBFF0000000000000ull, 1, "weight"},
        {"a score outside one-vs-rest", m0 + 4, FMT_SCORE_DECISION, 0, "score"},
        {"a tree range that does not start at 0", m1 + 24 + 4 * n1, 1, 0, "trees"},
        {"a tree range past the table", agg1 + 16, 5, 0, "trees"},
        {"member features that differ from its slots", agg1 + 8, 3, 0, "features"},
        {"a member top chunk that is not the ENSEMBLE's", agg1 + 36, 1, 0, "MEMBERS"},
        {"an ENSEMBLE that is not the MEMBERS table", SIZE_MAX, 1, 0, "ENSEMBLE"},
    };
    char *bad = malloc(strlen(dir) + 32);
    sprintf(bad, "%s/bad.frost", dir);
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        memcpy(buf, orig, len);
        cb = section(buf, FMT_SEC_COMBINE, NULL);
        uint8_t *at = cases[c].off == SIZE_MAX ? section(buf, FMT_SEC_ENSEMBLE, NULL) + 4
                                               : cb + cases[c].off;
        if (cases[c].f64)
            fr_wr64(at, cases[c].value);
        else
            fr_wr32(at, (uint32_t)cases[c].value);
        reseal(buf);
        FILE *f = fopen(bad, "wb");
        cr_assert_not_null(f);
        fwrite(buf, 1, len, f);
        fclose(f);
        frost_model *m = NULL;
        int rc = frost_open(bad, NULL, &m);
        cr_expect_eq(rc, FROST_ECORRUPT, "%s: rc %d (%s)", cases[c].what, rc, frost_errmsg(NULL));
        cr_expect(strstr(frost_errmsg(NULL), cases[c].names) != NULL, "%s: message '%s'",
                  cases[c].what, frost_errmsg(NULL));
        frost_close(m);
    }
    /* COMBINE needs format 1.1: a file that says 1.0 is damaged */
    memcpy(buf, orig, len);
    cr_expect_eq(fr_rd16(buf + 10), 1);
    fr_wr16(buf + 10, 0);
    reseal(buf);
    FILE *f0 = fopen(bad, "wb");
    fwrite(buf, 1, len, f0);
    fclose(f0);
    frost_model *mv = NULL;
    cr_expect_eq(frost_open(bad, NULL, &mv), FROST_ECORRUPT, "%s", frost_errmsg(NULL));
    cr_expect(strstr(frost_errmsg(NULL), "1.1") != NULL, "%s", frost_errmsg(NULL));
    frost_close(mv);
    /* a reader without COMBINE (an unknown REQUIRED type) refuses the file as too new */
    memcpy(buf, orig, len);
    uint32_t idx;
    cr_assert_not_null(section(buf, FMT_SEC_COMBINE, &idx));
    fr_wr32(buf + 128 + 32 * idx, 77);
    reseal(buf);
    FILE *f = fopen(bad, "wb");
    fwrite(buf, 1, len, f);
    fclose(f);
    frost_model *m = NULL;
    cr_expect_eq(frost_open(bad, NULL, &m), FROST_EVERSION, "%s", frost_errmsg(NULL));
    frost_close(m);
    free(bad);
    free(buf);
    free(orig);
    free(path);
    free(dir);
}

/* ---- allocation ----------------------------------------------------------------------------- */

Test(combine, warm_voting_calls_allocate_nothing)
{
    char *dir = tu_tmpdir();
    char *path = write_vote(dir, FMT_COMB_SOFT_VOTE);
    long mallocs = 0;
    frost_allocator a = TU_COUNTING_ALLOCATOR(&mallocs);
    frost_open_options o;
    frost_open_options_init(&o);
    o.alloc = &a;
    frost_model *m;
    cr_assert_eq(frost_open(path, &o, &m), 0);
    cr_expect_gt(mallocs, 0, "the hook is not used");
    double X[2 * N], proba[2 * N], pred[N];
    rows(X);
    cr_assert_eq(frost_predict_proba(m, X, N, proba), 0, "%s", frost_errmsg(m)); /* warms up */
    long before = mallocs;
    for (int k = 0; k < 50; k++) {
        cr_assert_eq(frost_predict_proba(m, X, N, proba), 0);
        cr_assert_eq(frost_predict(m, X, N, pred), 0);
        cr_assert_eq(frost_predict(m, X, 3, pred), 0); /* a small batch, once warm */
    }
    cr_expect_eq(mallocs, before, "%ld allocations in 150 warm calls", mallocs - before);
    frost_close(m);
    free(path);
    free(dir);
}
