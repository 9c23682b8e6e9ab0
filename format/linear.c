/*
 * linear.c — the LINEAR section (FORMAT.md): a linear estimator's coefficients, intercepts and
 * decision rule, alone in a file or as a COMBINE member's body.
 */
#include "alloc.h"
#include "format.h"

void fmt_linear_free(const fr_allocator *a, fmt_linear *l)
{
    if (!l)
        return;
    fr_free(a, l->coef);
    fr_free(a, l->intercept);
    fr_free(a, l);
}

void fmt_linear_write(const fmt_linear *l, fmt_buf *b)
{
    fmt_put_u32(b, l->task);
    fmt_put_u32(b, l->rule);
    fmt_put_u32(b, l->n_features);
    fmt_put_u32(b, l->n_rows);
    for (uint64_t i = 0; i < (uint64_t)l->n_rows * l->n_features; i++)
        fmt_put_f64(b, l->coef[i]);
    for (uint32_t r = 0; r < l->n_rows; r++)
        fmt_put_f64(b, l->intercept[r]);
}

int fmt_linear_parse(const uint8_t *body, size_t len, const fr_allocator *a, fmt_linear **out,
                     fr_err *e)
{
    fmt_rd r = fmt_rd_begin(body, len, "LINEAR", e);
    fmt_linear *l = fr_calloc(a, 1, sizeof *l);
    if (!l)
        return fr_fail(e, FR_ENOMEM, "out of memory");
    l->task = fmt_rd_u32(&r);
    l->rule = fmt_rd_u32(&r);
    l->n_features = fmt_rd_u32(&r);
    l->n_rows = fmt_rd_u32(&r);
    int rc = r.code;
    if (!rc && ((l->task != FMT_TASK_CLASSIFIER && l->task != FMT_TASK_REGRESSOR) ||
                l->rule < FMT_LIN_IDENTITY || l->rule > FMT_LIN_DECISION ||
                (l->task == FMT_TASK_REGRESSOR) != (l->rule == FMT_LIN_IDENTITY) ||
                l->n_features == 0 || l->n_rows == 0 ||
                (uint64_t)l->n_rows * l->n_features + l->n_rows != r.left / 8 || r.left % 8))
        rc = FR_CORRUPT(e, "LINEAR: task %u, rule %u, %u × %u coefficients in %zu bytes",
                        l->task, l->rule, l->n_rows, l->n_features, r.left);
    if (rc)
        goto fail;
    l->coef = fmt_rd_array(&r, a, (uint64_t)l->n_rows * l->n_features, sizeof(double), 8);
    l->intercept = fmt_rd_array(&r, a, l->n_rows, sizeof(double), 0);
    for (uint64_t i = 0; l->intercept && i < (uint64_t)l->n_rows * l->n_features; i++)
        l->coef[i] = fmt_rd_f64(&r);
    for (uint32_t i = 0; l->intercept && i < l->n_rows; i++)
        l->intercept[i] = fmt_rd_f64(&r);
    if ((rc = fmt_rd_end(&r)))
        goto fail;
    *out = l;
    return 0;
fail:
    fmt_linear_free(a, l);
    return rc;
}

uint32_t fmt_linear_classes(const fmt_linear *l)
{
    if (l->task != FMT_TASK_CLASSIFIER)
        return 0;
    /* one coefficient row decides between two classes; otherwise one row per class */
    if (l->n_rows == 1 && l->rule != FMT_LIN_SOFTMAX && l->rule != FMT_LIN_OVR)
        return 2;
    if (l->n_rows >= 3 && l->rule != FMT_LIN_LOGISTIC && l->rule != FMT_LIN_BINARY_SOFTMAX)
        return l->n_rows;
    return 0;
}
