/*
 * fuzz_keys.c — libFuzzer target for what a loader parses when it checks signatures: key files
 * (runtime/signature.c, the text `frost keygen` writes) and the signature trailer's record
 * (format/signature.c). The first byte picks the parser. Beyond memory safety: a trailer that
 * parses writes back the same bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "keys.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const uint8_t *p = data + 1;
    size_t len = size - 1;
    fr_err e = {0};
    uint8_t key[64];
    switch (data[0] % 3) {
    case 0:
    case 1:
        rt_key_parse((const char *)p, len, data[0] % 3, key, "fuzz", &e);
        break;
    default: {
        fmt_sig s;
        if (fmt_sig_parse(p, len, &s, &e) == 0) {
            uint8_t back[FMT_SIG_RECORD];
            fmt_sig_write(&s, back);
            if (len != FMT_SIG_RECORD || memcmp(back, p, len) != 0)
                abort();
        }
        break;
    }
    }
    return 0;
}
