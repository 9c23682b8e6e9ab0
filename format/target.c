/*
 * target.c — the TARGET section (FORMAT.md, 1.3): what a TransformedTargetRegressor does to its
 * regressor's predictions, its transformer_'s inverse_transform, as a short list of steps over
 * each prediction (an affine map per target column, a numpy ufunc).
 */
#include "alloc.h"
#include "format.h"

void fmt_target_free(const fr_allocator *a, fmt_target *t)
{
    if (!t)
        return;
    for (uint32_t i = 0; t->steps && i < t->n_steps; i++) {
        fr_free(a, t->steps[i].a);
        fr_free(a, t->steps[i].b);
    }
    fr_free(a, t->steps);
    fr_free(a, t);
}

void fmt_target_write(const fmt_target *t, fmt_buf *b)
{
    fmt_put_u32(b, t->n_targets);
    fmt_put_u32(b, t->n_steps);
    for (uint32_t i = 0; i < t->n_steps; i++) {
        const fmt_target_step *s = &t->steps[i];
        fmt_put_u32(b, s->kind);
        if (s->kind == FMT_TGT_UFUNC) {
            fmt_put_u32(b, s->ufunc);
            continue;
        }
        for (uint32_t j = 0; j < t->n_targets; j++)
            fmt_put_f64(b, s->a[j]);
        for (uint32_t j = 0; j < t->n_targets; j++)
            fmt_put_f64(b, s->b[j]);
    }
}

int fmt_target_check(const fmt_target *t, fr_err *e)
{
    if (t->n_targets == 0 || t->n_targets > (1u << 20) || t->n_steps == 0 ||
        t->n_steps > FMT_TARGET_MAX_STEPS)
        return FR_CORRUPT(e, "TARGET: %u targets, %u steps", t->n_targets, t->n_steps);
    for (uint32_t i = 0; i < t->n_steps; i++) {
        const fmt_target_step *s = &t->steps[i];
        if (s->kind == FMT_TGT_UFUNC ? s->ufunc < 1 || s->ufunc > FMT_UF_MAX
                                     : s->kind != FMT_TGT_AFFINE || !s->a || !s->b)
            return FR_CORRUPT(e, "TARGET: step %u has kind %u (function %u)", i, s->kind,
                              s->ufunc);
    }
    return 0;
}

int fmt_target_parse(const uint8_t *body, size_t len, const fr_allocator *a, fmt_target **out,
                     fr_err *e)
{
    fmt_rd r = fmt_rd_begin(body, len, "TARGET", e);
    fmt_target *t = fr_calloc(a, 1, sizeof *t);
    if (!t)
        return fr_fail(e, FR_ENOMEM, "out of memory");
    t->n_targets = fmt_rd_u32(&r);
    uint32_t n_steps = fmt_rd_u32(&r);
    if (!r.code && (t->n_targets == 0 || t->n_targets > (1u << 20) || n_steps == 0 ||
                    n_steps > FMT_TARGET_MAX_STEPS))
        fmt_rd_fail(&r, FR_ECORRUPT, "TARGET: %u targets, %u steps", t->n_targets, n_steps);
    t->steps = r.code ? NULL : fmt_rd_array(&r, a, n_steps, sizeof *t->steps, 8);
    for (uint32_t i = 0; t->steps && i < n_steps && !r.code; i++) {
        fmt_target_step *s = &t->steps[i];
        t->n_steps = i + 1; /* owned from here, even half-filled */
        s->kind = fmt_rd_u32(&r);
        if (s->kind == FMT_TGT_UFUNC) {
            s->ufunc = fmt_rd_u32(&r);
        } else if (s->kind == FMT_TGT_AFFINE) {
            s->a = fmt_rd_array(&r, a, t->n_targets, sizeof(double), 16);
            s->b = s->a ? fr_calloc(a, t->n_targets, sizeof(double)) : NULL;
            if (s->a && !s->b)
                fmt_rd_fail(&r, FR_ENOMEM, "out of memory");
            for (uint32_t j = 0; s->b && j < t->n_targets; j++)
                s->a[j] = fmt_rd_f64(&r);
            for (uint32_t j = 0; s->b && j < t->n_targets; j++)
                s->b[j] = fmt_rd_f64(&r);
        } else if (!r.code) {
            fmt_rd_fail(&r, FR_ECORRUPT, "TARGET: step %u has unknown kind %u", i, s->kind);
        }
    }
    int rc = fmt_rd_end(&r);
    if (!rc)
        rc = fmt_target_check(t, e);
    if (rc) {
        fmt_target_free(a, t);
        return rc;
    }
    *out = t;
    return 0;
}
