/*
 * pipeline.c — scoring models with preprocessing: typed input columns, the PROGRAM's column
 * operations (imputers, scalers, encoders, … flattened at conversion), and linear estimators.
 *
 * Rows are processed in batches: each row's input columns are fetched into a slot workspace,
 * the program runs over the slots, and its output slots become one row of the estimator's
 * feature matrix; the tree ensemble (predict.c) or the linear model then scores the batch.
 * Every operation is the one scikit-learn's transform performs, in the same order, so the
 * features — and the predictions — are the same numbers.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "alloc.h"
#include "internal.h"

/* Rows per batch: enough to amortise the estimator call, few enough that the feature matrix of
 * a batch stays small even for very wide one-hot outputs. */
#define RT_BATCH_BYTES (4u << 20)
#define RT_BATCH_MAX 256

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

/* One term of a linear estimator's decision, in feature order: a plain feature (its slot), or
 * a one-hot op's whole block of features, of which at most one is 1.0 and the rest 0.0. */
typedef struct rt_lin_term {
    uint32_t pos;   /* first feature */
    uint32_t slot;  /* plain: the slot; one-hot: the op */
    uint32_t n;     /* 0: plain; else the block's width */
} rt_lin_term;

/* For a program feeding a linear estimator: the features grouped into terms, so a row's decision
 * adds one coefficient per one-hot block (the column that is set) instead of reading every
 * category's column. A OneHotEncoder's output is sparse in scikit-learn too, and its sparse dot
 * adds the stored values in column order: the terms keep that order, so the sums are the same. */
static int build_linear_plan(frost_model *m, fr_err *e)
{
    const fmt_program *p = m->h.program;
    const fmt_linear *l = m->h.linear;
    if (!p || !l || m->h.combine || l->n_features != p->n_outputs)
        return 0;
    uint32_t *op_of = fr_calloc(m->alloc, p->n_slots, sizeof *op_of);
    uint32_t *op_first = fr_calloc(m->alloc, p->n_ops ? p->n_ops : 1, sizeof *op_first);
    m->lin_plan = fr_calloc(m->alloc, p->n_outputs, sizeof *m->lin_plan);
    if (!op_of || !op_first || !m->lin_plan) {
        fr_free(m->alloc, op_of);
        fr_free(m->alloc, op_first);
        return fr_fail(e, FROST_ENOMEM, "out of memory");
    }
    for (uint32_t i = 0; i < p->n_slots; i++)
        op_of[i] = UINT32_MAX;
    uint32_t first = p->n_inputs;
    for (uint32_t i = 0; i < p->n_ops; i++) {
        op_first[i] = first;
        for (uint32_t k = 0; k < p->ops[i].n_out; k++)
            op_of[first + k] = i;
        first += p->ops[i].n_out;
    }
    uint32_t n = 0;
    for (uint32_t j = 0; j < p->n_outputs;) {
        uint32_t s = p->outputs[j], i = op_of[s];
        const fmt_op *op = i == UINT32_MAX ? NULL : &p->ops[i];
        /* a block counts only when all its columns appear, whole and in order */
        int block = op && op->opcode == FMT_OP_ENCODE && op->n_out > 1 && s == op_first[i] &&
                    op->n_out <= p->n_outputs - j;
        for (uint32_t k = 1; block && k < op->n_out; k++)
            block = p->outputs[j + k] == s + k;
        if (block) {
            m->lin_plan[n++] = (rt_lin_term){.pos = j, .slot = i, .n = op->n_out};
            j += op->n_out;
        } else {
            m->lin_plan[n++] = (rt_lin_term){.pos = j, .slot = s, .n = 0};
            j++;
        }
    }
    m->lin_plan_len = n;
    fr_free(m->alloc, op_of);
    fr_free(m->alloc, op_first);
    return 0;
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
    return build_linear_plan(m, e);
}

/* One call's scratch: the slot row, the batch's feature matrix, per-op state, the column
 * binding. Pooled per model so a warm call allocates nothing; each is used by one thread at a
 * time. hot[i] remembers the 1.0 a one-hot op left (+1, 0 = none) so the next row clears just
 * that slot instead of all of them — O(1) per row however many categories there are. */
struct rt_ws {
    rt_ws *next;
    rt_slot *slots;
    double *feats;
    double *scratch;
    size_t *col_of;
    uint32_t *hot;
    size_t batch;
    /* a COMBINE: each member's feature matrix (batch × n_in, member after member), one
     * member's outputs (batch × mout_w), the combination's per-row accumulators (batch ×
     * (n_classes + 2)) */
    double *mfeats;
    double *mout;
    double *cacc;
    size_t *moff;       /* per member: where its matrix starts in mfeats */
    double wdiv;        /* numpy's pairwise sum of the members' weights */
};

static void ws_free(const fr_allocator *a, rt_ws *w)
{
    if (!w)
        return;
    fr_free(a, w->slots);
    fr_free(a, w->feats);
    fr_free(a, w->scratch);
    fr_free(a, w->col_of);
    fr_free(a, w->hot);
    fr_free(a, w->mfeats);
    fr_free(a, w->mout);
    fr_free(a, w->cacc);
    fr_free(a, w->moff);
    fr_free(a, w);
}

static rt_ws *ws_acquire(frost_model *m)
{
    pthread_mutex_lock(&m->ws_lock);
    rt_ws *w = m->ws_free;
    if (w)
        m->ws_free = w->next;
    pthread_mutex_unlock(&m->ws_lock);
    if (w)
        return w;
    const fmt_header *h = &m->h;
    const fmt_program *p = h->program;
    uint32_t nf = h->n_features;
    uint32_t n_slots = p ? p->n_slots : h->n_inputs;
    uint32_t lin_rows = h->linear ? h->linear->n_rows : 0;
    const fmt_combine *cb = h->combine;
    size_t m_in = 0; /* a combination: member features per row */
    uint32_t cw = 0, mout_w = 0;
    if (cb) {
        cw = cb->n_classes + 2;
        mout_w = cb->n_classes > 2 ? cb->n_classes : 2;
        for (uint32_t i = 0; i < cb->n_members; i++) {
            m_in += cb->members[i].n_in;
            if (cb->members[i].linear && cb->members[i].linear->n_rows > lin_rows)
                lin_rows = cb->members[i].linear->n_rows;
        }
    }
    size_t row_bytes = ((size_t)nf + m_in + mout_w + cw) * sizeof(double);
    size_t batch = RT_BATCH_BYTES / (row_bytes + 1);
    batch = batch < 1 ? 1 : batch > RT_BATCH_MAX ? RT_BATCH_MAX : batch;
    w = fr_calloc(m->alloc, 1, sizeof *w);
    if (!w)
        return NULL;
    w->batch = batch;
    w->slots = fr_calloc(m->alloc, n_slots, sizeof *w->slots);
    w->feats = fr_calloc(m->alloc, batch * nf, sizeof *w->feats);
    w->scratch = fr_calloc(m->alloc, 2 * (size_t)n_slots + 2 * lin_rows + 2, sizeof *w->scratch);
    w->col_of = fr_calloc(m->alloc, h->n_inputs, sizeof *w->col_of);
    w->hot = fr_calloc(m->alloc, p && p->n_ops ? p->n_ops : 1, sizeof *w->hot);
    if (cb) {
        w->mfeats = fr_calloc(m->alloc, batch * m_in, sizeof *w->mfeats);
        w->mout = fr_calloc(m->alloc, batch * mout_w, sizeof *w->mout);
        w->cacc = fr_calloc(m->alloc, batch * cw, sizeof *w->cacc);
        w->moff = fr_calloc(m->alloc, cb->n_members, sizeof *w->moff);
        if (!w->mfeats || !w->mout || !w->cacc || !w->moff) {
            ws_free(m->alloc, w);
            return NULL;
        }
        for (uint32_t i = 1; i < cb->n_members; i++)
            w->moff[i] = w->moff[i - 1] + batch * cb->members[i - 1].n_in;
        double *wt = fr_calloc(m->alloc, cb->n_members, sizeof *wt);
        if (!wt) {
            ws_free(m->alloc, w);
            return NULL;
        }
        for (uint32_t i = 0; i < cb->n_members; i++)
            wt[i] = cb->members[i].weight;
        w->wdiv = rt_pairwise(wt, cb->n_members);
        fr_free(m->alloc, wt);
    }
    if (!w->slots || !w->feats || !w->scratch || !w->col_of || !w->hot) {
        ws_free(m->alloc, w);
        return NULL;
    }
    return w;
}

static void ws_release(frost_model *m, rt_ws *w)
{
    pthread_mutex_lock(&m->ws_lock);
    w->next = m->ws_free;
    m->ws_free = w;
    pthread_mutex_unlock(&m->ws_lock);
}

void rt_program_free(frost_model *m)
{
    while (m->ws_free) {
        rt_ws *w = m->ws_free;
        m->ws_free = w->next;
        ws_free(m->alloc, w);
    }
    fr_free(m->alloc, m->lin_plan);
    m->lin_plan = NULL;
    if (!m->encoders)
        return;
    for (uint32_t i = 0; m->h.program && i < m->h.program->n_ops; i++)
        fr_free(m->alloc, m->encoders[i].table);
    fr_free(m->alloc, m->encoders);
    m->encoders = NULL;
}

/* ---- where input values come from ----------------------------------------------------------- */

typedef struct source {
    const double *X;            /* a row-major numeric matrix (frost_predict), or NULL */
    const frost_column *cols;   /* or columns, col_of[input] of them per input */
    const size_t *col_of;
} source;

const char *rt_input_name(const frost_model *m, uint32_t i, char *buf, size_t cap)
{
    if (m->h.features_named)
        return m->h.feature_names[i];
    snprintf(buf, cap, "x%u", i); /* positional: the names inspect and the CLI show */
    return buf;
}

static int input_kind(const frost_model *m, uint32_t i)
{
    return m->h.feature_kinds ? m->h.feature_kinds[i] : FMT_SLOT_NUM;
}

/* Matches the given columns to the model's inputs: by name (equal names in order) or by
 * position. col_of receives, per input, the column feeding it. */
static int bind_columns(const frost_model *m, const frost_column *cols, size_t n_cols,
                        size_t *col_of, fr_err *e)
{
    const fmt_header *h = &m->h;
    size_t missing = 0;
    char list[384] = "";
    size_t at = 0;
    for (uint32_t i = 0; i < h->n_inputs; i++) {
        col_of[i] = SIZE_MAX;
        /* the k-th input with this name takes the k-th column with this name */
        uint32_t rank = 0;
        if (h->features_named)
            for (uint32_t j = 0; j < i; j++)
                rank += strcmp(h->feature_names[j], h->feature_names[i]) == 0;
        for (size_t c = 0; c < n_cols && col_of[i] == SIZE_MAX; c++) {
            if (cols[c].name) {
                if (h->features_named && strcmp(cols[c].name, h->feature_names[i]) == 0 &&
                    rank-- == 0)
                    col_of[i] = c;
            } else if (cols[c].index == i) {
                col_of[i] = c;
            }
        }
        if (col_of[i] == SIZE_MAX &&
            (m->missing_columns == FROST_MISSING_AS_NAN || input_kind(m, i) == FMT_SLOT_UNUSED))
            continue; /* fetched as all-missing; an unused column need not be given at all */
        if (col_of[i] == SIZE_MAX) {
            char nb[32];
            if (missing++ < 12 && at < sizeof list)
                at += (size_t)snprintf(list + at, sizeof list - at, "%s'%s'", at ? ", " : "",
                                       rt_input_name(m, i, nb, sizeof nb));
            continue;
        }
        const frost_column *col = &cols[col_of[i]];
        int str = col->type == FROST_COLUMN_STRING;
        if (col->type < FROST_COLUMN_DOUBLE || col->type > FROST_COLUMN_STRING || !col->values)
            return fr_fail(e, FROST_EINVAL, "column %zu: unknown type or no values", col_of[i]);
        if (input_kind(m, i) == FMT_SLOT_UNUSED)
            continue; /* never read: any type will do */
        if (str != (input_kind(m, i) == FMT_SLOT_STR)) {
            char nb[32];
            return fr_fail(e, FROST_ESCHEMA, "column '%s' holds %s, but the model reads it as %s",
                           rt_input_name(m, i, nb, sizeof nb), str ? "strings" : "numbers",
                           str ? "numbers" : "strings (categories)");
        }
    }
    if (missing)
        return fr_fail(e, FROST_ESCHEMA, "%zu input column%s missing: %s%s", missing,
                       missing == 1 ? " is" : "s are", list, missing > 12 ? ", …" : "");
    return 0;
}

static void fetch(const frost_model *m, const source *src, size_t row, rt_slot *slots)
{
    uint32_t n = m->h.n_inputs;
    if (src->X) {
        for (uint32_t i = 0; i < n; i++) {
            slots[i].num = src->X[row * n + i];
            slots[i].str = NULL;
        }
        return;
    }
    for (uint32_t i = 0; i < n; i++) {
        if (src->col_of[i] == SIZE_MAX || input_kind(m, i) == FMT_SLOT_UNUSED) {
            /* absent (FROST_MISSING_AS_NAN, or an unused column), or never read */
            slots[i].num = NAN;
            slots[i].str = NULL;
            slots[i].len = 0;
            continue;
        }
        const frost_column *c = &src->cols[src->col_of[i]];
        size_t at = row * (c->stride ? c->stride : 1);
        slots[i].str = NULL;
        switch (c->type) {
        case FROST_COLUMN_DOUBLE: slots[i].num = ((const double *)c->values)[at]; break;
        case FROST_COLUMN_FLOAT: slots[i].num = (double)((const float *)c->values)[at]; break;
        case FROST_COLUMN_INT64: slots[i].num = (double)((const int64_t *)c->values)[at]; break;
        case FROST_COLUMN_STRING: {
            const frost_string *s = &((const frost_string *)c->values)[at];
            slots[i].num = NAN;
            slots[i].str = s->ptr;
            slots[i].len = s->ptr ? s->len : 0;
            break;
        }
        }
    }
}

/* ---- the operations ------------------------------------------------------------------------- */

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

/* ---- linear estimators ---------------------------------------------------------------------- */

/* LinearModel._decision_function / LinearClassifierMixin.decision_function: X @ coef.T +
 * intercept, then the rule's link (sklearn/linear_model/_base.py, _logistic.py). */
static void linear_finish(const fmt_linear *l, int proba, double *out, double *d);

static void linear_row(const fmt_linear *l, const double *x, int proba, double *out, double *d)
{
    for (uint32_t r = 0; r < l->n_rows; r++) {
        const double *w = l->coef + (size_t)r * l->n_features;
        double acc = 0.0;
        for (uint32_t j = 0; j < l->n_features; j++)
            acc += x[j] * w[j];
        d[r] = acc + l->intercept[r];
    }
    linear_finish(l, proba, out, d);
}

/* linear_row from the program's slots through m->lin_plan: a one-hot block adds the coefficient
 * of its set column (1.0 × w), or nothing when none is set — the zeros it skips add nothing. */
static void linear_row_sparse(const frost_model *m, const rt_slot *slots, const uint32_t *hot,
                              int proba, double *out, double *d)
{
    const fmt_linear *l = m->h.linear;
    for (uint32_t r = 0; r < l->n_rows; r++) {
        const double *w = l->coef + (size_t)r * l->n_features;
        double acc = 0.0;
        for (uint32_t k = 0; k < m->lin_plan_len; k++) {
            const rt_lin_term *t = &m->lin_plan[k];
            if (!t->n)
                acc += slots[t->slot].num * w[t->pos];
            else if (hot[t->slot])
                acc += 1.0 * w[t->pos + hot[t->slot] - 1];
        }
        d[r] = acc + l->intercept[r];
    }
    linear_finish(l, proba, out, d);
}

static void linear_finish(const fmt_linear *l, int proba, double *out, double *d)
{
    if (l->task == FROST_TASK_REGRESSOR || proba == RT_DECISION) { /* or decision_function */
        memcpy(out, d, l->n_rows * sizeof *d);
        return;
    }
    if (!proba) {
        out[0] = l->n_rows == 1 ? (d[0] > 0 ? 1.0 : 0.0) : (double)rt_argmax(d, l->n_rows);
        return;
    }
    switch (l->rule) {
    case FMT_LIN_LOGISTIC:
        out[1] = rt_expit(d[0]);
        out[0] = 1.0 - out[1];
        return;
    case FMT_LIN_OVR: {
        for (uint32_t r = 0; r < l->n_rows; r++)
            out[r] = rt_expit(d[r]);
        double s = rt_pairwise(out, l->n_rows);
        for (uint32_t r = 0; r < l->n_rows; r++)
            out[r] /= s;
        return;
    }
    case FMT_LIN_BINARY_SOFTMAX:
        d[1] = d[0];
        d[0] = -d[0];
        rt_softmax(d, 2, out);
        return;
    case FMT_LIN_SOFTMAX:
        rt_softmax(d, l->n_rows, out);
        return;
    default:
        return;
    }
}

/* ---- combinations (FORMAT.md COMBINE) -------------------------------------------------------- */

/* Scores nb rows whose member feature matrices are in w->mfeats and combines the members as
 * scikit-learn does (sklearn/ensemble/_voting.py VotingClassifier.predict / predict_proba,
 * VotingRegressor.predict; sklearn/multiclass.py OneVsRestClassifier.predict / predict_proba).
 * Member outputs are added in member order: numpy reduces the stacked (members, rows, …)
 * arrays along the members axis, which is not the contiguous one, element by element. */
static int combine_batch(frost_model *m, rt_ws *w, size_t nb, int proba, double *dst,
                         double *lin_scratch, fr_err *e)
{
    const fmt_combine *c = m->h.combine;
    const uint32_t K = c->n_classes, cw = K + 2;
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
        int mode = c->rule == FMT_COMB_SOFT_VOTE || (c->rule == FMT_COMB_OVR && proba) ? 1
                   : c->rule == FMT_COMB_OVR
                       ? (mem->score == FMT_SCORE_DECISION ? RT_DECISION : 1)
                       : 0;
        uint32_t mk = mem->kind == FMT_MEMBER_TREES ? mem->trees.n_classes_total
                                                    : fmt_linear_classes(mem->linear);
        uint32_t ow = mode == 1 ? mk : 1; /* decision: one row / one raw column (binary) */
        const double *X = w->mfeats + w->moff[i];
        if (mem->kind == FMT_MEMBER_TREES) {
            int rc = rt_agg_predict(m, &mem->trees, X, nb, mode, w->mout, e);
            if (rc)
                return rc;
        } else {
            for (size_t r = 0; r < nb; r++)
                linear_row(mem->linear, X + r * mem->n_in, mode, w->mout + r * ow, lin_scratch);
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
                if (proba) {         /* e.predict_proba(X)[:, 1] per class */
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
    uint32_t out_w = proba ? K : 1;
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

/* ---- the driver ----------------------------------------------------------------------------- */

enum { RUN_PREDICT = 0, RUN_PROBA = 1, RUN_TRANSFORM = 2 };

static int run(frost_model *m, source *src, const frost_column *cols, size_t n_cols,
               size_t n_rows, int what, double *out, fr_err *e)
{
    const fmt_header *h = &m->h;
    const fmt_program *p = h->program;
    uint32_t nf = h->n_features; /* estimator features = program outputs */
    if (what == RUN_TRANSFORM && !p)
        return fr_fail(e, FROST_EINVAL, "the model has no preprocessing to transform with");
    if (what != RUN_TRANSFORM && !h->has_ensemble && !h->linear && !h->combine)
        return fr_fail(e, FROST_EINVAL, "the model is a saved transformer: it transforms, it "
                       "does not predict (frost transform)");
    if (what == RUN_PROBA && (h->task != FROST_TASK_CLASSIFIER ||
                              (h->linear && h->linear->rule == FMT_LIN_DECISION)))
        return fr_fail(e, FROST_EINVAL, "this model gives no probabilities");
    if (what == RUN_PROBA && h->combine && !fmt_combine_has_proba(h->combine))
        return fr_fail(e, FROST_EINVAL, "this model gives no probabilities (%s)",
                       h->combine->rule == FMT_COMB_HARD_VOTE
                           ? "a hard-voting VotingClassifier has no predict_proba"
                           : "its members have no predict_proba");
    uint32_t out_w = what == RUN_TRANSFORM ? nf
                     : what == RUN_PROBA ? h->n_classes_total
                     : h->has_ensemble && h->kind == FROST_ENSEMBLE_BOOSTED ? 1 : h->n_outputs;
    uint32_t n_slots = p ? p->n_slots : h->n_inputs;
    rt_ws *w = ws_acquire(m);
    if (!w)
        return fr_fail(e, FROST_ENOMEM, "out of memory scoring a batch");
    size_t batch = w->batch;
    rt_slot *slots = w->slots;
    double *feats = w->feats, *scratch = w->scratch;
    int rc = 0;
    if (cols) {
        src->cols = cols;
        src->col_of = w->col_of;
        if ((rc = bind_columns(m, cols, n_cols, w->col_of, e))) {
            ws_release(m, w);
            return rc;
        }
    }
    for (size_t r0 = 0; r0 < n_rows && !rc; r0 += batch) {
        size_t nb = n_rows - r0 < batch ? n_rows - r0 : batch;
        for (size_t r = 0; r < nb && !rc; r++) {
            fetch(m, src, r0 + r, slots);
            if (p) {
                uint32_t first = p->n_inputs;
                for (uint32_t i = 0; i < p->n_ops && !rc; i++) {
                    rc = run_op(m, i, slots, first, r0 + r, scratch, w->hot, e);
                    first += p->ops[i].n_out;
                }
                if (!rc)
                    rc = rt_check_row(m, slots, what != RUN_TRANSFORM, r0 + r, e);
                if (!rc && m->lin_plan && what != RUN_TRANSFORM) {
                    linear_row_sparse(m, slots, w->hot, what == RUN_PROBA,
                                      out + (r0 + r) * out_w, scratch + 2 * (size_t)n_slots);
                    continue;
                }
                if (!h->combine || what == RUN_TRANSFORM)
                    for (uint32_t j = 0; j < nf; j++)
                        feats[r * nf + j] = slots[p->outputs[j]].num;
            } else {
                if ((rc = rt_check_row(m, slots, what != RUN_TRANSFORM, r0 + r, e)))
                    break;
                for (uint32_t j = 0; j < nf; j++)
                    feats[r * nf + j] = slots[j].num;
            }
            if (h->combine && what != RUN_TRANSFORM) /* each member's own columns */
                for (uint32_t i = 0; i < h->combine->n_members; i++) {
                    const fmt_member *mem = &h->combine->members[i];
                    double *x = w->mfeats + w->moff[i] + r * mem->n_in;
                    for (uint32_t j = 0; j < mem->n_in; j++)
                        x[j] = slots[mem->slots[j]].num;
                }
        }
        if (rc)
            break;
        double *dst = out + r0 * out_w;
        if (what == RUN_TRANSFORM)
            memcpy(dst, feats, nb * nf * sizeof *feats);
        else if (h->combine)
            rc = combine_batch(m, w, nb, what == RUN_PROBA, dst, scratch + 2 * (size_t)n_slots, e);
        else if (h->linear) {
            if (!m->lin_plan) /* with a plan, each row was scored as its slots were made */
                for (size_t r = 0; r < nb; r++)
                    linear_row(h->linear, feats + r * nf, what == RUN_PROBA, dst + r * out_w,
                               scratch + 2 * (size_t)n_slots);
        } else
            rc = rt_ensemble_predict(m, feats, nb, what == RUN_PROBA, dst, e);
    }
    ws_release(m, w);
    return rc;
}

/* frost_predict on a model with preprocessing or a linear estimator: X holds the inputs. */
int rt_predict_matrix(frost_model *m, const double *X, size_t n_rows, int proba, double *out,
                      fr_err *e)
{
    for (uint32_t i = 0; i < m->h.n_inputs; i++)
        if (input_kind(m, i) == FMT_SLOT_STR)
            return fr_fail(e, FROST_EINVAL, "the model reads string columns: use "
                           "frost_predict_columns");
    source src = {.X = X};
    return run(m, &src, NULL, 0, n_rows, proba ? RUN_PROBA : RUN_PREDICT, out, e);
}

static int run_columns(frost_model *m, const frost_column *cols, size_t n_cols, size_t n_rows,
                       int what, double *out)
{
    fr_err e = {0};
    if (!m)
        return FROST_EINVAL;
    if ((!cols && n_cols) || (!out && n_rows))
        return rt_set_error(m, (fr_fail(&e, FROST_EINVAL, "NULL argument"), &e));
    if (n_rows == 0)
        return 0;
    source src = {0};
    int rc = run(m, &src, cols, n_cols, n_rows, what, out, &e);
    return rc ? rt_set_error(m, &e) : 0;
}

FROST_API int frost_predict_columns(frost_model *m, const frost_column *cols, size_t n_cols,
                                    size_t n_rows, double *out)
{
    return run_columns(m, cols, n_cols, n_rows, RUN_PREDICT, out);
}

FROST_API int frost_predict_proba_columns(frost_model *m, const frost_column *cols,
                                          size_t n_cols, size_t n_rows, double *out)
{
    return run_columns(m, cols, n_cols, n_rows, RUN_PROBA, out);
}

FROST_API int frost_transform(frost_model *m, const frost_column *cols, size_t n_cols,
                              size_t n_rows, double *out)
{
    return run_columns(m, cols, n_cols, n_rows, RUN_TRANSFORM, out);
}
