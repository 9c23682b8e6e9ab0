/*
 * block.c — turns a block's stored bytes into trusted raw bytes: checksum first, then the
 * bounds-checked LZ4 decoder, which must produce exactly raw_size bytes.
 */
#include <lz4.h>
#include <string.h>
#include <xxhash.h>

#include "format.h"

int fmt_block_verify(const fmt_header *h, uint32_t index, const uint8_t *stored, fr_err *e)
{
    if (index >= h->n_blocks)
        return fr_fail(e, FR_EINVAL, "block %u does not exist", index);
    const fmt_block bv = fmt_block_at(h, index), *b = &bv;
    if (XXH3_64bits(stored, b->stored_size) != b->checksum)
        return FR_CORRUPT(e, "block %u: checksum mismatch", index);
    return 0;
}

int fmt_block_decode(const fmt_header *h, uint32_t index, const uint8_t *stored, uint8_t *raw,
                     fr_err *e)
{
    int rc = fmt_block_verify(h, index, stored, e);
    if (rc)
        return rc;
    const fmt_block bv = fmt_block_at(h, index), *b = &bv;
    if (b->codec == FMT_CODEC_NONE) {
        if (raw != stored)
            memcpy(raw, stored, b->raw_size);
        return 0;
    }
    int n = LZ4_decompress_safe((const char *)stored, (char *)raw, (int)b->stored_size,
                                (int)b->raw_size);
    if (n != (int)b->raw_size)
        return FR_CORRUPT(e, "block %u: lz4 data does not decode to %u bytes", index,
                          b->raw_size);
    return 0;
}
