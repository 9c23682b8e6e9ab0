/*
 * fuzz_npy.c — libFuzzer target for joblib < 0.10's side files (import/joblib.h): the input is
 * the .npy file an NDArrayWrapper names. Its header goes through jl_npy_parse and the field
 * reader directly, then the whole file is written beside two fixed old-joblib pickles that are
 * loaded from their path — one with an NDArrayWrapper (a .npy file), one with a ZNDArrayWrapper
 * (a "ZF" zlib file of a 2 × 3 float64 array's bytes) — so the dtype, shape, decompression and
 * size checks run as a conversion runs them. Any input must load into a readable graph or fail
 * with a known code and a message.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "../import/fuzz_walk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64] = "/tmp/frost-fuzz-npy.XXXXXX";
static char pkl[96], zpkl[96], side[96];

/* model.pkl: NDArrayWrapper(filename='a.npy', subclass=numpy.ndarray), protocol 2 */
static const char old_pickle[] = "\x80\x02" "cjoblib.numpy_pickle\nNDArrayWrapper\n)\x81}("
                                 "X\x08\x00\x00\x00" "filename" "X\x05\x00\x00\x00" "a.npy"
                                 "X\x08\x00\x00\x00" "subclass" "cnumpy\nndarray\nub.";

/* zmodel.pkl: ZNDArrayWrapper(filename='a.npy', init_args, state) of a 2 × 3 float64 array, as
 * joblib 0.9 pickled it (protocol 2) */
static const char old_zpickle[] =
    "\x80\x02\x63\x6a\x6f\x62\x6c\x69\x62\x2e\x6e\x75\x6d\x70\x79\x5f\x70\x69\x63\x6b\x6c\x65"
    "\x0a\x5a\x4e\x44\x41\x72\x72\x61\x79\x57\x72\x61\x70\x70\x65\x72\x0a\x71\x00\x29\x81\x71"
    "\x01\x7d\x71\x02\x28\x58\x08\x00\x00\x00\x66\x69\x6c\x65\x6e\x61\x6d\x65\x71\x03\x58\x05"
    "\x00\x00\x00\x61\x2e\x6e\x70\x79\x71\x04\x58\x09\x00\x00\x00\x69\x6e\x69\x74\x5f\x61\x72"
    "\x67\x73\x71\x05\x63\x6e\x75\x6d\x70\x79\x0a\x6e\x64\x61\x72\x72\x61\x79\x0a\x71\x06\x4b"
    "\x00\x85\x71\x07\x63\x5f\x63\x6f\x64\x65\x63\x73\x0a\x65\x6e\x63\x6f\x64\x65\x0a\x71\x08"
    "\x58\x01\x00\x00\x00\x62\x71\x09\x58\x06\x00\x00\x00\x6c\x61\x74\x69\x6e\x31\x71\x0a\x86"
    "\x71\x0b\x52\x71\x0c\x87\x71\x0d\x58\x05\x00\x00\x00\x73\x74\x61\x74\x65\x71\x0e\x28\x4b"
    "\x01\x4b\x02\x4b\x03\x86\x71\x0f\x63\x6e\x75\x6d\x70\x79\x0a\x64\x74\x79\x70\x65\x0a\x71"
    "\x10\x58\x02\x00\x00\x00\x66\x38\x71\x11\x89\x88\x87\x71\x12\x52\x71\x13\x28\x4b\x03\x58"
    "\x01\x00\x00\x00\x3c\x71\x14\x4e\x4e\x4e\x4a\xff\xff\xff\xff\x4a\xff\xff\xff\xff\x4b\x00"
    "\x74\x71\x15\x62\x89\x74\x71\x16\x75\x62\x2e";

static void put(const char *path, const char *bytes, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(bytes, 1, n, f) != n)
        abort();
    fclose(f);
}

static void once(void)
{
    if (pkl[0])
        return;
    if (!mkdtemp(dir))
        abort();
    snprintf(pkl, sizeof pkl, "%s/model.pkl", dir);
    snprintf(zpkl, sizeof zpkl, "%s/zmodel.pkl", dir);
    snprintf(side, sizeof side, "%s/a.npy", dir);
    put(pkl, old_pickle, sizeof old_pickle - 1);
    put(zpkl, old_zpickle, sizeof old_zpickle - 1);
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
    for (int k = 0; k < 2; k++) {
        pk_graph *g = NULL;
        fr_err le = {0};
        int rc = jl_load_file(k ? zpkl : pkl, &opts, &g, &le);
        fw_check(rc, g, &le);
    }
    return 0;
}
