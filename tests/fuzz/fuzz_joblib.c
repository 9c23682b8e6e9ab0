/*
 * fuzz_joblib.c — libFuzzer target for the joblib layer (import/joblib.h): container
 * detection and bounded decompression, in-stream arrays after NumpyArrayWrapper (aligned or
 * not), nested object-array pickles. Any input must load into a readable graph or fail with a
 * known code and a message, within a 16 MiB decompression bound.
 *
 *   clang -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -Iruntime -Iformat \
 *       -Iimport tests/fuzz/fuzz_joblib.c import/{pk_text,sklearn_classes,whitelist,\
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
    jl_options opts = { .limits = &lim, .max_decompressed = (size_t)16 << 20 };
    pk_graph *g = NULL;
    fr_err e = { 0 };
    int rc = jl_load(data, size, &opts, &g, &e);
    fw_check(rc, g, &e);
    return 0;
}
