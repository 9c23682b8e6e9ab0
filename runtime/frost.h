/*
 * frost.h — the one public header of libfrost.
 *
 * frost loads scikit-learn models stored in the .frost container (format/FORMAT.md) and scores
 * them natively, with predictions identical to scikit-learn's; its builder writes such files.
 * Converting pickle and joblib files is libfrost_import's (frost_import.h). Everything else in
 * the source tree is private.
 *
 * Conventions
 *  - Every call that can fail returns int: 0 (FROST_OK) or a negative FROST_E* code.
 *    frost_strerror(code) names the code; frost_errmsg(handle) gives the detail of the last
 *    failure on that handle ("block 17: checksum mismatch"), frost_errmsg(NULL) the detail of
 *    the last failed call on this thread that had no handle (frost_open, frost_builder_new).
 *  - Handles are opaque. Destructors accept NULL.
 *  - The caller allocates output buffers; the library allocates only what a constructor returns.
 *  - Strings returned by the library are borrowed: valid until the owning handle is closed.
 *  - A frost_model is thread-safe after frost_open returns: any number of threads may predict
 *    on it at once; lazily loaded blocks are loaded exactly once.
 */
#ifndef FROST_H
#define FROST_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define FROST_API __attribute__((visibility("default")))
#else
#define FROST_API
#endif

#define FROST_VERSION_MAJOR 0
#define FROST_VERSION_MINOR 1
#define FROST_VERSION_PATCH 0
#define FROST_VERSION_STRING "0.1.0"

/* ---- errors ------------------------------------------------------------------------------ */

enum frost_error {
    FROST_OK = 0,
    FROST_EINVAL = -1,       /* a bad argument from the caller */
    FROST_ENOMEM = -2,       /* an allocation failed */
    FROST_EIO = -3,          /* the operating system reported an I/O error */
    FROST_ECORRUPT = -4,     /* the file is damaged (checksum, bounds, structure) */
    FROST_EVERSION = -5,     /* the file needs a newer frost (major version) */
    FROST_EUNSUPPORTED = -6, /* valid, but not supported (a class, a mode, a feature) */
    FROST_EREFUSED = -7,     /* refused as unsafe (a pickle global outside the whitelist) */
    FROST_ETRUNCATED = -8,   /* the input ends before its own structure says it does */
    FROST_EFORMAT = -9,      /* the input is not in the expected format (pickle, CSV, …) */
    FROST_ESCHEMA = -10,     /* input columns do not match the model's feature schema */
    FROST_ELIMIT = -11,      /* a size, count or depth exceeds a safety bound */
    FROST_ESIGNATURE = -12,  /* a signature or digest that was required is missing, is by a key
                              * that was not given, or does not match the bytes */
};

/* The fixed name of an error code ("checksum mismatch or damaged file", …). Never NULL. */
FROST_API const char *frost_strerror(int code);

/* ---- allocation -------------------------------------------------------------------------- */

/* Optional allocator hook. All three functions must be given, or the struct not at all. */
typedef struct frost_allocator {
    void *(*malloc_fn)(void *ctx, size_t size);
    void *(*realloc_fn)(void *ctx, void *ptr, size_t size);
    void (*free_fn)(void *ctx, void *ptr);
    void *ctx;
} frost_allocator;

/* ---- opening a model --------------------------------------------------------------------- */

typedef struct frost_model frost_model;

typedef enum frost_io_mode {
    FROST_IO_AUTO = 0,  /* FROST_IO from the environment if set; else io_uring, or pread where
                         * io_uring is blocked (cached or not: see bench/README.md) */
    FROST_IO_URING = 1, /* batched io_uring reads; FROST_EUNSUPPORTED where io_uring is blocked */
    FROST_IO_PREAD = 2, /* one pread per run of blocks */
    FROST_IO_MMAP = 3,  /* map the whole file; uncompressed blocks are used in place */
    FROST_IO_REMOTE = 4, /* a URL: ranged HTTP(S)/S3 requests (what frost_model_info reports for
                          * one; as an option, AUTO does the same, and a file refuses it) */
} frost_io_mode;

typedef enum frost_load_mode {
    FROST_LOAD_LAZY = 0,  /* blocks are read on first use */
    FROST_LOAD_EAGER = 1, /* every block is read and verified by frost_open */
} frost_load_mode;

typedef enum frost_missing_policy {
    FROST_MISSING_ERROR = 0,  /* a missing input column is FROST_ESCHEMA, naming every one */
    FROST_MISSING_AS_NAN = 1, /* a missing column counts as all-missing (NaN / absent): the
                               * model's imputers then treat it exactly as scikit-learn would */
} frost_missing_policy;

/* An Ed25519 public key (a NAME.pub file: frost_public_key_load). */
typedef struct frost_public_key {
    uint8_t bytes[32];
} frost_public_key;

typedef struct frost_open_options {
    size_t size;                   /* sizeof(frost_open_options): set by frost_open_options_init */
    frost_io_mode io;              /* FROST_IO_AUTO by default */
    frost_load_mode load;          /* FROST_LOAD_LAZY by default */
    unsigned queue_depth;          /* io_uring entries; 0 = default (1024) */
    const frost_allocator *alloc;  /* NULL = malloc/realloc/free */
    frost_missing_policy missing_columns; /* for the frost_*_columns calls */
    /* Required signatures: with n_required_keys > 0 the file must carry a valid signature by
     * one of these keys (FORMAT.md "Signature trailer"), checked by frost_open before any block
     * is used; an unsigned file, one signed by another key, or one changed after signing is
     * refused with FROST_ESIGNATURE. The keys are copied. NULL/0: signatures are not checked. */
    const frost_public_key *required_keys;
    size_t n_required_keys;
    /* Models opened by URL (http://, https://, s3://). 0 (NULL) takes the environment's
     * FROST_REMOTE_ATTEMPTS, FROST_REMOTE_TIMEOUT (seconds), FROST_REMOTE_CONNECTIONS and
     * FROST_CACHE_DIR, else the default. frost's own memory for such a model goes through
     * alloc; libcurl's (connections, TLS) is libcurl's, through the C library. */
    unsigned remote_attempts;      /* tries per request, the first included (default 5) */
    unsigned remote_timeout_ms;    /* a request's whole life, retries and back-off included
                                    * (default 15000) */
    unsigned remote_connections;   /* requests in flight at once (default 64) */
    const char *remote_cache_dir;  /* fetched headers and blocks kept here; "" = no cache */
} frost_open_options;

FROST_API void frost_open_options_init(frost_open_options *opts);

/* Opens a .frost file: maps and validates the header only (lazy mode). opts may be NULL.
 * On failure *out is NULL and frost_errmsg(NULL) says why.
 *
 * path may also be a URL: http://, https:// (TLS verified against the system's CA store, or
 * FROST_CA_BUNDLE) or s3://BUCKET/KEY (AWS Signature Version 4 with AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN; AWS_REGION or AWS_DEFAULT_REGION, default
 * us-east-1; AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL for S3-compatible stores, path-style).
 * Opening reads the header with ranged requests; scoring then fetches only the blocks it needs.
 * The object is pinned by its ETag (or Last-Modified): once it changes, reads fail with "the
 * object changed since it was opened". The first URL a process opens loads
 * libfrost_remote.so (and libcurl) with dlopen: beside libfrost, else on the library path
 * (FROST_REMOTE_PLUGIN=PATH names it); a statically linked program cannot (use frost-remote). */
FROST_API int frost_open(const char *path, const frost_open_options *opts, frost_model **out);

/* Resolves a model registry reference (tools/registry/REGISTRY.md) without opening it:
 * ROOT/NAME@ALIAS, ROOT/NAME@VERSION and ROOT/NAME@latest give the path of the version's
 * model.frost in path (cap bytes, NUL included) and the version in *version (1, 2, …) — what
 * frost_open would open now. Anything else (a plain path, a file whose name holds an '@', a URL)
 * is copied to path unchanged with *version = 0. version may be NULL. What the reference names
 * changes when an alias is promoted or rolled back: resolving it again is how a server notices.
 * FROST_EINVAL for a reference that does not resolve (no such model, alias or version), the
 * codes of a damaged alias file, FROST_ELIMIT when path is too small; frost_errmsg(NULL) says
 * why. Reads a few small files, allocates nothing. */
FROST_API int frost_resolve(const char *ref, char *path, size_t cap, uint64_t *version);

/* Closes the model; waits for no I/O (none is in flight outside a call). NULL is accepted. */
FROST_API void frost_close(frost_model *model);

/* The detail of the last failure on model made by this thread (or, when this thread had none on
 * it, by any thread); NULL model: of the last call without a handle on this thread. The string
 * is a thread-local copy, valid until the next frost call on this thread. */
FROST_API const char *frost_errmsg(const frost_model *model);

/* The input row (0-based, within the failing call) that the failure frost_errmsg describes
 * concerns — a value a step refuses, an unknown category — or -1 when it concerns no row.
 * Such messages begin with "row N" (N = this + 1). */
FROST_API int64_t frost_error_row(const frost_model *model);

/* Reads and verifies every block now (what FROST_LOAD_EAGER does at open). */
FROST_API int frost_load_all(frost_model *model);

/* Checks every block's checksum and every tree's structure, reading from disk even if the block
 * is already loaded, and that every byte between blocks (FORMAT.md: page padding) is zero.
 * Returns FROST_ECORRUPT with the first damage found ("block 17: checksum mismatch"). For a
 * model whose signature was checked (a required key at open, or frost_signature_info_get), the
 * data region must also match its signed digest (FROST_ESIGNATURE otherwise). */
FROST_API int frost_verify(frost_model *model);

/* ---- signatures (Ed25519; FORMAT.md "Signature trailer") ---------------------------------- */

/* Reads a public key file (`frost keygen` writes NAME.pub: the line "frost ed25519 public key"
 * and the key in base64). FROST_EIO when it cannot be read, FROST_EFORMAT when it is not such a
 * file (frost_errmsg(NULL) says what is wrong). */
FROST_API int frost_public_key_load(const char *path, frost_public_key *out);

/* A key's short name, the hex of its first 8 bytes ("3f9a0c…", 16 characters and a NUL). */
FROST_API void frost_key_id(const frost_public_key *key, char out[17]);

typedef struct frost_signature_info {
    size_t size;                /* sizeof(frost_signature_info), set by the caller */
    int present;                /* the file carries a signature trailer */
    int verified;               /* 1: the signature is valid for this file's header */
    frost_public_key key;       /* the key that signed it (when verified) */
} frost_signature_info;

/* The model's signature, checked now: 0 with present = 0 for an unsigned file; 0 with verified
 * = 1 when it is valid under the key the trailer names, which is `key` — whether that key is one
 * to trust is the caller's question (frost_open_options.required_keys asks it at open);
 * FROST_ESIGNATURE when it is not valid (frost_errmsg: "tampered header: …"). After it (or a
 * required key at open) frost_verify also checks the data region's signed digest. */
FROST_API int frost_signature_info_get(frost_model *model, frost_signature_info *out);

/* ---- describing a model ------------------------------------------------------------------ */

typedef enum frost_task {
    FROST_TASK_CLASSIFIER = 1,
    FROST_TASK_REGRESSOR = 2,
} frost_task;

typedef struct frost_info {
    size_t size;           /* sizeof(frost_info), set by the caller */
    frost_task task;
    uint32_t n_features;   /* the estimator's features (with preprocessing: what the program
                            * makes; without: the input columns, = n_inputs) */
    uint32_t n_outputs;    /* 1 unless multi-output */
    uint32_t n_classes;    /* total class columns over all outputs (classifiers), else 0 */
    uint32_t n_trees;
    uint64_t n_nodes;      /* split nodes plus leaves, over all trees */
    uint32_t format_major;
    uint32_t format_minor;
    uint64_t file_size;
    uint64_t header_size;  /* the page-aligned prefix mapped at open */
    uint32_t block_size;
    uint32_t n_blocks;
    uint32_t n_chunks;
    frost_io_mode io;      /* the mode actually in use */
    uint32_t n_inputs;     /* input columns (with preprocessing: the raw columns it reads) */
    int has_preprocessing; /* a Pipeline / ColumnTransformer program runs before the estimator */
    int estimator;         /* 0 none (a saved transformer), 1 tree ensemble, 2 linear model,
                            * 3 a combination of members (Voting*, OneVsRestClassifier),
                            * 4 naive Bayes, 5 nearest centroid or k-means (a classifier of
                            * cluster numbers whose transform is the distances to the centres),
                            * 6 multi-layer perceptron (MLPClassifier, MLPRegressor) */
    uint32_t n_transform_outputs; /* columns frost_transform writes (the estimator's inputs) */
    int has_proba;         /* frost_predict_proba works (classifiers with probabilities) */
    uint32_t n_decision;   /* columns frost_decision_function writes; 0 when the model has no
                            * decision_function in scikit-learn */
    int has_score_samples; /* frost_score_samples works (IsolationForest) */
} frost_info;

FROST_API int frost_model_info(const frost_model *model, frost_info *out);

/* Class labels of one output, as stored ("0", "setosa", "2.5"); NULL when out of range. */
FROST_API uint32_t frost_class_count(const frost_model *model, uint32_t output);
FROST_API const char *frost_class_label(const frost_model *model, uint32_t output, uint32_t index);
/* The kind of a model's class labels (and of the labels a builder is given). */
typedef enum frost_label_kind {
    FROST_LABEL_INT = 1,
    FROST_LABEL_FLOAT = 2,
    FROST_LABEL_STR = 3,
    FROST_LABEL_BOOL = 4,
} frost_label_kind;

/* What the labels of one output are (FROST_LABEL_INT, _FLOAT, _STR, _BOOL: the kind of
 * scikit-learn's classes_), so a binding can give them back as such; 0 when out of range. */
FROST_API frost_label_kind frost_class_kind(const frost_model *model, uint32_t output);

/* Input column names (index < n_inputs); NULL when the model was trained without names
 * (columns are then positional). */
FROST_API const char *frost_feature_name(const frost_model *model, uint32_t index);

typedef enum frost_input_kind {
    FROST_INPUT_NUMERIC = 0, /* numbers; NaN = missing */
    FROST_INPUT_STRING = 1,  /* categories read as UTF-8 strings; absent = missing */
    FROST_INPUT_UNUSED = 2,  /* a column the model lists (feature_names_in_) but never reads
                              * (dropped by a ColumnTransformer): any value is accepted and
                              * ignored, and the column may be absent */
} frost_input_kind;

/* The kind of input column index (FROST_INPUT_NUMERIC when out of range). */
FROST_API frost_input_kind frost_input_kind_of(const frost_model *model, uint32_t index);

/* Names of the columns frost_transform writes (scikit-learn's get_feature_names_out()), or NULL
 * when the file does not record them. */
FROST_API const char *frost_output_name(const frost_model *model, uint32_t index);

/* Metadata recorded at conversion ("sklearn_version", "estimator", …); NULL when absent. */
FROST_API const char *frost_meta_get(const frost_model *model, const char *key);
FROST_API uint32_t frost_meta_count(const frost_model *model);
FROST_API int frost_meta_at(const frost_model *model, uint32_t index, const char **key,
                            const char **value);

/* What a metadata value's text is (FORMAT.md METADATA_TYPES): a string, a number (its JSON
 * text: "0.89", "42", "-1e-3") or a boolean ("true" / "false"). */
typedef enum frost_meta_type {
    FROST_META_STRING = 0,
    FROST_META_NUMBER = 1,
    FROST_META_BOOL = 2,
} frost_meta_type;

/* The type of metadata entry index (FROST_META_STRING when out of range). */
FROST_API frost_meta_type frost_meta_type_at(const frost_model *model, uint32_t index);

/* ---- scoring ----------------------------------------------------------------------------- */

/* X is row-major, n_rows × n_inputs doubles (frost_info.n_inputs: the raw input columns, which
 * a model with preprocessing transforms first; NaN = missing). Trees compare the float32 cast of
 * each value, as scikit-learn does.
 *
 * frost_predict writes n_rows × n_outputs doubles: for a classifier the index of the predicted
 * class in frost_class_label's list, for a regressor the predicted value.
 * frost_predict_proba (classifiers) writes n_rows × n_classes doubles, outputs side by side. */
FROST_API int frost_predict(frost_model *model, const double *X, size_t n_rows, double *out);
FROST_API int frost_predict_proba(frost_model *model, const double *X, size_t n_rows,
                                  double *out);

/* frost_decision_function writes n_rows × frost_info.n_decision doubles: scikit-learn's
 * decision_function — gradient boosting's raw scores, a linear classifier's X·coef + intercept,
 * a OneVsRestClassifier's members' decisions side by side — with one column for two classes;
 * an IsolationForest's score_samples less offset_ (negative for outliers). FROST_EINVAL for a model that has none (n_decision == 0: forests, trees, regressors, voting). */
FROST_API int frost_decision_function(frost_model *model, const double *X, size_t n_rows,
                                      double *out);

/* scikit-learn's score_samples, one number per row: an IsolationForest's opposite of the
 * anomaly score (the lower, the more abnormal). FROST_EINVAL for a model without it. */
FROST_API int frost_score_samples(frost_model *model, const double *X, size_t n_rows,
                                  double *out);

/* Typed, named columns — what a model with preprocessing (strings, missing values, columns
 * routed by name) takes. A string value is (ptr, len); ptr NULL means missing. */
typedef struct frost_string {
    const char *ptr;
    size_t len;
} frost_string;

typedef enum frost_column_type {
    FROST_COLUMN_DOUBLE = 1, /* double; NaN = missing */
    FROST_COLUMN_FLOAT = 2,  /* float; NaN = missing */
    FROST_COLUMN_INT64 = 3,  /* int64_t */
    FROST_COLUMN_STRING = 4, /* frost_string */
} frost_column_type;

typedef struct frost_column {
    const char *name;       /* the input column it feeds, by name; NULL: by position `index` */
    uint32_t index;         /* used when name is NULL */
    frost_column_type type;
    const void *values;     /* the first row's value */
    size_t stride;          /* values from one row to the next; 0 means 1 (contiguous) */
} frost_column;

/* Scores n_rows rows given as columns. Every input column of the model must be given (matched
 * by name, equal names in order; or by position) — a missing one is FROST_ESCHEMA naming all
 * missing columns; extra columns are ignored. Numeric inputs take DOUBLE/FLOAT/INT64 columns,
 * string inputs STRING columns. Outputs as frost_predict / frost_predict_proba. */
FROST_API int frost_predict_columns(frost_model *model, const frost_column *cols, size_t n_cols,
                                    size_t n_rows, double *out);
FROST_API int frost_predict_proba_columns(frost_model *model, const frost_column *cols,
                                          size_t n_cols, size_t n_rows, double *out);
FROST_API int frost_decision_function_columns(frost_model *model, const frost_column *cols,
                                              size_t n_cols, size_t n_rows, double *out);
FROST_API int frost_score_samples_columns(frost_model *model, const frost_column *cols,
                                          size_t n_cols, size_t n_rows, double *out);
/* Runs the preprocessing only: n_rows × n_transform_outputs doubles, as scikit-learn's
 * transform of the model (or of the pipeline without its final estimator) returns them. */
FROST_API int frost_transform(frost_model *model, const frost_column *cols, size_t n_cols,
                              size_t n_rows, double *out);

/* ---- statistics -------------------------------------------------------------------------- */

typedef struct frost_stats {
    size_t size;               /* sizeof(frost_stats), set by the caller */
    uint64_t submissions;      /* io_uring submissions (or pread batches) */
    uint64_t reads;            /* read requests issued to the kernel */
    uint64_t bytes_read;       /* bytes read from the file for blocks (not the header) */
    uint64_t blocks_loaded;    /* blocks made ready (read or mapped, verified, decompressed) */
    uint64_t blocks_verified;  /* block checksums computed */
    uint64_t header_bytes;     /* bytes of the header prefix mapped or read at open */
    /* Models opened by URL (0 for files): */
    uint64_t remote_requests;  /* HTTP requests sent, every retry included */
    uint64_t remote_bytes;     /* response bytes received (bodies, header included) */
    uint64_t remote_retries;   /* requests sent again after a failure */
    uint64_t cache_hits;       /* headers and blocks read from FROST_CACHE_DIR, not the network */
} frost_stats;

FROST_API int frost_get_stats(const frost_model *model, frost_stats *out);

/* ---- building models from arrays ---------------------------------------------------------- */

/* A builder collects an ensemble of decision trees given as scikit-learn's Tree arrays and
 * writes a .frost file. The importer (frost_convert) uses it; so can any program that has trees
 * from elsewhere. */
typedef struct frost_builder frost_builder;

typedef enum frost_ensemble_kind {
    FROST_ENSEMBLE_MEAN = 1,    /* forests and single trees: mean of per-tree outputs */
    FROST_ENSEMBLE_BOOSTED = 2, /* gradient boosting: init + Σ learning_rate × tree */
    FROST_ENSEMBLE_ISOLATION = 4, /* an isolation forest: leaves hold path lengths, summed into
                                   * score_samples; predict gives class 0 (outlier, -1) or 1 */
} frost_ensemble_kind;

typedef enum frost_link {
    FROST_LINK_IDENTITY = 0, /* regression: the raw score */
    FROST_LINK_LOGISTIC = 1, /* binary boosting: p1 = expit(raw), p0 = 1 - p1 */
    FROST_LINK_SOFTMAX = 2,  /* multi-class boosting: exp(raw - logsumexp(raw)) */
    FROST_LINK_EXP = 3,      /* boosting regressors with a log link: exp(raw) (Poisson, gamma) */
    FROST_LINK_SOFTMAX_NORM = 4, /* multi-class boosting: exp(raw - max) / Σ, as
                                  * sklearn.utils.extmath.softmax (HistGradientBoosting) */
} frost_link;

typedef struct frost_model_spec {
    size_t size;                /* sizeof(frost_model_spec) */
    frost_task task;
    frost_ensemble_kind kind;
    uint32_t n_features;
    uint32_t n_outputs;
    const uint32_t *n_classes;  /* per output (classifiers); NULL for regressors */
    /* MEAN classifiers: divide each tree's leaf row by its sum (per output) before averaging, as
     * DecisionTreeClassifier.predict_proba does. */
    int normalize_leaves;
    /* MEAN classifiers with one tree: predict takes the argmax of the raw leaf, as a single
     * DecisionTreeClassifier does (a forest takes it of the averaged probabilities). */
    int raw_argmax;
    /* BOOSTED only */
    double learning_rate;
    frost_link link;
    uint32_t n_raw;             /* raw score columns: 1, or n_classes for multi-class */
    const double *init_raw;     /* n_raw initial raw scores (the init estimator's output) */
    /* BOOSTED binary: the class is 1 when the raw score is >= 0 (scikit-learn >= 1.4), instead
     * of the larger of (1 - p, p) (older versions). */
    int sign_decision;
    /* Compare each input as a float64 with float64 thresholds, not its float32 cast, as
     * HistGradientBoosting's trees do; its trees may then hold categorical splits
     * (frost_tree_arrays.is_categorical). Format 1.3. */
    int exact_thresholds;
    /* BOOSTED multi-class: predict is the argmax of the probabilities rather than of the raw
     * scores (HistGradientBoostingClassifier.predict is argmax(predict_proba)). */
    int proba_argmax;
    /* ISOLATION: score_samples = -2^(-(Σ leaf values) / path_norm) (-0.5 when path_norm is 0),
     * decision = score_samples - offset (IsolationForest.offset_). */
    double path_norm;
    double offset;
} frost_model_spec;

/* One tree as scikit-learn keeps it (sklearn.tree._tree.Tree): node i is a leaf when
 * children_left[i] == -1. value holds node_count × value_width doubles; a leaf's row is its
 * prediction (class counts or fractions per output side by side, regression values, or a
 * boosting stage's value). missing_go_to_left may be NULL (NaN goes right). */
typedef struct frost_tree_arrays {
    size_t size;                     /* sizeof(frost_tree_arrays) */
    uint64_t node_count;
    const int64_t *children_left;
    const int64_t *children_right;
    const int64_t *feature;
    const double *threshold;
    const uint8_t *missing_go_to_left;
    const double *value;
    uint32_t value_width;            /* Σ n_classes (classifier), n_outputs (regressor), 1 (boosted) */
    uint32_t raw_column;             /* BOOSTED: the raw score column this tree adds to */
    /* Categorical splits (models with exact_thresholds only; NULL: none). is_categorical[i]
     * marks split i as one; categories_left holds node_count × 8 words, split i's 256-bit set
     * (category c is bit c % 32 of word c / 32): the categories that go left. The input is read
     * as a category as scikit-learn reads it (format/FORMAT.md); a missing value or one below 0
     * goes as missing_go_to_left says, so a category the tree never saw should be in the set
     * exactly when missing values go left. threshold is ignored for them. */
    const uint8_t *is_categorical;
    const uint32_t *categories_left;
} frost_tree_arrays;

typedef struct frost_write_options {
    size_t size;            /* sizeof(frost_write_options) */
    int compress;           /* 0 = none, 1 = lz4 (per block, kept raw when it does not shrink) */
    uint32_t block_shift;   /* log2 block size, 12..20; 0 = the smallest that fits (4 KiB
                               unless leaves are wider than ~2 KiB) */
    uint32_t top_levels;    /* levels of every tree packed into the shared top chunk; 0 = default */
    const frost_allocator *alloc; /* the builder's memory (copied); NULL = malloc/realloc/free */
} frost_write_options;

FROST_API void frost_write_options_init(frost_write_options *opts);

/* opts (may be NULL for defaults) fixes the layout: trees are encoded as they are added. */
FROST_API int frost_builder_new(const frost_model_spec *spec, const frost_write_options *opts,
                                frost_builder **out);
FROST_API void frost_builder_free(frost_builder *b);
/* The detail of the builder's last failure. */
FROST_API const char *frost_builder_errmsg(const frost_builder *b);
/* Validates and encodes one tree (copied; the arrays may be freed afterwards). */
FROST_API int frost_builder_add_tree(frost_builder *b, const frost_tree_arrays *tree);
/* Class labels of one output, as strings in class order (ints and floats printed in full). */
FROST_API int frost_builder_set_classes(frost_builder *b, uint32_t output, frost_label_kind kind,
                                        const char *const *labels, uint32_t count);
/* Feature names in column order (n_features of them). */
FROST_API int frost_builder_set_feature_names(frost_builder *b, const char *const *names);
/* Free-form metadata (UTF-8); a key set twice keeps the last value. */
FROST_API int frost_builder_set_meta(frost_builder *b, const char *key, const char *value);
/* The same with a type: a FROST_META_NUMBER value is a JSON number's text, a FROST_META_BOOL one
 * "true" or "false" (FROST_EINVAL otherwise). */
FROST_API int frost_builder_set_meta_typed(frost_builder *b, const char *key, const char *value,
                                           frost_meta_type type);
/* Writes the model. A regular file (or a new one) atomically: a temporary file in the same
 * directory, fsync, rename over path, so a failure leaves path as it was; a replaced file keeps
 * its permission bits. A symbolic link stays a link and the file it leads to is written so. A
 * device or FIFO (/dev/null, /dev/stdout) is written directly. Errors name path and strerror. */
FROST_API int frost_builder_write(frost_builder *b, const char *path);

/* ---- signing (FORMAT.md "Signature trailer") ---------------------------------------------- */

/* An Ed25519 secret key (libsodium's 64 bytes: seed, then public key). */
typedef struct frost_secret_key {
    uint8_t bytes[64];
} frost_secret_key;

/* Makes a key pair: NAME.key (the secret key, mode 0600) and NAME.pub (the public key), each
 * created whole and synced. Refuses (FROST_EREFUSED) when either file exists: a key is never
 * overwritten. pub may be NULL. Errors: frost_errmsg(NULL). */
FROST_API int frost_keygen(const char *name, frost_public_key *pub);

/* Reads a secret key file: FROST_EREFUSED when group or others may read it (chmod 600),
 * FROST_EFORMAT when it is not a frost secret key file or is damaged, FROST_EIO. */
FROST_API int frost_secret_key_load(const char *path, frost_secret_key *out);
/* The public half of a secret key. */
FROST_API int frost_secret_key_public(const frost_secret_key *key, frost_public_key *out);

/* Signs the .frost file in_path into out_path (NULL or in_path: in place) — written as
 * frost_builder_write writes, atomically. Only the superblock's flags, trailer and file sizes and
 * header digest change, and the trailer is added (or replaced, re-signing): predictions are
 * byte-identical. The input is validated as frost_open validates a header first. */
FROST_API int frost_sign(const char *in_path, const char *out_path, const frost_secret_key *key);

#ifdef __cplusplus
}
#endif

#endif
