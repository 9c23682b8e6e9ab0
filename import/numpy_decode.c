/*
 * numpy_decode.c — numpy arrays, dtypes and scalars as they appear in pickles, decoded without
 * numpy into inert records (reading them is numpy_array.c's).
 *
 * What is decoded (numpy _core/src/multiarray/methods.c array_reduce/array_setstate,
 * descriptor.c arraydescr_reduce/arraydescr_setstate, numeric.py _frombuffer):
 *   _reconstruct(ndarray, (0,), b'b') + BUILD (version, shape, dtype, is_fortran, rawdata)
 *       rawdata: bytes (kept in place), a latin-1 str (protocol 2, copied), or a list (object
 *       arrays);
 *   _frombuffer(buf, dtype, shape, order[, axis_order]) (protocol 5);
 *   scalar(dtype, bytes) (numpy scalars such as numpy.float64);
 *   dtype('f8'|'V56'|…, align, copy) + BUILD (version, endian, subarray, names, fields, elsize,
 *       alignment, flags[, metadata]), with structured fields at byte offsets.
 *
 * Safety rules particular to this file:
 *   - array data length must equal count × itemsize exactly, with overflow checks, before any
 *     element is read; field offset + field size must fit in the record;
 *   - a dtype becomes immutable once BUILD ran or once anything used it (an array, a field,
 *     a scalar), so a later BUILD cannot change an itemsize an array was checked against, and a
 *     dtype can never contain itself: the dtype graph is a DAG built bottom-up, and has_object is
 *     computed from the already-finished fields without recursion.
 */
#include "pk_internal.h"

#include <string.h>

static int npbad(pk_vm *vm, const char *what)
{
    return fr_fail(vm->e, FROST_EFORMAT, "malformed numpy data in pickle at offset %zu: %s",
                   vm->op_pos, what);
}

static int np_err(pk_vm *vm)
{
    return vm->e && vm->e->code ? vm->e->code : FROST_ENOMEM;
}

static void freeze(pk_dtype *d)
{
    d->built = true;
}

int pk_np_shape(pk_vm *vm, const pk_obj *t, uint32_t *ndim, uint64_t **shape, uint64_t *count)
{
    const pk_obj *single = NULL;
    size_t n;
    if (t && (t->kind == PK_TUPLE || t->kind == PK_LIST)) {
        n = t->u.seq.n;
    } else if (t && (t->kind == PK_INT || t->kind == PK_SCALAR)) {
        single = t; /* numpy accepts an int where a 1-d shape is meant */
        n = 1;
    } else {
        return npbad(vm, "shape is not a tuple of ints");
    }
    if (n > PK_MAX_NDIM)
        return npbad(vm, "more than 64 dimensions");
    uint64_t *s = pk_alloc(vm->g, (n ? n : 1) * sizeof *s, vm->e);
    if (!s)
        return np_err(vm);
    uint64_t c = 1;
    bool overflow = false;
    for (size_t i = 0; i < n; i++) {
        int64_t v;
        if (pk_get_int(single ? single : t->u.seq.v[i], &v) != 0 || v < 0)
            return npbad(vm, "shape holds something other than a non-negative int");
        s[i] = (uint64_t)v;
        if (s[i] && c > UINT64_MAX / s[i])
            overflow = true;
        else
            c *= s[i];
    }
    /* a zero extent makes the product 0 whatever the other extents are */
    for (size_t i = 0; i < n; i++)
        if (s[i] == 0) {
            c = 0;
            overflow = false;
        }
    if (overflow)
        return fr_fail(vm->e, FROST_ELIMIT,
                       "numpy array at offset %zu has more elements than fit in 64 bits",
                       vm->op_pos);
    *ndim = (uint32_t)n;
    *shape = s;
    *count = c;
    return 0;
}

/* ---- dtypes ------------------------------------------------------------------------------ */

static bool fixed_size_ok(char kind, uint64_t size)
{
    switch (kind) {
    case 'b': return size == 1;
    case 'i':
    case 'u': return size == 1 || size == 2 || size == 4 || size == 8;
    case 'f': return size == 2 || size == 4 || size == 8 || size == 12 || size == 16;
    case 'c': return size == 8 || size == 16 || size == 24 || size == 32;
    case 'O': return size == 4 || size == 8;
    case 'M':
    case 'm': return size == 8;
    default: return true; /* S, U, V: any */
    }
}

/* numpy.dtype(obj, align, copy) where obj is the type string arraydescr_reduce writes:
 * kind + size ('f8', 'i4', 'b1', 'O8', 'V56', 'S3', 'U5', 'M8'), optionally byte-order-prefixed. */
int pk_np_dtype_new(pk_vm *vm, const pk_obj *args, pk_obj **out)
{
    size_t n;
    const char *s = pk_str(pk_item(args, 0), &n);
    if (!s || pk_len(args) > 3)
        return fr_fail(vm->e, FROST_EUNSUPPORTED,
                       "pickle at offset %zu builds a numpy dtype from something other than a "
                       "type string",
                       vm->op_pos);
    char tmp[40];
    pk_printable(tmp, sizeof tmp, s, n);
    size_t i = 0;
    char order = 0;
    if (i < n && strchr("<>|=", s[i]) && s[i]) {
        order = s[i] == '=' ? '<' : s[i];
        i++;
    }
    if (i >= n)
        return npbad(vm, "empty dtype string");
    char kind = s[i++];
    if (kind == 'a')
        kind = 'S';
    if (!strchr("biufcOSUVMm", kind) || kind == '\0')
        return fr_fail(vm->e, FROST_EUNSUPPORTED, "numpy dtype '%s' is not supported", tmp);
    uint64_t size = 0;
    bool digits = false;
    for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
        digits = true;
        if (size > (UINT64_MAX - 9) / 10)
            return npbad(vm, "dtype size too large");
        size = size * 10 + (uint64_t)(s[i] - '0');
    }
    /* datetime units ('M8[ns]') are metadata frost does not need */
    if (i < n && s[i] == '[' && (kind == 'M' || kind == 'm'))
        i = n;
    if (i != n)
        return fr_fail(vm->e, FROST_EUNSUPPORTED, "numpy dtype '%s' is not supported", tmp);
    if (!digits) {
        if (kind == 'b') {
            kind = 'i'; /* 'b' alone is numpy's character code for int8 */
            size = 1;
        } else if (kind == 'O') {
            size = 8;
        } else if (kind == 'M' || kind == 'm') {
            size = 8;
        } else if (kind != 'S' && kind != 'U' && kind != 'V') {
            return fr_fail(vm->e, FROST_EUNSUPPORTED, "numpy dtype '%s' is not supported", tmp);
        }
    }
    if (!fixed_size_ok(kind, size))
        return fr_fail(vm->e, FROST_EUNSUPPORTED, "numpy dtype '%s' is not supported", tmp);
    if (kind == 'U') {
        if (size > UINT32_MAX / 4)
            return npbad(vm, "dtype size too large");
        size *= 4; /* 'U5' counts UCS-4 characters */
    }
    if (size > UINT32_MAX)
        return npbad(vm, "dtype size too large");
    if (kind == 'O')
        size = 8; /* items are kept as graph values, whatever the writer's pointer size */

    pk_obj *o = pk_new(vm->g, PK_DTYPE, vm->e);
    pk_dtype *d = o ? pk_alloc(vm->g, sizeof *d, vm->e) : NULL;
    if (!d)
        return np_err(vm);
    d->kind = kind;
    d->itemsize = (uint32_t)size;
    bool no_order = size <= 1 || kind == 'O' || kind == 'S' || kind == 'V' || kind == 'b';
    d->byteorder = no_order ? '|' : (order && order != '|' ? order : '<');
    d->has_object = kind == 'O';
    o->u.d = d;
    *out = o;
    return 0;
}

/* Structured dtypes hold a few dozen fields at most (scikit-learn's Tree nodes: 8); the bound
 * keeps the name lookups below, which are linear per name, from becoming a quadratic cost. */
#define PK_MAX_FIELDS 4096

static bool key_is(const pk_obj *k, const char *name, size_t n)
{
    size_t kn;
    const char *ks = pk_str(k, &kn);
    return ks && kn == n && memcmp(ks, name, n) == 0;
}

/* The value in a dict whose key is the str (or Python 2 str) name; `hint` is where numpy puts
 * it (fields in names order), tried first. */
static const pk_obj *dict_lookup_n(const pk_obj *d, const char *name, size_t n, size_t hint)
{
    if (hint < pk_len(d) && key_is(pk_dict_key(d, hint), name, n))
        return pk_dict_value(d, hint);
    for (size_t i = pk_len(d); i-- > 0;) {
        if (key_is(d->u.seq.v[2 * i], name, n))
            return d->u.seq.v[2 * i + 1];
    }
    return NULL;
}

/* The parts of a dtype's BUILD state (arraydescr_setstate) that frost uses. */
typedef struct dtype_state {
    const pk_obj *endian, *subarray, *names, *fields;
    int64_t elsize;
} dtype_state;

/* Reads the state tuple in whichever layout its length says, and checks that its fields and
 * names agree. */
static int read_dtype_state(pk_vm *vm, const pk_obj *state, dtype_state *st)
{
    if (!state || state->kind != PK_TUPLE)
        return npbad(vm, "numpy dtype state is not a tuple");
    const pk_obj *const *t = (const pk_obj *const *)state->u.seq.v;
    size_t n = state->u.seq.n;
    int64_t version;
    st->names = NULL;
    /* the tuple layouts arraydescr_setstate accepts, by length */
    switch (n) {
    case 9:
    case 8:
    case 7:
        if (pk_get_int(t[0], &version))
            return npbad(vm, "numpy dtype state version is not an int");
        st->endian = t[1];
        st->subarray = t[2];
        st->names = t[3];
        st->fields = t[4];
        if (pk_get_int(t[5], &st->elsize))
            return npbad(vm, "numpy dtype elsize is not an int");
        break;
    case 6:
        if (pk_get_int(t[0], &version))
            return npbad(vm, "numpy dtype state version is not an int");
        st->endian = t[1];
        st->subarray = t[2];
        st->fields = t[3];
        if (pk_get_int(t[4], &st->elsize))
            return npbad(vm, "numpy dtype elsize is not an int");
        break;
    case 5:
        version = 0;
        st->endian = t[0];
        st->subarray = t[1];
        st->fields = t[2];
        if (pk_get_int(t[3], &st->elsize))
            return npbad(vm, "numpy dtype elsize is not an int");
        break;
    default:
        return npbad(vm, "numpy dtype state has an unknown layout");
    }
    if (version < 0 || version > 4)
        return fr_fail(vm->e, FROST_EUNSUPPORTED,
                       "numpy dtype pickle version %lld is not supported", (long long)version);
    const pk_obj *fields = st->fields;
    if (!pk_is_none(fields)) {
        if (fields->kind != PK_DICT)
            return npbad(vm, "numpy dtype fields are not a dict");
        if (pk_len(fields) > PK_MAX_FIELDS)
            return fr_fail(vm->e, FROST_EUNSUPPORTED,
                           "numpy dtype at offset %zu has more than %d fields", vm->op_pos,
                           PK_MAX_FIELDS);
        if (version <= 1) {
            /* versions 0/1 kept the names tuple under the key -1 of fields */
            st->names = NULL;
            for (size_t i = 0; i < pk_len(fields); i++) {
                int64_t key;
                const pk_obj *ko = pk_dict_key(fields, i);
                if (ko->kind == PK_INT && pk_get_int(ko, &key) == 0 && key == -1)
                    st->names = pk_dict_value(fields, i);
            }
            if (!st->names)
                return npbad(vm, "numpy dtype fields without names");
        }
    } else if (st->names && !pk_is_none(st->names)) {
        return npbad(vm, "inconsistent fields and names in numpy dtype state");
    }
    return 0;
}

/* The byte order the state gives, and the size of a flexible dtype ('S', 'U', 'V'). */
static int set_order_and_size(pk_vm *vm, pk_dtype *d, const pk_obj *endian, int64_t elsize)
{
    size_t el;
    const char *es = pk_str(endian, &el);
    if (!es && endian && endian->kind == PK_BYTES) {
        es = (const char *)endian->u.s.p;
        el = endian->u.s.n;
    }
    if (!es || el != 1 || !strchr("<>|=", es[0]) || es[0] == '\0')
        return npbad(vm, "numpy dtype byte order is not one of < > | =");
    /* '=' means the reader's native order; frost reads as a little-endian host would */
    char order = es[0] == '=' ? '<' : es[0];

    bool flexible = d->kind == 'S' || d->kind == 'U' || d->kind == 'V';
    if (flexible && elsize >= 0) {
        if (elsize > INT32_MAX || (d->kind == 'U' && elsize % 4))
            return npbad(vm, "numpy dtype elsize out of range");
        d->itemsize = (uint32_t)elsize;
    }
    if (d->itemsize > 1 && d->kind != 'O' && d->kind != 'S' && d->kind != 'V' &&
        d->kind != 'b')
        d->byteorder = order == '|' ? '<' : order;
    else
        d->byteorder = '|';
    return 0;
}

/* A subarray dtype ('f8', (2, 3)): a finished base dtype and a shape that fits the itemsize. */
static int set_subarray(pk_vm *vm, pk_dtype *d, const pk_obj *subarray)
{
    const pk_obj *base = pk_item(subarray, 0);
    if (subarray->kind != PK_TUPLE || pk_len(subarray) != 2 || !base || base->kind != PK_DTYPE)
        return npbad(vm, "incorrect subarray in numpy dtype state");
    if (base->u.d == d)
        return npbad(vm, "numpy dtype contains itself");
    uint32_t sn;
    uint64_t *ss, sc;
    int rc = pk_np_shape(vm, pk_item(subarray, 1), &sn, &ss, &sc);
    if (rc)
        return rc;
    if (base->u.d->itemsize && sc > d->itemsize / base->u.d->itemsize)
        return npbad(vm, "numpy subarray larger than its dtype");
    freeze(base->u.d);
    d->sub_base = base->u.d;
    d->sub_shape = ss;
    d->sub_ndim = sn;
    d->has_object = d->has_object || base->u.d->has_object;
    return 0;
}

/* A structured dtype's fields in names order: each a finished dtype inside the record. */
static int set_fields(pk_vm *vm, pk_dtype *d, const pk_obj *names, const pk_obj *fields)
{
    if (!names || names->kind != PK_TUPLE)
        return npbad(vm, "numpy dtype names are not a tuple");
    size_t nf = names->u.seq.n;
    if (nf > PK_MAX_FIELDS)
        return fr_fail(vm->e, FROST_EUNSUPPORTED,
                       "numpy dtype at offset %zu has more than %d fields", vm->op_pos,
                       PK_MAX_FIELDS);
    pk_field *fs = pk_alloc(vm->g, (nf ? nf : 1) * sizeof *fs, vm->e);
    if (!fs)
        return np_err(vm);
    for (size_t i = 0; i < nf; i++) {
        size_t nl;
        const char *nm = pk_str(names->u.seq.v[i], &nl);
        if (!nm)
            return npbad(vm, "numpy dtype field name is not a str");
        /* names are handed out as C strings */
        if (memchr(nm, '\0', nl))
            return npbad(vm, "numpy dtype field name holds a NUL byte");
        const pk_obj *fv = dict_lookup_n(fields, nm, nl, i);
        const pk_obj *fd = pk_item(fv, 0);
        int64_t off;
        if (!fv || fv->kind != PK_TUPLE || pk_len(fv) < 2 || !fd || fd->kind != PK_DTYPE ||
            pk_get_int(pk_item(fv, 1), &off) || off < 0)
            return npbad(vm, "numpy dtype field is not (dtype, offset)");
        if (fd->u.d == d)
            return npbad(vm, "numpy dtype contains itself");
        if ((uint64_t)off > d->itemsize || fd->u.d->itemsize > d->itemsize - (uint64_t)off)
            return npbad(vm, "numpy dtype field lies outside its record");
        freeze(fd->u.d);
        fs[i].name = nm;
        fs[i].name_len = nl;
        fs[i].dtype = fd->u.d;
        fs[i].offset = (uint64_t)off;
        d->has_object = d->has_object || fd->u.d->has_object;
    }
    d->fields = fs;
    d->nfields = nf;
    return 0;
}

int pk_np_build_dtype(pk_vm *vm, pk_obj *dto, const pk_obj *state)
{
    pk_dtype *d = dto->u.d;
    if (d->built)
        return npbad(vm, "numpy dtype state set twice or after the dtype was used");
    dtype_state st;
    int rc = read_dtype_state(vm, state, &st);
    if (!rc)
        rc = set_order_and_size(vm, d, st.endian, st.elsize);
    if (!rc && !pk_is_none(st.subarray))
        rc = set_subarray(vm, d, st.subarray);
    if (!rc && !pk_is_none(st.fields))
        rc = set_fields(vm, d, st.names, st.fields);
    if (rc)
        return rc;
    freeze(d);
    return 0;
}

/* ---- arrays ------------------------------------------------------------------------------ */

static pk_obj *new_array(pk_vm *vm, pk_kind kind)
{
    pk_obj *o = pk_new(vm->g, kind, vm->e);
    pk_ndarray *a = o ? pk_alloc(vm->g, sizeof *a, vm->e) : NULL;
    if (!a)
        return NULL;
    o->u.a = a;
    return o;
}

static bool is_array_type(const pk_obj *g)
{
    if (!g || g->kind != PK_GLOBAL)
        return false;
    const char *f = g->u.g->full;
    return strcmp(f, "numpy.ndarray") == 0 || strcmp(f, "numpy.matrix") == 0 ||
           strcmp(f, "numpy.memmap") == 0;
}

/* _reconstruct(subtype, shape, dtype) makes an uninitialised array for BUILD to fill. numpy
 * would allocate `shape` here; frost only accepts the empty placeholder pickles use. */
int pk_np_reconstruct(pk_vm *vm, const pk_obj *args, pk_obj **out)
{
    if (pk_len(args) != 3 || !is_array_type(pk_item(args, 0)))
        return npbad(vm, "unexpected arguments for numpy _reconstruct");
    uint32_t nd;
    uint64_t *shape, count;
    int rc = pk_np_shape(vm, pk_item(args, 1), &nd, &shape, &count);
    if (rc)
        return rc;
    if (count != 0)
        return npbad(vm, "numpy _reconstruct of a non-empty placeholder");
    *out = new_array(vm, PK_NDARRAY);
    return *out ? 0 : np_err(vm);
}

/* Sets an array's data from bytes (non-object dtypes). */
static int set_raw(pk_vm *vm, pk_ndarray *a, const pk_obj *raw)
{
    const uint8_t *p;
    size_t n;
    if (raw->kind == PK_BYTES) {
        p = (const uint8_t *)raw->u.s.p;
        n = raw->u.s.n;
    } else if (raw->kind == PK_STR) {
        /* Python 2 pickles loaded with encoding='latin1' hand numpy a str; numpy encodes it back
         * with latin-1 (array_setstate). */
        size_t sn = raw->u.s.n, o;
        uint8_t *d = pk_alloc(vm->g, sn ? sn : 1, vm->e);
        if (!d)
            return np_err(vm);
        if (!pk_latin1_from_utf8((const uint8_t *)raw->u.s.p, sn, d, &o))
            return npbad(vm, "array data str holds a character beyond U+00FF");
        p = d;
        n = o;
    } else {
        return npbad(vm, "array data is neither bytes nor str");
    }
    uint64_t need;
    if (a->dtype->itemsize && a->count > UINT64_MAX / a->dtype->itemsize)
        return fr_fail(vm->e, FROST_ELIMIT, "numpy array at offset %zu is too large",
                       vm->op_pos);
    need = a->count * a->dtype->itemsize;
    if (need != n)
        return npbad(vm, "array data size does not match its shape and dtype");
    a->data = p;
    a->nbytes = n;
    return 0;
}

static int check_array_dtype(pk_vm *vm, const pk_dtype *d)
{
    if (d->sub_base)
        return fr_fail(vm->e, FROST_EUNSUPPORTED,
                       "numpy array at offset %zu has a subarray dtype, which frost does not "
                       "support",
                       vm->op_pos);
    if (d->has_object && d->kind != 'O')
        return fr_fail(vm->e, FROST_EUNSUPPORTED,
                       "numpy array at offset %zu is a structured array holding Python objects, "
                       "which frost does not support",
                       vm->op_pos);
    return 0;
}

int pk_np_build_array(pk_vm *vm, pk_obj *ao, const pk_obj *state)
{
    pk_ndarray *a = ao->u.a;
    if (a->built || ao->kind != PK_NDARRAY)
        return npbad(vm, "numpy array state set twice");
    size_t n = pk_len(state);
    if (!state || state->kind != PK_TUPLE || (n != 5 && n != 4))
        return npbad(vm, "numpy array state is not (version, shape, dtype, is_fortran, data)");
    const pk_obj *const *t = (const pk_obj *const *)state->u.seq.v + (n == 5 ? 1 : 0);
    if (n == 5) {
        int64_t version;
        if (pk_get_int(state->u.seq.v[0], &version) || version < 0 || version > 1)
            return npbad(vm, "numpy array state has an unknown version");
    }
    const pk_obj *dto = t[1];
    if (!dto || dto->kind != PK_DTYPE)
        return npbad(vm, "numpy array state without a dtype");
    int64_t fortran;
    if (pk_get_int(t[2], &fortran))
        return npbad(vm, "numpy array is_fortran flag is not an int");
    int rc = pk_np_shape(vm, t[0], &a->ndim, &a->shape, &a->count);
    if (rc)
        return rc;
    pk_dtype *d = dto->u.d;
    freeze(d);
    if ((rc = check_array_dtype(vm, d)))
        return rc;
    a->dtype = d;
    a->fortran = fortran != 0;
    const pk_obj *raw = t[3];
    if (d->kind == 'O') {
        /* object arrays carry a list of their items in C order (array_reduce: _getlist_pkl) */
        if (!raw || (raw->kind != PK_LIST && raw->kind != PK_TUPLE))
            return npbad(vm, "object array data is not a list");
        if (raw->u.seq.n != a->count)
            return npbad(vm, "object array list length does not match its shape");
        if (a->count) {
            a->items = pk_alloc(vm->g, (size_t)a->count * sizeof(pk_obj *), vm->e);
            if (!a->items)
                return np_err(vm);
            memcpy(a->items, raw->u.seq.v, (size_t)a->count * sizeof(pk_obj *));
        }
    } else {
        if ((rc = set_raw(vm, a, raw)))
            return rc;
    }
    a->built = true;
    return 0;
}

/* _frombuffer(buf, dtype, shape, order[, axis_order]) (numpy _core/numeric.py): protocol 5's
 * in-band PickleBuffer arrives as bytes or bytearray. */
int pk_np_frombuffer(pk_vm *vm, const pk_obj *args, pk_obj **out)
{
    size_t n = pk_len(args);
    const pk_obj *buf = pk_item(args, 0), *dto = pk_item(args, 1), *order = pk_item(args, 3);
    if ((n != 4 && n != 5) || !buf || buf->kind != PK_BYTES || !dto || dto->kind != PK_DTYPE)
        return npbad(vm, "unexpected arguments for numpy _frombuffer");
    pk_dtype *d = dto->u.d;
    freeze(d);
    int rc = check_array_dtype(vm, d);
    if (rc)
        return rc;
    if (d->kind == 'O' || d->itemsize == 0)
        return npbad(vm, "_frombuffer of an object or zero-size dtype");
    pk_obj *o = new_array(vm, PK_NDARRAY);
    if (!o)
        return np_err(vm);
    pk_ndarray *a = o->u.a;
    if ((rc = pk_np_shape(vm, pk_item(args, 2), &a->ndim, &a->shape, &a->count)))
        return rc;
    a->dtype = d;
    bool fortran = false;
    if (pk_str_eq(order, "F")) {
        fortran = true;
    } else if (pk_str_eq(order, "K") && n == 5 && !pk_is_none(pk_item(args, 4))) {
        /* reshape(shape, 'C').transpose(axis_order): identity is C order, the full reversal is
         * Fortran order over the reversed shape; other permutations are not supported */
        const pk_obj *ax = pk_item(args, 4);
        size_t na = pk_len(ax);
        if (na != a->ndim)
            return npbad(vm, "_frombuffer axis order does not match the shape");
        bool ident = true, rev = true;
        for (size_t i = 0; i < na; i++) {
            int64_t v;
            if (pk_get_int(pk_item(ax, i), &v))
                return npbad(vm, "_frombuffer axis order is not ints");
            ident = ident && v == (int64_t)i;
            rev = rev && v == (int64_t)(na - 1 - i);
        }
        if (!ident && !rev)
            return fr_fail(vm->e, FROST_EUNSUPPORTED,
                           "numpy array at offset %zu uses a permuted memory layout, which frost "
                           "does not support",
                           vm->op_pos);
        if (!ident) {
            fortran = true;
            for (size_t i = 0; i < na / 2; i++) {
                uint64_t tmp = a->shape[i];
                a->shape[i] = a->shape[na - 1 - i];
                a->shape[na - 1 - i] = tmp;
            }
        }
    } else if (!pk_str_eq(order, "C") && !pk_str_eq(order, "A") && !pk_str_eq(order, "K")) {
        return npbad(vm, "_frombuffer order is not C, F, A or K");
    }
    a->fortran = fortran && a->ndim > 1;
    if ((rc = set_raw(vm, a, buf)))
        return rc;
    a->built = true;
    *out = o;
    return 0;
}

/* scalar(dtype, bytes): one element; for object dtypes numpy returns the object itself. */
int pk_np_scalar(pk_vm *vm, const pk_obj *args, pk_obj **out)
{
    size_t n = pk_len(args);
    const pk_obj *dto = pk_item(args, 0);
    if (n < 1 || n > 2 || !dto || dto->kind != PK_DTYPE)
        return npbad(vm, "unexpected arguments for numpy scalar");
    pk_dtype *d = dto->u.d;
    freeze(d);
    if (d->kind == 'O') {
        *out = n == 2 ? args->u.seq.v[1] : &vm->g->none;
        return 0;
    }
    if (n != 2)
        return npbad(vm, "numpy scalar without data");
    int rc = check_array_dtype(vm, d);
    if (rc)
        return rc;
    pk_obj *o = new_array(vm, PK_SCALAR);
    if (!o)
        return np_err(vm);
    pk_ndarray *a = o->u.a;
    a->dtype = d;
    a->ndim = 0;
    a->shape = NULL;
    a->count = 1;
    if ((rc = set_raw(vm, a, args->u.seq.v[1])))
        return rc;
    a->built = true;
    *out = o;
    return 0;
}

pk_obj *pk_np_array_raw(pk_vm *vm, const pk_dtype *dt, uint32_t ndim, uint64_t *shape,
                        uint64_t count, bool fortran, const uint8_t *data, size_t nbytes)
{
    if (check_array_dtype(vm, dt))
        return NULL;
    pk_obj *o = new_array(vm, PK_NDARRAY);
    if (!o)
        return NULL;
    pk_ndarray *a = o->u.a;
    a->dtype = dt;
    a->ndim = ndim;
    a->shape = shape;
    a->count = count;
    a->fortran = fortran && ndim > 1;
    a->data = data;
    a->nbytes = nbytes;
    a->built = true;
    return o;
}
