/*
 * fuzz_registry.c — libFuzzer target for the registry's files, which any process that opens a
 * ROOT/NAME@ALIAS reads (runtime/registry.c): alias files and version info files. The first
 * byte picks the parser. Beyond memory safety: an alias that parses formats back into text that
 * parses to the same alias; every accepted value is within its documented bounds.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "registry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    fr_err e = {0};
    if (data[0] & 1) {
        rt_version_info info;
        if (rt_version_info_parse(text, len, &info, &e) == 0 &&
            (info.version < 1 || info.version > RT_REG_VERSION_MAX || strlen(info.sha256) != 64))
            abort();
        return 0;
    }
    rt_alias a, b;
    if (rt_alias_parse(text, len, &a, &e) != 0)
        return 0;
    if (a.target < 1 || a.target > RT_REG_VERSION_MAX || a.n_was > RT_REG_HISTORY_MAX)
        abort();
    char buf[RT_REG_FILE_MAX + 1];
    size_t n = rt_alias_format(&a, buf, sizeof buf);
    if (!n || rt_alias_parse(buf, n, &b, &e) != 0 || memcmp(&a, &b, sizeof a) != 0)
        abort();
    return 0;
}
