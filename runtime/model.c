/*
 * model.c — opening a .frost file: map the header prefix only, validate it, choose the I/O mode;
 * and the read-only questions a caller can ask of an open model.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "error.h"
#include "hook.h"
#include "internal.h"
#include "registry.h"
#include "url.h"
#include "workspace.h"

FROST_API void frost_open_options_init(frost_open_options *o)
{
    if (!o)
        return;
    memset(o, 0, sizeof *o);
    o->size = sizeof *o;
    o->io = FROST_IO_AUTO;
    o->load = FROST_LOAD_LAZY;
}

static int read_full(int fd, uint8_t *dst, size_t len, uint64_t off, fr_err *e)
{
    size_t done = 0;
    while (done < len) {
        ssize_t n = pread(fd, dst + done, len - done, (off_t)(off + done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return fr_fail(e, FROST_EIO, "read failed: %s", strerror(errno));
        if (n == 0)
            return fr_fail(e, FROST_ETRUNCATED, "file ends at offset %llu (truncated)",
                           (unsigned long long)(off + done));
        done += (size_t)n;
    }
    return 0;
}

/* FROST_IO in the environment, when the caller left the mode to us. */
static int io_mode_from_env(frost_io_mode *mode, fr_err *e)
{
    const char *v = getenv("FROST_IO");
    if (!v || !*v || strcmp(v, "auto") == 0)
        return 0;
    if (strcmp(v, "uring") == 0)
        *mode = FROST_IO_URING;
    else if (strcmp(v, "pread") == 0)
        *mode = FROST_IO_PREAD;
    else if (strcmp(v, "mmap") == 0)
        *mode = FROST_IO_MMAP;
    else
        return fr_fail(e, FROST_EINVAL, "FROST_IO=%s: expected auto, uring, pread or mmap", v);
    return 0;
}

/* The caller's options, checked, with the I/O mode FROST_IO may force. */
static int take_options(const frost_open_options *opts, frost_open_options *o,
                        frost_io_mode *mode, fr_err *e)
{
    frost_open_options_init(o);
    if (opts) {
        if (opts->size < sizeof o->size || opts->size > sizeof *o)
            return fr_fail(e, FROST_EINVAL, "frost_open: options size %zu not recognised",
                           opts->size);
        memcpy(o, opts, opts->size);
    }
    if (o->alloc && (!o->alloc->malloc_fn || !o->alloc->realloc_fn || !o->alloc->free_fn))
        return fr_fail(e, FROST_EINVAL, "frost_open: allocator needs all three functions");
    *mode = o->io;
    int rc;
    if (*mode == FROST_IO_AUTO && (rc = io_mode_from_env(mode, e)))
        return rc;
    if (*mode < FROST_IO_AUTO || *mode > FROST_IO_REMOTE)
        return fr_fail(e, FROST_EINVAL, "frost_open: unknown I/O mode %d", (int)*mode);
    return 0;
}

/* A handle with nothing open yet, its memory from the caller's hook (as the layers below take
 * it) when there is one. */
static frost_model *model_new(const frost_open_options *o, const rt_fault *fault)
{
    fr_allocator hook = rt_hook(o->alloc);
    frost_model *m = fr_malloc(o->alloc ? &hook : NULL, sizeof *m);
    if (!m)
        return NULL;
    memset(m, 0, sizeof *m);
    static _Atomic uint64_t next_serial = 1;
    m->serial = atomic_fetch_add(&next_serial, 1);
    if (o->alloc) {
        m->alloc_copy = hook;
        m->alloc = &m->alloc_copy;
    }
    if (fault)
        m->fault = *fault;
    m->missing_columns = o->missing_columns;
    m->fd = -1;
    pthread_mutex_init(&m->lock, NULL);
    pthread_cond_init(&m->cond, NULL);
    pthread_mutex_init(&m->err_lock, NULL);
    pthread_mutex_init(&m->ws_lock, NULL);
    pthread_mutex_init(&m->flat_lock, NULL);
    m->arena.alloc = m->alloc;
    rt_arena_allocator(&m->arena, &m->open_alloc);
    return m;
}

/* The file opened and the header prefix brought in and parsed — nothing else is read. */
static int read_header(frost_model *m, const char *path, frost_io_mode mode, uint64_t *file_size,
                       fr_err *e)
{
    m->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (m->fd < 0)
        return fr_fail(e, FROST_EIO, "cannot open %s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(m->fd, &st) != 0)
        return fr_fail(e, FROST_EIO, "cannot stat %s: %s", path, strerror(errno));
    if (!S_ISREG(st.st_mode))
        return fr_fail(e, FROST_EINVAL, "%s is not a regular file", path);
    *file_size = (uint64_t)st.st_size;
    /* Said before the first byte is read: reading the header would otherwise look like a
     * sequential stream and start readahead that runs on through the block reads (the whole
     * 50 MB of RF500 for one row). Blocks are read where the walks go, not in file order. */
    if (mode != FROST_IO_MMAP)
        posix_fadvise(m->fd, 0, 0, POSIX_FADV_RANDOM);
    uint8_t sb[FMT_SUPERBLOCK_SIZE], footer[FMT_FOOTER_SIZE];
    uint64_t header_size;
    int rc;
    if (*file_size < FMT_SUPERBLOCK_SIZE)
        return fr_fail(e, FROST_ETRUNCATED, "%s: %llu bytes is too short for a .frost file",
                       path, (unsigned long long)*file_size);
    if ((rc = read_full(m->fd, sb, sizeof sb, 0, e)) ||
        (rc = fmt_peek_header_size(sb, sizeof sb, &header_size, e)))
        return rc;
    if (header_size + FMT_FOOTER_SIZE > *file_size)
        return fr_fail(e, FROST_ETRUNCATED, "%s: file ends inside its header (truncated)", path);
    if ((rc = read_full(m->fd, footer, sizeof footer, *file_size - FMT_FOOTER_SIZE, e)))
        return rc;
    /* Only the header prefix is brought in: mapped in MMAP mode, else read with one pread into
     * the arena — one sequential I/O when cold, no fault-driven readahead running on into the
     * blocks, and one huge-page fault instead of one fault per 4 KiB page when warm (RF500's
     * header is 101 pages). Read as well where mapping is refused. Huge pages pay off when a
     * model's header or its blocks span many pages; for a small one a whole 2 MiB page is more
     * memory than the handful of faults it saves. */
    m->arena.plain = header_size < RT_HUGE_HEADER || *file_size < RT_HUGE_FILE;
    void *map = mode == FROST_IO_MMAP
                    ? mmap(NULL, (size_t)header_size, PROT_READ, MAP_PRIVATE, m->fd, 0)
                    : MAP_FAILED;
    if (map != MAP_FAILED) {
        m->header_buf = map;
        m->header_mapped = 1;
    } else {
        m->header_buf = header_size <= SIZE_MAX / 2
                            ? rt_arena_alloc(&m->arena, (size_t)header_size, 64)
                            : NULL;
        if (!m->header_buf)
            return fr_fail(e, FROST_ENOMEM, "out of memory for the header");
        if ((rc = read_full(m->fd, m->header_buf, (size_t)header_size, 0, e)))
            return rc;
    }
    m->header_len = (size_t)header_size;
    return fmt_header_parse(m->header_buf, m->header_len, *file_size, footer, &m->open_alloc,
                            &m->h, e);
}

/* Per-block and per-tree state, all idle, in the arena beside the header. */
static int make_block_tables(frost_model *m, uint64_t file_size, fr_err *e)
{
    const fmt_header *h = &m->h;
    const fr_allocator *oa = &m->open_alloc;
    size_t n_chunks = h->n_chunks ? h->n_chunks : 1, n_blocks = h->n_blocks ? h->n_blocks : 1;
    m->chunk_flat = fr_calloc(oa, n_chunks, sizeof *m->chunk_flat);
    m->block_mem = fr_calloc(oa, n_blocks, sizeof *m->block_mem);
    m->block_chunk = fr_calloc(oa, n_blocks, sizeof *m->block_chunk);
    m->block_state = fr_calloc(oa, n_blocks, 1);
    m->tree_checked = fr_calloc(oa, h->n_trees ? h->n_trees : 1, 1);
    if (!m->chunk_flat || !m->block_mem || !m->block_chunk || !m->block_state ||
        !m->tree_checked)
        return fr_fail(e, FROST_ENOMEM, "out of memory for %u blocks", h->n_blocks);
    m->arena.plain = file_size < RT_HUGE_FILE; /* from here on: blocks */
    for (uint32_t c = 0; c < h->n_chunks; c++)
        for (uint32_t j = 0; j < h->chunks[c].block_count; j++)
            m->block_chunk[h->chunks[c].first_block + j] = c;
    return 0;
}

/* How blocks will be read. AUTO is io_uring where it can be set up, else pread — whether the
 * file is cached or not: mapping a cached file in place costs a page fault per touched block
 * (10–20 µs each on a VM), more than reading the same blocks into the huge-page arena
 * (bench/README.md). MMAP maps the whole file and uses uncompressed chunks in place. */
static int set_up_reads(frost_model *m, const char *path, frost_io_mode mode, unsigned depth,
                        const rt_fault *fault, uint64_t file_size, fr_err *e)
{
    if (m->remote) { /* a URL: reads go through the plugin rt_remote_open loaded */
        rt_io_init_remote(&m->io, m->remote, m->alloc);
        m->io_ready = 1;
        m->io_mode = FROST_IO_REMOTE;
        return 0;
    }
    int rc = rt_io_init(&m->io, m->fd, mode, depth, m->alloc, fault ? &m->fault : NULL, e);
    if (rc)
        return rc;
    m->io_ready = 1;
    m->io_mode = m->io.mode;
    if (mode != FROST_IO_MMAP)
        return 0;
    const fmt_header *h = &m->h;
    void *map = mmap(NULL, (size_t)file_size, PROT_READ, MAP_PRIVATE, m->fd, 0);
    if (map == MAP_FAILED)
        return fr_fail(e, FROST_EUNSUPPORTED, "cannot map %s: %s", path, strerror(errno));
    m->file_map = map;
    m->file_map_len = (size_t)file_size;
    /* fault in what walks touch, no more */
    madvise(map, (size_t)file_size, MADV_RANDOM);
    m->io_mode = FROST_IO_MMAP;
    for (uint32_t c = 0; c < h->n_chunks; c++) {
        int plain = 1;
        for (uint32_t j = 0; j < h->chunks[c].block_count; j++)
            plain &= fmt_block_at(h, h->chunks[c].first_block + j).codec == FMT_CODEC_NONE;
        if (plain)
            m->chunk_flat[c] = m->file_map + h->chunks[c].offset;
    }
    return 0;
}

/* Opens the file at path (a plain path: references are resolved by the caller). */
static int open_file(const char *path, const frost_open_options *opts, const rt_fault *fault,
                     frost_model **out, fr_err *e)
{
    frost_open_options o;
    frost_io_mode mode = FROST_IO_AUTO;
    int rc = take_options(opts, &o, &mode, e);
    if (rc)
        return rc;
    frost_model *m = model_new(&o, fault);
    if (!m)
        return fr_fail(e, FROST_ENOMEM, "out of memory");
    uint64_t file_size = 0;
    if ((rc = rt_url_kind_of(path) ? rt_remote_open(m, path, &o, &file_size, e)
                                   : read_header(m, path, mode, &file_size, e)) ||
        (rc = make_block_tables(m, file_size, e)) ||
        (rc = set_up_reads(m, path, mode, o.queue_depth, fault, file_size, e)) ||
        /* after the reads are set up (a URL's trailer comes through them), before any block */
        (o.n_required_keys &&
         (rc = rt_signature_require(m, o.required_keys, o.n_required_keys, e))) ||
        (rc = rt_program_init(m, e)) || (rc = rt_linear_init(m, e)) ||
        (rc = rt_bayes_init(m, e)) ||
        (rc = rt_centroids_init(m, e)) ||
        (o.load == FROST_LOAD_EAGER && (rc = rt_load_everything(m, e)))) {
        frost_close(m);
        return rc;
    }
    *out = m;
    return 0;
}

int rt_open(const char *path, const frost_open_options *opts, const rt_fault *fault,
            frost_model **out, fr_err *e)
{
    if (!path || !out)
        return fr_fail(e, FROST_EINVAL, "frost_open: NULL argument");
    *out = NULL;
    /* ROOT/NAME@ALIAS and ROOT/NAME@VERSION name a registry's version (REGISTRY.md). A version
     * the alias named may be collected between reading the alias and opening the file: the
     * reference is then read again (the alias has moved on, or the error says so). */
    char resolved[4096];
    for (int attempt = 0;; attempt++) {
        int rc = rt_url_kind_of(path) ? 0 : rt_reg_resolve(path, resolved, sizeof resolved,
                                                             NULL, e);
        if (rc < 0)
            return rc;
        const char *file = rc ? resolved : path;
        int again = rc == 1 && attempt < 3;
        rc = open_file(file, opts, fault, out, e);
        if (!rc || !again || access(file, F_OK) == 0)
            return rc;
    }
}

FROST_API int frost_open(const char *path, const frost_open_options *opts, frost_model **out)
{
    fr_err e = {0};
    int rc = rt_open(path, opts, NULL, out, &e);
    if (rc)
        rt_set_thread_error(&e);
    return rc;
}

FROST_API void frost_close(frost_model *m)
{
    if (!m)
        return;
    if (m->io_ready)
        rt_io_close(&m->io);
    rt_remote_close(m);
    /* the per-block tables and the parsed header live in the arena */
    rt_ws_free_all(m);
    rt_program_free(m);
    rt_linear_free(m);
    rt_bayes_free(m);
    rt_centroids_free(m);
    rt_ensemble_free(m);
    fmt_header_free(&m->h);
    if (m->file_map)
        munmap(m->file_map, m->file_map_len);
    if (m->header_mapped)
        munmap(m->header_buf, m->header_len);
    rt_arena_free(&m->arena);
    if (m->fd >= 0)
        close(m->fd);
    pthread_mutex_destroy(&m->lock);
    pthread_cond_destroy(&m->cond);
    pthread_mutex_destroy(&m->err_lock);
    pthread_mutex_destroy(&m->ws_lock);
    pthread_mutex_destroy(&m->flat_lock);
    const fr_allocator *a = m->alloc ? &m->alloc_copy : NULL;
    fr_allocator copy;
    if (a) {
        copy = *a;
        copy.free_fn(copy.ctx, m);
    } else {
        free(m);
    }
}

FROST_API int frost_load_all(frost_model *m)
{
    if (!m)
        return FROST_EINVAL;
    fr_err e = {0};
    int rc = rt_load_everything(m, &e);
    return rc ? rt_set_error(m, &e) : 0;
}

/* frost_verify re-reads loaded blocks in batches whose stored bytes stay under this. */
#define RT_VERIFY_BATCH ((size_t)32 << 20)

/* Reads the stored bytes of blocks ids[0..n) afresh into stored (one batch of reads: for a URL,
 * ranges in parallel) and verifies and decodes each into raw, reused block to block. */
static int verify_batch(frost_model *m, const uint32_t *ids, size_t n, rt_req *reqs,
                        uint8_t *stored, uint8_t *raw, fr_err *e)
{
    const fmt_header *h = &m->h;
    size_t at = 0;
    for (size_t i = 0; i < n; i++) {
        fmt_block bb = fmt_block_at(h, ids[i]);
        reqs[i] = (rt_req){.offset = bb.offset, .len = bb.stored_size, .dst = stored + at};
        at += bb.stored_size;
    }
    int rc = rt_io_read(&m->io, reqs, n, &m->counters, e);
    for (size_t i = 0; i < n && !rc; i++) {
        rc = fmt_block_decode(h, ids[i], reqs[i].dst, raw, e);
        atomic_fetch_add(&m->counters.blocks_verified, 1);
    }
    return rc;
}

FROST_API int frost_verify(frost_model *m)
{
    if (!m)
        return FROST_EINVAL;
    fr_err e = {0};
    const fmt_header *h = &m->h;
    int rc = 0;
    /* Every block's stored bytes are read from the file (or the URL) during this call: those of
     * blocks loaded before are read afresh, not taken from the loaded copies, so damage since
     * is found too; every other block is read, verified and decoded by rt_load_everything, as
     * loading always does, once. */
    size_t cap = (h->data_size < RT_VERIFY_BATCH ? (size_t)h->data_size : RT_VERIFY_BATCH) +
                 (size_t)h->block_size * 2;
    uint8_t *stored = fr_malloc(m->alloc, cap);
    uint8_t *raw = fr_malloc(m->alloc, h->block_size);
    uint32_t *ids = fr_malloc(m->alloc, (size_t)(h->n_blocks ? h->n_blocks : 1) * sizeof *ids);
    rt_req *reqs = fr_malloc(m->alloc, (size_t)(h->n_blocks ? h->n_blocks : 1) * sizeof *reqs);
    if (!stored || !raw || !ids || !reqs) {
        rc = fr_fail(&e, FROST_ENOMEM, "out of memory");
        goto free_bufs;
    }
    size_t n = 0, bytes = 0;
    for (uint32_t b = 0; b < h->n_blocks && !rc; b++) {
        if (!rt_block_ready(m, b))
            continue;
        uint32_t size = fmt_block_at(h, b).stored_size;
        if (n && bytes + size > RT_VERIFY_BATCH) {
            rc = verify_batch(m, ids, n, reqs, stored, raw, &e);
            n = bytes = 0;
        }
        ids[n++] = b;
        bytes += size;
    }
    if (!rc && n)
        rc = verify_batch(m, ids, n, reqs, stored, raw, &e);
    if (!rc)
        rc = rt_load_everything(m, &e);
    if (!rc)
        rc = rt_verify_data_region(m, &e);
    if (rc == FROST_ECORRUPT && m->sig_checked) { /* damage under a valid signature */
        char inner[sizeof e.msg];
        memcpy(inner, e.msg, sizeof inner);
        fr_fail(&e, rc, "tampered %s (the file changed after it was signed)", inner);
    }
free_bufs:
    fr_free(m->alloc, stored);
    fr_free(m->alloc, raw);
    fr_free(m->alloc, ids);
    fr_free(m->alloc, reqs);
    return rc ? rt_set_error(m, &e) : 0;
}

FROST_API int frost_model_info(const frost_model *m, frost_info *out)
{
    if (!m || !out || out->size < sizeof out->size)
        return FROST_EINVAL;
    frost_info i;
    memset(&i, 0, sizeof i);
    i.size = out->size < sizeof i ? out->size : sizeof i;
    const fmt_header *h = &m->h;
    i.task = (frost_task)h->task;
    i.n_features = h->n_features;
    i.n_outputs = h->n_outputs;
    i.n_classes = h->n_classes_total;
    i.n_trees = h->n_trees;
    for (uint32_t t = 0; t < h->n_trees; t++)
        i.n_nodes += (uint64_t)h->trees[t].n_splits + h->trees[t].n_leaves;
    i.format_major = h->major;
    i.format_minor = h->minor;
    i.file_size = h->file_size;
    i.header_size = h->header_size;
    i.block_size = h->block_size;
    i.n_blocks = h->n_blocks;
    i.n_chunks = h->n_chunks;
    i.io = m->io_mode;
    i.n_inputs = h->n_inputs;
    i.has_preprocessing = h->program != NULL;
    i.estimator = h->combine ? 3 : h->has_ensemble ? 1 : h->linear ? 2 : h->bayes ? 4
                  : h->centroids ? 5 : h->mlp ? 6 : 0;
    i.n_transform_outputs = rt_estimator_transforms(h) ? h->centroids->n_centroids
                            : h->program ? h->program->n_outputs : 0;
    int isolation = h->has_ensemble && h->kind == FROST_ENSEMBLE_ISOLATION;
    i.has_proba = h->task == FROST_TASK_CLASSIFIER && !isolation &&
                  !(h->linear && h->linear->rule == FMT_LIN_DECISION) &&
                  !(h->combine && !fmt_combine_has_proba(h->combine)) && !h->centroids;
    i.n_decision = rt_decision_width(h);
    i.has_score_samples = isolation;
    memcpy(out, &i, i.size);
    return 0;
}

FROST_API uint32_t frost_class_count(const frost_model *m, uint32_t output)
{
    if (!m || !m->h.classes || output >= m->h.n_outputs)
        return 0;
    return m->h.classes[output].count;
}

FROST_API const char *frost_class_label(const frost_model *m, uint32_t output, uint32_t index)
{
    if (!m || !m->h.classes || output >= m->h.n_outputs || index >= m->h.classes[output].count)
        return NULL;
    return m->h.classes[output].labels[index];
}

FROST_API frost_label_kind frost_class_kind(const frost_model *m, uint32_t output)
{
    if (!m || !m->h.classes || output >= m->h.n_outputs)
        return (frost_label_kind)0;
    return (frost_label_kind)m->h.classes[output].kind;
}

FROST_API const char *frost_feature_name(const frost_model *m, uint32_t index)
{
    if (!m || !m->h.features_named || index >= m->h.n_inputs)
        return NULL;
    return m->h.feature_names[index];
}

FROST_API frost_input_kind frost_input_kind_of(const frost_model *m, uint32_t index)
{
    if (!m || !m->h.feature_kinds || index >= m->h.n_inputs)
        return FROST_INPUT_NUMERIC;
    switch (m->h.feature_kinds[index]) {
    case FMT_SLOT_STR: return FROST_INPUT_STRING;
    case FMT_SLOT_UNUSED: return FROST_INPUT_UNUSED;
    default: return FROST_INPUT_NUMERIC;
    }
}

FROST_API const char *frost_output_name(const frost_model *m, uint32_t index)
{
    if (m && rt_estimator_transforms(&m->h)) /* k-means: its distances' names */
        return m->h.centroids->names && index < m->h.centroids->n_centroids
                   ? m->h.centroids->names[index] : NULL;
    if (!m || !m->h.program || !m->h.program->output_names || index >= m->h.program->n_outputs)
        return NULL;
    return m->h.program->output_names[index];
}

FROST_API const char *frost_meta_get(const frost_model *m, const char *key)
{
    if (!m || !key)
        return NULL;
    for (uint32_t i = 0; i < m->h.n_meta; i++)
        if (strcmp(m->h.meta_keys[i], key) == 0)
            return m->h.meta_values[i];
    return NULL;
}

FROST_API uint32_t frost_meta_count(const frost_model *m) { return m ? m->h.n_meta : 0; }

FROST_API int frost_meta_at(const frost_model *m, uint32_t index, const char **key,
                            const char **value)
{
    if (!m || index >= m->h.n_meta)
        return FROST_EINVAL;
    if (key)
        *key = m->h.meta_keys[index];
    if (value)
        *value = m->h.meta_values[index];
    return 0;
}

FROST_API frost_meta_type frost_meta_type_at(const frost_model *m, uint32_t index)
{
    if (!m || index >= m->h.n_meta)
        return FROST_META_STRING;
    return (frost_meta_type)fmt_meta_type_at(&m->h, index);
}

FROST_API int frost_get_stats(const frost_model *m, frost_stats *out)
{
    if (!m || !out || out->size < sizeof out->size)
        return FROST_EINVAL;
    frost_stats s;
    memset(&s, 0, sizeof s);
    s.size = out->size < sizeof s ? out->size : sizeof s;
    frost_model *mm = (frost_model *)m; /* atomics are read, not changed */
    s.submissions = atomic_load(&mm->counters.submissions);
    s.reads = atomic_load(&mm->counters.reads);
    s.bytes_read = atomic_load(&mm->counters.bytes_read);
    s.blocks_loaded = atomic_load(&mm->counters.blocks_loaded);
    s.blocks_verified = atomic_load(&mm->counters.blocks_verified);
    s.header_bytes = m->header_len;
    rt_remote_fill_stats(m, &s);
    memcpy(out, &s, s.size);
    return 0;
}
