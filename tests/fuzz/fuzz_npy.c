/*
 * fuzz_npy.c — libFuzzer target for joblib < 0.10's side files (import/joblib.h): the input is
 * the .npy file an NDArrayWrapper names. Its header goes through jl_npy_parse and the field
 * reader directly, then the whole file is written beside a fixed old-joblib pickle that is
 * loaded from its path, so the dtype, shape and size checks run as a conversion runs them. Any
 * input must load into a readable graph or fail with a known code and a message.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "../import/fuzz_walk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64] = "/tmp/frost-fuzz-npy.XXXXXX";
static char pkl[96], side[96];

/* model.pkl: NDArrayWrapper(filename='a.npy', subclass=numpy.ndarray), protocol 2 */
static const char old_pickle[] = "\x80\x02" "cjoblib.numpy_pickle\nNDArrayWrapper\n)\x81}("
                                 "X\x08\x00\x00\x00" "filename" "X\x05\x00\x00\x00" "a.npy"
                                 "X\x08\x00\x00\x00" "subclass" "cnumpy\nndarray\nub.";

static void once(void)
{
    if (pkl[0])
        return;
    if (!mkdtemp(dir))
        abort();
    snprintf(pkl, sizeof pkl, "%s/model.pkl", dir);
    snprintf(side, sizeof side, "%s/a.npy", dir);
    FILE *f = fopen(pkl, "wb");
    if (!f || fwrite(old_pickle, 1, sizeof old_pickle - 1, f) != sizeof old_pickle - 1)
        abort();
    fclose(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    once();
    jl_npy h;
    fr_err e = {0};
    if (jl_npy_parse(data, size, &h, &e) == 0) {
        if (h.data_offset > size || h.ndim > JL_NPY_MAX_DIMS || (!h.descr && !h.n_fields))
            fw_abort("a parsed header out of its bounds");
        size_t at = 0, n = 0, nl, tl;
        const char *nm, *ty;
        while (!h.descr && jl_npy_field(&h, &at, &nm, &nl, &ty, &tl)) {
            if (nm < h.fields || ty + tl > h.fields + h.fields_len)
                fw_abort("a field outside its descr");
            n++;
        }
        if (!h.descr && n != h.n_fields)
            fw_abort("the field reader disagrees with the parser");
    } else if (!e.msg[0]) {
        fw_abort("failure without a message");
    }
    FILE *f = fopen(side, "wb");
    if (!f)
        return 0;
    size_t w = fwrite(data, 1, size, f);
    fclose(f);
    if (w != size)
        return 0;
    pk_limits lim = {.max_stack = 1 << 16, .max_marks = 512, .max_memo = 1 << 16,
                     .max_memory = (size_t)64 << 20};
    jl_options opts = {.limits = &lim, .max_decompressed = (size_t)16 << 20};
    pk_graph *g = NULL;
    fr_err le = {0};
    int rc = jl_load_file(pkl, &opts, &g, &le);
    fw_check(rc, g, &le);
    return 0;
}
