/*
 * convert_program.c — the PROGRAM under construction and the columns flowing between steps
 * (convert_program.h): the one way operations are added, and raw inputs typed and marked read.
 */
#include <stdlib.h>
#include <string.h>

#include "convert_program.h"

void cv_cols_free(cols *c)
{
    for (uint32_t i = 0; c->name && i < c->n; i++)
        free(c->name[i]);
    free(c->name);
    free(c->slot);
    memset(c, 0, sizeof *c);
}

int cv_cols_push(cols *c, uint32_t slot, const char *name)
{
    uint32_t *s = realloc(c->slot, (c->n + 1) * sizeof *s);
    if (s)
        c->slot = s;
    char **n = realloc(c->name, (c->n + 1) * sizeof *n);
    if (n)
        c->name = n;
    char *d = strdup(name ? name : "");
    if (!s || !n || !d) {
        free(d);
        return FROST_ENOMEM;
    }
    c->slot[c->n] = slot;
    c->name[c->n] = d;
    c->n++;
    return 0;
}

int cv_cols_append(cols *dst, const cols *src)
{
    int rc = 0;
    for (uint32_t j = 0; j < src->n && !rc; j++)
        rc = cv_cols_push(dst, src->slot[j], src->name[j]);
    return rc;
}

void cv_mark_read(comp *k, const uint32_t *slots, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        if (slots[i] < k->n_inputs)
            k->input_read[slots[i]] = 1;
}

int cv_want_kind(comp *k, uint32_t s, uint32_t kind, const char *path)
{
    if (s >= k->n_inputs)
        return k->p->slot_kind[s] == kind ? 0
               : fr_fail(k->e, FROST_EUNSUPPORTED, "%s: a %s column where %s are expected",
                         path, k->p->slot_kind[s] == FMT_SLOT_STR ? "string" : "numeric",
                         kind == FMT_SLOT_STR ? "strings" : "numbers");
    if (k->input_kind[s] == CV_KIND_UNSET) {
        k->input_kind[s] = (uint8_t)kind;
        k->p->slot_kind[s] = (uint8_t)kind;
        return 0;
    }
    if (k->input_kind[s] != kind)
        return fr_fail(k->e, FROST_EUNSUPPORTED, "%s: input column %u is used both as numbers "
                       "and as strings", path, s);
    return 0;
}

int cv_add_op(comp *k, const fmt_op *op, uint32_t *first, const char *path)
{
    int rc = fmt_program_add(k->p, op, first, k->e);
    if (rc)
        return fr_wrap(k->e, "%s", path);
    cv_mark_read(k, op->in, op->n_in);
    return 0;
}

int cv_get_vec(comp *k, const pk_obj *o, const char *name, uint32_t n, double dflt,
               double *out, const char *path)
{
    const pk_obj *a = pk_attr(o, name);
    if (!a || pk_is_none(a)) {
        for (uint32_t i = 0; i < n; i++)
            out[i] = dflt;
        return 0;
    }
    pk_array_info ai;
    double v;
    if (!pk_array_info_get(a, &ai) && ai.count == n)
        return pk_array_get_f64(a, NULL, out, n, k->e) ? fr_wrap(k->e, "%s.%s", path, name) : 0;
    if (n == 1 && !pk_get_double(a, &v)) {
        out[0] = v;
        return 0;
    }
    return fr_fail(k->e, FROST_EFORMAT, "%s: %s does not hold %u numbers", path, name, n);
}

/* The input columns' kinds once everything is compiled: what an operation typed; numbers where
 * only the outputs (passthrough), a member or a check read a column; unused where nothing does —
 * a column the model lists but a ColumnTransformer drops. */
void cv_finish_kinds(comp *k, const cols *outputs)
{
    cv_mark_read(k, outputs->slot, outputs->n);
    for (uint32_t i = 0; i < k->n_inputs; i++)
        if (k->input_kind[i] == CV_KIND_UNSET)
            k->p->slot_kind[i] = k->input_read[i] ? FMT_SLOT_NUM : FMT_SLOT_UNUSED;
}
