/*
 * joblib.h — reading model files as joblib.load reads them: detect the container, decompress it
 * into memory within a bound, and run the pickle reader in joblib mode.
 *
 * joblib (joblib/numpy_pickle.py, numpy_pickle_utils.py, compressor.py) writes a pickle in which
 * every numpy array is replaced by a NumpyArrayWrapper object whose raw bytes follow its BUILD
 * opcode in the stream (after an alignment pad in joblib >= 1.2); object arrays are a complete
 * nested pickle there instead. The whole stream may be compressed (zlib, gzip, bz2, xz, lzma,
 * lz4, or joblib < 0.9.3's "ZF" zlib). A plain pickle is also a valid joblib file, so this is the
 * one entry point for model files.
 *
 * joblib < 0.10 wrote each array to its own .npy file beside the pickle ("model.pkl_01.npy") and
 * left an NDArrayWrapper naming it in the stream; compressed, a "ZF" zlib file of the array's
 * bytes ("model.pkl_01.npy.z") and a ZNDArrayWrapper with the rest of numpy's state
 * (joblib/numpy_pickle_compat.py): those are read by the name the pickle holds — a plain file
 * name, from the pickle's own folder only (jl_options.side_dir), never through a symbolic link.
 *
 * Ownership: the pk_graph returned owns the decompressed stream (array data points into it).
 * For uncompressed input jl_load borrows `data`: keep it alive until pk_graph_free.
 * jl_load_file reads the file itself and hands the buffer to the graph.
 */
#ifndef FROST_IMPORT_JOBLIB_H
#define FROST_IMPORT_JOBLIB_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "pickle.h"

typedef enum jl_container {
    JL_RAW = 0,   /* an uncompressed pickle (or a joblib stream with in-line arrays) */
    JL_ZLIB,      /* 0x78 */
    JL_GZIP,      /* 1f 8b */
    JL_BZ2,       /* "BZh" + block size digit */
    JL_XZ,        /* fd 37 7a 58 5a 00 */
    JL_LZMA,      /* 5d 00 (the legacy .lzma "alone" format) */
    JL_LZ4,       /* 04 22 4d 18 (lz4 frame) */
    JL_ZFILE,     /* "ZF" + hex length + zlib (joblib < 0.9.3) */
} jl_container;

/* The container the first bytes announce (joblib numpy_pickle_utils._detect_compressor). */
jl_container jl_detect(const uint8_t *data, size_t len);
/* "raw", "zlib", … */
const char *jl_container_name(jl_container c);

typedef struct jl_options {
    const pk_limits *limits;   /* pickle VM limits; NULL = defaults */
    size_t max_decompressed;   /* bytes a compressed file may expand to; 0 = 4 GiB */
    const char *side_dir;      /* the folder of a joblib < 0.10 pickle's .npy files; NULL: such
                                * a file is refused (jl_load_file: the file's own folder) */
} jl_options;

/* Loads a joblib or pickle file image. opts may be NULL. Errors as pk_load, plus:
 *   FROST_EFORMAT     "not a pickle or joblib file: …" for an empty file, a .frost file, a zip
 *                     archive, or a file without a pickle header (0x80) or compressor magic
 *                     on which the reader stops within its first bytes (text, a CSV, noise);
 *                     the detail says which. Pickles and compressed files keep their errors.
 *   FROST_ELIMIT      the stream expands beyond max_decompressed (a decompression bomb)
 *   FROST_ECORRUPT    the compressed stream is damaged
 *   FROST_ETRUNCATED  the compressed stream, the pickle or an array's bytes end early
 *   FROST_EUNSUPPORTED a joblib < 0.10 file without side_dir; a side file whose array frost
 *                     cannot hold
 *   FROST_EIO          a side file that cannot be opened (missing, a link, not a regular file)
 *   FROST_EFORMAT      a side file that is no .npy (or ZF) file, or a name that is no plain name */
int jl_load(const uint8_t *data, size_t len, const jl_options *opts, pk_graph **out, fr_err *e);

/* The folder of path ("." for a bare name) into dir; -1 when it does not fit in cap. */
int jl_folder_of(const char *path, char *dir, size_t cap);

/* Reads `path` into memory and loads it (FROST_EIO when the file cannot be read); side files
 * come from path's folder unless opts->side_dir says otherwise. */
int jl_load_file(const char *path, const jl_options *opts, pk_graph **out, fr_err *e);

/* A .npy file's header (numpy/lib/format.py, versions 1.0 to 3.0), as jl_npy_parse reads it. The
 * descr is a type string ('<f8') or, for a structured array, a list of (name, type string)
 * pairs, read one by one with jl_npy_field; strings point into the parsed buffer. */
#define JL_NPY_MAX_DIMS 32
typedef struct jl_npy {
    const char *descr;          /* the type string, or NULL for a structured array */
    size_t descr_len;
    const char *fields;         /* structured: the list, from '[' to its end */
    size_t fields_len;
    size_t n_fields;
    int fortran_order;
    uint32_t ndim;
    uint64_t shape[JL_NPY_MAX_DIMS];
    size_t data_offset;         /* where the array's bytes start */
} jl_npy;

/* Parses the header of a .npy file image (len bytes); FROST_EFORMAT naming what is wrong,
 * FROST_EUNSUPPORTED for valid headers frost does not read (subarray or nested fields). */
int jl_npy_parse(const uint8_t *data, size_t len, jl_npy *out, fr_err *e);

/* The next (name, type string) of a structured descr: *at starts at 0 and advances; returns 1
 * with a field, 0 at the end (the header was checked by jl_npy_parse). */
int jl_npy_field(const jl_npy *h, size_t *at, const char **name, size_t *name_len,
                 const char **type, size_t *type_len);

/* Decompresses a whole container into a malloc'd buffer (*out, freed by the caller; for JL_RAW
 * a copy is not made: *out is NULL and the input is the stream). Exposed for tests and fuzzing. */
int jl_decompress(const uint8_t *data, size_t len, size_t max_out, jl_container *kind,
                  uint8_t **out, size_t *out_len, fr_err *e);

#endif
