/*
 * loader.c — makes blocks ready exactly once, however many threads ask at the same time.
 *
 * A block is IDLE, LOADING (one thread owns it) or READY (verified and decoded in its chunk's
 * buffer; from then on read without locks). A caller claims the IDLE blocks it needs, reads all of
 * them in one batch, verifies and decodes each, publishes them READY with a release store, and
 * waits for blocks other threads were loading. A failed block goes back to IDLE, so the handle
 * stays usable and a later call retries it; a block that failed is never READY, so no prediction
 * is made from a partly loaded tree.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "internal.h"

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* Under m->lock: decides where block b's raw bytes will live — its place in a flat chunk when
 * there is one, else a slot in the arena (kept across a failed load, for the retry). */
static int claim_memory(frost_model *m, uint32_t b, fr_err *e)
{
    if (m->block_mem[b])
        return 0;
    const fmt_header *h = &m->h;
    uint32_t c = m->block_chunk[b];
    if (m->chunk_flat[c]) {
        m->block_mem[b] = m->chunk_flat[c] + ((size_t)(b - h->chunks[c].first_block) << h->block_shift);
        return 0;
    }
    m->block_mem[b] = rt_arena_alloc(&m->arena, fmt_block_raw_size(h, b), 64);
    if (!m->block_mem[b])
        return fr_fail(e, FROST_ENOMEM, "out of memory for block %u (%u bytes)", b,
                       fmt_block_raw_size(h, b));
    return 0;
}

/* Verifies and decodes each block from its stored bytes (src[i], or the mapping when src is
 * NULL) into its chunk buffer; ok[i] marks those that became valid; the first failure is
 * returned with its message. */
static int decode_all(frost_model *m, const uint32_t *ids, size_t n, uint8_t *const *src,
                      uint8_t *ok, fr_err *e)
{
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        const uint8_t *stored = src ? src[i] : m->file_map + fmt_block_at(&m->h, ids[i]).offset;
        fr_err be;
        int brc = fmt_block_decode(&m->h, ids[i], stored, m->block_mem[ids[i]], &be);
        atomic_fetch_add(&m->counters.blocks_verified, 1);
        if (!brc)
            ok[i] = 1;
        else if (!rc) {
            rc = brc;
            *e = be;
        }
    }
    return rc;
}

/* Reads, verifies and decodes the claimed blocks ids[0..n) (sorted, distinct). ok[i] is set for
 * each block that became valid. */
static int load_claimed(frost_model *m, const uint32_t *ids, size_t n, uint8_t *ok, fr_err *e)
{
    const fmt_header *h = &m->h;
    int rc = 0;
    if (m->io_mode == FROST_IO_MMAP)
        return decode_all(m, ids, n, NULL, ok, e);

    /* Compressed blocks land in a staging area first; uncompressed ones straight in place. */
    size_t staging = 0;
    for (size_t i = 0; i < n; i++)
        if (fmt_block_at(h, ids[i]).codec != FMT_CODEC_NONE)
            staging += fmt_block_at(h, ids[i]).stored_size;
    uint8_t *stage = staging ? fr_malloc(m->alloc, staging) : NULL;
    rt_req *reqs = fr_calloc(m->alloc, n, sizeof *reqs);
    uint8_t **src = fr_calloc(m->alloc, n, sizeof *src);
    if ((staging && !stage) || !reqs || !src) {
        rc = fr_fail(e, FROST_ENOMEM, "out of memory reading %zu blocks", n);
        goto free_bufs;
    }
    size_t n_reqs = 0, spos = 0;
    for (size_t i = 0; i < n; i++) {
        const fmt_block bv = fmt_block_at(h, ids[i]), *b = &bv;
        uint8_t *dst = b->codec == FMT_CODEC_NONE ? m->block_mem[ids[i]] : stage + spos;
        if (b->codec != FMT_CODEC_NONE)
            spos += b->stored_size;
        src[i] = dst;
        rt_req *prev = n_reqs ? &reqs[n_reqs - 1] : NULL;
        /* neighbours in the file and in memory become one read */
        if (prev && prev->offset + prev->len == b->offset && prev->dst + prev->len == dst &&
            (uint64_t)prev->len + b->stored_size <= (1u << 30)) {
            prev->len += b->stored_size;
        } else {
            reqs[n_reqs++] = (rt_req){.offset = b->offset, .len = b->stored_size, .dst = dst};
        }
    }
    rc = rt_io_read(&m->io, reqs, n_reqs, &m->counters, e);
    if (!rc)
        rc = decode_all(m, ids, n, src, ok, e);

free_bufs:
    fr_free(m->alloc, stage);
    fr_free(m->alloc, reqs);
    fr_free(m->alloc, src);
    return rc;
}

int rt_load_blocks(frost_model *m, const uint32_t *ids_in, size_t n, fr_err *e)
{
    if (n == 0)
        return 0;
    uint32_t *mine = fr_malloc(m->alloc, n * sizeof *mine);
    uint8_t *ok = fr_calloc(m->alloc, n, 1);
    if (!mine || !ok) {
        fr_free(m->alloc, mine);
        fr_free(m->alloc, ok);
        return fr_fail(e, FROST_ENOMEM, "out of memory loading %zu blocks", n);
    }
    int rc = 0;
    for (int attempt = 0; attempt < 3; attempt++) {
        size_t n_mine = 0, n_other = 0;
        pthread_mutex_lock(&m->lock);
        for (size_t i = 0; i < n && !rc; i++) {
            uint32_t b = ids_in[i];
            uint8_t st = atomic_load_explicit(&m->block_state[b], memory_order_relaxed);
            if (st == RT_BLOCK_READY)
                continue;
            if (st == RT_BLOCK_LOADING) {
                n_other++;
                continue;
            }
            rc = claim_memory(m, b, e);
            if (rc)
                break;
            atomic_store_explicit(&m->block_state[b], RT_BLOCK_LOADING, memory_order_relaxed);
            mine[n_mine++] = b;
        }
        if (rc) {
            for (size_t i = 0; i < n_mine; i++)
                atomic_store_explicit(&m->block_state[mine[i]], RT_BLOCK_IDLE,
                                      memory_order_relaxed);
            pthread_mutex_unlock(&m->lock);
            break;
        }
        pthread_mutex_unlock(&m->lock);

        if (n_mine) {
            qsort(mine, n_mine, sizeof *mine, cmp_u32);
            memset(ok, 0, n_mine);
            rc = load_claimed(m, mine, n_mine, ok, e);
            pthread_mutex_lock(&m->lock);
            for (size_t i = 0; i < n_mine; i++) {
                atomic_store_explicit(&m->block_state[mine[i]],
                                      ok[i] && !rc ? RT_BLOCK_READY : RT_BLOCK_IDLE,
                                      memory_order_release);
                if (ok[i] && !rc)
                    atomic_fetch_add(&m->counters.blocks_loaded, 1);
            }
            pthread_cond_broadcast(&m->cond);
            pthread_mutex_unlock(&m->lock);
            if (rc)
                break;
        }
        if (!n_other)
            break;
        /* wait for the blocks other threads own; retry any they failed to load */
        int retry = 0;
        pthread_mutex_lock(&m->lock);
        for (size_t i = 0; i < n; i++) {
            while (atomic_load_explicit(&m->block_state[ids_in[i]], memory_order_relaxed) ==
                   RT_BLOCK_LOADING)
                pthread_cond_wait(&m->cond, &m->lock);
            if (atomic_load_explicit(&m->block_state[ids_in[i]], memory_order_acquire) !=
                RT_BLOCK_READY)
                retry = 1;
        }
        pthread_mutex_unlock(&m->lock);
        if (!retry)
            break;
        if (attempt == 2)
            rc = fr_fail(e, FROST_EIO, "blocks could not be loaded by other threads");
    }
    fr_free(m->alloc, mine);
    fr_free(m->alloc, ok);
    return rc;
}

/* Under flat_lock, once every block is READY: gives each chunk its raw bytes in one piece for
 * the fast walker. Blocks already loaded into the arena are copied (they are verified and no
 * longer change); blocks claimed after the chunk got its flat buffer were loaded in place. */
static void flatten_chunks(frost_model *m)
{
    const fmt_header *h = &m->h;
    for (uint32_t c = 0; c < h->n_chunks; c++) {
        const fmt_chunk *ch = &h->chunks[c];
        uint8_t *flat = m->chunk_flat[c];
        for (uint32_t j = 0; j < ch->block_count; j++) {
            uint32_t b = ch->first_block + j;
            uint8_t *at = flat + ((size_t)j << h->block_shift);
            if (m->block_mem[b] != at)
                memcpy(at, m->block_mem[b], fmt_block_raw_size(h, b));
        }
    }
}

/* Under flat_lock: a flat buffer for every chunk that has none, so that the loads that follow
 * go straight into it. */
static int give_chunks_flat_buffers(frost_model *m, fr_err *e)
{
    const fmt_header *h = &m->h;
    int rc = 0;
    pthread_mutex_lock(&m->lock);
    for (uint32_t c = 0; c < h->n_chunks && !rc; c++) {
        if (m->chunk_flat[c])
            continue;
        uint64_t raw = h->chunks[c].raw_size;
        m->chunk_flat[c] = raw <= SIZE_MAX / 2 ? rt_arena_alloc(&m->arena, (size_t)raw, 4096)
                                               : NULL;
        if (!m->chunk_flat[c])
            rc = fr_fail(e, FROST_ENOMEM, "out of memory for chunk %u (%llu bytes)", c,
                         (unsigned long long)raw);
    }
    pthread_mutex_unlock(&m->lock);
    return rc;
}

int rt_load_everything(frost_model *m, fr_err *e)
{
    if (atomic_load_explicit(&m->all_ready, memory_order_acquire))
        return 0;
    pthread_mutex_lock(&m->flat_lock);
    if (atomic_load_explicit(&m->all_ready, memory_order_acquire)) {
        pthread_mutex_unlock(&m->flat_lock);
        return 0;
    }
    int rc = give_chunks_flat_buffers(m, e);
    uint32_t nb = m->h.n_blocks;
    uint32_t *ids = rc ? NULL : fr_malloc(m->alloc, (size_t)(nb ? nb : 1) * sizeof *ids);
    if (!rc && !ids)
        rc = fr_fail(e, FROST_ENOMEM, "out of memory");
    size_t n = 0;
    for (uint32_t b = 0; !rc && b < nb; b++)
        if (!rt_block_ready(m, b))
            ids[n++] = b;
    if (!rc)
        rc = rt_load_blocks(m, ids, n, e);
    fr_free(m->alloc, ids);
    for (uint32_t t = 0; !rc && t < m->h.n_trees; t++) {
        if (atomic_load_explicit(&m->tree_checked[t], memory_order_acquire))
            continue;
        uint8_t verdict = 0;
        rc = rt_check_tree(m, t, &verdict, e);
        if (!rc)
            atomic_store_explicit(&m->tree_checked[t], verdict, memory_order_release);
    }
    if (!rc) {
        flatten_chunks(m);
        atomic_store_explicit(&m->all_ready, 1, memory_order_release);
    }
    pthread_mutex_unlock(&m->flat_lock);
    return rc;
}
