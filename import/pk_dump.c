/*
 * pk_dump.c — a readable outline of a decoded graph, for tests and for writing converters.
 *
 * The one walker over the graph besides pk_graph_check: bounded by an explicit depth, so a graph
 * that contains itself still prints a bounded outline.
 */
#include "pk_internal.h"

#include <stdio.h>

static void dump_rec(const pk_obj *o, FILE *f, const char *label, unsigned depth,
                     unsigned max_depth, size_t max_items, unsigned indent);

static void dump_items(pk_obj *const *v, size_t n, bool pairs, FILE *f, unsigned depth,
                       unsigned max_depth, size_t max_items, unsigned indent)
{
    size_t step = pairs ? 2 : 1;
    for (size_t i = 0; i + step <= n; i += step) {
        if (i / step >= max_items) {
            fprintf(f, "%*s... (%zu more)\n", (int)indent, "", (n - i) / step);
            break;
        }
        char label[96] = "";
        if (pairs) {
            const pk_obj *k = v[i];
            if (k && k->kind == PK_STR)
                snprintf(label, sizeof label, "%.*s: ", (int)(k->u.s.n > 60 ? 60 : k->u.s.n),
                         k->u.s.p);
            else if (k && k->kind == PK_INT)
                snprintf(label, sizeof label, "%lld: ", (long long)k->u.i);
            else
                snprintf(label, sizeof label, "<%s key>: ", pk_kind_name(pk_kind_of(k)));
        }
        dump_rec(v[i + step - 1], f, label, depth + 1, max_depth, max_items, indent);
    }
}

static void dump_rec(const pk_obj *o, FILE *f, const char *label, unsigned depth,
                     unsigned max_depth, size_t max_items, unsigned indent)
{
    fprintf(f, "%*s%s", (int)indent, "", label);
    if (!o) {
        fprintf(f, "(null)\n");
        return;
    }
    unsigned in2 = indent + 2;
    switch ((pk_kind)o->kind) {
    case PK_NONE: fprintf(f, "None\n"); return;
    case PK_BOOL: fprintf(f, "%s\n", o->u.i ? "True" : "False"); return;
    case PK_INT: fprintf(f, "%lld\n", (long long)o->u.i); return;
    case PK_BIGINT: fprintf(f, "<int beyond 64 bits>\n"); return;
    case PK_FLOAT: fprintf(f, "%.17g\n", o->u.f); return;
    case PK_STR:
        fprintf(f, "'%.*s'%s\n", (int)(o->u.s.n > 80 ? 80 : o->u.s.n), o->u.s.p,
                o->u.s.n > 80 ? "..." : "");
        return;
    case PK_BYTES: fprintf(f, "<%zu bytes>\n", o->u.s.n); return;
    case PK_GLOBAL: fprintf(f, "<global %s>\n", o->u.g->full); return;
    case PK_DTYPE:
        fprintf(f, "dtype(%c%c%u, %zu fields)\n", o->u.d->byteorder, o->u.d->kind,
                o->u.d->itemsize, o->u.d->nfields);
        return;
    case PK_NDARRAY:
    case PK_SCALAR: {
        pk_array_info ai;
        if (pk_array_info_get(o, &ai) != 0) {
            fprintf(f, "<ndarray without data>\n");
            return;
        }
        fprintf(f, "%s(%c%c%u, shape=(", o->kind == PK_SCALAR ? "scalar" : "ndarray",
                ai.byteorder, ai.kind, ai.itemsize);
        for (uint32_t d = 0; d < ai.ndim; d++)
            fprintf(f, "%s%llu", d ? "," : "", (unsigned long long)ai.shape[d]);
        fprintf(f, ")%s", ai.fortran ? ", F" : "");
        for (size_t i = 0; i < ai.nfields; i++)
            fprintf(f, "%s%s", i ? "," : ", fields=", pk_array_field_name(o, i));
        double v;
        if (ai.count == 1 && ai.nfields == 0 && pk_get_double(o, &v) == 0)
            fprintf(f, " = %.17g", v);
        fprintf(f, ")\n");
        if (ai.kind == 'O' && depth < max_depth)
            dump_items(o->u.a->items, (size_t)ai.count, false, f, depth, max_depth, max_items,
                       in2);
        return;
    }
    case PK_TUPLE:
    case PK_LIST:
    case PK_SET:
    case PK_DICT:
        fprintf(f, "%s[%zu]\n", pk_kind_name((pk_kind)o->kind), pk_len(o));
        if (depth < max_depth)
            dump_items(o->u.seq.v, o->u.seq.n, o->kind == PK_DICT, f, depth, max_depth,
                       max_items, in2);
        return;
    case PK_OBJECT: {
        const pk_object *ob = o->u.o;
        fprintf(f, "<%s>\n", ob->cls->full);
        if (depth >= max_depth)
            return;
        if (ob->args && pk_len(ob->args))
            dump_rec(ob->args, f, "args: ", depth + 1, max_depth, max_items, in2);
        if (ob->kwargs)
            dump_rec(ob->kwargs, f, "kwargs: ", depth + 1, max_depth, max_items, in2);
        for (size_t i = 0; i < ob->nstates; i++)
            dump_rec(ob->states[i], f, "state: ", depth + 1, max_depth, max_items, in2);
        if (ob->listitems)
            dump_rec(ob->listitems, f, "items: ", depth + 1, max_depth, max_items, in2);
        if (ob->dictitems)
            dump_rec(ob->dictitems, f, "dictitems: ", depth + 1, max_depth, max_items, in2);
        return;
    }
    }
    fprintf(f, "?\n");
}

void pk_dump(const pk_obj *o, FILE *f, unsigned max_depth, size_t max_items)
{
    /* depth bounds both the recursion and the indentation, so output stays bounded too */
    if (max_depth > 64)
        max_depth = 64;
    dump_rec(o, f, "", 0, max_depth, max_items, 0);
}
