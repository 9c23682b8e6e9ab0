/*
 * cache.h — FROST_CACHE_DIR: fetched headers and blocks kept on disk, shared by processes.
 *
 * Layout, under DIR/frost-cache-v1/:
 *   index/<XXH3-128 of the URL>        which object a URL was (rm_index, text)
 *   <header digest>/header             a header region, named by its digest (FORMAT.md)
 *   <header digest>/<checksum>-<size>  a block's stored bytes, named by its XXH3-64 checksum
 *
 * Headers and blocks are content-addressed, and checked when read back (the digest, the
 * checksum): a damaged or torn entry is a miss (and removed), never a wrong byte. A block is
 * keyed by its header's digest as well, so a model crafted to collide with another's block
 * checksum cannot feed it its bytes. The index lets a second process open a URL with no request
 * at all: it names the object's size, validators, header digest and footer as the first process
 * saw them. Blocks not cached are then fetched with If-Match on that pinned ETag, so a mix of
 * two versions is impossible: an object replaced since fails with "the object changed since it
 * was opened", and its index entry is dropped so that the next open sees the new object. A fully
 * cached model is served from the cache without asking the server; delete DIR (any time — every
 * entry is written atomically) to start afresh.
 *
 * Several processes may fill one cache at once: every file is written under a unique temporary
 * name and renamed into place. A failure to write is not an error (the cache is an
 * optimisation); a cache directory that cannot be created is.
 */
#ifndef FROST_REMOTE_CACHE_H
#define FROST_REMOTE_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "http.h"

#define RM_INDEX_URL_MAX 2048
#define RM_INDEX_TEXT_MAX 4096

/* One index entry: the object a URL named when it was opened. */
typedef struct rm_index {
    char url[RM_INDEX_URL_MAX];            /* credential-free; compared on lookup */
    uint64_t size;
    char etag[RM_VALIDATOR_MAX];           /* "" when none */
    char last_modified[RM_VALIDATOR_MAX];  /* "" when none */
    uint64_t header_size;
    uint8_t digest[16];
    uint8_t footer[32];
} rm_index;

/* The entry as the file holds it; the length written (< cap), or 0 when it does not fit. */
size_t rm_index_format(const rm_index *x, char *out, size_t cap);
/* Parses a file's text, strictly (every line, in order; sizes consistent). 0 or -1. */
int rm_index_parse(const char *text, size_t n, rm_index *out);

typedef struct rm_cache {
    char root[4200];   /* DIR/frost-cache-v1, or "" when off */
} rm_cache;

/* Turns the cache on at dir (created when missing); "" leaves it off. */
int rm_cache_open(rm_cache *c, const char *dir, fr_err *e);
static inline int rm_cache_on(const rm_cache *c) { return c->root[0] != '\0'; }

/* 1 with *x filled when url has an entry, else 0. */
int rm_cache_index_get(const rm_cache *c, const char *url, rm_index *x);
void rm_cache_index_put(const rm_cache *c, const rm_index *x);
void rm_cache_index_drop(const rm_cache *c, const char *url);

/* 1 when the header named digest is cached and matches it (read into buf, size bytes). */
int rm_cache_header_get(const rm_cache *c, const uint8_t digest[16], uint8_t *buf, uint64_t size);
void rm_cache_header_put(const rm_cache *c, const uint8_t digest[16], const uint8_t *buf,
                         uint64_t size);

/* 1 when the block is cached and its bytes match checksum (read into dst, size bytes). */
int rm_cache_block_get(const rm_cache *c, const uint8_t digest[16], uint64_t checksum,
                       uint32_t size, uint8_t *dst);
/* Stores a block's stored bytes, when they match checksum. */
void rm_cache_block_put(const rm_cache *c, const uint8_t digest[16], uint64_t checksum,
                        const uint8_t *src, uint32_t size);

#endif
