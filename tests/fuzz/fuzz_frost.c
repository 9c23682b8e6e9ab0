/*
 * fuzz_frost.c — libFuzzer target for the .frost reader: open (header validation), lazy loading
 * and prediction, on bytes that arrive as a file.
 *
 * Random mutations almost never survive the header digest and the block checksums, so half the
 * inputs are "resealed" first (the digest and every checksum the block table names recomputed,
 * as a crafted file would have them): the fuzzer then reaches the structural rules — chunk
 * directory, tree records, node refs — that must hold even when every checksum is right.
 * The first byte picks the variant: bit 0 reseal, bit 1 mmap instead of pread, bits 2-3 rows.
 *
 * Beyond memory safety it checks that a prediction either fails with a known code or gives
 * finite-or-NaN numbers, and that frost_verify agrees with predict about a damaged tree.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <xxhash.h>

#include "endian.h"
#include "format.h"
#include "frost.h"

static void reseal(uint8_t *buf, size_t len)
{
    if (len < FMT_SUPERBLOCK_SIZE)
        return;
    uint64_t hs = fr_rd64(buf + 24);
    if (hs < FMT_SUPERBLOCK_SIZE || hs > len)
        return;
    uint32_t n_sec = fr_rd32(buf + 20);
    for (uint32_t i = 0; i < n_sec && FMT_SUPERBLOCK_SIZE + 32ull * (i + 1) <= hs; i++) {
        const uint8_t *ent = buf + FMT_SUPERBLOCK_SIZE + 32 * i;
        if (fr_rd32(ent) != FMT_SEC_BLOCKS)
            continue;
        uint64_t off = fr_rd64(ent + 8), slen = fr_rd64(ent + 16);
        if (off > hs || slen > hs - off || slen < 8)
            continue;
        uint8_t *sec = buf + off;
        uint64_t nb = fr_rd32(sec);
        for (uint64_t b = 0; b < nb && 8 + 32 * (b + 1) <= slen; b++) {
            uint8_t *e = sec + 8 + 32 * b;
            uint64_t bo = fr_rd64(e), bl = fr_rd32(e + 8);
            if (bo <= len && bl <= len - bo)
                fr_wrbe64(e + 24, XXH3_64bits(buf + bo, bl));
        }
    }
    memset(buf + 64, 0, 16);
    XXH128_canonical_t c;
    XXH128_canonicalFromHash(&c, XXH3_128bits(buf, hs));
    memcpy(buf + 64, c.digest, 16);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t variant = data[0];
    size_t len = size - 1;
    uint8_t *buf = malloc(len ? len : 1);
    if (!buf)
        return 0;
    memcpy(buf, data + 1, len);
    if (variant & 1)
        reseal(buf, len);
    int fd = memfd_create("frost-fuzz", MFD_CLOEXEC);
    if (fd < 0 || write(fd, buf, len) != (ssize_t)len) {
        if (fd >= 0)
            close(fd);
        free(buf);
        return 0;
    }
    free(buf);
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    frost_open_options o;
    frost_open_options_init(&o);
    o.io = variant & 2 ? FROST_IO_MMAP : FROST_IO_PREAD;
    frost_model *m;
    if (frost_open(path, &o, &m) == 0) {
        frost_info info = {.size = sizeof info};
        frost_model_info(m, &info);
        size_t rows = 1 + ((variant >> 2) & 3) * 10; /* 1 row (lazy) up to 31 (batch) */
        /* frost_predict reads n_inputs columns per row (the program's inputs, if any) */
        if (info.n_inputs <= 4096 && info.n_classes <= 4096) {
            double *X = malloc(rows * info.n_inputs * sizeof *X);
            size_t w = info.n_classes > info.n_outputs ? info.n_classes : info.n_outputs;
            double *out = malloc(rows * (w ? w : 1) * sizeof *out);
            if (X && out) {
                for (size_t i = 0; i < rows * info.n_inputs; i++)
                    X[i] = i % 7 == 3 ? NAN : (double)((int)(i * 2654435761u % 2001) - 1000) / 250;
                int rc = frost_predict(m, X, rows, out);
                if (rc > 0 || rc < FROST_ELIMIT)
                    abort(); /* a code outside the documented set */
                if (info.task == FROST_TASK_CLASSIFIER)
                    rc = frost_predict_proba(m, X, rows, out);
                if (info.has_score_samples) { /* format 1.3's ISOLATION kind */
                    int src = frost_score_samples(m, X, rows, out);
                    if (src > 0 || src < FROST_ELIMIT)
                        abort();
                    rc = src ? src : rc;
                }
                int vrc = frost_verify(m);
                if (vrc == 0 && rc == FROST_ECORRUPT)
                    abort(); /* verify passed a file that predict found damaged */
            }
            free(X);
            free(out);
        }
        frost_close(m);
    }
    close(fd);
    return 0;
}
