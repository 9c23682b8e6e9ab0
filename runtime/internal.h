/*
 * internal.h — the runtime's private structures: the model handle, the I/O seam and the loader.
 *
 * Ownership in one sentence: a frost_model owns its file descriptor, its header (parsed by
 * format/), its mappings, and one raw buffer per chunk that lives until frost_close, so a pointer
 * into a loaded block never dangles while the model is open and no buffer is ever freed while a
 * read into it may be in flight (reads complete or are drained inside the call that issued them).
 */
#ifndef FROST_RUNTIME_INTERNAL_H
#define FROST_RUNTIME_INTERNAL_H

#include <liburing.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/types.h>

#include "arena.h"
#include "err.h"
#include "format.h"
#include "frost.h"
#include "io_req.h"
#include "pairwise.h"

/* ---- the I/O seam --------------------------------------------------------------------------- */


/* Fault injection for tests: on_read sees every read result (bytes or -errno) before the runtime
 * does and returns the one to use, so a test can fail (EIO), shorten, or stall a read without
 * LD_PRELOAD. uring_setup_errno makes io_uring setup fail with that errno. read_fd (io_uring
 * only) may name another descriptor for a request, e.g. an empty pipe, so that the read stays
 * in flight in the kernel for as long as the test likes (a regular file's read cannot be made
 * to); -1 keeps the model's file. */
typedef struct rt_fault {
    ssize_t (*on_read)(void *ctx, uint64_t offset, size_t len, ssize_t result);
    void *ctx;
    int uring_setup_errno;
    int (*read_fd)(void *ctx, uint64_t offset, size_t len);
} rt_fault;

typedef struct rt_counters {
    _Atomic uint64_t submissions;
    _Atomic uint64_t reads;
    _Atomic uint64_t bytes_read;
    _Atomic uint64_t blocks_loaded;
    _Atomic uint64_t blocks_verified;
    _Atomic uint64_t sqes;    /* io_uring: SQEs the kernel took (reads and cancels) */
    _Atomic uint64_t cqes;    /* io_uring: CQEs reaped; equal to sqes whenever no call runs */
    _Atomic uint64_t cancels; /* io_uring: cancel requests issued after a failed read */
} rt_counters;

typedef struct rt_remote_link rt_remote_link; /* remote_link.c: a URL's plugin and object */

typedef struct rt_io {
    frost_io_mode mode;       /* FROST_IO_URING, FROST_IO_PREAD or FROST_IO_REMOTE: how block
                               * reads are issued */
    int fd;
    int ring_ok;              /* ring set up */
    struct io_uring ring;
    unsigned queue_depth;
    pthread_mutex_t ring_lock; /* one batch in the ring at a time */
    const rt_fault *fault;    /* NULL in production */
    const fr_allocator *alloc; /* the model's hook, for the bookkeeping of a batch */
    rt_remote_link *remote;   /* FROST_IO_REMOTE: the model's (borrowed) */
} rt_io;

/* Sets up reads on fd. want = URING: io_uring or FROST_EUNSUPPORTED; PREAD: pread; AUTO: io_uring
 * where it can be set up, else pread. */
int rt_io_init(rt_io *io, int fd, frost_io_mode want, unsigned queue_depth,
               const fr_allocator *alloc, const rt_fault *fault, fr_err *e);
/* Completes every request or fails; on failure no read is left in flight. */
int rt_io_read(rt_io *io, rt_req *reqs, size_t n, rt_counters *c, fr_err *e);
void rt_io_close(rt_io *io);
/* Reads a small file whole from fd into buf (at least max + 1 bytes): FR_ELIMIT naming path when
 * it holds more than max bytes, FR_EIO. *len gets the bytes read. */
int rt_read_small(int fd, char *buf, size_t max, size_t *len, const char *path, fr_err *e);
/* Block reads of a model opened by URL go through its plugin. */
void rt_io_init_remote(rt_io *io, rt_remote_link *remote, const fr_allocator *alloc);

/* ---- models opened by URL (remote_link.c, through libfrost_remote.so) ---------------------- */

/* In place of the file's open and header read: loads the plugin, opens url, reads and parses the
 * header; model.c then sets m->io up for remote reads (rt_io_init_remote). */
int rt_remote_open(frost_model *m, const char *url, const frost_open_options *o,
                   uint64_t *file_size, fr_err *e);
/* The I/O seam's remote backend (rt_io_read). */
int rt_remote_read(rt_remote_link *l, rt_req *reqs, size_t n, rt_counters *c, fr_err *e);
/* Fills the remote fields of s (nothing for a file). */
void rt_remote_fill_stats(const frost_model *m, frost_stats *s);
/* Closes the object and forgets the link; nothing for a file. */
void rt_remote_close(frost_model *m);

/* Below these, the header (and its tables) or the blocks live in plain pages (arena.h). */
#define RT_HUGE_HEADER ((uint64_t)256 << 10)
#define RT_HUGE_FILE ((uint64_t)2 << 20)

/* ---- the model ------------------------------------------------------------------------------ */

enum { RT_BLOCK_IDLE = 0, RT_BLOCK_LOADING = 1, RT_BLOCK_READY = 2 };

typedef struct rt_encoder rt_encoder; /* program.c: a category table ready for lookups */
struct rt_pooled;                     /* workspace.h: a pooled buffer set's link */

struct frost_model {
    uint64_t serial;              /* unique per model opened in this process (error.c) */
    fr_allocator alloc_copy;
    const fr_allocator *alloc; /* &alloc_copy, or NULL for malloc */
    int fd;                       /* -1 for a URL */
    rt_remote_link *remote;       /* a URL's plugin and object, or NULL */
    fmt_header h;
    uint8_t *header_buf;          /* the header prefix: mapped (MMAP mode), or read into the arena */
    size_t header_len;
    int header_mapped;
    uint8_t *file_map;            /* FROST_IO_MMAP: the whole file */
    size_t file_map_len;
    frost_io_mode io_mode;        /* the mode in use */
    rt_io io;
    int io_ready;                 /* io was set up (rt_io_close owed) */
    rt_fault fault;
    frost_missing_policy missing_columns;

    rt_arena arena;               /* the header copy, loaded blocks, flat chunks (guarded by lock) */
    fr_allocator open_alloc;   /* carves from arena: the parsed header and the per-block
                                   * tables, built at open, released with the arena */
    uint8_t **block_mem;          /* per block: its raw bytes, once READY (arena, flat chunk or map) */
    uint8_t **chunk_flat;         /* per chunk: its raw bytes in one piece, for the fast walker: in
                                   * the map (MMAP mode, uncompressed) or built by
                                   * rt_load_everything; read only once all_ready is set */
    uint32_t *block_chunk;        /* per block: its chunk */
    _Atomic uint8_t *block_state; /* per block: RT_BLOCK_* */
    _Atomic uint8_t *tree_checked;/* per tree: 0, or RT_TREE_* flags once its whole structure
                                   * was verified */
    atomic_int all_ready;         /* every block ready and every tree checked */
    pthread_mutex_t lock;         /* guards block state transitions and chunk allocation */
    pthread_cond_t cond;          /* signalled when a batch of loads ends */
    pthread_mutex_t flat_lock;    /* one rt_load_everything at a time */

    rt_encoder *encoders;         /* per program op: lookup tables of ENCODE ops (program.c) */
    struct rt_lin_term *lin_plan; /* a linear estimator's features as the program makes them
                                   * (linear.c), or NULL: one-hot blocks scored sparsely */
    uint32_t lin_plan_len;
    struct rt_bayes_plan *bayes_plan; /* a naive Bayes classifier's per-class terms (bayes.c) */
    double *cen_norms;            /* CENTROIDS: each centroid's squared norm (centroids.c) */
    struct rt_pooled *ws_free;    /* idle workspaces (workspace.h): warm calls allocate nothing */
    struct rt_pooled *ens_free;   /* idle tree-batch buffers (ensemble.c), likewise */
    pthread_mutex_t ws_lock;      /* guards ws_free and ens_free */

    pthread_mutex_t err_lock;
    fr_err err;                   /* last failure on this handle */
    rt_counters counters;

    int sig_checked;              /* the signature was verified (signature.c): these hold */
    uint8_t sig_key[32];          /* the key that signed the file */
    uint8_t sig_data_hash[32];    /* the data region's signed BLAKE2b-256 */
};

/* frost_open with a fault seam (tests); fault may be NULL. */
int rt_open(const char *path, const frost_open_options *opts, const rt_fault *fault,
            frost_model **out, fr_err *e);

/* Signatures (signature.c): the check frost_open makes when keys are required, before any block
 * is used; and frost_verify's pass over the data region (padding zero, and the signed digest
 * once the signature was checked). */
int rt_signature_require(frost_model *m, const frost_public_key *keys, size_t n, fr_err *e);
int rt_verify_data_region(frost_model *m, fr_err *e);

/* Records e as the handle's last error and returns e->code. */
int rt_set_error(frost_model *m, const fr_err *e);

/* Makes the given blocks ready (duplicates allowed), in one batch of reads. */
int rt_load_blocks(frost_model *m, const uint32_t *ids, size_t n, fr_err *e);
/* Makes every block ready and checks every tree. */
int rt_load_everything(frost_model *m, fr_err *e);
enum {
    RT_TREE_CHECKED = 1,  /* every rule of FORMAT.md holds: the fast walkers may run on it */
    RT_TREE_NAN_LEFT = 2, /* some split sends a missing value left (else NaN always goes right,
                           * as `NaN <= threshold` is false, and walkers can skip the test) */
};
/* Walks a whole tree (all its blocks ready) checking every rule of FORMAT.md; *verdict gets the
 * tree's RT_TREE_* flags. */
int rt_check_tree(const frost_model *m, uint32_t t, uint8_t *verdict, fr_err *e);

static inline int rt_block_ready(const frost_model *m, uint32_t b)
{
    return atomic_load_explicit(&m->block_state[b], memory_order_acquire) == RT_BLOCK_READY;
}

/* One value of one row: an input column or a PROGRAM slot. */
typedef struct rt_slot {
    double num;
    const char *str;  /* string slots: NULL when missing */
    size_t len;
} rt_slot;

/* Input checks (checks.c, FORMAT.md CHECKS): a row's slots once the program has run
 * (estimator: apply the estimator's checks too, i.e. predicting rather than transforming), or the
 * rows of a numeric input matrix of a model without a program. On the first refused value: an
 * error naming the row (row: 0-based within the call), the column and the step that refuses. */
int rt_check_row(const frost_model *m, const rt_slot *slots, int estimator, size_t row,
                 fr_err *e);
int rt_check_matrix(const frost_model *m, const double *X, size_t n_rows, fr_err *e);

/* What a scoring call computes: one answer from the public calls down to every scorer. */
typedef enum rt_what {
    RT_PREDICT = 0,   /* the class index or the value (predict) */
    RT_PROBA = 1,     /* class probabilities (predict_proba) */
    RT_DECISION = 2,  /* the raw scores (decision_function): a one-vs-rest member's score */
    RT_TRANSFORM = 3, /* the preprocessing's output (transform) */
    RT_SCORE = 4,     /* score_samples: an isolation forest's (negated) anomaly score */
} rt_what;

/* Columns of frost_decision_function's output; 0 when scikit-learn has no decision_function for
 * the model (score.c). */
uint32_t rt_decision_width(const fmt_header *h);

/* Where a row's inputs come from (columns.c): a row-major numeric matrix, or the caller's
 * columns, col_of[input] of them feeding each input (SIZE_MAX: absent). */
typedef struct rt_source {
    const double *X;
    const frost_column *cols;
    const size_t *col_of;
} rt_source;
/* Input column i's name, or "x<i>" for a model without names (buf holds it then). */
const char *rt_input_name(const frost_model *m, uint32_t i, char *buf, size_t cap);
/* Input i's kind (FMT_SLOT_*). */
int rt_input_kind(const frost_model *m, uint32_t i);
/* Matches the caller's columns to the model's inputs: by name (equal names in order) or by
 * position; col_of receives, per input, the column feeding it. */
int rt_bind_columns(const frost_model *m, const frost_column *cols, size_t n_cols,
                    size_t *col_of, fr_err *e);
/* Row `row`'s inputs into slots[0 .. n_inputs). */
void rt_fetch(const frost_model *m, const rt_source *src, size_t row, rt_slot *slots);

/* The PROGRAM (program.c): the encoders' tables built at open, and one row's operations over
 * its slots (scratch: 2 × n_slots doubles; hot: per op, for one-hot outputs). */
int rt_program_init(frost_model *m, fr_err *e);
void rt_program_free(frost_model *m);
int rt_program_row(const frost_model *m, rt_slot *slots, size_t row, double *scratch,
                   uint32_t *hot, fr_err *e);

/* A linear estimator (linear.c): the plan for scoring it sparsely from the program's slots,
 * built at open when one-hot blocks feed it; a row from a feature vector, or from the slots
 * through the plan. d: n_rows doubles of scratch (2 for a binary softmax). */
int rt_linear_init(frost_model *m, fr_err *e);
void rt_linear_free(frost_model *m);
void rt_linear_row(const fmt_linear *l, const double *x, rt_what what, double *out, double *d);
void rt_linear_row_plan(const frost_model *m, const rt_slot *slots, const uint32_t *hot,
                        rt_what what, double *out, double *d);

/* A naive Bayes classifier (bayes.c): the per-class terms scikit-learn derives from the fitted
 * attributes, computed at open; one row's predict or predict_proba from its features (row: for
 * messages; scratch: rt_bayes_scratch doubles). CategoricalNB refuses unknown categories. */
int rt_bayes_init(frost_model *m, fr_err *e);
void rt_bayes_free(frost_model *m);
int rt_bayes_row(const frost_model *m, const double *x, size_t row, rt_what what, double *out,
                 double *scratch, fr_err *e);
size_t rt_bayes_scratch(const fmt_bayes *nb);

/* A NearestCentroid or k-means model (centroids.c): the centroids' norms at open; one row's
 * predict (the nearest centroid's index) or, k-means, transform (its distances to them all). */
int rt_centroids_init(frost_model *m, fr_err *e);
void rt_centroids_free(frost_model *m);
void rt_centroids_row(const frost_model *m, const double *x, rt_what what, double *out);
/* A multi-layer perceptron (mlp.c): one row's predict or predict_proba (a regressor's predict:
 * its outputs) from its features; scratch holds rt_mlp_scratch doubles. */
void rt_mlp_row(const frost_model *m, const double *x, rt_what what, double *out,
                double *scratch);
size_t rt_mlp_scratch(const fmt_mlp *mlp);

/* Whether the estimator itself transforms (k-means: its distances), not only the program. */
static inline int rt_estimator_transforms(const fmt_header *h)
{
    return h->centroids && h->centroids->kind == FMT_CEN_KMEANS;
}

/* A tree ensemble on its own feature matrix (ensemble.c); errors go to e, not the handle. */
int rt_ensemble_predict(frost_model *m, const double *X, size_t n_rows, rt_what what,
                        double *out, fr_err *e);
/* The same for one aggregation over its range of trees (a COMBINE tree member). */
int rt_agg_predict(frost_model *m, const fmt_agg *a, const double *X, size_t n_rows,
                   rt_what what, double *out, fr_err *e);
/* Releases the pooled tree-batch buffers. */
void rt_ensemble_free(frost_model *m);

/* A combination (combine.c): nb rows whose members' feature matrices are in w. */
struct rt_combine_ws;
int rt_combine_batch(frost_model *m, const struct rt_combine_ws *w, size_t nb, rt_what what,
                     double *dst, double *lin_scratch, fr_err *e);

/* The arithmetic every scorer shares (finish.c): numpy's pairwise sum (FORMAT.md Aggregation;
 * pairwise.h); the logistic function; the first largest of n values; the linear models' (and
 * HistGradientBoosting's) softmax; gradient boosting's softmax (through logsumexp; scratch holds
 * n doubles; out may be raw). */
double rt_expit(double d);
/* numpy ufunc f (enum fmt_ufunc) of x, as numpy computes it for a float64. */
double rt_ufunc(uint32_t f, double x);
uint32_t rt_argmax(const double *v, uint32_t n);
void rt_softmax(const double *d, uint32_t n, double *out);
void rt_softmax_lse(const double *raw, uint32_t n, double *out, double *scratch);
/* IsolationForest.score_samples from the summed path lengths s (FORMAT.md ISOLATION). */
double rt_isolation_score(double s, double path_norm);

#endif
