/*
 * bytes.c — the bounded reader, the growable writer and the UTF-8 rule of section bodies
 * (bytes.h).
 */
#include "bytes.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "endian.h"

int fmt_rd_fail(fmt_rd *r, int code, const char *fmt, ...)
{
    if (r->code)
        return r->code;
    r->code = code;
    if (r->e) {
        char msg[sizeof r->e->msg];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        fr_fail(r->e, code, "%s", msg);
    }
    r->left = 0;
    return code;
}

/* The next n bytes, consumed, or NULL once the body is too short. */
static const uint8_t *take(fmt_rd *r, size_t n)
{
    if (r->code)
        return NULL;
    if (r->left < n) {
        fmt_rd_fail(r, FR_ECORRUPT, "%s section: ends early (needs %zu more bytes, has %zu)",
                    r->what, n, r->left);
        return NULL;
    }
    const uint8_t *p = r->p;
    r->p += n;
    r->left -= n;
    return p;
}

uint32_t fmt_rd_u32(fmt_rd *r)
{
    const uint8_t *p = take(r, 4);
    return p ? fr_rd32(p) : 0;
}

uint64_t fmt_rd_u64(fmt_rd *r)
{
    const uint8_t *p = take(r, 8);
    return p ? fr_rd64(p) : 0;
}

double fmt_rd_f64(fmt_rd *r)
{
    const uint8_t *p = take(r, 8);
    return p ? fr_rdf64(p) : 0.0;
}

const uint8_t *fmt_rd_bytes(fmt_rd *r, size_t n)
{
    return take(r, n);
}

char *fmt_rd_str(fmt_rd *r, const fr_allocator *a)
{
    uint32_t n = fmt_rd_u32(r);
    if (r->code)
        return NULL;
    if (n > r->left) {
        fmt_rd_fail(r, FR_ECORRUPT, "%s section: ends early (needs %u more bytes, has %zu)",
                    r->what, n, r->left);
        return NULL;
    }
    if (memchr(r->p, 0, n) || !fmt_utf8_valid(r->p, n)) {
        fmt_rd_fail(r, FR_ECORRUPT, "%s section: a string is not NUL-free UTF-8", r->what);
        return NULL;
    }
    char *s = fr_malloc(a, (size_t)n + 1);
    if (!s) {
        fmt_rd_fail(r, FR_ENOMEM, "out of memory reading %s section", r->what);
        return NULL;
    }
    memcpy(s, take(r, n), n);
    s[n] = '\0';
    return s;
}

void *fmt_rd_array(fmt_rd *r, const fr_allocator *a, uint64_t n, size_t size, size_t min_each)
{
    if (r->code)
        return NULL;
    if (min_each && n > r->left / min_each) {
        fmt_rd_fail(r, FR_ECORRUPT, "%s section: %llu entries cannot fit its %zu bytes left",
                    r->what, (unsigned long long)n, r->left);
        return NULL;
    }
    void *p = fr_calloc(a, n ? n : 1, size);
    if (!p)
        fmt_rd_fail(r, FR_ENOMEM, "out of memory reading %s section", r->what);
    return p;
}

int fmt_rd_end(fmt_rd *r)
{
    if (!r->code && r->left)
        fmt_rd_fail(r, FR_ECORRUPT, "%s: %zu trailing bytes", r->what, r->left);
    return r->code;
}

int fmt_put(fmt_buf *b, const void *src, size_t n)
{
    if (b->oom)
        return FR_ENOMEM;
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n)
            cap *= 2;
        uint8_t *q = fr_realloc(b->a, b->p, cap);
        if (!q) {
            b->oom = 1;
            return FR_ENOMEM;
        }
        b->p = q;
        b->cap = cap;
    }
    memcpy(b->p + b->len, src, n);
    b->len += n;
    return 0;
}
void fmt_put_u32(fmt_buf *b, uint32_t v) { uint8_t t[4]; fr_wr32(t, v); fmt_put(b, t, 4); }
void fmt_put_u64(fmt_buf *b, uint64_t v) { uint8_t t[8]; fr_wr64(t, v); fmt_put(b, t, 8); }
void fmt_put_f64(fmt_buf *b, double v) { uint8_t t[8]; fr_wrf64(t, v); fmt_put(b, t, 8); }
void fmt_put_str(fmt_buf *b, const char *s)
{
    size_t n = strlen(s);
    fmt_put_u32(b, (uint32_t)n);
    fmt_put(b, s, n);
}

static int utf8_scan(const uint8_t *s, size_t n, int surrogates)
{
    size_t i = 0;
    while (i < n) {
        uint8_t c = s[i];
        size_t len;
        uint32_t cp;
        if (c < 0x80) {
            i++;
            continue;
        }
        if ((c & 0xE0) == 0xC0) {
            len = 2;
            cp = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            len = 3;
            cp = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            len = 4;
            cp = c & 0x07;
        } else {
            return 0;
        }
        if (n - i < len)
            return 0;
        for (size_t j = 1; j < len; j++) {
            if ((s[i + j] & 0xC0) != 0x80)
                return 0;
            cp = (cp << 6) | (s[i + j] & 0x3F);
        }
        /* no overlong forms, nothing past U+10FFFF, surrogates only when asked */
        if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
            (!surrogates && cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
            return 0;
        i += len;
    }
    return 1;
}

int fmt_utf8_valid(const uint8_t *s, size_t n)
{
    return utf8_scan(s, n, 0);
}

int fmt_utf8_valid_surrogatepass(const uint8_t *s, size_t n)
{
    return utf8_scan(s, n, 1);
}

