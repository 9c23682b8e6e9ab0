/*
 * convert_linear.c — LinearRegression, Ridge, Lasso, ElasticNet, SGDRegressor, LinearSVR,
 * LogisticRegression, SGDClassifier, RidgeClassifier and LinearSVC: coef_ and intercept_, and
 * the rule that turns scores into predictions and probabilities.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "convert_labels.h"
#include "convert_linear.h"

/* The decision rule of a linear classifier (sklearn/linear_model/_logistic.py predict_proba,
 * _stochastic_gradient.py, _base.py LinearClassifierMixin). */
static int linear_rule(conv *c, uint32_t n_rows, uint32_t *rule)
{
    if (c->task == FROST_TASK_REGRESSOR) {
        *rule = FMT_LIN_IDENTITY;
        return 0;
    }
    if (strcmp(c->cls, "sklearn.linear_model._logistic.LogisticRegression") == 0) {
        /* multi_class: 'auto' (absent from 1.8 files, 'deprecated' in 1.5-1.7 files), 'ovr',
         * 'multinomial'; auto is ovr for binary problems and for liblinear */
        const pk_obj *mc = pk_attr(c->est, "multi_class");
        const pk_obj *solver = pk_attr(c->est, "solver");
        int ovr;
        if (mc && (pk_str_eq(mc, "ovr") || pk_str_eq(mc, "warn")))
            ovr = 1;
        else if (mc && pk_str_eq(mc, "multinomial"))
            ovr = 0;
        else
            ovr = c->n_classes[0] <= 2 || (solver && pk_str_eq(solver, "liblinear"));
        *rule = ovr ? (n_rows == 1 ? FMT_LIN_LOGISTIC : FMT_LIN_OVR)
                    : (n_rows == 1 ? FMT_LIN_BINARY_SOFTMAX : FMT_LIN_SOFTMAX);
        return 0;
    }
    if (strcmp(c->cls, "sklearn.linear_model._stochastic_gradient.SGDClassifier") == 0) {
        const pk_obj *loss = pk_attr(c->est, "loss");
        if (loss && (pk_str_eq(loss, "log_loss") || pk_str_eq(loss, "log"))) {
            *rule = n_rows == 1 ? FMT_LIN_LOGISTIC : FMT_LIN_OVR;
            return 0;
        }
        if (loss && pk_str_eq(loss, "modified_huber"))
            return fr_fail(c->e, FROST_EUNSUPPORTED,
                           "not supported yet: SGDClassifier(loss='modified_huber')");
    }
    *rule = FMT_LIN_DECISION; /* hinge-type losses, LinearSVC, RidgeClassifier: no proba */
    return 0;
}

int cv_convert_linear(conv *c, const frost_convert_options *o, int classifier)
{
    int rc;
    c->task = classifier ? FROST_TASK_CLASSIFIER : FROST_TASK_REGRESSOR;
    const pk_obj *coef = pk_attr(c->est, "coef_");
    const pk_obj *icpt = pk_attr(c->est, "intercept_");
    pk_array_info ci;
    if (!coef || pk_array_info_get(coef, &ci) || ci.ndim < 1 || ci.ndim > 2 || ci.count == 0)
        return fr_fail(c->e, FROST_EFORMAT, "%s has no coef_ array (not fitted?)",
                       cv_short_name(c->cls));
    uint32_t n_features = (uint32_t)ci.shape[ci.ndim - 1];
    uint32_t n_rows = ci.ndim == 2 ? (uint32_t)ci.shape[0] : 1;
    if (classifier && (rc = cv_read_classes(c)))
        return rc;
    if (classifier && c->n_outputs != 1)
        return fr_fail(c->e, FROST_EUNSUPPORTED, "not supported yet: multi-output %s",
                       cv_short_name(c->cls));
    if (classifier && !(n_rows == 1 ? c->n_classes[0] == 2 : n_rows == c->n_classes[0]))
        return fr_fail(c->e, FROST_EFORMAT, "%u coefficient rows for %u classes", n_rows,
                       c->n_classes[0]);
    uint32_t rule = FMT_LIN_DECISION;
    if ((rc = linear_rule(c, n_rows, &rule)))
        return rc;
    fmt_linear *l = fr_calloc(c->wa, 1, sizeof *l);
    if (!l)
        return fr_fail(c->e, FROST_ENOMEM, "out of memory");
    l->task = c->task;
    l->rule = rule;
    l->n_features = n_features;
    l->n_rows = n_rows;
    l->coef = fr_malloc(c->wa, (size_t)n_rows * n_features * sizeof *l->coef);
    l->intercept = fr_calloc(c->wa, n_rows, sizeof *l->intercept);
    if (!l->coef || !l->intercept) {
        fmt_linear_free(c->wa, l);
        return fr_fail(c->e, FROST_ENOMEM, "out of memory");
    }
    rc = pk_array_get_f64(coef, NULL, l->coef, (size_t)n_rows * n_features, c->e);
    /* intercept_ is an array, a numpy scalar, a float, or 0.0 with fit_intercept=False */
    pk_array_info ii;
    if (!rc && icpt && !pk_array_info_get(icpt, &ii) && ii.count == n_rows)
        rc = pk_array_get_f64(icpt, NULL, l->intercept, n_rows, c->e);
    else if (!rc && icpt && !pk_get_double(icpt, &l->intercept[0]))
        for (uint32_t r = 1; r < n_rows; r++) /* a scalar (0.0 when fit_intercept=False) */
            l->intercept[r] = l->intercept[0];
    else if (!rc && icpt && !pk_is_none(icpt))
        rc = fr_fail(c->e, FROST_EFORMAT, "intercept_ does not hold %u values", n_rows);
    if (rc) {
        fmt_linear_free(c->wa, l);
        return fr_wrap(c->e, "%s", cv_short_name(c->cls));
    }
    int64_t nf_in;
    fr_err scratch;
    if (!cv_get_int(c->est, "n_features_in_", &nf_in, &scratch) && nf_in != n_features) {
        fmt_linear_free(c->wa, l);
        return fr_fail(c->e, FROST_EFORMAT, "coef_ has %u columns for %" PRId64 " features",
                       n_features, nf_in);
    }
    c->n_features = n_features;
    if (c->member) {
        const conv_member *m = c->member;
        if ((rc = wr_builder_add_member_linear(c->b, l, m->weight, m->score, m->slots, m->n_in))) {
            fmt_linear_free(c->wa, l);
            return fr_fail(c->e, rc, "%s", frost_builder_errmsg(c->b));
        }
        return classifier ? cv_set_labels(c) : 0;
    }
    if ((rc = wr_builder_new_bare(&o->write, &c->b)) || (rc = wr_builder_set_linear(c->b, l))) {
        fmt_linear_free(c->wa, l);
        return fr_fail(c->e, rc, "%s", c->b ? frost_builder_errmsg(c->b) : "out of memory");
    }
    if ((rc = cv_give_program(c)))
        return rc;
    return classifier ? cv_set_labels(c) : 0;
}
