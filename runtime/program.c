/*
 * program.c — runs the PROGRAM (FORMAT.md) over one row's slots: imputers, scalers, encoders,
 * normalizers, polynomial terms and bins, flattened from a scikit-learn Pipeline at conversion.
 * Every operation is the one scikit-learn's transform performs, in the same order, so the
 * features — and the predictions — are the same numbers. The encoders' lookup tables are built
 * once at open.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <xxhash.h>

#include "alloc.h"
#include "internal.h"

/* A category table ready for lookups: open addressing over hashes of the categories. */
struct rt_encoder {
    uint32_t mask;      /* table size - 1 (a power of two), 0 when unused */
    uint32_t *table;    /* category index + 1, 0 = empty */
};

static uint64_t hash_num(double v)
{
    if (v == 0.0)
        v = 0.0; /* -0.0 and 0.0 are the same category */
    return XXH3_64bits(&v, sizeof v);
}

static int build_encoder(const fr_allocator *a, const fmt_op *op, rt_encoder *enc, fr_err *e)
{
    uint32_t cap = 16;
    while (cap < 2 * op->n_cat)
        cap *= 2;
    enc->table = fr_calloc(a, cap, sizeof *enc->table);
    if (!enc->table)
        return fr_fail(e, FROST_ENOMEM, "out of memory for a %u-category table", op->n_cat);
    enc->mask = cap - 1;
    for (uint32_t c = 0; c < op->n_cat; c++) {
        if (c == op->missing_cat)
            continue; /* reached through missing inputs only, never by value */
        uint64_t h = op->cat_kind == FMT_SLOT_STR ? XXH3_64bits(op->strs[c], strlen(op->strs[c]))
                                                  : hash_num(op->cats[c]);
        uint32_t i = (uint32_t)h & enc->mask;
        while (enc->table[i]) {
            uint32_t o = enc->table[i] - 1;
            int same = op->cat_kind == FMT_SLOT_STR ? strcmp(op->strs[o], op->strs[c]) == 0
                                                    : op->cats[o] == op->cats[c];
            if (same)
                return FR_CORRUPT(e, "program: category %u repeats category %u", c, o);
            i = (i + 1) & enc->mask;
        }
        enc->table[i] = c + 1;
    }
    return 0;
}

/* The category index of a value, or UINT32_MAX when unknown. */
static uint32_t lookup(const fmt_op *op, const rt_encoder *enc, const rt_slot *v)
{
    uint64_t h;
    if (op->cat_kind == FMT_SLOT_STR)
        h = XXH3_64bits(v->str, v->len);
    else
        h = hash_num(v->num);
    for (uint32_t i = (uint32_t)h & enc->mask;; i = (i + 1) & enc->mask) {
        uint32_t c = enc->table[i];
        if (!c)
            return UINT32_MAX;
        c--;
        if (op->cat_kind == FMT_SLOT_STR) {
            if (strlen(op->strs[c]) == v->len && memcmp(op->strs[c], v->str, v->len) == 0)
                return c;
        } else if (op->cats[c] == v->num) {
            return c;
        }
    }
}

int rt_program_init(frost_model *m, fr_err *e)
{
    const fmt_program *p = m->h.program;
    if (!p)
        return 0;
    m->encoders = fr_calloc(m->alloc, p->n_ops ? p->n_ops : 1, sizeof *m->encoders);
    if (!m->encoders)
        return fr_fail(e, FROST_ENOMEM, "out of memory");
    for (uint32_t i = 0; i < p->n_ops; i++)
        if (p->ops[i].opcode == FMT_OP_ENCODE) {
            int rc = build_encoder(m->alloc, &p->ops[i], &m->encoders[i], e);
            if (rc)
                return rc;
        }
    return 0;
}

void rt_program_free(frost_model *m)
{
    if (!m->encoders)
        return;
    for (uint32_t i = 0; m->h.program && i < m->h.program->n_ops; i++)
        fr_free(m->alloc, m->encoders[i].table);
    fr_free(m->alloc, m->encoders);
    m->encoders = NULL;
}

static int is_missing(const fmt_program *p, uint32_t slot, const rt_slot *v)
{
    return p->slot_kind[slot] == FMT_SLOT_STR ? v->str == NULL : isnan(v->num);
}

static int run_op(const frost_model *m, uint32_t index, rt_slot *s, uint32_t first, size_t row,
                  double *scratch, uint32_t *hot, fr_err *e)
{
    const fmt_program *p = m->h.program;
    const fmt_op *op = &p->ops[index];
    rt_slot *out = s + first;
    switch (op->opcode) {
    case FMT_OP_IMPUTE: /* SimpleImputer.transform: NaN → statistics_ */
        for (uint32_t i = 0; i < op->n_in; i++) {
            double x = s[op->in[i]].num;
            out[i].num = isnan(x) ? op->a[i] : x;
            out[i].str = NULL;
        }
        return 0;
    case FMT_OP_IMPUTE_STR:
        for (uint32_t i = 0; i < op->n_in; i++) {
            const rt_slot *x = &s[op->in[i]];
            out[i].num = NAN;
            out[i].str = x->str ? x->str : op->strs[i];
            out[i].len = x->str ? x->len : strlen(op->strs[i]);
        }
        return 0;
    case FMT_OP_INDICATOR: /* MissingIndicator: 1.0 where missing */
        for (uint32_t i = 0; i < op->n_in; i++) {
            out[i].num = is_missing(p, op->in[i], &s[op->in[i]]) ? 1.0 : 0.0;
            out[i].str = NULL;
        }
        return 0;
    case FMT_OP_SCALE: /* StandardScaler / RobustScaler / MaxAbsScaler: (x - a) / b;
                        * MinMaxScaler: x * a + b, then clip */
        for (uint32_t i = 0; i < op->n_in; i++) {
            double x = s[op->in[i]].num;
            double v = op->mode == 0 ? (x - op->a[i]) / op->b[i]
                       : op->mode == 1 ? x * op->a[i] + op->b[i] : x * op->a[i];
            if (op->clip && !isnan(v))
                v = v < op->lo ? op->lo : v > op->hi ? op->hi : v;
            out[i].num = v;
            out[i].str = NULL;
        }
        return 0;
    case FMT_OP_ENCODE: {
        const rt_slot *x = &s[op->in[0]];
        uint32_t c;
        if (is_missing(p, op->in[0], x))
            c = op->missing_cat;
        else
            c = lookup(op, &m->encoders[index], x);
        double target;
        if (c == FMT_NONE || c == UINT32_MAX) {
            if (!op->unknown) {
                char nb[32];
                uint32_t in = op->in[0];
                const char *col = in < m->h.n_inputs ? rt_input_name(m, in, nb, sizeof nb)
                                                      : "a derived column";
                if (x->str)
                    fr_fail(e, FROST_ESCHEMA, "row %zu, column '%s': unknown category '%.*s'",
                            row + 1, col, (int)(x->len > 200 ? 200 : x->len), x->str);
                else
                    fr_fail(e, FROST_ESCHEMA, "row %zu, column '%s': unknown category %.17g",
                            row + 1, col, x->num);
                return fr_at_row(e, row);
            }
            target = op->unknown_target;
        } else {
            target = op->targets[c];
        }
        if (op->n_out == 1) {
            out[0].num = target;
            out[0].str = NULL;
            return 0;
        }
        /* the outputs are all 0.0 but the one the previous row set (a fresh workspace is
         * zeroed): clear that one, set this row's */
        if (hot[index])
            out[hot[index] - 1].num = 0.0;
        hot[index] = 0;
        if (target >= 0) {
            out[(uint32_t)target].num = 1.0;
            hot[index] = (uint32_t)target + 1;
        }
        return 0;
    }
    case FMT_OP_NORMALIZE: { /* sklearn.preprocessing.normalize, rows */
        double norm = 0.0;
        for (uint32_t i = 0; i < op->n_in; i++)
            scratch[i] = s[op->in[i]].num;
        if (op->norm == 1) {
            for (uint32_t i = 0; i < op->n_in; i++)
                scratch[op->n_in + i] = fabs(scratch[i]);
            norm = rt_pairwise(scratch + op->n_in, op->n_in);
        } else if (op->norm == 2) {
            for (uint32_t i = 0; i < op->n_in; i++)
                norm += scratch[i] * scratch[i];
            norm = sqrt(norm);
        } else {
            for (uint32_t i = 0; i < op->n_in; i++)
                norm = fabs(scratch[i]) > norm ? fabs(scratch[i]) : norm;
        }
        if (norm == 0.0)
            norm = 1.0;
        for (uint32_t i = 0; i < op->n_in; i++) {
            out[i].num = scratch[i] / norm;
            out[i].str = NULL;
        }
        return 0;
    }
    case FMT_OP_UFUNC: /* FunctionTransformer(func=<numpy ufunc>) */
        for (uint32_t i = 0; i < op->n_in; i++) {
            out[i].num = rt_ufunc(op->ufunc, s[op->in[i]].num);
            out[i].str = NULL;
        }
        return 0;
    case FMT_OP_PROJECT: /* PCA / TruncatedSVD: (x - center) · components_ᵀ */
        for (uint32_t k = 0; k < op->n_out; k++) {
            const double *w = op->w + (size_t)k * op->n_in;
            double v = 0.0;
            for (uint32_t j = 0; j < op->n_in; j++)
                v += (s[op->in[j]].num - op->a[j]) * w[j];
            out[k].num = v;
            out[k].str = NULL;
        }
        return 0;
    case FMT_OP_POLY:
        for (uint32_t t = 0; t < op->n_out; t++) {
            double v = 1.0;
            uint32_t j = op->term_off[t];
            if (j < op->term_off[t + 1])
                v = s[op->in[op->term_idx[j++]]].num;
            for (; j < op->term_off[t + 1]; j++)
                v *= s[op->in[op->term_idx[j]]].num;
            out[t].num = v;
            out[t].str = NULL;
        }
        return 0;
    case FMT_OP_BINS: {
        double x = s[op->in[0]].num;
        uint32_t bin = 0;
        if (op->rule == 1) { /* searchsorted(edges[1:-1], x, side='right') */
            for (uint32_t i = 1; i + 1 < op->n_edges; i++)
                bin += op->edges[i] <= x;
        } else { /* digitize(x + atol + rtol·|x|, edges[1:]), clipped */
            double xe = x + (1e-8 + 1e-5 * fabs(x));
            for (uint32_t i = 1; i < op->n_edges; i++)
                bin += op->edges[i] <= xe;
            if (bin > op->n_edges - 2)
                bin = op->n_edges - 2;
        }
        if (op->n_out == 1) {
            out[0].num = isnan(x) ? NAN : (double)bin;
            out[0].str = NULL;
            return 0;
        }
        for (uint32_t j = 0; j < op->n_out; j++) {
            out[j].num = j == bin && !isnan(x) ? 1.0 : 0.0; /* NaN: no bin */
            out[j].str = NULL;
        }
        return 0;
    }
    default:
        return FR_CORRUPT(e, "program op %u: unknown opcode", index);
    }
}

int rt_program_row(const frost_model *m, rt_slot *slots, size_t row, double *scratch,
                   uint32_t *hot, fr_err *e)
{
    const fmt_program *p = m->h.program;
    uint32_t first = p->n_inputs;
    for (uint32_t i = 0; i < p->n_ops; i++) {
        int rc = run_op(m, i, slots, first, row, scratch, hot, e);
        if (rc)
            return rc;
        first += p->ops[i].n_out;
    }
    return 0;
}
