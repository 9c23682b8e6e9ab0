/*
 * pk_internal.h — the private structures of the pickle reader, shared by its parts, from the
 * bottom up: pk_text.c (text as pickles hold it), whitelist.c (which globals are admitted and
 * what calling them builds), numpy_number.c (numbers as numpy stores them), pk_value.c (the
 * graph's arena and value accessors), numpy_array.c (array accessors), pk_dump.c,
 * numpy_decode.c (dtype/ndarray/scalar records), pk_vm.c (the VM) and joblib.c (the container
 * layer, which hooks into BUILD to read joblib's in-stream array bytes).
 *
 * Nothing here is for the converter: it uses pickle.h and joblib.h only.
 */
#ifndef FROST_IMPORT_PK_INTERNAL_H
#define FROST_IMPORT_PK_INTERNAL_H

#include <stdbool.h>

#include "endian.h"
#include "pickle.h"

/* ---- what an admitted global does when the stream calls it ------------------------------- */

typedef enum pk_role {
    PK_R_CLASS = 1,        /* an admitted class: calling it builds an inert object record */
    PK_R_VALUE,            /* admitted only as a value (numpy.float64 as a dtype parameter);
                              calling it is refused */
    PK_R_FACTORY,          /* a helper whose call builds an object of class `makes` (RandomState
                              constructors, numpy.ma's _mareconstruct) */
    PK_R_PYX_UNPICKLE,     /* Cython's __pyx_unpickle_X(cls, checksum, state) */
    PK_R_NP_RECONSTRUCT,   /* numpy.core.multiarray._reconstruct(ndarray, (0,), b'b') */
    PK_R_NP_SCALAR,        /* numpy.core.multiarray.scalar(dtype, bytes) */
    PK_R_NP_FROMBUFFER,    /* numpy.core.numeric._frombuffer(buf, dtype, shape, order[, axes]) */
    PK_R_NP_DTYPE,         /* numpy.dtype('f8', align, copy), completed by BUILD */
    PK_R_CODECS_ENCODE,    /* _codecs.encode(str, 'latin1'): protocol < 3 bytes */
    PK_R_COPYREG_RECON,    /* copyreg._reconstructor(cls, object, None): protocol 0/1 objects */
    PK_R_SET,              /* builtins.set(list) (protocol < 4 sets) */
    PK_R_FROZENSET,        /* builtins.frozenset(list) */
    PK_R_BYTES,            /* builtins.bytes() (protocol < 3 empty bytes) */
    PK_R_BYTEARRAY,        /* builtins.bytearray(bytes) (protocol < 5) */
    PK_R_ORDEREDDICT,      /* collections.OrderedDict(): becomes a plain ordered dict */
    PK_R_UFUNC_RECON,      /* numpy.core._ufunc_reconstruct(module, name): numpy < 1.20's
                            * pickled ufunc, admitted as GLOBAL module.name would be */
} pk_role;

/* One admitted global. `full` is "module.name", what pk_class_name reports. */
typedef struct pk_class {
    const char *module;
    const char *name;
    const char *full;
    pk_role role;
    const char *makes;     /* PK_R_FACTORY: full name of the class it builds */
} pk_class;

/* Checks a global named by the stream (bytes as stored; not NUL-terminated). Returns 0 and the
 * admitted entry (after mapping old module paths through the alias table), or fails with
 * FROST_EUNSUPPORTED ("not supported yet: …", a known scikit-learn class frost does not convert)
 * or FROST_EREFUSED ("refusing to import: pickle references …"). */
int pk_resolve_global(const char *module, size_t module_len, const char *name, size_t name_len,
                      const pk_class **out, fr_err *e);
/* The admitted entry whose full name is `full`; NULL when none. */
const pk_class *pk_class_by_full(const char *full);
/* The generated table of scikit-learn estimator classes (sklearn_classes.c): the canonical name
 * for a "module.qualname" as written (old paths included), or NULL when unknown. */
const char *pk_sklearn_known(const char *full);

/* ---- the graph: arena and values --------------------------------------------------------- */

typedef struct pk_chunk pk_chunk;

typedef struct pk_dtype pk_dtype;
typedef struct pk_ndarray pk_ndarray;
typedef struct pk_object pk_object;

/* Value flags. */
enum {
    PK_F_PY2STR = 1,     /* PK_BYTES from the STRING opcodes: a Python 2 str */
    PK_F_BYTEARRAY = 2,  /* PK_BYTES that was a bytearray */
    PK_F_FROZEN = 4,     /* PK_SET that is a frozenset */
    PK_F_ORDERED = 8,    /* PK_DICT that was a collections.OrderedDict */
};

struct pk_obj {
    uint8_t kind;        /* pk_kind */
    uint8_t flags;       /* PK_F_* */
    uint8_t walk;        /* pk_graph_check: 0 unseen, 1 on the current path, 2 done */
    uint32_t height;     /* pk_graph_check, once done: levels of objects below and including it */
    union {
        int64_t i;                                        /* bool, int */
        double f;                                         /* float */
        struct { const char *p; size_t n; } s;            /* str, bytes, bigint (digits/raw) */
        struct { pk_obj **v; size_t n; size_t cap; } seq; /* tuple, list, set; dict: 2n slots */
        const pk_class *g;                                /* global */
        pk_object *o;                                     /* object */
        pk_dtype *d;                                      /* dtype */
        pk_ndarray *a;                                    /* ndarray, scalar */
    } u;
};

struct pk_object {
    const pk_class *cls;  /* its class (canonical) */
    pk_obj *args;         /* constructor args tuple, or NULL */
    pk_obj *kwargs;       /* NEWOBJ_EX keyword args dict, or NULL */
    pk_obj **states;      /* every BUILD argument in order: attributes are looked up last first */
    size_t nstates;
    size_t capstates;
    pk_obj *listitems;    /* APPEND(S) given to the object itself, or NULL */
    pk_obj *dictitems;    /* SETITEM(S) given to the object itself, or NULL */
};

typedef struct pk_field {
    const char *name;       /* NUL-terminated (borrowed from the graph) */
    size_t name_len;
    const pk_dtype *dtype;  /* a finished dtype: fields never point back (see numpy.c) */
    uint64_t offset;        /* byte offset in the record; offset + itemsize <= record size */
} pk_field;

struct pk_dtype {
    char kind;              /* 'b' 'i' 'u' 'f' 'c' 'O' 'S' 'U' 'V' 'M' 'm' */
    char byteorder;         /* '<', '>', '|' */
    uint32_t itemsize;
    bool built;             /* BUILD applied (or not needed): immutable from then on */
    bool has_object;        /* holds Python objects anywhere (numpy's NPY_ITEM_HASOBJECT) */
    pk_field *fields;       /* structured: nfields named fields in `names` order */
    size_t nfields;
    const pk_dtype *sub_base; /* subarray dtype ('f8', (2, 3)): base and shape */
    uint64_t *sub_shape;
    uint32_t sub_ndim;
};

struct pk_ndarray {
    const pk_dtype *dtype;
    uint32_t ndim;
    uint64_t *shape;
    uint64_t count;         /* product of shape */
    bool fortran;           /* raw data in Fortran order */
    bool built;             /* data set (by BUILD, _frombuffer, scalar or joblib) */
    const uint8_t *data;    /* count * itemsize bytes (non-object dtypes) */
    size_t nbytes;
    pk_obj **items;         /* object dtype: count items in C order */
};

struct pk_graph {
    pk_chunk *chunks;       /* every arena chunk, freed together */
    pk_chunk *cur;          /* the chunk small allocations bump from */
    size_t used;            /* bytes malloc'd for the arena */
    size_t max_bytes;       /* pk_limits.max_memory */
    pk_obj *root;
    const char *refused;    /* survey mode: the first global a normal load refuses */
    pk_provenance prov;     /* what the stream shows of its writer */
    void *owned;            /* a buffer the graph frees (decompressed stream, read file) */
    const char *side_dir;   /* while loading: the folder of joblib < 0.10 side files, or NULL */
    size_t side_max;        /* while loading: bytes a compressed side file may expand to */
    pk_obj none;            /* shared singletons */
    pk_obj vtrue;
    pk_obj vfalse;
};

/* Arena allocation: zeroed, 16-byte aligned; NULL with FROST_ENOMEM / FROST_ELIMIT in e. */
void *pk_alloc(pk_graph *g, size_t n, fr_err *e);
pk_obj *pk_new(pk_graph *g, pk_kind kind, fr_err *e);
/* A str value copied into the arena (NUL-terminated). */
pk_obj *pk_new_str(pk_graph *g, const char *s, size_t n, fr_err *e);
/* A sequence value with room for n items (n set, items to be filled by the caller). */
pk_obj *pk_new_seq(pk_graph *g, pk_kind kind, size_t n, fr_err *e);
/* Appends to a list/set/tuple under construction, growing geometrically. */
int pk_seq_push(pk_graph *g, pk_obj *seq, pk_obj *item, fr_err *e);
pk_graph *pk_graph_new(const pk_limits *lim, fr_err *e);
/* Fills out from in (NULL = all defaults), zero fields taking their default. */
void pk_limits_resolve(pk_limits *out, const pk_limits *in);
/* Refuses a decoded graph with a path from root longer than max_nesting objects, or with a cycle
 * (pk_limits.max_nesting). Iterative, with a path stack of at most max_nesting entries. */
int pk_graph_check(pk_obj *root, unsigned max_nesting, fr_err *e);

/* ---- the VM ------------------------------------------------------------------------------ */

typedef struct pk_vm pk_vm;

/* Called after every BUILD with the stack top (which it may replace): joblib reads the array
 * bytes that follow a NumpyArrayWrapper here. */
typedef int (*pk_build_hook)(pk_vm *vm, pk_obj **top);

struct pk_vm {
    pk_graph *g;
    const pk_limits *lim;
    fr_err *e;
    const uint8_t *buf;     /* the whole stream buffer */
    size_t len;
    size_t pos;             /* next byte to read */
    size_t op_pos;          /* offset of the opcode being executed, for messages */
    unsigned depth;         /* 0 for the outer stream, +1 per nested stream */
    int proto;
    pk_build_hook build_hook;
    pk_obj **stack;
    size_t sp;
    size_t stack_cap;
    size_t *marks;
    size_t nmarks;
    size_t marks_cap;
    pk_obj **memo;
    size_t memo_cap;
    size_t memo_count;      /* defined memo entries: MEMOIZE's next index */
};

/* Runs one pickle stream from buf[start] to its STOP into graph g; *end gets the offset just
 * past STOP, or on failure the offset of the opcode that failed. The VM's own stack and memo
 * are freed before returning. */
int pk_run(pk_graph *g, const uint8_t *buf, size_t len, size_t start, const pk_limits *lim,
           unsigned depth, pk_build_hook hook, size_t *end, pk_obj **result, fr_err *e);

/* The "truncated pickle stream" error. */
int pk_truncated(pk_vm *vm);

/* ---- numpy records (numpy_decode.c) ------------------------------------------------------ */

/* What the admitted numpy globals build when called, and what BUILD does to their results. */
int pk_np_reconstruct(pk_vm *vm, const pk_obj *args, pk_obj **out);
int pk_np_scalar(pk_vm *vm, const pk_obj *args, pk_obj **out);
int pk_np_frombuffer(pk_vm *vm, const pk_obj *args, pk_obj **out);
int pk_np_dtype_new(pk_vm *vm, const pk_obj *args, pk_obj **out);
int pk_np_build_array(pk_vm *vm, pk_obj *arr, const pk_obj *state);
int pk_np_build_dtype(pk_vm *vm, pk_obj *dt, const pk_obj *state);
/* Reads a shape tuple (ints >= 0); count gets the product, checked for overflow. */
int pk_np_shape(pk_vm *vm, const pk_obj *t, uint32_t *ndim, uint64_t **shape, uint64_t *count);
/* A finished array over raw bytes (joblib): nbytes must equal count * itemsize. */
pk_obj *pk_np_array_raw(pk_vm *vm, const pk_dtype *dt, uint32_t ndim, uint64_t *shape,
                        uint64_t count, bool fortran, const uint8_t *data, size_t nbytes);

/* The record of an array or numpy scalar whose data is set, or NULL: nothing else may be read. */
static inline const pk_ndarray *pk_np_built(const pk_obj *o)
{
    if (!o || (o->kind != PK_NDARRAY && o->kind != PK_SCALAR) || !o->u.a->built)
        return NULL;
    return o->u.a;
}

/* ---- numbers as numpy stores them (numpy_number.c) --------------------------------------- */

/* One element, widened without loss. */
typedef struct pk_num {
    char cls;     /* 'i' signed, 'u' unsigned, 'f' float */
    int64_t i;
    uint64_t u;
    double f;
} pk_num;

/* The unsigned integer of `size` bytes at p, big-endian when order is '>', else little-endian. */
uint64_t pk_np_load_uint(const uint8_t *p, unsigned size, char order);
/* The element of dtype d at p; false for kinds that are no number (and long doubles). */
bool pk_np_load_num(const pk_dtype *d, const uint8_t *p, pk_num *out);
/* v as a double or an int64, exactly: FROST_ELIMIT when it does not fit. */
int pk_num_f64(const pk_num *v, double *out);
int pk_num_i64(const pk_num *v, int64_t *out);
/* The value of a numpy scalar or 0-d array (pk_get_int / pk_get_double). */
int pk_np_scalar_i64(const pk_obj *o, int64_t *out);
int pk_np_scalar_f64(const pk_obj *o, double *out);

/* ---- text (pk_text.c) -------------------------------------------------------------------- */

/* Writes code point cp (at most U+10FFFF) as UTF-8 into d (4 bytes of room); returns its length. */
size_t pk_utf8_put(char *d, uint32_t cp);
/* The Latin-1 bytes of a str's UTF-8 (n bytes of room in d; *len gets their count); false when
 * it holds a character beyond U+00FF. */
bool pk_latin1_from_utf8(const uint8_t *s, size_t n, uint8_t *d, size_t *len);
/* Python-visible names for messages: copies `n` bytes of `s` into dst with non-printable bytes
 * escaped, truncated to fit. */
void pk_printable(char *dst, size_t cap, const char *s, size_t n);

#endif
