/*
 * bayes.c — scores a naive Bayes classifier (FORMAT.md BAYES): the joint log-likelihood of each
 * class in scikit-learn's order of operations (sklearn/naive_bayes.py _joint_log_likelihood),
 * then predict's first argmax or predict_proba's exp(jll - logsumexp(jll)).
 *
 * What scikit-learn recomputes on every call from the fitted attributes alone — GaussianNB's
 * -0.5 Σ log(2π var), BernoulliNB's log(1 - exp(feature_log_prob_)) and the weights and bias it
 * makes of them — is computed once at open, with the same operations, into rt_bayes_plan.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "internal.h"

/* Per class, what every row reuses: GAUSSIAN k_c; BERNOULLI the weights flp - neg and the bias
 * prior + Σ neg; the others read the section as it is. */
struct rt_bayes_plan {
    double *k;      /* n_classes */
    double *weight; /* n_classes × n_features */
    double *bias;   /* n_classes */
};

/* numpy's 2.0 * np.pi, rounded once */
#define TWO_PI 6.283185307179586

int rt_bayes_init(frost_model *m, fr_err *e)
{
    const fmt_bayes *nb = m->h.bayes;
    if (!nb || (nb->kind != FMT_NB_GAUSSIAN && nb->kind != FMT_NB_BERNOULLI))
        return 0;
    const uint32_t nc = nb->n_classes, nf = nb->n_features;
    struct rt_bayes_plan *p = fr_calloc(m->alloc, 1, sizeof *p);
    double *row = fr_calloc(m->alloc, nf, sizeof *row);
    if (p) {
        m->bayes_plan = p;
        p->k = fr_calloc(m->alloc, nc, sizeof *p->k);
        p->bias = fr_calloc(m->alloc, nc, sizeof *p->bias);
        if (nb->kind == FMT_NB_BERNOULLI)
            p->weight = fr_calloc(m->alloc, (size_t)nc * nf, sizeof *p->weight);
    }
    if (!p || !row || !p->k || !p->bias || (nb->kind == FMT_NB_BERNOULLI && !p->weight)) {
        fr_free(m->alloc, row);
        return fr_fail(e, FROST_ENOMEM, "out of memory");
    }
    for (uint32_t c = 0; c < nc; c++) {
        const size_t at = (size_t)c * nf;
        if (nb->kind == FMT_NB_GAUSSIAN) {
            /* n_ij = -0.5 * np.sum(np.log(2.0 * np.pi * self.var_[i, :])) */
            for (uint32_t j = 0; j < nf; j++)
                row[j] = log(TWO_PI * nb->var[at + j]);
            p->k[c] = -0.5 * rt_pairwise(row, nf);
            p->bias[c] = log(nb->prior[c]);
        } else {
            /* neg_prob = np.log(1 - np.exp(self.feature_log_prob_)) */
            for (uint32_t j = 0; j < nf; j++) {
                row[j] = log(1.0 - exp(nb->flp[at + j]));
                p->weight[at + j] = nb->flp[at + j] - row[j];
            }
            p->bias[c] = nb->prior[c] + rt_pairwise(row, nf);
        }
    }
    fr_free(m->alloc, row);
    return 0;
}

void rt_bayes_free(frost_model *m)
{
    struct rt_bayes_plan *p = m->bayes_plan;
    if (!p)
        return;
    fr_free(m->alloc, p->k);
    fr_free(m->alloc, p->weight);
    fr_free(m->alloc, p->bias);
    fr_free(m->alloc, p);
    m->bayes_plan = NULL;
}

/* safe_sparse_dot(X, W.T) for one row and one class: the products added in feature order from
 * 0.0, as BLAS gemm does (a sparse X skips zeros, which add nothing). */
static double dot(const double *x, const double *w, uint32_t n)
{
    double acc = 0.0;
    for (uint32_t j = 0; j < n; j++)
        acc += x[j] * w[j];
    return acc;
}

/* CategoricalNB: X.astype(int) truncates; check_non_negative refuses a negative value and a
 * category past the fitted ones is an index out of bounds. NaN and infinity were refused by the
 * checks before. */
static int category_of(const frost_model *m, const fmt_bayes *nb, const double *x, uint32_t j,
                       size_t row, uint32_t *k, fr_err *e)
{
    double v = x[j];
    if (v > -1.0 && v < (double)nb->n_categories[j]) {
        *k = v < 1.0 ? 0 : (uint32_t)v;
        return 0;
    }
    char nb_buf[32], where[300];
    const fmt_program *p = m->h.program;
    uint32_t in = fmt_slot_origin(p, p ? p->outputs[j] : j);
    if (in != UINT32_MAX)
        snprintf(where, sizeof where, "column '%s'%s", rt_input_name(m, in, nb_buf, sizeof nb_buf),
                 p && p->outputs[j] >= m->h.n_inputs ? " (after preprocessing)" : "");
    else
        snprintf(where, sizeof where, "feature %u", j);
    if (v <= -1.0)
        fr_fail(e, FROST_ESCHEMA, "row %zu, %s: %g is negative; CategoricalNB takes category "
                "numbers 0, 1, … (scikit-learn: \"Negative values in data passed to "
                "CategoricalNB (input X)\")", row + 1, where, v);
    else
        fr_fail(e, FROST_ESCHEMA, "row %zu, %s: category %.17g was not seen in fitting "
                "(CategoricalNB knows %u: 0 to %u; scikit-learn raises IndexError)", row + 1,
                where, trunc(v), nb->n_categories[j], nb->n_categories[j] - 1);
    return fr_at_row(e, row);
}

/* The classes' joint log-likelihoods of one row into jll. */
static int joint_log_likelihood(const frost_model *m, const double *x, size_t row, double *jll,
                                double *tmp, fr_err *e)
{
    const fmt_bayes *nb = m->h.bayes;
    const struct rt_bayes_plan *p = m->bayes_plan;
    const uint32_t nc = nb->n_classes, nf = nb->n_features;
    switch (nb->kind) {
    case FMT_NB_GAUSSIAN:
        /* jointi + (n_ij - 0.5 * np.sum(((X - theta_[i]) ** 2) / var_[i], 1)) */
        for (uint32_t c = 0; c < nc; c++) {
            const double *th = nb->theta + (size_t)c * nf, *var = nb->var + (size_t)c * nf;
            for (uint32_t j = 0; j < nf; j++) {
                double d = x[j] - th[j];
                tmp[j] = (d * d) / var[j];
            }
            jll[c] = p->bias[c] + (p->k[c] - 0.5 * rt_pairwise(tmp, nf));
        }
        return 0;
    case FMT_NB_MULTINOMIAL:
    case FMT_NB_COMPLEMENT:
        for (uint32_t c = 0; c < nc; c++) {
            jll[c] = dot(x, nb->flp + (size_t)c * nf, nf);
            if (nb->kind == FMT_NB_MULTINOMIAL || nc == 1)
                jll[c] += nb->prior[c];
        }
        return 0;
    case FMT_NB_BERNOULLI:
        if (nb->flags & FMT_NB_BINARIZE) { /* sklearn.preprocessing.binarize */
            for (uint32_t j = 0; j < nf; j++)
                tmp[j] = x[j] > nb->threshold ? 1.0 : 0.0;
            x = tmp;
        }
        for (uint32_t c = 0; c < nc; c++)
            jll[c] = dot(x, p->weight + (size_t)c * nf, nf) + p->bias[c];
        return 0;
    default: { /* CATEGORICAL: jll += feature_log_prob_[i][:, X[:, i]].T, feature by feature */
        for (uint32_t c = 0; c < nc; c++)
            jll[c] = 0.0;
        for (uint32_t j = 0; j < nf; j++) {
            uint32_t k;
            int rc = category_of(m, nb, x, j, row, &k, e);
            if (rc)
                return rc;
            const double *t = nb->flp + nb->cat_offset[j];
            for (uint32_t c = 0; c < nc; c++)
                jll[c] += t[(size_t)c * nb->n_categories[j] + k];
        }
        for (uint32_t c = 0; c < nc; c++)
            jll[c] += nb->prior[c];
        return 0;
    }
    }
}

int rt_bayes_row(const frost_model *m, const double *x, size_t row, rt_what what, double *out,
                 double *scratch, fr_err *e)
{
    const fmt_bayes *nb = m->h.bayes;
    double *jll = scratch, *tmp = scratch + nb->n_classes;
    int rc = joint_log_likelihood(m, x, row, jll, tmp, e);
    if (rc)
        return rc;
    if (what == RT_PROBA) /* np.exp(predict_log_proba): exp(jll - logsumexp(jll)) */
        rt_softmax_lse(jll, nb->n_classes, out, tmp);
    else
        out[0] = (double)rt_argmax(jll, nb->n_classes);
    return 0;
}

/* Doubles of scratch rt_bayes_row needs. */
size_t rt_bayes_scratch(const fmt_bayes *nb)
{
    return (size_t)nb->n_classes + (nb->n_features > nb->n_classes ? nb->n_features
                                                                    : nb->n_classes);
}
