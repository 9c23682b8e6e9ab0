/*
 * score.c — the calls that score: frost_predict, frost_predict_proba, frost_decision_function,
 * frost_score_samples, their _columns forms and frost_transform. One path for every model, read
 * top-down: bind the caller's columns; per row
 * fetch the inputs, run the program, apply the checks and gather the estimator's features; per
 * batch hand them to the estimator's scorer — the tree ensemble (ensemble.c), the linear model
 * (linear.c) or the combination (combine.c) — which finishes the numbers (finish.c); a naive
 * Bayes classifier (bayes.c), a centroid model (centroids.c) and a multi-layer perceptron
 * (mlp.c) are scored row by row.
 */
#include <string.h>

#include "internal.h"
#include "workspace.h"

/* What scikit-learn would refuse to compute for this model. */
static int refuse_request(const fmt_header *h, rt_what what, fr_err *e)
{
    if (what == RT_TRANSFORM && !h->program && !rt_estimator_transforms(h))
        return fr_fail(e, FROST_EINVAL, "the model has no preprocessing to transform with");
    if (what != RT_TRANSFORM && !h->has_ensemble && !h->linear && !h->combine && !h->bayes &&
        !h->centroids && !h->mlp)
        return fr_fail(e, FROST_EINVAL, "the model is a saved transformer: it transforms, it "
                       "does not predict (frost transform)");
    int isolation = h->has_ensemble && h->kind == FROST_ENSEMBLE_ISOLATION;
    if (what == RT_PROBA && (h->task != FROST_TASK_CLASSIFIER ||
                             (h->linear && h->linear->rule == FMT_LIN_DECISION) ||
                             h->centroids || isolation))
        return fr_fail(e, FROST_EINVAL, "this model gives no probabilities");
    if (what == RT_SCORE && !isolation)
        return fr_fail(e, FROST_EINVAL, "this model has no score_samples (scikit-learn gives it "
                       "for IsolationForest)");
    if (what == RT_PROBA && h->combine && !fmt_combine_has_proba(h->combine))
        return fr_fail(e, FROST_EINVAL, "this model gives no probabilities (%s)",
                       h->combine->rule == FMT_COMB_HARD_VOTE
                           ? "a hard-voting VotingClassifier has no predict_proba"
                           : "its members have no predict_proba");
    if (what == RT_DECISION && !rt_decision_width(h))
        return fr_fail(e, FROST_EINVAL, "this model has no decision_function (scikit-learn "
                       "gives one for gradient boosting and linear classifiers, IsolationForest, "
                       "and a OneVsRestClassifier over classifiers that have one)");
    return 0;
}

/* scikit-learn's decision_function exists on GradientBoostingClassifier, the linear
 * classifiers and a OneVsRestClassifier whose estimators have one (sklearn/multiclass.py,
 * available_if(_estimators_has("decision_function"))); a Pipeline has it when its final step
 * does. Its width: the raw scores, one column for two classes (scikit-learn ravels it). */
uint32_t rt_decision_width(const fmt_header *h)
{
    if (h->task != FROST_TASK_CLASSIFIER)
        return 0;
    if (h->combine) {
        const fmt_combine *c = h->combine;
        if (c->rule != FMT_COMB_OVR || c->n_members == 0)
            return 0;
        for (uint32_t i = 0; i < c->n_members; i++)
            if (c->members[i].score != FMT_SCORE_DECISION ||
                !fmt_member_has_decision(&c->members[i]))
                return 0;
        return c->n_members;
    }
    if (h->linear)
        return h->linear->task == FROST_TASK_CLASSIFIER ? h->linear->n_rows : 0;
    if (h->has_ensemble && h->kind == FROST_ENSEMBLE_BOOSTED)
        return h->n_raw;
    if (h->has_ensemble && h->kind == FROST_ENSEMBLE_ISOLATION)
        return 1; /* IsolationForest: score_samples less offset_ */
    return 0;
}

/* Doubles per row of the caller's output. */
static uint32_t out_width(const fmt_header *h, rt_what what)
{
    if (what == RT_TRANSFORM)
        return rt_estimator_transforms(h) ? h->centroids->n_centroids : h->n_features;
    if (what == RT_PROBA)
        return h->n_classes_total;
    if (what == RT_DECISION)
        return rt_decision_width(h);
    if (what == RT_SCORE)
        return 1;
    return h->has_ensemble && h->kind == FROST_ENSEMBLE_BOOSTED ? 1 : h->n_outputs;
}

/* Row `row` of the input into place r of the batch: its slots made and checked, then the
 * estimator's features gathered (a combination: each member's own columns). A linear model
 * with a plan is scored here and then, straight into out_row. */
static int prepare_row(frost_model *m, rt_ws *w, const rt_source *src, size_t row, size_t r,
                       rt_what what, double *out_row, fr_err *e)
{
    const fmt_header *h = &m->h;
    const fmt_program *p = h->program;
    const uint32_t nf = h->n_features; /* the estimator's features = the program's outputs */
    const size_t n_slots = p ? p->n_slots : h->n_inputs;
    rt_slot *slots = w->slots;
    rt_fetch(m, src, row, slots);
    int rc = p ? rt_program_row(m, slots, row, w->scratch, w->hot, e) : 0;
    if (!rc)
        rc = rt_check_row(m, slots, what != RT_TRANSFORM || rt_estimator_transforms(h), row, e);
    if (rc)
        return rc;
    if (what != RT_TRANSFORM && m->lin_plan) {
        rt_linear_row_plan(m, slots, w->hot, what, out_row, w->scratch + 2 * n_slots);
        return 0;
    }
    if (!h->combine || what == RT_TRANSFORM)
        for (uint32_t j = 0; j < nf; j++)
            w->feats[r * nf + j] = slots[p ? p->outputs[j] : j].num;
    if (h->centroids && (what != RT_TRANSFORM || rt_estimator_transforms(h))) {
        rt_centroids_row(m, w->feats + r * nf, what, out_row);
        return 0;
    }
    if (h->mlp && what != RT_TRANSFORM) {
        rt_mlp_row(m, w->feats + r * nf, what, out_row, w->scratch + 2 * n_slots);
        return 0;
    }
    if (h->bayes && what != RT_TRANSFORM) /* scored as its row is made: errors name the row */
        return rt_bayes_row(m, w->feats + r * nf, row, what, out_row, w->scratch + 2 * n_slots,
                            e);
    if (h->combine && what != RT_TRANSFORM)
        for (uint32_t i = 0; i < h->combine->n_members; i++) {
            const fmt_member *mem = &h->combine->members[i];
            double *x = w->cb.mfeats + w->cb.moff[i] + r * mem->n_in;
            for (uint32_t j = 0; j < mem->n_in; j++)
                x[j] = slots[mem->slots[j]].num;
        }
    return 0;
}

/* The batch's features to the estimator (or, transforming, to the caller). */
static int score_batch(frost_model *m, rt_ws *w, size_t nb, rt_what what, double *dst,
                       uint32_t out_w, fr_err *e)
{
    const fmt_header *h = &m->h;
    const uint32_t nf = h->n_features;
    double *lin_scratch = w->scratch + 2 * (size_t)(h->program ? h->program->n_slots
                                                               : h->n_inputs);
    if (((h->bayes || h->mlp) && what != RT_TRANSFORM) ||
        (h->centroids && (what != RT_TRANSFORM || rt_estimator_transforms(h))))
        return 0; /* each row was scored as it was made */
    if (what == RT_TRANSFORM) {
        memcpy(dst, w->feats, nb * nf * sizeof *w->feats);
        return 0;
    }
    if (h->combine)
        return rt_combine_batch(m, &w->cb, nb, what, dst, lin_scratch, e);
    if (h->linear) {
        if (!m->lin_plan) /* with a plan, each row was scored as its slots were made */
            for (size_t r = 0; r < nb; r++)
                rt_linear_row(h->linear, w->feats + r * nf, what, dst + r * out_w, lin_scratch);
        return 0;
    }
    return rt_ensemble_predict(m, w->feats, nb, what, dst, e);
}

static int run(frost_model *m, rt_source *src, const frost_column *cols, size_t n_cols,
               size_t n_rows, rt_what what, double *out, fr_err *e)
{
    const fmt_header *h = &m->h;
    int rc = refuse_request(h, what, e);
    if (rc)
        return rc;
    const uint32_t out_w = out_width(h, what);
    rt_ws *w = rt_ws_acquire(m);
    if (!w)
        return fr_fail(e, FROST_ENOMEM, "out of memory scoring a batch");
    if (cols) {
        src->cols = cols;
        src->col_of = w->col_of;
        rc = rt_bind_columns(m, cols, n_cols, w->col_of, e);
    }
    for (size_t r0 = 0; r0 < n_rows && !rc; r0 += w->batch) {
        size_t nb = n_rows - r0 < w->batch ? n_rows - r0 : w->batch;
        for (size_t r = 0; r < nb && !rc; r++)
            rc = prepare_row(m, w, src, r0 + r, r, what, out + (r0 + r) * out_w, e);
        if (!rc)
            rc = score_batch(m, w, nb, what, out + r0 * out_w, out_w, e);
    }
    rt_ws_release(m, w);
    return rc;
}

/* TransformedTargetRegressor: its transformer_'s inverse_transform over the regressor's
 * predictions (FORMAT.md TARGET), each step over the whole batch in order, as scikit-learn
 * applies StandardScaler.inverse_transform (X *= scale_; X += mean_) or the inverse ufunc. */
static void apply_target(const fmt_header *h, double *out, size_t n_rows)
{
    const fmt_target *t = h->target;
    const uint32_t w = t->n_targets;
    for (uint32_t i = 0; i < t->n_steps; i++) {
        const fmt_target_step *s = &t->steps[i];
        for (size_t r = 0; r < n_rows; r++)
            for (uint32_t j = 0; j < w; j++) {
                double *y = &out[r * w + j];
                *y = s->kind == FMT_TGT_UFUNC ? rt_ufunc(s->ufunc, *y) : *y * s->a[j] + s->b[j];
            }
    }
}

/* frost_predict / frost_predict_proba: X holds the inputs, row-major. A model that is a tree
 * ensemble alone scores the matrix as it is; any other runs it through the row path. */
static int predict_matrix(frost_model *m, const double *X, size_t n_rows, rt_what what,
                          double *out)
{
    fr_err e = {0};
    if (!m || (!X && n_rows) || (!out && n_rows))
        return m ? rt_set_error(m, (fr_fail(&e, FROST_EINVAL, "NULL argument"), &e))
                 : FROST_EINVAL;
    const fmt_header *h = &m->h;
    if (what == RT_PROBA && h->task != FROST_TASK_CLASSIFIER)
        return rt_set_error(m, (fr_fail(&e, FROST_EINVAL, "predict_proba needs a classifier"),
                                &e));
    if (what != RT_PREDICT && refuse_request(h, what, &e))
        return rt_set_error(m, &e);
    if (n_rows == 0)
        return 0;
    int rc;
    if (!h->program && h->has_ensemble && !h->combine) {
        rc = rt_check_matrix(m, X, n_rows, &e);
        rc = rc ? rc : rt_ensemble_predict(m, X, n_rows, what, out, &e);
    } else {
        for (uint32_t i = 0; i < h->n_inputs; i++)
            if (rt_input_kind(m, i) == FMT_SLOT_STR)
                return rt_set_error(m, (fr_fail(&e, FROST_EINVAL, "the model reads string "
                                                "columns: use frost_predict_columns"), &e));
        rt_source src = {.X = X};
        rc = run(m, &src, NULL, 0, n_rows, what, out, &e);
    }
    if (!rc && what == RT_PREDICT && h->target)
        apply_target(h, out, n_rows);
    return rc ? rt_set_error(m, &e) : 0;
}

static int run_columns(frost_model *m, const frost_column *cols, size_t n_cols, size_t n_rows,
                       rt_what what, double *out)
{
    fr_err e = {0};
    if (!m)
        return FROST_EINVAL;
    if ((!cols && n_cols) || (!out && n_rows))
        return rt_set_error(m, (fr_fail(&e, FROST_EINVAL, "NULL argument"), &e));
    if (n_rows == 0)
        return 0;
    rt_source src = {0};
    int rc = run(m, &src, cols, n_cols, n_rows, what, out, &e);
    if (!rc && what == RT_PREDICT && m->h.target)
        apply_target(&m->h, out, n_rows);
    return rc ? rt_set_error(m, &e) : 0;
}

FROST_API int frost_predict(frost_model *m, const double *X, size_t n_rows, double *out)
{
    return predict_matrix(m, X, n_rows, RT_PREDICT, out);
}

FROST_API int frost_predict_proba(frost_model *m, const double *X, size_t n_rows, double *out)
{
    return predict_matrix(m, X, n_rows, RT_PROBA, out);
}

FROST_API int frost_decision_function(frost_model *m, const double *X, size_t n_rows,
                                      double *out)
{
    return predict_matrix(m, X, n_rows, RT_DECISION, out);
}

FROST_API int frost_score_samples(frost_model *m, const double *X, size_t n_rows, double *out)
{
    return predict_matrix(m, X, n_rows, RT_SCORE, out);
}

FROST_API int frost_predict_columns(frost_model *m, const frost_column *cols, size_t n_cols,
                                    size_t n_rows, double *out)
{
    return run_columns(m, cols, n_cols, n_rows, RT_PREDICT, out);
}

FROST_API int frost_predict_proba_columns(frost_model *m, const frost_column *cols,
                                          size_t n_cols, size_t n_rows, double *out)
{
    return run_columns(m, cols, n_cols, n_rows, RT_PROBA, out);
}

FROST_API int frost_decision_function_columns(frost_model *m, const frost_column *cols,
                                              size_t n_cols, size_t n_rows, double *out)
{
    return run_columns(m, cols, n_cols, n_rows, RT_DECISION, out);
}

FROST_API int frost_score_samples_columns(frost_model *m, const frost_column *cols,
                                          size_t n_cols, size_t n_rows, double *out)
{
    return run_columns(m, cols, n_cols, n_rows, RT_SCORE, out);
}

FROST_API int frost_transform(frost_model *m, const frost_column *cols, size_t n_cols,
                              size_t n_rows, double *out)
{
    return run_columns(m, cols, n_cols, n_rows, RT_TRANSFORM, out);
}
