/*
 * convert_target.c — TransformedTargetRegressor (sklearn/compose/_target.py). predict is
 * transformer_.inverse_transform(regressor_.predict(X)) (1-D predictions reshaped to one
 * column and squeezed back), so the file holds the regressor_ as its estimator and the inverse
 * as TARGET steps: StandardScaler's `y * scale_ + mean_`, or the inverse_func of a
 * FunctionTransformer when it is a numpy ufunc (the ufunc is data: its name, never called).
 * transformer_ is always fitted: func/inverse_func become a FunctionTransformer, neither an
 * identity one.
 */
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "convert_target.h"
#include "convert_transformers.h"
#include "writer.h"

#define FT_CLS "sklearn.preprocessing._function_transformer.FunctionTransformer"
#define SS_CLS "sklearn.preprocessing._data.StandardScaler"

const pk_obj *cv_target_regressor(conv *c, const pk_obj *ttr, const char *path)
{
    const pk_obj *reg = pk_attr(ttr, "regressor_");
    reg = reg ? cv_unwrap_search(reg) : NULL;
    if (!reg || pk_kind_of(reg) != PK_OBJECT) {
        fr_fail(c->e, FROST_EFORMAT, "%s: TransformedTargetRegressor holds no fitted regressor_",
                path);
        return NULL;
    }
    if (pk_is_class(reg, CV_TTR)) {
        fr_fail(c->e, FROST_EUNSUPPORTED, "%s: not supported yet: a TransformedTargetRegressor "
                "inside another", path);
        return NULL;
    }
    return reg;
}

/* StandardScaler.inverse_transform: X *= scale_ (with_std), then X += mean_ (with_mean). */
static int scaler_step(conv *c, const pk_obj *s, uint32_t n, fmt_target_step *st,
                       const char *path)
{
    int with_mean = 1, with_std = 1;
    const pk_obj *v;
    if ((v = pk_attr(s, "with_mean")))
        pk_get_bool(v, &with_mean);
    if ((v = pk_attr(s, "with_std")))
        pk_get_bool(v, &with_std);
    st->kind = FMT_TGT_AFFINE;
    st->a = fr_calloc(c->wa, n, sizeof(double));
    st->b = fr_calloc(c->wa, n, sizeof(double));
    if (!st->a || !st->b)
        return fr_fail(c->e, FROST_ENOMEM, "out of memory");
    const struct { const char *name; int use; double dflt; double *dst; } parts[] = {
        {"scale_", with_std, 1.0, st->a}, {"mean_", with_mean, 0.0, st->b}};
    for (int p = 0; p < 2; p++) {
        const pk_obj *arr = pk_attr(s, parts[p].name);
        pk_array_info ai;
        if (!parts[p].use || !arr || pk_is_none(arr)) {
            for (uint32_t j = 0; j < n; j++)
                parts[p].dst[j] = parts[p].dflt;
            continue;
        }
        if (pk_array_info_get(arr, &ai) || ai.count != n)
            return fr_fail(c->e, FROST_EFORMAT, "%s: transformer_.%s does not hold %u values",
                           path, parts[p].name, n);
        if (pk_array_get_f64(arr, NULL, parts[p].dst, n, c->e))
            return fr_wrap(c->e, "%s: transformer_.%s", path, parts[p].name);
    }
    return 0;
}

int cv_target_transform(conv *c, const pk_obj *ttr, const char *path)
{
    const pk_obj *tr = pk_attr(ttr, "transformer_");
    const char *cls = tr ? pk_class_name(tr) : NULL;
    uint32_t n = wr_builder_pred_width(c->b);
    fmt_target_step st = {0};
    int rc = 0;
    if (cls && strcmp(cls, FT_CLS) == 0) {
        const pk_obj *inv = pk_attr(tr, "inverse_func");
        const pk_obj *kw = pk_attr(tr, "inv_kw_args");
        if (!inv || pk_is_none(inv))
            return 0; /* the identity: predictions as the regressor makes them */
        if (!(st.ufunc = cv_ufunc_of(inv)))
            return fr_fail(c->e, FROST_EUNSUPPORTED, "%s/transformer_ (FunctionTransformer): not "
                           "supported yet: inverse_func=%s (frost runs the numpy ufuncs log, "
                           "log1p, exp, expm1, sqrt, square, absolute, reciprocal)", path,
                           cv_callable_name(inv));
        if (kw && !pk_is_none(kw) && pk_len(kw))
            return fr_fail(c->e, FROST_EUNSUPPORTED, "%s/transformer_ (FunctionTransformer): "
                           "not supported yet: inv_kw_args", path);
        st.kind = FMT_TGT_UFUNC;
    } else if (cls && strcmp(cls, SS_CLS) == 0) {
        rc = scaler_step(c, tr, n, &st, path);
    } else {
        return fr_fail(c->e, FROST_EUNSUPPORTED, "%s: not supported yet: TransformedTarget"
                       "Regressor with transformer %s (frost inverts StandardScaler and "
                       "FunctionTransformer of numpy ufuncs)", path,
                       cls ? cv_short_name(cls) : "?");
    }
    fmt_target *t = rc ? NULL : fr_calloc(c->wa, 1, sizeof *t);
    if (!rc && t) {
        t->steps = fr_calloc(c->wa, 1, sizeof *t->steps);
        if (t->steps) {
            t->n_targets = n;
            t->n_steps = 1;
            t->steps[0] = st;
            st = (fmt_target_step){0};
        }
    }
    if (!rc && (!t || !t->steps))
        rc = fr_fail(c->e, FROST_ENOMEM, "out of memory");
    if (!rc && (rc = wr_builder_set_target(c->b, t)))
        rc = fr_fail(c->e, rc, "%s: %s", path, frost_builder_errmsg(c->b));
    else if (!rc)
        t = NULL; /* the builder owns it */
    fmt_target_free(c->wa, t);
    fr_free(c->wa, st.a);
    fr_free(c->wa, st.b);
    return rc;
}
