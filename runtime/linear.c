/*
 * linear.c — scores a linear estimator (FORMAT.md LINEAR): the decision d = x·coef + intercept
 * with the terms added in feature order, then the rule's link (sklearn/linear_model/_base.py,
 * _logistic.py). After a program whose one-hot blocks feed it, a row is scored sparsely, as
 * scikit-learn's sparse dot does, through a plan built at open.
 */
#include <math.h>
#include <string.h>

#include "alloc.h"
#include "internal.h"

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
int rt_linear_init(frost_model *m, fr_err *e)
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

void rt_linear_free(frost_model *m)
{
    fr_free(m->alloc, m->lin_plan);
    m->lin_plan = NULL;
}

/* LinearModel._decision_function / LinearClassifierMixin.decision_function: X @ coef.T +
 * intercept, then the rule's link (sklearn/linear_model/_base.py, _logistic.py). */
static void linear_finish(const fmt_linear *l, rt_what what, double *out, double *d);

void rt_linear_row(const fmt_linear *l, const double *x, rt_what what, double *out, double *d)
{
    for (uint32_t r = 0; r < l->n_rows; r++) {
        const double *w = l->coef + (size_t)r * l->n_features;
        double acc = 0.0;
        for (uint32_t j = 0; j < l->n_features; j++)
            acc += x[j] * w[j];
        d[r] = acc + l->intercept[r];
    }
    linear_finish(l, what, out, d);
}

/* linear_row from the program's slots through m->lin_plan: a one-hot block adds the coefficient
 * of its set column (1.0 × w), or nothing when none is set — the zeros it skips add nothing. */
void rt_linear_row_plan(const frost_model *m, const rt_slot *slots, const uint32_t *hot,
                        rt_what what, double *out, double *d)
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
    linear_finish(l, what, out, d);
}

static void linear_finish(const fmt_linear *l, rt_what what, double *out, double *d)
{
    if (l->task == FROST_TASK_REGRESSOR || what == RT_DECISION) { /* or decision_function */
        memcpy(out, d, l->n_rows * sizeof *d);
        return;
    }
    if (what == RT_PREDICT) {
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

