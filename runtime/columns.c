/*
 * columns.c — where a row's input values come from: the caller's columns matched to the model's
 * inputs (by name, equal names in order, or by position; an unused input need not be given),
 * or a plain numeric matrix, fetched one row at a time into slots.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

const char *rt_input_name(const frost_model *m, uint32_t i, char *buf, size_t cap)
{
    if (m->h.features_named)
        return m->h.feature_names[i];
    snprintf(buf, cap, "x%u", i); /* positional: the names inspect and the CLI show */
    return buf;
}

int rt_input_kind(const frost_model *m, uint32_t i)
{
    return m->h.feature_kinds ? m->h.feature_kinds[i] : FMT_SLOT_NUM;
}

int rt_bind_columns(const frost_model *m, const frost_column *cols, size_t n_cols,
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
            (m->missing_columns == FROST_MISSING_AS_NAN || rt_input_kind(m, i) == FMT_SLOT_UNUSED))
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
        if (rt_input_kind(m, i) == FMT_SLOT_UNUSED)
            continue; /* never read: any type will do */
        if (str != (rt_input_kind(m, i) == FMT_SLOT_STR)) {
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

void rt_fetch(const frost_model *m, const rt_source *src, size_t row, rt_slot *slots)
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
        if (src->col_of[i] == SIZE_MAX || rt_input_kind(m, i) == FMT_SLOT_UNUSED) {
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

