/*
 * format_alone.c — format/ used on its own, as any program may: built from format/'s sources
 * with lz4 and xxHash and nothing of the runtime (no runtime header is on the include path),
 * it reads a .frost file with stdio, parses and validates the header, verifies and decodes
 * every block, and prints what the header says. tests/stages/layers.sh compares that with
 * `frost inspect --json`.
 *
 *     format_alone FILE.frost
 */
#include <stdio.h>
#include <stdlib.h>

#include "format.h"

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: format_alone FILE.frost\n");
        return 2;
    }
    FILE *f = fopen(argv[1], "rb");
    if (!f) {
        perror(argv[1]);
        return 1;
    }
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = malloc(size > 0 ? (size_t)size : 1);
    if (!buf || size < (long)FMT_FOOTER_SIZE || fread(buf, 1, (size_t)size, f) != (size_t)size) {
        fprintf(stderr, "%s: cannot read\n", argv[1]);
        return 1;
    }
    fclose(f);
    fr_err e = {0};
    fmt_header h;
    int rc = fmt_header_parse(buf, (size_t)size, (uint64_t)size,
                              buf + size - FMT_FOOTER_SIZE, NULL, &h, &e);
    if (rc) {
        fprintf(stderr, "%s: %s\n", argv[1], e.msg);
        return 1;
    }
    uint32_t block = h.block_size, verified = 0;
    uint8_t *raw = malloc(block);
    for (uint32_t b = 0; raw && b < h.n_blocks; b++) {
        fmt_block bl = fmt_block_at(&h, b);
        if ((rc = fmt_block_decode(&h, b, buf + bl.offset, raw, &e))) {
            fprintf(stderr, "%s: %s\n", argv[1], e.msg);
            return 1;
        }
        verified++;
    }
    printf("format %u.%u\ninputs %u\ntrees %u\nblocks %u verified %u\nchecks %u\n"
           "estimator %s\n", h.major, h.minor, h.n_inputs, h.n_trees, h.n_blocks, verified,
           h.n_checks, h.combine ? "combine" : h.linear ? "linear" : h.has_ensemble ? "ensemble"
                                                                             : "none");
    free(raw);
    fmt_header_free(&h);
    free(buf);
    return 0;
}
