/*
 * plugin.c — libfrost_remote.so: one remote object per model opened by URL (runtime/remote.h).
 *
 * Open: the object's first bytes and its footer in one round trip — two ranged GETs in parallel,
 * bytes=0-(FIRST_READ-1) and bytes=-32 — which also pin its size and ETag; or nothing at all
 * when the cache's index knows the URL and holds its header. Read: a batch of the runtime's
 * requests becomes one batch of ranged GETs — blocks the cache holds are taken from it, the
 * others sorted by offset, neighbours (and blocks a small gap apart) coalesced into one range,
 * one range per request, since S3 and many servers answer several ranges in one request with
 * the whole object; an object no larger than the first read is read once, whole. Each thread
 * reading at once takes a session (a multi handle and its
 * connections) of its own from the object's pool, so connections are reused batch to batch.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "cache.h"
#include "config.h"
#include "endian.h"
#include "fetch.h"
#include "layout.h"
#include "remote.h"
#include "url.h"

/* The first read: the header and the packed top levels after it, for forests of up to a few
 * hundred trees (RF500's 400 KB header takes one more request), and all of a smaller object.
 * A round trip to a store costs tens of ms; 256 KiB, a few ms at the bandwidth of one
 * connection — 64 KiB took two more round trips for a 200-tree forest (its header's rest,
 * then its top levels). */
#define FIRST_READ ((uint64_t)256 << 10)
/* Ranges: blocks at most this far apart share one (the bytes between are cheaper than a
 * request), and no range is longer than this (so that load_all runs several in parallel). */
#define GAP_MERGE ((uint64_t)4 << 10)
#define MAX_RANGE ((uint64_t)8 << 20)

typedef struct block_ref {
    uint64_t off;
    uint32_t id;
} block_ref;

typedef struct pooled {
    rm_session *s;
    struct pooled *next;
} pooled;

struct rt_remote {
    const fr_allocator *alloc;
    rm_config cfg;
    rm_s3 *s3;                  /* for s3:// only */
    char *url;                  /* what is requested */
    char name[256];             /* how messages name it */
    char index_url[RM_INDEX_URL_MAX]; /* the cache index's key: the URL without credentials;
                                       * "" when not indexed (a presigned URL's query changes) */
    rm_target target;
    rm_counters count;
    rm_cache cache;
    uint8_t *prefix;            /* the first read's bytes (the header from the cache), kept */
    size_t prefix_len;
    int whole;                  /* the first read brought the whole object: reads are copies */
    int header_cached;          /* the header came from the cache */
    int index_pinned;           /* the pin came from the cache's index */
    /* describe */
    uint8_t digest[16];
    const uint8_t *block_table;
    uint32_t n_blocks;
    block_ref *by_offset;       /* the blocks sorted by offset, for the cache's lookups */
    uint8_t footer[32];
    pthread_mutex_t pool_lock;
    pooled *pool;
};

/* ---- sessions ------------------------------------------------------------------------------- */

static rm_session *take_session(rt_remote *r)
{
    pthread_mutex_lock(&r->pool_lock);
    pooled *p = r->pool;
    if (p)
        r->pool = p->next;
    pthread_mutex_unlock(&r->pool_lock);
    if (!p)
        return rm_session_new(&r->cfg, r->alloc);
    rm_session *s = p->s;
    fr_free(r->alloc, p);
    return s;
}

static void give_session(rt_remote *r, rm_session *s)
{
    pooled *p = fr_malloc(r->alloc, sizeof *p);
    if (!p) {
        rm_session_free(s);
        return;
    }
    p->s = s;
    pthread_mutex_lock(&r->pool_lock);
    p->next = r->pool;
    r->pool = p;
    pthread_mutex_unlock(&r->pool_lock);
}

static int fetch(rt_remote *r, rm_range *ranges, size_t n, fr_err *e)
{
    rm_session *s = take_session(r);
    if (!s)
        return fr_fail(e, FR_ENOMEM, "out of memory for connections");
    int rc = rm_fetch(s, &r->target, ranges, n, e);
    give_session(r, s);
    /* a pin taken from the index that no longer holds: the next open asks afresh */
    if (rc && r->index_pinned && strstr(e->msg, "changed since it was opened"))
        rm_cache_index_drop(&r->cache, r->index_url);
    return rc;
}

/* ---- open ----------------------------------------------------------------------------------- */

static void free_object(rt_remote *r)
{
    if (!r)
        return;
    while (r->pool) {
        pooled *p = r->pool;
        r->pool = p->next;
        rm_session_free(p->s);
        fr_free(r->alloc, p);
    }
    pthread_mutex_destroy(&r->pool_lock);
    fr_free(r->alloc, r->s3);
    fr_free(r->alloc, r->url);
    fr_free(r->alloc, r->prefix);
    fr_free(r->alloc, r->by_offset);
    fr_free(r->alloc, r);
}

/* What is requested, and the index's key. */
static int resolve_url(rt_remote *r, const char *url, fr_err *e)
{
    int rc;
    if (rt_url_kind_of(url) == RT_URL_S3) {
        if (!(r->s3 = fr_malloc(r->alloc, sizeof *r->s3)))
            return fr_fail(e, FR_ENOMEM, "out of memory");
        if ((rc = rm_s3_resolve(url, r->alloc, &r->url, r->s3, e)))
            return rc;
    } else {
        size_t n = strlen(url);
        if (!(r->url = fr_malloc(r->alloc, n + 1)))
            return fr_fail(e, FR_ENOMEM, "out of memory");
        memcpy(r->url, url, n + 1);
    }
    /* A URL with a query (a presigned one: its signature changes at every signing) is not
     * indexed; its header and blocks are still cached by content. */
    if (!strchr(r->url, '?') && strlen(r->url) + 4 < sizeof r->index_url)
        rt_url_display(r->url, r->index_url, sizeof r->index_url);
    return 0;
}

/* The object as the cache's index knows it, with no request: 1 when it does. */
static int open_from_cache(rt_remote *r)
{
    rm_index x;
    if (!r->index_url[0] || !rm_cache_index_get(&r->cache, r->index_url, &x))
        return 0;
    uint8_t *buf = fr_malloc(r->alloc, (size_t)x.header_size);
    if (!buf)
        return 0;
    if (!rm_cache_header_get(&r->cache, x.digest, buf, x.header_size)) {
        fr_free(r->alloc, buf);
        return 0;
    }
    r->prefix = buf;
    r->prefix_len = (size_t)x.header_size;
    r->header_cached = r->index_pinned = 1;
    rm_target *t = &r->target;
    t->size = x.size;
    if (x.etag[0] == '"')
        strcpy(t->etag, x.etag);
    else
        strcpy(t->weak_etag, x.etag);
    if (!t->etag[0])
        strcpy(t->last_modified, x.last_modified);
    t->pinned = 1;
    memcpy(r->footer, x.footer, sizeof r->footer);
    atomic_fetch_add(&r->count.cache_hits, 1);
    return 1;
}

/* The first round trip: the first bytes and the footer, in parallel. */
static int open_from_network(rt_remote *r, fr_err *e)
{
    if (!(r->prefix = fr_malloc(r->alloc, (size_t)FIRST_READ)))
        return fr_fail(e, FR_ENOMEM, "out of memory");
    rm_span first = {.off = 0, .len = (uint32_t)FIRST_READ, .block = UINT32_MAX, .dst = r->prefix};
    rm_span tail = {.off = 0, .len = FMT_FOOTER_SIZE, .block = UINT32_MAX, .dst = r->footer};
    rm_range ranges[2];
    memset(ranges, 0, sizeof ranges);
    ranges[0] = (rm_range){.start = 0, .end = FIRST_READ, .open_end = 1, .spans = &first,
                           .n_spans = 1};
    /* optional: a server that ignores Range answers the tail with the whole object, which is
     * refused; the first read then has the footer when the object is that small */
    ranges[1] = (rm_range){.start = 0, .end = FMT_FOOTER_SIZE, .suffix = 1, .optional = 1,
                           .spans = &tail, .n_spans = 1};
    int rc = fetch(r, ranges, 2, e);
    if (rc)
        return rc;
    r->prefix_len = (size_t)ranges[0].got;
    uint64_t size = r->target.size;
    r->whole = r->prefix_len == size;
    if (size <= FIRST_READ && r->prefix_len == size && size >= FMT_FOOTER_SIZE)
        memcpy(r->footer, r->prefix + size - FMT_FOOTER_SIZE, FMT_FOOTER_SIZE);
    else if (ranges[1].state != RM_DONE) {
        *e = ranges[1].err;
        return e->code;
    } else if (ranges[1].got != FMT_FOOTER_SIZE)
        return fr_fail(e, FR_ETRUNCATED, "%s: %llu bytes is too short for a .frost file",
                       r->name, (unsigned long long)size);
    return 0;
}

static int remote_open(const char *url, const rt_remote_config *in, rt_remote **out,
                       rt_remote_head *head, fr_err *e)
{
    *out = NULL;
    rt_remote *r = fr_calloc(in->alloc, 1, sizeof *r);
    if (!r)
        return fr_fail(e, FR_ENOMEM, "out of memory");
    r->alloc = in->alloc;
    pthread_mutex_init(&r->pool_lock, NULL);
    rt_url_display(url, r->name, sizeof r->name);
    int rc;
    if ((rc = rm_config_resolve(in, &r->cfg, e)) || (rc = resolve_url(r, url, e)) ||
        (rc = rm_cache_open(&r->cache, r->cfg.cache_dir, e))) {
        free_object(r);
        return rc;
    }
    r->target = (rm_target){.url = r->url, .name = r->name, .s3 = r->s3, .cfg = &r->cfg,
                            .count = &r->count};
    if (!open_from_cache(r) && (rc = open_from_network(r, e))) {
        free_object(r);
        return rc;
    }
    head->size = r->target.size;
    head->prefix = r->prefix;
    head->prefix_len = r->prefix_len;
    memcpy(head->footer, r->footer, sizeof head->footer);
    *out = r;
    return 0;
}

/* ---- describe ------------------------------------------------------------------------------- */

static int cmp_ref(const void *a, const void *b)
{
    uint64_t x = ((const block_ref *)a)->off, y = ((const block_ref *)b)->off;
    return x < y ? -1 : x > y;
}

static void remote_describe(rt_remote *r, const uint8_t *header, uint64_t header_size,
                            const uint8_t digest[16], const uint8_t *block_table,
                            uint32_t n_blocks)
{
    memcpy(r->digest, digest, 16);
    r->block_table = block_table;
    r->n_blocks = n_blocks;
    /* the prefix stays: the first read's bytes past the header (most often the packed top
     * levels of every tree) are the first blocks a prediction needs */
    if (!rm_cache_on(&r->cache))
        return;
    if (!r->header_cached)
        rm_cache_header_put(&r->cache, digest, header, header_size);
    const rm_target *t = &r->target;
    /* without a validator a replaced object could not be noticed: such URLs are not indexed */
    if (r->index_url[0] && !r->index_pinned &&
        (t->etag[0] || t->weak_etag[0] || t->last_modified[0])) {
        rm_index x;
        memset(&x, 0, sizeof x);
        strcpy(x.url, r->index_url);
        x.size = t->size;
        strcpy(x.etag, t->etag[0] ? t->etag : t->weak_etag);
        strcpy(x.last_modified, t->last_modified);
        x.header_size = header_size;
        memcpy(x.digest, digest, 16);
        memcpy(x.footer, r->footer, 32);
        rm_cache_index_put(&r->cache, &x);
    }
    if (n_blocks && (r->by_offset = fr_malloc(r->alloc, (size_t)n_blocks * sizeof *r->by_offset))) {
        for (uint32_t b = 0; b < n_blocks; b++)
            r->by_offset[b] = (block_ref){
                .off = fr_rd64(block_table + (size_t)b * FMT_BLOCK_ENTRY + FMT_BE_OFFSET), .id = b};
        qsort(r->by_offset, n_blocks, sizeof *r->by_offset, cmp_ref);
    }
}

/* ---- read ----------------------------------------------------------------------------------- */

static uint32_t stored_size(const rt_remote *r, uint32_t b)
{
    return fr_rd32(r->block_table + (size_t)b * FMT_BLOCK_ENTRY + FMT_BE_STORED_SIZE);
}

static uint64_t checksum(const rt_remote *r, uint32_t b)
{
    return fr_rdbe64(r->block_table + (size_t)b * FMT_BLOCK_ENTRY + FMT_BE_CHECKSUM);
}

/* The block that starts at off, or UINT32_MAX. */
static uint32_t block_at(const rt_remote *r, uint64_t off)
{
    size_t lo = 0, hi = r->by_offset ? r->n_blocks : 0;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (r->by_offset[mid].off < off)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < r->n_blocks && r->by_offset && r->by_offset[lo].off == off ? r->by_offset[lo].id
                                                                           : UINT32_MAX;
}

/* The spans still to fetch for reqs: with the cache on, request by request split into the blocks
 * it covers, each taken from the cache when it is there; *n_out spans written to spans (room
 * for the worst case is the caller's). */
static size_t plan_spans(rt_remote *r, rt_req *reqs, size_t n, rm_span *spans, size_t cap)
{
    size_t k = 0;
    int cache = rm_cache_on(&r->cache) && r->by_offset;
    for (size_t i = 0; i < n; i++) {
        uint64_t off = reqs[i].offset + reqs[i].done, end = reqs[i].offset + reqs[i].len;
        uint8_t *dst = reqs[i].dst + reqs[i].done;
        while (off < end && k < cap) {
            uint32_t b = cache ? block_at(r, off) : UINT32_MAX;
            uint64_t len = end - off;
            if (b != UINT32_MAX && stored_size(r, b) <= len) {
                len = stored_size(r, b);
                if (rm_cache_block_get(&r->cache, r->digest, checksum(r, b), (uint32_t)len, dst)) {
                    atomic_fetch_add(&r->count.cache_hits, 1);
                    off += len;
                    dst += len;
                    continue;
                }
            } else {
                b = UINT32_MAX;
            }
            spans[k++] = (rm_span){.off = off, .len = (uint32_t)len, .block = b, .dst = dst};
            off += len;
            dst += len;
        }
    }
    return k;
}

static int cmp_span(const void *a, const void *b)
{
    uint64_t x = ((const rm_span *)a)->off, y = ((const rm_span *)b)->off;
    return x < y ? -1 : x > y;
}

/* Sorted spans into ranges: a span joins the range before it when it starts at most GAP_MERGE
 * after its end and the range stays under MAX_RANGE; overlapping spans never share a range. */
static size_t plan_ranges(rm_span *spans, size_t n, rm_range *ranges)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        rm_range *last = k ? &ranges[k - 1] : NULL;
        uint64_t end = spans[i].off + spans[i].len;
        if (last && spans[i].off >= last->end && spans[i].off - last->end <= GAP_MERGE &&
            end - last->start <= MAX_RANGE) {
            last->end = end;
            last->n_spans++;
            continue;
        }
        ranges[k++] = (rm_range){.start = spans[i].off, .end = end, .spans = &spans[i],
                                 .n_spans = 1};
    }
    return k;
}

/* The most spans a batch of requests can need: one per block it covers, and one per request. */
static size_t max_spans(const rt_remote *r, const rt_req *reqs, size_t n)
{
    uint64_t total = n;
    for (size_t i = 0; i < n; i++)
        total += reqs[i].len / 4096 + 1; /* blocks are at least a page (FORMAT.md) apart */
    (void)r;
    return (size_t)total;
}

static int remote_read(rt_remote *r, rt_req *reqs, size_t n, fr_err *e)
{
    size_t cap = max_spans(r, reqs, n);
    rm_span *spans = fr_calloc(r->alloc, cap, sizeof *spans);
    rm_range *ranges = fr_calloc(r->alloc, cap, sizeof *ranges);
    int rc = 0;
    if (!spans || !ranges) {
        rc = fr_fail(e, FR_ENOMEM, "out of memory for %zu reads", n);
        goto free_all;
    }
    size_t n_spans = plan_spans(r, reqs, n, spans, cap);
    /* Spans the first read brought are copied from it, the rest (moved to the front) fetched;
     * a small object read whole has them all. A span that is no single block (the cache keeps
     * whole blocks) starting in the first read is fetched from where that read ended. */
    size_t n_fetch = 0;
    for (size_t i = 0; i < n_spans; i++) {
        rm_span sp = spans[i];
        if (sp.off <= r->prefix_len && sp.len <= r->prefix_len - sp.off) {
            memcpy(sp.dst, r->prefix + sp.off, sp.len);
        } else {
            if (sp.block == UINT32_MAX && sp.off < r->prefix_len) {
                uint32_t head = (uint32_t)(r->prefix_len - sp.off);
                memcpy(sp.dst, r->prefix + sp.off, head);
                sp.off += head;
                sp.dst += head;
                sp.len -= head;
            }
            spans[i] = spans[n_fetch];
            spans[n_fetch++] = sp;
        }
    }
    if (n_fetch && r->whole) {
        rc = fr_fail(e, FR_ETRUNCATED, "%s: read past the end of the object", r->name);
        goto free_all;
    }
    qsort(spans, n_fetch, sizeof *spans, cmp_span);
    size_t n_ranges = plan_ranges(spans, n_fetch, ranges);
    if (n_ranges && (rc = fetch(r, ranges, n_ranges, e)))
        goto free_all;
    for (size_t i = 0; i < n; i++)
        reqs[i].done = reqs[i].len;
    for (size_t i = 0; i < n_spans && rm_cache_on(&r->cache); i++)
        if (spans[i].block != UINT32_MAX)
            rm_cache_block_put(&r->cache, r->digest, checksum(r, spans[i].block), spans[i].dst,
                               spans[i].len);
free_all:
    fr_free(r->alloc, spans);
    fr_free(r->alloc, ranges);
    return rc;
}

/* ---- the rest of the table ------------------------------------------------------------------ */

static void remote_stats(const rt_remote *r, rt_remote_stats *out)
{
    rm_counters *c = (rm_counters *)&r->count; /* read, not changed */
    out->requests = atomic_load(&c->requests);
    out->bytes = atomic_load(&c->bytes);
    out->retries = atomic_load(&c->retries);
    out->cache_hits = atomic_load(&c->cache_hits);
}

static void remote_close(rt_remote *r) { free_object(r); }

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static int curl_ready;

/* libcurl's global state, once per process (curl_global_init is not to be raced). */
static void init_curl(void) { curl_ready = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK; }

static int open_entry(const char *url, const rt_remote_config *cfg, rt_remote **out,
                      rt_remote_head *head, fr_err *e)
{
    pthread_once(&curl_once, init_curl);
    if (!curl_ready)
        return fr_fail(e, FR_EIO, "libcurl could not be initialised");
    return remote_open(url, cfg, out, head, e);
}

static const rt_remote_api api = {
    .abi = RT_REMOTE_ABI,
    .req_size = sizeof(rt_req),
    .err_size = sizeof(fr_err),
    .config_size = sizeof(rt_remote_config),
    .open = open_entry,
    .read = remote_read,
    .describe = remote_describe,
    .stats = remote_stats,
    .close = remote_close,
};

__attribute__((visibility("default"))) const rt_remote_api *frost_remote_plugin_v1(void);

__attribute__((visibility("default"))) const rt_remote_api *frost_remote_plugin_v1(void)
{
    return &api;
}
