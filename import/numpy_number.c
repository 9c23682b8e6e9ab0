/*
 * numpy_number.c — one number as numpy stores it (bool, int, uint, float16/32/64, either byte
 * order) read into an int64 or a double, exactly or not at all; and the value of a numpy scalar.
 *
 * It reads bytes only, never the graph: the value accessors (pk_value.c) and the array copies
 * (numpy_array.c) both stand on it.
 */
#include "pk_internal.h"

#include <math.h>
#include <string.h>

uint64_t pk_np_load_uint(const uint8_t *p, unsigned size, char order)
{
    uint64_t v = 0;
    if (order == '>')
        for (unsigned i = 0; i < size; i++)
            v = v << 8 | p[i];
    else
        for (unsigned i = size; i-- > 0;)
            v = v << 8 | p[i];
    return v;
}

static double half_to_double(uint16_t h)
{
    int exp = (h >> 10) & 0x1f;
    int mant = h & 0x3ff;
    double v;
    if (exp == 0)
        v = ldexp(mant, -24);
    else if (exp == 31)
        v = mant ? NAN : INFINITY;
    else
        v = ldexp(mant + 1024, exp - 25);
    return (h & 0x8000) ? -v : v;
}

bool pk_np_load_num(const pk_dtype *d, const uint8_t *p, pk_num *out)
{
    unsigned sz = d->itemsize;
    switch (d->kind) {
    case 'b':
        out->cls = 'u';
        out->u = p[0] != 0;
        return true;
    case 'u':
        out->cls = 'u';
        out->u = pk_np_load_uint(p, sz, d->byteorder);
        return true;
    case 'i': {
        uint64_t u = pk_np_load_uint(p, sz, d->byteorder);
        if (sz < 8 && (u >> (8 * sz - 1)) & 1)
            u |= UINT64_MAX << (8 * sz);
        out->cls = 'i';
        memcpy(&out->i, &u, sizeof u);
        return true;
    }
    case 'f': {
        uint64_t u = pk_np_load_uint(p, sz, d->byteorder);
        out->cls = 'f';
        if (sz == 2) {
            out->f = half_to_double((uint16_t)u);
        } else if (sz == 4) {
            uint32_t w = (uint32_t)u;
            float f;
            memcpy(&f, &w, sizeof f);
            out->f = f;
        } else if (sz == 8) {
            memcpy(&out->f, &u, sizeof u);
        } else {
            return false; /* long double */
        }
        return true;
    }
    default:
        return false;
    }
}

int pk_num_f64(const pk_num *v, double *out)
{
    const uint64_t lim = (uint64_t)1 << 53;
    switch (v->cls) {
    case 'f':
        *out = v->f;
        return 0;
    case 'u':
        if (v->u > lim)
            return FROST_ELIMIT;
        *out = (double)v->u;
        return 0;
    default:
        if (v->i > (int64_t)lim || v->i < -(int64_t)lim)
            return FROST_ELIMIT;
        *out = (double)v->i;
        return 0;
    }
}

int pk_num_i64(const pk_num *v, int64_t *out)
{
    switch (v->cls) {
    case 'f':
        if (!(v->f >= -9223372036854775808.0 && v->f < 9223372036854775808.0) ||
            v->f != floor(v->f))
            return FROST_ELIMIT;
        *out = (int64_t)v->f;
        return 0;
    case 'u':
        if (v->u > (uint64_t)INT64_MAX)
            return FROST_ELIMIT;
        *out = (int64_t)v->u;
        return 0;
    default:
        *out = v->i;
        return 0;
    }
}

static int scalar_num(const pk_obj *o, pk_num *v)
{
    const pk_ndarray *a = pk_np_built(o);
    if (!a || a->ndim != 0 || a->dtype->nfields)
        return FROST_EFORMAT;
    if (a->dtype->kind == 'O')
        return FROST_EFORMAT;
    if (!pk_np_load_num(a->dtype, a->data, v))
        return FROST_EFORMAT;
    return 0;
}

int pk_np_scalar_i64(const pk_obj *o, int64_t *out)
{
    pk_num v;
    int rc = scalar_num(o, &v);
    if (rc)
        return rc;
    if (v.cls == 'f')
        return FROST_EFORMAT; /* a float scalar is not an int, as in Python */
    return pk_num_i64(&v, out);
}

int pk_np_scalar_f64(const pk_obj *o, double *out)
{
    pk_num v;
    int rc = scalar_num(o, &v);
    return rc ? rc : pk_num_f64(&v, out);
}
