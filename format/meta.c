/*
 * meta.c — what a METADATA value is (FORMAT.md METADATA, METADATA_TYPES): a string, or a number
 * or boolean kept as its JSON text, so that readers that know only METADATA still read every
 * value as text. This file owns the METADATA_TYPES body and the rule a typed value's text obeys.
 */
#include <string.h>

#include "sections.h"

/* RFC 8259 section 6: -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)? — the whole text,
 * whose value is below 1e308 in magnitude, so every reader has it as a finite double. */
static int json_number_text(const char *s)
{
    const char *p = s;
    long sig = 0;       /* decimal exponent of the first significant digit, before the e part */
    int seen = 0;       /* a non-zero digit was seen */
    if (*p == '-')
        p++;
    if (*p == '0') {
        p++;
    } else if (*p >= '1' && *p <= '9') {
        for (seen = 1; *p >= '0' && *p <= '9'; p++)
            sig++;
        sig--;
    } else {
        return 0;
    }
    if (*p == '.') {
        p++;
        if (!(*p >= '0' && *p <= '9'))
            return 0;
        for (long at = -1; *p >= '0' && *p <= '9'; p++, at--)
            if (!seen && *p != '0') {
                seen = 1;
                sig = at;
            }
    }
    long exp = 0;
    if (*p == 'e' || *p == 'E') {
        p++;
        int neg = *p == '-';
        if (*p == '+' || *p == '-')
            p++;
        if (!(*p >= '0' && *p <= '9'))
            return 0;
        for (; *p >= '0' && *p <= '9'; p++)
            if (exp < 100000)
                exp = exp * 10 + (*p - '0');
        if (neg)
            exp = -exp;
    }
    if (*p != '\0' || p - s > FMT_META_NUMBER_MAX)
        return 0;
    return !seen || sig + exp < 308;
}

int fmt_meta_value_valid(uint32_t type, const char *v)
{
    switch (type) {
    case FMT_META_STRING: return 1;
    case FMT_META_NUMBER: return json_number_text(v);
    case FMT_META_BOOL: return strcmp(v, "true") == 0 || strcmp(v, "false") == 0;
    default: return 0;
    }
}

int fmt_meta_types_parse(fmt_header *h, fmt_rd *r)
{
    uint32_t n = fmt_rd_u32(r);
    if (r->code)
        return r->code;
    if (n != h->n_meta || !h->meta_keys)
        return fmt_rd_fail(r, FR_ECORRUPT, "METADATA_TYPES: %u types for %u METADATA entries", n,
                           h->n_meta);
    const uint8_t *t = fmt_rd_bytes(r, n);
    if (!t)
        return r->code;
    h->meta_types = fr_malloc(h->alloc, n ? n : 1);
    if (!h->meta_types)
        return fmt_rd_fail(r, FR_ENOMEM, "out of memory");
    memcpy(h->meta_types, t, n);
    for (uint32_t i = 0; i < n; i++) {
        if (t[i] > FMT_META_BOOL)
            return fmt_rd_fail(r, FR_ECORRUPT, "METADATA_TYPES: entry %u has unknown type %u", i,
                               t[i]);
        if (!fmt_meta_value_valid(t[i], h->meta_values[i]))
            return fmt_rd_fail(r, FR_ECORRUPT, "METADATA_TYPES: '%s' is typed %s but its value "
                               "is not one", h->meta_keys[i],
                               t[i] == FMT_META_NUMBER ? "number" : "boolean");
    }
    return fmt_rd_end(r);
}

void fmt_meta_types_write(const uint8_t *types, uint32_t n, fmt_buf *b)
{
    fmt_put_u32(b, n);
    fmt_put(b, types, n);
}
