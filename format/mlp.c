/*
 * mlp.c — the MLP section (FORMAT.md, 1.3): a multi-layer perceptron's layer widths,
 * activations and weights (coefs_, intercepts_) as MLPClassifier / MLPRegressor fitted them
 * (sklearn/neural_network/_multilayer_perceptron.py).
 */
#include "alloc.h"
#include "format.h"

#define MLP_MAX_WIDTH ((1u << 24) - 1)

void fmt_mlp_free(const fr_allocator *a, fmt_mlp *m)
{
    if (!m)
        return;
    fr_free(a, m->widths);
    fr_free(a, m->weights);
    fr_free(a, m->layer_at);
    fr_free(a, m);
}

/* f64 values of layer i: its coefficients, then its intercepts. */
static uint64_t layer_values(const uint32_t *w, uint32_t i)
{
    return (uint64_t)w[i] * w[i + 1] + w[i + 1];
}

void fmt_mlp_write(const fmt_mlp *m, fmt_buf *b)
{
    fmt_put_u32(b, m->task);
    fmt_put_u32(b, m->activation);
    fmt_put_u32(b, m->output);
    fmt_put_u32(b, m->n_layers);
    uint64_t n = 0;
    for (uint32_t i = 0; i <= m->n_layers; i++)
        fmt_put_u32(b, m->widths[i]);
    for (uint32_t i = 0; i < m->n_layers; i++)
        n += layer_values(m->widths, i);
    for (uint64_t i = 0; i < n; i++)
        fmt_put_f64(b, m->weights[i]);
}

/* The fixed fields, checked before any count decides an allocation. */
static int parse_fixed(fmt_rd *r, fmt_mlp *m)
{
    m->task = fmt_rd_u32(r);
    m->activation = fmt_rd_u32(r);
    m->output = fmt_rd_u32(r);
    m->n_layers = fmt_rd_u32(r);
    if (r->code)
        return r->code;
    if (m->task != FMT_TASK_CLASSIFIER && m->task != FMT_TASK_REGRESSOR)
        return fmt_rd_fail(r, FR_ECORRUPT, "MLP: unknown task %u", m->task);
    if (m->activation < FMT_ACT_IDENTITY || m->activation > FMT_ACT_RELU)
        return fmt_rd_fail(r, FR_ECORRUPT, "MLP: unknown hidden activation %u", m->activation);
    int out_ok = m->task == FMT_TASK_REGRESSOR
                     ? m->output == FMT_ACT_IDENTITY
                     : m->output == FMT_ACT_LOGISTIC || m->output == FMT_ACT_SOFTMAX;
    if (!out_ok)
        return fmt_rd_fail(r, FR_ECORRUPT, "MLP: output activation %u for task %u", m->output,
                           m->task);
    if (m->n_layers == 0 || m->n_layers > FMT_MLP_MAX_LAYERS)
        return fmt_rd_fail(r, FR_ECORRUPT, "MLP: %u layers (1..%u)", m->n_layers,
                           FMT_MLP_MAX_LAYERS);
    return 0;
}

int fmt_mlp_parse(const uint8_t *body, size_t len, const fr_allocator *a, fmt_mlp **out,
                  fr_err *e)
{
    fmt_rd r = fmt_rd_begin(body, len, "MLP", e);
    fmt_mlp *m = fr_calloc(a, 1, sizeof *m);
    if (!m)
        return fr_fail(e, FR_ENOMEM, "out of memory");
    int rc = parse_fixed(&r, m);
    if (rc)
        goto fail;
    m->widths = fmt_rd_array(&r, a, (uint64_t)m->n_layers + 1, sizeof *m->widths, 4);
    m->layer_at = m->widths ? fmt_rd_array(&r, a, m->n_layers, sizeof *m->layer_at, 0) : NULL;
    for (uint32_t i = 0; m->layer_at && i <= m->n_layers && !r.code; i++) {
        uint32_t w = m->widths[i] = fmt_rd_u32(&r);
        if (!r.code && (w == 0 || w > MLP_MAX_WIDTH))
            fmt_rd_fail(&r, FR_ECORRUPT, "MLP: layer %u has width %u", i, w);
        if (w > m->max_width)
            m->max_width = w;
    }
    if ((rc = r.code))
        goto fail;
    uint32_t n_out = m->widths[m->n_layers];
    if (m->output == FMT_ACT_SOFTMAX && n_out < 2) {
        rc = fmt_rd_fail(&r, FR_ECORRUPT, "MLP: a softmax over %u output", n_out);
        goto fail;
    }
    uint64_t want = 0, room = r.left / 8; /* each layer < 2^49 values: no overflow */
    for (uint32_t i = 0; i < m->n_layers; i++) {
        m->layer_at[i] = want;
        want += layer_values(m->widths, i);
        if (want > room) {
            rc = fmt_rd_fail(&r, FR_ECORRUPT, "MLP: weights of layer %u beyond the section", i);
            goto fail;
        }
    }
    if (r.left != want * 8) {
        rc = fmt_rd_fail(&r, FR_ECORRUPT, "MLP: %zu bytes for %llu weights", r.left,
                         (unsigned long long)want);
        goto fail;
    }
    m->weights = fmt_rd_array(&r, a, want, sizeof *m->weights, 8);
    for (uint64_t i = 0; m->weights && i < want; i++)
        m->weights[i] = fmt_rd_f64(&r);
    if ((rc = fmt_rd_end(&r)))
        goto fail;
    *out = m;
    return 0;
fail:
    fmt_mlp_free(a, m);
    return rc ? rc : fr_fail(e, FR_ENOMEM, "out of memory");
}
