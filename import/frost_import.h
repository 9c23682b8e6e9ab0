/*
 * frost_import.h — the public header of libfrost_import: scikit-learn models saved with pickle
 * or joblib, converted into .frost files without running anything they contain.
 *
 * The importer is a library of its own, beside libfrost: a process that only serves models
 * links libfrost and carries no pickle reader, no converter and no zlib, bzip2 or xz. One that
 * converts links both (pkg-config frost_import). The conventions are frost.h's: 0 or a negative
 * FROST_E* code, frost_strerror names it; the detail of a failure is frost_import_errmsg().
 */
#ifndef FROST_IMPORT_H
#define FROST_IMPORT_H

#include "frost.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One metadata entry a conversion adds (`frost convert --meta`). */
typedef struct frost_meta_entry {
    const char *key;       /* UTF-8, not one of the keys frost records itself (FORMAT.md) */
    const char *value;     /* a string; a number's JSON text; "true" or "false" */
    frost_meta_type type;
} frost_meta_entry;

typedef struct frost_convert_options {
    size_t size;                 /* sizeof(frost_convert_options) */
    frost_write_options write;   /* layout and compression of the output; its allocator is the
                                    builder's (the pickle reader's own memory is malloc's) */
    uint64_t max_decompressed;   /* bytes a compressed joblib file may expand to; 0 = 4 GiB */
    int64_t converted_at;        /* the time recorded as converted_at, in seconds since 1970
                                    (0 to FROST_CONVERTED_AT_MAX), for reproducible files (the
                                    CLI takes SOURCE_DATE_EPOCH); FROST_CONVERTED_NOW, the
                                    default, records the current time */
    /* added after the first release (size-versioned: older callers leave them zero) */
    /* Metadata of the caller's own, recorded beside frost's (FORMAT.md METADATA; frost inspect
     * lists it, frost_meta_get reads it): n_meta entries. An empty or repeated key, a key frost
     * records itself (sklearn_version, estimator, converted_at, frost_version, classes_dtype,
     * search_best_*, source_*), a value not of its type, more than FROST_CONVERT_META_MAX
     * entries or a key or value longer than FROST_CONVERT_META_LEN bytes is FROST_EINVAL. */
    const frost_meta_entry *meta;
    size_t n_meta;
    /* Checks of the source before anything in it is parsed, over the very bytes converted: */
    const uint8_t *expect_sha256; /* 32 bytes the source's SHA-256 must equal (the seed's
                                     model_hash.txt), or NULL */
    const uint8_t *source_signature; /* a detached RSA-PSS signature of the source (SHA-256,
                                        MGF1 with SHA-256, maximal salt: python cryptography's
                                        padding.PSS(MGF1(SHA256()), PSS.MAX_LENGTH)), or NULL */
    size_t source_signature_len;
    const char *source_public_key;   /* the RSA public key that signature must verify with, as
                                        PEM ("-----BEGIN PUBLIC KEY-----"); needed with it */
    size_t source_public_key_len;
} frost_convert_options;

#define FROST_CONVERTED_NOW (-1)
#define FROST_CONVERT_META_MAX 256
#define FROST_CONVERT_META_LEN 65536

#define FROST_CONVERTED_AT_MAX 253402300799LL /* 9999-12-31T23:59:59Z */

FROST_API void frost_convert_options_init(frost_convert_options *opts);

/* Converts a scikit-learn model saved with pickle or joblib (plain, zlib, gzip, bz2, xz, lzma,
 * lz4) into a .frost file without executing anything: the pickle is interpreted as data and every
 * global it names must be on a fixed list of scikit-learn/numpy types. opts may be NULL.
 * On failure no output file is left and frost_import_errmsg() says why:
 *   FROST_ESIGNATURE    the source's SHA-256 or RSA-PSS signature is not the expected one
 *                       (checked before the source is parsed)
 *   FROST_EREFUSED      the file references something that is not a scikit-learn/numpy type
 *                       ("refusing to import: pickle references posix.system, …")
 *   FROST_EUNSUPPORTED  a scikit-learn class frost does not convert ("not supported yet: …")
 *   FROST_EFORMAT       not a pickle or joblib file ("not a pickle or joblib file: it is
 *                       empty"), or a malformed one
 *   FROST_EINVAL        out_path is in_path, a hard link to it or a symbolic link to it
 *                       (checked before anything is written; the input is never touched)
 *   FROST_ETRUNCATED, FROST_ECORRUPT, FROST_ELIMIT, FROST_EIO, FROST_ENOMEM
 * out_path is written as frost_builder_write writes. Thread-safe: conversions share nothing. */
FROST_API int frost_convert(const char *in_path, const char *out_path,
                            const frost_convert_options *opts);

/* frost_convert for a pickle or joblib held in memory (what pickle.dumps returns): the same
 * reader, checks, conversion and output, without a file to read. data is only read, and only
 * during the call. name stands for the source in the metadata (source_file: its last path
 * component) and in messages; NULL is "<memory>". NULL data with a non-zero len or a NULL
 * out_path is FROST_EINVAL; an empty buffer is FROST_EFORMAT, as an empty file is. */
FROST_API int frost_convert_buffer(const void *data, size_t len, const char *name,
                                   const char *out_path, const frost_convert_options *opts);

/* The detail of this thread's last failed frost_convert or frost_convert_buffer ("" when it
 * succeeded). The string is the thread's own, valid until its next conversion. */
FROST_API const char *frost_import_errmsg(void);

#ifdef __cplusplus
}
#endif

#endif
