/*
 * pk_value.c — the pickle graph's memory (one arena per load, freed at once) and the read-only
 * accessors the converter uses to walk it.
 *
 * The arena exists so that a hostile stream cannot leak or double-free anything: every value,
 * string and array copy is carved from chunks the graph owns, counted against
 * pk_limits.max_memory before the chunk is allocated, and released by pk_graph_free. The
 * accessors never recurse into the graph (it may contain cycles until pk_graph_check has refused
 * them: a list appended to itself through the memo). A numpy scalar's value comes from
 * numpy_number.c; arrays are read by numpy_array.c.
 */
#include "pk_internal.h"

#include <stdlib.h>
#include <string.h>

struct pk_chunk {
    pk_chunk *next;  /* next chunk in the graph's list */
    size_t cap;      /* usable bytes after the header */
    size_t used;     /* bytes handed out */
};

#define PK_ALIGN 16u
#define PK_HDR ((sizeof(pk_chunk) + PK_ALIGN - 1) & ~(size_t)(PK_ALIGN - 1))
#define PK_CHUNK_SIZE ((size_t)64 * 1024)

void pk_limits_default(pk_limits *lim)
{
    lim->max_stack = (size_t)1 << 20;
    lim->max_marks = 4096;
    lim->max_memo = (size_t)1 << 22;
    lim->max_memory = (size_t)2 << 30;
    lim->max_depth = 2;
    lim->max_nesting = 1000;
    lim->survey = 0;
}

void pk_limits_resolve(pk_limits *out, const pk_limits *in)
{
    pk_limits d;
    pk_limits_default(&d);
    *out = d;
    if (!in)
        return;
    if (in->max_stack)
        out->max_stack = in->max_stack;
    if (in->max_marks)
        out->max_marks = in->max_marks;
    if (in->max_memo)
        out->max_memo = in->max_memo;
    if (in->max_memory)
        out->max_memory = in->max_memory;
    if (in->max_depth)
        out->max_depth = in->max_depth;
    if (in->max_nesting)
        out->max_nesting = in->max_nesting;
    out->survey = in->survey;
}

pk_graph *pk_graph_new(const pk_limits *lim, fr_err *e)
{
    pk_graph *g = calloc(1, sizeof *g);
    if (!g) {
        fr_fail(e, FROST_ENOMEM, "out of memory for the pickle graph");
        return NULL;
    }
    g->max_bytes = lim->max_memory;
    g->none.kind = PK_NONE;
    g->vtrue.kind = PK_BOOL;
    g->vtrue.u.i = 1;
    g->vfalse.kind = PK_BOOL;
    g->vfalse.u.i = 0;
    g->root = &g->none;
    return g;
}

void pk_graph_free(pk_graph *g)
{
    if (!g)
        return;
    pk_chunk *c = g->chunks;
    while (c) {
        pk_chunk *next = c->next;
        free(c);
        c = next;
    }
    free(g->owned);
    free(g);
}

const pk_obj *pk_graph_root(const pk_graph *g)
{
    return g ? g->root : NULL;
}

const pk_provenance *pk_graph_provenance(const pk_graph *g)
{
    return &g->prov;
}

const char *pk_graph_refused(const pk_graph *g)
{
    return g ? g->refused : NULL;
}

size_t pk_graph_memory(const pk_graph *g)
{
    return g ? g->used : 0;
}

void *pk_alloc(pk_graph *g, size_t n, fr_err *e)
{
    if (n > SIZE_MAX / 2)
        goto over_limit;
    n = (n + PK_ALIGN - 1) & ~(size_t)(PK_ALIGN - 1);
    if (n == 0)
        n = PK_ALIGN;
    pk_chunk *c = g->cur;
    if (c && c->cap - c->used >= n) {
        unsigned char *p = (unsigned char *)c + PK_HDR + c->used;
        c->used += n;
        memset(p, 0, n);
        return p;
    }
    /* Large requests get a chunk of their own so the bump chunk keeps its free space. */
    size_t cap = n >= PK_CHUNK_SIZE / 4 ? n : PK_CHUNK_SIZE;
    if (g->used > g->max_bytes || cap + PK_HDR > g->max_bytes - g->used)
        goto over_limit;
    /* calloc: a large chunk comes straight from fresh pages, already zero, so the bytes copied
     * into it (array data) touch each page once instead of after a memset */
    c = calloc(1, PK_HDR + cap);
    if (!c) {
        fr_fail(e, FROST_ENOMEM, "out of memory (%zu bytes) while reading the pickle",
                PK_HDR + cap);
        return NULL;
    }
    c->cap = cap;
    c->used = n;
    c->next = g->chunks;
    g->chunks = c;
    g->used += PK_HDR + cap;
    if (cap != n)
        g->cur = c;
    return (unsigned char *)c + PK_HDR;

over_limit:
    fr_fail(e, FROST_ELIMIT,
            "pickle needs more than %zu bytes of memory (limit: pk_limits.max_memory)",
            g->max_bytes);
    return NULL;
}

pk_obj *pk_new(pk_graph *g, pk_kind kind, fr_err *e)
{
    pk_obj *o = pk_alloc(g, sizeof *o, e);
    if (o)
        o->kind = (uint8_t)kind;
    return o;
}

pk_obj *pk_new_str(pk_graph *g, const char *s, size_t n, fr_err *e)
{
    if (n == SIZE_MAX) {
        fr_fail(e, FROST_ELIMIT, "string too long");
        return NULL;
    }
    pk_obj *o = pk_new(g, PK_STR, e);
    char *copy = o ? pk_alloc(g, n + 1, e) : NULL;
    if (!copy)
        return NULL;
    if (n)
        memcpy(copy, s, n);
    copy[n] = '\0';
    o->u.s.p = copy;
    o->u.s.n = n;
    return o;
}

pk_obj *pk_new_seq(pk_graph *g, pk_kind kind, size_t n, fr_err *e)
{
    pk_obj *o = pk_new(g, kind, e);
    if (!o)
        return NULL;
    if (n) {
        if (n > SIZE_MAX / sizeof(pk_obj *)) {
            fr_fail(e, FROST_ELIMIT, "container too large");
            return NULL;
        }
        o->u.seq.v = pk_alloc(g, n * sizeof(pk_obj *), e);
        if (!o->u.seq.v)
            return NULL;
    }
    o->u.seq.n = n;
    o->u.seq.cap = n;
    return o;
}

int pk_seq_push(pk_graph *g, pk_obj *seq, pk_obj *item, fr_err *e)
{
    if (seq->u.seq.n == seq->u.seq.cap) {
        /* Geometric growth: the abandoned arrays add up to less than the final one, so growth
         * costs at most twice the container's size and stays linear. A first array of 2 slots
         * fills one arena unit (PK_ALIGN): a pickle of a million one-item lists (nested or not)
         * costs 48 bytes per list, not 96. */
        size_t ncap = seq->u.seq.cap ? seq->u.seq.cap * 2 : 2;
        if (ncap > SIZE_MAX / sizeof(pk_obj *))
            return fr_fail(e, FROST_ELIMIT, "container too large");
        pk_obj **v = pk_alloc(g, ncap * sizeof(pk_obj *), e);
        if (!v)
            return e ? e->code : FROST_ENOMEM;
        if (seq->u.seq.n)
            memcpy(v, seq->u.seq.v, seq->u.seq.n * sizeof(pk_obj *));
        seq->u.seq.v = v;
        seq->u.seq.cap = ncap;
    }
    seq->u.seq.v[seq->u.seq.n++] = item;
    return 0;
}

/* ---- accessors --------------------------------------------------------------------------- */

pk_kind pk_kind_of(const pk_obj *o)
{
    return o ? (pk_kind)o->kind : PK_NONE;
}

const char *pk_kind_name(pk_kind k)
{
    switch (k) {
    case PK_NONE: return "None";
    case PK_BOOL: return "bool";
    case PK_INT: return "int";
    case PK_BIGINT: return "int (beyond 64 bits)";
    case PK_FLOAT: return "float";
    case PK_STR: return "str";
    case PK_BYTES: return "bytes";
    case PK_TUPLE: return "tuple";
    case PK_LIST: return "list";
    case PK_DICT: return "dict";
    case PK_SET: return "set";
    case PK_GLOBAL: return "global";
    case PK_OBJECT: return "object";
    case PK_DTYPE: return "numpy.dtype";
    case PK_NDARRAY: return "numpy.ndarray";
    case PK_SCALAR: return "numpy scalar";
    }
    return "?";
}

int pk_is_none(const pk_obj *o)
{
    return o && o->kind == PK_NONE;
}

int pk_get_bool(const pk_obj *o, int *out)
{
    if (o && o->kind == PK_BOOL) {
        *out = o->u.i != 0;
        return 0;
    }
    int64_t v;
    if (o && (o->kind == PK_SCALAR || o->kind == PK_NDARRAY) &&
        o->u.a->dtype && o->u.a->dtype->kind == 'b' && pk_get_int(o, &v) == 0) {
        *out = v != 0;
        return 0;
    }
    return FROST_EFORMAT;
}

int pk_get_int(const pk_obj *o, int64_t *out)
{
    if (!o)
        return FROST_EFORMAT;
    switch (o->kind) {
    case PK_BOOL:
    case PK_INT:
        *out = o->u.i;
        return 0;
    case PK_BIGINT:
        return FROST_ELIMIT;
    case PK_SCALAR:
    case PK_NDARRAY:
        return pk_np_scalar_i64(o, out);
    default:
        return FROST_EFORMAT;
    }
}

int pk_get_double(const pk_obj *o, double *out)
{
    if (!o)
        return FROST_EFORMAT;
    switch (o->kind) {
    case PK_FLOAT:
        *out = o->u.f;
        return 0;
    case PK_BOOL:
    case PK_INT: {
        int64_t v = o->u.i;
        if (v > ((int64_t)1 << 53) || v < -((int64_t)1 << 53))
            return FROST_ELIMIT;
        *out = (double)v;
        return 0;
    }
    case PK_BIGINT:
        return FROST_ELIMIT;
    case PK_SCALAR:
    case PK_NDARRAY:
        return pk_np_scalar_f64(o, out);
    default:
        return FROST_EFORMAT;
    }
}

const char *pk_str(const pk_obj *o, size_t *len)
{
    if (!o || !(o->kind == PK_STR || (o->kind == PK_BYTES && (o->flags & PK_F_PY2STR))))
        return NULL;
    if (len)
        *len = o->u.s.n;
    return o->u.s.p;
}

int pk_str_eq(const pk_obj *o, const char *s)
{
    size_t n;
    const char *p = pk_str(o, &n);
    return p && strlen(s) == n && memcmp(p, s, n) == 0;
}

const uint8_t *pk_bytes(const pk_obj *o, size_t *len)
{
    if (!o || o->kind != PK_BYTES)
        return NULL;
    if (len)
        *len = o->u.s.n;
    return (const uint8_t *)o->u.s.p;
}

size_t pk_len(const pk_obj *o)
{
    if (!o)
        return 0;
    switch (o->kind) {
    case PK_TUPLE:
    case PK_LIST:
    case PK_SET:
        return o->u.seq.n;
    case PK_DICT:
        return o->u.seq.n / 2;
    default:
        return 0;
    }
}

const pk_obj *pk_item(const pk_obj *o, size_t i)
{
    if (!o || !(o->kind == PK_TUPLE || o->kind == PK_LIST || o->kind == PK_SET))
        return NULL;
    return i < o->u.seq.n ? o->u.seq.v[i] : NULL;
}

const pk_obj *pk_dict_key(const pk_obj *d, size_t i)
{
    if (!d || d->kind != PK_DICT || i >= d->u.seq.n / 2)
        return NULL;
    return d->u.seq.v[2 * i];
}

const pk_obj *pk_dict_value(const pk_obj *d, size_t i)
{
    if (!d || d->kind != PK_DICT || i >= d->u.seq.n / 2)
        return NULL;
    return d->u.seq.v[2 * i + 1];
}

const pk_obj *pk_dict_get(const pk_obj *d, const char *key)
{
    if (!d || d->kind != PK_DICT)
        return NULL;
    for (size_t i = d->u.seq.n / 2; i-- > 0;)
        if (pk_str_eq(d->u.seq.v[2 * i], key))
            return d->u.seq.v[2 * i + 1];
    return NULL;
}

const char *pk_class_name(const pk_obj *o)
{
    if (!o)
        return NULL;
    if (o->kind == PK_OBJECT)
        return o->u.o->cls->full;
    if (o->kind == PK_GLOBAL)
        return o->u.g->full;
    return NULL;
}

int pk_is_class(const pk_obj *o, const char *qualified)
{
    const char *n = pk_class_name(o);
    return n && strcmp(n, qualified) == 0;
}

const pk_obj *pk_attr(const pk_obj *o, const char *name)
{
    if (!o || o->kind != PK_OBJECT)
        return NULL;
    const pk_object *ob = o->u.o;
    for (size_t i = ob->nstates; i-- > 0;) {
        const pk_obj *st = ob->states[i];
        const pk_obj *v;
        /* (dict, slots): pickle.py load_build applies the dict, then the slots */
        if (st->kind == PK_TUPLE && st->u.seq.n == 2) {
            if ((v = pk_dict_get(st->u.seq.v[1], name)))
                return v;
            if ((v = pk_dict_get(st->u.seq.v[0], name)))
                return v;
        } else if ((v = pk_dict_get(st, name))) {
            return v;
        }
    }
    return NULL;
}

const pk_obj *pk_obj_args(const pk_obj *o)
{
    return o && o->kind == PK_OBJECT ? o->u.o->args : NULL;
}

const pk_obj *pk_obj_kwargs(const pk_obj *o)
{
    return o && o->kind == PK_OBJECT ? o->u.o->kwargs : NULL;
}

const pk_obj *pk_obj_state(const pk_obj *o)
{
    if (!o || o->kind != PK_OBJECT || o->u.o->nstates == 0)
        return NULL;
    return o->u.o->states[o->u.o->nstates - 1];
}

const pk_obj *pk_obj_listitems(const pk_obj *o)
{
    return o && o->kind == PK_OBJECT ? o->u.o->listitems : NULL;
}

const pk_obj *pk_obj_dictitems(const pk_obj *o)
{
    return o && o->kind == PK_OBJECT ? o->u.o->dictitems : NULL;
}

/* ---- shape of the decoded graph ---------------------------------------------------------- */

/* The i-th object o refers to, or NULL past the last. */
static pk_obj *child(const pk_obj *o, size_t i)
{
    switch ((pk_kind)o->kind) {
    case PK_TUPLE:
    case PK_LIST:
    case PK_SET:
    case PK_DICT: /* seq.n counts slots: keys and values alike */
        return i < o->u.seq.n ? o->u.seq.v[i] : NULL;
    case PK_OBJECT: {
        const pk_object *ob = o->u.o;
        pk_obj *fixed[4] = {ob->args, ob->kwargs, ob->listitems, ob->dictitems};
        for (size_t k = 0; k < 4; k++) {
            if (!fixed[k])
                continue;
            if (i == 0)
                return fixed[k];
            i--;
        }
        return i < ob->nstates ? ob->states[i] : NULL;
    }
    case PK_NDARRAY:
    case PK_SCALAR:
        return o->u.a && o->u.a->items && i < o->u.a->count ? o->u.a->items[i] : NULL;
    default:
        return NULL;
    }
}

int pk_graph_check(pk_obj *root, unsigned max_nesting, fr_err *e)
{
    typedef struct frame {
        pk_obj *o;
        size_t next; /* the next child to visit */
    } frame;
    if (!root || root->walk == 2)
        return 0;
    frame *path = malloc((size_t)(max_nesting + 1) * sizeof *path);
    if (!path)
        return fr_fail(e, FROST_ENOMEM, "out of memory checking the pickle's nesting");
    size_t depth = 0;
    int rc = 0;
    path[depth++] = (frame){root, 0};
    root->walk = 1;
    root->height = 1;
    while (depth && !rc) {
        frame *f = &path[depth - 1];
        pk_obj *c = NULL;
        while (!c && (c = child(f->o, f->next)) != NULL) {
            f->next++;
            if (c->walk == 2) {
                /* already measured (objects may be shared): its height continues this path */
                if (depth + c->height > max_nesting)
                    rc = fr_fail(e, FROST_ELIMIT,
                                 "pickle nests objects more than %u deep "
                                 "(limit: pk_limits.max_nesting)", max_nesting);
                else if (c->height + 1 > f->o->height)
                    f->o->height = c->height + 1;
                c = NULL;
                if (rc)
                    break;
            } else if (c->walk == 1) {
                rc = fr_fail(e, FROST_EFORMAT,
                             "pickle holds a reference cycle: a value of kind '%s' contains "
                             "itself, which no scikit-learn model does",
                             pk_kind_name((pk_kind)c->kind));
                break;
            }
        }
        if (rc)
            break;
        if (c) {
            if (depth == max_nesting) {
                rc = fr_fail(e, FROST_ELIMIT,
                             "pickle nests objects more than %u deep (limit: pk_limits.max_nesting)",
                             max_nesting);
                break;
            }
            c->walk = 1;
            c->height = 1;
            path[depth++] = (frame){c, 0};
            continue;
        }
        /* every child done: o's height is final */
        f->o->walk = 2;
        depth--;
        if (depth && f->o->height + 1 > path[depth - 1].o->height)
            path[depth - 1].o->height = f->o->height + 1;
    }
    free(path);
    return rc;
}
