/*
 * fuzz_pickle.c — libFuzzer target for the pickle VM (import/pickle.h) on plain pickle
 * streams: any input must load into a graph that every accessor can read, or fail with a known
 * code and a message. Limits are lowered so the fuzzer spends its time on structure rather than
 * on filling a gigabyte arena.
 *
 *   clang -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -Iruntime -Iformat \
 *       -Iimport tests/fuzz/fuzz_pickle.c import/{pk_text,sklearn_classes,whitelist,\
 *       numpy_number,pk_value,numpy_array,pk_dump,numpy_decode,pk_vm,joblib}.c format/{err,bytes}.c \
 *       -lz -lbz2 -llzma -llz4 -lm
 */
#include <stdint.h>

#include "../import/fuzz_walk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pk_limits lim = {
        .max_stack = 1 << 16,
        .max_marks = 512,
        .max_memo = 1 << 16,
        .max_memory = (size_t)64 << 20,
    };
    pk_graph *g = NULL;
    fr_err e = { 0 };
    int rc = pk_load(data, size, &lim, &g, &e);
    fw_check(rc, g, &e);
    return 0;
}
