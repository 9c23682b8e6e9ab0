/*
 * joblib.c — joblib's containers and in-stream arrays, on top of the pickle VM.
 *
 * Two jobs, both taken from joblib's own reader (joblib/numpy_pickle.py, numpy_pickle_utils.py,
 * compressor.py, numpy_pickle_compat.py):
 *   1. find the container by its magic bytes and decompress the whole stream into memory with
 *      Debian's zlib, libbz2, liblzma and liblz4 (frame API), never beyond a caller-set bound,
 *      so a small bomb cannot make frost allocate gigabytes;
 *   2. hook the VM's BUILD: when the object just built is a NumpyArrayWrapper, its array bytes
 *      follow in the stream (NumpyArrayWrapper.read_array) and replace it on the stack, exactly
 *      as NumpyUnpickler.load_build does. Object-dtype arrays are a complete nested pickle
 *      (pickle.load on the same file), which runs through the same VM and whitelist;
 *   3. joblib < 0.10's NDArrayWrapper, whose array is a .npy file beside the pickle
 *      (numpy_pickle_compat.py NDArrayWrapper.read, numpy/lib/format.py), and ZNDArrayWrapper,
 *      whose raw bytes are a "ZF" zlib file there: read from the pickle's folder by the plain
 *      file name the pickle holds, header and bytes checked like the stream's.
 */
#include "joblib.h"

#include <bzlib.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <lz4frame.h>
#include <lzma.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "pk_internal.h"

#define JL_DEFAULT_MAX ((size_t)4 << 30)
#define JL_LZMA_MEMLIMIT ((uint64_t)256 << 20)

jl_container jl_detect(const uint8_t *d, size_t n)
{
    if (n >= 2 && d[0] == 'Z' && d[1] == 'F')
        return JL_ZFILE;
    if (n >= 1 && d[0] == 0x78)
        return JL_ZLIB;
    if (n >= 2 && d[0] == 0x1f && d[1] == 0x8b)
        return JL_GZIP;
    /* the digit matters: a raw pickle may start with 'B' (BINBYTES) */
    if (n >= 4 && d[0] == 'B' && d[1] == 'Z' && d[2] == 'h' && d[3] >= '1' && d[3] <= '9')
        return JL_BZ2;
    if (n >= 6 && memcmp(d, "\xfd" "7zXZ\x00", 6) == 0)
        return JL_XZ;
    if (n >= 2 && d[0] == 0x5d && d[1] == 0x00)
        return JL_LZMA;
    if (n >= 4 && d[0] == 0x04 && d[1] == 0x22 && d[2] == 0x4d && d[3] == 0x18)
        return JL_LZ4;
    return JL_RAW;
}

const char *jl_container_name(jl_container c)
{
    switch (c) {
    case JL_RAW: return "raw";
    case JL_ZLIB: return "zlib";
    case JL_GZIP: return "gzip";
    case JL_BZ2: return "bz2";
    case JL_XZ: return "xz";
    case JL_LZMA: return "lzma";
    case JL_LZ4: return "lz4";
    case JL_ZFILE: return "joblib ZF (zlib)";
    }
    return "?";
}

/* ---- bounded output ---------------------------------------------------------------------- */

typedef struct outbuf {
    uint8_t *p;
    size_t len;
    size_t cap;
    size_t max;          /* output beyond this is a bomb */
    const char *name;    /* container name for messages */
    size_t good;         /* output length at the end of the last complete member */
    unsigned members;    /* complete members decoded */
} outbuf;

static int too_big(outbuf *o, fr_err *e)
{
    return fr_fail(e, FROST_ELIMIT,
                   "%s stream decompresses to more than %zu bytes "
                   "(limit: jl_options.max_decompressed)",
                   o->name, o->max);
}

/* Makes room for at least one more byte; the buffer may reach max + 1 so that exceeding the
 * bound is seen rather than silently cut. */
static int ob_room(outbuf *o, size_t hint, fr_err *e)
{
    if (o->len < o->cap)
        return 0;
    if (o->len > o->max)
        return too_big(o, e);
    size_t hard = o->max + 1;
    size_t ncap = o->cap ? (o->cap > hard / 2 ? hard : o->cap * 2) : hint;
    if (ncap > hard)
        ncap = hard;
    if (ncap <= o->cap)
        return too_big(o, e);
    uint8_t *p = realloc(o->p, ncap);
    if (!p)
        return fr_fail(e, FROST_ENOMEM, "out of memory (%zu bytes) decompressing %s", ncap,
                       o->name);
    o->p = p;
    o->cap = ncap;
    return 0;
}

static int truncated_container(outbuf *o, size_t in_len, fr_err *e)
{
    return fr_fail(e, FROST_ETRUNCATED,
                   "truncated %s stream (%zu bytes; ends before its end-of-stream marker)",
                   o->name, in_len);
}

static int damaged(outbuf *o, const char *why, fr_err *e)
{
    return fr_fail(e, FROST_ECORRUPT, "damaged %s stream: %s", o->name, why ? why : "bad data");
}

/* After a complete member, whatever follows is tried as another member (gzip and joblib's
 * BinaryZlibFile accept concatenations); if it does not decode, it is ignored, as a reader that
 * stops at the pickle's STOP would never look at it. */
static int trailing_garbage(outbuf *o)
{
    o->len = o->good;
    return 0;
}

static int inflate_all(const uint8_t *in, size_t n, int wbits, outbuf *o, fr_err *e)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (inflateInit2(&zs, wbits) != Z_OK)
        return fr_fail(e, FROST_ENOMEM, "cannot start zlib");
    size_t fed = 0;
    int rc = 0;
    for (;;) {
        if (zs.avail_in == 0 && fed < n) {
            size_t chunk = n - fed > UINT_MAX ? UINT_MAX : n - fed;
            zs.next_in = (Bytef *)(uintptr_t)(in + fed);
            zs.avail_in = (uInt)chunk;
            fed += chunk;
        }
        if ((rc = ob_room(o, n * 4 + 65536, e)))
            goto end_zlib;
        size_t room = o->cap - o->len;
        zs.next_out = o->p + o->len;
        zs.avail_out = room > UINT_MAX ? UINT_MAX : (uInt)room;
        uInt before = zs.avail_out;
        int zr = inflate(&zs, Z_NO_FLUSH);
        o->len += before - zs.avail_out;
        if (zr == Z_STREAM_END) {
            o->members++;
            o->good = o->len;
            if (zs.avail_in == 0 && fed == n)
                break;
            inflateReset(&zs);
            continue;
        }
        if (zr == Z_OK)
            continue;
        if (zr == Z_BUF_ERROR && zs.avail_out == 0)
            continue;
        if (o->members) {
            rc = trailing_garbage(o);
            break;
        }
        if (zr == Z_BUF_ERROR)
            rc = truncated_container(o, n, e);
        else if (zr == Z_MEM_ERROR)
            rc = fr_fail(e, FROST_ENOMEM, "out of memory in zlib");
        else
            rc = damaged(o, zs.msg, e);
        break;
    }
    if (!rc && o->len > o->max)
        rc = too_big(o, e);
end_zlib:
    inflateEnd(&zs);
    return rc;
}

static int bunzip_all(const uint8_t *in, size_t n, outbuf *o, fr_err *e)
{
    bz_stream bs;
    size_t fed = 0;
    int rc = 0;
    memset(&bs, 0, sizeof bs);
    if (BZ2_bzDecompressInit(&bs, 0, 0) != BZ_OK)
        return fr_fail(e, FROST_ENOMEM, "cannot start bz2");
    for (;;) {
        if (bs.avail_in == 0 && fed < n) {
            size_t chunk = n - fed > UINT_MAX ? UINT_MAX : n - fed;
            bs.next_in = (char *)(uintptr_t)(in + fed);
            bs.avail_in = (unsigned)chunk;
            fed += chunk;
        }
        if ((rc = ob_room(o, n * 8 + 65536, e)))
            break;
        size_t room = o->cap - o->len;
        bs.next_out = (char *)(o->p + o->len);
        bs.avail_out = room > UINT_MAX ? UINT_MAX : (unsigned)room;
        unsigned before_out = bs.avail_out, before_in = bs.avail_in;
        int br = BZ2_bzDecompress(&bs);
        o->len += before_out - bs.avail_out;
        if (br == BZ_STREAM_END) {
            o->members++;
            o->good = o->len;
            if (bs.avail_in == 0 && fed == n)
                break;
            /* another bz2 stream follows */
            char *next_in = bs.next_in;
            unsigned avail_in = bs.avail_in;
            BZ2_bzDecompressEnd(&bs);
            memset(&bs, 0, sizeof bs);
            if (BZ2_bzDecompressInit(&bs, 0, 0) != BZ_OK)
                return fr_fail(e, FROST_ENOMEM, "cannot start bz2");
            bs.next_in = next_in;
            bs.avail_in = avail_in;
            continue;
        }
        if (br == BZ_OK) {
            bool progress = bs.avail_out != before_out || bs.avail_in != before_in;
            if (progress || bs.avail_out == 0)
                continue;
            if (o->members) {
                rc = trailing_garbage(o);
                break;
            }
            rc = truncated_container(o, n, e);
            break;
        }
        if (o->members) {
            rc = trailing_garbage(o);
            break;
        }
        rc = br == BZ_MEM_ERROR ? fr_fail(e, FROST_ENOMEM, "out of memory in bz2")
                                : damaged(o, "bad bz2 data", e);
        break;
    }
    if (!rc && o->len > o->max)
        rc = too_big(o, e);
    BZ2_bzDecompressEnd(&bs);
    return rc;
}

static int unxz_all(const uint8_t *in, size_t n, bool alone, outbuf *o, fr_err *e)
{
    lzma_stream ls = LZMA_STREAM_INIT;
    lzma_ret lr = alone ? lzma_alone_decoder(&ls, JL_LZMA_MEMLIMIT)
                        : lzma_stream_decoder(&ls, JL_LZMA_MEMLIMIT, LZMA_CONCATENATED);
    if (lr != LZMA_OK)
        return fr_fail(e, FROST_ENOMEM, "cannot start liblzma");
    int rc = 0;
    ls.next_in = in;
    ls.avail_in = n;
    for (;;) {
        if ((rc = ob_room(o, n * 8 + 65536, e)))
            break;
        ls.next_out = o->p + o->len;
        ls.avail_out = o->cap - o->len;
        size_t before = ls.avail_out;
        lr = lzma_code(&ls, LZMA_FINISH);
        o->len += before - ls.avail_out;
        if (lr == LZMA_STREAM_END) {
            o->members++;
            o->good = o->len;
            break;
        }
        if (lr == LZMA_OK)
            continue;
        if (lr == LZMA_BUF_ERROR && ls.avail_out == 0)
            continue;
        if (lr == LZMA_BUF_ERROR)
            rc = truncated_container(o, n, e);
        else if (lr == LZMA_MEMLIMIT_ERROR)
            rc = fr_fail(e, FROST_ELIMIT,
                         "%s stream needs more than %llu bytes of decoder memory", o->name,
                         (unsigned long long)JL_LZMA_MEMLIMIT);
        else if (lr == LZMA_MEM_ERROR)
            rc = fr_fail(e, FROST_ENOMEM, "out of memory in liblzma");
        else
            rc = damaged(o, lr == LZMA_FORMAT_ERROR ? "bad header" : "bad data", e);
        break;
    }
    if (!rc && o->len > o->max)
        rc = too_big(o, e);
    lzma_end(&ls);
    return rc;
}

static int unlz4_all(const uint8_t *in, size_t n, outbuf *o, fr_err *e)
{
    LZ4F_dctx *dctx = NULL;
    if (LZ4F_isError(LZ4F_createDecompressionContext(&dctx, LZ4F_VERSION)))
        return fr_fail(e, FROST_ENOMEM, "cannot start lz4");
    int rc = 0;
    size_t pos = 0;
    bool in_frame = false;
    for (;;) {
        if ((rc = ob_room(o, n * 4 + 65536, e)))
            break;
        size_t src = n - pos, dst = o->cap - o->len;
        size_t r = LZ4F_decompress(dctx, o->p + o->len, &dst, in + pos, &src, NULL);
        if (LZ4F_isError(r)) {
            if (o->members && !in_frame) {
                rc = trailing_garbage(o);
                break;
            }
            rc = damaged(o, LZ4F_getErrorName(r), e);
            break;
        }
        pos += src;
        o->len += dst;
        in_frame = true;
        if (r == 0) {
            /* frame complete; the context is ready for the next one */
            o->members++;
            o->good = o->len;
            in_frame = false;
            if (pos == n)
                break;
            continue;
        }
        if (src == 0 && dst == 0) {
            if (o->len == o->cap)
                continue;
            rc = pos == n ? truncated_container(o, n, e) : damaged(o, "no progress", e);
            break;
        }
        if (pos == n && o->len < o->cap) {
            rc = truncated_container(o, n, e);
            break;
        }
    }
    if (!rc && o->len > o->max)
        rc = too_big(o, e);
    LZ4F_freeDecompressionContext(dctx);
    return rc;
}

/* joblib < 0.9.3: "ZF", the hex length left-justified in len(hex(2**64)) = 19 characters, an
 * optional extra space (Python 2, joblib <= 0.8.4), then one zlib stream of exactly that length
 * (numpy_pickle_compat.read_zfile). */
static int unzfile(const uint8_t *in, size_t n, outbuf *o, fr_err *e)
{
    const size_t hdr = 2 + 19;
    if (n < hdr)
        return truncated_container(o, n, e);
    char field[20];
    memcpy(field, in + 2, 19);
    field[19] = '\0';
    char *s = field;
    while (*s == ' ')
        s++;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
        s += 2;
    uint64_t declared = 0;
    bool any = false;
    for (; *s && *s != ' '; s++) {
        int h = (*s >= '0' && *s <= '9') ? *s - '0'
                : (*s >= 'a' && *s <= 'f') ? *s - 'a' + 10
                : (*s >= 'A' && *s <= 'F') ? *s - 'A' + 10 : -1;
        if (h < 0 || declared > (UINT64_MAX >> 4))
            return damaged(o, "bad length header", e);
        declared = declared << 4 | (uint64_t)h;
        any = true;
    }
    while (*s == ' ')
        s++;
    if (!any || *s)
        return damaged(o, "bad length header", e);
    if (declared > o->max)
        return too_big(o, e);
    size_t start = hdr + (n > hdr && in[hdr] == ' ' ? 1 : 0);
    int rc = inflate_all(in + start, n - start, 15, o, e);
    if (rc)
        return rc;
    if (o->len != declared)
        return damaged(o, "length does not match its header", e);
    return 0;
}

int jl_decompress(const uint8_t *data, size_t len, size_t max_out, jl_container *kind,
                  uint8_t **out, size_t *out_len, fr_err *e)
{
    jl_container c = jl_detect(data, len);
    if (kind)
        *kind = c;
    *out = NULL;
    *out_len = 0;
    if (c == JL_RAW)
        return 0;
    if (max_out == 0)
        max_out = JL_DEFAULT_MAX;
    if (max_out >= SIZE_MAX)
        max_out = SIZE_MAX - 1;
    outbuf o = { .max = max_out, .name = jl_container_name(c) };
    int rc;
    switch (c) {
    case JL_ZLIB: rc = inflate_all(data, len, 15, &o, e); break;
    case JL_GZIP: rc = inflate_all(data, len, 31, &o, e); break;
    case JL_BZ2: rc = bunzip_all(data, len, &o, e); break;
    case JL_XZ: rc = unxz_all(data, len, false, &o, e); break;
    case JL_LZMA: rc = unxz_all(data, len, true, &o, e); break;
    case JL_LZ4: rc = unlz4_all(data, len, &o, e); break;
    case JL_ZFILE: rc = unzfile(data, len, &o, e); break;
    default: rc = fr_fail(e, FROST_EFORMAT, "unknown container"); break;
    }
    if (rc) {
        free(o.p);
        return rc;
    }
    if (!o.p) {
        o.p = malloc(1); /* an empty stream still gets a buffer to own */
        if (!o.p)
            return fr_fail(e, FROST_ENOMEM, "out of memory");
    }
    *out = o.p;
    *out_len = o.len;
    return 0;
}

/* ---- arrays that follow their NumpyArrayWrapper ------------------------------------------ */

static int wrapper_bad(pk_vm *vm, const char *what)
{
    return fr_fail(vm->e, FROST_EFORMAT, "malformed joblib array at offset %zu: %s",
                   vm->op_pos, what);
}

static int old_wrapper(pk_vm *vm, pk_obj **top, bool compressed);

static int jl_build_hook(pk_vm *vm, pk_obj **top)
{
    pk_obj *w = *top;
    if (w->kind != PK_OBJECT)
        return 0;
    bool z = strcmp(w->u.o->cls->full, "joblib.numpy_pickle.ZNDArrayWrapper") == 0;
    if (z || strcmp(w->u.o->cls->full, "joblib.numpy_pickle.NDArrayWrapper") == 0)
        return w->u.o->nstates == 1 ? old_wrapper(vm, top, z)
                                    : wrapper_bad(vm, "NDArrayWrapper built more than once");
    if (strcmp(w->u.o->cls->full, "joblib.numpy_pickle.NumpyArrayWrapper") != 0)
        return 0;
    /* joblib builds each wrapper once; a wrapper fetched back from the memo and built again is
     * not something joblib writes */
    if (w->u.o->nstates != 1)
        return wrapper_bad(vm, "NumpyArrayWrapper built more than once");
    vm->g->prov.wrappers++;
    /* joblib >= 1.2 gives every wrapper this attribute (None when it does not align) */
    if (pk_attr(w, "numpy_array_alignment_bytes"))
        vm->g->prov.aligned = 1;
    const pk_obj *shape = pk_attr(w, "shape"), *order = pk_attr(w, "order");
    const pk_obj *dto = pk_attr(w, "dtype"), *align = pk_attr(w, "numpy_array_alignment_bytes");
    if (!dto || dto->kind != PK_DTYPE)
        return wrapper_bad(vm, "NumpyArrayWrapper without a dtype");
    bool fortran = pk_str_eq(order, "F");
    if (!fortran && !pk_str_eq(order, "C"))
        return wrapper_bad(vm, "NumpyArrayWrapper order is neither 'C' nor 'F'");
    uint32_t ndim;
    uint64_t *dims, count;
    int rc = pk_np_shape(vm, shape, &ndim, &dims, &count);
    if (rc)
        return rc;
    pk_dtype *dt = dto->u.d;
    dt->built = true; /* from now on its itemsize is fixed (see numpy.c) */

    if (dt->has_object) {
        /* read_array: pickle.load(file) — a whole pickle, plain (not joblib) mode */
        size_t end;
        pk_obj *arr;
        rc = pk_run(vm->g, vm->buf, vm->len, vm->pos, vm->lim, vm->depth + 1, NULL, &end, &arr,
                    vm->e);
        if (rc)
            return rc;
        if (arr->kind != PK_NDARRAY)
            return wrapper_bad(vm, "the pickled object array is not an array");
        vm->pos = end;
        *top = arr;
        return 0;
    }

    if (align && !pk_is_none(align)) {
        /* joblib >= 1.2: one byte L, then L pad bytes, so the data starts aligned */
        if (vm->pos >= vm->len)
            return pk_truncated(vm);
        size_t pad = vm->buf[vm->pos];
        if (pad > vm->len - vm->pos - 1)
            return pk_truncated(vm);
        vm->pos += 1 + pad;
    }
    if (dt->itemsize && count > (uint64_t)SIZE_MAX / dt->itemsize)
        return fr_fail(vm->e, FROST_ELIMIT, "joblib array at offset %zu is too large",
                       vm->op_pos);
    size_t nbytes = (size_t)count * dt->itemsize;
    if (nbytes > vm->len - vm->pos)
        return pk_truncated(vm);
    pk_obj *arr = pk_np_array_raw(vm, dt, ndim, dims, count, fortran, vm->buf + vm->pos, nbytes);
    if (!arr)
        return vm->e && vm->e->code ? vm->e->code : FROST_ENOMEM;
    vm->pos += nbytes;
    *top = arr;
    return 0;
}

/* ---- .npy files (joblib < 0.10 side files) ----------------------------------------------- */

/* numpy/lib/format.py: "\x93NUMPY", major and minor version bytes, the header length (2 bytes
 * little-endian in 1.0, 4 bytes in 2.0 and 3.0), then the header: the repr of a dict with the keys
 * 'descr', 'fortran_order' and 'shape', padded with spaces and ended by a newline. Python 2's
 * numpy may write a long as 3L and a str as u'…'. Only that literal grammar is read. */
#define JL_NPY_MAX_HEADER ((size_t)1 << 20)
#define JL_NPY_MAX_FIELDS 4096

typedef struct lit {
    const char *p, *end;
} lit;

static void lit_ws(lit *l)
{
    while (l->p < l->end && (*l->p == ' ' || *l->p == '\t' || *l->p == '\n' || *l->p == '\r'))
        l->p++;
}

static bool lit_eat(lit *l, char c)
{
    lit_ws(l);
    if (l->p < l->end && *l->p == c) {
        l->p++;
        return true;
    }
    return false;
}

static bool lit_peek(lit *l, char c)
{
    lit_ws(l);
    return l->p < l->end && *l->p == c;
}

/* 'text' or "text", optionally u- or b-prefixed; no escapes (numpy writes none in the names and
 * type strings it reads back). */
static bool lit_str(lit *l, const char **s, size_t *n)
{
    lit_ws(l);
    if (l->p < l->end && (*l->p == 'u' || *l->p == 'b') && l->end - l->p > 1 &&
        (l->p[1] == '\'' || l->p[1] == '"'))
        l->p++;
    if (l->p >= l->end || (*l->p != '\'' && *l->p != '"'))
        return false;
    char q = *l->p++;
    const char *start = l->p;
    while (l->p < l->end && *l->p != q) {
        if (*l->p == '\\' || *l->p == '\0')
            return false;
        l->p++;
    }
    if (l->p >= l->end)
        return false;
    *s = start;
    *n = (size_t)(l->p - start);
    l->p++;
    return true;
}

static bool lit_word(lit *l, const char *w)
{
    lit_ws(l);
    size_t n = strlen(w);
    if ((size_t)(l->end - l->p) < n || memcmp(l->p, w, n) != 0)
        return false;
    l->p += n;
    return true;
}

static bool lit_uint(lit *l, uint64_t *v)
{
    lit_ws(l);
    if (l->p >= l->end || *l->p < '0' || *l->p > '9')
        return false;
    uint64_t x = 0;
    while (l->p < l->end && *l->p >= '0' && *l->p <= '9') {
        if (x > (UINT64_MAX - 9) / 10)
            return false;
        x = x * 10 + (uint64_t)(*l->p++ - '0');
    }
    if (l->p < l->end && *l->p == 'L') /* Python 2's long */
        l->p++;
    *v = x;
    return true;
}

static int npy_bad(fr_err *e, const char *what)
{
    return fr_fail(e, FROST_EFORMAT, "not a .npy file numpy writes: %s", what);
}

/* One (name, type) of a structured descr at l, after its '('. */
static int npy_one_field(lit *l, const char **name, size_t *nl, const char **type, size_t *tl,
                         fr_err *e)
{
    if (!lit_str(l, name, nl) || !lit_eat(l, ','))
        return npy_bad(e, "a field of descr is not ('name', 'type')");
    if (lit_peek(l, '['))
        return fr_fail(e, FROST_EUNSUPPORTED, "not supported yet: a .npy file with nested "
                       "fields");
    if (!lit_str(l, type, tl))
        return npy_bad(e, "a field of descr is not ('name', 'type')");
    if (lit_peek(l, ','))
        return fr_fail(e, FROST_EUNSUPPORTED, "not supported yet: a .npy file whose fields are "
                       "subarrays");
    if (!lit_eat(l, ')'))
        return npy_bad(e, "a field of descr does not end with ')'");
    return 0;
}

int jl_npy_field(const jl_npy *h, size_t *at, const char **name, size_t *name_len,
                 const char **type, size_t *type_len)
{
    lit l = {h->fields + *at, h->fields + h->fields_len};
    if (*at == 0 && !lit_eat(&l, '['))
        return 0;
    lit_eat(&l, ',');
    if (!lit_eat(&l, '('))
        return 0;
    fr_err scratch = {0};
    if (npy_one_field(&l, name, name_len, type, type_len, &scratch))
        return 0;
    *at = (size_t)(l.p - h->fields);
    return 1;
}

/* The descr value at l: a type string, or a list of fields (its extent and count in h). */
static int npy_descr(lit *l, jl_npy *h, fr_err *e)
{
    if (!lit_peek(l, '[')) {
        if (!lit_str(l, &h->descr, &h->descr_len) || h->descr_len == 0)
            return npy_bad(e, "descr is neither a type string nor a list of fields");
        return 0;
    }
    h->fields = l->p;
    lit_eat(l, '[');
    for (;;) {
        if (lit_eat(l, ']'))
            break;
        if (h->n_fields && !lit_eat(l, ','))
            return npy_bad(e, "the fields of descr are not separated by ','");
        if (lit_eat(l, ']')) /* a trailing comma */
            break;
        if (lit_peek(l, '['))
            return fr_fail(e, FROST_EUNSUPPORTED, "not supported yet: a .npy file with nested "
                           "fields");
        if (!lit_eat(l, '('))
            return npy_bad(e, "a field of descr is not a tuple");
        const char *nm, *ty;
        size_t nl, tl;
        int rc = npy_one_field(l, &nm, &nl, &ty, &tl, e);
        if (rc)
            return rc;
        if (++h->n_fields > JL_NPY_MAX_FIELDS)
            return fr_fail(e, FROST_ELIMIT, ".npy file with more than %d fields",
                           JL_NPY_MAX_FIELDS);
    }
    if (!h->n_fields)
        return npy_bad(e, "descr is an empty list of fields");
    h->fields_len = (size_t)(l->p - h->fields);
    return 0;
}

static int npy_shape(lit *l, jl_npy *h, fr_err *e)
{
    if (!lit_eat(l, '('))
        return npy_bad(e, "shape is not a tuple");
    for (;;) {
        if (lit_eat(l, ')'))
            return 0;
        if (h->ndim && !lit_eat(l, ','))
            return npy_bad(e, "the dimensions of shape are not separated by ','");
        if (lit_eat(l, ')'))
            return 0;
        if (h->ndim == JL_NPY_MAX_DIMS)
            return fr_fail(e, FROST_ELIMIT, ".npy array with more than %d dimensions",
                           JL_NPY_MAX_DIMS);
        if (!lit_uint(l, &h->shape[h->ndim]))
            return npy_bad(e, "a dimension of shape is not a number");
        h->ndim++;
    }
}

int jl_npy_parse(const uint8_t *d, size_t n, jl_npy *h, fr_err *e)
{
    memset(h, 0, sizeof *h);
    if (n < 10 || memcmp(d, "\x93NUMPY", 6) != 0)
        return npy_bad(e, "no \\x93NUMPY magic");
    size_t hl, at;
    if (d[6] == 1) {
        hl = (size_t)d[8] | (size_t)d[9] << 8;
        at = 10;
    } else if (d[6] == 2 || d[6] == 3) {
        if (n < 12)
            return npy_bad(e, "the header length is cut short");
        hl = (size_t)d[8] | (size_t)d[9] << 8 | (size_t)d[10] << 16 | (size_t)d[11] << 24;
        at = 12;
    } else {
        return fr_fail(e, FROST_EUNSUPPORTED, "not supported yet: .npy format version %u.%u",
                       d[6], d[7]);
    }
    if (hl > JL_NPY_MAX_HEADER)
        return fr_fail(e, FROST_ELIMIT, ".npy header of %zu bytes", hl);
    if (hl > n - at)
        return fr_fail(e, FROST_ETRUNCATED, ".npy file ends inside its header");
    lit l = {(const char *)d + at, (const char *)d + at + hl};
    bool seen_descr = false, seen_order = false, seen_shape = false;
    if (!lit_eat(&l, '{'))
        return npy_bad(e, "the header is not a dict");
    for (;;) {
        if (lit_eat(&l, '}'))
            break;
        const char *k;
        size_t kl;
        if (!lit_str(&l, &k, &kl) || !lit_eat(&l, ':'))
            return npy_bad(e, "a header key is not a string followed by ':'");
        int rc = 0;
        if (kl == 5 && memcmp(k, "descr", 5) == 0 && !seen_descr) {
            seen_descr = true;
            rc = npy_descr(&l, h, e);
        } else if (kl == 13 && memcmp(k, "fortran_order", 13) == 0 && !seen_order) {
            seen_order = true;
            if (lit_word(&l, "True"))
                h->fortran_order = 1;
            else if (!lit_word(&l, "False"))
                rc = npy_bad(e, "fortran_order is neither True nor False");
        } else if (kl == 5 && memcmp(k, "shape", 5) == 0 && !seen_shape) {
            seen_shape = true;
            rc = npy_shape(&l, h, e);
        } else {
            rc = npy_bad(e, "the header holds a key other than descr, fortran_order and shape, "
                         "or one twice");
        }
        if (rc)
            return rc;
        if (!lit_eat(&l, ',')) {
            if (!lit_eat(&l, '}'))
                return npy_bad(e, "the header dict does not end with '}'");
            break;
        }
    }
    lit_ws(&l);
    if (l.p != l.end)
        return npy_bad(e, "bytes after the header dict");
    if (!seen_descr || !seen_order || !seen_shape)
        return npy_bad(e, "the header lacks descr, fortran_order or shape");
    h->data_offset = at + hl;
    return 0;
}

/* ---- arrays in side files (joblib < 0.10) ------------------------------------------------ */

/* The dtype a type string names (the reader of pickled dtypes does the checking). */
static int side_dtype(pk_vm *vm, const char *s, size_t n, const pk_dtype **out)
{
    pk_obj *args = pk_new_seq(vm->g, PK_TUPLE, 1, vm->e);
    pk_obj *str = args ? pk_new_str(vm->g, s, n, vm->e) : NULL;
    if (!str)
        return vm->e->code ? vm->e->code : FROST_ENOMEM;
    args->u.seq.v[0] = str;
    pk_obj *dto;
    int rc = pk_np_dtype_new(vm, args, &dto);
    if (rc)
        return rc;
    if (dto->u.d->has_object)
        return fr_fail(vm->e, FROST_EUNSUPPORTED, "not supported yet: an object array in a "
                       "joblib < 0.10 side file");
    dto->u.d->built = true;
    *out = dto->u.d;
    return 0;
}

/* A structured dtype from the fields of a .npy descr, packed in order as numpy packs them. */
static int side_struct_dtype(pk_vm *vm, const jl_npy *h, const pk_dtype **out)
{
    pk_dtype *d = pk_alloc(vm->g, sizeof *d, vm->e);
    pk_field *fs = d ? pk_alloc(vm->g, h->n_fields * sizeof *fs, vm->e) : NULL;
    if (!fs)
        return vm->e->code ? vm->e->code : FROST_ENOMEM;
    size_t at = 0, i = 0;
    uint64_t off = 0;
    const char *nm, *ty;
    size_t nl, tl;
    while (i < h->n_fields && jl_npy_field(h, &at, &nm, &nl, &ty, &tl)) {
        const pk_dtype *fd;
        int rc = side_dtype(vm, ty, tl, &fd);
        if (rc)
            return rc;
        char *name = pk_alloc(vm->g, nl + 1, vm->e);
        if (!name)
            return vm->e->code ? vm->e->code : FROST_ENOMEM;
        memcpy(name, nm, nl);
        fs[i] = (pk_field){.name = name, .name_len = nl, .dtype = fd, .offset = off};
        off += fd->itemsize;
        i++;
    }
    if (i != h->n_fields || off > UINT32_MAX)
        return fr_fail(vm->e, FROST_EFORMAT, "a .npy structured dtype that frost cannot lay out");
    *d = (pk_dtype){.kind = 'V', .byteorder = '|', .itemsize = (uint32_t)off, .built = true,
                    .fields = fs, .nfields = h->n_fields};
    *out = d;
    return 0;
}

/* Reads dir/name whole into the graph's arena: a regular file, opened without following a
 * link, no larger than the arena allows. */
static int side_read(pk_vm *vm, const char *dir, const char *name, uint8_t **buf, size_t *len)
{
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return fr_fail(vm->e, FROST_EIO, "cannot open the folder %s of the joblib < 0.10 side "
                       "file %s: %s", dir, name, strerror(errno));
    int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    int err = errno;
    close(dfd);
    if (fd < 0)
        return fr_fail(vm->e, FROST_EIO, "cannot open the joblib < 0.10 side file %s/%s: %s",
                       dir, name, err == ELOOP ? "a symbolic link (not followed)" : strerror(err));
    struct stat st;
    int rc = 0;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < 0) {
        rc = fr_fail(vm->e, FROST_EIO, "the joblib < 0.10 side file %s/%s is not a regular file",
                     dir, name);
        goto out;
    }
    size_t n = (size_t)st.st_size;
    uint8_t *p = pk_alloc(vm->g, n ? n : 1, vm->e);
    if (!p) {
        rc = vm->e->code ? vm->e->code : FROST_ENOMEM;
        goto out;
    }
    size_t got = 0;
    while (got < n) {
        ssize_t r = pread(fd, p + got, n - got, (off_t)got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            rc = fr_fail(vm->e, FROST_EIO, "cannot read the joblib < 0.10 side file %s/%s", dir,
                         name);
            goto out;
        }
        got += (size_t)r;
    }
    *buf = p;
    *len = n;
out:
    close(fd);
    return rc;
}

/* ZNDArrayWrapper (joblib < 0.10 with compress > 0): the array's raw bytes are a "ZF" zlib file
 * beside the pickle, the rest of numpy's pickled state is in the wrapper — init_args for
 * _reconstruct and (version, shape, dtype, is_fortran) — and read() completes it as numpy's own
 * BUILD would (joblib/numpy_pickle_compat.py ZNDArrayWrapper.read). */
static int old_zwrapper(pk_vm *vm, pk_obj **top, const char *name, const char *shown)
{
    const pk_obj *init = pk_attr(*top, "init_args"), *state = pk_attr(*top, "state");
    if (!init || !state || state->kind != PK_TUPLE)
        return wrapper_bad(vm, "ZNDArrayWrapper without init_args and a state tuple");
    uint8_t *buf = NULL, *raw = NULL;
    size_t len = 0, n = 0;
    int rc = side_read(vm, vm->g->side_dir, name, &buf, &len);
    if (rc)
        return rc;
    if (jl_detect(buf, len) != JL_ZFILE)
        return fr_fail(vm->e, FROST_EFORMAT, "joblib < 0.10 side file %s is not the zlib file "
                       "(\"ZF\" header) its ZNDArrayWrapper names", shown);
    jl_container kind;
    if ((rc = jl_decompress(buf, len, vm->g->side_max, &kind, &raw, &n, vm->e)))
        return fr_wrap(vm->e, "joblib < 0.10 side file %s", shown);
    uint8_t *data = pk_alloc(vm->g, n ? n : 1, vm->e);
    if (data && n)
        memcpy(data, raw, n);
    free(raw);
    pk_obj *bytes = data ? pk_new(vm->g, PK_BYTES, vm->e) : NULL;
    pk_obj *full = bytes ? pk_new_seq(vm->g, PK_TUPLE, state->u.seq.n + 1, vm->e) : NULL;
    if (!full)
        return vm->e->code ? vm->e->code : FROST_ENOMEM;
    bytes->u.s.p = (const char *)data;
    bytes->u.s.n = n;
    if (state->u.seq.n) /* an empty tuple has no item array */
        memcpy(full->u.seq.v, state->u.seq.v, state->u.seq.n * sizeof *full->u.seq.v);
    full->u.seq.v[state->u.seq.n] = bytes;
    pk_obj *arr;
    if ((rc = pk_np_reconstruct(vm, init, &arr)) || (rc = pk_np_build_array(vm, arr, full)))
        return fr_wrap(vm->e, "joblib < 0.10 side file %s", shown);
    *top = arr;
    return 0;
}

/* NDArrayWrapper (joblib/numpy_pickle_compat.py): its state names the .npy file the array is in,
 * which numpy.load reads from the pickle's folder; ZNDArrayWrapper, its compressed kin, a zlib
 * file. */
static int old_wrapper(pk_vm *vm, pk_obj **top, bool compressed)
{
    pk_obj *w = *top;
    size_t nl;
    const char *name = pk_str(pk_attr(w, "filename"), &nl);
    if (!name)
        return wrapper_bad(vm, "NDArrayWrapper without a filename");
    char shown[80];
    pk_printable(shown, sizeof shown, name, nl);
    /* joblib wrote os.path.basename(...): a plain name in the pickle's folder */
    if (nl == 0 || nl > 255 || memchr(name, '/', nl) || memchr(name, '\0', nl) ||
        (nl == 1 && name[0] == '.') || (nl == 2 && name[0] == '.' && name[1] == '.'))
        return fr_fail(vm->e, FROST_EFORMAT, "joblib < 0.10 array at offset %zu names the side "
                       "file '%s', which is not a plain file name in the pickle's folder",
                       vm->op_pos, shown);
    if (!vm->g->side_dir)
        return fr_fail(vm->e, FROST_EUNSUPPORTED, "not supported yet: a joblib < 0.10 file read "
                       "from memory (its arrays are in side files such as '%s', read from the "
                       "pickle's folder only when it is converted from its path)", shown);
    if (compressed)
        return old_zwrapper(vm, top, name, shown);
    uint8_t *buf = NULL;
    size_t len = 0;
    int rc = side_read(vm, vm->g->side_dir, name, &buf, &len);
    if (rc)
        return rc;
    jl_npy h;
    if ((rc = jl_npy_parse(buf, len, &h, vm->e)))
        return fr_wrap(vm->e, "joblib < 0.10 side file %s", shown);
    const pk_dtype *dt;
    rc = h.descr ? side_dtype(vm, h.descr, h.descr_len, &dt) : side_struct_dtype(vm, &h, &dt);
    if (rc)
        return fr_wrap(vm->e, "joblib < 0.10 side file %s", shown);
    uint64_t *dims = pk_alloc(vm->g, (h.ndim ? h.ndim : 1) * sizeof *dims, vm->e);
    if (!dims)
        return vm->e->code ? vm->e->code : FROST_ENOMEM;
    uint64_t count = 1;
    for (uint32_t i = 0; i < h.ndim; i++) {
        dims[i] = h.shape[i];
        if (dims[i] && count > UINT64_MAX / dims[i])
            return fr_fail(vm->e, FROST_ELIMIT, "joblib < 0.10 side file %s: the shape holds "
                           "too many items", shown);
        count *= dims[i];
    }
    if (dt->itemsize && count > (uint64_t)(len - h.data_offset) / dt->itemsize)
        return fr_fail(vm->e, FROST_ETRUNCATED, "joblib < 0.10 side file %s ends before its "
                       "%" PRIu64 " items", shown, count);
    size_t nbytes = (size_t)count * dt->itemsize;
    pk_obj *arr = pk_np_array_raw(vm, dt, h.ndim, dims, count, h.fortran_order != 0,
                                  buf + h.data_offset, nbytes);
    if (!arr)
        return vm->e && vm->e->code ? vm->e->code : FROST_ENOMEM;
    *top = arr;
    return 0;
}

/* ---- files that are no pickle ------------------------------------------------------------ */

/* Text and random bytes read as a pickle fail within their first few bytes (an opcode that
 * needs a stack, an unknown opcode, a line that is no number); a real pickle that is damaged or
 * cut short fails further in, past its header. */
#define JL_NEAR_START 16

static bool prefix_of(const uint8_t *d, size_t n, const char *magic, size_t mlen)
{
    size_t k = n < mlen ? n : mlen;
    return k && memcmp(d, magic, k) == 0;
}

/* Whether the first bytes are those of a model file: a pickle of protocol 2 or later opens with
 * PROTO (0x80); a compressed joblib file with its compressor's magic, checked more strictly than
 * jl_detect (which mirrors joblib and takes any 'x' for zlib) and accepting a cut magic, so
 * that a truncated file keeps its truncation error. Protocol 0 and 1 pickles have no header. */
static bool looks_like_model(const uint8_t *d, size_t n)
{
    if (n && d[0] == 0x80)
        return true;
    /* zlib: CMF 0x78, FLG without a preset dictionary, (CMF·256 + FLG) divisible by 31 */
    if (n && d[0] == 0x78 && (n < 2 || ((d[1] & 0x20) == 0 && (0x7800u | d[1]) % 31 == 0)))
        return true;
    if (prefix_of(d, n, "\x1f\x8b", 2) || prefix_of(d, n, "\xfd" "7zXZ\x00", 6) ||
        prefix_of(d, n, "\x5d\x00", 2) || prefix_of(d, n, "\x04\x22\x4d\x18", 4))
        return true;
    if (prefix_of(d, n, "BZh", 3) && (n < 4 || (d[3] >= '1' && d[3] <= '9')))
        return true;
    if (prefix_of(d, n, "ZF", 2)) { /* the hex length field, spaces after it */
        for (size_t i = 2; i < n && i < 21; i++)
            if (!isxdigit(d[i]) && d[i] != 'x' && d[i] != ' ')
                return false;
        return true;
    }
    return false;
}

/* Text: printable ASCII, tabs and line ends, and UTF-8 (a sequence cut by the sample's end
 * counts). */
static bool looks_like_text(const uint8_t *d, size_t n)
{
    if (n > 1024)
        n = 1024;
    for (size_t i = 0; i < n;) {
        uint8_t c = d[i];
        if (c < 0x80) {
            if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f)
                return false;
            i++;
            continue;
        }
        size_t len = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3
                     : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
        if (!len)
            return false;
        for (size_t k = 1; k < len; k++)
            if (i + k < n && (d[i + k] & 0xc0) != 0x80)
                return false;
        i += len;
    }
    return true;
}

/* A file that is certainly no model, told by its first bytes before anything is parsed. */
static int certainly_not_a_pickle(const uint8_t *d, size_t n, fr_err *e)
{
    const char *what = NULL;
    if (n == 0)
        what = "it is empty";
    else if (prefix_of(d, n, "\x89" "FROST\r\n", 8) && n >= 8)
        what = "it is a .frost model already";
    else if (n >= 4 && memcmp(d, "PK\x03\x04", 4) == 0)
        what = "it is a zip archive (a skops or .npz file?)";
    return what ? fr_fail(e, FROST_EFORMAT, "not a pickle or joblib file: %s", what) : 0;
}

/* A protocol 0 or 1 pickle cut inside its first global ("ccopy_reg\n_recon"): the file ends
 * in the names of a GLOBAL or INST opcode, which text does not (a CSV line has commas). */
static bool cut_in_global(const uint8_t *d, size_t n, int rc, size_t at)
{
    if (rc != FROST_ETRUNCATED || at >= n || (d[at] != 'c' && d[at] != 'i'))
        return false;
    int lines = 0;
    for (size_t i = at + 1; i < n; i++) {
        if (d[i] == '\n' ? ++lines > 1 : !(isalnum(d[i]) || d[i] == '_' || d[i] == '.'))
            return false;
    }
    return true;
}

/* A load that failed at fail_at: reported as "not a pickle or joblib file" when the file has
 * neither a pickle header nor a compressor's magic and the reader stopped near the start;
 * otherwise rc with its message as it was (a cut or damaged model keeps its own error, a
 * foreign class is still refused by name). */
static int not_a_pickle(const uint8_t *d, size_t n, int rc, size_t fail_at, fr_err *e)
{
    if (looks_like_model(d, n) || cut_in_global(d, n, rc, fail_at))
        return rc;
    /* A stream without a pickle header can only be protocol 0 or 1, whose opcodes are these
     * (pickle.py): where the reader stopped on any other byte, the file was never a pickle,
     * however far the bytes before it happened to parse. */
    static const char proto01[] = "(.0123FGIJKLMNPQRSTUVXabcdeghijlopqrstu}])";
    bool stray = fail_at < n && (!d[fail_at] || !strchr(proto01, d[fail_at]));
    if (fail_at >= JL_NEAR_START && !stray)
        return rc;
    /* what frost does not support that such a stream cannot mean: a text line starting with
     * 'P' reads as a persistent id */
    bool foreign = rc == FROST_EUNSUPPORTED && fail_at < n &&
                   (d[fail_at] == 'P' || d[fail_at] == 'Q' || stray);
    if (rc != FROST_EFORMAT && rc != FROST_ETRUNCATED && rc != FROST_ECORRUPT &&
        rc != FROST_ELIMIT && !foreign)
        return rc;
    if (looks_like_text(d, n)) {
        size_t line = 0;
        while (line < n && line < 1024 && d[line] != '\n')
            line++;
        bool delimited = memchr(d, ',', line) || memchr(d, ';', line) || memchr(d, '\t', line);
        return fr_fail(e, FROST_EFORMAT, "not a pickle or joblib file: it looks like text%s",
                       delimited ? " (a CSV?)" : "");
    }
    char hex[3 * 8 + 1] = "";
    for (size_t i = 0, at = 0; i < n && i < 8; i++)
        at += (size_t)snprintf(hex + at, sizeof hex - at, "%s%02x", i ? " " : "", d[i]);
    return fr_fail(e, FROST_EFORMAT, "not a pickle or joblib file: it starts with the bytes %s, "
                   "neither a pickle protocol header nor a joblib compression header", hex);
}

/* ---- loading ----------------------------------------------------------------------------- */

/* `owned`, when not NULL, is data itself handed over by jl_load_file; it is freed on every
 * path (kept by the graph when the stream is raw). */
static int load_impl(const uint8_t *data, size_t len, const jl_options *opts, uint8_t *owned,
                     pk_graph **out, fr_err *e)
{
    pk_limits lim;
    pk_limits_resolve(&lim, opts ? opts->limits : NULL);
    size_t max_out = opts && opts->max_decompressed ? opts->max_decompressed : JL_DEFAULT_MAX;
    *out = NULL;

    uint8_t *stream = NULL;
    size_t slen = 0;
    size_t fail_at = 0;
    jl_container c;
    int rc = certainly_not_a_pickle(data, len, e);
    if (rc)
        goto free_owned;
    rc = jl_decompress(data, len, max_out, &c, &stream, &slen, e);
    if (rc) {
        rc = not_a_pickle(data, len, rc, 0, e);
        goto free_owned;
    }
    pk_graph *g = pk_graph_new(&lim, e);
    if (!g) {
        rc = FROST_ENOMEM;
        goto free_stream;
    }
    g->prov.container = (int)c;
    if (stream) {
        g->owned = stream;
        free(owned);
    } else {
        g->owned = owned;
        stream = (uint8_t *)(uintptr_t)data;
        slen = len;
    }
    g->side_dir = opts ? opts->side_dir : NULL;
    g->side_max = max_out;
    pk_obj *root;
    rc = pk_run(g, stream, slen, 0, &lim, 0, jl_build_hook, &fail_at, &root, e);
    /* a stream that came out of a compressor is a model file's, whose errors stand (and the
     * compressed input may be freed by now) */
    if (rc && stream == data)
        rc = not_a_pickle(data, len, rc, fail_at, e);
    else if (!rc)
        rc = pk_graph_check(root, lim.max_nesting, e);
    if (rc) {
        pk_graph_free(g);
        return rc;
    }
    g->root = root;
    *out = g;
    return 0;

free_stream:
    free(stream);
free_owned:
    free(owned);
    return rc;
}

int jl_load(const uint8_t *data, size_t len, const jl_options *opts, pk_graph **out, fr_err *e)
{
    return load_impl(data, len, opts, NULL, out, e);
}

int jl_folder_of(const char *path, char *dir, size_t cap)
{
    const char *slash = strrchr(path, '/');
    size_t n = !slash ? 0 : slash == path ? 1 : (size_t)(slash - path);
    if (!slash)
        return cap >= 2 ? (memcpy(dir, ".", 2), 0) : -1;
    if (n + 1 > cap)
        return -1;
    memcpy(dir, path, n);
    dir[n] = '\0';
    return 0;
}

int jl_load_file(const char *path, const jl_options *opts, pk_graph **out, fr_err *e)
{
    size_t max = opts && opts->max_decompressed ? opts->max_decompressed : JL_DEFAULT_MAX;
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return fr_fail(e, FROST_EIO, "cannot open %s: %s", path, strerror(errno));
    int rc;
    uint8_t *buf = NULL;
    struct stat st;
    if (fstat(fileno(f), &st) != 0) {
        rc = fr_fail(e, FROST_EIO, "cannot stat %s: %s", path, strerror(errno));
        goto close_file;
    }
    if (st.st_size < 0 || (uint64_t)st.st_size > max) {
        rc = fr_fail(e, FROST_ELIMIT, "%s is larger than %zu bytes (jl_options.max_decompressed)",
                     path, max);
        goto close_file;
    }
    size_t n = (size_t)st.st_size;
    buf = malloc(n ? n : 1);
    if (!buf) {
        rc = fr_fail(e, FROST_ENOMEM, "out of memory reading %s", path);
        goto close_file;
    }
    if (n && fread(buf, 1, n, f) != n) {
        rc = fr_fail(e, FROST_EIO, "cannot read %s", path);
        goto free_buf;
    }
    fclose(f);
    jl_options o = opts ? *opts : (jl_options){0};
    char dir[PATH_MAX];
    if (!o.side_dir && jl_folder_of(path, dir, sizeof dir) == 0)
        o.side_dir = dir;
    return load_impl(buf, n, &o, buf, out, e);

free_buf:
    free(buf);
close_file:
    fclose(f);
    return rc;
}
