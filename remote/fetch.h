/*
 * fetch.h — ranged GETs of one object over a libcurl multi handle: a batch of ranges runs in
 * parallel (bounded), each retried with back-off and resumed from the bytes it already received,
 * every answer checked against the object's pin before a byte of it is used.
 *
 * The pin: the size, ETag (or Last-Modified) of the object's first answers. Every later request
 * carries If-Match (or If-Unmodified-Since); a 412, or an answer whose size or validator differs,
 * fails with "the object changed since it was opened". A server that ignores Range (200 with the
 * whole body) is refused before its body is read, unless the range asked for was the whole
 * object. 5xx, 429, timeouts, stalls and dropped connections are retried up to the attempts and
 * time of the object's settings; 403 is "access denied", 404 "not found", other answers fail at
 * once. Memory: the bytes go straight to their destinations; only a failed answer's first bytes
 * are kept (for S3's error code).
 */
#ifndef FROST_REMOTE_FETCH_H
#define FROST_REMOTE_FETCH_H

#include <curl/curl.h>
#include <stdatomic.h>
#include <stdint.h>

#include "config.h"
#include "http.h"
#include "s3.h"

typedef struct rm_counters {
    _Atomic uint64_t requests;
    _Atomic uint64_t bytes;
    _Atomic uint64_t retries;
    _Atomic uint64_t cache_hits;
} rm_counters;

/* An object and how to ask for it; the pin is learned by the open's requests (one thread) and
 * only read afterwards. */
typedef struct rm_target {
    const char *url;             /* what is requested (for s3://, the endpoint's URL) */
    const char *name;            /* how messages name it (url.h) */
    const rm_s3 *s3;             /* signing settings, or NULL for http(s) */
    const rm_config *cfg;
    rm_counters *count;
    int pinned;                  /* size and validators below are known */
    uint64_t size;
    char etag[RM_VALIDATOR_MAX];          /* strong ETag: If-Match; "" when none */
    char last_modified[RM_VALIDATOR_MAX]; /* If-Unmodified-Since when there is no strong ETag */
    char weak_etag[RM_VALIDATOR_MAX];     /* compared on every answer, never sent */
} rm_target;

/* Where len bytes at object offset off go. */
typedef struct rm_span {
    uint64_t off;
    uint32_t len;
    uint32_t block;              /* the block they are (the cache's), or UINT32_MAX */
    uint8_t *dst;
} rm_span;

enum { RM_PENDING = 0, RM_RUNNING = 1, RM_DONE = 2, RM_FAILED = 3 };

/* One ranged GET: bytes [start, end) of the object into its spans (sorted, inside the range;
 * bytes between spans are discarded). */
typedef struct rm_range {
    uint64_t start, end;
    int suffix;                  /* ask for the last end - start bytes (bytes=-N): start and end
                                  * become the answer's, spans relative to them */
    int open_end;                /* the object may end before end (the first read) */
    int optional;                /* its failure fails neither the batch nor the other ranges */
    rm_span *spans;
    size_t n_spans;
    /* outcome */
    int state;                   /* RM_* */
    uint64_t got;                /* bytes received from start, in order */
    fr_err err;                  /* when RM_FAILED */
    /* the attempt in flight (fetch.c) */
    struct rm_target *target;
    CURL *easy;
    struct curl_slist *headers;
    unsigned attempts;
    double first_start, deadline, not_before;
    size_t span_at;
    int status, checked, verdict, has_range, has_length, encoded, validators;
    uint64_t cr_first, cr_last, cr_total, length;
    char etag[RM_VALIDATOR_MAX], last_modified[RM_VALIDATOR_MAX];
    char error_body[512];
    size_t error_len;
    char curl_error[CURL_ERROR_SIZE];
    char range_text[48];
} rm_range;

/* A set of connections (a multi handle) that one thread at a time runs batches on; kept between
 * batches so that connections are reused. */
typedef struct rm_session rm_session;

rm_session *rm_session_new(const rm_config *cfg, const fr_allocator *alloc);
void rm_session_free(rm_session *s);

/* Runs every range to RM_DONE, or fails with the first failure of a range that is not optional
 * (in range order); no transfer is left writing into a span when it returns. */
int rm_fetch(rm_session *s, rm_target *t, rm_range *ranges, size_t n, fr_err *e);

#endif
