/*
 * http.c — the parsers of http.h: the status line and the header fields frost relies on
 * (RFC 9110: Content-Range §14.4, ETag §8.8.3, Content-Encoding §8.4), strict and bounded.
 */
#include <string.h>
#include <strings.h>

#include "http.h"

static int is_digit(char c) { return c >= '0' && c <= '9'; }

int rm_http_status(const char *line, size_t len, int *status)
{
    if (len < 5 || memcmp(line, "HTTP/", 5) != 0)
        return -1;
    size_t i = 5;
    while (i < len && line[i] != ' ') /* the version: 1.0, 1.1, 2, 3 */
        if (!is_digit(line[i]) && line[i] != '.')
            return -1;
        else
            i++;
    if (i == 5 || i + 4 > len || line[i] != ' ')
        return -1;
    i++;
    if (!is_digit(line[i]) || !is_digit(line[i + 1]) || !is_digit(line[i + 2]))
        return -1;
    if (i + 3 < len && line[i + 3] != ' ' && line[i + 3] != '\r' && line[i + 3] != '\n')
        return -1;
    *status = (line[i] - '0') * 100 + (line[i + 1] - '0') * 10 + (line[i + 2] - '0');
    return *status >= 100 ? 0 : -1;
}

static int is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

int rm_http_field(const char *line, size_t len, const char *name, const char **value,
                  size_t *value_len)
{
    size_t nl = strlen(name);
    if (len <= nl || line[nl] != ':' || strncasecmp(line, name, nl) != 0)
        return 0;
    const char *v = line + nl + 1, *end = line + len;
    while (v < end && is_space(*v))
        v++;
    while (end > v && is_space(end[-1]))
        end--;
    *value = v;
    *value_len = (size_t)(end - v);
    return 1;
}

/* Digits at v[*i..] up to a non-digit, as a u64 without overflow; at least one. */
static int read_u64(const char *v, size_t n, size_t *i, uint64_t *out)
{
    size_t start = *i;
    uint64_t x = 0;
    while (*i < n && is_digit(v[*i])) {
        unsigned d = (unsigned)(v[*i] - '0');
        if (x > (UINT64_MAX - d) / 10)
            return -1;
        x = x * 10 + d;
        (*i)++;
    }
    if (*i == start)
        return -1;
    *out = x;
    return 0;
}

int rm_http_u64(const char *v, size_t n, uint64_t *out)
{
    size_t i = 0;
    return read_u64(v, n, &i, out) == 0 && i == n ? 0 : -1;
}

int rm_http_content_range(const char *v, size_t n, uint64_t *first, uint64_t *last,
                          uint64_t *total)
{
    if (n < 6 || strncasecmp(v, "bytes ", 6) != 0)
        return -1;
    size_t i = 6;
    if (i < n && v[i] == '*') {
        *first = *last = UINT64_MAX;
        i++;
    } else {
        if (read_u64(v, n, &i, first) || i >= n || v[i++] != '-' || read_u64(v, n, &i, last) ||
            *first > *last)
            return -1;
    }
    if (i >= n || v[i++] != '/' || read_u64(v, n, &i, total) || i != n)
        return -1;
    if (*first != UINT64_MAX && *last >= *total)
        return -1;
    return 0;
}

/* etagc = "!" / %x23-7E / obs-text (RFC 9110 §8.8.3) */
static int is_etagc(unsigned char c) { return c == 0x21 || (c >= 0x23 && c != 0x7F); }

int rm_http_etag(const char *v, size_t n, char *out, size_t cap, int *weak)
{
    size_t i = 0;
    *weak = 0;
    if (n >= 2 && v[0] == 'W' && v[1] == '/') {
        *weak = 1;
        i = 2;
    }
    if (n < i + 2 || v[i] != '"' || v[n - 1] != '"')
        return -1;
    for (size_t k = i + 1; k < n - 1; k++)
        if (!is_etagc((unsigned char)v[k]))
            return -1;
    if (n >= cap || n >= RM_VALIDATOR_MAX)
        return -1;
    memcpy(out, v, n);
    out[n] = '\0';
    return 0;
}

int rm_http_token_copy(const char *v, size_t n, char *out, size_t cap)
{
    if (n == 0 || n >= cap)
        return -1;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)v[i] < 0x20 || (unsigned char)v[i] > 0x7E)
            return -1;
    memcpy(out, v, n);
    out[n] = '\0';
    return 0;
}

int rm_http_identity_encoding(const char *v, size_t n)
{
    return n == 0 || (n == 8 && strncasecmp(v, "identity", 8) == 0);
}

int rm_http_s3_code(const char *body, size_t n, char *out, size_t cap)
{
    static const char open[] = "<Code>", close[] = "</Code>";
    const size_t lo = sizeof open - 1, lc = sizeof close - 1;
    for (size_t i = 0; i + lo <= n; i++) {
        if (memcmp(body + i, open, lo) != 0)
            continue;
        size_t s = i + lo, k = s;
        while (k < n && k - s < cap - 1 &&
               ((body[k] >= 'A' && body[k] <= 'Z') || (body[k] >= 'a' && body[k] <= 'z') ||
                is_digit(body[k])))
            k++;
        if (k == s || k + lc > n || memcmp(body + k, close, lc) != 0)
            return -1;
        memcpy(out, body + s, k - s);
        out[k - s] = '\0';
        return 0;
    }
    return -1;
}
