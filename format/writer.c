/*
 * writer.c — serializes a model into the .frost byte stream (FORMAT.md), in order from offset 0,
 * through an emit callback: the runtime owns the file (temporary name, fsync, rename).
 *
 * The whole stored image is built before the first byte is emitted, because the header (which
 * comes first) holds every block's offset and checksum.
 */
#include <lz4.h>
#include <lz4hc.h>
#include <string.h>
#include <xxhash.h>

#include "alloc.h"
#include "endian.h"
#include "format.h"

/* LZ4HC level: 9, the library's default. RF100's blocks: 4.96 MB with LZ4's fast encoder,
 * 4.45 MB at 9 (0.72 s to convert), 4.43 MB at 12 (1.44 s). */
#define FROST_LZ4HC_LEVEL 9

/* Bodies are packed into shared chunks of about this size; a larger body gets a chunk alone. */
#define PACK_TARGET (1u << 20)

/* One chunk being written: its raw bytes (borrowed) and the blocks cut from them. */
typedef struct wchunk {
    uint32_t kind;
    const uint8_t *raw;
    uint64_t raw_size;
    uint32_t first_block;
    uint32_t block_count;
    uint64_t offset;      /* file offset, page-aligned */
} wchunk;

typedef struct wblock {
    const uint8_t *stored; /* into the chunk's raw bytes, or `owned` */
    uint8_t *owned;        /* lz4 output, when it shrank the block */
    uint32_t stored_size;
    uint32_t raw_size;
    uint8_t codec;
    uint64_t offset;
    uint64_t checksum;
} wblock;

static uint64_t align_up(uint64_t v, uint64_t a) { return (v + a - 1) / a * a; }

/* The smallest minor version that holds what the file uses (FORMAT.md superblock), so a file
 * that needs nothing newer stays readable by older readers: 1.2 for CHECKS or an unused column,
 * 1.1 for a COMBINE, else 1.0. */
static uint32_t fmt_minor_needed(const fmt_model_desc *d)
{
    int unused = 0;
    for (uint32_t i = 0; d->feature_kinds && i < d->n_inputs; i++)
        unused |= d->feature_kinds[i] == FMT_SLOT_UNUSED;
    if (d->n_checks || unused)
        return 2;
    return d->combine ? 1 : 0;
}

static int emit_zeros(fmt_emit_fn emit, void *ctx, uint64_t n, fr_err *e)
{
    static const uint8_t zeros[4096];
    while (n) {
        size_t k = n < sizeof zeros ? (size_t)n : sizeof zeros;
        int rc = emit(ctx, zeros, k, e);
        if (rc)
            return rc;
        n -= k;
    }
    return 0;
}

int fmt_write(const fmt_model_desc *d, const fmt_write_params *prm, const fr_allocator *a,
              fmt_emit_fn emit, void *ctx, fr_err *e)
{
    int rc = 0;
    uint32_t shift = prm->block_shift ? prm->block_shift : FMT_MIN_BLOCK_SHIFT;
    if (shift < FMT_MIN_BLOCK_SHIFT || shift > FMT_MAX_BLOCK_SHIFT)
        return fr_fail(e, FR_EINVAL, "block shift %u out of range", shift);
    uint64_t bs = 1ull << shift;
    uint8_t *top_raw = NULL, *header = NULL;
    wchunk *chunks = NULL;
    wblock *blocks = NULL;
    uint64_t *top_off = NULL, *body_off = NULL, *pack_size = NULL;
    uint32_t *body_chunk = NULL;
    uint8_t **packs = NULL;
    uint32_t n_packs = 0;
    fmt_buf sec[FMT_SEC_COUNT] = {{0}};
    for (int i = 0; i < FMT_SEC_COUNT; i++)
        sec[i].a = a;
    uint32_t n_chunks = 0, n_blocks = 0;

    /* Top parts packed into one chunk; none crosses a block boundary. */
    top_off = fr_calloc(a, d->n_trees ? d->n_trees : 1, sizeof *top_off);
    body_chunk = fr_calloc(a, d->n_trees ? d->n_trees : 1, sizeof *body_chunk);
    body_off = fr_calloc(a, d->n_trees ? d->n_trees : 1, sizeof *body_off);
    pack_size = fr_calloc(a, d->n_trees ? d->n_trees : 1, sizeof *pack_size);
    packs = fr_calloc(a, d->n_trees ? d->n_trees : 1, sizeof *packs);
    chunks = fr_calloc(a, (size_t)d->n_trees + 1, sizeof *chunks);
    if (!top_off || !body_chunk || !body_off || !pack_size || !packs || !chunks) {
        rc = fr_fail(e, FR_ENOMEM, "out of memory writing %u trees", d->n_trees);
        goto free_all;
    }
    uint64_t top_size = 0;
    for (uint32_t t = 0; t < d->n_trees; t++) {
        uint32_t ts = d->trees[t].top_size;
        if (ts > bs || ts % 8 || ts == 0) {
            rc = fr_fail(e, FR_EINVAL, "tree %u: top part of %u bytes does not fit a block", t, ts);
            goto free_all;
        }
        if (top_size % bs + ts > bs)
            top_size = align_up(top_size, bs);
        top_off[t] = top_size;
        top_size += ts;
    }
    if (d->n_trees) {
        top_raw = fr_calloc(a, top_size, 1);
        if (!top_raw) {
            rc = fr_fail(e, FR_ENOMEM, "out of memory for the top chunk");
            goto free_all;
        }
        for (uint32_t t = 0; t < d->n_trees; t++)
            memcpy(top_raw + top_off[t], d->trees[t].top, d->trees[t].top_size);
        chunks[n_chunks++] = (wchunk){.kind = FMT_CHUNK_TOP, .raw = top_raw, .raw_size = top_size};
    }
    /* Bodies: packed in record order; one larger than a block starts on a block boundary, a
     * smaller one never crosses one (the encoder laid each body out from a block boundary). */
    uint64_t bpos = 0;
    for (uint32_t t = 0; t < d->n_trees; t++) {
        uint64_t bsz = d->trees[t].body_size;
        body_chunk[t] = FMT_NONE;
        if (!bsz)
            continue;
        if (bsz > bs || bpos % bs + bsz > bs)
            bpos = align_up(bpos, bs);
        if (n_packs == 0 || (bpos && bpos + bsz > PACK_TARGET)) {
            n_packs++;
            bpos = 0;
        }
        body_chunk[t] = n_chunks + n_packs - 1;
        body_off[t] = bpos;
        bpos += bsz;
        pack_size[n_packs - 1] = bpos;
    }
    for (uint32_t p = 0; p < n_packs; p++) {
        packs[p] = fr_calloc(a, pack_size[p], 1);
        if (!packs[p]) {
            rc = fr_fail(e, FR_ENOMEM, "out of memory packing tree bodies");
            goto free_all;
        }
        chunks[n_chunks + p] = (wchunk){.kind = FMT_CHUNK_BODY, .raw = packs[p],
                                        .raw_size = pack_size[p]};
    }
    for (uint32_t t = 0; t < d->n_trees; t++)
        if (body_chunk[t] != FMT_NONE)
            memcpy(packs[body_chunk[t] - n_chunks] + body_off[t], d->trees[t].body,
                   d->trees[t].body_size);
    n_chunks += n_packs;

    /* Blocks: cut, compress where it pays, checksum the stored bytes. */
    uint64_t total_blocks = 0;
    for (uint32_t c = 0; c < n_chunks; c++)
        total_blocks += (chunks[c].raw_size + bs - 1) / bs;
    if (total_blocks >= UINT32_MAX) {
        rc = fr_fail(e, FR_ELIMIT, "too many blocks (%llu)", (unsigned long long)total_blocks);
        goto free_all;
    }
    blocks = fr_calloc(a, total_blocks ? total_blocks : 1, sizeof *blocks);
    if (!blocks) {
        rc = fr_fail(e, FR_ENOMEM, "out of memory for %llu blocks",
                     (unsigned long long)total_blocks);
        goto free_all;
    }
    for (uint32_t c = 0; c < n_chunks; c++) {
        wchunk *ch = &chunks[c];
        ch->first_block = n_blocks;
        for (uint64_t o = 0; o < ch->raw_size; o += bs) {
            wblock *b = &blocks[n_blocks++];
            b->raw_size = (uint32_t)(ch->raw_size - o < bs ? ch->raw_size - o : bs);
            b->stored = ch->raw + o;
            b->stored_size = b->raw_size;
            b->codec = FMT_CODEC_NONE;
            if (prm->compress) {
                int bound = LZ4_compressBound((int)b->raw_size);
                uint8_t *z = fr_malloc(a, (size_t)bound);
                if (!z) {
                    rc = fr_fail(e, FR_ENOMEM, "out of memory compressing");
                    goto free_all;
                }
                /* LZ4's high-compression encoder: the same block format and decoder, so
                 * loading costs the same, for a smaller file (RF500 blocks: see bench/) */
                int zn = LZ4_compress_HC((const char *)b->stored, (char *)z, (int)b->raw_size,
                                         bound, FROST_LZ4HC_LEVEL);
                if (zn > 0 && (uint32_t)zn < b->raw_size) {
                    b->owned = z;
                    b->stored = z;
                    b->stored_size = (uint32_t)zn;
                    b->codec = FMT_CODEC_LZ4;
                } else {
                    fr_free(a, z);
                }
            }
            b->checksum = XXH3_64bits(b->stored, b->stored_size);
        }
        ch->block_count = n_blocks - ch->first_block;
    }

    /* Sections other than BLOCKS do not depend on file offsets. */
    fmt_buf *s;
    s = &sec[FMT_SEC_CHUNKS];
    fmt_put_u32(s, n_chunks);
    fmt_put_u32(s, 0);
    for (uint32_t c = 0; c < n_chunks; c++) {
        fmt_put_u32(s, chunks[c].kind);
        fmt_put_u32(s, chunks[c].first_block);
        fmt_put_u32(s, chunks[c].block_count);
        fmt_put_u32(s, 0);
        fmt_put_u64(s, chunks[c].raw_size);
    }
    s = d->has_ensemble ? &sec[FMT_SEC_ENSEMBLE] : &sec[0]; /* sec[0] is never written */
    if (d->combine) {
        /* the MEMBERS tree table: aggregation belongs to the COMBINE members */
        fmt_put_u32(s, 0);
        fmt_put_u32(s, FMT_ENS_MEMBERS);
        for (int i = 0; i < 2; i++)
            fmt_put_u32(s, 0);
        fmt_put_u32(s, d->n_trees);
        for (int i = 0; i < 4; i++)
            fmt_put_u32(s, 0);
        fmt_put_u32(s, d->n_trees ? 0 : FMT_NONE);
        fmt_put_f64(s, 0.0);
    } else {
        fmt_put_u32(s, d->task);
        fmt_put_u32(s, d->kind);
        fmt_put_u32(s, d->n_features);
        fmt_put_u32(s, d->n_outputs);
        fmt_put_u32(s, d->n_trees);
        fmt_put_u32(s, d->leaf_width);
        fmt_put_u32(s, d->ens_flags);
        fmt_put_u32(s, d->link);
        fmt_put_u32(s, d->n_raw);
        fmt_put_u32(s, d->n_trees ? 0 : FMT_NONE);
        fmt_put_f64(s, d->learning_rate);
        if (d->task == FMT_TASK_CLASSIFIER)
            for (uint32_t k = 0; k < d->n_outputs; k++)
                fmt_put_u32(s, d->n_classes[k]);
        for (uint32_t k = 0; k < d->n_raw; k++)
            fmt_put_f64(s, d->init_raw[k]);
    }
    for (uint32_t t = 0; t < d->n_trees; t++) {
        fmt_put_u64(s, top_off[t]);
        fmt_put_u32(s, d->trees[t].top_size);
        fmt_put_u32(s, body_chunk[t]);
        fmt_put_u64(s, body_chunk[t] == FMT_NONE ? 0 : body_off[t]);
        fmt_put_u32(s, (uint32_t)d->trees[t].body_size);
        fmt_put_u32(s, d->trees[t].raw_column);
        fmt_put_u32(s, d->trees[t].n_splits);
        fmt_put_u32(s, d->trees[t].n_leaves);
    }
    s = &sec[FMT_SEC_FEATURES];
    fmt_put_u32(s, d->n_inputs);
    fmt_put_u32(s, (d->feature_names ? 1u : 0u) | (d->feature_kinds ? 2u : 0u));
    if (d->feature_kinds)
        fmt_put(s, d->feature_kinds, d->n_inputs);
    if (d->feature_names)
        for (uint32_t i = 0; i < d->n_inputs; i++)
            fmt_put_str(s, d->feature_names[i]);
    if (d->program)
        fmt_program_write(d->program, &sec[FMT_SEC_PROGRAM]);
    if (d->linear)
        fmt_linear_write(d->linear, &sec[FMT_SEC_LINEAR]);
    if (d->combine)
        fmt_combine_write(d->combine, &sec[FMT_SEC_COMBINE]);
    if (d->n_checks)
        fmt_checks_write(d->checks, d->n_checks, &sec[FMT_SEC_CHECKS]);
    if (d->task == FMT_TASK_CLASSIFIER) {
        s = &sec[FMT_SEC_CLASSES];
        fmt_put_u32(s, d->n_outputs);
        for (uint32_t k = 0; k < d->n_outputs; k++) {
            fmt_put_u32(s, d->classes[k].kind);
            fmt_put_u32(s, d->classes[k].count);
            for (uint32_t i = 0; i < d->classes[k].count; i++)
                fmt_put_str(s, d->classes[k].labels[i]);
        }
    }
    if (d->n_meta) {
        s = &sec[FMT_SEC_METADATA];
        fmt_put_u32(s, d->n_meta);
        for (uint32_t i = 0; i < d->n_meta; i++) {
            fmt_put_str(s, d->meta_keys[i]);
            fmt_put_str(s, d->meta_values[i]);
        }
    }
    for (int i = 1; i < FMT_SEC_COUNT; i++)
        if (sec[i].oom) {
            rc = fr_fail(e, FR_ENOMEM, "out of memory building the header");
            goto free_all;
        }

    /* Header geometry, then block offsets, then the BLOCKS section. */
    uint32_t n_sec = 0;
    uint64_t pos = FMT_SUPERBLOCK_SIZE;
    for (int i = 1; i < FMT_SEC_COUNT; i++)
        if (i == FMT_SEC_BLOCKS || sec[i].len)
            n_sec++;
    pos += (uint64_t)n_sec * FMT_SECTION_ENTRY;
    uint64_t blocks_len = 8 + 32ull * n_blocks;
    uint64_t body_len = align_up(blocks_len, 8);
    for (int i = 2; i < FMT_SEC_COUNT; i++)
        body_len += align_up(sec[i].len, 8);
    uint64_t header_size = align_up(pos + body_len, FMT_PAGE);
    uint64_t at = header_size;
    for (uint32_t c = 0; c < n_chunks; c++) {
        at = align_up(at, FMT_PAGE);
        chunks[c].offset = at;
        for (uint32_t j = 0; j < chunks[c].block_count; j++) {
            wblock *b = &blocks[chunks[c].first_block + j];
            b->offset = at;
            at += b->stored_size;
        }
    }
    uint64_t data_size = align_up(at, FMT_PAGE) - header_size;
    s = &sec[FMT_SEC_BLOCKS];
    fmt_put_u32(s, n_blocks);
    fmt_put_u32(s, 0);
    for (uint32_t i = 0; i < n_blocks; i++) {
        uint8_t ent[32] = {0};
        fr_wr64(ent, blocks[i].offset);
        fr_wr32(ent + 8, blocks[i].stored_size);
        fr_wr32(ent + 12, blocks[i].raw_size);
        ent[16] = blocks[i].codec;
        fr_wrbe64(ent + 24, blocks[i].checksum);
        fmt_put(s, ent, 32);
    }
    if (s->oom) {
        rc = fr_fail(e, FR_ENOMEM, "out of memory building the block table");
        goto free_all;
    }

    header = fr_calloc(a, header_size, 1);
    if (!header) {
        rc = fr_fail(e, FR_ENOMEM, "out of memory for a %llu-byte header",
                     (unsigned long long)header_size);
        goto free_all;
    }
    uint64_t file_size = header_size + data_size + FMT_FOOTER_SIZE;
    memcpy(header, fmt_magic, 8);
    fr_wr16(header + 8, FMT_MAJOR);
    fr_wr16(header + 10, (uint16_t)fmt_minor_needed(d));
    fr_wr32(header + 12, 0);
    fr_wr32(header + 16, shift);
    fr_wr32(header + 20, n_sec);
    fr_wr64(header + 24, header_size);
    fr_wr64(header + 32, data_size);
    fr_wr64(header + 40, 0);
    fr_wr64(header + 48, file_size);
    uint8_t *ent = header + FMT_SUPERBLOCK_SIZE;
    for (int i = 1; i < FMT_SEC_COUNT; i++) {
        if (i != FMT_SEC_BLOCKS && !sec[i].len)
            continue;
        fr_wr32(ent, (uint32_t)i);
        fr_wr32(ent + 4, i == FMT_SEC_METADATA ? 0u : 1u);
        fr_wr64(ent + 8, pos);
        fr_wr64(ent + 16, sec[i].len);
        memcpy(header + pos, sec[i].p, sec[i].len);
        pos += align_up(sec[i].len, 8);
        ent += FMT_SECTION_ENTRY;
    }
    XXH128_canonical_t canon;
    XXH128_canonicalFromHash(&canon, XXH3_128bits(header, header_size));
    memcpy(header + 64, canon.digest, 16);

    if ((rc = emit(ctx, header, header_size, e)))
        goto free_all;
    at = header_size;
    for (uint32_t c = 0; c < n_chunks; c++) {
        if ((rc = emit_zeros(emit, ctx, chunks[c].offset - at, e)))
            goto free_all;
        at = chunks[c].offset;
        for (uint32_t j = 0; j < chunks[c].block_count; j++) {
            const wblock *b = &blocks[chunks[c].first_block + j];
            if ((rc = emit(ctx, b->stored, b->stored_size, e)))
                goto free_all;
            at += b->stored_size;
        }
    }
    if ((rc = emit_zeros(emit, ctx, header_size + data_size - at, e)))
        goto free_all;
    uint8_t footer[FMT_FOOTER_SIZE] = {0};
    memcpy(footer, fmt_end_magic, 8);
    fr_wr64(footer + 8, header_size);
    fr_wr64(footer + 16, file_size);
    rc = emit(ctx, footer, sizeof footer, e);

free_all:
    for (uint32_t i = 0; blocks && i < n_blocks; i++)
        fr_free(a, blocks[i].owned);
    fr_free(a, blocks);
    fr_free(a, chunks);
    fr_free(a, top_raw);
    fr_free(a, top_off);
    fr_free(a, body_chunk);
    fr_free(a, body_off);
    fr_free(a, pack_size);
    for (uint32_t p = 0; packs && p < n_packs; p++)
        fr_free(a, packs[p]);
    fr_free(a, packs);
    fr_free(a, header);
    for (int i = 0; i < FMT_SEC_COUNT; i++)
        fr_free(a, sec[i].p);
    return rc;
}
