/*
 * fuzz_remote.c — libFuzzer target for what the remote plugin reads from the network and from
 * its cache: status lines and header fields (Content-Range, Content-Length, ETag,
 * Last-Modified, Content-Encoding), S3 error documents, the cache's index files, and URLs as
 * messages name them (remote/http.c, remote/cache.c, runtime/url.c).
 *
 * Besides memory safety it checks what a crash would not show:
 *  - an accepted Content-Range is ordered (first <= last < total, or the unsatisfied form);
 *  - an accepted ETag or kept value is NUL-terminated within its buffer and printable;
 *  - an index the parser accepts formats back to exactly the same text (the format is
 *    canonical, so nothing the parser lets through is read two ways);
 *  - a URL's display form is NUL-terminated within its buffer, carries no '@' from a userinfo
 *    and no query (nothing after a '?' but "...").
 *
 * The first input byte picks the parser; the rest is its input.
 *   make fuzz-build && build/fuzz/fuzz_remote tests/fuzz/corpus/remote
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache.h"
#include "http.h"
#include "url.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond)                                                                  \
    do {                                                                                  \
        if (!(cond)) {                                                                    \
            fprintf(stderr, "fuzz_remote: %s failed at line %d\n", #cond, __LINE__);      \
            abort();                                                                      \
        }                                                                                 \
    } while (0)

static void printable(const char *s, size_t cap)
{
    size_t n = strnlen(s, cap);
    FUZZ_CHECK(n < cap);
    for (size_t i = 0; i < n; i++)
        FUZZ_CHECK((unsigned char)s[i] >= 0x20);
}

static void header_line(const char *p, size_t n)
{
    int status;
    if (rm_http_status(p, n, &status) == 0)
        FUZZ_CHECK(status >= 100 && status <= 999);
    const char *v;
    size_t vn;
    uint64_t a, b, t;
    if (rm_http_field(p, n, "Content-Range", &v, &vn)) {
        FUZZ_CHECK(v >= p && v + vn <= p + n);
        if (rm_http_content_range(v, vn, &a, &b, &t) == 0)
            FUZZ_CHECK((a == UINT64_MAX && b == UINT64_MAX) || (a <= b && b < t));
    }
    if (rm_http_field(p, n, "Content-Length", &v, &vn))
        (void)rm_http_u64(v, vn, &a);
    char out[RM_VALIDATOR_MAX];
    int weak;
    if (rm_http_field(p, n, "ETag", &v, &vn) &&
        rm_http_etag(v, vn, out, sizeof out, &weak) == 0) {
        printable(out, sizeof out);
        FUZZ_CHECK(strlen(out) == vn && out[vn - 1] == '"');
    }
    if (rm_http_field(p, n, "Last-Modified", &v, &vn) &&
        rm_http_token_copy(v, vn, out, sizeof out) == 0)
        printable(out, sizeof out);
    if (rm_http_field(p, n, "Content-Encoding", &v, &vn))
        (void)rm_http_identity_encoding(v, vn);
}

static void index_file(const char *p, size_t n)
{
    rm_index x;
    if (rm_index_parse(p, n, &x) != 0)
        return;
    FUZZ_CHECK(x.header_size + 32 <= x.size);
    char text[RM_INDEX_TEXT_MAX];
    size_t m = rm_index_format(&x, text, sizeof text);
    FUZZ_CHECK(m == n && memcmp(text, p, n) == 0);
}

static void url(const char *p, size_t n)
{
    char *s = malloc(n + 1);
    if (!s)
        return;
    memcpy(s, p, n);
    s[n] = '\0';
    rt_url_kind kind = rt_url_kind_of(s);
    char buf[64];
    rt_url_display(s, buf, sizeof buf);
    size_t len = strnlen(buf, sizeof buf);
    FUZZ_CHECK(len < sizeof buf);
    const char *q = strchr(buf, '?');
    FUZZ_CHECK(!q || strncmp(q, "?...", 4) == 0 || len + 1 == sizeof buf);
    const char *scheme = strstr(s, "://");
    if (kind != RT_URL_NONE && !strpbrk(s, "?#") && strchr(s, '@') && !strchr(scheme + 3, '/'))
        FUZZ_CHECK(!strchr(buf, '@')); /* an authority's userinfo never shows */
    free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const char *p = (const char *)data + 1;
    size_t n = size - 1;
    char code[64];
    switch (data[0] % 4) {
    case 0:
        header_line(p, n);
        break;
    case 1:
        if (rm_http_s3_code(p, n, code, sizeof code) == 0)
            printable(code, sizeof code);
        break;
    case 2:
        index_file(p, n);
        break;
    default:
        url(p, n);
        break;
    }
    return 0;
}
