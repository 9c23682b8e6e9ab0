/*
 * format.h — the .frost container, version 1 (format/FORMAT.md), as C: constants, the parsed
 * header, the tree encoding, block verification and the serializer.
 *
 * format/ does no I/O and keeps no globals: it validates (pointer, length) pairs and emits bytes
 * through a callback. The runtime decides how bytes reach memory (mmap, pread, io_uring); the
 * format decides whether they may be trusted.
 */
#ifndef FROST_FORMAT_H
#define FROST_FORMAT_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "alloc.h"
#include "bytes.h"
#include "endian.h"
#include "err.h"
#include "layout.h"

#define FMT_MAJOR 1
#define FMT_MINOR 3
#define FMT_PAGE 4096u
/* The largest header a reader maps (FORMAT.md superblock: header_size at most 1 GiB). */
#define FMT_MAX_HEADER (UINT64_C(1) << 30)
#define FMT_MAX_SECTIONS 256u
#define FMT_MIN_BLOCK_SHIFT 12u
#define FMT_MAX_BLOCK_SHIFT 20u
#define FMT_NONE 0xFFFFFFFFu

extern const uint8_t fmt_magic[8];
extern const uint8_t fmt_end_magic[8];

/* The numbers FORMAT.md gives these fields (runtime/frost.h's public enums share them, which
 * runtime/error.c asserts). */
enum fmt_task { FMT_TASK_CLASSIFIER = 1, FMT_TASK_REGRESSOR = 2 };
enum fmt_ens_kind { FMT_ENS_MEAN = 1, FMT_ENS_BOOSTED = 2, FMT_ENS_ISOLATION = 4 };
/* EXP and SOFTMAX_NORM are 1.3's (HistGradientBoosting's log link and extmath.softmax). */
enum fmt_link { FMT_LINK_IDENTITY = 0, FMT_LINK_LOGISTIC = 1, FMT_LINK_SOFTMAX = 2,
                FMT_LINK_EXP = 3, FMT_LINK_SOFTMAX_NORM = 4 };
enum fmt_label_kind { FMT_LABEL_INT = 1, FMT_LABEL_FLOAT = 2, FMT_LABEL_STR = 3,
                      FMT_LABEL_BOOL = 4 };

enum fmt_section_type {
    FMT_SEC_BLOCKS = 1,
    FMT_SEC_CHUNKS = 2,
    FMT_SEC_ENSEMBLE = 3,
    FMT_SEC_FEATURES = 4,
    FMT_SEC_CLASSES = 5,
    FMT_SEC_METADATA = 6,
    FMT_SEC_PROGRAM = 7,
    FMT_SEC_LINEAR = 8,
    FMT_SEC_COMBINE = 9,
    FMT_SEC_CHECKS = 10,
    FMT_SEC_METADATA_TYPES = 11,
    FMT_SEC_BAYES = 12,
    FMT_SEC_CENTROIDS = 13,
    FMT_SEC_MLP = 14,
    FMT_SEC_TARGET = 15,
};
/* Section types this version knows are 1 .. FMT_SEC_COUNT - 1 (header.c lists which of them
 * it parses; a number without a parser is unknown). */
#define FMT_SEC_COUNT 16

/* METADATA_TYPES: what each METADATA value's text is (FORMAT.md). */
enum fmt_meta_type { FMT_META_STRING = 0, FMT_META_NUMBER = 1, FMT_META_BOOL = 2 };
/* The longest number text a typed value may have. */
#define FMT_META_NUMBER_MAX 64

/* ENSEMBLE kind 3: the tree table of a COMBINE's tree members (aggregation is per member) */
#define FMT_ENS_MEMBERS 3u

enum fmt_codec { FMT_CODEC_NONE = 0, FMT_CODEC_LZ4 = 1 };
enum fmt_chunk_kind { FMT_CHUNK_TOP = 1, FMT_CHUNK_BODY = 2 };

/* ENSEMBLE flags */
#define FMT_ENS_NORMALIZE_LEAVES 0x1u
#define FMT_ENS_SIGN_DECISION 0x2u
#define FMT_ENS_RAW_ARGMAX 0x4u
#define FMT_ENS_WIDE_SPLITS 0x8u   /* 1.3: wide split nodes, float64 comparisons, categories */
#define FMT_ENS_PROBA_ARGMAX 0x10u /* 1.3: the class is the argmax of the probabilities */
#define FMT_ENS_KNOWN_FLAGS 0x1Fu

/* Tree encoding (FORMAT.md "Tree space, nodes and refs") */
#define FMT_NODE_SIZE FMT_SPLIT_NODE
#define FMT_REF_NODE 0u
#define FMT_REF_LEAF 1u
#define FMT_FEATURE_MASK 0x00FFFFFFu
#define FMT_NAN_LEFT 0x80000000u
#define FMT_FEATURE_RESERVED 0x7F000000u
/* Wide split nodes (1.3, WIDE_SPLITS): f64 threshold, word, left, right, reserved; a categorical
 * one (word bit 30) is followed by its 256-bit category set. */
#define FMT_WIDE_NODE_SIZE FMT_WIDE_SPLIT_NODE
#define FMT_CAT_SET_SIZE 32u
#define FMT_CAT_NODE_SIZE (FMT_WIDE_NODE_SIZE + FMT_CAT_SET_SIZE)
#define FMT_CATEGORICAL 0x40000000u
#define FMT_WIDE_FEATURE_RESERVED 0x3F000000u

static inline uint32_t fmt_ref_kind(uint32_t ref) { return ref & 7u; }
static inline uint32_t fmt_ref_offset(uint32_t ref) { return ref & ~7u; }

/* One entry of the block table, decoded (fmt_block_at). */
typedef struct fmt_block {
    uint64_t offset;      /* file offset of the stored bytes */
    uint32_t stored_size; /* bytes on disk */
    uint32_t raw_size;    /* bytes after decompression */
    uint8_t codec;        /* enum fmt_codec */
    uint64_t checksum;    /* XXH3-64 of the stored bytes */
} fmt_block;

typedef struct fmt_chunk {
    uint32_t kind;        /* enum fmt_chunk_kind */
    uint32_t first_block; /* index into the block table */
    uint32_t block_count; /* ≥ 1 */
    uint64_t raw_size;    /* Σ raw_size of its blocks */
    uint64_t offset;      /* file offset of its first block (derived) */
    uint64_t stored_size; /* Σ stored_size of its blocks (derived) */
} fmt_chunk;

typedef struct fmt_tree {
    uint64_t top_offset;  /* start of the top part in the top chunk */
    uint32_t top_size;    /* bytes of the top part */
    uint32_t body_chunk;  /* chunk index, or FMT_NONE */
    uint64_t body_offset; /* start of the body in its chunk */
    uint32_t body_size;   /* bytes of the body */
    uint32_t raw_column;  /* BOOSTED: score column */
    uint32_t root;        /* ref of the root (offset 0): derived from n_splits */
    uint32_t n_splits;
    uint32_t n_leaves;
    uint32_t leaf_width;  /* derived: f64 values per leaf (the ENSEMBLE's, or its member's) */
    uint32_t n_features;  /* derived: features its splits may test */
    uint32_t wide;        /* derived: its splits are wide nodes (the aggregation's WIDE_SPLITS) */
} fmt_tree;

typedef struct fmt_labels {
    uint32_t kind;        /* enum fmt_label_kind */
    uint32_t count;
    char **labels;        /* NUL-terminated copies */
} fmt_labels;

/* ---- preprocessing programs and linear estimators (FORMAT.md PROGRAM, LINEAR) --------------- */

enum fmt_opcode {
    FMT_OP_IMPUTE = 1,
    FMT_OP_IMPUTE_STR = 2,
    FMT_OP_INDICATOR = 3,
    FMT_OP_SCALE = 4,
    FMT_OP_ENCODE = 5,
    FMT_OP_NORMALIZE = 6,
    FMT_OP_POLY = 7,
    FMT_OP_BINS = 8,
    FMT_OP_UFUNC = 9, /* 1.3 */
    FMT_OP_PROJECT = 10, /* 1.3 */
};
/* UFUNC's functions (FORMAT.md): the numpy ufuncs a FunctionTransformer may name. */
enum fmt_ufunc {
    FMT_UF_LOG = 1,
    FMT_UF_LOG1P = 2,
    FMT_UF_EXP = 3,
    FMT_UF_EXPM1 = 4,
    FMT_UF_SQRT = 5,
    FMT_UF_SQUARE = 6,
    FMT_UF_ABS = 7,
    FMT_UF_RECIPROCAL = 8,
    FMT_UF_MAX = 8,
};
/* Slot kinds; FEATURES uses the same numbers. UNUSED (1.2) is an input nothing reads. */
enum fmt_slot_kind { FMT_SLOT_NUM = 0, FMT_SLOT_STR = 1, FMT_SLOT_UNUSED = 2 };
enum fmt_linear_rule {
    FMT_LIN_IDENTITY = 1,
    FMT_LIN_LOGISTIC = 2,
    FMT_LIN_OVR = 3,
    FMT_LIN_SOFTMAX = 4,
    FMT_LIN_BINARY_SOFTMAX = 5,
    FMT_LIN_DECISION = 6,
};

/* One operation. Which fields are used depends on opcode (FORMAT.md's table); unused pointers
 * are NULL. Everything is owned by the program that holds the op. */
typedef struct fmt_op {
    uint32_t opcode;
    uint32_t n_in;
    uint32_t n_out;
    uint32_t *in;          /* n_in input slots */
    double *a;             /* IMPUTE: fills (n_in); SCALE: a (n_in) */
    double *b;             /* SCALE: b (n_in) */
    char **strs;           /* IMPUTE_STR: fills (n_in); ENCODE kind 1: categories (n_cat) */
    uint32_t mode;         /* SCALE: 0 (x - a) / b, 1 x * a + b, 2 x * a */
    uint32_t clip;         /* SCALE: clip to [lo, hi] */
    double lo, hi;
    uint32_t norm;         /* NORMALIZE: 1 l1, 2 l2, 3 max */
    uint32_t cat_kind;     /* ENCODE: FMT_SLOT_NUM or FMT_SLOT_STR */
    uint32_t n_cat;
    uint32_t unknown;      /* ENCODE: 0 error, 1 take unknown_target */
    uint32_t missing_cat;  /* ENCODE: category matched by a missing input, or FMT_NONE */
    double unknown_target;
    double *cats;          /* ENCODE kind 0: categories (n_cat) */
    double *targets;       /* ENCODE: per category */
    uint32_t *term_off;    /* POLY: n_out + 1 offsets into term_idx */
    uint32_t *term_idx;    /* POLY: positions among the op's inputs */
    uint32_t rule;         /* BINS: 1 searchsorted right, 2 digitize with tolerance */
    uint32_t n_edges;
    double *edges;         /* BINS */
    uint32_t ufunc;        /* UFUNC: enum fmt_ufunc */
    double *w;             /* PROJECT: n_out × n_in weights, row-major (center in a) */
} fmt_op;

typedef struct fmt_program {
    uint32_t n_inputs;
    uint32_t n_slots;
    uint32_t n_ops;
    uint32_t n_outputs;
    fmt_op *ops;
    uint32_t *outputs;     /* n_outputs slots */
    char **output_names;   /* n_outputs names, or NULL */
    uint8_t *slot_kind;    /* n_slots kinds (derived on parse, filled by the builder) */
    const fr_allocator *alloc; /* what made it (fmt_program_new, _parse): its parts grow and
                                  are freed with the same hook; NULL = malloc */
} fmt_program;

typedef struct fmt_linear {
    uint32_t task;         /* enum fmt_task */
    uint32_t rule;         /* enum fmt_linear_rule */
    uint32_t n_features;
    uint32_t n_rows;
    double *coef;          /* n_rows × n_features */
    double *intercept;     /* n_rows */
} fmt_linear;

/* How one tree-ensemble estimator aggregates its trees (FORMAT.md ENSEMBLE header fields): the
 * whole ENSEMBLE of a single-estimator file, or one tree member of a COMBINE. */
typedef struct fmt_agg {
    uint32_t task, kind, n_features, n_outputs, n_trees, leaf_width, flags, link, n_raw;
    double learning_rate;
    uint32_t *n_classes;   /* n_outputs entries for classifiers, else NULL */
    uint32_t n_classes_total;
    double *init_raw;      /* n_raw entries */
    double path_norm;      /* ISOLATION: the divisor of the summed path lengths */
    double offset;         /* ISOLATION: offset_, subtracted from the score */
    uint32_t first_tree;   /* its trees are records [first_tree, first_tree + n_trees) */
} fmt_agg;

/* COMBINE (FORMAT.md): a final estimator that combines members' outputs. */
enum fmt_combine_rule {
    FMT_COMB_SOFT_VOTE = 1, /* VotingClassifier(voting='soft') */
    FMT_COMB_HARD_VOTE = 2, /* VotingClassifier(voting='hard') */
    FMT_COMB_MEAN = 3,      /* VotingRegressor */
    FMT_COMB_OVR = 4,       /* OneVsRestClassifier */
};
enum fmt_member_kind { FMT_MEMBER_TREES = 1, FMT_MEMBER_LINEAR = 2 };
enum fmt_member_score { FMT_SCORE_NONE = 0, FMT_SCORE_DECISION = 1, FMT_SCORE_PROBA = 2 };

typedef struct fmt_member {
    uint32_t kind;         /* enum fmt_member_kind */
    uint32_t score;        /* OVR: enum fmt_member_score; voting: FMT_SCORE_NONE */
    double weight;
    uint32_t n_in;
    uint32_t *slots;       /* n_in slots it reads (PROGRAM slots, or input columns) */
    fmt_agg trees;         /* kind TREES */
    fmt_linear *linear;    /* kind LINEAR */
} fmt_member;

typedef struct fmt_combine {
    uint32_t task, rule, n_members, n_classes;
    fmt_member *members;
} fmt_combine;

void fmt_agg_free(const fr_allocator *a, fmt_agg *g);
void fmt_combine_free(const fr_allocator *a, fmt_combine *c);
/* Whether member m gives probabilities / a decision score (FORMAT.md COMBINE). */
int fmt_member_has_proba(const fmt_member *m);
int fmt_member_has_decision(const fmt_member *m);
/* Whether the combination has predict_proba in scikit-learn. */
int fmt_combine_has_proba(const fmt_combine *c);
/* Classes a linear estimator decides between (0 for regressors, or when rule and rows
 * disagree). */
uint32_t fmt_linear_classes(const fmt_linear *l);

/* ---- input checks (FORMAT.md CHECKS, 1.2) ---------------------------------------------------- */

#define FMT_CHECK_NAN 0x1u       /* a missing value is refused */
#define FMT_CHECK_INF 0x2u       /* ±infinity is refused */
#define FMT_CHECK_F32 0x4u       /* a value whose float32 rounding is infinite is refused */
#define FMT_CHECK_ESTIMATOR 0x8u /* the estimator's check: skipped by a transform */
#define FMT_CHECK_KNOWN 0xFu

/* One step's refusal: what it refuses, in which slots, and who it is (for messages). */
typedef struct fmt_check {
    uint32_t rule;       /* FMT_CHECK_* bits */
    uint32_t n_slots;
    uint32_t *slots;     /* PROGRAM slots, or input columns without a program */
    char *who;           /* "pipeline/scaler (StandardScaler)" */
} fmt_check;

/* The smallest |x| whose float32 rounding (to nearest, ties to even) is infinite: 2^128 - 2^103,
 * halfway between FLT_MAX and 2^128, where the tie goes to the even neighbour, infinity. Testing
 * against it avoids converting an out-of-range double to float, which C leaves undefined. */
#define FMT_F32_OVERFLOW 0x1.ffffffp127

/* Which rule refuses the numeric value v (FMT_CHECK_NAN / _INF / _F32), or 0 when v passes. */
static inline uint32_t fmt_check_refuses(uint32_t rule, double v)
{
    if (isnan(v))
        return rule & FMT_CHECK_NAN;
    if (isinf(v))
        return rule & FMT_CHECK_INF;
    if ((rule & FMT_CHECK_F32) && (v >= FMT_F32_OVERFLOW || v <= -FMT_F32_OVERFLOW))
        return FMT_CHECK_F32;
    return 0;
}

/* Validates check number index against the slots it may read: n_slots of the given kinds
 * (FMT_SLOT_*; NULL = all numeric); has_estimator: whether ESTIMATOR checks may appear. */
int fmt_check_validate(const fmt_check *c, uint32_t index, uint32_t n_slots, const uint8_t *kinds,
                       int has_estimator, fr_err *e);
/* Appends a copy of a check to an array allocated with a (the builder and the importer collect
 * them so; fmt_checks_free with the same a); 0 or FR_ENOMEM, *checks and *n unchanged then. */
int fmt_check_append(const fr_allocator *a, fmt_check **checks, uint32_t *n, uint32_t rule,
                     const uint32_t *slots, uint32_t n_slots, const char *who);
void fmt_checks_free(const fr_allocator *a, fmt_check *checks, uint32_t n);

/* Columns a program may have at most (inputs and every operation's outputs): bounds the
 * per-row workspace. */
#define FMT_MAX_SLOTS (1u << 24)
/* Weights one PROJECT operation may hold (n_out × n_in): 128 MiB of doubles. */
#define FMT_MAX_PROJECT (1u << 24)

/* Frees p with the allocator that made it. */
void fmt_program_free(fmt_program *p);
/* The input column slot s was computed from, when one column alone determines it (through
 * imputers, scalers, encoders, bins and one-column terms), else UINT32_MAX; s itself for an
 * input. p may be NULL (no program: every slot is an input). */
uint32_t fmt_slot_origin(const fmt_program *p, uint32_t s);
void fmt_linear_free(const fr_allocator *a, fmt_linear *l);

/* Building a program (the importer does): an empty program over typed inputs; ops appended
 * one by one (their arrays are copied; *first_out gets the first slot the op creates); the
 * output columns last. Each call validates what it adds. Every part is allocated with a (NULL:
 * malloc), which the program keeps. */
fmt_program *fmt_program_new(const fr_allocator *a, uint32_t n_inputs, const uint8_t *kinds);
int fmt_program_add(fmt_program *p, const fmt_op *op, uint32_t *first_out, fr_err *e);
int fmt_program_set_outputs(fmt_program *p, const uint32_t *slots, uint32_t n,
                            const char *const *names, fr_err *e);

void fmt_program_write(const fmt_program *p, fmt_buf *b);
/* The smallest format minor a program needs: 3 when it uses an opcode of 1.3 (UFUNC, PROJECT),
 * else 0. */
uint32_t fmt_program_minor(const fmt_program *p);
void fmt_linear_write(const fmt_linear *l, fmt_buf *b);
void fmt_combine_write(const fmt_combine *c, fmt_buf *b);
void fmt_checks_write(const fmt_check *checks, uint32_t n, fmt_buf *b);
/* Parse a section body; input_kinds (n_inputs entries, or NULL = numeric) types the inputs. */
int fmt_program_parse(const uint8_t *body, size_t len, const uint8_t *input_kinds,
                      uint32_t n_inputs, const fr_allocator *a, fmt_program **out, fr_err *e);
int fmt_linear_parse(const uint8_t *body, size_t len, const fr_allocator *a, fmt_linear **out,
                     fr_err *e);

/* BAYES (FORMAT.md, 1.3): a naive Bayes classifier as scikit-learn fitted it. */
enum fmt_bayes_kind {
    FMT_NB_GAUSSIAN = 1,
    FMT_NB_MULTINOMIAL = 2,
    FMT_NB_COMPLEMENT = 3,
    FMT_NB_BERNOULLI = 4,
    FMT_NB_CATEGORICAL = 5,
};
#define FMT_NB_BINARIZE 0x1u

typedef struct fmt_bayes {
    uint32_t kind;         /* enum fmt_bayes_kind */
    uint32_t n_features;
    uint32_t n_classes;
    uint32_t flags;        /* FMT_NB_BINARIZE */
    double threshold;      /* binarize (BERNOULLI with FMT_NB_BINARIZE) */
    double *prior;         /* n_classes: class_prior_ (GAUSSIAN) or class_log_prior_ */
    double *theta;         /* GAUSSIAN: n_classes × n_features */
    double *var;           /* GAUSSIAN: n_classes × n_features */
    double *flp;           /* MULTINOMIAL, COMPLEMENT, BERNOULLI: n_classes × n_features;
                            * CATEGORICAL: every feature's n_classes × n_categories in turn */
    uint32_t *n_categories;/* CATEGORICAL: n_features */
    uint64_t *cat_offset;  /* CATEGORICAL: n_features, where each feature's table starts in flp */
} fmt_bayes;

void fmt_bayes_free(const fr_allocator *a, fmt_bayes *nb);
void fmt_bayes_write(const fmt_bayes *nb, fmt_buf *b);
/* Validates a BAYES body alone (the header checks it against the other sections). */
int fmt_bayes_parse(const uint8_t *body, size_t len, const fr_allocator *a, fmt_bayes **out,
                    fr_err *e);

/* CENTROIDS (FORMAT.md, 1.3): a nearest-centroid classifier or a k-means clustering. */
enum fmt_centroids_kind { FMT_CEN_NEAREST = 1, FMT_CEN_KMEANS = 2 };
enum fmt_centroids_metric { FMT_CEN_EUCLIDEAN = 1, FMT_CEN_MANHATTAN = 2 };
#define FMT_CEN_NAMES 0x1u

typedef struct fmt_centroids {
    uint32_t kind;         /* enum fmt_centroids_kind */
    uint32_t metric;       /* enum fmt_centroids_metric */
    uint32_t n_centroids;
    uint32_t n_features;
    double *centroids;     /* n_centroids × n_features */
    char **names;          /* KMEANS: the transform's column names (n_centroids), or NULL */
} fmt_centroids;

void fmt_centroids_free(const fr_allocator *a, fmt_centroids *c);
void fmt_centroids_write(const fmt_centroids *c, fmt_buf *b);
int fmt_centroids_parse(const uint8_t *body, size_t len, const fr_allocator *a,
                        fmt_centroids **out, fr_err *e);

/* MLP (FORMAT.md, 1.3): a multi-layer perceptron's weights, as scikit-learn fitted them. */
enum fmt_mlp_activation {
    FMT_ACT_IDENTITY = 1,
    FMT_ACT_LOGISTIC = 2,
    FMT_ACT_TANH = 3,
    FMT_ACT_RELU = 4,
    FMT_ACT_SOFTMAX = 5, /* the output layer only */
};
#define FMT_MLP_MAX_LAYERS 1024u

typedef struct fmt_mlp {
    uint32_t task;         /* enum fmt_task */
    uint32_t activation;   /* hidden layers: IDENTITY .. RELU */
    uint32_t output;       /* output layer: IDENTITY, LOGISTIC or SOFTMAX */
    uint32_t n_layers;     /* weight layers: len(coefs_) */
    uint32_t *widths;      /* n_layers + 1: the inputs, each hidden layer, the outputs */
    double *weights;       /* per layer, coefs_[i] (widths[i] × widths[i+1]) then intercepts_[i] */
    uint64_t *layer_at;    /* n_layers: where each layer starts in weights */
    uint32_t max_width;    /* the widest layer */
} fmt_mlp;

void fmt_mlp_free(const fr_allocator *a, fmt_mlp *m);
void fmt_mlp_write(const fmt_mlp *m, fmt_buf *b);
/* Validates an MLP body alone (the header checks it against the other sections). */
int fmt_mlp_parse(const uint8_t *body, size_t len, const fr_allocator *a, fmt_mlp **out,
                  fr_err *e);
/* The classes of a classifier's outputs: a softmax's n classes in one output, or per logistic
 * unit two classes (one output when binary, one per label when multi-label). */
static inline uint32_t fmt_mlp_n_outputs(const fmt_mlp *m)
{
    uint32_t out = m->widths[m->n_layers];
    return m->task == FMT_TASK_CLASSIFIER && m->output == FMT_ACT_SOFTMAX ? 1 : out;
}

/* TARGET (1.3): a TransformedTargetRegressor's inverse transform of its regressor's
 * predictions, steps applied in order to each predicted value (column j of n_targets). */
enum fmt_target_kind { FMT_TGT_AFFINE = 1, FMT_TGT_UFUNC = 2 };
#define FMT_TARGET_MAX_STEPS 16
typedef struct fmt_target_step {
    uint32_t kind;         /* enum fmt_target_kind */
    uint32_t ufunc;        /* UFUNC: enum fmt_ufunc */
    double *a, *b;         /* AFFINE: y * a[j] + b[j] (n_targets each) */
} fmt_target_step;
typedef struct fmt_target {
    uint32_t n_targets;
    uint32_t n_steps;
    fmt_target_step *steps;
} fmt_target;

void fmt_target_free(const fr_allocator *a, fmt_target *t);
void fmt_target_write(const fmt_target *t, fmt_buf *b);
/* The rules FORMAT.md states for one TARGET alone (the builder and the parser share them). */
int fmt_target_check(const fmt_target *t, fr_err *e);
int fmt_target_parse(const uint8_t *body, size_t len, const fr_allocator *a, fmt_target **out,
                     fr_err *e);

/* A parsed, validated header. All pointers are owned by the header (fmt_header_free). */
typedef struct fmt_header {
    uint16_t major;
    uint16_t minor;
    uint32_t flags;
    uint32_t block_shift;
    uint32_t block_size;
    uint64_t header_size;
    uint64_t data_size;
    uint64_t trailer_size;
    uint64_t file_size;
    uint8_t digest[16];   /* as stored (canonical XXH3-128) */

    uint32_t n_blocks;
    const uint8_t *block_table; /* the BLOCKS entries where the header holds them (32 bytes
                                 * each, checked by the parser): no second copy of a table
                                 * that runs to megabytes; read with fmt_block_at */
    uint32_t n_chunks;
    fmt_chunk *chunks;

    /* ENSEMBLE */
    uint32_t task;        /* enum fmt_task */
    uint32_t kind;        /* enum fmt_ens_kind */
    uint32_t n_features;
    uint32_t n_outputs;
    uint32_t n_trees;
    uint32_t leaf_width;
    uint32_t ens_flags;
    uint32_t link;
    uint32_t n_raw;
    uint32_t top_chunk;
    double learning_rate;
    uint32_t *n_classes;  /* n_outputs entries for classifiers, else NULL */
    uint32_t n_classes_total;
    double *init_raw;     /* n_raw entries */
    double path_norm;     /* ISOLATION */
    double offset;        /* ISOLATION */
    fmt_tree *trees;

    int has_ensemble;     /* an ENSEMBLE section is present */

    /* FEATURES (the raw inputs: with a PROGRAM, its inputs) */
    uint32_t n_inputs;
    int features_named;
    char **feature_names; /* n_inputs entries when named */
    uint8_t *feature_kinds; /* n_inputs fmt_slot_kind entries, or NULL: all numeric */

    /* PROGRAM, LINEAR and COMBINE, when present */
    fmt_program *program;
    fmt_linear *linear;
    fmt_combine *combine;
    fmt_bayes *bayes;     /* BAYES (1.3) */
    fmt_centroids *centroids; /* CENTROIDS (1.3) */
    fmt_mlp *mlp;             /* MLP (1.3) */
    fmt_target *target;   /* TARGET (1.3): the predictions' inverse transform, or NULL */

    /* CHECKS (1.2): the values scikit-learn refuses, in the order they are applied */
    uint32_t n_checks;
    fmt_check *checks;

    /* CLASSES (classifiers) */
    fmt_labels *classes;  /* n_outputs entries */

    /* METADATA */
    uint32_t n_meta;
    char **meta_keys;
    char **meta_values;
    uint8_t *meta_types;  /* METADATA_TYPES: n_meta fmt_meta_type entries, or NULL: all strings */

    uint32_t n_unknown_sections; /* optional sections skipped */
    const fr_allocator *alloc;
} fmt_header;

/* Reads the superblock (the first FMT_SUPERBLOCK_SIZE bytes) far enough to learn how many bytes
 * the header region has, checking magic and major version. */
int fmt_peek_header_size(const uint8_t *sb, size_t len, uint64_t *header_size, fr_err *e);

/* Whether the header region buf[0, header_size) matches the digest its superblock holds (the
 * first check fmt_header_parse makes; a cache of headers makes it too). */
int fmt_header_digest_check(const uint8_t *buf, uint64_t header_size, fr_err *e);

/* Parses and validates the whole header region buf[0, len) (len ≥ header_size) of a file whose
 * real size is file_size, and the 32-byte footer. Checks the digest before any other field. */
int fmt_header_parse(const uint8_t *buf, size_t len, uint64_t file_size, const uint8_t *footer,
                     const fr_allocator *alloc, fmt_header *out, fr_err *e);
void fmt_header_free(fmt_header *h);

/* The type of METADATA entry i (FMT_META_STRING without METADATA_TYPES). */
static inline uint32_t fmt_meta_type_at(const fmt_header *h, uint32_t i)
{
    return h->meta_types ? h->meta_types[i] : FMT_META_STRING;
}
/* Whether v is a value of that type: any string; a JSON number's text (RFC 8259, at most
 * FMT_META_NUMBER_MAX bytes); "true" or "false". */
int fmt_meta_value_valid(uint32_t type, const char *v);
void fmt_meta_types_write(const uint8_t *types, uint32_t n, fmt_buf *b);

/* Block b's entry (b < n_blocks; the header buffer must still be alive). */
static inline fmt_block fmt_block_at(const fmt_header *h, uint32_t b)
{
    const uint8_t *p = h->block_table + (size_t)b * FMT_BLOCK_ENTRY;
    return (fmt_block){.offset = fr_rd64(p + FMT_BE_OFFSET),
                       .stored_size = fr_rd32(p + FMT_BE_STORED_SIZE),
                       .raw_size = fr_rd32(p + FMT_BE_RAW_SIZE), .codec = p[FMT_BE_CODEC],
                       .checksum = fr_rdbe64(p + FMT_BE_CHECKSUM)};
}

static inline uint32_t fmt_block_raw_size(const fmt_header *h, uint32_t b)
{
    return fr_rd32(h->block_table + (size_t)b * FMT_BLOCK_ENTRY + FMT_BE_RAW_SIZE);
}

/* Chunk-relative position of a block: the block index holding byte off of chunk c. */
static inline uint32_t fmt_chunk_block_of(const fmt_header *h, uint32_t c, uint64_t off)
{
    return h->chunks[c].first_block + (uint32_t)(off >> h->block_shift);
}

/* Checks a block's stored bytes against its checksum, then produces its raw bytes into raw
 * (raw_size bytes; may equal stored for an uncompressed block, in which case nothing is copied). */
int fmt_block_decode(const fmt_header *h, uint32_t index, const uint8_t *stored, uint8_t *raw,
                     fr_err *e);
/* Checks only the checksum. */
int fmt_block_verify(const fmt_header *h, uint32_t index, const uint8_t *stored, fr_err *e);

/* ---- the signature trailer (FORMAT.md "Signature trailer") ---------------------------------- */

#define FMT_SIG_ED25519 1u      /* the one record type */
#define FMT_SIG_DOMAIN_LEN 16u  /* "frost signature" and its NUL */
#define FMT_SIG_MESSAGE_LEN (FMT_SIG_DOMAIN_LEN + FMT_SIG_SIGNATURE)

extern const uint8_t fmt_sig_domain[FMT_SIG_DOMAIN_LEN];

/* A type-1 record, decoded. */
typedef struct fmt_sig {
    uint8_t public_key[32];  /* the signer's Ed25519 public key */
    uint8_t header_hash[32]; /* BLAKE2b-256 of the header region as stored */
    uint8_t data_hash[32];   /* BLAKE2b-256 of the data region (blocks and padding) */
    uint8_t signature[64];   /* Ed25519 of fmt_sig_message */
} fmt_sig;

/* The trailer's len bytes as a record: FR_ECORRUPT when it is malformed, FR_EUNSUPPORTED for a
 * record type this version does not know. */
int fmt_sig_parse(const uint8_t *trailer, size_t len, fmt_sig *out, fr_err *e);
void fmt_sig_write(const fmt_sig *s, uint8_t out[FMT_SIG_RECORD]);
/* What the signature signs: the domain string, then the record's bytes before its signature
 * (type, length, key and both digests). */
void fmt_sig_message(const fmt_sig *s, uint8_t msg[FMT_SIG_MESSAGE_LEN]);
/* Recomputes the header digest of a header region whose fields were changed (signing sets the
 * flag and the trailer and file sizes). */
void fmt_seal_digest(uint8_t *header, uint64_t header_size);

/* ---- tree encoding ------------------------------------------------------------------------ */

/* A tree encoded into its top part and body (FORMAT.md), owned by the caller (fmt_enc_tree_free). */
typedef struct fmt_enc_tree {
    uint8_t *top;
    uint32_t top_size;
    uint8_t *body;        /* NULL when the tree fits in its top part */
    uint64_t body_size;
    uint32_t root;
    uint32_t n_splits;
    uint32_t n_leaves;
    uint32_t raw_column;
} fmt_enc_tree;

typedef struct fmt_tree_input {
    uint64_t node_count;
    const int64_t *children_left;
    const int64_t *children_right;
    const int64_t *feature;
    const double *threshold;
    const uint8_t *missing_go_to_left; /* may be NULL */
    const double *value;               /* node_count × value_width */
    uint32_t value_width;
    uint32_t n_features;
    int wide;                          /* encode wide split nodes (f64 thresholds, 1.3) */
    const uint8_t *is_categorical;     /* wide only, may be NULL: categorical splits */
    const uint32_t *categories_left;   /* node_count × 8 words: each categorical split's set */
} fmt_tree_input;

/* The largest float32 not above t: (float)x <= result exactly when (float)x <= t. */
float fmt_threshold_f32(double t);

/* Validates sklearn-shaped arrays and encodes them for a given block size and top depth. */
int fmt_tree_encode(const fmt_tree_input *in, uint32_t block_size, uint32_t top_levels,
                    const fr_allocator *alloc, fmt_enc_tree *out, fr_err *e);
void fmt_enc_tree_free(const fr_allocator *alloc, fmt_enc_tree *t);

/* ---- serializer ---------------------------------------------------------------------------- */

/* Everything the header holds except the derived block and chunk tables. */
typedef struct fmt_model_desc {
    uint32_t task, kind, n_features, n_outputs, leaf_width, ens_flags, link, n_raw;
    double learning_rate;
    const uint32_t *n_classes;       /* n_outputs entries for classifiers */
    const double *init_raw;          /* n_raw entries */
    double path_norm, offset;        /* ISOLATION */
    uint32_t n_trees;
    const fmt_enc_tree *trees;
    int has_ensemble;                 /* write an ENSEMBLE section */
    uint32_t n_inputs;                /* FEATURES count (= n_features without a program) */
    const char *const *feature_names; /* n_inputs names, or NULL = positional */
    const uint8_t *feature_kinds;     /* n_inputs kinds, or NULL = all numeric */
    const fmt_program *program;       /* or NULL */
    const fmt_linear *linear;         /* or NULL */
    const fmt_combine *combine;       /* or NULL: with it, an ENSEMBLE is the MEMBERS tree table */
    const fmt_bayes *bayes;           /* or NULL */
    const fmt_centroids *centroids;   /* or NULL */
    const fmt_mlp *mlp;               /* or NULL */
    const fmt_target *target;         /* or NULL */
    const fmt_check *checks;          /* n_checks input checks (CHECKS), or NULL */
    uint32_t n_checks;
    const fmt_labels *classes;        /* n_outputs entries for classifiers */
    uint32_t n_meta;
    const char *const *meta_keys;
    const char *const *meta_values;
    const uint8_t *meta_types;        /* n_meta fmt_meta_type entries, or NULL: all strings */
} fmt_model_desc;

/* Receives the file's bytes in order, from offset 0. Returns 0 or a negative FR_E* code. */
typedef int (*fmt_emit_fn)(void *ctx, const void *buf, size_t len, fr_err *e);

typedef struct fmt_write_params {
    uint32_t block_shift;
    int compress;         /* lz4 per block when it shrinks */
} fmt_write_params;

int fmt_write(const fmt_model_desc *d, const fmt_write_params *p, const fr_allocator *alloc,
              fmt_emit_fn emit, void *ctx, fr_err *e);

/* The block shift needed so a split (wide: categorical) with two leaves, and every tree's top
 * part, fit a block. */
uint32_t fmt_min_block_shift(uint32_t leaf_width, int wide);

#endif
