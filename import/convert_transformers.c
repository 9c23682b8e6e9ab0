/*
 * convert_transformers.c — SimpleImputer (and its MissingIndicator), StandardScaler,
 * MinMaxScaler, RobustScaler, MaxAbsScaler, Normalizer, PolynomialFeatures and KBinsDiscretizer
 * into PROGRAM operations (the encoders: convert_encoders.c), and what each transformer's
 * transform refuses in its input.
 *
 * Each rule follows its transform() in scikit-learn (sklearn/impute/_base.py,
 * preprocessing/_data.py, _polynomial.py, _discretization.py); the output names follow
 * get_feature_names_out().
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert_encoders.h"
#include "convert_selectors.h"
#include "convert_transformers.h"

#define SK_PRE "sklearn.preprocessing._data."
#define SK_ENC "sklearn.preprocessing._encoders."

/* StandardScaler, RobustScaler, MaxAbsScaler: (x - a) / b; MinMaxScaler: x * a + b (+ clip). */
static int scaler(comp *k, const pk_obj *o, const cols *in, cols *out, const char *path)
{
    const char *cls = pk_class_name(o);
    uint32_t n = in->n;
    double *a = calloc(n ? n : 1, sizeof *a), *b = calloc(n ? n : 1, sizeof *b);
    int rc = a && b ? 0 : fr_fail(k->e, FROST_ENOMEM, "out of memory");
    fmt_op op = {.opcode = FMT_OP_SCALE, .n_in = n, .n_out = n, .in = in->slot, .a = a, .b = b};
    /* with_mean / with_centering = False keep the statistic fitted but do not use it */
    int use_a = 1, use_b = 1;
    const pk_obj *flag;
    if ((flag = pk_attr(o, strcmp(cls, SK_PRE "RobustScaler") == 0 ? "with_centering" : "with_mean")))
        pk_get_bool(flag, &use_a);
    if ((flag = pk_attr(o, strcmp(cls, SK_PRE "RobustScaler") == 0 ? "with_scaling" : "with_std")))
        pk_get_bool(flag, &use_b);
    if (!rc && strcmp(cls, SK_PRE "StandardScaler") == 0) {
        rc = use_a ? cv_get_vec(k, o, "mean_", n, 0.0, a, path) : 0;
        rc = rc ? rc : use_b ? cv_get_vec(k, o, "scale_", n, 1.0, b, path) : 0;
        for (uint32_t i = 0; !use_b && i < n; i++)
            b[i] = 1.0;
    } else if (!rc && strcmp(cls, SK_PRE "RobustScaler") == 0) {
        rc = use_a ? cv_get_vec(k, o, "center_", n, 0.0, a, path) : 0;
        rc = rc ? rc : use_b ? cv_get_vec(k, o, "scale_", n, 1.0, b, path) : 0;
        for (uint32_t i = 0; !use_b && i < n; i++)
            b[i] = 1.0;
    } else if (!rc && strcmp(cls, SK_PRE "MaxAbsScaler") == 0) {
        rc = cv_get_vec(k, o, "scale_", n, 1.0, b, path);
    } else if (!rc) { /* MinMaxScaler */
        op.mode = 1;
        rc = cv_get_vec(k, o, "scale_", n, 1.0, a, path);
        rc = rc ? rc : cv_get_vec(k, o, "min_", n, 0.0, b, path);
        const pk_obj *clip = pk_attr(o, "clip");
        int on = 0;
        if (!rc && clip && !pk_get_bool(clip, &on) && on) {
            const pk_obj *fr = pk_attr(o, "feature_range");
            if (!fr || pk_len(fr) != 2 || pk_get_double(pk_item(fr, 0), &op.lo) ||
                pk_get_double(pk_item(fr, 1), &op.hi))
                rc = fr_fail(k->e, FROST_EFORMAT, "%s: feature_range is not a pair", path);
            op.clip = 1;
        }
    }
    for (uint32_t i = 0; !rc && i < n; i++)
        rc = cv_want_kind(k, in->slot[i], FMT_SLOT_NUM, path);
    uint32_t first = 0;
    if (!rc && n)
        rc = cv_add_op(k, &op, &first, path);
    for (uint32_t i = 0; !rc && i < n; i++)
        rc = cv_cols_push(out, first + i, in->name[i]) ? fr_fail(k->e, FROST_ENOMEM, "oom") : 0;
    free(a);
    free(b);
    return rc;
}

/* A missing-value marker SimpleImputer handles as frost does: NaN (or None for strings). */
static int missing_is_nan(const pk_obj *mv)
{
    double v;
    return !mv || pk_is_none(mv) || (!pk_get_double(mv, &v) && isnan(v));
}

/* add_indicator: a MissingIndicator (ind) over the columns that had missing values at fit, its
 * outputs after the imputed ones. */
static int missing_indicator(comp *k, const pk_obj *ind, const cols *in, cols *out,
                             const char *path)
{
    const pk_obj *feats = pk_attr(ind, "features_");
    pk_array_info fi;
    if (!feats || pk_array_info_get(feats, &fi) || fi.ndim != 1)
        return fr_fail(k->e, FROST_EFORMAT, "%s: indicator_.features_ is missing", path);
    if (!fi.count)
        return 0;
    int64_t *idx = malloc(fi.count * sizeof *idx);
    uint32_t *islots = malloc(fi.count * sizeof *islots);
    int rc = idx && islots ? pk_array_get_i64(feats, NULL, idx, fi.count, k->e) : FROST_ENOMEM;
    for (uint64_t j = 0; !rc && j < fi.count; j++) {
        if (idx[j] < 0 || (uint64_t)idx[j] >= in->n)
            rc = fr_fail(k->e, FROST_EFORMAT, "%s: indicator feature %" PRId64 " out of range",
                         path, idx[j]);
        else
            islots[j] = in->slot[idx[j]];
    }
    fmt_op op = {.opcode = FMT_OP_INDICATOR, .n_in = (uint32_t)fi.count,
                 .n_out = (uint32_t)fi.count, .in = islots};
    uint32_t first = 0;
    if (!rc)
        rc = cv_add_op(k, &op, &first, path);
    for (uint64_t j = 0; !rc && j < fi.count; j++) {
        char nm[4200];
        snprintf(nm, sizeof nm, "missingindicator_%s", in->name[idx[j]]);
        rc = cv_cols_push(out, first + (uint32_t)j, nm) ? FROST_ENOMEM : 0;
    }
    free(idx);
    free(islots);
    return rc;
}

static int imputer(comp *k, const pk_obj *o, const cols *in, cols *out, const char *path)
{
    int rc = 0;
    if (!missing_is_nan(pk_attr(o, "missing_values")))
        return fr_fail(k->e, FROST_EUNSUPPORTED,
                       "%s: not supported yet: SimpleImputer(missing_values=...) other than NaN",
                       path);
    const pk_obj *stats = pk_attr(o, "statistics_");
    pk_array_info si;
    if (!stats || pk_array_info_get(stats, &si) || si.ndim != 1 || si.count != in->n)
        return fr_fail(k->e, FROST_EFORMAT, "%s: statistics_ does not hold %u values", path,
                       in->n);
    const pk_obj *keep = pk_attr(o, "keep_empty_features");
    int keep_empty = 0;
    if (keep)
        pk_get_bool(keep, &keep_empty);
    /* string statistics (object arrays of str) make this a string imputer */
    int str = si.kind == 'U' || si.kind == 'S';
    if (si.kind == 'O' && in->n) {
        const pk_obj *it = pk_array_item(stats, 0);
        str = pk_kind_of(it) == PK_STR;
    }
    uint32_t n = 0;
    uint32_t *slots = calloc(in->n ? in->n : 1, sizeof *slots);
    double *fill = calloc(in->n ? in->n : 1, sizeof *fill);
    char **fills = calloc(in->n ? in->n : 1, sizeof *fills);
    char **names = calloc(in->n ? in->n : 1, sizeof *names);
    double *nums = NULL; /* the statistics of a numeric array, read at once */
    if (!slots || !fill || !fills || !names)
        rc = fr_fail(k->e, FROST_ENOMEM, "out of memory");
    if (!rc && !str && si.kind != 'O' && in->n) {
        if (!(nums = malloc(in->n * sizeof *nums)))
            rc = FROST_ENOMEM;
        else if (pk_array_get_f64(stats, NULL, nums, in->n, k->e))
            rc = fr_wrap(k->e, "%s.statistics_", path);
    }
    for (uint32_t i = 0; !rc && i < in->n; i++) {
        char buf[4096];
        size_t len;
        double v = NAN;
        if (str) {
            if ((rc = pk_array_get_str(stats, i, buf, sizeof buf, &len, k->e)))
                break;
        } else if (si.kind == 'O') {
            if (pk_get_double(pk_array_item(stats, i), &v)) {
                rc = fr_fail(k->e, FROST_EUNSUPPORTED, "%s: statistic %u is not a number", path, i);
                break;
            }
        } else {
            v = nums[i];
        }
        /* a column all-missing at fit has a NaN statistic and is dropped from the output
         * (unless keep_empty_features, 1.2+, which fills it with 0) */
        if (!str && isnan(v)) {
            if (!keep_empty)
                continue;
            v = 0.0;
        }
        slots[n] = in->slot[i];
        names[n] = in->name[i];
        if (str)
            fills[n] = strdup(buf);
        else
            fill[n] = v;
        if (str && !fills[n]) {
            rc = FROST_ENOMEM;
            break;
        }
        n++;
    }
    for (uint32_t i = 0; !rc && i < n; i++)
        rc = cv_want_kind(k, slots[i], str ? FMT_SLOT_STR : FMT_SLOT_NUM, path);
    uint32_t first = 0;
    if (!rc && n) {
        fmt_op op = {.opcode = str ? FMT_OP_IMPUTE_STR : FMT_OP_IMPUTE, .n_in = n, .n_out = n,
                     .in = slots, .a = str ? NULL : fill, .strs = str ? fills : NULL};
        rc = cv_add_op(k, &op, &first, path);
    }
    for (uint32_t i = 0; !rc && i < n; i++)
        rc = cv_cols_push(out, first + i, names[i]) ? fr_fail(k->e, FROST_ENOMEM, "oom") : 0;
    const pk_obj *ind = pk_attr(o, "indicator_");
    if (!rc && ind && !pk_is_none(ind))
        rc = missing_indicator(k, ind, in, out, path);
    for (uint32_t i = 0; fills && i < n; i++)
        free(fills[i]);
    free(fills);
    free(fill);
    free(slots);
    free(names);
    free(nums);
    return rc;
}

/* An operation op (its parameters set) over every numeric column of in, one output each under
 * the input's name (Normalizer, FunctionTransformer's ufunc). */
static int column_wise(comp *k, fmt_op *op, const cols *in, cols *out, const char *path)
{
    int rc = 0;
    for (uint32_t i = 0; !rc && i < in->n; i++)
        rc = cv_want_kind(k, in->slot[i], FMT_SLOT_NUM, path);
    op->n_in = op->n_out = in->n;
    op->in = in->slot;
    uint32_t first = 0;
    if (!rc && in->n)
        rc = cv_add_op(k, op, &first, path);
    for (uint32_t i = 0; !rc && i < in->n; i++)
        rc = cv_cols_push(out, first + i, in->name[i]) ? fr_fail(k->e, FROST_ENOMEM, "oom") : 0;
    return rc;
}

/* Normalizer: each row divided by its l1 / l2 / max norm over the columns it sees. */
static int normalizer(comp *k, const pk_obj *o, const cols *in, cols *out, const char *path)
{
    const pk_obj *norm = pk_attr(o, "norm");
    uint32_t n = norm && pk_str_eq(norm, "l1") ? 1 : norm && pk_str_eq(norm, "max") ? 3 : 2;
    if (norm && n == 2 && !pk_str_eq(norm, "l2"))
        return fr_fail(k->e, FROST_EUNSUPPORTED, "%s: not supported yet: norm '%s'", path,
                       pk_str(norm, NULL) ? pk_str(norm, NULL) : "?");
    fmt_op op = {.opcode = FMT_OP_NORMALIZE, .norm = n};
    return column_wise(k, &op, in, out, path);
}

/* PolynomialFeatures: the terms in combinations(_with_replacement) order from _min_degree to
 * _max_degree (bias first); transform builds a degree-d term (i1 ≤ … ≤ id) as the degree-(d-1)
 * term (i2 … id) times x_i1 (sklearn/preprocessing/_polynomial.py), so the product is taken in
 * that order: the term list is L(i2..id) followed by i1. */
static int poly_next(uint32_t *c, uint32_t d, uint32_t n, int interaction)
{
    /* the next combination (with replacement unless interaction) in lexicographic order */
    for (int64_t i = (int64_t)d - 1; i >= 0; i--) {
        uint32_t limit = interaction ? n - (d - (uint32_t)i) : n - 1;
        if (c[i] < limit) {
            c[i]++;
            for (uint32_t j = (uint32_t)i + 1; j < d; j++)
                c[j] = interaction ? c[j - 1] + 1 : c[j - 1];
            return 1;
        }
    }
    return 0;
}

static int poly(comp *k, const pk_obj *o, const cols *in, cols *out, const char *path)
{
    int64_t lo = 0, hi = 0;
    int interaction = 0, bias = 1;
    const pk_obj *v;
    if ((v = pk_attr(o, "_min_degree")) && pk_get_int(v, &lo))
        lo = 0;
    if (!(v = pk_attr(o, "_max_degree")) || pk_get_int(v, &hi)) {
        if (!(v = pk_attr(o, "degree")) || pk_get_int(v, &hi))
            return fr_fail(k->e, FROST_EUNSUPPORTED, "%s: not supported yet: this degree", path);
    }
    if ((v = pk_attr(o, "interaction_only")))
        pk_get_bool(v, &interaction);
    if ((v = pk_attr(o, "include_bias")))
        pk_get_bool(v, &bias);
    if (hi > 3 || lo < 0 || lo > hi || in->n == 0)
        return fr_fail(k->e, FROST_EUNSUPPORTED, "%s: not supported yet: degree %" PRId64
                       " (frost handles up to 3)", path, hi);
    int rc = 0;
    for (uint32_t i = 0; !rc && i < in->n; i++)
        rc = cv_want_kind(k, in->slot[i], FMT_SLOT_NUM, path);
    uint32_t *off = malloc(sizeof *off), *idx = NULL;
    char **names = NULL;
    uint32_t n_terms = 0, n_idx = 0;
    if (!off)
        return fr_fail(k->e, FROST_ENOMEM, "out of memory");
    off[0] = 0;
    for (uint32_t d = bias ? 0 : 1; !rc && d <= (uint32_t)hi; d++) {
        if (d && d < (uint32_t)lo)
            continue;
        if (interaction && d > in->n)
            break;
        uint32_t c[3] = {0, 1, 2};
        if (!interaction)
            c[1] = c[2] = 0;
        do {
            uint32_t *o2 = realloc(off, (n_terms + 2) * sizeof *off);
            uint32_t *i2 = realloc(idx, (n_idx + d + 1) * sizeof *idx);
            char **n2 = realloc(names, (n_terms + 1) * sizeof *names);
            if (o2) off = o2;
            if (i2) idx = i2;
            if (n2) names = n2;
            if (!o2 || !i2 || !n2) {
                rc = fr_fail(k->e, FROST_ENOMEM, "out of memory");
                break;
            }
            /* product order: L(c1..) then c0, recursively */
            uint32_t L[3];
            if (d == 1) L[0] = c[0];
            if (d == 2) { L[0] = c[0]; L[1] = c[1]; }
            if (d == 3) { L[0] = c[1]; L[1] = c[2]; L[2] = c[0]; }
            for (uint32_t j = 0; j < d; j++)
                idx[n_idx++] = L[j];
            off[++n_terms] = n_idx;
            /* get_feature_names_out: "a^2 b", bias "1" */
            char nm[8400] = "";
            size_t at = 0;
            if (d == 0)
                snprintf(nm, sizeof nm, "1");
            for (uint32_t j = 0; j < d; j++) {
                uint32_t e = 1;
                while (j + e < d && c[j + e] == c[j])
                    e++;
                if (at < sizeof nm)
                    at += (size_t)snprintf(nm + at, sizeof nm - at, e > 1 ? "%s%s^%u" : "%s%s",
                                           at ? " " : "", in->name[c[j]], e);
                j += e - 1;
            }
            names[n_terms - 1] = strdup(nm);
            if (!names[n_terms - 1])
                rc = fr_fail(k->e, FROST_ENOMEM, "out of memory");
        } while (!rc && d > 0 && poly_next(c, d, in->n, interaction));
    }
    uint32_t first = 0;
    if (!rc) {
        fmt_op op = {.opcode = FMT_OP_POLY, .n_in = in->n, .n_out = n_terms, .in = in->slot,
                     .term_off = off, .term_idx = idx};
        rc = cv_add_op(k, &op, &first, path);
    }
    for (uint32_t t = 0; !rc && t < n_terms; t++)
        rc = cv_cols_push(out, first + t, names[t]) ? fr_fail(k->e, FROST_ENOMEM, "oom") : 0;
    for (uint32_t t = 0; names && t < n_terms; t++)
        free(names[t]);
    free(names);
    free(off);
    free(idx);
    return rc;
}

/* KBinsDiscretizer: searchsorted over the inner edges (1.1+), or digitize with numpy.isclose's
 * tolerance before; encode='ordinal' gives the bin, 'onehot'/'onehot-dense' its one-hot. */
static int kbins(comp *k, const pk_obj *o, const cols *in, cols *out, const char *path)
{
    const pk_obj *edges = pk_attr(o, "bin_edges_");
    const pk_obj *enc = pk_attr(o, "encode");
    int ordinal = !enc || pk_str_eq(enc, "ordinal");
    pk_array_info ei;
    if (!edges || pk_array_info_get(edges, &ei) || ei.count != in->n)
        return fr_fail(k->e, FROST_EFORMAT, "%s: bin_edges_ does not list %u columns", path,
                       in->n);
    int v[3];
    cv_sklearn_version(o, v);
    uint32_t rule = v[0] > 1 || (v[0] == 1 && v[1] >= 1) ? 1 : 2;
    int rc = 0;
    for (uint32_t f = 0; f < in->n && !rc; f++) {
        const pk_obj *e = pk_array_item(edges, f);
        pk_array_info ai;
        if (!e || pk_array_info_get(e, &ai) || ai.ndim != 1 || ai.count < 2 || ai.count > (1u << 20)) {
            rc = fr_fail(k->e, FROST_EFORMAT, "%s: bin_edges_[%u] is not an edge array", path, f);
            break;
        }
        double *ed = malloc(ai.count * sizeof *ed);
        if (!ed || pk_array_get_f64(e, NULL, ed, ai.count, k->e)) {
            free(ed);
            rc = ed ? fr_wrap(k->e, "%s.bin_edges_", path) : fr_fail(k->e, FROST_ENOMEM, "oom");
            break;
        }
        rc = cv_want_kind(k, in->slot[f], FMT_SLOT_NUM, path);
        uint32_t n_bins = (uint32_t)ai.count - 1, first = 0;
        fmt_op op = {.opcode = FMT_OP_BINS, .n_in = 1, .n_out = ordinal ? 1 : n_bins,
                     .in = &in->slot[f], .rule = rule, .n_edges = (uint32_t)ai.count, .edges = ed};
        if (!rc)
            rc = cv_add_op(k, &op, &first, path);
        for (uint32_t b = 0; !rc && b < op.n_out; b++) {
            char nm[8400];
            if (ordinal)
                snprintf(nm, sizeof nm, "%s", in->name[f]);
            else
                snprintf(nm, sizeof nm, "%s_%u.0", in->name[f], b);
            rc = cv_cols_push(out, first + b, nm) ? fr_fail(k->e, FROST_ENOMEM, "oom") : 0;
        }
        free(ed);
    }
    return rc;
}

/* PCA, IncrementalPCA, TruncatedSVD (sklearn/decomposition/_base.py _BasePCA.transform,
 * _truncated_svd.py): (X - mean_) @ components_.T — TruncatedSVD centres nothing — then, with
 * whiten, each column divided by sqrt(explained_variance_) (a SCALE). Columns are named as
 * get_feature_names_out() names them: the class in lower case and the component number. */
static int projection(comp *k, const pk_obj *o, const cols *in, cols *out, const char *path)
{
    const char *cls = pk_class_name(o);
    const char *base = cv_short_name(cls);
    const pk_obj *comp_ = pk_attr(o, "components_");
    pk_array_info ci;
    if (!comp_ || pk_array_info_get(comp_, &ci) || ci.ndim != 2 || ci.shape[1] != in->n ||
        ci.shape[0] == 0 || ci.count > FMT_MAX_PROJECT)
        return fr_fail(k->e, FROST_EFORMAT, "%s: components_ is not a matrix of %u columns",
                       path, in->n);
    uint32_t n_out = (uint32_t)ci.shape[0];
    double *w = malloc(ci.count * sizeof *w), *center = calloc(in->n ? in->n : 1, sizeof *center);
    double *ev = calloc(n_out, sizeof *ev), *zero = calloc(n_out, sizeof *zero);
    int rc = w && center && ev && zero ? 0 : fr_fail(k->e, FROST_ENOMEM, "out of memory");
    if (!rc && pk_array_get_f64(comp_, NULL, w, ci.count, k->e))
        rc = fr_wrap(k->e, "%s.components_", path);
    int truncated = strcmp(base, "TruncatedSVD") == 0, whiten = 0;
    const pk_obj *mean = pk_attr(o, "mean_");
    if (!rc && !truncated && mean && !pk_is_none(mean))
        rc = cv_get_vec(k, o, "mean_", in->n, 0.0, center, path);
    const pk_obj *wh = pk_attr(o, "whiten");
    if (!truncated && wh)
        pk_get_bool(wh, &whiten);
    if (!rc && whiten) {
        rc = cv_get_vec(k, o, "explained_variance_", n_out, 1.0, ev, path);
        for (uint32_t c = 0; !rc && c < n_out; c++)
            ev[c] = sqrt(ev[c]);
    }
    for (uint32_t i = 0; !rc && i < in->n; i++)
        rc = cv_want_kind(k, in->slot[i], FMT_SLOT_NUM, path);
    uint32_t first = 0, wfirst = 0;
    fmt_op op = {.opcode = FMT_OP_PROJECT, .n_in = in->n, .n_out = n_out, .in = in->slot,
                 .a = center, .w = w};
    if (!rc)
        rc = cv_add_op(k, &op, &first, path);
    uint32_t *slots = !rc && whiten ? malloc(n_out * sizeof *slots) : NULL;
    if (!rc && whiten && !slots)
        rc = fr_fail(k->e, FROST_ENOMEM, "out of memory");
    if (!rc && whiten) { /* X_transformed /= sqrt(explained_variance_) */
        for (uint32_t c = 0; c < n_out; c++)
            slots[c] = first + c;
        fmt_op sc = {.opcode = FMT_OP_SCALE, .n_in = n_out, .n_out = n_out, .in = slots,
                     .a = zero, .b = ev};
        rc = cv_add_op(k, &sc, &wfirst, path);
        first = wfirst;
    }
    char lower[64];
    size_t len = strlen(base) < sizeof lower - 1 ? strlen(base) : sizeof lower - 1;
    for (size_t i = 0; i < len; i++)
        lower[i] = (char)(base[i] >= 'A' && base[i] <= 'Z' ? base[i] - 'A' + 'a' : base[i]);
    lower[len] = 0;
    for (uint32_t c = 0; !rc && c < n_out; c++) {
        char nm[96];
        snprintf(nm, sizeof nm, "%s%u", lower, c);
        rc = cv_cols_push(out, first + c, nm) ? fr_fail(k->e, FROST_ENOMEM, "oom") : 0;
    }
    free(slots);
    free(w);
    free(center);
    free(ev);
    free(zero);
    return rc;
}

/* The numpy ufunc a FunctionTransformer's func (or a TransformedTargetRegressor's) names, as
 * FMT_UF_*; 0 for anything else. The ufunc is data: its global's name, never called. */
uint32_t cv_ufunc_of(const pk_obj *fn)
{
    static const char *const mods[] = {"numpy.core._multiarray_umath.",
                                       "numpy._core._multiarray_umath.", "numpy."};
    static const struct { const char *name; uint32_t f; } ufuncs[] = {
        {"log", FMT_UF_LOG},       {"log1p", FMT_UF_LOG1P},       {"exp", FMT_UF_EXP},
        {"expm1", FMT_UF_EXPM1},   {"sqrt", FMT_UF_SQRT},         {"square", FMT_UF_SQUARE},
        {"absolute", FMT_UF_ABS},  {"reciprocal", FMT_UF_RECIPROCAL},
    };
    const char *cls = fn && pk_kind_of(fn) == PK_GLOBAL ? pk_class_name(fn) : NULL;
    for (size_t m = 0; cls && m < sizeof mods / sizeof mods[0]; m++) {
        size_t len = strlen(mods[m]);
        if (strncmp(cls, mods[m], len) != 0)
            continue;
        for (size_t i = 0; i < sizeof ufuncs / sizeof ufuncs[0]; i++)
            if (strcmp(cls + len, ufuncs[i].name) == 0)
                return ufuncs[i].f;
    }
    return 0;
}

/* A callable's name for a message: the global it names, else its kind. */
const char *cv_callable_name(const pk_obj *fn)
{
    const char *cls = fn ? pk_class_name(fn) : NULL;
    return cls ? cls : "a Python function";
}

/* FunctionTransformer: func=None is the identity (ColumnTransformer fits 'passthrough' as one;
 * saved alone it transforms to its input); func a numpy ufunc is that ufunc on each column (one UFUNC op). Keyword arguments would
 * change what the ufunc computes (out=, where=): refused. */
static int function_transformer(comp *k, const pk_obj *o, const cols *in, cols *out,
                                const char *path)
{
    const pk_obj *fn = pk_attr(o, "func");
    if (!fn || pk_is_none(fn))
        return cv_cols_append(out, in) ? fr_fail(k->e, FROST_ENOMEM, "oom") : 0;
    uint32_t f = cv_ufunc_of(fn);
    if (!f)
        return fr_fail(k->e, FROST_EUNSUPPORTED, "%s: not supported yet: FunctionTransformer "
                       "with func=%s (frost runs the numpy ufuncs log, log1p, exp, expm1, sqrt, "
                       "square, absolute, reciprocal)", path, cv_callable_name(fn));
    const pk_obj *kw = pk_attr(o, "kw_args");
    if (kw && !pk_is_none(kw) && pk_len(kw) != 0)
        return fr_fail(k->e, FROST_EUNSUPPORTED, "%s: not supported yet: FunctionTransformer "
                       "with kw_args", path);
    fmt_op op = {.opcode = FMT_OP_UFUNC, .ufunc = f};
    return column_wise(k, &op, in, out, path);
}

typedef int (*transform_fn)(comp *k, const pk_obj *o, const cols *in, cols *out,
                            const char *path);

/* The transformers a model may be made of (and be on its own), and how each compiles. */
static const struct transformer {
    const char *cls;
    transform_fn compile;
} transformers[] = {
    {"sklearn.impute._base.SimpleImputer", imputer},
    {SK_PRE "StandardScaler", scaler},
    {SK_PRE "MinMaxScaler", scaler},
    {SK_PRE "RobustScaler", scaler},
    {SK_PRE "MaxAbsScaler", scaler},
    {SK_ENC "OneHotEncoder", cv_onehot},
    {SK_ENC "OrdinalEncoder", cv_ordinal},
    {SK_PRE "Normalizer", normalizer},
    {"sklearn.preprocessing._polynomial.PolynomialFeatures", poly},
    {"sklearn.preprocessing._discretization.KBinsDiscretizer", kbins},
    {"sklearn.preprocessing._function_transformer.FunctionTransformer", function_transformer},
    {"sklearn.decomposition._pca.PCA", projection},
    {"sklearn.decomposition._incremental_pca.IncrementalPCA", projection},
    {"sklearn.decomposition._truncated_svd.TruncatedSVD", projection},
};

static const struct transformer *find_transformer(const char *cls)
{
    for (size_t i = 0; cls && i < sizeof transformers / sizeof transformers[0]; i++)
        if (strcmp(cls, transformers[i].cls) == 0)
            return &transformers[i];
    return NULL;
}

int cv_is_transformer(const char *cls)
{
    return find_transformer(cls) != NULL || cv_is_selector(cls);
}

int cv_transformer(comp *k, const pk_obj *o, const char *cls, const cols *in, cols *out,
                   const char *path)
{
    const struct transformer *t = find_transformer(cls);
    if (t)
        return t->compile(k, o, in, out, path);
    if (cv_is_selector(cls))
        return cv_selector(k, o, in, out, path);
    return fr_fail(k->e, FROST_EUNSUPPORTED, "%s: not supported yet: %s", path, cls);
}

/* What a transformer's transform refuses in its input (check_array as its version calls it), or
 * 0 for the composites, which leave validation to their steps:
 *  - SimpleImputer: infinity (force_all_finite='allow-nan' when missing_values is NaN); with
 *    missing_values=None, missing values too (sklearn/impute/_base.py _validate_input);
 *  - the scalers: infinity; missing values too before 0.20, which taught them NaN
 *    (preprocessing/_data.py);
 *  - OneHotEncoder / OrdinalEncoder: infinity; missing values too before 0.24
 *    (preprocessing/_encoders.py _check_X);
 *  - Normalizer, PolynomialFeatures, KBinsDiscretizer, FunctionTransformer(validate=True):
 *    check_array's defaults, both;
 *  - the selectors (SelectorMixin.transform: force_all_finite=not allow_nan): VarianceThreshold
 *    allows NaN and so nothing is refused; SelectKBest / SelectPercentile, and SelectFromModel
 *    over the linear models it converts (no allow_nan tag), both. */
uint32_t cv_step_refuses(const pk_obj *o, const char *cls)
{
    const uint32_t both = FMT_CHECK_NAN | FMT_CHECK_INF;
    int b;
    if (strcmp(cls, "sklearn.impute._base.SimpleImputer") == 0) {
        const pk_obj *mv = pk_attr(o, "missing_values");
        return mv && pk_is_none(mv) ? both : FMT_CHECK_INF;
    }
    if (strcmp(cls, SK_PRE "StandardScaler") == 0 || strcmp(cls, SK_PRE "MinMaxScaler") == 0 ||
        strcmp(cls, SK_PRE "RobustScaler") == 0 || strcmp(cls, SK_PRE "MaxAbsScaler") == 0)
        return cv_version_at_least(o, 0, 20) ? FMT_CHECK_INF : both;
    if (strcmp(cls, SK_ENC "OneHotEncoder") == 0 || strcmp(cls, SK_ENC "OrdinalEncoder") == 0)
        return cv_version_at_least(o, 0, 24) ? FMT_CHECK_INF : both;
    if (strcmp(cls, SK_PRE "Normalizer") == 0 ||
        strcmp(cls, "sklearn.preprocessing._polynomial.PolynomialFeatures") == 0 ||
        strcmp(cls, "sklearn.preprocessing._discretization.KBinsDiscretizer") == 0)
        return both;
    if (cv_is_selector(cls))
        return strstr(cls, "VarianceThreshold") ? 0 : both;
    if (strncmp(cls, "sklearn.decomposition.", 22) == 0) /* PCA, TruncatedSVD: check_array */
        return both;
    if (strcmp(cls, "sklearn.preprocessing._function_transformer.FunctionTransformer") == 0)
        return pk_attr(o, "validate") && !pk_get_bool(pk_attr(o, "validate"), &b) && b ? both : 0;
    if (cv_is_selector(cls))
        return strstr(cls, "VarianceThreshold") ? 0 : both;
    return 0;
}
