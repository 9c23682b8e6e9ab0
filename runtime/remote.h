/*
 * remote.h — the contract between libfrost and libfrost_remote.so, the plugin that reads models
 * over HTTP(S) and S3.
 *
 * libfrost never links libcurl: a process pays for the dynamic loading of libcurl and its 30-odd
 * libraries (~13 ms at exec) only once it opens a URL. The runtime then loads the plugin with
 * dlopen (remote_link.c) and asks its one exported function, RT_REMOTE_ENTRY, for the table
 * below; nothing in format/ or runtime/ calls into remote/ any other way. The plugin is built
 * from the same tree as the library that loads it, and both check RT_REMOTE_ABI and the sizes of
 * the structures they share, so a stale plugin is refused rather than misread.
 *
 * Ownership: the runtime owns the model, its header buffer and its block table; it hands the
 * plugin borrowed pointers to them (describe) that stay valid until close. The plugin owns the
 * object (connections, pinned validators, cache) and the bytes it returns from open, which stay
 * valid until the next call on the object. Every call reports failure as a negative FROST_E* code
 * with a message in the caller's fr_err; messages never carry a credential (url.h).
 *
 * Threads: open, describe and close are called by one thread; read and stats may be called by
 * many threads at once on one object.
 */
#ifndef FROST_RUNTIME_REMOTE_H
#define FROST_RUNTIME_REMOTE_H

#include <stddef.h>
#include <stdint.h>

#include "alloc.h"
#include "err.h"
#include "io_req.h"

/* Bumped with any change to this header. */
#define RT_REMOTE_ABI 1u
/* The plugin's one exported symbol: const rt_remote_api *RT_REMOTE_ENTRY(void). */
#define RT_REMOTE_ENTRY "frost_remote_plugin_v1"
/* Its file, under the name make install gives it. */
#define RT_REMOTE_SONAME "libfrost_remote.so.0"

typedef struct rt_remote rt_remote; /* one opened object (the plugin's) */

/* The caller's settings (frost_open_options' remote fields): 0 / NULL leaves a setting to the
 * environment (FROST_REMOTE_*, FROST_CACHE_DIR), then to the default. */
typedef struct rt_remote_config {
    unsigned attempts;         /* tries per request, the first included */
    unsigned timeout_ms;       /* per request, its retries and back-off included */
    unsigned connections;      /* requests in flight at once */
    const char *cache_dir;     /* "" = no cache, even if FROST_CACHE_DIR is set */
    const fr_allocator *alloc; /* the model's hook (NULL: malloc); libcurl's own memory is its own */
} rt_remote_config;

/* What open learned in its first round trip (or from the cache). */
typedef struct rt_remote_head {
    uint64_t size;          /* the object's size in bytes */
    const uint8_t *prefix;  /* its first prefix_len bytes: min(size, the first read), or the
                             * whole header when the cache held it */
    size_t prefix_len;
    uint8_t footer[32];     /* its last 32 bytes (when size >= 32) */
} rt_remote_head;

typedef struct rt_remote_stats {
    uint64_t requests;      /* HTTP requests sent (every attempt counts) */
    uint64_t bytes;         /* response body bytes received */
    uint64_t retries;       /* attempts after a failed one */
    uint64_t cache_hits;    /* headers and blocks served from the cache */
} rt_remote_stats;

typedef struct rt_remote_api {
    uint32_t abi;           /* RT_REMOTE_ABI */
    uint32_t req_size;      /* sizeof(rt_req) */
    uint32_t err_size;      /* sizeof(fr_err) */
    uint32_t config_size;   /* sizeof(rt_remote_config) */
    /* Opens url (http, https or s3): the object's size, first bytes and footer, read in one
     * round trip of two ranged requests in parallel (or from the cache, with none), and the
     * object pinned to the validators of those answers. */
    int (*open)(const char *url, const rt_remote_config *cfg, rt_remote **out,
                rt_remote_head *head, fr_err *e);
    /* Completes every request (sets done = len) or fails; never leaves a transfer writing
     * into a dst after it returns. */
    int (*read)(rt_remote *r, rt_req *reqs, size_t n, fr_err *e);
    /* Once the header is parsed and its digest checked: the header region, its digest and its
     * block table (n_blocks entries of FORMAT.md's BLOCKS layout), which the cache keys blocks
     * by. Borrowed until close. */
    void (*describe)(rt_remote *r, const uint8_t *header, uint64_t header_size,
                     const uint8_t digest[16], const uint8_t *block_table, uint32_t n_blocks);
    void (*stats)(const rt_remote *r, rt_remote_stats *out);
    void (*close)(rt_remote *r);
} rt_remote_api;

typedef const rt_remote_api *(*rt_remote_entry_fn)(void);

#endif
