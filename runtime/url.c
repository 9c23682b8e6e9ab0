/*
 * url.c — model paths that are URLs, and their credential-free names (url.h).
 */
#include <ctype.h>
#include <link.h>
#include <string.h>
#include <strings.h>

#include "url.h"

static const struct {
    const char *prefix;
    rt_url_kind kind;
} schemes[] = {{"http://", RT_URL_HTTP}, {"https://", RT_URL_HTTPS}, {"s3://", RT_URL_S3}};

rt_url_kind rt_url_kind_of(const char *path)
{
    if (!path)
        return RT_URL_NONE;
    for (size_t i = 0; i < sizeof schemes / sizeof schemes[0]; i++)
        if (strncasecmp(path, schemes[i].prefix, strlen(schemes[i].prefix)) == 0)
            return schemes[i].kind;
    return RT_URL_NONE;
}

/* The length of url's scheme and "://" when it opens with one (RFC 3986 section 3.1: ALPHA
 * *( ALPHA / DIGIT / "+" / "-" / "." )), else 0 — a "://" further on is part of a path. */
static size_t scheme_len(const char *url)
{
    if (!isalpha((unsigned char)url[0]))
        return 0;
    size_t i = 1;
    while (isalnum((unsigned char)url[i]) || url[i] == '+' || url[i] == '-' || url[i] == '.')
        i++;
    return strncmp(url + i, "://", 3) == 0 ? i + 3 : 0;
}

/* Appends n bytes of s at *at in buf, keeping room for the terminator; 0 when cut short. */
static int put(char *buf, size_t cap, size_t *at, const char *s, size_t n)
{
    size_t room = cap - 1 - *at;
    size_t k = n < room ? n : room;
    memcpy(buf + *at, s, k);
    *at += k;
    return k == n;
}

const char *rt_url_display(const char *url, char *buf, size_t cap)
{
    if (!buf || cap == 0)
        return buf;
    buf[0] = '\0';
    if (!url)
        return buf;
    size_t at = 0;
    size_t scheme = scheme_len(url);
    const char *rest = url;
    int ok = 1;
    if (scheme) {
        ok = put(buf, cap, &at, url, scheme);
        rest = url + scheme;
        /* the authority ends at the first '/', '?' or '#'; its userinfo ends at its last '@' */
        size_t auth = strcspn(rest, "/?#");
        const char *at_sign = NULL;
        for (size_t i = 0; i < auth; i++)
            if (rest[i] == '@')
                at_sign = rest + i;
        if (at_sign) {
            auth -= (size_t)(at_sign + 1 - rest);
            rest = at_sign + 1;
        }
        ok = ok && put(buf, cap, &at, rest, auth);
        rest += auth;
    }
    size_t path = strcspn(rest, "?#");
    ok = ok && put(buf, cap, &at, rest, path);
    if (ok && rest[path] == '?')
        ok = put(buf, cap, &at, "?...", 4);
    if (!ok && cap >= 4) {
        if (at > cap - 4)
            at = cap - 4;
        memcpy(buf + at, "...", 3);
        at += 3;
    }
    buf[at] = '\0';
    return buf;
}

static int note_libc(struct dl_phdr_info *info, size_t size, void *found)
{
    (void)size;
    if (info->dlpi_name && strstr(info->dlpi_name, "/libc.so"))
        *(int *)found = 1;
    return 0;
}

int rt_url_plugin_loadable(void)
{
    int found = 0;
    dl_iterate_phdr(note_libc, &found);
    return found;
}
