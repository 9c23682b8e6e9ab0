/*
 * fuzz_walk.h — what the importer's fuzz targets (tests/fuzz/fuzz_pickle.c, fuzz_joblib.c) do
 * with a graph that loaded: call every accessor the converter will call, on every value within a
 * bounded depth and breadth, so that a graph a hostile stream can build is also safe to read.
 * The walk is depth-bounded, so cycles (a list appended to itself) cannot make it loop.
 */
#ifndef FROST_TESTS_IMPORT_FUZZ_WALK_H
#define FROST_TESTS_IMPORT_FUZZ_WALK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "joblib.h"
#include "pickle.h"

#define FW_MAX_DEPTH 12
#define FW_MAX_ITEMS 64
#define FW_MAX_ARRAY ((uint64_t)1 << 16)

static void fw_abort(const char *what)
{
    fprintf(stderr, "fuzz_walk: %s\n", what);
    abort();
}

static void fw_array(const pk_obj *o)
{
    pk_array_info ai;
    if (pk_array_info_get(o, &ai) != 0)
        return;
    if (ai.ndim > PK_MAX_NDIM)
        fw_abort("ndim beyond the maximum");
    uint64_t prod = 1;
    for (uint32_t d = 0; d < ai.ndim; d++)
        prod *= ai.shape[d];
    if (prod != ai.count)
        fw_abort("count is not the product of the shape");
    size_t raw_n = 0;
    const uint8_t *raw = pk_array_raw(o, &raw_n);
    if (raw && ai.kind != 'V' && raw_n != ai.count * ai.itemsize && ai.nfields == 0)
        fw_abort("raw size does not match the array");
    if (raw && raw_n) {
        volatile uint8_t sink = raw[0] ^ raw[raw_n - 1]; /* ASan checks both ends */
        (void)sink;
    }
    if (ai.count > FW_MAX_ARRAY)
        return;
    size_t n = (size_t)ai.count;
    double *f = malloc((n ? n : 1) * sizeof *f);
    int64_t *i = malloc((n ? n : 1) * sizeof *i);
    fr_err e = { 0 };
    if (ai.nfields) {
        for (size_t k = 0; k < ai.nfields; k++) {
            const char *name = pk_array_field_name(o, k);
            if (!name || !pk_array_has_field(o, name))
                fw_abort("field name lookup");
            pk_array_get_f64(o, name, f, n, &e);
            pk_array_get_i64(o, name, i, n, &e);
        }
    } else {
        pk_array_get_f64(o, NULL, f, n, &e);
        pk_array_get_i64(o, NULL, i, n, &e);
    }
    if (pk_array_get_f64(o, NULL, f, n + 1, &e) != FROST_EINVAL)
        fw_abort("a wrong count was accepted");
    char s[32];
    for (uint64_t k = 0; k < ai.count && k < 4; k++) {
        size_t len = 0;
        if (pk_array_get_str(o, k, s, sizeof s, &len, &e) == 0 && (len >= sizeof s || s[len]))
            fw_abort("string copy not terminated");
    }
    free(f);
    free(i);
}

static void fw_walk(const pk_obj *o, unsigned depth)
{
    if (!o || depth > FW_MAX_DEPTH)
        return;
    int64_t iv;
    double dv;
    int bv;
    size_t n;
    pk_get_int(o, &iv);
    pk_get_double(o, &dv);
    pk_get_bool(o, &bv);
    const char *s = pk_str(o, &n);
    if (s && s[n] != '\0' && pk_kind_of(o) == PK_STR)
        fw_abort("str not NUL-terminated");
    const uint8_t *b = pk_bytes(o, &n);
    if (b && n) {
        volatile uint8_t sink = b[n - 1];
        (void)sink;
    }
    (void)pk_kind_name(pk_kind_of(o));
    switch (pk_kind_of(o)) {
    case PK_TUPLE:
    case PK_LIST:
    case PK_SET:
        for (size_t k = 0; k < pk_len(o) && k < FW_MAX_ITEMS; k++)
            fw_walk(pk_item(o, k), depth + 1);
        if (pk_item(o, pk_len(o)))
            fw_abort("item past the end");
        break;
    case PK_DICT:
        for (size_t k = 0; k < pk_len(o) && k < FW_MAX_ITEMS; k++) {
            fw_walk(pk_dict_key(o, k), depth + 1);
            fw_walk(pk_dict_value(o, k), depth + 1);
        }
        pk_dict_get(o, "tree_");
        break;
    case PK_OBJECT:
        if (!pk_class_name(o))
            fw_abort("object without a class");
        fw_walk(pk_obj_args(o), depth + 1);
        fw_walk(pk_obj_kwargs(o), depth + 1);
        fw_walk(pk_obj_state(o), depth + 1);
        fw_walk(pk_obj_listitems(o), depth + 1);
        fw_walk(pk_obj_dictitems(o), depth + 1);
        fw_walk(pk_attr(o, "tree_"), depth + 1);
        fw_walk(pk_attr(o, "nodes"), depth + 1);
        break;
    case PK_NDARRAY:
    case PK_SCALAR: {
        fw_array(o);
        pk_array_info ai;
        if (pk_array_info_get(o, &ai) == 0 && ai.kind == 'O')
            for (uint64_t k = 0; k < ai.count && k < FW_MAX_ITEMS; k++)
                fw_walk(pk_array_item(o, k), depth + 1);
        break;
    }
    default:
        break;
    }
}

/* Walks a loaded graph, or checks a failure carries a message and a known code. */
static void fw_check(int rc, pk_graph *g, const fr_err *e)
{
    if (rc == 0) {
        if (!g)
            fw_abort("success without a graph");
        fw_walk(pk_graph_root(g), 0);
        static FILE *devnull;
        if (!devnull)
            devnull = fopen("/dev/null", "w");
        if (devnull)
            pk_dump(pk_graph_root(g), devnull, 16, 16);
        pk_graph_free(g);
        return;
    }
    if (g)
        fw_abort("failure with a graph");
    if (rc < FROST_ELIMIT || rc > FROST_EINVAL || !e->msg[0] || e->code != rc)
        fw_abort("failure without a known code and a message");
}

#endif
