/*
 * pickle.h — a pickle reader that decodes data and never runs anything.
 *
 * frost imports scikit-learn models that people saved with pickle or joblib. Unpickling them with
 * Python would execute whatever the file names, so this reader interprets the pickle opcodes
 * (protocols 0–5, CPython Lib/pickle.py and Lib/pickletools.py) as a description of data only:
 *
 *  - Every global the stream names (GLOBAL, STACK_GLOBAL, INST) is checked against a table of
 *    exact (module, qualname) pairs at that opcode (whitelist.c). A known scikit-learn class that
 *    frost does not convert stops the load with FROST_EUNSUPPORTED ("not supported yet: …"),
 *    anything else with FROST_EREFUSED ("refusing to import: pickle references …").
 *  - REDUCE / NEWOBJ / OBJ / INST / BUILD on an admitted global build inert records: numpy
 *    arrays, dtypes and scalars are decoded into pk_ndarray-like values (numpy_decode.c),
 *    scikit-learn classes become an object record holding the class name, the constructor
 *    arguments and the state BUILD gave it. Nothing is ever called.
 *  - Every length is checked against the bytes left before anything is allocated; the stack,
 *    marks, memo and memory have limits (pk_limits); the interpreter is a loop, not a recursion.
 *
 * Ownership: everything a load produces lives in one pk_graph (an arena) and is released by
 * pk_graph_free. Objects are `const pk_obj *` handles valid until then. Array data and bytes may
 * point into the input buffer without copying, so the caller keeps the input alive until
 * pk_graph_free too (jl_load_file and the decompressing paths of jl_load hand their buffer to
 * the graph, so there the graph owns it).
 *
 * Errors follow format/err.h: 0 or a negative FROST_E* code, detail in the fr_err.
 *
 * How a converter reads a model (joblib.h loads files; everything below is read-only):
 *
 *     pk_graph *g;
 *     if ((rc = jl_load_file(path, NULL, &g, &err)))
 *         return rc;                              // refused / unsupported / truncated …
 *     const pk_obj *est = pk_graph_root(g);
 *     if (pk_is_class(est, "sklearn.ensemble._forest.RandomForestClassifier")) {
 *         const pk_obj *trees = pk_attr(est, "estimators_");    // list (object ndarray in GB)
 *         const pk_obj *tree = pk_attr(pk_item(trees, 0), "tree_");   // sklearn.tree._tree.Tree
 *         const pk_obj *nodes = pk_attr(tree, "nodes");        // structured ndarray
 *         pk_array_info ni;
 *         pk_array_info_get(nodes, &ni);                       // ni.count == node_count
 *         pk_array_get_i64(nodes, "left_child", left, ni.count, &err);
 *         pk_array_get_f64(nodes, "threshold", thr, ni.count, &err);
 *         // values: (node_count, n_outputs, max_n_classes) doubles in C order
 *         pk_array_get_f64(pk_attr(tree, "values"), NULL, val, count, &err);
 *         // n_features, n_classes, n_outputs: pk_item(pk_obj_args(tree), 0 / 1 / 2)
 *     }
 *     pk_graph_free(g);
 */
#ifndef FROST_IMPORT_PICKLE_H
#define FROST_IMPORT_PICKLE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "err.h"
#include "frost.h" /* the importer reports the public FROST_E* codes */

/* ---- limits ------------------------------------------------------------------------------ */

/* Bounds on what one load may use. Zero in any field means "the default" (pk_limits_default). */
typedef struct pk_limits {
    size_t max_stack;   /* values on the VM stack at once (default 1 Mi) */
    size_t max_marks;   /* MARKs open at once, i.e. nesting of MARK-built containers (4096) */
    size_t max_memo;    /* memo slots; a PUT/GET index at or above this is refused (4 Mi) */
    size_t max_memory;  /* bytes of the graph's arena, objects and copies included (2 GiB) */
    unsigned max_depth; /* nested pickle streams (joblib object arrays) inside the outer one (2) */
    /* Objects inside objects along any path from the root (1000), and no object may contain
     * itself: checked once the stream is decoded, so consumers that follow the graph
     * recursively (the converter does) meet neither deep nor endless paths. CPython's pickler
     * recurses once per level and stops at its recursion limit, 1000 by default, so no model
     * pickled with default settings comes near; and no scikit-learn model contains a cycle. */
    unsigned max_nesting;
    /* Survey mode, for error messages only: a global outside the table is recorded as an inert
     * class token (never called, like every admitted class) instead of stopping the load, so
     * the caller can find *where* in the model the refused name sits (pk_graph_refused names the
     * first one). A survey graph must never be converted. Off (0) by default. */
    unsigned survey;
} pk_limits;

void pk_limits_default(pk_limits *lim);

/* ---- loading ----------------------------------------------------------------------------- */

typedef struct pk_graph pk_graph;
typedef struct pk_obj pk_obj;

/* Decodes one plain pickle stream (up to its STOP; trailing bytes are ignored, as pickle.load
 * ignores them). lim may be NULL. On success *out owns the result; on failure *out is NULL and
 * e says why:
 *   FROST_EREFUSED     a global outside the whitelist (message names it)
 *   FROST_EUNSUPPORTED a scikit-learn class frost does not convert, or a pickle feature frost
 *                      does not accept (persistent ids, extension registry, out-of-band buffers)
 *   FROST_ETRUNCATED   the stream ends before STOP
 *   FROST_EFORMAT      not a well-formed pickle (bad opcode, stack misuse, wrong argument types)
 *   FROST_ELIMIT       a pk_limits bound was hit
 *   FROST_ENOMEM       an allocation failed
 * Joblib files (arrays stored after their NumpyArrayWrapper, compression) go through jl_load in
 * joblib.h, which accepts plain pickles too; use that for files. */
int pk_load(const uint8_t *data, size_t len, const pk_limits *lim, pk_graph **out, fr_err *e);

/* Releases the graph, every object in it and any buffer it owns. NULL is accepted. */
void pk_graph_free(pk_graph *g);

/* The object the stream's STOP returned. */
const pk_obj *pk_graph_root(const pk_graph *g);

/* Survey mode: the full name of the first global that a normal load would have refused or
 * reported as unsupported; NULL when there was none. */
const char *pk_graph_refused(const pk_graph *g);

/* Bytes of arena memory the graph uses (for diagnostics and limit tuning). */
size_t pk_graph_memory(const pk_graph *g);

/* What the stream shows of the software that wrote it, for the metadata. */
typedef struct pk_provenance {
    int protocol;       /* the outer stream's PROTO (2..5), or -1 without one (protocol 0 or 1) */
    int numpy_major;    /* 2 when it names numpy._core.*, 1 for numpy.core.*, 0 neither */
    int container;      /* jl_container (joblib.h) of the file */
    unsigned wrappers;  /* joblib NumpyArrayWrapper arrays (joblib >= 0.10) */
    int aligned;        /* wrappers carry numpy_array_alignment_bytes (joblib >= 1.2) */
} pk_provenance;
const pk_provenance *pk_graph_provenance(const pk_graph *g);

/* ---- values ------------------------------------------------------------------------------ */

typedef enum pk_kind {
    PK_NONE = 1,
    PK_BOOL,
    PK_INT,       /* fits in int64 */
    PK_BIGINT,    /* an int outside int64: kept as a flag only, pk_get_int fails with ELIMIT */
    PK_FLOAT,
    PK_STR,       /* UTF-8 as stored, NUL-terminated copy (may contain NULs; use the length) */
    PK_BYTES,     /* bytes or bytearray; Python 2 `str` (STRING/BINSTRING opcodes) too */
    PK_TUPLE,
    PK_LIST,
    PK_DICT,      /* ordered (key, value) pairs as the stream set them; duplicates are kept */
    PK_SET,       /* set and frozenset; items in stream order, duplicates kept */
    PK_GLOBAL,    /* a class or function name used as a value (e.g. numpy.float64) */
    PK_OBJECT,    /* an instance of an admitted class: class, args, state */
    PK_DTYPE,     /* numpy.dtype */
    PK_NDARRAY,   /* numpy.ndarray */
    PK_SCALAR,    /* numpy scalar (numpy.float64(1.5)); also usable as a 0-d array */
} pk_kind;

pk_kind pk_kind_of(const pk_obj *o);
/* "none", "int", "ndarray", …: for messages. */
const char *pk_kind_name(pk_kind k);

/* Scalars. Each returns 0, or FROST_EFORMAT when o is not of a fitting kind (NULL included), or
 * FROST_ELIMIT when the value does not fit. pk_get_int accepts bool, int and integer/bool numpy
 * scalars (and 0-d arrays); pk_get_double accepts those plus float and float numpy scalars, and
 * fails on an int that is not exactly representable as a double. */
int pk_get_bool(const pk_obj *o, int *out);
int pk_get_int(const pk_obj *o, int64_t *out);
int pk_get_double(const pk_obj *o, double *out);
int pk_is_none(const pk_obj *o);

/* A str's UTF-8 bytes (NUL-terminated) and length; NULL when o is not a str. Python 2 str
 * values (PK_BYTES from the STRING opcodes) are accepted too, as they are in names and keys. */
const char *pk_str(const pk_obj *o, size_t *len);
/* Compares a str to a C string. */
int pk_str_eq(const pk_obj *o, const char *s);
/* Bytes (PK_BYTES) and their length; NULL otherwise. May point into the input buffer. */
const uint8_t *pk_bytes(const pk_obj *o, size_t *len);

/* Containers. pk_len: items of a tuple/list/set, pairs of a dict, 0 for anything else.
 * pk_item: item i of a tuple/list/set (NULL when out of range or not a sequence).
 * pk_dict_key / pk_dict_value: pair i of a dict.
 * pk_dict_get: the value of the last pair whose key is the str `key` (later SETITEMs win, as in
 * Python), NULL when absent or when d is not a dict. */
size_t pk_len(const pk_obj *o);
const pk_obj *pk_item(const pk_obj *o, size_t i);
const pk_obj *pk_dict_key(const pk_obj *d, size_t i);
const pk_obj *pk_dict_value(const pk_obj *d, size_t i);
const pk_obj *pk_dict_get(const pk_obj *d, const char *key);

/* Globals and objects. pk_class_name gives the canonical "module.qualname" (old scikit-learn
 * module paths are mapped to the current ones, e.g. sklearn.tree.tree.DecisionTreeClassifier →
 * sklearn.tree._classes.DecisionTreeClassifier) of a PK_OBJECT's class or of a PK_GLOBAL; NULL
 * for other kinds. */
const char *pk_class_name(const pk_obj *o);
int pk_is_class(const pk_obj *o, const char *qualified);

/* An object's attribute: the value of `name` in the state its BUILDs gave it (a state dict, or
 * the (dict, slots) pair), the latest BUILD winning; NULL when absent or o is not an object.
 * This is where estimators keep everything (`n_estimators`, `tree_`, `_sklearn_version`, …). */
const pk_obj *pk_attr(const pk_obj *o, const char *name);
/* The constructor arguments (a tuple, from REDUCE/NEWOBJ/OBJ/INST), keyword arguments (a dict,
 * NEWOBJ_EX) and state (the last BUILD argument); NULL when there were none. Tree keeps
 * (n_features, n_classes, n_outputs) in its args. */
const pk_obj *pk_obj_args(const pk_obj *o);
const pk_obj *pk_obj_kwargs(const pk_obj *o);
const pk_obj *pk_obj_state(const pk_obj *o);
/* Items given to the object itself by APPEND(S) (list subclasses) and SETITEM(S) (dict
 * subclasses such as Bunch): a list / a dict, or NULL. */
const pk_obj *pk_obj_listitems(const pk_obj *o);
const pk_obj *pk_obj_dictitems(const pk_obj *o);

/* ---- numpy arrays ------------------------------------------------------------------------ */

#define PK_MAX_NDIM 64

/* What an ndarray (or numpy scalar, as a 0-d array) holds. Element order in every copy below is
 * C order (row-major over `shape`) whatever the storage order. */
typedef struct pk_array_info {
    uint32_t ndim;
    const uint64_t *shape;  /* ndim extents (borrowed from the graph) */
    uint64_t count;         /* elements: the product of shape (1 for a 0-d array) */
    char kind;              /* numpy dtype.kind: 'b' 'i' 'u' 'f' 'c' 'O' 'S' 'U' 'V' 'M' 'm' */
    char byteorder;         /* '<', '>' or '|' (not applicable) */
    uint32_t itemsize;      /* bytes per element */
    int fortran;            /* stored in Fortran order */
    size_t nfields;         /* structured dtype: number of named fields, else 0 */
} pk_array_info;

/* Fills *out for a PK_NDARRAY or PK_SCALAR; FROST_EFORMAT otherwise. */
int pk_array_info_get(const pk_obj *a, pk_array_info *out);
/* The name of field i of a structured array (NULL when out of range). */
const char *pk_array_field_name(const pk_obj *a, size_t i);
int pk_array_has_field(const pk_obj *a, const char *field);

/* Field i of a structured array: where it sits in each record and what it holds. */
typedef struct pk_field_info {
    const char *name;       /* NUL-terminated, borrowed from the graph */
    uint64_t offset;        /* byte offset inside the record */
    char kind;              /* dtype.kind of the field ('V' when itself structured) */
    char byteorder;         /* '<', '>' or '|' */
    uint32_t itemsize;      /* bytes */
} pk_field_info;

/* FROST_EFORMAT when a is not a structured array or i is out of range. */
int pk_array_field_info(const pk_obj *a, size_t i, pk_field_info *out);

/* Copy the array's elements (or, with field != NULL, one field of a structured array) into a
 * caller-provided buffer of exactly `count` elements, in C order, converted to native (on
 * frost's platforms: little-endian) double / int64 from any byte order and storage order:
 *   f64: from bool, int/uint (exactly representable only), float16/32/64, and object arrays whose
 *        items are Python or numpy numbers;
 *   i64: from bool, int/uint (in range), float holding an integral value in range, object arrays
 *        of ints.
 * Returns FROST_EFORMAT (wrong kind or field, with a message), FROST_ELIMIT (a value out of
 * range), FROST_EINVAL (count does not match). */
int pk_array_get_f64(const pk_obj *a, const char *field, double *dst, size_t count, fr_err *e);
int pk_array_get_i64(const pk_obj *a, const char *field, int64_t *dst, size_t count,
                     fr_err *e);

/* Element i (C order) of an object array (NULL when not an object array or out of range). */
const pk_obj *pk_array_item(const pk_obj *a, uint64_t i);

/* Element i (C order) of a string array as UTF-8 into dst (cap bytes, NUL-terminated): works for
 * 'U' (UTF-32) and 'S' arrays and for object arrays holding str. *len gets the length. Returns
 * FROST_EFORMAT for other kinds, FROST_ELIMIT when cap is too small. */
int pk_array_get_str(const pk_obj *a, uint64_t i, char *dst, size_t cap, size_t *len, fr_err *e);

/* The raw bytes of a non-object array as stored (storage order, the dtype's byte order; may be
 * unaligned and may point into the input). NULL for object arrays. */
const uint8_t *pk_array_raw(const pk_obj *a, size_t *nbytes);

/* ---- debugging --------------------------------------------------------------------------- */

/* Writes a readable outline of o to f, at most max_depth levels deep and max_items items per
 * container; cycle-safe because depth-bounded. For tests and for writing converters. */
void pk_dump(const pk_obj *o, FILE *f, unsigned max_depth, size_t max_items);

#endif
