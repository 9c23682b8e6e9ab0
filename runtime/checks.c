/*
 * checks.c — refusing what scikit-learn refuses (FORMAT.md CHECKS).
 *
 * Every scikit-learn step passes its input through check_array, which raises on a missing value
 * where the step cannot take one, on infinity, and — for trees, which work in float32 — on a
 * value too large for float32. The converter recorded which step refuses what; here each row's
 * values are checked once, after the program made them and before any estimator reads them, so
 * the walkers and the linear models never see a value scikit-learn would have refused, and no
 * per-node test is needed.
 *
 * The message names the row, the input column the value came from (traced back through the
 * element-wise operations that made it) and the step, so a user can find the cell to fix.
 */
#include <stdio.h>
#include <string.h>

#include "internal.h"

/* "column 'age'", "column 'age' (after preprocessing)", "feature 'poly__a b'", … */
static void describe_slot(const frost_model *m, uint32_t s, char *buf, size_t cap)
{
    const fmt_program *p = m->h.program;
    uint32_t in = fmt_slot_origin(p, s);
    char nb[32];
    if (in != UINT32_MAX) {
        snprintf(buf, cap, "column '%s'%s", rt_input_name(m, in, nb, sizeof nb),
                 s >= m->h.n_inputs ? " (after preprocessing)" : "");
        return;
    }
    for (uint32_t j = 0; p && p->output_names && j < p->n_outputs; j++)
        if (p->outputs[j] == s) {
            snprintf(buf, cap, "feature '%s'", p->output_names[j]);
            return;
        }
    snprintf(buf, cap, "derived column (slot %u)", s);
}

static int refuse(const frost_model *m, const fmt_check *c, uint32_t s, uint32_t why, double v,
                  size_t row, fr_err *e)
{
    char where[300];
    describe_slot(m, s, where, sizeof where);
    if (why == FMT_CHECK_NAN)
        fr_fail(e, FROST_ESCHEMA, "row %zu, %s: a missing value reaches %s, which does not "
                "accept missing values (scikit-learn: \"Input X contains NaN\")",
                row + 1, where, c->who);
    else if (why == FMT_CHECK_INF)
        fr_fail(e, FROST_ESCHEMA, "row %zu, %s: %s reaches %s, which accepts only finite values "
                "(scikit-learn: \"Input X contains infinity\")",
                row + 1, where, v > 0 ? "inf" : "-inf", c->who);
    else
        fr_fail(e, FROST_ESCHEMA, "row %zu, %s: %g is too large for float32, in which %s "
                "compares values (scikit-learn: \"Input X contains infinity or a value too large "
                "for dtype('float32')\")", row + 1, where, v, c->who);
    return fr_at_row(e, row);
}

int rt_check_row(const frost_model *m, const rt_slot *slots, int estimator, size_t row,
                 fr_err *e)
{
    const fmt_header *h = &m->h;
    const uint8_t *kinds = h->program ? h->program->slot_kind : h->feature_kinds;
    for (uint32_t i = 0; i < h->n_checks; i++) {
        const fmt_check *c = &h->checks[i];
        if ((c->rule & FMT_CHECK_ESTIMATOR) && !estimator)
            continue;
        for (uint32_t j = 0; j < c->n_slots; j++) {
            uint32_t s = c->slots[j];
            uint32_t why = kinds && kinds[s] == FMT_SLOT_STR
                               ? (slots[s].str ? 0 : c->rule & FMT_CHECK_NAN)
                               : fmt_check_refuses(c->rule, slots[s].num);
            if (why)
                return refuse(m, c, s, why, slots[s].num, row, e);
        }
    }
    return 0;
}

int rt_check_matrix(const frost_model *m, const double *X, size_t n_rows, fr_err *e)
{
    const fmt_header *h = &m->h;
    const size_t w = h->n_inputs;
    for (size_t r = 0; r < n_rows && h->n_checks; r++)
        for (uint32_t i = 0; i < h->n_checks; i++) {
            const fmt_check *c = &h->checks[i];
            for (uint32_t j = 0; j < c->n_slots; j++) {
                double v = X[r * w + c->slots[j]];
                uint32_t why = fmt_check_refuses(c->rule, v);
                if (why)
                    return refuse(m, c, c->slots[j], why, v, r, e);
            }
        }
    return 0;
}
