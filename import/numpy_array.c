/*
 * numpy_array.c — what a converter reads from a decoded numpy array: its shape and dtype, its
 * structured fields, copies of its elements (or of one field) in C order as double or int64
 * whatever the storage order and byte order, its object items, and its strings as UTF-8.
 *
 * Every read stays inside count × itemsize bytes, which numpy_decode.c checked against the data
 * before the array was marked built.
 */
#include "pk_internal.h"

#include <string.h>

int pk_array_info_get(const pk_obj *o, pk_array_info *out)
{
    const pk_ndarray *a = pk_np_built(o);
    if (!a)
        return FROST_EFORMAT;
    out->ndim = a->ndim;
    out->shape = a->shape;
    out->count = a->count;
    out->kind = a->dtype->nfields ? 'V' : a->dtype->kind;
    out->byteorder = a->dtype->byteorder;
    out->itemsize = a->dtype->itemsize;
    out->fortran = a->fortran;
    out->nfields = a->dtype->nfields;
    return 0;
}

const char *pk_array_field_name(const pk_obj *o, size_t i)
{
    const pk_ndarray *a = pk_np_built(o);
    if (!a || i >= a->dtype->nfields)
        return NULL;
    return a->dtype->fields[i].name;
}

int pk_array_field_info(const pk_obj *o, size_t i, pk_field_info *out)
{
    const pk_ndarray *a = pk_np_built(o);
    if (!a || i >= a->dtype->nfields)
        return FROST_EFORMAT;
    const pk_field *f = &a->dtype->fields[i];
    out->name = f->name;
    out->offset = f->offset;
    out->kind = f->dtype->nfields ? 'V' : f->dtype->kind;
    out->byteorder = f->dtype->byteorder;
    out->itemsize = f->dtype->itemsize;
    return 0;
}

static const pk_field *find_field(const pk_ndarray *a, const char *name)
{
    size_t n = strlen(name);
    for (size_t i = 0; i < a->dtype->nfields; i++)
        if (a->dtype->fields[i].name_len == n && memcmp(a->dtype->fields[i].name, name, n) == 0)
            return &a->dtype->fields[i];
    return NULL;
}

int pk_array_has_field(const pk_obj *o, const char *field)
{
    const pk_ndarray *a = pk_np_built(o);
    return a && find_field(a, field) != NULL;
}

/* Walks storage positions in C order of the logical index (Fortran-ordered data is visited
 * with per-dimension strides). */
typedef struct walker {
    uint32_t ndim;
    bool fortran;
    const uint64_t *shape;
    uint64_t idx[PK_MAX_NDIM];
    uint64_t stride[PK_MAX_NDIM];
    uint64_t off;
    uint64_t k;
} walker;

static void walker_init(walker *w, const pk_ndarray *a)
{
    memset(w, 0, sizeof *w);
    w->ndim = a->ndim;
    w->shape = a->shape;
    w->fortran = a->fortran && a->ndim > 1;
    if (w->fortran) {
        w->stride[0] = 1;
        for (uint32_t d = 1; d < a->ndim; d++)
            w->stride[d] = w->stride[d - 1] * a->shape[d - 1];
    }
}

static uint64_t walker_next(walker *w)
{
    if (!w->fortran)
        return w->k++;
    uint64_t cur = w->off;
    for (uint32_t d = w->ndim; d-- > 0;) {
        w->idx[d]++;
        w->off += w->stride[d];
        if (w->idx[d] < w->shape[d])
            break;
        w->off -= w->stride[d] * w->shape[d];
        w->idx[d] = 0;
    }
    return cur;
}

static int array_copy(const pk_obj *o, const char *field, void *dst, size_t count, bool f64,
                      fr_err *e)
{
    const pk_ndarray *a = pk_np_built(o);
    if (!a)
        return fr_fail(e, FROST_EFORMAT, "expected a numpy array, found %s",
                       o ? pk_kind_name((pk_kind)o->kind) : "nothing");
    if (count != a->count)
        return fr_fail(e, FROST_EINVAL, "array has %llu elements, not %zu",
                       (unsigned long long)a->count, count);
    double *df = dst;
    int64_t *di = dst;

    if (a->dtype->kind == 'O') {
        if (field)
            return fr_fail(e, FROST_EFORMAT, "object array has no field '%s'", field);
        for (size_t k = 0; k < count; k++) {
            int rc = f64 ? pk_get_double(a->items[k], &df[k]) : pk_get_int(a->items[k], &di[k]);
            if (rc)
                return fr_fail(e, rc, "object array element %zu is a %s that is not %s", k,
                               pk_kind_name(pk_kind_of(a->items[k])),
                               f64 ? "a number representable as a double" : "an int64");
        }
        return 0;
    }

    const pk_dtype *d = a->dtype;
    uint64_t foff = 0;
    if (field) {
        const pk_field *f = find_field(a, field);
        if (!f)
            return fr_fail(e, FROST_EFORMAT, "array has no field '%s'", field);
        d = f->dtype;
        foff = f->offset;
    } else if (d->nfields) {
        return fr_fail(e, FROST_EFORMAT, "structured array: name one of its fields");
    }
    if (d->nfields || d->sub_base || !strchr("biuf", d->kind) || d->kind == '\0')
        return fr_fail(e, FROST_EFORMAT, "array%s%s%s holds dtype kind '%c', not numbers",
                       field ? " field '" : "", field ? field : "", field ? "'" : "", d->kind);
    walker w;
    walker_init(&w, a);
    size_t rec = a->dtype->itemsize;
    /* Trees hold millions of float64 thresholds and int64 child links (fields of the nodes'
     * record array): the common layouts (in order, little-endian, the dtype asked for) are
     * copied in one pass, every other one goes element by element below. */
    if (!w.fortran && d->byteorder != '>' && d->itemsize == 8 && d->kind == (f64 ? 'f' : 'i')) {
        for (size_t k = 0; k < count; k++) {
            uint64_t u = fr_rd64(a->data + k * rec + foff);
            if (f64)
                memcpy(&df[k], &u, 8);
            else
                memcpy(&di[k], &u, 8);
        }
        return 0;
    }
    for (size_t k = 0; k < count; k++) {
        uint64_t s = walker_next(&w);
        pk_num v;
        if (!pk_np_load_num(d, a->data + s * rec + foff, &v))
            return fr_fail(e, FROST_EUNSUPPORTED, "array of %c%u is not supported", d->kind,
                           d->itemsize);
        int rc = f64 ? pk_num_f64(&v, &df[k]) : pk_num_i64(&v, &di[k]);
        if (rc)
            return fr_fail(e, rc, "array element %zu does not fit %s", k,
                           f64 ? "a double exactly" : "an int64");
    }
    return 0;
}

int pk_array_get_f64(const pk_obj *a, const char *field, double *dst, size_t count, fr_err *e)
{
    return array_copy(a, field, dst, count, true, e);
}

int pk_array_get_i64(const pk_obj *a, const char *field, int64_t *dst, size_t count, fr_err *e)
{
    return array_copy(a, field, dst, count, false, e);
}

const pk_obj *pk_array_item(const pk_obj *o, uint64_t i)
{
    const pk_ndarray *a = pk_np_built(o);
    if (!a || a->dtype->kind != 'O' || i >= a->count)
        return NULL;
    return a->items[i];
}

const uint8_t *pk_array_raw(const pk_obj *o, size_t *nbytes)
{
    const pk_ndarray *a = pk_np_built(o);
    if (!a || a->dtype->kind == 'O')
        return NULL;
    if (nbytes)
        *nbytes = a->nbytes;
    return a->data ? a->data : (const uint8_t *)"";
}

int pk_array_get_str(const pk_obj *o, uint64_t i, char *dst, size_t cap, size_t *len, fr_err *e)
{
    const pk_ndarray *a = pk_np_built(o);
    if (!a || i >= a->count)
        return fr_fail(e, FROST_EFORMAT, "no string element %llu", (unsigned long long)i);
    if (cap == 0)
        return fr_fail(e, FROST_ELIMIT, "no room for a string");
    const pk_dtype *d = a->dtype;
    size_t o_len = 0;
    if (d->kind == 'O') {
        size_t n;
        const char *s = pk_str(a->items[i], &n);
        if (!s)
            return fr_fail(e, FROST_EFORMAT, "object array element %llu is a %s, not a str",
                           (unsigned long long)i, pk_kind_name(pk_kind_of(a->items[i])));
        if (n >= cap)
            return fr_fail(e, FROST_ELIMIT, "string element %llu is longer than %zu bytes",
                           (unsigned long long)i, cap - 1);
        memcpy(dst, s, n);
        o_len = n;
    } else if (d->kind == 'S' || d->kind == 'U') {
        /* locate element i (C order) in storage */
        walker w;
        walker_init(&w, a);
        uint64_t s = i;
        if (w.fortran) {
            uint64_t rem = i, off = 0;
            for (uint32_t dd = a->ndim; dd-- > 0;) {
                off += (rem % a->shape[dd]) * w.stride[dd];
                rem /= a->shape[dd];
            }
            s = off;
        }
        const uint8_t *p = a->data + s * d->itemsize;
        if (d->kind == 'S') {
            size_t n = d->itemsize;
            while (n && p[n - 1] == 0)
                n--; /* numpy strips trailing NULs */
            if (n >= cap)
                return fr_fail(e, FROST_ELIMIT, "string element %llu is longer than %zu bytes",
                               (unsigned long long)i, cap - 1);
            memcpy(dst, p, n);
            o_len = n;
        } else {
            size_t nc = d->itemsize / 4;
            while (nc && pk_np_load_uint(p + 4 * (nc - 1), 4, d->byteorder) == 0)
                nc--;
            for (size_t c = 0; c < nc; c++) {
                uint32_t cp = (uint32_t)pk_np_load_uint(p + 4 * c, 4, d->byteorder);
                if (cp > 0x10ffff)
                    return fr_fail(e, FROST_EFORMAT, "string element %llu is not valid UCS-4",
                                   (unsigned long long)i);
                char tmp[4];
                size_t l = pk_utf8_put(tmp, cp);
                if (o_len + l >= cap)
                    return fr_fail(e, FROST_ELIMIT,
                                   "string element %llu is longer than %zu bytes",
                                   (unsigned long long)i, cap - 1);
                memcpy(dst + o_len, tmp, l);
                o_len += l;
            }
        }
    } else {
        return fr_fail(e, FROST_EFORMAT, "array of kind '%c' does not hold strings", d->kind);
    }
    dst[o_len] = '\0';
    if (len)
        *len = o_len;
    return 0;
}
