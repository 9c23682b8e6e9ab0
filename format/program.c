/*
 * program.c — the PROGRAM section (FORMAT.md): building a program op by op (the
 * importer does), validating it, and turning it into bytes and back.
 *
 * One validator serves the builder and the parser, so a program that can be written can be read
 * and a file that can be read obeys the same rules: every input slot defined before it is used,
 * every slot kind what its operation expects, every parameter in range.
 */
#include <math.h>
#include <string.h>

#include "alloc.h"
#include "endian.h"
#include "format.h"

/* ---- ownership ------------------------------------------------------------------------------ */

static void op_free(const fr_allocator *a, fmt_op *op)
{
    fr_free(a, op->in);
    fr_free(a, op->a);
    fr_free(a, op->b);
    if (op->strs) {
        uint32_t n = op->opcode == FMT_OP_ENCODE ? op->n_cat : op->n_in;
        for (uint32_t i = 0; i < n; i++)
            fr_free(a, op->strs[i]);
    }
    fr_free(a, op->strs);
    fr_free(a, op->cats);
    fr_free(a, op->targets);
    fr_free(a, op->term_off);
    fr_free(a, op->term_idx);
    fr_free(a, op->edges);
    fr_free(a, op->w);
    memset(op, 0, sizeof *op);
}

void fmt_program_free(fmt_program *p)
{
    if (!p)
        return;
    const fr_allocator *a = p->alloc;
    for (uint32_t i = 0; p->ops && i < p->n_ops; i++)
        op_free(a, &p->ops[i]);
    fr_free(a, p->ops);
    fr_free(a, p->outputs);
    if (p->output_names)
        for (uint32_t i = 0; i < p->n_outputs; i++)
            fr_free(a, p->output_names[i]);
    fr_free(a, p->output_names);
    fr_free(a, p->slot_kind);
    fr_free(a, p);
}

/* ---- validation ----------------------------------------------------------------------------- */

static uint32_t op_out_kind(const fmt_op *op)
{
    return op->opcode == FMT_OP_IMPUTE_STR ? FMT_SLOT_STR : FMT_SLOT_NUM;
}

/* Checks op (the next op of p, creating slots from `first`) against the slots defined so far. */
static int check_op(const fmt_program *p, const fmt_op *op, uint32_t index, uint32_t first,
                    fr_err *e)
{
    if (op->n_out == 0 || op->n_out > (1u << 24))
        return FR_CORRUPT(e, "program op %u: %u outputs", index, op->n_out);
    for (uint32_t i = 0; i < op->n_in; i++) {
        if (op->in[i] >= first)
            return FR_CORRUPT(e, "program op %u: input slot %u is not defined before it", index,
                              op->in[i]);
        uint32_t k = p->slot_kind[op->in[i]];
        if (k == FMT_SLOT_UNUSED)
            return FR_CORRUPT(e, "program op %u: reads input %u, which is marked unused", index,
                              op->in[i]);
        int want_str = op->opcode == FMT_OP_IMPUTE_STR ||
                       (op->opcode == FMT_OP_ENCODE && op->cat_kind == FMT_SLOT_STR);
        int any = op->opcode == FMT_OP_INDICATOR;
        if (!any && (k == FMT_SLOT_STR) != want_str)
            return FR_CORRUPT(e, "program op %u: input slot %u is %s, the op needs %s", index,
                              op->in[i], k == FMT_SLOT_STR ? "a string" : "numeric",
                              want_str ? "a string" : "a number");
    }
    switch (op->opcode) {
    case FMT_OP_IMPUTE:
    case FMT_OP_IMPUTE_STR:
    case FMT_OP_INDICATOR:
    case FMT_OP_SCALE:
    case FMT_OP_NORMALIZE:
    case FMT_OP_UFUNC:
        if (op->n_in != op->n_out || op->n_in == 0)
            return FR_CORRUPT(e, "program op %u: %u inputs for %u outputs", index, op->n_in,
                              op->n_out);
        if (op->opcode == FMT_OP_SCALE &&
            (op->mode > 2 || op->clip > 1 || (op->clip && !(op->lo <= op->hi))))
            return FR_CORRUPT(e, "program op %u: scale mode %u / clip %u [%g, %g]", index,
                              op->mode, op->clip, op->lo, op->hi);
        if (op->opcode == FMT_OP_NORMALIZE && (op->norm < 1 || op->norm > 3))
            return FR_CORRUPT(e, "program op %u: unknown norm %u", index, op->norm);
        if (op->opcode == FMT_OP_UFUNC && (op->ufunc < 1 || op->ufunc > FMT_UF_MAX))
            return FR_CORRUPT(e, "program op %u: unknown function %u", index, op->ufunc);
        return 0;
    case FMT_OP_ENCODE:
        if (op->n_in != 1 || op->cat_kind > 1 || op->unknown > 1 ||
            (op->missing_cat != FMT_NONE && op->missing_cat >= op->n_cat))
            return FR_CORRUPT(e, "program op %u: malformed category table", index);
        for (uint32_t c = 0; c < op->n_cat; c++) {
            double t = op->targets[c];
            if (op->n_out > 1 && !(t == floor(t) && t >= -1 && t < op->n_out))
                return FR_CORRUPT(e, "program op %u: category %u targets column %g of %u", index,
                                  c, t, op->n_out);
            if (op->cat_kind == FMT_SLOT_NUM && isnan(op->cats[c]))
                return FR_CORRUPT(e, "program op %u: a NaN category", index);
        }
        if (op->n_out > 1 && op->unknown &&
            !(op->unknown_target == floor(op->unknown_target) && op->unknown_target >= -1 &&
              op->unknown_target < op->n_out))
            return FR_CORRUPT(e, "program op %u: unknowns target column %g", index,
                              op->unknown_target);
        return 0;
    case FMT_OP_POLY:
        if (op->n_in == 0 || op->term_off[0] != 0)
            return FR_CORRUPT(e, "program op %u: malformed polynomial", index);
        for (uint32_t t = 0; t < op->n_out; t++) {
            if (op->term_off[t + 1] < op->term_off[t] || op->term_off[t + 1] - op->term_off[t] > 16)
                return FR_CORRUPT(e, "program op %u: term %u has a bad degree", index, t);
            for (uint32_t j = op->term_off[t]; j < op->term_off[t + 1]; j++)
                if (op->term_idx[j] >= op->n_in)
                    return FR_CORRUPT(e, "program op %u: term %u uses input %u of %u", index, t,
                                      op->term_idx[j], op->n_in);
        }
        return 0;
    case FMT_OP_PROJECT:
        if (op->n_in == 0 || !op->a || !op->w ||
            (uint64_t)op->n_in * op->n_out > FMT_MAX_PROJECT)
            return FR_CORRUPT(e, "program op %u: malformed %u × %u projection", index,
                              op->n_out, op->n_in);
        return 0;
    case FMT_OP_BINS:
        if (op->n_in != 1 || op->n_edges < 2 || (op->rule != 1 && op->rule != 2) ||
            (op->n_out != 1 && op->n_out != op->n_edges - 1))
            return FR_CORRUPT(e, "program op %u: malformed bins", index);
        for (uint32_t i = 0; i < op->n_edges; i++)
            if (isnan(op->edges[i]) || (i && op->edges[i] < op->edges[i - 1]))
                return FR_CORRUPT(e, "program op %u: bin edges are not ordered", index);
        return 0;
    default:
        return FR_CORRUPT(e, "program op %u: unknown opcode %u", index, op->opcode);
    }
}

/* ---- reading ------------------------------------------------------------------------------- */

/* The input column slot s was computed from, when one column alone determines it (an imputer,
 * scaler, encoder or one-column term along the way), else UINT32_MAX. */
uint32_t fmt_slot_origin(const fmt_program *p, uint32_t s)
{
    while (p && s >= p->n_inputs && s < p->n_slots) {
        uint32_t first = p->n_inputs, i = 0;
        while (i < p->n_ops && s >= first + p->ops[i].n_out)
            first += p->ops[i++].n_out;
        if (i == p->n_ops)
            return UINT32_MAX;
        const fmt_op *op = &p->ops[i];
        uint32_t k = s - first;
        switch (op->opcode) {
        case FMT_OP_IMPUTE:
        case FMT_OP_IMPUTE_STR:
        case FMT_OP_INDICATOR:
        case FMT_OP_SCALE:
        case FMT_OP_NORMALIZE:
        case FMT_OP_UFUNC:
            s = op->in[k];
            break;
        case FMT_OP_ENCODE:
        case FMT_OP_BINS:
            s = op->in[0];
            break;
        case FMT_OP_POLY:
            if (op->term_off[k + 1] - op->term_off[k] != 1)
                return UINT32_MAX;
            s = op->in[op->term_idx[op->term_off[k]]];
            break;
        default:
            return UINT32_MAX;
        }
    }
    return p && s >= p->n_slots ? UINT32_MAX : s;
}

/* ---- building ------------------------------------------------------------------------------- */

fmt_program *fmt_program_new(const fr_allocator *a, uint32_t n_inputs, const uint8_t *kinds)
{
    fmt_program *p = fr_calloc(a, 1, sizeof *p);
    if (!p)
        return NULL;
    p->alloc = a;
    p->n_inputs = p->n_slots = n_inputs;
    p->slot_kind = fr_calloc(a, n_inputs ? n_inputs : 1, 1);
    if (!p->slot_kind) {
        fr_free(a, p);
        return NULL;
    }
    if (kinds)
        memcpy(p->slot_kind, kinds, n_inputs);
    return p;
}

static void *dup_mem(const fr_allocator *a, const void *src, size_t n)
{
    if (!src || !n)
        return NULL;
    void *d = fr_malloc(a, n);
    if (d)
        memcpy(d, src, n);
    return d;
}

int fmt_program_add(fmt_program *p, const fmt_op *op, uint32_t *first_out, fr_err *e)
{
    const fr_allocator *a = p->alloc;
    if (p->n_slots + (uint64_t)op->n_out > FMT_MAX_SLOTS)
        return fr_fail(e, FR_ELIMIT, "program: too many columns");
    uint64_t n_w = op->opcode == FMT_OP_PROJECT ? (uint64_t)op->n_in * op->n_out : 0;
    if (n_w > FMT_MAX_PROJECT)
        return fr_fail(e, FR_ELIMIT, "program op %u: a %u × %u projection", p->n_ops, op->n_out,
                       op->n_in);
    fmt_op *ops = fr_realloc(a, p->ops, (p->n_ops + 1) * sizeof *ops);
    uint8_t *kinds = fr_realloc(a, p->slot_kind, p->n_slots + op->n_out);
    if (ops)
        p->ops = ops;
    if (kinds)
        p->slot_kind = kinds;
    if (!ops || !kinds)
        return fr_fail(e, FR_ENOMEM, "out of memory");
    fmt_op c = *op;
    int ok = 1;
    c.in = dup_mem(a, op->in, op->n_in * sizeof *op->in);
    ok &= !op->n_in || c.in;
    uint32_t nv = op->opcode == FMT_OP_ENCODE ? op->n_cat : op->n_in;
    c.a = dup_mem(a, op->a, op->n_in * sizeof(double));
    c.b = dup_mem(a, op->b, op->n_in * sizeof(double));
    c.cats = dup_mem(a, op->cats, op->n_cat * sizeof(double));
    c.targets = dup_mem(a, op->targets, op->n_cat * sizeof(double));
    c.edges = dup_mem(a, op->edges, op->n_edges * sizeof(double));
    c.w = n_w ? dup_mem(a, op->w, (size_t)n_w * sizeof(double)) : NULL;
    c.term_off = op->term_off ? dup_mem(a, op->term_off, (op->n_out + 1) * sizeof(uint32_t)) : NULL;
    c.term_idx = op->term_off ? dup_mem(a, op->term_idx, op->term_off[op->n_out] * sizeof(uint32_t))
                              : NULL;
    c.strs = NULL;
    if (op->strs) {
        c.strs = fr_calloc(a, nv ? nv : 1, sizeof *c.strs);
        ok &= c.strs != NULL;
        for (uint32_t i = 0; c.strs && i < nv; i++)
            ok &= (c.strs[i] = dup_mem(a, op->strs[i], strlen(op->strs[i]) + 1)) != NULL;
    }
    ok &= (!op->a || c.a || !op->n_in) && (!op->b || c.b || !op->n_in) &&
          (!op->cats || c.cats || !op->n_cat) && (!op->targets || c.targets || !op->n_cat) &&
          (!op->edges || c.edges) && (!op->term_off || c.term_off) && (!n_w || !op->w || c.w);
    /* every array an opcode reads must be present */
    int need_ok = 1;
    switch (op->opcode) {
    case FMT_OP_IMPUTE: need_ok = op->a != NULL; break;
    case FMT_OP_IMPUTE_STR: need_ok = op->strs != NULL; break;
    case FMT_OP_SCALE: need_ok = op->a && op->b; break;
    case FMT_OP_ENCODE:
        need_ok = op->targets && (op->cat_kind == FMT_SLOT_STR ? op->strs != NULL : op->cats != NULL);
        break;
    case FMT_OP_POLY: need_ok = op->term_off && op->term_idx; break;
    case FMT_OP_BINS: need_ok = op->edges != NULL; break;
    case FMT_OP_PROJECT: need_ok = op->a && op->w; break;
    default: break;
    }
    int utf8_ok = 1;
    for (uint32_t i = 0; ok && c.strs && i < nv; i++)
        utf8_ok &= fmt_utf8_valid((const uint8_t *)c.strs[i], strlen(c.strs[i]));
    int rc = 0;
    if (!ok)
        rc = fr_fail(e, FR_ENOMEM, "out of memory");
    else if (!utf8_ok)
        rc = fr_fail(e, FR_EINVAL, "program op %u: a string is not UTF-8", p->n_ops);
    else if (!need_ok)
        rc = fr_fail(e, FR_EINVAL, "program op %u: parameters missing", p->n_ops);
    else
        rc = check_op(p, &c, p->n_ops, p->n_slots, e);
    if (rc) {
        op_free(a, &c);
        return rc;
    }
    p->ops[p->n_ops++] = c;
    for (uint32_t i = 0; i < c.n_out; i++)
        p->slot_kind[p->n_slots + i] = (uint8_t)op_out_kind(&c);
    if (first_out)
        *first_out = p->n_slots;
    p->n_slots += c.n_out;
    return 0;
}

int fmt_program_set_outputs(fmt_program *p, const uint32_t *slots, uint32_t n,
                            const char *const *names, fr_err *e)
{
    const fr_allocator *a = p->alloc;
    if (n == 0)
        return fr_fail(e, FR_EINVAL, "program: no output columns");
    for (uint32_t i = 0; i < n; i++)
        if (slots[i] >= p->n_slots || p->slot_kind[slots[i]] != FMT_SLOT_NUM)
            return fr_fail(e, FR_EINVAL, "program: output %u is slot %u, not a numeric slot",
                           i, slots[i]);
    for (uint32_t i = 0; names && i < n; i++)
        if (!fmt_utf8_valid((const uint8_t *)names[i], strlen(names[i])))
            return fr_fail(e, FR_EINVAL, "program: output name %u is not UTF-8", i);
    uint32_t *o = dup_mem(a, slots, n * sizeof *slots);
    char **nm = names ? fr_calloc(a, n, sizeof *nm) : NULL;
    if (!o || (names && !nm)) {
        fr_free(a, o);
        fr_free(a, nm);
        return fr_fail(e, FR_ENOMEM, "out of memory");
    }
    for (uint32_t i = 0; names && i < n; i++)
        if (!(nm[i] = dup_mem(a, names[i], strlen(names[i]) + 1))) {
            for (uint32_t j = 0; j < i; j++)
                fr_free(a, nm[j]);
            fr_free(a, nm);
            fr_free(a, o);
            return fr_fail(e, FR_ENOMEM, "out of memory");
        }
    fr_free(a, p->outputs);
    if (p->output_names)
        for (uint32_t i = 0; i < p->n_outputs; i++)
            fr_free(a, p->output_names[i]);
    fr_free(a, p->output_names);
    p->outputs = o;
    p->output_names = nm;
    p->n_outputs = n;
    return 0;
}

uint32_t fmt_program_minor(const fmt_program *p)
{
    for (uint32_t i = 0; p && i < p->n_ops; i++)
        if (p->ops[i].opcode >= FMT_OP_UFUNC)
            return 3;
    return 0;
}

/* ---- bytes ---------------------------------------------------------------------------------- */

void fmt_program_write(const fmt_program *p, fmt_buf *b)
{
    fmt_put_u32(b, p->n_inputs);
    fmt_put_u32(b, p->n_slots);
    fmt_put_u32(b, p->n_ops);
    fmt_put_u32(b, p->n_outputs);
    for (uint32_t i = 0; i < p->n_ops; i++) {
        const fmt_op *op = &p->ops[i];
        fmt_put_u32(b, op->opcode);
        fmt_put_u32(b, op->n_in);
        fmt_put_u32(b, op->n_out);
        fmt_put_u32(b, 0);
        for (uint32_t j = 0; j < op->n_in; j++)
            fmt_put_u32(b, op->in[j]);
        switch (op->opcode) {
        case FMT_OP_IMPUTE:
            for (uint32_t j = 0; j < op->n_in; j++)
                fmt_put_f64(b, op->a[j]);
            break;
        case FMT_OP_IMPUTE_STR:
            for (uint32_t j = 0; j < op->n_in; j++)
                fmt_put_str(b, op->strs[j]);
            break;
        case FMT_OP_SCALE:
            fmt_put_u32(b, op->mode);
            fmt_put_u32(b, op->clip);
            fmt_put_f64(b, op->lo);
            fmt_put_f64(b, op->hi);
            for (uint32_t j = 0; j < op->n_in; j++)
                fmt_put_f64(b, op->a[j]);
            for (uint32_t j = 0; j < op->n_in; j++)
                fmt_put_f64(b, op->b[j]);
            break;
        case FMT_OP_ENCODE:
            fmt_put_u32(b, op->cat_kind);
            fmt_put_u32(b, op->n_cat);
            fmt_put_u32(b, op->unknown);
            fmt_put_u32(b, op->missing_cat);
            fmt_put_f64(b, op->unknown_target);
            for (uint32_t c = 0; c < op->n_cat; c++) {
                if (op->cat_kind == FMT_SLOT_STR)
                    fmt_put_str(b, op->strs[c]);
                else
                    fmt_put_f64(b, op->cats[c]);
            }
            for (uint32_t c = 0; c < op->n_cat; c++)
                fmt_put_f64(b, op->targets[c]);
            break;
        case FMT_OP_NORMALIZE:
            fmt_put_u32(b, op->norm);
            break;
        case FMT_OP_UFUNC:
            fmt_put_u32(b, op->ufunc);
            break;
        case FMT_OP_PROJECT:
            for (uint32_t j = 0; j < op->n_in; j++)
                fmt_put_f64(b, op->a[j]);
            for (uint64_t j = 0; j < (uint64_t)op->n_in * op->n_out; j++)
                fmt_put_f64(b, op->w[j]);
            break;
        case FMT_OP_POLY:
            for (uint32_t t = 0; t < op->n_out; t++) {
                fmt_put_u32(b, op->term_off[t + 1] - op->term_off[t]);
                for (uint32_t j = op->term_off[t]; j < op->term_off[t + 1]; j++)
                    fmt_put_u32(b, op->term_idx[j]);
            }
            break;
        case FMT_OP_BINS:
            fmt_put_u32(b, op->rule);
            fmt_put_u32(b, op->n_edges);
            for (uint32_t j = 0; j < op->n_edges; j++)
                fmt_put_f64(b, op->edges[j]);
            break;
        default:
            break;
        }
    }
    for (uint32_t i = 0; i < p->n_outputs; i++)
        fmt_put_u32(b, p->outputs[i]);
    fmt_put_u32(b, p->output_names ? 1 : 0);
    for (uint32_t i = 0; p->output_names && i < p->n_outputs; i++)
        fmt_put_str(b, p->output_names[i]);
}

/* POLY's terms: each its degree, then that many positions among the op's inputs, into one array
 * grown as it fills (term_off[t] is where term t starts). */
static void read_poly_terms(fmt_rd *r, const fr_allocator *a, fmt_op *op, uint32_t i)
{
    op->term_off = fmt_rd_array(r, a, (uint64_t)op->n_out + 1, sizeof(uint32_t), 4);
    uint64_t total = 0;
    size_t cap = 16;
    op->term_idx = op->term_off ? fr_malloc(a, cap * sizeof(uint32_t)) : NULL;
    for (uint32_t t = 0; op->term_idx && t < op->n_out && !r->code; t++) {
        uint32_t deg = fmt_rd_u32(r);
        if (deg > 16 || (uint64_t)deg * 4 > r->left) {
            fmt_rd_fail(r, FR_ECORRUPT, "PROGRAM: op %u: a term of degree %u", i, deg);
            break;
        }
        if (total + deg > cap) {
            while (total + deg > cap)
                cap *= 2;
            uint32_t *grown = fr_realloc(a, op->term_idx, cap * sizeof(uint32_t));
            if (!grown) {
                fmt_rd_fail(r, FR_ENOMEM, "out of memory");
                break;
            }
            op->term_idx = grown;
        }
        op->term_off[t] = (uint32_t)total;
        for (uint32_t j = 0; j < deg; j++)
            op->term_idx[total++] = fmt_rd_u32(r);
    }
    if (op->term_off && !r->code)
        op->term_off[op->n_out] = (uint32_t)total;
    if (op->term_off && !op->term_idx)
        fmt_rd_fail(r, FR_ENOMEM, "out of memory");
}

/* One op's parameters, by its opcode (FORMAT.md PROGRAM): 0, or -1 for an unknown opcode. A
 * short or malformed read is left in r for the caller. */
static int read_op_params(fmt_rd *r, const fr_allocator *a, fmt_op *op, uint32_t i)
{
    switch (op->opcode) {
    case FMT_OP_IMPUTE:
        op->a = fmt_rd_array(r, a, op->n_in, sizeof(double), 8);
        for (uint32_t j = 0; op->a && j < op->n_in; j++)
            op->a[j] = fmt_rd_f64(r);
        break;
    case FMT_OP_IMPUTE_STR:
        op->strs = fmt_rd_array(r, a, op->n_in, sizeof(char *), 4);
        for (uint32_t j = 0; op->strs && j < op->n_in && !r->code; j++)
            op->strs[j] = fmt_rd_str(r, a);
        break;
    case FMT_OP_SCALE:
        op->mode = fmt_rd_u32(r);
        op->clip = fmt_rd_u32(r);
        op->lo = fmt_rd_f64(r);
        op->hi = fmt_rd_f64(r);
        op->a = fmt_rd_array(r, a, op->n_in, sizeof(double), 16);
        op->b = op->a ? fr_calloc(a, op->n_in ? op->n_in : 1, sizeof(double)) : NULL;
        for (uint32_t j = 0; op->a && op->b && j < op->n_in; j++)
            op->a[j] = fmt_rd_f64(r);
        for (uint32_t j = 0; op->a && op->b && j < op->n_in; j++)
            op->b[j] = fmt_rd_f64(r);
        if (op->a && !op->b)
            fmt_rd_fail(r, FR_ENOMEM, "out of memory");
        break;
    case FMT_OP_ENCODE:
        op->cat_kind = fmt_rd_u32(r);
        op->n_cat = fmt_rd_u32(r);
        op->unknown = fmt_rd_u32(r);
        op->missing_cat = fmt_rd_u32(r);
        op->unknown_target = fmt_rd_f64(r);
        if (op->cat_kind == FMT_SLOT_STR) {
            op->strs = fmt_rd_array(r, a, op->n_cat, sizeof(char *), 12);
            for (uint32_t c = 0; op->strs && c < op->n_cat && !r->code; c++)
                op->strs[c] = fmt_rd_str(r, a);
        } else {
            op->cats = fmt_rd_array(r, a, op->n_cat, sizeof(double), 16);
            for (uint32_t c = 0; op->cats && c < op->n_cat; c++)
                op->cats[c] = fmt_rd_f64(r);
        }
        op->targets = fmt_rd_array(r, a, op->n_cat, sizeof(double), 8);
        for (uint32_t c = 0; op->targets && c < op->n_cat; c++)
            op->targets[c] = fmt_rd_f64(r);
        break;
    case FMT_OP_NORMALIZE:
        op->norm = fmt_rd_u32(r);
        break;
    case FMT_OP_UFUNC:
        op->ufunc = fmt_rd_u32(r);
        break;
    case FMT_OP_PROJECT: { /* bounded by the bytes left: 8 each */
        uint64_t n_w = (uint64_t)op->n_in * op->n_out;
        op->a = fmt_rd_array(r, a, op->n_in, sizeof(double), 8);
        for (uint32_t j = 0; op->a && j < op->n_in; j++)
            op->a[j] = fmt_rd_f64(r);
        op->w = op->a && n_w ? fmt_rd_array(r, a, n_w, sizeof(double), 8) : NULL;
        for (uint64_t j = 0; op->w && j < n_w; j++)
            op->w[j] = fmt_rd_f64(r);
        break;
    }
    case FMT_OP_INDICATOR:
        break; /* no parameters */
    case FMT_OP_POLY:
        read_poly_terms(r, a, op, i);
        break;
    case FMT_OP_BINS:
        op->rule = fmt_rd_u32(r);
        op->n_edges = fmt_rd_u32(r);
        op->edges = fmt_rd_array(r, a, op->n_edges, sizeof(double), 8);
        for (uint32_t j = 0; op->edges && j < op->n_edges; j++)
            op->edges[j] = fmt_rd_f64(r);
        break;
    default:
        return -1;
    }
    return 0;
}

int fmt_program_parse(const uint8_t *body, size_t len, const uint8_t *input_kinds,
                      uint32_t n_inputs, const fr_allocator *a, fmt_program **out, fr_err *e)
{
    fmt_rd r = fmt_rd_begin(body, len, "PROGRAM", e);
    fmt_program *p = fr_calloc(a, 1, sizeof *p);
    if (!p)
        return fr_fail(e, FR_ENOMEM, "out of memory");
    p->alloc = a;
    int rc = 0;
    p->n_inputs = fmt_rd_u32(&r);
    uint32_t n_slots = fmt_rd_u32(&r);
    uint32_t n_ops = fmt_rd_u32(&r);
    uint32_t n_outputs = fmt_rd_u32(&r);
    if (r.code || p->n_inputs != n_inputs || n_slots < n_inputs || n_outputs == 0 ||
        n_slots > FMT_MAX_SLOTS) {
        rc = FR_CORRUPT(e, "PROGRAM: %u inputs (FEATURES has %u), %u slots, %u outputs",
                        p->n_inputs, n_inputs, n_slots, n_outputs);
        goto fail;
    }
    /* each op takes ≥ 16 bytes and each slot costs its op at least nothing more, so bound
     * the slot table by the op count times the largest op, and the op table by the bytes */
    p->ops = fmt_rd_array(&r, a, n_ops, sizeof *p->ops, 16);
    p->slot_kind = p->ops ? fr_calloc(a, n_slots ? n_slots : 1, 1) : NULL;
    if (!p->ops || !p->slot_kind) {
        rc = r.code == FR_ENOMEM || (p->ops && !p->slot_kind)
                 ? fr_fail(e, FR_ENOMEM, "out of memory")
                 : FR_CORRUPT(e, "PROGRAM: %u ops cannot fit", n_ops);
        goto fail;
    }
    if (input_kinds)
        memcpy(p->slot_kind, input_kinds, n_inputs);
    p->n_slots = n_inputs;
    for (uint32_t i = 0; i < n_ops; i++) {
        fmt_op *op = &p->ops[i];
        op->opcode = fmt_rd_u32(&r);
        op->n_in = fmt_rd_u32(&r);
        op->n_out = fmt_rd_u32(&r);
        uint32_t reserved = fmt_rd_u32(&r);
        if (r.code || reserved || op->n_out > n_slots - p->n_slots) {
            rc = FR_CORRUPT(e, "PROGRAM: op %u header is malformed", i);
            goto fail;
        }
        p->n_ops = i + 1; /* from here op is owned by p, even half-filled */
        op->in = fmt_rd_array(&r, a, op->n_in, sizeof *op->in, 4);
        for (uint32_t j = 0; op->in && j < op->n_in; j++)
            op->in[j] = fmt_rd_u32(&r);
        if (read_op_params(&r, a, op, i)) {
            rc = FR_CORRUPT(e, "PROGRAM: op %u has unknown opcode %u", i, op->opcode);
            goto fail;
        }
        if (r.code) {
            rc = r.code == FR_ENOMEM ? fr_fail(e, FR_ENOMEM, "out of memory")
                 : FR_CORRUPT(e, "PROGRAM: op %u is truncated or malformed", i);
            goto fail;
        }
        if ((rc = check_op(p, op, i, p->n_slots, e)))
            goto fail;
        for (uint32_t j = 0; j < op->n_out; j++)
            p->slot_kind[p->n_slots + j] = (uint8_t)op_out_kind(op);
        p->n_slots += op->n_out;
    }
    if (p->n_slots != n_slots) {
        rc = FR_CORRUPT(e, "PROGRAM: ops create %u slots, the header says %u", p->n_slots, n_slots);
        goto fail;
    }
    p->n_outputs = n_outputs;
    p->outputs = fmt_rd_array(&r, a, n_outputs, sizeof *p->outputs, 4);
    for (uint32_t i = 0; p->outputs && i < n_outputs; i++) {
        p->outputs[i] = fmt_rd_u32(&r);
        if (!r.code && (p->outputs[i] >= n_slots || p->slot_kind[p->outputs[i]] != FMT_SLOT_NUM)) {
            rc = FR_CORRUPT(e, "PROGRAM: output %u is slot %u, not a numeric slot", i,
                            p->outputs[i]);
            goto fail;
        }
    }
    uint32_t flags = fmt_rd_u32(&r);
    if (!r.code && (flags & ~1u))
        fmt_rd_fail(&r, FR_ECORRUPT, "PROGRAM: reserved flag bits set");
    if (!r.code && (flags & 1u)) {
        p->output_names = fmt_rd_array(&r, a, n_outputs, sizeof(char *), 4);
        for (uint32_t i = 0; p->output_names && i < n_outputs && !r.code; i++)
            p->output_names[i] = fmt_rd_str(&r, a);
    }
    if (r.code || r.left) {
        rc = r.code == FR_ENOMEM ? fr_fail(e, FR_ENOMEM, "out of memory")
             : FR_CORRUPT(e, "PROGRAM: outputs are truncated or followed by %zu bytes", r.left);
        goto fail;
    }
    *out = p;
    return 0;
fail:
    fmt_program_free(p);
    return rc;
}

