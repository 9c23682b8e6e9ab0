/*
 * convert_selectors.c — the feature selectors (VarianceThreshold, SelectKBest,
 * SelectPercentile, SelectFromModel) as what their transform is: a choice of columns. Each
 * get_support() mask is recomputed here from the fitted state exactly as scikit-learn's
 * _get_support_mask computes it (sklearn/feature_selection/_variance_threshold.py,
 * _univariate_selection.py, _from_model.py), with numpy's arithmetic where a threshold is
 * derived (mean: pairwise sum; median; percentile, linear method), so ties fall the same way.
 * No operation is added: the kept columns' slots flow on.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert_selectors.h"
#include "pairwise.h"

#define SK_FS "sklearn.feature_selection."

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* np.percentile(v, q) with the default linear method (numpy/lib/function_base.py _quantile:
 * virtual index n*q + (1 - q) - 1, then _lerp, which takes b - d*(1-t) when t >= 0.5); q in
 * [0, 1]; sorted is v sorted ascending (no NaN: the selectors clean them first). */
static double np_quantile(const double *sorted, size_t n, double q)
{
    double vi = (double)n * q + (1.0 + q * -1.0) - 1.0;
    double lo = floor(vi);
    if (lo < 0)
        lo = 0;
    size_t i = (size_t)lo;
    if (i >= n - 1)
        return sorted[n - 1];
    double t = vi - lo, a = sorted[i], b = sorted[i + 1], d = b - a;
    return t >= 0.5 ? b - d * (1.0 - t) : a + d * t;
}

/* np.median: the middle value, or the mean of the two middle values ((a + b) / 2). */
static double np_median(const double *sorted, size_t n)
{
    return n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0;
}

/* A value and its column, ordered by value then column: a stable sort's order (numpy's
 * argsort kind='mergesort'), in O(n log n) whatever the column count. */
typedef struct ranked {
    double v;
    uint32_t i;
} ranked;

static int cmp_ranked(const void *a, const void *b)
{
    const ranked *x = a, *y = b;
    if (x->v != y->v)
        return x->v < y->v ? -1 : 1;
    return x->i < y->i ? -1 : x->i > y->i;
}

/* Marks in mask the columns at stable ascending ranks [from, to) of v (sign -1: of -v). */
static int mark_ranks(comp *k, const double *v, uint32_t n, double sign, uint64_t from,
                      uint64_t to, uint8_t *mask)
{
    ranked *r = malloc((n ? n : 1) * sizeof *r);
    if (!r)
        return fr_fail(k->e, FROST_ENOMEM, "out of memory");
    for (uint32_t i = 0; i < n; i++)
        r[i] = (ranked){sign * v[i], i};
    qsort(r, n, sizeof *r, cmp_ranked);
    for (uint64_t j = from; j < to && j < n; j++)
        mask[r[j].i] = 1;
    free(r);
    return 0;
}

/* Reads the 1-D float array `name` of n values into a new buffer. */
static double *get_scores(comp *k, const pk_obj *o, const char *name, uint32_t n,
                          const char *path)
{
    double *v = malloc((n ? n : 1) * sizeof *v);
    if (!v) {
        fr_fail(k->e, FROST_ENOMEM, "out of memory");
        return NULL;
    }
    if (cv_get_vec(k, o, name, n, NAN, v, path)) {
        free(v);
        return NULL;
    }
    return v;
}

/* _clean_nans: NaN scores become the smallest float, so they are never selected first. */
static void clean_nans(double *v, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        if (isnan(v[i]))
            v[i] = -1.7976931348623157e308;
}

/* SelectKBest: the k highest scores, by a stable ascending sort's last k (argsort mergesort). */
static int kbest_mask(comp *k, const pk_obj *o, uint32_t n, uint8_t *mask, const char *path)
{
    const pk_obj *kk = pk_attr(o, "k");
    int64_t want = 10;
    if (kk && pk_str_eq(kk, "all")) {
        memset(mask, 1, n);
        return 0;
    }
    if (kk && pk_get_int(kk, &want))
        return fr_fail(k->e, FROST_EFORMAT, "%s: k is neither a number nor 'all'", path);
    if (want < 0 || want > n)
        return fr_fail(k->e, FROST_EFORMAT, "%s: k=%lld of %u columns", path, (long long)want,
                       n);
    double *s = get_scores(k, o, "scores_", n, path);
    if (!s)
        return FROST_EFORMAT;
    clean_nans(s, n); /* then argsort(scores, kind='mergesort')[-k:] */
    int rc = want ? mark_ranks(k, s, n, 1.0, n - (uint64_t)want, n, mask) : 0;
    free(s);
    return rc;
}

/* SelectPercentile: scores above np.percentile(scores, 100 - percentile), then ties at the
 * threshold from the left while fewer than int(n * percentile / 100) are kept. */
static int percentile_mask(comp *k, const pk_obj *o, uint32_t n, uint8_t *mask,
                           const char *path)
{
    double pct = 10;
    const pk_obj *p = pk_attr(o, "percentile");
    if (p && pk_get_double(p, &pct))
        return fr_fail(k->e, FROST_EFORMAT, "%s: percentile is not a number", path);
    if (!(pct >= 0 && pct <= 100))
        return fr_fail(k->e, FROST_EFORMAT, "%s: percentile %g", path, pct);
    if (pct == 100 || pct == 0) {
        memset(mask, pct == 100, n);
        return 0;
    }
    double *s = get_scores(k, o, "scores_", n, path);
    double *sorted = s ? malloc(n * sizeof *sorted) : NULL;
    if (!sorted) {
        free(s);
        return s ? fr_fail(k->e, FROST_ENOMEM, "out of memory") : FROST_EFORMAT;
    }
    clean_nans(s, n);
    memcpy(sorted, s, n * sizeof *s);
    qsort(sorted, n, sizeof *sorted, cmp_double);
    double th = np_quantile(sorted, n, (100 - pct) / 100);
    uint64_t kept = 0, max_feats = (uint64_t)((double)n * pct / 100);
    for (uint32_t i = 0; i < n; i++)
        kept += (mask[i] = s[i] > th);
    for (uint32_t i = 0; i < n; i++)
        if (s[i] == th && kept < max_feats) {
            mask[i] = 1;
            kept++;
        }
    free(s);
    free(sorted);
    return 0;
}

/* VarianceThreshold: variances_ > threshold. */
static int variance_mask(comp *k, const pk_obj *o, uint32_t n, uint8_t *mask, const char *path)
{
    double th = 0;
    const pk_obj *t = pk_attr(o, "threshold");
    if (t && pk_get_double(t, &th))
        return fr_fail(k->e, FROST_EFORMAT, "%s: threshold is not a number", path);
    double *v = get_scores(k, o, "variances_", n, path);
    if (!v)
        return FROST_EFORMAT;
    for (uint32_t i = 0; i < n; i++)
        mask[i] = v[i] > th;
    free(v);
    return 0;
}

/* SelectFromModel's importances: |coef_| (1-D), or np.linalg.norm(coef_, axis=0, ord) (rows
 * added in order). feature_importances_ of a forest is a property computed from its trees,
 * not stored: refused. */
static int importances(comp *k, const pk_obj *est, const pk_obj *sfm, uint32_t n, double *imp,
                       const char *path)
{
    const pk_obj *getter = pk_attr(sfm, "importance_getter");
    if (getter && !pk_str_eq(getter, "auto") && !pk_str_eq(getter, "coef_"))
        return fr_fail(k->e, FROST_EUNSUPPORTED, "%s: not supported yet: SelectFromModel with "
                       "importance_getter other than 'auto' or 'coef_'", path);
    const pk_obj *coef = pk_attr(est, "coef_");
    pk_array_info ai;
    if (!coef || pk_array_info_get(coef, &ai) || ai.ndim < 1 || ai.ndim > 2 ||
        ai.shape[ai.ndim - 1] != n)
        return fr_fail(k->e, FROST_EUNSUPPORTED, "%s: not supported yet: SelectFromModel over "
                       "%s (frost needs its stored coef_; feature importances are computed, "
                       "not stored)", path, cv_short_name(pk_class_name(est)));
    double *c = malloc((ai.count ? ai.count : 1) * sizeof *c);
    if (!c)
        return fr_fail(k->e, FROST_ENOMEM, "out of memory");
    if (pk_array_get_f64(coef, NULL, c, ai.count, k->e)) {
        free(c);
        return fr_wrap(k->e, "%s: estimator_.coef_", path);
    }
    int64_t ord = 1;
    const pk_obj *no = pk_attr(sfm, "norm_order");
    if (no && pk_get_int(no, &ord)) {
        free(c);
        return fr_fail(k->e, FROST_EUNSUPPORTED, "%s: not supported yet: this norm_order", path);
    }
    uint64_t rows = ai.ndim == 2 ? ai.shape[0] : 1;
    if (ai.ndim == 2 && ord != 1 && ord != 2) {
        free(c);
        return fr_fail(k->e, FROST_EUNSUPPORTED, "%s: not supported yet: norm_order=%lld", path,
                       (long long)ord);
    }
    for (uint32_t j = 0; j < n; j++) {
        if (ai.ndim == 1) {
            imp[j] = fabs(c[j]);
            continue;
        }
        double s = 0.0; /* numpy/linalg/linalg.py norm: add.reduce(abs(x)) or sqrt(sum x*x) */
        for (uint64_t r = 0; r < rows; r++)
            s += ord == 1 ? fabs(c[r * n + j]) : c[r * n + j] * c[r * n + j];
        imp[j] = ord == 1 ? s : sqrt(s);
    }
    free(c);
    return 0;
}

/* _calculate_threshold: None → 1e-5 for an l1-penalised estimator (penalty 'l1', a Lasso, an
 * ElasticNet with l1_ratio 1), else 'mean'; 'mean', 'median', 'SCALE*mean|median'; a number. */
static int sfm_threshold(comp *k, const pk_obj *sfm, const pk_obj *est, const double *imp,
                         uint32_t n, double *th, const char *path)
{
    const pk_obj *t = pk_attr(sfm, "threshold");
    const char *cls = pk_class_name(est) ? pk_class_name(est) : "";
    const char *base = strrchr(cls, '.') ? strrchr(cls, '.') + 1 : cls;
    const char *spec = NULL;
    char buf[128];
    if (!t || pk_is_none(t)) {
        const pk_obj *pen = pk_attr(est, "penalty");
        double l1 = 0;
        const pk_obj *r = pk_attr(est, "l1_ratio_") ? pk_attr(est, "l1_ratio_")
                                                     : pk_attr(est, "l1_ratio");
        int en = strstr(base, "ElasticNet") && r && !pk_get_double(r, &l1) &&
                 fabs(l1 - 1.0) <= 1e-8 + 1e-5; /* np.isclose(l1_ratio, 1.0) */
        if ((pen && pk_str_eq(pen, "l1")) || strstr(base, "Lasso") || en) {
            *th = 1e-5;
            return 0;
        }
        spec = "mean";
    } else if (pk_str(t, NULL)) {
        size_t len;
        const char *s = pk_str(t, &len);
        if (len >= sizeof buf)
            return fr_fail(k->e, FROST_EFORMAT, "%s: threshold '%s'", path, s);
        memcpy(buf, s, len);
        buf[len] = 0;
        spec = buf;
    } else if (pk_get_double(t, th)) {
        return fr_fail(k->e, FROST_EFORMAT, "%s: threshold is neither a number nor a string",
                       path);
    } else {
        return 0;
    }
    double scale = 1.0;
    const char *star = strchr(spec, '*');
    char ref[128];
    if (star) {
        char *end;
        scale = strtod(spec, &end);
        while (*end == ' ')
            end++;
        if (end != star)
            return fr_fail(k->e, FROST_EFORMAT, "%s: threshold '%s'", path, spec);
        snprintf(ref, sizeof ref, "%s", star + 1);
    } else {
        snprintf(ref, sizeof ref, "%s", spec);
    }
    char *r = ref;
    while (star && *r == ' ')
        r++;
    for (size_t e = strlen(r); star && e && r[e - 1] == ' '; e--)
        r[e - 1] = 0;
    double v;
    if (strcmp(r, "mean") == 0) {
        v = rt_pairwise(imp, n) / n; /* np.mean */
    } else if (strcmp(r, "median") == 0) {
        double *sorted = malloc((n ? n : 1) * sizeof *sorted);
        if (!sorted)
            return fr_fail(k->e, FROST_ENOMEM, "out of memory");
        memcpy(sorted, imp, n * sizeof *imp);
        qsort(sorted, n, sizeof *sorted, cmp_double);
        v = np_median(sorted, n);
        free(sorted);
    } else {
        return fr_fail(k->e, FROST_EFORMAT, "%s: threshold '%s'", path, spec);
    }
    *th = star ? scale * v : v;
    return 0;
}

/* SelectFromModel: importances ≥ threshold, among the max_features largest (stable order of
 * the negated importances) when max_features is set. */
static int from_model_mask(comp *k, const pk_obj *o, uint32_t n, uint8_t *mask,
                           const char *path)
{
    const pk_obj *est = pk_attr(o, "estimator_");
    if (!est || pk_is_none(est))
        est = pk_attr(o, "estimator");
    est = cv_unwrap_search(est);
    if (!est || pk_kind_of(est) != PK_OBJECT)
        return fr_fail(k->e, FROST_EFORMAT, "%s: SelectFromModel holds no fitted estimator", path);
    double *imp = malloc((n ? n : 1) * sizeof *imp), th = 0;
    if (!imp)
        return fr_fail(k->e, FROST_ENOMEM, "out of memory");
    int rc = importances(k, est, o, n, imp, path);
    rc = rc ? rc : sfm_threshold(k, o, est, imp, n, &th, path);
    const pk_obj *mf = pk_attr(o, "max_features_") ? pk_attr(o, "max_features_")
                                                   : pk_attr(o, "max_features");
    int64_t maxf = -1;
    if (!rc && mf && !pk_is_none(mf) && (pk_get_int(mf, &maxf) || maxf < 0))
        rc = fr_fail(k->e, FROST_EUNSUPPORTED, "%s: not supported yet: this max_features", path);
    /* argsort(-importances, kind='mergesort')[:max_features], then those below threshold */
    if (!rc && maxf >= 0)
        rc = mark_ranks(k, imp, n, -1.0, 0, (uint64_t)maxf, mask);
    else if (!rc)
        memset(mask, 1, n);
    for (uint32_t i = 0; !rc && i < n; i++)
        if (imp[i] < th)
            mask[i] = 0;
    free(imp);
    return rc;
}

static const struct selector {
    const char *cls;
    int (*mask)(comp *k, const pk_obj *o, uint32_t n, uint8_t *mask, const char *path);
} selectors[] = {
    {SK_FS "_variance_threshold.VarianceThreshold", variance_mask},
    {SK_FS "_univariate_selection.SelectKBest", kbest_mask},
    {SK_FS "_univariate_selection.SelectPercentile", percentile_mask},
    {SK_FS "_from_model.SelectFromModel", from_model_mask},
};

int cv_is_selector(const char *cls)
{
    for (size_t i = 0; cls && i < sizeof selectors / sizeof selectors[0]; i++)
        if (strcmp(cls, selectors[i].cls) == 0)
            return 1;
    return 0;
}

int cv_selector(comp *k, const pk_obj *o, const cols *in, cols *out, const char *path)
{
    const char *cls = pk_class_name(o);
    const struct selector *s = NULL;
    for (size_t i = 0; cls && i < sizeof selectors / sizeof selectors[0]; i++)
        if (strcmp(cls, selectors[i].cls) == 0)
            s = &selectors[i];
    if (!s)
        return fr_fail(k->e, FROST_EUNSUPPORTED, "%s: not supported yet: %s", path,
                       cls ? cls : "?");
    const pk_obj *nf = pk_attr(o, "n_features_in_");
    int64_t n_fit = in->n;
    if (nf && !pk_get_int(nf, &n_fit) && n_fit != (int64_t)in->n)
        return fr_fail(k->e, FROST_EFORMAT, "%s: fitted on %lld columns, given %u", path,
                       (long long)n_fit, in->n);
    uint8_t *mask = calloc(in->n ? in->n : 1, 1);
    if (!mask)
        return fr_fail(k->e, FROST_ENOMEM, "out of memory");
    int rc = s->mask(k, o, in->n, mask, path);
    for (uint32_t i = 0; !rc && i < in->n; i++)
        if (mask[i] && cv_cols_push(out, in->slot[i], in->name[i]))
            rc = fr_fail(k->e, FROST_ENOMEM, "out of memory");
    free(mask);
    return rc;
}
