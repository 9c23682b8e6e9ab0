/*
 * convert_pipeline.c — compiles a fitted scikit-learn Pipeline / ColumnTransformer / FeatureUnion
 * and its transformers into a PROGRAM (FORMAT.md): straight-line column operations over typed
 * slots, then converts the estimator a Pipeline ends in. This file drives it: the raw input
 * columns (the first step's feature_names_in_), the steps (convert_columns.c), the final
 * estimator (convert_estimator.c) or combination (convert_combine.c), the kinds of the inputs
 * nothing typed, and the program into the builder.
 *
 * Input columns get their kind (number or string) from the first operation that reads them.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert_columns.h"
#include "convert_combine.h"
#include "convert_estimator.h"
#include "convert_pipeline.h"
#include "convert_target.h"
#include "convert_transformers.h"

int cv_is_pipeline_class(const char *cls)
{
    return cv_is_composite(cls) || cv_is_transformer(cls);
}

/* The raw inputs: the first step's feature_names_in_ (or n_features_in_ positional columns). */
static int pipeline_inputs(comp *k, const pk_obj *root, cols *in)
{
    const pk_obj *first = root;
    /* Voting* keep feature_names_in_ but derive n_features_in_ from estimators_[0] (a
     * property, not pickled); OneVsRestClassifier copies both from it */
    for (int depth = 0; depth < 8 && cv_is_combine(pk_class_name(first)) &&
                        !pk_attr(first, "feature_names_in_") && !pk_attr(first, "n_features_in_");
         depth++) {
        const pk_obj *ests = pk_attr(first, "estimators_");
        if (!ests || !pk_len(ests))
            break;
        first = cv_unwrap_search(pk_item(ests, 0));
    }
    while (pk_is_class(first, "sklearn.pipeline.Pipeline")) {
        const pk_obj *steps = pk_attr(first, "steps");
        const pk_obj *est = NULL;
        for (size_t i = 0; steps && i < pk_len(steps) && !est; i++) {
            const pk_obj *e = pk_item(pk_item(steps, i), 1);
            if (e && !pk_is_none(e) && !pk_str_eq(e, "passthrough"))
                est = e;
        }
        if (!est)
            return fr_fail(k->e, FROST_EFORMAT, "the pipeline has no steps");
        first = est;
    }
    /* a FeatureUnion records no input width of its own: its first transformer does */
    for (int depth = 0; depth < 8 && pk_is_class(first, "sklearn.pipeline.FeatureUnion") &&
                        !pk_attr(first, "n_features_in_"); depth++) {
        const pk_obj *list = pk_attr(first, "transformer_list");
        const pk_obj *t = NULL;
        for (size_t i = 0; list && i < pk_len(list) && !t; i++) {
            const pk_obj *e = pk_item(pk_item(list, i), 1);
            if (e && !pk_str_eq(e, "drop") && !pk_str_eq(e, "passthrough"))
                t = e;
        }
        if (!t)
            break;
        first = t;
    }
    /* SelectFromModel's n_features_in_ is a property of its fitted estimator_, a
     * TransformedTargetRegressor's of its regressor_ */
    if (pk_is_class(first, "sklearn.feature_selection._from_model.SelectFromModel") &&
        !pk_attr(first, "n_features_in_") && pk_attr(first, "estimator_"))
        first = cv_unwrap_search(pk_attr(first, "estimator_"));
    if (pk_is_class(first, CV_TTR) && !pk_attr(first, "n_features_in_") &&
        pk_attr(first, "regressor_"))
        first = cv_unwrap_search(pk_attr(first, "regressor_"));
    const pk_obj *names = pk_attr(first, "feature_names_in_");
    int64_t n = 0;
    pk_array_info ai;
    if (names && !pk_array_info_get(names, &ai) && ai.ndim == 1) {
        n = (int64_t)ai.count;
    } else {
        names = NULL;
        const pk_obj *nf = pk_attr(first, "n_features_in_");
        if (!nf || pk_get_int(nf, &n))
            return fr_fail(k->e, FROST_EFORMAT, "%s: cannot tell how many input columns it "
                           "takes", cv_short_name(pk_class_name(first)));
    }
    if (n <= 0 || n > (1 << 22))
        return fr_fail(k->e, FROST_EFORMAT, "%" PRId64 " input columns", n);
    for (int64_t i = 0; i < n; i++) {
        char buf[4096];
        size_t len;
        if (names) {
            if (pk_array_get_str(names, (uint64_t)i, buf, sizeof buf, &len, k->e))
                return fr_wrap(k->e, "feature_names_in_");
        } else {
            snprintf(buf, sizeof buf, "x%" PRId64, i);
        }
        if (cv_cols_push(in, (uint32_t)i, buf))
            return fr_fail(k->e, FROST_ENOMEM, "out of memory");
    }
    k->cv->n_inputs = (uint32_t)n;
    if (names) {
        k->cv->input_names = calloc((size_t)n, sizeof(char *));
        if (!k->cv->input_names)
            return fr_fail(k->e, FROST_ENOMEM, "out of memory");
        for (int64_t i = 0; i < n; i++)
            if (!(k->cv->input_names[i] = strdup(in->name[i])))
                return fr_fail(k->e, FROST_ENOMEM, "out of memory");
    }
    return 0;
}

int cv_pipeline(conv *c, const pk_obj *root, const frost_convert_options *o)
{
    comp k = {.cv = c, .e = c->e};
    cols in = {0}, out = {0};
    int rc = pipeline_inputs(&k, root, &in);
    if (rc)
        goto free_cols;
    k.n_inputs = in.n;
    k.p = fmt_program_new(c->wa, in.n, NULL);
    k.input_kind = malloc(in.n);
    k.input_read = calloc(in.n, 1);
    if (!k.p || !k.input_kind || !k.input_read) {
        rc = fr_fail(c->e, FROST_ENOMEM, "out of memory");
        goto free_cols;
    }
    memset(k.input_kind, CV_KIND_UNSET, in.n);
    /* a Pipeline ending in an estimator: compile the steps before it, convert it after */
    const pk_obj *final = NULL, *ttr = NULL;
    char final_path[300] = "";
    char path[256];
    cv_root_name(pk_class_name(root), path, sizeof path);
    if (pk_is_class(root, "sklearn.pipeline.Pipeline")) {
        const pk_obj *steps = pk_attr(root, "steps");
        size_t n = pk_len(steps);
        const pk_obj *last = n ? cv_unwrap_search(pk_item(pk_item(steps, n - 1), 1)) : NULL;
        if (last && pk_is_class(last, CV_TTR)) { /* its regressor_ ends the pipeline */
            const char *step = pk_str(pk_item(pk_item(steps, n - 1), 0), NULL);
            snprintf(final_path, sizeof final_path, "pipeline/%s", step ? step : "?");
            ttr = last;
            if (!(last = cv_target_regressor(c, ttr, final_path))) {
                rc = c->e->code ? c->e->code : FROST_EFORMAT;
                goto free_cols;
            }
            if (!cv_is_estimator(pk_class_name(last))) {
                rc = fr_fail(c->e, FROST_EUNSUPPORTED, "%s: not supported yet: a Transformed"
                             "TargetRegressor over %s inside a Pipeline", final_path,
                             cv_short_name(pk_class_name(last)));
                goto free_cols;
            }
        }
        if (last && (cv_is_estimator(pk_class_name(last)) || cv_is_combine(pk_class_name(last)))) {
            final = last;
            const char *step = pk_str(pk_item(pk_item(steps, n - 1), 0), NULL);
            snprintf(final_path, sizeof final_path, "pipeline/%s", step ? step : "?");
            n--;
        } else if (last && !cv_is_pipeline_class(pk_class_name(last)) && !pk_is_none(last) &&
                   !pk_str_eq(last, "passthrough")) {
            const char *step = pk_str(pk_item(pk_item(steps, pk_len(steps) - 1), 0), NULL);
            rc = fr_fail(c->e, FROST_EUNSUPPORTED, "pipeline/%s: not supported yet: %s",
                         step ? step : "?", pk_class_name(last) ? pk_class_name(last)
                                                                 : pk_kind_name(pk_kind_of(last)));
            goto free_cols;
        }
        snprintf(path, sizeof path, "pipeline");
        rc = cv_pipeline_steps(&k, root, n, &in, &out, path);
    } else if (cv_is_combine(pk_class_name(root))) {
        final = root; /* a Voting / OneVsRest over the raw columns */
        snprintf(final_path, sizeof final_path, "%s", path);
        rc = cv_cols_append(&out, &in) ? fr_fail(c->e, FROST_ENOMEM, "oom") : 0;
    } else {
        rc = cv_compile(&k, root, &in, &out, path);
    }
    if (rc)
        goto free_cols;
    if (out.n == 0) {
        rc = fr_fail(c->e, FROST_EUNSUPPORTED, "the preprocessing produces no columns");
        goto free_cols;
    }
    if (final && cv_is_combine(pk_class_name(final))) {
        rc = cv_combine_program(&k, final, &in, &out, final_path, o);
        goto free_cols;
    }
    cv_finish_kinds(&k, &out);
    for (uint32_t i = 0; i < out.n; i++)
        if (k.p->slot_kind[out.slot[i]] != FMT_SLOT_NUM) {
            rc = fr_fail(c->e, FROST_EUNSUPPORTED, "column '%s' reaches the %s as strings",
                         out.name[i], final ? "estimator" : "output");
            goto free_cols;
        }
    if ((rc = fmt_program_set_outputs(k.p, out.slot, out.n, (const char *const *)out.name,
                                      c->e)))
        goto free_cols;
    c->program = k.p;
    k.p = NULL;
    if (final) {
        c->path = final_path;
        rc = cv_estimator(c, final, o);
        c->path = NULL;
        if (rc)
            fr_wrap(c->e, "%s", final_path);
        if (!rc && ttr)
            rc = cv_target_transform(c, ttr, final_path);
        if (!rc && c->n_features != out.n)
            rc = fr_fail(c->e, FROST_EFORMAT, "the estimator takes %u features, the "
                         "preprocessing makes %u", c->n_features, out.n);
    } else {
        /* a saved transformer: a builder with the program only */
        if ((rc = wr_builder_new_bare(&o->write, &c->b)))
            rc = fr_fail(c->e, rc, "out of memory");
        else if ((rc = wr_builder_set_program(c->b, c->program)))
            rc = fr_fail(c->e, rc, "%s", frost_builder_errmsg(c->b));
        else
            c->program = NULL;
    }
free_cols:
    fmt_program_free(k.p);
    free(k.input_kind);
    free(k.input_read);
    cv_cols_free(&in);
    cv_cols_free(&out);
    return rc;
}
