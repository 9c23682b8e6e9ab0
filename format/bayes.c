/*
 * bayes.c — the BAYES section (FORMAT.md, 1.3): a naive Bayes classifier's class priors and
 * per-class feature statistics, as scikit-learn fitted them (sklearn/naive_bayes.py).
 */
#include <math.h>

#include "alloc.h"
#include "format.h"

#define NB_MAX_FEATURES ((1u << 24) - 1)
#define NB_MAX_CLASSES (1u << 20)
#define NB_MAX_CATEGORIES (1u << 24)

void fmt_bayes_free(const fr_allocator *a, fmt_bayes *nb)
{
    if (!nb)
        return;
    fr_free(a, nb->prior);
    fr_free(a, nb->theta);
    fr_free(a, nb->var);
    fr_free(a, nb->flp);
    fr_free(a, nb->n_categories);
    fr_free(a, nb->cat_offset);
    fr_free(a, nb);
}

/* f64 values of flp: n_classes × n_features, or Σ n_classes × n_categories[j]. */
static uint64_t flp_count(const fmt_bayes *nb)
{
    if (nb->kind == FMT_NB_GAUSSIAN)
        return 0;
    if (nb->kind != FMT_NB_CATEGORICAL)
        return (uint64_t)nb->n_classes * nb->n_features;
    uint64_t n = 0;
    for (uint32_t j = 0; j < nb->n_features; j++)
        n += (uint64_t)nb->n_classes * nb->n_categories[j];
    return n;
}

static void put_f64s(fmt_buf *b, const double *v, uint64_t n)
{
    for (uint64_t i = 0; i < n; i++)
        fmt_put_f64(b, v[i]);
}

void fmt_bayes_write(const fmt_bayes *nb, fmt_buf *b)
{
    fmt_put_u32(b, FMT_TASK_CLASSIFIER);
    fmt_put_u32(b, nb->kind);
    fmt_put_u32(b, nb->n_features);
    fmt_put_u32(b, nb->n_classes);
    fmt_put_u32(b, nb->flags);
    fmt_put_u32(b, 0);
    fmt_put_f64(b, nb->flags & FMT_NB_BINARIZE ? nb->threshold : 0.0);
    put_f64s(b, nb->prior, nb->n_classes);
    uint64_t cf = (uint64_t)nb->n_classes * nb->n_features;
    if (nb->kind == FMT_NB_GAUSSIAN) {
        put_f64s(b, nb->theta, cf);
        put_f64s(b, nb->var, cf);
        return;
    }
    if (nb->kind == FMT_NB_CATEGORICAL)
        for (uint32_t j = 0; j < nb->n_features; j++)
            fmt_put_u32(b, nb->n_categories[j]);
    put_f64s(b, nb->flp, flp_count(nb));
}

/* n f64 values into a fresh array (the count was checked against the bytes left). */
static double *rd_f64s(fmt_rd *r, const fr_allocator *a, uint64_t n)
{
    double *v = fmt_rd_array(r, a, n ? n : 1, sizeof *v, 0);
    for (uint64_t i = 0; v && i < n; i++)
        v[i] = fmt_rd_f64(r);
    return v;
}

/* The fixed fields, checked before any count decides an allocation. */
static int parse_fixed(fmt_rd *r, fmt_bayes *nb)
{
    uint32_t task = fmt_rd_u32(r);
    nb->kind = fmt_rd_u32(r);
    nb->n_features = fmt_rd_u32(r);
    nb->n_classes = fmt_rd_u32(r);
    nb->flags = fmt_rd_u32(r);
    uint32_t reserved = fmt_rd_u32(r);
    nb->threshold = fmt_rd_f64(r);
    if (r->code)
        return r->code;
    if (task != FMT_TASK_CLASSIFIER)
        return fmt_rd_fail(r, FR_ECORRUPT, "BAYES: task %u (naive Bayes classifies: 1)", task);
    if (nb->kind < FMT_NB_GAUSSIAN || nb->kind > FMT_NB_CATEGORICAL)
        return fmt_rd_fail(r, FR_ECORRUPT, "BAYES: unknown kind %u", nb->kind);
    if (nb->n_features == 0 || nb->n_features > NB_MAX_FEATURES)
        return fmt_rd_fail(r, FR_ECORRUPT, "BAYES: n_features %u out of range", nb->n_features);
    if (nb->n_classes == 0 || nb->n_classes > NB_MAX_CLASSES)
        return fmt_rd_fail(r, FR_ECORRUPT, "BAYES: n_classes %u out of range", nb->n_classes);
    if (reserved || (nb->flags & ~FMT_NB_BINARIZE))
        return fmt_rd_fail(r, FR_ECORRUPT, "BAYES: reserved fields or flags are not zero");
    if ((nb->flags & FMT_NB_BINARIZE) && nb->kind != FMT_NB_BERNOULLI)
        return fmt_rd_fail(r, FR_ECORRUPT, "BAYES: BINARIZE on kind %u (only BERNOULLI binarizes)",
                           nb->kind);
    if ((nb->flags & FMT_NB_BINARIZE) ? isnan(nb->threshold) : nb->threshold != 0.0)
        return fmt_rd_fail(r, FR_ECORRUPT, "BAYES: binarize threshold %g", nb->threshold);
    return 0;
}

int fmt_bayes_parse(const uint8_t *body, size_t len, const fr_allocator *a, fmt_bayes **out,
                    fr_err *e)
{
    fmt_rd r = fmt_rd_begin(body, len, "BAYES", e);
    fmt_bayes *nb = fr_calloc(a, 1, sizeof *nb);
    if (!nb)
        return fr_fail(e, FR_ENOMEM, "out of memory");
    int rc = parse_fixed(&r, nb);
    if (rc)
        goto fail;
    uint64_t cf = (uint64_t)nb->n_classes * nb->n_features; /* < 2^44 */
    nb->prior = fmt_rd_array(&r, a, nb->n_classes, sizeof *nb->prior, 8);
    for (uint32_t c = 0; nb->prior && c < nb->n_classes; c++)
        nb->prior[c] = fmt_rd_f64(&r);
    if (nb->kind == FMT_NB_CATEGORICAL) {
        nb->n_categories = fmt_rd_array(&r, a, nb->n_features, sizeof *nb->n_categories, 4);
        nb->cat_offset = fmt_rd_array(&r, a, nb->n_features, sizeof *nb->cat_offset, 4);
        uint64_t at = 0, room = r.code ? 0 : (r.left - 4 * (uint64_t)nb->n_features) / 8;
        for (uint32_t j = 0; nb->cat_offset && j < nb->n_features && !r.code; j++) {
            uint32_t k = nb->n_categories[j] = fmt_rd_u32(&r);
            nb->cat_offset[j] = at;
            if (!r.code && (k == 0 || k > NB_MAX_CATEGORIES))
                fmt_rd_fail(&r, FR_ECORRUPT, "BAYES: feature %u has %u categories", j, k);
            at += (uint64_t)nb->n_classes * k; /* each step < 2^44: no overflow before the test */
            if (!r.code && at > room)
                fmt_rd_fail(&r, FR_ECORRUPT, "BAYES: category tables beyond the section");
        }
    }
    if ((rc = r.code))
        goto fail;
    uint64_t want = nb->kind == FMT_NB_GAUSSIAN ? 2 * cf : flp_count(nb);
    if (r.left % 8 || r.left / 8 != want) {
        rc = fmt_rd_fail(&r, FR_ECORRUPT, "BAYES: %zu bytes for %llu values", r.left,
                         (unsigned long long)want);
        goto fail;
    }
    if (nb->kind == FMT_NB_GAUSSIAN) {
        nb->theta = rd_f64s(&r, a, cf);
        nb->var = nb->theta ? rd_f64s(&r, a, cf) : NULL;
    } else {
        nb->flp = rd_f64s(&r, a, flp_count(nb));
    }
    if ((rc = fmt_rd_end(&r)))
        goto fail;
    *out = nb;
    return 0;
fail:
    fmt_bayes_free(a, nb);
    return rc ? rc : fr_fail(e, FR_ENOMEM, "out of memory");
}
