/*
 * checks.c — the CHECKS section (FORMAT.md, format 1.2): which values scikit-learn's
 * check_array refuses before a step runs (missing, infinite, too large for float32), validated
 * and turned into bytes. The header parser reads the section and calls the same validator the
 * builder does, so a file that can be written can be read and a file that can be read obeys the
 * same rules.
 */
#include "alloc.h"
#include "sections.h"

int fmt_check_validate(const fmt_check *c, uint32_t index, uint32_t n_slots, const uint8_t *kinds,
                       int has_estimator, fr_err *e)
{
    if (c->rule & ~FMT_CHECK_KNOWN)
        return FR_CORRUPT(e, "CHECKS: check %u has reserved rule bits 0x%x", index,
                          c->rule & ~FMT_CHECK_KNOWN);
    if (!(c->rule & (FMT_CHECK_NAN | FMT_CHECK_INF)))
        return FR_CORRUPT(e, "CHECKS: check %u refuses nothing", index);
    if ((c->rule & FMT_CHECK_F32) && !(c->rule & FMT_CHECK_INF))
        return FR_CORRUPT(e, "CHECKS: check %u has F32 without INF", index);
    if ((c->rule & FMT_CHECK_ESTIMATOR) && !has_estimator)
        return FR_CORRUPT(e, "CHECKS: check %u belongs to an estimator the file does not hold",
                          index);
    if (c->n_slots == 0)
        return FR_CORRUPT(e, "CHECKS: check %u checks no slot", index);
    if (!c->who || !fmt_utf8_valid((const uint8_t *)c->who, strlen(c->who)))
        return FR_CORRUPT(e, "CHECKS: check %u names no step", index);
    for (uint32_t i = 0; i < c->n_slots; i++) {
        uint32_t s = c->slots[i];
        if (s >= n_slots)
            return FR_CORRUPT(e, "CHECKS: check %u reads slot %u of %u", index, s, n_slots);
        uint32_t k = kinds ? kinds[s] : FMT_SLOT_NUM;
        if (k == FMT_SLOT_UNUSED)
            return FR_CORRUPT(e, "CHECKS: check %u reads unused column %u", index, s);
        if (k == FMT_SLOT_STR && (c->rule & (FMT_CHECK_INF | FMT_CHECK_F32)))
            return FR_CORRUPT(e, "CHECKS: check %u looks for infinity in string slot %u", index,
                              s);
    }
    return 0;
}

int fmt_checks_parse(fmt_header *h, fmt_rd *r)
{
    uint32_t n = fmt_rd_u32(r);
    if (r->code)
        return r->code;
    /* a check takes at least 16 bytes: rule, slot count, one slot, an empty who */
    if (n == 0 || (uint64_t)n * 16 > r->left)
        return FR_CORRUPT(r->e, "CHECKS: %u checks cannot fit %zu bytes", n, r->left);
    h->checks = fmt_rd_array(r, h->alloc, n, sizeof *h->checks, 16);
    if (!h->checks)
        return r->code;
    h->n_checks = n;
    uint32_t n_slots = h->program ? h->program->n_slots : h->n_inputs;
    const uint8_t *kinds = h->program ? h->program->slot_kind : h->feature_kinds;
    int has_estimator = h->has_ensemble || h->linear || h->combine || h->bayes || h->centroids ||
                        h->mlp;
    for (uint32_t i = 0; i < n; i++) {
        fmt_check *k = &h->checks[i];
        k->rule = fmt_rd_u32(r);
        k->n_slots = fmt_rd_u32(r);
        if (r->code)
            return r->code;
        if (k->n_slots == 0)
            return FR_CORRUPT(r->e, "CHECKS: check %u checks no slot", i);
        k->slots = fmt_rd_array(r, h->alloc, k->n_slots, sizeof *k->slots, 4);
        for (uint32_t j = 0; k->slots && j < k->n_slots; j++)
            k->slots[j] = fmt_rd_u32(r);
        k->who = fmt_rd_str(r, h->alloc);
        int rc = r->code ? r->code : fmt_check_validate(k, i, n_slots, kinds, has_estimator, r->e);
        if (rc)
            return rc;
    }
    return fmt_rd_end(r);
}

void fmt_checks_write(const fmt_check *checks, uint32_t n, fmt_buf *b)
{
    fmt_put_u32(b, n);
    for (uint32_t i = 0; i < n; i++) {
        fmt_put_u32(b, checks[i].rule);
        fmt_put_u32(b, checks[i].n_slots);
        for (uint32_t j = 0; j < checks[i].n_slots; j++)
            fmt_put_u32(b, checks[i].slots[j]);
        fmt_put_str(b, checks[i].who);
    }
}

int fmt_check_append(const fr_allocator *a, fmt_check **checks, uint32_t *n, uint32_t rule,
                     const uint32_t *slots, uint32_t n_slots, const char *who)
{
    fmt_check *grown = fr_realloc(a, *checks, ((size_t)*n + 1) * sizeof *grown);
    if (!grown)
        return FR_ENOMEM;
    *checks = grown;
    size_t who_len = strlen(who) + 1;
    fmt_check c = {.rule = rule, .n_slots = n_slots,
                   .slots = fr_malloc(a, (n_slots ? n_slots : 1) * sizeof *slots),
                   .who = fr_malloc(a, who_len)};
    if (!c.slots || !c.who) {
        fr_free(a, c.slots);
        fr_free(a, c.who);
        return FR_ENOMEM;
    }
    memcpy(c.slots, slots, n_slots * sizeof *slots);
    memcpy(c.who, who, who_len);
    grown[(*n)++] = c;
    return 0;
}

void fmt_checks_free(const fr_allocator *a, fmt_check *checks, uint32_t n)
{
    for (uint32_t i = 0; checks && i < n; i++) {
        fr_free(a, checks[i].slots);
        fr_free(a, checks[i].who);
    }
    fr_free(a, checks);
}
