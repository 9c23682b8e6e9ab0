/*
 * combine.c — scores a combination (FORMAT.md COMBINE): each member on its own columns, then
 * the rule that combines them — soft and hard voting, a weighted mean, one-vs-rest.
 */
#include <math.h>
#include <string.h>

#include "internal.h"
#include "workspace.h"

/* Scores nb rows whose member feature matrices are in w->mfeats and combines the members as
 * scikit-learn does (sklearn/ensemble/_voting.py VotingClassifier.predict / predict_proba,
 * VotingRegressor.predict; sklearn/multiclass.py OneVsRestClassifier.predict / predict_proba).
 * Member outputs are added in member order: numpy reduces the stacked (members, rows, …)
 * arrays along the members axis, which is not the contiguous one, element by element. */
int rt_combine_batch(frost_model *m, const rt_combine_ws *w, size_t nb, rt_what what, double *dst,
                     double *lin_scratch, fr_err *e)
{
    const fmt_combine *c = m->h.combine;
    const uint32_t K = c->n_classes, cw = K + 2;
    const int proba = what == RT_PROBA;
    /* OVR decision_function: each member's decision side by side (np.array([...]).T), or the
     * one member's for two classes (scikit-learn returns it as it is) */
    const int decision = what == RT_DECISION;
    double *acc = w->cacc;
    for (size_t r = 0; r < nb; r++) {
        for (uint32_t j = 0; j < cw; j++)
            acc[r * cw + j] = 0.0;
        if (c->rule == FMT_COMB_OVR) /* the running maximum (np.full(-inf)), then its member */
            acc[r * cw + K] = -INFINITY;
    }
    for (uint32_t i = 0; i < c->n_members; i++) {
        const fmt_member *mem = &c->members[i];
        /* what the member contributes: probabilities (soft vote, OVR predict_proba and OVR
         * scores without decision_function), the predicted class / value, or the decision */
        rt_what mode = c->rule == FMT_COMB_SOFT_VOTE || (c->rule == FMT_COMB_OVR && proba)
                           ? RT_PROBA
                       : c->rule == FMT_COMB_OVR
                           ? (decision || mem->score == FMT_SCORE_DECISION ? RT_DECISION
                                                                           : RT_PROBA)
                           : RT_PREDICT;
        uint32_t mk = mem->kind == FMT_MEMBER_TREES ? mem->trees.n_classes_total
                                                    : fmt_linear_classes(mem->linear);
        uint32_t ow = mode == RT_PROBA ? mk : 1; /* decision: one row / one raw column (binary) */
        const double *X = w->mfeats + w->moff[i];
        if (mem->kind == FMT_MEMBER_TREES) {
            int rc = rt_agg_predict(m, &mem->trees, X, nb, mode, w->mout, e);
            if (rc)
                return rc;
        } else {
            for (size_t r = 0; r < nb; r++)
                rt_linear_row(mem->linear, X + r * mem->n_in, mode, w->mout + r * ow, lin_scratch);
        }
        double wt = mem->weight;
        for (size_t r = 0; r < nb; r++) {
            const double *o = w->mout + r * ow;
            double *a = acc + r * cw;
            switch (c->rule) {
            case FMT_COMB_SOFT_VOTE: /* np.average(probas, axis=0, weights): Σ p·w */
                for (uint32_t j = 0; j < K; j++)
                    a[j] += o[j] * wt;
                break;
            case FMT_COMB_HARD_VOTE: /* np.bincount(predictions, weights) */
                a[(uint32_t)o[0] < K ? (uint32_t)o[0] : 0] += wt;
                break;
            case FMT_COMB_MEAN:      /* np.average(predictions, axis=1, weights): Σ p·w */
                a[0] += o[0] * wt;
                break;
            default:                 /* OVR */
                if (decision) {      /* e.decision_function(X).ravel() per class */
                    a[i] = o[0];
                } else if (proba) {  /* e.predict_proba(X)[:, 1] per class */
                    a[i] = o[1];
                } else {             /* _predict_binary: decision_function, else proba[:, 1] */
                    double s = mode == RT_DECISION ? o[0] : o[1];
                    if (c->n_members == 1) {
                        /* _threshold_for_binary_predict: 0 for a decision, 0.5 for a proba */
                        a[K + 1] = s > (mode == RT_DECISION ? 0.0 : 0.5) ? 1.0 : 0.0;
                    } else {
                        /* np.maximum(maxima, pred) (NaN propagates); argmaxima[maxima ==
                         * pred] = i: the last member reaching the maximum wins a tie */
                        double mx = a[K];
                        mx = isnan(mx) || isnan(s) ? NAN : s > mx ? s : mx;
                        a[K] = mx;
                        if (mx == s)
                            a[K + 1] = (double)i;
                    }
                }
                break;
            }
        }
    }
    /* np.average divides by the weights' sum (numpy's pairwise sum); the mean divides by the
     * member count, the same number for unit weights */
    double div = w->wdiv;
    uint32_t out_w = proba ? K : decision ? c->n_members : 1;
    for (size_t r = 0; r < nb; r++) {
        double *a = acc + r * cw, *out = dst + r * out_w;
        switch (c->rule) {
        case FMT_COMB_SOFT_VOTE: /* predict: argmax of predict_proba */
            for (uint32_t j = 0; j < K; j++)
                a[j] /= div;
            /* fall through */
        case FMT_COMB_HARD_VOTE: {
            if (proba) {
                memcpy(out, a, K * sizeof *out);
                break;
            }
            out[0] = (double)rt_argmax(a, K);
            break;
        }
        case FMT_COMB_MEAN:
            out[0] = a[0] / div;
            break;
        default:
            if (decision) {
                memcpy(out, a, out_w * sizeof *out);
                break;
            }
            if (!proba) {
                out[0] = a[K + 1];
                break;
            }
            if (c->n_members == 1) { /* np.concatenate(((1 - Y), Y), axis=1) */
                a[1] = a[0];
                a[0] = 1.0 - a[1];
            }
            /* Y /= np.sum(Y, axis=1): Y is (estimators, rows) transposed, so its rows are
             * summed element by element in class order */
            double sum = 0.0;
            for (uint32_t j = 0; j < K; j++)
                sum += a[j];
            for (uint32_t j = 0; j < K; j++)
                out[j] = a[j] / sum;
            break;
        }
    }
    return 0;
}

