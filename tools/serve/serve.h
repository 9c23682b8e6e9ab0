/*
 * serve.h — what the parts of `frost serve` share (private to tools/serve/).
 *
 * The server is split as Triton splits its HTTP front end from its model backend:
 *  - models.c  the models: one slot per served name, holding the version in use with a
 *              reference count (a request scores on the version it acquired, a replaced version
 *              is closed after its last request), and the watcher that re-resolves each slot's
 *              source and swaps in a new version when the source changes;
 *  - request.c JSON requests into typed columns and results into JSON (the Open Inference
 *              Protocol's /infer, frost's /predict rows, model metadata) — no HTTP, no I/O,
 *              so a fuzzer drives it directly;
 *  - http.c    libmicrohttpd: routing, bodies and their limits, responses, graceful stop;
 *  - metrics.c counters and latency histograms, rendered in Prometheus' text format;
 *  - main.c    the command line, the listening socket, signals.
 */
#ifndef FROST_SERVE_H
#define FROST_SERVE_H

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "frost.h"

/* ---- models (models.c) -------------------------------------------------------------------- */

/* What identifies the file a version was opened from: a rename over the path gives a new
 * inode, an in-place rewrite a new size or modification time. */
typedef struct srv_file_id {
    dev_t dev;
    ino_t ino;
    off_t size;
    int64_t mtime_ns;
    int64_t ctime_ns;
    uint64_t version;             /* the registry version a reference resolved to; 0: a path */
} srv_file_id;

/* One opened version of a slot's model. Immutable once published, except refs. */
typedef struct srv_model {
    frost_model *m;
    frost_info info;
    atomic_uint refs;             /* the slot's own reference while current, plus requests */
    uint64_t generation;          /* 1 for the first version a slot opened, then 2, … */
    char version[40];             /* model_version ("" = none): the registry version number,
                                   * else the source pickle's XXH3 (frost convert records it) */
    srv_file_id id;               /* the file it was opened from */
    int named;                    /* inputs have names (else by position) */
    uint32_t *by_name;            /* input indices sorted by name (named models), for lookups */
    struct srv_slot *slot;        /* whose version it is */
} srv_model;

enum srv_slot_state { SLOT_LOADING = 0, SLOT_READY = 1, SLOT_FAILED = 2 };

/* Per-slot counters the metrics read (relaxed atomics: each is a monotonic count). */
typedef struct srv_model_stats {
    atomic_uint_fast64_t rows;          /* rows scored */
    atomic_uint_fast64_t reloads;       /* versions swapped in after the first */
    atomic_uint_fast64_t reload_errors; /* changed sources that did not open */
    atomic_uint_fast64_t retired_blocks, retired_bytes; /* frost_get_stats of closed versions */
} srv_model_stats;

/* One served name. The source is what the command line gave; resolving it gives the file to
 * open (a path itself; a registry reference ROOT/NAME@ALIAS the version file its alias points
 * at now, through frost_resolve — and that is the only difference). */
typedef struct srv_slot {
    char *name;                   /* the URL's NAME */
    char *source;                 /* the command line's argument */
    int reference;                /* the source is a registry reference (served as NAME) */
    int unresolved;               /* it did not resolve at the last poll (reported once) */
    size_t index;                 /* position on the command line */
    pthread_mutex_t mu;
    pthread_cond_t cv;            /* state left SLOT_LOADING */
    enum srv_slot_state state;
    srv_model *cur;               /* the version new requests get (SLOT_READY) */
    char error[512];              /* why it failed (SLOT_FAILED) or the last reload failure */
    srv_file_id failed_id;        /* the source's identity when a reload last failed */
    int failed_valid;
    uint64_t generations;         /* versions opened so far */
    srv_model_stats stats;
} srv_slot;

typedef struct srv_models {
    srv_slot *slots;
    size_t n;
    frost_open_options open;      /* how every version is opened */
    int preload;                  /* read every block of each new version in the background */
    pthread_t watcher;
    int watching;
    pthread_mutex_t stop_mu;
    pthread_cond_t stop_cv;
    int stop;
    unsigned poll_ms;             /* how often the watcher re-resolves the sources */
} srv_models;

/* Names each source (a file's name without .frost; NAME for a registry reference
 * ROOT/NAME@ALIAS). Returns 0, or -1 after printing why (a source that does not resolve, two
 * sources with one name, a name that cannot appear in a URL path). */
int srv_models_init(srv_models *ms, char **sources, size_t n, const frost_open_options *open);

/* Opens every slot's first version (headers only: trees load on demand), waking the requests
 * that wait for them. Returns 0, or -1 after printing which failed. */
int srv_models_open(srv_models *ms);

/* Starts / stops the watcher thread (stop joins it). */
int srv_models_watch(srv_models *ms, unsigned poll_ms);
void srv_models_stop_watch(srv_models *ms);

/* Closes every version (no request may hold one). */
void srv_models_free(srv_models *ms);

srv_slot *srv_models_find(srv_models *ms, const char *name);

/* The slot's current version with a reference taken, waiting while the slot is still loading;
 * NULL (with the reason in why) when it failed. Release with srv_model_release. */
srv_model *srv_slot_acquire(srv_slot *s, char *why, size_t cap);
void srv_model_release(srv_model *v);

/* The slot checks its source now (what the watcher does every poll): returns 1 when a new
 * version was swapped in, 0 when nothing changed, -1 when the source changed but did not open
 * (the old version stays). */
int srv_slot_check(srv_models *ms, srv_slot *s);

/* Index of the (first) input named name (len bytes) of a named version, or -1; *count (may be
 * NULL) receives how many inputs have that name. */
int64_t srv_model_input(const srv_model *v, const char *name, size_t len, uint32_t *count);

/* ---- requests (request.c) ----------------------------------------------------------------- */

/* What a request body became: the model's columns, and what to answer. Owns its memory. */
typedef struct srv_batch {
    size_t n_rows;
    frost_column *cols;    /* the columns handed to frost_*_columns */
    size_t n_cols;
    double *num;           /* numeric storage: n_num_cols × n_rows */
    frost_string *str;     /* string storage: n_str_cols × n_rows (ptr into root's strings) */
    int want_label;        /* which outputs to return */
    int want_proba;
    json_t *id;            /* the request's "id", echoed (borrowed from root) */
    json_t *root;          /* the parsed body (strings point into it) */
} srv_batch;

/* Status codes a parse can give, besides 0. */
enum { SRV_BAD_REQUEST = 400, SRV_TOO_LARGE = 413, SRV_BUSY = 503 };

/* Parses an Open Inference Protocol inference request for version v into b. Returns 0, or an
 * HTTP status with the reason in err (naming the field or column). */
int srv_parse_infer(const char *body, size_t len, const srv_model *v, srv_batch *b, char *err,
                    size_t cap);

/* Parses frost's {"rows": [...]} form (objects by column name, or arrays by position). */
int srv_parse_rows(const char *body, size_t len, const srv_model *v, srv_batch *b, char *err,
                   size_t cap);

void srv_batch_free(srv_batch *b);

/* Scores b on v and builds the answer: the inference response (infer) or frost's predictions
 * object. Returns the JSON (caller frees), or NULL with *status (400: the model refused a row,
 * with frost's message; 500 otherwise) and the reason in err. */
json_t *srv_score_json(srv_model *v, const srv_batch *b, int infer, int *status, char *err,
                       size_t cap);

/* The model metadata response (GET /v2/models/NAME). */
json_t *srv_model_metadata(const srv_model *v);

/* JSON memory: every jansson allocation is counted against a process-wide budget, so bodies of
 * millions of tiny values cannot multiply into gigabytes. A parse that would pass the budget
 * fails: SRV_TOO_LARGE when this request alone needs more than the whole budget, SRV_BUSY when
 * other requests hold the rest. */
void srv_json_budget(size_t bytes);

/* j as compact JSON text in plain malloc memory (free() it), or NULL. */
char *srv_json_text(const json_t *j, size_t *len);

/* ---- metrics (metrics.c) ------------------------------------------------------------------ */

enum srv_endpoint {
    EP_INFER = 0, EP_PREDICT, EP_METADATA, EP_READY, EP_HEALTH, EP_METRICS, EP_OTHER, EP_COUNT
};

void srv_metrics_init(srv_models *ms);
/* One finished request: its model (NULL: none), endpoint, status and seconds taken. */
void srv_metrics_request(const srv_slot *s, enum srv_endpoint ep, unsigned status, double sec);
void srv_metrics_connections(int delta);
/* The Prometheus text exposition (caller frees), or NULL. */
char *srv_metrics_render(srv_models *ms, size_t *len);

/* ---- the HTTP server (http.c) ------------------------------------------------------------- */

typedef struct srv_http_options {
    int listen_fd;
    unsigned threads;          /* request threads */
    size_t max_body;           /* bytes; larger bodies get 413 */
    unsigned max_connections;  /* beyond: 503 (and a hard cap a little above, from the library) */
    unsigned timeout_s;        /* an idle or stalled connection is closed after this */
} srv_http_options;

typedef struct srv_http srv_http;

int srv_http_start(srv_models *ms, const srv_http_options *o, srv_http **out);
/* Stops accepting, lets every request whose headers have arrived finish (at most drain_s
 * seconds; connections still in the listening socket's backlog are taken and answered too),
 * then closes every connection and frees the server. */
void srv_http_stop(srv_http *h, unsigned drain_s);

#endif
