/*
 * mlp.c — scores a multi-layer perceptron (FORMAT.md MLP) as MLPClassifier / MLPRegressor's
 * _forward_pass_fast does (sklearn/neural_network/_multilayer_perceptron.py, scikit-learn 1.2):
 * per layer the BLAS product with coefs_[i], then `+= intercepts_[i]`, then the activation in
 * place (sklearn/neural_network/_base.py ACTIVATIONS); the classifier's labels as its
 * LabelBinarizer.inverse_transform reads the output layer.
 */
#include <math.h>

#include "internal.h"

size_t rt_mlp_scratch(const fmt_mlp *mlp)
{
    return 2 * (size_t)mlp->max_width;
}

/* ACTIVATIONS, element by element: expit is scipy's 1 / (1 + exp(-x)); relu is
 * np.maximum(x, 0), which keeps a NaN. */
static void activate(uint32_t act, double *v, uint32_t n)
{
    switch (act) {
    case FMT_ACT_LOGISTIC:
        for (uint32_t j = 0; j < n; j++)
            v[j] = rt_expit(v[j]);
        break;
    case FMT_ACT_TANH:
        for (uint32_t j = 0; j < n; j++)
            v[j] = tanh(v[j]);
        break;
    case FMT_ACT_RELU:
        for (uint32_t j = 0; j < n; j++)
            v[j] = v[j] < 0.0 ? 0.0 : v[j];
        break;
    case FMT_ACT_SOFTMAX: /* inplace_softmax: exp(x - max), divided by the pairwise sum */
        rt_softmax(v, n, v);
        break;
    default: /* identity */
        break;
    }
}

/* The output layer of one row. Each unit is reference BLAS dgemm's sum: from 0.0, the products
 * x_l × W[l][j] added in l order (numpy hands the row-major product to cblas_dgemm, which
 * walks the layer's inputs outermost); then the intercept. */
static const double *forward(const fmt_mlp *mlp, const double *x, double *scratch)
{
    const double *in = x;
    double *bufs[2] = {scratch, scratch + mlp->max_width};
    for (uint32_t i = 0; i < mlp->n_layers; i++) {
        const uint32_t n_in = mlp->widths[i], n_out = mlp->widths[i + 1];
        const double *w = mlp->weights + mlp->layer_at[i];
        const double *b = w + (size_t)n_in * n_out;
        double *out = bufs[i % 2];
        for (uint32_t j = 0; j < n_out; j++)
            out[j] = 0.0;
        for (uint32_t l = 0; l < n_in; l++) {
            const double xl = in[l], *wl = w + (size_t)l * n_out;
            for (uint32_t j = 0; j < n_out; j++)
                out[j] += xl * wl[j];
        }
        for (uint32_t j = 0; j < n_out; j++)
            out[j] += b[j];
        activate(i + 1 < mlp->n_layers ? mlp->activation : mlp->output, out, n_out);
        in = out;
    }
    return in;
}

void rt_mlp_row(const frost_model *m, const double *x, rt_what what, double *out,
                double *scratch)
{
    const fmt_mlp *mlp = m->h.mlp;
    const uint32_t n_out = mlp->widths[mlp->n_layers];
    const double *y = forward(mlp, x, scratch);
    if (mlp->task == FMT_TASK_REGRESSOR) {
        for (uint32_t j = 0; j < n_out; j++)
            out[j] = y[j];
        return;
    }
    if (mlp->output == FMT_ACT_SOFTMAX) {
        if (what == RT_PROBA) {
            for (uint32_t j = 0; j < n_out; j++)
                out[j] = y[j];
            return;
        }
        /* inverse_transform of a multiclass binarizer: np.argmax, where a NaN wins first */
        uint32_t best = 0;
        for (uint32_t j = 0; j < n_out && !isnan(y[best]); j++)
            if (isnan(y[j]) || y[j] > y[best])
                best = j;
        out[0] = (double)best;
        return;
    }
    /* logistic units: binary (one unit) or multi-label; the label is 1 when the unit is above
     * the binarizer's threshold 0.5, the probabilities (1 - p, p) per unit */
    for (uint32_t j = 0; j < n_out; j++) {
        if (what == RT_PROBA) {
            out[2 * j] = 1.0 - y[j];
            out[2 * j + 1] = y[j];
        } else {
            out[j] = y[j] > 0.5 ? 1.0 : 0.0;
        }
    }
}
